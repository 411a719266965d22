//! The `weixin` login plugin: WeChat sign-in — `loginByWeixin`, `loginByWeixinMobile`,
//! `bindWeixin`, `unbindWeixin`, `bindMobileByMpWeixin`, `secureNetworkHandshakeByWeixin`
//! (spec §1.3, §11.1) — and WeChat on the site: a QR sign-in (or the WeChat browser's own) on
//! `/login`, bind and unbind on `/userinfo`.
//!
//! Written against the host's plugin API only: accounts are found, made and bound by the
//! host's unified login and bind rules, WeChat's ids live in the host's identities table, its
//! session keys and tokens in the host's credential cache.

pub mod api;
pub mod config;
pub mod decrypt;
mod methods;
mod pages;
pub mod platform;
pub mod rules;

use std::sync::Arc;

use unid_core::plugin::Plugin;
use unid_core::plugin::accounts::ThirdPartyId;
use unid_core::plugin::actix_web::web;
use unid_core::plugin::api::MethodSpec;
use unid_core::plugin::config::{Config, Effective};
use unid_core::plugin::http::HttpClient;
use unid_core::plugin::i18n::Locale;
use unid_core::plugin::pages::{Asset, LoginMethod, PageCtx, ProfileItem, UserView};

use crate::api::WeixinApi;
use crate::config::{DEFAULT_AVATAR_MAX_BYTES, WeixinPluginConfig};
use crate::platform::{Platform, configured};

pub struct WeixinPlugin {
    pub(crate) api: WeixinApi,
    /// Where browsers sign in (`https://open.weixin.qq.com`).
    pub(crate) open_endpoint: String,
    pub(crate) avatar_max_bytes: usize,
}

impl WeixinPlugin {
    /// Builds the plugin from `[plugins.weixin]`; `Ok(None)` when `enabled = false`.
    ///
    /// On by default: its methods answer uni-id's `uni-id-config-field-required` (naming the
    /// key) where a platform has no credentials, and `getSupportedLoginType` and the site offer
    /// WeChat only where they are set.
    pub fn from_config(config: &Config) -> Result<Option<WeixinPlugin>, String> {
        let section: WeixinPluginConfig =
            config.plugin_section("weixin").map_err(|e| e.to_string())?;
        if section.enabled == Some(false) {
            return Ok(None);
        }
        section.check()?;
        let http = HttpClient::new("weixin", section.timeout())?.with_refusal(api::refused);
        Ok(Some(WeixinPlugin {
            api: WeixinApi::new(http, section.endpoint()),
            open_endpoint: section.open_endpoint(),
            avatar_max_bytes: section.avatar_max_bytes.unwrap_or(DEFAULT_AVATAR_MAX_BYTES),
        }))
    }
}

impl Plugin for WeixinPlugin {
    fn id(&self) -> &'static str {
        "weixin"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn methods(&self) -> Vec<MethodSpec> {
        methods::all()
    }

    /// `weixin` where the request's platform has credentials (on the web, either the WeChat
    /// browser's or the QR sign-in's).
    fn login_types(&self, effective: &Effective) -> Vec<&'static str> {
        let any = [Platform::Mp, Platform::H5, Platform::Web]
            .into_iter()
            .any(|p| configured(effective, p));
        if any { vec!["weixin"] } else { Vec::new() }
    }

    fn account_flags(&self) -> Vec<(&'static str, &'static str)> {
        vec![("isWeixinBound", rules::PROVIDER)]
    }

    fn locales(&self) -> Vec<(Locale, &'static str)> {
        vec![
            (
                Locale::ZhHans,
                include_str!("../locales/zh-Hans/weixin.ftl"),
            ),
            (Locale::En, include_str!("../locales/en/weixin.ftl")),
        ]
    }

    fn pages(&self, cfg: &mut web::ServiceConfig) {
        pages::config(cfg);
    }

    fn login_methods(&self) -> Vec<Arc<dyn LoginMethod>> {
        vec![Arc::new(pages::WeixinMethod {
            form_target: pages::origin(&self.open_endpoint),
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
            name: "icons/weixin.svg",
            content_type: "image/svg+xml",
            bytes: include_bytes!("../static/weixin.svg"),
        }]
    }
}
