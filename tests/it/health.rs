//! /health/live and /health/ready.

use reqwest::Method;
use serde_json::Value;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TestApp};

pub fn cases() -> Vec<Case> {
    cases![health_endpoints_report_the_database]
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
