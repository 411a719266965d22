//! Image captchas (uni-captcha, spec §8): bound to `clientInfo.deviceId` + scene, stored as a
//! keyed hash, single use, expiring, compared case-insensitively. The answer never appears in a
//! response or a log: the image draws it as paths (see [`image`]).
//!
//! Unlike uni-captcha, a wrong answer voids the captcha, so each image allows one guess.

pub mod image;

use hmac::{Hmac, Mac};

use crate::accounts::log::Subject;
use crate::config::CaptchaConfig;
use crate::db::DbConn;
use crate::db::models::codes::{self, Consumed, NewCode};
use crate::db::models::logs::{self, LogSubject};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::secret::Secret;

/// `CAPTCHA_SCENE` (spec §8.1), plus the scenes of the methods uni-id reserved but never built
/// (`loginByEmailCode`, `bindEmail`), whose captcha rule needs a captcha a client can create.
pub const SCENES: &[&str] = &[
    "register",
    "login-by-pwd",
    "login-by-sms",
    "reset-pwd-by-sms",
    "reset-pwd-by-email",
    "send-sms-code",
    "send-email-code",
    "bind-mobile-by-sms",
    "set-pwd-by-sms",
    "login-by-email",
    "bind-email",
];

const KIND: &str = "captcha";
/// uni-id's `getNeedCaptcha`: the last 3 attempts within 2 hours all failed (spec §8.2).
const NEED_WINDOW_MS: i64 = 2 * 3600 * 1000;
const NEED_AFTER_FAILURES: i64 = 3;
/// The answer test mode always uses.
pub const TEST_MODE_ANSWER: &str = "1234";

/// Everything captcha work needs from the host.
pub struct CaptchaCtx<'a> {
    pub config: &'a CaptchaConfig,
    pub secret: &'a Secret,
    pub test_mode: bool,
    pub now: i64,
}

impl CaptchaCtx<'_> {
    /// The host's captcha settings at `now`.
    pub fn of(host: &crate::host::Host, now: i64) -> CaptchaCtx<'_> {
        CaptchaCtx {
            config: &host.config.captcha,
            secret: &host.settings.code_secret,
            test_mode: host.config.test_mode,
            now,
        }
    }
}

/// A new captcha image (a `data:` URI) for `device` and `scene`, replacing any earlier one;
/// `refresh` is uni-captcha's `refresh`, which answers the same way.
pub async fn issue_image(
    host: &crate::host::Host,
    device: String,
    scene: String,
    ip: String,
    refresh: bool,
) -> ApiResult<String> {
    if !SCENES.contains(&scene.as_str()) {
        return Err(ApiError::new(ErrorCode::InvalidParam));
    }
    let now = host.clock.now_ms();
    let worker = host.clone();
    let limit = i64::from(host.config.throttle.captcha_per_ip_per_minute);
    host.db
        .run(move |conn| {
            // Counted before any drawing: a flood costs one upsert per call, nothing more.
            let key = format!("captcha-ip:{ip}");
            let hits = crate::db::models::throttles::hit_all(
                conn,
                &[crate::db::models::throttles::Counter {
                    key: &key,
                    window_ms: 60_000,
                    mode: crate::db::models::throttles::Window::Fixed,
                }],
                now,
            )?;
            if hits.first().copied().unwrap_or(0) > limit {
                return Err(
                    ApiError::new(ErrorCode::RateLimited).detail("captchas per IP per minute")
                );
            }
            let cx = CaptchaCtx::of(&worker, now);
            if refresh {
                self::refresh(conn, &cx, &device, &scene, &ip)
            } else {
                create(conn, &cx, &device, &scene, &ip)
            }
        })
        .await
}

/// Keyed hash of an answer, bound to its device and scene.
pub fn answer_hash(secret: &Secret, device: &str, scene: &str, answer: &str) -> String {
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes any key length");
    for part in [KIND, device, scene, &answer.to_lowercase()] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    hex::encode(mac.finalize().into_bytes())
}

/// Creates a captcha and returns its image as a data URI (`captchaBase64`).
pub fn create(
    conn: &mut DbConn,
    cx: &CaptchaCtx,
    device: &str,
    scene: &str,
    ip: &str,
) -> ApiResult<String> {
    let scene_config = cx.config.scene.get(scene);
    let size = scene_config.and_then(|s| s.size).unwrap_or(cx.config.size);
    let ttl_secs = scene_config
        .and_then(|s| s.expires_date)
        .unwrap_or(cx.config.expires_date);
    // The thread's ChaCha generator, seeded from the OS: an image takes hundreds of draws, and
    // OsRng would make each a getrandom system call.
    let mut rng = rand::thread_rng();
    let text = if cx.test_mode {
        TEST_MODE_ANSWER.to_string()
    } else {
        image::random_text(&mut rng, size)
    };
    let options = image::ImageOptions {
        width: cx.config.width,
        height: cx.config.height,
        noise: cx.config.noise,
        background: cx.config.background.clone(),
        color: cx.config.color,
    };
    let svg = image::render_svg(&text, &options, &mut rng);
    codes::insert(
        conn,
        &NewCode {
            kind: KIND.to_string(),
            target: device.to_string(),
            scene: scene.to_string(),
            code_hash: answer_hash(cx.secret, device, scene, &text),
            state: 0,
            attempts: 0,
            ip: Some(ip.to_string()),
            created_date: cx.now,
            expired_date: cx.now + i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2000) * 1000,
        },
    )?;
    Ok(image::to_data_uri(&svg))
}

/// Voids the device's pending captcha for `scene` and creates a new one (`refresh`).
pub fn refresh(
    conn: &mut DbConn,
    cx: &CaptchaCtx,
    device: &str,
    scene: &str,
    ip: &str,
) -> ApiResult<String> {
    if codes::void_pending(conn, KIND, device, scene)? == 0 {
        return Err(ApiError::new(ErrorCode::CaptchaRefreshFail).arg("scene", scene));
    }
    create(conn, cx, device, scene, ip)
}

/// Checks and consumes the device's newest captcha for `scene`.
pub fn verify(
    conn: &mut DbConn,
    cx: &CaptchaCtx,
    device: &str,
    scene: &str,
    answer: &str,
) -> ApiResult<()> {
    if answer.trim().is_empty() {
        return Err(ApiError::new(ErrorCode::CaptchaTextRequired));
    }
    let given = answer_hash(cx.secret, device, scene, answer.trim());
    // One guess per image: a wrong answer voids it (max_attempts 1).
    match codes::consume_newest(conn, KIND, device, scene, &given, cx.now, 1)? {
        Consumed::Accepted => Ok(()),
        Consumed::Expired => Err(ApiError::new(ErrorCode::CaptchaVerifyOverdue)),
        Consumed::Missing | Consumed::Wrong => Err(ApiError::new(ErrorCode::CaptchaVerifyFail)),
    }
}

/// uni-id's `getNeedCaptcha` (spec §8.2): the last three `type_` attempts from `ip` about
/// `subject` within two hours all failed.
pub fn needed_by_log(
    conn: &mut DbConn,
    now: i64,
    ip: &str,
    subject: &Subject,
    type_: &str,
) -> ApiResult<bool> {
    let subject = if let Some(v) = &subject.user_id {
        LogSubject::UserId(v.clone())
    } else if let Some(v) = &subject.username {
        LogSubject::Username(v.clone())
    } else if let Some(v) = &subject.mobile {
        LogSubject::Mobile(v.clone())
    } else if let Some(v) = &subject.email {
        LogSubject::Email(v.clone())
    } else {
        return Ok(false);
    };
    let states = logs::recent_states(
        conn,
        ip,
        &subject,
        type_,
        now - NEED_WINDOW_MS,
        NEED_AFTER_FAILURES,
    )?;
    Ok(states.len() as i64 == NEED_AFTER_FAILURES && states.iter().all(|s| *s == 0))
}

/// When a captcha is needed: `uni-id-captcha-required` without one, else verify it.
pub fn require(
    conn: &mut DbConn,
    cx: &CaptchaCtx,
    device: Option<&str>,
    scene: &str,
    answer: Option<&str>,
) -> ApiResult<()> {
    let Some(answer) = answer.filter(|a| !a.trim().is_empty()) else {
        return Err(ApiError::new(ErrorCode::CaptchaRequired));
    };
    let device = device.ok_or_else(|| ApiError::new(ErrorCode::CaptchaDeviceIdRequired))?;
    verify(conn, cx, device, scene, answer)
}
