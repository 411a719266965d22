//! What an administrator does to accounts: `addUser` and `updateUser` (spec §1.3 Admin), for
//! the JSON API and the console alike. Every change is checked against the identifiers other
//! users hold (per app, backed by the database's uniqueness), recorded in the audit log in the
//! same transaction, and — beyond uni-id — a ban, a new password or a change of roles or apps
//! ends the user's sessions at once.

use serde_json::{Value, json};

use crate::accounts::audit::{self, Actor, Changes};
use crate::accounts::{Caller, STATUS_NORMAL, find_user, phone};
use crate::db::models::third_party::ThirdPartyId;
use crate::db::models::tokens as token_rows;
use crate::db::models::users::{self, NewUser, UserChanges, UserQuery};
use crate::db::{DbConn, is_unique_violation};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::passwords::NewHash;
use crate::secret::Secret;
use crate::tokens;
use crate::validator::{Field, Schema};

/// `addUser`'s parameters (spec §1.3).
pub static ADD_USER_SCHEMA: &Schema = &[
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

/// `updateUser`'s parameters.
pub static UPDATE_USER_SCHEMA: &Schema = &[
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

/// `addUser`'s fields, with uni-id's names in the comments where they differ.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub password: Secret,
    /// `authorizedApp`; none or empty: the administrator's own app.
    pub authorized_app: Option<Vec<String>>,
    pub nickname: Option<String>,
    pub role: Vec<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub tags: Vec<String>,
    /// uni-id's codes 0–4; default 0 (normal).
    pub status: Option<i32>,
}

/// `updateUser`'s fields: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountUpdate {
    pub uid: String,
    /// Required by `updateUser`, as in uni-id; optional for `updateUserInfoByExternal`.
    pub username: Option<String>,
    pub password: Option<Secret>,
    /// `authorizedApp`.
    pub authorized_app: Option<Vec<String>>,
    pub nickname: Option<String>,
    pub role: Option<Vec<String>>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub tags: Option<Vec<String>>,
    pub status: Option<i32>,
    /// uni-id's 0 unknown, 1 male, 2 female (`updateUserInfoByExternal` only).
    pub gender: Option<i32>,
    /// An avatar URL, kept as `avatar` and `avatar_file` (`updateUserInfoByExternal` only).
    pub avatar: Option<String>,
}

/// `status` must be one of uni-id's values (spec §12.1): 0 normal, 1 banned, 2 in audit,
/// 3 audit failed, 4 closed.
fn checked_status(status: Option<i32>) -> ApiResult<Option<i32>> {
    match status {
        None | Some(0..=4) => Ok(status),
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

/// `addUser`: a new account made by an administrator; answers its uid.
pub async fn add_user(call: &Caller, actor: &Actor, input: NewAccount) -> ApiResult<String> {
    let NewAccount {
        username,
        password,
        authorized_app,
        nickname,
        role: roles,
        mobile,
        email,
        tags,
        status,
    } = input;
    let username = username.to_lowercase();
    let status = checked_status(status)?;
    let apps = authorized_app
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| vec![call.client.app_id.clone()]);
    let mobile = mobile.and_then(|m| phone::to_e164(&m));
    let email = email.map(|e| e.trim().to_lowercase());
    let hash = call
        .host
        .hasher
        .hash(password, call.effective.password_secrets.clone())
        .await?;
    let now = call.now();
    let user = NewUser {
        id: crate::ids::new_id(now),
        username: Some(username.clone()),
        password: Some(hash.hash),
        password_secret_version: hash.version,
        nickname,
        mobile_confirmed: i32::from(mobile.is_some()),
        mobile: mobile.clone(),
        email_confirmed: i32::from(email.is_some()),
        email: email.clone(),
        status: status.unwrap_or(STATUS_NORMAL),
        tags: Some(json!(tags).to_string()),
        register_date: Some(now),
        ..Default::default()
    };
    let query = UserQuery {
        username: Some(username),
        mobile,
        email,
        ..Default::default()
    };
    let actor = actor.clone();
    let changes = Changes::new()
        .field("username", Value::Null, user.username.clone())
        .field("nickname", Value::Null, user.nickname.clone())
        .field("mobile", Value::Null, user.mobile.clone())
        .field("email", Value::Null, user.email.clone())
        .field("status", Value::Null, user.status)
        .field("role", Value::Null, roles.clone())
        .field("authorizedApp", Value::Null, apps.clone())
        .field("tags", Value::Null, tags.clone())
        .secret("password");
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                conn.lock_keys(&query.lock_keys())?;
                check_free(conn, &query, &apps, None)?;
                users::insert(conn, &user, &apps, &roles).map_err(map_unique)?;
                audit::record(conn, &actor, now, "user.create", Some(&user.id), &changes)?;
                Ok(user.id.clone())
            })
        })
        .await
}

/// `updateUser`: an administrator's change to an account; only the fields given change.
pub async fn update_user(call: &Caller, actor: &Actor, input: AccountUpdate) -> ApiResult<()> {
    let AccountUpdate {
        uid,
        username,
        password,
        authorized_app: apps,
        nickname,
        role: roles,
        mobile,
        email,
        tags,
        status,
        gender,
        avatar,
    } = input;
    let username = username.map(|u| u.to_lowercase());
    let status = checked_status(status)?;
    let mobile = mobile.and_then(|m| phone::to_e164(&m));
    let email = email.map(|e| e.trim().to_lowercase());
    let hash: Option<NewHash> = match password {
        Some(p) => Some(
            call.host
                .hasher
                .hash(p, call.effective.password_secrets.clone())
                .await?,
        ),
        None => None,
    };
    let mut changes = UserChanges {
        username: username.clone().map(Some),
        nickname: nickname.map(Some),
        gender: gender.map(Some),
        avatar_file: avatar
            .as_deref()
            .map(|url| Some(crate::avatars::AvatarFile::from_url(url).to_json())),
        avatar: avatar.map(Some),
        status,
        tags: tags.map(|t| Some(json!(t).to_string())),
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
        username,
        mobile,
        email,
        ..Default::default()
    };
    let now = call.now();
    let actor = actor.clone();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let user = users::find_by_id(conn, &uid)?
                    .ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
                let mut audited =
                    Changes::new().field("status", user.status, status.unwrap_or(user.status));
                if let Some(u) = &changes.username {
                    audited = audited.field("username", user.username.clone(), u.clone());
                }
                if let Some(g) = &changes.gender {
                    audited = audited.field("gender", user.gender, *g);
                }
                if let Some(a) = &changes.avatar {
                    audited = audited.field("avatar", user.avatar.clone(), a.clone());
                }
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
                Ok(())
            })
        })
        .await
}

/// A live session, as an administrator sees it.
#[derive(Debug, Clone)]
pub struct Session {
    /// The token's hash: names the session without being usable as one.
    pub id: String,
    pub created: i64,
    /// Epoch seconds.
    pub expires: i64,
    pub app_id: Option<String>,
    pub platform: Option<String>,
    pub device_id: Option<String>,
}

/// `uid`'s live sessions, newest first.
pub async fn sessions(call: &Caller, uid: &str) -> ApiResult<Vec<Session>> {
    let uid = uid.to_string();
    let now_secs = call.now() / 1000;
    call.host
        .db
        .run(move |conn| {
            Ok(token_rows::live_of(conn, &uid, now_secs)?
                .into_iter()
                .map(session_of)
                .collect())
        })
        .await
}

fn session_of(row: token_rows::SessionRow) -> Session {
    Session {
        id: row.token_hash,
        created: row.created_date,
        expires: row.exp,
        app_id: row.app_id,
        platform: row.platform,
        device_id: row.device_id,
    }
}

fn describe(s: &Session) -> String {
    [&s.app_id, &s.platform, &s.device_id]
        .iter()
        .filter_map(|v| v.as_deref())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Ends one of `uid`'s sessions (`session` = its id), or all of them (`None`); the user's next
/// request with it fails. Answers how many ended.
pub async fn end_sessions(
    call: &Caller,
    actor: &Actor,
    uid: &str,
    session: Option<String>,
) -> ApiResult<usize> {
    let uid = uid.to_string();
    let actor = actor.clone();
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                users::find_by_id(conn, &uid)?
                    .ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
                let ended: Vec<Session> = match &session {
                    Some(id) => token_rows::delete_of(conn, &uid, id)?
                        .into_iter()
                        .map(session_of)
                        .collect(),
                    None => {
                        let live = token_rows::live_of(conn, &uid, now / 1000)?;
                        token_rows::delete_all_of(conn, &uid)?;
                        live.into_iter().map(session_of).collect()
                    }
                };
                let names: Vec<String> = ended.iter().map(describe).collect();
                let changes = Changes::new().field("sessions", names, Value::Null);
                if !ended.is_empty() {
                    audit::record(conn, &actor, now, "user.sessions.end", Some(&uid), &changes)?;
                }
                Ok(ended.len())
            })
        })
        .await
}

/// The user's third-party ids, for the console.
pub async fn third_party_ids(call: &Caller, uid: &str) -> ApiResult<Vec<ThirdPartyId>> {
    let uid = uid.to_string();
    call.host
        .db
        .run(move |conn| crate::accounts::third_party::ids_of(conn, &uid))
        .await
}

/// Removes the user's ids at `provider` (an administrator's unbind), with the user's own rule:
/// refused when it would leave them no way in (set a password first). Audited with the ids
/// removed.
pub async fn unbind_third_party(
    call: &Caller,
    actor: &Actor,
    uid: &str,
    provider: &str,
) -> ApiResult<()> {
    let (uid, provider, actor) = (uid.to_string(), provider.to_string(), actor.clone());
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let removed = crate::accounts::third_party::remove(conn, &uid, &provider)?;
                let ids: Vec<String> = removed
                    .iter()
                    .map(|id| format!("{}.{}={}", id.kind, id.platform, id.value))
                    .collect();
                let changes = Changes::new().field(&provider, ids, Value::Null);
                audit::record(conn, &actor, now, "user.unbind", Some(&uid), &changes)?;
                Ok(())
            })
        })
        .await
}
