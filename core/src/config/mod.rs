//! Typed configuration, validated at boot.
//!
//! One file (TOML, or a uni-id `config.json` used as-is) holds uni-id's own keys at the top
//! level (spec §4) plus unid's sections `[server]`, `[database]`, `[captcha]`, `[throttle]`,
//! `[plugins.<id>]`. Every unknown key is an error naming it. Nothing here reads the process
//! environment directly: the CLI passes overrides in, so tests stay hermetic.

pub mod effective;
pub mod pages;
pub mod platform;
pub mod settings;
pub mod uni_id;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::api::client_ip::TrustedProxies;

pub use effective::Effective;
pub use settings::Settings;
use uni_id::{AppConfig, UniIdKeys};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid {format}: {message}")]
    Syntax {
        path: String,
        format: &'static str,
        message: String,
    },
    #[error("config key `{key}`: {message}")]
    Key { key: String, message: String },
    #[error("config key `{key}` is invalid: expected {expected}")]
    Invalid { key: String, expected: String },
    #[error("{0}")]
    Other(String),
}

impl ConfigError {
    pub fn invalid(key: impl Into<String>, expected: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            expected: expected.into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on; `UNID_LISTEN` overrides it.
    pub listen: String,
    /// The URL users reach unid at (links in mail, redirects). Defaults to `http://<listen>`.
    pub public_url: Option<String>,
    /// Refuse to start in test mode.
    pub production: bool,
    /// Where the SQLite database and generated secrets live.
    pub data_dir: PathBuf,
    /// Largest request body accepted by the API, in bytes.
    pub max_body_bytes: usize,
    /// Reverse proxies (addresses or CIDR ranges) whose `X-Forwarded-For` names the client.
    /// Empty: the client is the socket peer, and the header is ignored.
    pub trusted_proxies: Vec<String>,
    /// HTTP worker threads; default: one per CPU the process may use.
    pub workers: Option<usize>,
    /// Seconds a client has to send a request's headers (then 408 and the connection closes).
    pub header_timeout_secs: u64,
    /// Seconds a client has to send a request's body once the headers are in.
    pub body_timeout_secs: u64,
    /// Seconds an idle keep-alive connection stays open.
    pub keep_alive_secs: u64,
    /// Open connections at most, over all workers; more wait in the listen queue.
    pub max_connections: usize,
    /// Origins whose pages may call uni-id-co from a browser (CORS), e.g.
    /// `["https://app.example.com"]`; `["*"]` for any. Empty: none.
    pub cors_origins: Vec<String>,
    /// Bearer token that opens `/metrics` on the main listener. Unset: `/metrics` is not
    /// served there.
    pub metrics_token: Option<crate::secret::Secret>,
    /// A second address serving only `/metrics` (e.g. `127.0.0.1:9100`, reachable only from
    /// the host), without a token unless `metricsToken` is set too.
    pub metrics_listen: Option<String>,
    /// `text` (default, for people) or `json` (one object per line, for log collectors).
    pub log_format: LogFormat,
    /// One log line per request (method, path, status, duration, request id).
    pub access_log: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".to_string(),
            public_url: None,
            production: false,
            data_dir: PathBuf::from("unid-data"),
            max_body_bytes: 1024 * 1024,
            trusted_proxies: Vec::new(),
            workers: None,
            header_timeout_secs: 5,
            body_timeout_secs: 15,
            keep_alive_secs: 5,
            max_connections: 10_000,
            cors_origins: Vec::new(),
            metrics_token: None,
            metrics_listen: None,
            log_format: LogFormat::Text,
            access_log: false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://path/to/file.db` or `postgres://…`; `UNID_DATABASE_URL` overrides it.
    /// Default: SQLite at `<dataDir>/unid.db`.
    pub url: Option<String>,
    /// Connections kept by the pool.
    pub pool_size: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: None,
            pool_size: 16,
        }
    }
}

/// uni-captcha's settings (spec §8.3) with its key names.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CaptchaConfig {
    pub width: u32,
    pub height: u32,
    pub background: String,
    /// Characters per captcha.
    pub size: usize,
    pub noise: u32,
    pub color: bool,
    /// Seconds a captcha stays valid.
    pub expires_date: u64,
    /// Per-scene overrides, e.g. `[captcha.scene.register] expiresDate = 60`.
    pub scene: BTreeMap<String, CaptchaSceneConfig>,
}

impl Default for CaptchaConfig {
    fn default() -> Self {
        CaptchaConfig {
            width: 150,
            height: 50,
            background: "#FFFAE8".to_string(),
            size: 4,
            noise: 4,
            color: false,
            expires_date: 180,
            scene: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaptchaSceneConfig {
    pub expires_date: Option<u64>,
    pub size: Option<usize>,
}

/// Limits unid adds to uni-id's per-account-and-IP `passwordErrorLimit` (spec §7).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ThrottleConfig {
    /// Failed logins of one account (from any IP) within `accountWindow` after which a captcha
    /// is always required.
    pub account_captcha_after: u32,
    /// Failed logins of one account (from devices it has not signed in on) within
    /// `accountWindow` after which each further attempt waits: `accountDelayStepMs` more per
    /// failure, at most `accountDelayMaxMs`. The account is never locked for everyone.
    pub account_delay_after: u32,
    pub account_delay_step_ms: u64,
    pub account_delay_max_ms: u64,
    /// Days a device token (issued at a password login) exempts its device from the account's
    /// captcha and delays.
    pub device_token_days: u64,
    /// Seconds.
    pub account_window: u64,
    /// Failed logins from one IP (any account) within `ipWindow` after which that IP is locked
    /// until the window ends.
    pub ip_lock_after: u32,
    /// Seconds.
    pub ip_window: u64,
    /// `createCaptcha` / `refreshCaptcha` (and page captchas) per IP per minute.
    pub captcha_per_ip_per_minute: u32,
    /// Accounts registered from one IP per hour (every way of registering).
    pub register_per_ip_per_hour: u32,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            account_captcha_after: 10,
            account_delay_after: 20,
            account_delay_step_ms: 250,
            account_delay_max_ms: 5000,
            device_token_days: 180,
            account_window: 3600,
            ip_lock_after: 100,
            ip_window: 3600,
            captcha_per_ip_per_minute: 60,
            register_per_ip_per_hour: 60,
        }
    }
}

/// Verification codes sent by SMS or e-mail (limits unid adds; uni-id has none).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct CodesConfig {
    /// Seconds between two sends to the same target for the same scene.
    pub send_interval: u64,
    /// Sends to one target per day.
    pub per_target_per_day: u32,
    /// Sends from one IP per hour.
    pub per_ip_per_hour: u32,
    /// Wrong guesses after which a code is void.
    pub max_attempts: u32,
}

impl Default for CodesConfig {
    fn default() -> Self {
        CodesConfig {
            send_interval: 60,
            per_target_per_day: 10,
            per_ip_per_hour: 30,
            max_attempts: 5,
        }
    }
}

/// Format of new password hashes (spec §5; Argon2id is unid's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum PasswordHashKind {
    #[default]
    #[serde(rename = "argon2id")]
    Argon2id,
    #[serde(rename = "hmac-sha256")]
    HmacSha256,
}

/// unid's own top-level keys, next to uni-id's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct UnidKeys {
    test_mode: Option<bool>,
    password_hash: Option<PasswordHashKind>,
    server: Option<ServerConfig>,
    database: Option<DatabaseConfig>,
    captcha: Option<CaptchaConfig>,
    throttle: Option<ThrottleConfig>,
    codes: Option<CodesConfig>,
    pages: Option<pages::PagesConfig>,
    plugins: Option<BTreeMap<String, Value>>,
    realname: Option<crate::realname::RealnameConfig>,
}

const UNID_KEYS: &[&str] = &[
    "testMode",
    "passwordHash",
    "server",
    "database",
    "captcha",
    "throttle",
    "codes",
    "pages",
    "plugins",
    "realname",
];

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// One entry for a single-app config; several for uni-id's array form or `[[apps]]`.
    pub apps: Vec<AppConfig>,
    pub test_mode: bool,
    pub password_hash: PasswordHashKind,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub captcha: CaptchaConfig,
    pub throttle: ThrottleConfig,
    pub codes: CodesConfig,
    pub pages: pages::PagesConfig,
    pub plugins: BTreeMap<String, Value>,
    /// `[realname]`: the face-verification service behind `getFrvCertifyId`.
    pub realname: crate::realname::RealnameConfig,
    /// The file this came from, if any.
    pub source: Option<PathBuf>,
}

impl Config {
    /// Reads `path` (`.json` → JSON, anything else → TOML).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let mut config = if is_json {
            Config::from_json_str(&text, &path.display().to_string())?
        } else {
            Config::from_toml_str(&text, &path.display().to_string())?
        };
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    pub fn from_toml_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let value: Value = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: origin.to_string(),
            format: "TOML",
            message: e.to_string(),
        })?;
        Config::from_value(value)
    }

    pub fn from_json_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let value: Value = serde_json::from_str(text).map_err(|e| ConfigError::Syntax {
            path: origin.to_string(),
            format: "JSON",
            message: e.to_string(),
        })?;
        Config::from_value(value)
    }

    /// Builds a config from a parsed document: a uni-id object, a uni-id array of app
    /// configs (spec §4.1), or a unid TOML document.
    pub fn from_value(value: Value) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        match value {
            Value::Array(entries) => {
                config.apps = parse_app_list(entries, "")?;
            }
            Value::Object(map)
                if !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok()) =>
            {
                // uni-id also accepts an object with numeric keys as the array form.
                let mut entries: Vec<(usize, Value)> = map
                    .into_iter()
                    .filter_map(|(k, v)| k.parse().ok().map(|i| (i, v)))
                    .collect();
                entries.sort_by_key(|(i, _)| *i);
                config.apps = parse_app_list(entries.into_iter().map(|(_, v)| v).collect(), "")?;
            }
            Value::Object(mut map) => {
                let mut unid = Map::new();
                for key in UNID_KEYS {
                    if let Some(v) = map.remove(*key) {
                        unid.insert((*key).to_string(), v);
                    }
                }
                let keys: UnidKeys = typed(Value::Object(unid), "")?;
                config.test_mode = keys.test_mode.unwrap_or(false);
                config.password_hash = keys.password_hash.unwrap_or_default();
                config.server = keys.server.unwrap_or_default();
                config.database = keys.database.unwrap_or_default();
                config.captcha = keys.captcha.unwrap_or_default();
                config.throttle = keys.throttle.unwrap_or_default();
                config.codes = keys.codes.unwrap_or_default();
                config.pages = keys.pages.unwrap_or_default();
                config.plugins = keys.plugins.unwrap_or_default();
                config.realname = keys.realname.unwrap_or_default();
                if let Some(apps) = map.remove("apps") {
                    if let Some(key) = map.keys().next() {
                        return Err(ConfigError::Key {
                            key: key.clone(),
                            message:
                                "uni-id keys go inside each [[apps]] entry when [[apps]] is used"
                                    .into(),
                        });
                    }
                    let Value::Array(entries) = apps else {
                        return Err(ConfigError::invalid(
                            "apps",
                            "an array of app configs ([[apps]])",
                        ));
                    };
                    config.apps = parse_app_list(entries, "apps")?;
                } else {
                    config.apps = vec![parse_app(map, "")?];
                }
            }
            _ => {
                return Err(ConfigError::Other(
                    "the config must be an object (or uni-id's array of app configs)".into(),
                ));
            }
        }
        config.check()?;
        Ok(config)
    }

    /// Applies `UNID_LISTEN` / `UNID_DATABASE_URL` style overrides.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        if let Some(listen) = get("UNID_LISTEN").filter(|v| !v.is_empty()) {
            self.server.listen = listen;
        }
        if let Some(url) = get("UNID_DATABASE_URL").filter(|v| !v.is_empty()) {
            self.database.url = Some(url);
        }
    }

    /// Cross-field checks that do not depend on generated secrets.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.server.production && self.test_mode {
            return Err(ConfigError::invalid(
                "testMode",
                "false when [server] production = true (test mode accepts fixed captcha and codes)",
            ));
        }
        crate::realname::build(&self.realname, self.test_mode).map_err(ConfigError::Other)?;
        if self.server.max_body_bytes < 1024 {
            return Err(ConfigError::invalid("server.maxBodyBytes", "at least 1024"));
        }
        for (key, v) in [
            ("server.headerTimeoutSecs", self.server.header_timeout_secs),
            ("server.bodyTimeoutSecs", self.server.body_timeout_secs),
            ("server.keepAliveSecs", self.server.keep_alive_secs),
        ] {
            if !(1..=3600).contains(&v) {
                return Err(ConfigError::invalid(key, "seconds, from 1 to 3600"));
            }
        }
        if let Some((i, bad)) = self
            .server
            .cors_origins
            .iter()
            .enumerate()
            .find(|(_, o)| !crate::api::cors::valid_origin(o))
        {
            return Err(ConfigError::invalid(
                format!("server.corsOrigins[{i}]"),
                format!("an origin such as \"https://app.example.com\" or \"*\", not {bad:?}"),
            ));
        }
        if self
            .server
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose().len() < 16)
        {
            return Err(ConfigError::invalid(
                "server.metricsToken",
                "at least 16 characters",
            ));
        }
        if let Some(listen) = &self.server.metrics_listen
            && listen.parse::<std::net::SocketAddr>().is_err()
        {
            return Err(ConfigError::invalid(
                "server.metricsListen",
                format!("an address such as \"127.0.0.1:9100\", not {listen:?}"),
            ));
        }
        if self.server.max_connections == 0 {
            return Err(ConfigError::invalid("server.maxConnections", "at least 1"));
        }
        if let Err(entry) = TrustedProxies::parse(&self.server.trusted_proxies) {
            return Err(ConfigError::invalid(
                "server.trustedProxies",
                format!("IP addresses or CIDR ranges such as \"10.0.0.0/8\", not {entry:?}"),
            ));
        }
        self.pages.check()?;
        if self.database.pool_size == 0 {
            return Err(ConfigError::invalid("database.poolSize", "at least 1"));
        }
        if self.captcha.size == 0 || self.captcha.size > 8 {
            return Err(ConfigError::invalid("captcha.size", "between 1 and 8"));
        }
        if self.captcha.expires_date == 0 {
            return Err(ConfigError::invalid(
                "captcha.expiresDate",
                "seconds, at least 1",
            ));
        }
        let t = &self.throttle;
        for (key, v) in [
            ("throttle.accountCaptchaAfter", t.account_captcha_after),
            ("throttle.accountDelayAfter", t.account_delay_after),
            ("throttle.ipLockAfter", t.ip_lock_after),
            (
                "throttle.captchaPerIpPerMinute",
                t.captcha_per_ip_per_minute,
            ),
            ("throttle.registerPerIpPerHour", t.register_per_ip_per_hour),
        ] {
            if v == 0 {
                return Err(ConfigError::invalid(key, "at least 1"));
            }
        }
        for (key, v) in [
            ("throttle.accountWindow", t.account_window),
            ("throttle.ipWindow", t.ip_window),
        ] {
            if v == 0 {
                return Err(ConfigError::invalid(key, "seconds, at least 1"));
            }
        }
        if self.codes.max_attempts == 0
            || self.codes.per_target_per_day == 0
            || self.codes.per_ip_per_hour == 0
        {
            return Err(ConfigError::invalid(
                "codes.maxAttempts / codes.perTargetPerDay / codes.perIpPerHour",
                "at least 1",
            ));
        }
        if self.apps.len() > 1 {
            for (i, app) in self.apps.iter().enumerate() {
                if app.keys.dcloud_appid.is_none() && app.keys.is_default_config != Some(true) {
                    return Err(ConfigError::invalid(
                        format!("apps[{i}].dcloudAppid"),
                        "an appid (or isDefaultConfig = true) in every entry of a multi-app config",
                    ));
                }
            }
        }
        Ok(())
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}",
                self.server.data_dir.join("unid.db").display()
            ),
        }
    }

    pub fn public_url(&self) -> String {
        match &self.server.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.server.listen),
        }
    }

    /// `[plugins.<id>]` as a typed struct; `Default` when the section is absent.
    pub fn plugin_section<T: DeserializeOwned + Default>(
        &self,
        id: &str,
    ) -> Result<T, ConfigError> {
        match self.plugins.get(id) {
            None => Ok(T::default()),
            Some(v) => typed(v.clone(), &format!("plugins.{id}")),
        }
    }
}

fn parse_app_list(entries: Vec<Value>, where_: &str) -> Result<Vec<AppConfig>, ConfigError> {
    if entries.is_empty() {
        return Err(ConfigError::invalid(
            if where_.is_empty() { "config" } else { where_ },
            "at least one app config",
        ));
    }
    entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let here = if where_.is_empty() {
                format!("[{i}]")
            } else {
                format!("{where_}[{i}]")
            };
            match entry {
                Value::Object(map) => parse_app(map, &here),
                _ => Err(ConfigError::invalid(here, "an object")),
            }
        })
        .collect()
}

fn parse_app(mut map: Map<String, Value>, where_: &str) -> Result<AppConfig, ConfigError> {
    let platform_keys: Vec<String> = map
        .keys()
        .filter(|k| platform::is_platform_key(k))
        .cloned()
        .collect();
    let mut platforms = BTreeMap::new();
    for key in platform_keys {
        let here = join(where_, &key);
        let section = map.remove(&key).unwrap_or(Value::Null);
        let keys: UniIdKeys = typed(section, &here)?;
        platforms.insert(key, keys);
    }
    let keys: UniIdKeys = typed(Value::Object(map), where_)?;
    Ok(AppConfig { keys, platforms })
}

fn join(where_: &str, key: &str) -> String {
    if where_.is_empty() {
        key.to_string()
    } else {
        format!("{where_}.{key}")
    }
}

/// Deserializes with the failing key's full path in the error.
fn typed<T: DeserializeOwned>(value: Value, where_: &str) -> Result<T, ConfigError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let key = match (where_.is_empty(), path == ".") {
            (true, _) => path,
            (false, true) => where_.to_string(),
            (false, false) => format!("{where_}.{path}"),
        };
        let inner = e.into_inner().to_string();
        // serde names an unknown field only in its message; move it into the key path.
        if let Some(rest) = inner.strip_prefix("unknown field `")
            && let Some((field, _)) = rest.split_once('`')
        {
            let key = if key == "." || key.is_empty() {
                field.to_string()
            } else {
                format!("{key}.{field}")
            };
            return ConfigError::Key {
                key,
                message: "unknown key".to_string(),
            };
        }
        ConfigError::Key {
            key,
            message: inner,
        }
    })
}

#[cfg(test)]
mod tests;
