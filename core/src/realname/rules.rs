//! uni-id-co's validator mixins `idCard` and `realName` (spec §1.3 frv, §9), and how real-name
//! data is shown: masked, never whole.

use std::sync::Arc;

use serde_json::Value;

use crate::error::{ApiError, ErrorCode};
use crate::validator::Rule;

/// uni-id's `checkIdCard`: 18 characters whose last is the ISO 7064 check character of the
/// first 17 digits (compared case-insensitively).
pub fn is_id_card(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [u8; 11] = *b"10X98765432";
    let bytes = s.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = bytes[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] == bytes[17].to_ascii_uppercase()
}

/// uni-id's `realName`: 1–10 Chinese characters, up to five more such parts, each optionally
/// after a middle dot (`·`), at least two characters in all.
pub fn is_real_name(s: &str) -> bool {
    let han = |c: char| ('\u{4e00}'..='\u{9fa5}').contains(&c);
    if s.chars().count() < 2 {
        return false;
    }
    let mut parts = 0;
    let mut run = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if han(c) {
            run += 1;
            if run > 10 {
                return false;
            }
        } else if c == '·' && run > 0 && chars.peek().is_some_and(|n| han(*n)) {
            parts += 1;
            run = 0;
        } else {
            return false;
        }
        // A part ends where ten characters end without a dot, too (`{1,10}` then `·?`).
        if run == 10 && chars.peek().is_some_and(|n| han(*n)) {
            parts += 1;
            run = 0;
        }
    }
    run > 0 && parts <= 5
}

fn string_rule(check: fn(&str) -> bool, code: ErrorCode) -> Rule {
    Arc::new(move |v: &Value| match v.as_str() {
        Some(s) if check(s) => Ok(()),
        _ => Err(ApiError::new(code)),
    })
}

/// The mixins, registered on every validator of the host.
pub fn mixins() -> Vec<(&'static str, Rule)> {
    vec![
        ("idCard", string_rule(is_id_card, ErrorCode::InvalidIdcard)),
        (
            "realName",
            string_rule(is_real_name, ErrorCode::InvalidRealname),
        ),
    ]
}

/// `张三丰` → `**丰` (uni-id keeps only the last character of a name).
pub fn mask_name(name: &str) -> String {
    let n = name.chars().count();
    let last: String = name.chars().skip(n.saturating_sub(1)).collect();
    format!("{}{last}", "*".repeat(n.saturating_sub(1)))
}

/// `110101199003070011` → `1****************1` (the first and last characters stay).
pub fn mask_identity(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_cards_carry_their_check_character() {
        assert!(is_id_card("110101199003070011"));
        assert!(is_id_card("11010119900307002x"));
        assert!(is_id_card("11010519491231002X"));
        assert!(is_id_card("11010519491231002x"));
        assert!(!is_id_card("110101199003070018"));
        assert!(!is_id_card("11010119900307001"));
        assert!(!is_id_card("1101011990030700119"));
        assert!(!is_id_card("11010119900307001A"));
        assert!(!is_id_card("１10101199003070019"));
    }

    #[test]
    fn real_names_are_chinese_with_optional_dots() {
        for ok in ["张三", "欧阳娜娜", "迪丽热巴·迪力木拉提", "阿·卜·杜"] {
            assert!(is_real_name(ok), "{ok}");
        }
        for bad in [
            "张",
            "Zhang San",
            "张三1",
            "·张三",
            "张三·",
            "张··三",
            "张 三",
            "",
        ] {
            assert!(!is_real_name(bad), "{bad}");
        }
        assert!(is_real_name(&"张".repeat(10)));
        // Up to six parts of ten.
        assert!(is_real_name(&vec!["张".repeat(10); 6].join("·")));
        assert!(!is_real_name(&vec!["张".repeat(10); 7].join("·")));
    }

    #[test]
    fn masks_keep_only_what_uni_id_keeps() {
        assert_eq!(mask_name("张三丰"), "**丰");
        assert_eq!(mask_name("张三"), "*三");
        assert_eq!(mask_identity("110101199003070011"), "1****************1");
        assert_eq!(mask_identity(""), "");
    }
}
