//! Apple's signing keys (its JWKS), kept in memory. A token naming a key the cache does not
//! know has the set fetched again — at most once a minute, so made-up `kid`s cannot make unid
//! hammer Apple — which is how Apple's key rotation never breaks a login (uni-id fetched the
//! set once per process and failed every login signed with a newer key).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use jsonwebtoken::DecodingKey;
use serde_json::Value;
use unid_core::plugin::Host;
use unid_core::plugin::http::{HttpClient, HttpError};

/// The least time between two fetches of the set, ms.
const MIN_REFETCH_MS: i64 = 60_000;

#[derive(Debug)]
pub enum KeyError {
    /// The token names a key Apple does not publish (now, or within the last minute).
    Unknown(String),
    /// The set could not be fetched.
    Fetch(HttpError),
    /// Apple's answer is not a key set.
    Malformed,
}

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyError::Unknown(kid) => write!(f, "apple: no signing key {kid:?}"),
            KeyError::Fetch(e) => write!(f, "apple: key set unavailable: {e}"),
            KeyError::Malformed => f.write_str("apple: key set malformed"),
        }
    }
}

pub struct KeySet {
    http: HttpClient,
    url: String,
    keys: RwLock<Arc<HashMap<String, DecodingKey>>>,
    /// When the set was last fetched (ms, the host's clock); held while fetching, so one
    /// request fetches and the others wait for its result.
    fetched: tokio::sync::Mutex<Option<i64>>,
}

impl KeySet {
    pub fn new(http: HttpClient, url: String) -> KeySet {
        KeySet {
            http,
            url,
            keys: RwLock::default(),
            fetched: tokio::sync::Mutex::new(None),
        }
    }

    fn cached(&self, kid: &str) -> Option<DecodingKey> {
        self.keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(kid)
            .cloned()
    }

    /// The key `kid`, from the cache or a fresh fetch of the set.
    pub async fn key(&self, host: &Host, kid: &str) -> Result<DecodingKey, KeyError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut fetched = self.fetched.lock().await;
        // Another request may have fetched it while this one waited.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let now = host.clock.now_ms();
        if fetched.is_some_and(|at| now - at < MIN_REFETCH_MS) {
            return Err(KeyError::Unknown(kid.to_string()));
        }
        *fetched = Some(now);
        let answer = self
            .http
            .get_json(&host.metrics, &self.url, &[])
            .await
            .map_err(KeyError::Fetch)?;
        let keys = parse_key_set(&answer).ok_or(KeyError::Malformed)?;
        tracing::info!(keys = keys.len(), "apple: signing keys fetched");
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
        self.cached(kid)
            .ok_or_else(|| KeyError::Unknown(kid.to_string()))
    }

    /// Puts a key set in the cache directly (benchmarks: a warm cache without a server).
    pub fn preload(&self, answer: &Value) -> bool {
        match parse_key_set(answer) {
            Some(keys) => {
                *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
                true
            }
            None => false,
        }
    }
}

/// The RS256 signing keys of a JWKS, by `kid`; `None` when it is not a key set.
fn parse_key_set(answer: &Value) -> Option<HashMap<String, DecodingKey>> {
    let keys = answer.get("keys")?.as_array()?;
    Some(
        keys.iter()
            .filter(|k| k.get("kty").and_then(Value::as_str) == Some("RSA"))
            .filter(|k| {
                k.get("alg")
                    .and_then(Value::as_str)
                    .is_none_or(|a| a == "RS256")
            })
            .filter(|k| {
                k.get("use")
                    .and_then(Value::as_str)
                    .is_none_or(|u| u == "sig")
            })
            .filter_map(|k| {
                let text = |f: &str| k.get(f).and_then(Value::as_str);
                let key = DecodingKey::from_rsa_components(text("n")?, text("e")?).ok()?;
                Some((text("kid")?.to_string(), key))
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_rsa_signing_keys_with_an_id_are_kept() {
        let set = json!({"keys": [
            {"kty": "RSA", "kid": "a", "use": "sig", "alg": "RS256", "n": "sXch", "e": "AQAB"},
            {"kty": "RSA", "kid": "b", "use": "enc", "alg": "RS256", "n": "sXch", "e": "AQAB"},
            {"kty": "EC", "kid": "c", "crv": "P-256", "x": "AA", "y": "AA"},
            {"kty": "RSA", "use": "sig", "alg": "RS256", "n": "sXch", "e": "AQAB"},
        ]});
        let keys = parse_key_set(&set).expect("a key set");
        assert_eq!(keys.keys().collect::<Vec<_>>(), ["a"]);
        assert!(parse_key_set(&json!({"error": "x"})).is_none());
    }
}
