//! A mini program's `encryptedData` (the legacy way to get the user's phone number, spec
//! §11.1): AES-128-CBC, the key the base64 `session_key`, the IV the base64 `iv`, PKCS#7
//! padding; the plain text is JSON whose `watermark.appid` must be the mini program's own.

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

type Aes128CbcDec = cbc::Decryptor<aes::Aes128>;

#[derive(Debug, PartialEq, Eq)]
pub enum DecryptError {
    /// Not base64, wrong lengths, or the padding does not check out (a wrong key or IV).
    Undecryptable,
    /// Decrypted, but not the JSON WeChat writes.
    NotJson,
    /// Written for another mini program.
    WrongApp,
    /// No phone number in it.
    NoPhone,
}

impl std::fmt::Display for DecryptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DecryptError::Undecryptable => "encryptedData does not decrypt with the session key",
            DecryptError::NotJson => "encryptedData is not JSON",
            DecryptError::WrongApp => "encryptedData's watermark names another appid",
            DecryptError::NoPhone => "encryptedData holds no purePhoneNumber",
        })
    }
}

/// The decrypted JSON, checked to be for `appid`.
pub fn decrypt(
    session_key: &str,
    encrypted_data: &str,
    iv: &str,
    appid: &str,
) -> Result<Value, DecryptError> {
    let decode = |s: &str| {
        STANDARD
            .decode(s.trim())
            .map_err(|_| DecryptError::Undecryptable)
    };
    let (key, iv, data) = (decode(session_key)?, decode(iv)?, decode(encrypted_data)?);
    let cipher =
        Aes128CbcDec::new_from_slices(&key, &iv).map_err(|_| DecryptError::Undecryptable)?;
    let plain = cipher
        .decrypt_padded_vec_mut::<Pkcs7>(&data)
        .map_err(|_| DecryptError::Undecryptable)?;
    let value: Value = serde_json::from_slice(&plain).map_err(|_| DecryptError::NotJson)?;
    let watermark = value
        .get("watermark")
        .and_then(|w| w.get("appid"))
        .and_then(Value::as_str);
    if watermark != Some(appid) {
        return Err(DecryptError::WrongApp);
    }
    Ok(value)
}

/// `(countryCode, purePhoneNumber)` of decrypted phone data.
pub fn phone(value: &Value) -> Result<(String, String), DecryptError> {
    let text = |k: &str| {
        value
            .get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let number = text("purePhoneNumber").ok_or(DecryptError::NoPhone)?;
    Ok((
        text("countryCode").unwrap_or("86").to_string(),
        number.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WeChat's own sample (the "开放数据校验与解密" document): appid `wx4f4bc4dec97d474b`.
    const SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    const DATA: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";

    #[test]
    fn wechat_s_sample_decrypts() {
        let v = decrypt(SESSION_KEY, DATA, IV, "wx4f4bc4dec97d474b").expect("decrypts");
        assert_eq!(v["nickName"], "Band");
        assert_eq!(v["watermark"]["appid"], "wx4f4bc4dec97d474b");
    }

    #[test]
    fn another_app_or_key_is_refused() {
        assert_eq!(
            decrypt(SESSION_KEY, DATA, IV, "wx0000000000000000"),
            Err(DecryptError::WrongApp)
        );
        // A wrong key: the padding fails (or, rarely, the text is garbage).
        assert!(matches!(
            decrypt("AAAAAAAAAAAAAAAAAAAAAA==", DATA, IV, "wx4f4bc4dec97d474b"),
            Err(DecryptError::Undecryptable | DecryptError::NotJson)
        ));
        assert_eq!(
            decrypt("not base64!", DATA, IV, "x"),
            Err(DecryptError::Undecryptable)
        );
    }
}
