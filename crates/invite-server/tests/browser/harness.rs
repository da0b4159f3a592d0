//! Browser harness: the real server (SQLite, port 0) serving the built SPA, a ChromeDriver child
//! process on a free port, and a headless Chromium session. Everything is torn down on drop,
//! also when a test fails, so no Chromium is left behind.
//!
//! ChromeDriver starts in a process group of its own, and Chromium (with its renderers and
//! crash handlers) is launched into that group. Drop kills the whole group: closing the WebDriver
//! session from `Drop` cannot work (the session's task lives on the test's runtime, which is
//! blocked in that same `Drop`), and killing ChromeDriver alone leaves its children to init.

use std::future::Future;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use invite_server::{Application, Config};

pub struct Browser {
    pub client: Client,
    pub base: String,
    pub log_path: PathBuf,
    /// Where Chromium saves downloads.
    pub downloads: PathBuf,
    _driver: Driver,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// ChromeDriver, leader of a process group that Chromium joins; dropping it kills the group.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        // The group id is ChromeDriver's pid (`process_group(0)`).
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// How long `eventually` waits, and how often it looks.
const WAIT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(100);

/// Polls `probe` until it returns `Ok`, for at most 15 s, and returns its value. Otherwise it
/// panics with `what` and the last observation (`Err`). The one waiting loop of the suite: the
/// SPA renders asynchronously, so every check of what appears on screen goes through it.
pub async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match probe().await {
            Ok(value) => return value,
            Err(last) if tokio::time::Instant::now() >= deadline => {
                panic!("{what}: not so after {WAIT:?}; last seen: {last}")
            }
            Err(_) => tokio::time::sleep(POLL).await,
        }
    }
}

/// Sends the server's logs to `path` as JSON lines, which the tests read back by trace id.
/// Only the first call in a process takes effect (one subscriber per process).
fn log_to_file(path: &Path) {
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub fn spa_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../frontend/dist")
}

/// The absolute path of a committed spreadsheet fixture, for a file input.
pub fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../invite-sheets/tests/fixtures")
        .join(name)
        .canonicalize()
        .expect("fixture")
        .display()
        .to_string()
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
        Self::start_with(|_| {}).await
    }

    /// [`Browser::start`] with the server's configuration changed.
    pub async fn start_with(configure: impl FnOnce(&mut Config)) -> Browser {
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
            "ChromeDriver not found at {chromedriver}: run the tests with `cargo xtask test` (or \
             `cargo xtask setup` first), which installs Chromium and ChromeDriver"
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
        // Webhook receivers in these tests are wiremock servers on 127.0.0.1.
        config.webhook_allow_local = true;
        configure(&mut config);
        log_to_file(&log_path);
        let app = Application::build(config).await.expect("server starts");
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());

        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Driver)
            .expect("start chromedriver");
        let profile = dir.join("profile");
        let downloads = dir.join("downloads");
        std::fs::create_dir_all(&downloads).expect("downloads dir");
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
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                }
            }),
        );
        // The console log, read by `console_errors` (CSP violations are reported there).
        caps.insert(
            "goog:loggingPrefs".into(),
            serde_json::json!({ "browser": "ALL" }),
        );
        let client = eventually("ChromeDriver opens a session", || async {
            ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
                .map_err(|e| e.to_string())
        })
        .await;
        Browser {
            client,
            base,
            log_path,
            downloads,
            _driver: driver,
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
        eventually(&format!("the path is {expected}"), || async {
            let now = self.current_path().await;
            if now == expected { Ok(()) } else { Err(now) }
        })
        .await
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

    /// Waits for a finished download whose name contains `part`, and returns its bytes.
    pub async fn downloaded(&self, part: &str) -> (String, Vec<u8>) {
        eventually(&format!("a download named *{part}*"), || async {
            let found = std::fs::read_dir(&self.downloads)
                .map_err(|e| e.to_string())?
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .find(|name| name.contains(part) && !name.ends_with(".crdownload"));
            match found {
                Some(name) => {
                    let bytes =
                        std::fs::read(self.downloads.join(&name)).map_err(|e| e.to_string())?;
                    Ok((name, bytes))
                }
                None => Err("not yet".to_owned()),
            }
        })
        .await
    }

    /// The browser console's messages since the last call, as ChromeDriver collected them
    /// across every page of the session.
    pub async fn console(&self) -> Vec<String> {
        let log = self
            .client
            .issue_cmd(ConsoleLog)
            .await
            .expect("ChromeDriver's log");
        log.as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{} {}",
                            e["level"].as_str().unwrap_or_default(),
                            e["message"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts that no page of the session broke its Content-Security-Policy.
    pub async fn assert_no_csp_violation(&self) {
        let violations: Vec<String> = self
            .console()
            .await
            .into_iter()
            .filter(|m| m.contains("Content Security Policy") || m.contains("Refused to"))
            .collect();
        assert!(violations.is_empty(), "CSP violations: {violations:#?}");
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

    /// The page's visible text.
    pub async fn page_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Waits until the page body contains `text`.
    pub async fn wait_for_text(&self, text: &str) {
        eventually(&format!("the page shows {text:?}"), || async {
            let page = self.page_text().await;
            if page.contains(text) {
                Ok(())
            } else {
                Err(page)
            }
        })
        .await
    }

    /// Waits until the element matching `css` has non-empty text, and returns it.
    pub async fn wait_for_text_of(&self, css: &str) -> String {
        let element = self.find(Locator::Css(css)).await;
        eventually(&format!("{css} has text"), || async {
            let text = element.text().await.unwrap_or_default();
            if text.is_empty() {
                Err("(empty)".into())
            } else {
                Ok(text)
            }
        })
        .await
    }

    /// Waits until the text of the element matching `css` satisfies `accept`, and returns it.
    pub async fn wait_for_text_in(
        &self,
        css: &str,
        what: &str,
        accept: impl Fn(&str) -> bool,
    ) -> String {
        eventually(what, || async {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => format!("(no {css})"),
            };
            if accept(&text) { Ok(text) } else { Err(text) }
        })
        .await
    }

    /// Waits until no element has this id (a dialog closed).
    pub async fn wait_until_gone(&self, id: &str) {
        eventually(&format!("#{id} is gone"), || async {
            match self.client.find(Locator::Id(id)).await {
                Ok(_) => Err(format!("#{id} is still there")),
                Err(_) => Ok(()),
            }
        })
        .await
    }
}

/// ChromeDriver's (non-W3C) log endpoint: the browser console since the last read.
#[derive(Debug)]
struct ConsoleLog;

impl fantoccini::wd::WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}
