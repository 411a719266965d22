//! Request signing for providers' public APIs that more than one plugin calls.
//!
//! Aliyun's RPC-style APIs (SMS `SendSms`, number verification `GetMobile`, …) share one
//! signature scheme, so it lives here once.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Aliyun's RPC signature V1 (`HMAC-SHA1`) of `params` for an HTTP `method` (`GET` or `POST`, as
/// sent). A `Signature` entry in `params`, if any, is left out, as the algorithm requires.
pub fn signature(secret: &str, method: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> =
        params.iter().filter(|(k, _)| k != "Signature").collect();
    sorted.sort();
    let canonical = sorted
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let string_to_sign = format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical)
    );
    // The documented key is the secret followed by `&` (room for a token secret never used here).
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    BASE64.encode(mac.finalize().into_bytes())
}

/// Aliyun's percent-encoding: RFC 3986 unreserved characters stay, every other UTF-8 byte
/// becomes `%XY` (upper-case hex). Unlike form encoding, space is `%20` and `*` is `%2A`.
pub fn percent_encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
    out
}

/// The form body. Aliyun's encoding is valid form encoding (it never emits `+`), so the server
/// decodes exactly the values that were signed.
pub fn encode_pairs(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}
