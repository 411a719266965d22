//! The `email` login plugin: verification codes by e-mail — uni-id's `sendEmailCode`,
//! `registerUserByEmail`, `resetPwdByEmail`, plus what uni-id-co reserves but never built:
//! `loginByEmailCode`, `bindEmail` and `unbindEmail` (spec §1.3). Mail goes through lettre over
//! SMTP, or (development only) into `.eml` files.
//!
//! The plugin owns its config section, its mail and its strings; codes, captchas, accounts,
//! binding and logs are the host's services.

pub mod config;
pub mod mailer;
pub mod message;
mod methods;
mod pages;
pub mod rules;

use std::sync::Arc;

use lettre::message::Mailbox;
use unid_core::plugin::Plugin;
use unid_core::plugin::accounts::ThirdPartyId;
use unid_core::plugin::actix_web::web;
use unid_core::plugin::api::MethodSpec;
use unid_core::plugin::codes::MAX_TTL_SECS;
use unid_core::plugin::config::{Config, Effective};
use unid_core::plugin::i18n::Locale;
use unid_core::plugin::pages::{PageCtx, ProfileItem, SiteLinks, UserView};

use crate::config::{DEFAULT_CODE_EXPIRES_IN, EmailPluginConfig, TransportKind};
use crate::mailer::{FileMailer, Mailer, SmtpMailer};
pub use rules::SCENES;

/// The plugin's Fluent strings.
pub const LOCALES: &[(Locale, &str)] = &[
    (Locale::ZhHans, include_str!("../locales/zh-Hans/email.ftl")),
    (Locale::En, include_str!("../locales/en/email.ftl")),
    (Locale::ZhHans, include_str!("../locales/zh-Hans/pages.ftl")),
    (Locale::En, include_str!("../locales/en/pages.ftl")),
];

pub struct EmailPlugin {
    /// `None` only in test mode without a transport, where codes are never sent.
    pub(crate) mailer: Option<Arc<dyn Mailer>>,
    /// Checked at start-up whenever there is a mailer.
    pub(crate) from: Option<Mailbox>,
    /// `fromName`, which also names the app in subjects.
    pub(crate) app_name: Option<String>,
    pub(crate) code_expires_in: u64,
    /// The `file` transport's directory, for the health check.
    file_dir: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for EmailPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailPlugin")
            .field("sends", &self.mailer.is_some())
            .field("from", &self.from.as_ref().map(ToString::to_string))
            .field("code_expires_in", &self.code_expires_in)
            .finish_non_exhaustive()
    }
}

impl EmailPlugin {
    /// Builds the plugin from `[plugins.email]`; `Ok(None)` when it is off.
    ///
    /// On in test mode (codes are `123456` and never sent), or when the section exists. A
    /// section without a transport outside test mode is an error naming the key, never a silent
    /// fallback to test mode. With no section at all the plugin is simply off outside test mode,
    /// so unid still starts with no configuration.
    pub fn from_config(config: &Config) -> Result<Option<EmailPlugin>, String> {
        let section: EmailPluginConfig =
            config.plugin_section("email").map_err(|e| e.to_string())?;
        if section.enabled == Some(false) {
            return Ok(None);
        }
        if !config.test_mode && !config.plugins.contains_key("email") {
            return Ok(None);
        }
        let code_expires_in = section.code_expires_in.unwrap_or(DEFAULT_CODE_EXPIRES_IN);
        if !(1..=MAX_TTL_SECS).contains(&code_expires_in) {
            return Err(format!(
                "config key `plugins.email.codeExpiresIn` must be between 1 and {MAX_TTL_SECS} seconds"
            ));
        }
        let app_name = section.from_name.clone().filter(|n| !n.trim().is_empty());
        let mut file_dir = None;
        let mailer: Option<Arc<dyn Mailer>> = match section.transport {
            None if config.test_mode => None,
            None => {
                return Err(
                    "config key `plugins.email.transport` is required outside test mode (smtp or file), or set plugins.email.enabled = false".into(),
                );
            }
            Some(TransportKind::Smtp) => {
                let smtp = section.smtp.as_ref().ok_or(
                    "config key `plugins.email.smtp.host` is required for transport \"smtp\"",
                )?;
                Some(Arc::new(SmtpMailer::new(smtp)?))
            }
            Some(TransportKind::File) if config.server.production => {
                return Err("config key `plugins.email.transport`: \"file\" is for development and refused when [server] production = true".into());
            }
            Some(TransportKind::File) => {
                let dir = section.file.as_ref().map(|f| f.dir.clone()).ok_or(
                    "config key `plugins.email.file.dir` is required for transport \"file\"",
                )?;
                file_dir = Some(dir.clone());
                Some(Arc::new(FileMailer::new(dir)))
            }
        };
        let from = match (&section.from, mailer.is_some()) {
            (Some(from), _) => {
                let address = from.trim().parse().map_err(|e| {
                    format!(
                        "config key `plugins.email.from`: {from:?} is not an e-mail address ({e})"
                    )
                })?;
                Some(Mailbox::new(app_name.clone(), address))
            }
            (None, true) => {
                return Err(
                    "config key `plugins.email.from` is required to send mail (the sender address)"
                        .into(),
                );
            }
            (None, false) => None,
        };
        Ok(Some(EmailPlugin {
            mailer,
            from,
            app_name,
            code_expires_in,
            file_dir,
        }))
    }

    /// Seconds a code stays valid.
    pub fn code_expires_in(&self) -> u64 {
        self.code_expires_in
    }
}

impl Plugin for EmailPlugin {
    fn id(&self) -> &'static str {
        "email"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn methods(&self) -> Vec<MethodSpec> {
        methods::all()
    }

    /// `email-password` is the host's (it needs no plugin); this adds login by code.
    fn login_types(&self, _effective: &Effective) -> Vec<&'static str> {
        vec!["email-code"]
    }

    fn locales(&self) -> Vec<(Locale, &'static str)> {
        LOCALES.to_vec()
    }

    fn pages(&self, cfg: &mut web::ServiceConfig) {
        pages::config(cfg);
    }

    fn site_links(&self) -> SiteLinks {
        pages::site_links()
    }

    fn profile_items(
        &self,
        ctx: &PageCtx,
        user: &UserView,
        _linked: &[ThirdPartyId],
    ) -> Vec<ProfileItem> {
        pages::profile_items(ctx, user)
    }

    fn health(&self) -> Result<(), String> {
        if let Some(dir) = &self.file_dir {
            std::fs::create_dir_all(dir).map_err(|e| {
                format!(
                    "plugins.email.file.dir {} cannot be created: {e}",
                    dir.display()
                )
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(toml: &str) -> Config {
        Config::from_toml_str(toml, "test").expect("valid TOML config")
    }

    fn error(toml: &str) -> String {
        match EmailPlugin::from_config(&config(toml)) {
            Err(e) => e,
            Ok(p) => panic!("expected an error, got {p:?}"),
        }
    }

    #[test]
    fn off_without_config_on_in_test_mode() {
        assert!(EmailPlugin::from_config(&config("")).expect("ok").is_none());
        let p = EmailPlugin::from_config(&config("testMode = true"))
            .expect("ok")
            .expect("on in test mode");
        assert!(p.mailer.is_none());
        assert_eq!(p.code_expires_in(), 180);
        let off = config("testMode = true\n[plugins.email]\nenabled = false");
        assert!(EmailPlugin::from_config(&off).expect("ok").is_none());
    }

    #[test]
    fn a_section_without_transport_outside_test_mode_names_the_key() {
        let e = error("[plugins.email]\nfrom = \"a@example.com\"");
        assert!(e.contains("`plugins.email.transport`"), "{e}");
    }

    #[test]
    fn smtp_needs_a_host_and_a_sender() {
        let e = error("[plugins.email]\ntransport = \"smtp\"\nfrom = \"a@example.com\"");
        assert!(e.contains("`plugins.email.smtp.host`"), "{e}");
        let e = error(
            "[plugins.email]\ntransport = \"smtp\"\n[plugins.email.smtp]\nhost = \"smtp.example.com\"",
        );
        assert!(e.contains("`plugins.email.from`"), "{e}");
        let e = error(
            "[plugins.email]\ntransport = \"smtp\"\nfrom = \"not an address\"\n[plugins.email.smtp]\nhost = \"smtp.example.com\"",
        );
        assert!(e.contains("`plugins.email.from`"), "{e}");
        let p = EmailPlugin::from_config(&config(
            "[plugins.email]\ntransport = \"smtp\"\nfrom = \"noreply@example.com\"\nfromName = \"Example\"\ncodeExpiresIn = 300\n[plugins.email.smtp]\nhost = \"smtp.example.com\"\nsecurity = \"tls\"\nusername = \"u\"\npassword = \"hunter2-smtp\"",
        ))
        .expect("valid")
        .expect("on");
        assert_eq!(p.code_expires_in(), 300);
        assert_eq!(
            p.from.as_ref().map(ToString::to_string).as_deref(),
            Some("Example <noreply@example.com>")
        );
        assert!(!format!("{p:?}").contains("hunter2"));
    }

    #[test]
    fn plain_smtp_to_another_host_is_refused() {
        let e = error(
            "[plugins.email]\ntransport = \"smtp\"\nfrom = \"a@example.com\"\n[plugins.email.smtp]\nhost = \"mail.example.com\"\nsecurity = \"plain\"",
        );
        assert!(e.contains("`plugins.email.smtp.security`"), "{e}");
    }

    #[test]
    fn unknown_and_mistyped_keys_are_named() {
        let e = error("[plugins.email]\ntransport = \"smtp\"\nsmpt = 1");
        assert!(e.contains("plugins.email.smpt"), "{e}");
        let e = error("[plugins.email]\ntransport = \"pigeon\"");
        assert!(e.contains("plugins.email.transport"), "{e}");
        let e = error(
            "[plugins.email]\ntransport = \"smtp\"\n[plugins.email.smtp]\nhost = \"h\"\nsecurity = \"ssl\"",
        );
        assert!(e.contains("plugins.email.smtp.security"), "{e}");
        let e = error("[plugins.email]\ntransport = \"smtp\"\n[plugins.email.smtp]\nhots = \"h\"");
        assert!(e.contains("plugins.email.smtp.hots"), "{e}");
    }

    #[test]
    fn code_lifetime_is_bounded() {
        for bad in ["0", "601"] {
            let e = error(&format!(
                "testMode = true\n[plugins.email]\ncodeExpiresIn = {bad}"
            ));
            assert!(e.contains("`plugins.email.codeExpiresIn`"), "{e}");
        }
    }

    #[test]
    fn the_file_transport_is_for_development_only() {
        let e = error("[plugins.email]\ntransport = \"file\"\nfrom = \"a@example.com\"");
        assert!(e.contains("`plugins.email.file.dir`"), "{e}");
        let file = "[plugins.email]\ntransport = \"file\"\nfrom = \"a@example.com\"\n[plugins.email.file]\ndir = \"/tmp/unid-mail\"";
        assert!(
            EmailPlugin::from_config(&config(file))
                .expect("ok")
                .is_some()
        );
        let e = error(&format!("[server]\nproduction = true\n{file}"));
        assert!(e.contains("`plugins.email.transport`"), "{e}");
    }

    #[test]
    fn the_file_transport_health_check_creates_the_directory() {
        let dir = std::env::temp_dir().join(format!("unid-email-health-{}", std::process::id()));
        let toml = format!(
            "[plugins.email]\ntransport = \"file\"\nfrom = \"a@example.com\"\n[plugins.email.file]\ndir = {:?}",
            dir.display().to_string()
        );
        let p = EmailPlugin::from_config(&config(&toml))
            .expect("valid")
            .expect("on");
        assert!(!dir.exists(), "nothing is written before it is needed");
        p.health().expect("healthy");
        assert!(dir.is_dir());
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn adds_six_methods() {
        let p = EmailPlugin::from_config(&config("testMode = true"))
            .expect("ok")
            .expect("on");
        let names: Vec<_> = p.methods().iter().map(|m| m.name).collect();
        assert_eq!(
            names,
            [
                "sendEmailCode",
                "registerUserByEmail",
                "resetPwdByEmail",
                "loginByEmailCode",
                "bindEmail",
                "unbindEmail"
            ]
        );
    }

    #[test]
    fn strings_parse_in_both_languages() {
        let mut i18n = unid_core::plugin::i18n::I18n::new();
        for (locale, text) in LOCALES {
            i18n.add(*locale, text).expect("parses");
        }
    }
}
