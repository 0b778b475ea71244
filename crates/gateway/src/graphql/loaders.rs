//! Request-scoped DataLoaders: every relation of the schema is loaded in one statement
//! per kind per level of the query, however many parents ask for it (no N+1).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use netzwerk_app::Hub;
use netzwerk_app::directory::read::{
    self, FieldTranslations, ListedService, OrganisationRelations, OrganisationWants, Schedule,
    ServiceRelations, ServiceWants,
};
use netzwerk_app::directory::{LocationRecord, OrganisationRecord};
use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::organisation::TargetGroup;
use netzwerk_domain::schedule::ScheduleException;

/// Loads relations through the application's batched reads, for one request (what
/// the actor may see of a meeting or a feed depends on who asks).
pub struct DirectoryLoader {
    hub: Hub,
    actor: netzwerk_domain::access::Actor,
}

impl DirectoryLoader {
    /// A loader over the application, for a request by `actor`.
    pub fn new(hub: Hub, actor: netzwerk_domain::access::Actor) -> Self {
        Self { hub, actor }
    }
}

/// Key: the calendar feeds of an organisation (or why the actor may not see them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CalendarFeedsOf(pub OrganisationId);

impl Loader<netzwerk_domain::ids::MeetingId> for DirectoryLoader {
    type Value = netzwerk_app::meetings::MeetingView;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[netzwerk_domain::ids::MeetingId],
    ) -> Result<HashMap<netzwerk_domain::ids::MeetingId, Self::Value>, Self::Error> {
        netzwerk_app::meetings::views(&self.hub, self.actor, keys.to_vec())
            .await
            .map_err(Arc::new)
    }
}

impl Loader<CalendarFeedsOf> for DirectoryLoader {
    type Value = read::FeedsOrDenied;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CalendarFeedsOf],
    ) -> Result<HashMap<CalendarFeedsOf, Self::Value>, Self::Error> {
        let ids = keys.iter().map(|k| k.0).collect();
        let found = read::calendar_feeds(&self.hub, self.actor, ids)
            .await
            .map_err(Arc::new)?;
        Ok(found
            .into_iter()
            .map(|(k, v)| (CalendarFeedsOf(k), v))
            .collect())
    }
}

/// Key: one window of an organisation's change log (or why the actor may not see it).
/// Keys with the same window are read together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChangesOf {
    /// The organisation.
    pub organisation: OrganisationId,
    /// Entries to skip, newest first.
    pub offset: i64,
    /// Entries to return.
    pub limit: i64,
}

impl Loader<ChangesOf> for DirectoryLoader {
    type Value = read::ChangesOrDenied;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ChangesOf],
    ) -> Result<HashMap<ChangesOf, Self::Value>, Self::Error> {
        let mut windows: HashMap<(i64, i64), Vec<OrganisationId>> = HashMap::new();
        for k in keys {
            windows
                .entry((k.offset, k.limit))
                .or_default()
                .push(k.organisation);
        }
        let mut found = HashMap::new();
        for ((offset, limit), organisations) in windows {
            let pages = read::changes_of(&self.hub, self.actor, organisations, offset, limit)
                .await
                .map_err(Arc::new)?;
            found.extend(pages.into_iter().map(|(organisation, page)| {
                let key = ChangesOf {
                    organisation,
                    offset,
                    limit,
                };
                (key, page)
            }));
        }
        Ok(found)
    }
}

/// Key: the member organisations that accepted to co-organise an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoOrganisersOf(pub netzwerk_domain::ids::EventId);

impl Loader<CoOrganisersOf> for DirectoryLoader {
    type Value = Vec<OrganisationId>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CoOrganisersOf],
    ) -> Result<HashMap<CoOrganisersOf, Self::Value>, Self::Error> {
        let ids = keys.iter().map(|k| k.0).collect();
        let map = netzwerk_app::events::accepted_co_organisers(&self.hub, ids)
            .await
            .map_err(Arc::new)?;
        Ok(map
            .into_iter()
            .map(|(k, v)| (CoOrganisersOf(k), v))
            .collect())
    }
}

/// Errors are shared between all waiting resolvers.
pub type LoadError = Arc<netzwerk_app::Error>;

/// Key: the locations of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocationsOfOrganisation(pub OrganisationId);
/// Key: the services of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServicesOfOrganisation(pub OrganisationId);
/// Key: the contact persons of an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContactsOfOrganisation(pub OrganisationId);
/// Key: the locations of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocationsOfService(pub ServiceId);
/// Key: the delivery languages of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LanguagesOfService(pub ServiceId);
/// Key: the target groups of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TargetGroupsOfService(pub ServiceId);
/// Key: the schedule of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScheduleOfService(pub ServiceId);
/// Key: the schedule exceptions of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExceptionsOfService(pub ServiceId);
/// Key: the translations of any entity, by its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TranslationsOf(pub String);

/// Runs a batched read and re-keys the result by the wrapper key type.
macro_rules! batch {
    ($self:ident, $keys:ident, $wrap:ident, $read:path) => {{
        let ids: Vec<_> = $keys.iter().map(|k| k.0.clone()).collect();
        let map = $read(&$self.hub, ids).await.map_err(Arc::new)?;
        Ok(map.into_iter().map(|(k, v)| ($wrap(k), v)).collect())
    }};
}

impl Loader<OrganisationId> for DirectoryLoader {
    type Value = Arc<OrganisationRecord>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OrganisationId],
    ) -> Result<HashMap<OrganisationId, Self::Value>, Self::Error> {
        let records = read::organisations_by_ids(&self.hub, keys.to_vec())
            .await
            .map_err(Arc::new)?;
        Ok(records.into_iter().map(|r| (r.id, Arc::new(r))).collect())
    }
}

impl Loader<ServiceId> for DirectoryLoader {
    type Value = netzwerk_app::directory::ServiceRecord;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ServiceId],
    ) -> Result<HashMap<ServiceId, Self::Value>, Self::Error> {
        let records = read::services_by_ids(&self.hub, keys.to_vec())
            .await
            .map_err(Arc::new)?;
        Ok(records.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<netzwerk_domain::ids::EventId> for DirectoryLoader {
    type Value = Arc<netzwerk_app::events::EventView>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[netzwerk_domain::ids::EventId],
    ) -> Result<HashMap<netzwerk_domain::ids::EventId, Self::Value>, Self::Error> {
        let views = netzwerk_app::events::find_many(&self.hub, keys.to_vec())
            .await
            .map_err(Arc::new)?;
        Ok(views
            .into_iter()
            .map(|v| (v.record.id, Arc::new(v)))
            .collect())
    }
}

impl Loader<netzwerk_domain::ids::FundingOpportunityId> for DirectoryLoader {
    type Value = Arc<netzwerk_app::funding::Found>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[netzwerk_domain::ids::FundingOpportunityId],
    ) -> Result<HashMap<netzwerk_domain::ids::FundingOpportunityId, Self::Value>, Self::Error> {
        // What links of a call the reader sees depends on who asks.
        let found = netzwerk_app::funding::get_many(&self.hub, self.actor, keys.to_vec())
            .await
            .map_err(Arc::new)?;
        Ok(found
            .into_iter()
            .map(|f| (f.record.id, Arc::new(f)))
            .collect())
    }
}

impl Loader<LocationId> for DirectoryLoader {
    type Value = LocationRecord;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LocationId],
    ) -> Result<HashMap<LocationId, Self::Value>, Self::Error> {
        let records = read::locations_by_ids(&self.hub, keys.to_vec())
            .await
            .map_err(Arc::new)?;
        Ok(records.into_iter().map(|r| (r.id, r)).collect())
    }
}

impl Loader<LocationsOfOrganisation> for DirectoryLoader {
    type Value = Vec<LocationRecord>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LocationsOfOrganisation],
    ) -> Result<HashMap<LocationsOfOrganisation, Self::Value>, Self::Error> {
        batch!(
            self,
            keys,
            LocationsOfOrganisation,
            read::locations_of_organisations
        )
    }
}

impl Loader<ServicesOfOrganisation> for DirectoryLoader {
    type Value = Vec<ListedService>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ServicesOfOrganisation],
    ) -> Result<HashMap<ServicesOfOrganisation, Self::Value>, Self::Error> {
        batch!(
            self,
            keys,
            ServicesOfOrganisation,
            read::services_of_organisations
        )
    }
}

impl Loader<ContactsOfOrganisation> for DirectoryLoader {
    type Value = Vec<read::ContactView>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ContactsOfOrganisation],
    ) -> Result<HashMap<ContactsOfOrganisation, Self::Value>, Self::Error> {
        let ids = keys.iter().map(|k| k.0).collect();
        let map = read::contacts_of_organisations(&self.hub, self.actor, ids)
            .await
            .map_err(Arc::new)?;
        Ok(map
            .into_iter()
            .map(|(k, v)| (ContactsOfOrganisation(k), v))
            .collect())
    }
}

impl Loader<LocationsOfService> for DirectoryLoader {
    type Value = Vec<LocationRecord>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LocationsOfService],
    ) -> Result<HashMap<LocationsOfService, Self::Value>, Self::Error> {
        batch!(self, keys, LocationsOfService, read::locations_of_services)
    }
}

impl Loader<LanguagesOfService> for DirectoryLoader {
    type Value = Vec<LanguageCode>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LanguagesOfService],
    ) -> Result<HashMap<LanguagesOfService, Self::Value>, Self::Error> {
        batch!(self, keys, LanguagesOfService, read::languages_of_services)
    }
}

impl Loader<TargetGroupsOfService> for DirectoryLoader {
    type Value = Vec<TargetGroup>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TargetGroupsOfService],
    ) -> Result<HashMap<TargetGroupsOfService, Self::Value>, Self::Error> {
        batch!(
            self,
            keys,
            TargetGroupsOfService,
            read::target_groups_of_services
        )
    }
}

impl Loader<ScheduleOfService> for DirectoryLoader {
    type Value = Schedule;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ScheduleOfService],
    ) -> Result<HashMap<ScheduleOfService, Self::Value>, Self::Error> {
        batch!(self, keys, ScheduleOfService, read::schedules_of_services)
    }
}

impl Loader<ExceptionsOfService> for DirectoryLoader {
    type Value = Vec<ScheduleException>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ExceptionsOfService],
    ) -> Result<HashMap<ExceptionsOfService, Self::Value>, Self::Error> {
        batch!(
            self,
            keys,
            ExceptionsOfService,
            read::exceptions_of_services
        )
    }
}

impl Loader<TranslationsOf> for DirectoryLoader {
    type Value = FieldTranslations;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TranslationsOf],
    ) -> Result<HashMap<TranslationsOf, Self::Value>, Self::Error> {
        batch!(self, keys, TranslationsOf, read::translations_of)
    }
}

/// Makes every relation of these services that the query selects below `selection`
/// (a `nodes` or `edges.node` field) ready in the request's DataLoader. Languages,
/// target groups and hours came with the services' rows (see [`ListedService`]);
/// organisations, locations and exceptions are loaded in one batch per relation, or
/// found in the loader's cache where the parent's query fed them. The number of
/// statements is the same for any page size, independent of timing.
pub async fn prefetch_services(
    loader: &DataLoader<DirectoryLoader, HashMapCache>,
    selection: &[async_graphql::Lookahead<'_>],
    services: &[ListedService],
) -> Result<(), LoadError> {
    let wants = service_wants(selection);
    let ids: Vec<ServiceId> = services.iter().map(|s| s.record.id).collect();
    if wants.organisation {
        let mut orgs: Vec<OrganisationId> =
            services.iter().map(|s| s.record.organisation_id).collect();
        orgs.sort();
        orgs.dedup();
        loader.load_many(orgs).await?;
    }
    if wants.locations {
        loader
            .load_many(ids.iter().copied().map(LocationsOfService))
            .await?;
    }
    if wants.exceptions {
        loader
            .load_many(ids.iter().copied().map(ExceptionsOfService))
            .await?;
    }
    Ok(())
}

/// Every requested id with what was read for it, an empty value where nothing was:
/// fed into the DataLoader, so no resolver asks the database again.
fn every<I, K, V>(ids: &[I], mut read: HashMap<I, V>, key: impl Fn(I) -> K) -> Vec<(K, V)>
where
    I: Copy + Eq + std::hash::Hash,
    V: Default,
{
    ids.iter()
        .map(|&id| (key(id), read.remove(&id).unwrap_or_default()))
        .collect()
}

/// The relations of listed services a query selects.
pub fn service_wants(selection: &[async_graphql::Lookahead<'_>]) -> ServiceWants {
    let wants = |f: &str| selection.iter().any(|s| s.field(f).exists());
    let in_schedule = |f: &str| {
        selection
            .iter()
            .any(|s| s.field("schedule").field(f).exists())
    };
    ServiceWants {
        organisation: wants("organisation"),
        locations: wants("locations"),
        // Directly, or to answer `isOpenAt`.
        exceptions: in_schedule("exceptions") || in_schedule("isOpenAt"),
    }
}

/// The relations of listed organisations a query selects.
pub fn organisation_wants(selection: &[async_graphql::Lookahead<'_>]) -> OrganisationWants {
    let wants = |f: &str| selection.iter().any(|s| s.field(f).exists());
    let service_nodes: Vec<async_graphql::Lookahead<'_>> = selection
        .iter()
        .flat_map(|s| {
            let services = s.field("services");
            [
                services.field("nodes"),
                services.field("edges").field("node"),
            ]
        })
        .collect();
    OrganisationWants {
        locations: wants("locations"),
        services: wants("services"),
        contacts: wants("contacts"),
        calendar_feeds: wants("calendarFeeds"),
        of_services: service_wants(&service_nodes),
    }
}

/// Hands the relations read with a list of services to the request's DataLoader.
pub async fn feed_services(
    relations: ServiceRelations,
    loader: &DataLoader<DirectoryLoader, HashMapCache>,
) {
    let ids = relations.ids;
    if !relations.organisations.is_empty() {
        loader
            .feed_many(
                relations
                    .organisations
                    .into_iter()
                    .map(|r| (r.id, Arc::new(r))),
            )
            .await;
    }
    if let Some(m) = relations.locations {
        loader.feed_many(every(&ids, m, LocationsOfService)).await;
    }
    if let Some(m) = relations.exceptions {
        loader.feed_many(every(&ids, m, ExceptionsOfService)).await;
    }
}

/// Hands the relations read with a list of organisations to the request's DataLoader.
pub async fn feed_organisations(
    relations: OrganisationRelations,
    loader: &DataLoader<DirectoryLoader, HashMapCache>,
) {
    let ids = relations.ids;
    if let Some(m) = relations.locations {
        loader
            .feed_many(every(&ids, m, LocationsOfOrganisation))
            .await;
    }
    if let Some(m) = relations.services {
        loader
            .feed_many(every(&ids, m, ServicesOfOrganisation))
            .await;
    }
    if let Some(m) = relations.contacts {
        loader
            .feed_many(every(&ids, m, ContactsOfOrganisation))
            .await;
    }
    if let Some(m) = relations.calendar_feeds {
        loader
            .feed_many(m.into_iter().map(|(k, v)| (CalendarFeedsOf(k), v)))
            .await;
    }
    Box::pin(feed_services(relations.of_services, loader)).await;
}
