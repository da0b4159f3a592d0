//! Build, run and test orchestration, so that one command does each job on a fresh machine:
//!
//! - `cargo xtask run`   — build the SPA bundle and run the server at http://127.0.0.1:8080,
//!   with the built-in sign-in
//! - `cargo xtask test`  — build the SPA bundle, then run every test of the workspace (what CI
//!   runs)
//! - `cargo xtask setup` — only install what `test` needs (`run` and `test` do it themselves)
//! - `cargo xtask spa`   — build the SPA bundle only (`frontend/dist`)
//! - `cargo xtask spec`  — regenerate `api-spec/openapi.json` from the code
//! - `cargo xtask bench` — the benchmark suite on the release build (`--smoke`: a tiny run of
//!   every step, which `cargo xtask test` makes too, so the suite is known to start)
//!
//! Each command first installs what it needs and is missing ([`setup`]).

#[cfg(test)]
mod doc_paths;
mod setup;
mod spa;
mod suite;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

// The server's own rule of what a credential looks like, read here as source: xtask stays
// free of the server's dependencies.
#[path = "../../invite-server/src/log_credentials.rs"]
mod log_credentials;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const WASM_PROFILE: &str = "wasm-release";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup::for_test().map(|_| println!("xtask: everything is installed")),
        Some("spa") => setup::for_run().and_then(|()| spa::build_spa()),
        Some("run") => setup::for_run()
            .and_then(|()| spa::build_spa())
            .and_then(|()| run_server(rest)),
        Some("test") => setup::for_test().and_then(|env| {
            spa::build_spa()?;
            suite::run(rest, &env)
        }),
        Some("spec") => run_checked(
            cargo_command(&[
                "test",
                "-p",
                "invite-server",
                "--test",
                "api",
                "openapi_document",
            ])
            .env("UPDATE_SPEC", "1"),
        ),
        Some("bench") => setup::for_test().and_then(|env| {
            spa::build_spa()?;
            bench(rest, &env)
        }),
        _ => Err("usage: cargo xtask <run | test | setup | spa | spec | bench [--smoke]>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `cargo args…` in the workspace root (the cargo that runs xtask).
fn cargo_command(args: &[&str]) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(args).current_dir(workspace_root());
    command
}

/// Runs `command` to its end; an error names it and how it ended.
fn run_checked(command: &mut Command) -> Result<(), String> {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    let words = words.join(" ");
    let status = command
        .status()
        .map_err(|e| format!("cannot run `{words}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{words}` failed ({status})"))
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Runs the server for a local try-out: with the built-in sign-in, which a server never turns
/// on by itself (an `INVITES_DEV_LOGIN` already in the environment wins).
fn run_server(extra: &[String]) -> Result<(), String> {
    let mut args = vec!["run", "-p", "invite-server", "--bin", "invite-server"];
    args.extend(extra.iter().map(String::as_str));
    let dev_login = std::env::var("INVITES_DEV_LOGIN").unwrap_or_else(|_| "true".into());
    run_checked(cargo_command(&args).env("INVITES_DEV_LOGIN", dev_login))
}

/// The benchmark suite (`crates/invite-server/examples/bench.rs`): the server binary and the
/// benchmark programs in one profile (release; the smoke run uses the test build's), then the
/// suite, which writes its table into docs/PERFORMANCE.md (the smoke run into target/).
fn bench(extra: &[String], env: &[(String, OsString)]) -> Result<(), String> {
    let smoke = extra.iter().any(|a| a == "--smoke");
    let mut build = vec![
        "build",
        "-p",
        "invite-server",
        "--bin",
        "invite-server",
        "--example",
        "bench",
        "--example",
        "bench_upload",
        "--example",
        "spa_first_render",
    ];
    if !smoke {
        build.push("--release");
    }
    run_checked(&mut cargo_command(&build))?;
    let profile = if smoke { "debug" } else { "release" };
    let program = target_dir().join(profile).join("examples/bench");
    run_checked(
        Command::new(&program)
            .args(extra)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(workspace_root()),
    )
}
