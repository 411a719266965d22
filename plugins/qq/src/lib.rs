//! The `qq` login plugin: QQ sign-in — `loginByQQ`, `bindQQ`, `unbindQQ` (spec §1.3, §11.2) —
//! for QQ mini programs (`mp-qq`, a login code exchanged with `jscode2session`) and apps
//! signed in with the QQ SDK (`app`, the user's access token checked with QQ Connect's
//! `oauth2.0/me`).
//!
//! Written against the host's plugin API only: accounts are found, made and bound by the
//! host's unified login and bind rules, QQ's ids live in the host's identities table
//! (`qq_openid.<p>`, `qq_openid.<p>_<appId>`, `qq_unionid`), its session keys and access
//! tokens in the host's credential cache, a new account's avatar in the host's avatar store.

pub mod api;
pub mod config;
mod methods;
pub mod platform;
pub mod rules;

use unid_core::plugin::Plugin;
use unid_core::plugin::api::MethodSpec;
use unid_core::plugin::config::{Config, Effective};
use unid_core::plugin::http::HttpClient;
use unid_core::plugin::i18n::Locale;

use crate::api::QqApi;
use crate::config::QqPluginConfig;

pub struct QqPlugin {
    pub(crate) api: QqApi,
    pub(crate) avatar_max_bytes: usize,
}

impl QqPlugin {
    /// Builds the plugin from `[plugins.qq]`; `Ok(None)` when `enabled = false`.
    ///
    /// On by default: its methods answer uni-id's `uni-id-config-field-required` (naming the
    /// key) where a platform has no credentials, and `getSupportedLoginType` offers QQ only
    /// where they are set.
    pub fn from_config(config: &Config) -> Result<Option<QqPlugin>, String> {
        let section: QqPluginConfig = config.plugin_section("qq").map_err(|e| e.to_string())?;
        if section.enabled == Some(false) {
            return Ok(None);
        }
        section.check()?;
        let http = HttpClient::new("qq", section.timeout())?
            .with_refusal(api::refused)
            .with_raw_refusal(api::raw_refused);
        Ok(Some(QqPlugin {
            api: QqApi::new(http, section.endpoint(), section.mp_endpoint()),
            avatar_max_bytes: section.avatar_max_bytes(),
        }))
    }
}

impl Plugin for QqPlugin {
    fn id(&self) -> &'static str {
        "qq"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn methods(&self) -> Vec<MethodSpec> {
        methods::all()
    }

    /// `qq` where the request's config has QQ credentials (`oauth.qq` of its platform
    /// section), as uni-id's `getSupportedLoginType` decides.
    fn login_types(&self, effective: &Effective) -> Vec<&'static str> {
        if platform::configured(effective) {
            vec!["qq"]
        } else {
            Vec::new()
        }
    }

    fn locales(&self) -> Vec<(Locale, &'static str)> {
        vec![
            (Locale::ZhHans, include_str!("../locales/zh-Hans/qq.ftl")),
            (Locale::En, include_str!("../locales/en/qq.ftl")),
        ]
    }

    fn account_flags(&self) -> Vec<(&'static str, &'static str)> {
        vec![("isQQBound", rules::PROVIDER)]
    }
}
