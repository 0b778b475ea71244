//! The templates every e-mail of the Hub is written with (minijinja): files in
//! `crates/app/templates/`, compiled into the binary, loaded once. `.html` and `.xml`
//! templates escape what they insert; `.txt` templates do not.

use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

use crate::error::{Error, Result};

/// Every template, by file name.
const TEMPLATES: [(&str, &str); 5] = [
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
];

fn environment() -> Result<&'static Environment<'static>> {
    static ENV: OnceLock<std::result::Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
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
    fn every_template_compiles_and_text_is_not_escaped() {
        for (name, _) in TEMPLATES {
            environment()
                .expect("environment")
                .get_template(name)
                .expect(name);
        }
        let text = render(
            "newsletter-confirm.txt",
            serde_json::json!({"lang": "de", "name": "A & B <x>", "link": "https://h/x?a=1&b=2", "organiser": "N"}),
        )
        .expect("render");
        assert!(text.contains("Guten Tag A & B <x>,"), "{text}");
        assert!(text.contains("https://h/x?a=1&b=2"), "{text}");
    }
}
