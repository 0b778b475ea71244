//! Followed feeds as `serve` polls them: a large calendar is parsed off the threads that
//! answer requests, so the API keeps answering while it is read.

use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli_ok};

const ORG: &str = "kiezwerkstatt-spreebogen";
/// Events in the large calendar, each with a long description.
const EVENTS: usize = 6_000;

/// An iCalendar of about 30 MB: `EVENTS` events with 5 KB descriptions, folded at 75
/// octets as RFC 5545 asks.
fn large_calendar() -> String {
    let mut out = String::with_capacity(32 * 1024 * 1024);
    out.push_str("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Netzwerk Hub test//DE\r\n");
    let words = "Offene Sprechstunde für Eltern und Kinder im Kiez, mit Beratung zu Kita, Schule und Ausbildung. ";
    let description: String = words.repeat(5_000 / words.len() + 1);
    for i in 0..EVENTS {
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        out.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:gross-{i}@kiez.example\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART;TZID=Europe/Berlin:2027{month:02}{day:02}T100000\r\n\
             DTEND;TZID=Europe/Berlin:2027{month:02}{day:02}T120000\r\n\
             SUMMARY:Sprechstunde {i}\r\n"
        ));
        let line = format!("DESCRIPTION:{description}");
        let bytes = line.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            let mut end = (start + if start == 0 { 75 } else { 74 }).min(bytes.len());
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            if start > 0 {
                out.push(' ');
            }
            out.push_str(&line[start..end]);
            out.push_str("\r\n");
            start = end;
        }
        out.push_str("END:VEVENT\r\n");
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

/// Serves `body` to every request on loopback once `open` turns true; its URL.
async fn serve(body: String, open: tokio::sync::watch::Receiver<bool>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/gross.ics", listener.local_addr().expect("addr"));
    let body = std::sync::Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (body, mut open) = (body.clone(), open.clone());
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = sock.read(&mut buf).await;
                let _ = open.wait_for(|o| *o).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/calendar\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                if sock.write_all(head.as_bytes()).await.is_ok() {
                    let _ = sock.write_all(body.as_bytes()).await;
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    url
}

async fn large_feed(backend: Backend) {
    let db = TestDb::new(backend);
    // The directory only: the meeting cycle follows demo feeds that are not on loopback.
    cli_ok(&db, &["demo", "--directory-only"]);
    let calendar = large_calendar();
    assert!(calendar.len() > 30_000_000, "{} bytes", calendar.len());
    let (open, gate) = tokio::sync::watch::channel(false);
    let url = serve(calendar, gate).await;
    cli_ok(
        &db,
        &[
            "calendar",
            "add-source",
            "--organisation",
            ORG,
            url.as_str(),
        ],
    );
    // One thread answers requests: a parse on it would stall every answer.
    let hub = Hub::start(
        &db,
        &[
            ("NETZWERK__SERVER__WORKER_THREADS", "1"),
            ("NETZWERK__FETCH__ALLOW_PRIVATE_ADDRESSES", "true"),
            ("NETZWERK__FETCH__MAX_BYTES", "40000000"),
            ("NETZWERK__FETCH__TIMEOUT_SECONDS", "120"),
            ("NETZWERK__CALENDAR__POLL", "true"),
        ],
    )
    .await;
    let coordinator = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let auth = [("authorization", coordinator.as_str())];
    let feed_state = "query($s: String!) { organisation(slug: $s) { calendarFeeds { lastSuccessAt lastError eventCount } } }";
    // `serve` polls the feed at once; the feed answers once the first question is
    // answered, so download, parse and store all fall between the answers.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut answered = Vec::new();
    loop {
        if answered.len() == 1 {
            open.send_replace(true);
        }
        assert!(
            Instant::now() < deadline,
            "the feed was not stored in 5 minutes"
        );
        let asked = Instant::now();
        let state = hub.data(feed_state, json!({ "s": ORG }), &auth).await;
        answered.push(asked.elapsed());
        let feed = &state["organisation"]["calendarFeeds"][0];
        assert!(feed["lastError"].is_null(), "{feed}");
        if !feed["lastSuccessAt"].is_null() {
            assert!(
                answered.len() > 1,
                "the feed was stored before the first answer: {feed}"
            );
            assert_eq!(feed["eventCount"], EVENTS, "{feed}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let slowest = answered.iter().max().copied().unwrap_or_default();
    eprintln!(
        "{} answers while the feed was parsed and stored, the slowest in {slowest:?}",
        answered.len()
    );
    assert!(
        answered.len() >= 5,
        "downloading, parsing and storing 30 MB took only {} answers' time",
        answered.len()
    );
    assert!(
        slowest < Duration::from_millis(500),
        "an answer took {slowest:?} while the feed was read ({} answers: {answered:?})",
        answered.len()
    );
}
both_backends!(api_answers_while_a_large_feed_is_parsed, large_feed);
