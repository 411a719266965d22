//! A real browser for the page journeys: Debian's `chromium`, headless, driven over WebDriver by
//! one `chromedriver` per test process. Without both binaries the browser cases are reported as
//! ignored, with a note (CI installs them).

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// `UNID_TEST_CHROMEDRIVER`, else `chromedriver` on the PATH.
fn chromedriver_path() -> Option<String> {
    std::env::var("UNID_TEST_CHROMEDRIVER")
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(|| which("chromedriver"))
}

/// `UNID_TEST_CHROMIUM`, else `chromium` (Debian) or `chromium-browser` on the PATH.
fn chromium_path() -> Option<String> {
    std::env::var("UNID_TEST_CHROMIUM")
        .ok()
        .filter(|p| !p.is_empty())
        .or_else(|| which("chromium"))
        .or_else(|| which("chromium-browser"))
}

fn which(name: &str) -> Option<String> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .map(|p| p.display().to_string())
}

/// Whether browser cases can run here.
pub fn available() -> bool {
    chromedriver_path().is_some() && chromium_path().is_some()
}

struct Driver {
    url: String,
    child: Child,
}

static DRIVER: OnceLock<Mutex<Option<Driver>>> = OnceLock::new();

/// The shared chromedriver's URL, starting it on first use.
fn driver_url() -> String {
    let slot = DRIVER.get_or_init(|| Mutex::new(None));
    let mut guard = slot
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(d) = guard.as_ref() {
        return d.url.clone();
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(chromedriver_path().expect("chromedriver"))
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    *guard = Some(Driver {
        url: url.clone(),
        child,
    });
    url
}

/// Stops the shared chromedriver (and so every browser it started).
pub fn shutdown() {
    if let Some(slot) = DRIVER.get() {
        let mut guard = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(mut d) = guard.take() {
            let _ = d.child.kill();
            let _ = d.child.wait();
        }
    }
}

/// How a browser starts.
#[derive(Debug, Clone)]
pub struct Options {
    pub width: u32,
    pub height: u32,
    pub javascript: bool,
    /// `Accept-Language` and UI language.
    pub lang: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            width: 1280,
            height: 900,
            javascript: true,
            lang: "zh-CN",
        }
    }
}

/// One browser session against one test app.
pub struct Browser {
    pub client: Client,
    base: String,
    driver: String,
    session: Option<String>,
    profile: std::path::PathBuf,
}

impl Browser {
    pub async fn open(base: &str, opts: Options) -> Browser {
        let driver = driver_url();
        let profile = std::env::temp_dir().join(format!(
            "unid-chrome-{}-{}",
            std::process::id(),
            rand::random::<u64>()
        ));
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-features=Translate,OptimizationHints,MediaRouter".into(),
            format!("--lang={}", opts.lang),
            format!("--window-size={},{}", opts.width, opts.height),
            format!("--user-data-dir={}", profile.display()),
        ];
        if !opts.javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let mut prefs = json!({ "intl.accept_languages": opts.lang });
        if !opts.javascript {
            prefs["profile.managed_default_content_settings.javascript"] = json!(2);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium_path().expect("chromium"),
                "args": args,
                "prefs": prefs,
            }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut client = None;
        // A cold chromium start on a busy two-core machine can time out once.
        for attempt in 0..3 {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&driver)
                .await
            {
                Ok(c) => {
                    client = Some(c);
                    break;
                }
                Err(e) if attempt < 2 => {
                    eprintln!("starting chromium failed ({e}); retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Err(e) => panic!("cannot start chromium through chromedriver: {e}"),
            }
        }
        let client = client.expect("a session");
        let session = client.session_id().await.ok().flatten();
        Browser {
            client,
            base: base.to_string(),
            driver,
            session,
            profile,
        }
    }

    /// Ends the session (and the browser).
    pub async fn close(mut self) {
        self.session = None;
        let client = self.client.clone();
        let _ = client.close().await;
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// The current path and query.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} on {}: {e}", self.base))
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Types `value` into the field (after clearing it).
    pub async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear");
        e.send_keys(value)
            .await
            .unwrap_or_else(|err| panic!("type into {css}: {err}"));
    }

    /// Clicks something that loads a page (a link, a submit button) and waits until the new
    /// document has replaced the old one and loaded.
    pub async fn click(&self, css: &str) {
        let old = self.find("html").await;
        let e = self.find(css).await;
        e.click()
            .await
            .unwrap_or_else(|err| panic!("click {css}: {err}"));
        // The old document's element goes stale once the next one has replaced it; this works
        // with script disabled in the page too.
        for _ in 0..400 {
            if old.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.settle().await;
    }

    /// Ticks a checkbox (no page load).
    pub async fn check(&self, css: &str) {
        let e = self.find(css).await;
        e.click()
            .await
            .unwrap_or_else(|err| panic!("check {css}: {err}"));
    }

    /// Waits until the document has loaded.
    pub async fn settle(&self) {
        for _ in 0..100 {
            if let Ok(Value::String(s)) = self
                .client
                .execute("return document.readyState", vec![])
                .await
                && s == "complete"
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// The whole page's visible text.
    pub async fn body_text(&self) -> String {
        self.text("body").await
    }

    pub async fn html_lang(&self) -> String {
        self.find("html")
            .await
            .attr("lang")
            .await
            .expect("lang")
            .unwrap_or_default()
    }

    pub async fn cookie(&self, name: &str) -> Option<String> {
        self.client
            .get_named_cookie(name)
            .await
            .ok()
            .map(|c| c.value().to_string())
    }
}

impl Drop for Browser {
    /// A test that panics still ends its browser: a blocking `DELETE /session/<id>`.
    fn drop(&mut self) {
        if let Some(id) = self.session.take() {
            let addr = self.driver.trim_start_matches("http://").to_string();
            if let Ok(mut stream) = std::net::TcpStream::connect(&addr) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let _ = write!(
                    stream,
                    "DELETE /session/{id} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let mut sink = Vec::new();
                let _ = std::io::Read::read_to_end(&mut stream, &mut sink);
            }
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
