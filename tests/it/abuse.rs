//! Anonymous endpoints under abuse (issue 8, item 7): captchas and registrations are limited per
//! IP (counted in the database, so shared by instances), and the clean-up deletes what expired,
//! so a flood cannot grow the database without bound.

use futures_util::StreamExt;
use serde_json::json;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp};

pub fn cases() -> Vec<Case> {
    cases![
        a_flood_of_captchas_leaves_only_the_live_rows,
        registrations_are_limited_per_ip,
        expired_tokens_are_deleted,
    ]
}

async fn count(app: &TestApp, kind: &'static str) -> i64 {
    use diesel::prelude::*;
    use unid_core::db::schema::verify_codes;
    app.db(move |conn| {
        Ok(unid_core::db_run!(conn: {
            verify_codes::table.filter(verify_codes::kind.eq(kind)).count().get_result::<i64>(conn)
        })?)
    })
    .await
}

async fn a_flood_of_captchas_leaves_only_the_live_rows(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[throttle]\ncaptchaPerIpPerMinute = 50")
        .start()
        .await;
    let calls: usize = std::env::var("UNID_TEST_CAPTCHA_FLOOD")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let started = std::time::Instant::now();
    let answers: Vec<String> = futures_util::stream::iter(0..calls)
        .map(|i| {
            let app = &app;
            async move {
                let r = app
                    .call("createCaptcha")
                    .client(json!({"deviceId": format!("flood-{i}")}))
                    .params(json!({"scene": "register"}))
                    .send()
                    .await;
                r["errCode"].to_string()
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    let made = answers.iter().filter(|c| *c == "0").count();
    let limited = answers
        .iter()
        .filter(|c| c.contains("unid-rate-limited"))
        .count();
    // 50 a minute from one IP (the flood may span a minute boundary or a few on a slow run).
    let minutes = usize::try_from(started.elapsed().as_secs() / 60).unwrap_or(0) + 2;
    assert!(
        (50..=50 * minutes).contains(&made),
        "{made} made in {:?}",
        started.elapsed()
    );
    assert_eq!(made + limited, calls, "nothing else");
    let rows = count(&app, "captcha").await;
    assert_eq!(
        usize::try_from(rows).unwrap(),
        made,
        "{calls} calls left {rows} rows"
    );
    // Another IP is not affected.
    let r = app
        .call("createCaptcha")
        .params(json!({"scene": "register"}))
        .sent_from("127.0.0.2")
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    // Once they expire, the clean-up removes them.
    app.advance_secs(181);
    let done = unid_core::server::clean_up(&app.host).await.unwrap();
    assert_eq!(done.codes, made + 1);
    assert_eq!(count(&app, "captcha").await, 0);
    let r = app
        .call("createCaptcha")
        .params(json!({"scene": "register"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "a new minute: {r}");
}

async fn register(app: &TestApp, username: &str, from: &str) -> serde_json::Value {
    let device = format!("dev-{username}");
    app.call("createCaptcha")
        .client(json!({"deviceId": device}))
        .params(json!({"scene": "register"}))
        .sent_from(from)
        .send()
        .await;
    app.call("registerUser")
        .client(json!({"deviceId": device}))
        .params(json!({"username": username, "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA}))
        .sent_from(from)
        .send()
        .await
}

async fn registrations_are_limited_per_ip(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[throttle]\nregisterPerIpPerHour = 3")
        .start()
        .await;
    for name in ["r1", "r2", "r3"] {
        assert_eq!(register(&app, name, "127.0.0.1").await["errCode"], 0);
    }
    // A refused registration (the name is taken) does not count; the fourth account does.
    assert_eq!(
        register(&app, "r1", "127.0.0.1").await["errCode"],
        "uni-id-account-exists"
    );
    let r = register(&app, "r4", "127.0.0.1").await;
    assert_eq!(r["errCode"], "unid-rate-limited", "{r}");
    assert_eq!(r["errMsg"], "操作过于频繁，请稍后再试");
    // Every way of registering counts: an SMS login that would create an account too.
    app.captcha("send-sms-code").await;
    let sent = app
        .call("sendSmsCode")
        .params(
            json!({"mobile": "13900139001", "captcha": TEST_MODE_CAPTCHA, "scene": "login-by-sms"}),
        )
        .send()
        .await;
    assert_eq!(
        sent["errCode"], "uni-id-invalid-sms-template-id",
        "test mode: {sent}"
    );
    let r = app
        .call("loginBySms")
        .params(json!({"mobile": "13900139001", "code": "123456"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "unid-rate-limited", "{r}");
    assert_eq!(
        register(&app, "r4", "127.0.0.3").await["errCode"],
        0,
        "another IP"
    );
    app.advance_secs(3601);
    assert_eq!(
        register(&app, "r5", "127.0.0.1").await["errCode"],
        0,
        "the next hour"
    );
}

async fn expired_tokens_are_deleted(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("short").await;
    let r = app.call("getAccountInfo").token(&token).send().await;
    assert_eq!(r["errCode"], 0);
    app.advance_secs(7201);
    let done = unid_core::server::clean_up(&app.host).await.unwrap();
    assert_eq!(done.tokens, 1);
}
