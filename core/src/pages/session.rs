//! The browser's side of a page session: which cookies unid sets and what they mean.
//!
//! - `unid_session`: the user's uni-id token, the same row the JSON API checks, so logout, a
//!   password change, a ban or closing the account end the page session at once. HttpOnly,
//!   SameSite=Lax, `Secure` when `publicUrl` is https, path `/`.
//! - `unid_device`: a random device id (captchas are bound to it, as to `clientInfo.deviceId`),
//!   and the key the CSRF token of every form is derived from.
//! - `unid_locale`: the language chosen with `?locale=`.
//! - `unid_flash`: the id of a one-time notice shown on the page a form redirects to.
//! - `unid_known_device`: the device token of the last password sign-in (see
//!   `accounts::device`): attacks on the account from elsewhere never make this browser solve
//!   a captcha or wait.
//!
//! None of them is readable by scripts.

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use rand::RngCore;

use crate::secret::{Secret, ct_eq};

pub const SESSION: &str = "unid_session";
pub const DEVICE: &str = "unid_device";
pub const LOCALE: &str = "unid_locale";
pub const FLASH: &str = "unid_flash";
pub const KNOWN_DEVICE: &str = "unid_known_device";
/// A sign-in through another site in progress (see `pages::flow`).
pub const FLOW: &str = "unid_flow";

/// A cookie's value, when present and plausible.
pub fn read(req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty() && v.len() <= 4096)
}

/// A device id from the cookie, if it is one unid could have issued.
pub fn device_id(req: &HttpRequest) -> Option<String> {
    read(req, DEVICE).filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn new_device_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Builds the cookies a page answer sets.
#[derive(Debug, Clone, Copy)]
pub struct CookieJar {
    pub secure: bool,
}

impl CookieJar {
    fn base(self, name: &'static str, value: String, max_age: Option<Duration>) -> Cookie<'static> {
        let mut c = Cookie::build(name, value)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .finish();
        if let Some(age) = max_age {
            c.set_max_age(age);
        }
        c
    }

    /// The session lasts as long as its token; the browser may drop it sooner.
    pub fn session(self, token: &str, max_age_secs: i64) -> Cookie<'static> {
        self.base(
            SESSION,
            token.to_string(),
            Some(Duration::seconds(max_age_secs.max(0))),
        )
    }

    pub fn device(self, id: &str) -> Cookie<'static> {
        self.base(DEVICE, id.to_string(), Some(Duration::days(400)))
    }

    pub fn locale(self, tag: &str) -> Cookie<'static> {
        self.base(LOCALE, tag.to_string(), Some(Duration::days(400)))
    }

    pub fn known_device(self, token: &str, days: u64) -> Cookie<'static> {
        let days = i64::try_from(days).unwrap_or(400).min(400);
        self.base(KNOWN_DEVICE, token.to_string(), Some(Duration::days(days)))
    }

    pub fn flow(self, value: &str, max_age_secs: i64) -> Cookie<'static> {
        self.base(
            FLOW,
            value.to_string(),
            Some(Duration::seconds(max_age_secs)),
        )
    }

    pub fn flash(self, id: &str) -> Cookie<'static> {
        self.base(FLASH, id.to_string(), Some(Duration::seconds(60)))
    }

    /// A cookie that removes `name`.
    pub fn removal(self, name: &'static str) -> Cookie<'static> {
        self.base(name, String::new(), Some(Duration::ZERO))
    }
}

/// The CSRF token of every form for a device: a keyed hash of its device id. A page on another
/// site can make the browser send the cookies, but cannot read the token.
pub fn csrf_token(key: &Secret, device: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.expose().as_bytes())
        .expect("HMAC takes any key length");
    mac.update(b"unid-csrf\0");
    mac.update(device.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

pub fn csrf_ok(key: &Secret, device: &str, presented: &str) -> bool {
    ct_eq(csrf_token(key, device).as_bytes(), presented.as_bytes())
}

/// `uniIdRedirectUrl` / `redirect`, kept only when it is a path on this site: `/x`, never
/// `//x`, `/\x`, a scheme, or anything with control characters or a backslash.
pub fn safe_redirect(target: &str) -> Option<String> {
    let ok = target.starts_with('/')
        && !target.starts_with("//")
        && !target.contains('\\')
        && target.len() <= 2048
        && !target.chars().any(|c| c.is_control() || c.is_whitespace());
    ok.then(|| target.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_paths_are_followed() {
        for good in ["/userinfo", "/a/b?c=d&e=%2F", "/"] {
            assert_eq!(safe_redirect(good).as_deref(), Some(good));
        }
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "http:evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/x\ny",
            "/ x",
            "",
        ] {
            assert_eq!(safe_redirect(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn csrf_tokens_belong_to_their_device() {
        let key = Secret::new("k");
        let t = csrf_token(&key, "aaaa");
        assert!(csrf_ok(&key, "aaaa", &t));
        assert!(!csrf_ok(&key, "bbbb", &t));
        assert!(!csrf_ok(&Secret::new("other"), "aaaa", &t));
        assert!(!csrf_ok(&key, "aaaa", ""));
    }
}
