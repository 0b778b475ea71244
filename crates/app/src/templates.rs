//! The templates every e-mail of the Hub is written with (minijinja): files in
//! `crates/app/templates/`, compiled into the binary, loaded once. `.html` and `.xml`
//! templates escape what they insert; `.txt` templates do not.

use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

use crate::error::{Error, Result};

/// Every template, by file name.
const TEMPLATES: [(&str, &str); 19] = [
    (
        "newsletter.html",
        include_str!("../templates/newsletter.html"),
    ),
    (
        "newsletter.txt",
        include_str!("../templates/newsletter.txt"),
    ),
    (
        "newsletter-confirm.subject.txt",
        include_str!("../templates/newsletter-confirm.subject.txt"),
    ),
    (
        "newsletter-confirm.txt",
        include_str!("../templates/newsletter-confirm.txt"),
    ),
    (
        "newsletter-archive.atom.xml",
        include_str!("../templates/newsletter-archive.atom.xml"),
    ),
    (
        "meeting.subject.txt",
        include_str!("../templates/meeting.subject.txt"),
    ),
    ("meeting.txt", include_str!("../templates/meeting.txt")),
    (
        "guest-confirmation.subject.txt",
        include_str!("../templates/guest-confirmation.subject.txt"),
    ),
    (
        "guest-confirmation.txt",
        include_str!("../templates/guest-confirmation.txt"),
    ),
    (
        "guest-declined.subject.txt",
        include_str!("../templates/guest-declined.subject.txt"),
    ),
    (
        "guest-declined.txt",
        include_str!("../templates/guest-declined.txt"),
    ),
    (
        "digest-confirmation.subject.txt",
        include_str!("../templates/digest-confirmation.subject.txt"),
    ),
    (
        "digest-confirmation.txt",
        include_str!("../templates/digest-confirmation.txt"),
    ),
    (
        "mail-test.subject.txt",
        include_str!("../templates/mail-test.subject.txt"),
    ),
    ("mail-test.txt", include_str!("../templates/mail-test.txt")),
    (
        "mail-test.html",
        include_str!("../templates/mail-test.html"),
    ),
    (
        "digest.subject.txt",
        include_str!("../templates/digest.subject.txt"),
    ),
    ("digest.txt", include_str!("../templates/digest.txt")),
    ("digest.html", include_str!("../templates/digest.html")),
];

fn environment() -> Result<&'static Environment<'static>> {
    static ENV: OnceLock<std::result::Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // A text ends as its file does (with its last line break).
        env.set_keep_trailing_newline(true);
        // HTML and XML get the Hub's own escaping (& < > " '), so that links stay as
        // written (minijinja's default also writes `/` as `&#x2f;`).
        env.set_formatter(|out, state, value| {
            if state.auto_escape() == minijinja::AutoEscape::Html
                && !value.is_safe()
                && !value.is_undefined()
                && !value.is_none()
            {
                out.write_str(&crate::html::escape(&value.to_string()))?;
                Ok(())
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("template {name}: {e}"))?;
        }
        Ok(env)
    })
    .as_ref()
    .map_err(|e| Error::Internal(e.clone()))
}

/// Renders the template `name` with `context`; a template that does not fit its
/// context is the Hub's own fault.
pub fn render(name: &str, context: impl Serialize) -> Result<String> {
    environment()?
        .get_template(name)
        .and_then(|t| t.render(context))
        .map_err(|e| Error::Internal(format!("rendering {name}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_renders_and_text_is_not_escaped() {
        // Every template renders without data but its words' table.
        for (name, _) in TEMPLATES {
            render(name, serde_json::json!({ "words": {} })).expect(name);
        }
        let html = render(
            "digest.html",
            serde_json::json!({"words": {}, "unsubscribe_url": "https://h/u?a=1&b='2'"}),
        )
        .expect("html");
        assert!(
            html.contains("href=\"https://h/u?a=1&amp;b=&#39;2&#39;\""),
            "{html}"
        );
        let text = render(
            "newsletter-confirm.txt",
            serde_json::json!({"lang": "de", "name": "A & B <x>", "link": "https://h/x?a=1&b=2", "organiser": "N"}),
        )
        .expect("render");
        assert!(text.contains("Guten Tag A & B <x>,"), "{text}");
        assert!(text.contains("https://h/x?a=1&b=2"), "{text}");
    }
}
