//! Officers: created on first sign-in, keyed by their public-officer email.

use diesel::prelude::*;
use invite_core::api::Officer;

use super::schema::officers;
use super::{CorruptRow, DbConnection, is_unique_violation, now, parse_id};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = officers)]
pub struct OfficerRow {
    pub id: String,
    pub email: String,
    pub created_at: chrono::NaiveDateTime,
}

impl OfficerRow {
    pub fn to_api(&self) -> Result<Officer, CorruptRow> {
        Ok(Officer {
            id: parse_id("officers", &self.id)?,
            email: self.email.clone(),
            // The device rule is the sign-in's to apply (`auth::device::officer`).
            can_invite: true,
            cannot_invite_because: None,
        })
    }
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<OfficerRow>> {
    officers::table
        .filter(officers::email.eq(email))
        .select(OfficerRow::as_select())
        .first(conn)
        .optional()
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<OfficerRow>> {
    officers::table
        .find(id)
        .select(OfficerRow::as_select())
        .first(conn)
        .optional()
}

/// Why an identity provider's subject could not be given an officer: their email address is
/// another subject's officer already.
#[derive(Debug, PartialEq, Eq)]
pub struct EmailTaken;

/// The officer of the provider's `(issuer, subject)`, with `email` as their address now: found
/// by subject (their email updated when the provider's changed), else the officer with this
/// email not yet bound to a subject (bound now: officers who signed in before subjects were
/// kept), else a new officer. Concurrent first sign-ins are decided by the unique indexes.
pub fn find_or_link_subject(
    conn: &mut DbConnection,
    issuer: &str,
    subject: &str,
    email: &str,
) -> QueryResult<Result<OfficerRow, EmailTaken>> {
    let by_subject = |conn: &mut DbConnection| {
        officers::table
            .filter(officers::oidc_issuer.eq(issuer))
            .filter(officers::oidc_subject.eq(subject))
            .select(OfficerRow::as_select())
            .first(conn)
            .optional()
    };
    if let Some(mut found) = by_subject(conn)? {
        if found.email != email {
            match diesel::update(officers::table.find(&found.id))
                .set(officers::email.eq(email))
                .execute(conn)
            {
                Ok(_) => found.email = email.to_owned(),
                Err(e) if is_unique_violation(&e) => return Ok(Err(EmailTaken)),
                Err(e) => return Err(e),
            }
        }
        return Ok(Ok(found));
    }
    if let Some(found) = find_by_email(conn, email)? {
        let bound = diesel::update(
            officers::table
                .find(&found.id)
                .filter(officers::oidc_subject.is_null()),
        )
        .set((
            officers::oidc_issuer.eq(issuer),
            officers::oidc_subject.eq(subject),
        ))
        .execute(conn)?;
        return Ok(if bound == 1 {
            Ok(found)
        } else {
            Err(EmailTaken)
        });
    }
    let row = OfficerRow {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.to_owned(),
        created_at: now(),
    };
    let inserted = diesel::insert_into(officers::table)
        .values((
            &row,
            officers::oidc_issuer.eq(issuer),
            officers::oidc_subject.eq(subject),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(Ok(row)),
        // Another sign-in of this subject (or this email) won the race: read what it made.
        Err(e) if is_unique_violation(&e) => Ok(by_subject(conn)?.ok_or(EmailTaken)),
        Err(e) => Err(e),
    }
}

/// Returns the officer with this email, creating them on first sign-in. Safe under races:
/// a concurrent insert of the same email loses on the unique index and re-reads.
pub fn find_or_create(conn: &mut DbConnection, email: &str) -> QueryResult<OfficerRow> {
    if let Some(found) = find_by_email(conn, email)? {
        return Ok(found);
    }
    let row = OfficerRow {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.to_owned(),
        created_at: now(),
    };
    match diesel::insert_into(officers::table)
        .values(&row)
        .execute(conn)
    {
        Ok(_) => Ok(row),
        Err(e) if is_unique_violation(&e) => {
            find_by_email(conn, email)?.ok_or(diesel::result::Error::NotFound)
        }
        Err(e) => Err(e),
    }
}
