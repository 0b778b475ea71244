//! Newsletter issues: a period of the network's life, an editorial text, and sections
//! the Hub composes from its own data when the issue is shown or sent; and the people
//! who receive it, with their language, the sections they care for and their consent.

use chrono::{NaiveDate, NaiveDateTime};

use crate::ValidationError;
use crate::code_enum;
use crate::error::{Checker, optional_text};
use crate::language::LanguageCode;
use crate::organisation::{TEXT_MAX, content_language};

code_enum!(
    /// Where an issue stands.
    IssueStatus {
        /// Being prepared: the coordinator's only.
        Draft = "draft",
        /// To be sent at its `send_at`: still the coordinator's only, no longer changed.
        Scheduled = "scheduled",
        /// Sent: public, with its web view and its content.
        Sent = "sent",
    }
);

code_enum!(
    /// A section of an issue; subscribers choose the ones they care for.
    SectionKind {
        /// The next network meeting.
        Meeting = "meeting",
        /// Events in the period.
        Events = "events",
        /// Organisations that became members.
        NewMembers = "new_members",
        /// New and changed offers.
        Services = "services",
        /// Member news.
        News = "news",
        /// Funding deadlines in the next 30 days.
        Funding = "funding",
    }
);

/// Longest period one issue covers, in days.
pub const MAX_PERIOD_DAYS: i64 = 120;

/// An issue's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    /// First day the issue covers.
    pub period_from: NaiveDate,
    /// Last day the issue covers.
    pub period_to: NaiveDate,
    /// The coordinator's words at the top (Markdown), in `content_language`.
    pub editorial: Option<String>,
    /// The language of the editorial.
    pub content_language: LanguageCode,
    /// Where it stands.
    pub status: IssueStatus,
}

/// Unvalidated input for an issue.
#[derive(Debug, Clone, Default)]
pub struct IssueInput {
    /// See [`Issue::period_from`].
    pub period_from: Option<NaiveDate>,
    /// See [`Issue::period_to`].
    pub period_to: Option<NaiveDate>,
    /// See [`Issue::editorial`].
    pub editorial: Option<String>,
    /// See [`Issue::content_language`]; German when not given.
    pub content_language: Option<String>,
}

impl IssueInput {
    /// Checks every field, reporting every violation at once; a new issue is a draft.
    pub fn validate(&self) -> Result<Issue, ValidationError> {
        let mut c = Checker::new();
        let from = self.period_from;
        let to = self.period_to;
        c.check(
            from.is_some(),
            "periodFrom",
            "required",
            "must be given (YYYY-MM-DD)",
        );
        c.check(
            to.is_some(),
            "periodTo",
            "required",
            "must be given (YYYY-MM-DD)",
        );
        if let (Some(f), Some(t)) = (from, to) {
            c.check(
                t >= f,
                "periodTo",
                "after_start",
                format!("must not be before periodFrom ({f}), got {t}"),
            );
            c.check(
                (t - f).num_days() < MAX_PERIOD_DAYS,
                "periodTo",
                "range",
                format!(
                    "one issue covers at most {MAX_PERIOD_DAYS} days, this one {} days",
                    (t - f).num_days() + 1
                ),
            );
        }
        let editorial = c
            .take(
                "editorial",
                optional_text(self.editorial.as_deref().unwrap_or_default(), TEXT_MAX),
            )
            .flatten();
        let content_language = content_language(&mut c, self.content_language.as_ref());
        c.finish(|| ())?;
        match (from, to) {
            (Some(period_from), Some(period_to)) => Ok(Issue {
                period_from,
                period_to,
                editorial,
                content_language,
                status: IssueStatus::Draft,
            }),
            _ => Err(ValidationError::new(
                "periodFrom",
                "required",
                "must be given",
            )),
        }
    }

    /// The stored value as unvalidated input: the base an update changes.
    pub fn of(i: &Issue) -> Self {
        Self {
            period_from: Some(i.period_from),
            period_to: Some(i.period_to),
            editorial: i.editorial.clone(),
            content_language: Some(i.content_language.to_string()),
        }
    }
}

/// Longest name of a subscriber, and of a consent's source.
pub const NAME_MAX: usize = 200;

/// A subscriber's choices, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    /// The address.
    pub email: crate::email::EmailAddress,
    /// The name to greet, if given.
    pub name: Option<String>,
    /// The language to read the newsletter in.
    pub language: LanguageCode,
    /// The sections to receive; empty: all of them.
    pub sections: Vec<SectionKind>,
}

/// Unvalidated subscription, from the form, the API or one row of an import.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionInput {
    /// See [`Subscription::email`].
    pub email: String,
    /// See [`Subscription::name`].
    pub name: Option<String>,
    /// See [`Subscription::language`]; German when not given.
    pub language: Option<String>,
    /// See [`Subscription::sections`], as codes.
    pub sections: Vec<String>,
}

impl SubscriptionInput {
    /// Checks every field, reporting every violation at once.
    pub fn validate(&self) -> Result<Subscription, ValidationError> {
        let mut c = Checker::new();
        let email = c.take("email", crate::email::EmailAddress::parse(&self.email));
        let name = match self.name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => c.take("name", crate::error::single_line(n, NAME_MAX)),
            _ => None,
        };
        let language = c.take(
            "language",
            LanguageCode::parse(self.language.as_deref().unwrap_or("de")),
        );
        let mut sections = Vec::new();
        for (i, raw) in self.sections.iter().enumerate() {
            if let Some(s) = c.take(&format!("sections[{i}]"), SectionKind::parse(raw))
                && !sections.contains(&s)
            {
                sections.push(s);
            }
        }
        sections.sort();
        c.finish(|| ())?;
        match (email, language) {
            (Some(email), Some(language)) => Ok(Subscription {
                email,
                name,
                language,
                sections,
            }),
            _ => Err(ValidationError::new("email", "required", "must be given")),
        }
    }
}

/// Proof that a person agreed to receive the newsletter, kept with an imported address.
#[derive(Debug, Clone, PartialEq)]
pub struct Consent {
    /// Where they agreed, e.g. "Anmeldeliste Netzwerktreffen März 2026".
    pub source: String,
    /// When they agreed (not in the future).
    pub at: NaiveDateTime,
}

impl Consent {
    /// Checks a consent as an import gives it: a source, and a date (`YYYY-MM-DD`, or
    /// with a time) not after `now`.
    pub fn parse(source: &str, at: &str, now: NaiveDateTime) -> Result<Self, ValidationError> {
        let mut c = Checker::new();
        let source = c.take(
            "consent_source",
            crate::error::single_line(source, NAME_MAX),
        );
        let raw = at.trim();
        let at = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S"))
            .or_else(|_| {
                NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map(|d| d.and_time(chrono::NaiveTime::MIN))
            })
            .ok();
        c.check(
            at.is_some(),
            "consent_at",
            "date",
            format!("must be a date (YYYY-MM-DD, optionally with THH:MM:SS), got {raw:?}"),
        );
        if let Some(t) = at {
            c.check(
                t <= now,
                "consent_at",
                "not_in_future",
                format!("must not be in the future, got {raw}"),
            );
        }
        c.finish(|| ())?;
        match (source, at) {
            (Some(source), Some(at)) => Ok(Self { source, at }),
            _ => Err(ValidationError::new(
                "consent_at",
                "required",
                "must be given",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn a_period_is_checked() {
        let ok = IssueInput {
            period_from: Some(day("2027-01-01")),
            period_to: Some(day("2027-02-28")),
            editorial: Some("  ".into()),
            ..IssueInput::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(ok.status, IssueStatus::Draft);
        assert_eq!(ok.editorial, None, "blank is none");
        let err = IssueInput {
            period_from: Some(day("2027-03-01")),
            period_to: Some(day("2027-02-01")),
            content_language: Some("xx-yy-zz".into()),
            ..IssueInput::default()
        }
        .validate()
        .expect_err("invalid");
        let fields: Vec<&str> = err.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["periodTo", "contentLanguage"]);
        let long = IssueInput {
            period_from: Some(day("2027-01-01")),
            period_to: Some(day("2027-12-31")),
            ..IssueInput::default()
        }
        .validate()
        .expect_err("too long");
        assert_eq!(long.violations[0].rule, "range");
        let missing = IssueInput::default().validate().expect_err("missing");
        assert_eq!(missing.violations.len(), 2);
    }

    #[test]
    fn a_subscription_is_checked() {
        let ok = SubscriptionInput {
            email: " Leyla@Example.org ".into(),
            name: Some("  ".into()),
            language: Some("ar".into()),
            sections: vec!["news".into(), "meeting".into(), "news".into()],
        }
        .validate()
        .expect("valid");
        assert_eq!(ok.email.to_string(), "Leyla@Example.org");
        assert_eq!(ok.name, None);
        assert_eq!(ok.sections, [SectionKind::Meeting, SectionKind::News]);
        let err = SubscriptionInput {
            email: "nobody".into(),
            name: Some("a\nb".into()),
            language: Some("xx-yy-zz".into()),
            sections: vec!["gossip".into()],
        }
        .validate()
        .expect_err("invalid");
        let fields: Vec<&str> = err.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["email", "name", "language", "sections[0]"]);
    }

    #[test]
    fn a_consent_needs_a_source_and_a_past_date() {
        let now = day("2026-12-01").and_hms_opt(12, 0, 0).expect("time");
        let ok = Consent::parse("Anmeldeliste", "2025-03-12", now).expect("valid");
        assert_eq!(ok.at, day("2025-03-12").and_hms_opt(0, 0, 0).expect("time"));
        assert!(Consent::parse("Liste", "2025-03-12T18:30:00", now).is_ok());
        let err = Consent::parse(" ", "12.03.2025", now).expect_err("invalid");
        let rules: Vec<&str> = err.violations.iter().map(|v| v.rule).collect();
        assert_eq!(rules, ["required", "date"]);
        let future = Consent::parse("Liste", "2027-01-01", now).expect_err("future");
        assert_eq!(future.violations[0].rule, "not_in_future");
    }
}
