//! The `unicloud` backend: the route the univerify documents give for your own server.
//!
//! The number lookup (`uniCloud.getPhoneNumber`) only runs inside DCloud's uniCloud runtime and
//! its HTTP protocol is not public. The documents ("自有服务器调用" / "Connect uniCloud cloud
//! functions through traditional servers") therefore have the developer deploy a URL-ized cloud
//! function that calls `getPhoneNumber` and returns its result, protected by a shared secret.
//! This module is the server side of that example, exactly as documented:
//!
//! * `GET <url>?access_token=…&openid=…&sign=…`;
//! * `sign` = lower-case hex of HMAC-SHA256 keyed with the shared secret over the parameters
//!   (except `sign`) sorted by name and joined as `key=value&key=value`, with the values as they
//!   are, not URL-encoded (the cloud function rebuilds the string from the decoded
//!   `queryStringParameters`);
//! * the answer is `getPhoneNumber`'s result as JSON: `{"code":0,"message":"","phoneNumber":"138…"}`.
//!
//! The documented example signs no timestamp or nonce, and unid adds none, so the request is
//! exactly what the documents' cloud function verifies. A captured request could be replayed to
//! the function; carrier tokens are short-lived and single-use, which bounds the damage.
//! Values are percent-encoded with RFC 3986 rules (never `+`), so a base64 access token decodes
//! to the string that was signed whatever form decoder the runtime uses.

use std::fmt;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Map, Value};
use unid_core::plugin::signing::aliyun_rpc::percent_encode;

use super::{Exchange, ExchangeError, PhoneBackend, PhoneFuture};

const KEY: &str = "plugins.univerify.unicloud";

fn default_timeout() -> u64 {
    5
}

/// `[plugins.univerify.unicloud]`.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnicloudConfig {
    /// The URL-ized cloud function (uniCloud web console → cloud function → details).
    pub url: String,
    /// The secret shared with the cloud function. Never printed: `Debug` shows `****`.
    pub secret: String,
    /// Whole-request timeout (connect, send, and read the answer).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

impl fmt::Debug for UnicloudConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnicloudConfig")
            .field("url", &self.url)
            .field("secret", &"****")
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// `sign` of the documented example: hex HMAC-SHA256(secret, sorted `key=value&…`).
pub fn sign(secret: &str, params: &[(&str, &str)]) -> String {
    let mut sorted = params.to_vec();
    sorted.sort();
    let text = sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    // HMAC accepts keys of any length.
    let mut mac =
        Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(text.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

pub struct UnicloudBackend {
    url: reqwest::Url,
    secret: String,
    timeout_secs: u64,
    client: reqwest::Client,
}

impl fmt::Debug for UnicloudBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnicloudBackend")
            .field("url", &self.url.as_str())
            .field("timeout_secs", &self.timeout_secs)
            .finish_non_exhaustive()
    }
}

impl UnicloudBackend {
    /// Validates `config`; errors name the key and never contain the secret.
    pub fn new(config: UnicloudConfig) -> Result<Self, String> {
        if config.secret.trim().is_empty() {
            return Err(format!("config key `{KEY}.secret` must not be empty"));
        }
        let url = super::http_url(&config.url, &format!("{KEY}.url"))?;
        if url.query().is_some() {
            // The cloud function signs every query parameter it receives; unid adds its own.
            return Err(format!(
                "config key `{KEY}.url` must not carry a query string (unid adds access_token, openid and sign)"
            ));
        }
        let client = super::http_client(config.timeout_secs, &format!("{KEY}.timeoutSecs"))?;
        Ok(UnicloudBackend {
            url,
            secret: config.secret,
            timeout_secs: config.timeout_secs,
            client,
        })
    }

    /// The signed request URL.
    pub fn request_url(&self, exchange: &Exchange<'_>) -> reqwest::Url {
        let params = [
            ("access_token", exchange.access_token),
            ("openid", exchange.openid),
        ];
        let sign = sign(&self.secret, &params);
        let query = params
            .iter()
            .chain([("sign", sign.as_str())].iter())
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut url = self.url.clone();
        url.set_query(Some(&query));
        url
    }

    async fn lookup(&self, exchange: &Exchange<'_>) -> Result<String, ExchangeError> {
        let response = self
            .client
            .get(self.request_url(exchange))
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| super::unreachable(e, self.timeout_secs))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| super::unreachable(e, self.timeout_secs))?;
        super::to_e164(&interpret(status, &body)?)
    }
}

impl PhoneBackend for UnicloudBackend {
    fn name(&self) -> &'static str {
        "unicloud"
    }

    fn phone_number<'a>(&'a self, exchange: &'a Exchange<'a>, _now_secs: i64) -> PhoneFuture<'a> {
        Box::pin(self.lookup(exchange))
    }
}

/// Reads the cloud function's answer: the phone number as the provider wrote it, or why not.
///
/// Accepted shapes, all from the univerify documents:
/// * `getPhoneNumber`'s result returned as is: `{"code":0,"message":"","phoneNumber":"138…"}`;
/// * the same with a `success` flag: `{"code":0,"success":true,"phoneNumber":"166…"}`;
/// * a `uni.request`-style envelope around it, as the documents print "Return res data":
///   `{"data":{…},"statusCode":200,"header":{…},"errMsg":"request:ok"}`.
///
/// An error is a non-zero `code` (or `errCode`, uniCloud's newer style), `success: false`, or
/// an HTTP error status; its code and `message` / `errMsg` go into the error, with the
/// univerify error table's explanation for known codes.
pub fn interpret(status: u16, body: &str) -> Result<String, ExchangeError> {
    let http_ok = (200..300).contains(&status);
    let top = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(top)) => top,
        _ if http_ok => {
            return Err(ExchangeError::InvalidAnswer(
                "the cloud function did not answer a JSON object".into(),
            ));
        }
        _ => {
            return Err(ExchangeError::Rejected {
                code: format!("HTTP {status}"),
                message: super::shorten(body),
            });
        }
    };
    let (answer, envelope_status) = match top.get("data") {
        Some(Value::Object(inner)) if !top.contains_key("phoneNumber") => {
            (inner, top.get("statusCode").and_then(Value::as_i64))
        }
        _ => (&top, None),
    };
    let message = text_of(answer, &["message", "errMsg", "msg"]);
    if let Some(code) = code_of(answer).filter(|c| !c.is_empty() && c != "0") {
        let message = match describe(&code) {
            Some(known) if message.is_empty() => known.to_owned(),
            Some(known) => format!("{message} ({known})"),
            None => message,
        };
        return Err(ExchangeError::Rejected { code, message });
    }
    if answer.get("success") == Some(&Value::Bool(false)) {
        return Err(ExchangeError::Rejected {
            code: "success=false".into(),
            message,
        });
    }
    let envelope_ok = envelope_status.is_none_or(|s| (200..300).contains(&s));
    if !http_ok || !envelope_ok {
        let shown = envelope_status
            .filter(|_| http_ok)
            .unwrap_or(i64::from(status));
        return Err(ExchangeError::Rejected {
            code: format!("HTTP {shown}"),
            message,
        });
    }
    match answer.get("phoneNumber").and_then(Value::as_str) {
        Some(phone) if !phone.trim().is_empty() => Ok(phone.trim().to_owned()),
        _ => Err(ExchangeError::InvalidAnswer(
            "no phoneNumber in the cloud function's answer".into(),
        )),
    }
}

/// `code` or `errCode` as text; numbers and strings both occur.
fn code_of(answer: &Map<String, Value>) -> Option<String> {
    ["code", "errCode"]
        .iter()
        .find_map(|k| match answer.get(*k) {
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            _ => None,
        })
}

fn text_of(answer: &Map<String, Value>, keys: &[&str]) -> String {
    keys.iter()
        .find_map(|k| answer.get(*k).and_then(Value::as_str))
        .map(super::shorten)
        .unwrap_or_default()
}

/// The univerify error table (documents, "error code"): what a code means, for the log.
pub fn describe(code: &str) -> Option<&'static str> {
    Some(match code {
        "-7" => "uniAppid is missing",
        "1000" => "one-click login is not enabled for this uniAppid",
        "1001" => "the app owner's one-click login service is abnormal",
        "1002" => "the app owner's account balance is insufficient",
        "4001" => "request parameters are abnormal",
        "4003" => "developer account appid verification failed",
        "5000" => "number lookup failed: SIM suspended or access_token expired",
        "20202" => "mobile data is off on the device",
        "30001" => "the network does not allow one-click login",
        "30002" => "the user chose another login method",
        "30003" => "the user closed the authorization page",
        "30004" => "other error",
        "30005" => "pre-login failed",
        "30006" => "one-click login failed",
        "30007" => "could not get the local number's verification token",
        "30008" => "the user pressed a custom button",
        "40004" => "the application does not exist",
        "40047" => "one-click login failed to get the number",
        "40053" => "phone number verification failed",
        "40101" => "China Mobile source-IP authentication failed",
        "40201" => "China Unicom source-IP authentication failed",
        "40301" => "China Telecom source-IP authentication failed",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backend(url: &str, secret: &str) -> Result<UnicloudBackend, String> {
        UnicloudBackend::new(UnicloudConfig {
            url: url.into(),
            secret: secret.into(),
            timeout_secs: 5,
        })
    }

    /// The documents' example (`access_token=xxx`, `openid=xxx`, secret
    /// `your-secret-string`); expected value from `openssl dgst -sha256 -hmac` and Python's
    /// `hmac`.
    #[test]
    fn sign_matches_the_documented_algorithm() {
        assert_eq!(
            sign(
                "your-secret-string",
                &[("openid", "xxx"), ("access_token", "xxx")]
            ),
            "37eb5201eb8db6c74a25e24b7133e6f6693b549191790722d429b20b6b8651f1"
        );
        // The sample authResult of the univerify documents: base64 with `=`, signed as is.
        assert_eq!(
            sign(
                "your-secret-string",
                &[
                    (
                        "access_token",
                        "ZGI4NjkxZWE4YjAyNGUzMjhiMmZiNDcwODBjYjc5MDF8fDJ8djJ8Mg=="
                    ),
                    (
                        "openid",
                        "208E2FBE6EF64DF3B2D377D886EF2A14124262bfd7ae16465ea0f0634554dcee7636"
                    ),
                ]
            ),
            "e03b29e1c51c77593a06863a4cbd8ed4aa6609bc8ae5ba200c89a17f663cbd97"
        );
    }

    #[test]
    fn request_url_carries_the_signed_parameters_encoded() {
        let b = backend("https://fc.example.com/univerify", "your-secret-string")
            .expect("valid config");
        let url = b.request_url(&Exchange {
            access_token: "a+b/c==",
            openid: "xxx",
        });
        let expected_sign = sign(
            "your-secret-string",
            &[("access_token", "a+b/c=="), ("openid", "xxx")],
        );
        assert_eq!(
            url.as_str(),
            format!(
                "https://fc.example.com/univerify?access_token=a%2Bb%2Fc%3D%3D&openid=xxx&sign={expected_sign}"
            )
        );
    }

    #[test]
    fn config_errors_name_the_key() {
        let err = backend("https://x.example.com/f", " ").expect_err("empty secret");
        assert!(err.contains("plugins.univerify.unicloud.secret"), "{err}");
        let err = backend("not a url", "s").expect_err("bad url");
        assert!(err.contains("plugins.univerify.unicloud.url"), "{err}");
        let err = backend("ftp://x.example.com/f", "s").expect_err("not http");
        assert!(err.contains("plugins.univerify.unicloud.url"), "{err}");
        let err = backend("https://x.example.com/f?a=1", "s").expect_err("query string");
        assert!(err.contains("plugins.univerify.unicloud.url"), "{err}");
        let err = UnicloudBackend::new(UnicloudConfig {
            url: "https://x.example.com/f".into(),
            secret: "s".into(),
            timeout_secs: 0,
        })
        .expect_err("zero timeout");
        assert!(
            err.contains("plugins.univerify.unicloud.timeoutSecs"),
            "{err}"
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let config = UnicloudConfig {
            url: "https://x.example.com/f".into(),
            secret: "hunter2-shared".into(),
            timeout_secs: 5,
        };
        assert!(!format!("{config:?}").contains("hunter2"));
        let b = UnicloudBackend::new(config).expect("valid config");
        assert!(!format!("{b:?}").contains("hunter2"));
    }

    #[test]
    fn documented_answers_give_the_number() {
        for body in [
            r#"{"code":0,"message":"","phoneNumber":"13800138000"}"#,
            r#"{"code":0,"success":true,"phoneNumber":"16600006666"}"#,
            r#"{"data":{"code":0,"success":true,"phoneNumber":"16600006666"},"statusCode":200,"header":{"Content-Type":"application/json; charset=utf-8"},"errMsg":"request:ok"}"#,
            r#"{"code":"0","phoneNumber":" 13800138000 "}"#,
            r#"{"errCode":0,"errMsg":"","phoneNumber":"13800138000"}"#,
        ] {
            let phone = interpret(200, body).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert!(phone == "13800138000" || phone == "16600006666", "{body}");
        }
    }

    #[test]
    fn error_answers_are_refusals_with_their_code() {
        let e = interpret(200, r#"{"code":5000,"message":"取号失败"}"#).expect_err("refused");
        let ExchangeError::Rejected { code, message } = e else {
            panic!("{e:?}")
        };
        assert_eq!(code, "5000");
        assert!(message.starts_with("取号失败 ("), "{message}");
        assert!(message.contains("access_token expired"), "{message}");

        let e = interpret(200, r#"{"code":"40047"}"#).expect_err("refused");
        assert_eq!(
            e,
            ExchangeError::Rejected {
                code: "40047".into(),
                message: "one-click login failed to get the number".into()
            }
        );
        let e = interpret(200, r#"{"errCode":"uni-cloud-verify-fail","errMsg":"x"}"#)
            .expect_err("refused");
        assert!(
            matches!(e, ExchangeError::Rejected { ref code, .. } if code == "uni-cloud-verify-fail")
        );
        let e = interpret(200, r#"{"success":false,"message":"no"}"#).expect_err("refused");
        assert!(matches!(e, ExchangeError::Rejected { ref code, .. } if code == "success=false"));
        let e = interpret(
            200,
            r#"{"data":{"code":4001,"success":false},"statusCode":200}"#,
        )
        .expect_err("refused");
        assert!(matches!(e, ExchangeError::Rejected { ref code, .. } if code == "4001"));
        let e = interpret(
            200,
            r#"{"data":{"phoneNumber":"13800138000"},"statusCode":502}"#,
        )
        .expect_err("refused");
        assert!(matches!(e, ExchangeError::Rejected { ref code, .. } if code == "HTTP 502"));
    }

    #[test]
    fn http_errors_and_odd_answers_are_failures() {
        let e = interpret(500, "Internal Server Error").expect_err("refused");
        assert_eq!(
            e,
            ExchangeError::Rejected {
                code: "HTTP 500".into(),
                message: "Internal Server Error".into()
            }
        );
        // A thrown `Error('非法访问')` (bad sign), whatever envelope the runtime gives it.
        let e = interpret(500, r#"{"message":"非法访问"}"#).expect_err("refused");
        assert!(
            matches!(e, ExchangeError::Rejected { ref code, ref message } if code == "HTTP 500" && message == "非法访问")
        );
        // A phone number with an error status is not trusted.
        assert!(interpret(403, r#"{"code":0,"phoneNumber":"13800138000"}"#).is_err());
        for body in [
            "",
            "[]",
            "null",
            r#"{"code":0,"message":"获取手机号成功"}"#,
            r#"{"code":""}"#,
        ] {
            assert!(
                matches!(interpret(200, body), Err(ExchangeError::InvalidAnswer(_))),
                "{body}"
            );
        }
    }
}
