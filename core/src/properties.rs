//! Property tests over everything that reads untrusted input (issue 8, item 3): the validator,
//! token parsing, phone and e-mail parsing, `clientInfo`. Whatever arrives, they answer with a
//! uni-id error or a value, never a panic.

use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::accounts::ClientInfo;
use crate::accounts::phone;
use crate::error::ErrorCode;
use crate::tokens::jwt;
use crate::validator::{PasswordStrength, Validator};

/// Any JSON value, strings drawn from all of Unicode (control characters and NUL included).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[0-9]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Params shaped like a real call: the schema's keys, with any values.
fn params() -> impl Strategy<Value = Value> {
    let keys = [
        "username",
        "password",
        "mobile",
        "email",
        "captcha",
        "nickname",
        "inviteCode",
        "code",
        "oldPassword",
        "newPassword",
        "scene",
    ];
    prop::collection::vec((prop::sample::select(keys.to_vec()), json_value()), 0..8).prop_map(
        |pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()),
    )
}

const SCHEMAS: &[&crate::validator::Schema] = &[
    crate::accounts::login::LOGIN_SCHEMA,
    crate::accounts::register::REGISTER_USER_SCHEMA,
    crate::accounts::register::REGISTER_ADMIN_SCHEMA,
    crate::accounts::account::UPDATE_PWD_SCHEMA,
    crate::accounts::account::NICKNAME_SCHEMA,
];

/// The codes a parameter check may answer with.
fn is_validator_code(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::InvalidParam
            | ErrorCode::ParamRequired
            | ErrorCode::InvalidUsername
            | ErrorCode::InvalidPassword
            | ErrorCode::InvalidPasswordSuper
            | ErrorCode::InvalidPasswordStrong
            | ErrorCode::InvalidPasswordMedium
            | ErrorCode::InvalidPasswordWeak
            | ErrorCode::InvalidMobile
            | ErrorCode::InvalidEmail
            | ErrorCode::InvalidNickname
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn the_validator_answers_every_input_with_a_uni_id_code(p in params(), strength in prop::option::of(prop::sample::select(vec![
        PasswordStrength::Super, PasswordStrength::Strong, PasswordStrength::Medium, PasswordStrength::Weak,
    ]))) {
        let v = Validator::new(strength);
        for schema in SCHEMAS {
            if let Err(e) = v.validate(&p, schema) {
                prop_assert!(is_validator_code(e.code), "{:?}", e.code);
            }
        }
    }

    #[test]
    fn every_rule_takes_any_value(value in json_value()) {
        let v = Validator::new(None);
        for rule in ["username", "password", "mobile", "email", "nickname", "string", "number",
                     "boolean", "array<string>", "string|number", "array<string|number>"] {
            if let Err(e) = v.check(rule, &value) {
                prop_assert!(is_validator_code(e.code), "{rule}: {:?}", e.code);
            }
        }
    }

    #[test]
    fn a_control_character_anywhere_is_an_invalid_param(prefix in "[a-z]{0,8}", c in prop::char::range('\u{0}', '\u{8}')) {
        let p = serde_json::json!({"username": format!("{prefix}{c}"), "password": "x"});
        let e = Validator::new(None).validate(&p, crate::accounts::login::LOGIN_SCHEMA).expect_err("refused");
        prop_assert_eq!(e.code, ErrorCode::InvalidParam);
    }

    #[test]
    fn token_parsing_never_panics(token in any::<String>(), secret in any::<Vec<u8>>(), now in any::<i64>()) {
        let _ = jwt::verify(&token, &secret, now);
    }

    #[test]
    fn tokens_of_three_parts_of_any_base64_never_panic(a in "[A-Za-z0-9_-]{0,60}", b in "[A-Za-z0-9_-]{0,200}", c in "[A-Za-z0-9_-]{0,60}") {
        let _ = jwt::verify(&format!("{a}.{b}.{c}"), b"secret", 0);
    }

    #[test]
    fn signed_tokens_verify_and_others_do_not(uid in "[0-9a-f]{24}", role in prop::collection::vec("[a-z]{1,8}", 0..3), flip in 0usize..200) {
        let claims = jwt::Claims {
            uid, role, permission: vec![], uni_id_version: None,
            iat: 1_700_000_000, exp: 1_800_000_000, jti: Some(jwt::new_jti()),
        };
        let token = jwt::sign(&claims, b"secret");
        prop_assert_eq!(jwt::verify(&token, b"secret", 1_700_000_000_000).ok(), Some(claims));
        let mut bytes = token.into_bytes();
        let i = flip % bytes.len();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        if let Ok(changed) = String::from_utf8(bytes) {
            // A token changed anywhere no longer verifies (unless the change was a no-op).
            let _ = jwt::verify(&changed, b"secret", 1_700_000_000_000);
        }
    }

    #[test]
    fn phone_numbers_parse_or_not_without_panicking(s in any::<String>()) {
        if let Some(e164) = phone::to_e164(&s) {
            prop_assert!(e164.starts_with('+') && e164[1..].bytes().all(|b| b.is_ascii_digit()));
            prop_assert!((9..=16).contains(&e164.len()));
        }
        let _ = phone::masked(&s);
    }

    #[test]
    fn mainland_numbers_round_trip(n in "1[0-9]{10}") {
        prop_assert_eq!(phone::to_e164(&n), Some(format!("+86{n}")));
    }

    #[test]
    fn client_info_parses_or_names_a_field(value in json_value()) {
        if let Err(e) = ClientInfo::parse(Some(&value), "127.0.0.1".into(), None) {
            prop_assert!(matches!(e.code, ErrorCode::InvalidParam | ErrorCode::ParamRequired), "{:?}", e.code);
        }
    }

    /// Found by schemathesis: `clientInfo.locale` starting with a multi-byte character once
    /// panicked the locale choice, before the handler's panic guard.
    #[test]
    fn any_locale_tag_picks_a_locale(tag in any::<String>()) {
        let locale = crate::i18n::Locale::from_tag(Some(&tag));
        prop_assert_eq!(locale == crate::i18n::Locale::En, tag.get(..2).is_some_and(|t| t.eq_ignore_ascii_case("en")));
    }
}
