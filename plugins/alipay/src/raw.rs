//! Cutting the members of a JSON object out of its text as they stand: Alipay signs the exact
//! text of its response object, so it is verified over that slice of the body, never over a
//! re-serialised value (which changes escapes, spacing and key order).

/// The members of the JSON object `text` as `(key, raw value)`, each value the exact slice
/// of `text` it occupies. Keys are compared as written (Alipay's have no escapes). Only
/// called on text that already parsed as a JSON object, so this walks, it does not validate.
pub fn top_level_members(text: &str) -> Result<Vec<(&str, &str)>, &'static str> {
    let bytes = text.as_bytes();
    let mut at = skip_ws(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return Err("not an object");
    }
    at = skip_ws(bytes, at + 1);
    let mut members = Vec::new();
    if bytes.get(at) == Some(&b'}') {
        return Ok(members);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return Err("a member without a key");
        }
        let key_end = string_end(bytes, at)?;
        let key = &text[at + 1..key_end - 1];
        at = skip_ws(bytes, key_end);
        if bytes.get(at) != Some(&b':') {
            return Err("a key without a value");
        }
        let start = skip_ws(bytes, at + 1);
        let end = value_end(bytes, start)?;
        members.push((key, &text[start..end]));
        at = skip_ws(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_ws(bytes, at + 1),
            Some(b'}') => return Ok(members),
            _ => return Err("an unterminated object"),
        }
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

/// The index just past the string starting at `at` (its opening quote).
fn string_end(bytes: &[u8], at: usize) -> Result<usize, &'static str> {
    let mut i = at + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err("an unterminated string")
}

/// The index just past the value starting at `at`.
fn value_end(bytes: &[u8], at: usize) -> Result<usize, &'static str> {
    match bytes.get(at) {
        None => Err("a missing value"),
        Some(b'"') => string_end(bytes, at),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut i = at;
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'"' => {
                        i = string_end(bytes, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err("an unterminated value")
        }
        // A number, true, false or null: up to the next delimiter.
        Some(_) => {
            let mut i = at;
            while bytes
                .get(i)
                .is_some_and(|b| !matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                i += 1;
            }
            Ok(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_members_are_cut_exactly() {
        let body = " {\"a\" : {\"x\":\"}\\\"{[\",\"y\":[1,{\"z\":null}]} ,\"b\":\"s\\u00e9\\/\",\"n\":-1.5e3,\"t\":true,\"e\":{},\"l\":[]}\n";
        let members = top_level_members(body).expect("members");
        assert_eq!(
            members,
            [
                ("a", "{\"x\":\"}\\\"{[\",\"y\":[1,{\"z\":null}]}"),
                ("b", "\"s\\u00e9\\/\""),
                ("n", "-1.5e3"),
                ("t", "true"),
                ("e", "{}"),
                ("l", "[]"),
            ]
        );
        assert_eq!(top_level_members("{}"), Ok(vec![]));
        assert!(top_level_members("[1]").is_err());
        assert!(top_level_members("{\"a\":\"open").is_err());
        assert!(top_level_members("{\"a\":{\"b\":1}").is_err());
        assert!(top_level_members("{\"a\"}").is_err());
    }
}
