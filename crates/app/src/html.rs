//! HTML helpers shared by the pages (GraphiQL) and the e-mails' HTML parts, and the
//! one way Markdown written by members becomes HTML.

/// `text` safe in HTML text and in a double- or single-quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A plain e-mail's HTML part: its text as paragraphs (blank lines between them, line
/// breaks kept), escaped, in `language` (right to left for Arabic and Farsi).
pub fn mail_page(language: &str, paragraphs: &str) -> String {
    let dir = netzwerk_domain::language::direction(language);
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"{}\" dir=\"{dir}\"><head><meta charset=\"utf-8\"></head><body>",
        escape(language)
    );
    for p in paragraphs.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str("<p>");
        out.push_str(&escape(p.trim_end()).replace('\n', "<br>\n"));
        out.push_str("</p>\n");
    }
    out.push_str("</body></html>\n");
    out
}

/// Markdown (CommonMark with tables and strikethrough) as HTML that is safe to show
/// on any page and in e-mails: rendered, then cleaned by ammonia — raw HTML the text
/// carried is removed with scripts and styles, event handlers, images (a remote
/// picture in a newsletter tells its sender who opened it) and links other than
/// absolute `http(s)` and `mailto`; links open nothing of the page (`rel="noopener
/// noreferrer nofollow"`).
pub fn markdown(text: &str) -> String {
    use pulldown_cmark::{Event, Options, Parser};
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    // Raw HTML is not the writer's to give: it is dropped before rendering, and
    // ammonia cleans whatever Markdown itself produced.
    let events = Parser::new_ext(text, options)
        .filter(|e| !matches!(e, Event::Html(_) | Event::InlineHtml(_)));
    let mut html = String::with_capacity(text.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .rm_tags(["img"])
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_keeps_its_formatting_and_loses_raw_html() {
        let html = markdown(
            "## Neue Gruppe\n\nAb **Januar** trifft sich die [Gruppe](https://kiez.example/gruppe).\n\n- Montags\n- *17 Uhr*\n",
        );
        assert!(html.contains("<h2>Neue Gruppe</h2>"), "{html}");
        assert!(html.contains("<strong>Januar</strong>"), "{html}");
        assert!(html.contains("<li><em>17 Uhr</em></li>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://kiez.example/gruppe" rel="noopener noreferrer nofollow">Gruppe</a>"#),
            "{html}"
        );
        for hostile in [
            "<script>alert(1)</script>",
            "Text <img src=x onerror=alert(1)> mehr",
            "[klick](javascript:alert(1))",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<a href=\"https://x.example\" onclick=\"alert(1)\">x</a>",
            "<style>body{display:none}</style>",
            "![bild](data:text/html;base64,PHNjcmlwdD4=)",
            "![pixel](https://tracker.example/p.gif)",
            "[relativ](/graphql?query=x) und [ohne Schema](//evil.example/x)",
        ] {
            let html = markdown(hostile);
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "<iframe",
                "onclick",
                "<style",
                "data:",
                "<img",
                "href=\"/",
                "tracker.example",
            ] {
                assert!(!html.contains(bad), "{hostile:?} gave {html:?}");
            }
        }
        assert_eq!(markdown("a < b & c"), "<p>a &lt; b &amp; c</p>\n");
    }
}
