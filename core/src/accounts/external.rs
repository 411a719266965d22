//! Accounts of another system (spec §1.3 External, §14.2): a server that has its own users
//! registers them here by its own id (`externalUid`), signs them in, and updates them. The
//! signature is checked before any of this runs (see the API's `signature`); these are the
//! rules only. The external id is a third-party id (`externalDirectConnect`), so it is unique
//! within an app by the same ledger as WeChat's openids.

use crate::accounts::log::Subject;
use crate::accounts::login::finish_login;
use crate::accounts::register::{self, Registration};
use crate::accounts::users_admin::{self, AccountUpdate};
use crate::accounts::{Caller, SignedIn, audit::Actor, find_user, status_error};
use crate::avatars::AvatarFile;
use crate::db::DbConn;
use crate::db::models::third_party::ThirdPartyId;
use crate::db::models::users::{NewUser, UserChanges, UserQuery, UserRow};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// uni-id's provider name for these accounts (`identities[].provider`).
pub const PROVIDER: &str = "externalDirectConnect";

fn external_id(external_uid: &str) -> ThirdPartyId {
    ThirdPartyId::new(PROVIDER, "uid", "", external_uid)
}

/// How a call names the account: unid's uid, or the other system's.
#[derive(Debug, Clone)]
pub enum Who {
    Uid(String),
    External(String),
}

impl Who {
    /// `uid` wins when both are given (uni-id reads it first); neither is
    /// `uni-id-param-required` for `uid or externalUid`.
    pub fn of(uid: Option<String>, external_uid: Option<String>) -> ApiResult<Who> {
        match (uid, external_uid) {
            (Some(uid), _) => Ok(Who::Uid(uid)),
            (None, Some(ext)) => Ok(Who::External(ext)),
            (None, None) => Err(ApiError::param_required("uid or externalUid")),
        }
    }

    fn query(&self) -> UserQuery {
        match self {
            Who::Uid(uid) => UserQuery {
                id: Some(uid.clone()),
                ..Default::default()
            },
            Who::External(ext) => UserQuery {
                third_party: vec![external_id(ext)],
                ..Default::default()
            },
        }
    }
}

/// What `externalRegister` is given.
#[derive(Debug, Clone, Default)]
pub struct ExternalProfile {
    pub external_uid: String,
    pub nickname: Option<String>,
    pub gender: Option<i32>,
    pub avatar: Option<String>,
}

/// `externalRegister`: a new account for the other system's user; `uni-id-account-exists` if
/// this app already has one for that id.
pub async fn register(call: Caller, profile: ExternalProfile) -> ApiResult<SignedIn> {
    let id = external_id(&profile.external_uid);
    let user = NewUser {
        nickname: profile.nickname,
        gender: profile.gender,
        avatar_file: profile
            .avatar
            .as_deref()
            .map(|url| AvatarFile::from_url(url).to_json()),
        avatar: profile.avatar,
        ..Default::default()
    };
    let registration = Registration {
        query: UserQuery {
            third_party: vec![id.clone()],
            ..Default::default()
        },
        user,
        third_party: vec![id],
        roles: Vec::new(),
        invite_code: None,
        first_admin: false,
    };
    let now = call.now();
    let outcome = {
        let call = call.clone();
        call.host
            .db
            .clone()
            .run(move |conn| register::register(conn, call.origin(now), registration))
            .await
    };
    if outcome.is_err() {
        call.log_failure(crate::accounts::log::REGISTER, None).await;
    }
    outcome
}

/// The one account `who` names in the caller's app (`preLogin`, spec §1.2).
fn the_account(conn: &mut DbConn, who: &Who, app_id: &str) -> ApiResult<UserRow> {
    let found = find_user(conn, &who.query(), app_id)?;
    match found.matched.len() {
        1 => Ok(found.matched.into_iter().next().expect("one match")),
        0 if found.total > 0 => Err(ApiError::new(ErrorCode::AccountNotExists)
            .message("uni-id-account-not-exists-in-current-app")),
        0 => Err(ApiError::new(ErrorCode::AccountNotExists)),
        _ => Err(ApiError::new(ErrorCode::AccountConflict)),
    }
}

/// `externalLogin`: a session for the account `who` names.
pub async fn login(call: Caller, who: Who) -> ApiResult<SignedIn> {
    let now = call.now();
    let outcome = {
        let call = call.clone();
        call.host
            .db
            .clone()
            .run(move |conn| {
                conn.write_tx(|conn| {
                    let user = the_account(conn, &who, &call.client.app_id)?;
                    if let Some(code) = status_error(user.status) {
                        return Err(ApiError::new(code));
                    }
                    let subject = Subject {
                        user_id: Some(user.id.clone()),
                        ..Default::default()
                    };
                    let token = finish_login(
                        conn,
                        call.origin(now),
                        &user,
                        UserChanges::default(),
                        &subject,
                    )?;
                    Ok(SignedIn {
                        uid: user.id.clone(),
                        token,
                        password_confirmed: user.password.is_some(),
                        device_token: None,
                    })
                })
            })
            .await
    };
    if outcome.is_err() {
        call.log_failure(crate::accounts::log::LOGIN, None).await;
    }
    outcome
}

/// `updateUserInfoByExternal`: the administrator's update rules (conflict checks, immediate
/// revocation on a ban, a password, role or app change, the audit log), applied for the other
/// system; an e-mail or mobile it sets counts as confirmed (uni-id 1.1.21).
pub async fn update(call: Caller, who: Who, mut update: AccountUpdate) -> ApiResult<()> {
    let app_id = call.client.app_id.clone();
    let uid = call
        .host
        .db
        .run(move |conn| {
            // uni-id looks the account up in any app here: it answers not-exists only when
            // there is none at all.
            let found = find_user(conn, &who.query(), &app_id)?;
            match found.total {
                0 => Err(ApiError::new(ErrorCode::AccountNotExists)),
                1 => Ok(found
                    .matched
                    .first()
                    .or(found.elsewhere.as_ref())
                    .map(|u| u.id.clone())
                    .unwrap_or_default()),
                // The same external id in two apps: uni-id would update both.
                _ => Err(ApiError::new(ErrorCode::AccountConflict)),
            }
        })
        .await?;
    update.uid = uid;
    users_admin::update_user(&call, &Actor::external(&call), update).await
}
