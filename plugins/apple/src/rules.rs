//! The apple plugin's account rules (spec §1.3, §11.4): logging in or registering with an
//! identity token, binding and unbinding Apple. The JSON methods and the site's sign-in are two
//! faces over these functions.

use unid_core::plugin::accounts::log;
use unid_core::plugin::accounts::{
    Caller, Identity, Profile, ThirdPartyId, Unified, login_or_register, third_party,
};
use unid_core::plugin::config::Effective;
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};

use crate::ApplePlugin;
use crate::verify::{self, AppleUser};

/// The provider's name in the identities table.
pub const PROVIDER: &str = "apple";
pub const BIND_LOG: &str = "bind-apple";
pub const UNBIND_LOG: &str = "unbind-apple";

fn plugin(call: &Caller) -> ApiResult<&ApplePlugin> {
    call.host
        .plugin::<ApplePlugin>()
        .ok_or_else(|| ApiError::system("apple method called without its plugin"))
}

/// The app's bundle id in the request's config (uni-id's `app.oauth.apple.bundleId`).
pub fn bundle_id(effective: &Effective) -> Option<String> {
    effective
        .oauth
        .as_ref()
        .and_then(|o| o.get("apple"))
        .and_then(|a| a.get("bundleId"))
        .and_then(|b| b.as_str())
        .filter(|b| !b.is_empty())
        .map(str::to_string)
}

/// Whom an identity token may be for: the app's bundle id and the configured client ids; or,
/// for the site, its Services ID only.
pub enum Audience {
    App,
    Site,
}

impl ApplePlugin {
    fn audiences(&self, effective: &Effective, audience: Audience) -> ApiResult<Vec<String>> {
        let list: Vec<String> = match audience {
            Audience::App => bundle_id(effective)
                .into_iter()
                .chain(self.client_ids.iter().cloned())
                .collect(),
            Audience::Site => self.web_client_id.iter().cloned().collect(),
        };
        if list.is_empty() {
            let field = match audience {
                Audience::App => "app.oauth.apple.bundleId",
                Audience::Site => "plugins.apple.webClientId",
            };
            return Err(ApiError::new(ErrorCode::ConfigFieldRequired).arg("field", field));
        }
        Ok(list)
    }

    /// Who the identity token says the user is, checked against Apple's current keys.
    pub async fn verified(
        &self,
        call: &Caller,
        token: &str,
        audience: Audience,
        nonce: Option<&str>,
    ) -> ApiResult<AppleUser> {
        let audiences = self.audiences(&call.effective, audience)?;
        let failed = |e: &dyn std::fmt::Display| {
            tracing::warn!(error = %e, "apple: identity token refused");
            ApiError::new(ErrorCode::GetThirdPartyAccountFailed).detail(e)
        };
        let kid = verify::key_id(token).map_err(|e| failed(&e))?;
        let key = self
            .keys
            .key(&call.host, &kid)
            .await
            .map_err(|e| failed(&e))?;
        verify::verify(token, &key, &audiences, nonce, call.now() / 1000).map_err(|e| failed(&e))
    }
}

/// `apple_openid`: Apple's `sub`.
fn ids(user: &AppleUser) -> Vec<ThirdPartyId> {
    vec![ThirdPartyId::new(PROVIDER, "openid", "", &user.sub)]
}

/// `loginByApple`: logs in the account of this Apple user in this app, or registers one;
/// `nickname` is written either way, as uni-id does.
pub async fn login(
    call: Caller,
    token: &str,
    audience: Audience,
    nonce: Option<&str>,
    nickname: Option<String>,
    invite_code: Option<String>,
) -> ApiResult<Unified> {
    let plugin = plugin(&call)?;
    let user = match plugin.verified(&call, token, audience, nonce).await {
        Ok(u) => u,
        Err(e) => {
            call.log_failure(log::LOGIN, None).await;
            return Err(e);
        }
    };
    let ids = ids(&user);
    let identity = Identity::third_party(ids.clone(), ids, Vec::new(), invite_code)
        .with_profile(Profile {
            nickname: nickname.clone(),
            ..Default::default()
        })
        .nickname_on_login(nickname);
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| login_or_register(conn, call.origin(now), identity))
        .await
}

/// `bindApple`: the Apple user of the token becomes the signed-in user's, unless an account of
/// this app (theirs included) already has it.
pub async fn bind_apple(
    call: Caller,
    token: &str,
    audience: Audience,
    nonce: Option<&str>,
) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let plugin = plugin(&call)?;
    let user = match plugin.verified(&call, token, audience, nonce).await {
        Ok(u) => u,
        Err(e) => {
            call.log_failure(BIND_LOG, Some(uid)).await;
            return Err(e);
        }
    };
    let ids = ids(&user);
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| {
            third_party::bind(conn, call.origin(now), &uid, ids.clone(), &ids, BIND_LOG)
        })
        .await
}

/// `unbindApple`: removes the user's Apple id, unless it is their last way in.
pub async fn unbind_apple(call: Caller) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| third_party::unbind(conn, call.origin(now), &uid, PROVIDER, UNBIND_LOG))
        .await
}
