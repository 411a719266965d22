//! The HTTP server: actix-web workers serving every face of the host (the uni-id-co API, its
//! health checks, and whatever routes plugins add), the headers every answer carries, and the
//! pieces of request handling the faces share (client address, bounded body reads).
//!
//! The server owns no account rules; it only hands requests to the faces.

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, middleware, web};
use futures_util::StreamExt;
use serde_json::json;

use crate::host::Host;
use crate::{api, db, pages, telemetry};

/// Serves the host on `listener` until `shutdown` resolves, then stops accepting and lets
/// requests in flight finish.
pub async fn serve(
    host: Host,
    listener: std::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let janitor = tokio::spawn(janitor(host.clone()));
    let workers = host.config.server.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let factory_host = host.clone();
    let server = HttpServer::new(move || {
        let host = factory_host.clone();
        App::new()
            .app_data(web::ThinData(host.clone()))
            .wrap(security_headers(&host))
            .wrap(middleware::from_fn(telemetry::observe))
            .route("/metrics", web::get().to(telemetry::metrics_with_token))
            .configure(api::config)
            .configure(|cfg| {
                if host.site.enabled {
                    pages::config(cfg);
                    for plugin in &host.plugins {
                        plugin.pages(cfg);
                    }
                }
            })
            .default_service(web::to(not_found))
    })
    .workers(workers)
    .client_request_timeout(Duration::from_secs(host.config.server.header_timeout_secs))
    .client_disconnect_timeout(Duration::from_secs(1))
    .keep_alive(Duration::from_secs(host.config.server.keep_alive_secs))
    .max_connections(host.config.server.max_connections.div_ceil(workers).max(1))
    // The binary handles SIGINT / SIGTERM itself and resolves `shutdown`.
    .disable_signals()
    .shutdown_timeout(10)
    .listen(listener)?
    .run();
    let metrics_server = match &host.config.server.metrics_listen {
        Some(addr) => Some(metrics_server(host.clone(), addr)?),
        None => None,
    };
    let handle = server.handle();
    let metrics_handle = metrics_server.as_ref().map(actix_web::dev::Server::handle);
    tokio::spawn(async move {
        shutdown.await;
        if let Some(h) = metrics_handle {
            h.stop(false).await;
        }
        handle.stop(true).await;
    });
    if let Some(m) = metrics_server {
        tokio::spawn(m);
    }
    let result = server.await;
    janitor.abort();
    result
}

/// `[server] metricsListen`: one worker serving only `/metrics`.
fn metrics_server(host: Host, addr: &str) -> std::io::Result<actix_web::dev::Server> {
    let server = HttpServer::new(move || {
        App::new().app_data(web::ThinData(host.clone())).route(
            "/metrics",
            web::get().to(telemetry::metrics_on_own_listener),
        )
    })
    .workers(1)
    .disable_signals()
    .bind(addr)?
    .run();
    tracing::info!(%addr, "metrics listening");
    Ok(server)
}

/// Headers every answer carries, whatever face produced it. Served over https (by `publicUrl`),
/// browsers are also told to use nothing else for a year, this host and its subdomains.
fn security_headers(host: &Host) -> middleware::DefaultHeaders {
    let headers = middleware::DefaultHeaders::new()
        .add((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .add((
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ));
    if host.config.public_url().starts_with("https://") {
        headers.add((
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        headers
    }
}

/// A browser asking for a page gets the site's 404 page; anything else a JSON answer.
async fn not_found(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html && host.site.enabled {
        return pages::not_found(&host, &req).await;
    }
    api::json_response(
        StatusCode::NOT_FOUND,
        &json!({ "errCode": "not-found", "errMsg": "not found" }),
    )
}

/// The client's address: the socket peer, or what trusted proxies report (`[server]
/// trustedProxies`).
pub fn client_ip(host: &Host, request: &HttpRequest) -> IpAddr {
    let peer = request
        .peer_addr()
        .map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let forwarded = request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    host.trusted_proxies.client_ip(peer, forwarded)
}

/// How much of an oversized body is read (and thrown away) before answering. Answering while
/// the client is still sending makes many clients see a reset instead of the error; beyond this
/// the connection is simply closed.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    /// Not all of it arrived within `[server] bodyTimeoutSecs`.
    TimedOut,
    /// The connection broke off.
    Broken,
}

/// The body when it fits in `limit` bytes and arrives within `timeout`. An oversized body is
/// drained (up to [`DRAIN_LIMIT`]) before the refusal, within the same time.
pub async fn read_body(
    mut body: web::Payload,
    limit: usize,
    declared_too_large: bool,
    timeout: Duration,
) -> Result<Vec<u8>, BodyError> {
    let read = async {
        let mut bytes = Vec::new();
        let mut seen = 0usize;
        let mut fits = !declared_too_large;
        while let Some(chunk) = body.next().await {
            let Ok(chunk) = chunk else {
                return Err(BodyError::Broken);
            };
            seen += chunk.len();
            if fits && seen <= limit {
                bytes.extend_from_slice(&chunk);
            } else {
                fits = false;
                bytes = Vec::new();
                if seen > DRAIN_LIMIT {
                    break;
                }
            }
        }
        if fits {
            Ok(bytes)
        } else {
            Err(BodyError::TooLarge)
        }
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or(Err(BodyError::TimedOut))
}

/// What one clean-up deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanUp {
    /// Verification codes and captchas past their expiry.
    pub codes: usize,
    pub tokens: usize,
    /// Throttle counters idle for a day.
    pub counters: usize,
}

/// Deletes what can no longer be used: expired codes, captchas and tokens, and counters idle
/// for a day. Run every ten minutes by the server (and by tests), on any instance: the deletes
/// are idempotent.
pub async fn clean_up(host: &Host) -> crate::error::ApiResult<CleanUp> {
    let now = host.clock.now_ms();
    host.db
        .run(move |conn| {
            Ok(CleanUp {
                codes: db::models::codes::purge_expired(conn, now)?,
                tokens: db::models::tokens::purge_expired(conn, now / 1000)?,
                counters: db::models::throttles::purge_idle(conn, now - 24 * 3600 * 1000)?,
            })
        })
        .await
}

/// Runs [`clean_up`] now and then, so the tables stay small whatever is thrown at them.
async fn janitor(host: Host) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match clean_up(&host).await {
            Ok(done) if done != CleanUp::default() => {
                tracing::debug!(?done, "deleted expired rows");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "periodic clean-up failed"),
        }
    }
}
