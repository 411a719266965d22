//! `[plugins.univerify]`: which backend exchanges a client's `access_token` + `openid` for the
//! phone number, and its credentials. uni-id's own `service.univerify` keys (`appid`, `apiKey`,
//! `apiSecret`) are inputs to `uniCloud.getPhoneNumber` inside DCloud's runtime; unid never calls
//! that runtime directly, so it does not read them.

use serde::Deserialize;

use crate::backend::aliyun::AliyunConfig;
use crate::backend::unicloud::UnicloudConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// A URL-ized uniCloud cloud function running `uniCloud.getPhoneNumber`, called as the
    /// univerify documents' "self-hosted server" section describes.
    Unicloud,
    /// Aliyun number verification (Dypnsapi `GetMobile`).
    Aliyun,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Unicloud => "unicloud",
            BackendKind::Aliyun => "aliyun",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UniverifyPluginConfig {
    /// `false` removes the plugin's methods.
    pub enabled: Option<bool>,
    pub backend: Option<BackendKind>,
    pub unicloud: Option<UnicloudConfig>,
    pub aliyun: Option<AliyunConfig>,
}
