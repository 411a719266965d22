//! Alipay's open platform gateway, the one call uni-id makes (spec §11.3):
//! `alipay.system.oauth.token`, which turns a mini program's auth code into the user's id and
//! tokens.
//!
//! The request: the common parameters (`app_id, method, format, charset, sign_type,
//! timestamp, version`, and `sign`) in the URL's query, the business ones (`grant_type,
//! code`) in a form body, POSTed. `sign` is the app's RSA2 signature of every other
//! parameter, sorted by name and joined as `k=v&…` with the values as they are (not
//! URL-encoded). `timestamp` is China time (UTC+8), `yyyy-MM-dd HH:mm:ss`.
//!
//! The answer: `{"alipay_system_oauth_token_response": {…}, "sign": "…"}`, or
//! `{"error_response": {code, msg, sub_code, sub_msg}, "sign": "…"}`. Alipay signs the exact
//! text of the response object as it stands in the body, so that text is cut out of the raw
//! bytes (re-serialising a parsed value would change escapes and spacing).
//!
//! The call goes through the host's `HttpClient` (`post_form_bytes`: a time limit, a size
//! limit, errors without the URL, counted in `/metrics` under `alipay`, an `error_response`
//! as rejected). No secret (the private key, the user's tokens) is ever put into an error.

use std::fmt;

use serde_json::Value;
use unid_core::plugin::Host;
use unid_core::plugin::Secret;
use unid_core::plugin::http::{HttpClient, HttpError};
use unid_core::plugin::signing::time;

use crate::keys::{SigningKey, VerifyingKey};
use crate::raw::top_level_members;

pub const METHOD: &str = "alipay.system.oauth.token";
/// Where a successful answer is.
pub const RESPONSE_NODE: &str = "alipay_system_oauth_token_response";
/// Where a refusal is.
pub const ERROR_NODE: &str = "error_response";
/// What Alipay's `code` says on success.
pub const SUCCESS_CODE: &str = "10000";
/// Largest answer read.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub enum AlipayError {
    /// Connection refused, reset or timed out.
    Unreachable(String),
    /// An HTTP status other than 2xx.
    Status(u16),
    /// An answer larger than allowed.
    TooLarge,
    /// Not the answer the method gives (not JSON, no response object, no user id…).
    Malformed(&'static str),
    /// The answer's signature is missing or is not Alipay's; what a refusal without a good
    /// signature said, for the log.
    Signature {
        problem: &'static str,
        unverified: Option<String>,
    },
    /// Alipay said no (`40002` / `isv.code-invalid`…).
    Refused {
        code: String,
        msg: String,
        sub_code: String,
        sub_msg: String,
    },
    /// The request could not be signed.
    Signing(String),
}

impl fmt::Display for AlipayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlipayError::Unreachable(e) => write!(f, "alipay unreachable: {e}"),
            AlipayError::Status(s) => write!(f, "alipay answered HTTP status {s}"),
            AlipayError::TooLarge => {
                write!(f, "alipay answer larger than {MAX_ANSWER_BYTES} bytes")
            }
            AlipayError::Malformed(what) => write!(f, "alipay answer malformed: {what}"),
            AlipayError::Signature {
                problem,
                unverified,
            } => {
                write!(f, "alipay answer signature: {problem}")?;
                match unverified {
                    Some(said) => write!(f, "; unverified, it says: {said}"),
                    None => Ok(()),
                }
            }
            AlipayError::Refused {
                code,
                msg,
                sub_code,
                sub_msg,
            } => write!(f, "alipay refused: {code} {msg} ({sub_code}: {sub_msg})"),
            AlipayError::Signing(e) => write!(f, "alipay request not signed: {e}"),
        }
    }
}

/// What `alipay.system.oauth.token` gives: who the user is, and their tokens.
pub struct OauthToken {
    /// `user_id` (uni-id's `ali_openid`), or `open_id` for apps in Alipay's newer OpenID mode.
    pub openid: String,
    pub access_token: Secret,
    pub refresh_token: Secret,
    /// Seconds the access token lasts.
    pub expires_in: Option<i64>,
    /// Seconds the refresh token lasts.
    pub re_expires_in: Option<i64>,
}

/// `timestamp`: China time (UTC+8, Alipay's own), `yyyy-MM-dd HH:mm:ss`.
pub fn timestamp(now_ms: i64) -> String {
    let (y, mo, d, h, mi, s) = time::utc(now_ms.div_euclid(1000) + 8 * 3600);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// The text the app signs: every parameter but `sign`, and none with an empty value (Alipay
/// leaves those out too), sorted by name, `k=v` joined by `&`, values as they are.
pub fn string_to_sign(params: &[(&str, &str)]) -> String {
    let mut kept: Vec<&(&str, &str)> = params
        .iter()
        .filter(|(k, v)| *k != "sign" && !v.is_empty())
        .collect();
    kept.sort_by(|a, b| a.0.cmp(b.0));
    kept.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A signed `alipay.system.oauth.token` request: the query's parameters and the form's.
pub struct SignedRequest {
    pub query: Vec<(&'static str, String)>,
    pub form: Vec<(&'static str, String)>,
}

/// Signs the request exchanging `code` for app `appid`, at `now_ms`.
pub fn oauth_token_request(
    appid: &str,
    key: &SigningKey,
    code: &str,
    now_ms: i64,
) -> Result<SignedRequest, AlipayError> {
    let mut query: Vec<(&'static str, String)> = vec![
        ("app_id", appid.to_string()),
        ("method", METHOD.to_string()),
        ("format", "JSON".to_string()),
        ("charset", "utf-8".to_string()),
        ("sign_type", "RSA2".to_string()),
        ("timestamp", timestamp(now_ms)),
        ("version", "1.0".to_string()),
    ];
    let form: Vec<(&'static str, String)> = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code.to_string()),
    ];
    let all: Vec<(&str, &str)> = query
        .iter()
        .chain(form.iter())
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let sign = key
        .sign(string_to_sign(&all).as_bytes())
        .map_err(|e| AlipayError::Signing(e.to_string()))?;
    query.push(("sign", sign));
    Ok(SignedRequest { query, form })
}

/// Reads an answer: the response object's exact text checked against `sign` when Alipay's
/// public key is configured, then Alipay's verdict.
pub fn interpret(body: &[u8], verifier: Option<&VerifyingKey>) -> Result<OauthToken, AlipayError> {
    let text = std::str::from_utf8(body).map_err(|_| AlipayError::Malformed("not UTF-8"))?;
    // The whole answer must be JSON before its parts are cut out of it.
    if !serde_json::from_str::<Value>(text).is_ok_and(|v| v.is_object()) {
        return Err(AlipayError::Malformed("not a JSON object"));
    }
    let members = top_level_members(text).map_err(AlipayError::Malformed)?;
    let one = |name: &str| -> Result<Option<&str>, AlipayError> {
        let mut found = members.iter().filter(|(k, _)| *k == name).map(|(_, v)| *v);
        let first = found.next();
        if found.next().is_some() {
            return Err(AlipayError::Malformed("a member given twice"));
        }
        Ok(first)
    };
    let (node, raw) = match (one(RESPONSE_NODE)?, one(ERROR_NODE)?) {
        (Some(raw), None) => (RESPONSE_NODE, raw),
        (None, Some(raw)) => (ERROR_NODE, raw),
        (None, None) => return Err(AlipayError::Malformed("no response object")),
        (Some(_), Some(_)) => return Err(AlipayError::Malformed("two response objects")),
    };
    let response: Value =
        serde_json::from_str(raw).map_err(|_| AlipayError::Malformed("response object"))?;
    if !response.is_object() {
        return Err(AlipayError::Malformed("response not an object"));
    }
    let code = field(&response, "code");
    let refused =
        (node == ERROR_NODE || code.as_deref().is_some_and(|c| c != SUCCESS_CODE)).then(|| {
            AlipayError::Refused {
                code: code.unwrap_or_default(),
                msg: field(&response, "msg").unwrap_or_default(),
                sub_code: field(&response, "sub_code").unwrap_or_default(),
                sub_msg: field(&response, "sub_msg").unwrap_or_default(),
            }
        });
    if let Some(key) = verifier {
        let problem = match one("sign")? {
            None => Some("missing"),
            Some(sign) => match serde_json::from_str::<String>(sign) {
                Err(_) => Some("not a string"),
                Ok(sign) if !key.verify(raw.as_bytes(), &sign) => Some("not Alipay's"),
                Ok(_) => None,
            },
        };
        if let Some(problem) = problem {
            // A refusal that came unsigned still tells the operator (in the log, marked as
            // unverified) what it says: an unknown app_id, say.
            return Err(AlipayError::Signature {
                problem,
                unverified: refused.map(|r| r.to_string()),
            });
        }
    }
    if let Some(refused) = refused {
        return Err(refused);
    }
    let openid = field(&response, "user_id")
        .or_else(|| field(&response, "open_id"))
        .ok_or(AlipayError::Malformed("no user_id or open_id"))?;
    Ok(OauthToken {
        openid,
        access_token: Secret::new(field(&response, "access_token").unwrap_or_default()),
        refresh_token: Secret::new(field(&response, "refresh_token").unwrap_or_default()),
        expires_in: seconds(&response, "expires_in"),
        re_expires_in: seconds(&response, "re_expires_in"),
    })
}

/// A member as text: a non-empty string, or a number written as one (`code` comes either way).
fn field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A number of seconds, given as a number or a string of digits.
fn seconds(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .filter(|s| *s > 0)
}

/// Whether an answer is Alipay's refusal (for `/metrics`).
fn refused(body: &[u8]) -> bool {
    let needle = format!("\"{ERROR_NODE}\"");
    body.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Sends requests to the gateway.
pub struct Gateway {
    http: HttpClient,
}

impl Gateway {
    pub fn new(timeout: std::time::Duration) -> Result<Gateway, String> {
        Ok(Gateway {
            http: HttpClient::new("alipay", timeout)?.with_raw_refusal(refused),
        })
    }

    /// POSTs a signed request to `url` and reads the answer.
    pub async fn oauth_token(
        &self,
        host: &Host,
        url: &str,
        request: &SignedRequest,
        verifier: Option<&VerifyingKey>,
    ) -> Result<OauthToken, AlipayError> {
        fn pairs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
            v.iter().map(|(k, v)| (*k, v.as_str())).collect()
        }
        let fetched = self
            .http
            .post_form_bytes(
                &host.metrics,
                url,
                &pairs(&request.query),
                &pairs(&request.form),
                MAX_ANSWER_BYTES,
            )
            .await
            .map_err(|e| match e {
                HttpError::Unreachable(why) => AlipayError::Unreachable(why),
                HttpError::Status(status) => AlipayError::Status(status),
                HttpError::TooLarge(_) => AlipayError::TooLarge,
                HttpError::Malformed(_) => AlipayError::Malformed("answer"),
            })?;
        interpret(&fetched.body, verifier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyType;
    use crate::keys::tests::{ALIPAY_SPKI, APP_PKCS8, APP_SPKI, CONTENT, CONTENT_SIGNATURE};

    /// A success answer's object, as Alipay writes it, signed by the fake Alipay's test key:
    /// `printf '%s' "$NODE" | openssl dgst -sha256 -sign alipay.pem | base64 -w0`.
    const NODE: &str = r#"{"access_token":"authusrB7c1e0f2a9d","alipay_user_id":"20880012345678901234567890123456","auth_start":"2026-11-22 08:05:09","expires_in":1296000,"re_expires_in":2592000,"refresh_token":"authusrBf00dfeed","user_id":"2088102150477652"}"#;
    const NODE_SIGNATURE: &str = "POk05TMc89V6Ecoc6RhY7CGoAYo2bEkZuhdU7yZTfGzjFzZQcn2bkdLUvn2k7J810kXfaqabcxjkpGzapN+SRkMNSCO8MD1a9RjB6z0fNFQTPmzdCCFw57QCZd7NHmdQJ0jt9ww5F3kMfQejFuIJnjl4XBXxfNf2N/EEzu48I2leB93DT9FPtus730xWuiO2or1LWjex2HuE26B7iLyKJ2TaWjK8qymygqQLqCmQAccKFQPhZPc+kFxVH8EHm5v2Zi0K8izqwct2eW1P2I5fnXb0epL6dGTd7b4G8UvQ1lA1J9qmZ0ejmP0Euvh5l8HGNxeOWrkSrExNfwGYH1r2pQ==";

    fn alipay() -> VerifyingKey {
        VerifyingKey::parse(ALIPAY_SPKI).expect("the fake Alipay's key")
    }

    #[test]
    fn the_timestamp_is_china_time() {
        // 2026-11-22T00:05:09Z.
        assert_eq!(timestamp(1_795_305_909_000), "2026-11-22 08:05:09");
        assert_eq!(timestamp(1_795_305_909_999), "2026-11-22 08:05:09");
        // 16:00 UTC is midnight in Beijing, the next day.
        assert_eq!(timestamp(1_795_363_200_000), "2026-11-23 00:00:00");
        assert_eq!(timestamp(0), "1970-01-01 08:00:00");
    }

    #[test]
    fn the_string_to_sign_is_sorted_without_sign_or_empty_values() {
        let params = [
            ("timestamp", "2026-11-22 08:05:09"),
            ("sign", "ignored"),
            ("method", "alipay.system.oauth.token"),
            ("biz_content", ""),
            ("app_id", "2021000000000001"),
            ("code", "a&b=c d"),
        ];
        assert_eq!(
            string_to_sign(&params),
            "app_id=2021000000000001&code=a&b=c d&method=alipay.system.oauth.token&timestamp=2026-11-22 08:05:09"
        );
    }

    #[test]
    fn the_request_is_signed_as_openssl_signs_it() {
        let key = SigningKey::parse(APP_PKCS8, KeyType::Pkcs8).expect("test key");
        let request = oauth_token_request(
            "2021000000000001",
            &key,
            "4b203fe6c11548bcabd8da5bb087a83b",
            1_795_305_909_000,
        )
        .expect("signed");
        let all: Vec<(&str, &str)> = request
            .query
            .iter()
            .chain(&request.form)
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        assert_eq!(string_to_sign(&all), CONTENT);
        let sign = request
            .query
            .iter()
            .find(|(k, _)| *k == "sign")
            .map(|(_, v)| v.as_str());
        assert_eq!(sign, Some(CONTENT_SIGNATURE));
        let query: Vec<&str> = request.query.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            query,
            [
                "app_id",
                "method",
                "format",
                "charset",
                "sign_type",
                "timestamp",
                "version",
                "sign"
            ]
        );
        let form: Vec<&str> = request.form.iter().map(|(k, _)| *k).collect();
        assert_eq!(form, ["grant_type", "code"]);
        assert!(
            VerifyingKey::parse(APP_SPKI)
                .expect("public")
                .verify(CONTENT.as_bytes(), CONTENT_SIGNATURE)
        );
    }

    fn signed_body(node_name: &str, node: &str, sign: &str) -> String {
        format!("{{\"{node_name}\":{node},\"sign\":\"{sign}\"}}")
    }

    #[test]
    fn a_signed_answer_verifies_over_its_raw_text() {
        let body = signed_body(RESPONSE_NODE, NODE, NODE_SIGNATURE);
        let token = interpret(body.as_bytes(), Some(&alipay())).expect("verified");
        assert_eq!(token.openid, "2088102150477652");
        assert_eq!(token.access_token.expose(), "authusrB7c1e0f2a9d");
        assert_eq!(token.refresh_token.expose(), "authusrBf00dfeed");
        assert_eq!(token.expires_in, Some(1_296_000));
        assert_eq!(token.re_expires_in, Some(2_592_000));
        // The sign first, and spaces between members: still the same raw object.
        let spaced =
            format!("{{ \"sign\" : \"{NODE_SIGNATURE}\",\n \"{RESPONSE_NODE}\" : {NODE} }}");
        assert!(interpret(spaced.as_bytes(), Some(&alipay())).is_ok());
        // The same content re-serialised (here: pretty-printed) is not what Alipay signed.
        let value: Value = serde_json::from_str(NODE).expect("json");
        let pretty = serde_json::to_string_pretty(&value).expect("json");
        let body = signed_body(RESPONSE_NODE, &pretty, NODE_SIGNATURE);
        assert!(matches!(
            interpret(body.as_bytes(), Some(&alipay())),
            Err(AlipayError::Signature {
                problem: "not Alipay's",
                unverified: None
            })
        ));
        // A changed user id, a missing or foreign signature.
        let forged = NODE.replace("2088102150477652", "2088102150477653");
        let body = signed_body(RESPONSE_NODE, &forged, NODE_SIGNATURE);
        assert!(matches!(
            interpret(body.as_bytes(), Some(&alipay())),
            Err(AlipayError::Signature { .. })
        ));
        let unsigned = format!("{{\"{RESPONSE_NODE}\":{NODE}}}");
        assert!(matches!(
            interpret(unsigned.as_bytes(), Some(&alipay())),
            Err(AlipayError::Signature {
                problem: "missing",
                unverified: None
            })
        ));
        let other = VerifyingKey::parse(APP_SPKI).expect("key");
        let body = signed_body(RESPONSE_NODE, NODE, NODE_SIGNATURE);
        assert!(interpret(body.as_bytes(), Some(&other)).is_err());
        // Without Alipay's key configured nothing is checked (uni-id's behaviour).
        assert!(interpret(unsigned.as_bytes(), None).is_ok());
        assert!(interpret(signed_body(RESPONSE_NODE, &forged, "x").as_bytes(), None).is_ok());
    }

    #[test]
    fn refusals_and_malformed_answers_are_told_apart() {
        let refused = r#"{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.code-invalid","sub_msg":"授权码code无效"},"sign":"x"}"#;
        match interpret(refused.as_bytes(), None) {
            Err(AlipayError::Refused { code, sub_code, .. }) => {
                assert_eq!(
                    (code.as_str(), sub_code.as_str()),
                    ("40002", "isv.code-invalid")
                );
            }
            other => panic!("{:?}", other.err()),
        }
        // With Alipay's key configured, an unsigned refusal is a signature failure, whose log
        // line still says what the refusal said.
        let unsigned = r#"{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id","sub_msg":"无效的AppID参数"}}"#;
        let e = interpret(unsigned.as_bytes(), Some(&alipay()))
            .err()
            .expect("refused");
        assert!(matches!(
            &e,
            AlipayError::Signature {
                problem: "missing",
                unverified: Some(_)
            }
        ));
        assert_eq!(
            e.to_string(),
            "alipay answer signature: missing; unverified, it says: alipay refused: 40002 Invalid Arguments (isv.invalid-app-id: 无效的AppID参数)"
        );
        // A failure code inside the method's own object is a refusal too; 10000 is success.
        let inside = format!(r#"{{"{RESPONSE_NODE}":{{"code":"40004","msg":"Business Failed"}}}}"#);
        assert!(matches!(
            interpret(inside.as_bytes(), None),
            Err(AlipayError::Refused { .. })
        ));
        let ok = format!(r#"{{"{RESPONSE_NODE}":{{"code":10000,"user_id":"2088"}}}}"#);
        assert_eq!(
            interpret(ok.as_bytes(), None).expect("success").openid,
            "2088"
        );
        // Only the newer open_id: it is the id.
        let open_id = format!(
            r#"{{"{RESPONSE_NODE}":{{"open_id":"074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"}}}}"#
        );
        assert_eq!(
            interpret(open_id.as_bytes(), None).expect("success").openid,
            "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"
        );
        for (body, why) in [
            ("<html>502 Bad Gateway</html>", "not a JSON object"),
            ("[]", "not a JSON object"),
            ("{\"sign\":\"x\"}", "no response object"),
            (
                &format!(r#"{{"{RESPONSE_NODE}":{{"access_token":"a"}}}}"#),
                "no user_id or open_id",
            ),
            (
                &format!(r#"{{"{RESPONSE_NODE}":{{"user_id":""}}}}"#),
                "no user_id or open_id",
            ),
            (
                &format!(r#"{{"{RESPONSE_NODE}":"2088"}}"#),
                "response not an object",
            ),
            (
                &format!(
                    r#"{{"{RESPONSE_NODE}":{{"user_id":"1"}},"{RESPONSE_NODE}":{{"user_id":"2"}}}}"#
                ),
                "a member given twice",
            ),
            (
                &format!(
                    r#"{{"{RESPONSE_NODE}":{{"user_id":"1"}},"{ERROR_NODE}":{{"code":"40002"}}}}"#
                ),
                "two response objects",
            ),
        ] {
            match interpret(body.as_bytes(), None) {
                Err(AlipayError::Malformed(w)) => assert_eq!(w, why, "{body}"),
                other => panic!("{body}: {:?}", other.err()),
            }
        }
        assert!(matches!(
            interpret(&[0xff, 0xfe], None),
            Err(AlipayError::Malformed("not UTF-8"))
        ));
    }
}
