//! `[plugins.alipay]`: where Alipay's gateway is and how long a call may take. The app's
//! credentials are uni-id's own keys, read per request from `["mp-alipay"].oauth.alipay`
//! (see [`crate::platform`]).

use std::time::Duration;

use serde::Deserialize;
use unid_core::plugin::http::DEFAULT_TIMEOUT;
use unid_core::plugin::http::check_url;

/// Alipay's open platform gateway (spec §11.3).
pub const DEFAULT_GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
/// The sandbox's gateway, for apps whose uni-id config says `sandbox: true`.
pub const SANDBOX_GATEWAY: &str = "https://openapi.alipaydev.com/gateway.do";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AlipayPluginConfig {
    /// `false` removes the plugin's methods.
    pub enabled: Option<bool>,
    /// The gateway's URL, for every app (sandbox or not); tests point it at a local fake.
    pub gateway: Option<String>,
    /// Seconds a call to Alipay may take (uni-id: 5).
    pub timeout_secs: Option<u64>,
}

impl AlipayPluginConfig {
    pub fn timeout(&self) -> Duration {
        self.timeout_secs
            .map_or(DEFAULT_TIMEOUT, Duration::from_secs)
    }

    /// Checks the gateway URL and the timeout, naming the key.
    pub fn check(&self) -> Result<(), String> {
        if let Some(url) = &self.gateway {
            check_url("plugins.alipay.gateway", url)?;
        }
        if self.timeout_secs == Some(0) {
            return Err(
                "config key `plugins.alipay.timeoutSecs`: expected a number of seconds, at least 1"
                    .to_string(),
            );
        }
        Ok(())
    }

    /// The gateway an app is signed in through: `gateway` when set, else Alipay's own (its
    /// sandbox for an app configured with `sandbox: true`, as uni-id chooses).
    pub fn gateway_for(&self, sandbox: bool) -> &str {
        match &self.gateway {
            Some(url) => url,
            None if sandbox => SANDBOX_GATEWAY,
            None => DEFAULT_GATEWAY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_and_timeout_are_checked_by_name() {
        let config = |gateway: Option<&str>, timeout_secs| AlipayPluginConfig {
            gateway: gateway.map(str::to_string),
            timeout_secs,
            ..Default::default()
        };
        assert!(config(None, None).check().is_ok());
        assert!(
            config(Some("http://127.0.0.1:9/gateway.do"), Some(1))
                .check()
                .is_ok()
        );
        let e = config(Some("openapi.alipay.com"), None)
            .check()
            .expect_err("refused");
        assert!(e.contains("plugins.alipay.gateway"), "{e}");
        let e = config(Some("ftp://openapi.alipay.com"), None)
            .check()
            .expect_err("refused");
        assert!(e.contains("plugins.alipay.gateway"), "{e}");
        let e = config(None, Some(0)).check().expect_err("refused");
        assert!(e.contains("plugins.alipay.timeoutSecs"), "{e}");
        assert_eq!(config(None, None).timeout(), Duration::from_secs(5));
    }

    #[test]
    fn the_sandbox_has_its_own_gateway_unless_one_is_set() {
        let default = AlipayPluginConfig::default();
        assert_eq!(default.gateway_for(false), DEFAULT_GATEWAY);
        assert_eq!(default.gateway_for(true), SANDBOX_GATEWAY);
        let set = AlipayPluginConfig {
            gateway: Some("http://127.0.0.1:9/gateway.do".into()),
            ..Default::default()
        };
        assert_eq!(set.gateway_for(true), "http://127.0.0.1:9/gateway.do");
    }
}
