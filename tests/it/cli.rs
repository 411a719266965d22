//! The `unid` binary as an operator uses it: zero-configuration start, secrets reuse,
//! `admin create`, `config check`, `migrate`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::once;
use crate::support::cases::Case;
use crate::support::{APP_ID, Backend};

pub fn cases() -> Vec<Case> {
    once![
        serve_with_no_configuration_creates_data_and_reuses_secrets,
        admin_create_makes_an_administrator_who_can_log_in,
        config_check_masks_secrets_and_names_bad_keys,
        config_check_names_login_types_the_pages_cannot_offer,
        production_refuses_test_mode_at_start,
        admin_seed_adds_users_who_sign_in_and_a_second_run_adds_more,
        migrate_applies_then_reports_up_to_date,
        a_uni_id_config_json_runs_as_is,
    ]
}

pub(crate) fn unid() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_unid"));
    cmd.env_remove("UNID_CONFIG")
        .env_remove("UNID_LISTEN")
        .env_remove("UNID_DATABASE_URL")
        .env("RUST_LOG", "warn");
    cmd
}

pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "unid-cli-{name}-{}-{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `unid serve`, killed on drop.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path, args: &[&str]) -> Server {
    let port = free_port();
    let mut child = unid()
        .current_dir(dir)
        .arg("serve")
        .args(args)
        .env("UNID_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) if line.contains("listening on") => {
                assert!(line.contains(&format!("http://127.0.0.1:{port}")), "{line}");
                break;
            }
            Ok(_) => {}
            Err(_) if Instant::now() > deadline => panic!("unid serve did not start"),
            Err(_) => {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("unid serve exited: {status}");
                }
            }
        }
    }
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

async fn call(server: &Server, method: &str, params: Value, token: Option<&str>) -> Value {
    call_as(server, APP_ID, method, params, token).await
}

async fn call_as(
    server: &Server,
    app: &str,
    method: &str,
    params: Value,
    token: Option<&str>,
) -> Value {
    let mut body = json!({"clientInfo": {"uniPlatform": "web", "appId": app, "deviceId": "cli"}, "params": params});
    if let Some(t) = token {
        body["uniIdToken"] = json!(t);
    }
    reqwest::Client::new()
        .post(format!("{}/uni-id-co/{method}", server.url))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn serve_with_no_configuration_creates_data_and_reuses_secrets(_: Backend) {
    let dir = temp_dir("zero");
    let token = {
        let server = serve(&dir, &[]);
        let r = call(
            &server,
            "registerAdmin",
            json!({"username": "root", "password": "Admin-Pass-2024"}),
            None,
        )
        .await;
        assert_eq!(r["errCode"], 0, "{r}");
        let r = call(
            &server,
            "login",
            json!({"username": "root", "password": "Admin-Pass-2024"}),
            None,
        )
        .await;
        assert_eq!(r["errCode"], 0, "{r}");
        r["newToken"]["token"].as_str().unwrap().to_string()
    };
    let secrets = dir.join("unid-data/secrets.toml");
    assert!(dir.join("unid-data/unid.db").exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&secrets), 0o600);
        // Private whatever the umask (the test runs with the usual 022).
        assert_eq!(mode(&dir.join("unid-data")), 0o700, "dataDir");
        assert_eq!(mode(&dir.join("unid-data/unid.db")), 0o600, "the database");
        assert_eq!(mode(&dir.join("unid-data/unid.db-wal")), 0o600, "its WAL");
    }
    // Restarted, it reuses the secrets: the token is still good.
    let server = serve(&dir, &[]);
    // A browser at the root lands on the sign-in page.
    let v = crate::support::web::Visitor::new(&server.url);
    let root = v.get("/").await;
    assert_eq!(root.location(), Some("/login"));
    let login = v.follow(&root).await;
    // No SMS gateway is configured, so the password form is the first method.
    assert_eq!(login.location(), Some("/login/password"));
    let form = v.follow(&login).await;
    assert_eq!(form.status, 200);
    assert!(
        form.body
            .contains("<form method=\"post\" action=\"/login/password\"")
    );
    let r = call(&server, "getAccountInfo", json!({}), Some(&token)).await;
    assert_eq!(r["errCode"], 0, "{r}");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

async fn admin_create_makes_an_administrator_who_can_log_in(_: Backend) {
    let dir = temp_dir("admin");
    let out = unid()
        .current_dir(&dir)
        .args([
            "admin",
            "create",
            "--username",
            "boss",
            "--password",
            "Boss-Pass-2024",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created administrator boss"));
    let again = unid()
        .current_dir(&dir)
        .args(["admin", "create", "--username", "boss"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"Other-Pass-2024\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("uni-id-account-exists"));
    let weak = unid()
        .current_dir(&dir)
        .args(["admin", "create", "--username", "weak", "--password", "123"])
        .output()
        .unwrap();
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("uni-id-invalid-password"));

    let server = serve(&dir, &[]);
    let r = call(
        &server,
        "login",
        json!({"username": "boss", "password": "Boss-Pass-2024"}),
        None,
    )
    .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let r = call(
        &server,
        "registerAdmin",
        json!({"username": "second", "password": "Admin-Pass-2024"}),
        None,
    )
    .await;
    assert_eq!(r["errCode"], "uni-id-admin-exists");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

async fn config_check_masks_secrets_and_names_bad_keys(_: Backend) {
    let dir = temp_dir("check");
    std::fs::write(dir.join("unid.toml"), "tokenSecret = \"super-secret-token-value\"\n[web]\ntokenExpiresIn = 600\ntokenExpiresThreshold = 60\n").unwrap();
    let out = unid()
        .current_dir(&dir)
        .args(["config", "check"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("config OK"));
    assert!(stdout.contains("tokenExpiresIn = 600"));
    assert!(!stdout.contains("super-secret-token-value"), "{stdout}");
    assert!(
        stdout.contains("tokenSecret = \"****\" (24 characters)"),
        "{stdout}"
    );

    std::fs::write(dir.join("bad.toml"), "[server]\nlistn = \"x\"\n").unwrap();
    let out = unid()
        .current_dir(&dir)
        .args(["--config", "bad.toml", "config", "check"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("server.listn"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::write(dir.join("typo.toml"), "[plugins.smss]\ngateway = \"log\"\n").unwrap();
    let out = unid()
        .current_dir(&dir)
        .args(["--config", "typo.toml", "config", "check"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("plugins.smss"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The shipped example is valid.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("unid.example.toml");
    let out = unid()
        .current_dir(&dir)
        .arg("--config")
        .arg(example)
        .args(["config", "check"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}

async fn config_check_names_login_types_the_pages_cannot_offer(_: Backend) {
    let dir = temp_dir("logintypes");
    std::fs::write(
        dir.join("unid.toml"),
        "[pages]\nloginTypes = [\"weixin\", \"username\", \"smsCode\"]\n",
    )
    .unwrap();
    let out = unid()
        .current_dir(&dir)
        .args(["config", "check"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("[pages] loginTypes offered: username"),
        "{stdout}"
    );
    assert!(stderr.contains("\"weixin\" is not offered"), "{stderr}");
    assert!(
        stderr.contains("\"smsCode\" is not offered"),
        "no SMS gateway: {stderr}"
    );
    std::fs::write(dir.join("bad.toml"), "[pages]\nloginTypes = [\"wexin\"]\n").unwrap();
    let out = unid()
        .current_dir(&dir)
        .args(["--config", "bad.toml", "config", "check"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("pages.loginTypes[0]"));
    let _ = std::fs::remove_dir_all(dir);
}

async fn production_refuses_test_mode_at_start(_: Backend) {
    let dir = temp_dir("prod");
    std::fs::write(
        dir.join("unid.toml"),
        "testMode = true\n[server]\nproduction = true\n",
    )
    .unwrap();
    let out = unid()
        .current_dir(&dir)
        .arg("serve")
        .env("UNID_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("testMode"));
    let _ = std::fs::remove_dir_all(dir);
}

async fn admin_seed_adds_users_who_sign_in_and_a_second_run_adds_more(_: Backend) {
    let dir = temp_dir("seed");
    let seed = |n: &str| {
        unid()
            .current_dir(&dir)
            .args(["admin", "seed", "--users", n])
            .output()
            .unwrap()
    };
    // More than one batch of 1000, so the batching is exercised.
    let first = seed("1005");
    let out = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(out.contains("seeded 1005 users"), "{out}");
    let second = seed("3");
    assert!(String::from_utf8_lossy(&second.stdout).contains("seeded 3 users"));

    let server = serve(&dir, &[]);
    // Numbering went on after the first run; every account has the published password and
    // belongs to the site's app and one of the two seeded ones.
    for (username, app) in [
        ("seed0000000", "__UNI__UNID"),
        ("seed0001004", "__UNI__SEED01"),
        ("seed0001007", "__UNI__SEED02"),
    ] {
        let r = call_as(
            &server,
            app,
            "login",
            json!({"username": username, "password": "Seed-Pass-2024"}),
            None,
        )
        .await;
        assert_eq!(r["errCode"], 0, "{username}: {r}");
    }
    let r = call_as(
        &server,
        "__UNI__UNID",
        "login",
        json!({"username": "seed0001008", "password": "Seed-Pass-2024"}),
        None,
    )
    .await;
    // No such account (answered as a wrong password: unid does not tell who exists).
    assert_eq!(r["errCode"], "uni-id-password-error", "{r}");
    drop(server);

    // Never next to real users.
    std::fs::write(dir.join("unid.toml"), "[server]\nproduction = true\n").unwrap();
    let refused = seed("1");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("production"));
    let _ = std::fs::remove_dir_all(dir);
}

async fn migrate_applies_then_reports_up_to_date(_: Backend) {
    let dir = temp_dir("migrate");
    let first = unid().current_dir(&dir).arg("migrate").output().unwrap();
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stdout).contains("applied"));
    let second = unid().current_dir(&dir).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&second.stdout).contains("up to date"));
    let _ = std::fs::remove_dir_all(dir);
}

async fn a_uni_id_config_json_runs_as_is(_: Backend) {
    let dir = temp_dir("json");
    std::fs::write(
        dir.join("config.json"),
        r#"{"passwordSecret":[{"type":"hmac-sha256","version":1}],"tokenSecret":"tokenSecret-demo","tokenExpiresIn":7200,"tokenExpiresThreshold":3600,"passwordErrorLimit":6,"passwordErrorRetryTime":3600,"web":{"tokenExpiresIn":600,"tokenExpiresThreshold":300}}"#,
    )
    .unwrap();
    let server = serve(&dir, &["--config", "config.json"]);
    let r = call(
        &server,
        "registerAdmin",
        json!({"username": "root", "password": "Admin-Pass-2024"}),
        None,
    )
    .await;
    assert_eq!(r["errCode"], 0, "{r}");
    let token = r["newToken"]["token"].as_str().unwrap();
    let claims = unid_core::tokens::jwt::verify(token, b"tokenSecret-demo", 0).unwrap();
    assert_eq!(claims.exp - claims.iat, 600, "the web section applies");
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}
