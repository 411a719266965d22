//! Invitations after registration (issue 11, spec §1.3 Fission): acceptInvite, getInvitedUser,
//! and forceInviteCode on a registration that is not by password.

use serde_json::{Value, json};
use unid_core::db::models::users;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TEST_MODE_CAPTCHA, TestApp, token_of};

pub fn cases() -> Vec<Case> {
    cases![
        accepting_an_invite_sets_the_chain_and_extends_the_downline,
        an_invite_cannot_be_changed_or_make_a_cycle,
        invited_users_are_listed_by_level_with_masked_mobiles,
        get_invited_user_checks_its_parameters,
        force_invite_code_applies_to_sms_registration,
    ]
}

const PASS: &str = "Secret-Pass-123";

async fn chain_of(app: &TestApp, uid: &str) -> Vec<String> {
    let uid = uid.to_string();
    let user = app
        .db(move |conn| Ok(users::find_by_id(conn, &uid)?.unwrap()))
        .await;
    user.inviter_uid
        .as_deref()
        .map(|c| serde_json::from_str(c).unwrap())
        .unwrap_or_default()
}

async fn code_of(app: &TestApp, uid: &str) -> String {
    let uid = uid.to_string();
    app.db(move |conn| Ok(users::find_by_id(conn, &uid)?.unwrap()))
        .await
        .my_invite_code
        .unwrap()
}

/// Registers `username`, invited by the holder of `code` when given; answers uid and token.
async fn join(app: &TestApp, username: &str, code: Option<&str>) -> (String, String) {
    app.captcha("register").await;
    let mut params = json!({"username": username, "password": PASS, "captcha": TEST_MODE_CAPTCHA});
    if let Some(c) = code {
        params["inviteCode"] = json!(c);
    }
    let r = app.call("registerUser").params(params).send().await;
    assert_eq!(r["errCode"], 0, "{r}");
    (r["uid"].as_str().unwrap().to_string(), token_of(&r))
}

async fn accept(app: &TestApp, token: &str, code: &str, locale: &str) -> Value {
    app.call("acceptInvite")
        .token(token)
        .locale(locale)
        .params(json!({"inviteCode": code}))
        .send()
        .await
}

async fn accepting_an_invite_sets_the_chain_and_extends_the_downline(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("autoSetInviteCode = true")
        .start()
        .await;
    let (top, _) = join(&app, "top", None).await;
    let (mid, mid_token) = join(&app, "mid", None).await;
    let mid_code = code_of(&app, &mid).await;
    let (low, _) = join(&app, "low", Some(&mid_code)).await;
    let (lowest, _) = join(&app, "lowest", Some(&code_of(&app, &low).await)).await;
    assert_eq!(
        chain_of(&app, &lowest).await,
        vec![low.clone(), mid.clone()]
    );

    let r = accept(&app, &mid_token, &code_of(&app, &top).await, "zh-Hans").await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(chain_of(&app, &mid).await, vec![top.clone()]);
    // Everyone below mid now has top at the end of their chain.
    assert_eq!(chain_of(&app, &low).await, vec![mid.clone(), top.clone()]);
    assert_eq!(
        chain_of(&app, &lowest).await,
        vec![low.clone(), mid.clone(), top.clone()]
    );
    assert!(chain_of(&app, &top).await.is_empty());
    let mid_row = {
        let mid = mid.clone();
        app.db(move |conn| Ok(users::find_by_id(conn, &mid)?.unwrap()))
            .await
    };
    assert!(mid_row.invite_time.is_some());
}

async fn an_invite_cannot_be_changed_or_make_a_cycle(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("autoSetInviteCode = true")
        .start()
        .await;
    let (a, a_token) = join(&app, "alpha", None).await;
    let a_code = code_of(&app, &a).await;
    let (b, b_token) = join(&app, "bravo", Some(&a_code)).await;
    let (c, _) = join(&app, "charlie", None).await;

    // b already has an inviter.
    let r = accept(&app, &b_token, &code_of(&app, &c).await, "zh-Hans").await;
    assert_eq!(r["errCode"], "uni-id-change-inviter-forbidden");
    assert_eq!(r["errMsg"], "禁止修改邀请人");
    let r = accept(&app, &b_token, &code_of(&app, &c).await, "en").await;
    assert_eq!(r["errMsg"], "Change inviter is not allowed");
    assert_eq!(chain_of(&app, &b).await, vec![a.clone()]);

    // a accepting b's code would make a cycle; a's own code is no invitation; nor is nonsense.
    for code in [
        code_of(&app, &b).await,
        a_code.clone(),
        "ZZZZZZ".to_string(),
    ] {
        let r = accept(&app, &a_token, &code, "en").await;
        assert_eq!(r["errCode"], "uni-id-invalid-invite-code", "{code}: {r}");
        assert_eq!(r["errMsg"], "Invalid invite code");
    }
    let r = accept(&app, &a_token, "ZZZZZZ", "zh-Hans").await;
    assert_eq!(r["errMsg"], "邀请码不可用");
    assert!(chain_of(&app, &a).await.is_empty());

    // Without a token, or without a code.
    let r = app
        .call("acceptInvite")
        .params(json!({"inviteCode": a_code}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed", "{r}");
    let r = app.call("acceptInvite").token(&a_token).send().await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
}

async fn invited(app: &TestApp, token: &str, params: Value) -> Value {
    app.call("getInvitedUser")
        .token(token)
        .params(params)
        .send()
        .await
}

fn uids(r: &Value) -> Vec<String> {
    r["invitedUser"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|u| u["uid"].as_str().unwrap().to_string())
        .collect()
}

async fn invited_users_are_listed_by_level_with_masked_mobiles(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("autoSetInviteCode = true")
        .start()
        .await;
    let admin = app.admin_token().await;
    let (top, top_token) = join(&app, "top", None).await;
    let top_code = code_of(&app, &top).await;
    let (first, _) = join(&app, "first", Some(&top_code)).await;
    app.advance_secs(1);
    let (second, _) = join(&app, "second", Some(&top_code)).await;
    let (deep, _) = join(&app, "deep", Some(&code_of(&app, &first).await)).await;
    let r = app
        .call("updateUser")
        .token(&admin)
        .params(json!({"uid": second, "username": "second", "nickname": "Second", "mobile": "13912345678"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");

    let r = invited(&app, &top_token, json!({"level": 1, "needTotal": true})).await;
    assert_eq!(r["errCode"], 0, "{r}");
    // Newest invitation first.
    assert_eq!(uids(&r), vec![second.clone(), first.clone()]);
    assert_eq!(r["total"], 2);
    let item = &r["invitedUser"][0];
    assert_eq!(item["username"], "second");
    assert_eq!(item["nickname"], "Second");
    assert_eq!(item["mobile"], "139****5678");
    assert!(item["inviteTime"].as_i64().unwrap() > 0);
    assert!(
        r["invitedUser"][1].get("mobile").is_none(),
        "no mobile, no field: {r}"
    );

    let r = invited(&app, &top_token, json!({"level": 2})).await;
    assert_eq!(uids(&r), vec![deep.clone()]);
    assert!(r.get("total").is_none(), "total only when asked: {r}");
    let r = invited(
        &app,
        &top_token,
        json!({"level": 1, "limit": 1, "offset": 1}),
    )
    .await;
    assert_eq!(uids(&r), vec![first.clone()]);
    let r = invited(&app, &top_token, json!({"level": 3, "needTotal": true})).await;
    assert_eq!(uids(&r), Vec::<String>::new());
    assert_eq!(r["total"], 0);
}

async fn get_invited_user_checks_its_parameters(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (_, token) = join(&app, "asker", None).await;
    let r = invited(&app, &token, json!({})).await;
    assert_eq!(r["errCode"], "uni-id-param-required", "{r}");
    for bad in [
        json!({"level": "1"}),
        json!({"level": 0}),
        json!({"level": 1.5}),
        json!({"level": 1, "limit": 0}),
        json!({"level": 1, "limit": 100000}),
        json!({"level": 1, "offset": -1}),
        json!({"level": 1, "needTotal": "yes"}),
    ] {
        let r = invited(&app, &token, bad.clone()).await;
        assert_eq!(r["errCode"], "uni-id-invalid-param", "{bad}: {r}");
    }
    let r = app
        .call("getInvitedUser")
        .params(json!({"level": 1}))
        .send()
        .await;
    assert_eq!(r["errCode"], "uni-id-check-token-failed");
}

async fn force_invite_code_applies_to_sms_registration(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("autoSetInviteCode = true\nforceInviteCode = true")
        .start()
        .await;
    // The administrator is exempt and gets a code to hand out.
    let r = app
        .call("registerAdmin")
        .params(json!({"username": "admin", "password": "Admin-Pass-2024"}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let admin_uid = r["uid"].as_str().unwrap().to_string();
    let code = code_of(&app, &admin_uid).await;

    let login = |invite: Option<String>| {
        let app = &app;
        async move {
            app.captcha("send-sms-code").await;
            app.call("sendSmsCode")
                .params(json!({"mobile": "13700000001", "scene": "login-by-sms", "captcha": TEST_MODE_CAPTCHA}))
                .send()
                .await;
            let mut params = json!({"mobile": "13700000001", "code": "123456"});
            if let Some(c) = invite {
                params["inviteCode"] = json!(c);
            }
            app.call("loginBySms").params(params).send().await
        }
    };
    let r = login(None).await;
    assert_eq!(r["errCode"], "uni-id-invalid-invite-code", "{r}");
    let before = app.user_count().await;
    // The refused registration used the code; a new one may be sent a minute later.
    app.advance_secs(61);
    let r = login(Some("ZZZZZZ".into())).await;
    assert_eq!(r["errCode"], "uni-id-invalid-invite-code", "{r}");
    assert_eq!(app.user_count().await, before, "nothing written");
    app.advance_secs(61);
    let r = login(Some(code.clone())).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["type"], "register");
    let uid = r["uid"].as_str().unwrap();
    assert_eq!(chain_of(&app, uid).await, vec![admin_uid.clone()]);
    // A known number logs in without a code.
    app.advance_secs(61);
    let r = login(None).await;
    assert_eq!(r["errCode"], 0, "{r}");
    assert_eq!(r["type"], "login");
}
