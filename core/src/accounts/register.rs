//! Registration (spec §1.2 `preRegister` + `postRegister`), atomic per identifier: the check for
//! an existing account and the insert happen in one write transaction holding the identifier's
//! lock, and the `user_identities` primary key backs it up.

use rand::Rng;
use serde_json::json;

use crate::accounts::log::{self, Subject};
use crate::accounts::{Caller, Origin, SignedIn, find_user};
use crate::captcha::{self, CaptchaCtx};
use crate::db::models::third_party::{self, ThirdPartyId};
use crate::db::models::throttles::{self, Counter, Window};
use crate::db::models::users::{self, NewUser, UserQuery};
use crate::db::{DbConn, is_unique_violation};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::tokens;
use crate::validator::{Field, Schema};

pub static REGISTER_ADMIN_SCHEMA: &Schema = &[
    ("username", Field::required("username")),
    ("password", Field::required("password")),
    ("nickname", Field::optional("nickname")),
];

pub static REGISTER_USER_SCHEMA: &Schema = &[
    ("username", Field::required("username")),
    ("password", Field::required("password")),
    ("captcha", Field::required("string")),
    ("nickname", Field::optional("nickname")),
    ("inviteCode", Field::optional("string")),
];

/// A username + password account to create (`registerUser`, `registerAdmin`).
#[derive(Debug, Clone, Default)]
pub struct PasswordAccount {
    pub username: String,
    pub password: String,
    pub nickname: Option<String>,
    pub invite_code: Option<String>,
}

/// `registerUser`: the captcha (scene `register`) is always required and checked before any
/// hashing work (spec §8.2).
pub async fn register_user(
    call: Caller,
    account: PasswordAccount,
    captcha_answer: &str,
) -> ApiResult<SignedIn> {
    let host = call.host.clone();
    let device = call.client.device_id.clone();
    let now = call.now();
    let answer = captcha_answer.to_string();
    host.db
        .run({
            let host = host.clone();
            move |conn| {
                captcha::require(
                    conn,
                    &CaptchaCtx::of(&host, now),
                    device.as_deref(),
                    "register",
                    Some(&answer),
                )
            }
        })
        .await?;
    register_with_password(call, account, false).await
}

/// `registerAdmin`: the first administrator, while there is none.
pub async fn register_admin(call: Caller, account: PasswordAccount) -> ApiResult<SignedIn> {
    register_with_password(call, account, true).await
}

/// What a password account is found by and registered with.
enum SignInName {
    Username(String),
    /// An address the caller proved with a code (`registerUserByEmail`).
    ConfirmedEmail(String),
}

/// Registers a username + password account; `admin` makes it the first administrator.
async fn register_with_password(
    call: Caller,
    account: PasswordAccount,
    admin: bool,
) -> ApiResult<SignedIn> {
    let PasswordAccount {
        username,
        password,
        nickname,
        invite_code,
    } = account;
    register_named(
        call,
        SignInName::Username(username),
        password,
        nickname,
        invite_code,
        admin,
    )
    .await
}

/// `registerUserByEmail` once the code is checked: an account with this confirmed address
/// and a password, unless the address is taken in the app.
pub async fn register_by_email(
    call: Caller,
    email: String,
    password: String,
    nickname: Option<String>,
    invite_code: Option<String>,
) -> ApiResult<SignedIn> {
    register_named(
        call,
        SignInName::ConfirmedEmail(email.trim().to_lowercase()),
        password,
        nickname,
        invite_code,
        false,
    )
    .await
}

async fn register_named(
    call: Caller,
    name: SignInName,
    password: String,
    nickname: Option<String>,
    invite_code: Option<String>,
    admin: bool,
) -> ApiResult<SignedIn> {
    let hash = call.hash_password(password).await?;
    let (query, user, subject) = match &name {
        SignInName::Username(username) => (
            UserQuery {
                username: Some(username.clone()),
                ..Default::default()
            },
            NewUser {
                username: Some(username.clone()),
                ..Default::default()
            },
            Subject {
                username: Some(username.to_lowercase()),
                ..Default::default()
            },
        ),
        SignInName::ConfirmedEmail(email) => (
            UserQuery {
                email: Some(email.clone()),
                ..Default::default()
            },
            NewUser {
                email: Some(email.clone()),
                email_confirmed: 1,
                ..Default::default()
            },
            Subject {
                email: Some(email.clone()),
                ..Default::default()
            },
        ),
    };
    let reg = Registration {
        query,
        user: NewUser {
            password: Some(hash.hash),
            password_secret_version: hash.version,
            nickname,
            ..user
        },
        third_party: Vec::new(),
        roles: if admin {
            vec!["admin".to_string()]
        } else {
            Vec::new()
        },
        invite_code,
        first_admin: admin,
    };
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let origin = call.origin(now);
        let result = register(conn, origin, reg);
        let subject = Subject {
            user_id: result.as_ref().ok().map(|r| r.uid.clone()),
            ..subject
        };
        log::write(
            conn,
            &call.client,
            now,
            log::REGISTER,
            result.is_ok(),
            &subject,
        );
        result
    })
    .await
}

/// uni-id's invite-code alphabet: no 0/1/I/O (spec §1.3 Fission).
const INVITE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

pub struct Registration {
    /// Identifiers that must be free in the current app.
    pub query: UserQuery,
    /// Fields of the new user (username, password, nickname, confirmed e-mail…). An `id`
    /// given here is kept (a plugin that stored the avatar under it first); else one is made.
    pub user: NewUser,
    /// Its ids at third-party providers.
    pub third_party: Vec<ThirdPartyId>,
    /// Roles besides `userRegisterDefaultRole`.
    pub roles: Vec<String>,
    pub invite_code: Option<String>,
    /// `registerAdmin`: refuse when any administrator exists (checked under the same lock).
    pub first_admin: bool,
}

pub fn register(conn: &mut DbConn, origin: Origin, reg: Registration) -> ApiResult<SignedIn> {
    let client = origin.client;
    conn.write_tx(|conn| {
        let mut keys = reg.query.lock_keys();
        if reg.first_admin {
            keys.push("role:admin".to_string());
        }
        conn.lock_keys(&keys)?;
        if reg.first_admin
            && let Some((_, apps)) = users::first_with_role(conn, "admin")?
        {
            let e = ApiError::new(ErrorCode::AdminExists);
            return Err(
                if crate::accounts::is_match_user_app(&apps, &client.app_id) {
                    e
                } else {
                    e.message("uni-id-admin-exist-in-other-apps")
                },
            );
        }
        if !find_user(conn, &reg.query, &client.app_id)?
            .matched
            .is_empty()
        {
            return Err(ApiError::new(ErrorCode::AccountExists));
        }
        create(conn, origin, reg)
    })
}

/// Registration for a caller that has just found no account for `reg.query` inside its own
/// write transaction, under the identifier's lock (unified login): no second lookup, lock or
/// savepoint.
pub(crate) fn register_known_free(
    conn: &mut DbConn,
    origin: Origin,
    reg: Registration,
) -> ApiResult<SignedIn> {
    create(conn, origin, reg)
}

/// Creates the account; the caller holds the write transaction and the identifier's lock.
fn create(conn: &mut DbConn, origin: Origin, mut reg: Registration) -> ApiResult<SignedIn> {
    let Origin {
        now,
        effective,
        client,
        token: request_token,
        throttle,
    } = origin;
    // Registrations per IP per hour, counted inside this transaction: a registration that fails
    // later rolls its hit back, so only accounts made count.
    let key = format!("register-ip:{}", client.client_ip);
    let hits = throttles::hit_all(
        conn,
        &[Counter {
            key: &key,
            window_ms: 3_600_000,
            mode: Window::Fixed,
        }],
        now,
    )?;
    if hits.first().copied().unwrap_or(0) > i64::from(throttle.register_per_ip_per_hour) {
        return Err(ApiError::new(ErrorCode::RateLimited).detail("registrations per IP per hour"));
    }
    let user = &mut reg.user;
    if user.id.is_empty() {
        user.id = crate::ids::new_id(now);
    }
    user.username = user.username.take().map(|u| u.to_lowercase());
    user.email = user.email.take().map(|e| e.trim().to_lowercase());
    user.register_date = Some(now);
    // uni-id's createToken stamps the sign-in that registering is (spec §6.5).
    user.last_login_date = Some(now);
    user.last_login_ip = Some(client.client_ip.clone());
    user.register_env = Some(
        json!({
            "appid": client.app_id,
            "uni_platform": client.platform,
            "os_name": client.os_name.clone().unwrap_or_default(),
            "app_name": client.app_name.clone().unwrap_or_default(),
            "app_version": client.app_version.clone().unwrap_or_default(),
            "app_version_code": client.app_version_code.clone().unwrap_or_default(),
            "channel": client.channel.clone().or_else(|| client.scene.clone()).unwrap_or_default(),
            "client_ip": client.client_ip,
        })
        .to_string(),
    );

    if effective.auto_set_invite_code {
        user.my_invite_code = Some(unused_invite_code(conn)?);
    }

    let mut roles = reg.roles.clone();
    for role in &effective.user_register_default_role {
        if !roles.contains(role) {
            roles.push(role.clone());
        }
    }
    let is_admin = roles.iter().any(|r| r == "admin");

    match reg.invite_code.as_deref().filter(|c| !c.is_empty()) {
        Some(code) => {
            let inviter = users::find_by_invite_code(conn, code)?
                .ok_or_else(|| ApiError::new(ErrorCode::InvalidInviteCode))?;
            let mut chain = vec![inviter.id.clone()];
            chain.extend(parse_list(inviter.inviter_uid.as_deref()));
            user.inviter_uid = Some(json!(chain).to_string());
            user.invite_time = Some(now);
        }
        None if effective.force_invite_code && !is_admin => {
            return Err(ApiError::new(ErrorCode::InvalidInviteCode));
        }
        None => {}
    }

    if !request_token.is_empty() {
        tokens::revoke(conn, request_token)?;
    }

    let apps = vec![client.app_id.clone()];
    users::insert(conn, user, &apps, &roles)
        .and_then(|()| {
            if reg.third_party.is_empty() {
                Ok(())
            } else {
                third_party::set(conn, &user.id, &reg.third_party)?;
                users::sync_identities(conn, &user.id)
            }
        })
        .map_err(|e| {
            if is_unique_violation(&e) {
                ApiError::new(ErrorCode::AccountExists)
                    .detail("identifier taken by a concurrent registration")
            } else {
                e.into()
            }
        })?;
    let token = tokens::issue_with_roles(conn, now, &user.id, roles, effective, client)?;
    Ok(SignedIn {
        uid: user.id.clone(),
        token,
        password_confirmed: user.password.is_some(),
        device_token: None,
    })
}

fn unused_invite_code(conn: &mut DbConn) -> ApiResult<String> {
    let mut rng = rand::rngs::OsRng;
    for _ in 0..10 {
        let code: String = (0..6)
            .map(|_| char::from(INVITE_ALPHABET[rng.gen_range(0..INVITE_ALPHABET.len())]))
            .collect();
        if !users::invite_code_taken(conn, &code)? {
            return Ok(code);
        }
    }
    Err(ApiError::new(ErrorCode::SetInviteCodeFailed))
}

/// A JSON string array column (`inviter_uid`, `tags`) as a list; anything else is empty.
pub fn parse_list(text: Option<&str>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}
