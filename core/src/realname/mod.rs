//! Real-name verification by face (spec §1.3 frv): the port through which `getFrvCertifyId` and
//! `getFrvAuthResult` reach a face-verification service, and its backends.
//!
//! uni-id calls uniCloud's own service (`getFacialRecognitionVerifyManager`); unid is
//! configured with one of:
//! - `aliyun`: Alibaba Cloud's ID verification (cloudauth `InitFaceVerify` /
//!   `DescribeFaceVerify`), the service behind uniCloud's;
//! - `webhook`: any service of your own, called over a small signed HTTP contract (see
//!   [`webhook`]);
//! - in test mode with no backend configured, a verifier that passes every certification (as
//!   uni-id's test setups do), so the client flow can be built without a contract.

pub mod aliyun;
pub mod cipher;
pub mod rules;
pub mod webhook;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Deserialize;

use crate::metrics::Metrics;

/// What the client's verification is about.
#[derive(Clone)]
pub struct CertifyRequest {
    pub real_name: String,
    pub id_card: String,
    /// The client SDK's `uni.getFacialRecognitionMetaInfo()`.
    pub meta_info: String,
    /// `frvNeedAlivePhoto`: keep the liveness photo.
    pub need_picture: bool,
    pub user_id: String,
}

impl fmt::Debug for CertifyRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names and ID numbers never reach a log.
        f.debug_struct("CertifyRequest")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// The outcome of a certification, as uni-id distinguishes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The user has not finished yet.
    Processing,
    Fail,
    /// Passed; the liveness photo when one was asked for and kept.
    Success {
        picture: Option<Vec<u8>>,
    },
    /// Anything else the service answered.
    Unknown(String),
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum FrvError {
    #[error("the face-verification service cannot be reached: {0}")]
    Unreachable(String),
    #[error("the face-verification service refused: {0}")]
    Refused(String),
}

pub type FrvFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, FrvError>> + Send + 'a>>;

/// A face-verification service.
pub trait FaceVerifier: Send + Sync {
    /// Its name in `/metrics` and the logs.
    fn name(&self) -> &'static str;
    /// Starts a certification; the id the client SDK then runs with.
    fn certify_id<'a>(
        &'a self,
        metrics: &'a Metrics,
        req: &'a CertifyRequest,
    ) -> FrvFuture<'a, String>;
    /// How the certification `certify_id` ended, if it has.
    fn result<'a>(&'a self, metrics: &'a Metrics, certify_id: &'a str) -> FrvFuture<'a, Outcome>;
}

/// `[realname]`: which backend, and its settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RealnameConfig {
    /// `aliyun` or `webhook`; none: real-name verification is off (outside test mode).
    pub provider: Option<String>,
    pub aliyun: Option<aliyun::AliyunConfig>,
    pub webhook: Option<webhook::WebhookConfig>,
}

/// The configured verifier, `None` when real-name verification is off.
pub fn build(
    config: &RealnameConfig,
    test_mode: bool,
) -> Result<Option<Arc<dyn FaceVerifier>>, String> {
    match config.provider.as_deref() {
        None if test_mode => Ok(Some(Arc::new(TestVerifier))),
        None => Ok(None),
        Some("aliyun") => {
            let c = config
                .aliyun
                .clone()
                .ok_or("config key `realname.aliyun` is required with provider = \"aliyun\"")?;
            Ok(Some(Arc::new(aliyun::AliyunVerifier::new(c)?)))
        }
        Some("webhook") => {
            let c = config
                .webhook
                .clone()
                .ok_or("config key `realname.webhook` is required with provider = \"webhook\"")?;
            Ok(Some(Arc::new(webhook::WebhookVerifier::new(c)?)))
        }
        Some(other) => Err(format!(
            "config key `realname.provider`: `{other}` is not one of aliyun, webhook"
        )),
    }
}

/// The HTTP client of a backend whose calls give up after `timeout_secs`; `key` names its
/// config section in the error.
fn http_client(key: &str, timeout_secs: u64) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(timeout_secs))
        .user_agent(concat!("unid/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client for {key}: {e}"))
}

/// Runs one call to a backend and counts it in `/metrics` under `provider`.
async fn observed<T>(
    metrics: &Metrics,
    provider: &'static str,
    call: impl Future<Output = Result<T, FrvError>>,
) -> Result<T, FrvError> {
    let started = std::time::Instant::now();
    let result = call.await;
    let outcome = match &result {
        Ok(_) => crate::metrics::Outcome::Ok,
        Err(FrvError::Refused(_)) => crate::metrics::Outcome::Rejected,
        Err(FrvError::Unreachable(_)) => crate::metrics::Outcome::Unreachable,
    };
    metrics.outbound(provider, outcome, started.elapsed());
    result
}

/// Test mode's verifier: every certification passes, without a photo.
struct TestVerifier;

impl FaceVerifier for TestVerifier {
    fn name(&self) -> &'static str {
        "frv-test"
    }

    fn certify_id<'a>(&'a self, _: &'a Metrics, _: &'a CertifyRequest) -> FrvFuture<'a, String> {
        Box::pin(async { Ok(format!("test{}", hex::encode(rand::random::<[u8; 14]>()))) })
    }

    fn result<'a>(&'a self, _: &'a Metrics, _: &'a str) -> FrvFuture<'a, Outcome> {
        Box::pin(async { Ok(Outcome::Success { picture: None }) })
    }
}
