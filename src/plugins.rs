//! The plugin list. A plugin is compiled in behind its cargo feature and registered because
//! this list names it — no link-time magic. Each is built from the config, so a bad
//! `[plugins.<id>]` section stops start-up with the key named.

use std::sync::Arc;

use unid_core::HostBuilder;
use unid_core::config::Config;
use unid_core::plugin::Plugin;

/// Builds a plugin from the config: `Ok(None)` when the config turns it off.
type Build = fn(&Config) -> Result<Option<Arc<dyn Plugin>>, String>;

/// A list entry: the plugin's id (also its cargo feature) and, when compiled in, its
/// `from_config` as a [`Build`].
macro_rules! plugin {
    ($id:literal, $plugin:ty) => {{
        #[cfg(feature = $id)]
        let build: Option<Build> = Some(|config| {
            Ok(<$plugin>::from_config(config)?.map(|p| Arc::new(p) as Arc<dyn Plugin>))
        });
        #[cfg(not(feature = $id))]
        let build: Option<Build> = None;
        ($id, build)
    }};
}

/// Every plugin this build knows, in order, and whether it is compiled in.
fn list() -> Vec<(&'static str, Option<Build>)> {
    vec![
        plugin!("sms", unid_plugin_sms::SmsPlugin),
        plugin!("email", unid_plugin_email::EmailPlugin),
        plugin!("univerify", unid_plugin_univerify::UniverifyPlugin),
        plugin!("weixin", unid_plugin_weixin::WeixinPlugin),
        plugin!("apple", unid_plugin_apple::ApplePlugin),
        plugin!("qq", unid_plugin_qq::QqPlugin),
        plugin!("alipay", unid_plugin_alipay::AlipayPlugin),
    ]
}

/// Adds every compiled-in, enabled plugin to the host.
pub fn register(mut builder: HostBuilder, config: &Config) -> Result<HostBuilder, String> {
    for plugin in build(config)? {
        builder = builder.plugin(plugin);
    }
    Ok(builder)
}

/// Every compiled-in plugin that `config` turns on, in the list's order.
pub fn build(config: &Config) -> Result<Vec<Arc<dyn Plugin>>, String> {
    let mut plugins = Vec::new();
    for (id, build) in list() {
        if let Some(build) = build
            && let Some(plugin) = build(config).map_err(|e| format!("plugin {id}: {e}"))?
        {
            plugins.push(plugin);
        }
    }
    Ok(plugins)
}

/// Builds each compiled-in plugin from `config` and runs its health check, for
/// `unid config check`; returns the problems found.
pub fn check(config: &Config) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    for (id, build) in list() {
        match build.map(|b| b(config)) {
            Some(Err(e)) => errors.push((id, e)),
            Some(Ok(Some(plugin))) => {
                if let Err(e) = plugin.health() {
                    errors.push((id, format!("health check: {e}")));
                }
            }
            Some(Ok(None)) | None => {}
        }
    }
    errors
}

/// The plugins this build knows, compiled in or not.
pub fn known() -> Vec<&'static str> {
    list().into_iter().map(|(id, _)| id).collect()
}

/// Refuses `[plugins.<id>]` sections for plugins that do not exist or are not compiled in, so a
/// misspelt section is an error rather than silently ignored.
pub fn check_sections(config: &Config) -> Result<(), String> {
    let list = list();
    let compiled: Vec<&str> = list
        .iter()
        .filter(|(_, b)| b.is_some())
        .map(|(id, _)| *id)
        .collect();
    for id in config.plugins.keys() {
        if !compiled.contains(&id.as_str()) {
            let why = if list.iter().any(|(known, _)| known == id) {
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
