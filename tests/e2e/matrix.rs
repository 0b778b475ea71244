//! The authorization matrix, generated from the schema: every mutation and every
//! root query field of the running Hub, × anonymous, API key, editor of another
//! organisation, editor of the owner, coordinator. Each has an entry saying who may;
//! a mutation or root field without an entry fails the test, so a new one cannot be
//! added without deciding who may use it. Restricted nested fields (minutes, feeds,
//! change logs, feed URLs) are checked the same way.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli_ok};

/// Who may use a mutation or read a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// Everyone, also without signing in.
    Anyone,
    /// Every signed-in user.
    SignedIn,
    /// The owning organisation's editors and the coordinator.
    Owner,
    /// Editors of member organisations (either of the two here) and the coordinator.
    Members,
    /// The coordinator only.
    Coordinator,
}

/// What one actor got: refused as unauthenticated, as forbidden, or let through (an
/// answer, or an error about the input or the data, which comes after the check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Got {
    Unauthenticated,
    Forbidden,
    Through,
}

const ACTORS: [&str; 5] = [
    "anonymous",
    "api key",
    "other editor",
    "owner editor",
    "coordinator",
];

impl Who {
    /// The expected outcome per actor, in the order of [`ACTORS`].
    fn expected(self) -> [Got; 5] {
        use Got::{Forbidden as F, Through as T, Unauthenticated as U};
        match self {
            Who::Anyone => [T, T, T, T, T],
            Who::SignedIn | Who::Members => [U, U, T, T, T],
            Who::Owner => [U, U, F, T, T],
            Who::Coordinator => [U, U, F, F, T],
        }
    }
}

fn outcome(body: &Value) -> Got {
    assert_ne!(
        body["errors"][0]["extensions"]["code"], "INVALID_QUERY",
        "a document of the matrix is wrong: {body}"
    );
    match body["errors"][0]["extensions"]["code"].as_str() {
        Some("UNAUTHENTICATED") => Got::Unauthenticated,
        Some("FORBIDDEN") => Got::Forbidden,
        _ => Got::Through,
    }
}

/// The names of a root type's fields, from the running Hub's schema.
async fn root_fields(hub: &Hub, root: &str) -> BTreeSet<String> {
    let data = hub
        .data(
            "query($t: String!) { __type(name: $t) { fields { name } } }",
            json!({ "t": root }),
            &[],
        )
        .await;
    data["__type"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name").to_owned())
        .collect()
}

struct Ids {
    own: String,
    location: String,
    service: String,
    contact: String,
    event: String,
    meeting: String,
    agenda_item: String,
    representative: String,
    /// A news item of the owner.
    news: String,
    /// An event of another organisation that asks the owner to co-organise it.
    asking_event: String,
    /// An organisation made for deleting.
    disposable: String,
    unknown: &'static str,
}

async fn fixture(hub: &Hub, coordinator: &[(&str, &str)], owner: &[(&str, &str)]) -> Ids {
    let (members, _) = crate::support::organisations(hub).await;
    let own = members[0]["id"].as_str().expect("id").to_owned();
    let location = members[0]["locations"]["nodes"][0]["id"]
        .as_str()
        .expect("location")
        .to_owned();
    let made = hub
        .data(
            &format!(
                "mutation {{ s: createService(organisationId: \"{own}\", input: {{name: \"Matrixprobe\"}}) {{ id }} c: createContact(organisationId: \"{own}\", input: {{name: \"Matrix Kontakt\"}}) {{ id }} e: createEvent(organisationId: \"{own}\", input: {{title: \"Matrixtreff\", start: \"2027-03-02T10:00:00\", end: \"2027-03-02T11:00:00\", rrule: \"FREQ=WEEKLY;COUNT=5\"}}) {{ id }} n: postNews(organisationId: \"{own}\", input: {{title: \"Matrixnachricht\", body: \"Text\"}}) {{ id }} }}"
            ),
            json!({}),
            owner,
        )
        .await;
    let meetings = hub
        .data(
            "mutation { scheduleMeetings(name: \"Matrixsitzung\", from: \"2027-01-01\", count: 3) { id } }",
            json!({}),
            coordinator,
        )
        .await;
    let meeting = meetings["scheduleMeetings"][0]["id"]
        .as_str()
        .expect("meeting")
        .to_owned();
    let item = hub
        .data(
            &format!(
                "mutation {{ proposeAgendaItem(meetingId: \"{meeting}\", title: \"Matrixpunkt\", durationMinutes: 10) {{ id }} }}"
            ),
            json!({}),
            owner,
        )
        .await;
    let rep = hub
        .data(
            &format!(
                "mutation {{ addRepresentative(organisationId: \"{own}\", name: \"Matrix Vertretung\", email: \"vertretung@matrix.example\") {{ id }} }}"
            ),
            json!({}),
            owner,
        )
        .await;
    let other = members[1]["id"].as_str().expect("id").to_owned();
    let asking = hub
        .data(
            &format!(
                "mutation {{ createEvent(organisationId: \"{other}\", input: {{title: \"Gemeinsames Fest\", start: \"2027-06-05T15:00:00\", coOrganiserIds: [\"{own}\"]}}) {{ id }} }}"
            ),
            json!({}),
            coordinator,
        )
        .await;
    let disposable = hub
        .data(
            "mutation { createOrganisation(input: {name: \"Matrix zum Löschen\"}) { id } }",
            json!({}),
            coordinator,
        )
        .await;
    let id = |v: &Value| v.as_str().expect("id").to_owned();
    Ids {
        asking_event: id(&asking["createEvent"]["id"]),
        disposable: id(&disposable["createOrganisation"]["id"]),
        own,
        location,
        service: id(&made["s"]["id"]),
        contact: id(&made["c"]["id"]),
        event: id(&made["e"]["id"]),
        meeting,
        agenda_item: id(&item["proposeAgendaItem"]["id"]),
        representative: id(&rep["addRepresentative"]["id"]),
        news: id(&made["n"]["id"]),
        unknown: "01900000-0000-7000-8000-000000000000",
    }
}

/// Every mutation: who may, and a document that reaches the check. Destructive ones
/// come last; each runs as every actor in the order of [`ACTORS`].
fn mutations(i: &Ids) -> Vec<(&'static str, Who, String)> {
    let Ids {
        own,
        disposable,
        location,
        service,
        contact,
        event,
        meeting,
        agenda_item,
        representative,
        unknown,
        asking_event,
        news,
        ..
    } = i;
    let occurrence = "recurrenceId: \"2027-03-09T10:00:00\"";
    vec![
        ("login", Who::Anyone, "mutation { login(email: \"koordination@netzwerk-demo.example\", password: \"demo-koordination\") }".into()),
        ("signIn", Who::Anyone, "mutation { signIn(email: \"koordination@netzwerk-demo.example\", password: \"demo-koordination\") { token } }".into()),
        ("createOrganisation", Who::Coordinator, "mutation { createOrganisation(input: {name: \"Matrixverein\"}) { id } }".into()),
        ("createApiKey", Who::Coordinator, "mutation { createApiKey(input: {name: \"Matrixseite\", allowedOrigins: [\"https://matrix.example\"]}) { key } }".into()),
        ("revokeApiKey", Who::Coordinator, format!("mutation {{ revokeApiKey(id: \"{unknown}\") {{ id }} }}")),
        ("registerPersistedDocument", Who::Coordinator, "mutation { registerPersistedDocument(name: \"Matrix\", document: \"{ localities }\") { sha256Hash } }".into()),
        ("updateOrganisation", Who::Owner, format!("mutation {{ updateOrganisation(id: \"{own}\", input: {{description: \"geprüft\"}}) {{ id }} }}")),
        ("createLocation", Who::Owner, format!("mutation {{ createLocation(organisationId: \"{own}\", input: {{name: \"Matrixort\", locality: \"Adlershof\"}}) {{ id }} }}")),
        ("updateLocation", Who::Owner, format!("mutation {{ updateLocation(id: \"{location}\", input: {{accessibilityNote: \"Rampe\"}}) {{ id }} }}")),
        ("createService", Who::Owner, format!("mutation {{ createService(organisationId: \"{own}\", input: {{name: \"Matrixangebot\"}}) {{ id }} }}")),
        ("updateService", Who::Owner, format!("mutation {{ updateService(id: \"{service}\", input: {{description: \"neu\"}}) {{ id }} }}")),
        ("createContact", Who::Owner, format!("mutation {{ createContact(organisationId: \"{own}\", input: {{name: \"Matrix Zwei\"}}) {{ id }} }}")),
        ("updateContact", Who::Owner, format!("mutation {{ updateContact(id: \"{contact}\", input: {{role: \"Beratung\"}}) {{ id }} }}")),
        ("setTranslation", Who::Owner, format!("mutation {{ setTranslation(input: {{entityType: SERVICE, entityId: \"{service}\", field: \"description\", language: \"en\", text: \"new\"}}) {{ language }} }}")),
        ("removeTranslation", Who::Owner, format!("mutation {{ removeTranslation(entityType: SERVICE, entityId: \"{service}\", field: \"description\", language: \"en\") }}")),
        ("createEvent", Who::Owner, format!("mutation {{ createEvent(organisationId: \"{own}\", input: {{title: \"Matrixfest\", start: \"2027-05-02T10:00:00\"}}) {{ id }} }}")),
        ("updateEvent", Who::Owner, format!("mutation {{ updateEvent(id: \"{event}\", input: {{description: \"mit Tee\"}}) {{ id }} }}")),
        ("changeOccurrence", Who::Owner, format!("mutation {{ changeOccurrence(eventId: \"{event}\", {occurrence}, title: \"Sondertreff\") {{ id }} }}")),
        ("restoreOccurrence", Who::Owner, format!("mutation {{ restoreOccurrence(eventId: \"{event}\", {occurrence}) {{ id }} }}")),
        ("cancelOccurrence", Who::Owner, format!("mutation {{ cancelOccurrence(eventId: \"{event}\", {occurrence}) {{ id }} }}")),
        ("addCalendarFeed", Who::Owner, format!("mutation {{ addCalendarFeed(organisationId: \"{own}\", url: \"https://kalender.example/matrix.ics\") {{ id }} }}")),
        ("addRepresentative", Who::Owner, format!("mutation {{ addRepresentative(organisationId: \"{own}\", name: \"Matrix Drei\", email: \"drei@matrix.example\") {{ id }} }}")),
        ("proposeAgendaItem", Who::Members, format!("mutation {{ proposeAgendaItem(meetingId: \"{meeting}\", title: \"Noch ein Punkt\", durationMinutes: 5) {{ id }} }}")),
        ("declineHosting", Who::Members, format!("mutation {{ declineHosting(meetingId: \"{meeting}\") {{ id }} }}")),
        ("postFundingOpportunity", Who::SignedIn, "mutation { postFundingOpportunity(input: {title: \"Matrixfonds\", url: \"https://foerderung.example/matrix\", funder: \"Bezirk\"}) { id } }".into()),
        ("scheduleMeetings", Who::Coordinator, "mutation { scheduleMeetings(name: \"Noch eine\", from: \"2028-01-01\", count: 1) { id } }".into()),
        ("assignHost", Who::Coordinator, format!("mutation {{ assignHost(meetingId: \"{meeting}\") {{ id }} }}")),
        ("setMeetingHost", Who::Coordinator, format!("mutation {{ setMeetingHost(meetingId: \"{meeting}\", organisationId: \"{own}\") {{ id }} }}")),
        ("decideAgendaItem", Who::Coordinator, format!("mutation {{ decideAgendaItem(itemId: \"{agenda_item}\", accept: true) {{ id }} }}")),
        ("finaliseAgenda", Who::Coordinator, format!("mutation {{ finaliseAgenda(meetingId: \"{meeting}\") {{ id }} }}")),
        ("issueInvitations", Who::Coordinator, format!("mutation {{ issueInvitations(meetingId: \"{meeting}\") {{ queued }} }}")),
        ("requestGuestInvitation", Who::Anyone, format!("mutation {{ requestGuestInvitation(meetingId: \"{meeting}\", name: \"Gast\", email: \"gast@matrix.example\", consent: true) {{ status }} }}")),
        ("confirmGuestRequest", Who::Anyone, "mutation { confirmGuestRequest(token: \"nwg_unbekannt\") { status } }".into()),
        ("decideGuestRequest", Who::Coordinator, format!("mutation {{ decideGuestRequest(requestId: \"{unknown}\", approve: true) {{ status }} }}")),
        ("recordGuestAttendance", Who::Coordinator, format!("mutation {{ recordGuestAttendance(requestId: \"{unknown}\", status: PRESENT) {{ status }} }}")),
        ("rescheduleMeeting", Who::Coordinator, format!("mutation {{ rescheduleMeeting(meetingId: \"{meeting}\", start: \"2027-01-20T18:00:00\") {{ id }} }}")),
        ("recordAttendance", Who::Coordinator, format!("mutation {{ recordAttendance(meetingId: \"{meeting}\", representativeId: \"{representative}\", status: PRESENT) {{ id }} }}")),
        ("recordMinutes", Who::Coordinator, format!("mutation {{ recordMinutes(meetingId: \"{meeting}\", minutes: \"# Protokoll\") {{ id }} }}")),
        ("cancelMeeting", Who::Coordinator, format!("mutation {{ cancelMeeting(meetingId: \"{unknown}\") {{ id }} }}")),
        ("subscribeFundingDigest", Who::Anyone, "mutation { subscribeFundingDigest(email: \"leser@matrix.example\", name: \"Leser\") { confirmed } }".into()),
        ("confirmFundingDigest", Who::Anyone, "mutation { confirmFundingDigest(token: \"nwd_unbekannt\") { confirmed } }".into()),
        ("unsubscribeFundingDigest", Who::Anyone, "mutation { unsubscribeFundingDigest(token: \"nwu_unbekannt\") }".into()),
        ("addHsdsSource", Who::Coordinator, "mutation { addHsdsSource(url: \"https://verzeichnis.example/hsds\") { id } }".into()),
        ("addFundingSource", Who::Coordinator, "mutation { addFundingSource(url: \"https://foerderung.example/matrix.xml\", funder: \"Matrix\") { id } }".into()),
        ("acceptCoOrganiser", Who::Owner, format!("mutation {{ acceptCoOrganiser(eventId: \"{asking_event}\", organisationId: \"{own}\") {{ id }} }}")),
        ("withdrawCoOrganiser", Who::Owner, format!("mutation {{ withdrawCoOrganiser(eventId: \"{asking_event}\", organisationId: \"{own}\") {{ id }} }}")),
        ("draftNewsletter", Who::Coordinator, "mutation { draftNewsletter(input: {periodFrom: \"2027-01-01\", periodTo: \"2027-02-28\"}) { id } }".into()),
        ("updateNewsletter", Who::Coordinator, format!("mutation {{ updateNewsletter(id: \"{unknown}\", input: {{editorial: \"Hallo\"}}) {{ id }} }}")),
        ("sendNewsletterTest", Who::Coordinator, format!("mutation {{ sendNewsletterTest(id: \"{unknown}\", email: \"test@matrix.example\") }}")),
        ("deleteNewsletter", Who::Coordinator, format!("mutation {{ deleteNewsletter(id: \"{unknown}\") {{ id }} }}")),
        ("sendNewsletter", Who::Coordinator, format!("mutation {{ sendNewsletter(id: \"{unknown}\") {{ id }} }}")),
        ("setNewsletterEditorial", Who::Coordinator, format!("mutation {{ setNewsletterEditorial(id: \"{unknown}\", language: \"ar\", text: \"مرحبا\") {{ id }} }}")),
        ("removeNewsletterEditorial", Who::Coordinator, format!("mutation {{ removeNewsletterEditorial(id: \"{unknown}\", language: \"ar\") }}")),
        ("unscheduleNewsletter", Who::Coordinator, format!("mutation {{ unscheduleNewsletter(id: \"{unknown}\") {{ id }} }}")),
        ("subscribeNewsletter", Who::Anyone, "mutation { subscribeNewsletter(input: {email: \"leser@matrix.example\"}) }".into()),
        ("confirmNewsletterSubscription", Who::Anyone, "mutation { confirmNewsletterSubscription(token: \"nwn_unbekannt\") }".into()),
        ("unsubscribeNewsletter", Who::Anyone, "mutation { unsubscribeNewsletter(token: \"nwo_unbekannt\") }".into()),
        ("postNews", Who::Owner, format!("mutation {{ postNews(organisationId: \"{own}\", input: {{title: \"Matrixneuigkeit\", body: \"Mehr\"}}) {{ id }} }}")),
        ("updateNews", Who::Owner, format!("mutation {{ updateNews(id: \"{news}\", input: {{title: \"geändert\"}}) {{ id }} }}")),
        ("rejectNews", Who::Coordinator, format!("mutation {{ rejectNews(id: \"{news}\", note: \"Bitte kürzer\") {{ id }} }}")),
        ("publishNews", Who::Coordinator, format!("mutation {{ publishNews(id: \"{news}\") {{ id }} }}")),
        ("cancelEvent", Who::Owner, format!("mutation {{ cancelEvent(id: \"{event}\") {{ id }} }}")),
        ("deleteEvent", Who::Owner, format!("mutation {{ deleteEvent(id: \"{event}\") {{ id }} }}")),
        ("deleteNews", Who::Owner, format!("mutation {{ deleteNews(id: \"{news}\") {{ id }} }}")),
        ("deleteContact", Who::Owner, format!("mutation {{ deleteContact(id: \"{contact}\") {{ id }} }}")),
        ("deleteService", Who::Owner, format!("mutation {{ deleteService(id: \"{service}\") {{ id }} }}")),
        ("deleteLocation", Who::Owner, format!("mutation {{ deleteLocation(id: \"{location}\") {{ id }} }}")),
        ("deleteOrganisation", Who::Coordinator, format!("mutation {{ deleteOrganisation(id: \"{disposable}\") {{ id }} }}")),
    ]
}

/// Root query fields and restricted nested fields: who may read, and a document
/// with a predicate telling whether the answer showed the protected data.
type Reader = fn(&Value) -> bool;

fn reads(i: &Ids) -> Vec<(&'static str, Who, String, Reader)> {
    let Ids {
        own,
        meeting,
        unknown,
        ..
    } = i;
    let shown: Reader = |_| true;
    vec![
        ("organisations", Who::Anyone, "{ organisations(first: 1) { totalCount } }".into(), shown),
        ("organisation", Who::Anyone, "{ organisation(slug: \"kiezwerkstatt-spreebogen\") { id } }".into(), shown),
        ("organisationById", Who::Anyone, format!("{{ organisationById(id: \"{own}\") {{ id }} }}"), shown),
        ("services", Who::Anyone, "{ services(first: 1) { totalCount } }".into(), shown),
        ("serviceFacets", Who::Anyone, "{ serviceFacets { categories { value count } } }".into(), shown),
        ("service", Who::Anyone, format!("{{ service(id: \"{unknown}\") {{ id }} }}"), shown),
        ("location", Who::Anyone, format!("{{ location(id: \"{unknown}\") {{ id }} }}"), shown),
        ("localities", Who::Anyone, "{ localities }".into(), shown),
        ("me", Who::SignedIn, "{ me { role } }".into(), |v: &Value| {
            !v["data"]["me"].is_null()
        }),
        ("events", Who::Anyone, "{ events(first: 1) { totalCount } }".into(), shown),
        ("coOrganiserInvitations", Who::Owner, format!("{{ coOrganiserInvitations(organisationId: \"{own}\") {{ id }} }}"), shown),
        ("event", Who::Anyone, format!("{{ event(id: \"{unknown}\") {{ id }} }}"), shown),
        ("eventOccurrences", Who::Anyone, "{ eventOccurrences(from: \"2027-01-01T00:00:00Z\", to: \"2027-02-01T00:00:00Z\") { totalCount } }".into(), shown),
        ("meetings", Who::Anyone, "{ meetings(from: \"2027-01-01\") { id } }".into(), shown),
        ("representatives", Who::Owner, format!("{{ representatives(organisationId: \"{own}\") {{ email }} }}"), shown),
        ("participationReport", Who::Coordinator, "{ participationReport { rate } }".into(), shown),
        ("guestRequests", Who::Coordinator, format!("{{ guestRequests(meetingId: \"{meeting}\") {{ email }} }}"), shown),
        ("guestRequest", Who::Anyone, "{ guestRequest(token: \"nwg_unbekannt\") { status } }".into(), shown),
        ("invitations", Who::Coordinator, format!("{{ invitations(meetingId: \"{meeting}\") {{ email }} }}"), shown),
        ("fundingOpportunities", Who::Anyone, "{ fundingOpportunities(first: 1) { totalCount } }".into(), shown),
        ("fundingOpportunity", Who::Anyone, format!("{{ fundingOpportunity(id: \"{unknown}\") {{ id }} }}"), shown),
        ("fundingSources", Who::Coordinator, "{ fundingSources { url } }".into(), shown),
        ("hsdsSources", Who::Coordinator, "{ hsdsSources { url } }".into(), shown),
        ("outboxMessages", Who::Coordinator, "{ outboxMessages { totalCount } }".into(), shown),
        ("apiKeys", Who::Coordinator, "{ apiKeys { id } }".into(), shown),
        ("persistedDocuments", Who::Coordinator, "{ persistedDocuments { sha256Hash } }".into(), shown),
        ("news", Who::Anyone, "{ news(first: 1) { totalCount } }".into(), shown),
        ("newsletterIssues", Who::Anyone, "{ newsletterIssues { id } }".into(), shown),
        ("newsletterIssue", Who::Anyone, format!("{{ newsletterIssue(id: \"{unknown}\") {{ id }} }}"), shown),
        ("_service", Who::Anyone, "{ _service { sdl } }".into(), shown),
        ("_entities", Who::Anyone, format!("{{ _entities(representations: [{{__typename: \"Organisation\", id: \"{own}\"}}]) {{ __typename }} }}"), shown),
        ("newsletterSubscriberCounts", Who::Coordinator, "{ newsletterSubscriberCounts { confirmed } }".into(), shown),
        ("newsItem", Who::Anyone, format!("{{ newsItem(id: \"{unknown}\") {{ id }} }}"), shown),
        ("news(filter.status)", Who::SignedIn, "{ news(filter: {status: PENDING}) { totalCount } }".into(), shown),
        // Nested fields that are not public.
        ("Organisation.calendarFeeds", Who::Owner, format!("{{ organisationById(id: \"{own}\") {{ calendarFeeds {{ url }} }} }}"), shown),
        ("Organisation.changes", Who::Owner, format!("{{ organisationById(id: \"{own}\") {{ changes(first: 1) {{ nodes {{ actor }} }} }} }}"), shown),
    ]
}

async fn matrix(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
    let key = crate::support::api_key(&db, &["--name", "Matrix"]);
    let hub = Hub::start(
        &db,
        &[
            ("NETZWERK__MAIL__SEND", "false"),
            ("NETZWERK__CALENDAR__POLL", "false"),
            ("NETZWERK__FUNDING__POLL", "false"),
        ],
    )
    .await;
    let coordinator = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let (members, _) = crate::support::organisations(&hub).await;
    let slug = |i: usize| members[i]["slug"].as_str().expect("slug").to_owned();
    let owner = hub
        .login(&format!("redaktion@{}.example", slug(0)), "demo-redaktion")
        .await;
    let other = hub
        .login(&format!("redaktion@{}.example", slug(1)), "demo-redaktion")
        .await;
    let headers: [Vec<(&str, &str)>; 5] = [
        vec![],
        vec![("x-api-key", key.as_str())],
        vec![("authorization", other.as_str())],
        vec![("authorization", owner.as_str())],
        vec![("authorization", coordinator.as_str())],
    ];
    let ids = fixture(&hub, &headers[4], &headers[3]).await;

    let mut wrong: Vec<String> = Vec::new();
    let mut check = |kind: &str, name: &str, who: Who, got: [Got; 5]| {
        if got != who.expected() {
            let cells: BTreeMap<&str, String> = ACTORS
                .iter()
                .zip(got.iter().zip(who.expected()))
                .map(|(a, (g, e))| (*a, format!("{g:?} (want {e:?})")))
                .collect();
            wrong.push(format!("{kind} {name} ({who:?}): {cells:?}"));
        }
    };

    // Every mutation of the schema has an entry.
    let table = mutations(&ids);
    let mut listed: BTreeSet<String> = table.iter().map(|(n, _, _)| (*n).to_owned()).collect();
    listed.insert("logout".into()); // checked last, below: it ends the sessions
    let schema = root_fields(&hub, "Mutation").await;
    let missing: Vec<_> = schema.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "mutations without an entry in the matrix: {missing:?}"
    );
    for (name, who, doc) in &table {
        let mut got = [Got::Through; 5];
        for (a, h) in headers.iter().enumerate() {
            let (_, _, body) = hub.post(doc, json!({}), h).await;
            got[a] = outcome(&body);
        }
        check("mutation", name, *who, got);
    }

    // Every root query field, and the restricted nested ones.
    let table = reads(&ids);
    let listed: BTreeSet<String> = table.iter().map(|(n, ..)| (*n).to_owned()).collect();
    let schema = root_fields(&hub, "Query").await;
    let missing: Vec<_> = schema.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "query fields without an entry in the matrix: {missing:?}"
    );
    for (name, who, doc, shown) in &table {
        let mut got = [Got::Through; 5];
        for (a, h) in headers.iter().enumerate() {
            let (_, _, body) = hub.post(doc, json!({}), h).await;
            got[a] = match outcome(&body) {
                Got::Through if !shown(&body) => Got::Forbidden,
                o => o,
            };
            // Hidden and refused count alike for reads: nothing was shown.
            if got[a] == Got::Unauthenticated && who.expected()[a] == Got::Forbidden {
                got[a] = Got::Forbidden;
            }
            if got[a] == Got::Forbidden && who.expected()[a] == Got::Unauthenticated {
                got[a] = Got::Unauthenticated;
            }
        }
        check("read", name, *who, got);
    }
    assert!(
        wrong.is_empty(),
        "the matrix does not hold:\n{}",
        wrong.join("\n")
    );

    // Last: ending a session.
    for (a, h) in headers.iter().enumerate() {
        let (_, _, body) = hub.post("mutation { logout }", json!({}), h).await;
        assert_eq!(
            outcome(&body),
            Who::SignedIn.expected()[a],
            "logout as {}",
            ACTORS[a]
        );
    }
}

both_backends!(authorization_matrix_holds, matrix);
