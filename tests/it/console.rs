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
        the_user_list_filters_by_role_app_tag_and_dates,
        the_user_list_sorts_by_last_sign_in_page_by_page,
        an_administrator_creates_a_user_and_changes_their_mobile_and_email,
        apps_and_tags_are_named_renamed_and_deleted,
        the_overview_counts_users_sign_ins_and_failures,
        the_overview_counts_past_days_once_and_the_current_hour_live,
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
    // A term whose first part is in every row: the index is asked for its rare part, and the
    // whole term is checked on what it finds (so `member17` alone, in any case).
    for q in ["MEMBER17", "ember17", "r17"] {
        let r = v.get(&format!("/admin/users?q={q}")).await;
        assert!(r.body.contains(">member17<"), "{q}: {}", r.body);
        assert_eq!(r.body.matches(">member").count(), 1, "{q}: {}", r.body);
    }
    assert!(
        !v.get("/admin/users?q=member170")
            .await
            .body
            .contains(">member")
    );
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
            "/admin".to_string(),
            "/admin/users".to_string(),
            "/admin/users?q=nothing-matches".to_string(),
            "/admin/users?from=2026-01-01&until=2026-12-31&sort=login&status=1".to_string(),
            "/admin/users/new".to_string(),
            "/admin/apps".to_string(),
            "/admin/tags".to_string(),
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

/// The `>username<` cells of a list page, in order.
fn listed(page: &Page) -> Vec<String> {
    page.body
        .split("<td><a href=\"/admin/users/")
        .skip(1)
        .filter_map(|row| row.split('>').nth(1))
        .filter_map(|cell| cell.split('<').next())
        .map(str::to_string)
        .collect()
}

async fn the_user_list_filters_by_role_app_tag_and_dates(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    let add = |name: &str, extra: serde_json::Value| {
        let mut params = json!({"username": name, "password": "Secret-Pass-123"});
        params
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        add_user(&app, &admin_token, params)
    };
    add("editor1", json!({"role": ["editor"]})).await;
    add("tagged1", json!({"tags": ["vip", "beta"]})).await;
    add("tagged2", json!({"tags": ["vipx"]})).await;
    let old = add("olduser", json!({})).await;
    // One account from another app only.
    let other = app
        .call("addUser")
        .client(json!({"appId": PAGES_APP}))
        .token(&admin_token)
        .params(json!({"username": "elsewhere", "password": "Secret-Pass-123", "authorizedApp": ["__UNI__OTHER"]}))
        .send()
        .await;
    assert_eq!(other["errCode"], 0, "{other}");
    // olduser registered on 2025-06-15.
    app.db(move |conn| {
        use diesel::RunQueryDsl;
        let sql = format!("UPDATE users SET register_date = 1749945600000 WHERE id = '{old}'");
        unid_core::db_run!(conn: { diesel::sql_query(&sql).execute(conn)?; });
        Ok(())
    })
    .await;
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    let names = |path: String| {
        let v = &v;
        async move {
            let page = v.get(&path).await;
            assert_eq!(page.status, 200, "{path}: {}", page.body);
            let mut names = listed(&page);
            names.sort();
            names
        }
    };
    assert_eq!(names("/admin/users?role=editor".into()).await, ["editor1"]);
    assert_eq!(names("/admin/users?role=admin".into()).await, ["admin"]);
    // A tag is matched whole: "vip" is not "vipx".
    assert_eq!(names("/admin/users?tag=vip".into()).await, ["tagged1"]);
    assert_eq!(names("/admin/users?tag=beta".into()).await, ["tagged1"]);
    // An app: its users and those authorized for every app.
    assert_eq!(
        names("/admin/users?app=__UNI__OTHER".into()).await,
        ["elsewhere"]
    );
    assert!(
        !names(format!("/admin/users?app={PAGES_APP}"))
            .await
            .contains(&"elsewhere".to_string())
    );
    // Registration dates, both ends included.
    assert_eq!(
        names("/admin/users?from=2025-06-15&until=2025-06-15".into()).await,
        ["olduser"]
    );
    assert_eq!(
        names("/admin/users?until=2025-12-31".into()).await,
        ["olduser"]
    );
    assert!(
        !names("/admin/users?from=2025-06-16".into())
            .await
            .contains(&"olduser".to_string())
    );
    // Filters combine with the search, and the CSV follows them.
    assert_eq!(
        names("/admin/users?q=tagged&tag=vipx".into()).await,
        ["tagged2"]
    );
    let csv = v.get("/admin/users.csv?q=tagged&tag=vipx").await;
    let lines: Vec<&str> = csv.body.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(lines[1].contains(",tagged2,"));
    // A bad date is explained, not a crash.
    let bad = v.get("/admin/users?from=yesterday").await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.error().is_some_and(|e| e.contains("2026-12-03")),
        "{:?}",
        bad.error()
    );
    assert_eq!(v.get("/admin/users.csv?until=13/13").await.status, 400);
}

async fn the_user_list_sorts_by_last_sign_in_page_by_page(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    let mut uids = Vec::new();
    for i in 0..55 {
        let uid = add_user(
            &app,
            &admin_token,
            json!({"username": format!("login{i:02}"), "password": "Secret-Pass-123"}),
        )
        .await;
        uids.push(uid);
    }
    // login00 signed in longest ago, login49 last; login50..54 never; some share an instant.
    let ids = uids.clone();
    app.db(move |conn| {
        use diesel::RunQueryDsl;
        for (i, uid) in ids.iter().enumerate().take(50) {
            let at = 1_780_000_000_000_i64 + (i as i64 / 2) * 1000;
            let sql = format!("UPDATE users SET last_login_date = {at} WHERE id = '{uid}'");
            unid_core::db_run!(conn: { diesel::sql_query(&sql).execute(conn)?; });
        }
        Ok(())
    })
    .await;
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    let first = v.get("/admin/users?q=login&sort=login").await;
    let mut seen = listed(&first);
    assert_eq!(seen.len(), 50);
    assert!(
        seen[0] == "login49" || seen[0] == "login48",
        "the latest sign-in first: {seen:?}"
    );
    let next = first
        .body
        .split("href=\"")
        .filter_map(|h| h.split('"').next())
        .map(crate::support::web::html_unescape)
        .find(|h| h.contains("after="))
        .expect("a next page");
    assert!(
        next.contains("sort=login") && next.contains("after_login="),
        "{next}"
    );
    let second = v.get(&next).await;
    let rest = listed(&second);
    assert_eq!(rest.len(), 5, "{rest:?}");
    seen.extend(rest.iter().cloned());
    let mut all = seen.clone();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 55, "each once: {seen:?}");
    // The never-signed-in come last.
    let mut tail: Vec<String> = seen[50..].to_vec();
    tail.sort();
    assert_eq!(
        tail,
        ["login50", "login51", "login52", "login53", "login54"]
    );
    // Oldest first is the reverse of newest first.
    let newest = listed(&v.get("/admin/users?q=login").await);
    let oldest = listed(&v.get("/admin/users?q=login&sort=old").await);
    // 55 ids: newest first lists the 50 largest, oldest first the 50 smallest, in reverse.
    assert_eq!((newest.len(), oldest.len()), (50, 50));
    let mut middle: Vec<String> = oldest[5..].to_vec();
    middle.reverse();
    assert_eq!(middle, newest[5..].to_vec());
    assert!(oldest[..5].iter().all(|n| !newest.contains(n)));
}

async fn an_administrator_creates_a_user_and_changes_their_mobile_and_email(backend: Backend) {
    let app = TestApp::start(backend).await;
    admin(&app).await;
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    let form = v.get("/admin/users/new").await;
    assert_eq!(form.status, 200, "{}", form.body);
    // Without a password: uni-id's text, the typed values kept.
    let bad = v
        .post(
            "/admin/users/new",
            &[
                ("username", "newbie"),
                ("nickname", "New Bie"),
                ("status", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.error().is_some(), "{}", bad.body);
    assert!(bad.body.contains("value=\"New Bie\""));
    let made = v
        .post(
            "/admin/users/new",
            &[
                ("username", "newbie"),
                ("nickname", "New Bie"),
                ("mobile", "13700001111"),
                ("email", "NewBie@Example.com"),
                ("status", "0"),
                ("role", "editor"),
                (
                    "authorizedApp",
                    &format!("{PAGES_APP}, {}", crate::support::APP_ID),
                ),
                ("tags", "vip"),
                ("password", "Newbie-Pass-2024"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let uid = made
        .location()
        .and_then(|l| l.strip_prefix("/admin/users/"))
        .expect("to the new account's page")
        .to_string();
    let page = v.follow(&made).await;
    assert!(page.body.contains("value=\"13700001111\""), "{}", page.body);
    assert!(page.body.contains("value=\"newbie@example.com\""));
    assert!(page.body.contains("name=\"role\" value=\"editor\" checked"));
    assert_eq!(app.login("newbie", "Newbie-Pass-2024").await["errCode"], 0);
    // The same username again: refused as addUser refuses it.
    let again = v
        .post(
            "/admin/users/new",
            &[
                ("username", "newbie"),
                ("status", "0"),
                ("password", "Other-Pass-2024"),
            ],
        )
        .await;
    assert_eq!(again.status, 422);
    assert!(
        again.error().is_some_and(|e| e.contains("已注册")),
        "{:?}",
        again.error()
    );
    // A new mobile and e-mail; the rest as it was.
    let saved = v
        .post(
            &format!("/admin/users/{uid}"),
            &[
                ("username", "newbie"),
                ("nickname", "New Bie"),
                ("mobile", "13700002222"),
                ("email", "second@example.com"),
                ("status", "0"),
                ("role", "editor"),
                (
                    "authorizedApp",
                    &format!("{PAGES_APP}, {}", crate::support::APP_ID),
                ),
                ("tags", "vip"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = v.follow(&saved).await;
    assert!(page.body.contains("value=\"13700002222\""), "{}", page.body);
    assert!(
        page.body
            .contains("mobile: +8613700001111 → +8613700002222")
    );
    assert!(
        page.body
            .contains("email: newbie@example.com → second@example.com")
    );
    // A bad mobile: uni-id's text, nothing saved.
    let bad = v
        .post(
            &format!("/admin/users/{uid}"),
            &[("username", "newbie"), ("mobile", "12345"), ("status", "0")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let row = app
        .db(move |conn| Ok(unid_core::db::models::users::find_by_id(conn, &uid)?))
        .await
        .unwrap();
    assert_eq!(row.mobile.as_deref(), Some("+8613700002222"));
    assert_eq!(row.email.as_deref(), Some("second@example.com"));
}

async fn apps_and_tags_are_named_renamed_and_deleted(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    add_user(
        &app,
        &admin_token,
        json!({"username": "member", "password": "Secret-Pass-123"}),
    )
    .await;
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    // Appids in use are offered for naming.
    let apps = v.get("/admin/apps").await;
    assert_eq!(apps.status, 200);
    assert!(apps.body.contains(crate::support::APP_ID), "{}", apps.body);
    for (path, id_field, id) in [
        ("/admin/apps", "appid", crate::support::APP_ID),
        ("/admin/tags", "tagid", "vip"),
    ] {
        v.get(path).await;
        let made = v
            .post(
                path,
                &[(id_field, id), ("name", "First name"), ("description", "d")],
            )
            .await;
        assert_eq!(made.status, 303, "{path}: {}", made.body);
        let renamed = v
            .post(path, &[(id_field, id), ("name", "Second name")])
            .await;
        assert_eq!(renamed.status, 303);
        let page = v.follow(&renamed).await;
        assert!(page.body.contains("Second name") && !page.body.contains("First name"));
        // A bad id, an empty name, an overlong name: explained, nothing saved.
        for bad in [
            vec![(id_field, "has space"), ("name", "x")],
            vec![(id_field, "ok"), ("name", "")],
            vec![(id_field, "ok"), ("name", &"长".repeat(201))],
        ] {
            let r = v.post(path, &bad).await;
            assert_eq!(r.status, 422, "{path} {bad:?}");
            assert!(r.error().is_some());
        }
        let gone = v.post(path, &[(id_field, id), ("do", "delete")]).await;
        assert_eq!(gone.status, 303);
        assert!(!v.follow(&gone).await.body.contains("Second name"));
        let missing = v.post(path, &[(id_field, id), ("do", "delete")]).await;
        assert_eq!(missing.status, 422);
    }
    let trail = app
        .db(|conn| Ok(unid_core::db::models::audit::recent(conn, None, 100)?))
        .await;
    for action in [
        "app.create",
        "app.update",
        "app.delete",
        "tag.create",
        "tag.update",
        "tag.delete",
    ] {
        assert!(trail.iter().any(|a| a.action == action), "{action} audited");
    }
    // The list's filters offer named tags.
    v.get("/admin/tags").await;
    v.post(
        "/admin/tags",
        &[("tagid", "beta"), ("name", "Beta testers")],
    )
    .await;
    let list = v.get("/admin/users").await;
    assert!(
        list.body
            .contains("<option value=\"beta\">Beta testers (beta)</option>"),
        "{}",
        list.body
    );
    // user.read may look, not change.
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
    let helper = Visitor::new(&app.url);
    sign_in(&helper, "helper", "Secret-Pass-123").await;
    let page = helper.get("/admin/tags").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Beta testers") && !page.body.contains("name=\"do\""));
    let r = helper
        .post("/admin/tags", &[("tagid", "x"), ("name", "X")])
        .await;
    assert_eq!(r.status, 403);
}

async fn the_overview_counts_users_sign_ins_and_failures(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin_token = admin(&app).await;
    for name in ["one", "two", "three"] {
        add_user(
            &app,
            &admin_token,
            json!({"username": name, "password": "Secret-Pass-123"}),
        )
        .await;
    }
    assert_eq!(app.login("one", "Secret-Pass-123").await["errCode"], 0);
    assert_eq!(app.login("two", "Secret-Pass-123").await["errCode"], 0);
    assert_ne!(app.login("two", "Wrong-Pass-123").await["errCode"], 0);
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    let page = v.get("/admin?locale=en").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let tile = |label: &str| -> String {
        page.body
            .split(&format!(
                "<span class=\"tile-label\">{label}</span><span class=\"tile-value\">"
            ))
            .nth(1)
            .and_then(|s| s.split('<').next())
            .unwrap_or_default()
            .to_string()
    };
    // The administrator and three users; two API sign-ins and the page's own; one failure.
    assert_eq!(tile("Users"), "4");
    assert_eq!(tile("New users"), "4");
    assert_eq!(tile("Sign-ins"), "3");
    assert_eq!(tile("Failed sign-ins"), "1");
    // Three charts of 30 days, each with its table.
    assert_eq!(page.body.matches("<svg class=\"chart").count(), 3);
    assert_eq!(page.body.matches("<rect class=\"bar\"").count(), 90);
    let today = utc_day(app.clock.now_ms());
    assert!(
        page.body.contains(&format!("<title>{today}: 3</title>")),
        "today's sign-ins"
    );
    assert!(page.body.contains(&format!(
        "<tr><td class=\"mono\">{today}</td><td class=\"num\">4</td></tr>"
    )));
    // By method: the API's `login` twice, the page's once; by platform.
    assert!(
        page.body
            .contains("<td class=\"mono\">login</td>\n      <td class=\"num\">2</td>"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("<td class=\"mono\">/login/password</td>")
    );
    assert!(page.body.contains("<td class=\"mono\">web</td>"));
}

/// `2026-12-05` for an instant in ms (UTC), by Howard Hinnant's civil-from-days algorithm.
fn utc_day(ms: i64) -> String {
    let z = ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The number on one of the overview's tiles.
fn tile(page: &Page, label: &str) -> String {
    page.body
        .split(&format!(
            "<span class=\"tile-label\">{label}</span><span class=\"tile-value\">"
        ))
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_string()
}

/// The overview counts a day once it is over and the last hour from the log: the figures stay
/// right as days and hours pass, render after render.
async fn the_overview_counts_past_days_once_and_the_current_hour_live(backend: Backend) {
    // Sessions that outlast the test's days.
    let app = TestApp::builder(backend)
        .config("tokenExpiresIn = 864000\ntokenExpiresThreshold = 0")
        .start()
        .await;
    let admin_token = admin(&app).await;
    add_user(
        &app,
        &admin_token,
        json!({"username": "one", "password": "Secret-Pass-123"}),
    )
    .await;
    let first_day = utc_day(app.clock.now_ms());
    assert_eq!(app.login("one", "Secret-Pass-123").await["errCode"], 0);
    assert_eq!(app.login("one", "Secret-Pass-123").await["errCode"], 0);
    let v = Visitor::new(&app.url);
    sign_in(&v, "admin", ADMIN_PASSWORD).await;
    let page = v.get("/admin?locale=en").await;
    assert_eq!(tile(&page, "Sign-ins"), "3", "{}", page.body);

    // A day later: one more sign-in and a failure.
    app.advance_secs(86_400);
    let second_day = utc_day(app.clock.now_ms());
    assert_eq!(app.login("one", "Secret-Pass-123").await["errCode"], 0);
    assert_ne!(app.login("one", "Wrong-Pass-123").await["errCode"], 0);
    for hours_later in [0, 2, 30] {
        app.advance_secs(hours_later * 3600);
        // Twice: the first render counts what is over, the second reads it back.
        for _ in 0..2 {
            let page = v.get("/admin?locale=en").await;
            assert_eq!(page.status, 200, "{}", page.body);
            assert_eq!(
                tile(&page, "Sign-ins"),
                "4",
                "{hours_later} h: {}",
                page.body
            );
            assert_eq!(tile(&page, "Failed sign-ins"), "1");
            assert_eq!(tile(&page, "New users"), "2");
            assert!(
                page.body
                    .contains(&format!("<title>{first_day}: 3</title>"))
            );
            // One sign-in and one failure on the second day.
            assert_eq!(
                page.body
                    .matches(&format!("<title>{second_day}: 1</title>"))
                    .count(),
                2
            );
            // By method: the API's `login` three times, the page's once.
            assert!(
                page.body
                    .contains("<td class=\"mono\">login</td>\n      <td class=\"num\">3</td>"),
                "{}",
                page.body
            );
        }
    }
}
