//! login with a password (spec §1.3 Login, §5 upgrades, §8.2 captcha escalation).

use serde_json::json;
use unid_core::config::effective::{PasswordSecret, SecretKind};
use unid_core::db::models::logs;
use unid_core::db::models::users::{self, UserChanges};
use unid_core::secret::Secret;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp, token_of};

pub fn cases() -> Vec<Case> {
    cases![
        login_by_username_answers_uid_token_and_logs,
        login_by_mobile_and_email_needs_confirmed_identifiers,
        login_needs_exactly_one_identifier,
        wrong_password_is_password_error_in_both_languages,
        login_with_unknown_account_looks_like_wrong_password,
        account_of_another_app_is_revealed_only_with_the_right_password,
        banned_and_closed_accounts_are_refused_after_the_password,
        three_failures_require_a_captcha,
        legacy_uni_id_hashes_verify_and_are_upgraded_to_argon2id,
        hmac_sha256_mode_writes_uni_id_hashes,
        login_with_a_token_revokes_the_old_one,
        two_accounts_matching_in_one_app_are_a_conflict,
        overlong_password_is_refused_before_hashing,
    ]
}

async fn login_by_username_answers_uid_token_and_logs(backend: Backend) {
    let app = TestApp::start(backend).await;
    let reg = app.register("alice", "Secret-Pass-123").await;
    let r = app.login("alice", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["uid"], reg["uid"]);
    assert_eq!(r["passwordConfirmed"], true);
    assert!(r["newToken"]["token"].as_str().unwrap().split('.').count() == 3);
    let uid = r["uid"].as_str().unwrap().to_string();
    let (user, log) = app
        .db(move |conn| {
            Ok((
                users::find_by_id(conn, &uid)?.unwrap(),
                logs::latest(conn, 1)?,
            ))
        })
        .await;
    assert_eq!(user.last_login_ip.as_deref(), Some("127.0.0.1"));
    assert!(user.last_login_date.is_some());
    assert_eq!((log[0].type_.as_str(), log[0].state), ("login", 1));
    assert_eq!(log[0].user_id.as_deref(), r["uid"].as_str());
}

async fn login_by_mobile_and_email_needs_confirmed_identifiers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let r = app
        .call("addUser")
        .token(&admin)
        .params(json!({"username": "henry", "password": "Secret-Pass-123", "mobile": "13800138000", "email": "Henry@Example.com"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    for params in [
        json!({"mobile": "13800138000", "password": "Secret-Pass-123"}),
        json!({"email": "henry@example.com", "password": "Secret-Pass-123"}),
        json!({"email": "HENRY@example.com", "password": "Secret-Pass-123"}),
    ] {
        let r = app.call("login").params(params.clone()).send().await;
        assert_eq!(r["errCode"], 0, "{params}: {r}");
    }
    // An unconfirmed mobile is not a login identifier.
    let uid = r["uid"].as_str().unwrap().to_string();
    app.db(move |conn| {
        users::update(
            conn,
            &uid,
            &UserChanges {
                mobile_confirmed: Some(0),
                ..Default::default()
            },
        )?;
        Ok(())
    })
    .await;
    let r = app
        .call("login")
        .params(json!({"mobile": "13800138000", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-password-error");
}

async fn login_needs_exactly_one_identifier(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app
        .call("login")
        .params(json!({"password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-username");
    let r = app
        .call("login")
        .params(json!({"username": "a", "email": "a@b.c", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param");
    let r = app
        .call("login")
        .params(json!({"username": "a"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required");
    let r = app
        .call("login")
        .params(json!({"mobile": "12345", "password": "x"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-mobile");
    let r = app
        .call("login")
        .params(json!({"email": "nope", "password": "x"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-email");
}

async fn wrong_password_is_password_error_in_both_languages(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.register("alice", "Secret-Pass-123").await;
    let r = app.login("alice", "wrong-password").await;
    assert_eq!(
        r,
        json!({"errCode": "uni-id-password-error", "errMsg": "密码错误"})
    );
    let r = app
        .call("login")
        .locale("en")
        .params(json!({"username": "alice", "password": "wrong-password"}))
        .send()
        .await;
    assert_eq!(
        r,
        json!({"errCode": "uni-id-password-error", "errMsg": "Password error"})
    );
    let log = app.db(|conn| Ok(logs::latest(conn, 1)?)).await;
    assert_eq!((log[0].type_.as_str(), log[0].state), ("login", 0));
    assert_eq!(log[0].username.as_deref(), Some("alice"));
}

async fn login_with_unknown_account_looks_like_wrong_password(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.register("alice", "Secret-Pass-123").await;
    let known = app.login("alice", "wrong-password").await;
    let unknown = app.login("nobody-here", "wrong-password").await;
    assert_eq!(known, unknown);
    // Captcha escalation and the limit apply to unknown accounts exactly as to real ones, so
    // neither reveals which accounts exist.
    for name in ["alice", "nobody-here"] {
        for _ in 0..2 {
            assert_eq!(
                app.login(name, "wrong-password").await["errCode"],
                "uni-id-password-error"
            );
        }
        assert_eq!(
            app.login(name, "wrong-password").await["errCode"],
            "uni-id-captcha-required",
            "{name}"
        );
        for _ in 0..3 {
            app.captcha("login-by-pwd").await;
            let r = app
                .call("login")
                .params(json!({"username": name, "password": "wrong-password", "captcha": TEST_MODE_CAPTCHA}))
                .send()
                .await;
            assert_eq!(r["errCode"], "uni-id-password-error", "{name}: {r}");
        }
        let r = app.login(name, "wrong-password").await;
        assert_eq!(
            r["errCode"], "uni-id-password-error-exceed-limit",
            "{name}: {r}"
        );
    }
}

async fn account_of_another_app_is_revealed_only_with_the_right_password(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.register("ivy", "Secret-Pass-123").await;
    let other = json!({"appId": "__UNI__OTHER"});
    let wrong = app
        .call("login")
        .client(other.clone())
        .params(json!({"username": "ivy", "password": "wrong-password"}))
        .send()
        .await;
    assert_eq!(wrong["errCode"], "uni-id-password-error");
    let right = app
        .call("login")
        .client(other)
        .params(json!({"username": "ivy", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(right["errCode"], "uni-id-account-not-exists-in-current-app");
    assert_eq!(right["errMsg"], "此账号未在该应用注册");
}

async fn banned_and_closed_accounts_are_refused_after_the_password(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app.register("jack", "Secret-Pass-123").await;
    let uid = r["uid"].as_str().unwrap().to_string();
    for (status, code, zh) in [
        (1, "uni-id-account-banned", "此账号已封禁"),
        (2, "uni-id-account-auditing", "此账号正在审核中"),
        (3, "uni-id-account-audit-failed", "此账号审核失败"),
        (4, "uni-id-account-closed", "此账号已注销"),
    ] {
        let id = uid.clone();
        app.db(move |conn| {
            users::update(
                conn,
                &id,
                &UserChanges {
                    status: Some(status),
                    ..Default::default()
                },
            )?;
            Ok(())
        })
        .await;
        assert_eq!(
            app.login("jack", "wrong-password").await["errCode"],
            "uni-id-password-error"
        );
        let r = app.login("jack", "Secret-Pass-123").await;
        assert_eq!(r["errCode"], code);
        assert_eq!(r["errMsg"], zh);
        // Let the failures age out of the captcha rule's two-hour window.
        app.advance_secs(2 * 3600 + 1);
    }
}

async fn three_failures_require_a_captcha(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.register("kate", "Secret-Pass-123").await;
    for _ in 0..3 {
        assert_eq!(
            app.login("kate", "wrong-password").await["errCode"],
            "uni-id-password-error"
        );
    }
    let r = app.login("kate", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], "uni-id-captcha-required");
    assert_eq!(r["errMsg"], "请输入图形验证码");
    let with = |captcha: &str| {
        app.call("login")
            .params(json!({"username": "kate", "password": "Secret-Pass-123", "captcha": captcha}))
            .send()
    };
    app.captcha("login-by-pwd").await;
    assert_eq!(with("0000").await["errCode"], "uni-captcha-verify-fail");
    // The wrong guess used up that captcha.
    assert_eq!(
        with(TEST_MODE_CAPTCHA).await["errCode"],
        "uni-captcha-verify-fail"
    );
    app.captcha("login-by-pwd").await;
    let r = with(TEST_MODE_CAPTCHA).await;
    assert_eq!(r["errCode"], 0, "{r}");
    // The success resets the rule.
    assert_eq!(app.login("kate", "Secret-Pass-123").await["errCode"], 0);
    // Two hours later old failures no longer count.
    for _ in 0..3 {
        app.login("kate", "wrong-password").await;
    }
    app.advance_secs(2 * 3600 + 1);
    assert_eq!(app.login("kate", "Secret-Pass-123").await["errCode"], 0);
}

async fn legacy_uni_id_hashes_verify_and_are_upgraded_to_argon2id(backend: Backend) {
    let app = TestApp::builder(backend)
        .config(
            "passwordSecret = [{ type = \"hmac-sha1\", value = \"legacy-secret\", version = 1 }]",
        )
        .start()
        .await;
    let r = app.register("liam", "placeholder-pw-1").await;
    let uid = r["uid"].as_str().unwrap().to_string();
    // Replace the hash with what uni-id wrote: hex(HMAC-SHA1(secret, password)).
    let secrets = [PasswordSecret {
        kind: SecretKind::HmacSha1,
        value: Secret::new("legacy-secret"),
        version: Some(1),
    }];
    let legacy = unid_core::passwords::hash_password(
        "uni-id-pass-1",
        unid_core::config::PasswordHashKind::HmacSha256,
        &secrets,
    )
    .unwrap();
    assert_eq!(legacy.hash.len(), 40);
    let id = uid.clone();
    app.db(move |conn| {
        users::update(
            conn,
            &id,
            &UserChanges {
                password: Some(Some(legacy.hash)),
                password_secret_version: Some(Some(1)),
                ..Default::default()
            },
        )?;
        Ok(())
    })
    .await;
    assert_eq!(app.login("liam", "uni-id-pass-1").await["errCode"], 0);
    let id = uid.clone();
    let user = app
        .db(move |conn| Ok(users::find_by_id(conn, &id)?.unwrap()))
        .await;
    assert!(
        user.password.as_deref().unwrap().starts_with("$argon2id$"),
        "upgraded on login"
    );
    assert_eq!(app.login("liam", "uni-id-pass-1").await["errCode"], 0);

    // uni-id's salted format verifies too.
    let salted = unid_core::passwords::hash_password(
        "uni-id-pass-2",
        unid_core::config::PasswordHashKind::HmacSha256,
        &[],
    )
    .unwrap();
    assert!(salted.hash.starts_with("$UNI_ID_HMAC_SHA256$20$"));
    let id = uid.clone();
    app.db(move |conn| {
        users::update(
            conn,
            &id,
            &UserChanges {
                password: Some(Some(salted.hash)),
                password_secret_version: Some(None),
                ..Default::default()
            },
        )?;
        Ok(())
    })
    .await;
    assert_eq!(app.login("liam", "uni-id-pass-2").await["errCode"], 0);
}

async fn hmac_sha256_mode_writes_uni_id_hashes(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("passwordHash = \"hmac-sha256\"")
        .start()
        .await;
    let r = app.register("mia", "Secret-Pass-123").await;
    let uid = r["uid"].as_str().unwrap().to_string();
    let user = app
        .db(move |conn| Ok(users::find_by_id(conn, &uid)?.unwrap()))
        .await;
    assert!(
        user.password
            .unwrap()
            .starts_with("$UNI_ID_HMAC_SHA256$20$")
    );
    assert_eq!(app.login("mia", "Secret-Pass-123").await["errCode"], 0);
}

async fn login_with_a_token_revokes_the_old_one(backend: Backend) {
    let app = TestApp::start(backend).await;
    let old = app.user_token("noah").await;
    app.advance_secs(1);
    let r = app
        .call("login")
        .token(&old)
        .params(json!({"username": "noah", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0);
    let info = app.call("getAccountInfo").token(&old).send().await;
    assert_eq!(info["errCode"], "uni-id-check-token-failed");
    let info = app.call("getAccountInfo").token(&token_of(&r)).send().await;
    assert_eq!(info["errCode"], 0);
}

async fn overlong_password_is_refused_before_hashing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app.login("olivia", &"p".repeat(200_000)).await;
    assert_eq!(r["errCode"], "uni-id-invalid-password");
    assert_eq!(r["errMsg"], "密码过长，最多 128 字节");
}

/// Uniqueness makes this impossible through the API; imported data can still contain it (an
/// account allowed in every app and one registered in this app, with the same username).
async fn two_accounts_matching_in_one_app_are_a_conflict(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app.register("pat", "Secret-Pass-123").await;
    let hash = {
        let uid = r["uid"].as_str().unwrap().to_string();
        app.db(move |conn| Ok(users::find_by_id(conn, &uid)?.unwrap().password))
            .await
    };
    app.db(move |conn| {
        let user = users::NewUser {
            id: unid_core::ids::new_id(0),
            username: Some("pat".into()),
            password: hash,
            ..Default::default()
        };
        users::insert(conn, &user, &["*".to_string()], &[])?;
        Ok(())
    })
    .await;
    assert_eq!(
        app.login("pat", "wrong-password").await["errCode"],
        "uni-id-password-error"
    );
    let r = app.login("pat", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], "uni-id-account-conflict");
    assert_eq!(r["errMsg"], "用户账号冲突");
}
