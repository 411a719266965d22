//! Accounts: finding users by identifier within an app, registering and logging in, the login
//! log. Methods and plugins call these instead of touching tables.

pub mod account;
pub mod admin;
pub mod apps;
pub mod audit;
pub mod bind;
pub mod caller;
pub mod catalog;
pub mod client;
pub mod credentials;
pub mod device;
pub mod devices;
pub mod external;
pub mod invite;
pub mod log;
pub mod login;
pub mod phone;
pub mod realname;
pub mod register;
pub mod reset;
pub mod roles;
pub mod seed;
pub mod session;
pub mod third_party;
pub mod unified;
pub mod users_admin;

pub use caller::{Caller, CodeAttempt};
pub use client::{ClientInfo, DeviceInfo};

use crate::config::Effective;
use crate::db::DbConn;
use crate::db::models::users::{self, UserQuery, UserRow};
use crate::error::ErrorCode;

/// Where a request comes from: what registration and login record and sign tokens with.
#[derive(Clone, Copy)]
pub struct Origin<'a> {
    pub now: i64,
    pub effective: &'a Effective,
    pub client: &'a ClientInfo,
    /// The token the request carried ('' when none): a new login or registration revokes it.
    pub token: &'a str,
    /// unid's limits (registrations per IP among them).
    pub throttle: &'a crate::config::ThrottleConfig,
}

/// A session just begun by a login or a registration (uni-id answers `uid`, `newToken`,
/// `passwordConfirmed`).
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub uid: String,
    pub token: crate::tokens::IssuedToken,
    /// Whether the account has a password (uni-id-pages offers to set one when not).
    pub password_confirmed: bool,
    /// A password login's device token (see [`device`]); `None` for other sign-ins.
    pub device_token: Option<String>,
}

/// `findUser` (spec §1.2): every match, and those allowed in the current app.
#[derive(Debug, Default)]
pub struct Found {
    pub total: usize,
    pub matched: Vec<UserRow>,
    /// A match outside the app, kept to tell "not in this app" from "no such account".
    pub elsewhere: Option<UserRow>,
}

pub fn find_user(conn: &mut DbConn, query: &UserQuery, app_id: &str) -> diesel::QueryResult<Found> {
    let all = users::find_matching(conn, query)?;
    let mut found = Found {
        total: all.len(),
        ..Found::default()
    };
    for user in all {
        let apps = users::apps_of(conn, &user.id)?;
        if is_match_user_app(&apps, app_id) {
            found.matched.push(user);
        } else if found.elsewhere.is_none() {
            found.elsewhere = Some(user);
        }
    }
    Ok(found)
}

/// `isMatchUserApp` (spec §1.2) over the `user_apps` rows: `*` allows every app; no rows allow
/// none (uni-id's `dcloud_appid: []`).
pub fn is_match_user_app(apps: &[String], app_id: &str) -> bool {
    apps.iter().any(|a| a == "*" || a == app_id)
}

/// The error for a user's `status` (spec §1.2 preLogin), if it bars logging in.
pub fn status_error(status: i32) -> Option<ErrorCode> {
    match status {
        1 => Some(ErrorCode::AccountBanned),
        2 => Some(ErrorCode::AccountAuditing),
        3 => Some(ErrorCode::AccountAuditFailed),
        4 => Some(ErrorCode::AccountClosed),
        _ => None,
    }
}

pub const STATUS_NORMAL: i32 = 0;
pub const STATUS_BANNED: i32 = 1;
pub const STATUS_CLOSED: i32 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_matching_follows_dcloud_appid() {
        let apps = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(is_match_user_app(&apps(&["*"]), "__UNI__A"));
        assert!(is_match_user_app(&apps(&["__UNI__A"]), "__UNI__A"));
        assert!(!is_match_user_app(&apps(&["__UNI__B"]), "__UNI__A"));
        assert!(
            !is_match_user_app(&apps(&[]), "__UNI__A"),
            "empty list allows no app"
        );
    }
}
