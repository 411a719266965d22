//! The qq plugin's account rules (spec §1.3 `loginByQQ`, `bindQQ`, `unbindQQ`; §11.2): logging
//! in or registering with a QQ mini program's code or a QQ app user's access token, binding and
//! unbinding QQ. The JSON methods (`methods.rs`) are a thin face over these functions.
//!
//! QQ is called with no database connection held; the account work happens after, in one
//! transaction per identity (the host's unified login). Provider errors reach the client as
//! `uni-id-get-third-party-account-failed` in its language; QQ's code and message go to the
//! server log only, and no session key or access token is ever logged.

use serde_json::json;
use unid_core::plugin::accounts::log;
use unid_core::plugin::accounts::{
    Caller, ClientInfo, Identity, LoginType, Profile, ThirdPartyId, Unified, existing_account,
    login_or_register, new_uid, third_party,
};
use unid_core::plugin::actix_web::web;
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};
use unid_core::plugin::{Conn, Host, Secret};

use crate::QqPlugin;
use crate::api::QqError;
use crate::platform::{Credentials, Platform, credentials};

/// The provider's name in the identities table.
pub const PROVIDER: &str = "qq";
pub const BIND_LOG: &str = "bind-qq";
pub const UNBIND_LOG: &str = "unbind-qq";

/// uni-open-bridge keeps users' session keys and access tokens this long (spec §11.2).
const USER_CREDENTIAL_MS: i64 = 30 * 86_400_000;

/// What a `loginByQQ` / `bindQQ` call carries to prove who the QQ user is.
#[derive(Default)]
pub struct Proof {
    /// The mini program's `qq.login()` code.
    pub code: Option<String>,
    /// The app's QQ SDK access token.
    pub access_token: Option<Secret>,
    /// When that token expires (ms since the epoch), as the SDK said.
    pub access_token_expired: Option<i64>,
}

/// The proof each platform needs: the mini program exchanges a `code`, an app sends the user's
/// `accessToken` (uni-id sends whichever it got to QQ and lets QQ refuse a missing one; unid
/// names the missing parameter instead).
enum Input {
    Code(String),
    Token {
        access_token: Secret,
        expired: Option<i64>,
    },
}

impl Proof {
    fn input(self, platform: Platform) -> ApiResult<Input> {
        match platform {
            Platform::Mp => self
                .code
                .map(Input::Code)
                .ok_or_else(|| ApiError::param_required("code")),
            Platform::App => self
                .access_token
                .map(|access_token| Input::Token {
                    access_token,
                    expired: self.access_token_expired,
                })
                .ok_or_else(|| ApiError::param_required("accessToken")),
        }
    }
}

/// Who QQ says the user is, and the credential that goes with it.
pub struct Exchanged {
    pub openid: String,
    pub unionid: Option<String>,
    credential: Credential,
}

enum Credential {
    /// The mini program's session key.
    Session(Secret),
    /// The app user's access token, and its expiry when the client said.
    User {
        access_token: Secret,
        expired: Option<i64>,
    },
}

fn plugin(host: &Host) -> ApiResult<&QqPlugin> {
    host.plugin::<QqPlugin>()
        .ok_or_else(|| ApiError::system("qq method called without its plugin"))
}

/// The request's QQ platform, or `uni-id-invalid-param` for a platform without QQ.
pub fn platform_of(client: &ClientInfo) -> ApiResult<Platform> {
    Platform::of(client).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidParam)
            .detail(format!("no QQ sign-in on platform {}", client.platform))
    })
}

/// QQ's refusal as the client sees it; the details go to the log.
fn account_failed(e: &QqError) -> ApiError {
    tracing::warn!(error = %e, "qq: account lookup failed");
    ApiError::new(ErrorCode::GetThirdPartyAccountFailed).detail(e)
}

/// `qq_openid.<p>`, `qq_openid.<p>_<appId>` and `qq_unionid` as identities: the ones an account
/// is found by (the openid on this platform, the unionid), and those a new or logged-in account
/// gets.
pub fn ids(
    platform: Platform,
    app_id: &str,
    openid: &str,
    unionid: Option<&str>,
) -> (Vec<ThirdPartyId>, Vec<ThirdPartyId>) {
    let on_platform = ThirdPartyId::new(PROVIDER, "openid", platform.key(), openid);
    let per_app = ThirdPartyId::new(
        PROVIDER,
        "openid",
        &format!("{}_{app_id}", platform.key()),
        openid,
    );
    let unionid = unionid.map(|u| ThirdPartyId::new(PROVIDER, "unionid", "", u));
    let lookup: Vec<ThirdPartyId> = std::iter::once(on_platform.clone())
        .chain(unionid.clone())
        .collect();
    let written: Vec<ThirdPartyId> = [on_platform, per_app].into_iter().chain(unionid).collect();
    (lookup, written)
}

impl QqPlugin {
    /// Asks QQ who the user is: `jscode2session` for the mini program's code, `oauth2.0/me`
    /// for an app's access token.
    async fn exchange(
        &self,
        call: &Caller,
        creds: &Credentials,
        input: Input,
    ) -> Result<Exchanged, QqError> {
        match input {
            Input::Code(code) => {
                let s = self.api.code2session(&call.host, creds, &code).await?;
                Ok(Exchanged {
                    openid: s.openid,
                    unionid: s.unionid,
                    credential: Credential::Session(s.session_key),
                })
            }
            Input::Token {
                access_token,
                expired,
            } => {
                let me = self.api.me(&call.host, creds, &access_token).await?;
                Ok(Exchanged {
                    openid: me.openid,
                    unionid: me.unionid,
                    credential: Credential::User {
                        access_token,
                        expired,
                    },
                })
            }
        }
    }

    /// A new app account's name and avatar from `get_user_info` (not in the mini program,
    /// whose users pick them with its own components). The avatar is stored under the uid the
    /// account will get; a failed download leaves the account without one.
    async fn profile(
        &self,
        call: &Caller,
        creds: &Credentials,
        access_token: &Secret,
        openid: &str,
    ) -> ApiResult<Profile> {
        let info = self
            .api
            .user_info(&call.host, creds, access_token, openid)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "qq: user info failed");
                ApiError::new(ErrorCode::GetThirdPartyUserInfoFailed).detail(e)
            })?;
        let uid = new_uid(call.now());
        let mut avatar_file = None;
        if let Some(url) = info.avatar_url.as_deref() {
            match self
                .api
                .avatar(&call.host, url, self.avatar_max_bytes)
                .await
            {
                Ok(bytes) => {
                    let (host, id) = (call.host.clone(), uid.clone());
                    match web::block(move || host.avatars.save(&id, &bytes)).await {
                        Ok(Ok(file)) => avatar_file = Some(file),
                        Ok(Err(e)) => tracing::warn!(error = %e, "qq: avatar not stored"),
                        Err(e) => tracing::warn!(error = %e, "qq: avatar not stored"),
                    }
                }
                Err(e) => tracing::warn!(error = %e, "qq: avatar not downloaded"),
            }
        }
        Ok(Profile {
            uid: Some(uid),
            nickname: info.nickname,
            gender: None,
            avatar_file,
        })
    }
}

/// Keeps what QQ handed out under uni-open-bridge's keys (spec §11.2): the mini program's
/// session key for 30 days, or the app user's access token until it expires (30 days when the
/// client did not say). A failure is logged, not answered: the sign-in itself worked.
fn cache_credentials(
    conn: &mut Conn,
    host: &Host,
    platform: Platform,
    creds: &Credentials,
    ex: &Exchanged,
    now: i64,
) {
    let (key, value, until) = match &ex.credential {
        Credential::Session(key) => (
            format!("uni-id:qq-mp:{}:{}:session-key", creds.appid, ex.openid),
            json!({ "session_key": key.expose() }),
            now + USER_CREDENTIAL_MS,
        ),
        Credential::User {
            access_token,
            expired,
        } => {
            let mut value = json!({ "access_token": access_token.expose() });
            if let Some(at) = expired {
                value["access_token_expired"] = json!(at);
            }
            (
                format!(
                    "uni-id:qq-{}:{}:{}:user-access-token",
                    platform.key(),
                    creds.appid,
                    ex.openid
                ),
                value,
                expired
                    .filter(|at| *at > now)
                    .unwrap_or(now + USER_CREDENTIAL_MS),
            )
        }
    };
    if let Err(e) = host.credentials.put(conn, &key, &value.to_string(), until) {
        tracing::warn!(error = %e, "qq: credentials not cached");
    }
}

/// `loginByQQ`: logs in the account of this QQ user in this app, or registers one (in an app
/// named after the QQ user, with their avatar).
pub async fn login(call: Caller, proof: Proof, invite_code: Option<String>) -> ApiResult<Unified> {
    let plugin = plugin(&call.host)?;
    let platform = platform_of(&call.client)?;
    let creds = credentials(&call.effective, platform)?;
    let input = proof.input(platform)?;
    let exchanged = match plugin.exchange(&call, &creds, input).await {
        Ok(ex) => ex,
        Err(e) => {
            call.log_failure(log::LOGIN, None).await;
            return Err(account_failed(&e));
        }
    };
    let (lookup, written) = ids(
        platform,
        &call.client.app_id,
        &exchanged.openid,
        exchanged.unionid.as_deref(),
    );
    let mut identity = Identity::third_party(lookup, written.clone(), written, invite_code);
    let mut avatar = None;
    if let Credential::User { access_token, .. } = &exchanged.credential {
        let probe = identity.clone();
        let app_id = call.client.app_id.clone();
        let known = call
            .host
            .db
            .run(move |conn| existing_account(conn, &app_id, &probe))
            .await?;
        if known.is_none() {
            match plugin
                .profile(&call, &creds, access_token, &exchanged.openid)
                .await
            {
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

/// `bindQQ`: the QQ user behind the proof becomes the signed-in user's, unless an account of
/// this app (theirs included) already has it.
pub async fn bind_qq(call: Caller, proof: Proof) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let plugin = plugin(&call.host)?;
    let platform = platform_of(&call.client)?;
    let creds = credentials(&call.effective, platform)?;
    let input = proof.input(platform)?;
    let exchanged = match plugin.exchange(&call, &creds, input).await {
        Ok(ex) => ex,
        Err(e) => {
            call.log_failure(BIND_LOG, Some(uid)).await;
            return Err(account_failed(&e));
        }
    };
    let (lookup, written) = ids(
        platform,
        &call.client.app_id,
        &exchanged.openid,
        exchanged.unionid.as_deref(),
    );
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

/// `unbindQQ`: removes every QQ id of the user, unless it is their last way in.
pub async fn unbind_qq(call: Caller) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| third_party::unbind(conn, call.origin(now), &uid, PROVIDER, UNBIND_LOG))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(ids: &[ThirdPartyId]) -> Vec<String> {
        ids.iter()
            .map(|id| format!("{}.{}.{}={}", id.provider, id.kind, id.platform, id.value))
            .collect()
    }

    #[test]
    fn ids_follow_uni_id_s_document_shape() {
        let (lookup, written) = ids(Platform::App, "__UNI__A", "o-1", Some("u-1"));
        assert_eq!(slots(&lookup), ["qq.openid.app=o-1", "qq.unionid.=u-1"]);
        assert_eq!(
            slots(&written),
            [
                "qq.openid.app=o-1",
                "qq.openid.app___UNI__A=o-1",
                "qq.unionid.=u-1"
            ]
        );
        let (lookup, written) = ids(Platform::Mp, "__UNI__A", "o-2", None);
        assert_eq!(slots(&lookup), ["qq.openid.mp=o-2"]);
        assert_eq!(
            slots(&written),
            ["qq.openid.mp=o-2", "qq.openid.mp___UNI__A=o-2"]
        );
    }

    #[test]
    fn each_platform_names_the_proof_it_lacks() {
        let missing = |platform, proof: Proof| match proof.input(platform) {
            Err(e) => Some((e.code, e.args)),
            Ok(_) => None,
        };
        let token_only = || Proof {
            access_token: Some(Secret::new("t")),
            ..Default::default()
        };
        let code_only = || Proof {
            code: Some("c".into()),
            ..Default::default()
        };
        assert_eq!(
            missing(Platform::Mp, token_only()),
            Some((
                ErrorCode::ParamRequired,
                vec![("param", "code".to_string())]
            ))
        );
        assert_eq!(
            missing(Platform::App, code_only()),
            Some((
                ErrorCode::ParamRequired,
                vec![("param", "accessToken".to_string())]
            ))
        );
        assert!(missing(Platform::Mp, code_only()).is_none());
        assert!(missing(Platform::App, token_only()).is_none());
    }
}
