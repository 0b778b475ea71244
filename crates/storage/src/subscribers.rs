//! Newsletter subscribers: one row per address. Someone receives issues while their
//! subscription is confirmed (by e-mail, or by an imported proof of consent) and not
//! ended. An ended subscription keeps the address alone, so that no import brings it
//! back; subscribing again by the form and confirming starts it anew.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;
use netzwerk_domain::newsletter::{Consent, SectionKind, Subscription};

use crate::error::stored;
use crate::schema::newsletter_subscribers as ns;
use crate::{AnyConnection, Result, StorageError};

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Asked for by the form, the confirmation link not followed yet.
    Pending,
    /// Receives the newsletter.
    Confirmed,
    /// Ended by its owner.
    Unsubscribed,
}

/// A subscriber as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscriber {
    /// Id.
    pub id: String,
    /// The address (lower case).
    pub email: String,
    /// The name to greet.
    pub name: Option<String>,
    /// The language they read.
    pub language: String,
    /// The sections they receive; empty: all.
    pub sections: Vec<SectionKind>,
    /// The token of their unsubscribe link.
    pub unsubscribe_token: String,
    /// Where they agreed (`double opt-in`, or an import's source).
    pub consent_source: String,
    /// When they agreed.
    pub consent_at: Option<DateTime<Utc>>,
    /// Where the subscription stands.
    pub standing: Standing,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = ns)]
struct Row {
    id: String,
    email: String,
    name: Option<String>,
    language: String,
    sections: String,
    unsubscribe_token: String,
    consent_source: String,
    consent_at: Option<NaiveDateTime>,
    confirmed_at: Option<NaiveDateTime>,
    unsubscribed_at: Option<NaiveDateTime>,
}

fn from_row(r: Row) -> Result<Subscriber> {
    let sections = r
        .sections
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| stored("newsletter_subscribers.sections", SectionKind::parse(s)))
        .collect::<Result<_>>()?;
    Ok(Subscriber {
        id: r.id,
        email: r.email,
        name: r.name,
        language: r.language,
        sections,
        unsubscribe_token: r.unsubscribe_token,
        consent_source: r.consent_source,
        consent_at: r.consent_at.map(|t| t.and_utc()),
        standing: match (r.confirmed_at, r.unsubscribed_at) {
            (_, Some(_)) => Standing::Unsubscribed,
            (Some(_), None) => Standing::Confirmed,
            (None, None) => Standing::Pending,
        },
    })
}

/// A new subscriber's row: unconfirmed, by the form, unless the caller says otherwise.
#[derive(Insertable)]
#[diesel(table_name = ns)]
struct NewRow<'a> {
    id: String,
    email: &'a str,
    name: Option<&'a str>,
    language: String,
    sections: String,
    confirm_hash: Option<&'a str>,
    unsubscribe_token: &'a str,
    consent_source: &'a str,
    consent_at: Option<NaiveDateTime>,
    confirmed_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl<'a> NewRow<'a> {
    fn of(s: &'a Subscription, email: &'a str, token: &'a str, now: NaiveDateTime) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            email,
            name: s.name.as_deref(),
            language: s.language.to_string(),
            sections: codes(&s.sections),
            confirm_hash: None,
            unsubscribe_token: token,
            consent_source: "double opt-in",
            consent_at: None,
            confirmed_at: None,
            created_at: now,
        }
    }
}

fn codes(sections: &[SectionKind]) -> String {
    sections
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<Subscriber>> {
    let row: Option<Row> = ns::table
        .filter(ns::email.eq(email))
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    row.map(from_row).transpose()
}

/// Stores a subscription asked for by the form, unconfirmed, with a new confirmation
/// link. Returns `false` when nothing changed: the address receives the newsletter
/// already. Asking again sends a new link (a lost e-mail locks nobody out; the old
/// link stops working); the caller limits how often one address is asked for. It
/// answers alike either way, so nobody learns whether an address is known.
pub fn subscribe(
    conn: &mut AnyConnection,
    s: &Subscription,
    confirm_hash: &str,
    unsubscribe_token: &str,
) -> Result<bool> {
    conn.transaction(|conn| {
        let email = s.email.to_string().to_lowercase();
        let now = crate::now();
        let asked: Option<(
            String,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
            NaiveDateTime,
        )> = ns::table
            .filter(ns::email.eq(&email))
            .select((
                ns::id,
                ns::confirmed_at,
                ns::unsubscribed_at,
                ns::created_at,
            ))
            .first(conn)
            .optional()?;
        match asked {
            Some((_, Some(_), None, _)) => Ok(false),
            Some((id, ..)) => {
                // Pending, or ended earlier: a new link; an ended subscription stays
                // ended until the link is followed.
                diesel::update(ns::table.find(&id))
                    .set((
                        ns::name.eq(s.name.as_deref()),
                        ns::language.eq(s.language.to_string()),
                        ns::sections.eq(codes(&s.sections)),
                        ns::confirm_hash.eq(Some(confirm_hash)),
                        ns::consent_source.eq("double opt-in"),
                        ns::created_at.eq(now),
                    ))
                    .execute(conn)?;
                Ok(true)
            }
            None => {
                // Two first asks for one address at once: one stores it, the other
                // changes nothing (and is answered alike).
                let row = NewRow {
                    confirm_hash: Some(confirm_hash),
                    ..NewRow::of(s, &email, unsubscribe_token, now)
                };
                let inserted = conn.transaction(|conn| {
                    diesel::insert_into(ns::table)
                        .values(&row)
                        .execute(conn)
                        .map_err(StorageError::from)
                });
                match inserted {
                    Ok(_) => Ok(true),
                    Err(StorageError::Conflict(_)) => Ok(false),
                    Err(e) => Err(e),
                }
            }
        }
    })
}

/// Confirms the subscription of a confirmation link (double opt-in): the click is the
/// consent. Twice changes nothing.
pub fn confirm(conn: &mut AnyConnection, confirm_hash: &str) -> Result<Subscriber> {
    conn.transaction(|conn| {
        let row: Option<Row> = ns::table
            .filter(ns::confirm_hash.eq(confirm_hash))
            .select(Row::as_select())
            .first(conn)
            .optional()?;
        let found = row.map(from_row).transpose()?.ok_or_else(|| {
            StorageError::NotFound("newsletter subscription for this link".into())
        })?;
        if found.standing != Standing::Confirmed {
            let now = crate::now();
            diesel::update(ns::table.find(&found.id))
                .set((
                    ns::confirmed_at.eq(Some(now)),
                    ns::consent_at.eq(Some(now)),
                    ns::unsubscribed_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        by_email(conn, &found.email)?
            .ok_or_else(|| StorageError::NotFound("newsletter subscription".into()))
    })
}

/// Ends the subscription of an unsubscribe token: the name goes, the address stays
/// (so no import subscribes it again), and its newsletter messages not yet handed to
/// the mail server are withdrawn. `false` if the token is unknown or the
/// subscription ended already.
pub fn unsubscribe(conn: &mut AnyConnection, token: &str) -> Result<bool> {
    conn.transaction(|conn| {
        let email: Option<String> = ns::table
            .filter(ns::unsubscribe_token.eq(token))
            .filter(ns::unsubscribed_at.is_null())
            .select(ns::email)
            .first(conn)
            .optional()?;
        let Some(email) = email else {
            return Ok(false);
        };
        diesel::update(ns::table.filter(ns::email.eq(&email)))
            .set((
                ns::unsubscribed_at.eq(Some(crate::now())),
                ns::name.eq(None::<String>),
                ns::confirm_hash.eq(None::<String>),
            ))
            .execute(conn)?;
        crate::outbox::withdraw_queued(conn, crate::outbox::NEWSLETTER, &email)?;
        Ok(true)
    })
}

/// What an import did with one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// A new subscriber, confirmed by the row's consent.
    Added,
    /// A pending subscription confirmed by the row's consent.
    Confirmed,
    /// Receives the newsletter already; unchanged.
    Unchanged,
    /// Ended by its owner on this day: not subscribed again.
    Unsubscribed(chrono::NaiveDate),
}

/// Imports one subscriber with their proof of consent; `unsubscribe_token` is used
/// when the address is new.
pub fn import(
    conn: &mut AnyConnection,
    s: &Subscription,
    consent: &Consent,
    unsubscribe_token: &str,
) -> Result<Imported> {
    conn.transaction(|conn| {
        let email = s.email.to_string().to_lowercase();
        let now = crate::now();
        let ended: Option<(String, Option<NaiveDateTime>, Option<NaiveDateTime>)> = ns::table
            .filter(ns::email.eq(&email))
            .select((ns::id, ns::confirmed_at, ns::unsubscribed_at))
            .first(conn)
            .optional()?;
        match ended {
            Some((_, _, Some(at))) => Ok(Imported::Unsubscribed(at.date())),
            Some((_, Some(_), None)) => Ok(Imported::Unchanged),
            Some((id, None, None)) => {
                diesel::update(ns::table.find(&id))
                    .set((
                        ns::confirmed_at.eq(Some(now)),
                        ns::consent_source.eq(&consent.source),
                        ns::consent_at.eq(Some(consent.at)),
                        ns::confirm_hash.eq(None::<String>),
                    ))
                    .execute(conn)?;
                Ok(Imported::Confirmed)
            }
            None => {
                let row = NewRow {
                    consent_source: &consent.source,
                    consent_at: Some(consent.at),
                    confirmed_at: Some(now),
                    ..NewRow::of(s, &email, unsubscribe_token, now)
                };
                diesel::insert_into(ns::table).values(&row).execute(conn)?;
                Ok(Imported::Added)
            }
        }
    })
}

/// Everyone who receives the newsletter, by address.
pub fn recipients(conn: &mut AnyConnection) -> Result<Vec<Subscriber>> {
    let rows: Vec<Row> = ns::table
        .filter(ns::confirmed_at.is_not_null())
        .filter(ns::unsubscribed_at.is_null())
        .order(ns::email)
        .select(Row::as_select())
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// How many subscriptions stand where: pending, confirmed, unsubscribed.
pub fn counts(conn: &mut AnyConnection) -> Result<(i64, i64, i64)> {
    let confirmed: i64 = ns::table
        .filter(ns::confirmed_at.is_not_null())
        .filter(ns::unsubscribed_at.is_null())
        .count()
        .get_result(conn)?;
    let unsubscribed: i64 = ns::table
        .filter(ns::unsubscribed_at.is_not_null())
        .count()
        .get_result(conn)?;
    let all: i64 = ns::table.count().get_result(conn)?;
    Ok((all - confirmed - unsubscribed, confirmed, unsubscribed))
}

/// Deletes subscriptions nobody confirmed within `hours` hours (the address may not
/// even be the asker's); an ended one that was asked for again and not confirmed keeps
/// its address only. Returns how many were deleted.
pub fn purge_unconfirmed(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    hours: i64,
) -> Result<usize> {
    let before = (now - Duration::hours(hours)).naive_utc();
    diesel::update(
        ns::table
            .filter(ns::unsubscribed_at.is_not_null())
            .filter(ns::confirm_hash.is_not_null())
            .filter(ns::created_at.lt(before)),
    )
    .set((
        ns::name.eq(None::<String>),
        ns::confirm_hash.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(diesel::delete(
        ns::table
            .filter(ns::confirmed_at.is_null())
            .filter(ns::unsubscribed_at.is_null())
            .filter(ns::created_at.lt(before)),
    )
    .execute(conn)?)
}
