//! The read side: public queries over the directory.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use netzwerk_app::directory::read;
use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::language::{LanguageCode, LanguagePreference};

use super::connection::{Page, page, window};
use super::context::{hub, loader, parse_id, viewer};
use super::enums::{FieldOfAction, MembershipStatus, Role, ServiceCategory, TargetGroup, Topic};
use super::error::{ApiResult, app, validation};
use super::funding::{FacetCount, enum_name};
use super::loaders::{feed_organisations, feed_services, organisation_wants, service_wants};
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

/// The application's service filter from the GraphQL one, with the reader's first
/// language (ranking a text search); and the organisation's slug, if given.
fn service_filter(
    f: ServiceFilter,
    prefs: &LanguagePreference,
) -> ApiResult<(read::ServiceFilter, Option<String>)> {
    let language = f
        .language
        .as_deref()
        .map(LanguageCode::parse)
        .transpose()
        .map_err(|e| validation(&e.within("filter.language")))?;
    let filter = read::ServiceFilter {
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
        any_target_group: false,
        reader_language: prefs.codes().first().copied(),
    };
    Ok((filter, f.organisation))
}

/// How many of the services a filter finds have each value.
#[derive(SimpleObject)]
pub struct ServiceFacets {
    /// Per category (the `ServiceCategory` name).
    pub categories: Vec<FacetCount>,
    /// Per delivery language (ISO 639-1).
    pub languages: Vec<FacetCount>,
    /// Per locality (Ortsteil), by its name.
    pub localities: Vec<FacetCount>,
}

impl From<read::ServiceFacets> for ServiceFacets {
    fn from(f: read::ServiceFacets) -> Self {
        fn list(v: Vec<(String, i64)>, name: impl Fn(&str) -> String) -> Vec<FacetCount> {
            v.into_iter()
                .map(|(value, count)| FacetCount {
                    value: name(&value),
                    count: i32::try_from(count).unwrap_or(i32::MAX),
                })
                .collect()
        }
        Self {
            categories: list(f.categories, |c| {
                netzwerk_domain::service::ServiceCategory::parse(c)
                    .map(|c| enum_name(ServiceCategory::from(c)))
                    .unwrap_or_else(|_| c.to_owned())
            }),
            languages: list(f.languages, str::to_owned),
            localities: list(f.localities, str::to_owned),
        }
    }
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
    /// Became a member on this day or later.
    pub member_since_from: Option<chrono::NaiveDate>,
    /// Became a member on this day or earlier.
    pub member_since_to: Option<chrono::NaiveDate>,
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

impl From<netzwerk_app::auth::Account> for Me {
    fn from(a: netzwerk_app::auth::Account) -> Self {
        Self {
            id: ID(a.user.to_string()),
            role: a.role.into(),
            organisation_id: a.organisation.map(|o| ID(o.to_string())),
        }
    }
}

#[Object]
impl DirectoryQuery {
    /// Member organisations, by name.
    #[graphql(cache_control(max_age = 60))]
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
        let filter = read::OrganisationFilter {
            text: netzwerk_domain::error::search_text(f.text.as_deref())
                .map_err(|e| validation(&e.within("filter.text")))?,
            membership_status: f.membership_status.map(Into::into),
            field_of_action: f.field_of_action.map(Into::into),
            topic: f.topic.map(Into::into),
            locality: f.locality,
            modified_after: f.modified_after.map(|t| t.naive_utc()),
            member_since_from: f.member_since_from,
            member_since_to: f.member_since_to,
        };
        let (offset, limit) = (w.offset as i64, w.limit as i64);
        let wants = organisation_wants(&node_selections(ctx));
        let (p, relations) =
            read::organisations(hub(ctx), viewer(ctx).actor, filter, offset, limit, wants)
                .await
                .map_err(app)?;
        feed_organisations(relations, loader(ctx)).await;
        let nodes = p
            .items
            .into_iter()
            .map(|r| Organisation::new(Arc::new(r), prefs.clone()))
            .collect();
        Ok(page(w, p.total, nodes))
    }

    /// One organisation by its slug.
    #[graphql(cache_control(max_age = 60))]
    async fn organisation(
        &self,
        ctx: &Context<'_>,
        slug: String,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Organisation>> {
        let prefs = preference(ctx, languages)?;
        let wants = organisation_wants(&[ctx.look_ahead()]);
        let Some((rec, relations)) =
            read::organisation_by_slug(hub(ctx), viewer(ctx).actor, &slug, wants)
                .await
                .map_err(app)?
        else {
            return Ok(None);
        };
        feed_organisations(relations, loader(ctx)).await;
        Ok(Some(Organisation::new(Arc::new(rec), prefs)))
    }

    /// One organisation by id.
    #[graphql(cache_control(max_age = 60))]
    async fn organisation_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Organisation>> {
        let prefs = preference(ctx, languages)?;
        let id = parse_id("id", &id, OrganisationId::parse)?;
        Ok(read::organisation(hub(ctx), id)
            .await
            .map_err(app)?
            .map(|r| Organisation::new(Arc::new(r), prefs)))
    }

    /// Services (offers), by name.
    #[graphql(cache_control(max_age = 60))]
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
        let (filter, org_slug) = service_filter(filter.unwrap_or_default(), &prefs)?;
        let wants = service_wants(&node_selections(ctx));
        let (offset, limit) = (w.offset as i64, w.limit as i64);
        let (p, relations) = read::services(hub(ctx), filter, org_slug, offset, limit, wants)
            .await
            .map_err(app)?;
        feed_services(relations, loader(ctx)).await;
        let nodes = p
            .items
            .into_iter()
            .map(|s| Service::listed(s, prefs.clone()))
            .collect();
        Ok(page(w, p.total, nodes))
    }

    /// Counts of categories, delivery languages and localities over every service the
    /// filter finds (all pages of `services` with the same filter), most frequent
    /// first: the facets a search page offers to narrow by.
    #[graphql(cache_control(max_age = 60))]
    async fn service_facets(
        &self,
        ctx: &Context<'_>,
        filter: Option<ServiceFilter>,
    ) -> ApiResult<ServiceFacets> {
        let prefs = preference(ctx, None)?;
        let (filter, org_slug) = service_filter(filter.unwrap_or_default(), &prefs)?;
        let facets = read::service_facets(hub(ctx), filter, org_slug)
            .await
            .map_err(app)?;
        Ok(facets.into())
    }

    /// One service by id.
    #[graphql(cache_control(max_age = 60))]
    async fn service(
        &self,
        ctx: &Context<'_>,
        id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Service>> {
        let prefs = preference(ctx, languages)?;
        let id = parse_id("id", &id, ServiceId::parse)?;
        Ok(read::service(hub(ctx), id)
            .await
            .map_err(app)?
            .map(|r| Service::new(r, prefs)))
    }

    /// One location by id.
    #[graphql(cache_control(max_age = 60))]
    async fn location(
        &self,
        ctx: &Context<'_>,
        id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<Location>> {
        let prefs = preference(ctx, languages)?;
        let id = parse_id("id", &id, LocationId::parse)?;
        Ok(read::location(hub(ctx), id)
            .await
            .map_err(app)?
            .map(|r| Location::new(r, prefs)))
    }

    /// The localities (Ortsteile) of Treptow-Köpenick, for filters and forms.
    #[graphql(cache_control(max_age = 60))]
    async fn localities(&self) -> Vec<&'static str> {
        netzwerk_domain::location::LOCALITIES.to_vec()
    }

    /// The signed-in account, or null.
    #[graphql(cache_control(private, no_cache))]
    async fn me(&self, ctx: &Context<'_>) -> Option<Me> {
        netzwerk_app::auth::account(viewer(ctx).actor).map(Into::into)
    }
}
