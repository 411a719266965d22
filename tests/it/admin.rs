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
        authorize_app_login_lets_a_user_into_another_app,
        an_app_grant_refuses_a_conflict_with_another_user,
        removing_an_app_ends_its_sessions_at_once,
        app_grants_check_their_parameters_and_the_role,
        concurrent_grants_of_one_name_into_an_app_let_one_through,
        admin_changes_are_audited_without_secrets,
    ]
}

const OTHER: &str = "__UNI__OTHER";

fn login_in<'a>(app: &'a TestApp, appid: &str, username: &str) -> crate::support::CallBuilder<'a> {
    app.call("login")
        .client(json!({"appId": appid}))
        .params(json!({"username": username, "password": "Secret-Pass-123"}))
}

async fn add_in(app: &TestApp, admin: &str, username: &str, apps: &[&str]) -> String {
    let r = app
        .call("addUser")
        .token(admin)
        .params(json!({"username": username, "password": "Secret-Pass-123", "authorizedApp": apps}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    r["uid"].as_str().unwrap().to_string()
}

async fn authorize_app_login_lets_a_user_into_another_app(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let uid = add_in(&app, &admin, "wanderer", &[crate::support::APP_ID]).await;
    assert_eq!(
        login_in(&app, OTHER, "wanderer").send().await["errCode"],
        "uni-id-account-not-exists-in-current-app"
    );
    for _ in 0..2 {
        // Granting twice is granting once.
        let r = app
            .call("authorizeAppLogin")
            .token(&admin)
            .params(json!({"uid": uid, "appId": OTHER}))
            .send()
            .await;
        assert_eq!(r, json!({"errCode": 0, "errMsg": ""}));
    }
    assert_eq!(login_in(&app, OTHER, "wanderer").send().await["errCode"], 0);
    assert_eq!(
        login_in(&app, crate::support::APP_ID, "wanderer")
            .send()
            .await["errCode"],
        0
    );
    // setAuthorizedApp replaces the list: only OTHER now.
    let r = app
        .call("setAuthorizedApp")
        .token(&admin)
        .params(json!({"uid": uid, "appIdList": [OTHER]}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(
        login_in(&app, crate::support::APP_ID, "wanderer")
            .send()
            .await["errCode"],
        "uni-id-account-not-exists-in-current-app"
    );
    assert_eq!(login_in(&app, OTHER, "wanderer").send().await["errCode"], 0);
}

async fn an_app_grant_refuses_a_conflict_with_another_user(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    add_in(&app, &admin, "twin", &[crate::support::APP_ID]).await;
    // The same username may exist in another app...
    let other = add_in(&app, &admin, "twin", &[OTHER]).await;
    // ...but not be let into the app where the first one is.
    let grant = |locale: &'static str| {
        app.call("authorizeAppLogin")
            .token(&admin)
            .locale(locale)
            .params(json!({"uid": other, "appId": crate::support::APP_ID}))
            .send()
    };
    assert_eq!(
        grant("zh-Hans").await,
        json!({"errCode": "uni-id-account-conflict", "errMsg": "用户账号冲突"})
    );
    assert_eq!(grant("en").await["errMsg"], "User account conflict");
    for list in [json!([OTHER, crate::support::APP_ID]), json!(["*"])] {
        let r = app
            .call("setAuthorizedApp")
            .token(&admin)
            .params(json!({"uid": other, "appIdList": list}))
            .send()
            .await;
        assert_eq!(r["errCode"], "uni-id-account-conflict", "{list}: {r}");
    }
    // Nothing changed: the second twin still signs in where it was, and only there.
    assert_eq!(login_in(&app, OTHER, "twin").send().await["errCode"], 0);
    let third = app
        .call("setAuthorizedApp")
        .token(&admin)
        .params(json!({"uid": other, "appIdList": [OTHER, "__UNI__THIRD"]}))
        .send()
        .await;
    assert_eq!(third["errCode"], 0, "no one else there: {third}");
    assert_eq!(
        login_in(&app, "__UNI__THIRD", "twin").send().await["errCode"],
        0
    );
}

async fn removing_an_app_ends_its_sessions_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let uid = add_in(&app, &admin, "leaver", &[crate::support::APP_ID, OTHER]).await;
    let signed_in = login_in(&app, crate::support::APP_ID, "leaver")
        .send()
        .await;
    let token = crate::support::token_of(&signed_in);
    assert_eq!(
        app.call("getAccountInfo").token(&token).send().await["errCode"],
        0
    );
    let r = app
        .call("removeAuthorizedApp")
        .token(&admin)
        .params(json!({"uid": uid, "appId": crate::support::APP_ID}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(
        app.call("getAccountInfo").token(&token).send().await["errCode"],
        "uni-id-check-token-failed",
        "the session in the removed app ends at once"
    );
    assert_eq!(
        login_in(&app, crate::support::APP_ID, "leaver")
            .send()
            .await["errCode"],
        "uni-id-account-not-exists-in-current-app"
    );
    assert_eq!(login_in(&app, OTHER, "leaver").send().await["errCode"], 0);
    // Removing an app the user does not have changes nothing and ends nothing.
    let token = crate::support::token_of(&login_in(&app, OTHER, "leaver").send().await);
    let r = app
        .call("removeAuthorizedApp")
        .token(&admin)
        .params(json!({"uid": uid, "appId": "__UNI__NEVER"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(
        app.call("getAccountInfo")
            .client(json!({"appId": OTHER}))
            .token(&token)
            .send()
            .await["errCode"],
        0
    );
}

async fn app_grants_check_their_parameters_and_the_role(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let user = app.user_token("plain").await;
    for method in [
        "authorizeAppLogin",
        "removeAuthorizedApp",
        "setAuthorizedApp",
    ] {
        let r = app
            .call(method)
            .token(&user)
            .params(json!({"uid": "x", "appId": OTHER, "appIdList": [OTHER]}))
            .send()
            .await;
        assert_eq!(r["errCode"], "uni-id-permission-error", "{method}: {r}");
        let r = app.call(method).token(&admin).send().await;
        assert_eq!(r["errCode"], "uni-id-param-required", "{method}: {r}");
        let r = app
            .call(method)
            .token(&admin)
            .params(
                json!({"uid": "000000000000000000000000", "appId": OTHER, "appIdList": [OTHER]}),
            )
            .send()
            .await;
        assert_eq!(r["errCode"], "uni-id-account-not-exists", "{method}: {r}");
    }
    for bad in [json!("__UNI__A"), json!([1, 2]), json!({"a": 1})] {
        let r = app
            .call("setAuthorizedApp")
            .token(&admin)
            .params(json!({"uid": "x", "appIdList": bad}))
            .send()
            .await;
        assert_eq!(r["errCode"], "uni-id-invalid-param", "{bad}: {r}");
    }
    let r = app
        .call("authorizeAppLogin")
        .token(&admin)
        .params(json!({"uid": "x", "appId": 7}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
}

/// Two users with one username in two apps, both granted the same third app at once: the
/// database lets one through.
async fn concurrent_grants_of_one_name_into_an_app_let_one_through(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let a = add_in(&app, &admin, "racer", &["__UNI__A"]).await;
    let b = add_in(&app, &admin, "racer", &["__UNI__B"]).await;
    let grant = |uid: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.call("authorizeAppLogin")
                .token(&admin)
                .params(json!({"uid": uid, "appId": OTHER}))
                .send()
                .await["errCode"]
                .clone()
        }
    };
    let (ra, rb) = tokio::join!(grant(a), grant(b));
    let mut codes = [ra.to_string(), rb.to_string()];
    codes.sort();
    assert_eq!(codes, ["\"uni-id-account-conflict\"", "0"], "{codes:?}");
    assert_eq!(login_in(&app, OTHER, "racer").send().await["errCode"], 0);
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

async fn audit_of(app: &TestApp, uid: &str) -> Vec<unid_core::db::models::audit::AuditRow> {
    let uid = uid.to_string();
    app.db(move |conn| Ok(unid_core::db::models::audit::recent(conn, Some(&uid), 50)?))
        .await
}

/// Every change through the admin API is in the audit log, in the change's transaction: who,
/// from where, each field old → new; a password only as changed; a refused change not at all.
async fn admin_changes_are_audited_without_secrets(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let uid = add_in(&app, &admin, "audited", &[crate::support::APP_ID]).await;
    let r = app
        .call("updateUser")
        .token(&admin)
        .params(json!({"uid": uid, "username": "audited", "nickname": "Audrey", "status": 1, "password": "Other-Pass-456"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let r = app
        .call("authorizeAppLogin")
        .token(&admin)
        .params(json!({"uid": uid, "appId": OTHER}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    // A refused change and a change of nothing leave no entry.
    let refused = app
        .call("addUser")
        .token(&admin)
        .params(
            json!({"username": "audited", "password": "Secret-Pass-123", "authorizedApp": [OTHER]}),
        )
        .send()
        .await;
    assert_eq!(refused["errCode"], "uni-id-account-exists", "{refused}");
    let all = app
        .db(|conn| Ok(unid_core::db::models::audit::recent(conn, None, 50)?))
        .await;
    assert_eq!(all.len(), 3, "the refused addUser left no entry");
    let r = app
        .call("removeAuthorizedApp")
        .token(&admin)
        .params(json!({"uid": uid, "appId": "__UNI__NEVER"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");

    let rows = audit_of(&app, &uid).await;
    let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(
        actions,
        ["user.apps", "user.update", "user.create"],
        "newest first"
    );
    for row in &rows {
        assert_eq!(row.actor_name.as_deref(), Some("admin"));
        assert!(row.actor_id.as_deref().is_some_and(|id| id.len() == 24));
        assert_eq!(row.ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(row.face, "api");
        assert!(!row.changes.contains("Pass-"), "no secret: {}", row.changes);
    }
    let update: serde_json::Value = serde_json::from_str(&rows[1].changes).unwrap();
    assert_eq!(update["nickname"], json!({"old": null, "new": "Audrey"}));
    assert_eq!(update["status"], json!({"old": 0, "new": 1}));
    assert_eq!(update["password"], json!({"changed": true}));
    assert!(
        update.get("username").is_none(),
        "unchanged fields are left out: {update}"
    );
    let apps: serde_json::Value = serde_json::from_str(&rows[0].changes).unwrap();
    assert_eq!(
        apps["authorizedApp"],
        json!({"old": [crate::support::APP_ID], "new": [OTHER, crate::support::APP_ID]})
    );
    let created: serde_json::Value = serde_json::from_str(&rows[2].changes).unwrap();
    assert_eq!(created["username"]["new"], "audited");
    assert_eq!(created["password"], json!({"changed": true}));
}
