//! Behaviour of the validator as uni-id-co's callers see it (spec §3.1).

mod expr;
mod password;

use std::sync::Arc;

use serde_json::{Value, json};

use super::{Field, Rule, Schema, Validator, is_empty, js_trim};
use crate::error::{ApiError, ErrorCode};

/// The code of a result, `None` for success: the tables compare codes, not whole errors.
fn code(result: Result<(), ApiError>) -> Option<ErrorCode> {
    result.err().map(|e| e.code)
}

fn rule(f: impl Fn(&Value) -> Result<(), ApiError> + Send + Sync + 'static) -> Rule {
    Arc::new(f)
}

#[test]
fn builtin_rules_accept_and_reject_as_uni_id_does() {
    use ErrorCode::*;
    let long_nickname = "a".repeat(100);
    let too_long_nickname = "a".repeat(101);
    // Emoji take two UTF-16 units each, and JavaScript's `length` counts units.
    let emoji_100_units = "😀".repeat(50);
    let emoji_102_units = "😀".repeat(51);
    let cases: Vec<(&str, Value, Option<ErrorCode>)> = vec![
        ("username", json!("alice"), None),
        ("username", json!("a_b-9"), None),
        ("username", json!("007bond"), None),
        ("username", json!("12345"), Some(InvalidUsername)),
        ("username", json!(""), Some(InvalidUsername)),
        ("username", json!("al ice"), Some(InvalidUsername)),
        ("username", json!("alice@x"), Some(InvalidUsername)),
        ("username", json!("张三"), Some(InvalidUsername)),
        ("username", json!("alice\n"), Some(InvalidUsername)),
        ("username", json!(12345), Some(InvalidUsername)),
        ("username", json!(["alice"]), Some(InvalidUsername)),
        ("mobile", json!("13800138000"), None),
        ("mobile", json!(""), None),
        ("mobile", json!("23800138000"), Some(InvalidMobile)),
        ("mobile", json!("1380013800"), Some(InvalidMobile)),
        ("mobile", json!("138001380000"), Some(InvalidMobile)),
        ("mobile", json!("1380013800a"), Some(InvalidMobile)),
        ("mobile", json!("1380013800０"), Some(InvalidMobile)),
        ("mobile", json!("+8613800138000"), Some(InvalidMobile)),
        ("mobile", json!("13800138000\n"), Some(InvalidMobile)),
        ("mobile", json!(13800138000u64), Some(InvalidMobile)),
        ("email", json!("a@b"), None),
        ("email", json!("@"), None),
        ("email", json!(""), None),
        ("email", json!("alice.example.com"), Some(InvalidEmail)),
        ("email", json!(1), Some(InvalidEmail)),
        ("email", json!(null), Some(InvalidEmail)),
        ("nickname", json!("Tom"), None),
        ("nickname", json!("12a"), None),
        ("nickname", json!("小明"), None),
        ("nickname", json!(long_nickname), None),
        ("nickname", json!(emoji_100_units), None),
        ("nickname", json!(too_long_nickname), Some(InvalidNickname)),
        ("nickname", json!(emoji_102_units), Some(InvalidNickname)),
        ("nickname", json!("123"), Some(InvalidNickname)),
        ("nickname", json!("tom@home"), Some(InvalidNickname)),
        ("nickname", json!("to\u{200B}m"), Some(InvalidNickname)),
        ("nickname", json!("to\u{200C}m"), Some(InvalidNickname)),
        ("nickname", json!("to\u{200D}m"), Some(InvalidNickname)),
        ("nickname", json!("to\u{FEFF}m"), Some(InvalidNickname)),
        ("nickname", json!("to\u{2060}m"), Some(InvalidNickname)),
        ("nickname", json!(42), Some(InvalidNickname)),
        ("nickname", json!({"name": "Tom"}), Some(InvalidNickname)),
        ("string", json!("x"), None),
        ("string", json!(""), None),
        ("string", json!(1), Some(InvalidParam)),
        ("string", json!(null), Some(InvalidParam)),
        ("number", json!(0), None),
        ("number", json!(-1.5), None),
        ("number", json!(u64::MAX), None),
        ("number", json!("1"), Some(InvalidParam)),
        ("number", json!(true), Some(InvalidParam)),
        ("boolean", json!(false), None),
        ("boolean", json!("true"), Some(InvalidParam)),
        ("boolean", json!(0), Some(InvalidParam)),
        ("null", json!(null), None),
        ("null", json!(0), Some(InvalidParam)),
        ("null", json!("null"), Some(InvalidParam)),
        ("array", json!([]), None),
        ("array", json!([1, "a", null]), None),
        ("array", json!({}), Some(InvalidParam)),
        ("array", json!("[]"), Some(InvalidParam)),
    ];
    let v = Validator::new(None);
    for (rule, value, expected) in cases {
        assert_eq!(
            code(v.check(rule, &value)),
            expected,
            "rule {rule} on {value}"
        );
    }
}

#[test]
fn blank_values_are_missing_and_fail_only_required_keys() {
    const SCHEMA: &Schema = &[
        ("name", Field::required("string")),
        ("age", Field::optional("number")),
        ("phone", Field::optional("mobile")),
    ];
    let v = Validator::default();
    let missing_name = Some(ErrorCode::ParamRequired);
    let cases: Vec<(Value, Option<ErrorCode>)> = vec![
        (json!({}), missing_name),
        (json!({"name": null}), missing_name),
        (json!({"name": ""}), missing_name),
        (json!({"name": " \t\r\n"}), missing_name),
        // JavaScript's trim() strips U+3000 and U+FEFF but not U+0085.
        (json!({"name": "\u{3000}\u{FEFF}\u{2028}"}), missing_name),
        (json!({"name": "\u{85}"}), None),
        (json!({"name": "x"}), None),
        (json!({"name": " x "}), None),
        // Falsy but not empty: checked by the rule.
        (json!({"name": 0}), Some(ErrorCode::InvalidParam)),
        (json!({"name": false}), Some(ErrorCode::InvalidParam)),
        (json!({"name": []}), Some(ErrorCode::InvalidParam)),
        (json!({"name": {}}), Some(ErrorCode::InvalidParam)),
        // Optional and blank: skipped, whatever the rule would say.
        (json!({"name": "x", "age": null}), None),
        (json!({"name": "x", "age": "  "}), None),
        (json!({"name": "x", "phone": ""}), None),
        (json!({"name": "x", "age": 3, "phone": "13800138000"}), None),
        (
            json!({"name": "x", "age": "3"}),
            Some(ErrorCode::InvalidParam),
        ),
        (
            json!({"name": "x", "phone": "123"}),
            Some(ErrorCode::InvalidMobile),
        ),
        // Keys outside the schema are not looked at.
        (json!({"name": "x", "other": [1, 2]}), None),
    ];
    for (params, expected) in cases {
        assert_eq!(
            code(v.validate(&params, SCHEMA)),
            expected,
            "params {params}"
        );
    }
}

#[test]
fn param_required_names_the_key() {
    let v = Validator::default();
    let err = v
        .validate(
            &json!({"a": "x"}),
            &[
                ("a", Field::required("string")),
                ("b", Field::required("string")),
            ],
        )
        .expect_err("b is missing");
    assert_eq!(err.code, ErrorCode::ParamRequired);
    assert_eq!(err.args, vec![("param", "b".to_owned())]);
}

#[test]
fn the_first_failing_key_in_schema_order_wins() {
    const SCHEMA: &Schema = &[
        ("username", Field::required("username")),
        ("password", Field::required("password")),
        ("mobile", Field::optional("mobile")),
    ];
    let v = Validator::default();
    let cases: Vec<(Value, ErrorCode)> = vec![
        (json!({}), ErrorCode::ParamRequired),
        (
            json!({"username": "123", "mobile": "x"}),
            ErrorCode::InvalidUsername,
        ),
        (
            json!({"username": "alice", "mobile": "x"}),
            ErrorCode::ParamRequired,
        ),
        (
            json!({"username": "alice", "password": "short", "mobile": "x"}),
            ErrorCode::InvalidPassword,
        ),
        (
            json!({"username": "alice", "password": "zq8-Vx4!", "mobile": "x"}),
            ErrorCode::InvalidMobile,
        ),
    ];
    for (params, expected) in cases {
        assert_eq!(
            code(v.validate(&params, SCHEMA)),
            Some(expected),
            "params {params}"
        );
    }
    let err = v
        .validate(&json!({"password": "x"}), SCHEMA)
        .expect_err("username is missing");
    assert_eq!(err.args, vec![("param", "username".to_owned())]);
}

#[test]
fn params_must_be_an_object() {
    let v = Validator::default();
    for params in [
        json!(null),
        json!([]),
        json!([{"a": 1}]),
        json!("a=1"),
        json!(1),
        json!(true),
    ] {
        assert_eq!(
            code(v.validate(&params, &[])),
            Some(ErrorCode::InvalidParam),
            "params {params}"
        );
    }
    assert_eq!(code(v.validate(&json!({}), &[])), None);
}

#[test]
fn unknown_rules_are_system_errors_and_caught_by_check_schema() {
    let v = Validator::default();
    const SCHEMA: &Schema = &[("id", Field::required("idCard"))];
    let err = v
        .validate(&json!({"id": "x"}), SCHEMA)
        .expect_err("idCard is not built in");
    assert_eq!(err.code, ErrorCode::SystemError);
    assert!(
        err.detail
            .as_deref()
            .is_some_and(|d| d.contains("`id`") && d.contains("idCard")),
        "{err:?}"
    );
    // A blank optional value never reaches the rule, which is why start-up checking matters.
    assert_eq!(
        code(v.validate(&json!({}), &[("id", Field::optional("idCard"))])),
        None
    );
    let message = v.check_schema(SCHEMA).expect_err("idCard is unknown");
    assert!(
        message.contains("`id`") && message.contains("idCard"),
        "{message}"
    );
    assert!(v.check_schema(&[("a", Field::required(""))]).is_err());
}

#[test]
fn check_schema_accepts_every_builtin_and_rejects_duplicate_keys() {
    let v = Validator::new(Some(super::PasswordStrength::Medium));
    let schema: &Schema = &[
        ("a", Field::required("username")),
        ("b", Field::required("password")),
        ("c", Field::required("mobile")),
        ("d", Field::required("email")),
        ("e", Field::required("nickname")),
        ("f", Field::required("string")),
        ("g", Field::required("number")),
        ("h", Field::required("boolean")),
        ("i", Field::optional("null")),
        ("j", Field::optional("array")),
        ("k", Field::optional("number|string")),
        ("l", Field::optional("string|array<number|array<mobile>>")),
    ];
    assert_eq!(v.check_schema(schema), Ok(()));
    let duplicate: &Schema = &[
        ("a", Field::required("string")),
        ("a", Field::optional("number")),
    ];
    assert!(
        v.check_schema(duplicate)
            .is_err_and(|e| e.contains("twice"))
    );
}

#[test]
fn a_mixin_overrides_a_builtin() {
    let mut v = Validator::default();
    v.mixin(
        "password",
        rule(|value| match value.as_str() {
            Some("open sesame") => Ok(()),
            _ => Err(ApiError::new(ErrorCode::InvalidPassword).message("custom-password")),
        }),
    );
    const SCHEMA: &Schema = &[("password", Field::required("password"))];
    // Too short for the built-in default policy, but the mixin decides now.
    assert_eq!(
        code(v.validate(&json!({"password": "open sesame"}), SCHEMA)),
        None
    );
    let err = v
        .validate(&json!({"password": "Zq8-Vx4!long"}), SCHEMA)
        .expect_err("mixin rejects");
    assert_eq!(err.message, "custom-password");
    // The override applies inside expressions too.
    assert_eq!(
        code(v.check("array<password>", &json!(["open sesame"]))),
        None
    );
    assert_eq!(
        code(v.check("array<password>", &json!(["Zq8-Vx4!long"]))),
        Some(ErrorCode::InvalidParam)
    );
}

#[test]
fn a_custom_rule_works_alone_and_inside_expressions() {
    let mut v = Validator::default();
    const SCHEMA: &Schema = &[
        ("ids", Field::required("array<even>")),
        ("tag", Field::optional("even|string")),
    ];
    assert!(
        v.check_schema(SCHEMA).is_err(),
        "unknown before the mixin is registered"
    );
    v.mixin(
        "even",
        rule(|value| match value.as_i64() {
            Some(n) if n % 2 == 0 => Ok(()),
            _ => Err(ApiError::new(ErrorCode::InvalidIdcard)),
        }),
    );
    assert_eq!(v.check_schema(SCHEMA), Ok(()));
    let cases: Vec<(Value, Option<ErrorCode>)> = vec![
        (json!({"ids": []}), None),
        (json!({"ids": [2, 4]}), None),
        (
            json!({"ids": [2, "x"], "tag": 2}),
            Some(ErrorCode::InvalidParam),
        ),
        (json!({"ids": [2, 3]}), Some(ErrorCode::InvalidParam)),
        (json!({"ids": 2}), Some(ErrorCode::InvalidParam)),
        (json!({"ids": [2], "tag": "x"}), None),
        (json!({"ids": [2], "tag": 8}), None),
        (json!({"ids": [2], "tag": 7}), Some(ErrorCode::InvalidParam)),
    ];
    for (params, expected) in cases {
        assert_eq!(
            code(v.validate(&params, SCHEMA)),
            expected,
            "params {params}"
        );
    }
    // Alone, the rule's own code comes through.
    assert_eq!(
        code(v.check("even", &json!(3))),
        Some(ErrorCode::InvalidIdcard)
    );
    // Clones keep their mixins and can be shared across threads.
    fn shareable<T: Clone + Send + Sync + 'static>(_: &T) {}
    shareable(&v);
    assert_eq!(code(v.clone().check("even", &json!(4))), None);
    assert!(format!("{v:?}").contains("even"));
}

#[test]
fn a_system_error_inside_an_expression_is_not_a_mismatch() {
    let mut v = Validator::default();
    v.mixin(
        "broken",
        rule(|_| Err(ApiError::system("rule backend down"))),
    );
    assert_eq!(
        code(v.check("broken|string", &json!(1))),
        Some(ErrorCode::SystemError)
    );
    // Alternatives are tried in order; a passing one earlier decides before `broken` runs.
    assert_eq!(code(v.check("number|broken", &json!(1))), None);
}

#[test]
fn js_trim_matches_javascript_for_every_code_point() {
    // `String.fromCodePoint(c).trim() === ""` in Node, for every code point.
    const JS_BLANK: &[u32] = &[
        0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
        0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
        0xFEFF,
    ];
    let mut buf = [0u8; 4];
    for c in (0..=0x10FFFF).filter_map(char::from_u32) {
        let s = c.encode_utf8(&mut buf);
        assert_eq!(
            js_trim(s).is_empty(),
            JS_BLANK.contains(&u32::from(c)),
            "U+{:04X}",
            u32::from(c)
        );
    }
    assert_eq!(js_trim("\u{FEFF} a b\u{3000}"), "a b");
    assert!(is_empty(&json!(null)) && is_empty(&json!("")) && !is_empty(&json!(0)));
}

#[test]
fn identifiers_have_a_length_limit_uni_id_lacks() {
    use super::rules::{MAX_EMAIL_BYTES, MAX_USERNAME_BYTES};
    let v = Validator::new(None);
    let name = |n: usize| serde_json::json!("a".repeat(n));
    assert!(v.check("username", &name(MAX_USERNAME_BYTES)).is_ok());
    assert_eq!(
        v.check("username", &name(MAX_USERNAME_BYTES + 1))
            .map_err(|e| e.code),
        Err(ErrorCode::InvalidUsername)
    );
    let email = |n: usize| serde_json::json!(format!("{}@x.cn", "a".repeat(n - 5)));
    assert!(v.check("email", &email(MAX_EMAIL_BYTES)).is_ok());
    assert_eq!(
        v.check("email", &email(MAX_EMAIL_BYTES + 1))
            .map_err(|e| e.code),
        Err(ErrorCode::InvalidEmail)
    );
}
