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
use tower_http::cors::{Any, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::budget::Budget;
use crate::graphql::error::Code;
use crate::graphql::{HubSchema, Viewer, request_data};
use crate::pages::{Confirmation, confirm_form, confirm_token, form_pairs};
use crate::state::AppState;
use netzwerk_app::auth::{self, AuthError};

pub use crate::state::HttpSettings;

/// The media type of the GraphQL-over-HTTP specification.
pub const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const JSON: &str = "application/json";

/// The Hub's routes.
pub fn router(schema: HubSchema, hub: netzwerk_app::Hub, settings: HttpSettings) -> Router {
    let limit = settings.max_body_bytes;
    let state = AppState {
        schema,
        hub,
        settings: Arc::new(settings),
        documents: Arc::default(),
    };
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::HeaderName::from_static("x-api-key"),
        ]);
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
        .route("/feeds/funding/{file}", get(crate::feeds::organisation))
        .route(
            "/digest/confirm",
            get(crate::feeds::confirm_page).post(crate::feeds::confirm),
        )
        .route(
            "/digest/unsubscribe",
            get(crate::feeds::unsubscribe_page).post(crate::feeds::unsubscribe),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .layer(DefaultBodyLimit::max(limit))
        .layer(cors)
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
    res
}

/// The parameters of a GraphQL request, checked per the specification.
pub(crate) struct Params {
    pub(crate) query: String,
    pub(crate) operation_name: Option<String>,
    pub(crate) variables: Option<Map<String, Value>>,
}

pub(crate) fn params_from_json(v: Value) -> Result<Params, String> {
    let Value::Object(mut m) = v else {
        return Err("the request body must be a JSON object".into());
    };
    let query = match m.remove("query") {
        Some(Value::String(q)) => q,
        Some(_) => return Err("`query` must be a string".into()),
        None => return Err("`query` is missing".into()),
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
    match m.remove("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err("`extensions` must be an object or null".into()),
    }
    Ok(Params {
        query,
        operation_name,
        variables,
    })
}

pub(crate) fn params_from_query_string(raw: &str) -> Result<Params, String> {
    let mut query = None;
    let mut operation_name = None;
    let mut variables = None;
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
                Ok(Value::Object(_) | Value::Null) => {}
                _ => return Err("`extensions` must be a JSON object".into()),
            },
            _ => {}
        }
    }
    Ok(Params {
        query: query.ok_or("`query` is missing")?,
        operation_name,
        variables,
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

/// The connection's peer address, when served with connect info.
type Peer = Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>;

async fn graphql_get(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let raw = raw.unwrap_or_default();
    let wants_html = header_str(&headers, header::ACCEPT).is_some_and(|a| a.contains("text/html"));
    if wants_html && !form_pairs(&raw).iter().any(|(k, _)| k == "query") {
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
    if is_mutation(&params.query, params.operation_name.as_deref()) {
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
    execute(&state, peer, &headers, format, params).await
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
        Ok(p) => execute(&state, peer, &headers, format, p).await,
        Err(msg) => request_error(StatusCode::BAD_REQUEST, format, Code::InvalidQuery, msg),
    }
}

/// The client's address: the last entry of the configured proxy header, else the peer.
fn client_address(settings: &HttpSettings, peer: Peer, headers: &HeaderMap) -> Option<String> {
    if let Some(name) = &settings.client_ip_header {
        let forwarded = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| !v.is_empty());
        if let Some(f) = forwarded {
            return Some(f.to_owned());
        }
    }
    peer.map(|axum::Extension(axum::extract::ConnectInfo(addr))| addr.ip().to_string())
}

async fn execute(
    state: &AppState,
    peer: Peer,
    headers: &HeaderMap,
    format: Format,
    params: Params,
) -> Response {
    let before = state.hub.statements_executed();
    let authorization = header_str(headers, header::AUTHORIZATION);
    let api_key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let origin = header_str(headers, header::ORIGIN);
    let actor = match auth::resolve(&state.hub, authorization, api_key, origin).await {
        Ok(caller) if caller.trusted_only && !auth::is_trusted_document(&params.query) => {
            return request_error(
                StatusCode::FORBIDDEN,
                format,
                Code::Forbidden,
                "this API key runs trusted documents only (graphql/persisted/); send one of them",
            );
        }
        Ok(caller) => caller.actor,
        Err(AuthError::Storage(e)) => {
            tracing::warn!(error = %e, "database failed while checking credentials");
            let mut res = request_error(
                StatusCode::SERVICE_UNAVAILABLE,
                format,
                Code::Unavailable,
                "the database is not available right now; try again in a few seconds",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            return res;
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
    let languages = header_str(headers, header::ACCEPT_LANGUAGE)
        .map(LanguagePreference::from_accept_language)
        .unwrap_or_default();
    let token = auth::session_token(authorization);
    let viewer = Viewer {
        actor,
        languages: Arc::new(languages),
        token,
        client: client_address(&state.settings, peer, headers),
    };
    let (viewer, loader) = request_data(&state.hub, viewer);
    let mut request = async_graphql::Request::new(params.query)
        .data(viewer)
        .data(loader);
    if let Some(op) = params.operation_name {
        request = request.operation_name(op);
    }
    if let Some(v) = params.variables {
        request = request.variables(Variables::from_json(Value::Object(v)));
    }
    state.documents.prepare(&mut request);
    let variables = std::mem::take(&mut request.variables);
    let refused = request
        .parsed_query()
        .ok()
        .and_then(|doc| crate::guard::check(doc, &variables, &state.settings.query_limits).err());
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
    let Ok(mut response) = tokio::time::timeout(
        state.settings.request_timeout,
        state.schema.execute(request),
    )
    .await
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
    let mut res = (status, body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, content_type(format));
    if mutation {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
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
        assert_eq!(p.query, "{ __typename }");
        assert_eq!(
            p.variables.and_then(|v| v.get("a").cloned()),
            Some(json!(1))
        );
        assert!(params_from_query_string("variables=%5B%5D&query=x").is_err());
    }

    #[test]
    fn body_parameters() {
        assert!(params_from_json(json!({"query": "{a}", "variables": null, "extensions": null, "operationName": null})).is_ok());
        assert!(params_from_json(json!({"query": 1})).is_err());
        assert!(params_from_json(json!({"query": "{a}", "variables": "x"})).is_err());
        assert!(params_from_json(json!(["x"])).is_err());
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
