//! The signed-in user's own account: what is set (`getAccountInfo`), changing the password
//! (`updatePwd`), closing the account (`closeAccount`) — spec §1.3 Account / password — and the
//! profile fields uni-id-pages edits through clientDB (nickname, avatar).

use crate::accounts::{Caller, STATUS_CLOSED};
use crate::db::models::users::{self, UserChanges, UserRow};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::secret::Secret;
use crate::tokens;
use crate::validator::{Field, MAX_PASSWORD_BYTES, Schema};

/// `oldPassword` is deliberately not strength-checked (spec §1.3).
pub static UPDATE_PWD_SCHEMA: &Schema = &[
    ("oldPassword", Field::required("string")),
    ("newPassword", Field::required("password")),
];

/// The nickname as uni-id-pages sets it (the validator's `nickname` rule).
pub static NICKNAME_SCHEMA: &Schema = &[("nickname", Field::required("nickname"))];

/// Sets the signed-in user's nickname (uni-id-pages writes it through clientDB).
pub async fn set_nickname(call: Caller, nickname: String) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let changes = UserChanges {
        nickname: Some(Some(nickname)),
        ..Default::default()
    };
    call.host
        .db
        .run(move |conn| {
            users::update(conn, &uid, &changes)?;
            Ok(())
        })
        .await
}

/// Sets the signed-in user's avatar (`avatar_file` in uni-id's shape, and `avatar`); returns
/// the URL of the one it replaces.
pub async fn set_avatar(
    call: Caller,
    file: crate::avatars::AvatarFile,
) -> ApiResult<Option<String>> {
    let user = call.auth()?.user.clone();
    let changes = UserChanges {
        avatar: Some(Some(file.url.clone())),
        avatar_file: Some(Some(file.to_json())),
        ..Default::default()
    };
    let uid = user.id.clone();
    call.host
        .db
        .run(move |conn| {
            users::update(conn, &uid, &changes)?;
            Ok(())
        })
        .await?;
    Ok(user.avatar)
}

/// `getAccountInfo`'s flags. Third-party bindings arrive with their plugins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountInfo {
    pub username_set: bool,
    pub nickname_set: bool,
    pub password_set: bool,
    pub mobile_bound: bool,
    pub email_bound: bool,
}

impl AccountInfo {
    pub fn of(user: &UserRow) -> AccountInfo {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
        AccountInfo {
            username_set: set(&user.username),
            nickname_set: set(&user.nickname),
            password_set: set(&user.password),
            mobile_bound: set(&user.mobile) && user.mobile_confirmed == 1,
            email_bound: set(&user.email) && user.email_confirmed == 1,
        }
    }
}

/// `updatePwd`: the old password must match; then every session of the user ends, this one
/// included, and the client logs in again (spec §1.3).
pub async fn update_pwd(call: Caller, old: String, new: String) -> ApiResult<()> {
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
    update_and_end_sessions(&call, user.id, changes).await
}

/// `closeAccount`: status 4 and every session ended. uni-id means to end sessions here but
/// never writes it (spec §17.3); unid does.
pub async fn close_account(call: Caller) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let changes = UserChanges {
        status: Some(STATUS_CLOSED),
        ..Default::default()
    };
    update_and_end_sessions(&call, uid, changes).await
}

/// Applies `changes` and revokes every token of the user, in one transaction.
async fn update_and_end_sessions(
    call: &Caller,
    uid: String,
    changes: UserChanges,
) -> ApiResult<()> {
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                users::update(conn, &uid, &changes)?;
                tokens::revoke_all(conn, &uid, now)?;
                Ok(())
            })
        })
        .await
}
