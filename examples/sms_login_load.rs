//! Load generator for SMS login end to end, for `benches/load.sh`: each worker repeats
//! createCaptcha → sendSmsCode → loginBySms for a fresh number against a server in test mode
//! (captcha `1234`, code `123456`), and the run reports completed logins and their latency.
//!
//! `cargo run --release --example sms_login_load -- <url> <seconds> <workers> [first-number]`

use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let workers: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(32);
    let first: u64 = args
        .get(4)
        .and_then(|s| s.parse().ok())
        .unwrap_or(13_000_000_000);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(
                async move { worker(client, url, w, first + w * 10_000_000, deadline).await },
            )
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0u64);
    for task in tasks {
        if let Ok((l, e)) = task.await {
            latencies.extend(l);
            errors += e;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    println!(
        "RESULT requests={} errors={} p50_us={} p99_us={} duration_us={}",
        latencies.len(),
        errors,
        pct(0.50),
        pct(0.99),
        elapsed.as_micros()
    );
}

async fn call(
    client: &reqwest::Client,
    url: &str,
    method: &str,
    device: &str,
    params: Value,
) -> Option<Value> {
    let body = json!({
        "clientInfo": {"uniPlatform": "web", "appId": "__UNI__BENCH", "deviceId": device},
        "params": params,
    });
    client
        .post(format!("{url}/uni-id-co/{method}"))
        .json(&body)
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()
}

/// Returns the latency (µs) of each completed login and the number of failed flows.
async fn worker(
    client: reqwest::Client,
    url: String,
    w: u64,
    base: u64,
    deadline: Instant,
) -> (Vec<u64>, u64) {
    let device = format!("load-{w}");
    let (mut done, mut errors) = (Vec::new(), 0);
    let mut n = 0;
    while Instant::now() < deadline {
        let mobile = format!("1{:010}", (base + n) % 10_000_000_000);
        n += 1;
        let start = Instant::now();
        let captcha = call(
            &client,
            &url,
            "createCaptcha",
            &device,
            json!({"scene": "send-sms-code"}),
        )
        .await;
        let sent = call(
            &client,
            &url,
            "sendSmsCode",
            &device,
            json!({"mobile": mobile, "scene": "login-by-sms", "captcha": "1234"}),
        )
        .await;
        let login = call(
            &client,
            &url,
            "loginBySms",
            &device,
            json!({"mobile": mobile, "code": "123456"}),
        )
        .await;
        let ok = captcha.is_some_and(|r| r["errCode"] == 0)
            && sent.is_some_and(|r| r["errCode"] == "uni-id-invalid-sms-template-id")
            && login.is_some_and(|r| r["errCode"] == 0);
        if ok {
            done.push(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
        } else {
            errors += 1;
        }
    }
    (done, errors)
}
