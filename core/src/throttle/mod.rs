//! Password-error throttling: uni-id's per-account-and-IP limit (spec §7) plus two limits it
//! lacks — per account across all IPs (captcha, then a temporary lock) and per IP across all
//! accounts (a temporary lock). Every counter lives in the `throttles` table and is updated by
//! one atomic statement, so several instances count together; every lock ends with its window.

use crate::config::{Effective, ThrottleConfig};
use crate::db::DbConn;
use crate::db::models::throttles::{self, Counter, Window};

/// The counters one login attempt touches.
pub struct LoginKeys {
    /// uni-id's `login_ip_limit` entry: this account from this IP.
    pair: String,
    account: String,
    ip: String,
}

impl LoginKeys {
    /// `account` is the user id, or for an unknown account the identifier that was tried, so
    /// unknown accounts are throttled exactly like real ones.
    pub fn new(account: &str, ip: &str) -> Self {
        let account = bounded(account);
        LoginKeys {
            pair: format!("pwd:{account}:{ip}"),
            account: format!("pwd-account:{account}"),
            ip: format!("pwd-ip:{ip}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// The account has failed often from many places: always ask for a captcha.
    CaptchaRequired,
    /// Refuse without checking the password.
    Locked,
}

pub struct LoginThrottle<'a> {
    pub config: &'a ThrottleConfig,
    pub effective: &'a Effective,
    pub now: i64,
}

impl LoginThrottle<'_> {
    fn pair_window(&self) -> i64 {
        secs_to_ms(self.effective.password_error_retry_time)
    }

    /// The three counters a password login is judged by: the account from this IP (uni-id's
    /// sliding window), this IP, and the account from anywhere.
    fn counters<'k>(&self, keys: &'k LoginKeys) -> [Counter<'k>; 3] {
        [
            Counter {
                key: &keys.pair,
                window_ms: self.pair_window(),
                mode: Window::Sliding,
            },
            Counter {
                key: &keys.ip,
                window_ms: secs_to_ms(self.config.ip_window),
                mode: Window::Fixed,
            },
            Counter {
                key: &keys.account,
                window_ms: secs_to_ms(self.config.account_window),
                mode: Window::Fixed,
            },
        ]
    }

    pub fn verdict(&self, conn: &mut DbConn, keys: &LoginKeys) -> diesel::QueryResult<Verdict> {
        let counts = throttles::peek_all(conn, &self.counters(keys), self.now)?;
        let [pair, ip, account] = counts[..] else {
            unreachable!("one count per counter")
        };
        if pair >= i64::from(self.effective.password_error_limit)
            || ip >= i64::from(self.config.ip_lock_after)
            || account >= i64::from(self.config.account_lock_after)
        {
            return Ok(Verdict::Locked);
        }
        if account >= i64::from(self.config.account_captcha_after) {
            return Ok(Verdict::CaptchaRequired);
        }
        Ok(Verdict::Allowed)
    }

    pub fn record_failure(&self, conn: &mut DbConn, keys: &LoginKeys) -> diesel::QueryResult<()> {
        throttles::hit_all(conn, &self.counters(keys), self.now).map(|_| ())
    }

    /// A correct password clears the account's counters, not the IP's: one good account must
    /// not let an IP reset its own limit.
    pub fn record_success(&self, conn: &mut DbConn, keys: &LoginKeys) -> diesel::QueryResult<()> {
        throttles::reset_all(conn, &[&keys.pair, &keys.account])
    }
}

/// Keeps counter keys short enough for any index: a long part is replaced by its hash.
fn bounded(part: &str) -> String {
    use sha2::Digest;
    if part.len() <= 80 {
        part.to_string()
    } else {
        format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(part.as_bytes()))
        )
    }
}

fn secs_to_ms(secs: u64) -> i64 {
    i64::try_from(secs)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000)
}
