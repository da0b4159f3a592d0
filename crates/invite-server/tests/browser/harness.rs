//! Browser harness: the real server (SQLite, port 0) serving the built SPA, a ChromeDriver child
//! process on a free port, and a headless Chromium session. Everything is torn down on drop,
//! also when a test fails, so no Chromium is left behind.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use invite_server::{Application, Config};

pub struct Browser {
    pub client: Client,
    pub base: String,
    pub log_path: PathBuf,
    driver: Child,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closing the session ends Chromium; killing the driver reaps anything left.
        let client = self.client.clone();
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                let _ = rt.block_on(async {
                    tokio::time::timeout(Duration::from_secs(5), client.close()).await
                });
            }
        })
        .join();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub fn spa_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist")
}

pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

impl Browser {
    /// Starts server, driver and browser. Fails loudly (never skips) when the SPA bundle or
    /// ChromeDriver is missing: run the suite through `cargo xtask test`.
    pub async fn start() -> Browser {
        let index = spa_dir().join("index.html");
        assert!(
            index.exists(),
            "{} is missing: run `cargo xtask test` (it builds the SPA first)",
            index.display()
        );
        let chromedriver =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        assert!(
            Path::new(&chromedriver).exists(),
            "ChromeDriver not found at {chromedriver}: apt-get install chromium chromium-driver"
        );

        let dir = std::env::temp_dir().join(format!(
            "invite-users-browser-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        // One log file per test process: the first subscriber installed wins.
        let log_path = screenshot_dir().join(format!("server-{}.log", std::process::id()));
        let mut config = Config::for_database(format!("sqlite://{}", dir.join("app.db").display()));
        config.spa_dir = spa_dir();
        invite_server::telemetry::init_logging_to_file(&log_path);
        let app = Application::build(config).await.expect("server starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());

        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = dir.join("profile");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        let mut client = None;
        for _ in 0..50 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        let client = client.expect("chromedriver session");
        Browser {
            client,
            base,
            log_path,
            driver,
            _dir: TempDir(dir),
        }
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    /// Waits for an element (the SPA renders asynchronously).
    pub async fn find(&self, locator: Locator<'_>) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(15))
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("element {locator:?}: {e}"))
    }

    pub async fn current_path(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        url.path().to_owned()
    }

    pub async fn wait_for_path(&self, expected: &str) {
        for _ in 0..75 {
            if self.current_path().await == expected {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("expected path {expected}, at {}", self.current_path().await);
    }

    /// Clears the input with this id and types `text` into it.
    pub async fn fill(&self, id: &str, text: &str) {
        let input = self.find(Locator::Id(id)).await;
        input.clear().await.expect("clear");
        input.send_keys(text).await.expect("type");
    }

    /// Clicks the button whose visible text is `label` (the first one, when several match).
    pub async fn click_button(&self, label: &str) {
        let xpath = format!("//button[normalize-space()='{label}' and not(@disabled)]");
        self.find(Locator::XPath(&xpath))
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {label}: {e}"));
    }

    /// The text of the element with this id.
    pub async fn text_of(&self, id: &str) -> String {
        self.find(Locator::Id(id))
            .await
            .text()
            .await
            .unwrap_or_default()
    }

    /// The server's log so far (JSON lines).
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// A bearer token for direct API calls that arrange a test's data.
    pub async fn api_token(&self, email: &str) -> String {
        let body: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/dev-login", self.base))
            .json(&serde_json::json!({ "email": email }))
            .send()
            .await
            .expect("dev-login")
            .json()
            .await
            .expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// Scrolls the first element matching `css` into view (for screenshots of long pages).
    pub async fn scroll_to(&self, css: &str) {
        let script = "const el = document.querySelector(arguments[0]); if (el) { el.scrollIntoView({block: 'start'}); }";
        let _ = self
            .client
            .execute(script, vec![serde_json::json!(css)])
            .await;
    }

    pub async fn screenshot(&self, name: &str) {
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(screenshot_dir().join(format!("{name}.png")), png);
        }
    }

    /// Waits until the page body contains `text`.
    pub async fn wait_for_text(&self, text: &str) {
        for _ in 0..75 {
            if let Ok(body) = self.client.find(Locator::Css("body")).await
                && body.text().await.unwrap_or_default().contains(text)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let body = self
            .client
            .find(Locator::Css("body"))
            .await
            .expect("body")
            .text()
            .await
            .unwrap_or_default();
        panic!("text {text:?} not on the page; page says:\n{body}");
    }
}
