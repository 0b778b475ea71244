//! Member organisations of the network (HSDS `organization`).

use chrono::NaiveDate;

use crate::ValidationError;
use crate::email::EmailAddress;
use crate::error::{Checker, optional_text, required_text};
use crate::language::LanguageCode;
use crate::slug::Slug;

/// Defines a closed set of stable snake_case codes, used for storage and the API.
#[macro_export]
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// Parses a stable code.
            pub fn parse(raw: &str) -> Result<Self, $crate::ValidationError> {
                match raw.trim() {
                    $($code => Ok($name::$variant),)+
                    other => Err($crate::ValidationError::new(
                        "",
                        "one_of",
                        format!(
                            "must be one of {}, got {other:?}",
                            [$($code,)+].join(", ")
                        ),
                    )),
                }
            }
        }
    };
}

code_enum!(
    /// The legal form of an organisation.
    LegalStatus {
        /// eingetragener Verein (e.V.).
        RegisteredAssociation = "registered_association",
        /// gemeinnützige GmbH.
        NonProfitCompany = "non_profit_company",
        /// GmbH or other company.
        Company = "company",
        /// A public body (Bezirksamt, school, …).
        PublicBody = "public_body",
        /// An initiative without legal form.
        Initiative = "initiative",
        /// A private person.
        Individual = "individual",
        /// Anything else.
        Other = "other",
    }
);

code_enum!(
    /// Where an organisation stands in the network.
    MembershipStatus {
        /// Asked to join, not yet admitted.
        Applicant = "applicant",
        /// Admitted member.
        Member = "member",
        /// Left the network.
        Former = "former",
        /// Listed in the directory only, never a member: taken from another
        /// directory followed through HSDS.
        Listed = "listed",
    }
);

code_enum!(
    /// The network's three fields of action (Handlungsfelder).
    FieldOfAction {
        /// I. communication and action forum.
        CommunicationForum = "communication_forum",
        /// II. representation of migrants' interests.
        Representation = "representation",
        /// III. organiser of events.
        Events = "events",
    }
);

code_enum!(
    /// Topics an organisation works on; used for funding matches.
    Topic {
        /// Integration.
        Integration = "integration",
        /// Migration.
        Migration = "migration",
        /// Children.
        Children = "children",
        /// Youth.
        Youth = "youth",
        /// Language.
        Language = "language",
        /// Education.
        Education = "education",
        /// Culture.
        Culture = "culture",
        /// Anti-discrimination.
        AntiDiscrimination = "anti_discrimination",
        /// Democracy.
        Democracy = "democracy",
        /// Participation.
        Participation = "participation",
        /// Volunteering.
        Volunteering = "volunteering",
        /// Women.
        Women = "women",
        /// Seniors.
        Seniors = "seniors",
        /// Health.
        Health = "health",
        /// Employment.
        Employment = "employment",
        /// Sport.
        Sport = "sport",
    }
);

code_enum!(
    /// Who an offer is for.
    TargetGroup {
        /// Everyone.
        Everyone = "everyone",
        /// Refugees.
        Refugees = "refugees",
        /// Newly arrived people.
        Newcomers = "newcomers",
        /// Families.
        Families = "families",
        /// Women.
        Women = "women",
        /// Children.
        Children = "children",
        /// Young people.
        Youth = "youth",
        /// Older people.
        Seniors = "seniors",
        /// Students.
        Students = "students",
        /// Workers and job seekers.
        Workers = "workers",
    }
);

/// An identifier of an organisation in some register, e.g. `vereinsregister` / `VR 1234 B`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    /// Which register.
    pub scheme: String,
    /// The number in it.
    pub value: String,
}

/// Everything an organisation record holds apart from its id and bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    /// URL name, unique.
    pub slug: Slug,
    /// Display name (never translated).
    pub name: String,
    /// Short or other name.
    pub alternate_name: Option<String>,
    /// Legal form.
    pub legal_status: LegalStatus,
    /// What the organisation does, in `content_language`.
    pub description: Option<String>,
    /// The language the texts above are written in.
    pub content_language: LanguageCode,
    /// Web site.
    pub website: Option<String>,
    /// Public e-mail address.
    pub email: Option<EmailAddress>,
    /// Public phone number.
    pub phone: Option<String>,
    /// Logo image URL.
    pub logo_url: Option<String>,
    /// Register numbers.
    pub identifiers: Vec<Identifier>,
    /// Membership in the network.
    pub membership_status: MembershipStatus,
    /// Since when the current membership status holds.
    pub member_since: Option<NaiveDate>,
    /// The network's fields of action it takes part in.
    pub fields_of_action: Vec<FieldOfAction>,
    /// Topics of interest.
    pub topics: Vec<Topic>,
    /// Target groups of interest.
    pub target_groups: Vec<TargetGroup>,
}

/// Maximum length of names.
pub const NAME_MAX: usize = 200;
/// Maximum length of long texts such as descriptions.
pub const TEXT_MAX: usize = 10_000;

/// Unvalidated input for an organisation, as it arrives from a user.
#[derive(Debug, Clone, Default)]
pub struct OrganisationInput {
    /// See [`Organisation::slug`]; derived from the name when empty.
    pub slug: Option<String>,
    /// See [`Organisation::name`].
    pub name: String,
    /// See [`Organisation::alternate_name`].
    pub alternate_name: Option<String>,
    /// See [`Organisation::legal_status`].
    pub legal_status: Option<LegalStatus>,
    /// See [`Organisation::description`].
    pub description: Option<String>,
    /// See [`Organisation::content_language`].
    pub content_language: Option<String>,
    /// See [`Organisation::website`].
    pub website: Option<String>,
    /// See [`Organisation::email`].
    pub email: Option<String>,
    /// See [`Organisation::phone`].
    pub phone: Option<String>,
    /// See [`Organisation::logo_url`].
    pub logo_url: Option<String>,
    /// See [`Organisation::identifiers`]: (scheme, value).
    pub identifiers: Vec<(String, String)>,
    /// See [`Organisation::membership_status`].
    pub membership_status: Option<MembershipStatus>,
    /// See [`Organisation::member_since`].
    pub member_since: Option<NaiveDate>,
    /// See [`Organisation::fields_of_action`].
    pub fields_of_action: Vec<FieldOfAction>,
    /// See [`Organisation::topics`].
    pub topics: Vec<Topic>,
    /// See [`Organisation::target_groups`].
    pub target_groups: Vec<TargetGroup>,
}

/// Trims an optional text field and drops it when empty.
pub(crate) fn opt(
    c: &mut Checker,
    field: &str,
    raw: Option<&String>,
    max: usize,
) -> Option<String> {
    raw.and_then(|r| c.take(field, optional_text(r, max)).flatten())
}

/// Parses an optional value with `parse` after trimming; empty is `None`.
/// The language of an input's texts (`contentLanguage`): German when not given.
pub(crate) fn content_language(c: &mut Checker, raw: Option<&String>) -> LanguageCode {
    opt_with(c, "contentLanguage", raw, LanguageCode::parse).unwrap_or_else(LanguageCode::german)
}

pub(crate) fn opt_with<T>(
    c: &mut Checker,
    field: &str,
    raw: Option<&String>,
    parse: impl Fn(&str) -> Result<T, ValidationError>,
) -> Option<T> {
    match raw.map(|r| r.trim()).filter(|r| !r.is_empty()) {
        Some(r) => c.take(field, parse(r)),
        None => None,
    }
}

/// Sorts and removes duplicates, so stored sets compare equal however they were typed.
pub(crate) fn set<T: Ord + Clone>(items: &[T]) -> Vec<T> {
    let mut v = items.to_vec();
    v.sort();
    v.dedup();
    v
}

impl OrganisationInput {
    /// Checks every field and reports every violation at once.
    pub fn validate(&self) -> Result<Organisation, ValidationError> {
        let mut c = Checker::new();
        let name = c.take("name", required_text(&self.name, NAME_MAX));
        let slug = match self
            .slug
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => c.take("slug", Slug::parse(s)),
            None => match &name {
                Some(n) => c.take("slug", Slug::from_name(n)),
                None => None,
            },
        };
        let alternate_name = opt(
            &mut c,
            "alternateName",
            self.alternate_name.as_ref(),
            NAME_MAX,
        );
        let description = opt(&mut c, "description", self.description.as_ref(), TEXT_MAX);
        let content_language = content_language(&mut c, self.content_language.as_ref());
        let website = opt_with(&mut c, "website", self.website.as_ref(), crate::error::url);
        let email = opt_with(&mut c, "email", self.email.as_ref(), EmailAddress::parse);
        let phone = opt_with(&mut c, "phone", self.phone.as_ref(), crate::error::phone);
        let logo_url = opt_with(&mut c, "logoUrl", self.logo_url.as_ref(), crate::error::url);
        let mut identifiers = Vec::new();
        for (i, (scheme, value)) in self.identifiers.iter().enumerate() {
            let scheme = c.take(
                &format!("identifiers[{i}].scheme"),
                required_text(scheme, 60),
            );
            let value = c.take(
                &format!("identifiers[{i}].value"),
                required_text(value, 120),
            );
            if let (Some(scheme), Some(value)) = (scheme, value) {
                identifiers.push(Identifier { scheme, value });
            }
        }
        c.check(
            self.identifiers.len() <= 10,
            "identifiers",
            "max_items",
            "at most 10 identifiers",
        );
        c.finish(|| ())?;
        let (Some(slug), Some(name)) = (slug, name) else {
            return Err(ValidationError::new(
                "name",
                "required",
                "must not be empty",
            ));
        };
        Ok(Organisation {
            slug,
            name,
            alternate_name,
            legal_status: self
                .legal_status
                .unwrap_or(LegalStatus::RegisteredAssociation),
            description,
            content_language,
            website,
            email,
            phone,
            logo_url,
            identifiers,
            membership_status: self
                .membership_status
                .unwrap_or(MembershipStatus::Applicant),
            member_since: self.member_since,
            fields_of_action: set(&self.fields_of_action),
            topics: set(&self.topics),
            target_groups: set(&self.target_groups),
        })
    }
}

impl OrganisationInput {
    /// The stored value as unvalidated input: the base an update changes (validating it
    /// gives the value back).
    pub fn of(o: &Organisation) -> Self {
        Self {
            slug: Some(o.slug.to_string()),
            name: o.name.clone(),
            alternate_name: o.alternate_name.clone(),
            legal_status: Some(o.legal_status),
            description: o.description.clone(),
            content_language: Some(o.content_language.to_string()),
            website: o.website.clone(),
            email: o.email.as_ref().map(ToString::to_string),
            phone: o.phone.clone(),
            logo_url: o.logo_url.clone(),
            identifiers: o
                .identifiers
                .iter()
                .map(|i| (i.scheme.clone(), i.value.clone()))
                .collect(),
            membership_status: Some(o.membership_status),
            member_since: o.member_since,
            fields_of_action: o.fields_of_action.clone(),
            topics: o.topics.clone(),
            target_groups: o.target_groups.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_every_bad_field() {
        let input = OrganisationInput {
            name: "  ".into(),
            email: Some("kein-at-zeichen".into()),
            website: Some("ftp://x".into()),
            ..Default::default()
        };
        let err = input.validate().expect_err("invalid");
        let fields: Vec<_> = err.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["name", "website", "email"]);
    }

    #[test]
    fn derives_slug_and_defaults() {
        let org = OrganisationInput {
            name: "Interkultureller Garten Grünau".into(),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(org.slug.as_str(), "interkultureller-garten-gruenau");
        assert_eq!(org.membership_status, MembershipStatus::Applicant);
    }
}
