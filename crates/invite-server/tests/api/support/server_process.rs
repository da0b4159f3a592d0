//! The server binary started as a process of its own, for what only a real process shows:
//! several replicas on one database, `kill -9`, SIGTERM.

use std::process::{Child, Command, Stdio};

use serde_json::Value;

use crate::support::eventually;
use crate::support::upstreams;

/// The server binary, started as its own process on `database_url`.
pub struct ServerProcess {
    child: Child,
    pub address: String,
}

impl ServerProcess {
    pub async fn start(database_url: &str, techpass_url: &str) -> ServerProcess {
        Self::start_with(database_url, techpass_url, &[]).await
    }

    /// [`ServerProcess::start`] with further settings (which win over the defaults here).
    pub async fn start_with(
        database_url: &str,
        techpass_url: &str,
        settings: &[(&str, &str)],
    ) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_invite-server"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("PORT", port.to_string())
            .env("INVITES_DEV_LOGIN", "true")
            // A thousand creates a minute from one officer: far past the default rate limit.
            .env("INVITES_RATE_CREATE_PER_MIN", "0")
            .env("INVITES_TECHPASS_URL", techpass_url)
            .env("INVITES_TECHPASS_TOKEN", upstreams::TECHPASS_TOKEN)
            .env(
                "INVITES_TECHPASS_WEBHOOK_SECRET",
                upstreams::TECHPASS_SECRET,
            )
            .env("INVITES_TECHPASS_TIMEOUT_SECS", "30")
            .env("INVITES_DELIVERY_LEASE_SECS", "2")
            .env("INVITES_DELIVERY_POLL_MS", "100")
            .env("INVITES_SPA_DIR", "/nonexistent")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let process = ServerProcess {
            child,
            address: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        eventually("the server process to be ready", || async {
            let ready = client
                .get(format!("{}/readyz", process.address))
                .send()
                .await;
            ready.ok().filter(|r| r.status() == 200).map(|_| ())
        })
        .await;
        process
    }

    /// Signs in (the built-in sign-in) and returns the token.
    pub async fn sign_in(&self, client: &reqwest::Client, email: &str) -> String {
        let signed_in: Value = client
            .post(format!("{}/api/v1/auth/dev-login", self.address))
            .json(&serde_json::json!({ "email": email }))
            .send()
            .await
            .expect("sign in")
            .json()
            .await
            .expect("json");
        signed_in["token"].as_str().expect("token").to_owned()
    }

    /// `kill -9`: no shutdown, no chance to hand anything back.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl ServerProcess {
    /// The process id (also part of its delivery worker's name for its claims).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -TERM`, as a container runtime stops a process; then waits (at most `within`) for it
    /// to exit, and returns its exit status.
    pub fn terminate(&mut self, within: std::time::Duration) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM sent");
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not exit within {within:?} of SIGTERM"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
