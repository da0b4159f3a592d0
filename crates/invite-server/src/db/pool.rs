//! The connection pool, and how it behaves when the database is away.
//!
//! r2d2 alone waits its whole checkout timeout for every request while the database refuses
//! connections: each request queued for seconds before its 503, and so did the readiness probe
//! a load balancer asks. This pool bounds the wait (`INVITES_DATABASE_CHECKOUT_TIMEOUT_MS`) and
//! adds a breaker: the first checkout that fails because connections cannot be made opens it,
//! and from then on every checkout fails at once (503 with `Retry-After`) while one background
//! probe per pool tries to connect every half second. The probe's first success closes the
//! breaker; nothing a request does waits for the database to come back.
//!
//! A checkout that times out while connections work (every connection busy: load, not an
//! outage) is a 503 too, but does not open the breaker.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use prometheus_client::metrics::counter::Counter;

use super::{Backend, DbConnection};

/// How often the breaker's probe tries to connect while the database is away.
const PROBE_INTERVAL: Duration = Duration::from_millis(500);

/// How long PostgreSQL may take to accept a new connection (libpq's `connect_timeout`), unless
/// the URL says otherwise: a host that drops packets must not hold a connection attempt for the
/// operating system's TCP timeout.
const CONNECT_TIMEOUT_SECS: u32 = 2;

pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// How the pool is sized and how long a request waits for a connection.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub size: u32,
    /// The longest a request waits for a connection before its 503.
    pub checkout_timeout: Duration,
}

impl PoolSettings {
    pub const DEFAULT_CHECKOUT_TIMEOUT: Duration = Duration::from_millis(1000);

    pub fn sized(size: u32) -> Self {
        Self {
            size,
            checkout_timeout: Self::DEFAULT_CHECKOUT_TIMEOUT,
        }
    }
}

/// Why no connection was handed out.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    /// Connections cannot be made (or the breaker is open since they could not).
    #[error("the database is not reachable: {0}")]
    Down(String),
    /// Every connection stayed in use for the whole checkout timeout.
    #[error("every database connection is busy")]
    Busy,
}

/// The r2d2 pool with a bounded checkout and the breaker. Cheap to clone (shared state).
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<ConnectionManager>,
    checkout_timeout: Duration,
    breaker: Arc<Breaker>,
    backend: Backend,
}

impl Pool {
    /// Opens the pool; fails when no connection can be made within the checkout timeout.
    pub(super) fn build(
        manager: ConnectionManager,
        settings: PoolSettings,
    ) -> Result<Pool, String> {
        let backend = manager.backend();
        let inner = Self::builder(settings)
            .build(manager)
            .map_err(|e| format!("cannot open the database: {e}"))?;
        Ok(Self::around(inner, settings, backend))
    }

    fn builder(settings: PoolSettings) -> r2d2::Builder<ConnectionManager> {
        r2d2::Pool::builder()
            .max_size(settings.size)
            .connection_timeout(settings.checkout_timeout)
    }

    fn around(
        inner: r2d2::Pool<ConnectionManager>,
        settings: PoolSettings,
        backend: Backend,
    ) -> Pool {
        Pool {
            inner,
            checkout_timeout: settings.checkout_timeout,
            breaker: Arc::default(),
            backend,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection within the checkout timeout; at once `Unavailable::Down` while the breaker
    /// is open.
    pub fn get(&self) -> Result<PooledConnection, Unavailable> {
        self.get_within(self.checkout_timeout)
    }

    /// A connection within `timeout` (the readiness probe waits less than requests).
    pub fn get_within(&self, timeout: Duration) -> Result<PooledConnection, Unavailable> {
        if let Some(cause) = self.breaker.open_cause() {
            return Err(Unavailable::Down(cause));
        }
        let started = Instant::now();
        let result = self.inner.get_timeout(timeout);
        self.breaker.record_wait(started.elapsed());
        result.map_err(|error| match connection_failure(&error) {
            Some(cause) => {
                self.trip(cause.clone());
                Unavailable::Down(cause)
            }
            None => Unavailable::Busy,
        })
    }

    /// True while the breaker is open (the database was found away and is not back yet).
    pub fn is_down(&self) -> bool {
        self.breaker.open_cause().is_some()
    }

    /// Connections open and idle now, for the metrics.
    pub fn state(&self) -> r2d2::State {
        self.inner.state()
    }

    pub fn max_size(&self) -> u32 {
        self.inner.max_size()
    }

    /// How many write transactions usefully run at once (the create queue's committers).
    /// SQLite has one writer: one. PostgreSQL's commits overlap: half the pool, the rest left
    /// to reads.
    pub fn writers(&self) -> usize {
        match self.backend {
            Backend::Sqlite => 1,
            Backend::Postgres => (self.max_size() as usize / 2).max(1),
        }
    }

    /// How many transactions one bulk job (a batch submit) runs at once. PostgreSQL: one
    /// connection's work is bound by one backend process (a 50,000-row submit kept one of two
    /// cores busy and left the other idle), so two connections at once, or more with a larger
    /// pool, leaving most of the pool to other requests. SQLite has one writer: one lane.
    pub fn bulk_lanes(&self) -> usize {
        match self.backend {
            Backend::Sqlite => 1,
            Backend::Postgres => (self.max_size() as usize / 4).clamp(1, 4),
        }
    }

    /// Whether several server replicas share this database (PostgreSQL), so that what they
    /// must agree on (rate-limit counters) is kept in it; a SQLite file serves one server.
    pub fn shared_by_replicas(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// The pool's counters (shared: the metrics register these very ones).
    pub fn counters(&self) -> PoolCounters {
        self.breaker.counters.clone()
    }

    /// How many times the breaker opened.
    pub fn outages(&self) -> u64 {
        self.breaker.counters.outages.get()
    }

    /// Opens the breaker (if closed) and starts the one probe that closes it again.
    fn trip(&self, cause: String) {
        if !self.breaker.open(cause.clone()) {
            return;
        }
        tracing::error!(%cause, "database unreachable: answering 503 until it is back");
        let (inner, breaker) = (self.inner.clone(), Arc::clone(&self.breaker));
        let probe = std::thread::Builder::new()
            .name("db-probe".into())
            .spawn(move || {
                let down_since = Instant::now();
                loop {
                    std::thread::sleep(PROBE_INTERVAL);
                    if inner.get_timeout(PROBE_INTERVAL).is_ok() {
                        breaker.close();
                        tracing::info!(
                            down_ms = down_since.elapsed().as_millis() as u64,
                            "database reachable again"
                        );
                        return;
                    }
                }
            });
        if let Err(error) = probe {
            // Without a probe, the next checkout must find out for itself.
            self.breaker.close();
            tracing::error!(%error, "cannot start the database probe");
        }
    }
}

/// The cause when a checkout failed because connections could not be made. r2d2 keeps the last
/// connection error and reports it with the timeout (`timed out waiting for connection: …`);
/// without one, the pool was only busy. Its error type offers no other way to tell.
fn connection_failure(error: &r2d2::Error) -> Option<String> {
    let text = error.to_string();
    text.split_once(": ")
        .map(|(_, cause)| cause.trim().to_owned())
        .filter(|cause| !cause.is_empty())
}

/// What the pool counts, for the metrics.
#[derive(Clone, Default)]
pub struct PoolCounters {
    pub checkouts: Counter,
    pub wait_seconds: Counter<f64, AtomicU64>,
    pub outages: Counter,
}

#[derive(Default)]
struct Breaker {
    open: AtomicBool,
    cause: std::sync::Mutex<String>,
    counters: PoolCounters,
}

impl Breaker {
    fn open_cause(&self) -> Option<String> {
        self.open
            .load(Ordering::Acquire)
            .then(|| self.cause.lock().unwrap_or_else(|e| e.into_inner()).clone())
    }

    /// Opens the breaker; false when it was open already.
    fn open(&self, cause: String) -> bool {
        *self.cause.lock().unwrap_or_else(|e| e.into_inner()) = cause;
        let opened = !self.open.swap(true, Ordering::AcqRel);
        if opened {
            self.counters.outages.inc();
        }
        opened
    }

    fn close(&self) {
        self.open.store(false, Ordering::Release);
    }

    fn record_wait(&self, waited: Duration) {
        self.counters.checkouts.inc();
        self.counters.wait_seconds.inc_by(waited.as_secs_f64());
    }
}

/// An r2d2 manager that connects to the backend named by the URL and prepares SQLite
/// connections (WAL, foreign keys, busy timeout) before they are handed out.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
    url: String,
}

impl ConnectionManager {
    pub fn new(url: &str) -> Self {
        let backend = Backend::of_url(url);
        let url = match backend {
            Backend::Postgres => with_connect_timeout(url),
            Backend::Sqlite => url.strip_prefix("sqlite://").unwrap_or(url).to_owned(),
        };
        Self { backend, url }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The path of a SQLite database, the URL of a PostgreSQL one.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// The PostgreSQL URL with libpq's `connect_timeout`, unless it names one.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}connect_timeout={CONNECT_TIMEOUT_SECS}")
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = super::establish_postgres(&self.url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // diesel prepares and caches statements; after five runs PostgreSQL may switch
                // to a generic plan made while a table was small (a batch submit grows
                // `invitations` by thousands of rows in seconds) and keep seq-scanning it.
                // Plan each execution with its values instead.
                conn.batch_execute("SET plan_cache_mode = force_custom_plan")
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Pg(conn))
            }
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute(
                    // The file is in WAL mode already (`connect`).
                    "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_with_a_connection_error_is_an_outage_and_without_one_is_load() {
        // The two shapes r2d2's error takes (its only public constructor is the pool).
        let manager = ConnectionManager::new("postgres://nobody@127.0.0.1:1/none");
        let settings = PoolSettings {
            size: 1,
            checkout_timeout: Duration::from_millis(300),
        };
        let backend = manager.backend();
        let pool = Pool::around(
            Pool::builder(settings).build_unchecked(manager),
            settings,
            backend,
        );
        let started = Instant::now();
        let first = pool.get();
        assert!(
            matches!(first, Err(Unavailable::Down(_))),
            "{:?}",
            first.err()
        );
        assert!(pool.is_down());
        // The breaker is open: the next checkout does not wait.
        let again = Instant::now();
        assert!(matches!(pool.get(), Err(Unavailable::Down(_))));
        assert!(again.elapsed() < Duration::from_millis(50));
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(pool.outages(), 1);
    }

    #[test]
    fn the_connect_timeout_is_added_unless_the_url_names_one() {
        assert_eq!(
            with_connect_timeout("postgres://u@h/db"),
            "postgres://u@h/db?connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@h/db?sslmode=require"),
            "postgres://u@h/db?sslmode=require&connect_timeout=2"
        );
        assert_eq!(
            with_connect_timeout("postgres://u@h/db?connect_timeout=9"),
            "postgres://u@h/db?connect_timeout=9"
        );
    }
}
