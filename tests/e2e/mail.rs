//! The e-mail outbox against a real SMTP server on loopback: nothing is lost while
//! the server is down, and each message arrives once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb};

/// A minimal SMTP server on its own loopback port that keeps every message it
/// accepts. It may start down: then it closes every connection before the greeting,
/// as a dead server would, while keeping its port, so that no other test's server
/// can take the port in the meantime (a port freed and looked up again can be).
pub struct SmtpSink {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<String>>>,
    up: Arc<AtomicBool>,
}

impl SmtpSink {
    /// A server that accepts mail at once.
    pub async fn start() -> Self {
        Self::bind(true).await
    }

    /// A server that is down until [`SmtpSink::come_up`].
    pub async fn down() -> Self {
        Self::bind(false).await
    }

    pub fn come_up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    async fn bind(up: bool) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind the SMTP sink");
        let port = listener.local_addr().expect("the sink's address").port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let up = Arc::new(AtomicBool::new(up));
        let (store, serving) = (messages.clone(), up.clone());
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                if !serving.load(Ordering::SeqCst) {
                    drop(sock);
                    continue;
                }
                let store = store.clone();
                tokio::spawn(async move {
                    let (read, mut write) = sock.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(buf) = data.as_mut() {
                            if line == "." {
                                if let Ok(mut m) = store.lock() {
                                    m.push(std::mem::take(buf));
                                }
                                data = None;
                                let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                            } else {
                                buf.push_str(line.strip_prefix('.').unwrap_or(&line));
                                buf.push('\n');
                            }
                            continue;
                        }
                        let verb = line
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.0.0 ok\r\n",
                            "DATA" => {
                                data = Some(String::new());
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                break;
                            }
                            _ => b"502 5.5.2 unknown command\r\n",
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        Self { port, messages, up }
    }

    pub fn received(&self) -> Vec<String> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

fn mail_cli(db: &TestDb, port: u16, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netzwerk"))
        .args(args)
        .env("NETZWERK__DATABASE__URL", &db.url)
        .env("NETZWERK__MAIL__SMTP_PORT", port.to_string())
        .env(
            "NETZWERK__MAIL__FROM",
            "Netzwerk für Integration <netzwerk@bezirk.example>",
        )
        .env("NETZWERK__LOG__LEVEL", "error")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

async fn outbox(backend: Backend) {
    let db = TestDb::new(backend);
    crate::support::cli_ok(&db, &["demo"]);
    let sink = SmtpSink::down().await;
    let port = sink.port;

    assert!(
        mail_cli(&db, port, &["mail", "test", "--to", "amira@verein.example"]).contains("queued")
    );
    // The mail server is down: the attempt fails and the message waits.
    let down = mail_cli(&db, port, &["mail", "send"]);
    assert!(down.contains("sent 0, retrying 1, failed 0"), "{down}");
    let listed = mail_cli(&db, port, &["mail", "list", "--state", "queued"]);
    assert!(
        listed.contains("amira@verein.example") && listed.contains("attempts 1"),
        "{listed}"
    );

    sink.come_up();
    // Back-off: not due yet.
    assert!(mail_cli(&db, port, &["mail", "send"]).contains("sent 0, retrying 0"));
    let up = mail_cli(&db, port, &["mail", "send", "--all"]);
    assert!(up.contains("sent 1, retrying 0, failed 0"), "{up}");
    // Exactly once: another round sends nothing more.
    assert!(mail_cli(&db, port, &["mail", "send", "--all"]).contains("sent 0"));
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let m = &received[0];
    for needle in [
        "To: amira@verein.example",
        "Subject: Netzwerk Hub: Testnachricht / test message",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "Message-ID: <",
    ] {
        assert!(m.contains(needle), "{needle:?} missing in\n{m}");
    }
    assert!(
        m.contains("=?utf-8?") || m.contains("Netzwerk f=C3=BCr") || m.contains("Netzwerk für"),
        "the sender's name is encoded: {m}"
    );

    let hub = Hub::start(&db, &[("NETZWERK__MAIL__SEND", "false")]).await;
    let coord = hub
        .login("koordination@netzwerk-demo.example", "demo-koordination")
        .await;
    let d = hub
        .data(
            "{ outboxMessages { totalCount nodes { recipient state attempts sentAt lastError } } }",
            json!({}),
            &[("authorization", coord.as_str())],
        )
        .await;
    let n = &d["outboxMessages"]["nodes"][0];
    assert_eq!(n["state"], "SENT");
    assert_eq!(n["attempts"], 2);
    assert!(n["lastError"].is_null());
    let (code, _) = hub
        .error("{ outboxMessages { totalCount } }", json!({}), &[])
        .await;
    assert_eq!(code, "UNAUTHENTICATED");
}
both_backends!(outbox_survives_a_dead_mail_server, outbox);

/// A mail server that accepts the connection and then says nothing (a tarpit): the
/// conversation ends at `mail.smtp_timeout_seconds`, the message waits for a retry,
/// and the round ends instead of hanging (lettre's own time-out covers connecting
/// only).
async fn stalled_server(backend: Backend) {
    let db = TestDb::new(backend);
    crate::support::cli_ok(&db, &["migrate"]);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    assert!(
        mail_cli(&db, port, &["mail", "test", "--to", "amira@verein.example"]).contains("queued")
    );
    let started = std::time::Instant::now();
    let out = tokio::task::spawn_blocking({
        let url = db.url.clone();
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_netzwerk"))
                .args(["mail", "send"])
                .env("NETZWERK__DATABASE__URL", url)
                .env("NETZWERK__MAIL__SMTP_PORT", port.to_string())
                .env("NETZWERK__MAIL__SMTP_TIMEOUT_SECONDS", "1")
                .env("NETZWERK__LOG__LEVEL", "error")
                .output()
                .expect("runs")
        }
    });
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), out)
        .await
        .expect("mail send ends within 60 s")
        .expect("joined");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
    assert!(said.contains("sent 0, retrying 1, failed 0"), "{said}");
    assert!(said.contains("did not finish within 1 s"), "{said}");
}
both_backends!(a_stalled_mail_server_is_given_up_on_in_time, stalled_server);
