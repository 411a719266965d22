//! Password-error limits (spec §7) and the two limits unid adds: per account across IPs and
//! per IP across accounts. Requests come from different loopback addresses to act as
//! different clients.

use serde_json::{Value, json};

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp};

pub fn cases() -> Vec<Case> {
    cases![
        six_failures_lock_the_account_for_that_ip_until_an_hour_after_the_last,
        failures_from_many_ips_require_a_captcha_then_lock_the_account,
        one_ip_failing_on_many_accounts_is_locked,
        behind_a_trusted_proxy_limits_and_logs_see_the_forwarded_client,
    ]
}

/// A login attempt from `ip` that always brings a fresh captcha, so only the limits decide.
async fn attempt(app: &TestApp, ip: &str, username: &str, password: &str) -> Value {
    app.call("createCaptcha")
        .sent_from(ip)
        .params(json!({"scene": "login-by-pwd"}))
        .send()
        .await;
    app.call("login")
        .sent_from(ip)
        .params(json!({"username": username, "password": password, "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await
}

async fn six_failures_lock_the_account_for_that_ip_until_an_hour_after_the_last(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.register("alice", "Secret-Pass-123").await;
    for _ in 0..6 {
        assert_eq!(
            attempt(&app, "127.0.0.1", "alice", "wrong").await["errCode"],
            "uni-id-password-error"
        );
    }
    let r = attempt(&app, "127.0.0.1", "alice", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], "uni-id-password-error-exceed-limit");
    assert_eq!(r["errMsg"], "密码错误次数过多，请稍后再试");
    // Another IP is not affected by this IP's failures.
    assert_eq!(
        attempt(&app, "127.0.0.2", "alice", "Secret-Pass-123").await["errCode"],
        0
    );
    // The window slides from the last failure.
    app.advance_secs(3599);
    assert_eq!(
        attempt(&app, "127.0.0.1", "alice", "Secret-Pass-123").await["errCode"],
        "uni-id-password-error-exceed-limit"
    );
    app.advance_secs(2);
    assert_eq!(
        attempt(&app, "127.0.0.1", "alice", "Secret-Pass-123").await["errCode"],
        0
    );
}

async fn failures_from_many_ips_require_a_captcha_then_lock_the_account(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[throttle]\naccountCaptchaAfter = 2\naccountLockAfter = 4\naccountWindow = 600")
        .start()
        .await;
    app.register("bob", "Secret-Pass-123").await;
    for i in 0..2 {
        let ip = format!("127.0.1.{}", i + 1);
        assert_eq!(
            attempt(&app, &ip, "bob", "wrong").await["errCode"],
            "uni-id-password-error"
        );
    }
    // A new IP with no failures of its own still has to solve a captcha.
    let r = app
        .call("login")
        .sent_from("127.0.1.50")
        .params(json!({"username": "bob", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-captcha-required");
    for i in 2..4 {
        let ip = format!("127.0.1.{}", i + 1);
        assert_eq!(
            attempt(&app, &ip, "bob", "wrong").await["errCode"],
            "uni-id-password-error"
        );
    }
    let r = attempt(&app, "127.0.1.51", "bob", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], "uni-id-password-error-exceed-limit");
    app.advance_secs(601);
    assert_eq!(
        attempt(&app, "127.0.1.51", "bob", "Secret-Pass-123").await["errCode"],
        0
    );
}

async fn one_ip_failing_on_many_accounts_is_locked(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[throttle]\nipLockAfter = 3\nipWindow = 600")
        .start()
        .await;
    app.register("carol", "Secret-Pass-123").await;
    for name in ["u1", "u2", "u3"] {
        assert_eq!(
            attempt(&app, "127.0.2.1", name, "wrong").await["errCode"],
            "uni-id-password-error"
        );
    }
    assert_eq!(
        attempt(&app, "127.0.2.1", "carol", "Secret-Pass-123").await["errCode"],
        "uni-id-password-error-exceed-limit"
    );
    assert_eq!(
        attempt(&app, "127.0.2.2", "carol", "Secret-Pass-123").await["errCode"],
        0
    );
    app.advance_secs(601);
    assert_eq!(
        attempt(&app, "127.0.2.1", "carol", "Secret-Pass-123").await["errCode"],
        0
    );
}

/// An SMS code send for `mobile` from peer `from` carrying `X-Forwarded-For: forwarded`.
async fn send_via(app: &TestApp, from: &str, forwarded: &str, mobile: &str) -> Value {
    let answer = app.solve_captcha("device-1", "send-sms-code").await;
    app.call("sendSmsCode")
        .sent_from(from)
        .header("x-forwarded-for", forwarded)
        .params(json!({"mobile": mobile, "scene": "login-by-sms", "captcha": answer}))
        .send()
        .await
}

/// With `trustedProxies`, a request from the proxy counts against the client it forwards for,
/// and the log records that client; from anyone else the header is ignored.
async fn behind_a_trusted_proxy_limits_and_logs_see_the_forwarded_client(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[server]\ntrustedProxies = [\"127.0.0.1\"]\n[codes]\nperIpPerHour = 1")
        .start()
        .await;
    let sent = json!("uni-id-invalid-sms-template-id"); // test mode's answer to a send
    let proxy = "127.0.0.1";
    assert_eq!(
        send_via(&app, proxy, "203.0.113.1", "13800000001").await["errCode"],
        sent
    );
    assert_eq!(
        send_via(&app, proxy, "198.51.100.7, 203.0.113.2", "13800000002").await["errCode"],
        sent,
        "another client behind the same proxy has its own cap"
    );
    let r = send_via(&app, proxy, "203.0.113.1", "13800000003").await;
    assert_eq!(r["errCode"], "unid-code-send-limit", "{r}");

    // Not a trusted proxy: whatever it claims, the peer is the client.
    let other = "127.0.0.2";
    assert_eq!(
        send_via(&app, other, "203.0.113.3", "13800000004").await["errCode"],
        sent
    );
    let r = send_via(&app, other, "203.0.113.4", "13800000005").await;
    assert_eq!(r["errCode"], "unid-code-send-limit", "{r}");

    let r = app
        .call("loginBySms")
        .sent_from(proxy)
        .header("x-forwarded-for", "203.0.113.1")
        .params(json!({"mobile": "13800000001", "code": "123456"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let log = app
        .db(|conn| Ok(unid_core::db::models::logs::latest(conn, 1)?))
        .await
        .pop()
        .expect("a log row");
    assert_eq!(log.ip.as_deref(), Some("203.0.113.1"));
}
