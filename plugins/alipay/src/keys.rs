//! RSA2, as Alipay's open platform uses it: RSASSA-PKCS1-v1_5 with SHA-256 over UTF-8 text,
//! signatures in base64. The app signs its requests with its private key (PKCS#8, or PKCS#1
//! when uni-id's `keyType` says so); Alipay signs its answers with its own, whose public key
//! it publishes as an X.509 SubjectPublicKeyInfo (unwrapped by [`crate::der`]).
//!
//! Keys are given as uni-id takes them: the base64 of the DER, PEM armour and line breaks
//! allowed. No error here ever carries a key's content.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ring::digest::{SHA256, digest};
use ring::rand::SystemRandom;
use ring::signature::{
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};

use crate::der::rsa_public_key;

/// How the app's private key is encoded (uni-id's `keyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `PRIVATE KEY`: PKCS#8 (uni-id's default).
    Pkcs8,
    /// `RSA PRIVATE KEY`: PKCS#1.
    Pkcs1,
}

impl KeyType {
    /// uni-id's `keyType` value; `None` for anything else.
    pub fn parse(value: &str) -> Option<KeyType> {
        match value {
            "PKCS8" => Some(KeyType::Pkcs8),
            "PKCS1" => Some(KeyType::Pkcs1),
            _ => None,
        }
    }
}

/// Why a key was not taken; says what is wrong, never what the key holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The DER inside a configured key: base64, with or without PEM armour and line breaks.
pub fn der_of(text: &str) -> Result<Vec<u8>, KeyError> {
    let body: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
        .collect();
    if body.is_empty() {
        return Err(KeyError("empty".into()));
    }
    STANDARD
        .decode(body.as_bytes())
        .map_err(|_| KeyError("not base64".into()))
}

/// The app's private key, parsed once and kept (see the plugin's key cache).
pub struct SigningKey {
    pair: RsaKeyPair,
    rng: SystemRandom,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(****)")
    }
}

impl SigningKey {
    pub fn parse(text: &str, key_type: KeyType) -> Result<SigningKey, KeyError> {
        let der = der_of(text)?;
        let pair = match key_type {
            KeyType::Pkcs8 => RsaKeyPair::from_pkcs8(&der),
            KeyType::Pkcs1 => RsaKeyPair::from_der(&der),
        }
        .map_err(|e| {
            let expected = match key_type {
                KeyType::Pkcs8 => "a PKCS#8 RSA private key (keyType PKCS8)",
                KeyType::Pkcs1 => "a PKCS#1 RSA private key (keyType PKCS1)",
            };
            KeyError(format!("not {expected}: {e}"))
        })?;
        Ok(SigningKey {
            pair,
            rng: SystemRandom::new(),
        })
    }

    /// The base64 RSA2 signature of `content`.
    pub fn sign(&self, content: &[u8]) -> Result<String, KeyError> {
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &self.rng, content, &mut signature)
            .map_err(|_| KeyError("signing failed".into()))?;
        Ok(STANDARD.encode(signature))
    }
}

/// Distinct private keys kept parsed: one server rarely serves more than a few Alipay apps.
const MAX_CACHED_KEYS: usize = 32;

/// The apps' private keys, each parsed once: parsing checks the key's arithmetic, a cost every
/// request would otherwise pay. Entries are found by a digest of the configured text, so the
/// cache holds no copy of it.
#[derive(Default)]
pub struct KeyCache {
    keys: Mutex<HashMap<Vec<u8>, Arc<SigningKey>>>,
}

impl KeyCache {
    pub fn signing_key(&self, text: &str, key_type: KeyType) -> Result<Arc<SigningKey>, KeyError> {
        let tag: &[u8] = match key_type {
            KeyType::Pkcs8 => b"pkcs8:",
            KeyType::Pkcs1 => b"pkcs1:",
        };
        let id = digest(&SHA256, &[tag, text.as_bytes()].concat())
            .as_ref()
            .to_vec();
        let cached = self
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned();
        if let Some(key) = cached {
            return Ok(key);
        }
        // Parsed outside the lock; two requests racing on a new key both parse it, once.
        let key = Arc::new(SigningKey::parse(text, key_type)?);
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= MAX_CACHED_KEYS {
            keys.clear();
        }
        keys.insert(id, key.clone());
        Ok(key)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Alipay's public key, as the PKCS#1 `RSAPublicKey` ring verifies with.
#[derive(Clone)]
pub struct VerifyingKey {
    rsa_public_key: Vec<u8>,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey").finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// An X.509 SubjectPublicKeyInfo (what Alipay's console shows), or a bare PKCS#1
    /// `RSAPublicKey`, of 2048 to 8192 bits.
    pub fn parse(text: &str) -> Result<VerifyingKey, KeyError> {
        let der = der_of(text)?;
        let rsa_public_key = rsa_public_key(&der).map_err(|e| KeyError(e.to_string()))?;
        Ok(VerifyingKey {
            rsa_public_key: rsa_public_key.to_vec(),
        })
    }

    /// Whether `signature` (base64) is this key's RSA2 signature of `content`.
    pub fn verify(&self, content: &[u8], signature: &str) -> bool {
        let Ok(signature) = STANDARD.decode(signature.trim()) else {
            return false;
        };
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &self.rsa_public_key)
            .verify(content, &signature)
            .is_ok()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    // TEST KEYS ONLY — generated for these tests with `openssl genpkey -algorithm RSA
    // -pkeyopt rsa_keygen_bits:2048`; they sign nothing anywhere else.

    /// The app's test private key, PKCS#8 (`openssl pkcs8 -topk8 -nocrypt -outform DER`).
    pub const APP_PKCS8: &str = include_str!("../testdata/app.pk8.b64");
    /// The same key, PKCS#1 (`openssl rsa -traditional -outform DER`).
    pub const APP_PKCS1: &str = include_str!("../testdata/app.pk1.b64");
    /// Its public key, SubjectPublicKeyInfo (`openssl pkey -pubout -outform DER`).
    pub const APP_SPKI: &str = include_str!("../testdata/app.spki.b64");
    /// The same public key as a bare PKCS#1 RSAPublicKey (`openssl rsa -RSAPublicKey_out`).
    pub const APP_RSA_PUBLIC: &str = include_str!("../testdata/app.rsapub.b64");
    /// The fake Alipay's public key, SubjectPublicKeyInfo.
    pub const ALIPAY_SPKI: &str = include_str!("../testdata/alipay.spki.b64");

    /// Made with `printf '%s' "$CONTENT" | openssl dgst -sha256 -sign app.pem | base64 -w0`.
    pub const CONTENT: &str = "app_id=2021000000000001&charset=utf-8&code=4b203fe6c11548bcabd8da5bb087a83b&format=JSON&grant_type=authorization_code&method=alipay.system.oauth.token&sign_type=RSA2&timestamp=2026-11-22 08:05:09&version=1.0";
    pub const CONTENT_SIGNATURE: &str = "PYVCoARETaT5YurhlYJCuh4WCwXxTpt47aaBhHYzBVlscTE+rao9/FzxUJWdHqumfmulecxWCEib97kpvfeRy/a0YdEtaDMxMP9t4Tzoe/fBq9b58QKqgHyF6n1GgXVhBPnKcbuP+Aw5EKAieQur1l1Qdx57ecbjfY2Rn98nwq1GEI9W3cY+zw0R3xcsSGRVdAzfnQQsRRrVJlhxUEIz3Eh+XW+VwX8H6NNFoO3sMfm+KtqwmJrRywhe7IA0yAARP6AUxPQrTSyxdxB4VX2y3v2nSDAasm+6/jiWfePJ7e1MyjrZNSuG1RaQYBwoBu++YI+3/iPiq5Jew/jlJ5IVKw==";

    fn pem(label: &str, b64: &str) -> String {
        let lines: Vec<&str> = b64
            .trim()
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
            .collect();
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            lines.join("\n")
        )
    }

    #[test]
    fn signatures_match_openssl_s() {
        let key = SigningKey::parse(APP_PKCS8, KeyType::Pkcs8).expect("PKCS#8");
        assert_eq!(
            key.sign(CONTENT.as_bytes()).expect("signed"),
            CONTENT_SIGNATURE
        );
        // The PKCS#1 form and the PEM forms are the same key.
        let pkcs1 = SigningKey::parse(APP_PKCS1, KeyType::Pkcs1).expect("PKCS#1");
        assert_eq!(
            pkcs1.sign(CONTENT.as_bytes()).expect("signed"),
            CONTENT_SIGNATURE
        );
        let armoured =
            SigningKey::parse(&pem("PRIVATE KEY", APP_PKCS8), KeyType::Pkcs8).expect("PEM PKCS#8");
        assert_eq!(
            armoured.sign(CONTENT.as_bytes()).expect("signed"),
            CONTENT_SIGNATURE
        );
    }

    #[test]
    fn a_key_of_the_wrong_type_or_no_key_is_refused_without_its_content() {
        let e = SigningKey::parse(APP_PKCS1, KeyType::Pkcs8).expect_err("PKCS#1 is not PKCS#8");
        assert!(e.0.contains("PKCS#8"), "{e}");
        assert!(SigningKey::parse(APP_PKCS8, KeyType::Pkcs1).is_err());
        let e = SigningKey::parse("not a key!", KeyType::Pkcs8).expect_err("garbage");
        assert_eq!(e.0, "not base64");
        assert!(SigningKey::parse("", KeyType::Pkcs8).is_err());
        assert!(SigningKey::parse("aGVsbG8=", KeyType::Pkcs8).is_err());
        for e in [
            SigningKey::parse(APP_PKCS1, KeyType::Pkcs8).expect_err("wrong type"),
            SigningKey::parse(&APP_PKCS8[..400], KeyType::Pkcs8).expect_err("cut"),
        ] {
            assert!(!e.0.contains(&APP_PKCS8[40..80]), "{e}");
        }
        assert_eq!(
            format!(
                "{:?}",
                SigningKey::parse(APP_PKCS8, KeyType::Pkcs8).expect("key")
            ),
            "SigningKey(****)"
        );
    }

    #[test]
    fn verification_takes_spki_or_pkcs1_and_the_exact_content() {
        for text in [
            APP_SPKI.to_string(),
            APP_RSA_PUBLIC.to_string(),
            pem("PUBLIC KEY", APP_SPKI),
        ] {
            let key = VerifyingKey::parse(&text).expect("public key");
            assert!(key.verify(CONTENT.as_bytes(), CONTENT_SIGNATURE));
            assert!(!key.verify(format!("{CONTENT} ").as_bytes(), CONTENT_SIGNATURE));
            assert!(!key.verify(CONTENT.as_bytes(), "not base64!"));
            assert!(!key.verify(CONTENT.as_bytes(), ""));
        }
        let other = VerifyingKey::parse(ALIPAY_SPKI).expect("public key");
        assert!(!other.verify(CONTENT.as_bytes(), CONTENT_SIGNATURE));
    }

    #[test]
    fn the_cache_parses_each_key_once() {
        let cache = KeyCache::default();
        let a = cache.signing_key(APP_PKCS8, KeyType::Pkcs8).expect("key");
        let b = cache.signing_key(APP_PKCS8, KeyType::Pkcs8).expect("key");
        assert!(Arc::ptr_eq(&a, &b), "the second use is the cached key");
        let c = cache.signing_key(APP_PKCS1, KeyType::Pkcs1).expect("key");
        assert!(!Arc::ptr_eq(&a, &c));
        assert!(cache.signing_key(APP_PKCS1, KeyType::Pkcs8).is_err());
        assert_eq!(cache.len(), 2, "failures are not kept");
    }

    #[test]
    fn key_types_are_uni_id_s() {
        assert_eq!(KeyType::parse("PKCS8"), Some(KeyType::Pkcs8));
        assert_eq!(KeyType::parse("PKCS1"), Some(KeyType::Pkcs1));
        assert_eq!(KeyType::parse("pkcs1"), None);
        assert_eq!(KeyType::parse("RSA"), None);
    }
}
