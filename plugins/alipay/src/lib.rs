//! The `alipay` login plugin: Alipay mini program sign-in — `loginByAlipay`, `bindAlipay`,
//! `unbindAlipay` (spec §1.3, §11.3).
//!
//! Written against the host's plugin API only: accounts are found, made and bound by the
//! host's unified login and bind rules, the Alipay user id lives in the host's identities
//! table (uni-id's `ali_openid`), the user's tokens in the host's credential cache. The app's
//! credentials are uni-id's own keys, `["mp-alipay"].oauth.alipay`, read per request.

pub mod config;
pub mod der;
pub mod gateway;
pub mod keys;
mod methods;
pub mod platform;
pub mod raw;
pub mod rules;

use unid_core::plugin::Plugin;
use unid_core::plugin::api::MethodSpec;
use unid_core::plugin::config::{Config, Effective};
use unid_core::plugin::i18n::Locale;

use crate::config::AlipayPluginConfig;
use crate::gateway::Gateway;
use crate::keys::KeyCache;

pub struct AlipayPlugin {
    pub(crate) settings: AlipayPluginConfig,
    pub(crate) gateway: Gateway,
    /// The apps' private keys, parsed once each.
    pub(crate) keys: KeyCache,
}

impl AlipayPlugin {
    /// Builds the plugin from `[plugins.alipay]`; `Ok(None)` when `enabled = false`.
    ///
    /// On by default: its methods answer uni-id's `uni-id-config-field-required` (naming the
    /// key) where the mini program has no credentials, and `getSupportedLoginType` offers
    /// Alipay only where they are set.
    pub fn from_config(config: &Config) -> Result<Option<AlipayPlugin>, String> {
        let settings: AlipayPluginConfig =
            config.plugin_section("alipay").map_err(|e| e.to_string())?;
        if settings.enabled == Some(false) {
            return Ok(None);
        }
        settings.check()?;
        let gateway = Gateway::new(settings.timeout())?;
        Ok(Some(AlipayPlugin {
            settings,
            gateway,
            keys: KeyCache::default(),
        }))
    }
}

impl Plugin for AlipayPlugin {
    fn id(&self) -> &'static str {
        "alipay"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn methods(&self) -> Vec<MethodSpec> {
        methods::all()
    }

    /// `alipay` where the request's config has the mini program's credentials.
    fn login_types(&self, effective: &Effective) -> Vec<&'static str> {
        if platform::configured(effective) {
            vec!["alipay"]
        } else {
            Vec::new()
        }
    }

    fn locales(&self) -> Vec<(Locale, &'static str)> {
        vec![
            (
                Locale::ZhHans,
                include_str!("../locales/zh-Hans/alipay.ftl"),
            ),
            (Locale::En, include_str!("../locales/en/alipay.ftl")),
        ]
    }

    fn account_flags(&self) -> Vec<(&'static str, &'static str)> {
        vec![("isAlipayBound", rules::PROVIDER)]
    }
}
