//! Screenshots of every page, at phone and desktop width, in both languages, from a running unid
//! in test mode (see `docs/screenshots.sh`, which starts one and calls this):
//!
//!     screenshots <base-url> <out-dir> <fake-port>
//!
//! Drives Debian's chromium through chromedriver (both must be installed). WeChat and Apple are
//! a small fake served here on 127.0.0.1:<fake-port> (see [`fake`]), which the script points
//! the server at before it starts.

use std::cell::Cell;
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const WIDTHS: [(u32, &str); 2] = [(375, "phone"), (1280, "desktop")];
const LOCALES: [&str; 2] = ["zh-Hans", "en"];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    const USAGE: &str = "usage: screenshots <base-url> <out-dir> <fake-port>";
    let mut args = std::env::args().skip(1);
    let base = args.next().expect(USAGE);
    let out = std::path::PathBuf::from(args.next().expect(USAGE));
    let fake_port: u16 = args.next().and_then(|p| p.parse().ok()).expect(USAGE);
    std::fs::create_dir_all(&out).expect("create the output directory");
    let provider = fake::serve(fake_port);

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
                provider: &provider,
                taken: Cell::new(0),
            };
            shots.all(locale, i * 2 + usize::from(width > 400)).await;
            n += shots.taken.get();
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
    /// The fake WeChat and Apple: who signs in there next.
    provider: &'a fake::Provider,
    taken: Cell<usize>,
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
        self.taken.set(self.taken.get() + 1);
    }

    /// `login` + `setPushCid` through the API from an Android app, as uni-id-pages' App does.
    async fn push_device(&self, username: &str, password: &str) {
        let client = json!({
            "uniPlatform": "app-android", "appId": "__UNI__UNID", "deviceId": format!("{username}-phone"),
            "deviceBrand": "Xiaomi", "deviceModel": "Redmi K70", "osName": "android", "osVersion": "14",
        });
        let http = reqwest::Client::new();
        let call = |method: &str, params: serde_json::Value, token: Option<String>| {
            let mut body = json!({"clientInfo": client, "params": params});
            if let Some(t) = token {
                body["uniIdToken"] = json!(t);
            }
            http.post(format!("{}/uni-id-co/{method}", self.base))
                .json(&body)
                .send()
        };
        let login: serde_json::Value = call(
            "login",
            json!({"username": username, "password": password}),
            None,
        )
        .await
        .expect("login")
        .json()
        .await
        .expect("JSON");
        let token = login["newToken"]["token"].as_str().map(str::to_string);
        let r: serde_json::Value = call(
            "setPushCid",
            json!({"pushClientId": format!("{username}-push-id")}),
            token,
        )
        .await
        .expect("setPushCid")
        .json()
        .await
        .expect("JSON");
        assert_eq!(r["errCode"], 0, "setPushCid: {r}");
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

    /// Signs in at the fake WeChat from `/login` (the agreements box ticked): `answer` is the
    /// link its page follows, `#confirm` (allow) or `#deny`.
    async fn through_weixin(&self, locale: &str, answer: &str) {
        self.go(&format!("/login?locale={locale}")).await;
        self.click("form[action='/login/weixin'] #agree").await;
        self.click("form[action='/login/weixin'] button[type=submit]")
            .await;
        self.click(answer).await;
    }

    /// Every page, signed out then signed in.
    async fn all(&self, locale: &str, run: usize) {
        let q = |path: &str| {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}locale={locale}")
        };
        let anonymous = [
            // WeChat is the first of loginTypes, so /login shows it; SMS is chosen by type.
            ("login", "/login?type=smsCode"),
            ("login-weixin", "/login"),
            ("login-apple", "/login?type=apple"),
            // The WeChat button sent without the agreements box ticked.
            ("login-weixin-agree", "/login/weixin?go=1"),
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
        // Declined at WeChat: its notice page.
        self.through_weixin(locale, "#deny").await;
        self.shot("login-weixin-declined").await;

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
        // The same account signed in on a phone app that registered for push, for the console's
        // device list.
        self.push_device(&user, "Demo-Pass-2024").await;
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

        // A new account through WeChat (named and pictured by it): its profile, WeChat linked and
        // Apple not; then Apple linked too, for the console.
        let nickname = fake::NICKNAMES[run];
        self.provider.next(&format!("shots{run}"), nickname);
        self.through_weixin(locale, "#confirm").await;
        // (A new account is offered a password first; it may skip.)
        self.go(&q("/userinfo")).await;
        self.shot("userinfo-weixin").await;
        self.click("#row-apple a.action").await;
        self.click("#continue").await;
        // Gone without signing out: the console shows the session as live.
        self.c.delete_all_cookies().await.expect("delete cookies");

        // The console, as the administrator: the user list, the demo user's page and the WeChat
        // user's (linked accounts, a live session).
        self.go(&q("/login/password")).await;
        self.fill("#username", "admin").await;
        self.fill("#password", "Admin-Pass-2024").await;
        self.click("form[action='/login/password'] button[type=submit]")
            .await;
        self.go(&q("/admin")).await;
        self.shot("admin-overview").await;
        self.go(&q("/admin/users")).await;
        self.shot("admin-users").await;
        self.go(&q("/admin/users/new")).await;
        self.shot("admin-user-new").await;
        self.go(&q(&format!("/admin/users?q={user}"))).await;
        self.click("table.data td a").await;
        self.shot("admin-user").await;
        self.go(&q(&format!("/admin/users?q={nickname}"))).await;
        self.click("table.data td a").await;
        self.shot("admin-user-linked").await;
        self.go(&q("/admin/roles")).await;
        self.shot("admin-roles").await;
        self.go(&q("/admin/permissions")).await;
        self.shot("admin-permissions").await;
        // An app and a tag named, as an administrator would.
        let zh = locale != "en";
        self.go(&q("/admin/apps")).await;
        self.fill("#appid", "__UNI__UNID").await;
        self.fill("#name", if zh { "官网" } else { "Website" })
            .await;
        self.fill(
            "#description",
            if zh {
                "网页登录"
            } else {
                "Sign-in on the web"
            },
        )
        .await;
        self.click("form.narrow-form button[value=save]").await;
        self.shot("admin-apps").await;
        self.go(&q("/admin/tags")).await;
        self.fill("#tagid", "vip").await;
        self.fill("#name", if zh { "重要客户" } else { "Key customer" })
            .await;
        self.click("form.narrow-form button[value=save]").await;
        self.shot("admin-tags").await;
        self.go(&q("/admin/logs")).await;
        self.shot("admin-logs").await;
        self.go(&q("/admin/logs/audit")).await;
        self.shot("admin-audit").await;
        self.go("/userinfo").await;
        self.click("form.logout button").await;
    }
}

/// WeChat and Apple as the site meets them, reduced to what a sign-in needs (after
/// `tests/it/weixin.rs` and `tests/it/apple.rs`): WeChat's QR page as two links back (allow,
/// deny), its `sns/oauth2/access_token` and `sns/userinfo`, an avatar; Apple's authorization
/// page as the form it posts back, with an identity token signed by a test key, and its key
/// set. Whoever signs in is the person [`Provider::next`] named.
mod fake {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use actix_web::{App, HttpResponse, HttpServer, web};
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use serde_json::json;

    /// The WeChat nickname of each run's account (phone and desktop, zh-Hans then en): unique,
    /// so the console finds each by it.
    pub const NICKNAMES: [&str; 4] = ["陈晓梅", "林雨桐", "Mei Chen", "Yutong Lin"];
    /// `plugins/apple/testdata`: the test key the identity tokens are signed with.
    const KEY: &str = include_str!("../plugins/apple/testdata/one.key.b64");
    const KEY_N: &str = include_str!("../plugins/apple/testdata/one.n");
    /// A 96×96 PNG: a person's outline, green on pale green.
    const AVATAR: &str = "iVBORw0KGgoAAAANSUhEUgAAAGAAAABgCAMAAADVRocKAAAABlBMVEXP6dsunmrhPsqgAAAAmUlEQVR42u3XQY4CMRAEQeL/n94jB4S0CHJgRpUP6DjZbt9ua6211lpH5148viA8Vs//pOBZZwFoBWKhBoiFGiAWBgwYcAXg/JfdBR6c/k2+wNrSb3YH7Kb9dn3A/2CtXz8H7VXxzffm9/8H/lM9/w2BVqAVaAVagVagFWgFYqEGiIUaIBZqgFioAWLh9ACxcHqAWBgw4HXgD6v6CrNV4VwnAAAAAElFTkSuQmCC";

    type Q = web::Query<HashMap<String, String>>;

    #[derive(Default)]
    pub struct Provider {
        /// The id of whoever signs in next.
        next: Mutex<String>,
        nicknames: Mutex<HashMap<String, String>>,
        /// `http://127.0.0.1:<port>`, where the server fetches the avatar.
        api: String,
    }

    impl Provider {
        /// The next sign-in at WeChat or Apple is `id`'s, named `nickname` at WeChat.
        pub fn next(&self, id: &str, nickname: &str) {
            *self.next.lock().expect("lock") = id.to_string();
            self.nicknames
                .lock()
                .expect("lock")
                .insert(id.to_string(), nickname.to_string());
        }
        fn current(&self) -> String {
            self.next.lock().expect("lock").clone()
        }
    }

    /// Serves the fake on 127.0.0.1:`port` from a thread of its own.
    pub fn serve(port: u16) -> Arc<Provider> {
        let provider = Arc::new(Provider {
            api: format!("http://127.0.0.1:{port}"),
            ..Provider::default()
        });
        provider.next("shots", "unid");
        let p = provider.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::from(p.clone()))
                        .route("/connect/qrconnect", web::get().to(weixin_page))
                        .route("/connect/oauth2/authorize", web::get().to(weixin_page))
                        .route("/sns/oauth2/access_token", web::get().to(access_token))
                        .route("/sns/userinfo", web::get().to(userinfo))
                        .route("/avatar/{name}", web::get().to(avatar))
                        .route("/auth/authorize", web::get().to(apple_page))
                        .route("/auth/keys", web::get().to(keys))
                })
                .workers(1)
                .disable_signals()
                .bind(("127.0.0.1", port));
                match server {
                    Ok(s) => {
                        tx.send(Ok(())).ok();
                        s.run().await.ok();
                    }
                    Err(e) => {
                        tx.send(Err(e)).ok();
                    }
                }
            });
        });
        rx.recv()
            .expect("the fake's thread")
            .unwrap_or_else(|e| panic!("serve the fake WeChat and Apple on port {port}: {e}"));
        provider
    }

    fn html(body: String) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body)
    }

    /// Escapes a value for an HTML attribute.
    fn attr(v: &str) -> String {
        v.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    }

    /// WeChat's QR page: "allow" returns with a code naming the current person, "deny" without.
    async fn weixin_page(p: web::Data<Provider>, q: Q) -> HttpResponse {
        let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
        let state = q.get("state").cloned().unwrap_or_default();
        let back = |code: &str| {
            let mut url = reqwest::Url::parse(&redirect).expect("redirect_uri");
            if !code.is_empty() {
                url.query_pairs_mut().append_pair("code", code);
            }
            url.query_pairs_mut().append_pair("state", &state);
            url.to_string()
        };
        html(format!(
            "<!doctype html><title>WeChat</title><p>WeChat (fake)</p><a id=\"confirm\" href=\"{}\">Allow</a> <a id=\"deny\" href=\"{}\">Deny</a>",
            attr(&back(&p.current())),
            attr(&back("")),
        ))
    }

    /// `sns/oauth2/access_token`: the code names the person.
    async fn access_token(q: Q) -> HttpResponse {
        let Some(id) = q.get("code").filter(|c| !c.is_empty()) else {
            return HttpResponse::Ok().json(json!({"errcode": 40029, "errmsg": "invalid code"}));
        };
        HttpResponse::Ok().json(json!({
            "access_token": format!("at-{id}"),
            "expires_in": 7200,
            "refresh_token": format!("rt-{id}"),
            "openid": format!("o-web-{id}"),
            "scope": "snsapi_login",
            "unionid": format!("union-{id}"),
        }))
    }

    async fn userinfo(p: web::Data<Provider>, q: Q) -> HttpResponse {
        let token = q.get("access_token").cloned().unwrap_or_default();
        let Some(id) = token.strip_prefix("at-") else {
            return HttpResponse::Ok()
                .json(json!({"errcode": 40001, "errmsg": "invalid credential"}));
        };
        let nickname = p
            .nicknames
            .lock()
            .expect("lock")
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string());
        HttpResponse::Ok().json(json!({
            "openid": q.get("openid"),
            "nickname": nickname,
            "sex": 0,
            "headimgurl": format!("{}/avatar/{id}.png", p.api),
            "unionid": format!("union-{id}"),
        }))
    }

    async fn avatar() -> HttpResponse {
        HttpResponse::Ok()
            .content_type("image/png")
            .body(STANDARD.decode(AVATAR).expect("the avatar"))
    }

    fn now_secs() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
    }

    /// Apple's authorization page: the form it posts back, an identity token for the current
    /// person with the site's Services ID as audience and the flow's nonce.
    async fn apple_page(p: web::Data<Provider>, q: Q) -> HttpResponse {
        let get = |k: &str| q.get(k).map_or("", String::as_str);
        let id = p.current();
        let claims = json!({
            "iss": "https://appleid.apple.com",
            "aud": get("client_id"),
            "sub": format!("000123.apple-{id}.0001"),
            "iat": now_secs(),
            "exp": now_secs() + 600,
            "nonce": get("nonce"),
            "email": format!("{id}@privaterelay.appleid.com"),
            "email_verified": "true",
            "is_private_email": "true",
        });
        let der = STANDARD.decode(KEY.trim()).expect("the test key");
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("k1".into());
        let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_der(&der))
            .expect("sign the identity token");
        let field = |name: &str, value: &str| {
            format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                attr(value)
            )
        };
        html(format!(
            "<!doctype html><title>Apple</title><form method=\"post\" action=\"{}\">{}{}{}<button id=\"continue\">Continue</button></form>",
            attr(get("redirect_uri")),
            field("state", get("state")),
            field("code", "c-1"),
            field("id_token", &token),
        ))
    }

    async fn keys() -> HttpResponse {
        HttpResponse::Ok().json(json!({"keys": [
            {"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": KEY_N.trim(), "e": "AQAB"}
        ]}))
    }
}
