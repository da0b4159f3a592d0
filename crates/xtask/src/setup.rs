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

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{WASM_TARGET, workspace_root};

/// The PostgreSQL the tests use when `TEST_DATABASE_URL` is not set: the machine's own, as
/// every machine of this project's kind runs it.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// node-oidc-provider, pinned: the browser tests' OpenID Provider.
const OIDC_PROVIDER: &str = "oidc-provider@8.8.1";

/// A Debian package, present when `present` says so.
struct Package {
    name: &'static str,
    /// What needs it, for the messages.
    used_by: &'static str,
    present: fn() -> bool,
}

/// What the server's build needs beyond the Rust toolchain: the bundled libpq links OpenSSL.
const BUILD_PACKAGES: &[Package] = &[
    Package {
        name: "pkg-config",
        used_by: "the server's build",
        present: || on_path("pkg-config").is_some(),
    },
    Package {
        name: "libssl-dev",
        used_by: "the server's build (libpq)",
        present: || succeeds("pkg-config", &["--exists", "openssl"]),
    },
];

/// What the test suites run besides cargo.
const TEST_PACKAGES: &[Package] = &[
    Package {
        name: "chromium",
        used_by: "the browser tests",
        present: || Path::new("/usr/bin/chromium").exists(),
    },
    Package {
        name: "chromium-driver",
        used_by: "the browser tests",
        present: || Path::new("/usr/bin/chromedriver").exists(),
    },
    Package {
        name: "haproxy",
        used_by: "the deployment check",
        present: || on_path("haproxy").is_some(),
    },
    Package {
        name: "wrk",
        used_by: "the benchmark's smoke run",
        present: || on_path("wrk").is_some(),
    },
    Package {
        name: "postgresql-client",
        used_by: "the benchmark's smoke run (pgbench) and the PostgreSQL check (pg_isready)",
        present: || on_path("pgbench").is_some() && on_path("pg_isready").is_some(),
    },
    Package {
        name: "openssl",
        used_by: "the email tests' TLS certificate",
        present: || on_path("openssl").is_some(),
    },
    Package {
        name: "nodejs",
        used_by: "the browser tests' OpenID Provider",
        present: || on_path("node").is_some(),
    },
    Package {
        name: "npm",
        used_by: "installing the OpenID Provider",
        present: || on_path("npm").is_some(),
    },
    Package {
        name: "python3",
        used_by: "the email, download, deployment and fuzz tests",
        present: || on_path("python3").is_some(),
    },
    Package {
        name: "python3-venv",
        used_by: "the tests' Python packages",
        present: || succeeds("python3", &["-c", "import ensurepip, venv"]),
    },
];

/// What `cargo xtask run` needs: the wasm target and the server's build dependencies.
pub fn for_run() -> Result<(), String> {
    wasm_target()?;
    apt(BUILD_PACKAGES)
}

/// What `cargo xtask test` needs; returns the environment the suites run with (`PATH` with the
/// Python environment first, the PostgreSQL to use).
pub fn for_test() -> Result<Vec<(String, OsString)>, String> {
    wasm_target()?;
    let packages: Vec<&Package> = BUILD_PACKAGES.iter().chain(TEST_PACKAGES).collect();
    apt_all(&packages)?;
    let python_bin = python_packages()?;
    oidc_provider()?;
    let database_url = postgres()?;
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

fn apt(packages: &[Package]) -> Result<(), String> {
    apt_all(&packages.iter().collect::<Vec<_>>())
}

/// Installs the missing ones of `packages` in one `apt-get install`.
fn apt_all(packages: &[&Package]) -> Result<(), String> {
    let missing: Vec<&Package> = packages
        .iter()
        .copied()
        .filter(|p| !(p.present)())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let apt_get = on_path("apt-get").map(|p| p.display().to_string());
    let privilege = if is_root() {
        Privilege::Root
    } else if succeeds("sudo", &["-n", "true"]) {
        Privilege::Sudo
    } else {
        Privilege::None
    };
    let commands = apt_commands(&missing, apt_get.as_deref(), privilege)?;
    println!("xtask setup: apt-get install {}", described(&missing));
    for command in commands {
        let status = Command::new(&command[0])
            .args(&command[1..])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run {}: {e}", command.join(" ")))?;
        if !status.success() {
            return Err(format!("`{}` failed ({status})", command.join(" ")));
        }
    }
    if let Some(still) = missing.iter().find(|p| !(p.present)()) {
        return Err(format!(
            "{} is still missing after apt-get installed it",
            still.name
        ));
    }
    Ok(())
}

/// How this process may install Debian packages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Privilege {
    Root,
    /// Not root, but `sudo` without a password.
    Sudo,
    None,
}

/// `missing` and what each is for: `chromium (the browser tests), wrk (…)`.
fn described(missing: &[&Package]) -> String {
    missing
        .iter()
        .map(|p| format!("{} ({})", p.name, p.used_by))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `apt-get update` and `apt-get install` that install `missing`, or the one line that
/// says why they cannot run here and what to do instead.
fn apt_commands(
    missing: &[&Package],
    apt_get: Option<&str>,
    privilege: Privilege,
) -> Result<Vec<Vec<String>>, String> {
    let names: Vec<String> = missing.iter().map(|p| p.name.to_owned()).collect();
    let list = names.join(" ");
    let Some(apt_get) = apt_get else {
        return Err(format!(
            "missing {}, and this machine has no apt-get: install them with its package manager",
            described(missing)
        ));
    };
    let prefix: Vec<String> = match privilege {
        Privilege::Root => vec![],
        Privilege::Sudo => vec!["sudo".into()],
        Privilege::None => {
            return Err(format!(
                "missing {}: run `sudo apt-get install {list}`, or this command as root",
                described(missing)
            ));
        }
    };
    let command = |args: &[&str], extra: &[String]| {
        let mut command = prefix.clone();
        command.push(apt_get.to_owned());
        command.extend(args.iter().map(|a| (*a).to_owned()));
        command.extend(extra.iter().cloned());
        command
    };
    Ok(vec![
        command(&["update", "-qq"], &[]),
        command(&["install", "-y", "-qq", "--no-install-recommends"], &names),
    ])
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

/// PostgreSQL at `TEST_DATABASE_URL` (or the machine's own), started when its cluster is
/// installed here but stopped. Returns the URL.
fn postgres() -> Result<String, String> {
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

/// The checkout's own `target/`, whatever `CARGO_TARGET_DIR` says: the browser tests look for
/// node-oidc-provider at `target/oidc-provider` beside their sources.
fn local_target() -> PathBuf {
    workspace_root().join("target")
}

fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
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
    let status = Command::new(program)
        .args(args)
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::{Package, Privilege, apt_commands, host_and_port};

    const MISSING: [Package; 2] = [
        Package {
            name: "chromium",
            used_by: "the browser tests",
            present: || false,
        },
        Package {
            name: "wrk",
            used_by: "the benchmark's smoke run",
            present: || false,
        },
    ];

    #[test]
    fn installs_missing_packages_in_one_apt_get_as_root_or_through_sudo() {
        let missing: Vec<&Package> = MISSING.iter().collect();
        let as_root = apt_commands(&missing, Some("/usr/bin/apt-get"), Privilege::Root);
        assert_eq!(
            as_root,
            Ok(vec![
                vec!["/usr/bin/apt-get".to_owned(), "update".into(), "-qq".into()],
                [
                    "/usr/bin/apt-get",
                    "install",
                    "-y",
                    "-qq",
                    "--no-install-recommends",
                    "chromium",
                    "wrk"
                ]
                .map(str::to_owned)
                .to_vec(),
            ])
        );
        let with_sudo =
            apt_commands(&missing, Some("/usr/bin/apt-get"), Privilege::Sudo).expect("sudo");
        assert!(
            with_sudo
                .iter()
                .all(|c| c[0] == "sudo" && c[1] == "/usr/bin/apt-get")
        );
    }

    #[test]
    fn says_in_one_line_what_is_missing_where_it_cannot_install() {
        let missing: Vec<&Package> = MISSING.iter().collect();
        let not_root = apt_commands(&missing, Some("/usr/bin/apt-get"), Privilege::None)
            .expect_err("cannot install");
        assert_eq!(
            not_root,
            "missing chromium (the browser tests), wrk (the benchmark's smoke run): run \
             `sudo apt-get install chromium wrk`, or this command as root"
        );
        let no_apt = apt_commands(&missing, None, Privilege::Root).expect_err("no apt-get");
        assert!(
            no_apt.starts_with("missing chromium (the browser tests), wrk"),
            "{no_apt}"
        );
        assert!(no_apt.contains("no apt-get"), "{no_apt}");
        for message in [not_root, no_apt] {
            assert!(!message.contains('\n'), "one line: {message}");
        }
    }

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
