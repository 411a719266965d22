//! The HTTP client plugins reach providers' public APIs with: every call time-limited (5 s
//! unless the plugin's config says otherwise), answers read up to a size limit, and each call
//! counted in `/metrics` by provider and outcome. Errors name what went wrong, never the URL
//! (it may carry an app secret or a user's access token).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::metrics::{Metrics, Outcome};

/// uni-id's timeout for WeChat, QQ and Alipay calls (spec §11).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest JSON answer read from a provider.
const MAX_JSON_BYTES: usize = 1 << 20;

/// Checks a provider URL from the config (`[plugins.<id>] endpoint`…): `http` or `https`
/// with a host. The error names `key`.
pub fn check_url(key: &str, url: &str) -> Result<(), String> {
    let ok = reqwest::Url::parse(url).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty())
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "config key `{key}`: expected an http(s) URL, got {url:?}"
        ))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// Connection refused, reset or timed out.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// An HTTP status other than 2xx.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The body is larger than allowed.
    #[error("answer larger than {0} bytes")]
    TooLarge(usize),
    /// The body is not what was expected (not JSON, say).
    #[error("malformed answer: {0}")]
    Malformed(String),
}

impl HttpError {
    /// How `/metrics` counts it.
    pub fn outcome(&self) -> Outcome {
        match self {
            HttpError::Status(s) if *s < 500 => Outcome::Rejected,
            _ => Outcome::Unreachable,
        }
    }
}

/// A response read whole: status, content type and body.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// One provider's client. Cheap to clone; build it once, when the plugin is built.
#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    provider: &'static str,
    /// Whether a JSON answer is the provider's refusal (WeChat's non-zero `errcode`…), for
    /// `/metrics`.
    refusal: fn(&Value) -> bool,
    /// The same for an answer read as bytes (JSONP, a signed text).
    raw_refusal: fn(&[u8]) -> bool,
}

impl HttpClient {
    /// A client for `provider` (its name in `/metrics`) whose calls give up after `timeout`.
    pub fn new(provider: &'static str, timeout: Duration) -> Result<HttpClient, String> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("unid/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client for {provider}: {e}"))?;
        Ok(HttpClient {
            client,
            provider,
            refusal: |_| false,
            raw_refusal: |_| false,
        })
    }

    /// How this provider says no inside a JSON answer, so `/metrics` counts it as rejected.
    pub fn with_refusal(mut self, refusal: fn(&Value) -> bool) -> HttpClient {
        self.refusal = refusal;
        self
    }

    /// How this provider says no in an answer read as bytes ([`HttpClient::get_bytes`],
    /// [`HttpClient::post_form_bytes`]), so `/metrics` counts it as rejected.
    pub fn with_raw_refusal(mut self, refusal: fn(&[u8]) -> bool) -> HttpClient {
        self.raw_refusal = refusal;
        self
    }

    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// `GET url?query`, the answer as JSON (any status: providers answer errors with 200 and
    /// a body, and some with 4xx and a body).
    pub async fn get_json(
        &self,
        metrics: &Metrics,
        url: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, HttpError> {
        self.json(metrics, self.client.get(url).query(query)).await
    }

    /// `POST url?query` with a JSON body, the answer as JSON.
    pub async fn post_json(
        &self,
        metrics: &Metrics,
        url: &str,
        query: &[(&str, &str)],
        body: &Value,
    ) -> Result<Value, HttpError> {
        self.json(metrics, self.client.post(url).query(query).json(body))
            .await
    }

    /// `POST url?query` with a form body, the answer as JSON.
    pub async fn post_form(
        &self,
        metrics: &Metrics,
        url: &str,
        query: &[(&str, &str)],
        form: &[(&str, &str)],
    ) -> Result<Value, HttpError> {
        self.json(metrics, self.client.post(url).query(query).form(form))
            .await
    }

    /// `GET url?query`, the body read up to `max_bytes` as it came (an avatar, a JSONP
    /// answer); a status other than 2xx is an error.
    pub async fn get_bytes(
        &self,
        metrics: &Metrics,
        url: &str,
        query: &[(&str, &str)],
        max_bytes: usize,
    ) -> Result<Fetched, HttpError> {
        self.bytes(metrics, self.client.get(url).query(query), max_bytes)
            .await
    }

    /// `POST url?query` with a form body, the answer read up to `max_bytes` as it came (a
    /// provider that signs its answer's text); a status other than 2xx is an error.
    pub async fn post_form_bytes(
        &self,
        metrics: &Metrics,
        url: &str,
        query: &[(&str, &str)],
        form: &[(&str, &str)],
        max_bytes: usize,
    ) -> Result<Fetched, HttpError> {
        self.bytes(
            metrics,
            self.client.post(url).query(query).form(form),
            max_bytes,
        )
        .await
    }

    async fn bytes(
        &self,
        metrics: &Metrics,
        request: reqwest::RequestBuilder,
        max_bytes: usize,
    ) -> Result<Fetched, HttpError> {
        let started = Instant::now();
        let result = match self.fetch(request, max_bytes).await {
            Ok(f) if !(200..300).contains(&f.status) => Err(HttpError::Status(f.status)),
            other => other,
        };
        self.observe(metrics, started, &result);
        result
    }

    async fn json(
        &self,
        metrics: &Metrics,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, HttpError> {
        let started = Instant::now();
        let result: Result<Value, HttpError> =
            self.fetch(request, MAX_JSON_BYTES).await.and_then(|f| {
                match serde_json::from_slice::<Value>(&f.body) {
                    Ok(v) => Ok(v),
                    Err(_) if !(200..300).contains(&f.status) => Err(HttpError::Status(f.status)),
                    Err(e) => Err(HttpError::Malformed(e.to_string())),
                }
            });
        self.observe(metrics, started, &result);
        result
    }

    async fn fetch(
        &self,
        request: reqwest::RequestBuilder,
        max_bytes: usize,
    ) -> Result<Fetched, HttpError> {
        let unreachable = |e: reqwest::Error| {
            // Without the URL: it may hold a secret.
            let e = e.without_url();
            HttpError::Unreachable(if e.is_timeout() {
                "timed out".to_string()
            } else {
                e.to_string()
            })
        };
        let mut response = request.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if response
            .content_length()
            .is_some_and(|n| n > max_bytes as u64)
        {
            return Err(HttpError::TooLarge(max_bytes));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if body.len() + chunk.len() > max_bytes {
                return Err(HttpError::TooLarge(max_bytes));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            status,
            content_type,
            body,
        })
    }

    fn observe<T: Observed>(
        &self,
        metrics: &Metrics,
        started: Instant,
        result: &Result<T, HttpError>,
    ) {
        let outcome = match result {
            Ok(answer) if answer.refused(self) => Outcome::Rejected,
            Ok(_) => Outcome::Ok,
            Err(e) => e.outcome(),
        };
        metrics.outbound(self.provider, outcome, started.elapsed());
    }
}

/// What a call gave back, as `/metrics` sees it.
trait Observed {
    fn refused(&self, client: &HttpClient) -> bool;
}

impl Observed for Value {
    fn refused(&self, client: &HttpClient) -> bool {
        (client.refusal)(self)
    }
}

impl Observed for Fetched {
    fn refused(&self, client: &HttpClient) -> bool {
        (client.raw_refusal)(&self.body)
    }
}
