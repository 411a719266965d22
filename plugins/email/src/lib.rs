//! The `email` login plugin (skeleton: being written).

use unid_core::config::Config;
use unid_core::plugin::Plugin;

pub struct EmailPlugin;

impl EmailPlugin {
    /// Builds the plugin from the config; `Ok(None)` when it is off.
    pub fn from_config(_config: &Config) -> Result<Option<EmailPlugin>, String> {
        Ok(None)
    }
}

impl Plugin for EmailPlugin {
    fn id(&self) -> &'static str {
        "email"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
