//! The benchmark suite behind `cargo xtask bench`: the release server under a real load
//! generator, on SQLite and PostgreSQL, beside the raw ceilings of each database measured in the
//! same run, and the table of docs/PERFORMANCE.md written from what it measured.
//!
//! ```text
//! cargo xtask bench            # full run (about 10 minutes), rewrites the table in PERFORMANCE.md
//! cargo xtask bench --smoke    # seconds-long run of every step (CI: the suite still starts)
//! ```
//!
//! What runs, each against a fresh database:
//!
//! - **raw ceilings**: `pgbench` (16 clients, 2 threads) of a single-row `INSERT` + `COMMIT` into
//!   a table of its own; and a single-row `INSERT` + `COMMIT` loop on one SQLite connection with
//!   the server's settings (WAL, `synchronous = NORMAL`), one writer.
//! - **create**: `wrk` (2 threads, 16 connections) posting unique public-officer invitations to
//!   `POST /api/v1/invitations`, every answer checked to be 201. The server runs as deployed: on
//!   SQLite one process with its delivery worker; on PostgreSQL a request-serving process and a
//!   worker process (the `docker-compose.yml` topology), so the worker's deliveries run beside
//!   the load in both.
//! - **status list** with `ROWS` (1,000,000) invitations of one officer, seeded in SQL: the
//!   first page, pages at cursors spread over the list, search `q` (rare, absent and common
//!   terms) and status filters; `wrk` with 16 connections, p50/p99 of each.
//! - **upload and submit** of a 50,000-row workbook (`bench_upload --upload`, its own process).
//! - **SPA**: the wasm bundle's size gzipped.
//!
//! Needs `wrk` and `pgbench` (`cargo xtask bench` installs them), PostgreSQL at
//! `BENCH_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/test`), and the release
//! server binary beside this program (`cargo xtask bench` builds both).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl};
use serde_json::{Value, json};

const CONNECTIONS: u32 = 16;
const THREADS: u32 = 2;

/// How big and how long: the full suite, or a smoke run that only proves every step works.
#[derive(Debug, Clone, Copy)]
struct Scale {
    seconds: u32,
    rows: u64,
    upload_rows: u64,
    smoke: bool,
}

const FULL: Scale = Scale {
    seconds: 15,
    rows: 1_000_000,
    upload_rows: 50_000,
    smoke: false,
};
const SMOKE: Scale = Scale {
    seconds: 1,
    rows: 2_000,
    upload_rows: 500,
    smoke: true,
};

fn main() {
    let smoke = std::env::args().any(|a| a == "--smoke");
    let scale = if smoke { SMOKE } else { FULL };
    let admin = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let bench = Bench::new(scale, admin);
    let report = bench.run();
    println!("{report}");
    let out = if smoke {
        bench.work.join("smoke.md")
    } else {
        bench.root.join("docs/PERFORMANCE.md")
    };
    if smoke {
        std::fs::write(&out, &report).expect("write the smoke report");
    } else {
        replace_section(&out, &report);
    }
    eprintln!("bench: report in {}", out.display());
}

struct Bench {
    scale: Scale,
    admin: String,
    /// The repository.
    root: PathBuf,
    /// Where the server binary and `bench_upload` are (this program's profile directory).
    bin: PathBuf,
    /// Scratch files: scripts, SQLite databases.
    work: PathBuf,
}

impl Bench {
    fn new(scale: Scale, admin: String) -> Bench {
        let exe = std::env::current_exe().expect("own path");
        // target/<profile>/examples/bench → target/<profile>
        let bin = exe
            .parent()
            .and_then(Path::parent)
            .expect("profile directory")
            .to_path_buf();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let work = bin.join("bench");
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).expect("scratch directory");
        for tool in ["wrk", "pgbench"] {
            let found = Command::new(tool)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok();
            assert!(found, "{tool} is needed: `cargo xtask bench` installs it");
        }
        Bench {
            scale,
            admin,
            root,
            bin,
            work,
        }
    }

    fn run(&self) -> String {
        let started = Instant::now();
        eprintln!("bench: raw PostgreSQL ceiling (pgbench)");
        let pg_raw = self.pgbench();
        eprintln!("bench: raw SQLite ceiling");
        let sqlite_raw = self.sqlite_raw();
        let mut backends = Vec::new();
        for backend in [Backend::Sqlite, Backend::Postgres] {
            backends.push(self.backend(backend));
        }
        let spa = spa_size(&self.root);
        eprintln!("bench: SPA first render and status page");
        let spa_render = self.spa_render();
        let mut report = String::new();
        let _ = writeln!(
            report,
            "<!-- bench:start (written by `cargo xtask bench`; edits here are overwritten) -->"
        );
        let _ = writeln!(
            report,
            "### Latest run: {}{}\n",
            chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
            if self.scale.smoke {
                " (smoke: tiny sizes, not figures)"
            } else {
                ""
            }
        );
        let _ = writeln!(
            report,
            "Machine: {} cores, load average before the run {}; `wrk -t{THREADS} -c{CONNECTIONS} -d{}s`; \
             {} invitations seeded for the list; {} rows uploaded. Took {:.0} s.\n",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            load_average(),
            self.scale.seconds,
            self.scale.rows,
            self.scale.upload_rows,
            started.elapsed().as_secs_f64()
        );
        let _ = writeln!(report, "| goal | SQLite | PostgreSQL | target |");
        let _ = writeln!(report, "| --- | ---: | ---: | --- |");
        let [sqlite, postgres] = [&backends[0], &backends[1]];
        let row = |report: &mut String, what: &str, s: String, p: String, target: &str| {
            let _ = writeln!(report, "| {what} | {s} | {p} | {target} |");
        };
        row(
            &mut report,
            "raw single-row INSERT + COMMIT, /s",
            format!("{:.0}", sqlite_raw),
            format!("{:.0}", pg_raw),
            "the ceiling, same run",
        );
        row(
            &mut report,
            "`POST /invitations`, 16 connections, req/s",
            format!("{:.0}", sqlite.create.rps),
            format!("{:.0}", postgres.create.rps),
            "",
        );
        row(
            &mut report,
            "… as a share of the raw ceiling",
            percent(sqlite.create.rps / sqlite_raw),
            percent(postgres.create.rps / pg_raw),
            "SQLite ≥ 40 %, PostgreSQL ≥ 70 %",
        );
        row(
            &mut report,
            "… p50 / p99 ms",
            sqlite.create.latency(),
            postgres.create.latency(),
            "p99 ≤ 10 ms",
        );
        for (i, (what, target)) in [
            ("list: first page", "p99 < 5 ms"),
            ("list: cursor pages", "p99 < 5 ms"),
            ("list: search `q`", "p99 < 20 ms"),
            ("list: status filters", "p99 < 10 ms"),
        ]
        .into_iter()
        .enumerate()
        {
            row(
                &mut report,
                &format!("{what}, 16 connections, p50 / p99 ms"),
                sqlite.lists[i].0.latency(),
                postgres.lists[i].0.latency(),
                target,
            );
            row(
                &mut report,
                &format!(
                    "… one request at a time, p50 / p99 ms ({:.0} and {:.0} req/s)",
                    sqlite.lists[i].1.rps, postgres.lists[i].1.rps
                ),
                sqlite.lists[i].1.latency(),
                postgres.lists[i].1.latency(),
                "",
            );
        }
        row(
            &mut report,
            "upload → 201 (validated and staged), ms",
            ms(sqlite.upload_ms),
            ms(postgres.upload_ms),
            "< 500 ms at 50,000 rows",
        );
        row(
            &mut report,
            "upload: peak RSS of server and client, MiB",
            format!("{:.0}", sqlite.upload_peak_mib),
            format!("{:.0}", postgres.upload_peak_mib),
            "< 200 MB",
        );
        row(
            &mut report,
            "submit → 200 (invitations and their jobs), ms",
            ms(sqlite.submit_ms),
            ms(postgres.submit_ms),
            "< 2,000 ms SQLite, < 3,000 ms PostgreSQL",
        );
        let _ = writeln!(
            report,
            "\nSPA: wasm {} KB raw, **{} KB gzipped** (`gzip -9`; target < 300 KB), {} KB as the \
             server sends it to a browser that takes brotli (the bundle's precompressed copy).\n",
            spa.0 / 1024,
            spa.1 / 1024,
            spa.2 / 1024
        );
        let _ = writeln!(
            report,
            "SPA first render (cold load of `/sign-in` in headless Chromium until the sign-in \
             form is in the DOM, the server in-process from the same build; median of {} runs): **{}** (target < 300 ms).\n",
            if self.scale.smoke { 1 } else { 7 },
            spa_render.first_render
        );
        let _ = writeln!(
            report,
            "SPA status page with 100 invitations (vendors, every column filled), from the list \
             answer's arrival (`responseEnd`) to its rows in the DOM and the first task after the \
             next frame; median of {} visits: first page of 25 rows **{}**, the table re-rendered \
             with 100 rows after three \"Load more\" **{}** (target: 100 rows interactive < 100 ms).\n",
            if self.scale.smoke { 1 } else { 7 },
            spa_render.status_first_page,
            spa_render.status_hundred
        );
        let failed: u64 = backends
            .iter()
            .flat_map(|b| {
                std::iter::once(&b.create).chain(b.lists.iter().flat_map(|(l, a)| [l, a]))
            })
            .map(|l| l.failed)
            .sum();
        let _ = writeln!(
            report,
            "Creates sent: {} (SQLite) and {} (PostgreSQL); answers other than 201 (creates) or \
             200 (lists): {failed}.",
            sqlite.create.requests, postgres.create.requests
        );
        let _ = writeln!(report, "<!-- bench:end -->");
        report
    }

    fn backend(&self, backend: Backend) -> Measured {
        eprintln!("bench: {backend:?}");
        let database = self.fresh_database(backend);
        let servers = Servers::start(self, backend, &database.url);
        let token = servers.sign_in();
        eprintln!("bench: {backend:?} creates");
        let create = self.wrk(
            &servers.address,
            "create.lua",
            CREATE_LUA,
            &[&token, &format!("{backend:?}").to_lowercase()],
            201,
        );
        // The creates' deliveries must not run beside the list's load.
        wait_for_outbox(&database.url);
        eprintln!("bench: {backend:?} seeding {} invitations", self.scale.rows);
        let officer = officer_id(&database.url, "bench_officer@tech.gov.sg");
        let cursors = seed(&database.url, &officer, self.scale.rows);
        // Each under the full load, and one request at a time (the query's own time, without
        // queueing behind 15 others on two cores).
        let list = |name: &str, paths: Vec<String>| {
            eprintln!("bench: {backend:?} list, {name}");
            let script = LIST_LUA.replace("{PATHS}", &lua_strings(&paths));
            let file = format!("{name}.lua");
            let loaded = self.wrk(&servers.address, &file, &script, &[&token], 200);
            let alone = self.wrk_with(
                1,
                self.scale.seconds.div_ceil(3),
                &servers.address,
                &file,
                &script,
                &[&token],
                200,
            );
            (loaded, alone)
        };
        let base = "/api/v1/invitations?limit=50";
        let rare = self.scale.rows / 2;
        let lists = vec![
            list("first", vec![base.to_owned()]),
            list(
                "cursor",
                cursors
                    .iter()
                    .map(|c| format!("{base}&cursor={c}"))
                    .collect(),
            ),
            list(
                "search",
                [
                    format!("seed{rare}@"),
                    "nobody-by-this-name".to_owned(),
                    "tech.gov.sg".to_owned(),
                    "last7".to_owned(),
                ]
                .iter()
                .map(|q| format!("{base}&q={q}"))
                .collect(),
            ),
            list(
                "status",
                [
                    "techpass_status=onboarded",
                    "techpass_status=failed",
                    "seed_status=pending",
                    "techpass_status=pending&seed_status=not_required",
                ]
                .iter()
                .map(|f| format!("{base}&{f}"))
                .collect(),
            ),
        ];
        drop(servers);
        drop(database);
        eprintln!("bench: {backend:?} upload and submit");
        let upload = self.upload(backend);
        Measured {
            create,
            lists,
            upload_ms: upload["upload"]["m"]["ms"].as_f64().unwrap_or(f64::NAN),
            upload_peak_mib: upload["upload"]["m"]["peak"].as_f64().unwrap_or(f64::NAN),
            submit_ms: upload["submit"]["ms"].as_f64().unwrap_or(f64::NAN),
        }
    }

    fn fresh_database(&self, backend: Backend) -> Database {
        match backend {
            Backend::Sqlite => {
                let path = self
                    .work
                    .join(format!("bench-{}.db", uuid::Uuid::new_v4().simple()));
                Database {
                    url: format!("sqlite://{}", path.display()),
                    drop: Drop::File(path),
                }
            }
            Backend::Postgres => {
                let name = format!("invite_bench_{}", uuid::Uuid::new_v4().simple());
                admin_sql(&self.admin, &format!("CREATE DATABASE {name}"));
                Database {
                    url: database_url(&self.admin, &name),
                    drop: Drop::Postgres {
                        admin: self.admin.clone(),
                        name,
                    },
                }
            }
        }
    }

    /// `wrk` with `script` (arguments after `--`); every answer must have `status`.
    fn wrk(&self, address: &str, name: &str, script: &str, args: &[&str], status: u16) -> Load {
        self.wrk_with(
            CONNECTIONS,
            self.scale.seconds,
            address,
            name,
            script,
            args,
            status,
        )
    }

    /// [`Bench::wrk`] with `connections` (one thread when one connection) for `seconds`.
    #[allow(clippy::too_many_arguments)]
    fn wrk_with(
        &self,
        connections: u32,
        seconds: u32,
        address: &str,
        name: &str,
        script: &str,
        args: &[&str],
        status: u16,
    ) -> Load {
        let path = self.work.join(name);
        let check = CHECK_STATUS_LUA.replace("{STATUS}", &status.to_string());
        std::fs::write(&path, format!("{script}{check}")).expect("script");
        let output = Command::new("wrk")
            .args([
                &format!("-t{}", THREADS.min(connections)),
                &format!("-c{connections}"),
                &format!("-d{seconds}s"),
                "--latency",
                "-s",
            ])
            .arg(&path)
            .arg(address)
            .arg("--")
            .args(args)
            .output()
            .expect("wrk runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let load = Load::parse(&text).unwrap_or_else(|| panic!("wrk's output:\n{text}"));
        if load.failed > 0 {
            // Reported in the table, not hidden: the first answers show why.
            let why: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("unexpected status"))
                .take(3)
                .collect();
            eprintln!(
                "bench: {} answers other than {status}: {why:?}",
                load.failed
            );
        }
        load
    }

    /// Raw PostgreSQL: single-row INSERT + COMMIT, 16 clients, in a database of its own.
    fn pgbench(&self) -> f64 {
        let name = format!("invite_bench_raw_{}", uuid::Uuid::new_v4().simple());
        admin_sql(&self.admin, &format!("CREATE DATABASE {name}"));
        let url = database_url(&self.admin, &name);
        let mut conn = invite_server::db::establish_postgres(&url).expect("raw database");
        conn.batch_execute(
            "CREATE TABLE raw_insert (id TEXT PRIMARY KEY, email TEXT NOT NULL, \
             created_at TIMESTAMP NOT NULL DEFAULT now())",
        )
        .expect("raw table");
        drop(conn);
        let script = self.work.join("raw_insert.sql");
        std::fs::write(
            &script,
            "INSERT INTO raw_insert (id, email) VALUES (gen_random_uuid()::text, 'x' || random());\n",
        )
        .expect("pgbench script");
        let output = Command::new("pgbench")
            .args([
                "-n",
                &format!("-c{CONNECTIONS}"),
                &format!("-j{THREADS}"),
                &format!("-T{}", self.scale.seconds),
                "-f",
            ])
            .arg(&script)
            .arg(&url)
            .output()
            .expect("pgbench runs");
        admin_sql(&self.admin, &format!("DROP DATABASE {name} WITH (FORCE)"));
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .find_map(|l| l.strip_prefix("tps = "))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "pgbench's output:\n{text}\n{}",
                    String::from_utf8_lossy(&output.stderr)
                )
            })
    }

    /// Raw SQLite: single-row INSERT + COMMIT on one connection, WAL, `synchronous = NORMAL`.
    fn sqlite_raw(&self) -> f64 {
        let path = self.work.join("raw.db");
        let mut conn =
            diesel::SqliteConnection::establish(&path.display().to_string()).expect("raw file");
        conn.batch_execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             CREATE TABLE raw_insert (id TEXT PRIMARY KEY, email TEXT NOT NULL, \
             created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        )
        .expect("raw table");
        let deadline = Instant::now() + Duration::from_secs(u64::from(self.scale.seconds));
        let started = Instant::now();
        let mut inserted = 0u64;
        while Instant::now() < deadline {
            diesel::sql_query("INSERT INTO raw_insert (id, email) VALUES (?, ?)")
                .bind::<diesel::sql_types::Text, _>(uuid::Uuid::new_v4().to_string())
                .bind::<diesel::sql_types::Text, _>(format!("x{inserted}"))
                .execute(&mut conn)
                .expect("insert");
            inserted += 1;
        }
        inserted as f64 / started.elapsed().as_secs_f64()
    }

    /// `spa_first_render`'s medians, as it printed them.
    fn spa_render(&self) -> SpaRender {
        let output = Command::new(self.bin.join("examples/spa_first_render"))
            .env("BENCH_SPA_RUNS", if self.scale.smoke { "1" } else { "7" })
            .current_dir(&self.root)
            .output()
            .expect("spa_first_render runs");
        let text = String::from_utf8_lossy(&output.stdout);
        let median = |prefix: &str| {
            text.lines()
                .find_map(|l| l.split_once(prefix).map(|(_, rest)| rest))
                .and_then(|rest| rest.split(" (").next())
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    panic!(
                        "spa_first_render's output has no {prefix:?}:\n{text}\n{}",
                        String::from_utf8_lossy(&output.stderr)
                    )
                })
        };
        SpaRender {
            first_render: median("sign-in form in the DOM: median "),
            status_first_page: median("first page of 25 rows, answer to idle: median "),
            status_hundred: median("status page with 100 rows interactive: median "),
        }
    }

    /// `bench_upload --upload BACKEND ROWS identity`: its JSON line.
    fn upload(&self, backend: Backend) -> Value {
        let mut command = Command::new(self.bin.join("examples/bench_upload"));
        command.args([
            "--upload",
            &format!("{backend:?}").to_lowercase(),
            &self.scale.upload_rows.to_string(),
            "identity",
        ]);
        command.env("BENCH_DATABASE_URL", &self.admin);
        let output = command.output().expect("bench_upload runs");
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .rev()
            .find_map(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| {
                panic!(
                    "bench_upload's output:\n{text}\n{}",
                    String::from_utf8_lossy(&output.stderr)
                )
            })
    }
}

#[derive(Debug, Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

struct Measured {
    create: Load,
    /// Each list load with 16 connections, and one at a time.
    lists: Vec<(Load, Load)>,
    upload_ms: f64,
    upload_peak_mib: f64,
    submit_ms: f64,
}

/// What `wrk` measured.
#[derive(Debug, Clone, Copy)]
struct Load {
    rps: f64,
    requests: u64,
    /// Answers other than the expected status.
    failed: u64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Load {
    fn parse(text: &str) -> Option<Load> {
        let value = |prefix: &str| {
            text.lines()
                .map(str::trim)
                .find_map(|l| l.strip_prefix(prefix))
                .map(str::trim)
        };
        let rps = value("Requests/sec:")?.parse().ok()?;
        let requests = text
            .lines()
            .find(|l| l.contains("requests in"))?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        let failed = value("Non-2xx or 3xx responses:")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        Some(Load {
            rps,
            requests,
            failed,
            p50_ms: duration_ms(value("50%")?)?,
            p99_ms: duration_ms(value("99%")?)?,
        })
    }

    fn latency(&self) -> String {
        let mut text = format!("{:.1} / {:.1}", self.p50_ms, self.p99_ms);
        if self.failed > 0 {
            let _ = write!(
                text,
                " (**{:.1} % failed**)",
                self.failed as f64 * 100.0 / self.requests.max(1) as f64
            );
        }
        text
    }
}

/// wrk's `635.91us`, `1.06ms`, `2.01s` in ms.
fn duration_ms(text: &str) -> Option<f64> {
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * factor)
}

/// The server processes of one backend, as deployed (see the module's comment).
struct Servers {
    address: String,
    processes: Vec<Child>,
}

impl Servers {
    fn start(bench: &Bench, backend: Backend, url: &str) -> Servers {
        let port = free_port();
        let roles: &[(u16, bool)] = match backend {
            // One process: requests and the worker.
            Backend::Sqlite => &[(port, true)],
            // A request-serving process, and a worker process.
            Backend::Postgres => &[(port, false), (free_port(), true)],
        };
        let mut processes = Vec::new();
        for &(port, worker) in roles {
            let child = Command::new(bench.bin.join("invite-server"))
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("DATABASE_URL", url)
                .env("PORT", port.to_string())
                .env("INVITES_DEV_LOGIN", "true")
                .env("INVITES_DELIVERY_WORKER", worker.to_string())
                // The load is one officer: the per-officer limits would refuse it.
                .env("INVITES_RATE_CREATE_PER_MIN", "0")
                .env("INVITES_RATE_SIGN_IN_PER_MIN", "0")
                .env("INVITES_SPA_DIR", "/nonexistent")
                .env("INVITES_LOG_FORMAT", "json")
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("the server binary starts");
            processes.push(child);
            wait_ready(port);
        }
        Servers {
            address: format!("http://127.0.0.1:{port}"),
            processes,
        }
    }

    fn sign_in(&self) -> String {
        let output = Command::new("curl")
            .args([
                "-sS",
                "-X",
                "POST",
                "-H",
                "content-type: application/json",
                "-d",
            ])
            .arg(json!({ "email": "bench_officer@tech.gov.sg" }).to_string())
            .arg(format!("{}/api/v1/auth/dev-login", self.address))
            .output()
            .expect("curl runs");
        let body: Value = serde_json::from_slice(&output.stdout).expect("sign-in answer");
        body["token"].as_str().expect("token").to_owned()
    }
}

impl std::ops::Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.processes {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let ready = Command::new("curl")
            .args(["-sf", "-o", "/dev/null"])
            .arg(format!("http://127.0.0.1:{port}/readyz"))
            .status()
            .is_ok_and(|s| s.success());
        if ready {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server on port {port} did not become ready");
}

struct Database {
    url: String,
    drop: Drop,
}

enum Drop {
    File(PathBuf),
    Postgres { admin: String, name: String },
}

impl std::ops::Drop for Database {
    fn drop(&mut self) {
        match &self.drop {
            Drop::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Drop::Postgres { admin, name } => admin_sql(
                admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ),
        }
    }
}

fn admin_sql(admin: &str, sql: &str) {
    let mut conn = invite_server::db::establish_postgres(admin)
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin}: {e}"));
    conn.batch_execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn database_url(admin: &str, name: &str) -> String {
    let base = admin.rsplit_once('/').map_or(admin, |(base, _)| base);
    format!("{base}/{name}")
}

fn connect(url: &str) -> invite_server::db::DbConnection {
    use r2d2::ManageConnection;
    invite_server::db::ConnectionManager::new(url)
        .connect()
        .expect("database")
}

/// Waits (at most 5 minutes) until no delivery job is pending.
fn wait_for_outbox(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(300);
    let started = Instant::now();
    let mut conn = connect(url);
    loop {
        let backlog = invite_server::db::outbox::backlog(&mut conn, invite_server::db::now())
            .expect("backlog");
        if backlog.pending == 0 {
            eprintln!(
                "bench: outbox drained in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the outbox did not drain: {backlog:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn officer_id(url: &str, email: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let id: Id = diesel::sql_query(format!("SELECT id FROM officers WHERE email = '{email}'"))
        .get_result(&mut connect(url))
        .expect("the signed-in officer");
    id.id
}

/// Seeds `rows` invitations of `officer`, one a second from 2026-01-01 (row `i`: id
/// `00000000-0000-4000-8000-{i:012}`, email `seed{i}@tech.gov.sg`, last name `Last{i % 1000}`;
/// 1 in 100 onboarded, 1 in 50 failed, 1 in 7 with SEED pending). Returns cursors spread over
/// the list.
fn seed(url: &str, officer: &str, rows: u64) -> Vec<String> {
    let values = |series: &str, at: &str| {
        format!(
            "SELECT printf_id, '{officer}', 'public_officer', 'seed' || i || '@tech.gov.sg', \
             'First' || i, 'Last' || (i % 1000), NULL, NULL, NULL, NULL, NULL, \
             (i % 7 = 0), 'Seeded for the benchmark', 'api', \
             lower('first' || i || ' last' || (i % 1000) || ' seed' || i || '@tech.gov.sg'), \
             {at}, {at}, \
             CASE WHEN i % 100 = 0 THEN 'onboarded' WHEN i % 50 = 1 THEN 'failed' ELSE 'pending' END, \
             CASE WHEN i % 7 = 0 THEN 'pending' ELSE 'not_required' END, {at} \
             FROM {series}"
        )
    };
    let columns = "INSERT INTO invitations (id, officer_id, user_type, email, first_name, last_name, \
         contact_number, organisation, department, techpass_username, username_key, seed_required, \
         reason, channel, search_text, invited_at, last_sent_at, techpass_status, seed_status, \
         updated_at) ";
    let mut conn = connect(url);
    let sql = match &conn {
        invite_server::db::DbConnection::Pg(_) => format!(
            "{columns} {}; ANALYZE invitations;",
            values(
                &format!(
                    "(SELECT i, '00000000-0000-4000-8000-' || lpad(i::text, 12, '0') AS printf_id \
                     FROM generate_series(1, {rows}) AS i) AS s"
                ),
                "timestamp '2026-01-01' + i * interval '1 second'"
            )
        ),
        invite_server::db::DbConnection::Sqlite(_) => format!(
            "BEGIN; {columns} WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
             WHERE i < {rows}) {}; COMMIT; ANALYZE;",
            values(
                "(SELECT i, printf('00000000-0000-4000-8000-%012d', i) AS printf_id FROM n)",
                "strftime('%Y-%m-%d %H:%M:%S', '2026-01-01', '+' || i || ' seconds')"
            )
        ),
    };
    conn.batch_execute(&sql).expect("seed");
    // Cursors after rows spread over the list (newest first: row `rows` is the first).
    [0.01, 0.25, 0.5, 0.75, 0.99]
        .iter()
        .map(|share| {
            let i = ((rows as f64) * (1.0 - share)).max(1.0) as i64;
            let micros = (chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
                .expect("date")
                .and_hms_opt(0, 0, 0)
                .expect("time")
                + chrono::Duration::seconds(i))
            .and_utc()
            .timestamp_micros();
            format!("{micros}.00000000-0000-4000-8000-{i:012}")
        })
        .collect()
}

fn lua_strings(items: &[String]) -> String {
    items
        .iter()
        .map(|p| format!("{p:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SPA's render medians, as `spa_first_render` printed them (`"196 ms"`).
struct SpaRender {
    first_render: String,
    status_first_page: String,
    status_hundred: String,
}

fn spa_size(root: &Path) -> (u64, u64, u64) {
    let wasm = root.join("frontend/dist/pkg/frontend_bg.wasm");
    let raw = std::fs::metadata(&wasm).map_or(0, |m| m.len());
    let gzipped = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&wasm)
        .output()
        .map_or(0, |o| o.stdout.len() as u64);
    let brotli = std::fs::metadata(root.join("frontend/dist/pkg/frontend_bg.wasm.br"))
        .map_or(0, |m| m.len());
    (raw, gzipped, brotli)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn percent(ratio: f64) -> String {
    format!("{:.0} %", ratio * 100.0)
}

fn ms(value: f64) -> String {
    format!("{value:.0}")
}

/// Replaces the `bench:start` … `bench:end` section of `path` with `report` (or appends it).
fn replace_section(path: &Path, report: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.find("<!-- bench:start");
    let end = text
        .find("<!-- bench:end -->")
        .map(|e| e + "<!-- bench:end -->".len());
    let updated = match (start, end) {
        (Some(s), Some(e)) if s < e => format!("{}{}{}", &text[..s], report.trim_end(), &text[e..]),
        _ => format!("{}\n{}\n", text.trim_end(), report.trim_end()),
    };
    std::fs::write(path, updated).expect("write PERFORMANCE.md");
}

/// Unique public-officer invitations; args: token, a tag for the emails.
const CREATE_LUA: &str = r#"
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  token = args[1]
  tag = args[2]
  counter = 0
end
function request()
  counter = counter + 1
  local body = string.format(
    '{"user_type":"public_officer","email":"load.%s.%d.%d@tech.gov.sg","seed_required":false,"reason":"Load test"}',
    tag, tid, counter)
  return wrk.format("POST", "/api/v1/invitations",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
"#;

/// Appended to every script: an answer other than the expected status is printed (and wrk
/// counts it as non-2xx).
const CHECK_STATUS_LUA: &str = r#"
function response(status, headers, body)
  if status ~= {STATUS} then
    print("unexpected status " .. status .. ": " .. body)
  end
end
"#;

/// GETs cycling through {PATHS}; args: token.
const LIST_LUA: &str = r#"
local paths = { {PATHS} }
function init(args)
  token = args[1]
  n = 0
end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], {["Authorization"] = "Bearer " .. token})
end
"#;
