//! `[plugins.weixin]`: where WeChat is reached. The credentials are uni-id's own keys, per
//! platform section and app: `["mp-weixin"].oauth.weixin`, `app.oauth.weixin`,
//! `web.oauth.weixin-h5` (the WeChat browser) and `web.oauth.weixin-web` (a website's QR
//! sign-in), each `{appid, appsecret}` (see [`crate::platform`]).

use std::time::Duration;

use serde::Deserialize;
use unid_core::plugin::http::{DEFAULT_TIMEOUT, check_url};

/// WeChat's API.
pub const DEFAULT_ENDPOINT: &str = "https://api.weixin.qq.com";
/// Where browsers sign in to WeChat (`/connect/qrconnect`, `/connect/oauth2/authorize`).
pub const DEFAULT_OPEN_ENDPOINT: &str = "https://open.weixin.qq.com";
/// Largest avatar downloaded from WeChat (`headimgurl` images are well under 100 KB).
pub const DEFAULT_AVATAR_MAX_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WeixinPluginConfig {
    /// `false` removes the plugin's methods and sign-in.
    pub enabled: Option<bool>,
    /// WeChat's API base URL; tests point it at a local fake.
    pub endpoint: Option<String>,
    /// The base URL browsers are sent to for WeChat sign-in on the site.
    pub open_endpoint: Option<String>,
    /// Seconds a call to WeChat may take (uni-id: 5).
    pub timeout_secs: Option<u64>,
    /// Largest avatar taken from WeChat for a new account, in bytes.
    pub avatar_max_bytes: Option<usize>,
}

impl WeixinPluginConfig {
    pub fn endpoint(&self) -> String {
        base(self.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT))
    }

    pub fn open_endpoint(&self) -> String {
        base(
            self.open_endpoint
                .as_deref()
                .unwrap_or(DEFAULT_OPEN_ENDPOINT),
        )
    }

    pub fn timeout(&self) -> Duration {
        self.timeout_secs
            .map_or(DEFAULT_TIMEOUT, |s| Duration::from_secs(s.max(1)))
    }

    /// Checks the URLs (scheme and host), naming the key.
    pub fn check(&self) -> Result<(), String> {
        check_url("plugins.weixin.endpoint", &self.endpoint())?;
        check_url("plugins.weixin.openEndpoint", &self.open_endpoint())
    }
}

/// A base URL without its trailing slash.
fn base(url: &str) -> String {
    url.trim_end_matches('/').to_string()
}
