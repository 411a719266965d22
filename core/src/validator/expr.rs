//! Type expressions: `a|b`, `array`, `array<T>` and their nesting (`a|array<b|c>`).
//!
//! Grammar (the names between the delimiters are rule names):
//!
//! ```text
//! union := alt ('|' alt)*
//! alt   := 'array' ('<' union '>')? | NAME
//! NAME  := one or more characters other than '|', '<', '>'
//! ```
//!
//! Expressions are walked in place rather than parsed into a tree: `validate` runs on every
//! request and the expressions are a few bytes long, so re-scanning is cheaper than allocating
//! (or caching behind a lock). [`check`] must accept an expression before [`matches()`] is called
//! on it; `matches` relies on that and does no error reporting of its own.
//!
//! Where this is stricter than uni-id's tokenizer, on purpose: an empty alternative (`a||b`,
//! `array<>`) is an error rather than ignored, and `array` not followed by `<` is a complete
//! alternative (uni-id would read `array|string` as `array<string>`).

use serde_json::Value;

use crate::error::ApiError;

/// Whether a rule name is an expression rather than a plain rule name.
pub(super) fn is_expression(rule: &str) -> bool {
    rule.bytes().any(is_delimiter)
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'|' | b'<' | b'>')
}

/// Checks the syntax of `expr` and that `known` accepts every rule name in it.
pub(super) fn check(expr: &str, known: impl Fn(&str) -> bool) -> Result<(), String> {
    let mut parser = Parser {
        src: expr,
        pos: 0,
        known,
    };
    parser.union()?;
    if parser.pos == expr.len() {
        Ok(())
    } else {
        Err(parser.unexpected())
    }
}

struct Parser<'a, F> {
    src: &'a str,
    pos: usize,
    known: F,
}

impl<F: Fn(&str) -> bool> Parser<'_, F> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn union(&mut self) -> Result<(), String> {
        loop {
            self.alt()?;
            if self.peek() != Some(b'|') {
                return Ok(());
            }
            self.pos += 1;
        }
    }

    fn alt(&mut self) -> Result<(), String> {
        let start = self.pos;
        while self.peek().is_some_and(|b| !is_delimiter(b)) {
            self.pos += 1;
        }
        // Slicing is safe: the delimiters are ASCII, so `pos` is always a char boundary.
        let name = &self.src[start..self.pos];
        if name.is_empty() {
            return Err(self.unexpected());
        }
        if name == "array" {
            if self.peek() == Some(b'<') {
                self.pos += 1;
                self.union()?;
                if self.peek() != Some(b'>') {
                    return Err(self.unexpected());
                }
                self.pos += 1;
            }
            return Ok(());
        }
        if (self.known)(name) {
            Ok(())
        } else {
            Err(format!("invalid schema type: {name} (in \"{}\")", self.src))
        }
    }

    fn unexpected(&self) -> String {
        match self.peek() {
            Some(b) => format!(
                "Invalid validator token \"{}\" at byte {} of \"{}\"",
                char::from(b),
                self.pos,
                self.src
            ),
            None => format!("unexpected end of type expression \"{}\"", self.src),
        }
    }
}

/// Whether `value` satisfies the (already [`check`]ed) expression. `leaf` decides a rule name;
/// its error aborts the whole evaluation.
pub(super) fn matches(
    expr: &str,
    value: &Value,
    leaf: &dyn Fn(&str, &Value) -> Result<bool, ApiError>,
) -> Result<bool, ApiError> {
    for alt in Alternatives(expr) {
        if alt_matches(alt, value, leaf)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn alt_matches(
    alt: &str,
    value: &Value,
    leaf: &dyn Fn(&str, &Value) -> Result<bool, ApiError>,
) -> Result<bool, ApiError> {
    if alt == "array" {
        return Ok(value.is_array());
    }
    // In a checked expression an alternative that starts with `array<` ends with its `>`.
    if let Some(inner) = alt.strip_prefix("array<").and_then(|r| r.strip_suffix('>')) {
        let Some(items) = value.as_array() else {
            return Ok(false);
        };
        for item in items {
            if !matches(inner, item, leaf)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    leaf(alt, value)
}

/// The top-level alternatives of an expression: split at `|` outside any `<…>`.
struct Alternatives<'a>(&'a str);

impl<'a> Iterator for Alternatives<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.0.is_empty() {
            return None;
        }
        let mut depth = 0usize;
        for (i, b) in self.0.bytes().enumerate() {
            match b {
                b'<' => depth += 1,
                b'>' => depth = depth.saturating_sub(1),
                b'|' if depth == 0 => {
                    let (alt, rest) = (&self.0[..i], &self.0[i + 1..]);
                    self.0 = rest;
                    return Some(alt);
                }
                _ => {}
            }
        }
        Some(std::mem::take(&mut self.0))
    }
}
