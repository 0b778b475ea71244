//! Identifiers of stored entities: UUIDv7, so they sort by creation and can be made
//! before the row is written (no round trip for generated keys on either backend).

use std::fmt;
use std::str::FromStr;

use crate::ValidationError;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7())
            }

            /// Parses the canonical hyphenated form.
            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                uuid::Uuid::from_str(raw.trim()).map(Self).map_err(|_| {
                    ValidationError::new("", "id_format", format!("is not a valid id: {raw:?}"))
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

id_type!(
    /// Identifies an organisation.
    OrganisationId
);
id_type!(
    /// Identifies a location.
    LocationId
);
id_type!(
    /// Identifies a service (an offer).
    ServiceId
);
id_type!(
    /// Identifies a contact person.
    ContactId
);
id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies a partner site's API key.
    ApiKeyId
);
id_type!(
    /// Identifies an event (a one-off event or a whole series).
    EventId
);
id_type!(
    /// Identifies a member's calendar feed.
    CalendarSourceId
);
id_type!(
    /// Identifies a meeting series.
    MeetingSeriesId
);
id_type!(
    /// Identifies a funding feed.
    FundingSourceId
);
id_type!(
    /// Identifies a funding opportunity.
    FundingOpportunityId
);
id_type!(
    /// Identifies a digest subscription.
    SubscriptionId
);
id_type!(
    /// Identifies a guest's request to attend a meeting.
    GuestRequestId
);
id_type!(
    /// Identifies a network meeting.
    MeetingId
);
id_type!(
    /// Identifies an agenda item.
    AgendaItemId
);
id_type!(
    /// Identifies a representative of a member organisation.
    RepresentativeId
);
id_type!(
    /// Identifies a member news item.
    NewsId
);
id_type!(
    /// Identifies a newsletter issue.
    NewsletterIssueId
);
id_type!(
    /// Identifies another directory followed through HSDS.
    HsdsSourceId
);
