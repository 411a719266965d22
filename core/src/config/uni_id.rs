//! uni-id's own configuration keys (spec §4.2) and how a platform section overrides them.
//!
//! Every key is optional here; defaults are applied once, when an [`Effective`] config is
//! resolved for an (app, platform) pair, exactly like uni-id's
//! `Object.assign(defaults, appConfig, appConfig[platform])`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// `passwordSecret`: a plain string (legacy hmac-sha1) or a versioned list.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum PasswordSecretSpec {
    Legacy(String),
    Versioned(Vec<VersionedSecret>),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionedSecret {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub value: Option<String>,
    pub version: i64,
}

/// `service.sms` (spec §4.2). Consumed by the sms plugin; typed here so a typo is caught at start.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SmsService {
    pub name: Option<String>,
    pub code_expires_in: Option<u64>,
    pub sms_key: Option<String>,
    pub sms_secret: Option<String>,
    #[serde(default)]
    pub scene: BTreeMap<String, SmsScene>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SmsScene {
    pub template_id: Option<String>,
    pub code_expires_in: Option<u64>,
}

/// `service.univerify` (spec §4.2).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UniverifyService {
    pub appid: Option<String>,
    pub api_key: Option<String>,
    pub api_secret: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub sms: Option<SmsService>,
    pub univerify: Option<UniverifyService>,
}

/// One uni-id config object: the top level of a `config.json` entry, or one platform section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UniIdKeys {
    pub dcloud_appid: Option<String>,
    pub is_default_config: Option<bool>,
    pub token_secret: Option<String>,
    pub token_expires_in: Option<u64>,
    pub token_expires_threshold: Option<u64>,
    pub max_token_length: Option<u64>,
    pub password_secret: Option<PasswordSecretSpec>,
    pub password_strength: Option<String>,
    pub password_error_limit: Option<u32>,
    pub password_error_retry_time: Option<u64>,
    pub auto_set_invite_code: Option<bool>,
    pub force_invite_code: Option<bool>,
    pub user_register_default_role: Option<Vec<String>>,
    pub request_auth_secret: Option<String>,
    pub id_card_certify_limit: Option<u64>,
    pub real_name_certify_limit: Option<u64>,
    pub sensitive_info_encrypt_secret: Option<String>,
    pub frv_need_alive_photo: Option<bool>,
    pub service: Option<Service>,
    /// Provider sections (`oauth.weixin` …), read by the login plugins.
    pub oauth: Option<Value>,
    // uni-id 3.x keys that uni-id-common/uni-id-co no longer read (spec §4.2): accepted, ignored.
    pub bind_token_to_device: Option<Value>,
    pub token_max_limit: Option<Value>,
    pub prefered_app_platform: Option<Value>,
    pub prefered_web_platform: Option<Value>,
    pub remove_permission_and_role_from_token: Option<Value>,
}

macro_rules! overlay {
    ($base:ident, $top:ident, $($field:ident),* $(,)?) => {
        UniIdKeys { $( $field: $top.$field.clone().or_else(|| $base.$field.clone()), )* }
    };
}

impl UniIdKeys {
    /// Shallow override: a key present in `top` replaces the same key of `self` (spec §4.1).
    pub fn overlay(&self, top: &UniIdKeys) -> UniIdKeys {
        let base = self;
        overlay!(
            base,
            top,
            dcloud_appid,
            is_default_config,
            token_secret,
            token_expires_in,
            token_expires_threshold,
            max_token_length,
            password_secret,
            password_strength,
            password_error_limit,
            password_error_retry_time,
            auto_set_invite_code,
            force_invite_code,
            user_register_default_role,
            request_auth_secret,
            id_card_certify_limit,
            real_name_certify_limit,
            sensitive_info_encrypt_secret,
            frv_need_alive_photo,
            service,
            oauth,
            bind_token_to_device,
            token_max_limit,
            prefered_app_platform,
            prefered_web_platform,
            remove_permission_and_role_from_token,
        )
    }

    pub fn uses_legacy_keys(&self) -> bool {
        self.bind_token_to_device.is_some()
            || self.token_max_limit.is_some()
            || self.prefered_app_platform.is_some()
            || self.prefered_web_platform.is_some()
            || self.remove_permission_and_role_from_token.is_some()
    }
}

/// One app's configuration: its top-level keys plus its platform sections.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    pub keys: UniIdKeys,
    pub platforms: BTreeMap<String, UniIdKeys>,
}
