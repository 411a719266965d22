//! The pages over plain HTTP (issue 7): every page in both languages with every text, the
//! security headers, assets, cookies, CSRF, redirects, the uni-id-pages paths, revocation
//! through the API, and bad input. Journeys in a real browser are in `browser.rs`.

use futures_util::future::join_all;
use serde_json::json;

use crate::cases;
use crate::support::cases::Case;
use crate::support::web::{Page, Visitor};
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp};

pub fn cases() -> Vec<Case> {
    cases![
        every_page_renders_in_both_languages_with_every_text,
        pages_carry_security_headers_and_no_inline_script,
        assets_have_hashed_names_and_a_long_cache_life,
        the_session_cookie_is_http_only_same_site_and_secure_behind_https,
        a_post_without_the_form_token_is_refused_and_changes_nothing,
        sign_in_redirects_only_to_paths_on_this_site,
        uni_id_pages_paths_redirect_keeping_the_query,
        home_goes_to_the_profile_or_the_sign_in_page,
        the_page_session_ends_when_the_api_ends_the_token,
        a_ban_ends_the_page_session_at_once,
        register_admin_is_open_only_while_there_is_no_administrator,
        malformed_and_oversized_forms_get_an_error_page,
        concurrent_registrations_of_one_name_make_one_account,
        consent_is_checked_by_the_server,
        password_login_asks_for_a_captcha_after_failures,
        nickname_and_password_change_from_the_profile,
        deactivating_closes_the_account_and_the_session,
        the_language_follows_query_then_cookie_then_accept_language,
        sms_login_registers_a_new_number_in_test_mode,
        unknown_pages_get_an_html_404_for_browsers_and_json_for_the_api,
        an_avatar_upload_is_checked_stored_privately_and_served_safely,
        pages_can_be_switched_off,
    ]
}

/// Registers `username` through `/register` (test-mode captcha) and returns the answer.
pub async fn sign_up(v: &Visitor, username: &str, password: &str) -> Page {
    let form = v.get("/register").await;
    assert_eq!(form.status, 200, "{}", form.body);
    v.post(
        "/register",
        &[
            ("username", username),
            ("nickname", ""),
            ("password", password),
            ("password2", password),
            ("captcha", TEST_MODE_CAPTCHA),
            ("agree", "on"),
        ],
    )
    .await
}

const PASSWORD: &str = "Page-Pass-2024";

/// A visitor signed in as a new user `username`.
async fn signed_in(app: &TestApp, username: &str) -> Visitor {
    let v = Visitor::new(&app.url);
    let done = sign_up(&v, username, PASSWORD).await;
    assert_eq!(done.status, 303, "register: {:?}", done.error());
    assert!(v.cookie("unid_session").is_some(), "signed in");
    v
}

fn assert_no_raw_keys(path: &str, page: &Page) {
    // A text missing everywhere would be shown as its id.
    for id in ["pages-", "uni-id-", "unid-"] {
        assert!(
            !page.body.contains(&format!(">{id}")) && !page.body.contains(&format!("\"{id}")),
            "{path} shows a raw message id:\n{}",
            page.body
        );
    }
}

async fn every_page_renders_in_both_languages_with_every_text(backend: Backend) {
    let app = TestApp::builder(backend)
        .config(
            "[pages.agreements]\nserviceUrl = \"https://example.com/terms\"\nprivacyUrl = \"https://example.com/privacy\"\nscope = [\"register\", \"login\"]\n[pages]\nsetPasswordAfterLogin = { allowSkip = true }",
        )
        .start()
        .await;
    let anonymous = [
        "/login",
        "/login?type=smsCode",
        "/login/password",
        "/login/sms?mobile=13800138000",
        "/login/sms?mobile=13800138000&sent=1",
        "/login/sms?mobile=123",
        "/register",
        "/register/admin",
        "/register/email",
        "/register/email?email=a%40example.com&sent=1",
        "/retrieve",
        "/retrieve?mobile=13800138000&sent=1",
        "/retrieve/email",
        "/retrieve/email?email=a%40example.com&sent=1",
    ];
    let signed_in_pages = [
        "/userinfo",
        "/userinfo/change-pwd",
        "/userinfo/deactivate",
        "/userinfo/bind-mobile",
        "/userinfo/bind-mobile?mobile=13800138000&sent=1",
        "/userinfo/set-pwd",
        "/userinfo/bind-email",
        "/userinfo/bind-email?email=a%40example.com&sent=1",
    ];
    for locale in ["zh-Hans", "en"] {
        let v = Visitor::new(&app.url);
        for path in anonymous {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page = v.get(&format!("{path}{sep}locale={locale}")).await;
            // A number that is not one is shown with the error.
            let expected = if path.ends_with("=123") { 422 } else { 200 };
            assert_eq!(page.status, expected, "{path} in {locale}: {}", page.body);
            assert!(
                page.body.contains(&format!("<html lang=\"{locale}\">")),
                "{path} names its language"
            );
            assert_no_raw_keys(path, &page);
        }
        // An error shown on a page, in the page's language.
        v.get("/login/password").await;
        let refused = v
            .post(
                "/login/password",
                &[("username", "nobody"), ("password", "x"), ("agree", "on")],
            )
            .await;
        assert_eq!(refused.status, 422);
        let expected = if locale == "en" {
            "Password error"
        } else {
            "密码错误"
        };
        assert!(
            refused.error().is_some_and(|e| e.contains(expected)),
            "{locale}: {:?}",
            refused.error()
        );
        let not_found = v.get("/no/such/page").await;
        assert_eq!(not_found.status, 404);
        assert_no_raw_keys("/no/such/page", &not_found);

        let done = sign_up(&v, &format!("pages{}", locale.len()), PASSWORD).await;
        assert_eq!(done.status, 303, "{:?}", done.error());
        for path in signed_in_pages {
            let page = v.get(path).await;
            assert_eq!(page.status, 200, "{path} in {locale}: {}", page.body);
            assert!(page.body.contains(&format!("<html lang=\"{locale}\">")));
            assert_no_raw_keys(path, &page);
        }
    }
    assert_eq!(
        app.host.i18n.missing(),
        Vec::<(&str, String)>::new(),
        "texts missing in a language"
    );
}

async fn pages_carry_security_headers_and_no_inline_script(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = signed_in(&app, "headers").await;
    for path in ["/login/password", "/register", "/userinfo", "/login"] {
        let page = v.get(path).await;
        let page = if page.status == 303 {
            v.follow(&page).await
        } else {
            page
        };
        let csp = page.header("content-security-policy").unwrap_or_default();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'none'",
        ] {
            assert!(
                csp.contains(directive),
                "{path}: CSP {csp:?} lacks {directive}"
            );
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(page.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            page.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert!(page.header("referrer-policy").is_some(), "{path}");
        assert_eq!(page.header("cache-control"), Some("no-store"), "{path}");
        let body = page.body.to_lowercase();
        for (i, _) in body.match_indices("<script") {
            let tag = &body[i..body[i..].find('>').map_or(body.len(), |e| i + e)];
            assert!(tag.contains(" src="), "{path}: inline script {tag}");
        }
        assert!(!body.contains(" style="), "{path}: inline style");
        for handler in [
            " onclick=",
            " onload=",
            " onsubmit=",
            " onerror=",
            "javascript:",
        ] {
            assert!(!body.contains(handler), "{path}: {handler}");
        }
    }
}

async fn assets_have_hashed_names_and_a_long_cache_life(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    let page = v.get("/login/password").await;
    let start = page.body.find("/static/unid.").expect("stylesheet link");
    let end = start + page.body[start..].find('"').expect("end of link");
    let href = &page.body[start..end];
    assert!(
        href.ends_with(".css") && href.len() > "/static/unid..css".len(),
        "{href}"
    );
    let css = v.get(href).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(
        css.header("cache-control")
            .unwrap_or_default()
            .contains("immutable")
    );
    assert!(css.body.contains("--primary"));
    assert_eq!(v.get("/static/unid.css").await.status, 404, "unhashed name");
    assert_eq!(v.get("/static/../Cargo.toml").await.status, 404);
    // The script is an external file too, and the theme carries the configured colour.
    assert!(page.body.contains("<script src=\"/static/unid."));
    let theme_start = page.body.find("/static/theme.").expect("theme link");
    let theme_end = theme_start + page.body[theme_start..].find('"').expect("end");
    let theme = v.get(&page.body[theme_start..theme_end]).await;
    assert!(theme.body.contains("#2979ff"), "{}", theme.body);
}

async fn the_session_cookie_is_http_only_same_site_and_secure_behind_https(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    let done = sign_up(&v, "cookies", PASSWORD).await;
    let session = done
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("unid_session="))
        .expect("a session cookie");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(part), "{session}");
    }
    assert!(!session.contains("Secure"), "plain http: {session}");
    assert_eq!(done.header("strict-transport-security"), None, "plain http");
    let device = v.get("/login/password").await;
    assert!(device.set_cookies().is_empty() || !device.set_cookies()[0].contains("unid_device"));

    let https = TestApp::builder(backend)
        .config("[server]\npublicUrl = \"https://id.example.com\"")
        .start()
        .await;
    let v = Visitor::new(&https.url);
    let first = v.get("/login/password").await;
    assert_eq!(
        first.header("strict-transport-security"),
        Some("max-age=31536000; includeSubDomains"),
        "behind https, browsers keep to it"
    );
    let device = first
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("unid_device="))
        .expect("a device cookie");
    assert!(
        device.contains("Secure") && device.contains("HttpOnly"),
        "{device}"
    );
    let done = sign_up(&v, "secure", PASSWORD).await;
    let session = done
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("unid_session="))
        .expect("a session cookie");
    assert!(session.contains("Secure"), "{session}");
}

async fn a_post_without_the_form_token_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    v.get("/register").await;
    let fields = |csrf: &'static str| {
        vec![
            ("username", "csrfvictim"),
            ("password", PASSWORD),
            ("password2", PASSWORD),
            ("captcha", TEST_MODE_CAPTCHA),
            ("csrf", csrf),
        ]
    };
    let wrong = v
        .post("/register", &fields("0123456789abcdef0123456789abcdef"))
        .await;
    assert_eq!(wrong.status, 403);
    assert!(wrong.body.contains("<html"), "an error page");
    let empty = v.post("/register", &fields("")).await;
    assert_eq!(empty.status, 403);
    // Another browser's valid token does not work with this browser's cookies.
    let other = Visitor::new(&app.url);
    other.get("/register").await;
    let token = other.csrf().expect("token");
    let stolen = v
        .post(
            "/register",
            &[
                ("username", "csrfvictim"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
                ("captcha", TEST_MODE_CAPTCHA),
                ("csrf", &token),
            ],
        )
        .await;
    assert_eq!(stolen.status, 403);
    // No cookie at all (a form on another site, cookies blocked).
    let fresh = Visitor::new(&app.url);
    let no_cookie = fresh.post("/register", &fields("x")).await;
    assert_eq!(no_cookie.status, 403);
    // A cross-site navigation is refused whatever it carries.
    let token = v.csrf().expect("token");
    let body = crate::support::web::serde_urlencoded_pairs(&[
        ("username".into(), "csrfvictim".into()),
        ("password".into(), PASSWORD.into()),
        ("password2".into(), PASSWORD.into()),
        ("captcha".into(), TEST_MODE_CAPTCHA.into()),
        ("csrf".into(), token),
    ]);
    let cross = app
        .raw(reqwest::Method::POST, "/register")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .header(
            "cookie",
            format!("unid_device={}", v.cookie("unid_device").unwrap()),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    // A sign-out without the token leaves the session alone.
    let user = signed_in(&app, "csrfowner").await;
    let logout = user.post("/logout", &[("csrf", "nope")]).await;
    assert_eq!(logout.status, 403);
    assert_eq!(user.get("/userinfo").await.status, 200, "still signed in");
    // Nothing was registered.
    let r = app.login("csrfvictim", PASSWORD).await;
    assert_eq!(r["errCode"], "uni-id-password-error", "{r}");
}

async fn sign_in_redirects_only_to_paths_on_this_site(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = signed_in(&app, "redir").await;
    v.post("/logout", &[]).await;
    for (target, expected) in [
        ("/userinfo/change-pwd", "/userinfo/change-pwd"),
        ("/userinfo?tab=1", "/userinfo?tab=1"),
        ("//evil.example/", "/userinfo"),
        ("https://evil.example/", "/userinfo"),
        ("/\\evil.example", "/userinfo"),
        ("javascript:alert(1)", "/userinfo"),
        ("http:evil.example", "/userinfo"),
    ] {
        v.get("/login/password").await;
        let done = v
            .post(
                "/login/password",
                &[
                    ("username", "redir"),
                    ("password", PASSWORD),
                    ("uniIdRedirectUrl", target),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{target}: {:?}", done.error());
        assert_eq!(done.location(), Some(expected), "{target}");
        v.post("/logout", &[]).await;
    }
    // A destination in the query is carried by the form.
    let form = v
        .get("/login/password?uniIdRedirectUrl=%2F%2Fevil.example")
        .await;
    assert!(
        !form.body.contains("evil.example"),
        "unsafe destinations are dropped: {}",
        form.body
            .lines()
            .filter(|l| l.contains("evil"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let form = v
        .get("/login/password?uniIdRedirectUrl=%2Fuserinfo%2Fdeactivate")
        .await;
    assert_eq!(
        form.input_value("uniIdRedirectUrl").as_deref(),
        Some("/userinfo/deactivate")
    );
}

async fn uni_id_pages_paths_redirect_keeping_the_query(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    for (old, new) in [
        ("login/login-withpwd", "/login/password"),
        ("login/login-withoutpwd", "/login"),
        ("login/login-smscode", "/login/sms"),
        ("register/register", "/register"),
        ("register/register-by-email", "/register/email"),
        ("register/register-admin", "/register/admin"),
        ("retrieve/retrieve", "/retrieve"),
        ("retrieve/retrieve-by-email", "/retrieve/email"),
        ("userinfo/userinfo", "/userinfo"),
        ("userinfo/bind-mobile/bind-mobile", "/userinfo/bind-mobile"),
        ("userinfo/change_pwd/change_pwd", "/userinfo/change-pwd"),
        ("userinfo/set-pwd/set-pwd", "/userinfo/set-pwd"),
        ("userinfo/deactivate/deactivate", "/userinfo/deactivate"),
    ] {
        let page = v
            .get(&format!(
                "/uni_modules/uni-id-pages/pages/{old}?uniIdRedirectUrl=%2Fx&phoneNumber=13800138000"
            ))
            .await;
        assert_eq!(page.status, 301, "{old}");
        assert_eq!(
            page.location(),
            Some(format!("{new}?uniIdRedirectUrl=%2Fx&phoneNumber=13800138000").as_str()),
            "{old}"
        );
    }
    // login-smscode's phoneNumber is understood where it leads.
    let sms = v.get("/login/sms?phoneNumber=13800138000").await;
    assert_eq!(sms.status, 200);
    assert_eq!(sms.input_value("mobile").as_deref(), Some("13800138000"));
}

async fn home_goes_to_the_profile_or_the_sign_in_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    assert_eq!(v.get("/").await.location(), Some("/login"));
    let to_login = v.get("/userinfo").await;
    assert_eq!(to_login.status, 303);
    assert_eq!(
        to_login.location(),
        Some("/login?uniIdRedirectUrl=%2Fuserinfo")
    );
    let v = signed_in(&app, "homer").await;
    assert_eq!(v.get("/").await.location(), Some("/userinfo"));
    let profile = v.get("/userinfo").await;
    assert_eq!(profile.status, 200);
    assert!(profile.body.contains("homer"));
}

async fn the_page_session_ends_when_the_api_ends_the_token(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = signed_in(&app, "revoked").await;
    let token = v.cookie("unid_session").expect("token");
    // The cookie holds a uni-id token the API accepts.
    let r = app
        .call("getAccountInfo")
        .client(json!({"appId": "__UNI__UNID"}))
        .token(&token)
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let r = app
        .call("logout")
        .client(json!({"appId": "__UNI__UNID"}))
        .token(&token)
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let page = v.get("/userinfo").await;
    assert_eq!(page.status, 303, "signed out at once");
    assert!(
        v.cookie("unid_session").is_none(),
        "the dead cookie is removed"
    );
}

async fn a_ban_ends_the_page_session_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let v = signed_in(&app, "tobebanned").await;
    let token = v.cookie("unid_session").expect("token");
    let uid = app
        .call("getAccountInfo")
        .client(json!({"appId": "__UNI__UNID"}))
        .token(&token)
        .send()
        .await;
    assert_eq!(uid["errCode"], 0);
    let claims = token.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let payload: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    let r = app
        .call("updateUser")
        .token(&admin)
        .params(json!({"uid": payload["uid"], "username": "tobebanned", "status": 1}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(
        v.get("/userinfo").await.status,
        303,
        "banned users are signed out"
    );
}

async fn register_admin_is_open_only_while_there_is_no_administrator(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    let form = v.get("/register/admin").await;
    assert_eq!(form.status, 200);
    assert!(
        !form.body.contains("name=\"captcha\""),
        "register-admin has no captcha"
    );
    let done = v
        .post(
            "/register/admin",
            &[
                ("username", "root"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{:?}", done.error());
    let other = Visitor::new(&app.url);
    assert_eq!(other.get("/register/admin").await.status, 403);
    let again = other
        .post(
            "/register/admin",
            &[
                ("username", "root2"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
            ],
        )
        .await;
    assert_ne!(again.status, 303, "a second administrator is refused");
}

async fn malformed_and_oversized_forms_get_an_error_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    v.get("/login/password").await;
    let csrf = v.csrf().unwrap();
    let big = format!("csrf={csrf}&username={}", "a".repeat(200 * 1024));
    let page = v
        .post_raw("/login/password", big, "application/x-www-form-urlencoded")
        .await;
    assert_eq!(page.status, 413);
    assert!(page.body.contains("<html"));
    let json = v
        .post_raw("/login/password", "{\"username\":1}", "application/json")
        .await;
    assert_eq!(json.status, 415);
    let bad = v
        .post_raw(
            "/login/password",
            format!("csrf={csrf}&username=%zz&password=%"),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert!(bad.status == 400 || bad.status == 422, "{}", bad.status);
    let nul = v
        .post(
            "/login/password",
            &[("username", "a\u{0}b"), ("password", "x")],
        )
        .await;
    assert_eq!(nul.status, 400);
    let not_utf8 = v
        .post_raw(
            "/login/password",
            format!("csrf={csrf}&username=%FF%FE&password=x"),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert!(not_utf8.status < 500, "{}", not_utf8.status);
    // Fields of the wrong shape are just strings; missing fields are empty.
    let missing = v.post("/login/password", &[]).await;
    assert_eq!(missing.status, 422);
    assert!(missing.error().is_some());
    let get_logout = v.get("/logout").await;
    assert_eq!(get_logout.status, 405);
    // The server still answers.
    assert_eq!(v.get("/login/password").await.status, 200);
}

async fn concurrent_registrations_of_one_name_make_one_account(backend: Backend) {
    let app = TestApp::start(backend).await;
    let visitors: Vec<Visitor> = (0..8).map(|_| Visitor::new(&app.url)).collect();
    for v in &visitors {
        v.get("/register").await;
    }
    let results = join_all(visitors.iter().map(|v| {
        v.post(
            "/register",
            &[
                ("username", "twin"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
                ("captcha", TEST_MODE_CAPTCHA),
            ],
        )
    }))
    .await;
    let created = results.iter().filter(|p| p.status == 303).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        results
            .iter()
            .map(|p| (p.status, p.error()))
            .collect::<Vec<_>>()
    );
    for p in results.iter().filter(|p| p.status != 303) {
        assert_eq!(p.status, 422);
        assert!(p.error().is_some());
    }
}

async fn consent_is_checked_by_the_server(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[pages.agreements]\nserviceUrl = \"/terms\"\nprivacyUrl = \"/privacy\"\nscope = [\"register\", \"login\"]")
        .start()
        .await;
    let v = Visitor::new(&app.url);
    let form = v.get("/register").await;
    assert!(form.body.contains("name=\"agree\""), "a consent box");
    assert!(form.body.contains("href=\"/terms\"") && form.body.contains("href=\"/privacy\""));
    let refused = v
        .post(
            "/register",
            &[
                ("username", "noconsent"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
                ("captcha", TEST_MODE_CAPTCHA),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.error().unwrap().contains("同意"),
        "{:?}",
        refused.error()
    );
    assert_eq!(
        refused.input_value("username").as_deref(),
        Some("noconsent"),
        "kept"
    );
    assert!(
        !refused.body.contains(PASSWORD),
        "passwords are never echoed"
    );
    v.get("/register").await;
    let agreed = v
        .post(
            "/register",
            &[
                ("username", "noconsent"),
                ("password", PASSWORD),
                ("password2", PASSWORD),
                ("captcha", TEST_MODE_CAPTCHA),
                ("agree", "on"),
            ],
        )
        .await;
    assert_eq!(agreed.status, 303, "{:?}", agreed.error());
    // Password sign-in (scope login) and SMS sign-in (scope register) ask too.
    v.post("/logout", &[]).await;
    v.get("/login/password").await;
    let login = v
        .post(
            "/login/password",
            &[("username", "noconsent"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status, 422);
    v.get("/login/sms?mobile=13800138000").await;
    let sms = v
        .post(
            "/login/sms",
            &[("mobile", "13800138000"), ("code", "123456")],
        )
        .await;
    assert_eq!(sms.status, 422);
    assert!(sms.error().unwrap().contains("同意"));
}

async fn password_login_asks_for_a_captcha_after_failures(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = signed_in(&app, "forgetful").await;
    v.post("/logout", &[]).await;
    let mut saw_captcha = false;
    for _ in 0..6 {
        v.get("/login/password").await;
        let page = v
            .post(
                "/login/password",
                &[("username", "forgetful"), ("password", "wrong-Pass-1")],
            )
            .await;
        assert_eq!(page.status, 422);
        assert_eq!(
            page.input_value("username").as_deref(),
            Some("forgetful"),
            "kept"
        );
        if page.body.contains("name=\"captcha\"") {
            saw_captcha = true;
            break;
        }
    }
    assert!(saw_captcha, "the form asks for a captcha after failures");
    // Without the captcha the right password is refused; with it, accepted.
    let refused = v
        .post(
            "/login/password",
            &[("username", "forgetful"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("name=\"captcha\""), "still asks");
    let done = v
        .post(
            "/login/password",
            &[
                ("username", "forgetful"),
                ("password", PASSWORD),
                ("captcha", TEST_MODE_CAPTCHA),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{:?}", done.error());
    // The browser is now a known device of the account (issue 8): it keeps a device token.
    let known = done
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("unid_known_device=dev1."))
        .expect("a device token cookie");
    assert!(
        known.contains("HttpOnly") && known.contains("SameSite=Lax"),
        "{known}"
    );
}

async fn nickname_and_password_change_from_the_profile(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = signed_in(&app, "changer").await;
    v.get("/userinfo").await;
    let bad = v.post("/userinfo/nickname", &[("nickname", "12345")]).await;
    assert_eq!(bad.status, 422, "uni-id refuses all-digit nicknames");
    let saved = v
        .post("/userinfo/nickname", &[("nickname", "Changer 李")])
        .await;
    assert_eq!(saved.location(), Some("/userinfo"));
    let profile = v.get("/userinfo").await;
    assert!(profile.body.contains("Changer 李"), "{}", profile.body);

    let old_token = v.cookie("unid_session").unwrap();
    v.get("/userinfo/change-pwd").await;
    let mismatch = v
        .post(
            "/userinfo/change-pwd",
            &[
                ("oldPassword", PASSWORD),
                ("newPassword", "New-Pass-2025"),
                ("newPassword2", "Other-2025"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, 422);
    let wrong_old = v
        .post(
            "/userinfo/change-pwd",
            &[
                ("oldPassword", "nope-Nope-1"),
                ("newPassword", "New-Pass-2025"),
                ("newPassword2", "New-Pass-2025"),
            ],
        )
        .await;
    assert_eq!(wrong_old.status, 422);
    let done = v
        .post(
            "/userinfo/change-pwd",
            &[
                ("oldPassword", PASSWORD),
                ("newPassword", "New-Pass-2025"),
                ("newPassword2", "New-Pass-2025"),
            ],
        )
        .await;
    assert_eq!(done.location(), Some("/login/password"));
    assert!(v.cookie("unid_session").is_none());
    let r = app
        .call("getAccountInfo")
        .client(json!({"appId": "__UNI__UNID"}))
        .token(&old_token)
        .send()
        .await;
    assert_ne!(r["errCode"], 0, "the old token is dead on the API too: {r}");
    let notice = v.get("/login/password").await;
    assert!(
        notice.body.contains("密码已修改"),
        "a notice after the redirect"
    );
    let r = app
        .call("login")
        .client(json!({"appId": "__UNI__UNID"}))
        .params(json!({"username": "changer", "password": "New-Pass-2025"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
}

async fn deactivating_closes_the_account_and_the_session(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = signed_in(&app, "leaver").await;
    v.get("/userinfo/deactivate").await;
    let unconfirmed = v.post("/userinfo/deactivate", &[]).await;
    assert_eq!(unconfirmed.status, 422);
    let done = v.post("/userinfo/deactivate", &[("confirm", "on")]).await;
    assert_eq!(done.location(), Some("/login"));
    assert!(v.cookie("unid_session").is_none());
    let r = app
        .call("login")
        .client(json!({"appId": "__UNI__UNID"}))
        .params(json!({"username": "leaver", "password": PASSWORD}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-account-closed", "{r}");
}

async fn the_language_follows_query_then_cookie_then_accept_language(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    assert!(
        v.get("/login/password")
            .await
            .body
            .contains("lang=\"zh-Hans\""),
        "default"
    );
    v.accept_language("en-US,en;q=0.9");
    assert!(v.get("/login/password").await.body.contains("lang=\"en\""));
    let chosen = v.get("/login/password?locale=zh-Hans").await;
    assert!(chosen.body.contains("lang=\"zh-Hans\""));
    assert_eq!(v.cookie("unid_locale").as_deref(), Some("zh-Hans"));
    assert!(
        v.get("/register").await.body.contains("lang=\"zh-Hans\""),
        "the cookie wins over Accept-Language"
    );
    let switch = v.get("/register").await;
    assert!(
        switch.body.contains("href=\"/register?locale=en\""),
        "a switch link"
    );
}

async fn sms_login_registers_a_new_number_in_test_mode(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    let chooser = v.get("/login").await;
    assert_eq!(chooser.status, 200, "smsCode is the first login type");
    assert!(chooser.body.contains("action=\"/login/sms\""));
    let form = v.get("/login/sms?mobile=13900139000").await;
    assert_eq!(form.status, 200);
    let sent = v
        .post(
            "/login/sms",
            &[
                ("mobile", "13900139000"),
                ("captcha", TEST_MODE_CAPTCHA),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{:?}", sent.error());
    let step_two = v.follow(&sent).await;
    assert_eq!(
        step_two.input_value("code").as_deref(),
        Some("123456"),
        "test mode fills it in"
    );
    let wrong = v
        .post(
            "/login/sms",
            &[("mobile", "13900139000"), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status, 422);
    let done = v
        .post(
            "/login/sms",
            &[("mobile", "13900139000"), ("code", "123456")],
        )
        .await;
    assert_eq!(done.status, 303, "{:?}", done.error());
    let profile = v.get("/userinfo").await;
    assert!(
        profile.body.contains("13900139000"),
        "the new account has the number"
    );
}

async fn unknown_pages_get_an_html_404_for_browsers_and_json_for_the_api(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = Visitor::new(&app.url);
    let page = v.get("/nowhere").await;
    assert_eq!(page.status, 404);
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    let api = app
        .raw(reqwest::Method::GET, "/nowhere")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    assert!(
        api.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("json")
    );
}

/// A `multipart/form-data` body with the form token and one file.
fn multipart(csrf: &str, filename: &str, content_type: &str, bytes: &[u8]) -> (Vec<u8>, String) {
    let boundary = "----unidtestboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (body, format!("multipart/form-data; boundary={boundary}"))
}

/// A 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

async fn an_avatar_upload_is_checked_stored_privately_and_served_safely(backend: Backend) {
    let app = TestApp::start(backend).await;
    let v = signed_in(&app, "pictured").await;
    v.get("/userinfo").await;
    let csrf = v.csrf().unwrap();

    // Not an image, whatever it claims.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";
    let (body, ct) = multipart(&csrf, "a.png", "image/png", svg);
    let refused = v.post_raw("/userinfo/avatar", body, &ct).await;
    assert_eq!(refused.status, 422);
    assert!(refused.error().is_some());
    // Too large.
    let mut big = PNG.to_vec();
    big.resize(3 * 1024 * 1024, 0);
    let (body, ct) = multipart(&csrf, "big.png", "image/png", &big);
    let too_big = v.post_raw("/userinfo/avatar", body, &ct).await;
    assert!(
        too_big.status == 413 || too_big.status == 422,
        "{}",
        too_big.status
    );
    // Without the form token.
    let (body, ct) = multipart("nope", "a.png", "image/png", PNG);
    assert_eq!(v.post_raw("/userinfo/avatar", body, &ct).await.status, 403);

    let (body, ct) = multipart(&csrf, "me.png", "application/octet-stream", PNG);
    let done = v.post_raw("/userinfo/avatar", body, &ct).await;
    assert_eq!(done.location(), Some("/userinfo"), "{:?}", done.error());
    let profile = v.get("/userinfo").await;
    let start = profile
        .body
        .find("src=\"/avatars/")
        .expect("the avatar is shown")
        + 5;
    let end = start + profile.body[start..].find('"').unwrap();
    let url = profile.body[start..end].to_string();
    let served = v.get(&url).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert!(
        served
            .header("content-security-policy")
            .unwrap()
            .contains("sandbox")
    );
    assert_eq!(v.get("/avatars/..%2Fsecrets.toml").await.status, 404);

    // uni-id's avatar_file shape, and a private file.
    let name = url.trim_start_matches("/avatars/").to_string();
    let users = app
        .db(|conn| {
            Ok(unid_core::db::models::users::find_matching(
                conn,
                &unid_core::db::models::users::UserQuery {
                    username: Some("pictured".into()),
                    ..Default::default()
                },
            )?)
        })
        .await;
    let file: serde_json::Value =
        serde_json::from_str(users[0].avatar_file.as_deref().unwrap()).unwrap();
    assert_eq!(file, json!({"name": name, "extname": "png", "url": url}));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = app.host.config.server.data_dir.join("avatars").join(&name);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // A new picture replaces the old file.
        let (body, ct) = multipart(&csrf, "me2.png", "image/png", PNG);
        v.post_raw("/userinfo/avatar", body, &ct).await;
        assert!(!path.exists(), "the replaced avatar is removed");
    }
}

async fn pages_can_be_switched_off(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[pages]\nenabled = false")
        .start()
        .await;
    let v = Visitor::new(&app.url);
    assert_eq!(v.get("/login/password").await.status, 404);
    assert_eq!(v.get("/").await.status, 404);
    let r = app.register("apionly", PASSWORD).await;
    assert_eq!(r["errCode"], 0, "the API still answers: {r}");
}
