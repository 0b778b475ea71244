//! The harness: a fresh database per test (a new SQLite file, or a new PostgreSQL
//! database), the real `netzwerk` binary run against it, and a GraphQL client.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Environment variable that switches the PostgreSQL tests on: an admin URL such as
/// `postgres://postgres@127.0.0.1:5432/postgres`.
pub const POSTGRES_ENV: &str = "NETZWERK_TEST_POSTGRES_URL";

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of one test's own, removed when the test ends.
pub struct TestDb {
    pub url: String,
    dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("hub.db").display());
                Self { url, dir, pg: None }
            }
            Backend::Postgres => {
                let admin = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
                    panic!("the PostgreSQL tests are switched on but {POSTGRES_ENV} is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)")
                });
                let name = format!("nwt_{}", uuid_like());
                let url = netzwerk_storage::admin::create_postgres_database(&admin, &name)
                    .unwrap_or_else(|e| panic!("cannot create a test database on {admin}: {e}"));
                Self {
                    url,
                    dir,
                    pg: Some((admin, name)),
                }
            }
        }
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg {
            let _ = netzwerk_storage::admin::drop_postgres_database(admin, name);
        }
    }
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs `netzwerk ARGS` against the test database; returns (success, stdout, stderr).
pub fn cli(db: &TestDb, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netzwerk"));
    cmd.args(args)
        .env("NETZWERK__DATABASE__URL", &db.url)
        .env("NETZWERK__LOG__LEVEL", "warn")
        .current_dir(db.dir())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("netzwerk runs");
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("netzwerk finishes");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a CLI command that must succeed.
pub fn cli_ok(db: &TestDb, args: &[&str]) -> String {
    let (ok, out, err) = cli(db, args, None);
    assert!(ok, "netzwerk {args:?} failed:\n{out}\n{err}");
    out
}

/// Runs a CLI command with extra environment settings; it must succeed.
pub fn cli_env(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netzwerk"));
    cmd.args(args)
        .env("NETZWERK__DATABASE__URL", &db.url)
        .env("NETZWERK__LOG__LEVEL", "warn")
        .current_dir(db.dir())
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("netzwerk runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "netzwerk {args:?} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout
}

/// A running `netzwerk serve`, stopped when dropped.
pub struct Hub {
    child: Child,
    pub base: String,
    client: reqwest::Client,
}

impl Hub {
    /// Migrates, loads the demo network and serves it.
    pub async fn demo(db: &TestDb) -> Self {
        cli_ok(db, &["migrate"]);
        cli_ok(db, &["demo"]);
        Self::start(db, &[]).await
    }

    /// Migrates, loads the demo network's directory only (no representatives,
    /// meeting or guests: tests of the meeting cycle start from none) and serves it.
    pub async fn directory_demo(db: &TestDb) -> Self {
        cli_ok(db, &["migrate"]);
        cli_ok(db, &["demo", "--directory-only"]);
        Self::start(db, &[]).await
    }

    /// Serves the test database with extra environment settings (background feed
    /// polling and digests off unless `env` turns them on).
    pub async fn start(db: &TestDb, env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_netzwerk"));
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .env("NETZWERK__DATABASE__URL", &db.url)
            .env("NETZWERK__SERVER__STATEMENT_HEADER", "true")
            // Tests send many requests from one address; the limit's own test sets it low.
            .env(
                "NETZWERK__SERVER__ANONYMOUS_RATE_LIMIT_PER_MINUTE",
                "1000000",
            )
            .env("NETZWERK__LOG__LEVEL", "warn")
            .current_dir(db.dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // Background polling and digests are off unless a test turns them on: the
            // demo follows feeds of fictional hosts, tests send traffic only to
            // loopback, and digest tests run their rounds themselves.
            .env("NETZWERK__CALENDAR__POLL", "false")
            .env("NETZWERK__FUNDING__POLL", "false")
            .env("NETZWERK__HSDS__POLL", "false")
            .env("NETZWERK__FUNDING__SEND_DIGESTS", "false");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("netzwerk serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("Netzwerk Hub listening on ") {
                    let _ = tx.send(rest.trim_end_matches("/graphql").to_owned());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the Hub announces its address within 60 s");
        Self {
            child,
            base,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("client"),
        }
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// POSTs a GraphQL request; returns status, SQL statement count and body.
    pub async fn post(
        &self,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> (u16, u64, Value) {
        self.send(json!({ "query": query, "variables": variables }), headers)
            .await
    }

    /// Like [`Hub::post`] for one named operation of a document.
    pub async fn post_op(
        &self,
        document: &str,
        operation: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> (u16, u64, Value) {
        let body = json!({ "query": document, "operationName": operation, "variables": variables });
        self.send(body, headers).await
    }

    async fn send(&self, body: Value, headers: &[(&str, &str)]) -> (u16, u64, Value) {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.base))
            .header("content-type", "application/json")
            .json(&body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let statements = res
            .headers()
            .get("x-sql-statements")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let body = res.json::<Value>().await.expect("JSON body");
        (status, statements, body)
    }

    /// A query that must succeed without errors; returns `data`.
    pub async fn data(&self, query: &str, variables: Value, headers: &[(&str, &str)]) -> Value {
        let (status, _, body) = self.post(query, variables, headers).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// A query that must fail; returns the first error's code and the whole error.
    pub async fn error(
        &self,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> (String, Value) {
        let (_, _, body) = self.post(query, variables, headers).await;
        let err = body["errors"][0].clone();
        assert!(!err.is_null(), "expected an error: {body}");
        (
            err["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            err,
        )
    }

    /// Signs in; returns the bearer header value.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let data = self
            .data(
                "mutation($e: String!, $p: String!) { login(email: $e, password: $p) }",
                json!({ "e": email, "p": password }),
                &[],
            )
            .await;
        format!("Bearer {}", data["login"].as_str().expect("token"))
    }

    /// The id of the demo organisation with this slug, and its editor's bearer header
    /// value.
    pub async fn editor_of(&self, slug: &str) -> (String, String) {
        let data = self
            .data(
                "query($s: String!) { organisation(slug: $s) { id } }",
                json!({ "s": slug }),
                &[],
            )
            .await;
        let id = data["organisation"]["id"].as_str().expect("id").to_owned();
        let editor = self
            .login(&format!("redaktion@{slug}.example"), "demo-redaktion")
            .await;
        (id, editor)
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Members (with a location) by name, and an organisation that is not a member.
pub async fn organisations(hub: &Hub) -> (Vec<Value>, Value) {
    let orgs = hub
        .data(
            "{ organisations(first: 100) { nodes { id slug name membership { status } locations { totalCount nodes { id name } } } } }",
            json!({}),
            &[],
        )
        .await;
    let all = orgs["organisations"]["nodes"]
        .as_array()
        .expect("orgs")
        .clone();
    let mut members: Vec<Value> = all
        .iter()
        .filter(|o| {
            o["membership"]["status"] == "MEMBER"
                && o["locations"]["totalCount"].as_i64().unwrap_or(0) > 0
        })
        .cloned()
        .collect();
    members.sort_by(|a, b| {
        a["name"]
            .as_str()
            .unwrap_or_default()
            .cmp(b["name"].as_str().unwrap_or_default())
    });
    let outsider = all
        .iter()
        .find(|o| o["membership"]["status"] != "MEMBER")
        .cloned()
        .expect("a non-member in the demo");
    (members, outsider)
}

/// Defines one test per backend: `NAME::sqlite` always runs; `NAME::postgres` is
/// ignored unless the PostgreSQL tests are switched on (`-- --include-ignored` with
/// NETZWERK_TEST_POSTGRES_URL set), and then fails if the server cannot be reached.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body($crate::support::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[ignore = "PostgreSQL: set NETZWERK_TEST_POSTGRES_URL and run with -- --include-ignored"]
            async fn postgres() {
                $body($crate::support::Backend::Postgres).await;
            }
        }
    };
}

/// Makes an API key with `netzwerk apikey add ARGS…`; returns the key it printed.
pub fn api_key(db: &TestDb, args: &[&str]) -> String {
    let mut all = vec!["apikey", "add"];
    all.extend_from_slice(args);
    let out = cli_ok(db, &all);
    out.lines()
        .find(|l| l.starts_with("nwk_"))
        .expect("the key is printed")
        .to_owned()
}

/// A loopback port whose server is dead: it closes every connection at once. The
/// port stays taken for as long as this lives, so no other test's server can be
/// given it (a port freed and looked up again can be).
pub struct DeadServer {
    pub port: u16,
    accepting: tokio::task::JoinHandle<()>,
}

impl DeadServer {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let accepting = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                drop(sock);
            }
        });
        Self { port, accepting }
    }
}

impl Drop for DeadServer {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

/// The fields a `VALIDATION` error names, in order.
pub fn violation_fields(err: &Value) -> Vec<&str> {
    err["extensions"]["violations"]
        .as_array()
        .map(|v| v.iter().filter_map(|v| v["field"].as_str()).collect())
        .unwrap_or_default()
}
