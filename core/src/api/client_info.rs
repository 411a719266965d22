//! `clientInfo` (spec §1.1 steps 1–3) as the JSON API receives it: checked, platform-normalised,
//! and with the fields the server knows better (`clientIP`, `userAgent`) overwritten. The result
//! is the account layer's [`ClientInfo`], which the pages build their own way.

use serde_json::{Map, Value};

pub use crate::accounts::ClientInfo;
use crate::accounts::DeviceInfo;
use crate::config::platform;
use crate::error::{ApiError, ErrorCode};

const OPTIONAL_STRINGS: &[&str] = &[
    "deviceId",
    "osName",
    "locale",
    "clientIP",
    "appName",
    "appVersion",
    "userAgent",
    "uniIdToken",
    "deviceBrand",
    "deviceModel",
    "osVersion",
    "osLanguage",
    "osTheme",
    "romName",
    "romVersion",
];
const OPTIONAL_NUMBER_OR_STRING: &[&str] = &["appVersionCode", "channel", "scene"];
const OPTIONAL_NUMBERS: &[&str] = &[
    "devicePixelRatio",
    "windowWidth",
    "windowHeight",
    "screenWidth",
    "screenHeight",
];

/// Longest accepted clientInfo string. uni-id has no limit, but `appId` and `deviceId` end up in
/// indexed columns, and nothing legitimate comes close.
pub const MAX_FIELD_BYTES: usize = 512;

fn invalid(key: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidParam)
        .message("unid-invalid-client-info")
        .arg("param", format!("clientInfo.{key}"))
}

impl ClientInfo {
    /// Checks `value` like uni-id's `checkClientInfo`, but answers with a uni-id error code
    /// instead of a plain exception.
    pub fn parse(
        value: Option<&Value>,
        client_ip: String,
        user_agent: Option<String>,
    ) -> Result<ClientInfo, ApiError> {
        let empty = Map::new();
        let map = match value {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(map)) => map,
            Some(_) => return Err(invalid("")),
        };
        let required = |key: &str| -> Result<String, ApiError> {
            match map.get(key) {
                None | Some(Value::Null) => {
                    Err(ApiError::param_required(format!("clientInfo.{key}")))
                }
                Some(Value::String(s)) if s.trim().is_empty() => {
                    Err(ApiError::param_required(format!("clientInfo.{key}")))
                }
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(invalid(key)),
            }
        };
        if let Some((key, _)) = map
            .iter()
            .find(|(_, v)| v.as_str().is_some_and(|s| s.len() > MAX_FIELD_BYTES))
        {
            return Err(invalid(key));
        }
        let uni_platform = required("uniPlatform")?;
        let app_id = required("appId")?;
        for key in OPTIONAL_STRINGS {
            match map.get(*key) {
                None | Some(Value::Null) | Some(Value::String(_)) => {}
                Some(_) => return Err(invalid(key)),
            }
        }
        for key in OPTIONAL_NUMBER_OR_STRING {
            match map.get(*key) {
                None | Some(Value::Null) | Some(Value::String(_)) | Some(Value::Number(_)) => {}
                Some(_) => return Err(invalid(key)),
            }
        }
        for key in OPTIONAL_NUMBERS {
            match map.get(*key) {
                None | Some(Value::Null) | Some(Value::Number(_)) => {}
                Some(_) => return Err(invalid(key)),
            }
        }
        let string = |key: &str| match map.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let number = |key: &str| map.get(key).and_then(Value::as_f64);
        let device = DeviceInfo {
            brand: string("deviceBrand"),
            model: string("deviceModel"),
            os_version: string("osVersion"),
            os_language: string("osLanguage"),
            os_theme: string("osTheme"),
            rom_name: string("romName"),
            rom_version: string("romVersion"),
            pixel_ratio: number("devicePixelRatio"),
            window_width: number("windowWidth"),
            window_height: number("windowHeight"),
            screen_width: number("screenWidth"),
            screen_height: number("screenHeight"),
        };
        Ok(ClientInfo {
            device,
            platform: platform::normalize(&uni_platform).to_string(),
            uni_platform,
            app_id,
            device_id: string("deviceId"),
            locale: string("locale"),
            client_ip,
            user_agent: user_agent.or_else(|| string("userAgent")),
            os_name: string("osName"),
            app_name: string("appName"),
            app_version: string("appVersion"),
            app_version_code: string("appVersionCode"),
            channel: string("channel"),
            scene: string("scene"),
            via: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<ClientInfo, ApiError> {
        ClientInfo::parse(Some(&v), "127.0.0.1".into(), None)
    }

    #[test]
    fn requires_platform_and_app() {
        let e = parse(json!({"appId": "__UNI__1"})).expect_err("missing uniPlatform");
        assert_eq!(e.code, ErrorCode::ParamRequired);
        assert_eq!(e.args[0].1, "clientInfo.uniPlatform");
        let e = parse(json!({"uniPlatform": "web", "appId": "  "})).expect_err("blank appId");
        assert_eq!(e.args[0].1, "clientInfo.appId");
    }

    #[test]
    fn refuses_oversized_strings() {
        let e = parse(json!({"uniPlatform": "web", "appId": "a".repeat(MAX_FIELD_BYTES + 1)}))
            .expect_err("too long");
        assert_eq!(e.code, ErrorCode::InvalidParam);
        assert!(parse(json!({"uniPlatform": "web", "appId": "a".repeat(MAX_FIELD_BYTES)})).is_ok());
    }

    #[test]
    fn normalises_platform_and_checks_types() {
        let c = parse(
            json!({"uniPlatform": "h5", "appId": "a", "appVersionCode": 100, "windowWidth": 3}),
        )
        .expect("ok");
        assert_eq!(c.platform, "web");
        assert_eq!(c.app_version_code.as_deref(), Some("100"));
        let e = parse(json!({"uniPlatform": "web", "appId": "a", "deviceId": 5}))
            .expect_err("bad type");
        assert_eq!(e.code, ErrorCode::InvalidParam);
        let e = parse(json!({"uniPlatform": "web", "appId": "a", "windowWidth": "wide"}))
            .expect_err("bad type");
        assert_eq!(e.code, ErrorCode::InvalidParam);
    }
}
