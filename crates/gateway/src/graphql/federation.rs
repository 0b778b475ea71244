//! The Hub as an Apollo Federation v2 subgraph: `_service { sdl }` and `_entities`
//! for `Organisation`, `Location`, `Service`, `Event` and `FundingOpportunity`.
//! Entities are resolved by their key `id` through the request's DataLoader, so a
//! router that sends many representations at once costs one statement per kind. An
//! entity is what the same reader gets by id anywhere else: its personal fields keep
//! their rules.

use async_graphql::{Context, ID, Object};
use std::sync::Arc;

use netzwerk_domain::ids::{EventId, FundingOpportunityId, LocationId, OrganisationId, ServiceId};

use super::context::{loader, parse_id};
use super::error::{ApiResult, load_error};
use super::events::Event;
use super::funding::FundingOpportunity;
use super::objects::{Location, Organisation, Service};
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

    /// A service by its key.
    #[graphql(entity)]
    async fn service_by_key(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Service>> {
        let id = parse_id("id", &id, ServiceId::parse)?;
        let prefs = preference(ctx, None)?;
        Ok(loader(ctx)
            .load_one(id)
            .await
            .map_err(load_error)?
            .map(|r| Service::new(r, prefs)))
    }

    /// An event by its key.
    #[graphql(entity)]
    async fn event_by_key(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Event>> {
        let id = parse_id("id", &id, EventId::parse)?;
        let prefs = preference(ctx, None)?;
        Ok(loader(ctx)
            .load_one(id)
            .await
            .map_err(load_error)?
            .map(|v| Event::of_view(Arc::unwrap_or_clone(v), prefs)))
    }

    /// A funding opportunity by its key.
    #[graphql(entity)]
    async fn funding_opportunity_by_key(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<FundingOpportunity>> {
        let id = parse_id("id", &id, FundingOpportunityId::parse)?;
        Ok(loader(ctx)
            .load_one(id)
            .await
            .map_err(load_error)?
            .map(|f| FundingOpportunity::of(Arc::unwrap_or_clone(f))))
    }
}
