//! HSDS data packages: a directory published as a `datapackage.json` with one CSV
//! file per table (`organizations.csv`, `services.csv`, `locations.csv`, …, as the
//! specification's tabular form names them). The tables are read through the guarded
//! client and joined by their ids into the nested records the HSDS API gives, so that
//! one reader (`sync`) checks and reconciles both. Any file that cannot be read fails
//! the whole read.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::ReadBudget;
use crate::Hub;
use crate::fetch::{Fetched, Validators};

/// Rows read from one table at most.
const MAX_ROWS: usize = 200_000;

/// Whether a source's URL names a data package rather than an API.
pub fn is_package(url: &str) -> bool {
    url.split(['?', '#'])
        .next()
        .is_some_and(|p| p.ends_with("datapackage.json"))
}

async fn get(hub: &Hub, url: &str, budget: &mut ReadBudget) -> Result<Vec<u8>, String> {
    match hub.fetcher().get(url, &Validators::default()).await {
        Ok(Fetched::Body { bytes, .. }) => {
            budget.take(bytes.len())?;
            Ok(bytes)
        }
        Ok(Fetched::NotModified) => Err(format!("{url}: 304 to a request without validators")),
        Err(e) => Err(e.to_string()),
    }
}

/// A table: its rows, each a map from column to (non-empty) value.
type Rows = Vec<Map<String, Value>>;

/// Columns whose values are numbers in HSDS.
const NUMBERS: &[&str] = &[
    "latitude",
    "longitude",
    "amount",
    "minimum_age",
    "maximum_age",
    "year_incorporated",
    "extension",
    "interval",
    "count",
    "timezone",
];

fn rows_of(table: &str, body: &[u8]) -> Result<Rows, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(body);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{table}: {e}"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        if i >= MAX_ROWS {
            return Err(format!("{table}: more than {MAX_ROWS} rows"));
        }
        let record = record.map_err(|e| format!("{table}: {e}"))?;
        let mut row = Map::new();
        for (h, v) in headers.iter().zip(record.iter()) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let value = if NUMBERS.contains(&h.as_str()) {
                v.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map_or_else(|| Value::String(v.to_owned()), Value::Number)
            } else {
                Value::String(v.to_owned())
            };
            row.insert(h.clone(), value);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The package's tables that the Hub reads, by table name (`organization`, …).
async fn tables(
    hub: &Hub,
    url: &str,
    budget: &mut ReadBudget,
) -> Result<HashMap<&'static str, Rows>, String> {
    let body = get(hub, url, budget).await?;
    let doc: Value =
        serde_json::from_slice(&body).map_err(|e| format!("datapackage.json is not JSON: {e}"))?;
    let resources = doc
        .get("resources")
        .and_then(Value::as_array)
        .ok_or("datapackage.json lists no resources")?;
    let base = &url[..url.rfind('/').map_or(url.len(), |i| i + 1)];
    let mut out = HashMap::new();
    for r in resources {
        let Some(path) = r.get("path").and_then(Value::as_str) else {
            continue;
        };
        let file = path.split(['?', '#']).next().unwrap_or(path);
        let stem = file.rsplit('/').next().unwrap_or(file);
        let Some(stem) = stem
            .len()
            .checked_sub(4)
            .filter(|&i| stem.is_char_boundary(i) && stem[i..].eq_ignore_ascii_case(".csv"))
            .map(|i| &stem[..i])
        else {
            continue;
        };
        // The resource's name (`organization`), else its file's (`organizations.csv`).
        let named = r.get("name").and_then(Value::as_str).unwrap_or(stem);
        let Some(table) = table_of(named) else {
            continue;
        };
        if out.contains_key(table) {
            return Err(format!("the data package lists the {table} table twice"));
        }
        let file_url = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{base}{}", path.trim_start_matches("./"))
        };
        let body = get(hub, &file_url, budget).await?;
        out.insert(table, rows_of(table, &body)?);
    }
    // Without one of these a read is partial: what is absent would look gone.
    for needed in ["organization", "location", "service"] {
        if !out.contains_key(needed) {
            return Err(format!(
                "the data package has no {needed} table; nothing was taken"
            ));
        }
    }
    Ok(out)
}

/// The tables read, by their HSDS name and the plural their files are named by.
const TABLES: &[(&str, &str)] = &[
    ("organization", "organizations"),
    ("organization_identifier", "organization_identifiers"),
    ("phone", "phones"),
    ("location", "locations"),
    ("address", "addresses"),
    ("accessibility", "accessibility"),
    ("service", "services"),
    ("service_at_location", "service_at_locations"),
    ("schedule", "schedules"),
    ("language", "languages"),
    ("cost_option", "cost_options"),
    ("attribute", "attributes"),
    ("taxonomy_term", "taxonomy_terms"),
];

/// The table a resource or file name stands for (either form, any case).
fn table_of(name: &str) -> Option<&'static str> {
    let name = name.trim().to_ascii_lowercase();
    TABLES
        .iter()
        .find(|(one, many)| name == *one || name == *many)
        .map(|(one, _)| *one)
}

/// The longest taxonomy term code or name copied into an attribute (the Hub matches
/// short codes and names; a huge one copied per attribute would multiply memory).
const TERM_TEXT_MAX: usize = 200;

/// Rows of `table` grouped by the value of `key`.
fn grouped(
    tables: &HashMap<&'static str, Rows>,
    table: &str,
    key: &str,
) -> HashMap<String, Vec<Value>> {
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for row in tables.get(table).into_iter().flatten() {
        if let Some(k) = row.get(key).and_then(Value::as_str) {
            out.entry(k.to_owned())
                .or_default()
                .push(Value::Object(row.clone()));
        }
    }
    out
}

fn id(row: &Map<String, Value>) -> String {
    row.get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// Reads a data package into the API's nested form: fully nested organisations and
/// services, as `sync` reads them from an API.
pub(super) async fn read(
    hub: &Hub,
    url: &str,
    budget: &mut ReadBudget,
) -> Result<(Vec<Value>, Vec<Value>), String> {
    let t = tables(hub, url, budget).await?;
    let addresses = grouped(&t, "address", "location_id");
    let access = grouped(&t, "accessibility", "location_id");
    let mut orphans: HashMap<String, Value> = HashMap::new();
    let mut locations_of: HashMap<String, Vec<Value>> = HashMap::new();
    for row in t.get("location").into_iter().flatten() {
        let mut l = row.clone();
        let lid = id(row);
        l.insert(
            "addresses".into(),
            Value::Array(addresses.get(&lid).cloned().unwrap_or_default()),
        );
        l.insert(
            "accessibility".into(),
            Value::Array(access.get(&lid).cloned().unwrap_or_default()),
        );
        match row.get("organization_id").and_then(Value::as_str) {
            Some(org) => locations_of
                .entry(org.to_owned())
                .or_default()
                .push(Value::Object(l)),
            None => {
                orphans.insert(lid, Value::Object(l));
            }
        }
    }
    let phones = grouped(&t, "phone", "organization_id");
    let identifiers = grouped(&t, "organization_identifier", "organization_id");
    let organisations: Vec<Value> = t
        .get("organization")
        .into_iter()
        .flatten()
        .map(|row| {
            let mut o = row.clone();
            let oid = id(row);
            for (key, from) in [
                ("locations", &locations_of),
                ("phones", &phones),
                ("organization_identifiers", &identifiers),
            ] {
                o.insert(
                    key.into(),
                    Value::Array(from.get(&oid).cloned().unwrap_or_default()),
                );
            }
            Value::Object(o)
        })
        .collect();
    let terms: HashMap<String, Value> = t
        .get("taxonomy_term")
        .into_iter()
        .flatten()
        .map(|row| {
            let mut term = Map::new();
            for key in ["code", "name"] {
                if let Some(v) = row.get(key).and_then(Value::as_str) {
                    let short: String = v.chars().take(TERM_TEXT_MAX).collect();
                    term.insert(key.into(), Value::String(short));
                }
            }
            (id(row), Value::Object(term))
        })
        .collect();
    let languages = grouped(&t, "language", "service_id");
    let schedules = grouped(&t, "schedule", "service_id");
    let costs = grouped(&t, "cost_option", "service_id");
    let attributes = grouped(&t, "attribute", "link_id");
    let at = grouped(&t, "service_at_location", "service_id");
    let mut orphans = orphans;
    let services: Vec<Value> = t
        .get("service")
        .into_iter()
        .flatten()
        .map(|row| {
            let mut s = row.clone();
            let sid = id(row);
            for (key, from) in [
                ("languages", &languages),
                ("schedules", &schedules),
                ("cost_options", &costs),
            ] {
                s.insert(
                    key.into(),
                    Value::Array(from.get(&sid).cloned().unwrap_or_default()),
                );
            }
            let attrs: Vec<Value> = attributes
                .get(&sid)
                .into_iter()
                .flatten()
                .map(|a| {
                    let mut a = a.clone();
                    let term = a
                        .get("taxonomy_term_id")
                        .and_then(Value::as_str)
                        .and_then(|t| terms.get(t))
                        .cloned();
                    if let (Some(term), Some(obj)) = (term, a.as_object_mut()) {
                        obj.insert("taxonomy_term".into(), term);
                    }
                    a
                })
                .collect();
            s.insert("attributes".into(), Value::Array(attrs));
            let sals: Vec<Value> = at
                .get(&sid)
                .into_iter()
                .flatten()
                .map(|sal| {
                    let mut sal = sal.clone();
                    // A location is nested once: under its organisation, or — when it
                    // names none — under the first service at it.
                    let place = sal
                        .get("location_id")
                        .and_then(Value::as_str)
                        .and_then(|l| orphans.remove(l));
                    if let (Some(place), Some(obj)) = (place, sal.as_object_mut()) {
                        obj.insert("location".into(), place);
                    }
                    sal
                })
                .collect();
            s.insert("service_at_locations".into(), Value::Array(sals));
            Value::Object(s)
        })
        .collect();
    Ok((organisations, services))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_become_rows_with_numbers_and_no_empty_values() {
        let rows = rows_of(
            "location",
            b"\xef\xbb\xbfid,name,latitude,longitude,description\n1,Kiezladen,52.48,13.46,\n2,\"Treff, Ecke\",x,,Eingang hinten\n",
        )
        .expect("a table");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["latitude"], serde_json::json!(52.48));
        assert!(!rows[0].contains_key("description"));
        assert_eq!(rows[1]["name"], "Treff, Ecke");
        assert_eq!(
            rows[1]["latitude"], "x",
            "kept as written; the check names it"
        );
        assert!(
            rows_of("location", b"id,name\n1,a,extra\n").is_err(),
            "a ragged row"
        );
        assert!(is_package("https://bezirk.example/hsds/datapackage.json"));
        assert!(!is_package("https://bezirk.example/hsds"));
        assert_eq!(table_of("addresses"), Some("address"));
        assert_eq!(table_of("Accessibility"), Some("accessibility"));
        assert_eq!(table_of("service_at_location"), Some("service_at_location"));
        assert_eq!(table_of("fundings"), None);
    }
}
