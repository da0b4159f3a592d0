//! Storage: one code base over SQLite (embedded default) and PostgreSQL (production).
//!
//! The backend is chosen from the URL scheme, never by trial: `postgres://` or `postgresql://`
//! is PostgreSQL, anything else is a SQLite file path (`sqlite://` prefix optional).
//! Repositories take `&mut DbConnection`, so a caller can run several of them in one transaction.

pub mod api_keys;
pub mod audit;
pub mod batches;
pub mod history;
pub mod idempotency;
pub mod invitations;
pub mod lifecycle;
pub mod officers;
pub mod outbox;
pub mod pool;
pub mod transaction;
pub mod upstream_events;
pub mod webhooks;
pub use invite_core::schema;
pub use pool::{ConnectionManager, Pool, PoolSettings, PooledConnection, Unavailable};
pub use transaction::transaction;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection, for what diesel's
/// multi-backend connection cannot send itself (a multi-row `INSERT`, `ON CONFLICT DO
/// NOTHING`): the statement is written once and compiled for each backend.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}
pub(crate) use on_backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The advisory lock that serialises migrations between replicas starting at once: an
/// arbitrary constant of this application ("inviteus" in ASCII).
const MIGRATION_LOCK: i64 = 0x696e_7669_7465_7573;

/// Opens a PostgreSQL connection. Every PostgreSQL connection of the process is opened here:
/// the pool's, and the tests' and benchmarks' own.
///
/// It first initialises OpenSSL the way rust-openssl does (`openssl_sys::init`: without the
/// `atexit` clean-up), before libpq's first TLS connection would initialise it with one. With
/// the clean-up registered, `exit` freed OpenSSL's global tables while other threads were still
/// opening or using TLS connections to PostgreSQL (a pool adds connections on threads of its
/// own; a server being stopped still closes its connections). That was the API test binary's
/// occasional SIGSEGV or double free at exit: a core dump showed the main thread in
/// `OPENSSL_cleanup` from `exit` and another in a TLS handshake under `PQconnectdb`; threads
/// looping over TLS connections while a test process exited crashed it in 14 runs of 100, and in
/// none of 100 with this initialisation first.
pub fn establish_postgres(url: &str) -> ConnectionResult<diesel::PgConnection> {
    openssl_sys::init();
    diesel::PgConnection::establish(url)
}

/// Opens the pool (default checkout timeout) and runs pending migrations.
pub fn connect(url: &str, pool_size: u32) -> Result<Pool, String> {
    connect_with(url, PoolSettings::sized(pool_size))
}

/// Opens the pool and runs pending migrations of the chosen backend.
pub fn connect_with(url: &str, settings: PoolSettings) -> Result<Pool, String> {
    let manager = ConnectionManager::new(url);
    if manager.backend() == Backend::Sqlite {
        prepare_sqlite_file(manager.url())?;
    }
    let pool = Pool::build(manager, settings)?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot open the database: {e}"))?;
    run_migrations(&mut conn)?;
    Ok(pool)
}

/// Creates the file's directory and switches the file to WAL. WAL is a property of the file:
/// set it once, alone, before the pool opens its connections at the same moment. Switching
/// needs an exclusive lock, and SQLite does not wait for that one (busy_timeout or not): the
/// pool's first connections failed with "database is locked" and were retried.
fn prepare_sqlite_file(path: &str) -> Result<(), String> {
    if let Some(dir) = std::path::Path::new(path).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut first = diesel::SqliteConnection::establish(path)
        .map_err(|e| format!("cannot open the database: {e}"))?;
    first
        .batch_execute("PRAGMA journal_mode = WAL")
        .map_err(|e| format!("cannot open the database: {e}"))
}

/// Runs pending migrations. On PostgreSQL, under a session advisory lock: replicas starting at
/// once would otherwise both find a migration pending and both run it (the second failing on
/// a table that exists, or worse, half-applying). The second replica waits for the lock, then
/// finds nothing pending. SQLite has one server per file, and its write lock serialises anyway.
fn run_migrations(conn: &mut DbConnection) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("migrations failed: {e}");
    match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|_| ())
            .map_err(|e| failed(&e)),
        DbConnection::Pg(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(|e| failed(&e))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|_| ())
                .map_err(|e| failed(&e));
            // The lock belongs to the session, which goes back to the pool: release it
            // whatever the outcome.
            let unlocked = c
                .batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .map_err(|e| failed(&e));
            result.and(unlocked)
        }
    }
}

/// Now, truncated to microseconds: PostgreSQL keeps µs, SQLite would keep ns, and keyset
/// cursors need both to compare equal.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

pub fn to_utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// A stored value that this code cannot read back: only a hand-edited or corrupted database
/// holds one. Answered as a 500; the log names the table, the row and the value.
#[derive(Debug, thiserror::Error)]
#[error("{table} row {row_id:?}: {problem}")]
pub struct CorruptRow {
    pub table: &'static str,
    pub row_id: String,
    pub problem: String,
}

/// Reads a stored UUID id.
pub fn parse_id(table: &'static str, id: &str) -> Result<uuid::Uuid, CorruptRow> {
    id.parse().map_err(|_| CorruptRow {
        table,
        row_id: id.to_owned(),
        problem: "the id is not a UUID".into(),
    })
}

/// True when `error` is a unique-constraint violation (the 409 rules).
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
