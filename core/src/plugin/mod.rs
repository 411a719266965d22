//! The plugin seam: a login method adds API methods, validator rules, strings and login types
//! without touching the host. Core methods are registered through the same [`MethodSpec`]
//! table, so a plugin method is dispatched exactly like a core one.
//!
//! A plugin is built by the binary's plugin list from the [`Config`] (its `[plugins.<id>]`
//! section, typed and checked, errors naming the key) and handed to the `HostBuilder`. At request
//! time it borrows the host's services instead of touching tables: unified login
//! (`accounts::unified`), binding (`accounts::bind`), verification codes (`codes`), captchas
//! (`captcha`), the login log (`accounts::log`) and tokens (`tokens`).

use std::sync::Arc;

use crate::api::methods::MethodSpec;
use crate::config::Effective;
use crate::i18n::Locale;
use crate::pages::assets::Asset;
use crate::pages::{LoginMethod, PageCtx, ProfileItem, SiteLinks, UserView};
use crate::validator::Rule;

/// One schema change a plugin needs, as SQL for each backend. Applied once, in order, at start.
#[derive(Debug, Clone, Copy)]
pub struct PluginMigration {
    /// Unique within the plugin; applied in the order `migrations()` lists them.
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

pub trait Plugin: Send + Sync + 'static {
    /// Stable id; also the name of its `[plugins.<id>]` config section.
    fn id(&self) -> &'static str;

    /// `self`, so a plugin's methods can find their plugin's state with `Host::plugin::<T>()`.
    fn as_any(&self) -> &dyn std::any::Any;

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

    /// Tables the plugin needs (none by default).
    fn migrations(&self) -> Vec<PluginMigration> {
        Vec::new()
    }

    /// Run by `unid config check` and `/health/ready`.
    fn health(&self) -> Result<(), String> {
        Ok(())
    }

    // ---- the site ---------------------------------------------------------------------

    /// The plugin's page routes (registered when `[pages] enabled`). Handlers use
    /// [`crate::pages::Page`] like the host's own pages, and the plugin's rules like its methods.
    fn pages(&self, _cfg: &mut actix_web::web::ServiceConfig) {}

    /// Sign-in methods for the switcher and `/login`, by uni-id-pages `loginTypes` value.
    fn login_methods(&self) -> Vec<Arc<dyn LoginMethod>> {
        Vec::new()
    }

    /// Pages of this plugin the host's pages link to (retrieve, set password, register).
    fn site_links(&self) -> SiteLinks {
        SiteLinks::default()
    }

    /// Rows (or actions on the host's rows) for the signed-in user's `/userinfo`.
    fn profile_items(&self, _ctx: &PageCtx, _user: &UserView) -> Vec<ProfileItem> {
        Vec::new()
    }

    /// Static files the plugin's pages use (icons…), served with hashed names.
    fn assets(&self) -> Vec<Asset> {
        Vec::new()
    }
}
