//! The operator's view of each request: a request id (returned in `X-Request-Id` and carried by
//! every log line the request causes), its count and latency in the metrics, an optional access
//! log line, and the `/metrics` endpoint itself.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use tracing::Instrument;

use crate::host::Host;
use crate::metrics::Face;
use crate::secret::ct_eq;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the request being served, for handlers that want to show it (error pages).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Wraps every request: id, span, metrics, access log.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let host = req.app_data::<web::ThinData<Host>>().map(|h| h.0.clone());
    let id = request_id(host.as_ref(), &req);
    req.extensions_mut().insert(RequestId(id.clone()));
    let face = Face::of(req.path());
    let span = tracing::info_span!("request", id = %id);
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed = started.elapsed();
    let status = res.status();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    if let Some(host) = host {
        host.metrics.http_request(face, status.as_u16(), elapsed);
        if host.config.server.access_log {
            let _entered = span.enter();
            let request = res.request();
            tracing::info!(
                target: "unid::access",
                method = %request.method(),
                path = request.path(),
                status = status.as_u16(),
                ms = elapsed.as_secs_f64() * 1000.0,
                ip = %crate::server::client_ip(&host, request),
                "request"
            );
        }
    }
    Ok(res)
}

/// A trusted proxy's `X-Request-Id` (so one id follows the request through the proxy's logs and
/// ours) when it is short and plain; otherwise a new random one.
fn request_id(host: Option<&Host>, req: &ServiceRequest) -> String {
    let from_proxy = host.is_some_and(|h| {
        req.peer_addr()
            .is_some_and(|peer| h.trusted_proxies.trusts(peer.ip().to_canonical()))
    });
    if from_proxy
        && let Some(given) = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok())
        && (1..=64).contains(&given.len())
        && given
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
    {
        return given.to_string();
    }
    format!("{:016x}", rand::random::<u64>())
}

/// `/metrics` on the main listener: only with `[server] metricsToken`, sent as a bearer token.
pub async fn metrics_with_token(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let Some(expected) = &host.config.server.metrics_token else {
        return HttpResponse::NotFound().finish();
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !ct_eq(given.as_bytes(), expected.expose().as_bytes()) {
        return HttpResponse::Unauthorized()
            .insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\""))
            .finish();
    }
    exposition(&host)
}

/// `/metrics` on `[server] metricsListen`: the address is the protection, unless a token is
/// configured as well.
pub async fn metrics_on_own_listener(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    if host.config.server.metrics_token.is_some() {
        return metrics_with_token(host, req).await;
    }
    exposition(&host)
}

fn exposition(host: &Host) -> HttpResponse {
    HttpResponse::build(StatusCode::OK)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(host.metrics.render(host.gauges()))
}
