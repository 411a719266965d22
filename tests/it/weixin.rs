//! The weixin plugin (issue 10) against a local fake of WeChat's public API, error answers
//! included: logins on each platform, unionid merges, bind and unbind, phone numbers, the
//! secure network handshake, the site's sign-in, timeouts and concurrent first logins.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::web::{self, Json, Query};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::cases;
use crate::support::web::{Page, Visitor};
use crate::support::{Backend, TestApp, token_of};

pub fn cases() -> Vec<crate::support::cases::Case> {
    let mut all = crate::browser_cases![wechat_sign_in_and_unlink_in_a_browser];
    all.extend(cases![
        a_mini_program_user_registers_once_and_then_logs_in,
        an_app_registration_takes_the_wechat_name_and_avatar,
        the_unionid_joins_the_mini_program_and_the_app,
        wechat_errors_are_clean_in_both_languages_and_logged,
        a_silent_wechat_times_out,
        concurrent_first_logins_make_one_user,
        bind_and_unbind_keep_uni_id_s_rules,
        a_phone_code_logs_in_with_a_cached_app_token_renewed_when_refused,
        the_mini_program_s_phone_binds_by_code_or_encrypted_data,
        a_handshake_s_code_logs_in_once,
        login_types_and_missing_credentials_follow_the_config,
        the_site_signs_in_through_wechat_s_qr_page,
        the_wechat_browser_uses_its_own_authorization,
        the_profile_binds_and_unbinds_wechat,
        an_administrator_sees_and_unlinks_wechat,
    ]);
    all
}

// ---- the fake ------------------------------------------------------------------------------

const MP_APPID: &str = "wxmp0000000000001";
const APP_APPID: &str = "wxapp000000000002";
const WEB_APPID: &str = "wxweb000000000003";
const H5_APPID: &str = "wxh50000000000004";
const SECRET: &str = "the-app-secret";
/// Mini-program session keys are 16 bytes; the fake hands out one per user.
fn session_key(user: &str) -> String {
    STANDARD.encode(&format!("{user:-<16}").as_bytes()[..16])
}

/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/// What the fake saw, and its app access token generation.
#[derive(Default)]
pub(crate) struct Fake {
    calls: Mutex<HashMap<String, usize>>,
    /// The current app access token is `app-token-<n>`.
    token_generation: Mutex<u32>,
    base: Mutex<String>,
}

impl Fake {
    pub(crate) fn count(&self, what: &str) -> usize {
        self.calls.lock().unwrap().get(what).copied().unwrap_or(0)
    }
    fn saw(&self, what: &str) {
        *self
            .calls
            .lock()
            .unwrap()
            .entry(what.to_string())
            .or_default() += 1;
    }
    fn app_token(&self) -> String {
        format!("app-token-{}", self.token_generation.lock().unwrap())
    }
    /// WeChat drops the app token (it was refreshed elsewhere): the next use is refused.
    fn rotate_app_token(&self) {
        *self.token_generation.lock().unwrap() += 1;
    }
}

fn platform_of_appid(appid: &str) -> Option<&'static str> {
    match appid {
        MP_APPID => Some("mp"),
        APP_APPID => Some("app"),
        WEB_APPID => Some("web"),
        H5_APPID => Some("h5"),
        _ => None,
    }
}

/// A code's answer: `<user>-<anything>` names a user; some codes are WeChat's errors.
fn code_answer(code: &str, platform: &str) -> Result<(String, Option<String>), Value> {
    let error = |c: i64, m: &str| Err(json!({"errcode": c, "errmsg": m}));
    match code {
        "bad" => error(40029, "invalid code, rid: 1"),
        "used" => error(40163, "code been used, rid: 2"),
        "busy" => error(
            45011,
            "api minute-quota reach limit  mustslower  retry next minute",
        ),
        _ => {
            let user = code.split('-').next().unwrap_or_default();
            let unionid = match user {
                // Bob's mini program is not on the open platform: no unionid there.
                "bob" if platform == "mp" => None,
                "" => return error(40029, "invalid code"),
                u => Some(format!("union-{u}")),
            };
            Ok((format!("{platform}-{user}"), unionid))
        }
    }
}

pub(crate) async fn serve_wechat(fake: Arc<Fake>) -> String {
    let f = fake.clone();
    let base = crate::support::serve_fake(move |cfg| {
        let fake = f.clone();
        cfg.app_data(web::Data::from(fake))
            .route("/sns/jscode2session", web::get().to(jscode2session))
            .route("/sns/oauth2/access_token", web::get().to(oauth_token))
            .route("/sns/userinfo", web::get().to(userinfo))
            .route("/cgi-bin/stable_token", web::post().to(stable_token))
            .route(
                "/wxa/business/getuserphonenumber",
                web::post().to(phone_number),
            )
            .route("/avatar/{name}", web::get().to(avatar))
            .route("/connect/qrconnect", web::get().to(authorize_page))
            .route("/connect/oauth2/authorize", web::get().to(authorize_page));
    });
    *fake.base.lock().unwrap() = base.clone();
    base
}

type Q = Query<HashMap<String, String>>;

fn credentials_ok(q: &HashMap<String, String>) -> Option<&'static str> {
    let platform = platform_of_appid(q.get("appid")?)?;
    (q.get("secret").map(String::as_str) == Some(SECRET)).then_some(platform)
}

async fn answer_code(
    fake: &Fake,
    q: &HashMap<String, String>,
    key: &str,
    what: &str,
) -> HttpResponse {
    fake.saw(what);
    let code = q.get(key).cloned().unwrap_or_default();
    if code == "slow" {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    if code == "garbage" {
        return HttpResponse::Ok()
            .content_type("text/html")
            .body("<html>502</html>");
    }
    let Some(platform) = credentials_ok(q) else {
        return HttpResponse::Ok().json(json!({"errcode": 40125, "errmsg": "invalid appsecret"}));
    };
    match code_answer(&code, platform) {
        Err(e) => HttpResponse::Ok().json(e),
        Ok((openid, unionid)) => {
            let user = code.split('-').next().unwrap_or_default();
            let mut v = if platform == "mp" {
                json!({"openid": openid, "session_key": session_key(user)})
            } else {
                json!({
                    "access_token": format!("at-{user}-{platform}"),
                    "expires_in": 7200,
                    "refresh_token": format!("rt-{user}"),
                    "openid": openid,
                    "scope": "snsapi_userinfo",
                })
            };
            if let Some(u) = unionid {
                v["unionid"] = json!(u);
            }
            HttpResponse::Ok().json(v)
        }
    }
}

async fn jscode2session(fake: web::Data<Fake>, q: Q) -> HttpResponse {
    answer_code(&fake, &q, "js_code", "jscode2session").await
}

async fn oauth_token(fake: web::Data<Fake>, q: Q) -> HttpResponse {
    answer_code(&fake, &q, "code", "oauth_token").await
}

async fn userinfo(fake: web::Data<Fake>, q: Q) -> HttpResponse {
    fake.saw("userinfo");
    let token = q.get("access_token").cloned().unwrap_or_default();
    let Some(user) = token.strip_prefix("at-").and_then(|t| t.split('-').next()) else {
        return HttpResponse::Ok().json(json!({"errcode": 40001, "errmsg": "invalid credential"}));
    };
    if user == "dave" {
        return HttpResponse::Ok().json(json!({"errcode": 40003, "errmsg": "invalid openid"}));
    }
    let base = fake.base.lock().unwrap().clone();
    let picture = if user == "carol" { "huge" } else { user };
    HttpResponse::Ok().json(json!({
        "openid": q.get("openid"),
        "nickname": format!("{user} 微信"),
        "sex": 2,
        "headimgurl": format!("{base}/avatar/{picture}.png"),
    }))
}

async fn avatar(name: web::Path<String>) -> HttpResponse {
    if name.as_str() == "huge.png" {
        return HttpResponse::Ok()
            .content_type("image/png")
            .body(vec![0u8; 3 << 20]);
    }
    HttpResponse::Ok()
        .content_type("image/png")
        .body(STANDARD.decode(PNG).unwrap())
}

async fn stable_token(fake: web::Data<Fake>, body: Json<Value>) -> HttpResponse {
    fake.saw("stable_token");
    if body["appid"] != MP_APPID
        || body["secret"] != SECRET
        || body["grant_type"] != "client_credential"
    {
        return HttpResponse::Ok().json(json!({"errcode": 40013, "errmsg": "invalid appid"}));
    }
    HttpResponse::Ok().json(json!({"access_token": fake.app_token(), "expires_in": 7200}))
}

async fn phone_number(fake: web::Data<Fake>, q: Q, body: Json<Value>) -> HttpResponse {
    fake.saw("getuserphonenumber");
    if q.get("access_token") != Some(&fake.app_token()) {
        return HttpResponse::Ok().json(json!({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"}));
    }
    match body["code"].as_str() {
        Some("phone-alice") => HttpResponse::Ok().json(json!({
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": "13800138000",
                "purePhoneNumber": "13800138000",
                "countryCode": "86",
                "watermark": {"timestamp": 1_700_000_000, "appid": MP_APPID}
            }
        })),
        _ => HttpResponse::Ok().json(json!({"errcode": 40029, "errmsg": "invalid code"})),
    }
}

/// WeChat's sign-in page, reduced to a link that returns as `user` would (the test picks it
/// by the `as` query parameter the page also accepts).
async fn authorize_page(q: Q) -> HttpResponse {
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let state = q.get("state").cloned().unwrap_or_default();
    let user = q.get("as").cloned().unwrap_or_else(|| "alice".into());
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let href = format!("{redirect}{sep}code={user}-web&state={state}");
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><title>WeChat</title><p>appid {}</p><a id=\"confirm\" href=\"{href}\">Allow</a><a id=\"deny\" href=\"{redirect}{sep}state={state}\">Deny</a>",
            q.get("appid").cloned().unwrap_or_default()
        ))
}

pub(crate) fn weixin_config(base: &str) -> String {
    // Browsers go to WeChat on another site (localhost is another site than 127.0.0.1), as
    // they would to open.weixin.qq.com.
    let open = base.replace("127.0.0.1", "localhost");
    format!(
        r#"
[plugins.weixin]
endpoint = "{base}"
openEndpoint = "{open}"
timeoutSecs = 1

["mp-weixin".oauth.weixin]
appid = "{MP_APPID}"
appsecret = "{SECRET}"

[app.oauth.weixin]
appid = "{APP_APPID}"
appsecret = "{SECRET}"

[web.oauth.weixin-web]
appid = "{WEB_APPID}"
appsecret = "{SECRET}"

[web.oauth.weixin-h5]
appid = "{H5_APPID}"
appsecret = "{SECRET}"

[pages]
loginTypes = ["weixin", "username"]
"#
    )
}

async fn app_with_wechat(backend: Backend) -> (TestApp, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let base = serve_wechat(fake.clone()).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&weixin_config(&base))
        .start()
        .await;
    (app, fake)
}

async fn login_on(app: &TestApp, platform: &str, code: &str) -> Value {
    app.call("loginByWeixin")
        .client(json!({"uniPlatform": platform}))
        .params(json!({"code": code}))
        .send()
        .await
}

// ---- the API -------------------------------------------------------------------------------

async fn a_mini_program_user_registers_once_and_then_logs_in(backend: Backend) {
    let (app, fake) = app_with_wechat(backend).await;
    let first = login_on(&app, "mp-weixin", "alice-1").await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    assert_eq!(first["passwordConfirmed"], false);
    let again = login_on(&app, "mp-weixin", "alice-2").await;
    assert_eq!(again["type"], "login", "{again}");
    assert_eq!(again["uid"], first["uid"]);
    assert_eq!(fake.count("jscode2session"), 2);
    // The mini program never asks for the WeChat profile.
    assert_eq!(fake.count("userinfo"), 0);
    let info = app.account_info(&token_of(&again)).await;
    assert_eq!(info["isWeixinBound"], true);
    assert_eq!(info["isAppleBound"], false);
    assert_eq!(info["isMobileBound"], false);
    // uni-id's document shape: wx_openid.mp, wx_openid.mp_<appId>, wx_unionid.
    let uid = first["uid"].as_str().unwrap().to_string();
    let ids = app
        .host
        .db
        .run(move |conn| unid_core::accounts::third_party::ids_of(conn, &uid))
        .await
        .unwrap();
    let slots: Vec<String> = ids
        .iter()
        .map(|i| format!("{}.{}.{}={}", i.provider, i.kind, i.platform, i.value))
        .collect();
    assert_eq!(
        slots,
        [
            "weixin.openid.mp=mp-alice".to_string(),
            format!("weixin.openid.mp_{}=mp-alice", crate::support::APP_ID),
            "weixin.unionid.=union-alice".to_string(),
        ]
    );
    // The session key is cached, sealed: not readable in the table.
    let key = format!("uni-id:weixin-mp:{MP_APPID}:mp-alice:session-key");
    let (host, k) = (app.host.clone(), key.clone());
    let cached = app
        .host
        .db
        .run(move |conn| host.credentials.get(conn, &k, i64::MAX / 2 - 1))
        .await
        .unwrap();
    assert!(cached.is_none(), "expired far in the future: {cached:?}");
    let (host, k) = (app.host.clone(), key);
    let now = app.clock.now_ms();
    let cached = app
        .host
        .db
        .run(move |conn| host.credentials.get(conn, &k, now))
        .await
        .unwrap()
        .expect("session key cached");
    assert!(cached.contains(&session_key("alice")));
    let raw = app
        .host
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use unid_core::db::schema::credential_cache;
            Ok(unid_core::db_run!(conn: {
                credential_cache::table.select(credential_cache::value).load::<String>(conn)
            })?)
        })
        .await
        .unwrap();
    assert!(
        raw.iter().all(|v| !v.contains(&session_key("alice"))),
        "sealed at rest"
    );
}

async fn an_app_registration_takes_the_wechat_name_and_avatar(backend: Backend) {
    let (app, fake) = app_with_wechat(backend).await;
    let r = login_on(&app, "app", "alice-1").await;
    assert_eq!(r["type"], "register", "{r}");
    assert_eq!(fake.count("userinfo"), 1);
    let uid = r["uid"].as_str().unwrap().to_string();
    let user = app
        .host
        .db
        .run(move |conn| Ok(unid_core::db::models::users::find_by_id(conn, &uid)?))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.nickname.as_deref(), Some("alice 微信"));
    assert_eq!(user.gender, Some(2));
    let file: Value = serde_json::from_str(user.avatar_file.as_deref().unwrap()).unwrap();
    assert_eq!(file["extname"], "png");
    let url = file["url"].as_str().unwrap();
    let got = reqwest::get(format!("{}{url}", app.url)).await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap(), STANDARD.decode(PNG).unwrap());
    // A second login asks nothing more of WeChat's profile.
    assert_eq!(login_on(&app, "app", "alice-2").await["type"], "login");
    assert_eq!(fake.count("userinfo"), 1);
    // An avatar over the limit is left out; the account is made all the same.
    let r = login_on(&app, "app", "carol-1").await;
    assert_eq!(r["type"], "register", "{r}");
    let uid = r["uid"].as_str().unwrap().to_string();
    let carol = app
        .host
        .db
        .run(move |conn| Ok(unid_core::db::models::users::find_by_id(conn, &uid)?))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(carol.nickname.as_deref(), Some("carol 微信"));
    assert!(carol.avatar_file.is_none());
    // WeChat refusing the profile: uni-id's error, no account, a failed row.
    let before = app.user_count().await;
    let r = login_on(&app, "app", "dave-1").await;
    assert_eq!(
        r["errCode"], "uni-id-get-third-party-user-info-failed",
        "{r}"
    );
    assert_eq!(app.user_count().await, before);
}

async fn the_unionid_joins_the_mini_program_and_the_app(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    let mp = login_on(&app, "mp-weixin", "alice-1").await;
    assert_eq!(mp["type"], "register");
    // The same WeChat user in the app: another openid, the same unionid, the same account.
    let in_app = login_on(&app, "app", "alice-1").await;
    assert_eq!(in_app["type"], "login", "{in_app}");
    assert_eq!(in_app["uid"], mp["uid"]);
    // And on the website's QR sign-in.
    let web = login_on(&app, "web", "alice-1").await;
    assert_eq!(web["uid"], mp["uid"]);
    // Bob's mini program has no unionid: his app account is another one.
    let bob_mp = login_on(&app, "mp-weixin", "bob-1").await;
    let bob_app = login_on(&app, "app", "bob-1").await;
    assert_eq!(bob_app["type"], "register");
    assert_ne!(bob_app["uid"], bob_mp["uid"]);
}

async fn wechat_errors_are_clean_in_both_languages_and_logged(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    let failed_before = app.log_rows("login", 0).await;
    for code in ["bad", "used", "busy", "garbage"] {
        for (locale, text) in [
            ("zh-Hans", "获取第三方账号失败"),
            ("en", "Get third party account failed"),
        ] {
            let r = app
                .call("loginByWeixin")
                .client(json!({"uniPlatform": "mp-weixin"}))
                .locale(locale)
                .params(json!({"code": code}))
                .send()
                .await;
            assert_eq!(
                r["errCode"], "uni-id-get-third-party-account-failed",
                "{code}: {r}"
            );
            assert_eq!(r["errMsg"], text);
        }
    }
    assert_eq!(app.user_count().await, 0, "no account is made");
    assert_eq!(app.log_rows("login", 0).await - failed_before, 8);
    // Wrong types and missing parameters are the validator's.
    let r = app
        .call("loginByWeixin")
        .client(json!({"uniPlatform": "mp-weixin"}))
        .params(json!({"code": 12}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
    let r = app
        .call("loginByWeixin")
        .client(json!({"uniPlatform": "mp-weixin"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required");
    // A platform without WeChat.
    let r = login_on(&app, "mp-alipay", "alice-1").await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
}

async fn a_silent_wechat_times_out(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    let started = std::time::Instant::now();
    let r = login_on(&app, "mp-weixin", "slow").await;
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed", "{r}");
    assert!(
        started.elapsed() < Duration::from_millis(2900),
        "gave up at timeoutSecs"
    );
    assert_eq!(app.user_count().await, 0);
}

async fn concurrent_first_logins_make_one_user(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    let app = Arc::new(app);
    let mut tasks = Vec::new();
    for i in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            login_on(&app, "mp-weixin", &format!("alice-{i}")).await
        }));
    }
    let mut uids = Vec::new();
    let mut registered = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r["errCode"], 0, "{r}");
        registered += usize::from(r["type"] == "register");
        uids.push(r["uid"].as_str().unwrap().to_string());
    }
    uids.dedup();
    assert_eq!(uids.len(), 1, "one account: {uids:?}");
    assert_eq!(registered, 1);
    assert_eq!(app.user_count().await, 1);
}

async fn bind_and_unbind_keep_uni_id_s_rules(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    let admin = app.admin_token().await;
    for name in ["paula", "quinn"] {
        let r = app
            .call("addUser")
            .token(&admin)
            .params(json!({"username": name, "password": "Secret-Pass-123"}))
            .send()
            .await;
        assert_eq!(r["errCode"], 0, "{r}");
    }
    let paula = token_of(&app.login("paula", "Secret-Pass-123").await);
    let quinn = token_of(&app.login("quinn", "Secret-Pass-123").await);
    let bind = |token: String, code: &'static str| {
        let app = &app;
        async move {
            app.call("bindWeixin")
                .client(json!({"uniPlatform": "app"}))
                .token(&token)
                .params(json!({"code": code}))
                .send()
                .await
        }
    };
    assert_eq!(bind(paula.clone(), "alice-1").await["errCode"], 0);
    assert_eq!(app.account_info(&paula).await["isWeixinBound"], true);
    // The WeChat account now signs in to Paula's account.
    let r = login_on(&app, "app", "alice-2").await;
    assert_eq!(r["type"], "login", "{r}");
    // Quinn cannot take it; Paula cannot bind it twice.
    let r = bind(quinn.clone(), "alice-3").await;
    assert_eq!(r["errCode"], "uni-id-bind-conflict", "{r}");
    assert_eq!(
        bind(paula.clone(), "alice-4").await["errCode"],
        "uni-id-bind-conflict"
    );
    assert_eq!(app.log_rows("bind-weixin", 0).await, 2);
    // Unbinding: Paula keeps her password, so WeChat may go.
    let unbind = |token: String| {
        let app = &app;
        async move { app.call("unbindWeixin").token(&token).send().await }
    };
    assert_eq!(unbind(paula.clone()).await["errCode"], 0);
    assert_eq!(app.account_info(&paula).await["isWeixinBound"], false);
    assert_eq!(
        unbind(paula.clone()).await["errCode"],
        "uni-id-unbind-failed"
    );
    // Now Quinn can bind it.
    assert_eq!(bind(quinn.clone(), "alice-5").await["errCode"], 0);
    // A WeChat-only account may not remove its only way in.
    let only = login_on(&app, "mp-weixin", "erin-1").await;
    let r = unbind(token_of(&only)).await;
    assert_eq!(r["errCode"], "uni-id-unbind-mobile-not-exists", "{r}");
    assert_eq!(app.log_rows("unbind-weixin", 0).await, 2);
    // Without a token: uni-id's token error.
    let r = app.call("unbindWeixin").send().await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed");
}

async fn a_phone_code_logs_in_with_a_cached_app_token_renewed_when_refused(backend: Backend) {
    let (app, fake) = app_with_wechat(backend).await;
    let by_phone = |code: &'static str| {
        let app = &app;
        async move {
            app.call("loginByWeixinMobile")
                .client(json!({"uniPlatform": "mp-weixin"}))
                .params(json!({"phoneCode": code}))
                .send()
                .await
        }
    };
    let first = by_phone("phone-alice").await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    let again = by_phone("phone-alice").await;
    assert_eq!(again["uid"], first["uid"]);
    assert_eq!(fake.count("stable_token"), 1, "the app token is cached");
    assert_eq!(
        app.account_info(&token_of(&again)).await["isMobileBound"],
        true
    );
    // WeChat drops the token: the refusal makes unid fetch a new one, once.
    fake.rotate_app_token();
    let r = by_phone("phone-alice").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(fake.count("stable_token"), 2);
    // A bad phone code is WeChat's refusal.
    let r = by_phone("phone-nobody").await;
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed");
    // Phone codes come from the mini program only.
    let r = app
        .call("loginByWeixinMobile")
        .client(json!({"uniPlatform": "app"}))
        .params(json!({"phoneCode": "phone-alice"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
}

/// `data` encrypted as WeChat does: AES-128-CBC, PKCS#7, under `key` and `iv` (both base64).
fn wechat_encrypt(key: &str, iv: &str, data: &Value) -> String {
    use aes::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
    let key = STANDARD.decode(key).unwrap();
    let iv = STANDARD.decode(iv).unwrap();
    let enc = cbc::Encryptor::<aes::Aes128>::new_from_slices(&key, &iv).unwrap();
    STANDARD.encode(enc.encrypt_padded_vec_mut::<Pkcs7>(data.to_string().as_bytes()))
}

async fn the_mini_program_s_phone_binds_by_code_or_encrypted_data(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    let bind = |token: String, params: Value| {
        let app = &app;
        async move {
            app.call("bindMobileByMpWeixin")
                .client(json!({"uniPlatform": "mp-weixin"}))
                .token(&token)
                .params(params)
                .send()
                .await
        }
    };
    // By code.
    let alice = token_of(&login_on(&app, "mp-weixin", "alice-1").await);
    assert_eq!(
        bind(alice.clone(), json!({})).await["errCode"],
        "uni-id-invalid-param"
    );
    let r = bind(alice.clone(), json!({"code": "phone-alice"})).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(app.account_info(&alice).await["isMobileBound"], true);
    // By encryptedData, opened with Bob's cached session key.
    let bob = token_of(&login_on(&app, "mp-weixin", "bob-1").await);
    let iv = STANDARD.encode(b"0123456789abcdef");
    let phone = |appid: &str, number: &str| {
        json!({
            "phoneNumber": number,
            "purePhoneNumber": number,
            "countryCode": "86",
            "watermark": {"timestamp": 1_700_000_000, "appid": appid},
        })
    };
    // Written for another mini program: refused.
    let foreign = wechat_encrypt(
        &session_key("bob"),
        &iv,
        &phone("wxsomeoneelse0000", "13900139000"),
    );
    let r = bind(bob.clone(), json!({"encryptedData": foreign, "iv": iv})).await;
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed", "{r}");
    // Alice's number is taken.
    let taken = wechat_encrypt(&session_key("bob"), &iv, &phone(MP_APPID, "13800138000"));
    let r = bind(bob.clone(), json!({"encryptedData": taken, "iv": iv})).await;
    assert_eq!(r["errCode"], "uni-id-bind-conflict", "{r}");
    let own = wechat_encrypt(&session_key("bob"), &iv, &phone(MP_APPID, "13900139000"));
    let r = bind(bob.clone(), json!({"encryptedData": own, "iv": iv})).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(app.account_info(&bob).await["isMobileBound"], true);
    // Garbage instead of cipher text.
    let r = bind(
        bob.clone(),
        json!({"encryptedData": "not base64", "iv": iv}),
    )
    .await;
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed");
}

async fn a_handshake_s_code_logs_in_once(backend: Backend) {
    let (app, fake) = app_with_wechat(backend).await;
    let r = app
        .call("secureNetworkHandshakeByWeixin")
        .client(json!({"uniPlatform": "mp-weixin"}))
        .params(json!({"code": "alice-9"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert!(r.get("uid").is_none());
    // The same code logs in without a second exchange (WeChat takes a code once).
    let login = login_on(&app, "mp-weixin", "alice-9").await;
    assert_eq!(login["errCode"], 0, "{login}");
    assert_eq!(fake.count("jscode2session"), 1);
    // Once: the next use of the code goes to WeChat again.
    login_on(&app, "mp-weixin", "alice-9").await;
    assert_eq!(fake.count("jscode2session"), 2);
    // With callLoginByWeixin the handshake logs in at once.
    let r = app
        .call("secureNetworkHandshakeByWeixin")
        .client(json!({"uniPlatform": "mp-weixin"}))
        .params(json!({"code": "alice-10", "callLoginByWeixin": true}))
        .send()
        .await;
    assert_eq!(r["type"], "login", "{r}");
    assert_eq!(r["uid"], login["uid"]);
}

async fn login_types_and_missing_credentials_follow_the_config(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    for platform in ["mp-weixin", "app", "web"] {
        let r = app
            .call("getSupportedLoginType")
            .client(json!({"uniPlatform": platform}))
            .send()
            .await;
        let types: Vec<&str> = r["supportedLoginType"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(types.contains(&"weixin"), "{platform}: {types:?}");
    }
    // Without any WeChat credentials: not offered, and uni-id's error naming the key.
    let bare = TestApp::start(backend).await;
    let r = bare
        .call("getSupportedLoginType")
        .client(json!({"uniPlatform": "mp-weixin"}))
        .send()
        .await;
    assert!(
        !r["supportedLoginType"]
            .as_array()
            .unwrap()
            .contains(&json!("weixin"))
    );
    let r = login_on(&bare, "mp-weixin", "alice-1").await;
    assert_eq!(r["errCode"], "uni-id-config-field-required", "{r}");
    assert_eq!(r["errMsg"], "缺少配置项: mp-weixin.oauth.weixin.appid");
}

// ---- the site ------------------------------------------------------------------------------

/// Follows the site's redirect to the fake's sign-in page and returns the link it offers
/// back (`confirm` or `deny`), as a path on the site.
async fn wechat_page_link(app: &TestApp, to_wechat: &Page, link: &str) -> String {
    let url = to_wechat
        .location()
        .expect("a redirect to WeChat")
        .to_string();
    let page = reqwest::get(url.replace("#wechat_redirect", ""))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pattern = format!("id=\"{link}\" href=\"");
    let at = page.find(&pattern).expect("the link") + pattern.len();
    let href = &page[at..at + page[at..].find('"').unwrap()];
    href.strip_prefix(&app.url)
        .unwrap_or_else(|| panic!("back to the site: {href}"))
        .to_string()
}

async fn the_site_signs_in_through_wechat_s_qr_page(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    let v = Visitor::new(&app.url);
    // `/login` shows WeChat first, as loginTypes asks.
    let login = v.get("/login").await;
    assert!(
        login.body.contains("action=\"/login/weixin\""),
        "{}",
        login.body
    );
    let go = v
        .get("/login/weixin?go=1&uniIdRedirectUrl=%2Fuserinfo%3Ftab%3D1")
        .await;
    assert_eq!(go.status, 303, "{}", go.body);
    let to = go.location().unwrap();
    assert!(
        to.contains("/connect/qrconnect?appid=wxweb000000000003&"),
        "{to}"
    );
    assert!(to.contains(&format!(
        "redirect_uri={}",
        urlencode(&format!("{}/login/weixin/callback", app.url))
    )));
    assert!(to.ends_with("#wechat_redirect"));
    let back = wechat_page_link(&app, &go, "confirm").await;
    // Another browser cannot finish this sign-in.
    let other = Visitor::new(&app.url);
    let r = other.get(&back).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(other.cookie("unid_session").is_none());
    // This one can, once.
    let done = v.get(&back).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location(), Some("/userinfo?tab=1"));
    let profile = v.get("/userinfo").await;
    assert!(profile.body.contains("alice 微信"), "{}", profile.body);
    let replay = v.get(&back).await;
    assert_eq!(replay.status, 400);
    // Declining at WeChat: a clear page, no session.
    let v2 = Visitor::new(&app.url);
    let go = v2.get("/login/weixin?go=1").await;
    let deny = wechat_page_link(&app, &go, "deny").await;
    let r = v2.get(&deny).await;
    assert_eq!(r.status, 401);
    assert!(r.body.contains("已取消微信登录"), "{}", r.body);
    // WeChat refusing the code: uni-id's error on the page, in the visitor's language.
    let v3 = Visitor::new(&app.url);
    v3.accept_language("en");
    let go = v3.get("/login/weixin?go=1").await;
    let back = wechat_page_link(&app, &go, "confirm")
        .await
        .replace("alice-web", "bad");
    let r = v3.get(&back).await;
    assert_eq!(r.status, 422);
    assert!(
        r.body.contains("Get third party account failed"),
        "{}",
        r.body
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn the_wechat_browser_uses_its_own_authorization(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 MicroMessenger/8.0.44 NetType/WIFI")
        .build()
        .unwrap()
        .get(format!("{}/login/weixin?go=1", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let to = r.headers()["location"].to_str().unwrap();
    assert!(
        to.contains("/connect/oauth2/authorize?appid=wxh50000000000004&")
            && to.contains("scope=snsapi_userinfo")
            && to.ends_with("&connect_redirect=1#wechat_redirect"),
        "{to}"
    );
}

async fn the_profile_binds_and_unbinds_wechat(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    let admin = app.admin_token().await;
    let r = app
        .call("addUser")
        .token(&admin)
        .params(json!({"username": "paula", "password": "Secret-Pass-123", "authorizedApp": ["__UNI__UNID"]}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let v = Visitor::new(&app.url);
    v.get("/login/password").await;
    let signed_in = v
        .post(
            "/login/password",
            &[("username", "paula"), ("password", "Secret-Pass-123")],
        )
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let profile = v.get("/userinfo").await;
    assert!(
        profile.body.contains("href=\"/userinfo/weixin/bind\""),
        "{}",
        profile.body
    );
    let go = v.get("/userinfo/weixin/bind").await;
    let back = wechat_page_link(&app, &go, "confirm").await;
    let bound = v.get(&back).await;
    assert_eq!(bound.location(), Some("/userinfo"), "{}", bound.body);
    let profile = v.get("/userinfo").await;
    assert!(
        profile.body.contains("已绑定微信"),
        "the notice: {}",
        profile.body
    );
    assert!(profile.body.contains("action=\"/userinfo/weixin/unbind\""));
    // Signing in with WeChat now reaches Paula.
    let v2 = Visitor::new(&app.url);
    let go = v2.get("/login/weixin?go=1").await;
    let back = wechat_page_link(&app, &go, "confirm").await;
    v2.get(&back).await;
    assert!(v2.get("/userinfo").await.body.contains("paula"));
    // Unbinding needs the form token.
    let r = v
        .post("/userinfo/weixin/unbind", &[("csrf", "forged")])
        .await;
    assert_eq!(r.status, 403);
    let r = v.post("/userinfo/weixin/unbind", &[]).await;
    assert_eq!(r.location(), Some("/userinfo"), "{}", r.body);
    let profile = v.get("/userinfo").await;
    assert!(profile.body.contains("已解除微信绑定"), "{}", profile.body);
    assert!(profile.body.contains("href=\"/userinfo/weixin/bind\""));
}

async fn an_administrator_sees_and_unlinks_wechat(backend: Backend) {
    let (app, _) = app_with_wechat(backend).await;
    // The administrator signs in to the pages' app.
    let r = app
        .call("registerAdmin")
        .client(json!({"appId": "__UNI__UNID"}))
        .params(json!({"username": "admin", "password": "Admin-Pass-2024"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let admin = token_of(&r);
    let r = app
        .call("addUser")
        .client(json!({"appId": "__UNI__UNID"}))
        .token(&admin)
        .params(json!({"username": "paula", "password": "Secret-Pass-123", "authorizedApp": [crate::support::APP_ID]}))
        .send()
        .await;
    let paula_uid = r["uid"].as_str().unwrap().to_string();
    let paula = token_of(&app.login("paula", "Secret-Pass-123").await);
    let r = app
        .call("bindWeixin")
        .client(json!({"uniPlatform": "app"}))
        .token(&paula)
        .params(json!({"code": "alice-1"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let only = login_on(&app, "mp-weixin", "erin-1").await;
    let only_uid = only["uid"].as_str().unwrap().to_string();

    let v = Visitor::new(&app.url);
    v.get("/login/password").await;
    let signed_in = v
        .post(
            "/login/password",
            &[("username", "admin"), ("password", "Admin-Pass-2024")],
        )
        .await;
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    let page = v.get(&format!("/admin/users/{paula_uid}?locale=en")).await;
    assert!(page.body.contains("Linked accounts"), "{}", page.body);
    for shown in ["openid · app", "app-alice", "unionid", "union-alice"] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    // The user's own rule: a WeChat-only account keeps its way in.
    v.get(&format!("/admin/users/{only_uid}?locale=en")).await;
    let refused = v
        .post(
            &format!("/admin/users/{only_uid}/unbind"),
            &[("provider", "weixin")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("This is the only way to login"),
        "{}",
        refused.body
    );
    // Paula has a password: WeChat goes, audited.
    let done = v
        .post(
            &format!("/admin/users/{paula_uid}/unbind"),
            &[("provider", "weixin")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = v.get(&format!("/admin/users/{paula_uid}?locale=en")).await;
    assert!(
        page.body
            .contains("No WeChat, Apple or other account is linked.")
    );
    assert!(page.body.contains("user.unbind"), "{}", page.body);
    assert_eq!(
        app.call("getAccountInfo").token(&paula).send().await["isWeixinBound"],
        false
    );
    // Without the form token nothing changes.
    let forged = v
        .post(
            &format!("/admin/users/{only_uid}/unbind"),
            &[("provider", "weixin"), ("csrf", "x")],
        )
        .await;
    assert_eq!(forged.status, 403);
}

async fn wechat_sign_in_and_unlink_in_a_browser(backend: Backend) {
    use crate::support::browser::{Browser, Options};
    let (app, _) = app_with_wechat(backend).await;
    let b = Browser::open(&app.url, Options::default()).await;
    b.goto("/login").await;
    // WeChat is the first of loginTypes: its button is /login's.
    b.click("form[action='/login/weixin'] button[type=submit]")
        .await;
    // On WeChat's page (another site), the user allows.
    b.click("#confirm").await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    let profile = b.body_text().await;
    assert!(profile.contains("alice 微信"), "{profile}");
    assert!(profile.contains("已绑定"), "the WeChat row: {profile}");
    // A WeChat-only account cannot unlink its only way in.
    b.click("form[action='/userinfo/weixin/unbind'] button")
        .await;
    assert!(
        b.body_text().await.contains("这是当前唯一登录方式"),
        "{}",
        b.body_text().await
    );
    b.close().await;
}
