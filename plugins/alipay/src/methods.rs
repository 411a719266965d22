//! The uni-id-co methods of the alipay plugin (spec §1.3): thin JSON faces over `rules`.

use serde_json::Value;
use unid_core::plugin::api::{
    Access, Call, MethodSpec, Reply, method, opt_str, reply, req_str, unified_reply,
};
use unid_core::plugin::error::ApiResult;
use unid_core::plugin::validator::{Field, Schema};

use crate::rules;

static LOGIN_BY_ALIPAY: &Schema = &[
    ("code", Field::required("string")),
    ("inviteCode", Field::optional("string")),
];
static BIND_ALIPAY: &Schema = &[("code", Field::required("string"))];
static NONE: &Schema = &[];

pub fn all() -> Vec<MethodSpec> {
    vec![
        method!(
            "loginByAlipay",
            Access::Anonymous,
            LOGIN_BY_ALIPAY,
            login_by_alipay
        ),
        method!("bindAlipay", Access::Auth, BIND_ALIPAY, bind_alipay),
        method!("unbindAlipay", Access::Auth, NONE, unbind_alipay),
    ]
}

async fn login_by_alipay(call: Call, params: Value) -> ApiResult<Reply> {
    let code = req_str(&params, "code")?;
    let done = rules::login(call, &code, opt_str(&params, "inviteCode")).await?;
    Ok(unified_reply(&done))
}

async fn bind_alipay(call: Call, params: Value) -> ApiResult<Reply> {
    let code = req_str(&params, "code")?;
    rules::bind(call, &code).await?;
    Ok(reply! {})
}

async fn unbind_alipay(call: Call, _params: Value) -> ApiResult<Reply> {
    rules::unbind(call).await?;
    Ok(reply! {})
}
