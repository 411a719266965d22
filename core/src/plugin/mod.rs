//! The plugin seam: a login method adds API methods, validator rules, strings and login types
//! without touching the host. Core methods are registered through the same [`MethodSpec`]
//! table, so a plugin method is dispatched exactly like a core one.
//!
//! (The services plugins borrow from the host — unified login, binding, verification codes —
//! are added with the first plugins.)

use crate::api::methods::MethodSpec;
use crate::config::{Config, Effective};
use crate::i18n::Locale;
use crate::validator::Rule;

pub trait Plugin: Send + Sync + 'static {
    /// Stable id; also the name of its `[plugins.<id>]` config section.
    fn id(&self) -> &'static str;

    /// Reads and checks the plugin's configuration at start-up; an error names the key.
    fn configure(&self, _config: &Config) -> Result<(), String> {
        Ok(())
    }

    /// uni-id-co methods the plugin adds.
    fn methods(&self) -> Vec<MethodSpec> {
        Vec::new()
    }

    /// Entries this plugin adds to `getSupportedLoginType` for a request's config.
    fn login_types(&self, _effective: &Effective) -> Vec<&'static str> {
        Vec::new()
    }

    /// Validator rules (name, rule), registered before any request is served.
    fn validator_mixins(&self) -> Vec<(&'static str, Rule)> {
        Vec::new()
    }

    /// Fluent resources (locale, text).
    fn locales(&self) -> Vec<(Locale, &'static str)> {
        Vec::new()
    }

    /// Run by `unid config check` and `/health/ready`.
    fn health(&self) -> Result<(), String> {
        Ok(())
    }
}
