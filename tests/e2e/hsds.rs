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

    // An unchanged page is a 304 to a client holding its entity tag.
    let res = hub
        .client()
        .get(format!("{}/hsds/services?per_page=5", hub.base))
        .send()
        .await
        .expect("request");
    let tag = res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an entity tag")
        .to_owned();
    for (path, want) in [
        ("/hsds/services?per_page=5", 304),
        ("/hsds/services?per_page=6", 200),
    ] {
        let res = hub
            .client()
            .get(format!("{}{path}", hub.base))
            .header("if-none-match", &tag)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), want, "{path}");
    }

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

/// What a mirror of the first Hub's `/hsds` answers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mirror {
    /// The first Hub's answers, as they are.
    Live,
    /// 500 to everything.
    Broken,
    /// A body that is not JSON.
    Garbage,
    /// The organisations as they are, then half of the first page of services.
    Half,
    /// The first Hub's answers, three seconds late.
    Slow,
}

/// A loopback server in front of a Hub's `/hsds` whose answers the test spoils.
struct MirrorServer {
    mode: std::sync::Arc<std::sync::Mutex<Mirror>>,
    url: String,
}

impl MirrorServer {
    async fn start(upstream: String) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hsds", listener.local_addr().expect("addr"));
        let mode = std::sync::Arc::new(std::sync::Mutex::new(Mirror::Live));
        let shared = mode.clone();
        let client = reqwest::Client::new();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (shared, client, upstream) = (shared.clone(), client.clone(), upstream.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 8192];
                    let n = sock.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let target = req.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let mode = *shared.lock().expect("mode");
                    let live = || async {
                        client
                            .get(format!("{upstream}{target}"))
                            .send()
                            .await
                            .expect("upstream")
                            .text()
                            .await
                            .expect("upstream body")
                    };
                    let (status, body) = match mode {
                        Mirror::Live => (200, live().await),
                        Mirror::Broken => (500, "{\"error\": \"down\"}".to_owned()),
                        Mirror::Garbage => (200, "<html>Wartungsarbeiten</html>".to_owned()),
                        Mirror::Half if target.starts_with("/hsds/services") => {
                            let full = live().await;
                            (200, full[..full.len() / 2].to_owned())
                        }
                        Mirror::Half => (200, live().await),
                        Mirror::Slow => {
                            tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                            (200, live().await)
                        }
                    };
                    let head = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(body.as_bytes()).await;
                    let _ = sock.shutdown().await;
                });
            }
        });
        Self { mode, url }
    }

    fn set(&self, m: Mirror) {
        *self.mode.lock().expect("mode") = m;
    }
}

/// Everything the round trip must keep, by organisation and service name.
fn digest(orgs: &Value, services: &Value) -> (Vec<Value>, Vec<Value>) {
    let set = |v: &Value, f: &dyn Fn(&Value) -> Value| -> Value {
        let mut items: Vec<String> = v
            .as_array()
            .map(|a| a.iter().map(|x| f(x).to_string()).collect())
            .unwrap_or_default();
        items.sort();
        json!(items)
    };
    let place = |l: &Value| {
        json!([
            l["name"],
            l["addresses"][0]["address_1"],
            l["addresses"][0]["postal_code"],
            l["addresses"][0]["region"],
            l["latitude"],
            l["longitude"],
            l["transportation"],
            l["accessibility"][0]["details"],
            l["accessibility"][0]["description"]
        ])
    };
    let mut o: Vec<Value> = orgs["contents"]
        .as_array()
        .expect("organizations")
        .iter()
        .map(|o| {
            json!([
                o["name"],
                o["alternate_name"],
                o["description"],
                o["legal_status"],
                o["website"],
                o["email"],
                set(&o["organization_identifiers"], &|i| json!([
                    i["identifier_scheme"],
                    i["identifier"]
                ])),
                set(&o["phones"], &|p| p["number"].clone()),
                set(&o["locations"], &place)
            ])
        })
        .collect();
    let org_name = |id: &Value| {
        orgs["contents"]
            .as_array()
            .and_then(|a| a.iter().find(|o| o["id"] == *id))
            .map(|o| o["name"].clone())
            .unwrap_or(Value::Null)
    };
    let mut s: Vec<Value> = services["contents"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| {
            json!([
                org_name(&s["organization_id"]),
                s["name"],
                s["description"],
                s["fees_description"],
                s["eligibility_description"],
                s["application_process"],
                s["cost_options"].as_array().map(Vec::len),
                set(&s["languages"], &|l| l["code"].clone()),
                set(&s["attributes"], &|a| json!([
                    a["link_type"],
                    a["taxonomy_term"]["code"],
                    a["value"]
                ])),
                set(&s["schedules"], &|h| json!([
                    h["byday"],
                    h["opens_at"],
                    h["closes_at"]
                ])),
                set(&s["service_at_locations"], &|sal| place(&sal["location"]))
            ])
        })
        .collect();
    o.sort_by_key(ToString::to_string);
    s.sort_by_key(ToString::to_string);
    (o, s)
}

async fn everything(hub: &Hub) -> (Vec<Value>, Vec<Value>) {
    let orgs = ok(hub, "/hsds/organizations?full=true&per_page=1000").await;
    let services = ok(hub, "/hsds/services?full=true&per_page=1000").await;
    digest(&orgs, &services)
}

fn hsds_cli(db: &TestDb, args: &[&str]) -> String {
    crate::support::cli_env(
        db,
        args,
        &[("NETZWERK__FETCH__ALLOW_PRIVATE_ADDRESSES", "true")],
    )
}

async fn round_trip(backend: Backend) {
    let first_db = TestDb::new(Backend::Sqlite);
    let first = Hub::demo(&first_db).await;
    let mirror = MirrorServer::start(first.base.clone()).await;
    let db = TestDb::new(backend);
    crate::support::cli_ok(&db, &["migrate"]);
    crate::support::cli_ok(
        &db,
        &[
            "user",
            "add",
            "--email",
            "koordination@zweiter.example",
            "--password",
            "zweiter-hub-geheim",
            "--role",
            "coordinator",
        ],
    );
    let added = hsds_cli(&db, &["hsds", "add-source", &mirror.url]);
    assert!(added.contains("following"), "{added}");
    let polled = hsds_cli(&db, &["hsds", "poll"]);
    assert!(polled.contains("1 synced, 0 failed"), "{polled}");
    assert!(polled.contains("left out 0"), "{polled}");

    // The same organisations, services and locations.
    let second = Hub::start(&db, &[]).await;
    let (orgs, services) = everything(&first).await;
    let (orgs2, services2) = everything(&second).await;
    assert_eq!(orgs.len(), 28);
    assert_eq!(orgs, orgs2, "organisations and their locations");
    assert_eq!(services, services2, "services");
    // Listed, never members.
    let members = second
        .data("{ organisations(filter: { membershipStatus: MEMBER }) { totalCount } listed: organisations(filter: { membershipStatus: LISTED }) { totalCount } }", json!({}), &[])
        .await;
    assert_eq!(members["organisations"]["totalCount"], 0);
    assert_eq!(members["listed"]["totalCount"], 28);

    // Again: nothing to do.
    let again = hsds_cli(&db, &["hsds", "poll", "--all"]);
    assert!(
        again.contains("added: none; updated 0, removed 0"),
        "{again}"
    );

    // A member's edit here stands; a change there comes; a service gone there goes.
    let coordinator = second
        .login("koordination@zweiter.example", "zweiter-hub-geheim")
        .await;
    let theirs = first
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let list = first
        .data("{ organisations(first: 2) { nodes { id name } } services(first: 1) { nodes { id name } } }", json!({}), &[])
        .await;
    let (edited_there, edited_both) = (
        &list["organisations"]["nodes"][0],
        &list["organisations"]["nodes"][1],
    );
    let gone = &list["services"]["nodes"][0];
    let ids_here = second
        .data(
            "{ organisations(first: 100) { nodes { id name } } }",
            json!({}),
            &[],
        )
        .await;
    let here = |name: &Value| {
        ids_here["organisations"]["nodes"]
            .as_array()
            .and_then(|a| a.iter().find(|o| o["name"] == *name))
            .map(|o| o["id"].clone())
            .expect("imported")
    };
    let update = "mutation($id: ID!, $d: String!) { updateOrganisation(id: $id, input: { description: $d }) { id } }";
    let auth = |h: &str| [("authorization", h.to_owned())];
    for (hub, id, text, who) in [
        (
            &first,
            edited_there["id"].clone(),
            "Neu beim ersten Hub.",
            &theirs,
        ),
        (&first, edited_both["id"].clone(), "Dort geändert.", &theirs),
        (
            &second,
            here(&edited_both["name"]),
            "Hier von Hand gepflegt.",
            &coordinator,
        ),
    ] {
        let h = auth(who);
        let headers: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
        hub.data(update, json!({ "id": id, "d": text }), &headers)
            .await;
    }
    let h = auth(&theirs);
    let headers: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    first
        .data(
            "mutation($id: ID!) { deleteService(id: $id) { id } }",
            json!({ "id": gone["id"] }),
            &headers,
        )
        .await;
    let changed = hsds_cli(&db, &["hsds", "poll", "--all"]);
    assert!(
        changed.contains("updated 1, removed 1, kept as edited here 1"),
        "{changed}"
    );
    let description = |name: &Value| {
        let name = name.clone();
        let second = &second;
        async move {
            second
                .data(
                    "query($id: ID!) { organisationById(id: $id) { description } }",
                    json!({ "id": here(&name) }),
                    &[],
                )
                .await["organisationById"]["description"]
                .clone()
        }
    };
    assert_eq!(
        description(&edited_there["name"]).await,
        "Neu beim ersten Hub."
    );
    assert_eq!(
        description(&edited_both["name"]).await,
        "Hier von Hand gepflegt."
    );
    let (_, services3) = everything(&second).await;
    assert_eq!(
        services3.len(),
        services.len() - 1,
        "the service gone there is gone here"
    );

    // Organisations gone there go here, unless something was added to them here.
    let two = first
        .data(
            "{ organisations(first: 4) { nodes { id name } } }",
            json!({}),
            &[],
        )
        .await;
    let (with_contact, plain) = (
        &two["organisations"]["nodes"][2],
        &two["organisations"]["nodes"][3],
    );
    let h = auth(&coordinator);
    let mine: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    second
        .data(
            "mutation($o: ID!) { createContact(organisationId: $o, input: { name: \"Erika Muster\" }) { id } }",
            json!({ "o": here(&with_contact["name"]) }),
            &mine,
        )
        .await;
    for gone in [with_contact, plain] {
        first
            .data(
                "mutation($id: ID!) { deleteOrganisation(id: $id) { id } }",
                json!({ "id": gone["id"] }),
                &headers,
            )
            .await;
    }
    let removed = hsds_cli(&db, &["hsds", "poll", "--all"]);
    // Kept: that organisation, and the one whose description was edited here before.
    assert!(removed.contains("kept as edited here 2"), "{removed}");
    let left = second
        .data("{ organisations(first: 100) { nodes { name contacts { totalCount } services { totalCount } } } }", json!({}), &mine)
        .await;
    let named = |n: &Value| {
        left["organisations"]["nodes"]
            .as_array()
            .and_then(|a| a.iter().find(|o| o["name"] == *n).cloned())
    };
    let kept =
        named(&with_contact["name"]).expect("the organisation with a contact added here stays");
    assert_eq!(kept["contacts"]["totalCount"], 1, "{kept}");
    assert_eq!(
        kept["services"]["totalCount"], 0,
        "its services went with the source: {kept}"
    );
    assert!(named(&plain["name"]).is_none(), "the other went: {left}");

    // A source answering a 500, garbage or half a page changes nothing stored.
    let before = everything(&second).await;
    for mode in [Mirror::Broken, Mirror::Garbage, Mirror::Half] {
        mirror.set(mode);
        let failed = hsds_cli(&db, &["hsds", "poll", "--all"]);
        assert!(
            failed.contains("0 synced, 1 failed") && failed.contains("nothing changed"),
            "{mode:?}: {failed}"
        );
        assert_eq!(
            everything(&second).await,
            before,
            "{mode:?} changed nothing"
        );
    }
    // A source slower than hsds.read_timeout_seconds: the read ends, nothing changes.
    mirror.set(Mirror::Slow);
    let slow = crate::support::cli_env(
        &db,
        &["hsds", "poll", "--all"],
        &[
            ("NETZWERK__FETCH__ALLOW_PRIVATE_ADDRESSES", "true"),
            ("NETZWERK__HSDS__READ_TIMEOUT_SECONDS", "1"),
        ],
    );
    assert!(
        slow.contains("longer than hsds.read_timeout_seconds (1 s)"),
        "{slow}"
    );
    assert_eq!(
        everything(&second).await,
        before,
        "a slow read changed nothing"
    );
    let sources = hsds_cli(&db, &["hsds", "sources"]);
    assert!(sources.contains("failing (4 in a row)"), "{sources}");
    let h = auth(&coordinator);
    let headers: Vec<(&str, &str)> = h.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let health = second
        .data(
            "{ hsdsSources { consecutiveFailures lastError organisationCount serviceCount } }",
            json!({}),
            &headers,
        )
        .await;
    let source = &health["hsdsSources"][0];
    assert_eq!(source["consecutiveFailures"], 4, "{health}");
    assert!(
        source["lastError"]
            .as_str()
            .is_some_and(|e| e.contains("read_timeout_seconds")),
        "the last failure is named: {health}"
    );
    // 28 less the two gone there (the one kept here stands alone now).
    assert_eq!(source["organisationCount"], 26);
    mirror.set(Mirror::Live);
    let healed = hsds_cli(&db, &["hsds", "poll", "--all"]);
    assert!(healed.contains("1 synced, 0 failed"), "{healed}");
    assert!(hsds_cli(&db, &["hsds", "sources"]).contains("ok"));
}
both_backends!(hsds_round_trip, round_trip);

/// Serves the files of a directory on loopback (a published data package).
async fn serve_dir(dir: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}/nachbar", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = req.split_whitespace().nth(1).unwrap_or("/");
                let file = path.trim_start_matches("/nachbar/");
                let found = (!file.contains(".."))
                    .then(|| std::fs::read(format!("{dir}/{file}")).ok())
                    .flatten();
                let (status, body) = match found {
                    Some(b) => (200, b),
                    None => (404, b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&body).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    base
}

async fn data_package(backend: Backend) {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/hsds-package"
    );
    let base = serve_dir(dir).await;
    let db = TestDb::new(backend);
    crate::support::cli_ok(&db, &["migrate"]);
    hsds_cli(
        &db,
        &["hsds", "add-source", &format!("{base}/datapackage.json")],
    );
    let polled = hsds_cli(&db, &["hsds", "poll"]);
    assert!(
        polled.contains("2 organisations, 2 locations, 2 services"),
        "{polled}"
    );
    assert!(polled.contains("left out 2"), "{polled}");
    let nameless = polled
        .lines()
        .find(|l| l.contains("service 6c1c5d3e-0a51-4a8e-9a57-1f0f2a000603:"))
        .unwrap_or_default();
    assert!(
        nameless.contains("name"),
        "the nameless service is named, with why: {polled}"
    );
    assert!(
        polled.contains("its organization 6c1c5d3e-0a51-4a8e-9a57-1f0f2a000099 was not taken"),
        "{polled}"
    );

    // A source larger than hsds.max_bytes fails the read as a whole: nothing changes.
    let capped = crate::support::cli_env(
        &db,
        &["hsds", "poll", "--all"],
        &[
            ("NETZWERK__FETCH__ALLOW_PRIVATE_ADDRESSES", "true"),
            ("NETZWERK__HSDS__MAX_BYTES", "2000"),
        ],
    );
    assert!(
        capped.contains("0 synced, 1 failed")
            && capped.contains("larger than hsds.max_bytes (2000 bytes)"),
        "{capped}"
    );
    let sources = hsds_cli(&db, &["hsds", "sources"]);
    assert!(sources.contains("failing (1 in a row)"), "{sources}");

    let hub = Hub::start(&db, &[]).await;
    let orgs = hub
        .data(
            "{ organisations(filter: { membershipStatus: LISTED }) { totalCount nodes { name legalStatus website phone identifiers { scheme value } locations { nodes { name address postcode locality latitude accessibility { wheelchairAccessible note } transportHint } } services { nodes { name category free fees { note } eligibility applicationProcess targetGroups languages { code } schedule { openingHours { weekday opens closes } } } } } } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(orgs["organisations"]["totalCount"], 2, "{orgs}");
    let nodes = orgs["organisations"]["nodes"].as_array().expect("nodes");
    let heim = nodes
        .iter()
        .find(|o| o["name"] == "Nachbarschaftsheim Rixdorf e.V.")
        .expect("the first organisation");
    assert_eq!(heim["legalStatus"], "REGISTERED_ASSOCIATION");
    assert_eq!(heim["phone"], "+49 30 5555 0901");
    assert_eq!(
        heim["identifiers"],
        json!([{ "scheme": "vereinsregister", "value": "VR 12345 B" }])
    );
    let place = &heim["locations"]["nodes"][0];
    assert_eq!(
        (
            place["address"].clone(),
            place["postcode"].clone(),
            place["locality"].clone(),
            place["latitude"].clone()
        ),
        (
            json!("Richardplatz 1"),
            json!("12055"),
            json!("Rixdorf"),
            json!(52.4741)
        )
    );
    assert_eq!(place["accessibility"]["wheelchairAccessible"], true);
    let counselling = &heim["services"]["nodes"][0];
    assert_eq!(
        counselling["category"], "COUNSELLING",
        "matched by the term's name"
    );
    assert_eq!(counselling["free"], true);
    assert_eq!(
        counselling["languages"],
        json!([{ "code": "ar" }, { "code": "de" }])
    );
    assert_eq!(
        counselling["schedule"]["openingHours"],
        json!([
            { "weekday": 2, "opens": "10:00", "closes": "13:00" },
            { "weekday": 4, "opens": "10:00", "closes": "13:00" }
        ])
    );
    let other = nodes
        .iter()
        .find(|o| o["name"] == "Beratungsstelle Sonnenallee")
        .expect("the second organisation");
    assert_eq!(
        other["legalStatus"], "OTHER",
        "a legal status the Hub does not know"
    );
    let course = &other["services"]["nodes"][0];
    assert_eq!(course["category"], "LANGUAGE_COURSE");
    assert_eq!(course["targetGroups"], json!(["WOMEN"]));
    assert_eq!(course["free"], false);
    assert_eq!(course["fees"]["note"], "5 € pro Termin");
    assert_eq!(
        course["languages"],
        json!([{ "code": "de" }, { "code": "tr" }]),
        "one by its ISO 639-3 code, one named only"
    );
    assert_eq!(
        course["schedule"]["openingHours"],
        json!([{ "weekday": 1, "opens": "09:00", "closes": "11:30" }])
    );
}
both_backends!(hsds_data_package, data_package);
