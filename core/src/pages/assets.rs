//! Static assets (`static/`): compiled into the binary and served under content-hashed names
//! (`/static/unid.3f2a9c1b0d.css`) with a year-long, immutable cache lifetime, so a new build
//! never meets a stale copy in a browser. Plugins may add their own.

use std::collections::HashMap;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::host::Host;

/// One file a face can link to.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Its logical name, e.g. `unid.css`, `icons/sms.svg`.
    pub name: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

/// The host's own files.
pub const CORE_ASSETS: &[Asset] = &[
    Asset {
        name: "unid.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../static/unid.css"),
    },
    Asset {
        name: "unid.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../static/unid.js"),
    },
    Asset {
        name: "logo.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../static/logo.svg"),
    },
    Asset {
        name: "avatar.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../static/avatar.svg"),
    },
    Asset {
        name: "icons/username.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../static/icons/username.svg"),
    },
];

/// Served files by hashed name, and the hashed name of each logical one.
#[derive(Debug, Default)]
pub struct Assets {
    by_path: HashMap<String, (web::Bytes, &'static str)>,
    urls: HashMap<&'static str, String>,
}

impl Assets {
    pub fn new() -> Assets {
        let mut assets = Assets::default();
        for a in CORE_ASSETS {
            assets.add(a.name, a.content_type, web::Bytes::from_static(a.bytes));
        }
        assets
    }

    /// Adds a file (a plugin's, or one generated from the config such as the theme).
    pub fn add(&mut self, name: &'static str, content_type: &'static str, bytes: web::Bytes) {
        let hash = hex::encode(&Sha256::digest(&bytes)[..5]);
        let hashed = match name.rsplit_once('.') {
            Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
            None => format!("{name}.{hash}"),
        };
        self.urls.insert(name, format!("/static/{hashed}"));
        self.by_path.insert(hashed, (bytes, content_type));
    }

    /// The URL of a logical name; an unknown name is a programming error, answered with a
    /// path that 404s rather than a panic.
    pub fn url(&self, name: &str) -> &str {
        self.urls
            .get(name)
            .map_or("/static/missing", String::as_str)
    }

    fn get(&self, path: &str) -> Option<&(web::Bytes, &'static str)> {
        self.by_path.get(path)
    }
}

/// `GET /static/{path}`.
pub async fn serve(host: web::ThinData<Host>, path: web::Path<String>) -> HttpResponse {
    match host.assets.get(&path) {
        Some((bytes, content_type)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(content_type)))
            .insert_header((
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ))
            .body(bytes.clone()),
        None => HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        let mut a = Assets::default();
        a.add("x.css", "text/css", web::Bytes::from_static(b"body{}"));
        let url = a.url("x.css").to_string();
        assert!(
            url.starts_with("/static/x.") && url.ends_with(".css"),
            "{url}"
        );
        let mut b = Assets::default();
        b.add(
            "x.css",
            "text/css",
            web::Bytes::from_static(b"body{color:red}"),
        );
        assert_ne!(url, b.url("x.css"), "other content, other name");
        assert!(a.get(url.trim_start_matches("/static/")).is_some());
        assert_eq!(a.url("nope.css"), "/static/missing");
    }
}
