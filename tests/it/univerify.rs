//! The univerify plugin (issue 3): loginByUniverify and bindMobileByUniverify through both
//! backends — a URL-ized uniCloud function and Aliyun's GetMobile — each against a local fake
//! that checks the request's signature on its own, as the real service would.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::web::{self, Form, Json, Query};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use unid_core::db::models::{logs, users};
use unid_core::outbound::aliyun_rpc;

use crate::support::cases::Case;
use crate::support::{Backend, TestApp, token_of};
use crate::{cases, once};

pub fn cases() -> Vec<Case> {
    [
        cases![
            unicloud_registers_a_new_number_then_logs_it_in,
            aliyun_registers_a_new_number_then_logs_it_in,
            documented_unicloud_answer_shapes_are_accepted,
            bind_mobile_by_univerify_binds_and_refuses_taken_numbers,
            a_provider_error_is_get_third_party_account_failed_and_a_failed_log_row,
            a_provider_timeout_is_the_same_error_and_the_server_stays_healthy,
            a_wrong_shared_secret_is_refused_by_the_provider,
            univerify_login_type_is_reported_only_when_configured,
            missing_params_are_param_required_before_any_exchange,
        ],
        once![a_univerify_section_without_a_backend_stops_start_up],
    ]
    .concat()
}

// ---- the fakes' accounts ---------------------------------------------------------------------

/// The sample `authResult` of the univerify documents (base64 with `=` padding).
const ALICE_TOKEN: &str = "ZGI4NjkxZWE4YjAyNGUzMjhiMmZiNDcwODBjYjc5MDF8fDJ8djJ8Mg==";
const ALICE_OPENID: &str = "208E2FBE6EF64DF3B2D377D886EF2A14124262bfd7ae16465ea0f0634554dcee7636";
const ALICE_MOBILE: &str = "13800138000";
/// `+` and `/` must reach the function as themselves, not as a space.
const BOB_TOKEN: &str = "Ym9i+dG9r/ZW4==";
const BOB_OPENID: &str = "oid-bob";
const BOB_MOBILE: &str = "13900139000";
const NESTED_TOKEN: &str = "tok-nested";
const NESTED_OPENID: &str = "oid-nested";
const NESTED_MOBILE: &str = "13700137000";
/// Answered with code 5000 of the univerify error table.
const EXPIRED_TOKEN: &str = "tok-expired";
/// Answered after [`SLOW_SECS`].
const SLOW_TOKEN: &str = "tok-slow";
const SLOW_SECS: u64 = 4;

const SHARED_SECRET: &str = "your-secret-string-for-tests";

const ALIYUN_KEY_ID: &str = "LTAI-univerify-test";
const ALIYUN_SECRET: &str = "aliyun-secret-Xy7";
const CAROL_ALIYUN_TOKEN: &str = "Dfafdafad5422+carol/=";
const CAROL_MOBILE: &str = "13600136000";
const REFUSED_ALIYUN_TOKEN: &str = "Dfafdafad5422-refused";

/// What a fake saw.
#[derive(Default)]
struct Seen {
    /// Requests whose signature checked out.
    signed: AtomicUsize,
    /// Requests refused for their signature or shape.
    refused: AtomicUsize,
}

impl Seen {
    fn signed(&self) -> usize {
        self.signed.load(Ordering::SeqCst)
    }
    fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }
}

// ---- uniCloud: the URL-ized cloud function of the documents' self-hosted example -------------

/// The documents' cloud function, checked independently: take the query parameters, drop
/// `sign`, sort by name, join `key=value` with `&`, HMAC-SHA256 with the shared secret, hex;
/// a mismatch is the function's `throw new Error('非法访问')`. Then `getPhoneNumber`'s result.
async fn unicloud_function(secret: &'static str) -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let stats = seen.clone();
    let handler = move |query: Query<Vec<(String, String)>>| {
        let query = query.into_inner();
        let seen = stats.clone();
        async move {
            let refuse = || {
                seen.refused.fetch_add(1, Ordering::SeqCst);
                (
                    Json(json!({"message": "非法访问"})),
                    StatusCode::INTERNAL_SERVER_ERROR,
                )
            };
            let sign = query
                .iter()
                .find(|(k, _)| k == "sign")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let mut params: Vec<(String, String)> =
                query.into_iter().filter(|(k, _)| k != "sign").collect();
            params.sort();
            let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
            if names != ["access_token", "openid"] {
                return refuse();
            }
            let text = params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&");
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(text.as_bytes());
            if sign != hex::encode(mac.finalize().into_bytes()) {
                return refuse();
            }
            seen.signed.fetch_add(1, Ordering::SeqCst);
            let (token, openid) = (params[0].1.as_str(), params[1].1.as_str());
            let answer = match (token, openid) {
                (ALICE_TOKEN, ALICE_OPENID) => {
                    json!({"code": 0, "message": "", "phoneNumber": ALICE_MOBILE})
                }
                (BOB_TOKEN, BOB_OPENID) => {
                    json!({"code": 0, "success": true, "phoneNumber": BOB_MOBILE})
                }
                // The "Return res data" shape of the documents: a uni.request envelope.
                (NESTED_TOKEN, NESTED_OPENID) => json!({
                    "data": {"code": 0, "success": true, "phoneNumber": NESTED_MOBILE},
                    "statusCode": 200,
                    "header": {"Content-Type": "application/json; charset=utf-8"},
                    "errMsg": "request:ok"
                }),
                (EXPIRED_TOKEN, _) => {
                    json!({"code": 5000, "message": "取号失败，请检查SIM卡是否停机欠费；token是否过期"})
                }
                (SLOW_TOKEN, _) => {
                    tokio::time::sleep(Duration::from_secs(SLOW_SECS)).await;
                    json!({"code": 0, "message": "", "phoneNumber": "13500135000"})
                }
                _ => json!({"code": 4001, "message": "请求参数异常"}),
            };
            (Json(answer), StatusCode::OK)
        }
    };
    let base = crate::support::serve_fake(move |cfg| {
        cfg.route("/univerify", web::get().to(handler.clone()));
    });
    (format!("{base}/univerify"), seen)
}

fn unicloud_config(url: &str, secret: &str, timeout_secs: u64) -> String {
    format!(
        "[plugins.univerify]\nbackend = \"unicloud\"\n[plugins.univerify.unicloud]\nurl = \"{url}\"\nsecret = \"{secret}\"\ntimeoutSecs = {timeout_secs}\n"
    )
}

/// An app (outside test mode: one-click login never depends on it) using a uniCloud function
/// that shares [`SHARED_SECRET`].
async fn unicloud_app(backend: Backend) -> (TestApp, Arc<Seen>) {
    let (url, seen) = unicloud_function(SHARED_SECRET).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&unicloud_config(&url, SHARED_SECRET, 2))
        .start()
        .await;
    (app, seen)
}

// ---- Aliyun: Dypnsapi GetMobile ---------------------------------------------------------------

/// `aliyun_rpc::signature` against a vector computed independently with Python
/// (`urllib.parse.quote(s, safe='-_.~')`, `hmac`, `hashlib.sha1`, `base64`), so the fake below
/// may use it to check requests.
fn aliyun_signature_matches_an_independent_vector() {
    let params: Vec<(String, String)> = [
        ("AccessKeyId", "testId"),
        ("Action", "GetMobile"),
        ("AccessToken", "Dfafdafad5422+/="),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2024-03-01T08:00:00Z"),
        ("Version", "2017-05-25"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(
        aliyun_rpc::signature("testSecret", "POST", &params),
        "h9V/erRFkeQwJaHL4F9vYx38eGE="
    );
}

/// Aliyun's RPC gateway and GetMobile, as far as unid relies on them: the common parameters,
/// the signature over the decoded form body, then the number for a known token.
async fn aliyun_dypnsapi() -> (String, Arc<Seen>) {
    aliyun_signature_matches_an_independent_vector();
    let seen = Arc::new(Seen::default());
    let stats = seen.clone();
    let handler = move |params: Form<Vec<(String, String)>>| {
        let params = params.into_inner();
        let seen = stats.clone();
        async move {
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or_default()
            };
            let refuse = |code: &str, message: &str| {
                seen.refused.fetch_add(1, Ordering::SeqCst);
                (
                    Json(json!({"Code": code, "Message": message, "RequestId": "fake"})),
                    StatusCode::BAD_REQUEST,
                )
            };
            for (name, value) in [
                ("Action", "GetMobile"),
                ("Version", "2017-05-25"),
                ("Format", "JSON"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
                ("AccessKeyId", ALIYUN_KEY_ID),
            ] {
                if get(name) != value {
                    return refuse("MissingParameter", name);
                }
            }
            let ts = get("Timestamp");
            if ts.len() != 20 || !ts.ends_with('Z') || get("SignatureNonce").is_empty() {
                return refuse("InvalidTimeStamp.Format", ts);
            }
            if get("Signature") != aliyun_rpc::signature(ALIYUN_SECRET, "POST", &params) {
                return refuse(
                    "SignatureDoesNotMatch",
                    "Specified signature is not matched with our calculation. server string to sign is:POST&%2F&…",
                );
            }
            seen.signed.fetch_add(1, Ordering::SeqCst);
            let answer = match get("AccessToken") {
                CAROL_ALIYUN_TOKEN => json!({
                    "Code": "OK", "Message": "请求成功", "RequestId": "8906582E-6722",
                    "GetMobileResultDTO": {"Mobile": CAROL_MOBILE}
                }),
                _ => json!({"Code": "isv.UNKNOWN", "Message": "未知异常", "RequestId": "fake"}),
            };
            (Json(answer), StatusCode::OK)
        }
    };
    let base = crate::support::serve_fake(move |cfg| {
        cfg.route("/", web::post().to(handler.clone()));
    });
    (format!("{base}/"), seen)
}

fn aliyun_config(endpoint: &str, secret: &str) -> String {
    format!(
        "[plugins.univerify]\nbackend = \"aliyun\"\n[plugins.univerify.aliyun]\naccessKeyId = \"{ALIYUN_KEY_ID}\"\naccessKeySecret = \"{secret}\"\nendpoint = \"{endpoint}\"\ntimeoutSecs = 2\n"
    )
}

// ---- helpers --------------------------------------------------------------------------------

async fn login(app: &TestApp, token: &str, openid: &str) -> Value {
    app.call("loginByUniverify")
        .params(json!({"access_token": token, "openid": openid}))
        .send()
        .await
}

async fn user_of(app: &TestApp, uid: &Value) -> users::UserRow {
    let uid = uid.as_str().unwrap().to_string();
    app.db(move |conn| Ok(users::find_by_id(conn, &uid)?.unwrap()))
        .await
}

async fn latest_log(app: &TestApp) -> logs::LogRow {
    app.db(|conn| Ok(logs::latest(conn, 1)?)).await.remove(0)
}

fn assert_third_party_failure(r: &Value) {
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed", "{r}");
    // The provider's code and reason stay in the server log.
    assert_eq!(
        r.as_object().unwrap().len(),
        2,
        "nothing else is answered: {r}"
    );
}

// ---- cases ----------------------------------------------------------------------------------

async fn unicloud_registers_a_new_number_then_logs_it_in(backend: Backend) {
    let (app, seen) = unicloud_app(backend).await;
    // A `mobile` from the client is ignored: the number only comes from the exchange.
    let first = app
        .call("loginByUniverify")
        .params(
            json!({"access_token": ALICE_TOKEN, "openid": ALICE_OPENID, "mobile": "13111111111"}),
        )
        .send()
        .await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    assert_eq!(first["passwordConfirmed"], false);
    assert!(first["newToken"]["tokenExpired"].as_i64().unwrap() > 0);
    let user = user_of(&app, &first["uid"]).await;
    assert_eq!(user.mobile.as_deref(), Some("+8613800138000"));
    assert_eq!(user.mobile_confirmed, 1);
    let info = app
        .call("getAccountInfo")
        .token(&token_of(&first))
        .send()
        .await;
    assert_eq!(info["isMobileBound"], true, "{info}");
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("register", 1));
    assert_eq!(log.mobile.as_deref(), Some("+8613800138000"));

    let second = login(&app, ALICE_TOKEN, ALICE_OPENID).await;
    assert_eq!(second["errCode"], 0, "{second}");
    assert_eq!(second["type"], "login");
    assert_eq!(second["uid"], first["uid"]);
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("login", 1));
    assert_eq!(
        log.user_id.as_ref(),
        first["uid"].as_str().map(str::to_string).as_ref()
    );

    // inviteCode reaches registration: an unknown one refuses it.
    let r = app
        .call("loginByUniverify")
        .params(json!({"access_token": BOB_TOKEN, "openid": BOB_OPENID, "inviteCode": "NOSUCH"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-invite-code", "{r}");
    // A token with `+`, `/` and `=` arrives intact and signed; another number, another account.
    let bob = login(&app, BOB_TOKEN, BOB_OPENID).await;
    assert_eq!(bob["errCode"], 0, "{bob}");
    assert_eq!(bob["type"], "register");
    assert_ne!(bob["uid"], first["uid"]);
    let user = user_of(&app, &bob["uid"]).await;
    assert_eq!(user.mobile.as_deref(), Some("+8613900139000"));
    assert_eq!((seen.signed(), seen.refused()), (4, 0));
}

async fn aliyun_registers_a_new_number_then_logs_it_in(backend: Backend) {
    let (url, seen) = aliyun_dypnsapi().await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&aliyun_config(&url, ALIYUN_SECRET))
        .start()
        .await;
    let first = login(&app, CAROL_ALIYUN_TOKEN, "any-openid").await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    let user = user_of(&app, &first["uid"]).await;
    assert_eq!(user.mobile.as_deref(), Some("+8613600136000"));
    assert_eq!(user.mobile_confirmed, 1);
    let second = login(&app, CAROL_ALIYUN_TOKEN, "any-openid").await;
    assert_eq!(second["errCode"], 0, "{second}");
    assert_eq!(second["type"], "login");
    assert_eq!(second["uid"], first["uid"]);
    assert_eq!((seen.signed(), seen.refused()), (2, 0));
}

async fn documented_unicloud_answer_shapes_are_accepted(backend: Backend) {
    let (app, _) = unicloud_app(backend).await;
    // `{"code":0,"message":"","phoneNumber":…}`, `{…,"success":true,…}` and the uni.request
    // envelope `{"data":{…},"statusCode":200,…}` all give the number.
    for (token, openid, mobile) in [
        (ALICE_TOKEN, ALICE_OPENID, "+8613800138000"),
        (BOB_TOKEN, BOB_OPENID, "+8613900139000"),
        (NESTED_TOKEN, NESTED_OPENID, "+8613700137000"),
    ] {
        let r = login(&app, token, openid).await;
        assert_eq!(r["errCode"], 0, "{token}: {r}");
        assert_eq!(
            user_of(&app, &r["uid"]).await.mobile.as_deref(),
            Some(mobile)
        );
    }
}

async fn bind_mobile_by_univerify_binds_and_refuses_taken_numbers(backend: Backend) {
    let (url, seen) = unicloud_function(SHARED_SECRET).await;
    // Test mode only for the password-account fixtures (their captcha); univerify ignores it.
    let app = TestApp::builder(backend)
        .config(&unicloud_config(&url, SHARED_SECRET, 2))
        .start()
        .await;
    let bind = |token: String, access_token: &'static str, openid: &'static str| {
        let app = &app;
        async move {
            app.call("bindMobileByUniverify")
                .token(&token)
                .params(json!({"openid": openid, "access_token": access_token}))
                .send()
                .await
        }
    };
    let alice = app.user_token("alice").await;
    let r = bind(alice.clone(), ALICE_TOKEN, ALICE_OPENID).await;
    assert_eq!(r["errCode"], 0, "{r}");
    let info = app.call("getAccountInfo").token(&alice).send().await;
    assert_eq!(info["isMobileBound"], true, "{info}");
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("bind-mobile", 1));
    assert_eq!(log.mobile.as_deref(), Some("+8613800138000"));
    // Alice can now log in with the number and her password, or by one-click login.
    let r = app
        .call("login")
        .params(json!({"mobile": ALICE_MOBILE, "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let one_click = login(&app, ALICE_TOKEN, ALICE_OPENID).await;
    assert_eq!(one_click["type"], "login", "{one_click}");
    assert_eq!(one_click["uid"], r["uid"]);

    // Taken: by Alice herself, and for Bob.
    let r = bind(alice.clone(), ALICE_TOKEN, ALICE_OPENID).await;
    assert_eq!(r["errCode"], "uni-id-bind-conflict", "{r}");
    assert_eq!(r["errMsg"], "此账号已被绑定");
    let bob = app.user_token("bob").await;
    let r = bind(bob.clone(), ALICE_TOKEN, ALICE_OPENID).await;
    assert_eq!(r["errCode"], "uni-id-bind-conflict", "{r}");
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("bind-mobile", 0));
    // Bob's own number binds.
    let r = bind(bob.clone(), BOB_TOKEN, BOB_OPENID).await;
    assert_eq!(r["errCode"], 0, "{r}");
    // A failed exchange is the provider error, logged as a failed bind.
    let r = bind(bob, EXPIRED_TOKEN, "oid").await;
    assert_third_party_failure(&r);
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("bind-mobile", 0));
    // It needs a token; no exchange happens without one.
    let before = seen.signed();
    let r = app
        .call("bindMobileByUniverify")
        .params(json!({"openid": ALICE_OPENID, "access_token": ALICE_TOKEN}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed", "{r}");
    assert_eq!(seen.signed(), before);
}

async fn a_provider_error_is_get_third_party_account_failed_and_a_failed_log_row(backend: Backend) {
    let (app, seen) = unicloud_app(backend).await;
    let r = login(&app, EXPIRED_TOKEN, "oid-expired").await;
    assert_third_party_failure(&r);
    assert_eq!(r["errMsg"], "获取第三方账号失败");
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("login", 0));
    assert_eq!((log.mobile, log.user_id), (None, None));
    let r = app
        .call("loginByUniverify")
        .locale("en")
        .params(json!({"access_token": "unknown", "openid": "unknown"}))
        .send()
        .await;
    assert_third_party_failure(&r);
    assert_eq!(r["errMsg"], "Get third party account failed");
    assert_eq!(seen.signed(), 2, "the function was asked both times");
    // No account was created by the failures.
    let registered = app
        .db(|conn| Ok(logs::latest(conn, 10)?))
        .await
        .into_iter()
        .filter(|l| l.type_ == "register")
        .count();
    assert_eq!(registered, 0);

    // Aliyun's business refusal is the same error.
    let (url, seen) = aliyun_dypnsapi().await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&aliyun_config(&url, ALIYUN_SECRET))
        .start()
        .await;
    let r = login(&app, REFUSED_ALIYUN_TOKEN, "oid").await;
    assert_third_party_failure(&r);
    assert_eq!(seen.signed(), 1);
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("login", 0));
}

async fn a_provider_timeout_is_the_same_error_and_the_server_stays_healthy(backend: Backend) {
    let (url, _) = unicloud_function(SHARED_SECRET).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&unicloud_config(&url, SHARED_SECRET, 1))
        .start()
        .await;
    let started = Instant::now();
    let slow = login(&app, SLOW_TOKEN, "oid-slow");
    // Other requests are served while one waits on the provider.
    let (slow, meanwhile) = tokio::join!(slow, login(&app, ALICE_TOKEN, ALICE_OPENID));
    assert_third_party_failure(&slow);
    assert!(
        started.elapsed() < Duration::from_secs(SLOW_SECS - 1),
        "gave up after timeoutSecs, took {:?}",
        started.elapsed()
    );
    assert_eq!(meanwhile["errCode"], 0, "{meanwhile}");
    let r = login(&app, ALICE_TOKEN, ALICE_OPENID).await;
    assert_eq!(r["type"], "login", "{r}");
    let live = app
        .raw(reqwest::Method::GET, "/health/ready")
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);

    // Nothing listening at all: the same error, not a hang or a 500.
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&unicloud_config(
            "http://127.0.0.1:9/univerify",
            SHARED_SECRET,
            1,
        ))
        .start()
        .await;
    assert_third_party_failure(&login(&app, ALICE_TOKEN, ALICE_OPENID).await);
}

async fn a_wrong_shared_secret_is_refused_by_the_provider(backend: Backend) {
    let (url, seen) = unicloud_function(SHARED_SECRET).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&unicloud_config(&url, "not-the-shared-secret", 2))
        .start()
        .await;
    let r = login(&app, ALICE_TOKEN, ALICE_OPENID).await;
    assert_third_party_failure(&r);
    assert_eq!((seen.signed(), seen.refused()), (0, 1));

    let (url, seen) = aliyun_dypnsapi().await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&aliyun_config(&url, "not-the-access-key-secret"))
        .start()
        .await;
    let r = login(&app, CAROL_ALIYUN_TOKEN, "oid").await;
    assert_third_party_failure(&r);
    assert_eq!((seen.signed(), seen.refused()), (0, 1));
}

async fn univerify_login_type_is_reported_only_when_configured(backend: Backend) {
    let types = |r: Value| r["supportedLoginType"].as_array().unwrap().clone();
    let (app, _) = unicloud_app(backend).await;
    let r = app.call("getSupportedLoginType").send().await;
    assert!(types(r.clone()).contains(&json!("univerify")), "{r}");
    let (url, _) = aliyun_dypnsapi().await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&aliyun_config(&url, ALIYUN_SECRET))
        .start()
        .await;
    let r = app.call("getSupportedLoginType").send().await;
    assert!(types(r.clone()).contains(&json!("univerify")), "{r}");

    // Not configured: no login type, and no methods.
    let app = TestApp::start(backend).await;
    let r = app.call("getSupportedLoginType").send().await;
    assert!(!types(r.clone()).contains(&json!("univerify")), "{r}");
    let r = login(&app, ALICE_TOKEN, ALICE_OPENID).await;
    assert_eq!(r["errCode"], "uni-id-unsupported-request", "{r}");
}

async fn missing_params_are_param_required_before_any_exchange(backend: Backend) {
    let (app, seen) = unicloud_app(backend).await;
    let r = app.call("loginByUniverify").send().await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    assert_eq!(r["errMsg"], "缺少参数: access_token");
    let r = app
        .call("loginByUniverify")
        .locale("en")
        .params(json!({"access_token": ALICE_TOKEN}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    assert_eq!(r["errMsg"], "Parameter required: openid");
    let r = app
        .call("loginByUniverify")
        .params(json!({"access_token": 12, "openid": ALICE_OPENID}))
        .send()
        .await;
    assert_ne!(r["errCode"], 0, "{r}");

    let first = login(&app, ALICE_TOKEN, ALICE_OPENID).await;
    let token = token_of(&first);
    let r = app
        .call("bindMobileByUniverify")
        .token(&token)
        .params(json!({"access_token": ALICE_TOKEN}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    assert_eq!(r["errMsg"], "缺少参数: openid");
    assert_eq!(seen.signed() + seen.refused(), 1, "only the one real login");
}

async fn a_univerify_section_without_a_backend_stops_start_up(_backend: Backend) {
    for (toml, key) in [
        ("[plugins.univerify]\n", "plugins.univerify.backend"),
        (
            "testMode = true\n[plugins.univerify]\nenabled = true\n",
            "plugins.univerify.backend",
        ),
        (
            "[plugins.univerify]\nbackend = \"aliyun\"\n",
            "plugins.univerify.aliyun",
        ),
    ] {
        let config = unid_core::config::Config::from_toml_str(toml, "test").unwrap();
        let errors = unid::plugins::check(&config);
        assert!(
            errors
                .iter()
                .any(|(id, e)| *id == "univerify" && e.contains(key)),
            "{toml}: {errors:?}"
        );
        let started = unid::plugins::register(unid_core::HostBuilder::new(config.clone()), &config);
        let Err(e) = started else {
            panic!("{toml}: started")
        };
        assert!(e.contains(key), "{e}");
    }
}
