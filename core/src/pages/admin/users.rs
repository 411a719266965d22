//! `/admin/users` (search, filter, keyset pages) and `/admin/users/{uid}` (the account, its edit
//! form, and what administrators changed on it).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::audit::{Actor, Face};
use crate::accounts::users_admin::{self, AccountUpdate, Session, UPDATE_USER_SCHEMA};
use crate::db::models::audit::{self, AuditRow};
use crate::db::models::users::{self, UserFilter, UserRow};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
use crate::pages::admin::{USER_READ, USER_WRITE, may, one_page};
use crate::pages::{Page, PageCtx, query, urlencode};
use crate::secret::Secret;

/// Rows per page of the list.
const PAGE_SIZE: i64 = 50;
/// uni-id's status codes (spec §12.1) and the text ids that name them.
const STATUSES: [(i32, &str); 5] = [
    (0, "admin-status-0"),
    (1, "admin-status-1"),
    (2, "admin-status-2"),
    (3, "admin-status-3"),
    (4, "admin-status-4"),
];

/// A user as a row of the list or the head of their page.
pub struct UserLine {
    pub uid: String,
    pub username: String,
    pub nickname: String,
    pub mobile: String,
    pub email: String,
    pub status: i32,
    pub status_text: String,
    pub registered: String,
    pub last_login: String,
    pub last_login_ip: String,
}

impl UserLine {
    fn of(ctx: &PageCtx, u: &UserRow) -> UserLine {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        UserLine {
            uid: u.id.clone(),
            username: text(&u.username),
            nickname: text(&u.nickname),
            mobile: text(&u.mobile),
            email: text(&u.email),
            status: u.status,
            status_text: status_text(ctx, u.status),
            registered: u.register_date.map(when).unwrap_or_default(),
            last_login: u.last_login_date.map(when).unwrap_or_default(),
            last_login_ip: text(&u.last_login_ip),
        }
    }
}

fn status_text(ctx: &PageCtx, status: i32) -> String {
    STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or_else(|| status.to_string(), |(_, id)| ctx.t(id).to_string())
}

/// Milliseconds since the epoch as `2026-12-03 10:42` (UTC).
pub(super) fn when(ms: i64) -> String {
    let (y, mo, d, h, mi, _) = crate::outbound::time::utc(ms / 1000);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListBody<'a> {
    ctx: &'a PageCtx,
    q: String,
    /// (code, text, selected).
    statuses: Vec<(i32, String, bool)>,
    rows: Vec<UserLine>,
    next: Option<String>,
    first_page: bool,
    /// The CSV of this filter.
    export_href: String,
}

/// `GET /admin/users?q=&status=&before=`.
pub async fn list(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = match Page::load(&host, &req).await.console(&req, USER_READ) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let params = query(&req);
    let q = params
        .get("q")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let status = params.get("status").and_then(|s| s.parse::<i32>().ok());
    let filter = UserFilter {
        q: Some(q.clone()).filter(|q| !q.is_empty()),
        status,
        before: params.get("before").cloned().filter(|b| !b.is_empty()),
    };
    let first_page = filter.before.is_none();
    let found = host
        .db
        .run(move |conn| Ok(users::search(conn, &filter, PAGE_SIZE + 1)?))
        .await;
    let (found, more) = match found {
        Ok(rows) => one_page(rows, PAGE_SIZE),
        Err(e) => return page.unavailable(&e),
    };
    let next = more.then(|| {
        let last = found.last().map(|u| u.id.clone()).unwrap_or_default();
        let mut href = format!("/admin/users?before={}", urlencode(&last));
        if !q.is_empty() {
            href.push_str(&format!("&q={}", urlencode(&q)));
        }
        if let Some(s) = status {
            href.push_str(&format!("&status={s}"));
        }
        href
    });
    let mut export_href = format!("/admin/users.csv?q={}", urlencode(&q));
    if let Some(s) = status {
        export_href.push_str(&format!("&status={s}"));
    }
    page.show_wide(StatusCode::OK, "admin-users-title", |ctx| {
        ListBody {
            export_href,
            ctx,
            rows: found.iter().map(|u| UserLine::of(ctx, u)).collect(),
            statuses: STATUSES
                .iter()
                .map(|(s, id)| (*s, ctx.t(id).to_string(), status == Some(*s)))
                .collect(),
            q,
            next,
            first_page,
        }
        .render()
    })
}

/// One administrator change as the page lists it.
pub struct AuditLine {
    pub when: String,
    pub actor: String,
    pub ip: String,
    pub face: String,
    pub action: String,
    /// `field: old → new`, one per change.
    pub changes: Vec<String>,
}

impl AuditLine {
    pub(super) fn of(row: &AuditRow) -> AuditLine {
        let changes: serde_json::Value =
            serde_json::from_str(&row.changes).unwrap_or(serde_json::Value::Null);
        let show = |v: &serde_json::Value| match v {
            serde_json::Value::Null => "—".to_string(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let changes = changes
            .as_object()
            .map(|fields| {
                fields
                    .iter()
                    .map(|(field, c)| {
                        if c.get("changed").is_some() {
                            format!("{field}: ****")
                        } else {
                            format!("{field}: {} → {}", show(&c["old"]), show(&c["new"]))
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        AuditLine {
            when: when(row.created_date),
            actor: row
                .actor_name
                .clone()
                .or_else(|| row.actor_id.clone())
                .unwrap_or_default(),
            ip: row.ip.clone().unwrap_or_default(),
            face: row.face.clone(),
            action: row.action.clone(),
            changes,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserBody<'a> {
    ctx: &'a PageCtx,
    user: UserLine,
    roles: String,
    apps: String,
    tags: String,
    /// (code, text, selected).
    statuses: Vec<(i32, String, bool)>,
    can_write: bool,
    error: Option<String>,
    audit: Vec<AuditLine>,
    sessions: Vec<SessionLine>,
}

/// A live session as the page lists it.
pub struct SessionLine {
    pub id: String,
    pub created: String,
    pub expires: String,
    pub app_id: String,
    pub platform: String,
    pub device_id: String,
}

impl SessionLine {
    fn of(s: &Session) -> SessionLine {
        SessionLine {
            id: s.id.clone(),
            created: when(s.created),
            expires: when(s.expires * 1000),
            app_id: s.app_id.clone().unwrap_or_default(),
            platform: s.platform.clone().unwrap_or_default(),
            device_id: s.device_id.clone().unwrap_or_default(),
        }
    }
}

/// What the user page shows besides the row itself.
struct Account {
    user: UserRow,
    roles: Vec<String>,
    apps: Vec<String>,
    audit: Vec<AuditRow>,
    sessions: Vec<Session>,
}

async fn load(page: &Page, uid: String) -> ApiResult<Account> {
    let sessions = users_admin::sessions(&page.caller(), &uid).await?;
    page.host()
        .db
        .run(move |conn| {
            let user = users::find_by_id(conn, &uid)?
                .ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
            Ok(Account {
                roles: users::roles_of(conn, &uid)?,
                apps: users::apps_of(conn, &uid)?,
                audit: audit::recent(conn, Some(&uid), 20)?,
                sessions,
                user,
            })
        })
        .await
}

fn show_user(page: Page, account: Account, error: Option<String>) -> HttpResponse {
    let can_write = may(&page, USER_WRITE);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show_wide(status, "admin-user-title", |ctx| {
        let tags: Vec<String> = account
            .user
            .tags
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        UserBody {
            ctx,
            user: UserLine::of(ctx, &account.user),
            roles: account.roles.join(", "),
            apps: account.apps.join(", "),
            tags: tags.join(", "),
            statuses: STATUSES
                .iter()
                .map(|(s, id)| (*s, ctx.t(id).to_string(), *s == account.user.status))
                .collect(),
            can_write,
            error,
            audit: account.audit.iter().map(AuditLine::of).collect(),
            sessions: account.sessions.iter().map(SessionLine::of).collect(),
        }
        .render()
    })
}

/// `GET /admin/users/{uid}`.
pub async fn show(
    host: web::ThinData<Host>,
    req: HttpRequest,
    uid: web::Path<String>,
) -> HttpResponse {
    let page = match Page::load(&host, &req).await.console(&req, USER_READ) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    match load(&page, uid.into_inner()).await {
        Ok(account) => show_user(page, account, None),
        Err(e) if e.code == ErrorCode::AccountNotExists => {
            page.error_page(StatusCode::NOT_FOUND, "admin-user-not-found")
        }
        Err(e) => page.unavailable(&e),
    }
}

/// The edit form, with `updateUser`'s field names; lists are comma-separated.
#[derive(Deserialize)]
pub struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    role: String,
    #[serde(rename = "authorizedApp", default)]
    authorized_app: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    password: String,
}

fn list_of(s: &str) -> Vec<String> {
    s.split([',', '，', ' ', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// `POST /admin/users/{uid}`: the same `updateUser` rule as the API.
pub async fn save(
    host: web::ThinData<Host>,
    req: HttpRequest,
    uid: web::Path<String>,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.console(&req, USER_WRITE) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let form: UserForm = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let uid = uid.into_inner();
    let status = match form.status.trim() {
        "" => None,
        s => s.parse::<i32>().ok().or(Some(-1)),
    };
    let params = json!({
        "uid": uid,
        "username": form.username.trim(),
        "nickname": form.nickname.trim(),
        "password": form.password,
        "role": list_of(&form.role),
        "authorizedApp": list_of(&form.authorized_app),
        "tags": list_of(&form.tags),
        "status": status,
    });
    let caller = page.caller();
    let checked = caller.validate(&params, UPDATE_USER_SCHEMA);
    let update = AccountUpdate {
        uid: uid.clone(),
        username: form.username.trim().to_string(),
        password: Some(form.password)
            .filter(|p| !p.is_empty())
            .map(Secret::new),
        authorized_app: Some(list_of(&form.authorized_app)),
        // An emptied field clears the nickname.
        nickname: Some(form.nickname.trim().to_string()),
        role: Some(list_of(&form.role)),
        mobile: None,
        email: None,
        tags: Some(list_of(&form.tags)),
        status,
    };
    let done = match checked {
        Ok(()) => {
            users_admin::update_user(&caller, &Actor::of(&caller, Face::Console), update).await
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => {
            page.flash("pages-flash-saved");
            page.redirect(&format!("/admin/users/{}", urlencode(&uid)))
        }
        Err(e) => {
            let text = page.error_text(&e);
            match load(&page, uid).await {
                Ok(account) => show_user(page, account, Some(text)),
                Err(_) => page.error_page(StatusCode::NOT_FOUND, "admin-user-not-found"),
            }
        }
    }
}

#[derive(Deserialize)]
pub struct EndSessions {
    /// One session's id; absent (or `all`) ends every session.
    #[serde(default)]
    session: String,
}

/// `POST /admin/users/{uid}/sessions`: end one session, or all.
pub async fn end_sessions(
    host: web::ThinData<Host>,
    req: HttpRequest,
    uid: web::Path<String>,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.console(&req, USER_WRITE) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let form: EndSessions = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let uid = uid.into_inner();
    let which = Some(form.session).filter(|s| !s.is_empty() && s != "all");
    let caller = page.caller();
    match users_admin::end_sessions(&caller, &Actor::of(&caller, Face::Console), &uid, which).await
    {
        Ok(_) => {
            page.flash("pages-flash-saved");
            page.redirect(&format!("/admin/users/{}", urlencode(&uid)))
        }
        Err(e) if e.code == ErrorCode::AccountNotExists => {
            page.error_page(StatusCode::NOT_FOUND, "admin-user-not-found")
        }
        Err(e) => page.unavailable(&e),
    }
}

/// One CSV field: quoted when it must be, and a leading `=`, `+`, `-`, `@`, tab or CR made
/// inert (a spreadsheet would run it as a formula).
fn csv_field(value: &str) -> String {
    let inert = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if inert.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", inert.replace('"', "\"\""))
    } else {
        inert
    }
}

/// Rows read per database trip while exporting.
const EXPORT_BATCH: i64 = 1000;

/// `GET /admin/users.csv?q=&status=`: every user the list's filter matches, as CSV (UTF-8 with
/// a BOM, which spreadsheet programs need to read Chinese). The export itself is audited.
pub async fn export(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = match Page::load(&host, &req).await.console(&req, USER_READ) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let params = query(&req);
    let q = params
        .get("q")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let status = params.get("status").and_then(|s| s.parse::<i32>().ok());
    let mut out = String::from(
        "\u{feff}uid,username,nickname,mobile,email,status,register_date,last_login_date\n",
    );
    let mut filter = UserFilter {
        q: Some(q.clone()).filter(|q| !q.is_empty()),
        status,
        before: None,
    };
    let mut rows = 0usize;
    loop {
        let batch_filter = filter.clone();
        let batch = host
            .db
            .run(move |conn| Ok(users::search(conn, &batch_filter, EXPORT_BATCH)?))
            .await;
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                return page.unavailable(&e);
            }
        };
        for u in &batch {
            let text = |v: &Option<String>| csv_field(v.as_deref().unwrap_or_default());
            let date = |v: Option<i64>| v.map(when).unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                csv_field(&u.id),
                text(&u.username),
                text(&u.nickname),
                text(&u.mobile),
                text(&u.email),
                u.status,
                date(u.register_date),
                date(u.last_login_date),
            ));
        }
        rows += batch.len();
        match batch.last() {
            Some(last) if batch.len() as i64 == EXPORT_BATCH => {
                filter.before = Some(last.id.clone())
            }
            _ => break,
        }
    }
    let caller = page.caller();
    let actor = Actor::of(&caller, Face::Console);
    let now = caller.now();
    let changes = crate::accounts::audit::Changes::new()
        .field(
            "filter",
            serde_json::Value::Null,
            json!({"q": q, "status": status}),
        )
        .field("rows", serde_json::Value::Null, rows);
    let recorded = host
        .db
        .run(move |conn| {
            crate::accounts::audit::record(conn, &actor, now, "users.export", None, &changes)?;
            Ok(())
        })
        .await;
    if let Err(e) = recorded {
        return page.unavailable(&e);
    }
    HttpResponse::Ok()
        .insert_header(("content-type", "text/csv; charset=utf-8"))
        .insert_header(("content-disposition", "attachment; filename=\"users.csv\""))
        .insert_header(("cache-control", "no-store"))
        .body(out)
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_made_inert() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("+8613800138000"), "'+8613800138000");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }
}
