//! Binding and unbinding a third-party account (WeChat, QQ, Alipay, Apple, or another
//! plugin's provider) to the signed-in user: spec §1.3 Binding / unbinding, preBind and
//! preUnBind.
//!
//! Bind: if any account of this app already answers to the ids — the user included — the
//! answer is `uni-id-bind-conflict`; the check and the write are atomic per id (its lock, and
//! the ledger's uniqueness behind it). Unbind: the user must hold an id at the provider, and
//! must keep a way to sign in afterwards.

use crate::accounts::log::{self, Subject};
use crate::accounts::unified::set_third_party;
use crate::accounts::{Origin, find_user};
use crate::db::DbConn;
use crate::db::models::third_party::{self, ThirdPartyId};
use crate::db::models::users::{self, UserQuery, UserRow};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// Binds the provider account behind `lookup` (the ids an account is found by, e.g. this
/// platform's openid and the unionid) to user `uid`, writing `ids` (those and the copies uni-id
/// keeps, e.g. `wx_openid.<p>_<appId>`). Writes a `log_type` row either way.
pub fn bind(
    conn: &mut DbConn,
    origin: Origin,
    uid: &str,
    lookup: Vec<ThirdPartyId>,
    ids: &[ThirdPartyId],
    log_type: &str,
) -> ApiResult<()> {
    let query = UserQuery {
        third_party: lookup,
        ..Default::default()
    };
    let result = conn.write_tx(|conn| {
        conn.lock_keys(&query.lock_keys())?;
        let found = find_user(conn, &query, &origin.client.app_id)?;
        if !found.matched.is_empty() {
            return Err(ApiError::new(ErrorCode::BindConflict));
        }
        set_third_party(conn, uid, ids)
    });
    log::write(
        conn,
        origin.client,
        origin.now,
        log_type,
        result.is_ok(),
        &Subject {
            user_id: Some(uid.to_string()),
            ..Default::default()
        },
    );
    result
}

/// Removes every id the user holds at `provider`. Writes a `log_type` row either way.
pub fn unbind(
    conn: &mut DbConn,
    origin: Origin,
    uid: &str,
    provider: &str,
    log_type: &str,
) -> ApiResult<()> {
    let result = conn.write_tx(|conn| remove(conn, uid, provider).map(|_| ()));
    log::write(
        conn,
        origin.client,
        origin.now,
        log_type,
        result.is_ok(),
        &Subject {
            user_id: Some(uid.to_string()),
            ..Default::default()
        },
    );
    result
}

/// preUnBind and the removal, inside the caller's transaction: the user must hold an id at
/// `provider` and keep a way in without it. The ids removed.
pub(crate) fn remove(conn: &mut DbConn, uid: &str, provider: &str) -> ApiResult<Vec<ThirdPartyId>> {
    let user =
        users::find_by_id(conn, uid)?.ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
    let (removed, kept): (Vec<ThirdPartyId>, Vec<ThirdPartyId>) = third_party::of_user(conn, uid)?
        .into_iter()
        .partition(|id| id.provider == provider);
    if removed.is_empty() {
        return Err(ApiError::new(ErrorCode::UnbindFailed));
    }
    if let Some(code) = last_way_in(&user, !kept.is_empty()) {
        return Err(ApiError::new(code));
    }
    third_party::remove_provider(conn, uid, provider)?;
    users::sync_identities(conn, uid)?;
    Ok(removed)
}

/// Why removing a sign-in method would leave `user` without one (preUnBind), if it would:
/// with no other third-party account, the user needs a password to go with a username or
/// e-mail, or a confirmed mobile for SMS codes.
///
/// uni-id's check reads `(username || email) && !password` → password missing, else `!mobile`
/// → mobile missing, which also refuses a user who signs in with a username and password
/// but has no mobile. unid refuses only when no way in would be left.
pub fn last_way_in(user: &UserRow, other_third_party: bool) -> Option<ErrorCode> {
    let named = user.username.is_some() || (user.email.is_some() && user.email_confirmed == 1);
    let mobile = user.mobile.is_some() && user.mobile_confirmed == 1;
    if other_third_party || (named && user.password.is_some()) || mobile {
        None
    } else if user.username.is_some() || user.email.is_some() {
        Some(ErrorCode::UnbindPasswordNotExists)
    } else {
        Some(ErrorCode::UnbindMobileNotExists)
    }
}

/// The user's third-party ids, for a profile or the console.
pub fn ids_of(conn: &mut DbConn, uid: &str) -> ApiResult<Vec<ThirdPartyId>> {
    Ok(third_party::of_user(conn, uid)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(username: bool, password: bool, mobile: bool, email: bool) -> UserRow {
        UserRow {
            id: "u".into(),
            username: username.then(|| "name".to_string()),
            password: password.then(|| "hash".to_string()),
            password_secret_version: None,
            nickname: None,
            gender: None,
            avatar: None,
            avatar_file: None,
            mobile: mobile.then(|| "+8613800138000".to_string()),
            mobile_confirmed: i32::from(mobile),
            email: email.then(|| "a@example.com".to_string()),
            email_confirmed: i32::from(email),
            status: 0,
            my_invite_code: None,
            inviter_uid: None,
            invite_time: None,
            register_date: None,
            register_env: None,
            last_login_date: None,
            last_login_ip: None,
            valid_token_date: None,
            tags: None,
            extra: None,
        }
    }

    #[test]
    fn the_last_way_in_is_kept() {
        // Only WeChat: nothing else to sign in with.
        assert_eq!(
            last_way_in(&user(false, false, false, false), false),
            Some(ErrorCode::UnbindMobileNotExists)
        );
        // Another provider is left.
        assert_eq!(last_way_in(&user(false, false, false, false), true), None);
        // A username without a password cannot sign in.
        assert_eq!(
            last_way_in(&user(true, false, false, false), false),
            Some(ErrorCode::UnbindPasswordNotExists)
        );
        // A username and password (uni-id would refuse this one for want of a mobile).
        assert_eq!(last_way_in(&user(true, true, false, false), false), None);
        // A confirmed mobile signs in by SMS.
        assert_eq!(last_way_in(&user(false, false, true, false), false), None);
        assert_eq!(last_way_in(&user(false, true, false, true), false), None);
    }
}
