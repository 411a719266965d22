//! addUser / updateUser and the role permission check (spec §1.1 permission table, §1.3 Admin).

use serde_json::json;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TestApp};

pub fn cases() -> Vec<Case> {
    cases![
        admin_methods_need_the_admin_role,
        add_user_creates_a_user_who_can_log_in,
        add_user_refuses_taken_identifiers,
        update_user_changes_fields_and_checks_uniqueness,
    ]
}

async fn admin_methods_need_the_admin_role(backend: Backend) {
    let app = TestApp::start(backend).await;
    let params = json!({"username": "zed", "password": "Secret-Pass-123"});
    let r = app.call("addUser").params(params.clone()).send().await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed");
    let user = app.user_token("alice").await;
    let r = app
        .call("addUser")
        .token(&user)
        .params(params.clone())
        .send()
        .await;
    assert_eq!(
        r,
        json!({"errCode": "uni-id-permission-error", "errMsg": "权限错误"})
    );
    let r = app
        .call("addUser")
        .token(&user)
        .locale("en")
        .params(params)
        .send()
        .await;
    assert_eq!(r["errMsg"], "Permission denied");
}

async fn add_user_creates_a_user_who_can_log_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let r = app
        .call("addUser")
        .token(&admin)
        .params(json!({"username": "zed", "password": "Secret-Pass-123", "nickname": "Zed", "role": ["editor"], "tags": ["vip"]}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["uid"].as_str().unwrap().len(), 24);
    // Without authorizedApp the user may log into the admin's app (uni-id would allow none).
    let login = app.login("zed", "Secret-Pass-123").await;
    assert_eq!(login["errCode"], 0, "{login}");
    let r = app
        .call("addUser")
        .token(&admin)
        .params(json!({"username": "elsewhere", "password": "Secret-Pass-123", "authorizedApp": ["__UNI__OTHER"]}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0);
    assert_eq!(
        app.login("elsewhere", "Secret-Pass-123").await["errCode"],
        "uni-id-account-not-exists-in-current-app"
    );
}

async fn add_user_refuses_taken_identifiers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let add = |params: serde_json::Value| app.call("addUser").token(&admin).params(params).send();
    assert_eq!(
        add(json!({"username": "u1", "password": "Secret-Pass-123", "mobile": "13800000001"}))
            .await["errCode"],
        0
    );
    assert_eq!(
        add(json!({"username": "u1", "password": "Secret-Pass-123"})).await["errCode"],
        "uni-id-account-exists"
    );
    assert_eq!(
        add(json!({"username": "u2", "password": "Secret-Pass-123", "mobile": "13800000001"}))
            .await["errCode"],
        "uni-id-account-exists"
    );
    assert_eq!(
        add(json!({"username": "u3", "password": "Secret-Pass-123", "status": 9})).await["errCode"],
        "uni-id-invalid-param"
    );
    assert_eq!(
        add(json!({"username": "u3", "password": "Secret-Pass-123", "role": "admin"})).await["errCode"],
        "uni-id-invalid-param"
    );
}

async fn update_user_changes_fields_and_checks_uniqueness(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let a = app
        .call("addUser")
        .token(&admin)
        .params(json!({"username": "ua", "password": "Secret-Pass-123"}))
        .send()
        .await;
    app.call("addUser")
        .token(&admin)
        .params(json!({"username": "ub", "password": "Secret-Pass-123"}))
        .send()
        .await;
    let uid = a["uid"].as_str().unwrap();
    let r = app
        .call("updateUser")
        .token(&admin)
        .params(json!({"uid": uid, "username": "ub"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-account-exists");
    let r = app
        .call("updateUser")
        .token(&admin)
        .params(json!({"uid": uid, "username": "ua2", "password": "Changed-Pass-1"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(app.login("ua2", "Changed-Pass-1").await["errCode"], 0);
    let r = app
        .call("updateUser")
        .token(&admin)
        .params(json!({"uid": "000000000000000000000000", "username": "ghost"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-account-not-exists");
}
