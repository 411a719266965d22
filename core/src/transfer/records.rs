//! One line of an export as a document whose fields are taken out one by one with the type
//! unid needs, each mistake named by its field. What is left after the known fields are taken
//! is the rest of the document ([`Doc::rest`]), which a user keeps in `extra`.

use serde_json::{Map, Value};

use super::extjson;

/// Why one line is not a record unid can import. Shown after `file:line:`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("not a JSON object")]
    NotObject,
    #[error("no `_id`")]
    MissingId,
    #[error("`{field}` is missing")]
    Missing { field: String },
    #[error("`{field}`: expected {expected}, found {found}")]
    Type {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("`{field}`: {detail}")]
    Invalid { field: String, detail: String },
}

impl RecordError {
    pub fn invalid(field: &str, detail: impl Into<String>) -> RecordError {
        RecordError::Invalid {
            field: field.to_string(),
            detail: detail.into(),
        }
    }

    fn wrong(field: &str, expected: &'static str, found: &Value) -> RecordError {
        RecordError::Type {
            field: field.to_string(),
            expected,
            found: kind(found),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A document being read.
#[derive(Debug)]
pub struct Doc {
    fields: Map<String, Value>,
}

impl Doc {
    /// Parses one line (extended JSON unwrapped).
    pub fn parse(line: &str) -> Result<Doc, RecordError> {
        let value: Value =
            serde_json::from_str(line).map_err(|e| RecordError::Json(e.to_string()))?;
        let value = extjson::normalize(value).map_err(RecordError::Json)?;
        match value {
            Value::Object(fields) => Ok(Doc { fields }),
            _ => Err(RecordError::NotObject),
        }
    }

    pub fn from_map(fields: Map<String, Value>) -> Doc {
        Doc { fields }
    }

    /// `_id`: a non-empty string (an ObjectId after unwrapping) of at most 64 characters.
    pub fn id(&mut self) -> Result<String, RecordError> {
        match self.fields.remove("_id") {
            None | Some(Value::Null) => Err(RecordError::MissingId),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => Ok(s),
            Some(Value::String(_)) => Err(RecordError::invalid("_id", "empty or too long")),
            Some(other) => Err(RecordError::wrong("_id", "a string", &other)),
        }
    }

    /// A field's value as it is (`null` reads as absent).
    pub fn any(&mut self, field: &str) -> Option<Value> {
        self.fields.remove(field).filter(|v| !v.is_null())
    }

    pub fn str(&mut self, field: &str) -> Result<Option<String>, RecordError> {
        match self.any(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(RecordError::wrong(field, "a string", &other)),
        }
    }

    pub fn required_str(&mut self, field: &str) -> Result<String, RecordError> {
        self.str(field)?.ok_or_else(|| RecordError::Missing {
            field: field.to_string(),
        })
    }

    /// A whole number (a float with no fraction counts: JavaScript has only doubles).
    pub fn int(&mut self, field: &str) -> Result<Option<i64>, RecordError> {
        match self.any(field) {
            None => Ok(None),
            Some(v) => as_int(&v)
                .map(Some)
                .ok_or_else(|| RecordError::wrong(field, "a whole number", &v)),
        }
    }

    pub fn int32(&mut self, field: &str) -> Result<Option<i32>, RecordError> {
        match self.int(field)? {
            None => Ok(None),
            Some(n) => i32::try_from(n)
                .map(Some)
                .map_err(|_| RecordError::invalid(field, format!("{n} is out of range"))),
        }
    }

    /// A time: epoch ms (extended `$date` forms were already unwrapped to that).
    pub fn date(&mut self, field: &str) -> Result<Option<i64>, RecordError> {
        match self.any(field) {
            None => Ok(None),
            Some(Value::String(s)) => extjson::parse_iso8601(&s)
                .map(Some)
                .ok_or_else(|| RecordError::invalid(field, format!("{s:?} is not a time"))),
            Some(v) => as_int(&v)
                .map(Some)
                .ok_or_else(|| RecordError::wrong(field, "a time (epoch ms)", &v)),
        }
    }

    /// uni-id's 0/1 flags (`mobile_confirmed`); `true`/`false` read as 1/0, absent as 0.
    pub fn flag(&mut self, field: &str) -> Result<i32, RecordError> {
        match self.any(field) {
            None => Ok(0),
            Some(Value::Bool(b)) => Ok(i32::from(b)),
            Some(v) => match as_int(&v) {
                Some(0) => Ok(0),
                Some(1) => Ok(1),
                _ => Err(RecordError::wrong(field, "0 or 1", &v)),
            },
        }
    }

    pub fn str_list(&mut self, field: &str) -> Result<Option<Vec<String>>, RecordError> {
        match self.any(field) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    other => Err(RecordError::wrong(field, "an array of strings", &other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(RecordError::wrong(field, "an array of strings", &other)),
        }
    }

    pub fn object(&mut self, field: &str) -> Result<Option<Map<String, Value>>, RecordError> {
        match self.any(field) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(other) => Err(RecordError::wrong(field, "an object", &other)),
        }
    }

    /// Puts a field back, for [`Doc::rest`] to keep.
    pub fn put(&mut self, field: &str, value: Value) {
        self.fields.insert(field.to_string(), value);
    }

    /// The names of the fields not taken yet.
    pub fn names(&self) -> Vec<String> {
        self.fields.keys().cloned().collect()
    }

    /// Drops a field unid deliberately does not keep.
    pub fn drop_field(&mut self, field: &str) -> bool {
        self.fields.remove(field).is_some()
    }

    /// The fields not taken, as a JSON object's text; `None` when nothing is left.
    pub fn rest(self) -> Option<String> {
        (!self.fields.is_empty()).then(|| Value::Object(self.fields).to_string())
    }
}

fn as_int(v: &Value) -> Option<i64> {
    let n = v.as_number()?;
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(s: &str) -> Doc {
        Doc::parse(s).expect("a JSON object")
    }

    #[test]
    fn fields_are_taken_with_their_types() {
        let mut d = doc(
            r#"{"_id":{"$oid":"a1"},"n":3.0,"f":true,"s":"x","l":["a","b"],"d":{"$date":"1970-01-01T00:00:01Z"},"z":null,"k":1}"#,
        );
        assert_eq!(d.id(), Ok("a1".to_string()));
        assert_eq!(d.int("n"), Ok(Some(3)));
        assert_eq!(d.flag("f"), Ok(1));
        assert_eq!(d.str("s"), Ok(Some("x".to_string())));
        assert_eq!(d.str_list("l"), Ok(Some(vec!["a".into(), "b".into()])));
        assert_eq!(d.date("d"), Ok(Some(1000)));
        assert_eq!(d.str("z"), Ok(None));
        assert_eq!(d.rest().as_deref(), Some(r#"{"k":1}"#));
    }

    #[test]
    fn mistakes_name_the_field() {
        assert_eq!(doc(r#"{"a":1}"#).id(), Err(RecordError::MissingId));
        assert_eq!(
            doc(r#"{"status":"0"}"#)
                .int("status")
                .map_err(|e| e.to_string()),
            Err("`status`: expected a whole number, found a string".to_string())
        );
        assert_eq!(
            doc(r#"{"role":"admin"}"#)
                .str_list("role")
                .map_err(|e| e.to_string()),
            Err("`role`: expected an array of strings, found a string".to_string())
        );
        assert!(matches!(Doc::parse("{"), Err(RecordError::Json(_))));
        assert_eq!(Doc::parse("[1]").err(), Some(RecordError::NotObject));
        assert_eq!(
            doc(r#"{"c":2}"#).flag("c").map_err(|e| e.to_string()),
            Err("`c`: expected 0 or 1, found a number".to_string())
        );
    }
}
