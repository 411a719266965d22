//! uni-id's request signature for calls from another server (spec §14.2): `externalRegister`,
//! `externalLogin` and `updateUserInfoByExternal` carry `uni-id-nonce`, `uni-id-timestamp`
//! (ms) and `uni-id-signature` = upper-case hex HMAC-SHA256, keyed by `requestAuthSecret +
//! nonce`, of `timestamp + paramsStr`.
//!
//! Better than uni-id: the timestamp must also not lie more than the window in the future, and
//! a nonce is accepted once — remembered in the database until its window has passed, so a
//! captured request cannot be replayed on this instance or any other.

use actix_web::http::header::HeaderMap;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};

use crate::config::Effective;
use crate::db::models::nonces;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
use crate::secret::ct_eq;

/// How far a timestamp may lie from now, either way (uni-id: 20 s in the past).
pub const WINDOW_MS: i64 = 20_000;
/// Longest nonce accepted (uni-id sets none; every sample client uses 16–32 characters).
const MAX_NONCE: usize = 128;

/// uni-id's `paramsStr`: keys sorted by UTF-16 code units, values that are objects, arrays or
/// null left out, `key=value` joined by `&` with JavaScript's string conversion.
pub fn params_string(params: &Map<String, Value>) -> String {
    let mut keys: Vec<&String> = params
        .iter()
        .filter(|(_, v)| !matches!(v, Value::Object(_) | Value::Array(_) | Value::Null))
        .map(|(k, _)| k)
        .collect();
    keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    keys.iter()
        .map(|k| format!("{k}={}", js_string(&params[k.as_str()])))
        .collect::<Vec<_>>()
        .join("&")
}

/// `String(value)` for a JSON scalar, as JavaScript prints it.
fn js_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            // A whole float below 1e21 prints without a fraction in JavaScript (`1.0` → "1").
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        _ => String::new(),
    }
}

/// The signature a caller holding `secret` sends for these parameters.
pub fn sign(secret: &str, nonce: &str, timestamp: &str, params: &Map<String, Value>) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(format!("{secret}{nonce}").as_bytes())
        .expect("HMAC takes any key length");
    mac.update(timestamp.as_bytes());
    mac.update(params_string(params).as_bytes());
    hex::encode_upper(mac.finalize().into_bytes())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Checks a signed call before anything else runs; on any failure nothing has been written
/// but (for a correct signature) its nonce.
pub async fn verify(
    host: &Host,
    effective: &Effective,
    headers: &HeaderMap,
    params: &Map<String, Value>,
) -> ApiResult<()> {
    let secret = effective
        .request_auth_secret
        .as_ref()
        .filter(|s| !s.expose().is_empty())
        .ok_or_else(|| {
            ApiError::new(ErrorCode::ConfigFieldRequired).arg("field", "requestAuthSecret")
        })?;
    let illegal = |why: &str| ApiError::new(ErrorCode::IllegalRequest).detail(why.to_string());
    let (Some(nonce), Some(timestamp), Some(given)) = (
        header(headers, "uni-id-nonce"),
        header(headers, "uni-id-timestamp"),
        header(headers, "uni-id-signature"),
    ) else {
        return Err(illegal("signature headers missing"));
    };
    if nonce.len() > MAX_NONCE {
        return Err(illegal("nonce too long"));
    }
    let now = host.clock.now_ms();
    let sent: i64 = timestamp
        .parse()
        .map_err(|_| illegal("timestamp is not a number"))?;
    if sent.saturating_add(WINDOW_MS) < now || sent.saturating_sub(WINDOW_MS) > now {
        return Err(illegal("timestamp outside the window"));
    }
    let expected = sign(secret.expose(), nonce, timestamp, params);
    if !ct_eq(expected.as_bytes(), given.as_bytes()) {
        return Err(illegal("signature mismatch"));
    }
    // Only a correctly signed call reaches the table, so nobody can fill it with garbage.
    let nonce = nonce.to_string();
    let fresh = host
        .db
        .run(move |conn| Ok(nonces::claim(conn, &nonce, sent + WINDOW_MS, now)?))
        .await?;
    if !fresh {
        return Err(illegal("nonce already used"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().expect("an object").clone()
    }

    #[test]
    fn params_string_follows_the_docs_example() {
        let p = map(json!({"foo": 1, "bar": 2, "foo_bar": 3, "foobar": 4}));
        assert_eq!(params_string(&p), "bar=2&foo=1&foo_bar=3&foobar=4");
    }

    #[test]
    fn params_string_drops_objects_and_prints_like_javascript() {
        let p = map(json!({
            "b": true, "a": "x y", "n": null, "o": {"k": 1}, "l": [1], "f": 1.5, "w": 2.0
        }));
        assert_eq!(params_string(&p), "a=x y&b=true&f=1.5&w=2");
        assert_eq!(params_string(&Map::new()), "");
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        // By code point U+FF5E comes first; in UTF-16 U+1F600 is 0xD83D 0xDE00, which
        // sorts before 0xFF5E, as JavaScript's sort puts it.
        let p = map(json!({"\u{ff5e}": 1, "\u{1f600}": 2}));
        assert_eq!(params_string(&p), "\u{1f600}=2&\u{ff5e}=1");
    }

    #[test]
    fn signature_is_upper_hex_hmac_of_timestamp_and_params() {
        let p = map(json!({"externalUid": "e1"}));
        let s = sign("secret", "n1", "1700000000000", &p);
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"secretn1").expect("any key");
        mac.update(b"1700000000000externalUid=e1");
        assert_eq!(s, hex::encode_upper(mac.finalize().into_bytes()));
        assert_eq!(s, s.to_uppercase());
        assert_ne!(s, sign("secret", "n2", "1700000000000", &p));
    }
}
