//! The apple plugin (issue 10) against a local fake of Apple: its key set (rotated during the
//! tests), its authorization page answering by form post, and identity tokens signed with
//! test keys — for another audience, expired, with another nonce, in another algorithm.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::HttpResponse;
use actix_web::web::{self, Query};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::cases;
use crate::support::web::Visitor;
use crate::support::{Backend, TestApp, token_of};

pub fn cases() -> Vec<crate::support::cases::Case> {
    let mut all = crate::browser_cases![sign_in_with_apple_in_a_browser];
    all.extend(cases![
        an_apple_user_registers_once_and_then_logs_in,
        apple_s_key_rotation_is_followed_at_most_once_a_minute,
        tokens_apple_did_not_make_for_us_are_refused,
        an_unreachable_key_set_is_a_clean_error,
        concurrent_first_logins_make_one_user,
        bind_and_unbind_apple,
        without_a_bundle_id_apple_is_not_offered,
        the_site_signs_in_with_apple_by_form_post,
    ]);
    all
}

const BUNDLE_ID: &str = "com.example.unid";
const SERVICES_ID: &str = "com.example.unid.signin";

/// A test key: its private half (PKCS#1 DER) and its JWK modulus.
struct TestKey {
    private: &'static str,
    n: &'static str,
}

const KEY_ONE: TestKey = TestKey {
    private: include_str!("../../plugins/apple/testdata/one.key.b64"),
    n: include_str!("../../plugins/apple/testdata/one.n"),
};
const KEY_TWO: TestKey = TestKey {
    private: include_str!("../../plugins/apple/testdata/two.key.b64"),
    n: include_str!("../../plugins/apple/testdata/two.n"),
};
const KEY_OTHER: TestKey = TestKey {
    private: include_str!("../../plugins/apple/testdata/other.key.b64"),
    n: include_str!("../../plugins/apple/testdata/other.n"),
};

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An identity token as Apple signs it.
fn apple_token(key: &TestKey, kid: &str, claims: Value) -> String {
    let der = STANDARD.decode(key.private.trim()).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_string());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_der(&der)).unwrap()
}

fn claims(sub: &str, aud: &str) -> Value {
    json!({
        "iss": "https://appleid.apple.com",
        "aud": aud,
        "sub": sub,
        "iat": now_secs(),
        "exp": now_secs() + 600,
        "email": format!("{sub}@privaterelay.appleid.com"),
        "email_verified": "true",
        "is_private_email": "true",
    })
}

/// What Apple publishes, and how often the key set was fetched.
#[derive(Default)]
struct Fake {
    /// `kid`s served (`k1` is KEY_ONE, `k2` KEY_TWO).
    kids: Mutex<Vec<&'static str>>,
    fetches: Mutex<usize>,
    down: Mutex<bool>,
}

fn jwk(kid: &str) -> Value {
    let key = match kid {
        "k1" => &KEY_ONE,
        _ => &KEY_TWO,
    };
    json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": key.n.trim(), "e": "AQAB"})
}

async fn keys(fake: web::Data<Fake>) -> HttpResponse {
    *fake.fetches.lock().unwrap() += 1;
    if *fake.down.lock().unwrap() {
        return HttpResponse::BadGateway().body("upstream down");
    }
    let kids = fake.kids.lock().unwrap().clone();
    HttpResponse::Ok().json(json!({"keys": kids.iter().map(|k| jwk(k)).collect::<Vec<_>>()}))
}

/// Apple's authorization page, reduced to the form it posts back (`as` picks the user).
async fn authorize(q: Query<HashMap<String, String>>) -> HttpResponse {
    let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
    let user = q.get("as").cloned().unwrap_or_else(|| "ada".into());
    let mut c = claims(
        &format!("apple-web-{user}"),
        q.get("client_id").map_or("", |s| s),
    );
    c["nonce"] = json!(q.get("nonce"));
    let token = apple_token(&KEY_ONE, "k1", c);
    let field = |name: &str, value: &str| {
        format!("<input type=\"hidden\" name=\"{name}\" value=\"{value}\">")
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><title>Apple</title><form id=\"answer\" method=\"post\" action=\"{redirect}\">{}{}{}{}<button id=\"continue\">Continue</button></form>",
            field("state", q.get("state").map_or("", |s| s)),
            field("code", "c-1"),
            field("id_token", &token),
            field("user", r#"{&quot;name&quot;:{&quot;firstName&quot;:&quot;Ada&quot;,&quot;lastName&quot;:&quot;Lovelace&quot;},&quot;email&quot;:&quot;ada@example.com&quot;}"#),
        ))
}

async fn app_with_apple(backend: Backend) -> (TestApp, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    fake.kids.lock().unwrap().push("k1");
    let f = fake.clone();
    let base = crate::support::serve_fake(move |cfg| {
        cfg.app_data(web::Data::from(f.clone()))
            .route("/auth/keys", web::get().to(keys))
            .route("/auth/authorize", web::get().to(authorize));
    });
    // Browsers go to Apple on another site (localhost is another site than 127.0.0.1), whose
    // answer is then a cross-site form post, as from appleid.apple.com.
    let apple_site = base.replace("127.0.0.1", "localhost");
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&format!(
            r#"
[plugins.apple]
keysUrl = "{base}/auth/keys"
authorizeUrl = "{apple_site}/auth/authorize"
webClientId = "{SERVICES_ID}"
timeoutSecs = 1

[app.oauth.apple]
bundleId = "{BUNDLE_ID}"

[pages]
loginTypes = ["apple", "username"]
"#
        ))
        .start()
        .await;
    (app, fake)
}

async fn login(app: &TestApp, token: &str, extra: Value) -> Value {
    let mut params = json!({"identityToken": token});
    if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    app.call("loginByApple")
        .client(json!({"uniPlatform": "app"}))
        .params(params)
        .send()
        .await
}

async fn nickname(app: &TestApp, uid: &Value) -> Option<String> {
    let uid = uid.as_str().unwrap().to_string();
    app.host
        .db
        .run(move |conn| Ok(unid_core::db::models::users::find_by_id(conn, &uid)?))
        .await
        .unwrap()
        .unwrap()
        .nickname
}

async fn an_apple_user_registers_once_and_then_logs_in(backend: Backend) {
    let (app, fake) = app_with_apple(backend).await;
    let token = apple_token(&KEY_ONE, "k1", claims("001.ada", BUNDLE_ID));
    let first = login(&app, &token, json!({"nickname": "Ada"})).await;
    assert_eq!(first["errCode"], 0, "{first}");
    assert_eq!(first["type"], "register");
    assert_eq!(nickname(&app, &first["uid"]).await.as_deref(), Some("Ada"));
    // The nickname is written on login too (uni-id does); without one it stays.
    let again = login(&app, &token, json!({"nickname": "Ada L."})).await;
    assert_eq!(again["type"], "login", "{again}");
    assert_eq!(again["uid"], first["uid"]);
    assert_eq!(
        nickname(&app, &first["uid"]).await.as_deref(),
        Some("Ada L.")
    );
    login(&app, &token, json!({})).await;
    assert_eq!(
        nickname(&app, &first["uid"]).await.as_deref(),
        Some("Ada L.")
    );
    // The key set was fetched once, then served from memory.
    assert_eq!(*fake.fetches.lock().unwrap(), 1);
    let info = app
        .call("getAccountInfo")
        .token(&token_of(&again))
        .send()
        .await;
    assert_eq!(info["isAppleBound"], true);
    assert_eq!(info["isWeixinBound"], false);
    // A token with the client's nonce must carry it.
    let mut c = claims("001.ada", BUNDLE_ID);
    c["nonce"] = json!("n-42");
    let with_nonce = apple_token(&KEY_ONE, "k1", c);
    assert_eq!(
        login(&app, &with_nonce, json!({"nonce": "n-42"})).await["errCode"],
        0
    );
    let r = login(&app, &with_nonce, json!({"nonce": "n-43"})).await;
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed", "{r}");
}

async fn apple_s_key_rotation_is_followed_at_most_once_a_minute(backend: Backend) {
    let (app, fake) = app_with_apple(backend).await;
    let one = apple_token(&KEY_ONE, "k1", claims("001.ada", BUNDLE_ID));
    assert_eq!(login(&app, &one, json!({})).await["errCode"], 0);
    // Apple rotates: k2 now signs, k1 is gone.
    *fake.kids.lock().unwrap() = vec!["k2"];
    let two = apple_token(&KEY_TWO, "k2", claims("001.ada", BUNDLE_ID));
    // Within the minute of the last fetch, an unknown key is not fetched again…
    let r = login(&app, &two, json!({})).await;
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed", "{r}");
    // …nor by a flood of made-up key ids.
    for i in 0..20 {
        let forged = apple_token(
            &KEY_OTHER,
            &format!("made-up-{i}"),
            claims("001.ada", BUNDLE_ID),
        );
        let r = login(&app, &forged, json!({})).await;
        assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed");
    }
    assert_eq!(*fake.fetches.lock().unwrap(), 1);
    // A minute later the new key is fetched and the login works.
    app.advance_secs(61);
    let r = login(&app, &two, json!({})).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["type"], "login");
    assert_eq!(*fake.fetches.lock().unwrap(), 2);
    // The retired key no longer verifies anything.
    assert_eq!(
        login(&app, &one, json!({})).await["errCode"],
        "uni-id-get-third-party-account-failed"
    );
}

async fn tokens_apple_did_not_make_for_us_are_refused(backend: Backend) {
    let (app, _) = app_with_apple(backend).await;
    let mut expired = claims("001.ada", BUNDLE_ID);
    expired["exp"] = json!(now_secs() - 1);
    let mut other_issuer = claims("001.ada", BUNDLE_ID);
    other_issuer["iss"] = json!("https://appleid.apple.com.evil.example");
    let hs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims("001.ada", BUNDLE_ID),
        &EncodingKey::from_secret(KEY_ONE.n.as_bytes()),
    )
    .unwrap();
    let tokens = [
        // Another app's audience (a token stolen from another developer's app).
        apple_token(&KEY_ONE, "k1", claims("001.ada", "com.someone.else")),
        apple_token(&KEY_ONE, "k1", expired),
        apple_token(&KEY_ONE, "k1", other_issuer),
        // Signed with another key under Apple's key id.
        apple_token(&KEY_OTHER, "k1", claims("001.ada", BUNDLE_ID)),
        hs256,
        "not.a.token".to_string(),
    ];
    for token in &tokens {
        for (locale, text) in [
            ("zh-Hans", "获取第三方账号失败"),
            ("en", "Get third party account failed"),
        ] {
            let r = app
                .call("loginByApple")
                .client(json!({"uniPlatform": "app"}))
                .locale(locale)
                .params(json!({"identityToken": token}))
                .send()
                .await;
            assert_eq!(
                r["errCode"], "uni-id-get-third-party-account-failed",
                "{token}: {r}"
            );
            assert_eq!(r["errMsg"], text);
        }
    }
    assert_eq!(app.user_count().await, 0);
    let r = app
        .call("loginByApple")
        .client(json!({"uniPlatform": "app"}))
        .params(json!({"identityToken": 42}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param");
}

async fn an_unreachable_key_set_is_a_clean_error(backend: Backend) {
    let (app, fake) = app_with_apple(backend).await;
    *fake.down.lock().unwrap() = true;
    let token = apple_token(&KEY_ONE, "k1", claims("001.ada", BUNDLE_ID));
    let r = login(&app, &token, json!({})).await;
    assert_eq!(r["errCode"], "uni-id-get-third-party-account-failed", "{r}");
    // Back up: after the minute the set is fetched again.
    *fake.down.lock().unwrap() = false;
    app.advance_secs(61);
    assert_eq!(login(&app, &token, json!({})).await["errCode"], 0);
}

async fn concurrent_first_logins_make_one_user(backend: Backend) {
    let (app, _) = app_with_apple(backend).await;
    let app = Arc::new(app);
    let token = apple_token(&KEY_ONE, "k1", claims("001.ada", BUNDLE_ID));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (app, token) = (app.clone(), token.clone());
            tokio::spawn(async move { login(&app, &token, json!({})).await })
        })
        .collect();
    let mut uids = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r["errCode"], 0, "{r}");
        uids.push(r["uid"].clone());
    }
    uids.dedup();
    assert_eq!(uids.len(), 1);
    assert_eq!(app.user_count().await, 1);
}

async fn bind_and_unbind_apple(backend: Backend) {
    let (app, _) = app_with_apple(backend).await;
    let admin = app.admin_token().await;
    for name in ["paula", "quinn"] {
        let r = app
            .call("addUser")
            .token(&admin)
            .params(json!({"username": name, "password": "Secret-Pass-123"}))
            .send()
            .await;
        assert_eq!(r["errCode"], 0, "{r}");
    }
    let paula = token_of(&app.login("paula", "Secret-Pass-123").await);
    let quinn = token_of(&app.login("quinn", "Secret-Pass-123").await);
    let ada = apple_token(&KEY_ONE, "k1", claims("001.ada", BUNDLE_ID));
    let bind = |token: &str| {
        let (app, token, ada) = (&app, token.to_string(), ada.clone());
        async move {
            app.call("bindApple")
                .client(json!({"uniPlatform": "app"}))
                .token(&token)
                .params(json!({"identityToken": ada}))
                .send()
                .await
        }
    };
    assert_eq!(bind(&paula).await["errCode"], 0);
    assert_eq!(bind(&quinn).await["errCode"], "uni-id-bind-conflict");
    let r = login(&app, &ada, json!({})).await;
    assert_eq!(r["type"], "login");
    let r = app.call("unbindApple").token(&paula).send().await;
    assert_eq!(r["errCode"], 0, "{r}");
    let r = app.call("unbindApple").token(&paula).send().await;
    assert_eq!(r["errCode"], "uni-id-unbind-failed");
    // An Apple-only account keeps its only way in.
    let bob = login(
        &app,
        &apple_token(&KEY_ONE, "k1", claims("001.bob", BUNDLE_ID)),
        json!({}),
    )
    .await;
    let r = app.call("unbindApple").token(&token_of(&bob)).send().await;
    assert_eq!(r["errCode"], "uni-id-unbind-mobile-not-exists", "{r}");
}

async fn without_a_bundle_id_apple_is_not_offered(backend: Backend) {
    let (app, _) = app_with_apple(backend).await;
    let offered = |r: &Value| {
        r["supportedLoginType"]
            .as_array()
            .unwrap()
            .contains(&json!("apple"))
    };
    let r = app
        .call("getSupportedLoginType")
        .client(json!({"uniPlatform": "app"}))
        .send()
        .await;
    assert!(offered(&r), "{r}");
    let bare = TestApp::start(backend).await;
    let r = bare
        .call("getSupportedLoginType")
        .client(json!({"uniPlatform": "app"}))
        .send()
        .await;
    assert!(!offered(&r), "{r}");
    let token = apple_token(&KEY_ONE, "k1", claims("001.ada", BUNDLE_ID));
    let r = login(&bare, &token, json!({})).await;
    assert_eq!(r["errCode"], "uni-id-config-field-required", "{r}");
    assert_eq!(r["errMsg"], "缺少配置项: app.oauth.apple.bundleId");
}

/// The hidden fields of the fake's answer form.
fn form_fields(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|tag| {
            let attr = |name: &str| {
                let at = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                tag[at..at + tag[at..].find('"').unwrap()].replace("&quot;", "\"")
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

async fn the_site_signs_in_with_apple_by_form_post(backend: Backend) {
    let (app, _) = app_with_apple(backend).await;
    let v = Visitor::new(&app.url);
    assert!(
        v.get("/login")
            .await
            .body
            .contains("action=\"/login/apple\"")
    );
    let go = v
        .get("/login/apple?go=1&uniIdRedirectUrl=%2Fuserinfo")
        .await;
    assert_eq!(go.status, 303, "{}", go.body);
    let to = go.location().unwrap().to_string();
    assert!(
        to.contains(&format!("client_id={SERVICES_ID}")) && to.contains("response_mode=form_post"),
        "{to}"
    );
    let page = reqwest::get(&to).await.unwrap().text().await.unwrap();
    let fields = form_fields(&page);
    let body = crate::support::web::serde_urlencoded_pairs(&fields);
    // Apple's post comes from another site: no cookie of ours.
    let apple_post = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login/apple/callback", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(apple_post.status().as_u16(), 303);
    let finish = apple_post.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(finish.starts_with("/login/apple/finish?k="), "{finish}");
    // The browser that started comes back for the answer.
    let done = v.get(&finish).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location(), Some("/userinfo"));
    let profile = v.get("/userinfo").await;
    assert!(profile.body.contains("Ada Lovelace"), "{}", profile.body);
    assert!(profile.body.contains("action=\"/userinfo/apple/unbind\""));
    // The answer is taken once.
    assert_eq!(v.get(&finish).await.status, 400);
    // Another browser holding the answer's key cannot finish someone else's sign-in.
    let v2 = Visitor::new(&app.url);
    let go = v2.get("/login/apple?go=1").await;
    let page = reqwest::get(go.location().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let posted = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login/apple/callback", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(crate::support::web::serde_urlencoded_pairs(&form_fields(
            &page,
        )))
        .send()
        .await
        .unwrap();
    let finish = posted.headers()["location"].to_str().unwrap().to_string();
    let attacker = Visitor::new(&app.url);
    let r = attacker.get(&finish).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(attacker.cookie("unid_session").is_none());
    // A token replayed with another flow's state fails the nonce.
    let v3 = Visitor::new(&app.url);
    let go = v3.get("/login/apple?go=1").await;
    let state = go
        .location()
        .unwrap()
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let replayed: Vec<(String, String)> = fields
        .iter()
        .map(|(k, val)| {
            let val = if k == "state" {
                state.clone()
            } else {
                val.clone()
            };
            (k.clone(), val)
        })
        .collect();
    let posted = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/login/apple/callback", app.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(crate::support::web::serde_urlencoded_pairs(&replayed))
        .send()
        .await
        .unwrap();
    let finish = posted.headers()["location"].to_str().unwrap().to_string();
    let r = v3.get(&finish).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(v3.cookie("unid_session").is_none());
}

async fn sign_in_with_apple_in_a_browser(backend: Backend) {
    use crate::support::browser::{Browser, Options};
    let (app, _) = app_with_apple(backend).await;
    let b = Browser::open(&app.url, Options::default()).await;
    b.goto("/login").await;
    b.click("form[action='/login/apple'] button[type=submit]")
        .await;
    // Apple's page posts its answer back across sites; the browser then fetches it with the
    // flow's cookie.
    b.click("#continue").await;
    assert_eq!(b.path().await, "/userinfo", "{}", b.body_text().await);
    assert!(
        b.body_text().await.contains("Ada Lovelace"),
        "{}",
        b.body_text().await
    );
    b.close().await;
}
