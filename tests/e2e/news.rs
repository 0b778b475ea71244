//! Member news end to end: an editor posts (waiting for review, not public), the
//! coordinator turns it down with a note or publishes it, the public reads the list,
//! the organisation's profile and the Atom feed `/feeds/news.xml`; Markdown is shown
//! as clean HTML; a day in the future keeps an item back; translations are served;
//! `news.publish_at_once` skips the review.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli_ok};

const COORDINATOR: (&str, &str) = ("koordination@netzwerk-demo.example", "demo-koordination");
const OWN: &str = "jugendclub-kanalufer";
const OTHER: &str = "sprachbruecke-treptow";

const POST: &str = "mutation($o: ID!, $i: NewsInput!) { postNews(organisationId: $o, input: $i) { id status title bodyHtml reviewNote publishOn } }";
const ITEM: &str = "query($id: ID!) { newsItem(id: $id) { id status title reviewNote } }";
const LIST: &str = "query($f: NewsFilter) { news(filter: $f, first: 50) { totalCount nodes { id title status bodyHtml organisation { slug } } } }";

async fn editor(hub: &Hub, slug: &str) -> String {
    hub.login(&format!("redaktion@{slug}.example"), "demo-redaktion")
        .await
}

async fn org_id(hub: &Hub, slug: &str) -> String {
    hub.data(
        "query($s: String!) { organisation(slug: $s) { id } }",
        json!({ "s": slug }),
        &[],
    )
    .await["organisation"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

fn ids(list: &Value) -> Vec<&str> {
    list["news"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect()
}

async fn news_flow(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let coord = [("authorization", coord.as_str())];
    let own_editor = editor(&hub, OWN).await;
    let own = [("authorization", own_editor.as_str())];
    let other_editor = editor(&hub, OTHER).await;
    let other = [("authorization", other_editor.as_str())];
    let org = org_id(&hub, OWN).await;

    // Every broken field is named at once.
    let (code, err) = hub
        .error(
            POST,
            json!({ "o": org, "i": { "title": " ", "body": "", "imageUrl": "javascript:x", "link": "ftp://x" } }),
            &own,
        )
        .await;
    assert_eq!(code, "VALIDATION");
    let fields = crate::support::violation_fields(&err);
    assert_eq!(fields, ["title", "body", "imageUrl", "link"], "{err}");
    // Another organisation's editor may not post for it.
    let (code, _) = hub
        .error(
            POST,
            json!({ "o": org, "i": { "title": "x", "body": "y" } }),
            &other,
        )
        .await;
    assert_eq!(code, "FORBIDDEN");

    // The editor's post waits for review, its Markdown shown as clean HTML.
    let body = "Ab **Januar** gibt es [Hausaufgabenhilfe](https://jugendclub.example/hilfe).\n\n<script>alert(1)</script>\n\n[klick](javascript:alert(1)) <img src=x onerror=alert(1)>";
    let posted = hub
        .data(
            POST,
            json!({ "o": org, "i": { "title": "Neue Hausaufgabenhilfe", "body": body, "link": "https://jugendclub.example/hilfe" } }),
            &own,
        )
        .await["postNews"]
        .clone();
    let id = posted["id"].as_str().expect("id").to_owned();
    assert_eq!(posted["status"], "PENDING");
    let html = posted["bodyHtml"].as_str().expect("html");
    assert!(html.contains("<strong>Januar</strong>"), "{html}");
    assert!(
        html.contains("href=\"https://jugendclub.example/hilfe\""),
        "{html}"
    );
    for bad in ["<script", "javascript:", "onerror"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }

    // Not public yet: not listed, not found, not in the feed; its editors and the
    // coordinator see it by status, another organisation's editor does not.
    assert!(!ids(&hub.data(LIST, json!({}), &[]).await).contains(&id.as_str()));
    assert!(hub.data(ITEM, json!({ "id": id }), &[]).await["newsItem"].is_null());
    assert!(hub.data(ITEM, json!({ "id": id }), &other).await["newsItem"].is_null());
    let pending = json!({ "f": { "status": "PENDING" } });
    assert!(ids(&hub.data(LIST, pending.clone(), &own).await).contains(&id.as_str()));
    assert!(ids(&hub.data(LIST, pending.clone(), &coord).await).contains(&id.as_str()));
    assert!(!ids(&hub.data(LIST, pending.clone(), &other).await).contains(&id.as_str()));
    let (code, _) = hub.error(LIST, pending.clone(), &[]).await;
    assert_eq!(code, "UNAUTHENTICATED", "the public lists public news only");

    // Only the coordinator reviews; a refusal carries a note for the organisation.
    let publish = "mutation($id: ID!) { publishNews(id: $id) { status } }";
    let reject =
        "mutation($id: ID!, $n: String!) { rejectNews(id: $id, note: $n) { status reviewNote } }";
    let (code, _) = hub.error(publish, json!({ "id": id }), &own).await;
    assert_eq!(code, "FORBIDDEN");
    let (code, err) = hub
        .error(reject, json!({ "id": id, "n": " " }), &coord)
        .await;
    assert_eq!(code, "VALIDATION", "{err}");
    let rejected = hub
        .data(
            reject,
            json!({ "id": id, "n": "Bitte mit Uhrzeit." }),
            &coord,
        )
        .await;
    assert_eq!(rejected["rejectNews"]["status"], "REJECTED");
    let seen = hub.data(ITEM, json!({ "id": id }), &own).await;
    assert_eq!(
        seen["newsItem"]["reviewNote"], "Bitte mit Uhrzeit.",
        "{seen}"
    );
    // The editor's change sends it back to review, the old note gone.
    let changed = hub
        .data(
            "mutation($id: ID!) { updateNews(id: $id, input: {title: \"Neue Hausaufgabenhilfe ab 15 Uhr\"}) { status reviewNote title } }",
            json!({ "id": id }),
            &own,
        )
        .await;
    assert_eq!(changed["updateNews"]["status"], "PENDING", "{changed}");
    assert!(changed["updateNews"]["reviewNote"].is_null(), "{changed}");

    // Published: listed, found, on the organisation's profile and in the feed.
    let published = hub.data(publish, json!({ "id": id }), &coord).await;
    assert_eq!(published["publishNews"]["status"], "PUBLISHED");
    let public = hub.data(LIST, json!({}), &[]).await;
    assert!(ids(&public).contains(&id.as_str()), "{public}");
    let item = hub.data(ITEM, json!({ "id": id }), &[]).await;
    assert_eq!(
        item["newsItem"]["title"],
        "Neue Hausaufgabenhilfe ab 15 Uhr"
    );
    assert!(item["newsItem"]["reviewNote"].is_null());
    let profile = hub
        .data(
            "query($s: String!) { organisation(slug: $s) { news(first: 5) { nodes { id } } } }",
            json!({ "s": OWN }),
            &[],
        )
        .await;
    assert_eq!(
        profile["organisation"]["news"]["nodes"][0]["id"],
        id.as_str(),
        "{profile}"
    );
    let feed = hub
        .client()
        .get(format!("{}/feeds/news.xml", hub.base))
        .send()
        .await
        .expect("feed");
    assert_eq!(feed.status(), 200);
    assert!(
        feed.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/atom+xml"))
    );
    let xml = feed.text().await.expect("xml");
    assert!(
        xml.contains("<title>Neue Hausaufgabenhilfe ab 15 Uhr</title>"),
        "{xml}"
    );
    assert!(xml.contains(&format!("<id>urn:uuid:{id}</id>")), "{xml}");
    assert!(xml.contains("&lt;strong&gt;Januar&lt;/strong&gt;"), "{xml}");
    assert!(
        !xml.contains("<script") && !xml.contains("&lt;script"),
        "{xml}"
    );
    assert!(xml.contains("<link rel=\"alternate\" href=\"https://jugendclub.example/hilfe\"/>"));

    // An editor's translation is new text: back to review, not public meanwhile;
    // published again, its title is served in the reader's language.
    hub.data(
        "mutation($id: ID!) { setTranslation(input: {entityType: NEWS, entityId: $id, field: \"title\", language: \"ar\", text: \"مساعدة جديدة في الواجبات\"}) { language } }",
        json!({ "id": id }),
        &own,
    )
    .await;
    let seen = hub.data(ITEM, json!({ "id": id }), &own).await;
    assert_eq!(seen["newsItem"]["status"], "PENDING", "{seen}");
    assert!(hub.data(ITEM, json!({ "id": id }), &[]).await["newsItem"].is_null());
    hub.data(publish, json!({ "id": id }), &coord).await;
    let ar = hub
        .data(
            "query($id: ID!) { newsItem(id: $id, languages: [\"ar\"]) { title titleLocalized { language } } }",
            json!({ "id": id }),
            &[],
        )
        .await;
    assert_eq!(ar["newsItem"]["title"], "مساعدة جديدة في الواجبات", "{ar}");

    // The coordinator's news is published at once, but public only from its day.
    let later = (chrono::Utc::now().date_naive() + chrono::Duration::days(10)).to_string();
    let scheduled = hub
        .data(
            POST,
            json!({ "o": org, "i": { "title": "Sommerfest", "body": "Save the date.", "publishOn": later } }),
            &coord,
        )
        .await["postNews"]
        .clone();
    assert_eq!(scheduled["status"], "PUBLISHED");
    let sid = scheduled["id"].as_str().expect("id");
    assert!(!ids(&hub.data(LIST, json!({}), &[]).await).contains(&sid));
    let coming = hub
        .data(LIST, json!({ "f": { "status": "PUBLISHED" } }), &coord)
        .await;
    assert!(ids(&coming).contains(&sid), "{coming}");

    // Deleted by its editor: gone.
    hub.data(
        "mutation($id: ID!) { deleteNews(id: $id) { id } }",
        json!({ "id": id }),
        &own,
    )
    .await;
    assert!(hub.data(ITEM, json!({ "id": id }), &coord).await["newsItem"].is_null());
}
both_backends!(member_news, news_flow);

async fn at_once(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
    let hub = Hub::start(&db, &[("NETZWERK__NEWS__PUBLISH_AT_ONCE", "true")]).await;
    let own_editor = editor(&hub, OWN).await;
    let org = org_id(&hub, OWN).await;
    let posted = hub
        .data(
            POST,
            json!({ "o": org, "i": { "title": "Offene Tür", "body": "Jeden Freitag." } }),
            &[("authorization", own_editor.as_str())],
        )
        .await;
    assert_eq!(posted["postNews"]["status"], "PUBLISHED");
    let id = posted["postNews"]["id"].as_str().expect("id");
    assert!(ids(&hub.data(LIST, json!({}), &[]).await).contains(&id));
}
both_backends!(news_published_at_once_when_the_network_says_so, at_once);
