//! The PostgreSQL the tests use: running at `TEST_DATABASE_URL`, or started.

use std::process::Command;
use std::time::{Duration, Instant};

use super::{on_path, succeeds};

/// The PostgreSQL the tests use when `TEST_DATABASE_URL` is not set: the machine's own, as
/// every machine of this project's kind runs it.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// PostgreSQL at `TEST_DATABASE_URL` (or the machine's own), started when its cluster is
/// installed here but stopped. Returns the URL.
pub fn running() -> Result<String, String> {
    let url = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| DEFAULT_TEST_DATABASE_URL.into());
    let (host, port) = host_and_port(&url)
        .ok_or_else(|| format!("TEST_DATABASE_URL {url:?} is not postgres://user@host:port/db"))?;
    let ready = || succeeds("pg_isready", &["-q", "-h", &host, "-p", &port]);
    if ready() {
        return Ok(url);
    }
    let local = matches!(host.as_str(), "127.0.0.1" | "localhost" | "::1");
    let versions = std::fs::read_dir("/etc/postgresql")
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if local && on_path("pg_ctlcluster").is_some() && !versions.is_empty() {
        for version in &versions {
            println!(
                "xtask setup: pg_ctlcluster {version} main start (PostgreSQL was not running)"
            );
            // A cluster already up answers an error here; readiness below is what counts.
            let _ = Command::new("pg_ctlcluster")
                .args(["--skip-systemctl-redirect", version, "main", "start"])
                .status();
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ready() {
                return Ok(url);
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    Err(format!(
        "PostgreSQL does not answer at {host}:{port}: start it (trust auth for the URL's user), \
         or set TEST_DATABASE_URL to one that runs (now {url})"
    ))
}

/// `("127.0.0.1", "5432")` of `postgres://user@127.0.0.1:5432/db`.
fn host_and_port(url: &str) -> Option<(String, String)> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port),
        _ => (host_port, "5432"),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| (host.to_owned(), port.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::host_and_port;

    #[test]
    fn reads_host_and_port_of_database_urls() {
        let cases = [
            (
                "postgres://postgres@127.0.0.1:5432/test",
                Some(("127.0.0.1", "5432")),
            ),
            (
                "postgresql://u:p@db.internal:6000/x?sslmode=require",
                Some(("db.internal", "6000")),
            ),
            (
                "postgres://postgres@localhost/test",
                Some(("localhost", "5432")),
            ),
            ("postgres://u@[::1]:5433/db", Some(("::1", "5433"))),
            ("sqlite://data.db", None),
        ];
        for (url, expected) in cases {
            let expected = expected.map(|(h, p)| (h.to_owned(), p.to_owned()));
            assert_eq!(host_and_port(url), expected, "{url}");
        }
    }
}
