//! The test harness: boots the real server (same router, real database, real HTTP on a random
//! port) per test, on SQLite or on PostgreSQL, with a clock the test can move forward.

pub mod browser;
pub mod cases;
pub mod smtp;
pub mod web;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{Value, json};
use unid_core::clock::Clock;
use unid_core::config::Config;
use unid_core::config::settings::GeneratedSecrets;
use unid_core::{Host, HostBuilder};

pub const APP_ID: &str = "__UNI__TEST01";
pub const TEST_MODE_CAPTCHA: &str = "1234";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// `UNID_TEST_DATABASE_URL`, when PostgreSQL tests should run.
pub fn postgres_url() -> Option<String> {
    std::env::var("UNID_TEST_DATABASE_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand::random::<u32>()
    )
}

pub struct TestApp {
    pub url: String,
    pub clock: Clock,
    pub host: Host,
    client: reqwest::Client,
    dir: PathBuf,
    pg_schema: Option<(String, String)>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// What a second instance needs to share this one's database and secrets.
    database_url: String,
    secrets: GeneratedSecrets,
}

pub struct TestAppBuilder {
    backend: Backend,
    config: String,
    plugins: Vec<std::sync::Arc<dyn unid_core::plugin::Plugin>>,
    shared: Option<(String, GeneratedSecrets)>,
}

impl TestAppBuilder {
    /// Extra TOML appended to the test config (`testMode = true` by default).
    pub fn config(mut self, toml: &str) -> Self {
        self.config.push('\n');
        self.config.push_str(toml);
        self
    }

    /// Adds a plugin besides the compiled-in ones (the example plugin of docs/plugins.md).
    pub fn plugin(mut self, plugin: std::sync::Arc<dyn unid_core::plugin::Plugin>) -> Self {
        self.plugins.push(plugin);
        self
    }

    /// Another unid instance on `first`'s database, with the same secrets (as two processes
    /// behind a load balancer share one config).
    pub fn beside(mut self, first: &TestApp) -> Self {
        self.shared = Some((first.database_url.clone(), first.secrets.clone()));
        self
    }

    pub fn without_test_mode(mut self) -> Self {
        self.config = self.config.replace("testMode = true", "testMode = false");
        self
    }

    pub async fn start(self) -> TestApp {
        let dir = std::env::temp_dir().join(unique("unid-test"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut config =
            Config::from_toml_str(&self.config, "test config").expect("test config is valid");
        config.server.data_dir = dir.clone();
        let mut pg_schema = None;
        let shared_secrets = self.shared.as_ref().map(|(_, s)| s.clone());
        config.database.url = Some(match (self.backend, self.shared) {
            (_, Some((url, _))) => url,
            (Backend::Sqlite, None) => format!("sqlite://{}", dir.join("unid.db").display()),
            (Backend::Postgres, None) => {
                let base = postgres_url().expect("PostgreSQL tests need UNID_TEST_DATABASE_URL");
                let schema = unique("unid_t");
                let mut conn =
                    PgConnection::establish(&base).expect("connect to UNID_TEST_DATABASE_URL");
                diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .expect("create test schema");
                let sep = if base.contains('?') { '&' } else { '?' };
                pg_schema = Some((base.clone(), schema.clone()));
                // application_name lets a test find this server's own connections.
                format!("{base}{sep}options=-csearch_path%3D{schema}&application_name={schema}")
            }
        });
        config.database.pool_size = 8;
        // The address first, so that the server knows its own URL (providers' redirects).
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        config.server.listen = addr.to_string();
        let clock = Clock::system();
        let mut builder = unid::plugins::register(HostBuilder::new(config.clone()), &config)
            .expect("plugins start");
        for plugin in self.plugins {
            builder = builder.plugin(plugin);
        }
        let secrets = shared_secrets.unwrap_or_else(GeneratedSecrets::random);
        let database_url = config.database_url();
        let host = builder
            .secrets(secrets.clone())
            .clock(clock.clone())
            .build()
            .expect("host starts");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let served = host.clone();
        tokio::spawn(async move {
            let _ = unid_core::serve(served, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        TestApp {
            url: format!("http://{addr}"),
            clock,
            host,
            // Idle connections are dropped before the server's keep-alive (5 s) would close
            // them: reusing one the server is closing at that moment fails the request
            // (`IncompleteMessage`), which a flood test once hit.
            client: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .build()
                .expect("the test client"),
            dir,
            pg_schema,
            shutdown: Some(tx),
            database_url,
            secrets,
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some((base, schema)) = self.pg_schema.take()
            && let Ok(mut conn) = PgConnection::establish(&base)
        {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut conn);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestApp {
    pub fn builder(backend: Backend) -> TestAppBuilder {
        TestAppBuilder {
            backend,
            config: "testMode = true\n".to_string(),
            plugins: Vec::new(),
            shared: None,
        }
    }

    pub async fn start(backend: Backend) -> TestApp {
        TestApp::builder(backend).start().await
    }

    /// PostgreSQL only: has the server end every connection this app holds, as a restart or a
    /// failover would. Returns how many it ended.
    pub fn terminate_postgres_connections(&self) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Ended {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let (base, schema) = self.pg_schema.as_ref().expect("a PostgreSQL test app");
        let mut conn = PgConnection::establish(base).expect("connect to UNID_TEST_DATABASE_URL");
        let ended: Ended = diesel::sql_query(
            "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1",
        )
        .bind::<diesel::sql_types::Text, _>(schema)
        .get_result(&mut conn)
        .expect("terminate connections");
        ended.n
    }

    /// A call with the default client (web, [`APP_ID`], device `device-1`, zh-Hans).
    pub fn call(&self, method: &str) -> CallBuilder<'_> {
        CallBuilder {
            app: self,
            method: method.to_string(),
            params: json!({}),
            token: None,
            client_info: json!({
                "uniPlatform": "web",
                "appId": APP_ID,
                "deviceId": "device-1",
                "locale": "zh-Hans",
            }),
            from: None,
            headers: Vec::new(),
        }
    }

    /// A raw request to the API, for malformed input.
    pub fn raw(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client.request(method, format!("{}{path}", self.url))
    }

    /// Rows of the login log of `type_` with `state` (1 succeeded, 0 failed).
    pub async fn log_rows(&self, type_: &'static str, state: i32) -> i64 {
        use diesel::prelude::*;
        use unid_core::db::schema::uni_id_log;
        self.host
            .db
            .run(move |conn| {
                Ok(unid_core::db_run!(conn: {
                    uni_id_log::table
                        .filter(uni_id_log::type_.eq(type_))
                        .filter(uni_id_log::state.eq(state))
                        .count()
                        .get_result::<i64>(conn)
                })?)
            })
            .await
            .expect("count log rows")
    }

    /// How many accounts there are.
    pub async fn user_count(&self) -> i64 {
        self.host
            .db
            .run(|conn| Ok(unid_core::db::models::users::count(conn)?))
            .await
            .expect("count users")
    }

    /// `getAccountInfo` for `token`, which must succeed.
    pub async fn account_info(&self, token: &str) -> Value {
        let r = self.call("getAccountInfo").token(token).send().await;
        assert_eq!(r["errCode"], 0, "{r}");
        r
    }

    /// Moves the server's clock forward.
    pub fn advance_secs(&self, secs: i64) {
        self.clock.advance_ms(secs * 1000);
    }

    // ---- fixtures --------------------------------------------------------------------------

    /// Registers the first administrator and returns its token.
    pub async fn admin_token(&self) -> String {
        let r = self
            .call("registerAdmin")
            .params(json!({"username": "admin", "password": "Admin-Pass-2024"}))
            .send()
            .await;
        assert_eq!(r["errCode"], 0, "registerAdmin: {r}");
        token_of(&r)
    }

    /// Registers a user through `registerUser` (test-mode captcha) and returns the response.
    pub async fn register(&self, username: &str, password: &str) -> Value {
        self.captcha("register").await;
        self.call("registerUser")
            .params(
                json!({"username": username, "password": password, "captcha": TEST_MODE_CAPTCHA}),
            )
            .send()
            .await
    }

    /// Registers `username` with a standard password and returns its token.
    pub async fn user_token(&self, username: &str) -> String {
        let r = self.register(username, "Secret-Pass-123").await;
        assert_eq!(r["errCode"], 0, "registerUser {username}: {r}");
        token_of(&r)
    }

    /// Creates a captcha for `scene` on the default device.
    pub async fn captcha(&self, scene: &str) -> Value {
        let r = self
            .call("createCaptcha")
            .params(json!({ "scene": scene }))
            .send()
            .await;
        assert_eq!(r["errCode"], 0, "createCaptcha: {r}");
        r
    }

    pub async fn login(&self, username: &str, password: &str) -> Value {
        self.call("login")
            .params(json!({"username": username, "password": password}))
            .send()
            .await
    }

    /// Outside test mode a captcha's answer is random and never leaves the server. This stores
    /// a captcha for `device` + `scene` whose answer the test chose, through the same hashing
    /// the server uses, and returns the answer.
    pub async fn solve_captcha(&self, device: impl Into<String>, scene: &'static str) -> String {
        let device: String = device.into();
        let host = self.host.clone();
        let now = self.clock.now_ms();
        self.db(move |conn| {
            let hash =
                unid_core::captcha::answer_hash(&host.settings.code_secret, &device, scene, "K7P2");
            unid_core::db::models::codes::insert(
                conn,
                &unid_core::db::models::codes::NewCode {
                    kind: "captcha".into(),
                    target: device.clone(),
                    scene: scene.into(),
                    code_hash: hash,
                    state: 0,
                    attempts: 0,
                    ip: None,
                    created_date: now,
                    expired_date: now + 60_000,
                },
            )?;
            Ok(())
        })
        .await;
        "k7p2".to_string()
    }

    /// Runs blocking database work against the app's own database.
    pub async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut unid_core::db::DbConn) -> unid_core::error::ApiResult<T> + Send + 'static,
    ) -> T {
        self.host.db.run(f).await.expect("test database work")
    }
}

/// Serves a local fake of a third-party HTTP service (routes from `configure`) on a free port;
/// returns `http://127.0.0.1:<port>`. It lives as long as the test's runtime.
pub fn serve_fake<F>(configure: F) -> String
where
    F: Fn(&mut actix_web::web::ServiceConfig) + Send + Clone + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the fake");
    let addr = listener.local_addr().expect("fake address");
    let server =
        actix_web::HttpServer::new(move || actix_web::App::new().configure(configure.clone()))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .expect("serve the fake")
            .run();
    tokio::spawn(server);
    format!("http://{addr}")
}

pub fn token_of(r: &Value) -> String {
    r["newToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no newToken in {r}"))
        .to_string()
}

pub struct CallBuilder<'a> {
    app: &'a TestApp,
    method: String,
    params: Value,
    token: Option<String>,
    client_info: Value,
    from: Option<IpAddr>,
    headers: Vec<(&'static str, String)>,
}

impl CallBuilder<'_> {
    pub fn params(mut self, params: Value) -> Self {
        self.params = params;
        self
    }

    pub fn token(mut self, token: &str) -> Self {
        self.token = Some(token.to_string());
        self
    }

    pub fn locale(self, locale: &str) -> Self {
        self.client(json!({ "locale": locale }))
    }

    /// Overrides clientInfo fields (`null` removes one).
    pub fn client(mut self, fields: Value) -> Self {
        if let (Some(info), Some(fields)) = (self.client_info.as_object_mut(), fields.as_object()) {
            for (k, v) in fields {
                if v.is_null() {
                    info.remove(k);
                } else {
                    info.insert(k.clone(), v.clone());
                }
            }
        }
        self
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Sends from another loopback address (the server sees it as the client IP).
    pub fn sent_from(mut self, ip: &str) -> Self {
        self.from = Some(ip.parse().expect("ip"));
        self
    }

    pub fn body(&self) -> Value {
        let mut body = json!({ "clientInfo": self.client_info, "params": self.params });
        if let Some(t) = &self.token {
            body["uniIdToken"] = json!(t);
        }
        body
    }

    pub async fn send(self) -> Value {
        let client = match self.from {
            None => self.app.client.clone(),
            Some(ip) => reqwest::Client::builder()
                .local_address(ip)
                .build()
                .expect("client"),
        };
        let mut request = client
            .post(format!("{}/uni-id-co/{}", self.app.url, self.method))
            .json(&self.body());
        for (name, value) in &self.headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.expect("request reaches the server");
        assert_eq!(response.status(), 200, "uni-id-co answers 200");
        response.json().await.expect("JSON answer")
    }
}
