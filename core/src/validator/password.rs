//! The `password` rule: uni-id's `passwordStrength` levels, or unid's default policy when no
//! level is configured.
//!
//! uni-id's levels are JavaScript regexes with look-aheads (quoted in the spec, §3.1); Rust's
//! standard library has no regex engine and the `regex` crate has no look-around, so each level
//! is written out by hand. Their equivalence is not argued here but tested: a fixture generated
//! by running the original regexes in Node is replayed row by row (`tests/password.rs`).

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde_json::Value;

use crate::error::{ApiError, ErrorCode};

/// The longest password accepted at all, in UTF-8 bytes: it bounds the work of hashing and is
/// far beyond any level's 16-character limit.
pub const MAX_PASSWORD_BYTES: usize = 128;

/// The shortest password the default policy accepts, in characters. uni-id's default is 6; unid
/// is deliberately stricter.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// `passwordStrength` in the uni-id config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PasswordStrength {
    /// Upper- and lower-case letters, digits and symbols, 8–16 characters.
    Super,
    /// Letters, digits and symbols, 8–16 characters.
    Strong,
    /// At least two of letters, digits and symbols, 8–16 characters.
    Medium,
    /// Letters and digits, 6–16 characters.
    Weak,
}

impl PasswordStrength {
    pub const ALL: [PasswordStrength; 4] = [
        PasswordStrength::Super,
        PasswordStrength::Strong,
        PasswordStrength::Medium,
        PasswordStrength::Weak,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PasswordStrength::Super => "super",
            PasswordStrength::Strong => "strong",
            PasswordStrength::Medium => "medium",
            PasswordStrength::Weak => "weak",
        }
    }

    /// The code of a password that fails this level: `uni-id-invalid-password-<level>`.
    pub fn error_code(self) -> ErrorCode {
        match self {
            PasswordStrength::Super => ErrorCode::InvalidPasswordSuper,
            PasswordStrength::Strong => ErrorCode::InvalidPasswordStrong,
            PasswordStrength::Medium => ErrorCode::InvalidPasswordMedium,
            PasswordStrength::Weak => ErrorCode::InvalidPasswordWeak,
        }
    }

    /// Exactly what uni-id's regex of this level accepts.
    ///
    /// The regexes' character class (`0-9a-zA-Z` plus `` ~!@#$%^&*_-+=`|\(){}[]:;"'<>,.?/ ``)
    /// is precisely the printable ASCII range without space: the 32 symbols are all of ASCII
    /// punctuation. Being ASCII, a string that passes has as many UTF-16 units (what JS's
    /// `{8,16}` counts) as bytes. The look-aheads' `.` stops at line terminators, but those are
    /// outside the class anyway, so the look-aheads reduce to "contains a … somewhere"; `$`
    /// (no `m` flag) is the very end, so no trailing newline slips through.
    pub fn accepts(self, password: &str) -> bool {
        let bytes = password.as_bytes();
        let min = if self == PasswordStrength::Weak { 6 } else { 8 };
        if bytes.len() < min || bytes.len() > 16 || !bytes.iter().all(u8::is_ascii_graphic) {
            return false;
        }
        let (mut digit, mut lower, mut upper, mut symbol) = (false, false, false, false);
        for b in bytes {
            match b {
                b'0'..=b'9' => digit = true,
                b'a'..=b'z' => lower = true,
                b'A'..=b'Z' => upper = true,
                _ => symbol = true,
            }
        }
        let letter = lower || upper;
        match self {
            PasswordStrength::Super => digit && lower && upper && symbol,
            PasswordStrength::Strong => digit && letter && symbol,
            // "not all digits, not all letters, not all symbols" of a non-empty string.
            PasswordStrength::Medium => {
                usize::from(digit) + usize::from(letter) + usize::from(symbol) >= 2
            }
            PasswordStrength::Weak => digit && letter,
        }
    }
}

impl FromStr for PasswordStrength {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        PasswordStrength::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or_else(|| format!("Invalid password strength config: {s}"))
    }
}

impl fmt::Display for PasswordStrength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `password` rule.
pub(super) fn check(value: &Value, strength: Option<PasswordStrength>) -> Result<(), ApiError> {
    let Some(password) = value.as_str().filter(|s| !s.is_empty()) else {
        return Err(ApiError::new(ErrorCode::InvalidPassword));
    };
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::new(ErrorCode::InvalidPassword)
            .message("unid-password-too-long")
            .arg("max", MAX_PASSWORD_BYTES.to_string()));
    }
    match strength {
        Some(level) if level.accepts(password) => Ok(()),
        Some(level) => Err(ApiError::new(level.error_code())),
        None => default_policy(password),
    }
}

/// unid's policy without `passwordStrength`: length (NIST SP 800-63B style) and a blocklist,
/// no composition rules. The byte limit has already been checked, and 128 bytes hold at most
/// 128 characters, so only the minimum is left.
fn default_policy(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::new(ErrorCode::InvalidPassword)
            .message("unid-password-length")
            .arg("min", MIN_PASSWORD_CHARS.to_string())
            .arg("max", MAX_PASSWORD_BYTES.to_string()));
    }
    if is_common_password(password) {
        return Err(ApiError::new(ErrorCode::InvalidPassword).message("unid-password-too-common"));
    }
    if is_repetitive_or_sequential(password) {
        return Err(ApiError::new(ErrorCode::InvalidPassword).message("unid-password-too-simple"));
    }
    Ok(())
}

/// NIST SP 800-63B's "repetitive or sequential characters": a password that is a short
/// pattern repeated (`aaaaaaaa`, `12121212`, `abcabcab`), or no more than two runs of one
/// character or of consecutive characters (`abcdefgh`, `11112222`, `1234abcd`, `87654321`).
pub fn is_repetitive_or_sequential(password: &str) -> bool {
    let chars: Vec<char> = password.chars().collect();
    let repeated = (1..=4.min(chars.len() / 2))
        .any(|k| chars.iter().enumerate().all(|(i, c)| *c == chars[i % k]));
    if repeated {
        return true;
    }
    // Greedy runs: each continues while the step between code points stays the same and is
    // -1, 0 or +1.
    let mut runs = 0;
    let mut i = 0;
    while i < chars.len() {
        runs += 1;
        if runs > 2 {
            return false;
        }
        let mut j = i + 1;
        if j < chars.len() {
            let step = i64::from(u32::from(chars[j])) - i64::from(u32::from(chars[i]));
            if (-1..=1).contains(&step) {
                while j + 1 < chars.len()
                    && i64::from(u32::from(chars[j + 1])) - i64::from(u32::from(chars[j])) == step
                {
                    j += 1;
                }
                j += 1;
            }
        }
        i = j;
    }
    true
}

/// The shipped list (`core/data/common-passwords.txt`): lower-case, one per line, `#` comments.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Whether `password` is on the common-password list, ignoring case.
pub fn is_common_password(password: &str) -> bool {
    if password.is_ascii() && password.len() <= MAX_PASSWORD_BYTES {
        // The usual case: lower-case on the stack instead of allocating per request.
        let mut buf = [0u8; MAX_PASSWORD_BYTES];
        let lower = &mut buf[..password.len()];
        lower.copy_from_slice(password.as_bytes());
        lower.make_ascii_lowercase();
        return std::str::from_utf8(lower).is_ok_and(|lower| COMMON_PASSWORDS.contains(lower));
    }
    COMMON_PASSWORDS.contains(password.to_lowercase().as_str())
}
