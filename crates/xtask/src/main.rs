//! Build, run and test orchestration, so that one command does each job on a fresh machine:
//!
//! - `cargo xtask run`   — build the SPA bundle and run the server at http://127.0.0.1:8080,
//!   with the built-in sign-in
//! - `cargo xtask test`  — build the SPA bundle, then run every test of the workspace
//! - `cargo xtask spa`   — build the SPA bundle only (`frontend/dist`)
//! - `cargo xtask spec`  — regenerate `api-spec/openapi.json` from the code
//! - `cargo xtask bench` — the benchmark suite on the release build (`--smoke`: a tiny run of
//!   every step, which `cargo xtask test` makes too, so the suite is known to start)
//!
//! The SPA is compiled with cargo for `wasm32-unknown-unknown` and bound with
//! `wasm-bindgen-cli-support`, pinned to the exact `wasm-bindgen` of Cargo.lock, so no
//! external tool (trunk, wasm-bindgen CLI) has to be installed or downloaded.

use std::path::{Path, PathBuf};

// The server's own rule of what a credential looks like, read here as source: xtask stays
// free of the server's dependencies.
#[path = "../../invite-server/src/log_credentials.rs"]
mod log_credentials;
use std::process::{Command, ExitCode};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const WASM_PROFILE: &str = "wasm-release";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("spa") => build_spa(),
        Some("run") => build_spa().and_then(|()| run_server(&args[1..])),
        Some("test") => build_spa().and_then(|()| run_tests(&args[1..])),
        Some("spec") => cargo(
            &[
                "test",
                "-p",
                "invite-server",
                "--test",
                "api",
                "openapi_document",
            ],
            &[("UPDATE_SPEC", "1")],
        ),
        Some("bench") => build_spa().and_then(|()| bench(&args[1..])),
        _ => Err("usage: cargo xtask <run | test | spa | spec | bench [--smoke]>".into()),
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

fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo {} failed ({status})", args.join(" ")))
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

fn build_spa() -> Result<(), String> {
    let root = workspace_root();
    if !installed_targets().contains(WASM_TARGET) {
        return Err(format!(
            "the {WASM_TARGET} target is missing: run `rustup target add {WASM_TARGET}`"
        ));
    }
    cargo(
        &[
            "build",
            "-p",
            "frontend",
            "--target",
            WASM_TARGET,
            "--profile",
            WASM_PROFILE,
        ],
        &[],
    )?;
    let wasm = target_dir()
        .join(WASM_TARGET)
        .join(WASM_PROFILE)
        .join("frontend.wasm");
    let dist = root.join("frontend/dist");
    let pkg = dist.join("pkg");
    std::fs::create_dir_all(&pkg).map_err(|e| format!("cannot create {}: {e}", pkg.display()))?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .map_err(|e| e.to_string())?
        .out_name("frontend")
        .typescript(false)
        // Function names are for debuggers; they are 40% of the file.
        .remove_name_section(true)
        .remove_producers_section(true)
        .generate(&pkg)
        .map_err(|e| format!("wasm-bindgen failed: {e}"))?;
    copy_dir(&root.join("frontend/public"), &dist)?;
    let size = std::fs::metadata(pkg.join("frontend_bg.wasm"))
        .map(|m| m.len())
        .unwrap_or(0);
    let (brotli, gzip) = precompress(&pkg)?;
    eprintln!(
        "xtask: SPA bundle in {} (wasm {} KB; brotli {} KB, gzip {} KB)",
        dist.display(),
        size / 1024,
        brotli / 1024,
        gzip / 1024
    );
    Ok(())
}

/// Writes `{file}.br` (brotli, quality 11) and `{file}.gz` (gzip, level 9) beside each wasm and
/// JS file of `pkg`, which the server sends to browsers that accept them. Returns the wasm's
/// two compressed sizes.
fn precompress(pkg: &Path) -> Result<(u64, u64), String> {
    use std::io::Write;
    let mut sizes = (0, 0);
    let entries =
        std::fs::read_dir(pkg).map_err(|e| format!("cannot read {}: {e}", pkg.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let extension = path.extension().and_then(|e| e.to_str());
        if !matches!(extension, Some("wasm" | "js")) {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut brotli = Vec::new();
        {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 24,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut bytes.as_slice(), &mut brotli, &params)
                .map_err(|e| format!("brotli: {e}"))?;
        }
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&bytes).map_err(|e| format!("gzip: {e}"))?;
        let gzip = gzip.finish().map_err(|e| format!("gzip: {e}"))?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        for (suffix, data) in [("br", &brotli), ("gz", &gzip)] {
            let out = path.with_file_name(format!("{name}.{suffix}"));
            std::fs::write(&out, data).map_err(|e| format!("{}: {e}", out.display()))?;
        }
        if extension == Some("wasm") {
            sizes = (brotli.len() as u64, gzip.len() as u64);
        }
    }
    Ok(sizes)
}

fn installed_targets() -> String {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        // Without rustup (e.g. a distro toolchain) let cargo report a missing target itself.
        .unwrap_or_else(|_| WASM_TARGET.into())
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let entries =
        std::fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let dest = to.join(entry.file_name());
        if path.is_dir() {
            std::fs::create_dir_all(&dest).map_err(|e| e.to_string())?;
            copy_dir(&path, &dest)?;
        } else {
            std::fs::copy(&path, &dest)
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Runs the server for a local try-out: with the built-in sign-in, which a server never turns
/// on by itself (an `INVITES_DEV_LOGIN` already in the environment wins).
fn run_server(extra: &[String]) -> Result<(), String> {
    let mut args = vec!["run", "-p", "invite-server", "--bin", "invite-server"];
    args.extend(extra.iter().map(String::as_str));
    let dev_login = std::env::var("INVITES_DEV_LOGIN").unwrap_or_else(|_| "true".into());
    cargo(&args, &[("INVITES_DEV_LOGIN", &dev_login)])
}

/// The benchmark suite (`crates/invite-server/examples/bench.rs`): the server binary and the
/// benchmark programs in one profile (release; the smoke run uses the test build's), then the
/// suite, which writes its table into docs/PERFORMANCE.md (the smoke run into target/).
fn bench(extra: &[String]) -> Result<(), String> {
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
    cargo(&build, &[])?;
    let profile = if smoke { "debug" } else { "release" };
    let program = target_dir().join(profile).join("examples/bench");
    let status = Command::new(&program)
        .args(extra)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the benchmark suite failed ({status})"))
    }
}

fn run_tests(extra: &[String]) -> Result<(), String> {
    let mut args = vec!["test", "--workspace"];
    args.extend(extra.iter().map(String::as_str));
    // The API suite's servers also log into this file; afterwards it is scanned for
    // credentials, so that no test of the whole run logged one.
    let logs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/api-test-logs.txt");
    let _ = std::fs::remove_file(&logs);
    let result = cargo(
        &args,
        &[("INVITES_TEST_LOG_FILE", &logs.display().to_string())],
    );
    let scanned = scan_logs(&logs);
    // The benchmark suite is run on demand; here only a tiny run, so that it is known to start.
    let smoke = || bench(&["--smoke".to_owned()]);
    result.and(scanned).and_then(|()| smoke())
}

/// Fails when the suite's server logs hold a credential: a JWT, an API key or a webhook
/// secret (by their shapes; the API suite's `logs` test checks exact values of its own).
fn scan_logs(path: &Path) -> Result<(), String> {
    let Ok(logs) = std::fs::read_to_string(path) else {
        return Err(format!(
            "{} was not written: the API suite did not log",
            path.display()
        ));
    };
    let found = log_credentials::credentials_in(&logs);
    println!(
        "xtask: scanned {} lines of server logs from the API suite: {} credentials",
        logs.lines().count(),
        found.len()
    );
    if found.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "credentials in the server logs ({}): {found:?}",
            path.display()
        ))
    }
}
