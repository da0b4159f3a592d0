//! Staged batches and their rows.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use invite_core::api::{BatchRowStatus, TechpassStatus};

use super::DbConnection;
use super::schema::{batch_rows, batches, invitations};

/// Rows per multi-row INSERT: stays under SQLite's bound-parameter limit (32,766) with 16 columns.
const INSERT_CHUNK: usize = 1000;
/// Values per `IN (…)` lookup.
const LOOKUP_CHUNK: usize = 500;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = batches)]
pub struct BatchRecord {
    pub id: String,
    pub officer_id: String,
    pub filename: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = batch_rows, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct BatchRowRecord {
    pub id: String,
    pub batch_id: String,
    pub row_number: i32,
    pub user_type: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub contact_number: Option<String>,
    pub organisation: Option<String>,
    pub department: Option<String>,
    pub techpass_username: Option<String>,
    pub seed_required: Option<bool>,
    pub reason: String,
    pub status: String,
    /// JSON array of `BatchRowError`.
    pub errors: String,
    pub invitation_id: Option<String>,
}

pub fn insert(
    conn: &mut DbConnection,
    batch: &BatchRecord,
    rows: &[BatchRowRecord],
) -> QueryResult<()> {
    diesel::insert_into(batches::table)
        .values(batch)
        .execute(conn)?;
    // Multi-row INSERT is not available through the multi-backend connection.
    match conn {
        DbConnection::Sqlite(c) => {
            for chunk in rows.chunks(INSERT_CHUNK) {
                diesel::insert_into(batch_rows::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
        // One binary `COPY … FROM STDIN` for every row: PostgreSQL spends far longer parsing
        // and planning multi-row INSERTs of 16,000 parameters than storing the rows.
        DbConnection::Pg(c) => {
            diesel::copy_from(batch_rows::table)
                .from_insertable(rows)
                .execute(c)?;
        }
    }
    Ok(())
}

pub fn find(
    conn: &mut DbConnection,
    officer_id: &str,
    id: &str,
) -> QueryResult<Option<BatchRecord>> {
    batches::table
        .filter(batches::id.eq(id))
        .filter(batches::officer_id.eq(officer_id))
        .select(BatchRecord::as_select())
        .first(conn)
        .optional()
}

pub fn rows(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<BatchRowRecord>> {
    batch_rows::table
        .filter(batch_rows::batch_id.eq(batch_id))
        .order(batch_rows::row_number.asc())
        .select(BatchRowRecord::as_select())
        .load(conn)
}

pub fn find_row(
    conn: &mut DbConnection,
    batch_id: &str,
    row_id: &str,
) -> QueryResult<Option<BatchRowRecord>> {
    batch_rows::table
        .filter(batch_rows::batch_id.eq(batch_id))
        .filter(batch_rows::id.eq(row_id))
        .select(BatchRowRecord::as_select())
        .first(conn)
        .optional()
}

/// Replaces a row that has not been submitted; returns whether it was replaced.
pub fn update_unsubmitted_row(conn: &mut DbConnection, row: &BatchRowRecord) -> QueryResult<bool> {
    let n = diesel::update(
        batch_rows::table
            .filter(batch_rows::id.eq(&row.id))
            .filter(batch_rows::status.ne(BatchRowStatus::Submitted.as_str())),
    )
    .set(row)
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes one row that has not been submitted; returns whether it existed.
pub fn delete_unsubmitted_row(
    conn: &mut DbConnection,
    batch_id: &str,
    row_id: &str,
) -> QueryResult<bool> {
    let n = diesel::delete(
        batch_rows::table
            .filter(batch_rows::batch_id.eq(batch_id))
            .filter(batch_rows::id.eq(row_id))
            .filter(batch_rows::status.ne(BatchRowStatus::Submitted.as_str())),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes every row that has not been submitted (Reset); submitted rows are history.
pub fn delete_unsubmitted_rows(conn: &mut DbConnection, batch_id: &str) -> QueryResult<usize> {
    diesel::delete(
        batch_rows::table
            .filter(batch_rows::batch_id.eq(batch_id))
            .filter(batch_rows::status.ne(BatchRowStatus::Submitted.as_str())),
    )
    .execute(conn)
}

/// Marks a valid row submitted, if it still is valid, and returns it as it is now (it may have
/// been edited since the caller read it). The conditional UPDATE is what makes concurrent
/// submits take each row once.
pub fn claim_for_submit(
    conn: &mut DbConnection,
    row_id: &str,
) -> QueryResult<Option<BatchRowRecord>> {
    let n = diesel::update(
        batch_rows::table
            .filter(batch_rows::id.eq(row_id))
            .filter(batch_rows::status.eq(BatchRowStatus::Valid.as_str())),
    )
    .set(batch_rows::status.eq(BatchRowStatus::Submitted.as_str()))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    batch_rows::table
        .find(row_id)
        .select(BatchRowRecord::as_select())
        .first(conn)
        .optional()
}

/// The ids of the batch's rows that are ready to submit, in sheet order.
pub fn valid_row_ids(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<String>> {
    batch_rows::table
        .filter(batch_rows::batch_id.eq(batch_id))
        .filter(batch_rows::status.eq(BatchRowStatus::Valid.as_str()))
        .order(batch_rows::row_number.asc())
        .select(batch_rows::id)
        .load(conn)
}

/// [`claim_for_submit`] for many rows at once: returns the rows this transaction claimed (a
/// row already submitted has its invitation; one claimed now has none yet).
pub fn claim_many_for_submit(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<BatchRowRecord>> {
    diesel::update(
        batch_rows::table
            .filter(batch_rows::id.eq_any(ids))
            .filter(batch_rows::status.eq(BatchRowStatus::Valid.as_str())),
    )
    .set(batch_rows::status.eq(BatchRowStatus::Submitted.as_str()))
    .execute(conn)?;
    batch_rows::table
        .filter(batch_rows::id.eq_any(ids))
        .filter(batch_rows::status.eq(BatchRowStatus::Submitted.as_str()))
        .filter(batch_rows::invitation_id.is_null())
        .order(batch_rows::row_number.asc())
        .select(BatchRowRecord::as_select())
        .load(conn)
}

/// Marks a row this transaction claimed as failed, with its errors.
pub fn fail_claimed(conn: &mut DbConnection, row_id: &str, errors_json: &str) -> QueryResult<()> {
    diesel::update(batch_rows::table.filter(batch_rows::id.eq(row_id)))
        .set((
            batch_rows::status.eq(BatchRowStatus::Failed.as_str()),
            batch_rows::errors.eq(errors_json),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Links submitted rows to their invitations, which carry the rows' own ids.
pub fn link_own_invitations(conn: &mut DbConnection, row_ids: &[String]) -> QueryResult<()> {
    for chunk in row_ids.chunks(LOOKUP_CHUNK) {
        diesel::update(batch_rows::table.filter(batch_rows::id.eq_any(chunk)))
            .set(batch_rows::invitation_id.eq(batch_rows::id.nullable()))
            .execute(conn)?;
    }
    Ok(())
}

pub fn set_failed(conn: &mut DbConnection, row_id: &str, errors_json: &str) -> QueryResult<()> {
    diesel::update(
        batch_rows::table
            .filter(batch_rows::id.eq(row_id))
            .filter(batch_rows::status.eq(BatchRowStatus::Valid.as_str())),
    )
    .set((
        batch_rows::status.eq(BatchRowStatus::Failed.as_str()),
        batch_rows::errors.eq(errors_json),
    ))
    .execute(conn)
    .map(|_| ())
}

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Nullable<diesel::sql_types::Text>) -> diesel::sql_types::Nullable<diesel::sql_types::Text>);

/// Whether another row of the batch, not invalid, has this email or (case-insensitively) this
/// username: the duplicate-in-file check of an edited row, answered by the database.
pub fn other_row_has(
    conn: &mut DbConnection,
    batch_id: &str,
    row_id: &str,
    email: Option<&str>,
    username_key: Option<&str>,
) -> QueryResult<bool> {
    let others = batch_rows::table
        .filter(batch_rows::batch_id.eq(batch_id))
        .filter(batch_rows::id.ne(row_id))
        .filter(batch_rows::status.ne(BatchRowStatus::Invalid.as_str()));
    let count: i64 = match (email, username_key) {
        (Some(email), _) => others
            .filter(batch_rows::email.eq(email))
            .count()
            .get_result(conn)?,
        (None, Some(key)) => others
            .filter(lower(batch_rows::techpass_username).eq(key))
            .count()
            .get_result(conn)?,
        (None, None) => 0,
    };
    Ok(count > 0)
}

/// Which of `emails` already have an active (not failed) invitation.
pub fn invited_emails(conn: &mut DbConnection, emails: &[String]) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in emails.chunks(LOOKUP_CHUNK) {
        let hits: Vec<String> = invitations::table
            .filter(invitations::email.eq_any(chunk))
            .filter(invitations::techpass_status.ne(TechpassStatus::Failed.as_str()))
            .select(invitations::email)
            .load(conn)?;
        found.extend(hits);
    }
    Ok(found)
}

/// Which of `keys` (lower-cased usernames) already have an active invitation.
pub fn invited_usernames(conn: &mut DbConnection, keys: &[String]) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let hits: Vec<Option<String>> = invitations::table
            .filter(invitations::username_key.eq_any(chunk))
            .filter(invitations::techpass_status.ne(TechpassStatus::Failed.as_str()))
            .select(invitations::username_key)
            .load(conn)?;
        found.extend(hits.into_iter().flatten());
    }
    Ok(found)
}
