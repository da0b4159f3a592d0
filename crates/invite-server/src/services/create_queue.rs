//! Group commit for single creates (`POST /invitations`). Creates that arrive while another
//! commit is under way are written together: one transaction, a savepoint each, so a create
//! refused (409, a replayed key) rolls back only itself, and each request gets its own answer.
//!
//! One transaction per create made every create pay a whole commit: on SQLite the writer is
//! serial and each commit wrote ~80 KiB of WAL (a leaf page in about 20 B-trees), so creates
//! queued behind one another; on PostgreSQL each commit is a WAL flush. Joined, the creates of
//! one commit share its pages and its flush. Alone (light load), a create commits at once: it
//! never waits for company.
//!
//! SQLite has one committer (it has one writer anyway); PostgreSQL several, so its commits
//! still overlap.

use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use super::invitations::Created;
use super::with_conn;
use crate::db::{self, DbConnection, Pool};
use crate::error::ApiError;

/// Creates joined in one commit, at most.
const MAX_BATCH: usize = 64;

/// A create's database work, run inside its savepoint.
pub type Work = Box<dyn FnOnce(&mut DbConnection) -> Result<Created, ApiError> + Send>;

struct Pending {
    work: Work,
    reply: oneshot::Sender<Result<Created, ApiError>>,
}

pub struct CreateQueue {
    sender: mpsc::Sender<Pending>,
}

impl CreateQueue {
    /// Starts `committers` commit loops on the current runtime.
    pub fn start(pool: Pool, committers: usize) -> CreateQueue {
        let (sender, receiver) = mpsc::channel(1024);
        let receiver = Arc::new(Mutex::new(receiver));
        for _ in 0..committers.max(1) {
            tokio::spawn(commit_loop(pool.clone(), Arc::clone(&receiver)));
        }
        CreateQueue { sender }
    }

    /// Runs `work` in the next commit and returns its outcome.
    pub async fn run(&self, work: Work) -> Result<Created, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Pending { work, reply })
            .await
            .map_err(|_| ApiError::shutting_down())?;
        answer.await.map_err(|_| ApiError::shutting_down())?
    }
}

async fn commit_loop(pool: Pool, receiver: Arc<Mutex<mpsc::Receiver<Pending>>>) {
    loop {
        let batch = {
            let mut receiver = receiver.lock().await;
            let Some(first) = receiver.recv().await else {
                return;
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            batch
        };
        commit(&pool, batch).await;
    }
}

/// One transaction for the batch, a savepoint for each create in it.
async fn commit(pool: &Pool, batch: Vec<Pending>) {
    let (works, replies): (Vec<Work>, Vec<_>) =
        batch.into_iter().map(|p| (p.work, p.reply)).unzip();
    let outcomes = with_conn(pool, move |conn| {
        db::transaction(conn, |conn| {
            Ok::<_, ApiError>(
                works
                    .into_iter()
                    .map(|work| db::transaction(conn, work))
                    .collect::<Vec<_>>(),
            )
        })
    })
    .await;
    match outcomes {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(outcome);
            }
        }
        // The commit itself failed (the database went away): nothing of the batch is stored,
        // and every create gets the same answer.
        Err(error) => {
            for reply in replies {
                let _ = reply.send(Err(error.for_each_of_many()));
            }
        }
    }
}
