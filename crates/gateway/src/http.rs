//! The HTTP server: GraphQL over HTTP at `/graphql` (GET and POST, content negotiation
//! per the GraphQL-over-HTTP specification), GraphiQL for browsers, `/healthz` and `/readyz`.

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{ErrorExtensionValues, Variables};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use netzwerk_domain::language::LanguagePreference;
use serde_json::{Map, Value, json};
use tower_http::trace::TraceLayer;

use crate::budget::Budget;
use crate::graphql::error::Code;
use crate::graphql::{Schemas, Viewer, request_data};
use crate::pages::{Confirmation, confirm_form, confirm_token, form_pairs};
use crate::response_cache::{Entry, Key, ResponseCache};
use crate::state::{AppState, Peer, client_address};
use netzwerk_app::auth::{self, AuthError};
use netzwerk_app::persisted;

pub use crate::state::HttpSettings;

/// The media type of the GraphQL-over-HTTP specification.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The Hub's routes.
pub fn router(schemas: Schemas, hub: netzwerk_app::Hub, settings: HttpSettings) -> Router {
    let limit = settings.max_body_bytes;
    let state = AppState {
        schema: schemas.full,
        public_schema: schemas.public,
        hub,
        cache: ResponseCache::new(settings.cache).map(Arc::new),
        settings: Arc::new(settings),
        documents: Arc::default(),
    };
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphiql/{file}", get(graphiql_asset))
        .route("/ical/network.ics", get(crate::ical::network))
        .route("/ical/organisations/{file}", get(crate::ical::organisation))
        .route("/ical/categories/{file}", get(crate::ical::category))
        .route("/ical/meetings.ics", get(crate::ical::meetings_feed))
        .route("/ical/meetings/{file}", get(crate::ical::meeting))
        .route(
            "/guests/confirm",
            get(guest_confirm_page).post(guest_confirm),
        )
        .route("/feeds/funding.xml", get(crate::feeds::all))
        .route("/feeds/news.xml", get(crate::feeds::news))
        .route("/feeds/newsletter.xml", get(crate::feeds::newsletter))
        .route("/feeds/funding/{file}", get(crate::feeds::organisation))
        .route(
            "/digest/confirm",
            get(crate::feeds::confirm_page).post(crate::feeds::confirm),
        )
        .route(
            "/digest/unsubscribe",
            get(crate::feeds::unsubscribe_page).post(crate::feeds::unsubscribe),
        )
        .route("/embed", get(crate::embed_page::page))
        .route("/embed/netzwerk.js", get(embed_script))
        .route("/events/{file}", get(crate::public_pages::event))
        .route("/services/{id}", get(crate::public_pages::service))
        .route(
            "/newsletter/confirm",
            get(crate::feeds::newsletter_confirm_page).post(crate::feeds::newsletter_confirm),
        )
        .route(
            "/newsletter/unsubscribe",
            get(crate::feeds::newsletter_unsubscribe_page)
                .post(crate::feeds::newsletter_unsubscribe),
        )
        .route("/newsletter/{id}", get(crate::public_pages::newsletter))
        .route("/hsds", get(crate::hsds::meta))
        .route("/hsds/", get(crate::hsds::meta))
        .route("/hsds/openapi.json", get(crate::hsds::openapi))
        .route("/hsds/organizations", get(crate::hsds::organizations))
        .route("/hsds/organizations/{id}", get(crate::hsds::organization))
        .route("/hsds/services", get(crate::hsds::services))
        .route("/hsds/services/{id}", get(crate::hsds::service))
        .route(
            "/hsds/service_at_locations",
            get(crate::hsds::service_at_locations),
        )
        .route(
            "/hsds/service_at_locations/{id}",
            get(crate::hsds::service_at_location),
        )
        .route("/hsds/taxonomies", get(crate::hsds::taxonomies))
        .route("/hsds/taxonomies/{id}", get(crate::hsds::taxonomy))
        .route("/hsds/taxonomy_terms", get(crate::hsds::taxonomy_terms))
        .route("/hsds/taxonomy_terms/{id}", get(crate::hsds::taxonomy_term))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::cors::cors,
        ))
        .layer(TraceLayer::new_for_http())
        // Outermost, so that every answer gets the headers (CORS preflights too).
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers every response gets, and a JSON body for a request refused as too large
/// (the body limit answers in plain text by itself).
async fn security_headers(mut res: Response) -> Response {
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !header_str(res.headers(), header::CONTENT_TYPE).is_some_and(|c| c.contains("json"))
    {
        res = request_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            Format::Json,
            Code::InvalidQuery,
            "the request body is too large",
        );
    }
    res.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// `GET /embed/netzwerk.js`: the partner web component, bound to the hash of its
/// persisted queries (it sends nothing else).
async fn embed_script(headers: HeaderMap) -> Response {
    static SCRIPT: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    let (script, etag) = SCRIPT.get_or_init(|| {
        let script = include_str!("../assets/embed/netzwerk.js").replace(
            "__PARTNER_DOCUMENT_SHA256__",
            &persisted::sha256(persisted::PARTNER_QUERIES),
        );
        let etag = entity_tag(script.as_bytes());
        (script, etag)
    });
    let caching = HeaderValue::from_static("public, max-age=300");
    if crate::ical::if_none_match(&headers, etag) == Some(true) {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag.clone()),
                (
                    header::CACHE_CONTROL,
                    caching.to_str().unwrap_or_default().to_owned(),
                ),
            ],
        )
            .into_response();
    }
    let mut res = script.clone().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, caching);
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    res
}

/// `GET /guests/confirm?token=…`
async fn guest_confirm_page(RawQuery(raw): RawQuery) -> Response {
    confirm_form(
        raw,
        "/guests/confirm",
        "Anfrage bestätigen / Confirm your request",
        "E-Mail-Adresse bestätigen / Confirm e-mail address",
    )
}

/// `POST /guests/confirm` (form field `token`): confirms the guest's address.
async fn guest_confirm(State(state): State<AppState>, body: Bytes) -> Response {
    confirm_token(
        &state,
        &body,
        Confirmation::Guest,
        "<h1>Danke! / Thank you!</h1><p>Ihre E-Mail-Adresse ist bestätigt. Die Koordination \
         entscheidet über Ihre Anfrage; mit der Zusage erhalten Sie die Einladung.</p>\
         <p lang=\"en\">Your e-mail address is confirmed. The coordinator decides on your \
         request; if it is approved, you receive the invitation.</p>",
        "<p>Diese Anfrage gibt es nicht (mehr). / This request does not exist (any more).</p>",
    )
    .await
}

/// `GET /graphiql/{file}`: GraphiQL's pinned scripts and styles. Their names carry
/// their versions, so they may be cached for a year.
async fn graphiql_asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match crate::graphiql::asset(&file) {
        Some((content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, content_type),
                (header::CACHE_CONTROL, crate::graphiql::ASSET_CACHE_CONTROL),
            ],
            bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.hub.ping(std::time::Duration::from_millis(800)).await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// Which response media type the client gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    GraphqlResponseJson,
    Json,
}

/// Chooses the response type from `Accept`. No header, or only wildcards, gives
/// `application/json` (what older clients expect); `None` means nothing acceptable.
pub(crate) fn negotiate(accept: Option<&str>) -> Option<Format> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Format::Json);
    };
    let mut best: Option<(f32, Format)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let q = pieces
            .find_map(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
            })
            .unwrap_or(1.0);
        if q <= 0.0 {
            continue;
        }
        let format = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => Format::GraphqlResponseJson,
            JSON | "*/*" | "application/*" => Format::Json,
            _ => continue,
        };
        let better = match best {
            None => true,
            Some((bq, bf)) => {
                q > bq
                    || (q == bq
                        && bf == Format::Json
                        && format == Format::GraphqlResponseJson
                        && media != "*/*")
            }
        };
        if better {
            best = Some((q, format));
        }
    }
    best.map(|(_, f)| f)
}

impl Format {
    /// The media type answered.
    pub(crate) fn media_type(self) -> &'static str {
        match self {
            Format::GraphqlResponseJson => GRAPHQL_RESPONSE_JSON,
            Format::Json => JSON,
        }
    }
}

fn content_type(f: Format) -> HeaderValue {
    HeaderValue::from_static(match f {
        Format::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        Format::Json => "application/json; charset=utf-8",
    })
}

/// A response with only `errors`, for requests that never reached execution.
fn request_error(
    status: StatusCode,
    format: Format,
    code: Code,
    message: impl Into<String>,
) -> Response {
    let body = json!({ "errors": [{ "message": message.into(), "extensions": { "code": code.as_str() } }] });
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, content_type(format));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The parameters of a GraphQL request, checked per the specification.
pub(crate) struct Params {
    /// The document's text; none when only its hash is sent (APQ).
    pub(crate) query: Option<String>,
    pub(crate) operation_name: Option<String>,
    pub(crate) variables: Option<Map<String, Value>>,
    /// `extensions.persistedQuery`: version and SHA-256 hash.
    pub(crate) persisted: Option<(i64, String)>,
}

/// `extensions.persistedQuery` of a request, if any (Apollo's APQ protocol).
fn persisted_query(extensions: Option<Value>) -> Result<Option<(i64, String)>, String> {
    let mut ext = match extensions {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("`extensions` must be an object or null".into()),
    };
    let mut pq = match ext.remove("persistedQuery") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(m)) => m,
        Some(_) => return Err("`extensions.persistedQuery` must be an object".into()),
    };
    let version = match pq.remove("version") {
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or("`extensions.persistedQuery.version` must be 1")?,
        _ => return Err("`extensions.persistedQuery.version` must be 1".into()),
    };
    match pq.remove("sha256Hash") {
        Some(Value::String(h)) => Ok(Some((version, h))),
        _ => Err("`extensions.persistedQuery.sha256Hash` must be a string".into()),
    }
}

pub(crate) fn params_from_json(v: Value) -> Result<Params, String> {
    let Value::Object(mut m) = v else {
        return Err("the request body must be a JSON object".into());
    };
    let query = match m.remove("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(q)) => Some(q),
        Some(_) => return Err("`query` must be a string".into()),
    };
    let operation_name = match m.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err("`operationName` must be a string or null".into()),
    };
    let variables = match m.remove("variables") {
        None | Some(Value::Null) => None,
        Some(Value::Object(v)) => Some(v),
        Some(_) => return Err("`variables` must be an object or null".into()),
    };
    let persisted = persisted_query(m.remove("extensions"))?;
    if query.is_none() && persisted.is_none() {
        return Err("`query` is missing".into());
    }
    Ok(Params {
        query,
        operation_name,
        variables,
        persisted,
    })
}

pub(crate) fn params_from_query_string(raw: &str) -> Result<Params, String> {
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
    let mut persisted = None;
    for (k, v) in form_pairs(raw) {
        match k.as_str() {
            "query" => query = Some(v),
            "operationName" if !v.is_empty() => operation_name = Some(v),
            "variables" if !v.is_empty() => match serde_json::from_str::<Value>(&v) {
                Ok(Value::Object(m)) => variables = Some(m),
                Ok(Value::Null) => {}
                _ => return Err("`variables` must be a JSON object".into()),
            },
            "extensions" if !v.is_empty() => match serde_json::from_str::<Value>(&v) {
                Ok(ext @ (Value::Object(_) | Value::Null)) => {
                    persisted = persisted_query(Some(ext))?
                }
                _ => return Err("`extensions` must be a JSON object".into()),
            },
            _ => {}
        }
    }
    if query.is_none() && persisted.is_none() {
        return Err("`query` is missing".into());
    }
    Ok(Params {
        query,
        operation_name,
        variables,
        persisted,
    })
}

/// Whether the selected operation of `query` is a mutation (for refusing them on GET).
pub(crate) fn is_mutation(query: &str, operation_name: Option<&str>) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return false;
    };
    match &doc.operations {
        DocumentOperations::Single(op) => op.node.ty == OperationType::Mutation,
        DocumentOperations::Multiple(ops) => match operation_name {
            Some(name) => ops
                .iter()
                .any(|(n, op)| n.as_str() == name && op.node.ty == OperationType::Mutation),
            None => false,
        },
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn graphql_get(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let wants_html = header_str(&headers, header::ACCEPT).is_some_and(|a| a.contains("text/html"));
    if wants_html
        && !form_pairs(&raw)
            .iter()
            .any(|(k, _)| k == "query" || k == "extensions")
    {
        // GraphiQL from the Hub's own pinned files (no CDN), under a strict policy.
        return (
            [(
                header::CONTENT_SECURITY_POLICY,
                crate::graphiql::CONTENT_SECURITY_POLICY,
            )],
            Html(crate::graphiql::page("/graphql", "Netzwerk Hub")),
        )
            .into_response();
    }
    let Some(format) = negotiate(header_str(&headers, header::ACCEPT)) else {
        return request_error(
            StatusCode::NOT_ACCEPTABLE,
            Format::Json,
            Code::InvalidQuery,
            "accept application/graphql-response+json or application/json",
        );
    };
    let params = match params_from_query_string(&raw) {
        Ok(p) => p,
        Err(msg) => return request_error(StatusCode::BAD_REQUEST, format, Code::InvalidQuery, msg),
    };
    execute(&state, peer, &headers, Method::GET, format, params).await
}

async fn graphql_post(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(format) = negotiate(header_str(&headers, header::ACCEPT)) else {
        return request_error(
            StatusCode::NOT_ACCEPTABLE,
            Format::Json,
            Code::InvalidQuery,
            "accept application/graphql-response+json or application/json",
        );
    };
    let media = header_str(&headers, header::CONTENT_TYPE)
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if media != JSON {
        return request_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format,
            Code::InvalidQuery,
            "send the request as Content-Type: application/json",
        );
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return request_error(
                StatusCode::BAD_REQUEST,
                format,
                Code::InvalidQuery,
                format!("the body is not valid JSON: {e}"),
            );
        }
    };
    match params_from_json(value) {
        Ok(p) => execute(&state, peer, &headers, Method::POST, format, p).await,
        Err(msg) => request_error(StatusCode::BAD_REQUEST, format, Code::InvalidQuery, msg),
    }
}

async fn execute(
    state: &AppState,
    peer: Peer,
    headers: &HeaderMap,
    method: Method,
    format: Format,
    params: Params,
) -> Response {
    let before = state.hub.statements_executed();
    let authorization = header_str(headers, header::AUTHORIZATION);
    let client = client_address(&state.settings, peer, headers);
    let credentials = auth::Credentials {
        authorization,
        api_key: headers.get("x-api-key").and_then(|v| v.to_str().ok()),
        origin: header_str(headers, header::ORIGIN),
        client: client.as_deref(),
    };
    let caller = match auth::resolve(&state.hub, credentials).await {
        Ok(caller) => caller,
        Err(AuthError::Storage(e)) => {
            tracing::warn!(error = %e, "database failed while checking credentials");
            return unavailable(format);
        }
        Err(e @ AuthError::RateLimited(retry_after)) => {
            let mut res = request_error(
                StatusCode::TOO_MANY_REQUESTS,
                format,
                Code::RateLimited,
                e.to_string(),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return res;
        }
        Err(e) => {
            return request_error(
                StatusCode::UNAUTHORIZED,
                format,
                Code::Unauthenticated,
                e.to_string(),
            );
        }
    };
    let sent = persisted::Sent {
        query: params.query,
        persisted: params.persisted,
    };
    let document = match persisted::document(&state.hub, caller, sent).await {
        Ok(Ok(document)) => document,
        Ok(Err(refused)) => return document_refused(format, &refused),
        Err(e) => {
            tracing::warn!(error = %e, "database failed while finding a persisted document");
            return unavailable(format);
        }
    };
    if method == Method::GET && is_mutation(&document.text, params.operation_name.as_deref()) {
        let mut res = request_error(
            StatusCode::METHOD_NOT_ALLOWED,
            format,
            Code::InvalidQuery,
            "mutations must be sent with POST",
        );
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return res;
    }
    // A public persisted query may be answered from the response cache.
    let kept_as = match (&state.cache, &document.sha256) {
        (Some(_), Some(hash)) if caller.shares_answers() => Some(Key {
            document: hash.clone(),
            operation: params.operation_name.clone(),
            variables: params
                .variables
                .as_ref()
                .map(|v| Value::Object(v.clone()).to_string())
                .unwrap_or_default(),
            languages: header_str(headers, header::ACCEPT_LANGUAGE)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            format: format.media_type(),
            day: netzwerk_app::days::today(),
        }),
        _ => None,
    };
    // Taken before the answer is computed: a change meanwhile makes it outdated.
    let generation = kept_as.as_ref().and_then(|_| state.hub.data_generation());
    // A key with its own complexity budget has every document measured against it,
    // so it is not answered from the cache (its answers may still be kept there).
    if let (Some(cache), Some(key), Some(generation)) = (&state.cache, &kept_as, generation)
        && caller.max_cost.is_none()
        && let Some(hit) = cache.get(key, generation)
    {
        let mut res = answer(
            headers,
            Answer {
                method: &method,
                status: StatusCode::OK,
                format,
                body: hit.body,
                etag: Some(hit.etag),
                caching: hit.cache_control,
                from_cache: Some(true),
            },
        );
        if state.settings.statement_header {
            res.headers_mut()
                .insert("x-sql-statements", HeaderValue::from_static("0"));
        }
        return res;
    }
    let actor = caller.actor;
    let languages = header_str(headers, header::ACCEPT_LANGUAGE)
        .map(LanguagePreference::from_accept_language)
        .unwrap_or_default();
    let token = auth::session_token(authorization);
    let viewer = Viewer {
        actor,
        languages: Arc::new(languages),
        token,
        client,
    };
    let (viewer, loader) = request_data(&state.hub, viewer);
    // The Hub's own API, for fields composed from persisted queries (the newsletter).
    let own_api = crate::graphql::OwnApiOf {
        schema: state.schema.clone(),
        hub: state.hub.clone(),
    };
    let mut request = async_graphql::Request::new(String::from(&*document.text))
        .data(viewer)
        .data(loader)
        .data(own_api);
    if let Some(op) = params.operation_name {
        request = request.operation_name(op);
    }
    if let Some(v) = params.variables {
        request = request.variables(Variables::from_json(Value::Object(v)));
    }
    state.documents.prepare(&mut request);
    let variables = std::mem::take(&mut request.variables);
    let limits = state.settings.query_limits.for_key(caller.max_cost);
    let refused = request
        .parsed_query()
        .ok()
        .and_then(|doc| crate::guard::check(doc, &variables, &limits).err());
    request.variables = variables;
    if let Some(refused) = refused {
        return request_error(
            StatusCode::BAD_REQUEST,
            format,
            Code::InvalidQuery,
            refused.to_string(),
        );
    }
    // Answers to mutations (sign-in tokens among them) are never stored by caches.
    let mutation = request.parsed_query().is_ok_and(|doc| {
        doc.operations
            .iter()
            .any(|(_, op)| op.node.ty == OperationType::Mutation)
    });
    let budget = Budget::new(state.settings.request_timeout);
    // Dropped with this future: when the client goes away or the time is up, the
    // request's work on the blocking pool sees its budget cancelled and stops.
    let _cancel = budget.cancel_on_drop();
    let request = request.data(budget);
    let schema = if caller.schema_hidden(&state.hub) {
        &state.public_schema
    } else {
        &state.schema
    };
    let Ok(mut response) =
        tokio::time::timeout(state.settings.request_timeout, schema.execute(request)).await
    else {
        let mut res = request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            format,
            Code::Timeout,
            format!(
                "the request took longer than {} s and was stopped; ask for less (fewer items, a shorter window)",
                state.settings.request_timeout.as_secs_f32()
            ),
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return res;
    };

    // Parser errors quote the offending line; a long one-line query is not echoed whole.
    for err in &mut response.errors {
        if err.message.len() > MAX_MESSAGE_BYTES {
            let mut end = MAX_MESSAGE_BYTES;
            while !err.message.is_char_boundary(end) {
                end -= 1;
            }
            err.message.truncate(end);
            err.message.push('…');
        }
    }
    // Errors from async-graphql itself (parse, validation, coercion) carry no code.
    for err in &mut response.errors {
        let ext = err
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default);
        if ext.get("code").is_none() {
            ext.set("code", Code::InvalidQuery.as_str());
        }
    }
    let request_failed = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    // Written straight from the response (no intermediate JSON tree); a request that
    // failed as a whole answers without `data` in the GraphQL response format.
    let (status, body) = if format == Format::GraphqlResponseJson && request_failed {
        /// The body of a request that failed as a whole: no `data`.
        #[derive(serde::Serialize)]
        struct ErrorsOnly<'a> {
            errors: &'a [async_graphql::ServerError],
        }
        (
            StatusCode::BAD_REQUEST,
            serde_json::to_string(&ErrorsOnly {
                errors: &response.errors,
            }),
        )
    } else {
        (StatusCode::OK, serde_json::to_string(&response))
    };
    let body = body.unwrap_or_else(|_| {
        json!({ "errors": [{ "message": "cannot serialise the response" }] }).to_string()
    });
    let refused = refusal(&response);
    let status = refused.map_or(status, |(s, _)| s);
    let caching = cache_control(&caller, mutation, &response);
    let body = Bytes::from(body);
    // Hashed only where it is used: a GET's ETag, or an answer kept.
    let mut etag = None;
    if let (Some(cache), Some(key), Some(generation)) = (&state.cache, kept_as, generation)
        && status == StatusCode::OK
        && response.errors.is_empty()
        && !mutation
    {
        let tag = entity_tag(&body);
        cache.put(
            key,
            Entry {
                generation,
                body: body.clone(),
                etag: tag.clone(),
                cache_control: caching.clone(),
            },
        );
        etag = Some(tag);
    }
    if etag.is_none() && method == Method::GET {
        etag = Some(entity_tag(&body));
    }
    let mut res = answer(
        headers,
        Answer {
            method: &method,
            status,
            format,
            body,
            etag,
            caching,
            from_cache: state.cache.as_ref().map(|_| false),
        },
    );
    if let Some((_, retry_after)) = refused
        && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    if state.settings.statement_header {
        let n = state.hub.statements_executed().saturating_sub(before);
        if let Ok(v) = HeaderValue::from_str(&n.to_string()) {
            res.headers_mut().insert("x-sql-statements", v);
        }
    }
    res
}

/// The strong entity tag of a body: the start of its SHA-256.
fn entity_tag(body: &[u8]) -> String {
    let hash = persisted::sha256_bytes(body);
    format!("\"{}\"", &hash[..32])
}

/// An answer ready to send.
struct Answer<'a> {
    method: &'a Method,
    status: StatusCode,
    format: Format,
    body: Bytes,
    /// Sent with a GET answer.
    etag: Option<String>,
    caching: HeaderValue,
    /// With the response cache on: whether the answer came from it (`X-Cache`).
    from_cache: Option<bool>,
}

/// The response for an answer: a GET answer carries its `ETag`, and the same answer
/// again (`If-None-Match`) is a 304 without a body.
fn answer(headers: &HeaderMap, a: Answer<'_>) -> Response {
    let etag = a
        .etag
        .filter(|_| *a.method == Method::GET && a.status == StatusCode::OK);
    let not_modified = etag
        .as_deref()
        .is_some_and(|tag| crate::ical::if_none_match(headers, tag) == Some(true));
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (a.status, a.body).into_response()
    };
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type(a.format));
    h.insert(header::CACHE_CONTROL, a.caching);
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language, Authorization, X-Api-Key"),
    );
    if let Some(tag) = etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        h.insert(header::ETAG, tag);
    }
    if let Some(hit) = a.from_cache {
        h.insert(
            "x-cache",
            HeaderValue::from_static(if hit { "HIT" } else { "MISS" }),
        );
    }
    res
}

/// `Cache-Control` of an answer: public data for a public caller as long as the
/// schema's cache hints allow (`public, max-age=N`; without a hint: `no-cache`, to be
/// revalidated by its `ETag`); anything personal, signed in, failed or written:
/// never stored.
fn cache_control(
    caller: &auth::Caller,
    mutation: bool,
    response: &async_graphql::Response,
) -> HeaderValue {
    let hints = response.cache_control;
    if mutation {
        HeaderValue::from_static("no-store")
    } else if !caller.shares_answers()
        || !response.errors.is_empty()
        || !hints.public
        || hints.max_age < 0
    {
        HeaderValue::from_static("private, no-store")
    } else if hints.max_age > 0 {
        HeaderValue::from_str(&format!("public, max-age={}", hints.max_age))
            .unwrap_or(HeaderValue::from_static("no-cache"))
    } else {
        HeaderValue::from_static("no-cache")
    }
}

/// The answer when the database cannot be reached: 503, try again in a few seconds.
fn unavailable(format: Format) -> Response {
    let mut res = request_error(
        StatusCode::SERVICE_UNAVAILABLE,
        format,
        Code::Unavailable,
        "the database is not available right now; try again in a few seconds",
    );
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    res
}

/// The answer when a request names no document it may run. An unknown hash is 404
/// `PERSISTED_QUERY_NOT_FOUND` (Apollo clients then send the text with it), never
/// stored by a cache (no request error is): the document may be registered a moment
/// later.
fn document_refused(format: Format, refused: &persisted::DocumentError) -> Response {
    use persisted::DocumentError as E;
    let (status, code) = match refused {
        E::NotFound => (StatusCode::NOT_FOUND, Code::PersistedQueryNotFound),
        E::NotTrusted => (StatusCode::FORBIDDEN, Code::Forbidden),
        E::Missing | E::BadHash | E::BadVersion | E::HashMismatch => {
            (StatusCode::BAD_REQUEST, Code::InvalidQuery)
        }
    };
    request_error(status, format, code, refused.to_string())
}

/// The longest error message sent (parser errors quote the query).
const MAX_MESSAGE_BYTES: usize = 400;

/// When a request was refused as a whole — it produced no data, and every error is a
/// rate limit, an unavailable database or a time-out — the HTTP status that says so
/// (429 or 503) and the seconds for `Retry-After`.
fn refusal(response: &async_graphql::Response) -> Option<(StatusCode, u64)> {
    let no_data = match &response.data {
        async_graphql::Value::Null => true,
        async_graphql::Value::Object(fields) => {
            fields.values().all(|v| *v == async_graphql::Value::Null)
        }
        _ => false,
    };
    if !no_data || response.errors.is_empty() {
        return None;
    }
    let mut status = None;
    let mut retry_after: u64 = 1;
    for e in &response.errors {
        let ext = e.extensions.as_ref()?;
        let code = match ext.get("code")? {
            async_graphql::Value::String(c) => c.as_str(),
            _ => return None,
        };
        let this = if code == Code::RateLimited.as_str() {
            StatusCode::TOO_MANY_REQUESTS
        } else if code == Code::Unavailable.as_str() || code == Code::Timeout.as_str() {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            return None;
        };
        let seconds = match ext.get("retryAfterSeconds") {
            Some(async_graphql::Value::Number(n)) => n.as_u64().unwrap_or(1),
            _ => 5,
        };
        retry_after = retry_after.max(seconds);
        // A rate limit wins: waiting is what the client must do either way.
        if status != Some(StatusCode::TOO_MANY_REQUESTS) {
            status = Some(this);
        }
    }
    status.map(|s| (s, retry_after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(None), Some(Format::Json));
        assert_eq!(negotiate(Some("*/*")), Some(Format::Json));
        assert_eq!(negotiate(Some("application/json")), Some(Format::Json));
        assert_eq!(
            negotiate(Some("application/graphql-response+json")),
            Some(Format::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(Some(
                "application/graphql-response+json, application/json;q=0.9"
            )),
            Some(Format::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(Some("application/json, application/graphql-response+json")),
            Some(Format::GraphqlResponseJson)
        );
        assert_eq!(
            negotiate(Some(
                "application/json;q=1, application/graphql-response+json;q=0.5"
            )),
            Some(Format::Json)
        );
        assert_eq!(negotiate(Some("text/html")), None);
    }

    #[test]
    fn query_string_parameters() {
        let p = params_from_query_string("query=%7B+__typename+%7D&variables=%7B%22a%22%3A1%7D")
            .expect("valid");
        assert_eq!(p.query.as_deref(), Some("{ __typename }"));
        assert_eq!(
            p.variables.and_then(|v| v.get("a").cloned()),
            Some(json!(1))
        );
        assert!(params_from_query_string("variables=%5B%5D&query=x").is_err());
        let apq = params_from_query_string(
            "extensions=%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22ab%22%7D%7D",
        )
        .expect("a hash alone");
        assert_eq!(apq.persisted, Some((1, "ab".to_owned())));
        assert!(
            params_from_query_string("operationName=A").is_err(),
            "no query"
        );
    }

    #[test]
    fn body_parameters() {
        assert!(params_from_json(json!({"query": "{a}", "variables": null, "extensions": null, "operationName": null})).is_ok());
        assert!(params_from_json(json!({"query": 1})).is_err());
        assert!(params_from_json(json!({"query": "{a}", "variables": "x"})).is_err());
        assert!(params_from_json(json!(["x"])).is_err());
        assert!(
            params_from_json(json!({"variables": {}})).is_err(),
            "no query"
        );
        let hash = "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b";
        let apq = params_from_json(
            json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": hash}}}),
        )
        .expect("a hash alone");
        assert_eq!(apq.query, None);
        assert_eq!(apq.persisted, Some((1, hash.to_owned())));
        for bad in [
            json!({"extensions": {"persistedQuery": "x"}}),
            json!({"extensions": {"persistedQuery": {"sha256Hash": hash}}}),
            json!({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": 5}}}),
        ] {
            assert!(params_from_json(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn mutation_detection() {
        assert!(is_mutation("mutation { logout }", None));
        assert!(!is_mutation("{ __typename }", None));
        assert!(is_mutation("query A { a } mutation B { b }", Some("B")));
    }

    #[test]
    fn client_address_behind_a_proxy() {
        let mut settings = HttpSettings::default();
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.9, 198.51.100.7"),
        );
        let peer: Peer = Some(axum::Extension(axum::extract::ConnectInfo(
            "127.0.0.1:4000".parse().expect("address"),
        )));
        assert_eq!(
            client_address(&settings, peer, &headers).as_deref(),
            Some("127.0.0.1"),
            "the header counts only when configured"
        );
        settings.client_ip_header = Some(header::HeaderName::from_static("x-forwarded-for"));
        assert_eq!(
            client_address(&settings, peer, &headers).as_deref(),
            Some("198.51.100.7"),
            "the entry the proxy added"
        );
        assert_eq!(client_address(&settings, None, &HeaderMap::new()), None);
    }
}
