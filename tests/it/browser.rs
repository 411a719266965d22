//! The pages in a real browser (issue 7): headless Chromium over WebDriver against the real
//! server, on SQLite and PostgreSQL. Each journey is what a person would do, click by click.

use serde_json::json;

use crate::browser_cases;
use crate::support::browser::{Browser, Options};
use crate::support::cases::Case;
use crate::support::smtp::SmtpServer;
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp};

pub fn cases() -> Vec<Case> {
    browser_cases![
        register_then_profile_then_sign_out,
        password_sign_in_asks_for_a_captcha_after_failures,
        sms_sign_in_registers_a_new_user,
        retrieve_by_sms,
        retrieve_by_email_over_smtp,
        bind_a_mobile_number,
        changing_the_password_ends_the_old_session,
        set_a_password_after_an_sms_sign_in,
        deactivate_the_account,
        registration_needs_consent_when_agreements_apply,
        a_form_posted_from_another_site_is_refused,
        a_redirect_elsewhere_is_not_followed,
        sign_in_and_register_without_javascript,
        the_captcha_refreshes_in_place_with_javascript,
        the_pages_speak_english_and_chinese,
        an_administrator_finds_a_user_by_mobile_and_bans_them,
        an_administrator_makes_a_read_only_role_gives_it_and_ends_a_session,
        an_administrator_creates_an_account_that_then_signs_in,
        a_console_form_posted_from_another_site_is_refused,
    ]
}

const PASSWORD: &str = "Browser-Pass-2024";
/// The pages' app (no `[pages] appId` in the test config).
const PAGES_APP: &str = "__UNI__UNID";

async fn open(app: &TestApp) -> Browser {
    Browser::open(&app.url, Options::default()).await
}

/// Registers `username` with [`PASSWORD`] through `/register` and lands on the profile.
async fn register(b: &Browser, username: &str) {
    b.goto("/register").await;
    b.fill("#username", username).await;
    b.fill("#password", PASSWORD).await;
    b.fill("#password2", PASSWORD).await;
    b.fill("input[name=captcha]", TEST_MODE_CAPTCHA).await;
    b.click("form[action='/register'] button[type=submit]")
        .await;
    assert_eq!(
        b.path().await,
        "/userinfo",
        "registered: {}",
        b.body_text().await
    );
}

async fn sign_out(b: &Browser) {
    b.goto("/userinfo").await;
    b.click("form.logout button").await;
    assert!(b.path().await.starts_with("/login"), "{}", b.path().await);
}

async fn sign_in(b: &Browser, account: &str, password: &str) {
    b.goto("/login/password").await;
    b.fill("#username", account).await;
    b.fill("#password", password).await;
    b.click("form[action='/login/password'] button[type=submit]")
        .await;
}

async fn api_login(app: &TestApp, username: &str, password: &str) -> serde_json::Value {
    app.call("login")
        .client(json!({ "appId": PAGES_APP }))
        .params(json!({ "username": username, "password": password }))
        .send()
        .await
}

/// Sends an SMS code from the page the browser is on (test mode: captcha 1234, code 123456).
async fn send_sms_code(b: &Browser) {
    b.fill("form.send-code input[name=captcha]", TEST_MODE_CAPTCHA)
        .await;
    b.click("form.send-code button[value=send]").await;
    assert!(
        b.body_text().await.contains("123456"),
        "the test-mode notice: {}",
        b.body_text().await
    );
}

async fn register_then_profile_then_sign_out(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    b.goto("/").await;
    assert!(b.path().await.starts_with("/login"), "{}", b.path().await);
    register(&b, "alice").await;
    let profile = b.body_text().await;
    assert!(profile.contains("注册成功"), "{profile}");
    assert!(profile.contains("alice"));
    assert!(profile.contains("未绑定"), "no mobile yet");
    sign_out(&b).await;
    assert!(b.body_text().await.contains("已退出登录"));
    b.goto("/userinfo").await;
    assert!(b.path().await.starts_with("/login"), "signed out for real");
    b.close().await;
}

async fn password_sign_in_asks_for_a_captcha_after_failures(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    register(&b, "bob").await;
    sign_out(&b).await;
    let mut asked = false;
    for _ in 0..6 {
        sign_in(&b, "bob", "Wrong-Pass-99").await;
        assert!(b.body_text().await.contains("密码错误") || b.exists("input[name=captcha]").await);
        if b.exists("input[name=captcha]").await {
            asked = true;
            break;
        }
    }
    assert!(asked, "a captcha after repeated failures");
    assert_eq!(
        b.find("#username")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("bob"),
        "the account stays filled in"
    );
    b.fill("#password", PASSWORD).await;
    b.fill("input[name=captcha]", TEST_MODE_CAPTCHA).await;
    b.click("form[action='/login/password'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    b.close().await;
}

async fn sms_sign_in_registers_a_new_user(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    b.goto("/login").await;
    b.fill("#mobile", "13700137000").await;
    b.click("form[action='/login/sms'] button[type=submit]")
        .await;
    assert!(
        b.path().await.starts_with("/login/sms"),
        "{}",
        b.path().await
    );
    send_sms_code(&b).await;
    b.click("form.use-code button[type=submit]").await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    assert!(b.body_text().await.contains("13700137000"));
    b.close().await;
}

async fn retrieve_by_sms(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    // An account with a mobile number and a password.
    register(&b, "carol").await;
    bind(&b, "13600136000").await;
    sign_out(&b).await;
    b.goto("/login/password").await;
    b.click("a[href^='/retrieve']").await;
    assert_eq!(b.path().await, "/retrieve");
    b.fill("#mobile", "13600136000").await;
    send_sms_code(&b).await;
    b.fill("#password", "Reset-Pass-2025").await;
    b.fill("#password2", "Reset-Pass-2025").await;
    b.click("form.use-code button[type=submit]").await;
    assert_eq!(b.path().await, "/login/password", "{}", b.body_text().await);
    sign_in(&b, "13600136000", "Reset-Pass-2025").await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    b.close().await;
}

async fn retrieve_by_email_over_smtp(backend: Backend) {
    let smtp = SmtpServer::start().await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&crate::email::smtp_config(&smtp, "", ""))
        .start()
        .await;
    let b = open(&app).await;
    // Register by e-mail: the code arrives by a real SMTP conversation.
    b.goto("/register/email").await;
    let device = b.cookie("unid_device").await.expect("a device cookie");
    b.fill("#email", "dora@example.com").await;
    let answer = app.solve_captcha(device.clone(), "send-email-code").await;
    b.fill("form.send-code input[name=captcha]", &answer).await;
    b.click("form.send-code button[value=send]").await;
    let code = smtp.last().code();
    b.fill("#code", &code).await;
    b.fill("#password", PASSWORD).await;
    b.fill("#password2", PASSWORD).await;
    b.click("form.use-code button[type=submit]").await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    assert!(b.body_text().await.contains("dora@example.com"));
    sign_out(&b).await;

    b.goto("/retrieve/email").await;
    b.fill("#email", "dora@example.com").await;
    let answer = app.solve_captcha(device.clone(), "send-email-code").await;
    b.fill("form.send-code input[name=captcha]", &answer).await;
    b.click("form.send-code button[value=send]").await;
    assert_eq!(smtp.messages().len(), 2, "a second mail");
    let code = smtp.last().code();
    b.fill("#code", &code).await;
    b.fill("#password", "Mailed-Pass-2025").await;
    b.fill("#password2", "Mailed-Pass-2025").await;
    b.click("form.use-code button[type=submit]").await;
    assert_eq!(b.path().await, "/login/password", "{}", b.body_text().await);
    sign_in(&b, "dora@example.com", "Mailed-Pass-2025").await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    b.close().await;
}

/// Binds `mobile` from the profile (the browser is signed in).
async fn bind(b: &Browser, mobile: &str) {
    b.goto("/userinfo").await;
    b.click("#row-mobile a.action").await;
    assert_eq!(b.path().await, "/userinfo/bind-mobile");
    b.fill("#mobile", mobile).await;
    send_sms_code(b).await;
    b.click("form.use-code button[type=submit]").await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    assert!(b.text("#row-mobile").await.contains(mobile));
}

async fn bind_a_mobile_number(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    register(&b, "erin").await;
    bind(&b, "13500135000").await;
    assert!(b.body_text().await.contains("手机号绑定成功"));
    b.close().await;
}

async fn changing_the_password_ends_the_old_session(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    register(&b, "frank").await;
    let old_token = b.cookie("unid_session").await.expect("session");
    b.goto("/userinfo").await;
    b.click("a[href='/userinfo/change-pwd']").await;
    b.fill("#oldPassword", PASSWORD).await;
    b.fill("#newPassword", "Changed-Pass-2025").await;
    b.fill("#newPassword2", "Changed-Pass-2025").await;
    b.click("form[action='/userinfo/change-pwd'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/login/password");
    assert!(b.body_text().await.contains("密码已修改"));
    b.goto("/userinfo").await;
    assert!(
        b.path().await.starts_with("/login"),
        "the page session ended"
    );
    let r = app
        .call("getAccountInfo")
        .client(json!({ "appId": PAGES_APP }))
        .token(&old_token)
        .send()
        .await;
    assert_ne!(r["errCode"], 0, "and the API refuses the old token: {r}");
    assert_eq!(
        api_login(&app, "frank", "Changed-Pass-2025").await["errCode"],
        0
    );
    b.close().await;
}

async fn set_a_password_after_an_sms_sign_in(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[pages]\nsetPasswordAfterLogin = { allowSkip = true }")
        .start()
        .await;
    let b = open(&app).await;
    b.goto("/login/sms?mobile=13400134000").await;
    send_sms_code(&b).await;
    b.click("form.use-code button[type=submit]").await;
    assert!(
        b.path().await.starts_with("/userinfo/set-pwd"),
        "{}",
        b.path().await
    );
    assert!(b.exists("a[href='/userinfo']").await, "may be skipped");
    send_sms_code(&b).await;
    b.fill("#password", "SetAfter-Pass-2025").await;
    b.fill("#password2", "SetAfter-Pass-2025").await;
    b.click("form.use-code button[type=submit]").await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    assert!(b.body_text().await.contains("密码设置成功"));
    let r = app
        .call("login")
        .client(json!({ "appId": PAGES_APP }))
        .params(json!({ "mobile": "13400134000", "password": "SetAfter-Pass-2025" }))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    b.close().await;
}

async fn deactivate_the_account(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    register(&b, "gina").await;
    b.click("a[href='/userinfo/deactivate']").await;
    b.check("#confirm").await;
    b.click("form[action='/userinfo/deactivate'] button[type=submit]")
        .await;
    assert!(b.path().await.starts_with("/login"), "{}", b.path().await);
    assert!(b.body_text().await.contains("注销成功"));
    assert_eq!(
        api_login(&app, "gina", PASSWORD).await["errCode"],
        "uni-id-account-closed"
    );
    b.close().await;
}

async fn registration_needs_consent_when_agreements_apply(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[pages.agreements]\nserviceUrl = \"https://example.com/terms\"\nprivacyUrl = \"https://example.com/privacy\"\nscope = [\"register\"]")
        .start()
        .await;
    let b = open(&app).await;
    b.goto("/register").await;
    b.fill("#username", "hank").await;
    b.fill("#password", PASSWORD).await;
    b.fill("#password2", PASSWORD).await;
    b.fill("input[name=captcha]", TEST_MODE_CAPTCHA).await;
    b.click("form[action='/register'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/register", "refused");
    assert!(b.text(".error").await.contains("请先阅读并同意"));
    assert_eq!(
        b.find("#username")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("hank")
    );
    assert_ne!(
        api_login(&app, "hank", PASSWORD).await["errCode"],
        0,
        "no account"
    );
    b.fill("#password", PASSWORD).await;
    b.fill("#password2", PASSWORD).await;
    b.fill("input[name=captcha]", TEST_MODE_CAPTCHA).await;
    b.check("#agree").await;
    b.click("form[action='/register'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    b.close().await;
}

/// Opens `html` in `b` from another site (localhost is another site than 127.0.0.1) and waits
/// for whatever its script submits to land.
async fn open_on_another_site(b: &Browser, html: String) {
    let base = crate::support::serve_fake(move |cfg| {
        let html = html.clone();
        cfg.route(
            "/attack",
            actix_web::web::get().to(move || {
                let html = html.clone();
                async move {
                    actix_web::HttpResponse::Ok()
                        .content_type("text/html")
                        .body(html)
                }
            }),
        );
    });
    let evil = base.replace("127.0.0.1", "localhost");
    b.client
        .goto(&format!("{evil}/attack"))
        .await
        .expect("open the other site");
    b.settle().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    b.settle().await;
}

async fn a_form_posted_from_another_site_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    register(&b, "ivan").await;
    // A page on another site (localhost is another site than 127.0.0.1) that posts a
    // deactivation form at unid as soon as it loads.
    let target = format!("{}/userinfo/deactivate", app.url);
    let html = format!(
        "<!doctype html><form id=f method=post action=\"{target}\"><input name=confirm value=on></form><script>document.getElementById('f').submit()</script>"
    );
    open_on_another_site(&b, html).await;
    // The browser sends no SameSite=Lax cookie with a cross-site post, so unid sees a visitor
    // who is not signed in (and, had the cookies gone along, a post without the form token).
    let text = b.body_text().await;
    assert!(!text.contains("注销成功"), "{text}");
    assert!(b.path().await.starts_with("/login"), "{}", b.path().await);
    assert_eq!(
        api_login(&app, "ivan", PASSWORD).await["errCode"],
        0,
        "the account is still open"
    );
    b.goto("/userinfo").await;
    assert_eq!(b.path().await, "/userinfo", "and still signed in here");
    b.close().await;
}

async fn a_redirect_elsewhere_is_not_followed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    register(&b, "judy").await;
    sign_out(&b).await;
    b.goto("/login/password?uniIdRedirectUrl=%2F%2Fevil.example%2Fsteal")
        .await;
    b.fill("#username", "judy").await;
    b.fill("#password", PASSWORD).await;
    b.click("form[action='/login/password'] button[type=submit]")
        .await;
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.host_str(), Some("127.0.0.1"), "{url}");
    assert_eq!(url.path(), "/userinfo");
    // A same-site destination is followed.
    sign_out(&b).await;
    b.goto("/userinfo/change-pwd").await;
    assert!(b.path().await.starts_with("/login"));
    b.click("a[href^='/login/password']").await;
    b.fill("#username", "judy").await;
    b.fill("#password", PASSWORD).await;
    b.click("form[action='/login/password'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/userinfo/change-pwd");
    b.close().await;
}

async fn sign_in_and_register_without_javascript(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = Browser::open(
        &app.url,
        Options {
            javascript: false,
            ..Options::default()
        },
    )
    .await;
    b.goto("/login/password").await;
    assert_eq!(
        b.find("html").await.attr("class").await.unwrap(),
        None,
        "the enhancement script did not run"
    );
    register(&b, "kate").await;
    sign_out(&b).await;
    sign_in(&b, "kate", PASSWORD).await;
    assert_eq!(b.path().await, "/userinfo");
    // The captcha's "another one" works as a plain link.
    sign_out(&b).await;
    b.goto("/register").await;
    let before = b
        .find("img[data-captcha-image]")
        .await
        .attr("src")
        .await
        .unwrap();
    b.click("a[data-captcha-refresh]").await;
    let after = b
        .find("img[data-captcha-image]")
        .await
        .attr("src")
        .await
        .unwrap();
    assert_ne!(before, after, "a new image");
    b.close().await;
}

/// With script on, the enhancement script runs under the CSP and swaps a new captcha in
/// without reloading the form.
async fn the_captcha_refreshes_in_place_with_javascript(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = open(&app).await;
    b.goto("/register").await;
    assert_eq!(
        b.find("html").await.attr("class").await.unwrap().as_deref(),
        Some("js")
    );
    b.fill("#username", "typed").await;
    let before = b
        .find("img[data-captcha-image]")
        .await
        .attr("src")
        .await
        .unwrap();
    b.check("a[data-captcha-refresh]").await;
    let mut after = before.clone();
    for _ in 0..100 {
        after = b
            .find("img[data-captcha-image]")
            .await
            .attr("src")
            .await
            .unwrap();
        if after != before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_ne!(before, after, "a new image");
    assert_eq!(
        b.find("#username")
            .await
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("typed"),
        "the form was not reloaded"
    );
    // The swapped-in captcha is the one the server checks.
    b.fill("#password", PASSWORD).await;
    b.fill("#password2", PASSWORD).await;
    b.fill("input[name=captcha]", TEST_MODE_CAPTCHA).await;
    b.click("form[action='/register'] button[type=submit]")
        .await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    b.close().await;
}

async fn the_pages_speak_english_and_chinese(backend: Backend) {
    let app = TestApp::start(backend).await;
    let b = Browser::open(
        &app.url,
        Options {
            lang: "en-US",
            width: 375,
            height: 812,
            ..Options::default()
        },
    )
    .await;
    b.goto("/login/password").await;
    assert_eq!(b.html_lang().await, "en", "Accept-Language picks English");
    assert!(b.body_text().await.contains("Sign in with a password"));
    b.click("a.lang").await;
    assert_eq!(b.html_lang().await, "zh-Hans");
    assert!(b.body_text().await.contains("账号密码登录"));
    b.goto("/register").await;
    assert_eq!(b.html_lang().await, "zh-Hans", "the choice is remembered");
    b.goto("/register?locale=en").await;
    b.fill("#username", "liam").await;
    b.fill("#password", "short").await;
    b.fill("#password2", "short").await;
    b.fill("input[name=captcha]", TEST_MODE_CAPTCHA).await;
    b.click("form[action='/register'] button[type=submit]")
        .await;
    let error = b.text(".error").await;
    assert!(
        error.is_ascii() && !error.is_empty(),
        "an English error: {error}"
    );
    b.close().await;
}

/// Issue 9: an administrator signs in, finds a user by part of their mobile number, bans them
/// and resets their password from the console; the user's API session ends at once, and the
/// change is in the account's audit trail.
async fn an_administrator_finds_a_user_by_mobile_and_bans_them(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app
        .call("registerAdmin")
        .client(json!({ "appId": PAGES_APP }))
        .params(json!({ "username": "chief", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(admin["errCode"], 0, "{admin}");
    let admin_token = crate::support::token_of(&admin);
    let added = app
        .call("addUser")
        .client(json!({ "appId": PAGES_APP }))
        .token(&admin_token)
        .params(json!({ "username": "suspect", "password": PASSWORD, "mobile": "13876543210" }))
        .send()
        .await;
    assert_eq!(added["errCode"], 0, "{added}");
    let user_token = crate::support::token_of(&api_login(&app, "suspect", PASSWORD).await);

    let b = open(&app).await;
    sign_in(&b, "chief", PASSWORD).await;
    b.goto("/admin").await;
    assert_eq!(b.path().await, "/admin");
    // The dashboard: two users so far (the admin and the suspect), and the charts.
    assert_eq!(b.text(".tiles .tile-value").await, "2");
    assert!(b.exists(".charts figure svg").await);
    b.click("nav.console-nav a[href='/admin/users']").await;
    assert_eq!(b.path().await, "/admin/users");
    b.fill("#q", "8765").await;
    b.click("form.filters button[type=submit]").await;
    assert!(b.text("table.data").await.contains("suspect"));
    b.click("table.data td a").await;
    assert!(
        b.path().await.starts_with("/admin/users/"),
        "{}",
        b.path().await
    );
    b.click("#status option[value='1']").await;
    b.fill("#password", "Reset-By-Admin-7").await;
    b.click("form.form button[type=submit]").await;
    let page = b.body_text().await;
    assert!(page.contains("更新成功"), "{page}");
    assert!(
        page.contains("status: 0 → 1") && page.contains("password: ****"),
        "{page}"
    );
    assert!(!page.contains("Reset-By-Admin-7"));
    // The ban holds at once: the user's token fails, and signing in is refused.
    let r = app.call("getAccountInfo").token(&user_token).send().await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed");
    assert_eq!(
        api_login(&app, "suspect", "Reset-By-Admin-7").await["errCode"],
        "uni-id-account-banned"
    );
    b.close().await;
}

/// `registerAdmin` "chief" and `addUser` `username` from the pages' app; the admin's token.
async fn chief_and(app: &TestApp, username: &str) -> String {
    let admin = app
        .call("registerAdmin")
        .client(json!({ "appId": PAGES_APP }))
        .params(json!({ "username": "chief", "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(admin["errCode"], 0, "{admin}");
    let admin_token = crate::support::token_of(&admin);
    let added = app
        .call("addUser")
        .client(json!({ "appId": PAGES_APP }))
        .token(&admin_token)
        .params(json!({ "username": username, "password": PASSWORD }))
        .send()
        .await;
    assert_eq!(added["errCode"], 0, "{added}");
    admin_token
}

/// Opens `username`'s page from the user list, as an administrator would.
async fn open_user(b: &Browser, username: &str) {
    b.goto(&format!("/admin/users?q={username}")).await;
    b.click("table.data td a").await;
    assert!(
        b.path().await.starts_with("/admin/users/"),
        "{}",
        b.path().await
    );
}

/// Issue 9: a role made in the console, given to a user with a checkbox; the role change and
/// "end this session" each end the user's API session at once; the role lets its holder read
/// the user list but not change anyone, nor see the roles; then the role is deleted.
async fn an_administrator_makes_a_read_only_role_gives_it_and_ends_a_session(backend: Backend) {
    let app = TestApp::start(backend).await;
    chief_and(&app, "helper").await;
    let first_token = crate::support::token_of(&api_login(&app, "helper", PASSWORD).await);

    let b = open(&app).await;
    sign_in(&b, "chief", PASSWORD).await;
    b.goto("/admin/roles").await;
    b.fill("#role_id", "support").await;
    b.fill("#role_name", "Support desk").await;
    b.check("form[aria-labelledby='new-role-h'] input[name='permission.user.read']")
        .await;
    b.click("form[aria-labelledby='new-role-h'] button[type=submit]")
        .await;
    assert!(
        b.text("table.data").await.contains("Support desk"),
        "{}",
        b.body_text().await
    );

    open_user(&b, "helper").await;
    b.check("input[name=role][value=support]").await;
    b.click("form.form button[type=submit]").await;
    let page = b.body_text().await;
    assert!(page.contains("更新成功"), "{page}");
    let r = app.call("getAccountInfo").token(&first_token).send().await;
    assert_eq!(
        r["errCode"], "uni-id-check-token-failed",
        "a role change signs the user out everywhere"
    );

    // A new session appears on the page, and "end this session" ends it.
    let second_token = crate::support::token_of(&api_login(&app, "helper", PASSWORD).await);
    b.goto(&b.path().await).await;
    assert!(
        b.exists("form.inline-form button").await,
        "{}",
        b.body_text().await
    );
    b.click("form.inline-form button").await;
    assert!(
        !b.exists("form.inline-form").await,
        "{}",
        b.body_text().await
    );
    let r = app.call("getAccountInfo").token(&second_token).send().await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed");

    // The helper reads but does not change, and the roles are not theirs to see.
    sign_out(&b).await;
    sign_in(&b, "helper", PASSWORD).await;
    open_user(&b, "chief").await;
    assert!(
        b.body_text()
            .await
            .contains("你可以查看此账号，但不能修改。")
    );
    assert!(!b.exists("form.form").await);
    b.goto("/admin/roles").await;
    assert!(
        b.body_text().await.contains("此页面仅供管理员使用"),
        "{}",
        b.body_text().await
    );

    // Deleting the role takes it from the helper, who is signed out at once.
    sign_out(&b).await;
    sign_in(&b, "chief", PASSWORD).await;
    b.goto("/admin/roles").await;
    b.click("details.edit summary").await;
    b.click("details.edit button[value=delete]").await;
    assert!(
        !b.text("table.data").await.contains("Support desk"),
        "{}",
        b.body_text().await
    );
    b.close().await;
}

/// Issue 9: /admin/users/new makes an account with a nickname and an app; its owner signs in
/// to the pages with the password the administrator gave.
async fn an_administrator_creates_an_account_that_then_signs_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    chief_and(&app, "someone").await;
    let b = open(&app).await;
    sign_in(&b, "chief", PASSWORD).await;
    b.goto("/admin/users").await;
    b.click("a[href='/admin/users/new']").await;
    assert_eq!(b.path().await, "/admin/users/new");
    b.fill("#username", "newcomer").await;
    b.fill("#nickname", "新来的").await;
    b.fill("#mobile", "13912340000").await;
    b.fill("#password", "Given-Pass-2024").await;
    b.click("form.form button[type=submit]").await;
    assert!(
        b.path().await.starts_with("/admin/users/"),
        "{}",
        b.body_text().await
    );
    let page = b.body_text().await;
    assert!(
        page.contains("newcomer") && page.contains("13912340000"),
        "{page}"
    );

    sign_out(&b).await;
    sign_in(&b, "newcomer", "Given-Pass-2024").await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    assert!(b.body_text().await.contains("新来的"));
    b.close().await;
}

/// Issue 9: another site's page that posts a ban at the console as soon as an administrator
/// opens it: the browser sends no session cookie with it, and nothing changes.
async fn a_console_form_posted_from_another_site_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    chief_and(&app, "target").await;
    let b = open(&app).await;
    sign_in(&b, "chief", PASSWORD).await;
    open_user(&b, "target").await;
    let target = format!("{}{}", app.url, b.path().await);
    let html = format!(
        "<!doctype html><form id=f method=post action=\"{target}\"><input name=username value=target><input name=status value=1></form><script>document.getElementById('f').submit()</script>"
    );
    open_on_another_site(&b, html).await;
    assert!(!b.body_text().await.contains("更新成功"));
    assert_eq!(
        api_login(&app, "target", PASSWORD).await["errCode"],
        0,
        "not banned"
    );
    b.goto("/admin").await;
    assert_eq!(
        b.path().await,
        "/admin",
        "and the administrator is still signed in"
    );
    b.close().await;
}
