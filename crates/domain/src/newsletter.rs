//! Newsletter issues: a period of the network's life, an editorial text, and sections
//! the Hub composes from its own data when the issue is shown or sent.

use chrono::NaiveDate;

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
        /// Sent: public, with its web view and its content.
        Sent = "sent",
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
}
