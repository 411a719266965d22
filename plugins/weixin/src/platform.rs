//! Which WeChat a request comes from (spec §11.1), and the credentials configured for it.
//!
//! `mp` is the mini program (`mp-weixin`), `app` the WeChat SDK in an app, `h5` a web page
//! inside WeChat's own browser (its user agent says `MicroMessenger`; an official account's
//! OAuth), `web` any other browser (a website's QR sign-in). Each has its own WeChat appid,
//! so its openids are its own; the unionid is shared by the apps of one WeChat open platform
//! account.

use unid_core::plugin::Secret;
use unid_core::plugin::accounts::ClientInfo;
use unid_core::plugin::config::Effective;
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Mp,
    App,
    H5,
    Web,
}

impl Platform {
    /// The request's WeChat platform; `None` for platforms without WeChat sign-in.
    pub fn of(client: &ClientInfo) -> Option<Platform> {
        match client.platform.as_str() {
            "mp-weixin" => Some(Platform::Mp),
            "app" => Some(Platform::App),
            "web" if in_wechat(client.user_agent.as_deref()) => Some(Platform::H5),
            "web" => Some(Platform::Web),
            _ => None,
        }
    }

    /// The key uni-id stores openids under (`wx_openid.<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Platform::Mp => "mp",
            Platform::App => "app",
            Platform::H5 => "h5",
            Platform::Web => "web",
        }
    }

    /// `(platform section, oauth key)` of its credentials in uni-id's config.
    pub fn config_path(self) -> (&'static str, &'static str) {
        match self {
            Platform::Mp => ("mp-weixin", "weixin"),
            Platform::App => ("app", "weixin"),
            Platform::H5 => ("web", "weixin-h5"),
            Platform::Web => ("web", "weixin-web"),
        }
    }
}

/// Whether a user agent is WeChat's built-in browser.
pub fn in_wechat(user_agent: Option<&str>) -> bool {
    user_agent.is_some_and(|ua| ua.contains("MicroMessenger"))
}

/// One WeChat appid and its secret.
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

/// The credentials of `platform` in the request's config (`oauth.<key>.appid` / `appsecret`),
/// or `uni-id-config-field-required` naming the missing key, as uni-id answers.
pub fn credentials(effective: &Effective, platform: Platform) -> ApiResult<Credentials> {
    let (section, key) = platform.config_path();
    let entry = effective.oauth.as_ref().and_then(|o| o.get(key));
    let field = |name: &str| {
        entry
            .and_then(|e| e.get(name))
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                ApiError::new(ErrorCode::ConfigFieldRequired)
                    .arg("field", format!("{section}.oauth.{key}.{name}"))
            })
    };
    Ok(Credentials {
        appid: field("appid")?,
        secret: Secret::new(field("appsecret")?),
    })
}

/// Whether `platform` has credentials in this config.
pub fn configured(effective: &Effective, platform: Platform) -> bool {
    credentials(effective, platform).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(platform: &str, ua: Option<&str>) -> ClientInfo {
        ClientInfo {
            platform: platform.into(),
            user_agent: ua.map(str::to_string),
            ..Default::default()
        }
    }

    #[test]
    fn the_platform_follows_uni_id() {
        assert_eq!(Platform::of(&client("mp-weixin", None)), Some(Platform::Mp));
        assert_eq!(Platform::of(&client("app", None)), Some(Platform::App));
        assert_eq!(
            Platform::of(&client(
                "web",
                Some("Mozilla/5.0 (iPhone) AppleWebKit MicroMessenger/8.0.40")
            )),
            Some(Platform::H5)
        );
        assert_eq!(
            Platform::of(&client("web", Some("Mozilla/5.0 Chrome/120"))),
            Some(Platform::Web)
        );
        assert_eq!(Platform::of(&client("mp-alipay", None)), None);
    }
}
