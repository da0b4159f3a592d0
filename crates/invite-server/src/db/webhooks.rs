//! Webhook endpoints, and the deliveries the events of an officer's invitations owe them
//! (jobs of kind `webhook` in the outbox, one per event and endpoint).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use invite_core::api::{DeliveryKind, JobState};

use super::DbConnection;
use super::audit::AuditEvent;
use super::outbox::{self, JobRecord};
use super::schema::{delivery_jobs, webhook_endpoints};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct EndpointRecord {
    pub id: String,
    pub officer_id: String,
    pub url: String,
    pub description: Option<String>,
    /// Comma-separated event types.
    pub event_types: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

impl EndpointRecord {
    /// Whether the endpoint subscribed to events of this type.
    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types.split(',').any(|t| t == event_type)
    }

    /// The secrets that sign a delivery at `now`: the current one, and the previous one while
    /// a rotation lets receivers catch up.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && now < until
        {
            secrets.push(previous);
        }
        secrets
    }
}

pub fn insert(conn: &mut DbConnection, endpoint: &EndpointRecord) -> QueryResult<()> {
    diesel::insert_into(webhook_endpoints::table)
        .values(endpoint)
        .execute(conn)
        .map(|_| ())
}

/// The officer's endpoints (not deleted), newest first.
pub fn list(conn: &mut DbConnection, officer_id: &str) -> QueryResult<Vec<EndpointRecord>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::officer_id.eq(officer_id))
        .filter(webhook_endpoints::deleted_at.is_null())
        .order((
            webhook_endpoints::created_at.desc(),
            webhook_endpoints::id.desc(),
        ))
        .select(EndpointRecord::as_select())
        .load(conn)
}

/// How many endpoints (not deleted) the officer has.
pub fn count(conn: &mut DbConnection, officer_id: &str) -> QueryResult<i64> {
    webhook_endpoints::table
        .filter(webhook_endpoints::officer_id.eq(officer_id))
        .filter(webhook_endpoints::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// The officer's endpoint, unless deleted.
pub fn find(
    conn: &mut DbConnection,
    officer_id: &str,
    id: &str,
) -> QueryResult<Option<EndpointRecord>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id))
        .filter(webhook_endpoints::officer_id.eq(officer_id))
        .filter(webhook_endpoints::deleted_at.is_null())
        .select(EndpointRecord::as_select())
        .first(conn)
        .optional()
}

/// Endpoints by id, deleted ones included (a worker skips those).
pub fn find_many(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<EndpointRecord>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq_any(ids))
        .select(EndpointRecord::as_select())
        .load(conn)
}

/// Deletes the officer's endpoint and cancels its deliveries still waiting. Returns whether
/// there was such an endpoint.
pub fn delete(
    conn: &mut DbConnection,
    officer_id: &str,
    id: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let deleted = diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(id))
            .filter(webhook_endpoints::officer_id.eq(officer_id))
            .filter(webhook_endpoints::deleted_at.is_null()),
    )
    .set(webhook_endpoints::deleted_at.eq(at))
    .execute(conn)?;
    if deleted == 1 {
        diesel::update(
            delivery_jobs::table
                .filter(delivery_jobs::endpoint_id.eq(id))
                .filter(delivery_jobs::state.eq(JobState::Pending)),
        )
        .set((
            delivery_jobs::state.eq(JobState::Cancelled),
            delivery_jobs::updated_at.eq(at),
        ))
        .execute(conn)?;
    }
    Ok(deleted == 1)
}

/// Replaces the endpoint's secret; the one it had keeps signing until `previous_until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    endpoint: &EndpointRecord,
    secret: &str,
    previous_until: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(&endpoint.id))
            .filter(webhook_endpoints::secret.eq(&endpoint.secret))
            .filter(webhook_endpoints::deleted_at.is_null()),
    )
    .set((
        webhook_endpoints::secret.eq(secret),
        webhook_endpoints::previous_secret.eq(&endpoint.secret),
        webhook_endpoints::previous_secret_until.eq(previous_until),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Enqueues a delivery of each event to each endpoint of its invitation's officer that
/// subscribed to its type, inside the caller's transaction. Returns how many.
pub fn enqueue_deliveries(
    conn: &mut DbConnection,
    events: &[AuditEvent],
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let mut officers: Vec<&str> = events.iter().map(|e| e.officer_id.as_str()).collect();
    officers.sort_unstable();
    officers.dedup();
    let live = webhook_endpoints::table
        .filter(webhook_endpoints::deleted_at.is_null())
        .select(EndpointRecord::as_select());
    // One officer (a create, a submit, a delivery round of one officer's jobs) is the common
    // case: a fixed statement, which the connection prepares once, not an `IN` list per call.
    let endpoints: Vec<EndpointRecord> = match officers.as_slice() {
        [] => return Ok(0),
        [officer] => live
            .filter(webhook_endpoints::officer_id.eq(*officer))
            .load(conn)?,
        many => live
            .filter(webhook_endpoints::officer_id.eq_any(many))
            .load(conn)?,
    };
    if endpoints.is_empty() {
        return Ok(0);
    }
    let mut by_officer: HashMap<&str, Vec<&EndpointRecord>> = HashMap::new();
    for endpoint in &endpoints {
        by_officer
            .entry(endpoint.officer_id.as_str())
            .or_default()
            .push(endpoint);
    }
    let jobs: Vec<JobRecord> = events
        .iter()
        .flat_map(|event| {
            by_officer
                .get(event.officer_id.as_str())
                .into_iter()
                .flatten()
                .filter(|endpoint| endpoint.wants(&event.action))
                .map(|endpoint| JobRecord::webhook(&event.subject_id, &endpoint.id, &event.id, at))
        })
        .collect();
    outbox::enqueue(conn, &jobs)?;
    Ok(jobs.len())
}

/// The endpoint's deliveries, newest first, after `after` (`created_at`, id): `limit + 1`.
pub fn deliveries(
    conn: &mut DbConnection,
    endpoint_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<JobRecord>> {
    let mut select = delivery_jobs::table
        .filter(delivery_jobs::endpoint_id.eq(endpoint_id))
        .filter(delivery_jobs::kind.eq(DeliveryKind::Webhook))
        .order((delivery_jobs::created_at.desc(), delivery_jobs::id.desc()))
        .select(JobRecord::as_select())
        .limit(limit + 1)
        .into_boxed();
    if let Some((at, id)) = after {
        select = select.filter(
            delivery_jobs::created_at
                .lt(at)
                .or(delivery_jobs::created_at
                    .eq(at)
                    .and(delivery_jobs::id.lt(id))),
        );
    }
    select.load(conn)
}
