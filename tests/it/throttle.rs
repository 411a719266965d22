//! Password-error limits (spec §7) and what unid adds: per account across IPs an escalation
//! the owner can pass (captcha, delay, known devices), and per IP across accounts a lock. Requests come from different loopback addresses to act as
//! different clients.

use serde_json::{Value, json};

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp};

pub fn cases() -> Vec<Case> {
    cases![
        six_failures_lock_the_account_for_that_ip_until_an_hour_after_the_last,
        failures_from_many_ips_require_a_captcha_then_slow_down_but_never_lock,
        an_attack_from_many_ips_does_not_lock_the_owner_out,
        one_ip_failing_on_many_accounts_is_locked,
        behind_a_trusted_proxy_limits_and_logs_see_the_forwarded_client,
    ]
}

/// A login attempt from `ip` that always brings a fresh captcha, so only the limits decide.
async fn attempt(app: &TestApp, ip: &str, username: &str, password: &str) -> Value {
    // One device per address, so concurrent clients do not replace each other's captcha.
    let device = json!({ "deviceId": format!("device-{ip}") });
    app.call("createCaptcha")
        .client(device.clone())
        .sent_from(ip)
        .params(json!({"scene": "login-by-pwd"}))
        .send()
        .await;
    app.call("login")
        .client(device)
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

async fn failures_from_many_ips_require_a_captcha_then_slow_down_but_never_lock(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[throttle]\naccountCaptchaAfter = 2\naccountDelayAfter = 4\naccountDelayStepMs = 300\naccountDelayMaxMs = 600\naccountWindow = 600")
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
    for i in 2..6 {
        let ip = format!("127.0.1.{}", i + 1);
        assert_eq!(
            attempt(&app, &ip, "bob", "wrong").await["errCode"],
            "uni-id-password-error"
        );
    }
    // Past accountDelayAfter every attempt waits (here at most 600 ms), and the owner still
    // gets in.
    let started = std::time::Instant::now();
    let r = attempt(&app, "127.0.1.51", "bob", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(600),
        "the attempt waited: {:?}",
        started.elapsed()
    );
}

/// Issue 8, item 1: 500 wrong passwords from 50 IPs must not lock the owner out: from a new IP
/// they pass with a captcha, and from a device that signed in before without one.
async fn an_attack_from_many_ips_does_not_lock_the_owner_out(backend: Backend) {
    let app = TestApp::builder(backend)
        .config(
            "passwordErrorLimit = 20\n[throttle]\naccountDelayStepMs = 1\naccountDelayMaxMs = 20",
        )
        .start()
        .await;
    app.register("owner", "Secret-Pass-123").await;
    // The owner signed in before, on their own device, and kept its device token.
    let first = app
        .call("login")
        .client(json!({"deviceId": "owners-phone"}))
        .sent_from("127.0.9.1")
        .params(json!({"username": "owner", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(first["errCode"], 0, "{first}");
    let device_token = first["deviceToken"]
        .as_str()
        .expect("a device token")
        .to_string();

    let attackers = (0..50).map(|i| {
        let app = &app;
        async move {
            let ip = format!("127.0.2.{}", i + 1);
            for _ in 0..10 {
                let r = attempt(app, &ip, "owner", "guess-Guess-1").await;
                assert_eq!(r["errCode"], "uni-id-password-error", "{r}");
            }
        }
    });
    futures_util::future::join_all(attackers).await;

    // Another account's device token, or a forged one, does not help.
    let r = app
        .call("login")
        .sent_from("127.0.3.3")
        .params(json!({"username": "owner", "password": "Secret-Pass-123", "deviceToken": "dev1.x.1.y.z"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-captcha-required");
    // From the known device, anywhere: no captcha.
    let r = app
        .call("login")
        .client(json!({"deviceId": "owners-phone"}))
        .sent_from("127.0.3.2")
        .params(json!({"username": "owner", "password": "Secret-Pass-123", "deviceToken": device_token}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "a known device needs no captcha: {r}");
    let attack = |round: u8| {
        let app = &app;
        futures_util::future::join_all((0..50).map(move |i| async move {
            let ip = format!("127.{round}.2.{}", i + 1);
            for _ in 0..10 {
                attempt(app, &ip, "owner", "guess-Guess-1").await;
            }
        }))
    };
    attack(4).await;
    // From a new IP: a captcha is required, then the right password works.
    let r = app
        .call("login")
        .sent_from("127.0.3.1")
        .params(json!({"username": "owner", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-captcha-required", "{r}");
    let r = attempt(&app, "127.0.3.1", "owner", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], 0, "the owner gets in: {r}");

    // A device token is not a skeleton key: one used for passwordErrorLimit wrong guesses is
    // trusted no more, under the next attack.
    for _ in 0..20 {
        let r = app
            .call("login")
            .sent_from("127.0.3.4")
            .params(json!({"username": "owner", "password": "wrong-Wrong-1", "deviceToken": device_token}))
            .send()
            .await;
        assert_ne!(r["errCode"], 0);
    }
    attack(5).await;
    let r = app
        .call("login")
        .sent_from("127.0.3.5")
        .params(json!({"username": "owner", "password": "Secret-Pass-123", "deviceToken": device_token}))
        .send()
        .await;
    assert_eq!(
        r["errCode"], "uni-id-captcha-required",
        "a worn-out token: {r}"
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
