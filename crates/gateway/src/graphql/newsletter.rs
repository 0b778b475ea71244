//! The newsletter: `newsletterIssues`, `newsletterIssue(id) { sections … html text
//! delivery }`, `draftNewsletter`, `updateNewsletter`, `deleteNewsletter`,
//! `sendNewsletter`, `unscheduleNewsletter`; subscribing (`subscribeNewsletter`,
//! `confirmNewsletterSubscription`, `unsubscribeNewsletter`) and the coordinator's
//! `newsletterSubscriberCounts`. The sections are composed by
//! `netzwerk_app::newsletter` through the Hub's own API.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use netzwerk_app::newsletter::{self as app_newsletter, IssueRecord};
use netzwerk_domain::ids::NewsletterIssueId;
use netzwerk_domain::newsletter::IssueInput;

use super::OwnApiOf;
use super::context::{actor, hub, parse_id, viewer};
use super::enums::{NewsletterSectionKind, NewsletterStatus, into_domain};
use super::error::{ApiResult, Code, app, coded};
use super::inputs::patch;
use super::mutation::DeletePayload;

/// One entry of a section.
#[derive(SimpleObject)]
pub struct NewsletterEntry {
    /// Words before the title, in the asked-for language ("Network meeting at").
    pub prefix: Option<String>,
    /// Its title.
    pub title: String,
    /// The language of title and text (another than asked for when untranslated).
    pub language: String,
    /// When, local time as readable text.
    pub when: Option<String>,
    /// Who or where.
    pub meta: Option<String>,
    /// More text, plain.
    pub text: Option<String>,
    /// More text as clean HTML (member news).
    pub html: Option<String>,
    /// Where to read more.
    pub url: Option<String>,
    /// A list (a meeting's agenda), in the network's language.
    pub list: Vec<String>,
    /// The list's label.
    pub list_label: Option<String>,
}

/// One section of an issue; sections with nothing in them are left out.
#[derive(SimpleObject)]
pub struct NewsletterSection {
    /// What it shows.
    pub kind: NewsletterSectionKind,
    /// Its heading in the asked-for language.
    pub heading: String,
    /// Some entry is not in the asked-for language.
    pub untranslated: bool,
    /// Its entries.
    pub entries: Vec<NewsletterEntry>,
}

/// The editorial in one language.
#[derive(SimpleObject)]
pub struct NewsletterEditorial {
    /// ISO 639-1 code.
    pub language: String,
    /// The text (Markdown).
    pub text: String,
}

/// Where the delivery of an issue's messages stands.
#[derive(SimpleObject)]
pub struct NewsletterDelivery {
    /// Waiting, or being handed to the mail server.
    pub queued: i64,
    /// Accepted by the mail server.
    pub sent: i64,
    /// Given up.
    pub failed: i64,
}

/// How many newsletter subscriptions stand where.
#[derive(SimpleObject)]
pub struct NewsletterSubscriberCounts {
    /// Waiting for their confirmation (deleted after 48 hours).
    pub pending: i64,
    /// Receiving the newsletter.
    pub confirmed: i64,
    /// Ended by their owners.
    pub unsubscribed: i64,
}

/// A request for the newsletter.
#[derive(InputObject)]
pub struct NewsletterSubscriptionInput {
    /// The address; a confirmation link goes there first.
    pub email: String,
    /// The name to greet.
    pub name: Option<String>,
    /// Language to read it in, ISO 639-1 (default de).
    pub language: Option<String>,
    /// The sections to receive (none: all).
    pub sections: Option<Vec<NewsletterSectionKind>>,
}

/// A newsletter issue.
pub struct NewsletterIssue {
    rec: IssueRecord,
    /// Compositions made for this object, by language: `sections`, `html`, `text` and
    /// `subject` of one issue compose it once per language, not once per field.
    made: tokio::sync::Mutex<HashMap<String, Composed>>,
}

/// One composition with its rendering.
type Composed = Arc<(app_newsletter::Composition, app_newsletter::Rendered)>;

impl From<IssueRecord> for NewsletterIssue {
    fn from(rec: IssueRecord) -> Self {
        Self {
            rec,
            made: tokio::sync::Mutex::default(),
        }
    }
}

impl NewsletterIssue {
    async fn composed(&self, ctx: &Context<'_>, language: &str) -> ApiResult<Composed> {
        let mut made = self.made.lock().await;
        if let Some(c) = made.get(language) {
            return Ok(c.clone());
        }
        let api = ctx
            .data::<OwnApiOf>()
            .map_err(|_| coded(Code::Internal, "the newsletter cannot be composed here"))?;
        let both: Composed = Arc::new(
            app_newsletter::compose_and_render(api, hub(ctx), &self.rec, language)
                .await
                .map_err(app)?,
        );
        made.insert(language.to_owned(), both.clone());
        Ok(both)
    }
}

#[Object]
impl NewsletterIssue {
    /// Stable id.
    async fn id(&self) -> ID {
        ID(self.rec.id.to_string())
    }
    /// First day it covers.
    async fn period_from(&self) -> NaiveDate {
        self.rec.value.period_from
    }
    /// Last day it covers.
    async fn period_to(&self) -> NaiveDate {
        self.rec.value.period_to
    }
    /// Draft or sent.
    async fn status(&self) -> NewsletterStatus {
        self.rec.value.status.into()
    }
    /// The coordinator's words at the top (Markdown), as written.
    async fn editorial(&self) -> Option<&str> {
        self.rec.value.editorial.as_deref()
    }
    /// ISO 639-1 code of the editorial.
    async fn content_language(&self) -> String {
        self.rec.value.content_language.to_string()
    }
    /// The editorial's translations (readers of these languages get them).
    async fn editorial_translations(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<NewsletterEditorial>> {
        Ok(
            app_newsletter::editorials(hub(ctx), actor(ctx), self.rec.id)
                .await
                .map_err(app)?
                .into_iter()
                .map(|(language, text)| NewsletterEditorial { language, text })
                .collect(),
        )
    }
    /// When it was drafted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.rec.created_at
    }
    /// When it was sent.
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.rec.sent_at
    }
    /// When it is to be sent (scheduled) or was.
    async fn send_at(&self) -> Option<DateTime<Utc>> {
        self.rec.send_at
    }
    /// How many subscribers it went to (once sent).
    async fn recipients(&self) -> Option<i32> {
        self.rec.recipients
    }
    /// Where the delivery of its messages stands (the coordinator).
    async fn delivery(&self, ctx: &Context<'_>) -> ApiResult<NewsletterDelivery> {
        let p = app_newsletter::sending::progress(hub(ctx), actor(ctx), self.rec.id)
            .await
            .map_err(app)?;
        Ok(NewsletterDelivery {
            queued: p.queued,
            sent: p.sent,
            failed: p.failed,
        })
    }
    /// The sections in `language`: a draft's composed now from the Hub's data, a sent
    /// issue's as they were sent (texts not translated into it stay in their own, and
    /// the section says so).
    async fn sections(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = "de")] language: String,
    ) -> ApiResult<Vec<NewsletterSection>> {
        let both = self.composed(ctx, &language).await?;
        Ok(both
            .0
            .sections
            .iter()
            .cloned()
            .map(|s| NewsletterSection {
                kind: s.kind.into(),
                heading: s.heading,
                untranslated: s.untranslated,
                entries: s
                    .entries
                    .into_iter()
                    .map(|e| NewsletterEntry {
                        prefix: e.prefix,
                        title: e.title,
                        language: e.language,
                        when: e.when,
                        meta: e.meta,
                        text: e.text,
                        html: e.html,
                        url: e.url,
                        list: e.list,
                        list_label: e.list_label,
                    })
                    .collect(),
            })
            .collect())
    }
    /// The subject line in `language`.
    async fn subject(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = "de")] language: String,
    ) -> ApiResult<String> {
        Ok(self.composed(ctx, &language).await?.1.subject.clone())
    }
    /// The issue as HTML (web view and e-mail) in `language`.
    async fn html(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = "de")] language: String,
    ) -> ApiResult<String> {
        Ok(self.composed(ctx, &language).await?.1.html.clone())
    }
    /// The issue as plain text in `language`.
    async fn text(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = "de")] language: String,
    ) -> ApiResult<String> {
        Ok(self.composed(ctx, &language).await?.1.text.clone())
    }
}

/// An issue's fields. On drafting, the period is required.
#[derive(InputObject, Default)]
pub struct NewsletterInput {
    /// First day it covers.
    pub period_from: Option<NaiveDate>,
    /// Last day it covers (at most 120 days in all).
    pub period_to: Option<NaiveDate>,
    /// The coordinator's words at the top (Markdown).
    pub editorial: MaybeUndefined<String>,
    /// ISO 639-1 code of the editorial (default `de`).
    pub content_language: Option<String>,
}

impl NewsletterInput {
    fn apply(self, mut base: IssueInput) -> IssueInput {
        if self.period_from.is_some() {
            base.period_from = self.period_from;
        }
        if self.period_to.is_some() {
            base.period_to = self.period_to;
        }
        patch(self.editorial, &mut base.editorial);
        if self.content_language.is_some() {
            base.content_language = self.content_language;
        }
        base
    }
}

/// Reading newsletter issues.
#[derive(Default)]
pub struct NewsletterQuery;

#[Object]
impl NewsletterQuery {
    /// Issues, newest period first: the sent ones (the archive); the coordinator
    /// sees the drafts too.
    async fn newsletter_issues(&self, ctx: &Context<'_>) -> ApiResult<Vec<NewsletterIssue>> {
        let all = app_newsletter::list(hub(ctx), actor(ctx), 100)
            .await
            .map_err(app)?;
        Ok(all.into_iter().map(NewsletterIssue::from).collect())
    }

    /// How many newsletter subscriptions stand where (the coordinator).
    async fn newsletter_subscriber_counts(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<NewsletterSubscriberCounts> {
        let c = app_newsletter::subscribers::counts(hub(ctx), actor(ctx))
            .await
            .map_err(app)?;
        Ok(NewsletterSubscriberCounts {
            pending: c.pending,
            confirmed: c.confirmed,
            unsubscribed: c.unsubscribed,
        })
    }

    /// One issue: a sent one for everyone, a draft for the coordinator.
    async fn newsletter_issue(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<Option<NewsletterIssue>> {
        let id = parse_id("id", &id, NewsletterIssueId::parse)?;
        Ok(app_newsletter::get(hub(ctx), actor(ctx), id)
            .await
            .map_err(app)?
            .map(NewsletterIssue::from))
    }
}

/// Preparing newsletter issues (the coordinator).
#[derive(Default)]
pub struct NewsletterMutation;

#[Object]
impl NewsletterMutation {
    /// Drafts an issue for a period.
    async fn draft_newsletter(
        &self,
        ctx: &Context<'_>,
        input: NewsletterInput,
    ) -> ApiResult<NewsletterIssue> {
        let rec = app_newsletter::draft(hub(ctx), actor(ctx), input.apply(IssueInput::default()))
            .await
            .map_err(app)?;
        Ok(rec.into())
    }

    /// Changes a draft.
    async fn update_newsletter(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: NewsletterInput,
    ) -> ApiResult<NewsletterIssue> {
        let id = parse_id("id", &id, NewsletterIssueId::parse)?;
        let rec = app_newsletter::update(hub(ctx), actor(ctx), id, move |base| input.apply(base))
            .await
            .map_err(app)?;
        Ok(rec.into())
    }

    /// Sends the issue in one language to one address as a test, through the outbox
    /// (HTML with a plain-text alternative, "[Test]" in the subject). Answers the
    /// queued message's id (see `outboxMessages`).
    async fn send_newsletter_test(
        &self,
        ctx: &Context<'_>,
        id: ID,
        email: String,
        #[graphql(default = "de")] language: String,
    ) -> ApiResult<ID> {
        let id = parse_id("id", &id, NewsletterIssueId::parse)?;
        let api = ctx
            .data::<OwnApiOf>()
            .map_err(|_| coded(Code::Internal, "the newsletter cannot be composed here"))?;
        let queued = app_newsletter::send_test(api, hub(ctx), actor(ctx), id, &email, &language)
            .await
            .map_err(app)?;
        Ok(ID(queued))
    }

    /// Sends an issue to every confirmed subscriber: now, or at `at`. Its content is
    /// frozen then, and its messages go through the outbox at `mail.newsletter_per_minute`
    /// (see `delivery`).
    async fn send_newsletter(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "When to send it (default: now); not in the past.")] at: Option<
            DateTime<Utc>,
        >,
    ) -> ApiResult<NewsletterIssue> {
        let id = parse_id("id", &id, NewsletterIssueId::parse)?;
        let api = ctx
            .data::<OwnApiOf>()
            .map_err(|_| coded(Code::Internal, "the newsletter cannot be composed here"))?;
        let sending = app_newsletter::sending::send(api, hub(ctx), actor(ctx), id, at)
            .await
            .map_err(app)?;
        Ok(sending.issue.into())
    }

    /// Sets the editorial of a draft in one language (replacing an earlier one).
    async fn set_newsletter_editorial(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "ISO 639-1 code.")] language: String,
        #[graphql(desc = "Markdown, as the editorial.")] text: String,
    ) -> ApiResult<NewsletterIssue> {
        let id = parse_id("id", &id, NewsletterIssueId::parse)?;
        let rec = app_newsletter::set_editorial(hub(ctx), actor(ctx), id, &language, &text)
            .await
            .map_err(app)?;
        Ok(rec.into())
    }

    /// Removes the editorial of a draft in one language; `false` when there was none.
    async fn remove_newsletter_editorial(
        &self,
        ctx: &Context<'_>,
        id: ID,
        language: String,
    ) -> ApiResult<bool> {
        let id = parse_id("id", &id, NewsletterIssueId::parse)?;
        app_newsletter::remove_editorial(hub(ctx), actor(ctx), id, &language)
            .await
            .map_err(app)
    }

    /// Takes a scheduled issue back to a draft.
    async fn unschedule_newsletter(&self, ctx: &Context<'_>, id: ID) -> ApiResult<NewsletterIssue> {
        let id = parse_id("id", &id, NewsletterIssueId::parse)?;
        let rec = app_newsletter::sending::unschedule(hub(ctx), actor(ctx), id)
            .await
            .map_err(app)?;
        Ok(rec.into())
    }

    /// Asks for the newsletter (anyone): a confirmation link goes to the address. The
    /// answer is `true` whether or not the address is known.
    async fn subscribe_newsletter(
        &self,
        ctx: &Context<'_>,
        input: NewsletterSubscriptionInput,
    ) -> ApiResult<bool> {
        let wanted = netzwerk_domain::newsletter::SubscriptionInput {
            email: input.email,
            name: input.name,
            language: input.language,
            sections: input
                .sections
                .as_deref()
                .map(into_domain::<_, app_newsletter::SectionKind>)
                .unwrap_or_default()
                .into_iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
        };
        app_newsletter::subscribers::subscribe(hub(ctx), wanted, viewer(ctx).client.clone())
            .await
            .map_err(app)?;
        Ok(true)
    }

    /// Confirms a newsletter subscription with the token from the e-mail (double
    /// opt-in). `true` when it is confirmed.
    async fn confirm_newsletter_subscription(
        &self,
        ctx: &Context<'_>,
        token: String,
    ) -> ApiResult<bool> {
        app_newsletter::subscribers::confirm(hub(ctx), &token)
            .await
            .map_err(app)?;
        Ok(true)
    }

    /// Ends a newsletter subscription with the token from an issue's unsubscribe link.
    /// `false`: it was ended already.
    async fn unsubscribe_newsletter(&self, ctx: &Context<'_>, token: String) -> ApiResult<bool> {
        app_newsletter::subscribers::unsubscribe(hub(ctx), &token)
            .await
            .map_err(app)
    }

    /// Deletes a draft.
    async fn delete_newsletter(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let nid = parse_id("id", &id, NewsletterIssueId::parse)?;
        app_newsletter::delete(hub(ctx), actor(ctx), nid)
            .await
            .map_err(app)?;
        Ok(DeletePayload { id })
    }
}
