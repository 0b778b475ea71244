//! URLs as they may be shown: feed URLs can carry credentials (`user:password@` or an
//! access key in the query), and logs, the change log, a feed's last error and the
//! CLI's output must never repeat them.

use std::fmt;

/// Query parameters whose values are taken as secrets (compared case-insensitively,
/// as a part of the name: `api_key`, `access_token`, `X-Amz-Signature` …).
const SECRET_PARAMETERS: &[&str] = &[
    "token",
    "key",
    "secret",
    "pass",
    "pwd",
    "auth",
    "sig",
    "session",
    "credential",
];

/// `url` with its password (or a user name alone, which is often a token) and the
/// values of secret-looking query parameters replaced by `***`.
pub fn url(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (url, None),
    };
    let (base, query) = match before_fragment.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_fragment, None),
    };
    let mut out = match base.find("://") {
        Some(s) => {
            let rest = &base[s + 3..];
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let authority = &rest[..authority_end];
            match authority.rfind('@') {
                Some(at) => {
                    let userinfo = &authority[..at];
                    let shown = match userinfo.split_once(':') {
                        Some((user, _)) => format!("{user}:***"),
                        None => "***".to_owned(),
                    };
                    format!(
                        "{}{shown}{}{}",
                        &base[..s + 3],
                        &authority[at..],
                        &rest[authority_end..]
                    )
                }
                None => base.to_owned(),
            }
        }
        None => base.to_owned(),
    };
    if let Some(q) = query {
        out.push('?');
        let parts: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if is_secret(k) => format!("{k}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push_str(&parts.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_PARAMETERS.iter().any(|s| name.contains(s))
}

/// Replaces every occurrence of `url` (and of its password, if any) in `text` by the
/// redacted form: for error messages of libraries that quote the URL they were given.
pub fn in_text(text: &str, url: &str) -> String {
    let mut out = text.replace(url, &self::url(url));
    if let Some(password) = password(url).filter(|p| p.len() >= 3) {
        out = out.replace(password, "***");
    }
    out
}

/// The password of `scheme://user:password@host…`, if any.
fn password(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    userinfo.split_once(':').map(|(_, p)| p)
}

/// Shows a URL redacted: `tracing::warn!(url = %Redacted(&source.url), …)`.
#[derive(Debug, Clone, Copy)]
pub struct Redacted<'a>(pub &'a str);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&url(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_replaced() {
        for (given, shown) in [
            (
                "https://kalender.example/feed.ics",
                "https://kalender.example/feed.ics",
            ),
            (
                "https://anna:geheim@cloud.example/remote.php/dav/calendars/anna/x?export",
                "https://anna:***@cloud.example/remote.php/dav/calendars/anna/x?export",
            ),
            (
                "https://abc123@feeds.example/f.xml",
                "https://***@feeds.example/f.xml",
            ),
            (
                "https://calendar.google.example/private-x/basic.ics?authuser=0&token=s3cr3t#top",
                "https://calendar.google.example/private-x/basic.ics?authuser=***&token=***#top",
            ),
            (
                "https://x.example/rss?page=2&api_key=k&X-Amz-Signature=z",
                "https://x.example/rss?page=2&api_key=***&X-Amz-Signature=***",
            ),
            (
                "postgres://hub:pw@db.example:5432/hub?sslmode=disable",
                "postgres://hub:***@db.example:5432/hub?sslmode=disable",
            ),
            ("https://x.example/a@b", "https://x.example/a@b"),
            ("not a url", "not a url"),
        ] {
            assert_eq!(url(given), shown, "{given}");
            assert_eq!(Redacted(given).to_string(), shown);
        }
    }

    #[test]
    fn quoted_urls_and_passwords_in_messages() {
        let u = "https://anna:geheim@cloud.example/f.ics?token=abc";
        let msg = format!("error sending request for url ({u}): refused; user anna:geheim");
        let shown = in_text(&msg, u);
        assert!(
            !shown.contains("geheim") && !shown.contains("abc"),
            "{shown}"
        );
    }
}
