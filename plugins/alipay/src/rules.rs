//! The alipay plugin's account rules (spec §1.3 `loginByAlipay`, `bindAlipay`,
//! `unbindAlipay`; §11.3): logging in or registering with a mini program's auth code, binding
//! and unbinding Alipay.
//!
//! Alipay is called with no database connection held; the account work happens after, in one
//! transaction per identity (the host's unified login and bind rules). Provider errors reach
//! the client as `uni-id-get-third-party-account-failed` in its language; Alipay's codes go to
//! the server log only, and no token is ever logged.
//!
//! The account's id is uni-id's `ali_openid`: the `user_id` Alipay answers (or, for apps in
//! Alipay's newer OpenID mode that get no `user_id`, the `open_id` — uni-id has no answer for
//! those). Unlike uni-id, whose `bindAlipay` always fails (spec §17), binding works.

use serde_json::json;
use unid_core::plugin::accounts::log;
use unid_core::plugin::accounts::{
    Caller, Identity, ThirdPartyId, Unified, login_or_register, third_party,
};
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};
use unid_core::plugin::{Conn, Host};

use crate::AlipayPlugin;
use crate::gateway::{AlipayError, OauthToken, oauth_token_request};
use crate::keys::VerifyingKey;
use crate::platform::{self, AppSettings, invalid};

/// The provider's name in the identities table.
pub const PROVIDER: &str = "alipay";
pub const BIND_LOG: &str = "bind-alipay";
pub const UNBIND_LOG: &str = "unbind-alipay";

/// How long the user's tokens stay cached when Alipay does not say (uni-open-bridge keeps
/// WeChat's 30 days).
const DEFAULT_CREDENTIAL_MS: i64 = 30 * 86_400_000;

fn plugin(host: &Host) -> ApiResult<&AlipayPlugin> {
    host.plugin::<AlipayPlugin>()
        .ok_or_else(|| ApiError::system("alipay method called without its plugin"))
}

/// `ali_openid`: the one slot an Alipay user has.
pub fn openid(value: &str) -> ThirdPartyId {
    ThirdPartyId::new(PROVIDER, "openid", "", value)
}

/// Alipay's refusal as the client sees it; the details go to the log.
fn account_failed(e: &AlipayError) -> ApiError {
    tracing::warn!(error = %e, "alipay: account lookup failed");
    ApiError::new(ErrorCode::GetThirdPartyAccountFailed).detail(e)
}

impl AlipayPlugin {
    /// Exchanges a mini program's auth code with `alipay.system.oauth.token`, for the app
    /// configured for this request. Configuration errors come back as they are; Alipay's
    /// failures as `uni-id-get-third-party-account-failed`.
    async fn exchange(&self, call: &Caller, code: &str) -> Result<Exchanged, Failure> {
        let app = platform::settings(&call.effective).map_err(Failure::Config)?;
        let key = self
            .keys
            .signing_key(app.private_key.expose(), app.key_type)
            .map_err(|e| Failure::Config(invalid("privateKey").detail(e)))?;
        let verifier = match &app.alipay_public_key {
            Some(text) => Some(
                VerifyingKey::parse(text)
                    .map_err(|e| Failure::Config(invalid("alipayPublicKey").detail(e)))?,
            ),
            None => None,
        };
        let request = oauth_token_request(&app.appid, &key, code, call.now())
            .map_err(|e| Failure::Provider(account_failed(&e)))?;
        let token = self
            .gateway
            .oauth_token(
                &call.host,
                self.settings.gateway_for(app.sandbox),
                &request,
                verifier.as_ref(),
            )
            .await
            .map_err(|e| Failure::Provider(account_failed(&e)))?;
        Ok(Exchanged { app, token })
    }
}

/// Who Alipay says the user is, for which app.
struct Exchanged {
    app: AppSettings,
    token: OauthToken,
}

/// Why an exchange failed: the config (answered as is, like the weixin plugin), or Alipay
/// (logged as a failed attempt).
enum Failure {
    Config(ApiError),
    Provider(ApiError),
}

/// Keeps the user's tokens under a uni-open-bridge-style key,
/// `uni-id:alipay-mp:<alipayAppid>:<openid>:user-access-token` (uni-id itself keeps none for
/// Alipay), sealed by the host's credential cache, until the refresh token expires. A failure
/// is logged, not answered: the sign-in itself worked.
fn cache_credentials(conn: &mut Conn, host: &Host, ex: &Exchanged, now: i64) {
    let token = &ex.token;
    if token.access_token.is_empty() {
        return;
    }
    let key = format!(
        "uni-id:alipay-mp:{}:{}:user-access-token",
        ex.app.appid, token.openid
    );
    let until = |secs: Option<i64>| secs.map(|s| now.saturating_add(s.saturating_mul(1000)));
    let access_expired = until(token.expires_in);
    let refresh_expired = until(token.re_expires_in);
    let value = json!({
        "access_token": token.access_token.expose(),
        "refresh_token": token.refresh_token.expose(),
        "access_token_expired": access_expired,
        "refresh_token_expired": refresh_expired,
    });
    let expired = refresh_expired
        .or(access_expired)
        .unwrap_or(now + DEFAULT_CREDENTIAL_MS);
    if let Err(e) = host
        .credentials
        .put(conn, &key, &value.to_string(), expired)
    {
        tracing::warn!(error = %e, "alipay: credentials not cached");
    }
}

/// `loginByAlipay`: logs in the account of this Alipay user in this app, or registers one.
pub async fn login(call: Caller, code: &str, invite_code: Option<String>) -> ApiResult<Unified> {
    let plugin = plugin(&call.host)?;
    platform::check(&call.client)?;
    let exchanged = match plugin.exchange(&call, code).await {
        Ok(ex) => ex,
        Err(Failure::Config(e)) => return Err(e),
        Err(Failure::Provider(e)) => {
            call.log_failure(log::LOGIN, None).await;
            return Err(e);
        }
    };
    let id = openid(&exchanged.token.openid);
    // uni-id finds the account by `ali_openid` and writes nothing more on login.
    let identity = Identity::third_party(vec![id.clone()], vec![id], Vec::new(), invite_code);
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| {
            let done = login_or_register(conn, call.origin(now), identity)?;
            cache_credentials(conn, &call.host, &exchanged, now);
            Ok(done)
        })
        .await
}

/// `bindAlipay`: the Alipay user behind `code` becomes the signed-in user's, unless an account
/// of this app (theirs included) already has it.
pub async fn bind(call: Caller, code: &str) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let plugin = plugin(&call.host)?;
    platform::check(&call.client)?;
    let exchanged = match plugin.exchange(&call, code).await {
        Ok(ex) => ex,
        Err(Failure::Config(e)) => return Err(e),
        Err(Failure::Provider(e)) => {
            call.log_failure(BIND_LOG, Some(uid)).await;
            return Err(e);
        }
    };
    let id = openid(&exchanged.token.openid);
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| {
            third_party::bind(
                conn,
                call.origin(now),
                &uid,
                vec![id.clone()],
                &[id],
                BIND_LOG,
            )?;
            cache_credentials(conn, &call.host, &exchanged, now);
            Ok(())
        })
        .await
}

/// `unbindAlipay`: removes the user's Alipay id, unless it is their last way in.
pub async fn unbind(call: Caller) -> ApiResult<()> {
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

    #[test]
    fn the_id_is_uni_id_s_ali_openid() {
        let id = openid("2088102150477652");
        assert_eq!(
            (
                id.provider.as_str(),
                id.kind.as_str(),
                id.platform.as_str(),
                id.value.as_str()
            ),
            ("alipay", "openid", "", "2088102150477652")
        );
    }
}
