//! The one guarded HTTP client for everything the Hub fetches (calendar feeds now,
//! funding feeds later): time-outs, a size cap, a redirect cap, conditional GET, and
//! refusal of private, loopback and link-local addresses — checked after DNS
//! resolution and on every redirect, with the connection pinned to the checked
//! address — unless configuration allows them.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use netzwerk_domain::redact::Redacted;

use reqwest::header::{
    ETAG, HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION,
};
use reqwest::{StatusCode, Url};

/// Settings of the guarded client.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Allow private, loopback and link-local targets (tests serve feeds on loopback).
    pub allow_private_addresses: bool,
    /// Time for one request, connect to last byte.
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: usize,
    /// Most redirects followed.
    pub max_redirects: usize,
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            allow_private_addresses: false,
            timeout: Duration::from_secs(20),
            max_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// Validators of an earlier download, for a conditional GET.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    /// The ETag received.
    pub etag: Option<String>,
    /// The Last-Modified received.
    pub last_modified: Option<String>,
}

/// The outcome of a fetch.
#[derive(Debug)]
pub enum Fetched {
    /// 304: nothing changed since the validators.
    NotModified,
    /// A body, with the validators to send next time.
    Body {
        /// The bytes.
        bytes: Vec<u8>,
        /// The response's Content-Type.
        content_type: Option<String>,
        /// New validators.
        validators: Validators,
    },
}

/// Why a fetch failed; the message names the URL (credentials redacted) and the reason.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Not an http(s) URL.
    #[error("{} is not an http or https URL", Redacted(.0))]
    BadUrl(String),
    /// The target is a private, loopback or link-local address.
    #[error(
        "{} resolves to {addr}, a private, loopback or link-local address; fetching it is not allowed (fetch.allow_private_addresses)",
        Redacted(.url)
    )]
    Forbidden {
        /// The URL.
        url: String,
        /// The refused address.
        addr: IpAddr,
    },
    /// DNS failed.
    #[error("cannot resolve the host of {url}: {why}", url = Redacted(.0), why = .1)]
    Dns(String, String),
    /// Too many redirects.
    #[error("{url}: more than {n} redirects", url = Redacted(.0), n = .1)]
    Redirects(String, usize),
    /// The body is too large.
    #[error("{url}: the response is larger than {n} bytes", url = Redacted(.0), n = .1)]
    TooLarge(String, usize),
    /// An HTTP error status.
    #[error("{url}: HTTP {status}", url = Redacted(.0), status = .1)]
    Status(String, u16),
    /// Time-out, connection refused, TLS…
    #[error("{url}: {why}", url = Redacted(.0), why = .1)]
    Transport(String, String),
}

/// Whether an address may be fetched from without special permission.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT
                || (o[0] == 198 && (18..20).contains(&o[1]))) // benchmarking
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80) // link-local
        }
    }
}

/// The guarded client.
#[derive(Debug, Clone)]
pub struct Fetcher {
    settings: FetchSettings,
}

impl Fetcher {
    /// A client with these settings.
    pub fn new(settings: FetchSettings) -> Self {
        Self { settings }
    }

    async fn resolve(&self, url: &Url) -> Result<Vec<SocketAddr>, FetchError> {
        let host = url
            .host_str()
            .ok_or_else(|| FetchError::BadUrl(url.to_string()))?;
        let port = url.port_or_known_default().unwrap_or(443);
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| FetchError::Dns(url.to_string(), e.to_string()))?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(FetchError::Dns(url.to_string(), "no addresses".into()));
        }
        if !self.settings.allow_private_addresses
            && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip()))
        {
            return Err(FetchError::Forbidden {
                url: url.to_string(),
                addr: bad.ip(),
            });
        }
        Ok(addrs)
    }

    /// GETs `url`, following at most `max_redirects` redirects, each checked.
    pub async fn get(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut current = Url::parse(url).map_err(|_| FetchError::BadUrl(url.to_owned()))?;
        for _ in 0..=self.settings.max_redirects {
            if !matches!(current.scheme(), "http" | "https") {
                return Err(FetchError::BadUrl(current.to_string()));
            }
            let addrs = self.resolve(&current).await?;
            let host = current.host_str().unwrap_or_default().to_owned();
            // The connection goes to the addresses just checked, not to a second lookup.
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(self.settings.timeout)
                .connect_timeout(self.settings.timeout.min(Duration::from_secs(10)))
                .user_agent(concat!("NetzwerkHub/", env!("CARGO_PKG_VERSION")))
                .resolve_to_addrs(&host, &addrs)
                .build()
                .map_err(|e| FetchError::Transport(current.to_string(), e.to_string()))?;
            let mut headers = HeaderMap::new();
            if let Some(e) = validators
                .etag
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                headers.insert(IF_NONE_MATCH, e);
            }
            if let Some(m) = validators
                .last_modified
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
            {
                headers.insert(IF_MODIFIED_SINCE, m);
            }
            let mut res = client
                .get(current.clone())
                .headers(headers)
                .send()
                .await
                .map_err(|e| FetchError::Transport(current.to_string(), without_url(&e)))?;
            let status = res.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = res
                    .headers()
                    .get(LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .ok_or_else(|| FetchError::Status(current.to_string(), status.as_u16()))?;
                current = current
                    .join(location)
                    .map_err(|_| FetchError::BadUrl(location.to_owned()))?;
                continue;
            }
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified);
            }
            if !status.is_success() {
                return Err(FetchError::Status(current.to_string(), status.as_u16()));
            }
            if res
                .content_length()
                .is_some_and(|n| n > self.settings.max_bytes as u64)
            {
                return Err(FetchError::TooLarge(
                    current.to_string(),
                    self.settings.max_bytes,
                ));
            }
            let header = |name| {
                res.headers()
                    .get(name)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
                    .map(str::to_owned)
            };
            let validators = Validators {
                etag: header(ETAG),
                last_modified: header(LAST_MODIFIED),
            };
            let content_type = header(reqwest::header::CONTENT_TYPE);
            let mut bytes = Vec::new();
            while let Some(chunk) = res
                .chunk()
                .await
                .map_err(|e| FetchError::Transport(current.to_string(), without_url(&e)))?
            {
                if bytes.len() + chunk.len() > self.settings.max_bytes {
                    return Err(FetchError::TooLarge(
                        current.to_string(),
                        self.settings.max_bytes,
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
            return Ok(Fetched::Body {
                bytes,
                content_type,
                validators,
            });
        }
        Err(FetchError::Redirects(
            url.to_owned(),
            self.settings.max_redirects,
        ))
    }
}

fn without_url(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(u) = e.url() {
        msg = msg.replace(&format!(" for url ({u})"), "");
    }
    if e.is_timeout() {
        "timed out".into()
    } else {
        msg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["93.184.216.34", "2a00:1450::1"] {
            assert!(is_public(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[tokio::test]
    async fn refuses_loopback_unless_allowed() {
        let f = Fetcher::new(FetchSettings::default());
        let err = f
            .get("http://127.0.0.1:9/feed.ics", &Validators::default())
            .await
            .expect_err("refused");
        assert!(matches!(err, FetchError::Forbidden { .. }), "{err}");
        let err = f
            .get("http://localhost:9/feed.ics", &Validators::default())
            .await
            .expect_err("refused");
        assert!(matches!(err, FetchError::Forbidden { .. }), "{err}");
        let err = f
            .get("file:///etc/passwd", &Validators::default())
            .await
            .expect_err("refused");
        assert!(matches!(err, FetchError::BadUrl(_)), "{err}");
    }
}
