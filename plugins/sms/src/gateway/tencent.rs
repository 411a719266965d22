//! Tencent Cloud SMS: the `SendSms` action of API version 2021-01-11, signed with TC3-HMAC-SHA256.
//!
//! This module owns the gateway's configuration (`tencent` section), the request body, the
//! signature, and the translation of Tencent's answers into [`GatewayError`].
//!
//! The signature is done by hand rather than through Tencent's SDK: there is no official Rust
//! SDK, the scheme is short (a canonical request, a string to sign and an HMAC-SHA256 key chain)
//! and the crate already depends on `hmac`/`sha2`. Signing by hand also lets the endpoint be any
//! URL, so the tests can point the gateway at a local fake that checks the signature the way
//! Tencent does. The scheme follows Tencent's "Signature v3" document; its worked example
//! (CVM `DescribeInstances`) is reproduced in the tests.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{GatewayError, SendFuture, SmsGateway, SmsMessage};

/// The product name: it appears in the credential scope and is checked against the endpoint.
const SERVICE: &str = "sms";
const ACTION: &str = "SendSms";
const VERSION: &str = "2021-01-11";
const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// Sent and signed verbatim: Tencent rejects the signature when the signed content type differs
/// from the one on the wire, so it is one constant used for both.
const CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// `content-type` and `host` are the minimum Tencent requires; signing more buys nothing here
/// because the action and version are fixed.
const SIGNED_HEADERS: &str = "content-type;host";

/// The `tencent` section of the SMS plugin's configuration.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TencentConfig {
    pub secret_id: String,
    /// Never printed: `Debug` is implemented by hand.
    pub secret_key: String,
    pub sms_sdk_app_id: String,
    pub sign_name: String,
    /// Base URL of the API, without a path: `https://sms.tencentcloudapi.com`.
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// Which of the message's params fill the template's {1}, {2}…, in order (Tencent templates
    /// are positional).
    #[serde(default = "default_template_params")]
    pub template_params: Vec<String>,
    /// Whole-request timeout: connecting, sending and reading the answer.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_endpoint() -> String {
    "https://sms.tencentcloudapi.com".to_owned()
}

fn default_region() -> String {
    "ap-guangzhou".to_owned()
}

fn default_template_params() -> Vec<String> {
    vec!["code".to_owned(), "expMinute".to_owned()]
}

fn default_timeout() -> u64 {
    5
}

impl fmt::Debug for TencentConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The SecretId only names the key (Tencent compares it to a user name); the SecretKey
        // is the credential and must not reach logs or panic messages.
        f.debug_struct("TencentConfig")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"****")
            .field("sms_sdk_app_id", &self.sms_sdk_app_id)
            .field("sign_name", &self.sign_name)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("template_params", &self.template_params)
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// The Tencent Cloud SMS gateway.
#[derive(Debug)]
pub struct TencentSms {
    config: TencentConfig,
    /// The parsed endpoint the request is posted to.
    url: reqwest::Url,
    /// `host[:port]` of the endpoint: sent as `Host` and signed, so the two cannot differ.
    host: String,
    client: reqwest::Client,
}

impl TencentSms {
    /// Checks the configuration and builds the HTTP client (with the configured timeout).
    pub fn new(config: TencentConfig) -> Result<Self, String> {
        for (field, value) in [
            ("secretId", &config.secret_id),
            ("secretKey", &config.secret_key),
            ("smsSdkAppId", &config.sms_sdk_app_id),
            ("signName", &config.sign_name),
            ("region", &config.region),
        ] {
            if value.trim().is_empty() {
                return Err(format!("tencent SMS: `{field}` is empty"));
            }
        }
        // Both end up in header values; refusing them here turns a send-time failure into a
        // start-up one.
        for (field, value) in [("secretId", &config.secret_id), ("region", &config.region)] {
            if reqwest::header::HeaderValue::from_str(value).is_err() {
                return Err(format!(
                    "tencent SMS: `{field}` is not a valid HTTP header value"
                ));
            }
        }
        if config.timeout_secs == 0 {
            return Err("tencent SMS: `timeoutSecs` must be at least 1".to_owned());
        }

        let url = reqwest::Url::parse(&config.endpoint).map_err(|e| {
            format!(
                "tencent SMS: `endpoint` {:?} is not a URL: {e}",
                config.endpoint
            )
        })?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(format!(
                "tencent SMS: `endpoint` {:?} is not http(s)",
                config.endpoint
            ));
        }
        // API 3.0 signs the canonical URI `/` and an empty query string, so an endpoint with a
        // path or query would be signed for a request other than the one sent.
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "tencent SMS: `endpoint` {:?} must not have a path, query or fragment",
                config.endpoint
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("tencent SMS: `endpoint` must not carry user info".to_owned());
        }
        let host_name = url
            .host_str()
            .ok_or_else(|| format!("tencent SMS: `endpoint` {:?} has no host", config.endpoint))?;
        // `Url::port` is `None` for the scheme's default port, which is also when HTTP clients
        // leave the port out of `Host`.
        let host = match url.port() {
            Some(port) => format!("{host_name}:{port}"),
            None => host_name.to_owned(),
        };

        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            // A redirect would carry a signed request somewhere it was not signed for.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("tencent SMS: cannot build the HTTP client: {e}"))?;

        Ok(Self {
            config,
            url,
            host,
            client,
        })
    }

    async fn send_message(&self, msg: &SmsMessage, now_secs: i64) -> Result<(), GatewayError> {
        let mut params = Vec::with_capacity(self.config.template_params.len());
        for name in &self.config.template_params {
            match msg.params.get(name) {
                Some(value) => params.push(value.as_str()),
                // Sending a blank would deliver a broken SMS and Tencent may accept it, so a
                // misconfigured `templateParams` fails here, visibly, without calling Tencent.
                None => {
                    return Err(GatewayError::Rejected {
                        code: "unid.MissingTemplateParam".to_owned(),
                        message: format!(
                            "the message has no `{name}` parameter for the Tencent template"
                        ),
                    });
                }
            }
        }

        let request = SendSmsRequest {
            phone_number_set: [msg.phone.as_str()],
            sms_sdk_app_id: &self.config.sms_sdk_app_id,
            sign_name: &self.config.sign_name,
            template_id: &msg.template_id,
            template_param_set: params,
        };
        // Serialised once: the signature covers these exact bytes.
        let body = serde_json::to_string(&request)
            .map_err(|e| GatewayError::Unreachable(format!("cannot encode the request: {e}")))?;
        let auth = authorization(
            &self.config.secret_id,
            &self.config.secret_key,
            &self.host,
            &body,
            now_secs,
        );

        let answer = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            // Set explicitly so the value on the wire is the one signed.
            .header(reqwest::header::HOST, &self.host)
            .header(reqwest::header::AUTHORIZATION, auth)
            .header("X-TC-Action", ACTION)
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", now_secs.to_string())
            .header("X-TC-Region", &self.config.region)
            .body(body)
            .send()
            .await
            .map_err(|e| self.unreachable(msg, &e))?;
        let status = answer.status().as_u16();
        let text = answer.text().await.map_err(|e| self.unreachable(msg, &e))?;

        match interpret(status, &text) {
            Ok(request_id) => {
                tracing::debug!(phone = %mask_phone(&msg.phone), request_id, "Tencent SMS accepted");
                Ok(())
            }
            Err(error) => {
                tracing::warn!(phone = %mask_phone(&msg.phone), %error, "Tencent SMS failed");
                Err(error)
            }
        }
    }

    fn unreachable(&self, msg: &SmsMessage, e: &reqwest::Error) -> GatewayError {
        let detail = if e.is_timeout() {
            format!("no answer within {} s", self.config.timeout_secs)
        } else {
            // reqwest's own text is only "error sending request"; the cause is in the chain.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        };
        tracing::warn!(phone = %mask_phone(&msg.phone), %detail, "Tencent SMS unreachable");
        GatewayError::Unreachable(detail)
    }
}

impl SmsGateway for TencentSms {
    fn send<'a>(&'a self, msg: &'a SmsMessage, now_secs: i64) -> SendFuture<'a> {
        Box::pin(self.send_message(msg, now_secs))
    }
}

/// The `SendSms` body. Field order is irrelevant to Tencent; it only has to be the bytes signed.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SendSmsRequest<'a> {
    phone_number_set: [&'a str; 1],
    sms_sdk_app_id: &'a str,
    sign_name: &'a str,
    template_id: &'a str,
    template_param_set: Vec<&'a str>,
}

/// Tencent wraps every answer, success or failure, in `{"Response": {...}}`, usually with
/// HTTP 200 even for errors.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: AnswerBody,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AnswerBody {
    error: Option<ApiError>,
    #[serde(default)]
    send_status_set: Vec<SendStatus>,
    request_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiError {
    code: String,
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendStatus {
    code: String,
    #[serde(default)]
    message: String,
}

/// Reads an answer: the request id on success, otherwise the error to report.
fn interpret(status: u16, body: &str) -> Result<Option<String>, GatewayError> {
    let Ok(Envelope { response }) = serde_json::from_str::<Envelope>(body) else {
        // The body is not echoed: a proxy's HTML page says nothing useful and may be large.
        return Err(GatewayError::Unreachable(format!(
            "HTTP {status}: not a Tencent Cloud API answer"
        )));
    };
    // A request-level error (signature, credentials, parameters) is the provider speaking, so it
    // is a rejection whatever the HTTP status.
    if let Some(error) = response.error {
        return Err(GatewayError::Rejected {
            code: error.code,
            message: error.message,
        });
    }
    if !(200..300).contains(&status) {
        return Err(GatewayError::Unreachable(format!(
            "HTTP {status} without an error code"
        )));
    }
    if response.send_status_set.is_empty() {
        return Err(GatewayError::Unreachable(format!(
            "HTTP {status}: the answer has neither an error nor a send status"
        )));
    }
    // One number is sent per request; any status other than `Ok` is that number's failure
    // (rate limits, unapproved template, …).
    if let Some(failed) = response
        .send_status_set
        .into_iter()
        .find(|s| s.code != "Ok")
    {
        return Err(GatewayError::Rejected {
            code: failed.code,
            message: failed.message,
        });
    }
    Ok(response.request_id)
}

/// `+86****8000`: enough to tell messages apart in logs without storing the number.
fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 7 {
        return "****".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// Pure: the Authorization header value for a body, host and time (tests and the fake use it).
pub fn authorization(
    secret_id: &str,
    secret_key: &str,
    host: &str,
    body: &str,
    now_secs: i64,
) -> String {
    sign(secret_id, secret_key, SERVICE, host, body, now_secs)
}

/// TC3-HMAC-SHA256 for a JSON `POST /` to `host`; `service` is a parameter only so the
/// documented example (for `cvm`) can be checked.
fn sign(
    secret_id: &str,
    secret_key: &str,
    service: &str,
    host: &str,
    body: &str,
    now_secs: i64,
) -> String {
    // 1. Canonical request: method, URI `/`, empty query, headers as `key:value\n` (lowercase,
    //    trimmed, sorted by key), the signed header names, and the hex SHA-256 of the body.
    let canonical_request = format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\n{SIGNED_HEADERS}\n{}",
        CONTENT_TYPE.to_ascii_lowercase(),
        host.trim().to_ascii_lowercase(),
        sha256_hex(body.as_bytes()),
    );
    // 2. String to sign. The date is the UTC date of the timestamp: Tencent recomputes it, so a
    //    local-time date would fail every night around midnight.
    let date = super::date(now_secs);
    let scope = format!("{date}/{service}/tc3_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{now_secs}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    // 3. Derived key: "TC3" + SecretKey → date → service → "tc3_request".
    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    let signature = hex::encode(hmac_sha256(&secret_signing, string_to_sign.as_bytes()));
    // 4. The header value.
    format!(
        "{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};
    use std::time::{SystemTime, UNIX_EPOCH};

    use actix_web::http::header::HeaderMap;
    use actix_web::web::{self, Json};
    use actix_web::{App, HttpRequest, HttpServer};
    use serde_json::{Value, json};

    const FAKE_ID: &str = "AKIDfake0123456789";
    const FAKE_KEY: &str = "fake-secret-key-0123456789";
    const APP_ID: &str = "1400006666";

    // ---- the fake Tencent Cloud ------------------------------------------------------------

    /// How the fake answers a correctly signed request.
    #[derive(Clone, Copy)]
    enum Mode {
        Accept,
        /// Answers with this `Code` in SendStatusSet (a per-number failure).
        StatusCode(&'static str),
        /// Waits this long before accepting.
        Delay(Duration),
    }

    /// One request the fake accepted.
    #[derive(Debug, Clone)]
    struct Received {
        phones: Vec<String>,
        sign_name: String,
        template_id: String,
        params: Vec<String>,
        region: String,
    }

    struct Fake {
        mode: Mode,
        received: Mutex<Vec<Received>>,
    }

    impl Fake {
        fn received(&self) -> Vec<Received> {
            self.received
                .lock()
                .expect("fake state lock poisoned")
                .clone()
        }
    }

    async fn start_fake(mode: Mode) -> (String, Arc<Fake>) {
        let fake = Arc::new(Fake {
            mode,
            received: Mutex::new(Vec::new()),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fake");
        let addr = listener.local_addr().expect("the fake's address");
        let state = fake.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::ThinData(state.clone()))
                .route("/", web::post().to(fake_handler))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("serve the fake")
        .run();
        tokio::spawn(server);
        (format!("http://{addr}"), fake)
    }

    fn fake_error(code: &str, message: &str) -> Json<Value> {
        Json(json!({
            "Response": { "Error": { "Code": code, "Message": message }, "RequestId": "fake-request-error" }
        }))
    }

    async fn fake_handler(
        fake: web::ThinData<Arc<Fake>>,
        request: HttpRequest,
        body: String,
    ) -> Json<Value> {
        let headers = request.headers();
        if let Err((code, message)) = fake_verify(headers, &body) {
            return fake_error(code, &message);
        }
        let Ok(request) = serde_json::from_str::<Value>(&body) else {
            return fake_error("FailedOperation.JsonParseFail", "body is not JSON");
        };
        let strings = |key: &str| -> Option<Vec<String>> {
            request[key]
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let (Some(phones), Some(params), Some(sign_name), Some(template_id)) = (
            strings("PhoneNumberSet"),
            strings("TemplateParamSet"),
            request["SignName"].as_str(),
            request["TemplateId"].as_str(),
        ) else {
            return fake_error(
                "MissingParameter",
                "PhoneNumberSet, TemplateParamSet, SignName, TemplateId",
            );
        };
        if request["SmsSdkAppId"] != APP_ID {
            return fake_error(
                "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
                "unknown SmsSdkAppId",
            );
        }
        let region = headers
            .get("x-tc-region")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();

        match fake.mode {
            Mode::Delay(delay) => tokio::time::sleep(delay).await,
            Mode::StatusCode(code) => {
                return Json(json!({
                    "Response": {
                        "SendStatusSet": [{
                            "SerialNo": "", "PhoneNumber": phones[0], "Fee": 0, "SessionContext": "",
                            "Code": code, "Message": "the fake refuses this number", "IsoCode": "CN"
                        }],
                        "RequestId": "fake-request-limit"
                    }
                }));
            }
            Mode::Accept => {}
        }
        let statuses: Vec<Value> = phones
            .iter()
            .map(|p| {
                json!({
                    "SerialNo": "5000:fake", "PhoneNumber": p, "Fee": 1, "SessionContext": "",
                    "Code": "Ok", "Message": "send success", "IsoCode": "CN"
                })
            })
            .collect();
        fake.received
            .lock()
            .expect("fake state lock poisoned")
            .push(Received {
                phones,
                sign_name: sign_name.to_owned(),
                template_id: template_id.to_owned(),
                params,
                region,
            });
        Json(json!({ "Response": { "SendStatusSet": statuses, "RequestId": "fake-request-ok" } }))
    }

    /// The fake's own TC3-HMAC-SHA256 check, written from Tencent's document independently of
    /// the client: it reads what arrived on the wire (the headers named in SignedHeaders, the
    /// raw body) rather than what the client meant to sign.
    fn fake_verify(headers: &HeaderMap, body: &str) -> Result<(), (&'static str, String)> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let invalid = |what: &str| ("AuthFailure.InvalidAuthorization", what.to_owned());

        if header("x-tc-action").as_deref() != Some("SendSms") {
            return Err(("InvalidAction", "X-TC-Action must be SendSms".to_owned()));
        }
        if header("x-tc-version").as_deref() != Some("2021-01-11") {
            return Err((
                "NoSuchVersion",
                "X-TC-Version must be 2021-01-11".to_owned(),
            ));
        }
        if header("x-tc-region").is_none_or(|r| r.is_empty()) {
            return Err(("MissingParameter", "X-TC-Region".to_owned()));
        }
        let timestamp: i64 = header("x-tc-timestamp")
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| invalid("X-TC-Timestamp"))?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs() as i64;
        if (now - timestamp).abs() > 300 {
            return Err((
                "AuthFailure.SignatureExpire",
                "timestamp more than 5 minutes off".to_owned(),
            ));
        }

        let auth = header("authorization").ok_or_else(|| invalid("no Authorization"))?;
        let rest = auth
            .strip_prefix("TC3-HMAC-SHA256 ")
            .ok_or_else(|| invalid("algorithm"))?;
        let mut fields = BTreeMap::new();
        for part in rest.split(", ") {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| invalid("Authorization field"))?;
            fields.insert(k, v);
        }
        let (Some(credential), Some(signed_headers), Some(signature)) = (
            fields.get("Credential"),
            fields.get("SignedHeaders"),
            fields.get("Signature"),
        ) else {
            return Err(invalid("Credential, SignedHeaders or Signature missing"));
        };
        let scope: Vec<&str> = credential.split('/').collect();
        let [secret_id, date, service, terminator] = scope[..] else {
            return Err(invalid("Credential"));
        };
        if secret_id != FAKE_ID {
            return Err((
                "AuthFailure.SecretIdNotFound",
                "unknown SecretId".to_owned(),
            ));
        }
        if service != "sms" || terminator != "tc3_request" {
            return Err(invalid("credential scope"));
        }
        // The scope date must be the UTC date of the timestamp; checked in the inverse direction
        // (civil date → day number) from the client's helper.
        if days_from_civil(date) != Some(timestamp.div_euclid(86_400)) {
            return Err(invalid("credential date does not match X-TC-Timestamp"));
        }
        let names: Vec<&str> = signed_headers.split(';').collect();
        if !names.contains(&"content-type") || !names.contains(&"host") {
            return Err(invalid("content-type and host must be signed"));
        }

        let mut canonical_headers = String::new();
        for name in &names {
            let value = header(name).ok_or_else(|| invalid("a signed header is missing"))?;
            canonical_headers.push_str(&format!("{name}:{}\n", value.trim().to_lowercase()));
        }
        let hex_sha256 = |data: &[u8]| hex::encode(Sha256::digest(data));
        let canonical = format!(
            "POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}",
            hex_sha256(body.as_bytes())
        );
        let to_sign = format!(
            "TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{}",
            hex_sha256(canonical.as_bytes())
        );
        let mac = |key: &[u8], data: &str| {
            let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
            m.update(data.as_bytes());
            m.finalize().into_bytes()
        };
        let k_date = mac(format!("TC3{FAKE_KEY}").as_bytes(), date);
        let k_service = mac(&k_date, service);
        let k_signing = mac(&k_service, "tc3_request");
        let expected = hex::encode(mac(&k_signing, &to_sign));
        if *signature != expected {
            return Err((
                "AuthFailure.SignatureFailure",
                "the request signature does not match".to_owned(),
            ));
        }
        Ok(())
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` date (Hinnant's days_from_civil).
    fn days_from_civil(date: &str) -> Option<i64> {
        let mut it = date.split('-').map(|p| p.parse::<i64>().ok());
        let (Some(Some(y)), Some(Some(m)), Some(Some(d)), None) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            return None;
        };
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(era * 146_097 + doe - 719_468)
    }

    // ---- helpers -----------------------------------------------------------------------------

    fn now() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs() as i64
    }

    fn config(endpoint: &str, secret_key: &str) -> TencentConfig {
        serde_json::from_value(json!({
            "secretId": FAKE_ID,
            "secretKey": secret_key,
            "smsSdkAppId": APP_ID,
            "signName": "unid测试",
            "endpoint": endpoint,
        }))
        .expect("valid config")
    }

    fn message() -> SmsMessage {
        SmsMessage {
            phone: "+8613800138000".to_owned(),
            template_id: "1110".to_owned(),
            params: [
                ("name", "unid"),
                ("code", "123456"),
                ("action", "login"),
                ("expMinute", "5"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        }
    }

    fn rejected_code(result: Result<(), GatewayError>) -> String {
        match result {
            Err(GatewayError::Rejected { code, .. }) => code,
            other => panic!("expected Rejected, got {other:?}"),
        }
    }

    // ---- tests -------------------------------------------------------------------------------

    #[tokio::test]
    async fn sends_a_signed_message_the_fake_accepts() {
        let (endpoint, fake) = start_fake(Mode::Accept).await;
        let mut cfg = config(&endpoint, FAKE_KEY);
        // Not the map's (alphabetical) order, to show the configured order is the one used.
        cfg.template_params = vec!["expMinute".to_owned(), "code".to_owned()];
        let gateway = TencentSms::new(cfg).expect("gateway");

        gateway
            .send(&message(), now())
            .await
            .expect("the fake accepts the message");

        let received = fake.received();
        assert_eq!(received.len(), 1);
        let got = &received[0];
        assert_eq!(got.phones, ["+8613800138000"]);
        assert_eq!(got.params, ["5", "123456"]);
        assert_eq!(got.template_id, "1110");
        assert_eq!(got.sign_name, "unid测试");
        assert_eq!(got.region, "ap-guangzhou");
    }

    #[tokio::test]
    async fn default_template_params_are_code_then_exp_minute() {
        let (endpoint, fake) = start_fake(Mode::Accept).await;
        let gateway = TencentSms::new(config(&endpoint, FAKE_KEY)).expect("gateway");
        gateway.send(&message(), now()).await.expect("accepted");
        assert_eq!(fake.received()[0].params, ["123456", "5"]);
    }

    #[tokio::test]
    async fn wrong_secret_key_is_rejected_with_signature_failure() {
        let (endpoint, fake) = start_fake(Mode::Accept).await;
        let gateway = TencentSms::new(config(&endpoint, "not-the-key")).expect("gateway");
        let code = rejected_code(gateway.send(&message(), now()).await);
        assert_eq!(code, "AuthFailure.SignatureFailure");
        assert!(fake.received().is_empty());
    }

    #[tokio::test]
    async fn stale_timestamp_is_rejected_as_expired() {
        let (endpoint, _fake) = start_fake(Mode::Accept).await;
        let gateway = TencentSms::new(config(&endpoint, FAKE_KEY)).expect("gateway");
        let code = rejected_code(gateway.send(&message(), now() - 600).await);
        assert_eq!(code, "AuthFailure.SignatureExpire");
    }

    #[tokio::test]
    async fn a_failed_send_status_is_rejected_with_its_code() {
        let (endpoint, _fake) = start_fake(Mode::StatusCode(
            "LimitExceeded.PhoneNumberThirtySecondLimit",
        ))
        .await;
        let gateway = TencentSms::new(config(&endpoint, FAKE_KEY)).expect("gateway");
        let code = rejected_code(gateway.send(&message(), now()).await);
        assert_eq!(code, "LimitExceeded.PhoneNumberThirtySecondLimit");
    }

    #[tokio::test]
    async fn a_slow_provider_is_unreachable_after_the_timeout() {
        let (endpoint, _fake) = start_fake(Mode::Delay(Duration::from_secs(3))).await;
        let mut cfg = config(&endpoint, FAKE_KEY);
        cfg.timeout_secs = 1;
        let gateway = TencentSms::new(cfg).expect("gateway");

        let started = std::time::Instant::now();
        let result = gateway.send(&message(), now()).await;
        assert!(
            matches!(result, Err(GatewayError::Unreachable(_))),
            "{result:?}"
        );
        assert!(
            started.elapsed() < Duration::from_millis(2500),
            "the timeout did not apply"
        );
    }

    #[tokio::test]
    async fn nothing_listening_is_unreachable() {
        // Take a free port, then close it so nothing answers there.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        drop(listener);
        let gateway =
            TencentSms::new(config(&format!("http://{addr}"), FAKE_KEY)).expect("gateway");
        let result = gateway.send(&message(), now()).await;
        assert!(
            matches!(result, Err(GatewayError::Unreachable(_))),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn a_missing_template_param_fails_before_calling_tencent() {
        let (endpoint, fake) = start_fake(Mode::Accept).await;
        let mut cfg = config(&endpoint, FAKE_KEY);
        cfg.template_params = vec!["code".to_owned(), "minutes".to_owned()];
        let gateway = TencentSms::new(cfg).expect("gateway");
        let code = rejected_code(gateway.send(&message(), now()).await);
        assert_eq!(code, "unid.MissingTemplateParam");
        assert!(fake.received().is_empty());
    }

    /// Tencent's "Signature v3" worked example (CVM DescribeInstances, 2019-02-25): body hash
    /// 35e9c5b0…, canonical request hash 5ffe6a04…, signature 72e494ea….
    #[test]
    fn reproduces_the_documented_signature() {
        let body = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        assert_eq!(
            sha256_hex(body.as_bytes()),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        let header = sign(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            "cvm",
            "cvm.tencentcloudapi.com",
            body,
            1_551_113_065,
        );
        assert_eq!(
            header,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    /// An `sms` vector computed independently with Python's hmac/hashlib.
    #[test]
    fn signs_an_sms_request_like_an_independent_implementation() {
        let body = r#"{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"unid","TemplateId":"1110","TemplateParamSet":["123456","5"]}"#;
        let header = authorization(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            "sms.tencentcloudapi.com",
            body,
            1_551_113_065,
        );
        assert_eq!(
            header,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/sms/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=91148d52b1be6293de746b85320f2a4f07084e500130ed225293006b8512ae82"
        );
    }

    #[test]
    fn the_request_body_has_tencents_field_names() {
        let request = SendSmsRequest {
            phone_number_set: ["+8613800138000"],
            sms_sdk_app_id: "1400006666",
            sign_name: "unid",
            template_id: "1110",
            template_param_set: vec!["123456", "5"],
        };
        assert_eq!(
            serde_json::to_string(&request).expect("encodes"),
            r#"{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"unid","TemplateId":"1110","TemplateParamSet":["123456","5"]}"#
        );
    }

    #[test]
    fn debug_of_the_config_hides_the_secret_key() {
        let cfg = config("https://sms.tencentcloudapi.com", FAKE_KEY);
        let printed = format!("{cfg:?}");
        assert!(!printed.contains(FAKE_KEY), "{printed}");
        assert!(printed.contains("****"));
        let gateway = TencentSms::new(cfg).expect("gateway");
        assert!(!format!("{gateway:?}").contains(FAKE_KEY));
    }

    #[test]
    fn config_defaults_and_unknown_fields() {
        let cfg: TencentConfig = serde_json::from_value(json!({
            "secretId": "id", "secretKey": "key", "smsSdkAppId": "1400006666", "signName": "unid"
        }))
        .expect("valid config");
        assert_eq!(cfg.endpoint, "https://sms.tencentcloudapi.com");
        assert_eq!(cfg.region, "ap-guangzhou");
        assert_eq!(cfg.template_params, ["code", "expMinute"]);
        assert_eq!(cfg.timeout_secs, 5);

        let typo = serde_json::from_value::<TencentConfig>(json!({
            "secretId": "id", "secretKey": "key", "smsSdkAppId": "1", "signName": "s", "sdkAppId": "1"
        }));
        assert!(typo.is_err());
    }

    #[test]
    fn the_signed_host_includes_a_non_default_port_only() {
        let host = |endpoint: &str| TencentSms::new(config(endpoint, FAKE_KEY)).map(|g| g.host);
        assert_eq!(
            host("https://sms.tencentcloudapi.com").as_deref(),
            Ok("sms.tencentcloudapi.com")
        );
        assert_eq!(
            host("https://sms.tencentcloudapi.com:443/").as_deref(),
            Ok("sms.tencentcloudapi.com")
        );
        assert_eq!(
            host("http://127.0.0.1:8080").as_deref(),
            Ok("127.0.0.1:8080")
        );
        assert_eq!(
            host("https://SMS.TencentCloudAPI.com").as_deref(),
            Ok("sms.tencentcloudapi.com")
        );
    }

    #[test]
    fn rejects_unusable_configurations() {
        assert!(TencentSms::new(config("https://sms.tencentcloudapi.com/v3", FAKE_KEY)).is_err());
        assert!(TencentSms::new(config("https://sms.tencentcloudapi.com/?a=b", FAKE_KEY)).is_err());
        assert!(TencentSms::new(config("ftp://sms.tencentcloudapi.com", FAKE_KEY)).is_err());
        assert!(TencentSms::new(config("not a url", FAKE_KEY)).is_err());
        assert!(TencentSms::new(config("https://sms.tencentcloudapi.com", "")).is_err());
        let mut cfg = config("https://sms.tencentcloudapi.com", FAKE_KEY);
        cfg.timeout_secs = 0;
        assert!(TencentSms::new(cfg).is_err());
        let mut cfg = config("https://sms.tencentcloudapi.com", FAKE_KEY);
        cfg.region = "ap\nguangzhou".to_owned();
        assert!(TencentSms::new(cfg).is_err());
    }

    #[test]
    fn interprets_tencents_answers() {
        let ok = r#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1","PhoneNumber":"+8613800138000","Fee":1,
            "SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"r1"}}"#;
        assert_eq!(interpret(200, ok), Ok(Some("r1".to_owned())));

        let error = r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad"},"RequestId":"r2"}}"#;
        assert_eq!(
            interpret(200, error),
            Err(GatewayError::Rejected {
                code: "AuthFailure.SignatureFailure".to_owned(),
                message: "bad".to_owned()
            })
        );
        // A coded error stays a rejection even behind an HTTP error status.
        assert!(matches!(
            interpret(500, error),
            Err(GatewayError::Rejected { .. })
        ));

        let limited = r#"{"Response":{"SendStatusSet":[{"Code":"LimitExceeded.PhoneNumberDailyLimit","Message":"m"}],"RequestId":"r3"}}"#;
        assert_eq!(
            interpret(200, limited),
            Err(GatewayError::Rejected {
                code: "LimitExceeded.PhoneNumberDailyLimit".to_owned(),
                message: "m".to_owned()
            })
        );

        assert!(matches!(
            interpret(502, "<html>Bad Gateway</html>"),
            Err(GatewayError::Unreachable(_))
        ));
        assert!(matches!(
            interpret(200, "{}"),
            Err(GatewayError::Unreachable(_))
        ));
        assert!(matches!(
            interpret(200, r#"{"Response":{"RequestId":"r4"}}"#),
            Err(GatewayError::Unreachable(_))
        ));
        assert!(matches!(
            interpret(503, r#"{"Response":{"RequestId":"r5"}}"#),
            Err(GatewayError::Unreachable(_))
        ));
    }

    #[test]
    fn masks_phone_numbers_for_logs() {
        assert_eq!(mask_phone("+8613800138000"), "+86****8000");
        assert_eq!(mask_phone("+861"), "****");
        assert!(!mask_phone("+8613800138000").contains("138001"));
    }
}
