//! The outbox worker: runs inside the server process (switched off per replica with
//! `INVITES_DELIVERY_WORKER=false`), claims due jobs with a lease, delivers each through its
//! gateway and settles it: done, retried later with backoff, or dead after the last attempt or
//! a permanent refusal.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;
use futures_util::{StreamExt, stream};
use invite_core::api::{DeliveryKind, EventSource, InvitationEventType};
use tokio::sync::Notify;
use tracing::Instrument;

use super::retry::RetryPolicy;
use super::webhooks::{self, WebhookGateway};
use super::{EmailSender, Failure, Provisioner, Reconciler, email};
use crate::config::DeliveryConfig;
use crate::db::history::{self, Change};
use crate::db::invitations::{self, InvitationRow};
use crate::db::lifecycle::{self, Deadlines};
use crate::db::outbox::{self, JobRecord};
use crate::db::{self, DbConnection, Pool};
use crate::metrics::Outcome;
use crate::trace_export::Traceparent;

/// Deliveries in flight at once per worker (each an SMTP or HTTP call).
const CONCURRENCY: usize = 32;

/// How often a round's settling write is tried again while the database is away.
const SETTLE_RETRY: Duration = Duration::milliseconds(250);

/// How long a woken worker waits before it claims, to take many new jobs in one round.
const GATHER: StdDuration = StdDuration::from_millis(50);

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// How long a claim holds a job before another worker may take it over.
    pub lease: Duration,
    /// Jobs claimed at once.
    pub batch: i64,
    /// How long an idle worker waits for due jobs when nothing wakes it.
    pub poll: StdDuration,
    pub retry: RetryPolicy,
    /// The base of the invitation links (`…/accept`); each email's link is `{base}/{job id}`.
    pub accept_base: String,
    pub deadlines: Deadlines,
    /// How often the worker expires what is past its deadline.
    pub sweep: StdDuration,
    /// How often the worker reads pending invitations back from the upstreams.
    pub reconcile: StdDuration,
    /// How long an `Idempotency-Key` is remembered; the sweep forgets older ones.
    pub idempotency_ttl: Duration,
    /// How long a draft batch is kept; the sweep discards older ones. `None`: forever.
    pub draft_ttl: Option<Duration>,
}

impl WorkerSettings {
    pub fn from_config(config: &DeliveryConfig) -> Self {
        Self {
            lease: Duration::seconds(config.lease_secs),
            batch: 200,
            poll: StdDuration::from_millis(config.poll_ms),
            retry: RetryPolicy {
                max_attempts: config.max_attempts,
                base: Duration::milliseconds(config.retry_base_ms),
                ..RetryPolicy::default()
            },
            accept_base: "/accept".into(),
            deadlines: config.deadlines,
            sweep: StdDuration::from_secs(config.sweep_secs),
            reconcile: StdDuration::from_secs(config.reconcile_secs),
            idempotency_ttl: Duration::hours(24),
            draft_ttl: Some(Duration::hours(168)),
        }
    }
}

pub struct Worker {
    pub pool: Pool,
    /// Names this worker's claims (host, process and a random part).
    pub owner: String,
    pub settings: WorkerSettings,
    pub email: Arc<dyn EmailSender>,
    pub techpass: Arc<dyn Provisioner>,
    pub techpass_revocations: Arc<dyn Provisioner>,
    pub seed: Arc<dyn Provisioner>,
    /// Read an invitation's state back (reconciliation).
    pub techpass_reader: Arc<dyn Reconciler>,
    pub seed_reader: Arc<dyn Reconciler>,
    /// Posts invitation events to the officers' webhook endpoints.
    pub webhooks: Arc<WebhookGateway>,
    /// Notified when jobs are enqueued, so that they go out at once instead of at the next poll.
    pub wake: Arc<Notify>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Turns true when the process stops: the worker finishes the deliveries it started, hands
    /// back the jobs it claimed but did not start, and returns.
    pub stop: tokio::sync::watch::Receiver<bool>,
}

impl Worker {
    /// Claims and delivers jobs until `stop` turns true (or the task is dropped).
    pub async fn run(self) {
        tracing::info!(owner = %self.owner, "delivery worker started");
        let mut next_sweep = tokio::time::Instant::now();
        let mut next_reconcile = tokio::time::Instant::now() + self.settings.reconcile;
        let mut stop = self.stop.clone();
        while !self.stopping() {
            if tokio::time::Instant::now() >= next_sweep {
                self.sweep().await;
                next_sweep = tokio::time::Instant::now() + self.settings.sweep;
            }
            if tokio::time::Instant::now() >= next_reconcile {
                self.reconcile().await;
                next_reconcile = tokio::time::Instant::now() + self.settings.reconcile;
            }
            match self.tick().await {
                Ok(0) => {
                    let woken = tokio::select! {
                        woken = tokio::time::timeout(self.settings.poll, self.wake.notified()) => woken.is_ok(),
                        _ = stop.changed() => false,
                    };
                    if woken {
                        // Let the jobs of the requests arriving meanwhile join this round: one
                        // claim and one settling write for many jobs, not for each, which on
                        // SQLite's single writer would queue behind every create.
                        tokio::time::sleep(GATHER).await;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "delivery worker could not reach the database");
                    tokio::select! {
                        _ = tokio::time::sleep(self.settings.poll) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
        }
        tracing::info!(owner = %self.owner, "delivery worker stopped");
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// One round: claim due jobs, deliver each, settle them (the delivered ones in one write).
    /// Returns how many were claimed.
    pub async fn tick(&self) -> Result<usize, String> {
        let (owner, batch, lease) = (self.owner.clone(), self.settings.batch, self.settings.lease);
        let jobs = self
            .with_conn(move |conn| outbox::claim(conn, &owner, batch, lease, db::now()))
            .await?;
        if jobs.is_empty() {
            return Ok(0);
        }
        let invitations = self.invitations_of(&jobs).await?;
        let webhook_jobs: Vec<JobRecord> = jobs
            .iter()
            .filter(|j| j.kind == DeliveryKind::Webhook)
            .cloned()
            .collect();
        let outgoing = if webhook_jobs.is_empty() {
            HashMap::new()
        } else {
            self.with_conn(move |conn| webhooks::outgoing_of(conn, &webhook_jobs))
                .await?
        };
        // Up to CONCURRENCY at once: one slow upstream answer must not hold the whole round.
        // Once the process stops, no further job is started (those started finish).
        let outcomes: Vec<(JobRecord, Result<(), Failure>)> = stream::iter(jobs.iter().cloned())
            .take_while(|_| std::future::ready(!self.stopping()))
            .map(|job| {
                let invitation = invitations.get(&job.invitation_id).cloned();
                let outgoing = &outgoing;
                // A span per attempt, the upstream call inside it its child.
                let span = tracing::info_span!(
                    "delivery",
                    otel.name = format!("deliver {}", job.kind.as_str()),
                    job_id = %job.id,
                    invitation_id = %job.invitation_id,
                    attempt = job.attempts,
                );
                // Part of the trace of the request that made the job, if it was traced.
                if let Some(request) = job.trace_parent.as_deref().and_then(Traceparent::parse) {
                    crate::trace_export::join_trace(&span, Some(&request));
                }
                async move {
                    let outcome = match job.kind {
                        DeliveryKind::Webhook => match &invitation {
                            Some((row, _)) => {
                                self.webhooks
                                    .send(outgoing.get(&job.id), row, db::now())
                                    .await
                            }
                            None => self.deliver(&job, None).await,
                        },
                        _ => self.deliver(&job, invitation.as_ref()).await,
                    };
                    (job, outcome)
                }
                .instrument(span)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        if outcomes.len() < jobs.len() {
            self.release_unstarted(&jobs, &outcomes).await;
        }
        let mut delivered = Vec::new();
        for (job, outcome) in outcomes {
            match outcome {
                Ok(()) => {
                    self.metrics.delivery(job.kind, Outcome::Delivered);
                    delivered.push(job)
                }
                Err(failure) => self.settle_failure(job, failure).await?,
            }
        }
        let claimed = jobs.len();
        let count = delivered.len();
        let deadlines = self.settings.deadlines;
        // What went out is in the invitations' history (and owed to their webhooks).
        let changes: Vec<Change> = delivered
            .iter()
            .filter_map(|job| {
                let event_type = match job.kind {
                    DeliveryKind::Email => InvitationEventType::Sent,
                    DeliveryKind::Seed => InvitationEventType::SeedRequested,
                    _ => return None,
                };
                let change = Change::from(EventSource::System, event_type, &job.invitation_id);
                Some(match invitations.get(&job.invitation_id) {
                    Some((row, _)) => change.owned_by(&row.officer_id),
                    None => change,
                })
            })
            .collect();
        let lease_end = delivered.first().map(|job| job.run_after);
        let (settled, notified) = self
            .settle(lease_end, move |conn| {
                let now = db::now();
                crate::db::transaction(conn, |conn| {
                    let settled = outbox::complete_claimed(conn, &delivered, now)?;
                    // What went out starts TechPass's deadlines (the invitation link, the
                    // account).
                    lifecycle::start(conn, &delivered, deadlines, now)?;
                    let notified = history::record(conn, changes.clone(), now)?;
                    Ok((settled, notified))
                })
            })
            .await?;
        if notified > 0 {
            self.wake.notify_one();
        }
        tracing::info!(delivered = count, "delivery round");
        if settled < count {
            tracing::warn!(
                lost = count - settled,
                "leases ran out while jobs were delivered; other workers hold them now"
            );
        }
        Ok(claimed)
    }

    /// Hands back the jobs of a round that stopped before starting them, so that another
    /// worker takes them now rather than when this claim's lease ends.
    async fn release_unstarted(
        &self,
        jobs: &[JobRecord],
        outcomes: &[(JobRecord, Result<(), Failure>)],
    ) {
        let started: std::collections::HashSet<&str> =
            outcomes.iter().map(|(job, _)| job.id.as_str()).collect();
        let unstarted: Vec<JobRecord> = jobs
            .iter()
            .filter(|job| !started.contains(job.id.as_str()))
            .cloned()
            .collect();
        let lease_end = unstarted.first().map(|job| job.run_after);
        let count = unstarted.len();
        match self
            .settle(lease_end, move |conn| {
                outbox::release_claimed(conn, &unstarted, db::now())
            })
            .await
        {
            Ok(released) => {
                tracing::info!(released, of = count, "stopping: claimed jobs handed back")
            }
            Err(error) => {
                tracing::warn!(%error, "stopping: claimed jobs stay leased until their lease ends")
            }
        }
    }

    /// The invitations the jobs deliver, with their officer's email, by invitation id.
    async fn invitations_of(
        &self,
        jobs: &[JobRecord],
    ) -> Result<HashMap<String, (InvitationRow, String)>, String> {
        let ids: Vec<String> = jobs.iter().map(|j| j.invitation_id.clone()).collect();
        let rows = self
            .with_conn(move |conn| {
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                invitations::find_many_with_officer(conn, &ids)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(row, officer)| (row.id.clone(), (row, officer)))
            .collect())
    }

    async fn deliver(
        &self,
        job: &JobRecord,
        invitation: Option<&(InvitationRow, String)>,
    ) -> Result<(), Failure> {
        let Some((invitation, officer_email)) = invitation else {
            return Err(Failure::Permanent {
                reason: "the invitation no longer exists".into(),
            });
        };
        match job.kind {
            DeliveryKind::Email => {
                let link = format!("{}/{}", self.settings.accept_base, job.id);
                let message = email::invitation(&invitation.fields, officer_email, &link, &job.id);
                self.email.send(&message).await
            }
            DeliveryKind::Techpass => {
                self.techpass
                    .request(invitation, officer_email, &job.id)
                    .await
            }
            DeliveryKind::Seed => self.seed.request(invitation, officer_email, &job.id).await,
            DeliveryKind::TechpassRevoke => {
                self.techpass_revocations
                    .request(invitation, officer_email, &job.id)
                    .await
            }
            // Delivered by `tick` with the endpoint and the event it needs.
            DeliveryKind::Webhook => Err(Failure::Permanent {
                reason: "a webhook delivery needs its endpoint and event".into(),
            }),
        }
    }

    /// Retries a failed job later with backoff, or buries it after its last attempt or a
    /// permanent refusal.
    async fn settle_failure(&self, job: JobRecord, failure: Failure) -> Result<(), String> {
        let retry = self.settings.retry;
        let span = tracing::info_span!(
            "delivery",
            job_id = %job.id,
            invitation_id = %job.invitation_id,
            kind = job.kind.as_str(),
            attempt = job.attempts
        );
        let _entered = span.enter();
        let reason = failure.reason().to_owned();
        let settled = match failure {
            Failure::Retryable { retry_after, .. } if retry.retries_after(job.attempts) => {
                self.metrics.delivery(job.kind, Outcome::Retry);
                let wait = retry.random_delay(job.attempts, retry_after);
                tracing::warn!(%reason, retry_in_secs = wait.num_seconds(), "delivery failed; will retry");
                self.settle(Some(job.run_after), move |conn| {
                    let now = db::now();
                    outbox::retry_at(conn, &job, &reason, now + wait, now)
                })
                .await?
            }
            failure => {
                self.metrics.delivery(job.kind, Outcome::Dead);
                tracing::error!(%reason, "delivery failed for good; the job is dead");
                let for_officer = for_officer(&job, &failure);
                self.settle(Some(job.run_after), move |conn| {
                    let now = db::now();
                    crate::db::transaction(conn, |conn| {
                        let buried = outbox::bury(conn, &job, &reason, now)?;
                        if buried
                            && lifecycle::mark_delivery_failed(
                                conn,
                                &job.invitation_id,
                                job.kind,
                                &for_officer,
                                now,
                            )?
                        {
                            let event_type = match job.kind {
                                DeliveryKind::Seed => InvitationEventType::SeedFailed,
                                _ => InvitationEventType::Failed,
                            };
                            let change =
                                Change::from(EventSource::System, event_type, &job.invitation_id)
                                    .with_detail(&for_officer);
                            history::record(conn, vec![change], now)?;
                        }
                        Ok(buried)
                    })
                })
                .await?
            }
        };
        if !settled {
            tracing::warn!("the job's lease ran out; another worker holds it now");
        }
        Ok(())
    }

    /// Records what a round did: retried until it is written or the claim's lease ends
    /// (`lease_end`), so that a database away for a moment after a delivery does not make
    /// another claim deliver the same job again. After the lease, the write could only fail
    /// (the claim is lost), so the round gives up.
    async fn settle<T, F>(
        &self,
        lease_end: Option<chrono::NaiveDateTime>,
        work: F,
    ) -> Result<T, String>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> diesel::QueryResult<T> + Send + Sync + 'static,
    {
        let work = Arc::new(work);
        loop {
            let attempt = Arc::clone(&work);
            match self.with_conn(move |conn| attempt(conn)).await {
                Ok(done) => return Ok(done),
                Err(error) if lease_end.is_some_and(|end| db::now() + SETTLE_RETRY < end) => {
                    tracing::warn!(%error, "cannot record a delivery round yet; trying again");
                    tokio::time::sleep(SETTLE_RETRY.to_std().unwrap_or_default()).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Runs a repository call with a pooled connection on the blocking thread pool, with errors
    /// as text for the worker's log rather than HTTP problems (`services::with_conn`). (The API
    /// test binary's crashes at exit, once blamed on the choice between the two, were OpenSSL's
    /// exit-time clean-up racing live TLS connections: see `db::establish_postgres`.)
    pub(super) async fn with_conn<T, F>(&self, work: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> diesel::QueryResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            work(&mut conn).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

/// Why the invitation failed, as the status page says it.
fn for_officer(job: &JobRecord, failure: &Failure) -> String {
    let what = match job.kind {
        DeliveryKind::Email => "The invitation email could not be delivered",
        DeliveryKind::Techpass => "TechPass did not accept the invitation",
        DeliveryKind::Seed => "SEED did not accept the provisioning request",
        DeliveryKind::TechpassRevoke => "TechPass did not take the revocation",
        DeliveryKind::Webhook => "The webhook endpoint did not take the event",
    };
    let reason = failure.reason().trim_end_matches('.');
    match failure {
        Failure::Permanent { .. } => format!("{what}: {reason}."),
        Failure::Retryable { .. } => {
            let attempts = match job.attempts {
                1 => "1 attempt".to_owned(),
                n => format!("{n} attempts"),
            };
            format!("{what} after {attempts}: {reason}.")
        }
    }
}

/// A name for this process's claims: host, process id and a random part.
pub fn owner_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &random[..8])
}
