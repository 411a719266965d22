//! The Alipay mini program (`mp-alipay`, the only platform with Alipay sign-in) and the
//! credentials uni-id's config gives it: `["mp-alipay"].oauth.alipay` with `appid`,
//! `privateKey`, and optionally `keyType` (`PKCS8`, the default, or `PKCS1`),
//! `alipayPublicKey` (when set, Alipay's answers must carry its signature) and `sandbox`.

use serde_json::Value;
use unid_core::plugin::Secret;
use unid_core::plugin::accounts::ClientInfo;
use unid_core::plugin::config::Effective;
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};

use crate::keys::KeyType;

/// uni-id's platform name for the Alipay mini program.
pub const PLATFORM: &str = "mp-alipay";
/// Where its credentials are, for the names in configuration errors.
const SECTION: &str = "mp-alipay.oauth.alipay";

/// `uni-id-invalid-param` unless the request comes from the Alipay mini program.
pub fn check(client: &ClientInfo) -> ApiResult<()> {
    if client.platform == PLATFORM {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::InvalidParam).detail(format!(
            "no Alipay sign-in on platform {} (mp-alipay only)",
            client.platform
        )))
    }
}

/// One Alipay app's settings, as configured (keys not parsed yet).
#[derive(Clone)]
pub struct AppSettings {
    pub appid: String,
    pub private_key: Secret,
    pub key_type: KeyType,
    /// Alipay's public key, when its answers are to be checked.
    pub alipay_public_key: Option<String>,
    pub sandbox: bool,
}

impl std::fmt::Debug for AppSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSettings")
            .field("appid", &self.appid)
            .field("private_key", &"****")
            .field("key_type", &self.key_type)
            .field("alipay_public_key", &self.alipay_public_key.is_some())
            .field("sandbox", &self.sandbox)
            .finish()
    }
}

/// `uni-id-config-field-invalid` naming `mp-alipay.oauth.alipay.<name>`.
pub fn invalid(name: &str) -> ApiError {
    ApiError::new(ErrorCode::ConfigFieldInvalid).arg("field", format!("{SECTION}.{name}"))
}

fn required(name: &str) -> ApiError {
    ApiError::new(ErrorCode::ConfigFieldRequired).arg("field", format!("{SECTION}.{name}"))
}

/// The Alipay settings of the request's config, or uni-id's `uni-id-config-field-required` /
/// `uni-id-config-field-invalid` naming the key.
pub fn settings(effective: &Effective) -> ApiResult<AppSettings> {
    settings_in(effective.oauth.as_ref())
}

/// [`settings`] from a config's `oauth` object.
fn settings_in(oauth: Option<&Value>) -> ApiResult<AppSettings> {
    let entry = oauth.and_then(|o| o.get("alipay"));
    let get = |name: &str| entry.and_then(|e| e.get(name)).filter(|v| !v.is_null());
    let text = |name: &str| -> ApiResult<Option<String>> {
        match get(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(name)),
        }
    };
    let appid = text("appid")?.ok_or_else(|| required("appid"))?;
    let private_key = text("privateKey")?.ok_or_else(|| required("privateKey"))?;
    let key_type = match text("keyType")? {
        None => KeyType::Pkcs8,
        Some(t) => KeyType::parse(&t).ok_or_else(|| invalid("keyType"))?,
    };
    let sandbox = match get("sandbox") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("sandbox")),
    };
    Ok(AppSettings {
        appid,
        private_key: Secret::new(private_key),
        key_type,
        alipay_public_key: text("alipayPublicKey")?,
        sandbox,
    })
}

/// Whether the request's config has Alipay credentials (for `getSupportedLoginType`).
pub fn configured(effective: &Effective) -> bool {
    configured_in(effective.oauth.as_ref())
}

fn configured_in(oauth: Option<&Value>) -> bool {
    let entry = oauth.and_then(|o| o.get("alipay"));
    let set = |name: &str| {
        entry
            .and_then(|e| e.get(name))
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty())
    };
    set("appid") && set("privateKey")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The code and the `field` argument of a configuration error.
    fn field_of(e: &ApiError) -> String {
        let field = e
            .args
            .iter()
            .find(|(k, _)| *k == "field")
            .map(|(_, v)| v.as_str());
        format!("{} {}", e.code.as_str(), field.unwrap_or_default())
    }

    #[test]
    fn settings_follow_uni_id_s_keys() {
        let oauth = json!({"alipay": {"appid": "2021001", "privateKey": "MII..."}});
        let s = settings_in(Some(&oauth)).expect("settings");
        assert_eq!(s.appid, "2021001");
        assert_eq!(s.key_type, KeyType::Pkcs8);
        assert!(s.alipay_public_key.is_none() && !s.sandbox);
        assert!(configured_in(Some(&oauth)));
        let oauth = json!({"alipay": {
            "appid": "2021001", "privateKey": "MII...", "keyType": "PKCS1",
            "alipayPublicKey": "MIIB...", "sandbox": true,
        }});
        let s = settings_in(Some(&oauth)).expect("settings");
        assert_eq!(s.key_type, KeyType::Pkcs1);
        assert_eq!(s.alipay_public_key.as_deref(), Some("MIIB..."));
        assert!(s.sandbox);
        assert!(
            !format!("{s:?}").contains("MII..."),
            "the private key never prints"
        );
    }

    #[test]
    fn missing_and_invalid_keys_are_named() {
        let cases = [
            (
                json!(null),
                "uni-id-config-field-required",
                "mp-alipay.oauth.alipay.appid",
            ),
            (
                json!({"weixin": {}}),
                "uni-id-config-field-required",
                "mp-alipay.oauth.alipay.appid",
            ),
            (
                json!({"alipay": {"appid": "  "}}),
                "uni-id-config-field-required",
                "mp-alipay.oauth.alipay.appid",
            ),
            (
                json!({"alipay": {"appid": "a"}}),
                "uni-id-config-field-required",
                "mp-alipay.oauth.alipay.privateKey",
            ),
            (
                json!({"alipay": {"appid": 2021, "privateKey": "k"}}),
                "uni-id-config-field-invalid",
                "mp-alipay.oauth.alipay.appid",
            ),
            (
                json!({"alipay": {"appid": "a", "privateKey": "k", "keyType": "PKCS7"}}),
                "uni-id-config-field-invalid",
                "mp-alipay.oauth.alipay.keyType",
            ),
            (
                json!({"alipay": {"appid": "a", "privateKey": "k", "sandbox": "yes"}}),
                "uni-id-config-field-invalid",
                "mp-alipay.oauth.alipay.sandbox",
            ),
            (
                json!({"alipay": {"appid": "a", "privateKey": "k", "alipayPublicKey": 1}}),
                "uni-id-config-field-invalid",
                "mp-alipay.oauth.alipay.alipayPublicKey",
            ),
        ];
        for (oauth, code, field) in cases {
            let e = settings_in(Some(&oauth)).expect_err("refused");
            let shown = field_of(&e);
            assert_eq!(shown, format!("{code} {field}"), "{oauth}");
        }
        assert!(settings_in(None).is_err());
        assert!(!configured_in(Some(&json!({"alipay": {"appid": "a"}}))));
        assert!(!configured_in(None));
    }
}
