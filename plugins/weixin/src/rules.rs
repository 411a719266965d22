//! The weixin plugin's account rules (spec §1.3 Login, Binding / unbinding; §11.1): logging in
//! or registering with a WeChat code, with a mini program's phone code, binding and unbinding
//! WeChat, binding the mini program's phone number. The JSON methods (`methods.rs`) and the
//! pages (`pages.rs`) are two faces over these functions.
//!
//! WeChat is called with no database connection held; the account work happens after, in one
//! transaction per identity (the host's unified login). Provider errors reach the client as
//! `uni-id-get-third-party-account-failed` in its language; WeChat's code and message go to
//! the server log only, and no session key or access token is ever logged.

use serde_json::{Value, json};
use unid_core::plugin::Secret;
use unid_core::plugin::accounts::bind::{self, BIND_MOBILE, Bindable};
use unid_core::plugin::accounts::log::{self, Subject};
use unid_core::plugin::accounts::{
    Caller, ClientInfo, Identity, LoginType, Profile, ThirdPartyId, Unified, existing_account,
    login_or_register, new_uid, phone, third_party,
};
use unid_core::plugin::actix_web::web;
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};
use unid_core::plugin::{Conn, Host};

use crate::WeixinPlugin;
use crate::api::{Session, UserToken, WeixinError};
use crate::decrypt;
use crate::platform::{Credentials, Platform, credentials};

/// The provider's name in the identities table.
pub const PROVIDER: &str = "weixin";
pub const BIND_LOG: &str = "bind-weixin";
pub const UNBIND_LOG: &str = "unbind-weixin";

/// uni-open-bridge keeps users' session keys and access tokens this long (spec §11.1).
const USER_CREDENTIAL_MS: i64 = 30 * 86_400_000;
/// An app access token is taken as expired this long before WeChat says.
const APP_TOKEN_MARGIN_MS: i64 = 5 * 60 * 1000;

/// Who WeChat says the user is, and what it handed out with it.
pub struct Exchanged {
    pub openid: String,
    pub unionid: Option<String>,
    credential: Credential,
}

enum Credential {
    /// The mini program's session key (decrypts its `encryptedData`).
    Session(Secret),
    /// An app's or web page's user access token.
    User(UserToken),
}

impl From<Session> for Exchanged {
    fn from(s: Session) -> Exchanged {
        Exchanged {
            openid: s.openid,
            unionid: s.unionid,
            credential: Credential::Session(s.session_key),
        }
    }
}

impl From<UserToken> for Exchanged {
    fn from(t: UserToken) -> Exchanged {
        Exchanged {
            openid: t.openid.clone(),
            unionid: t.unionid.clone(),
            credential: Credential::User(t),
        }
    }
}

fn plugin(host: &Host) -> ApiResult<&WeixinPlugin> {
    host.plugin::<WeixinPlugin>()
        .ok_or_else(|| ApiError::system("weixin method called without its plugin"))
}

/// The request's WeChat platform, or `uni-id-invalid-param` for a platform without WeChat.
pub fn platform_of(client: &ClientInfo) -> ApiResult<Platform> {
    Platform::of(client).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidParam)
            .detail(format!("no WeChat sign-in on platform {}", client.platform))
    })
}

/// WeChat's refusal as the client sees it; the details go to the log.
fn account_failed(e: &WeixinError) -> ApiError {
    tracing::warn!(error = %e, "weixin: account lookup failed");
    ApiError::new(ErrorCode::GetThirdPartyAccountFailed).detail(e)
}

/// `wx_openid.<p>`, `wx_openid.<p>_<appId>` and `wx_unionid` as identities: the ones an
/// account is found by (the openid on this platform, the unionid), and those a new or
/// logged-in account gets.
pub fn ids(
    platform: Platform,
    app_id: &str,
    ex: &Exchanged,
) -> (Vec<ThirdPartyId>, Vec<ThirdPartyId>) {
    let openid = ThirdPartyId::new(PROVIDER, "openid", platform.key(), &ex.openid);
    let per_app = ThirdPartyId::new(
        PROVIDER,
        "openid",
        &format!("{}_{app_id}", platform.key()),
        &ex.openid,
    );
    let unionid = ex
        .unionid
        .as_deref()
        .map(|u| ThirdPartyId::new(PROVIDER, "unionid", "", u));
    let lookup: Vec<ThirdPartyId> = std::iter::once(openid.clone())
        .chain(unionid.clone())
        .collect();
    let written: Vec<ThirdPartyId> = [openid, per_app].into_iter().chain(unionid).collect();
    (lookup, written)
}

impl WeixinPlugin {
    /// Exchanges a code with WeChat: `jscode2session` for the mini program (or what a secure
    /// network handshake already exchanged for this code), `oauth2/access_token` otherwise.
    async fn exchange(
        &self,
        call: &Caller,
        platform: Platform,
        creds: &Credentials,
        code: &str,
    ) -> ApiResult<Exchanged> {
        if platform == Platform::Mp {
            if let Some(ex) = self.take_handshake(call, code).await? {
                return Ok(ex);
            }
            return self
                .api
                .code2session(&call.host, creds, code)
                .await
                .map(Exchanged::from)
                .map_err(|e| account_failed(&e));
        }
        self.api
            .oauth_token(&call.host, creds, code)
            .await
            .map(Exchanged::from)
            .map_err(|e| account_failed(&e))
    }

    /// A new account's name and avatar from `sns/userinfo` (not in the mini program, whose
    /// users pick them with its own components). The avatar is stored under the uid the
    /// account will get; a failed download leaves the account without one.
    async fn profile(
        &self,
        call: &Caller,
        creds: &Credentials,
        token: &UserToken,
    ) -> ApiResult<Profile> {
        let info = self
            .api
            .user_info(&call.host, creds, token)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "weixin: user info failed");
                ApiError::new(ErrorCode::GetThirdPartyUserInfoFailed).detail(e)
            })?;
        let uid = new_uid(call.now());
        let mut avatar_file = None;
        if let Some(url) = info.headimgurl.as_deref() {
            match self
                .api
                .avatar(&call.host, url, self.avatar_max_bytes)
                .await
            {
                Ok(bytes) => {
                    let (host, id) = (call.host.clone(), uid.clone());
                    match web::block(move || host.avatars.save(&id, &bytes)).await {
                        Ok(Ok(file)) => avatar_file = Some(file),
                        Ok(Err(e)) => tracing::warn!(error = %e, "weixin: avatar not stored"),
                        Err(e) => tracing::warn!(error = %e, "weixin: avatar not stored"),
                    }
                }
                Err(e) => tracing::warn!(error = %e, "weixin: avatar not downloaded"),
            }
        }
        Ok(Profile {
            uid: Some(uid),
            nickname: info.nickname,
            gender: info.sex,
            avatar_file,
        })
    }

    /// The code's exchange a secure network handshake kept, taken once.
    async fn take_handshake(&self, call: &Caller, code: &str) -> ApiResult<Option<Exchanged>> {
        let key = handshake_key(&call.client.app_id, code);
        let (host, now) = (call.host.clone(), call.now());
        let kept = call
            .host
            .db
            .run(move |conn| {
                let value = host.credentials.get(conn, &key, now)?;
                if value.is_some() {
                    host.credentials.remove(conn, &key)?;
                }
                Ok(value)
            })
            .await?;
        Ok(kept
            .and_then(|v| serde_json::from_str::<Value>(&v).ok())
            .and_then(|v| {
                let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
                Some(Exchanged {
                    openid: text("openid")?,
                    unionid: text("unionid").filter(|u| !u.is_empty()),
                    credential: Credential::Session(Secret::new(text("session_key")?)),
                })
            }))
    }

    /// The mini program's app access token: cached (every instance shares it) until shortly
    /// before it expires, else fetched with `stable_token`.
    async fn app_token(
        &self,
        host: &Host,
        creds: &Credentials,
        now: i64,
    ) -> Result<Secret, WeixinError> {
        let key = format!("uni-id:weixin-mp:{}:access-token", creds.appid);
        let (h, k) = (host.clone(), key.clone());
        let cached = host
            .db
            .run(move |conn| h.credentials.get(conn, &k, now))
            .await
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_str::<Value>(&v).ok())
            .and_then(|v| {
                v.get("access_token")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        if let Some(token) = cached {
            return Ok(Secret::new(token));
        }
        let fresh = self.api.stable_token(host, creds).await?;
        let expired = now + fresh.expires_in * 1000 - APP_TOKEN_MARGIN_MS;
        let value = json!({ "access_token": fresh.access_token.expose() }).to_string();
        let h = host.clone();
        if let Err(e) = host
            .db
            .run(move |conn| h.credentials.put(conn, &key, &value, expired))
            .await
        {
            tracing::warn!(error = %e, "weixin: app access token not cached");
        }
        Ok(fresh.access_token)
    }

    /// The phone number behind a mini program's `phoneCode`, E.164. A cached app token WeChat
    /// no longer takes is dropped and fetched again, once.
    async fn phone_by_code(
        &self,
        call: &Caller,
        creds: &Credentials,
        phone_code: &str,
    ) -> ApiResult<String> {
        let now = call.now();
        let mut answer = Err(WeixinError::Malformed("an answer"));
        for attempt in 0..2 {
            let token = self
                .app_token(&call.host, creds, now)
                .await
                .map_err(|e| account_failed(&e))?;
            answer = self.api.phone_number(&call.host, &token, phone_code).await;
            match &answer {
                Err(e) if e.is_stale_token() && attempt == 0 => {
                    let (host, key) = (
                        call.host.clone(),
                        format!("uni-id:weixin-mp:{}:access-token", creds.appid),
                    );
                    host.db
                        .clone()
                        .run(move |conn| host.credentials.remove(conn, &key))
                        .await?;
                }
                _ => break,
            }
        }
        let (country, number) = answer.map_err(|e| account_failed(&e))?;
        e164(&country, &number)
    }
}

/// WeChat's country code and number as E.164.
fn e164(country: &str, number: &str) -> ApiResult<String> {
    let raw = if country == "86" {
        number.to_string()
    } else {
        format!("+{country}{number}")
    };
    phone::to_e164(&raw).ok_or_else(|| {
        ApiError::new(ErrorCode::GetThirdPartyAccountFailed).detail("weixin: not a phone number")
    })
}

fn handshake_key(app_id: &str, code: &str) -> String {
    format!("uni-id:{app_id}:weixin-mp:code:{code}:secure-network-cache")
}

/// Keeps what WeChat handed out under uni-open-bridge's keys: the mini program's session key,
/// or the user's access and refresh tokens (spec §11.1). A failure is logged, not answered:
/// the sign-in itself worked.
fn cache_credentials(
    conn: &mut Conn,
    host: &Host,
    platform: Platform,
    creds: &Credentials,
    ex: &Exchanged,
    now: i64,
) {
    let (key, value) = match &ex.credential {
        Credential::Session(key) => (
            format!("uni-id:weixin-mp:{}:{}:session-key", creds.appid, ex.openid),
            json!({ "session_key": key.expose() }),
        ),
        Credential::User(t) => (
            format!(
                "uni-id:weixin-{}:{}:{}:user-access-token",
                platform.key(),
                creds.appid,
                ex.openid
            ),
            json!({
                "access_token": t.access_token.expose(),
                "refresh_token": t.refresh_token.expose(),
                "access_token_expired": now + t.expires_in * 1000,
            }),
        ),
    };
    if let Err(e) = host
        .credentials
        .put(conn, &key, &value.to_string(), now + USER_CREDENTIAL_MS)
    {
        tracing::warn!(error = %e, "weixin: credentials not cached");
    }
}

/// `loginByWeixin`: logs in the account of this WeChat user in this app, or registers one
/// (outside the mini program named after the WeChat user, with their avatar).
pub async fn login(call: Caller, code: &str, invite_code: Option<String>) -> ApiResult<Unified> {
    let plugin = plugin(&call.host)?;
    let platform = platform_of(&call.client)?;
    let creds = credentials(&call.effective, platform)?;
    let exchanged = match plugin.exchange(&call, platform, &creds, code).await {
        Ok(ex) => ex,
        Err(e) => {
            call.log_failure(log::LOGIN, None).await;
            return Err(e);
        }
    };
    login_exchanged(call, platform, creds, exchanged, invite_code).await
}

/// The sign-in once WeChat has said who the user is.
async fn login_exchanged(
    call: Caller,
    platform: Platform,
    creds: Credentials,
    exchanged: Exchanged,
    invite_code: Option<String>,
) -> ApiResult<Unified> {
    let plugin = plugin(&call.host)?;
    let (lookup, written) = ids(platform, &call.client.app_id, &exchanged);
    let mut identity = Identity::third_party(lookup, written.clone(), written, invite_code);
    let mut avatar = None;
    if let Credential::User(token) = &exchanged.credential {
        let probe = identity.clone();
        let app_id = call.client.app_id.clone();
        let known = call
            .host
            .db
            .run(move |conn| existing_account(conn, &app_id, &probe))
            .await?;
        if known.is_none() {
            match plugin.profile(&call, &creds, token).await {
                Ok(profile) => {
                    avatar = profile.avatar_file.as_ref().map(|f| f.url.clone());
                    identity = identity.with_profile(profile);
                }
                Err(e) => {
                    call.log_failure(log::REGISTER, None).await;
                    return Err(e);
                }
            }
        }
    }
    let host = call.host.clone();
    let now = call.now();
    let result = host
        .db
        .clone()
        .run(move |conn| {
            let done = login_or_register(conn, call.origin(now), identity)?;
            cache_credentials(conn, &call.host, platform, &creds, &exchanged, now);
            Ok(done)
        })
        .await;
    // Another request registered the account first: the avatar stored for it is nobody's.
    if let Some(url) = avatar
        && !matches!(&result, Ok(u) if u.kind == LoginType::Register)
    {
        let _ = web::block(move || host.avatars.remove(&url)).await;
    }
    result
}

/// `loginByWeixinMobile`: the mini program's phone number (`phoneCode`) logs in the account
/// with that confirmed mobile, or registers one.
pub async fn login_by_mobile(
    call: Caller,
    phone_code: &str,
    invite_code: Option<String>,
) -> ApiResult<Unified> {
    let plugin = plugin(&call.host)?;
    let creds = mini_program(&call)?;
    let mobile = match plugin.phone_by_code(&call, &creds, phone_code).await {
        Ok(m) => m,
        Err(e) => {
            call.log_failure(log::LOGIN, None).await;
            return Err(e);
        }
    };
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| {
            let subject = Subject {
                mobile: Some(mobile.clone()),
                ..Default::default()
            };
            let identity = Identity::confirmed_mobile(&mobile, invite_code, subject);
            login_or_register(conn, call.origin(now), identity)
        })
        .await
}

/// The mini program's credentials; other platforms have no phone codes.
fn mini_program(call: &Caller) -> ApiResult<Credentials> {
    if Platform::of(&call.client) != Some(Platform::Mp) {
        return Err(ApiError::new(ErrorCode::InvalidParam)
            .detail("phone numbers come from the mini program (mp-weixin) only"));
    }
    credentials(&call.effective, Platform::Mp)
}

/// `bindWeixin`: the WeChat user behind `code` becomes the signed-in user's, unless an account
/// of this app (theirs included) already has it.
pub async fn bind_weixin(call: Caller, code: &str) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let plugin = plugin(&call.host)?;
    let platform = platform_of(&call.client)?;
    let creds = credentials(&call.effective, platform)?;
    let exchanged = match plugin.exchange(&call, platform, &creds, code).await {
        Ok(ex) => ex,
        Err(e) => {
            call.log_failure(BIND_LOG, Some(uid)).await;
            return Err(e);
        }
    };
    let (lookup, written) = ids(platform, &call.client.app_id, &exchanged);
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| {
            third_party::bind(conn, call.origin(now), &uid, lookup, &written, BIND_LOG)?;
            cache_credentials(conn, &call.host, platform, &creds, &exchanged, now);
            Ok(())
        })
        .await
}

/// `unbindWeixin`: removes every WeChat id of the user, unless it is their last way in.
pub async fn unbind_weixin(call: Caller) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| third_party::unbind(conn, call.origin(now), &uid, PROVIDER, UNBIND_LOG))
        .await
}

/// How `bindMobileByMpWeixin` proves the number.
pub enum PhoneProof {
    /// A `phoneCode` from the mini program's phone button.
    Code(String),
    /// The legacy `encryptedData` + `iv`, decrypted with the user's cached session key.
    Encrypted { data: String, iv: String },
}

/// `bindMobileByMpWeixin`: binds the mini program user's phone number.
pub async fn bind_mobile(call: Caller, proof: PhoneProof) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let plugin = plugin(&call.host)?;
    let creds = mini_program(&call)?;
    let mobile = match proof {
        PhoneProof::Code(code) => plugin.phone_by_code(&call, &creds, &code).await,
        PhoneProof::Encrypted { data, iv } => {
            decrypted_phone(&call, &uid, &creds, &data, &iv).await
        }
    };
    let mobile = match mobile {
        Ok(m) => m,
        Err(e) => {
            call.log_failure(BIND_MOBILE, Some(uid)).await;
            return Err(e);
        }
    };
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| {
            bind::bind(
                conn,
                call.origin(now),
                &uid,
                &Bindable::Mobile(mobile),
                BIND_MOBILE,
            )
        })
        .await
}

/// The number in `encryptedData`, opened with the session key cached for the user's mini
/// program openid (the one recorded for this app first).
async fn decrypted_phone(
    call: &Caller,
    uid: &str,
    creds: &Credentials,
    data: &str,
    iv: &str,
) -> ApiResult<String> {
    let (host, uid_owned, now) = (call.host.clone(), uid.to_string(), call.now());
    let per_app = format!("mp_{}", call.client.app_id);
    let appid = creds.appid.clone();
    let session_key = call
        .host
        .db
        .run(move |conn| {
            let ids = third_party::ids_of(conn, &uid_owned)?;
            let openid = [per_app.as_str(), "mp"].iter().find_map(|p| {
                ids.iter()
                    .find(|id| id.provider == PROVIDER && id.kind == "openid" && id.platform == *p)
                    .map(|id| id.value.clone())
            });
            let Some(openid) = openid else {
                return Ok(None);
            };
            let key = format!("uni-id:weixin-mp:{appid}:{openid}:session-key");
            host.credentials.get(conn, &key, now)
        })
        .await?
        .and_then(|v| serde_json::from_str::<Value>(&v).ok())
        .and_then(|v| {
            v.get("session_key")
                .and_then(Value::as_str)
                .map(Secret::new)
        })
        .ok_or_else(|| {
            ApiError::new(ErrorCode::GetThirdPartyAccountFailed)
                .detail("weixin: no session key for this user (log in with the mini program first)")
        })?;
    let value = decrypt::decrypt(session_key.expose(), data, iv, &creds.appid)
        .and_then(|v| decrypt::phone(&v))
        .map_err(|e| {
            tracing::warn!(error = %e, "weixin: encryptedData refused");
            ApiError::new(ErrorCode::GetThirdPartyAccountFailed).detail(e)
        })?;
    e164(&value.0, &value.1)
}

/// `secureNetworkHandshakeByWeixin`: exchanges the mini program's code once and keeps the
/// result for the secure network (and for a `loginByWeixin` with the same code); with
/// `callLoginByWeixin` it logs in at once.
pub async fn handshake(call: Caller, code: &str, then_login: bool) -> ApiResult<Option<Unified>> {
    let plugin = plugin(&call.host)?;
    let creds = mini_program(&call)?;
    let session = plugin
        .api
        .code2session(&call.host, &creds, code)
        .await
        .map_err(|e| account_failed(&e))?;
    let exchanged = Exchanged::from(session);
    if then_login {
        return login_exchanged(call, Platform::Mp, creds, exchanged, None)
            .await
            .map(Some);
    }
    let key = handshake_key(&call.client.app_id, code);
    let now = call.now();
    let expired = now + i64::try_from(call.effective.token_expires_in).unwrap_or(7200) * 1000;
    let Credential::Session(session_key) = &exchanged.credential else {
        return Err(ApiError::system("a mini program code gave no session key"));
    };
    let kept = json!({
        "openid": exchanged.openid,
        "unionid": exchanged.unionid.clone().unwrap_or_default(),
        "session_key": session_key.expose(),
    })
    .to_string();
    let host = call.host.clone();
    call.host
        .db
        .run(move |conn| {
            host.credentials.put(conn, &key, &kept, expired)?;
            cache_credentials(conn, &host, Platform::Mp, &creds, &exchanged, now);
            Ok(())
        })
        .await?;
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_uni_id_s_document_shape() {
        let ex = Exchanged {
            openid: "o-1".into(),
            unionid: Some("u-1".into()),
            credential: Credential::Session(Secret::new("k")),
        };
        let (lookup, written) = ids(Platform::App, "__UNI__A", &ex);
        let slot =
            |id: &ThirdPartyId| format!("{}.{}.{}={}", id.provider, id.kind, id.platform, id.value);
        assert_eq!(
            lookup.iter().map(slot).collect::<Vec<_>>(),
            ["weixin.openid.app=o-1", "weixin.unionid.=u-1"]
        );
        assert_eq!(
            written.iter().map(slot).collect::<Vec<_>>(),
            [
                "weixin.openid.app=o-1",
                "weixin.openid.app___UNI__A=o-1",
                "weixin.unionid.=u-1"
            ]
        );
        let no_union = Exchanged {
            unionid: None,
            ..ex
        };
        assert_eq!(ids(Platform::Mp, "__UNI__A", &no_union).0.len(), 1);
    }

    #[test]
    fn numbers_become_e164() {
        assert_eq!(e164("86", "13800138000").expect("cn"), "+8613800138000");
        assert_eq!(e164("852", "61234567").expect("hk"), "+85261234567");
        assert!(e164("86", "not a number").is_err());
    }
}
