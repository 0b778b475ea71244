//! Creating, changing and deleting every directory entity; bad input gets a
//! `VALIDATION` error naming each field and rule, and nothing is half-written.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb};

async fn editor_of_first(hub: &Hub) -> (String, String) {
    let d = hub
        .data(
            "{ organisations(first: 1) { nodes { slug } } }",
            json!({}),
            &[],
        )
        .await;
    let slug = d["organisations"]["nodes"][0]["slug"]
        .as_str()
        .expect("slug");
    hub.editor_of(slug).await
}

async fn service_count(hub: &Hub) -> i64 {
    hub.data("{ services { totalCount } }", json!({}), &[])
        .await["services"]["totalCount"]
        .as_i64()
        .expect("count")
}

fn fields(err: &Value) -> Vec<String> {
    err["extensions"]["violations"]
        .as_array()
        .map_or_else(Vec::new, |v| {
            v.iter()
                .map(|x| x["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
}

async fn lifecycle(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let (org, editor) = editor_of_first(&hub).await;
    let auth = [("authorization", editor.as_str())];
    let t0 = now_after_writes().await;

    let loc = hub
        .data(
            "mutation($o: ID!) { createLocation(organisationId: $o, input: {name: \"Treffpunkt Müggelheim\", address: \"Alt-Müggelheim 1\", locality: \"Müggelheim\", postcode: \"12559\", latitude: 52.41, longitude: 13.66, wheelchairAccessible: true, transportHint: \"Bus 369\"}) { id locality timezone accessibility { wheelchairAccessible } } }",
            json!({ "o": org }),
            &auth,
        )
        .await;
    let loc_id = loc["createLocation"]["id"].as_str().expect("id").to_owned();
    assert_eq!(loc["createLocation"]["timezone"], "Europe/Berlin");

    let before = service_count(&hub).await;
    let created = hub
        .data(
            "mutation($o: ID!, $l: ID!) { createService(organisationId: $o, input: {name: \"Nähcafé Müggelheim\", description: \"Gemeinsam nähen und Deutsch sprechen.\", category: LEISURE, targetGroups: [WOMEN], languages: [\"de\", \"uk\"], free: true, locationIds: [$l], openingHours: [{weekday: 3, opens: \"15:00\", closes: \"18:00\"}], exceptions: [{date: \"2027-12-29\", note: \"Winterpause\"}]}) { id name languages { code } locations { nodes { id } } schedule { openingHours { weekday opens closes } exceptions { date closed note } } } }",
            json!({ "o": org, "l": loc_id }),
            &auth,
        )
        .await;
    let s = &created["createService"];
    let sid = s["id"].as_str().expect("id").to_owned();
    assert_eq!(s["languages"], json!([{ "code": "de" }, { "code": "uk" }]));
    assert_eq!(s["locations"]["nodes"][0]["id"], loc_id.as_str());
    assert_eq!(
        s["schedule"]["openingHours"],
        json!([{ "weekday": 3, "opens": "15:00", "closes": "18:00" }])
    );
    assert_eq!(s["schedule"]["exceptions"][0]["closed"], true);
    assert_eq!(service_count(&hub).await, before + 1);

    // Found by locality (folded) and language, and by modifiedAfter.
    let f = hub
        .data(
            "{ services(filter: {locality: \"Mueggelheim\", language: \"uk\"}) { nodes { id } } }",
            json!({}),
            &[],
        )
        .await;
    assert!(
        f["services"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|n| n["id"] == sid.as_str())
    );
    let recent = hub.data("query($t: DateTime) { services(filter: {modifiedAfter: $t}) { totalCount nodes { id } } }", json!({ "t": t0 }), &[]).await;
    assert_eq!(recent["services"]["totalCount"], 1, "{recent}");
    assert_eq!(recent["services"]["nodes"][0]["id"], sid.as_str());

    // Update: absent fields stay, null clears, lists replace.
    let upd = hub
        .data("mutation($id: ID!) { updateService(id: $id, input: {description: null, languages: [\"de\", \"ar\"]}) { name description languages { code } locations { nodes { id } } } }", json!({ "id": sid }), &auth)
        .await;
    assert_eq!(upd["updateService"]["name"], "Nähcafé Müggelheim");
    assert!(upd["updateService"]["description"].is_null());
    assert_eq!(
        upd["updateService"]["languages"],
        json!([{ "code": "ar" }, { "code": "de" }])
    );
    assert_eq!(
        upd["updateService"]["locations"]["nodes"][0]["id"],
        loc_id.as_str()
    );

    // A translation is served and searchable.
    hub.data(
        "mutation($id: ID!) { setTranslation(input: {entityType: SERVICE, entityId: $id, field: \"name\", language: \"uk\", text: \"Швейне кафе\"}) { language } }",
        json!({ "id": sid }),
        &auth,
    )
    .await;
    let uk = hub.data("query($id: ID!) { service(id: $id, languages: [\"uk\"]) { name nameLocalized { language machineTranslated } } }", json!({ "id": sid }), &[]).await;
    assert_eq!(uk["service"]["name"], "Швейне кафе");
    let found = hub
        .data(
            "{ services(filter: {text: \"швейне\"}) { totalCount } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(found["services"]["totalCount"], 1);

    // Contacts.
    let c = hub
        .data("mutation($o: ID!) { createContact(organisationId: $o, input: {name: \"Olena Beispiel\", role: \"Kursleitung\", email: \"olena@beispiel.example\", visibility: PUBLIC}) { id email } }", json!({ "o": org }), &auth)
        .await;
    let cid = c["createContact"]["id"].as_str().expect("id").to_owned();
    assert_eq!(c["createContact"]["email"], "olena@beispiel.example");
    hub.data("mutation($id: ID!) { updateContact(id: $id, input: {visibility: INTERNAL}) { visibility } }", json!({ "id": cid }), &auth).await;
    let anon = hub.data("query($s: String!) { organisation(slug: $s) { contacts(first: 100) { nodes { name email } } } }", json!({ "s": slug_of(&hub, &org).await }), &[]).await;
    let olena = anon["organisation"]["contacts"]["nodes"]
        .as_array()
        .expect("c")
        .iter()
        .find(|n| n["name"] == "Olena Beispiel")
        .cloned()
        .expect("listed");
    assert!(olena["email"].is_null());

    // Deletes.
    hub.data(
        "mutation($id: ID!) { deleteContact(id: $id) { id } }",
        json!({ "id": cid }),
        &auth,
    )
    .await;
    hub.data(
        "mutation($id: ID!) { deleteLocation(id: $id) { id } }",
        json!({ "id": loc_id }),
        &auth,
    )
    .await;
    let after = hub.data("query($id: ID!) { service(id: $id) { locations { totalCount } schedule { timezone } } }", json!({ "id": sid }), &[]).await;
    assert_eq!(after["service"]["locations"]["totalCount"], 0);
    hub.data(
        "mutation($id: ID!) { deleteService(id: $id) { id } }",
        json!({ "id": sid }),
        &auth,
    )
    .await;
    assert!(
        hub.data(
            "query($id: ID!) { service(id: $id) { id } }",
            json!({ "id": sid }),
            &[]
        )
        .await["service"]
            .is_null()
    );
    assert_eq!(service_count(&hub).await, before);
    let (code, _) = hub
        .error(
            "mutation($id: ID!) { deleteService(id: $id) { id } }",
            json!({ "id": sid }),
            &auth,
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}
both_backends!(create_update_delete, lifecycle);

async fn slug_of(hub: &Hub, id: &str) -> String {
    hub.data(
        "query($id: ID!) { organisationById(id: $id) { slug } }",
        json!({ "id": id }),
        &[],
    )
    .await["organisationById"]["slug"]
        .as_str()
        .expect("slug")
        .to_owned()
}

/// An instant after everything written so far (same machine, same clock).
async fn now_after_writes() -> String {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    now
}

async fn bad_input(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let (org, editor) = editor_of_first(&hub).await;
    let auth = [("authorization", editor.as_str())];
    let before = service_count(&hub).await;

    let (code, err) = hub
        .error(
            "mutation($o: ID!) { createService(organisationId: $o, input: {name: \"  \", languages: [\"de\", \"klingonisch\"], openingHours: [{weekday: 9, opens: \"10:00\", closes: \"09:00\"}], locationIds: [\"kein-id\"]}) { id } }",
            json!({ "o": org }),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    let f = fields(&err);
    for expected in ["name", "languages[1]", "locationIds[0]", "hours[0].weekday"] {
        assert!(
            f.iter().any(|x| x == expected),
            "{expected} missing in {f:?}"
        );
    }
    let rules: Vec<_> = err["extensions"]["violations"]
        .as_array()
        .expect("v")
        .iter()
        .map(|v| v["rule"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(
        rules.contains(&"required".to_owned()) && rules.contains(&"language_code".to_owned()),
        "{rules:?}"
    );

    // A location of another organisation is refused, and no service row is left behind.
    let other = hub
        .data(
            "{ organisations(first: 2) { nodes { locations { nodes { id } } } } }",
            json!({}),
            &[],
        )
        .await;
    let foreign = other["organisations"]["nodes"][1]["locations"]["nodes"][0]["id"]
        .as_str()
        .expect("loc")
        .to_owned();
    let (code, err) = hub
        .error("mutation($o: ID!, $l: ID!) { createService(organisationId: $o, input: {name: \"Fremdort\", locationIds: [$l]}) { id } }", json!({ "o": org, "l": foreign }), &auth)
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    assert_eq!(fields(&err), ["locationIds[0]"]);
    assert_eq!(service_count(&hub).await, before, "nothing half-written");

    // Bad e-mail and URL on an organisation; the stored one is unchanged.
    let (code, err) = hub
        .error("mutation($o: ID!) { updateOrganisation(id: $o, input: {email: \"keine-adresse\", website: \"javascript:alert(1)\"}) { id } }", json!({ "o": org }), &auth)
        .await;
    assert_eq!(code, "VALIDATION");
    assert_eq!(fields(&err), ["website", "email"]);
    let (code, _) = hub
        .error(
            "mutation { updateOrganisation(id: \"nope\", input: {}) { id } }",
            json!({}),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION");

    // A taken slug is a conflict.
    let coord = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let slug = slug_of(&hub, &org).await;
    let (code, err) = hub
        .error("mutation($s: String) { createOrganisation(input: {name: \"Doppelt\", slug: $s}) { id } }", json!({ "s": slug }), &[("authorization", coord.as_str())])
        .await;
    assert_eq!(code, "CONFLICT", "{err}");

    // Page size limits.
    let (code, err) = hub
        .error("{ services(first: 1000) { totalCount } }", json!({}), &[])
        .await;
    assert_eq!(code, "VALIDATION");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("first")
    );
    let (code, _) = hub
        .error(
            "{ services(after: \"kaputt\") { totalCount } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(code, "VALIDATION");
}
both_backends!(bad_input_is_named_and_nothing_half_written, bad_input);

async fn concurrent_writes(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let (org, editor) = editor_of_first(&hub).await;
    let before = service_count(&hub).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..16 {
        let (client, url, auth, org) = (
            hub.client().clone(),
            format!("{}/graphql", hub.base),
            editor.clone(),
            org.clone(),
        );
        tasks.spawn(async move {
            let body = json!({
                "query": "mutation($o: ID!, $n: String!) { createService(organisationId: $o, input: {name: $n, languages: [\"de\"]}) { id } }",
                "variables": { "o": org, "n": format!("Gleichzeitig {i}") },
            });
            let res = client.post(url).header("authorization", auth).json(&body).send().await.expect("request");
            res.json::<Value>().await.expect("json")
        });
    }
    while let Some(done) = tasks.join_next().await {
        let body = done.expect("task");
        assert!(
            body.get("errors").is_none(),
            "a concurrent write failed: {body}"
        );
    }
    assert_eq!(service_count(&hub).await, before + 16);
}
both_backends!(concurrent_writes_all_succeed, concurrent_writes);
