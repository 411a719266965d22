//! QQ's public HTTP API, the calls uni-id makes (spec §11.2). An answer is a refusal when it
//! carries a non-zero `ret` (QQ Connect), an `error` (the OAuth endpoints) or a non-zero
//! `errcode` (the mini program's API); its code and message go to the server log, never to the
//! client. No secret (app secret, session key, access token) is ever put into an error.

use std::fmt;

use serde_json::Value;
use unid_core::plugin::Host;
use unid_core::plugin::Secret;
use unid_core::plugin::http::{HttpClient, HttpError};

use crate::platform::Credentials;

/// Largest `/oauth2.0/me` answer read (it is a few dozen bytes).
const MAX_ME_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub enum QqError {
    /// No usable answer: unreachable, timed out, not JSON, too large.
    Http(HttpError),
    /// QQ said no: its code (`ret`, `error` or `errcode`) and message.
    Refused { code: String, message: String },
    /// The access token was issued to another QQ app (uni-id's `APPID_NOT_MATCH`).
    AppidNotMatch,
    /// A success without what it should carry.
    Malformed(&'static str),
}

impl fmt::Display for QqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QqError::Http(e) => write!(f, "qq: {e}"),
            QqError::Refused { code, message } => write!(f, "qq refused: {code}: {message}"),
            QqError::AppidNotMatch => {
                write!(
                    f,
                    "qq: APPID_NOT_MATCH: the access token belongs to another app"
                )
            }
            QqError::Malformed(what) => write!(f, "qq answer without {what}"),
        }
    }
}

/// `jscode2session`: who the mini program's user is.
pub struct Session {
    pub openid: String,
    pub unionid: Option<String>,
    pub session_key: Secret,
}

/// `oauth2.0/me`: who the app user's access token belongs to.
pub struct Me {
    pub openid: String,
    pub unionid: Option<String>,
}

/// `user/get_user_info`: what a new account is named after.
#[derive(Debug, Default)]
pub struct UserInfo {
    pub nickname: Option<String>,
    /// The largest QQ avatar offered (`figureurl_qq_2`, 100×100, else `figureurl_qq_1`).
    pub avatar_url: Option<String>,
}

/// Whether a JSON value counts as set, as uni-id's `if (data.ret || data.error)` reads it.
fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => !s.is_empty() && s != "0",
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

/// A QQ answer is a refusal when it carries a non-zero `ret`, an `error`, or a non-zero
/// `errcode` (uni-id checks the first two; the mini program's API answers with the third, and
/// uni-id would go on with an undefined openid).
/// A JSON or JSONP answer that is a refusal (for `/metrics`).
pub fn raw_refused(body: &[u8]) -> bool {
    parse_me(body).is_ok_and(|v| refused(&v))
}

pub fn refused(v: &Value) -> bool {
    truthy(v.get("ret")) || truthy(v.get("error")) || truthy(v.get("errcode"))
}

/// A value's text, whether QQ sent it as a string or a number.
fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The answer, or QQ's refusal.
fn checked(v: Value) -> Result<Value, QqError> {
    if refused(&v) {
        let code = ["ret", "error", "errcode"]
            .iter()
            .filter(|k| truthy(v.get(**k)))
            .find_map(|k| text(&v, k))
            .unwrap_or_else(|| "-2".to_string());
        let message = ["msg", "error_description", "errmsg"]
            .iter()
            .find_map(|k| text(&v, k))
            .unwrap_or_default();
        return Err(QqError::Refused { code, message });
    }
    Ok(v)
}

/// `/oauth2.0/me`'s body as JSON: plain JSON with `fmt=json`, or the legacy JSONP
/// `callback( {...} );` QQ answered with before it (and still does on some paths).
pub fn parse_me(body: &[u8]) -> Result<Value, QqError> {
    let malformed = || QqError::Http(HttpError::Malformed("not JSON or JSONP".to_string()));
    let text = std::str::from_utf8(body).map_err(|_| malformed())?.trim();
    let json = match text.strip_prefix("callback") {
        Some(rest) => {
            let inner = rest.trim_start().strip_prefix('(').ok_or_else(malformed)?;
            let inner = inner.trim_end().trim_end_matches(';').trim_end();
            inner.strip_suffix(')').ok_or_else(malformed)?
        }
        None => text,
    };
    match serde_json::from_str::<Value>(json) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(malformed()),
    }
}

pub struct QqApi {
    http: HttpClient,
    /// QQ Connect (`https://graph.qq.com`).
    endpoint: String,
    /// The mini program's API (`https://api.q.qq.com`).
    mp_endpoint: String,
}

impl QqApi {
    pub fn new(http: HttpClient, endpoint: String, mp_endpoint: String) -> QqApi {
        QqApi {
            http,
            endpoint,
            mp_endpoint,
        }
    }

    /// `GET {mpEndpoint}/sns/jscode2session`.
    pub async fn code2session(
        &self,
        host: &Host,
        creds: &Credentials,
        code: &str,
    ) -> Result<Session, QqError> {
        let v = self
            .http
            .get_json(
                &host.metrics,
                &format!("{}/sns/jscode2session", self.mp_endpoint),
                &[
                    ("appid", &creds.appid),
                    ("secret", creds.secret.expose()),
                    ("js_code", code),
                    ("grant_type", "authorization_code"),
                ],
            )
            .await
            .map_err(QqError::Http)
            .and_then(checked)?;
        Ok(Session {
            openid: text(&v, "openid").ok_or(QqError::Malformed("openid"))?,
            unionid: text(&v, "unionid"),
            session_key: Secret::new(
                text(&v, "session_key").ok_or(QqError::Malformed("session_key"))?,
            ),
        })
    }

    /// `GET {endpoint}/oauth2.0/me`: the openid (and unionid) an app user's access token
    /// stands for, refused unless the token was issued to `creds.appid`.
    pub async fn me(
        &self,
        host: &Host,
        creds: &Credentials,
        access_token: &Secret,
    ) -> Result<Me, QqError> {
        // Read as bytes, not JSON: the answer may be JSONP.
        let fetched = self
            .http
            .get_bytes(
                &host.metrics,
                &format!("{}/oauth2.0/me", self.endpoint),
                &[
                    ("access_token", access_token.expose()),
                    ("unionid", "1"),
                    ("fmt", "json"),
                ],
                MAX_ME_BYTES,
            )
            .await
            .map_err(QqError::Http)?;
        let v = checked(parse_me(&fetched.body)?)?;
        me_of(&v, &creds.appid)
    }

    /// `GET {endpoint}/user/get_user_info`.
    pub async fn user_info(
        &self,
        host: &Host,
        creds: &Credentials,
        access_token: &Secret,
        openid: &str,
    ) -> Result<UserInfo, QqError> {
        let v = self
            .http
            .get_json(
                &host.metrics,
                &format!("{}/user/get_user_info", self.endpoint),
                &[
                    ("oauth_consumer_key", &creds.appid),
                    ("access_token", access_token.expose()),
                    ("openid", openid),
                ],
            )
            .await
            .map_err(QqError::Http)
            .and_then(checked)?;
        Ok(user_info_of(&v))
    }

    /// Downloads an avatar, up to `max_bytes`.
    pub async fn avatar(
        &self,
        host: &Host,
        url: &str,
        max_bytes: usize,
    ) -> Result<Vec<u8>, HttpError> {
        Ok(self
            .http
            .get_bytes(&host.metrics, url, &[], max_bytes)
            .await?
            .body)
    }
}

/// `/oauth2.0/me`'s answer: the token must be `appid`'s.
fn me_of(v: &Value, appid: &str) -> Result<Me, QqError> {
    if text(v, "client_id").as_deref() != Some(appid) {
        return Err(QqError::AppidNotMatch);
    }
    Ok(Me {
        openid: text(v, "openid").ok_or(QqError::Malformed("openid"))?,
        unionid: text(v, "unionid"),
    })
}

/// `get_user_info`'s answer. uni-id reads `figureurl_qq_1` after turning the answer's keys
/// into camelCase (`figureurlQq1`), so it never finds an avatar; this reads the key QQ sends,
/// preferring the larger picture.
fn user_info_of(v: &Value) -> UserInfo {
    UserInfo {
        nickname: text(v, "nickname"),
        avatar_url: text(v, "figureurl_qq_2").or_else(|| text(v, "figureurl_qq_1")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_and_jsonp_answers_parse_alike() {
        let plain = br#"{"client_id":"1101","openid":"OPENID","unionid":"UID"}"#;
        let jsonp =
            b"callback( {\"client_id\":\"1101\",\"openid\":\"OPENID\",\"unionid\":\"UID\"} );\n";
        let a = parse_me(plain).expect("json");
        let b = parse_me(jsonp).expect("jsonp");
        assert_eq!(a, b);
        let me = me_of(&b, "1101").expect("this app's token");
        assert_eq!(me.openid, "OPENID");
        assert_eq!(me.unionid.as_deref(), Some("UID"));
        // Without spaces or the semicolon.
        assert!(parse_me(br#"callback({"openid":"o"})"#).is_ok());
    }

    #[test]
    fn garbage_is_malformed() {
        for body in [
            &b"<html>502 Bad Gateway</html>"[..],
            b"callback( {\"openid\": ",
            b"callback {\"openid\":\"o\"}",
            b"[1, 2]",
            b"",
            b"\xff\xfe",
        ] {
            assert!(
                matches!(parse_me(body), Err(QqError::Http(HttpError::Malformed(_)))),
                "{body:?}"
            );
        }
    }

    #[test]
    fn refusals_in_each_of_qq_s_shapes() {
        let refusal = |v: Value| match checked(v) {
            Err(QqError::Refused { code, message }) => (code, message),
            other => panic!("not a refusal: {:?}", other.map(|_| ())),
        };
        assert_eq!(
            refusal(json!({"error": 100016, "error_description": "access token check failed"})),
            (
                "100016".to_string(),
                "access token check failed".to_string()
            )
        );
        assert_eq!(
            refusal(json!({"ret": 1002, "msg": "请先登录"})),
            ("1002".to_string(), "请先登录".to_string())
        );
        assert_eq!(
            refusal(json!({"errcode": 40029, "errmsg": "invalid code"})),
            ("40029".to_string(), "invalid code".to_string())
        );
        // The legacy JSONP error.
        let v = parse_me(
            b"callback( {\"error\":100013,\"error_description\":\"access token is illegal\"} );",
        )
        .expect("jsonp");
        assert_eq!(refusal(v).0, "100013");
        // Successes: `ret: 0`, `errcode: 0`, empty `error`.
        for ok in [
            json!({"ret": 0, "msg": "", "nickname": "n"}),
            json!({"errcode": 0, "openid": "o"}),
            json!({"error": "", "openid": "o"}),
            json!({"openid": "o"}),
        ] {
            assert!(!refused(&ok), "{ok}");
            assert!(checked(ok).is_ok());
        }
    }

    #[test]
    fn a_token_of_another_app_does_not_match() {
        let v = json!({"client_id": "2202", "openid": "o"});
        assert!(matches!(me_of(&v, "1101"), Err(QqError::AppidNotMatch)));
        assert!(matches!(
            me_of(&json!({"openid": "o"}), "1101"),
            Err(QqError::AppidNotMatch)
        ));
        // QQ may send the id as a number.
        let v = json!({"client_id": 1101, "openid": "o"});
        assert_eq!(me_of(&v, "1101").expect("same app").openid, "o");
        assert!(matches!(
            me_of(&json!({"client_id": "1101"}), "1101"),
            Err(QqError::Malformed("openid"))
        ));
    }

    #[test]
    fn the_larger_avatar_is_taken() {
        let both = json!({"ret": 0, "nickname": "企鹅", "figureurl_qq_1": "a40", "figureurl_qq_2": "a100"});
        let info = user_info_of(&both);
        assert_eq!(info.nickname.as_deref(), Some("企鹅"));
        assert_eq!(info.avatar_url.as_deref(), Some("a100"));
        let small = json!({"ret": 0, "figureurl_qq_1": "a40", "figureurl_qq_2": ""});
        assert_eq!(user_info_of(&small).avatar_url.as_deref(), Some("a40"));
        assert_eq!(user_info_of(&json!({"ret": 0})).avatar_url, None);
    }

    #[test]
    fn a_refusal_in_json_or_jsonp_is_counted_as_one() {
        assert!(raw_refused(
            br#"{"error": 100016, "error_description": "access token check failed"}"#
        ));
        assert!(raw_refused(b"callback( {\"error\":100016} );"));
        assert!(!raw_refused(br#"{"client_id": "1", "openid": "o"}"#));
        assert!(!raw_refused(b"<html>"));
    }
}
