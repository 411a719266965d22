//! The OpenAPI document (issue 8, item 10) is generated from the method table: every method the
//! server dispatches is in it with its parameters, and what the server answers fits it.
//! `.ci/schemathesis` then fuzzes the running server against it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TestApp};

pub fn cases() -> Vec<Case> {
    cases![the_document_lists_every_method_and_its_answers_fit_it]
}

async fn the_document_lists_every_method_and_its_answers_fit_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = app
        .raw(Method::GET, "/uni-id-co/openapi.json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<&str> = paths
        .keys()
        .map(|p| p.strip_prefix("/uni-id-co/").unwrap())
        .collect();
    documented.sort_unstable();
    let mut served: Vec<&str> = app.host.methods.iter().map(|s| s.name).collect();
    served.sort_unstable();
    assert_eq!(documented, served, "core and plugin methods alike");
    assert!(documented.contains(&"sendSmsCode") && documented.contains(&"loginByEmailCode"));

    let body = |method: &str| {
        paths[&format!("/uni-id-co/{method}")]["post"]["requestBody"]["content"]["application/json"]
            ["schema"]
            .clone()
    };
    assert_eq!(
        body("login")["properties"]["params"]["required"],
        json!(["password"])
    );
    assert_eq!(
        body("login")["properties"]["params"]["properties"]["username"]["maxLength"],
        128
    );
    assert_eq!(body("login")["required"], json!(["clientInfo"]));
    assert_eq!(
        body("getAccountInfo")["required"],
        json!(["clientInfo", "uniIdToken"])
    );
    let admin = &paths["/uni-id-co/addUser"]["post"];
    assert!(
        admin["x-unid-error-codes"]
            .as_array()
            .unwrap()
            .contains(&json!("uni-id-permission-error")),
        "{admin}"
    );

    // Answers, good and bad, use only the codes the document declares.
    let declared = doc["components"]["schemas"]["ErrCode"]["oneOf"][1]["enum"]
        .as_array()
        .unwrap()
        .clone();
    let mut answers = vec![
        app.call("getSupportedLoginType").send().await,
        app.call("getAccountInfo").send().await,
        app.call("login")
            .params(json!({"username": "nobody", "password": "Whatever-2024"}))
            .send()
            .await,
        app.call("login")
            .params(json!({"username": 7}))
            .send()
            .await,
        app.call("addUser").send().await,
        app.call("createCaptcha")
            .params(json!({"scene": "register"}))
            .send()
            .await,
        app.call("noSuchMethod").send().await,
    ];
    answers.push(
        app.raw(Method::POST, "/uni-id-co/login")
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap(),
    );
    for a in answers {
        let code = &a["errCode"];
        assert!(
            *code == json!(0) || declared.contains(code),
            "{a} is not in the document"
        );
        assert!(a["errMsg"].is_string(), "{a}");
    }
}
