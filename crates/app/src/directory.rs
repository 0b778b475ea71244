//! The directory's use cases: organisations, their locations, services and contacts.

use netzwerk_domain::ids::OrganisationId;
use netzwerk_domain::slug::Slug;
use netzwerk_storage::{AnyConnection, organisations};

use crate::Hub;
use crate::error::{Error, Result};

/// How a command names an organisation: by id (the API) or by slug (the command line,
/// links). Either way the use case finds it or answers `NotFound`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrganisationKey {
    /// By id.
    Id(OrganisationId),
    /// By slug, as typed (checked when resolved).
    Slug(String),
    /// By id or slug, whichever it parses as.
    IdOrSlug(String),
}

impl OrganisationKey {
    /// The organisation's id; `NotFound` names what was asked for.
    pub async fn resolve(&self, hub: &Hub) -> Result<OrganisationId> {
        let key = self.clone();
        hub.read(move |c| key.resolve_in(c)).await
    }

    /// The same, on a connection (inside a use case's transaction).
    pub(crate) fn resolve_in(&self, conn: &mut AnyConnection) -> Result<OrganisationId> {
        let by_slug = |conn: &mut AnyConnection, raw: &str| -> Result<OrganisationId> {
            let slug = Slug::parse(raw).map_err(|e| e.within("organisation"))?;
            organisations::find_id_by_slug(conn, &slug)?
                .ok_or_else(|| Error::NotFound(format!("the organisation with the slug {slug}")))
        };
        match self {
            OrganisationKey::Id(id) => Ok(organisations::get(conn, *id)?.id),
            OrganisationKey::Slug(raw) => by_slug(conn, raw),
            OrganisationKey::IdOrSlug(raw) => match OrganisationId::parse(raw) {
                Ok(id) => Ok(organisations::get(conn, id)?.id),
                Err(_) => by_slug(conn, raw).map_err(|e| match e {
                    Error::Invalid(_) => Error::NotFound(format!("organisation {raw:?}")),
                    other => other,
                }),
            },
        }
    }
}
