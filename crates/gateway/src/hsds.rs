//! `/hsds`: the directory as Open Referral's HSDS 3.0 read-only API — every path and
//! parameter of the specification's OpenAPI description, paged (`page`, `per_page`,
//! totals) or streamed as newline-delimited JSON (`format=ndjson`). The records come
//! from `netzwerk_app::hsds`; here the parameters are checked (an unusable one is a
//! 400 naming it), the reader's languages taken from `Accept-Language`, and callers
//! held to the same per-client limit as the GraphQL API.

use axum::body::{Body, Bytes};
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use netzwerk_app::auth::{self, AuthError};
use netzwerk_app::hsds::{self, Detail, Listing, ServiceQuery, TaxonomyTermQuery};
use netzwerk_domain::ids::OrganisationId;
use netzwerk_domain::language::LanguagePreference;
use serde_json::{Value, json};

use crate::pages::form_pairs;
use crate::state::AppState;

/// Records on a page unless `per_page` says otherwise.
pub const DEFAULT_PER_PAGE: i64 = 50;
/// The largest page; `format=ndjson` streams everything without one.
pub const MAX_PER_PAGE: i64 = 1000;
/// Pages beyond this are refused (an offset from a forged number stays bounded).
const MAX_PAGE: i64 = 1_000_000;
/// The widest `proximity` in metres.
const MAX_PROXIMITY: f64 = 1_000_000.0;
/// Records read per round while streaming `format=ndjson` (one database task each;
/// the demo's 74 services come in two).
const STREAM_BATCH: i64 = 50;

/// Every parameter the OpenAPI description names, on any path. Others are refused:
/// a misspelt parameter silently ignored would answer another question.
const KNOWN: &[&str] = &[
    "search",
    "page",
    "per_page",
    "format",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "minimal",
    "full",
    "full_service",
    "postcode",
    "proximity",
    "top_only",
    "parent_id",
];

/// A request's parameters, checked.
#[derive(Debug, Default)]
struct Params {
    search: Option<String>,
    page: i64,
    per_page: i64,
    ndjson: bool,
    taxonomy_term_id: Option<String>,
    taxonomy_id: Option<String>,
    organization_id: Option<OrganisationId>,
    modified_after: Option<DateTime<Utc>>,
    minimal: bool,
    full: bool,
    full_service: bool,
    postcode: Option<String>,
    proximity: Option<f64>,
    top_only: bool,
    parent_id: Option<String>,
}

/// A parameter that cannot be used: which, and why.
#[derive(Debug, PartialEq)]
struct BadParam {
    name: String,
    message: String,
}

fn bad(name: &str, message: impl Into<String>) -> BadParam {
    BadParam {
        name: name.to_owned(),
        message: message.into(),
    }
}

fn flag(name: &str, raw: &str) -> Result<bool, BadParam> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(bad(name, format!("must be true or false, got {raw:?}"))),
    }
}

fn number(name: &str, raw: &str, min: i64, max: i64) -> Result<i64, BadParam> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            bad(
                name,
                format!("must be a whole number from {min} to {max}, got {raw:?}"),
            )
        })
}

fn text(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// An instant as RFC 3339 (`2026-11-30T12:00:00Z`) or a date (its midnight, UTC).
fn instant(name: &str, raw: &str) -> Result<DateTime<Utc>, BadParam> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            bad(
                name,
                format!("must be a date-time such as 2026-11-30T12:00:00Z or a date, got {raw:?}"),
            )
        })
}

impl Params {
    fn parse(raw: Option<&str>) -> Result<Self, BadParam> {
        let mut p = Params {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            ..Params::default()
        };
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in form_pairs(raw.unwrap_or_default()) {
            if !KNOWN.contains(&name.as_str()) {
                return Err(bad(
                    &name,
                    format!(
                        "is not a parameter of this API (it knows {})",
                        KNOWN.join(", ")
                    ),
                ));
            }
            if seen.contains(&name) {
                return Err(bad(&name, "is given more than once"));
            }
            seen.push(name.clone());
            let v = value.as_str();
            match name.as_str() {
                "search" => {
                    p.search = netzwerk_domain::error::search_text(Some(v))
                        .map_err(|e| bad(&name, e.to_string()))?;
                }
                "page" => p.page = number(&name, v, 1, MAX_PAGE)?,
                "per_page" => p.per_page = number(&name, v, 1, MAX_PER_PAGE)?,
                "format" => {
                    p.ndjson = match v.trim() {
                        "" | "json" => false,
                        "ndjson" => true,
                        other => {
                            return Err(bad(
                                &name,
                                format!("must be json or ndjson, got {other:?}"),
                            ));
                        }
                    }
                }
                "taxonomy_term_id" => p.taxonomy_term_id = text(v),
                "taxonomy_id" => p.taxonomy_id = text(v),
                "organization_id" => {
                    p.organization_id = match text(v) {
                        None => None,
                        Some(id) => Some(OrganisationId::parse(&id).map_err(|_| {
                            bad(
                                &name,
                                format!("must be an organization's id (a UUID), got {id:?}"),
                            )
                        })?),
                    }
                }
                "modified_after" => p.modified_after = Some(instant(&name, v)?),
                "minimal" => p.minimal = flag(&name, v)?,
                "full" => p.full = flag(&name, v)?,
                "full_service" => p.full_service = flag(&name, v)?,
                "postcode" => p.postcode = text(v),
                "proximity" => {
                    let metres = v
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|m| m.is_finite() && *m > 0.0 && *m <= MAX_PROXIMITY);
                    p.proximity = Some(metres.ok_or_else(|| {
                        bad(&name, format!("must be a distance in metres above 0 and up to {MAX_PROXIMITY}, got {v:?}"))
                    })?);
                }
                "top_only" => p.top_only = flag(&name, v)?,
                "parent_id" => p.parent_id = text(v),
                _ => {}
            }
        }
        if p.proximity.is_some() && p.postcode.is_none() {
            return Err(bad("proximity", "needs a postcode to measure from"));
        }
        if p.minimal && p.full {
            return Err(bad("minimal", "cannot be asked for together with full"));
        }
        Ok(p)
    }

    fn listing(&self) -> Listing {
        Listing {
            page: self.page,
            per_page: self.per_page,
        }
    }

    fn service_query(&self) -> ServiceQuery {
        ServiceQuery {
            search: self.search.clone(),
            taxonomy_term_id: self.taxonomy_term_id.clone(),
            taxonomy_id: self.taxonomy_id.clone(),
            organization_id: self.organization_id,
            modified_after: self.modified_after,
            postcode: self.postcode.clone(),
            proximity_metres: self.proximity,
        }
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            ),
        ],
        body.to_string(),
    )
        .into_response()
}

/// A 200 with an entity tag of the body, or a 304 when the client holds that tag
/// already (directories that poll each other read unchanged pages cheaply).
fn ok(held: Option<&str>, body: &Value) -> Response {
    let text = body.to_string();
    let tag = format!(
        "\"{}\"",
        &netzwerk_app::persisted::sha256_bytes(text.as_bytes())[..32]
    );
    let matches = held.is_some_and(|h| {
        h.split(',')
            .any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == tag)
    });
    let mut res = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            text,
        )
            .into_response()
    };
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    // The texts depend on the reader's languages, the limits on the key.
    h.insert(
        header::VARY,
        HeaderValue::from_static("accept-language, x-api-key"),
    );
    if let Ok(v) = HeaderValue::from_str(&tag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

fn error(status: StatusCode, message: String, parameter: Option<&str>) -> Response {
    let mut body = json!({ "error": message });
    if let Some(p) = parameter {
        body["parameter"] = json!(p);
    }
    let mut res = json_response(status, &body);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn refused(b: BadParam) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        format!("{}: {}", b.name, b.message),
        Some(&b.name),
    )
}

fn failed(e: netzwerk_app::Error) -> Response {
    match e {
        netzwerk_app::Error::Unavailable(_) | netzwerk_app::Error::TimedOut => {
            let mut res = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the directory is not available right now; try again in a few seconds".into(),
                None,
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            res
        }
        e => {
            tracing::error!(error = %e, "HSDS request failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the directory could not be read".into(),
                None,
            )
        }
    }
}

/// The per-client limit and API keys, as for GraphQL; the data is public either way.
async fn admit(
    state: &AppState,
    peer: crate::state::Peer,
    headers: &HeaderMap,
) -> Option<Response> {
    let client = crate::state::client_address(&state.settings, peer, headers);
    let credentials = auth::Credentials {
        authorization: None,
        api_key: headers.get("x-api-key").and_then(|v| v.to_str().ok()),
        origin: headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        client: client.as_deref(),
    };
    match auth::resolve(&state.hub, credentials).await {
        Ok(_) => None,
        Err(e @ AuthError::RateLimited(retry_after)) => {
            let mut res = error(StatusCode::TOO_MANY_REQUESTS, e.to_string(), None);
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            Some(res)
        }
        Err(AuthError::Storage(e)) => Some(failed(netzwerk_app::Error::Unavailable(e.to_string()))),
        Err(e) => Some(error(StatusCode::UNAUTHORIZED, e.to_string(), None)),
    }
}

fn prefs(headers: &HeaderMap) -> LanguagePreference {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(LanguagePreference::from_accept_language)
        .unwrap_or_default()
}

/// What one request asks for, after the checks every path shares: its parameters,
/// the reader's languages, and the caller admitted (an extractor, so that each path's
/// handler starts from it).
pub struct Asked {
    params: Params,
    prefs: LanguagePreference,
    /// The validator the client holds (`If-None-Match`), for a 304.
    held: Option<String>,
}

impl FromRequestParts<AppState> for Asked {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let params = Params::parse(parts.uri.query()).map_err(refused)?;
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| axum::Extension(*c));
        if let Some(res) = admit(state, peer, &parts.headers).await {
            return Err(res);
        }
        Ok(Asked {
            params,
            prefs: prefs(&parts.headers),
            held: parts
                .headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        })
    }
}

/// A list: one page as JSON, or every record as NDJSON read `STREAM_BATCH` at a time.
async fn list_answer<F, Fut>(asked: Asked, read: F) -> Response
where
    F: Fn(LanguagePreference, Listing) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = netzwerk_app::Result<Value>> + Send + 'static,
{
    if !asked.params.ndjson {
        return match read(asked.prefs, asked.params.listing()).await {
            Ok(page) => ok(asked.held.as_deref(), &page),
            Err(e) => failed(e),
        };
    }
    let batch = |page| Listing {
        page,
        per_page: STREAM_BATCH,
    };
    // The first batch is read before answering, so that a database that is down is a
    // 503, not a stream cut off at its start.
    let first = match read(asked.prefs.clone(), batch(1)).await {
        Ok(page) => page,
        Err(e) => return failed(e),
    };
    /// The batch in hand, and the number of the next one (none: the end).
    struct Cursor<F> {
        ready: Option<Value>,
        next: Option<i64>,
        read: F,
        prefs: LanguagePreference,
    }
    let start = Cursor {
        ready: Some(first),
        next: Some(2),
        read,
        prefs: asked.prefs,
    };
    let stream = futures_util::stream::unfold(start, move |mut c| async move {
        let page = match c.ready.take() {
            Some(page) => page,
            None => {
                let n = c.next?;
                match (c.read)(c.prefs.clone(), batch(n)).await {
                    Ok(page) => {
                        c.next = Some(n + 1);
                        page
                    }
                    Err(e) => {
                        // The status is sent: a client sees the stream end early.
                        tracing::warn!(error = %e, "an HSDS stream was cut off");
                        c.next = None;
                        return Some((Err(std::io::Error::other(e.to_string())), c));
                    }
                }
            }
        };
        let items = page["contents"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            return None;
        }
        if page["last_page"] == true || c.next.is_some_and(|n| n > MAX_PAGE) {
            c.next = None;
        }
        let mut out = String::new();
        for item in &items {
            out.push_str(&item.to_string());
            out.push('\n');
        }
        Some((Ok(Bytes::from(out)), c))
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-ndjson"),
        )],
        Body::from_stream(stream),
    )
        .into_response()
}

/// A list that is not read from the database (the taxonomies): paged here.
fn fixed_list(asked: &Asked, all: Vec<Value>) -> Response {
    if asked.params.ndjson {
        let mut out = String::new();
        for v in &all {
            out.push_str(&v.to_string());
            out.push('\n');
        }
        return (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-ndjson"),
            )],
            out,
        )
            .into_response();
    }
    let listing = asked.params.listing();
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from((listing.page - 1) * listing.per_page).unwrap_or(usize::MAX);
    let take = usize::try_from(listing.per_page).unwrap_or(0);
    let page = all.into_iter().skip(skip).take(take).collect();
    ok(asked.held.as_deref(), &listing.wrap(total, page))
}

fn one(
    held: Option<String>,
    found: netzwerk_app::Result<Option<Value>>,
    what: &str,
    id: &str,
) -> Response {
    match found {
        Ok(Some(v)) => ok(held.as_deref(), &v),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            format!("there is no {what} with the id {id:?}"),
            None,
        ),
        Err(e) => failed(e),
    }
}

/// `GET /hsds/`: the API's version, profile and OpenAPI description.
pub async fn meta(State(state): State<AppState>, a: Asked) -> Response {
    ok(a.held.as_deref(), &hsds::api_meta(&state.hub))
}

/// `GET /hsds/openapi.json`: the OpenAPI description this API implements.
pub async fn openapi(State(state): State<AppState>, a: Asked) -> Response {
    ok(a.held.as_deref(), &hsds::openapi(&state.hub))
}

/// `GET /hsds/organizations`.
pub async fn organizations(State(state): State<AppState>, a: Asked) -> Response {
    let hub = state.hub.clone();
    let (search, full, full_service) = (
        a.params.search.clone(),
        a.params.full,
        a.params.full_service,
    );
    list_answer(a, move |prefs, listing| {
        let (hub, search) = (hub.clone(), search.clone());
        async move { hsds::organizations(&hub, prefs, search, full, full_service, listing).await }
    })
    .await
}

/// `GET /hsds/organizations/{id}`.
pub async fn organization(
    State(state): State<AppState>,
    a: Asked,
    Path(id): Path<String>,
) -> Response {
    let found = hsds::organization(&state.hub, a.prefs, &id, a.params.full_service).await;
    one(a.held.clone(), found, "organization", &id)
}

/// `GET /hsds/services`.
pub async fn services(State(state): State<AppState>, a: Asked) -> Response {
    let hub = state.hub.clone();
    let q = a.params.service_query();
    let detail = if a.params.minimal {
        Detail::Minimal
    } else if a.params.full {
        Detail::Full
    } else {
        Detail::Basic
    };
    list_answer(a, move |prefs, listing| {
        let (hub, q) = (hub.clone(), q.clone());
        async move { hsds::services(&hub, prefs, q, detail, listing).await }
    })
    .await
}

/// `GET /hsds/services/{id}`.
pub async fn service(State(state): State<AppState>, a: Asked, Path(id): Path<String>) -> Response {
    one(
        a.held.clone(),
        hsds::service(&state.hub, a.prefs, &id).await,
        "service",
        &id,
    )
}

/// `GET /hsds/service_at_locations`.
pub async fn service_at_locations(State(state): State<AppState>, a: Asked) -> Response {
    let hub = state.hub.clone();
    let q = a.params.service_query();
    let full = a.params.full;
    list_answer(a, move |prefs, listing| {
        let (hub, q) = (hub.clone(), q.clone());
        async move { hsds::service_at_locations(&hub, prefs, q, full, listing).await }
    })
    .await
}

/// `GET /hsds/service_at_locations/{id}`.
pub async fn service_at_location(
    State(state): State<AppState>,
    a: Asked,
    Path(id): Path<String>,
) -> Response {
    let found = hsds::service_at_location(&state.hub, a.prefs, &id).await;
    one(a.held.clone(), found, "service_at_location", &id)
}

/// `GET /hsds/taxonomies`.
pub async fn taxonomies(State(state): State<AppState>, a: Asked) -> Response {
    let all = hsds::taxonomies(&state.hub, a.prefs.clone(), a.params.search.as_deref());
    fixed_list(&a, all)
}

/// `GET /hsds/taxonomies/{id}`.
pub async fn taxonomy(State(state): State<AppState>, a: Asked, Path(id): Path<String>) -> Response {
    one(
        a.held.clone(),
        Ok(hsds::taxonomy(&state.hub, a.prefs, &id)),
        "taxonomy",
        &id,
    )
}

/// `GET /hsds/taxonomy_terms`.
pub async fn taxonomy_terms(State(state): State<AppState>, a: Asked) -> Response {
    let q = TaxonomyTermQuery {
        search: a.params.search.clone(),
        taxonomy_id: a.params.taxonomy_id.clone(),
        top_only: a.params.top_only,
        parent_id: a.params.parent_id.clone(),
    };
    let all = hsds::taxonomy_terms(&state.hub, a.prefs.clone(), &q);
    fixed_list(&a, all)
}

/// `GET /hsds/taxonomy_terms/{id}`.
pub async fn taxonomy_term(
    State(state): State<AppState>,
    a: Asked,
    Path(id): Path<String>,
) -> Response {
    let found = hsds::taxonomy_term(&state.hub, a.prefs, &id);
    one(a.held.clone(), Ok(found), "taxonomy_term", &id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_checked_and_bad_ones_named() {
        let p = Params::parse(Some(
            "search=beratung&page=2&per_page=10&full=true&modified_after=2026-01-01&postcode=12435&proximity=1500",
        ))
        .expect("valid");
        assert_eq!((p.page, p.per_page, p.full), (2, 10, true));
        assert_eq!(p.search.as_deref(), Some("beratung"));
        assert_eq!(p.proximity, Some(1500.0));
        assert_eq!(
            p.modified_after.map(|t| t.to_rfc3339()),
            Some("2026-01-01T00:00:00+00:00".into())
        );
        for (query, named) in [
            ("per_page=0", "per_page"),
            ("per_page=1001", "per_page"),
            ("page=-1", "page"),
            ("page=x", "page"),
            ("full=maybe", "full"),
            ("format=xml", "format"),
            ("modified_after=yesterday", "modified_after"),
            ("organization_id=acme", "organization_id"),
            ("proximity=500", "proximity"),
            ("postcode=12435&proximity=-3", "proximity"),
            ("postcode=12435&proximity=NaN", "proximity"),
            ("perpage=10", "perpage"),
            ("page=1&page=2", "page"),
            ("minimal=true&full=true", "minimal"),
            (&format!("search={}", "a".repeat(2000)), "search"),
        ] {
            let e = Params::parse(Some(query)).expect_err(query);
            assert_eq!(e.name, named, "{query}: {e:?}");
        }
        assert_eq!(
            Params::parse(None).expect("none").per_page,
            DEFAULT_PER_PAGE
        );
    }
}
