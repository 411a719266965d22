//! Another system's accounts (issue 11, spec §1.3 External, §14.2): externalRegister,
//! externalLogin and updateUserInfoByExternal, reachable only with uni-id's request signature,
//! and a signed request accepted once, on any instance.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use unid_core::db::models::users;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TestApp, TestAppBuilder, token_of};

pub fn cases() -> Vec<Case> {
    cases![
        an_external_user_registers_logs_in_and_is_updated,
        a_signed_request_is_accepted_once_on_any_instance,
        bad_signatures_are_refused_and_write_nothing,
        without_request_auth_secret_external_calls_are_refused,
        external_calls_check_their_parameters,
    ]
}

const SECRET: &str = "external-system-secret-2024";

fn with_secret(backend: Backend) -> TestAppBuilder {
    TestApp::builder(backend).config(&format!("requestAuthSecret = \"{SECRET}\""))
}

/// The signature as uni-id's documentation has a caller compute it (written out here rather
/// than borrowed from the server, so a mistake in one cannot hide in the other): params with a
/// scalar value, sorted, `k=v` joined by `&`; HMAC-SHA256 keyed by secret + nonce over
/// timestamp + that string, upper-case hex.
fn signature(secret: &str, nonce: &str, timestamp: &str, params: &Value) -> String {
    let mut pairs: Vec<(String, String)> = params
        .as_object()
        .unwrap()
        .iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k.clone(), s.clone())),
            Value::Number(n) => Some((k.clone(), n.to_string())),
            Value::Bool(b) => Some((k.clone(), b.to_string())),
            _ => None,
        })
        .collect();
    pairs.sort();
    let text = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(format!("{secret}{nonce}").as_bytes()).unwrap();
    mac.update(format!("{timestamp}{text}").as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

/// A signed call: (method, params, nonce, timestamp, signature), replayable as is.
#[derive(Clone)]
struct Signed {
    method: &'static str,
    params: Value,
    nonce: String,
    timestamp: String,
    signature: String,
}

fn signed(app: &TestApp, method: &'static str, params: Value) -> Signed {
    let nonce = format!("n{:016x}", rand::random::<u64>());
    let timestamp = app.clock.now_ms().to_string();
    let signature = signature(SECRET, &nonce, &timestamp, &params);
    Signed {
        method,
        params,
        nonce,
        timestamp,
        signature,
    }
}

async fn send(app: &TestApp, s: &Signed, locale: &str) -> Value {
    app.call(s.method)
        .locale(locale)
        .params(s.params.clone())
        .header("uni-id-nonce", &s.nonce)
        .header("uni-id-timestamp", &s.timestamp)
        .header("uni-id-signature", &s.signature)
        .send()
        .await
}

async fn call(app: &TestApp, method: &'static str, params: Value) -> Value {
    send(app, &signed(app, method, params), "zh-Hans").await
}

async fn an_external_user_registers_logs_in_and_is_updated(backend: Backend) {
    let app = with_secret(backend).start().await;
    let r = call(
        &app,
        "externalRegister",
        json!({"externalUid": "ext-1001", "nickname": "Wang", "gender": 1, "avatar": "https://cdn.example.com/a/b/face.PNG?x=1"}),
    )
    .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let uid = r["uid"].as_str().unwrap().to_string();
    assert_eq!(uid.len(), 24);
    assert_eq!(r["externalUid"], "ext-1001");
    assert_eq!(r["nickname"], "Wang");
    assert_eq!(r["gender"], 1);
    assert_eq!(r["avatar"], "https://cdn.example.com/a/b/face.PNG?x=1");
    let token = token_of(&r);
    assert_eq!(app.account_info(&token).await["errCode"], 0);
    let row = {
        let uid = uid.clone();
        app.db(move |conn| Ok(users::find_by_id(conn, &uid)?.unwrap()))
            .await
    };
    assert_eq!(row.nickname.as_deref(), Some("Wang"));
    assert_eq!(row.gender, Some(1));
    let file: Value = serde_json::from_str(row.avatar_file.as_deref().unwrap()).unwrap();
    assert_eq!(file["name"], "/a/b/face.PNG");
    assert_eq!(file["extname"], "png");

    // The same external id cannot register twice in one app.
    let r = call(&app, "externalRegister", json!({"externalUid": "ext-1001"})).await;
    assert_eq!(r["errCode"], "uni-id-account-exists", "{r}");

    for params in [json!({"externalUid": "ext-1001"}), json!({"uid": uid})] {
        let r = call(&app, "externalLogin", params.clone()).await;
        assert_eq!(r["errCode"], 0, "{params}: {r}");
        assert_eq!(r["uid"], uid.as_str());
        assert_eq!(app.account_info(&token_of(&r)).await["errCode"], 0);
    }
    let r = call(&app, "externalLogin", json!({"externalUid": "nobody"})).await;
    assert_eq!(r["errCode"], "uni-id-account-not-exists", "{r}");

    let r = call(
        &app,
        "updateUserInfoByExternal",
        json!({"externalUid": "ext-1001", "nickname": "Wang Wei", "mobile": "13800001111", "email": "Wang@Example.com", "role": ["member"]}),
    )
    .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let row = {
        let uid = uid.clone();
        app.db(move |conn| Ok(users::find_by_id(conn, &uid)?.unwrap()))
            .await
    };
    assert_eq!(row.nickname.as_deref(), Some("Wang Wei"));
    assert_eq!(row.mobile.as_deref(), Some("+8613800001111"));
    assert_eq!(row.mobile_confirmed, 1);
    assert_eq!(row.email.as_deref(), Some("wang@example.com"));
    assert_eq!(row.email_confirmed, 1);
    // A role change ends the sessions it was in, at once.
    let r = app.call("getAccountInfo").token(&token).send().await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed", "{r}");

    // A ban through the external call takes effect on the next login.
    let r = call(
        &app,
        "updateUserInfoByExternal",
        json!({"uid": uid, "status": 1}),
    )
    .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let r = call(&app, "externalLogin", json!({"externalUid": "ext-1001"})).await;
    assert_eq!(r["errCode"], "uni-id-account-banned", "{r}");
    let r = call(
        &app,
        "updateUserInfoByExternal",
        json!({"externalUid": "nobody", "nickname": "x"}),
    )
    .await;
    assert_eq!(r["errCode"], "uni-id-account-not-exists", "{r}");
}

async fn a_signed_request_is_accepted_once_on_any_instance(backend: Backend) {
    let first = with_secret(backend).start().await;
    let second = with_secret(backend).beside(&first).start().await;
    let s = signed(
        &first,
        "externalRegister",
        json!({"externalUid": "ext-2002"}),
    );
    let r = send(&first, &s, "zh-Hans").await;
    assert_eq!(r["errCode"], 0, "{r}");
    let users_after_first = first.user_count().await;

    // The same request again, on this instance or the other: refused, nothing written.
    for (app, locale, msg) in [
        (&first, "zh-Hans", "非法请求"),
        (&second, "en", "Illegal request"),
    ] {
        let r = send(app, &s, locale).await;
        assert_eq!(r["errCode"], "uni-id-illegal-request", "{r}");
        assert_eq!(r["errMsg"], msg);
    }
    let login = signed(&first, "externalLogin", json!({"externalUid": "ext-2002"}));
    assert_eq!(send(&second, &login, "en").await["errCode"], 0);
    assert_eq!(
        send(&first, &login, "en").await["errCode"],
        "uni-id-illegal-request"
    );
    assert_eq!(first.user_count().await, users_after_first);
}

async fn bad_signatures_are_refused_and_write_nothing(backend: Backend) {
    let app = with_secret(backend).start().await;
    let before = app.user_count().await;
    let good = signed(
        &app,
        "externalRegister",
        json!({"externalUid": "ext-3003", "nickname": "Li"}),
    );

    let mut wrong_params = good.clone();
    wrong_params.params = json!({"externalUid": "ext-3004", "nickname": "Li"});
    let mut lower_case = good.clone();
    lower_case.signature = good.signature.to_lowercase();
    let mut other_secret = good.clone();
    other_secret.signature =
        signature("another-secret", &good.nonce, &good.timestamp, &good.params);
    let mut not_a_number = good.clone();
    not_a_number.timestamp = "yesterday".into();
    for (what, s) in [
        ("changed params", wrong_params),
        ("lower-case hex", lower_case),
        ("another secret", other_secret),
        ("timestamp not a number", not_a_number),
    ] {
        let r = send(&app, &s, "en").await;
        assert_eq!(r["errCode"], "uni-id-illegal-request", "{what}: {r}");
    }
    // Missing headers.
    let r = app
        .call("externalRegister")
        .params(json!({"externalUid": "ext-3003"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-illegal-request", "{r}");

    assert_eq!(app.user_count().await, before, "nothing written");
    // The refused ones carried the good request's nonce without burning it.
    assert_eq!(send(&app, &good, "en").await["errCode"], 0);
    let before = app.user_count().await;

    // Too old (uni-id's 20 s), and too far ahead (unid's addition).
    let stale = signed(&app, "externalRegister", json!({"externalUid": "ext-3005"}));
    app.advance_secs(21);
    assert_eq!(
        send(&app, &stale, "en").await["errCode"],
        "uni-id-illegal-request"
    );
    let mut ahead = signed(&app, "externalRegister", json!({"externalUid": "ext-3006"}));
    ahead.timestamp = (app.clock.now_ms() + 60_000).to_string();
    ahead.signature = signature(SECRET, &ahead.nonce, &ahead.timestamp, &ahead.params);
    assert_eq!(
        send(&app, &ahead, "en").await["errCode"],
        "uni-id-illegal-request"
    );
    assert_eq!(app.user_count().await, before, "nothing written");
}

async fn without_request_auth_secret_external_calls_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let s = signed(&app, "externalRegister", json!({"externalUid": "ext-4004"}));
    let r = send(&app, &s, "en").await;
    assert_eq!(r["errCode"], "uni-id-config-field-required", "{r}");
    assert!(
        r["errMsg"].as_str().unwrap().contains("requestAuthSecret"),
        "{r}"
    );
    let r = send(&app, &s, "zh-Hans").await;
    assert!(
        r["errMsg"].as_str().unwrap().contains("requestAuthSecret"),
        "{r}"
    );
    assert_eq!(app.user_count().await, 0);
}

async fn external_calls_check_their_parameters(backend: Backend) {
    let app = with_secret(backend).start().await;
    let r = call(&app, "externalRegister", json!({})).await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    let r = call(&app, "externalRegister", json!({"externalUid": 12})).await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
    let r = call(
        &app,
        "externalRegister",
        json!({"externalUid": "e", "gender": 7}),
    )
    .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
    let r = call(&app, "externalLogin", json!({})).await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    assert!(
        r["errMsg"].as_str().unwrap().contains("uid or externalUid"),
        "{r}"
    );
    let r = call(&app, "externalRegister", json!({"externalUid": "ext-5005"})).await;
    assert_eq!(r["errCode"], 0, "{r}");
    let r = call(
        &app,
        "updateUserInfoByExternal",
        json!({"externalUid": "ext-5005", "mobile": "12345"}),
    )
    .await;
    assert_eq!(r["errCode"], "uni-id-invalid-mobile", "{r}");
    let r = call(
        &app,
        "updateUserInfoByExternal",
        json!({"externalUid": "ext-5005", "status": 9}),
    )
    .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
}
