//! Locations of organisations.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use netzwerk_domain::ids::{LocationId, OrganisationId, ServiceId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::location::{Coordinates, Location, Timezone};
use netzwerk_domain::record::Record;
use netzwerk_domain::text;

use crate::change_log::{self, Action, EntityKind};
use crate::db::load_direct;
use crate::error::stored;
use crate::fragments::filter_ids;
use crate::schema::{locations, service_locations};
use crate::{AnyConnection, Result, StorageError};

/// A location as read back.
pub type LocationRecord = Record<LocationId, Location>;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = locations, treat_none_as_null = true)]
struct LocationRow {
    id: String,
    organisation_id: String,
    name: String,
    address: Option<String>,
    locality: Option<String>,
    locality_key: Option<String>,
    postcode: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    wheelchair_accessible: Option<bool>,
    accessibility_note: Option<String>,
    transport_hint: Option<String>,
    timezone: String,
    content_language: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn to_row(
    id: LocationId,
    org: OrganisationId,
    l: &Location,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> LocationRow {
    LocationRow {
        id: id.to_string(),
        organisation_id: org.to_string(),
        name: l.name.clone(),
        address: l.address.clone(),
        locality: l.locality.clone(),
        locality_key: l.locality.as_deref().map(text::fold),
        postcode: l.postcode.clone(),
        latitude: l.coordinates.map(|c| c.latitude),
        longitude: l.coordinates.map(|c| c.longitude),
        wheelchair_accessible: l.wheelchair_accessible,
        accessibility_note: l.accessibility_note.clone(),
        transport_hint: l.transport_hint.clone(),
        timezone: l.timezone.to_string(),
        content_language: l.content_language.as_str().to_owned(),
        created_at,
        updated_at,
    }
}

fn from_row(r: LocationRow) -> Result<LocationRecord> {
    let coordinates = match (r.latitude, r.longitude) {
        (Some(lat), Some(lon)) => Some(stored("locations.latitude", Coordinates::new(lat, lon))?),
        _ => None,
    };
    Ok(Record {
        id: stored("locations.id", LocationId::parse(&r.id))?,
        organisation_id: stored(
            "locations.organisation_id",
            OrganisationId::parse(&r.organisation_id),
        )?,
        value: Location {
            name: r.name,
            address: r.address,
            locality: r.locality,
            postcode: r.postcode,
            coordinates,
            wheelchair_accessible: r.wheelchair_accessible,
            accessibility_note: r.accessibility_note,
            transport_hint: r.transport_hint,
            timezone: stored("locations.timezone", Timezone::parse(&r.timezone))?,
            content_language: stored(
                "locations.content_language",
                LanguageCode::parse(&r.content_language),
            )?,
        },
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

/// Creates a location of an organisation.
pub fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    organisation: OrganisationId,
    location: &Location,
) -> Result<LocationRecord> {
    let id = LocationId::generate();
    let now = crate::now();
    let row = to_row(id, organisation, location, now, now);
    conn.transaction(|conn| {
        diesel::insert_into(locations::table)
            .values(&row)
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Location,
            &row.id,
            Some(&row.organisation_id),
            Action::Created,
            &location.name,
        )?;
        get(conn, id)
    })
}

/// Replaces a location's fields; its services follow its time zone (when it is their
/// first location) and its locality.
pub fn update(
    conn: &mut AnyConnection,
    actor: &str,
    id: LocationId,
    location: &Location,
) -> Result<LocationRecord> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let row = to_row(
            id,
            current.organisation_id,
            location,
            current.created_at.naive_utc(),
            crate::now(),
        );
        diesel::update(locations::table.find(&row.id))
            .set(&row)
            .execute(conn)?;
        let linked: Vec<String> = service_locations::table
            .filter(service_locations::location_id.eq(&row.id))
            .select(service_locations::service_id)
            .load(conn)?;
        for sid in linked {
            crate::services::refresh_derived(conn, &sid)?;
        }
        change_log::record(
            conn,
            actor,
            EntityKind::Location,
            &row.id,
            Some(&row.organisation_id),
            Action::Updated,
            &location.name,
        )?;
        get(conn, id)
    })
}

/// Deletes a location; its links to services go with it.
pub fn delete(conn: &mut AnyConnection, actor: &str, id: LocationId) -> Result<()> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let sid = id.to_string();
        let linked: Vec<String> = service_locations::table
            .filter(service_locations::location_id.eq(&sid))
            .select(service_locations::service_id)
            .load(conn)?;
        diesel::delete(locations::table.find(&sid)).execute(conn)?;
        crate::translations::remove_all(conn, &sid)?;
        for service in linked {
            crate::services::refresh_derived(conn, &service)?;
        }
        change_log::record(
            conn,
            actor,
            EntityKind::Location,
            &sid,
            Some(&current.organisation_id.to_string()),
            Action::Deleted,
            &current.value.name,
        )?;
        Ok(())
    })
}

/// One location by id.
pub fn get(conn: &mut AnyConnection, id: LocationId) -> Result<LocationRecord> {
    get_many(conn, &[id])?
        .pop()
        .ok_or_else(|| StorageError::NotFound(format!("location {id}")))
}

/// Many locations by id; missing ids are left out.
pub fn get_many(conn: &mut AnyConnection, ids: &[LocationId]) -> Result<Vec<LocationRecord>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<LocationRow> = load_direct!(
        conn,
        filter_ids!(
            locations::table
                .select(LocationRow::as_select())
                .into_boxed(),
            locations::id,
            ids.as_slice()
        )
    )?;
    rows.into_iter().map(from_row).collect()
}

/// The locations with `postcode` (as written, surrounding space ignored): their ids
/// and coordinates where known.
pub fn with_postcode(
    conn: &mut AnyConnection,
    postcode: &str,
) -> Result<Vec<(LocationId, Option<Coordinates>)>> {
    let rows: Vec<(String, Option<f64>, Option<f64>)> = locations::table
        .filter(locations::postcode.eq(postcode.trim()))
        .select((locations::id, locations::latitude, locations::longitude))
        .load(conn)?;
    rows.into_iter().map(place).collect()
}

/// The locations whose coordinates lie in the box from `south_west` to `north_east`.
pub fn in_box(
    conn: &mut AnyConnection,
    south_west: Coordinates,
    north_east: Coordinates,
) -> Result<Vec<(LocationId, Option<Coordinates>)>> {
    let rows: Vec<(String, Option<f64>, Option<f64>)> = locations::table
        .filter(locations::latitude.between(south_west.latitude, north_east.latitude))
        .filter(locations::longitude.between(south_west.longitude, north_east.longitude))
        .select((locations::id, locations::latitude, locations::longitude))
        .load(conn)?;
    rows.into_iter().map(place).collect()
}

fn place(
    (id, latitude, longitude): (String, Option<f64>, Option<f64>),
) -> Result<(LocationId, Option<Coordinates>)> {
    let id = stored("locations.id", LocationId::parse(&id))?;
    let at = match (latitude, longitude) {
        (Some(latitude), Some(longitude)) => Some(Coordinates {
            latitude,
            longitude,
        }),
        _ => None,
    };
    Ok((id, at))
}

/// The locations of many organisations, by organisation, ordered by name.
pub fn of_organisations(
    conn: &mut AnyConnection,
    orgs: &[OrganisationId],
) -> Result<HashMap<OrganisationId, Vec<LocationRecord>>> {
    let ids: Vec<String> = orgs.iter().map(ToString::to_string).collect();
    let rows: Vec<LocationRow> = load_direct!(
        conn,
        filter_ids!(
            locations::table
                .order((locations::name, locations::id))
                .select(LocationRow::as_select())
                .into_boxed(),
            locations::organisation_id,
            ids.as_slice()
        )
    )?;
    let mut out: HashMap<OrganisationId, Vec<LocationRecord>> = HashMap::new();
    for r in rows {
        let rec = from_row(r)?;
        out.entry(rec.organisation_id).or_default().push(rec);
    }
    Ok(out)
}

/// The locations of many services, by service, in link order — one statement.
pub fn of_services(
    conn: &mut AnyConnection,
    services: &[ServiceId],
) -> Result<HashMap<ServiceId, Vec<LocationRecord>>> {
    let ids: Vec<String> = services.iter().map(ToString::to_string).collect();
    let rows: Vec<(String, LocationRow)> = service_locations::table
        .inner_join(locations::table)
        .filter(service_locations::service_id.eq_any(&ids))
        .order((service_locations::service_id, service_locations::position))
        .select((service_locations::service_id, LocationRow::as_select()))
        .load(conn)?;
    let mut out: HashMap<ServiceId, Vec<LocationRecord>> = HashMap::new();
    for (sid, r) in rows {
        let sid = stored("service_locations.service_id", ServiceId::parse(&sid))?;
        out.entry(sid).or_default().push(from_row(r)?);
    }
    Ok(out)
}
