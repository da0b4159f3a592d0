//! Invitations: insert (joinable into a caller's transaction), read, list by keyset, resend.

use std::collections::HashSet;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use invite_core::api::{Channel, Invitation, SeedStatus, TechpassStatus, UserType};
use invite_core::username::canonical;
use invite_core::{Field, InvitationFields};

use super::schema::invitations;
use super::{CorruptRow, DbConnection, is_unique_violation, parse_id, to_utc};

/// Invitations can be re-sent once a day.
pub const RESEND_INTERVAL: Duration = Duration::hours(24);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations, treat_none_as_default_value = false)]
pub struct InvitationRow {
    pub id: String,
    pub officer_id: String,
    #[diesel(embed)]
    pub fields: InvitationFields,
    /// `canonical` of the username: the key of the "already invited?" check.
    pub username_key: Option<String>,
    pub channel: Channel,
    pub search_text: String,
    pub invited_at: NaiveDateTime,
    pub last_sent_at: NaiveDateTime,
    pub techpass_status: TechpassStatus,
    pub seed_status: SeedStatus,
    pub updated_at: NaiveDateTime,
    /// Why it failed, for the officer; `None` unless a status is failed.
    pub failure_reason: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub seed_expires_at: Option<NaiveDateTime>,
}

/// The lower-cased "first last email organisation" that `q` searches.
pub fn search_text(fields: &InvitationFields) -> String {
    [
        fields.first_name.as_deref(),
        fields.last_name.as_deref(),
        Some(fields.email.as_str()),
        fields.organisation.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
    .to_lowercase()
}

impl InvitationRow {
    /// A new, pending invitation from validated fields.
    pub fn new(
        id: String,
        officer_id: &str,
        fields: InvitationFields,
        channel: Channel,
        at: NaiveDateTime,
    ) -> Self {
        let search_text = search_text(&fields);
        let seed_status = if fields.seed_required {
            SeedStatus::Pending
        } else {
            SeedStatus::NotRequired
        };
        Self {
            id,
            officer_id: officer_id.to_owned(),
            username_key: fields.techpass_username.as_deref().map(canonical),
            fields,
            channel,
            search_text,
            invited_at: at,
            last_sent_at: at,
            techpass_status: TechpassStatus::Pending,
            seed_status,
            updated_at: at,
            failure_reason: None,
            revoked_at: None,
            expires_at: None,
            seed_expires_at: None,
        }
    }

    pub fn next_resend_at(&self) -> NaiveDateTime {
        self.last_sent_at + RESEND_INTERVAL
    }

    /// The invitation as the API shows it. Fails only when the stored id is not a UUID, which
    /// only a hand-edited database can cause; the error names the row.
    pub fn to_api(&self, now: NaiveDateTime) -> Result<Invitation, CorruptRow> {
        // Only a pending invitation can be sent again.
        let pending = self.techpass_status == TechpassStatus::Pending;
        Ok(Invitation {
            id: parse_id("invitations", &self.id)?,
            fields: self.fields.clone(),
            channel: self.channel,
            invited_at: to_utc(self.invited_at),
            last_sent_at: to_utc(self.last_sent_at),
            techpass_status: self.techpass_status,
            seed_status: self.seed_status,
            can_resend: pending && now >= self.next_resend_at(),
            next_resend_at: pending.then(|| to_utc(self.next_resend_at())),
            failure_reason: self.failure_reason.clone(),
            revoked_at: self.revoked_at.map(to_utc),
            expires_at: self.expires_at.filter(|_| pending).map(to_utc),
            seed_expires_at: self
                .seed_expires_at
                .filter(|_| self.seed_status == SeedStatus::Pending)
                .map(to_utc),
            updated_at: to_utc(self.updated_at),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InsertError {
    /// An invitation that is not failed already exists for this field (email or username).
    #[error("already invited ({})", .0.as_str())]
    AlreadyInvited(Field),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

/// Rows per multi-row INSERT: 20 columns stay well under SQLite's 32,766 bound parameters.
const INSERT_CHUNK: usize = 1000;

/// Inserts invitations. The unique indexes decide races; the loser learns which field collided
/// (for a multi-row insert, of one of its rows). Runs inside the caller's transaction.
pub fn insert_many(conn: &mut DbConnection, rows: &[InvitationRow]) -> Result<(), InsertError> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let result = super::on_backend!(conn, |c| diesel::insert_into(invitations::table)
            .values(chunk)
            .execute(c));
        match result {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(InsertError::AlreadyInvited(conflicting_field(&e)));
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Which unique index refused an insert: PostgreSQL names the constraint; SQLite only says
/// "UNIQUE constraint failed: invitations.<column>". (No query here: inside a PostgreSQL
/// transaction the failed statement has aborted it.)
fn conflicting_field(error: &diesel::result::Error) -> Field {
    let names_username = match error {
        diesel::result::Error::DatabaseError(_, info) => info.constraint_name().map_or_else(
            || info.message().contains("username_key"),
            |c| c.contains("username"),
        ),
        _ => false,
    };
    if names_username {
        Field::TechpassUsername
    } else {
        Field::Email
    }
}

/// Values per `IN (…)` lookup.
const LOOKUP_CHUNK: usize = 500;

/// The emails and username keys that belong to an active (not failed) invitation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActiveKeys {
    pub emails: HashSet<String>,
    pub usernames: HashSet<String>,
    /// Emails that already have a TechPass account (from TechPass's directory, not the
    /// database; filled in by the caller).
    pub on_techpass: HashSet<String>,
}

/// Who is already invited: which of `emails` and of `username_keys` (`canonical` usernames)
/// have an active invitation. Served by the plain `invitations_email` and
/// `invitations_username_key` indexes.
pub fn active_keys(
    conn: &mut DbConnection,
    emails: &[String],
    username_keys: &[String],
) -> QueryResult<ActiveKeys> {
    let mut found = ActiveKeys::default();
    for chunk in emails.chunks(LOOKUP_CHUNK) {
        let hits: Vec<String> = invitations::table
            .filter(invitations::email.eq_any(chunk))
            .filter(invitations::techpass_status.eq_any(TechpassStatus::LIVE))
            .select(invitations::email)
            .load(conn)?;
        found.emails.extend(hits);
    }
    for chunk in username_keys.chunks(LOOKUP_CHUNK) {
        let hits: Vec<Option<String>> = invitations::table
            .filter(invitations::username_key.eq_any(chunk))
            .filter(invitations::techpass_status.eq_any(TechpassStatus::LIVE))
            .select(invitations::username_key)
            .load(conn)?;
        found.usernames.extend(hits.into_iter().flatten());
    }
    Ok(found)
}

/// Invitations by id, whoever owns them (for delivery, never for an officer's request), with
/// the email of the officer who made each.
pub fn find_many_with_officer(
    conn: &mut DbConnection,
    ids: &[&str],
) -> QueryResult<Vec<(InvitationRow, String)>> {
    use super::schema::officers;
    invitations::table
        .inner_join(officers::table)
        .filter(invitations::id.eq_any(ids))
        .select((InvitationRow::as_select(), officers::email))
        .load(conn)
}

pub fn find_for_officer(
    conn: &mut DbConnection,
    officer_id: &str,
    id: &str,
) -> QueryResult<Option<InvitationRow>> {
    let found = invitations::table
        .filter(invitations::id.eq(id))
        .filter(invitations::officer_id.eq(officer_id))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional();
    name_unreadable_rows(conn, officer_id, found)
}

/// Passes `result` through; when it failed on a stored value this code cannot read (an
/// unknown status, say), first logs each of the officer's rows that holds one, with its id
/// and values, so that the request's trace id leads an operator to the rows to repair.
fn name_unreadable_rows<T>(
    conn: &mut DbConnection,
    officer_id: &str,
    result: QueryResult<T>,
) -> QueryResult<T> {
    if !matches!(result, Err(diesel::result::Error::DeserializationError(_))) {
        return result;
    }
    // Id, user type, channel, TechPass and SEED status, each as the raw text stored.
    type RawValues = (String, String, String, String, String);
    let unreadable: QueryResult<Vec<RawValues>> = invitations::table
        .filter(invitations::officer_id.eq(officer_id))
        .filter(
            invitations::user_type
                .ne_all(UserType::ALL)
                .or(invitations::channel.ne_all(Channel::ALL))
                .or(invitations::techpass_status.ne_all(TechpassStatus::ALL))
                .or(invitations::seed_status.ne_all(SeedStatus::ALL)),
        )
        .select((
            invitations::id,
            invitations::user_type,
            invitations::channel,
            invitations::techpass_status,
            invitations::seed_status,
        ))
        .limit(100)
        .load(conn);
    match unreadable {
        Ok(rows) => {
            for (invitation_id, user_type, channel, techpass_status, seed_status) in rows {
                tracing::error!(
                    %invitation_id, %user_type, %channel, %techpass_status, %seed_status,
                    "invitation holds a value this version cannot read"
                );
            }
        }
        Err(e) => tracing::error!(error = %e, "could not list the unreadable invitations"),
    }
    result
}

/// Filters and position of one page of `GET /invitations`.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub limit: i64,
    /// The last item of the previous page: (invited_at, id), or (updated_at, id) in the change
    /// feed.
    pub after: Option<(NaiveDateTime, String)>,
    /// The change feed: invitations updated at or after this time, oldest change first.
    pub updated_since: Option<NaiveDateTime>,
    /// Normalised (trimmed, lower-cased) email, matched exactly.
    pub email: Option<String>,
    /// Lower-cased search text.
    pub q: Option<String>,
    pub techpass_status: Option<TechpassStatus>,
    pub seed_status: Option<SeedStatus>,
}

/// The caller's invitations, newest first, or with `updated_since` oldest change first.
/// Fetches `limit + 1` rows so the caller can tell whether there is a next page.
pub fn list(
    conn: &mut DbConnection,
    officer_id: &str,
    query: &ListQuery,
) -> QueryResult<Vec<InvitationRow>> {
    let rare = match &query.q {
        Some(q) => rare_search_term(conn, q)?,
        None => None,
    };
    let mut select = invitations::table
        .select(InvitationRow::as_select())
        .limit(query.limit + 1)
        .into_boxed();
    select = match rare {
        // Few invitations hold the search term: fetch those by the trigram index and sort them,
        // rather than walking the officer's invitations newest first until a page is full (the
        // whole list when the term is absent). The unary `+` keeps SQLite from driving the
        // query by the officer's index instead.
        Some(pattern) => select.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("+invitations.officer_id = ")
                .bind::<diesel::sql_types::Text, _>(officer_id.to_owned())
                .sql(
                    " AND invitations.rowid IN \
                     (SELECT rowid FROM invitations_search WHERE search_text LIKE ",
                )
                .bind::<diesel::sql_types::Text, _>(pattern)
                .sql(")"),
        ),
        None => select.filter(invitations::officer_id.eq(officer_id)),
    };
    match query.updated_since {
        None => {
            select = select.order((invitations::invited_at.desc(), invitations::id.desc()));
            if let Some((at, id)) = &query.after {
                select = select.filter(after_position("invited_at", "<", *at, id));
            }
        }
        Some(since) => {
            select = select
                .filter(invitations::updated_at.ge(since))
                .order((invitations::updated_at.asc(), invitations::id.asc()));
            if let Some((at, id)) = &query.after {
                select = select.filter(after_position("updated_at", ">", *at, id));
            }
        }
    }
    if let Some(email) = &query.email {
        select = select.filter(invitations::email.eq(email.clone()));
    }
    if let Some(q) = &query.q {
        // Escape LIKE wildcards so a search for "100%" means what it says.
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        select = select.filter(
            invitations::search_text
                .like(format!("%{escaped}%"))
                .escape('\\'),
        );
    }
    if let Some(status) = query.techpass_status {
        select = select.filter(invitations::techpass_status.eq(status));
    }
    if let Some(status) = query.seed_status {
        select = select.filter(invitations::seed_status.eq(status));
    }
    let rows = select.load(conn);
    name_unreadable_rows(conn, officer_id, rows)
}

/// The keyset condition "after the cursor's `(time, id)`" as one row-value comparison, which
/// both databases answer by seeking the `(officer_id, time, id)` index. Spelt out as
/// `time < t OR (time = t AND id < i)`, PostgreSQL read the index from the start and discarded
/// every row before the cursor (235 ms at the middle of 1,000,000), and so did SQLite with bound
/// parameters (220 ms). `column` and `op` are this module's constants, never input.
fn after_position(
    column: &'static str,
    op: &'static str,
    at: NaiveDateTime,
    id: &str,
) -> Box<
    dyn diesel::BoxableExpression<
            invitations::table,
            <DbConnection as diesel::Connection>::Backend,
            SqlType = diesel::sql_types::Bool,
        >,
> {
    Box::new(
        diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
            "(invitations.{column}, invitations.id) {op} ("
        ))
        .bind::<diesel::sql_types::Timestamp, _>(at)
        .sql(", ")
        .bind::<diesel::sql_types::Text, _>(id.to_owned())
        .sql(")"),
    )
}

/// At most this many invitations (of every officer) holding a search term make the trigram
/// index the better way in on SQLite. Past it, walking the officer's list newest first finds a
/// page sooner: with `d` the share of invitations that match, the walk reads about `51 / d`
/// rows at ~0.3 µs each, the index path each match at ~20 µs (measured at 1,000,000: 1,000
/// matches took 22 ms by the index, 14 ms by the walk).
const RARE_TERM_MATCHES: i64 = 256;

/// On SQLite, the `LIKE` pattern of `q` when the trigram index holds at most
/// [`RARE_TERM_MATCHES`] rows with it; `None` otherwise, and for terms the index cannot serve
/// (under three characters, or with a wildcard to escape: FTS5 takes no `ESCAPE`). On
/// PostgreSQL `None`: its planner chooses between the trigram index and the walk itself.
fn rare_search_term(conn: &mut DbConnection, q: &str) -> QueryResult<Option<String>> {
    let DbConnection::Sqlite(conn) = conn else {
        return Ok(None);
    };
    if q.chars().count() < 3 || q.contains(['%', '_', '\\']) {
        return Ok(None);
    }
    #[derive(QueryableByName)]
    struct Matches {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        matches: i64,
    }
    let pattern = format!("%{q}%");
    let counted: Matches = diesel::sql_query(
        "SELECT count(*) AS matches FROM (SELECT 1 FROM invitations_search \
         WHERE search_text LIKE ? LIMIT ?)",
    )
    .bind::<diesel::sql_types::Text, _>(&pattern)
    .bind::<diesel::sql_types::BigInt, _>(RARE_TERM_MATCHES + 1)
    .get_result(conn)?;
    Ok((counted.matches <= RARE_TERM_MATCHES).then_some(pattern))
}

/// Records a resend if, and only if, the invitation is the officer's, pending, and was
/// last sent at least a day ago — one conditional UPDATE, so simultaneous resends send once.
/// Returns whether it was recorded.
pub fn mark_resent(
    conn: &mut DbConnection,
    officer_id: &str,
    id: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        invitations::table
            .filter(invitations::id.eq(id))
            .filter(invitations::officer_id.eq(officer_id))
            .filter(invitations::techpass_status.eq(TechpassStatus::Pending))
            .filter(invitations::last_sent_at.le(at - RESEND_INTERVAL)),
    )
    .set((
        invitations::last_sent_at.eq(at),
        invitations::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}
