//! The GraphQL schema of the Hub: queries over the directory, mutations with access
//! control, DataLoaders for every relation, cursor connections for every list.

mod calendar_feeds;
pub(crate) mod connection;
mod context;
mod enums;
pub mod error;
mod events;
mod federation;
mod funding;
mod guests;
mod hsds;
mod inputs;
mod loaders;
mod meetings;
mod mutation;
mod news;
mod newsletter;
mod objects;
mod outbox;
mod partners;
mod query;

use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{EmptySubscription, Schema};
use netzwerk_domain::access::Actor;
use netzwerk_domain::language::LanguagePreference;

pub use loaders::DirectoryLoader;

/// The Hub's schema type.
pub type HubSchema = Schema<Query, Mutation, EmptySubscription>;

/// Root of all queries, split by area.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    query::DirectoryQuery,
    events::EventQuery,
    meetings::MeetingQuery,
    guests::GuestQuery,
    funding::FundingQuery,
    hsds::HsdsQuery,
    outbox::OutboxQuery,
    partners::PartnerQuery,
    news::NewsQuery,
    newsletter::NewsletterQuery,
    federation::FederationQuery,
);

/// Root of all mutations, split by area.
#[derive(async_graphql::MergedObject, Default)]
pub struct Mutation(
    mutation::DirectoryMutation,
    events::EventMutation,
    meetings::MeetingMutation,
    guests::GuestMutation,
    funding::FundingMutation,
    hsds::HsdsMutation,
    partners::PartnerMutation,
    news::NewsMutation,
    newsletter::NewsletterMutation,
);

/// The schema's own settings (the use cases take theirs from the `Hub`).
#[derive(Debug, Clone)]
pub struct SchemaSettings {
    /// Whether `__schema` / `__type` introspection is answered.
    pub introspection: bool,
    /// Most complex query accepted (async-graphql's complexity measure).
    pub max_complexity: usize,
    /// Whether an unknown field's error suggests a similar name.
    pub suggestions: bool,
}

impl Default for SchemaSettings {
    fn default() -> Self {
        Self {
            introspection: true,
            max_complexity: 20_000,
            suggestions: true,
        }
    }
}

/// The schema as signed-in users see it, and as the public sees it: under the
/// production profile the public one neither answers introspection nor suggests
/// field names (a federation router's `_service` query is an ordinary field and is
/// answered by both).
#[derive(Clone)]
pub struct Schemas {
    /// For signed-in users.
    pub full: HubSchema,
    /// For anonymous callers and partner keys.
    pub public: HubSchema,
}

impl Schemas {
    /// Both schemas; without `production`, one and the same.
    pub fn build(hub: &netzwerk_app::Hub, settings: SchemaSettings, production: bool) -> Self {
        let full = build_schema(hub, settings.clone());
        let public = if production {
            build_schema(
                hub,
                SchemaSettings {
                    introspection: false,
                    suggestions: false,
                    ..settings
                },
            )
        } else {
            full.clone()
        };
        Self { full, public }
    }
}

/// Who is asking and in which languages; put into every request's data.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The party behind the request.
    pub actor: Actor,
    /// From `Accept-Language`; a query's `languages` argument takes precedence.
    pub languages: Arc<LanguagePreference>,
    /// The bearer token used, so `logout` can end it.
    pub token: Option<String>,
    /// The client's network address, for rate limits.
    pub client: Option<String>,
}

/// Builds the schema over the application.
pub fn build_schema(hub: &netzwerk_app::Hub, settings: SchemaSettings) -> HubSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .data(hub.clone())
        // Depth is checked by `guard` before a request runs (introspection's type
        // references excepted, which nest deeper than any query of the Hub's own);
        // the complexity limit stays as a second line.
        .limit_complexity(settings.max_complexity)
        .limit_recursive_depth(64);
    if !settings.introspection {
        builder = builder.disable_introspection();
    }
    if !settings.suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The request's DataLoader; it caches for the length of one request only.
pub type Loader = DataLoader<DirectoryLoader, HashMapCache>;

/// Per-request data: the viewer and a fresh DataLoader.
pub fn request_data(hub: &netzwerk_app::Hub, viewer: Viewer) -> (Viewer, Loader) {
    let actor = viewer.actor;
    (
        viewer,
        DataLoader::with_cache(
            DirectoryLoader::new(hub.clone(), actor),
            tokio::spawn,
            HashMapCache::default(),
        ),
    )
}

/// The Hub's own API for the application layer (digests, Atom feeds): a document runs
/// in-process against the schema as an anonymous reader, with a DataLoader of its own.
#[derive(Clone)]
pub struct OwnApiOf {
    /// The schema.
    pub schema: HubSchema,
    /// The application its loaders read.
    pub hub: netzwerk_app::Hub,
}

impl netzwerk_app::OwnApi for OwnApiOf {
    fn query<'a>(
        &'a self,
        document: &'a str,
        operation: &'a str,
        variables: serde_json::Value,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<Output = Result<serde_json::Value, netzwerk_app::Error>>
                + Send
                + 'a,
        >,
    > {
        Box::pin(async move {
            let viewer = Viewer {
                actor: Actor::Anonymous,
                languages: Arc::new(LanguagePreference::default()),
                token: None,
                client: None,
            };
            let (viewer, loader) = request_data(&self.hub, viewer);
            let request = async_graphql::Request::new(document)
                .operation_name(operation)
                .variables(async_graphql::Variables::from_json(variables))
                .data(viewer)
                .data(loader);
            let response = self.schema.execute(request).await;
            if let Some(e) = response.errors.first() {
                return Err(error::to_app(e));
            }
            response
                .data
                .into_json()
                .map_err(|e| netzwerk_app::Error::Internal(e.to_string()))
        })
    }
}

/// The schema in SDL, as checked in at `graphql/schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .finish()
        .sdl()
}
