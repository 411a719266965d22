//! `unid import` and `unid export` as an operator moving a uni-id project runs them: the real
//! binary on a generated uniCloud export (examples/uni_id_export.rs), then `unid serve` on the
//! same database and config, signing in over HTTP with the users' old passwords.

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{Value, json};
use unid_core::db::{DbConn, DbPool};

use crate::cases;
use crate::cli::{free_port, temp_dir, unid};
use crate::support::cases::Case;
use crate::support::{Backend, postgres_url};

#[path = "../../examples/uni_id_export.rs"]
mod generator;

use generator::{APP_A, APP_B, PASSWORD_SECRET, Sample};

pub fn cases() -> Vec<Case> {
    cases![
        an_imported_wechat_user_signs_in_with_wechat,
        ten_thousand_users_import_and_sign_in_with_their_old_passwords,
        import_export_import_is_the_identity,
        bad_records_are_reported_by_file_and_line_and_the_rest_lands,
        a_dry_run_writes_nothing,
        clashes_across_batches_are_found_while_batches_are_written,
    ]
}

const TOKEN_SECRET: &str = "transfer-test-token-secret-0123456789";

/// A database of the backend under test, with a config file pointing at it; removed on drop.
struct Target {
    dir: PathBuf,
    config: PathBuf,
    url: String,
    pg_schema: Option<(String, String)>,
}

impl Target {
    fn new(backend: Backend, name: &str) -> Target {
        let dir = temp_dir(name);
        let mut pg_schema = None;
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.join("unid.db").display()),
            Backend::Postgres => {
                let base = postgres_url().expect("PostgreSQL tests need UNID_TEST_DATABASE_URL");
                let schema = format!("unid_imp_{}_{}", std::process::id(), rand::random::<u32>());
                let mut conn = PgConnection::establish(&base).unwrap();
                diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .unwrap();
                let sep = if base.contains('?') { '&' } else { '?' };
                pg_schema = Some((base.clone(), schema.clone()));
                format!("{base}{sep}options=-csearch_path%3D{schema}")
            }
        };
        let config = dir.join("unid.toml");
        std::fs::write(
            &config,
            format!(
                "tokenSecret = \"{TOKEN_SECRET}\"\npasswordSecret = \"{PASSWORD_SECRET}\"\n\
                 [server]\ndataDir = \"{}\"\n[database]\nurl = \"{url}\"\n",
                dir.join("data").display()
            ),
        )
        .unwrap();
        Target {
            dir,
            config,
            url,
            pg_schema,
        }
    }

    fn unid(&self, args: &[&str]) -> Output {
        unid()
            .current_dir(&self.dir)
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap()
    }

    fn import(&self, dir: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["import", dir.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.unid(&args)
    }

    fn export(&self, dir: &Path) -> Output {
        self.unid(&["export", dir.to_str().unwrap()])
    }

    fn conn(&self) -> DbConn {
        DbPool::connect(&self.url, 1).unwrap().get().unwrap()
    }

    /// Every row of the tables an import writes, sorted: equal before and after means the
    /// import changed nothing.
    fn fingerprint(&self) -> Vec<String> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            r: String,
        }
        let mut owned = self.conn();
        let conn = &mut owned;
        let queries = [
            "SELECT id || '|' || coalesce(username, '') || '|' || coalesce(password, '') || '|' || coalesce(mobile, '') || '|' || coalesce(extra, '') || '|' || coalesce(tags, '') || '|' || coalesce(inviter_uid, '') || '|' || coalesce(register_env, '') AS r FROM users",
            "SELECT 'app|' || user_id || '|' || app_id AS r FROM user_apps",
            "SELECT 'role|' || user_id || '|' || role_id AS r FROM user_roles",
            "SELECT 'id|' || app_id || '|' || kind || '|' || value || '|' || user_id AS r FROM user_identities",
            "SELECT 'tp|' || user_id || '|' || provider || '|' || kind || '|' || platform || '|' || value AS r FROM user_third_party",
            "SELECT 'rn|' || user_id || '|' || auth AS r FROM user_realname",
            "SELECT 'roles|' || role_id || '|' || role_name || '|' || coalesce(doc_id, '') AS r FROM roles",
            "SELECT 'grant|' || role_id || '|' || permission_id AS r FROM role_permissions",
            "SELECT 'perm|' || permission_id || '|' || coalesce(doc_id, '') AS r FROM permissions",
            "SELECT 'tag|' || tagid || '|' || coalesce(doc_id, '') AS r FROM user_tags",
            "SELECT 'log|' || coalesce(doc_id, '') || '|' || type AS r FROM uni_id_log",
            "SELECT 'dev|' || device_id || '|' || user_id || '|' || coalesce(extra, '') AS r FROM devices",
            "SELECT 'odev|' || device_id || '|' || coalesce(extra, '') AS r FROM opendb_devices",
        ];
        let mut rows: Vec<String> = Vec::new();
        for q in queries {
            let got: Vec<Row> =
                unid_core::db_run!(conn: { diesel::sql_query(q).load(conn) }).unwrap();
            rows.extend(got.into_iter().map(|r| r.r));
        }
        rows.sort();
        rows
    }

    fn count(&self, table: &str) -> i64 {
        self.count_where(table, "1 = 1")
    }

    fn count_where(&self, table: &str, condition: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut owned = self.conn();
        let conn = &mut owned;
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {condition}");
        let n: N = unid_core::db_run!(conn: { diesel::sql_query(&sql).get_result(conn) }).unwrap();
        n.n
    }

    fn serve(&self) -> Server {
        let port = free_port();
        let mut child = unid()
            .current_dir(&self.dir)
            .arg("--config")
            .arg(&self.config)
            .arg("serve")
            .env("UNID_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(line) if line.contains("listening on") => break,
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
            http: reqwest::Client::new(),
        }
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some((base, schema)) = self.pg_schema.take()
            && let Ok(mut conn) = PgConnection::establish(&base)
        {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&mut conn);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running `unid serve`, killed on drop.
struct Server {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn call(&self, app: &str, method: &str, params: Value, token: Option<&str>) -> Value {
        self.call_on("web", app, method, params, token).await
    }

    async fn call_on(
        &self,
        platform: &str,
        app: &str,
        method: &str,
        params: Value,
        token: Option<&str>,
    ) -> Value {
        let mut body = json!({
            "clientInfo": {"uniPlatform": platform, "appId": app, "deviceId": "import-test", "locale": "en"},
            "params": params,
        });
        if let Some(t) = token {
            body["uniIdToken"] = json!(t);
        }
        self.http
            .post(format!("{}/uni-id-co/{method}", self.url))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn login(&self, app: &str, s: &Sample) -> Value {
        self.call(
            app,
            "login",
            json!({"username": s.username, "password": s.password}),
            None,
        )
        .await
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn describe(o: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        stdout(o),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The summary row of `collection`: read, imported, unchanged, kept, bad, conflicts.
fn summary_row(o: &Output, collection: &str) -> [u64; 6] {
    let out = stdout(o);
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(collection))
        .unwrap_or_else(|| panic!("no summary row for {collection}:\n{out}"));
    let n: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap())
        .collect();
    [n[0], n[1], n[2], n[3], n[4], n[5]]
}

async fn ten_thousand_users_import_and_sign_in_with_their_old_passwords(backend: Backend) {
    let target = Target::new(backend, "import10k");
    let export = target.dir.join("export");
    let users = generator::generate(&export, 10_000).unwrap();

    let first = target.import(&export, &[]);
    assert!(first.status.success(), "{}", describe(&first));
    assert_eq!(
        summary_row(&first, "uni-id-users"),
        [10_000, 10_000, 0, 0, 0, 0],
        "{}",
        stdout(&first)
    );
    assert_eq!(
        summary_row(&first, "uni-id-roles")[..3],
        [3, 2, 1],
        "admin is unid's own, adopted"
    );
    assert_eq!(summary_row(&first, "uni-id-log")[1], 3333);
    assert_eq!(summary_row(&first, "uni-id-device")[1], 1000);
    assert_eq!(summary_row(&first, "opendb-device")[1], 1000);
    assert_eq!(target.count("users"), 10_000);

    // The ledger is what registration's own bookkeeping makes of these users.
    // Every 97th, and user 13, who is banned.
    let sampled: Vec<&Sample> = users.iter().step_by(97).chain([&users[13]]).collect();
    {
        let mut conn = target.conn();
        for s in sampled.iter().take(40) {
            let ledger = |conn: &mut DbConn| -> Vec<(String, String, String)> {
                use diesel::prelude::*;
                use unid_core::db::schema::user_identities as li;
                let mut rows: Vec<(String, String, String)> = unid_core::db_run!(conn: {
                    li::table
                        .filter(li::user_id.eq(&s.uid))
                        .select((li::app_id, li::kind, li::value))
                        .load(conn)
                })
                .unwrap();
                rows.sort();
                rows
            };
            let imported = ledger(&mut conn);
            let rebuilt = conn
                .write_tx(|c| {
                    unid_core::db::models::users::sync_identities(c, &s.uid)?;
                    let rows = ledger(c);
                    // Undo: this is a look, not a change.
                    Err::<(), _>(Rebuilt(rows))
                })
                .unwrap_err();
            assert_eq!(imported, rebuilt.0, "user {}", s.uid);
        }
    }

    // SQLite's search index is filled set-wise by the import (its trigger set aside per
    // batch): every user has an entry, and a sampled user's username finds them.
    if backend == Backend::Sqlite {
        #[derive(diesel::QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        let mut conn = target.conn();
        let unid_core::db::DbConn::Sqlite(c) = &mut conn else {
            unreachable!()
        };
        use diesel::RunQueryDsl;
        let indexed: Vec<Found> = diesel::sql_query(
            "SELECT k.user_id AS id FROM user_search s JOIN user_search_keys k ON k.key = s.rowid",
        )
        .load(&mut **c)
        .unwrap();
        assert_eq!(indexed.len(), 10_000);
        for s in sampled.iter().take(20) {
            let found: Vec<Found> = diesel::sql_query(
                "SELECT k.user_id AS id FROM user_search s JOIN user_search_keys k ON k.key = s.rowid \
                 WHERE user_search MATCH ?1",
            )
            .bind::<diesel::sql_types::Text, _>(format!("\"{}\"", s.username))
            .load(&mut **c)
            .unwrap();
            assert!(
                found.iter().any(|f| f.id == s.uid),
                "{} is not in the search index",
                s.username
            );
        }
        let triggers: Vec<Found> = diesel::sql_query(
            "SELECT name AS id FROM sqlite_master WHERE type = 'trigger' AND name = 'user_search_insert'",
        )
        .load(&mut **c)
        .unwrap();
        assert_eq!(triggers.len(), 1, "the search trigger is back in place");
        let hash: Vec<Found> = diesel::sql_query(
            "SELECT CAST(v AS TEXT) AS id FROM user_search_config WHERE k = 'hashsize'",
        )
        .load(&mut **c)
        .unwrap();
        assert_eq!(hash.len(), 1);
        assert_eq!(hash[0].id, "1048576", "FTS5's default hash size is back");
    }

    let before = target.fingerprint();
    let second = target.import(&export, &[]);
    assert!(second.status.success(), "{}", describe(&second));
    assert_eq!(
        summary_row(&second, "uni-id-users"),
        [10_000, 0, 10_000, 0, 0, 0]
    );
    assert_eq!(
        summary_row(&second, "total")[1],
        0,
        "nothing imported twice:\n{}",
        stdout(&second)
    );
    assert_eq!(
        target.fingerprint(),
        before,
        "a second import changes nothing"
    );

    let server = target.serve();
    let mut signed_in = 0;
    for s in &sampled {
        let app = s.apps.as_ref().map_or(APP_B, |a| a[0]);
        let r = server.login(app, s).await;
        if s.status == 1 {
            assert_eq!(r["errCode"], "uni-id-account-banned", "{}: {r}", s.username);
            continue;
        }
        assert_eq!(r["errCode"], 0, "{} ({}): {r}", s.username, &s.password);
        assert_eq!(r["uid"], s.uid.as_str());
        signed_in += 1;
        let token = r["newToken"]["token"].as_str().unwrap().to_string();
        let claims = unid_core::tokens::jwt::verify(&token, TOKEN_SECRET.as_bytes(), 0).unwrap();
        let mut roles: Vec<&str> = s.roles.clone();
        roles.sort();
        assert_eq!(claims.role, roles, "{}", s.username);
        if s.roles.contains(&"editor") {
            assert_eq!(claims.permission, ["article.edit", "article.read"]);
        }
        let info = server
            .call(app, "getAccountInfo", json!({}), Some(&token))
            .await;
        assert_eq!(info["errCode"], 0, "{info}");
        assert_eq!(info["isPasswordSet"], true);
        assert_eq!(
            info["isWeixinBound"],
            s.weixin_mp.is_some(),
            "{}: {info}",
            s.username
        );
        // Not let into an app the user was not given.
        if let Some(apps) = &s.apps
            && !apps.contains(&APP_B)
        {
            let r = server.login(APP_B, s).await;
            assert_ne!(r["errCode"], 0, "{} signed in to {APP_B}: {r}", s.username);
        }
    }
    assert!(signed_in > 90, "{signed_in} sampled users signed in");
    // Their hashes were upgraded at that first login; the password still works.
    for s in sampled.iter().filter(|s| s.status == 0).take(3) {
        let app = s.apps.as_ref().map_or(APP_A, |a| a[0]);
        let r = server.login(app, s).await;
        assert_eq!(r["errCode"], 0, "second login of {}: {r}", s.username);
    }
}

/// The rolled-back result of a look inside a transaction.
#[derive(Debug)]
struct Rebuilt(Vec<(String, String, String)>);

impl From<diesel::result::Error> for Rebuilt {
    fn from(e: diesel::result::Error) -> Rebuilt {
        panic!("{e}")
    }
}

fn read_docs(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Extended JSON as the plain shape, for comparing a source document with an export.
fn plain(v: &Value) -> Value {
    match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("$oid") => m["$oid"].clone(),
        Value::Object(m) if m.len() == 1 && m.contains_key("$date") => match &m["$date"] {
            Value::String(s) => json!(unid_core::transfer::extjson::parse_iso8601(s).unwrap()),
            other => other.clone(),
        },
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), plain(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(plain).collect()),
        other => other.clone(),
    }
}

async fn import_export_import_is_the_identity(backend: Backend) {
    let first = Target::new(backend, "roundtrip1");
    let source = first.dir.join("source");
    generator::generate(&source, 400).unwrap();
    assert!(first.import(&source, &[]).status.success());
    // HarmonyOS ids, which no plugin knows yet, are ids (users 7, 20, … of 400), not extra fields.
    let huawei = "provider = 'huawei' AND ((kind = 'openid' AND platform = 'app-harmony') OR kind = 'unionid')";
    assert_eq!(first.count_where("user_third_party", huawei), 2 * 31);
    // Users 11, 108, … of 400: a plugin's `user_id`, carried by unid's own list.
    let feishu = "provider = 'feishu' AND kind = 'user_id' AND platform = '' AND value LIKE 'fs_%'";
    assert_eq!(first.count_where("user_third_party", feishu), 5);
    let e1 = first.dir.join("e1");
    let out = first.export(&e1);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        stdout(&out).contains("uni-id-users: 400 documents"),
        "{}",
        stdout(&out)
    );
    // Into a second database, and out again: the same files, byte for byte.
    let second = Target::new(backend, "roundtrip2");
    let again = second.import(&e1, &[]);
    assert!(again.status.success(), "{}", describe(&again));
    assert_eq!(summary_row(&again, "uni-id-users")[1], 400);
    let e2 = second.dir.join("e2");
    assert!(second.export(&e2).status.success());
    for c in unid_core::transfer::Collection::ALL {
        let name = format!("{}.jsonl", c.name());
        let (a, b) = (
            std::fs::read_to_string(e1.join(&name)).unwrap(),
            std::fs::read_to_string(e2.join(&name)).unwrap(),
        );
        assert_eq!(a, b, "{name} differs after a round trip");
    }
    assert_eq!(first.fingerprint(), second.fingerprint());

    // And the export says what the source said, field by field (dropped: `token`).
    let exported: std::collections::HashMap<String, Value> =
        read_docs(&e1.join("uni-id-users.jsonl"))
            .into_iter()
            .map(|d| (d["_id"].as_str().unwrap().to_string(), d))
            .collect();
    for src in read_docs(&source.join("uni-id-users.jsonl")) {
        let src = plain(&src);
        let id = src["_id"].as_str().unwrap();
        let out = &exported[id];
        for (key, value) in src.as_object().unwrap() {
            let mut want = value.clone();
            if key == "token" {
                assert!(out.get("token").is_none());
                continue;
            }
            if key == "role" || key == "dcloud_appid" {
                let mut list: Vec<String> = serde_json::from_value(want).unwrap();
                list.sort();
                want = json!(list);
            }
            assert_eq!(out.get(key), Some(&want), "user {id}, field {key}");
        }
        if src.get("dcloud_appid").is_none() {
            assert!(
                out.get("dcloud_appid").is_none(),
                "legacy user {id} stays legacy"
            );
        }
    }
    let roles = read_docs(&e1.join("uni-id-roles.jsonl"));
    let editor = roles.iter().find(|r| r["role_id"] == "editor").unwrap();
    assert_eq!(editor["_id"], "64a000000000000000000101");
    assert_eq!(
        editor["permission"],
        json!(["article.edit", "article.read"])
    );
    assert_eq!(editor["create_date"], 1_600_000_000_000_i64);
}

async fn bad_records_are_reported_by_file_and_line_and_the_rest_lands(backend: Backend) {
    let target = Target::new(backend, "badrecords");
    let export = target.dir.join("export");
    std::fs::create_dir_all(&export).unwrap();
    let good = |i: u32, mobile: &str, apps: Value| {
        json!({"_id": format!("65000000000000000000{i:04}"), "username": format!("good{i}"), "password": "$UNI_ID_HMAC_SHA256$20$0123456789abcdef0123e1d9e6a7e4f6b7c5d9f9f0b3b3a4e6a0a9b8c7d6e5f4a3b2c1d0e9f8a7b6", "mobile": mobile, "mobile_confirmed": 1, "dcloud_appid": apps}).to_string()
    };
    let lines = [
        good(1, "13900000001", json!([APP_A])),
        "{\"_id\": \"650000000000000000000002\", \"username\": ".to_string(),
        json!({"username": "no-id"}).to_string(),
        json!({"_id": "650000000000000000000004", "status": "banned"}).to_string(),
        String::new(),
        // The same mobile as line 1 in the same app: a conflict, not a merge.
        good(5, "13900000001", json!([APP_A, APP_B])),
        // The same mobile in another app is another account, as in uni-id.
        good(6, "13900000001", json!([APP_B])),
        json!({"_id": "650000000000000000000007", "role": "admin"}).to_string(),
        good(8, "13900000008", json!([APP_A])),
    ];
    std::fs::write(export.join("uni-id-users.json"), lines.join("\n")).unwrap();
    std::fs::write(
        export.join("uni-id-device.jsonl"),
        json!({"_id": "d1", "user_id": "650000000000000000009999", "device_id": "x"}).to_string()
            + "\n",
    )
    .unwrap();
    let out = target.import(&export, &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    for expected in [
        "uni-id-users.json:2: bad record: not JSON",
        "uni-id-users.json:3: bad record: no `_id`",
        "uni-id-users.json:4: bad record: `status`: expected a whole number, found a string",
        "uni-id-users.json:6: conflict: user 650000000000000000000005: mobile 139****0001 already belongs to user 650000000000000000000001",
        "uni-id-users.json:8: bad record: `role`: expected an array of strings, found a string",
        "uni-id-device.jsonl:1: bad record: device x: user_id 650000000000000000009999 is not a user in unid",
        "6 records were not imported",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert_eq!(summary_row(&out, "uni-id-users"), [8, 3, 0, 0, 4, 1]);
    assert_eq!(target.count("users"), 3);
    // The good ones are whole: the first holder keeps the mobile in its app.
    let server = target.serve();
    let r = server
        .call(
            APP_A,
            "login",
            json!({"mobile": "13900000001", "password": "wrong-anyway"}),
            None,
        )
        .await;
    assert_eq!(
        r["errCode"], "uni-id-password-error",
        "one account answers: {r}"
    );
}

async fn a_dry_run_writes_nothing(backend: Backend) {
    let target = Target::new(backend, "dryrun");
    let export = target.dir.join("export");
    generator::generate(&export, 1500).unwrap();
    // A duplicate across batches is still found: the dry run sees its own earlier batches.
    let mut text = std::fs::read_to_string(export.join("uni-id-users.jsonl")).unwrap();
    let mut dup: Value = serde_json::from_str(text.lines().nth(1).unwrap()).unwrap();
    dup["_id"] = json!("6600000000000000000000aa");
    dup["my_invite_code"] = json!("ZZZZZZ");
    text.push_str(&format!("{dup}\n"));
    std::fs::write(export.join("uni-id-users.jsonl"), text).unwrap();

    let out = target.import(&export, &["--dry-run", "--batch", "1000"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("warning"),
        "{}",
        describe(&out)
    );
    assert!(
        stdout(&out).contains("dry run: nothing was written"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("uni-id-users.jsonl:1501: conflict: user 6600000000000000000000aa: username user0000001 already belongs to user"), "{}", stdout(&out));
    assert_eq!(summary_row(&out, "uni-id-users"), [1501, 1500, 0, 0, 0, 1]);
    assert_eq!(target.count("users"), 0);
    assert_eq!(target.count("uni_id_log"), 0);
    assert_eq!(target.count("roles"), 1, "only unid's own admin role");

    // Without the uni-id project's passwordSecret, the hmac-sha1 users could not sign in:
    // the import says so, even in a dry run.
    let config = std::fs::read_to_string(&target.config).unwrap();
    let without: String = config
        .lines()
        .filter(|l| !l.starts_with("passwordSecret"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&target.config, without).unwrap();
    let out = target.import(&export, &["--dry-run"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: 750 users have uni-id hmac-sha1 password hashes made with a string passwordSecret (no version)"),
        "{}",
        describe(&out)
    );

    // PostgreSQL: the test's superuser may set the satellite rows' foreign-key checks aside;
    // with a trigger of the operator's own on one of those tables the import keeps them (the
    // trigger must fire), and says why it is slower.
    const CHECKED: &str =
        "note: PostgreSQL checked each imported user's rows against their foreign keys one by one";
    assert!(!stderr.contains(CHECKED), "{}", describe(&out));
    if backend == Backend::Postgres {
        let mut owned = target.conn();
        let conn = &mut owned;
        unid_core::db_run!(conn: {
            diesel::connection::SimpleConnection::batch_execute(
                conn,
                "CREATE TABLE audited (n BIGINT NOT NULL); \
                 CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN INSERT INTO audited VALUES (1); RETURN NEW; END $$; \
                 CREATE TRIGGER audit AFTER INSERT ON user_apps FOR EACH ROW EXECUTE FUNCTION audit()",
            )
        })
        .unwrap();
        let out = target.import(&export, &["--batch", "1000"]);
        assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(CHECKED),
            "{}",
            describe(&out)
        );
        assert_eq!(target.count("users"), 1500);
        let apps = target.count("user_apps");
        assert!(apps > 0);
        assert_eq!(
            target.count("audited"),
            apps,
            "the operator's trigger fired for every row"
        );
    }
}

/// The WeChat ids a uni-id user brings (`wx_openid` per platform, `wx_unionid`) are the ones
/// the weixin plugin signs them in by: WeChat (a local fake) answers with the same openid, and
/// the imported account comes back, not a new one.
async fn an_imported_wechat_user_signs_in_with_wechat(backend: Backend) {
    let fake = std::sync::Arc::new(crate::weixin::Fake::default());
    let base = crate::weixin::serve_wechat(fake.clone()).await;
    let target = Target::new(backend, "wximport");
    let mut config = std::fs::read_to_string(&target.config).unwrap();
    config.push_str(&crate::weixin::weixin_config(&base));
    std::fs::write(&target.config, config).unwrap();
    let export = target.dir.join("export");
    std::fs::create_dir_all(&export).unwrap();
    // The fake's openid for code `carol-…` on the mini program is `mp-carol`; Dave's unionid
    // is `union-dave`, and his mini-program openid is one the fake never gives out.
    let users = [
        json!({"_id": "65a000000000000000000001", "nickname": "Carol", "dcloud_appid": [APP_A],
               "wx_openid": {"mp": "mp-carol"}, "register_date": 1704067200000_i64}),
        json!({"_id": "65a000000000000000000002", "nickname": "Dave", "dcloud_appid": [APP_A],
               "wx_openid": {"mp": "mp-dave-old"}, "wx_unionid": "union-dave",
               "register_date": {"$date": 1704067300000_i64}}),
    ];
    let lines: String = users.iter().map(|u| format!("{u}\n")).collect();
    std::fs::write(export.join("uni-id-users.jsonl"), lines).unwrap();
    let out = target.import(&export, &[]);
    assert!(out.status.success(), "{}", describe(&out));
    assert_eq!(summary_row(&out, "uni-id-users"), [2, 2, 0, 0, 0, 0]);

    let server = target.serve();
    let on_the_mini_program = |code: &'static str| {
        server.call_on(
            "mp-weixin",
            APP_A,
            "loginByWeixin",
            json!({ "code": code }),
            None,
        )
    };
    let carol = on_the_mini_program("carol-1").await;
    assert_eq!(carol["errCode"], 0, "{carol}");
    assert_eq!(carol["uid"], "65a000000000000000000001", "{carol}");
    assert_eq!(carol["type"], "login", "{carol}");
    // Dave's mini-program openid changed (another mini program of the same open platform):
    // his unionid finds him.
    let dave = on_the_mini_program("dave-1").await;
    assert_eq!(dave["errCode"], 0, "{dave}");
    assert_eq!(dave["uid"], "65a000000000000000000002", "{dave}");
    assert_eq!(fake.count("jscode2session"), 2);
    assert_eq!(target.count("users"), 2, "no account was made");
}

/// On PostgreSQL several connections write batches at once: a batch is screened while the ones
/// before it may still be uncommitted. A clash with one of them is still found — including one
/// no unique index would refuse (a user of every app, `*`, taking a username another user holds
/// in one app) — and the earlier line wins, as in a sequential import.
async fn clashes_across_batches_are_found_while_batches_are_written(backend: Backend) {
    let target = Target::new(backend, "inflight");
    let export = target.dir.join("export");
    generator::generate(&export, 3000).unwrap();
    let text = std::fs::read_to_string(export.join("uni-id-users.jsonl")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let user = |n: usize| -> Value { serde_json::from_str(&lines[n]).unwrap() };
    // Right after batch 0 (lines 1-1000) is handed to a writer: user 999's username with no
    // dcloud_appid, then user 998's `_id` again.
    let mut every_app = user(999);
    every_app["_id"] = json!("6600000000000000000000b1");
    every_app["my_invite_code"] = json!("YYYYY1");
    every_app.as_object_mut().unwrap().remove("dcloud_appid");
    every_app.as_object_mut().unwrap().remove("mobile");
    every_app.as_object_mut().unwrap().remove("email");
    let mut same_id = user(998);
    same_id["username"] = json!("someone-else");
    same_id["my_invite_code"] = json!("YYYYY2");
    lines.insert(1000, every_app.to_string());
    lines.insert(1001, same_id.to_string());
    // Within one batch (lines 2001-3000 once the line below is in): line 2402 again as it is,
    // and line 2403 again with another nickname — answered as a repeat in a later batch would be.
    let again = lines[2400].clone();
    let mut changed: Value = serde_json::from_str(&lines[2401]).unwrap();
    changed["nickname"] = json!("another nickname");
    lines.insert(2500, again);
    lines.insert(2501, changed.to_string());
    // And the clashing record again in its own batch (lines 1001-2000): turned away as well.
    lines.insert(1500, lines[1000].clone());
    // Last, in the fourth batch, once the first has committed: user 5's username taken by a
    // new `_id`, and user 6 again as they are — both answered by the database, which (empty
    // when the import began) is asked about these two only because they repeat what this
    // import sent it.
    let mut late: Value = serde_json::from_str(&lines[5]).unwrap();
    late["_id"] = json!("6600000000000000000000b3");
    late["my_invite_code"] = json!("YYYYY3");
    for field in ["mobile", "email"] {
        late.as_object_mut().unwrap().remove(field);
    }
    let late_username = late["username"].as_str().unwrap().to_string();
    lines.push(late.to_string());
    lines.push(lines[6].clone());
    std::fs::write(export.join("uni-id-users.jsonl"), lines.join("\n") + "\n").unwrap();

    let out = target.import(&export, &["--batch", "1000", "--writers", "3"]);
    assert_eq!(out.status.code(), Some(2), "{}", describe(&out));
    let text = stdout(&out);
    // The repeated `_id` is "kept" (the first copy wins), whether its batch had committed or
    // was still being written.
    assert_eq!(
        summary_row(&out, "uni-id-users"),
        [3007, 3000, 2, 2, 0, 3],
        "{text}"
    );
    assert!(
        text.contains(&format!("uni-id-users.jsonl:3006: conflict: user 6600000000000000000000b3: username {late_username} already belongs to user")),
        "{text}"
    );
    assert!(
        text.contains("uni-id-users.jsonl:1501: conflict: user 6600000000000000000000b1 is also on line 1001, which was not imported: not imported"),
        "{text}"
    );
    let repeated: Value = serde_json::from_str(&lines[2402]).unwrap();
    let repeated = plain(&repeated["_id"]);
    let repeated = repeated.as_str().unwrap();
    assert!(
        text.contains(&format!("uni-id-users.jsonl:2503: kept: user {repeated} is also on line 2403 with other nickname: line 2403's copy is kept")),
        "{text}"
    );
    assert!(
        text.contains("uni-id-users.jsonl:1001: conflict: user 6600000000000000000000b1: username user0000999 already belongs to user"),
        "{text}"
    );
    assert!(
        text.contains("uni-id-users.jsonl:1002: kept: user 5f5ef9e800000000000003e6 is already there with other my_invite_code, username"),
        "{text}"
    );
    assert_eq!(target.count("users"), 3000);
    // Nothing of the two turned-away records reached the ledger.
    assert_eq!(
        target.count_where("user_identities", "user_id = '6600000000000000000000b1'"),
        0
    );
}
