//! The newsletter end to end: drafted with `netzwerk newsletter draft`, composed from
//! the demo network's own data by the persisted queries of
//! `graphql/persisted/newsletter/`, previewed as HTML and text in German and Arabic
//! (right to left, untranslated sections marked), read as structured content through
//! GraphQL by the coordinator — and not public while it is a draft.

use serde_json::{Value, json};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli, cli_ok};

const COORDINATOR: (&str, &str) = ("koordination@netzwerk-demo.example", "demo-koordination");
const ISSUE: &str = "query($id: ID!, $l: String!) { newsletterIssue(id: $id) { status periodFrom editorial sections(language: $l) { kind heading untranslated entries { title language url } } } }";

fn kinds(issue: &Value) -> Vec<&str> {
    issue["newsletterIssue"]["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s["kind"].as_str())
        .collect()
}

async fn newsletter_flow(backend: Backend) {
    let db = TestDb::new(backend);
    let hub = Hub::demo(&db).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let coord = [("authorization", coord.as_str())];
    let today = chrono::Utc::now().date_naive();
    let (from, to) = (
        today.to_string(),
        (today + chrono::Duration::days(59)).to_string(),
    );

    let drafted = cli_ok(
        &db,
        &[
            "newsletter",
            "draft",
            "--period-from",
            &from,
            "--period-to",
            &to,
            "--editorial",
            "Liebe Mitglieder, **willkommen** im neuen Jahr!",
        ],
    );
    let id = drafted.lines().last().expect("id").trim().to_owned();
    assert!(drafted.contains("drafted newsletter issue"), "{drafted}");
    let listed = cli_ok(&db, &["newsletter", "list"]);
    assert!(listed.contains(&id) && listed.contains("draft"), "{listed}");

    // German: every section of the demo network, the editorial rendered.
    let out = tempfile::tempdir().expect("dir");
    let dir = out.path().to_str().expect("path");
    let said = cli_ok(
        &db,
        &["newsletter", "preview", &id, "--lang", "de", "--out", dir],
    );
    assert!(said.contains("Nächstes Netzwerktreffen"), "{said}");
    let html =
        std::fs::read_to_string(out.path().join(format!("newsletter-{id}-de.html"))).expect("html");
    let text =
        std::fs::read_to_string(out.path().join(format!("newsletter-{id}-de.txt"))).expect("text");
    assert!(html.contains("<html lang=\"de\" dir=\"ltr\">"), "{html}");
    for heading in [
        "Nächstes Netzwerktreffen",
        "Neuigkeiten aus dem Netzwerk",
        "Förderfristen in den nächsten 30 Tagen",
    ] {
        assert!(
            html.contains(&format!(">{heading}</h2>")),
            "{heading}: {html}"
        );
        assert!(
            text.contains(&format!("== {heading} ==")),
            "{heading}: {text}"
        );
    }
    assert!(html.contains("<strong>willkommen</strong>"), "{html}");
    assert!(
        html.contains("Neuer Alphabetisierungskurs ab Februar"),
        "{html}"
    );
    assert!(
        !html.contains("Fotos vom Laternenfest"),
        "news waiting for review is not in the newsletter"
    );
    assert!(
        !html.contains("{{") && !text.contains("{%"),
        "templates fully rendered"
    );
    assert!(
        text.contains("Neuer Alphabetisierungskurs ab Februar"),
        "{text}"
    );

    // Arabic: right to left, the translated news in Arabic, the rest marked.
    cli_ok(
        &db,
        &["newsletter", "preview", &id, "--lang", "ar", "--out", dir],
    );
    let ar =
        std::fs::read_to_string(out.path().join(format!("newsletter-{id}-ar.html"))).expect("html");
    assert!(ar.contains("<html lang=\"ar\" dir=\"rtl\">"), "{ar}");
    assert!(ar.contains(">أخبار من الشبكة</h2>"), "{ar}");
    assert!(
        ar.contains("دورة جديدة لمحو الأمية ابتداءً من فبراير"),
        "{ar}"
    );
    assert!(
        ar.contains("ليس كل ما في هذا القسم مترجمًا"),
        "a section with German texts says so: {ar}"
    );
    assert!(
        ar.contains(
            "<section class=\"editorial\" aria-label=\"Editorial\" lang=\"de\" dir=\"ltr\">"
        ) && ar.contains("هذه المقدمة غير مترجمة"),
        "the untranslated editorial is marked German, with a note: {ar}"
    );

    // The editorial translated into Arabic: Arabic readers get it, Farsi readers the
    // original with the note.
    let set = cli_ok(
        &db,
        &[
            "newsletter",
            "editorial",
            &id,
            "--lang",
            "ar",
            "--text",
            "أعزائي الأعضاء، **مرحبًا** بكم في العام الجديد!",
        ],
    );
    assert!(set.contains("set the editorial"), "{set}");
    let (ok, _, err) = cli(
        &db,
        &[
            "newsletter",
            "editorial",
            &id,
            "--lang",
            "xx-yy-zz",
            "--text",
            "x",
        ],
        None,
    );
    assert!(!ok && err.contains("language"), "{err}");
    cli_ok(
        &db,
        &["newsletter", "preview", &id, "--lang", "ar", "--out", dir],
    );
    let ar =
        std::fs::read_to_string(out.path().join(format!("newsletter-{id}-ar.html"))).expect("html");
    assert!(
        ar.contains("lang=\"ar\" dir=\"rtl\"><p>أعزائي الأعضاء، <strong>مرحبًا</strong>")
            && !ar.contains("هذه المقدمة غير مترجمة")
            && !ar.contains("<strong>willkommen</strong>"),
        "{ar}"
    );
    cli_ok(
        &db,
        &["newsletter", "preview", &id, "--lang", "fa", "--out", dir],
    );
    let fa =
        std::fs::read_to_string(out.path().join(format!("newsletter-{id}-fa.html"))).expect("html");
    assert!(
        fa.contains("<strong>willkommen</strong>") && fa.contains("این مقدمه ترجمه نشده است"),
        "{fa}"
    );
    let listed = hub
        .data(
            "query($id: ID!) { newsletterIssue(id: $id) { editorialTranslations { language text } } }",
            json!({ "id": id }),
            &coord,
        )
        .await;
    assert_eq!(
        listed["newsletterIssue"]["editorialTranslations"][0]["language"],
        "ar"
    );
    let (ok, _, err) = cli(
        &db,
        &[
            "newsletter",
            "preview",
            "01900000-0000-7000-8000-000000000000",
            "--out",
            dir,
        ],
        None,
    );
    assert!(!ok && err.contains("no newsletter issue"), "{err}");

    // New members are found by the day they joined, exactly (the section's filter).
    let members = hub
        .data(
            "{ organisations(first: 100, filter: {membershipStatus: MEMBER}) { nodes { id membership { since } } } }",
            json!({}),
            &[],
        )
        .await;
    let nodes = members["organisations"]["nodes"].as_array().expect("nodes");
    let day = nodes
        .iter()
        .find_map(|o| o["membership"]["since"].as_str())
        .expect("a member with a date")
        .to_owned();
    let same_day: Vec<&str> = nodes
        .iter()
        .filter(|o| o["membership"]["since"] == day.as_str())
        .filter_map(|o| o["id"].as_str())
        .collect();
    let joined = hub
        .data(
            "query($d: NaiveDate!) { organisations(first: 100, filter: {memberSinceFrom: $d, memberSinceTo: $d}) { totalCount nodes { id membership { since } } } }",
            json!({ "d": day }),
            &[],
        )
        .await;
    let found: Vec<&str> = joined["organisations"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(found, same_day, "joined on {day}");
    let later = hub
        .data(
            "{ organisations(filter: {memberSinceFrom: \"2100-01-01\"}) { totalCount } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(later["organisations"]["totalCount"], 0);

    // The structured content, for the coordinator; a draft is nobody else's.
    let issue = hub
        .data(ISSUE, json!({ "id": id, "l": "de" }), &coord)
        .await;
    assert_eq!(issue["newsletterIssue"]["status"], "DRAFT");
    let k = kinds(&issue);
    for want in ["MEETING", "NEWS", "FUNDING"] {
        assert!(k.contains(&want), "{want} missing in {k:?}");
    }
    let news = issue["newsletterIssue"]["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["kind"] == "NEWS")
        .expect("news");
    assert_eq!(news["heading"], "Neuigkeiten aus dem Netzwerk");
    assert!(
        hub.data(ISSUE, json!({ "id": id, "l": "de" }), &[]).await["newsletterIssue"].is_null()
    );
    let archive = hub
        .data("{ newsletterIssues { id } }", json!({}), &[])
        .await;
    assert_eq!(
        archive["newsletterIssues"],
        json!([]),
        "no draft in the public archive"
    );
    let web = hub
        .client()
        .get(format!("{}/newsletter/{id}?lang=de", hub.base))
        .send()
        .await
        .expect("web view");
    assert_eq!(web.status(), 404, "a draft has no public web view");

    // An empty period leaves its sections out; bad input is named; editors may not.
    let (code, err) = hub
        .error(
            "mutation { draftNewsletter(input: {periodFrom: \"2027-03-01\", periodTo: \"2027-02-01\"}) { id } }",
            json!({}),
            &coord,
        )
        .await;
    assert_eq!(code, "VALIDATION");
    assert_eq!(
        crate::support::violation_fields(&err),
        ["periodTo"],
        "{err}"
    );
    let past = hub
        .data(
            "mutation { draftNewsletter(input: {periodFrom: \"2001-01-01\", periodTo: \"2001-01-31\"}) { id } }",
            json!({}),
            &coord,
        )
        .await;
    let past_id = past["draftNewsletter"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let old = hub
        .data(ISSUE, json!({ "id": past_id, "l": "de" }), &coord)
        .await;
    let k = kinds(&old);
    assert!(!k.contains(&"EVENTS") && !k.contains(&"NEWS"), "{k:?}");
    let updated = hub
        .data(
            "mutation($id: ID!) { updateNewsletter(id: $id, input: {editorial: \"Rückblick\"}) { editorial } }",
            json!({ "id": past_id }),
            &coord,
        )
        .await;
    assert_eq!(updated["updateNewsletter"]["editorial"], "Rückblick");
    hub.data(
        "mutation($id: ID!) { deleteNewsletter(id: $id) { id } }",
        json!({ "id": past_id }),
        &coord,
    )
    .await;
    let editor = hub
        .login("redaktion@jugendclub-kanalufer.example", "demo-redaktion")
        .await;
    let (code, _) = hub
        .error(
            "mutation { draftNewsletter(input: {periodFrom: \"2027-01-01\", periodTo: \"2027-01-31\"}) { id } }",
            json!({}),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}
both_backends!(newsletter_draft_and_preview, newsletter_flow);

async fn test_send(backend: Backend) {
    use mail_parser::MessageParser;

    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
    let sink = crate::mail::SmtpSink::start().await;
    let port = sink.port.to_string();
    let env = [
        ("NETZWERK__MAIL__SMTP_PORT", port.as_str()),
        ("NETZWERK__MAIL__POLL_SECONDS", "1"),
        (
            "NETZWERK__MEETINGS__PUBLIC_URL",
            "https://hub.bezirk.example",
        ),
        ("NETZWERK__CALENDAR__POLL", "false"),
        ("NETZWERK__FUNDING__POLL", "false"),
    ];
    let hub = Hub::start(&db, &env).await;
    let coord = hub.login(COORDINATOR.0, COORDINATOR.1).await;
    let coord = [("authorization", coord.as_str())];
    let today = chrono::Utc::now().date_naive();
    let drafted = hub
        .data(
            "mutation($f: NaiveDate!, $t: NaiveDate!) { draftNewsletter(input: {periodFrom: $f, periodTo: $t, editorial: \"Hallo\"}) { id } }",
            json!({ "f": today.to_string(), "t": (today + chrono::Duration::days(30)).to_string() }),
            &coord,
        )
        .await;
    let id = drafted["draftNewsletter"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let send = "mutation($id: ID!, $e: String!, $l: String!) { sendNewsletterTest(id: $id, email: $e, language: $l) }";
    let (code, err) = hub
        .error(send, json!({ "id": id, "e": "kein-at", "l": "ar" }), &coord)
        .await;
    assert_eq!(code, "VALIDATION");
    assert_eq!(crate::support::violation_fields(&err), ["email"], "{err}");
    let editor = hub
        .login("redaktion@jugendclub-kanalufer.example", "demo-redaktion")
        .await;
    let (code, _) = hub
        .error(
            send,
            json!({ "id": id, "e": "test@verein.example", "l": "ar" }),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    hub.data(
        send,
        json!({ "id": id, "e": "test@verein.example", "l": "ar" }),
        &coord,
    )
    .await;

    // Delivered by serve's outbox round to the SMTP server on loopback.
    let mut got = None;
    for _ in 0..120 {
        if let Some(m) = sink.received().first() {
            got = Some(m.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let raw = got.expect("the test e-mail arrives");
    let mail = MessageParser::default()
        .parse(raw.as_bytes())
        .expect("mail");
    assert!(
        mail.subject().is_some_and(|s| s.starts_with("[Test] ")),
        "{:?}",
        mail.subject()
    );
    assert!(
        raw.to_ascii_lowercase().contains("multipart/alternative"),
        "HTML with a text alternative: {raw}"
    );
    let text = mail.body_text(0).expect("text").into_owned();
    let html = mail.body_html(0).expect("html").into_owned();
    assert!(text.contains("== أخبار من الشبكة =="), "{text}");
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
    // (minijinja writes `/` in attributes as `&#x2f;`, which every reader decodes)
    let link = format!("href=\"https://hub.bezirk.example/newsletter/{id}?lang=ar\"");
    assert!(
        html.replace("&#x2f;", "/").contains(&link),
        "the web view link: {html}"
    );
    assert_eq!(sink.received().len(), 1, "one test e-mail");
}
both_backends!(newsletter_test_send_reaches_the_mail_server, test_send);
