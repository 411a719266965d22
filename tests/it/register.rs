//! registerAdmin and registerUser (spec §1.3 Registration).

use futures_util::future::join_all;
use serde_json::json;
use unid_core::db::models::{logs, users};

use crate::cases;
use crate::support::cases::Case;
use crate::support::{APP_ID, Backend, TEST_MODE_CAPTCHA, TestApp, token_of};

pub fn cases() -> Vec<Case> {
    cases![
        register_admin_then_login_returns_a_token,
        a_second_admin_is_refused,
        admin_registered_in_another_app_is_reported_as_such,
        register_user_answers_uid_token_and_writes_a_log_row,
        register_user_always_requires_a_captcha,
        register_user_refuses_an_existing_username_in_both_languages,
        the_same_username_may_register_in_another_app,
        usernames_are_stored_lower_case_and_match_case_insensitively,
        register_user_checks_each_parameter_rule,
        the_default_password_policy_refuses_short_and_common_passwords,
        password_strength_config_applies_uni_id_rules,
        thirty_two_concurrent_registrations_make_one_account,
        concurrent_register_admin_makes_one_admin,
        invite_codes_chain_inviters,
        force_invite_code_requires_one,
        default_roles_are_added,
    ]
}

async fn register_admin_then_login_returns_a_token(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app
        .call("registerAdmin")
        .params(json!({"username": "root", "password": "Admin-Pass-2024", "nickname": "Boss"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let uid = r["uid"].as_str().unwrap();
    assert_eq!(uid.len(), 24);
    assert!(uid.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(r["passwordConfirmed"], true);
    assert!(r["newToken"]["tokenExpired"].as_i64().unwrap() > app.clock.now_ms());

    let r = app.login("root", "Admin-Pass-2024").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["uid"], uid);
    let token = token_of(&r);
    let info = app.call("getAccountInfo").token(&token).send().await;
    assert_eq!(info["errCode"], 0, "{info}");
    assert_eq!(info["isUsernameSet"], true);
    assert_eq!(info["isNicknameSet"], true);
}

async fn a_second_admin_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.admin_token().await;
    let r = app
        .call("registerAdmin")
        .params(json!({"username": "another", "password": "Admin-Pass-2024"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-admin-exists");
    assert_eq!(r["errMsg"], "超级管理员已存在");
    let r = app
        .call("registerAdmin")
        .locale("en")
        .params(json!({"username": "another", "password": "Admin-Pass-2024"}))
        .send()
        .await;
    assert_eq!(r["errMsg"], "Administrator exists");
}

async fn admin_registered_in_another_app_is_reported_as_such(backend: Backend) {
    let app = TestApp::start(backend).await;
    app.admin_token().await;
    let r = app
        .call("registerAdmin")
        .client(json!({"appId": "__UNI__OTHER"}))
        .params(json!({"username": "another", "password": "Admin-Pass-2024"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-admin-exists");
    assert_eq!(r["errMsg"], "超级管理员已在其他控制台注册");
}

async fn register_user_answers_uid_token_and_writes_a_log_row(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app.register("alice", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["errMsg"], "");
    assert_eq!(r["uid"].as_str().unwrap().len(), 24);
    assert_eq!(r["passwordConfirmed"], true);
    let uid = r["uid"].as_str().unwrap().to_string();
    let (user, log) = app
        .db(move |conn| Ok((users::find_by_id(conn, &uid)?, logs::latest(conn, 1)?)))
        .await;
    let user = user.unwrap();
    assert_eq!(user.username.as_deref(), Some("alice"));
    assert!(user.password.unwrap().starts_with("$argon2id$"));
    let env: serde_json::Value =
        serde_json::from_str(user.register_env.as_deref().unwrap()).unwrap();
    assert_eq!(env["appid"], APP_ID);
    assert_eq!(env["uni_platform"], "web");
    assert_eq!(env["client_ip"], "127.0.0.1");
    assert_eq!(log[0].type_, "register");
    assert_eq!(log[0].state, 1);
    assert_eq!(log[0].username.as_deref(), Some("alice"));
}

async fn register_user_always_requires_a_captcha(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app
        .call("registerUser")
        .params(json!({"username": "bob", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required");
    assert_eq!(r["errMsg"], "缺少参数: captcha");

    // No captcha was created for this device and scene.
    let r = app
        .call("registerUser")
        .params(json!({"username": "bob", "password": "Secret-Pass-123", "captcha": "1234"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-captcha-verify-fail");
    assert_eq!(r["errMsg"], "验证码错误");
    assert_eq!(r["code"], 10104);

    app.captcha("register").await;
    let r = app
        .call("registerUser")
        .params(json!({"username": "bob", "password": "Secret-Pass-123", "captcha": "9999"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-captcha-verify-fail");
    // A captcha for another scene does not count.
    app.captcha("login-by-pwd").await;
    let r = app
        .call("registerUser")
        .params(
            json!({"username": "bob", "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA}),
        )
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-captcha-verify-fail", "{r}");
    assert_eq!(app.register("bob", "Secret-Pass-123").await["errCode"], 0);
}

async fn register_user_refuses_an_existing_username_in_both_languages(backend: Backend) {
    let app = TestApp::start(backend).await;
    assert_eq!(app.register("carol", "Secret-Pass-123").await["errCode"], 0);
    let r = app.register("carol", "Other-Pass-456").await;
    assert_eq!(r["errCode"], "uni-id-account-exists");
    assert_eq!(r["errMsg"], "此账号已注册");
    app.captcha("register").await;
    let r = app
        .call("registerUser")
        .locale("en")
        .params(json!({"username": "carol", "password": "Other-Pass-456", "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await;
    assert_eq!(r["errMsg"], "Account exists");
    let log = app.db(|conn| Ok(logs::latest(conn, 1)?)).await;
    assert_eq!((log[0].type_.as_str(), log[0].state), ("register", 0));
}

async fn the_same_username_may_register_in_another_app(backend: Backend) {
    let app = TestApp::start(backend).await;
    assert_eq!(app.register("dave", "Secret-Pass-123").await["errCode"], 0);
    let other = json!({"appId": "__UNI__OTHER"});
    app.call("createCaptcha")
        .client(other.clone())
        .params(json!({"scene": "register"}))
        .send()
        .await;
    let r = app
        .call("registerUser")
        .client(other.clone())
        .params(json!({"username": "dave", "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    // Each app logs in to its own account.
    let a = app.login("dave", "Secret-Pass-123").await;
    let b = app
        .call("login")
        .client(other)
        .params(json!({"username": "dave", "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(a["errCode"], 0);
    assert_eq!(b["errCode"], 0);
    assert_ne!(a["uid"], b["uid"]);
}

async fn usernames_are_stored_lower_case_and_match_case_insensitively(backend: Backend) {
    let app = TestApp::start(backend).await;
    assert_eq!(
        app.register("MixedCase", "Secret-Pass-123").await["errCode"],
        0
    );
    assert_eq!(
        app.register("mixedcase", "Secret-Pass-123").await["errCode"],
        "uni-id-account-exists"
    );
    assert_eq!(
        app.login("MIXEDCASE", "Secret-Pass-123").await["errCode"],
        0
    );
}

async fn register_user_checks_each_parameter_rule(backend: Backend) {
    let app = TestApp::start(backend).await;
    let cases = [
        (
            json!({"username": "12345", "password": "Secret-Pass-123", "captcha": "1234"}),
            "uni-id-invalid-username",
        ),
        (
            json!({"username": "bad name", "password": "Secret-Pass-123", "captcha": "1234"}),
            "uni-id-invalid-username",
        ),
        (
            json!({"username": 42, "password": "Secret-Pass-123", "captcha": "1234"}),
            "uni-id-invalid-username",
        ),
        (
            json!({"username": "ok", "password": 12345678, "captcha": "1234"}),
            "uni-id-invalid-password",
        ),
        (
            json!({"username": "ok", "password": "Secret-Pass-123", "captcha": 1234}),
            "uni-id-invalid-param",
        ),
        (
            json!({"username": "ok", "password": "Secret-Pass-123", "captcha": "1234", "nickname": "a@b"}),
            "uni-id-invalid-nickname",
        ),
        (
            json!({"username": "ok", "password": "Secret-Pass-123", "captcha": "1234", "nickname": "123"}),
            "uni-id-invalid-nickname",
        ),
        (
            json!({"username": "ok", "password": "Secret-Pass-123", "captcha": "1234", "inviteCode": 7}),
            "uni-id-invalid-param",
        ),
        (
            json!({"password": "Secret-Pass-123", "captcha": "1234"}),
            "uni-id-param-required",
        ),
        (
            json!({"username": "  ", "password": "Secret-Pass-123", "captcha": "1234"}),
            "uni-id-param-required",
        ),
    ];
    for (params, code) in cases {
        let r = app.call("registerUser").params(params.clone()).send().await;
        assert_eq!(r["errCode"], code, "{params} → {r}");
    }
    let r = app
        .call("registerUser")
        .locale("en")
        .params(json!({"password": "Secret-Pass-123", "captcha": "1234"}))
        .send()
        .await;
    assert_eq!(r["errMsg"], "Parameter required: username");
}

async fn the_default_password_policy_refuses_short_and_common_passwords(backend: Backend) {
    let app = TestApp::start(backend).await;
    for (password, message) in [
        ("short1", "unid-password-length"),
        ("password123", "unid-password-too-common"),
        ("abcdefghij", "unid-password-too-simple"),
        ("11112222", "unid-password-too-simple"),
        (&"x".repeat(129)[..], "unid-password-too-long"),
    ] {
        app.captcha("register").await;
        let r = app
            .call("registerUser")
            .locale("en")
            .params(json!({"username": "erin", "password": password, "captcha": TEST_MODE_CAPTCHA}))
            .send()
            .await;
        assert_eq!(r["errCode"], "uni-id-invalid-password", "{password}: {r}");
        assert_ne!(
            r["errMsg"], "invalid password",
            "{message} gives a precise text: {r}"
        );
    }
    assert_eq!(
        app.register(
            "erin",
            &"x1Q9"
                .repeat(31)
                .chars()
                .chain("pass".chars())
                .collect::<String>()
        )
        .await["errCode"],
        0,
        "128 bytes is allowed"
    );
}

async fn password_strength_config_applies_uni_id_rules(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("passwordStrength = \"super\"")
        .start()
        .await;
    let r = app.register("frank", "alllowercase1!").await;
    assert_eq!(r["errCode"], "uni-id-invalid-password-super");
    assert_eq!(
        r["errMsg"],
        "密码必须包含大小写字母、数字和特殊符号，长度8-16位"
    );
    assert_eq!(app.register("frank", "Abcdefg1!").await["errCode"], 0);
}

async fn thirty_two_concurrent_registrations_make_one_account(backend: Backend) {
    let app = TestApp::start(backend).await;
    // One captcha per device, so each request passes the captcha on its own.
    for i in 0..32 {
        let r = app
            .call("createCaptcha")
            .client(json!({"deviceId": format!("device-{i}")}))
            .params(json!({"scene": "register"}))
            .send()
            .await;
        assert_eq!(r["errCode"], 0);
    }
    let requests = (0..32).map(|i| {
        app.call("registerUser")
            .client(json!({"deviceId": format!("device-{i}")}))
            .params(json!({"username": "popular", "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA}))
            .send()
    });
    let answers = join_all(requests).await;
    let ok = answers.iter().filter(|r| r["errCode"] == 0).count();
    let exists = answers
        .iter()
        .filter(|r| r["errCode"] == "uni-id-account-exists")
        .count();
    assert_eq!((ok, exists), (1, 31), "{answers:?}");
    let count = app.db(|conn| Ok(users::count(conn)?)).await;
    assert_eq!(count, 1);
}

async fn concurrent_register_admin_makes_one_admin(backend: Backend) {
    let app = TestApp::start(backend).await;
    let requests = (0..8).map(|i| {
        app.call("registerAdmin")
            .params(json!({"username": format!("admin{i}"), "password": "Admin-Pass-2024"}))
            .send()
    });
    let answers = join_all(requests).await;
    let ok = answers.iter().filter(|r| r["errCode"] == 0).count();
    assert_eq!(ok, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|r| r["errCode"] == 0 || r["errCode"] == "uni-id-admin-exists")
    );
}

async fn invite_codes_chain_inviters(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("autoSetInviteCode = true")
        .start()
        .await;
    let a = app.register("inviter", "Secret-Pass-123").await;
    let a_uid = a["uid"].as_str().unwrap().to_string();
    let uid = a_uid.clone();
    let a_user = app
        .db(move |conn| Ok(users::find_by_id(conn, &uid)?.unwrap()))
        .await;
    let code = a_user.my_invite_code.unwrap();
    assert_eq!(code.len(), 6);
    assert!(
        code.bytes()
            .all(|b| b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ".contains(&b))
    );

    app.captcha("register").await;
    let b = app
        .call("registerUser")
        .params(json!({"username": "invitee", "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA, "inviteCode": code}))
        .send()
        .await;
    assert_eq!(b["errCode"], 0, "{b}");
    let b_uid = b["uid"].as_str().unwrap().to_string();
    let b_user = app
        .db(move |conn| Ok(users::find_by_id(conn, &b_uid)?.unwrap()))
        .await;
    assert_eq!(
        b_user.inviter_uid.as_deref(),
        Some(format!("[\"{a_uid}\"]").as_str())
    );

    app.captcha("register").await;
    let c = app
        .call("registerUser")
        .params(json!({"username": "nobody", "password": "Secret-Pass-123", "captcha": TEST_MODE_CAPTCHA, "inviteCode": "ZZZZZZ"}))
        .send()
        .await;
    assert_eq!(c["errCode"], "uni-id-invalid-invite-code");
}

async fn force_invite_code_requires_one(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("forceInviteCode = true")
        .start()
        .await;
    let r = app.register("lonely", "Secret-Pass-123").await;
    assert_eq!(r["errCode"], "uni-id-invalid-invite-code");
    assert_eq!(r["errMsg"], "邀请码不可用");
    // Administrators are exempt.
    app.admin_token().await;
}

async fn default_roles_are_added(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("userRegisterDefaultRole = [\"member\"]")
        .start()
        .await;
    let r = app.register("grace", "Secret-Pass-123").await;
    let uid = r["uid"].as_str().unwrap().to_string();
    let roles = app.db(move |conn| Ok(users::roles_of(conn, &uid)?)).await;
    assert_eq!(roles, vec!["member".to_string()]);
    let claims = unid_core::tokens::jwt::verify(
        &token_of(&r),
        app.host
            .settings
            .default_effective()
            .token_secret
            .expose()
            .as_bytes(),
        app.clock.now_ms(),
    )
    .unwrap();
    assert_eq!(claims.role, vec!["member".to_string()]);
}
