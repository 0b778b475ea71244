//! Funding out over HTTP: Atom feeds of open opportunities (all, or an organisation's
//! matches), produced by the persisted feed query against the Hub's own schema; and
//! the pages behind the digest's confirmation and unsubscribe links (a button, so
//! link scanners change nothing; `List-Unsubscribe-Post` one-click POST works too).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use netzwerk_funding_news::render::write_atom;
use serde_json::json;

use crate::pages::{Confirmation, INCOMPLETE_LINK, confirm_form, confirm_token, page, token_of};
use crate::state::AppState;
use netzwerk_app::digest::{items, run_query};

async fn atom(
    state: &AppState,
    organisation: Option<String>,
    title: &str,
    self_path: &str,
) -> Response {
    let api = crate::graphql::OwnApiOf {
        schema: state.schema().clone(),
        hub: state.hub().clone(),
    };
    let data = match run_query(&api, "FundingFeed", json!({ "organisation": organisation })).await {
        Ok(d) => d,
        Err(e) if e.contains("not found") => {
            return (StatusCode::NOT_FOUND, format!("{e}\n")).into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "the funding feed query failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the feed is not available\n",
            )
                .into_response();
        }
    };
    let list = match items(&data, "fundingOpportunities") {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "the funding feed did not fit its template");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the feed is not available\n",
            )
                .into_response();
        }
    };
    let body = write_atom(
        &format!("urn:netzwerk-hub:{}", self_path.trim_start_matches('/')),
        title,
        self_path,
        &list,
    );
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    res
}

/// `GET /feeds/funding.xml`: every open opportunity.
pub async fn all(State(state): State<AppState>) -> Response {
    atom(
        &state,
        None,
        "Fördermittel – Netzwerk Hub",
        "/feeds/funding.xml",
    )
    .await
}

/// `GET /feeds/funding/{slug}.xml`: an organisation's matches.
pub async fn organisation(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(slug) = file.strip_suffix(".xml") else {
        return (StatusCode::NOT_FOUND, "no such feed\n").into_response();
    };
    if netzwerk_domain::slug::Slug::parse(slug).is_err() {
        return (StatusCode::NOT_FOUND, "no such feed\n").into_response();
    }
    atom(
        &state,
        Some(slug.to_owned()),
        &format!("Fördermittel für {slug} – Netzwerk Hub"),
        &format!("/feeds/funding/{slug}.xml"),
    )
    .await
}

/// `GET /digest/confirm?token=…`
pub async fn confirm_page(RawQuery(raw): RawQuery) -> Response {
    confirm_form(
        raw,
        "/digest/confirm",
        "Abonnement bestätigen / Confirm subscription",
        "Bestätigen / Confirm",
    )
}

/// `POST /digest/confirm` (form field `token`).
pub async fn confirm(State(state): State<AppState>, body: Bytes) -> Response {
    confirm_token(
        &state,
        &body,
        Confirmation::Digest,
        "<h1>Danke! / Thank you!</h1><p>Sie erhalten die Übersicht ab jetzt wöchentlich. / \
         You will receive the digest every week.</p>",
        "<p>Dieses Abonnement gibt es nicht (mehr). / This subscription does not exist (any more).</p>",
    )
    .await
}

/// `GET /digest/unsubscribe?token=…`
pub async fn unsubscribe_page(RawQuery(raw): RawQuery) -> Response {
    match token_of(&raw.unwrap_or_default()) {
        None => page(StatusCode::BAD_REQUEST, INCOMPLETE_LINK),
        Some(t) => page(
            StatusCode::OK,
            &format!(
                "<h1>Abbestellen / Unsubscribe</h1>\
                 <form method=\"post\" action=\"/digest/unsubscribe?token={t}\">\
                 <button type=\"submit\">Abbestellen / Unsubscribe</button></form>"
            ),
        ),
    }
}

/// `POST /digest/unsubscribe?token=…` — the form above, and mail programs' one-click
/// unsubscribe (RFC 8058 sends `List-Unsubscribe=One-Click` as the body).
pub async fn unsubscribe(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    let token =
        token_of(&raw.unwrap_or_default()).or_else(|| token_of(&String::from_utf8_lossy(&body)));
    let Some(token) = token else {
        return page(StatusCode::BAD_REQUEST, INCOMPLETE_LINK);
    };
    match netzwerk_app::funding::unsubscribe(state.hub(), &token).await {
        Ok(_) => page(
            StatusCode::OK,
            "<h1>Abbestellt / Unsubscribed</h1><p>Ihre Adresse ist gelöscht. / Your address is deleted.</p>",
        ),
        Err(e) => {
            tracing::error!(error = %e, "unsubscribing failed");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "<p>Bitte später noch einmal. / Please try again later.</p>",
            )
        }
    }
}
