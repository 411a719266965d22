//! The `password` rule: the strength levels against uni-id's own regexes, and the default policy.

use serde_json::{Value, json};

use super::code;
use crate::error::{ApiError, ErrorCode};
use crate::validator::{MAX_PASSWORD_BYTES, PasswordStrength, Validator, is_common_password};

/// Verdicts of uni-id's regexes, produced by `gen-password-strength.js` in Node.
const FIXTURE: &str = include_str!("../../../tests-fixtures/validator/password-strength.tsv");

fn fixture_rows() -> Vec<(String, [bool; 4])> {
    FIXTURE
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 5, "malformed fixture row: {line}");
            let password: String =
                serde_json::from_str(fields[0]).expect("the first column is a JSON string");
            let verdict = |i: usize| match fields[i] {
                "1" => true,
                "0" => false,
                other => panic!("verdict must be 0 or 1, got {other:?} in {line}"),
            };
            (password, [verdict(1), verdict(2), verdict(3), verdict(4)])
        })
        .collect()
}

#[test]
fn strength_levels_agree_with_the_uni_id_regexes_on_every_fixture_row() {
    let rows = fixture_rows();
    assert!(rows.len() > 5000, "fixture too small: {} rows", rows.len());
    let validators = PasswordStrength::ALL.map(|level| Validator::new(Some(level)));
    let mut mismatches = Vec::new();
    let mut accepted = [0usize; 4];
    for (password, verdicts) in &rows {
        for (i, level) in PasswordStrength::ALL.into_iter().enumerate() {
            accepted[i] += usize::from(verdicts[i]);
            if level.accepts(password) != verdicts[i] {
                mismatches.push(format!("{level} {password:?}: JS says {}", verdicts[i]));
            }
            // And through the rule, with the code a caller sees.
            let expected = match (verdicts[i], password.is_empty()) {
                (true, _) => None,
                (false, true) => Some(ErrorCode::InvalidPassword),
                (false, false) => Some(level.error_code()),
            };
            let got = code(validators[i].check("password", &json!(password)));
            if got != expected {
                mismatches.push(format!(
                    "{level} {password:?}: rule gave {got:?}, expected {expected:?}"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first: {:#?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(20)]
    );
    // The corpus must exercise both outcomes of every level.
    for (level, count) in PasswordStrength::ALL.into_iter().zip(accepted) {
        assert!(
            count > 100 && count < rows.len() - 100,
            "{level}: {count} of {} accepted",
            rows.len()
        );
    }
}

#[test]
fn strength_levels_reject_non_strings_and_overlong_input() {
    for level in PasswordStrength::ALL {
        let v = Validator::new(Some(level));
        for value in [
            json!(12345678),
            json!(true),
            json!(["Aa1!Aa1!"]),
            json!(null),
            json!(""),
        ] {
            let err = v
                .check("password", &value)
                .expect_err("not a usable password");
            assert_eq!(err.code, ErrorCode::InvalidPassword, "{level} {value}");
            assert_eq!(err.message, ErrorCode::InvalidPassword.as_str());
        }
        assert_too_long(v.check("password", &json!(format!("Aa1!{}", "x".repeat(125)))));
        assert_eq!(
            code(v.check("password", &json!("Aa1!Aa1!Aa1!Aa1!Aa1!"))),
            Some(level.error_code())
        );
    }
    let cases = [
        ("Aa1!aaaa", [true, true, true, true]),
        ("aa1!aaaa", [false, true, true, true]),
        ("aaaa1aaa", [false, false, true, true]),
        ("aaaa!aaa", [false, false, true, false]),
        ("1111!111", [false, false, true, false]),
        ("aaa1a", [false, false, false, false]),
        ("aaa1aa", [false, false, false, true]),
        ("Aa1!Aa1!Aa1!Aa1!", [true, true, true, true]),
        ("Aa1!Aa1!Aa1!Aa1!A", [false, false, false, false]),
    ];
    for (password, verdicts) in cases {
        for (level, verdict) in PasswordStrength::ALL.into_iter().zip(verdicts) {
            assert_eq!(level.accepts(password), verdict, "{level} {password:?}");
        }
    }
}

#[test]
fn strength_names_parse_like_the_config_values() {
    for level in PasswordStrength::ALL {
        assert_eq!(level.as_str().parse::<PasswordStrength>(), Ok(level));
        assert_eq!(level.to_string(), level.as_str());
    }
    for bad in ["", "Super", "STRONG", "none", " weak"] {
        let err = bad.parse::<PasswordStrength>().expect_err(bad);
        assert!(err.contains("Invalid password strength config"), "{err}");
    }
}

fn assert_too_long(result: Result<(), ApiError>) {
    let err = result.expect_err("password over the byte limit");
    assert_eq!(err.code, ErrorCode::InvalidPassword);
    assert_eq!(err.message, "unid-password-too-long");
    assert_eq!(err.args, vec![("max", "128".to_owned())]);
}

#[test]
fn the_default_policy_wants_8_to_128_characters_and_no_common_password() {
    let v = Validator::new(None);
    let ok: Vec<String> = vec![
        "zq8-Vx4!".into(),
        "correct horse battery staple".into(),
        "        x       ".into(),
        "中文密码很好记住".into(),
        "Zq8".repeat(42) + "ab",
        "中文密码".repeat(5) + "很长的xx",
        (0..32)
            .filter_map(|i| char::from_u32(0x1F600 + i * 2))
            .collect(),
    ];
    for password in ok {
        assert_eq!(
            code(v.check("password", &json!(password))),
            None,
            "{password:?}"
        );
    }
    for short in [
        "a",
        "abcdefg",
        "1234567",
        "中文密码中文密",
        "🔑🔑🔑🔑🔑🔑🔑",
    ] {
        let err = v.check("password", &json!(short)).expect_err(short);
        assert_eq!(err.code, ErrorCode::InvalidPassword);
        assert_eq!(err.message, "unid-password-length");
        assert_eq!(
            err.args,
            vec![("min", "8".to_owned()), ("max", "128".to_owned())]
        );
    }
    assert_too_long(v.check("password", &json!("x".repeat(MAX_PASSWORD_BYTES + 1))));
    // 43 three-byte characters: few characters, too many bytes.
    assert_too_long(v.check("password", &json!("中".repeat(43))));
    for common in [
        "password",
        "PASSWORD",
        "PassWord",
        "12345678",
        "password1",
        "Baseball",
        "qwertyuiop",
    ] {
        let err = v.check("password", &json!(common)).expect_err(common);
        assert_eq!(err.code, ErrorCode::InvalidPassword);
        assert_eq!(err.message, "unid-password-too-common", "{common}");
    }
    for value in [
        json!(12345678),
        json!(true),
        json!({}),
        json!(null),
        json!(""),
    ] {
        let err = v.check("password", &value).expect_err("not a string");
        assert_eq!(err.code, ErrorCode::InvalidPassword);
        assert_eq!(err.message, ErrorCode::InvalidPassword.as_str(), "{value}");
    }
}

#[test]
fn the_common_password_list_is_clean_and_loaded() {
    let list: &str = include_str!("../../../data/common-passwords.txt");
    assert!(list.starts_with('#'), "the list starts with its provenance");
    let mut seen = std::collections::HashSet::new();
    let mut entries = 0;
    for entry in list.lines().filter(|l| !l.starts_with('#')) {
        assert!(
            entry.chars().count() >= 8,
            "{entry:?} is shorter than the policy minimum"
        );
        assert_eq!(entry, entry.to_lowercase(), "entries are lower-case");
        assert!(seen.insert(entry), "{entry:?} is listed twice");
        assert!(
            is_common_password(entry) && is_common_password(&entry.to_uppercase()),
            "{entry:?}"
        );
        entries += 1;
    }
    assert!(entries > 10_000, "{entries} entries");
    for uncommon in ["zq8-Vx4!", "pässwörd", "correct horse battery staple", ""] {
        assert!(!is_common_password(uncommon), "{uncommon:?}");
    }
}

#[test]
fn the_password_rule_applies_inside_expressions() {
    let v = Validator::new(Some(PasswordStrength::Weak));
    let cases: Vec<(Value, Option<ErrorCode>)> = vec![
        (json!(null), None),
        (json!("abc123"), None),
        (json!("abcdef"), Some(ErrorCode::InvalidParam)),
    ];
    for (value, expected) in cases {
        assert_eq!(code(v.check("password|null", &value)), expected, "{value}");
    }
}

#[test]
fn the_default_policy_refuses_repeated_and_sequential_runs() {
    use crate::validator::password::is_repetitive_or_sequential as simple;
    for weak in [
        "aaaaaaaa",
        "abcdefgh",
        "11112222",
        "1234abcd",
        "87654321",
        "12121212",
        "abcabcab",
        "zzzzyyyy",
        "ABCDEFGHIJ",
        "99999999999",
        "abcdefgh9",
    ] {
        assert!(simple(weak), "{weak} is refused");
        let e = Validator::new(None)
            .check("password", &json!(weak))
            .expect_err(weak);
        assert_eq!(e.code, ErrorCode::InvalidPassword);
    }
    for fine in [
        "Secret-Pass-123",
        "correct horse battery",
        "aaaa1234xyz!",
        "Tr0ub4dor&3",
    ] {
        assert!(!simple(fine), "{fine} is accepted");
    }
    // uni-id's levels are exactly uni-id's: `weak` takes what its regex takes.
    assert!(
        Validator::new(Some(PasswordStrength::Weak))
            .check("password", &json!("abc123"))
            .is_ok()
    );
}
