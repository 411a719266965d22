//! `logout`, `refreshToken` (spec §1.3 Login, Token).

use serde_json::Value;

use crate::accounts::session;
use crate::api::call::Call;
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::tokens;
use crate::validator::Schema;
use crate::{method, reply};

static NONE: &Schema = &[];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!("logout", Access::AuthNoRefresh, NONE, logout),
        method!("refreshToken", Access::Anonymous, NONE, refresh_token),
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
