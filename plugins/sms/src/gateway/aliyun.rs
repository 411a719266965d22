//! Aliyun (Alibaba Cloud) SMS: the `SendSms` operation of Dysmsapi, API version `2017-05-25`.
//!
//! This module owns everything Aliyun-specific: the configuration block, the conversion of an
//! E.164 number into the form Aliyun expects, the RPC-style request signature (signature method
//! `HMAC-SHA1`, `SignatureVersion=1.0`), and the mapping of Aliyun's answer onto
//! [`GatewayError`].
//!
//! The signature is computed by hand instead of through Aliyun's SDK because there is no
//! maintained Rust SDK, the algorithm is short and fully documented, and doing it here keeps the
//! dependency set to the hashing crates the other gateway needs anyway. Being hand-written, it is
//! checked against vectors published by Aliyun and, in the tests, against a local fake server
//! that verifies requests with an independent implementation of the documented algorithm.
//!
//! Contract (Aliyun "签名机制" / "Signature method" pages of the RPC API and of SMS):
//! 1. take every parameter except `Signature`, sort by name;
//! 2. percent-encode names and values in UTF-8, keeping only `A-Z a-z 0-9 - _ . ~`
//!    (so space is `%20`, `*` is `%2A`, `~` stays);
//! 3. join as `name=value` with `&` into the canonicalized query string;
//! 4. `StringToSign = METHOD + "&" + percentEncode("/") + "&" + percentEncode(canonicalized)`;
//! 5. `Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign))`, sent as a parameter.
//!
//! Requests are sent as `POST` with the parameters in an `application/x-www-form-urlencoded`
//! body (Aliyun accepts GET or POST for RPC operations; the method is part of the signature).
//! POST keeps the phone number and template values out of URLs, which proxies and HTTP error
//! messages tend to log.

use std::fmt;
use std::time::Duration;

use super::{GatewayError, SendFuture, SmsGateway, SmsMessage, iso8601};

/// The operation and API version this module speaks.
const ACTION: &str = "SendSms";
const API_VERSION: &str = "2017-05-25";
/// The HTTP method [`AliyunSms`] uses, and therefore the one [`signed_params`] signs for.
const METHOD: &str = "POST";
/// Longest provider message kept in a [`GatewayError::Rejected`]; error pages can be large.
const MAX_MESSAGE_CHARS: usize = 200;

fn default_endpoint() -> String {
    "https://dysmsapi.aliyuncs.com".to_owned()
}

fn default_region() -> String {
    "cn-hangzhou".to_owned()
}

fn default_timeout() -> u64 {
    5
}

/// The `aliyun` block of the SMS configuration.
#[derive(Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AliyunConfig {
    pub access_key_id: String,
    /// Never printed: `Debug` shows `****`.
    pub access_key_secret: String,
    /// The approved SMS signature (签名), e.g. the product name shown as 【...】.
    pub sign_name: String,
    /// Base URL of the Dysmsapi service; overridable so tests can point at a local fake.
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    #[serde(default = "default_region")]
    pub region_id: String,
    /// Whole-request timeout (connect, send, and read the answer).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

impl fmt::Debug for AliyunConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunConfig")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"****")
            .field("sign_name", &self.sign_name)
            .field("endpoint", &self.endpoint)
            .field("region_id", &self.region_id)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// The Aliyun SMS gateway: a validated configuration plus an HTTP client with its timeout.
pub struct AliyunSms {
    config: AliyunConfig,
    endpoint: reqwest::Url,
    client: reqwest::Client,
}

impl fmt::Debug for AliyunSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AliyunSms")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AliyunSms {
    /// Validates `config` and builds the HTTP client. The error names the faulty setting and
    /// never contains the secret.
    pub fn new(config: AliyunConfig) -> Result<Self, String> {
        for (name, value) in [
            ("accessKeyId", &config.access_key_id),
            ("accessKeySecret", &config.access_key_secret),
            ("signName", &config.sign_name),
            ("regionId", &config.region_id),
        ] {
            if value.trim().is_empty() {
                return Err(format!("aliyun SMS: {name} must not be empty"));
            }
        }
        let endpoint = reqwest::Url::parse(&config.endpoint).map_err(|e| {
            format!(
                "aliyun SMS: endpoint {:?} is not a URL: {e}",
                config.endpoint
            )
        })?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(format!(
                "aliyun SMS: endpoint {:?} must be http or https",
                config.endpoint
            ));
        }
        if config.timeout_secs == 0 {
            return Err("aliyun SMS: timeoutSecs must be at least 1".to_owned());
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .build()
            .map_err(|e| format!("aliyun SMS: cannot build the HTTP client: {e}"))?;
        Ok(Self {
            config,
            endpoint,
            client,
        })
    }

    async fn deliver(&self, msg: &SmsMessage, now_secs: i64) -> Result<(), GatewayError> {
        // Aliyun rejects a reused nonce within its replay window; 128 random bits never repeat.
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        let body = encode_pairs(&signed_params(&self.config, msg, now_secs, &nonce));
        let phone = mask_phone(&msg.phone);

        let answer = self
            .client
            .post(self.endpoint.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .await;
        let response = match answer {
            Ok(response) => response,
            Err(e) => return Err(self.unreachable(&e, &phone)),
        };
        let status = response.status().as_u16();
        let text = match response.text().await {
            Ok(text) => text,
            Err(e) => return Err(self.unreachable(&e, &phone)),
        };

        let outcome = interpret(status, &text);
        match &outcome {
            Ok(()) => tracing::debug!(%phone, template = %msg.template_id, "aliyun SMS accepted"),
            Err(e) => {
                tracing::debug!(%phone, template = %msg.template_id, error = %e, "aliyun SMS refused")
            }
        }
        outcome
    }

    fn unreachable(&self, err: &reqwest::Error, phone: &str) -> GatewayError {
        let reason = if err.is_timeout() {
            format!("no answer within {}s", self.config.timeout_secs)
        } else {
            error_chain(err)
        };
        tracing::debug!(%phone, %reason, "aliyun SMS unreachable");
        GatewayError::Unreachable(reason)
    }
}

impl SmsGateway for AliyunSms {
    fn send<'a>(&'a self, msg: &'a SmsMessage, now_secs: i64) -> SendFuture<'a> {
        Box::pin(self.deliver(msg, now_secs))
    }
}

/// The complete, signed parameter list of a `SendSms` request for `msg` (signed for `POST`,
/// the method [`AliyunSms`] uses), sorted by name with `Signature` last.
///
/// Pure: the time and the nonce are inputs, so tests can pin them.
pub fn signed_params(
    config: &AliyunConfig,
    msg: &SmsMessage,
    now_secs: i64,
    nonce: &str,
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = [
        ("AccessKeyId", config.access_key_id.clone()),
        ("Action", ACTION.to_owned()),
        ("Format", "JSON".to_owned()),
        ("PhoneNumbers", aliyun_phone(&msg.phone)),
        ("RegionId", config.region_id.clone()),
        ("SignName", config.sign_name.clone()),
        ("SignatureMethod", "HMAC-SHA1".to_owned()),
        ("SignatureNonce", nonce.to_owned()),
        ("SignatureVersion", "1.0".to_owned()),
        ("TemplateCode", msg.template_id.clone()),
        ("Timestamp", iso8601(now_secs)),
        ("Version", API_VERSION.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    // TemplateParam is optional for Aliyun; a template without variables gets none rather than `{}`.
    if !msg.params.is_empty() {
        let json = serde_json::to_string(&msg.params)
            .expect("a map from strings to strings always serializes to JSON");
        params.push(("TemplateParam".to_owned(), json));
    }
    params.sort();
    let signature = signature(&config.access_key_secret, METHOD, &params);
    params.push(("Signature".to_owned(), signature));
    params
}

use unid_core::plugin::signing::aliyun_rpc::encode_pairs;
#[cfg(test)]
use unid_core::plugin::signing::aliyun_rpc::percent_encode;
pub use unid_core::plugin::signing::aliyun_rpc::signature;

/// E.164 to Aliyun's `PhoneNumbers`: mainland China numbers without the country code
/// (`+8613800138000` → `13800138000`), others as digits with the country code
/// (`+85291234567` → `85291234567`). Country codes are prefix-free, so `+86` is always China.
/// Input without `+` is passed through; Aliyun itself answers `isv.MOBILE_NUMBER_ILLEGAL` for
/// anything it cannot use.
fn aliyun_phone(e164: &str) -> String {
    let phone = e164.trim();
    match phone.strip_prefix('+') {
        Some(digits) => digits.strip_prefix("86").unwrap_or(digits).to_owned(),
        None => phone.to_owned(),
    }
}

/// A phone number fit for logs: `+8613800138000` → `+86138****8000`.
fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let (head, tail) = if chars.len() >= 10 {
        (chars.len() - 8, 4)
    } else {
        (0, chars.len().min(2))
    };
    let hidden = chars.len() - head - tail;
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', hidden));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// The fields of Aliyun's answer this module reads; anything else (`BizId`, `RequestId`,
/// `Recommend`, `HostId`) is ignored.
#[derive(serde::Deserialize)]
struct Answer {
    #[serde(rename = "Code")]
    code: Option<String>,
    #[serde(rename = "Message")]
    message: Option<String>,
}

/// Maps Aliyun's answer onto the gateway result. Success is HTTP 2xx with `"Code":"OK"`;
/// business refusals (`isv.*`) come with HTTP 200, gateway refusals (`SignatureDoesNotMatch`,
/// `InvalidTimeStamp.Expired`, ...) with 4xx, both with a JSON `Code`.
fn interpret(status: u16, body: &str) -> Result<(), GatewayError> {
    let success_status = (200..300).contains(&status);
    match serde_json::from_str::<Answer>(body) {
        Ok(Answer {
            code: Some(code),
            message,
        }) => {
            let message = sanitize_message(message.as_deref().unwrap_or_default());
            if code == "OK" && success_status {
                Ok(())
            } else if code == "OK" {
                // "OK" with an error status is self-contradictory; do not count it as sent.
                Err(GatewayError::Rejected {
                    code: format!("HTTP {status}"),
                    message,
                })
            } else {
                Err(GatewayError::Rejected { code, message })
            }
        }
        // Not Aliyun's JSON (a proxy's error page, an empty body): the server did answer, so
        // this is a refusal, labelled by what we know.
        _ => Err(GatewayError::Rejected {
            code: if success_status {
                "InvalidResponse".to_owned()
            } else {
                format!("HTTP {status}")
            },
            message: sanitize_message(body),
        }),
    }
}

/// Keeps a provider message short and free of request data: on `SignatureDoesNotMatch`
/// Aliyun appends "server string to sign is:..." which echoes every parameter, including the
/// phone number, and the message ends up in logs.
fn sanitize_message(message: &str) -> String {
    let cut = message
        .find("server string to sign")
        .unwrap_or(message.len());
    let kept = message[..cut].trim();
    match kept.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &kept[..end]),
        None => kept.to_owned(),
    }
}

/// `reqwest`'s own message is terse ("error sending request for url (...)"); the cause
/// (connection refused, DNS, TLS) is in the source chain. The URL carries no parameters.
fn error_chain(err: &reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::BTreeMap;
    use std::time::{Instant, SystemTime, UNIX_EPOCH};

    use fake::{Fake, Mode};

    const KEY_ID: &str = "LTAI-test-key";
    const SECRET: &str = "fake-secret-Xy7";

    fn now() -> i64 {
        let elapsed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970");
        i64::try_from(elapsed.as_secs()).expect("time fits in i64")
    }

    fn config(endpoint: &str, secret: &str) -> AliyunConfig {
        AliyunConfig {
            access_key_id: KEY_ID.to_owned(),
            access_key_secret: secret.to_owned(),
            sign_name: "统一身份 Test*~".to_owned(),
            endpoint: endpoint.to_owned(),
            region_id: default_region(),
            timeout_secs: 5,
        }
    }

    /// Values chosen to exercise the encoding: UTF-8, space, `*`, `~`, and JSON punctuation.
    fn message(phone: &str) -> SmsMessage {
        let params = [
            ("name", "DCloud App*~ 1"),
            ("code", "123456"),
            ("action", "登录"),
            ("expMinute", "10"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect::<BTreeMap<_, _>>();
        SmsMessage {
            phone: phone.to_owned(),
            template_id: "SMS_123456789".to_owned(),
            params,
        }
    }

    fn gateway(endpoint: &str, secret: &str) -> AliyunSms {
        AliyunSms::new(config(endpoint, secret)).expect("valid test configuration")
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[tokio::test]
    async fn sends_a_signed_message_the_fake_accepts() {
        let (endpoint, fake) = Fake::start(KEY_ID, SECRET, Mode::Accept).await;
        let sms = gateway(&endpoint, SECRET);

        sms.send(&message("+8613800138000"), now())
            .await
            .expect("mainland message accepted");
        sms.send(&message("+85291234567"), now())
            .await
            .expect("Hong Kong message accepted");

        let received = fake.received();
        assert_eq!(received.len(), 2);
        let first = &received[0];
        assert_eq!(first.method, "POST");
        assert_eq!(first.phone, "13800138000");
        assert_eq!(first.sign_name, "统一身份 Test*~");
        assert_eq!(first.template_code, "SMS_123456789");
        assert_eq!(first.region, "cn-hangzhou");
        assert_eq!(
            first.template_param,
            Some(serde_json::json!({
                "name": "DCloud App*~ 1", "code": "123456", "action": "登录", "expMinute": "10"
            }))
        );
        assert_eq!(received[1].phone, "85291234567");
    }

    #[tokio::test]
    async fn wrong_secret_is_rejected_as_signature_mismatch() {
        let (endpoint, fake) = Fake::start(KEY_ID, SECRET, Mode::Accept).await;
        let sms = gateway(&endpoint, "not-the-secret");

        let err = sms
            .send(&message("+8613800138000"), now())
            .await
            .expect_err("bad signature");

        assert_eq!(
            err,
            GatewayError::Rejected {
                code: "SignatureDoesNotMatch".to_owned(),
                // The fake echoes the string to sign, like Aliyun; the gateway drops the echo.
                message: "Specified signature is not matched with our calculation.".to_owned(),
            }
        );
        assert!(fake.received().is_empty());
    }

    #[tokio::test]
    async fn business_refusal_is_rejected_with_its_code() {
        let mode = Mode::Refuse {
            code: "isv.BUSINESS_LIMIT_CONTROL",
            message: "触发小时级流控Permits:5",
        };
        let (endpoint, fake) = Fake::start(KEY_ID, SECRET, mode).await;

        let err = gateway(&endpoint, SECRET)
            .send(&message("+8613800138000"), now())
            .await
            .expect_err("refused");

        assert_eq!(
            err,
            GatewayError::Rejected {
                code: "isv.BUSINESS_LIMIT_CONTROL".to_owned(),
                message: "触发小时级流控Permits:5".to_owned(),
            }
        );
        // The signature was valid: the fake got as far as the business check.
        assert_eq!(fake.received().len(), 1);
    }

    #[tokio::test]
    async fn slow_provider_is_unreachable() {
        let (endpoint, _fake) =
            Fake::start(KEY_ID, SECRET, Mode::Delay(Duration::from_secs(3))).await;
        let sms = AliyunSms::new(AliyunConfig {
            timeout_secs: 1,
            ..config(&endpoint, SECRET)
        })
        .expect("valid");

        let started = Instant::now();
        let err = sms
            .send(&message("+8613800138000"), now())
            .await
            .expect_err("timed out");

        assert_eq!(
            err,
            GatewayError::Unreachable("no answer within 1s".to_owned())
        );
        assert!(
            started.elapsed() < Duration::from_millis(2500),
            "gave up at the timeout, not after the delay"
        );
    }

    #[tokio::test]
    async fn nothing_listening_is_unreachable() {
        // Take a free port, then free it again so the connection is refused.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local address");
        drop(listener);

        let err = gateway(&format!("http://{addr}"), SECRET)
            .send(&message("+8613800138000"), now())
            .await
            .expect_err("nobody there");

        assert!(matches!(err, GatewayError::Unreachable(_)), "{err:?}");
    }

    #[tokio::test]
    async fn stale_timestamp_is_rejected() {
        let (endpoint, _fake) = Fake::start(KEY_ID, SECRET, Mode::Accept).await;

        let err = gateway(&endpoint, SECRET)
            .send(&message("+8613800138000"), now() - 3600)
            .await
            .expect_err("an hour old");

        assert!(
            matches!(&err, GatewayError::Rejected { code, .. } if code == "InvalidTimeStamp.Expired"),
            "{err:?}"
        );
    }

    /// Checks the fake too: the exact same signed request must not be accepted twice.
    #[tokio::test]
    async fn replayed_request_is_rejected_by_nonce() {
        let (endpoint, _fake) = Fake::start(KEY_ID, SECRET, Mode::Accept).await;
        let body = encode_pairs(&signed_params(
            &config(&endpoint, SECRET),
            &message("+8613800138000"),
            now(),
            "n-1",
        ));
        let post = || async {
            let response = reqwest::Client::new()
                .post(&endpoint)
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body.clone())
                .send()
                .await
                .expect("fake reachable");
            let status = response.status().as_u16();
            interpret(status, &response.text().await.expect("body"))
        };

        assert_eq!(post().await, Ok(()));
        let err = post().await.expect_err("replay");
        assert!(
            matches!(&err, GatewayError::Rejected { code, .. } if code == "SignatureNonceUsed"),
            "{err:?}"
        );
    }

    /// Published by Aliyun in the RPC "签名机制" example (DescribeRegions, AccessKeyId `testid`,
    /// secret `testsecret`), reproduced at https://developer.aliyun.com/ask/210168: the
    /// StringToSign there and `CT9X0VtwR86fNWSnsc6v8YGOjuE=`. The example spells `TimeStamp`.
    #[test]
    fn signature_matches_aliyun_describe_regions_example() {
        let params = pairs(&[
            ("TimeStamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]);
        assert_eq!(
            signature("testsecret", "GET", &params),
            "CT9X0VtwR86fNWSnsc6v8YGOjuE="
        );
    }

    /// Published by Aliyun for the sibling voice API on the same 2017-05-25 POP scheme
    /// ("HTTP协议及签名", SingleCallByTts, `testId`/`testSecret`), reproduced at
    /// https://developer.aliyun.com/ask/218386: final URL with `Signature=aMfgrx8DLS7vLfpeR1c2rrKLr0Q%3D`.
    /// Its JSON parameter covers quotes, colons and commas as in `TemplateParam`.
    #[test]
    fn signature_matches_aliyun_voice_example_with_json_parameter() {
        let params = pairs(&[
            ("AccessKeyId", "testId"),
            ("Action", "SingleCallByTts"),
            ("CalledNumber", "13000000000"),
            ("CalledShowNumber", "057112345678"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "f7d2d4ef-6d5f-4da4-86ed-88e001a66abb"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2017-09-28T14:31:56Z"),
            ("TtsCode", "TTS_0000000"),
            ("TtsParam", r#"{"code":"1234","product":"test"}"#),
            ("Version", "2017-05-25"),
        ]);
        assert_eq!(
            signature("testSecret", "GET", &params),
            "aMfgrx8DLS7vLfpeR1c2rrKLr0Q="
        );
    }

    /// The SendSms example parameters of Aliyun's SMS "生成请求签名" page
    /// (https://help.aliyun.com/document_detail/101343.htm), with the UTF-8 `SignName`. The stored
    /// copy of that page stops before its result, so the expected value was computed
    /// independently with Python (`urllib.parse.quote(s, safe='-_.~')`, `hmac`, `hashlib.sha1`,
    /// `base64`).
    #[test]
    fn signature_matches_python_for_the_sms_example() {
        let params = pairs(&[
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", r#"{"customer":"test"}"#),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]);
        assert_eq!(
            signature("testSecret", "GET", &params),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4="
        );
        // `Signature` itself never takes part in the signature.
        let mut with_signature = params.clone();
        with_signature.push(("Signature".to_owned(), "anything".to_owned()));
        assert_eq!(
            signature("testSecret", "GET", &with_signature),
            "zJDF+Lrzhj/ThnlvIToysFRq6t4="
        );
    }

    #[test]
    fn percent_encoding_follows_aliyun_rules() {
        assert_eq!(percent_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(percent_encode("a b*c+d/e:"), "a%20b%2Ac%2Bd%2Fe%3A");
        assert_eq!(percent_encode("é登"), "%C3%A9%E7%99%BB");
    }

    #[test]
    fn signed_params_carry_the_contract() {
        let params = signed_params(
            &config("http://unused", SECRET),
            &message("+8613800138000"),
            1_795_305_909,
            "abc",
        );
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };

        assert_eq!(get("AccessKeyId"), Some(KEY_ID));
        assert_eq!(get("Action"), Some("SendSms"));
        assert_eq!(get("Format"), Some("JSON"));
        assert_eq!(get("PhoneNumbers"), Some("13800138000"));
        assert_eq!(get("RegionId"), Some("cn-hangzhou"));
        assert_eq!(get("SignatureMethod"), Some("HMAC-SHA1"));
        assert_eq!(get("SignatureNonce"), Some("abc"));
        assert_eq!(get("SignatureVersion"), Some("1.0"));
        assert_eq!(get("TemplateCode"), Some("SMS_123456789"));
        assert_eq!(get("Timestamp"), Some("2026-11-22T00:05:09Z"));
        assert_eq!(get("Version"), Some("2017-05-25"));
        assert_eq!(
            get("TemplateParam"),
            Some(r#"{"action":"登录","code":"123456","expMinute":"10","name":"DCloud App*~ 1"}"#)
        );
        let (last_name, last_value) = params.last().expect("non-empty");
        assert_eq!(last_name, "Signature");
        assert_eq!(*last_value, signature(SECRET, "POST", &params));

        let bare = SmsMessage {
            params: BTreeMap::new(),
            ..message("+8613800138000")
        };
        let params = signed_params(&config("http://unused", SECRET), &bare, 0, "abc");
        assert!(params.iter().all(|(k, _)| k != "TemplateParam"));
    }

    #[test]
    fn phone_numbers_are_converted_and_masked() {
        assert_eq!(aliyun_phone("+8613800138000"), "13800138000");
        assert_eq!(aliyun_phone("+85291234567"), "85291234567");
        assert_eq!(aliyun_phone("+14155550100"), "14155550100");
        assert_eq!(aliyun_phone("13800138000"), "13800138000");
        assert_eq!(mask_phone("+8613800138000"), "+86138****8000");
        assert_eq!(mask_phone("13800138000"), "138****8000");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn answers_are_interpreted() {
        let ok =
            r#"{"Code":"OK","Message":"OK","BizId":"900619746936498440^0","RequestId":"F655A8D5"}"#;
        assert_eq!(interpret(200, ok), Ok(()));
        assert_eq!(
            interpret(
                200,
                r#"{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"非法手机号","RequestId":"x"}"#
            ),
            Err(GatewayError::Rejected {
                code: "isv.MOBILE_NUMBER_ILLEGAL".to_owned(),
                message: "非法手机号".to_owned()
            })
        );
        assert_eq!(
            interpret(502, "<html>Bad Gateway</html>"),
            Err(GatewayError::Rejected {
                code: "HTTP 502".to_owned(),
                message: "<html>Bad Gateway</html>".to_owned()
            })
        );
        assert_eq!(
            interpret(200, ""),
            Err(GatewayError::Rejected {
                code: "InvalidResponse".to_owned(),
                message: String::new()
            })
        );
        assert!(
            matches!(interpret(500, ok), Err(GatewayError::Rejected { code, .. }) if code == "HTTP 500")
        );
        let long = "x".repeat(1000);
        let Err(GatewayError::Rejected { message, .. }) = interpret(503, &long) else {
            panic!("refused")
        };
        assert_eq!(message.chars().count(), MAX_MESSAGE_CHARS + 1);
    }

    #[test]
    fn debug_hides_the_secret() {
        let config = config("http://unused", SECRET);
        let printed = format!("{config:?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(printed.contains("****"), "{printed}");
        let printed = format!("{:?}", AliyunSms::new(config).expect("valid"));
        assert!(!printed.contains(SECRET), "{printed}");
    }

    #[test]
    fn config_deserializes_with_defaults_and_is_validated() {
        let config: AliyunConfig = serde_json::from_value(serde_json::json!({
            "accessKeyId": "id", "accessKeySecret": "secret", "signName": "unid"
        }))
        .expect("minimal config");
        assert_eq!(config.endpoint, "https://dysmsapi.aliyuncs.com");
        assert_eq!(config.region_id, "cn-hangzhou");
        assert_eq!(config.timeout_secs, 5);
        assert!(AliyunSms::new(config.clone()).is_ok());

        let unknown = serde_json::from_value::<AliyunConfig>(serde_json::json!({
            "accessKeyId": "id", "accessKeySecret": "secret", "signName": "unid", "templateId": "x"
        }));
        assert!(unknown.is_err());

        let err = AliyunSms::new(AliyunConfig {
            access_key_secret: " ".to_owned(),
            ..config.clone()
        })
        .expect_err("empty secret");
        assert!(err.contains("accessKeySecret"), "{err}");
        assert!(
            AliyunSms::new(AliyunConfig {
                endpoint: "dysmsapi".to_owned(),
                ..config.clone()
            })
            .is_err()
        );
        assert!(
            AliyunSms::new(AliyunConfig {
                endpoint: "ftp://host".to_owned(),
                ..config.clone()
            })
            .is_err()
        );
        assert!(
            AliyunSms::new(AliyunConfig {
                timeout_secs: 0,
                ..config
            })
            .is_err()
        );
    }

    #[test]
    fn fake_parses_timestamps() {
        assert_eq!(fake::parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            fake::parse_timestamp("2000-02-29T00:00:00Z"),
            Some(951_782_400)
        );
        assert_eq!(
            fake::parse_timestamp("2026-11-22T00:05:09Z"),
            Some(1_795_305_909)
        );
        assert_eq!(fake::parse_timestamp("2026-11-22 00:05:09Z"), None);
        assert_eq!(fake::parse_timestamp("2026-11-22T00:05:09"), None);
    }

    /// A local stand-in for Dysmsapi that checks requests the way Aliyun documents it.
    ///
    /// Its signature check is deliberately written apart from the client's: it follows the
    /// docs' other recipe (form-encode with a standard encoder, then `+`→`%20`, `*`→`%2A`,
    /// `%7E`→`~`), works on the parameters as decoded from the wire, uses the actual HTTP
    /// method, and compares MAC bytes rather than Base64 text.
    mod fake {
        use std::collections::{BTreeMap, HashSet};
        use std::sync::{Arc, Mutex, MutexGuard};
        use std::time::{Duration, SystemTime, UNIX_EPOCH};

        use actix_web::http::{Method, StatusCode};
        use actix_web::web::{self, Json, Query};
        use actix_web::{App, HttpRequest, HttpServer};
        use base64::Engine as _;
        use base64::engine::general_purpose::STANDARD as BASE64;
        use hmac::{Hmac, Mac};
        use serde_json::{Value, json};
        use sha1::Sha1;

        /// Aliyun accepts timestamps within 15 minutes of its clock.
        const MAX_SKEW_SECS: i64 = 15 * 60;

        const REQUIRED: [&str; 13] = [
            "AccessKeyId",
            "Action",
            "Format",
            "PhoneNumbers",
            "RegionId",
            "SignName",
            "Signature",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "TemplateCode",
            "Timestamp",
            "Version",
        ];

        #[derive(Clone, Copy)]
        pub enum Mode {
            Accept,
            /// Answer HTTP 200 with this business error code, as SendSms does for `isv.*`.
            Refuse {
                code: &'static str,
                message: &'static str,
            },
            /// Accept, but only after this long.
            Delay(Duration),
        }

        #[derive(Clone, Debug)]
        pub struct Received {
            pub method: String,
            pub phone: String,
            pub sign_name: String,
            pub template_code: String,
            pub template_param: Option<Value>,
            pub region: String,
        }

        pub struct Fake {
            access_key_id: String,
            secret: String,
            mode: Mode,
            nonces: Mutex<HashSet<String>>,
            received: Mutex<Vec<Received>>,
        }

        type Refusal = (StatusCode, &'static str, String);

        fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
            mutex
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        }

        impl Fake {
            /// Serves on 127.0.0.1 (any free port); returns the endpoint URL and the fake.
            pub async fn start(
                access_key_id: &str,
                secret: &str,
                mode: Mode,
            ) -> (String, Arc<Fake>) {
                let fake = Arc::new(Fake {
                    access_key_id: access_key_id.to_owned(),
                    secret: secret.to_owned(),
                    mode,
                    nonces: Mutex::default(),
                    received: Mutex::default(),
                });
                let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fake");
                let addr = listener.local_addr().expect("fake address");
                let state = Arc::clone(&fake);
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::ThinData(Arc::clone(&state)))
                        .route("/", web::route().to(handle))
                })
                .workers(1)
                .disable_signals()
                .listen(listener)
                .expect("serve the fake")
                .run();
                tokio::spawn(server);
                (format!("http://{addr}"), fake)
            }

            pub fn received(&self) -> Vec<Received> {
                lock(&self.received).clone()
            }
        }

        async fn handle(
            fake: web::ThinData<Arc<Fake>>,
            request: HttpRequest,
            body: web::Bytes,
        ) -> (Json<Value>, StatusCode) {
            let decode = |text: &str| {
                Query::<Vec<(String, String)>>::from_query(text)
                    .map(Query::into_inner)
                    .unwrap_or_default()
            };
            let method = request.method().clone();
            let query = decode(request.query_string());
            // Only POST has a form body besides the query string.
            let wire = if method == Method::GET {
                query
            } else {
                let form = decode(std::str::from_utf8(&body).unwrap_or_default());
                query.into_iter().chain(form).collect()
            };
            let request_id = "0A1B2C3D-FAKE";
            match verify(&fake, &method, wire) {
                Err((status, code, message)) => (
                    Json(json!({"RequestId": request_id, "Code": code, "Message": message})),
                    status,
                ),
                Ok(()) => match fake.mode {
                    Mode::Refuse { code, message } => (
                        Json(json!({"RequestId": request_id, "Code": code, "Message": message})),
                        StatusCode::OK,
                    ),
                    Mode::Accept | Mode::Delay(_) => {
                        if let Mode::Delay(delay) = fake.mode {
                            tokio::time::sleep(delay).await;
                        }
                        let ok = json!({"RequestId": request_id, "Code": "OK", "Message": "OK", "BizId": "123^0"});
                        (Json(ok), StatusCode::OK)
                    }
                },
            }
        }

        fn verify(
            fake: &Fake,
            method: &Method,
            wire: Vec<(String, String)>,
        ) -> Result<(), Refusal> {
            let mut params = BTreeMap::new();
            for (name, value) in wire {
                if params.insert(name.clone(), value).is_some() {
                    return Err(invalid(&name, "is given more than once"));
                }
            }
            for name in REQUIRED {
                if params.get(name).is_none_or(|v| v.is_empty()) {
                    let message = format!(
                        "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
                    );
                    return Err((StatusCode::BAD_REQUEST, "MissingParameter", message));
                }
            }
            let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();

            if param("Action") != "SendSms" {
                let message =
                    "Specified api is not found, please check your url and method.".to_owned();
                return Err((StatusCode::NOT_FOUND, "InvalidAction.NotFound", message));
            }
            if param("Version") != "2017-05-25" {
                return Err(invalid("Version", "is not valid"));
            }
            if param("Format") != "JSON" {
                return Err(invalid("Format", "must be JSON for this fake"));
            }
            if param("SignatureMethod") != "HMAC-SHA1" || param("SignatureVersion") != "1.0" {
                let message = "Specified signature method or version is not supported.".to_owned();
                return Err((StatusCode::BAD_REQUEST, "InvalidSignatureMethod", message));
            }
            if param("AccessKeyId") != fake.access_key_id {
                let message = "Specified access key is not found.".to_owned();
                return Err((
                    StatusCode::NOT_FOUND,
                    "InvalidAccessKeyId.NotFound",
                    message,
                ));
            }

            // Step 1-2 of the docs: sorted (BTreeMap), encoded, joined; then the string to sign.
            let canonical = params
                .iter()
                .filter(|(name, _)| *name != "Signature")
                .map(|(name, value)| format!("{}={}", pop_encode(name), pop_encode(value)))
                .collect::<Vec<_>>()
                .join("&");
            let string_to_sign = format!(
                "{}&{}&{}",
                method.as_str(),
                pop_encode("/"),
                pop_encode(&canonical)
            );
            let mut mac = Hmac::<Sha1>::new_from_slice(format!("{}&", fake.secret).as_bytes())
                .expect("any key length");
            mac.update(string_to_sign.as_bytes());
            let claimed = BASE64.decode(param("Signature")).unwrap_or_default();
            if mac.verify_slice(&claimed).is_err() {
                // Aliyun echoes its string to sign to help debugging; the client must not log it.
                let message = format!(
                    "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
                );
                return Err((StatusCode::BAD_REQUEST, "SignatureDoesNotMatch", message));
            }

            let Some(timestamp) = parse_timestamp(param("Timestamp")) else {
                let message =
                    "Specified time stamp or date value is not well formatted.".to_owned();
                return Err((StatusCode::BAD_REQUEST, "InvalidTimeStamp.Format", message));
            };
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let now = i64::try_from(now).unwrap_or(i64::MAX);
            if (now - timestamp).abs() > MAX_SKEW_SECS {
                let message = "Specified time stamp or date value is expired.".to_owned();
                return Err((StatusCode::BAD_REQUEST, "InvalidTimeStamp.Expired", message));
            }
            if !lock(&fake.nonces).insert(param("SignatureNonce").to_owned()) {
                let message = "Specified signature nonce was used already.".to_owned();
                return Err((StatusCode::BAD_REQUEST, "SignatureNonceUsed", message));
            }

            let template_param = match params.get("TemplateParam") {
                None => None,
                Some(text) => match serde_json::from_str::<Value>(text) {
                    Ok(value @ Value::Object(_)) => Some(value),
                    _ => {
                        let message = "JSON参数不合法，只接受字符串值".to_owned();
                        return Err((StatusCode::OK, "isv.INVALID_JSON_PARAM", message));
                    }
                },
            };
            lock(&fake.received).push(Received {
                method: method.as_str().to_owned(),
                phone: param("PhoneNumbers").to_owned(),
                sign_name: param("SignName").to_owned(),
                template_code: param("TemplateCode").to_owned(),
                template_param,
                region: param("RegionId").to_owned(),
            });
            Ok(())
        }

        fn invalid(name: &str, why: &str) -> Refusal {
            (
                StatusCode::BAD_REQUEST,
                "InvalidParameter",
                format!("The parameter {name} {why}."),
            )
        }

        /// The docs' alternative recipe: standard form encoding, then fix up the three
        /// characters where it differs from RFC 3986.
        fn pop_encode(value: &str) -> String {
            let mut url = reqwest::Url::parse("http://fake.invalid/").expect("static URL");
            url.query_pairs_mut().append_key_only(value);
            url.query()
                .unwrap_or_default()
                .replace('+', "%20")
                .replace('*', "%2A")
                .replace("%7E", "~")
        }

        /// `YYYY-MM-DDThh:mm:ssZ` to Unix seconds (days-from-civil, proleptic Gregorian).
        pub fn parse_timestamp(text: &str) -> Option<i64> {
            let bytes = text.as_bytes();
            let shape_ok = bytes.len() == 20
                && bytes[4] == b'-'
                && bytes[7] == b'-'
                && bytes[10] == b'T'
                && bytes[13] == b':'
                && bytes[16] == b':'
                && bytes[19] == b'Z';
            if !shape_ok {
                return None;
            }
            let field = |from: usize, to: usize| -> Option<i64> {
                let digits = text.get(from..to)?;
                digits
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| digits.parse().ok())?
            };
            let (year, month, day) = (field(0, 4)?, field(5, 7)?, field(8, 10)?);
            let (hour, minute, second) = (field(11, 13)?, field(14, 16)?, field(17, 19)?);
            if !(1..=12).contains(&month)
                || !(1..=31).contains(&day)
                || hour > 23
                || minute > 59
                || second > 60
            {
                return None;
            }
            let y = if month <= 2 { year - 1 } else { year };
            let era = y.div_euclid(400);
            let year_of_era = y - era * 400;
            let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
            let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
            let days = era * 146_097 + day_of_era - 719_468;
            Some(days * 86_400 + hour * 3600 + minute * 60 + second)
        }
    }
}
