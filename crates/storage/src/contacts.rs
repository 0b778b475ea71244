//! Contact persons of organisations.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use netzwerk_domain::contact::{Contact, Visibility};
use netzwerk_domain::email::EmailAddress;
use netzwerk_domain::ids::{ContactId, OrganisationId};
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::record::Record;

use crate::change_log::{self, Action, EntityKind};
use crate::error::stored;
use crate::schema::contacts;
use crate::{AnyConnection, Result, StorageError};

/// A contact person as read back.
pub type ContactRecord = Record<ContactId, Contact>;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = contacts, treat_none_as_null = true)]
struct ContactRow {
    id: String,
    organisation_id: String,
    name: String,
    role: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    visibility: String,
    content_language: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn to_row(
    id: ContactId,
    org: OrganisationId,
    c: &Contact,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> ContactRow {
    ContactRow {
        id: id.to_string(),
        organisation_id: org.to_string(),
        name: c.name.clone(),
        role: c.role.clone(),
        email: c.email.as_ref().map(|e| e.as_str().to_owned()),
        phone: c.phone.clone(),
        visibility: c.visibility.as_str().to_owned(),
        content_language: c.content_language.as_str().to_owned(),
        created_at,
        updated_at,
    }
}

fn from_row(r: ContactRow) -> Result<ContactRecord> {
    Ok(Record {
        id: stored("contacts.id", ContactId::parse(&r.id))?,
        organisation_id: stored(
            "contacts.organisation_id",
            OrganisationId::parse(&r.organisation_id),
        )?,
        value: Contact {
            name: r.name,
            role: r.role,
            email: r
                .email
                .map(|e| stored("contacts.email", EmailAddress::parse(&e)))
                .transpose()?,
            phone: r.phone,
            visibility: stored("contacts.visibility", Visibility::parse(&r.visibility))?,
            content_language: stored(
                "contacts.content_language",
                LanguageCode::parse(&r.content_language),
            )?,
        },
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

/// Creates a contact person of an organisation.
pub fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    organisation: OrganisationId,
    contact: &Contact,
) -> Result<ContactRecord> {
    let id = ContactId::generate();
    let now = crate::now();
    let row = to_row(id, organisation, contact, now, now);
    conn.transaction(|conn| {
        diesel::insert_into(contacts::table)
            .values(&row)
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Contact,
            &row.id,
            Some(&row.organisation_id),
            Action::Created,
            &contact.name,
        )?;
        get(conn, id)
    })
}

/// Replaces a contact person's fields.
pub fn update(
    conn: &mut AnyConnection,
    actor: &str,
    id: ContactId,
    contact: &Contact,
) -> Result<ContactRecord> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let row = to_row(
            id,
            current.organisation_id,
            contact,
            current.created_at.naive_utc(),
            crate::now(),
        );
        diesel::update(contacts::table.find(&row.id))
            .set(&row)
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Contact,
            &row.id,
            Some(&row.organisation_id),
            Action::Updated,
            &contact.name,
        )?;
        get(conn, id)
    })
}

/// Deletes a contact person.
pub fn delete(conn: &mut AnyConnection, actor: &str, id: ContactId) -> Result<()> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let sid = id.to_string();
        diesel::delete(contacts::table.find(&sid)).execute(conn)?;
        crate::translations::remove_all(conn, &sid)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Contact,
            &sid,
            Some(&current.organisation_id.to_string()),
            Action::Deleted,
            &current.value.name,
        )?;
        Ok(())
    })
}

/// One contact person by id.
pub fn get(conn: &mut AnyConnection, id: ContactId) -> Result<ContactRecord> {
    let sid = id.to_string();
    let row: Option<ContactRow> = contacts::table
        .find(&sid)
        .select(ContactRow::as_select())
        .first(conn)
        .optional()?;
    row.map(from_row)
        .transpose()?
        .ok_or_else(|| StorageError::NotFound(format!("contact {id}")))
}

/// The contact persons of many organisations, by organisation, ordered by name.
pub fn of_organisations(
    conn: &mut AnyConnection,
    orgs: &[OrganisationId],
) -> Result<HashMap<OrganisationId, Vec<ContactRecord>>> {
    let ids: Vec<String> = orgs.iter().map(ToString::to_string).collect();
    let rows: Vec<ContactRow> = contacts::table
        .filter(contacts::organisation_id.eq_any(&ids))
        .order((contacts::name, contacts::id))
        .select(ContactRow::as_select())
        .load(conn)?;
    let mut out: HashMap<OrganisationId, Vec<ContactRecord>> = HashMap::new();
    for r in rows {
        let rec = from_row(r)?;
        out.entry(rec.organisation_id).or_default().push(rec);
    }
    Ok(out)
}
