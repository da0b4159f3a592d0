//! Staged batches and their rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use invite_core::InvitationDraft;
use invite_core::api::{BatchRowStatus, BatchSource};

use super::DbConnection;
use super::schema::{batch_rows, batches};

/// Rows per multi-row INSERT: stays under SQLite's bound-parameter limit (32,766) with 17 columns.
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
    pub source: BatchSource,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = batch_rows, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct BatchRowRecord {
    pub id: String,
    pub batch_id: String,
    pub row_number: i32,
    #[diesel(embed)]
    pub fields: InvitationDraft,
    /// `canonical` of the username as entered: the key of the duplicate-in-file check.
    pub username_key: Option<String>,
    pub status: BatchRowStatus,
    /// JSON array of `BatchRowError`.
    pub errors: String,
    pub invitation_id: Option<String>,
}

impl BatchRecord {
    /// A new batch of the actor's, created now.
    pub fn new(actor: &crate::actor::Actor, filename: String, source: BatchSource) -> Self {
        Self {
            id: uuid::Uuid::now_v7().to_string(),
            officer_id: actor.officer_id.clone(),
            filename,
            created_at: super::now(),
            source,
        }
    }
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
        // and planning multi-row INSERTs of 16,000 parameters than storing the rows. Diesel's
        // `COPY` takes flat values only, not the embedded `fields`; the row is destructured
        // without `..`, so a field added to the record or to `InvitationDraft` must be named
        // here before the server compiles (and a name left uncopied warns as unused).
        DbConnection::Pg(c) => {
            let values: Vec<_> = rows
                .iter()
                .map(|row| {
                    let BatchRowRecord {
                        id,
                        batch_id,
                        row_number,
                        fields:
                            InvitationDraft {
                                user_type,
                                email,
                                first_name,
                                last_name,
                                contact_number,
                                organisation,
                                department,
                                techpass_username,
                                seed_required,
                                reason,
                            },
                        username_key,
                        status,
                        errors,
                        invitation_id,
                    } = row;
                    (
                        batch_rows::id.eq(id),
                        batch_rows::batch_id.eq(batch_id),
                        batch_rows::row_number.eq(row_number),
                        batch_rows::user_type.eq(user_type),
                        batch_rows::email.eq(email),
                        batch_rows::first_name.eq(first_name),
                        batch_rows::last_name.eq(last_name),
                        batch_rows::contact_number.eq(contact_number),
                        batch_rows::organisation.eq(organisation),
                        batch_rows::department.eq(department),
                        batch_rows::techpass_username.eq(techpass_username),
                        batch_rows::seed_required.eq(seed_required),
                        batch_rows::reason.eq(reason),
                        batch_rows::username_key.eq(username_key),
                        batch_rows::status.eq(status),
                        batch_rows::errors.eq(errors),
                        batch_rows::invitation_id.eq(invitation_id),
                    )
                })
                .collect();
            diesel::copy_from(batch_rows::table)
                .from_insertable(values)
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
            .filter(batch_rows::status.ne(BatchRowStatus::Submitted)),
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
            .filter(batch_rows::status.ne(BatchRowStatus::Submitted)),
    )
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes every row that has not been submitted (Reset); submitted rows are history.
pub fn delete_unsubmitted_rows(conn: &mut DbConnection, batch_id: &str) -> QueryResult<usize> {
    diesel::delete(
        batch_rows::table
            .filter(batch_rows::batch_id.eq(batch_id))
            .filter(batch_rows::status.ne(BatchRowStatus::Submitted)),
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
            .filter(batch_rows::status.eq(BatchRowStatus::Valid)),
    )
    .set(batch_rows::status.eq(BatchRowStatus::Submitted))
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
        .filter(batch_rows::status.eq(BatchRowStatus::Valid))
        .order(batch_rows::row_number.asc())
        .select(batch_rows::id)
        .load(conn)
}

/// The emails, as entered, of the valid rows of the officer's batch (what a submit may invite).
pub fn valid_row_emails(
    conn: &mut DbConnection,
    officer_id: &str,
    batch_id: &str,
) -> QueryResult<Vec<String>> {
    batch_rows::table
        .inner_join(batches::table)
        .filter(batches::officer_id.eq(officer_id))
        .filter(batch_rows::batch_id.eq(batch_id))
        .filter(batch_rows::status.eq(BatchRowStatus::Valid))
        .select(batch_rows::email)
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
            .filter(batch_rows::status.eq(BatchRowStatus::Valid)),
    )
    .set(batch_rows::status.eq(BatchRowStatus::Submitted))
    .execute(conn)?;
    batch_rows::table
        .filter(batch_rows::id.eq_any(ids))
        .filter(batch_rows::status.eq(BatchRowStatus::Submitted))
        .filter(batch_rows::invitation_id.is_null())
        .order(batch_rows::row_number.asc())
        .select(BatchRowRecord::as_select())
        .load(conn)
}

/// Marks a row this transaction claimed as failed, with its errors.
pub fn fail_claimed(conn: &mut DbConnection, row_id: &str, errors_json: &str) -> QueryResult<()> {
    diesel::update(batch_rows::table.filter(batch_rows::id.eq(row_id)))
        .set((
            batch_rows::status.eq(BatchRowStatus::Failed),
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
            .filter(batch_rows::status.eq(BatchRowStatus::Valid)),
    )
    .set((
        batch_rows::status.eq(BatchRowStatus::Failed),
        batch_rows::errors.eq(errors_json),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Which of a row's keys another row of the batch, not invalid, also has: the
/// duplicate-in-file check of an edited row, answered by the database.
pub fn other_rows_share(
    conn: &mut DbConnection,
    batch_id: &str,
    row_id: &str,
    email: &str,
    username_key: Option<&str>,
) -> QueryResult<(bool, bool)> {
    let others = || {
        batch_rows::table
            .filter(batch_rows::batch_id.eq(batch_id))
            .filter(batch_rows::id.ne(row_id))
            .filter(batch_rows::status.ne(BatchRowStatus::Invalid))
    };
    let email_shared: i64 = others()
        .filter(batch_rows::email.eq(email))
        .count()
        .get_result(conn)?;
    let username_shared: i64 = match username_key {
        Some(key) => others()
            .filter(batch_rows::username_key.eq(key))
            .count()
            .get_result(conn)?,
        None => 0,
    };
    Ok((email_shared > 0, username_shared > 0))
}

/// The officer's batches, newest first, after `after` (`created_at`, id): `limit + 1` of them,
/// so that the caller can tell whether there is a next page.
pub fn list(
    conn: &mut DbConnection,
    officer_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<BatchRecord>> {
    let mut select = batches::table
        .filter(batches::officer_id.eq(officer_id))
        .order((batches::created_at.desc(), batches::id.desc()))
        .select(BatchRecord::as_select())
        .limit(limit + 1)
        .into_boxed();
    if let Some((at, id)) = after {
        select = select.filter(
            batches::created_at
                .lt(at)
                .or(batches::created_at.eq(at).and(batches::id.lt(id))),
        );
    }
    select.load(conn)
}

/// How many rows of each status the batches have: `(batch_id, status, rows)`.
pub fn status_counts(
    conn: &mut DbConnection,
    batch_ids: &[String],
) -> QueryResult<Vec<(String, BatchRowStatus, i64)>> {
    batch_rows::table
        .filter(batch_rows::batch_id.eq_any(batch_ids))
        .group_by((batch_rows::batch_id, batch_rows::status))
        .select((
            batch_rows::batch_id,
            batch_rows::status,
            diesel::dsl::count_star(),
        ))
        .load(conn)
}

/// Up to `limit + 1` rows of a batch after row `after`, in sheet order, of the given statuses
/// (all when empty).
pub fn rows_page(
    conn: &mut DbConnection,
    batch_id: &str,
    statuses: &[BatchRowStatus],
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<BatchRowRecord>> {
    let mut select = batch_rows::table
        .filter(batch_rows::batch_id.eq(batch_id))
        .order(batch_rows::row_number.asc())
        .select(BatchRowRecord::as_select())
        .limit(limit + 1)
        .into_boxed();
    if !statuses.is_empty() {
        select = select.filter(batch_rows::status.eq_any(statuses.to_vec()));
    }
    if let Some(after) = after {
        select = select.filter(batch_rows::row_number.gt(after));
    }
    select.load(conn)
}

#[derive(QueryableByName)]
struct DeliveryCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    sent: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    failed: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pending: i64,
}

/// Per invitation of the batch's submitted rows: failed; else sent when an invitation email
/// went out; else pending while one is still to go. (Revoked before its email: none of these.)
/// Set-based (one join and one grouping, no correlated subquery), so that it stays fast for
/// 50,000 rows on tables whose statistics are not yet analysed after a bulk submit.
const DELIVERY_COUNTS: &str = "SELECT \
     COALESCE(SUM(CASE WHEN failed = 1 THEN 1 ELSE 0 END), 0) AS failed, \
     COALESCE(SUM(CASE WHEN failed = 0 AND sent = 1 THEN 1 ELSE 0 END), 0) AS sent, \
     COALESCE(SUM(CASE WHEN failed = 0 AND sent = 0 AND waiting = 1 THEN 1 ELSE 0 END), 0) AS pending \
     FROM (SELECT \
       MAX(CASE WHEN i.techpass_status = 'failed' THEN 1 ELSE 0 END) AS failed, \
       MAX(CASE WHEN j.state = 'done' THEN 1 ELSE 0 END) AS sent, \
       MAX(CASE WHEN j.state = 'pending' THEN 1 ELSE 0 END) AS waiting \
       FROM batch_rows r \
       JOIN invitations i ON i.id = r.invitation_id \
       LEFT JOIN delivery_jobs j ON j.invitation_id = i.id AND j.kind = 'email' \
       WHERE r.batch_id = $1 \
       GROUP BY i.id) AS per_invitation";

/// `(sent, failed, pending)` over the invitations of the batch's submitted rows.
pub fn delivery_counts(conn: &mut DbConnection, batch_id: &str) -> QueryResult<(i64, i64, i64)> {
    let counts: DeliveryCounts = diesel::sql_query(DELIVERY_COUNTS)
        .bind::<diesel::sql_types::Text, _>(batch_id)
        .get_result(conn)?;
    Ok((counts.sent, counts.failed, counts.pending))
}

/// Batches no submit has touched (no row submitted or failed): what the draft expiry discards.
macro_rules! drafts {
    () => {
        batches::table.filter(diesel::dsl::not(diesel::dsl::exists(
            batch_rows::table
                .filter(batch_rows::batch_id.eq(batches::id))
                .filter(
                    batch_rows::status
                        .eq(BatchRowStatus::Submitted)
                        .or(batch_rows::status.eq(BatchRowStatus::Failed)),
                ),
        )))
    };
}

/// How many of the officer's batches have rows waiting (valid or invalid, not yet submitted):
/// their open drafts. Submitting the rows or resetting the batch closes one.
pub fn open_drafts(conn: &mut DbConnection, officer_id: &str) -> QueryResult<i64> {
    batches::table
        .filter(batches::officer_id.eq(officer_id))
        .filter(diesel::dsl::exists(
            batch_rows::table
                .filter(batch_rows::batch_id.eq(batches::id))
                .filter(
                    batch_rows::status
                        .eq(BatchRowStatus::Valid)
                        .or(batch_rows::status.eq(BatchRowStatus::Invalid)),
                ),
        ))
        .count()
        .get_result(conn)
}

/// Discards up to `limit` drafts staged before `before`, their rows with them (the rows'
/// foreign key cascades); returns how many. Batches with submitted rows are history and stay.
pub fn discard_drafts_before(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    limit: i64,
) -> QueryResult<usize> {
    let ids: Vec<String> = drafts!()
        .filter(batches::created_at.lt(before))
        .select(batches::id)
        .limit(limit)
        .load(conn)?;
    if ids.is_empty() {
        return Ok(0);
    }
    // One statement, still only drafts: a submit that claimed a row meanwhile keeps its batch.
    diesel::delete(drafts!().filter(batches::id.eq_any(&ids))).execute(conn)
}
