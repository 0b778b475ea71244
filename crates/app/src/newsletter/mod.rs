//! The network's newsletter: issues the coordinator drafts for a period, composed from
//! the Hub's own data by the persisted queries of `graphql/persisted/newsletter/`
//! (run in-process through [`OwnApi`]: the Hub eats its own API) — the next network
//! meeting, the period's events, new members, new and changed offers, member news and
//! funding deadlines of the next 30 days; a section with nothing in it is left out.
//! Each reader gets it in their language, falling back to the original with a note,
//! right to left for Arabic and Farsi; rendered from the templates in `templates/`
//! (minijinja: HTML escaped, text not). Drafts are the coordinator's; an issue
//! becomes public when it is sent.

use chrono::{Duration, NaiveDate};
use netzwerk_domain::access::Actor;
use netzwerk_domain::ids::NewsletterIssueId;
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::newsletter::{IssueInput, IssueStatus};
use netzwerk_storage::newsletters;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use netzwerk_storage::newsletters::IssueRecord;

use crate::error::{Error, Result};
use crate::html::markdown;
use crate::{Hub, OwnApi};

pub mod sending;
pub mod subscribers;

/// The sections' queries, as checked in.
pub const NEWSLETTER_QUERIES: &str =
    include_str!("../../../../graphql/persisted/newsletter/sections.graphql");

/// Languages the newsletter's own words are in (a reader's other language gets German
/// words, and the texts in their language where there are translations).
pub const LANGUAGES: [&str; 5] = ["de", "en", "ar", "fa", "tr"];

/// Drafts a new issue for a period (the coordinator).
pub async fn draft(hub: &Hub, actor: Actor, input: IssueInput) -> Result<IssueRecord> {
    actor.may_administer()?;
    let issue = input.validate()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(newsletters::insert(c, &actor.label(), &issue)?)
    })
    .await
}

/// Changes a draft (the coordinator); a sent issue stays as it was sent.
pub async fn update(
    hub: &Hub,
    actor: Actor,
    id: NewsletterIssueId,
    patch: impl FnOnce(IssueInput) -> IssueInput + Send + 'static,
) -> Result<IssueRecord> {
    actor.may_administer()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        let current = draft_of(c, id)?;
        let issue = patch(IssueInput::of(&current.value)).validate()?;
        Ok(newsletters::update(c, &actor.label(), id, &issue)?)
    })
    .await
}

/// An issue that is still a draft; a sent one stays as it was sent.
fn draft_of(c: &mut netzwerk_storage::AnyConnection, id: NewsletterIssueId) -> Result<IssueRecord> {
    let current = newsletters::get(c, id)?;
    match current.value.status {
        IssueStatus::Draft => {}
        IssueStatus::Scheduled => {
            return Err(Error::Conflict(format!(
                "newsletter issue {id} is scheduled to be sent; take it back to a draft first (unscheduleNewsletter)"
            )));
        }
        IssueStatus::Sent => {
            return Err(Error::Conflict(format!(
                "newsletter issue {id} is sent already; it stays as it was sent"
            )));
        }
    }
    Ok(current)
}

/// Sets the editorial of a draft in one language (the coordinator): readers of that
/// language get it instead of the original.
pub async fn set_editorial(
    hub: &Hub,
    actor: Actor,
    id: NewsletterIssueId,
    language: &str,
    text: &str,
) -> Result<IssueRecord> {
    actor.may_administer()?;
    let language = LanguageCode::parse(language).map_err(|e| e.within("language"))?;
    let text = netzwerk_domain::error::required_text(text, netzwerk_domain::organisation::TEXT_MAX)
        .map_err(|e| e.within("text"))?;
    hub.transact(move |c| {
        actor.may_administer()?;
        let current = draft_of(c, id)?;
        if current.value.editorial.is_none() {
            return Err(Error::Conflict(format!(
                "newsletter issue {id} has no editorial to translate; write it first (updateNewsletter)"
            )));
        }
        newsletters::set_editorial(c, id, &language, &text)?;
        Ok(current)
    })
    .await
}

/// Removes the editorial of a draft in one language (the coordinator); `false` when
/// there was none.
pub async fn remove_editorial(
    hub: &Hub,
    actor: Actor,
    id: NewsletterIssueId,
    language: &str,
) -> Result<bool> {
    actor.may_administer()?;
    let language = LanguageCode::parse(language).map_err(|e| e.within("language"))?;
    hub.transact(move |c| {
        actor.may_administer()?;
        draft_of(c, id)?;
        Ok(newsletters::remove_editorial(c, id, &language)?)
    })
    .await
}

/// The editorial's translations of an issue the actor may read: (language, text).
pub async fn editorials(
    hub: &Hub,
    actor: Actor,
    id: NewsletterIssueId,
) -> Result<Vec<(String, String)>> {
    if get(hub, actor, id).await?.is_none() {
        return Ok(Vec::new());
    }
    hub.read(move |c| Ok(newsletters::editorials(c, id)?)).await
}

/// Deletes a draft (the coordinator).
pub async fn delete(hub: &Hub, actor: Actor, id: NewsletterIssueId) -> Result<IssueRecord> {
    actor.may_administer()?;
    hub.transact(move |c| {
        actor.may_administer()?;
        let current = draft_of(c, id)?;
        newsletters::delete(c, &actor.label(), id)?;
        Ok(current)
    })
    .await
}

/// One issue, if the actor may read it: a sent one anyone, a draft the coordinator.
pub async fn get(hub: &Hub, actor: Actor, id: NewsletterIssueId) -> Result<Option<IssueRecord>> {
    let found = match hub.read(move |c| Ok(newsletters::get(c, id)?)).await {
        Ok(rec) => rec,
        Err(Error::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(
        (found.value.status == IssueStatus::Sent || actor.may_administer().is_ok())
            .then_some(found),
    )
}

/// The archive as an Atom feed (`/feeds/newsletter.xml`): the latest sent issues,
/// each with its German subject and a link to its web view.
pub async fn archive_atom(hub: &Hub) -> Result<String> {
    let (issues, subjects) = hub
        .read(|c| {
            let issues = newsletters::list(c, Some(IssueStatus::Sent), 20)?;
            let ids: Vec<NewsletterIssueId> = issues.iter().map(|i| i.id).collect();
            let subjects = newsletters::subjects(c, &ids, "de")?;
            Ok((issues, subjects))
        })
        .await?;
    let stamp =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let title = words(0).title;
    let entries: Vec<Value> = issues
        .iter()
        .map(|i| {
            let id = i.id.to_string();
            let subject = subjects
                .iter()
                .find(|(issue, _)| *issue == id)
                .map_or_else(|| title.clone(), |(_, s)| s.clone());
            json!({
                "id": id,
                "subject": subject,
                "sent": stamp(i.sent_at.unwrap_or(i.updated_at)),
                "period": format!("{} – {}", i.value.period_from.format("%d.%m.%Y"), i.value.period_to.format("%d.%m.%Y")),
            })
        })
        .collect();
    let updated = issues
        .iter()
        .filter_map(|i| i.sent_at)
        .max()
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    crate::templates::render(
        "newsletter-archive.atom.xml",
        json!({
            "title": title,
            "base": hub.settings().meetings.public_url,
            "updated": stamp(updated),
            "entries": entries,
        }),
    )
}

/// Issues, newest first: the sent ones (the archive), and for the coordinator the
/// drafts too.
pub async fn list(hub: &Hub, actor: Actor, limit: i64) -> Result<Vec<IssueRecord>> {
    let status = actor.may_administer().is_err().then_some(IssueStatus::Sent);
    hub.read(move |c| Ok(newsletters::list(c, status, limit)?))
        .await
}

pub use netzwerk_domain::newsletter::SectionKind;

/// A section's kind as its code (`new_members`) in a composition.
mod section_code {
    use netzwerk_domain::newsletter::SectionKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &SectionKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SectionKind, D::Error> {
        let code = String::deserialize(d)?;
        SectionKind::parse(&code).map_err(serde::de::Error::custom)
    }
}

/// One entry of a section.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Words before the title, in the reader's language ("Network meeting at").
    pub prefix: Option<String>,
    /// Its title, in `language`.
    pub title: String,
    /// The language the title and text are in.
    pub language: String,
    /// `rtl` when that language is Arabic or Farsi, else `ltr`.
    pub dir: String,
    /// When (local, readable), if it has a time.
    pub when: Option<String>,
    /// Who or where, one line.
    pub meta: Option<String>,
    /// More text, plain.
    pub text: Option<String>,
    /// More text as HTML (member news: Markdown rendered and cleaned).
    pub html: Option<String>,
    /// A list under `list_label` (a meeting's agenda), each in the network's language.
    pub list: Vec<String>,
    /// The list's label, in the reader's language.
    pub list_label: Option<String>,
    /// Where to read more.
    pub url: Option<String>,
}

/// One section of an issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// What it shows.
    #[serde(with = "section_code")]
    pub kind: SectionKind,
    /// Its heading, in the reader's language.
    pub heading: String,
    /// Its entries, never none.
    pub entries: Vec<Entry>,
    /// Some entry is not in the reader's language (the note says so).
    pub untranslated: bool,
}

/// An issue composed for one reader's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Composition {
    /// The issue.
    pub id: String,
    /// The reader's language (one of [`LANGUAGES`]).
    pub language: String,
    /// `rtl` for Arabic and Farsi, else `ltr`.
    pub dir: String,
    /// The period, readable.
    pub period: String,
    /// The editorial as HTML, in the reader's language where it is translated.
    pub editorial_html: Option<String>,
    /// The editorial as text.
    pub editorial_text: Option<String>,
    /// The language the editorial is in.
    #[serde(default)]
    pub editorial_language: String,
    /// `rtl` when that language is Arabic or Farsi, else `ltr`.
    #[serde(default)]
    pub editorial_dir: String,
    /// The editorial is not in the reader's language (the note says so).
    #[serde(default)]
    pub editorial_untranslated: bool,
    /// The sections with something in them, in their fixed order.
    pub sections: Vec<Section>,
    /// The web view.
    pub web_url: String,
    /// The reader's unsubscribe link (in e-mails only).
    #[serde(default)]
    pub unsubscribe_url: Option<String>,
    /// The subject line.
    pub subject: String,
    /// The newsletter's own words, in the reader's language.
    pub words: Words,
}

/// The newsletter's own words in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Words {
    /// The title of the newsletter.
    pub title: String,
    /// "Not everything here is translated …"
    pub untranslated: String,
    /// "This introduction is not translated …"
    pub untranslated_editorial: String,
    /// "Read more"
    pub more: String,
    /// "Guests are welcome …"
    pub guests: String,
    /// "In your browser"
    pub web_view: String,
    /// "wheelchair accessible"
    pub wheelchair: String,
    /// "Agenda"
    pub agenda: String,
    /// "Deadline"
    pub deadline: String,
    /// "cancelled"
    pub cancelled: String,
    /// "Network meeting at" (the host follows)
    pub meeting_at: String,
    /// "Unsubscribe"
    pub unsubscribe: String,
}

/// (de, en, ar, fa, tr)
type Five = [&'static str; 5];

const HEADINGS: [(SectionKind, Five); 6] = [
    (
        SectionKind::Meeting,
        [
            "Nächstes Netzwerktreffen",
            "Next network meeting",
            "اجتماع الشبكة القادم",
            "جلسهٔ بعدی شبکه",
            "Bir sonraki ağ toplantısı",
        ],
    ),
    (
        SectionKind::Events,
        [
            "Veranstaltungen",
            "Events",
            "الفعاليات",
            "رویدادها",
            "Etkinlikler",
        ],
    ),
    (
        SectionKind::NewMembers,
        [
            "Neue Mitglieder",
            "New members",
            "أعضاء جدد",
            "اعضای جدید",
            "Yeni üyeler",
        ],
    ),
    (
        SectionKind::Services,
        [
            "Neue und geänderte Angebote",
            "New and changed offers",
            "عروض جديدة ومعدلة",
            "خدمات جدید و تغییرکرده",
            "Yeni ve değişen hizmetler",
        ],
    ),
    (
        SectionKind::News,
        [
            "Neuigkeiten aus dem Netzwerk",
            "News from the network",
            "أخبار من الشبكة",
            "خبرهایی از شبکه",
            "Ağdan haberler",
        ],
    ),
    (
        SectionKind::Funding,
        [
            "Förderfristen in den nächsten 30 Tagen",
            "Funding deadlines in the next 30 days",
            "مواعيد التمويل خلال الثلاثين يومًا القادمة",
            "مهلت‌های حمایت مالی در ۳۰ روز آینده",
            "Önümüzdeki 30 gündeki hibe son tarihleri",
        ],
    ),
];

fn words(lang: usize) -> Words {
    let pick = |w: Five| w[lang].to_owned();
    Words {
        title: pick([
            "Newsletter des Netzwerks für Integration Treptow-Köpenick",
            "Newsletter of the integration network Treptow-Köpenick",
            "النشرة الإخبارية لشبكة الاندماج تريبتوف-كوبينيك",
            "خبرنامهٔ شبکهٔ ادغام ترپتو-کوپنیک",
            "Treptow-Köpenick Entegrasyon Ağı bülteni",
        ]),
        untranslated: pick([
            "Nicht alles in diesem Abschnitt ist übersetzt; es steht in der Sprache, in der es geschrieben wurde.",
            "Not everything in this section is translated; it is shown in the language it was written in.",
            "ليس كل ما في هذا القسم مترجمًا؛ يظهر باللغة التي كُتب بها.",
            "همهٔ مطالب این بخش ترجمه نشده است؛ به زبانی که نوشته شده نمایش داده می‌شود.",
            "Bu bölümdeki her şey çevrilmedi; yazıldığı dilde gösteriliyor.",
        ]),
        untranslated_editorial: pick([
            "Dieses Vorwort ist nicht übersetzt; es steht in der Sprache, in der es geschrieben wurde.",
            "This introduction is not translated; it is shown in the language it was written in.",
            "هذه المقدمة غير مترجمة؛ تظهر باللغة التي كُتبت بها.",
            "این مقدمه ترجمه نشده است؛ به زبانی که نوشته شده نمایش داده می‌شود.",
            "Bu giriş çevrilmedi; yazıldığı dilde gösteriliyor.",
        ]),
        more: pick([
            "Mehr lesen",
            "Read more",
            "اقرأ المزيد",
            "بیشتر بخوانید",
            "Devamını oku",
        ]),
        guests: pick([
            "Gäste sind willkommen: Melden Sie sich bei der Koordination an.",
            "Guests are welcome: please register with the coordination office.",
            "الضيوف مرحب بهم: يرجى التسجيل لدى مكتب التنسيق.",
            "مهمانان خوش آمدند: لطفاً نزد دفتر هماهنگی ثبت‌نام کنید.",
            "Misafirler hoş gelir: Lütfen koordinasyon ofisine kaydolun.",
        ]),
        web_view: pick([
            "Im Browser lesen",
            "Read in your browser",
            "اقرأ في المتصفح",
            "در مرورگر بخوانید",
            "Tarayıcıda oku",
        ]),
        wheelchair: pick([
            "rollstuhlgerecht",
            "wheelchair accessible",
            "مناسب للكراسي المتحركة",
            "مناسب برای ویلچر",
            "tekerlekli sandalyeye uygun",
        ]),
        agenda: pick([
            "Tagesordnung",
            "Agenda",
            "جدول الأعمال",
            "دستور جلسه",
            "Gündem",
        ]),
        deadline: pick(["Frist", "Deadline", "الموعد النهائي", "مهلت", "Son tarih"]),
        cancelled: pick(["abgesagt", "cancelled", "ملغاة", "لغو شد", "iptal edildi"]),
        meeting_at: pick([
            "Netzwerktreffen bei",
            "Network meeting at",
            "اجتماع الشبكة لدى",
            "جلسهٔ شبکه در",
            "Ağ toplantısı, ev sahibi:",
        ]),
        unsubscribe: pick([
            "Newsletter abbestellen",
            "Unsubscribe from the newsletter",
            "إلغاء الاشتراك في النشرة",
            "لغو اشتراک خبرنامه",
            "Bülten aboneliğini iptal et",
        ]),
    }
}

/// The index of a language among [`LANGUAGES`]; German for any other.
fn lang_index(language: &str) -> usize {
    let primary = language
        .split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    LANGUAGES.iter().position(|l| *l == primary).unwrap_or(0)
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v[key].as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A `YYYY-MM-DD` of an answer.
fn date_of(v: &Value) -> Option<NaiveDate> {
    v.as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// The writing direction of a language, as a composition carries it.
fn direction(language: &str) -> String {
    netzwerk_domain::language::direction(language).to_owned()
}

/// The one of [`LANGUAGES`] whose words a reader of `language` gets (German for any
/// other).
fn words_language(language: &str) -> &'static str {
    LANGUAGES[lang_index(language)]
}

/// `2027-01-14T18:00:00` as `14.01.2027 18:00` (a local time as it stands).
fn local(raw: &str, all_day: bool) -> String {
    let date = raw.get(..10).unwrap_or(raw);
    let shown = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|d| d.format("%d.%m.%Y").to_string())
        .unwrap_or_else(|_| date.to_owned());
    match raw.get(11..16) {
        Some(t) if !all_day => format!("{shown} {t}"),
        _ => shown,
    }
}

/// Composes an issue in `language` from the Hub's own data.
pub async fn compose(
    api: &dyn OwnApi,
    hub: &Hub,
    issue: &IssueRecord,
    language: &str,
) -> Result<Composition> {
    let lang = lang_index(language);
    let code = LANGUAGES[lang];
    let i = &issue.value;
    let today = crate::days::today();
    // New is what came after the previous sent issue's period (drafts do not count),
    // else the two months before this one.
    let since = {
        let before = i.period_from;
        let earlier = hub
            .read(move |c| Ok(newsletters::previous_sent_end(c, before)?))
            .await?;
        earlier
            .map_or(before - Duration::days(60), |end| end + Duration::days(1))
            .min(before)
    };
    let berlin = |d: NaiveDate| {
        netzwerk_domain::location::Timezone::berlin()
            .instant(d.and_time(chrono::NaiveTime::MIN))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let deadline_from = today.max(i.period_from);
    let vars = json!({
        "meetingsFrom": i.period_from.to_string(),
        "meetingsTo": (i.period_to + Duration::days(60)).to_string(),
        "from": berlin(i.period_from),
        "to": berlin(i.period_to + Duration::days(1)),
        "since": berlin(since),
        "membersFrom": since.to_string(),
        "membersTo": i.period_to.to_string(),
        "newsSince": since.to_string(),
        "deadlineBefore": (deadline_from + Duration::days(30)).to_string(),
        "languages": [language],
    });
    let data = api
        .query(NEWSLETTER_QUERIES, "NewsletterSections", vars)
        .await?;
    let base = hub.settings().meetings.public_url.clone();
    let w = words(lang);
    let mut sections = Vec::new();
    let mut add = |kind: SectionKind, mut entries: Vec<Entry>| {
        if entries.is_empty() {
            return;
        }
        for e in &mut entries {
            e.dir = direction(&e.language);
        }
        let heading = HEADINGS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or("", |(_, h)| h[lang])
            .to_owned();
        let untranslated = entries.iter().any(|e| e.language != code);
        sections.push(Section {
            kind,
            heading,
            entries,
            untranslated,
        });
    };

    // The next meeting: the first not cancelled from the period's start on.
    let meeting = data["meetings"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["status"] != "CANCELLED"))
        .map(|m| {
            let loc = &m["location"];
            let town = [str_of(loc, "postcode"), str_of(loc, "locality")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let place: Vec<String> = [str_of(loc, "name"), str_of(loc, "address")]
                .into_iter()
                .flatten()
                .chain((!town.is_empty()).then_some(town))
                .collect();
            let mut meta = place.join(", ");
            if loc["accessibility"]["wheelchairAccessible"] == true {
                meta.push_str(&format!(" ({})", w.wheelchair));
            }
            let agenda: Vec<String> = m["agenda"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|x| x["status"] == "ACCEPTED")
                        .filter_map(|x| str_of(x, "title"))
                        .collect()
                })
                .unwrap_or_default();
            let host = str_of(&m["host"], "name");
            Entry {
                prefix: host.is_some().then(|| w.meeting_at.to_owned()),
                title: host.unwrap_or_else(|| HEADINGS[0].1[lang].to_owned()),
                language: code.to_owned(),
                when: str_of(m, "localStart").map(|t| local(&t, false)),
                meta: (!meta.is_empty()).then_some(meta),
                text: Some(w.guests.to_owned()),
                list_label: (!agenda.is_empty()).then(|| w.agenda.to_owned()),
                list: agenda,
                url: str_of(m, "id").map(|id| format!("{base}/ical/meetings/{id}.ics")),
                ..Entry::default()
            }
        });
    add(SectionKind::Meeting, meeting.into_iter().collect());

    let nodes = |v: &Value| v["nodes"].as_array().cloned().unwrap_or_default();
    let events = nodes(&data["eventOccurrences"])
        .iter()
        .map(|o| {
            let cancelled = o["status"] == "CANCELLED";
            let mut when = str_of(o, "localStart")
                .map(|t| local(&t, o["allDay"] == true))
                .unwrap_or_default();
            if cancelled {
                when.push_str(&format!(" – {}", w.cancelled));
            }
            Entry {
                title: str_of(o, "title").unwrap_or_default(),
                // Occurrence titles are served in the reader's language where
                // translated; the API does not say which it was.
                language: code.to_owned(),
                when: Some(when),
                meta: str_of(&o["event"]["organisation"], "name"),
                url: str_of(&o["event"], "id").map(|id| format!("{base}/events/{id}")),
                ..Entry::default()
            }
        })
        .collect();
    add(SectionKind::Events, events);

    let members = nodes(&data["newMembers"])
        .iter()
        .map(|o| Entry {
            title: str_of(o, "name").unwrap_or_default(),
            language: str_of(&o["descriptionLocalized"], "language")
                .unwrap_or_else(|| code.to_owned()),
            text: str_of(&o["descriptionLocalized"], "text"),
            url: str_of(o, "website"),
            ..Entry::default()
        })
        .collect();
    add(SectionKind::NewMembers, members);

    let until = berlin(i.period_to + Duration::days(1));
    let services = nodes(&data["services"])
        .iter()
        .filter(|s| s["updatedAt"].as_str().is_some_and(|t| t < until.as_str()))
        .map(|s| Entry {
            title: str_of(&s["nameLocalized"], "text").unwrap_or_default(),
            language: str_of(&s["nameLocalized"], "language").unwrap_or_else(|| code.to_owned()),
            meta: str_of(&s["organisation"], "name"),
            url: str_of(s, "id").map(|id| format!("{base}/services/{id}")),
            ..Entry::default()
        })
        .collect();
    add(SectionKind::Services, services);

    let news = nodes(&data["news"])
        .iter()
        .filter(|n| date_of(&n["publishOn"]).is_some_and(|d| d <= i.period_to))
        .map(|n| {
            let body = str_of(&n["bodyLocalized"], "text").unwrap_or_default();
            Entry {
                title: str_of(&n["titleLocalized"], "text").unwrap_or_default(),
                language: str_of(&n["titleLocalized"], "language")
                    .unwrap_or_else(|| code.to_owned()),
                when: str_of(n, "publishOn").map(|d| local(&d, true)),
                meta: str_of(&n["organisation"], "name"),
                html: Some(markdown(&body)),
                text: Some(body),
                url: str_of(n, "link"),
                ..Entry::default()
            }
        })
        .collect();
    add(SectionKind::News, news);

    let funding = nodes(&data["fundingOpportunities"])
        .iter()
        .map(|f| Entry {
            title: str_of(f, "title").unwrap_or_default(),
            language: "de".into(),
            when: str_of(f, "deadline").map(|d| format!("{}: {}", w.deadline, local(&d, true))),
            meta: str_of(f, "funder"),
            url: str_of(f, "url"),
            ..Entry::default()
        })
        .collect();
    add(SectionKind::Funding, funding);

    // The editorial in the reader's language where the coordinator translated it, else
    // as written (with the note).
    let id = issue.id;
    let translations = hub
        .read(move |c| Ok(newsletters::editorials(c, id)?))
        .await?;
    let primary = |l: &str| l.split('-').next().unwrap_or_default().to_ascii_lowercase();
    let translated = translations
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case(language))
        .or_else(|| {
            translations
                .iter()
                .find(|(l, _)| primary(l) == primary(language))
        });
    let (editorial, editorial_language) = match (translated, &i.editorial) {
        (Some((l, t)), Some(_)) => (Some(t.clone()), l.clone()),
        _ => (i.editorial.clone(), i.content_language.to_string()),
    };
    let editorial_untranslated =
        editorial.is_some() && primary(&editorial_language) != primary(language);
    let period = format!(
        "{} – {}",
        i.period_from.format("%d.%m.%Y"),
        i.period_to.format("%d.%m.%Y")
    );
    Ok(Composition {
        id: issue.id.to_string(),
        language: code.to_owned(),
        dir: direction(code),
        subject: format!("{} · {period}", w.title),
        period,
        editorial_html: editorial.as_deref().map(markdown),
        editorial_text: editorial,
        editorial_dir: direction(&editorial_language),
        editorial_language,
        editorial_untranslated,
        sections,
        web_url: format!("{base}/newsletter/{}?lang={code}", issue.id),
        unsubscribe_url: None,
        words: w,
    })
}

/// An issue rendered for one language.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The HTML page (web view and e-mail).
    pub html: String,
    /// The plain-text alternative.
    pub text: String,
}

/// Renders a composition with the templates of `templates/newsletter.*`.
pub fn render(c: &Composition) -> Result<Rendered> {
    Ok(Rendered {
        subject: c.subject.clone(),
        html: crate::templates::render("newsletter.html", c)?,
        text: crate::templates::render("newsletter.txt", c)?,
    })
}

/// An issue already read, in `language` (an ISO 639 code): a sent issue as it was
/// sent (its frozen edition), a draft composed and rendered now.
pub async fn compose_and_render(
    api: &dyn OwnApi,
    hub: &Hub,
    issue: &IssueRecord,
    language: &str,
) -> Result<(Composition, Rendered)> {
    LanguageCode::parse(language).map_err(|e| e.within("language"))?;
    if issue.value.status == IssueStatus::Sent
        && let Some(edition) = frozen(hub, issue.id, language).await?
    {
        return Ok(edition);
    }
    let composition = compose(api, hub, issue, language).await?;
    let rendered = render(&composition)?;
    Ok((composition, rendered))
}

/// The frozen edition of a sent issue in `language`: that language's, else the
/// edition of the newsletter's language it falls back to.
async fn frozen(
    hub: &Hub,
    id: NewsletterIssueId,
    language: &str,
) -> Result<Option<(Composition, Rendered)>> {
    let editions = hub.read(move |c| Ok(newsletters::editions(c, id)?)).await?;
    let fallback = words_language(language);
    let edition = editions
        .iter()
        .find(|e| e.language == language)
        .or_else(|| editions.iter().find(|e| e.language == fallback));
    edition
        .map(|e| {
            let composition: Composition = serde_json::from_str(&e.composition).map_err(|err| {
                Error::Internal(format!("newsletter edition {id} {}: {err}", e.language))
            })?;
            Ok((
                composition,
                Rendered {
                    subject: e.subject.clone(),
                    html: e.html.clone(),
                    text: e.text.clone(),
                },
            ))
        })
        .transpose()
}

/// Composes and renders an issue the actor may read, in `language`.
pub async fn preview(
    api: &dyn OwnApi,
    hub: &Hub,
    actor: Actor,
    id: NewsletterIssueId,
    language: &str,
) -> Result<Option<(Composition, Rendered)>> {
    LanguageCode::parse(language).map_err(|e| e.within("language"))?;
    match get(hub, actor, id).await? {
        Some(issue) => Ok(Some(compose_and_render(api, hub, &issue, language).await?)),
        None => Ok(None),
    }
}

/// Sends an issue in one language to one address, as a test before the real sending
/// (the coordinator): through the outbox, HTML with a plain-text alternative, the
/// subject marked as a test. Answers the queued message's id.
pub async fn send_test(
    api: &dyn OwnApi,
    hub: &Hub,
    actor: Actor,
    id: NewsletterIssueId,
    email: &str,
    language: &str,
) -> Result<String> {
    actor.may_administer()?;
    let address =
        netzwerk_domain::email::EmailAddress::parse(email).map_err(|e| e.within("email"))?;
    let (composition, rendered) = preview(api, hub, actor, id, language)
        .await?
        .ok_or_else(|| Error::NotFound(format!("newsletter issue {id}")))?;
    let message = netzwerk_storage::outbox::NewMessage {
        purpose: "newsletter_test".into(),
        recipient: address.to_string(),
        recipient_name: None,
        subject: format!("[Test] {}", rendered.subject),
        body_text: rendered.text,
        body_html: Some(rendered.html),
        attachment: None,
        list_unsubscribe: None,
        batch: None,
    };
    let domain = hub.settings().meetings.domain.clone();
    tracing::info!(issue = %id, language = %composition.language, "newsletter test queued");
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(netzwerk_storage::outbox::enqueue(c, &message, &domain)?)
    })
    .await
}
