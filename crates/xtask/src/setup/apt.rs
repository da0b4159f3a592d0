//! Debian packages: which ones the commands need, and one `apt-get install` of the missing
//! ones (as root or through `sudo -n`), or one line saying what to install.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{on_path, output, succeeds};

/// A Debian package, present when `present` says so.
pub struct Package {
    name: &'static str,
    /// What needs it, for the messages.
    used_by: &'static str,
    present: fn() -> bool,
}

/// What the server's build needs beyond the Rust toolchain: the bundled libpq links OpenSSL.
pub const BUILD_PACKAGES: &[Package] = &[
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
pub const TEST_PACKAGES: &[Package] = &[
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

/// Installs the missing ones of the `groups` of packages.
pub fn install(groups: &[&[Package]]) -> Result<(), String> {
    apt_all(&groups.iter().flat_map(|g| g.iter()).collect::<Vec<_>>())
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

fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::{Package, Privilege, apt_commands};

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
}
