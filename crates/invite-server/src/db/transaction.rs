//! Transactions that write, the same way on both backends, with SQLite's writers queued in
//! the process instead of in SQLite's busy handler.
//!
//! diesel begins SQLite transactions with a deferred `BEGIN`: the first statement takes a read
//! snapshot, and the write lock only when it writes. When another writer commits in between,
//! SQLite refuses the upgrade at once with "database is locked" (`SQLITE_BUSY_SNAPSHOT`: no
//! busy handler can help, the snapshot is stale); the FTS5 search index's trigger, which reads
//! its own tables inside an `INSERT`, made that happen under a handful of concurrent creates.
//! A writer that does get to wait waits in SQLite's busy handler, which sleeps 1, 2, 5, 10 … up
//! to 100 ms between tries however soon the lock is free: the long tail of concurrent creates.
//!
//! So on SQLite a transaction here first takes this process's writer lock (a mutex: waiters
//! wake when it is released), then `BEGIN IMMEDIATE` (the write lock up front; the busy handler
//! only ever waits for another process). PostgreSQL transactions are diesel's own. A transaction
//! inside another is a savepoint of the outer one, on both.

use std::sync::Mutex;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::DbConnection;

/// One writer at a time among this process's SQLite connections. Process-wide, not per file:
/// the server opens one database (tests open several; their writes queue together, briefly).
static SQLITE_WRITER: Mutex<()> = Mutex::new(());

/// Runs `work` in a transaction: committed when it returns `Ok`, rolled back otherwise.
pub fn transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let DbConnection::Sqlite(sqlite) = conn else {
        return conn.transaction(work);
    };
    let depth = AnsiTransactionManager::transaction_manager_status_mut(sqlite)
        .transaction_depth()
        .map_err(E::from)?;
    if depth.is_some() {
        return conn.transaction(work);
    }
    let _writer = SQLITE_WRITER.lock().unwrap_or_else(|e| e.into_inner());
    AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE").map_err(E::from)?;
    match work(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
                .map_err(E::from)?;
            Ok(value)
        }
        Err(error) => {
            // The work's error is the one to report; a failed rollback leaves the connection
            // marked broken, and the pool discards it.
            let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
            Err(error)
        }
    }
}
