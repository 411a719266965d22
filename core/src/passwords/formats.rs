//! The hash formats themselves, as plain functions (the benchmarks call them directly).
//!
//! * Argon2id PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`): unid's default.
//! * `$UNI_ID_HMAC_SHA256$20$<salt><hex>`: uni-id 1.0.28+; the salt is the HMAC key.
//! * 40 hex chars: uni-id's legacy `HMAC-SHA1(passwordSecret, password)`, the secret picked by
//!   `password_secret_version` (spec §5).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use rand::RngCore;

use crate::config::PasswordHashKind;
use crate::config::effective::{PasswordSecret, SecretKind};
use crate::secret::ct_eq;

/// OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane.
pub const ARGON2_M_KIB: u32 = 19 * 1024;
pub const ARGON2_T: u32 = 2;
pub const ARGON2_P: u32 = 1;

const UNI_ID_SHA256: &str = "UNI_ID_HMAC_SHA256";
const UNI_ID_SHA1: &str = "UNI_ID_HMAC_SHA1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHash {
    pub hash: String,
    /// `password_secret_version` to store with it (spec §5).
    pub version: Option<i64>,
}

fn argon2() -> Argon2<'static> {
    // The constants are valid parameters; `Params::new` only rejects out-of-range values.
    let params = Params::new(ARGON2_M_KIB, ARGON2_T, ARGON2_P, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` for storage. With `HmacSha256` this is what uni-id itself would write for
/// the newest `passwordSecret` entry (hmac-sha256 when none is configured).
pub fn hash_password(
    password: &str,
    kind: PasswordHashKind,
    secrets: &[PasswordSecret],
) -> Result<NewHash, String> {
    let newest = secrets.last();
    let version = newest.and_then(|s| s.version);
    match kind {
        PasswordHashKind::Argon2id => {
            let mut salt = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut salt);
            let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
            let hash = argon2()
                .hash_password(password.as_bytes(), &salt)
                .map_err(|e| e.to_string())?
                .to_string();
            Ok(NewHash { hash, version })
        }
        PasswordHashKind::HmacSha256 => match newest {
            Some(secret) if secret.kind == SecretKind::HmacSha1 => Ok(NewHash {
                hash: hex::encode(hmac_sha1(
                    secret.value.expose().as_bytes(),
                    password.as_bytes(),
                )),
                version,
            }),
            _ => {
                let mut salt_bytes = [0u8; 10];
                rand::rngs::OsRng.fill_bytes(&mut salt_bytes);
                let salt = hex::encode(salt_bytes);
                let digest = hex::encode(hmac_sha256(salt.as_bytes(), password.as_bytes()));
                Ok(NewHash {
                    hash: format!("${UNI_ID_SHA256}${}${salt}{digest}", salt.len()),
                    version,
                })
            }
        },
    }
}

/// Whether `password` matches `stored`. Never panics on malformed input: it just fails.
pub fn verify_password(
    password: &str,
    stored: &str,
    stored_version: Option<i64>,
    secrets: &[PasswordSecret],
) -> bool {
    if stored.starts_with("$argon2") {
        return PasswordHash::new(stored)
            .map(|parsed| {
                argon2()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
    }
    if stored.starts_with('$') {
        return verify_uni_id_salted(password, stored);
    }
    match secret_for(stored_version, secrets) {
        Some(secret) if secret.kind == SecretKind::HmacSha1 => {
            let expected = hex::encode(hmac_sha1(
                secret.value.expose().as_bytes(),
                password.as_bytes(),
            ));
            ct_eq(expected.as_bytes(), stored.to_ascii_lowercase().as_bytes())
        }
        _ => false,
    }
}

/// Whether a hash in uni-id's legacy hmac-sha1 form, made with secret `stored_version`, has a
/// configured secret to be checked with. Without one its user cannot sign in by password.
pub fn legacy_hash_checkable(stored_version: Option<i64>, secrets: &[PasswordSecret]) -> bool {
    secret_for(stored_version, secrets).is_some_and(|s| s.kind == SecretKind::HmacSha1)
}

/// `$ALG$saltLen$<salt><hex>`: split on `$` with empty parts dropped, as uni-id does.
fn verify_uni_id_salted(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').filter(|p| !p.is_empty()).collect();
    let [alg, salt_len, rest] = parts.as_slice() else {
        return false;
    };
    let Ok(salt_len) = salt_len.parse::<usize>() else {
        return false;
    };
    let (Some(salt), Some(hash)) = (rest.get(..salt_len), rest.get(salt_len..)) else {
        return false;
    };
    let expected = match *alg {
        UNI_ID_SHA256 => hex::encode(hmac_sha256(salt.as_bytes(), password.as_bytes())),
        UNI_ID_SHA1 => hex::encode(hmac_sha1(salt.as_bytes(), password.as_bytes())),
        _ => return false,
    };
    ct_eq(expected.as_bytes(), hash.as_bytes())
}

/// uni-id's choice of secret for a stored hash: no version → the oldest; a single secret →
/// that one; otherwise the entry with the same version.
fn secret_for(version: Option<i64>, secrets: &[PasswordSecret]) -> Option<&PasswordSecret> {
    match (version, secrets) {
        (_, []) => None,
        (_, [only]) => Some(only),
        (None, [oldest, ..]) => Some(oldest),
        (Some(v), all) => all.iter().find(|s| s.version == Some(v)),
    }
}

/// Whether a verified hash should be replaced by one in the configured format.
pub fn needs_rehash(
    stored: &str,
    stored_version: Option<i64>,
    kind: PasswordHashKind,
    secrets: &[PasswordSecret],
) -> bool {
    match kind {
        PasswordHashKind::Argon2id => match PasswordHash::new(stored) {
            Ok(parsed) if parsed.algorithm.as_str() == "argon2id" => {
                let current = Params::try_from(&parsed).ok();
                current.is_none_or(|p| {
                    p.m_cost() != ARGON2_M_KIB || p.t_cost() != ARGON2_T || p.p_cost() != ARGON2_P
                })
            }
            _ => true,
        },
        // uni-id upgrades when the stored version is not the newest secret's (spec §5).
        PasswordHashKind::HmacSha256 => {
            stored.starts_with("$argon2")
                || stored_version != secrets.last().and_then(|s| s.version)
        }
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

fn hmac_sha1(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn secret(kind: SecretKind, value: &str, version: Option<i64>) -> PasswordSecret {
        PasswordSecret {
            kind,
            value: Secret::new(value),
            version,
        }
    }

    #[test]
    fn argon2id_round_trip_with_owasp_parameters() {
        let h = hash_password("correct horse", PasswordHashKind::Argon2id, &[]).expect("hash");
        assert!(
            h.hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            h.hash
        );
        assert!(verify_password("correct horse", &h.hash, None, &[]));
        assert!(!verify_password("correct horsf", &h.hash, None, &[]));
        assert!(!needs_rehash(
            &h.hash,
            None,
            PasswordHashKind::Argon2id,
            &[]
        ));
    }

    #[test]
    fn uni_id_hmac_sha256_format() {
        let h = hash_password("abc12345", PasswordHashKind::HmacSha256, &[]).expect("hash");
        assert!(h.hash.starts_with("$UNI_ID_HMAC_SHA256$20$"));
        assert_eq!(h.hash.len(), "$UNI_ID_HMAC_SHA256$20$".len() + 20 + 64);
        assert!(verify_password("abc12345", &h.hash, None, &[]));
        assert!(!verify_password("abc12346", &h.hash, None, &[]));
    }

    #[test]
    fn verifies_a_hash_written_by_uni_id() {
        // Computed with Node: crypto.createHmac('sha256', salt).update(pwd).digest('hex').
        let salt = "0123456789abcdef0123";
        let digest = hex::encode(hmac_sha256(salt.as_bytes(), b"dcloud2023"));
        let stored = format!("$UNI_ID_HMAC_SHA256$20${salt}{digest}");
        assert!(verify_password("dcloud2023", &stored, Some(1), &[]));
    }

    #[test]
    fn legacy_hmac_sha1_picks_secret_by_version() {
        let secrets = vec![
            secret(SecretKind::HmacSha1, "old-secret", Some(1)),
            secret(SecretKind::HmacSha1, "new-secret", Some(2)),
        ];
        let old = hex::encode(hmac_sha1(b"old-secret", b"pw123456"));
        let new = hex::encode(hmac_sha1(b"new-secret", b"pw123456"));
        assert!(
            verify_password("pw123456", &old, None, &secrets),
            "no version → oldest"
        );
        assert!(verify_password("pw123456", &old, Some(1), &secrets));
        assert!(verify_password("pw123456", &new, Some(2), &secrets));
        assert!(!verify_password("pw123456", &new, Some(1), &secrets));
        assert!(
            !verify_password("pw123456", &old, Some(9), &secrets),
            "unknown version fails, never panics"
        );
    }

    #[test]
    fn legacy_string_secret() {
        let secrets = vec![secret(SecretKind::HmacSha1, "passwordSecret-demo", None)];
        let stored = hex::encode(hmac_sha1(b"passwordSecret-demo", b"123456"));
        assert!(verify_password("123456", &stored, None, &secrets));
        let h = hash_password("123456", PasswordHashKind::HmacSha256, &secrets).expect("hash");
        assert_eq!(
            h.hash, stored,
            "uni-id's own format with a string secret is hmac-sha1"
        );
        assert!(!needs_rehash(
            &stored,
            None,
            PasswordHashKind::HmacSha256,
            &secrets
        ));
        assert!(needs_rehash(
            &stored,
            None,
            PasswordHashKind::Argon2id,
            &secrets
        ));
    }

    #[test]
    fn malformed_hashes_fail_quietly() {
        for stored in [
            "",
            "$",
            "$UNI_ID_HMAC_SHA256$",
            "$UNI_ID_HMAC_SHA256$99$abc",
            "$argon2id$junk",
            "zz",
            "$X$2$abcd",
        ] {
            assert!(!verify_password("pw", stored, None, &[]), "{stored:?}");
        }
    }

    #[test]
    fn hmac_mode_upgrades_to_newest_version() {
        let secrets = vec![
            secret(SecretKind::HmacSha1, "old", Some(1)),
            secret(SecretKind::HmacSha256, "", Some(2)),
        ];
        let old = hex::encode(hmac_sha1(b"old", b"pw"));
        assert!(needs_rehash(
            &old,
            Some(1),
            PasswordHashKind::HmacSha256,
            &secrets
        ));
        let h = hash_password("pw", PasswordHashKind::HmacSha256, &secrets).expect("hash");
        assert_eq!(h.version, Some(2));
        assert!(h.hash.starts_with("$UNI_ID_HMAC_SHA256$"));
        assert!(!needs_rehash(
            &h.hash,
            h.version,
            PasswordHashKind::HmacSha256,
            &secrets
        ));
    }
}
