//! The uni-id-co methods of the qq plugin (spec §1.3): thin JSON faces over `rules`.

use serde_json::Value;
use unid_core::plugin::Secret;
use unid_core::plugin::api::{
    Access, Call, MethodSpec, Reply, method, opt_str, reply, unified_reply,
};
use unid_core::plugin::error::ApiResult;
use unid_core::plugin::validator::{Field, Schema};

use crate::rules::{self, Proof};

/// uni-id's schema: each proof is optional here; which one a platform needs is the rule's
/// (`code` in the mini program, `accessToken` in an app).
static LOGIN_BY_QQ: &Schema = &[
    ("code", Field::optional("string")),
    ("accessToken", Field::optional("string")),
    ("accessTokenExpired", Field::optional("number")),
    ("inviteCode", Field::optional("string")),
];
static BIND_QQ: &Schema = &[
    ("code", Field::optional("string")),
    ("accessToken", Field::optional("string")),
    ("accessTokenExpired", Field::optional("number")),
];
static NONE: &Schema = &[];

pub fn all() -> Vec<MethodSpec> {
    vec![
        method!("loginByQQ", Access::Anonymous, LOGIN_BY_QQ, login_by_qq),
        method!("bindQQ", Access::Auth, BIND_QQ, bind_qq),
        method!("unbindQQ", Access::Auth, NONE, unbind_qq),
    ]
}

/// The proof in `params` (the validator has checked the types).
fn proof(params: &Value) -> Proof {
    Proof {
        code: opt_str(params, "code"),
        access_token: opt_str(params, "accessToken").map(Secret::new),
        // Milliseconds since the epoch; JavaScript may send it with a fraction.
        access_token_expired: params.get("accessTokenExpired").and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        }),
    }
}

async fn login_by_qq(call: Call, params: Value) -> ApiResult<Reply> {
    let done = rules::login(call, proof(&params), opt_str(&params, "inviteCode")).await?;
    Ok(unified_reply(&done))
}

async fn bind_qq(call: Call, params: Value) -> ApiResult<Reply> {
    rules::bind_qq(call, proof(&params)).await?;
    Ok(reply! {})
}

async fn unbind_qq(call: Call, _params: Value) -> ApiResult<Reply> {
    rules::unbind_qq(call).await?;
    Ok(reply! {})
}
