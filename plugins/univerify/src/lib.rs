//! The `univerify` login plugin (skeleton: being written).

use unid_core::config::Config;
use unid_core::plugin::Plugin;

pub struct UniverifyPlugin;

impl UniverifyPlugin {
    /// Builds the plugin from the config; `Ok(None)` when it is off.
    pub fn from_config(_config: &Config) -> Result<Option<UniverifyPlugin>, String> {
        Ok(None)
    }
}

impl Plugin for UniverifyPlugin {
    fn id(&self) -> &'static str {
        "univerify"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
