//! Funding news end to end: RSS, Atom and JSON feeds served on loopback (one call in
//! two feeds of the same funder, the same link from another funder, an item without a
//! link, a broken feed, a 304, an update), stored opportunities read back through
//! GraphQL with facets and matching; and a weekly digest for a demo organisation,
//! subscribed with double opt-in, delivered to a real SMTP server on loopback, read
//! back and unsubscribed with one click.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::mail::SmtpSink;
use crate::support::{Backend, Hub, TestDb, cli, cli_ok};

const COORDINATOR: (&str, &str) = ("koordination@netzwerk-demo.example", "demo-koordination");

/// path → (status, content type, ETag, body)
type Routes = Arc<Mutex<HashMap<String, (u16, String, String, String)>>>;

/// An HTTP server on loopback serving feeds by path, answering `If-None-Match` with 304.
struct FeedServer {
    routes: Routes,
    base: String,
}

impl FeedServer {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let routes: Routes = Arc::new(Mutex::new(HashMap::new()));
        let shared = routes.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let path = req.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let route = shared.lock().ok().and_then(|r| r.get(&path).cloned());
                    let (status, ctype, etag, body) = route.unwrap_or((
                        404,
                        "text/plain".into(),
                        String::new(),
                        "not found".into(),
                    ));
                    let not_modified = status == 200
                        && req.lines().any(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("if-none-match:")
                                .is_some_and(|v| v.trim() == etag)
                        });
                    let head = if not_modified {
                        format!(
                            "HTTP/1.1 304 Not Modified\r\netag: {etag}\r\nconnection: close\r\n\r\n"
                        )
                    } else {
                        format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: {ctype}\r\netag: {etag}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        )
                    };
                    let _ = sock.write_all(head.as_bytes()).await;
                    if !not_modified {
                        let _ = sock.write_all(body.as_bytes()).await;
                    }
                });
            }
        });
        Self { routes, base }
    }

    fn serve(&self, path: &str, ctype: &str, etag: &str, body: &str) {
        if let Ok(mut r) = self.routes.lock() {
            r.insert(
                path.to_owned(),
                (200, ctype.to_owned(), etag.to_owned(), body.to_owned()),
            );
        }
    }
}

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/../../tests/fixtures/funding/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Dates relative to today, so the calls stay open whenever the test runs.
fn dated(text: &str) -> (String, [chrono::NaiveDate; 3]) {
    let today = chrono::Utc::now().date_naive();
    let d = [
        today + chrono::Duration::days(60),
        today + chrono::Duration::days(20),
        today + chrono::Duration::days(90),
    ];
    const MONTHS: [&str; 12] = [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ];
    use chrono::Datelike;
    let german =
        |x: chrono::NaiveDate| format!("{}. {} {}", x.day(), MONTHS[x.month0() as usize], x.year());
    let out = text
        .replace("{DEADLINE_1}", &german(d[0]))
        .replace("{DEADLINE_2}", &d[1].format("%d.%m.%Y").to_string())
        .replace("{DEADLINE_3}", &german(d[2]));
    (out, d)
}

/// The nodes that came from feeds (the demo network has calls posted by hand too).
fn fed(data: &Value) -> Vec<Value> {
    data["fundingOpportunities"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| {
            n["sources"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| !s["feedUrl"].is_null()))
        })
        .cloned()
        .collect()
}

const LIST: &str = "query($f: FundingFilter) { fundingOpportunities(filter: $f, first: 50) {
    totalCount
    facets { topics { value count } regions { value count } }
    nodes { id title url funder deadline deadlineKind amountMin amountMax region topics status
            sources { url feedUrl } match { score reasons } } } }";

async fn feeds(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["demo"]);
    let server = FeedServer::start().await;
    let (rss, d) = dated(&fixture("kiezleben.rss"));
    let (atom, _) = dated(&fixture("kiezleben-news.atom"));
    let (json_feed, _) = dated(&fixture("bezirk.json"));
    server.serve(
        "/kiezleben.rss",
        "application/rss+xml; charset=utf-8",
        "\"r1\"",
        &rss,
    );
    server.serve("/news.atom", "application/atom+xml", "\"a1\"", &atom);
    server.serve(
        "/bezirk.json",
        "application/feed+json",
        "\"j1\"",
        &json_feed,
    );
    server.serve(
        "/kaputt.xml",
        "application/rss+xml",
        "\"k1\"",
        &fixture("broken.xml"),
    );
    server.serve(
        "/seite.html",
        "text/html",
        "\"h1\"",
        "<html><body>Keine Feeds hier</body></html>",
    );
    let allow = [("NETZWERK__FETCH__ALLOW_PRIVATE_ADDRESSES", "true")];

    let add = |path: &str, funder: &str| {
        let url = format!("{}{path}", server.base);
        let out = crate::support::cli_env(
            &db,
            &[
                "funding",
                "add-source",
                &url,
                "--funder",
                funder,
                "--interval",
                "60",
            ],
            &allow,
        );
        assert!(out.contains("following"), "{out}");
    };
    add("/kiezleben.rss", "Stiftung Kiezleben");
    add("/news.atom", "Stiftung Kiezleben");
    add("/bezirk.json", "Bezirksamt Treptow-Köpenick");
    add("/kaputt.xml", "Stiftung Kaputt");
    add("/seite.html", "Stiftung Falsch");
    // Bad input is refused with a reason.
    let (ok, _, err) = cli(
        &db,
        &["funding", "add-source", "ftp://x.example/feed"],
        None,
    );
    assert!(!ok && err.contains("URL"), "{err}");
    let (ok, _, err) = cli(
        &db,
        &[
            "funding",
            "add-source",
            &format!("{}/bezirk.json", server.base),
        ],
        None,
    );
    assert!(!ok && err.contains("already"), "{err}");

    let polled = crate::support::cli_env(&db, &["funding", "poll"], &allow);
    assert!(
        polled.contains("polled 5 feeds: 0 not modified, 2 failed"),
        "{polled}"
    );
    assert!(
        polled.contains("no http(s) link"),
        "the item without a link is named: {polled}"
    );

    let hub = quiet_hub(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let all = hub.data(LIST, json!({}), &auth).await;
    let list = &all["fundingOpportunities"];
    let anonymous = hub.data(LIST, json!({}), &[]).await;
    assert!(
        fed(&anonymous).is_empty(),
        "feed URLs (they may carry keys) are for the coordinator only"
    );
    let fed_nodes = fed(&all);
    let nodes = &fed_nodes;
    // RSS 2 + Atom 2 (one the same call) + JSON 2 (one relaying the same call) = 4.
    assert_eq!(nodes.len(), 4, "{list}");
    let kiez: Vec<&Value> = nodes
        .iter()
        .filter(|n| {
            n["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("Kiezfonds 2027")
        })
        .collect();
    assert_eq!(
        kiez.len(),
        1,
        "the same call from one funder is one, and the district's feed relaying it (same page, same title) adds a source only"
    );
    let stiftung = kiez
        .iter()
        .find(|n| n["funder"] == "Stiftung Kiezleben")
        .expect("the foundation's call, its funder kept");
    assert_eq!(
        stiftung["sources"].as_array().map(Vec::len),
        Some(3),
        "{stiftung}"
    );
    assert_eq!(stiftung["deadline"], d[0].to_string());
    assert_eq!(stiftung["amountMax"], 5000);
    assert_eq!(stiftung["region"], "TREPTOW_KOEPENICK");
    let by_title = |t: &str| -> Value {
        nodes
            .iter()
            .find(|n| n["title"] == t)
            .cloned()
            .unwrap_or_else(|| panic!("{t} missing in {list}"))
    };
    let paten = by_title("Sprachpatenschaften für geflüchtete Familien");
    assert_eq!(paten["deadlineKind"], "ROLLING");
    assert_eq!(
        (paten["amountMin"].clone(), paten["amountMax"].clone()),
        (json!(1000), json!(3000))
    );
    let demokratie = by_title("Demokratie leben im Kiez");
    assert_eq!(demokratie["deadline"], d[1].to_string());
    assert_eq!(demokratie["amountMax"], 25000);
    let fonds = by_title("Integrationsfonds 2027");
    assert_eq!(fonds["deadline"], d[2].to_string());
    assert_eq!(
        (fonds["amountMin"].clone(), fonds["amountMax"].clone()),
        (json!(10000), json!(50000))
    );
    // Ordered by next deadline.
    assert_eq!(nodes[0]["title"], "Demokratie leben im Kiez");

    // The broken feed and the HTML page are recorded on their health.
    let health = hub
        .data(
            "{ fundingSources { url lastError itemCount rejectedCount issues } }",
            json!({}),
            &auth,
        )
        .await;
    let sources = health["fundingSources"].as_array().expect("sources");
    let of = |p: &str| {
        sources
            .iter()
            .find(|s| s["url"].as_str().unwrap_or("").ends_with(p))
            .cloned()
            .expect("source")
    };
    assert!(
        of("/kaputt.xml")["lastError"]
            .as_str()
            .unwrap_or("")
            .contains("not a readable"),
        "{health}"
    );
    assert!(
        of("/seite.html")["lastError"]
            .as_str()
            .unwrap_or("")
            .contains("text/html"),
        "{health}"
    );
    assert_eq!(of("/kiezleben.rss")["itemCount"], 2);
    assert_eq!(of("/kiezleben.rss")["rejectedCount"], 1);

    // Filters and facets.
    let youth = hub
        .data(
            LIST,
            json!({ "f": { "topic": "YOUTH", "openOnly": true } }),
            &auth,
        )
        .await;
    assert_eq!(fed(&youth).len(), 1, "the Kiezfonds, once: {youth}");
    let soon = hub.data(LIST,
            json!({ "f": { "deadlineBefore": (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string() } }), &auth)
        .await;
    assert_eq!(fed(&soon).len(), 1, "{soon}");
    let text = hub
        .data(LIST, json!({ "f": { "text": "sprachpaten" } }), &auth)
        .await;
    assert_eq!(fed(&text).len(), 1, "{text}");
    let facets = &all["fundingOpportunities"]["facets"]["topics"];
    assert!(
        facets.as_array().expect("facets").iter().all(|f| {
            let with = list["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .filter(|n| {
                    n["topics"]
                        .as_array()
                        .is_some_and(|t| t.contains(&f["value"]))
                })
                .count();
            f["count"].as_u64() == Some(with as u64)
        }),
        "facet counts match the results: {facets}"
    );
    assert_eq!(
        list["totalCount"].as_u64(),
        list["nodes"].as_array().map(|n| n.len() as u64)
    );
    // Pages of two: the same opportunities in the same order, and every page
    // carries the count and the facets of all results.
    let paged = "query($after: String) { fundingOpportunities(first: 2, after: $after) {
        totalCount facets { topics { value count } regions { value count } }
        pageInfo { hasNextPage endCursor } nodes { id } } }";
    let (mut ids, mut after) = (Vec::new(), serde_json::Value::Null);
    for _ in 0..20 {
        let page = hub.data(paged, json!({ "after": after }), &auth).await;
        let p = &page["fundingOpportunities"];
        assert_eq!(p["totalCount"], list["totalCount"], "{page}");
        assert_eq!(p["facets"], list["facets"], "{page}");
        ids.extend(
            p["nodes"]
                .as_array()
                .expect("nodes")
                .iter()
                .map(|n| n["id"].clone()),
        );
        if p["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = p["pageInfo"]["endCursor"].clone();
    }
    let all_ids: Vec<_> = list["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert_eq!(ids, all_ids, "pages of two, one after the other");
    let (code, _) = hub
        .error(
            LIST,
            json!({ "f": { "matchingOrganisation": "gibt-es-nicht" } }),
            &[],
        )
        .await;
    assert_eq!(code, "NOT_FOUND");

    // A 304 changes nothing; an updated item updates the opportunity.
    let later = d[0] + chrono::Duration::days(14);
    let updated = rss
        .replace(
            "Mon, 02 Nov 2026 09:00:00 +0100",
            "Fri, 20 Nov 2026 09:00:00 +0100",
        )
        .replace(
            &format!("Einsendeschluss: {}", dated("{DEADLINE_1}").0),
            &format!(
                "Einsendeschluss verlängert bis zum {}",
                later.format("%d.%m.%Y")
            ),
        );
    assert_ne!(updated, rss);
    server.serve("/kiezleben.rss", "application/rss+xml", "\"r2\"", &updated);
    let polled = crate::support::cli_env(&db, &["funding", "poll", "--all"], &allow);
    assert!(
        polled.contains("polled 5 feeds: 2 not modified, 2 failed"),
        "{polled}"
    );
    assert!(polled.contains("1 updated"), "{polled}");
    let after = hub.data(LIST, json!({}), &auth).await;
    assert_eq!(
        (
            fed(&after).len(),
            after["fundingOpportunities"]["totalCount"].clone()
        ),
        (4, list["totalCount"].clone()),
        "nothing duplicated, nothing lost"
    );
    let stiftung = after["fundingOpportunities"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .find(|n| {
            n["funder"] == "Stiftung Kiezleben"
                && n["title"].as_str().unwrap_or("").starts_with("Kiezfonds")
        })
        .cloned()
        .expect("still there");
    assert_eq!(
        stiftung["deadline"],
        later.to_string(),
        "the later item wins"
    );

    // One opportunity by id; feeds followed through the API (coordinator only).
    let one = hub
        .data(
            "query($id: ID!) { fundingOpportunity(id: $id) { title sources { url feedUrl } } }",
            json!({ "id": stiftung["id"] }),
            &auth,
        )
        .await;
    assert_eq!(
        one["fundingOpportunity"]["sources"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "the foundation's RSS and Atom feeds, and the district's relaying JSON feed"
    );
    let add_source = "mutation($u: String!) { addFundingSource(url: $u, funder: \"Stiftung API\", intervalMinutes: 120) { url funder intervalMinutes lastError } }";
    let added = hub
        .data(
            add_source,
            json!({ "u": "https://stiftung-api.example/feed.xml" }),
            &auth,
        )
        .await;
    assert_eq!(added["addFundingSource"]["intervalMinutes"], 120);
    let (code, _) = hub
        .error(
            add_source,
            json!({ "u": "ftp://stiftung-api.example/feed.xml" }),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION");
    let (code, _) = hub
        .error(
            add_source,
            json!({ "u": "https://stiftung-api.example/other.xml" }),
            &[],
        )
        .await;
    assert_eq!(code, "UNAUTHENTICATED");

    // A feed that breaks later loses nothing already stored.
    server.serve(
        "/kiezleben.rss",
        "application/rss+xml",
        "\"r3\"",
        &fixture("broken.xml"),
    );
    let polled = crate::support::cli_env(&db, &["funding", "poll", "--all"], &allow);
    assert!(
        polled.contains("4 failed"),
        "the broken feed, the two bad ones, the unreachable one: {polled}"
    );
    let kept = hub.data(LIST, json!({}), &auth).await;
    assert_eq!(fed(&kept).len(), 4, "nothing lost: {kept}");

    // Matching a demo organisation gives reasons.
    let youth_org = hub
        .data(
            "{ organisations(first: 100) { nodes { slug interests { topics } legalStatus } } }",
            json!({}),
            &[],
        )
        .await;
    let slug = youth_org["organisations"]["nodes"]
        .as_array()
        .expect("orgs")
        .iter()
        .find(|o| {
            o["interests"]["topics"]
                .as_array()
                .is_some_and(|t| t.contains(&json!("YOUTH")))
                && o["legalStatus"] == "REGISTERED_ASSOCIATION"
        })
        .and_then(|o| o["slug"].as_str())
        .expect("a youth association in the demo")
        .to_owned();
    let matched = hub
        .data(
            LIST,
            json!({ "f": { "matchingOrganisation": slug } }),
            &auth,
        )
        .await;
    let matches = matched["fundingOpportunities"]["nodes"]
        .as_array()
        .expect("nodes");
    let scores: Vec<i64> = matches
        .iter()
        .map(|n| n["match"]["score"].as_i64().unwrap_or(0))
        .collect();
    assert!(
        !scores.is_empty() && scores.iter().all(|s| *s >= 1),
        "{matched}"
    );
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "best first: {scores:?}"
    );
    let kiezfonds = matches
        .iter()
        .find(|n| {
            n["funder"] == "Stiftung Kiezleben"
                && n["title"].as_str().unwrap_or("").starts_with("Kiezfonds")
        })
        .expect("the youth call matches a youth association");
    let reasons: Vec<&str> = kiezfonds["match"]["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(reasons.contains(&"topic youth"), "{reasons:?}");

    // The Atom feeds out.
    let atom_out = hub
        .client()
        .get(format!("{}/feeds/funding.xml", hub.base))
        .send()
        .await
        .expect("feed");
    assert_eq!(atom_out.status(), 200);
    assert!(
        atom_out
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/atom+xml"))
    );
    let body = atom_out.text().await.expect("body");
    let parsed = netzwerk_funding_news::parse_feed(body.as_bytes(), Some("application/atom+xml"))
        .expect("our own Atom parses");
    let open = hub
        .data(LIST, json!({ "f": { "openOnly": true } }), &auth)
        .await;
    assert_eq!(
        Some(parsed.items.len() as u64),
        open["fundingOpportunities"]["totalCount"].as_u64(),
        "every open call, and only those"
    );
    assert!(
        parsed
            .items
            .iter()
            .any(|i| i.title == "Integrationsfonds 2027")
    );
    let org_feed = hub
        .client()
        .get(format!("{}/feeds/funding/{slug}.xml", hub.base))
        .send()
        .await
        .expect("feed");
    assert_eq!(org_feed.status(), 200);
    let missing = hub
        .client()
        .get(format!("{}/feeds/funding/gibt-es-nicht.xml", hub.base))
        .send()
        .await
        .expect("feed");
    assert_eq!(missing.status(), 404);
}
both_backends!(funding_feeds, feeds);

/// A JSON feed of `items` (id, url, title, date).
fn json_feed(items: &[(&str, &str, &str, &str)]) -> String {
    let items: Vec<Value> = items
        .iter()
        .map(|(id, url, title, date)| {
            json!({ "id": id, "url": url, "title": title, "date_published": date,
                    "content_text": format!("{title}: Anträge bis Ende des Jahres.") })
        })
        .collect();
    json!({ "version": "https://jsonfeed.org/version/1.1", "title": "Förderung", "items": items })
        .to_string()
}

async fn relayed(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["demo"]);
    let server = FeedServer::start().await;
    let relay = FeedServer::start().await;
    // The call lives on the district's host (where its own feed is); a foundation's
    // feed on another host (another port) relays it with tracking parameters and
    // other spelling, and announces its own call on the same landing page as one of
    // the district's.
    let call = format!("{}/foerderung/nachbarschaftsfonds-2027", server.base);
    let landing = format!("{}/foerderung", server.base);
    let relay_host = relay.base.clone();
    relay.serve(
        "/relais.json",
        "application/feed+json",
        "\"r1\"",
        &json_feed(&[
            (
                "r-1",
                &format!("{call}/?utm_source=newsletter&utm_medium=feed"),
                "Nachbarschaftsfonds 2027!",
                "2026-11-20T10:00:00+01:00",
            ),
            (
                "r-2",
                &landing,
                "Kulturfonds der Stiftung Relais",
                "2026-11-20T10:00:00+01:00",
            ),
        ]),
    );
    server.serve(
        "/bezirk.json",
        "application/feed+json",
        "\"b1\"",
        &json_feed(&[
            (
                "b-1",
                &call,
                "NACHBARSCHAFTSFONDS  2027",
                "2026-11-02T09:00:00+01:00",
            ),
            (
                "b-2",
                &landing,
                "Jugendfonds des Bezirks",
                "2026-11-02T09:00:00+01:00",
            ),
        ]),
    );
    let allow = [("NETZWERK__FETCH__ALLOW_PRIVATE_ADDRESSES", "true")];
    let add = |url: String, funder: &str| {
        let out = crate::support::cli_env(
            &db,
            &["funding", "add-source", &url, "--funder", funder],
            &allow,
        );
        assert!(out.contains("following"), "{out}");
        let polled = crate::support::cli_env(&db, &["funding", "poll"], &allow);
        assert!(polled.contains("0 failed"), "{polled}");
    };
    let read = || async {
        let hub = quiet_hub(&db).await;
        let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
        fed(&hub
            .data(LIST, json!({}), &[("authorization", coord.as_str())])
            .await)
    };
    // The relaying feed first: the call is the foundation's until its own feed shows.
    add(format!("{relay_host}/relais.json"), "Stiftung Relais");
    let first = read().await;
    assert_eq!(first.len(), 2, "{first:?}");
    add(
        format!("{}/bezirk.json", server.base),
        "Bezirksamt Treptow-Köpenick",
    );
    let nodes = read().await;
    let titled = |t: &str| -> Vec<&Value> { nodes.iter().filter(|n| fold_title(n) == t).collect() };
    let call_nodes = titled("nachbarschaftsfonds 2027");
    assert_eq!(
        call_nodes.len(),
        1,
        "one call relayed by two feeds is one: {nodes:?}"
    );
    let one = call_nodes[0];
    let mut feeds: Vec<&str> = one["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["feedUrl"].as_str())
        .collect();
    feeds.sort_unstable();
    let mut want = [
        format!("{}/bezirk.json", server.base),
        format!("{relay_host}/relais.json"),
    ];
    want.sort_unstable();
    assert_eq!(feeds, want, "both feeds are its sources");
    assert_eq!(
        one["funder"], "Bezirksamt Treptow-Köpenick",
        "the funder is that of the feed on the call's own host"
    );
    assert_eq!(one["url"], call.as_str(), "{one}");
    // Different calls of different funders that share a landing page stay apart.
    assert_eq!(
        titled("kulturfonds der stiftung relais").len(),
        1,
        "{nodes:?}"
    );
    assert_eq!(titled("jugendfonds des bezirks").len(), 1, "{nodes:?}");
    assert_eq!(nodes.len(), 3, "{nodes:?}");
    // A third funder whose feed is on the same host relays it too: the call's own
    // feed is among its sources already, so it only adds a source — on every poll.
    server.serve(
        "/senat.json",
        "application/feed+json",
        "\"s1\"",
        &json_feed(&[(
            "s-1",
            &call,
            "Nachbarschaftsfonds 2027",
            "2026-11-25T09:00:00+01:00",
        )]),
    );
    add(format!("{}/senat.json", server.base), "Senatsverwaltung");
    for _ in 0..2 {
        let polled = crate::support::cli_env(&db, &["funding", "poll", "--all"], &allow);
        assert!(polled.contains("0 failed"), "{polled}");
        let again = read().await;
        assert_eq!(again.len(), 3, "{again:?}");
        let call_node = again
            .iter()
            .find(|n| fold_title(n) == "nachbarschaftsfonds 2027")
            .expect("the call");
        assert_eq!(
            call_node["funder"], "Bezirksamt Treptow-Köpenick",
            "{call_node}"
        );
        assert_eq!(
            call_node["sources"].as_array().map(Vec::len),
            Some(3),
            "{call_node}"
        );
    }
}
both_backends!(a_call_relayed_by_another_funder_is_one, relayed);

/// A Hub that polls no calendars and sends no mail.
async fn quiet_hub(db: &TestDb) -> Hub {
    Hub::start(
        db,
        &[
            ("NETZWERK__CALENDAR__POLL", "false"),
            ("NETZWERK__MAIL__SEND", "false"),
        ],
    )
    .await
}

/// A node's title, lower case, punctuation and repeated spaces gone.
fn fold_title(n: &Value) -> String {
    netzwerk_domain::text::fold(n["title"].as_str().unwrap_or_default())
}

async fn digest(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["demo"]);
    let sink = SmtpSink::start().await;
    let port = sink.port;
    let port_s = port.to_string();
    let mail_env = [
        ("NETZWERK__MAIL__SMTP_PORT", port_s.as_str()),
        (
            "NETZWERK__MAIL__FROM",
            "Netzwerk für Integration <netzwerk@bezirk.example>",
        ),
        ("NETZWERK__MAIL__POLL_SECONDS", "1"),
        (
            "NETZWERK__MEETINGS__PUBLIC_URL",
            "https://hub.bezirk.example",
        ),
        ("NETZWERK__CALENDAR__POLL", "false"),
    ];
    let hub = Hub::start(&db, &mail_env).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];

    // A demo organisation and two calls for it, one outside its topics.
    let orgs = hub
        .data("{ organisations(first: 100) { nodes { slug name interests { topics } legalStatus membership { status } } } }", json!({}), &[])
        .await;
    let org = orgs["organisations"]["nodes"]
        .as_array()
        .expect("orgs")
        .iter()
        .find(|o| {
            o["membership"]["status"] == "MEMBER"
                && o["interests"]["topics"]
                    .as_array()
                    .is_some_and(|t| !t.is_empty())
        })
        .cloned()
        .expect("a member with topics");
    let topic = org["interests"]["topics"][0].clone();
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(12)).to_string();
    let post = "mutation($i: FundingOpportunityInput!) { postFundingOpportunity(input: $i) { id title status sources { url title } } }";
    let posted = hub.data(
        post,
        json!({ "i": { "title": "Kleinprojektefonds Berlin", "funder": "Stiftung Berliner Kiez", "url": "https://kiez.example/kleinprojekte",
                       "deadlines": [soon], "amountMax": 3000, "region": "BERLIN", "applicants": [org["legalStatus"]], "topics": [topic] } }),
        &auth,
    )
    .await;
    // The answer to posting is the opportunity as every later read shows it.
    let posted = &posted["postFundingOpportunity"];
    assert_eq!(posted["status"], "OPEN");
    let again = hub
        .data(
            "query($id: ID!) { fundingOpportunity(id: $id) { id title status sources { url title } } }",
            json!({ "id": posted["id"] }),
            &auth,
        )
        .await;
    assert_eq!(&again["fundingOpportunity"], posted);
    assert!(
        posted["sources"].as_array().is_some_and(|s| !s.is_empty()),
        "{posted}"
    );
    hub.data(
        post,
        json!({ "i": { "title": "Seniorensport bewegt", "funder": "Sportstiftung", "topics": ["SPORT"], "rolling": true } }),
        &auth,
    )
    .await;
    let (code, err) = hub
        .error(
            post,
            json!({ "i": { "title": " ", "funder": "x", "amountMin": 5, "amountMax": 1 } }),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION", "{err}");

    // A coordinator previews an organisation's digest without any subscription.
    let slug = org["slug"].as_str().expect("slug").to_owned();
    let preview = crate::support::cli_env(
        &db,
        &["digest", "send", "--dry-run", "--organisation", &slug],
        &mail_env,
    );
    assert!(
        preview.contains("preview for") && preview.contains("Kleinprojektefonds Berlin"),
        "{preview}"
    );
    assert!(!preview.contains("Seniorensport"), "{preview}");

    // Subscribe (anyone), confirm by the e-mail's link (double opt-in).
    let sub = hub
        .data(
            "mutation($o: String) { subscribeFundingDigest(email: \"Petra@Verein.example\", name: \"Petra Schulz\", organisation: $o) { confirmed } }",
            json!({ "o": org["slug"] }),
            &[],
        )
        .await;
    assert_eq!(sub["subscribeFundingDigest"]["confirmed"], false);
    // Asking again right away is answered like the first time — nobody learns
    // whether the address is known — and sends no second link (later it replaces
    // the first).
    let again = hub
        .data(
            "mutation($o: String) { subscribeFundingDigest(email: \"petra@verein.example\", name: \"Petra\", organisation: $o) { confirmed } }",
            json!({ "o": org["slug"] }),
            &[],
        )
        .await;
    assert_eq!(again, sub);
    let (code, _) = hub
        .error(
            "mutation { subscribeFundingDigest(email: \"kein-at\", name: \"X\") { confirmed } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(code, "VALIDATION");
    let mut confirmation = None;
    for _ in 0..120 {
        if let Some(m) = sink.received().first() {
            confirmation = Some(m.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let confirmation = confirmation.expect("the confirmation e-mail arrives");
    let parsed = MessageParser::default()
        .parse(confirmation.as_bytes())
        .expect("mail");
    let text = parsed.body_text(0).expect("text").into_owned();
    let at = text.find("token=").expect("link") + 6;
    let token: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    // Nothing goes out before the confirmation.
    let dry = crate::support::cli_env(&db, &["digest", "send", "--dry-run"], &mail_env);
    assert!(dry.contains("0 digests"), "{dry}");
    let confirmed = hub
        .client()
        .post(format!("{}/digest/confirm", hub.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .expect("confirm");
    assert_eq!(confirmed.status(), 200);

    // Subscribed already: answered alike, and nothing is sent.
    let again = hub
        .data(
            "mutation($o: String) { subscribeFundingDigest(email: \"petra@verein.example\", name: \"Petra\", organisation: $o) { confirmed } }",
            json!({ "o": org["slug"] }),
            &[],
        )
        .await;
    assert_eq!(again, sub);
    assert_eq!(sink.received().len(), 1, "one confirmation e-mail in all");

    // The dry run renders and queues nothing; the real run queues once.
    let dry = crate::support::cli_env(&db, &["digest", "send", "--dry-run"], &mail_env);
    assert!(
        dry.contains("would send to Petra Schulz <petra@verein.example>"),
        "{dry}"
    );
    assert!(
        dry.contains("Kleinprojektefonds Berlin") && !dry.contains("Seniorensport"),
        "{dry}"
    );
    assert!(
        dry.contains("1 digests rendered (dry run: nothing queued)"),
        "{dry}"
    );
    let sent = crate::support::cli_env(&db, &["digest", "send"], &mail_env);
    assert!(sent.contains("1 digests queued"), "{sent}");
    let again = crate::support::cli_env(&db, &["digest", "send"], &mail_env);
    assert!(
        again.contains("0 digests queued"),
        "not due again within a week: {again}"
    );

    let mut digest = None;
    for _ in 0..120 {
        if let Some(m) = sink
            .received()
            .iter()
            .find(|m| m.contains("List-Unsubscribe"))
        {
            digest = Some(m.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let raw = digest.expect("the digest arrives");
    let m = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("mail");
    let subject = m.subject().unwrap_or_default();
    assert!(
        subject.starts_with("Fördermittel der Woche für "),
        "{subject}"
    );
    assert!(
        subject.contains(org["name"].as_str().unwrap_or("?")),
        "{subject}"
    );
    let ct = m.content_type().expect("content type");
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("multipart", Some("alternative"))
    );
    let body = m.body_text(0).expect("text").into_owned();
    assert!(body.contains("Guten Tag Petra Schulz"), "{body}");
    assert!(
        body.contains("Kleinprojektefonds Berlin") && body.contains("bis zu 3.000 EUR"),
        "{body}"
    );
    assert!(body.contains("Passt wegen: topic"), "{body}");
    assert!(m.body_html(0).expect("html").contains("lang=\"de\""));
    let unsubscribe = m
        .header_raw("List-Unsubscribe")
        .expect("List-Unsubscribe")
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned();
    assert!(
        unsubscribe.starts_with("https://hub.bezirk.example/digest/unsubscribe?token=nwu_"),
        "{unsubscribe:?}"
    );
    assert_eq!(
        m.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );

    // One-click unsubscribe (RFC 8058), against this Hub.
    let path = unsubscribe.trim_start_matches("https://hub.bezirk.example");
    let out = hub
        .client()
        .post(format!("{}{path}", hub.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("unsubscribe");
    assert_eq!(out.status(), 200);
    let gone = hub
        .data(
            "mutation($t: String!) { unsubscribeFundingDigest(token: $t) }",
            json!({ "t": path.split("token=").nth(1).unwrap_or_default() }),
            &[],
        )
        .await;
    assert_eq!(gone["unsubscribeFundingDigest"], false, "already gone");
}
both_backends!(funding_digest, digest);

/// `serve` queues the weekly digests that are due by itself (the job `digest send`
/// runs by hand): a confirmed subscription gets its first digest when the job runs.
async fn serve_sends_digests(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["demo"]);
    let sink = SmtpSink::start().await;
    let port = sink.port;
    let port_s = port.to_string();
    let env = [
        ("NETZWERK__MAIL__SMTP_PORT", port_s.as_str()),
        ("NETZWERK__MAIL__POLL_SECONDS", "1"),
        ("NETZWERK__FUNDING__SEND_DIGESTS", "true"),
    ];
    let hub = Hub::start(&db, &env).await;
    hub.data(
        "mutation { subscribeFundingDigest(email: \"ada@verein.example\", name: \"Ada\", topics: [INTEGRATION]) { confirmed } }",
        json!({}),
        &[],
    )
    .await;
    let mut link = None;
    for _ in 0..120 {
        if let Some(m) = sink.received().first() {
            link = Some(m.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let mail = link.expect("the confirmation e-mail arrives");
    let text = MessageParser::default()
        .parse(mail.as_bytes())
        .and_then(|m| m.body_text(0).map(|t| t.into_owned()))
        .expect("text");
    let at = text.find("token=").expect("link") + 6;
    let token: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    hub.data(
        "mutation($t: String!) { confirmFundingDigest(token: $t) { confirmed } }",
        json!({ "t": token }),
        &[],
    )
    .await;
    // The job runs when `serve` starts and then hourly: a restart runs it now.
    drop(hub);
    let _hub = Hub::start(&db, &env).await;
    let mut digest = None;
    for _ in 0..120 {
        if let Some(m) = sink
            .received()
            .into_iter()
            .find(|m| m.contains("List-Unsubscribe"))
        {
            digest = Some(m);
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let digest = digest.expect("serve queued and sent the due digest");
    let parsed = MessageParser::default()
        .parse(digest.as_bytes())
        .expect("mail");
    assert!(
        parsed
            .subject()
            .unwrap_or_default()
            .starts_with("Fördermittel der Woche"),
        "{:?}",
        parsed.subject()
    );
    assert!(
        parsed
            .body_text(0)
            .is_some_and(|t| t.contains("Integrationsprogramm")),
        "the demo's integration call is in it"
    );
}
both_backends!(serve_queues_due_digests, serve_sends_digests);
