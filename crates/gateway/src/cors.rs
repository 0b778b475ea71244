//! Cross-origin requests from browsers (CORS), per key:
//!
//! - A preflight that asks to send a key (`X-Api-Key` or `Authorization`) is let
//!   through only from an origin some active key allows (a preflight carries no key,
//!   so it cannot name one); every request with a key is then checked against that
//!   key's own origins (`auth::resolve`: another origin is 401 naming it).
//! - A keyed answer names the requesting origin only (never `*`), with
//!   `Vary: Origin`; its refusal does too, so the page can read why.
//! - Anonymous public reads: the origins of `server.cors_origins` (default `*`: any,
//!   without credentials).
//!
//! No answer allows credentials (cookies): the Hub's credentials are headers.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::{AppState, PublicOrigins};

/// The request headers a page may send.
const ALLOWED_HEADERS: &str = "authorization, content-type, accept, accept-language, x-api-key";
/// How long a browser may keep a preflight's answer.
const PREFLIGHT_MAX_AGE: &str = "600";

fn wants_credentials(requested: &str) -> bool {
    requested
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .any(|h| h == "x-api-key" || h == "authorization")
}

fn carries_credentials(headers: &HeaderMap) -> bool {
    headers.contains_key("x-api-key") || headers.contains_key(header::AUTHORIZATION)
}

/// Adds `Origin` to the answer's one `Vary` header.
fn vary_on_origin(h: &mut HeaderMap) {
    let joined = match h.get(header::VARY).and_then(|v| v.to_str().ok()) {
        Some(v) if !v.is_empty() => format!("{v}, Origin"),
        _ => "Origin".to_owned(),
    };
    if let Ok(v) = HeaderValue::from_str(&joined) {
        h.insert(header::VARY, v);
    }
}

/// The middleware.
pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_owned);
    let Some(origin) = origin else {
        return next.run(request).await;
    };
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let requested = request
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default();
        let allowed = if wants_credentials(requested) {
            match netzwerk_app::api_keys::some_key_allows(&state.hub, &origin).await {
                Ok(allowed) => allowed,
                Err(e) => {
                    tracing::warn!(error = %e, "database failed while answering a preflight");
                    false
                }
            }
        } else {
            state.settings.public_origins.allows(&origin)
        };
        if !allowed {
            return (StatusCode::FORBIDDEN, [(header::VARY, "Origin")]).into_response();
        }
        let mut res = StatusCode::NO_CONTENT.into_response();
        let h = res.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE),
        );
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        return res;
    }
    let keyed = carries_credentials(request.headers());
    let mut res = next.run(request).await;
    let h = res.headers_mut();
    if keyed {
        // Answered (the key allows this origin) or refused naming why: either is
        // for this origin only.
        if let Ok(v) = HeaderValue::from_str(&origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        vary_on_origin(h);
    } else {
        match &state.settings.public_origins {
            PublicOrigins::Any => {
                h.insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
            }
            allowed @ PublicOrigins::Only(_) => {
                if allowed.allows(&origin)
                    && let Ok(v) = HeaderValue::from_str(&origin)
                {
                    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
                }
                vary_on_origin(h);
            }
        }
    }
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("etag, retry-after, x-cache"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_origins_from_the_setting() {
        assert_eq!(PublicOrigins::parse(""), Ok(PublicOrigins::Any));
        assert_eq!(PublicOrigins::parse("*"), Ok(PublicOrigins::Any));
        let only =
            PublicOrigins::parse("https://a.example, http://127.0.0.1:8000").expect("two origins");
        assert!(only.allows("https://a.example") && only.allows("http://127.0.0.1:8000"));
        assert!(!only.allows("https://b.example"));
        for bad in ["https://a.example/path", "ftp://a.example", "a.example"] {
            assert!(PublicOrigins::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn credentials_are_what_a_preflight_asks_for() {
        assert!(wants_credentials("content-type, X-Api-Key"));
        assert!(wants_credentials("authorization"));
        assert!(!wants_credentials("content-type, accept-language"));
    }
}
