//! WeChat's public HTTP API, the calls uni-id makes (spec §11.1). Any answer with a non-zero
//! `errcode` is a refusal; its code and message go to the server log, never to the client. No
//! secret (app secret, session key, access token) is ever put into an error.

use std::fmt;

use serde_json::{Value, json};
use unid_core::plugin::Host;
use unid_core::plugin::Secret;
use unid_core::plugin::http::{HttpClient, HttpError};

use crate::platform::Credentials;

#[derive(Debug)]
pub enum WeixinError {
    /// No usable answer: unreachable, timed out, not JSON, too large.
    Http(HttpError),
    /// WeChat said no: `errcode` and `errmsg` (40029 invalid code, 40163 code been used, 45011
    /// rate limit…).
    Refused { errcode: i64, errmsg: String },
    /// A success without what it should carry.
    Malformed(&'static str),
}

impl fmt::Display for WeixinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeixinError::Http(e) => write!(f, "weixin: {e}"),
            WeixinError::Refused { errcode, errmsg } => {
                write!(f, "weixin refused: errcode {errcode}: {errmsg}")
            }
            WeixinError::Malformed(what) => write!(f, "weixin answer without {what}"),
        }
    }
}

impl WeixinError {
    /// An app access token WeChat no longer accepts (invalid, or expired early).
    pub fn is_stale_token(&self) -> bool {
        matches!(
            self,
            WeixinError::Refused {
                errcode: 40001 | 40014 | 42001,
                ..
            }
        )
    }
}

/// `jscode2session`: who the mini program's user is.
pub struct Session {
    pub openid: String,
    pub unionid: Option<String>,
    pub session_key: Secret,
}

/// `oauth2/access_token`: who the app's or web page's user is, and their access token.
pub struct UserToken {
    pub openid: String,
    pub unionid: Option<String>,
    pub access_token: Secret,
    pub refresh_token: Secret,
    /// Seconds.
    pub expires_in: i64,
}

/// `sns/userinfo`: what a new account is named after.
#[derive(Debug, Default)]
pub struct UserInfo {
    pub nickname: Option<String>,
    pub headimgurl: Option<String>,
    /// 1 male, 2 female, 0 unknown (WeChat stopped sending it; kept when present).
    pub sex: Option<i32>,
}

/// `cgi-bin/stable_token`: the app's own access token.
pub struct AppToken {
    pub access_token: Secret,
    /// Seconds.
    pub expires_in: i64,
}

/// A WeChat answer is a refusal when it carries a non-zero `errcode`.
pub fn refused(v: &Value) -> bool {
    v.get("errcode")
        .and_then(Value::as_i64)
        .is_some_and(|c| c != 0)
}

pub struct WeixinApi {
    http: HttpClient,
    endpoint: String,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl WeixinApi {
    pub fn new(http: HttpClient, endpoint: String) -> WeixinApi {
        WeixinApi { http, endpoint }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.endpoint)
    }

    /// The answer, or WeChat's refusal.
    fn checked(answer: Result<Value, HttpError>) -> Result<Value, WeixinError> {
        let v = answer.map_err(WeixinError::Http)?;
        if refused(&v) {
            return Err(WeixinError::Refused {
                errcode: v.get("errcode").and_then(Value::as_i64).unwrap_or(-1),
                errmsg: text(&v, "errmsg").unwrap_or_default(),
            });
        }
        Ok(v)
    }

    /// `GET /sns/jscode2session`.
    pub async fn code2session(
        &self,
        host: &Host,
        creds: &Credentials,
        code: &str,
    ) -> Result<Session, WeixinError> {
        let v = Self::checked(
            self.http
                .get_json(
                    &host.metrics,
                    &self.url("/sns/jscode2session"),
                    &[
                        ("appid", &creds.appid),
                        ("secret", creds.secret.expose()),
                        ("js_code", code),
                        ("grant_type", "authorization_code"),
                    ],
                )
                .await,
        )?;
        Ok(Session {
            openid: text(&v, "openid").ok_or(WeixinError::Malformed("openid"))?,
            unionid: text(&v, "unionid"),
            session_key: Secret::new(
                text(&v, "session_key").ok_or(WeixinError::Malformed("session_key"))?,
            ),
        })
    }

    /// `GET /sns/oauth2/access_token`.
    pub async fn oauth_token(
        &self,
        host: &Host,
        creds: &Credentials,
        code: &str,
    ) -> Result<UserToken, WeixinError> {
        let v = Self::checked(
            self.http
                .get_json(
                    &host.metrics,
                    &self.url("/sns/oauth2/access_token"),
                    &[
                        ("appid", &creds.appid),
                        ("secret", creds.secret.expose()),
                        ("code", code),
                        ("grant_type", "authorization_code"),
                    ],
                )
                .await,
        )?;
        Ok(UserToken {
            openid: text(&v, "openid").ok_or(WeixinError::Malformed("openid"))?,
            unionid: text(&v, "unionid"),
            access_token: Secret::new(
                text(&v, "access_token").ok_or(WeixinError::Malformed("access_token"))?,
            ),
            refresh_token: Secret::new(text(&v, "refresh_token").unwrap_or_default()),
            expires_in: v.get("expires_in").and_then(Value::as_i64).unwrap_or(7200),
        })
    }

    /// `GET /sns/userinfo` (uni-id sends the app's credentials along).
    pub async fn user_info(
        &self,
        host: &Host,
        creds: &Credentials,
        token: &UserToken,
    ) -> Result<UserInfo, WeixinError> {
        let v = Self::checked(
            self.http
                .get_json(
                    &host.metrics,
                    &self.url("/sns/userinfo"),
                    &[
                        ("access_token", token.access_token.expose()),
                        ("openid", &token.openid),
                        ("appid", &creds.appid),
                        ("secret", creds.secret.expose()),
                        ("scope", "snsapi_userinfo"),
                    ],
                )
                .await,
        )?;
        Ok(UserInfo {
            nickname: text(&v, "nickname"),
            headimgurl: text(&v, "headimgurl"),
            sex: v
                .get("sex")
                .and_then(Value::as_i64)
                .and_then(|s| i32::try_from(s).ok())
                .filter(|s| (0..=2).contains(s)),
        })
    }

    /// `POST /cgi-bin/stable_token` (the token WeChat hands every caller alike until it
    /// expires, so instances fetching it at once agree).
    pub async fn stable_token(
        &self,
        host: &Host,
        creds: &Credentials,
    ) -> Result<AppToken, WeixinError> {
        let v = Self::checked(
            self.http
                .post_json(
                    &host.metrics,
                    &self.url("/cgi-bin/stable_token"),
                    &[],
                    &json!({
                        "grant_type": "client_credential",
                        "appid": creds.appid,
                        "secret": creds.secret.expose(),
                    }),
                )
                .await,
        )?;
        Ok(AppToken {
            access_token: Secret::new(
                text(&v, "access_token").ok_or(WeixinError::Malformed("access_token"))?,
            ),
            expires_in: v.get("expires_in").and_then(Value::as_i64).unwrap_or(7200),
        })
    }

    /// `POST /wxa/business/getuserphonenumber`: the phone number behind a mini program's
    /// `phoneCode`, as `(countryCode, purePhoneNumber)`.
    pub async fn phone_number(
        &self,
        host: &Host,
        app_token: &Secret,
        phone_code: &str,
    ) -> Result<(String, String), WeixinError> {
        let v = Self::checked(
            self.http
                .post_json(
                    &host.metrics,
                    &self.url("/wxa/business/getuserphonenumber"),
                    &[("access_token", app_token.expose())],
                    &json!({ "code": phone_code }),
                )
                .await,
        )?;
        let info = v
            .get("phone_info")
            .ok_or(WeixinError::Malformed("phone_info"))?;
        Ok((
            text(info, "countryCode").unwrap_or_else(|| "86".to_string()),
            text(info, "purePhoneNumber").ok_or(WeixinError::Malformed("purePhoneNumber"))?,
        ))
    }

    /// Downloads an avatar (`headimgurl`), up to `max_bytes`.
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
