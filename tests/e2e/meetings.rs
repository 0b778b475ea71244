//! Network meetings: the bi-monthly schedule and fair host rotation.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb};

const COORDINATOR: (&str, &str) = ("koordination@netzwerk-demo.example", "demo-koordination");

async fn schedule_and_rotation(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let auth = [("authorization", coord.as_str())];

    // Who may host, in the order rotation must follow: members with a location, by name.
    let orgs = hub
        .data("{ organisations(first: 100) { nodes { id slug name membership { status } locations { totalCount nodes { id name } } } } }", json!({}), &[])
        .await;
    let mut eligible: Vec<Value> = orgs["organisations"]["nodes"]
        .as_array()
        .expect("orgs")
        .iter()
        .filter(|o| {
            o["membership"]["status"] == "MEMBER"
                && o["locations"]["totalCount"].as_i64().unwrap_or(0) > 0
        })
        .cloned()
        .collect();
    eligible.sort_by(|a, b| {
        a["name"]
            .as_str()
            .unwrap_or_default()
            .cmp(b["name"].as_str().unwrap_or_default())
    });
    let id_of = |i: usize| eligible[i]["id"].as_str().expect("id").to_owned();

    let made = hub
        .data("mutation { scheduleMeetings(name: \"Netzwerksitzung\", from: \"2027-01-01\") { id localStart start status host { id } } }", json!({}), &auth)
        .await;
    let meetings = made["scheduleMeetings"]
        .as_array()
        .expect("meetings")
        .clone();
    let starts: Vec<_> = meetings
        .iter()
        .map(|m| m["localStart"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        starts,
        [
            "2027-01-13T14:00:00",
            "2027-03-10T14:00:00",
            "2027-05-12T14:00:00",
            "2027-07-14T14:00:00",
            "2027-09-08T14:00:00",
            "2027-11-10T14:00:00"
        ]
    );
    assert_eq!(
        meetings[0]["start"], "2027-01-13T13:00:00+00:00",
        "winter time"
    );
    assert_eq!(
        meetings[3]["start"], "2027-07-14T12:00:00+00:00",
        "summer time"
    );
    assert!(
        meetings
            .iter()
            .all(|m| m["status"] == "PLANNED" && m["host"].is_null())
    );
    let mid = |i: usize| meetings[i]["id"].as_str().expect("id").to_owned();

    let assign = "mutation($m: ID!) { assignHost(meetingId: $m) { host { id slug } location { id accessibility { wheelchairAccessible } } declinedBy { id } } }";
    let first = hub.data(assign, json!({ "m": mid(0) }), &auth).await;
    assert_eq!(
        first["assignHost"]["host"]["id"],
        id_of(0).as_str(),
        "never hosted, first by name"
    );
    assert_eq!(
        first["assignHost"]["location"]["id"],
        eligible[0]["locations"]["nodes"][0]["id"]
    );

    // The host declines: the next in order is asked.
    let slug0 = eligible[0]["slug"].as_str().expect("slug").to_owned();
    let editor = hub
        .login(&format!("redaktion@{slug0}.example"), "demo-redaktion")
        .await;
    let declined = hub
        .data(
            "mutation($m: ID!) { declineHosting(meetingId: $m) { host { id } declinedBy { id } } }",
            json!({ "m": mid(0) }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(declined["declineHosting"]["host"]["id"], id_of(1).as_str());
    assert_eq!(
        declined["declineHosting"]["declinedBy"][0]["id"],
        id_of(0).as_str()
    );
    // Declining one date does not move the organisation back in the queue.
    assert_eq!(
        hub.data(assign, json!({ "m": mid(1) }), &auth).await["assignHost"]["host"]["id"],
        id_of(0).as_str()
    );
    assert_eq!(
        hub.data(assign, json!({ "m": mid(2) }), &auth).await["assignHost"]["host"]["id"],
        id_of(2).as_str()
    );

    // Only the coordinator plans; editors may only decline for their own organisation.
    let (code, _) = hub
        .error(
            assign,
            json!({ "m": mid(3) }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = hub
        .error(
            "mutation($m: ID!) { declineHosting(meetingId: $m) { id } }",
            json!({ "m": mid(2) }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN", "another organisation's date");
    let (code, _) = hub
        .error(
            "mutation { scheduleMeetings(name: \"x\", from: \"2027-01-01\") { id } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(code, "UNAUTHENTICATED");

    // The coordinator overrides; a location must be the host's own.
    let set = "mutation($m: ID!, $o: ID!, $l: ID) { setMeetingHost(meetingId: $m, organisationId: $o, locationId: $l) { host { id } location { id } } }";
    let over = hub
        .data(set, json!({ "m": mid(3), "o": id_of(4) }), &auth)
        .await;
    assert_eq!(over["setMeetingHost"]["host"]["id"], id_of(4).as_str());
    let foreign = eligible[1]["locations"]["nodes"][0]["id"].clone();
    let (code, err) = hub
        .error(
            set,
            json!({ "m": mid(3), "o": id_of(4), "l": foreign }),
            &auth,
        )
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    let (code, err) = hub
        .error("mutation { scheduleMeetings(name: \"x\", from: \"2027-01-01\", cadence: {weekday: 9, start: \"9 Uhr\"}) { id } }", json!({}), &auth)
        .await;
    assert_eq!(code, "VALIDATION");
    let fields: Vec<_> = err["extensions"]["violations"]
        .as_array()
        .expect("v")
        .iter()
        .map(|v| v["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["cadence.weekday", "cadence.start"]);

    let listed = hub
        .data(
            "{ meetings(from: \"2027-01-01\", to: \"2028-01-01\") { host { id } } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(listed["meetings"].as_array().expect("list").len(), 6);
}
both_backends!(schedule_and_host_rotation, schedule_and_rotation);
