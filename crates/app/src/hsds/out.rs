//! HSDS 3.0 out: the records of the specification's read-only API built from the
//! Hub's public directory — the same records, translations and visibility rules as
//! the public GraphQL API (contacts' e-mail and phone only where they are public).
//!
//! Every list reads its page and the relations the detail asks for in one database
//! task, a fixed number of statements whatever the page size.

use std::collections::HashMap;

use chrono::{DateTime, SecondsFormat, Utc};
use netzwerk_domain::access::Actor;
use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::labels;
use netzwerk_domain::language::{self, LanguageCode, LanguagePreference};
use netzwerk_domain::location::Coordinates;
use netzwerk_domain::organisation::TargetGroup;
use netzwerk_domain::schedule::OpeningHours;
use netzwerk_domain::service::ServiceCategory;
use netzwerk_domain::text;
use netzwerk_domain::translation;
use netzwerk_storage::services::{AtLocation, ListedService, ServiceFilter};
use netzwerk_storage::translations::FieldTranslations;
use netzwerk_storage::{AnyConnection, contacts, locations, organisations, services, translations};
use serde_json::{Map, Value, json};

use super::{Place, VERSION, derived_id};
use crate::Hub;
use crate::directory::read::{ContactView, contact_view};
use crate::directory::{LocationRecord, OrganisationRecord};
use crate::error::Result;

/// How much of each record a list gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Services only: the id and when the service last changed.
    Minimal,
    /// The record's own (one-to-one) fields.
    Basic,
    /// Fully nested, as the record's own path gives it.
    Full,
}

/// A page asked for: its number (from 1) and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    /// The page number, from 1.
    pub page: i64,
    /// Records on a page.
    pub per_page: i64,
}

impl Listing {
    fn offset(self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    /// The HSDS page around `contents`, out of `total` records.
    pub fn wrap(self, total: i64, contents: Vec<Value>) -> Value {
        let total_pages = if total == 0 {
            0
        } else {
            (total + self.per_page - 1) / self.per_page
        };
        json!({
            "total_items": total,
            "total_pages": total_pages,
            "page_number": self.page,
            "size": contents.len(),
            "first_page": self.page == 1,
            "last_page": self.page >= total_pages,
            "empty": total == 0,
            "contents": contents,
        })
    }
}

/// What a list of services (or of services at locations) is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct ServiceQuery {
    /// Words that must all occur (the directory's search).
    pub search: Option<String>,
    /// Of this taxonomy term (a category or a target group).
    pub taxonomy_term_id: Option<String>,
    /// With any term of this taxonomy.
    pub taxonomy_id: Option<String>,
    /// Of this organisation.
    pub organization_id: Option<OrganisationId>,
    /// Changed after this instant.
    pub modified_after: Option<DateTime<Utc>>,
    /// At a location with this postcode, or — with `proximity_metres` — within that
    /// distance of the mean of the Hub's locations with it.
    pub postcode: Option<String>,
    /// See `postcode`.
    pub proximity_metres: Option<f64>,
}

/// What a list of taxonomy terms is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct TaxonomyTermQuery {
    /// Words in the code, name or description.
    pub search: Option<String>,
    /// Of this taxonomy.
    pub taxonomy_id: Option<String>,
    /// Top-level terms only (the Hub's taxonomies are flat: every term).
    pub top_only: bool,
    /// Children of this term (the Hub's taxonomies are flat: none).
    pub parent_id: Option<String>,
}

/// What every record is built with: the reader's languages and the directory's place.
#[derive(Debug, Clone)]
struct Ctx {
    prefs: LanguagePreference,
    place: Place,
    base: String,
}

impl Ctx {
    fn of(hub: &Hub, prefs: LanguagePreference) -> Self {
        Self {
            prefs,
            place: hub.settings().hsds.clone(),
            base: hub
                .settings()
                .meetings
                .public_url
                .trim_end_matches('/')
                .to_owned(),
        }
    }

    /// German unless the reader puts English before German.
    fn english(&self) -> bool {
        self.prefs
            .codes()
            .iter()
            .map(LanguageCode::as_str)
            .find(|c| *c == "de" || *c == "en")
            == Some("en")
    }
}

/// The translations of a page's records, read in one statement.
#[derive(Debug, Default)]
struct Texts(HashMap<String, FieldTranslations>);

impl Texts {
    fn load(
        conn: &mut AnyConnection,
        prefs: &LanguagePreference,
        ids: Vec<String>,
    ) -> Result<Self> {
        if prefs.is_empty() || ids.is_empty() {
            return Ok(Self::default());
        }
        Ok(Self(translations::load(conn, &ids)?))
    }

    /// `field` of the entity `id` in the reader's language, as GraphQL serves it.
    fn get(
        &self,
        ctx: &Ctx,
        id: &str,
        field: &str,
        original: &str,
        language: LanguageCode,
    ) -> String {
        let list = self
            .0
            .get(id)
            .and_then(|f| f.get(field))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        translation::choose(original, language, list, &ctx.prefs)
            .text
            .to_owned()
    }
}

/// Sets `key` when there is a value (HSDS leaves absent what is unknown; null is not
/// a string).
fn put(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.into());
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

// --- taxonomies ---------------------------------------------------------------------

/// The Hub's two taxonomies: the kinds of offer and who an offer is for. Both flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taxonomy {
    Categories,
    TargetGroups,
}

impl Taxonomy {
    const ALL: [Taxonomy; 2] = [Taxonomy::Categories, Taxonomy::TargetGroups];

    fn key(self) -> &'static str {
        match self {
            Taxonomy::Categories => "service_category",
            Taxonomy::TargetGroups => "target_group",
        }
    }

    fn id(self) -> String {
        derived_id(&["taxonomy", self.key()])
    }

    fn codes(self) -> Vec<&'static str> {
        match self {
            Taxonomy::Categories => ServiceCategory::ALL.iter().map(|c| c.as_str()).collect(),
            Taxonomy::TargetGroups => TargetGroup::ALL.iter().map(|g| g.as_str()).collect(),
        }
    }

    fn by_id(id: &str) -> Option<Taxonomy> {
        Taxonomy::ALL.into_iter().find(|t| t.id() == id.trim())
    }

    fn name(self, english: bool) -> &'static str {
        match (self, english) {
            (Taxonomy::Categories, false) => "Angebotsarten im Netzwerk",
            (Taxonomy::Categories, true) => "Kinds of offer in the network",
            (Taxonomy::TargetGroups, false) => "Zielgruppen",
            (Taxonomy::TargetGroups, true) => "Target groups",
        }
    }

    fn json(self, ctx: &Ctx) -> Value {
        let english = ctx.english();
        let description = match (self, english) {
            (Taxonomy::Categories, false) => {
                "Die Art eines Angebots im Netzwerk: Beratung, Sprachkurs, Jugendarbeit …"
            }
            (Taxonomy::Categories, true) => {
                "The kind of an offer in the network: counselling, language course, youth work …"
            }
            (Taxonomy::TargetGroups, false) => "Für wen ein Angebot gedacht ist.",
            (Taxonomy::TargetGroups, true) => "Who an offer is meant for.",
        };
        json!({
            "id": self.id(),
            "name": self.name(english),
            "description": description,
            "uri": format!("{}/hsds/taxonomies/{}", ctx.base, self.id()),
            "version": "1",
        })
    }

    fn term_id(self, code: &str) -> String {
        derived_id(&["taxonomy_term", self.key(), code])
    }

    fn term(self, ctx: &Ctx, code: &str) -> Value {
        let english = ctx.english();
        let (name, kind) = if english {
            (
                labels::english(code),
                match self {
                    Taxonomy::Categories => "Kind of offer",
                    Taxonomy::TargetGroups => "Target group",
                },
            )
        } else {
            (
                labels::german(code),
                match self {
                    Taxonomy::Categories => "Angebotsart",
                    Taxonomy::TargetGroups => "Zielgruppe",
                },
            )
        };
        json!({
            "id": self.term_id(code),
            "code": code,
            "name": name,
            "description": format!("{kind}: {name}"),
            "taxonomy": self.name(english),
            "taxonomy_id": self.id(),
            "taxonomy_detail": self.json(ctx),
            "language": if english { "en" } else { "de" },
            "term_uri": format!("{}/hsds/taxonomy_terms/{}", ctx.base, self.term_id(code)),
        })
    }

    /// The term with this id, in whichever taxonomy has it.
    fn find_term(id: &str) -> Option<(Taxonomy, &'static str)> {
        let id = id.trim();
        Taxonomy::ALL
            .into_iter()
            .flat_map(|t| t.codes().into_iter().map(move |c| (t, c)))
            .find(|(t, c)| t.term_id(c) == id)
    }

    /// The attribute linking a service to its term.
    fn attribute(self, ctx: &Ctx, service: &str, code: &str) -> Value {
        json!({
            "id": derived_id(&["attribute", service, self.key(), code]),
            "link_id": service,
            "link_type": self.key(),
            "link_entity": "service",
            "taxonomy_term_id": self.term_id(code),
            "taxonomy_term": self.term(ctx, code),
        })
    }
}

fn matches(search: Option<&str>, fields: &[&str]) -> bool {
    let Some(search) = search else {
        return true;
    };
    let haystack = text::fold(&fields.join(" "));
    text::search_terms(search)
        .iter()
        .all(|t| haystack.contains(t.as_str()))
}

/// `GET /hsds/taxonomies`: the Hub's taxonomies whose name or description matches.
pub fn taxonomies(hub: &Hub, prefs: LanguagePreference, search: Option<&str>) -> Vec<Value> {
    let ctx = Ctx::of(hub, prefs);
    Taxonomy::ALL
        .into_iter()
        .map(|t| t.json(&ctx))
        .filter(|v| {
            matches(
                search,
                &[
                    v["name"].as_str().unwrap_or_default(),
                    v["description"].as_str().unwrap_or_default(),
                ],
            )
        })
        .collect()
}

/// `GET /hsds/taxonomies/{id}`.
pub fn taxonomy(hub: &Hub, prefs: LanguagePreference, id: &str) -> Option<Value> {
    Taxonomy::by_id(id).map(|t| t.json(&Ctx::of(hub, prefs)))
}

/// `GET /hsds/taxonomy_terms`: the terms of the Hub's taxonomies.
pub fn taxonomy_terms(hub: &Hub, prefs: LanguagePreference, q: &TaxonomyTermQuery) -> Vec<Value> {
    let ctx = Ctx::of(hub, prefs);
    if q.parent_id.is_some() {
        // Flat taxonomies: no term has children.
        return Vec::new();
    }
    let wanted = match &q.taxonomy_id {
        Some(id) => match Taxonomy::by_id(id) {
            Some(t) => vec![t],
            None => return Vec::new(),
        },
        None => Taxonomy::ALL.to_vec(),
    };
    wanted
        .into_iter()
        .flat_map(|t| t.codes().into_iter().map(move |c| (t, c)))
        .map(|(t, c)| t.term(&ctx, c))
        .filter(|v| {
            matches(
                q.search.as_deref(),
                &[
                    v["code"].as_str().unwrap_or_default(),
                    v["name"].as_str().unwrap_or_default(),
                    v["description"].as_str().unwrap_or_default(),
                ],
            )
        })
        .collect()
}

/// `GET /hsds/taxonomy_terms/{id}`.
pub fn taxonomy_term(hub: &Hub, prefs: LanguagePreference, id: &str) -> Option<Value> {
    Taxonomy::find_term(id).map(|(t, c)| t.term(&Ctx::of(hub, prefs), c))
}

/// `GET /hsds/`: what this API is.
pub fn api_meta(hub: &Hub) -> Value {
    let base = hub.settings().meetings.public_url.trim_end_matches('/');
    json!({
        "version": VERSION,
        "profile": "https://docs.openreferral.org/en/3.0/",
        "openapi_url": format!("{base}/hsds/openapi.json"),
    })
}

/// The specification's OpenAPI description (Open Referral, CC BY-SA 4.0; the file
/// and its licence are in `tests/fixtures/hsds/`), with this Hub as its server.
const OPENAPI: &str = include_str!("../../../../tests/fixtures/hsds/openapi.json");

/// `GET /hsds/openapi.json`: the OpenAPI description this API implements, its `info`
/// and `servers` filled in for this Hub.
pub fn openapi(hub: &Hub) -> Value {
    let base = hub.settings().meetings.public_url.trim_end_matches('/');
    let mut doc: Value = serde_json::from_str(OPENAPI).unwrap_or_else(|_| json!({}));
    doc["info"] = json!({
        "title": "Netzwerk Hub: HSDS 3.0",
        "version": VERSION,
        "summary": "The network's directory of organisations and their offers as HSDS 3.0.",
        "description": "Read-only. Public data only. Based on the OpenAPI description of the \
            Human Services Data Specification by Open Referral, licensed CC BY-SA 4.0.",
        "license": {
            "name": "CC BY-SA 4.0 (this description, after Open Referral)",
            "url": "https://creativecommons.org/licenses/by-sa/4.0/",
        },
    });
    doc["servers"] = json!([{ "url": format!("{base}/hsds") }]);
    doc
}

// --- locations ----------------------------------------------------------------------

fn location(ctx: &Ctx, texts: &Texts, l: &LocationRecord) -> Value {
    let id = l.id.to_string();
    let v = &l.value;
    let lang = v.content_language;
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("location_type".into(), json!("physical"));
    m.insert(
        "organization_id".into(),
        json!(l.organisation_id.to_string()),
    );
    m.insert("name".into(), json!(v.name));
    put(
        &mut m,
        "transportation",
        v.transport_hint
            .as_deref()
            .map(|t| texts.get(ctx, &id, "transportHint", t, lang)),
    );
    if let Some(c) = v.coordinates {
        m.insert("latitude".into(), json!(c.latitude));
        m.insert("longitude".into(), json!(c.longitude));
    }
    let addresses: Vec<Value> = v
        .address
        .iter()
        .map(|street| {
            let mut a = Map::new();
            a.insert("id".into(), json!(derived_id(&["address", &id])));
            a.insert("location_id".into(), json!(id));
            a.insert("address_1".into(), json!(street));
            a.insert("city".into(), json!(ctx.place.city));
            put(&mut a, "region", v.locality.clone());
            a.insert("state_province".into(), json!(ctx.place.state_province));
            a.insert(
                "postal_code".into(),
                json!(v.postcode.clone().unwrap_or_default()),
            );
            a.insert("country".into(), json!(ctx.place.country));
            a.insert("address_type".into(), json!("physical"));
            Value::Object(a)
        })
        .collect();
    m.insert("addresses".into(), json!(addresses));
    let mut accessibility = Vec::new();
    if v.wheelchair_accessible.is_some() || v.accessibility_note.is_some() {
        let mut a = Map::new();
        a.insert("id".into(), json!(derived_id(&["accessibility", &id])));
        a.insert("location_id".into(), json!(id));
        put(
            &mut a,
            "description",
            v.accessibility_note
                .as_deref()
                .map(|n| texts.get(ctx, &id, "accessibilityNote", n, lang)),
        );
        put(
            &mut a,
            "details",
            v.wheelchair_accessible.map(wheelchair_details),
        );
        accessibility.push(Value::Object(a));
    }
    m.insert("accessibility".into(), json!(accessibility));
    Value::Object(m)
}

/// How a location's wheelchair access is written in HSDS `accessibility.details`
/// (and read back from it).
pub(crate) const WHEELCHAIR_YES: &str = "wheelchair accessible";
/// See [`WHEELCHAIR_YES`].
pub(crate) const WHEELCHAIR_NO: &str = "not wheelchair accessible";

fn wheelchair_details(accessible: bool) -> &'static str {
    if accessible {
        WHEELCHAIR_YES
    } else {
        WHEELCHAIR_NO
    }
}

// --- organisations ------------------------------------------------------------------

fn organization_basic(ctx: &Ctx, texts: &Texts, o: &OrganisationRecord) -> Map<String, Value> {
    let id = o.id.to_string();
    let v = &o.value;
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert("name".into(), json!(v.name));
    put(&mut m, "alternate_name", v.alternate_name.clone());
    m.insert(
        "description".into(),
        json!(
            v.description
                .as_deref()
                .map(|d| texts.get(ctx, &id, "description", d, v.content_language))
                .unwrap_or_default()
        ),
    );
    put(&mut m, "email", v.email.as_ref().map(ToString::to_string));
    put(&mut m, "website", v.website.clone());
    m.insert("legal_status".into(), json!(v.legal_status.as_str()));
    put(&mut m, "logo", v.logo_url.clone());
    m
}

/// An organisation with its phone, identifiers, contacts and locations; `services`
/// as given.
fn organization_full(
    ctx: &Ctx,
    texts: &Texts,
    o: &OrganisationRecord,
    places: &[LocationRecord],
    people: &[ContactView],
    services: Vec<Value>,
) -> Value {
    let id = o.id.to_string();
    let mut m = organization_basic(ctx, texts, o);
    let phones: Vec<Value> = o
        .value
        .phone
        .iter()
        .map(|n| {
            json!({
                "id": derived_id(&["phone", &id]),
                "organization_id": id,
                "number": n,
            })
        })
        .collect();
    m.insert("phones".into(), json!(phones));
    let identifiers: Vec<Value> = o
        .value
        .identifiers
        .iter()
        .enumerate()
        .map(|(i, x)| {
            json!({
                "id": derived_id(&["organization_identifier", &id, &i.to_string()]),
                "organization_id": id,
                "identifier_scheme": x.scheme,
                "identifier_type": x.scheme,
                "identifier": x.value,
            })
        })
        .collect();
    m.insert("organization_identifiers".into(), json!(identifiers));
    let contacts: Vec<Value> = people.iter().map(|c| contact(ctx, texts, c)).collect();
    m.insert("contacts".into(), json!(contacts));
    let locations: Vec<Value> = places.iter().map(|l| location(ctx, texts, l)).collect();
    m.insert("locations".into(), json!(locations));
    m.insert("services".into(), json!(services));
    Value::Object(m)
}

/// A contact person as the public sees them: name and role always, e-mail and phone
/// only where they are public.
fn contact(ctx: &Ctx, texts: &Texts, c: &ContactView) -> Value {
    let id = c.record.id.to_string();
    let v = &c.record.value;
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert(
        "organization_id".into(),
        json!(c.record.organisation_id.to_string()),
    );
    m.insert("name".into(), json!(v.name));
    put(
        &mut m,
        "title",
        v.role
            .as_deref()
            .map(|r| texts.get(ctx, &id, "role", r, v.content_language)),
    );
    put(&mut m, "email", v.email.as_ref().map(ToString::to_string));
    let phones: Vec<Value> = v
        .phone
        .iter()
        .map(|n| json!({ "id": derived_id(&["phone", &id]), "contact_id": id, "number": n }))
        .collect();
    m.insert("phones".into(), json!(phones));
    Value::Object(m)
}

/// The relations of a page of organisations, read together.
struct OrgRelations {
    places: HashMap<OrganisationId, Vec<LocationRecord>>,
    people: HashMap<OrganisationId, Vec<ContactView>>,
    offers: HashMap<OrganisationId, Vec<ListedService>>,
    service_places: HashMap<LocationId, LocationRecord>,
    texts: Texts,
}

impl OrgRelations {
    fn load(
        conn: &mut AnyConnection,
        ctx: &Ctx,
        orgs: &[OrganisationRecord],
        full: bool,
    ) -> Result<Self> {
        let ids: Vec<OrganisationId> = orgs.iter().map(|o| o.id).collect();
        let mut entity_ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let (places, people, offers) = if full && !ids.is_empty() {
            let places = locations::of_organisations(conn, &ids)?;
            let people: HashMap<OrganisationId, Vec<ContactView>> =
                contacts::of_organisations(conn, &ids)?
                    .into_iter()
                    .map(|(o, list)| {
                        let seen = list
                            .into_iter()
                            .map(|c| contact_view(Actor::Anonymous, c))
                            .collect();
                        (o, seen)
                    })
                    .collect();
            let offers = services::of_organisations(conn, &ids)?;
            (places, people, offers)
        } else {
            Default::default()
        };
        entity_ids.extend(places.values().flatten().map(|l| l.id.to_string()));
        entity_ids.extend(people.values().flatten().map(|c| c.record.id.to_string()));
        entity_ids.extend(offers.values().flatten().map(|s| s.record.id.to_string()));
        let service_places = places
            .values()
            .flatten()
            .map(|l| (l.id, l.clone()))
            .collect();
        Ok(Self {
            texts: Texts::load(conn, &ctx.prefs, entity_ids)?,
            places,
            people,
            offers,
            service_places,
        })
    }

    fn organization(
        &self,
        ctx: &Ctx,
        o: &OrganisationRecord,
        orgs: &HashMap<OrganisationId, &OrganisationRecord>,
        full_service: bool,
    ) -> Value {
        let services: Vec<Value> = self
            .offers
            .get(&o.id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|s| {
                if full_service {
                    service_full(ctx, &self.texts, s, orgs, &self.service_places)
                } else {
                    Value::Object(service_basic(ctx, &self.texts, s))
                }
            })
            .collect();
        organization_full(
            ctx,
            &self.texts,
            o,
            self.places.get(&o.id).map(Vec::as_slice).unwrap_or(&[]),
            self.people.get(&o.id).map(Vec::as_slice).unwrap_or(&[]),
            services,
        )
    }
}

/// `GET /hsds/organizations`: a page of organisations by name, their own fields or
/// (`full`) fully nested, with full services (`full_service`).
pub async fn organizations(
    hub: &Hub,
    prefs: LanguagePreference,
    search: Option<String>,
    full: bool,
    full_service: bool,
    listing: Listing,
) -> Result<Value> {
    let ctx = Ctx::of(hub, prefs);
    hub.read(move |c| {
        let filter = organisations::OrganisationFilter {
            text: search,
            ..Default::default()
        };
        let page = organisations::list(c, &filter, listing.offset(), listing.per_page)?;
        let nested = full || full_service;
        let rel = OrgRelations::load(c, &ctx, &page.items, nested)?;
        let by_id: HashMap<OrganisationId, &OrganisationRecord> =
            page.items.iter().map(|o| (o.id, o)).collect();
        let contents = page
            .items
            .iter()
            .map(|o| {
                if nested {
                    rel.organization(&ctx, o, &by_id, full_service)
                } else {
                    Value::Object(organization_basic(&ctx, &rel.texts, o))
                }
            })
            .collect();
        Ok(listing.wrap(page.total, contents))
    })
    .await
}

/// `GET /hsds/organizations/{id}`: fully nested, with its services' own fields or
/// (`full_service`) full services; `None`: no such organisation.
pub async fn organization(
    hub: &Hub,
    prefs: LanguagePreference,
    id: &str,
    full_service: bool,
) -> Result<Option<Value>> {
    let Ok(id) = OrganisationId::parse(id) else {
        return Ok(None);
    };
    let ctx = Ctx::of(hub, prefs);
    hub.read(move |c| {
        let found = organisations::get_many(c, &[id])?;
        let Some(o) = found.first() else {
            return Ok(None);
        };
        let rel = OrgRelations::load(c, &ctx, &found, true)?;
        let by_id = HashMap::from([(o.id, o)]);
        Ok(Some(rel.organization(&ctx, o, &by_id, full_service)))
    })
    .await
}

// --- services -----------------------------------------------------------------------

fn service_basic(ctx: &Ctx, texts: &Texts, s: &ListedService) -> Map<String, Value> {
    let r = &s.record;
    let id = r.id.to_string();
    let v = &r.value;
    let lang = v.content_language;
    let tr = |field: &str, original: &Option<String>| {
        original
            .as_deref()
            .map(|o| texts.get(ctx, &id, field, o, lang))
    };
    let mut m = Map::new();
    m.insert("id".into(), json!(id));
    m.insert(
        "organization_id".into(),
        json!(r.organisation_id.to_string()),
    );
    m.insert(
        "name".into(),
        json!(texts.get(ctx, &id, "name", &v.name, lang)),
    );
    put(&mut m, "description", tr("description", &v.description));
    m.insert("status".into(), json!("active"));
    put(&mut m, "fees_description", tr("feeNote", &v.fee_note));
    put(
        &mut m,
        "eligibility_description",
        tr("eligibility", &v.eligibility),
    );
    put(
        &mut m,
        "application_process",
        tr("applicationProcess", &v.application_process),
    );
    m.insert("last_modified".into(), json!(time(r.updated_at)));
    m
}

fn service_minimal(s: &ListedService) -> Value {
    // The parameter's description names `modified_date`, the service schema
    // `last_modified`: both carry the same instant.
    let at = time(s.record.updated_at);
    json!({ "id": s.record.id.to_string(), "modified_date": at, "last_modified": at })
}

fn schedule(service: &str, i: usize, h: &OpeningHours, zone: &str) -> Value {
    json!({
        "id": derived_id(&["schedule", service, &i.to_string()]),
        "service_id": service,
        "freq": "WEEKLY",
        "wkst": "MO",
        "byday": h.weekday.ical(),
        "opens_at": h.opens.to_string(),
        "closes_at": h.closes.to_string(),
        "notes": format!("Local time ({zone})"),
    })
}

/// A service with its languages, hours, costs, taxonomy terms, locations and
/// organisation (when among `orgs`).
fn service_full(
    ctx: &Ctx,
    texts: &Texts,
    s: &ListedService,
    orgs: &HashMap<OrganisationId, &OrganisationRecord>,
    places: &HashMap<LocationId, LocationRecord>,
) -> Value {
    let mut m = service_basic(ctx, texts, s);
    let id = s.record.id.to_string();
    let v = &s.record.value;
    let languages: Vec<Value> = s
        .links
        .languages
        .iter()
        .map(|l| {
            let mut x = Map::new();
            x.insert(
                "id".into(),
                json!(derived_id(&["language", &id, l.as_str()])),
            );
            x.insert("service_id".into(), json!(id));
            put(&mut x, "name", language::english_name(l.as_str()));
            x.insert("code".into(), json!(l.as_str()));
            Value::Object(x)
        })
        .collect();
    m.insert("languages".into(), json!(languages));
    let zone = s.links.schedule.timezone.to_string();
    let schedules: Vec<Value> = s
        .links
        .schedule
        .opening_hours
        .iter()
        .enumerate()
        .map(|(i, h)| schedule(&id, i, h, &zone))
        .collect();
    m.insert("schedules".into(), json!(schedules));
    let costs: Vec<Value> = if v.free {
        vec![json!({
            "id": derived_id(&["cost_option", &id]),
            "service_id": id,
            "option": FREE_OPTION,
            "amount": 0,
            "currency": "EUR",
        })]
    } else {
        Vec::new()
    };
    m.insert("cost_options".into(), json!(costs));
    let mut attributes = vec![Taxonomy::Categories.attribute(ctx, &id, v.category.as_str())];
    attributes.extend(
        s.links
            .target_groups
            .iter()
            .map(|g| Taxonomy::TargetGroups.attribute(ctx, &id, g.as_str())),
    );
    attributes.push(json!({
        "id": derived_id(&["attribute", &id, APPOINTMENT_ATTRIBUTE]),
        "link_id": id,
        "link_type": APPOINTMENT_ATTRIBUTE,
        "link_entity": "service",
        "value": if v.appointment_required { "true" } else { "false" },
    }));
    m.insert("attributes".into(), json!(attributes));
    let at: Vec<Value> = s
        .links
        .location_ids
        .iter()
        .filter_map(|l| places.get(l))
        .map(|l| {
            let mut x = at_location_basic(&id, l.id);
            x.insert("location".into(), location(ctx, texts, l));
            Value::Object(x)
        })
        .collect();
    m.insert("service_at_locations".into(), json!(at));
    if let Some(o) = orgs.get(&s.record.organisation_id) {
        m.insert(
            "organization".into(),
            Value::Object(organization_basic(ctx, texts, o)),
        );
    }
    m.insert("contacts".into(), json!([]));
    m.insert("phones".into(), json!([]));
    Value::Object(m)
}

/// The `option` of the cost option of a free service.
pub(crate) const FREE_OPTION: &str = "free of charge";
/// The `link_type` of the attribute saying whether an appointment is needed.
pub(crate) const APPOINTMENT_ATTRIBUTE: &str = "appointment_required";

/// The organisations and locations of a page of services, and the translations of
/// all of them, read together.
struct ServiceRelations {
    orgs: Vec<OrganisationRecord>,
    places: HashMap<LocationId, LocationRecord>,
    texts: Texts,
}

impl ServiceRelations {
    fn load(
        conn: &mut AnyConnection,
        ctx: &Ctx,
        offers: &[&ListedService],
        full: bool,
    ) -> Result<Self> {
        let mut entity_ids: Vec<String> = offers.iter().map(|s| s.record.id.to_string()).collect();
        let (orgs, places) = if full && !offers.is_empty() {
            let mut org_ids: Vec<OrganisationId> =
                offers.iter().map(|s| s.record.organisation_id).collect();
            org_ids.sort();
            org_ids.dedup();
            let mut place_ids: Vec<LocationId> = offers
                .iter()
                .flat_map(|s| s.links.location_ids.iter().copied())
                .collect();
            place_ids.sort();
            place_ids.dedup();
            let orgs = organisations::get_many(conn, &org_ids)?;
            let places: HashMap<LocationId, LocationRecord> =
                locations::get_many(conn, &place_ids)?
                    .into_iter()
                    .map(|l| (l.id, l))
                    .collect();
            (orgs, places)
        } else {
            Default::default()
        };
        entity_ids.extend(orgs.iter().map(|o| o.id.to_string()));
        entity_ids.extend(places.keys().map(ToString::to_string));
        Ok(Self {
            texts: Texts::load(conn, &ctx.prefs, entity_ids)?,
            orgs,
            places,
        })
    }

    fn orgs(&self) -> HashMap<OrganisationId, &OrganisationRecord> {
        self.orgs.iter().map(|o| (o.id, o)).collect()
    }
}

/// The directory's filter for a service query; `None`: a taxonomy or term the Hub
/// does not have, so nothing matches.
fn service_filter(q: &ServiceQuery) -> Option<ServiceFilter> {
    let mut f = ServiceFilter {
        text: q.search.clone(),
        organisation: q.organization_id,
        // HSDS: "on or after"; the directory's filter is strictly after.
        modified_after: q
            .modified_after
            .map(|t| (t - chrono::Duration::microseconds(1)).naive_utc()),
        ..Default::default()
    };
    if let Some(term) = &q.taxonomy_term_id {
        match Taxonomy::find_term(term)? {
            (Taxonomy::Categories, code) => f.category = ServiceCategory::parse(code).ok(),
            (Taxonomy::TargetGroups, code) => f.target_group = TargetGroup::parse(code).ok(),
        }
    }
    if let Some(t) = &q.taxonomy_id {
        // Every service has a category; not every one has a target group.
        f.any_target_group = Taxonomy::by_id(t)? == Taxonomy::TargetGroups;
    }
    Some(f)
}

/// `GET /hsds/services`: a page of services by name.
pub async fn services(
    hub: &Hub,
    prefs: LanguagePreference,
    q: ServiceQuery,
    detail: Detail,
    listing: Listing,
) -> Result<Value> {
    let ctx = Ctx::of(hub, prefs);
    let Some(filter) = service_filter(&q) else {
        return Ok(listing.wrap(0, Vec::new()));
    };
    hub.read(move |c| {
        let page = services::list(c, &filter, listing.offset(), listing.per_page)?;
        if detail == Detail::Minimal {
            let contents = page.items.iter().map(service_minimal).collect();
            return Ok(listing.wrap(page.total, contents));
        }
        let offers: Vec<&ListedService> = page.items.iter().collect();
        let rel = ServiceRelations::load(c, &ctx, &offers, detail == Detail::Full)?;
        let orgs = rel.orgs();
        let contents = page
            .items
            .iter()
            .map(|s| match detail {
                Detail::Full => service_full(&ctx, &rel.texts, s, &orgs, &rel.places),
                _ => Value::Object(service_basic(&ctx, &rel.texts, s)),
            })
            .collect();
        Ok(listing.wrap(page.total, contents))
    })
    .await
}

/// One service as a list would show it (the single reads share the list's builders).
fn listed(conn: &mut AnyConnection, id: ServiceId) -> Result<Option<ListedService>> {
    let record = match services::get(conn, id) {
        Ok(r) => r,
        Err(netzwerk_storage::StorageError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let links = services::links_of(conn, id)?;
    let Some(schedule) = services::hours_of(conn, &[id])?.remove(&id) else {
        return Ok(None);
    };
    Ok(Some(ListedService {
        record,
        links: services::ShownLinks {
            languages: links.languages,
            target_groups: links.target_groups,
            schedule,
            location_ids: links.location_ids,
        },
    }))
}

/// `GET /hsds/services/{id}`: fully nested; `None`: no such service.
pub async fn service(hub: &Hub, prefs: LanguagePreference, id: &str) -> Result<Option<Value>> {
    let Ok(id) = ServiceId::parse(id) else {
        return Ok(None);
    };
    let ctx = Ctx::of(hub, prefs);
    hub.read(move |c| {
        let Some(s) = listed(c, id)? else {
            return Ok(None);
        };
        let rel = ServiceRelations::load(c, &ctx, &[&s], true)?;
        Ok(Some(service_full(
            &ctx,
            &rel.texts,
            &s,
            &rel.orgs(),
            &rel.places,
        )))
    })
    .await
}

// --- services at locations ----------------------------------------------------------

fn at_location_id(service: &str, location: LocationId) -> String {
    derived_id(&["service_at_location", service, &location.to_string()])
}

fn at_location_basic(service: &str, location: LocationId) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(at_location_id(service, location)));
    m.insert("service_id".into(), json!(service));
    m.insert("location_id".into(), json!(location.to_string()));
    m
}

/// A service at one of its locations, fully nested: the location, the service and —
/// because the OpenAPI description gives the service schema for this path — the
/// service's name and status beside them.
fn at_location_full(
    ctx: &Ctx,
    rel: &ServiceRelations,
    s: &ListedService,
    place: &LocationRecord,
) -> Value {
    let id = s.record.id.to_string();
    let mut m = at_location_basic(&id, place.id);
    let full = service_full(ctx, &rel.texts, s, &rel.orgs(), &rel.places);
    m.insert("name".into(), full["name"].clone());
    m.insert("status".into(), full["status"].clone());
    put(&mut m, "description", full.get("description").cloned());
    m.insert("schedules".into(), full["schedules"].clone());
    m.insert("location".into(), location(ctx, &rel.texts, place));
    m.insert("service".into(), full);
    Value::Object(m)
}

/// The locations near a postcode: at it, or within `proximity` metres of the mean of
/// the Hub's locations at it. `None`: no narrowing asked for.
fn near(
    conn: &mut AnyConnection,
    postcode: Option<&str>,
    proximity: Option<f64>,
) -> Result<Option<Vec<LocationId>>> {
    let Some(postcode) = postcode else {
        return Ok(None);
    };
    let at = locations::with_postcode(conn, postcode)?;
    let Some(metres) = proximity else {
        return Ok(Some(at.into_iter().map(|(id, _)| id).collect()));
    };
    let points: Vec<Coordinates> = at.iter().filter_map(|(_, c)| *c).collect();
    let Some(centre) = Coordinates::mean(&points) else {
        return Ok(Some(Vec::new()));
    };
    let (south_west, north_east) = centre.box_around(metres);
    let inside = locations::in_box(conn, south_west, north_east)?;
    Ok(Some(
        inside
            .into_iter()
            .filter(|(_, c)| c.is_some_and(|c| c.distance_metres(centre) <= metres))
            .map(|(id, _)| id)
            .collect(),
    ))
}

/// `GET /hsds/service_at_locations`: a page of services at their locations.
pub async fn service_at_locations(
    hub: &Hub,
    prefs: LanguagePreference,
    q: ServiceQuery,
    full: bool,
    listing: Listing,
) -> Result<Value> {
    let ctx = Ctx::of(hub, prefs);
    let Some(filter) = service_filter(&q) else {
        return Ok(listing.wrap(0, Vec::new()));
    };
    hub.read(move |c| {
        let places = near(c, q.postcode.as_deref(), q.proximity_metres)?;
        let page = services::at_locations(
            c,
            &filter,
            places.as_deref(),
            listing.offset(),
            listing.per_page,
        )?;
        let contents = if full {
            at_locations_full(c, &ctx, &page.items)?
        } else {
            page.items
                .iter()
                .map(|p| Value::Object(at_location_basic(&p.service.to_string(), p.location)))
                .collect()
        };
        Ok(listing.wrap(page.total, contents))
    })
    .await
}

fn at_locations_full(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    pairs: &[AtLocation],
) -> Result<Vec<Value>> {
    let mut ids: Vec<ServiceId> = pairs.iter().map(|p| p.service).collect();
    ids.sort();
    ids.dedup();
    let mut offers: HashMap<ServiceId, ListedService> = HashMap::new();
    for id in ids {
        // A page holds at most `per_page` pairs; the services are few.
        if let Some(s) = listed(conn, id)? {
            offers.insert(id, s);
        }
    }
    let list: Vec<&ListedService> = offers.values().collect();
    let rel = ServiceRelations::load(conn, ctx, &list, true)?;
    Ok(pairs
        .iter()
        .filter_map(|p| {
            let s = offers.get(&p.service)?;
            let place = rel.places.get(&p.location)?;
            Some(at_location_full(ctx, &rel, s, place))
        })
        .collect())
}

/// `GET /hsds/service_at_locations/{id}`: fully nested; `None`: no such pair.
pub async fn service_at_location(
    hub: &Hub,
    prefs: LanguagePreference,
    id: &str,
) -> Result<Option<Value>> {
    let wanted = id.trim().to_ascii_lowercase();
    if uuid::Uuid::parse_str(&wanted).is_err() {
        return Ok(None);
    }
    let ctx = Ctx::of(hub, prefs);
    hub.read(move |c| {
        let pairs = services::all_at_locations(c)?;
        let Some(pair) = pairs
            .into_iter()
            .find(|p| at_location_id(&p.service.to_string(), p.location) == wanted)
        else {
            return Ok(None);
        };
        Ok(at_locations_full(c, &ctx, &[pair])?.into_iter().next())
    })
    .await
}
