//! uni-id's token format (spec §6.1–6.2): an HS256 JWT with header exactly
//! `{"alg":"HS256","typ":"JWT"}` (as uni-id's `jsonwebtoken` writes it) and payload `{uid,
//! role, permission, uniIdVersion, iat, exp}`. Signed and verified by the `jsonwebtoken`
//! crate with the algorithm pinned to HS256; expiry is checked here against the host's clock
//! (uni-id's rule: `exp*1000 < now` is expired, no leeway). Pure functions, no I/O: the
//! benchmarks call them directly.

use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde::{Deserialize, Serialize};

/// The uni-id-common version unid's tokens claim to come from.
pub const UNI_ID_VERSION: &str = "1.0.19";

/// base64url(`{"alg":"HS256","typ":"JWT"}`), the only header unid writes.
const HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub uid: String,
    #[serde(default)]
    pub role: Vec<String>,
    #[serde(default)]
    pub permission: Vec<String>,
    #[serde(
        rename = "uniIdVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub uni_id_version: Option<String>,
    pub iat: i64,
    pub exp: i64,
    /// A random id, so two tokens issued to one user in the same second still differ (uni-id
    /// clients read only the claims they know). Tokens from uni-id have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// A fresh `jti`: 16 random bytes, hex.
pub fn new_jti() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// Malformed, wrong signature, or a header other than HS256/JWT.
    Invalid,
    Expired,
}

/// Only HS256, no claim required or checked by the crate: `exp` is uni-id's rule, on the
/// host's clock (which tests move).
static VALIDATION: LazyLock<Validation> = LazyLock::new(|| {
    let mut v = Validation::new(Algorithm::HS256);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.required_spec_claims.clear();
    v
});

pub fn sign(claims: &Claims, secret: &[u8]) -> String {
    // Serialising a struct of strings and integers cannot fail.
    let payload = serde_json::to_vec(claims).unwrap_or_default();
    let mut token = String::with_capacity(HEADER_B64.len() + payload.len() * 4 / 3 + 48);
    // uni-id's header, byte for byte (the crate's own encoder orders the fields otherwise).
    token.push_str(HEADER_B64);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
    let signature = jsonwebtoken::crypto::sign(
        token.as_bytes(),
        &EncodingKey::from_secret(secret),
        Algorithm::HS256,
    )
    .unwrap_or_default();
    token.push('.');
    token.push_str(&signature);
    token
}

/// Verifies signature, algorithm and expiry (`exp*1000 < now` is expired; no clock skew, no
/// `nbf`).
pub fn verify(token: &str, secret: &[u8], now_ms: i64) -> Result<Claims, TokenError> {
    let claims =
        jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(secret), &VALIDATION)
            .map_err(|_| TokenError::Invalid)?
            .claims;
    if claims.exp.saturating_mul(1000) < now_ms {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

/// The key a token is stored under: its SHA-256, so a database leak yields no usable tokens.
pub fn token_hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            uid: "6553f1000000000000000001".into(),
            role: vec!["admin".into()],
            permission: vec![],
            uni_id_version: Some(UNI_ID_VERSION.into()),
            iat: 1_700_000_000,
            exp,
            jti: None,
        }
    }

    #[test]
    fn header_and_payload_match_uni_id() {
        let token = sign(&claims(1_700_007_200), b"secret");
        let mut parts = token.split('.');
        let header = URL_SAFE_NO_PAD
            .decode(parts.next().expect("header"))
            .expect("b64");
        assert_eq!(header, br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD
            .decode(parts.next().expect("payload"))
            .expect("b64");
        assert_eq!(
            String::from_utf8(payload).expect("utf8"),
            r#"{"uid":"6553f1000000000000000001","role":["admin"],"permission":[],"uniIdVersion":"1.0.19","iat":1700000000,"exp":1700007200}"#
        );
    }

    #[test]
    fn verifies_and_expires() {
        let token = sign(&claims(1_700_007_200), b"secret");
        assert!(verify(&token, b"secret", 1_700_007_200_000).is_ok());
        assert_eq!(
            verify(&token, b"secret", 1_700_007_200_001),
            Err(TokenError::Expired)
        );
        assert_eq!(
            verify(&token, b"other", 1_700_000_000_000),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn refuses_other_algorithms_and_garbage() {
        let good = sign(&claims(1_800_000_000), b"secret");
        let payload = good.split('.').nth(1).expect("payload");
        // alg none, and HS512 re-signed with the right key: both refused.
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"alg":"HS512","typ":"JWT"}"#,
        ] {
            let h = URL_SAFE_NO_PAD.encode(header);
            let unsigned = format!("{h}.{payload}");
            let sig = jsonwebtoken::crypto::sign(
                unsigned.as_bytes(),
                &EncodingKey::from_secret(b"secret"),
                Algorithm::HS256,
            )
            .expect("HMAC signs");
            assert_eq!(
                verify(&format!("{unsigned}.{sig}"), b"secret", 0),
                Err(TokenError::Invalid)
            );
            assert_eq!(
                verify(&format!("{unsigned}."), b"secret", 0),
                Err(TokenError::Invalid)
            );
        }
        for junk in ["", "a", "a.b", "a.b.c", "a.b.c.d", "..", "€.€.€"] {
            assert_eq!(
                verify(junk, b"secret", 0),
                Err(TokenError::Invalid),
                "{junk:?}"
            );
        }
    }
}
