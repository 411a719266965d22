//! `login` (spec §1.3 Login): the JSON face of [`accounts::login::login`].

use serde_json::Value;

use crate::accounts::login::{self, LOGIN_SCHEMA, PasswordLogin};
use crate::api::call::{Call, opt_str, req_str};
use crate::api::methods::{Access, MethodSpec, Reply, signed_in_reply};
use crate::error::ApiResult;
use crate::method;

pub fn methods() -> Vec<MethodSpec> {
    vec![method!("login", Access::Anonymous, LOGIN_SCHEMA, login)]
}

async fn login(call: Call, params: Value) -> ApiResult<Reply> {
    let input = PasswordLogin {
        username: opt_str(&params, "username"),
        mobile: opt_str(&params, "mobile"),
        email: opt_str(&params, "email"),
        password: req_str(&params, "password")?,
        captcha: opt_str(&params, "captcha"),
        device_token: opt_str(&params, "deviceToken"),
    };
    Ok(signed_in_reply(&login::login(call, input).await?))
}
