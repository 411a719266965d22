//! `externalRegister`, `externalLogin`, `updateUserInfoByExternal` (spec §1.3 External): the
//! JSON faces of [`accounts::external`](crate::accounts::external). Reachable only with a
//! valid request signature ([`Access::Signed`]).

use serde_json::{Value, json};

use crate::accounts::external::{self, ExternalProfile, Who};
use crate::accounts::users_admin::AccountUpdate;
use crate::api::call::{Call, opt_i64, opt_str, opt_strings, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::secret::Secret;
use crate::validator::{Field, Schema};
use crate::{method, reply};

static REGISTER: &Schema = &[
    ("externalUid", Field::required("string")),
    ("nickname", Field::optional("nickname")),
    ("gender", Field::optional("number")),
    ("avatar", Field::optional("string")),
];
static LOGIN: &Schema = &[
    ("uid", Field::optional("string")),
    ("externalUid", Field::optional("string")),
];
static UPDATE: &Schema = &[
    ("uid", Field::optional("string")),
    ("externalUid", Field::optional("string")),
    ("username", Field::optional("string")),
    ("password", Field::optional("password")),
    ("authorizedApp", Field::optional("array<string>")),
    ("nickname", Field::optional("string")),
    ("role", Field::optional("array<string>")),
    // uni-id checks only "string" here, and would store any text; a number or address unid
    // cannot read would be dropped silently, so these get the usual rules.
    ("mobile", Field::optional("mobile")),
    ("email", Field::optional("email")),
    ("tags", Field::optional("array<string>")),
    ("status", Field::optional("number")),
    ("gender", Field::optional("number")),
    ("avatar", Field::optional("string")),
];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!(
            "externalRegister",
            Access::Signed,
            REGISTER,
            external_register
        ),
        method!("externalLogin", Access::Signed, LOGIN, external_login),
        method!(
            "updateUserInfoByExternal",
            Access::Signed,
            UPDATE,
            update_user_info_by_external
        ),
    ]
}

/// uni-id's genders: 0 unknown, 1 male, 2 female.
fn gender(params: &Value) -> ApiResult<Option<i32>> {
    match params.get("gender") {
        None | Some(Value::Null) => Ok(None),
        Some(_) => opt_i64(params, "gender")
            .filter(|g| (0..=2).contains(g))
            .map(|g| Some(g as i32))
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidParam).detail("gender")),
    }
}

async fn external_register(call: Call, params: Value) -> ApiResult<Reply> {
    let profile = ExternalProfile {
        external_uid: req_str(&params, "externalUid")?,
        nickname: opt_str(&params, "nickname"),
        gender: gender(&params)?,
        avatar: opt_str(&params, "avatar"),
    };
    let signed_in = external::register(call, profile.clone()).await?;
    let mut out = reply! {
        "newToken" => signed_in.token.to_json(),
        "externalUid" => profile.external_uid,
        "uid" => signed_in.uid,
    };
    for (key, v) in [
        ("avatar", json!(profile.avatar)),
        ("gender", json!(profile.gender)),
        ("nickname", json!(profile.nickname)),
    ] {
        if !v.is_null() {
            out.insert(key.into(), v);
        }
    }
    Ok(out)
}

async fn external_login(call: Call, params: Value) -> ApiResult<Reply> {
    let who = Who::of(opt_str(&params, "uid"), opt_str(&params, "externalUid"))?;
    let signed_in = external::login(call, who).await?;
    Ok(reply! {
        "newToken" => signed_in.token.to_json(),
        "uid" => signed_in.uid,
    })
}

async fn update_user_info_by_external(call: Call, params: Value) -> ApiResult<Reply> {
    let who = Who::of(opt_str(&params, "uid"), opt_str(&params, "externalUid"))?;
    let status = match params.get("status") {
        None | Some(Value::Null) => None,
        Some(_) => Some(
            opt_i64(&params, "status")
                .and_then(|s| i32::try_from(s).ok())
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidParam).detail("status"))?,
        ),
    };
    let update = AccountUpdate {
        uid: String::new(),
        username: opt_str(&params, "username"),
        password: opt_str(&params, "password").map(Secret::new),
        authorized_app: opt_strings(&params, "authorizedApp"),
        nickname: opt_str(&params, "nickname"),
        role: opt_strings(&params, "role"),
        mobile: opt_str(&params, "mobile"),
        email: opt_str(&params, "email"),
        tags: opt_strings(&params, "tags"),
        status,
        gender: gender(&params)?,
        avatar: opt_str(&params, "avatar"),
    };
    external::update(call, who, update).await?;
    Ok(reply! {})
}
