//! The sms plugin's account rules (spec §1.3): sending a code, and logging in, binding a mobile,
//! resetting and setting a password with one. The JSON methods (`methods.rs`) and the pages
//! (`pages.rs`) are two faces over these functions.

use std::collections::BTreeMap;

use unid_core::plugin::accounts::bind::{self, Bindable};
use unid_core::plugin::accounts::log::{self, Subject};
use unid_core::plugin::accounts::unified::{Identity, Unified, login_or_register};
use unid_core::plugin::accounts::{Caller, CodeAttempt, phone, reset};
use unid_core::plugin::captcha::{self, CaptchaCtx};
use unid_core::plugin::codes::{self, Channel, CodesCtx, DEFAULT_TTL_SECS};
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};
use unid_core::plugin::metrics::Outcome;
use unid_core::plugin::validator::{Field, Schema};

use crate::SmsPlugin;
use crate::gateway::{GatewayError, SmsMessage};

/// `SMS_SCENE` (spec §9.1).
pub const SCENES: &[&str] = &[
    "login-by-sms",
    "reset-pwd-by-sms",
    "bind-mobile-by-sms",
    "set-pwd-by-sms",
];

pub static SEND_SMS_CODE_SCHEMA: &Schema = &[
    ("mobile", Field::required("mobile")),
    ("captcha", Field::required("string")),
    ("scene", Field::required("string")),
];
pub static LOGIN_BY_SMS_SCHEMA: &Schema = &[
    ("mobile", Field::required("mobile")),
    ("code", Field::required("string")),
    ("captcha", Field::optional("string")),
    ("inviteCode", Field::optional("string")),
];
pub static BIND_MOBILE_BY_SMS_SCHEMA: &Schema = &[
    ("mobile", Field::required("mobile")),
    ("code", Field::required("string")),
    ("captcha", Field::optional("string")),
];
pub static RESET_PWD_BY_SMS_SCHEMA: &Schema = &[
    ("mobile", Field::required("mobile")),
    ("code", Field::required("string")),
    ("password", Field::required("password")),
    ("captcha", Field::optional("string")),
];
pub static SET_PWD_SCHEMA: &Schema = &[
    ("password", Field::required("password")),
    ("code", Field::required("string")),
    ("captcha", Field::optional("string")),
];

/// `sendSmsCode`'s parameters.
#[derive(Debug, Clone, Default)]
pub struct SendCode {
    pub mobile: String,
    pub scene: String,
    pub captcha: String,
}

/// A mobile number and the code sent to it (`loginBySms`, `bindMobileBySms`).
#[derive(Debug, Clone, Default)]
pub struct MobileCode {
    pub mobile: String,
    pub code: String,
    pub captcha: Option<String>,
}

/// `resetPwdBySms`'s parameters.
#[derive(Debug, Clone, Default)]
pub struct ResetPassword {
    pub mobile: String,
    pub code: String,
    pub password: String,
    pub captcha: Option<String>,
}

/// `setPwd`'s parameters: the code goes to the user's own bound mobile.
#[derive(Debug, Clone, Default)]
pub struct SetPassword {
    pub password: String,
    pub code: String,
    pub captcha: Option<String>,
}

fn e164(raw: &str) -> ApiResult<String> {
    phone::to_e164(raw).ok_or_else(|| ApiError::new(ErrorCode::InvalidMobile))
}

/// The code's lifetime for a scene: `service.sms.scene.<scene>.codeExpiresIn`, else
/// `service.sms.codeExpiresIn`, else 180 s (the service caps it at 10 minutes).
fn ttl(call: &Caller, scene: &str) -> u64 {
    let sms = call.effective.service.sms.as_ref();
    sms.and_then(|s| s.scene.get(scene))
        .and_then(|s| s.code_expires_in)
        .or_else(|| sms.and_then(|s| s.code_expires_in))
        .unwrap_or(DEFAULT_TTL_SECS)
}

/// `sendSmsCode`: the captcha (always), then a code stored and sent. In test mode nothing is
/// sent and the answer is uni-id's `uni-id-invalid-sms-template-id`.
pub async fn send_code(call: Caller, input: SendCode) -> ApiResult<()> {
    let SendCode {
        mobile,
        scene,
        captcha: answer,
    } = input;
    let mobile = e164(&mobile)?;
    if !SCENES.contains(&scene.as_str()) {
        return Err(ApiError::new(ErrorCode::InvalidParam));
    }
    let ttl = ttl(&call, &scene);
    let now = call.now();
    let host = call.host.clone();
    let (device, ip) = (call.client.device_id.clone(), call.client.client_ip.clone());
    let sms = call.effective.service.sms.clone().unwrap_or_default();
    // How the code would go out, checked before a code is stored or a send counted: in test
    // mode nothing is sent.
    let delivery = if call.host.config.test_mode {
        None
    } else {
        let gateway = call
            .host
            .plugin::<SmsPlugin>()
            .and_then(|p| p.gateway.clone())
            .ok_or_else(|| ApiError::system("sms plugin has no gateway outside test mode"))?;
        let template_id = sms
            .scene
            .get(&scene)
            .and_then(|s| s.template_id.clone())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::new(ErrorCode::ConfigFieldRequired)
                    .arg("field", format!("service.sms.scene.{scene}.templateId"))
            })?;
        Some((gateway, template_id))
    };
    let target = mobile.clone();
    let code_scene = scene.clone();
    // Captcha (always, fixed scene `send-sms-code`, spec §8.2), then the code — stored before
    // it is sent, and the connection released before the provider is called.
    let code = host
        .db
        .clone()
        .run(move |conn| {
            captcha::require(
                conn,
                &CaptchaCtx::of(&host, now),
                device.as_deref(),
                "send-sms-code",
                Some(&answer),
            )?;
            codes::issue(
                conn,
                &CodesCtx::of(&host, now),
                Channel::Sms,
                &target,
                &code_scene,
                &ip,
                ttl,
            )
        })
        .await?;
    let Some((gateway, template_id)) = delivery else {
        return Err(ApiError::new(ErrorCode::InvalidSmsTemplateId).arg("scene", scene));
    };
    let action = if scene == "login-by-sms" {
        "login"
    } else {
        "verify-mobile"
    };
    let mut template_params = BTreeMap::new();
    template_params.insert("name".to_string(), sms.name.clone().unwrap_or_default());
    template_params.insert("code".to_string(), code.expose().to_string());
    template_params.insert("action".to_string(), call.text(action, &[]));
    template_params.insert(
        "expMinute".to_string(),
        (ttl.min(codes::MAX_TTL_SECS) as f64 / 60.0)
            .round()
            .to_string(),
    );
    let message = SmsMessage {
        phone: mobile.clone(),
        template_id,
        params: template_params,
    };
    let started = std::time::Instant::now();
    let sent = gateway.send(&message, now / 1000).await;
    let outcome = match &sent {
        Ok(()) => Outcome::Ok,
        Err(GatewayError::Rejected { .. }) => Outcome::Rejected,
        Err(GatewayError::Unreachable(_)) => Outcome::Unreachable,
    };
    call.host
        .metrics
        .outbound("sms", outcome, started.elapsed());
    if let Err(e) = sent {
        tracing::warn!(phone = %phone::masked(&mobile), error = %e, "SMS not sent");
        call.withdraw_code(Channel::Sms, &mobile, &scene).await;
        return Err(ApiError::new(ErrorCode::CodeSendFailed).detail(e));
    }
    Ok(())
}

/// An SMS code for `mobile` and `scene`; a failure is logged as `log_type`.
fn sms_code<'a>(
    mobile: &'a str,
    scene: &'a str,
    code: &'a str,
    log_type: &'a str,
) -> CodeAttempt<'a> {
    CodeAttempt {
        channel: Channel::Sms,
        target: mobile,
        scene,
        code,
        log_type,
    }
}

/// `loginBySms`: logs in the account with this confirmed mobile, or registers one.
pub async fn login(
    call: Caller,
    input: MobileCode,
    invite_code: Option<String>,
) -> ApiResult<Unified> {
    let mobile = e164(&input.mobile)?;
    let (code, answer) = (input.code, input.captcha);
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let subject = Subject {
            mobile: Some(mobile.clone()),
            ..Default::default()
        };
        call.captcha_if_needed(
            conn,
            now,
            &subject,
            log::LOGIN,
            "login-by-sms",
            answer.as_deref(),
        )?;
        call.verify_code(
            conn,
            now,
            sms_code(&mobile, "login-by-sms", &code, log::LOGIN),
            &subject,
        )?;
        let origin = call.origin(now);
        let identity = Identity::confirmed_mobile(&mobile, invite_code, subject);
        login_or_register(conn, origin, identity)
    })
    .await
}

/// `bindMobileBySms`: binds a mobile the user has proven to the signed-in account.
pub async fn bind_mobile(call: Caller, input: MobileCode) -> ApiResult<()> {
    let mobile = e164(&input.mobile)?;
    let (code, answer) = (input.code, input.captcha);
    let uid = call.auth()?.uid.clone();
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let subject = Subject {
            user_id: Some(uid.clone()),
            mobile: Some(mobile.clone()),
            ..Default::default()
        };
        let by_user = Subject {
            user_id: Some(uid.clone()),
            ..Default::default()
        };
        call.captcha_if_needed(
            conn,
            now,
            &by_user,
            bind::BIND_MOBILE,
            "bind-mobile-by-sms",
            answer.as_deref(),
        )?;
        call.verify_code(
            conn,
            now,
            sms_code(&mobile, "bind-mobile-by-sms", &code, bind::BIND_MOBILE),
            &subject,
        )?;
        let origin = call.origin(now);
        bind::bind(
            conn,
            origin,
            &uid,
            &Bindable::Mobile(mobile),
            bind::BIND_MOBILE,
        )
    })
    .await
}

/// `resetPwdBySms`: a new password for the account with this mobile; every session ends.
pub async fn reset_password(call: Caller, input: ResetPassword) -> ApiResult<()> {
    let ResetPassword {
        mobile,
        code,
        password,
        captcha: answer,
    } = input;
    let mobile = e164(&mobile)?;
    let hash = call.hash_password(password).await?;
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let subject = Subject {
            mobile: Some(mobile.clone()),
            ..Default::default()
        };
        call.captcha_if_needed(
            conn,
            now,
            &subject,
            log::RESET_PWD,
            "reset-pwd-by-sms",
            answer.as_deref(),
        )?;
        call.verify_code(
            conn,
            now,
            sms_code(&mobile, "reset-pwd-by-sms", &code, log::RESET_PWD),
            &subject,
        )?;
        let uid = reset::reset_password(
            conn,
            &call.client.app_id,
            &Bindable::Mobile(mobile.clone()),
            &hash,
            now,
        )?;
        let subject = Subject {
            user_id: Some(uid),
            ..subject
        };
        log::write(conn, &call.client, now, log::RESET_PWD, true, &subject);
        Ok(())
    })
    .await
}

/// `setPwd`: sets (or replaces) the password with a code sent to the user's bound mobile.
pub async fn set_password(call: Caller, input: SetPassword) -> ApiResult<()> {
    let SetPassword {
        password,
        code,
        captcha: answer,
    } = input;
    let user = call.auth()?.user.clone();
    let mobile = match (&user.mobile, user.mobile_confirmed) {
        (Some(m), 1) => m.clone(),
        _ => return Err(ApiError::new(ErrorCode::InvalidParam).message("unid-no-mobile-bound")),
    };
    let hash = call.hash_password(password).await?;
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let subject = Subject {
            user_id: Some(user.id.clone()),
            mobile: Some(mobile.clone()),
            ..Default::default()
        };
        // uni-id logs these with an undefined type (spec §17.6); unid names it.
        call.captcha_if_needed(
            conn,
            now,
            &subject,
            SET_PWD_LOG,
            "set-pwd-by-sms",
            answer.as_deref(),
        )?;
        call.verify_code(
            conn,
            now,
            sms_code(&mobile, "set-pwd-by-sms", &code, SET_PWD_LOG),
            &subject,
        )?;
        // Replacing an existing password is a reset: other sessions end, as after updatePwd.
        reset::set_password(conn, &user.id, &hash, user.password.is_some(), now)?;
        log::write(conn, &call.client, now, SET_PWD_LOG, true, &subject);
        Ok(())
    })
    .await
}

const SET_PWD_LOG: &str = "set-pwd";
