//! `/admin/users/new` and `/admin/users/{uid}`: the account, its edit form (`addUser` /
//! `updateUser`'s rules and field names), its sessions, and what administrators changed on it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::audit::{Actor, Face};
use crate::accounts::roles::ADMIN_ROLE;
use crate::accounts::users_admin::{
    self, ADD_USER_SCHEMA, AccountUpdate, NewAccount, Session, UPDATE_USER_SCHEMA,
};
use crate::db::models::audit::{self, AuditRow};
use crate::db::models::catalog::{self, Catalog, Entry};
use crate::db::models::devices::UserDevice;
use crate::db::models::roles;
use crate::db::models::third_party::ThirdPartyId;
use crate::db::models::users::{self, UserRow};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
use crate::pages::admin::linked::LinkedLine;
use crate::pages::admin::users::{STATUSES, UserLine, when};
use crate::pages::admin::{USER_READ, USER_WRITE, may};
use crate::pages::{Page, PageCtx, urlencode};
use crate::secret::Secret;

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

/// The account form's values: what is stored, or what was just sent, shown again with the
/// error. Lists are comma-separated (roles are checkboxes, one `role` field each).
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub username: String,
    pub nickname: String,
    /// As typed: a mainland number without `+86`.
    pub mobile: String,
    pub email: String,
    pub status: i32,
    pub roles: Vec<String>,
    pub apps: String,
    pub tags: String,
}

impl Fields {
    pub(super) fn of(account: &Account) -> Fields {
        let u = &account.user;
        let tags: Vec<String> = u
            .tags
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default();
        Fields {
            username: u.username.clone().unwrap_or_default(),
            nickname: u.nickname.clone().unwrap_or_default(),
            mobile: u.mobile.as_deref().map(national).unwrap_or_default(),
            email: u.email.clone().unwrap_or_default(),
            status: u.status,
            roles: account.roles.clone(),
            apps: account.apps.join(", "),
            tags: tags.join(", "),
        }
    }

    /// The posted form (with its password, kept apart); repeated `role` fields add up.
    fn posted(pairs: &[(String, String)]) -> (Fields, String) {
        let last = |k: &str| {
            pairs
                .iter()
                .rev()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        };
        let mut roles: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == "role")
            .flat_map(|(_, v)| list_of(v))
            .collect();
        roles.dedup();
        let fields = Fields {
            username: last("username"),
            nickname: last("nickname"),
            mobile: last("mobile"),
            email: last("email"),
            // Not a number: refused by the rule as uni-id refuses it.
            status: last("status").parse().unwrap_or(-1),
            roles,
            apps: last("authorizedApp"),
            tags: last("tags"),
        };
        let password = pairs
            .iter()
            .rev()
            .find(|(k, _)| k == "password")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        (fields, password)
    }
}

/// `+8613800138000` as an administrator types it: `13800138000`; other numbers as stored.
fn national(e164: &str) -> String {
    e164.strip_prefix("+86").unwrap_or(e164).to_string()
}

fn list_of(s: &str) -> Vec<String> {
    s.split([',', '，', ' ', '\n'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// A role checkbox.
pub struct RoleBox {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

/// What the form offers around the values: the statuses, the roles to tick, and the apps and
/// tags that have names (a reminder; other ids are accepted too).
struct Offer {
    roles: Vec<(String, String)>,
    apps: Vec<Entry>,
    tags: Vec<Entry>,
}

fn offer(conn: &mut crate::db::DbConn) -> ApiResult<Offer> {
    Ok(Offer {
        roles: roles::all_roles(conn)?
            .into_iter()
            .map(|r| (r.role_id, r.role_name))
            .collect(),
        apps: catalog::all(conn, Catalog::Apps)?,
        tags: catalog::all(conn, Catalog::Tags)?,
    })
}

/// The account form as a template shows it (`admin/user_fields.html`).
pub struct FormView {
    pub f: Fields,
    /// (code, text, selected).
    pub statuses: Vec<(i32, String, bool)>,
    pub roles: Vec<RoleBox>,
    pub known_apps: String,
    pub known_tags: String,
    /// A new account (a password is required) or an existing one.
    pub creating: bool,
    pub error: Option<String>,
}

impl FormView {
    fn new(ctx: &PageCtx, f: Fields, offer: Offer, creating: bool, error: Option<String>) -> Self {
        let mut roles: Vec<RoleBox> = std::iter::once((
            ADMIN_ROLE.to_string(),
            ctx.t("admin-role-admin").to_string(),
        ))
        .chain(offer.roles.into_iter().filter(|(id, _)| id != ADMIN_ROLE))
        .map(|(id, name)| RoleBox {
            checked: f.roles.contains(&id),
            id,
            name,
        })
        .collect();
        // Roles the user holds that have no row (uni-id allows them) stay visible and ticked.
        for held in &f.roles {
            if !roles.iter().any(|r| &r.id == held) {
                roles.push(RoleBox {
                    id: held.clone(),
                    name: held.clone(),
                    checked: true,
                });
            }
        }
        let known = |entries: &[Entry]| {
            entries
                .iter()
                .map(|e| format!("{} ({})", e.id, e.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        FormView {
            statuses: STATUSES
                .iter()
                .map(|(s, id)| (*s, ctx.t(id).to_string(), *s == f.status))
                .collect(),
            roles,
            known_apps: known(&offer.apps),
            known_tags: known(&offer.tags),
            creating,
            error,
            f,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserBody<'a> {
    ctx: &'a PageCtx,
    user: UserLine,
    form: FormView,
    can_write: bool,
    audit: Vec<AuditLine>,
    sessions: Vec<SessionLine>,
    devices: Vec<DeviceLine>,
    linked: Vec<LinkedLine>,
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewBody<'a> {
    ctx: &'a PageCtx,
    form: FormView,
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

/// A push device as the page lists it.
pub struct DeviceLine {
    pub device_id: String,
    /// `Xiaomi Redmi K70`.
    pub model: String,
    /// `app-android · android 14`.
    pub system: String,
    pub app_id: String,
    /// Until when it receives pushes for this account, or that it no longer does.
    pub push: String,
    pub active: String,
}

impl DeviceLine {
    fn of(ctx: &PageCtx, d: &UserDevice, now: i64) -> DeviceLine {
        let join = |parts: &[Option<&String>], sep: &str| {
            parts
                .iter()
                .flatten()
                .map(|s| s.as_str())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(sep)
        };
        let os = join(&[d.os_name.as_ref(), d.os_version.as_ref()], " ");
        DeviceLine {
            device_id: d.device_id.clone(),
            model: join(&[d.vendor.as_ref(), d.model.as_ref()], " "),
            system: join(&[d.uni_platform.as_ref(), Some(&os)], " · "),
            app_id: d.appid.clone().unwrap_or_default(),
            push: if d.token_expired > now {
                ctx.t1("admin-device-push-until", "when", &when(d.token_expired))
            } else {
                ctx.t("admin-device-push-ended").to_string()
            },
            active: d.last_active_date.map(when).unwrap_or_default(),
        }
    }
}

/// What the user page shows besides the row itself.
pub(super) struct Account {
    user: UserRow,
    roles: Vec<String>,
    apps: Vec<String>,
    audit: Vec<AuditRow>,
    sessions: Vec<Session>,
    devices: Vec<UserDevice>,
    linked: Vec<ThirdPartyId>,
    offer: Offer,
}

pub(super) async fn load(page: &Page, uid: String) -> ApiResult<Account> {
    let sessions = users_admin::sessions(&page.caller(), &uid).await?;
    let linked = users_admin::third_party_ids(&page.caller(), &uid).await?;
    let devices = crate::accounts::devices::of_user(&page.caller(), &uid).await?;
    page.host()
        .db
        .run(move |conn| {
            let user = users::find_by_id(conn, &uid)?
                .ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
            Ok(Account {
                roles: users::roles_of(conn, &uid)?,
                apps: users::apps_of(conn, &uid)?,
                audit: audit::recent(conn, Some(&uid), 20)?,
                offer: offer(conn)?,
                sessions,
                devices,
                linked,
                user,
            })
        })
        .await
}

/// The user page; `sent` is the form as posted, shown again with its error.
pub(super) fn show_user(
    page: Page,
    account: Account,
    sent: Option<(Fields, String)>,
) -> HttpResponse {
    let can_write = may(&page, USER_WRITE);
    let now = page.host().clock.now_ms();
    let status = if sent.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show_wide(status, "admin-user-title", |ctx| {
        let (fields, error) = match sent {
            Some((f, e)) => (f, Some(e)),
            None => (Fields::of(&account), None),
        };
        UserBody {
            ctx,
            user: UserLine::of(ctx, &account.user),
            form: FormView::new(ctx, fields, account.offer, false, error),
            can_write,
            audit: account.audit.iter().map(AuditLine::of).collect(),
            sessions: account.sessions.iter().map(SessionLine::of).collect(),
            devices: account
                .devices
                .iter()
                .map(|d| DeviceLine::of(ctx, d, now))
                .collect(),
            linked: LinkedLine::of(ctx, &account.linked),
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

/// The form's fields as the API's parameters, for the same validator: empty optional fields
/// are left out, as a client would leave them out.
fn params_of(f: &Fields, password: &str, uid: Option<&str>) -> serde_json::Value {
    let mut p = serde_json::Map::new();
    if let Some(uid) = uid {
        p.insert("uid".into(), uid.into());
    }
    p.insert("username".into(), f.username.clone().into());
    for (k, v) in [
        ("password", password),
        ("nickname", &f.nickname),
        ("mobile", &f.mobile),
        ("email", &f.email),
    ] {
        if !v.is_empty() {
            p.insert(k.into(), v.into());
        }
    }
    p.insert("role".into(), f.roles.clone().into());
    p.insert("authorizedApp".into(), list_of(&f.apps).into());
    p.insert("tags".into(), list_of(&f.tags).into());
    p.insert("status".into(), f.status.into());
    serde_json::Value::Object(p)
}

/// `POST /admin/users/{uid}`: the same `updateUser` rule as the API. The mobile and e-mail
/// are changed when they were changed (an emptied one is kept: uni-id's `updateUser` cannot
/// unbind; the user does that).
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
    let pairs: Vec<(String, String)> = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let uid = uid.into_inner();
    let (fields, password) = Fields::posted(&pairs);
    let current = match load(&page, uid.clone()).await {
        Ok(account) => Fields::of(&account),
        Err(e) if e.code == ErrorCode::AccountNotExists => {
            return page.error_page(StatusCode::NOT_FOUND, "admin-user-not-found");
        }
        Err(e) => return page.unavailable(&e),
    };
    let changed =
        |new: &str, old: &str| Some(new.to_string()).filter(|n| !n.is_empty() && n != old);
    let mut checked_fields = fields.clone();
    // Unchanged identifiers are not sent again (nor validated again).
    if changed(&fields.mobile, &current.mobile).is_none() {
        checked_fields.mobile.clear();
    }
    if changed(&fields.email, &current.email).is_none() {
        checked_fields.email.clear();
    }
    let caller = page.caller();
    let checked = caller.validate(
        &params_of(&checked_fields, &password, Some(&uid)),
        UPDATE_USER_SCHEMA,
    );
    let update = AccountUpdate {
        uid: uid.clone(),
        username: Some(fields.username.clone()),
        password: Some(password.clone())
            .filter(|p| !p.is_empty())
            .map(Secret::new),
        authorized_app: Some(list_of(&fields.apps)),
        // An emptied field clears the nickname.
        nickname: Some(fields.nickname.clone()),
        role: Some(fields.roles.clone()),
        mobile: Some(checked_fields.mobile.clone()).filter(|m| !m.is_empty()),
        email: Some(checked_fields.email.clone()).filter(|e| !e.is_empty()),
        tags: Some(list_of(&fields.tags)),
        status: Some(fields.status),
        gender: None,
        avatar: None,
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
                Ok(account) => show_user(page, account, Some((fields, text))),
                Err(_) => page.error_page(StatusCode::NOT_FOUND, "admin-user-not-found"),
            }
        }
    }
}

async fn show_new(page: Page, sent: Fields, error: Option<String>) -> HttpResponse {
    let offer = match page.host().db.run(offer).await {
        Ok(o) => o,
        Err(e) => return page.unavailable(&e),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show_wide(status, "admin-user-new", |ctx| {
        NewBody {
            ctx,
            form: FormView::new(ctx, sent, offer, true, error),
        }
        .render()
    })
}

/// `GET /admin/users/new`.
pub async fn new_form(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match Page::load(&host, &req).await.console(&req, USER_WRITE) {
        Ok(page) => show_new(page, Fields::default(), None).await,
        Err(refused) => refused,
    }
}

/// `POST /admin/users/new`: `addUser`'s rule. Without apps the account may sign in here (the
/// pages' app), as `addUser` authorizes the administrator's own app.
pub async fn create(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.console(&req, USER_WRITE) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let pairs: Vec<(String, String)> = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let (fields, password) = Fields::posted(&pairs);
    let caller = page.caller();
    let input = NewAccount {
        username: fields.username.clone(),
        password: Secret::new(password.clone()),
        authorized_app: Some(list_of(&fields.apps)).filter(|a| !a.is_empty()),
        nickname: Some(fields.nickname.clone()).filter(|n| !n.is_empty()),
        role: fields.roles.clone(),
        mobile: Some(fields.mobile.clone()).filter(|m| !m.is_empty()),
        email: Some(fields.email.clone()).filter(|e| !e.is_empty()),
        tags: list_of(&fields.tags),
        status: Some(fields.status),
    };
    let done = match caller.validate(&params_of(&fields, &password, None), ADD_USER_SCHEMA) {
        Ok(()) => users_admin::add_user(&caller, &Actor::of(&caller, Face::Console), input).await,
        Err(e) => Err(e),
    };
    match done {
        Ok(uid) => {
            page.flash("admin-flash-created");
            page.redirect(&format!("/admin/users/{}", urlencode(&uid)))
        }
        Err(e) => {
            let text = page.error_text(&e);
            show_new(page, fields, Some(text)).await
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
