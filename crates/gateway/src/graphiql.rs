//! GraphiQL, served by the Hub itself.
//!
//! The page at `GET /graphql` (for browsers) loads GraphiQL, React and ReactDOM from
//! `/graphiql/<file>` on the Hub, never from a CDN. The files are pinned npm builds
//! committed in `crates/gateway/assets/graphiql/` (see the `README.md` there for the
//! versions, their checksums and how to update them) and embedded in the binary, so
//! building needs only cargo.
//!
//! Every script and stylesheet tag carries a Subresource Integrity hash, the page has
//! no inline script or style (GraphiQL is started by `init-1.js`, which reads the
//! endpoint from the `data-endpoint` attribute), and it can be served with
//! [`CONTENT_SECURITY_POLICY`]. The asset names carry a version, so [`asset`]'s
//! answers may be cached for good ([`ASSET_CACHE_CONTROL`]).

/// The path under which [`asset`]'s files are served: `/graphiql/<name>`.
const ASSET_PATH: &str = "/graphiql/";

/// The media type of the JavaScript files.
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// The media type of the stylesheet.
const CSS: &str = "text/css; charset=utf-8";

/// The Content-Security-Policy for the page from [`page`].
///
/// Scripts, stylesheets, requests and everything else only from the Hub itself.
/// GraphiQL adds `<style>` elements at run time (its dialogs and menus), hence
/// `'unsafe-inline'` for styles, never for scripts; its stylesheet embeds its fonts
/// and a few images as `data:` URLs. Nothing needs `'unsafe-eval'`. The page may not
/// be framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    style-src 'self' 'unsafe-inline'; \
    img-src 'self' data:; \
    font-src 'self' data:; \
    object-src 'none'; \
    base-uri 'none'; \
    form-action 'none'; \
    frame-ancestors 'none'";

/// The `Cache-Control` for [`asset`]'s answers: each name stands for one content
/// (the names carry versions), so a browser may keep a file for a year.
pub const ASSET_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// One embedded file.
struct Asset {
    /// The file name, under [`ASSET_PATH`].
    name: &'static str,
    /// The `Content-Type` to serve it with.
    content_type: &'static str,
    /// Its Subresource Integrity hash: `sha256-` and the base64 of its SHA-256.
    integrity: &'static str,
    /// Its content.
    bytes: &'static [u8],
}

/// React 18.3.1, production UMD build (`react/umd/react.production.min.js`).
static REACT: Asset = Asset {
    name: "react-18.3.1.production.min.js",
    content_type: JAVASCRIPT,
    integrity: "sha256-2Unxw2h67a3O2shSYYZfKbF80nOZfn9rK/xTsvnUxN0=",
    bytes: include_bytes!("../assets/graphiql/react-18.3.1.production.min.js"),
};

/// ReactDOM 18.3.1, production UMD build (`react-dom/umd/react-dom.production.min.js`).
static REACT_DOM: Asset = Asset {
    name: "react-dom-18.3.1.production.min.js",
    content_type: JAVASCRIPT,
    integrity: "sha256-NfT5dPSyvNRNpzljNH+JUuNB+DkJ5EmCJ9Tia5j2bw0=",
    bytes: include_bytes!("../assets/graphiql/react-dom-18.3.1.production.min.js"),
};

/// GraphiQL 4.1.2, UMD build (`graphiql/graphiql.min.js`).
static GRAPHIQL_JS: Asset = Asset {
    name: "graphiql-4.1.2.min.js",
    content_type: JAVASCRIPT,
    integrity: "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs=",
    bytes: include_bytes!("../assets/graphiql/graphiql-4.1.2.min.js"),
};

/// GraphiQL 4.1.2's stylesheet (`graphiql/graphiql.min.css`).
static GRAPHIQL_CSS: Asset = Asset {
    name: "graphiql-4.1.2.min.css",
    content_type: CSS,
    integrity: "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU=",
    bytes: include_bytes!("../assets/graphiql/graphiql-4.1.2.min.css"),
};

/// The Hub's own start-up script: renders GraphiQL against the page's
/// `data-endpoint`. Rename it (`init-2.js`, …) whenever it changes.
static INIT: Asset = Asset {
    name: "init-1.js",
    content_type: JAVASCRIPT,
    integrity: "sha256-NbJqggkEd2yMklbukYIspMjvz+0Uz0281vHhpdeOey0=",
    bytes: include_bytes!("../assets/graphiql/init-1.js"),
};

/// Every file [`asset`] serves, in the order the page loads the scripts.
static ASSETS: [&Asset; 5] = [&GRAPHIQL_CSS, &REACT, &REACT_DOM, &GRAPHIQL_JS, &INIT];

/// The GraphiQL page: GraphiQL against `endpoint` (a path on the Hub, such as
/// `/graphql`), titled `title`.
///
/// It loads only the files of [`asset`], from `/graphiql/`, each with an
/// `integrity` hash, and has no inline script or style, so it works under
/// [`CONTENT_SECURITY_POLICY`]. `endpoint` and `title` are HTML-escaped. The
/// policy allows requests to the Hub only, so `endpoint` must be on the Hub's
/// origin.
pub fn page(endpoint: &str, title: &str) -> String {
    let endpoint = netzwerk_app::html::escape(endpoint);
    let title = netzwerk_app::html::escape(title);
    let stylesheet = format!(
        r#"<link rel="stylesheet" href="{ASSET_PATH}{}" integrity="{}">"#,
        GRAPHIQL_CSS.name, GRAPHIQL_CSS.integrity
    );
    // `defer`: run in this order once the document is parsed, so that `init-1.js`
    // finds the element it renders into.
    let scripts = [&REACT, &REACT_DOM, &GRAPHIQL_JS, &INIT]
        .iter()
        .map(|script| {
            format!(
                r#"    <script src="{ASSET_PATH}{}" integrity="{}" defer></script>"#,
                script.name, script.integrity
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="referrer" content="origin">
    <title>{title}</title>
    <link rel="icon" href="data:,">
    {stylesheet}
{scripts}
  </head>
  <body>
    <div id="graphiql" data-endpoint="{endpoint}">Loading GraphiQL…</div>
  </body>
</html>
"#
    )
}

/// The embedded file called `name` (as in `/graphiql/<name>`): its `Content-Type`
/// and content. `None` for any other name; nothing is read from disk.
pub fn asset(name: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS
        .iter()
        .find(|asset| asset.name == name)
        .map(|asset| (asset.content_type, asset.bytes))
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::{Digest, Sha256};

    use super::*;

    fn hub_page() -> String {
        page("/graphql", "Netzwerk Hub")
    }

    /// The text of every tag in `html`, without its `<` and `>`.
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag))
            .collect()
    }

    /// The value of the double-quoted attribute `name` of `tag`.
    fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
        let (_, rest) = tag.split_once(&format!(" {name}=\""))?;
        rest.split_once('"').map(|(value, _)| value)
    }

    /// The scripts and stylesheets the page loads: (tag, URL).
    fn loads(html: &str) -> Vec<(&str, &str)> {
        tags(html)
            .into_iter()
            .filter_map(|tag| {
                if tag.starts_with("script") {
                    Some((tag, attr(tag, "src")?))
                } else if tag.starts_with("link") && attr(tag, "rel") == Some("stylesheet") {
                    Some((tag, attr(tag, "href")?))
                } else {
                    None
                }
            })
            .collect()
    }

    fn sri(bytes: &[u8]) -> String {
        format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
        )
    }

    #[test]
    fn the_page_has_no_external_url() {
        // Without the integrity hashes: base64 may spell anything.
        let mut page = hub_page();
        for asset in ASSETS {
            page = page.replace(asset.integrity, "");
        }
        let page = page.to_ascii_lowercase();
        for needle in ["http://", "https://", "//unpkg", "unpkg", "cdn", "jsdelivr"] {
            assert!(!page.contains(needle), "{needle} in the page:\n{page}");
        }
        for tag in tags(&page) {
            for name in ["src", "href"] {
                if let Some(url) = attr(tag, name) {
                    assert!(
                        url == "data:," || (url.starts_with(ASSET_PATH) && !url.contains("..")),
                        "<{tag}> loads {url}"
                    );
                }
            }
        }
    }

    #[test]
    fn every_asset_in_the_page_is_served() {
        let page = hub_page();
        let loads = loads(&page);
        assert_eq!(loads.len(), ASSETS.len(), "{page}");
        for (tag, url) in &loads {
            let name = url
                .strip_prefix(ASSET_PATH)
                .unwrap_or_else(|| panic!("<{tag}> loads {url}, not under {ASSET_PATH}"));
            let (content_type, bytes) =
                asset(name).unwrap_or_else(|| panic!("<{tag}>: {name} is not served"));
            assert!(!bytes.is_empty(), "{name} is empty");
            let expected = if tag.starts_with("script") {
                JAVASCRIPT
            } else {
                CSS
            };
            assert_eq!(content_type, expected, "{name}");
        }
        // And every embedded file is used by the page.
        for asset in ASSETS {
            assert!(
                loads
                    .iter()
                    .any(|(_, url)| url.strip_prefix(ASSET_PATH) == Some(asset.name)),
                "{} is embedded but not loaded",
                asset.name
            );
        }
    }

    #[test]
    fn integrity_attributes_match_the_embedded_bytes() {
        let page = hub_page();
        for (tag, url) in loads(&page) {
            let name = url.strip_prefix(ASSET_PATH).unwrap_or(url);
            let (_, bytes) = asset(name).unwrap_or_else(|| panic!("{name} is not served"));
            assert_eq!(
                attr(tag, "integrity"),
                Some(sri(bytes).as_str()),
                "<{tag}>: the file changed; put its new hash in graphiql.rs and, as the \
                 files are cached for a year, give it a new name"
            );
        }
        for asset in ASSETS {
            assert_eq!(asset.integrity, sri(asset.bytes), "{}", asset.name);
        }
    }

    #[test]
    fn the_page_has_no_inline_script_or_style() {
        let page = hub_page();
        let scripts: Vec<_> = tags(&page)
            .into_iter()
            .filter(|tag| tag.starts_with("script"))
            .collect();
        assert_eq!(scripts.len(), 4, "{page}");
        for tag in &scripts {
            assert!(attr(tag, "src").is_some(), "inline <{tag}>");
        }
        // Each script element is empty.
        assert_eq!(
            page.matches("<script ").count(),
            page.matches("></script>").count()
        );
        assert!(!page.contains("<style"), "{page}");
        assert!(!page.contains(" style="), "{page}");
        for tag in tags(&page) {
            assert!(!tag.contains(" on"), "an event handler in <{tag}>");
        }
    }

    #[test]
    fn the_endpoint_is_handed_to_the_init_script() {
        let page = hub_page();
        assert!(
            page.contains(r#"<div id="graphiql" data-endpoint="/graphql">"#),
            "{page}"
        );
        assert!(page.contains("<title>Netzwerk Hub</title>"), "{page}");
        let init = std::str::from_utf8(INIT.bytes).expect("init script is UTF-8");
        assert!(init.contains(r#"getElementById("graphiql")"#));
        assert!(init.contains(r#"getAttribute("data-endpoint")"#));
        assert!(init.contains("GraphiQL.createFetcher"));
    }

    #[test]
    fn endpoint_and_title_are_escaped() {
        let page = page(r#"/g?a="x"&b=<y>'"#, "<Hub & Co>");
        assert!(
            page.contains(r#"data-endpoint="/g?a=&quot;x&quot;&amp;b=&lt;y&gt;&#39;""#),
            "{page}"
        );
        assert!(
            page.contains("<title>&lt;Hub &amp; Co&gt;</title>"),
            "{page}"
        );
        assert!(!page.contains("<y>"), "{page}");
        assert!(!page.contains("<Hub"), "{page}");
    }

    #[test]
    fn only_known_names_are_served() {
        for name in [
            "",
            "README.md",
            "LICENSE-react.txt",
            "../Cargo.toml",
            "graphiql.min.js",
            "init.js",
            "/init-1.js",
            "INIT-1.JS",
        ] {
            assert!(asset(name).is_none(), "{name:?} is served");
        }
        for known in ASSETS {
            assert!(asset(known.name).is_some(), "{}", known.name);
        }
    }

    #[test]
    fn asset_names_carry_a_version() {
        // They are cached for a year, so a new content needs a new name.
        for asset in ASSETS {
            assert!(
                asset.name.contains(|c: char| c.is_ascii_digit()),
                "{} has no version in its name",
                asset.name
            );
            assert!(
                asset
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')),
                "{}",
                asset.name
            );
        }
    }

    #[test]
    fn the_policy_allows_no_inline_or_evaluated_script() {
        let policy = CONTENT_SECURITY_POLICY;
        assert!(
            axum::http::HeaderValue::from_str(policy).is_ok(),
            "not a header value: {policy}"
        );
        assert!(!policy.contains("unsafe-eval"), "{policy}");
        assert!(!policy.contains('*'), "{policy}");
        assert!(!policy.contains("  "), "{policy}");
        let directives: Vec<&str> = policy.split(';').map(str::trim).collect();
        for directive in &directives {
            if directive.contains("'unsafe-inline'") {
                assert!(directive.starts_with("style-src "), "{directive}");
            }
        }
        for needed in [
            "default-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "frame-ancestors 'none'",
        ] {
            assert!(directives.contains(&needed), "{needed} missing: {policy}");
        }
    }
}
