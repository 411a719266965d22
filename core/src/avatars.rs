//! Avatar storage, a host service: pictures a user uploads (and, later, ones a login plugin
//! downloads from a provider) are checked to be images by their bytes, stored under
//! `[pages] avatarDir` with a random name, and served back as `/avatars/<name>` with the type
//! their bytes say and headers that stop a browser from treating them as anything else.
//!
//! uni-id keeps `avatar_file = {name, extname, url}` on the user; unid fills the same shape.

use std::io::Write;
use std::path::PathBuf;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use rand::RngCore;

use crate::host::Host;

/// The image formats accepted, by their leading bytes. SVG is not: it can carry script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageKind {
    /// What `bytes` are, judged by their signature (never by a name or a declared type).
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 24 {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && bytes.len() > 4 {
            Some(ImageKind::Jpeg)
        } else if (bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) && bytes.len() > 10
        {
            Some(ImageKind::Gif)
        } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Gif => "gif",
            ImageKind::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Gif => "image/gif",
            ImageKind::Webp => "image/webp",
        }
    }

    fn from_extension(ext: &str) -> Option<ImageKind> {
        match ext {
            "png" => Some(ImageKind::Png),
            "jpg" => Some(ImageKind::Jpeg),
            "gif" => Some(ImageKind::Gif),
            "webp" => Some(ImageKind::Webp),
            _ => None,
        }
    }
}

/// uni-id's `avatar_file`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvatarFile {
    pub name: String,
    pub extname: String,
    pub url: String,
}

impl AvatarFile {
    /// An avatar that lives at `url` (uni-id's external calls): `name` is the URL's path and
    /// `extname` the extension of its last segment, if it has one.
    pub fn from_url(url: &str) -> AvatarFile {
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        let path = path.split(['?', '#']).next().unwrap_or(path);
        let last = path.rsplit('/').next().unwrap_or("");
        let extname = last
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        AvatarFile {
            name: path.to_string(),
            extname,
            url: url.to_string(),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::json!({ "name": self.name, "extname": self.extname, "url": self.url })
            .to_string()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AvatarError {
    #[error("not a PNG, JPEG, GIF or WebP image")]
    NotAnImage,
    #[error("larger than {0} bytes")]
    TooLarge(usize),
    #[error("cannot store the avatar: {0}")]
    Io(#[from] std::io::Error),
}

pub struct AvatarStore {
    dir: PathBuf,
    pub max_bytes: usize,
}

/// Path prefix avatars are served under.
pub const URL_PREFIX: &str = "/avatars/";

impl AvatarStore {
    pub fn new(dir: PathBuf, max_bytes: usize) -> AvatarStore {
        AvatarStore { dir, max_bytes }
    }

    /// Checks and stores `bytes` for user `uid`; the file is private to the server (0600) and
    /// written whole or not at all.
    pub fn save(&self, uid: &str, bytes: &[u8]) -> Result<AvatarFile, AvatarError> {
        if bytes.len() > self.max_bytes {
            return Err(AvatarError::TooLarge(self.max_bytes));
        }
        let kind = ImageKind::sniff(bytes).ok_or(AvatarError::NotAnImage)?;
        crate::files::private_dir(&self.dir)?;
        let mut random = [0u8; 8];
        rand::rngs::OsRng.fill_bytes(&mut random);
        let uid: String = uid
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(24)
            .collect();
        let name = format!("{uid}-{}.{}", hex::encode(random), kind.extension());
        let tmp = self.dir.join(format!(".{name}.tmp"));
        {
            let mut f = crate::files::private_file(&tmp, true)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, self.dir.join(&name))?;
        Ok(AvatarFile {
            url: format!("{URL_PREFIX}{name}"),
            extname: kind.extension().to_string(),
            name,
        })
    }

    /// Removes a file this store wrote (a replaced avatar); anything else is left alone.
    pub fn remove(&self, url: &str) {
        if let Some(name) = url.strip_prefix(URL_PREFIX).filter(|n| valid_name(n)) {
            let _ = std::fs::remove_file(self.dir.join(name));
        }
    }

    fn read(&self, name: &str) -> Option<(Vec<u8>, ImageKind)> {
        if !valid_name(name) {
            return None;
        }
        let ext = name.rsplit_once('.')?.1;
        let bytes = std::fs::read(self.dir.join(name)).ok()?;
        // The bytes decide, as when they were stored.
        let kind =
            ImageKind::sniff(&bytes).filter(|k| Some(*k) == ImageKind::from_extension(ext))?;
        Some((bytes, kind))
    }
}

/// `<hex uid>-<16 hex>.<ext>`: nothing that could leave the directory.
fn valid_name(name: &str) -> bool {
    name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name.matches('.').count() == 1
        && !name.starts_with('.')
}

/// `GET /avatars/{name}`.
pub async fn serve(host: web::ThinData<Host>, name: web::Path<String>) -> HttpResponse {
    let store = host.clone();
    let name = name.into_inner();
    let found = web::block(move || store.avatars.read(&name))
        .await
        .ok()
        .flatten();
    match found {
        Some((bytes, kind)) => HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static(kind.content_type()),
            ))
            .insert_header((
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ))
            .insert_header((
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            ))
            .body(bytes),
        None => HttpResponse::NotFound().finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

    #[test]
    fn images_are_known_by_their_bytes() {
        assert_eq!(ImageKind::sniff(PNG), Some(ImageKind::Png));
        assert_eq!(
            ImageKind::sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"GIF89a\x01\0\x01\0\0\0"),
            Some(ImageKind::Gif)
        );
        assert_eq!(
            ImageKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        for not in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            b"<html>",
            b"",
            b"\x89PNG",
        ] {
            assert_eq!(ImageKind::sniff(not), None);
        }
    }

    #[test]
    fn stores_privately_and_refuses_what_is_not_an_image() {
        let dir = std::env::temp_dir().join(format!("unid-avatars-{}", rand::random::<u64>()));
        let store = AvatarStore::new(dir.clone(), 1024);
        let file = store.save("0123456789abcdef01234567", PNG).expect("stored");
        assert!(file.url.starts_with("/avatars/0123456789abcdef01234567-"));
        assert_eq!(file.extname, "png");
        assert_eq!(store.read(&file.name).map(|(_, k)| k), Some(ImageKind::Png));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(&file.name))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(&dir).expect("dir").permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        assert!(matches!(
            store.save("u", b"<svg/>"),
            Err(AvatarError::NotAnImage)
        ));
        assert!(matches!(
            store.save("u", &[0x89; 2048]),
            Err(AvatarError::TooLarge(1024))
        ));
        assert_eq!(store.read("../secrets.toml"), None);
        assert_eq!(store.read(".hidden.png"), None);
        store.remove(&file.url);
        assert_eq!(store.read(&file.name), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
