//! The site's settings, resolved once at start-up from `[pages]`, the pages' app config and
//! the plugins' sign-in methods.

use std::sync::Arc;

use crate::config::Effective;
use crate::config::pages::{Agreements, SetPasswordAfterLogin};
use crate::config::{Config, ConfigError, Settings};
use crate::pages::assets::Assets;
use crate::pages::method::LoginMethod;
use crate::pages::session::CookieJar;
use crate::pages::{PageLink, SiteLinks};
use crate::secret::Secret;
use crate::validator::PasswordStrength;

/// The `loginTypes` the server offers on the web, in order, and the ones it does not (no
/// compiled-in, configured method provides them), for `unid config check` to name.
pub fn offered(
    login_types: &[String],
    methods: &[Arc<dyn LoginMethod>],
    effective: &Effective,
) -> (Vec<Arc<dyn LoginMethod>>, Vec<String>) {
    let mut ordered: Vec<Arc<dyn LoginMethod>> = Vec::new();
    let mut unavailable = Vec::new();
    for t in login_types {
        match methods
            .iter()
            .find(|m| m.login_type() == t && m.available(effective))
        {
            Some(m) if !ordered.iter().any(|o| o.login_type() == t) => ordered.push(m.clone()),
            Some(_) => {}
            None => unavailable.push(t.clone()),
        }
    }
    (ordered, unavailable)
}

/// For `unid config check`: the `loginTypes` the pages would offer with these plugins, and the
/// ones they would hide.
pub fn login_types(
    config: &Config,
    settings: &Settings,
    plugins: &[Arc<dyn crate::plugin::Plugin>],
) -> Result<(Vec<String>, Vec<String>), ConfigError> {
    let mut methods: Vec<Arc<dyn LoginMethod>> =
        vec![Arc::new(crate::pages::method::PasswordMethod)];
    for p in plugins {
        methods.extend(p.login_methods());
    }
    let site = Site::resolve(
        config,
        settings,
        methods,
        Links::default(),
        &mut Assets::default(),
    )?;
    Ok((
        site.methods
            .iter()
            .map(|m| m.login_type().to_string())
            .collect(),
        site.unavailable,
    ))
}

/// The CSP of every page, with `form-action` widened to `targets` (origins; anything that is
/// not a plain `scheme://host[:port]` is left out, so configuration cannot inject directives).
pub fn content_security_policy(targets: &[String]) -> actix_web::http::header::HeaderValue {
    let mut form_action = String::from("'self'");
    for t in targets {
        let plain = (t.starts_with("https://") || t.starts_with("http://"))
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:/".contains(&b));
        if plain && !form_action.split(' ').any(|o| o == t) {
            form_action.push(' ');
            form_action.push_str(t);
        }
    }
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; \
         connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    actix_web::http::header::HeaderValue::from_str(&csp).unwrap_or_else(|_| {
        actix_web::http::header::HeaderValue::from_static(
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
        )
    })
}

/// The app page sign-ins belong to when neither `[pages] appId` nor the default app entry
/// names one.
pub const DEFAULT_APP_ID: &str = "__UNI__UNID";

pub struct Site {
    pub enabled: bool,
    pub app_id: String,
    /// The pages' app config on platform `web`.
    pub effective: Arc<Effective>,
    /// Every sign-in method the server offers on the web, in `loginTypes` order.
    pub methods: Vec<Arc<dyn LoginMethod>>,
    /// `loginTypes` entries no compiled-in, configured method provides (for `config check`).
    pub unavailable: Vec<String>,
    pub agreements: Option<Agreements>,
    pub set_password_after_login: SetPasswordAfterLogin,
    pub password_strength: Option<PasswordStrength>,
    pub name: String,
    pub logo: String,
    pub cookies: CookieJar,
    /// Key of the forms' CSRF tokens.
    pub csrf_key: Secret,
    /// The pages' Content-Security-Policy: no inline script, no framing, forms only to this
    /// site and to the sign-in pages of the offered providers.
    pub content_security_policy: actix_web::http::header::HeaderValue,
    /// Plugin pages the pages link to, from every plugin.
    pub links: Links,
}

/// Every plugin's [`SiteLinks`], in plugin order.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub retrieve: Vec<PageLink>,
    pub register: Vec<PageLink>,
    pub set_password: Option<&'static str>,
}

impl Links {
    pub fn add(&mut self, links: SiteLinks) {
        self.retrieve.extend(links.retrieve);
        self.register.extend(links.register);
        self.set_password = self.set_password.or(links.set_password);
    }
}

impl Site {
    /// `methods` are every method of the host and its plugins, in any order.
    pub fn resolve(
        config: &Config,
        settings: &Settings,
        methods: Vec<Arc<dyn LoginMethod>>,
        links: Links,
        assets: &mut Assets,
    ) -> Result<Site, ConfigError> {
        let pages = &config.pages;
        let app_id = pages
            .app_id
            .clone()
            .or_else(|| settings.default_app_id())
            .unwrap_or_else(|| DEFAULT_APP_ID.to_string());
        let effective = settings.effective(&app_id, "web").map_err(|_| {
            ConfigError::invalid(
                "pages.appId",
                format!("an app with a config entry (no entry for {app_id} and no isDefaultConfig entry)"),
            )
        })?;
        if let Some(level) = &pages.password_strength {
            let wanted = match level.as_str() {
                "" => None,
                l => Some(l.parse::<PasswordStrength>().map_err(|_| {
                    ConfigError::invalid(
                        "pages.passwordStrength",
                        "one of \"super\", \"strong\", \"medium\", \"weak\"",
                    )
                })?),
            };
            if wanted != effective.password_strength {
                return Err(ConfigError::invalid(
                    "pages.passwordStrength",
                    format!(
                        "the passwordStrength of app {app_id} ({}), which the server enforces on the API and the pages alike",
                        effective
                            .password_strength
                            .map_or("unset".to_string(), |s| format!("{s:?}").to_lowercase())
                    ),
                ));
            }
        }
        let (ordered, unavailable) = offered(&pages.login_types, &methods, &effective);
        assets.add(
            "theme.css",
            "text/css; charset=utf-8",
            actix_web::web::Bytes::from(format!(":root{{--primary:{};}}\n", pages.primary_color)),
        );
        let logo = pages
            .logo
            .clone()
            .unwrap_or_else(|| assets.url("logo.svg").to_string());
        let ordered_targets: Vec<String> = ordered.iter().filter_map(|m| m.form_target()).collect();
        Ok(Site {
            enabled: pages.enabled,
            app_id,
            effective: effective.clone(),
            methods: ordered,
            unavailable,
            agreements: pages.agreements.clone(),
            set_password_after_login: pages.set_password_after_login,
            password_strength: effective.password_strength,
            name: pages.site_name.clone(),
            logo,
            cookies: CookieJar {
                secure: config.public_url().starts_with("https://"),
            },
            csrf_key: Secret::new(format!("pages-csrf:{}", settings.code_secret.expose())),
            content_security_policy: content_security_policy(&ordered_targets),
            links,
        })
    }

    /// The method `/login` shows: `?type=` when offered, else the first in `loginTypes`.
    pub fn method(&self, login_type: Option<&str>) -> Option<&Arc<dyn LoginMethod>> {
        login_type
            .and_then(|t| self.methods.iter().find(|m| m.login_type() == t))
            .or_else(|| self.methods.first())
    }

    pub fn offers(&self, login_type: &str) -> bool {
        self.methods.iter().any(|m| m.login_type() == login_type)
    }

    /// Whether a form of `scope` (`register`, `login`) must carry consent.
    pub fn needs_consent(&self, scope: &str) -> bool {
        self.agreements
            .as_ref()
            .is_some_and(|a| a.applies_to(scope))
    }
}

#[cfg(test)]
mod csp_tests {
    use super::content_security_policy;

    #[test]
    fn forms_may_lead_to_the_providers_origins_and_nothing_else() {
        let csp = content_security_policy(&[
            "https://open.weixin.qq.com".to_string(),
            "https://open.weixin.qq.com".to_string(),
            "https://appleid.apple.com".to_string(),
            "https://x.example; script-src *".to_string(),
            "javascript:alert(1)".to_string(),
        ]);
        let csp = csp.to_str().expect("ascii");
        assert!(
            csp.contains(
                "form-action 'self' https://open.weixin.qq.com https://appleid.apple.com;"
            )
        );
        assert!(!csp.contains("x.example") && !csp.contains("javascript"));
        assert!(csp.contains("script-src 'self';"));
    }
}
