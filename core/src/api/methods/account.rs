//! `getAccountInfo`, `updatePwd`, `closeAccount` (spec §1.3 Account / password).

use serde_json::Value;

use crate::accounts::STATUS_CLOSED;
use crate::api::call::{Call, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::db::models::users::{self, UserChanges};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::secret::Secret;
use crate::tokens;
use crate::validator::{Field, MAX_PASSWORD_BYTES, Schema};
use crate::{method, reply};

static NONE: &Schema = &[];
/// `oldPassword` is deliberately not strength-checked (spec §1.3).
static UPDATE_PWD: &Schema = &[
    ("oldPassword", Field::required("string")),
    ("newPassword", Field::required("password")),
];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!("getAccountInfo", Access::Auth, NONE, get_account_info),
        method!("updatePwd", Access::AuthNoRefresh, UPDATE_PWD, update_pwd),
        method!("closeAccount", Access::AuthNoRefresh, NONE, close_account),
    ]
}

async fn get_account_info(call: Call, _params: Value) -> ApiResult<Reply> {
    // The token check already loaded the user row; nothing else to read.
    let user = &call.auth()?.user;
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    Ok(reply! {
        "isUsernameSet" => set(&user.username),
        "isNicknameSet" => set(&user.nickname),
        "isPasswordSet" => set(&user.password),
        "isMobileBound" => set(&user.mobile) && user.mobile_confirmed == 1,
        "isEmailBound" => set(&user.email) && user.email_confirmed == 1,
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
    let user = call.auth()?.user.clone();
    if old.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::new(ErrorCode::PasswordError));
    }
    let secrets = call.effective.password_secrets.clone();
    let verified = call
        .host
        .hasher
        .verify(
            Secret::new(old),
            user.password.clone(),
            user.password_secret_version,
            secrets.clone(),
            false,
        )
        .await?;
    if !verified.ok {
        return Err(ApiError::new(ErrorCode::PasswordError));
    }
    let hash = call.host.hasher.hash(Secret::new(new), secrets).await?;
    let changes = UserChanges {
        password: Some(Some(hash.hash)),
        password_secret_version: Some(hash.version),
        ..Default::default()
    };
    // Every session ends, this one included: the client logs in again (spec §1.3).
    update_and_end_sessions(&call, user.id, changes).await
}

async fn close_account(call: Call, _params: Value) -> ApiResult<Reply> {
    let uid = call.auth()?.uid.clone();
    let changes = UserChanges {
        status: Some(STATUS_CLOSED),
        ..Default::default()
    };
    // uni-id means to end sessions here but never writes it (spec §17.3); unid does.
    update_and_end_sessions(&call, uid, changes).await
}

/// Applies `changes` and revokes every token of the user, in one transaction.
async fn update_and_end_sessions(
    call: &Call,
    uid: String,
    changes: UserChanges,
) -> ApiResult<Reply> {
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                users::update(conn, &uid, &changes)?;
                tokens::revoke_all(conn, &uid, now)?;
                Ok(reply! {})
            })
        })
        .await
}
