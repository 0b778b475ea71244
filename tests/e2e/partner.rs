//! What partner websites rely on: persisted queries by hash (Apollo's APQ, over POST
//! and cacheable GET), trusted documents registered by the coordinator, HTTP caching
//! (`Cache-Control` from the schema's hints, `ETag` and 304), the anonymous per-address
//! limit and the production profile.

use reqwest::header::{CACHE_CONTROL, ETAG};
use serde_json::{Value, json};
use sha2::Digest;

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli_ok};

const COORDINATOR: (&str, &str) = ("koordination@netzwerk-demo.example", "demo-koordination");

fn sha256(text: &str) -> String {
    format!("{:x}", sha2::Sha256::digest(text.as_bytes()))
}

fn extensions(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// A GET of a persisted query by hash; returns the response.
async fn get_by_hash(
    hub: &Hub,
    hash: &str,
    variables: Value,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = hub.client().get(format!("{}/graphql", hub.base)).query(&[
        ("extensions", extensions(hash).to_string()),
        ("variables", variables.to_string()),
    ]);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("GET")
}

/// A GET by hash that revalidates with `If-None-Match: tag`.
async fn revalidated(hub: &Hub, hash: &str, variables: Value, tag: &str) -> reqwest::Response {
    get_by_hash(hub, hash, variables, &[("if-none-match", tag)]).await
}

async fn post_json(hub: &Hub, body: Value, headers: &[(&str, &str)]) -> (u16, String, Value) {
    let mut req = hub
        .client()
        .post(format!("{}/graphql", hub.base))
        .json(&body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("POST");
    let status = res.status().as_u16();
    let caching = res
        .headers()
        .get(CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, caching, res.json().await.expect("JSON"))
}

fn header(res: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

const SERVICES: &str =
    "query Offers($first: Int!) { services(first: $first) { totalCount nodes { name } } }";

async fn persisted_queries(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let hash = sha256(SERVICES);
    let vars = json!({ "first": 2 });

    // Unknown hash: 404 PERSISTED_QUERY_NOT_FOUND, never cached.
    let res = get_by_hash(&hub, &hash, vars.clone(), &[]).await;
    assert_eq!(res.status(), 404);
    assert_eq!(header(&res, CACHE_CONTROL), "no-store");
    let body: Value = res.json().await.expect("JSON");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );
    // A text with another text's hash is refused, and registers nothing.
    let (status, _, body) = post_json(
        &hub,
        json!({ "query": "{ localities }", "extensions": extensions(&hash) }),
        &[],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("sha256Hash")),
        "{body}"
    );
    // Malformed hashes and versions are named.
    for ext in [
        json!({ "persistedQuery": { "version": 1, "sha256Hash": "abc" } }),
        json!({ "persistedQuery": { "version": 2, "sha256Hash": hash } }),
    ] {
        let (status, _, body) = post_json(&hub, json!({ "extensions": ext }), &[]).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_QUERY");
    }

    // APQ: the text with its hash registers it; then the hash alone runs it, by GET.
    let (status, caching, sent) = post_json(
        &hub,
        json!({ "query": SERVICES, "variables": vars, "extensions": extensions(&hash) }),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(caching, "public, max-age=60", "directory data is public");
    let res = get_by_hash(&hub, &hash, vars.clone(), &[]).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, CACHE_CONTROL), "public, max-age=60");
    let vary = header(&res, reqwest::header::VARY);
    assert!(
        vary.contains("Accept-Language") && vary.contains("Authorization"),
        "{vary}"
    );
    let etag = header(&res, ETAG);
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let got: Value = res.json().await.expect("JSON");
    assert_eq!(got, sent, "the same answer by hash");
    assert_eq!(
        got["data"]["services"]["nodes"].as_array().map(Vec::len),
        Some(2)
    );

    // Revalidation: the same answer is a 304 without a body; another one is not.
    let res = revalidated(&hub, &hash, vars.clone(), &etag).await;
    assert_eq!(res.status(), 304);
    assert_eq!(header(&res, ETAG), etag);
    assert!(res.bytes().await.expect("body").is_empty());
    let weak = format!("W/{etag}");
    let res = revalidated(&hub, &hash, vars.clone(), &weak).await;
    assert_eq!(res.status(), 304, "compared weakly");
    let res = revalidated(&hub, &hash, json!({ "first": 3 }), &etag).await;
    assert_eq!(res.status(), 200, "other variables, other answer");
    assert_ne!(header(&res, ETAG), etag);
    // After a write, the stored tag no longer matches.
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let id = hub
        .data("{ services(first: 1) { nodes { id } } }", json!({}), &auth)
        .await["services"]["nodes"][0]["id"]
        .clone();
    hub.data(
        "mutation($id: ID!) { updateService(id: $id, input: { name: \"Aaa Beratung neu\" }) { name } }",
        json!({ "id": id }),
        &auth,
    )
    .await;
    let res = revalidated(&hub, &hash, vars.clone(), &etag).await;
    assert_eq!(res.status(), 200, "changed data is sent again");

    // Mutations never run by GET, not even by hash.
    let logout = "mutation { logout }";
    let lhash = sha256(logout);
    post_json(
        &hub,
        json!({ "query": logout, "extensions": extensions(&lhash) }),
        &[],
    )
    .await;
    let res = get_by_hash(&hub, &lhash, json!({}), &[]).await;
    assert_eq!(res.status(), 405);

    // Signed in, personal, or failed: never stored.
    let (_, caching, _) =
        post_json(&hub, json!({ "query": SERVICES, "variables": vars }), &auth).await;
    assert_eq!(caching, "private, no-store", "signed in");
    let (_, caching, _) = post_json(
        &hub,
        json!({ "query": "{ guestRequest(token: \"nwg_0000\") { name } }" }),
        &[],
    )
    .await;
    assert_eq!(caching, "private, no-store", "personal");
    let (_, caching, _) = post_json(&hub, json!({ "query": "{ nope }" }), &[]).await;
    assert_eq!(caching, "private, no-store", "a failed request");

    // Trusted documents: the coordinator registers one; a trusted-only key runs it
    // (and the built-in ones) by hash, and nothing a client registered.
    let key = crate::support::api_key(&db, &["--name", "Schulportal", "--trusted-only"]);
    let k = [("x-api-key", key.as_str())];
    let res = get_by_hash(&hub, &hash, vars.clone(), &k).await;
    assert_eq!(res.status(), 403, "registered by a client, not trusted");
    let localities = "query Orte { localities }";
    let (status, _, _) = post_json(
        &hub,
        json!({ "query": localities, "extensions": extensions(&sha256(localities)) }),
        &k,
    )
    .await;
    assert_eq!(status, 403, "a trusted-only key registers nothing");
    let res = get_by_hash(&hub, &sha256(localities), json!({}), &[]).await;
    assert_eq!(res.status(), 404, "and nothing was registered");
    let (code, _) = hub
        .error(
            "mutation($d: String!) { registerPersistedDocument(name: \"Orte\", document: $d) { sha256Hash } }",
            json!({ "d": localities }),
            &[],
        )
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
    let (code, err) = hub
        .error(
            "mutation { registerPersistedDocument(name: \"kaputt\", document: \"{ services\") { sha256Hash } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION");
    assert_eq!(
        err["extensions"]["violations"][0]["rule"],
        "graphql_document"
    );
    let registered = hub
        .data(
            "mutation($d: String!) { registerPersistedDocument(name: \"Orte\", document: $d) { sha256Hash name registered } }",
            json!({ "d": localities }),
            &auth,
        )
        .await;
    assert_eq!(
        registered["registerPersistedDocument"]["sha256Hash"],
        sha256(localities).as_str()
    );
    let res = get_by_hash(&hub, &sha256(localities), json!({}), &k).await;
    assert_eq!(res.status(), 200);
    let funding = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../graphql/persisted/funding.graphql"
    ))
    .expect("persisted document");
    let res = hub
        .client()
        .get(format!("{}/graphql", hub.base))
        .query(&[
            ("extensions", extensions(&sha256(&funding)).to_string()),
            ("operationName", "FundingFeed".to_owned()),
            ("variables", json!({ "organisation": null }).to_string()),
        ])
        .header("x-api-key", &key)
        .send()
        .await
        .expect("GET");
    assert_eq!(res.status(), 200, "a built-in document by hash");
    let listed = hub
        .data(
            "{ persistedDocuments { name registered } }",
            json!({}),
            &auth,
        )
        .await;
    let names: Vec<(&str, bool)> = listed["persistedDocuments"]
        .as_array()
        .expect("list")
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap_or_default(),
                d["registered"].as_bool().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("funding", false),
            ("partner", false),
            ("pages", false),
            ("newsletter/sections", false),
            ("Orte", true)
        ]
    );
    // A second replica finds the registered document in the database.
    let other = Hub::start(&db, &[]).await;
    let res = get_by_hash(&other, &sha256(localities), json!({}), &k).await;
    assert_eq!(res.status(), 200);
}
both_backends!(persisted_queries_and_http_caching, persisted_queries);

async fn production_profile(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
    let hub = Hub::start(&db, &[("NETZWERK__SERVER__PROFILE", "production")]).await;
    let introspection = "{ __schema { queryType { name } } }";
    let (_, _, body) = hub.post(introspection, json!({}), &[]).await;
    assert_eq!(
        body["data"]["__schema"],
        Value::Null,
        "no introspection for the public: {body}"
    );
    let (_, _, body) = hub.post("{ servics { totalCount } }", json!({}), &[]).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        !message.contains("Did you mean"),
        "no suggestions: {message}"
    );
    // Clients register nothing by APQ; the text itself still runs.
    let hash = sha256(SERVICES);
    let (status, _, body) = post_json(
        &hub,
        json!({ "query": SERVICES, "variables": { "first": 1 }, "extensions": extensions(&hash) }),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let res = get_by_hash(&hub, &hash, json!({ "first": 1 }), &[]).await;
    assert_eq!(res.status(), 404);
    // Signed-in users still see the schema and its suggestions.
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let d = hub.data(introspection, json!({}), &auth).await;
    assert_eq!(d["__schema"]["queryType"]["name"], "Query");
    let (_, _, body) = hub
        .post("{ servics { totalCount } }", json!({}), &auth)
        .await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Did you mean"), "{message}");
    // Without the profile, the public sees both.
    let dev = Hub::start(&db, &[]).await;
    dev.data(introspection, json!({}), &[]).await;
}
both_backends!(production_profile_hides_the_schema, production_profile);

async fn anonymous_limit(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
    let hub = Hub::start(
        &db,
        &[("NETZWERK__SERVER__ANONYMOUS_RATE_LIMIT_PER_MINUTE", "3")],
    )
    .await;
    for _ in 0..3 {
        hub.data("{ localities }", json!({}), &[]).await;
    }
    let res = hub
        .client()
        .post(format!("{}/graphql", hub.base))
        .json(&json!({ "query": "{ localities }" }))
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 429);
    let wait: u64 = header(&res, reqwest::header::RETRY_AFTER)
        .parse()
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = res.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    // A partner key (without a limit of its own) and a signed-in user are not anonymous.
    let key = crate::support::api_key(&db, &["--name", "Jugendclub"]);
    for _ in 0..4 {
        hub.data("{ localities }", json!({}), &[("x-api-key", key.as_str())])
            .await;
    }
    let (status, _, body) = hub
        .post(
            "mutation($e: String!, $p: String!) { login(email: $e, password: $p) }",
            json!({ "e": COORDINATOR.0, "p": COORDINATOR.1 }),
            &[],
        )
        .await;
    assert_eq!(status, 429, "signing in is anonymous too: {body}");
}
both_backends!(anonymous_clients_are_limited_per_address, anonymous_limit);

async fn keys_by_graphql(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let create = "mutation($i: ApiKeyInput!) { createApiKey(input: $i) { key apiKey { id name allowedOrigins rateLimit trustedOnly revokedAt } } }";
    let (code, err) = hub
        .error(
            create,
            json!({ "i": { "name": "", "allowedOrigins": ["ftp://x"], "rateLimit": 0 } }),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION");
    let fields = crate::support::violation_fields(&err);
    assert_eq!(fields, ["name", "origin", "rateLimit"], "{err}");
    let made = hub
        .data(
            create,
            json!({ "i": { "name": "Jugendclub Kanalufer", "allowedOrigins": ["https://jugendclub.example"], "rateLimit": 120 } }),
            &auth,
        )
        .await;
    let key = made["createApiKey"]["key"]
        .as_str()
        .expect("key")
        .to_owned();
    let id = made["createApiKey"]["apiKey"]["id"].clone();
    assert_eq!(made["createApiKey"]["apiKey"]["rateLimit"], 120);
    // Used from its own site it works; from another origin it is refused by name.
    let from = |origin: &'static str| [("x-api-key", key.clone()), ("origin", origin.to_owned())];
    let own = from("https://jugendclub.example");
    let own: Vec<(&str, &str)> = own.iter().map(|(k, v)| (*k, v.as_str())).collect();
    hub.data("{ localities }", json!({}), &own).await;
    let other = from("https://fremde-seite.example");
    let other: Vec<(&str, &str)> = other.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = hub.post("{ localities }", json!({}), &other).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("https://fremde-seite.example")),
        "{body}"
    );
    let listed = hub
        .data("{ apiKeys { name revokedAt } }", json!({}), &auth)
        .await;
    assert_eq!(listed["apiKeys"][0]["name"], "Jugendclub Kanalufer");
    // Revoked: refused at once, also by a second replica.
    let replica = Hub::start(&db, &[]).await;
    replica.data("{ localities }", json!({}), &own).await;
    let revoked = hub
        .data(
            "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
            json!({ "id": id }),
            &auth,
        )
        .await;
    assert!(revoked["revokeApiKey"]["revokedAt"].is_string());
    for h in [&hub, &replica] {
        let (status, _, body) = h.post("{ localities }", json!({}), &own).await;
        assert_eq!(status, 401, "{body}");
    }
    let (code, _) = hub
        .error(
            "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }",
            json!({ "id": id }),
            &auth,
        )
        .await;
    assert_eq!(code, "CONFLICT", "revoked already");
}
both_backends!(api_keys_through_graphql, keys_by_graphql);

async fn key_budget(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let (code, err) = hub
        .error(
            "mutation { createApiKey(input: {name: \"Schule\", maxCost: 0}) { key } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION");
    assert_eq!(
        err["extensions"]["violations"][0]["field"], "maxCost",
        "{err}"
    );
    let strict = crate::support::api_key(&db, &["--name", "Schule am Kanal", "--max-cost", "20"]);
    let listed = cli_ok(&db, &["apikey", "list"]);
    assert!(listed.contains("cost at most 20"), "{listed}");
    let shown = hub
        .data("{ apiKeys { name maxCost } }", json!({}), &auth)
        .await;
    assert_eq!(shown["apiKeys"][0]["maxCost"], 20, "{shown}");
    let with_key = [("x-api-key", strict.as_str())];
    // Within its budget it reads; over it the query is refused before it runs, naming
    // the key's budget — while the same query without the key is within the Hub's.
    hub.data(SERVICES, json!({ "first": 5 }), &with_key).await;
    let (status, _, body) = hub.post(SERVICES, json!({ "first": 40 }), &with_key).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INVALID_QUERY",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at most 20")),
        "{body}"
    );
    hub.data(SERVICES, json!({ "first": 40 }), &[]).await;
    // An answer the response cache holds is not handed to the strict key either.
    let hash = sha256(SERVICES);
    let (status, _, _) = post_json(
        &hub,
        json!({ "query": SERVICES, "variables": { "first": 40 }, "extensions": extensions(&hash) }),
        &[],
    )
    .await;
    assert_eq!(status, 200);
    let vars = json!({ "first": 40 });
    get_by_hash(&hub, &hash, vars.clone(), &[]).await;
    let hit = get_by_hash(&hub, &hash, vars.clone(), &[]).await;
    assert_eq!(x_cache(&hit), "HIT");
    let refused = get_by_hash(&hub, &hash, vars, &with_key).await;
    assert_eq!(
        refused.status(),
        400,
        "the strict key got the cached answer"
    );
}
both_backends!(key_with_its_own_complexity_budget, key_budget);

fn x_cache(res: &reqwest::Response) -> String {
    header(res, reqwest::header::HeaderName::from_static("x-cache"))
}

/// GETs by hash until the answer names `wanted` (bounded: the other replica learns of
/// a change within about 50 ms).
async fn until_it_shows(hub: &Hub, hash: &str, vars: &Value, wanted: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let res = get_by_hash(hub, hash, vars.clone(), &[]).await;
        let cached = x_cache(&res);
        let body = res.text().await.expect("body");
        if body.contains(wanted) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {cached} without {wanted:?} after 10 s: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn response_cache(backend: Backend) {
    let db = TestDb::new(backend);
    let a = Hub::demo(&db).await;
    let b = Hub::start(&db, &[]).await;
    let hash = sha256(SERVICES);
    let vars = json!({ "first": 3 });
    for hub in [&a, &b] {
        let (status, _, _) = post_json(
            hub,
            json!({ "query": SERVICES, "variables": vars, "extensions": extensions(&hash) }),
            &[],
        )
        .await;
        assert_eq!(status, 200);
    }
    // Kept after the first answer: the second comes without a statement.
    let first = get_by_hash(&a, &hash, vars.clone(), &[]).await;
    assert_eq!(x_cache(&first), "HIT", "the POST above filled it");
    let statements = header(
        &first,
        reqwest::header::HeaderName::from_static("x-sql-statements"),
    );
    assert_eq!(statements, "0");
    let other_vars = get_by_hash(&a, &hash, json!({ "first": 2 }), &[]).await;
    assert_eq!(
        x_cache(&other_vars),
        "MISS",
        "variables are part of the key"
    );
    let english = get_by_hash(&a, &hash, vars.clone(), &[("accept-language", "en")]).await;
    assert_eq!(x_cache(&english), "MISS", "languages are part of the key");
    let b_first = get_by_hash(&b, &hash, vars.clone(), &[]).await;
    assert_eq!(x_cache(&b_first), "HIT");
    // Signed-in callers are never answered from it.
    let coord = a.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let mine = get_by_hash(&a, &hash, vars.clone(), &auth).await;
    assert_eq!(x_cache(&mine), "MISS");
    assert_eq!(header(&mine, CACHE_CONTROL), "private, no-store");

    // A write through replica A: A answers anew at once, B within its watch.
    let id = a
        .data("{ services(first: 1) { nodes { id } } }", json!({}), &auth)
        .await["services"]["nodes"][0]["id"]
        .clone();
    a.data(
        "mutation($id: ID!) { updateService(id: $id, input: { name: \"Aaa Sprechstunde am Kanal\" }) { name } }",
        json!({ "id": id }),
        &auth,
    )
    .await;
    let fresh = get_by_hash(&a, &hash, vars.clone(), &[]).await;
    assert_eq!(x_cache(&fresh), "MISS", "invalidated by the write");
    assert!(
        fresh
            .text()
            .await
            .expect("body")
            .contains("Aaa Sprechstunde am Kanal")
    );
    until_it_shows(&b, &hash, &vars, "Aaa Sprechstunde am Kanal").await;
    // Kept again once fresh (an answer computed while the change arrived is not).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while x_cache(&get_by_hash(&b, &hash, vars.clone(), &[]).await) != "HIT" {
        assert!(std::time::Instant::now() < deadline, "never kept again");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A change made by a command beside the servers (a calendar import) reaches
    // both as well: their kept answers are dropped.
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/calendar/gancio.ics"
    );
    cli_ok(
        &db,
        &[
            "calendar",
            "import",
            "--organisation",
            "jugendclub-kanalufer",
            fixture,
        ],
    );
    for hub in [&a, &b] {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let res = get_by_hash(hub, &hash, vars.clone(), &[]).await;
            if x_cache(&res) == "MISS" {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "still kept after 10 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}
both_backends!(response_cache_and_its_invalidation, response_cache);

/// A CORS request: `method` with `Origin` and extra headers.
async fn from_origin(
    hub: &Hub,
    method: reqwest::Method,
    origin: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = hub
        .client()
        .request(method.clone(), format!("{}/graphql", hub.base))
        .header("origin", origin);
    if method == reqwest::Method::POST {
        req = req.json(&json!({ "query": "{ localities }" }));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("request")
}

fn allowed_origin(res: &reqwest::Response) -> String {
    header(res, reqwest::header::ACCESS_CONTROL_ALLOW_ORIGIN)
}

async fn cors_and_embed(backend: Backend) {
    use reqwest::Method;
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let key = crate::support::api_key(
        &db,
        &[
            "--name",
            "Jugendclub",
            "--origin",
            "https://jugendclub.example",
        ],
    );
    let asks_key = [
        ("access-control-request-method", "GET"),
        ("access-control-request-headers", "x-api-key"),
    ];
    // Preflights: a key may be sent only from an origin some key allows.
    let ok = from_origin(
        &hub,
        Method::OPTIONS,
        "https://jugendclub.example",
        &asks_key,
    )
    .await;
    assert_eq!(ok.status(), 204);
    assert_eq!(allowed_origin(&ok), "https://jugendclub.example");
    assert!(header(&ok, reqwest::header::ACCESS_CONTROL_ALLOW_HEADERS).contains("x-api-key"));
    let no = from_origin(&hub, Method::OPTIONS, "https://fremd.example", &asks_key).await;
    assert_eq!(no.status(), 403);
    assert_eq!(allowed_origin(&no), "");
    let public = from_origin(
        &hub,
        Method::OPTIONS,
        "https://fremd.example",
        &[
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ],
    )
    .await;
    assert_eq!(public.status(), 204, "public reads: any origin");
    // Answers: a keyed one names its origin only; its refusal too, readable.
    let own = from_origin(
        &hub,
        Method::POST,
        "https://jugendclub.example",
        &[("x-api-key", key.as_str())],
    )
    .await;
    assert_eq!(own.status(), 200);
    assert_eq!(allowed_origin(&own), "https://jugendclub.example");
    assert!(header(&own, reqwest::header::VARY).contains("Origin"));
    assert!(header(&own, reqwest::header::ACCESS_CONTROL_EXPOSE_HEADERS).contains("retry-after"));
    assert_eq!(
        header(&own, reqwest::header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
        ""
    );
    let other = from_origin(
        &hub,
        Method::POST,
        "https://fremd.example",
        &[("x-api-key", key.as_str())],
    )
    .await;
    assert_eq!(other.status(), 401);
    assert_eq!(allowed_origin(&other), "https://fremd.example");
    let body: Value = other.json().await.expect("JSON");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("https://fremd.example")),
        "{body}"
    );
    let anonymous = from_origin(&hub, Method::POST, "https://fremd.example", &[]).await;
    assert_eq!(allowed_origin(&anonymous), "*");
    // Public reads for listed origins only.
    let strict = Hub::start(
        &db,
        &[("NETZWERK__SERVER__CORS_ORIGINS", "https://schule.example")],
    )
    .await;
    let listed = from_origin(&strict, Method::POST, "https://schule.example", &[]).await;
    assert_eq!(allowed_origin(&listed), "https://schule.example");
    let unlisted = from_origin(&strict, Method::POST, "https://fremd.example", &[]).await;
    assert_eq!(allowed_origin(&unlisted), "");

    // The web component: bound to the hash of its persisted queries, which run by it.
    let res = hub
        .client()
        .get(format!("{}/embed/netzwerk.js", hub.base))
        .send()
        .await
        .expect("script");
    assert_eq!(res.status(), 200);
    assert_eq!(
        header(&res, reqwest::header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
    let etag = header(&res, ETAG);
    let script = res.text().await.expect("text");
    let partner = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../graphql/persisted/partner.graphql"
    ))
    .expect("partner.graphql");
    let hash = sha256(&partner);
    assert!(script.contains(&hash) && !script.contains("__PARTNER_DOCUMENT_SHA256__"));
    for element in [
        "netzwerk-events",
        "netzwerk-services",
        "netzwerk-organisations",
    ] {
        assert!(script.contains(element), "{element}");
    }
    let again = hub
        .client()
        .get(format!("{}/embed/netzwerk.js", hub.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("script");
    assert_eq!(again.status(), 304);
    let now = "2027-03-09T10:00:00Z";
    for (operation, variables) in [
        (
            "PartnerServices",
            json!({ "now": now, "languages": ["ar"], "first": 5 }),
        ),
        (
            "PartnerOrganisations",
            json!({ "languages": ["de"], "first": 5 }),
        ),
        (
            "PartnerEvents",
            json!({ "from": now, "to": "2027-06-01T00:00:00Z", "first": 5 }),
        ),
    ] {
        let res = hub
            .client()
            .get(format!("{}/graphql", hub.base))
            .query(&[
                ("operationName", operation.to_owned()),
                ("variables", variables.to_string()),
                ("extensions", extensions(&hash).to_string()),
            ])
            .header("x-api-key", &key)
            .header("origin", "https://jugendclub.example")
            .send()
            .await
            .expect("GET");
        assert_eq!(res.status(), 200, "{operation}");
        let body: Value = res.json().await.expect("JSON");
        assert!(body.get("errors").is_none(), "{operation}: {body}");
    }
}
both_backends!(cors_per_key_and_the_web_component, cors_and_embed);

async fn key_usage(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
    let quick = [("NETZWERK__SERVER__USAGE_FLUSH_SECONDS", "1")];
    let a = Hub::start(&db, &quick).await;
    let b = Hub::start(&db, &quick).await;
    let key = crate::support::api_key(
        &db,
        &[
            "--name",
            "Schule",
            "--origin",
            "https://schule.example",
            "--rate-limit",
            "2",
        ],
    );
    let own = [
        ("x-api-key", key.as_str()),
        ("origin", "https://schule.example"),
    ];
    // Replica A: two let through, one over the limit, one from a foreign origin.
    for _ in 0..2 {
        a.data("{ localities }", json!({}), &own).await;
    }
    let (status, _, _) = a.post("{ localities }", json!({}), &own).await;
    assert_eq!(status, 429);
    let foreign = [
        ("x-api-key", key.as_str()),
        ("origin", "https://fremd.example"),
    ];
    let (status, _, _) = a.post("{ localities }", json!({}), &foreign).await;
    assert_eq!(status, 401);
    // Replica B: one more (its own bucket).
    b.data("{ localities }", json!({}), &own).await;

    let coord = a.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let (code, _) = a
        .error("{ apiKeys { usage(days: 0) { day } } }", json!({}), &auth)
        .await;
    assert_eq!(code, "VALIDATION");
    // A sees its own counts at once and B's once B stored them; never twice.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let seen = a
            .data(
                "{ apiKeys { name usage(days: 7) { day requests rejected } } }",
                json!({}),
                &auth,
            )
            .await;
        let usage = seen["apiKeys"][0]["usage"].clone();
        assert_eq!(seen["apiKeys"][0]["name"], "Schule");
        let days = usage.as_array().expect("days").len();
        assert!(days <= 1, "one day of requests: {usage}");
        let (requests, rejected) = (&usage[0]["requests"], &usage[0]["rejected"]);
        assert!(requests.as_i64().unwrap_or(0) <= 3, "{usage}");
        if *requests == 3 {
            assert_eq!(*rejected, 2, "{usage}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "B's count never arrived: {usage}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    // Stored by both: a third replica reads the same from the database alone.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let c = Hub::start(&db, &[]).await;
    let stored = c
        .data(
            "{ apiKeys { usage { requests rejected } } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(stored["apiKeys"][0]["usage"][0]["requests"], 3);
    assert_eq!(stored["apiKeys"][0]["usage"][0]["rejected"], 2);
}
both_backends!(api_key_usage_per_day, key_usage);

/// The text of a page of the Hub.
async fn html_at(hub: &Hub, path: String) -> String {
    hub.client()
        .get(format!("{}{path}", hub.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html")
}

async fn public_pages(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];
    let page = |path: String, lang: Option<&'static str>| {
        let mut req = hub.client().get(format!("{}{path}", hub.base));
        if let Some(l) = lang {
            req = req.header("accept-language", l);
        }
        req.send()
    };
    // An offer: its name, place and hours, in German or Arabic (right to left).
    let service = hub
        .data(
            "{ services(first: 1) { nodes { id name } } }",
            json!({}),
            &[],
        )
        .await["services"]["nodes"][0]
        .clone();
    let id = service["id"].as_str().expect("id");
    let res = page(format!("/services/{id}"), None).await.expect("page");
    assert_eq!(res.status(), 200);
    assert!(header(&res, reqwest::header::CONTENT_TYPE).starts_with("text/html"));
    let html = res.text().await.expect("html");
    let name = service["name"].as_str().expect("name");
    assert!(html.contains("<html lang=\"de\" dir=\"ltr\">"), "{html}");
    assert!(html.contains(&name.replace('&', "&amp;")), "{html}");
    let ar = page(format!("/services/{id}"), Some("ar"))
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"), "{ar}");
    let tr = page(format!("/services/{id}?lang=tr"), Some("ar"))
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(tr.contains("<html lang=\"tr\""), "?lang= wins");
    for missing in [
        "/services/01900000-0000-7000-8000-000000000000",
        "/services/kein-id",
        "/events/01900000-0000-7000-8000-000000000000",
        "/events/01900000-0000-7000-8000-000000000000.ics",
    ] {
        let res = page(missing.to_owned(), None).await.expect("page");
        assert_eq!(res.status(), 404, "{missing}");
    }
    // An event: its page, and the file to add it to a calendar.
    let org = hub
        .data(
            "{ organisations(first: 1) { nodes { id } } }",
            json!({}),
            &[],
        )
        .await["organisations"]["nodes"][0]["id"]
        .clone();
    let made = hub
        .data(
            "mutation($o: ID!) { createEvent(organisationId: $o, input: {title: \"Sprachcafé <am Kanal>\", start: \"2027-05-04T17:00:00\", end: \"2027-05-04T19:00:00\", place: \"Kanalufer 1\"}) { id } }",
            json!({ "o": org }),
            &auth,
        )
        .await;
    let event = made["createEvent"]["id"].as_str().expect("id").to_owned();
    let html = html_at(&hub, format!("/events/{event}")).await;
    assert!(
        html.contains("Sprachcafé &lt;am Kanal&gt;"),
        "escaped: {html}"
    );
    assert!(html.contains("2027-05-04 17:00 – 19:00"), "{html}");
    assert!(html.contains(&format!("/events/{event}.ics")), "{html}");
    let ics = page(format!("/events/{event}.ics"), None)
        .await
        .expect("ics");
    assert_eq!(ics.status(), 200);
    assert!(header(&ics, reqwest::header::CONTENT_TYPE).starts_with("text/calendar"));
    let text = ics.text().await.expect("text");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 1, "{text}");
    assert!(text.contains("SUMMARY:Sprachcafé <am Kanal>"), "{text}");
    assert!(
        text.contains("DTSTART;TZID=Europe/Berlin:20270504T170000"),
        "{text}"
    );
    // An offer's hours as weekly series, linked from its page; closed days left out.
    let made = hub
        .data(
            "mutation($o: ID!) { createService(organisationId: $o, input: {name: \"Sprechstunde, Kanal\", openingHours: [{weekday: 2, opens: \"10:00\", closes: \"12:30\"}, {weekday: 5, opens: \"16:00\", closes: \"24:00\"}], exceptions: [{date: \"2099-12-29\"}]}) { id } }",
            json!({ "o": org }),
            &auth,
        )
        .await;
    let offer = made["createService"]["id"].as_str().expect("id").to_owned();
    let html = html_at(&hub, format!("/services/{offer}")).await;
    assert!(
        html.contains(&format!("href=\"/services/{offer}.ics\"")),
        "{html}"
    );
    let ics = page(format!("/services/{offer}.ics"), None)
        .await
        .expect("ics");
    assert_eq!(ics.status(), 200);
    assert!(header(&ics, reqwest::header::CONTENT_TYPE).starts_with("text/calendar"));
    let tag = header(&ics, reqwest::header::ETAG);
    let text = ics.text().await.expect("text");
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 2, "{text}");
    assert!(text.contains("SUMMARY:Sprechstunde\\, Kanal"), "{text}");
    assert!(text.contains("RRULE:FREQ=WEEKLY;BYDAY=TU"), "{text}");
    assert!(text.contains("RRULE:FREQ=WEEKLY;BYDAY=FR"), "{text}");
    assert!(
        text.contains("EXDATE;TZID=Europe/Berlin:20991229T100000"),
        "{text}"
    );
    assert!(
        text.contains("T100000\r\nDTEND;TZID=Europe/Berlin:"),
        "{text}"
    );
    assert!(
        text.contains(&format!("UID:{offer}-hours-2-600@netzwerk-hub")),
        "{text}"
    );
    let again = hub
        .client()
        .get(format!("{}/services/{offer}.ics", hub.base))
        .header("if-none-match", tag)
        .send()
        .await
        .expect("ics");
    assert_eq!(again.status(), 304);
    let none = page(
        "/services/01900000-0000-7000-8000-000000000000.ics".to_owned(),
        None,
    )
    .await
    .expect("ics");
    assert_eq!(none.status(), 404);
    // The embed-code page: the chosen element as snippet and preview, bad choices named.
    let res = page(
        "/embed?component=services&lang=ar&limit=3&api-key=nwk_abc".to_owned(),
        None,
    )
    .await
    .expect("embed");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    let element = "&lt;netzwerk-services api-key=&quot;nwk_abc&quot; lang=&quot;ar&quot; limit=&quot;3&quot;&gt;&lt;/netzwerk-services&gt;";
    assert!(
        html.contains("/embed/netzwerk.js&quot;&gt;&lt;/script&gt;\n"),
        "{html}"
    );
    assert!(html.contains(element), "{html}");
    assert!(
        html.contains("<netzwerk-services lang=\"ar\" limit=\"3\"></netzwerk-services>"),
        "the preview, without the key: {html}"
    );
    let res = page(
        "/embed?component=services&limit=0&category=festival".to_owned(),
        None,
    )
    .await
    .expect("embed");
    assert_eq!(res.status(), 400);
    let html = res.text().await.expect("html");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("category: &quot;festival&quot;"), "{html}");
    assert!(html.contains("limit: &quot;0&quot;"), "{html}");
}
both_backends!(public_event_and_offer_pages, public_pages);
