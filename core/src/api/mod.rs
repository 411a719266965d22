//! The uni-id-co HTTP adapter (spec §14.1): `POST /uni-id-co/<method>` with
//! `{clientInfo, uniIdToken, params}`, answered `{errCode, errMsg, newToken?, …}` with status 200.
//!
//! This is the one place an [`ApiError`] becomes a response. Whatever the input — wrong verb,
//! wrong content type, a huge or malformed body, wrong types, a panicking handler — the caller
//! gets a uni-id error code and a message in its language, never a 500 with a stack.

pub mod call;
pub mod client_info;
pub mod client_ip;
pub mod methods;

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use futures_util::FutureExt;
use serde_json::{Map, Value, json};

use crate::api::call::Call;
use crate::api::client_info::ClientInfo;
use crate::api::methods::Access;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
use crate::i18n::Locale;
use crate::tokens::{self, AuthInfo};

pub fn router(host: Host) -> Router {
    Router::new()
        .route("/uni-id-co/{method}", any(uni_id_co))
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
        .fallback(not_found)
        .with_state(host)
}

async fn uni_id_co(
    State(host): State<Host>,
    Path(method): Path<String>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let fallback = accept_language(request.headers());
    match handle(&host, &method, peer, request).await {
        Ok((reply, auth)) => success(reply, auth),
        Err((locale, e)) => failure(&host, locale.unwrap_or(fallback), &method, e),
    }
}

type Failed = (Option<Locale>, ApiError);

async fn handle(
    host: &Host,
    method: &str,
    peer: SocketAddr,
    request: Request,
) -> Result<(methods::Reply, Option<AuthInfo>), Failed> {
    let early = |e: ApiError| (None, e);
    if request.method() != Method::POST || !is_json(request.headers()) {
        return Err(early(ApiError::new(ErrorCode::UnsupportedRequest)));
    }
    let client_ip = host.trusted_proxies.client_ip(peer.ip(), request.headers());
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let limit = host.config.server.max_body_bytes;
    let too_large = || {
        ApiError::new(ErrorCode::InvalidParam)
            .message("unid-body-too-large")
            .arg("limit", limit.to_string())
    };
    let declared_too_large = content_length(request.headers()).is_some_and(|n| n > limit);
    let bytes = match read_body(request.into_body(), limit, declared_too_large).await {
        Some(bytes) => bytes,
        None => return Err(early(too_large())),
    };
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| {
        early(ApiError::new(ErrorCode::InvalidParam).message("unid-malformed-json"))
    })?;
    let Value::Object(mut body) = body else {
        return Err(early(
            ApiError::new(ErrorCode::InvalidParam).message("unid-malformed-json"),
        ));
    };

    let raw_client = body.remove("clientInfo");
    let locale = Locale::from_tag(
        raw_client
            .as_ref()
            .and_then(|c| c.get("locale"))
            .and_then(Value::as_str),
    );
    let fail = |e: ApiError| (Some(locale), e);
    let client =
        ClientInfo::parse(raw_client.as_ref(), client_ip.to_string(), user_agent).map_err(fail)?;
    let token = match body.remove("uniIdToken") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(t)) => t,
        Some(_) => {
            return Err(fail(
                ApiError::new(ErrorCode::InvalidParam).detail("uniIdToken is not a string"),
            ));
        }
    };
    let params = match body.remove("params") {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(p @ Value::Object(_)) => p,
        Some(_) => {
            return Err(fail(
                ApiError::new(ErrorCode::InvalidParam).detail("params is not an object"),
            ));
        }
    };

    let spec = *host.methods.get(method).ok_or_else(|| {
        fail(
            ApiError::new(ErrorCode::UnsupportedRequest)
                .message("unid-unknown-method")
                .arg("method", method.chars().take(64).collect::<String>()),
        )
    })?;
    let effective = host
        .settings
        .effective(&client.app_id, &client.platform)
        .map_err(fail)?;

    let auth = match spec.access {
        Access::Anonymous => None,
        Access::Auth | Access::AuthNoRefresh | Access::Role(_) => {
            let refresh = spec.access != Access::AuthNoRefresh;
            let auth = tokens::check(host, &token, &effective, &client, refresh)
                .await
                .map_err(fail)?;
            if let Access::Role(roles) = spec.access {
                if !auth.is_admin() && !auth.role.iter().any(|r| roles.contains(&r.as_str())) {
                    return Err(fail(ApiError::new(ErrorCode::PermissionError)));
                }
            }
            Some(auth)
        }
    };

    host.validator(effective.password_strength)
        .validate(&params, spec.schema)
        .map_err(fail)?;

    let call = Call {
        host: host.clone(),
        client,
        effective,
        token,
        auth: auth.clone(),
        locale,
    };
    let outcome = AssertUnwindSafe((spec.handler)(call, params))
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            Err(ApiError::system(format_args!(
                "method panicked: {}",
                panic_message(&panic)
            )))
        });
    let reply = outcome.map_err(fail)?;
    Ok((reply, auth))
}

fn success(reply: methods::Reply, auth: Option<AuthInfo>) -> Response {
    let mut out = Map::with_capacity(reply.len() + 3);
    out.insert("errCode".into(), json!(0));
    out.insert("errMsg".into(), json!(""));
    out.extend(reply);
    if let Some(token) = auth.and_then(|a| a.new_token) {
        // uni-id merges the auto-refreshed token unless the method answered its own.
        out.entry("newToken").or_insert_with(|| token.to_json());
    }
    json_response(StatusCode::OK, &Value::Object(out))
}

fn failure(host: &Host, locale: Locale, method: &str, e: ApiError) -> Response {
    if e.code == ErrorCode::SystemError {
        tracing::error!(method, error = %e, "uni-id-co request failed");
    } else {
        tracing::debug!(method, error = %e, "uni-id-co request refused");
    }
    json_response(StatusCode::OK, &error_body(host, locale, &e))
}

/// `{errCode, errMsg}` plus the numeric `code` uni-id-common / uni-captcha attach.
pub fn error_body(host: &Host, locale: Locale, e: &ApiError) -> Value {
    let args: Vec<(&str, String)> = e.args.iter().map(|(k, v)| (*k, v.clone())).collect();
    let mut out = Map::new();
    out.insert("errCode".into(), json!(e.code.as_str()));
    out.insert(
        "errMsg".into(),
        json!(host.i18n.message(locale, &e.message, &args)),
    );
    if let Some(code) = e.code.numeric() {
        out.insert("code".into(), json!(code));
    }
    Value::Object(out)
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (status, Body::from(bytes)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// How much of an oversized body is read (and thrown away) before answering. Answering while
/// the client is still sending makes many clients see a reset instead of the error; beyond this
/// the connection is simply closed.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// The body when it fits in `limit` bytes; `None` (after draining what was sent, up to
/// [`DRAIN_LIMIT`]) when it does not.
async fn read_body(body: Body, limit: usize, declared_too_large: bool) -> Option<Vec<u8>> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    let mut fits = !declared_too_large;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { return None };
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
    fits.then_some(bytes)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"))
}

fn content_length(headers: &HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

fn accept_language(headers: &HeaderMap) -> Locale {
    Locale::from_tag(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split([',', ';']).next())
            .map(str::trim),
    )
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".to_string())
}

async fn live() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

async fn ready(State(host): State<Host>) -> Response {
    let backend = host.db.pool().backend();
    let db: ApiResult<()> = host
        .db
        .run(|conn| conn.ping().map_err(ApiError::from))
        .await;
    let plugins: Vec<(String, String)> = host
        .plugins
        .iter()
        .filter_map(|p| p.health().err().map(|e| (p.id().to_string(), e)))
        .collect();
    match (db, plugins.is_empty()) {
        (Ok(()), true) => json_response(
            StatusCode::OK,
            &json!({ "status": "ok", "database": backend }),
        ),
        (db, _) => {
            if let Err(e) = &db {
                tracing::warn!(error = %e, "readiness check: database unavailable");
            }
            json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({
                    "status": "unavailable",
                    "database": if db.is_ok() { "ok" } else { "unavailable" },
                    "plugins": plugins.into_iter().map(|(id, e)| json!({"id": id, "error": e})).collect::<Vec<_>>(),
                }),
            )
        }
    }
}

async fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({ "errCode": "not-found", "errMsg": "not found" }),
    )
}
