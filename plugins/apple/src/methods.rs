//! The uni-id-co methods of the apple plugin (spec §1.3): thin JSON faces over `rules`.

use serde_json::Value;
use unid_core::plugin::api::{
    Access, Call, MethodSpec, Reply, method, opt_str, reply, req_str, unified_reply,
};
use unid_core::plugin::error::ApiResult;
use unid_core::plugin::validator::{Field, Schema};

use crate::rules::{self, Audience};

/// `nonce` is unid's: when the client asked Apple for one, the token must carry it.
static LOGIN_BY_APPLE: &Schema = &[
    ("identityToken", Field::required("string")),
    ("nickname", Field::optional("nickname")),
    ("inviteCode", Field::optional("string")),
    ("nonce", Field::optional("string")),
];
static BIND_APPLE: &Schema = &[
    ("identityToken", Field::required("string")),
    ("nonce", Field::optional("string")),
];
static NONE: &Schema = &[];

pub fn all() -> Vec<MethodSpec> {
    vec![
        method!(
            "loginByApple",
            Access::Anonymous,
            LOGIN_BY_APPLE,
            login_by_apple
        ),
        method!("bindApple", Access::Auth, BIND_APPLE, bind_apple),
        method!("unbindApple", Access::Auth, NONE, unbind_apple),
    ]
}

async fn login_by_apple(call: Call, params: Value) -> ApiResult<Reply> {
    let token = req_str(&params, "identityToken")?;
    let nonce = opt_str(&params, "nonce");
    let done = rules::login(
        call,
        &token,
        Audience::App,
        nonce.as_deref(),
        opt_str(&params, "nickname"),
        opt_str(&params, "inviteCode"),
    )
    .await?;
    Ok(unified_reply(&done))
}

async fn bind_apple(call: Call, params: Value) -> ApiResult<Reply> {
    let token = req_str(&params, "identityToken")?;
    let nonce = opt_str(&params, "nonce");
    rules::bind_apple(call, &token, Audience::App, nonce.as_deref()).await?;
    Ok(reply! {})
}

async fn unbind_apple(call: Call, _params: Value) -> ApiResult<Reply> {
    rules::unbind_apple(call).await?;
    Ok(reply! {})
}
