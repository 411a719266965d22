//! The JSON face's view of a call: the account layer's [`Caller`] (as [`Call`]) and helpers
//! that read `params`.

use serde_json::Value;

pub use crate::accounts::Caller as Call;
use crate::error::{ApiError, ApiResult};

/// A parameter as a string when present and not blank (the validator already checked types).
pub fn opt_str(params: &Value, key: &str) -> Option<String> {
    match params.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A required string parameter (the schema guarantees it; this only guards against a gap).
pub fn req_str(params: &Value, key: &str) -> ApiResult<String> {
    opt_str(params, key).ok_or_else(|| ApiError::param_required(key))
}

pub fn opt_bool(params: &Value, key: &str) -> Option<bool> {
    params.get(key).and_then(Value::as_bool)
}

pub fn opt_i64(params: &Value, key: &str) -> Option<i64> {
    params.get(key).and_then(Value::as_i64)
}

/// A list of strings, when the parameter is one.
pub fn opt_strings(params: &Value, key: &str) -> Option<Vec<String>> {
    params.get(key).and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    })
}
