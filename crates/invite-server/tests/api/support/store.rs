//! Direct changes to a test server's database, for states that no endpoint can reach yet:
//! time passing (an invitation sent a day ago), upstream status changes (onboarded, failed),
//! and corrupted values. Kept in the test tree so the product has no hooks for them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use invite_core::api::{SeedStatus, TechpassStatus};
use invite_server::db::DbConnection;
use invite_server::db::schema::invitations;

/// Moves an invitation's last send back to `at`, as if a day had passed.
pub fn set_last_sent_at(conn: &mut DbConnection, id: &str, at: NaiveDateTime) {
    let updated = diesel::update(invitations::table.find(id))
        .set(invitations::last_sent_at.eq(at))
        .execute(conn)
        .expect("update last_sent_at");
    assert_eq!(updated, 1, "no invitation {id}");
}

/// Sets the onboarding statuses, as TechPass and SEED will report them.
pub fn set_statuses(conn: &mut DbConnection, id: &str, techpass: TechpassStatus, seed: SeedStatus) {
    let updated = diesel::update(invitations::table.find(id))
        .set((
            invitations::techpass_status.eq(techpass),
            invitations::seed_status.eq(seed),
        ))
        .execute(conn)
        .expect("update statuses");
    assert_eq!(updated, 1, "no invitation {id}");
}

/// Overwrites one text column of one row with `value`, as a hand edit of the database would.
pub fn corrupt(conn: &mut DbConnection, table: &str, column: &str, id: &str, value: &str) {
    let sql = format!("UPDATE {table} SET {column} = '{value}' WHERE id = '{id}'");
    let updated = diesel::sql_query(sql).execute(conn).expect("corrupt");
    assert_eq!(updated, 1, "no {table} row {id}");
}

/// Makes an invitation's pending jobs due now (instead of after their backoff).
pub fn make_jobs_due(conn: &mut DbConnection, invitation_id: &str) {
    use invite_server::db::schema::delivery_jobs;
    diesel::update(delivery_jobs::table.filter(delivery_jobs::invitation_id.eq(invitation_id)))
        .set(delivery_jobs::run_after.eq(invite_server::db::now()))
        .execute(conn)
        .expect("make jobs due");
}

/// Moves an invitation's deadlines (`expires_at`, `seed_expires_at`) to `at`, as if time passed.
pub fn set_deadlines(conn: &mut DbConnection, id: &str, at: NaiveDateTime) {
    let updated = diesel::update(invitations::table.find(id))
        .set((
            invitations::expires_at.eq(at),
            invitations::seed_expires_at.eq(at),
        ))
        .execute(conn)
        .expect("set deadlines");
    assert_eq!(updated, 1, "no invitation {id}");
}

/// The states of the webhook deliveries owed to one endpoint.
pub fn webhook_job_states(conn: &mut DbConnection, endpoint_id: &str) -> Vec<String> {
    use invite_server::db::schema::delivery_jobs;
    delivery_jobs::table
        .filter(delivery_jobs::endpoint_id.eq(endpoint_id))
        .select(delivery_jobs::state)
        .load(conn)
        .expect("webhook jobs")
}
