//! The directory exchanged with other directories through Open Referral's Human
//! Services Data Specification (HSDS 3.0): `out` answers the read-only API of the
//! specification's OpenAPI description from the Hub's own public data.
//!
//! HSDS gives every record a UUID. The Hub's organisations, services and locations
//! keep their own ids; the parts HSDS makes records of and the Hub keeps as fields
//! (an address, a phone number, a language, one weekly opening rule, a service at one
//! of its locations, the taxonomy terms of its categories) get UUIDs derived from
//! their owner's id and their place in it (UUID v5), so the same data always has the
//! same ids.

pub mod out;
pub mod package;
pub mod sync;

pub use out::{
    Detail, Listing, ServiceQuery, TaxonomyTermQuery, api_meta, openapi, organization,
    organizations, service, service_at_location, service_at_locations, services, taxonomies,
    taxonomy, taxonomy_term, taxonomy_terms,
};

use uuid::Uuid;

/// The version of HSDS the Hub speaks.
pub const VERSION: &str = "3.0";

/// The namespace of the Hub's derived HSDS ids.
const NAMESPACE: Uuid = Uuid::from_u128(0x8c0f_5a9e_3d1b_4c6e_9f27_51a4_e6b2_d803);

/// The id of a part that HSDS makes a record of: derived from its owner and its place.
pub(crate) fn derived_id(parts: &[&str]) -> String {
    Uuid::new_v5(&NAMESPACE, parts.join("\u{1f}").as_bytes()).to_string()
}

/// Where the directory is: HSDS addresses name a city, a state or province and a
/// country, which the Hub's locations (street, postcode, district) leave out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// `hsds.city`.
    pub city: String,
    /// `hsds.state_province`.
    pub state_province: String,
    /// `hsds.country` (ISO 3166-1 alpha-2).
    pub country: String,
}

impl Default for Place {
    fn default() -> Self {
        Self {
            city: "Berlin".into(),
            state_province: "Berlin".into(),
            country: "DE".into(),
        }
    }
}

/// What one read of a source may still take (`hsds.max_bytes` for all its pages or
/// tables together).
pub(crate) struct ReadBudget {
    left: u64,
    max: u64,
}

impl ReadBudget {
    pub(crate) fn new(max: u64) -> Self {
        Self { left: max, max }
    }

    /// Counts a document read; past the budget the read fails.
    pub(crate) fn take(&mut self, bytes: usize) -> std::result::Result<(), String> {
        let n = u64::try_from(bytes).unwrap_or(u64::MAX);
        if n > self.left {
            return Err(format!(
                "the source is larger than hsds.max_bytes ({} bytes); nothing was taken",
                self.max
            ));
        }
        self.left -= n;
        Ok(())
    }
}
