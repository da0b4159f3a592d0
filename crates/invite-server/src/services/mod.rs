//! Use cases, one module per resource. Handlers call these; these call the repositories inside
//! `web::block`, one transaction per use case.

pub mod accept;
pub mod api_keys;
pub mod batches;
pub mod create_queue;
pub mod cursor;
pub mod downloads;
pub mod history;
pub mod idempotency;
pub mod invitation_list;
pub mod invitations;
pub mod operator;
pub mod sign_in;
pub mod upstream_events;
pub mod webhooks;

use actix_web::web;

use crate::db::{DbConnection, Pool};
use crate::error::ApiError;

/// Runs `work` with a pooled connection on the blocking thread pool.
pub async fn with_conn<T, F>(pool: &Pool, work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
{
    let pool = pool.clone();
    // The request's database work is a span of its trace (waiting for a connection included).
    let request = tracing::Span::current();
    web::block(move || {
        let _database = (!request.is_none())
            .then(|| tracing::info_span!(parent: &request, "database").entered());
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}
