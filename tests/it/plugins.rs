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
    let mut all = cases![
        the_example_plugin_adds_a_method_with_its_rule_strings_and_config,
        the_example_plugin_adds_a_page_over_the_same_rule,
        plugin_migrations_run_once_per_database,
    ];
    all.extend(once![
        the_guide_quotes_the_example_plugin_verbatim,
        a_plugin_config_error_names_the_key
    ]);
    all
}

const CONFIG: &str = "[plugins.greeting]\nexclamation = true";

async fn the_example_plugin_adds_a_page_over_the_same_rule(backend: Backend) {
    let config = Config::from_toml_str(CONFIG, "test").unwrap();
    let app = TestApp::builder(backend)
        .config(CONFIG)
        .plugin(Arc::new(GreetingPlugin::from_config(&config).unwrap()))
        .start()
        .await;
    let v = crate::support::web::Visitor::new(&app.url);
    let out = v.get("/greeting").await;
    assert_eq!(
        out.location(),
        Some("/login?uniIdRedirectUrl=%2Fgreeting"),
        "signed-in visitors only"
    );
    let done = crate::pages::sign_up(&v, "bella", "Greet-Pass-2024").await;
    assert_eq!(done.status, 303, "{:?}", done.error());
    let profile = v.get("/userinfo").await;
    assert!(
        profile.body.contains("href=\"/greeting\""),
        "a row on the profile"
    );
    let page = v.get("/greeting").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("你好，bella!"), "{}", page.body);
    assert!(
        page.body.contains("<title>问候 · unid</title>"),
        "in the site's layout"
    );
    let calm = v.post("/greeting", &[("mood", "calm")]).await;
    assert_eq!(calm.status, 200);
    assert!(calm.body.contains("(calm)"));
    let angry = v.post("/greeting", &[("mood", "angry")]).await;
    assert_eq!(angry.status, 422, "the plugin's own validator rule");
    assert!(angry.error().is_some());
    let forged = v
        .post("/greeting", &[("mood", "calm"), ("csrf", "x")])
        .await;
    assert_eq!(forged.status, 403, "the host's CSRF check");
    let en = v.get("/greeting?locale=en").await;
    assert!(en.body.contains("Hello, bella!"));
}

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

/// A plugin that only brings a table.
struct Tabled;

impl unid_core::plugin::Plugin for Tabled {
    fn id(&self) -> &'static str {
        "tabled"
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn migrations(&self) -> Vec<unid_core::plugin::PluginMigration> {
        let sql = "CREATE TABLE tabled_notes (id BIGINT PRIMARY KEY, note TEXT NOT NULL)";
        vec![unid_core::plugin::PluginMigration {
            name: "0001_notes",
            sqlite: sql,
            postgres: sql,
        }]
    }
}

async fn plugin_migrations_run_once_per_database(backend: Backend) {
    use diesel::RunQueryDsl;
    let app = TestApp::builder(backend)
        .plugin(Arc::new(Tabled))
        .start()
        .await;
    app.db(|conn| {
        unid_core::db_run!(conn: {
            diesel::sql_query("INSERT INTO tabled_notes (id, note) VALUES (1, 'hello')").execute(conn)
        })?;
        Ok(())
    })
    .await;
    // A second instance on the same database starts cleanly and does not re-create the table.
    let again = unid_core::HostBuilder::new(app.host.config.clone())
        .secrets(unid_core::config::settings::GeneratedSecrets::random())
        .plugin(Arc::new(Tabled))
        .build();
    assert!(
        again.is_ok(),
        "second start: {:?}",
        again.err().map(|e| e.to_string())
    );
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let (notes, records) = app
        .db(|conn| {
            let notes: N = unid_core::db_run!(conn: {
                diesel::sql_query("SELECT COUNT(*) AS n FROM tabled_notes").get_result(conn)
            })?;
            let records: N = unid_core::db_run!(conn: {
                diesel::sql_query("SELECT COUNT(*) AS n FROM plugin_migrations WHERE plugin = 'tabled'").get_result(conn)
            })?;
            Ok((notes.n, records.n))
        })
        .await;
    assert_eq!((notes, records), (1, 1));
}
