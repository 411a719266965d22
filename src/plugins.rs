//! The plugin list. A plugin is compiled in behind its cargo feature and registered because
//! this list names it — no link-time magic.

use unid_core::HostBuilder;
use unid_core::config::Config;

/// Adds every compiled-in plugin to the host.
pub fn register(builder: HostBuilder) -> HostBuilder {
    // Login plugins (sms, email, univerify, weixin, apple) are added here as they land.
    builder
}

/// Runs each compiled-in plugin's configuration and health checks for `unid config check`.
pub fn check(_config: &Config) -> Vec<(&'static str, String)> {
    Vec::new()
}
