//! Hostile requests and database outages, against the real binary: the fragment
//! doubling request, far-future occurrence windows, password guessing, and
//! PostgreSQL cut off behind a loopback proxy. Every wait has a deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli_ok};

/// `{...F<n>}` with each fragment spreading the one before twice (2^n fields).
fn doubling(n: usize) -> String {
    let mut q = format!("{{...F{n}}} fragment F0 on Query{{localities}}");
    for i in 1..=n {
        q.push_str(&format!(
            " fragment F{i} on Query{{...F{} ...F{}}}",
            i - 1,
            i - 1
        ));
    }
    q
}

async fn fragment_doubling(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let hostile = doubling(40);
    assert!(hostile.len() < 1600, "about 1.4 KB: {}", hostile.len());
    let started = Instant::now();
    // Two by POST and one by GET at once, and a partner query beside them.
    let post = |q: String| {
        let client = hub.client().clone();
        let url = format!("{}/graphql", hub.base);
        async move {
            let res = client
                .post(url)
                .json(&json!({ "query": q }))
                .send()
                .await
                .expect("answered");
            (
                res.status().as_u16(),
                res.json::<Value>().await.expect("JSON"),
            )
        }
    };
    let get = {
        let client = hub.client().clone();
        let url = format!("{}/graphql", hub.base);
        let q = hostile.clone();
        async move {
            let res = client
                .get(url)
                .query(&[("query", q.as_str())])
                .header("accept", "application/json")
                .send()
                .await
                .expect("answered");
            (
                res.status().as_u16(),
                res.json::<Value>().await.expect("JSON"),
            )
        }
    };
    let other = hub.data("{ localities }", json!({}), &[]);
    let (a, b, c, ok) = tokio::join!(post(hostile.clone()), post(hostile.clone()), get, other);
    let elapsed = started.elapsed();
    eprintln!("fragment doubling: three refused and one answered in {elapsed:?}");
    for (status, body) in [a, b, c] {
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_QUERY");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("too costly"), "{message}");
        assert!(message.len() < 400, "the query is not echoed: {message}");
    }
    assert!(ok["localities"].is_array());
    assert!(
        elapsed < Duration::from_secs(2),
        "answered in {elapsed:?}, the limit is 2 s"
    );
    // Still answering afterwards.
    hub.data("{ localities }", json!({}), &[]).await;
}

both_backends!(fragment_doubling_is_refused_at_once, fragment_doubling);

async fn too_many_aliases_and_nested_pages(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let fields: Vec<String> = (0..101).map(|i| format!("a{i}: localities")).collect();
    let (status, _, body) = hub
        .post(&format!("{{ {} }}", fields.join(" ")), json!({}), &[])
        .await;
    assert_eq!(status, 400);
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("101 aliased fields"),
        "{body}"
    );
    let (status, _, body) = hub.post("{ organisations(first:100){nodes{services(first:100){nodes{locations(first:100){nodes{organisation{services(first:100){nodes{name}}}}}}}}}}", json!({}), &[]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_QUERY");
    // 100 aliases are fine.
    let fields: Vec<String> = (0..100).map(|i| format!("a{i}: localities")).collect();
    hub.data(&format!("{{ {} }}", fields.join(" ")), json!({}), &[])
        .await;
}

both_backends!(
    aliases_and_nested_pages_are_limited,
    too_many_aliases_and_nested_pages
);

async fn far_future_windows(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let (org, auth) = hub.editor_of("kiezwerkstatt-spreebogen").await;
    let auth = [("authorization", auth.as_str())];
    let minutes: Vec<String> = (0..60).step_by(5).map(|m| m.to_string()).collect();
    let hours: Vec<String> = (0..24).map(|h| h.to_string()).collect();
    let dense = format!(
        "FREQ=DAILY;BYHOUR={};BYMINUTE={}",
        hours.join(","),
        minutes.join(",")
    );
    for rule in ["FREQ=DAILY", dense.as_str()] {
        hub.data(
            "mutation($o: ID!, $r: String!) { createEvent(organisationId: $o, input: {title: \"Sprechstunde\", start: \"2026-12-01T00:00:00\", end: \"2026-12-01T00:04:00\", rrule: $r}) { id } }",
            json!({ "o": org, "r": rule }),
            &auth,
        )
        .await;
    }
    let window = |from: &str, to: &str| {
        format!(
            "{{ eventOccurrences(from: \"{from}\", to: \"{to}\", filter: {{organisation: \"kiezwerkstatt-spreebogen\"}}, first: 5) {{ totalCount nodes {{ start }} }} }}"
        )
    };
    // Warm the connection and the caches of both sides first.
    hub.data(
        &window("2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z"),
        json!({}),
        &[],
    )
    .await;
    for (from, to) in [
        ("9998-01-01T00:00:00Z", "9998-01-02T00:00:00Z"),
        ("9000-06-01T00:00:00Z", "9000-06-02T00:00:00Z"),
    ] {
        let started = Instant::now();
        let data = hub.data(&window(from, to), json!({}), &[]).await;
        let elapsed = started.elapsed();
        eprintln!("far future: {from} answered in {elapsed:?}");
        // One daily occurrence and 24 × 12 dense ones that start in the day, plus
        // those of the evening before that run into it (none: they last 4 minutes).
        let total = data["eventOccurrences"]["totalCount"].as_i64().unwrap_or(0);
        assert_eq!(total, 1 + 288, "{from}: {data}");
        assert!(
            elapsed < Duration::from_millis(300),
            "{from}: answered in {elapsed:?}, the limit is 0.3 s"
        );
    }
    // An all-day series far ahead: its ends stay RFC 3339 dates.
    hub.data(
        "mutation($o: ID!) { createEvent(organisationId: $o, input: {title: \"Ganztägig\", startDate: \"2026-12-01\", rrule: \"FREQ=DAILY\"}) { id } }",
        json!({ "o": org }),
        &auth,
    )
    .await;
    let all_day = hub
        .data(
            "{ eventOccurrences(from: \"9998-12-30T00:00:00Z\", to: \"9998-12-31T23:59:59Z\", filter: {organisation: \"kiezwerkstatt-spreebogen\"}, first: 100) { nodes { allDay start end } } }",
            json!({}),
            &[],
        )
        .await;
    let nodes = all_day["eventOccurrences"]["nodes"]
        .as_array()
        .expect("nodes");
    let days: Vec<&Value> = nodes.iter().filter(|n| n["allDay"] == true).collect();
    assert!(!days.is_empty(), "{all_day}");
    for n in days {
        for t in [&n["start"], &n["end"]] {
            let text = t.as_str().unwrap_or_default();
            assert!(
                chrono::DateTime::parse_from_rfc3339(text).is_ok(),
                "not RFC 3339: {text}"
            );
        }
    }
    // Beyond four-digit years there is nothing to expand to: refused at once.
    let started = Instant::now();
    let (code, err) = hub
        .error(
            &window("+10001-01-01T00:00:00Z", "+10001-01-02T00:00:00Z"),
            json!({}),
            &[],
        )
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    assert!(started.elapsed() < Duration::from_millis(300));
}

both_backends!(far_future_windows_are_fast, far_future_windows);

async fn login_guessing(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) }";
    let coordinator = "koordination@netzwerk-demo.example";

    // Several sign-ins in one request are refused before any is tried.
    let (status, _, body) = hub
        .post(
            "mutation { a: login(email: \"koordination@netzwerk-demo.example\", password: \"x1\") b: login(email: \"koordination@netzwerk-demo.example\", password: \"demo-koordination\") }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["data"].is_null() || body.get("data").is_none(),
        "{body}"
    );

    for email in [coordinator, "niemand@nirgendwo.example"] {
        let mut limited_at = None;
        for attempt in 1..=10 {
            let (status, _, body) = hub
                .post(
                    login,
                    json!({ "e": email, "p": format!("falsch-{attempt}") }),
                    &[],
                )
                .await;
            let code = body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or_default();
            if code == "RATE_LIMITED" {
                assert_eq!(status, 429, "{body}");
                let wait = body["errors"][0]["extensions"]["retryAfterSeconds"]
                    .as_u64()
                    .unwrap_or(0);
                assert!((1..=900).contains(&wait), "{body}");
                limited_at = Some(attempt);
                break;
            }
            assert_eq!(code, "UNAUTHENTICATED", "{body}");
        }
        let at = limited_at.unwrap_or_else(|| panic!("{email}: never RATE_LIMITED in 10 attempts"));
        assert!(at <= 10, "{email}: limited at attempt {at}");
    }
    // While locked, the right password is refused too …
    let (status, _, body) = hub
        .post(
            login,
            json!({ "e": coordinator, "p": "demo-koordination" }),
            &[],
        )
        .await;
    assert_eq!(status, 429, "{body}");
    // … until the operator lifts the lock.
    let out = cli_ok(&db, &["user", "unlock", coordinator]);
    assert!(out.contains("unlocked"), "{out}");
    hub.login(coordinator, "demo-koordination").await;
}

both_backends!(login_guessing_is_limited, login_guessing);

/// A TCP proxy on loopback in front of PostgreSQL that the test can cut (every open
/// connection closed, new ones refused) and restore.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    generation: Arc<tokio::sync::watch::Sender<u64>>,
}

impl Proxy {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let up = Arc::new(AtomicBool::new(true));
        let (tx, _) = tokio::sync::watch::channel(0u64);
        let generation = Arc::new(tx);
        let (up2, generation2) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    let _ = client.shutdown().await;
                    continue;
                }
                let mut cut = generation2.subscribe();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                    // Both sockets are dropped here: the connection is gone.
                });
            }
        });
        Self {
            port,
            up,
            generation,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

async fn ready_status(hub: &Hub) -> u16 {
    match hub
        .client()
        .get(format!("{}/readyz", hub.base))
        .timeout(Duration::from_secs(3))
        .send()
        .await
    {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    }
}

/// Polls `/readyz` until it answers `want`; returns how long that took.
async fn wait_ready(hub: &Hub, want: u16, deadline: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let got = ready_status(hub).await;
        if got == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < deadline,
            "/readyz still {got} after {deadline:?}, want {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL: set NETZWERK_TEST_POSTGRES_URL and run with -- --include-ignored"]
async fn postgres_outage_is_survived() {
    let db = TestDb::new(Backend::Postgres);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
    let rest = db.url.split_once('@').map(|(_, r)| r).expect("host in URL");
    let (hostport, path) = rest.split_once('/').expect("database in URL");
    let proxy = Proxy::start(hostport.to_owned()).await;
    let proxied = db
        .url
        .replace(hostport, &format!("127.0.0.1:{}", proxy.port));
    assert!(proxied.ends_with(path));
    let hub = Hub::start(
        &db,
        &[
            ("NETZWERK__DATABASE__URL", proxied.as_str()),
            ("NETZWERK__DATABASE__SSLMODE", "disable"),
            ("NETZWERK__CALENDAR__POLL", "false"),
            ("NETZWERK__FUNDING__POLL", "false"),
            ("NETZWERK__MAIL__SEND", "false"),
        ],
    )
    .await;
    let auth = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let auth = [("authorization", auth.as_str())];
    let create = "mutation($n: String!) { createOrganisation(input: {name: $n}) { slug } }";
    let before = hub
        .data(create, json!({ "n": "Vor dem Ausfall" }), &auth)
        .await;
    let slug = before["createOrganisation"]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    // Some connections in the pool, so the cut finds open ones.
    for _ in 0..4 {
        hub.data(
            "{ organisations(first: 3) { nodes { id } } }",
            json!({}),
            &[],
        )
        .await;
    }
    assert_eq!(ready_status(&hub).await, 200);

    proxy.cut();
    let down_after = wait_ready(&hub, 503, Duration::from_secs(5)).await;
    eprintln!("outage: /readyz 503 {down_after:?} after the cut");
    assert!(
        down_after <= Duration::from_secs(1),
        "/readyz said 503 only {down_after:?} after the cut"
    );
    let started = Instant::now();
    let (status, _, body) = hub
        .post(
            "{ organisations(first: 3) { nodes { id } } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAVAILABLE",
        "{body}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    // The HSDS API says the same, a stream included (its first batch is read before
    // the status is sent).
    for path in ["/hsds/services", "/hsds/services?format=ndjson"] {
        let res = hub
            .client()
            .get(format!("{}{path}", hub.base))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 503, "{path}");
        assert!(res.headers().contains_key("retry-after"), "{path}");
    }

    proxy.restore();
    let up_after = wait_ready(&hub, 200, Duration::from_secs(10)).await;
    eprintln!("outage: /readyz 200 {up_after:?} after the restore");
    assert!(
        up_after <= Duration::from_secs(5),
        "/readyz said 200 only {up_after:?} after the restore"
    );
    for i in 0..20 {
        let (status, _, body) = hub
            .post(
                "{ organisations(first: 3) { nodes { id } } }",
                json!({}),
                &[],
            )
            .await;
        assert_eq!(status, 200, "request {i} after the restore: {body}");
        assert!(body.get("errors").is_none(), "request {i}: {body}");
    }
    let hsds = hub
        .client()
        .get(format!("{}/hsds/services", hub.base))
        .send()
        .await
        .expect("request");
    assert_eq!(hsds.status(), 200, "/hsds after the restore");
    // The write acknowledged before the outage is there, and writing works again.
    let found = hub
        .data(
            "query($s: String!) { organisation(slug: $s) { id } }",
            json!({ "s": slug }),
            &[],
        )
        .await;
    assert!(found["organisation"]["id"].is_string(), "{found}");
    hub.data(create, json!({ "n": "Nach dem Ausfall" }), &auth)
        .await;
}

async fn credentials_are_never_ignored(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let key = crate::support::api_key(&db, &["--name", "Partnerseite"]);
    let token = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let raw_token = token.trim_start_matches("Bearer ");
    let lower = format!("bearer {raw_token}");
    let upper = format!("BEARER {raw_token}");
    let me = "{ me { role } }";
    // The scheme is case-insensitive.
    for h in [lower.as_str(), upper.as_str()] {
        let data = hub.data(me, json!({}), &[("authorization", h)]).await;
        assert_eq!(data["me"]["role"], "COORDINATOR", "{h}");
    }
    // An Authorization header that is not a usable bearer credential is 401 — also
    // next to a valid API key, which must not turn the request anonymous.
    for bad in [
        "Basic a29vcmQ6Z2VoZWlt",
        "Bearer ",
        "Bearer",
        "Bearer nwt_unbekannt",
        "Token x",
    ] {
        for with_key in [false, true] {
            let mut headers = vec![("authorization", bad)];
            if with_key {
                headers.push(("x-api-key", key.as_str()));
            }
            let (status, _, body) = hub.post(me, json!({}), &headers).await;
            assert_eq!(status, 401, "{bad:?} (with key: {with_key}): {body}");
            assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
        }
    }
    // The key alone is fine.
    hub.data("{ localities }", json!({}), &[("x-api-key", key.as_str())])
        .await;
}

both_backends!(
    credentials_are_refused_not_ignored,
    credentials_are_never_ignored
);

async fn headers_and_bodies(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let c = hub.client();
    let url = format!("{}/graphql", hub.base);

    // Sign-in answers are never cached; every answer forbids sniffing.
    let res = c
        .post(&url)
        .json(&json!({ "query": "mutation { login(email: \"koordination@netzwerk-demo.example\", password: \"demo-koordination\") }" }))
        .send()
        .await
        .expect("login");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");

    // The confirmation and unsubscribe pages may not be framed.
    for page in [
        "/guests/confirm?token=abc",
        "/digest/confirm?token=abc",
        "/digest/unsubscribe?token=abc",
    ] {
        let res = c
            .get(format!("{}{page}", hub.base))
            .send()
            .await
            .expect("page");
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap_or_default()
            .to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
    }

    // A parser error does not echo a long query back.
    let broken = format!("{{ localities {} ", "x".repeat(60_000));
    let (_, _, body) = hub.post(&broken, json!({}), &[]).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        !message.is_empty() && message.len() < 1000,
        "{} bytes",
        message.len()
    );
}

both_backends!(security_headers_and_error_bodies, headers_and_bodies);

async fn hostile_texts(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let (org, auth) = hub.editor_of("kiezwerkstatt-spreebogen").await;
    let auth = [("authorization", auth.as_str())];

    // Search texts are bounded (60,000 characters were INTERNAL on SQLite).
    let long = "beratung ".repeat(7000);
    for q in [
        "query($t: String) { services(filter: {text: $t}) { totalCount } }",
        "query($t: String) { organisations(filter: {text: $t}) { totalCount } }",
        "query($t: String) { events(filter: {text: $t}) { totalCount } }",
    ] {
        let (code, err) = hub.error(q, json!({ "t": long }), &[]).await;
        assert_eq!(code, "VALIDATION", "{q}: {err}");
        assert_eq!(err["extensions"]["violations"][0]["field"], "filter.text");
    }

    // A name with a line break could add an e-mail header: refused.
    let (code, err) = hub
        .error(
            "mutation($o: ID!) { addRepresentative(organisationId: $o, name: \"Rep\\r\\nBcc: x@example.org\", email: \"rep@example.org\") { id } }",
            json!({ "o": org }),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    assert_eq!(err["extensions"]["violations"][0]["rule"], "single_line");

    // Rules that would make an event vanish are refused, naming the part.
    for (rule, part) in [
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL=0"),
        ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", "BYSETPOS=0"),
        ("FREQ=MONTHLY;BYDAY=99MO", "BYDAY=99MO"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY=0"),
        ("FREQ=DAILY;UNTIL=99991231", "UNTIL=99991231"),
    ] {
        let (code, err) = hub
            .error(
                "mutation($o: ID!, $r: String!) { createEvent(organisationId: $o, input: {title: \"Treff\", start: \"2027-01-05T10:00:00\", rrule: $r}) { id } }",
                json!({ "o": org, "r": rule }),
                &auth,
            )
            .await;
        assert_eq!(code, "VALIDATION", "{rule}: {err}");
        assert!(err.to_string().contains(part), "{rule}: {err}");
    }
    let (code, err) = hub
        .error(
            "mutation($o: ID!) { createEvent(organisationId: $o, input: {title: \"Treff\", start: \"2301-01-05T10:00:00\"}) { id } }",
            json!({ "o": org }),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION", "{err}");

    // An occurrence's own title is validated like every title.
    let made = hub
        .data(
            "mutation($o: ID!) { createEvent(organisationId: $o, input: {title: \"Sprachcafé\", start: \"2027-01-05T10:00:00\", end: \"2027-01-05T12:00:00\", rrule: \"FREQ=WEEKLY\"}) { id } }",
            json!({ "o": org }),
            &auth,
        )
        .await;
    let event = made["createEvent"]["id"].as_str().expect("id").to_owned();
    let change = "mutation($e: ID!, $t: String) { changeOccurrence(eventId: $e, recurrenceId: \"2027-01-12T10:00:00\", title: $t) { id } }";
    for bad in [
        "Sprach\u{7}café".to_owned(),
        "x".repeat(100_000),
        "Zeile\nzwei".to_owned(),
    ] {
        let (code, err) = hub
            .error(change, json!({ "e": event, "t": bad }), &auth)
            .await;
        assert_eq!(code, "VALIDATION", "{err}");
        assert_eq!(err["extensions"]["violations"][0]["field"], "title");
    }
    hub.data(
        change,
        json!({ "e": event, "t": "Sprachcafé im Garten" }),
        &auth,
    )
    .await;
}

both_backends!(hostile_texts_are_refused, hostile_texts);

/// A funding feed with very many items is cut at `funding.max_items_per_feed`, and
/// the cut is named (a 9.5 MB feed once gave 135,000 items and 787 MB of memory).
#[test]
fn funding_feeds_have_an_item_cap() {
    let db = TestDb::new(Backend::Sqlite);
    let mut rss = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Viele</title><link>https://foerderung.example</link><description>x</description>",
    );
    for i in 0..50 {
        rss.push_str(&format!(
            "<item><title>Aufruf {i}</title><link>https://foerderung.example/{i}</link><pubDate>Mon, 02 Nov 2026 10:00:00 +0000</pubDate></item>"
        ));
    }
    rss.push_str("</channel></rss>");
    let path = db.dir().join("viele.rss");
    std::fs::write(&path, rss).expect("write");
    let out = crate::support::cli_env(
        &db,
        &["funding", "parse", path.to_str().expect("path")],
        &[("NETZWERK__FUNDING__MAX_ITEMS_PER_FEED", "10")],
    );
    let parsed: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(parsed["items"].as_array().map(Vec::len), Some(10), "{out}");
    assert!(
        parsed["issues"]
            .as_array()
            .expect("issues")
            .iter()
            .any(|i| i.as_str().unwrap_or_default().contains("only the first 10")),
        "{out}"
    );
}

/// Only editors of organisations whose membership is `MEMBER` count as members:
/// editors of applicants and former members see no members-only contact details.
async fn membership_counts(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let (members, outsider) = crate::support::organisations(&hub).await;
    let q = "{ organisations(first: 100) { nodes { slug contacts { nodes { visibility detailsHidden } } } } }";
    let members_only_hidden = |answer: &Value| -> Vec<bool> {
        answer["organisations"]["nodes"]
            .as_array()
            .expect("orgs")
            .iter()
            .flat_map(|o| {
                o["contacts"]["nodes"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|c| c["visibility"] == "MEMBERS")
            .map(|c| c["detailsHidden"].as_bool().unwrap_or(false))
            .collect()
    };
    let member_slug = members[0]["slug"].as_str().expect("slug");
    let member = hub
        .login(
            &format!("redaktion@{member_slug}.example"),
            "demo-redaktion",
        )
        .await;
    let seen = members_only_hidden(
        &hub.data(q, json!({}), &[("authorization", member.as_str())])
            .await,
    );
    assert!(
        !seen.is_empty() && seen.iter().all(|h| !h),
        "a member's editor sees them"
    );
    let outsider_slug = outsider["slug"].as_str().expect("slug");
    let status = outsider["membership"]["status"]
        .as_str()
        .unwrap_or_default();
    let former = hub
        .login(
            &format!("redaktion@{outsider_slug}.example"),
            "demo-redaktion",
        )
        .await;
    let seen = members_only_hidden(
        &hub.data(q, json!({}), &[("authorization", former.as_str())])
            .await,
    );
    assert!(
        seen.iter().all(|h| *h),
        "the editor of a {status} organisation is signed in but no member"
    );
}

both_backends!(only_members_count_as_members, membership_counts);

/// One client may ask for a limited number of digest subscriptions (12 addresses in
/// 15 ms once queued 12 e-mails); only this limit is told.
async fn digest_subscriptions_per_client(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
    let hub = Hub::start(
        &db,
        &[
            ("NETZWERK__MAIL__SEND", "false"),
            ("NETZWERK__FUNDING__SUBSCRIPTIONS_PER_CLIENT_PER_HOUR", "5"),
        ],
    )
    .await;
    let subscribe = "mutation($e: String!) { subscribeFundingDigest(email: $e, name: \"Leser\") { confirmed } }";
    let mut refused = None;
    for i in 0..12 {
        let (status, _, body) = hub
            .post(
                subscribe,
                json!({ "e": format!("leser{i}@example.org") }),
                &[],
            )
            .await;
        if body["errors"][0]["extensions"]["code"] == "RATE_LIMITED" {
            assert_eq!(status, 429, "{body}");
            refused = Some(i);
            break;
        }
        assert_eq!(
            body["data"]["subscribeFundingDigest"]["confirmed"], false,
            "{body}"
        );
    }
    assert_eq!(refused, Some(5), "the 6th request of one client is refused");
    let coord = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let queued = hub
        .data(
            "{ outboxMessages { totalCount } }",
            json!({}),
            &[("authorization", coord.as_str())],
        )
        .await;
    assert_eq!(queued["outboxMessages"]["totalCount"], 5, "{queued}");
}

both_backends!(
    digest_subscriptions_are_limited_per_client,
    digest_subscriptions_per_client
);

/// Feed URLs may carry credentials; logs, the change log, a feed's last error and the
/// CLI's output never repeat them.
async fn feed_credentials(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
    // A dead server: every poll fails, and the failure is recorded.
    let dead = crate::support::DeadServer::start().await;
    let port = dead.port;
    let secret = "geheim-7f3a";
    let key = "k-91c2";
    let url = format!("http://anna:{secret}@127.0.0.1:{port}/kalender.ics?token={key}");
    let env = [("NETZWERK__FETCH__ALLOW_PRIVATE_ADDRESSES", "true")];
    let mut outputs = vec![crate::support::cli_env(
        &db,
        &[
            "calendar",
            "add-source",
            "--organisation",
            "kiezwerkstatt-spreebogen",
            &url,
        ],
        &env,
    )];
    let poll = {
        let (_, out, err) = crate::support::cli(&db, &["calendar", "poll", "--all"], None);
        format!("{out}{err}")
    };
    outputs.push(poll);
    outputs.push(cli_ok(
        &db,
        &[
            "calendar",
            "sources",
            "--organisation",
            "kiezwerkstatt-spreebogen",
        ],
    ));
    let funding_url = format!("https://{secret}@foerderung.example/feed.xml?api_key={key}");
    outputs.push(cli_ok(&db, &["funding", "add-source", &funding_url]));
    outputs.push(cli_ok(&db, &["funding", "sources"]));
    for out in &outputs {
        assert!(!out.contains(secret) && !out.contains(key), "{out}");
    }
    assert!(outputs[2].contains("anna:***@"), "{}", outputs[2]);

    // No polling in the background: the funding feed's host is not on loopback.
    let hub = Hub::start(
        &db,
        &[
            ("NETZWERK__FUNDING__POLL", "false"),
            ("NETZWERK__CALENDAR__POLL", "false"),
        ],
    )
    .await;
    let coord = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let seen = hub
        .data(
            "{ organisation(slug: \"kiezwerkstatt-spreebogen\") { calendarFeeds { url lastError } changes(first: 50) { nodes { summary } } } }",
            json!({}),
            &[("authorization", coord.as_str())],
        )
        .await;
    let feeds = &seen["organisation"]["calendarFeeds"];
    assert!(feeds[0]["lastError"].is_string(), "the poll failed: {seen}");
    assert!(
        !feeds[0]["lastError"].to_string().contains(secret),
        "{seen}"
    );
    assert!(
        !seen["organisation"]["changes"].to_string().contains(secret),
        "{seen}"
    );
    assert!(
        !seen["organisation"]["changes"].to_string().contains(key),
        "{seen}"
    );
    // The coordinator, who set the feed up, still reads its URL in full.
    assert_eq!(feeds[0]["url"], url.as_str());
}

both_backends!(feed_credentials_are_never_repeated, feed_credentials);

/// GraphiQL comes from the Hub itself: pinned files, checked by Subresource Integrity,
/// under a Content-Security-Policy that allows no other origin.
async fn graphiql_from_the_hub(backend: Backend) {
    use base64::Engine as _;
    use sha2::Digest as _;

    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let res = hub
        .client()
        .get(format!("{}/graphql", hub.base))
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let page = res.text().await.expect("text");
    assert!(
        !page.contains("http://") && !page.contains("https://") && !page.contains("//unpkg"),
        "{page}"
    );
    let mut checked = 0;
    for tag in page.split('<').filter(|t| t.contains("/graphiql/")) {
        let attr = |name: &str| {
            tag.split(&format!("{name}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_owned)
        };
        let path = attr("src").or_else(|| attr("href")).expect("a file");
        let integrity = attr("integrity").expect("every file is checked by the browser");
        let res = hub
            .client()
            .get(format!("{}{path}", hub.base))
            .send()
            .await
            .expect("asset");
        assert_eq!(res.status(), 200, "{path}");
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap_or_default()
                .contains("immutable"),
            "{path}"
        );
        let bytes = res.bytes().await.expect("bytes");
        let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes));
        assert_eq!(integrity, format!("sha256-{digest}"), "{path}");
        checked += 1;
    }
    assert!(checked >= 4, "scripts and styles: {checked}");
    // GraphiQL's introspection query fits the limits.
    let schema = hub
        .data(netzwerk_gateway::guard::INTROSPECTION_QUERY, json!({}), &[])
        .await;
    assert!(
        schema["__schema"]["types"]
            .as_array()
            .is_some_and(|t| t.len() > 50)
    );
    let missing = hub
        .client()
        .get(format!("{}/graphiql/README.md", hub.base))
        .send()
        .await
        .expect("404");
    assert_eq!(missing.status(), 404);
}

both_backends!(graphiql_is_served_by_the_hub, graphiql_from_the_hub);

/// Only member organisations can be asked to co-organise an event: an applicant or a
/// former member is refused, naming the rule.
async fn co_organisers_are_members(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let (members, outsider) = crate::support::organisations(&hub).await;
    let (org, auth) = hub
        .editor_of(members[0]["slug"].as_str().expect("slug"))
        .await;
    let (code, err) = hub
        .error(
            "mutation($o: ID!, $c: ID!) { createEvent(organisationId: $o, input: {title: \"Fest\", start: \"2027-06-05T15:00:00\", coOrganiserIds: [$c]}) { id } }",
            json!({ "o": org, "c": outsider["id"] }),
            &[("authorization", auth.as_str())],
        )
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    assert_eq!(err["extensions"]["violations"][0]["rule"], "co_organiser");

    // A co-organiser asked while a member keeps its place when its membership ends:
    // the organiser can still edit the event.
    let auth = [("authorization", auth.as_str())];
    let partner = members[1]["id"].as_str().expect("id");
    let made = hub
        .data(
            "mutation($o: ID!, $c: ID!) { createEvent(organisationId: $o, input: {title: \"Fest\", start: \"2027-06-05T15:00:00\", coOrganiserIds: [$c]}) { id } }",
            json!({ "o": org, "c": partner }),
            &auth,
        )
        .await;
    let coordinator = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    hub.data(
        "mutation($c: ID!) { updateOrganisation(id: $c, input: {membershipStatus: FORMER}) { id } }",
        json!({ "c": partner }),
        &[("authorization", coordinator.as_str())],
    )
    .await;
    hub.data(
        "mutation($e: ID!) { updateEvent(id: $e, input: {description: \"Mit Musik\"}) { id } }",
        json!({ "e": made["createEvent"]["id"] }),
        &auth,
    )
    .await;
}

both_backends!(
    only_members_are_asked_to_co_organise,
    co_organisers_are_members
);

/// One poll-interval rule (5 minutes to a week) for calendar and funding feeds, in the
/// API and on the command line; calendar feeds took 1 minute before.
async fn poll_intervals(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coordinator = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let auth = [("authorization", coordinator.as_str())];
    let (org, _) = hub.editor_of("kiezwerkstatt-spreebogen").await;
    for (doc, minutes) in [
        (
            "mutation($o: ID!, $m: Int) { addCalendarFeed(organisationId: $o, url: \"https://kalender.example/a.ics\", intervalMinutes: $m) { id } }",
            1,
        ),
        (
            "mutation($o: ID!, $m: Int) { addCalendarFeed(organisationId: $o, url: \"https://kalender.example/b.ics\", intervalMinutes: $m) { id } }",
            10_081,
        ),
        (
            "mutation($m: Int) { addFundingSource(url: \"https://foerderung.example/a.xml\", funder: \"A\", intervalMinutes: $m) { id } }",
            4,
        ),
    ] {
        let (code, err) = hub
            .error(doc, json!({ "o": org, "m": minutes }), &auth)
            .await;
        assert_eq!(code, "VALIDATION", "{minutes}: {err}");
        assert_eq!(
            err["extensions"]["violations"][0]["field"],
            "intervalMinutes"
        );
    }
    let feed = hub
        .data(
            "mutation($o: ID!) { addCalendarFeed(organisationId: $o, url: \"https://kalender.example/c.ics\") { intervalMinutes } }",
            json!({ "o": org }),
            &auth,
        )
        .await;
    assert_eq!(
        feed["addCalendarFeed"]["intervalMinutes"], 60,
        "the configured default"
    );
    // One rule for the funder too: without one, the API takes the feed's host name as
    // the command line does, never the credentials before it.
    let unnamed = hub
        .data(
            "mutation { addFundingSource(url: \"https://nutzer:geheim@www.foerderfonds.example/rss\") { funder intervalMinutes } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(
        unnamed["addFundingSource"]["funder"],
        "foerderfonds.example"
    );
    assert_eq!(
        unnamed["addFundingSource"]["intervalMinutes"], 360,
        "the configured default"
    );
    let (ok, _, err) = crate::support::cli(
        &db,
        &[
            "calendar",
            "add-source",
            "--organisation",
            "kiezwerkstatt-spreebogen",
            "https://kalender.example/d.ics",
            "--interval",
            "2",
        ],
        None,
    );
    assert!(
        !ok && err.contains("--interval: must be 5 to 10080"),
        "{err}"
    );
}

both_backends!(poll_intervals_follow_one_rule, poll_intervals);
