//! The uni-id-co HTTP adapter (spec §14.1): `POST /uni-id-co/<method>` with
//! `{clientInfo, uniIdToken, params}`, answered `{errCode, errMsg, newToken?, …}` with status 200.
//!
//! This is the one place an [`ApiError`] becomes a JSON response. Whatever the input — wrong verb,
//! wrong content type, a huge or malformed body, wrong types, a panicking handler — the caller
//! gets a uni-id error code and a message in its language, never a 500 with a stack.

pub mod call;
pub mod client_info;
pub mod client_ip;
pub mod cors;
pub mod methods;
pub mod openapi;
pub mod signature;

use std::panic::AssertUnwindSafe;

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::FutureExt;
use serde_json::{Map, Value, json};

use crate::api::call::Call;
use crate::api::client_info::ClientInfo;
use crate::api::methods::Access;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
use crate::i18n::Locale;
use crate::tokens::{self, AuthInfo};

/// The API's routes: the uni-id-co adapter and the health checks.
pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/uni-id-co/{method}").route(web::route().to(uni_id_co)))
        .service(web::resource("/health/live").route(web::get().to(live)))
        .service(web::resource("/health/ready").route(web::get().to(ready)));
}

async fn uni_id_co(
    host: web::ThinData<Host>,
    method: web::Path<String>,
    request: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    if request.method() == Method::OPTIONS {
        return cors::preflight(&host, &request);
    }
    // No method has a dot in its name, so this path can share the methods' route.
    if method.as_str() == "openapi.json" && request.method() == Method::GET {
        let mut response = json_response(StatusCode::OK, &openapi::document(&host));
        cors::decorate(&host, &request, &mut response);
        return response;
    }
    let started = std::time::Instant::now();
    let fallback = accept_language(request.headers());
    // Whatever panics — parsing the envelope or the method itself — is a system error for this
    // call, never a dropped connection.
    let handled = AssertUnwindSafe(handle(&host, &method, &request, body))
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            Err((
                None,
                ApiError::system(format_args!("request panicked: {}", panic_message(&panic))),
            ))
        });
    let mut response = match handled {
        Ok((reply, auth)) => {
            host.metrics.api_call(&method, None, started.elapsed());
            success(reply, auth)
        }
        Err((locale, e)) => {
            host.metrics
                .api_call(&method, Some(e.code), started.elapsed());
            failure(&host, locale.unwrap_or(fallback), &method, e)
        }
    };
    cors::decorate(&host, &request, &mut response);
    response
}

type Failed = (Option<Locale>, ApiError);

async fn handle(
    host: &Host,
    method: &str,
    request: &HttpRequest,
    body: web::Payload,
) -> Result<(methods::Reply, Option<AuthInfo>), Failed> {
    let early = |e: ApiError| (None, e);
    if request.method() != Method::POST || !is_json(request.headers()) {
        return Err(early(ApiError::new(ErrorCode::UnsupportedRequest)));
    }
    let client_ip = crate::server::client_ip(host, request);
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
    let timeout = std::time::Duration::from_secs(host.config.server.body_timeout_secs);
    let bytes = match crate::server::read_body(body, limit, declared_too_large, timeout).await {
        Ok(bytes) => bytes,
        Err(crate::server::BodyError::TooLarge) => return Err(early(too_large())),
        Err(_) => {
            return Err(early(
                ApiError::new(ErrorCode::InvalidParam).message("unid-body-timeout"),
            ));
        }
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
    if let Some(c) = &raw_client {
        crate::validator::refuse_control_chars(c, "clientInfo").map_err(fail)?;
    }
    let mut client =
        ClientInfo::parse(raw_client.as_ref(), client_ip.to_string(), user_agent).map_err(fail)?;
    let token = match body.remove("uniIdToken") {
        None | Some(Value::Null) => String::new(),
        // A token is base64url and dots; anything else cannot be one.
        Some(Value::String(t)) if t.chars().any(char::is_control) => {
            return Err(fail(ApiError::new(ErrorCode::CheckTokenFailed)));
        }
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
    // A known method's name (the table's key, not the caller's text).
    client.via = Some(method.to_string());
    let effective = host
        .settings
        .effective(&client.app_id, &client.platform)
        .map_err(fail)?;

    let auth = match spec.access {
        Access::Anonymous => None,
        Access::Signed => {
            let empty = Map::new();
            let p = params.as_object().unwrap_or(&empty);
            signature::verify(host, &effective, request.headers(), p)
                .await
                .map_err(fail)?;
            None
        }
        Access::Auth | Access::AuthNoRefresh | Access::Role(_) => {
            let refresh = spec.access != Access::AuthNoRefresh;
            let auth = tokens::check(host, &token, &effective, &client, refresh)
                .await
                .map_err(fail)?;
            if let Access::Role(roles) = spec.access
                && !auth.is_admin()
                && !auth.role.iter().any(|r| roles.contains(&r.as_str()))
            {
                return Err(fail(ApiError::new(ErrorCode::PermissionError)));
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
    let reply = (spec.handler)(call, params).await.map_err(fail)?;
    Ok((reply, auth))
}

fn success(reply: methods::Reply, auth: Option<AuthInfo>) -> HttpResponse {
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

fn failure(host: &Host, locale: Locale, method: &str, e: ApiError) -> HttpResponse {
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

pub(crate) fn json_response(status: StatusCode, body: &Value) -> HttpResponse {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(bytes)
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

async fn live() -> HttpResponse {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

async fn ready(host: web::ThinData<Host>) -> HttpResponse {
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
