//! `[plugins.qq]`: where QQ is reached. The credentials are uni-id's own keys, per platform
//! section and app: `app.oauth.qq` (QQ Connect, for apps) and `["mp-qq"].oauth.qq` (the QQ mini
//! program), each `{appid, appsecret}` (see [`crate::platform`]).

use std::time::Duration;

use serde::Deserialize;
use unid_core::plugin::http::{DEFAULT_TIMEOUT, check_url};

/// QQ Connect's API (`/oauth2.0/me`, `/user/get_user_info`).
pub const DEFAULT_ENDPOINT: &str = "https://graph.qq.com";
/// The QQ mini program's API (`/sns/jscode2session`).
pub const DEFAULT_MP_ENDPOINT: &str = "https://api.q.qq.com";
/// Largest avatar downloaded from QQ (`figureurl_qq_2` is 100×100, a few KB).
pub const DEFAULT_AVATAR_MAX_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QqPluginConfig {
    /// `false` removes the plugin's methods.
    pub enabled: Option<bool>,
    /// QQ Connect's base URL; tests point it at a local fake.
    pub endpoint: Option<String>,
    /// The QQ mini program API's base URL.
    pub mp_endpoint: Option<String>,
    /// Seconds a call to QQ may take (uni-id: 5).
    pub timeout_secs: Option<u64>,
    /// Largest avatar taken from QQ for a new account, in bytes.
    pub avatar_max_bytes: Option<usize>,
}

impl QqPluginConfig {
    pub fn endpoint(&self) -> String {
        base(self.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT))
    }

    pub fn mp_endpoint(&self) -> String {
        base(self.mp_endpoint.as_deref().unwrap_or(DEFAULT_MP_ENDPOINT))
    }

    pub fn timeout(&self) -> Duration {
        self.timeout_secs
            .map_or(DEFAULT_TIMEOUT, |s| Duration::from_secs(s.max(1)))
    }

    pub fn avatar_max_bytes(&self) -> usize {
        self.avatar_max_bytes.unwrap_or(DEFAULT_AVATAR_MAX_BYTES)
    }

    /// Checks the URLs (scheme and host) and the avatar limit, naming the key.
    pub fn check(&self) -> Result<(), String> {
        check_url("plugins.qq.endpoint", &self.endpoint())?;
        check_url("plugins.qq.mpEndpoint", &self.mp_endpoint())?;
        if self.avatar_max_bytes == Some(0) {
            return Err(
                "config key `plugins.qq.avatarMaxBytes`: expected a number of bytes above 0"
                    .to_string(),
            );
        }
        Ok(())
    }
}

/// A base URL without its trailing slash.
fn base(url: &str) -> String {
    url.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_qq_s_own_hosts() {
        let c = QqPluginConfig::default();
        assert_eq!(c.endpoint(), "https://graph.qq.com");
        assert_eq!(c.mp_endpoint(), "https://api.q.qq.com");
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
        assert!(c.check().is_ok());
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let c = QqPluginConfig {
            mp_endpoint: Some("ftp://example.com".into()),
            ..Default::default()
        };
        let e = c.check().expect_err("not http");
        assert!(e.contains("plugins.qq.mpEndpoint"), "{e}");
        let c = QqPluginConfig {
            endpoint: Some("http://".into()),
            ..Default::default()
        };
        assert!(
            c.check()
                .expect_err("no host")
                .contains("plugins.qq.endpoint")
        );
        let c = QqPluginConfig {
            avatar_max_bytes: Some(0),
            ..Default::default()
        };
        assert!(
            c.check()
                .expect_err("zero")
                .contains("plugins.qq.avatarMaxBytes")
        );
        let e = serde_json::from_value::<QqPluginConfig>(serde_json::json!({"endpiont": "x"}))
            .expect_err("unknown key");
        assert!(e.to_string().contains("endpiont"), "{e}");
    }
}
