//! Network meetings: the bi-monthly schedule and fair host rotation.

use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb};

const COORDINATOR: (&str, &str) = ("koordination@netzwerk-demo.example", "demo-koordination");

async fn schedule_and_rotation(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::directory_demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];

    // Who may host, in the order rotation must follow: members with a location, by name.
    let (eligible, _) = crate::support::organisations(&hub).await;
    let id_of = |i: usize| eligible[i]["id"].as_str().expect("id").to_owned();

    let made = hub
        .data("mutation { scheduleMeetings(name: \"Netzwerksitzung\", from: \"2027-01-01\") { id localStart start status host { id } } }", json!({}), &auth)
        .await;
    let meetings = made["scheduleMeetings"]
        .as_array()
        .expect("meetings")
        .clone();
    let starts: Vec<_> = meetings
        .iter()
        .map(|m| m["localStart"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        starts,
        [
            "2027-01-13T14:00:00",
            "2027-03-10T14:00:00",
            "2027-05-12T14:00:00",
            "2027-07-14T14:00:00",
            "2027-09-08T14:00:00",
            "2027-11-10T14:00:00"
        ]
    );
    assert_eq!(
        meetings[0]["start"], "2027-01-13T13:00:00+00:00",
        "winter time"
    );
    assert_eq!(
        meetings[3]["start"], "2027-07-14T12:00:00+00:00",
        "summer time"
    );
    assert!(
        meetings
            .iter()
            .all(|m| m["status"] == "PLANNED" && m["host"].is_null())
    );
    let mid = |i: usize| meetings[i]["id"].as_str().expect("id").to_owned();

    let assign = "mutation($m: ID!) { assignHost(meetingId: $m) { host { id slug } location { id accessibility { wheelchairAccessible } } declinedBy { id } } }";
    let first = hub.data(assign, json!({ "m": mid(0) }), &auth).await;
    assert_eq!(
        first["assignHost"]["host"]["id"],
        id_of(0).as_str(),
        "never hosted, first by name"
    );
    assert_eq!(
        first["assignHost"]["location"]["id"],
        eligible[0]["locations"]["nodes"][0]["id"]
    );

    // The host declines: the next in order is asked.
    let slug0 = eligible[0]["slug"].as_str().expect("slug").to_owned();
    let editor = hub
        .login(&format!("redaktion@{slug0}.example"), "demo-redaktion")
        .await;
    let declined = hub
        .data(
            "mutation($m: ID!) { declineHosting(meetingId: $m) { host { id } declinedBy { id } } }",
            json!({ "m": mid(0) }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(declined["declineHosting"]["host"]["id"], id_of(1).as_str());
    assert_eq!(
        declined["declineHosting"]["declinedBy"][0]["id"],
        id_of(0).as_str()
    );
    // Declining one date does not move the organisation back in the queue.
    assert_eq!(
        hub.data(assign, json!({ "m": mid(1) }), &auth).await["assignHost"]["host"]["id"],
        id_of(0).as_str()
    );
    assert_eq!(
        hub.data(assign, json!({ "m": mid(2) }), &auth).await["assignHost"]["host"]["id"],
        id_of(2).as_str()
    );

    // Only the coordinator plans; editors may only decline for their own organisation.
    let (code, _) = hub
        .error(
            assign,
            json!({ "m": mid(3) }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = hub
        .error(
            "mutation($m: ID!) { declineHosting(meetingId: $m) { id } }",
            json!({ "m": mid(2) }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN", "another organisation's date");
    let (code, _) = hub
        .error(
            "mutation { scheduleMeetings(name: \"x\", from: \"2027-01-01\") { id } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(code, "UNAUTHENTICATED");

    // The coordinator overrides; a location must be the host's own.
    let set = "mutation($m: ID!, $o: ID!, $l: ID) { setMeetingHost(meetingId: $m, organisationId: $o, locationId: $l) { host { id } location { id } } }";
    let over = hub
        .data(set, json!({ "m": mid(3), "o": id_of(4) }), &auth)
        .await;
    assert_eq!(over["setMeetingHost"]["host"]["id"], id_of(4).as_str());
    let foreign = eligible[1]["locations"]["nodes"][0]["id"].clone();
    let (code, err) = hub
        .error(
            set,
            json!({ "m": mid(3), "o": id_of(4), "l": foreign }),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    let (code, err) = hub
        .error("mutation { scheduleMeetings(name: \"x\", from: \"2027-01-01\", cadence: {weekday: 9, start: \"9 Uhr\"}) { id } }", json!({}), &auth)
        .await;
    assert_eq!(code, "VALIDATION");
    let fields = crate::support::violation_fields(&err);
    assert_eq!(fields, ["cadence.weekday", "cadence.start"]);

    let listed = hub
        .data(
            "{ meetings(from: \"2027-01-01\", to: \"2028-01-01\") { host { id } } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(listed["meetings"].as_array().expect("list").len(), 6);
}
both_backends!(schedule_and_host_rotation, schedule_and_rotation);

async fn agenda(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let cauth = [("authorization", coord.as_str())];
    let made = hub.data("mutation { scheduleMeetings(name: \"Netzwerksitzung\", from: \"2027-01-01\", count: 1) { id } }", json!({}), &cauth).await;
    let meeting = made["scheduleMeetings"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let orgs = hub
        .data(
            "{ organisations(first: 2) { nodes { id slug } } }",
            json!({}),
            &[],
        )
        .await;
    let (org, slug) = (
        orgs["organisations"]["nodes"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned(),
        orgs["organisations"]["nodes"][0]["slug"]
            .as_str()
            .expect("slug")
            .to_owned(),
    );
    let other = orgs["organisations"]["nodes"][1]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let editor = hub
        .login(&format!("redaktion@{slug}.example"), "demo-redaktion")
        .await;
    let eauth = [("authorization", editor.as_str())];

    let propose = "mutation($m: ID!, $t: String!, $d: Int, $p: ID) { proposeAgendaItem(meetingId: $m, title: $t, durationMinutes: $d, presenterOrganisationId: $p) { id status presenter { id } proposedBy { id } } }";
    let p1 = hub
        .data(
            propose,
            json!({ "m": meeting, "t": "Vorstellung: neues Beratungsangebot", "d": 60 }),
            &eauth,
        )
        .await;
    assert_eq!(p1["proposeAgendaItem"]["status"], "PROPOSED");
    assert_eq!(p1["proposeAgendaItem"]["presenter"]["id"], org.as_str());
    let p2 = hub
        .data(
            propose,
            json!({ "m": meeting, "t": "Fördermittel 2027", "d": 70 }),
            &eauth,
        )
        .await;
    let (code, _) = hub
        .error(
            propose,
            json!({ "m": meeting, "t": "Fremd", "p": other }),
            &eauth,
        )
        .await;
    assert_eq!(
        code, "FORBIDDEN",
        "an editor proposes for their own organisation"
    );
    let (code, err) = hub
        .error(propose, json!({ "m": meeting, "t": " ", "d": 1 }), &eauth)
        .await;
    assert_eq!(code, "VALIDATION", "{err}");

    // The public sees only accepted items; the proposer and the coordinator see all.
    let q = "query { meetings(from: \"2027-01-01\", to: \"2027-02-01\") { agendaFinal agenda { title status } } }";
    assert_eq!(
        hub.data(q, json!({}), &[]).await["meetings"][0]["agenda"]
            .as_array()
            .expect("a")
            .len(),
        0
    );
    assert_eq!(
        hub.data(q, json!({}), &eauth).await["meetings"][0]["agenda"]
            .as_array()
            .expect("a")
            .len(),
        2
    );

    let decide =
        "mutation($i: ID!, $a: Boolean!) { decideAgendaItem(itemId: $i, accept: $a) { status } }";
    let (code, _) = hub
        .error(
            decide,
            json!({ "i": p1["proposeAgendaItem"]["id"], "a": true }),
            &eauth,
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    hub.data(
        decide,
        json!({ "i": p1["proposeAgendaItem"]["id"], "a": true }),
        &cauth,
    )
    .await;
    // 60 + 70 minutes do not fit into a 120-minute meeting.
    let (code, err) = hub
        .error(
            decide,
            json!({ "i": p2["proposeAgendaItem"]["id"], "a": true }),
            &cauth,
        )
        .await;
    assert_eq!(code, "VALIDATION");
    assert_eq!(
        err["extensions"]["violations"][0]["rule"], "agenda_fits",
        "{err}"
    );
    hub.data(
        decide,
        json!({ "i": p2["proposeAgendaItem"]["id"], "a": false }),
        &cauth,
    )
    .await;
    let public = hub.data(q, json!({}), &[]).await;
    assert_eq!(
        public["meetings"][0]["agenda"],
        json!([{ "title": "Vorstellung: neues Beratungsangebot", "status": "ACCEPTED" }])
    );
    assert_eq!(
        public["meetings"][0]["agendaFinal"], false,
        "preliminary until finalised"
    );

    hub.data(
        "mutation($m: ID!) { finaliseAgenda(meetingId: $m) { id } }",
        json!({ "m": meeting }),
        &cauth,
    )
    .await;
    assert_eq!(
        hub.data(q, json!({}), &[]).await["meetings"][0]["agendaFinal"],
        true
    );
    let (code, _) = hub
        .error(propose, json!({ "m": meeting, "t": "Zu spät" }), &eauth)
        .await;
    assert_eq!(code, "CONFLICT", "a final agenda takes no more items");
}
both_backends!(agenda_proposed_accepted_final, agenda);

async fn attendance(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let cauth = [("authorization", coord.as_str())];
    let made = hub.data("mutation { scheduleMeetings(name: \"Netzwerksitzung\", from: \"2027-01-01\", count: 3) { id } }", json!({}), &cauth).await;
    let ids: Vec<String> = made["scheduleMeetings"]
        .as_array()
        .expect("m")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect();
    let orgs = hub
        .data(
            "{ organisations(first: 2, filter: {membershipStatus: MEMBER}) { nodes { id slug } } }",
            json!({}),
            &[],
        )
        .await;
    let org = |i: usize| {
        orgs["organisations"]["nodes"][i]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let slug0 = orgs["organisations"]["nodes"][0]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let editor = hub
        .login(&format!("redaktion@{slug0}.example"), "demo-redaktion")
        .await;

    let add = "mutation($o: ID!, $n: String!, $e: String!, $l: String) { addRepresentative(organisationId: $o, name: $n, email: $e, language: $l) { id language } }";
    let a = hub
        .data(
            add,
            json!({ "o": org(0), "n": "Leyla Beispiel", "e": "leyla@verein.example", "l": "tr" }),
            &[("authorization", editor.as_str())],
        )
        .await;
    let (code, _) = hub
        .error(
            add,
            json!({ "o": org(1), "n": "X", "e": "x@y.example" }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, err) = hub
        .error(
            add,
            json!({ "o": org(0), "n": "X", "e": "kein-at", "l": "xx" }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "VALIDATION");
    assert_eq!(
        err["extensions"]["violations"].as_array().expect("v").len(),
        2,
        "{err}"
    );
    let b = hub
        .data(
            add,
            json!({ "o": org(1), "n": "Pavlo Beispiel", "e": "pavlo@verein.example" }),
            &cauth,
        )
        .await;
    let rep = |v: &serde_json::Value| {
        v["addRepresentative"]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let (ra, rb) = (rep(&a), rep(&b));
    let listed = hub
        .data(
            "query($o: ID!) { representatives(organisationId: $o) { name email } }",
            json!({ "o": org(0) }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(
        listed["representatives"][0]["email"],
        "leyla@verein.example"
    );
    let (code, _) = hub
        .error(
            "query($o: ID!) { representatives(organisationId: $o) { name } }",
            json!({ "o": org(0) }),
            &[],
        )
        .await;
    assert_eq!(
        code, "UNAUTHENTICATED",
        "representatives' addresses are not public"
    );

    let record = "mutation($m: ID!, $r: ID!, $s: AttendanceStatus!) { recordAttendance(meetingId: $m, representativeId: $r, status: $s) { status } }";
    for (m, r, s) in [
        (0, &ra, "PRESENT"),
        (1, &ra, "PRESENT"),
        (2, &ra, "PRESENT"),
        (0, &rb, "EXCUSED"),
        (1, &rb, "ABSENT"),
        (2, &rb, "PRESENT"),
    ] {
        let d = hub
            .data(record, json!({ "m": ids[m], "r": r, "s": s }), &cauth)
            .await;
        assert_eq!(d["recordAttendance"]["status"], "HELD");
    }
    let (code, _) = hub
        .error(
            record,
            json!({ "m": ids[0], "r": ra, "s": "ABSENT" }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN");

    let report = hub
        .data("{ participationReport(lastMeetings: 3, threshold: 0.75) { organisation { id } meetings attended excused rate lastAttended belowThreshold } }", json!({}), &cauth)
        .await;
    let rows = report["participationReport"].as_array().expect("rows");
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["organisation"]["id"] == id)
            .cloned()
            .expect("listed")
    };
    let (r0, r1) = (row(&org(0)), row(&org(1)));
    assert_eq!(
        (
            r0["attended"].as_i64(),
            r0["belowThreshold"].as_bool(),
            r0["lastAttended"].as_str()
        ),
        (Some(3), Some(false), Some("2027-05-12"))
    );
    assert_eq!(
        (
            r1["attended"].as_i64(),
            r1["excused"].as_i64(),
            r1["belowThreshold"].as_bool()
        ),
        (Some(1), Some(1), Some(true))
    );
    assert!(
        rows.iter()
            .filter(|r| r["attended"] == 0)
            .all(|r| r["belowThreshold"] == true),
        "members who never came are flagged"
    );
}
both_backends!(attendance_and_participation_report, attendance);

async fn meeting_feeds(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::directory_demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let cauth = [("authorization", coord.as_str())];
    let from = (chrono::Utc::now() + chrono::Duration::days(30))
        .date_naive()
        .to_string();
    let made = hub
        .data("mutation($f: NaiveDate!) { scheduleMeetings(name: \"Netzwerksitzung\", from: $f, count: 2) { id } }", json!({ "f": from }), &cauth)
        .await;
    let id = made["scheduleMeetings"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let host = hub
        .data(
            "mutation($m: ID!) { assignHost(meetingId: $m) { host { name } } }",
            json!({ "m": id }),
            &cauth,
        )
        .await;
    let host_name = host["assignHost"]["host"]["name"]
        .as_str()
        .expect("name")
        .to_owned();
    hub.data("mutation($m: ID!) { proposeAgendaItem(meetingId: $m, title: \"Begrüßung, Vorstellungsrunde\", durationMinutes: 20) { id } }", json!({ "m": id }), &cauth).await;

    let c = hub.client();
    let all = c
        .get(format!("{}/ical/meetings.ics", hub.base))
        .send()
        .await
        .expect("get");
    assert_eq!(all.status(), 200);
    let body = all.text().await.expect("body");
    let parsed = netzwerk_calendar::parse(body.as_bytes(), &netzwerk_calendar::Limits::default())
        .expect("parses");
    assert!(parsed.issues.is_empty(), "{:?}", parsed.issues);
    assert_eq!(parsed.events.len(), 2);
    let one = c
        .get(format!("{}/ical/meetings/{id}.ics", hub.base))
        .send()
        .await
        .expect("get");
    let etag = one.headers()["etag"].to_str().expect("etag").to_owned();
    let text = one.text().await.expect("body");
    assert!(text.contains(&format!("UID:meeting-{id}@netzwerk-hub")));
    assert!(text.contains("Vorläufige Tagesordnung"), "{text}");
    assert!(
        text.replace("\r\n ", "").contains(&format!(
            "SUMMARY:Netzwerksitzung bei {}",
            host_name.replace(',', "\\,").replace(';', "\\;")
        )),
        "{text}"
    );
    let again = c
        .get(format!("{}/ical/meetings/{id}.ics", hub.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(again.status(), 304);
    assert_eq!(
        c.get(format!("{}/ical/meetings/unbekannt.ics", hub.base))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
}
both_backends!(meeting_feeds_are_rfc5545, meeting_feeds);

/// A list of meetings with host, location, agenda (with presenters) and declines costs
/// the same few statements for 20 meetings as for 2: nothing is read per meeting.
async fn meeting_list_statements(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let made = hub
        .data(
            "mutation { scheduleMeetings(name: \"Zwanzig Sitzungen\", from: \"2030-01-01\", count: 20, cadence: {everyMonths: 1}) { id } }",
            json!({}),
            &auth,
        )
        .await;
    let ids: Vec<String> = made["scheduleMeetings"]
        .as_array()
        .expect("meetings")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(ids.len(), 20);
    for (i, id) in ids.iter().enumerate() {
        hub.data(
            "mutation($m: ID!) { assignHost(meetingId: $m) { id } }",
            json!({ "m": id }),
            &auth,
        )
        .await;
        if i % 2 == 0 {
            // The host declines; the next in rotation takes over.
            hub.data(
                "mutation($m: ID!) { declineHosting(meetingId: $m) { id } }",
                json!({ "m": id }),
                &auth,
            )
            .await;
        }
        hub.data(
            "mutation($m: ID!) { proposeAgendaItem(meetingId: $m, title: \"Berichte aus den Vereinen\", durationMinutes: 30) { id } }",
            json!({ "m": id }),
            &auth,
        )
        .await;
    }
    let list = "query($from: NaiveDate!, $to: NaiveDate!) { meetings(from: $from, to: $to) { id status sequence agendaFinal minutes cancellationReason host { name } location { name accessibility { wheelchairAccessible } } agenda { title status presenter { name } proposedBy { name } } declinedBy { name } } }";
    let mut counts = Vec::new();
    for (to, expected) in [("2030-03-01", 2), ("2032-01-01", 20)] {
        let (status, statements, body) = hub
            .post(list, json!({ "from": "2030-01-01", "to": to }), &auth)
            .await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        let meetings = body["data"]["meetings"].as_array().expect("list");
        assert_eq!(meetings.len(), expected);
        assert!(meetings.iter().all(|m| !m["host"].is_null()
            && !m["location"].is_null()
            && m["agenda"].as_array().is_some_and(|a| a.len() == 1)));
        assert!(
            meetings[0]["declinedBy"]
                .as_array()
                .is_some_and(|d| d.len() == 1),
            "{}",
            meetings[0]
        );
        counts.push(statements);
    }
    assert!(counts[0] > 0, "the Hub reports its statements");
    // The DataLoader may split one batch in two by timing; a read per meeting would
    // add 18 or more.
    assert!(
        counts[1] <= counts[0] + 1,
        "statements for 2 and for 20 meetings: {counts:?}"
    );
    assert!(
        counts[1] <= 8,
        "20 meetings with their relations took {} statements",
        counts[1]
    );
}
both_backends!(
    meeting_list_reads_no_relation_per_meeting,
    meeting_list_statements
);

/// The meeting cycle on the demo network exactly as `netzwerk demo` loads it: the next
/// meeting has a host, a place and a preliminary agenda with a member's proposal
/// waiting, two guests asked (one confirmed); the coordinator decides, finalises,
/// invites — the invitations wait in the outbox, as no mail server answers — and
/// records attendance and minutes, which members read and the public does not.
async fn demo_cycle(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let list = "{ meetings { id status agendaFinal minutes host { id slug } location { name } agenda { id title status proposedBy { slug } } } }";

    // Step 1: what the demo holds.
    let all = hub.data(list, json!({}), &auth).await;
    let meetings = all["meetings"].as_array().expect("meetings");
    assert_eq!(
        meetings.len(),
        1,
        "the demo schedules the next meeting: {all}"
    );
    let m = &meetings[0];
    let id = m["id"].as_str().expect("id").to_owned();
    assert_eq!(m["status"], "PLANNED");
    assert!(!m["host"].is_null() && !m["location"].is_null(), "{m}");
    assert_eq!(m["agendaFinal"], false);
    let agenda = m["agenda"].as_array().expect("agenda");
    let statuses: Vec<&str> = agenda.iter().filter_map(|i| i["status"].as_str()).collect();
    assert_eq!(statuses, ["ACCEPTED", "ACCEPTED", "PROPOSED"], "{m}");
    let proposal = agenda[2]["id"].as_str().expect("id").to_owned();
    let public = hub.data(list, json!({}), &[]).await;
    assert_eq!(
        public["meetings"][0]["agenda"].as_array().map(Vec::len),
        Some(2),
        "the public sees accepted items only"
    );
    let (members, _) = crate::support::organisations(&hub).await;
    let requests = hub
        .data(
            "query($m: ID!) { guestRequests(meetingId: $m) { id email status } }",
            json!({ "m": id }),
            &auth,
        )
        .await;
    let requests = requests["guestRequests"]
        .as_array()
        .expect("requests")
        .clone();
    let status_of: Vec<&str> = requests
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    assert_eq!(status_of, ["CONFIRMED", "UNCONFIRMED"]);
    let feeds = hub
        .data(
            "{ organisation(slug: \"nachbarschaftsnetz-adlershof\") { calendarFeeds { url } } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(
        feeds["organisation"]["calendarFeeds"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{feeds}"
    );

    // Step 2: the coordinator decides and finalises.
    let decided = hub
        .data(
            "mutation($i: ID!) { decideAgendaItem(itemId: $i, accept: true) { status } }",
            json!({ "i": proposal }),
            &auth,
        )
        .await;
    assert_eq!(decided["decideAgendaItem"]["status"], "ACCEPTED");
    let approved = hub
        .data(
            "mutation($r: ID!) { decideGuestRequest(requestId: $r, approve: true) { status } }",
            json!({ "r": requests[0]["id"] }),
            &auth,
        )
        .await;
    assert_eq!(approved["decideGuestRequest"]["status"], "APPROVED");
    let final_ = hub
        .data(
            "mutation($m: ID!) { finaliseAgenda(meetingId: $m) { agendaFinal } }",
            json!({ "m": id }),
            &auth,
        )
        .await;
    assert_eq!(final_["finaliseAgenda"]["agendaFinal"], true);

    // Step 3: invitations to every member's representative and the approved guest;
    // they wait in the outbox.
    let issued = hub
        .data(
            "mutation($m: ID!) { issueInvitations(meetingId: $m) { queued meeting { status } } }",
            json!({ "m": id }),
            &auth,
        )
        .await;
    assert_eq!(issued["issueInvitations"]["meeting"]["status"], "INVITED");
    let queued = issued["issueInvitations"]["queued"]
        .as_u64()
        .expect("queued");
    assert_eq!(queued, members.len() as u64 + 1, "{issued}");
    let outbox = hub
        .data(
            "{ outboxMessages(first: 100) { totalCount nodes { recipient state } } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(outbox["outboxMessages"]["totalCount"], queued);
    let nodes = outbox["outboxMessages"]["nodes"].as_array().expect("nodes");
    assert!(
        nodes
            .iter()
            .all(|n| n["state"] == "QUEUED" || n["state"] == "SENDING"),
        "{outbox}"
    );
    assert!(
        nodes.iter().any(|n| n["recipient"] == requests[0]["email"]),
        "the approved guest is invited"
    );

    // Step 4: attendance makes it held; minutes are for members.
    let host = m["host"]["id"].as_str().expect("host").to_owned();
    let reps = hub
        .data(
            "query($o: ID!) { representatives(organisationId: $o) { id } }",
            json!({ "o": host }),
            &auth,
        )
        .await;
    let rep = reps["representatives"][0]["id"].clone();
    let held = hub
        .data(
            "mutation($m: ID!, $r: ID!) { recordAttendance(meetingId: $m, representativeId: $r, status: PRESENT) { status } }",
            json!({ "m": id, "r": rep }),
            &auth,
        )
        .await;
    assert_eq!(held["recordAttendance"]["status"], "HELD");
    hub.data(
        "mutation($m: ID!) { recordMinutes(meetingId: $m, minutes: \"# Protokoll\\n\\nAlle Punkte besprochen.\") { id } }",
        json!({ "m": id }),
        &auth,
    )
    .await;
    let slug = m["host"]["slug"].as_str().expect("slug");
    let editor = hub
        .login(&format!("redaktion@{slug}.example"), "demo-redaktion")
        .await;
    let seen = |d: &serde_json::Value| d["meetings"][0]["minutes"].clone();
    assert_eq!(
        seen(
            &hub.data(list, json!({}), &[("authorization", editor.as_str())])
                .await
        ),
        "# Protokoll\n\nAlle Punkte besprochen."
    );
    assert!(seen(&hub.data(list, json!({}), &[]).await).is_null());
}
both_backends!(meeting_cycle_on_the_demo_network, demo_cycle);

/// Guest requests with their meeting, and organisations with their calendar feeds or
/// their change logs, cost the same statements however many there are (DataLoaders, no read per item).
async fn guest_and_feed_statements(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let from = (chrono::Utc::now() + chrono::Duration::days(60)).date_naive();
    let made = hub
        .data(
            "mutation($f: NaiveDate!) { scheduleMeetings(name: \"Gäste\", from: $f, count: 2) { id } }",
            json!({ "f": from.to_string() }),
            &auth,
        )
        .await;
    let id = |i: usize| {
        made["scheduleMeetings"][i]["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let ask = "mutation($m: ID!, $e: String!) { requestGuestInvitation(meetingId: $m, name: \"Gast\", email: $e, consent: true) { id } }";
    hub.data(ask, json!({ "m": id(0), "e": "eins@gast.example" }), &[])
        .await;
    for n in 0..6 {
        hub.data(
            ask,
            json!({ "m": id(1), "e": format!("gast{n}@gast.example") }),
            &[],
        )
        .await;
    }
    let list = "query($m: ID!) { guestRequests(meetingId: $m) { email meeting { id status agenda { title } host { name } } } }";
    let mut counts = Vec::new();
    for (m, expected) in [(id(0), 1), (id(1), 6)] {
        let (status, statements, body) = hub.post(list, json!({ "m": m }), &auth).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["data"]["guestRequests"].as_array().map(Vec::len),
            Some(expected),
            "{body}"
        );
        counts.push(statements);
    }
    assert!(counts[1] <= counts[0] + 1, "guest requests: {counts:?}");

    let feeds = "query($n: Int!) { organisations(first: $n) { nodes { slug calendarFeeds { url lastError } } } }";
    let mut counts = Vec::new();
    for n in [2, 28] {
        let (status, statements, body) = hub.post(feeds, json!({ "n": n }), &auth).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        counts.push(statements);
    }
    assert!(counts[1] <= counts[0] + 1, "calendar feeds: {counts:?}");

    let changes = "query($n: Int!) { organisations(first: $n) { nodes { slug changes(first: 2) { totalCount nodes { summary } } } } }";
    let mut counts = Vec::new();
    for n in [2, 28] {
        let (status, statements, body) = hub.post(changes, json!({ "n": n }), &auth).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        let nodes = body["data"]["organisations"]["nodes"]
            .as_array()
            .expect("nodes");
        assert_eq!(nodes.len(), n as usize);
        for org in nodes {
            let total = org["changes"]["totalCount"].as_i64().expect("total");
            let shown = org["changes"]["nodes"].as_array().expect("entries").len();
            assert!(total >= 1, "the demo logged {}: {org}", org["slug"]);
            assert_eq!(shown as i64, total.min(2), "{org}");
        }
        counts.push(statements);
    }
    assert!(counts[1] <= counts[0] + 1, "change logs: {counts:?}");

    let orgs = hub
        .data(
            "{ organisations(first: 7, filter: {membershipStatus: MEMBER}) { nodes { id slug } } }",
            json!({}),
            &auth,
        )
        .await;
    let org = |i: usize| orgs["organisations"]["nodes"][i]["id"].clone();
    let create = "mutation($o: ID!, $c: ID!, $t: String!) { createEvent(organisationId: $o, input: {title: $t, start: \"2027-10-19T16:00:00\", end: \"2027-10-19T18:00:00\", coOrganiserIds: [$c]}) { id } }";
    let mut first_event = None;
    for i in 0..6 {
        let made = hub
            .data(
                create,
                json!({ "o": org(i), "c": org(i + 1), "t": format!("Fest {i}") }),
                &auth,
            )
            .await;
        first_event.get_or_insert(made["createEvent"]["id"].clone());
    }
    let accepted = hub
        .data(
            "mutation($e: ID!, $o: ID!) { acceptCoOrganiser(eventId: $e, organisationId: $o) { coOrganisers { slug } } }",
            json!({ "e": first_event, "o": org(1) }),
            &auth,
        )
        .await;
    assert_eq!(
        accepted["acceptCoOrganiser"]["coOrganisers"][0]["slug"],
        orgs["organisations"]["nodes"][1]["slug"]
    );
    let events = "query($n: Int!) { events(first: $n) { nodes { title coOrganisers { slug } organisation { slug } } } }";
    let mut counts = Vec::new();
    let mut listed = Vec::new();
    for n in [1, 50] {
        let (status, statements, body) = hub.post(events, json!({ "n": n }), &auth).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        listed.push(
            body["data"]["events"]["nodes"]
                .as_array()
                .map_or(0, Vec::len),
        );
        counts.push(statements);
    }
    assert_eq!(listed, [1, 6]);
    assert!(
        counts[1] <= counts[0] + 1,
        "events with co-organisers: {counts:?}"
    );
}
both_backends!(
    guest_requests_and_feeds_read_nothing_per_item,
    guest_and_feed_statements
);
