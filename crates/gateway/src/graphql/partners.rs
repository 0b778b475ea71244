//! What partner websites are given (coordinator): API keys and the trusted documents
//! they may run by hash.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use netzwerk_app::api_keys::{self, ApiKeyInfo};
use netzwerk_app::persisted;

use super::context::{actor, hub};
use super::error::{ApiResult, app};

/// A partner site's API key (the key itself is shown only when made).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ApiKey {
    /// Id (for `revokeApiKey`).
    pub id: ID,
    /// Who it is for.
    pub name: String,
    /// The key's first characters, to recognise it.
    pub prefix: String,
    /// Browser origins allowed to use it (empty: any).
    pub allowed_origins: Vec<String>,
    /// Its own limit, requests per minute (none: the Hub's general limits only).
    pub rate_limit: Option<i32>,
    /// Runs trusted documents only.
    pub trusted_only: bool,
    /// Its own complexity budget: the largest cost one of its queries may have (none:
    /// the Hub's limit; the smaller of the two applies).
    pub max_cost: Option<i32>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was revoked (it stopped working then).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key's requests on one day (Berlin).
#[derive(SimpleObject)]
pub struct ApiKeyUsage {
    /// The day.
    pub day: chrono::NaiveDate,
    /// Requests let through.
    pub requests: i64,
    /// Requests refused (over its rate limit, or from an origin it does not allow).
    pub rejected: i64,
}

#[async_graphql::ComplexObject]
impl ApiKey {
    /// Requests per day over the last `days` days (1 to 366), today included: what
    /// every replica stored (about once a minute) and what this one counted since.
    /// Days without requests are left out.
    async fn usage(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 30)] days: i32,
    ) -> ApiResult<Vec<ApiKeyUsage>> {
        let id = netzwerk_domain::ids::ApiKeyId::parse(&self.id)
            .map_err(|e| app(netzwerk_app::Error::Invalid(e.within("id"))))?;
        let days = api_keys::usage(hub(ctx), actor(ctx), id, i64::from(days))
            .await
            .map_err(app)?;
        Ok(days
            .into_iter()
            .map(|u| ApiKeyUsage {
                day: u.day,
                requests: u.requests,
                rejected: u.rejected,
            })
            .collect())
    }
}

impl From<ApiKeyInfo> for ApiKey {
    fn from(k: ApiKeyInfo) -> Self {
        Self {
            id: ID(k.id.to_string()),
            name: k.name,
            prefix: k.prefix,
            allowed_origins: k.allowed_origins,
            rate_limit: k.limits.rate_limit_per_minute,
            trusted_only: k.limits.trusted_only,
            max_cost: k.limits.max_cost,
            created_at: k.created_at.and_utc(),
            revoked_at: k.revoked_at.map(|t| t.and_utc()),
        }
    }
}

/// A new key.
#[derive(InputObject)]
pub struct ApiKeyInput {
    /// Who it is for, e.g. the partner site's name.
    pub name: String,
    /// Browser origins allowed to use it, e.g. `https://jugendclub.example` (none:
    /// any origin).
    #[graphql(default)]
    pub allowed_origins: Vec<String>,
    /// Its own limit, requests per minute (1 to 1,000,000).
    pub rate_limit: Option<i32>,
    /// Run trusted documents only.
    #[graphql(default)]
    pub trusted_only: bool,
    /// Its own complexity budget (1 to 1,000,000): queries sent with it that may
    /// produce more fields are refused before they run, as `INVALID_QUERY`. Only
    /// stricter than the Hub's `server.max_complexity` has an effect.
    pub max_cost: Option<i32>,
}

/// A key as made: the key itself, shown only now.
#[derive(SimpleObject)]
pub struct CreatedApiKey {
    /// The key, to give to the partner (sent as `X-Api-Key`).
    pub key: String,
    /// What is stored of it.
    pub api_key: ApiKey,
}

/// A trusted document: run by its hash (`extensions.persistedQuery.sha256Hash`), and
/// the only documents a trusted-only key runs.
#[derive(SimpleObject)]
pub struct PersistedDocument {
    /// SHA-256 of the text, lowercase hex.
    pub sha256_hash: String,
    /// The file name in `graphql/persisted/`, or the name given when registered.
    pub name: String,
    /// The GraphQL text.
    pub document: String,
    /// Registered through the API (else: from `graphql/persisted/`).
    pub registered: bool,
    /// When it was registered.
    pub registered_at: Option<DateTime<Utc>>,
}

impl From<persisted::Listed> for PersistedDocument {
    fn from(d: persisted::Listed) -> Self {
        Self {
            sha256_hash: d.sha256,
            name: d.name,
            document: d.document,
            registered: d.registered.is_some(),
            registered_at: d.registered.map(|r| r.registered_at.and_utc()),
        }
    }
}

/// Queries over what partners are given.
#[derive(Default)]
pub struct PartnerQuery;

#[Object]
impl PartnerQuery {
    /// Every API key, newest first (coordinator only).
    #[graphql(cache_control(private, no_cache), inaccessible)]
    async fn api_keys(&self, ctx: &Context<'_>) -> ApiResult<Vec<ApiKey>> {
        let keys = api_keys::list(hub(ctx), actor(ctx)).await.map_err(app)?;
        Ok(keys.into_iter().map(Into::into).collect())
    }

    /// Every trusted document: those of `graphql/persisted/`, then the registered
    /// ones, newest first (coordinator only).
    #[graphql(cache_control(private, no_cache), inaccessible)]
    async fn persisted_documents(&self, ctx: &Context<'_>) -> ApiResult<Vec<PersistedDocument>> {
        let docs = persisted::list(hub(ctx), actor(ctx)).await.map_err(app)?;
        Ok(docs.into_iter().map(Into::into).collect())
    }
}

/// Changes to what partners are given.
#[derive(Default)]
pub struct PartnerMutation;

#[Object]
impl PartnerMutation {
    /// Makes an API key for a partner site (coordinator only). The key is in the
    /// answer and nowhere else: only its hash is stored.
    #[graphql(inaccessible)]
    async fn create_api_key(
        &self,
        ctx: &Context<'_>,
        input: ApiKeyInput,
    ) -> ApiResult<CreatedApiKey> {
        let cmd = api_keys::NewKey {
            name: input.name,
            origins: input.allowed_origins,
            rate_limit: input.rate_limit.map(i64::from),
            trusted_only: input.trusted_only,
            max_cost: input.max_cost.map(i64::from),
        };
        let created = api_keys::create(hub(ctx), actor(ctx), cmd)
            .await
            .map_err(app)?;
        Ok(CreatedApiKey {
            key: created.key,
            api_key: created.info.into(),
        })
    }

    /// Revokes a key (coordinator only): it stops working at once, on every replica.
    #[graphql(inaccessible)]
    async fn revoke_api_key(&self, ctx: &Context<'_>, id: ID) -> ApiResult<ApiKey> {
        let key = api_keys::revoke(hub(ctx), actor(ctx), &id)
            .await
            .map_err(app)?;
        Ok(key.into())
    }

    /// Registers a trusted document (coordinator only): every replica then runs it by
    /// its hash, trusted-only keys included. The same text again is the same document.
    #[graphql(inaccessible)]
    async fn register_persisted_document(
        &self,
        ctx: &Context<'_>,
        name: String,
        document: String,
    ) -> ApiResult<PersistedDocument> {
        // The text must be a GraphQL document (the schema checks it when it runs).
        let parsed = async_graphql::parser::parse_query(&document)
            .map(|_| ())
            .map_err(|e| e.to_string());
        let doc = persisted::register(hub(ctx), actor(ctx), &name, &document, parsed)
            .await
            .map_err(app)?;
        Ok(doc.into())
    }
}
