//! The credential cache plugins keep what providers hand out in: WeChat's session keys, users'
//! access tokens, an app's access token (uni-open-bridge's `opendb-open-data`, spec §11.1),
//! under uni-id's keys (`uni-id:weixin-mp:<appid>:<openid>:session-key`…). It lives in the
//! database, so every instance sees what one of them fetched.
//!
//! Beyond uni-open-bridge, values are sealed at rest (AES-256-GCM under a key derived from the
//! host's code secret, the key bound as associated data): a copy of the database alone does
//! not give away the session keys that decrypt users' WeChat data. A value that cannot be
//! opened (the secret changed) is a miss, fetched again.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::Sha256;

use crate::db::DbConn;
use crate::db::models::third_party;
use crate::error::{ApiError, ApiResult};
use crate::secret::Secret;

/// Seals and opens cached credentials; one per host.
pub struct CredentialCache {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl CredentialCache {
    pub fn new(code_secret: &Secret) -> CredentialCache {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(code_secret.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"unid credential cache v1");
        let derived = mac.finalize().into_bytes();
        let key = UnboundKey::new(&AES_256_GCM, &derived)
            .unwrap_or_else(|_| unreachable!("a SHA-256 output is an AES-256 key"));
        CredentialCache {
            key: LessSafeKey::new(key),
            rng: SystemRandom::new(),
        }
    }

    /// The value cached under `key`, unless it has expired by `now` (ms) or cannot be opened.
    pub fn get(&self, conn: &mut DbConn, key: &str, now: i64) -> ApiResult<Option<String>> {
        Ok(third_party::cached(conn, key, now)?.and_then(|sealed| self.open(key, &sealed)))
    }

    /// Caches `value` under `key` until `expired` (ms since the epoch; -1 for never).
    pub fn put(&self, conn: &mut DbConn, key: &str, value: &str, expired: i64) -> ApiResult<()> {
        let sealed = self.seal(key, value)?;
        Ok(third_party::cache(conn, key, &sealed, expired)?)
    }

    /// Forgets `key` (a token the provider refused).
    pub fn remove(&self, conn: &mut DbConn, key: &str) -> ApiResult<()> {
        Ok(third_party::uncache(conn, key)?)
    }

    fn seal(&self, key: &str, value: &str) -> ApiResult<String> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| ApiError::system("no randomness for the credential cache"))?;
        let mut data = value.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(key.as_bytes()),
                &mut data,
            )
            .map_err(|_| ApiError::system("cannot seal a cached credential"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(STANDARD.encode(out))
    }

    fn open(&self, key: &str, sealed: &str) -> Option<String> {
        let mut bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let nonce = Nonce::try_assume_unique_for_key(&bytes[..NONCE_LEN]).ok()?;
        let opened = self
            .key
            .open_in_place(nonce, Aad::from(key.as_bytes()), &mut bytes[NONCE_LEN..])
            .ok()?;
        String::from_utf8(opened.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_under_its_key_and_secret() {
        let cache = CredentialCache::new(&Secret::new("one"));
        let sealed = cache.seal("k", "session-key-value").expect("sealed");
        assert!(!sealed.contains("session"));
        assert_eq!(
            cache.open("k", &sealed).as_deref(),
            Some("session-key-value")
        );
        assert_eq!(cache.open("other-key", &sealed), None, "bound to its key");
        let other = CredentialCache::new(&Secret::new("two"));
        assert_eq!(
            other.open("k", &sealed),
            None,
            "another secret cannot open it"
        );
        assert_eq!(cache.open("k", "not base64!"), None);
        assert_ne!(
            cache.seal("k", "v").expect("sealed"),
            cache.seal("k", "v").expect("sealed")
        );
    }
}
