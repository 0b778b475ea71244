//! Funding and news out over HTTP: Atom feeds of open opportunities (all, or an
//! organisation's matches), produced by the persisted feed query against the Hub's own
//! schema; the members' public news (`/feeds/news.xml`); and
//! the newsletter's archive (`/feeds/newsletter.xml`); and the pages behind the
//! confirmation and unsubscribe links of the digest and the newsletter (a button, so
//! link scanners change nothing; `List-Unsubscribe-Post` one-click POST works too).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::pages::{Confirmation, INCOMPLETE_LINK, confirm_form, confirm_token, page, token_of};
use crate::state::AppState;

/// Answers a funding feed: the Atom document, 404 for an unknown organisation.
async fn atom(state: &AppState, organisation: Option<&str>) -> Response {
    let api = crate::graphql::OwnApiOf {
        schema: state.schema().clone(),
        hub: state.hub().clone(),
    };
    atom_answer(
        "the funding feed",
        netzwerk_app::digest::funding_atom(&api, organisation).await,
    )
}

/// `GET /feeds/news.xml`: the members' public news, newest first.
pub async fn news(State(state): State<AppState>) -> Response {
    atom_answer("the news feed", netzwerk_app::news::atom(state.hub()).await)
}

/// `GET /feeds/newsletter.xml`: the sent newsletter issues, newest first.
pub async fn newsletter(State(state): State<AppState>) -> Response {
    atom_answer(
        "the newsletter archive",
        netzwerk_app::newsletter::archive_atom(state.hub()).await,
    )
}

/// An Atom document, or why there is none.
fn atom_answer(what: &str, made: netzwerk_app::Result<String>) -> Response {
    match made {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/atom+xml; charset=utf-8"),
            )],
            body,
        )
            .into_response(),
        Err(e @ (netzwerk_app::Error::NotFound(_) | netzwerk_app::Error::Invalid(_))) => {
            (StatusCode::NOT_FOUND, format!("{e}\n")).into_response()
        }
        Err(netzwerk_app::Error::Unavailable(_) | netzwerk_app::Error::TimedOut) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, HeaderValue::from_static("5"))],
            "the feed is not available right now; try again in a few seconds\n",
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "{what} failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the feed is not available\n",
            )
                .into_response()
        }
    }
}

/// `GET /feeds/funding.xml`: every open opportunity.
pub async fn all(State(state): State<AppState>) -> Response {
    atom(&state, None).await
}

/// `GET /feeds/funding/{slug}.xml`: an organisation's matches.
pub async fn organisation(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    match file.strip_suffix(".xml") {
        Some(slug) => atom(&state, Some(slug)).await,
        None => (StatusCode::NOT_FOUND, "no such feed\n").into_response(),
    }
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
    unsubscribe_form(raw, "/digest/unsubscribe")
}

/// `GET /newsletter/unsubscribe?token=…`
pub async fn newsletter_unsubscribe_page(RawQuery(raw): RawQuery) -> Response {
    unsubscribe_form(raw, "/newsletter/unsubscribe")
}

/// The page behind an unsubscribe link: a button that posts the token to `action`.
fn unsubscribe_form(raw: Option<String>, action: &str) -> Response {
    match token_of(&raw.unwrap_or_default()) {
        None => page(StatusCode::BAD_REQUEST, INCOMPLETE_LINK),
        Some(t) => page(
            StatusCode::OK,
            &format!(
                "<h1>Abbestellen / Unsubscribe</h1>\
                 <form method=\"post\" action=\"{action}?token={t}\">\
                 <button type=\"submit\">Abbestellen / Unsubscribe</button></form>"
            ),
        ),
    }
}

/// The token of an unsubscribe POST: in the link's query, or in the form's body.
fn posted_token(raw: Option<String>, body: &[u8]) -> Option<String> {
    token_of(&raw.unwrap_or_default()).or_else(|| token_of(&String::from_utf8_lossy(body)))
}

/// `POST /digest/unsubscribe?token=…` — the form above, and mail programs' one-click
/// unsubscribe (RFC 8058 sends `List-Unsubscribe=One-Click` as the body).
pub async fn unsubscribe(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    unsubscribe_with(
        &state,
        posted_token(raw, &body),
        Unsubscribe::Digest,
        "<h1>Abbestellt / Unsubscribed</h1><p>Ihre Adresse ist gelöscht. / Your address is deleted.</p>",
    )
    .await
}

/// `POST /newsletter/unsubscribe?token=…` — the form, and one-click unsubscribe.
pub async fn newsletter_unsubscribe(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    unsubscribe_with(
        &state,
        posted_token(raw, &body),
        Unsubscribe::Newsletter,
        "<h1>Abbestellt / Unsubscribed</h1><p>Sie erhalten den Newsletter nicht mehr. / \
         You will not receive the newsletter any more.</p>",
    )
    .await
}

/// What an unsubscribe link ends.
enum Unsubscribe {
    Digest,
    Newsletter,
}

/// Ends a subscription with a posted token and answers `done`, or why not.
async fn unsubscribe_with(
    state: &AppState,
    token: Option<String>,
    what: Unsubscribe,
    done: &str,
) -> Response {
    let Some(token) = token else {
        return page(StatusCode::BAD_REQUEST, INCOMPLETE_LINK);
    };
    let outcome = match what {
        Unsubscribe::Digest => netzwerk_app::funding::unsubscribe(state.hub(), &token).await,
        Unsubscribe::Newsletter => {
            netzwerk_app::newsletter::subscribers::unsubscribe(state.hub(), &token).await
        }
    };
    match outcome {
        Ok(_) => page(StatusCode::OK, done),
        Err(e) => {
            tracing::error!(error = %e, "unsubscribing failed");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "<p>Bitte später noch einmal. / Please try again later.</p>",
            )
        }
    }
}

/// `GET /newsletter/confirm?token=…`
pub async fn newsletter_confirm_page(RawQuery(raw): RawQuery) -> Response {
    confirm_form(
        raw,
        "/newsletter/confirm",
        "Newsletter bestätigen / Confirm the newsletter",
        "Bestätigen / Confirm",
    )
}

/// `POST /newsletter/confirm` (form field `token`).
pub async fn newsletter_confirm(State(state): State<AppState>, body: Bytes) -> Response {
    confirm_token(
        &state,
        &body,
        Confirmation::Newsletter,
        "<h1>Danke! / Thank you!</h1><p>Sie erhalten ab jetzt den Newsletter des Netzwerks. / \
         You will receive the network's newsletter from now on.</p>",
        "<p>Diese Anmeldung gibt es nicht (mehr). / This subscription does not exist (any more).</p>",
    )
    .await
}
