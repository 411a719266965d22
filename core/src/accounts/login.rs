//! Logging in: `login` with username, mobile or e-mail and a password (spec §1.3 Login, §7,
//! §8.2), and the end every successful login shares (spec §1.2 `postLogin`): a new token, the
//! request's old token revoked, last-login fields and any password upgrade written, a success
//! log row.
//!
//! Deliberate differences from uni-id: an unknown account costs the same hashing work and gets
//! the same answer as a wrong password; account status and "not in this app" are only revealed
//! to someone who knows the password; and the per-account and per-IP limits of [`throttle`]
//! apply on top of uni-id's per-account-and-IP one.
//!
//! [`throttle`]: crate::throttle

use crate::accounts::log::{self, Subject};
use crate::accounts::{Caller, Origin, SignedIn, device, find_user, status_error};
use crate::captcha::{self, CaptchaCtx};
use crate::db::DbConn;
use crate::db::models::users::{self, UserChanges, UserQuery, UserRow};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::secret::Secret;
use crate::throttle::{LoginKeys, LoginThrottle};
use crate::tokens::{self, IssuedToken};
use crate::validator::{Field, MAX_PASSWORD_BYTES, Schema};

/// `password` is only type-checked here: the strength policy applies when a password is set,
/// so accounts imported with older, weaker passwords can still log in.
pub static LOGIN_SCHEMA: &Schema = &[
    ("username", Field::optional("username")),
    ("mobile", Field::optional("mobile")),
    ("email", Field::optional("email")),
    ("password", Field::required("string")),
    ("captcha", Field::optional("string")),
    ("deviceToken", Field::optional("string")),
];

/// `login`'s parameters: exactly one identifier, the password, and the captcha answer when the
/// server has asked for one.
#[derive(Debug, Clone, Default)]
pub struct PasswordLogin {
    pub username: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    pub password: String,
    pub captcha: Option<String>,
    /// The device token of an earlier sign-in on this device (see [`device`]).
    ///
    /// [`device`]: crate::accounts::device
    pub device_token: Option<String>,
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

pub async fn login(call: Caller, input: PasswordLogin) -> ApiResult<SignedIn> {
    let PasswordLogin {
        username,
        mobile,
        email,
        password,
        captcha: answer,
        device_token,
    } = input;
    // Stored as E.164; the validator already checked uni-id's mainland rule.
    let mobile = mobile.and_then(|m| crate::accounts::phone::to_e164(&m));
    let given = [&username, &mobile, &email]
        .iter()
        .filter(|v| v.is_some())
        .count();
    match given {
        0 => return Err(ApiError::new(ErrorCode::InvalidUsername)),
        1 => {}
        _ => return Err(ApiError::new(ErrorCode::InvalidParam)),
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::new(ErrorCode::InvalidPassword)
            .message("unid-password-too-long")
            .arg("max", MAX_PASSWORD_BYTES.to_string()));
    }
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
    let (target, keys, verdict) = host
        .db
        .run({
            let host = host.clone();
            let client = call.client.clone();
            let effective = call.effective.clone();
            let subject = subject.clone();
            move |conn| {
                let found = find_user(conn, &query, &client.app_id)?;
                if found.total == 0 {
                    // A known account costs an app lookup; an unknown one does the same lookup
                    // (of nobody), so the database work says nothing either.
                    crate::db::models::users::apps_of(conn, "")?;
                }
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
                let device = match (&target, device_token.as_deref()) {
                    (Target::User(u) | Target::Conflict(u) | Target::Elsewhere(u), Some(t)) => {
                        device::verify(
                            &host.settings.code_secret,
                            t,
                            &u.id,
                            now,
                            host.config.throttle.device_token_days,
                        )
                    }
                    _ => None,
                };
                let keys = LoginKeys::new(&account, &client.client_ip, device.as_deref());
                let throttle = LoginThrottle {
                    config: &host.config.throttle,
                    effective: &effective,
                    now,
                };
                let verdict = throttle.verdict(conn, &keys)?;
                if verdict.locked {
                    log::write(conn, &client, now, log::LOGIN, false, &subject);
                    return Err(ApiError::new(ErrorCode::PasswordErrorExceedLimit));
                }
                // A device that signed in before is exempt from the captcha rules too.
                let need_captcha = !verdict.known_device
                    && (verdict.captcha
                        || captcha::needed_by_log(
                            conn,
                            now,
                            &client.client_ip,
                            &subject,
                            log::LOGIN,
                        )?);
                if need_captcha {
                    captcha::require(
                        conn,
                        &CaptchaCtx::of(&host, now),
                        client.device_id.as_deref(),
                        "login-by-pwd",
                        answer.as_deref(),
                    )?;
                }
                Ok((target, keys, verdict))
            }
        })
        .await?;
    // The account is under attack from elsewhere: this attempt waits (without holding a
    // connection or a thread), so guessing slows down while the owner still gets in.
    if verdict.delay_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(verdict.delay_ms)).await;
    }

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
                throttle.record_failure(conn, &keys, &verdict)?;
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
                throttle: &host.config.throttle,
            };
            let issued = finish_login(conn, origin, &user, changes, &subject)?;
            Ok(Ok(SignedIn {
                uid: user.id.clone(),
                token: issued,
                password_confirmed: user.password.is_some(),
                device_token: Some(device::issue(&host.settings.code_secret, &user.id, now)),
            }))
        })
    })
    .await?
}

pub fn finish_login(
    conn: &mut DbConn,
    origin: Origin,
    user: &UserRow,
    mut changes: UserChanges,
    subject: &Subject,
) -> ApiResult<IssuedToken> {
    let Origin {
        now,
        effective,
        client,
        token: request_token,
        ..
    } = origin;
    // Both callers already hold a write transaction and propagate this function's errors.
    let token = conn.join_write_tx(|conn| {
        if !request_token.is_empty() {
            tokens::revoke(conn, request_token)?;
        }
        changes.last_login_date = Some(Some(now));
        changes.last_login_ip = Some(Some(client.client_ip.clone()));
        users::update(conn, &user.id, &changes)?;
        tokens::issue(conn, now, &user.id, effective, client)
    })?;
    let subject = Subject {
        user_id: Some(user.id.clone()),
        ..subject.clone()
    };
    log::write(conn, client, now, log::LOGIN, true, &subject);
    Ok(token)
}
