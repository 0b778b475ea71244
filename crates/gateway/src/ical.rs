//! iCalendar feeds out: the network's events, an organisation's, a category's, each
//! filterable further with query parameters (`targetGroup`, `language`, `locality`,
//! `organisation`). Series stay series; `ETag` and `Last-Modified` allow 304 answers.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use netzwerk_app::calendars_out::{self, EventFeed, EventFilter};
use netzwerk_domain::event::EventCategory;
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::organisation::TargetGroup;

use crate::state::AppState;

fn bad_request(msg: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg,
    )
        .into_response()
}

fn not_found(msg: String) -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        msg,
    )
        .into_response()
}

fn filter_from(query: &HashMap<String, String>, mut f: EventFilter) -> Result<EventFilter, String> {
    for (k, v) in query {
        match k.as_str() {
            "targetGroup" => {
                f.target_group =
                    Some(TargetGroup::parse(v).map_err(|e| format!("targetGroup: {e}"))?)
            }
            "language" => {
                f.language = Some(LanguageCode::parse(v).map_err(|e| format!("language: {e}"))?)
            }
            "locality" => f.locality = Some(v.clone()),
            "category" => {
                f.category = Some(EventCategory::parse(v).map_err(|e| format!("category: {e}"))?)
            }
            "text" => f.text = Some(v.clone()),
            "organisation" => {}
            other => {
                return Err(format!(
                    "unknown parameter {other:?}; use targetGroup, language, locality, category, organisation or text"
                ));
            }
        }
    }
    Ok(f)
}

async fn feed(state: &AppState, headers: &HeaderMap, feed: EventFeed) -> Response {
    let version = match calendars_out::version(state.hub(), &feed).await {
        Ok(v) => v,
        Err(e) => return internal(e),
    };
    let etag = format!("\"{}\"", version.tag);
    let last_modified = version
        .last_modified
        .map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
    let not_modified = match if_none_match(headers, &etag) {
        Some(matched) => matched,
        None => match (
            headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok()),
            version.last_modified,
        ) {
            (Some(ims), Some(newest)) => chrono::DateTime::parse_from_rfc2822(ims)
                .map(|t| newest.timestamp() <= t.timestamp())
                .unwrap_or(false),
            _ => false,
        },
    };
    let mut res = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        // Streamed: the first page is awaited so that a database that is down still
        // gets its error status; a failure after it cuts the calendar short.
        let mut pages = calendars_out::events_calendar(state.hub(), feed);
        let head = match pages.recv().await {
            Some(Ok(head)) => head,
            Some(Err(e)) => return internal(e),
            None => return internal(netzwerk_app::Error::Internal("the feed stopped".into())),
        };
        // A stream that ends without the calendar's end (its writer failed or died) ends
        // with an error, so that the transfer breaks instead of looking complete.
        let rest = futures_util::stream::unfold(Some(pages), |pages| async move {
            let mut pages = pages?;
            match pages.recv().await {
                Some(Ok(page)) => {
                    let last = page.ends_with(netzwerk_calendar::TAIL);
                    Some((Ok(page), (!last).then_some(pages)))
                }
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "an iCalendar feed was cut short");
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
                None => {
                    tracing::warn!("an iCalendar feed stopped before its end");
                    Some((Err(std::io::Error::other("the feed stopped")), None))
                }
            }
        });
        let body =
            futures_util::stream::once(async move { Ok::<_, std::io::Error>(head) }).chain(rest);
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
            axum::body::Body::from_stream(body),
        )
            .into_response()
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    if let Some(lm) = last_modified.and_then(|l| HeaderValue::from_str(&l).ok()) {
        res.headers_mut().insert(header::LAST_MODIFIED, lm);
    }
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

/// `If-None-Match` against the current `etag` (`*` matches any; compared weakly, as
/// RFC 9110 asks); `None` without the header (then `If-Modified-Since` may decide).
pub(crate) fn if_none_match(headers: &HeaderMap, etag: &str) -> Option<bool> {
    let given = headers.get(header::IF_NONE_MATCH)?.to_str().ok()?;
    let etag = etag.trim_start_matches("W/");
    Some(given.split(',').any(|t| {
        let t = t.trim();
        t == "*" || t.trim_start_matches("W/") == etag
    }))
}

fn internal(e: netzwerk_app::Error) -> Response {
    let id = uuid::Uuid::now_v7();
    tracing::error!(error = %e, error_id = %id, "feed failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error {id}"),
    )
        .into_response()
}

fn strip_ics(raw: &str) -> Option<&str> {
    raw.strip_suffix(".ics")
}

async fn org_feed(state: &AppState, slug: &str) -> Result<Option<EventFeed>, Response> {
    calendars_out::organisation_feed(state.hub(), slug)
        .await
        .map_err(internal)
}

/// `GET /events/{id}.ics`: one event, to add it to a calendar.
pub(crate) async fn single_event(state: &AppState, id: &str, headers: &HeaderMap) -> Response {
    match calendars_out::event_feed(state.hub(), id).await {
        Ok(Some(one)) => feed(state, headers, one).await,
        Ok(None) => not_found(format!("no event has the id {id:?}")),
        Err(e) => internal(e),
    }
}

/// `GET /ical/network.ics`
pub async fn network(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let slug = q.get("organisation").map(String::as_str);
    let network = match calendars_out::network_feed(state.hub(), slug).await {
        Ok(Some(f)) => f,
        Ok(None) => {
            let slug = slug.unwrap_or_default();
            return not_found(format!("no organisation has the slug {slug:?}"));
        }
        Err(e) => return internal(e),
    };
    match filter_from(&q, network.filter) {
        Ok(filter) => feed(&state, &headers, EventFeed { filter, ..network }).await,
        Err(msg) => bad_request(msg),
    }
}

/// `GET /ical/organisations/{slug}.ics`
pub async fn organisation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(slug) = strip_ics(&file) else {
        return not_found("feeds end in .ics".into());
    };
    match org_feed(&state, slug).await {
        Ok(Some(of_org)) => match filter_from(&q, of_org.filter) {
            Ok(filter) => feed(&state, &headers, EventFeed { filter, ..of_org }).await,
            Err(msg) => bad_request(msg),
        },
        Ok(None) => not_found(format!("no organisation has the slug {slug:?}")),
        Err(r) => r,
    }
}

/// `GET /ical/categories/{category}.ics`
pub async fn category(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(code) = strip_ics(&file) else {
        return not_found("feeds end in .ics".into());
    };
    let Ok(category) = EventCategory::parse(code) else {
        return not_found(format!(
            "no category {code:?}; use one of {}",
            EventCategory::ALL
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    if q.contains_key("category") {
        return bad_request(format!(
            "category: this feed is the {} category's; use /ical/network.ics?category=… for another",
            category.as_str()
        ));
    }
    let of_category = EventFeed::category(category);
    match filter_from(&q, of_category.filter) {
        Ok(filter) => {
            let feed_of = EventFeed {
                filter,
                ..of_category
            };
            feed(&state, &headers, feed_of).await
        }
        Err(msg) => bad_request(msg),
    }
}

/// The meetings as calendar entries: title with host, place, the agenda (marked
/// preliminary until final) as description; UID and SEQUENCE stay stable for updates.
async fn meeting_feed(
    state: &AppState,
    headers: &HeaderMap,
    only: Option<netzwerk_domain::ids::MeetingId>,
) -> Response {
    let (body, version) = match calendars_out::meetings_calendar(state.hub(), only).await {
        Ok(b) => b,
        Err(netzwerk_app::Error::NotFound(what)) => return not_found(format!("{what} not found")),
        Err(e) => return internal(e),
    };
    calendar_answer(headers, body, &version)
}

/// A calendar written whole, with its version as `ETag` (304 when the client has it).
fn calendar_answer(headers: &HeaderMap, body: String, version: &str) -> Response {
    let etag = format!("\"{version}\"");
    if if_none_match(headers, &etag) == Some(true) {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return res;
    }
    let mut res = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// `GET /services/{id}.ics`: an offer's opening hours, to add them to a calendar.
pub(crate) async fn service_hours(state: &AppState, id: &str, headers: &HeaderMap) -> Response {
    match calendars_out::service_hours(state.hub(), id).await {
        Ok(Some(body)) => {
            let version = netzwerk_app::persisted::sha256(&body);
            let mut res = calendar_answer(headers, body, &version[..32]);
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            res
        }
        Ok(None) => not_found(format!("no offer has the id {id:?}")),
        Err(e) => internal(e),
    }
}

/// `GET /ical/meetings.ics`
pub async fn meetings_feed(State(state): State<AppState>, headers: HeaderMap) -> Response {
    meeting_feed(&state, &headers, None).await
}

/// `GET /ical/meetings/{id}.ics`
pub async fn meeting(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    let Some(id) = strip_ics(&file).and_then(|i| netzwerk_domain::ids::MeetingId::parse(i).ok())
    else {
        return not_found("no such meeting feed".into());
    };
    meeting_feed(&state, &headers, Some(id)).await
}
