//! SMS gateways: the port through which a verification code leaves unid.
//!
//! Each real gateway speaks its provider's public HTTP API and signature scheme, with a
//! configurable endpoint so tests can point it at a local fake that checks the signature the way
//! the provider would.

pub mod aliyun;
pub mod log;
pub mod tencent;
pub mod webhook;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

/// One message to send.
#[derive(Debug, Clone)]
pub struct SmsMessage {
    /// E.164, e.g. `+8613800138000`.
    pub phone: String,
    /// The provider's template id for the scene.
    pub template_id: String,
    /// Template variables in uni-id's naming: `name`, `code`, `action`, `expMinute`.
    pub params: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayError {
    /// The provider could not be reached or did not answer in time.
    Unreachable(String),
    /// The provider answered with an error (its code and message).
    Rejected { code: String, message: String },
}

impl std::fmt::Display for GatewayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GatewayError::Unreachable(e) => write!(f, "SMS provider unreachable: {e}"),
            GatewayError::Rejected { code, message } => {
                write!(f, "SMS provider refused: {code}: {message}")
            }
        }
    }
}

impl std::error::Error for GatewayError {}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<(), GatewayError>> + Send + 'a>>;

pub trait SmsGateway: Send + Sync {
    /// Sends `msg`; `now_secs` is the current Unix time (signatures include it).
    fn send<'a>(&'a self, msg: &'a SmsMessage, now_secs: i64) -> SendFuture<'a>;
}

pub use unid_core::plugin::signing::time::{date, iso8601, utc};
