//! Each invitation's history: every change (created, sent, onboarded, failed, …), and who or
//! what made it, as rows of `audit_events` whose subject is the invitation and whose
//! `officer_id` is its owner. [`record`] is the one door for a change: it stores the events
//! and, in the same transaction, the webhook deliveries they owe the owner's endpoints.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use invite_core::api::{EventSource, InvitationEvent, InvitationEventType};

use super::audit::{self, AuditEvent};
use super::schema::{audit_events, invitations};
use super::{CorruptRow, DbConnection, parse_id, to_utc, webhooks};
use crate::actor::Actor;

/// Ids per `IN (…)` lookup.
const LOOKUP_CHUNK: usize = 500;

/// One change of one invitation, about to be recorded.
#[derive(Debug, Clone)]
pub struct Change {
    pub invitation_id: String,
    /// The invitation's officer when the caller knows it; looked up otherwise.
    pub owner: Option<String>,
    pub event_type: InvitationEventType,
    pub source: EventSource,
    pub actor: Option<String>,
    pub detail: Option<String>,
    pub trace_id: String,
}

impl Change {
    /// A change an officer (or their API key) made to their own invitation.
    pub fn by(actor: &Actor, event_type: InvitationEventType, invitation_id: &str) -> Self {
        Self {
            invitation_id: invitation_id.to_owned(),
            owner: Some(actor.officer_id.clone()),
            event_type,
            source: actor.source(),
            actor: Some(actor.label()),
            detail: None,
            trace_id: actor.trace_id.clone(),
        }
    }

    /// A change TechPass, SEED or this service made.
    pub fn from(source: EventSource, event_type: InvitationEventType, invitation_id: &str) -> Self {
        Self {
            invitation_id: invitation_id.to_owned(),
            owner: None,
            event_type,
            source,
            actor: None,
            detail: None,
            trace_id: String::new(),
        }
    }

    pub fn owned_by(mut self, owner: &str) -> Self {
        self.owner = Some(owner.to_owned());
        self
    }

    pub fn with_detail(mut self, detail: &str) -> Self {
        self.detail = Some(detail.to_owned());
        self
    }
}

/// The owners of the invitations, by id.
fn owners(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<HashMap<String, String>> {
    let mut found = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(LOOKUP_CHUNK) {
        let rows: Vec<(String, String)> = invitations::table
            .filter(invitations::id.eq_any(chunk))
            .select((invitations::id, invitations::officer_id))
            .load(conn)?;
        found.extend(rows);
    }
    Ok(found)
}

/// Records the changes at `at`, with the webhook deliveries they owe, inside the caller's
/// transaction. A change of an invitation that does not exist is dropped. Returns how many
/// webhook deliveries were enqueued (so the caller can wake the worker).
pub fn record(
    conn: &mut DbConnection,
    changes: Vec<Change>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    if changes.is_empty() {
        return Ok(0);
    }
    let unknown: Vec<&str> = changes
        .iter()
        .filter(|c| c.owner.is_none())
        .map(|c| c.invitation_id.as_str())
        .collect();
    let looked_up = if unknown.is_empty() {
        HashMap::new()
    } else {
        owners(conn, &unknown)?
    };
    let events: Vec<AuditEvent> = changes
        .into_iter()
        .filter_map(|change| {
            let owner = change
                .owner
                .or_else(|| looked_up.get(&change.invitation_id).cloned())?;
            Some(AuditEvent {
                id: uuid::Uuid::now_v7().to_string(),
                officer_id: owner,
                action: change.event_type.as_str().to_owned(),
                subject_id: change.invitation_id,
                channel: channel_of(change.source).to_owned(),
                trace_id: change.trace_id,
                created_at: at,
                source: Some(change.source.as_str().to_owned()),
                actor: change.actor,
                detail: change.detail,
            })
        })
        .collect();
    audit::record_many(conn, &events)?;
    webhooks::enqueue_deliveries(conn, &events, at)
}

/// The channel column of a change: how it came in.
fn channel_of(source: EventSource) -> &'static str {
    match source {
        EventSource::Officer => "spa",
        EventSource::ApiKey => "api",
        EventSource::Techpass => "techpass",
        EventSource::Seed => "seed",
        EventSource::System => "system",
    }
}

/// Up to `limit + 1` events of the invitation, oldest first, after `after` (`created_at`, id).
pub fn of_invitation(
    conn: &mut DbConnection,
    invitation_id: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut select = audit_events::table
        .filter(audit_events::subject_id.eq(invitation_id))
        .order((audit_events::created_at.asc(), audit_events::id.asc()))
        .select(AuditEvent::as_select())
        .limit(limit + 1)
        .into_boxed();
    if let Some((at, id)) = after {
        select = select.filter(
            audit_events::created_at
                .gt(at)
                .or(audit_events::created_at.eq(at).and(audit_events::id.gt(id))),
        );
    }
    select.load(conn)
}

/// The events with these ids.
pub fn find_many(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::id.eq_any(ids))
        .select(AuditEvent::as_select())
        .load(conn)
}

impl AuditEvent {
    /// The event as the API (and a webhook) gives it; a row that is not an invitation's event,
    /// or unreadable, is a [`CorruptRow`].
    pub fn to_api(&self) -> Result<InvitationEvent, CorruptRow> {
        let corrupt = |problem: String| CorruptRow {
            table: "audit_events",
            row_id: self.id.clone(),
            problem,
        };
        let event_type = InvitationEventType::from_wire(&self.action)
            .ok_or_else(|| corrupt(format!("action {:?} is no invitation event", self.action)))?;
        let source = match self.source.as_deref() {
            Some(text) => EventSource::from_wire(text)
                .ok_or_else(|| corrupt(format!("source {text:?} is unknown")))?,
            // Written before sources were recorded: only officers and their keys wrote then.
            None if self.channel == "api" => EventSource::ApiKey,
            None => EventSource::Officer,
        };
        Ok(InvitationEvent {
            id: parse_id("audit_events", &self.id)?,
            invitation_id: parse_id("audit_events.subject_id", &self.subject_id)?,
            event_type,
            source,
            actor: self.actor.clone(),
            detail: self.detail.clone(),
            trace_id: Some(self.trace_id.clone()).filter(|t| !t.is_empty()),
            at: to_utc(self.created_at),
        })
    }
}
