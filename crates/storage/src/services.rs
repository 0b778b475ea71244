//! Services (offers): rows, their links (languages, target groups, locations, hours),
//! and the directory's main list filter.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::sql_types::Bool;
use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::location::{DEFAULT_TIMEZONE, Timezone};
use netzwerk_domain::organisation::TargetGroup;
use netzwerk_domain::record::Record;
use netzwerk_domain::schedule::{OpeningHours, ScheduleException, TimeOfDay, Weekday};
use netzwerk_domain::service::{Service, ServiceCategory, ServiceLinks};
use netzwerk_domain::translation::Translation;
use netzwerk_domain::{ValidationError, text};

use crate::change_log::{self, Action, EntityKind};
use crate::db::{MultiBackend, insert_all, load_direct};
use crate::error::stored;
use crate::fragments::{
    FacetsContain, HoursOfService, LocationIdsOfService, WindowTotal, filter_ids,
};
use crate::schema::{
    change_log as log, locations, opening_hours, organisations, schedule_exceptions,
    search_postings, service_languages, service_locations, service_target_groups, services,
};
use crate::search::{self, Lookup};
use crate::{AnyConnection, Page, Result, StorageError};

/// A service as read back (its own fields; links are loaded separately).
pub type ServiceRecord = Record<ServiceId, Service>;

/// A service's own fields as stored, without the folded search text: read by every
/// read of a service, written by every write.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = services, treat_none_as_null = true)]
struct ServiceFields {
    id: String,
    organisation_id: String,
    name: String,
    description: Option<String>,
    content_language: String,
    category: String,
    free: bool,
    fee_note: Option<String>,
    appointment_required: bool,
    eligibility: Option<String>,
    application_process: Option<String>,
    timezone: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    facets: String,
}

/// A service's row as written: its fields and the folded search text.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = services)]
struct ServiceRow {
    #[diesel(embed)]
    fields: ServiceFields,
    search_text: String,
}

impl ServiceRow {
    /// The row of a service's own fields; the derived columns (time zone, search
    /// text, facets) start empty or at their defaults.
    fn new(
        id: &str,
        organisation_id: &str,
        s: &Service,
        created_at: NaiveDateTime,
        updated_at: NaiveDateTime,
    ) -> Self {
        Self {
            fields: ServiceFields {
                id: id.to_owned(),
                organisation_id: organisation_id.to_owned(),
                name: s.name.clone(),
                description: s.description.clone(),
                content_language: s.content_language.as_str().to_owned(),
                category: s.category.as_str().to_owned(),
                free: s.free,
                fee_note: s.fee_note.clone(),
                appointment_required: s.appointment_required,
                eligibility: s.eligibility.clone(),
                application_process: s.application_process.clone(),
                timezone: DEFAULT_TIMEZONE.to_owned(),
                created_at,
                updated_at,
                facets: String::new(),
            },
            search_text: String::new(),
        }
    }
}

/// A service as lists select it: its own fields and, from the same statement, its
/// weekly hours and location ids, aggregated from their link tables.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = services)]
struct ReadRow {
    #[diesel(embed)]
    own: ServiceFields,
    #[diesel(select_expression = HoursOfService, select_expression_type = HoursOfService)]
    hours: Option<String>,
    #[diesel(
        select_expression = LocationIdsOfService,
        select_expression_type = LocationIdsOfService
    )]
    location_ids: Option<String>,
}

/// A service with the links that lists show, read in the same statement.
#[derive(Debug, Clone)]
pub struct ListedService {
    /// The service's own fields.
    pub record: ServiceRecord,
    /// Its languages, target groups, weekly hours and location ids.
    pub links: ShownLinks,
}

/// The links of a service read together with it: languages and target groups (from
/// its facets, in byte order), weekly hours with their time zone, and the ids of its
/// locations in link order. Schedule exceptions are read apart, when asked for.
#[derive(Debug, Clone)]
pub struct ShownLinks {
    /// Languages it is delivered in.
    pub languages: Vec<LanguageCode>,
    /// Who it is for.
    pub target_groups: Vec<TargetGroup>,
    /// Weekly hours and their time zone.
    pub schedule: Schedule,
    /// Its locations, in order.
    pub location_ids: Vec<LocationId>,
}

/// One stored weekly rule (weekday 1–7, minutes of the day), checked.
fn opening_hours(weekday: i32, opens: i32, closes: i32) -> Result<OpeningHours> {
    let h = OpeningHours::new(
        stored("opening_hours.weekday", Weekday::new(i64::from(weekday)))?,
        time("opening_hours.opens", opens)?,
        time("opening_hours.closes", closes)?,
    );
    stored("opening_hours", h)
}

/// Reads `weekday/opens/closes` entries (see [`HoursOfService`]).
fn parse_hours(raw: &str) -> Result<Vec<OpeningHours>> {
    raw.split(' ')
        .filter(|e| !e.is_empty())
        .map(|entry| {
            let mut parts = entry.split('/').map(str::parse::<i32>);
            let (Some(Ok(weekday)), Some(Ok(opens)), Some(Ok(closes)), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(StorageError::Corrupt(format!(
                    "opening_hours: {entry:?} is not weekday/opens/closes"
                )));
            };
            opening_hours(weekday, opens, closes)
        })
        .collect()
}

fn from_read(r: ReadRow) -> Result<ListedService> {
    let ReadRow {
        own,
        hours,
        location_ids,
    } = r;
    let mut languages = Vec::new();
    let mut target_groups = Vec::new();
    // Facets are written sorted and without repeats (`facets`, migration 000007).
    for facet in own.facets.split(' ') {
        if let Some(code) = facet.strip_prefix("lang:") {
            languages.push(stored("services.facets", LanguageCode::parse(code))?);
        } else if let Some(group) = facet.strip_prefix("tg:") {
            target_groups.push(stored("services.facets", TargetGroup::parse(group))?);
        }
    }
    let links = ShownLinks {
        languages,
        target_groups,
        schedule: Schedule {
            timezone: stored("services.timezone", Timezone::parse(&own.timezone))?,
            opening_hours: hours
                .as_deref()
                .map(parse_hours)
                .transpose()?
                .unwrap_or_default(),
        },
        location_ids: location_ids
            .as_deref()
            .unwrap_or_default()
            .split(' ')
            .filter(|l| !l.is_empty())
            .map(|l| stored("service_locations.location_id", LocationId::parse(l)))
            .collect::<Result<_>>()?,
    };
    Ok(ListedService {
        record: record_of(own)?,
        links,
    })
}

fn record_of(r: ServiceFields) -> Result<ServiceRecord> {
    Ok(Record {
        id: stored("services.id", ServiceId::parse(&r.id))?,
        organisation_id: stored(
            "services.organisation_id",
            OrganisationId::parse(&r.organisation_id),
        )?,
        value: Service {
            name: r.name,
            description: r.description,
            content_language: stored(
                "services.content_language",
                LanguageCode::parse(&r.content_language),
            )?,
            category: stored("services.category", ServiceCategory::parse(&r.category))?,
            free: r.free,
            fee_note: r.fee_note,
            appointment_required: r.appointment_required,
            eligibility: r.eligibility,
            application_process: r.application_process,
        },
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

fn minutes(t: TimeOfDay) -> i32 {
    i32::from(t.minutes())
}

/// Checks that every linked location belongs to the service's organisation.
fn check_locations(conn: &mut AnyConnection, org: &str, links: &ServiceLinks) -> Result<()> {
    let wanted: Vec<String> = links.location_ids.iter().map(ToString::to_string).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let found: Vec<String> = locations::table
        .filter(locations::id.eq_any(&wanted))
        .filter(locations::organisation_id.eq(org))
        .select(locations::id)
        .load(conn)?;
    for (i, w) in wanted.iter().enumerate() {
        if !found.contains(w) {
            return Err(ValidationError::new(
                format!("locationIds[{i}]"),
                "own_location",
                format!("location {w} does not exist or belongs to another organisation"),
            )
            .into());
        }
    }
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = service_languages)]
struct LanguageRow {
    service_id: String,
    language: String,
}

#[derive(Insertable)]
#[diesel(table_name = service_target_groups)]
struct TargetGroupRow {
    service_id: String,
    target_group: String,
}

#[derive(Insertable)]
#[diesel(table_name = service_locations)]
struct LocationLinkRow {
    service_id: String,
    location_id: String,
    position: i32,
}

#[derive(Insertable)]
#[diesel(table_name = opening_hours)]
struct HoursRow {
    service_id: String,
    position: i32,
    weekday: i32,
    opens: i32,
    closes: i32,
}

#[derive(Insertable)]
#[diesel(table_name = schedule_exceptions)]
struct ExceptionInsert {
    service_id: String,
    date: NaiveDate,
    opens: Option<i32>,
    closes: Option<i32>,
    note: Option<String>,
}

/// The link rows of services (languages, target groups, locations, hours, exceptions),
/// gathered so that any number of services is written with one statement per table.
#[derive(Default)]
struct LinkRows {
    languages: Vec<LanguageRow>,
    target_groups: Vec<TargetGroupRow>,
    locations: Vec<LocationLinkRow>,
    hours: Vec<HoursRow>,
    exceptions: Vec<ExceptionInsert>,
}

fn position(i: usize) -> i32 {
    i32::try_from(i).unwrap_or(i32::MAX)
}

/// Rows per multi-row statement, under both backends' bind-parameter limits (the
/// widest link table has five columns; services have sixteen).
const CHUNK: usize = 1000;

impl LinkRows {
    fn add(&mut self, sid: &str, links: &ServiceLinks) {
        let id = || sid.to_owned();
        self.languages
            .extend(links.languages.iter().map(|l| LanguageRow {
                service_id: id(),
                language: l.as_str().to_owned(),
            }));
        self.target_groups
            .extend(links.target_groups.iter().map(|g| TargetGroupRow {
                service_id: id(),
                target_group: g.as_str().to_owned(),
            }));
        self.locations
            .extend(
                links
                    .location_ids
                    .iter()
                    .enumerate()
                    .map(|(i, l)| LocationLinkRow {
                        service_id: id(),
                        location_id: l.to_string(),
                        position: position(i),
                    }),
            );
        self.hours.extend(
            links
                .opening_hours
                .iter()
                .enumerate()
                .map(|(i, h)| HoursRow {
                    service_id: id(),
                    position: position(i),
                    weekday: i32::from(h.weekday.number()),
                    opens: minutes(h.opens),
                    closes: minutes(h.closes),
                }),
        );
        self.exceptions
            .extend(links.exceptions.iter().map(|e| ExceptionInsert {
                service_id: id(),
                date: e.date,
                opens: e.opens.map(minutes),
                closes: e.closes.map(minutes),
                note: e.note.clone(),
            }));
    }

    fn insert(self, conn: &mut AnyConnection) -> Result<()> {
        for chunk in self.languages.chunks(CHUNK) {
            insert_all!(conn, service_languages::table, chunk)?;
        }
        for chunk in self.target_groups.chunks(CHUNK) {
            insert_all!(conn, service_target_groups::table, chunk)?;
        }
        for chunk in self.locations.chunks(CHUNK) {
            insert_all!(conn, service_locations::table, chunk)?;
        }
        for chunk in self.hours.chunks(CHUNK) {
            insert_all!(conn, opening_hours::table, chunk)?;
        }
        for chunk in self.exceptions.chunks(CHUNK) {
            insert_all!(conn, schedule_exceptions::table, chunk)?;
        }
        Ok(())
    }
}

fn write_links(conn: &mut AnyConnection, sid: &str, links: &ServiceLinks) -> Result<()> {
    diesel::delete(service_languages::table.filter(service_languages::service_id.eq(sid)))
        .execute(conn)?;
    diesel::delete(service_target_groups::table.filter(service_target_groups::service_id.eq(sid)))
        .execute(conn)?;
    diesel::delete(service_locations::table.filter(service_locations::service_id.eq(sid)))
        .execute(conn)?;
    diesel::delete(opening_hours::table.filter(opening_hours::service_id.eq(sid))).execute(conn)?;
    diesel::delete(schedule_exceptions::table.filter(schedule_exceptions::service_id.eq(sid)))
        .execute(conn)?;
    let mut rows = LinkRows::default();
    rows.add(sid, links);
    rows.insert(conn)
}

/// The folded search text of a service: its name, description, its organisation's
/// name and the texts of all its translations.
fn search_text(name: &str, description: Option<&str>, org: &str, translated: &str) -> String {
    text::fold(&format!(
        "{name} {} {org} {translated}",
        description.unwrap_or_default()
    ))
}

/// Recomputes the folded search text from the service, its organisation's name and
/// every translation of the service.
pub fn refresh_search_text(conn: &mut AnyConnection, sid: &str) -> Result<()> {
    let texts = search::texts_of(conn, &[sid.to_owned()])?;
    let Some(t) = texts.first() else {
        return Err(StorageError::NotFound(format!("service {sid}")));
    };
    let translated: Vec<&str> = t
        .translations
        .iter()
        .map(|(_, _, text)| text.as_str())
        .collect();
    let folded = search_text(
        &t.name,
        t.description.as_deref(),
        &t.organisation,
        &translated.join(" "),
    );
    diesel::update(services::table.find(sid))
        .set(services::search_text.eq(folded))
        .execute(conn)?;
    search::index(conn, &texts)
}

/// The facets of a service: its delivery languages, the localities of its locations
/// and its target groups, as one sorted, space-separated list (`lang:ar loc:alt_treptow
/// tg:youth`). Locality keys are folded text, whose only separator is a space; it is
/// written as `_`, which folded text never holds.
fn facets<'a>(
    languages: impl IntoIterator<Item = &'a str>,
    locality_keys: impl IntoIterator<Item = &'a str>,
    target_groups: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut all: Vec<String> = languages
        .into_iter()
        .map(|l| format!("lang:{l}"))
        .chain(locality_keys.into_iter().filter_map(locality_facet))
        .chain(target_groups.into_iter().map(|g| format!("tg:{g}")))
        .collect();
    all.sort();
    all.dedup();
    all.join(" ")
}

fn locality_facet(key: &str) -> Option<String> {
    (!key.is_empty()).then(|| format!("loc:{}", key.replace(' ', "_")))
}

/// Recomputes what a service derives from its links: the time zone of its first
/// location (Europe/Berlin without one) and its facets.
pub fn refresh_derived(conn: &mut AnyConnection, sid: &str) -> Result<()> {
    let places: Vec<(String, Option<String>)> = service_locations::table
        .inner_join(locations::table)
        .filter(service_locations::service_id.eq(sid))
        .order(service_locations::position)
        .select((locations::timezone, locations::locality_key))
        .load(conn)?;
    let languages: Vec<String> = service_languages::table
        .filter(service_languages::service_id.eq(sid))
        .select(service_languages::language)
        .load(conn)?;
    let groups: Vec<String> = service_target_groups::table
        .filter(service_target_groups::service_id.eq(sid))
        .select(service_target_groups::target_group)
        .load(conn)?;
    let timezone = places
        .first()
        .map_or(DEFAULT_TIMEZONE, |(tz, _)| tz.as_str())
        .to_owned();
    let facets = facets(
        languages.iter().map(String::as_str),
        places.iter().filter_map(|(_, k)| k.as_deref()),
        groups.iter().map(String::as_str),
    );
    diesel::update(services::table.find(sid))
        .set((services::timezone.eq(timezone), services::facets.eq(facets)))
        .execute(conn)?;
    Ok(())
}

fn write(
    conn: &mut AnyConnection,
    id: ServiceId,
    org: OrganisationId,
    s: &Service,
    links: &ServiceLinks,
    created_at: NaiveDateTime,
    is_new: bool,
) -> Result<()> {
    let sid = id.to_string();
    let oid = org.to_string();
    check_locations(conn, &oid, links)?;
    // Time zone, facets and search text are derived from the links just below.
    let row = ServiceRow::new(&sid, &oid, s, created_at, crate::now());
    if is_new {
        diesel::insert_into(services::table)
            .values(&row)
            .execute(conn)?;
    } else {
        diesel::update(services::table.find(&sid))
            .set(&row)
            .execute(conn)?;
    }
    write_links(conn, &sid, links)?;
    refresh_derived(conn, &sid)?;
    refresh_search_text(conn, &sid)
}

/// Creates a service of an organisation with its links, in one transaction.
pub fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    org: OrganisationId,
    service: &Service,
    links: &ServiceLinks,
) -> Result<ServiceRecord> {
    let id = ServiceId::generate();
    conn.transaction(|conn| {
        write(conn, id, org, service, links, crate::now(), true)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Service,
            &id.to_string(),
            Some(&org.to_string()),
            Action::Created,
            &service.name,
        )?;
        get(conn, id)
    })
}

/// A service to create with [`insert_many`].
pub struct NewService<'a> {
    /// Its fields.
    pub service: &'a Service,
    /// Its links; the locations must be its organisation's.
    pub links: &'a ServiceLinks,
    /// Translations of its fields: field name and translation.
    pub translations: &'a [(&'a str, Translation)],
}

/// Creates many services of one organisation with few statements (one per table and
/// chunk), with the same rows [`insert`] and [`set_translation`] would write: folded
/// search text, time zone of the first location, links, translations and change log.
/// One transaction (a savepoint inside the caller's).
pub fn insert_many(
    conn: &mut AnyConnection,
    actor: &str,
    org: OrganisationId,
    items: &[NewService<'_>],
) -> Result<Vec<ServiceId>> {
    conn.transaction(|conn| insert_batch(conn, actor, org, items))
}

fn insert_batch(
    conn: &mut AnyConnection,
    actor: &str,
    org: OrganisationId,
    items: &[NewService<'_>],
) -> Result<Vec<ServiceId>> {
    let oid = org.to_string();
    let org_name: String = organisations::table
        .find(&oid)
        .select(organisations::name)
        .first(conn)
        .optional()?
        .ok_or_else(|| StorageError::NotFound(format!("organisation {org}")))?;
    let mut wanted: Vec<String> = items
        .iter()
        .flat_map(|i| i.links.location_ids.iter().map(ToString::to_string))
        .collect();
    wanted.sort();
    wanted.dedup();
    // Location id → time zone and locality key.
    let mut places: HashMap<String, (String, Option<String>)> = HashMap::new();
    for chunk in wanted.chunks(CHUNK) {
        let found: Vec<(String, String, Option<String>)> = locations::table
            .filter(locations::id.eq_any(chunk))
            .filter(locations::organisation_id.eq(&oid))
            .select((locations::id, locations::timezone, locations::locality_key))
            .load(conn)?;
        places.extend(found.into_iter().map(|(id, tz, key)| (id, (tz, key))));
    }
    let now = crate::now();
    let mut rows = Vec::with_capacity(items.len());
    let mut links = LinkRows::default();
    let mut translated = Vec::new();
    let mut log = Vec::with_capacity(items.len());
    let mut indexed = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let id = ServiceId::generate();
        let sid = id.to_string();
        let mut timezone = None;
        let mut localities = Vec::new();
        for (i, l) in item.links.location_ids.iter().enumerate() {
            let Some((tz, key)) = places.get(&l.to_string()) else {
                return Err(ValidationError::new(
                    format!("[{n}].locationIds[{i}]"),
                    "own_location",
                    format!("location {l} does not exist or belongs to another organisation"),
                )
                .into());
            };
            timezone.get_or_insert_with(|| tz.clone());
            localities.extend(key.as_deref());
        }
        // One translation per field and language; a later one replaces an earlier one,
        // as `set_translation` would.
        let mut latest: HashMap<(&str, &str), &(&str, Translation)> = HashMap::new();
        for t in item.translations {
            latest.insert((t.0, t.1.language.as_str()), t);
        }
        let mut sorted: Vec<&(&str, Translation)> = latest.into_values().collect();
        sorted.sort_by(|a, b| (a.0, a.1.language.as_str()).cmp(&(b.0, b.1.language.as_str())));
        let texts: Vec<&str> = sorted.iter().map(|(_, t)| t.text.as_str()).collect();
        let s = item.service;
        let mut row = ServiceRow::new(&sid, &oid, s, now, now);
        row.fields.timezone = timezone.unwrap_or_else(|| DEFAULT_TIMEZONE.to_owned());
        row.fields.facets = facets(
            item.links.languages.iter().map(LanguageCode::as_str),
            localities,
            item.links.target_groups.iter().map(|g| g.as_str()),
        );
        row.search_text = search_text(
            &s.name,
            s.description.as_deref(),
            &org_name,
            &texts.join(" "),
        );
        indexed.push(crate::search::ServiceTexts {
            service_id: sid.clone(),
            name: s.name.clone(),
            description: s.description.clone(),
            organisation: org_name.clone(),
            translations: sorted
                .iter()
                .map(|(field, t)| {
                    (
                        (*field).to_owned(),
                        t.language.as_str().to_owned(),
                        t.text.clone(),
                    )
                })
                .collect(),
        });
        rows.push(row);
        links.add(&sid, item.links);
        for (field, t) in sorted {
            translated.push((sid.clone(), (*field).to_owned(), t.clone()));
        }
        log.push(change_log::Entry::new(
            actor,
            EntityKind::Service,
            &sid,
            Some(&oid),
            Action::Created,
            &s.name,
            now,
        ));
    }
    for chunk in rows.chunks(CHUNK) {
        insert_all!(conn, services::table, chunk)?;
    }
    links.insert(conn)?;
    for chunk in translated.chunks(CHUNK) {
        use crate::schema::translations as tr;
        let rows: Vec<_> = chunk
            .iter()
            .map(|(sid, field, t)| {
                (
                    tr::entity_id.eq(sid),
                    tr::field.eq(field),
                    tr::language.eq(t.language.as_str()),
                    tr::organisation_id.eq(&oid),
                    tr::text.eq(&t.text),
                    tr::machine_translated.eq(t.machine_translated),
                    tr::updated_at.eq(now),
                )
            })
            .collect();
        insert_all!(conn, tr::table, rows)?;
    }
    change_log::record_many(conn, &log)?;
    crate::search::index(conn, &indexed)?;
    rows.iter()
        .map(|r| stored("services.id", ServiceId::parse(&r.fields.id)))
        .collect()
}

/// Replaces a service's fields and links, in one transaction.
pub fn update(
    conn: &mut AnyConnection,
    actor: &str,
    id: ServiceId,
    service: &Service,
    links: &ServiceLinks,
) -> Result<ServiceRecord> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        write(
            conn,
            id,
            current.organisation_id,
            service,
            links,
            current.created_at.naive_utc(),
            false,
        )?;
        change_log::record(
            conn,
            actor,
            EntityKind::Service,
            &id.to_string(),
            Some(&current.organisation_id.to_string()),
            Action::Updated,
            &service.name,
        )?;
        get(conn, id)
    })
}

/// Deletes a service with its links and translations.
pub fn delete(conn: &mut AnyConnection, actor: &str, id: ServiceId) -> Result<()> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let sid = id.to_string();
        diesel::delete(services::table.find(&sid)).execute(conn)?;
        crate::translations::remove_all(conn, &sid)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Service,
            &sid,
            Some(&current.organisation_id.to_string()),
            Action::Deleted,
            &current.value.name,
        )?;
        Ok(())
    })
}

/// One service by id.
pub fn get(conn: &mut AnyConnection, id: ServiceId) -> Result<ServiceRecord> {
    get_many(conn, &[id])?
        .pop()
        .ok_or_else(|| StorageError::NotFound(format!("service {id}")))
}

/// Many services by id; missing ids are left out.
pub fn get_many(conn: &mut AnyConnection, ids: &[ServiceId]) -> Result<Vec<ServiceRecord>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<ServiceFields> = load_direct!(
        conn,
        filter_ids!(
            services::table
                .select(ServiceFields::as_select())
                .into_boxed(),
            services::id,
            ids.as_slice()
        )
    )?;
    rows.into_iter().map(record_of).collect()
}

/// The services of many organisations with their shown links, by organisation,
/// ordered by name.
pub fn of_organisations(
    conn: &mut AnyConnection,
    orgs: &[OrganisationId],
) -> Result<HashMap<OrganisationId, Vec<ListedService>>> {
    let ids: Vec<String> = orgs.iter().map(ToString::to_string).collect();
    let rows: Vec<ReadRow> = load_direct!(
        conn,
        filter_ids!(
            services::table
                .order((services::name, services::id))
                .select(ReadRow::as_select())
                .into_boxed(),
            services::organisation_id,
            ids.as_slice()
        )
    )?;
    let mut out: HashMap<OrganisationId, Vec<ListedService>> = HashMap::new();
    for r in rows {
        let s = from_read(r)?;
        out.entry(s.record.organisation_id).or_default().push(s);
    }
    Ok(out)
}

fn ids_of(services: &[ServiceId]) -> Vec<String> {
    services.iter().map(ToString::to_string).collect()
}

fn group<T>(rows: Vec<(String, T)>) -> Result<HashMap<ServiceId, Vec<T>>> {
    let mut out: HashMap<ServiceId, Vec<T>> = HashMap::new();
    for (sid, v) in rows {
        out.entry(stored("service_id", ServiceId::parse(&sid))?)
            .or_default()
            .push(v);
    }
    Ok(out)
}

/// [`group`], each service's list in byte order of its codes: the order of the
/// facets that lists read them from.
fn group_in_code_order<T>(
    rows: Vec<(String, T)>,
    code: impl Fn(&T) -> &str,
) -> Result<HashMap<ServiceId, Vec<T>>> {
    let mut by_service = group(rows)?;
    by_service
        .values_mut()
        .for_each(|v| v.sort_by(|a, b| code(a).cmp(code(b))));
    Ok(by_service)
}

/// Delivery languages of many services — one statement.
pub fn languages_of(
    conn: &mut AnyConnection,
    services: &[ServiceId],
) -> Result<HashMap<ServiceId, Vec<LanguageCode>>> {
    let rows: Vec<(String, String)> = service_languages::table
        .filter(service_languages::service_id.eq_any(ids_of(services)))
        .order((service_languages::service_id, service_languages::language))
        .load(conn)?;
    let parsed = rows
        .into_iter()
        .map(|(s, l)| {
            Ok((
                s,
                stored("service_languages.language", LanguageCode::parse(&l))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    group_in_code_order(parsed, LanguageCode::as_str)
}

/// Target groups of many services — one statement.
pub fn target_groups_of(
    conn: &mut AnyConnection,
    services: &[ServiceId],
) -> Result<HashMap<ServiceId, Vec<TargetGroup>>> {
    let rows: Vec<(String, String)> = service_target_groups::table
        .filter(service_target_groups::service_id.eq_any(ids_of(services)))
        .order((
            service_target_groups::service_id,
            service_target_groups::target_group,
        ))
        .load(conn)?;
    let parsed = rows
        .into_iter()
        .map(|(s, g)| {
            Ok((
                s,
                stored("service_target_groups.target_group", TargetGroup::parse(&g))?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    group_in_code_order(parsed, |g: &TargetGroup| g.as_str())
}

/// A service's weekly hours, with the time zone they are in.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// The time zone of the times below.
    pub timezone: Timezone,
    /// Weekly hours, in order.
    pub opening_hours: Vec<OpeningHours>,
}

/// service id, date, opens, closes, note.
type ExceptionRow = (String, NaiveDate, Option<i32>, Option<i32>, Option<String>);

fn time(column: &str, m: i32) -> Result<TimeOfDay> {
    u16::try_from(m)
        .ok()
        .and_then(TimeOfDay::from_minutes)
        .ok_or_else(|| StorageError::Corrupt(format!("{column}: {m} is not a time of day")))
}

/// Weekly hours and time zones of many services — one statement (services joined
/// with their hours, so a service without hours still gets its zone).
pub fn hours_of(
    conn: &mut AnyConnection,
    services: &[ServiceId],
) -> Result<HashMap<ServiceId, Schedule>> {
    /// service id, time zone, and weekday, opens, closes when it has hours.
    type Row = (String, String, Option<(i32, i32, i32)>);
    let rows: Vec<Row> = services::table
        .left_join(opening_hours::table)
        .filter(services::id.eq_any(ids_of(services)))
        .order((services::id, opening_hours::position.nullable()))
        .select((
            services::id,
            services::timezone,
            (
                opening_hours::weekday,
                opening_hours::opens,
                opening_hours::closes,
            )
                .nullable(),
        ))
        .load(conn)?;
    let mut out: HashMap<ServiceId, Schedule> = HashMap::new();
    for (sid, tz, hours) in rows {
        let sid = stored("services.id", ServiceId::parse(&sid))?;
        let schedule = match out.entry(sid) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(Schedule {
                timezone: stored("services.timezone", Timezone::parse(&tz))?,
                opening_hours: Vec::new(),
            }),
        };
        if let Some((weekday, opens, closes)) = hours {
            schedule
                .opening_hours
                .push(opening_hours(weekday, opens, closes)?);
        }
    }
    Ok(out)
}

/// Schedule exceptions (holidays, closures) of many services, by date — one statement.
pub fn exceptions_of(
    conn: &mut AnyConnection,
    services: &[ServiceId],
) -> Result<HashMap<ServiceId, Vec<ScheduleException>>> {
    let rows: Vec<ExceptionRow> = schedule_exceptions::table
        .filter(schedule_exceptions::service_id.eq_any(ids_of(services)))
        .order((schedule_exceptions::service_id, schedule_exceptions::date))
        .load(conn)?;
    let parsed = rows
        .into_iter()
        .map(|(sid, date, opens, closes, note)| {
            let e = ScheduleException {
                date,
                opens: opens
                    .map(|m| time("schedule_exceptions.opens", m))
                    .transpose()?,
                closes: closes
                    .map(|m| time("schedule_exceptions.closes", m))
                    .transpose()?,
                note,
            };
            Ok((sid, e))
        })
        .collect::<Result<Vec<_>>>()?;
    group(parsed)
}

/// Location ids linked to one service, in order (for patch-style updates).
pub fn location_ids_of(conn: &mut AnyConnection, service: ServiceId) -> Result<Vec<LocationId>> {
    let rows: Vec<String> = service_locations::table
        .filter(service_locations::service_id.eq(service.to_string()))
        .order(service_locations::position)
        .select(service_locations::location_id)
        .load(conn)?;
    rows.iter()
        .map(|l| stored("service_locations.location_id", LocationId::parse(l)))
        .collect()
}

/// The whole link set of one service (for patch-style updates).
pub fn links_of(conn: &mut AnyConnection, service: ServiceId) -> Result<ServiceLinks> {
    let ids = [service];
    let hours = hours_of(conn, &ids)?.remove(&service);
    Ok(ServiceLinks {
        target_groups: target_groups_of(conn, &ids)?
            .remove(&service)
            .unwrap_or_default(),
        languages: languages_of(conn, &ids)?
            .remove(&service)
            .unwrap_or_default(),
        location_ids: location_ids_of(conn, service)?,
        opening_hours: hours.map(|s| s.opening_hours).unwrap_or_default(),
        exceptions: exceptions_of(conn, &ids)?
            .remove(&service)
            .unwrap_or_default(),
    })
}

/// Filter of the service list; every set field narrows it.
#[derive(Debug, Clone, Default)]
pub struct ServiceFilter {
    /// Words that must all occur (folded, lightly stemmed) in name, description,
    /// organisation name or any translation.
    pub text: Option<String>,
    /// Kind of offer.
    pub category: Option<ServiceCategory>,
    /// For this target group.
    pub target_group: Option<TargetGroup>,
    /// Delivered in this language.
    pub language: Option<LanguageCode>,
    /// Offered at a location in this locality (folded: `Koepenick` finds `Köpenick`).
    pub locality: Option<String>,
    /// Free of charge (true) or not (false).
    pub free: Option<bool>,
    /// Open at this instant, by its hours in its own time zone.
    pub open_at: Option<DateTime<Utc>>,
    /// Of this organisation.
    pub organisation: Option<OrganisationId>,
    /// Changed after this instant (from the change log).
    pub modified_after: Option<NaiveDateTime>,
    /// Only services for at least one target group (HSDS: "any term of the target
    /// group taxonomy").
    pub any_target_group: bool,
    /// The reader's first language: with `text`, matches in texts written in it rank
    /// first (none: the directory's own language).
    pub reader_language: Option<LanguageCode>,
}

impl ServiceFilter {
    /// Whether anything but `text` narrows the list.
    fn narrows_beyond_text(&self) -> bool {
        self.category.is_some()
            || self.target_group.is_some()
            || self.language.is_some()
            || self.locality.is_some()
            || self.free.is_some()
            || self.open_at.is_some()
            || self.organisation.is_some()
            || self.modified_after.is_some()
            || self.any_target_group
    }
}

/// How a filter's text narrows the list.
enum TextMatch {
    /// No text (or none with a word in it).
    Any,
    /// The search index is not built yet: every folded word must occur in the stored
    /// search text.
    Stored(Vec<String>),
    /// Each key's words met in the index, one of which a service must have.
    Met(search::Met),
    /// Some key met nothing.
    Nothing,
}

fn text_match(conn: &mut AnyConnection, f: &ServiceFilter) -> Result<TextMatch> {
    let Some(t) = &f.text else {
        return Ok(TextMatch::Any);
    };
    Ok(match search::lookup(conn, t)? {
        Lookup::NotBuilt => TextMatch::Stored(text::search_terms(t)),
        Lookup::NoTerms => TextMatch::Any,
        Lookup::NoMatch => TextMatch::Nothing,
        Lookup::Met(m) => TextMatch::Met(m),
    })
}

type BoxedServices<'a> = services::BoxedQuery<'a, MultiBackend>;
type Condition = Box<dyn BoxableExpression<services::table, MultiBackend, SqlType = Bool>>;

/// "Open at" for the services whose hours are in `tz`: an exception on the local date
/// decides alone; otherwise a weekly rule must cover the local time.
fn open_in_zone(tz: &str, at: DateTime<Utc>) -> Option<Condition> {
    let zone = Timezone::parse(tz).ok()?;
    let local = at.with_timezone(&zone.tz()).naive_local();
    let date = local.date();
    let minute = i32::try_from(local.hour() * 60 + local.minute()).ok()?;
    let weekday = i32::from(Weekday::of(date).number());
    let exception_open = schedule_exceptions::table
        .filter(schedule_exceptions::service_id.eq(services::id))
        .filter(schedule_exceptions::date.eq(date))
        .filter(schedule_exceptions::opens.le(minute))
        .filter(schedule_exceptions::closes.gt(minute));
    let any_exception = schedule_exceptions::table
        .filter(schedule_exceptions::service_id.eq(services::id))
        .filter(schedule_exceptions::date.eq(date));
    let weekly_open = opening_hours::table
        .filter(opening_hours::service_id.eq(services::id))
        .filter(opening_hours::weekday.eq(weekday))
        .filter(opening_hours::opens.le(minute))
        .filter(opening_hours::closes.gt(minute));
    Some(Box::new(services::timezone.eq(tz.to_owned()).and(
        exists(exception_open).or(not(exists(any_exception)).and(exists(weekly_open))),
    )))
}

/// The filtered service list. With `facet_index` (PostgreSQL), language, locality and
/// target group are answered together from the GIN-indexed facets; otherwise each
/// goes through its link table's index.
fn filtered(
    f: &ServiceFilter,
    text: &TextMatch,
    zones: &[String],
    facet_index: bool,
) -> BoxedServices<'static> {
    let mut q = services::table.into_boxed();
    match text {
        TextMatch::Any => {}
        TextMatch::Stored(terms) => {
            for term in terms {
                q = q.filter(services::search_text.like(format!("%{term}%")));
            }
        }
        TextMatch::Met(met) => {
            for i in 0..met.terms.len() {
                q = q.filter(
                    services::id.eq_any(
                        search_postings::table
                            .filter(search_postings::word.eq_any(met.words_of(i)))
                            .select(search_postings::service_id),
                    ),
                );
            }
        }
        TextMatch::Nothing => q = q.filter(services::id.ne(services::id)),
    }
    if let Some(c) = f.category {
        q = q.filter(services::category.eq(c.as_str()));
    }
    let mut wanted: Vec<String> = Vec::new();
    if let Some(g) = f.target_group {
        if facet_index {
            wanted.push(format!("tg:{}", g.as_str()));
        } else {
            q = q.filter(exists(
                service_target_groups::table
                    .filter(service_target_groups::service_id.eq(services::id))
                    .filter(service_target_groups::target_group.eq(g.as_str())),
            ));
        }
    }
    if let Some(l) = f.language {
        if facet_index {
            wanted.push(format!("lang:{}", l.as_str()));
        } else {
            q = q.filter(exists(
                service_languages::table
                    .filter(service_languages::service_id.eq(services::id))
                    .filter(service_languages::language.eq(l.as_str().to_owned())),
            ));
        }
    }
    if let Some(l) = &f.locality {
        let key = text::fold(l);
        if key.is_empty() {
            // A locality that folds to nothing (punctuation only) names no place.
            q = q.filter(services::id.ne(services::id));
        } else if let (true, Some(facet)) = (facet_index, locality_facet(&key)) {
            wanted.push(facet);
        } else {
            q = q.filter(exists(
                service_locations::table
                    .inner_join(locations::table)
                    .filter(service_locations::service_id.eq(services::id))
                    .filter(locations::locality_key.eq(key)),
            ));
        }
    }
    if !wanted.is_empty() {
        q = q.filter(FacetsContain(wanted.join(" ")));
    }
    if f.any_target_group {
        q = q.filter(exists(
            service_target_groups::table.filter(service_target_groups::service_id.eq(services::id)),
        ));
    }
    if let Some(free) = f.free {
        q = q.filter(services::free.eq(free));
    }
    if let Some(org) = f.organisation {
        q = q.filter(services::organisation_id.eq(org.to_string()));
    }
    if let Some(after) = f.modified_after {
        q = q.filter(
            services::id.eq_any(
                log::table
                    .filter(log::entity_kind.eq(EntityKind::Service.as_str()))
                    .filter(log::changed_at.gt(after))
                    .select(log::entity_id),
            ),
        );
    }
    if let Some(at) = f.open_at {
        let mut any: Option<Condition> = None;
        for tz in zones {
            if let Some(c) = open_in_zone(tz, at) {
                any = Some(match any {
                    Some(prev) => Box::new(prev.or(c)),
                    None => c,
                });
            }
        }
        q = match any {
            Some(c) => q.filter(c),
            // No service has hours anywhere: nothing is open.
            None => q.filter(services::id.ne(services::id)),
        };
    }
    q
}

/// The time zones an "open at" filter must look at (none without one).
fn zones_for(conn: &mut AnyConnection, filter: &ServiceFilter) -> Result<Vec<String>> {
    Ok(if filter.open_at.is_some() {
        services::table
            .select(services::timezone)
            .distinct()
            .load(conn)?
    } else {
        Vec::new()
    })
}

/// A service offered at one of its locations (HSDS `service_at_location`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AtLocation {
    /// The service.
    pub service: ServiceId,
    /// The location.
    pub location: LocationId,
}

fn at_location(sid: &str, lid: &str) -> Result<AtLocation> {
    Ok(AtLocation {
        service: stored("service_locations.service_id", ServiceId::parse(sid))?,
        location: stored("service_locations.location_id", LocationId::parse(lid))?,
    })
}

/// A page of the services of `filter` at their locations — only at `places` when
/// given — ordered by service name, then the service's own order of its locations;
/// with the number of all such pairs.
pub fn at_locations(
    conn: &mut AnyConnection,
    filter: &ServiceFilter,
    places: Option<&[LocationId]>,
    offset: i64,
    limit: i64,
) -> Result<Page<AtLocation>> {
    let zones = zones_for(conn, filter)?;
    let facet_index = matches!(conn, AnyConnection::Postgresql(_));
    let text = text_match(conn, filter)?;
    // The matching services with their locations in one statement (MultiBackend cannot
    // nest a boxed filter as a subselect); the pairs are counted and cut here.
    let rows: Vec<(String, Option<String>)> = filtered(filter, &text, &zones, facet_index)
        .order((services::name, services::id))
        .select((services::id, LocationIdsOfService))
        .load(conn)?;
    let wanted: Option<std::collections::HashSet<LocationId>> =
        places.map(|p| p.iter().copied().collect());
    let mut all = Vec::new();
    for (sid, lids) in &rows {
        for lid in lids.as_deref().unwrap_or_default().split_whitespace() {
            let pair = at_location(sid, lid)?;
            if wanted.as_ref().is_none_or(|w| w.contains(&pair.location)) {
                all.push(pair);
            }
        }
    }
    let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let start = usize::try_from(offset.max(0)).unwrap_or(usize::MAX);
    let take = usize::try_from(limit.max(0)).unwrap_or(0);
    Ok(Page {
        items: all.into_iter().skip(start).take(take).collect(),
        total,
    })
}

/// Every service–location pair (to find one by an id derived from both).
pub fn all_at_locations(conn: &mut AnyConnection) -> Result<Vec<AtLocation>> {
    let rows: Vec<(String, String)> = service_locations::table
        .select((
            service_locations::service_id,
            service_locations::location_id,
        ))
        .load(conn)?;
    rows.iter().map(|(s, l)| at_location(s, l)).collect()
}

/// A page of services ordered by name; with a text, by relevance (see
/// [`search::ranked`]).
pub fn list(
    conn: &mut AnyConnection,
    filter: &ServiceFilter,
    offset: i64,
    limit: i64,
) -> Result<Page<ListedService>> {
    Ok(list_ranking_in(conn, filter, offset, limit, None)?.0)
}

/// As [`list`]; a text search without other filters is ranked from `memory` when it
/// holds the postings as they are now. True with the page when such a search found
/// `memory` missing or out of date (the caller may read it again).
pub fn list_ranking_in(
    conn: &mut AnyConnection,
    filter: &ServiceFilter,
    offset: i64,
    limit: i64,
    memory: Option<&search::MemoryIndex>,
) -> Result<(Page<ListedService>, bool)> {
    let text = text_match(conn, filter)?;
    if let TextMatch::Met(met) = &text {
        let in_memory = memory.filter(|m| m.changes() == met.changes);
        let stale = in_memory.is_none() && !filter.narrows_beyond_text();
        let page = ranked_list(conn, filter, met, in_memory, offset, limit)?;
        return Ok((page, stale));
    }
    let zones = zones_for(conn, filter)?;
    let facet_index = matches!(conn, AnyConnection::Postgresql(_));
    Ok((
        plain_list(conn, filter, &text, &zones, facet_index, offset, limit)?,
        false,
    ))
}

/// The list by name (no text, or the search index not built).
fn plain_list(
    conn: &mut AnyConnection,
    filter: &ServiceFilter,
    text: &TextMatch,
    zones: &[String],
    facet_index: bool,
    offset: i64,
    limit: i64,
) -> Result<Page<ListedService>> {
    let count = |conn: &mut AnyConnection| -> Result<i64> {
        Ok(filtered(filter, text, zones, facet_index)
            .count()
            .get_result(conn)?)
    };
    // Selective filters (language, locality, target group, organisation, recent
    // changes) match few services: the page and its total come in one statement (the
    // window count sees every match). Without them — the whole directory, a category,
    // free offers, a text search that may match a large share — a narrow count plus a
    // page read along the name index is cheaper than numbering every match.
    let selective = filter.text.is_none()
        && (filter.language.is_some()
            || filter.locality.is_some()
            || filter.target_group.is_some()
            || filter.organisation.is_some()
            || filter.modified_after.is_some());
    if limit <= 0 || !selective {
        let total = count(conn)?;
        let rows: Vec<ReadRow> = if limit > 0 && offset < total {
            filtered(filter, text, zones, facet_index)
                .order((services::name, services::id))
                .offset(offset)
                .limit(limit)
                .select(ReadRow::as_select())
                .load(conn)?
        } else {
            Vec::new()
        };
        return Ok(Page {
            items: rows.into_iter().map(from_read).collect::<Result<_>>()?,
            total,
        });
    }
    let counted: Vec<(ReadRow, i64)> = filtered(filter, text, zones, facet_index)
        .order((services::name, services::id))
        .offset(offset)
        .limit(limit)
        .select((ReadRow::as_select(), WindowTotal))
        .load(conn)?;
    let total = match counted.first() {
        Some((_, total)) => *total,
        None if offset == 0 => 0,
        // Past the end: the page is empty, so ask for the total alone.
        None => count(conn)?,
    };
    let rows: Vec<ReadRow> = counted.into_iter().map(|(r, _)| r).collect();
    Ok(Page {
        items: rows.into_iter().map(from_read).collect::<Result<_>>()?,
        total,
    })
}

/// A page of the services a text search found, best first (see [`search::ranked`]);
/// other filters narrow the matches first.
fn ranked_list(
    conn: &mut AnyConnection,
    filter: &ServiceFilter,
    met: &search::Met,
    memory: Option<&search::MemoryIndex>,
    offset: i64,
    limit: i64,
) -> Result<Page<ListedService>> {
    let only: Option<Vec<String>> = if filter.narrows_beyond_text() {
        let zones = zones_for(conn, filter)?;
        let facet_index = matches!(conn, AnyConnection::Postgresql(_));
        let ids = filtered(filter, &TextMatch::Met(met.clone()), &zones, facet_index)
            .select(services::id)
            .load(conn)?;
        Some(ids)
    } else {
        None
    };
    if only.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Page {
            items: Vec::new(),
            total: 0,
        });
    }
    let lang = filter.reader_language.map_or_else(
        || search::ORIGINAL_LANGUAGE.to_owned(),
        |l| l.as_str().to_owned(),
    );
    let ranked = match (memory, &only) {
        (Some(m), None) => m.rank(met, &lang, offset, limit),
        _ => search::ranked(conn, met, &lang, only.as_deref(), offset, limit)?,
    };
    let ids: Vec<&str> = ranked.ids.iter().map(|(id, _)| id.as_str()).collect();
    let rows: Vec<ReadRow> = services::table
        .filter(services::id.eq_any(&ids))
        .select(ReadRow::as_select())
        .load(conn)?;
    let mut by_id: HashMap<String, ReadRow> =
        rows.into_iter().map(|r| (r.own.id.clone(), r)).collect();
    let items = ids
        .iter()
        .filter_map(|id| by_id.remove(*id))
        .map(from_read)
        .collect::<Result<_>>()?;
    Ok(Page {
        items,
        total: ranked.total,
    })
}

/// Counts of the values of the services a filter finds: categories, delivery
/// languages and localities (each as stored: category and language codes, locality
/// keys with a name of the place), most frequent first, then by value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceFacets {
    /// Per category.
    pub categories: Vec<(String, i64)>,
    /// Per delivery language.
    pub languages: Vec<(String, i64)>,
    /// Per locality: its name as written at a location, and the count.
    pub localities: Vec<(String, i64)>,
}

/// The facet counts over every service `filter` finds (all pages).
pub fn facet_counts(conn: &mut AnyConnection, filter: &ServiceFilter) -> Result<ServiceFacets> {
    let zones = zones_for(conn, filter)?;
    let facet_index = matches!(conn, AnyConnection::Postgresql(_));
    let text = text_match(conn, filter)?;
    let rows: Vec<(String, String)> = filtered(filter, &text, &zones, facet_index)
        .select((services::category, services::facets))
        .load(conn)?;
    let mut categories: HashMap<String, i64> = HashMap::new();
    let mut languages: HashMap<String, i64> = HashMap::new();
    let mut localities: HashMap<String, i64> = HashMap::new();
    for (category, facets) in rows {
        *categories.entry(category).or_default() += 1;
        for f in facets.split(' ') {
            if let Some(l) = f.strip_prefix("lang:") {
                *languages.entry(l.to_owned()).or_default() += 1;
            } else if let Some(k) = f.strip_prefix("loc:") {
                *localities.entry(k.replace('_', " ")).or_default() += 1;
            }
        }
    }
    let keys: Vec<String> = localities.keys().cloned().collect();
    let mut names: HashMap<String, String> = HashMap::new();
    for chunk in keys.chunks(CHUNK) {
        let found: Vec<(Option<String>, Option<String>)> = locations::table
            .filter(locations::locality_key.eq_any(chunk))
            .select((locations::locality_key, locations::locality))
            .order(locations::locality)
            .load(conn)?;
        for (key, name) in found {
            if let (Some(k), Some(n)) = (key, name) {
                names.entry(k).or_insert(n);
            }
        }
    }
    let sorted = |m: HashMap<String, i64>| {
        let mut v: Vec<(String, i64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v
    };
    let localities = localities
        .into_iter()
        .map(|(k, n)| (names.get(&k).cloned().unwrap_or(k), n))
        .fold(HashMap::new(), |mut m: HashMap<String, i64>, (k, n)| {
            *m.entry(k).or_default() += n;
            m
        });
    Ok(ServiceFacets {
        categories: sorted(categories),
        languages: sorted(languages),
        localities: sorted(localities),
    })
}

/// Sets a translation of one of a service's fields and refreshes its search text, in
/// one transaction (translated names and descriptions are searchable).
pub fn set_translation(
    conn: &mut AnyConnection,
    org: &str,
    sid: &str,
    field: &str,
    t: &netzwerk_domain::translation::Translation,
) -> Result<()> {
    conn.transaction(|conn| {
        crate::translations::set(conn, org, sid, field, t)?;
        refresh_search_text(conn, sid)
    })
}

/// Removes a translation of a service's field and refreshes its search text.
pub fn remove_translation(
    conn: &mut AnyConnection,
    sid: &str,
    field: &str,
    language: LanguageCode,
) -> Result<bool> {
    conn.transaction(|conn| {
        let removed = crate::translations::remove(conn, sid, field, language)?;
        refresh_search_text(conn, sid)?;
        Ok(removed)
    })
}
