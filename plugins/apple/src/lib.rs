//! The `apple` login plugin: Sign in with Apple — `loginByApple`, `bindApple`, `unbindApple`
//! (spec §1.3, §11.4) — and on the site: Apple's sign-in on `/login`, bind and unbind on
//! `/userinfo`.
//!
//! Identity tokens are RS256 JWTs verified with the `jsonwebtoken` crate against Apple's key
//! set, which is cached and fetched again when a token names a key it does not know (at most
//! once a minute). Written against the host's plugin API only.

pub mod config;
pub mod keys;
mod methods;
mod pages;
pub mod rules;
pub mod verify;

use std::sync::Arc;

use unid_core::plugin::Plugin;
use unid_core::plugin::accounts::ThirdPartyId;
use unid_core::plugin::actix_web::web;
use unid_core::plugin::api::MethodSpec;
use unid_core::plugin::config::{Config, Effective};
use unid_core::plugin::http::HttpClient;
use unid_core::plugin::i18n::Locale;
use unid_core::plugin::pages::{Asset, LoginMethod, PageCtx, ProfileItem, UserView};

use crate::config::ApplePluginConfig;
use crate::keys::KeySet;

pub struct ApplePlugin {
    /// Apple's signing keys.
    pub keys: KeySet,
    /// More audiences `loginByApple` accepts besides the app's bundle id.
    pub(crate) client_ids: Vec<String>,
    /// The site's Services ID; without one the site offers no Apple sign-in.
    pub(crate) web_client_id: Option<String>,
    pub(crate) authorize_url: String,
}

impl ApplePlugin {
    /// Builds the plugin from `[plugins.apple]`; `Ok(None)` when `enabled = false`.
    ///
    /// On by default: `loginByApple` answers uni-id's `uni-id-config-field-required` naming
    /// `app.oauth.apple.bundleId` where no audience is configured.
    pub fn from_config(config: &Config) -> Result<Option<ApplePlugin>, String> {
        let section: ApplePluginConfig =
            config.plugin_section("apple").map_err(|e| e.to_string())?;
        if section.enabled == Some(false) {
            return Ok(None);
        }
        section.check()?;
        let http = HttpClient::new("apple", section.timeout())?;
        Ok(Some(ApplePlugin {
            keys: KeySet::new(http, section.keys_url()),
            authorize_url: section.authorize_url(),
            web_client_id: section.web_client_id.clone(),
            client_ids: section.client_ids,
        }))
    }
}

impl Plugin for ApplePlugin {
    fn id(&self) -> &'static str {
        "apple"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn methods(&self) -> Vec<MethodSpec> {
        methods::all()
    }

    /// `apple` where the request's platform can verify a token (a bundle id, or client ids).
    fn login_types(&self, effective: &Effective) -> Vec<&'static str> {
        if rules::bundle_id(effective).is_some() || !self.client_ids.is_empty() {
            vec!["apple"]
        } else {
            Vec::new()
        }
    }

    fn account_flags(&self) -> Vec<(&'static str, &'static str)> {
        vec![("isAppleBound", rules::PROVIDER)]
    }

    fn locales(&self) -> Vec<(Locale, &'static str)> {
        vec![
            (Locale::ZhHans, include_str!("../locales/zh-Hans/apple.ftl")),
            (Locale::En, include_str!("../locales/en/apple.ftl")),
        ]
    }

    fn pages(&self, cfg: &mut web::ServiceConfig) {
        pages::config(cfg);
    }

    fn login_methods(&self) -> Vec<Arc<dyn LoginMethod>> {
        vec![Arc::new(pages::AppleMethod {
            on_the_site: self.web_client_id.is_some(),
            form_target: pages::origin(&self.authorize_url),
        })]
    }

    fn profile_items(
        &self,
        ctx: &PageCtx,
        _user: &UserView,
        linked: &[ThirdPartyId],
    ) -> Vec<ProfileItem> {
        pages::profile_items(ctx, linked)
    }

    fn assets(&self) -> Vec<Asset> {
        vec![Asset {
            name: "icons/apple.svg",
            content_type: "image/svg+xml",
            bytes: include_bytes!("../static/apple.svg"),
        }]
    }
}
