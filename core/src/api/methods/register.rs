//! `registerAdmin`, `registerUser` (spec §1.3 Registration): the JSON faces of
//! [`accounts::register`](crate::accounts::register).

use serde_json::Value;

use crate::accounts::register::{
    self, PasswordAccount, REGISTER_ADMIN_SCHEMA, REGISTER_USER_SCHEMA,
};
use crate::api::call::{Call, opt_str, req_str};
use crate::api::methods::{Access, MethodSpec, Reply, signed_in_reply};
use crate::error::ApiResult;
use crate::method;

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!(
            "registerAdmin",
            Access::Anonymous,
            REGISTER_ADMIN_SCHEMA,
            register_admin
        ),
        method!(
            "registerUser",
            Access::Anonymous,
            REGISTER_USER_SCHEMA,
            register_user
        ),
    ]
}

fn account(params: &Value) -> ApiResult<PasswordAccount> {
    Ok(PasswordAccount {
        username: req_str(params, "username")?,
        password: req_str(params, "password")?,
        nickname: opt_str(params, "nickname"),
        invite_code: opt_str(params, "inviteCode"),
    })
}

async fn register_admin(call: Call, params: Value) -> ApiResult<Reply> {
    let signed_in = register::register_admin(call, account(&params)?).await?;
    Ok(signed_in_reply(&signed_in))
}

async fn register_user(call: Call, params: Value) -> ApiResult<Reply> {
    let answer = req_str(&params, "captcha")?;
    let signed_in = register::register_user(call, account(&params)?, &answer).await?;
    Ok(signed_in_reply(&signed_in))
}
