//! Type expressions: unions, arrays, nesting, and malformed input.

use serde_json::{Value, json};

use super::code;
use crate::error::ErrorCode;
use crate::validator::{Field, Validator};

#[test]
fn expressions_accept_and_reject() {
    let cases: Vec<(&str, Value, bool)> = vec![
        ("number|string", json!(1), true),
        ("number|string", json!("a"), true),
        ("number|string", json!(true), false),
        ("number|string", json!(null), false),
        ("number|string", json!([1]), false),
        ("string|number|boolean", json!(false), true),
        ("array<string>", json!([]), true),
        ("array<string>", json!(["a", "b"]), true),
        ("array<string>", json!(["a", 1]), false),
        ("array<string>", json!("a"), false),
        ("array<string>", json!({"0": "a"}), false),
        ("array<number|string>", json!([1, "a", 2.5]), true),
        ("array<number|string>", json!([1, true]), false),
        ("array<null|string>", json!([null, "a"]), true),
        ("string|array<number|string>", json!("x"), true),
        ("string|array<number|string>", json!([1, "x"]), true),
        ("string|array<number|string>", json!([[1]]), false),
        ("string|array<number|string>", json!(1), false),
        ("array<array<number>>", json!([[1], [], [2, 3]]), true),
        ("array<array<number>>", json!([[1], ["a"]]), false),
        ("array<array<number>>", json!([1]), false),
        ("array<number>|array<string>", json!(["a", "b"]), true),
        ("array<number>|array<string>", json!([1, "b"]), false),
        ("array<array>|number", json!([[1, "x"], []]), true),
        ("array<array>|number", json!([1]), false),
        // A bare `array` is any array and a complete alternative.
        ("array|string", json!([1, null]), true),
        ("array|string", json!("a"), true),
        ("array|string", json!(1), false),
        ("string|array", json!([]), true),
        // Inner rules keep their own checks; their codes are replaced by invalid-param.
        ("null|mobile", json!(null), true),
        ("null|mobile", json!("13800138000"), true),
        ("null|mobile", json!("1"), false),
        ("array<username>", json!(["alice", "bob_2"]), true),
        ("array<username>", json!(["alice", "123"]), false),
        ("array<email|mobile>", json!(["a@b", "13800138000"]), true),
        ("array<email|mobile>", json!(["a@b", "nope"]), false),
        ("array<nickname>|null", json!([1]), false),
    ];
    let v = Validator::default();
    for (rule, value, pass) in cases {
        let expected = if pass {
            None
        } else {
            Some(ErrorCode::InvalidParam)
        };
        assert_eq!(code(v.check(rule, &value)), expected, "{rule} on {value}");
        let schema = [("p", Field::required(rule))];
        assert_eq!(v.check_schema(&schema), Ok(()), "{rule}");
        // Through `validate`, a null is a missing parameter before any rule sees it.
        let expected = if value.is_null() {
            Some(ErrorCode::ParamRequired)
        } else {
            expected
        };
        assert_eq!(
            code(v.validate(&json!({ "p": value }), &schema)),
            expected,
            "{rule} on {value}"
        );
    }
}

#[test]
fn malformed_expressions_are_reported_and_never_panic() {
    let malformed = [
        "a||b",
        "|string",
        "string|",
        "|",
        "array<>",
        "array<",
        "array<string",
        "array<string|",
        "string>",
        "<string>",
        ">",
        "array<string>>",
        "array<<string>>",
        "string<number>",
        "array<string>number",
        "array<string>|",
        "arrayx<string>",
        "array <string>",
        // Unknown names, wherever they are and whatever the value.
        "foo|string",
        "string|foo",
        "array<foo>",
        "array<string|array<foo>>",
        "string | number",
        "String|number",
    ];
    let v = Validator::default();
    for rule in malformed {
        let schema = [("p", Field::required(rule))];
        let message = v.check_schema(&schema).expect_err(rule);
        assert!(message.contains("`p`"), "{rule}: {message}");
        for value in [
            json!("a"),
            json!(1),
            json!([]),
            json!(["a"]),
            json!([[1]]),
            json!(true),
        ] {
            let err = v.validate(&json!({ "p": value }), &schema).expect_err(rule);
            assert_eq!(err.code, ErrorCode::SystemError, "{rule} on {value}");
            assert!(err.detail.is_some(), "{rule}: the log needs the reason");
        }
    }
}

#[test]
fn malformed_messages_point_at_the_token() {
    let v = Validator::default();
    let message = v
        .check_schema(&[("p", Field::required("string>"))])
        .expect_err("stray >");
    assert!(
        message.contains("Invalid validator token \">\" at byte 6"),
        "{message}"
    );
    let message = v
        .check_schema(&[("p", Field::required("array<string"))])
        .expect_err("open <");
    assert!(message.contains("unexpected end"), "{message}");
    let message = v
        .check_schema(&[("p", Field::required("string|foo"))])
        .expect_err("foo");
    assert!(message.contains("invalid schema type: foo"), "{message}");
}

#[test]
fn a_mixin_named_like_an_expression_is_looked_up_first() {
    // uni-id looks the whole name up before parsing it; so does unid.
    let mut v = Validator::default();
    v.mixin("odd|even", std::sync::Arc::new(|_: &Value| Ok(())));
    assert_eq!(code(v.check("odd|even", &json!(1))), None);
    assert_eq!(
        v.check_schema(&[("p", Field::required("odd|even"))]),
        Ok(())
    );
}
