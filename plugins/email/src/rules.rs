//! The email plugin's account rules (spec §1.3): uni-id's `sendEmailCode`,
//! `registerUserByEmail`, `resetPwdByEmail`, and the reserved `loginByEmailCode` plus
//! `bindEmail` / `unbindEmail`, which unid builds. The JSON methods (`methods.rs`) and the pages
//! (`pages.rs`) are two faces over these functions.
//!
//! Addresses are trimmed and lower-cased before anything else, so the code sent to
//! `Alice@Example.com ` is the code for `alice@example.com`. The code is stored before the mail
//! is sent, and the database connection is released before the mail server is called.

use lettre::Address;
use unid_core::plugin::accounts::bind::{self, Bindable};
use unid_core::plugin::accounts::log::{self, Subject};
use unid_core::plugin::accounts::unified::{Identity, Unified, login_or_register};
use unid_core::plugin::accounts::{Caller, CodeAttempt, SignedIn, register_by_email, reset};
use unid_core::plugin::captcha::{self, CaptchaCtx};
use unid_core::plugin::codes::{self, Channel, CodesCtx};
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};
use unid_core::plugin::metrics::Outcome;
use unid_core::plugin::validator::{Field, Schema};

use crate::EmailPlugin;
use crate::mailer::{MailError, masked};
use crate::message::{Facts, build, compose};

/// uni-id's `EMAIL_SCENE` (spec §9.1), plus `unbind-email` for unbinding by code.
pub const SCENES: &[&str] = &[
    "register",
    "login-by-email",
    "reset-pwd-by-email",
    "bind-email",
    "unbind-email",
];

/// The captcha scene of every send (spec §8.2).
const SEND_CAPTCHA_SCENE: &str = "send-email-code";

pub static SEND_EMAIL_CODE_SCHEMA: &Schema = &[
    ("email", Field::required("email")),
    ("captcha", Field::required("string")),
    ("scene", Field::required("string")),
];
pub static REGISTER_USER_BY_EMAIL_SCHEMA: &Schema = &[
    ("email", Field::required("email")),
    ("password", Field::required("password")),
    ("nickname", Field::optional("nickname")),
    ("code", Field::required("string")),
    ("inviteCode", Field::optional("string")),
];
pub static RESET_PWD_BY_EMAIL_SCHEMA: &Schema = &[
    ("email", Field::required("email")),
    ("code", Field::required("string")),
    ("password", Field::required("password")),
    ("captcha", Field::optional("string")),
];
pub static LOGIN_BY_EMAIL_CODE_SCHEMA: &Schema = &[
    ("email", Field::required("email")),
    ("code", Field::required("string")),
    ("captcha", Field::optional("string")),
    ("inviteCode", Field::optional("string")),
];
pub static BIND_EMAIL_SCHEMA: &Schema = &[
    ("email", Field::required("email")),
    ("code", Field::required("string")),
    ("captcha", Field::optional("string")),
];
pub static UNBIND_EMAIL_SCHEMA: &Schema = &[("code", Field::required("string"))];

/// `sendEmailCode`'s parameters.
#[derive(Debug, Clone, Default)]
pub struct SendCode {
    pub email: String,
    pub scene: String,
    pub captcha: String,
}

/// `registerUserByEmail`'s parameters.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub email: String,
    pub password: String,
    pub code: String,
    pub nickname: Option<String>,
    pub invite_code: Option<String>,
}

/// `resetPwdByEmail`'s parameters.
#[derive(Debug, Clone, Default)]
pub struct ResetPassword {
    pub email: String,
    pub code: String,
    pub password: String,
    pub captcha: Option<String>,
}

/// An address and the code sent to it (`loginByEmailCode`, `bindEmail`).
#[derive(Debug, Clone, Default)]
pub struct EmailCode {
    pub email: String,
    pub code: String,
    pub captcha: Option<String>,
}

/// An address as codes and accounts key it: trimmed and lower-cased.
pub fn normalize(email: &str) -> String {
    email.trim().to_lowercase()
}

fn plugin(call: &Caller) -> ApiResult<&EmailPlugin> {
    call.host
        .plugin::<EmailPlugin>()
        .ok_or_else(|| ApiError::system("email plugin method called without the plugin"))
}

fn by_email(email: &str) -> Subject {
    Subject {
        email: Some(email.to_string()),
        ..Default::default()
    }
}

/// `sendEmailCode`: the captcha (always), then a code stored and mailed. In test mode nothing is
/// sent and the answer is uni-id's `uni-id-invalid-mail-template`.
pub async fn send_code(call: Caller, input: SendCode) -> ApiResult<()> {
    let SendCode {
        email,
        scene,
        captcha: answer,
    } = input;
    let email = normalize(&email);
    if !SCENES.contains(&scene.as_str()) {
        return Err(ApiError::new(ErrorCode::InvalidParam));
    }
    // The validator only asks for an `@`; a mail needs an address lettre accepts.
    let to: Address = email
        .parse()
        .map_err(|_| ApiError::new(ErrorCode::InvalidEmail))?;
    let ttl = plugin(&call)?.code_expires_in;
    let now = call.now();
    let host = call.host.clone();
    let (device, ip) = (call.client.device_id.clone(), call.client.client_ip.clone());
    let (target, code_scene) = (email.clone(), scene.clone());
    // Captcha (always, fixed scene), then the code. Whether an account exists is never looked
    // at, so the answer cannot tell.
    let code = host
        .db
        .clone()
        .run(move |conn| {
            captcha::require(
                conn,
                &CaptchaCtx::of(&host, now),
                device.as_deref(),
                SEND_CAPTCHA_SCENE,
                Some(&answer),
            )?;
            codes::issue(
                conn,
                &CodesCtx::of(&host, now),
                Channel::Email,
                &target,
                &code_scene,
                &ip,
                ttl,
            )
        })
        .await?;
    if call.host.config.test_mode {
        // uni-id's answer, which uni-id-pages recognises and fills in 123456.
        return Err(ApiError::new(ErrorCode::InvalidMailTemplate));
    }
    let plugin = plugin(&call)?;
    let (Some(mailer), Some(from)) = (plugin.mailer.clone(), plugin.from.as_ref()) else {
        return Err(ApiError::system(
            "email plugin has no transport outside test mode",
        ));
    };
    let content = compose(
        &Facts {
            scene: &scene,
            code: code.expose(),
            ttl_secs: ttl,
            app_name: plugin.app_name.as_deref(),
            lang: call.locale.tag(),
        },
        |id, args| call.text(id, args),
    );
    let message = build(from, to, content).map_err(ApiError::system)?;
    let started = std::time::Instant::now();
    let sent = mailer.send(message).await;
    let outcome = match &sent {
        Ok(()) => Outcome::Ok,
        // A refusal and a broken connection are one error in lettre's answer.
        Err(MailError::Failed(_)) => Outcome::Rejected,
        Err(MailError::Timeout(_)) => Outcome::Unreachable,
    };
    call.host
        .metrics
        .outbound("email", outcome, started.elapsed());
    if let Err(e) = sent {
        tracing::warn!(email = %masked(&email), scene = %scene, error = %e, "verification mail not sent");
        call.withdraw_code(Channel::Email, &email, &scene).await;
        return Err(ApiError::new(ErrorCode::CodeSendFailed).detail(e));
    }
    Ok(())
}

/// `registerUserByEmail`: an account with a confirmed e-mail address and a password.
pub async fn register(call: Caller, input: Registration) -> ApiResult<SignedIn> {
    let Registration {
        email,
        password,
        code,
        nickname,
        invite_code,
    } = input;
    let email = normalize(&email);
    let now = call.now();
    let call = std::sync::Arc::new(call);
    // The code first: a wrong guess costs no password hash.
    {
        let (call, email) = (call.clone(), email.clone());
        call.host
            .db
            .clone()
            .run(move |conn| {
                call.verify_code(
                    conn,
                    now,
                    CodeAttempt {
                        channel: Channel::Email,
                        target: &email,
                        scene: "register",
                        code: &code,
                        log_type: log::REGISTER,
                    },
                    &by_email(&email),
                )
            })
            .await?;
    }
    register_by_email(
        std::sync::Arc::unwrap_or_clone(call),
        email,
        password,
        nickname,
        invite_code,
    )
    .await
}

/// `resetPwdByEmail`: a new password for the account with this address; every session ends.
pub async fn reset_password(call: Caller, input: ResetPassword) -> ApiResult<()> {
    let ResetPassword {
        email,
        code,
        password,
        captcha: answer,
    } = input;
    let email = normalize(&email);
    let now = call.now();
    let call = std::sync::Arc::new(call);
    {
        let (call, email) = (call.clone(), email.clone());
        call.host
            .db
            .clone()
            .run(move |conn| {
                let subject = by_email(&email);
                call.captcha_if_needed(
                    conn,
                    now,
                    &subject,
                    log::RESET_PWD,
                    "reset-pwd-by-email",
                    answer.as_deref(),
                )?;
                call.verify_code(
                    conn,
                    now,
                    CodeAttempt {
                        channel: Channel::Email,
                        target: &email,
                        scene: "reset-pwd-by-email",
                        code: &code,
                        log_type: log::RESET_PWD,
                    },
                    &subject,
                )
            })
            .await?;
    }
    let hash = call.hash_password(password).await?;
    let db = call.host.db.clone();
    db.run(move |conn| {
        let uid = reset::reset_password(
            conn,
            &call.client.app_id,
            &Bindable::Email(email.clone()),
            &hash,
            now,
        )?;
        let subject = Subject {
            user_id: Some(uid),
            ..by_email(&email)
        };
        log::write(conn, &call.client, now, log::RESET_PWD, true, &subject);
        Ok(())
    })
    .await
}

/// `loginByEmailCode`: logs in the account with this address, or registers one.
pub async fn login(
    call: Caller,
    input: EmailCode,
    invite_code: Option<String>,
) -> ApiResult<Unified> {
    let email = normalize(&input.email);
    let (code, answer) = (input.code, input.captcha);
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let subject = by_email(&email);
        call.captcha_if_needed(
            conn,
            now,
            &subject,
            log::LOGIN,
            "login-by-email",
            answer.as_deref(),
        )?;
        call.verify_code(
            conn,
            now,
            CodeAttempt {
                channel: Channel::Email,
                target: &email,
                scene: "login-by-email",
                code: &code,
                log_type: log::LOGIN,
            },
            &subject,
        )?;
        let identity = Identity::confirmed_email(&email, invite_code, subject);
        login_or_register(conn, call.origin(now), identity)
    })
    .await
}

/// `bindEmail`: binds an address the user has proven to the signed-in account.
pub async fn bind(call: Caller, input: EmailCode) -> ApiResult<()> {
    let email = normalize(&input.email);
    let (code, answer) = (input.code, input.captcha);
    let uid = call.auth()?.uid.clone();
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let by_user = Subject {
            user_id: Some(uid.clone()),
            ..Default::default()
        };
        call.captcha_if_needed(
            conn,
            now,
            &by_user,
            bind::BIND_EMAIL,
            "bind-email",
            answer.as_deref(),
        )?;
        let subject = Subject {
            user_id: Some(uid.clone()),
            ..by_email(&email)
        };
        call.verify_code(
            conn,
            now,
            CodeAttempt {
                channel: Channel::Email,
                target: &email,
                scene: "bind-email",
                code: &code,
                log_type: bind::BIND_EMAIL,
            },
            &subject,
        )?;
        bind::bind(
            conn,
            call.origin(now),
            &uid,
            &Bindable::Email(email),
            bind::BIND_EMAIL,
        )
    })
    .await
}

/// `unbindEmail`: the code goes to the address being removed, so only its owner can remove it.
pub async fn unbind(call: Caller, code: String) -> ApiResult<()> {
    let user = call.auth()?.user.clone();
    // The code goes to the address being removed, so only its owner can remove it.
    let email = match (&user.email, user.email_confirmed) {
        (Some(e), 1) => e.trim().to_lowercase(),
        _ => return Err(ApiError::new(ErrorCode::UnbindFailed)),
    };
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let subject = Subject {
            user_id: Some(user.id.clone()),
            ..by_email(&email)
        };
        call.verify_code(
            conn,
            now,
            CodeAttempt {
                channel: Channel::Email,
                target: &email,
                scene: "unbind-email",
                code: &code,
                log_type: bind::UNBIND_EMAIL,
            },
            &subject,
        )?;
        bind::unbind_email(conn, call.origin(now), &user.id)
    })
    .await
}
