//! `logout`, `refreshToken`, `setPushCid` (spec §1.3 Login, Token).

use serde_json::Value;

use crate::accounts::{devices, session};
use crate::api::call::{Call, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::tokens;
use crate::validator::{Field, Schema};
use crate::{method, reply};

static NONE: &Schema = &[];
static PUSH: &Schema = &[("pushClientId", Field::required("string"))];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!("logout", Access::AuthNoRefresh, NONE, logout),
        method!("refreshToken", Access::Anonymous, NONE, refresh_token),
        method!("setPushCid", Access::Auth, PUSH, set_push_cid),
    ]
}

async fn logout(call: Call, _params: Value) -> ApiResult<Reply> {
    session::logout(call).await?;
    Ok(reply! {})
}

async fn refresh_token(call: Call, _params: Value) -> ApiResult<Reply> {
    if call.token.is_empty() {
        return Err(ApiError::new(ErrorCode::CheckTokenFailed));
    }
    let issued = tokens::refresh(&call.host, &call.token, &call.effective, &call.client).await?;
    Ok(reply! { "newToken" => issued.to_json() })
}

async fn set_push_cid(call: Call, params: Value) -> ApiResult<Reply> {
    devices::set_push_cid(call, req_str(&params, "pushClientId")?).await?;
    Ok(reply! {})
}
