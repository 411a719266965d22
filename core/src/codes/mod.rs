//! Verification codes sent by SMS or e-mail (spec §9), as a host service plugins borrow.
//!
//! Unlike uni-id: codes come from a CSPRNG, are stored as keyed hashes, bound to target + scene,
//! single use even under concurrent attempts, void after [`CodesConfig::max_attempts`] wrong
//! guesses, and a new code voids the previous one. Sends are capped per target and scene, per
//! target per day and per IP per hour, counted in the database so every instance shares them.
//! The caller stores the code first and sends it afterwards, outside any database connection.

use hmac::{Hmac, Mac};
use rand::Rng;

use crate::config::CodesConfig;
use crate::db::DbConn;
use crate::db::models::codes::{self, NewCode, USED, VOID};
use crate::db::models::throttles::{self, Window};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::secret::{Secret, ct_eq};

/// The code test mode always uses (uni-id's).
pub const TEST_MODE_CODE: &str = "123456";
/// uni-id's default lifetime, and unid's ceiling for any configured one.
pub const DEFAULT_TTL_SECS: u64 = 180;
pub const MAX_TTL_SECS: u64 = 600;

/// Where a code goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Sms,
    Email,
}

impl Channel {
    fn kind(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
        }
    }

    /// uni-id's error for a wrong, used or expired code on this channel.
    pub fn error(self) -> ErrorCode {
        match self {
            Channel::Sms => ErrorCode::MobileVerifyCodeError,
            Channel::Email => ErrorCode::EmailVerifyCodeError,
        }
    }
}

/// What code work needs from the host.
pub struct CodesCtx<'a> {
    pub config: &'a CodesConfig,
    pub secret: &'a Secret,
    pub test_mode: bool,
    pub now: i64,
}

fn code_hash(secret: &Secret, channel: Channel, target: &str, scene: &str, code: &str) -> String {
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes any key length");
    for part in [channel.kind(), target, scene, code] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

fn send_limit() -> ApiError {
    ApiError::new(ErrorCode::CodeSendLimit)
}

/// Applies the send caps; each counts this attempt.
fn check_caps(
    conn: &mut DbConn,
    cx: &CodesCtx,
    channel: Channel,
    target: &str,
    scene: &str,
    ip: &str,
) -> ApiResult<()> {
    let c = cx.config;
    let kind = channel.kind();
    let caps = [
        (
            format!("code-send:{kind}:{target}:{scene}"),
            c.send_interval,
            1,
        ),
        (
            format!("code-day:{kind}:{target}"),
            86_400,
            c.per_target_per_day,
        ),
        (format!("code-ip:{ip}"), 3_600, c.per_ip_per_hour),
    ];
    for (key, window_secs, max) in caps {
        let hits = throttles::hit(
            conn,
            &key,
            cx.now,
            i64::try_from(window_secs).unwrap_or(i64::MAX / 1000) * 1000,
            Window::Fixed,
        )?;
        if hits > i64::from(max) {
            return Err(send_limit().detail(format_args!("send cap {key}")));
        }
    }
    Ok(())
}

/// Creates a code for `target` + `scene` (voiding the previous one) and returns it for
/// delivery. `ttl_secs` is capped at [`MAX_TTL_SECS`].
pub fn issue(
    conn: &mut DbConn,
    cx: &CodesCtx,
    channel: Channel,
    target: &str,
    scene: &str,
    ip: &str,
    ttl_secs: u64,
) -> ApiResult<Secret> {
    check_caps(conn, cx, channel, target, scene, ip)?;
    let code = if cx.test_mode {
        TEST_MODE_CODE.to_string()
    } else {
        format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
    };
    let ttl = ttl_secs.clamp(1, MAX_TTL_SECS);
    // No transaction needed: the send-interval cap above already lets only one send per target
    // and scene through at a time, and an interrupted pair leaves at worst no valid code.
    codes::void_pending(conn, channel.kind(), target, scene)?;
    codes::insert(
        conn,
        &NewCode {
            kind: channel.kind().to_string(),
            target: target.to_string(),
            scene: scene.to_string(),
            code_hash: code_hash(cx.secret, channel, target, scene, &code),
            state: 0,
            attempts: 0,
            ip: Some(ip.to_string()),
            created_date: cx.now,
            expired_date: cx.now + i64::try_from(ttl).unwrap_or(0) * 1000,
        },
    )?;
    Ok(Secret::new(code))
}

/// Checks and consumes the newest code for `target` + `scene`.
pub fn verify(
    conn: &mut DbConn,
    cx: &CodesCtx,
    channel: Channel,
    target: &str,
    scene: &str,
    code: &str,
) -> ApiResult<()> {
    let wrong = || ApiError::new(channel.error());
    let Some(row) = codes::newest_pending(conn, channel.kind(), target, scene)? else {
        return Err(wrong());
    };
    if row.expired_date < cx.now {
        codes::finish(conn, row.id, VOID)?;
        return Err(wrong().detail("expired"));
    }
    let given = code_hash(cx.secret, channel, target, scene, code.trim());
    if !ct_eq(given.as_bytes(), row.code_hash.as_bytes()) {
        if codes::add_attempt(conn, row.id)?
            >= i32::try_from(cx.config.max_attempts).unwrap_or(i32::MAX)
        {
            codes::finish(conn, row.id, VOID)?;
        }
        return Err(wrong());
    }
    // Two requests with the right code at once: only the one that flips the state wins.
    if !codes::finish(conn, row.id, USED)? {
        return Err(wrong().detail("used concurrently"));
    }
    Ok(())
}
