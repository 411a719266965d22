//! Real-name verification (spec §1.3 frv): `getRealNameInfo`, `getFrvCertifyId`,
//! `getFrvAuthResult`. Names and ID numbers are stored encrypted with uni-id's cipher and only
//! ever shown masked.
//!
//! Better than uni-id: the daily attempt limit is counted and the attempt recorded in one
//! transaction under the account's lock (uni-id counts, calls the service, then writes, so
//! parallel calls pass the limit); the ID-number limit is checked again under the number's lock
//! when a verification passes; and a certification id is only accepted from the account that
//! started it (uni-id writes whatever certification the caller names onto the caller).

use serde_json::{Value, json};

use crate::accounts::Caller;
use crate::db::models::realname::{self, NewFrvLog, RealnameRow};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::realname::cipher::SensitiveCipher;
use crate::realname::rules::{mask_identity, mask_name};
use crate::realname::{CertifyRequest, FaceVerifier, Outcome};

/// `realname_auth.auth_status`.
pub const PENDING: i32 = 1;
pub const PASSED: i32 = 2;
pub const FAILED: i32 = 3;

/// What `getRealNameInfo` and `getFrvAuthResult` show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RealnameInfo {
    /// 0 person, 1 company.
    pub kind: Option<i64>,
    pub auth_status: Option<i64>,
    /// Masked: `**丰`.
    pub real_name: Option<String>,
    /// Masked: `1****************1`.
    pub identity: Option<String>,
}

fn verifier(call: &Caller) -> ApiResult<std::sync::Arc<dyn FaceVerifier>> {
    call.host.frv.clone().ok_or_else(|| {
        ApiError::new(ErrorCode::ConfigFieldRequired).arg("field", "realname.provider")
    })
}

/// The start of the current day in UTC+8 (uni-id counts attempts per Beijing day).
fn beijing_day_start(now_ms: i64) -> i64 {
    const DAY: i64 = 86_400_000;
    const OFFSET: i64 = 8 * 3_600_000;
    (now_ms + OFFSET).div_euclid(DAY) * DAY - OFFSET
}

/// Shows `auth` (realname_auth) masked; `decrypt` false leaves the stored values encrypted
/// (a project that never set a key stored them in clear), still masked.
fn shown(auth: &Value, cipher: Option<&SensitiveCipher>) -> RealnameInfo {
    let reveal = |field: &str, mask: fn(&str) -> String| {
        let stored = auth[field].as_str()?;
        let plain = match cipher {
            Some(c) => c.decrypt(stored)?,
            None => stored.to_string(),
        };
        Some(mask(&plain))
    };
    RealnameInfo {
        kind: auth["type"].as_i64(),
        auth_status: auth["auth_status"].as_i64(),
        real_name: reveal("real_name", mask_name),
        identity: reveal("identity", mask_identity),
    }
}

/// `getRealNameInfo`.
pub async fn info(call: Caller, decrypt: bool) -> ApiResult<RealnameInfo> {
    let uid = call.auth()?.uid.clone();
    let row = call
        .host
        .db
        .run(move |conn| Ok(realname::of_user(conn, &uid)?))
        .await?;
    let Some(row) = row else {
        return Ok(RealnameInfo::default());
    };
    let auth: Value = serde_json::from_str(&row.auth).unwrap_or(Value::Null);
    let cipher = if decrypt {
        Some(SensitiveCipher::of(
            call.effective.sensitive_info_encrypt_secret.as_ref(),
        )?)
    } else {
        None
    };
    Ok(shown(&auth, cipher.as_ref()))
}

/// What `getFrvCertifyId` is given (already checked by the `realName` and `idCard` rules).
#[derive(Clone)]
pub struct CertifyInput {
    pub real_name: String,
    pub id_card: String,
    pub meta_info: String,
}

/// `getFrvCertifyId`.
pub async fn certify_id(call: Caller, input: CertifyInput) -> ApiResult<String> {
    let frv = verifier(&call)?;
    let cipher = SensitiveCipher::of(call.effective.sensitive_info_encrypt_secret.as_ref())?;
    let uid = call.auth()?.uid.clone();
    let now = call.now();
    // uni-id stores the check character as given; upper-case makes `x` and `X` one number.
    let id_card = input.id_card.to_uppercase();
    let identity = cipher.encrypt(&id_card);
    let real_name = cipher.encrypt(&input.real_name);
    let id_limit = call.effective.id_card_certify_limit;
    let day_limit = call.effective.real_name_certify_limit;
    // A placeholder until the service names the certification: the attempt counts at once.
    let placeholder = format!("pending:{}", hex::encode(rand::random::<[u8; 12]>()));
    {
        let (uid, identity, real_name, placeholder) = (
            uid.clone(),
            identity.clone(),
            real_name.clone(),
            placeholder.clone(),
        );
        call.host
            .db
            .run(move |conn| {
                conn.write_tx(|conn| {
                    conn.lock_keys(&[format!("frv:{uid}")])?;
                    if realname::of_user(conn, &uid)?.is_some_and(|r| r.auth_status == PASSED) {
                        return Err(ApiError::new(ErrorCode::RealnameVerified));
                    }
                    if realname::verified_with(conn, &identity, &uid)? >= id_limit as i64 {
                        return Err(ApiError::new(ErrorCode::IdcardExists));
                    }
                    let today = realname::started_since(conn, &uid, beijing_day_start(now))?;
                    if today >= day_limit as i64 {
                        return Err(ApiError::new(ErrorCode::RealnameVerifyUpperLimit));
                    }
                    realname::insert(
                        conn,
                        &NewFrvLog {
                            user_id: &uid,
                            certify_id: &placeholder,
                            real_name: &real_name,
                            identity: &identity,
                            status: PENDING,
                            created_date: now,
                        },
                    )?;
                    Ok(())
                })
            })
            .await?;
    }
    let request = CertifyRequest {
        real_name: input.real_name,
        id_card,
        meta_info: input.meta_info,
        need_picture: call.effective.frv_need_alive_photo,
        user_id: uid,
    };
    let answer = frv.certify_id(&call.host.metrics, &request).await;
    let settle = {
        let placeholder = placeholder.clone();
        let answer = answer.clone();
        call.host.db.run(move |conn| {
            Ok(match &answer {
                Ok(certify_id) => realname::set_certify_id(conn, &placeholder, certify_id)?,
                // A service that did not start a certification does not use up an attempt.
                Err(_) => realname::delete(conn, &placeholder)?,
            })
        })
    };
    settle.await?;
    answer.map_err(|e| {
        tracing::warn!(provider = frv.name(), error = %e, "face verification could not start");
        ApiError::new(ErrorCode::UnknownError).detail(e.to_string())
    })
}

/// `getFrvAuthResult`.
pub async fn auth_result(call: Caller, certify_id: String) -> ApiResult<RealnameInfo> {
    let frv = verifier(&call)?;
    let cipher = SensitiveCipher::of(call.effective.sensitive_info_encrypt_secret.as_ref())?;
    let uid = call.auth()?.uid.clone();
    let log = {
        let certify_id = certify_id.clone();
        call.host
            .db
            .run(move |conn| Ok(realname::by_certify_id(conn, &certify_id)?))
            .await?
    }
    .filter(|log| log.user_id == uid)
    .ok_or_else(|| ApiError::new(ErrorCode::InvalidParam).detail("certifyId"))?;

    let outcome = frv
        .result(&call.host.metrics, &certify_id)
        .await
        .map_err(|e| ApiError::new(ErrorCode::UnknownError).detail(e.to_string()))?;
    let picture = match outcome {
        Outcome::Processing => return Err(ApiError::new(ErrorCode::FrvProcessing)),
        Outcome::Fail => {
            let id = log.id;
            call.host
                .db
                .run(move |conn| Ok(realname::set_status(conn, id, FAILED)?))
                .await?;
            return Err(ApiError::new(ErrorCode::FrvFail));
        }
        Outcome::Unknown(what) => {
            return Err(ApiError::new(ErrorCode::UnknownError).detail(what));
        }
        Outcome::Success { picture } => picture,
    };
    let now = call.now();
    let in_hand = match picture.filter(|_| call.effective.frv_need_alive_photo) {
        Some(bytes) => Some(store_picture(&call, &uid, &cipher, &bytes)?),
        None => None,
    };
    let mut auth = json!({
        "type": 0,
        "auth_status": PASSED,
        "auth_date": now,
        "real_name": log.real_name,
        "identity": log.identity,
    });
    if let Some(path) = in_hand {
        auth["in_hand"] = json!(path);
    }
    let limit = call.effective.id_card_certify_limit;
    let row = RealnameRow {
        user_id: uid.clone(),
        auth_status: PASSED,
        identity: Some(log.identity.clone()),
        auth: auth.to_string(),
    };
    let log_id = log.id;
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let identity = row.identity.clone().unwrap_or_default();
                conn.lock_keys(&[format!("frv-identity:{identity}")])?;
                // Two accounts that started with one number cannot both pass.
                if realname::verified_with(conn, &identity, &row.user_id)? >= limit as i64 {
                    return Err(ApiError::new(ErrorCode::IdcardExists));
                }
                realname::set(conn, &row)?;
                realname::set_status(conn, log_id, PASSED)?;
                Ok(())
            })
        })
        .await?;
    Ok(shown(&auth, Some(&cipher)))
}

/// Keeps the liveness photo as uni-id does (`user/id-card/<uid>.b64`: base64, encrypted), in the
/// data directory, readable by the server's user only; answers its path.
fn store_picture(
    call: &Caller,
    uid: &str,
    cipher: &SensitiveCipher,
    bytes: &[u8],
) -> ApiResult<String> {
    use base64::Engine;
    use std::io::Write;
    let dir = call.host.config.server.data_dir.join("id-card");
    let write = || -> std::io::Result<()> {
        crate::files::private_dir(&dir)?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        let mut file = crate::files::private_file(&dir.join(format!("{uid}.b64")), true)?;
        file.write_all(cipher.encrypt(&encoded).as_bytes())
    };
    write().map_err(|e| ApiError::system(format_args!("cannot keep the liveness photo: {e}")))?;
    Ok(format!("user/id-card/{uid}.b64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_is_beijing_time() {
        // 2024-03-01T15:59:59Z is 23:59:59 in Beijing; a second later it is the next day.
        let before = 1_709_308_799_000;
        assert_eq!(beijing_day_start(before), 1_709_222_400_000);
        assert_eq!(beijing_day_start(before + 1000), 1_709_308_800_000);
    }

    #[test]
    fn shown_masks_and_decrypts() {
        let c = SensitiveCipher::of(Some(&crate::secret::Secret::new(
            "0123456789abcdef0123456789ABCDEF",
        )))
        .expect("a 32-byte key");
        let auth = json!({
            "type": 0, "auth_status": 2,
            "real_name": c.encrypt("张三丰"), "identity": c.encrypt("110101199003070011"),
        });
        let s = shown(&auth, Some(&c));
        assert_eq!(s.real_name.as_deref(), Some("**丰"));
        assert_eq!(s.identity.as_deref(), Some("1****************1"));
        assert_eq!(s.auth_status, Some(2));
        let plain = json!({"type": 0, "auth_status": 2, "real_name": "李四", "identity": "X1"});
        assert_eq!(shown(&plain, None).real_name.as_deref(), Some("*四"));
        assert_eq!(shown(&Value::Null, None), RealnameInfo::default());
    }
}
