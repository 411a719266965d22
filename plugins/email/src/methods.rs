//! The uni-id-co methods of the email plugin (spec §1.3): the JSON faces of [`crate::rules`].

use serde_json::Value;
use unid_core::plugin::api::{Access, MethodSpec, Reply, signed_in_reply, unified_reply};
use unid_core::plugin::api::{Call, opt_str, req_str};
use unid_core::plugin::api::{method, reply};
use unid_core::plugin::error::ApiResult;

use crate::rules::{
    self, BIND_EMAIL_SCHEMA, EmailCode, LOGIN_BY_EMAIL_CODE_SCHEMA, REGISTER_USER_BY_EMAIL_SCHEMA,
    RESET_PWD_BY_EMAIL_SCHEMA, Registration, ResetPassword, SEND_EMAIL_CODE_SCHEMA, SendCode,
    UNBIND_EMAIL_SCHEMA,
};

pub fn all() -> Vec<MethodSpec> {
    vec![
        method!(
            "sendEmailCode",
            Access::Anonymous,
            SEND_EMAIL_CODE_SCHEMA,
            send_email_code
        ),
        method!(
            "registerUserByEmail",
            Access::Anonymous,
            REGISTER_USER_BY_EMAIL_SCHEMA,
            register_user_by_email
        ),
        method!(
            "resetPwdByEmail",
            Access::Anonymous,
            RESET_PWD_BY_EMAIL_SCHEMA,
            reset_pwd_by_email
        ),
        method!(
            "loginByEmailCode",
            Access::Anonymous,
            LOGIN_BY_EMAIL_CODE_SCHEMA,
            login_by_email_code
        ),
        method!("bindEmail", Access::Auth, BIND_EMAIL_SCHEMA, bind_email),
        method!(
            "unbindEmail",
            Access::Auth,
            UNBIND_EMAIL_SCHEMA,
            unbind_email
        ),
    ]
}

fn email_code(params: &Value) -> ApiResult<EmailCode> {
    Ok(EmailCode {
        email: req_str(params, "email")?,
        code: req_str(params, "code")?,
        captcha: opt_str(params, "captcha"),
    })
}

async fn send_email_code(call: Call, params: Value) -> ApiResult<Reply> {
    let input = SendCode {
        email: req_str(&params, "email")?,
        scene: req_str(&params, "scene")?,
        captcha: req_str(&params, "captcha")?,
    };
    rules::send_code(call, input).await?;
    Ok(reply! {})
}

async fn register_user_by_email(call: Call, params: Value) -> ApiResult<Reply> {
    let input = Registration {
        email: req_str(&params, "email")?,
        password: req_str(&params, "password")?,
        code: req_str(&params, "code")?,
        nickname: opt_str(&params, "nickname"),
        invite_code: opt_str(&params, "inviteCode"),
    };
    Ok(signed_in_reply(&rules::register(call, input).await?))
}

async fn reset_pwd_by_email(call: Call, params: Value) -> ApiResult<Reply> {
    let input = ResetPassword {
        email: req_str(&params, "email")?,
        code: req_str(&params, "code")?,
        password: req_str(&params, "password")?,
        captcha: opt_str(&params, "captcha"),
    };
    rules::reset_password(call, input).await?;
    Ok(reply! {})
}

async fn login_by_email_code(call: Call, params: Value) -> ApiResult<Reply> {
    let input = email_code(&params)?;
    let done = rules::login(call, input, opt_str(&params, "inviteCode")).await?;
    Ok(unified_reply(&done))
}

async fn bind_email(call: Call, params: Value) -> ApiResult<Reply> {
    rules::bind(call, email_code(&params)?).await?;
    Ok(reply! {})
}

async fn unbind_email(call: Call, params: Value) -> ApiResult<Reply> {
    rules::unbind(call, req_str(&params, "code")?).await?;
    Ok(reply! {})
}
