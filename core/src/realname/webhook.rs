//! The `webhook` backend: a face-verification service of your own, behind two signed JSON
//! calls to one URL.
//!
//! ```text
//! POST <url>   {"action":"certify","userId":…,"realName":…,"idCard":…,"metaInfo":…,"needPicture":bool}
//!          →   {"certifyId":"…"}
//! POST <url>   {"action":"result","certifyId":"…"}
//!          →   {"status":"PROCESSING"|"FAIL"|"SUCCESS","picture":"<base64, optional>"}
//! ```
//!
//! Each request carries `unid-timestamp` (ms) and `unid-signature` = hex HMAC-SHA256, keyed by
//! the shared secret, of `timestamp + "." + body`, so the service can tell unid's calls from
//! anyone else's and refuse old ones. An answer other than 2xx JSON is a refusal.
//!
//! Each 2xx answer carries `unid-signature` too: hex HMAC-SHA256 of the request's signature,
//! `"."` and the answer's body. An answer without it, or with another, is not believed: it
//! could come from anyone between unid and the service, or be a recorded `SUCCESS` played back
//! for another certification (the request's signature ties it to this one request).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{CertifyRequest, FaceVerifier, FrvError, FrvFuture, Outcome};
use crate::metrics::Metrics;

const PROVIDER: &str = "frv-webhook";
/// Largest answer read (a liveness photo, base64).
const MAX_ANSWER: usize = 4 << 20;

fn default_timeout() -> u64 {
    10
}

/// `[realname.webhook]`.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    /// Never printed.
    pub secret: String,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"****")
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

pub struct WebhookVerifier {
    config: WebhookConfig,
    client: reqwest::Client,
}

/// The signature of a body sent at `timestamp` (ms); of an answer, `timestamp` is the
/// request's signature.
pub fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

impl WebhookVerifier {
    pub fn new(config: WebhookConfig) -> Result<WebhookVerifier, String> {
        crate::outbound::http::check_url("realname.webhook.url", &config.url)?;
        if config.secret.len() < 16 {
            return Err(
                "config key `realname.webhook.secret` must be at least 16 characters".into(),
            );
        }
        if !(1..=120).contains(&config.timeout_secs) {
            return Err("config key `realname.webhook.timeoutSecs` must be 1–120".into());
        }
        let client = super::http_client("realname.webhook", config.timeout_secs)?;
        Ok(WebhookVerifier { config, client })
    }

    async fn call(&self, metrics: &Metrics, body: Value) -> Result<Value, FrvError> {
        super::observed(metrics, PROVIDER, self.exchange(&body)).await
    }

    async fn exchange(&self, body: &Value) -> Result<Value, FrvError> {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let timestamp = crate::clock::Clock::system().now_ms().to_string();
        let signature = signature(&self.config.secret, &timestamp, &bytes);
        let unreachable = |e: reqwest::Error| FrvError::Unreachable(e.without_url().to_string());
        let mut response = self
            .client
            .post(&self.config.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("unid-timestamp", &timestamp)
            .header("unid-signature", &signature)
            .body(bytes)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let answer_signature = response
            .headers()
            .get("unid-signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut answer = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if answer.len() + chunk.len() > MAX_ANSWER {
                return Err(FrvError::Unreachable("answer too large".into()));
            }
            answer.extend_from_slice(&chunk);
        }
        if !status.is_success() {
            return Err(FrvError::Refused(format!("HTTP {}", status.as_u16())));
        }
        let expected = self::signature(&self.config.secret, &signature, &answer);
        if !crate::secret::ct_eq(expected.as_bytes(), answer_signature.as_bytes()) {
            return Err(FrvError::Unreachable(
                "the answer's unid-signature is missing or wrong".into(),
            ));
        }
        serde_json::from_slice(&answer)
            .map_err(|e| FrvError::Unreachable(format!("malformed answer: {e}")))
    }
}

impl FaceVerifier for WebhookVerifier {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn certify_id<'a>(
        &'a self,
        metrics: &'a Metrics,
        req: &'a CertifyRequest,
    ) -> FrvFuture<'a, String> {
        Box::pin(async move {
            let answer = self
                .call(
                    metrics,
                    json!({
                        "action": "certify",
                        "userId": req.user_id,
                        "realName": req.real_name,
                        "idCard": req.id_card,
                        "metaInfo": req.meta_info,
                        "needPicture": req.need_picture,
                    }),
                )
                .await?;
            answer["certifyId"]
                .as_str()
                .filter(|id| !id.is_empty() && id.len() <= 128)
                .map(str::to_string)
                .ok_or_else(|| FrvError::Refused("no certifyId in the answer".into()))
        })
    }

    fn result<'a>(&'a self, metrics: &'a Metrics, certify_id: &'a str) -> FrvFuture<'a, Outcome> {
        Box::pin(async move {
            let answer = self
                .call(
                    metrics,
                    json!({"action": "result", "certifyId": certify_id}),
                )
                .await?;
            Ok(match answer["status"].as_str() {
                Some("PROCESSING") => Outcome::Processing,
                Some("FAIL") => Outcome::Fail,
                Some("SUCCESS") => Outcome::Success {
                    picture: answer["picture"]
                        .as_str()
                        .and_then(|p| BASE64.decode(p).ok()),
                },
                other => Outcome::Unknown(other.unwrap_or("").chars().take(64).collect()),
            })
        })
    }
}
