//! The `aliyun` backend: Aliyun (Alibaba Cloud) number verification, `GetMobile` of product
//! Dypnsapi, API version `2017-05-25` ("一键登录取号", help.aliyun.com document 115500 / the
//! `api-dypnsapi-2017-05-25-getmobile` reference).
//!
//! Request: the RPC-style common parameters plus `Action=GetMobile` and `AccessToken` = the token
//! the client's one-click SDK returned, signed with Aliyun's RPC signature V1 (HMAC-SHA1), shared
//! with the SMS plugin in [`unid_core::plugin::signing::aliyun_rpc`]. Sent as `POST` with a form body,
//! which keeps the access token out of URLs that proxies and error messages tend to log.
//!
//! Answer: `{"Code":"OK","Message":"请求成功","RequestId":"…","GetMobileResultDTO":{"Mobile":"139…"}}`;
//! any other `Code` (business refusals with HTTP 200, gateway refusals such as
//! `SignatureDoesNotMatch` with 4xx) is a refusal carrying that code.
//!
//! The client's token only works with an Aliyun one-click SDK on the phone; uni-app's
//! `univerify` provider yields tokens for DCloud's service, which the `unicloud` backend exchanges.

use std::fmt;

use serde::Deserialize;
use unid_core::plugin::signing::aliyun_rpc::{encode_pairs, signature};

use super::{Exchange, ExchangeError, PhoneBackend, PhoneFuture};

const KEY: &str = "plugins.univerify.aliyun";
const ACTION: &str = "GetMobile";
const API_VERSION: &str = "2017-05-25";
/// The HTTP method the backend uses, and therefore the one [`signed_params`] signs for.
const METHOD: &str = "POST";

fn default_endpoint() -> String {
    "https://dypnsapi.aliyuncs.com".to_owned()
}

fn default_timeout() -> u64 {
    5
}

/// `[plugins.univerify.aliyun]`.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AliyunConfig {
    pub access_key_id: String,
    /// Never printed: `Debug` shows `****`.
    pub access_key_secret: String,
    /// Base URL of the Dypnsapi service; overridable so tests can point at a local fake.
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    /// Whole-request timeout (connect, send, and read the answer).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

impl fmt::Debug for AliyunConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunConfig")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"****")
            .field("endpoint", &self.endpoint)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

pub struct AliyunBackend {
    config: AliyunConfig,
    endpoint: reqwest::Url,
    client: reqwest::Client,
}

impl fmt::Debug for AliyunBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunBackend")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AliyunBackend {
    /// Validates `config`; errors name the key and never contain the secret.
    pub fn new(config: AliyunConfig) -> Result<Self, String> {
        for (name, value) in [
            ("accessKeyId", &config.access_key_id),
            ("accessKeySecret", &config.access_key_secret),
        ] {
            if value.trim().is_empty() {
                return Err(format!("config key `{KEY}.{name}` must not be empty"));
            }
        }
        let endpoint = super::http_url(&config.endpoint, &format!("{KEY}.endpoint"))?;
        let client = super::http_client(config.timeout_secs, &format!("{KEY}.timeoutSecs"))?;
        Ok(AliyunBackend {
            config,
            endpoint,
            client,
        })
    }

    async fn lookup(
        &self,
        exchange: &Exchange<'_>,
        now_secs: i64,
    ) -> Result<String, ExchangeError> {
        // Aliyun refuses a reused nonce within its replay window; 128 random bits never repeat.
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let body = encode_pairs(&signed_params(
            &self.config,
            exchange.access_token,
            now_secs,
            &nonce,
        ));
        let timeout = self.config.timeout_secs;
        let response = self
            .client
            .post(self.endpoint.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| super::unreachable(e, timeout))?;
        let status = response.status().as_u16();
        let text = response
            .text()
            .await
            .map_err(|e| super::unreachable(e, timeout))?;
        super::to_e164(&interpret(status, &text)?)
    }
}

impl PhoneBackend for AliyunBackend {
    fn name(&self) -> &'static str {
        "aliyun"
    }

    fn phone_number<'a>(&'a self, exchange: &'a Exchange<'a>, now_secs: i64) -> PhoneFuture<'a> {
        Box::pin(self.lookup(exchange, now_secs))
    }
}

/// The complete, signed parameter list of a `GetMobile` request (signed for `POST`), sorted by
/// name with `Signature` last. Pure: the time and the nonce are inputs, so tests can pin them.
pub fn signed_params(
    config: &AliyunConfig,
    access_token: &str,
    now_secs: i64,
    nonce: &str,
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("AccessKeyId", config.access_key_id.as_str()),
        ("AccessToken", access_token),
        ("Action", ACTION),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", nonce),
        ("SignatureVersion", "1.0"),
        ("Timestamp", &iso8601(now_secs)),
        ("Version", API_VERSION),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    params.sort();
    let signature = signature(&config.access_key_secret, METHOD, &params);
    params.push(("Signature".to_owned(), signature));
    params
}

/// The fields of Aliyun's answer this module reads; `RequestId` and the rest are ignored.
#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
    #[serde(rename = "GetMobileResultDTO")]
    result: Option<MobileResult>,
}

#[derive(Deserialize)]
struct MobileResult {
    #[serde(rename = "Mobile")]
    mobile: Option<String>,
}

/// Maps Aliyun's answer to the number as Aliyun wrote it, or why not.
pub fn interpret(status: u16, body: &str) -> Result<String, ExchangeError> {
    let http_ok = (200..300).contains(&status);
    let answer = match serde_json::from_str::<Answer>(body) {
        Ok(answer) => answer,
        // Not Aliyun's JSON (a proxy's error page, an empty body).
        Err(_) if http_ok => {
            return Err(ExchangeError::InvalidAnswer(
                "Aliyun did not answer JSON".into(),
            ));
        }
        Err(_) => {
            return Err(ExchangeError::Rejected {
                code: format!("HTTP {status}"),
                message: sanitize(body),
            });
        }
    };
    let message = sanitize(answer.message.as_deref().unwrap_or_default());
    match answer.code.as_deref() {
        Some("OK") if http_ok => {}
        // "OK" with an error status is self-contradictory; do not trust a number from it.
        Some("OK") | None => {
            return Err(ExchangeError::Rejected {
                code: format!("HTTP {status}"),
                message,
            });
        }
        Some(code) => {
            return Err(ExchangeError::Rejected {
                code: code.to_owned(),
                message,
            });
        }
    }
    match answer.result.and_then(|r| r.mobile) {
        Some(mobile) if !mobile.trim().is_empty() => Ok(mobile.trim().to_owned()),
        _ => Err(ExchangeError::InvalidAnswer(
            "no GetMobileResultDTO.Mobile in Aliyun's answer".into(),
        )),
    }
}

/// Keeps a provider message short and free of request data: on `SignatureDoesNotMatch` Aliyun
/// appends "server string to sign is:…", which echoes every parameter, the access token
/// included, and the message ends up in logs.
fn sanitize(message: &str) -> String {
    let cut = message
        .find("server string to sign")
        .unwrap_or(message.len());
    super::shorten(&message[..cut])
}

/// Aliyun's `Timestamp` (UTC `2026-11-21T08:05:09Z`).
pub use unid_core::plugin::signing::time::iso8601;

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> AliyunConfig {
        AliyunConfig {
            access_key_id: "testId".into(),
            access_key_secret: "testSecret".into(),
            endpoint: default_endpoint(),
            timeout_secs: 5,
        }
    }

    /// Expected value computed independently with Python (`urllib.parse.quote(s, safe='-_.~')`,
    /// `hmac`, `hashlib.sha1`, `base64`) for these exact parameters.
    #[test]
    fn signed_params_match_an_independent_computation() {
        // 2024-03-01T08:00:00Z
        let params = signed_params(
            &config(),
            "Dfafdafad5422+/=",
            1_709_280_000,
            "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        );
        let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "AccessKeyId",
                "AccessToken",
                "Action",
                "Format",
                "SignatureMethod",
                "SignatureNonce",
                "SignatureVersion",
                "Timestamp",
                "Version",
                "Signature"
            ]
        );
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("Action"), Some("GetMobile"));
        assert_eq!(get("Version"), Some("2017-05-25"));
        assert_eq!(get("AccessToken"), Some("Dfafdafad5422+/="));
        assert_eq!(get("Timestamp"), Some("2024-03-01T08:00:00Z"));
        assert_eq!(get("Signature"), Some("h9V/erRFkeQwJaHL4F9vYx38eGE="));
    }

    #[test]
    fn timestamps_are_utc_iso8601() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_795_305_909), "2026-11-22T00:05:09Z");
    }

    #[test]
    fn the_documented_answer_gives_the_number() {
        let body = r#"{"Code":"OK","Message":"请求成功","RequestId":"8906582E-6722","GetMobileResultDTO":{"Mobile":"13900001234"}}"#;
        assert_eq!(interpret(200, body).as_deref(), Ok("13900001234"));
    }

    #[test]
    fn refusals_carry_aliyun_code_without_request_data() {
        let e = interpret(
            200,
            r#"{"Code":"isv.UNKNOWN","Message":"未知异常","RequestId":"x"}"#,
        )
        .expect_err("refused");
        assert_eq!(
            e,
            ExchangeError::Rejected {
                code: "isv.UNKNOWN".into(),
                message: "未知异常".into()
            }
        );
        let e = interpret(
            400,
            r#"{"Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DtestId%26AccessToken%3Dsecret-token"}"#,
        )
        .expect_err("refused");
        let text = e.to_string();
        assert!(text.contains("SignatureDoesNotMatch"), "{text}");
        assert!(!text.contains("secret-token"), "{text}");
        for (status, body) in [
            (200, ""),
            (200, r#"{"Code":"OK"}"#),
            (200, r#"{"Code":"OK","GetMobileResultDTO":{}}"#),
            (500, "<html>bad gateway</html>"),
            (
                503,
                r#"{"Code":"OK","GetMobileResultDTO":{"Mobile":"13900001234"}}"#,
            ),
        ] {
            assert!(interpret(status, body).is_err(), "{status} {body}");
        }
    }

    #[test]
    fn config_errors_name_the_key_and_debug_hides_the_secret() {
        let mut c = config();
        c.access_key_secret = " ".into();
        let err = AliyunBackend::new(c).expect_err("empty secret");
        assert!(
            err.contains("plugins.univerify.aliyun.accessKeySecret"),
            "{err}"
        );
        let mut c = config();
        c.endpoint = "dypnsapi".into();
        let err = AliyunBackend::new(c).expect_err("bad endpoint");
        assert!(err.contains("plugins.univerify.aliyun.endpoint"), "{err}");
        let backend = AliyunBackend::new(config()).expect("valid config");
        assert!(!format!("{backend:?}").contains("testSecret"));
    }
}
