//! Verification codes sent by SMS or e-mail (spec §9), as a host service plugins borrow.
//!
//! Unlike uni-id: codes come from a CSPRNG, are stored as keyed hashes, bound to target + scene,
//! single use even under concurrent attempts, void after [`CodesConfig::max_attempts`] wrong
//! guesses, and a new code replaces the previous one (only the newest is ever checked). Sends
//! are capped per target and scene, per target per day and per IP per hour, counted in the
//! database so every instance shares them.
//! The caller stores the code first and sends it afterwards, outside any database connection.

use hmac::{Hmac, Mac};
use rand::Rng;

use crate::config::CodesConfig;
use crate::db::DbConn;
use crate::db::models::codes::{self, Consumed, NewCode};
use crate::db::models::throttles::{self, Counter, Window};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::secret::Secret;

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

impl CodesCtx<'_> {
    /// The host's verification-code settings at `now`.
    pub fn of(host: &crate::host::Host, now: i64) -> CodesCtx<'_> {
        CodesCtx {
            config: &host.config.codes,
            secret: &host.settings.code_secret,
            test_mode: host.config.test_mode,
            now,
        }
    }
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

/// The send caps' counters: per target and scene, per target per day, per IP.
fn cap_keys(channel: Channel, target: &str, scene: &str, ip: &str) -> [String; 3] {
    let kind = channel.kind();
    [
        format!("code-send:{kind}:{target}:{scene}"),
        format!("code-day:{kind}:{target}"),
        format!("code-ip:{ip}"),
    ]
}

/// Applies the send caps in one statement. A send refused by one cap counts against it and
/// the caps before it, not the ones after: hammering the 60-second cap must not use up the
/// number's daily allowance.
fn check_caps(
    conn: &mut DbConn,
    cx: &CodesCtx,
    channel: Channel,
    target: &str,
    scene: &str,
    ip: &str,
) -> ApiResult<()> {
    let c = cx.config;
    let keys = cap_keys(channel, target, scene, ip);
    let limits = [
        (c.send_interval, 1),
        (86_400, c.per_target_per_day),
        (3_600, c.per_ip_per_hour),
    ];
    let counters: Vec<Counter> = keys
        .iter()
        .zip(limits)
        .map(|(key, (window_secs, _))| Counter {
            key,
            window_ms: i64::try_from(window_secs).unwrap_or(i64::MAX / 1000) * 1000,
            mode: Window::Fixed,
        })
        .collect();
    let hits = throttles::hit_all(conn, &counters, cx.now)?;
    let refused = hits
        .iter()
        .zip(limits)
        .position(|(hits, (_, max))| *hits > i64::from(max));
    if let Some(i) = refused {
        let later: Vec<&str> = keys[i + 1..].iter().map(String::as_str).collect();
        throttles::unhit(conn, &later)?;
        return Err(send_limit().detail(format_args!("send cap {}", keys[i])));
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
    // The new code replaces the previous one without touching it: only the newest code for a
    // target and scene is ever checked (see `codes::consume_newest`).
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

/// Takes back an [`issue`] whose code the provider did not deliver: the code is voided and the
/// send stops counting against the target's caps, so the user can ask again at once instead of
/// waiting out the interval for a message that never came. It keeps counting against the IP's
/// hourly cap, which bounds how hard one client can drive a failing provider.
pub fn withdraw(
    conn: &mut DbConn,
    channel: Channel,
    target: &str,
    scene: &str,
    ip: &str,
) -> ApiResult<()> {
    let [per_scene, per_day, _per_ip] = cap_keys(channel, target, scene, ip);
    throttles::unhit(conn, &[&per_scene, &per_day])?;
    codes::void_pending(conn, channel.kind(), target, scene)?;
    Ok(())
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
    let given = code_hash(cx.secret, channel, target, scene, code.trim());
    let max_attempts = i32::try_from(cx.config.max_attempts).unwrap_or(i32::MAX);
    match codes::consume_newest(
        conn,
        channel.kind(),
        target,
        scene,
        &given,
        cx.now,
        max_attempts,
    )? {
        Consumed::Accepted => Ok(()),
        Consumed::Expired => Err(ApiError::new(channel.error()).detail("expired")),
        Consumed::Missing | Consumed::Wrong => Err(ApiError::new(channel.error())),
    }
}
