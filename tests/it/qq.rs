//! The qq plugin (issue 10, item 6) against a local fake of QQ's public API, error answers
//! included: logins in the mini program and in an app, unionid merges, the QQ name and avatar
//! of a new app account, bind and unbind, refusals in each of QQ's shapes, the legacy JSONP
//! answer, a timeout and concurrent first logins.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::web::{self, Query};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::cases;
use crate::support::{Backend, TestApp, token_of};

pub fn cases() -> Vec<crate::support::cases::Case> {
    cases![
        a_mini_program_user_registers_once_and_then_logs_in,
        an_app_registration_takes_the_qq_name_and_avatar,
        the_app_s_access_token_is_cached_until_it_expires,
        the_unionid_joins_the_mini_program_and_the_app,
        a_legacy_jsonp_answer_signs_in,
        qq_refusals_are_clean_in_both_languages_and_logged,
        parameters_are_checked_per_platform,
        a_silent_qq_times_out,
        concurrent_first_logins_make_one_user,
        bind_and_unbind_keep_uni_id_s_rules,
        login_types_and_missing_credentials_follow_the_config,
        the_plugin_section_is_checked_and_can_turn_qq_off,
    ]
}

// ---- the fake ------------------------------------------------------------------------------

/// The QQ mini program's appid.
const MP_APPID: &str = "1110000001";
/// The app's QQ Connect appid.
const APP_APPID: &str = "101000002";
/// Another QQ Connect app, whose users' tokens must not sign in here.
const OTHER_APPID: &str = "101999999";
const SECRET: &str = "the-qq-app-secret";

/// A 1×1 PNG: `figureurl_qq_2`, the 100×100 picture.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
/// A 1×1 GIF: `figureurl_qq_1`, the 40×40 picture.
const GIF: &str = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";

fn session_key(user: &str) -> String {
    format!("qq-session-key-of-{user}")
}

/// What the fake saw.
#[derive(Default)]
struct Fake {
    calls: Mutex<HashMap<String, usize>>,
    base: Mutex<String>,
}

impl Fake {
    fn count(&self, what: &str) -> usize {
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
}

async fn serve_qq(fake: Arc<Fake>) -> String {
    let f = fake.clone();
    let base = crate::support::serve_fake(move |cfg| {
        let fake = f.clone();
        cfg.app_data(web::Data::from(fake))
            // The mini program's API lives elsewhere (api.q.qq.com): here under /mp.
            .route("/mp/sns/jscode2session", web::get().to(jscode2session))
            .route("/oauth2.0/me", web::get().to(me))
            .route("/user/get_user_info", web::get().to(get_user_info))
            .route("/avatar/{name}", web::get().to(avatar));
    });
    *fake.base.lock().unwrap() = base.clone();
    base
}

type Q = Query<HashMap<String, String>>;

fn arg<'a>(q: &'a HashMap<String, String>, key: &str) -> &'a str {
    q.get(key).map_or("", String::as_str)
}

fn html() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html")
        .body("<html>502 Bad Gateway</html>")
}

/// `js_code` `<user>-<anything>` names a user; `bad`, `slow` and `garbage` misbehave.
async fn jscode2session(fake: web::Data<Fake>, q: Q) -> HttpResponse {
    fake.saw("jscode2session");
    let code = arg(&q, "js_code");
    match code {
        "slow" => tokio::time::sleep(Duration::from_secs(3)).await,
        "garbage" => return html(),
        _ => {}
    }
    if arg(&q, "appid") != MP_APPID
        || arg(&q, "secret") != SECRET
        || arg(&q, "grant_type") != "authorization_code"
    {
        return HttpResponse::Ok().json(json!({"errcode": 40013, "errmsg": "invalid appid"}));
    }
    let user = code.split('-').next().unwrap_or_default();
    if code == "bad" || user.is_empty() || !code.contains('-') {
        return HttpResponse::Ok().json(json!({"errcode": 40029, "errmsg": "invalid code"}));
    }
    let mut v = json!({
        "errcode": 0,
        "errmsg": "",
        "openid": format!("mp-{user}"),
        "session_key": session_key(user),
    });
    // Bob's mini program is not on the open platform: no unionid there.
    if user != "bob" {
        v["unionid"] = json!(format!("union-{user}"));
    }
    HttpResponse::Ok().json(v)
}

/// `access_token` `<kind>-<user>`: `at` is this app's token, `other` another app's, `jsonp`
/// this app's answered the legacy way; a few tokens stand for QQ's refusals.
async fn me(fake: web::Data<Fake>, q: Q) -> HttpResponse {
    fake.saw("me");
    if arg(&q, "unionid") != "1" || arg(&q, "fmt") != "json" {
        fake.saw("me asked otherwise than uni-id asks");
    }
    let token = arg(&q, "access_token");
    let refusal = |v: Value| HttpResponse::Ok().json(v);
    match token {
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            return refusal(json!({"error": 100016, "error_description": "too late"}));
        }
        "garbage" => return html(),
        "down" => return HttpResponse::InternalServerError().finish(),
        "expired" => {
            return refusal(
                json!({"error": 100016, "error_description": "access token check failed"}),
            );
        }
        "blocked" => {
            return refusal(json!({"ret": 100030, "msg": "this api without user authorization"}));
        }
        "jsonp-illegal" => {
            return HttpResponse::Ok().content_type("text/plain").body(
                "callback( {\"error\":100013,\"error_description\":\"access token is illegal\"} );\n",
            );
        }
        _ => {}
    }
    let Some((kind, user)) = token.split_once('-') else {
        return refusal(json!({"error": 100013, "error_description": "access token is illegal"}));
    };
    let client_id = if kind == "other" {
        OTHER_APPID
    } else {
        APP_APPID
    };
    let mut v = json!({"client_id": client_id, "openid": format!("app-{user}")});
    if arg(&q, "unionid") == "1" {
        v["unionid"] = json!(format!("union-{user}"));
    }
    match kind {
        "at" | "other" => HttpResponse::Ok().json(v),
        "jsonp" => HttpResponse::Ok()
            .content_type("text/plain")
            .body(format!("callback( {v} );\n")),
        _ => refusal(json!({"error": 100013, "error_description": "access token is illegal"})),
    }
}

async fn get_user_info(fake: web::Data<Fake>, q: Q) -> HttpResponse {
    fake.saw("get_user_info");
    let refusal = |ret: i64, msg: &str| HttpResponse::Ok().json(json!({"ret": ret, "msg": msg}));
    if arg(&q, "oauth_consumer_key") != APP_APPID {
        return refusal(-1, "client id is illegal");
    }
    let token = arg(&q, "access_token");
    let Some(user) = token
        .strip_prefix("at-")
        .or_else(|| token.strip_prefix("jsonp-"))
    else {
        return refusal(100016, "access token check failed");
    };
    if arg(&q, "openid") != format!("app-{user}") {
        return refusal(-22, "openid is invalid");
    }
    if user == "dave" {
        return refusal(1002, "请先登录");
    }
    let base = fake.base.lock().unwrap().clone();
    // Frank has no 100×100 picture; Carol's is far too large.
    let large = if user == "frank" {
        String::new()
    } else {
        format!("{base}/avatar/{user}-100")
    };
    HttpResponse::Ok().json(json!({
        "ret": 0,
        "msg": "",
        "is_lost": 0,
        "nickname": format!("{user} 企鹅"),
        "gender": "女",
        "figureurl": format!("{base}/avatar/{user}-space"),
        "figureurl_qq_1": format!("{base}/avatar/{user}-40"),
        "figureurl_qq_2": large,
    }))
}

async fn avatar(fake: web::Data<Fake>, name: web::Path<String>) -> HttpResponse {
    fake.saw(&format!("avatar {name}"));
    if name.as_str() == "carol-100" {
        return HttpResponse::Ok()
            .content_type("image/png")
            .body(vec![0u8; 3 << 20]);
    }
    if name.ends_with("-40") {
        return HttpResponse::Ok()
            .content_type("image/gif")
            .body(STANDARD.decode(GIF).unwrap());
    }
    HttpResponse::Ok()
        .content_type("image/png")
        .body(STANDARD.decode(PNG).unwrap())
}

fn qq_config(base: &str) -> String {
    format!(
        r#"
[plugins.qq]
endpoint = "{base}"
mpEndpoint = "{base}/mp/"
timeoutSecs = 1

["mp-qq".oauth.qq]
appid = "{MP_APPID}"
appsecret = "{SECRET}"

[app.oauth.qq]
appid = "{APP_APPID}"
appsecret = "{SECRET}"
"#
    )
}

async fn app_with_qq(backend: Backend) -> (TestApp, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let base = serve_qq(fake.clone()).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&qq_config(&base))
        .start()
        .await;
    (app, fake)
}

async fn login_with(app: &TestApp, platform: &str, params: Value) -> Value {
    app.call("loginByQQ")
        .client(json!({"uniPlatform": platform}))
        .params(params)
        .send()
        .await
}

/// The mini program's login with `code`.
async fn login_mp(app: &TestApp, code: &str) -> Value {
    login_with(app, "mp-qq", json!({"code": code})).await
}

/// An app's login with the QQ SDK's `accessToken`.
async fn login_app(app: &TestApp, access_token: &str) -> Value {
    login_with(app, "app", json!({"accessToken": access_token})).await
}

async fn user(app: &TestApp, r: &Value) -> unid_core::db::models::users::UserRow {
    let uid = r["uid"]
        .as_str()
        .unwrap_or_else(|| panic!("{r}"))
        .to_string();
    app.host
        .db
        .run(move |conn| Ok(unid_core::db::models::users::find_by_id(conn, &uid)?))
        .await
        .unwrap()
        .unwrap()
}

/// The user's third-party ids as `provider.kind.platform=value`.
async fn slots(app: &TestApp, r: &Value) -> Vec<String> {
    let uid = r["uid"].as_str().unwrap().to_string();
    app.host
        .db
        .run(move |conn| unid_core::accounts::third_party::ids_of(conn, &uid))
        .await
        .unwrap()
        .iter()
        .map(|i| format!("{}.{}.{}={}", i.provider, i.kind, i.platform, i.value))
        .collect()
}

/// The credential cached under `key`, as seen at `at` (ms).
async fn cached(app: &TestApp, key: &str, at: i64) -> Option<Value> {
    let (host, key) = (app.host.clone(), key.to_string());
    app.host
        .db
        .run(move |conn| host.credentials.get(conn, &key, at))
        .await
        .unwrap()
        .map(|v| serde_json::from_str(&v).unwrap())
}

/// Avatar files the server keeps.
fn avatar_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.host.config.server.data_dir.join("avatars"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

const DAY_MS: i64 = 86_400_000;

// ---- the API -------------------------------------------------------------------------------

async fn a_mini_program_user_registers_once_and_then_logs_in(backend: Backend) {
    let (app, fake) = app_with_qq(backend).await;
    let first = login_mp(&app, "alice-1").await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    assert_eq!(first["passwordConfirmed"], false);
    let again = login_mp(&app, "alice-2").await;
    assert_eq!(again["type"], "login", "{again}");
    assert_eq!(again["uid"], first["uid"]);
    assert_eq!(fake.count("jscode2session"), 2);
    // The mini program never asks QQ Connect for anything.
    assert_eq!(fake.count("me") + fake.count("get_user_info"), 0);
    let info = app.account_info(&token_of(&again)).await;
    assert_eq!(info["isQQBound"], true);
    assert_eq!(info["isWeixinBound"], false);
    // uni-id's document shape: qq_openid.mp, qq_openid.mp_<appId>, qq_unionid.
    assert_eq!(
        slots(&app, &first).await,
        [
            "qq.openid.mp=mp-alice".to_string(),
            format!("qq.openid.mp_{}=mp-alice", crate::support::APP_ID),
            "qq.unionid.=union-alice".to_string(),
        ]
    );
    assert_eq!(app.log_rows("register", 1).await, 1);
    assert_eq!(app.log_rows("login", 1).await, 1);
    // The session key is cached under uni-open-bridge's key for 30 days.
    let key = format!("uni-id:qq-mp:{MP_APPID}:mp-alice:session-key");
    let now = app.clock.now_ms();
    assert_eq!(
        cached(&app, &key, now + 29 * DAY_MS).await,
        Some(json!({"session_key": session_key("alice")}))
    );
    assert_eq!(cached(&app, &key, now + 31 * DAY_MS).await, None);
}

async fn an_app_registration_takes_the_qq_name_and_avatar(backend: Backend) {
    let (app, fake) = app_with_qq(backend).await;
    let r = login_app(&app, "at-alice").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["type"], "register");
    assert_eq!(fake.count("me"), 1);
    assert_eq!(fake.count("me asked otherwise than uni-id asks"), 0);
    assert_eq!(fake.count("get_user_info"), 1);
    let alice = user(&app, &r).await;
    assert_eq!(alice.nickname.as_deref(), Some("alice 企鹅"));
    // The 100×100 picture, not the 40×40 one, downloaded and served by unid.
    assert_eq!(fake.count("avatar alice-100"), 1);
    assert_eq!(fake.count("avatar alice-40"), 0);
    let file: Value = serde_json::from_str(alice.avatar_file.as_deref().unwrap()).unwrap();
    assert_eq!(file["extname"], "png");
    let url = file["url"].as_str().unwrap();
    assert!(url.starts_with("/avatars/"), "{url}");
    let got = reqwest::get(format!("{}{url}", app.url)).await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap(), STANDARD.decode(PNG).unwrap());
    assert_eq!(
        slots(&app, &r).await,
        [
            "qq.openid.app=app-alice".to_string(),
            format!("qq.openid.app_{}=app-alice", crate::support::APP_ID),
            "qq.unionid.=union-alice".to_string(),
        ]
    );
    // A second login asks nothing more of QQ's profile.
    let again = login_app(&app, "at-alice").await;
    assert_eq!(again["type"], "login", "{again}");
    assert_eq!(again["uid"], r["uid"]);
    assert_eq!(fake.count("get_user_info"), 1);
    // Without a 100×100 picture, the 40×40 one.
    let r = login_app(&app, "at-frank").await;
    assert_eq!(r["type"], "register", "{r}");
    let frank = user(&app, &r).await;
    let file: Value = serde_json::from_str(frank.avatar_file.as_deref().unwrap()).unwrap();
    assert_eq!(file["extname"], "gif");
    // An avatar over the limit is left out; the account is made all the same.
    let r = login_app(&app, "at-carol").await;
    assert_eq!(r["type"], "register", "{r}");
    let carol = user(&app, &r).await;
    assert_eq!(carol.nickname.as_deref(), Some("carol 企鹅"));
    assert!(carol.avatar_file.is_none());
    // QQ refusing the profile (`ret` 1002): uni-id's error, no account, a failed row.
    let before = app.user_count().await;
    for (locale, text) in [
        ("zh-Hans", "获取用户信息失败"),
        ("en", "Get third party user info failed"),
    ] {
        let r = app
            .call("loginByQQ")
            .client(json!({"uniPlatform": "app"}))
            .locale(locale)
            .params(json!({"accessToken": "at-dave"}))
            .send()
            .await;
        assert_eq!(
            r["errCode"], "uni-id-get-third-party-user-info-failed",
            "{r}"
        );
        assert_eq!(r["errMsg"], text);
    }
    assert_eq!(app.user_count().await, before);
    assert_eq!(app.log_rows("register", 0).await, 2);
    // The mini program's users get no QQ profile.
    let r = login_mp(&app, "grace-1").await;
    assert!(user(&app, &r).await.nickname.is_none());
}

async fn the_app_s_access_token_is_cached_until_it_expires(backend: Backend) {
    let (app, _) = app_with_qq(backend).await;
    let now = app.clock.now_ms();
    let key = |user: &str| format!("uni-id:qq-app:{APP_APPID}:app-{user}:user-access-token");
    // The SDK says when the token expires: kept until then (here 60 days, beyond the default).
    let expires = now + 60 * DAY_MS;
    let r = login_with(
        &app,
        "app",
        json!({"accessToken": "at-alice", "accessTokenExpired": expires}),
    )
    .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(
        cached(&app, &key("alice"), now + 45 * DAY_MS).await,
        Some(json!({"access_token": "at-alice", "access_token_expired": expires}))
    );
    assert_eq!(cached(&app, &key("alice"), expires + 1).await, None);
    // Not said: 30 days.
    login_app(&app, "at-bob").await;
    assert_eq!(
        cached(&app, &key("bob"), now + 29 * DAY_MS).await,
        Some(json!({"access_token": "at-bob"}))
    );
    assert_eq!(cached(&app, &key("bob"), now + 31 * DAY_MS).await, None);
    // Already past (a client's clock): 30 days too, the stated expiry kept with it.
    let past = now - 1000;
    login_with(
        &app,
        "app",
        json!({"accessToken": "at-carol", "accessTokenExpired": past}),
    )
    .await;
    assert_eq!(
        cached(&app, &key("carol"), now + 29 * DAY_MS).await,
        Some(json!({"access_token": "at-carol", "access_token_expired": past}))
    );
    // Sealed at rest: the token is not readable in the table.
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
    assert_eq!(raw.len(), 3);
    assert!(raw.iter().all(|v| !v.contains("at-")), "sealed at rest");
}

async fn the_unionid_joins_the_mini_program_and_the_app(backend: Backend) {
    let (app, _) = app_with_qq(backend).await;
    let mp = login_mp(&app, "alice-1").await;
    assert_eq!(mp["type"], "register");
    // The same QQ user in the app: another openid, the same unionid, the same account.
    let in_app = login_app(&app, "at-alice").await;
    assert_eq!(in_app["type"], "login", "{in_app}");
    assert_eq!(in_app["uid"], mp["uid"]);
    // The app's openid joined the account on that login.
    let ids = slots(&app, &mp).await;
    assert!(
        ids.contains(&format!(
            "qq.openid.app_{}=app-alice",
            crate::support::APP_ID
        )),
        "{ids:?}"
    );
    // Bob's mini program has no unionid: his app account is another one.
    let bob_mp = login_mp(&app, "bob-1").await;
    let bob_app = login_app(&app, "at-bob").await;
    assert_eq!(bob_app["type"], "register");
    assert_ne!(bob_app["uid"], bob_mp["uid"]);
    assert_eq!(app.user_count().await, 3);
}

async fn a_legacy_jsonp_answer_signs_in(backend: Backend) {
    let (app, fake) = app_with_qq(backend).await;
    let r = login_app(&app, "jsonp-erin").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["type"], "register");
    assert_eq!(user(&app, &r).await.nickname.as_deref(), Some("erin 企鹅"));
    assert!(
        slots(&app, &r)
            .await
            .contains(&"qq.unionid.=union-erin".to_string())
    );
    let again = login_app(&app, "jsonp-erin").await;
    assert_eq!(again["uid"], r["uid"]);
    assert_eq!(fake.count("me"), 2);
}

async fn qq_refusals_are_clean_in_both_languages_and_logged(backend: Backend) {
    let (app, fake) = app_with_qq(backend).await;
    let failures = [
        // APPID_NOT_MATCH: a real token, issued to another QQ app.
        ("app", json!({"accessToken": "other-alice"})),
        // `error`, as JSON and as the legacy JSONP.
        ("app", json!({"accessToken": "expired"})),
        ("app", json!({"accessToken": "jsonp-illegal"})),
        // `ret`.
        ("app", json!({"accessToken": "blocked"})),
        // Not JSON; a server error.
        ("app", json!({"accessToken": "garbage"})),
        ("app", json!({"accessToken": "down"})),
        // The mini program's `errcode`, and garbage there.
        ("mp-qq", json!({"code": "bad"})),
        ("mp-qq", json!({"code": "garbage"})),
    ];
    for (platform, params) in &failures {
        for (locale, text) in [
            ("zh-Hans", "获取第三方账号失败"),
            ("en", "Get third party account failed"),
        ] {
            let r = app
                .call("loginByQQ")
                .client(json!({"uniPlatform": platform}))
                .locale(locale)
                .params(params.clone())
                .send()
                .await;
            assert_eq!(
                r["errCode"], "uni-id-get-third-party-account-failed",
                "{params}: {r}"
            );
            assert_eq!(r["errMsg"], text, "{params}");
            assert!(r.get("newToken").is_none());
        }
    }
    assert_eq!(app.user_count().await, 0, "no account is made");
    assert_eq!(
        app.log_rows("login", 0).await,
        2 * failures.len() as i64,
        "a failed login row each"
    );
    assert_eq!(app.log_rows("register", 1).await, 0);
    // No profile is asked for a token QQ did not vouch for.
    assert_eq!(fake.count("get_user_info"), 0);
    // The same token issued to this app signs in.
    assert_eq!(login_app(&app, "at-alice").await["type"], "register");
}

async fn parameters_are_checked_per_platform(backend: Backend) {
    let (app, fake) = app_with_qq(backend).await;
    // Wrong types are the validator's.
    for (platform, params) in [
        ("mp-qq", json!({"code": 12})),
        ("app", json!({"accessToken": true})),
        (
            "app",
            json!({"accessToken": "at-alice", "accessTokenExpired": "tomorrow"}),
        ),
        ("mp-qq", json!({"code": "alice-1", "inviteCode": 7})),
    ] {
        let r = login_with(&app, platform, params.clone()).await;
        assert_eq!(r["errCode"], "uni-id-invalid-param", "{params}: {r}");
    }
    // Each platform names the proof it needs: the mini program's code, the app's token.
    let r = login_with(&app, "mp-qq", json!({"accessToken": "at-alice"})).await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    assert_eq!(r["errMsg"], "缺少参数: code");
    let r = app
        .call("loginByQQ")
        .client(json!({"uniPlatform": "app"}))
        .locale("en")
        .params(json!({"code": "alice-1"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    assert_eq!(r["errMsg"], "Parameter required: accessToken");
    // A blank one is missing too.
    let r = login_with(&app, "app", json!({"accessToken": "  "})).await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    // Platforms without QQ sign-in.
    for platform in ["web", "h5", "mp-weixin"] {
        let r = login_with(&app, platform, json!({"code": "alice-1"})).await;
        assert_eq!(r["errCode"], "uni-id-invalid-param", "{platform}: {r}");
    }
    // app-android is the app.
    let r = login_with(&app, "app-android", json!({"accessToken": "at-alice"})).await;
    assert_eq!(r["type"], "register", "{r}");
    // None of the refused calls reached QQ.
    assert_eq!(fake.count("jscode2session"), 0);
    assert_eq!(fake.count("me"), 1);
    assert_eq!(app.user_count().await, 1);
}

async fn a_silent_qq_times_out(backend: Backend) {
    let (app, _) = app_with_qq(backend).await;
    for (platform, params) in [
        ("app", json!({"accessToken": "slow"})),
        ("mp-qq", json!({"code": "slow"})),
    ] {
        let started = std::time::Instant::now();
        let r = login_with(&app, platform, params).await;
        assert_eq!(
            r["errCode"], "uni-id-get-third-party-account-failed",
            "{platform}: {r}"
        );
        assert!(
            started.elapsed() < Duration::from_millis(2900),
            "{platform}: gave up at timeoutSecs"
        );
    }
    assert_eq!(app.user_count().await, 0);
    assert_eq!(app.log_rows("login", 0).await, 2);
}

async fn concurrent_first_logins_make_one_user(backend: Backend) {
    let (app, _) = app_with_qq(backend).await;
    let app = Arc::new(app);
    // In the mini program, and in an app (each request fetching the profile and storing an
    // avatar before one of them registers).
    for (platform, proof) in [("mp-qq", "code"), ("app", "accessToken")] {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let app = app.clone();
            let value = if platform == "app" {
                "at-henry".to_string()
            } else {
                format!("alice-{i}")
            };
            tasks.push(tokio::spawn(async move {
                login_with(&app, platform, json!({ proof: value })).await
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
        assert_eq!(uids.len(), 1, "{platform}: one account: {uids:?}");
        assert_eq!(registered, 1, "{platform}");
    }
    assert_eq!(app.user_count().await, 2);
    // The avatars stored by the requests that lost the race are gone.
    assert_eq!(avatar_files(&app), 1);
}

async fn bind_and_unbind_keep_uni_id_s_rules(backend: Backend) {
    let (app, _) = app_with_qq(backend).await;
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
    let quinn_login = app.login("quinn", "Secret-Pass-123").await;
    let (quinn, quinn_uid) = (token_of(&quinn_login), quinn_login["uid"].clone());
    assert_eq!(app.account_info(&paula).await["isQQBound"], false);
    let bind = |token: String, platform: &'static str, params: Value| {
        let app = &app;
        async move {
            app.call("bindQQ")
                .client(json!({"uniPlatform": platform}))
                .token(&token)
                .params(params)
                .send()
                .await
        }
    };
    let r = bind(paula.clone(), "app", json!({"accessToken": "at-alice"})).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(app.account_info(&paula).await["isQQBound"], true);
    // The QQ account now signs in to Paula's account, in the app and (by its unionid) in the
    // mini program, without a profile fetch.
    let r = login_app(&app, "at-alice").await;
    assert_eq!(r["type"], "login", "{r}");
    let paula_uid = r["uid"].clone();
    let r = login_mp(&app, "alice-1").await;
    assert_eq!(r["uid"], paula_uid, "{r}");
    // Quinn cannot take it; Paula cannot bind it twice.
    let r = bind(quinn.clone(), "app", json!({"accessToken": "at-alice"})).await;
    assert_eq!(r["errCode"], "uni-id-bind-conflict", "{r}");
    assert_eq!(r["errMsg"], "此账号已被绑定");
    let r = bind(paula.clone(), "mp-qq", json!({"code": "alice-2"})).await;
    assert_eq!(r["errCode"], "uni-id-bind-conflict", "{r}");
    // A token QQ refuses: uni-id's error and a failed row.
    let r = bind(quinn.clone(), "app", json!({"accessToken": "other-quinn"})).await;
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed", "{r}");
    assert_eq!(app.log_rows("bind-qq", 0).await, 3);
    assert_eq!(app.log_rows("bind-qq", 1).await, 1);
    // Missing proof, and a signed-out caller.
    let r = bind(quinn.clone(), "mp-qq", json!({})).await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    let r = app
        .call("bindQQ")
        .client(json!({"uniPlatform": "app"}))
        .params(json!({"accessToken": "at-zoe"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed", "{r}");
    // Unbinding: Paula keeps her password, so QQ may go.
    let unbind = |token: String| {
        let app = &app;
        async move { app.call("unbindQQ").token(&token).send().await }
    };
    assert_eq!(unbind(paula.clone()).await["errCode"], 0);
    assert_eq!(app.account_info(&paula).await["isQQBound"], false);
    assert_eq!(
        unbind(paula.clone()).await["errCode"],
        "uni-id-unbind-failed"
    );
    // Now Quinn can bind it, in the mini program.
    let r = bind(quinn.clone(), "mp-qq", json!({"code": "alice-3"})).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(app.account_info(&quinn).await["isQQBound"], true);
    assert_eq!(login_mp(&app, "alice-4").await["uid"], quinn_uid);
    assert_eq!(login_app(&app, "at-alice").await["uid"], quinn_uid);
    // A QQ-only account may not remove its only way in.
    let only = login_mp(&app, "erin-1").await;
    let r = unbind(token_of(&only)).await;
    assert_eq!(r["errCode"], "uni-id-unbind-mobile-not-exists", "{r}");
    assert_eq!(
        r["errMsg"],
        "这是当前唯一登录方式，请绑定手机号后再尝试解绑"
    );
    assert_eq!(app.account_info(&token_of(&only)).await["isQQBound"], true);
    assert_eq!(app.log_rows("unbind-qq", 0).await, 2);
    assert_eq!(app.log_rows("unbind-qq", 1).await, 1);
    // Without a token: uni-id's token error.
    let r = app.call("unbindQQ").send().await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed");
}

/// Whether `getSupportedLoginType` lists `qq` on `platform`.
async fn supported(app: &TestApp, platform: &str) -> bool {
    let r = app
        .call("getSupportedLoginType")
        .client(json!({"uniPlatform": platform}))
        .send()
        .await;
    r["supportedLoginType"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .any(|t| t == "qq")
}

async fn login_types_and_missing_credentials_follow_the_config(backend: Backend) {
    let (app, _) = app_with_qq(backend).await;
    assert!(supported(&app, "mp-qq").await);
    assert!(supported(&app, "app").await);
    assert!(!supported(&app, "web").await);
    assert!(!supported(&app, "mp-weixin").await);
    // Without any QQ credentials: not offered, and uni-id's error naming the key.
    let bare = TestApp::builder(backend).without_test_mode().start().await;
    assert!(!supported(&bare, "mp-qq").await);
    assert!(!supported(&bare, "app").await);
    let r = login_mp(&bare, "alice-1").await;
    assert_eq!(r["errCode"], "uni-id-config-field-required", "{r}");
    assert_eq!(r["errMsg"], "缺少配置项: mp-qq.oauth.qq.appid");
    let r = bare
        .call("loginByQQ")
        .client(json!({"uniPlatform": "app"}))
        .locale("en")
        .params(json!({"accessToken": "at-alice"}))
        .send()
        .await;
    assert_eq!(
        r["errMsg"], "Config field required: app.oauth.qq.appid",
        "{r}"
    );
    // An appid without its secret: not offered either, the secret named.
    let half = TestApp::builder(backend)
        .without_test_mode()
        .config("[app.oauth.qq]\nappid = \"101000002\"\n")
        .start()
        .await;
    assert!(!supported(&half, "app").await);
    let r = login_app(&half, "at-alice").await;
    assert_eq!(r["errMsg"], "缺少配置项: app.oauth.qq.appsecret", "{r}");
    assert_eq!(half.user_count().await, 0);
}

async fn the_plugin_section_is_checked_and_can_turn_qq_off(backend: Backend) {
    use unid_core::config::Config;
    // A bad section stops start-up, naming the key.
    for (section, key) in [
        (
            "[plugins.qq]\nendpiont = \"https://graph.qq.com\"",
            "endpiont",
        ),
        (
            "[plugins.qq]\nmpEndpoint = \"api.q.qq.com\"",
            "plugins.qq.mpEndpoint",
        ),
        (
            "[plugins.qq]\ntimeoutSecs = \"five\"",
            "plugins.qq.timeoutSecs",
        ),
    ] {
        let config = Config::from_toml_str(section, "test").unwrap();
        let err = unid::plugins::build(&config).err().expect(section);
        assert!(
            err.contains("plugin qq") && err.contains(key),
            "{section}: {err}"
        );
    }
    // Turned off: no QQ methods, not offered even with credentials.
    let fake = Arc::new(Fake::default());
    let base = serve_qq(fake.clone()).await;
    let off = TestApp::builder(backend)
        .without_test_mode()
        .config(&qq_config(&base).replace("[plugins.qq]", "[plugins.qq]\nenabled = false"))
        .start()
        .await;
    let r = login_mp(&off, "alice-1").await;
    assert_eq!(r["errCode"], "uni-id-unsupported-request", "{r}");
    assert!(!supported(&off, "mp-qq").await);
    assert_eq!(fake.count("jscode2session"), 0);
}
