//! `/embed`: where a partner's web developer picks a component and its attributes,
//! sees it working and copies the code for the partner page. The page is a form sent
//! by GET: the server checks every choice (naming each one it cannot use), writes the
//! snippet and shows the same element as a preview, so it works without JavaScript;
//! a few lines of script only add the copy button.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use netzwerk_app::html::escape;
use netzwerk_domain::event::EventCategory;
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::organisation::{TargetGroup, Topic};
use netzwerk_domain::service::ServiceCategory;

use crate::pages::form_pairs;
use crate::state::AppState;

/// The components, with their German names.
const COMPONENTS: [(&str, &str); 3] = [
    ("events", "Veranstaltungen"),
    ("services", "Angebote"),
    ("organisations", "Organisationen"),
];

/// The languages the components speak.
const UI_LANGS: [(&str, &str); 5] = [
    ("de", "Deutsch"),
    ("en", "English"),
    ("ar", "العربية"),
    ("fa", "فارسی"),
    ("tr", "Türkçe"),
];

const LAYOUTS: [(&str, &str); 3] = [
    ("list", "Liste"),
    ("cards", "Karten"),
    ("compact", "Kompakt"),
];

/// The most entries a component shows.
const MAX_LIMIT: u32 = 100;

fn label(code: &str) -> &str {
    netzwerk_domain::labels::german(code)
}

/// The category codes of a component (topics for organisations).
fn categories(component: &str) -> Vec<&'static str> {
    match component {
        "events" => EventCategory::ALL
            .iter()
            .filter(|c| **c != EventCategory::NetworkMeeting)
            .map(|c| c.as_str())
            .collect(),
        "services" => ServiceCategory::ALL.iter().map(|c| c.as_str()).collect(),
        _ => Topic::ALL.iter().map(|c| c.as_str()).collect(),
    }
}

/// What the partner chose, checked.
#[derive(Debug, Default, PartialEq)]
struct Choice {
    component: &'static str,
    /// (attribute, value), in the order they are written.
    attributes: Vec<(&'static str, String)>,
    /// What could not be used, one message per field.
    problems: Vec<String>,
}

impl Choice {
    fn get(&self, name: &str) -> &str {
        self.attributes
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Reads the form: every field optional, every bad value named.
fn choice(raw_query: &str) -> Choice {
    let pairs = form_pairs(raw_query);
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut c = Choice {
        component: "events",
        ..Choice::default()
    };
    if let Some(v) = field("component") {
        match COMPONENTS.iter().find(|(k, _)| *k == v) {
            Some((k, _)) => c.component = k,
            None => c.problems.push(format!(
                "Komponente: {v:?} gibt es nicht; es gibt events, services und organisations"
            )),
        }
    }
    let one_of = |c: &mut Choice, name: &'static str, allowed: &[&str], v: String| {
        if allowed.contains(&v.as_str()) {
            c.attributes.push((name, v));
        } else {
            c.problems.push(format!(
                "{name}: {v:?} ist keiner der Werte {}",
                allowed.join(", ")
            ));
        }
    };
    if let Some(v) = field("api-key") {
        if v.len() <= 200 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            c.attributes.push(("api-key", v));
        } else {
            c.problems.push(
                "api-key: ein Schlüssel besteht aus Buchstaben, Ziffern und _ (nwk_…)".into(),
            );
        }
    }
    if let Some(v) = field("lang") {
        let langs: Vec<&str> = UI_LANGS.iter().map(|(k, _)| *k).collect();
        one_of(&mut c, "lang", &langs, v);
    }
    if let Some(v) = field("category") {
        let allowed = categories(c.component);
        one_of(&mut c, "category", &allowed, v);
    }
    if let Some(v) = field("target-group") {
        let groups: Vec<&str> = TargetGroup::ALL.iter().map(|g| g.as_str()).collect();
        one_of(&mut c, "target-group", &groups, v);
    }
    if let Some(v) = field("language") {
        match LanguageCode::parse(&v) {
            Ok(code) => c.attributes.push(("language", code.to_string())),
            Err(e) => c.problems.push(format!("language: {e}")),
        }
    }
    if let Some(v) = field("locality") {
        if v.chars().count() <= 100 {
            c.attributes.push(("locality", v));
        } else {
            c.problems
                .push("locality: höchstens 100 Zeichen, etwa Köpenick oder Treptow".into());
        }
    }
    if let Some(v) = field("limit") {
        match v.parse::<u32>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => c.attributes.push(("limit", n.to_string())),
            _ => c.problems.push(format!(
                "limit: {v:?} ist keine ganze Zahl von 1 bis {MAX_LIMIT}"
            )),
        }
    }
    if let Some(v) = field("layout") {
        let layouts: Vec<&str> = LAYOUTS.iter().map(|(k, _)| *k).collect();
        one_of(&mut c, "layout", &layouts, v);
    }
    c
}

/// The element with its attributes; the key left out for the preview.
fn element(c: &Choice, with_key: bool) -> String {
    let mut out = format!("<netzwerk-{}", c.component);
    for (k, v) in &c.attributes {
        if *k != "api-key" || with_key {
            out.push_str(&format!(" {k}=\"{}\"", escape(v)));
        }
    }
    out.push_str(&format!("></netzwerk-{}>", c.component));
    out
}

/// The code a partner copies: the script from the Hub's public address, then the element.
fn snippet(public_url: &str, c: &Choice) -> String {
    format!(
        "<script src=\"{}/embed/netzwerk.js\"></script>\n{}",
        escape(public_url),
        element(c, true)
    )
}

fn options(
    name: &str,
    label_text: &str,
    chosen: &str,
    values: &[(&str, &str)],
    any: bool,
) -> String {
    let mut out = format!(
        "<label for=\"{name}\">{label_text}</label>\n<select id=\"{name}\" name=\"{name}\">"
    );
    if any {
        out.push_str("<option value=\"\">– alle –</option>");
    }
    for (v, l) in values {
        let selected = if *v == chosen { " selected" } else { "" };
        out.push_str(&format!("<option value=\"{v}\"{selected}>{l}</option>"));
    }
    out.push_str("</select>\n");
    out
}

fn text_field(name: &str, label_text: &str, value: &str, extra: &str) -> String {
    format!(
        "<label for=\"{name}\">{label_text}</label>\n<input id=\"{name}\" name=\"{name}\" value=\"{}\" {extra}>\n",
        escape(value)
    )
}

/// The copy button: the clipboard where the browser allows it, else the text stays
/// selected for Ctrl+C.
const COPY_SCRIPT: &str = r#"<script>
(function () {
  var button = document.getElementById('copy');
  var code = document.getElementById('snippet');
  var status = document.getElementById('copied');
  button.hidden = false;
  button.addEventListener('click', function () {
    code.focus();
    code.select();
    var done = function () { status.textContent = 'Der Code ist kopiert.'; };
    var fallback = function () {
      status.textContent = document.execCommand && document.execCommand('copy')
        ? 'Der Code ist kopiert.' : 'Der Code ist markiert: mit Strg+C kopieren.';
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(code.value).then(done, fallback);
    } else {
      fallback();
    }
  });
})();
</script>"#;

/// `GET /embed`.
pub async fn page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let c = choice(raw.as_deref().unwrap_or_default());
    let public_url = &state.hub.settings().meetings.public_url;
    let code = snippet(public_url, &c);
    let kinds: Vec<(&str, &str)> = COMPONENTS.to_vec();
    let cats: Vec<(&str, &str)> = categories(c.component)
        .into_iter()
        .map(|k| (k, label(k)))
        .collect();
    let groups: Vec<(&str, &str)> = TargetGroup::ALL
        .iter()
        .map(|g| (g.as_str(), label(g.as_str())))
        .collect();
    let problems = if c.problems.is_empty() {
        String::new()
    } else {
        let items: String = c
            .problems
            .iter()
            .map(|p| format!("<li>{}</li>", escape(p)))
            .collect();
        format!(
            "<div role=\"alert\" class=\"problems\"><p>Nicht alles ließ sich übernehmen:</p><ul>{items}</ul></div>\n"
        )
    };
    let category_label = if c.component == "organisations" {
        "Thema (category)"
    } else {
        "Kategorie (category)"
    };
    let mut form = String::new();
    form.push_str(&options(
        "component",
        "Komponente",
        c.component,
        &kinds,
        false,
    ));
    form.push_str(&options(
        "lang",
        "Sprache der Anzeige (lang)",
        c.get("lang"),
        &UI_LANGS,
        true,
    ));
    form.push_str(&options(
        "category",
        category_label,
        c.get("category"),
        &cats,
        true,
    ));
    form.push_str(&options(
        "target-group",
        "Zielgruppe (target-group)",
        c.get("target-group"),
        &groups,
        true,
    ));
    form.push_str(&text_field(
        "language",
        "Angeboten auf (language, ISO-639-Code wie ar oder uk)",
        c.get("language"),
        "size=\"4\" maxlength=\"3\" autocomplete=\"off\"",
    ));
    form.push_str(&text_field(
        "locality",
        "Ortsteil (locality)",
        c.get("locality"),
        "maxlength=\"100\"",
    ));
    form.push_str(&text_field(
        "limit",
        "Höchstens so viele Einträge (limit)",
        c.get("limit"),
        &format!("type=\"number\" min=\"1\" max=\"{MAX_LIMIT}\" inputmode=\"numeric\""),
    ));
    form.push_str(&options(
        "layout",
        "Darstellung (layout)",
        c.get("layout"),
        &LAYOUTS,
        true,
    ));
    form.push_str(&text_field(
        "api-key",
        "API-Schlüssel Ihrer Seite (api-key, vom Netzwerk)",
        c.get("api-key"),
        "autocomplete=\"off\" spellcheck=\"false\" size=\"40\"",
    ));
    let html = format!(
        r#"<!doctype html>
<html lang="de" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Einbinden – Netzwerk Hub</title>
<style>
:root {{ color-scheme: light dark; }}
body {{ font: 1rem/1.5 system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }}
@media (prefers-color-scheme: dark) {{ body {{ color: #eee; background: #161616; }} a {{ color: #9cc8ff; }} }}
form {{ display: grid; grid-template-columns: minmax(12rem, 1fr) 2fr; gap: .5rem 1rem; align-items: center; }}
form button {{ grid-column: 2; justify-self: start; }}
label {{ font-weight: 600; }}
input, select, textarea, button {{ font: inherit; }}
textarea {{ width: 100%; box-sizing: border-box; font-family: ui-monospace, monospace; }}
:focus-visible {{ outline: 3px solid #e8a200; outline-offset: 2px; }}
.problems {{ border: 2px solid #b3261e; padding: 0 1rem; margin: 1rem 0; }}
.preview {{ border: 1px dashed #888; padding: 1rem; }}
</style>
</head>
<body>
<header><p><small>Netzwerk für Integration Treptow-Köpenick – Netzwerk Hub</small></p></header>
<main>
<h1>Termine und Angebote auf Ihrer Seite einbinden</h1>
<p>Wählen Sie aus, was Ihre Seite zeigen soll. Den Code darunter fügen Sie an der Stelle Ihrer Seite ein, an der die Einträge erscheinen sollen. Er lädt nur vom Netzwerk Hub, ohne Cookies und ohne andere Dienste.</p>
{problems}<form method="get" action="/embed" aria-label="Auswahl">
{form}<button type="submit">Vorschau und Code aktualisieren</button>
</form>
<h2 id="code-heading">Code zum Einfügen</h2>
<textarea id="snippet" aria-labelledby="code-heading" rows="5" readonly>{code}</textarea>
<p><button type="button" id="copy" hidden>Code kopieren</button> <span id="copied" role="status"></span></p>
<p><small>Den API-Schlüssel für Ihre Seite bekommen Sie von der Koordination des Netzwerks; er gilt nur für die Adresse Ihrer Seite. Gestalten lässt sich die Anzeige mit CSS-Variablen (<code>--netzwerk-accent</code>, <code>--netzwerk-font</code> …) und <code>::part()</code>.</small></p>
<h2>Vorschau</h2>
<p><small>Die Vorschau fragt ohne Schlüssel, so wie jede Seite ohne Schlüssel.</small></p>
<div class="preview">
{preview}
</div>
</main>
<script src="/embed/netzwerk.js"></script>
{COPY_SCRIPT}
</body>
</html>
"#,
        code = escape(&code),
        preview = element(&c, false),
    );
    let status = if c.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut res = (status, Html(html)).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_become_attributes_and_bad_ones_are_named() {
        let c = choice(
            "component=services&lang=ar&category=language_course&limit=3&locality=K%C3%B6penick&api-key=nwk_abc",
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(
            snippet("https://hub.example", &c),
            "<script src=\"https://hub.example/embed/netzwerk.js\"></script>\n\
             <netzwerk-services api-key=\"nwk_abc\" lang=\"ar\" category=\"language_course\" locality=\"Köpenick\" limit=\"3\"></netzwerk-services>"
        );
        assert!(
            !element(&c, false).contains("api-key"),
            "the preview asks without a key"
        );

        let bad = choice(
            "component=widgets&category=festival&limit=500&layout=grid&language=xx1&api-key=%22%3E%3Cscript%3E",
        );
        assert_eq!(bad.component, "events");
        let named: Vec<&str> = bad
            .problems
            .iter()
            .map(|p| p.split(':').next().unwrap_or_default())
            .collect();
        assert_eq!(
            named,
            [
                "Komponente",
                "api-key",
                "category",
                "language",
                "limit",
                "layout"
            ]
        );
        assert!(bad.attributes.is_empty());
        // a service category is no event category
        assert_eq!(choice("category=housing").problems.len(), 1);
    }
}
