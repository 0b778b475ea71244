//! Request-scoped DataLoaders: every relation of the schema is loaded in one statement
//! per kind per level of the query, however many parents ask for it (no N+1).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::organisation::TargetGroup;
use netzwerk_domain::schedule::ScheduleException;
use netzwerk_storage::contacts::{self, ContactRecord};
use netzwerk_storage::locations::{self, LocationRecord};
use netzwerk_storage::organisations::{self, OrganisationRecord};
use netzwerk_storage::services::{self, ListedService, Schedule};
use netzwerk_storage::translations::{self, FieldTranslations};
use netzwerk_storage::{AnyConnection, Database, StorageError};

/// Loads directory relations from the database.
pub struct DirectoryLoader {
    db: Database,
}

impl DirectoryLoader {
    /// A loader on this database.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// Errors are shared between all waiting resolvers.
pub type LoadError = Arc<StorageError>;

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

/// Runs a batch query and re-keys the result by the wrapper key type.
macro_rules! batch {
    ($self:ident, $keys:ident, $wrap:ident, |$c:ident, $ids:ident| $query:expr) => {{
        let $ids: Vec<_> = $keys.iter().map(|k| k.0.clone()).collect();
        let map = $self.db.run(move |$c| $query).await.map_err(Arc::new)?;
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
        let ids = keys.to_vec();
        let records = self
            .db
            .run(move |c| organisations::get_many(c, &ids))
            .await
            .map_err(Arc::new)?;
        Ok(records.into_iter().map(|r| (r.id, Arc::new(r))).collect())
    }
}

impl Loader<LocationId> for DirectoryLoader {
    type Value = LocationRecord;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LocationId],
    ) -> Result<HashMap<LocationId, Self::Value>, Self::Error> {
        let ids = keys.to_vec();
        let records = self
            .db
            .run(move |c| locations::get_many(c, &ids))
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
        batch!(self, keys, LocationsOfOrganisation, |c, ids| {
            locations::of_organisations(c, &ids)
        })
    }
}

impl Loader<ServicesOfOrganisation> for DirectoryLoader {
    type Value = Vec<ListedService>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ServicesOfOrganisation],
    ) -> Result<HashMap<ServicesOfOrganisation, Self::Value>, Self::Error> {
        batch!(self, keys, ServicesOfOrganisation, |c, ids| {
            services::of_organisations(c, &ids)
        })
    }
}

impl Loader<ContactsOfOrganisation> for DirectoryLoader {
    type Value = Vec<ContactRecord>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ContactsOfOrganisation],
    ) -> Result<HashMap<ContactsOfOrganisation, Self::Value>, Self::Error> {
        batch!(self, keys, ContactsOfOrganisation, |c, ids| {
            contacts::of_organisations(c, &ids)
        })
    }
}

impl Loader<LocationsOfService> for DirectoryLoader {
    type Value = Vec<LocationRecord>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LocationsOfService],
    ) -> Result<HashMap<LocationsOfService, Self::Value>, Self::Error> {
        batch!(self, keys, LocationsOfService, |c, ids| {
            locations::of_services(c, &ids)
        })
    }
}

impl Loader<LanguagesOfService> for DirectoryLoader {
    type Value = Vec<LanguageCode>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[LanguagesOfService],
    ) -> Result<HashMap<LanguagesOfService, Self::Value>, Self::Error> {
        batch!(self, keys, LanguagesOfService, |c, ids| {
            services::languages_of(c, &ids)
        })
    }
}

impl Loader<TargetGroupsOfService> for DirectoryLoader {
    type Value = Vec<TargetGroup>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TargetGroupsOfService],
    ) -> Result<HashMap<TargetGroupsOfService, Self::Value>, Self::Error> {
        batch!(self, keys, TargetGroupsOfService, |c, ids| {
            services::target_groups_of(c, &ids)
        })
    }
}

impl Loader<ScheduleOfService> for DirectoryLoader {
    type Value = Schedule;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ScheduleOfService],
    ) -> Result<HashMap<ScheduleOfService, Self::Value>, Self::Error> {
        batch!(self, keys, ScheduleOfService, |c, ids| {
            services::hours_of(c, &ids)
        })
    }
}

impl Loader<ExceptionsOfService> for DirectoryLoader {
    type Value = Vec<ScheduleException>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ExceptionsOfService],
    ) -> Result<HashMap<ExceptionsOfService, Self::Value>, Self::Error> {
        batch!(self, keys, ExceptionsOfService, |c, ids| {
            services::exceptions_of(c, &ids)
        })
    }
}

impl Loader<TranslationsOf> for DirectoryLoader {
    type Value = FieldTranslations;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[TranslationsOf],
    ) -> Result<HashMap<TranslationsOf, Self::Value>, Self::Error> {
        batch!(self, keys, TranslationsOf, |c, ids| translations::load(
            c, &ids
        ))
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
    let wants = ServiceWants::of(selection);
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

/// Which relations of services a query selects below their `nodes`, beyond those
/// that come with the services' rows (languages, target groups, hours).
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceWants {
    organisation: bool,
    locations: bool,
    exceptions: bool,
}

impl ServiceWants {
    /// Reads the wanted relations from the selections of a connection's nodes.
    pub fn of(selection: &[async_graphql::Lookahead<'_>]) -> Self {
        let wants = |f: &str| selection.iter().any(|s| s.field(f).exists());
        let in_schedule = |f: &str| {
            selection
                .iter()
                .any(|s| s.field("schedule").field(f).exists())
        };
        Self {
            organisation: wants("organisation"),
            locations: wants("locations"),
            // Directly, or to answer `isOpenAt`.
            exceptions: in_schedule("exceptions") || in_schedule("isOpenAt"),
        }
    }
}

/// The relations of a set of services, read on the connection that read the services
/// themselves (one blocking task, no DataLoader round trips), then fed into the
/// request's DataLoader so that the objects' resolvers find them there.
#[derive(Default)]
pub struct ServiceRelations {
    ids: Vec<ServiceId>,
    organisations: Vec<OrganisationRecord>,
    locations: Option<HashMap<ServiceId, Vec<LocationRecord>>>,
    exceptions: Option<HashMap<ServiceId, Vec<ScheduleException>>>,
}

impl ServiceRelations {
    /// Reads what `wants` names beyond what the services' rows brought: their
    /// organisations, their locations (taken from `known` where it holds them, the
    /// rest in one statement) and their exceptions, one statement each.
    pub fn load(
        conn: &mut AnyConnection,
        wants: ServiceWants,
        services: &[&ListedService],
        known: &[&LocationRecord],
    ) -> Result<Self, StorageError> {
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
            // A location removed since the services were read is left out, as a
            // join would have left it out.
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

    /// Puts everything read into the request's DataLoader; a service without rows
    /// of a relation gets an empty list, so nobody asks the database again.
    pub async fn feed(self, loader: &DataLoader<DirectoryLoader, HashMapCache>) {
        let ids = self.ids;
        if !self.organisations.is_empty() {
            loader
                .feed_many(self.organisations.into_iter().map(|r| (r.id, Arc::new(r))))
                .await;
        }
        if let Some(m) = self.locations {
            loader.feed_many(every(&ids, m, LocationsOfService)).await;
        }
        if let Some(m) = self.exceptions {
            loader.feed_many(every(&ids, m, ExceptionsOfService)).await;
        }
    }
}

/// Which relations of organisations a query selects below their `nodes` (or below
/// a single organisation), including the relations of their services.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrganisationWants {
    locations: bool,
    services: bool,
    contacts: bool,
    of_services: ServiceWants,
}

impl OrganisationWants {
    /// Reads the wanted relations from the selections of organisations.
    pub fn of(selection: &[async_graphql::Lookahead<'_>]) -> Self {
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
        Self {
            locations: wants("locations"),
            services: wants("services"),
            contacts: wants("contacts"),
            of_services: ServiceWants::of(&service_nodes),
        }
    }
}

/// The relations of a set of organisations, read in one blocking task (see
/// [`ServiceRelations`]); with their services' relations when those are selected.
#[derive(Default)]
pub struct OrganisationRelations {
    ids: Vec<OrganisationId>,
    locations: Option<HashMap<OrganisationId, Vec<LocationRecord>>>,
    services: Option<HashMap<OrganisationId, Vec<ListedService>>>,
    contacts: Option<HashMap<OrganisationId, Vec<ContactRecord>>>,
    of_services: ServiceRelations,
}

impl OrganisationRelations {
    /// Reads what `wants` names, one statement per relation.
    pub fn load(
        conn: &mut AnyConnection,
        wants: OrganisationWants,
        ids: &[OrganisationId],
    ) -> Result<Self, StorageError> {
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
                .transpose()?,
            of_services,
        })
    }

    /// Puts everything read into the request's DataLoader (see [`ServiceRelations::feed`]).
    pub async fn feed(self, loader: &DataLoader<DirectoryLoader, HashMapCache>) {
        let ids = self.ids;
        if let Some(m) = self.locations {
            loader
                .feed_many(every(&ids, m, LocationsOfOrganisation))
                .await;
        }
        if let Some(m) = self.services {
            loader
                .feed_many(every(&ids, m, ServicesOfOrganisation))
                .await;
        }
        if let Some(m) = self.contacts {
            loader
                .feed_many(every(&ids, m, ContactsOfOrganisation))
                .await;
        }
        self.of_services.feed(loader).await;
    }
}
