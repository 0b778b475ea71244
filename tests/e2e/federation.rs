//! The Hub as an Apollo Federation v2 subgraph, through the real `serve`: its SDL
//! names the entity keys, and `_entities` answers many representations at once through
//! the DataLoaders, with the same rules for personal fields as anywhere else.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, organisations};

async fn subgraph(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;

    let sdl = hub.data("{ _service { sdl } }", json!({}), &[]).await;
    let sdl = sdl["_service"]["sdl"].as_str().expect("sdl").to_owned();
    assert!(
        sdl.contains("specs.apollo.dev/federation/v2"),
        "a Federation v2 schema: {sdl}"
    );
    for entity in [
        "type Organisation @key(fields: \"id\")",
        "type Location @key(fields: \"id\")",
        "type Service @key(fields: \"id\")",
        "type Event @key(fields: \"id\")",
        "type FundingOpportunity @key(fields: \"id\")",
    ] {
        assert!(sdl.contains(entity), "{entity} in the SDL");
    }

    // Many representations at once, as a router sends them: read in one batch.
    let (members, _) = organisations(&hub).await;
    let ids: Vec<&str> = members
        .iter()
        .take(5)
        .filter_map(|o| o["id"].as_str())
        .collect();
    let mut representations: Vec<Value> = ids
        .iter()
        .map(|id| json!({ "__typename": "Organisation", "id": id }))
        .collect();
    representations.push(
        json!({ "__typename": "Organisation", "id": "01900000-0000-7000-8000-000000000000" }),
    );
    let query = "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Organisation { id name } } }";
    let (status, statements, body) = hub.post(query, json!({ "r": representations }), &[]).await;
    assert_eq!(status, 200, "{body}");
    let found = body["data"]["_entities"].as_array().expect("entities");
    assert_eq!(found.len(), ids.len() + 1, "{body}");
    for (entity, id) in found.iter().zip(&ids) {
        assert_eq!(entity["id"], *id);
        assert!(entity["name"].as_str().is_some_and(|n| !n.is_empty()));
    }
    assert!(found[ids.len()].is_null(), "an unknown key is null: {body}");
    assert!(
        statements <= 2,
        "{} organisations in {statements} statements",
        ids.len()
    );

    // A personal field asks the same rule through _entities as anywhere else.
    let personal = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { calendarFeeds { url } } } }";
    let (_, _, body) = hub
        .post(
            personal,
            json!({ "r": [{ "__typename": "Organisation", "id": ids[0] }] }),
            &[],
        )
        .await;
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(code, "UNAUTHENTICATED", "{body}");

    // Services, events and funding calls by key, as by id anywhere else.
    let coordinator = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    for title in ["Elterncafé", "Sprachcafé am Abend"] {
        hub.data(
            "mutation($o: ID!, $t: String!) { createEvent(organisationId: $o, input: {title: $t, category: EDUCATION, start: \"2026-12-19T16:00:00\", end: \"2026-12-19T18:00:00\"}) { id } }",
            json!({ "o": ids[0], "t": title }),
            &[("authorization", coordinator.as_str())],
        )
        .await;
    }
    let some = hub
        .data(
            "{ services(first: 2) { nodes { id name } } eventOccurrences(from: \"2026-01-01T00:00:00Z\", to: \"2027-01-01T00:00:00Z\", first: 2) { nodes { event { id title } } } fundingOpportunities(first: 2) { nodes { id title } } }",
            json!({}),
            &[],
        )
        .await;
    let mut representations = Vec::new();
    let mut expected = Vec::new();
    for (list, typename, field) in [
        ("services", "Service", "name"),
        ("eventOccurrences", "Event", "title"),
        ("fundingOpportunities", "FundingOpportunity", "title"),
    ] {
        let nodes = some[list]["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), 2, "the demo has {list}");
        for n in nodes {
            let n = if list == "eventOccurrences" {
                &n["event"]
            } else {
                n
            };
            representations.push(json!({ "__typename": typename, "id": n["id"] }));
            expected.push(n[field].clone());
        }
    }
    let query = "query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Service { name } ... on Event { title } ... on FundingOpportunity { title } } }";
    let (status, statements, body) = hub.post(query, json!({ "r": representations }), &[]).await;
    assert_eq!(status, 200, "{body}");
    let got: Vec<Value> = body["data"]["_entities"]
        .as_array()
        .expect("entities")
        .iter()
        .map(|e| {
            e.get("name")
                .or_else(|| e.get("title"))
                .cloned()
                .unwrap_or(Value::Null)
        })
        .collect();
    assert_eq!(got, expected, "{body}");
    // One of each kind costs as many statements as two of each: batched per kind.
    let one_each: Vec<Value> = representations.iter().step_by(2).cloned().collect();
    let (_, fewer, _) = hub.post(query, json!({ "r": one_each }), &[]).await;
    assert_eq!(
        statements, fewer,
        "six entities as three: {statements} vs {fewer} statements"
    );

    // A router's batch counts against the cost limit like any list.
    let many: Vec<Value> = (0..300)
        .map(|_| json!({ "__typename": "Organisation", "id": ids[0] }))
        .collect();
    let costly = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Organisation { services(first: 100) { nodes { name } } } } }";
    let (status, _, body) = hub.post(costly, json!({ "r": many }), &[]).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("too costly"), "{body}");
}
both_backends!(federation_subgraph, subgraph);

/// `server.federation = false`: neither `_service` nor `_entities` is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn federation_can_be_turned_off() {
    let db = TestDb::new(Backend::Sqlite);
    crate::support::cli_ok(&db, &["migrate"]);
    crate::support::cli_ok(&db, &["demo", "--directory-only"]);
    let hub = Hub::start(&db, &[("NETZWERK__SERVER__FEDERATION", "false")]).await;
    for query in [
        "{ _service { sdl } }",
        "{ _entities(representations: []) { __typename } }",
    ] {
        let (status, _, body) = hub.post(query, json!({}), &[]).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.to_string().contains("server.federation"), "{body}");
    }
    hub.data("{ localities }", json!({}), &[]).await;
}
