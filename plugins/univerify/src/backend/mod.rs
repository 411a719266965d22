//! Number-exchange backends: the port through which a one-click login's `access_token` +
//! `openid` become a phone number.
//!
//! The phone number unid logs a user in with only ever comes from here, never from the client.
//! Each backend speaks its provider's public HTTP protocol with a configurable URL, so tests can
//! point it at a local fake that checks the signature the way the provider would. A backend
//! must never put the access token, a secret or the full phone number into an error: errors end
//! up in logs.

pub mod aliyun;
pub mod unicloud;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use unid_core::plugin::accounts::phone;

/// What the client got from `uni.login({provider: 'univerify'})` (`authResult`).
pub struct Exchange<'a> {
    pub access_token: &'a str,
    pub openid: &'a str,
}

impl fmt::Debug for Exchange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The access token is a one-time bearer credential for the user's number.
        f.debug_struct("Exchange")
            .field("access_token", &"****")
            .field("openid", &self.openid)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeError {
    /// The provider could not be reached or did not answer in time.
    Unreachable(String),
    /// The provider answered with an error (its code and reason).
    Rejected { code: String, message: String },
    /// The provider answered success, but not with a usable phone number.
    InvalidAnswer(String),
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::Unreachable(e) => write!(f, "number provider unreachable: {e}"),
            ExchangeError::Rejected { code, message } if message.is_empty() => {
                write!(f, "number provider refused: {code}")
            }
            ExchangeError::Rejected { code, message } => {
                write!(f, "number provider refused: {code}: {message}")
            }
            ExchangeError::InvalidAnswer(e) => write!(f, "number provider answer unusable: {e}"),
        }
    }
}

impl std::error::Error for ExchangeError {}

/// The E.164 phone number, or why there is none.
pub type PhoneFuture<'a> = Pin<Box<dyn Future<Output = Result<String, ExchangeError>> + Send + 'a>>;

pub trait PhoneBackend: Send + Sync {
    /// `unicloud`, `aliyun`: for logs.
    fn name(&self) -> &'static str;

    /// Exchanges the client's token for the phone number (E.164); `now_secs` is the current Unix
    /// time (signatures may include it).
    fn phone_number<'a>(&'a self, exchange: &'a Exchange<'a>, now_secs: i64) -> PhoneFuture<'a>;
}

/// Longest provider text kept in an error; error pages can be large.
const MAX_MESSAGE_CHARS: usize = 200;

/// A provider's number → E.164. The providers answer mainland numbers (`13800138000`); an answer
/// that is no phone number at all is not echoed, as it may be personal data in another shape.
pub fn to_e164(raw: &str) -> Result<String, ExchangeError> {
    phone::to_e164(raw).ok_or_else(|| {
        ExchangeError::InvalidAnswer("the phone number is not in a known form".into())
    })
}

/// Keeps provider text short enough for a log line.
pub fn shorten(message: &str) -> String {
    let kept = message.trim();
    match kept.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &kept[..end]),
        None => kept.to_owned(),
    }
}

/// An HTTP client with a whole-request timeout; `key` names the setting in errors.
pub fn http_client(timeout_secs: u64, key: &str) -> Result<reqwest::Client, String> {
    if timeout_secs == 0 {
        return Err(format!("config key `{key}` must be at least 1"));
    }
    reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout_secs))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Parses an http(s) URL from the config; `key` names the setting in errors.
pub fn http_url(value: &str, key: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(value.trim())
        .map_err(|e| format!("config key `{key}` is not a URL ({value:?}): {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "config key `{key}` must be an http or https URL ({value:?})"
        ));
    }
    Ok(url)
}

/// Why a request failed, for the log. `reqwest`'s own message is terse; the cause (connection
/// refused, DNS, TLS) is in the source chain. Timeouts are named as such.
pub fn unreachable(err: reqwest::Error, timeout_secs: u64) -> ExchangeError {
    if err.is_timeout() {
        return ExchangeError::Unreachable(format!("no answer within {timeout_secs}s"));
    }
    // The URL in reqwest's message can carry the query (the unicloud backend's access token).
    let err = err.without_url();
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    ExchangeError::Unreachable(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exchange_debug_hides_the_token() {
        let e = Exchange {
            access_token: "ZGI4NjkxZWE4YjAy",
            openid: "208E2FBE",
        };
        let shown = format!("{e:?}");
        assert!(!shown.contains("ZGI4NjkxZWE4YjAy"), "{shown}");
        assert!(shown.contains("208E2FBE"));
    }

    #[test]
    fn phone_numbers_become_e164_and_garbage_is_not_echoed() {
        assert_eq!(to_e164("13800138000").as_deref(), Ok("+8613800138000"));
        assert_eq!(to_e164("+8613800138000").as_deref(), Ok("+8613800138000"));
        let err = to_e164("138****8000 secret")
            .expect_err("not a number")
            .to_string();
        assert!(!err.contains("138"), "{err}");
    }

    #[test]
    fn long_messages_are_shortened() {
        assert_eq!(shorten("  short "), "short");
        let long = "错".repeat(300);
        assert_eq!(shorten(&long).chars().count(), MAX_MESSAGE_CHARS + 1);
    }
}
