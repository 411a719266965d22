//! Push devices (issue 11, spec §1.3 setPushCid, §12.5–12.6): the device is recorded, bound to
//! the account until its token expires, moved to whoever signs in on it next, and marked
//! expired by logout.

use diesel::prelude::*;
use serde_json::{Value, json};
use unid_core::db::schema::{devices, opendb_devices};
use unid_core::db_run;

use crate::cases;
use crate::support::cases::Case;
use crate::support::web::Visitor;
use crate::support::{APP_ID, Backend, TestApp, token_of};

pub fn cases() -> Vec<Case> {
    cases![
        set_push_cid_records_the_device_and_logout_expires_it,
        a_device_moves_to_the_next_account_signed_in_on_it,
        set_push_cid_checks_its_input,
        the_console_lists_a_users_push_devices,
    ]
}

fn phone(device: &str) -> Value {
    json!({
        "uniPlatform": "app-android",
        "appId": APP_ID,
        "deviceId": device,
        "deviceBrand": "xiaomi",
        "deviceModel": "Redmi K70",
        "osName": "android",
        "osVersion": "14",
        "osTheme": "dark",
        "devicePixelRatio": 2.75,
        "screenWidth": 393,
    })
}

type Binding = (String, String, Option<String>, i64);

async fn bindings(app: &TestApp, device: &str) -> Vec<Binding> {
    let device = device.to_string();
    app.db(move |conn| {
        Ok(db_run!(conn: {
            devices::table
                .filter(devices::device_id.eq(&device))
                .select((devices::device_id, devices::user_id, devices::push_clientid, devices::token_expired))
                .load::<Binding>(conn)
        })?)
    })
    .await
}

async fn sign_in(app: &TestApp, username: &str, device: &str) -> Value {
    app.register(username, "Secret-Pass-123").await;
    let r = app
        .call("login")
        .client(phone(device))
        .params(json!({"username": username, "password": "Secret-Pass-123"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    r
}

async fn set_push_cid_records_the_device_and_logout_expires_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = sign_in(&app, "pusher", "dev-push-1").await;
    let token = token_of(&r);
    let uid = r["uid"].as_str().unwrap().to_string();
    let expires = r["newToken"]["tokenExpired"].as_i64().unwrap();

    let r = app
        .call("setPushCid")
        .client(phone("dev-push-1"))
        .token(&token)
        .params(json!({"pushClientId": "cid-0001"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let rows = bindings(&app, "dev-push-1").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (_, user, cid, token_expired) = &rows[0];
    assert_eq!(user, &uid);
    assert_eq!(cid.as_deref(), Some("cid-0001"));
    // exp * 1000: the token's expiry to the second.
    assert!(
        (token_expired - expires).abs() < 1000,
        "{token_expired} vs {expires}"
    );

    let doc = app
        .db(|conn| {
            Ok(db_run!(conn: {
                opendb_devices::table
                    .filter(opendb_devices::device_id.eq("dev-push-1"))
                    .select((
                        opendb_devices::vendor,
                        opendb_devices::model,
                        opendb_devices::uni_platform,
                        opendb_devices::os_version,
                        opendb_devices::push_clientid,
                        opendb_devices::extra,
                    ))
                    .load::<(Option<String>, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>)>(conn)
            })?)
        })
        .await;
    assert_eq!(doc.len(), 1);
    let (vendor, model, platform, os_version, cid, extra) = doc[0].clone();
    assert_eq!(vendor.as_deref(), Some("xiaomi"));
    assert_eq!(model.as_deref(), Some("Redmi K70"));
    assert_eq!(platform.as_deref(), Some("app-android"));
    assert_eq!(os_version.as_deref(), Some("14"));
    assert_eq!(cid.as_deref(), Some("cid-0001"));
    let extra: Value = serde_json::from_str(&extra.unwrap()).unwrap();
    assert_eq!(extra["os_theme"], "dark");
    assert_eq!(extra["pixel_ratio"], 2.75);
    assert_eq!(extra["screen_width"], 393.0);

    // A second call (a new push id) updates the same rows.
    let r = app
        .call("setPushCid")
        .client(phone("dev-push-1"))
        .token(&token)
        .params(json!({"pushClientId": "cid-0002"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let rows = bindings(&app, "dev-push-1").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].2.as_deref(), Some("cid-0002"));

    let r = app
        .call("logout")
        .client(phone("dev-push-1"))
        .token(&token)
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let rows = bindings(&app, "dev-push-1").await;
    assert_eq!(rows[0].3, 0, "logout marks the binding expired");
}

async fn a_device_moves_to_the_next_account_signed_in_on_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    for (name, cid) in [("first", "cid-a"), ("second", "cid-b")] {
        let r = sign_in(&app, name, "dev-shared").await;
        let r2 = app
            .call("setPushCid")
            .client(phone("dev-shared"))
            .token(&token_of(&r))
            .params(json!({"pushClientId": cid}))
            .send()
            .await;
        assert_eq!(r2["errCode"], 0, "{r2}");
        let rows = bindings(&app, "dev-shared").await;
        assert_eq!(rows.len(), 1, "one row per device: {rows:?}");
        assert_eq!(rows[0].1, r["uid"].as_str().unwrap());
        assert_eq!(rows[0].2.as_deref(), Some(cid));
    }
}

async fn set_push_cid_checks_its_input(backend: Backend) {
    let app = TestApp::start(backend).await;
    let r = sign_in(&app, "checker", "dev-check").await;
    let token = token_of(&r);
    let r = app
        .call("setPushCid")
        .client(phone("dev-check"))
        .token(&token)
        .locale("en")
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    assert!(
        r["errMsg"].as_str().unwrap().contains("pushClientId"),
        "{r}"
    );
    for bad in [json!(12), json!(["x"]), json!("x".repeat(300))] {
        let r = app
            .call("setPushCid")
            .client(phone("dev-check"))
            .token(&token)
            .params(json!({ "pushClientId": bad }))
            .send()
            .await;
        assert_eq!(r["errCode"], "uni-id-invalid-param", "{r}");
    }
    // No device id: nothing to bind.
    let r = app
        .call("setPushCid")
        .client(json!({"deviceId": null}))
        .token(&token)
        .params(json!({"pushClientId": "cid-x"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    let r = app
        .call("setPushCid")
        .client(phone("dev-check"))
        .params(json!({"pushClientId": "cid-x"}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed", "{r}");
    assert!(bindings(&app, "dev-check").await.is_empty());
}

async fn the_console_lists_a_users_push_devices(backend: Backend) {
    let app = TestApp::start(backend).await;
    // An administrator of the pages' app, and a user of both apps.
    let r = app
        .call("registerAdmin")
        .client(json!({"appId": "__UNI__UNID"}))
        .params(json!({"username": "admin", "password": "Admin-Pass-2024"}))
        .send()
        .await;
    let admin = token_of(&r);
    let r = app
        .call("addUser")
        .client(json!({"appId": "__UNI__UNID"}))
        .token(&admin)
        .params(json!({"username": "holder", "password": "Secret-Pass-123", "authorizedApp": ["__UNI__UNID", APP_ID]}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let uid = r["uid"].as_str().unwrap().to_string();
    let r = app
        .call("login")
        .client(phone("dev-console"))
        .params(json!({"username": "holder", "password": "Secret-Pass-123"}))
        .send()
        .await;
    let token = token_of(&r);
    let r = app
        .call("setPushCid")
        .client(phone("dev-console"))
        .token(&token)
        .params(json!({"pushClientId": "cid-console"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");

    let v = Visitor::new(&app.url);
    v.accept_language("en");
    v.get("/login/password").await;
    let done = v
        .post(
            "/login/password",
            &[("username", "admin"), ("password", "Admin-Pass-2024")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = v.get(&format!("/admin/users/{uid}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Push devices"), "{}", page.body);
    assert!(page.body.contains("xiaomi Redmi K70"), "{}", page.body);
    assert!(
        page.body.contains("app-android · android 14"),
        "{}",
        page.body
    );
    assert!(page.body.contains("dev-console"));
    assert!(page.body.contains("until "), "{}", page.body);

    app.call("logout")
        .client(phone("dev-console"))
        .token(&token)
        .send()
        .await;
    let page = v.get(&format!("/admin/users/{uid}")).await;
    assert!(
        page.body.contains("no (signed out or expired)"),
        "{}",
        page.body
    );
    v.accept_language("zh-Hans");
    let page = v.get(&format!("/admin/users/{uid}")).await;
    assert!(page.body.contains("推送设备"), "{}", page.body);
    assert!(page.body.contains("否（已退出或已过期）"), "{}", page.body);
}
