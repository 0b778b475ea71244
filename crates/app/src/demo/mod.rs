//! The demo network: a fictional but realistic network in Treptow-Köpenick (from
//! `network.json`), and a large synthetic network for benchmarks (`--scale`).

mod synthetic;

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use chrono::NaiveDate;
use netzwerk_domain::access::Role;
use netzwerk_domain::contact::{ContactInput, Visibility};
use netzwerk_domain::email::EmailAddress;
use netzwerk_domain::ids::LocationId;
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::location::LocationInput;
use netzwerk_domain::organisation::{
    FieldOfAction, LegalStatus, MembershipStatus, OrganisationInput, TargetGroup, Topic,
};
use netzwerk_domain::schedule::{OpeningHoursInput, ScheduleExceptionInput};
use netzwerk_domain::service::{ServiceCategory, ServiceInput};
use netzwerk_domain::translation::Translation;
use netzwerk_storage::{
    AnyConnection, contacts, locations, organisations, services, translations, users,
};
use serde::Deserialize;

pub use synthetic::generate as generate_synthetic;

/// The actor name the demo writes into the change log.
pub const ACTOR: &str = "demo";

/// A fault in the demo data built into the program (a bug, not a user's input).
fn demo_fault(what: String) -> Error {
    Error::Internal(format!("the built-in demo data: {what}"))
}
/// The demo coordinator's sign-in.
pub const COORDINATOR_EMAIL: &str = "koordination@netzwerk-demo.example";
/// The demo coordinator's password (demo data only).
pub const COORDINATOR_PASSWORD: &str = "demo-koordination";
/// Every demo editor's password (demo data only); editors sign in as `redaktion@<slug>.example`.
pub const EDITOR_PASSWORD: &str = "demo-redaktion";

const NETWORK: &str = include_str!("network.json");

/// A text in German (the original) and translations; a `:mt` suffix on the language
/// marks a machine translation.
#[derive(Debug, Deserialize, Default)]
struct Text(BTreeMap<String, String>);

impl Text {
    fn original(&self) -> Option<String> {
        self.0.get("de").cloned()
    }

    fn translations(&self) -> Result<Vec<Translation>> {
        let mut out = Vec::new();
        for (key, text) in &self.0 {
            let (code, machine) = match key.strip_suffix(":mt") {
                Some(c) => (c, true),
                None => (key.as_str(), false),
            };
            if code == "de" {
                continue;
            }
            out.push(Translation {
                language: LanguageCode::parse(code)
                    .map_err(|e| demo_fault(format!("demo text language {key}: {e}")))?,
                text: text.clone(),
                machine_translated: machine,
            });
        }
        Ok(out)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoNetwork {
    organisations: Vec<DemoOrganisation>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoIdentifier {
    scheme: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoMembership {
    status: String,
    since: Option<NaiveDate>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoInterests {
    topics: Vec<String>,
    target_groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoOrganisation {
    slug: String,
    name: String,
    alternate_name: Option<String>,
    legal_status: String,
    description: Text,
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    logo_url: Option<String>,
    identifiers: Vec<DemoIdentifier>,
    membership: DemoMembership,
    fields_of_action: Vec<String>,
    interests: DemoInterests,
    locations: Vec<DemoLocation>,
    services: Vec<DemoService>,
    contacts: Vec<DemoContact>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoLocation {
    key: String,
    name: String,
    address: Option<String>,
    locality: Option<String>,
    postcode: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    wheelchair_accessible: Option<bool>,
    accessibility_note: Option<Text>,
    transport_hint: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoHours {
    weekdays: Vec<i64>,
    opens: String,
    closes: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoClosure {
    date: NaiveDate,
    note: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoService {
    name: Text,
    description: Option<Text>,
    category: String,
    target_groups: Vec<String>,
    languages: Vec<String>,
    free: bool,
    fee_note: Option<Text>,
    appointment_required: bool,
    eligibility: Option<Text>,
    application_process: Option<Text>,
    locations: Vec<String>,
    #[serde(default)]
    hours: Vec<DemoHours>,
    #[serde(default)]
    closures: Vec<DemoClosure>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoContact {
    name: String,
    role: Option<Text>,
    email: Option<String>,
    phone: Option<String>,
    visibility: String,
}

fn codes<T>(
    what: &str,
    raw: &[String],
    parse: fn(&str) -> Result<T, netzwerk_domain::ValidationError>,
) -> Result<Vec<T>> {
    raw.iter()
        .map(|r| parse(r).map_err(|e| demo_fault(format!("{what}: {e}"))))
        .collect()
}

fn original(t: &Option<Text>) -> Option<String> {
    t.as_ref().and_then(Text::original)
}

fn translate(
    conn: &mut AnyConnection,
    org: &str,
    entity: &str,
    field: &str,
    text: &Option<Text>,
    service: bool,
) -> Result<()> {
    let Some(text) = text else { return Ok(()) };
    for t in text.translations()? {
        if service {
            services::set_translation(conn, org, entity, field, &t)?;
        } else {
            translations::set(conn, org, entity, field, &t)?;
        }
    }
    Ok(())
}

/// What a demo load wrote.
#[derive(Debug, Default)]
pub struct DemoSummary {
    /// Organisations.
    pub organisations: usize,
    /// Locations.
    pub locations: usize,
    /// Services.
    pub services: usize,
    /// Contact persons.
    pub contacts: usize,
    /// User accounts.
    pub users: usize,
    /// Funding opportunities.
    pub funding: usize,
    /// Members' representatives.
    pub representatives: usize,
    /// Meetings scheduled (the next one).
    pub meetings: usize,
    /// Items on the next meeting's agenda.
    pub agenda_items: usize,
    /// Guest requests for the next meeting.
    pub guest_requests: usize,
    /// Calendar feeds followed.
    pub feeds: usize,
    /// Member news items (one of them waiting for review).
    pub news: usize,
    /// Confirmed newsletter subscribers.
    pub subscribers: usize,
}

/// What `serve` does before it answers. The database must be up to date; with the
/// demo, a fresh embedded one is set up, and an empty network gets the demo network
/// with its meeting cycle (its summary is answered). Without the demo nothing is
/// changed: migrating is the operator's decision (`netzwerk migrate`).
pub fn prepare_to_serve(hub: &crate::Hub, with_demo: bool) -> Result<Option<DemoSummary>> {
    if hub.ensure_ready(with_demo && hub.is_embedded())? {
        tracing::info!("migrated the fresh embedded database");
    }
    if with_demo && hub.is_empty()? {
        return Ok(Some(load(hub, true)?));
    }
    Ok(None)
}

/// Loads the demo network into an empty database, in one transaction: the directory
/// (organisations, locations, services, contacts, accounts, funding calls) and, with
/// `meeting_cycle`, what the meeting cycle needs (representatives, the next meeting
/// with host, agenda and guest requests, followed feeds).
pub fn load(hub: &crate::Hub, meeting_cycle: bool) -> Result<DemoSummary> {
    let db = hub.database();
    let network: DemoNetwork = serde_json::from_str(NETWORK)
        .map_err(|e| demo_fault(format!("while reading the built-in demo network: {e}")))?;
    let editor_hash = crate::auth::hash_password(EDITOR_PASSWORD).map_err(Error::Internal)?;
    let coordinator_hash =
        crate::auth::hash_password(COORDINATOR_PASSWORD).map_err(Error::Internal)?;
    let settings = hub.settings().meetings.clone();
    db.run_blocking(|conn| {
        netzwerk_storage::atomically(conn, |conn| {
            let mut sum = load_into(conn, &network, &editor_hash, &coordinator_hash)?;
            if meeting_cycle {
                let members = members_of(conn)?;
                load_meeting_cycle(conn, &members, &settings, &mut sum)?;
            }
            Ok(sum)
        })
    })
}

fn load_into(
    conn: &mut AnyConnection,
    network: &DemoNetwork,
    editor_hash: &str,
    coordinator_hash: &str,
) -> Result<DemoSummary> {
    if netzwerk_storage::organisation_count(conn)? > 0 {
        return Err(Error::Conflict(
            "the database already holds organisations; `netzwerk demo` loads only into an empty database"
                .into(),
        ));
    }
    let mut sum = DemoSummary::default();
    for o in &network.organisations {
        let input = OrganisationInput {
            slug: Some(o.slug.clone()),
            name: o.name.clone(),
            alternate_name: o.alternate_name.clone(),
            legal_status: Some(
                LegalStatus::parse(&o.legal_status)
                    .map_err(|e| demo_fault(format!("{}: legalStatus: {e}", o.slug)))?,
            ),
            description: o.description.original(),
            content_language: Some("de".into()),
            website: o.website.clone(),
            email: o.email.clone(),
            phone: o.phone.clone(),
            logo_url: o.logo_url.clone(),
            identifiers: o
                .identifiers
                .iter()
                .map(|i| (i.scheme.clone(), i.value.clone()))
                .collect(),
            membership_status: Some(
                MembershipStatus::parse(&o.membership.status)
                    .map_err(|e| demo_fault(format!("{}: {e}", o.slug)))?,
            ),
            member_since: o.membership.since,
            fields_of_action: codes("fieldsOfAction", &o.fields_of_action, FieldOfAction::parse)?,
            topics: codes("topics", &o.interests.topics, Topic::parse)?,
            target_groups: codes(
                "targetGroups",
                &o.interests.target_groups,
                TargetGroup::parse,
            )?,
        };
        let org = input
            .validate()
            .map_err(|e| demo_fault(format!("demo organisation {}: {e}", o.slug)))?;
        let rec = organisations::insert(conn, ACTOR, &org)?;
        let oid = rec.id.to_string();
        translate(
            conn,
            &oid,
            &oid,
            "description",
            &Some(Text(o.description.0.clone())),
            false,
        )?;
        sum.organisations += 1;

        let mut keys: HashMap<&str, LocationId> = HashMap::new();
        for l in &o.locations {
            let loc = LocationInput {
                name: l.name.clone(),
                address: l.address.clone(),
                locality: l.locality.clone(),
                postcode: l.postcode.clone(),
                latitude: l.latitude,
                longitude: l.longitude,
                wheelchair_accessible: l.wheelchair_accessible,
                accessibility_note: original(&l.accessibility_note),
                transport_hint: original(&l.transport_hint),
                timezone: None,
                content_language: Some("de".into()),
            }
            .validate()
            .map_err(|e| demo_fault(format!("demo location {}/{}: {e}", o.slug, l.key)))?;
            let lrec = locations::insert(conn, ACTOR, rec.id, &loc)?;
            let lid = lrec.id.to_string();
            translate(
                conn,
                &oid,
                &lid,
                "accessibilityNote",
                &l.accessibility_note,
                false,
            )?;
            translate(conn, &oid, &lid, "transportHint", &l.transport_hint, false)?;
            keys.insert(l.key.as_str(), lrec.id);
            sum.locations += 1;
        }

        for s in &o.services {
            let location_ids = s
                .locations
                .iter()
                .map(|k| {
                    keys.get(k.as_str())
                        .map(ToString::to_string)
                        .ok_or_else(|| demo_fault(format!("{}: unknown location key {k}", o.slug)))
                })
                .collect::<Result<Vec<_>>>()?;
            let input = ServiceInput {
                name: s.name.original().unwrap_or_default(),
                description: original(&s.description),
                content_language: Some("de".into()),
                category: Some(
                    ServiceCategory::parse(&s.category)
                        .map_err(|e| demo_fault(format!("{}: category: {e}", o.slug)))?,
                ),
                target_groups: codes("targetGroups", &s.target_groups, TargetGroup::parse)?,
                languages: s.languages.clone(),
                free: Some(s.free),
                fee_note: original(&s.fee_note),
                appointment_required: Some(s.appointment_required),
                eligibility: original(&s.eligibility),
                application_process: original(&s.application_process),
                location_ids,
                opening_hours: s
                    .hours
                    .iter()
                    .flat_map(|h| {
                        h.weekdays.iter().map(|d| OpeningHoursInput {
                            weekday: *d,
                            opens: h.opens.clone(),
                            closes: h.closes.clone(),
                        })
                    })
                    .collect(),
                exceptions: s
                    .closures
                    .iter()
                    .map(|c| ScheduleExceptionInput {
                        date: Some(c.date),
                        opens: None,
                        closes: None,
                        note: original(&c.note),
                    })
                    .collect(),
            };
            let (service, links) = input
                .validate()
                .map_err(|e| demo_fault(format!("demo service of {}: {e}", o.slug)))?;
            let srec = services::insert(conn, ACTOR, rec.id, &service, &links)?;
            let sid = srec.id.to_string();
            translate(
                conn,
                &oid,
                &sid,
                "name",
                &Some(Text(s.name.0.clone())),
                true,
            )?;
            translate(conn, &oid, &sid, "description", &s.description, true)?;
            translate(conn, &oid, &sid, "feeNote", &s.fee_note, true)?;
            translate(conn, &oid, &sid, "eligibility", &s.eligibility, true)?;
            translate(
                conn,
                &oid,
                &sid,
                "applicationProcess",
                &s.application_process,
                true,
            )?;
            sum.services += 1;
        }

        for c in &o.contacts {
            let contact = ContactInput {
                name: c.name.clone(),
                role: original(&c.role),
                email: c.email.clone(),
                phone: c.phone.clone(),
                visibility: Some(
                    Visibility::parse(&c.visibility)
                        .map_err(|e| demo_fault(format!("{}: visibility: {e}", o.slug)))?,
                ),
                content_language: Some("de".into()),
            }
            .validate()
            .map_err(|e| demo_fault(format!("demo contact of {}: {e}", o.slug)))?;
            let crec = contacts::insert(conn, ACTOR, rec.id, &contact)?;
            translate(conn, &oid, &crec.id.to_string(), "role", &c.role, false)?;
            sum.contacts += 1;
        }

        let editor = EmailAddress::parse(&format!("redaktion@{}.example", o.slug))
            .map_err(|e| demo_fault(format!("{e}")))?;
        users::insert(
            conn,
            ACTOR,
            &editor,
            &format!("Redaktion {}", o.name),
            editor_hash,
            Role::Editor,
            Some(rec.id),
        )?;
        sum.users += 1;
    }
    let coordinator =
        EmailAddress::parse(COORDINATOR_EMAIL).map_err(|e| demo_fault(format!("{e}")))?;
    users::insert(
        conn,
        ACTOR,
        &coordinator,
        "Integrationsbüro (Demo)",
        coordinator_hash,
        Role::Coordinator,
        None,
    )?;
    sum.users += 1;
    sum.funding = load_funding(conn)?;
    sum.news = load_news(conn)?;
    sum.subscribers = load_subscribers(conn)?;
    Ok(sum)
}

/// The member organisations as loaded, by name, with their first contact.
fn members_of(conn: &mut AnyConnection) -> Result<Vec<Member>> {
    let all = organisations::list(conn, &organisations::OrganisationFilter::default(), 0, 1000)?;
    let ids: Vec<_> = all.items.iter().map(|o| o.id).collect();
    let mut contacts = contacts::of_organisations(conn, &ids)?;
    let mut members = Vec::new();
    for rec in all.items {
        if rec.value.membership_status != MembershipStatus::Member {
            continue;
        }
        let contact = contacts
            .remove(&rec.id)
            .and_then(|c| c.into_iter().next())
            .map(|c| c.value.name);
        members.push(Member {
            id: rec.id,
            slug: rec.value.slug.to_string(),
            contact,
        });
    }
    members.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(members)
}

/// The members whose (fictional) calendar feeds the demo follows.
const FOLLOWING_CALENDARS: [&str; 2] = ["nachbarschaftsnetz-adlershof", "waldhaus-rahnsdorf"];

/// A member organisation, as the meeting cycle needs it.
struct Member {
    id: netzwerk_domain::ids::OrganisationId,
    slug: String,
    contact: Option<String>,
}

/// What a new user needs to try the whole meeting cycle: every member's
/// representative, the next meeting with a host chosen by rotation and a preliminary
/// agenda (two items, one member's proposal waiting), two guest requests (one
/// confirmed, waiting for a decision), and two followed calendar feeds.
/// Invitations are not issued: that is the first step to try (they wait in the outbox
/// while no SMTP server is configured).
fn load_meeting_cycle(
    conn: &mut AnyConnection,
    members: &[Member],
    settings: &crate::invitations::MeetingSettings,
    sum: &mut DemoSummary,
) -> Result<()> {
    use netzwerk_storage::meetings::{self, NewAgendaItem};

    for (i, m) in members.iter().enumerate() {
        let name = m
            .contact
            .clone()
            .unwrap_or_else(|| format!("Vertretung {}", m.slug));
        // Most representatives read German; some get their invitations in English.
        let language = if i % 4 == 3 { "en" } else { "de" };
        meetings::add_representative(
            conn,
            ACTOR,
            m.id,
            &name,
            &format!("vertretung@{}.example", m.slug),
            language,
        )?;
        sum.representatives += 1;
    }
    let cadence = netzwerk_domain::meeting::CadenceInput::default()
        .validate()
        .map_err(|e| demo_fault(format!("demo cadence: {e}")))?;
    let from = chrono::Utc::now().date_naive() + chrono::Duration::days(1);
    let dates = cadence.dates(from, 1);
    let (_, made) = meetings::create_series(
        conn,
        ACTOR,
        "Netzwerktreffen Integration Treptow-Köpenick",
        &cadence,
        &dates,
    )?;
    sum.meetings = made.len();
    let Some(next) = made.first() else {
        return Ok(());
    };
    crate::meetings::rotate_in(conn, ACTOR, next.id, settings)
        .map_err(|e| demo_fault(format!("demo host: {e}")))?;
    for (title, description, minutes) in [
        (
            "Begrüßung und Vorstellungsrunde",
            "Neue Mitglieder und Gäste stellen sich vor.",
            20,
        ),
        (
            "Bericht aus dem Integrationsbüro",
            "Neuigkeiten aus dem Bezirk und den Förderprogrammen.",
            30,
        ),
    ] {
        meetings::add_item(
            conn,
            ACTOR,
            next.id,
            &NewAgendaItem {
                title: title.into(),
                description: Some(description.into()),
                presenter: None,
                duration_minutes: minutes,
            },
            None,
        )?;
        sum.agenda_items += 1;
    }
    if let Some(proposer) = members.get(1) {
        meetings::add_item(
            conn,
            ACTOR,
            next.id,
            &NewAgendaItem {
                title: "Sprachcafé: Ehrenamtliche gesucht".into(),
                description: Some("Wer kann mittwochs eine Gruppe begleiten?".into()),
                presenter: Some(proposer.id),
                duration_minutes: 15,
            },
            Some(proposer.id),
        )?;
        sum.agenda_items += 1;
    }
    for (i, (name, email, affiliation)) in [
        (
            "Jana Beispiel",
            "jana.beispiel@nachbarschaft.example",
            "Nachbarschaftsinitiative Plänterwald (Demo)",
        ),
        (
            "Omar Muster",
            "omar.muster@schule.example",
            "Schulsozialarbeit (Demo)",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let guest = netzwerk_domain::meeting::GuestRequestInput {
            name: name.into(),
            email: email.into(),
            affiliation: Some(affiliation.into()),
            message: Some("Ich würde gern das Netzwerk kennenlernen.".into()),
            consent: true,
            language: Some("de".into()),
        }
        .validate()
        .map_err(|e| demo_fault(format!("demo guest: {e}")))?;
        let token_hash = crate::auth::secret_hash(&crate::auth::new_secret("nwg_"));
        netzwerk_storage::guests::request(
            conn,
            next.id,
            &guest,
            ACTOR,
            &token_hash,
            settings.limits,
        )?;
        if i == 0 {
            netzwerk_storage::guests::confirm(conn, &token_hash)?;
        }
        sum.guest_requests += 1;
    }
    // Followed calendar feeds of fictional hosts: their health shows how a failing
    // feed is reported (and backed off).
    for m in members
        .iter()
        .filter(|m| FOLLOWING_CALENDARS.contains(&m.slug.as_str()))
    {
        netzwerk_storage::calendar_sources::insert(
            conn,
            ACTOR,
            m.id,
            &format!("https://kalender.demo.example/{}.ics", m.slug),
            netzwerk_domain::poll::PollInterval::HOURLY.as_i32(),
        )?;
        sum.feeds += 1;
    }
    Ok(())
}

/// Fictional funding calls with deadlines counted from the day the demo is loaded, so
/// the demo always has open calls, rounds, a rolling one and one that has closed.
/// A few member news items: three published (one with an Arabic translation), one
/// waiting for the coordinator's review.
fn load_news(conn: &mut AnyConnection) -> Result<usize> {
    use netzwerk_domain::news::{NewsInput, NewsStatus};

    let today = chrono::Utc::now().date_naive();
    /// organisation, title, body, link, days ago, status
    type Item<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, i64, NewsStatus);
    let items: [Item<'_>; 4] = [
        (
            "sprachbruecke-treptow",
            "Neuer Alphabetisierungskurs ab Februar",
            "Ab Februar beginnt ein **neuer Alphabetisierungskurs** für Erwachsene, \
             dienstags und donnerstags von 9 bis 12 Uhr.\n\n\
             - kostenlos\n- mit Kinderbetreuung\n\n\
             Anmeldung in der Beratung oder telefonisch.",
            None,
            3,
            NewsStatus::Published,
        ),
        (
            "kiezwerkstatt-spreebogen",
            "Reparaturcafé sucht Ehrenamtliche",
            "Unser Reparaturcafé wächst: Wer gern *Fahrräder, Toaster oder Kleidung* \
             repariert, ist jeden ersten Samstag im Monat willkommen.",
            Some("https://kiezwerkstatt.demo.example/reparaturcafe"),
            8,
            NewsStatus::Published,
        ),
        (
            "frauenraum-hasselwerder",
            "Frauenfrühstück jetzt auch samstags",
            "Das Frauenfrühstück findet ab sofort auch **samstags von 10 bis 12 Uhr** statt. \
             Kinder sind willkommen.",
            None,
            15,
            NewsStatus::Published,
        ),
        (
            "familienwerkstatt-plaenterwald",
            "Fotos vom Laternenfest",
            "Danke an alle, die beim Laternenfest dabei waren! Die Fotos hängen ab nächster Woche im Flur.",
            None,
            1,
            NewsStatus::Pending,
        ),
    ];
    let mut count = 0;
    for (slug, title, body, link, days_ago, status) in items {
        let slug =
            netzwerk_domain::slug::Slug::parse(slug).map_err(|e| demo_fault(format!("{e}")))?;
        let Some(org) = organisations::get_by_slug(conn, &slug)? else {
            continue;
        };
        let item = NewsInput {
            title: title.into(),
            body: body.into(),
            link: link.map(Into::into),
            publish_on: Some(today - chrono::Duration::days(days_ago)),
            ..NewsInput::default()
        }
        .validate(today, status)
        .map_err(|e| demo_fault(format!("{e}")))?;
        let rec = netzwerk_storage::news::insert(conn, ACTOR, org.id, &item)?;
        if title.starts_with("Neuer Alphabetisierungskurs") {
            for (field, text) in [
                ("title", "دورة جديدة لمحو الأمية ابتداءً من فبراير"),
                (
                    "body",
                    "تبدأ في فبراير **دورة جديدة لمحو الأمية** للبالغين، أيام الثلاثاء والخميس من الساعة 9 حتى 12.\n\n- مجانية\n- مع رعاية الأطفال",
                ),
            ] {
                let t = Translation {
                    language: LanguageCode::parse("ar").map_err(|e| demo_fault(format!("{e}")))?,
                    text: text.into(),
                    machine_translated: false,
                };
                translations::set(conn, &org.id.to_string(), &rec.id.to_string(), field, &t)?;
            }
        }
        count += 1;
    }
    Ok(count)
}

/// A few confirmed newsletter subscribers in several languages (fictional addresses on
/// `example.org`; the demo's consent is its own loading).
fn load_subscribers(conn: &mut AnyConnection) -> Result<usize> {
    use netzwerk_domain::newsletter::{Consent, SubscriptionInput};
    let consent = Consent::parse(
        "Demo-Daten",
        &netzwerk_storage::now().format("%Y-%m-%d").to_string(),
        netzwerk_storage::now(),
    )
    .map_err(|e| demo_fault(format!("{e}")))?;
    let people: [(&str, &str, &str, &[&str]); 5] = [
        ("leserin.de@example.org", "Katrin Demo", "de", &[]),
        ("reader.en@example.org", "Sam Demo", "en", &[]),
        (
            "qari.ar@example.org",
            "ليلى تجريبية",
            "ar",
            &["meeting", "events", "news"],
        ),
        ("khanande.fa@example.org", "سارا نمونه", "fa", &[]),
        (
            "okur.tr@example.org",
            "Ayşe Demo",
            "tr",
            &["events", "funding"],
        ),
    ];
    for (email, name, language, sections) in people {
        let wanted = SubscriptionInput {
            email: email.into(),
            name: Some(name.into()),
            language: Some(language.into()),
            sections: sections.iter().map(|s| (*s).to_owned()).collect(),
        }
        .validate()
        .map_err(|e| demo_fault(format!("{e}")))?;
        let token = crate::auth::new_secret("nwo_");
        netzwerk_storage::subscribers::import(conn, &wanted, &consent, &token)?;
    }
    Ok(people.len())
}

fn load_funding(conn: &mut AnyConnection) -> Result<usize> {
    use netzwerk_domain::funding::OpportunityInput;

    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| today + chrono::Duration::days(n);
    let call = |title: &str, funder: &str, summary: &str| OpportunityInput {
        title: title.into(),
        funder: funder.into(),
        summary: Some(summary.into()),
        ..OpportunityInput::default()
    };
    let calls = [
        OpportunityInput {
            url: Some("https://foerderung.demo.example/kiezfonds".into()),
            deadlines: vec![day(45)],
            amount_max: Some(5_000),
            region: Some("treptow_koepenick".into()),
            applicants: vec!["registered_association".into(), "initiative".into()],
            topics: vec!["youth".into(), "participation".into()],
            ..call(
                "Kiezfonds Treptow-Köpenick (Demo)",
                "Bezirksamt Treptow-Köpenick (Demo)",
                "Kleine Projekte von Vereinen und Initiativen für Jugendliche im Bezirk.",
            )
        },
        OpportunityInput {
            url: Some("https://foerderung.demo.example/integration".into()),
            deadlines: vec![day(20), day(200)],
            amount_min: Some(10_000),
            amount_max: Some(50_000),
            region: Some("berlin".into()),
            applicants: vec!["registered_association".into(), "non_profit_company".into()],
            topics: vec!["integration".into(), "migration".into(), "language".into()],
            ..call(
                "Partizipations- und Integrationsprogramm (Demo)",
                "Senatsverwaltung für Integration (Demo)",
                "Zwei Antragsrunden im Jahr für Projekte der Integration und Teilhabe.",
            )
        },
        OpportunityInput {
            url: Some("https://foerderung.demo.example/demokratie".into()),
            deadlines: vec![day(75)],
            amount_max: Some(25_000),
            region: Some("federal".into()),
            topics: vec!["democracy".into(), "anti_discrimination".into()],
            ..call(
                "Demokratie im Alltag (Demo)",
                "Bundesprogramm Vielfalt (Demo)",
                "Projekte gegen Rassismus und Diskriminierung und für Demokratie vor Ort.",
            )
        },
        OpportunityInput {
            url: Some("https://foerderung.demo.example/sprachpaten".into()),
            rolling: true,
            amount_min: Some(500),
            amount_max: Some(3_000),
            topics: vec!["language".into(), "volunteering".into()],
            ..call(
                "Sprachpatenschaften (Demo)",
                "Stiftung Kiezleben (Demo)",
                "Laufende Förderung ehrenamtlicher Sprachpatenschaften.",
            )
        },
        OpportunityInput {
            url: Some("https://foerderung.demo.example/frauen".into()),
            deadlines: vec![day(10)],
            amount_max: Some(8_000),
            region: Some("berlin".into()),
            topics: vec!["women".into(), "employment".into()],
            ..call(
                "Frauen stärken – Wege in Arbeit (Demo)",
                "Stiftung Chancen (Demo)",
                "Beratung und Qualifizierung für zugewanderte Frauen.",
            )
        },
        OpportunityInput {
            url: Some("https://foerderung.demo.example/kultur".into()),
            deadlines: vec![day(-30)],
            amount_max: Some(2_000),
            topics: vec!["culture".into()],
            ..call(
                "Interkulturelles Kiezfest (Demo, abgelaufen)",
                "Kulturfonds Spree (Demo)",
                "Zuschüsse zu Festen; die Frist ist vorbei.",
            )
        },
    ];
    for c in &calls {
        let o = c
            .validate()
            .map_err(|e| demo_fault(format!("demo funding {}: {e}", c.title)))?;
        let key = o
            .url
            .as_deref()
            .and_then(netzwerk_funding_news::dedup::url_key);
        netzwerk_storage::funding::post(conn, ACTOR, None, &o, key.as_deref())?;
    }
    Ok(calls.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_network_parses_and_is_large_enough() {
        let n: DemoNetwork = serde_json::from_str(NETWORK).expect("valid JSON");
        assert!(n.organisations.len() >= 25);
        let localities: std::collections::HashSet<_> = n
            .organisations
            .iter()
            .flat_map(|o| o.locations.iter().filter_map(|l| l.locality.clone()))
            .collect();
        for l in netzwerk_domain::location::LOCALITIES {
            assert!(localities.contains(*l), "no demo organisation in {l}");
        }
    }
}
