//! uni-id's sensitive-field encryption (spec §1.3 frv, `sensitive-aes-cipher.js`): AES-256-CBC
//! keyed by `sensitiveInfoEncryptSecret` (32 characters), IV = the key's last 16 characters,
//! PKCS#7, base64. Deterministic on purpose: uni-id finds "accounts verified with this ID
//! number" by comparing ciphertexts, and an imported project's values must keep matching.

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::error::{ApiError, ErrorCode};
use crate::secret::Secret;

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

/// The cipher of one `sensitiveInfoEncryptSecret`.
#[derive(Clone)]
pub struct SensitiveCipher {
    key: [u8; 32],
}

impl SensitiveCipher {
    /// uni-id's checks: missing → `uni-id-config-field-required`, not 32 bytes →
    /// `uni-id-config-field-invalid`, both naming the key.
    pub fn of(secret: Option<&Secret>) -> Result<SensitiveCipher, ApiError> {
        let field = "sensitiveInfoEncryptSecret";
        let secret = secret
            .filter(|s| !s.expose().is_empty())
            .ok_or_else(|| ApiError::new(ErrorCode::ConfigFieldRequired).arg("field", field))?;
        let key: [u8; 32] = secret
            .expose()
            .as_bytes()
            .try_into()
            .map_err(|_| ApiError::new(ErrorCode::ConfigFieldInvalid).arg("field", field))?;
        Ok(SensitiveCipher { key })
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&self.key[16..]);
        iv
    }

    pub fn encrypt(&self, text: &str) -> String {
        let out = Enc::new(&self.key.into(), &self.iv().into())
            .encrypt_padded_vec_mut::<Pkcs7>(text.as_bytes());
        BASE64.encode(out)
    }

    pub fn encrypt_bytes(&self, bytes: &[u8]) -> String {
        let out =
            Enc::new(&self.key.into(), &self.iv().into()).encrypt_padded_vec_mut::<Pkcs7>(bytes);
        BASE64.encode(out)
    }

    /// `None` when `text` is not something this key encrypted.
    pub fn decrypt(&self, text: &str) -> Option<String> {
        let bytes = BASE64.decode(text).ok()?;
        let plain = Dec::new(&self.key.into(), &self.iv().into())
            .decrypt_padded_vec_mut::<Pkcs7>(&bytes)
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789ABCDEF";

    #[test]
    fn round_trips_and_is_deterministic() {
        let c = SensitiveCipher::of(Some(&Secret::new(KEY))).expect("a 32-byte key");
        let a = c.encrypt("110101199003070011");
        assert_eq!(a, c.encrypt("110101199003070011"));
        assert_eq!(c.decrypt(&a).as_deref(), Some("110101199003070011"));
        assert_eq!(c.decrypt("not base64!"), None);
        assert_eq!(c.decrypt(&BASE64.encode([0u8; 16])), None);
    }

    #[test]
    fn matches_node_crypto() {
        // node -e 'const c=require("crypto").createCipheriv("aes-256-cbc",K,K.slice(-16));
        //          console.log(c.update("张三","utf8","base64")+c.final("base64"))'
        let c = SensitiveCipher::of(Some(&Secret::new(KEY))).expect("a 32-byte key");
        assert_eq!(c.encrypt("张三"), NODE_ZHANG_SAN);
    }

    const NODE_ZHANG_SAN: &str = "UOwV1M23gYhaMjPTUENkGg==";

    #[test]
    fn the_key_must_be_32_bytes() {
        let e = SensitiveCipher::of(None).err().expect("refused");
        assert_eq!(e.code, ErrorCode::ConfigFieldRequired);
        let e = SensitiveCipher::of(Some(&Secret::new("short")))
            .err()
            .expect("refused");
        assert_eq!(e.code, ErrorCode::ConfigFieldInvalid);
    }
}
