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
