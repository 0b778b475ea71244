//! HSDS 3.0 out through the real `serve`: pages and their totals, every filter of the
//! OpenAPI description answered as the GraphQL API answers the same question, the
//! reader's language, public data only, NDJSON streaming, and bad parameters named.
//! (`ops/hsds-check` validates every response of the demo against the HSDS schemas.)

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb};

async fn get(hub: &Hub, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = hub.client().get(format!("{}{path}", hub.base));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let body = res.json::<Value>().await.expect("JSON body");
    (status, body)
}

async fn ok(hub: &Hub, path: &str) -> Value {
    let (status, body) = get(hub, path, &[]).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

fn ids(page: &Value) -> Vec<String> {
    page["contents"]
        .as_array()
        .expect("contents")
        .iter()
        .map(|v| v["id"].as_str().expect("id").to_owned())
        .collect()
}

fn total(page: &Value) -> i64 {
    page["total_items"].as_i64().expect("total_items")
}

async fn out(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;

    let meta = ok(&hub, "/hsds/").await;
    assert_eq!(meta["version"], "3.0");

    // Pages: totals as GraphQL counts them, every record once across the pages.
    let counts = hub
        .data(
            "{ organisations { totalCount } services { totalCount } counselling: services(filter: { category: COUNSELLING }) { totalCount } }",
            json!({}),
            &[],
        )
        .await;
    let orgs = counts["organisations"]["totalCount"]
        .as_i64()
        .expect("count");
    let first = ok(&hub, "/hsds/organizations?per_page=5").await;
    assert_eq!(total(&first), orgs);
    assert_eq!(first["total_pages"], (orgs + 4) / 5);
    assert_eq!(
        (first["first_page"].clone(), first["last_page"].clone()),
        (json!(true), json!(false))
    );
    let mut seen: HashSet<String> = HashSet::new();
    for page in 1..=first["total_pages"].as_i64().expect("pages") {
        let p = ok(&hub, &format!("/hsds/organizations?per_page=5&page={page}")).await;
        assert_eq!(p["page_number"], page);
        seen.extend(ids(&p));
    }
    assert_eq!(seen.len() as i64, orgs, "every organisation once");
    let past = ok(&hub, "/hsds/organizations?per_page=5&page=999").await;
    assert_eq!(
        (past["size"].clone(), past["empty"].clone()),
        (json!(0), json!(false))
    );

    // A service in full, against what GraphQL says of it.
    let services = counts["services"]["totalCount"].as_i64().expect("count");
    let listed = ok(&hub, "/hsds/services?search=Sprachcaf%C3%A9%20Spreebogen").await;
    assert_eq!(total(&listed), 1, "{listed}");
    let sid = ids(&listed)[0].clone();
    let graph = hub
        .data(
            "query($id: ID!) { service(id: $id) { name category free languages { code } organisation { id } locations { nodes { id postcode latitude } } schedule { openingHours { weekday opens closes } } } }",
            json!({ "id": sid }),
            &[],
        )
        .await["service"]
        .clone();
    let full = ok(&hub, &format!("/hsds/services/{sid}")).await;
    assert_eq!(full["name"], graph["name"]);
    assert_eq!(full["organization_id"], graph["organisation"]["id"]);
    assert_eq!(full["organization"]["id"], graph["organisation"]["id"]);
    let codes: Vec<&str> = full["languages"]
        .as_array()
        .expect("languages")
        .iter()
        .filter_map(|l| l["code"].as_str())
        .collect();
    let expected: Vec<&str> = graph["languages"]
        .as_array()
        .expect("languages")
        .iter()
        .filter_map(|l| l["code"].as_str())
        .collect();
    assert_eq!(
        codes.iter().collect::<HashSet<_>>(),
        expected.iter().collect::<HashSet<_>>()
    );
    let category = full["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["link_type"] == "service_category")
        .expect("a category");
    assert_eq!(category["taxonomy_term"]["code"], "language_course");
    assert_eq!(graph["category"], "LANGUAGE_COURSE");
    assert_eq!(
        full["cost_options"].as_array().map(Vec::len),
        Some(usize::from(graph["free"] == true))
    );
    assert_eq!(
        full["schedules"].as_array().map(Vec::len),
        graph["schedule"]["openingHours"].as_array().map(Vec::len)
    );
    let place = &full["service_at_locations"][0]["location"];
    let graph_place = &graph["locations"]["nodes"][0];
    assert_eq!(place["id"], graph_place["id"]);
    assert_eq!(
        place["addresses"][0]["postal_code"],
        graph_place["postcode"]
    );
    assert_eq!(place["addresses"][0]["city"], "Berlin");
    assert_eq!(place["latitude"], graph_place["latitude"]);

    // The reader's language, as GraphQL serves it.
    let (_, english) = get(
        &hub,
        &format!("/hsds/services/{sid}"),
        &[("accept-language", "en")],
    )
    .await;
    assert_eq!(english["name"], "Spreebogen language café");

    // Filters answer what GraphQL answers.
    let terms = ok(&hub, "/hsds/taxonomy_terms?search=counselling&per_page=100").await;
    let term = terms["contents"]
        .as_array()
        .expect("terms")
        .iter()
        .find(|t| t["code"] == "counselling")
        .expect("the counselling term")
        .clone();
    let by_term = ok(
        &hub,
        &format!(
            "/hsds/services?taxonomy_term_id={}",
            term["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(
        total(&by_term),
        counts["counselling"]["totalCount"].as_i64().expect("n")
    );
    let by_taxonomy = ok(
        &hub,
        &format!(
            "/hsds/services?taxonomy_id={}",
            term["taxonomy_id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(
        total(&by_taxonomy),
        services,
        "every service has a category"
    );
    let unknown = ok(
        &hub,
        "/hsds/services?taxonomy_term_id=00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(total(&unknown), 0);
    let org = graph["organisation"]["id"].as_str().expect("org");
    let own = hub
        .data(
            "query($id: ID!) { organisationById(id: $id) { services { totalCount } } }",
            json!({ "id": org }),
            &[],
        )
        .await;
    let of_org = ok(&hub, &format!("/hsds/services?organization_id={org}")).await;
    assert_eq!(
        total(&of_org),
        own["organisationById"]["services"]["totalCount"]
            .as_i64()
            .expect("n")
    );
    let future = ok(&hub, "/hsds/services?modified_after=2999-01-01T00:00:00Z").await;
    assert_eq!(total(&future), 0);
    let past = ok(&hub, "/hsds/services?modified_after=2000-01-01").await;
    assert_eq!(total(&past), services);
    let minimal = ok(&hub, "/hsds/services?minimal=true&per_page=3").await;
    assert!(
        minimal["contents"]
            .as_array()
            .expect("contents")
            .iter()
            .all(|s| s
                .as_object()
                .is_some_and(|o| o.len() == 3 && o.contains_key("last_modified"))),
        "{minimal}"
    );

    // Postcode and proximity: at the postcode, then around the mean of its locations.
    let at = ok(
        &hub,
        "/hsds/service_at_locations?postcode=12435&full=true&per_page=100",
    )
    .await;
    assert!(total(&at) > 0, "{at}");
    for sal in at["contents"].as_array().expect("contents") {
        assert_eq!(
            sal["location"]["addresses"][0]["postal_code"], "12435",
            "{sal}"
        );
    }
    let near = ok(
        &hub,
        "/hsds/service_at_locations?postcode=12435&proximity=50000&per_page=1",
    )
    .await;
    let everywhere = ok(&hub, "/hsds/service_at_locations?per_page=1").await;
    assert!(
        total(&near) > total(&at),
        "50 km around Alt-Treptow holds more"
    );
    assert!(total(&near) <= total(&everywhere));
    let tiny = ok(
        &hub,
        "/hsds/service_at_locations?postcode=12435&proximity=1&per_page=1",
    )
    .await;
    assert!(
        total(&tiny) < total(&at),
        "1 m from the centroid holds fewer"
    );
    let nowhere = ok(
        &hub,
        "/hsds/service_at_locations?postcode=99999&proximity=5000",
    )
    .await;
    assert_eq!(total(&nowhere), 0);

    // A service at a location by its id.
    let sal = at["contents"][0].clone();
    let one = ok(
        &hub,
        &format!(
            "/hsds/service_at_locations/{}",
            sal["id"].as_str().expect("id")
        ),
    )
    .await;
    assert_eq!(one["service_id"], sal["service_id"]);
    assert_eq!(one["location_id"], sal["location_id"]);
    assert_eq!(one["service"]["id"], sal["service_id"]);

    // Public data only: a contact's details only where they are public.
    let contacts = hub
        .data(
            "{ organisations(first: 100) { nodes { id contacts { nodes { name detailsHidden } } } } }",
            json!({}),
            &[],
        )
        .await;
    let (org_with_hidden, hidden_name) = contacts["organisations"]["nodes"]
        .as_array()
        .expect("orgs")
        .iter()
        .find_map(|o| {
            o["contacts"]["nodes"]
                .as_array()?
                .iter()
                .find(|c| c["detailsHidden"] == true)
                .map(|c| (o["id"].as_str().expect("id").to_owned(), c["name"].clone()))
        })
        .expect("a contact with hidden details in the demo");
    let full_org = ok(
        &hub,
        &format!("/hsds/organizations/{org_with_hidden}?full_service=true"),
    )
    .await;
    let person = full_org["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .find(|c| c["name"] == hidden_name)
        .expect("the contact");
    assert!(
        person.get("email").is_none() && person["phones"] == json!([]),
        "{person}"
    );
    assert!(
        full_org["services"]
            .as_array()
            .is_some_and(|s| !s.is_empty() && s.iter().all(|s| s["attributes"].is_array())),
        "full services: {full_org}"
    );

    // NDJSON: every record, one a line, without pages.
    let res = hub
        .client()
        .get(format!(
            "{}/hsds/services?format=ndjson&full=true",
            hub.base
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/x-ndjson")
    );
    let text = res.text().await.expect("body");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record a line"))
        .collect();
    assert_eq!(lines.len() as i64, services);
    assert_eq!(
        lines
            .iter()
            .filter_map(|l| l["id"].as_str())
            .collect::<HashSet<_>>()
            .len() as i64,
        services
    );

    // Unknown records are 404, unusable parameters a 400 naming them.
    let (status, body) = get(
        &hub,
        "/hsds/services/00000000-0000-4000-8000-000000000000",
        &[],
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = get(&hub, "/hsds/organizations/not-an-id", &[]).await;
    assert_eq!(status, 404);
    for (query, named) in [
        ("/hsds/services?per_page=0", "per_page"),
        ("/hsds/services?perpage=10", "perpage"),
        ("/hsds/service_at_locations?proximity=100", "proximity"),
        ("/hsds/services?organization_id=acme", "organization_id"),
    ] {
        let (status, body) = get(&hub, query, &[]).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["parameter"], named, "{query}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains(named)),
            "{body}"
        );
    }
}
both_backends!(hsds_out, out);
