//! `registerAdmin`, `registerUser` (spec §1.3 Registration).

use serde_json::Value;

use crate::accounts::log::{self, Subject};
use crate::accounts::register::{Registered, Registration, register};
use crate::api::call::{Call, captcha_ctx, opt_str, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::captcha;
use crate::db::models::users::{NewUser, UserQuery};
use crate::error::ApiResult;
use crate::method;
use crate::reply;
use crate::secret::Secret;
use crate::validator::{Field, Schema};

static REGISTER_ADMIN: &Schema = &[
    ("username", Field::required("username")),
    ("password", Field::required("password")),
    ("nickname", Field::optional("nickname")),
];

static REGISTER_USER: &Schema = &[
    ("username", Field::required("username")),
    ("password", Field::required("password")),
    ("captcha", Field::required("string")),
    ("nickname", Field::optional("nickname")),
    ("inviteCode", Field::optional("string")),
];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!(
            "registerAdmin",
            Access::Anonymous,
            REGISTER_ADMIN,
            register_admin
        ),
        method!(
            "registerUser",
            Access::Anonymous,
            REGISTER_USER,
            register_user
        ),
    ]
}

/// The answer of every registration (spec §1.2 postRegister).
pub fn registered_reply(r: &Registered) -> Reply {
    reply! {
        "uid" => r.uid,
        "newToken" => r.token.to_json(),
        "passwordConfirmed" => r.password_confirmed,
    }
}

/// Registers a username + password account; `admin` makes it the first administrator.
async fn register_with_password(call: Call, params: Value, admin: bool) -> ApiResult<Reply> {
    let username = req_str(&params, "username")?;
    let password = req_str(&params, "password")?;
    let hash = call
        .host
        .hasher
        .hash(
            Secret::new(password),
            call.effective.password_secrets.clone(),
        )
        .await?;
    let reg = Registration {
        query: UserQuery {
            username: Some(username.clone()),
            ..Default::default()
        },
        user: NewUser {
            username: Some(username.clone()),
            password: Some(hash.hash),
            password_secret_version: hash.version,
            nickname: opt_str(&params, "nickname"),
            ..Default::default()
        },
        roles: if admin {
            vec!["admin".to_string()]
        } else {
            Vec::new()
        },
        invite_code: opt_str(&params, "inviteCode"),
        first_admin: admin,
    };
    let now = call.now();
    let db = call.host.db.clone();
    let registered = db
        .run(move |conn| {
            let origin = call.origin(now);
            let result = register(conn, origin, reg);
            let subject = Subject {
                user_id: result.as_ref().ok().map(|r| r.uid.clone()),
                username: Some(username.to_lowercase()),
                ..Default::default()
            };
            log::write(
                conn,
                &call.client,
                now,
                log::REGISTER,
                result.is_ok(),
                &subject,
            );
            result
        })
        .await?;
    Ok(registered_reply(&registered))
}

async fn register_admin(call: Call, params: Value) -> ApiResult<Reply> {
    register_with_password(call, params, true).await
}

async fn register_user(call: Call, params: Value) -> ApiResult<Reply> {
    // The captcha is always required and checked before any hashing work (spec §8.2).
    let answer = req_str(&params, "captcha")?;
    let host = call.host.clone();
    let device = call.client.device_id.clone();
    let now = call.now();
    host.db
        .run({
            let host = host.clone();
            move |conn| {
                captcha::require(
                    conn,
                    &captcha_ctx(&host, now),
                    device.as_deref(),
                    "register",
                    Some(&answer),
                )
            }
        })
        .await?;
    register_with_password(call, params, false).await
}
