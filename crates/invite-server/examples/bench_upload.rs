//! Times batch upload end to end over HTTP, against a raw read of the same file, the
//! single-invitation create throughput, and how fast the outbox delivers a submitted batch
//! (`--drain`: a replica without a worker submits, a second replica with a worker and the
//! built-in stand-ins drains; `BENCH_ONLY_DRAIN=1` runs only that).
//!
//! ```text
//! cargo run -p invite-server --release --example bench_upload
//! BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo run -p invite-server --release --example bench_upload
//! ```
//!
//! SQLite always; PostgreSQL too when `BENCH_DATABASE_URL` names a server (a fresh database is
//! created next to the one named, and dropped afterwards).
//!
//! Every run is a fresh child process (this program with `--upload` or `--create`) with a fresh
//! database and the real server started in-process by `Application::build` on port 0, so runs do
//! not see each other's invitations, allocator state or lingering servers. An upload run:
//!
//! 1. generates an Excel-style workbook (`invite_sheets::synthetic`, shared strings) of N rows;
//! 2. times `invite_sheets::read_upload` of those bytes (the raw read: zip guard + calamine);
//! 3. times `POST /api/v1/batches` (multipart) until the whole 201 body is received: read,
//!    validated, duplicate-checked, staged in the database, and every row sent back as JSON;
//!    in separate runs with `Accept-Encoding: gzip` (what a browser sends);
//! 4. times `POST /api/v1/batches/{id}/submit` of that batch (valid rows → invitations), in
//!    the runs without gzip.
//!
//! Peak RSS is the process's `VmHWM`, reset (`/proc/self/clear_refs`) before each step; it
//! includes the client, since the server runs in the same process, and "base" is the RSS when
//! the step starts. The figures printed are the median of `RUNS` runs, with the range.
//! Logging is off unless `RUST_LOG` is set.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use invite_server::{Application, Config};
use invite_sheets::synthetic::{Strings, workbook};
use invite_sheets::{Limits, read_upload};
use serde_json::{Value, json};

const SIZES: [usize; 2] = [10_000, 50_000];
const RUNS: usize = 3;
/// Invitations created one after another, then by `CLIENTS` concurrent clients.
const CREATES: usize = 2_000;
const CLIENTS: usize = 16;
/// Rows of the batch whose delivery is timed (two jobs each).
const DRAIN_ROWS: usize = 10_000;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// ---------------------------------------------------------------------------------------------
// Memory

/// Current and peak resident set size of this process, in MiB.
struct Rss {
    now: f64,
    peak: f64,
}

fn rss() -> Rss {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mut rss = Rss {
        now: f64::NAN,
        peak: f64::NAN,
    };
    for line in status.lines() {
        let Some((key, rest)) = line.split_once(':') else {
            continue;
        };
        let kib = rest
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok());
        match (key, kib) {
            ("VmRSS", Some(kib)) => rss.now = kib / 1024.0,
            ("VmHWM", Some(kib)) => rss.peak = kib / 1024.0,
            _ => {}
        }
    }
    rss
}

/// Resets `VmHWM` to the current RSS, so the next reading is the peak of what follows.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Runs `step`, returning its result, wall time, the RSS before and the peak RSS during it.
async fn measured<T>(step: impl std::future::Future<Output = T>) -> (T, Value) {
    reset_peak();
    let base = rss().now;
    let started = Instant::now();
    let out = step.await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    (out, json!({ "ms": ms, "base": base, "peak": rss().peak }))
}

// ---------------------------------------------------------------------------------------------
// A server on a fresh database

enum Database {
    Sqlite(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Database {
    fn create(backend: &str) -> (Database, String) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        if backend == "sqlite" {
            let dir = std::env::temp_dir().join(format!("invite-users-bench-{id}"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            return (Database::Sqlite(dir), url);
        }
        let admin_url = std::env::var("BENCH_DATABASE_URL").expect("BENCH_DATABASE_URL");
        let name = format!("invite_bench_{id}");
        let mut conn =
            invite_server::db::establish_postgres(&admin_url).expect("PostgreSQL reachable");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create database");
        let server = admin_url.rsplit_once('/').map_or(&*admin_url, |(s, _)| s);
        let url = format!("{server}/{name}");
        (Database::Postgres { admin_url, name }, url)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        match self {
            Database::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Database::Postgres { admin_url, name } => {
                if let Ok(mut conn) = invite_server::db::establish_postgres(admin_url) {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = diesel::sql_query(drop).execute(&mut conn);
                }
            }
        }
    }
}

struct Server {
    base: String,
    client: reqwest::Client,
    token: String,
    _database: Database,
}

impl Server {
    /// The real server (default configuration: pool of 8) on port 0, signed in as an officer.
    async fn start(backend: &str) -> Server {
        let (database, url) = Database::create(backend);
        // BENCH_NO_WORKER=1: no delivery worker beside the requests (what they cost alone).
        let no_worker = std::env::var_os("BENCH_NO_WORKER").is_some();
        Server::on(database, url, |config| {
            if no_worker {
                config.delivery.worker = false;
            }
        })
        .await
    }

    /// The real server on `url`, configured by `configure`.
    async fn on(database: Database, url: String, configure: impl FnOnce(&mut Config)) -> Server {
        let mut config = Config::for_database(url);
        config.spa_dir = std::env::temp_dir().join("invite-users-bench-no-spa");
        configure(&mut config);
        let app = Application::build(config).await.expect("server starts");
        let base = format!("http://127.0.0.1:{}/api/v1", app.port());
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::new();
        let signed_in: Value = client
            .post(format!("{base}/auth/dev-login"))
            .json(&json!({ "email": "bench.officer@tech.gov.sg" }))
            .send()
            .await
            .expect("sign in")
            .json()
            .await
            .expect("sign-in json");
        let token = signed_in["token"].as_str().expect("token").to_owned();
        Server {
            base,
            client,
            token,
            _database: database,
        }
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }
}

/// The parts of a batch response the benchmark checks (the rows are skipped, not kept).
#[derive(serde::Deserialize)]
struct BatchOut {
    id: String,
    summary: Summary,
}

#[derive(serde::Deserialize)]
struct Summary {
    total: u32,
    valid: u32,
    submitted: u32,
}

/// A response's status and body.
async fn received(request: reqwest::RequestBuilder) -> (u16, actix_web::web::Bytes) {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body"))
}

fn batch_out(status: u16, body: &[u8], expected: u16) -> BatchOut {
    assert_eq!(
        status,
        expected,
        "{}",
        String::from_utf8_lossy(&body[..body.len().min(500)])
    );
    serde_json::from_slice(body).expect("batch json")
}

// ---------------------------------------------------------------------------------------------
// Child runs

/// One upload run: raw read, upload, and (without gzip) submit. Prints a JSON object.
async fn upload_run(backend: &str, rows: usize, gzip: bool) {
    let bytes = workbook(rows, Strings::Shared);
    let limits = Limits::default();
    let (read, read_m) = measured(async { read_upload(&bytes, &limits).expect("read") }).await;
    assert_eq!(read.len(), rows);
    drop(read);

    let server = Server::start(backend).await;
    let part = reqwest::multipart::Part::bytes(bytes.clone())
        .file_name(format!("bench-{rows}.xlsx"))
        .mime_str(XLSX)
        .expect("mime");
    let mut request = server
        .post("/batches")
        .multipart(reqwest::multipart::Form::new().part("file", part));
    if gzip {
        request = request.header("Accept-Encoding", "gzip");
    }
    let ((status, body), upload_m) = measured(received(request)).await;
    let mut out = json!({
        "file_bytes": bytes.len(), "read": read_m,
        "upload": { "m": upload_m, "bytes": body.len() },
    });
    if gzip {
        assert_eq!(status, 201, "gzip upload");
    } else {
        let batch = batch_out(status, &body, 201);
        drop(body);
        assert_eq!(batch.summary.total as usize, rows);
        let valid = batch.summary.valid;
        let submit = server.post(&format!("/batches/{}/submit", batch.id));
        let ((status, body), submit_m) = measured(received(submit)).await;
        let submitted = batch_out(status, &body, 200).summary.submitted;
        assert_eq!(submitted, valid, "every valid row submitted");
        out["valid"] = valid.into();
        out["submit"] = submit_m;
        out["submit_bytes"] = body.len().into();
        // The same rows as JSON, staged by the same path (a batch of its own), after the submit so
        // that the submit's figure stays comparable with earlier runs (its rows are invited by
        // now: every row is checked and marked already invited).
        let json_rows: Vec<Value> = (0..rows).map(json_row).collect();
        let json_body = serde_json::to_vec(&json!({ "rows": json_rows })).expect("json");
        let json_bytes = json_body.len();
        let request = server
            .post("/batches")
            .header("content-type", "application/json")
            .body(json_body);
        let ((status, body), json_m) = measured(received(request)).await;
        assert_eq!(batch_out(status, &body, 201).summary.total as usize, rows);
        out["json_upload"] =
            json!({ "m": json_m, "request_bytes": json_bytes, "bytes": body.len() });
        drop(body);
    }
    out["process_peak"] = rss().peak.into();
    println!("{out}");
}

/// Data row `i` of the synthetic workbook as a JSON row.
fn json_row(i: usize) -> Value {
    let v = invite_sheets::synthetic::values(i);
    let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    json!({
        "user_type": v[0], "email": v[1], "first_name": text(&v[2]), "last_name": text(&v[3]),
        "contact_number": text(&v[4]), "organisation": text(&v[5]), "department": text(&v[6]),
        "techpass_username": text(&v[7]), "seed_required": v[8] == "Yes", "reason": v[9],
    })
}

fn officer_invite(email: &str) -> Value {
    json!({ "user_type": "public_officer", "email": email, "seed_required": true,
            "reason": "Joins the platform team" })
}

/// Creates invitations `prefix.{i}@tech.gov.sg` for i < `CREATES` with `clients` concurrent
/// clients; returns invitations/s and the p50/p99 latency in ms.
async fn creates(server: &Arc<Server>, prefix: &str, clients: usize) -> Value {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (server, next, prefix) = (server.clone(), next.clone(), prefix.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= CREATES {
                    return latencies;
                }
                let body = officer_invite(&format!("{prefix}.{i}@tech.gov.sg"));
                let sent = Instant::now();
                let (status, body) = received(server.post("/invitations").json(&body)).await;
                assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
                latencies.push(sent.elapsed());
            }
        }));
    }
    let mut latencies: Vec<Duration> = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client task"));
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e3;
    json!({ "per_s": CREATES as f64 / seconds, "p50": at(0.5), "p99": at(0.99) })
}

/// One create-throughput run: sequential, then concurrent. Prints a JSON object.
/// `worker`: whether this server delivers while it takes creates (false: a replica that only
/// serves requests, so only the outbox's own write is measured).
async fn create_run(backend: &str, worker: bool) {
    let (database, url) = Database::create(backend);
    let server = Arc::new(Server::on(database, url, |c| c.delivery.worker = worker).await);
    for i in 0..20 {
        let body = officer_invite(&format!("warmup.{i}@tech.gov.sg"));
        let (status, _) = received(server.post("/invitations").json(&body)).await;
        assert_eq!(status, 201);
    }
    reset_peak();
    let sequential = creates(&server, "seq", 1).await;
    let concurrent = creates(&server, "conc", CLIENTS).await;
    let out = json!({ "sequential": sequential, "concurrent": concurrent, "peak": rss().peak });
    println!("{out}");
}

// ---------------------------------------------------------------------------------------------
// Delivery: a submitted batch drained through the outbox

/// Submits a batch of `rows` on a replica without a worker, then starts a second replica on
/// the same database, with a worker and the built-in stand-ins (email to the dev mailbox,
/// TechPass over HTTP to its stand-in on that replica), and times until no job is pending.
async fn drain_run(backend: &str, rows: usize) {
    let (database, url) = Database::create(backend);
    let stager = Server::on(database, url.clone(), |c| c.delivery.worker = false).await;
    let part = reqwest::multipart::Part::bytes(workbook(rows, Strings::Shared))
        .file_name("bench.xlsx")
        .mime_str(XLSX)
        .expect("mime");
    let (status, body) = received(
        stager
            .post("/batches")
            .multipart(reqwest::multipart::Form::new().part("file", part)),
    )
    .await;
    let batch = batch_out(status, &body, 201);
    drop(body);
    let submit = Instant::now();
    let (status, body) = received(stager.post(&format!("/batches/{}/submit", batch.id))).await;
    let submitted = batch_out(status, &body, 200).summary.submitted;
    let submit_ms = submit.elapsed().as_secs_f64() * 1000.0;
    // The synthetic workbook has some invalid rows on purpose; every valid one is invited.
    assert_eq!(submitted, batch.summary.valid);
    let pool = invite_server::db::connect(&url, 1).expect("pool");
    let pending = || {
        let mut conn = pool.get().expect("connection");
        invite_server::db::outbox::backlog(&mut conn, invite_server::db::now())
            .expect("backlog")
            .pending
    };
    let jobs = pending();

    reset_peak();
    let start = Instant::now();
    let mut config = Config::for_database(url);
    config.spa_dir = std::env::temp_dir().join("invite-users-bench-no-spa");
    let app = Application::build(config)
        .await
        .expect("worker replica starts");
    tokio::spawn(app.run_until_stopped());
    while pending() > 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let drain = start.elapsed().as_secs_f64();
    let out = json!({
        "rows": rows, "invited": submitted, "jobs": jobs, "submit_ms": submit_ms, "drain_s": drain,
        "jobs_per_s": jobs as f64 / drain, "peak": rss().peak,
    });
    println!("{out}");
}

fn report_drain(backend: &str) {
    let runs: Vec<Value> = (0..RUNS)
        .map(|run| {
            eprintln!("  {backend}: drain, run {}", run + 1);
            child(&["--drain".into(), backend.into(), DRAIN_ROWS.to_string()])
        })
        .collect();
    println!(
        "\n### Outbox drain, {backend} ({DRAIN_ROWS}-row batch: email + TechPass jobs, median of {RUNS} runs)\n"
    );
    println!("| jobs | submit ms | drain s | jobs/s | peak RSS MiB |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    println!(
        "| {} | {} | {} | {} | {} |",
        stat(&runs, "/jobs", 0),
        stat(&runs, "/submit_ms", 0),
        stat(&runs, "/drain_s", 1),
        stat(&runs, "/jobs_per_s", 0),
        stat(&runs, "/peak", 0),
    );
}

// ---------------------------------------------------------------------------------------------
// Parent: runs the children, prints medians

/// Runs this program with `args` in a fresh process and parses the JSON line it prints.
fn child(args: &[String]) -> Value {
    let exe = std::env::current_exe().expect("own path");
    let output = std::process::Command::new(exe)
        .args(args)
        .output()
        .expect("run child");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().rev().find(|l| l.starts_with('{'));
    match line.and_then(|l| serde_json::from_str(l).ok()) {
        Some(value) if output.status.success() => value,
        _ => panic!(
            "child {args:?} failed: {}\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// `median (min–max)` of the number at `pointer` in each run.
fn stat(runs: &[Value], pointer: &str, decimals: usize) -> String {
    let mut xs: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.pointer(pointer)?.as_f64())
        .collect();
    xs.sort_by(f64::total_cmp);
    match xs.as_slice() {
        [] => "?".into(),
        [x] => format!("{x:.decimals$}"),
        _ => format!(
            "{:.decimals$} ({:.decimals$}–{:.decimals$})",
            xs[xs.len() / 2],
            xs[0],
            xs[xs.len() - 1]
        ),
    }
}

fn median(runs: &[Value], pointer: &str) -> f64 {
    let mut xs: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.pointer(pointer)?.as_f64())
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn report_uploads(backend: &str) {
    println!("\n### Upload and submit, {backend} (median of {RUNS} runs, range in brackets)\n");
    println!("| rows | file | step | time ms | peak RSS MiB | base RSS MiB | rows/s | response |");
    println!("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
    for rows in SIZES {
        let runs = |encoding: &str| -> Vec<Value> {
            (0..RUNS)
                .map(|run| {
                    eprintln!("  {backend}: {rows} rows, {encoding}, run {}", run + 1);
                    let args = ["--upload", backend, &rows.to_string(), encoding];
                    child(&args.map(String::from))
                })
                .collect()
        };
        let plain = runs("identity");
        let gzip = runs("gzip");
        let mib = |b: f64| format!("{:.2} MiB", b / 1024.0 / 1024.0);
        let file = mib(median(&plain, "/file_bytes"));
        let valid = median(&plain, "/valid");
        for (step, runs, key, per) in [
            ("raw `read_upload`", &plain, "/read", rows as f64),
            ("upload → 201", &plain, "/upload/m", rows as f64),
            ("upload → 201, gzip", &gzip, "/upload/m", rows as f64),
            ("submit → 200", &plain, "/submit", valid),
        ] {
            let rate = per / (median(runs, &format!("{key}/ms")) / 1000.0);
            let response = match key {
                "/upload/m" => mib(median(runs, "/upload/bytes")),
                _ => String::new(),
            };
            println!(
                "| {rows} | {file} | {step} | {} | {} | {} | {rate:.0} | {response} |",
                stat(runs, &format!("{key}/ms"), 0),
                stat(runs, &format!("{key}/peak"), 0),
                stat(runs, &format!("{key}/base"), 0),
            );
        }
        println!(
            "| {rows} | | (valid rows {valid:.0}; process peak {} MiB) | | | | | |",
            stat(&plain, "/process_peak", 0)
        );
    }
}

fn report_creates(backend: &str) {
    let runs: Vec<Value> = (0..RUNS)
        .map(|run| {
            eprintln!("  {backend}: creates, run {}", run + 1);
            child(&["--create".into(), backend.into()])
        })
        .collect();
    println!(
        "\n### Single-invitation create, {backend} ({CREATES} creates, median of {RUNS} runs)\n"
    );
    println!("| clients | invitations/s | p50 ms | p99 ms |");
    println!("| ---: | ---: | ---: | ---: |");
    for (clients, key) in [(1, "/sequential"), (CLIENTS, "/concurrent")] {
        println!(
            "| {clients} | {} | {} | {} |",
            stat(&runs, &format!("{key}/per_s"), 0),
            stat(&runs, &format!("{key}/p50"), 1),
            stat(&runs, &format!("{key}/p99"), 1),
        );
    }
    println!(
        "\npeak RSS during the creates: {} MiB",
        stat(&runs, "/peak", 0)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a.starts_with("--")) {
        if std::env::var_os("RUST_LOG").is_some() {
            invite_server::telemetry::init_logging("text");
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let parse = |i: usize| args.get(i).and_then(|a| a.parse::<usize>().ok());
        match args.as_slice() {
            [flag, backend, _, encoding] if flag == "--upload" => {
                let rows = parse(2).expect("rows");
                runtime.block_on(upload_run(backend, rows, encoding == "gzip"));
            }
            [flag, backend] if flag == "--create" => runtime.block_on(create_run(backend, true)),
            [flag, backend, mode] if flag == "--create" && mode == "no-worker" => {
                runtime.block_on(create_run(backend, false))
            }
            [flag, backend, _] if flag == "--drain" => {
                runtime.block_on(drain_run(backend, parse(2).expect("rows")))
            }
            _ => panic!(
                "usage: bench_upload [--upload BACKEND ROWS identity|gzip | --create BACKEND | --drain BACKEND ROWS]"
            ),
        }
        return;
    }
    let mut backends = vec!["sqlite"];
    if std::env::var("BENCH_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        backends.push("postgres");
    }
    println!("invite-server upload benchmark: each run a fresh process and a fresh database");
    for backend in backends {
        if std::env::var_os("BENCH_ONLY_DRAIN").is_none() {
            report_uploads(backend);
            report_creates(backend);
        }
        report_drain(backend);
    }
}
