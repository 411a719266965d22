//! CORS for uni-app H5 builds that call uni-id-co from another origin (`[server] corsOrigins`).
//! Nothing is allowed by default; an allowed origin is echoed (with `Vary: Origin`), never with
//! credentials: the API carries its token in the body, not in cookies.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use crate::host::Host;

/// Headers a cross-origin client may send: JSON, and the external-login signature headers.
const ALLOWED_HEADERS: &str = "content-type, uni-id-nonce, uni-id-timestamp, uni-id-signature";

/// The request's `Origin` when `[server] corsOrigins` allows it.
fn allowed_origin(host: &Host, req: &HttpRequest) -> Option<HeaderValue> {
    let origin = req.headers().get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    let allowed = &host.config.server.cors_origins;
    allowed
        .iter()
        .any(|o| o == "*" || o.eq_ignore_ascii_case(text))
        .then(|| origin.clone())
}

/// The answer to a preflight (`OPTIONS`): 204, with the grant only for an allowed origin.
pub fn preflight(host: &Host, req: &HttpRequest) -> HttpResponse {
    let mut r = HttpResponse::NoContent();
    r.insert_header((header::VARY, HeaderValue::from_static("Origin")));
    if let Some(origin) = allowed_origin(host, req) {
        r.insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            ))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOWED_HEADERS),
            ))
            .insert_header((
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            ));
    }
    r.finish()
}

/// Adds the grant to an answer for an allowed origin.
pub fn decorate(host: &Host, req: &HttpRequest, response: &mut HttpResponse) {
    if host.config.server.cors_origins.is_empty() {
        return;
    }
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(origin) = allowed_origin(host, req) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
}

/// Checks `[server] corsOrigins`: `*`, or origins such as `https://app.example.com`.
pub fn valid_origin(origin: &str) -> bool {
    if origin == "*" {
        return true;
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' ', '@'])
}

#[cfg(test)]
mod tests {
    use super::valid_origin;

    #[test]
    fn origins_are_scheme_host_and_port() {
        for ok in ["*", "https://app.example.com", "http://localhost:5173"] {
            assert!(valid_origin(ok), "{ok}");
        }
        for bad in [
            "app.example.com",
            "https://a.com/",
            "https://",
            "ftp://a.com",
            "https://u@a.com",
        ] {
            assert!(!valid_origin(bad), "{bad}");
        }
    }
}
