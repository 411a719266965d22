//! The `univerify` login plugin: carrier one-click login — `loginByUniverify` and
//! `bindMobileByUniverify` (spec §1.3, §10).
//!
//! The client's `uni.login({provider: 'univerify'})` yields an `access_token` + `openid`; this
//! plugin exchanges them server-side for the phone number through a backend — a URL-ized
//! uniCloud cloud function running `uniCloud.getPhoneNumber` (the univerify documents'
//! self-hosted route) or Aliyun's `GetMobile` — then logs in / registers or binds by that
//! number with the host's services. It owns no tables.

pub mod backend;
pub mod config;
mod methods;

use std::sync::Arc;

use unid_core::plugin::Plugin;
use unid_core::plugin::api::MethodSpec;
use unid_core::plugin::config::{Config, Effective};

use crate::backend::PhoneBackend;
use crate::backend::aliyun::AliyunBackend;
use crate::backend::unicloud::UnicloudBackend;
use crate::config::{BackendKind, UniverifyPluginConfig};

pub struct UniverifyPlugin {
    pub(crate) backend: Arc<dyn PhoneBackend>,
}

impl UniverifyPlugin {
    /// A plugin exchanging numbers through `backend` (for embedding with a custom backend).
    pub fn new(backend: Arc<dyn PhoneBackend>) -> Self {
        UniverifyPlugin { backend }
    }

    /// Builds the plugin from `[plugins.univerify]`; `Ok(None)` when it is off.
    ///
    /// On only when a backend is configured. Unlike SMS there is no test-mode fallback: a phone
    /// number from a one-click token cannot be faked, so a `[plugins.univerify]` section
    /// without a usable backend is an error naming the key. No section at all (or
    /// `enabled = false`) is simply off.
    pub fn from_config(config: &Config) -> Result<Option<UniverifyPlugin>, String> {
        let section: UniverifyPluginConfig = config
            .plugin_section("univerify")
            .map_err(|e| e.to_string())?;
        if section.enabled == Some(false) || !config.plugins.contains_key("univerify") {
            return Ok(None);
        }
        let backend: Arc<dyn PhoneBackend> = match section.backend {
            None => {
                return Err(
                    "config key `plugins.univerify.backend` is required: \"unicloud\" or \"aliyun\" (a phone number cannot be faked, so there is no test-mode fallback), or set plugins.univerify.enabled = false".into(),
                );
            }
            Some(kind) => {
                let missing = || {
                    format!(
                        "config key `plugins.univerify.{0}` is required for backend \"{0}\"",
                        kind.as_str()
                    )
                };
                match kind {
                    BackendKind::Unicloud => {
                        let c = section.unicloud.ok_or_else(missing)?;
                        Arc::new(UnicloudBackend::new(c)?)
                    }
                    BackendKind::Aliyun => {
                        let c = section.aliyun.ok_or_else(missing)?;
                        Arc::new(AliyunBackend::new(c)?)
                    }
                }
            }
        };
        Ok(Some(UniverifyPlugin { backend }))
    }

    /// `unicloud` or `aliyun` (or a custom backend's name).
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }
}

impl Plugin for UniverifyPlugin {
    fn id(&self) -> &'static str {
        "univerify"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn methods(&self) -> Vec<MethodSpec> {
        methods::all()
    }

    fn login_types(&self, _effective: &Effective) -> Vec<&'static str> {
        vec!["univerify"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(toml: &str) -> Result<Option<UniverifyPlugin>, String> {
        let config = Config::from_toml_str(toml, "test").map_err(|e| e.to_string())?;
        UniverifyPlugin::from_config(&config)
    }

    fn error_of(toml: &str) -> String {
        match build(toml) {
            Ok(p) => panic!(
                "expected an error, got plugin {:?}",
                p.map(|p| p.backend_name())
            ),
            Err(e) => e,
        }
    }

    #[test]
    fn off_without_a_section_even_in_test_mode() {
        assert!(build("").expect("valid").is_none());
        assert!(build("testMode = true").expect("valid").is_none());
        let off = "[plugins.univerify]\nenabled = false\nbackend = \"unicloud\"";
        assert!(build(off).expect("valid").is_none());
    }

    #[test]
    fn a_section_without_a_backend_is_an_error_naming_the_key() {
        for toml in [
            "[plugins.univerify]",
            "testMode = true\n[plugins.univerify]\nenabled = true",
            "[plugins.univerify.unicloud]\nurl = \"https://x.example.com/f\"\nsecret = \"s\"",
        ] {
            let e = error_of(toml);
            assert!(e.contains("`plugins.univerify.backend`"), "{toml}: {e}");
        }
    }

    #[test]
    fn the_chosen_backend_needs_its_section() {
        let e = error_of("[plugins.univerify]\nbackend = \"unicloud\"");
        assert!(e.contains("`plugins.univerify.unicloud`"), "{e}");
        let e = error_of(
            "[plugins.univerify]\nbackend = \"aliyun\"\n[plugins.univerify.unicloud]\nurl = \"https://x.example.com/f\"\nsecret = \"s\"",
        );
        assert!(e.contains("`plugins.univerify.aliyun`"), "{e}");
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            (
                "[plugins.univerify]\nbackend = \"carrier\"",
                "plugins.univerify.backend",
            ),
            (
                "[plugins.univerify]\nbackend = \"unicloud\"\nsurprise = 1",
                "plugins.univerify.surprise",
            ),
            (
                "[plugins.univerify]\nbackend = \"unicloud\"\n[plugins.univerify.unicloud]\nurl = \"https://x.example.com/f\"",
                "plugins.univerify.unicloud",
            ),
            (
                "[plugins.univerify]\nbackend = \"unicloud\"\n[plugins.univerify.unicloud]\nurl = \"https://x.example.com/f\"\nsecret = \"\"",
                "plugins.univerify.unicloud.secret",
            ),
            (
                "[plugins.univerify]\nbackend = \"unicloud\"\n[plugins.univerify.unicloud]\nurl = \"x\"\nsecret = \"s\"",
                "plugins.univerify.unicloud.url",
            ),
            (
                "[plugins.univerify]\nbackend = \"unicloud\"\n[plugins.univerify.unicloud]\nurl = \"https://x.example.com/f\"\nsecret = \"s\"\ntimeoutSecs = 0",
                "plugins.univerify.unicloud.timeoutSecs",
            ),
            (
                "[plugins.univerify]\nbackend = \"unicloud\"\n[plugins.univerify.unicloud]\nurl = \"https://x.example.com/f\"\nsecret = \"s\"\ntimeout = 3",
                "plugins.univerify.unicloud.timeout",
            ),
            (
                "[plugins.univerify]\nbackend = \"aliyun\"\n[plugins.univerify.aliyun]\naccessKeyId = \"LTAI\"",
                "plugins.univerify.aliyun",
            ),
            (
                "[plugins.univerify]\nbackend = \"aliyun\"\n[plugins.univerify.aliyun]\naccessKeyId = \"\"\naccessKeySecret = \"k\"",
                "plugins.univerify.aliyun.accessKeyId",
            ),
            (
                "[plugins.univerify]\nbackend = \"aliyun\"\n[plugins.univerify.aliyun]\naccessKeyId = \"LTAI\"\naccessKeySecret = \"k\"\nendpoint = \"nowhere\"",
                "plugins.univerify.aliyun.endpoint",
            ),
        ];
        for (toml, key) in cases {
            let e = error_of(toml);
            assert!(e.contains(key), "{toml}\n→ {e}\n(expected the key {key})");
        }
    }

    #[test]
    fn configured_backends_turn_the_plugin_on() {
        let p = build(
            "[plugins.univerify]\nbackend = \"unicloud\"\n[plugins.univerify.unicloud]\nurl = \"https://fc.example.com/univerify\"\nsecret = \"s\"",
        )
        .expect("valid")
        .expect("on");
        assert_eq!(p.backend_name(), "unicloud");
        assert_eq!(p.id(), "univerify");
        let names: Vec<&str> = p.methods().iter().map(|m| m.name).collect();
        assert_eq!(names, ["loginByUniverify", "bindMobileByUniverify"]);
        let p = build(
            "[plugins.univerify]\nenabled = true\nbackend = \"aliyun\"\n[plugins.univerify.aliyun]\naccessKeyId = \"LTAI\"\naccessKeySecret = \"k\"",
        )
        .expect("valid")
        .expect("on");
        assert_eq!(p.backend_name(), "aliyun");
    }
}
