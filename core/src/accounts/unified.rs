//! Unified login (spec §1.2): log in the account an identity belongs to in this app, or register
//! one. Used by SMS, e-mail-code and one-click logins; atomic per identity like registration.

use crate::accounts::SignedIn;
use crate::accounts::log::{self, Subject};
use crate::accounts::login::finish_login;
use crate::accounts::register::{Registration, register_known_free};
use crate::accounts::{Origin, find_user, status_error};
use crate::db::DbConn;
use crate::db::models::users::{NewUser, UserChanges, UserQuery};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::tokens::IssuedToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginType {
    Login,
    Register,
}

impl LoginType {
    pub fn as_str(self) -> &'static str {
        match self {
            LoginType::Login => "login",
            LoginType::Register => "register",
        }
    }
}

pub struct Unified {
    pub kind: LoginType,
    pub uid: String,
    pub token: IssuedToken,
    pub password_confirmed: bool,
}

/// What to find the account by, and what to write.
pub struct Identity {
    pub query: UserQuery,
    /// Fields of a new account (e.g. `mobile` + `mobile_confirmed`).
    pub new_user: NewUser,
    /// Written on login too (e.g. `mobile_confirmed = 1`).
    pub on_login: UserChanges,
    pub invite_code: Option<String>,
    /// What the log rows record.
    pub subject: Subject,
}

impl Identity {
    /// A mobile number the caller has proven (SMS code, one-click login): found only where it
    /// is confirmed, stored confirmed on a new account, and marked confirmed on login.
    pub fn confirmed_mobile(e164: &str, invite_code: Option<String>, subject: Subject) -> Identity {
        Identity {
            query: UserQuery {
                mobile: Some(e164.to_string()),
                ..Default::default()
            },
            new_user: NewUser {
                mobile: Some(e164.to_string()),
                mobile_confirmed: 1,
                ..Default::default()
            },
            on_login: UserChanges {
                mobile_confirmed: Some(1),
                ..Default::default()
            },
            invite_code,
            subject,
        }
    }
}

/// Logs in or registers by `identity`; writes the login / register log row either way.
pub fn login_or_register(
    conn: &mut DbConn,
    origin: Origin,
    identity: Identity,
) -> ApiResult<Unified> {
    let Identity {
        query,
        new_user,
        on_login,
        invite_code,
        subject,
    } = identity;
    let result = conn.write_tx(|conn| {
        conn.lock_keys(&query.lock_keys())?;
        let found = find_user(conn, &query, &origin.client.app_id)?;
        match found.matched.len() {
            0 => {
                let reg = Registration {
                    query: query.clone(),
                    user: new_user,
                    roles: Vec::new(),
                    invite_code,
                    first_admin: false,
                };
                let SignedIn {
                    uid,
                    token,
                    password_confirmed,
                    ..
                } = register_known_free(conn, origin, reg)?;
                Ok(Unified {
                    kind: LoginType::Register,
                    uid,
                    token,
                    password_confirmed,
                })
            }
            1 => {
                let user = &found.matched[0];
                if let Some(code) = status_error(user.status) {
                    return Err(ApiError::new(code));
                }
                let token = finish_login(conn, origin, user, on_login, &subject)?;
                Ok(Unified {
                    kind: LoginType::Login,
                    uid: user.id.clone(),
                    token,
                    password_confirmed: user.password.is_some(),
                })
            }
            _ => Err(ApiError::new(ErrorCode::AccountConflict)),
        }
    });
    match &result {
        // finish_login already wrote the login row.
        Ok(u) if u.kind == LoginType::Login => {}
        Ok(u) => {
            let subject = Subject {
                user_id: Some(u.uid.clone()),
                ..subject
            };
            log::write(
                conn,
                origin.client,
                origin.now,
                log::REGISTER,
                true,
                &subject,
            );
        }
        Err(_) => log::write(conn, origin.client, origin.now, log::LOGIN, false, &subject),
    }
    result
}
