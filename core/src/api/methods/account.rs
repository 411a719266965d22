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

async fn get_account_info(call: Call, _params: Value) -> ApiResult<Reply> {
    // The token check already loaded the user row; nothing else to read.
    let info = AccountInfo::of(&call.auth()?.user);
    Ok(reply! {
        "isUsernameSet" => info.username_set,
        "isNicknameSet" => info.nickname_set,
        "isPasswordSet" => info.password_set,
        "isMobileBound" => info.mobile_bound,
        "isEmailBound" => info.email_bound,
        // Third-party bindings arrive with their plugins.
        "isWeixinBound" => false,
        "isQQBound" => false,
        "isAlipayBound" => false,
        "isAppleBound" => false,
    })
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
