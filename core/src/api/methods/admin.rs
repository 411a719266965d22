//! `addUser`, `updateUser`, and the app grants `authorizeAppLogin`, `removeAuthorizedApp`,
//! `setAuthorizedApp` (spec §1.3 Admin, role `admin`; their rules: `accounts::apps`).
//!
//! The JSON face only: the rules are in `accounts::users_admin` and `accounts::apps`, shared
//! with the console. Differences from uni-id, on purpose: `addUser` without `authorizedApp`
//! authorises the administrator's own app instead of none (spec §17.9), and banning a user,
//! changing their roles, apps or password in `updateUser` revokes their tokens at once.

use serde_json::Value;

use crate::accounts::apps;
use crate::accounts::audit::{Actor, Face};
use crate::accounts::users_admin::{
    self, ADD_USER_SCHEMA, AccountUpdate, NewAccount, UPDATE_USER_SCHEMA,
};
use crate::api::call::{Call, opt_i64, opt_str, opt_strings, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::secret::Secret;
use crate::validator::{Field, Schema};
use crate::{method, reply};

const ADMIN: Access = Access::Role(&["admin"]);

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
        method!("addUser", ADMIN, ADD_USER_SCHEMA, add_user),
        method!("updateUser", ADMIN, UPDATE_USER_SCHEMA, update_user),
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

async fn add_user(call: Call, params: Value) -> ApiResult<Reply> {
    let input = NewAccount {
        username: req_str(&params, "username")?,
        password: Secret::new(req_str(&params, "password")?),
        authorized_app: opt_strings(&params, "authorizedApp"),
        nickname: opt_str(&params, "nickname"),
        role: opt_strings(&params, "role").unwrap_or_default(),
        mobile: opt_str(&params, "mobile"),
        email: opt_str(&params, "email"),
        tags: opt_strings(&params, "tags").unwrap_or_default(),
        status: status_param(&params)?,
    };
    let uid = users_admin::add_user(&call, &Actor::of(&call, Face::Api), input).await?;
    Ok(reply! { "uid" => uid })
}

async fn update_user(call: Call, params: Value) -> ApiResult<Reply> {
    let input = AccountUpdate {
        uid: req_str(&params, "uid")?,
        username: Some(req_str(&params, "username")?),
        password: opt_str(&params, "password").map(Secret::new),
        authorized_app: opt_strings(&params, "authorizedApp"),
        nickname: opt_str(&params, "nickname"),
        role: opt_strings(&params, "role"),
        mobile: opt_str(&params, "mobile"),
        email: opt_str(&params, "email"),
        tags: opt_strings(&params, "tags"),
        status: status_param(&params)?,
        gender: None,
        avatar: None,
    };
    users_admin::update_user(&call, &Actor::of(&call, Face::Api), input).await?;
    Ok(reply! {})
}
