//! The worker's rounds besides delivery: the sweep (what is past its deadline expires, old
//! idempotency keys and drafts go) and reconciliation (pending invitations read back from
//! TechPass and SEED, for events that never arrived). Every worker runs both; both are
//! idempotent.

use chrono::Duration;
use invite_core::api::{TechpassStatus, UpstreamSource};

use super::worker::Worker;
use crate::db::{self, idempotency, lifecycle};
use crate::services::upstream_events;

/// Invitations read back per reconciliation round.
const RECONCILE_BATCH: i64 = 100;

impl Worker {
    /// Expires what is past its deadline, and forgets expired idempotency keys. Every worker
    /// sweeps; both are idempotent.
    pub(super) async fn sweep(&self) {
        match self
            .with_conn(|conn| lifecycle::expire_due(conn, db::now()))
            .await
        {
            Ok(expired) if expired != lifecycle::Expired::default() => {
                tracing::info!(
                    invitations = expired.invitations,
                    seed = expired.seed,
                    "expired past their deadline"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "the expiry sweep could not reach the database"),
        }
        let before = db::now() - self.settings.idempotency_ttl;
        match self
            .with_conn(move |conn| idempotency::purge_expired(conn, before))
            .await
        {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired idempotency keys forgotten"),
            Err(error) => {
                tracing::error!(%error, "the idempotency purge could not reach the database")
            }
        }
        let Some(draft_ttl) = self.settings.draft_ttl else {
            return;
        };
        let before = db::now() - draft_ttl;
        match self
            .with_conn(move |conn| db::batches::discard_drafts_before(conn, before, 500))
            .await
        {
            Ok(0) => {}
            Ok(discarded) => {
                tracing::info!(discarded, "draft batches past their keeping discarded")
            }
            Err(error) => {
                tracing::error!(%error, "the draft expiry could not reach the database")
            }
        }
    }

    /// Reads back, from TechPass or SEED, pending invitations not checked for a reconcile
    /// interval, and applies what they say as the event they would have sent (same rules: only
    /// a newer state moves a status). For events that never arrived.
    pub(super) async fn reconcile(&self) {
        let before =
            db::now() - Duration::from_std(self.settings.reconcile).unwrap_or(Duration::minutes(5));
        let due = match self
            .with_conn(move |conn| lifecycle::due_for_reconciliation(conn, before, RECONCILE_BATCH))
            .await
        {
            Ok(due) => due,
            Err(error) => {
                tracing::error!(%error, "reconciliation could not reach the database");
                return;
            }
        };
        if due.is_empty() {
            return;
        }
        let mut applied = 0;
        for invitation in &due {
            let (source, reader) = if invitation.techpass_status == TechpassStatus::Pending {
                (UpstreamSource::Techpass, &self.techpass_reader)
            } else {
                (UpstreamSource::Seed, &self.seed_reader)
            };
            let event = match reader.check(invitation).await {
                Ok(Some(event)) => event,
                Ok(None) => continue,
                Err(failure) => {
                    tracing::warn!(invitation_id = %invitation.id, reason = failure.reason(), "reconciliation could not read the invitation back");
                    continue;
                }
            };
            // The refusals an event can meet (another address, invited again since) are the
            // inner error; the outer one is the database's.
            let outcome = self
                .with_conn(move |conn| {
                    Ok(crate::db::transaction(conn, |conn| {
                        upstream_events::apply(conn, source, &event, db::now())
                    }))
                })
                .await
                .and_then(|applied| applied.map_err(|e| e.to_string()));
            match outcome {
                Ok((true, enqueued)) => {
                    applied += 1;
                    if enqueued {
                        self.wake.notify_one();
                    }
                }
                Ok((false, _)) => {}
                Err(error) => {
                    tracing::warn!(invitation_id = %invitation.id, %error, "reconciliation could not apply what it read")
                }
            }
        }
        let ids: Vec<String> = due.iter().map(|i| i.id.clone()).collect();
        let marked = self
            .with_conn(move |conn| {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                lifecycle::mark_reconciled(conn, &ids, db::now())
            })
            .await;
        if let Err(error) = marked {
            tracing::error!(%error, "reconciliation could not record its check");
        }
        tracing::info!(checked = due.len(), applied, "reconciliation round");
    }
}
