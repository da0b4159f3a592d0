//! Rate limits on the requests that cost the most or can be abused: built-in sign-in (per
//! client address), and creating invitations, uploading and submitting batches (per officer,
//! and per API key for an agency system). A fixed one-minute window per caller and limit:
//! over the limit is 429 with `Retry-After`; every limited answer carries `RateLimit-Limit`,
//! `RateLimit-Remaining` and `RateLimit-Reset` (the IETF RateLimit header fields draft) and
//! `RateLimit-Policy`.
//!
//! On PostgreSQL the counters are rows of `rate_limits`, so every replica counts against the
//! same limit (one upsert per limited request). On SQLite, a single server, they are kept in
//! memory: no write transaction is spent on them.

use std::collections::HashMap;
use std::sync::Mutex;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use diesel::RunQueryDsl;

use crate::config::RateLimits;
use crate::db::Pool;
use crate::error::ApiError;
use crate::services::with_conn;

use super::allowance::WINDOW_SECS;
pub use super::allowance::{Allowance, Limit};

pub struct RateLimiter {
    limits: RateLimits,
    counters: Counters,
}

enum Counters {
    /// `bucket` → (window, hits).
    Local(Mutex<HashMap<String, (i64, u32)>>),
    Shared(Pool),
}

impl RateLimiter {
    pub fn new(limits: RateLimits, pool: &Pool) -> Self {
        let counters = if pool.shared_by_replicas() {
            Counters::Shared(pool.clone())
        } else {
            Counters::Local(Mutex::new(HashMap::new()))
        };
        Self { limits, counters }
    }

    /// Counts one request of `caller` against `limit`: its allowance, or 429 when the caller
    /// is over. The allowance goes on the answer (see [`add_headers`]) through `request`'s
    /// extensions.
    pub async fn take(
        &self,
        request: &actix_web::HttpRequest,
        limit: Limit,
        caller: &str,
    ) -> Result<(), ApiError> {
        let per_minute = limit.per_minute(&self.limits);
        if per_minute == 0 {
            return Ok(());
        }
        let now = chrono::Utc::now().timestamp();
        let window = now.div_euclid(WINDOW_SECS);
        let bucket = format!("{}:{caller}", limit.name());
        let hits = match &self.counters {
            Counters::Local(counters) => local_hit(counters, bucket, window),
            Counters::Shared(pool) => shared_hit(pool, bucket, window).await?,
        };
        let allowance = Allowance {
            limit,
            per_minute,
            remaining: per_minute.saturating_sub(hits),
            reset_secs: (window + 1) * WINDOW_SECS - now,
        };
        request.extensions_mut().insert(allowance);
        if hits > per_minute {
            return Err(ApiError::RateLimited(allowance));
        }
        Ok(())
    }
}

fn local_hit(counters: &Mutex<HashMap<String, (i64, u32)>>, bucket: String, window: i64) -> u32 {
    let mut counters = counters.lock().unwrap_or_else(|e| e.into_inner());
    // Forget the callers of past windows now and then, so the map stays the size of one minute.
    if counters.len() > 10_000 {
        counters.retain(|_, (w, _)| *w == window);
    }
    let entry = counters.entry(bucket).or_insert((window, 0));
    if entry.0 != window {
        *entry = (window, 0);
    }
    entry.1 = entry.1.saturating_add(1);
    entry.1
}

#[derive(diesel::QueryableByName)]
struct Hits {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    hits: i32,
}

/// One statement, atomic on every replica: the first hit of a window starts it again at 1.
const HIT: &str = "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1) \
     ON CONFLICT (bucket) DO UPDATE SET \
       hits = CASE WHEN rate_limits.window_start = excluded.window_start \
                   THEN rate_limits.hits + 1 ELSE 1 END, \
       window_start = excluded.window_start \
     RETURNING hits";

async fn shared_hit(pool: &Pool, bucket: String, window: i64) -> Result<u32, ApiError> {
    with_conn(pool, move |conn| {
        let hits: Hits = diesel::sql_query(HIT)
            .bind::<diesel::sql_types::Text, _>(&bucket)
            .bind::<diesel::sql_types::BigInt, _>(window)
            .get_result(conn)?;
        Ok(u32::try_from(hits.hits).unwrap_or(u32::MAX))
    })
    .await
}

/// The caller's allowance on the answer, when a limited route counted the request.
pub async fn add_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(request).await?;
    let allowance = response.request().extensions().get::<Allowance>().copied();
    if let Some(allowance) = allowance {
        let headers = response.headers_mut();
        for (name, value) in allowance.headers() {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(HeaderName::from_static(name), value);
            }
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_counts_its_hits_and_the_next_starts_again() {
        let counters = Mutex::new(HashMap::new());
        assert_eq!(local_hit(&counters, "create:a".into(), 7), 1);
        assert_eq!(local_hit(&counters, "create:a".into(), 7), 2);
        assert_eq!(
            local_hit(&counters, "create:b".into(), 7),
            1,
            "another caller"
        );
        assert_eq!(
            local_hit(&counters, "create:a".into(), 8),
            1,
            "the next minute"
        );
    }
}
