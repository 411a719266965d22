//! The email plugin (issue 3): sendEmailCode, registerUserByEmail, resetPwdByEmail,
//! loginByEmailCode, bindEmail, unbindEmail — in test mode, and outside it through a real SMTP
//! conversation with a server started by the test (or the development `file` transport).

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{Value, json};
use unid_core::db::models::logs;

use crate::cases;
use crate::support::cases::Case;
use crate::support::smtp::{Behaviour, Received, SmtpServer, Stall};
use crate::support::{Backend, TestApp, token_of};

pub fn cases() -> Vec<Case> {
    cases![
        test_mode_answers_like_uni_id_and_123456_registers,
        test_mode_sends_no_mail_even_with_a_transport,
        send_email_code_needs_a_captcha_a_known_scene_and_an_address,
        the_code_arrives_by_smtp_in_chinese,
        the_code_arrives_in_english_for_an_english_client,
        the_answer_to_a_send_does_not_tell_whether_an_account_exists,
        register_user_by_email_refuses_a_taken_address,
        login_by_email_code_registers_a_new_address_then_logs_it_in,
        reset_pwd_by_email_sets_the_password_and_ends_sessions,
        bind_email_binds_and_refuses_taken_addresses,
        unbind_email_unbinds_and_refuses_the_last_way_in,
        a_code_is_single_use_scene_bound_and_expires,
        two_concurrent_uses_of_one_code_let_one_through,
        five_wrong_guesses_void_a_code,
        only_the_newest_code_ever_works,
        login_and_bind_ask_for_a_captcha_after_three_failures,
        sends_are_capped_per_address_and_scene_per_day_and_per_ip,
        a_refusing_smtp_server_is_a_clear_error,
        smtp_auth_is_used_when_configured,
        a_stalling_smtp_server_times_out_and_unid_stays_responsive,
        the_file_transport_writes_an_eml_file,
        email_code_login_type_is_reported_when_enabled,
    ]
}

const EMAIL: &str = "alice@example.com";
const PASSWORD: &str = "Secret-Pass-123";

/// `[plugins.email]` for the test SMTP server; `email` and `smtp` add keys to each table.
pub(crate) fn smtp_config(server: &SmtpServer, email: &str, smtp: &str) -> String {
    format!(
        "[plugins.email]\ntransport = \"smtp\"\nfrom = \"noreply@unid.test\"\nfromName = \"Acme\"\n{email}\n[plugins.email.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"plain\"\n{smtp}\n",
        server.port()
    )
}

/// unid outside test mode, mailing through `server`.
async fn mail_app(backend: Backend, server: &SmtpServer) -> TestApp {
    TestApp::builder(backend)
        .without_test_mode()
        .config(&smtp_config(server, "", ""))
        .start()
        .await
}

/// A `send-email-code` captcha, then a code for `scene`.
async fn send(app: &TestApp, email: &str, scene: &str) -> Value {
    let answer = app.solve_captcha("device-1", "send-email-code").await;
    app.call("sendEmailCode")
        .params(json!({"email": email, "scene": scene, "captcha": answer}))
        .send()
        .await
}

/// Sends a code for `scene` through `server` and reads it from the received mail.
async fn mailed_code(app: &TestApp, server: &SmtpServer, email: &str, scene: &str) -> String {
    let before = server.messages().len();
    let r = send(app, email, scene).await;
    assert_eq!(
        r,
        json!({"errCode": 0, "errMsg": ""}),
        "sendEmailCode {scene}"
    );
    let messages = server.messages();
    assert_eq!(messages.len(), before + 1, "one mail per send");
    let mail = messages.last().unwrap();
    assert_eq!(mail.rcpt_to, vec![email.trim().to_lowercase()]);
    mail.code()
}

async fn register_by_email(app: &TestApp, email: &str, code: &str) -> Value {
    app.call("registerUserByEmail")
        .params(json!({"email": email, "password": PASSWORD, "code": code}))
        .send()
        .await
}

async fn login_by_code(app: &TestApp, email: &str, code: &str) -> Value {
    app.call("loginByEmailCode")
        .params(json!({"email": email, "code": code}))
        .send()
        .await
}

/// `registerUser` with a solved captcha (works outside test mode); returns the token.
async fn user_token(app: &TestApp, username: &str) -> String {
    let answer = app.solve_captcha("device-1", "register").await;
    let r = app
        .call("registerUser")
        .params(json!({"username": username, "password": PASSWORD, "captcha": answer}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "registerUser {username}: {r}");
    token_of(&r)
}

async fn account_info(app: &TestApp, token: &str) -> Value {
    app.call("getAccountInfo").token(token).send().await
}

async fn latest_log(app: &TestApp) -> logs::LogRow {
    app.db(|conn| Ok(logs::latest(conn, 1)?))
        .await
        .pop()
        .expect("a log row")
}

async fn test_mode_answers_like_uni_id_and_123456_registers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = send(&app, " Alice@Example.COM ", "register").await;
    assert_eq!(r["errCode"], "uni-id-invalid-mail-template", "{r}");
    assert_eq!(
        r["errMsg"],
        "已启动测试模式，直接使用：123456作为邮箱验证码即可。"
    );
    // The code belongs to the trimmed, lower-cased address.
    let r = app
        .call("registerUserByEmail")
        .params(
            json!({"email": EMAIL, "password": PASSWORD, "code": "123456", "nickname": "Alice"}),
        )
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["passwordConfirmed"], true);
    assert!(r["uid"].is_string());
    let token = token_of(&r);
    let info = account_info(&app, &token).await;
    assert_eq!(info["isEmailBound"], true, "{info}");
    assert_eq!(info["isNicknameSet"], true, "{info}");
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("register", 1));
    assert_eq!(log.email.as_deref(), Some(EMAIL));
    let r = app
        .call("login")
        .params(json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(
        r["errCode"], 0,
        "the address logs in with the password: {r}"
    );
    let r = app
        .call("sendEmailCode")
        .locale("en")
        .params(json!({"email": "bob@example.com", "scene": "register", "captcha": app.solve_captcha("device-1", "send-email-code").await}))
        .send()
        .await;
    assert_eq!(
        r["errMsg"],
        "Test mode is on: use 123456 as the e-mail code."
    );
}

async fn test_mode_sends_no_mail_even_with_a_transport(backend: Backend) {
    let server = SmtpServer::start().await;
    let app = TestApp::builder(backend)
        .config(&smtp_config(&server, "", ""))
        .start()
        .await;
    let r = send(&app, EMAIL, "login-by-email").await;
    assert_eq!(r["errCode"], "uni-id-invalid-mail-template");
    assert_eq!(server.connections(), 0);
    assert_eq!(
        login_by_code(&app, EMAIL, "123456").await["type"],
        "register"
    );
}

async fn send_email_code_needs_a_captcha_a_known_scene_and_an_address(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app
        .call("sendEmailCode")
        .params(json!({"email": EMAIL, "scene": "register"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    let r = app
        .call("sendEmailCode")
        .params(json!({"email": EMAIL, "scene": "register", "captcha": "1234"}))
        .send()
        .await;
    assert_eq!(
        r["errCode"], "uni-captcha-verify-fail",
        "no captcha was created: {r}"
    );
    // The captcha's scene is always send-email-code, whatever the code's scene.
    let answer = app.solve_captcha("device-1", "register").await;
    let r = app
        .call("sendEmailCode")
        .params(json!({"email": EMAIL, "scene": "register", "captcha": answer}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-captcha-verify-fail", "{r}");
    for scene in ["login-by-sms", "send-email-code", "Register"] {
        let r = send(&app, EMAIL, scene).await;
        assert_eq!(r["errCode"], "uni-id-invalid-param", "{scene}: {r}");
    }
    assert_eq!(
        send(&app, "no-at-sign", "register").await["errCode"],
        "uni-id-invalid-email"
    );
    assert_eq!(
        send(&app, "two@@example.com", "register").await["errCode"],
        "uni-id-invalid-email",
        "the validator only wants an @; a mail needs a real address"
    );
    for scene in [
        "register",
        "login-by-email",
        "reset-pwd-by-email",
        "bind-email",
        "unbind-email",
    ] {
        let r = send(&app, EMAIL, scene).await;
        assert_eq!(r["errCode"], "uni-id-invalid-mail-template", "{scene}: {r}");
    }
}

async fn the_code_arrives_by_smtp_in_chinese(backend: Backend) {
    let server = SmtpServer::start().await;
    let app = mail_app(backend, &server).await;
    let code = mailed_code(&app, &server, "Alice@Example.com", "register").await;
    assert_eq!(code.len(), 6);
    assert_ne!(code, "123456", "outside test mode the code is random");
    let mail: Received = server.last();
    assert_eq!(mail.mail_from, "noreply@unid.test");
    assert_eq!(mail.rcpt_to, vec![EMAIL.to_string()]);
    assert_eq!(mail.user, None);
    assert_eq!(mail.subject(), "【Acme】注册账号验证码");
    assert_eq!(
        mail.header("from").as_deref(),
        Some("Acme <noreply@unid.test>")
    );
    assert_eq!(mail.header("to").as_deref(), Some(EMAIL));
    assert!(
        mail.header("content-type")
            .unwrap()
            .starts_with("multipart/alternative"),
    );
    let text = mail.text();
    assert!(text.contains("您正在注册账号，验证码为："), "{text}");
    assert!(text.contains(&format!("    {code}\n")), "{text}");
    assert!(text.contains("验证码 3 分钟内有效"), "{text}");
    let html = mail.html();
    assert!(html.contains("<html lang=\"zh-Hans\">"), "{html}");
    assert!(html.contains(&format!(">{code}</p>")), "{html}");
    assert!(html.contains("您正在注册账号"), "{html}");
    assert!(
        html.contains("<title>【Acme】注册账号验证码</title>"),
        "{html}"
    );

    let r = register_by_email(&app, EMAIL, &code).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["passwordConfirmed"], true);
    let info = account_info(&app, &token_of(&r)).await;
    assert_eq!(info["isEmailBound"], true);
}

async fn the_code_arrives_in_english_for_an_english_client(backend: Backend) {
    let server = SmtpServer::start().await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&smtp_config(&server, "codeExpiresIn = 300", ""))
        .start()
        .await;
    let answer = app.solve_captcha("device-1", "send-email-code").await;
    let r = app
        .call("sendEmailCode")
        .locale("en-US")
        .params(json!({"email": EMAIL, "scene": "login-by-email", "captcha": answer}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let mail = server.last();
    assert_eq!(mail.subject(), "Acme: Your verification code to sign in");
    let text = mail.text();
    assert!(text.contains("Use this code to sign in:"), "{text}");
    assert!(
        text.contains("It is valid for 5 minutes. Do not share it with anyone."),
        "{text}"
    );
    let html = mail.html();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("Use this code to sign in:"), "{html}");
    // The code lives for codeExpiresIn: still good after four minutes.
    app.advance_secs(240);
    let r = login_by_code(&app, EMAIL, &mail.code()).await;
    assert_eq!(r["errCode"], 0, "{r}");
}

async fn the_answer_to_a_send_does_not_tell_whether_an_account_exists(backend: Backend) {
    let server = SmtpServer::start().await;
    let app = mail_app(backend, &server).await;
    let code = mailed_code(&app, &server, EMAIL, "register").await;
    assert_eq!(register_by_email(&app, EMAIL, &code).await["errCode"], 0);
    app.advance_secs(61);
    for scene in ["register", "reset-pwd-by-email", "login-by-email"] {
        let known = send(&app, EMAIL, scene).await;
        let unknown = send(&app, "nobody@example.com", scene).await;
        assert_eq!(known, unknown, "{scene}");
        assert_eq!(known, json!({"errCode": 0, "errMsg": ""}));
    }
}

async fn register_user_by_email_refuses_a_taken_address(backend: Backend) {
    let app = TestApp::start(backend).await;
    send(&app, EMAIL, "register").await;
    assert_eq!(register_by_email(&app, EMAIL, "123456").await["errCode"], 0);
    app.advance_secs(61);
    send(&app, EMAIL, "register").await;
    let r = register_by_email(&app, "ALICE@example.com", "123456").await;
    assert_eq!(r["errCode"], "uni-id-account-exists", "{r}");
    assert_eq!(r["errMsg"], "此账号已注册");
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("register", 0));
    // A wrong code is logged as a failed registration with the address.
    let r = register_by_email(&app, "new@example.com", "000000").await;
    assert_eq!(r["errCode"], "uni-id-email-verify-code-error");
    assert_eq!(r["errMsg"], "邮箱验证码错误或已过期");
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("register", 0));
    assert_eq!(log.email.as_deref(), Some("new@example.com"));
    // Another app is another namespace.
    send(&app, "carol@example.com", "register").await;
    let other = app
        .call("registerUserByEmail")
        .client(json!({"appId": "__UNI__OTHER"}))
        .params(json!({"email": "carol@example.com", "password": PASSWORD, "code": "123456"}))
        .send()
        .await;
    assert_eq!(other["errCode"], 0, "{other}");
}

async fn login_by_email_code_registers_a_new_address_then_logs_it_in(backend: Backend) {
    let server = SmtpServer::start().await;
    let app = mail_app(backend, &server).await;
    let code = mailed_code(&app, &server, EMAIL, "login-by-email").await;
    let first = login_by_code(&app, EMAIL, &code).await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    assert_eq!(first["passwordConfirmed"], false);
    let info = account_info(&app, &token_of(&first)).await;
    assert_eq!(info["isEmailBound"], true);
    assert_eq!(info["isPasswordSet"], false);

    app.advance_secs(61);
    let code = mailed_code(&app, &server, EMAIL, "login-by-email").await;
    let second = login_by_code(&app, "  ALICE@example.com", &code).await;
    assert_eq!(second["errCode"], 0, "{second}");
    assert_eq!(second["type"], "login");
    assert_eq!(second["uid"], first["uid"]);
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("login", 1));

    // An account registered with a password logs in by code too.
    let code = mailed_code(&app, &server, "bob@example.com", "register").await;
    let bob = register_by_email(&app, "bob@example.com", &code).await;
    let code = mailed_code(&app, &server, "bob@example.com", "login-by-email").await;
    let r = login_by_code(&app, "bob@example.com", &code).await;
    assert_eq!(r["type"], "login", "{r}");
    assert_eq!(r["uid"], bob["uid"]);
    assert_eq!(r["passwordConfirmed"], true);
}

async fn reset_pwd_by_email_sets_the_password_and_ends_sessions(backend: Backend) {
    let server = SmtpServer::start().await;
    let app = mail_app(backend, &server).await;
    let code = mailed_code(&app, &server, EMAIL, "register").await;
    let token = token_of(&register_by_email(&app, EMAIL, &code).await);
    let reset = |email: &'static str, code: String| {
        app.call("resetPwdByEmail")
            .params(json!({"email": email, "code": code, "password": "Reset-Pass-2024"}))
            .send()
    };
    let r = reset(EMAIL, "000000".into()).await;
    assert_eq!(r["errCode"], "uni-id-email-verify-code-error");
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("reset-pwd", 0));

    let code = mailed_code(&app, &server, EMAIL, "reset-pwd-by-email").await;
    let r = reset(EMAIL, code).await;
    assert_eq!(r, json!({"errCode": 0, "errMsg": ""}));
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("reset-pwd", 1));
    assert_eq!(
        account_info(&app, &token).await["errCode"],
        "uni-id-check-token-failed",
        "a reset ends every session"
    );
    let r = app
        .call("login")
        .params(json!({"email": EMAIL, "password": "Reset-Pass-2024"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let r = app
        .call("login")
        .params(json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-password-error");

    // No account with the address, or none in this app.
    let code = mailed_code(&app, &server, "nobody@example.com", "reset-pwd-by-email").await;
    assert_eq!(
        reset("nobody@example.com", code).await["errCode"],
        "uni-id-account-not-exists"
    );
    app.advance_secs(61);
    let code = mailed_code(&app, &server, EMAIL, "reset-pwd-by-email").await;
    let r = app
        .call("resetPwdByEmail")
        .client(json!({"appId": "__UNI__OTHER"}))
        .params(json!({"email": EMAIL, "code": code, "password": "Reset-Pass-2024"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-account-not-exists-in-current-app");

    // After three failures a captcha is needed (scene reset-pwd-by-email).
    for _ in 0..3 {
        let r = reset(EMAIL, "000000".into()).await;
        assert_eq!(r["errCode"], "uni-id-email-verify-code-error", "{r}");
    }
    let r = reset(EMAIL, "000000".into()).await;
    assert_eq!(r["errCode"], "uni-id-captcha-required", "{r}");
    app.advance_secs(61);
    let code = mailed_code(&app, &server, EMAIL, "reset-pwd-by-email").await;
    let answer = app.solve_captcha("device-1", "reset-pwd-by-email").await;
    let r = app
        .call("resetPwdByEmail")
        .params(
            json!({"email": EMAIL, "code": code, "password": "Third-Pass-2024", "captcha": answer}),
        )
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
}

async fn bind_email_binds_and_refuses_taken_addresses(backend: Backend) {
    let server = SmtpServer::start().await;
    let app = mail_app(backend, &server).await;
    let alice = user_token(&app, "alice").await;
    let bind = |token: String, email: &'static str, code: String| {
        let app = &app;
        async move {
            app.call("bindEmail")
                .token(&token)
                .params(json!({"email": email, "code": code}))
                .send()
                .await
        }
    };
    assert_eq!(
        bind(alice.clone(), EMAIL, "000000".into()).await["errCode"],
        "uni-id-email-verify-code-error"
    );
    let code = mailed_code(&app, &server, EMAIL, "bind-email").await;
    assert_eq!(server.last().subject(), "【Acme】绑定邮箱验证码");
    let r = bind(alice.clone(), "Alice@Example.com", code).await;
    assert_eq!(r, json!({"errCode": 0, "errMsg": ""}));
    assert_eq!(account_info(&app, &alice).await["isEmailBound"], true);
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("bind-email", 1));
    let r = app
        .call("login")
        .params(json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "the bound address logs in: {r}");

    // Taken: by Alice herself, and for Bob.
    app.advance_secs(61);
    let code = mailed_code(&app, &server, EMAIL, "bind-email").await;
    let r = bind(alice.clone(), EMAIL, code).await;
    assert_eq!(r["errCode"], "uni-id-bind-conflict");
    assert_eq!(r["errMsg"], "此账号已被绑定");
    let bob = user_token(&app, "bob").await;
    app.advance_secs(61);
    let code = mailed_code(&app, &server, EMAIL, "bind-email").await;
    assert_eq!(
        bind(bob.clone(), EMAIL, code).await["errCode"],
        "uni-id-bind-conflict"
    );
    // A code for another scene does not bind.
    let code = mailed_code(&app, &server, "bob@example.com", "login-by-email").await;
    assert_eq!(
        bind(bob, "bob@example.com", code).await["errCode"],
        "uni-id-email-verify-code-error"
    );
    assert_eq!(
        app.call("bindEmail")
            .params(json!({"email": EMAIL, "code": "1"}))
            .send()
            .await["errCode"],
        "uni-id-check-token-failed"
    );
}

async fn unbind_email_unbinds_and_refuses_the_last_way_in(backend: Backend) {
    let server = SmtpServer::start().await;
    let app = mail_app(backend, &server).await;
    let unbind = |token: String, code: String| {
        let app = &app;
        async move {
            app.call("unbindEmail")
                .token(&token)
                .params(json!({ "code": code }))
                .send()
                .await
        }
    };
    // Alice has a username and a password besides her address.
    let alice = user_token(&app, "alice").await;
    assert_eq!(
        unbind(alice.clone(), "000000".into()).await["errCode"],
        "uni-id-unbind-failed",
        "nothing bound yet"
    );
    let code = mailed_code(&app, &server, EMAIL, "bind-email").await;
    let r = app
        .call("bindEmail")
        .token(&alice)
        .params(json!({"email": EMAIL, "code": code}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(
        unbind(alice.clone(), "000000".into()).await["errCode"],
        "uni-id-email-verify-code-error"
    );
    // A code for another scene does not unbind.
    let code = mailed_code(&app, &server, EMAIL, "login-by-email").await;
    assert_eq!(
        unbind(alice.clone(), code).await["errCode"],
        "uni-id-email-verify-code-error"
    );
    let code = mailed_code(&app, &server, EMAIL, "unbind-email").await;
    assert_eq!(server.last().subject(), "【Acme】解绑邮箱验证码");
    let r = unbind(alice.clone(), code).await;
    assert_eq!(r, json!({"errCode": 0, "errMsg": ""}));
    assert_eq!(account_info(&app, &alice).await["isEmailBound"], false);
    let log = latest_log(&app).await;
    assert_eq!((log.type_.as_str(), log.state), ("unbind-email", 1));

    // Carol signed up by code: her address is her only way in.
    let code = mailed_code(&app, &server, "carol@example.com", "login-by-email").await;
    let carol = token_of(&login_by_code(&app, "carol@example.com", &code).await);
    let code = mailed_code(&app, &server, "carol@example.com", "unbind-email").await;
    let r = unbind(carol.clone(), code).await;
    assert_eq!(r["errCode"], "uni-id-unbind-mobile-not-exists", "{r}");
    assert_eq!(account_info(&app, &carol).await["isEmailBound"], true);
}

async fn a_code_is_single_use_scene_bound_and_expires(backend: Backend) {
    let app = TestApp::start(backend).await;
    send(&app, EMAIL, "register").await;
    let r = login_by_code(&app, EMAIL, "123456").await;
    assert_eq!(
        r["errCode"], "uni-id-email-verify-code-error",
        "sent for another scene: {r}"
    );
    assert_eq!(register_by_email(&app, EMAIL, "123456").await["errCode"], 0);

    send(&app, EMAIL, "login-by-email").await;
    assert_eq!(login_by_code(&app, EMAIL, "123456").await["errCode"], 0);
    let reused = login_by_code(&app, EMAIL, "123456").await;
    assert_eq!(reused["errCode"], "uni-id-email-verify-code-error");

    app.advance_secs(61);
    send(&app, EMAIL, "login-by-email").await;
    app.advance_secs(181);
    let late = app
        .call("loginByEmailCode")
        .locale("en")
        .params(json!({"email": EMAIL, "code": "123456"}))
        .send()
        .await;
    assert_eq!(late["errCode"], "uni-id-email-verify-code-error", "{late}");
    assert_eq!(late["errMsg"], "Verify code error or expired");
    // A code for another address does not work either.
    app.advance_secs(61);
    send(&app, "bob@example.com", "login-by-email").await;
    let r = login_by_code(&app, EMAIL, "123456").await;
    assert!(
        r["errCode"] == "uni-id-email-verify-code-error"
            || r["errCode"] == "uni-id-captcha-required",
        "{r}"
    );
}

async fn two_concurrent_uses_of_one_code_let_one_through(backend: Backend) {
    let app = TestApp::start(backend).await;
    send(&app, EMAIL, "login-by-email").await;
    let answers = join_all((0..6).map(|_| login_by_code(&app, EMAIL, "123456"))).await;
    let ok = answers.iter().filter(|r| r["errCode"] == 0).count();
    assert_eq!(ok, 1, "{answers:?}");
    assert!(
        answers.iter().all(|r| r["errCode"] == 0
            || r["errCode"] == "uni-id-email-verify-code-error"
            || r["errCode"] == "uni-id-captcha-required"),
        "{answers:?}"
    );
    // The same for registration: one account, one success.
    send(&app, "bob@example.com", "register").await;
    let answers =
        join_all((0..4).map(|_| register_by_email(&app, "bob@example.com", "123456"))).await;
    assert_eq!(
        answers.iter().filter(|r| r["errCode"] == 0).count(),
        1,
        "{answers:?}"
    );
}

async fn five_wrong_guesses_void_a_code(backend: Backend) {
    let app = TestApp::start(backend).await;
    send(&app, EMAIL, "register").await;
    for i in 0..5 {
        let r = register_by_email(&app, EMAIL, &format!("00000{i}")).await;
        assert_eq!(r["errCode"], "uni-id-email-verify-code-error", "{r}");
    }
    let r = register_by_email(&app, EMAIL, "123456").await;
    assert_eq!(
        r["errCode"], "uni-id-email-verify-code-error",
        "the right code no longer works: {r}"
    );
    // A new code works again.
    app.advance_secs(61);
    send(&app, EMAIL, "register").await;
    assert_eq!(register_by_email(&app, EMAIL, "123456").await["errCode"], 0);
}

/// A new code replaces the previous one: the older code is refused while the newer one is
/// pending, and still refused once the newer one has been used.
async fn only_the_newest_code_ever_works(backend: Backend) {
    let server = SmtpServer::start().await;
    let app = mail_app(backend, &server).await;
    let first = mailed_code(&app, &server, EMAIL, "login-by-email").await;
    app.advance_secs(61);
    let mut second = mailed_code(&app, &server, EMAIL, "login-by-email").await;
    while second == first {
        // One chance in a million: ask again so the two codes differ.
        app.advance_secs(61);
        second = mailed_code(&app, &server, EMAIL, "login-by-email").await;
    }
    let r = login_by_code(&app, EMAIL, &first).await;
    assert_eq!(r["errCode"], "uni-id-email-verify-code-error", "{r}");
    assert_eq!(login_by_code(&app, EMAIL, &second).await["errCode"], 0);
    let r = login_by_code(&app, EMAIL, &first).await;
    assert_eq!(
        r["errCode"], "uni-id-email-verify-code-error",
        "the older code came back: {r}"
    );
}

async fn login_and_bind_ask_for_a_captcha_after_three_failures(backend: Backend) {
    let app = TestApp::start(backend).await;
    for _ in 0..3 {
        let r = login_by_code(&app, EMAIL, "000000").await;
        assert_eq!(r["errCode"], "uni-id-email-verify-code-error", "{r}");
    }
    let r = login_by_code(&app, EMAIL, "000000").await;
    assert_eq!(r["errCode"], "uni-id-captcha-required", "{r}");
    send(&app, EMAIL, "login-by-email").await;
    let answer = app.solve_captcha("device-1", "login-by-email").await;
    let r = app
        .call("loginByEmailCode")
        .params(json!({"email": EMAIL, "code": "123456", "captcha": answer}))
        .send()
        .await;
    assert_eq!(r["type"], "register", "{r}");

    // bindEmail counts failures by user (log type bind-email).
    let bob = app.user_token("bob").await;
    let bind = |code: &'static str, captcha: Option<String>| {
        app.call("bindEmail")
            .token(&bob)
            .params(json!({"email": "bob@example.com", "code": code, "captcha": captcha}))
            .send()
    };
    for _ in 0..3 {
        assert_eq!(
            bind("000000", None).await["errCode"],
            "uni-id-email-verify-code-error"
        );
    }
    assert_eq!(
        bind("123456", None).await["errCode"],
        "uni-id-captcha-required"
    );
    send(&app, "bob@example.com", "bind-email").await;
    let answer = app.solve_captcha("device-1", "bind-email").await;
    let r = bind("123456", Some(answer)).await;
    assert_eq!(r["errCode"], 0, "{r}");
}

async fn sends_are_capped_per_address_and_scene_per_day_and_per_ip(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[codes]\nsendInterval = 60\nperTargetPerDay = 3\nperIpPerHour = 3")
        .start()
        .await;
    let test_mode = "uni-id-invalid-mail-template";
    assert_eq!(send(&app, EMAIL, "register").await["errCode"], test_mode);
    let r = send(&app, EMAIL, "register").await;
    assert_eq!(r["errCode"], "unid-code-send-limit");
    assert_eq!(r["errMsg"], "发送过于频繁，请稍后再试");
    // Another scene has its own interval but counts toward the day; case does not matter.
    assert_eq!(
        send(&app, "ALICE@example.com", "login-by-email").await["errCode"],
        test_mode
    );
    app.advance_secs(61);
    assert_eq!(send(&app, EMAIL, "register").await["errCode"], test_mode);
    app.advance_secs(61);
    assert_eq!(
        send(&app, EMAIL, "reset-pwd-by-email").await["errCode"],
        "unid-code-send-limit",
        "3 per address per day"
    );
    // Another address from the same IP, which has sent 3 codes this hour.
    let r = send(&app, "bob@example.com", "register").await;
    assert_eq!(r["errCode"], "unid-code-send-limit", "{r}");
    app.advance_secs(3600);
    assert_eq!(
        send(&app, "bob@example.com", "register").await["errCode"],
        test_mode
    );
}

async fn a_refusing_smtp_server_is_a_clear_error(backend: Backend) {
    let server = SmtpServer::start_with(Behaviour {
        rcpt_reply: Some("550 5.1.1 No such user here".into()),
        ..Behaviour::default()
    })
    .await;
    let app = mail_app(backend, &server).await;
    let r = send(&app, EMAIL, "register").await;
    assert_eq!(r["errCode"], "unid-code-send-failed", "{r}");
    assert_eq!(r["errMsg"], "验证码发送失败，请稍后再试");
    assert_eq!(server.connections(), 1);
    assert!(server.messages().is_empty());

    server.behave(Behaviour {
        data_reply: Some("451 4.3.0 Try again later".into()),
        ..Behaviour::default()
    });
    let r = app
        .call("sendEmailCode")
        .locale("en")
        .params(json!({"email": "bob@example.com", "scene": "register", "captcha": app.solve_captcha("device-1", "send-email-code").await}))
        .send()
        .await;
    assert_eq!(r["errCode"], "unid-code-send-failed", "{r}");
    assert_eq!(
        r["errMsg"],
        "Failed to send the code, please try again later"
    );
    assert!(server.messages().is_empty());

    // Healthy again: the next send arrives, with no wait (a failed send is taken back from the
    // address's caps).
    server.behave(Behaviour::default());
    let code = mailed_code(&app, &server, EMAIL, "register").await;
    assert_eq!(register_by_email(&app, EMAIL, &code).await["errCode"], 0);

    // Nothing listening at all.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&format!(
            "[plugins.email]\ntransport = \"smtp\"\nfrom = \"noreply@unid.test\"\n[plugins.email.smtp]\nhost = \"localhost\"\nport = {closed}\nsecurity = \"plain\"\n"
        ))
        .start()
        .await;
    assert_eq!(
        send(&app, EMAIL, "register").await["errCode"],
        "unid-code-send-failed"
    );
}

async fn smtp_auth_is_used_when_configured(backend: Backend) {
    let server = SmtpServer::start_with(Behaviour {
        credentials: Some(("mailer".into(), "smtp-pass-1".into())),
        ..Behaviour::default()
    })
    .await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&smtp_config(
            &server,
            "",
            "username = \"mailer\"\npassword = \"smtp-pass-1\"",
        ))
        .start()
        .await;
    mailed_code(&app, &server, EMAIL, "register").await;
    assert_eq!(server.last().user.as_deref(), Some("mailer"));

    let wrong = TestApp::builder(backend)
        .without_test_mode()
        .config(&smtp_config(
            &server,
            "",
            "username = \"mailer\"\npassword = \"wrong\"",
        ))
        .start()
        .await;
    assert_eq!(
        send(&wrong, EMAIL, "register").await["errCode"],
        "unid-code-send-failed"
    );
    // Without credentials the server refuses MAIL FROM.
    let anonymous = mail_app(backend, &server).await;
    assert_eq!(
        send(&anonymous, EMAIL, "register").await["errCode"],
        "unid-code-send-failed"
    );
    assert_eq!(server.messages().len(), 1);
}

async fn a_stalling_smtp_server_times_out_and_unid_stays_responsive(backend: Backend) {
    let server = SmtpServer::start_with(Behaviour {
        stall: Some(Stall::Data),
        ..Behaviour::default()
    })
    .await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&smtp_config(&server, "", "timeoutSecs = 1"))
        .start()
        .await;
    let started = Instant::now();
    // While the send waits on the mail server, other requests are served at once: no database
    // connection is held across the SMTP conversation.
    let (stalled, meanwhile) = tokio::join!(send(&app, EMAIL, "register"), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let t = Instant::now();
        let r = app.call("getSupportedLoginType").send().await;
        (r, t.elapsed())
    });
    let waited = started.elapsed();
    assert_eq!(stalled["errCode"], "unid-code-send-failed", "{stalled}");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "timed out after {waited:?}"
    );
    assert_eq!(meanwhile.0["errCode"], 0);
    assert!(
        meanwhile.1 < Duration::from_millis(700),
        "{:?}",
        meanwhile.1
    );

    // A server that never greets times out the same way.
    server.behave(Behaviour {
        stall: Some(Stall::Greeting),
        ..Behaviour::default()
    });
    app.advance_secs(61);
    let started = Instant::now();
    assert_eq!(
        send(&app, EMAIL, "register").await["errCode"],
        "unid-code-send-failed"
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // Once the server is healthy the next code arrives, and the earlier ones were void.
    server.behave(Behaviour::default());
    app.advance_secs(61);
    let code = mailed_code(&app, &server, EMAIL, "register").await;
    assert_eq!(register_by_email(&app, EMAIL, &code).await["errCode"], 0);
    assert_eq!(server.connections(), 3);
}

async fn the_file_transport_writes_an_eml_file(backend: Backend) {
    let dir = std::env::temp_dir().join(format!(
        "unid-mail-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&format!(
            "[plugins.email]\ntransport = \"file\"\nfrom = \"dev@unid.test\"\n[plugins.email.file]\ndir = \"{}\"\n",
            dir.display()
        ))
        .start()
        .await;
    let r = send(&app, EMAIL, "login-by-email").await;
    assert_eq!(r, json!({"errCode": 0, "errMsg": ""}));
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let mail = Received {
        mail_from: String::new(),
        rcpt_to: Vec::new(),
        data: std::fs::read_to_string(&files[0]).unwrap(),
        user: None,
    };
    assert_eq!(mail.subject(), "登录验证码");
    assert_eq!(mail.header("from").as_deref(), Some("dev@unid.test"));
    let r = login_by_code(&app, EMAIL, &mail.code()).await;
    assert_eq!(r["type"], "register", "{r}");
    let _ = std::fs::remove_dir_all(&dir);
}

async fn types(app: &TestApp) -> Value {
    app.call("getSupportedLoginType").send().await["supportedLoginType"].clone()
}

async fn email_code_login_type_is_reported_when_enabled(backend: Backend) {
    let app = TestApp::start(backend).await;
    let list = types(&app).await;
    assert!(
        list.as_array().unwrap().contains(&json!("email-code")),
        "{list}"
    );
    assert!(
        list.as_array().unwrap().contains(&json!("email-password")),
        "{list}"
    );
    // Outside test mode and without [plugins.email] the plugin is off: no type, no methods.
    let app = TestApp::builder(backend).without_test_mode().start().await;
    let list = types(&app).await;
    assert!(
        !list.as_array().unwrap().contains(&json!("email-code")),
        "{list}"
    );
    let r = app
        .call("loginByEmailCode")
        .params(json!({"email": EMAIL, "code": "123456"}))
        .send()
        .await;
    assert_ne!(r["errCode"], 0, "{r}");
}
