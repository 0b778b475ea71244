//! The public directory queries partner websites embed.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb};

fn names(v: &Value) -> Vec<String> {
    v["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn contract_queries(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;

    let orgs = hub.data("{ organisations(first: 5) { totalCount nodes { slug name } pageInfo { hasNextPage endCursor } } }", json!({}), &[]).await;
    assert!(orgs["organisations"]["totalCount"].as_i64().expect("count") >= 25);
    assert_eq!(
        orgs["organisations"]["nodes"]
            .as_array()
            .expect("nodes")
            .len(),
        5
    );
    assert_eq!(orgs["organisations"]["pageInfo"]["hasNextPage"], true);

    // The next page starts after the cursor and does not repeat the first.
    let cursor = orgs["organisations"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let next = hub
        .data(
            "query($a: String) { organisations(first: 5, after: $a) { nodes { slug } } }",
            json!({ "a": cursor }),
            &[],
        )
        .await;
    let first_slugs: Vec<_> = orgs["organisations"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["slug"].clone())
        .collect();
    for n in next["organisations"]["nodes"].as_array().expect("nodes") {
        assert!(
            !first_slugs.contains(&n["slug"]),
            "page 2 repeats {}",
            n["slug"]
        );
    }

    let slug = orgs["organisations"]["nodes"][0]["slug"]
        .as_str()
        .expect("slug")
        .to_owned();
    let one = hub
        .data("query($s: String!) { organisation(slug: $s) { slug name services(first: 50) { totalCount nodes { id name } } locations { nodes { address locality } } } }", json!({ "s": slug }), &[])
        .await;
    assert_eq!(one["organisation"]["slug"], slug.as_str());
    assert!(
        one["organisation"]["services"]["totalCount"]
            .as_i64()
            .expect("count")
            >= 1
    );
    let missing = hub
        .data(
            "{ organisation(slug: \"gibt-es-nicht\") { name } }",
            json!({}),
            &[],
        )
        .await;
    assert!(missing["organisation"].is_null());

    let q = "query($f: ServiceFilter) { services(first: 100, filter: $f) { totalCount nodes { id name languages { code } organisation { slug name } } } }";
    let all = hub.data(q, json!({ "f": null }), &[]).await;
    let total = all["services"]["totalCount"].as_i64().expect("count");
    assert!(total >= 60, "demo has {total} services");

    // Language: every result is delivered in Arabic, and fewer than all are.
    let ar = hub.data(q, json!({ "f": { "language": "ar" } }), &[]).await;
    let ar_total = ar["services"]["totalCount"].as_i64().expect("count");
    assert!(ar_total > 0 && ar_total < total);
    for n in ar["services"]["nodes"].as_array().expect("nodes") {
        assert!(
            n["languages"]
                .as_array()
                .expect("langs")
                .iter()
                .any(|l| l["code"] == "ar"),
            "{n}"
        );
    }

    // Locality folds umlauts: Koepenick finds Köpenick.
    let k1 = hub
        .data(
            q,
            json!({ "f": { "language": "ar", "locality": "Koepenick" } }),
            &[],
        )
        .await;
    let k2 = hub
        .data(
            q,
            json!({ "f": { "language": "ar", "locality": "KÖPENICK" } }),
            &[],
        )
        .await;
    assert!(k1["services"]["totalCount"].as_i64().expect("count") >= 3);
    assert_eq!(k1["services"]["totalCount"], k2["services"]["totalCount"]);

    // Text search finds compounds, case- and umlaut-insensitively.
    let b = hub
        .data(q, json!({ "f": { "text": "beratung" } }), &[])
        .await;
    let found = names(&b["services"]);
    assert!(
        found.iter().any(|n| n.contains("Migrationsberatung")),
        "{found:?}"
    );
    assert!(found.iter().all(|n| !n.is_empty()));
    let koe = hub
        .data(q, json!({ "f": { "text": "Koepenick" } }), &[])
        .await;
    assert!(koe["services"]["totalCount"].as_i64().expect("count") > 0);

    // Category, target group and free narrow the list consistently.
    let c = hub.data("{ services(first: 100, filter: {category: COUNSELLING}) { totalCount nodes { category } } }", json!({}), &[]).await;
    assert!(
        c["services"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .all(|n| n["category"] == "COUNSELLING")
    );
    let t = hub.data("{ services(first: 100, filter: {targetGroup: YOUTH}) { totalCount nodes { targetGroups } } }", json!({}), &[]).await;
    assert!(
        t["services"]["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .all(|n| n["targetGroups"]
                .as_array()
                .expect("tg")
                .contains(&json!("YOUTH")))
    );
    let free = hub.data("{ a: services(filter: {free: true}) { totalCount } b: services(filter: {free: false}) { totalCount } }", json!({}), &[]).await;
    assert_eq!(
        free["a"]["totalCount"].as_i64().expect("a") + free["b"]["totalCount"].as_i64().expect("b"),
        total
    );
}
both_backends!(contract, contract_queries);

async fn open_at(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    // Tuesday 2027-01-12 10:30 in Berlin is 09:30 UTC (winter time); Sunday 03:00 is closed nearly everywhere.
    let q = "query($t: DateTime!) { services(first: 100, filter: {openAt: $t}) { totalCount nodes { schedule { timezone isOpenAt(at: $t) } } } }";
    let tue = hub
        .data(q, json!({ "t": "2027-01-12T09:30:00Z" }), &[])
        .await;
    let open = tue["services"]["totalCount"].as_i64().expect("count");
    assert!(open > 0, "some demo services are open on a Tuesday morning");
    for n in tue["services"]["nodes"].as_array().expect("nodes") {
        assert_eq!(
            n["schedule"]["isOpenAt"], true,
            "server filter and schedule agree: {n}"
        );
    }
    let night = hub
        .data(q, json!({ "t": "2027-01-10T02:00:00Z" }), &[])
        .await;
    assert!(night["services"]["totalCount"].as_i64().expect("count") < open);
    // Summer time: 10:30 Berlin is 08:30 UTC, and the same services open at the same local time.
    let summer = hub
        .data(q, json!({ "t": "2027-07-13T08:30:00Z" }), &[])
        .await;
    assert_eq!(
        summer["services"]["totalCount"].as_i64().expect("count"),
        open
    );
}
both_backends!(open_at_local_time, open_at);

async fn translations(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let q = "{ services(first: 100) { nodes { name nameLocalized { text language machineTranslated } translations { field language } } } }";
    let de = hub.data(q, json!({}), &[]).await;
    let ar = hub
        .data(q, json!({}), &[("accept-language", "ar, en;q=0.5")])
        .await;
    let mut served_ar = 0;
    for (d, a) in de["services"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .zip(ar["services"]["nodes"].as_array().expect("nodes"))
    {
        assert_eq!(d["nameLocalized"]["language"], "de");
        let has_ar = a["translations"]
            .as_array()
            .expect("tr")
            .iter()
            .any(|t| t["field"] == "name" && t["language"] == "ar");
        let lang = a["nameLocalized"]["language"].as_str().expect("lang");
        if has_ar {
            assert_eq!(lang, "ar", "{a}");
            assert_ne!(a["name"], d["name"]);
            served_ar += 1;
        } else {
            assert!(lang == "en" || lang == "de", "falls back in order: {a}");
        }
    }
    assert!(served_ar > 0, "the demo has Arabic translations");
    // The argument overrides Accept-Language.
    let en = hub
        .data(
            "{ services(first: 5, languages: [\"en\"]) { nodes { nameLocalized { language } } } }",
            json!({}),
            &[("accept-language", "ar")],
        )
        .await;
    for n in en["services"]["nodes"].as_array().expect("nodes") {
        assert_eq!(n["nameLocalized"]["language"], "en");
    }
    let (code, err) = hub
        .error(
            "{ services(languages: [\"xx\"]) { totalCount } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("languages[0]"),
        "{err}"
    );
}
both_backends!(translations_fall_back, translations);

async fn statement_count(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let q = "query($n: Int) { services(first: $n) { totalCount nodes { name languages { code } organisation { name slug } locations { nodes { name address locality } } schedule { timezone openingHours { weekday opens closes } exceptions { date } } } } }";
    let mut counts = Vec::new();
    for n in [5, 20, 50] {
        let (status, statements, body) = hub.post(q, json!({ "n": n }), &[]).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(
            body["data"]["services"]["nodes"]
                .as_array()
                .expect("nodes")
                .len(),
            n as usize
        );
        counts.push(statements);
    }
    assert!(counts[0] > 0, "the Hub reports its statements");
    assert!(
        counts.iter().all(|c| *c == counts[0]),
        "statements per request grow with the page size: {counts:?}"
    );
    assert!(
        counts[0] <= 10,
        "a 50-item page with nested relations took {} statements",
        counts[0]
    );
    // A partner page and an organisation's profile: the services' languages, hours
    // and location ids come with their rows, the profile's service locations are the
    // organisation's own.
    let partner = "{ services(first: 50, filter: {language: \"ar\"}) { totalCount nodes { name organisation { name } locations { nodes { name address } } schedule { openingHours { weekday opens closes } } languages { code } } } }";
    let profile = "{ organisation(slug: \"kiezwerkstatt-spreebogen\") { name services(first: 100) { nodes { name languages { code } schedule { openingHours { weekday } } locations { nodes { id } } } } locations { nodes { name address } } } }";
    // Exactly three each: fewer would mean reads sent past the statement counter
    // (the hot reads go to the concrete connection, not through the multi-backend one).
    for q in [partner, profile] {
        let (status, statements, body) = hub.post(q, json!({}), &[]).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        assert_eq!(statements, 3, "statements for {q}");
        // Not an empty page: services with locations were read.
        let placed = body.to_string().matches("\"address\"").count()
            + body
                .to_string()
                .matches("\"locations\":{\"nodes\":[{\"id\"")
                .count();
        assert!(placed > 1, "nothing with locations in {body}");
    }
}
both_backends!(statements_do_not_grow_with_page_size, statement_count);

/// An organisation's identifiers come back complete and in order on every read path:
/// by slug, by id, in the list, and as the organisation of a service.
async fn identifiers(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let slug = "kiezwerkstatt-spreebogen";
    let (id, editor) = hub.editor_of(slug).await;
    let auth = [("authorization", editor.as_str())];
    let before = hub
        .data(
            "query($s: String!) { organisation(slug: $s) { identifiers { scheme value } } }",
            json!({ "s": slug }),
            &[],
        )
        .await;
    assert_eq!(
        before["organisation"]["identifiers"],
        json!([{ "scheme": "vereinsregister", "value": "VR 31742 B" }])
    );
    let wanted = json!([
        { "scheme": "vereinsregister", "value": "VR 31742 B" },
        { "scheme": "steuernummer", "value": "27/640/12345" },
        { "scheme": "a-zuerst", "value": "1" }
    ]);
    hub.data(
        "mutation($id: ID!, $i: [IdentifierInput!]) { updateOrganisation(id: $id, input: {identifiers: $i}) { id } }",
        json!({ "id": id, "i": wanted }),
        &auth,
    )
    .await;
    let by_slug = hub
        .data(
            "query($s: String!) { organisation(slug: $s) { identifiers { scheme value } } }",
            json!({ "s": slug }),
            &[],
        )
        .await;
    assert_eq!(by_slug["organisation"]["identifiers"], wanted, "by slug");
    let by_id = hub
        .data(
            "query($id: ID!) { organisationById(id: $id) { identifiers { scheme value } } }",
            json!({ "id": id }),
            &[],
        )
        .await;
    assert_eq!(by_id["organisationById"]["identifiers"], wanted, "by id");
    let list = hub
        .data(
            "{ organisations(first: 100) { nodes { slug identifiers { scheme value } } } }",
            json!({}),
            &[],
        )
        .await;
    let nodes = list["organisations"]["nodes"].as_array().expect("nodes");
    let listed = nodes.iter().find(|n| n["slug"] == slug).expect("listed");
    assert_eq!(listed["identifiers"], wanted, "in the list");
    assert!(
        nodes.iter().any(|n| n["identifiers"] == json!([])),
        "organisations without identifiers have an empty list"
    );
    let services = hub
        .data(
            "query($s: String!) { services(first: 100, filter: {organisation: $s}) { nodes { organisation { slug identifiers { scheme value } } } } }",
            json!({ "s": slug }),
            &[],
        )
        .await;
    let nodes = services["services"]["nodes"].as_array().expect("nodes");
    assert!(!nodes.is_empty());
    for n in nodes {
        assert_eq!(n["organisation"]["identifiers"], wanted, "of a service");
    }
}
both_backends!(identifiers_on_every_read_path, identifiers);

/// A service's languages, target groups, hours and locations come back the same on
/// every read path: by id (loaded relation by relation), in a text search and in a
/// selective list (read with the service's row), under its organisation by slug and
/// in the organisations list (read with the organisation), and under an organisation
/// by id (through the request's loader). Locations keep their link order, and one
/// that is deleted is gone on every path.
async fn links_on_every_read_path(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let slug = "kiezwerkstatt-spreebogen";
    let (org, editor) = hub.editor_of(slug).await;
    let auth = [("authorization", editor.as_str())];
    let mut place = Vec::new();
    // Adlershof is created first and linked second: link order is neither id nor name order.
    for (name, locality) in [
        ("Anlaufstelle Adlershof", "Adlershof"),
        ("Zweigstelle Zeuthen", "Zeuthen"),
    ] {
        let made = hub
            .data(
                "mutation($o: ID!, $n: String!, $l: String!) { createLocation(organisationId: $o, input: {name: $n, locality: $l}) { id } }",
                json!({ "o": org, "n": name, "l": locality }),
                &auth,
            )
            .await;
        place.push(
            made["createLocation"]["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    let sid = hub
        .data(
            "mutation($o: ID!, $l: [ID!]) { createService(organisationId: $o, input: {name: \"Verknüpfungsprobe\", targetGroups: [YOUTH, FAMILIES, WOMEN], languages: [\"uk\", \"ar\", \"de\"], locationIds: $l, openingHours: [{weekday: 5, opens: \"14:00\", closes: \"16:00\"}, {weekday: 1, opens: \"09:00\", closes: \"12:00\"}, {weekday: 1, opens: \"13:00\", closes: \"15:30\"}]}) { id } }",
            json!({ "o": org, "l": [&place[1], &place[0]] }),
            &auth,
        )
        .await["createService"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let bare = hub
        .data(
            "mutation($o: ID!) { createService(organisationId: $o, input: {name: \"Verknüpfungsprobe ohne Angaben\"}) { id } }",
            json!({ "o": org }),
            &auth,
        )
        .await["createService"]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let fields = "id languages { code } targetGroups locations { nodes { id name } } schedule { timezone openingHours { weekday opens closes } }";
    // The organisation's own locations are selected too on two paths: there the
    // services' locations are taken from them. (The list of organisations is narrowed
    // by text: 100 organisations × 100 services each is over the cost limit.)
    let paths = [
        format!("query($id: ID!) {{ x: service(id: $id) {{ {fields} }} }}"),
        format!("query($b: ID!) {{ x: service(id: $b) {{ {fields} }} }}"),
        format!(
            "query {{ x: services(filter: {{text: \"Verknüpfungsprobe\"}}) {{ nodes {{ {fields} }} }} }}"
        ),
        format!(
            "query($s: String!) {{ x: services(first: 100, filter: {{organisation: $s}}) {{ nodes {{ {fields} }} }} }}"
        ),
        format!(
            "query($s: String!) {{ x: organisation(slug: $s) {{ locations {{ nodes {{ name }} }} services(first: 100) {{ nodes {{ {fields} }} }} }} }}"
        ),
        format!(
            "query {{ x: organisations(first: 2, filter: {{text: \"Kiezwerkstatt\"}}) {{ nodes {{ locations {{ nodes {{ name }} }} services(first: 100) {{ nodes {{ {fields} }} }} }} }} }}"
        ),
        format!(
            "query($o: ID!) {{ x: organisationById(id: $o) {{ services(first: 100) {{ nodes {{ {fields} }} }} }} }}"
        ),
    ];
    /// Finds the service with id `sid` anywhere in an answer.
    fn find<'a>(v: &'a Value, sid: &str) -> Option<&'a Value> {
        match v {
            Value::Object(m) if m.get("id").and_then(Value::as_str) == Some(sid) => Some(v),
            Value::Object(m) => m.values().find_map(|x| find(x, sid)),
            Value::Array(a) => a.iter().find_map(|x| find(x, sid)),
            _ => None,
        }
    }
    // Every path shows each service as expected (the single-service paths only theirs).
    let read_all = |expected: Vec<Value>| {
        let hub = &hub;
        let (sid, bare, org, paths) = (&sid, &bare, &org, &paths);
        async move {
            let vars = json!({ "id": sid, "b": bare, "s": slug, "o": org });
            for q in paths {
                let answer = hub.data(q, vars.clone(), &[]).await;
                let mut seen = 0;
                for want in &expected {
                    let id = want["id"].as_str().expect("id");
                    if let Some(got) = find(&answer, id) {
                        assert_eq!(got, want, "{q}");
                        seen += 1;
                    }
                }
                assert!(seen > 0, "no service in {q}: {answer}");
                if !q.contains("service(id:") {
                    assert_eq!(seen, expected.len(), "{q}: {answer}");
                }
            }
        }
    };
    let linked = |languages: Value, groups: Value, places: Value| {
        json!({
            "id": sid,
            "languages": languages,
            "targetGroups": groups,
            "locations": { "nodes": places },
            // In the order they were given.
            "schedule": { "timezone": "Europe/Berlin", "openingHours": [
                { "weekday": 5, "opens": "14:00", "closes": "16:00" },
                { "weekday": 1, "opens": "09:00", "closes": "12:00" },
                { "weekday": 1, "opens": "13:00", "closes": "15:30" }
            ] }
        })
    };
    let without_links = json!({
        "id": bare,
        "languages": [],
        "targetGroups": [],
        "locations": { "nodes": [] },
        "schedule": { "timezone": "Europe/Berlin", "openingHours": [] }
    });
    let both_places = json!([
        { "id": place[1], "name": "Zweigstelle Zeuthen" },
        { "id": place[0], "name": "Anlaufstelle Adlershof" }
    ]);
    // Link order, not name order; languages and target groups in code order.
    read_all(vec![
        linked(
            json!([{ "code": "ar" }, { "code": "de" }, { "code": "uk" }]),
            json!(["FAMILIES", "WOMEN", "YOUTH"]),
            both_places.clone(),
        ),
        without_links.clone(),
    ])
    .await;

    // Changed languages and target groups show on every path.
    hub.data(
        "mutation($id: ID!) { updateService(id: $id, input: {languages: [\"tr\", \"ar\"], targetGroups: [SENIORS]}) { id } }",
        json!({ "id": sid }),
        &auth,
    )
    .await;
    let changed = |places: Value| {
        linked(
            json!([{ "code": "ar" }, { "code": "tr" }]),
            json!(["SENIORS"]),
            places,
        )
    };
    read_all(vec![changed(both_places), without_links.clone()]).await;

    // A deleted location is gone on every path.
    hub.data(
        "mutation($id: ID!) { deleteLocation(id: $id) { id } }",
        json!({ "id": place[1] }),
        &auth,
    )
    .await;
    read_all(vec![
        changed(json!([{ "id": place[0], "name": "Anlaufstelle Adlershof" }])),
        without_links,
    ])
    .await;
}
both_backends!(links_agree_on_every_read_path, links_on_every_read_path);

/// A page past the end of a list is empty and keeps the list's total (a selective
/// filter counts apart when its page holds no row); cursors end at position 1,000,000.
async fn past_the_end(backend: Backend) {
    use base64::Engine as _;
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let cursor =
        |p: u64| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("pos:{p}"));
    let q = "query($a: String, $f: ServiceFilter) { services(first: 5, after: $a, filter: $f) { totalCount nodes { id } } }";
    for filter in [
        json!({ "language": "ar" }),
        json!(null),
        json!({ "text": "beratung" }),
    ] {
        let first = hub.data(q, json!({ "f": filter }), &[]).await;
        let total = first["services"]["totalCount"].as_i64().expect("total");
        assert!(total > 0, "{filter}: {first}");
        let past = hub
            .data(q, json!({ "f": filter, "a": cursor(999_999) }), &[])
            .await;
        assert_eq!(past["services"]["totalCount"], total, "{filter}: {past}");
        assert_eq!(past["services"]["nodes"], json!([]), "{filter}: {past}");
    }
    let (code, err) = hub.error(q, json!({ "a": cursor(1_000_000) }), &[]).await;
    assert_eq!(code, "VALIDATION", "{err}");
    assert!(err.to_string().contains("after"), "{err}");
}
both_backends!(pages_past_the_end_keep_the_total, past_the_end);
