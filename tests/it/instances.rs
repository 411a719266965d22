//! Two unid instances on one PostgreSQL behave as one (issue 8, item 8): codes, captchas,
//! throttles, send caps, revocation and the administrator's changes live in the database, so
//! whichever instance a request reaches sees what the other did.

use serde_json::json;

use crate::postgres_only;
use crate::support::cases::Case;
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp, token_of};

pub fn cases() -> Vec<Case> {
    postgres_only![two_instances_on_one_database_share_every_state]
}

async fn two_instances_on_one_database_share_every_state(backend: Backend) {
    let a = TestApp::start(backend).await;
    let b = TestApp::builder(backend).beside(&a).start().await;
    assert_ne!(a.url, b.url, "two servers");

    // A captcha drawn by A is checked by B.
    a.captcha("register").await;
    let r = b
        .call("registerUser")
        .params(json!({"username": "shared", "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let token = token_of(&r);

    // A token issued by B works on A; a logout on A ends it on B at once.
    assert_eq!(
        a.call("getAccountInfo").token(&token).send().await["errCode"],
        0
    );
    assert_eq!(a.call("logout").token(&token).send().await["errCode"], 0);
    assert_eq!(
        b.call("getAccountInfo").token(&token).send().await["errCode"],
        "uni-id-check-token-failed"
    );

    // A code sent through A logs in through B; the send cap counted on A applies on B.
    a.captcha("send-sms-code").await;
    let sent = a
        .call("sendSmsCode")
        .params(
            json!({"mobile": "13800138111", "captcha": TEST_MODE_CAPTCHA, "scene": "login-by-sms"}),
        )
        .send()
        .await;
    assert_eq!(
        sent["errCode"], "uni-id-invalid-sms-template-id",
        "test mode: {sent}"
    );
    b.captcha("send-sms-code").await;
    let again = b
        .call("sendSmsCode")
        .params(
            json!({"mobile": "13800138111", "captcha": TEST_MODE_CAPTCHA, "scene": "login-by-sms"}),
        )
        .send()
        .await;
    assert_eq!(again["errCode"], "unid-code-send-limit", "{again}");
    let r = b
        .call("loginBySms")
        .params(json!({"mobile": "13800138111", "code": "123456"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["type"], "register");

    // Failures on A count on B: the sixth from one IP locks that IP's attempts everywhere.
    for i in 0..6 {
        let app = if i % 2 == 0 { &a } else { &b };
        app.captcha("login-by-pwd").await;
        assert_eq!(
            login(app, "wrong-Pass-1").await["errCode"],
            "uni-id-password-error"
        );
    }
    b.captcha("login-by-pwd").await;
    assert_eq!(
        login(&b, "Secret-Pass-123").await["errCode"],
        "uni-id-password-error-exceed-limit"
    );
    let fresh = b
        .call("login")
        .sent_from("127.0.0.9")
        .client(json!({"deviceId": "other"}))
        .params(json!({"username": "shared", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(fresh["errCode"], 0, "{fresh}");
    let user_token = token_of(&fresh);

    // An administrator's ban on A ends the user's API session and page session on B at once.
    let admin = a.admin_token().await;
    let visitor = crate::support::web::Visitor::new(&b.url);
    let signed_up = crate::pages::sign_up(&visitor, "pageuser", "Page-Pass-2024").await;
    assert_eq!(signed_up.status, 303);
    assert_eq!(visitor.get("/userinfo").await.status, 200);
    let page_token = visitor.cookie("unid_session").unwrap();
    for (token, username) in [(&user_token, "shared"), (&page_token, "pageuser")] {
        let info = b
            .call("getAccountInfo")
            .client(json!({"appId": "__UNI__UNID"}))
            .token(token)
            .send()
            .await;
        assert_eq!(info["errCode"], 0);
        let uid = uid_of(token);
        let r = a
            .call("updateUser")
            .token(&admin)
            .params(json!({"uid": uid, "username": username, "status": 1}))
            .send()
            .await;
        assert_eq!(r["errCode"], 0, "{r}");
    }
    // A ban revokes every token of the user.
    assert_eq!(
        b.call("getAccountInfo").token(&user_token).send().await["errCode"],
        "uni-id-check-token-failed"
    );
    b.captcha("login-by-pwd").await;
    let r = b
        .call("login")
        .sent_from("127.0.0.10")
        .params(json!({"username": "shared", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-account-banned", "{r}");
    assert_eq!(
        visitor.get("/userinfo").await.status,
        303,
        "the page session ended"
    );
}

async fn login(app: &TestApp, password: &str) -> serde_json::Value {
    app.call("login")
        .params(json!({"username": "shared", "password": password, "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await
}

fn uid_of(token: &str) -> String {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["uid"].as_str().unwrap().to_string()
}
