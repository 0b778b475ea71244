//! The Hub as an Apollo Federation v2 subgraph: `_service { sdl }` and `_entities`.
//! Entities are resolved by their key `id` through the request's DataLoader, so a
//! router that sends many representations at once costs one statement per kind. An
//! entity is what the same reader gets by id anywhere else: its personal fields keep
//! their rules.

use async_graphql::{Context, ID, Object};
use netzwerk_domain::ids::{LocationId, OrganisationId};

use super::context::{loader, parse_id};
use super::error::{ApiResult, load_error};
use super::objects::{Location, Organisation};
use super::query::preference;

/// The entity resolvers (not fields of `Query`: `_entities` calls them).
#[derive(Default)]
pub struct FederationQuery;

#[Object]
impl FederationQuery {
    /// An organisation by its key.
    #[graphql(entity)]
    async fn organisation_by_key(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<Organisation>> {
        let id = parse_id("id", &id, OrganisationId::parse)?;
        let prefs = preference(ctx, None)?;
        Ok(loader(ctx)
            .load_one(id)
            .await
            .map_err(load_error)?
            .map(|r| Organisation::new(r, prefs)))
    }

    /// A location by its key.
    #[graphql(entity)]
    async fn location_by_key(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Location>> {
        let id = parse_id("id", &id, LocationId::parse)?;
        let prefs = preference(ctx, None)?;
        Ok(loader(ctx)
            .load_one(id)
            .await
            .map_err(load_error)?
            .map(|r| Location::new(r, prefs)))
    }
}
