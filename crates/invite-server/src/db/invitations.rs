//! Invitations: insert (joinable into a caller's transaction), read, list by keyset, resend.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use invite_core::api::{Channel, Invitation, SeedStatus, TechpassStatus, UserType};
use invite_core::{Field, InvitationFields};

use super::schema::invitations;
use super::{DbConnection, is_unique_violation, to_utc};

/// Invitations can be re-sent once a day.
pub const RESEND_INTERVAL: Duration = Duration::hours(24);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = invitations, treat_none_as_default_value = false)]
pub struct InvitationRow {
    pub id: String,
    pub officer_id: String,
    pub user_type: String,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub contact_number: Option<String>,
    pub organisation: Option<String>,
    pub department: Option<String>,
    pub techpass_username: Option<String>,
    pub username_key: Option<String>,
    pub seed_required: bool,
    pub reason: String,
    pub channel: String,
    pub search_text: String,
    pub invited_at: NaiveDateTime,
    pub last_sent_at: NaiveDateTime,
    pub send_count: i32,
    pub techpass_status: String,
    pub seed_status: String,
    pub updated_at: NaiveDateTime,
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
        let search_text = [
            fields.first_name.as_deref(),
            fields.last_name.as_deref(),
            Some(fields.email.as_str()),
            fields.organisation.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
        let seed_status = if fields.seed_required {
            SeedStatus::Pending
        } else {
            SeedStatus::NotRequired
        };
        Self {
            id,
            officer_id: officer_id.to_owned(),
            user_type: fields.user_type.as_str().to_owned(),
            username_key: fields
                .techpass_username
                .as_deref()
                .map(str::to_ascii_lowercase),
            email: fields.email,
            first_name: fields.first_name,
            last_name: fields.last_name,
            contact_number: fields.contact_number,
            organisation: fields.organisation,
            department: fields.department,
            techpass_username: fields.techpass_username,
            seed_required: fields.seed_required,
            reason: fields.reason,
            channel: channel.as_str().to_owned(),
            search_text,
            invited_at: at,
            last_sent_at: at,
            send_count: 1,
            techpass_status: TechpassStatus::Pending.as_str().to_owned(),
            seed_status: seed_status.as_str().to_owned(),
            updated_at: at,
        }
    }

    pub fn is_onboarded(&self) -> bool {
        self.techpass_status == TechpassStatus::Onboarded.as_str()
    }

    pub fn next_resend_at(&self) -> NaiveDateTime {
        self.last_sent_at + RESEND_INTERVAL
    }

    pub fn to_api(&self, now: NaiveDateTime) -> Invitation {
        let onboarded = self.is_onboarded();
        Invitation {
            id: self.id.parse().unwrap_or_default(),
            user_type: UserType::from_wire(&self.user_type).unwrap_or(UserType::Vendor),
            email: self.email.clone(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            contact_number: self.contact_number.clone(),
            organisation: self.organisation.clone(),
            department: self.department.clone(),
            techpass_username: self.techpass_username.clone(),
            seed_required: self.seed_required,
            reason: self.reason.clone(),
            channel: Channel::from_wire(&self.channel).unwrap_or(Channel::Api),
            invited_at: to_utc(self.invited_at),
            last_sent_at: to_utc(self.last_sent_at),
            techpass_status: TechpassStatus::from_wire(&self.techpass_status)
                .unwrap_or(TechpassStatus::Pending),
            seed_status: SeedStatus::from_wire(&self.seed_status).unwrap_or(SeedStatus::Pending),
            can_resend: !onboarded && now >= self.next_resend_at(),
            next_resend_at: (!onboarded).then(|| to_utc(self.next_resend_at())),
        }
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

/// Rows per multi-row INSERT: 21 columns stay well under SQLite's 32,766 bound parameters.
const INSERT_CHUNK: usize = 1000;

/// Inserts invitations. The unique indexes decide races; the loser learns which field collided
/// (for a multi-row insert, of one of its rows). Runs inside the caller's transaction.
pub fn insert_many(conn: &mut DbConnection, rows: &[InvitationRow]) -> Result<(), InsertError> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        // Multi-row INSERT is not available through the multi-backend connection.
        let result = match conn {
            DbConnection::Sqlite(c) => diesel::insert_into(invitations::table)
                .values(chunk)
                .execute(c),
            DbConnection::Pg(c) => diesel::insert_into(invitations::table)
                .values(chunk)
                .execute(c),
        };
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

pub fn find_for_officer(
    conn: &mut DbConnection,
    officer_id: &str,
    id: &str,
) -> QueryResult<Option<InvitationRow>> {
    invitations::table
        .filter(invitations::id.eq(id))
        .filter(invitations::officer_id.eq(officer_id))
        .select(InvitationRow::as_select())
        .first(conn)
        .optional()
}

/// Filters and position of one page of `GET /invitations`.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub limit: i64,
    /// The last item of the previous page: (invited_at, id).
    pub after: Option<(NaiveDateTime, String)>,
    /// Lower-cased search text.
    pub q: Option<String>,
    pub techpass_status: Option<TechpassStatus>,
    pub seed_status: Option<SeedStatus>,
}

/// The caller's invitations, newest first. Fetches `limit + 1` rows so the caller can tell
/// whether there is a next page.
pub fn list(
    conn: &mut DbConnection,
    officer_id: &str,
    query: &ListQuery,
) -> QueryResult<Vec<InvitationRow>> {
    let mut select = invitations::table
        .filter(invitations::officer_id.eq(officer_id))
        .select(InvitationRow::as_select())
        .order((invitations::invited_at.desc(), invitations::id.desc()))
        .limit(query.limit + 1)
        .into_boxed();
    if let Some((at, id)) = &query.after {
        select = select.filter(
            invitations::invited_at.lt(*at).or(invitations::invited_at
                .eq(*at)
                .and(invitations::id.lt(id.clone()))),
        );
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
        select = select.filter(invitations::techpass_status.eq(status.as_str()));
    }
    if let Some(status) = query.seed_status {
        select = select.filter(invitations::seed_status.eq(status.as_str()));
    }
    select.load(conn)
}

/// Records a resend if, and only if, the invitation is the officer's, not onboarded, and was
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
            .filter(invitations::techpass_status.ne(TechpassStatus::Onboarded.as_str()))
            .filter(invitations::last_sent_at.le(at - RESEND_INTERVAL)),
    )
    .set((
        invitations::last_sent_at.eq(at),
        invitations::send_count.eq(invitations::send_count + 1),
        invitations::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Sets the onboarding statuses; used by status updates from upstreams (and by tests).
pub fn set_statuses(
    conn: &mut DbConnection,
    id: &str,
    techpass: TechpassStatus,
    seed: SeedStatus,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(invitations::table.filter(invitations::id.eq(id)))
        .set((
            invitations::techpass_status.eq(techpass.as_str()),
            invitations::seed_status.eq(seed.as_str()),
            invitations::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Moves `last_sent_at` back; for tests of the resend window and for operator tooling.
pub fn set_last_sent_at(
    conn: &mut DbConnection,
    id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(invitations::table.filter(invitations::id.eq(id)))
        .set(invitations::last_sent_at.eq(at))
        .execute(conn)
}
