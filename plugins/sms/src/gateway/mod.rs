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

/// UTC calendar fields of a Unix time: `(year, month, day, hour, minute, second)`.
/// Both providers' signatures carry the date; this avoids a date-time dependency.
pub fn utc(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// `2026-11-21T08:05:09Z`
pub fn iso8601(secs: i64) -> String {
    let (y, mo, d, h, mi, s) = utc(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `2026-11-21`
pub fn date(secs: i64) -> String {
    let (y, mo, d, ..) = utc(secs);
    format!("{y:04}-{mo:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_795_305_909), "2026-11-22T00:05:09Z");
        assert_eq!(date(1_551_113_065), "2019-02-25");
    }
}
