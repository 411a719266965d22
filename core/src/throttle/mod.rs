//! Password-error throttling: uni-id's per-account-and-IP limit (spec §7) plus what it lacks —
//! per account across all IPs an escalation its owner can always pass (a captcha, then a
//! growing delay, and an exemption for devices that signed in before, see
//! `accounts::device`), and per IP across all accounts a temporary lock. Every counter lives in
//! the `throttles` table and is updated by one atomic statement, so several instances count
//! together; every lock ends with its window.

use crate::config::{Effective, ThrottleConfig};
use crate::db::DbConn;
use crate::db::models::throttles::{self, Counter, Window};

/// The counters one login attempt touches.
pub struct LoginKeys {
    /// uni-id's `login_ip_limit` entry: this account from this IP.
    pair: String,
    account: String,
    ip: String,
    /// The presented device token's own counter, when it is valid for this account.
    device: Option<String>,
}

impl LoginKeys {
    /// `account` is the user id, or for an unknown account the identifier that was tried, so
    /// unknown accounts are throttled exactly like real ones. `device` is the nonce of a valid
    /// device token for this account.
    pub fn new(account: &str, ip: &str, device: Option<&str>) -> Self {
        let account = bounded(account);
        LoginKeys {
            pair: format!("pwd:{account}:{ip}"),
            account: format!("pwd-account:{account}"),
            ip: format!("pwd-ip:{ip}"),
            device: device.map(|d| format!("pwd-device:{}", bounded(d))),
        }
    }
}

/// What a login attempt must get past before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Refuse without checking the password (`uni-id-password-error-exceed-limit`).
    pub locked: bool,
    /// Ask for a captcha whatever uni-id's own rule says.
    pub captcha: bool,
    /// Wait this long before answering.
    pub delay_ms: u64,
    /// The device token was honoured: its device is exempt from the account-wide measures.
    pub known_device: bool,
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

    fn pair<'k>(&self, keys: &'k LoginKeys) -> Counter<'k> {
        Counter {
            key: &keys.pair,
            window_ms: self.pair_window(),
            mode: Window::Sliding,
        }
    }

    /// The counters of an attempt from a device the account does not know: the account from
    /// this IP (uni-id's sliding window), this IP, and the account from anywhere.
    fn unknown<'k>(&self, keys: &'k LoginKeys) -> [Counter<'k>; 3] {
        [
            self.pair(keys),
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

    /// The counters of an attempt with a valid device token: the pair, and the token's own.
    fn known<'k>(&self, keys: &'k LoginKeys, device: &'k str) -> [Counter<'k>; 2] {
        [
            self.pair(keys),
            Counter {
                key: device,
                window_ms: self.pair_window(),
                mode: Window::Sliding,
            },
        ]
    }

    pub fn verdict(&self, conn: &mut DbConn, keys: &LoginKeys) -> diesel::QueryResult<Verdict> {
        let limit = i64::from(self.effective.password_error_limit);
        if let Some(device) = &keys.device {
            let counts = throttles::peek_all(conn, &self.known(keys, device), self.now)?;
            let [pair, own] = counts[..] else {
                unreachable!("one count per counter")
            };
            if pair >= limit {
                return Ok(Verdict {
                    locked: true,
                    ..Verdict::default()
                });
            }
            // A token used for many wrong guesses is trusted no more (until its window ends).
            if own < limit {
                return Ok(Verdict {
                    known_device: true,
                    ..Verdict::default()
                });
            }
        }
        let counts = throttles::peek_all(conn, &self.unknown(keys), self.now)?;
        let [pair, ip, account] = counts[..] else {
            unreachable!("one count per counter")
        };
        if pair >= limit || ip >= i64::from(self.config.ip_lock_after) {
            return Ok(Verdict {
                locked: true,
                ..Verdict::default()
            });
        }
        let after = i64::from(self.config.account_delay_after);
        let delay_ms = if account >= after {
            let steps = u64::try_from(account - after + 1).unwrap_or(u64::MAX);
            steps
                .saturating_mul(self.config.account_delay_step_ms)
                .min(self.config.account_delay_max_ms)
        } else {
            0
        };
        Ok(Verdict {
            captcha: account >= i64::from(self.config.account_captcha_after),
            delay_ms,
            ..Verdict::default()
        })
    }

    /// A wrong password: a known device counts against its token and the pair only, so the
    /// owner's typos never escalate the account; anyone else against the pair, the IP and the
    /// account.
    pub fn record_failure(
        &self,
        conn: &mut DbConn,
        keys: &LoginKeys,
        verdict: &Verdict,
    ) -> diesel::QueryResult<()> {
        match (&keys.device, verdict.known_device) {
            (Some(device), true) => {
                throttles::hit_all(conn, &self.known(keys, device), self.now).map(|_| ())
            }
            _ => throttles::hit_all(conn, &self.unknown(keys), self.now).map(|_| ()),
        }
    }

    /// A correct password clears the account's counters, not the IP's: one good account must
    /// not let an IP reset its own limit.
    pub fn record_success(&self, conn: &mut DbConn, keys: &LoginKeys) -> diesel::QueryResult<()> {
        let mut reset = vec![keys.pair.as_str(), keys.account.as_str()];
        if let Some(d) = &keys.device {
            reset.push(d);
        }
        throttles::reset_all(conn, &reset)
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
