//! Binding a mobile number or an e-mail address to the current user (spec §1.3 Binding).
//!
//! uni-id's rule: if any account in this app already has the identifier — the user included —
//! the answer is `uni-id-bind-conflict`. The check and the write are atomic per identifier.

use crate::accounts::log::{self, Subject};
use crate::accounts::{Origin, find_user};
use crate::db::models::users::{self, UserChanges, UserQuery};
use crate::db::{DbConn, is_unique_violation};
use crate::error::{ApiError, ApiResult, ErrorCode};

pub const BIND_MOBILE: &str = "bind-mobile";
pub const BIND_EMAIL: &str = "bind-email";
pub const UNBIND_EMAIL: &str = "unbind-email";

/// A mobile number or e-mail address the caller has proven (by a code, a one-click token…):
/// what bind, unbind and password resets act on.
#[derive(Debug, Clone)]
pub enum Bindable {
    /// E.164.
    Mobile(String),
    /// Lower-cased.
    Email(String),
}

impl Bindable {
    /// The accounts answering to it (confirmed only, spec §1.2).
    pub(crate) fn query(&self) -> UserQuery {
        match self {
            Bindable::Mobile(m) => UserQuery {
                mobile: Some(m.clone()),
                ..Default::default()
            },
            Bindable::Email(e) => UserQuery {
                email: Some(e.clone()),
                ..Default::default()
            },
        }
    }

    fn changes(&self) -> UserChanges {
        match self {
            Bindable::Mobile(m) => UserChanges {
                mobile: Some(Some(m.clone())),
                mobile_confirmed: Some(1),
                ..Default::default()
            },
            Bindable::Email(e) => UserChanges {
                email: Some(Some(e.clone())),
                email_confirmed: Some(1),
                ..Default::default()
            },
        }
    }

    fn subject(&self, uid: &str) -> Subject {
        let mut s = Subject {
            user_id: Some(uid.to_string()),
            ..Default::default()
        };
        match self {
            Bindable::Mobile(m) => s.mobile = Some(m.clone()),
            Bindable::Email(e) => s.email = Some(e.clone()),
        }
        s
    }
}

/// Binds `what` to user `uid`; writes a `log_type` row either way.
pub fn bind(
    conn: &mut DbConn,
    origin: Origin,
    uid: &str,
    what: &Bindable,
    log_type: &str,
) -> ApiResult<()> {
    let query = what.query();
    let result = conn.write_tx(|conn| {
        conn.lock_keys(&query.lock_keys())?;
        let found = find_user(conn, &query, &origin.client.app_id)?;
        if !found.matched.is_empty() {
            return Err(ApiError::new(ErrorCode::BindConflict));
        }
        users::update(conn, uid, &what.changes()).map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::new(ErrorCode::BindConflict)
            } else {
                e.into()
            }
        })?;
        Ok(())
    });
    log::write(
        conn,
        origin.client,
        origin.now,
        log_type,
        result.is_ok(),
        &what.subject(uid),
    );
    result
}

/// Removes the user's e-mail. Like uni-id's unbind rules, refused when it is the only way left
/// to log in (no password and no mobile).
pub fn unbind_email(conn: &mut DbConn, origin: Origin, uid: &str) -> ApiResult<()> {
    let user =
        users::find_by_id(conn, uid)?.ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
    let subject = Subject {
        user_id: Some(uid.to_string()),
        email: user.email.clone(),
        ..Default::default()
    };
    let result = if user.email.is_none() || user.email_confirmed != 1 {
        Err(ApiError::new(ErrorCode::UnbindFailed))
    } else if user.password.is_none() && !(user.mobile.is_some() && user.mobile_confirmed == 1) {
        Err(ApiError::new(if user.username.is_some() {
            ErrorCode::UnbindPasswordNotExists
        } else {
            ErrorCode::UnbindMobileNotExists
        }))
    } else {
        users::update(
            conn,
            uid,
            &UserChanges {
                email: Some(None),
                email_confirmed: Some(0),
                ..Default::default()
            },
        )
        .map(|_| ())
        .map_err(ApiError::from)
    };
    log::write(
        conn,
        origin.client,
        origin.now,
        UNBIND_EMAIL,
        result.is_ok(),
        &subject,
    );
    result
}
