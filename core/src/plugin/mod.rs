//! The plugin API: everything a login-method plugin may use of the host, in one place. A plugin
//! crate imports `unid_core::plugin::…` and nothing else of `unid_core`; that is the stable
//! surface `docs/plugins.md` documents.
//!
//! A plugin fills the seams of the [`Plugin`] trait (API methods, validator rules, strings,
//! login types, pages, sign-in methods, profile rows, static files, migrations, health) and, at
//! request time, borrows the host's services instead of touching its tables:
//!
//! | module | what the host lends |
//! |---|---|
//! | [`api`] | the method table's types, parameter helpers, replies (`method!`, `reply!`) |
//! | [`accounts`] | unified login / register ([`accounts::Identity`], [`accounts::login_or_register`]), registration by a proven e-mail, binding and unbinding a mobile, an e-mail or a third-party account with uni-id's preBind / preUnBind rules, password resets, the login log, the caller ([`accounts::Caller`]) |
//! | [`codes`], [`captcha`] | verification codes (hashed, single use, capped) and captchas |
//! | [`http`] | the outbound HTTP client (time-limited, size-limited, counted in `/metrics`) |
//! | [`credentials`] | the credential cache (provider session keys and access tokens, sealed at rest, shared by every instance) |
//! | [`avatars`] | avatar storage (a downloaded avatar stored like an uploaded one) |
//! | [`pages`] | the pages framework: `Page`, partials, sign-in methods, profile rows |
//! | [`config`], [`i18n`], [`validator`], [`error`], [`metrics`] | the typed config, strings, parameter rules, uni-id error codes, outcomes |
//! | [`signing`] | helpers providers' signatures need (Aliyun RPC, UTC dates) |

use std::sync::Arc;

use crate::api::methods::MethodSpec;
use crate::config::Effective;
use crate::db::models::third_party::ThirdPartyId;
use crate::i18n::Locale;
use crate::pages::assets::Asset;
use crate::pages::{LoginMethod, PageCtx, ProfileItem, SiteLinks, UserView};
use crate::validator::Rule as ValidatorRule;

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

    /// `getAccountInfo` flags this plugin answers: `(reply key, provider)`, true when the user
    /// holds an id at the provider (`("isWeixinBound", "weixin")`).
    fn account_flags(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }

    /// Validator rules (name, rule), registered before any request is served.
    fn validator_mixins(&self) -> Vec<(&'static str, ValidatorRule)> {
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

    /// Rows (or actions on the host's rows) for the signed-in user's `/userinfo`; `linked` is
    /// every third-party id the user holds (so a provider can offer bind or unbind).
    fn profile_items(
        &self,
        _ctx: &PageCtx,
        _user: &UserView,
        _linked: &[ThirdPartyId],
    ) -> Vec<ProfileItem> {
        Vec::new()
    }

    /// Static files the plugin's pages use (icons…), served with hashed names.
    fn assets(&self) -> Vec<Asset> {
        Vec::new()
    }
}

/// The method table: what a uni-id-co method is and how it answers.
pub mod api {
    pub use crate::api::call::{Call, opt_bool, opt_i64, opt_str, opt_strings, req_str};
    pub use crate::api::methods::{Access, MethodSpec, Reply, signed_in_reply, unified_reply};
    pub use crate::{method, reply};
}

/// Account rules, for the methods and pages of a plugin.
pub mod accounts {
    pub use crate::accounts::log::Subject;
    pub use crate::accounts::register::register_by_email;
    pub use crate::accounts::unified::{
        Identity, LoginType, Profile, Unified, existing_account, login_or_register, new_uid,
    };
    pub use crate::accounts::{Caller, ClientInfo, CodeAttempt, Origin, SignedIn};
    pub use crate::accounts::{bind, log, phone, reset, third_party, unified};
    pub use crate::db::models::third_party::ThirdPartyId;
    pub use crate::passwords::NewHash;
}

/// Verification codes: issue, verify, withdraw.
pub mod codes {
    pub use crate::codes::*;
}

/// Captchas.
pub mod captcha {
    pub use crate::captcha::*;
}

/// Calling a provider's public HTTP API.
pub mod http {
    pub use crate::outbound::http::{DEFAULT_TIMEOUT, Fetched, HttpClient, HttpError, check_url};
}

/// The credential cache (see [`crate::accounts::credentials`]): `host.credentials`.
pub mod credentials {
    pub use crate::accounts::credentials::CredentialCache;
}

/// Avatars: `host.avatars.save(uid, bytes)` checks and stores one like an upload.
pub mod avatars {
    pub use crate::avatars::{AvatarError, AvatarFile, AvatarStore};
}

/// The pages framework.
pub mod pages {
    pub use crate::pages::assets::Asset;
    pub use crate::pages::code_flow;
    pub use crate::pages::flow::Flow;
    pub use crate::pages::partials;
    pub use crate::pages::provider::{Back, ProviderPages};
    pub use crate::pages::session::safe_redirect;
    pub use crate::pages::{
        LoginMethod, Page, PageCtx, PageLink, ProfileAction, ProfileItem, SiteLinks, UserView,
        password_hint, query, urlencode,
    };
}

/// The configuration: the whole file (a plugin reads its `[plugins.<id>]` section with
/// `config.plugin_section`) and the uni-id keys that apply to a request.
pub mod config {
    pub use crate::config::pages::SetPasswordAfterLogin;
    pub use crate::config::{Config, Effective};
}

pub mod i18n {
    pub use crate::i18n::{I18n, Locale};
}

pub mod validator {
    pub use crate::validator::{Field, Rule, Schema};
}

pub mod error {
    pub use crate::error::{ApiError, ApiResult, ErrorCode};
}

pub mod metrics {
    pub use crate::metrics::Outcome;
}

/// Helpers providers' request signatures need.
pub mod signing {
    pub use crate::outbound::aliyun_rpc;
    pub use crate::outbound::time;
}

/// The database connection `host.db.run(|conn| …)` hands a closure, for the host's services
/// that take one (unified login, binding, the login log, the credential cache…).
pub use crate::db::DbConn as Conn;
pub use crate::host::Host;
pub use crate::secret::Secret;
pub use actix_web;
