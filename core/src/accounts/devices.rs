//! Push devices (`setPushCid`, spec §1.3 Token/misc, §12.5–12.6): which account a device's push
//! id belongs to while its token lasts, and what the device is. `logout` marks the binding
//! expired (see [`session`](crate::accounts::session)); the console lists a user's devices.

use serde_json::{Map, Value, json};

use crate::accounts::{Caller, DeviceInfo};
use crate::db::models::devices::{self, Binding, DeviceDoc, UserDevice};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// Longest push client id accepted: uni-push's are 32 hex characters; vendors' a little longer.
const MAX_PUSH_CID: usize = 256;

/// `setPushCid`: records the device (`opendb-device`) and binds it to the caller until their
/// token expires (`uni-id-device`).
pub async fn set_push_cid(call: Caller, push_client_id: String) -> ApiResult<()> {
    let auth = call.auth()?;
    let device_id = call.client.device_id.clone().ok_or_else(|| {
        // uni-id would write a row for an undefined device; a binding needs one.
        ApiError::param_required("clientInfo.deviceId")
    })?;
    if push_client_id.len() > MAX_PUSH_CID || push_client_id.chars().any(char::is_control) {
        return Err(ApiError::new(ErrorCode::InvalidParam).detail("pushClientId"));
    }
    // The binding lasts as long as the token the client now holds (a refreshed one if the
    // check just refreshed it), as uni-id's `token_expired: exp * 1000`.
    let token_expired = match &auth.new_token {
        Some(fresh) => fresh.token_expired,
        None => auth.claims.exp.saturating_mul(1000),
    };
    let now = call.now();
    let client = &call.client;
    let doc = DeviceDoc {
        device_id: device_id.clone(),
        appid: Some(client.app_id.clone()),
        vendor: client.device.brand.clone(),
        model: client.device.model.clone(),
        uni_platform: Some(client.uni_platform.clone()),
        os_name: client.os_name.clone(),
        os_version: client.device.os_version.clone(),
        push_clientid: Some(push_client_id.clone()),
        extra: extra_of(&client.device),
        last_update_date: now,
    };
    let binding = Binding {
        device_id,
        user_id: auth.uid.clone(),
        appid: client.app_id.clone(),
        push_clientid: push_client_id,
        token_expired,
    };
    let ip = client.client_ip.clone();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                devices::upsert_doc(conn, &doc, now)?;
                devices::upsert_binding(conn, &binding, now, &ip)?;
                Ok(())
            })
        })
        .await
}

/// The fields of `opendb-device` without a column of their own, as a JSON object (`None` when
/// the client sent none of them).
fn extra_of(d: &DeviceInfo) -> Option<String> {
    let mut out = Map::new();
    let mut put = |key: &str, value: Value| {
        if !value.is_null() {
            out.insert(key.to_string(), value);
        }
    };
    put("os_language", json!(d.os_language));
    put("os_theme", json!(d.os_theme));
    put("rom_name", json!(d.rom_name));
    put("rom_version", json!(d.rom_version));
    put("pixel_ratio", json!(d.pixel_ratio));
    put("window_width", json!(d.window_width));
    put("window_height", json!(d.window_height));
    put("screen_width", json!(d.screen_width));
    put("screen_height", json!(d.screen_height));
    (!out.is_empty()).then(|| Value::Object(out).to_string())
}

/// How many devices the console lists for one account.
pub const LISTED: i64 = 50;

/// A user's devices, most recently active first.
pub async fn of_user(call: &Caller, uid: &str) -> ApiResult<Vec<UserDevice>> {
    let uid = uid.to_string();
    call.host
        .db
        .run(move |conn| Ok(devices::of_user(conn, &uid, LISTED)?))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_keeps_what_has_no_column() {
        assert_eq!(extra_of(&DeviceInfo::default()), None);
        let d = DeviceInfo {
            os_theme: Some("dark".into()),
            pixel_ratio: Some(3.0),
            model: Some("iPhone".into()),
            ..Default::default()
        };
        let v: Value = serde_json::from_str(&extra_of(&d).expect("extra")).expect("JSON");
        assert_eq!(v, json!({"os_theme": "dark", "pixel_ratio": 3.0}));
    }
}
