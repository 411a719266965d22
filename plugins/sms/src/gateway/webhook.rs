//! A generic HTTP webhook: unid POSTs the message as JSON to your URL, signed so the receiver
//! can tell it came from unid.
//!
//! Request: `POST <url>` with `Content-Type: application/json`, body
//! `{"phone":"+86…","templateId":"…","params":{"code":"…",…},"timestamp":<unix seconds>}`,
//! headers `X-Unid-Timestamp: <same seconds>` and
//! `X-Unid-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
//! Any 2xx answer is success.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::json;

use super::{GatewayError, SendFuture, SmsGateway, SmsMessage};

#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookConfig {
    pub url: String,
    pub secret: String,
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_timeout() -> u64 {
    5
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("secret", &"****")
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// `sha256=<hex>` over `"<timestamp>.<body>"`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    // HMAC accepts keys of any length.
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub struct WebhookSms {
    config: WebhookConfig,
    client: reqwest::Client,
}

impl WebhookSms {
    pub fn new(config: WebhookConfig) -> Result<Self, String> {
        if config.secret.is_empty() {
            return Err("plugins.sms.webhook.secret must not be empty".into());
        }
        if !(config.url.starts_with("http://") || config.url.starts_with("https://")) {
            return Err("plugins.sms.webhook.url must be an http(s) URL".into());
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(WebhookSms { config, client })
    }
}

impl SmsGateway for WebhookSms {
    fn send<'a>(&'a self, msg: &'a SmsMessage, now_secs: i64) -> SendFuture<'a> {
        Box::pin(async move {
            let body = json!({
                "phone": msg.phone,
                "templateId": msg.template_id,
                "params": msg.params,
                "timestamp": now_secs,
            })
            .to_string();
            let response = self
                .client
                .post(&self.config.url)
                .header("content-type", "application/json")
                .header("x-unid-timestamp", now_secs.to_string())
                .header(
                    "x-unid-signature",
                    signature(&self.config.secret, now_secs, &body),
                )
                .body(body)
                .send()
                .await
                .map_err(|e| GatewayError::Unreachable(e.to_string()))?;
            let status = response.status();
            if status.is_success() {
                Ok(())
            } else {
                let text = response.text().await.unwrap_or_default();
                Err(GatewayError::Rejected {
                    code: status.as_u16().to_string(),
                    message: text.chars().take(200).collect(),
                })
            }
        })
    }
}
