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
}
both_backends!(federation_subgraph, subgraph);
