//! `HttpUrl`: an absolute `http`/`https` URL that parsed, for feeds the Hub follows.
//! Its `Display` is redacted (credentials and secret-looking query values as `***`),
//! so a URL printed in a log, an error or the command line's output never repeats a
//! secret; `as_str` gives the URL itself for fetching and storing.

use std::fmt;

use crate::ValidationError;

/// An absolute `http(s)` URL without spaces, at most 2,000 characters.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct HttpUrl(String);

impl HttpUrl {
    /// Parses `raw` (trimmed); the error names what is wrong.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        crate::error::url(raw).map(Self)
    }

    /// The URL itself, credentials included: for fetching and storing only.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host name, without a leading `www.` (never the credentials before it).
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = if host.starts_with('[') {
            host.split_inclusive(']').next().unwrap_or(host)
        } else {
            host.split(':').next().unwrap_or(host)
        };
        host.trim_start_matches("www.")
    }

    /// The URL itself.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::redact::url(&self.0))
    }
}

impl fmt::Debug for HttpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HttpUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_http_and_https_only() {
        assert!(HttpUrl::parse(" https://kalender.example/feed.ics ").is_ok());
        assert!(HttpUrl::parse("http://127.0.0.1:8080/x").is_ok());
        for bad in [
            "ftp://x.example/",
            "https://",
            "https:///path",
            "kalender.example",
            "https://a b.example/",
        ] {
            assert!(HttpUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_and_debug_never_show_secrets() {
        let u = HttpUrl::parse("https://anna:geheim@cal.example/f.ics?token=abc123&view=week")
            .expect("valid");
        for shown in [u.to_string(), format!("{u:?}")] {
            assert!(
                !shown.contains("geheim") && !shown.contains("abc123"),
                "{shown}"
            );
            assert!(shown.contains("view=week"), "{shown}");
        }
        assert_eq!(
            u.as_str(),
            "https://anna:geheim@cal.example/f.ics?token=abc123&view=week"
        );
    }

    #[test]
    fn host_leaves_out_credentials_port_and_www() {
        for (raw, host) in [
            ("https://www.foerder.example/rss", "foerder.example"),
            ("https://user:pw@feeds.example:8443/a?b=c", "feeds.example"),
            ("http://[::1]:8080/feed", "[::1]"),
        ] {
            assert_eq!(HttpUrl::parse(raw).expect("valid").host(), host);
        }
    }
}
