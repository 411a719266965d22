//! `login` with username, mobile or e-mail and a password (spec §1.3 Login, §7, §8.2).
//!
//! Deliberate differences from uni-id: an unknown account costs the same hashing work and gets
//! the same answer as a wrong password; account status and "not in this app" are only revealed
//! to someone who knows the password; and the per-account and per-IP limits of [`throttle`]
//! apply on top of uni-id's per-account-and-IP one.

use serde_json::Value;

use crate::accounts::log::{self, Subject};
use crate::accounts::login::finish_login;
use crate::accounts::{Origin, find_user, status_error};
use crate::api::call::{Call, captcha_ctx, opt_str, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::captcha;
use crate::db::models::users::{UserChanges, UserQuery, UserRow};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::secret::Secret;
use crate::throttle::{LoginKeys, LoginThrottle, Verdict};
use crate::validator::{Field, MAX_PASSWORD_BYTES, Schema};
use crate::{method, reply};

/// `password` is only type-checked here: the strength policy applies when a password is set,
/// so accounts imported with older, weaker passwords can still log in.
static LOGIN: &Schema = &[
    ("username", Field::optional("username")),
    ("mobile", Field::optional("mobile")),
    ("email", Field::optional("email")),
    ("password", Field::required("string")),
    ("captcha", Field::optional("string")),
];

pub fn methods() -> Vec<MethodSpec> {
    vec![method!("login", Access::Anonymous, LOGIN, login)]
}

/// What the first database step found.
enum Target {
    /// Exactly one account in this app.
    User(Box<UserRow>),
    /// Accounts with this identifier exist only in other apps.
    Elsewhere(Box<UserRow>),
    /// Several accounts match: uni-id's `uni-id-account-conflict`.
    Conflict(Box<UserRow>),
    None,
}

async fn login(call: Call, params: Value) -> ApiResult<Reply> {
    let username = opt_str(&params, "username");
    // Stored as E.164; the validator already checked uni-id's mainland rule.
    let mobile = opt_str(&params, "mobile").and_then(|m| crate::accounts::phone::to_e164(&m));
    let email = opt_str(&params, "email");
    let given = [&username, &mobile, &email]
        .iter()
        .filter(|v| v.is_some())
        .count();
    match given {
        0 => return Err(ApiError::new(ErrorCode::InvalidUsername)),
        1 => {}
        _ => return Err(ApiError::new(ErrorCode::InvalidParam)),
    }
    let password = req_str(&params, "password")?;
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::new(ErrorCode::InvalidPassword)
            .message("unid-password-too-long")
            .arg("max", MAX_PASSWORD_BYTES.to_string()));
    }
    let answer = opt_str(&params, "captcha");
    let subject = Subject {
        username: username.clone(),
        mobile: mobile.clone(),
        email: email.clone(),
        ..Default::default()
    };
    let query = UserQuery {
        username,
        mobile,
        email,
        ..Default::default()
    };
    let identifier = subject
        .username
        .as_deref()
        .map(|u| format!("username:{}", u.to_lowercase()))
        .or_else(|| subject.mobile.as_deref().map(|m| format!("mobile:{m}")))
        .or_else(|| {
            subject
                .email
                .as_deref()
                .map(|e| format!("email:{}", e.to_lowercase()))
        })
        .unwrap_or_default();

    let host = call.host.clone();
    let now = call.now();

    // Step 1: limits, captcha and the account, in one trip to the database.
    let (target, keys) = host
        .db
        .run({
            let host = host.clone();
            let client = call.client.clone();
            let effective = call.effective.clone();
            let subject = subject.clone();
            move |conn| {
                let found = find_user(conn, &query, &client.app_id)?;
                let target = match (
                    found.matched.len(),
                    found.matched.into_iter().next(),
                    found.elsewhere,
                ) {
                    (1, Some(user), _) => Target::User(Box::new(user)),
                    (_, Some(user), _) => Target::Conflict(Box::new(user)),
                    (_, None, Some(user)) => Target::Elsewhere(Box::new(user)),
                    (_, None, None) => Target::None,
                };
                let account = match &target {
                    Target::User(u) | Target::Conflict(u) | Target::Elsewhere(u) => u.id.clone(),
                    Target::None => format!("unknown:{identifier}"),
                };
                let keys = LoginKeys::new(&account, &client.client_ip);
                let throttle = LoginThrottle {
                    config: &host.config.throttle,
                    effective: &effective,
                    now,
                };
                let verdict = throttle.verdict(conn, &keys)?;
                if verdict == Verdict::Locked {
                    log::write(conn, &client, now, log::LOGIN, false, &subject);
                    return Err(ApiError::new(ErrorCode::PasswordErrorExceedLimit));
                }
                let need_captcha = verdict == Verdict::CaptchaRequired
                    || captcha::needed_by_log(conn, now, &client.client_ip, &subject, log::LOGIN)?;
                if need_captcha {
                    captcha::require(
                        conn,
                        &captcha_ctx(&host, now),
                        client.device_id.as_deref(),
                        "login-by-pwd",
                        answer.as_deref(),
                    )?;
                }
                Ok((target, keys))
            }
        })
        .await?;

    // Step 2: the password, on the hashing pool. Every branch does one verification.
    let secret = Secret::new(password);
    let secrets = call.effective.password_secrets.clone();
    let verification = match &target {
        Target::User(u) | Target::Conflict(u) | Target::Elsewhere(u) => {
            let upgrade = matches!(target, Target::User(_));
            host.hasher
                .verify(
                    secret,
                    u.password.clone(),
                    u.password_secret_version,
                    secrets,
                    upgrade,
                )
                .await?
        }
        Target::None => {
            host.hasher.verify_dummy(secret).await?;
            Default::default()
        }
    };

    // Step 3: record the outcome and answer, in one transaction (one commit per login). The
    // transaction commits failures too: the outer result carries the answer, the inner one the
    // database outcome.
    let effective = call.effective.clone();
    let client = call.client.clone();
    let token = call.token.clone();
    let db = host.db.clone();
    db.run(move |conn| {
        conn.write_tx(|conn| {
            let throttle = LoginThrottle {
                config: &host.config.throttle,
                effective: &effective,
                now,
            };
            let fail = |conn: &mut _, code: ErrorCode| {
                log::write(conn, &client, now, log::LOGIN, false, &subject);
                Ok(Err(ApiError::new(code)))
            };
            if !verification.ok {
                throttle.record_failure(conn, &keys)?;
                return fail(conn, ErrorCode::PasswordError);
            }
            throttle.record_success(conn, &keys)?;
            let user = match target {
                Target::User(user) => user,
                Target::Conflict(_) => return fail(conn, ErrorCode::AccountConflict),
                Target::Elsewhere(_) => return fail(conn, ErrorCode::AccountNotExistsInCurrentApp),
                Target::None => return fail(conn, ErrorCode::PasswordError),
            };
            if let Some(code) = status_error(user.status) {
                return fail(conn, code);
            }
            let changes = match verification.rehash {
                Some(hash) => UserChanges {
                    password: Some(Some(hash.hash)),
                    password_secret_version: Some(hash.version),
                    ..Default::default()
                },
                None => UserChanges::default(),
            };
            let origin = Origin {
                now,
                effective: &effective,
                client: &client,
                token: &token,
            };
            let issued = finish_login(conn, origin, &user, changes, &subject)?;
            Ok(Ok(reply! {
                "uid" => user.id,
                "newToken" => issued.to_json(),
                "passwordConfirmed" => user.password.is_some(),
            }))
        })
    })
    .await?
}
