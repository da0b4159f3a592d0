//! The receipts of TechPass and SEED events: each `webhook-id` once. What an event changes is
//! `lifecycle`'s (`lifecycle::apply_techpass`, `lifecycle::apply_seed`).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use invite_core::api::UpstreamSource;

use super::DbConnection;
use super::schema::webhook_receipts;

/// Records that `webhook_id` from `source` arrived. `false`: it had arrived before (a replay).
pub fn record_receipt(
    conn: &mut DbConnection,
    source: UpstreamSource,
    webhook_id: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let row = (
        webhook_receipts::source.eq(source.as_str()),
        webhook_receipts::webhook_id.eq(webhook_id),
        webhook_receipts::received_at.eq(now),
    );
    // ON CONFLICT DO NOTHING, not a caught unique violation: on PostgreSQL that would abort
    // the surrounding transaction.
    let inserted = super::on_backend!(conn, |c| diesel::insert_into(webhook_receipts::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?;
    Ok(inserted == 1)
}

/// Forgets receipts from before `before`: their timestamps are refused as stale by now.
pub fn purge_receipts(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(webhook_receipts::table.filter(webhook_receipts::received_at.lt(before)))
        .execute(conn)
}
