//! The public pages a partner's web component links to, so that a partner page never
//! dead-ends: `/events/{id}` (with `/events/{id}.ics` to add it to a calendar) and
//! `/services/{id}` (place, hours, languages, accessibility). Readable without
//! JavaScript, in the reader's language (`?lang=`, else `Accept-Language`, else
//! German; right to left for Arabic and Farsi), with a note where a text is in another
//! language. Their data comes from the persisted queries of
//! `graphql/persisted/pages.graphql`, run in-process as an anonymous reader.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use netzwerk_app::OwnApi;
use netzwerk_app::html::escape;
use serde_json::{Value, json};

use crate::graphql::OwnApiOf;
use crate::pages::form_pairs;
use crate::state::AppState;

use netzwerk_app::persisted::PAGE_QUERIES;

/// Languages the pages' own words are in.
const LANGS: [&str; 5] = ["de", "en", "ar", "fa", "tr"];

/// The pages' own words: (key, de, en, ar, fa, tr).
const WORDS: &[(&str, [&str; 5])] = &[
    ("when", ["Wann", "When", "متى", "چه زمانی", "Ne zaman"]),
    ("where", ["Wo", "Where", "أين", "کجا", "Nerede"]),
    (
        "who",
        [
            "Veranstaltet von",
            "Organised by",
            "تنظيم",
            "برگزارکننده",
            "Düzenleyen",
        ],
    ),
    (
        "languages",
        ["Sprachen", "Languages", "اللغات", "زبان‌ها", "Diller"],
    ),
    (
        "access",
        [
            "Barrierefreiheit",
            "Accessibility",
            "إمكانية الوصول",
            "دسترسی‌پذیری",
            "Erişilebilirlik",
        ],
    ),
    (
        "wheelchair",
        [
            "rollstuhlgerecht",
            "wheelchair accessible",
            "مناسب للكراسي المتحركة",
            "مناسب برای ویلچر",
            "tekerlekli sandalyeye uygun",
        ],
    ),
    (
        "no_wheelchair",
        [
            "nicht rollstuhlgerecht",
            "not wheelchair accessible",
            "غير مناسب للكراسي المتحركة",
            "نامناسب برای ویلچر",
            "tekerlekli sandalyeye uygun değil",
        ],
    ),
    (
        "calendar",
        [
            "Zum Kalender hinzufügen (.ics)",
            "Add to calendar (.ics)",
            "أضف إلى التقويم (.ics)",
            "افزودن به تقویم (.ics)",
            "Takvime ekle (.ics)",
        ],
    ),
    (
        "cancelled",
        ["Abgesagt", "Cancelled", "ملغاة", "لغو شد", "İptal edildi"],
    ),
    (
        "hours",
        [
            "Öffnungszeiten",
            "Opening hours",
            "ساعات العمل",
            "ساعات کاری",
            "Açılış saatleri",
        ],
    ),
    (
        "open_now",
        [
            "Jetzt geöffnet",
            "Open now",
            "مفتوح الآن",
            "اکنون باز است",
            "Şu an açık",
        ],
    ),
    (
        "closed_now",
        [
            "Jetzt geschlossen",
            "Closed now",
            "مغلق الآن",
            "اکنون بسته است",
            "Şu an kapalı",
        ],
    ),
    (
        "free",
        ["kostenlos", "free of charge", "مجاني", "رایگان", "ücretsiz"],
    ),
    (
        "appointment",
        [
            "Termin nötig",
            "appointment needed",
            "يلزم حجز موعد",
            "نیاز به وقت قبلی",
            "randevu gerekli",
        ],
    ),
    (
        "register",
        ["Anmeldung", "Registration", "التسجيل", "ثبت‌نام", "Kayıt"],
    ),
    (
        "online",
        ["Online", "Online", "عبر الإنترنت", "آنلاین", "Çevrimiçi"],
    ),
    ("in_language", ["auf", "in", "باللغة", "به زبان", "dil:"]),
    (
        "machine",
        [
            "maschinell übersetzt",
            "machine-translated",
            "ترجمة آلية",
            "ترجمهٔ ماشینی",
            "makine çevirisi",
        ],
    ),
    (
        "not_found",
        [
            "Nicht gefunden",
            "Not found",
            "غير موجود",
            "پیدا نشد",
            "Bulunamadı",
        ],
    ),
    (
        "who_offers",
        [
            "Angeboten von",
            "Offered by",
            "تقدمها",
            "ارائه‌دهنده",
            "Sunan",
        ],
    ),
    (
        "good_to_know",
        [
            "Gut zu wissen",
            "Good to know",
            "معلومات مفيدة",
            "خوب است بدانید",
            "Bilinmesi gerekenler",
        ],
    ),
    (
        "calendar_hours",
        [
            "Öffnungszeiten in den Kalender (.ics)",
            "Opening hours to your calendar (.ics)",
            "أضف ساعات العمل إلى التقويم (.ics)",
            "افزودن ساعات کاری به تقویم (.ics)",
            "Açılış saatlerini takvime ekle (.ics)",
        ],
    ),
    (
        "network",
        [
            "Netzwerk für Integration Treptow-Köpenick",
            "Integration network Treptow-Köpenick",
            "شبكة الاندماج تريبتوف-كوبينيك",
            "شبکهٔ ادغام ترپتو-کوپنیک",
            "Treptow-Köpenick Entegrasyon Ağı",
        ],
    ),
];

/// Languages by their own names (how a reader finds theirs in a list); other codes
/// are shown as they are.
const LANGUAGE_NAMES: &[(&str, &str)] = &[
    ("ar", "العربية"),
    ("bg", "Български"),
    ("bs", "Bosanski"),
    ("ckb", "کوردیی ناوەندی"),
    ("de", "Deutsch"),
    ("dgs", "Deutsche Gebärdensprache"),
    ("en", "English"),
    ("es", "Español"),
    ("fa", "فارسی"),
    ("fr", "Français"),
    ("hr", "Hrvatski"),
    ("it", "Italiano"),
    ("ku", "Kurdî"),
    ("pl", "Polski"),
    ("ps", "پښتو"),
    ("pt", "Português"),
    ("ro", "Română"),
    ("ru", "Русский"),
    ("so", "Soomaali"),
    ("sq", "Shqip"),
    ("sr", "Српски"),
    ("ti", "ትግርኛ"),
    ("tr", "Türkçe"),
    ("uk", "Українська"),
    ("ur", "اردو"),
    ("vi", "Tiếng Việt"),
    ("zh", "中文"),
];

/// A language's own name, marked with its language so that screen readers say it
/// right, isolated from the text around it.
fn language_name(code: &str) -> String {
    match LANGUAGE_NAMES.iter().find(|(c, _)| *c == code) {
        Some((c, name)) => format!("<bdi lang=\"{c}\">{name}</bdi>"),
        None => format!("<bdi>{}</bdi>", escape(code)),
    }
}

/// A text of the data (a name, an address, a note), isolated from the page's
/// direction: a German name keeps its punctuation in place on an Arabic page.
fn iso(text: &str) -> String {
    format!("<bdi>{}</bdi>", escape(text))
}

/// Weekday names, Monday first.
const WEEKDAYS: [[&str; 7]; 5] = [
    netzwerk_app::invitations::WEEKDAYS_DE,
    [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
    [
        "الاثنين",
        "الثلاثاء",
        "الأربعاء",
        "الخميس",
        "الجمعة",
        "السبت",
        "الأحد",
    ],
    [
        "دوشنبه",
        "سه‌شنبه",
        "چهارشنبه",
        "پنجشنبه",
        "جمعه",
        "شنبه",
        "یکشنبه",
    ],
    [
        "Pazartesi",
        "Salı",
        "Çarşamba",
        "Perşembe",
        "Cuma",
        "Cumartesi",
        "Pazar",
    ],
];

/// The page's language: `?lang=`, else the first supported of `Accept-Language`,
/// else German.
fn language(raw_query: Option<&str>, headers: &HeaderMap) -> usize {
    let asked = raw_query
        .map(form_pairs)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v);
    let from_header = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(|l| {
            l.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        });
    asked
        .into_iter()
        .chain(from_header)
        .find_map(|l| {
            let primary = l.split('-').next().unwrap_or_default().to_owned();
            LANGS.iter().position(|x| *x == primary)
        })
        .unwrap_or(0)
}

fn word(lang: usize, key: &str) -> &'static str {
    WORDS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, w)| w[lang])
}

/// A translatable text, with its `lang` and a note when it is not in the page's
/// language.
fn localized(lang: usize, text: &Value) -> String {
    let body = escape(text["text"].as_str().unwrap_or_default());
    let in_lang = text["language"].as_str().unwrap_or("de");
    let mut out = if in_lang == LANGS[lang] {
        body
    } else {
        format!(
            "<bdi lang=\"{l}\">{body}</bdi> <small class=\"note\">({} {})</small>",
            word(lang, "in_language"),
            language_name(in_lang),
            l = escape(in_lang)
        )
    };
    if text["machineTranslated"] == true {
        out.push_str(&format!(
            " <small class=\"note\">({})</small>",
            word(lang, "machine")
        ));
    }
    out
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v[key].as_str().filter(|s| !s.is_empty())
}

/// An address line of a location.
fn address(loc: &Value) -> String {
    let parts: Vec<&str> = ["name", "address", "postcode", "locality"]
        .iter()
        .filter_map(|k| str_of(loc, k))
        .collect();
    iso(&parts.join(", "))
}

fn accessibility(lang: usize, loc: &Value) -> String {
    let a = &loc["accessibility"];
    let mut out = match a["wheelchairAccessible"].as_bool() {
        Some(true) => word(lang, "wheelchair").to_owned(),
        Some(false) => word(lang, "no_wheelchair").to_owned(),
        None => String::new(),
    };
    if a["noteLocalized"].is_object() {
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(&localized(lang, &a["noteLocalized"]));
    }
    out
}

/// An external link, only when it is http(s).
fn link(url: &str) -> Option<String> {
    (url.starts_with("https://") || url.starts_with("http://")).then(|| {
        format!(
            "<a href=\"{0}\" rel=\"noopener\"><bdi>{0}</bdi></a>",
            escape(url)
        )
    })
}

fn page(lang: usize, title: &str, body: &str) -> Response {
    let dir = netzwerk_domain::language::direction(LANGS[lang]);
    let html = format!(
        r#"<!doctype html>
<html lang="{code}" dir="{dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title} – {network}</title>
<style>
:root {{ color-scheme: light dark; }}
body {{ font: 1rem/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; background: #fff; }}
@media (prefers-color-scheme: dark) {{ body {{ color: #eee; background: #161616; }} a {{ color: #9cc8ff; }} }}
a {{ color: #0b57d0; }}
a:focus-visible {{ outline: 3px solid #e8a200; outline-offset: 2px; }}
dt {{ font-weight: 600; margin-top: 1rem; }}
dd {{ margin: 0; }}
.note {{ opacity: .8; }}
.status {{ font-weight: 700; }}
</style>
</head>
<body>
<header><p><small>{network}</small></p></header>
<main>
{body}
</main>
</body>
</html>
"#,
        code = LANGS[lang],
        title = escape(title),
        network = word(lang, "network"),
    );
    let mut res = Html(html).into_response();
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    res
}

fn not_found(lang: usize) -> Response {
    let mut res = page(
        lang,
        word(lang, "not_found"),
        &format!("<h1>{}</h1>", word(lang, "not_found")),
    );
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

/// Runs one of the pages' queries; `None` for nothing found (or an id that is none).
async fn data(
    state: &AppState,
    operation: &str,
    variables: Value,
) -> Result<Option<Value>, Response> {
    let api = OwnApiOf {
        schema: state.schema.clone(),
        hub: state.hub.clone(),
    };
    match api.query(PAGE_QUERIES, operation, variables).await {
        Ok(v) => Ok(Some(v)),
        Err(netzwerk_app::Error::NotFound(_) | netzwerk_app::Error::Invalid(_)) => Ok(None),
        Err(e) => Err(failed(e, "page")),
    }
}

/// A page that could not be made: 503 while the database is away, else 500 with the
/// id of the logged cause.
fn failed(e: netzwerk_app::Error, what: &str) -> Response {
    if let netzwerk_app::Error::Unavailable(_) = e {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "5")],
            "the database is not available right now; try again in a few seconds",
        )
            .into_response();
    }
    let id = uuid::Uuid::now_v7();
    tracing::error!(error = %e, error_id = %id, "{what} failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error {id}"),
    )
        .into_response()
}

/// `GET /events/{id}` and `/events/{id}.ics`.
pub async fn event(
    State(state): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(id) = file.strip_suffix(".ics") {
        return crate::ical::single_event(&state, id, &headers).await;
    }
    let lang = language(raw.as_deref(), &headers);
    if netzwerk_domain::ids::EventId::parse(&file).is_err() {
        return not_found(lang);
    }
    let vars = json!({ "id": file, "languages": [LANGS[lang]] });
    let e = match data(&state, "EventPage", vars).await {
        Ok(Some(d)) if d["event"].is_object() => d["event"].clone(),
        Ok(_) => return not_found(lang),
        Err(res) => return res,
    };
    let title = e["titleLocalized"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut body = format!(
        "<article>\n<h1>{}</h1>\n",
        localized(lang, &e["titleLocalized"])
    );
    if e["status"] == "CANCELLED" {
        body.push_str(&format!(
            "<p class=\"status\" role=\"status\">{}</p>\n",
            word(lang, "cancelled")
        ));
    }
    body.push_str("<dl>\n");
    let start = e["localStart"].as_str().unwrap_or_default();
    let end = e["localEnd"].as_str().unwrap_or_default();
    let when = if e["allDay"] == true {
        let (s, e2) = (&start[..start.len().min(10)], &end[..end.len().min(10)]);
        if s == e2 {
            s.to_owned()
        } else {
            format!("{s} – {e2}")
        }
    } else {
        let same_day = start.get(..10) == end.get(..10);
        let end_shown = if same_day {
            end.get(11..16).unwrap_or(end)
        } else {
            end
        };
        format!(
            "{} {} – {}",
            start.get(..10).unwrap_or(start),
            start.get(11..16).unwrap_or_default(),
            end_shown.replace('T', " ")
        )
    };
    body.push_str(&format!(
        "<dt>{}</dt><dd><time datetime=\"{}\"><bdi>{}</bdi></time> <small class=\"note\">(<bdi>{}</bdi>)</small></dd>\n",
        word(lang, "when"),
        escape(e["start"].as_str().unwrap_or_default()),
        escape(&when),
        escape(e["timezone"].as_str().unwrap_or("Europe/Berlin")),
    ));
    let mut where_ = Vec::new();
    if e["location"].is_object() {
        where_.push(address(&e["location"]));
    }
    if let Some(p) = str_of(&e, "place") {
        where_.push(iso(p));
    }
    if let Some(u) = str_of(&e, "onlineUrl").and_then(link) {
        where_.push(format!("{}: {u}", word(lang, "online")));
    }
    if !where_.is_empty() {
        body.push_str(&format!(
            "<dt>{}</dt><dd><address>{}</address></dd>\n",
            word(lang, "where"),
            where_.join("<br>")
        ));
    }
    let mut access = Vec::new();
    if e["location"].is_object() {
        let a = accessibility(lang, &e["location"]);
        if !a.is_empty() {
            access.push(a);
        }
    }
    for k in ["accessibilityNote", "interpretationNote"] {
        if let Some(n) = str_of(&e, k) {
            access.push(iso(n));
        }
    }
    if !access.is_empty() {
        body.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            word(lang, "access"),
            access.join("<br>")
        ));
    }
    languages_row(lang, &e, &mut body);
    let org = &e["organisation"];
    body.push_str(&format!(
        "<dt>{}</dt><dd>{}{}</dd>\n",
        word(lang, "who"),
        iso(org["name"].as_str().unwrap_or_default()),
        str_of(org, "website")
            .and_then(link)
            .map(|l| format!(" – {l}"))
            .unwrap_or_default()
    ));
    if let Some(r) = str_of(&e, "registrationUrl").and_then(link) {
        body.push_str(&format!(
            "<dt>{}</dt><dd>{r}</dd>\n",
            word(lang, "register")
        ));
    }
    body.push_str("</dl>\n");
    if let Some(d) = str_of(&e, "description") {
        body.push_str(&format!(
            "<p dir=\"auto\">{}</p>\n",
            escape(d).replace('\n', "<br>")
        ));
    }
    body.push_str(&format!(
        "<p><a href=\"/events/{}.ics\" download>{}</a></p>\n</article>",
        escape(e["id"].as_str().unwrap_or_default()),
        word(lang, "calendar")
    ));
    page(lang, &title, &body)
}

fn languages_row(lang: usize, v: &Value, body: &mut String) {
    let names: Vec<String> = v["languages"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|x| x["code"].as_str())
                .map(language_name)
                .collect()
        })
        .unwrap_or_default();
    if !names.is_empty() {
        let comma = if netzwerk_domain::language::direction(LANGS[lang]) == "rtl" {
            "، "
        } else {
            ", "
        };
        body.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            word(lang, "languages"),
            names.join(comma)
        ));
    }
}

/// `GET /services/{id}`.
pub async fn service(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(id) = id.strip_suffix(".ics") {
        return crate::ical::service_hours(&state, id, &headers).await;
    }
    let lang = language(raw.as_deref(), &headers);
    if netzwerk_domain::ids::ServiceId::parse(&id).is_err() {
        return not_found(lang);
    }
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let vars = json!({ "id": id, "languages": [LANGS[lang]], "now": now });
    let s = match data(&state, "ServicePage", vars).await {
        Ok(Some(d)) if d["service"].is_object() => d["service"].clone(),
        Ok(_) => return not_found(lang),
        Err(res) => return res,
    };
    let title = s["nameLocalized"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut body = format!(
        "<article>\n<h1>{}</h1>\n",
        localized(lang, &s["nameLocalized"])
    );
    if s["descriptionLocalized"].is_object() {
        body.push_str(&format!(
            "<p>{}</p>\n",
            localized(lang, &s["descriptionLocalized"])
        ));
    }
    body.push_str("<dl>\n");
    let locations = s["locations"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if !locations.is_empty() {
        let places: Vec<String> = locations
            .iter()
            .map(|l| {
                let a = accessibility(lang, l);
                if a.is_empty() {
                    address(l)
                } else {
                    format!("{} <small>({a})</small>", address(l))
                }
            })
            .collect();
        body.push_str(&format!(
            "<dt>{}</dt><dd><address>{}</address></dd>\n",
            word(lang, "where"),
            places.join("<br>")
        ));
    }
    let schedule = &s["schedule"];
    if schedule.is_object() {
        let open = if schedule["isOpenAt"] == true {
            word(lang, "open_now")
        } else {
            word(lang, "closed_now")
        };
        let mut rows = String::new();
        for h in schedule["openingHours"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let day = h["weekday"]
                .as_u64()
                .and_then(|d| usize::try_from(d).ok())
                .filter(|d| (1..=7).contains(d))
                .map_or("", |d| WEEKDAYS[lang][d - 1]);
            rows.push_str(&format!(
                "<li>{day}: <bdi>{}–{}</bdi></li>",
                escape(h["opens"].as_str().unwrap_or_default()),
                escape(h["closes"].as_str().unwrap_or_default())
            ));
        }
        body.push_str(&format!(
            "<dt>{}</dt><dd><p class=\"status\">{open}</p><ul>{rows}</ul><small class=\"note\">(<bdi>{}</bdi>)</small>\
             <p><a href=\"/services/{}.ics\" download>{}</a></p></dd>\n",
            word(lang, "hours"),
            escape(schedule["timezone"].as_str().unwrap_or("Europe/Berlin")),
            escape(s["id"].as_str().unwrap_or_default()),
            word(lang, "calendar_hours"),
        ));
    }
    languages_row(lang, &s, &mut body);
    let mut terms = Vec::new();
    if s["free"] == true {
        terms.push(word(lang, "free").to_owned());
    }
    if s["appointmentRequired"] == true {
        terms.push(word(lang, "appointment").to_owned());
    }
    for k in ["eligibility", "applicationProcess"] {
        if let Some(t) = str_of(&s, k) {
            terms.push(iso(t));
        }
    }
    if !terms.is_empty() {
        body.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            word(lang, "good_to_know"),
            terms.join("<br>")
        ));
    }
    let org = &s["organisation"];
    body.push_str(&format!(
        "<dt>{}</dt><dd>{}{}</dd>\n</dl>\n</article>",
        word(lang, "who_offers"),
        iso(org["name"].as_str().unwrap_or_default()),
        str_of(org, "website")
            .and_then(link)
            .map(|l| format!(" – {l}"))
            .unwrap_or_default()
    ));
    page(lang, &title, &body)
}

/// `GET /newsletter/{id}?lang=xx`: a sent issue's web view in the reader's language
/// (a draft is not public: 404).
pub async fn newsletter(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let lang = language(raw.as_deref(), &headers);
    let Ok(id) = netzwerk_domain::ids::NewsletterIssueId::parse(&id) else {
        return not_found(lang);
    };
    let api = OwnApiOf {
        schema: state.schema.clone(),
        hub: state.hub.clone(),
    };
    let actor = netzwerk_domain::access::Actor::Anonymous;
    match netzwerk_app::newsletter::preview(&api, &state.hub, actor, id, LANGS[lang]).await {
        Ok(Some((_, rendered))) => {
            let mut res = Html(rendered.html).into_response();
            res.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            res.headers_mut()
                .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
            res
        }
        Ok(None) => not_found(lang),
        Err(e) => failed(e, "newsletter web view"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_language() {
        let mut h = HeaderMap::new();
        assert_eq!(LANGS[language(None, &h)], "de");
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("uk, ar-SY;q=0.8"),
        );
        assert_eq!(LANGS[language(None, &h)], "ar", "the first supported");
        assert_eq!(LANGS[language(Some("lang=tr"), &h)], "tr", "?lang= wins");
        assert_eq!(LANGS[language(Some("lang=xx"), &h)], "ar");
    }

    #[test]
    fn every_word_in_every_language() {
        for (key, words) in WORDS {
            assert!(words.iter().all(|w| !w.is_empty()), "{key}");
        }
    }

    #[test]
    fn texts_in_another_language_say_so() {
        let t = json!({ "text": "Beratung <b>", "language": "de", "machineTranslated": false });
        assert_eq!(localized(0, &t), "Beratung &lt;b&gt;");
        let ar = localized(2, &t);
        assert!(
            ar.contains("<bdi lang=\"de\">Beratung &lt;b&gt;</bdi>")
                && ar.contains("(باللغة <bdi lang=\"de\">Deutsch</bdi>)"),
            "{ar}"
        );
        assert_eq!(link("javascript:alert(1)"), None);
    }
}
