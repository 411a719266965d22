//! Setting a password with a proven mobile number or e-mail address: the rules behind
//! `resetPwdBySms`, `resetPwdByEmail` and `setPwd` (spec §1.3 Account / password), for the
//! plugins that prove the identifier.

use crate::accounts::bind::Bindable;
use crate::accounts::find_user;
use crate::db::DbConn;
use crate::db::models::users::{self, UserChanges};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::passwords::NewHash;
use crate::tokens;

/// Gives the one account of app `app_id` that answers to `proven` the password `hash`, and
/// ends every session of it (spec §6.9; at once here). The account's uid.
pub fn reset_password(
    conn: &mut DbConn,
    app_id: &str,
    proven: &Bindable,
    hash: &NewHash,
    now: i64,
) -> ApiResult<String> {
    let found = find_user(conn, &proven.query(), app_id)?;
    let mut matched = found.matched.into_iter();
    let user = match (matched.next(), matched.next()) {
        (Some(user), None) => user,
        (Some(_), Some(_)) => return Err(ApiError::new(ErrorCode::AccountConflict)),
        (None, _) if found.total > 0 => {
            return Err(ApiError::new(ErrorCode::AccountNotExistsInCurrentApp));
        }
        (None, _) => return Err(ApiError::new(ErrorCode::AccountNotExists)),
    };
    set_password(conn, &user.id, hash, true, now)?;
    Ok(user.id)
}

/// Writes user `uid`'s password; `end_sessions` revokes every token of the user (a reset, or
/// a password replaced), in the same transaction.
pub fn set_password(
    conn: &mut DbConn,
    uid: &str,
    hash: &NewHash,
    end_sessions: bool,
    now: i64,
) -> ApiResult<()> {
    conn.write_tx(|conn| {
        users::update(
            conn,
            uid,
            &UserChanges {
                password: Some(Some(hash.hash.clone())),
                password_secret_version: Some(hash.version),
                ..Default::default()
            },
        )?;
        if end_sessions {
            tokens::revoke_all(conn, uid, now)?;
        }
        Ok(())
    })
}
