//! `[plugins.sms]`: which gateway sends the codes, and its credentials. Templates and code
//! lifetimes stay where uni-id keeps them: `service.sms` (`name`, `codeExpiresIn`,
//! `scene.<scene>.templateId` / `codeExpiresIn`).

use serde::Deserialize;

use crate::gateway::aliyun::AliyunConfig;
use crate::gateway::tencent::TencentConfig;
use crate::gateway::webhook::WebhookConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GatewayKind {
    Aliyun,
    Tencent,
    Webhook,
    /// Writes the code to the server log. Development only: refused in production.
    Log,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SmsPluginConfig {
    /// `false` removes the plugin's methods.
    pub enabled: Option<bool>,
    pub gateway: Option<GatewayKind>,
    pub aliyun: Option<AliyunConfig>,
    pub tencent: Option<TencentConfig>,
    pub webhook: Option<WebhookConfig>,
}
