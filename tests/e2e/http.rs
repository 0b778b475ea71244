//! GraphQL over HTTP as browsers and partner sites see it.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb};

async fn http_surface(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let c = hub.client();
    let url = format!("{}/graphql", hub.base);

    // A browser gets GraphiQL.
    let page = c
        .get(&url)
        .header("accept", "text/html")
        .send()
        .await
        .expect("get");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("html")
            .to_lowercase()
            .contains("graphiql")
    );

    // GET queries work; GET mutations do not.
    let res = c
        .get(format!(
            "{url}?query=%7B+services(first:+1)+%7B+totalCount+%7D+%7D"
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/json")
    );
    let res = c
        .get(format!("{url}?query=mutation+%7B+logout+%7D"))
        .header("accept", "application/graphql-response+json")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 405);

    // Content negotiation and request errors.
    let res = c
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/graphql-response+json")
        .body(r#"{"query": "{ services { nichtDa } }"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 400);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/graphql-response+json")
    );
    let body: Value = res.json().await.expect("json");
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_QUERY");
    let res = c
        .post(&url)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(r#"{"query": "{ services { nichtDa } }"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 200);
    let res = c
        .post(&url)
        .header("content-type", "application/json")
        .body("{ kein json")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 400);
    let res = c
        .post(&url)
        .header("content-type", "text/plain")
        .body(r#"{"query": "{ __typename }"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 415);

    // Oversized bodies are refused before parsing.
    let huge = format!(
        r#"{{"query": "{{ __typename }}", "variables": {{"x": "{}"}}}}"#,
        "a".repeat(400 * 1024)
    );
    let res = c
        .post(&url)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 413);

    // Too deep queries are refused with a code.
    let deep = "{ services { nodes { organisation { services { nodes { organisation { services { nodes { organisation { services { nodes { organisation { name } } } } } } } } } } } } }";
    let (code, _) = hub.error(deep, json!({}), &[]).await;
    assert_eq!(code, "INVALID_QUERY");

    // Health and readiness.
    assert_eq!(
        c.get(format!("{}/healthz", hub.base))
            .send()
            .await
            .expect("get")
            .status(),
        200
    );
    assert_eq!(
        c.get(format!("{}/readyz", hub.base))
            .send()
            .await
            .expect("get")
            .status(),
        200
    );
}
both_backends!(graphql_over_http, http_surface);
