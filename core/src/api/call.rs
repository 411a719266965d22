//! What a method receives: the host, the checked client info, the request's config and token,
//! and (for `auth` methods) who the token belongs to.

use std::sync::Arc;

use serde_json::Value;

use crate::accounts::Origin;
use crate::accounts::log::{self, Subject};
use crate::api::client_info::ClientInfo;
use crate::captcha::{self, CaptchaCtx};
use crate::codes::{self, Channel};
use crate::config::Effective;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
use crate::i18n::Locale;
use crate::tokens::AuthInfo;
use crate::validator::Validator;

pub struct Call {
    pub host: Host,
    pub client: ClientInfo,
    pub effective: Arc<Effective>,
    /// `uniIdToken` as sent ('' when none).
    pub token: String,
    pub auth: Option<AuthInfo>,
    pub locale: Locale,
}

impl Call {
    pub fn now(&self) -> i64 {
        self.host.clock.now_ms()
    }

    /// The token's owner; only `auth`/role methods have one.
    pub fn auth(&self) -> ApiResult<&AuthInfo> {
        self.auth
            .as_ref()
            .ok_or_else(|| ApiError::new(ErrorCode::CheckTokenFailed))
    }

    pub fn validator(&self) -> Arc<Validator> {
        self.host.validator(self.effective.password_strength)
    }

    /// Where this request comes from, for the account services.
    pub fn origin(&self, now: i64) -> Origin<'_> {
        Origin {
            now,
            effective: &self.effective,
            client: &self.client,
            token: &self.token,
        }
    }

    /// uni-id's captcha rule for the code methods (spec §8.2): after three failed `log_type`
    /// attempts about `subject` from this IP within two hours, a captcha for `scene` is needed.
    pub fn captcha_if_needed(
        &self,
        conn: &mut DbConn,
        now: i64,
        subject: &Subject,
        log_type: &str,
        scene: &str,
        answer: Option<&str>,
    ) -> ApiResult<()> {
        if captcha::needed_by_log(conn, now, &self.client.client_ip, subject, log_type)? {
            let cx = captcha_ctx(&self.host, now);
            captcha::require(conn, &cx, self.client.device_id.as_deref(), scene, answer)?;
        }
        Ok(())
    }

    /// Checks and consumes a verification code; a failure writes a failed `log_type` row
    /// about `subject`, as uni-id does.
    pub fn verify_code(
        &self,
        conn: &mut DbConn,
        now: i64,
        attempt: CodeAttempt,
        subject: &Subject,
    ) -> ApiResult<()> {
        let cx = codes_ctx(&self.host, now);
        let result = codes::verify(
            conn,
            &cx,
            attempt.channel,
            attempt.target,
            attempt.scene,
            attempt.code,
        );
        if result.is_err() {
            log::write(conn, &self.client, now, attempt.log_type, false, subject);
        }
        result
    }

    /// After a provider failed to deliver a code sent for this request: [`codes::withdraw`].
    /// A failure here is logged, not returned, so the method still answers with the send error.
    pub async fn withdraw_code(&self, channel: Channel, target: &str, scene: &str) {
        let (target, scene, ip) = (
            target.to_string(),
            scene.to_string(),
            self.client.client_ip.clone(),
        );
        let withdrawn = self
            .host
            .db
            .run(move |conn| codes::withdraw(conn, channel, &target, &scene, &ip))
            .await;
        if let Err(e) = withdrawn {
            tracing::warn!(error = ?e, "could not withdraw an undelivered code");
        }
    }

    /// Text of a message in the caller's language.
    pub fn text(&self, id: &str, args: &[(&str, String)]) -> String {
        self.host.i18n.message(self.locale, id, args)
    }
}

/// One use of a verification code, and the log row a failure writes.
pub struct CodeAttempt<'a> {
    pub channel: Channel,
    pub target: &'a str,
    pub scene: &'a str,
    pub code: &'a str,
    pub log_type: &'a str,
}

/// Captcha settings borrowed from the host.
pub fn captcha_ctx(host: &Host, now: i64) -> CaptchaCtx<'_> {
    CaptchaCtx {
        config: &host.config.captcha,
        secret: &host.settings.code_secret,
        test_mode: host.config.test_mode,
        now,
    }
}

/// Verification-code settings borrowed from the host.
pub fn codes_ctx(host: &Host, now: i64) -> crate::codes::CodesCtx<'_> {
    crate::codes::CodesCtx {
        config: &host.config.codes,
        secret: &host.settings.code_secret,
        test_mode: host.config.test_mode,
        now,
    }
}

/// A parameter as a string when present and not blank (the validator already checked types).
pub fn opt_str(params: &Value, key: &str) -> Option<String> {
    match params.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A required string parameter (the schema guarantees it; this only guards against a gap).
pub fn req_str(params: &Value, key: &str) -> ApiResult<String> {
    opt_str(params, key).ok_or_else(|| ApiError::param_required(key))
}

pub fn opt_bool(params: &Value, key: &str) -> Option<bool> {
    params.get(key).and_then(Value::as_bool)
}

pub fn opt_i64(params: &Value, key: &str) -> Option<i64> {
    params.get(key).and_then(Value::as_i64)
}

/// A list of strings, when the parameter is one.
pub fn opt_strings(params: &Value, key: &str) -> Option<Vec<String>> {
    params.get(key).and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    })
}
