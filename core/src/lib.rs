//! unid-core: the host of the unid account server — configuration, storage, accounts,
//! passwords, tokens, captcha, throttling, the validator, i18n, the uni-id-co API and the plugin
//! seam. The `unid` binary wires it to a CLI; plugins add login methods through [`plugin`].

pub mod accounts;
pub mod api;
pub mod avatars;
pub mod captcha;
pub mod clock;
pub mod codes;
pub mod config;
pub mod db;
pub mod error;
pub mod files;
pub mod host;
pub mod i18n;
pub mod ids;
pub mod metrics;
pub mod outbound;
pub mod pages;
pub mod passwords;
pub mod plugin;
#[cfg(test)]
mod properties;
pub mod realname;
pub mod secret;
pub mod server;
pub mod telemetry;
pub mod throttle;
pub mod tokens;
pub mod transfer;
pub mod validator;

pub use actix_web;
pub use askama;
pub use host::{Host, HostBuilder, StartError};
pub use server::serve;
