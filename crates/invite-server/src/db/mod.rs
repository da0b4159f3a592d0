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
pub mod upstream_events;
pub mod webhooks;
pub use invite_core::schema;

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::R2D2Connection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(diesel::SqliteConnection),
    Pg(diesel::PgConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

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
            Backend::Postgres => url.to_owned(),
            Backend::Sqlite => url.strip_prefix("sqlite://").unwrap_or(url).to_owned(),
        };
        Self { backend, url }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.url)
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

/// Opens the pool and runs pending migrations of the chosen backend.
pub fn connect(url: &str, pool_size: u32) -> Result<Pool, String> {
    let manager = ConnectionManager::new(url);
    if manager.backend == Backend::Sqlite
        && let Some(dir) = std::path::Path::new(&manager.url).parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    if manager.backend == Backend::Sqlite {
        // WAL is a property of the file: set it once, alone, before the pool opens its
        // connections at the same moment. Switching needs an exclusive lock, and SQLite does not
        // wait for that one (busy_timeout or not): the pool's first connections failed with
        // "database is locked" and were retried.
        let mut first = diesel::SqliteConnection::establish(&manager.url)
            .map_err(|e| format!("cannot open the database: {e}"))?;
        first
            .batch_execute("PRAGMA journal_mode = WAL")
            .map_err(|e| format!("cannot open the database: {e}"))?;
    }
    let pool = r2d2::Pool::builder()
        .max_size(pool_size)
        .connection_timeout(std::time::Duration::from_secs(10))
        .build(manager)
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot open the database: {e}"))?;
    run_migrations(&mut conn)?;
    Ok(pool)
}

fn run_migrations(conn: &mut DbConnection) -> Result<(), String> {
    let result = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConnection::Pg(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ()),
    };
    result.map_err(|e| format!("migrations failed: {e}"))
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
