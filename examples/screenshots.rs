//! Screenshots of every page, at phone and desktop width, in both languages, from a running unid
//! in test mode (see `docs/screenshots.sh`, which starts one and calls this):
//!
//!     screenshots <base-url> <out-dir>
//!
//! Drives Debian's chromium through chromedriver (both must be installed).

use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const WIDTHS: [(u32, &str); 2] = [(375, "phone"), (1280, "desktop")];
const LOCALES: [&str; 2] = ["zh-Hans", "en"];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .expect("usage: screenshots <base-url> <out-dir>");
    let out = std::path::PathBuf::from(
        args.next()
            .expect("usage: screenshots <base-url> <out-dir>"),
    );
    std::fs::create_dir_all(&out).expect("create the output directory");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let mut driver = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let driver_url = format!("http://127.0.0.1:{port}");

    // An administrator for the console's pages (the pages sign in to their own app).
    let admin = reqwest::Client::new()
        .post(format!("{base}/uni-id-co/registerAdmin"))
        .json(&serde_json::json!({
            "clientInfo": {"uniPlatform": "web", "appId": "__UNI__UNID", "deviceId": "shots"},
            "params": {"username": "admin", "password": "Admin-Pass-2024", "nickname": "Admin"}
        }))
        .send()
        .await
        .expect("registerAdmin");
    assert!(admin.status().is_success());

    let mut n = 0;
    for (i, locale) in LOCALES.iter().enumerate() {
        for (width, label) in WIDTHS {
            let c = browser(&driver_url).await;
            let session = c.session_id().await.ok().flatten().expect("a session id");
            let shots = Shots {
                c: &c,
                base: &base,
                out: &out,
                suffix: format!("{label}-{locale}"),
                cdp: format!("{driver_url}/session/{session}/goog/cdp/execute"),
                width,
            };
            n += shots.all(locale, i * 2 + usize::from(width > 400)).await;
            c.close().await.ok();
        }
    }
    let _ = driver.kill();
    let _ = driver.wait();
    println!("wrote {n} screenshots to {}", out.display());
}

async fn browser(driver: &str) -> Client {
    let profile = std::env::temp_dir().join(format!("unid-shots-{}", rand::random::<u64>()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("start chromium")
}

struct Shots<'a> {
    c: &'a Client,
    base: &'a str,
    out: &'a std::path::Path,
    suffix: String,
    /// chromedriver's endpoint for DevTools commands of this session.
    cdp: String,
    width: u32,
}

impl Shots<'_> {
    async fn go(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("open");
    }

    /// Emulates a screen `width` wide and as tall as the page, so the picture is the whole page.
    async fn fit(&self, height: u32) {
        let body = json!({
            "cmd": "Emulation.setDeviceMetricsOverride",
            "params": {"width": self.width, "height": height, "deviceScaleFactor": 1, "mobile": self.width < 600},
        });
        reqwest::Client::new()
            .post(&self.cdp)
            .json(&body)
            .send()
            .await
            .expect("DevTools command");
    }

    async fn shot(&self, name: &str) {
        self.fit(if self.width < 600 { 812 } else { 800 }).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let height = self
            .c
            .execute(
                "return Math.ceil(document.documentElement.scrollHeight)",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(900);
        let min = if self.width < 600 { 812 } else { 800 };
        self.fit(u32::try_from(height).unwrap_or(2000).clamp(min, 2400))
            .await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        let png = self.c.screenshot().await.expect("screenshot");
        let path = self.out.join(format!("{name}-{}.png", self.suffix));
        std::fs::write(&path, png).expect("write");
    }

    async fn fill(&self, css: &str, value: &str) {
        let e = self.c.find(Locator::Css(css)).await.expect(css);
        e.clear().await.ok();
        e.send_keys(value).await.expect("type");
    }

    async fn click(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .expect(css)
            .click()
            .await
            .expect("click");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    /// Every page, signed out then signed in; returns how many were taken.
    async fn all(&self, locale: &str, run: usize) -> usize {
        let q = |path: &str| {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}locale={locale}")
        };
        let anonymous = [
            ("login", "/login"),
            ("login-sms", "/login/sms?mobile=13800138000"),
            ("login-password", "/login/password"),
            ("register", "/register"),
            ("register-email", "/register/email"),
            ("register-admin", "/register/admin"),
            ("retrieve", "/retrieve"),
            ("retrieve-email", "/retrieve/email"),
        ];
        for (name, path) in anonymous {
            self.go(&q(path)).await;
            self.shot(name).await;
        }
        // A refused sign-in, showing the error and the captcha.
        self.go(&q("/login/password")).await;
        for _ in 0..6 {
            self.fill("#username", "nobody").await;
            self.fill("#password", "wrong-password").await;
            self.click("form[action='/login/password'] button[type=submit]")
                .await;
            if self
                .c
                .find(Locator::Css("input[name=captcha]"))
                .await
                .is_ok()
            {
                break;
            }
        }
        self.shot("login-password-error").await;

        // The SMS code step after a send (test mode: nothing is sent); a number per run, as
        // sends to one number are capped.
        self.go(&q(&format!("/login/sms?mobile=1380013801{run}")))
            .await;
        self.fill("form.send-code input[name=captcha]", "1234")
            .await;
        self.click("form.send-code button[value=send]").await;
        self.shot("login-sms-sent").await;

        // Signed in: register a user, then the profile and its pages.
        let user = format!("demo{run}");
        self.go(&q("/register")).await;
        self.fill("#username", &user).await;
        self.fill(
            "#nickname",
            if locale == "en" {
                "Demo User"
            } else {
                "演示用户"
            },
        )
        .await;
        self.fill("#password", "Demo-Pass-2024").await;
        self.fill("#password2", "Demo-Pass-2024").await;
        self.fill("input[name=captcha]", "1234").await;
        if self.c.find(Locator::Css("#agree")).await.is_ok() {
            self.click("#agree").await;
        }
        self.click("form[action='/register'] button[type=submit]")
            .await;
        self.shot("userinfo").await;
        for (name, path) in [
            ("change-pwd", "/userinfo/change-pwd"),
            ("deactivate", "/userinfo/deactivate"),
            ("bind-mobile", "/userinfo/bind-mobile"),
            ("set-pwd", "/userinfo/set-pwd"),
            ("bind-email", "/userinfo/bind-email"),
        ] {
            self.go(&q(path)).await;
            self.shot(name).await;
        }
        self.go(&q("/no/such/page")).await;
        self.shot("not-found").await;
        self.go("/userinfo").await;
        self.click("form.logout button").await;

        // The console, as the administrator: the user list and the demo user's page.
        self.go(&q("/login/password")).await;
        self.fill("#username", "admin").await;
        self.fill("#password", "Admin-Pass-2024").await;
        self.click("form[action='/login/password'] button[type=submit]")
            .await;
        self.go(&q("/admin/users")).await;
        self.shot("admin-users").await;
        self.go(&q(&format!("/admin/users?q={user}"))).await;
        self.click("table.data td a").await;
        self.shot("admin-user").await;
        self.go(&q("/admin/roles")).await;
        self.shot("admin-roles").await;
        self.go(&q("/admin/permissions")).await;
        self.shot("admin-permissions").await;
        self.go(&q("/admin/logs")).await;
        self.shot("admin-logs").await;
        self.go(&q("/admin/logs/audit")).await;
        self.shot("admin-audit").await;
        self.go("/userinfo").await;
        self.click("form.logout button").await;
        anonymous.len() + 2 + 1 + 5 + 1 + 6
    }
}
