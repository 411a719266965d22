//! `[pages]`: the site unid serves to people in a browser. The keys that uni-id-pages has in its
//! `config.js` keep their names and meanings there (spec §13.1): `loginTypes`, `agreements`,
//! `passwordStrength`, `setPasswordAfterLogin`; the rest say how the site looks and which app it
//! signs people into.

use serde::Deserialize;

/// `[pages]` as written.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PagesConfig {
    /// Serve the pages at all (the API is served either way).
    pub enabled: bool,
    /// The app (DCloud appid) page sign-ins belong to. Default: the `dcloudAppid` of the default
    /// app entry, else `__UNI__UNID`.
    pub app_id: Option<String>,
    /// uni-id-pages' `loginTypes`: sign-in methods in order; the first one available is what
    /// `/login` shows. Values: `smsCode`, `username`, `weixin`, `apple`, … (spec §13.1).
    pub login_types: Vec<String>,
    /// uni-id-pages' `agreements`; absent: no consent is asked.
    pub agreements: Option<Agreements>,
    /// uni-id-pages' `passwordStrength`. Only a hint there; here it must agree with the
    /// `passwordStrength` of the pages' app, which both faces enforce.
    pub password_strength: Option<String>,
    /// uni-id-pages' `setPasswordAfterLogin`: `false`, `true`, or `{ allowSkip = true }`.
    pub set_password_after_login: SetPasswordAfterLogin,
    /// Shown in the title bar and above every form.
    pub site_name: String,
    /// URL or path of the logo (default: unid's own).
    pub logo: Option<String>,
    /// Main colour of buttons and links, as `#rgb` or `#rrggbb`.
    pub primary_color: String,
    /// Where uploaded avatars are stored. Default: `<dataDir>/avatars`.
    pub avatar_dir: Option<std::path::PathBuf>,
    /// Largest avatar accepted, in bytes.
    pub avatar_max_bytes: usize,
}

impl Default for PagesConfig {
    fn default() -> Self {
        PagesConfig {
            enabled: true,
            app_id: None,
            login_types: vec!["smsCode".to_string(), "username".to_string()],
            agreements: None,
            password_strength: None,
            set_password_after_login: SetPasswordAfterLogin::default(),
            site_name: "unid".to_string(),
            logo: None,
            primary_color: "#2979ff".to_string(),
            avatar_dir: None,
            avatar_max_bytes: 2 * 1024 * 1024,
        }
    }
}

/// uni-id-pages' `agreements`.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Agreements {
    pub service_url: String,
    pub privacy_url: String,
    /// Where consent is asked: `register` (every form that can create an account), `login`
    /// (password sign-in).
    #[serde(default)]
    pub scope: Vec<String>,
}

impl Agreements {
    pub fn applies_to(&self, scope: &str) -> bool {
        self.scope.iter().any(|s| s == scope)
    }
}

/// `setPasswordAfterLogin`: `false` / `true` / `{ allowSkip = bool }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetPasswordAfterLogin {
    #[default]
    Off,
    Required,
    Skippable,
}

impl<'de> Deserialize<'de> for SetPasswordAfterLogin {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Flag(bool),
            Table {
                #[serde(rename = "allowSkip", default)]
                allow_skip: bool,
            },
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected false, true or { allowSkip = true|false }")
        })? {
            Raw::Flag(false) => Ok(SetPasswordAfterLogin::Off),
            Raw::Flag(true) | Raw::Table { allow_skip: false } => {
                Ok(SetPasswordAfterLogin::Required)
            }
            Raw::Table { allow_skip: true } => Ok(SetPasswordAfterLogin::Skippable),
        }
    }
}

/// The login types uni-id-pages knows (spec §13.1), so a misspelt one is an error rather than
/// silently hidden. Which of them a server offers depends on its plugins.
pub const KNOWN_LOGIN_TYPES: &[&str] = &[
    "univerify",
    "smsCode",
    "weixin",
    "weixinMobile",
    "apple",
    "username",
    "huawei",
    "huaweiMobile",
    "qq",
    "xiaomi",
    "sinaweibo",
    "taobao",
    "facebook",
    "google",
    "alipay",
    "douyin",
];

impl PagesConfig {
    /// Checks what can be checked without the plugins; errors name the key.
    pub fn check(&self) -> Result<(), super::ConfigError> {
        for (i, t) in self.login_types.iter().enumerate() {
            if !KNOWN_LOGIN_TYPES.contains(&t.as_str()) {
                return Err(super::ConfigError::invalid(
                    format!("pages.loginTypes[{i}]"),
                    format!("one of {}", KNOWN_LOGIN_TYPES.join(", ")),
                ));
            }
        }
        if !is_hex_colour(&self.primary_color) {
            return Err(super::ConfigError::invalid(
                "pages.primaryColor",
                "a colour like \"#2979ff\"",
            ));
        }
        if !(1024..=20 * 1024 * 1024).contains(&self.avatar_max_bytes) {
            return Err(super::ConfigError::invalid(
                "pages.avatarMaxBytes",
                "between 1024 and 20971520",
            ));
        }
        if self.site_name.trim().is_empty() || self.site_name.chars().count() > 64 {
            return Err(super::ConfigError::invalid(
                "pages.siteName",
                "a name of 1 to 64 characters",
            ));
        }
        if let Some(logo) = &self.logo
            && (!logo.starts_with('/') || logo.starts_with("//"))
            && !logo.starts_with("https://")
        {
            return Err(super::ConfigError::invalid(
                "pages.logo",
                "a path on this site (\"/…\") or an https:// URL",
            ));
        }
        if let Some(a) = &self.agreements {
            for (key, url) in [
                ("serviceUrl", &a.service_url),
                ("privacyUrl", &a.privacy_url),
            ] {
                if !(url.starts_with("https://")
                    || url.starts_with("http://")
                    || url.starts_with('/'))
                {
                    return Err(super::ConfigError::invalid(
                        format!("pages.agreements.{key}"),
                        "an http(s):// URL or a path on this site",
                    ));
                }
            }
            for (i, s) in a.scope.iter().enumerate() {
                if !["register", "login", "realNameVerify"].contains(&s.as_str()) {
                    return Err(super::ConfigError::invalid(
                        format!("pages.agreements.scope[{i}]"),
                        "\"register\", \"login\" or \"realNameVerify\"",
                    ));
                }
            }
        }
        if let Some(app) = &self.app_id
            && (app.trim().is_empty() || app.len() > 64)
        {
            return Err(super::ConfigError::invalid(
                "pages.appId",
                "a DCloud appid such as \"__UNI__A1B2C3\"",
            ));
        }
        Ok(())
    }
}

fn is_hex_colour(s: &str) -> bool {
    let Some(hex) = s.strip_prefix('#') else {
        return false;
    };
    matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml: &str) -> Result<PagesConfig, String> {
        let v: toml::Value = toml::from_str(toml).map_err(|e| e.to_string())?;
        v.try_into::<PagesConfig>().map_err(|e| e.to_string())
    }

    #[test]
    fn set_password_after_login_takes_uni_id_pages_forms() {
        let c = parse("setPasswordAfterLogin = true").expect("bool");
        assert_eq!(c.set_password_after_login, SetPasswordAfterLogin::Required);
        let c = parse("setPasswordAfterLogin = { allowSkip = true }").expect("table");
        assert_eq!(c.set_password_after_login, SetPasswordAfterLogin::Skippable);
        let c = parse("setPasswordAfterLogin = false").expect("off");
        assert_eq!(c.set_password_after_login, SetPasswordAfterLogin::Off);
        assert!(parse("setPasswordAfterLogin = 3").is_err());
    }

    #[test]
    fn checks_name_the_key() {
        let c = parse("loginTypes = [\"username\", \"smscode\"]").expect("parses");
        let e = c.check().expect_err("misspelt type");
        assert!(e.to_string().contains("pages.loginTypes[1]"), "{e}");
        let c = parse("primaryColor = \"blue\"").expect("parses");
        assert!(
            c.check()
                .expect_err("colour")
                .to_string()
                .contains("pages.primaryColor")
        );
        let c = parse("logo = \"//evil.example/x.png\"").expect("parses");
        assert!(
            c.check()
                .expect_err("logo")
                .to_string()
                .contains("pages.logo")
        );
        let c = parse(
            "[agreements]\nserviceUrl = \"javascript:alert(1)\"\nprivacyUrl = \"/p\"\nscope = [\"register\"]",
        )
        .expect("parses");
        assert!(
            c.check()
                .expect_err("bad url")
                .to_string()
                .contains("pages.agreements.serviceUrl")
        );
        assert!(PagesConfig::default().check().is_ok());
    }
}
