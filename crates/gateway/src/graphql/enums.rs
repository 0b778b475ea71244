//! GraphQL enums mirroring the domain's code sets, converted explicitly both ways.

use netzwerk_domain::{access, contact, event, organisation, service};

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident => $dom:path { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($variant,)+
        }

        impl From<$dom> for $name {
            fn from(v: $dom) -> Self {
                type Domain = $dom;
                match v {
                    $(Domain::$variant => $name::$variant,)+
                }
            }
        }

        impl From<$name> for $dom {
            fn from(v: $name) -> Self {
                type Domain = $dom;
                match v {
                    $($name::$variant => Domain::$variant,)+
                }
            }
        }
    };
}

mirror_enum!(
    /// Legal form of an organisation.
    LegalStatus => organisation::LegalStatus {
        RegisteredAssociation, NonProfitCompany, Company, PublicBody, Initiative, Individual, Other,
    }
);
mirror_enum!(
    /// Standing in the network.
    MembershipStatus => organisation::MembershipStatus { Applicant, Member, Former, Listed }
);
mirror_enum!(
    /// The network's fields of action.
    FieldOfAction => organisation::FieldOfAction { CommunicationForum, Representation, Events }
);
mirror_enum!(
    /// Topics of interest.
    Topic => organisation::Topic {
        Integration, Migration, Children, Youth, Language, Education, Culture, AntiDiscrimination,
        Democracy, Participation, Volunteering, Women, Seniors, Health, Employment, Sport,
    }
);
mirror_enum!(
    /// Who an offer is for.
    TargetGroup => organisation::TargetGroup {
        Everyone, Refugees, Newcomers, Families, Women, Children, Youth, Seniors, Students, Workers,
    }
);
mirror_enum!(
    /// Kind of offer.
    ServiceCategory => service::ServiceCategory {
        Counselling, LanguageCourse, Education, ChildcareYouth, LegalAdvice, Health, Employment,
        Housing, Culture, Leisure, Other,
    }
);
mirror_enum!(
    /// Who may see a contact person's e-mail and phone.
    Visibility => contact::Visibility { Public, Members, Internal }
);
mirror_enum!(
    /// Role of a user account.
    Role => access::Role { Coordinator, Editor }
);

mirror_enum!(
    /// Kind of event.
    EventCategory => event::EventCategory {
        InterculturalFestival, Education, Discussion, Presentation, CultureTradition,
        AgainstDiscrimination, CounsellingHours, NetworkMeeting, Other,
    }
);
mirror_enum!(
    /// Whether an event or occurrence takes place.
    EventStatus => event::EventStatus { Confirmed, Tentative, Cancelled }
);

/// Entities whose human text fields can be translated.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TranslatableEntity {
    /// Fields: `description`.
    Organisation,
    /// Fields: `accessibilityNote`, `transportHint`.
    Location,
    /// Fields: `name`, `description`, `feeNote`, `eligibility`, `applicationProcess`.
    Service,
    /// Fields: `role`.
    Contact,
    /// Fields: `title`, `description`.
    Event,
    /// Fields: `title`, `body`.
    News,
}

impl From<TranslatableEntity> for netzwerk_app::directory::Translatable {
    fn from(e: TranslatableEntity) -> Self {
        match e {
            TranslatableEntity::Organisation => Self::Organisation,
            TranslatableEntity::Location => Self::Location,
            TranslatableEntity::Service => Self::Service,
            TranslatableEntity::Contact => Self::Contact,
            TranslatableEntity::Event => Self::Event,
            TranslatableEntity::News => Self::News,
        }
    }
}

mirror_enum!(
    /// What a newsletter section shows: the next network meeting, the period's events,
    /// new members, new and changed offers, member news, funding deadlines.
    NewsletterSectionKind => netzwerk_app::newsletter::SectionKind {
        Meeting, Events, NewMembers, Services, News, Funding
    }
);

mirror_enum!(
    /// Where a newsletter issue stands: a draft or scheduled (the coordinator's), or sent
    /// (public).
    NewsletterStatus => netzwerk_domain::newsletter::IssueStatus { Draft, Scheduled, Sent }
);

mirror_enum!(
    /// Where a member news item stands.
    NewsStatus => netzwerk_domain::news::NewsStatus { Pending, Published, Rejected }
);

mirror_enum!(
    /// Where a guest's request stands.
    GuestRequestStatus => netzwerk_domain::meeting::GuestRequestStatus {
        Unconfirmed,
        Confirmed,
        Approved,
        Declined,
    }
);

mirror_enum!(
    /// Where a meeting stands in its life cycle.
    MeetingStatus => netzwerk_domain::meeting::MeetingStatus { Planned, Invited, Held, Cancelled }
);
mirror_enum!(
    /// Where an agenda item stands.
    AgendaItemStatus => netzwerk_domain::meeting::AgendaItemStatus { Proposed, Accepted, Declined }
);

/// Converts a list of GraphQL enum values into domain values.
pub fn into_domain<G: Copy + Into<D>, D>(v: &[G]) -> Vec<D> {
    v.iter().map(|x| (*x).into()).collect()
}
