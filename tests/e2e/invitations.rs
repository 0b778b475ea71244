//! A whole meeting cycle through GraphQL: schedule → host by rotation → agenda →
//! guest request with double opt-in and approval → invitations by e-mail (read back
//! from a real SMTP server on loopback: MIME structure, language, the `.ics` parsed by
//! a real iCalendar parser) → a change of place (update) → a cancellation → attendance,
//! minutes and the participation report. Once with the mail server up, once with it
//! down at first and the sender restarted in between: every e-mail arrives once.
//! And the retention job deletes guests' data — only theirs.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders, PartType};
use serde_json::{Value, json};

use crate::both_backends;
use crate::mail::SmtpSink;
use crate::support::{Backend, Hub, TestDb, cli_ok};

const COORDINATOR: (&str, &str) = ("koordination@netzwerk-demo.example", "demo-koordination");
const FROM: &str = "Netzwerk für Integration <netzwerk@bezirk.example>";

/// One received e-mail, parsed.
#[derive(Debug, Clone)]
struct Mail {
    to: String,
    subject: String,
    message_id: String,
    /// e.g. `multipart/mixed(multipart/alternative(text/plain,text/html),text/calendar)`
    structure: String,
    text: String,
    html: String,
    /// The calendar attachment: its content type's `method` and the file.
    calendar: Option<(String, String)>,
}

fn mime_type(part: &mail_parser::MessagePart<'_>) -> String {
    part.content_type()
        .map(|c| {
            format!(
                "{}/{}",
                c.ctype().to_ascii_lowercase(),
                c.subtype().unwrap_or_default().to_ascii_lowercase()
            )
        })
        .unwrap_or_else(|| "text/plain".into())
}

fn structure(msg: &mail_parser::Message<'_>, id: usize) -> String {
    let part = &msg.parts[id];
    match &part.body {
        PartType::Multipart(children) => format!(
            "{}({})",
            mime_type(part),
            children
                .iter()
                .map(|c| structure(msg, *c as usize))
                .collect::<Vec<_>>()
                .join(",")
        ),
        _ => mime_type(part),
    }
}

fn parse_mail(raw: &str) -> Mail {
    let msg = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("a parsable e-mail");
    let to = msg
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_owned();
    let calendar = msg.attachments().find_map(|a| {
        let ct = a.content_type()?;
        (ct.ctype().eq_ignore_ascii_case("text") && ct.subtype()?.eq_ignore_ascii_case("calendar"))
            .then(|| {
                (
                    ct.attribute("method")
                        .unwrap_or_default()
                        .to_ascii_uppercase(),
                    String::from_utf8_lossy(a.contents()).into_owned(),
                )
            })
    });
    Mail {
        to,
        subject: msg.subject().unwrap_or_default().to_owned(),
        message_id: msg.message_id().unwrap_or_default().to_owned(),
        structure: structure(&msg, 0),
        text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
        calendar,
    }
}

/// The calendar attachment through the `ical` crate: METHOD and the one VEVENT's
/// properties (name → values, with `ATTENDEE` and `ORGANIZER` as given).
fn parse_ics(text: &str) -> (String, BTreeMap<String, Vec<String>>) {
    let mut reader = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
    let cal = reader
        .next()
        .expect("one calendar")
        .expect("a valid calendar");
    let method = cal
        .properties
        .iter()
        .find(|p| p.name == "METHOD")
        .and_then(|p| p.value.clone())
        .unwrap_or_default();
    assert_eq!(cal.events.len(), 1, "one event: {text}");
    let mut props: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in &cal.events[0].properties {
        let params = p
            .params
            .as_ref()
            .map(|ps| {
                ps.iter()
                    .map(|(k, v)| format!(";{k}={}", v.join(",")))
                    .collect::<String>()
            })
            .unwrap_or_default();
        props
            .entry(p.name.clone())
            .or_default()
            .push(format!("{params}:{}", p.value.clone().unwrap_or_default()));
    }
    (method, props)
}

/// Waits (bounded) until the sink holds at least `n` messages.
async fn wait_for(sink: &SmtpSink, n: usize) -> Vec<Mail> {
    for _ in 0..120 {
        let got = sink.received();
        if got.len() >= n {
            return got.iter().map(|m| parse_mail(m)).collect();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!(
        "expected {n} e-mails within 30 s, got {}",
        sink.received().len()
    );
}

fn token_in(mail: &Mail) -> String {
    let at = mail.text.find("token=").expect("a confirmation link") + "token=".len();
    mail.text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

async fn start_hub(db: &TestDb, port: u16) -> Hub {
    let port = port.to_string();
    Hub::start(
        db,
        &[
            ("NETZWERK__MAIL__SMTP_PORT", port.as_str()),
            ("NETZWERK__MAIL__FROM", FROM),
            ("NETZWERK__MAIL__POLL_SECONDS", "1"),
            ("NETZWERK__MAIL__RETRY_BASE_SECONDS", "1"),
            (
                "NETZWERK__MEETINGS__PUBLIC_URL",
                "https://hub.bezirk.example/",
            ),
            (
                "NETZWERK__MEETINGS__GUEST_REQUESTS_PER_ADDRESS_PER_DAY",
                "2",
            ),
            (
                "NETZWERK__MEETINGS__GUEST_REQUESTS_PER_CLIENT_PER_HOUR",
                "6",
            ),
            ("NETZWERK__CALENDAR__POLL", "false"),
        ],
    )
    .await
}

const REQUEST: &str = "mutation($m: ID!, $n: String!, $e: String!, $c: Boolean!, $l: String) {
    requestGuestInvitation(meetingId: $m, name: $n, email: $e, affiliation: \"Stadtteilmütter\",
        message: \"Ich möchte das Netzwerk kennenlernen.\", consent: $c, language: $l) {
      id status name email } }";

async fn cycle(backend: Backend, mail_server_down_at_first: bool) {
    let db = TestDb::new(backend);
    // The meeting cycle from its start: no representatives, meeting or guests yet.
    cli_ok(&db, &["demo", "--directory-only"]);
    let sink = if mail_server_down_at_first {
        SmtpSink::down().await
    } else {
        SmtpSink::start().await
    };
    let port = sink.port;
    let mut hub = start_hub(&db, port).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let (members, outsider) = crate::support::organisations(&hub).await;

    // Schedule: the next meetings, from a month ahead, every two months.
    let from = (chrono::Utc::now() + chrono::Duration::days(30)).date_naive();
    let made = hub
        .data(
            "mutation($f: NaiveDate!) { scheduleMeetings(name: \"Netzwerksitzung\", from: $f, count: 3) { id localStart localEnd status } }",
            json!({ "f": from.to_string() }),
            &auth,
        )
        .await;
    let meetings = made["scheduleMeetings"]
        .as_array()
        .expect("meetings")
        .clone();
    let mid = |i: usize| meetings[i]["id"].as_str().expect("id").to_owned();
    let local_start = meetings[0]["localStart"]
        .as_str()
        .expect("start")
        .to_owned();

    // Host by rotation: the first member by name (none has hosted yet).
    let hosted = hub
        .data(
            "mutation($m: ID!) { assignHost(meetingId: $m) { host { id name } location { id name } } }",
            json!({ "m": mid(0) }),
            &auth,
        )
        .await;
    assert_eq!(hosted["assignHost"]["host"]["id"], members[0]["id"]);
    let host_name = members[0]["name"].as_str().expect("name").to_owned();

    // Representatives: German, English, Turkish (gets English), and one of a
    // non-member, who is not invited.
    let reps = [
        (&members[0], "Petra Schulz", "petra@verein-a.example", "de"),
        (&members[1], "John Miller", "john@verein-b.example", "en"),
        (&members[2], "Ayşe Demir", "ayse@verein-c.example", "tr"),
        (&outsider, "Olaf Außen", "olaf@extern.example", "de"),
    ];
    let mut rep_ids = HashMap::new();
    for (org, name, email, lang) in reps {
        let r = hub
            .data(
                "mutation($o: ID!, $n: String!, $e: String!, $l: String) { addRepresentative(organisationId: $o, name: $n, email: $e, language: $l) { id } }",
                json!({ "o": org["id"], "n": name, "e": email, "l": lang }),
                &auth,
            )
            .await;
        rep_ids.insert(
            email,
            r["addRepresentative"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }

    // Agenda: a member proposes, the coordinator accepts.
    let slug1 = members[1]["slug"].as_str().expect("slug");
    let editor = hub
        .login(&format!("redaktion@{slug1}.example"), "demo-redaktion")
        .await;
    let item = hub
        .data(
            "mutation($m: ID!) { proposeAgendaItem(meetingId: $m, title: \"Sprachkurse 2027\", description: \"Bericht über freie Plätze\", durationMinutes: 30) { id status } }",
            json!({ "m": mid(0) }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(item["proposeAgendaItem"]["status"], "PROPOSED");
    hub.data(
        "mutation($i: ID!) { decideAgendaItem(itemId: $i, accept: true) { status } }",
        json!({ "i": item["proposeAgendaItem"]["id"] }),
        &auth,
    )
    .await;

    // Guest requests: bad input is refused with a reason, nothing is stored.
    let (code, err) = hub
        .error(
            REQUEST,
            json!({ "m": mid(0), "n": "Amal Haddad", "e": "amal@example", "c": false }),
            &[],
        )
        .await;
    assert_eq!(code, "VALIDATION");
    let rules: Vec<String> = err["extensions"]["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| {
            format!(
                "{}:{}",
                v["field"].as_str().unwrap_or(""),
                v["rule"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(rules.iter().any(|r| r == "consent:required"), "{rules:?}");
    assert!(rules.iter().any(|r| r.starts_with("email:")), "{rules:?}");

    let amal = hub
        .data(
            REQUEST,
            json!({ "m": mid(0), "n": "Amal Haddad", "e": "amal@guest.example", "c": true, "l": "en" }),
            &[],
        )
        .await;
    assert_eq!(amal["requestGuestInvitation"]["status"], "UNCONFIRMED");
    let amal_id = amal["requestGuestInvitation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Asking again for the same meeting, and asking more often than an address may
    // a day, are answered like any request — nobody learns whether an address is
    // known — but nothing is stored or sent (the mails counted below: one per
    // stored request).
    let again = hub
        .data(
            REQUEST,
            json!({ "m": mid(0), "n": "Amal Haddad", "e": "AMAL@guest.example", "c": true }),
            &[],
        )
        .await;
    assert_eq!(again["requestGuestInvitation"]["status"], "UNCONFIRMED");
    assert_ne!(again["requestGuestInvitation"]["id"], amal_id.as_str());
    // Per address: two a day.
    hub.data(
        REQUEST,
        json!({ "m": mid(1), "n": "Amal Haddad", "e": "amal@guest.example", "c": true }),
        &[],
    )
    .await;
    let third = hub
        .data(
            REQUEST,
            json!({ "m": mid(2), "n": "Amal Haddad", "e": "amal@guest.example", "c": true }),
            &[],
        )
        .await;
    assert_eq!(third["requestGuestInvitation"]["status"], "UNCONFIRMED");
    // Per client: six an hour (four taken); only this limit is told.
    let bernd = hub
        .data(
            REQUEST,
            json!({ "m": mid(0), "n": "Bernd Krause", "e": "bernd@guest.example", "c": true }),
            &[],
        )
        .await;
    let bernd_id = bernd["requestGuestInvitation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let carla = hub
        .data(
            REQUEST,
            json!({ "m": mid(0), "n": "Carla Wendt", "e": "carla@guest.example", "c": true }),
            &[],
        )
        .await;
    let carla_id = carla["requestGuestInvitation"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (code, _) = hub
        .error(
            REQUEST,
            json!({ "m": mid(0), "n": "Dana Voigt", "e": "dana@guest.example", "c": true }),
            &[],
        )
        .await;
    assert_eq!(code, "RATE_LIMITED", "per client");
    // Guests' data is the coordinator's to see.
    let (code, _) = hub
        .error(
            "query($m: ID!) { guestRequests(meetingId: $m) { id } }",
            json!({ "m": mid(0) }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN");

    // The mail server is down: the sender is stopped and started again, and only
    // then does the server come up.
    if mail_server_down_at_first {
        tokio::time::sleep(Duration::from_secs(3)).await;
        let waiting = hub
            .data(
                "{ outboxMessages { totalCount nodes { state attempts } } }",
                json!({}),
                &auth,
            )
            .await;
        assert_eq!(waiting["outboxMessages"]["totalCount"], 4, "{waiting}");
        assert!(
            waiting["outboxMessages"]["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .all(|n| n["state"] != "SENT" && n["attempts"].as_i64().unwrap_or(0) >= 1),
            "every confirmation was tried and none delivered: {waiting}"
        );
        drop(hub);
        hub = start_hub(&db, port).await;
        sink.come_up();
    }
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];

    // Double opt-in: the e-mail carries the link.
    let confirmations = wait_for(&sink, 4).await;
    let to_amal: Vec<&Mail> = confirmations
        .iter()
        .filter(|m| m.to == "amal@guest.example")
        .collect();
    assert_eq!(to_amal.len(), 2, "one per request");
    let amal_mail = to_amal
        .iter()
        .find(|m| {
            m.text.contains(&format!(
                "{}",
                chrono::NaiveDateTime::parse_from_str(&local_start, "%Y-%m-%dT%H:%M:%S")
                    .expect("start")
                    .format("%-d %B %Y")
            ))
        })
        .expect("the confirmation for the first meeting");
    assert!(
        amal_mail.subject.starts_with("Please confirm"),
        "{}",
        amal_mail.subject
    );
    assert!(
        amal_mail
            .text
            .contains("https://hub.bezirk.example/guests/confirm?token=nwg_")
    );
    assert_eq!(
        amal_mail.structure,
        "multipart/alternative(text/plain,text/html)"
    );
    let amal_token = token_in(amal_mail);
    let bernd_mail = confirmations
        .iter()
        .find(|m| m.to == "bernd@guest.example")
        .expect("Bernd's confirmation");
    assert!(
        bernd_mail.subject.starts_with("Bitte bestätigen"),
        "German by default"
    );

    // Unconfirmed requests cannot be approved.
    let decide = "mutation($r: ID!, $a: Boolean!) { decideGuestRequest(requestId: $r, approve: $a) { status } }";
    let (code, _) = hub
        .error(decide, json!({ "r": amal_id, "a": true }), &auth)
        .await;
    assert_eq!(code, "CONFLICT");
    // Amal confirms through the API; Bernd through the page behind the link.
    let confirmed = hub
        .data(
            "mutation($t: String!) { confirmGuestRequest(token: $t) { status } }",
            json!({ "t": amal_token }),
            &[],
        )
        .await;
    assert_eq!(confirmed["confirmGuestRequest"]["status"], "CONFIRMED");
    let own = hub
        .data(
            "query($t: String!) { guestRequest(token: $t) { name status meeting { id } } }",
            json!({ "t": amal_token }),
            &[],
        )
        .await;
    assert_eq!(own["guestRequest"]["name"], "Amal Haddad");
    assert_eq!(own["guestRequest"]["meeting"]["id"], mid(0).as_str());
    let (code, _) = hub
        .error(
            "query { guestRequest(token: \"nwg_0000\") { name } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(code, "NOT_FOUND", "a guest sees only their own request");
    let page = hub
        .client()
        .get(format!(
            "{}/guests/confirm?token={}",
            hub.base,
            token_in(bernd_mail)
        ))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.text().await.expect("html").contains("method=\"post\""),
        "a link alone confirms nothing"
    );
    let posted = hub
        .client()
        .post(format!("{}/guests/confirm", hub.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={}", token_in(bernd_mail)))
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status(), 200);

    // The coordinator approves Amal, declines Bernd; Carla never confirmed.
    hub.data(decide, json!({ "r": amal_id, "a": true }), &auth)
        .await;
    hub.data(decide, json!({ "r": bernd_id, "a": false }), &auth)
        .await;
    let listed = hub
        .data(
            "query($m: ID!) { guestRequests(meetingId: $m) { id status } }",
            json!({ "m": mid(0) }),
            &auth,
        )
        .await;
    let statuses: HashMap<String, String> = listed["guestRequests"]
        .as_array()
        .expect("list")
        .iter()
        .map(|g| {
            (
                g["id"].as_str().unwrap_or("").to_owned(),
                g["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(statuses[&amal_id], "APPROVED");
    assert_eq!(statuses[&bernd_id], "DECLINED");
    assert_eq!(statuses[&carla_id], "UNCONFIRMED");

    // Invitations: three representatives of members and the approved guest.
    let issue = "mutation($m: ID!) { issueInvitations(meetingId: $m) { queued meeting { status sequence } } }";
    let issued = hub.data(issue, json!({ "m": mid(0) }), &auth).await;
    assert_eq!(issued["issueInvitations"]["queued"], 4);
    assert_eq!(issued["issueInvitations"]["meeting"]["status"], "INVITED");
    let again = hub.data(issue, json!({ "m": mid(0) }), &auth).await;
    assert_eq!(
        again["issueInvitations"]["queued"], 0,
        "nobody is invited twice"
    );

    // 4 confirmations + Bernd's decline + 4 invitations.
    let all = wait_for(&sink, 9).await;
    let invitations: Vec<&Mail> = all
        .iter()
        .filter(|m| {
            m.calendar
                .as_ref()
                .is_some_and(|(method, _)| method == "REQUEST")
        })
        .collect();
    assert_eq!(invitations.len(), 4);
    let mut invited: Vec<&str> = invitations.iter().map(|m| m.to.as_str()).collect();
    invited.sort_unstable();
    assert_eq!(
        invited,
        [
            "amal@guest.example",
            "ayse@verein-c.example",
            "john@verein-b.example",
            "petra@verein-a.example"
        ]
    );
    let declined = all
        .iter()
        .find(|m| {
            m.to == "bernd@guest.example" && m.calendar.is_none() && !m.text.contains("token=")
        })
        .expect("Bernd hears of the decline");
    assert!(
        declined.text.contains("nicht als Gast einladen"),
        "{}",
        declined.text
    );

    let by_to = |to: &str| -> Mail {
        invitations
            .iter()
            .find(|m| m.to == to)
            .map(|m| (*m).clone())
            .expect("an invitation")
    };
    let petra = by_to("petra@verein-a.example");
    assert_eq!(
        petra.structure,
        "multipart/mixed(multipart/alternative(text/plain,text/html),text/calendar)"
    );
    assert!(
        petra.subject.starts_with("Einladung: Netzwerksitzung am "),
        "{}",
        petra.subject
    );
    assert!(petra.subject.contains(&host_name));
    for needle in [
        "Guten Tag Petra Schulz",
        "Wann: ",
        "Wo: ",
        "Vorläufige Tagesordnung:",
        "1. Sprachkurse 2027 (30 Min.)",
        "Mit freundlichen Grüßen",
    ] {
        assert!(
            petra.text.contains(needle),
            "{needle:?} missing in\n{}",
            petra.text
        );
    }
    assert!(petra.html.contains("lang=\"de\"") && petra.html.contains("Sprachkurse 2027"));
    for (to, lang_needle) in [
        ("john@verein-b.example", "Dear John Miller"),
        ("ayse@verein-c.example", "Dear Ayşe Demir"),
        ("amal@guest.example", "Dear Amal Haddad"),
    ] {
        let m = by_to(to);
        assert!(
            m.subject.starts_with("Invitation: network meeting on "),
            "{}",
            m.subject
        );
        assert!(m.text.contains(lang_needle), "{}", m.text);
        assert!(m.text.contains("Preliminary agenda:"), "{}", m.text);
    }

    // The attachment, through a real iCalendar parser.
    let (method, ev) = parse_ics(&petra.calendar.as_ref().expect("ics").1);
    assert_eq!(method, "REQUEST");
    assert_eq!(ev["UID"], [format!(":meeting-{}@netzwerk-hub", mid(0))]);
    assert_eq!(ev["SEQUENCE"], [":0"]);
    let start_value = local_start.replace(['-', ':'], "");
    assert_eq!(
        ev["DTSTART"],
        [format!(";TZID=Europe/Berlin:{start_value}")]
    );
    assert!(
        ev["ORGANIZER"][0].ends_with(":mailto:netzwerk@bezirk.example"),
        "{:?}",
        ev["ORGANIZER"]
    );
    assert_eq!(ev["ATTENDEE"].len(), 1, "each sees only themselves");
    assert!(ev["ATTENDEE"][0].ends_with(":mailto:petra@verein-a.example"));
    assert!(ev["ATTENDEE"][0].contains("ROLE=REQ-PARTICIPANT"));
    assert!(ev["SUMMARY"][0].contains(&host_name));
    assert!(ev["DESCRIPTION"][0].contains("Sprachkurse 2027"));
    assert!(ev.contains_key("LOCATION"));
    let (_, amal_ev) = parse_ics(&by_to("amal@guest.example").calendar.expect("ics").1);
    assert!(
        amal_ev["ATTENDEE"][0].contains("ROLE=OPT-PARTICIPANT"),
        "guests are optional"
    );

    // A change of place: everyone invited gets an update with SEQUENCE 1.
    let moved = hub
        .data(
            "mutation($m: ID!, $o: ID!) { setMeetingHost(meetingId: $m, organisationId: $o) { sequence host { name } } }",
            json!({ "m": mid(0), "o": members[3]["id"] }),
            &auth,
        )
        .await;
    assert_eq!(moved["setMeetingHost"]["sequence"], 1);
    let all = wait_for(&sink, 13).await;
    let updates: Vec<&Mail> = all
        .iter()
        .filter(|m| m.subject.starts_with("Geändert:") || m.subject.starts_with("Changed:"))
        .collect();
    assert_eq!(updates.len(), 4);
    for u in &updates {
        let (method, ev) = parse_ics(&u.calendar.as_ref().expect("ics").1);
        assert_eq!(method, "REQUEST");
        assert_eq!(ev["SEQUENCE"], [":1"]);
        assert_eq!(ev["UID"], [format!(":meeting-{}@netzwerk-hub", mid(0))]);
    }

    // No invitations without a host and place; no host without a location.
    let (code, err) = hub.error(issue, json!({ "m": mid(2) }), &auth).await;
    assert_eq!(code, "VALIDATION");
    assert_eq!(err["extensions"]["violations"][0]["rule"], "host_location");
    let homeless = hub
        .data(
            "mutation { createOrganisation(input: {name: \"Verein ohne Räume\"}) { id } }",
            json!({}),
            &auth,
        )
        .await;
    let (code, err) = hub
        .error(
            "mutation($m: ID!, $o: ID!) { setMeetingHost(meetingId: $m, organisationId: $o) { id } }",
            json!({ "m": mid(2), "o": homeless["createOrganisation"]["id"] }),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION");
    assert_eq!(err["extensions"]["violations"][0]["rule"], "host_location");

    // Another meeting is invited and then cancelled: METHOD:CANCEL to everyone.
    hub.data(
        "mutation($m: ID!) { assignHost(meetingId: $m) { id } }",
        json!({ "m": mid(1) }),
        &auth,
    )
    .await;
    assert_eq!(
        hub.data(issue, json!({ "m": mid(1) }), &auth).await["issueInvitations"]["queued"],
        3
    );
    let cancelled = hub
        .data(
            "mutation($m: ID!) { cancelMeeting(meetingId: $m, reason: \"Raum nicht verfügbar\") { status sequence cancellationReason } }",
            json!({ "m": mid(1) }),
            &auth,
        )
        .await;
    assert_eq!(cancelled["cancelMeeting"]["status"], "CANCELLED");
    assert_eq!(cancelled["cancelMeeting"]["sequence"], 1);
    let all = wait_for(&sink, 19).await;
    let cancels: Vec<&Mail> = all
        .iter()
        .filter(|m| {
            m.calendar
                .as_ref()
                .is_some_and(|(method, _)| method == "CANCEL")
        })
        .collect();
    assert_eq!(cancels.len(), 3);
    let petra_cancel = cancels
        .iter()
        .find(|m| m.to == "petra@verein-a.example")
        .expect("Petra's cancellation");
    assert!(petra_cancel.subject.starts_with("Abgesagt:"));
    assert!(petra_cancel.text.contains("Raum nicht verfügbar"));
    let (method, ev) = parse_ics(&petra_cancel.calendar.as_ref().expect("ics").1);
    assert_eq!(method, "CANCEL");
    assert_eq!(ev["STATUS"], [":CANCELLED"]);
    assert_eq!(ev["SEQUENCE"], [":1"]);
    let (code, _) = hub
        .error(
            "mutation($m: ID!) { recordAttendance(meetingId: $m, representativeId: \"00000000-0000-7000-8000-000000000000\", status: PRESENT) { id } }",
            json!({ "m": mid(1) }),
            &auth,
        )
        .await;
    assert!(code == "CONFLICT" || code == "NOT_FOUND", "{code}");

    // Attendance, guests' too, and the minutes.
    let attend = "mutation($m: ID!, $r: ID!, $s: AttendanceStatus!) { recordAttendance(meetingId: $m, representativeId: $r, status: $s) { status } }";
    for (email, status) in [
        ("petra@verein-a.example", "PRESENT"),
        ("john@verein-b.example", "EXCUSED"),
        ("ayse@verein-c.example", "ABSENT"),
    ] {
        let r = hub
            .data(
                attend,
                json!({ "m": mid(0), "r": rep_ids[email], "s": status }),
                &auth,
            )
            .await;
        assert_eq!(r["recordAttendance"]["status"], "HELD");
    }
    let g = hub
        .data(
            "mutation($r: ID!) { recordGuestAttendance(requestId: $r, status: PRESENT) { attendance } }",
            json!({ "r": amal_id }),
            &auth,
        )
        .await;
    assert_eq!(g["recordGuestAttendance"]["attendance"], "PRESENT");
    let (code, _) = hub
        .error(
            "mutation($r: ID!) { recordGuestAttendance(requestId: $r, status: PRESENT) { attendance } }",
            json!({ "r": bernd_id }),
            &auth,
        )
        .await;
    assert_eq!(code, "CONFLICT", "a declined guest");
    let minutes = "# Protokoll\n\n- Sprachkurse: 12 freie Plätze\n";
    hub.data(
        "mutation($m: ID!, $t: String!) { recordMinutes(meetingId: $m, minutes: $t) { id } }",
        json!({ "m": mid(0), "t": minutes }),
        &auth,
    )
    .await;
    let q = "query($f: NaiveDate!) { meetings(from: $f) { id minutes } }";
    let seen = hub.data(q, json!({ "f": from.to_string() }), &auth).await;
    assert_eq!(seen["meetings"][0]["minutes"], minutes);
    let public = hub.data(q, json!({ "f": from.to_string() }), &[]).await;
    assert!(
        public["meetings"][0]["minutes"].is_null(),
        "minutes are for members"
    );

    // The participation report over the held meeting.
    let report = hub
        .data(
            "{ participationReport(lastMeetings: 6, threshold: 0.5) { organisation { id } meetings attended excused rate belowThreshold } }",
            json!({}),
            &auth,
        )
        .await;
    let rows = report["participationReport"].as_array().expect("rows");
    let row = |org: &Value| {
        rows.iter()
            .find(|r| r["organisation"]["id"] == org["id"])
            .cloned()
            .expect("a row per member")
    };
    assert_eq!(row(&members[0])["attended"], 1);
    assert_eq!(row(&members[0])["belowThreshold"], false);
    assert_eq!(row(&members[1])["excused"], 1);
    assert_eq!(row(&members[2])["attended"], 0);
    assert_eq!(row(&members[2])["belowThreshold"], true);

    // Every message once: the outbox says sent, the server got each Message-ID once.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let outbox = hub
        .data(
            "{ outboxMessages(first: 100) { totalCount nodes { state attempts } } }",
            json!({}),
            &auth,
        )
        .await;
    let total = outbox["outboxMessages"]["totalCount"]
        .as_i64()
        .expect("count");
    assert_eq!(total, 19);
    assert!(
        outbox["outboxMessages"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .all(|n| n["state"] == "SENT"),
        "{outbox}"
    );
    let received: Vec<Mail> = sink.received().iter().map(|m| parse_mail(m)).collect();
    assert_eq!(received.len(), 19, "nothing lost, nothing twice");
    let mut ids: Vec<&str> = received.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 19, "distinct Message-IDs");
    if mail_server_down_at_first {
        let retried = outbox["outboxMessages"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["attempts"].as_i64().unwrap_or(0) >= 2)
            .count();
        assert_eq!(
            retried, 4,
            "the four confirmations needed more than one attempt"
        );
    }
}

async fn cycle_with_mail_server(backend: Backend) {
    cycle(backend, false).await;
}
both_backends!(meeting_cycle, cycle_with_mail_server);

async fn cycle_with_mail_server_down_at_first(backend: Backend) {
    cycle(backend, true).await;
}
both_backends!(
    meeting_cycle_survives_a_dead_mail_server,
    cycle_with_mail_server_down_at_first
);

async fn retention(backend: Backend) {
    let db = TestDb::new(backend);
    // The meeting cycle from its start: no representatives, meeting or guests yet.
    cli_ok(&db, &["demo", "--directory-only"]);
    let sink = SmtpSink::start().await;
    let port = sink.port;
    let hub = start_hub(&db, port).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let (members, _) = crate::support::organisations(&hub).await;
    let from = (chrono::Utc::now() + chrono::Duration::days(10)).date_naive();
    let made = hub
        .data(
            "mutation($f: NaiveDate!) { scheduleMeetings(name: \"Netzwerksitzung\", from: $f, count: 2) { id } }",
            json!({ "f": from.to_string() }),
            &auth,
        )
        .await;
    let mid = |i: usize| {
        made["scheduleMeetings"][i]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    hub.data(
        "mutation($o: ID!) { addRepresentative(organisationId: $o, name: \"Petra Schulz\", email: \"petra@verein-a.example\") { id } }",
        json!({ "o": members[0]["id"] }),
        &auth,
    )
    .await;
    // Old meeting: two guests (one approved and invited, one only asking), one of whom
    // also asked for the later meeting; later meeting: that guest and a third.
    let mut tokens = HashMap::new();
    for (m, name, email) in [
        (0, "Amal Haddad", "amal@guest.example"),
        (0, "Bernd Krause", "bernd@guest.example"),
        (1, "Bernd Krause", "bernd@guest.example"),
        (1, "Carla Wendt", "carla@guest.example"),
    ] {
        let r = hub
            .data(
                REQUEST,
                json!({ "m": mid(m), "n": name, "e": email, "c": true }),
                &[],
            )
            .await;
        tokens.insert(
            (m, email),
            r["requestGuestInvitation"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let confirmations = wait_for(&sink, 4).await;
    let token = token_in(
        confirmations
            .iter()
            .find(|m| m.to == "amal@guest.example")
            .expect("Amal's confirmation"),
    );
    hub.data(
        "mutation($t: String!) { confirmGuestRequest(token: $t) { status } }",
        json!({ "t": token }),
        &[],
    )
    .await;
    hub.data(
        "mutation($r: ID!) { decideGuestRequest(requestId: $r, approve: true) { status } }",
        json!({ "r": tokens[&(0, "amal@guest.example")] }),
        &auth,
    )
    .await;
    hub.data(
        "mutation($m: ID!) { assignHost(meetingId: $m) { id } }",
        json!({ "m": mid(0) }),
        &auth,
    )
    .await;
    let issued = hub
        .data(
            "mutation($m: ID!) { issueInvitations(meetingId: $m) { queued } }",
            json!({ "m": mid(0) }),
            &auth,
        )
        .await;
    assert_eq!(issued["issueInvitations"]["queued"], 2);
    // The first meeting took place 40 days ago (moved there; that sends updates too).
    let past = (chrono::Utc::now() - chrono::Duration::days(40))
        .date_naive()
        .and_hms_opt(14, 0, 0)
        .expect("time");
    hub.data(
        "mutation($m: ID!, $s: NaiveDateTime!) { rescheduleMeeting(meetingId: $m, start: $s) { id } }",
        json!({ "m": mid(0), "s": past.format("%Y-%m-%dT%H:%M:%S").to_string() }),
        &auth,
    )
    .await;
    let count = |v: &Value, to: &str| {
        v["outboxMessages"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["recipient"] == to)
            .count()
    };
    let before = hub
        .data(
            "{ outboxMessages(first: 100) { totalCount nodes { recipient } } }",
            json!({}),
            &auth,
        )
        .await;
    // Amal: confirmation, invitation, update. Bernd: two confirmations.
    assert_eq!(count(&before, "amal@guest.example"), 3);
    assert_eq!(count(&before, "bernd@guest.example"), 2);
    assert_eq!(count(&before, "petra@verein-a.example"), 2);

    // Within the retention period: nothing goes.
    let kept = cli_ok(&db, &["meetings", "purge-guests", "--days", "60"]);
    assert!(kept.contains("deleted 0 guest requests"), "{kept}");
    let out = cli_ok(&db, &["meetings", "purge-guests"]);
    assert!(
        out.contains("deleted 2 guest requests, 1 guest invitations, 3 e-mails to guests"),
        "{out}"
    );

    let guests = |m: String| {
        let hub = &hub;
        async move {
            let d = hub
                .data(
                    "query($m: ID!) { guestRequests(meetingId: $m) { email } }",
                    json!({ "m": m }),
                    &auth,
                )
                .await;
            let mut v: Vec<String> = d["guestRequests"]
                .as_array()
                .expect("list")
                .iter()
                .map(|g| g["email"].as_str().unwrap_or("").to_owned())
                .collect();
            v.sort();
            v
        }
    };
    assert!(
        guests(mid(0)).await.is_empty(),
        "the old meeting's guests are gone"
    );
    assert_eq!(
        guests(mid(1)).await,
        ["bernd@guest.example", "carla@guest.example"],
        "the later meeting's guests stay"
    );
    let invited = hub
        .data(
            "query($m: ID!) { invitations(meetingId: $m) { email guest } }",
            json!({ "m": mid(0) }),
            &auth,
        )
        .await;
    assert_eq!(
        invited["invitations"],
        json!([{ "email": "petra@verein-a.example", "guest": false }]),
        "representatives' invitations stay"
    );
    let after = hub
        .data(
            "{ outboxMessages(first: 100) { totalCount nodes { recipient } } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(count(&after, "amal@guest.example"), 0);
    assert_eq!(
        count(&after, "bernd@guest.example"),
        2,
        "Bernd still asks for the later meeting"
    );
    assert_eq!(count(&after, "carla@guest.example"), 1);
    assert_eq!(count(&after, "petra@verein-a.example"), 2);
    assert_eq!(
        after["outboxMessages"]["totalCount"].as_i64().unwrap_or(0),
        before["outboxMessages"]["totalCount"].as_i64().unwrap_or(0) - 3
    );
    // Running it again deletes nothing more.
    let again = cli_ok(&db, &["meetings", "purge-guests"]);
    assert!(
        again.contains("deleted 0 guest requests, 0 guest invitations, 0 e-mails"),
        "{again}"
    );
}
both_backends!(guest_data_retention, retention);
