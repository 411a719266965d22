//! `greeting`: the smallest useful unid plugin. It adds one authenticated method, `greet`, with
//! its own config section, validator rule and strings — everything a login plugin uses, without
//! the login. Compiled and loaded by the test suite (tests/it/plugins.rs), quoted by
//! docs/plugins.md.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;
use unid_core::api::call::{Call, req_str};
use unid_core::api::methods::{Access, MethodSpec, Reply};
use unid_core::config::Config;
use unid_core::error::{ApiError, ApiResult, ErrorCode};
use unid_core::i18n::Locale;
use unid_core::plugin::Plugin;
use unid_core::validator::{Field, Rule, Schema};
use unid_core::{method, reply};

/// `[plugins.greeting]`: typed, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GreetingConfig {
    /// End the greeting with "!".
    #[serde(default)]
    pub exclamation: bool,
}

pub struct GreetingPlugin {
    config: GreetingConfig,
}

impl GreetingPlugin {
    /// Built by the plugin list (src/plugins.rs) from the whole config; an error names the key.
    pub fn from_config(config: &Config) -> Result<GreetingPlugin, String> {
        let config = config
            .plugin_section("greeting")
            .map_err(|e| e.to_string())?;
        Ok(GreetingPlugin { config })
    }
}

/// `mood` must pass the plugin's own rule, registered below as a validator mixin.
static GREET: &Schema = &[("mood", Field::required("greetingMood"))];

impl Plugin for GreetingPlugin {
    fn id(&self) -> &'static str {
        "greeting"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn methods(&self) -> Vec<MethodSpec> {
        vec![method!("greet", Access::Auth, GREET, greet)]
    }

    fn validator_mixins(&self) -> Vec<(&'static str, Rule)> {
        let mood: Rule = Arc::new(|value: &Value| match value.as_str() {
            Some("happy" | "calm") => Ok(()),
            _ => Err(ApiError::new(ErrorCode::InvalidParam)),
        });
        vec![("greetingMood", mood)]
    }

    fn locales(&self) -> Vec<(Locale, &'static str)> {
        vec![
            (Locale::ZhHans, "greeting-hello = 你好，{ $name }"),
            (Locale::En, "greeting-hello = Hello, { $name }"),
        ]
    }
}

/// `greet` (token required): `{greeting, mood}` in the caller's language.
async fn greet(call: Call, params: Value) -> ApiResult<Reply> {
    let mood = req_str(&params, "mood")?;
    let user = &call.auth()?.user;
    let name = user
        .nickname
        .clone()
        .or_else(|| user.username.clone())
        .unwrap_or_default();
    let mut greeting = call.text("greeting-hello", &[("name", name)]);
    // A method reaches its plugin's state through the host.
    let plugin = call
        .host
        .plugin::<GreetingPlugin>()
        .ok_or_else(|| ApiError::system("greeting plugin is not loaded"))?;
    if plugin.config.exclamation {
        greeting.push('!');
    }
    Ok(reply! { "greeting" => greeting, "mood" => mood })
}
