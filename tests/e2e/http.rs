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
    let body: Value = res.json().await.expect("a JSON error body");
    assert_eq!(body["errors"][0]["extensions"]["code"], "INVALID_QUERY");

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

/// Parsed documents are reused between requests with the same text (see
/// `documents.rs`); every request still gets its own operation, variables and limits.
async fn repeated_documents(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let url = format!("{}/graphql", hub.base);
    let post = |body: Value| {
        let (c, url) = (hub.client(), url.clone());
        async move {
            let res = c.post(url).json(&body).send().await.expect("request");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.expect("JSON body"))
        }
    };

    // One document with two operations: the one named is the one run, every time.
    let two = "query Orgs { organisations(first: 1) { totalCount } } query Svcs { services(first: 1) { totalCount } }";
    for name in ["Orgs", "Svcs", "Orgs", "Svcs", "Orgs", "Svcs"] {
        let (status, body) = post(json!({ "query": two, "operationName": name })).await;
        assert_eq!(status, 200, "{body}");
        let data = body["data"].as_object().expect("data");
        let field = if name == "Orgs" {
            "organisations"
        } else {
            "services"
        };
        assert_eq!(
            data.keys().collect::<Vec<_>>(),
            vec![field],
            "{name}: {body}"
        );
    }

    // The same text with other variables.
    let paged = "query($n: Int) { services(first: $n) { nodes { id } } }";
    for n in [1, 2, 3, 1, 2, 3] {
        let (_, body) = post(json!({ "query": paged, "variables": { "n": n } })).await;
        let nodes = body["data"]["services"]["nodes"].as_array().expect("nodes");
        assert_eq!(nodes.len(), n, "{body}");
    }

    // Too deep is refused on every request, also once the text has been parsed before.
    let deep = "{ organisations(first: 1) { nodes { services(first: 1) { nodes { organisation { services(first: 1) { nodes { organisation { services(first: 1) { nodes { organisation { services(first: 1) { nodes { name } } } } } } } } } } } } } }";
    for _ in 0..3 {
        let (_, body) = post(json!({ "query": deep })).await;
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("levels deep"), "{body}");
    }
}
both_backends!(parsed_documents_are_reused_per_request, repeated_documents);
