//! The host: everything a request needs, built once at start-up and shared by reference.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use crate::accounts::credentials::CredentialCache;
use crate::api::client_ip::TrustedProxies;
use crate::api::methods::{MethodSpec, MethodTable};
use crate::avatars::AvatarStore;
use crate::clock::Clock;
use crate::config::settings::GeneratedSecrets;
use crate::config::{Config, ConfigError, Settings};
use crate::db::{Db, DbError, DbPool};
use crate::i18n::I18n;
use crate::metrics::{Gauges, Metrics};
use crate::pages::Links;
use crate::pages::assets::Assets;
use crate::pages::method::{LoginMethod, PasswordMethod};
use crate::pages::site::Site;
use crate::passwords::Hasher;
use crate::plugin::Plugin;
use crate::validator::{PasswordStrength, Validator};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot start the password hashing threads: {0}")]
    Threads(#[from] std::io::Error),
    #[error("plugin {plugin}: {message}")]
    Plugin { plugin: String, message: String },
}

pub struct HostInner {
    pub config: Config,
    pub settings: Settings,
    pub db: Db,
    pub clock: Clock,
    pub hasher: Hasher,
    pub i18n: I18n,
    validators: HashMap<Option<PasswordStrength>, Arc<Validator>>,
    pub methods: MethodTable,
    pub plugins: Vec<Arc<dyn Plugin>>,
    /// `[server] trustedProxies`, parsed.
    pub trusted_proxies: TrustedProxies,
    /// The pages' settings and sign-in methods.
    pub site: Site,
    /// Static files of the pages, by hashed name.
    pub assets: Assets,
    /// Uploaded (and downloaded) avatars.
    pub avatars: AvatarStore,
    /// Counters and latencies for `/metrics`.
    pub metrics: Metrics,
    /// What plugins keep of providers' credentials (session keys, access tokens).
    pub credentials: CredentialCache,
    /// The face-verification service (`[realname]`), if real-name verification is on.
    pub frv: Option<Arc<dyn crate::realname::FaceVerifier>>,
}

/// Cheap to clone; every handler gets one.
#[derive(Clone)]
pub struct Host(Arc<HostInner>);

impl Deref for Host {
    type Target = HostInner;
    fn deref(&self) -> &HostInner {
        &self.0
    }
}

impl Host {
    /// The pools' state now, for `/metrics`.
    pub fn gauges(&self) -> Gauges {
        let (hash_waiting, hash_busy, hash_threads) = self.hasher.load();
        let (db_in_use, db_idle, db_max, db_waiting) = self.db.load();
        Gauges {
            hash_waiting,
            hash_busy,
            hash_threads,
            db_in_use,
            db_idle,
            db_max,
            db_waiting,
        }
    }

    /// The compiled-in plugin of type `T`, for its methods to reach their own state.
    pub fn plugin<T: Plugin>(&self) -> Option<&T> {
        self.plugins
            .iter()
            .find_map(|p| p.as_any().downcast_ref::<T>())
    }

    pub fn validator(&self, strength: Option<PasswordStrength>) -> Arc<Validator> {
        match self.validators.get(&strength) {
            Some(v) => v.clone(),
            // `build` creates one per strength in use; this only guards against a gap.
            None => Arc::new(Validator::new(strength)),
        }
    }
}

/// Assembles a [`Host`]: config → database (migrated) → validators, strings and methods of the
/// core and of every plugin.
pub struct HostBuilder {
    config: Config,
    secrets: Option<GeneratedSecrets>,
    clock: Clock,
    plugins: Vec<Arc<dyn Plugin>>,
    hash_workers: Option<usize>,
}

impl HostBuilder {
    pub fn new(config: Config) -> Self {
        HostBuilder {
            config,
            secrets: None,
            clock: Clock::system(),
            plugins: Vec::new(),
            hash_workers: None,
        }
    }

    /// Use these secrets instead of `<dataDir>/secrets.toml`.
    pub fn secrets(mut self, secrets: GeneratedSecrets) -> Self {
        self.secrets = Some(secrets);
        self
    }

    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    pub fn plugin(mut self, plugin: Arc<dyn Plugin>) -> Self {
        self.plugins.push(plugin);
        self
    }

    pub fn hash_workers(mut self, n: usize) -> Self {
        self.hash_workers = Some(n);
        self
    }

    pub fn build(self) -> Result<Host, StartError> {
        let config = self.config;
        config.check()?;
        let secrets = match self.secrets {
            Some(s) => s,
            None => GeneratedSecrets::load_or_create(&config.server.data_dir)?,
        };
        let settings = Settings::resolve(&config, &secrets)?;

        let pool = DbPool::connect(&config.database_url(), config.database.pool_size)?;
        let applied = pool.migrate()?;
        for name in applied {
            tracing::info!(migration = %name, backend = pool.backend(), "applied migration");
        }

        {
            let mut conn = pool.get().map_err(DbError::from)?;
            let now = self.clock.now_ms();
            for plugin in &self.plugins {
                for name in conn.apply_plugin_migrations(plugin.id(), &plugin.migrations(), now)? {
                    tracing::info!(migration = %name, "applied plugin migration");
                }
            }
        }

        let mut i18n = I18n::new();
        let mut methods = MethodTable::core();
        let mut mixins = crate::realname::rules::mixins();
        let mut assets = Assets::new();
        let mut login_methods: Vec<Arc<dyn LoginMethod>> = vec![Arc::new(PasswordMethod)];
        let mut links = Links::default();
        for plugin in &self.plugins {
            let fail = |message: String| StartError::Plugin {
                plugin: plugin.id().to_string(),
                message,
            };
            for (locale, ftl) in plugin.locales() {
                i18n.add(locale, ftl).map_err(fail)?;
            }
            for spec in plugin.methods() {
                methods.add(spec).map_err(fail)?;
            }
            mixins.extend(plugin.validator_mixins());
            for asset in plugin.assets() {
                assets.add(
                    asset.name,
                    asset.content_type,
                    actix_web::web::Bytes::from_static(asset.bytes),
                );
            }
            login_methods.extend(plugin.login_methods());
            links.add(plugin.site_links());
        }
        let site = Site::resolve(&config, &settings, login_methods, links, &mut assets)?;

        let mut validators = HashMap::new();
        for strength in settings.strengths() {
            let mut v = Validator::new(strength);
            for (name, rule) in &mixins {
                v.mixin(name, rule.clone());
            }
            for spec in methods.iter() {
                v.check_schema(spec.schema)
                    .map_err(|e| StartError::Plugin {
                        plugin: "core".into(),
                        message: format!("method {}: {e}", spec.name),
                    })?;
            }
            validators.insert(strength, Arc::new(v));
        }

        let workers = self.hash_workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let hasher = Hasher::new(config.password_hash, workers)?;

        // `config.check()` above has already refused entries that do not parse.
        let trusted_proxies =
            TrustedProxies::parse(&config.server.trusted_proxies).unwrap_or_default();
        let avatar_dir = config
            .pages
            .avatar_dir
            .clone()
            .unwrap_or_else(|| config.server.data_dir.join("avatars"));
        let avatars = AvatarStore::new(avatar_dir, config.pages.avatar_max_bytes);
        let metrics = Metrics::new(
            methods.iter().map(|spec| spec.name),
            u64::try_from(self.clock.now_ms() / 1000).unwrap_or(0),
        );
        let credentials = CredentialCache::new(&settings.code_secret);
        let frv = crate::realname::build(&config.realname, config.test_mode)
            .map_err(ConfigError::Other)?;
        Ok(Host(Arc::new(HostInner {
            metrics,
            credentials,
            frv,
            trusted_proxies,
            site,
            assets,
            avatars,
            config,
            settings,
            db: Db::new(pool),
            clock: self.clock,
            hasher,
            i18n,
            validators,
            methods,
            plugins: self.plugins,
        })))
    }
}

impl MethodTable {
    pub fn iter(&self) -> impl Iterator<Item = &MethodSpec> {
        self.specs()
    }
}
