//! The delivery outbox (`db::outbox`) on each backend: claims with a lease, take-over after a
//! lease ends, settling only by the claim's holder, dead jobs and their revival, and
//! concurrent claimers that never share a job.

use std::collections::HashSet;

use chrono::{Duration, NaiveDateTime};
use invite_core::api::{DeliveryKind, JobState};
use invite_server::db::outbox::{self, JobRecord};
use invite_server::db::{self, DbConnection};

use crate::support::{TestApp, officer_invite, on_each_backend_with};

const LEASE: Duration = Duration::seconds(60);

/// These tests are the only claimers: the server's own worker is off.
fn no_worker(config: &mut invite_server::Config) {
    config.delivery.worker = false;
}

/// An invitation to hang jobs on (jobs reference their invitation), with the jobs its creation
/// enqueued already done, so that the tests see only their own jobs.
async fn invitation(app: &TestApp) -> String {
    let token = app.sign_in("jane_tan@tech.gov.sg").await;
    let id = app.invite(&token, &officer_invite("lim@tech.gov.sg")).await;
    let mut conn = app.db();
    let own = outbox::claim(&mut conn, "setup", 10, LEASE, db::now()).expect("claim");
    let mut kinds: Vec<&str> = own.iter().map(|j| j.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        ["email", "techpass"],
        "creating the invitation enqueued its email and its TechPass request"
    );
    assert_eq!(
        outbox::complete_claimed(&mut conn, &own, db::now()).expect("complete"),
        2
    );
    id
}

fn enqueue(
    conn: &mut DbConnection,
    invitation_id: &str,
    n: usize,
    at: NaiveDateTime,
) -> Vec<String> {
    let jobs: Vec<JobRecord> = (0..n)
        .map(|i| {
            JobRecord::new(
                invitation_id,
                DeliveryKind::Email,
                at + Duration::milliseconds(i as i64),
            )
        })
        .collect();
    outbox::enqueue(conn, &jobs).expect("enqueue");
    jobs.into_iter().map(|j| j.id).collect()
}

fn ids(jobs: &[JobRecord]) -> Vec<String> {
    jobs.iter().map(|j| j.id.clone()).collect()
}

#[tokio::test]
async fn a_claimed_job_is_not_due_until_its_lease_ends_then_another_worker_takes_it_over() {
    on_each_backend_with(no_worker, |app| async move {
        let invitation_id = invitation(&app).await;
        let mut conn = app.db();
        let t0 = db::now();
        let queued = enqueue(&mut conn, &invitation_id, 3, t0);

        let first = outbox::claim(&mut conn, "worker-a", 2, LEASE, t0 + Duration::seconds(1))
            .expect("claim");
        assert_eq!(
            ids(&first),
            queued[..2],
            "oldest first, at most the limit, on {}",
            app.backend
        );
        assert!(
            first
                .iter()
                .all(|j| j.attempts == 1 && j.lease_owner.as_deref() == Some("worker-a"))
        );
        let second = outbox::claim(&mut conn, "worker-b", 10, LEASE, t0 + Duration::seconds(2))
            .expect("claim");
        assert_eq!(ids(&second), queued[2..], "held jobs are not claimed again");

        // worker-a dies; when its lease ends, worker-b takes its jobs over.
        let later = t0 + Duration::seconds(1) + LEASE;
        let taken = outbox::claim(&mut conn, "worker-b", 10, LEASE, later).expect("claim");
        assert_eq!(ids(&taken), queued[..2]);
        assert!(taken.iter().all(|j| j.attempts == 2));

        // The dead worker's claim can no longer settle the job; the new one can, once.
        assert_eq!(
            outbox::complete_claimed(&mut conn, &first[..1], later).expect("complete"),
            0
        );
        assert_eq!(
            outbox::complete_claimed(&mut conn, &taken[..1], later).expect("complete"),
            1
        );
        assert!(
            outbox::complete_claimed(&mut conn, &taken[..1], later).expect("complete") == 0,
            "once"
        );
        let done = outbox::in_state(&mut conn, JobState::Done, None, 10).expect("done");
        assert_eq!(
            ids(&done)[2..],
            [queued[0].clone()],
            "after the invitation's own"
        );
        let far = later + Duration::days(1);
        let rest = outbox::claim(&mut conn, "worker-c", 10, LEASE, far).expect("claim");
        let rest: HashSet<String> = ids(&rest).into_iter().collect();
        let expected: HashSet<String> = queued[1..].iter().cloned().collect();
        assert_eq!(rest, expected, "a done job is never claimed again");
    })
    .await;
}

#[tokio::test]
async fn a_failed_job_waits_for_its_retry_and_a_buried_one_for_an_operator() {
    on_each_backend_with(no_worker, |app| async move {
        let invitation_id = invitation(&app).await;
        let mut conn = app.db();
        let t0 = db::now();
        enqueue(&mut conn, &invitation_id, 1, t0);

        let claimed = outbox::claim(&mut conn, "w", 1, LEASE, t0)
            .expect("claim")
            .remove(0);
        let retry = t0 + Duration::seconds(30);
        assert!(
            outbox::retry_at(&mut conn, &claimed, "503 from upstream", retry, t0).expect("retry")
        );
        assert!(
            outbox::claim(&mut conn, "w", 1, LEASE, retry - Duration::seconds(1))
                .expect("claim")
                .is_empty(),
            "not before its retry, on {}",
            app.backend
        );
        let again = outbox::claim(&mut conn, "w", 1, LEASE, retry)
            .expect("claim")
            .remove(0);
        assert_eq!(
            (again.attempts, again.last_error.as_deref()),
            (2, Some("503 from upstream"))
        );

        assert!(outbox::bury(&mut conn, &again, "400: unknown address", retry).expect("bury"));
        assert!(
            outbox::claim(&mut conn, "w", 1, LEASE, retry + Duration::days(30))
                .expect("claim")
                .is_empty(),
            "a dead job is never due"
        );
        let dead = outbox::in_state(&mut conn, JobState::Dead, None, 10).expect("dead");
        assert_eq!(
            (dead.len(), dead[0].last_error.as_deref()),
            (1, Some("400: unknown address"))
        );

        assert!(outbox::revive(&mut conn, &dead[0].id, retry).expect("revive"));
        assert!(
            !outbox::revive(&mut conn, &dead[0].id, retry).expect("revive"),
            "only a dead job is revived"
        );
        let revived = outbox::claim(&mut conn, "w", 1, LEASE, retry)
            .expect("claim")
            .remove(0);
        assert_eq!(
            revived.attempts, 1,
            "an operator's retry starts the count again"
        );
        assert_eq!(
            outbox::of_invitation(&mut conn, &invitation_id)
                .expect("jobs")
                .len(),
            3,
            "the invitation's own two jobs and this test's"
        );
    })
    .await;
}

#[tokio::test]
async fn four_workers_claiming_at_once_share_no_job() {
    on_each_backend_with(no_worker, |app| async move {
        let invitation_id = invitation(&app).await;
        let t0 = db::now();
        let queued: HashSet<String> = enqueue(&mut app.db(), &invitation_id, 1000, t0)
            .into_iter()
            .collect();
        let claimed_at = t0 + Duration::seconds(1);
        let workers: Vec<_> = (0..4)
            .map(|w| {
                let mut conn = app.db();
                std::thread::spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let jobs =
                            outbox::claim(&mut conn, &format!("worker-{w}"), 25, LEASE, claimed_at)
                                .expect("claim");
                        if jobs.is_empty() {
                            return mine;
                        }
                        let done = outbox::complete_claimed(&mut conn, &jobs, claimed_at)
                            .expect("complete");
                        assert_eq!(done, jobs.len(), "every claimed job settles");
                        mine.extend(ids(&jobs));
                    }
                })
            })
            .collect();
        let mut all = Vec::new();
        for worker in workers {
            all.extend(worker.join().expect("worker"));
        }
        let distinct: HashSet<String> = all.iter().cloned().collect();
        assert_eq!(
            all.len(),
            1000,
            "every job claimed exactly once on {}",
            app.backend
        );
        assert_eq!(distinct, queued);
    })
    .await;
}

#[tokio::test]
async fn a_claim_settles_its_delivered_jobs_at_once_but_not_those_taken_over() {
    on_each_backend_with(no_worker, |app| async move {
        let invitation_id = invitation(&app).await;
        let mut conn = app.db();
        let t0 = db::now();
        enqueue(&mut conn, &invitation_id, 4, t0);
        let at = t0 + Duration::seconds(1);
        let first = outbox::claim(&mut conn, "a", 4, LEASE, at).expect("claim");
        assert_eq!(first.len(), 4);
        // The lease runs out; worker b takes two of the jobs over.
        let taken = outbox::claim(&mut conn, "b", 2, LEASE, at + LEASE).expect("claim");
        let settled = outbox::complete_claimed(&mut conn, &first, at + LEASE).expect("settle");
        assert_eq!(
            settled, 2,
            "only the jobs a still holds, on {}",
            app.backend
        );
        assert_eq!(
            outbox::complete_claimed(&mut conn, &taken, t0 + LEASE).expect("settle"),
            2
        );
        let done = outbox::in_state(&mut conn, JobState::Done, None, 10).expect("done");
        assert_eq!(done.len(), 6, "the four and the invitation's own two");
    })
    .await;
}
