//! The settings that apply to one request: an app's config merged with its platform section,
//! with uni-id's defaults filled in and every value checked.

use std::sync::Arc;

use crate::config::ConfigError;
use crate::config::uni_id::{PasswordSecretSpec, Service, UniIdKeys};
use crate::secret::Secret;
use crate::validator::PasswordStrength;

/// uni-id's built-in defaults (spec §4.1).
pub const DEFAULT_TOKEN_EXPIRES_IN: u64 = 7200;
pub const DEFAULT_TOKEN_EXPIRES_THRESHOLD: u64 = 1200;
pub const DEFAULT_MAX_TOKEN_LENGTH: u64 = 10;
pub const DEFAULT_PASSWORD_ERROR_LIMIT: u32 = 6;
pub const DEFAULT_PASSWORD_ERROR_RETRY_TIME: u64 = 3600;

/// How a `passwordSecret` entry hashes (spec §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    HmacSha1,
    HmacSha256,
}

#[derive(Debug, Clone)]
pub struct PasswordSecret {
    pub kind: SecretKind,
    pub value: Secret,
    /// `None` for the legacy string form, whose hashes carry no version.
    pub version: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Effective {
    pub token_secret: Secret,
    pub token_expires_in: u64,
    pub token_expires_threshold: u64,
    pub max_token_length: usize,
    /// Sorted by version ascending; the last one is the newest.
    pub password_secrets: Arc<Vec<PasswordSecret>>,
    pub password_strength: Option<PasswordStrength>,
    pub password_error_limit: u32,
    pub password_error_retry_time: u64,
    pub auto_set_invite_code: bool,
    pub force_invite_code: bool,
    pub user_register_default_role: Vec<String>,
    pub request_auth_secret: Option<Secret>,
    /// Accounts that may be verified with one ID number (`idCardCertifyLimit`, default 1).
    pub id_card_certify_limit: u64,
    /// Face verifications one account may start per day (`realNameCertifyLimit`, default 5).
    pub real_name_certify_limit: u64,
    /// The AES key of real-name data (`sensitiveInfoEncryptSecret`).
    pub sensitive_info_encrypt_secret: Option<Secret>,
    /// Keep the liveness photo (`frvNeedAlivePhoto`).
    pub frv_need_alive_photo: bool,
    pub service: Service,
    pub oauth: Option<serde_json::Value>,
}

impl Effective {
    /// Resolve merged keys. `where_` names the section for error messages (`app`, `[[apps]] 2`…).
    pub fn resolve(
        keys: &UniIdKeys,
        generated_token_secret: &Secret,
        where_: &str,
    ) -> Result<Effective, ConfigError> {
        let field = |name: &str| {
            if where_.is_empty() {
                name.to_string()
            } else {
                format!("{where_}.{name}")
            }
        };
        let token_expires_in = keys.token_expires_in.unwrap_or(DEFAULT_TOKEN_EXPIRES_IN);
        let token_expires_threshold = keys
            .token_expires_threshold
            .unwrap_or(DEFAULT_TOKEN_EXPIRES_THRESHOLD);
        if token_expires_in == 0 {
            return Err(ConfigError::invalid(
                field("tokenExpiresIn"),
                "a number of seconds greater than 0",
            ));
        }
        if token_expires_threshold >= token_expires_in {
            return Err(ConfigError::invalid(
                field("tokenExpiresThreshold"),
                "less than tokenExpiresIn (uni-id: tokenExpiresThreshold should be less than tokenExpiresIn)",
            ));
        }
        let token_secret = match &keys.token_secret {
            Some(s) if s.is_empty() => {
                return Err(ConfigError::invalid(
                    field("tokenSecret"),
                    "a non-empty string",
                ));
            }
            Some(s) => Secret::new(s.clone()),
            None => generated_token_secret.clone(),
        };
        let max_token_length = keys.max_token_length.unwrap_or(DEFAULT_MAX_TOKEN_LENGTH);
        if max_token_length == 0 {
            return Err(ConfigError::invalid(
                field("maxTokenLength"),
                "an integer of at least 1",
            ));
        }
        let password_strength = match keys.password_strength.as_deref() {
            None | Some("") => None,
            Some(level) => Some(level.parse::<PasswordStrength>().map_err(|_| {
                ConfigError::invalid(
                    field("passwordStrength"),
                    "one of \"super\", \"strong\", \"medium\", \"weak\"",
                )
            })?),
        };
        let password_secrets = resolve_secrets(keys.password_secret.as_ref(), &field)?;
        Ok(Effective {
            token_secret,
            token_expires_in,
            token_expires_threshold,
            max_token_length: usize::try_from(max_token_length).unwrap_or(usize::MAX),
            password_secrets: Arc::new(password_secrets),
            password_strength,
            password_error_limit: keys
                .password_error_limit
                .unwrap_or(DEFAULT_PASSWORD_ERROR_LIMIT),
            password_error_retry_time: keys
                .password_error_retry_time
                .unwrap_or(DEFAULT_PASSWORD_ERROR_RETRY_TIME),
            auto_set_invite_code: keys.auto_set_invite_code.unwrap_or(false),
            force_invite_code: keys.force_invite_code.unwrap_or(false),
            user_register_default_role: keys.user_register_default_role.clone().unwrap_or_default(),
            request_auth_secret: keys
                .request_auth_secret
                .clone()
                .filter(|s| !s.is_empty())
                .map(Secret::new),
            id_card_certify_limit: keys.id_card_certify_limit.unwrap_or(1),
            real_name_certify_limit: keys.real_name_certify_limit.unwrap_or(5),
            sensitive_info_encrypt_secret: keys
                .sensitive_info_encrypt_secret
                .clone()
                .filter(|s| !s.is_empty())
                .map(Secret::new),
            frv_need_alive_photo: keys.frv_need_alive_photo.unwrap_or(false),
            service: keys.service.clone().unwrap_or_default(),
            oauth: keys.oauth.clone(),
        })
    }

    pub fn newest_password_secret(&self) -> Option<&PasswordSecret> {
        self.password_secrets.last()
    }
}

fn resolve_secrets(
    spec: Option<&PasswordSecretSpec>,
    field: &dyn Fn(&str) -> String,
) -> Result<Vec<PasswordSecret>, ConfigError> {
    match spec {
        None => Ok(Vec::new()),
        Some(PasswordSecretSpec::Legacy(value)) => {
            if value.is_empty() {
                return Err(ConfigError::invalid(
                    field("passwordSecret"),
                    "a non-empty string",
                ));
            }
            Ok(vec![PasswordSecret {
                kind: SecretKind::HmacSha1,
                value: Secret::new(value.clone()),
                version: None,
            }])
        }
        Some(PasswordSecretSpec::Versioned(list)) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, entry) in list.iter().enumerate() {
                let kind = match entry.kind.as_deref().unwrap_or("hmac-sha1") {
                    "hmac-sha1" => SecretKind::HmacSha1,
                    "hmac-sha256" => SecretKind::HmacSha256,
                    "custom" => {
                        return Err(ConfigError::invalid(
                            field(&format!("passwordSecret[{i}].type")),
                            "\"hmac-sha1\" or \"hmac-sha256\" (uni-id's JavaScript custom-password.js cannot run in unid)",
                        ));
                    }
                    _ => {
                        return Err(ConfigError::invalid(
                            field(&format!("passwordSecret[{i}].type")),
                            "\"hmac-sha1\" or \"hmac-sha256\"",
                        ));
                    }
                };
                let value = entry.value.clone().unwrap_or_default();
                if kind == SecretKind::HmacSha1 && value.is_empty() {
                    return Err(ConfigError::invalid(
                        field(&format!("passwordSecret[{i}].value")),
                        "a non-empty string for type hmac-sha1",
                    ));
                }
                if out
                    .iter()
                    .any(|s: &PasswordSecret| s.version == Some(entry.version))
                {
                    return Err(ConfigError::invalid(
                        field(&format!("passwordSecret[{i}].version")),
                        "a version number used by no other entry",
                    ));
                }
                out.push(PasswordSecret {
                    kind,
                    value: Secret::new(value),
                    version: Some(entry.version),
                });
            }
            out.sort_by_key(|s| s.version);
            Ok(out)
        }
    }
}
