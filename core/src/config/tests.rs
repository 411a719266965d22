use super::*;
use crate::config::settings::GeneratedSecrets;

fn settings(config: &Config) -> Settings {
    Settings::resolve(config, &GeneratedSecrets::random()).expect("resolves")
}

#[test]
fn empty_config_has_uni_id_defaults() {
    let config = Config::from_toml_str("", "test").expect("empty is valid");
    let e = settings(&config)
        .effective("__UNI__A", "web")
        .expect("effective");
    assert_eq!(e.token_expires_in, 7200);
    assert_eq!(e.token_expires_threshold, 1200);
    assert_eq!(e.max_token_length, 10);
    assert_eq!(e.password_error_limit, 6);
    assert_eq!(e.password_error_retry_time, 3600);
    assert_eq!(config.server.listen, "127.0.0.1:8080");
    assert!(!config.test_mode);
}

#[test]
fn platform_sections_override_shallowly() {
    let config = Config::from_toml_str(
        r#"
        tokenSecret = "top"
        tokenExpiresIn = 7200
        [app]
        tokenExpiresIn = 2592000
        tokenExpiresThreshold = 864000
        [h5]
        tokenExpiresIn = 100
        tokenExpiresThreshold = 10
        "#,
        "test",
    )
    .expect("valid");
    let s = settings(&config);
    let app = s.effective("x", "app").expect("app");
    assert_eq!(app.token_expires_in, 2592000);
    assert_eq!(app.token_secret.expose(), "top");
    let web = s.effective("x", "web").expect("web via legacy h5");
    assert_eq!(web.token_expires_in, 100);
    let mp = s.effective("x", "mp-weixin").expect("mp");
    assert_eq!(mp.token_expires_in, 7200);
}

#[test]
fn uni_id_config_json_is_accepted_as_is() {
    let json = r#"{
        "passwordSecret": [{"type": "hmac-sha256", "version": 1}],
        "passwordStrength": "medium",
        "tokenSecret": "tokenSecret-demo",
        "tokenExpiresIn": 7200,
        "tokenExpiresThreshold": 3600,
        "maxTokenLength": 10,
        "passwordErrorLimit": 6,
        "passwordErrorRetryTime": 3600,
        "autoSetInviteCode": false,
        "forceInviteCode": false,
        "idCardCertifyLimit": 1,
        "realNameCertifyLimit": 5,
        "sensitiveInfoEncryptSecret": "",
        "frvNeedAlivePhoto": false,
        "userRegisterDefaultRole": [],
        "app": {
            "tokenExpiresIn": 2592000,
            "tokenExpiresThreshold": 864000,
            "oauth": {"weixin": {"appid": "", "appsecret": ""}, "qq": {"appid": "", "appsecret": ""}, "apple": {"bundleId": ""}}
        },
        "web": {"tokenExpiresIn": 7200, "tokenExpiresThreshold": 3600, "oauth": {"weixin-h5": {"appid": "", "appsecret": ""}}},
        "mp-weixin": {"tokenExpiresIn": 259200, "tokenExpiresThreshold": 86400, "oauth": {"weixin": {"appid": "", "appsecret": ""}}},
        "service": {
            "sms": {"name": "", "codeExpiresIn": 180, "scene": {"bind-mobile-by-sms": {"templateId": "", "codeExpiresIn": 240}}},
            "univerify": {"appid": ""}
        }
    }"#;
    let config = Config::from_json_str(json, "config.json").expect("uni-id sample is valid");
    let e = settings(&config).effective("x", "mp-weixin").expect("mp");
    assert_eq!(e.token_expires_in, 259200);
    assert!(e.password_strength.is_some());
    assert_eq!(e.password_secrets.len(), 1);
}

#[test]
fn array_form_picks_app_or_default() {
    let json = r#"[
        {"dcloudAppid": "__UNI__A", "tokenSecret": "a", "tokenExpiresIn": 100, "tokenExpiresThreshold": 10},
        {"isDefaultConfig": true, "tokenSecret": "d"}
    ]"#;
    let config = Config::from_json_str(json, "config.json").expect("valid");
    let s = settings(&config);
    assert_eq!(
        s.effective("__UNI__A", "web")
            .expect("a")
            .token_secret
            .expose(),
        "a"
    );
    assert_eq!(
        s.effective("__UNI__B", "web")
            .expect("default")
            .token_secret
            .expose(),
        "d"
    );
}

#[test]
fn unknown_keys_are_named() {
    let err = Config::from_toml_str("tokenSecretx = \"a\"", "t").expect_err("unknown");
    assert!(err.to_string().contains("tokenSecretx"), "{err}");
    let err = Config::from_toml_str("[server]\nlisten_addr = \"x\"", "t").expect_err("unknown");
    assert!(err.to_string().contains("server.listen_addr"), "{err}");
    let err = Config::from_toml_str("[app]\ntokenExpiresInn = 1", "t").expect_err("unknown");
    assert!(err.to_string().contains("app.tokenExpiresInn"), "{err}");
}

#[test]
fn bad_values_name_the_key_and_expectation() {
    let err = Config::from_toml_str("tokenExpiresIn = \"soon\"", "t").expect_err("type");
    assert!(err.to_string().contains("tokenExpiresIn"), "{err}");
    let config = Config::from_toml_str("tokenExpiresIn = 100\ntokenExpiresThreshold = 100", "t")
        .expect("parses");
    let err = Settings::resolve(&config, &GeneratedSecrets::random())
        .err()
        .expect("threshold too big");
    assert!(err.to_string().contains("tokenExpiresThreshold"), "{err}");
    let config = Config::from_toml_str("passwordStrength = \"extreme\"", "t").expect("parses");
    let err = Settings::resolve(&config, &GeneratedSecrets::random())
        .err()
        .expect("bad level");
    assert!(err.to_string().contains("passwordStrength"), "{err}");
    let err = Config::from_toml_str("passwordHash = \"md5\"", "t").expect_err("bad hash");
    assert!(err.to_string().contains("passwordHash"), "{err}");
}

#[test]
fn trusted_proxies_must_be_addresses_or_ranges() {
    let config = Config::from_toml_str(
        "[server]\ntrustedProxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]",
        "t",
    )
    .expect("valid");
    assert_eq!(config.server.trusted_proxies.len(), 3);
    let err = Config::from_toml_str("[server]\ntrustedProxies = [\"nginx\"]", "t")
        .expect_err("not an address");
    assert!(err.to_string().contains("server.trustedProxies"), "{err}");
    assert!(err.to_string().contains("nginx"), "{err}");
}

#[test]
fn production_refuses_test_mode() {
    let err = Config::from_toml_str("testMode = true\n[server]\nproduction = true", "t")
        .expect_err("refused");
    assert!(err.to_string().contains("testMode"), "{err}");
}

#[test]
fn env_overrides_listen_and_database() {
    let mut config = Config::from_toml_str("", "t").expect("valid");
    config.apply_env(|k| match k {
        "UNID_LISTEN" => Some("0.0.0.0:9000".into()),
        "UNID_DATABASE_URL" => Some("postgres://u@h/db".into()),
        _ => None,
    });
    assert_eq!(config.server.listen, "0.0.0.0:9000");
    assert_eq!(config.database_url(), "postgres://u@h/db");
}

/// The example config documents every key with its default: loading it must give exactly what
/// an empty config gives.
#[test]
fn example_config_matches_defaults() {
    let text = include_str!("../../../unid.example.toml");
    let example = Config::from_toml_str(text, "unid.example.toml").expect("example is valid");
    let empty = Config::from_toml_str("", "t").expect("valid");
    assert_eq!(
        format!("{:?}", example.server),
        format!("{:?}", empty.server)
    );
    assert_eq!(
        format!("{:?}", example.database),
        format!("{:?}", empty.database)
    );
    assert_eq!(
        format!("{:?}", example.captcha),
        format!("{:?}", empty.captcha)
    );
    assert_eq!(
        format!("{:?}", example.throttle),
        format!("{:?}", empty.throttle)
    );
    assert_eq!(example.pages, empty.pages);
    assert_eq!(example.test_mode, empty.test_mode);
    assert_eq!(example.password_hash, empty.password_hash);
    let secrets = GeneratedSecrets::random();
    let a = Settings::resolve(&example, &secrets)
        .expect("example resolves")
        .describe();
    let b = Settings::resolve(&empty, &secrets)
        .expect("empty resolves")
        .describe();
    assert_eq!(a, b);
}

#[test]
fn operator_keys_are_checked_and_the_metrics_token_stays_masked() {
    let check = |toml: &str| Config::from_toml_str(toml, "test").and_then(|c| c.check());
    let e = check("[server]\nmetricsToken = \"short\"").expect_err("too short");
    assert!(e.to_string().contains("server.metricsToken"), "{e}");
    let e = check("[server]\nmetricsListen = \"localhost\"").expect_err("no port");
    assert!(e.to_string().contains("server.metricsListen"), "{e}");
    let e = check("[server]\nlogFormat = \"xml\"").expect_err("unknown format");
    assert!(e.to_string().contains("logFormat"), "{e}");
    let config = Config::from_toml_str(
        "[server]\nmetricsToken = \"a-long-scrape-token\"\nmetricsListen = \"127.0.0.1:9100\"\nlogFormat = \"json\"\naccessLog = true",
        "test",
    )
    .expect("valid");
    config.check().expect("valid");
    assert_eq!(config.server.log_format, super::LogFormat::Json);
    assert!(!format!("{:?}", config.server).contains("a-long-scrape-token"));
}
