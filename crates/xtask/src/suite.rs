//! `cargo xtask test`: every test of the workspace, then the checks that make a green run mean
//! something: the API and browser suites each ran and passed tests, the API suite's server logs
//! hold no credential, no process the suite started outlived it, and the benchmark suite starts.
//! CI (`.ci/run`) runs exactly this.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{cargo_command, log_credentials, target_dir};

/// The suites that must have run and passed at least one test, by the file cargo names when it
/// starts them (`Running tests/api/main.rs (…)`).
const REQUIRED_SUITES: &[&str] = &["tests/api/main.rs", "tests/browser/main.rs"];

/// What the suites start and must stop: the server processes of the API suite's process tests,
/// ChromeDriver and Chromium, the SMTP server, the OpenID Provider, HAProxy.
const SUITE_PROCESSES: &[&str] = &[
    "invite-users-browser-",
    "chromedriver --port=",
    "--user-data-dir=",
    "/invite-server",
    "smtp_server.py",
    "oidc_provider.mjs",
    "haproxy",
];

pub fn run(extra: &[String], env: &[(String, OsString)]) -> Result<(), String> {
    let before = suite_processes();
    // The API suite's servers also log into this file; afterwards it is scanned for
    // credentials, so that no test of the whole run logged one.
    let logs = target_dir().join("api-test-logs.txt");
    let _ = std::fs::remove_file(&logs);
    let transcript = target_dir().join("test-run.log");
    let mut args = vec!["test", "--workspace"];
    args.extend(extra.iter().map(String::as_str));
    let mut command = cargo_command(&args);
    command
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("INVITES_TEST_LOG_FILE", &logs);
    let (passed, output) = tee(command, &transcript)?;
    let mut failures = Vec::new();
    if !passed {
        failures.push(format!(
            "cargo test failed (transcript: {})",
            transcript.display()
        ));
    }
    for suite in REQUIRED_SUITES {
        match suite_result(&output, suite) {
            Some(line) if line.contains("ok.") && !line.contains("ok. 0 passed") => {
                println!("xtask: {suite}: {}", line.trim());
            }
            Some(line) => failures.push(format!("{suite}: {}", line.trim())),
            None => failures.push(format!("{suite} did not run")),
        }
    }
    if let Err(e) = scan_logs(&logs) {
        failures.push(e);
    }
    if let Err(e) = nothing_left_running(&before) {
        failures.push(e);
    }
    if !failures.is_empty() {
        return Err(failures.join("\n"));
    }
    // The benchmark suite is run on demand; here only a tiny run, so that it is known to start.
    crate::bench(&["--smoke".to_owned()], env)
}

/// Runs `command` with its stdout and stderr on one pipe (so cargo's `Running …` lines and the
/// test binaries' results keep the order they were written in; two pipes read by two threads
/// had once put a `Running` line ahead of the previous binary's result), copying it to our
/// stdout and into `transcript` as it comes. Returns whether it succeeded and everything it
/// wrote.
fn tee(mut command: Command, transcript: &Path) -> Result<(bool, String), String> {
    let (reader, writer) = std::io::pipe().map_err(|e| format!("cannot make a pipe: {e}"))?;
    let writer_too = writer
        .try_clone()
        .map_err(|e| format!("cannot make a pipe: {e}"))?;
    let mut child = command
        .stdout(writer)
        .stderr(writer_too)
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    // Our copies of the writing ends go with `command`, so the reader sees the end of the
    // output when cargo and the test binaries have exited.
    drop(command);
    let mut file =
        std::fs::File::create(transcript).map_err(|e| format!("{}: {e}", transcript.display()))?;
    let all = Arc::new(Mutex::new(String::new()));
    let copying = {
        let all = all.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).split(b'\n').map_while(Result::ok) {
                let line = String::from_utf8_lossy(&line);
                println!("{line}");
                let _ = writeln!(file, "{line}");
                if let Ok(mut all) = all.lock() {
                    all.push_str(&line);
                    all.push('\n');
                }
            }
        })
    };
    let status = child.wait().map_err(|e| format!("cargo test: {e}"))?;
    // A process the suites left running may hold the pipe open: the output is complete once
    // cargo has exited, give or take what is still in the pipe.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !copying.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let all = all.lock().map(|all| all.clone()).unwrap_or_default();
    Ok((status.success(), all))
}

/// The `test result:` line that follows cargo's `Running {suite}` line.
fn suite_result<'a>(output: &'a str, suite: &str) -> Option<&'a str> {
    let start = output
        .lines()
        .position(|line| line.contains("Running") && line.contains(suite))?;
    output
        .lines()
        .skip(start)
        .find(|line| line.starts_with("test result:"))
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

/// Fails when a process of the kinds the suites start, not running before them, still runs a
/// few seconds after them (another checkout's suite on this machine is not ours).
fn nothing_left_running(before: &BTreeSet<(u32, String)>) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left: Vec<(u32, String)> = suite_processes()
            .into_iter()
            .filter(|p| !before.contains(p))
            .collect();
        if left.is_empty() {
            println!("xtask: no process of the suites outlived them");
            return Ok(());
        }
        if Instant::now() >= deadline {
            let list: Vec<String> = left
                .iter()
                .map(|(pid, cmd)| format!("{pid} {}", cmd.chars().take(160).collect::<String>()))
                .collect();
            return Err(format!(
                "processes outlived the test suite:\n  {}",
                list.join("\n  ")
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Running processes whose command line matches [`SUITE_PROCESSES`], from `/proc`.
fn suite_processes() -> BTreeSet<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return BTreeSet::new();
    };
    let own = std::process::id();
    entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let raw = std::fs::read(entry.path().join("cmdline")).ok()?;
            let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
            let matches = SUITE_PROCESSES.iter().any(|p| cmdline.contains(p));
            // Zombies have an empty command line; cargo and this process are not the suite's.
            let ours = pid == own || cmdline.contains("xtask") || cmdline.starts_with("cargo ");
            (matches && !ours).then(|| (pid, cmdline.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{suite_result, tee};

    #[test]
    fn keeps_stdout_and_stderr_in_the_order_they_were_written() {
        let mut command = std::process::Command::new("sh");
        command.args([
            "-c",
            "for i in 1 2 3 4 5 6 7 8 9; do echo out$i; echo err$i >&2; done",
        ]);
        let transcript = std::env::temp_dir().join(format!("xtask-tee-{}", std::process::id()));
        let (passed, output) = tee(command, &transcript).expect("runs");
        let _ = std::fs::remove_file(&transcript);
        assert!(passed);
        let expected: String = (1..=9).map(|i| format!("out{i}\nerr{i}\n")).collect();
        assert_eq!(output, expected);
    }

    #[test]
    fn finds_the_result_line_of_each_suite() {
        let output = "\
     Running tests/api/main.rs (target/debug/deps/api-1)
running 2 tests
test a ... ok
test result: ok. 2 passed; 0 failed; 0 ignored
     Running tests/browser/main.rs (target/debug/deps/browser-1)
running 0 tests
test result: ok. 0 passed; 0 failed; 0 ignored
";
        assert_eq!(
            suite_result(output, "tests/api/main.rs"),
            Some("test result: ok. 2 passed; 0 failed; 0 ignored")
        );
        assert_eq!(
            suite_result(output, "tests/browser/main.rs"),
            Some("test result: ok. 0 passed; 0 failed; 0 ignored")
        );
        assert_eq!(suite_result(output, "tests/other/main.rs"), None);
    }
}
