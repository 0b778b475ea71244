//! Member news: short posts of the member organisations (a new group, a festival's
//! pictures, a call for volunteers), written in Markdown, reviewed by the coordinator
//! before the public sees them (unless the network publishes at once).

use chrono::NaiveDate;

use crate::ValidationError;
use crate::code_enum;
use crate::error::{Checker, required_text};
use crate::language::LanguageCode;
use crate::organisation::{NAME_MAX, content_language, opt_with};
use crate::url::HttpUrl;

code_enum!(
    /// Where a news item stands.
    NewsStatus {
        /// Waiting for the coordinator.
        Pending = "pending",
        /// Public from its publish date on.
        Published = "published",
        /// Turned down by the coordinator (with a note why).
        Rejected = "rejected",
    }
);

/// Longest body, in characters of Markdown (as long as any translated text).
pub const BODY_MAX: usize = crate::organisation::TEXT_MAX;

/// A news item's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct NewsItem {
    /// Headline, in `content_language`.
    pub title: String,
    /// The text, Markdown (shown as HTML with raw HTML removed).
    pub body: String,
    /// The language of title and body.
    pub content_language: LanguageCode,
    /// A picture to show with it.
    pub image_url: Option<HttpUrl>,
    /// Where to read more.
    pub link: Option<HttpUrl>,
    /// The day it is public from (once published).
    pub publish_on: NaiveDate,
    /// Where it stands.
    pub status: NewsStatus,
    /// The coordinator's note when turning it down.
    pub review_note: Option<String>,
}

impl NewsItem {
    /// Whether everyone may read it on `today`: published, and its day has come.
    pub fn is_public_on(&self, today: NaiveDate) -> bool {
        self.status == NewsStatus::Published && self.publish_on <= today
    }
}

/// Unvalidated input for a news item.
#[derive(Debug, Clone, Default)]
pub struct NewsInput {
    /// See [`NewsItem::title`].
    pub title: String,
    /// See [`NewsItem::body`].
    pub body: String,
    /// See [`NewsItem::content_language`]; German when not given.
    pub content_language: Option<String>,
    /// See [`NewsItem::image_url`].
    pub image_url: Option<String>,
    /// See [`NewsItem::link`].
    pub link: Option<String>,
    /// See [`NewsItem::publish_on`]; today when not given.
    pub publish_on: Option<NaiveDate>,
}

impl NewsInput {
    /// Checks every field, reporting every violation at once; the result carries
    /// `status` (the use case decides it) and no review note.
    pub fn validate(
        &self,
        today: NaiveDate,
        status: NewsStatus,
    ) -> Result<NewsItem, ValidationError> {
        let mut c = Checker::new();
        let title = c.take("title", required_text(&self.title, NAME_MAX));
        let body = c.take("body", required_text(&self.body, BODY_MAX));
        let content_language = content_language(&mut c, self.content_language.as_ref());
        let image_url = opt_with(&mut c, "imageUrl", self.image_url.as_ref(), HttpUrl::parse);
        let link = opt_with(&mut c, "link", self.link.as_ref(), HttpUrl::parse);
        let (title, body) = c.finish(|| (title, body))?;
        match (title, body) {
            (Some(title), Some(body)) => Ok(NewsItem {
                title,
                body,
                content_language,
                image_url,
                link,
                publish_on: self.publish_on.unwrap_or(today),
                status,
                review_note: None,
            }),
            _ => Err(ValidationError::new(
                "title",
                "required",
                "must not be empty",
            )),
        }
    }

    /// The stored value as unvalidated input: the base an update changes.
    pub fn of(n: &NewsItem) -> Self {
        Self {
            title: n.title.clone(),
            body: n.body.clone(),
            content_language: Some(n.content_language.to_string()),
            image_url: n.image_url.as_ref().map(|u| u.as_str().to_owned()),
            link: n.link.as_ref().map(|u| u.as_str().to_owned()),
            publish_on: Some(n.publish_on),
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
    fn every_bad_field_is_named() {
        let bad = NewsInput {
            title: " ".into(),
            body: "x".repeat(BODY_MAX + 1),
            content_language: Some("deutsch".into()),
            image_url: Some("javascript:alert(1)".into()),
            link: Some("ftp://x.example".into()),
            publish_on: None,
        };
        let err = bad
            .validate(day("2026-12-01"), NewsStatus::Pending)
            .expect_err("invalid");
        let fields: Vec<&str> = err.violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["title", "body", "contentLanguage", "imageUrl", "link"]
        );
    }

    #[test]
    fn published_items_are_public_from_their_day() {
        let item = NewsInput {
            title: "Neue Gruppe".into(),
            body: "Ab **Januar** trifft sich …".into(),
            publish_on: Some(day("2026-12-10")),
            ..NewsInput::default()
        }
        .validate(day("2026-12-01"), NewsStatus::Published)
        .expect("valid");
        assert_eq!(item.content_language, LanguageCode::german());
        assert!(!item.is_public_on(day("2026-12-09")));
        assert!(item.is_public_on(day("2026-12-10")));
        let pending = NewsItem {
            status: NewsStatus::Pending,
            ..item
        };
        assert!(!pending.is_public_on(day("2026-12-31")));
        assert_eq!(NewsInput::of(&pending).publish_on, Some(day("2026-12-10")));
    }
}
