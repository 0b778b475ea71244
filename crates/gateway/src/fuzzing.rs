//! The body of the GraphQL fuzz target (`crates/gateway/fuzz`), here so that the same
//! property runs on the stable toolchain in every CI build (the deterministic
//! mutations in this module's tests) and under libFuzzer for longer runs by hand.
//!
//! The property: any bytes — read as a GraphQL document, as a request body, as a
//! query string and as an `Accept` header — give an answer or a clean error, never a
//! panic; a document the guard lets through runs against the real schema (on an
//! empty embedded database) to an answer within the request time-out.

use std::sync::OnceLock;
use std::time::Duration;

use async_graphql::Variables;
use netzwerk_domain::access::Actor;

use crate::graphql::{HubSchema, SchemaSettings, Viewer, build_schema, request_data};
use crate::guard::{self, QueryLimits};

/// Documents run against the schema so far (the test checks the mutations reach it).
static EXECUTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The longest one fuzzed document may run.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// An empty migrated database and the schema over it, made once per process. Its
/// folder under the system's temp directory is removed by the test that uses it; a
/// libFuzzer run (which never ends cleanly) leaves it to the system's temp cleaning.
struct Target {
    runtime: tokio::runtime::Runtime,
    schema: HubSchema,
    hub: netzwerk_app::Hub,
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "removed by the test; a fuzz run leaves it")
    )]
    dir: std::path::PathBuf,
}

fn target() -> Option<&'static Target> {
    static TARGET: OnceLock<Option<Target>> = OnceLock::new();
    TARGET
        .get_or_init(|| {
            let dir = std::env::temp_dir().join(format!(
                "netzwerk-fuzz-{}-{}",
                std::process::id(),
                uuid::Uuid::now_v7()
            ));
            std::fs::create_dir_all(&dir).ok()?;
            let url = format!("sqlite://{}", dir.join("fuzz.db").display());
            let hub = netzwerk_app::Hub::open(
                &url,
                &netzwerk_app::PoolSettings::default(),
                netzwerk_app::Settings::default(),
            )
            .ok()?;
            hub.migrate().ok()?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .ok()?;
            let schema = build_schema(&hub, SchemaSettings::default());
            Some(Target {
                runtime,
                schema,
                hub,
                dir,
            })
        })
        .as_ref()
}

/// Runs `data` through every reader of a GraphQL request. Panics (the fuzzer's
/// finding) only when a property breaks.
pub fn graphql_input(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::http::negotiate(Some(&text));
    if let Ok(params) = crate::http::params_from_query_string(&text)
        && let Some(query) = &params.query
    {
        let _ = crate::http::is_mutation(query, params.operation_name.as_deref());
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data)
        && let Ok(params) = crate::http::params_from_json(value)
    {
        let variables = params
            .variables
            .map(|v| Variables::from_json(serde_json::Value::Object(v)))
            .unwrap_or_default();
        if let Some(query) = &params.query {
            document(query, variables);
        }
    }
    document(&text, Variables::default());
}

/// A document: checked by the guard and, when it passes, run against the schema.
fn document(text: &str, variables: Variables) {
    let Ok(doc) = async_graphql::parser::parse_query(text) else {
        return;
    };
    if guard::check(&doc, &variables, &QueryLimits::default()).is_err() {
        return;
    }
    let Some(t) = target() else {
        return;
    };
    let viewer = Viewer {
        actor: Actor::Anonymous,
        languages: std::sync::Arc::default(),
        token: None,
        client: Some("127.0.0.1".into()),
    };
    EXECUTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (viewer, loader) = request_data(&t.hub, viewer);
    let request = async_graphql::Request::new(text)
        .variables(variables)
        .data(viewer)
        .data(loader);
    let answered = t
        .runtime
        .block_on(async { tokio::time::timeout(TIME_LIMIT, t.schema.execute(request)).await });
    assert!(
        answered.is_ok(),
        "a document within the limits ran longer than {TIME_LIMIT:?}: {text}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so failures can be replayed.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n.max(1)
        }
    }

    /// The seeds: the Hub's own persisted queries, partner queries, a login, and
    /// the hostile shapes the guard exists for.
    fn seeds() -> Vec<Vec<u8>> {
        let mut seeds: Vec<Vec<u8>> = vec![
            b"{ localities }".to_vec(),
            b"{ services(first: 5, filter: {language: \"ar\", locality: \"Koepenick\"}) { totalCount nodes { name languages { code } organisation { slug } locations { nodes { address } } } } }".to_vec(),
            b"{ eventOccurrences(from: \"2027-01-01T00:00:00Z\", to: \"2027-02-01T00:00:00Z\", first: 5) { totalCount nodes { start title } } }".to_vec(),
            br#"{"query": "query($n: Int) { organisations(first: $n) { nodes { name } } }", "variables": {"n": 3}}"#.to_vec(),
            b"query=%7B+localities+%7D&variables=%7B%7D".to_vec(),
            b"mutation { login(email: \"a@b.example\", password: \"x\") }".to_vec(),
            b"{...F3} fragment F0 on Query{localities} fragment F1 on Query{...F0 ...F0} fragment F2 on Query{...F1 ...F1} fragment F3 on Query{...F2 ...F2}".to_vec(),
            b"{ __schema { types { name fields { name } } } }".to_vec(),
            b"application/graphql-response+json;q=0.9, */*;q=0.1".to_vec(),
        ];
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../graphql/persisted");
        if let Ok(entries) = std::fs::read_dir(root) {
            for e in entries.flatten() {
                if let Ok(text) = std::fs::read(e.path()) {
                    seeds.push(text);
                }
            }
        }
        seeds
    }

    #[test]
    fn mutated_requests_never_panic() {
        let seeds = seeds();
        let junk: [&[u8]; 10] = [
            b"{",
            b"}",
            b"...F0 ",
            b"fragment F0 on Query { ...F0 } ",
            b"(first: 100)",
            b"$n",
            b"\"",
            b"@skip(if: true)",
            b"\xff\xfe",
            b"a: ",
        ];
        let mut rng = Lcg(1713);
        for _ in 0..3000 {
            let mut data = seeds[rng.next(seeds.len())].clone();
            for _ in 0..=rng.next(4) {
                if data.is_empty() {
                    break;
                }
                let at = rng.next(data.len());
                match rng.next(4) {
                    0 => data.truncate(at),
                    1 => data[at] = rng.next(256) as u8,
                    2 => {
                        let j = junk[rng.next(junk.len())];
                        data.splice(at..at, j.iter().copied());
                    }
                    _ => {
                        let len = rng.next(20).min(data.len() - at);
                        data.drain(at..at + len);
                    }
                }
            }
            graphql_input(&data);
        }
        let executed = EXECUTED.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            executed > 150,
            "only {executed} documents reached the schema"
        );
        if let Some(t) = target() {
            let _ = std::fs::remove_dir_all(&t.dir);
        }
    }
}
