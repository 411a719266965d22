//! MongoDB extended JSON, as a uniCloud export may write it: `{"$oid": "…"}` for an id,
//! `{"$date": 1700000000000}` / `{"$date": "2023-11-14T22:13:20Z"}` /
//! `{"$date": {"$numberLong": "…"}}` for a date, `{"$numberLong": "…"}` / `{"$numberInt": "…"}`
//! for numbers. [`normalize`] turns each into the plain shape (`"…"`, epoch ms, a number), so
//! the rest of the import reads one shape only.

use serde_json::{Map, Number, Value};

/// Replaces every extended-JSON wrapper in `value`, at any depth; the error names the wrapper
/// that could not be read.
pub fn normalize(value: Value) -> Result<Value, String> {
    match value {
        Value::Object(map) => {
            if map.len() == 1
                && let Some((key, inner)) = map.iter().next()
                && key.starts_with('$')
            {
                return unwrap(key, inner);
            }
            let mut out = Map::with_capacity(map.len());
            for (key, inner) in map {
                out.insert(key, normalize(inner)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .into_iter()
            .map(normalize)
            .collect::<Result<_, _>>()
            .map(Value::Array),
        other => Ok(other),
    }
}

/// One `{"$key": inner}` wrapper. An unknown `$key` is left as it is (it is data, then).
fn unwrap(key: &str, inner: &Value) -> Result<Value, String> {
    match (key, inner) {
        ("$oid", Value::String(s)) => Ok(Value::String(s.clone())),
        ("$oid", _) => Err("`$oid` must be a string".to_string()),
        ("$date", Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Value::from)
            .ok_or_else(|| format!("`$date` {n} is not a time")),
        ("$date", Value::String(s)) => parse_iso8601(s)
            .map(Value::from)
            .ok_or_else(|| format!("`$date` {s:?} is not an ISO 8601 time")),
        ("$date", Value::Object(m)) if m.len() == 1 => match m.get("$numberLong") {
            Some(Value::String(s)) => s
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`$date.$numberLong` {s:?} is not a number")),
            _ => Err("`$date` must be a number, an ISO 8601 string or {\"$numberLong\"}".into()),
        },
        ("$date", _) => {
            Err("`$date` must be a number, an ISO 8601 string or {\"$numberLong\"}".into())
        }
        ("$numberLong" | "$numberInt", Value::String(s)) => s
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("`{key}` {s:?} is not a number")),
        ("$numberDouble", Value::String(s)) => s
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("`$numberDouble` {s:?} is not a number")),
        _ => {
            let mut map = Map::new();
            map.insert(key.to_string(), normalize(inner.clone())?);
            Ok(Value::Object(map))
        }
    }
}

/// `2023-11-14T22:13:20Z`, `2023-11-14T22:13:20.123+08:00`, `2023-11-14 22:13:20Z` → epoch ms.
/// (An export writes UTC with a `Z`; offsets are accepted so a hand-edited file still reads.)
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(range)?;
        (!part.is_empty() && part.bytes().all(|c| c.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        // Milliseconds: the first three digits, padded.
        let ms: String = frac[..digits].chars().chain("00".chars()).take(3).collect();
        millis = ms.parse::<i64>().ok()?;
        rest = &frac[digits..];
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let (h, m) = match rest.len() {
                6 if rest.as_bytes()[3] == b':' => (rest.get(1..3)?, rest.get(4..6)?),
                5 => (rest.get(1..3)?, rest.get(3..5)?),
                _ => return None,
            };
            let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
            sign * (h * 60 + m)
        }
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_iso_times() {
        assert_eq!(parse_iso8601("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_iso8601("2023-11-14T22:13:20Z"),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            parse_iso8601("2023-11-14T22:13:20.5Z"),
            Some(1_700_000_000_500)
        );
        assert_eq!(
            parse_iso8601("2023-11-15T06:13:20.123+08:00"),
            Some(1_700_000_000_123)
        );
        assert_eq!(parse_iso8601("2000-02-29T00:00:00Z"), Some(951_782_400_000));
        for bad in [
            "",
            "2023-11-14",
            "2023-13-01T00:00:00Z",
            "2023-11-14T22:13:20",
            "x",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn unwraps_extended_json_at_any_depth() {
        let v = json!({
            "_id": {"$oid": "6553f1000000000000000001"},
            "register_date": {"$date": 1_700_000_000_000_i64},
            "last_login_date": {"$date": "2023-11-14T22:13:20Z"},
            "invite_time": {"$date": {"$numberLong": "1700000000000"}},
            "n": {"$numberInt": "7"},
            "identities": [{"uid": {"$oid": "abc"}}],
            "keep": {"$other": 1},
        });
        assert_eq!(
            normalize(v).expect("valid extended JSON"),
            json!({
                "_id": "6553f1000000000000000001",
                "register_date": 1_700_000_000_000_i64,
                "last_login_date": 1_700_000_000_000_i64,
                "invite_time": 1_700_000_000_000_i64,
                "n": 7,
                "identities": [{"uid": "abc"}],
                "keep": {"$other": 1},
            })
        );
        assert!(normalize(json!({"d": {"$date": "yesterday"}})).is_err());
        assert!(normalize(json!({"d": {"$oid": 5}})).is_err());
    }
}
