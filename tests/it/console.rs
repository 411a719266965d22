//! The administrators' console (issue 9) over HTTP: who may see and change what, search, the
//! edit form over the same rules as `updateUser`, and the audit trail it leaves.

use serde_json::json;

use crate::cases;
use crate::support::cases::Case;
use crate::support::web::{Page, Visitor};
use crate::support::{Backend, TestApp, token_of};

pub fn cases() -> Vec<Case> {
    cases![
        the_console_needs_an_administrator_or_the_permission,
        the_user_list_finds_by_any_part_and_pages_by_key,
        an_edit_bans_at_once_and_is_audited,
        a_read_only_role_sees_but_cannot_change,
        console_pages_are_complete_in_both_languages,
        sessions_are_listed_and_end_one_at_a_time_or_all,
        roles_and_permissions_are_managed_and_take_effect_at_once,
        the_logs_show_sign_ins_and_changes_and_filter_them,
    ]
}

const ADMIN_PASSWORD: &str = "Admin-Pass-2024";
/// The pages sign users in to this app; the API calls below use the test's own app as well.
const PAGES_APP: &str = "__UNI__UNID";

/// An administrator who may sign in to the pages (and the API, from the pages' app).
async fn admin(app: &TestApp) -> String {
    let r = app
        .call("registerAdmin")
        .client(json!({"appId": PAGES_APP}))
        .params(json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    token_of(&r)
}

async fn sign_in(v: &Visitor, username: &str, password: &str) -> Page {
    v.get("/login/password").await;
    let done = v
        .post(
            "/login/password",
            &[("username", username), ("password", password)],
        )
        .await;
    assert_eq!(done.status, 303, "signed in: {}", done.body);
    done
}

/// `login` through the API from the pages' app (where page sign-ups are).
async fn pages_login(app: &TestApp, username: &str, password: &str) -> serde_json::Value {
    app.call("login")
        .client(json!({"appId": PAGES_APP}))
        .params(json!({"username": username, "password": password}))
        .send()
        .await
}

/// A user of both apps, added by `admin` through the API.
async fn add_user(app: &TestApp, admin: &str, mut params: serde_json::Value) -> String {
    params["authorizedApp"] = json!([PAGES_APP, crate::support::APP_ID]);
    let r = app
        .call("addUser")
        .client(json!({"appId": PAGES_APP}))
        .token(admin)
        .params(params)
        .send()
        .await;
    assert_eq!(r["errCode"], 0, "{r}");
    r["uid"].as_str().unwrap().to_string()
}

/// The uid the first user row of a list links to.
fn first_uid(list: &Page) -> Option<String> {
    list.body
        .split("href=\"/admin/users/")
        .skip(1)
        .filter_map(|s| s.get(..24))
        .find(|id| id.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

async fn the_console_needs_an_administrator_or_the_permission(backend: Backend) {
    let app = TestApp::start(backend).await;
    admin(&app).await;
    // Signed out: to the sign-in page, coming back afterwards.
    let v = Visitor::new(&app.url);
    let r = v.get("/admin/users?q=x").await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.location(),
        Some("/login?uniIdRedirectUrl=%2Fadmin%2Fusers%3Fq%3Dx")
    );
    // A plain user: 403 on every page and every change, and nothing changes.
    let plain = Visitor::new(&app.url);
    crate::pages::sign_up(&plain, "plainuser", "Secret-Pass-123").await;
    for path in [
        "/admin",
        "/admin/users",
        "/admin/users.csv",
        "/admin/users/000000000000000000000000",
    ] {
        let r = plain.get(path).await;
        assert_eq!(r.status, 403, "{path}");
        assert!(r.body.contains("管理员"), "{path}: {}", r.body);
    }
    let admin = Visitor::new(&app.url);
    sign_in(&admin, "admin", ADMIN_PASSWORD).await;
    let list = admin.get("/admin/users?q=plainuser").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let uid = first_uid(&list).expect("the user's row links to their page");
    plain.get("/userinfo").await;
    let r = plain
        .post(
            &format!("/admin/users/{uid}"),
            &[("username", "plainuser"), ("status", "1")],
        )
        .await;
    assert_eq!(r.status, 403, "a non-admin POST is refused");
    assert_eq!(
        pages_login(&app, "plainuser", "Secret-Pass-123").await["errCode"],
        0,
        "not banned"
    );
    // The administrator's own form without its CSRF token: refused, nothing changes.
    admin.get(&format!("/admin/users/{uid}")).await;
    let r = admin
        .post(
            &format!("/admin/users/{uid}"),
            &[
                ("csrf", "forged"),
                ("username", "plainuser"),
                ("status", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        pages_login(&app, "plainuser", "Secret-Pass-123").await["errCode"],
        0,
        "not banned"
    );
    // `/admin` is the overview.
    let overview = admin.get("/admin").await;
    assert_eq!(overview.status, 200);
    assert!(overview.body.contains("用户总数"), "{}", overview.body);
}

async fn the_user_list_finds_by_any_part_and_pages_by_key(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    for i in 0..55 {
        add_user(
            &app,
            &admin_token,
            json!({"username": format!("member{i:02}"), "password": "Secret-Pass-123", "nickname": format!("Member_{i}")}),
        )
        .await;
    }
    add_user(
        &app,
        &admin_token,
        json!({"username": "phoned", "password": "Secret-Pass-123", "mobile": "13912345678", "email": "Phoned@Example.com", "status": 1}),
    )
    .await;
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    // A partial mobile, a part of the e-mail in another case, a nickname part.
    for q in ["2345", "phoned%40example", "PHONED"] {
        let r = v.get(&format!("/admin/users?q={q}")).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains(">phoned<"), "{q}: {}", r.body);
        assert!(!r.body.contains("member01"), "{q}");
    }
    // LIKE's wildcards are taken literally.
    for q in ["%25", "mem_er", "%5C"] {
        let r = v.get(&format!("/admin/users?q={q}")).await;
        assert!(!r.body.contains(">member"), "{q} matched as a wildcard");
    }
    let r = v.get("/admin/users?q=Member_1").await;
    assert!(r.body.contains(">member10<") && r.body.contains(">member19<"));
    // The status filter.
    let banned = v.get("/admin/users?status=1").await;
    assert!(banned.body.contains(">phoned<") && !banned.body.contains(">member"));
    // 55 members, 50 a page; the next page continues where the first ended (ids begin with
    // their second of creation, so pages are newest first to the second), none twice.
    let names = |page: &Page| -> Vec<String> {
        page.body
            .split(">member")
            .skip(1)
            .filter_map(|rest| rest.get(..2))
            .map(|n| format!("member{n}"))
            .collect()
    };
    let first = v.get("/admin/users?q=member").await;
    assert_eq!(
        first.body.matches("<tr>").count(),
        51,
        "a header row and 50"
    );
    let next = first
        .body
        .split("href=\"")
        .filter_map(|h| h.split('"').next())
        .map(crate::support::web::html_unescape)
        .find(|h| h.starts_with("/admin/users?q=member&after="))
        .expect("a next page");
    let second = v.get(&next).await;
    assert_eq!(
        second.body.matches("<tr>").count(),
        6,
        "the last 5: {:?}",
        names(&second)
    );
    assert!(!second.body.contains("rel=\"next\""));
    let mut all: Vec<String> = names(&first).into_iter().chain(names(&second)).collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 55, "every member once: {all:?}");

    // The CSV of a filter holds exactly the rows the filter matches, across batches and pages.
    let csv = |path: &'static str| {
        let v = &v;
        async move {
            let r = v.get(path).await;
            assert_eq!(r.status, 200, "{path}");
            assert!(
                r.header("content-type")
                    .is_some_and(|t| t.starts_with("text/csv"))
            );
            r.body
        }
    };
    let members = csv("/admin/users.csv?q=member").await;
    let lines: Vec<&str> = members.trim_end().lines().collect();
    assert!(lines[0].starts_with("\u{feff}uid,username,nickname,mobile,email,status"));
    assert_eq!(lines.len(), 56, "a header and 55 members");
    let phoned = csv("/admin/users.csv?q=2345&status=1").await;
    let lines: Vec<&str> = phoned.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "{phoned}");
    // The mobile starts with '+', which a spreadsheet would read as a formula.
    assert!(
        lines[1].contains(",phoned,,'+8613912345678,phoned@example.com,1,"),
        "{}",
        lines[1]
    );
    let all = app
        .db(|conn| Ok(unid_core::db::models::audit::recent(conn, None, 100)?))
        .await;
    assert_eq!(
        all.iter().filter(|a| a.action == "users.export").count(),
        2,
        "each export is in the audit log"
    );
}

async fn an_edit_bans_at_once_and_is_audited(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    let uid = add_user(
        &app,
        &admin_token,
        json!({"username": "target", "password": "Secret-Pass-123", "mobile": "13812345678"}),
    )
    .await;
    let user_token = token_of(&app.login("target", "Secret-Pass-123").await);
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    let found = v.get("/admin/users?q=1234567").await;
    assert!(found.body.contains(&format!("/admin/users/{uid}")));
    let form = v.get(&format!("/admin/users/{uid}")).await;
    assert_eq!(form.status, 200);
    // A bad value is refused with uni-id's text, nothing saved.
    let bad = v
        .post(
            &format!("/admin/users/{uid}"),
            &[
                ("username", "target"),
                ("nickname", "12345"),
                ("status", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.error().is_some_and(|e| e.contains("昵称")),
        "{:?}",
        bad.error()
    );
    let saved = v
        .post(
            &format!("/admin/users/{uid}"),
            &[
                ("username", "target"),
                ("nickname", "Target Person"),
                ("status", "1"),
                ("role", "editor, support"),
                ("authorizedApp", crate::support::APP_ID),
                ("tags", "vip"),
                ("password", "Brand-New-Pass-9"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    // The ban ends the user's API session at once, and they cannot sign in.
    assert_eq!(
        app.call("getAccountInfo").token(&user_token).send().await["errCode"],
        "uni-id-check-token-failed"
    );
    assert_eq!(
        app.login("target", "Brand-New-Pass-9").await["errCode"],
        "uni-id-account-banned"
    );
    let page = v.follow(&saved).await;
    assert!(page.body.contains("更新成功"), "the notice: {}", page.body);
    assert!(page.body.contains("value=\"Target Person\""));
    for role in ["editor", "support"] {
        assert!(
            page.body
                .contains(&format!("name=\"role\" value=\"{role}\" checked")),
            "{role} ticked"
        );
    }
    // The audit trail on the page: through the console, by admin, the fields, no password.
    assert!(page.body.contains("user.update") && page.body.contains("console"));
    assert!(page.body.contains("status: 0 → 1"), "{}", page.body);
    assert!(page.body.contains("password: ****"));
    assert!(!page.body.contains("Brand-New-Pass-9"));
    assert!(
        page.body.contains("user.create"),
        "the API's addUser is there too"
    );
}

async fn a_read_only_role_sees_but_cannot_change(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    // A role with user.read only, seeded permissions, given to a support person.
    app.db(|conn| {
        use diesel::RunQueryDsl;
        unid_core::db_run!(conn: {
            diesel::sql_query("INSERT INTO roles (role_id, role_name, create_date) VALUES ('support', 'Support', 0)").execute(conn)?;
            diesel::sql_query("INSERT INTO role_permissions (role_id, permission_id) VALUES ('support', 'user.read')").execute(conn)?;
        });
        Ok(())
    })
    .await;
    add_user(
        &app,
        &admin_token,
        json!({"username": "helper", "password": "Secret-Pass-123", "role": ["support"]}),
    )
    .await;
    let uid = add_user(
        &app,
        &admin_token,
        json!({"username": "customer", "password": "Secret-Pass-123"}),
    )
    .await;
    let v = Visitor::new(&app.url);
    sign_in(&v, "helper", "Secret-Pass-123").await;
    let list = v.get("/admin/users?q=customer").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let page = v.get(&format!("/admin/users/{uid}")).await;
    assert_eq!(page.status, 200);
    assert!(
        !page
            .body
            .contains("<form method=\"post\" action=\"/admin/users/"),
        "no edit form"
    );
    assert!(page.body.contains("但不能修改"));
    let r = v
        .post(
            &format!("/admin/users/{uid}"),
            &[("username", "customer"), ("status", "1")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(app.login("customer", "Secret-Pass-123").await["errCode"], 0);
}

async fn console_pages_are_complete_in_both_languages(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    let uid = add_user(
        &app,
        &admin_token,
        json!({"username": "shown", "password": "Secret-Pass-123"}),
    )
    .await;
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    for locale in ["zh-Hans", "en"] {
        for path in [
            "/admin/users".to_string(),
            "/admin/users?q=nothing-matches".to_string(),
            format!("/admin/users/{uid}"),
            "/admin/users/000000000000000000000000".to_string(),
            "/admin/roles".to_string(),
            "/admin/permissions".to_string(),
            "/admin/logs".to_string(),
            "/admin/logs/audit".to_string(),
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page = v.get(&format!("{path}{sep}locale={locale}")).await;
            let expected = if path.ends_with("000000") { 404 } else { 200 };
            assert_eq!(page.status, expected, "{path} {locale}: {}", page.body);
            assert!(page.body.contains(&format!("<html lang=\"{locale}\">")));
            for id in ["admin-", "pages-", "uni-id-"] {
                assert!(
                    !page.body.contains(&format!(">{id}"))
                        && !page.body.contains(&format!("\"{id}")),
                    "{path} shows a raw id: {}",
                    page.body
                );
            }
        }
    }
}

async fn sessions_are_listed_and_end_one_at_a_time_or_all(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    let uid = add_user(
        &app,
        &admin_token,
        json!({"username": "roamer", "password": "Secret-Pass-123"}),
    )
    .await;
    let login_on = |device: &'static str| {
        app.call("login")
            .client(json!({"deviceId": device, "uniPlatform": "app"}))
            .params(json!({"username": "roamer", "password": "Secret-Pass-123"}))
            .send()
    };
    let phone = token_of(&login_on("roamers-phone").await);
    let tablet = token_of(&login_on("roamers-tablet").await);
    let works = |token: String| {
        let app = &app;
        async move { app.call("getAccountInfo").token(&token).send().await["errCode"] == 0 }
    };
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    let page = v.get(&format!("/admin/users/{uid}")).await;
    assert!(page.body.contains("roamers-phone") && page.body.contains("roamers-tablet"));
    // The newest (the tablet's) is listed first; end it.
    let first = page.input_value("session").expect("a session to end");
    assert_ne!(first, "all");
    let ended = v
        .post(
            &format!("/admin/users/{uid}/sessions"),
            &[("session", first.as_str())],
        )
        .await;
    assert_eq!(ended.status, 303, "{}", ended.body);
    assert!(
        !works(tablet.clone()).await,
        "the ended session fails at once"
    );
    assert!(works(phone.clone()).await, "the other goes on");
    let page = v.follow(&ended).await;
    let (listed, audit) = page
        .body
        .split_once("id=\"audit-h\"")
        .expect("the audit section");
    assert!(!listed.contains("roamers-tablet") && listed.contains("roamers-phone"));
    assert!(
        audit.contains("user.sessions.end") && audit.contains("roamers-tablet"),
        "audited, naming the session"
    );
    // Someone else's session id ends nothing.
    let other = token_of(&login_on("roamers-phone").await);
    let r = v
        .post(
            "/admin/users/000000000000000000000000/sessions",
            &[("session", "all")],
        )
        .await;
    assert_eq!(r.status, 404);
    // End all.
    v.get(&format!("/admin/users/{uid}")).await;
    let r = v
        .post(
            &format!("/admin/users/{uid}/sessions"),
            &[("session", "all")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(!works(phone).await && !works(other).await);
    let page = v.follow(&r).await;
    assert!(page.body.contains("没有有效的登录会话"), "{}", page.body);
}

async fn roles_and_permissions_are_managed_and_take_effect_at_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    let roles = v.get("/admin/roles").await;
    assert_eq!(roles.status, 200, "{}", roles.body);
    assert!(
        roles.body.contains("内置角色"),
        "the admin role is shown as built in"
    );
    // A support role that may look at users.
    let created = v
        .post(
            "/admin/roles",
            &[
                ("role_id", "support"),
                ("role_name", "Support"),
                ("permission.user.read", "on"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.body);
    let listed = v.follow(&created).await;
    assert!(listed.body.contains(">support<") && listed.body.contains(">user.read<"));
    // Refusals: a duplicate, a bad id, an unknown permission, the admin role.
    for (fields, text) in [
        (
            vec![("role_id", "support"), ("role_name", "Again")],
            "已存在",
        ),
        (
            vec![("role_id", "bad id"), ("role_name", "Bad")],
            "只能包含",
        ),
        (
            vec![
                ("role_id", "ghost"),
                ("role_name", "Ghost"),
                ("permission.no.such", "on"),
            ],
            "没有这个权限",
        ),
        (
            vec![("role_id", "admin"), ("role_name", "Mine")],
            "内置角色",
        ),
    ] {
        v.get("/admin/roles").await;
        let r = v.post("/admin/roles", &fields).await;
        assert_eq!(r.status, 422, "{fields:?}: {}", r.body);
        assert!(
            r.error().is_some_and(|e| e.contains(text)),
            "{fields:?}: {:?}",
            r.error()
        );
    }
    v.get("/admin/roles").await;
    let r = v.post("/admin/roles/admin", &[("do", "delete")]).await;
    assert_eq!(r.status, 422, "the admin role cannot be deleted");

    // A support person signs in to the console and may look, not change.
    add_user(
        &app,
        &admin_token,
        json!({"username": "helper", "password": "Secret-Pass-123", "role": ["support"]}),
    )
    .await;
    let helper = Visitor::new(&app.url);
    sign_in(&helper, "helper", "Secret-Pass-123").await;
    assert_eq!(helper.get("/admin/users").await.status, 200);
    assert_eq!(helper.get("/admin/roles").await.status, 403, "no role.read");
    let helper_token = token_of(&pages_login(&app, "helper", "Secret-Pass-123").await);
    // Granting more ends the holders' sessions at once (tokens carry the permissions).
    v.get("/admin/roles").await;
    let saved = v
        .post(
            "/admin/roles/support",
            &[
                ("do", "save"),
                ("role_name", "Support desk"),
                ("permission.user.read", "on"),
                ("permission.role.read", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        app.call("getAccountInfo")
            .client(json!({"appId": PAGES_APP}))
            .token(&helper_token)
            .send()
            .await["errCode"],
        "uni-id-check-token-failed"
    );
    sign_in(&helper, "helper", "Secret-Pass-123").await;
    let seen = helper.get("/admin/roles").await;
    assert_eq!(seen.status, 200, "role.read now");
    assert!(
        !seen.body.contains("action=\"/admin/roles\""),
        "but no forms"
    );

    // Permissions: add one, grant it, delete it.
    v.get("/admin/permissions").await;
    let r = v
        .post(
            "/admin/permissions",
            &[
                ("permission_id", "report.read"),
                ("permission_name", "Reports"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = v.follow(&r).await;
    assert!(page.body.contains(">report.read<"));
    let r = v
        .post(
            "/admin/permissions",
            &[
                ("permission_id", "report.read"),
                ("permission_name", "Again"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    v.get("/admin/permissions").await;
    let r = v
        .post(
            "/admin/permissions",
            &[("do", "delete"), ("permission_id", "report.read")],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(!v.follow(&r).await.body.contains(">report.read<"));
    // Deleting the role: gone from the list, its holders signed out.
    let helper_token = token_of(&pages_login(&app, "helper", "Secret-Pass-123").await);
    v.get("/admin/roles").await;
    let r = v.post("/admin/roles/support", &[("do", "delete")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(!v.follow(&r).await.body.contains(">support<"));
    assert_eq!(
        app.call("getAccountInfo")
            .client(json!({"appId": PAGES_APP}))
            .token(&helper_token)
            .send()
            .await["errCode"],
        "uni-id-check-token-failed"
    );
    assert_eq!(helper.get("/admin/users").await.status, 303, "signed out");
    // Every change is in the audit log.
    let audit = app
        .db(|conn| Ok(unid_core::db::models::audit::recent(conn, None, 100)?))
        .await;
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    for action in [
        "role.create",
        "role.update",
        "role.delete",
        "permission.create",
        "permission.delete",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

async fn the_logs_show_sign_ins_and_changes_and_filter_them(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    add_user(
        &app,
        &admin_token,
        json!({"username": "logged", "password": "Secret-Pass-123"}),
    )
    .await;
    let attempt = |password: &'static str, ip: &'static str| {
        app.call("login")
            .sent_from(ip)
            .params(json!({"username": "logged", "password": password}))
            .send()
    };
    assert_eq!(attempt("Secret-Pass-123", "127.0.0.7").await["errCode"], 0);
    assert_eq!(
        attempt("Wrong-Pass-123", "127.0.0.9").await["errCode"],
        "uni-id-password-error"
    );
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    let rows = |page: &Page| page.body.matches("<tr>").count().saturating_sub(1);
    let all = v.get("/admin/logs?user=logged").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(rows(&all), 2, "{}", all.body);
    let failed = v.get("/admin/logs?user=logged&state=0").await;
    assert_eq!(rows(&failed), 1);
    assert!(failed.body.contains("127.0.0.9") && !failed.body.contains("127.0.0.7"));
    assert_eq!(rows(&v.get("/admin/logs?ip=127.0.0.7").await), 1);
    assert_eq!(rows(&v.get("/admin/logs?user=logged&type=logout").await), 0);
    let today = unid_core::outbound::time::date(app.clock.now_ms() / 1000);
    let dated = v
        .get(&format!(
            "/admin/logs?user=logged&from={today}&until={today}"
        ))
        .await;
    assert_eq!(rows(&dated), 2, "until is inclusive of the day");
    let later = v.get("/admin/logs?user=logged&from=2999-01-01").await;
    assert_eq!(rows(&later), 0);
    let bad = v.get("/admin/logs?from=yesterday").await;
    assert_eq!(bad.status, 422);
    assert!(bad.error().is_some_and(|e| e.contains("2026-12-03")));
    // The audit log: the API's addUser, by the administrator, read only.
    let audit = v.get("/admin/logs/audit").await;
    assert_eq!(audit.status, 200);
    assert!(audit.body.contains("user.create") && audit.body.contains(">admin<"));
    assert!(
        !audit.body.contains("<form method=\"post\""),
        "nothing to edit"
    );
    let none = v.get("/admin/logs/audit?who=nobody-at-all").await;
    assert_eq!(rows(&none), 0);
    // Not for others.
    let plain = Visitor::new(&app.url);
    crate::pages::sign_up(&plain, "nosy", "Secret-Pass-123").await;
    assert_eq!(plain.get("/admin/logs").await.status, 403);
    assert_eq!(plain.get("/admin/logs/audit").await.status, 403);
}
