//! Member news: `news`, `newsItem`, and `postNews`,
//! `updateNews`, `publishNews`, `rejectNews`, `deleteNews`. Resolvers parse, call one
//! use case of `netzwerk_app::news` and map its answer.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object};
use chrono::NaiveDate;
use netzwerk_app::news::{self, NewsQuery as AppNewsQuery, Review};
use netzwerk_domain::ids::{NewsId, OrganisationId};
use netzwerk_domain::news::NewsInput as DNewsInput;

use super::connection::Page;
use super::context::{actor, hub, parse_id, prefs};
use super::enums::NewsStatus;
use super::error::{ApiResult, app};
use super::inputs::patch;
use super::mutation::DeletePayload;
use super::objects::{NewsItem, news_page};
use super::query::preference;

/// Fields of a news item. On posting, `title` and `body` are required.
#[derive(InputObject, Default)]
pub struct NewsInput {
    /// Headline (at most 200 characters).
    pub title: Option<String>,
    /// The text in Markdown (at most 10,000 characters); raw HTML is not shown.
    pub body: Option<String>,
    /// ISO 639-1 code of title and body (default `de`).
    pub content_language: Option<String>,
    /// A picture (http or https).
    pub image_url: MaybeUndefined<String>,
    /// Where to read more (http or https).
    pub link: MaybeUndefined<String>,
    /// The day it is public from (default: today).
    pub publish_on: Option<NaiveDate>,
}

impl NewsInput {
    /// Applies the input to `base`.
    pub fn apply(self, mut base: DNewsInput) -> DNewsInput {
        if let Some(t) = self.title {
            base.title = t;
        }
        if let Some(b) = self.body {
            base.body = b;
        }
        if self.content_language.is_some() {
            base.content_language = self.content_language;
        }
        patch(self.image_url, &mut base.image_url);
        patch(self.link, &mut base.link);
        if self.publish_on.is_some() {
            base.publish_on = self.publish_on;
        }
        base
    }
}

/// Which news to list.
#[derive(InputObject, Default)]
pub struct NewsFilter {
    /// Of this organisation only.
    pub organisation_id: Option<ID>,
    /// In this status. Without it: the public news (published, their day come);
    /// with it, also what is not public yet — the coordinator sees every
    /// organisation's, an editor their own organisation's; others are refused.
    pub status: Option<NewsStatus>,
    /// Public from this day on or later.
    pub since: Option<NaiveDate>,
}

/// Reading member news.
#[derive(Default)]
pub struct NewsQuery;

#[Object]
impl NewsQuery {
    /// Member news, newest first: the public ones, or with `filter.status` also
    /// those waiting for review or turned down (editors: their own organisation's;
    /// the coordinator: all).
    #[graphql(cache_control(max_age = 60))]
    async fn news(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<NewsFilter>,
        #[graphql(desc = "Preferred languages, best first (overrides Accept-Language).")] languages: Option<Vec<String>>,
    ) -> ApiResult<Page<NewsItem>> {
        let prefs = preference(ctx, languages)?;
        let f = filter.unwrap_or_default();
        let organisations = f
            .organisation_id
            .map(|o| parse_id("filter.organisationId", &o, OrganisationId::parse))
            .transpose()?
            .map(|o| vec![o]);
        let query = AppNewsQuery {
            organisations,
            status: f.status.map(Into::into),
            since: f.since,
        };
        news_page(ctx, first, after, query, prefs).await
    }

    /// One news item by id: public ones for everyone, others for their
    /// organisation's editors and the coordinator.
    #[graphql(cache_control(max_age = 60))]
    async fn news_item(
        &self,
        ctx: &Context<'_>,
        id: ID,
        languages: Option<Vec<String>>,
    ) -> ApiResult<Option<NewsItem>> {
        let prefs = preference(ctx, languages)?;
        let id = parse_id("id", &id, NewsId::parse)?;
        Ok(news::get(hub(ctx), actor(ctx), id)
            .await
            .map_err(app)?
            .map(|r| NewsItem::new(r, prefs)))
    }
}

/// Writing and reviewing member news.
#[derive(Default)]
pub struct NewsMutation;

#[Object]
impl NewsMutation {
    /// Posts a news item for an organisation (its editors, the coordinator). An
    /// editor's item waits for the coordinator's review unless the network publishes
    /// at once; the coordinator's is published.
    async fn post_news(
        &self,
        ctx: &Context<'_>,
        organisation_id: ID,
        input: NewsInput,
    ) -> ApiResult<NewsItem> {
        let org = parse_id("organisationId", &organisation_id, OrganisationId::parse)?;
        let rec = news::post(
            hub(ctx),
            actor(ctx),
            org,
            input.apply(DNewsInput::default()),
        )
        .await
        .map_err(app)?;
        Ok(NewsItem::new(rec, prefs(ctx)))
    }

    /// Changes a news item (its organisation's editors, the coordinator); an editor's
    /// change sends it back to review.
    async fn update_news(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: NewsInput,
    ) -> ApiResult<NewsItem> {
        let id = parse_id("id", &id, NewsId::parse)?;
        let rec = news::update(hub(ctx), actor(ctx), id, move |base| input.apply(base))
            .await
            .map_err(app)?;
        Ok(NewsItem::new(rec, prefs(ctx)))
    }

    /// Publishes a news item: public from its day on (the coordinator).
    async fn publish_news(&self, ctx: &Context<'_>, id: ID) -> ApiResult<NewsItem> {
        let id = parse_id("id", &id, NewsId::parse)?;
        let rec = news::review(hub(ctx), actor(ctx), id, Review::Publish)
            .await
            .map_err(app)?;
        Ok(NewsItem::new(rec, prefs(ctx)))
    }

    /// Turns a news item down, with a note to its organisation saying why (the
    /// coordinator).
    async fn reject_news(&self, ctx: &Context<'_>, id: ID, note: String) -> ApiResult<NewsItem> {
        let id = parse_id("id", &id, NewsId::parse)?;
        let rec = news::review(hub(ctx), actor(ctx), id, Review::Reject { note })
            .await
            .map_err(app)?;
        Ok(NewsItem::new(rec, prefs(ctx)))
    }

    /// Deletes a news item (its organisation's editors, the coordinator).
    async fn delete_news(&self, ctx: &Context<'_>, id: ID) -> ApiResult<DeletePayload> {
        let nid = parse_id("id", &id, NewsId::parse)?;
        news::delete(hub(ctx), actor(ctx), nid).await.map_err(app)?;
        Ok(DeletePayload { id })
    }
}
