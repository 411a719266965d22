//! What an operator relies on (issue 8, item 9): `/metrics` behind a token or on its own
//! address, a request id on every answer and in the logs, JSON logs, and a shutdown that
//! finishes the requests in flight.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::cli::{free_port, temp_dir, unid};
use crate::support::cases::Case;
use crate::support::{APP_ID, Backend, TestApp};
use crate::{cases, once};

pub fn cases() -> Vec<Case> {
    [
        cases![
            metrics_need_the_token_and_count_calls_by_method_and_code,
            metrics_can_have_their_own_address_instead,
            every_answer_carries_a_request_id,
        ],
        once![
            json_logs_name_the_request_id_the_client_was_given,
            shutdown_finishes_the_request_in_flight_and_takes_no_new_ones,
        ],
    ]
    .concat()
}

const TOKEN: &str = "scrape-token-0123456789";

async fn metrics_need_the_token_and_count_calls_by_method_and_code(backend: Backend) {
    let (hook, _inbox) = crate::sms::webhook_receiver("hook-secret", 503).await;
    let app = TestApp::builder(backend)
        .without_test_mode()
        .config(&format!(
            "[server]\nmetricsToken = \"{TOKEN}\"\n{}",
            crate::sms::webhook_config(&hook, "hook-secret")
        ))
        .start()
        .await;
    let scrape = |auth: Option<&'static str>| {
        let mut req = app.raw(Method::GET, "/metrics");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        async move { req.send().await.unwrap() }
    };
    assert_eq!(scrape(None).await.status(), 401);
    assert_eq!(
        scrape(Some("Bearer wrong-token-0123456789")).await.status(),
        401
    );
    assert_eq!(
        scrape(Some(TOKEN)).await.status(),
        401,
        "not a bearer token"
    );

    let answer = app.solve_captcha("metrics-device", "register").await;
    let registered = app
        .call("registerUser")
        .client(json!({"deviceId": "metrics-device"}))
        .params(json!({"username": "metered", "password": "Metered-Pass-2024", "captcha": answer}))
        .send()
        .await;
    assert_eq!(registered["errCode"], 0, "{registered}");
    app.login("metered", "Metered-Pass-2024").await;
    let wrong = app.login("metered", "Wrong-Pass-2024").await;
    assert_eq!(wrong["errCode"], "uni-id-password-error", "{wrong}");
    app.call("noSuchMethod").send().await;
    let answer = app.solve_captcha("metrics-device", "send-sms-code").await;
    let sent = app
        .call("sendSmsCode")
        .client(json!({"deviceId": "metrics-device"}))
        .params(json!({"mobile": "13800138000", "scene": "login-by-sms", "captcha": answer}))
        .send()
        .await;
    assert_eq!(sent["errCode"], "unid-code-send-failed", "{sent}");
    assert_eq!(
        app.raw(Method::GET, "/login")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let ok = scrape(Some("Bearer scrape-token-0123456789")).await;
    assert_eq!(ok.status(), 200);
    assert!(
        ok.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = ok.text().await.unwrap();
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {series} in\n{text}"))
    };
    assert_eq!(
        value("unid_api_requests_total{method=\"login\",errcode=\"0\"}"),
        1.0
    );
    assert_eq!(
        value("unid_api_requests_total{method=\"login\",errcode=\"uni-id-password-error\"}"),
        1.0
    );
    assert_eq!(
        value("unid_api_requests_total{method=\"unknown\",errcode=\"uni-id-unsupported-request\"}"),
        1.0,
        "an unknown method is one bounded label"
    );
    assert_eq!(
        value("unid_api_request_duration_seconds_count{method=\"login\"}"),
        2.0
    );
    assert_eq!(
        value("unid_outbound_requests_total{provider=\"sms\",outcome=\"rejected\"}"),
        1.0
    );
    assert!(value("unid_http_requests_total{face=\"pages\",status=\"2xx\"}") >= 1.0);
    assert!(value("unid_http_requests_total{face=\"api\",status=\"2xx\"}") >= 5.0);
    assert_eq!(value("unid_db_pool_max_connections"), 8.0);
    assert!(value("unid_db_pool_connections{state=\"idle\"}") >= 1.0);
    assert_eq!(value("unid_db_pool_waiting"), 0.0);
    assert_eq!(value("unid_hash_pool_waiting"), 0.0);
    assert!(value("unid_hash_pool_threads") >= 1.0);
    // Nothing secret or client-chosen is a label.
    assert!(!text.contains("metered") && !text.contains("noSuchMethod"));
}

async fn metrics_can_have_their_own_address_instead(backend: Backend) {
    let port = free_port();
    let app = TestApp::builder(backend)
        .config(&format!("[server]\nmetricsListen = \"127.0.0.1:{port}\"\n"))
        .start()
        .await;
    app.call("getSupportedLoginType").send().await;
    // Not on the main listener without a token...
    assert_eq!(
        app.raw(Method::GET, "/metrics")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // ...but on its own address, without one.
    let url = format!("http://127.0.0.1:{port}/metrics");
    let mut text = None;
    for _ in 0..50 {
        if let Ok(r) = reqwest::get(&url).await {
            assert_eq!(r.status(), 200);
            text = Some(r.text().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let text = text.expect("the metrics listener answers");
    assert!(
        text.contains("unid_api_requests_total{method=\"getSupportedLoginType\",errcode=\"0\"} 1"),
        "{text}"
    );
    // That address serves nothing else.
    let other = reqwest::get(format!("http://127.0.0.1:{port}/login"))
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}

async fn every_answer_carries_a_request_id(backend: Backend) {
    let app = TestApp::builder(backend)
        .config("[server]\ntrustedProxies = [\"127.0.0.1\"]\n")
        .start()
        .await;
    let mut seen = std::collections::HashSet::new();
    for path in [
        "/uni-id-co/getSupportedLoginType",
        "/login",
        "/nope",
        "/health/live",
    ] {
        let method = if path.starts_with("/uni-id-co") {
            Method::POST
        } else {
            Method::GET
        };
        let r = app
            .raw(method, path)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_eq!(id.len(), 16, "{path}: {id}");
        assert!(seen.insert(id), "ids are distinct");
    }
    // A trusted proxy's id is kept, so one id follows the request; odd ones are replaced.
    let kept = app
        .raw(Method::GET, "/health/live")
        .header("x-request-id", "edge-7f3a.42")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "edge-7f3a.42");
    let odd = app
        .raw(Method::GET, "/health/live")
        .header("x-request-id", "bad id; drop table")
        .send()
        .await
        .unwrap();
    assert_ne!(odd.headers()["x-request-id"], "bad id; drop table");
}

/// A `unid serve` in a fresh directory with `config` as its unid.toml, standard output and
/// standard error read line by line.
struct Served {
    child: Child,
    port: u16,
    stderr: mpsc::Receiver<String>,
    dir: std::path::PathBuf,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn serve_with(name: &str, config: &str, log_filter: &str) -> Served {
    let dir = temp_dir(name);
    std::fs::write(dir.join("unid.toml"), config).unwrap();
    let port = free_port();
    let mut child = unid()
        .current_dir(&dir)
        .arg("serve")
        .env("UNID_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", log_filter)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (out_tx, out_rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = out_tx.send(line);
        }
    });
    let (err_tx, err_rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = err_tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match out_rx.recv_timeout(Duration::from_millis(200)) {
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
    Served {
        child,
        port,
        stderr: err_rx,
        dir,
    }
}

async fn json_logs_name_the_request_id_the_client_was_given(_: Backend) {
    let served = serve_with(
        "jsonlogs",
        "testMode = true\n[server]\nlogFormat = \"json\"\naccessLog = true\n",
        "info",
    );
    let r = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{}/uni-id-co/login", served.port))
        .json(&json!({"clientInfo": {"appId": APP_ID, "uniPlatform": "web"}, "params": {"username": "nobody", "password": "Whatever-2024"}}))
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errCode"], "uni-id-password-error", "{body}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let access = loop {
        let line = served
            .stderr
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("an access log line");
        // Every line is one JSON object.
        let entry: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        if entry["target"] == "unid::access" {
            break entry;
        }
    };
    assert_eq!(access["span"]["id"], id.as_str(), "{access}");
    assert_eq!(access["fields"]["path"], "/uni-id-co/login");
    assert_eq!(access["fields"]["status"], 200);
    assert_eq!(access["level"], "INFO");
    // The password is in no log line.
    assert!(!access.to_string().contains("Whatever-2024"));
}

async fn shutdown_finishes_the_request_in_flight_and_takes_no_new_ones(_: Backend) {
    let mut served = serve_with("shutdown", "testMode = true\n", "warn");
    let addr = format!("127.0.0.1:{}", served.port);
    let body =
        json!({"clientInfo": {"appId": APP_ID, "uniPlatform": "web"}, "params": {}}).to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let mut conn = TcpStream::connect(&addr).unwrap();
    write!(
        conn,
        "POST /uni-id-co/getSupportedLoginType HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    conn.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    let pid = served.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    // New requests are no longer taken: a connection is refused, or accepted by the kernel's
    // backlog and never answered.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answered = TcpStream::connect(&addr).is_ok_and(|mut probe| {
            probe
                .set_read_timeout(Some(Duration::from_millis(500)))
                .unwrap();
            let _ = write!(probe, "GET /health/live HTTP/1.1\r\nHost: {addr}\r\n\r\n");
            let mut buf = [0u8; 64];
            matches!(probe.read(&mut buf), Ok(n) if n > 0)
        });
        if !answered {
            break;
        }
        assert!(Instant::now() < deadline, "still taking new requests");
        std::thread::sleep(Duration::from_millis(50));
    }

    // The request that was in flight completes normally.
    conn.write_all(rest.as_bytes()).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let json_start = answer.find("\r\n\r\n").unwrap() + 4;
    let reply: Value = serde_json::from_str(&answer[json_start..]).unwrap();
    assert_eq!(reply["errCode"], 0, "{reply}");

    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = served.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "unid did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}
