//! The plugin list. A plugin is compiled in behind its cargo feature and registered because
//! this list names it — no link-time magic. Each is built from the config, so a bad
//! `[plugins.<id>]` section stops start-up with the key named.

use std::sync::Arc;

use unid_core::HostBuilder;
use unid_core::config::Config;
use unid_core::plugin::Plugin;

/// Adds every compiled-in, enabled plugin to the host.
pub fn register(mut builder: HostBuilder, config: &Config) -> Result<HostBuilder, String> {
    for plugin in build(config)? {
        builder = builder.plugin(plugin);
    }
    Ok(builder)
}

/// Every compiled-in plugin that `config` turns on, in the list's order.
pub fn build(config: &Config) -> Result<Vec<Arc<dyn Plugin>>, String> {
    #[cfg_attr(
        not(any(feature = "sms", feature = "email", feature = "univerify")),
        allow(unused_mut)
    )]
    let mut plugins: Vec<Arc<dyn Plugin>> = Vec::new();
    #[cfg(feature = "sms")]
    if let Some(plugin) =
        unid_plugin_sms::SmsPlugin::from_config(config).map_err(|e| format!("plugin sms: {e}"))?
    {
        plugins.push(Arc::new(plugin));
    }
    #[cfg(feature = "email")]
    if let Some(plugin) = unid_plugin_email::EmailPlugin::from_config(config)
        .map_err(|e| format!("plugin email: {e}"))?
    {
        plugins.push(Arc::new(plugin));
    }
    #[cfg(feature = "univerify")]
    if let Some(plugin) = unid_plugin_univerify::UniverifyPlugin::from_config(config)
        .map_err(|e| format!("plugin univerify: {e}"))?
    {
        plugins.push(Arc::new(plugin));
    }
    let _ = config;
    Ok(plugins)
}

/// Builds each compiled-in plugin from `config` and runs its health check, for
/// `unid config check`; returns the problems found.
pub fn check(config: &Config) -> Vec<(&'static str, String)> {
    #[cfg(any(feature = "sms", feature = "email", feature = "univerify"))]
    fn report<P: unid_core::plugin::Plugin>(
        id: &'static str,
        built: Result<Option<P>, String>,
        errors: &mut Vec<(&'static str, String)>,
    ) {
        match built {
            Err(e) => errors.push((id, e)),
            Ok(Some(plugin)) => {
                if let Err(e) = plugin.health() {
                    errors.push((id, format!("health check: {e}")));
                }
            }
            Ok(None) => {}
        }
    }
    #[cfg_attr(
        not(any(feature = "sms", feature = "email", feature = "univerify")),
        allow(unused_mut)
    )]
    let mut errors = Vec::new();
    #[cfg(feature = "sms")]
    report(
        "sms",
        unid_plugin_sms::SmsPlugin::from_config(config),
        &mut errors,
    );
    #[cfg(feature = "email")]
    report(
        "email",
        unid_plugin_email::EmailPlugin::from_config(config),
        &mut errors,
    );
    #[cfg(feature = "univerify")]
    report(
        "univerify",
        unid_plugin_univerify::UniverifyPlugin::from_config(config),
        &mut errors,
    );
    let _ = config;
    errors
}

/// The plugins this build knows, compiled in or not.
pub const KNOWN: &[&str] = &["sms", "email", "univerify"];

/// Refuses `[plugins.<id>]` sections for plugins that do not exist or are not compiled in, so a
/// misspelt section is an error rather than silently ignored.
pub fn check_sections(config: &Config) -> Result<(), String> {
    let compiled: Vec<&str> = KNOWN
        .iter()
        .copied()
        .filter(|id| {
            (*id == "sms" && cfg!(feature = "sms"))
                || (*id == "email" && cfg!(feature = "email"))
                || (*id == "univerify" && cfg!(feature = "univerify"))
        })
        .collect();
    for id in config.plugins.keys() {
        if !compiled.contains(&id.as_str()) {
            let why = if KNOWN.contains(&id.as_str()) {
                "that plugin is not compiled into this build (cargo feature)"
            } else {
                "no such plugin"
            };
            return Err(format!(
                "config key `plugins.{id}`: {why}; available: {}",
                compiled.join(", ")
            ));
        }
    }
    Ok(())
}
