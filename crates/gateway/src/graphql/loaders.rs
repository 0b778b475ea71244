//! Request-scoped DataLoaders: every relation of the schema is loaded in one statement
//! per kind per level of the query, however many parents ask for it (no N+1).

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::organisation::TargetGroup;
use netzwerk_storage::contacts::{self, ContactRecord};
use netzwerk_storage::locations::{self, LocationRecord};
use netzwerk_storage::organisations::{self, OrganisationRecord};
use netzwerk_storage::services::{self, Schedule, ServiceRecord};
use netzwerk_storage::translations::{self, FieldTranslations};
use netzwerk_storage::{Database, StorageError};

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
    type Value = Vec<ServiceRecord>;
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
            services::schedules_of(c, &ids)
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

/// Loads, in one batch per relation, every relation of these services that the query
/// selects below `selection` (a `nodes` or `edges.node` field). The loader caches per
/// request, so the objects' own resolvers then find everything loaded: the number of
/// statements is the same for any page size, independent of timing.
pub async fn prefetch_services(
    loader: &async_graphql::dataloader::DataLoader<
        DirectoryLoader,
        async_graphql::dataloader::HashMapCache,
    >,
    selection: &[async_graphql::Lookahead<'_>],
    services: &[ServiceRecord],
) -> Result<(), LoadError> {
    let wants = |f: &str| selection.iter().any(|s| s.field(f).exists());
    let ids: Vec<ServiceId> = services.iter().map(|s| s.id).collect();
    if wants("organisation") {
        let mut orgs: Vec<OrganisationId> = services.iter().map(|s| s.organisation_id).collect();
        orgs.sort();
        orgs.dedup();
        loader.load_many(orgs).await?;
    }
    if wants("locations") {
        loader
            .load_many(ids.iter().copied().map(LocationsOfService))
            .await?;
    }
    if wants("languages") {
        loader
            .load_many(ids.iter().copied().map(LanguagesOfService))
            .await?;
    }
    if wants("targetGroups") {
        loader
            .load_many(ids.iter().copied().map(TargetGroupsOfService))
            .await?;
    }
    if wants("schedule") {
        loader
            .load_many(ids.iter().copied().map(ScheduleOfService))
            .await?;
    }
    Ok(())
}

/// As [`prefetch_services`], for a page of organisations.
pub async fn prefetch_organisations(
    loader: &async_graphql::dataloader::DataLoader<
        DirectoryLoader,
        async_graphql::dataloader::HashMapCache,
    >,
    selection: &[async_graphql::Lookahead<'_>],
    organisations: &[OrganisationId],
) -> Result<(), LoadError> {
    let wants = |f: &str| selection.iter().any(|s| s.field(f).exists());
    if wants("locations") {
        loader
            .load_many(organisations.iter().copied().map(LocationsOfOrganisation))
            .await?;
    }
    if wants("services") {
        loader
            .load_many(organisations.iter().copied().map(ServicesOfOrganisation))
            .await?;
    }
    if wants("contacts") {
        loader
            .load_many(organisations.iter().copied().map(ContactsOfOrganisation))
            .await?;
    }
    Ok(())
}
