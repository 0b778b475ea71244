//! User accounts (coordinator, editors) and their sign-in sessions.
//! Passwords arrive here already hashed; tokens arrive as hashes. Nothing secret is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use netzwerk_domain::access::Role;
use netzwerk_domain::email::EmailAddress;
use netzwerk_domain::ids::{OrganisationId, UserId};

use crate::change_log::{self, Action, EntityKind};
use crate::error::stored;
use crate::schema::{sessions, users};
use crate::{AnyConnection, Result, StorageError};

/// A user account.
#[derive(Debug, Clone)]
pub struct UserAccount {
    /// Id.
    pub id: UserId,
    /// Sign-in address (stored lower case).
    pub email: EmailAddress,
    /// Name shown in logs and lists.
    pub display_name: String,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Coordinator or editor.
    pub role: Role,
    /// For editors: the organisation they keep.
    pub organisation_id: Option<OrganisationId>,
}

type UserRow = (String, String, String, String, String, Option<String>);

fn from_row((id, email, display_name, password_hash, role, org): UserRow) -> Result<UserAccount> {
    Ok(UserAccount {
        id: stored("users.id", UserId::parse(&id))?,
        email: stored("users.email", EmailAddress::parse(&email))?,
        display_name,
        password_hash,
        role: stored("users.role", Role::parse(&role))?,
        organisation_id: org
            .map(|o| stored("users.organisation_id", OrganisationId::parse(&o)))
            .transpose()?,
    })
}

const COLUMNS: (
    users::id,
    users::email,
    users::display_name,
    users::password_hash,
    users::role,
    users::organisation_id,
) = (
    users::id,
    users::email,
    users::display_name,
    users::password_hash,
    users::role,
    users::organisation_id,
);

/// Creates an account; an editor must name an existing organisation.
pub fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    email: &EmailAddress,
    display_name: &str,
    password_hash: &str,
    role: Role,
    organisation: Option<OrganisationId>,
) -> Result<UserAccount> {
    let id = UserId::generate();
    conn.transaction(|conn| {
        if find_by_email(conn, email)?.is_some() {
            return Err(StorageError::Conflict(format!(
                "an account for {} exists already",
                email.normalised()
            )));
        }
        if let Some(org) = organisation {
            crate::organisations::get(conn, org)?;
        }
        diesel::insert_into(users::table)
            .values((
                users::id.eq(id.to_string()),
                users::email.eq(email.normalised()),
                users::display_name.eq(display_name),
                users::password_hash.eq(password_hash),
                users::role.eq(role.as_str()),
                users::organisation_id.eq(organisation.map(|o| o.to_string())),
                users::created_at.eq(crate::now()),
            ))
            .execute(conn)?;
        change_log::record(
            conn,
            actor,
            EntityKind::User,
            &id.to_string(),
            organisation.map(|o| o.to_string()).as_deref(),
            Action::Created,
            &format!("{} ({})", email.normalised(), role.as_str()),
        )?;
        Ok(UserAccount {
            id,
            email: email.clone(),
            display_name: display_name.to_owned(),
            password_hash: password_hash.to_owned(),
            role,
            organisation_id: organisation,
        })
    })
}

/// The account with this address (case-insensitive).
pub fn find_by_email(
    conn: &mut AnyConnection,
    email: &EmailAddress,
) -> Result<Option<UserAccount>> {
    let row: Option<UserRow> = users::table
        .filter(users::email.eq(email.normalised()))
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(from_row).transpose()
}

/// Stores a new session token hash.
pub fn create_session(
    conn: &mut AnyConnection,
    token_hash: &str,
    user: UserId,
    expires_at: NaiveDateTime,
) -> Result<()> {
    let now = crate::now();
    conn.transaction(|conn| {
        // Expired sessions of anyone are cleaned up on each sign-in.
        diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)?;
        diesel::insert_into(sessions::table)
            .values((
                sessions::token_hash.eq(token_hash),
                sessions::user_id.eq(user.to_string()),
                sessions::created_at.eq(now),
                sessions::expires_at.eq(expires_at),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// The account of an unexpired session.
pub fn session_user(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<UserAccount>> {
    let row: Option<UserRow> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(crate::now()))
        .select(COLUMNS)
        .first(conn)
        .optional()?;
    row.map(from_row).transpose()
}

/// Ends a session; true when there was one.
pub fn delete_session(conn: &mut AnyConnection, token_hash: &str) -> Result<bool> {
    Ok(
        diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash)))
            .execute(conn)?
            > 0,
    )
}
