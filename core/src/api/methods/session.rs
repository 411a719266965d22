//! `logout`, `refreshToken` (spec §1.3 Login, Token).

use diesel::prelude::*;
use serde_json::Value;

use crate::accounts::log::{self, Subject};
use crate::api::call::Call;
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::db::schema::devices;
use crate::db_run;
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
    let uid = call.auth()?.uid.clone();
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            tokens::revoke(conn, &call.token)?;
            if let Some(device) = &call.client.device_id {
                db_run!(conn: {
                    diesel::update(devices::table.filter(devices::device_id.eq(device)).filter(devices::user_id.eq(&uid)))
                        .set(devices::token_expired.eq(0))
                        .execute(conn)
                })?;
            }
            let subject = Subject {
                user_id: Some(uid),
                ..Default::default()
            };
            log::write(conn, &call.client, now, log::LOGOUT, true, &subject);
            Ok(reply! {})
        })
        .await
}

async fn refresh_token(call: Call, _params: Value) -> ApiResult<Reply> {
    if call.token.is_empty() {
        return Err(ApiError::new(ErrorCode::CheckTokenFailed));
    }
    let issued = tokens::refresh(&call.host, &call.token, &call.effective, &call.client).await?;
    Ok(reply! { "newToken" => issued.to_json() })
}
