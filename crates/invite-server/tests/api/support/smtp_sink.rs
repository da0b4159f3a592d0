//! A real SMTP server process for the email tests: `tests/support/smtp_server.py` (aiosmtpd),
//! one per test, on a free port, with its Maildir in a temp dir. It stops when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::support::eventually;

pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

/// What the server asks of its clients.
#[derive(Default)]
pub struct SinkOptions {
    /// STARTTLS required, with a certificate for 127.0.0.1 from a CA written to `ca.pem`.
    pub tls: bool,
    /// AUTH required with this user and password.
    pub login: Option<(&'static str, &'static str)>,
    /// A fixed port (a relay coming back where it was); by default a free one.
    pub port: Option<u16>,
}

impl SmtpSink {
    pub fn start(options: SinkOptions) -> SmtpSink {
        let dir = std::env::temp_dir().join(format!(
            "invite-users-smtp-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut command = Command::new("python3");
        command.arg(&script).arg(dir.join("maildir"));
        if options.tls {
            let (cert, key) = certificate_for_localhost(&dir);
            command
                .arg("--tls-cert")
                .arg(cert)
                .arg("--tls-key")
                .arg(key);
        }
        if let Some(port) = options.port {
            command.arg("--port").arg(port.to_string());
        }
        if let Some((user, password)) = options.login {
            command.arg("--login").arg(format!("{user}:{password}"));
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (the email tests need it with aiosmtpd: `cargo xtask setup`)");
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first_line)
            .expect("the SMTP server's port");
        let port = first_line.trim().parse().unwrap_or_else(|_| {
            let _ = child.kill();
            panic!(
                "the SMTP server did not start (is aiosmtpd installed? `cargo xtask test` puts it on PATH); \
                 it printed {first_line:?}"
            )
        });
        SmtpSink { port, dir, child }
    }

    /// The CA that signed the server's certificate (with `tls`).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// The raw messages received so far.
    pub fn messages(&self) -> Vec<String> {
        let new = self.dir.join("maildir/new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return vec![];
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect()
    }

    /// Waits until `n` messages were received; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        eventually(&format!("{n} messages at the SMTP server"), || async {
            let messages = self.messages();
            (messages.len() >= n).then_some(messages)
        })
        .await
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A CA and a server certificate it signed for 127.0.0.1 and localhost, made with the openssl
/// command: rustls refuses a self-signed certificate that is its own CA.
fn certificate_for_localhost(dir: &Path) -> (PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::null())
            .status()
            .expect("the openssl command runs");
        assert!(status.success(), "openssl {args:?}");
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=Test CA",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
    ]);
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
         extendedKeyUsage=serverAuth\n",
    )
    .expect("extensions");
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    ]);
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "server.ext",
        "-out",
        "server.pem",
    ]);
    (dir.join("server.pem"), dir.join("server.key"))
}
