//! Unified login (spec §1.2): log in the account an identity belongs to in this app, or register
//! one. Used by SMS, e-mail-code, one-click and third-party logins (WeChat, Apple, QQ, Alipay);
//! atomic per identity like registration: the identity's lock is held from the lookup to the
//! insert, and the uniqueness ledger backs it up.

use crate::accounts::SignedIn;
use crate::accounts::log::{self, Subject};
use crate::accounts::login::finish_login;
use crate::accounts::register::{Registration, register_known_free};
use crate::accounts::{Origin, find_user, status_error};
use crate::avatars::AvatarFile;
use crate::db::models::third_party::{self, ThirdPartyId};
use crate::db::models::users::{self, NewUser, UserChanges, UserQuery};
use crate::db::{DbConn, is_unique_violation};
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

impl Unified {
    /// The session it began, as the pages sign a visitor in with.
    pub fn signed_in(&self) -> SignedIn {
        SignedIn {
            uid: self.uid.clone(),
            token: self.token.clone(),
            password_confirmed: self.password_confirmed,
            device_token: None,
        }
    }
}

/// What to find the account by, and what to write.
#[derive(Debug, Clone)]
pub struct Identity {
    pub query: UserQuery,
    /// Fields of a new account (e.g. `mobile` + `mobile_confirmed`).
    pub new_user: NewUser,
    /// Written on login too (e.g. `mobile_confirmed = 1`).
    pub on_login: UserChanges,
    /// Third-party ids a new account gets (e.g. `wx_openid.app`, `wx_openid.app___UNI_A`,
    /// `wx_unionid`).
    pub new_ids: Vec<ThirdPartyId>,
    /// Third-party ids set on login too (uni-id's `extraData`: `wx_openid.<p>_<appId>`,
    /// `wx_unionid`), each replacing the value in its slot.
    pub login_ids: Vec<ThirdPartyId>,
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
            new_ids: Vec::new(),
            login_ids: Vec::new(),
            invite_code,
            subject,
        }
    }

    /// An e-mail address the caller has proven (a code): found only where it is confirmed,
    /// stored confirmed on a new account.
    pub fn confirmed_email(email: &str, invite_code: Option<String>, subject: Subject) -> Identity {
        Identity {
            query: UserQuery {
                email: Some(email.to_string()),
                ..Default::default()
            },
            new_user: NewUser {
                email: Some(email.to_string()),
                email_confirmed: 1,
                ..Default::default()
            },
            on_login: UserChanges::default(),
            new_ids: Vec::new(),
            login_ids: Vec::new(),
            invite_code,
            subject,
        }
    }

    /// Ids at a third-party provider: the account holding any of `query_ids` in this app (its
    /// openid on this platform, or the unionid) is logged in and gets `login_ids`; else a new
    /// account is made with `new_ids` (and the profile of [`Identity::with_profile`]).
    pub fn third_party(
        query_ids: Vec<ThirdPartyId>,
        new_ids: Vec<ThirdPartyId>,
        login_ids: Vec<ThirdPartyId>,
        invite_code: Option<String>,
    ) -> Identity {
        Identity {
            query: UserQuery {
                third_party: query_ids,
                ..Default::default()
            },
            new_user: NewUser::default(),
            on_login: UserChanges::default(),
            new_ids,
            login_ids,
            invite_code,
            subject: Subject::default(),
        }
    }

    /// What a new account starts with: the provider's nickname, gender and avatar.
    pub fn with_profile(mut self, profile: Profile) -> Identity {
        if let Some(uid) = profile.uid {
            self.new_user.id = uid;
        }
        self.new_user.nickname = profile.nickname.or(self.new_user.nickname);
        self.new_user.gender = profile.gender.or(self.new_user.gender);
        if let Some(file) = profile.avatar_file {
            self.new_user.avatar_file = Some(file.to_json());
        }
        self
    }

    /// Also writes `nickname` when logging in (uni-id's `loginByApple` does).
    pub fn nickname_on_login(mut self, nickname: Option<String>) -> Identity {
        if nickname.is_some() {
            self.on_login.nickname = Some(nickname);
        }
        self
    }
}

/// What a provider tells about a new account.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The uid to register it under, when something was stored under it already (its avatar,
    /// see [`new_uid`]); else one is made.
    pub uid: Option<String>,
    pub nickname: Option<String>,
    /// uni-id's 0 unknown, 1 male, 2 female.
    pub gender: Option<i32>,
    pub avatar_file: Option<AvatarFile>,
}

/// A fresh uid, for storing a new account's avatar before registering it.
pub fn new_uid(now: i64) -> String {
    crate::ids::new_id(now)
}

/// The account an identity belongs to in this app, if exactly one (a read, no lock: a
/// provider's extra work for a new account — its profile, its avatar — is done before
/// [`login_or_register`], which decides again under the identity's lock).
pub fn existing_account(
    conn: &mut DbConn,
    app_id: &str,
    identity: &Identity,
) -> ApiResult<Option<String>> {
    let found = find_user(conn, &identity.query, app_id)?;
    Ok(match found.matched.as_slice() {
        [one] => Some(one.id.clone()),
        _ => None,
    })
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
        new_ids,
        login_ids,
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
                    third_party: new_ids,
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
                if !login_ids.is_empty() {
                    // Usually all are there already: write (and re-derive the ledger) only
                    // when one is new or changed.
                    let held = third_party::of_user(conn, &user.id)?;
                    let changed: Vec<ThirdPartyId> = login_ids
                        .into_iter()
                        .filter(|id| !held.contains(id))
                        .collect();
                    if !changed.is_empty() {
                        set_third_party(conn, &user.id, &changed)?;
                    }
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

/// Sets third-party ids on a user and re-derives the uniqueness ledger; a value another account
/// of one of the user's apps holds is `uni-id-bind-conflict`.
pub(crate) fn set_third_party(conn: &mut DbConn, uid: &str, ids: &[ThirdPartyId]) -> ApiResult<()> {
    third_party::set(conn, uid, ids)?;
    users::sync_identities(conn, uid).map_err(|e| {
        if is_unique_violation(&e) {
            ApiError::new(ErrorCode::BindConflict).detail("third-party id held by another account")
        } else {
            e.into()
        }
    })
}
