//! The command line as an operator uses it.

use serde_json::json;

use crate::both_backends;
use crate::support::{Backend, Hub, TestDb, cli, cli_ok};

async fn operator(backend: Backend) {
    let db = TestDb::new(backend);

    // serve refuses a database that is behind and says what to do.
    let (ok, _, err) = cli(&db, &["serve", "--listen", "127.0.0.1:0"], None);
    assert!(!ok);
    assert!(err.contains("netzwerk migrate"), "{err}");

    let out = cli_ok(&db, &["migrate"]);
    assert!(out.contains("applied"), "{out}");
    assert!(cli_ok(&db, &["migrate", "--status"]).contains("applied"));
    assert!(cli_ok(&db, &["migrate"]).contains("up to date"));
    let status = cli_ok(&db, &["migrate", "--status"]);
    assert!(
        status.contains("applied") && !status.contains("pending"),
        "{status}"
    );

    let out = cli_ok(&db, &["demo"]);
    assert!(out.contains("28 organisations"), "{out}");
    let (ok, _, err) = cli(&db, &["demo"], None);
    assert!(
        !ok && err.contains("empty database"),
        "a second demo load is refused: {err}"
    );

    // Users: bad input is named; a good account can sign in.
    let (ok, _, err) = cli(
        &db,
        &[
            "user",
            "add",
            "--email",
            "kein-at",
            "--name",
            "X",
            "--role",
            "coordinator",
        ],
        Some("langes-passwort\n"),
    );
    assert!(!ok && err.contains("--email"), "{err}");
    let (ok, _, err) = cli(
        &db,
        &[
            "user",
            "add",
            "--email",
            "neu@bezirk.example",
            "--name",
            "Neu",
            "--role",
            "editor",
        ],
        Some("langes-passwort\n"),
    );
    assert!(!ok && err.contains("--organisation"), "{err}");
    let (ok, _, err) = cli(
        &db,
        &[
            "user",
            "add",
            "--email",
            "neu@bezirk.example",
            "--name",
            "Neu",
            "--role",
            "coordinator",
        ],
        Some("kurz\n"),
    );
    assert!(!ok && err.contains("at least"), "{err}");
    let (ok, out, err) = cli(
        &db,
        &[
            "user",
            "add",
            "--email",
            "Neu@Bezirk.example",
            "--name",
            "Neue Koordination",
            "--role",
            "coordinator",
        ],
        Some("ein-langes-passwort\n"),
    );
    assert!(ok, "{out}{err}");
    let (ok, _, err) = cli(
        &db,
        &[
            "user",
            "add",
            "--email",
            "neu@bezirk.example",
            "--name",
            "Doppelt",
            "--role",
            "coordinator",
        ],
        Some("ein-langes-passwort\n"),
    );
    assert!(!ok && err.contains("exists"), "{err}");

    // An editor with the password as an argument and the default display name.
    let slug = "kiezwerkstatt-spreebogen";
    cli_ok(
        &db,
        &[
            "user",
            "add",
            "--email",
            "zweite@kiez.example",
            "--role",
            "editor",
            "--organisation",
            slug,
            "--password",
            "noch-ein-passwort",
        ],
    );
    let (ok, _, err) = cli(
        &db,
        &[
            "user",
            "add",
            "--email",
            "x@kiez.example",
            "--role",
            "editor",
            "--organisation",
            "gibt-es-nicht",
            "--password",
            "noch-ein-passwort",
        ],
        None,
    );
    assert!(!ok && err.contains("gibt-es-nicht"), "{err}");

    let hub = Hub::start(&db, &[]).await;
    let editor = hub.login("zweite@kiez.example", "noch-ein-passwort").await;
    let me = hub
        .data(
            "{ me { role } }",
            json!({}),
            &[("authorization", editor.as_str())],
        )
        .await;
    assert_eq!(me["me"]["role"], "EDITOR");
    let token = hub.login("neu@bezirk.example", "ein-langes-passwort").await;
    let me = hub
        .data(
            "{ me { role } }",
            json!({}),
            &[("authorization", token.as_str())],
        )
        .await;
    assert_eq!(me["me"]["role"], "COORDINATOR");

    // Configuration: unknown keys and bad values stop start-up naming the key.
    let (ok, _, err) = cli(&db, &["migrate", "--status"], None);
    assert!(ok, "{err}");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_netzwerk"));
    let out = cmd
        .args(["migrate"])
        .env("NETZWERK__DATABASE__URL", &db.url)
        .env("NETZWERK__SERVER__LISTNE", "x")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listne"));
}
both_backends!(operator_commands, operator);

async fn demo_on_fresh_database(backend: Backend) {
    let db = TestDb::new(backend);
    // `demo` sets up a fresh database itself.
    assert!(cli_ok(&db, &["demo"]).contains("28 organisations"));
    let hub = Hub::start(&db, &[]).await;
    let d = hub
        .data("{ organisations { totalCount } }", json!({}), &[])
        .await;
    assert_eq!(d["organisations"]["totalCount"], 28);
}
both_backends!(demo_sets_up_a_fresh_database, demo_on_fresh_database);

async fn round_trip(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["migrate", "--revert-all"]);
    assert!(cli_ok(&db, &["migrate", "--status"]).contains("pending"));
    cli_ok(&db, &["migrate"]);
    cli_ok(&db, &["demo"]);
}
both_backends!(migrations_go_up_down_up, round_trip);

#[test]
fn help_on_every_level() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["user", "--help"],
        vec!["user", "add", "--help"],
        vec!["apikey", "--help"],
        vec!["apikey", "add", "--help"],
        vec!["apikey", "list", "--help"],
        vec!["apikey", "revoke", "--help"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_netzwerk"))
            .args(&args)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage:"),
            "{args:?}"
        );
    }
}

#[test]
fn schema_is_checked_in() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netzwerk"))
        .arg("schema")
        .output()
        .expect("runs");
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../graphql/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        generated == committed,
        "graphql/schema.graphql is out of date: run `cargo run -p netzwerk-cli -- schema > graphql/schema.graphql`"
    );
}

async fn synthetic_network(backend: Backend) {
    let db = TestDb::new(backend);
    cli_ok(&db, &["migrate"]);
    let out = cli_ok(
        &db,
        &[
            "demo",
            "--scale",
            "3",
            "--services-per-organisation",
            "2",
            "--events-per-organisation",
            "4",
        ],
    );
    assert!(
        out.contains("generated 3 organisations with 6 services and 12 events"),
        "{out}"
    );
    let hub = Hub::start(&db, &[]).await;
    let d = hub
        .data(
            "{ organisations { totalCount } services { totalCount } events(first: 100) { totalCount } }",
            json!({}),
            &[],
        )
        .await;
    assert_eq!(d["organisations"]["totalCount"], 3);
    assert_eq!(d["services"]["totalCount"], 6);
    assert_eq!(d["events"]["totalCount"], 12, "{d}");
}
both_backends!(demo_scale_builds_a_synthetic_network, synthetic_network);

/// A reader that stops early (`netzwerk … | head -1`) ends the command quietly with
/// the shell's status for `SIGPIPE` (141), never with a panic.
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let db = TestDb::new(Backend::Sqlite);
    cli_ok(&db, &["migrate"]);
    for args in [vec!["schema"], vec!["migrate", "--status"]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_netzwerk"))
            .args(&args)
            .env("NETZWERK__DATABASE__URL", &db.url)
            .env("NETZWERK__LOG__LEVEL", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        // Close the reading end before the command writes its first line.
        drop(child.stdout.take());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while child.try_wait().expect("status").is_none() {
            if std::time::Instant::now() > deadline {
                child.kill().expect("kill");
                panic!("netzwerk {args:?} did not end after its output was closed");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().expect("finished");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("error"),
            "{args:?} ends without a message: {stderr}"
        );
    }
}
