//! Organisations: rows, reads, writes and the list filter.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use netzwerk_domain::email::EmailAddress;
use netzwerk_domain::ids::OrganisationId;
use netzwerk_domain::language::LanguageCode;
use netzwerk_domain::organisation::{
    FieldOfAction, Identifier, LegalStatus, MembershipStatus, Organisation, TargetGroup, Topic,
};
use netzwerk_domain::record::Record;
use netzwerk_domain::slug::Slug;
use netzwerk_domain::text;

use crate::change_log::{self, Action, EntityKind};
use crate::db::load_direct;
use crate::error::stored;
use crate::fragments::filter_ids;
use crate::schema::{organisation_identifiers, organisations, services};
use crate::{AnyConnection, Page, Result, StorageError, sets};

/// An organisation as read back.
pub type OrganisationRecord = Record<OrganisationId, Organisation>;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = organisations, treat_none_as_null = true)]
struct OrganisationRow {
    id: String,
    slug: String,
    name: String,
    alternate_name: Option<String>,
    legal_status: String,
    description: Option<String>,
    content_language: String,
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    logo_url: Option<String>,
    membership_status: String,
    member_since: Option<NaiveDate>,
    fields_of_action: String,
    topics: String,
    target_groups: String,
    search_text: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn to_row(
    id: OrganisationId,
    o: &Organisation,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
) -> OrganisationRow {
    let search = text::fold(&format!(
        "{} {} {}",
        o.name,
        o.alternate_name.as_deref().unwrap_or_default(),
        o.description.as_deref().unwrap_or_default()
    ));
    OrganisationRow {
        id: id.to_string(),
        slug: o.slug.as_str().to_owned(),
        name: o.name.clone(),
        alternate_name: o.alternate_name.clone(),
        legal_status: o.legal_status.as_str().to_owned(),
        description: o.description.clone(),
        content_language: o.content_language.as_str().to_owned(),
        website: o.website.clone(),
        email: o.email.as_ref().map(|e| e.as_str().to_owned()),
        phone: o.phone.clone(),
        logo_url: o.logo_url.clone(),
        membership_status: o.membership_status.as_str().to_owned(),
        member_since: o.member_since,
        fields_of_action: sets::encode(o.fields_of_action.iter().map(|f| f.as_str())),
        topics: sets::encode(o.topics.iter().map(|t| t.as_str())),
        target_groups: sets::encode(o.target_groups.iter().map(|t| t.as_str())),
        search_text: search,
        created_at,
        updated_at,
    }
}

fn from_row(r: OrganisationRow, identifiers: Vec<Identifier>) -> Result<OrganisationRecord> {
    Ok(Record {
        id: stored("organisations.id", OrganisationId::parse(&r.id))?,
        organisation_id: stored("organisations.id", OrganisationId::parse(&r.id))?,
        value: Organisation {
            slug: stored("organisations.slug", Slug::parse(&r.slug))?,
            name: r.name,
            alternate_name: r.alternate_name,
            legal_status: stored(
                "organisations.legal_status",
                LegalStatus::parse(&r.legal_status),
            )?,
            description: r.description,
            content_language: stored(
                "organisations.content_language",
                LanguageCode::parse(&r.content_language),
            )?,
            website: r.website,
            email: r
                .email
                .map(|e| stored("organisations.email", EmailAddress::parse(&e)))
                .transpose()?,
            phone: r.phone,
            logo_url: r.logo_url,
            identifiers,
            membership_status: stored(
                "organisations.membership_status",
                MembershipStatus::parse(&r.membership_status),
            )?,
            member_since: r.member_since,
            fields_of_action: sets::decode(
                "organisations.fields_of_action",
                &r.fields_of_action,
                FieldOfAction::parse,
            )?,
            topics: sets::decode("organisations.topics", &r.topics, Topic::parse)?,
            target_groups: sets::decode(
                "organisations.target_groups",
                &r.target_groups,
                TargetGroup::parse,
            )?,
        },
        created_at: r.created_at.and_utc(),
        updated_at: r.updated_at.and_utc(),
    })
}

fn write_identifiers(conn: &mut AnyConnection, id: &str, identifiers: &[Identifier]) -> Result<()> {
    diesel::delete(
        organisation_identifiers::table.filter(organisation_identifiers::organisation_id.eq(id)),
    )
    .execute(conn)?;
    for (i, ident) in identifiers.iter().enumerate() {
        diesel::insert_into(organisation_identifiers::table)
            .values((
                organisation_identifiers::organisation_id.eq(id),
                organisation_identifiers::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
                organisation_identifiers::scheme.eq(&ident.scheme),
                organisation_identifiers::value.eq(&ident.value),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn load_with_identifiers(
    conn: &mut AnyConnection,
    rows: Vec<OrganisationRow>,
) -> Result<Vec<OrganisationRecord>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let idents: Vec<(String, String, String)> = if ids.is_empty() {
        Vec::new()
    } else {
        organisation_identifiers::table
            .filter(organisation_identifiers::organisation_id.eq_any(&ids))
            .order((
                organisation_identifiers::organisation_id,
                organisation_identifiers::position,
            ))
            .select((
                organisation_identifiers::organisation_id,
                organisation_identifiers::scheme,
                organisation_identifiers::value,
            ))
            .load(conn)?
    };
    let mut by_org: HashMap<String, Vec<Identifier>> = HashMap::new();
    for (org, scheme, value) in idents {
        by_org
            .entry(org)
            .or_default()
            .push(Identifier { scheme, value });
    }
    rows.into_iter()
        .map(|r| {
            let idents = by_org.remove(&r.id).unwrap_or_default();
            from_row(r, idents)
        })
        .collect()
}

fn slug_taken(slug: &Slug) -> StorageError {
    StorageError::Conflict(format!(
        "the slug {:?} is taken by another organisation",
        slug.as_str()
    ))
}

/// Creates an organisation; the slug must be free.
pub fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    org: &Organisation,
) -> Result<OrganisationRecord> {
    let id = OrganisationId::generate();
    let now = crate::now();
    let row = to_row(id, org, now, now);
    conn.transaction(|conn| {
        if find_id_by_slug(conn, &org.slug)?.is_some() {
            return Err(slug_taken(&org.slug));
        }
        diesel::insert_into(organisations::table)
            .values(&row)
            .execute(conn)?;
        write_identifiers(conn, &row.id, &org.identifiers)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Organisation,
            &row.id,
            Some(&row.id),
            Action::Created,
            &org.name,
        )?;
        get(conn, id)
    })
}

/// Replaces an organisation's fields.
pub fn update(
    conn: &mut AnyConnection,
    actor: &str,
    id: OrganisationId,
    org: &Organisation,
) -> Result<OrganisationRecord> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        if current.value.slug != org.slug && find_id_by_slug(conn, &org.slug)?.is_some() {
            return Err(slug_taken(&org.slug));
        }
        let row = to_row(id, org, current.created_at.naive_utc(), crate::now());
        diesel::update(organisations::table.find(&row.id))
            .set(&row)
            .execute(conn)?;
        write_identifiers(conn, &row.id, &org.identifiers)?;
        if current.value.name != org.name {
            // The organisation's name is part of its services' search text.
            let service_ids: Vec<String> = services::table
                .filter(services::organisation_id.eq(&row.id))
                .select(services::id)
                .load(conn)?;
            for sid in service_ids {
                crate::services::refresh_search_text(conn, &sid)?;
            }
        }
        change_log::record(
            conn,
            actor,
            EntityKind::Organisation,
            &row.id,
            Some(&row.id),
            Action::Updated,
            &org.name,
        )?;
        get(conn, id)
    })
}

/// Deletes an organisation and everything that belongs to it.
pub fn delete(conn: &mut AnyConnection, actor: &str, id: OrganisationId) -> Result<()> {
    conn.transaction(|conn| {
        let current = get(conn, id)?;
        let sid = id.to_string();
        diesel::delete(organisations::table.find(&sid)).execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::Organisation,
            &sid,
            Some(&sid),
            Action::Deleted,
            &current.value.name,
        )?;
        Ok(())
    })
}

/// Whether nothing but its own fields belongs to an organisation: no locations,
/// services, contacts, events, news, representatives, calendar feeds or accounts
/// (an import removes an organisation gone from its source only then; a cascade
/// would take what members added with it).
pub fn is_bare(conn: &mut AnyConnection, id: OrganisationId) -> Result<bool> {
    use crate::schema::{
        calendar_sources, contacts, events, locations, news, representatives, users,
    };
    let id = id.to_string();
    let counts: [i64; 8] = [
        locations::table
            .filter(locations::organisation_id.eq(&id))
            .count()
            .get_result(conn)?,
        services::table
            .filter(services::organisation_id.eq(&id))
            .count()
            .get_result(conn)?,
        contacts::table
            .filter(contacts::organisation_id.eq(&id))
            .count()
            .get_result(conn)?,
        events::table
            .filter(events::organisation_id.eq(&id))
            .count()
            .get_result(conn)?,
        news::table
            .filter(news::organisation_id.eq(&id))
            .count()
            .get_result(conn)?,
        representatives::table
            .filter(representatives::organisation_id.eq(&id))
            .count()
            .get_result(conn)?,
        calendar_sources::table
            .filter(calendar_sources::organisation_id.eq(&id))
            .count()
            .get_result(conn)?,
        users::table
            .filter(users::organisation_id.eq(Some(&id)))
            .count()
            .get_result(conn)?,
    ];
    Ok(counts.iter().all(|n| *n == 0))
}

/// An organisation's membership status alone (for deciding who counts as a member on
/// every signed-in request).
pub fn membership_status(
    conn: &mut AnyConnection,
    id: OrganisationId,
) -> Result<netzwerk_domain::organisation::MembershipStatus> {
    let status: String = organisations::table
        .find(id.to_string())
        .select(organisations::membership_status)
        .first(conn)?;
    stored(
        "organisations.membership_status",
        netzwerk_domain::organisation::MembershipStatus::parse(&status),
    )
}

/// One organisation by id.
pub fn get(conn: &mut AnyConnection, id: OrganisationId) -> Result<OrganisationRecord> {
    get_many(conn, &[id])?
        .pop()
        .ok_or_else(|| StorageError::NotFound(format!("organisation {id}")))
}

/// The id of the organisation with this slug.
pub fn find_id_by_slug(conn: &mut AnyConnection, slug: &Slug) -> Result<Option<OrganisationId>> {
    let id: Option<String> = organisations::table
        .filter(organisations::slug.eq(slug.as_str()))
        .select(organisations::id)
        .first(conn)
        .optional()?;
    id.map(|i| stored("organisations.id", OrganisationId::parse(&i)))
        .transpose()
}

/// Organisations left-joined with their identifiers in order, for the caller to
/// filter (a macro: the query's type is spelled out by diesel).
macro_rules! with_identifiers {
    () => {
        organisations::table
            .left_join(organisation_identifiers::table)
            .order((
                organisations::id,
                organisation_identifiers::position.nullable(),
            ))
            .select((
                OrganisationRow::as_select(),
                (
                    organisation_identifiers::scheme,
                    organisation_identifiers::value,
                )
                    .nullable(),
            ))
    };
}

/// An organisation row joined with one of its identifiers (scheme, value), if any.
type JoinedRow = (OrganisationRow, Option<(String, String)>);

/// Groups rows of organisations left-joined with their identifiers (ordered by
/// organisation, then identifier position) into records.
fn from_joined(rows: Vec<JoinedRow>) -> Result<Vec<OrganisationRecord>> {
    let mut out: Vec<(OrganisationRow, Vec<Identifier>)> = Vec::new();
    for (row, ident) in rows {
        if out.last().is_none_or(|(last, _)| last.id != row.id) {
            out.push((row, Vec::new()));
        }
        if let (Some((scheme, value)), Some((_, idents))) = (ident, out.last_mut()) {
            idents.push(Identifier { scheme, value });
        }
    }
    out.into_iter().map(|(r, i)| from_row(r, i)).collect()
}

/// One organisation by slug, with its identifiers — one statement.
pub fn get_by_slug(conn: &mut AnyConnection, slug: &Slug) -> Result<Option<OrganisationRecord>> {
    let rows: Vec<JoinedRow> = load_direct!(
        conn,
        with_identifiers!().filter(organisations::slug.eq(slug.as_str()))
    )?;
    Ok(from_joined(rows)?.pop())
}

/// Many organisations by id, with their identifiers, in no particular order; missing
/// ids are left out — one statement.
pub fn get_many(
    conn: &mut AnyConnection,
    ids: &[OrganisationId],
) -> Result<Vec<OrganisationRecord>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows: Vec<JoinedRow> = load_direct!(
        conn,
        filter_ids!(
            with_identifiers!().into_boxed(),
            organisations::id,
            ids.as_slice()
        )
    )?;
    from_joined(rows)
}

/// Filter of the organisation list; every set field narrows it.
#[derive(Debug, Clone, Default)]
pub struct OrganisationFilter {
    /// Words that must all occur in name, alternate name or description (folded).
    pub text: Option<String>,
    /// Membership status.
    pub membership_status: Option<MembershipStatus>,
    /// Takes part in this field of action.
    pub field_of_action: Option<FieldOfAction>,
    /// Interested in this topic.
    pub topic: Option<Topic>,
    /// Has a location in this locality (folded comparison).
    pub locality: Option<String>,
    /// Changed after this instant (from the change log).
    pub modified_after: Option<NaiveDateTime>,
    /// Became a member on this day or later.
    pub member_since_from: Option<chrono::NaiveDate>,
    /// Became a member on this day or earlier.
    pub member_since_to: Option<chrono::NaiveDate>,
}

type BoxedOrganisations<'a> = organisations::BoxedQuery<'a, crate::db::MultiBackend>;

fn filtered(f: &OrganisationFilter) -> BoxedOrganisations<'static> {
    use crate::schema::{change_log, locations};
    let mut q = organisations::table.into_boxed();
    if let Some(t) = &f.text {
        for term in text::search_terms(t) {
            q = q.filter(organisations::search_text.like(format!("%{term}%")));
        }
    }
    if let Some(m) = f.membership_status {
        q = q.filter(organisations::membership_status.eq(m.as_str()));
    }
    if let Some(x) = f.field_of_action {
        q = q.filter(organisations::fields_of_action.like(sets::pattern(x.as_str())));
    }
    if let Some(x) = f.topic {
        q = q.filter(organisations::topics.like(sets::pattern(x.as_str())));
    }
    if let Some(l) = &f.locality {
        q = q.filter(
            organisations::id.eq_any(
                locations::table
                    .filter(locations::locality_key.eq(text::fold(l)))
                    .select(locations::organisation_id),
            ),
        );
    }
    if let Some(from) = f.member_since_from {
        q = q.filter(organisations::member_since.ge(from));
    }
    if let Some(to) = f.member_since_to {
        q = q.filter(organisations::member_since.le(to));
    }
    if let Some(after) = f.modified_after {
        q = q.filter(
            organisations::id.eq_any(
                change_log::table
                    .filter(change_log::entity_kind.eq(EntityKind::Organisation.as_str()))
                    .filter(change_log::changed_at.gt(after))
                    .select(change_log::entity_id),
            ),
        );
    }
    q
}

/// A page of organisations ordered by name.
pub fn list(
    conn: &mut AnyConnection,
    filter: &OrganisationFilter,
    offset: i64,
    limit: i64,
) -> Result<Page<OrganisationRecord>> {
    let total: i64 = filtered(filter).count().get_result(conn)?;
    let rows: Vec<OrganisationRow> = if limit > 0 {
        filtered(filter)
            .order((organisations::name, organisations::id))
            .offset(offset)
            .limit(limit)
            .select(OrganisationRow::as_select())
            .load(conn)?
    } else {
        Vec::new()
    };
    Ok(Page {
        items: load_with_identifiers(conn, rows)?,
        total,
    })
}
