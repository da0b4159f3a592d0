//! The one set-up step of `cargo xtask run` and `cargo xtask test`: what each needs on this
//! machine is checked every time and installed when missing, so that on a fresh Debian machine
//! with only rustup's toolchain the two commands are all there is to type.
//!
//! - the wasm target (rustup), for both;
//! - Debian packages (apt-get, as root or through `sudo -n`): the C headers the server's
//!   bundled libpq builds against, and the tests' Chromium, ChromeDriver, HAProxy, wrk, pgbench,
//!   openssl, Node.js and Python;
//! - Python packages, pinned in `python-requirements.txt`, in a virtual environment of the
//!   project's own (`target/tools/python`), put first on the tests' `PATH`;
//! - node-oidc-provider (npm) in `target/oidc-provider`, for the browser tests' OpenID Provider;
//! - PostgreSQL answering at `TEST_DATABASE_URL` (started with `pg_ctlcluster` when its cluster
//!   is installed but stopped).
//!
//! Installing is idempotent: what is present is only checked. Each install is printed before it
//! runs; where it cannot run (not root, no apt-get) the step fails with one line naming what is
//! missing and how to install it.

mod apt;
mod postgres;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::{WASM_TARGET, workspace_root};

/// node-oidc-provider, pinned: the browser tests' OpenID Provider.
const OIDC_PROVIDER: &str = "oidc-provider@8.8.1";

/// What `cargo xtask run` needs: the wasm target and the server's build dependencies.
pub fn for_run() -> Result<(), String> {
    wasm_target()?;
    apt::install(&[apt::BUILD_PACKAGES])
}

/// What `cargo xtask test` needs; returns the environment the suites run with (`PATH` with the
/// Python environment first, the PostgreSQL to use).
pub fn for_test() -> Result<Vec<(String, OsString)>, String> {
    wasm_target()?;
    apt::install(&[apt::BUILD_PACKAGES, apt::TEST_PACKAGES])?;
    let python_bin = python_packages()?;
    oidc_provider()?;
    let database_url = postgres::running()?;
    let mut path = OsString::from(python_bin);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let mut env = vec![
        ("PATH".into(), path),
        ("TEST_DATABASE_URL".into(), database_url.clone().into()),
        // The API suite fails, rather than runs on SQLite only, when PostgreSQL is away.
        ("REQUIRE_POSTGRES".into(), "1".into()),
    ];
    if std::env::var_os("BENCH_DATABASE_URL").is_none() {
        env.push(("BENCH_DATABASE_URL".into(), database_url.into()));
    }
    Ok(env)
}

fn wasm_target() -> Result<(), String> {
    let Some(installed) = output("rustup", &["target", "list", "--installed"]) else {
        // A toolchain without rustup: cargo names a missing target itself.
        return Ok(());
    };
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(());
    }
    println!("xtask setup: rustup target add {WASM_TARGET} (the SPA)");
    run("rustup", &["target", "add", WASM_TARGET])
}

/// The tests' Python packages in `target/tools/python`, installed again whenever
/// `python-requirements.txt` changes. Returns the environment's `bin` directory.
fn python_packages() -> Result<PathBuf, String> {
    let requirements_file = workspace_root().join("crates/xtask/python-requirements.txt");
    let requirements = std::fs::read_to_string(&requirements_file)
        .map_err(|e| format!("cannot read {}: {e}", requirements_file.display()))?;
    let venv = local_target().join("tools/python");
    let bin = venv.join("bin");
    let stamp = venv.join("installed-requirements.txt");
    if std::fs::read_to_string(&stamp).is_ok_and(|installed| installed == requirements) {
        return Ok(bin);
    }
    let packages: Vec<&str> = requirements
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    println!(
        "xtask setup: pip install {} into {}",
        packages.join(" "),
        venv.display()
    );
    if !bin.join("python3").exists() {
        run("python3", &["-m", "venv", &venv.display().to_string()])?;
    }
    let python = bin.join("python3").display().to_string();
    run(
        &python,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            &requirements_file.display().to_string(),
        ],
    )?;
    std::fs::write(&stamp, requirements).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(bin)
}

fn oidc_provider() -> Result<(), String> {
    let prefix = local_target().join("oidc-provider");
    let (name, version) = OIDC_PROVIDER.split_once('@').unwrap_or((OIDC_PROVIDER, ""));
    let manifest = prefix.join("node_modules").join(name).join("package.json");
    let wanted = format!("\"version\": \"{version}\"");
    if std::fs::read_to_string(&manifest).is_ok_and(|m| m.contains(&wanted)) {
        return Ok(());
    }
    println!(
        "xtask setup: npm install {OIDC_PROVIDER} into {}",
        prefix.display()
    );
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    run(
        "npm",
        &[
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            &prefix.display().to_string(),
            OIDC_PROVIDER,
        ],
    )
}

/// The checkout's own `target/`, whatever `CARGO_TARGET_DIR` says: the browser tests look for
/// node-oidc-provider at `target/oidc-provider` beside their sources.
fn local_target() -> PathBuf {
    workspace_root().join("target")
}

/// The executable `name` on `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What `program` prints on stdout, when it runs and succeeds.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn run(program: &str, args: &[&str]) -> Result<(), String> {
    crate::run_checked(Command::new(program).args(args))
}
