//! HSDS in: the coordinator follows another directory's HSDS 3.0 API (or its data
//! package, `package`) like a calendar feed. Each poll reads every page of its fully
//! nested organisations and services
//! (any page that fails — an error status, garbage, half a document — fails the whole
//! read, which then changes nothing), checks each record as the Hub's own forms do,
//! and reconciles by the source's ids in one transaction: new records are added,
//! changed ones updated, ones gone from the source removed. A record a member edited
//! in the Hub after the import last wrote it is never overwritten nor removed.
//! Organisations taken this way are `listed`, never members: they host no meetings and
//! get no invitations.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::Utc;
use netzwerk_domain::access::Actor;
use netzwerk_domain::error::Checker;
use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::labels;
use netzwerk_domain::language;
use netzwerk_domain::location::{Location, LocationInput};
use netzwerk_domain::organisation::{
    LegalStatus, MembershipStatus, Organisation, OrganisationInput, TargetGroup,
};
use netzwerk_domain::poll::PollInterval;
use netzwerk_domain::schedule::{OpeningHoursInput, Weekday};
use netzwerk_domain::service::{Service, ServiceCategory, ServiceInput, ServiceLinks};
use netzwerk_domain::slug::Slug;
use netzwerk_domain::url::HttpUrl;
use netzwerk_storage::hsds::{self as store, Counts, Kind};
use netzwerk_storage::{AnyConnection, StorageError, locations, organisations, services};
use serde_json::Value;

pub use netzwerk_storage::hsds::HsdsSource;

use super::ReadBudget;
use super::out::{APPOINTMENT_ATTRIBUTE, FREE_OPTION, WHEELCHAIR_NO, WHEELCHAIR_YES};
use crate::Hub;
use crate::error::{Error, Result};
use crate::feeds::{self, FeedKind, Round};
use crate::fetch::{Fetched, Validators};

/// Records read per page from a source.
const PER_PAGE: i64 = 100;
/// Pages read of one list at most (100,000 records at 100 a page).
const MAX_PAGES: i64 = 1000;
/// The change log's name for the import.
const ACTOR: &str = "hsds";

/// Follows another directory (coordinator): `url` is its HSDS API's base, where
/// `/organizations` and `/services` are, or its data package's `datapackage.json`.
pub async fn follow(
    hub: &Hub,
    actor: Actor,
    url: &str,
    interval_minutes: Option<i64>,
) -> Result<HsdsSource> {
    actor.may_administer()?;
    let mut c = Checker::new();
    let url = c.take("url", HttpUrl::parse(url));
    let interval = match interval_minutes {
        Some(m) => c.take("intervalMinutes", PollInterval::parse(m)),
        None => Some(hub.settings().hsds_poll_default),
    };
    let (url, interval) = match c.finish(|| (url, interval))? {
        (Some(u), Some(i)) => (u, i),
        _ => return Err(Error::Internal("a checked field is missing".into())),
    };
    let base = url.as_str().trim_end_matches('/').to_owned();
    hub.transact(move |c| {
        actor.may_administer()?;
        Ok(store::add_source(c, &base, interval.as_i32())?)
    })
    .await
}

/// The followed directories with their health (coordinator).
pub async fn sources(hub: &Hub, actor: Actor) -> Result<Vec<HsdsSource>> {
    actor.may_administer()?;
    Ok(hub.database().run(store::sources).await?)
}

/// Polls every due source (with `all`: every source), once each.
pub async fn poll_due(hub: &Hub, all: bool) -> Result<Round<SyncReport>> {
    feeds::poll_due(hub, &HsdsSources, all).await
}

/// What one good read did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Records added, by kind.
    pub added: BTreeMap<&'static str, usize>,
    /// Records updated.
    pub updated: usize,
    /// Records removed (gone from the source).
    pub removed: usize,
    /// Records kept as a member edited them in the Hub.
    pub kept: usize,
    /// Records left out, with why.
    pub rejected: Vec<String>,
    /// What the source has in the Hub now.
    pub counts: Counts,
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let added: Vec<String> = self.added.iter().map(|(k, n)| format!("{n} {k}")).collect();
        write!(
            f,
            "{} organisations, {} locations, {} services; added: {}; updated {}, removed {}, kept as edited here {}, left out {}",
            self.counts.organisations,
            self.counts.locations,
            self.counts.services,
            if added.is_empty() {
                "none".to_owned()
            } else {
                added.join(", ")
            },
            self.updated,
            self.removed,
            self.kept,
            self.rejected.len()
        )
    }
}

// --- reading ------------------------------------------------------------------------

/// Reads every page of `list` (`organizations`, `services`), fully nested.
async fn read_list(
    hub: &Hub,
    base: &str,
    list: &str,
    budget: &mut ReadBudget,
) -> std::result::Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for page in 1..=MAX_PAGES {
        // A base with a query (an access key) keeps it on every page.
        let (path, query) = base.split_once('?').unwrap_or((base, ""));
        let sep = if query.is_empty() { "" } else { "&" };
        let url = format!("{path}/{list}?{query}{sep}full=true&page={page}&per_page={PER_PAGE}");
        let body = match hub.fetcher().get(&url, &Validators::default()).await {
            Ok(Fetched::Body { bytes, .. }) => bytes,
            Ok(Fetched::NotModified) => {
                return Err(format!(
                    "page {page} of {list}: 304 to a request without validators"
                ));
            }
            Err(e) => return Err(format!("page {page} of {list}: {e}")),
        };
        budget.take(body.len())?;
        let doc: Value = serde_json::from_slice(&body)
            .map_err(|e| format!("page {page} of {list} is not JSON: {e}"))?;
        let Some(contents) = doc.get("contents").and_then(Value::as_array) else {
            return Err(format!(
                "page {page} of {list} is not an HSDS page (no contents)"
            ));
        };
        let got = contents.len();
        out.extend(contents.iter().cloned());
        let total_pages = doc.get("total_pages").and_then(Value::as_i64);
        let last = doc.get("last_page").and_then(Value::as_bool);
        let done = match (last, total_pages) {
            (Some(last), _) => last,
            (None, Some(pages)) => page >= pages,
            (None, None) => got == 0,
        };
        if done || got == 0 {
            return Ok(out);
        }
    }
    Err(format!(
        "{list} has more than {MAX_PAGES} pages; nothing was taken"
    ))
}

/// The kind of followed feed HSDS sources are.
#[derive(Debug, Clone, Copy)]
pub struct HsdsSources;

/// A source's records, checked.
#[derive(Debug, Default)]
pub struct Parsed {
    organisations: Vec<(String, Organisation)>,
    locations: Vec<(String, String, Location)>,
    services: Vec<RemoteService>,
    /// Every id the source has, valid or not, by kind (what is absent is gone).
    present: HashSet<(Kind, String)>,
    rejected: Vec<String>,
}

#[derive(Debug)]
struct RemoteService {
    id: String,
    organisation: String,
    service: Service,
    links: ServiceLinks,
    locations: Vec<String>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn id_of(v: &Value) -> Option<String> {
    text(v, "id")
}

fn organisation_of(o: &Value) -> std::result::Result<Organisation, String> {
    let identifiers = o
        .get("organization_identifiers")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|i| {
                    let scheme =
                        text(i, "identifier_scheme").or_else(|| text(i, "identifier_type"))?;
                    Some((scheme, text(i, "identifier")?))
                })
                .collect()
        })
        .unwrap_or_default();
    let legal_status = text(o, "legal_status")
        .map(|l| LegalStatus::parse(&l.to_ascii_lowercase()).unwrap_or(LegalStatus::Other));
    let phone = o
        .get("phones")
        .and_then(Value::as_array)
        .and_then(|p| p.first())
        .and_then(|p| text(p, "number"));
    OrganisationInput {
        name: text(o, "name").unwrap_or_default(),
        alternate_name: text(o, "alternate_name"),
        legal_status,
        description: text(o, "description"),
        website: text(o, "website"),
        email: text(o, "email"),
        phone,
        logo_url: text(o, "logo"),
        identifiers,
        membership_status: Some(MembershipStatus::Listed),
        ..OrganisationInput::default()
    }
    .validate()
    .map_err(|e| e.to_string())
}

fn location_of(l: &Value) -> std::result::Result<Location, String> {
    let addresses = l.get("addresses").and_then(Value::as_array);
    let address = addresses.and_then(|list| {
        list.iter()
            .find(|a| a.get("address_type").and_then(Value::as_str) == Some("physical"))
            .or_else(|| list.first())
    });
    let access = l
        .get("accessibility")
        .and_then(Value::as_array)
        .and_then(|a| a.first());
    let wheelchair =
        access
            .and_then(|a| text(a, "details"))
            .and_then(|d| match d.to_lowercase().as_str() {
                WHEELCHAIR_YES => Some(true),
                WHEELCHAIR_NO => Some(false),
                _ => None,
            });
    let name = text(l, "name")
        .or_else(|| address.and_then(|a| text(a, "address_1")))
        .unwrap_or_default();
    LocationInput {
        name,
        address: address.and_then(|a| text(a, "address_1")),
        locality: address.and_then(|a| text(a, "region").or_else(|| text(a, "city"))),
        postcode: address.and_then(|a| text(a, "postal_code")),
        latitude: l.get("latitude").and_then(Value::as_f64),
        longitude: l.get("longitude").and_then(Value::as_f64),
        wheelchair_accessible: wheelchair,
        accessibility_note: access.and_then(|a| text(a, "description")),
        transport_hint: text(l, "transportation"),
        ..LocationInput::default()
    }
    .validate()
    .map_err(|e| e.to_string())
}

/// The code of a taxonomy term attached to a service: its code, or a name the Hub knows.
fn term_code(a: &Value) -> Option<&'static str> {
    let term = a.get("taxonomy_term")?;
    text(term, "code")
        .and_then(|c| labels::code_named(&c))
        .or_else(|| text(term, "name").and_then(|n| labels::code_named(&n)))
}

fn opening_hours(s: &Value) -> Vec<OpeningHoursInput> {
    let hhmm = |t: &str| {
        t.get(..5)
            .filter(|p| p.as_bytes().get(2) == Some(&b':'))
            .map(str::to_owned)
    };
    s.get("schedules")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter(|r| text(r, "freq").is_none_or(|f| f.eq_ignore_ascii_case("WEEKLY")))
                .filter_map(|r| {
                    let opens = hhmm(&text(r, "opens_at")?)?;
                    let closes = hhmm(&text(r, "closes_at")?)?;
                    let days = text(r, "byday")?;
                    Some(
                        days.split(',')
                            .filter_map(Weekday::from_ical)
                            .map(|d| OpeningHoursInput {
                                weekday: i64::from(d.number()),
                                opens: opens.clone(),
                                closes: closes.clone(),
                            })
                            .collect::<Vec<_>>(),
                    )
                })
                .flatten()
                .collect()
        })
        .unwrap_or_default()
}

fn service_of(s: &Value) -> std::result::Result<(Service, ServiceLinks, Vec<String>), String> {
    let attributes: &[Value] = s
        .get("attributes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let codes: Vec<&str> = attributes.iter().filter_map(term_code).collect();
    let category = codes
        .iter()
        .find_map(|c| ServiceCategory::parse(c).ok())
        .unwrap_or(ServiceCategory::Other);
    let target_groups: Vec<TargetGroup> = codes
        .iter()
        .filter_map(|c| TargetGroup::parse(c).ok())
        .collect();
    let appointment = attributes
        .iter()
        .find(|a| text(a, "link_type").as_deref() == Some(APPOINTMENT_ATTRIBUTE))
        .and_then(|a| text(a, "value"))
        .map(|v| v == "true");
    let languages: Vec<String> = s
        .get("languages")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|l| {
                    text(l, "code")
                        .and_then(|c| language::two_letter_code(&c))
                        .or_else(|| {
                            text(l, "name")
                                .and_then(|n| language::code_of_english_name(&n).map(str::to_owned))
                        })
                })
                .collect()
        })
        .unwrap_or_default();
    let free = s
        .get("cost_options")
        .and_then(Value::as_array)
        .map(|costs| {
            costs.iter().any(|c| {
                c.get("amount").and_then(Value::as_f64) == Some(0.0)
                    || text(c, "option").is_some_and(|o| o.eq_ignore_ascii_case(FREE_OPTION))
            })
        });
    let places: Vec<String> = s
        .get("service_at_locations")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|sal| {
                    text(sal, "location_id").or_else(|| sal.get("location").and_then(id_of))
                })
                .collect()
        })
        .unwrap_or_default();
    let (service, links) = ServiceInput {
        name: text(s, "name").unwrap_or_default(),
        description: text(s, "description"),
        category: Some(category),
        target_groups,
        languages,
        free,
        fee_note: text(s, "fees_description"),
        appointment_required: appointment,
        eligibility: text(s, "eligibility_description"),
        application_process: text(s, "application_process"),
        opening_hours: opening_hours(s),
        ..ServiceInput::default()
    }
    .validate()
    .map_err(|e| e.to_string())?;
    Ok((service, links, places))
}

/// Checks what a source gave: records that cannot be used are named and left out.
fn parse_records(organisations: &[Value], services: &[Value]) -> Parsed {
    let mut p = Parsed::default();
    let mut seen_locations: HashSet<String> = HashSet::new();
    let mut take_location = |p: &mut Parsed, l: &Value, org: Option<&str>| {
        let Some(id) = id_of(l) else {
            p.rejected.push("a location without an id".into());
            return;
        };
        p.present.insert((Kind::Location, id.clone()));
        if !seen_locations.insert(id.clone()) {
            return;
        }
        let Some(org) = text(l, "organization_id").or(org.map(str::to_owned)) else {
            p.rejected.push(format!("location {id}: no organization"));
            return;
        };
        match location_of(l) {
            Ok(loc) => p.locations.push((id, org, loc)),
            Err(e) => p.rejected.push(format!("location {id}: {e}")),
        }
    };
    for o in organisations {
        let Some(id) = id_of(o) else {
            p.rejected.push("an organization without an id".into());
            continue;
        };
        p.present.insert((Kind::Organization, id.clone()));
        match organisation_of(o) {
            Ok(org) => p.organisations.push((id.clone(), org)),
            Err(e) => p.rejected.push(format!("organization {id}: {e}")),
        }
        for l in o
            .get("locations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            take_location(&mut p, l, Some(&id));
        }
    }
    for s in services {
        let Some(id) = id_of(s) else {
            p.rejected.push("a service without an id".into());
            continue;
        };
        p.present.insert((Kind::Service, id.clone()));
        let org = text(s, "organization_id").or_else(|| s.get("organization").and_then(id_of));
        for sal in s
            .get("service_at_locations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(l) = sal.get("location") {
                take_location(&mut p, l, org.as_deref());
            }
        }
        let Some(org) = org else {
            p.rejected.push(format!("service {id}: no organization"));
            continue;
        };
        match service_of(s) {
            Ok((service, links, locations)) => p.services.push(RemoteService {
                id,
                organisation: org,
                service,
                links,
                locations,
            }),
            Err(e) => p.rejected.push(format!("service {id}: {e}")),
        }
    }
    p
}

// --- storing ------------------------------------------------------------------------

/// Where each record of the source is in the Hub, and whether it may be written.
struct Ledger {
    source: netzwerk_domain::ids::HsdsSourceId,
    known: HashMap<(Kind, String), store::Imported>,
    report: SyncReport,
}

impl Ledger {
    /// Whether the import may write a record, given when the Hub's record it became
    /// last changed (`None`: there is none): a new record, or one unchanged here since
    /// the import wrote it. A record a member edited or removed here is kept (counted).
    fn may_write(
        &mut self,
        kind: Kind,
        remote: &str,
        updated_at: Option<chrono::DateTime<Utc>>,
    ) -> bool {
        let Some(known) = self.known.get(&(kind, remote.to_owned())) else {
            return true;
        };
        let unchanged = updated_at.is_some_and(|at| at <= known.synced_at);
        if !unchanged {
            self.report.kept += 1;
        }
        unchanged
    }

    fn local(&self, kind: Kind, remote: &str) -> Option<&str> {
        self.known
            .get(&(kind, remote.to_owned()))
            .map(|k| k.local_id.as_str())
    }

    fn added(&mut self, kind: &'static str) {
        *self.report.added.entry(kind).or_default() += 1;
    }
}

/// When the Hub's record a source's record became last changed; `None`: it is gone.
fn changed_at(conn: &mut AnyConnection, kind: Kind, local: &str) -> Option<chrono::DateTime<Utc>> {
    match kind {
        Kind::Service => services::get(conn, ServiceId::parse(local).ok()?)
            .ok()
            .map(|r| r.updated_at),
        Kind::Location => locations::get(conn, LocationId::parse(local).ok()?)
            .ok()
            .map(|r| r.updated_at),
        Kind::Organization => organisations::get(conn, OrganisationId::parse(local).ok()?)
            .ok()
            .map(|r| r.updated_at),
    }
}

/// Removes the Hub's record a source's record became (the source no longer has it).
fn remove(
    conn: &mut AnyConnection,
    kind: Kind,
    local: &str,
) -> std::result::Result<(), StorageError> {
    let corrupt = |e: netzwerk_domain::ValidationError| StorageError::Corrupt(e.to_string());
    match kind {
        Kind::Service => services::delete(conn, ACTOR, ServiceId::parse(local).map_err(corrupt)?),
        Kind::Location => {
            locations::delete(conn, ACTOR, LocationId::parse(local).map_err(corrupt)?)
        }
        Kind::Organization => {
            organisations::delete(conn, ACTOR, OrganisationId::parse(local).map_err(corrupt)?)
        }
    }
}

/// Whether two services' links say the same: languages, target groups and weekly
/// hours as sets (the source may list them in another order than the Hub keeps
/// them), locations in order (the first gives the time zone).
fn same_links(a: &ServiceLinks, b: &ServiceLinks) -> bool {
    fn sorted<T: Ord + Clone>(v: &[T]) -> Vec<T> {
        let mut v = v.to_vec();
        v.sort();
        v.dedup();
        v
    }
    let hours = |l: &ServiceLinks| {
        sorted(
            &l.opening_hours
                .iter()
                .map(|h| (h.weekday, h.opens, h.closes))
                .collect::<Vec<_>>(),
        )
    };
    sorted(&a.languages) == sorted(&b.languages)
        && sorted(&a.target_groups) == sorted(&b.target_groups)
        && hours(a) == hours(b)
        && a.location_ids == b.location_ids
        && a.exceptions == b.exceptions
}

/// A slug not taken yet: the name's, then with `-2`, `-3` …
fn free_slug(conn: &mut AnyConnection, wanted: &Slug) -> std::result::Result<Slug, StorageError> {
    if organisations::find_id_by_slug(conn, wanted)?.is_none() {
        return Ok(wanted.clone());
    }
    for n in 2..1000 {
        if let Ok(s) = Slug::parse(&format!("{}-{n}", wanted.as_str()))
            && organisations::find_id_by_slug(conn, &s)?.is_none()
        {
            return Ok(s);
        }
    }
    Err(StorageError::Conflict(format!(
        "no free slug for {}",
        wanted.as_str()
    )))
}

fn store_records(
    conn: &mut AnyConnection,
    source: &HsdsSource,
    parsed: Parsed,
) -> std::result::Result<SyncReport, StorageError> {
    netzwerk_storage::transaction(conn, |conn| {
        let mut ledger = Ledger {
            source: source.id,
            known: store::records(conn, source.id)?,
            report: SyncReport {
                rejected: parsed.rejected.clone(),
                ..SyncReport::default()
            },
        };
        // Organisations.
        for (remote, mut org) in parsed.organisations {
            let at = ledger
                .local(Kind::Organization, &remote)
                .and_then(|id| OrganisationId::parse(id).ok())
                .and_then(|id| organisations::get(conn, id).ok());
            if !ledger.may_write(
                Kind::Organization,
                &remote,
                at.as_ref().map(|r| r.updated_at),
            ) {
                continue;
            }
            let written = match at {
                Some(rec) => {
                    // The Hub's own slug stays; a listed organisation stays listed.
                    org.slug = rec.value.slug.clone();
                    org.membership_status = rec.value.membership_status;
                    org.member_since = rec.value.member_since;
                    if org == rec.value {
                        continue;
                    }
                    ledger.report.updated += 1;
                    organisations::update(conn, ACTOR, rec.id, &org)?
                }
                _ => {
                    org.slug = free_slug(conn, &org.slug)?;
                    ledger.added("organisations");
                    organisations::insert(conn, ACTOR, &org)?
                }
            };
            store::record_import(
                conn,
                ledger.source,
                Kind::Organization,
                &remote,
                &written.id.to_string(),
                written.updated_at,
            )?;
            ledger.known.insert(
                (Kind::Organization, remote),
                store::Imported {
                    local_id: written.id.to_string(),
                    synced_at: written.updated_at,
                },
            );
        }
        // Locations, of organisations the import knows.
        for (remote, org_remote, loc) in parsed.locations {
            let Some(org) = ledger
                .local(Kind::Organization, &org_remote)
                .and_then(|id| OrganisationId::parse(id).ok())
            else {
                ledger.report.rejected.push(format!(
                    "location {remote}: its organization {org_remote} was not taken"
                ));
                continue;
            };
            let at = ledger
                .local(Kind::Location, &remote)
                .and_then(|id| LocationId::parse(id).ok())
                .and_then(|id| locations::get(conn, id).ok());
            if !ledger.may_write(Kind::Location, &remote, at.as_ref().map(|r| r.updated_at)) {
                continue;
            }
            let written = match at {
                Some(rec) => {
                    if rec.value == loc {
                        continue;
                    }
                    ledger.report.updated += 1;
                    locations::update(conn, ACTOR, rec.id, &loc)?
                }
                _ => {
                    ledger.added("locations");
                    locations::insert(conn, ACTOR, org, &loc)?
                }
            };
            store::record_import(
                conn,
                ledger.source,
                Kind::Location,
                &remote,
                &written.id.to_string(),
                written.updated_at,
            )?;
            ledger.known.insert(
                (Kind::Location, remote),
                store::Imported {
                    local_id: written.id.to_string(),
                    synced_at: written.updated_at,
                },
            );
        }
        // Services, at the locations the import took of their own organisation (read
        // once per organisation).
        let mut own_places: HashMap<OrganisationId, HashSet<LocationId>> = HashMap::new();
        for mut s in parsed.services {
            let Some(org) = ledger
                .local(Kind::Organization, &s.organisation)
                .and_then(|id| OrganisationId::parse(id).ok())
            else {
                ledger.report.rejected.push(format!(
                    "service {}: its organization {} was not taken",
                    s.id, s.organisation
                ));
                continue;
            };
            if let std::collections::hash_map::Entry::Vacant(slot) = own_places.entry(org) {
                slot.insert(
                    locations::of_organisations(conn, &[org])?
                        .remove(&org)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|l| l.id)
                        .collect(),
                );
            }
            let own = &own_places[&org];
            s.links.location_ids = s
                .locations
                .iter()
                .filter_map(|r| ledger.local(Kind::Location, r))
                .filter_map(|id| LocationId::parse(id).ok())
                .filter(|id| own.contains(id))
                .collect();
            let at = ledger
                .local(Kind::Service, &s.id)
                .and_then(|id| ServiceId::parse(id).ok())
                .and_then(|id| services::get(conn, id).ok());
            if !ledger.may_write(Kind::Service, &s.id, at.as_ref().map(|r| r.updated_at)) {
                continue;
            }
            let written = match at {
                Some(rec) => {
                    let links = services::links_of(conn, rec.id)?;
                    if rec.value == s.service && same_links(&links, &s.links) {
                        continue;
                    }
                    ledger.report.updated += 1;
                    services::update(conn, ACTOR, rec.id, &s.service, &s.links)?
                }
                _ => {
                    ledger.added("services");
                    services::insert(conn, ACTOR, org, &s.service, &s.links)?
                }
            };
            store::record_import(
                conn,
                ledger.source,
                Kind::Service,
                &s.id,
                &written.id.to_string(),
                written.updated_at,
            )?;
            ledger.known.insert(
                (Kind::Service, s.id),
                store::Imported {
                    local_id: written.id.to_string(),
                    synced_at: written.updated_at,
                },
            );
        }
        // What is gone from the source (the read was complete): services first, then
        // locations, then organisations — unless a member edited it here.
        let mut gone: Vec<(Kind, String, store::Imported)> = ledger
            .known
            .iter()
            .filter(|(key, _)| !parsed.present.contains(key))
            .map(|((k, r), i)| (*k, r.clone(), i.clone()))
            .collect();
        gone.sort_by_key(|(k, r, _)| (std::cmp::Reverse(*k), r.clone()));
        for (kind, remote, imported) in gone {
            let updated = changed_at(conn, kind, &imported.local_id);
            store::forget(conn, ledger.source, kind, &remote)?;
            // An organisation goes only when nothing else belongs to it: its gone
            // services and locations went first, and what members added (or kept)
            // under it would go with it.
            let bare = kind != Kind::Organization
                || OrganisationId::parse(&imported.local_id)
                    .ok()
                    .map(|id| organisations::is_bare(conn, id))
                    .transpose()?
                    .unwrap_or(true);
            match updated {
                // Removed here already.
                None => {}
                Some(at) if at > imported.synced_at || !bare => ledger.report.kept += 1,
                Some(_) => {
                    ledger.report.removed += 1;
                    remove(conn, kind, &imported.local_id)?;
                }
            }
        }
        let now = store::records(conn, source.id)?;
        let count = |kind: Kind| {
            i32::try_from(now.keys().filter(|(k, _)| *k == kind).count()).unwrap_or(i32::MAX)
        };
        ledger.report.counts = Counts {
            organisations: count(Kind::Organization),
            locations: count(Kind::Location),
            services: count(Kind::Service),
        };
        let rejected = i32::try_from(ledger.report.rejected.len()).unwrap_or(i32::MAX);
        store::record_success(
            conn,
            source.id,
            ledger.report.counts,
            rejected,
            &ledger.report.rejected,
        )?;
        Ok(ledger.report)
    })
}

impl FeedKind for HsdsSources {
    type Source = HsdsSource;
    type Parsed = Parsed;
    type Report = SyncReport;
    const WHAT: &'static str = "HSDS source";

    fn url(source: &HsdsSource) -> &str {
        &source.url
    }

    fn validators(_: &HsdsSource) -> Validators {
        // Many pages: no one validator stands for them all.
        Validators::default()
    }

    fn download(
        &self,
        hub: &Hub,
        source: &HsdsSource,
    ) -> impl std::future::Future<Output = std::result::Result<Fetched, String>> + Send {
        let (hub, base) = (hub.clone(), source.url.trim_end_matches('/').to_owned());
        async move {
            let mut budget = ReadBudget::new(hub.settings().hsds_max_bytes);
            let limit = hub.settings().hsds_read_timeout;
            let read = async {
                if super::package::is_package(&base) {
                    super::package::read(&hub, &base, &mut budget).await
                } else {
                    Ok((
                        read_list(&hub, &base, "organizations", &mut budget).await?,
                        read_list(&hub, &base, "services", &mut budget).await?,
                    ))
                }
            };
            // A read ends well inside its lease: a slow source is never read twice at
            // once by another replica that took over.
            let (organisations, services) = tokio::time::timeout(limit, read)
                .await
                .map_err(|_| {
                    format!(
                        "reading the source took longer than hsds.read_timeout_seconds ({} s); nothing was taken",
                        limit.as_secs()
                    )
                })??;
            // The pages, joined into one document for the parser.
            let joined =
                serde_json::json!({ "organizations": organisations, "services": services });
            Ok(Fetched::Body {
                bytes: joined.to_string().into_bytes(),
                content_type: Some("application/json".into()),
                validators: Validators::default(),
            })
        }
    }

    fn due(
        conn: &mut AnyConnection,
        now: chrono::DateTime<Utc>,
        limit: i64,
    ) -> std::result::Result<Vec<HsdsSource>, StorageError> {
        store::due_sources(conn, now, limit)
    }

    fn claim(
        conn: &mut AnyConnection,
        source: &HsdsSource,
        lease_until: chrono::DateTime<Utc>,
    ) -> std::result::Result<bool, StorageError> {
        store::claim_source(conn, source, lease_until)
    }

    fn parse(
        &self,
        _: &HsdsSource,
        body: &[u8],
        _: Option<&str>,
    ) -> std::result::Result<Parsed, String> {
        let doc: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
        let list = |key: &str| {
            doc.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        Ok(parse_records(&list("organizations"), &list("services")))
    }

    fn store(
        conn: &mut AnyConnection,
        source: &HsdsSource,
        parsed: Parsed,
        _: &Validators,
    ) -> std::result::Result<SyncReport, StorageError> {
        store_records(conn, source, parsed)
    }

    fn record_unchanged(
        conn: &mut AnyConnection,
        source: &HsdsSource,
    ) -> std::result::Result<(), StorageError> {
        let s = store::source(conn, source.id)?;
        store::record_success(conn, source.id, s.counts, s.rejected_count, &[])
    }

    fn record_failure(
        conn: &mut AnyConnection,
        source: &HsdsSource,
        error: &str,
    ) -> std::result::Result<(), StorageError> {
        store::record_failure(conn, source.id, error)
    }
}
