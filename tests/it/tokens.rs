//! Tokens (spec §6): format, expiry, refresh, the token cap, and immediate revocation after
//! logout, updatePwd, closeAccount, a ban and a role change.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TestApp, token_of};

pub fn cases() -> Vec<Case> {
    cases![
        tokens_are_uni_id_hs256_jwts,
        auth_methods_without_a_token_fail_with_code_30202,
        an_expired_token_fails_with_code_30203,
        a_token_near_expiry_comes_back_with_a_new_token,
        refresh_token_issues_a_new_token_and_keeps_the_old,
        refresh_token_without_a_live_token_fails,
        tokens_signed_with_another_algorithm_are_refused,
        logout_revokes_the_token_at_once,
        update_pwd_revokes_every_token,
        close_account_revokes_tokens_and_blocks_login,
        a_ban_revokes_tokens_at_once,
        a_role_change_revokes_tokens_at_once,
        at_most_max_token_length_tokens_stay_live,
        parallel_logins_of_one_user_are_separate_sessions,
    ]
}

/// Issue 8: two logins in one second used to get the same token, so signing out on one device
/// signed out the other. Every token now carries a random `jti`.
async fn parallel_logins_of_one_user_are_separate_sessions(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("maxTokenLength = 32")
        .start()
        .await;
    app.user_token("multi").await;
    let logins =
        futures_util::future::join_all((0..16).map(|_| app.login("multi", "Secret-Pass-123")))
            .await;
    let tokens: Vec<String> = logins.iter().map(token_of).collect();
    let distinct: std::collections::HashSet<&String> = tokens.iter().collect();
    assert_eq!(distinct.len(), 16, "16 different tokens");
    let r = app.call("logout").token(&tokens[0]).send().await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(
        app.call("getAccountInfo").token(&tokens[0]).send().await["errCode"],
        "uni-id-check-token-failed"
    );
    for t in &tokens[1..] {
        let r = app.call("getAccountInfo").token(t).send().await;
        assert_eq!(r["errCode"], 0, "the other 15 sessions stay: {r}");
    }
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

async fn tokens_are_uni_id_hs256_jwts(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.admin_token().await;
    let header = URL_SAFE_NO_PAD
        .decode(token.split('.').next().unwrap())
        .unwrap();
    assert_eq!(header, br#"{"alg":"HS256","typ":"JWT"}"#);
    let p = payload(&token);
    // Field order as uni-id-common's JSON.stringify writes it.
    let raw = String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    let positions: Vec<usize> = [
        "\"uid\"",
        "\"role\"",
        "\"permission\"",
        "\"uniIdVersion\"",
        "\"iat\"",
        "\"exp\"",
        "\"jti\"",
    ]
    .iter()
    .map(|k| raw.find(k).unwrap())
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{raw}");
    // uni-id's six claims, then unid's jti.
    assert_eq!(p.as_object().unwrap().len(), 7);
    assert_eq!(p["jti"].as_str().unwrap().len(), 32);
    assert_eq!(p["role"], json!(["admin"]));
    assert_eq!(p["permission"], json!([]));
    assert_eq!(
        p["exp"].as_i64().unwrap() - p["iat"].as_i64().unwrap(),
        7200
    );
}

async fn auth_methods_without_a_token_fail_with_code_30202(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app.call("getAccountInfo").send().await;
    assert_eq!(
        r,
        json!({"errCode": "uni-id-check-token-failed", "errMsg": "token校验未通过", "code": 30202})
    );
    let r = app
        .call("getAccountInfo")
        .locale("en")
        .token("not.a.token")
        .send()
        .await;
    assert_eq!(
        r,
        json!({"errCode": "uni-id-check-token-failed", "errMsg": "Check token failed", "code": 30202})
    );
}

async fn an_expired_token_fails_with_code_30203(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("alice").await;
    app.advance_secs(7201);
    let r = app.call("getAccountInfo").token(&token).send().await;
    assert_eq!(r["errCode"], "uni-id-token-expired");
    assert_eq!(r["errMsg"], "登录状态失效，token已过期");
    assert_eq!(r["code"], 30203);
}

async fn a_token_near_expiry_comes_back_with_a_new_token(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("alice").await;
    let r = app.call("getAccountInfo").token(&token).send().await;
    assert!(r.get("newToken").is_none(), "fresh token: no refresh");
    app.advance_secs(7200 - 1000);
    let r = app.call("getAccountInfo").token(&token).send().await;
    assert_eq!(r["errCode"], 0, "{r}");
    let fresh = token_of(&r);
    assert_ne!(fresh, token);
    assert!(r["newToken"]["tokenExpired"].as_i64().unwrap() > app.clock.now_ms() + 7000 * 1000);
    app.advance_secs(1001);
    assert_eq!(
        app.call("getAccountInfo").token(&token).send().await["errCode"],
        "uni-id-token-expired"
    );
    assert_eq!(
        app.call("getAccountInfo").token(&fresh).send().await["errCode"],
        0
    );
}

async fn refresh_token_issues_a_new_token_and_keeps_the_old(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("alice").await;
    app.advance_secs(2);
    let r = app.call("refreshToken").token(&token).send().await;
    assert_eq!(r["errCode"], 0, "{r}");
    let fresh = token_of(&r);
    assert_ne!(fresh, token);
    assert_eq!(
        app.call("getAccountInfo").token(&token).send().await["errCode"],
        0
    );
    assert_eq!(
        app.call("getAccountInfo").token(&fresh).send().await["errCode"],
        0
    );
}

async fn refresh_token_without_a_live_token_fails(backend: Backend) {
    let app = TestApp::start(backend).await;
    assert_eq!(
        app.call("refreshToken").send().await["errCode"],
        "uni-id-check-token-failed"
    );
    let token = app.user_token("alice").await;
    app.call("logout").token(&token).send().await;
    assert_eq!(
        app.call("refreshToken").token(&token).send().await["errCode"],
        "uni-id-check-token-failed"
    );
    let token = app.user_token("bob").await;
    app.advance_secs(7201);
    assert_eq!(
        app.call("refreshToken").token(&token).send().await["errCode"],
        "uni-id-token-expired"
    );
}

async fn tokens_signed_with_another_algorithm_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("alice").await;
    let body = token.split('.').nth(1).unwrap();
    let none = format!(
        "{}.{body}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#)
    );
    assert_eq!(
        app.call("getAccountInfo").token(&none).send().await["errCode"],
        "uni-id-check-token-failed"
    );
    // A valid signature from another secret is refused too.
    let forged = unid_core::tokens::jwt::sign(
        &unid_core::tokens::jwt::verify(
            &token,
            app.host
                .settings
                .default_effective()
                .token_secret
                .expose()
                .as_bytes(),
            app.clock.now_ms(),
        )
        .unwrap(),
        b"some other secret",
    );
    assert_eq!(
        app.call("getAccountInfo").token(&forged).send().await["errCode"],
        "uni-id-check-token-failed"
    );
}

async fn logout_revokes_the_token_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("alice").await;
    app.advance_secs(1);
    let other = token_of(&app.login("alice", "Secret-Pass-123").await);
    let r = app.call("logout").token(&token).send().await;
    assert_eq!(r, json!({"errCode": 0, "errMsg": ""}));
    let r = app.call("getAccountInfo").token(&token).send().await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed");
    assert_eq!(
        app.call("logout").token(&token).send().await["errCode"],
        "uni-id-check-token-failed"
    );
    // Other sessions of the same user stay.
    assert_eq!(
        app.call("getAccountInfo").token(&other).send().await["errCode"],
        0
    );
    let log = app
        .db(|conn| Ok(unid_core::db::models::logs::latest(conn, 1)?))
        .await;
    assert_eq!((log[0].type_.as_str(), log[0].state), ("logout", 1));
}

async fn update_pwd_revokes_every_token(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("alice").await;
    app.advance_secs(1);
    let other = token_of(&app.login("alice", "Secret-Pass-123").await);
    let wrong = app
        .call("updatePwd")
        .token(&token)
        .params(json!({"oldPassword": "not-it", "newPassword": "Brand-New-Pass-9"}))
        .send()
        .await;
    assert_eq!(wrong["errCode"], "uni-id-password-error");
    let weak = app
        .call("updatePwd")
        .token(&token)
        .params(json!({"oldPassword": "Secret-Pass-123", "newPassword": "short"}))
        .send()
        .await;
    assert_eq!(weak["errCode"], "uni-id-invalid-password");
    let r = app
        .call("updatePwd")
        .token(&token)
        .params(json!({"oldPassword": "Secret-Pass-123", "newPassword": "Brand-New-Pass-9"}))
        .send()
        .await;
    assert_eq!(r, json!({"errCode": 0, "errMsg": ""}));
    for t in [&token, &other] {
        let r = app.call("getAccountInfo").token(t).send().await;
        assert!(
            r["errCode"] == "uni-id-check-token-failed" || r["errCode"] == "uni-id-token-expired",
            "{r}"
        );
    }
    assert_eq!(
        app.login("alice", "Secret-Pass-123").await["errCode"],
        "uni-id-password-error"
    );
    let fresh = app.login("alice", "Brand-New-Pass-9").await;
    assert_eq!(
        fresh["errCode"], 0,
        "a login right after the change works: {fresh}"
    );
    assert_eq!(
        app.call("getAccountInfo")
            .token(&token_of(&fresh))
            .send()
            .await["errCode"],
        0
    );
}

async fn close_account_revokes_tokens_and_blocks_login(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = app.user_token("alice").await;
    assert_eq!(
        app.call("closeAccount").token(&token).send().await["errCode"],
        0
    );
    assert_eq!(
        app.call("getAccountInfo").token(&token).send().await["errCode"],
        "uni-id-check-token-failed"
    );
    let r = app.login("alice", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], "uni-id-account-closed");
}

async fn user_uid(token: &str) -> String {
    payload(token)["uid"].as_str().unwrap().to_string()
}

async fn a_ban_revokes_tokens_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let token = app.user_token("alice").await;
    let uid = user_uid(&token).await;
    let r = app
        .call("updateUser")
        .token(&admin)
        .params(json!({"uid": uid, "username": "alice", "status": 1}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let r = app.call("getAccountInfo").token(&token).send().await;
    assert!(
        r["errCode"] == "uni-id-check-token-failed" || r["errCode"] == "uni-id-token-expired",
        "{r}"
    );
    assert_eq!(
        app.login("alice", "Secret-Pass-123").await["errCode"],
        "uni-id-account-banned"
    );
}

async fn a_role_change_revokes_tokens_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let token = app.user_token("alice").await;
    let uid = user_uid(&token).await;
    let r = app
        .call("updateUser")
        .token(&admin)
        .params(json!({"uid": uid, "username": "alice", "role": ["editor"]}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let r = app.call("getAccountInfo").token(&token).send().await;
    assert!(
        r["errCode"] == "uni-id-check-token-failed" || r["errCode"] == "uni-id-token-expired",
        "{r}"
    );
    let fresh = token_of(&app.login("alice", "Secret-Pass-123").await);
    assert_eq!(payload(&fresh)["role"], json!(["editor"]));
    // Updating with the same roles changes nothing and revokes nothing.
    app.call("updateUser")
        .token(&admin)
        .params(json!({"uid": uid, "username": "alice", "role": ["editor"]}))
        .send()
        .await;
    assert_eq!(
        app.call("getAccountInfo").token(&fresh).send().await["errCode"],
        0
    );
}

async fn at_most_max_token_length_tokens_stay_live(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("maxTokenLength = 3")
        .start()
        .await;
    let first = app.user_token("alice").await;
    let mut tokens = vec![first.clone()];
    for _ in 0..3 {
        app.advance_secs(1);
        tokens.push(token_of(&app.login("alice", "Secret-Pass-123").await));
    }
    assert_eq!(
        app.call("getAccountInfo").token(&first).send().await["errCode"],
        "uni-id-check-token-failed"
    );
    for t in &tokens[1..] {
        assert_eq!(
            app.call("getAccountInfo").token(t).send().await["errCode"],
            0
        );
    }
}
