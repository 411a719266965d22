//! The sms plugin (issue 3): sendSmsCode, loginBySms, bindMobileBySms, resetPwdBySms, setPwd, and
//! the verification-code rules (single use, expiry, scene, attempt cap, send caps).

use std::sync::{Arc, Mutex};

use futures_util::future::join_all;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp, token_of};

pub fn cases() -> Vec<Case> {
    cases![
        send_then_login_registers_a_new_number_and_logs_a_known_one_in,
        send_sms_code_needs_a_captcha_a_scene_and_a_mainland_mobile,
        a_code_is_single_use_scene_bound_and_expires,
        two_concurrent_uses_of_one_code_let_one_through,
        five_wrong_guesses_void_a_code,
        sends_are_capped_per_number_and_scene_per_day_and_per_ip,
        bind_mobile_by_sms_binds_and_refuses_taken_numbers,
        reset_pwd_by_sms_sets_a_password_and_ends_sessions,
        set_pwd_gives_an_sms_account_a_password,
        mobile_code_login_type_is_reported,
        outside_test_mode_the_webhook_gateway_delivers_a_signed_code,
        a_failing_provider_is_a_clear_error,
        a_provider_that_does_not_answer_in_time_is_a_clear_error,
    ]
}

const MOBILE: &str = "13800138000";

/// A captcha for `send-sms-code`, then a code for `scene`.
async fn send(app: &TestApp, mobile: &str, scene: &str) -> Value {
    app.captcha("send-sms-code").await;
    app.call("sendSmsCode")
        .params(json!({"mobile": mobile, "scene": scene, "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await
}

async fn login_by_sms(app: &TestApp, mobile: &str, code: &str) -> Value {
    app.call("loginBySms")
        .params(json!({"mobile": mobile, "code": code}))
        .send()
        .await
}

async fn send_then_login_registers_a_new_number_and_logs_a_known_one_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = send(&app, MOBILE, "login-by-sms").await;
    assert_eq!(
        r["errCode"], "uni-id-invalid-sms-template-id",
        "test mode answers like uni-id: {r}"
    );
    assert!(r["errMsg"].as_str().unwrap().contains("login-by-sms"));
    assert!(r["errMsg"].as_str().unwrap().contains("123456"));
    let first = login_by_sms(&app, MOBILE, "123456").await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    assert_eq!(first["passwordConfirmed"], false);
    let info = app
        .call("getAccountInfo")
        .token(&token_of(&first))
        .send()
        .await;
    assert_eq!(info["isMobileBound"], true);

    app.advance_secs(61);
    send(&app, MOBILE, "login-by-sms").await;
    let second = login_by_sms(&app, MOBILE, "123456").await;
    assert_eq!(second["errCode"], 0, "{second}");
    assert_eq!(second["type"], "login");
    assert_eq!(second["uid"], first["uid"]);
    // The number is stored in E.164.
    let uid = first["uid"].as_str().unwrap().to_string();
    let user = app
        .db(move |conn| Ok(unid_core::db::models::users::find_by_id(conn, &uid)?.unwrap()))
        .await;
    assert_eq!(user.mobile.as_deref(), Some("+8613800138000"));
    assert_eq!(user.mobile_confirmed, 1);
}

async fn send_sms_code_needs_a_captcha_a_scene_and_a_mainland_mobile(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app
        .call("sendSmsCode")
        .params(json!({"mobile": MOBILE, "scene": "login-by-sms"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required");
    let r = app
        .call("sendSmsCode")
        .params(json!({"mobile": MOBILE, "scene": "login-by-sms", "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await;
    assert_eq!(
        r["errCode"], "uni-captcha-verify-fail",
        "no captcha was created: {r}"
    );
    // The captcha's scene is always send-sms-code, whatever the SMS scene.
    app.captcha("login-by-sms").await;
    let r = app
        .call("sendSmsCode")
        .params(json!({"mobile": MOBILE, "scene": "login-by-sms", "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-captcha-verify-fail");
    assert_eq!(
        send(&app, MOBILE, "no-such-scene").await["errCode"],
        "uni-id-invalid-param"
    );
    assert_eq!(
        send(&app, "12345", "login-by-sms").await["errCode"],
        "uni-id-invalid-mobile"
    );
    let r = app
        .call("sendSmsCode")
        .locale("en")
        .params(json!({"mobile": "23800138000", "scene": "login-by-sms", "captcha": "x"}))
        .send()
        .await;
    assert_eq!(r["errMsg"], "Invalid mobile phone number");
}

async fn a_code_is_single_use_scene_bound_and_expires(backend: Backend) {
    let app = TestApp::start(backend).await;
    send(&app, MOBILE, "reset-pwd-by-sms").await;
    let r = login_by_sms(&app, MOBILE, "123456").await;
    assert_eq!(
        r["errCode"], "uni-id-mobile-verify-code-error",
        "sent for another scene: {r}"
    );
    assert_eq!(r["errMsg"], "手机验证码错误或已过期");

    app.advance_secs(61);
    send(&app, MOBILE, "login-by-sms").await;
    assert_eq!(login_by_sms(&app, MOBILE, "123456").await["errCode"], 0);
    let reused = login_by_sms(&app, MOBILE, "123456").await;
    assert_eq!(reused["errCode"], "uni-id-mobile-verify-code-error");

    app.advance_secs(61);
    send(&app, MOBILE, "login-by-sms").await;
    app.advance_secs(181);
    let late = app
        .call("loginBySms")
        .locale("en")
        .params(json!({"mobile": MOBILE, "code": "123456", "captcha": "x"}))
        .send()
        .await;
    assert!(
        late["errCode"] == "uni-id-mobile-verify-code-error"
            || late["errCode"] == "uni-captcha-verify-fail",
        "{late}"
    );
}

async fn two_concurrent_uses_of_one_code_let_one_through(backend: Backend) {
    let app = TestApp::start(backend).await;
    send(&app, MOBILE, "login-by-sms").await;
    let answers = join_all((0..6).map(|_| login_by_sms(&app, MOBILE, "123456"))).await;
    let ok = answers.iter().filter(|r| r["errCode"] == 0).count();
    assert_eq!(ok, 1, "{answers:?}");
    // The others are refused: the code is used, or — once three failures are logged — the
    // captcha rule asks for a captcha first.
    assert!(
        answers.iter().all(|r| r["errCode"] == 0
            || r["errCode"] == "uni-id-mobile-verify-code-error"
            || r["errCode"] == "uni-id-captcha-required"),
        "{answers:?}"
    );
}

async fn five_wrong_guesses_void_a_code(backend: Backend) {
    let app = TestApp::start(backend).await;
    send(&app, MOBILE, "login-by-sms").await;
    for i in 0..5 {
        // Each failure is logged; after three the captcha rule applies, so bring one.
        app.captcha("login-by-sms").await;
        let r = app
            .call("loginBySms")
            .params(json!({"mobile": MOBILE, "code": format!("00000{i}"), "captcha": TEST_MODE_CAPTCHA}))
            .send()
            .await;
        assert_eq!(r["errCode"], "uni-id-mobile-verify-code-error", "{r}");
    }
    app.captcha("login-by-sms").await;
    let r = app
        .call("loginBySms")
        .params(json!({"mobile": MOBILE, "code": "123456", "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await;
    assert_eq!(
        r["errCode"], "uni-id-mobile-verify-code-error",
        "the right code no longer works: {r}"
    );
}

async fn sends_are_capped_per_number_and_scene_per_day_and_per_ip(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[codes]\nsendInterval = 60\nperTargetPerDay = 3\nperIpPerHour = 3")
        .start()
        .await;
    assert_eq!(
        send(&app, MOBILE, "login-by-sms").await["errCode"],
        "uni-id-invalid-sms-template-id"
    );
    let r = send(&app, MOBILE, "login-by-sms").await;
    assert_eq!(r["errCode"], "unid-code-send-limit");
    assert_eq!(r["errMsg"], "发送过于频繁，请稍后再试");
    // Another scene is its own interval, but counts toward the day.
    assert_eq!(
        send(&app, MOBILE, "reset-pwd-by-sms").await["errCode"],
        "uni-id-invalid-sms-template-id"
    );
    app.advance_secs(61);
    assert_eq!(
        send(&app, MOBILE, "login-by-sms").await["errCode"],
        "uni-id-invalid-sms-template-id"
    );
    app.advance_secs(61);
    assert_eq!(
        send(&app, MOBILE, "login-by-sms").await["errCode"],
        "unid-code-send-limit",
        "3 per day"
    );
    // Another number from the same IP: this IP has sent 3 codes this hour (refused requests do
    // not count as sends), so the IP cap of 3 applies.
    let r = send(&app, "13900139000", "login-by-sms").await;
    assert_eq!(r["errCode"], "unid-code-send-limit", "{r}");
    app.advance_secs(3600);
    assert_eq!(
        send(&app, "13900139000", "login-by-sms").await["errCode"],
        "uni-id-invalid-sms-template-id"
    );
}

async fn bind_mobile_by_sms_binds_and_refuses_taken_numbers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let alice = app.user_token("alice").await;
    let bind = |token: String, code: &'static str| {
        let app = &app;
        async move {
            app.call("bindMobileBySms")
                .token(&token)
                .params(json!({"mobile": MOBILE, "code": code}))
                .send()
                .await
        }
    };
    assert_eq!(
        bind(alice.clone(), "123456").await["errCode"],
        "uni-id-mobile-verify-code-error"
    );
    send(&app, MOBILE, "bind-mobile-by-sms").await;
    assert_eq!(bind(alice.clone(), "123456").await["errCode"], 0);
    let info = app.call("getAccountInfo").token(&alice).send().await;
    assert_eq!(info["isMobileBound"], true);
    // Alice can now log in with the number and her password.
    let r = app
        .call("login")
        .params(json!({"mobile": MOBILE, "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    // Taken: by Alice herself, and for Bob.
    app.advance_secs(61);
    send(&app, MOBILE, "bind-mobile-by-sms").await;
    let r = bind(alice.clone(), "123456").await;
    assert_eq!(r["errCode"], "uni-id-bind-conflict");
    assert_eq!(r["errMsg"], "此账号已被绑定");
    let bob = app.user_token("bob").await;
    app.advance_secs(61);
    send(&app, MOBILE, "bind-mobile-by-sms").await;
    assert_eq!(bind(bob, "123456").await["errCode"], "uni-id-bind-conflict");
    assert_eq!(
        app.call("bindMobileBySms")
            .params(json!({"mobile": MOBILE, "code": "1"}))
            .send()
            .await["errCode"],
        "uni-id-check-token-failed"
    );
}

async fn reset_pwd_by_sms_sets_a_password_and_ends_sessions(backend: Backend) {
    let app = TestApp::start(backend).await;
    send(&app, MOBILE, "login-by-sms").await;
    let token = token_of(&login_by_sms(&app, MOBILE, "123456").await);
    let reset = |code: &'static str, mobile: &'static str| {
        app.call("resetPwdBySms")
            .params(json!({"mobile": mobile, "code": code, "password": "Reset-Pass-2024"}))
            .send()
    };
    assert_eq!(
        reset("123456", MOBILE).await["errCode"],
        "uni-id-mobile-verify-code-error"
    );
    send(&app, MOBILE, "reset-pwd-by-sms").await;
    let r = reset("123456", MOBILE).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(
        app.call("getAccountInfo").token(&token).send().await["errCode"],
        "uni-id-check-token-failed"
    );
    let r = app
        .call("login")
        .params(json!({"mobile": MOBILE, "password": "Reset-Pass-2024"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    // A number with no account.
    send(&app, "13900139000", "reset-pwd-by-sms").await;
    assert_eq!(
        reset("123456", "13900139000").await["errCode"],
        "uni-id-account-not-exists"
    );
}

async fn set_pwd_gives_an_sms_account_a_password(backend: Backend) {
    let app = TestApp::start(backend).await;
    send(&app, MOBILE, "login-by-sms").await;
    let token = token_of(&login_by_sms(&app, MOBILE, "123456").await);
    send(&app, MOBILE, "set-pwd-by-sms").await;
    let r = app
        .call("setPwd")
        .token(&token)
        .params(json!({"password": "First-Pass-2024", "code": "123456"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let info = app.call("getAccountInfo").token(&token).send().await;
    assert_eq!(
        info["isPasswordSet"], true,
        "a first password keeps the session: {info}"
    );
    let r = app
        .call("login")
        .params(json!({"mobile": MOBILE, "password": "First-Pass-2024"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0);
    // An account without a mobile cannot use it.
    let alice = app.user_token("alice").await;
    let r = app
        .call("setPwd")
        .token(&alice)
        .params(json!({"password": "First-Pass-2024", "code": "123456"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param");
    assert_eq!(r["errMsg"], "请先绑定手机号");
}

async fn mobile_code_login_type_is_reported(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app.call("getSupportedLoginType").send().await;
    assert!(
        r["supportedLoginType"]
            .as_array()
            .unwrap()
            .contains(&json!("mobile-code")),
        "{r}"
    );
}

/// What the local webhook receiver got.
type Inbox = Arc<Mutex<Vec<Value>>>;

/// A receiver that checks unid's webhook signature independently and answers `status`.
pub(crate) async fn webhook_receiver(secret: &'static str, status: u16) -> (String, Inbox) {
    webhook_receiver_after(secret, status, 0).await
}

/// The same, answering only after `delay_secs`.
async fn webhook_receiver_after(
    secret: &'static str,
    status: u16,
    delay_secs: u64,
) -> (String, Inbox) {
    use actix_web::http::StatusCode;
    use actix_web::web::{self, Bytes};
    use actix_web::{HttpRequest, HttpResponse};
    let inbox: Inbox = Arc::default();
    let seen = inbox.clone();
    let handler = move |request: HttpRequest, body: Bytes| {
        let seen = seen.clone();
        async move {
            tokio::time::sleep(std::time::Duration::from_secs(delay_secs)).await;
            let headers = request.headers();
            let ts = headers
                .get("x-unid-timestamp")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let sig = headers
                .get("x-unid-signature")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{ts}.").as_bytes());
            mac.update(&body);
            if sig != format!("sha256={}", hex::encode(mac.finalize().into_bytes())) {
                return HttpResponse::new(StatusCode::UNAUTHORIZED);
            }
            seen.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap());
            HttpResponse::new(StatusCode::from_u16(status).unwrap())
        }
    };
    let base = crate::support::serve_fake(move |cfg| {
        cfg.route("/sms", web::post().to(handler.clone()));
    });
    (format!("{base}/sms"), inbox)
}

pub(crate) fn webhook_config(url: &str, secret: &str) -> String {
    let scenes: String = [
        "login-by-sms",
        "reset-pwd-by-sms",
        "bind-mobile-by-sms",
        "set-pwd-by-sms",
    ]
    .iter()
    .map(|s| format!("[service.sms.scene.{s}]\ntemplateId = \"TPL_{s}\"\n"))
    .collect();
    format!(
        "[service.sms]\nname = \"unid\"\ncodeExpiresIn = 300\n{scenes}[plugins.sms]\ngateway = \"webhook\"\n[plugins.sms.webhook]\nurl = \"{url}\"\nsecret = \"{secret}\"\ntimeoutSecs = 2\n"
    )
}

async fn outside_test_mode_the_webhook_gateway_delivers_a_signed_code(backend: Backend) {
    let (url, inbox) = webhook_receiver("hook-secret", 200).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&webhook_config(&url, "hook-secret"))
        .start()
        .await;
    let answer = app.solve_captcha("device-1", "send-sms-code").await;
    let r = app
        .call("sendSmsCode")
        .params(json!({"mobile": MOBILE, "scene": "login-by-sms", "captcha": answer}))
        .send()
        .await;
    assert_eq!(r, json!({"errCode": 0, "errMsg": ""}));
    let message = inbox
        .lock()
        .unwrap()
        .pop()
        .expect("the receiver got the message");
    assert_eq!(message["phone"], "+8613800138000");
    assert_eq!(message["templateId"], "TPL_login-by-sms");
    assert_eq!(message["params"]["name"], "unid");
    assert_eq!(message["params"]["action"], "登录");
    assert_eq!(message["params"]["expMinute"], "5");
    let code = message["params"]["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 6);
    assert_ne!(code, "123456");
    let r = login_by_sms(&app, MOBILE, &code).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["type"], "register");
}

/// A failed send answers clearly and is taken back from the number's caps, so the user can
/// retry at once; it still counts against the IP's hourly cap.
async fn a_failing_provider_is_a_clear_error(backend: Backend) {
    let (url, inbox) = webhook_receiver("hook-secret", 503).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&format!(
            "{}[codes]\nperIpPerHour = 2\n",
            webhook_config(&url, "hook-secret")
        ))
        .start()
        .await;
    let send_once = || async {
        let answer = app.solve_captcha("device-1", "send-sms-code").await;
        app.call("sendSmsCode")
            .params(json!({"mobile": MOBILE, "scene": "login-by-sms", "captcha": answer}))
            .send()
            .await
    };
    let r = send_once().await;
    assert_eq!(r["errCode"], "unid-code-send-failed");
    assert_eq!(r["errMsg"], "验证码发送失败，请稍后再试");
    let r = send_once().await;
    assert_eq!(
        r["errCode"], "unid-code-send-failed",
        "retried at once: {r}"
    );
    assert_eq!(
        inbox.lock().unwrap().len(),
        2,
        "both attempts reached the provider"
    );
    let r = send_once().await;
    assert_eq!(
        r["errCode"], "unid-code-send-limit",
        "the IP cap counts failures: {r}"
    );
    assert_eq!(inbox.lock().unwrap().len(), 2);
    // Nothing listening at all: also a clear error, not a hang or a 500.
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&webhook_config("http://127.0.0.1:9/sms", "hook-secret"))
        .start()
        .await;
    let answer = app.solve_captcha("device-1", "send-sms-code").await;
    let r = app
        .call("sendSmsCode")
        .params(json!({"mobile": MOBILE, "scene": "login-by-sms", "captcha": answer}))
        .send()
        .await;
    assert_eq!(r["errCode"], "unid-code-send-failed");
}

async fn a_provider_that_does_not_answer_in_time_is_a_clear_error(backend: Backend) {
    // The webhook config uses timeoutSecs = 2; the receiver would take 10.
    let (url, _) = webhook_receiver_after("hook-secret", 200, 10).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&webhook_config(&url, "hook-secret"))
        .start()
        .await;
    let answer = app.solve_captcha("device-1", "send-sms-code").await;
    let started = std::time::Instant::now();
    let r = app
        .call("sendSmsCode")
        .params(json!({"mobile": MOBILE, "scene": "login-by-sms", "captcha": answer}))
        .send()
        .await;
    assert_eq!(r["errCode"], "unid-code-send-failed", "{r}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "gave up at the timeout"
    );
    let health = app
        .raw(reqwest::Method::GET, "/health/ready")
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}
