//! The context every account rule runs in, whichever face called it: the host, who is calling
//! ([`ClientInfo`]), the config that applies to them, the token they presented and whose it is,
//! and their language. The JSON API builds one per `uni-id-co` call, the pages one per form.

use std::sync::Arc;

use crate::accounts::log::{self, Subject};
use crate::accounts::{ClientInfo, Origin};
use crate::captcha::{self, CaptchaCtx};
use crate::codes::{self, Channel, CodesCtx};
use crate::config::Effective;
use crate::db::DbConn;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
use crate::i18n::Locale;
use crate::passwords::NewHash;
use crate::secret::Secret;
use crate::tokens::AuthInfo;
use crate::validator::{Schema, Validator};

#[derive(Clone)]
pub struct Caller {
    pub host: Host,
    pub client: ClientInfo,
    pub effective: Arc<Effective>,
    /// The token presented ('' when none).
    pub token: String,
    pub auth: Option<AuthInfo>,
    pub locale: Locale,
}

impl Caller {
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

    /// Checks `params` against `schema` with the validator of the caller's config: what the
    /// JSON API does before every method, for a face that gathered the parameters itself.
    pub fn validate(&self, params: &serde_json::Value, schema: &Schema) -> ApiResult<()> {
        self.validator().validate(params, schema)
    }

    /// `password` hashed as new passwords of the caller's config are (on the bounded hash
    /// pool, never on the request's thread).
    pub async fn hash_password(&self, password: String) -> ApiResult<NewHash> {
        self.host
            .hasher
            .hash(
                Secret::new(password),
                self.effective.password_secrets.clone(),
            )
            .await
    }

    /// Writes a failed `log_type` row about user `uid` (or no one): a sign-in or a binding
    /// that failed before the account rules ran (a provider refused, say). A lost row never
    /// fails the request.
    pub async fn log_failure(&self, log_type: &str, uid: Option<String>) {
        let (client, now, log_type) = (self.client.clone(), self.now(), log_type.to_string());
        let _ = self
            .host
            .db
            .run(move |conn| {
                let subject = Subject {
                    user_id: uid,
                    ..Default::default()
                };
                log::write(conn, &client, now, &log_type, false, &subject);
                Ok(())
            })
            .await;
    }

    /// Where this request comes from, for the account services.
    pub fn origin(&self, now: i64) -> Origin<'_> {
        Origin {
            now,
            effective: &self.effective,
            client: &self.client,
            token: &self.token,
            throttle: &self.host.config.throttle,
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
            let cx = CaptchaCtx::of(&self.host, now);
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
        let cx = CodesCtx::of(&self.host, now);
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
