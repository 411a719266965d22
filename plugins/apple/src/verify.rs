//! An Apple identity token (spec §11.4): an RS256 JWT signed by one of Apple's keys, issued by
//! `https://appleid.apple.com` for one of our audiences (the app's bundle id, the site's
//! Services ID), not expired on the host's clock, and — when the client sent one — carrying
//! the nonce it was asked for. The algorithm is pinned: a token that says `HS256` or `none`
//! is refused before any key is looked at.

use std::collections::HashSet;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

pub const ISSUER: &str = "https://appleid.apple.com";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// Not a JWT, not RS256, or without a key id.
    Malformed,
    /// Signature, issuer or audience refused.
    Refused(String),
    Expired,
    NonceMismatch,
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VerifyError::Malformed => f.write_str("apple: not an RS256 identity token"),
            VerifyError::Refused(why) => write!(f, "apple: identity token refused: {why}"),
            VerifyError::Expired => f.write_str("apple: identity token expired"),
            VerifyError::NonceMismatch => f.write_str("apple: identity token for another nonce"),
        }
    }
}

/// Who Apple says the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppleUser {
    /// Stable per developer team: uni-id's `apple_openid`.
    pub sub: String,
    pub email: Option<String>,
    pub email_verified: bool,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: i64,
    nonce: Option<String>,
    email: Option<String>,
    /// Apple sends `true` or `"true"`.
    email_verified: Option<Value>,
}

/// The key id the token names, after checking that it claims RS256.
pub fn key_id(token: &str) -> Result<String, VerifyError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
    if header.alg != Algorithm::RS256 {
        return Err(VerifyError::Malformed);
    }
    header.kid.ok_or(VerifyError::Malformed)
}

/// Verifies `token` with Apple's `key` for one of `audiences`, at `now_secs`; `nonce`, when
/// given, must be the token's.
pub fn verify(
    token: &str,
    key: &DecodingKey,
    audiences: &[String],
    nonce: Option<&str>,
    now_secs: i64,
) -> Result<AppleUser, VerifyError> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(audiences);
    // Expiry on the host's clock (tests move it), below.
    validation.validate_exp = false;
    validation.required_spec_claims = HashSet::from(["iss", "aud", "sub"].map(String::from));
    let claims = jsonwebtoken::decode::<Claims>(token, key, &validation)
        .map_err(|e| VerifyError::Refused(e.to_string()))?
        .claims;
    if claims.exp <= now_secs {
        return Err(VerifyError::Expired);
    }
    if let Some(expected) = nonce
        && claims.nonce.as_deref() != Some(expected)
    {
        return Err(VerifyError::NonceMismatch);
    }
    if claims.sub.is_empty() {
        return Err(VerifyError::Refused("empty sub".into()));
    }
    let email_verified = matches!(&claims.email_verified, Some(Value::Bool(true)))
        || matches!(&claims.email_verified, Some(Value::String(s)) if s == "true");
    Ok(AppleUser {
        sub: claims.sub,
        email: claims.email,
        email_verified,
    })
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;

    use super::*;

    const KEY: &str = include_str!("../testdata/one.key.b64");
    const N: &str = include_str!("../testdata/one.n");
    const OTHER_KEY: &str = include_str!("../testdata/other.key.b64");
    const NOW: i64 = 1_800_000_000;

    fn sign(claims: Value, key: &str) -> String {
        let der = STANDARD.decode(key.trim()).expect("base64");
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("k1".into());
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_der(&der)).expect("signs")
    }

    fn claims() -> Value {
        json!({
            "iss": ISSUER, "aud": "com.example.app", "sub": "001234.abcd.0001",
            "iat": NOW - 10, "exp": NOW + 600, "nonce": "n-1",
            "email": "x@privaterelay.appleid.com", "email_verified": "true",
        })
    }

    fn public() -> DecodingKey {
        DecodingKey::from_rsa_components(N.trim(), "AQAB").expect("key")
    }

    fn check(token: &str, nonce: Option<&str>) -> Result<AppleUser, VerifyError> {
        verify(
            token,
            &public(),
            &["com.example.app".to_string()],
            nonce,
            NOW,
        )
    }

    #[test]
    fn a_token_of_apple_s_key_for_our_audience_verifies() {
        let token = sign(claims(), KEY);
        assert_eq!(key_id(&token), Ok("k1".to_string()));
        let user = check(&token, Some("n-1")).expect("verifies");
        assert_eq!(user.sub, "001234.abcd.0001");
        assert!(user.email_verified);
        assert!(check(&token, None).is_ok(), "no nonce asked for");
    }

    #[test]
    fn another_key_audience_issuer_expiry_or_nonce_is_refused() {
        assert!(matches!(
            check(&sign(claims(), OTHER_KEY), None),
            Err(VerifyError::Refused(_))
        ));
        let mut c = claims();
        c["aud"] = json!("com.someone.else");
        assert!(matches!(
            check(&sign(c, KEY), None),
            Err(VerifyError::Refused(_))
        ));
        let mut c = claims();
        c["iss"] = json!("https://evil.example");
        assert!(matches!(
            check(&sign(c, KEY), None),
            Err(VerifyError::Refused(_))
        ));
        let mut c = claims();
        c["exp"] = json!(NOW);
        assert_eq!(check(&sign(c, KEY), None), Err(VerifyError::Expired));
        assert_eq!(
            check(&sign(claims(), KEY), Some("n-2")),
            Err(VerifyError::NonceMismatch)
        );
        let mut c = claims();
        c.as_object_mut().expect("object").remove("nonce");
        assert_eq!(
            check(&sign(c, KEY), Some("n-1")),
            Err(VerifyError::NonceMismatch)
        );
    }

    #[test]
    fn other_algorithms_and_garbage_are_malformed() {
        let hs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(b"public key as secret"),
        )
        .expect("signs");
        assert_eq!(key_id(&hs), Err(VerifyError::Malformed));
        for junk in ["", "a.b.c", "eyJhbGciOiJub25lIn0.e30."] {
            assert_eq!(key_id(junk), Err(VerifyError::Malformed), "{junk:?}");
        }
        // RS256 without a key id.
        let der = STANDARD.decode(KEY.trim()).expect("base64");
        let no_kid = jsonwebtoken::encode(
            &Header::new(Algorithm::RS256),
            &claims(),
            &EncodingKey::from_rsa_der(&der),
        )
        .expect("signs");
        assert_eq!(key_id(&no_kid), Err(VerifyError::Malformed));
    }
}
