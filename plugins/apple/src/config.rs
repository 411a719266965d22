//! `[plugins.apple]`: where Apple is reached, and the Services ID of the site's sign-in.
//!
//! An app's identity tokens are for its bundle id, uni-id's own key `app.oauth.apple.bundleId`
//! (per app, like every uni-id key). The site signs in with a Services ID
//! (`[plugins.apple] webClientId`), and `clientIds` lists more audiences `loginByApple`
//! accepts (other bundle ids of the same developer, say).

use std::time::Duration;

use serde::Deserialize;
use unid_core::plugin::http::check_url;

/// Apple's key set.
pub const DEFAULT_KEYS_URL: &str = "https://appleid.apple.com/auth/keys";
/// Where browsers sign in with Apple.
pub const DEFAULT_AUTHORIZE_URL: &str = "https://appleid.apple.com/auth/authorize";
/// uni-id's timeout for the key set.
const DEFAULT_TIMEOUT_SECS: u64 = 10;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplePluginConfig {
    /// `false` removes the plugin's methods and sign-in.
    pub enabled: Option<bool>,
    /// Apple's JWKS; tests point it at a local fake.
    pub keys_url: Option<String>,
    /// Apple's authorization page, for the site's sign-in.
    pub authorize_url: Option<String>,
    /// The Services ID the site signs in with (the `aud` of its identity tokens).
    pub web_client_id: Option<String>,
    /// More audiences `loginByApple` and `bindApple` accept besides the app's bundle id.
    #[serde(default)]
    pub client_ids: Vec<String>,
    /// Seconds a call to Apple may take (uni-id: 10).
    pub timeout_secs: Option<u64>,
}

impl ApplePluginConfig {
    pub fn keys_url(&self) -> String {
        self.keys_url
            .clone()
            .unwrap_or_else(|| DEFAULT_KEYS_URL.to_string())
    }

    pub fn authorize_url(&self) -> String {
        self.authorize_url
            .clone()
            .unwrap_or_else(|| DEFAULT_AUTHORIZE_URL.to_string())
    }

    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs.unwrap_or(DEFAULT_TIMEOUT_SECS).max(1))
    }

    /// Checks the URLs and ids, naming the key.
    pub fn check(&self) -> Result<(), String> {
        check_url("plugins.apple.keysUrl", &self.keys_url())?;
        check_url("plugins.apple.authorizeUrl", &self.authorize_url())?;
        if self.web_client_id.as_deref() == Some("") {
            return Err("config key `plugins.apple.webClientId`: must not be empty".into());
        }
        if let Some(i) = self.client_ids.iter().position(String::is_empty) {
            return Err(format!(
                "config key `plugins.apple.clientIds[{i}]`: must not be empty"
            ));
        }
        Ok(())
    }
}
