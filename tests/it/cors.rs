//! CORS on uni-id-co (issue 8, item 11): nothing allowed by default; configured origins get a
//! preflight answer and their origin echoed, never `*` with credentials; API answers carry
//! `nosniff`, `Referrer-Policy` and `Cache-Control: no-store`.

use reqwest::Method;
use serde_json::json;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{APP_ID, Backend, TestApp};

pub fn cases() -> Vec<Case> {
    cases![
        nothing_is_allowed_across_origins_by_default,
        configured_origins_are_allowed_and_others_are_not,
    ]
}

const APP: &str = "https://app.example.com";

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.raw(Method::OPTIONS, "/uni-id-co/login")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}

async fn post(app: &TestApp, origin: &str) -> reqwest::Response {
    app.raw(Method::POST, "/uni-id-co/getSupportedLoginType")
        .header("origin", origin)
        .json(&json!({"clientInfo": {"uniPlatform": "h5", "appId": APP_ID}}))
        .send()
        .await
        .unwrap()
}

async fn nothing_is_allowed_across_origins_by_default(backend: Backend) {
    let app = TestApp::start(backend).await;
    let p = preflight(&app, APP).await;
    assert_eq!(p.status(), 204);
    assert!(p.headers().get("access-control-allow-origin").is_none());
    let r = post(&app, APP).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers().get("referrer-policy").is_some());
}

async fn configured_origins_are_allowed_and_others_are_not(backend: Backend) {
    let app = TestApp::builder(backend)
        .config(&format!("[server]\ncorsOrigins = [\"{APP}\"]"))
        .start()
        .await;
    let p = preflight(&app, APP).await;
    assert_eq!(p.status(), 204);
    let h = p.headers();
    assert_eq!(h["access-control-allow-origin"], APP);
    assert_eq!(h["access-control-allow-methods"], "POST");
    assert!(
        h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("content-type")
    );
    assert!(h.get("access-control-allow-credentials").is_none());
    assert_eq!(h["vary"], "Origin");
    let r = post(&app, APP).await;
    assert_eq!(r.headers()["access-control-allow-origin"], APP);
    assert!(
        r.headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["errCode"], 0);
    let other = "https://evil.example";
    assert!(
        preflight(&app, other)
            .await
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert!(
        post(&app, other)
            .await
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}
