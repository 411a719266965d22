//! The uni-id-co methods of the sms plugin (spec §1.3): `sendSmsCode`, `loginBySms`,
//! `bindMobileBySms`, `resetPwdBySms`, `setPwd` — the JSON faces of [`crate::rules`].

use serde_json::Value;
use unid_core::plugin::api::{Access, MethodSpec, Reply, unified_reply};
use unid_core::plugin::api::{Call, opt_str, req_str};
use unid_core::plugin::api::{method, reply};
use unid_core::plugin::error::ApiResult;

use crate::rules::{
    self, BIND_MOBILE_BY_SMS_SCHEMA, LOGIN_BY_SMS_SCHEMA, MobileCode, RESET_PWD_BY_SMS_SCHEMA,
    ResetPassword, SEND_SMS_CODE_SCHEMA, SET_PWD_SCHEMA, SendCode, SetPassword,
};

pub fn all() -> Vec<MethodSpec> {
    vec![
        method!(
            "sendSmsCode",
            Access::Anonymous,
            SEND_SMS_CODE_SCHEMA,
            send_sms_code
        ),
        method!(
            "loginBySms",
            Access::Anonymous,
            LOGIN_BY_SMS_SCHEMA,
            login_by_sms
        ),
        method!(
            "bindMobileBySms",
            Access::Auth,
            BIND_MOBILE_BY_SMS_SCHEMA,
            bind_mobile_by_sms
        ),
        method!(
            "resetPwdBySms",
            Access::Anonymous,
            RESET_PWD_BY_SMS_SCHEMA,
            reset_pwd_by_sms
        ),
        method!("setPwd", Access::Auth, SET_PWD_SCHEMA, set_pwd),
    ]
}

fn mobile_code(params: &Value) -> ApiResult<MobileCode> {
    Ok(MobileCode {
        mobile: req_str(params, "mobile")?,
        code: req_str(params, "code")?,
        captcha: opt_str(params, "captcha"),
    })
}

async fn send_sms_code(call: Call, params: Value) -> ApiResult<Reply> {
    let input = SendCode {
        mobile: req_str(&params, "mobile")?,
        scene: req_str(&params, "scene")?,
        captcha: req_str(&params, "captcha")?,
    };
    rules::send_code(call, input).await?;
    Ok(reply! {})
}

async fn login_by_sms(call: Call, params: Value) -> ApiResult<Reply> {
    let input = mobile_code(&params)?;
    let done = rules::login(call, input, opt_str(&params, "inviteCode")).await?;
    Ok(unified_reply(&done))
}

async fn bind_mobile_by_sms(call: Call, params: Value) -> ApiResult<Reply> {
    rules::bind_mobile(call, mobile_code(&params)?).await?;
    Ok(reply! {})
}

async fn reset_pwd_by_sms(call: Call, params: Value) -> ApiResult<Reply> {
    let input = ResetPassword {
        mobile: req_str(&params, "mobile")?,
        code: req_str(&params, "code")?,
        password: req_str(&params, "password")?,
        captcha: opt_str(&params, "captcha"),
    };
    rules::reset_password(call, input).await?;
    Ok(reply! {})
}

async fn set_pwd(call: Call, params: Value) -> ApiResult<Reply> {
    let input = SetPassword {
        password: req_str(&params, "password")?,
        code: req_str(&params, "code")?,
        captcha: opt_str(&params, "captcha"),
    };
    rules::set_password(call, input).await?;
    Ok(reply! {})
}
