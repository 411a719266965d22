//! `getAccountInfo`, `updatePwd`, `closeAccount` (spec §1.3 Account / password): the JSON faces
//! of [`accounts::account`](crate::accounts::account).

use serde_json::Value;

use crate::accounts::account::{self, AccountInfo, UPDATE_PWD_SCHEMA};
use crate::api::call::{Call, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::error::ApiResult;
use crate::validator::Schema;
use crate::{method, reply};

static NONE: &Schema = &[];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!("getAccountInfo", Access::Auth, NONE, get_account_info),
        method!(
            "updatePwd",
            Access::AuthNoRefresh,
            UPDATE_PWD_SCHEMA,
            update_pwd
        ),
        method!("closeAccount", Access::AuthNoRefresh, NONE, close_account),
    ]
}

/// uni-id's third-party flags, always in the answer (false when no plugin answers them).
const THIRD_PARTY_FLAGS: [&str; 4] = [
    "isWeixinBound",
    "isQQBound",
    "isAlipayBound",
    "isAppleBound",
];

async fn get_account_info(call: Call, _params: Value) -> ApiResult<Reply> {
    // The token check already loaded the user row.
    let info = AccountInfo::of(&call.auth()?.user);
    let mut reply = reply! {
        "isUsernameSet" => info.username_set,
        "isNicknameSet" => info.nickname_set,
        "isPasswordSet" => info.password_set,
        "isMobileBound" => info.mobile_bound,
        "isEmailBound" => info.email_bound,
    };
    for flag in THIRD_PARTY_FLAGS {
        reply.insert(flag.to_string(), Value::Bool(false));
    }
    let flags: Vec<(&str, &str)> = call
        .host
        .plugins
        .iter()
        .flat_map(|p| p.account_flags())
        .collect();
    if !flags.is_empty() {
        let uid = call.auth()?.uid.clone();
        let linked = call
            .host
            .db
            .run(move |conn| crate::accounts::third_party::ids_of(conn, &uid))
            .await?;
        for (flag, provider) in flags {
            let bound = linked.iter().any(|id| id.provider == provider);
            reply.insert(flag.to_string(), Value::Bool(bound));
        }
    }
    Ok(reply)
}

async fn update_pwd(call: Call, params: Value) -> ApiResult<Reply> {
    let old = req_str(&params, "oldPassword")?;
    let new = req_str(&params, "newPassword")?;
    account::update_pwd(call, old, new).await?;
    Ok(reply! {})
}

async fn close_account(call: Call, _params: Value) -> ApiResult<Reply> {
    account::close_account(call).await?;
    Ok(reply! {})
}
