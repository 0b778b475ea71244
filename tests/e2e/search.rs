//! Search quality and the search index kept with the services: the query set in
//! `tests/fixtures/search/quality.json` over the demo network, facet counts, and the
//! index after edits, translations and deletions.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli_ok};

const QUALITY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/search/quality.json"
));

const SEARCH: &str = "query($t: String, $l: [String!], $f: DateTime) { \
    services(first: 5, filter: {text: $t, modifiedAfter: $f}, languages: $l) { \
    totalCount nodes { id } } }";

/// Every service's German name by id.
async fn german_names(hub: &Hub) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let data = hub
            .data(
                "query($a: String) { services(first: 100, after: $a, languages: [\"de\"]) { \
                 nodes { id name } pageInfo { hasNextPage endCursor } } }",
                json!({ "a": after }),
                &[],
            )
            .await;
        let s = &data["services"];
        for n in s["nodes"].as_array().expect("nodes") {
            out.insert(
                n["id"].as_str().expect("id").to_owned(),
                n["name"].as_str().expect("name").to_owned(),
            );
        }
        if s["pageInfo"]["hasNextPage"] != json!(true) {
            return out;
        }
        after = s["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
}

/// The first five ids and the total for a query, optionally through the filtered path
/// (a change-date filter that narrows nothing).
async fn top(hub: &Hub, text: &str, languages: &Value, filtered: bool) -> (Vec<String>, i64) {
    let since = filtered.then_some("2000-01-01T00:00:00Z");
    let data = hub
        .data(
            SEARCH,
            json!({ "t": text, "l": languages, "f": since }),
            &[],
        )
        .await;
    let ids = data["services"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id").to_owned())
        .collect();
    (ids, data["services"]["totalCount"].as_i64().expect("total"))
}

async fn quality_set(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::directory_demo(&db).await;
    let names = german_names(&hub).await;
    let set: Value = serde_json::from_str(QUALITY).expect("quality.json");
    let queries = set["queries"].as_array().expect("queries");
    assert!(queries.len() >= 40, "the set has {} queries", queries.len());
    let mut failures = Vec::new();
    for q in queries {
        let text = q["query"].as_str().expect("query");
        let languages = q["languages"].clone();
        let (ids, total) = top(&hub, text, &languages, false).await;
        let shown: Vec<&str> = ids
            .iter()
            .map(|id| names.get(id).map_or("?", String::as_str))
            .collect();
        let mut wanted: Vec<&str> = q["expect"]
            .as_array()
            .expect("expect")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if let Some(first) = q["first"].as_str() {
            if shown.first() != Some(&first) {
                failures.push(format!("{text:?}: first {first:?}, got {shown:?}"));
            }
            wanted.push(first);
        }
        assert!(!wanted.is_empty(), "{text:?} expects nothing");
        for w in wanted {
            assert!(
                names.values().any(|n| n == w),
                "{text:?}: no service is called {w:?}"
            );
            if !shown.contains(&w) {
                failures.push(format!("{text:?}: {w:?} not in the top 5 {shown:?}"));
            }
        }
        // The other read path (another filter given) ranks the same.
        let (again, again_total) = top(&hub, text, &languages, true).await;
        if (&again, again_total) != (&ids, total) {
            failures.push(format!(
                "{text:?}: with a filter that narrows nothing {again:?} of {again_total}, \
                 without {ids:?} of {total}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries failed:\n{}",
        failures.len(),
        queries.len(),
        failures.join("\n")
    );
}
both_backends!(search_quality, quality_set);

/// Totals are exact, facets count the matches, and the index follows edits,
/// translations and deletions; a database searched before its index was built is
/// still searched (by the stored text), and `migrate` builds it.
async fn index_follows_writes(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::directory_demo(&db).await;
    let de = json!(["de"]);
    let count = |text: &'static str| {
        let hub = &hub;
        let de = de.clone();
        async move { top(hub, text, &de, false).await.1 }
    };
    // Exact totals: every service whose texts hold a word with `beratung` in it.
    let names = german_names(&hub).await;
    let all = hub
        .data(
            "{ services(first: 100, filter: {text: \"beratung\"}) { totalCount } }",
            json!({}),
            &[],
        )
        .await;
    let total = all["services"]["totalCount"].as_i64().expect("total");
    let by_name = names
        .values()
        .filter(|n| n.to_lowercase().contains("beratung"))
        .count();
    assert!(
        total >= i64::try_from(by_name).expect("small"),
        "{total} < {by_name}"
    );
    let facets = hub
        .data(
            "{ serviceFacets(filter: {text: \"beratung\"}) { categories { value count } \
             languages { value count } localities { value count } } }",
            json!({}),
            &[],
        )
        .await;
    let f = &facets["serviceFacets"];
    let sum: i64 = f["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["count"].as_i64().expect("count"))
        .sum();
    assert_eq!(sum, total, "every match has one category: {f}");
    let german = f["languages"]
        .as_array()
        .expect("languages")
        .iter()
        .find(|l| l["value"] == "de")
        .map(|l| l["count"].as_i64().expect("count"));
    assert!(german.is_some_and(|n| n > 0 && n <= total), "{f}");
    assert!(
        f["localities"]
            .as_array()
            .expect("localities")
            .iter()
            .any(|l| l["value"] == "Köpenick"),
        "localities by their names: {f}"
    );

    // An edit: a service gets a new name and description, and the index follows (the
    // old word is gone).
    let coordinator = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let auth = [("authorization", coordinator.as_str())];
    let (id, _) = names
        .iter()
        .find(|(_, n)| n.as_str() == "Nähwerkstatt")
        .expect("Nähwerkstatt");
    assert_eq!(count("Naehwerkstatt").await, 1);
    assert_eq!(count("Schneiderstube").await, 0);
    hub.data(
        "mutation($id: ID!) { updateService(id: $id, input: {name: \"Schneiderstube\", \
         description: \"Flicken und Nähen\"}) { id } }",
        json!({ "id": id }),
        &auth,
    )
    .await;
    assert_eq!(count("Schneiderstube").await, 1);
    assert_eq!(count("Schnaiderstube").await, 1, "typo of a new word");
    assert_eq!(count("Naehwerkstatt").await, 0);
    // A translation is searchable in its language, and gone with it.
    hub.data(
        "mutation($id: ID!) { setTranslation(input: {entityType: SERVICE, entityId: $id, \
         field: \"description\", language: \"tr\", text: \"Dikiş atölyesi\"}) { language } }",
        json!({ "id": id }),
        &auth,
    )
    .await;
    assert_eq!(count("dikiş").await, 1);
    hub.data(
        "mutation($id: ID!) { removeTranslation(entityType: SERVICE, entityId: $id, \
         field: \"description\", language: \"tr\") }",
        json!({ "id": id }),
        &auth,
    )
    .await;
    assert_eq!(count("dikiş").await, 0);
    // A deletion takes the service out of the results.
    hub.data(
        "mutation($id: ID!) { deleteService(id: $id) { id } }",
        json!({ "id": id }),
        &auth,
    )
    .await;
    assert_eq!(count("Schneiderstube").await, 0);
    // `calendar index`'s sibling: the hourly upkeep removes words nobody uses.
    drop(hub);
    let out = cli_ok(&db, &["search", "index"]);
    assert!(out.contains("current"), "{out}");
}
both_backends!(search_index_follows_writes, index_follows_writes);
