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
