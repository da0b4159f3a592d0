//! Audit events: who did what to which record, when, and through which channel.

use diesel::prelude::*;

use super::schema::audit_events;
use super::{DbConnection, now};
use crate::actor::Actor;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: String,
    pub officer_id: String,
    /// e.g. `invitation.created`, `invitation.resent`, `api_key.created`, `api_key.revoked`.
    pub action: String,
    pub subject_id: String,
    /// `email_invitation`, `create_account`, `batch_upload`, `api`, or `spa` for key management.
    pub channel: String,
    /// Empty when no request made the change (a delivery, an expiry).
    pub trace_id: String,
    pub created_at: chrono::NaiveDateTime,
    /// `officer`, `api_key`, `techpass`, `seed` or `system` (`EventSource`); null on rows
    /// written before it was recorded.
    pub source: Option<String>,
    /// The officer's email or the API key's name (`Actor::label`); null for upstreams.
    pub actor: Option<String>,
    /// More about it, in words (why it failed, for example).
    pub detail: Option<String>,
}

impl AuditEvent {
    pub fn new(actor: &Actor, action: &str, subject_id: &str, channel: &str) -> Self {
        AuditEvent {
            id: uuid::Uuid::now_v7().to_string(),
            officer_id: actor.officer_id.clone(),
            action: action.to_owned(),
            subject_id: subject_id.to_owned(),
            channel: channel.to_owned(),
            trace_id: actor.trace_id.clone(),
            created_at: now(),
            source: Some(actor.source().as_str().to_owned()),
            actor: Some(actor.label()),
            detail: None,
        }
    }
}

pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    subject_id: &str,
    channel: &str,
) -> QueryResult<()> {
    record_many(conn, &[AuditEvent::new(actor, action, subject_id, channel)])
}

/// Rows per multi-row INSERT (10 columns each; SQLite binds at most 32,766 values).
const INSERT_CHUNK: usize = 2000;

pub fn record_many(conn: &mut DbConnection, events: &[AuditEvent]) -> QueryResult<()> {
    for chunk in events.chunks(INSERT_CHUNK) {
        super::on_backend!(conn, |c| diesel::insert_into(audit_events::table)
            .values(chunk)
            .execute(c))?;
    }
    Ok(())
}
