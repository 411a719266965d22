//! The built-in rules of uni-id-co's validator (spec §3.1) and their error codes.
//!
//! Lengths and character tests follow JavaScript: `\d` is ASCII only and `length` counts UTF-16
//! code units, because clients were written against uni-id and must see the same verdicts.

use serde_json::Value;

use super::password::{self, PasswordStrength};
use crate::error::{ApiError, ErrorCode};

/// uni-id's nickname limit, in UTF-16 code units (`nickname.length > 100`).
const MAX_NICKNAME_UTF16: usize = 100;
/// uni-id sets no server-side limit on usernames and e-mails; unid does, because identifiers
/// are indexed and a megabyte-long one would only be an attack. The username limit is four
/// times uni-id-pages' front-end limit of 32; the e-mail limit is RFC 5321's.
pub const MAX_USERNAME_BYTES: usize = 128;
pub const MAX_EMAIL_BYTES: usize = 254;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    Username,
    Password,
    Mobile,
    Email,
    Nickname,
    String,
    Number,
    Boolean,
    Null,
    Array,
}

impl Builtin {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "username" => Builtin::Username,
            "password" => Builtin::Password,
            "mobile" => Builtin::Mobile,
            "email" => Builtin::Email,
            "nickname" => Builtin::Nickname,
            "string" => Builtin::String,
            "number" => Builtin::Number,
            "boolean" => Builtin::Boolean,
            "null" => Builtin::Null,
            // uni-id has no `array` rule but its expression parser turns a bare `array` into
            // "any array"; a plain name is cheaper to look up than an expression.
            "array" => Builtin::Array,
            _ => return None,
        })
    }

    pub(crate) fn check(
        self,
        value: &Value,
        strength: Option<PasswordStrength>,
    ) -> Result<(), ApiError> {
        let ok = match self {
            Builtin::Username => username(value),
            Builtin::Password => return password::check(value, strength),
            Builtin::Mobile => mobile(value),
            Builtin::Email => email(value),
            Builtin::Nickname => nickname(value),
            Builtin::String => value.is_string(),
            Builtin::Number => value.is_number(),
            Builtin::Boolean => value.is_boolean(),
            Builtin::Null => value.is_null(),
            Builtin::Array => value.is_array(),
        };
        if ok {
            Ok(())
        } else {
            Err(ApiError::new(self.error_code()))
        }
    }

    fn error_code(self) -> ErrorCode {
        match self {
            Builtin::Username => ErrorCode::InvalidUsername,
            Builtin::Password => ErrorCode::InvalidPassword,
            Builtin::Mobile => ErrorCode::InvalidMobile,
            Builtin::Email => ErrorCode::InvalidEmail,
            Builtin::Nickname => ErrorCode::InvalidNickname,
            Builtin::String
            | Builtin::Number
            | Builtin::Boolean
            | Builtin::Null
            | Builtin::Array => ErrorCode::InvalidParam,
        }
    }
}

/// `/^\d+$/` in JavaScript: non-empty and ASCII digits only.
fn all_ascii_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A non-empty string of `[a-zA-Z0-9_-]` that is not all digits, at most
/// [`MAX_USERNAME_BYTES`] long.
fn username(value: &Value) -> bool {
    let Some(s) = value.as_str() else {
        return false;
    };
    !s.is_empty()
        && s.len() <= MAX_USERNAME_BYTES
        && !all_ascii_digits(s)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A string that is empty or matches `/^1\d{10}$/`. The empty string passes, as in uni-id; at
/// the top level it never gets here because blank parameters are treated as missing.
fn mobile(value: &Value) -> bool {
    let Some(s) = value.as_str() else {
        return false;
    };
    s.is_empty() || (s.len() == 11 && s.starts_with('1') && all_ascii_digits(s))
}

/// A string that is empty or contains `@` (uni-id checks nothing more), at most
/// [`MAX_EMAIL_BYTES`] long.
fn email(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|s| s.is_empty() || (s.contains('@') && s.len() <= MAX_EMAIL_BYTES))
}

/// No `@`, not all digits, at most 100 UTF-16 units, no zero-width characters. uni-id crashes
/// on a non-string nickname; here it is simply invalid.
fn nickname(value: &Value) -> bool {
    let Some(s) = value.as_str() else {
        return false;
    };
    !s.contains('@')
        && !all_ascii_digits(s)
        // A UTF-16 unit takes at least one UTF-8 byte, so short strings need no counting.
        && (s.len() <= MAX_NICKNAME_UTF16 || s.encode_utf16().count() <= MAX_NICKNAME_UTF16)
        && !s.contains(['\u{200B}', '\u{200C}', '\u{200D}', '\u{FEFF}', '\u{2060}'])
}
