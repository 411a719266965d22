//! The plugin API through the example plugin of docs/plugins.md: it compiles, loads, and its
//! method, rule, strings and config section work like the host's own.

use std::sync::Arc;

use serde_json::json;
use unid_core::config::Config;

use crate::cases;
use crate::example_plugin::GreetingPlugin;
use crate::once;
use crate::support::cases::Case;
use crate::support::{Backend, TestApp};

pub fn cases() -> Vec<Case> {
    let mut all = cases![the_example_plugin_adds_a_method_with_its_rule_strings_and_config];
    all.extend(once![
        the_guide_quotes_the_example_plugin_verbatim,
        a_plugin_config_error_names_the_key
    ]);
    all
}

const CONFIG: &str = "[plugins.greeting]\nexclamation = true";

async fn the_example_plugin_adds_a_method_with_its_rule_strings_and_config(backend: Backend) {
    let config = Config::from_toml_str(CONFIG, "test").unwrap();
    let plugin = GreetingPlugin::from_config(&config).unwrap();
    let app = TestApp::builder(backend)
        .config(CONFIG)
        .plugin(Arc::new(plugin))
        .start()
        .await;
    let r = app
        .call("greet")
        .params(json!({"mood": "happy"}))
        .send()
        .await;
    assert_eq!(
        r["errCode"], "uni-id-check-token-failed",
        "Access::Auth applies: {r}"
    );
    let token = app.user_token("alice").await;
    let r = app
        .call("greet")
        .token(&token)
        .params(json!({"mood": "happy"}))
        .send()
        .await;
    assert_eq!(
        r,
        json!({"errCode": 0, "errMsg": "", "greeting": "你好，alice!", "mood": "happy"})
    );
    let r = app
        .call("greet")
        .token(&token)
        .locale("en")
        .params(json!({"mood": "calm"}))
        .send()
        .await;
    assert_eq!(r["greeting"], "Hello, alice!");
    let r = app
        .call("greet")
        .token(&token)
        .params(json!({"mood": "angry"}))
        .send()
        .await;
    assert_eq!(
        r["errCode"], "uni-id-invalid-param",
        "the plugin's validator rule: {r}"
    );
    let r = app.call("greet").token(&token).send().await;
    assert_eq!(r["errMsg"], "缺少参数: mood");
}

async fn a_plugin_config_error_names_the_key(_: Backend) {
    let config = Config::from_toml_str("[plugins.greeting]\nexclaim = true", "test").unwrap();
    let err = GreetingPlugin::from_config(&config).err().unwrap();
    assert!(err.contains("plugins.greeting.exclaim"), "{err}");
}

async fn the_guide_quotes_the_example_plugin_verbatim(_: Backend) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(root.join("docs/plugins.md")).unwrap();
    let example = std::fs::read_to_string(root.join("docs/example_plugin.rs")).unwrap();
    assert!(
        guide.contains(example.trim_end()),
        "docs/plugins.md must quote docs/example_plugin.rs as it is"
    );
}
