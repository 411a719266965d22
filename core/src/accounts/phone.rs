//! Phone numbers: uni-id's methods accept mainland numbers (`/^1\d{10}$/`); unid stores E.164.

/// `13800138000` → `+8613800138000`; an E.164 number (`+` and 8–15 digits) is kept as is.
pub fn to_e164(input: &str) -> Option<String> {
    let s = input.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if s.len() == 11 && s.starts_with('1') && digits(s) {
        return Some(format!("+86{s}"));
    }
    match s.strip_prefix('+') {
        Some(rest) if (8..=15).contains(&rest.len()) && digits(rest) && !rest.starts_with('0') => {
            Some(s.to_string())
        }
        _ => None,
    }
}

/// `+8613800138000` → `138****8000`, for logs and messages.
pub fn masked(e164: &str) -> String {
    let national = e164.strip_prefix("+86").unwrap_or(e164);
    let chars: Vec<char> = national.chars().collect();
    if chars.len() < 7 {
        return "****".to_string();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_e164() {
        assert_eq!(to_e164("13800138000").as_deref(), Some("+8613800138000"));
        assert_eq!(to_e164("+8613800138000").as_deref(), Some("+8613800138000"));
        assert_eq!(to_e164("+85291234567").as_deref(), Some("+85291234567"));
        for bad in [
            "",
            "1380013800",
            "23800138000",
            "+0123456789",
            "+12",
            "abc",
            "+86 138",
        ] {
            assert_eq!(to_e164(bad), None, "{bad}");
        }
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(masked("+8613800138000"), "138****8000");
        assert_eq!(masked("+85291234567"), "+85****4567");
    }
}
