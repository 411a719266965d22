//! The uni-id-co methods of the weixin plugin (spec §1.3): thin JSON faces over `rules`.

use serde_json::Value;
use unid_core::plugin::api::{
    Access, Call, MethodSpec, Reply, method, opt_bool, opt_str, reply, req_str, unified_reply,
};
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};
use unid_core::plugin::validator::{Field, Schema};

use crate::rules::{self, PhoneProof};

static LOGIN_BY_WEIXIN: &Schema = &[
    ("code", Field::required("string")),
    ("inviteCode", Field::optional("string")),
];
static LOGIN_BY_WEIXIN_MOBILE: &Schema = &[
    ("phoneCode", Field::required("string")),
    ("inviteCode", Field::optional("string")),
];
static BIND_MOBILE_BY_MP_WEIXIN: &Schema = &[
    ("encryptedData", Field::optional("string")),
    ("iv", Field::optional("string")),
    ("code", Field::optional("string")),
];
static BIND_WEIXIN: &Schema = &[("code", Field::required("string"))];
static NONE: &Schema = &[];
static SECURE_NETWORK_HANDSHAKE: &Schema = &[
    ("code", Field::required("string")),
    ("callLoginByWeixin", Field::optional("boolean")),
];

pub fn all() -> Vec<MethodSpec> {
    vec![
        method!(
            "loginByWeixin",
            Access::Anonymous,
            LOGIN_BY_WEIXIN,
            login_by_weixin
        ),
        method!(
            "loginByWeixinMobile",
            Access::Anonymous,
            LOGIN_BY_WEIXIN_MOBILE,
            login_by_weixin_mobile
        ),
        method!(
            "bindMobileByMpWeixin",
            Access::Auth,
            BIND_MOBILE_BY_MP_WEIXIN,
            bind_mobile_by_mp_weixin
        ),
        method!("bindWeixin", Access::Auth, BIND_WEIXIN, bind_weixin),
        method!("unbindWeixin", Access::Auth, NONE, unbind_weixin),
        method!(
            "secureNetworkHandshakeByWeixin",
            Access::Anonymous,
            SECURE_NETWORK_HANDSHAKE,
            secure_network_handshake
        ),
    ]
}

async fn login_by_weixin(call: Call, params: Value) -> ApiResult<Reply> {
    let code = req_str(&params, "code")?;
    let done = rules::login(call, &code, opt_str(&params, "inviteCode")).await?;
    Ok(unified_reply(&done))
}

async fn login_by_weixin_mobile(call: Call, params: Value) -> ApiResult<Reply> {
    let code = req_str(&params, "phoneCode")?;
    let done = rules::login_by_mobile(call, &code, opt_str(&params, "inviteCode")).await?;
    Ok(unified_reply(&done))
}

async fn bind_mobile_by_mp_weixin(call: Call, params: Value) -> ApiResult<Reply> {
    let proof = match (
        opt_str(&params, "code"),
        opt_str(&params, "encryptedData"),
        opt_str(&params, "iv"),
    ) {
        (Some(code), _, _) => PhoneProof::Code(code),
        (None, Some(data), Some(iv)) => PhoneProof::Encrypted { data, iv },
        // uni-id answers (rather than throws) `uni-id-invalid-param`: the same on the wire.
        _ => return Err(ApiError::new(ErrorCode::InvalidParam)),
    };
    rules::bind_mobile(call, proof).await?;
    Ok(reply! {})
}

async fn bind_weixin(call: Call, params: Value) -> ApiResult<Reply> {
    let code = req_str(&params, "code")?;
    rules::bind_weixin(call, &code).await?;
    Ok(reply! {})
}

async fn unbind_weixin(call: Call, _params: Value) -> ApiResult<Reply> {
    rules::unbind_weixin(call).await?;
    Ok(reply! {})
}

async fn secure_network_handshake(call: Call, params: Value) -> ApiResult<Reply> {
    let code = req_str(&params, "code")?;
    let then_login = opt_bool(&params, "callLoginByWeixin").unwrap_or(false);
    Ok(match rules::handshake(call, &code, then_login).await? {
        Some(done) => unified_reply(&done),
        None => reply! {},
    })
}
