//! The small HTML pages behind links in e-mails (a guest's or a subscriber's
//! confirmation, unsubscribing): a button that POSTs the link's token, so link scanners
//! confirm nothing in the reader's place.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::state::AppState;

/// A small HTML page (confirmation and unsubscribe links). It may not be framed by
/// another site (clickjacking of its button).
pub(crate) fn page(status: StatusCode, body: &str) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
        ],
        Html(format!(
            "<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width\">\
             <meta name=\"referrer\" content=\"no-referrer\">\
             <title>Netzwerk Hub</title></head><body>{body}</body></html>"
        )),
    )
        .into_response()
}

/// The `token` of a query string or form body, if it looks like one.
pub(crate) fn token_of(raw: &str) -> Option<String> {
    form_pairs(raw)
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .filter(|t| {
            !t.is_empty()
                && t.len() <= 200
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        })
}

/// The page for a link without its token.
pub(crate) const INCOMPLETE_LINK: &str =
    "<p>Dieser Link ist unvollständig. / This link is incomplete.</p>";

/// The page behind an e-mail's confirmation link: a button that POSTs the token to
/// `action`, so link scanners in mail systems, which only follow links, confirm
/// nothing in the reader's place.
pub(crate) fn confirm_form(
    raw_query: Option<String>,
    action: &str,
    heading: &str,
    button: &str,
) -> Response {
    match token_of(&raw_query.unwrap_or_default()) {
        None => page(StatusCode::BAD_REQUEST, INCOMPLETE_LINK),
        Some(token) => page(
            StatusCode::OK,
            &format!(
                "<h1>{heading}</h1><form method=\"post\" action=\"{action}\">\
                 <input type=\"hidden\" name=\"token\" value=\"{token}\">\
                 <button type=\"submit\">{button}</button></form>"
            ),
        ),
    }
}

/// What an e-mail's confirmation link confirms.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Confirmation {
    /// A guest's address (`app::guests::confirm`).
    Guest,
    /// A digest subscription (`app::funding::confirm`).
    Digest,
    /// A newsletter subscription (`app::newsletter::subscribers::confirm`).
    Newsletter,
}

/// The POST behind [`confirm_form`]: confirms with the token and shows `done`,
/// `missing` (unknown token) or a retry page.
pub(crate) async fn confirm_token(
    state: &AppState,
    body: &[u8],
    what: Confirmation,
    done: &str,
    missing: &str,
) -> Response {
    let Some(token) = token_of(&String::from_utf8_lossy(body)) else {
        return page(StatusCode::BAD_REQUEST, INCOMPLETE_LINK);
    };
    let confirmed = match what {
        Confirmation::Guest => netzwerk_app::guests::confirm(state.hub(), &token)
            .await
            .map(|_| ()),
        Confirmation::Digest => netzwerk_app::funding::confirm(state.hub(), &token)
            .await
            .map(|_| ()),
        Confirmation::Newsletter => {
            netzwerk_app::newsletter::subscribers::confirm(state.hub(), &token)
                .await
                .map(|_| ())
        }
    };
    match confirmed {
        Ok(()) => page(StatusCode::OK, done),
        Err(netzwerk_app::Error::NotFound(_)) => page(StatusCode::NOT_FOUND, missing),
        Err(e) => {
            tracing::error!(error = %e, "confirming by e-mail link failed");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "<p>Bitte versuchen Sie es später noch einmal. / Please try again later.</p>",
            )
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs (`+` is a space).
pub(crate) fn form_pairs(raw: &str) -> Vec<(String, String)> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}
