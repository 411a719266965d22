//! `addUser`, `updateUser`, and the app grants `authorizeAppLogin`, `removeAuthorizedApp`,
//! `setAuthorizedApp` (spec §1.3 Admin, role `admin`; their rules: `accounts::apps`).
//!
//! Differences from uni-id, on purpose: `addUser` without `authorizedApp` authorises the
//! administrator's own app instead of none (spec §17.9), and banning a user, changing their
//! roles, apps or password in `updateUser` revokes their tokens at once.

use serde_json::{Value, json};

use crate::accounts::audit::{self, Actor, Changes, Face};
use crate::accounts::{STATUS_NORMAL, apps, find_user, phone};
use crate::api::call::{Call, opt_i64, opt_str, opt_strings, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::db::models::users::{self, NewUser, UserChanges, UserQuery};
use crate::db::{DbConn, is_unique_violation};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::passwords::NewHash;
use crate::secret::Secret;
use crate::tokens;
use crate::validator::{Field, Schema};
use crate::{method, reply};

const ADMIN: Access = Access::Role(&["admin"]);

static ADD_USER: &Schema = &[
    ("username", Field::required("username")),
    ("password", Field::required("password")),
    ("authorizedApp", Field::optional("array<string>")),
    ("nickname", Field::optional("nickname")),
    ("role", Field::optional("array<string>")),
    ("mobile", Field::optional("mobile")),
    ("email", Field::optional("email")),
    ("tags", Field::optional("array<string>")),
    ("status", Field::optional("number")),
];

static UPDATE_USER: &Schema = &[
    ("uid", Field::required("string")),
    ("username", Field::required("username")),
    ("password", Field::optional("password")),
    ("authorizedApp", Field::optional("array<string>")),
    ("nickname", Field::optional("nickname")),
    ("role", Field::optional("array<string>")),
    ("mobile", Field::optional("mobile")),
    ("email", Field::optional("email")),
    ("tags", Field::optional("array<string>")),
    ("status", Field::optional("number")),
];

static APP_GRANT: &Schema = &[
    ("uid", Field::required("string")),
    ("appId", Field::required("string")),
];

static SET_APPS: &Schema = &[
    ("uid", Field::required("string")),
    ("appIdList", Field::required("array<string>")),
];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!("addUser", ADMIN, ADD_USER, add_user),
        method!("updateUser", ADMIN, UPDATE_USER, update_user),
        method!("authorizeAppLogin", ADMIN, APP_GRANT, authorize_app_login),
        method!(
            "removeAuthorizedApp",
            ADMIN,
            APP_GRANT,
            remove_authorized_app
        ),
        method!("setAuthorizedApp", ADMIN, SET_APPS, set_authorized_app),
    ]
}

async fn authorize_app_login(call: Call, params: Value) -> ApiResult<Reply> {
    let (uid, app_id) = (req_str(&params, "uid")?, req_str(&params, "appId")?);
    apps::authorize(&call.host, &Actor::of(&call, Face::Api), &uid, &app_id).await?;
    Ok(reply! {})
}

async fn remove_authorized_app(call: Call, params: Value) -> ApiResult<Reply> {
    let (uid, app_id) = (req_str(&params, "uid")?, req_str(&params, "appId")?);
    apps::remove(&call.host, &Actor::of(&call, Face::Api), &uid, &app_id).await?;
    Ok(reply! {})
}

async fn set_authorized_app(call: Call, params: Value) -> ApiResult<Reply> {
    let uid = req_str(&params, "uid")?;
    // The validator checked the type; an empty list allows no app, as in uni-id.
    let apps = opt_strings(&params, "appIdList").unwrap_or_default();
    apps::set(&call.host, &Actor::of(&call, Face::Api), &uid, apps).await?;
    Ok(reply! {})
}

/// `status` must be one of uni-id's values (spec §12.1).
fn status_param(params: &Value) -> ApiResult<Option<i32>> {
    match opt_i64(params, "status") {
        None if params.get("status").is_some_and(|v| !v.is_null()) => {
            Err(ApiError::new(ErrorCode::InvalidParam))
        }
        None => Ok(None),
        Some(s @ 0..=4) => Ok(Some(s as i32)),
        Some(_) => Err(ApiError::new(ErrorCode::InvalidParam)),
    }
}

/// Fails with `uni-id-account-exists` when another user holds one of the identifiers in one of
/// `apps`.
fn check_free(
    conn: &mut DbConn,
    query: &UserQuery,
    apps: &[String],
    except: Option<&str>,
) -> ApiResult<()> {
    let all_apps = apps.iter().any(|a| a == "*");
    for app in apps {
        let found = find_user(conn, query, app)?;
        if found.matched.iter().any(|u| Some(u.id.as_str()) != except) {
            return Err(ApiError::new(ErrorCode::AccountExists));
        }
        if all_apps
            && (found.total > found.matched.len()
                || found
                    .elsewhere
                    .as_ref()
                    .is_some_and(|u| Some(u.id.as_str()) != except))
        {
            return Err(ApiError::new(ErrorCode::AccountExists));
        }
    }
    Ok(())
}

fn map_unique(e: diesel::result::Error) -> ApiError {
    if is_unique_violation(&e) {
        ApiError::new(ErrorCode::AccountExists)
    } else {
        e.into()
    }
}

async fn add_user(call: Call, params: Value) -> ApiResult<Reply> {
    let username = req_str(&params, "username")?.to_lowercase();
    let password = req_str(&params, "password")?;
    let status = status_param(&params)?;
    let apps = opt_strings(&params, "authorizedApp")
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| vec![call.client.app_id.clone()]);
    let roles = opt_strings(&params, "role").unwrap_or_default();
    let mobile = opt_str(&params, "mobile").and_then(|m| phone::to_e164(&m));
    let email = opt_str(&params, "email").map(|e| e.trim().to_lowercase());
    let hash = call
        .host
        .hasher
        .hash(
            Secret::new(password),
            call.effective.password_secrets.clone(),
        )
        .await?;
    let now = call.now();
    let user = NewUser {
        id: crate::ids::new_id(now),
        username: Some(username.clone()),
        password: Some(hash.hash),
        password_secret_version: hash.version,
        nickname: opt_str(&params, "nickname"),
        mobile_confirmed: i32::from(mobile.is_some()),
        mobile: mobile.clone(),
        email_confirmed: i32::from(email.is_some()),
        email: email.clone(),
        status: status.unwrap_or(STATUS_NORMAL),
        tags: Some(json!(opt_strings(&params, "tags").unwrap_or_default()).to_string()),
        register_date: Some(now),
        ..Default::default()
    };
    let query = UserQuery {
        username: Some(username),
        mobile,
        email,
        ..Default::default()
    };
    let actor = Actor::of(&call, Face::Api);
    let changes = Changes::new()
        .field("username", Value::Null, user.username.clone())
        .field("nickname", Value::Null, user.nickname.clone())
        .field("mobile", Value::Null, user.mobile.clone())
        .field("email", Value::Null, user.email.clone())
        .field("status", Value::Null, user.status)
        .field("role", Value::Null, roles.clone())
        .field("authorizedApp", Value::Null, apps.clone())
        .field(
            "tags",
            Value::Null,
            opt_strings(&params, "tags").unwrap_or_default(),
        )
        .secret("password");
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                conn.lock_keys(&query.lock_keys())?;
                check_free(conn, &query, &apps, None)?;
                users::insert(conn, &user, &apps, &roles).map_err(map_unique)?;
                audit::record(conn, &actor, now, "user.create", Some(&user.id), &changes)?;
                Ok(reply! { "uid" => user.id })
            })
        })
        .await
}

async fn update_user(call: Call, params: Value) -> ApiResult<Reply> {
    let uid = req_str(&params, "uid")?;
    let username = req_str(&params, "username")?.to_lowercase();
    let status = status_param(&params)?;
    let apps = opt_strings(&params, "authorizedApp");
    let roles = opt_strings(&params, "role");
    let mobile = opt_str(&params, "mobile").and_then(|m| phone::to_e164(&m));
    let email = opt_str(&params, "email").map(|e| e.trim().to_lowercase());
    let hash: Option<NewHash> = match opt_str(&params, "password") {
        Some(p) => Some(
            call.host
                .hasher
                .hash(Secret::new(p), call.effective.password_secrets.clone())
                .await?,
        ),
        None => None,
    };
    let mut changes = UserChanges {
        username: Some(Some(username.clone())),
        nickname: opt_str(&params, "nickname").map(Some),
        status,
        tags: opt_strings(&params, "tags").map(|t| Some(json!(t).to_string())),
        ..Default::default()
    };
    if let Some(m) = &mobile {
        changes.mobile = Some(Some(m.clone()));
        changes.mobile_confirmed = Some(1);
    }
    if let Some(e) = &email {
        changes.email = Some(Some(e.clone()));
        changes.email_confirmed = Some(1);
    }
    let password_changed = hash.is_some();
    if let Some(h) = hash {
        changes.password = Some(Some(h.hash));
        changes.password_secret_version = Some(h.version);
    }
    let query = UserQuery {
        username: Some(username),
        mobile,
        email,
        ..Default::default()
    };
    let now = call.now();
    let actor = Actor::of(&call, Face::Api);
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let user = users::find_by_id(conn, &uid)?
                    .ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
                let mut audited = Changes::new()
                    .field(
                        "username",
                        user.username.clone(),
                        changes.username.clone().flatten(),
                    )
                    .field("status", user.status, status.unwrap_or(user.status));
                if let Some(n) = &changes.nickname {
                    audited = audited.field("nickname", user.nickname.clone(), n.clone());
                }
                if let Some(m) = &changes.mobile {
                    audited = audited.field("mobile", user.mobile.clone(), m.clone());
                }
                if let Some(e) = &changes.email {
                    audited = audited.field("email", user.email.clone(), e.clone());
                }
                if let Some(t) = &changes.tags {
                    let old: Value = user
                        .tags
                        .as_deref()
                        .and_then(|t| serde_json::from_str(t).ok())
                        .unwrap_or(Value::Null);
                    let new: Value = t
                        .as_deref()
                        .and_then(|t| serde_json::from_str(t).ok())
                        .unwrap_or(Value::Null);
                    audited = audited.field("tags", old, new);
                }
                if password_changed {
                    audited = audited.secret("password");
                }
                conn.lock_keys(&query.lock_keys())?;
                let current_apps = users::apps_of(conn, &uid)?;
                let target_apps = apps.clone().unwrap_or(current_apps.clone());
                check_free(conn, &query, &target_apps, Some(&uid))?;
                users::update(conn, &uid, &changes).map_err(map_unique)?;
                let current_roles = users::roles_of(conn, &uid)?;
                let mut revoke = password_changed
                    || status.is_some_and(|s| s != STATUS_NORMAL && s != user.status);
                if let Some(mut roles) = roles {
                    roles.sort();
                    roles.dedup();
                    audited = audited.field("role", current_roles.clone(), roles.clone());
                    if roles != current_roles {
                        users::set_roles(conn, &uid, &roles)?;
                        // Tokens carry the roles: old ones must not outlive the change.
                        revoke = true;
                    }
                }
                if let Some(mut apps) = apps {
                    apps.sort();
                    apps.dedup();
                    let mut before = current_apps.clone();
                    before.sort();
                    audited = audited.field("authorizedApp", before, apps.clone());
                    if apps != current_apps {
                        users::set_apps(conn, &uid, &apps).map_err(map_unique)?;
                        revoke = true;
                    }
                }
                if revoke {
                    tokens::revoke_all(conn, &uid, now)?;
                }
                audit::record(conn, &actor, now, "user.update", Some(&uid), &audited)?;
                Ok(reply! {})
            })
        })
        .await
}
