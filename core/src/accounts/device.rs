//! Device tokens (OWASP's "device cookies"): after a successful sign-in the client gets a
//! signed token naming the account; presented with a later password login of that account, it
//! exempts that device from the account-wide measures an attacker can trigger (captcha,
//! delays), so failures from elsewhere never lock the owner out. The JSON API returns it as
//! `deviceToken` and takes it as the `deviceToken` parameter; the pages keep it in a cookie.
//!
//! `dev1.<uid>.<issued, s>.<nonce>.<mac>`: the MAC is keyed by the host's code secret. Each
//! token has its own failure counter (see `throttle`), so a stolen one buys a few guesses only.

use hmac::{Hmac, Mac};
use rand::RngCore;

use crate::secret::{Secret, ct_eq};

const PREFIX: &str = "dev1";

fn mac(secret: &Secret, uid: &str, issued: i64, nonce: &str) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes any key length");
    for part in ["unid-device", uid, &issued.to_string(), nonce] {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part.as_bytes());
    }
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// A new token for `uid`, issued at `now_ms`.
pub fn issue(secret: &Secret, uid: &str, now_ms: i64) -> String {
    let mut bytes = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut bytes);
    let nonce = hex::encode(bytes);
    let issued = now_ms / 1000;
    let mac = mac(secret, uid, issued, &nonce);
    format!("{PREFIX}.{uid}.{issued}.{nonce}.{mac}")
}

/// The token's nonce (its own counter's key) when it is one this host issued for `uid` within
/// the last `days` days.
pub fn verify(secret: &Secret, token: &str, uid: &str, now_ms: i64, days: u64) -> Option<String> {
    let mut parts = token.split('.');
    let (Some(PREFIX), Some(tuid), Some(issued), Some(nonce), Some(given), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let issued: i64 = issued.parse().ok()?;
    let age = now_ms / 1000 - issued;
    let max = i64::try_from(days)
        .unwrap_or(i64::MAX / 86_400)
        .saturating_mul(86_400);
    if tuid != uid || !(0..=max).contains(&age) || nonce.len() != 24 {
        return None;
    }
    ct_eq(mac(secret, uid, issued, nonce).as_bytes(), given.as_bytes()).then(|| nonce.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_belongs_to_its_account_and_ages() {
        let s = Secret::new("k");
        let now = 1_700_000_000_000;
        let t = issue(&s, "u1", now);
        assert!(verify(&s, &t, "u1", now, 180).is_some());
        assert!(verify(&s, &t, "u2", now, 180).is_none(), "another account");
        assert!(verify(&Secret::new("other"), &t, "u1", now, 180).is_none());
        assert!(
            verify(&s, &t, "u1", now + 181 * 86_400_000, 180).is_none(),
            "too old"
        );
        let forged = t.replacen("dev1.u1.1700000000", "dev1.u1.1700000001", 1);
        assert!(verify(&s, &forged, "u1", now + 5000, 180).is_none());
        assert!(verify(&s, "dev1.u1", "u1", now, 180).is_none());
        assert_ne!(issue(&s, "u1", now), t, "each token is new");
    }
}
