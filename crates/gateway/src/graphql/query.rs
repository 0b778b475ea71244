//! The read side: public queries over the directory.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::language::{LanguageCode, LanguagePreference};
use netzwerk_domain::slug::Slug;
use netzwerk_storage::{Database, StorageError, locations, organisations, services};

use super::connection::{Page, page, window};
use super::context::{loader, parse_id, viewer};
use super::enums::{FieldOfAction, MembershipStatus, Role, ServiceCategory, TargetGroup, Topic};
use super::error::{ApiResult, storage, validation};
use super::loaders::{OrganisationRelations, OrganisationWants, ServiceRelations, ServiceWants};
use super::objects::{Location, Organisation, Service, node_selections};

/// Queries over the directory.
#[derive(Default)]
pub struct DirectoryQuery;

/// The reader's language preference: the `languages` argument, else `Accept-Language`.
pub(crate) fn preference(
    ctx: &Context<'_>,
    languages: Option<Vec<String>>,
) -> ApiResult<Arc<LanguagePreference>> {
    match languages {
        Some(codes) => LanguagePreference::from_codes(&codes)
            .map(Arc::new)
            .map_err(|e| validation(&e.within("languages"))),
        None => Ok(viewer(ctx).languages.clone()),
    }
}

pub(crate) fn db<'a>(ctx: &'a Context<'_>) -> &'a Database {
    ctx.data_unchecked::<Database>()
}

/// Filter of `services`; every field given narrows the list.
#[derive(InputObject, Default)]
pub struct ServiceFilter {
    /// Words that must all occur in name, description, organisation name or a
    /// translation. Case and umlauts are folded (`Koepenick` finds `Köpenick`) and words
    /// match inside compounds (`beratung` finds `Migrationsberatung`).
    pub text: Option<String>,
    /// Kind of offer.
    pub category: Option<ServiceCategory>,
    /// For this target group.
    pub target_group: Option<TargetGroup>,
    /// Delivered in this language (ISO 639-1, e.g. `ar`).
    pub language: Option<String>,
    /// Offered in this locality (Ortsteil), folded like `text`.
    pub locality: Option<String>,
    /// Free of charge.
    pub free: Option<bool>,
    /// Open at this instant, by its opening hours and exceptions in its own time zone.
    pub open_at: Option<DateTime<Utc>>,
    /// Of the organisation with this slug.
    pub organisation: Option<String>,
    /// Changed after this instant.
    pub modified_after: Option<DateTime<Utc>>,
}

/// Filter of `organisations`; every field given narrows the list.
#[derive(InputObject, Default)]
pub struct OrganisationFilter {
    /// Words that must all occur in name, alternate name or description (folded).
    pub text: Option<String>,
    /// Standing in the network.
    pub membership_status: Option<MembershipStatus>,
    /// Takes part in this field of action.
    pub field_of_action: Option<FieldOfAction>,
    /// Interested in this topic.
    pub topic: Option<Topic>,
    /// Has a location in this locality (folded).
    pub locality: Option<String>,
    /// Changed after this instant.
    pub modified_after: Option<DateTime<Utc>>,
}

/// The signed-in account.
#[derive(SimpleObject)]
pub struct Me {
    /// Account id.
    pub id: ID,
    /// Role.
    pub role: Role,
    /// For editors: the organisation's id.
    pub organisation_id: Option<ID>,
}

#[Object]
impl DirectoryQuery {
    /// Member organisations, by name.
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<OrganisationFilter>,
        #[graphql(desc = "Preferred languages, best first (overrides Accept-Language).")] languages: Option<Vec<String>>,
    ) -> ApiResult<Page<Organisation>> {
        let prefs = preference(ctx, languages)?;
        let w = window(first, after)?;
        let f = filter.unwrap_or_default();
        let filter = organisations::OrganisationFilter {
            text: netzwerk_domain::error::search_text(f.text.as_deref())
                .map_err(|e| validation(&e.within("filter.text")))?,
            membership_status: f.membership_status.map(Into::into),
            field_of_action: f.field_of_action.map(Into::into),
            topic: f.topic.map(Into::into),
            locality: f.locality,
            modified_after: f.modified_after.map(|t| t.naive_utc()),
        };
        let (offset, limit) = (w.offset as i64, w.limit as i64);
        let wants = OrganisationWants::of(&node_selections(ctx));
        let (p, relations) = db(ctx)
            .run(move |c| {
                let p = organisations::list(c, &filter, offset, limit)?;
                let ids: Vec<OrganisationId> = p.items.iter().map(|r| r.id).collect();
                let relations = OrganisationRelations::load(c, wants, &ids)?;
                Ok((p, relations))
            })
            .await
            .map_err(storage)?;
        relations.feed(loader(ctx)).await;
        let nodes = p
            .items
            .into_iter()
            .map(|r| Organisation::new(Arc::new(r), prefs.clone()))
            .collect();
        Ok(page(w, p.total, nodes))
    }

    /// One organisation by its slug.
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        slug: String,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Organisation>> {
        let prefs = preference(ctx, languages)?;
        let Ok(slug) = Slug::parse(&slug) else {
            return Ok(None);
        };
        let wants = OrganisationWants::of(&[ctx.look_ahead()]);
        let (rec, relations) = db(ctx)
            .run(move |c| {
                let Some(rec) = organisations::get_by_slug(c, &slug)? else {
                    return Ok((None, OrganisationRelations::default()));
                };
                let relations = OrganisationRelations::load(c, wants, &[rec.id])?;
                Ok((Some(rec), relations))
            })
            .await
            .map_err(storage)?;
        relations.feed(loader(ctx)).await;
        Ok(rec.map(|r| Organisation::new(Arc::new(r), prefs)))
    }

    /// One organisation by id.
    async fn organisation_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Organisation>> {
        let prefs = preference(ctx, languages)?;
        let id = parse_id("id", &id, OrganisationId::parse)?;
        found(db(ctx).run(move |c| organisations::get(c, id)).await)
            .map(|r| r.map(|r| Organisation::new(Arc::new(r), prefs)))
    }

    /// Services (offers), by name.
    async fn services(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ServiceFilter>,
        #[graphql(desc = "Preferred languages, best first (overrides Accept-Language).")] languages: Option<Vec<String>>,
    ) -> ApiResult<Page<Service>> {
        let prefs = preference(ctx, languages)?;
        let w = window(first, after)?;
        let f = filter.unwrap_or_default();
        let language = f
            .language
            .as_deref()
            .map(LanguageCode::parse)
            .transpose()
            .map_err(|e| validation(&e.within("filter.language")))?;
        let org_slug = f.organisation.clone();
        let wants = ServiceWants::of(&node_selections(ctx));
        let mut filter = services::ServiceFilter {
            text: netzwerk_domain::error::search_text(f.text.as_deref())
                .map_err(|e| validation(&e.within("filter.text")))?,
            category: f.category.map(Into::into),
            target_group: f.target_group.map(Into::into),
            language,
            locality: f.locality,
            free: f.free,
            open_at: f.open_at,
            organisation: None,
            modified_after: f.modified_after.map(|t| t.naive_utc()),
        };
        let (offset, limit) = (w.offset as i64, w.limit as i64);
        let (p, relations) = db(ctx)
            .run(move |c| {
                if let Some(slug) = org_slug {
                    let found = Slug::parse(&slug)
                        .ok()
                        .map(|s| organisations::find_id_by_slug(c, &s))
                        .transpose()?
                        .flatten();
                    match found {
                        Some(id) => filter.organisation = Some(id),
                        None => {
                            let none = netzwerk_storage::Page {
                                items: Vec::new(),
                                total: 0,
                            };
                            return Ok((none, ServiceRelations::default()));
                        }
                    }
                }
                let p = services::list(c, &filter, offset, limit)?;
                let listed: Vec<_> = p.items.iter().collect();
                let relations = ServiceRelations::load(c, wants, &listed, &[])?;
                Ok((p, relations))
            })
            .await
            .map_err(storage)?;
        relations.feed(loader(ctx)).await;
        let nodes = p
            .items
            .into_iter()
            .map(|s| Service::listed(s, prefs.clone()))
            .collect();
        Ok(page(w, p.total, nodes))
    }

    /// One service by id.
    async fn service(
        &self,
        ctx: &Context<'_>,
        id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Service>> {
        let prefs = preference(ctx, languages)?;
        let id = parse_id("id", &id, ServiceId::parse)?;
        found(db(ctx).run(move |c| services::get(c, id)).await)
            .map(|r| r.map(|r| Service::new(r, prefs)))
    }

    /// One location by id.
    async fn location(
        &self,
        ctx: &Context<'_>,
        id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Location>> {
        let prefs = preference(ctx, languages)?;
        let id = parse_id("id", &id, LocationId::parse)?;
        found(db(ctx).run(move |c| locations::get(c, id)).await)
            .map(|r| r.map(|r| Location::new(r, prefs)))
    }

    /// The localities (Ortsteile) of Treptow-Köpenick, for filters and forms.
    async fn localities(&self) -> Vec<&'static str> {
        netzwerk_domain::location::LOCALITIES.to_vec()
    }

    /// The signed-in account, or null.
    async fn me(&self, ctx: &Context<'_>) -> Option<Me> {
        use netzwerk_domain::access::{Actor, Role as R};
        match viewer(ctx).actor {
            Actor::Coordinator { user } => Some(Me {
                id: ID(user.to_string()),
                role: R::Coordinator.into(),
                organisation_id: None,
            }),
            Actor::Editor {
                user, organisation, ..
            } => Some(Me {
                id: ID(user.to_string()),
                role: R::Editor.into(),
                organisation_id: Some(ID(organisation.to_string())),
            }),
            Actor::Anonymous | Actor::Partner { .. } | Actor::Operator => None,
        }
    }
}

/// `NotFound` becomes `None` for single-item queries.
fn found<T>(r: Result<T, StorageError>) -> ApiResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(StorageError::NotFound(_)) => Ok(None),
        Err(e) => Err(storage(e)),
    }
}
