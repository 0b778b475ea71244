//! Events and calendars: imports with bad lines reported, occurrences expanded on the
//! server across daylight saving, feeds out that parse again, member feeds polled from
//! a real HTTP server on loopback, and editing single occurrences.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli, cli_env, cli_ok};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/calendar/kiezwerkstatt.ics"
);
const ORG: &str = "kiezwerkstatt-spreebogen";

const OCCURRENCES: &str = "query($from: DateTime!, $to: DateTime!, $f: EventFilter) { eventOccurrences(from: $from, to: $to, filter: $f, first: 100) { totalCount nodes { title start end allDay localStart status changed recurrenceId event { id uid title organisation { slug } category source { uid imported } } } } }";

fn titles_at(d: &Value) -> Vec<(String, String)> {
    d["eventOccurrences"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                n["localStart"].as_str().unwrap_or_default().to_owned(),
                n["title"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn import(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["demo"]);
    let out = cli_ok(&db, &["calendar", "import", "--organisation", ORG, FIXTURE]);
    assert!(
        out.contains("created 4, updated 0, unchanged 0, removed 0, rejected 3"),
        "{out}"
    );
    assert!(
        out.contains("line 72:") && out.contains("is not a date or date-time"),
        "{out}"
    );
    assert!(
        out.contains("line 78:") && out.contains("before DTSTART"),
        "{out}"
    );
    assert!(
        out.contains("line 85:") && out.contains("unknown time zone"),
        "{out}"
    );
    let again = cli_ok(&db, &["calendar", "import", "--organisation", ORG, FIXTURE]);
    assert!(
        again.contains("created 0, updated 0, unchanged 4, removed 0, rejected 3"),
        "{again}"
    );
    let (ok, _, err) = cli(
        &db,
        &[
            "calendar",
            "import",
            "--organisation",
            "gibt-es-nicht",
            FIXTURE,
        ],
        None,
    );
    assert!(!ok && err.contains("gibt-es-nicht"), "{err}");
    let (ok, _, err) = cli(
        &db,
        &["calendar", "import", "--organisation", ORG, "/nicht/da.ics"],
        None,
    );
    assert!(!ok && err.contains("/nicht/da.ics"), "{err}");

    let hub = Hub::start(&db, &[]).await;
    let vars =
        |f: Value| json!({ "from": "2027-03-01T00:00:00Z", "to": "2027-04-14T00:00:00Z", "f": f });
    let d = hub
        .data(OCCURRENCES, vars(json!({ "text": "Sprachcafé" })), &[])
        .await;
    let got = titles_at(&d);
    let starts: Vec<&str> = got.iter().map(|(s, _)| s.as_str()).collect();
    // Tuesdays at 10:00 Berlin time before and after the switch to summer time on
    // 2027-03-28; the 16th moved to Wednesday 15:00, the 23rd cancelled, 6 April excluded.
    assert_eq!(
        starts,
        [
            "2027-03-02T10:00:00",
            "2027-03-09T10:00:00",
            "2027-03-17T15:00:00",
            "2027-03-30T10:00:00",
            "2027-04-13T10:00:00"
        ]
    );
    assert_eq!(got[2].1, "Sprachcafé (ausnahmsweise Mittwoch)");
    let nodes = d["eventOccurrences"]["nodes"].as_array().expect("nodes");
    assert_eq!(
        nodes[0]["start"], "2027-03-02T09:00:00+00:00",
        "winter: UTC+1"
    );
    assert_eq!(
        nodes[3]["start"], "2027-03-30T08:00:00+00:00",
        "summer: UTC+2"
    );
    assert_eq!(nodes[2]["changed"], true);
    assert_eq!(nodes[2]["recurrenceId"], "2027-03-16T10:00:00");
    assert_eq!(nodes[0]["event"]["source"]["imported"], true);
    assert_eq!(nodes[0]["event"]["uid"], "sprachcafe@kiezwerkstatt.example");
    assert_eq!(nodes[0]["event"]["organisation"]["slug"], ORG);
    assert_eq!(nodes[0]["end"], "2027-03-02T11:00:00+00:00");
    assert_eq!(nodes[0]["allDay"], false);
    // Every change of the series shows on an occurrence that is not changed itself
    // (the page reads all overrides only when they are asked for).
    let changes = hub
        .data(
            "query($from: DateTime!, $to: DateTime!, $f: EventFilter) { eventOccurrences(from: $from, to: $to, filter: $f, first: 1) { nodes { changed event { changedOccurrences { recurrenceId status } } } } }",
            vars(json!({ "text": "Sprachcafé" })),
            &[],
        )
        .await;
    let first = &changes["eventOccurrences"]["nodes"][0];
    assert_eq!(first["changed"], false, "{changes}");
    let listed: Vec<&str> = first["event"]["changedOccurrences"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["recurrenceId"].as_str())
        .collect();
    assert!(
        listed.contains(&"2027-03-16T10:00:00") && listed.contains(&"2027-03-23T10:00:00"),
        "{changes}"
    );

    // Pages of two, walked with their cursors, give the same occurrences in the same
    // order and the same total as the whole list (the server keeps only what a page
    // needs while it expands the window).
    let all = hub.data(OCCURRENCES, vars(json!({})), &[]).await;
    let everything: Vec<(String, String)> = all["eventOccurrences"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| (n["start"].to_string(), n["event"]["id"].to_string()))
        .collect();
    assert!(everything.len() > 6, "{all}");
    let paged_q = "query($from: DateTime!, $to: DateTime!, $after: String) { eventOccurrences(from: $from, to: $to, first: 2, after: $after) { totalCount nodes { start event { id } } pageInfo { hasNextPage endCursor } } }";
    let mut paged = Vec::new();
    let mut after = Value::Null;
    loop {
        let mut v = vars(json!({}));
        v["after"] = after.clone();
        let p = hub.data(paged_q, v, &[]).await;
        let occ = &p["eventOccurrences"];
        assert_eq!(occ["totalCount"], all["eventOccurrences"]["totalCount"]);
        for n in occ["nodes"].as_array().expect("nodes") {
            paged.push((n["start"].to_string(), n["event"]["id"].to_string()));
        }
        if occ["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = occ["pageInfo"]["endCursor"].clone();
        assert!(paged.len() <= everything.len(), "pages never end");
    }
    assert_eq!(paged, everything);
    // Pages end at position 10,000 (memory is bounded by the deepest page), and a
    // forged cursor past every list is refused, naming `after`.
    use base64::Engine as _;
    for (position, max) in [("10001", "10000"), ("99999999999999999999", "")] {
        let cursor =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("pos:{position}"));
        let mut v = vars(json!({}));
        v["after"] = json!(cursor);
        let (code, err) = hub.error(paged_q, v, &[]).await;
        assert_eq!(code, "VALIDATION", "{err}");
        assert!(err.to_string().contains("after"), "{err}");
        assert!(err.to_string().contains(max), "{err}");
    }

    let with_cancelled = hub
        .data(
            OCCURRENCES,
            vars(json!({ "text": "Sprachcafé", "includeCancelled": true })),
            &[],
        )
        .await;
    let cancelled: Vec<_> = with_cancelled["eventOccurrences"]["nodes"]
        .as_array()
        .expect("n")
        .iter()
        .filter(|n| n["status"] == "CANCELLED")
        .collect();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0]["localStart"], "2027-03-23T10:00:00");

    // Filters: category, organisation; an endless weekly series stays bounded by the window.
    let c = hub
        .data(
            OCCURRENCES,
            vars(json!({ "category": "COUNSELLING_HOURS", "organisation": ORG })),
            &[],
        )
        .await;
    assert_eq!(c["eventOccurrences"]["totalCount"], 7, "{c}");
    let other = hub
        .data(
            OCCURRENCES,
            vars(json!({ "organisation": "al-dschisr-koepenick" })),
            &[],
        )
        .await;
    assert_eq!(other["eventOccurrences"]["totalCount"], 0);
    let fest = hub
        .data(OCCURRENCES, json!({ "from": "2027-06-13T12:00:00Z", "to": "2027-06-20T00:00:00Z", "f": { "category": "INTERCULTURAL_FESTIVAL" } }), &[])
        .await;
    assert_eq!(
        titles_at(&fest),
        [(
            "2027-06-12T00:00:00".to_owned(),
            "Interkulturelles Kiezfest".to_owned()
        )]
    );
    let (code, _) = hub
        .error(
            OCCURRENCES,
            json!({ "from": "2027-01-01T00:00:00Z", "to": "2029-01-01T00:00:00Z" }),
            &[],
        )
        .await;
    assert_eq!(code, "VALIDATION");
    let series = hub.data("{ events(first: 10) { totalCount nodes { title recurrence { rule exdates } changedOccurrences { recurrenceId status } } } }", json!({}), &[]).await;
    assert_eq!(series["events"]["totalCount"], 4);
}
both_backends!(import_and_occurrences, import);

async fn feeds_out(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["demo"]);
    cli_ok(&db, &["calendar", "import", "--organisation", ORG, FIXTURE]);
    let hub = Hub::start(&db, &[]).await;
    let c = hub.client();
    let url = format!("{}/ical/organisations/{ORG}.ics", hub.base);
    let res = c.get(&url).send().await.expect("get");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/calendar")
    );
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    let body = res.text().await.expect("body");
    for needle in [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Berlin",
        "RRULE:FREQ=WEEKLY;BYDAY=TU",
        "RECURRENCE-ID;TZID=Europe/Berlin:20270316T100000",
        "STATUS:CANCELLED",
        "DTSTART;VALUE=DATE:20270612",
        "\r\n",
    ] {
        assert!(body.contains(needle), "feed lacks {needle:?}");
    }
    assert!(
        body.split("\r\n").all(|l| l.len() <= 75),
        "lines are folded at 75 octets"
    );
    // The feed parses again to the same series.
    let back = netzwerk_calendar::parse(body.as_bytes(), &netzwerk_calendar::Limits::default())
        .expect("parses");
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    assert_eq!(back.events.len(), 4);
    let cafe = back
        .events
        .iter()
        .find(|e| e.uid == "sprachcafe@kiezwerkstatt.example")
        .expect("UID kept");
    assert_eq!(cafe.overrides.len(), 2);

    let res = c
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 304);
    let network = c
        .get(format!("{}/ical/network.ics?targetGroup=youth", hub.base))
        .send()
        .await
        .expect("get");
    assert_eq!(network.status(), 200);
    let cat = c
        .get(format!(
            "{}/ical/categories/counselling_hours.ics",
            hub.base
        ))
        .send()
        .await
        .expect("get");
    assert!(cat.text().await.expect("body").contains("Sozialberatung"));
    assert_eq!(
        c.get(format!("{}/ical/categories/keine.ics", hub.base))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
    let relabelled = c
        .get(format!(
            "{}/ical/categories/counselling_hours.ics?category=intercultural_festival",
            hub.base
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(
        relabelled.status(),
        400,
        "a category feed keeps its category"
    );
    assert!(
        relabelled
            .text()
            .await
            .expect("body")
            .starts_with("category:")
    );
    assert_eq!(
        c.get(format!("{}/ical/network.ics?language=xx", hub.base))
            .send()
            .await
            .expect("get")
            .status(),
        400
    );
    assert_eq!(
        c.get(format!("{}/ical/organisations/gibt-es-nicht.ics", hub.base))
            .send()
            .await
            .expect("get")
            .status(),
        404
    );
}
both_backends!(feeds_out_are_rfc5545, feeds_out);

/// A calendar server on loopback whose answer the test changes.
#[derive(Clone)]
struct FeedServer {
    state: Arc<Mutex<(u16, String, String)>>,
    url: String,
}

impl FeedServer {
    async fn start(body: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "http://{}/kalender.ics",
            listener.local_addr().expect("addr")
        );
        let state = Arc::new(Mutex::new((200, "\"v1\"".to_owned(), body.to_owned())));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).to_lowercase();
                    let (status, etag, body) = shared.lock().map(|s| s.clone()).unwrap_or((
                        500,
                        String::new(),
                        String::new(),
                    ));
                    let not_modified = req.lines().any(|l| {
                        l.strip_prefix("if-none-match:")
                            .is_some_and(|v| v.trim() == etag)
                    });
                    let head = if status != 200 {
                        format!(
                            "HTTP/1.1 {status} Error\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        )
                    } else if not_modified {
                        format!(
                            "HTTP/1.1 304 Not Modified\r\netag: {etag}\r\nconnection: close\r\n\r\n"
                        )
                    } else {
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: text/calendar\r\netag: {etag}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        )
                    };
                    let _ = sock.write_all(head.as_bytes()).await;
                    if !not_modified || status != 200 {
                        let _ = sock.write_all(body.as_bytes()).await;
                    }
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self { state, url }
    }

    fn serve(&self, status: u16, etag: &str, body: &str) {
        if let Ok(mut s) = self.state.lock() {
            *s = (status, etag.to_owned(), body.to_owned());
        }
    }
}

fn poll(db: &TestDb, allow: bool) -> String {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_netzwerk"));
    let out = cmd
        .args(["calendar", "poll", "--all"])
        .env("NETZWERK__DATABASE__URL", &db.url)
        .env(
            "NETZWERK__FETCH__ALLOW_PRIVATE_ADDRESSES",
            if allow { "true" } else { "false" },
        )
        .env("NETZWERK__LOG__LEVEL", "error")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn member_feed(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["demo"]);
    let original = std::fs::read_to_string(FIXTURE).expect("fixture");
    let server = FeedServer::start(&original).await;
    cli_ok(
        &db,
        &[
            "calendar",
            "add-source",
            "--organisation",
            ORG,
            &server.url,
            "--interval",
            "30",
        ],
    );
    let (ok, _, err) = cli(
        &db,
        &["calendar", "add-source", "--organisation", ORG, &server.url],
        None,
    );
    assert!(!ok && err.contains("already"), "{err}");

    // Loopback is refused unless configuration allows it; nothing is stored.
    let refused = poll(&db, false);
    assert!(refused.contains("not allowed"), "{refused}");

    let first = poll(&db, true);
    assert!(
        first.contains("created 4, updated 0, unchanged 0, removed 0, rejected 3"),
        "{first}"
    );
    // Unchanged feed: the server answers 304 to the conditional GET.
    assert!(poll(&db, true).contains("1 not modified"));

    // An update (higher SEQUENCE) and a deletion (the Lesung is gone).
    let start = original.find("BEGIN:VEVENT\r\nUID:lesung").expect("lesung");
    let end =
        start + original[start..].find("END:VEVENT\r\n").expect("end") + "END:VEVENT\r\n".len();
    let changed = format!("{}{}", &original[..start], &original[end..])
        .replace("SEQUENCE:1", "SEQUENCE:2")
        .replace(
            "SUMMARY:Sprachcafé – Deutsch üben bei Kaffee und Kuchen",
            "SUMMARY:Sprachcafé – neu mit Kinderbetreuung",
        );
    server.serve(200, "\"v2\"", &changed);
    let second = poll(&db, true);
    assert!(
        second.contains("created 0, updated 1, unchanged 2, removed 1"),
        "{second}"
    );

    // A broken download or a cut-off feed changes nothing stored.
    server.serve(500, "\"v3\"", "kaputt");
    assert!(poll(&db, true).contains("HTTP 500"));
    let cut = &changed[..changed
        .find("BEGIN:VEVENT\r\nUID:beratung")
        .expect("beratung")];
    server.serve(200, "\"v4\"", cut);
    let partial = poll(&db, true);
    assert!(
        partial.contains("removed 0"),
        "a cut-off feed removes nothing: {partial}"
    );
    server.serve(200, "\"v5\"", "<html>not a calendar</html>");
    assert!(poll(&db, true).contains("failed"));

    let hub = Hub::start(&db, &[]).await;
    let d = hub
        .data(
            "{ events(first: 10) { totalCount nodes { title } } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(d["events"]["totalCount"], 3, "{d}");
    let titles: Vec<_> = d["events"]["nodes"]
        .as_array()
        .expect("n")
        .iter()
        .map(|n| n["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        titles.iter().any(|t| t.contains("Kinderbetreuung")),
        "{titles:?}"
    );
    let editor = hub
        .login(&format!("redaktion@{ORG}.example"), "demo-redaktion")
        .await;
    let health = hub
        .data("query($s: String!) { organisation(slug: $s) { calendarFeeds { url lastError consecutiveFailures eventCount rejectedCount lastSuccessAt } } }", json!({ "s": ORG }), &[("authorization", editor.as_str())])
        .await;
    let feed = &health["organisation"]["calendarFeeds"][0];
    assert!(
        feed["lastError"]
            .as_str()
            .unwrap_or_default()
            .contains("not an iCalendar"),
        "{feed}"
    );
    assert_eq!(feed["consecutiveFailures"], 1);
    assert!(!feed["lastSuccessAt"].is_null());
    let (code, _) = hub
        .error(
            "query($s: String!) { organisation(slug: $s) { calendarFeeds { url } } }",
            json!({ "s": ORG }),
            &[],
        )
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
}
both_backends!(member_feeds_stay_in_sync, member_feed);

async fn editing(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let orgs = hub
        .data(
            "{ organisations(first: 2, filter: {membershipStatus: MEMBER}) { nodes { id slug } } }",
            json!({}),
            &[],
        )
        .await;
    let org = orgs["organisations"]["nodes"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let slug = orgs["organisations"]["nodes"][0]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let other = orgs["organisations"]["nodes"][1]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let editor = hub
        .login(&format!("redaktion@{slug}.example"), "demo-redaktion")
        .await;
    let auth = [("authorization", editor.as_str())];

    let created = hub
        .data(
            "mutation($o: ID!) { createEvent(organisationId: $o, input: {title: \"Elterncafé\", category: EDUCATION, start: \"2027-10-19T16:00:00\", end: \"2027-10-19T18:00:00\", rrule: \"FREQ=WEEKLY;COUNT=4\", languages: [\"de\", \"tr\"], targetGroups: [FAMILIES]}) { id source { uid imported } } }",
            json!({ "o": org }),
            &auth,
        )
        .await;
    let id = created["createEvent"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(created["createEvent"]["source"]["imported"], false);

    // A member organisation asked to co-organise is listed only once its editors
    // accept; the organiser cannot answer for it; it may withdraw again.
    let co = hub
        .data("mutation($e: ID!, $o: ID!) { updateEvent(id: $e, input: {coOrganiserIds: [$o]}) { coOrganisers { id } } }", json!({ "e": id, "o": other }), &auth)
        .await;
    assert_eq!(
        co["updateEvent"]["coOrganisers"],
        json!([]),
        "asked, not accepted"
    );
    let other_slug = orgs["organisations"]["nodes"][1]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let listed_with_other = || async {
        hub.data(
            "query($s: String) { events(filter: {organisation: $s}) { totalCount } }",
            json!({ "s": other_slug }),
            &[],
        )
        .await["events"]["totalCount"]
            .clone()
    };
    let feed_of_other = || async {
        hub.client()
            .get(format!("{}/ical/organisations/{other_slug}.ics", hub.base))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body")
    };
    assert_eq!(listed_with_other().await, 0, "not listed before it accepts");
    assert!(!feed_of_other().await.contains("Elterncafé"));
    let other_editor = hub
        .login(&format!("redaktion@{other_slug}.example"), "demo-redaktion")
        .await;
    let other_auth = [("authorization", other_editor.as_str())];
    let asked = hub
        .data(
            "query($o: ID!) { coOrganiserInvitations(organisationId: $o) { id } }",
            json!({ "o": other }),
            &other_auth,
        )
        .await;
    assert_eq!(asked["coOrganiserInvitations"][0]["id"], id.as_str());
    let accept = "mutation($e: ID!, $o: ID!) { acceptCoOrganiser(eventId: $e, organisationId: $o) { coOrganisers { id } } }";
    let (code, _) = hub
        .error(accept, json!({ "e": id, "o": other }), &auth)
        .await;
    assert_eq!(
        code, "FORBIDDEN",
        "the organiser cannot accept for the asked"
    );
    let accepted = hub
        .data(accept, json!({ "e": id, "o": other }), &other_auth)
        .await;
    assert_eq!(
        accepted["acceptCoOrganiser"]["coOrganisers"][0]["id"],
        other.as_str()
    );
    assert_eq!(listed_with_other().await, 1);
    assert!(
        feed_of_other().await.contains("Elterncafé"),
        "the co-organiser's feed has the event"
    );
    // Editing the event keeps the acceptance.
    hub.data(
        "mutation($e: ID!) { updateEvent(id: $e, input: {description: \"Mit Kinderbetreuung\"}) { id } }",
        json!({ "e": id }),
        &auth,
    )
    .await;
    assert_eq!(
        listed_with_other().await,
        1,
        "an edit keeps the co-organiser"
    );
    let (code, _) = hub
        .error(
            "mutation($e: ID!) { updateEvent(id: $e, input: {title: \"übernommen\"}) { id } }",
            json!({ "e": id }),
            &[("authorization", other_editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, err) = hub
        .error("mutation($e: ID!, $o: ID!) { updateEvent(id: $e, input: {coOrganiserIds: [$o]}) { id } }", json!({ "e": id, "o": org }), &auth)
        .await;
    assert_eq!(
        code, "VALIDATION",
        "the organiser is no co-organiser of itself: {err}"
    );
    // Withdrawing removes it from the event and its listings.
    let withdrawn = hub
        .data(
            "mutation($e: ID!, $o: ID!) { withdrawCoOrganiser(eventId: $e, organisationId: $o) { coOrganisers { id } } }",
            json!({ "e": id, "o": other }),
            &other_auth,
        )
        .await;
    assert_eq!(withdrawn["withdrawCoOrganiser"]["coOrganisers"], json!([]));
    assert_eq!(listed_with_other().await, 0);
    let window = json!({ "from": "2027-10-01T00:00:00Z", "to": "2027-12-01T00:00:00Z", "f": { "language": "tr" } });
    let d = hub.data(OCCURRENCES, window.clone(), &[]).await;
    let starts: Vec<_> = titles_at(&d).into_iter().map(|(s, _)| s).collect();
    // Across the end of summer time on 2027-10-31: still 16:00 local.
    assert_eq!(
        starts,
        [
            "2027-10-19T16:00:00",
            "2027-10-26T16:00:00",
            "2027-11-02T16:00:00",
            "2027-11-09T16:00:00"
        ]
    );

    hub.data("mutation($e: ID!) { cancelOccurrence(eventId: $e, recurrenceId: \"2027-10-26T16:00:00\") { id } }", json!({ "e": id }), &auth).await;
    hub.data(
        "mutation($e: ID!) { changeOccurrence(eventId: $e, recurrenceId: \"2027-11-02T16:00:00\", start: \"2027-11-03T17:00:00\", end: \"2027-11-03T19:00:00\") { id } }",
        json!({ "e": id }),
        &auth,
    )
    .await;
    let d = hub.data(OCCURRENCES, window.clone(), &[]).await;
    let starts: Vec<_> = titles_at(&d).into_iter().map(|(s, _)| s).collect();
    assert_eq!(
        starts,
        [
            "2027-10-19T16:00:00",
            "2027-11-03T17:00:00",
            "2027-11-09T16:00:00"
        ]
    );
    let (code, err) = hub
        .error("mutation($e: ID!) { cancelOccurrence(eventId: $e, recurrenceId: \"2027-10-20T16:00:00\") { id } }", json!({ "e": id }), &auth)
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    hub.data("mutation($e: ID!) { restoreOccurrence(eventId: $e, recurrenceId: \"2027-10-26T16:00:00\") { id } }", json!({ "e": id }), &auth).await;
    assert_eq!(
        hub.data(OCCURRENCES, window.clone(), &[]).await["eventOccurrences"]["totalCount"],
        4
    );

    // The whole series: change, cancel, delete.
    let upd = hub.data("mutation($e: ID!) { updateEvent(id: $e, input: {title: \"Elterncafé mit Kinderbetreuung\"}) { title recurrence { rule } } }", json!({ "e": id }), &auth).await;
    assert_eq!(
        upd["updateEvent"]["recurrence"]["rule"],
        "FREQ=WEEKLY;COUNT=4"
    );
    hub.data(
        "mutation($e: ID!) { cancelEvent(id: $e) { status } }",
        json!({ "e": id }),
        &auth,
    )
    .await;
    assert_eq!(
        hub.data(OCCURRENCES, window.clone(), &[]).await["eventOccurrences"]["totalCount"],
        0
    );

    // Bad input is named; other organisations are off limits.
    let (code, err) = hub
        .error("mutation($o: ID!) { createEvent(organisationId: $o, input: {title: \"x\", start: \"2027-10-19T16:00:00\", end: \"2027-10-19T15:00:00\", rrule: \"FREQ=SOMETIMES\", timezone: \"Mond/Basis\"}) { id } }", json!({ "o": org }), &auth)
        .await;
    assert_eq!(code, "VALIDATION");
    let fields = crate::support::violation_fields(&err);
    assert_eq!(fields, ["timezone", "end", "rrule"]);
    let (code, _) = hub.error("mutation($o: ID!) { createEvent(organisationId: $o, input: {title: \"x\", start: \"2027-10-19T16:00:00\"}) { id } }", json!({ "o": other }), &auth).await;
    assert_eq!(code, "FORBIDDEN");
    hub.data(
        "mutation($e: ID!) { deleteEvent(id: $e) { id } }",
        json!({ "e": id }),
        &auth,
    )
    .await;
    assert!(
        hub.data(
            "query($e: ID!) { event(id: $e) { id } }",
            json!({ "e": id }),
            &[]
        )
        .await["event"]
            .is_null()
    );
}
both_backends!(editing_events_and_occurrences, editing);

async fn background_polling(backend: Backend) {
    let db = TestDb::new(backend);
    // The directory only: the meeting cycle follows demo feeds that are not on loopback.
    cli_ok(&db, &["demo", "--directory-only"]);
    let server = FeedServer::start(&std::fs::read_to_string(FIXTURE).expect("fixture")).await;
    cli_ok(
        &db,
        &["calendar", "add-source", "--organisation", ORG, &server.url],
    );
    // `serve` polls due feeds in the background (the new feed is due at once).
    let hub = Hub::start(
        &db,
        &[
            ("NETZWERK__FETCH__ALLOW_PRIVATE_ADDRESSES", "true"),
            ("NETZWERK__CALENDAR__POLL", "true"),
        ],
    )
    .await;
    let mut seen = 0;
    for _ in 0..100 {
        seen = hub.data("{ events { totalCount } }", json!({}), &[]).await["events"]["totalCount"]
            .as_i64()
            .unwrap_or(0);
        if seen == 4 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(
        seen, 4,
        "serve synced the feed in the background within 20 s"
    );
}
both_backends!(serve_polls_feeds_in_the_background, background_polling);

/// `demo` builds the occurrence index, imports keep it, `calendar index` says it is
/// current, and a horizon of another length builds it again with every occurrence.
async fn occurrence_index_cli(backend: Backend) {
    let db = TestDb::new(backend);
    let demo = cli_ok(&db, &["demo"]);
    assert!(demo.contains("occurrence index built over"), "{demo}");
    cli_ok(&db, &["calendar", "import", "--organisation", ORG, FIXTURE]);
    let current = cli_ok(&db, &["calendar", "index"]);
    assert!(
        current.starts_with("occurrence index current: "),
        "{current}"
    );
    let rebuilt = cli_env(
        &db,
        &["calendar", "index"],
        &[("NETZWERK__CALENDAR__OCCURRENCE_INDEX_DAYS_BACK", "40")],
    );
    let stored: usize = rebuilt
        .trim()
        .rsplit(": ")
        .next()
        .and_then(|n| n.strip_suffix(" occurrences"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{rebuilt}"));
    assert!(
        rebuilt.starts_with("occurrence index built over") && stored > 0,
        "{rebuilt}"
    );
    // Back to 31 days: the start moves later, nothing is built again.
    let shorter = cli_ok(&db, &["calendar", "index"]);
    assert!(
        shorter.starts_with("occurrence index moved on to ")
            && shorter.contains(": 0 occurrences added"),
        "{shorter}"
    );
}
both_backends!(occurrence_index_is_built_and_kept, occurrence_index_cli);

/// A feed larger than a page of events is written a page at a time: every event once,
/// in the order of their first start across the pages, with the zones of every page
/// defined in the head, and no length known in advance (streamed).
async fn large_feed(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["demo"]);
    // 1,234 events, written to the file in reverse order of their start; every
    // seventh a weekly series with a changed occurrence, every hundredth in New York.
    const N: usize = 1234;
    let mut ics = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//DE\r\n");
    for i in (0..N).rev() {
        let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("a date")
            + chrono::Duration::hours(i64::try_from(i).expect("small") * 7);
        let start = day.format("%Y%m%dT%H0000").to_string();
        let zone = if i % 100 == 0 {
            "America/New_York"
        } else {
            "Europe/Berlin"
        };
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:large-{i}@test.example\r\nDTSTART;TZID={zone}:{start}\r\nDURATION:PT1H\r\nSUMMARY:Termin {i}\r\n"
        ));
        if i % 7 == 0 {
            ics.push_str("RRULE:FREQ=WEEKLY;COUNT=4\r\nEND:VEVENT\r\n");
            let moved = (day + chrono::Duration::weeks(1)).format("%Y%m%dT%H0000");
            ics.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:large-{i}@test.example\r\nRECURRENCE-ID;TZID={zone}:{moved}\r\nDTSTART;TZID={zone}:{moved}\r\nDURATION:PT2H\r\nSUMMARY:Termin {i} (länger)\r\nEND:VEVENT\r\n"
            ));
        } else {
            ics.push_str("END:VEVENT\r\n");
        }
    }
    ics.push_str("END:VCALENDAR\r\n");
    let file = db.dir().join("large.ics");
    std::fs::write(&file, ics).expect("written");
    let out = cli_ok(
        &db,
        &[
            "calendar",
            "import",
            "--organisation",
            ORG,
            file.to_str().expect("a path"),
        ],
    );
    assert!(out.contains(&format!("created {N},")), "{out}");

    let hub = Hub::start(&db, &[]).await;
    let res = hub
        .client()
        .get(format!("{}/ical/organisations/{ORG}.ics", hub.base))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().get("content-length").is_none(),
        "a streamed feed has no length in advance"
    );
    let body = res.text().await.expect("body");
    assert!(body.ends_with("END:VCALENDAR\r\n"));
    assert_eq!(body.matches("BEGIN:VCALENDAR").count(), 1);
    for zone in ["TZID:Europe/Berlin", "TZID:America/New_York"] {
        let at = body.find(zone).unwrap_or_else(|| panic!("{zone} defined"));
        assert!(
            at < body.find("BEGIN:VEVENT").expect("events"),
            "{zone} in the head"
        );
    }
    let back = netzwerk_calendar::parse(body.as_bytes(), &netzwerk_calendar::Limits::default())
        .expect("parses");
    assert!(back.issues.is_empty(), "{:?}", back.issues);
    let ours: Vec<usize> = back
        .events
        .iter()
        .filter_map(|e| {
            e.uid
                .strip_prefix("large-")?
                .strip_suffix("@test.example")?
                .parse()
                .ok()
        })
        .collect();
    assert_eq!(
        ours,
        (0..N).collect::<Vec<_>>(),
        "every event once, by first start"
    );
    let series = back
        .events
        .iter()
        .find(|e| e.uid == "large-700@test.example")
        .expect("a series");
    assert_eq!(
        series.overrides.len(),
        1,
        "its changed occurrence came with it"
    );
}
both_backends!(large_feeds_stream_in_pages, large_feed);
