//! The `sms` login plugin: verification codes by text message — `sendSmsCode`, `loginBySms`,
//! `bindMobileBySms`, `resetPwdBySms`, `setPwd` (spec §1.3) — through Aliyun, Tencent Cloud, a
//! signed webhook, or (development only) the log.

pub mod config;
pub mod gateway;
mod methods;
mod pages;
pub mod rules;

use std::sync::Arc;

use unid_core::plugin::Plugin;
use unid_core::plugin::accounts::ThirdPartyId;
use unid_core::plugin::actix_web::web;
use unid_core::plugin::api::MethodSpec;
use unid_core::plugin::config::{Config, Effective};
use unid_core::plugin::i18n::Locale;
use unid_core::plugin::pages::Asset;
use unid_core::plugin::pages::{LoginMethod, PageCtx, ProfileItem, SiteLinks, UserView};

use crate::config::{GatewayKind, SmsPluginConfig};
use crate::gateway::SmsGateway;
pub use rules::SCENES;

pub struct SmsPlugin {
    /// `None` only in test mode, where codes are never sent.
    pub(crate) gateway: Option<Arc<dyn SmsGateway>>,
}

impl SmsPlugin {
    /// Builds the plugin from `[plugins.sms]` and `service.sms`; `Ok(None)` when it is off.
    ///
    /// On in test mode (codes are `123456` and never sent), or when a gateway is configured. A
    /// config that asks for SMS — a `[plugins.sms]` section or a `service.sms` template — without
    /// a gateway outside test mode is an error naming the key, never a silent fallback to test
    /// mode. With no SMS configuration at all the plugin is simply off, so unid still starts
    /// with no configuration.
    pub fn from_config(config: &Config) -> Result<Option<SmsPlugin>, String> {
        let section: SmsPluginConfig = config.plugin_section("sms").map_err(|e| e.to_string())?;
        if section.enabled == Some(false) {
            return Ok(None);
        }
        let asked_for_sms = config.plugins.contains_key("sms")
            || config.apps.iter().any(|app| {
                app.keys
                    .service
                    .as_ref()
                    .and_then(|s| s.sms.as_ref())
                    .is_some_and(|sms| {
                        sms.scene
                            .values()
                            .any(|s| s.template_id.as_deref().is_some_and(|t| !t.is_empty()))
                    })
            });
        if section.gateway.is_none() && !config.test_mode && !asked_for_sms {
            return Ok(None);
        }
        let missing = |key: &str| {
            format!(
                "config key `plugins.sms.{key}` is required for gateway {:?}",
                section.gateway
            )
        };
        let gateway: Option<Arc<dyn SmsGateway>> = match section.gateway {
            None if config.test_mode => None,
            None => {
                return Err(
                    "config key `plugins.sms.gateway` is required outside test mode (aliyun, tencent, webhook or log), or set plugins.sms.enabled = false".into(),
                );
            }
            Some(GatewayKind::Aliyun) => {
                let c = section.aliyun.clone().ok_or_else(|| missing("aliyun"))?;
                Some(Arc::new(gateway::aliyun::AliyunSms::new(c)?))
            }
            Some(GatewayKind::Tencent) => {
                let c = section.tencent.clone().ok_or_else(|| missing("tencent"))?;
                Some(Arc::new(gateway::tencent::TencentSms::new(c)?))
            }
            Some(GatewayKind::Webhook) => {
                let c = section.webhook.clone().ok_or_else(|| missing("webhook"))?;
                Some(Arc::new(gateway::webhook::WebhookSms::new(c)?))
            }
            Some(GatewayKind::Log) if config.server.production => {
                return Err("config key `plugins.sms.gateway`: \"log\" is for development and refused when [server] production = true".into());
            }
            Some(GatewayKind::Log) => Some(Arc::new(gateway::log::LogSms)),
        };
        if gateway.is_some() && !config.test_mode {
            for (i, app) in config.apps.iter().enumerate() {
                let sms = app.keys.service.as_ref().and_then(|s| s.sms.as_ref());
                for scene in SCENES {
                    let has = sms
                        .and_then(|s| s.scene.get(*scene))
                        .and_then(|s| s.template_id.as_deref())
                        .is_some_and(|t| !t.is_empty());
                    if !has {
                        let prefix = if config.apps.len() > 1 {
                            format!("apps[{i}].")
                        } else {
                            String::new()
                        };
                        return Err(format!(
                            "config key `{prefix}service.sms.scene.{scene}.templateId` is required to send SMS"
                        ));
                    }
                }
            }
            if config.apps.is_empty() {
                return Err(format!(
                    "config key `service.sms.scene.{}.templateId` is required to send SMS",
                    SCENES[0]
                ));
            }
        }
        Ok(Some(SmsPlugin { gateway }))
    }
}

impl Plugin for SmsPlugin {
    fn id(&self) -> &'static str {
        "sms"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn methods(&self) -> Vec<MethodSpec> {
        methods::all()
    }

    fn login_types(&self, _effective: &Effective) -> Vec<&'static str> {
        vec!["mobile-code"]
    }

    fn locales(&self) -> Vec<(Locale, &'static str)> {
        vec![
            (Locale::ZhHans, include_str!("../locales/zh-Hans/pages.ftl")),
            (Locale::En, include_str!("../locales/en/pages.ftl")),
        ]
    }

    fn pages(&self, cfg: &mut web::ServiceConfig) {
        pages::config(cfg);
    }

    fn login_methods(&self) -> Vec<Arc<dyn LoginMethod>> {
        pages::methods()
    }

    fn site_links(&self) -> SiteLinks {
        pages::site_links()
    }

    fn profile_items(
        &self,
        ctx: &PageCtx,
        user: &UserView,
        _linked: &[ThirdPartyId],
    ) -> Vec<ProfileItem> {
        pages::profile_items(ctx, user)
    }

    fn assets(&self) -> Vec<Asset> {
        vec![Asset {
            name: "icons/sms.svg",
            content_type: "image/svg+xml",
            bytes: include_bytes!("../static/sms.svg"),
        }]
    }
}
