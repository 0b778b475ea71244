//! Access control per role: coordinator, editor, partner API key, anonymous.

use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli, cli_ok};

const COORDINATOR: (&str, &str) = ("koordination@netzwerk-demo.example", "demo-koordination");

async fn two_orgs(hub: &Hub) -> (String, String, String) {
    let d = hub
        .data(
            "{ organisations(first: 2) { nodes { id slug } } }",
            json!({}),
            &[],
        )
        .await;
    let n = &d["organisations"]["nodes"];
    (
        n[0]["id"].as_str().expect("id").to_owned(),
        n[0]["slug"].as_str().expect("slug").to_owned(),
        n[1]["id"].as_str().expect("id").to_owned(),
    )
}

const UPDATE: &str = "mutation($id: ID!, $d: String) { updateOrganisation(id: $id, input: {description: $d}) { id description } }";

async fn roles(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let (own_id, own_slug, other_id) = two_orgs(&hub).await;

    // Anonymous: may read, may not write.
    let (code, _) = hub
        .error(UPDATE, json!({ "id": own_id, "d": "x" }), &[])
        .await;
    assert_eq!(code, "UNAUTHENTICATED");

    // Editor: own organisation yes, another no, and the other stays unchanged.
    let editor = hub
        .login(&format!("redaktion@{own_slug}.example"), "demo-redaktion")
        .await;
    let auth = [("authorization", editor.as_str())];
    let me = hub
        .data("{ me { id role organisationId } }", json!({}), &auth)
        .await;
    assert_eq!(me["me"]["role"], "EDITOR");
    assert_eq!(me["me"]["organisationId"], own_id.as_str());
    let ok = hub
        .data(
            UPDATE,
            json!({ "id": own_id, "d": "Neu beschrieben." }),
            &auth,
        )
        .await;
    assert_eq!(ok["updateOrganisation"]["description"], "Neu beschrieben.");
    let before = hub
        .data(
            "query($id: ID!) { organisationById(id: $id) { description updatedAt } }",
            json!({ "id": other_id }),
            &[],
        )
        .await;
    let (code, err) = hub
        .error(UPDATE, json!({ "id": other_id, "d": "übernommen" }), &auth)
        .await;
    assert_eq!(code, "FORBIDDEN", "{err}");
    let after = hub
        .data(
            "query($id: ID!) { organisationById(id: $id) { description updatedAt } }",
            json!({ "id": other_id }),
            &[],
        )
        .await;
    assert_eq!(before, after);
    // Nor may an editor add services to, or delete, another organisation, or admit members.
    let (code, _) = hub
        .error("mutation($o: ID!) { createService(organisationId: $o, input: {name: \"Fremd\"}) { id } }", json!({ "o": other_id }), &auth)
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = hub
        .error(
            "mutation($o: ID!) { deleteOrganisation(id: $o) { id } }",
            json!({ "o": other_id }),
            &auth,
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = hub
        .error(
            "mutation { createOrganisation(input: {name: \"Neuer Verein\"}) { id } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = hub
        .error("mutation($id: ID!) { updateOrganisation(id: $id, input: {membershipStatus: FORMER}) { id } }", json!({ "id": own_id }), &auth)
        .await;
    assert_eq!(
        code, "FORBIDDEN",
        "membership is the coordinator's decision"
    );
    let (code, _) = hub
        .error("mutation($id: ID!) { updateOrganisation(id: $id, input: {memberSince: \"2001-01-01\"}) { id } }", json!({ "id": own_id }), &auth)
        .await;
    assert_eq!(code, "FORBIDDEN", "so is the date of membership");
    // Sending the membership as it is (a form that posts every field) changes nothing
    // that is the coordinator's, and the rest of the change is the editor's.
    let unchanged = hub
        .data("mutation($id: ID!) { updateOrganisation(id: $id, input: {membershipStatus: MEMBER, alternateName: \"Kurzname\"}) { alternateName membership { status } } }", json!({ "id": own_id }), &auth)
        .await;
    assert_eq!(unchanged["updateOrganisation"]["alternateName"], "Kurzname");
    assert_eq!(
        unchanged["updateOrganisation"]["membership"]["status"],
        "MEMBER"
    );

    // The change log: editors see their own organisation's, not others'.
    let log = hub
        .data("query($s: String!) { organisation(slug: $s) { changes(first: 5) { totalCount nodes { action entityKind actor summary } } } }", json!({ "s": own_slug }), &auth)
        .await;
    let changes = &log["organisation"]["changes"];
    assert!(changes["totalCount"].as_i64().expect("count") > 1);
    assert_eq!(
        changes["nodes"][0]["action"], "updated",
        "newest first: {changes}"
    );
    assert_eq!(changes["nodes"][0]["entityKind"], "organisation");
    assert_eq!(changes["nodes"][0]["actor"], me["me"]["id"]);
    let (code, _) = hub
        .error(
            "{ organisations(first: 2) { nodes { changes { totalCount } } } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = hub
        .error(
            "{ organisations(first: 1) { nodes { changes { totalCount } } } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(code, "UNAUTHENTICATED");

    // Coordinator: everything.
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let signed = hub
        .data("mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token expiresAt user { role organisationId } } }", json!({ "e": COORDINATOR.0, "p": COORDINATOR.1 }), &[])
        .await;
    assert_eq!(signed["signIn"]["user"]["role"], "COORDINATOR");
    assert!(signed["signIn"]["user"]["organisationId"].is_null());
    assert!(signed["signIn"]["expiresAt"].as_str().is_some());
    let cauth = [("authorization", coord.as_str())];
    hub.data(
        UPDATE,
        json!({ "id": other_id, "d": "Vom Büro ergänzt." }),
        &cauth,
    )
    .await;
    let created = hub.data("mutation { createOrganisation(input: {name: \"Neuer Verein Grünau\"}) { slug membership { status } } }", json!({}), &cauth).await;
    assert_eq!(
        created["createOrganisation"]["slug"],
        "neuer-verein-gruenau"
    );
    assert_eq!(
        created["createOrganisation"]["membership"]["status"],
        "APPLICANT"
    );

    // Wrong password and unknown account look the same.
    let (code, e1) = hub.error("mutation { login(email: \"koordination@netzwerk-demo.example\", password: \"falsch-falsch\") }", json!({}), &[]).await;
    assert_eq!(code, "UNAUTHENTICATED");
    let (_, e2) = hub.error("mutation { signIn(email: \"niemand@netzwerk-demo.example\", password: \"falsch-falsch\") { token expiresAt } }", json!({}), &[]).await;
    assert_eq!(e1["message"], e2["message"]);

    // A garbage token is refused outright; after logout the token stops working.
    let (status, _, body) = hub
        .post(
            "{ me { role } }",
            json!({}),
            &[("authorization", "Bearer nwt_0000")],
        )
        .await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    hub.data("mutation { logout }", json!({}), &auth).await;
    let (status, _, _) = hub.post("{ me { role } }", json!({}), &auth).await;
    assert_eq!(status, 401);
}
both_backends!(roles_are_enforced, roles);

async fn api_keys(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let out = cli_ok(
        &db,
        &["apikey", "add", "--name", "Partnerseite Schöneweide"],
    );
    let key = out
        .lines()
        .find(|l| l.starts_with("nwk_"))
        .expect("the key is printed")
        .to_owned();
    let id = out.split_whitespace().nth(3).expect("id").to_owned();
    let list = cli_ok(&db, &["apikey", "list"]);
    assert!(
        list.contains("Partnerseite Schöneweide") && list.contains("active"),
        "{list}"
    );
    assert!(!list.contains(&key), "keys are never listed");

    let h = [("x-api-key", key.as_str())];
    let d = hub
        .data("{ services(first: 1) { totalCount } }", json!({}), &h)
        .await;
    assert!(d["services"]["totalCount"].as_i64().expect("count") > 0);
    let (own_id, _, _) = two_orgs(&hub).await;
    let (code, _) = hub
        .error(UPDATE, json!({ "id": own_id, "d": "x" }), &h)
        .await;
    assert_eq!(code, "UNAUTHENTICATED", "a partner key only reads");
    // A key sent as a bearer token is no session: there is nothing to sign out of.
    let bearer = format!("Bearer {key}");
    let (code, _) = hub
        .error(
            "mutation { logout }",
            json!({}),
            &[("authorization", bearer.as_str())],
        )
        .await;
    assert_eq!(code, "UNAUTHENTICATED");

    cli_ok(&db, &["apikey", "revoke", &id]);
    let (status, _, body) = hub
        .post("{ services(first: 1) { totalCount } }", json!({}), &h)
        .await;
    assert_eq!(status, 401, "{body}");

    // A key with its own limit: three requests a minute, then 429 with Retry-After.
    let (ok, _, err) = cli(
        &db,
        &["apikey", "add", "--name", "Zu schnell", "--rate-limit", "0"],
        None,
    );
    assert!(!ok && err.contains("--rate-limit"), "{err}");
    let limited = crate::support::api_key(
        &db,
        &[
            "--name",
            "Schulportal",
            "--rate-limit",
            "3",
            "--trusted-only",
        ],
    );
    let list = cli_ok(&db, &["apikey", "list"]);
    assert!(
        list.contains("3/min") && list.contains("trusted documents only"),
        "{list}"
    );
    let h = [("x-api-key", limited.as_str())];
    // Trusted documents only: a document of graphql/persisted/ runs, any other is refused.
    let trusted = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../graphql/persisted/funding.graphql"
    ))
    .expect("persisted document");
    let (status, _, body) = hub
        .post_op(&trusted, "FundingFeed", json!({ "organisation": null }), &h)
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    let (status, _, body) = hub.post("{ localities }", json!({}), &h).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    // Two of its three requests a minute are used; the third passes, the fourth not.
    hub.post_op(&trusted, "FundingFeed", json!({ "organisation": null }), &h)
        .await;
    let res = hub
        .client()
        .post(format!("{}/graphql", hub.base))
        .header("x-api-key", &limited)
        .json(&json!({ "query": trusted, "operationName": "FundingFeed" }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 429);
    let wait: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    // Other callers are not affected.
    hub.data("{ localities }", json!({}), &[]).await;
}
both_backends!(partner_api_keys, api_keys);

async fn contact_visibility(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let q = "{ organisations(first: 100) { nodes { slug contacts { nodes { name email visibility detailsHidden } } } } }";
    let anon = hub.data(q, json!({}), &[]).await;
    let mut seen = std::collections::HashSet::new();
    for o in anon["organisations"]["nodes"].as_array().expect("orgs") {
        for c in o["contacts"]["nodes"].as_array().expect("contacts") {
            let vis = c["visibility"].as_str().expect("vis").to_owned();
            if vis != "PUBLIC" {
                assert!(c["email"].is_null(), "anonymous readers must not see {c}");
                assert_eq!(c["detailsHidden"], true);
            }
            seen.insert(vis);
        }
    }
    assert!(
        seen.contains("MEMBERS"),
        "the demo has members-only contacts"
    );

    // An editor sees members-only details of every organisation, internal ones only of their own.
    let first_slug = anon["organisations"]["nodes"][0]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let editor = hub
        .login(&format!("redaktion@{first_slug}.example"), "demo-redaktion")
        .await;
    let signed = hub
        .data(q, json!({}), &[("authorization", editor.as_str())])
        .await;
    for o in signed["organisations"]["nodes"].as_array().expect("orgs") {
        for c in o["contacts"]["nodes"].as_array().expect("contacts") {
            match c["visibility"].as_str().expect("vis") {
                "MEMBERS" => assert_eq!(c["detailsHidden"], false, "{c}"),
                "INTERNAL" if o["slug"] != first_slug.as_str() => {
                    assert_eq!(c["detailsHidden"], true, "{c}")
                }
                _ => {}
            }
        }
    }
}
both_backends!(contact_details_follow_visibility, contact_visibility);
