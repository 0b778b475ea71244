//! Feeds in: RSS 2.0, Atom 1.0 and JSON Feed 1.1 through `feed-rs` (which resolves
//! only XML's predefined entities, so entity-expansion bombs expand nothing, and
//! decodes declared non-UTF-8 encodings). Items become [`RawItem`]s; an item without
//! a title or link is reported as an issue and left out, the rest are still taken.

use chrono::{DateTime, NaiveDate, Utc};

/// One item of a feed, before normalising.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawItem {
    /// The feed's id for the item (GUID, Atom id, JSON id), stable across polls.
    pub guid: String,
    /// Title.
    pub title: String,
    /// Link to the call.
    pub link: String,
    /// Summary or content as plain text.
    pub text: String,
    /// Published.
    pub published: Option<DateTime<Utc>>,
    /// Last updated.
    pub updated: Option<DateTime<Utc>>,
    /// Categories or tags.
    pub categories: Vec<String>,
    /// A deadline given as such (an iCalendar entry's date), not extracted from text.
    pub deadline: Option<NaiveDate>,
    /// All rounds of a recurring deadline entry, when there are several.
    pub deadlines: Vec<NaiveDate>,
}

/// A parsed feed.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    /// `rss`, `atom` or `json`.
    pub format: &'static str,
    /// The feed's title.
    pub title: Option<String>,
    /// Items that can be used.
    pub items: Vec<RawItem>,
    /// Why items were left out, one line each.
    pub issues: Vec<String>,
}

/// Why a body is not a feed at all.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FeedError {
    /// An HTML page, an image …
    #[error("not a feed: the server sent {0}")]
    WrongContentType(String),
    /// Malformed XML or JSON, or an unknown root element.
    #[error("not a readable RSS, Atom or JSON feed: {0}")]
    Malformed(String),
}

/// Whether a content type can hold a feed (`None`: not sent, so try).
fn feed_content_type(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return true;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.contains("xml")
        || essence.contains("json")
        || essence.contains("rss")
        || essence.contains("atom")
        || essence == "text/plain"
        || essence == "application/octet-stream"
        || essence.is_empty()
}

/// Parses a feed body. `content_type` is the server's `Content-Type`, if any.
pub fn parse_feed(body: &[u8], content_type: Option<&str>) -> Result<ParsedFeed, FeedError> {
    if !feed_content_type(content_type) {
        return Err(FeedError::WrongContentType(
            content_type.unwrap_or_default().to_owned(),
        ));
    }
    let feed = feed_rs::parser::parse(body).map_err(|e| FeedError::Malformed(e.to_string()))?;
    let format = match feed.feed_type {
        feed_rs::model::FeedType::Atom => "atom",
        feed_rs::model::FeedType::JSON => "json",
        _ => "rss",
    };
    let mut items = Vec::new();
    let mut issues = Vec::new();
    for (i, e) in feed.entries.into_iter().enumerate() {
        let title = e.title.as_ref().map(text_of).unwrap_or_default();
        let link = e
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(e.links.first())
            .map(|l| clean(l.href.trim()))
            .filter(|l| l.starts_with("http://") || l.starts_with("https://"));
        let (Some(link), false) = (link, title.is_empty()) else {
            issues.push(format!(
                "item {} ({}): {}",
                i + 1,
                if title.is_empty() { "no title" } else { &title },
                if title.is_empty() {
                    "no title"
                } else {
                    "no http(s) link"
                }
            ));
            continue;
        };
        let text = e
            .summary
            .as_ref()
            .map(text_of)
            .filter(|s| !s.is_empty())
            .or_else(|| {
                e.content.as_ref().and_then(|c| {
                    let body = c.body.as_deref()?;
                    Some(if c.content_type.essence().to_string().contains("html") {
                        plain_text(body)
                    } else {
                        clean(body).split_whitespace().collect::<Vec<_>>().join(" ")
                    })
                })
            })
            .unwrap_or_default();
        if e.published.is_none() && e.updated.is_none() {
            issues.push(format!("item {} ({title}): no date; taken", i + 1));
        }
        items.push(RawItem {
            guid: if e.id.trim().is_empty() {
                link.clone()
            } else {
                clean(e.id.trim())
            },
            title,
            link,
            text,
            published: e.published,
            updated: e.updated,
            categories: e
                .categories
                .iter()
                .map(|c| clean(c.label.as_deref().unwrap_or(&c.term)))
                .collect(),
            deadline: None,
            deadlines: Vec::new(),
        });
    }
    Ok(ParsedFeed {
        format,
        title: feed.title.as_ref().map(text_of),
        items,
        issues,
    })
}

/// Text without control characters (PostgreSQL refuses NUL; XML forbids most of
/// the others); line breaks and tabs stay.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

fn text_of(t: &feed_rs::model::Text) -> String {
    if t.content_type.essence().to_string().contains("html") {
        plain_text(&t.content)
    } else {
        // Plain text keeps its "<" and ">" ("Förderung > 500 €").
        let lines: Vec<String> = clean(&t.content)
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        lines.join("\n")
    }
}

/// HTML (or plain text) as plain text: tags dropped, block ends as line breaks, the
/// common entities resolved, runs of spaces collapsed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].to_ascii_lowercase();
        let name = tag.trim_start_matches('/');
        if ["p", "br", "li", "div", "h1", "h2", "h3", "h4", "tr"]
            .iter()
            .any(|b| name == *b || name.starts_with(&format!("{b} ")) || name == format!("{b}/"))
        {
            out.push('\n');
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    let decoded = clean(&decode_entities(&out));
    let mut lines: Vec<String> = decoded
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    lines.retain(|l| !l.is_empty());
    lines.join("\n")
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some(' '),
                "ndash" => Some('–'),
                "mdash" => Some('—'),
                "euro" => Some('€'),
                "auml" => Some('ä'),
                "ouml" => Some('ö'),
                "uuml" => Some('ü'),
                "Auml" => Some('Ä'),
                "Ouml" => Some('Ö'),
                "Uuml" => Some('Ü'),
                "szlig" => Some('ß'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                // Control characters (NUL above all) are not text: dropped.
                if !c.is_control() || c == '\n' || c == '\t' {
                    out.push(c);
                }
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_atom_and_json() {
        let rss = br#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Stiftung</title>
<item><title>Kiezfonds 2027</title><link>https://stiftung.example/kiezfonds</link><guid>k-2027</guid>
<description>&lt;p&gt;Frist: 31.01.2027 &amp;amp; mehr&lt;/p&gt;</description><pubDate>Mon, 02 Nov 2026 10:00:00 +0100</pubDate></item>
<item><title>Ohne Link</title></item></channel></rss>"#;
        let f = parse_feed(rss, Some("application/rss+xml; charset=utf-8")).expect("rss");
        assert_eq!(f.format, "rss");
        assert_eq!(f.items.len(), 1);
        assert_eq!(f.items[0].guid, "k-2027");
        assert_eq!(f.items[0].text, "Frist: 31.01.2027 & mehr");
        assert_eq!(f.issues.len(), 1, "{:?}", f.issues);

        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>EU</title><id>urn:x</id><updated>2026-11-01T00:00:00Z</updated>
<entry><id>urn:e1</id><title>Call</title><link href="https://eu.example/call"/><updated>2026-11-01T00:00:00Z</updated><summary>Deadline: January 31, 2027</summary></entry></feed>"#;
        let f = parse_feed(atom, Some("application/atom+xml")).expect("atom");
        assert_eq!(
            (f.format, f.items[0].link.as_str()),
            ("atom", "https://eu.example/call")
        );

        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"Bezirk","items":[{"id":"1","url":"https://bezirk.example/1","title":"Aufruf","content_text":"Bis zu 5.000 Euro","date_published":"2026-11-20T09:00:00+01:00"}]}"#;
        let f = parse_feed(json, Some("application/feed+json")).expect("json");
        assert_eq!(f.format, "json");
        assert_eq!(f.items[0].text, "Bis zu 5.000 Euro");
        assert!(f.items[0].published.is_some());
    }

    #[test]
    fn bad_bodies_are_refused_with_a_reason() {
        assert!(matches!(
            parse_feed(b"<html><body>Hi</body></html>", Some("text/html")),
            Err(FeedError::WrongContentType(_))
        ));
        assert!(matches!(
            parse_feed(b"<rss><channel><item>", None),
            Err(FeedError::Malformed(_)) | Ok(_)
        ));
        assert!(parse_feed(b"\xff\xfe\x00garbage", None).is_err());
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title><link>https://x.example/</link></item></channel></rss>"#;
        // Either refused or parsed without expanding: never a billion laughs.
        if let Ok(f) = parse_feed(bomb, None) {
            assert!(f.items.iter().all(|i| i.title.len() < 100));
        }
    }

    #[test]
    fn latin1_is_decoded() {
        let mut body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>T</title><item><title>F\xf6rderung f\xfcr Vereine</title><link>https://x.example/a</link></item></channel></rss>".to_vec();
        body.shrink_to_fit();
        let f = parse_feed(&body, Some("text/xml")).expect("latin-1");
        assert_eq!(f.items[0].title, "Förderung für Vereine");
    }

    #[test]
    fn control_characters_never_reach_storage() {
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[{"id":"a\u0000","url":"https://x.example/a","title":"Kiezfonds\u0000\u0008","content_text":"Teilnehmende < 27 Jahre, F\u00f6rderung > 500 \u20ac &#0;"}]}"#;
        let f = parse_feed(json, None).expect("json");
        let i = &f.items[0];
        assert_eq!(i.title, "Kiezfonds");
        assert_eq!(i.guid, "a");
        assert_eq!(
            i.text, "Teilnehmende < 27 Jahre, Förderung > 500 € &#0;",
            "plain text stays as written"
        );
        assert_eq!(plain_text("<p>a&#0;b&#8;c\u{0}</p>"), "abc");
    }

    #[test]
    fn html_to_text() {
        assert_eq!(
            plain_text("<p>Eins &amp; zwei</p><ul><li>drei&nbsp;&#8211; vier</li></ul>"),
            "Eins & zwei\ndrei – vier"
        );
    }
}
