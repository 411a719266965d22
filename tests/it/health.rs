//! /health/live and /health/ready.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::cases::Case;
use crate::support::{Backend, TestApp};
use crate::{cases, postgres_only};

pub fn cases() -> Vec<Case> {
    [
        cases![health_endpoints_report_the_database],
        postgres_only![server_recovers_when_postgres_drops_its_connections],
    ]
    .concat()
}

async fn health_endpoints_report_the_database(backend: Backend) {
    let app = TestApp::start(backend).await;
    let live = app.raw(Method::GET, "/health/live").send().await.unwrap();
    assert_eq!(live.status(), 200);
    let ready = app.raw(Method::GET, "/health/ready").send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["database"], backend.name());
    let missing = app.raw(Method::GET, "/nope").send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

/// Pooled connections are trusted without a ping for a moment after good work, so a request
/// may meet a connection PostgreSQL has just closed. That request fails cleanly, the connection
/// is checked before any further use, and service resumes at once.
async fn server_recovers_when_postgres_drops_its_connections(backend: Backend) {
    let app = TestApp::start(backend).await;
    let token = crate::support::token_of(
        &app.call("registerAdmin")
            .params(json!({"username": "admin", "password": "Admin-Pass-2024"}))
            .send()
            .await,
    );
    let info = || async { app.call("getAccountInfo").token(&token).send().await };
    assert_eq!(info().await["errCode"], 0);
    assert!(
        app.terminate_postgres_connections() > 0,
        "the app holds connections"
    );
    let mut failures = 0;
    for _ in 0..5 {
        let r = info().await;
        if r["errCode"] != 0 {
            assert_eq!(r["errCode"], "uni-id-system-error", "{r}");
            failures += 1;
        }
    }
    assert!(
        failures <= 1,
        "{failures} of 5 requests failed after the connections dropped"
    );
    let ready = app.raw(Method::GET, "/health/ready").send().await.unwrap();
    assert_eq!(ready.status(), 200);
}
