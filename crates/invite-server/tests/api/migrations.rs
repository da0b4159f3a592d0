//! Replicas starting at once on a new PostgreSQL database: one migrates, the others wait for
//! the advisory lock and find the schema current; none fails.

use crate::support::{postgres_database, postgres_url};

#[test]
fn four_servers_migrating_one_new_database_at_once_all_start() {
    let Some(admin) = postgres_url() else {
        return; // PostgreSQL only: a SQLite file has one server.
    };
    let (url, _guard) = postgres_database(&admin);
    let barrier = std::sync::Barrier::new(4);
    let outcomes: Vec<Result<(), String>> = std::thread::scope(|scope| {
        let starts: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    invite_server::db::connect(&url, 1).map(|_| ())
                })
            })
            .collect();
        starts
            .into_iter()
            .map(|start| start.join().expect("no panic"))
            .collect()
    });
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    // Each migration ran once.
    use diesel::RunQueryDsl;
    let mut conn = invite_server::db::connect(&url, 1)
        .expect("connect")
        .get()
        .expect("connection");
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        distinct_versions: i64,
    }
    let counted: Count = diesel::sql_query(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT version) AS distinct_versions \
         FROM __diesel_schema_migrations",
    )
    .get_result(&mut *conn)
    .expect("migrations table");
    assert!(counted.n > 0);
    assert_eq!(counted.n, counted.distinct_versions);
}
