//! The uni-id-co methods of the sms plugin (spec §1.3): `sendSmsCode`, `loginBySms`,
//! `bindMobileBySms`, `resetPwdBySms`, `setPwd`.

use std::collections::BTreeMap;

use serde_json::Value;
use unid_core::accounts::bind::{self, Bindable};
use unid_core::accounts::log::{self, Subject};
use unid_core::accounts::unified::{Identity, login_or_register};
use unid_core::accounts::{find_user, phone};
use unid_core::api::call::{Call, CodeAttempt, captcha_ctx, codes_ctx, opt_str, req_str};
use unid_core::api::methods::{Access, MethodSpec, Reply};
use unid_core::codes::{self, Channel, DEFAULT_TTL_SECS};
use unid_core::db::models::users::{self, UserChanges, UserQuery};
use unid_core::error::{ApiError, ApiResult, ErrorCode};
use unid_core::secret::Secret;
use unid_core::validator::{Field, Schema};
use unid_core::{captcha, method, reply, tokens};

use crate::SmsPlugin;
use crate::gateway::SmsMessage;

/// `SMS_SCENE` (spec §9.1).
pub const SCENES: &[&str] = &[
    "login-by-sms",
    "reset-pwd-by-sms",
    "bind-mobile-by-sms",
    "set-pwd-by-sms",
];

static SEND_SMS_CODE: &Schema = &[
    ("mobile", Field::required("mobile")),
    ("captcha", Field::required("string")),
    ("scene", Field::required("string")),
];
static LOGIN_BY_SMS: &Schema = &[
    ("mobile", Field::required("mobile")),
    ("code", Field::required("string")),
    ("captcha", Field::optional("string")),
    ("inviteCode", Field::optional("string")),
];
static BIND_MOBILE_BY_SMS: &Schema = &[
    ("mobile", Field::required("mobile")),
    ("code", Field::required("string")),
    ("captcha", Field::optional("string")),
];
static RESET_PWD_BY_SMS: &Schema = &[
    ("mobile", Field::required("mobile")),
    ("code", Field::required("string")),
    ("password", Field::required("password")),
    ("captcha", Field::optional("string")),
];
static SET_PWD: &Schema = &[
    ("password", Field::required("password")),
    ("code", Field::required("string")),
    ("captcha", Field::optional("string")),
];

pub fn all() -> Vec<MethodSpec> {
    vec![
        method!(
            "sendSmsCode",
            Access::Anonymous,
            SEND_SMS_CODE,
            send_sms_code
        ),
        method!("loginBySms", Access::Anonymous, LOGIN_BY_SMS, login_by_sms),
        method!(
            "bindMobileBySms",
            Access::Auth,
            BIND_MOBILE_BY_SMS,
            bind_mobile_by_sms
        ),
        method!(
            "resetPwdBySms",
            Access::Anonymous,
            RESET_PWD_BY_SMS,
            reset_pwd_by_sms
        ),
        method!("setPwd", Access::Auth, SET_PWD, set_pwd),
    ]
}

fn e164(params: &Value) -> ApiResult<String> {
    let raw = req_str(params, "mobile")?;
    phone::to_e164(&raw).ok_or_else(|| ApiError::new(ErrorCode::InvalidMobile))
}

/// The code's lifetime for a scene: `service.sms.scene.<scene>.codeExpiresIn`, else
/// `service.sms.codeExpiresIn`, else 180 s (the service caps it at 10 minutes).
fn ttl(call: &Call, scene: &str) -> u64 {
    let sms = call.effective.service.sms.as_ref();
    sms.and_then(|s| s.scene.get(scene))
        .and_then(|s| s.code_expires_in)
        .or_else(|| sms.and_then(|s| s.code_expires_in))
        .unwrap_or(DEFAULT_TTL_SECS)
}

async fn send_sms_code(call: Call, params: Value) -> ApiResult<Reply> {
    let mobile = e164(&params)?;
    let scene = req_str(&params, "scene")?;
    if !SCENES.contains(&scene.as_str()) {
        return Err(ApiError::new(ErrorCode::InvalidParam));
    }
    let answer = req_str(&params, "captcha")?;
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
                &captcha_ctx(&host, now),
                device.as_deref(),
                "send-sms-code",
                Some(&answer),
            )?;
            codes::issue(
                conn,
                &codes_ctx(&host, now),
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
    if let Err(e) = gateway.send(&message, now / 1000).await {
        tracing::warn!(phone = %phone::masked(&mobile), error = %e, "SMS not sent");
        call.withdraw_code(Channel::Sms, &mobile, &scene).await;
        return Err(ApiError::new(ErrorCode::CodeSendFailed).detail(e));
    }
    Ok(reply! {})
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

async fn login_by_sms(call: Call, params: Value) -> ApiResult<Reply> {
    let mobile = e164(&params)?;
    let code = req_str(&params, "code")?;
    let answer = opt_str(&params, "captcha");
    let invite_code = opt_str(&params, "inviteCode");
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
        let done = login_or_register(conn, origin, identity)?;
        Ok(done.reply())
    })
    .await
}

async fn bind_mobile_by_sms(call: Call, params: Value) -> ApiResult<Reply> {
    let mobile = e164(&params)?;
    let code = req_str(&params, "code")?;
    let answer = opt_str(&params, "captcha");
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
        )?;
        Ok(reply! {})
    })
    .await
}

async fn reset_pwd_by_sms(call: Call, params: Value) -> ApiResult<Reply> {
    let mobile = e164(&params)?;
    let code = req_str(&params, "code")?;
    let password = req_str(&params, "password")?;
    let answer = opt_str(&params, "captcha");
    let hash = call
        .host
        .hasher
        .hash(
            Secret::new(password),
            call.effective.password_secrets.clone(),
        )
        .await?;
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
        let query = UserQuery {
            mobile: Some(mobile.clone()),
            ..Default::default()
        };
        let found = find_user(conn, &query, &call.client.app_id)?;
        let user = match found.matched.len() {
            1 => found.matched.into_iter().next(),
            0 if found.total > 0 => {
                return Err(ApiError::new(ErrorCode::AccountNotExistsInCurrentApp));
            }
            0 => return Err(ApiError::new(ErrorCode::AccountNotExists)),
            _ => return Err(ApiError::new(ErrorCode::AccountConflict)),
        }
        .ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
        conn.write_tx(|conn| {
            users::update(
                conn,
                &user.id,
                &UserChanges {
                    password: Some(Some(hash.hash.clone())),
                    password_secret_version: Some(hash.version),
                    ..Default::default()
                },
            )?;
            // A reset ends every session (spec §6.9 valid_token_date; revoked at once here).
            tokens::revoke_all(conn, &user.id, now)?;
            Ok::<_, ApiError>(())
        })?;
        let subject = Subject {
            user_id: Some(user.id.clone()),
            ..subject
        };
        log::write(conn, &call.client, now, log::RESET_PWD, true, &subject);
        Ok(reply! {})
    })
    .await
}

async fn set_pwd(call: Call, params: Value) -> ApiResult<Reply> {
    let password = req_str(&params, "password")?;
    let code = req_str(&params, "code")?;
    let answer = opt_str(&params, "captcha");
    let user = call.auth()?.user.clone();
    let mobile = match (&user.mobile, user.mobile_confirmed) {
        (Some(m), 1) => m.clone(),
        _ => return Err(ApiError::new(ErrorCode::InvalidParam).message("unid-no-mobile-bound")),
    };
    let hash = call
        .host
        .hasher
        .hash(
            Secret::new(password),
            call.effective.password_secrets.clone(),
        )
        .await?;
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
        conn.write_tx(|conn| {
            users::update(
                conn,
                &user.id,
                &UserChanges {
                    password: Some(Some(hash.hash.clone())),
                    password_secret_version: Some(hash.version),
                    ..Default::default()
                },
            )?;
            // Replacing an existing password is a reset: other sessions end, as after updatePwd.
            if user.password.is_some() {
                tokens::revoke_all(conn, &user.id, now)?;
            }
            Ok::<_, ApiError>(())
        })?;
        log::write(conn, &call.client, now, SET_PWD_LOG, true, &subject);
        Ok(reply! {})
    })
    .await
}

const SET_PWD_LOG: &str = "set-pwd";
