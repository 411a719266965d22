//! Which QQ a request comes from (spec §11.2), and the credentials configured for it.
//!
//! `mp` is the QQ mini program (`mp-qq`), which hands the server a login `code`; `app` is an
//! app signed in with the QQ SDK (QQ Connect), which hands it the user's `accessToken`. Each
//! has its own QQ appid, so its openids are its own; the unionid is shared by the apps of one
//! QQ open platform account.

use unid_core::plugin::Secret;
use unid_core::plugin::accounts::ClientInfo;
use unid_core::plugin::config::Effective;
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Mp,
    App,
}

impl Platform {
    /// The request's QQ platform; `None` for platforms without QQ sign-in (uni-id throws
    /// "Unsupported qq platform" there).
    pub fn of(client: &ClientInfo) -> Option<Platform> {
        match client.platform.as_str() {
            "mp-qq" => Some(Platform::Mp),
            "app" => Some(Platform::App),
            _ => None,
        }
    }

    /// The key uni-id stores openids under (`qq_openid.<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Platform::Mp => "mp",
            Platform::App => "app",
        }
    }

    /// The platform section its credentials live in (`<section>.oauth.qq`).
    pub fn section(self) -> &'static str {
        match self {
            Platform::Mp => "mp-qq",
            Platform::App => "app",
        }
    }
}

/// One QQ appid and its secret.
#[derive(Clone)]
pub struct Credentials {
    pub appid: String,
    pub secret: Secret,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("appid", &self.appid)
            .field("secret", &"****")
            .finish()
    }
}

/// The credentials of `platform` in the request's config (`oauth.qq.appid` / `appsecret`),
/// or `uni-id-config-field-required` naming the missing key, as uni-id answers. uni-id requires
/// both on either platform, though an app's sign-in itself never sends the secret.
pub fn credentials(effective: &Effective, platform: Platform) -> ApiResult<Credentials> {
    let entry = effective.oauth.as_ref().and_then(|o| o.get("qq"));
    let field = |name: &str| {
        entry
            .and_then(|e| e.get(name))
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                ApiError::new(ErrorCode::ConfigFieldRequired)
                    .arg("field", format!("{}.oauth.qq.{name}", platform.section()))
            })
    };
    Ok(Credentials {
        appid: field("appid")?,
        secret: Secret::new(field("appsecret")?),
    })
}

/// Whether this config has QQ credentials (the request's platform section, merged).
pub fn configured(effective: &Effective) -> bool {
    credentials(effective, Platform::App).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(platform: &str) -> ClientInfo {
        ClientInfo {
            platform: platform.into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_platform_follows_uni_id() {
        assert_eq!(Platform::of(&client("mp-qq")), Some(Platform::Mp));
        // The host normalises app-plus, app-android and app-ios to `app`.
        assert_eq!(Platform::of(&client("app")), Some(Platform::App));
        assert_eq!(Platform::of(&client("web")), None);
        assert_eq!(Platform::of(&client("mp-weixin")), None);
        assert_eq!(Platform::Mp.key(), "mp");
        assert_eq!(Platform::App.section(), "app");
    }

    #[test]
    fn the_secret_does_not_print() {
        let c = Credentials {
            appid: "1101".into(),
            secret: Secret::new("s3cr3t"),
        };
        let shown = format!("{c:?}");
        assert!(
            shown.contains("1101") && !shown.contains("s3cr3t"),
            "{shown}"
        );
    }
}
