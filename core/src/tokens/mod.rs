//! Tokens: uni-id's JWT on the wire, a row per live token in the database.
//!
//! Unlike uni-id (spec §6.4, §17.2), every check looks the token up, so logout, a password
//! change, closing or banning an account and a role change revoke it at once on every instance.
//! The lookup is one indexed join that also returns the user, which the method then reuses.

pub mod jwt;

use serde_json::{Value, json};

use crate::accounts::ClientInfo;
use crate::accounts::status_error;
use crate::config::Effective;
use crate::db::DbConn;
use crate::db::models::roles;
use crate::db::models::tokens::{self as token_rows, NewToken};
use crate::db::models::users::{self, UserRow};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
pub use jwt::{Claims, TokenError};

/// `newToken` as uni-id answers it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    /// Epoch ms (`Date.now() + tokenExpiresIn*1000`, spec §6.1).
    pub token_expired: i64,
}

impl IssuedToken {
    pub fn to_json(&self) -> Value {
        json!({ "token": self.token, "tokenExpired": self.token_expired })
    }
}

/// `role` and `permission` for a user (spec §6.3): admins carry no permission list.
pub fn role_and_permission(
    conn: &mut DbConn,
    user_id: &str,
) -> diesel::QueryResult<(Vec<String>, Vec<String>)> {
    let role = users::roles_of(conn, user_id)?;
    let permission = permission_of(conn, &role)?;
    Ok((role, permission))
}

fn permission_of(conn: &mut DbConn, role: &[String]) -> diesel::QueryResult<Vec<String>> {
    if role.iter().any(|r| r == "admin") {
        Ok(Vec::new())
    } else {
        roles::permissions_of(conn, role)
    }
}

/// Signs a token for `user_id` and stores it (`createToken`, spec §6.5).
pub fn issue(
    conn: &mut DbConn,
    now: i64,
    user_id: &str,
    effective: &Effective,
    client: &ClientInfo,
) -> ApiResult<IssuedToken> {
    let role = users::roles_of(conn, user_id)?;
    issue_with_roles(conn, now, user_id, role, effective, client)
}

/// [`issue`] for a caller that has just written the user's roles (a registration), which saves
/// reading them back.
pub fn issue_with_roles(
    conn: &mut DbConn,
    now: i64,
    user_id: &str,
    mut role: Vec<String>,
    effective: &Effective,
    client: &ClientInfo,
) -> ApiResult<IssuedToken> {
    // As `users::roles_of` returns them.
    role.sort();
    role.dedup();
    let permission = permission_of(conn, &role)?;
    let iat = now / 1000;
    let expires_in = i64::try_from(effective.token_expires_in).unwrap_or(i64::MAX / 2000);
    let claims = Claims {
        uid: user_id.to_string(),
        role,
        permission,
        uni_id_version: Some(jwt::UNI_ID_VERSION.to_string()),
        iat,
        exp: iat + expires_in,
        jti: Some(jwt::new_jti()),
    };
    let token = jwt::sign(&claims, effective.token_secret.expose().as_bytes());
    let row = NewToken {
        token_hash: jwt::token_hash(&token),
        user_id: user_id.to_string(),
        iat: claims.iat,
        exp: claims.exp,
        created_date: now,
        app_id: Some(client.app_id.clone()),
        platform: Some(client.platform.clone()),
        device_id: client.device_id.clone(),
    };
    token_rows::insert(conn, &row, effective.max_token_length, iat)?;
    Ok(IssuedToken {
        token,
        token_expired: now + expires_in * 1000,
    })
}

/// Forgets one token (logout). Unknown or malformed tokens are simply not there.
pub fn revoke(conn: &mut DbConn, token: &str) -> diesel::QueryResult<usize> {
    token_rows::delete(conn, &jwt::token_hash(token))
}

/// Forgets every token of a user and records when (`valid_token_date`, spec §6.9).
pub fn revoke_all(conn: &mut DbConn, user_id: &str, now: i64) -> diesel::QueryResult<()> {
    token_rows::delete_all_of(conn, user_id)?;
    users::update(
        conn,
        user_id,
        &users::UserChanges {
            valid_token_date: Some(Some(now)),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// Who a request's token belongs to.
#[derive(Debug, Clone)]
pub struct AuthInfo {
    pub uid: String,
    pub role: Vec<String>,
    pub permission: Vec<String>,
    pub claims: Claims,
    /// The user row as of this request.
    pub user: UserRow,
    /// Set when the token was inside `tokenExpiresThreshold` and a fresh one was issued.
    pub new_token: Option<IssuedToken>,
}

impl AuthInfo {
    pub fn is_admin(&self) -> bool {
        self.role.iter().any(|r| r == "admin")
    }
}

/// Maps the stateless check's failure to uni-id's codes.
fn token_error(e: TokenError) -> ApiError {
    match e {
        TokenError::Invalid => ApiError::new(ErrorCode::CheckTokenFailed),
        TokenError::Expired => ApiError::new(ErrorCode::TokenExpired),
    }
}

/// `checkToken` (spec §6.4), with the database check uni-id skips.
pub async fn check(
    host: &Host,
    token: &str,
    effective: &Effective,
    client: &ClientInfo,
    auto_refresh: bool,
) -> ApiResult<AuthInfo> {
    if token.is_empty() {
        return Err(ApiError::new(ErrorCode::CheckTokenFailed));
    }
    let now = host.clock.now_ms();
    let claims =
        jwt::verify(token, effective.token_secret.expose().as_bytes(), now).map_err(token_error)?;
    let hash = jwt::token_hash(token);
    let refresh_due = auto_refresh
        && effective.token_expires_threshold > 0
        && claims.exp * 1000 - now
            < i64::try_from(effective.token_expires_threshold).unwrap_or(0) * 1000;
    let effective = effective.clone();
    let client = client.clone();
    host.db
        .run(move |conn| {
            let (created, user) = token_rows::user_of_live_token(conn, &hash)?
                .ok_or_else(|| ApiError::new(ErrorCode::CheckTokenFailed))?;
            if user.valid_token_date.is_some_and(|valid| created < valid) {
                return Err(ApiError::new(ErrorCode::TokenExpired));
            }
            if let Some(code) = status_error(user.status) {
                return Err(ApiError::new(code));
            }
            let new_token = if refresh_due {
                Some(issue(conn, now, &user.id, &effective, &client)?)
            } else {
                None
            };
            Ok(AuthInfo {
                uid: user.id.clone(),
                role: claims.role.clone(),
                permission: claims.permission.clone(),
                claims,
                user,
                new_token,
            })
        })
        .await
}

/// `refreshToken` (spec §6.7): a valid, live token buys a new one with fresh role/permission.
pub async fn refresh(
    host: &Host,
    token: &str,
    effective: &Effective,
    client: &ClientInfo,
) -> ApiResult<IssuedToken> {
    let auth = check(host, token, effective, client, false).await?;
    let now = host.clock.now_ms();
    let effective = effective.clone();
    let client = client.clone();
    host.db
        .run(move |conn| issue(conn, now, &auth.uid, &effective, &client))
        .await
}
