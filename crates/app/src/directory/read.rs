//! The directory's read side: the lists partner sites ask for, each with the relations
//! the query selects read in the same database task (one statement per relation), and
//! the batched reads by id behind the gateway's DataLoaders. Nothing here reads per
//! item: a page's statement count does not depend on its size.

use std::collections::HashMap;

use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::organisation::TargetGroup;
use netzwerk_domain::schedule::ScheduleException;
use netzwerk_domain::slug::Slug;
use netzwerk_storage::{AnyConnection, contacts, locations, organisations, services, translations};

pub use netzwerk_storage::Page;
pub use netzwerk_storage::change_log::ChangeEntry;
pub use netzwerk_storage::organisations::OrganisationFilter;
pub use netzwerk_storage::services::{
    ListedService, Schedule, ServiceFacets, ServiceFilter, ShownLinks,
};
pub use netzwerk_storage::translations::FieldTranslations;

use super::{ContactRecord, LocationRecord, OrganisationRecord, ServiceRecord};
use crate::Hub;
use crate::error::{Error, Result};

/// Which relations of listed services a query selects.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceWants {
    /// The organisation.
    pub organisation: bool,
    /// The locations.
    pub locations: bool,
    /// The schedule's exceptions (directly, or to answer "open at").
    pub exceptions: bool,
}

/// The relations of listed services, read with the list.
#[derive(Debug, Default)]
pub struct ServiceRelations {
    /// The services, in list order.
    pub ids: Vec<ServiceId>,
    /// Their organisations (when wanted).
    pub organisations: Vec<OrganisationRecord>,
    /// Their locations (when wanted).
    pub locations: Option<HashMap<ServiceId, Vec<LocationRecord>>>,
    /// Their schedule exceptions (when wanted).
    pub exceptions: Option<HashMap<ServiceId, Vec<ScheduleException>>>,
}

impl ServiceRelations {
    /// Reads what `wants` asks for; `known` locations are not read again.
    fn load(
        conn: &mut AnyConnection,
        wants: ServiceWants,
        services: &[&ListedService],
        known: &[&LocationRecord],
    ) -> Result<Self> {
        if services.is_empty() {
            return Ok(Self::default());
        }
        let mut relations = Self {
            ids: services.iter().map(|s| s.record.id).collect(),
            ..Self::default()
        };
        if wants.organisation {
            let mut orgs: Vec<OrganisationId> =
                services.iter().map(|s| s.record.organisation_id).collect();
            orgs.sort();
            orgs.dedup();
            relations.organisations = organisations::get_many(conn, &orgs)?;
        }
        if wants.locations {
            let mut by_id: HashMap<LocationId, &LocationRecord> =
                known.iter().map(|l| (l.id, *l)).collect();
            let mut missing: Vec<LocationId> = services
                .iter()
                .flat_map(|s| s.links.location_ids.iter().copied())
                .filter(|id| !by_id.contains_key(id))
                .collect();
            missing.sort();
            missing.dedup();
            let read = if missing.is_empty() {
                Vec::new()
            } else {
                locations::get_many(conn, &missing)?
            };
            by_id.extend(read.iter().map(|l| (l.id, l)));
            // A location removed since the services were read is left out, as a join
            // would have left it out.
            relations.locations = Some(
                services
                    .iter()
                    .map(|s| {
                        let places = s.links.location_ids.iter();
                        let found = places.filter_map(|id| by_id.get(id).map(|l| (*l).clone()));
                        (s.record.id, found.collect())
                    })
                    .collect(),
            );
        }
        if wants.exceptions {
            relations.exceptions = Some(services::exceptions_of(conn, &relations.ids)?);
        }
        Ok(relations)
    }
}

/// Which relations of listed organisations a query selects.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrganisationWants {
    /// Locations.
    pub locations: bool,
    /// Services.
    pub services: bool,
    /// Contact persons.
    pub contacts: bool,
    /// Followed calendar feeds (for those who may see them).
    pub calendar_feeds: bool,
    /// Of their services.
    pub of_services: ServiceWants,
}

/// An organisation's calendar feeds, or why the reader may not see them.
pub type FeedsOrDenied =
    std::result::Result<Vec<crate::calendar_sync::CalendarSource>, netzwerk_domain::access::Denied>;

/// The relations of listed organisations, read with the list.
#[derive(Debug, Default)]
pub struct OrganisationRelations {
    /// The organisations, in list order.
    pub ids: Vec<OrganisationId>,
    /// Their locations (when wanted).
    pub locations: Option<HashMap<OrganisationId, Vec<LocationRecord>>>,
    /// Their services (when wanted).
    pub services: Option<HashMap<OrganisationId, Vec<ListedService>>>,
    /// Their contact persons (when wanted; their details are shown by the viewer's rights).
    pub contacts: Option<HashMap<OrganisationId, Vec<ContactView>>>,
    /// Their calendar feeds (when wanted), as the reader may see them.
    pub calendar_feeds: Option<HashMap<OrganisationId, FeedsOrDenied>>,
    /// The relations of their services.
    pub of_services: ServiceRelations,
}

impl OrganisationRelations {
    fn load(
        conn: &mut AnyConnection,
        actor: netzwerk_domain::access::Actor,
        wants: OrganisationWants,
        ids: &[OrganisationId],
    ) -> Result<Self> {
        if ids.is_empty() {
            return Ok(Self::default());
        }
        let locations = wants
            .locations
            .then(|| locations::of_organisations(conn, ids))
            .transpose()?;
        let services = wants
            .services
            .then(|| services::of_organisations(conn, ids))
            .transpose()?;
        let of_services = match &services {
            Some(by_org) => {
                let all: Vec<&ListedService> = by_org.values().flatten().collect();
                // A service's locations are its organisation's own.
                let known: Vec<&LocationRecord> = locations
                    .iter()
                    .flat_map(|m| m.values().flatten())
                    .collect();
                ServiceRelations::load(conn, wants.of_services, &all, &known)?
            }
            None => ServiceRelations::default(),
        };
        Ok(Self {
            ids: ids.to_vec(),
            locations,
            services,
            contacts: wants
                .contacts
                .then(|| contacts::of_organisations(conn, ids))
                .transpose()?
                .map(|by_org| views_of(actor, by_org)),
            calendar_feeds: if wants.calendar_feeds {
                Some(feeds_in(conn, actor, ids)?)
            } else {
                None
            },
            of_services,
        })
    }
}

/// The calendar feeds of organisations the actor may edit (one statement), and why
/// not for the others.
fn feeds_in(
    conn: &mut AnyConnection,
    actor: netzwerk_domain::access::Actor,
    ids: &[OrganisationId],
) -> Result<HashMap<OrganisationId, FeedsOrDenied>> {
    let allowed: Vec<OrganisationId> = ids
        .iter()
        .copied()
        .filter(|o| actor.may_edit(*o).is_ok())
        .collect();
    let mut found = if allowed.is_empty() {
        HashMap::new()
    } else {
        netzwerk_storage::calendar_sources::of_organisations(conn, &allowed)?
    };
    Ok(ids
        .iter()
        .map(|o| {
            let seen = actor
                .may_edit(*o)
                .map(|()| found.remove(o).unwrap_or_default());
            (*o, seen)
        })
        .collect())
}

/// The calendar feeds of several organisations as the actor may see them (the
/// gateway's DataLoader).
pub async fn calendar_feeds(
    hub: &Hub,
    actor: netzwerk_domain::access::Actor,
    ids: Vec<OrganisationId>,
) -> Result<HashMap<OrganisationId, FeedsOrDenied>> {
    hub.read(move |c| feeds_in(c, actor, &ids)).await
}

/// A page of organisations by name, with the relations wanted.
pub async fn organisations(
    hub: &Hub,
    actor: netzwerk_domain::access::Actor,
    filter: OrganisationFilter,
    offset: i64,
    limit: i64,
    wants: OrganisationWants,
) -> Result<(Page<OrganisationRecord>, OrganisationRelations)> {
    hub.read(move |c| {
        let p = organisations::list(c, &filter, offset, limit)?;
        let ids: Vec<OrganisationId> = p.items.iter().map(|r| r.id).collect();
        let relations = OrganisationRelations::load(c, actor, wants, &ids)?;
        Ok((p, relations))
    })
    .await
}

/// One organisation by slug, with the relations wanted; `None`: no such organisation.
pub async fn organisation_by_slug(
    hub: &Hub,
    actor: netzwerk_domain::access::Actor,
    slug: &str,
    wants: OrganisationWants,
) -> Result<Option<(OrganisationRecord, OrganisationRelations)>> {
    let Ok(slug) = Slug::parse(slug) else {
        return Ok(None);
    };
    hub.read(move |c| {
        let Some(rec) = organisations::get_by_slug(c, &slug)? else {
            return Ok(None);
        };
        let relations = OrganisationRelations::load(c, actor, wants, &[rec.id])?;
        Ok(Some((rec, relations)))
    })
    .await
}

/// A page of services by name, with the relations wanted; `organisation` narrows to
/// the organisation with that slug (none such: an empty page).
pub async fn services(
    hub: &Hub,
    mut filter: ServiceFilter,
    organisation: Option<String>,
    offset: i64,
    limit: i64,
    wants: ServiceWants,
) -> Result<(Page<ListedService>, ServiceRelations)> {
    let memory = hub.search_memory().current();
    let (page, relations, stale) = hub
        .read(move |c| {
            if !narrow_to_organisation(c, &mut filter, organisation.as_deref())? {
                let none = Page {
                    items: Vec::new(),
                    total: 0,
                };
                return Ok((none, ServiceRelations::default(), false));
            }
            let (p, stale) =
                services::list_ranking_in(c, &filter, offset, limit, memory.as_deref())?;
            let listed: Vec<_> = p.items.iter().collect();
            let relations = ServiceRelations::load(c, wants, &listed, &[])?;
            Ok((p, relations, stale))
        })
        .await?;
    if stale {
        crate::search_memory::refresh_in_background(hub);
    }
    Ok((page, relations))
}

/// The facet counts (categories, delivery languages, localities) of the services a
/// filter finds, over all pages; `organisation` as in [`services`].
pub async fn service_facets(
    hub: &Hub,
    mut filter: ServiceFilter,
    organisation: Option<String>,
) -> Result<ServiceFacets> {
    hub.read(move |c| {
        if !narrow_to_organisation(c, &mut filter, organisation.as_deref())? {
            return Ok(ServiceFacets::default());
        }
        Ok(services::facet_counts(c, &filter)?)
    })
    .await
}

/// Narrows a service filter to the organisation with the slug, if one is given;
/// false when there is none such (nothing can match).
fn narrow_to_organisation(
    c: &mut AnyConnection,
    filter: &mut ServiceFilter,
    slug: Option<&str>,
) -> Result<bool> {
    let Some(slug) = slug else {
        return Ok(true);
    };
    let found = Slug::parse(slug)
        .ok()
        .map(|s| organisations::find_id_by_slug(c, &s))
        .transpose()?
        .flatten();
    filter.organisation = found;
    Ok(found.is_some())
}

/// `NotFound` as `None`.
fn found<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// One organisation by id.
pub async fn organisation(hub: &Hub, id: OrganisationId) -> Result<Option<OrganisationRecord>> {
    found(hub.read(move |c| Ok(organisations::get(c, id)?)).await)
}

/// One service by id.
pub async fn service(hub: &Hub, id: ServiceId) -> Result<Option<ServiceRecord>> {
    found(hub.read(move |c| Ok(services::get(c, id)?)).await)
}

/// One location by id.
pub async fn location(hub: &Hub, id: LocationId) -> Result<Option<LocationRecord>> {
    found(hub.read(move |c| Ok(locations::get(c, id)?)).await)
}

/// Organisations by id (missing ones left out).
pub async fn organisations_by_ids(
    hub: &Hub,
    ids: Vec<OrganisationId>,
) -> Result<Vec<OrganisationRecord>> {
    hub.read(move |c| Ok(organisations::get_many(c, &ids)?))
        .await
}

/// Services by id (missing ones left out).
pub async fn services_by_ids(hub: &Hub, ids: Vec<ServiceId>) -> Result<Vec<ServiceRecord>> {
    hub.read(move |c| Ok(services::get_many(c, &ids)?)).await
}

/// Locations by id (missing ones left out).
pub async fn locations_by_ids(hub: &Hub, ids: Vec<LocationId>) -> Result<Vec<LocationRecord>> {
    hub.read(move |c| Ok(locations::get_many(c, &ids)?)).await
}

/// The locations of organisations.
pub async fn locations_of_organisations(
    hub: &Hub,
    ids: Vec<OrganisationId>,
) -> Result<HashMap<OrganisationId, Vec<LocationRecord>>> {
    hub.read(move |c| Ok(locations::of_organisations(c, &ids)?))
        .await
}

/// The services of organisations, as listed.
pub async fn services_of_organisations(
    hub: &Hub,
    ids: Vec<OrganisationId>,
) -> Result<HashMap<OrganisationId, Vec<ListedService>>> {
    hub.read(move |c| Ok(services::of_organisations(c, &ids)?))
        .await
}

/// The contact persons of organisations, as `actor` may see them.
pub async fn contacts_of_organisations(
    hub: &Hub,
    actor: netzwerk_domain::access::Actor,
    ids: Vec<OrganisationId>,
) -> Result<HashMap<OrganisationId, Vec<ContactView>>> {
    let by_org = hub
        .read(move |c| Ok(contacts::of_organisations(c, &ids)?))
        .await?;
    Ok(views_of(actor, by_org))
}

fn views_of(
    actor: netzwerk_domain::access::Actor,
    by_org: HashMap<OrganisationId, Vec<ContactRecord>>,
) -> HashMap<OrganisationId, Vec<ContactView>> {
    by_org
        .into_iter()
        .map(|(org, list)| {
            let views = list.into_iter().map(|c| contact_view(actor, c)).collect();
            (org, views)
        })
        .collect()
}

/// The locations of services.
pub async fn locations_of_services(
    hub: &Hub,
    ids: Vec<ServiceId>,
) -> Result<HashMap<ServiceId, Vec<LocationRecord>>> {
    hub.read(move |c| Ok(locations::of_services(c, &ids)?))
        .await
}

/// The delivery languages of services.
pub async fn languages_of_services(
    hub: &Hub,
    ids: Vec<ServiceId>,
) -> Result<HashMap<ServiceId, Vec<LanguageCode>>> {
    hub.read(move |c| Ok(services::languages_of(c, &ids)?))
        .await
}

/// The target groups of services.
pub async fn target_groups_of_services(
    hub: &Hub,
    ids: Vec<ServiceId>,
) -> Result<HashMap<ServiceId, Vec<TargetGroup>>> {
    hub.read(move |c| Ok(services::target_groups_of(c, &ids)?))
        .await
}

/// The weekly hours of services.
pub async fn schedules_of_services(
    hub: &Hub,
    ids: Vec<ServiceId>,
) -> Result<HashMap<ServiceId, Schedule>> {
    hub.read(move |c| Ok(services::hours_of(c, &ids)?)).await
}

/// The schedule exceptions of services.
pub async fn exceptions_of_services(
    hub: &Hub,
    ids: Vec<ServiceId>,
) -> Result<HashMap<ServiceId, Vec<ScheduleException>>> {
    hub.read(move |c| Ok(services::exceptions_of(c, &ids)?))
        .await
}

/// The translations of entities, by id.
pub async fn translations_of(
    hub: &Hub,
    ids: Vec<String>,
) -> Result<HashMap<String, FieldTranslations>> {
    hub.read(move |c| Ok(translations::load(c, &ids)?)).await
}

/// One organisation's change log, or why the reader may not see it.
pub type ChangesOrDenied = std::result::Result<Page<ChangeEntry>, netzwerk_domain::access::Denied>;

/// The same window (`offset`, `limit`, newest first) of several organisations' change
/// logs, each as far as `actor` may see it (`Actor::may_edit`): two statements
/// however many organisations are asked for.
pub async fn changes_of(
    hub: &Hub,
    actor: netzwerk_domain::access::Actor,
    organisations: Vec<OrganisationId>,
    offset: i64,
    limit: i64,
) -> Result<HashMap<OrganisationId, ChangesOrDenied>> {
    let allowed: Vec<String> = organisations
        .iter()
        .filter(|o| actor.may_edit(**o).is_ok())
        .map(ToString::to_string)
        .collect();
    let mut found = if allowed.is_empty() {
        HashMap::new()
    } else {
        hub.read(move |c| {
            Ok(netzwerk_storage::change_log::for_organisations(
                c, &allowed, offset, limit,
            )?)
        })
        .await?
    };
    Ok(organisations
        .into_iter()
        .map(|o| {
            let seen = actor.may_edit(o).map(|()| {
                found.remove(&o.to_string()).unwrap_or(Page {
                    items: Vec::new(),
                    total: 0,
                })
            });
            (o, seen)
        })
        .collect())
}

/// A contact person as a reader may see them: e-mail and phone removed unless the
/// contact's visibility lets this actor see them (`Actor::may_see_contact_details`).
#[derive(Debug, Clone)]
pub struct ContactView {
    /// The contact, with the details the reader may see.
    pub record: ContactRecord,
    /// True when e-mail and phone are withheld from this reader.
    pub details_hidden: bool,
}

/// The contact as `actor` may see it. Every read of contacts the application gives
/// out goes through here.
pub(crate) fn contact_view(
    actor: netzwerk_domain::access::Actor,
    mut record: ContactRecord,
) -> ContactView {
    let visible = actor.may_see_contact_details(record.value.visibility, record.organisation_id);
    if !visible {
        record.value.email = None;
        record.value.phone = None;
    }
    ContactView {
        record,
        details_hidden: !visible,
    }
}
