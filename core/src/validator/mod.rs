//! Request-parameter validation (spec §3.1): uni-id-co's schema validator, its built-in rules,
//! type expressions (`a|b`, `array<T>`) and the password policy.
//!
//! This module owns the decision "are these parameters acceptable" and the error code that says
//! why not. It never touches storage and never normalises values: a method validates first and
//! then reads the parameters itself. Rule names come from `'static` schemas in code, so a bad
//! rule is a programming error: [`Validator::check_schema`] reports it at start-up, and at request
//! time it becomes `uni-id-system-error` rather than a panic.

mod expr;
mod password;
pub mod rules;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::error::{ApiError, ErrorCode};

pub use password::{MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, PasswordStrength, is_common_password};

use rules::Builtin;

/// A validation rule: `Ok(())` when the value is acceptable, else the error to return.
pub type Rule = Arc<dyn Fn(&Value) -> Result<(), ApiError> + Send + Sync>;

/// One schema entry: whether the parameter must be present and the rule (or type expression)
/// its value must satisfy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub required: bool,
    pub rule: &'static str,
}

impl Field {
    pub const fn required(rule: &'static str) -> Self {
        Field {
            required: true,
            rule,
        }
    }

    pub const fn optional(rule: &'static str) -> Self {
        Field {
            required: false,
            rule,
        }
    }
}

/// An ordered schema: keys are checked in this order and the first failing key wins, as in
/// uni-id (which iterates the schema object's keys in insertion order).
pub type Schema = [(&'static str, Field)];

/// The validator of one app: the built-in rules, the password policy and the plugins' mixins.
#[derive(Clone)]
pub struct Validator {
    strength: Option<PasswordStrength>,
    mixins: HashMap<String, Rule>,
}

/// What a rule name stands for once mixins and built-ins have been consulted.
enum Resolved<'a> {
    Mixin(&'a Rule),
    Builtin(Builtin),
}

impl Validator {
    /// `strength` is `passwordStrength` from the config; `None` selects unid's default policy
    /// (8–128 characters, not a common password) instead of uni-id's "length ≥ 6".
    pub fn new(strength: Option<PasswordStrength>) -> Self {
        Validator {
            strength,
            mixins: HashMap::new(),
        }
    }

    pub fn password_strength(&self) -> Option<PasswordStrength> {
        self.strength
    }

    /// Registers or overrides a rule. Mixins take precedence over built-ins (uni-id-co overrides
    /// `password` this way, and adds `idCard`/`realName`), and are usable inside expressions.
    pub fn mixin(&mut self, name: &str, rule: Rule) {
        self.mixins.insert(name.to_owned(), rule);
    }

    /// Checks `params` against `schema`; the first failing key decides the error.
    ///
    /// `params` must be a JSON object (anything else → `uni-id-invalid-param`). Empty values
    /// (missing, `null`, or a string that is blank after trimming) fail required keys with
    /// `uni-id-param-required` and skip optional ones.
    pub fn validate(&self, params: &Value, schema: &Schema) -> Result<(), ApiError> {
        refuse_control_chars(params, "")?;
        let Some(params) = params.as_object() else {
            return Err(ApiError::new(ErrorCode::InvalidParam).detail("params is not an object"));
        };
        for (key, field) in schema {
            let value = match params.get(*key) {
                Some(value) if !is_empty(value) => value,
                _ if field.required => return Err(ApiError::param_required(*key)),
                _ => continue,
            };
            self.check(field.rule, value)
                .map_err(|e| name_key_in_detail(e, key))?;
        }
        Ok(())
    }

    /// Checks one value against a rule name or type expression, as `validate` does for a
    /// non-empty parameter.
    pub fn check(&self, rule: &str, value: &Value) -> Result<(), ApiError> {
        if let Some(resolved) = self.resolve(rule) {
            return self.run(resolved, value);
        }
        if !expr::is_expression(rule) {
            return Err(ApiError::system(format_args!(
                "invalid schema type: {rule}"
            )));
        }
        // The expression is checked as a whole first so that an unknown name fails every
        // request, not only those whose value happens to reach it.
        expr::check(rule, |name| self.resolve(name).is_some()).map_err(ApiError::system)?;
        if expr::matches(rule, value, &|name, item| self.matches(name, item))? {
            Ok(())
        } else {
            Err(ApiError::new(ErrorCode::InvalidParam))
        }
    }

    /// Verifies at start-up that every rule of `schema` resolves (after the mixins are in place)
    /// and that no key is listed twice.
    pub fn check_schema(&self, schema: &Schema) -> Result<(), String> {
        for (i, (key, field)) in schema.iter().enumerate() {
            if schema[..i].iter().any(|(earlier, _)| earlier == key) {
                return Err(format!("schema key `{key}` is listed twice"));
            }
            if self.resolve(field.rule).is_some() {
                continue;
            }
            if !expr::is_expression(field.rule) {
                return Err(format!(
                    "schema key `{key}`: invalid schema type: {}",
                    field.rule
                ));
            }
            expr::check(field.rule, |name| self.resolve(name).is_some())
                .map_err(|e| format!("schema key `{key}`: {e}"))?;
        }
        Ok(())
    }

    fn resolve(&self, name: &str) -> Option<Resolved<'_>> {
        if !self.mixins.is_empty()
            && let Some(rule) = self.mixins.get(name)
        {
            return Some(Resolved::Mixin(rule));
        }
        Builtin::from_name(name).map(Resolved::Builtin)
    }

    fn run(&self, resolved: Resolved<'_>, value: &Value) -> Result<(), ApiError> {
        match resolved {
            Resolved::Mixin(rule) => rule(value),
            Resolved::Builtin(builtin) => builtin.check(value, self.strength),
        }
    }

    /// A leaf of a type expression. The specific code of a failing rule is dropped, as uni-id
    /// does (the expression fails with `uni-id-invalid-param`), but a system error from a
    /// mixin is a broken rule, not a mismatch, and must surface.
    fn matches(&self, name: &str, value: &Value) -> Result<bool, ApiError> {
        let Some(resolved) = self.resolve(name) else {
            return Err(ApiError::system(format_args!(
                "invalid schema type: {name}"
            )));
        };
        match self.run(resolved, value) {
            Ok(()) => Ok(true),
            Err(e) if e.code == ErrorCode::SystemError => Err(e),
            Err(_) => Ok(false),
        }
    }
}

impl Default for Validator {
    fn default() -> Self {
        Validator::new(None)
    }
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut mixins: Vec<&str> = self.mixins.keys().map(String::as_str).collect();
        mixins.sort_unstable();
        f.debug_struct("Validator")
            .field("strength", &self.strength)
            .field("mixins", &mixins)
            .finish()
    }
}

/// A broken rule is found from the log; say which parameter it was checking.
fn name_key_in_detail(e: ApiError, key: &str) -> ApiError {
    match (&e.code, &e.detail) {
        (ErrorCode::SystemError, Some(detail)) => {
            let detail = format!("param `{key}`: {detail}");
            e.detail(detail)
        }
        _ => e,
    }
}

/// uni-id's `isEmpty`: `undefined`, `null`, or a string that is blank after `trim()`.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => js_trim(s).is_empty(),
        _ => false,
    }
}

/// JavaScript's `String.prototype.trim`: strips WhiteSpace and LineTerminator code points.
/// Rust's `str::trim` uses Unicode `White_Space`, which differs on U+FEFF (JS strips it, Rust
/// does not) and U+0085 (Rust strips it, JS does not).
fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c == '\u{FEFF}' || (c != '\u{85}' && c.is_whitespace()))
}

/// Control characters other than tab, line feed and carriage return (NUL above all) are in no
/// uni-id identifier, code or name; PostgreSQL cannot store NUL at all. A string holding one,
/// anywhere in `value`, is `uni-id-invalid-param` naming it (`prefix` + its path).
pub fn refuse_control_chars(value: &Value, prefix: &str) -> Result<(), ApiError> {
    match find_control_char(value) {
        None => Ok(()),
        Some(path) => Err(ApiError::new(ErrorCode::InvalidParam)
            .message("unid-control-character")
            .arg(
                "param",
                match (prefix.is_empty(), path.is_empty()) {
                    (true, _) => path,
                    (false, true) => prefix.to_string(),
                    (false, false) => format!("{prefix}.{path}"),
                },
            )),
    }
}

/// C0 controls (but tab and the two line ends) and DEL; C1 controls such as U+0085 pass, as in
/// uni-id, and PostgreSQL stores them.
pub(crate) fn is_forbidden(c: char) -> bool {
    (c <= '\u{1f}' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}'
}

/// The path (`a.b[2]`) of the first string holding a forbidden control character.
fn find_control_char(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if s.chars().any(is_forbidden) => Some(String::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| find_control_char(v).map(|rest| format!("[{i}]{}", dotted(&rest)))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let k_bad = k.chars().any(is_forbidden);
            let key: String = k.chars().filter(|c| !is_forbidden(*c)).take(64).collect();
            if k_bad {
                return Some(key);
            }
            find_control_char(v).map(|rest| format!("{key}{}", dotted(&rest)))
        }),
        _ => None,
    }
}

fn dotted(rest: &str) -> String {
    if rest.is_empty() || rest.starts_with('[') {
        rest.to_string()
    } else {
        format!(".{rest}")
    }
}
