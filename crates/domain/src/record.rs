//! A stored entity: its id, the organisation it belongs to, its value and bookkeeping.

use chrono::{DateTime, Utc};

use crate::ids::OrganisationId;

/// An entity as read back from storage.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<I, T> {
    /// The entity's id.
    pub id: I,
    /// The organisation it belongs to (for an organisation: itself). Access rules use it.
    pub organisation_id: OrganisationId,
    /// The entity's fields.
    pub value: T,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}
