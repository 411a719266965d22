//! Slow and idle clients (issue 8, item 5): headers or bodies trickled byte by byte, idle
//! keep-alive connections and floods of idle sockets are cut off within the configured time,
//! while normal requests keep being answered.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::cases;
use crate::support::cases::Case;
use crate::support::{Backend, TestApp};

pub fn cases() -> Vec<Case> {
    cases![
        trickled_headers_are_cut_off_while_others_are_served,
        trickled_bodies_are_cut_off,
        idle_keep_alive_connections_are_closed,
        a_flood_of_idle_sockets_is_capped_and_drained,
    ]
}

const FAST: &str = "[server]\nheaderTimeoutSecs = 1\nbodyTimeoutSecs = 1\nkeepAliveSecs = 1";

fn addr(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_string()
}

/// Writes `start`, then one byte of `drip` every 200 ms until the server closes the
/// connection; returns how long the server took to close it (`None`: still open after 10 s).
async fn trickle(addr: String, start: Vec<u8>, drip: u8) -> Option<Duration> {
    let began = Instant::now();
    let mut s = TcpStream::connect(&addr).await.ok()?;
    s.write_all(&start).await.ok()?;
    let mut buf = [0u8; 1024];
    while began.elapsed() < Duration::from_secs(10) {
        match tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
            // An answer (408) or the end of the stream: the server is done with us.
            Ok(Ok(_)) | Ok(Err(_)) => return Some(began.elapsed()),
            Err(_) => {}
        }
        if s.write_all(&[drip]).await.is_err() {
            return Some(began.elapsed());
        }
    }
    None
}

async fn normal_calls_succeed(app: &TestApp) {
    for _ in 0..5 {
        let r = app.call("getSupportedLoginType").send().await;
        assert_eq!(r["errCode"], 0, "{r}");
    }
}

async fn trickled_headers_are_cut_off_while_others_are_served(backend: Backend) {
    let app = TestApp::builder(backend).config(FAST).start().await;
    let start =
        b"POST /uni-id-co/getSupportedLoginType HTTP/1.1\r\nHost: unid\r\nX-Slow: ".to_vec();
    let slow = (0..300).map(|_| tokio::spawn(trickle(addr(&app), start.clone(), b'a')));
    let served = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        normal_calls_succeed(&app).await;
    };
    let (closed, ()) = tokio::join!(join_all(slow), served);
    let closed: Vec<Option<Duration>> = closed.into_iter().map(|r| r.unwrap()).collect();
    let open = closed.iter().filter(|c| c.is_none()).count();
    assert_eq!(open, 0, "every trickling connection is closed");
    let slowest = closed.iter().flatten().max().unwrap();
    assert!(
        *slowest < Duration::from_secs(5),
        "closed within the timeout: {slowest:?}"
    );
}

async fn trickled_bodies_are_cut_off(backend: Backend) {
    let app = TestApp::builder(backend).config(FAST).start().await;
    let start = b"POST /uni-id-co/getSupportedLoginType HTTP/1.1\r\nHost: unid\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"params\":\"".to_vec();
    let slow = (0..100).map(|_| tokio::spawn(trickle(addr(&app), start.clone(), b'x')));
    let served = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        normal_calls_succeed(&app).await;
    };
    let (closed, ()) = tokio::join!(join_all(slow), served);
    for c in closed {
        let c = c.unwrap().expect("the server answers or closes");
        assert!(c < Duration::from_secs(5), "{c:?}");
    }
    // The answer itself is uni-id's envelope.
    let mut s = TcpStream::connect(addr(&app)).await.unwrap();
    s.write_all(&start).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.contains("uni-id-invalid-param"), "{text}");
}

async fn idle_keep_alive_connections_are_closed(backend: Backend) {
    let app = TestApp::builder(backend).config(FAST).start().await;
    let mut s = TcpStream::connect(addr(&app)).await.unwrap();
    let body = json!({"clientInfo": {"uniPlatform": "web", "appId": "__UNI__TEST01"}}).to_string();
    let request = format!(
        "POST /uni-id-co/getSupportedLoginType HTTP/1.1\r\nHost: unid\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    // Then nothing: the server closes the connection after keepAliveSecs.
    let began = Instant::now();
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "closed");
    assert!(
        began.elapsed() < Duration::from_secs(4),
        "{:?}",
        began.elapsed()
    );
}

async fn a_flood_of_idle_sockets_is_capped_and_drained(backend: Backend) {
    let app = TestApp::builder(backend)
        .config(&format!("{FAST}\nmaxConnections = 40"))
        .start()
        .await;
    // 160 sockets that never send a byte: at most 40 are served at a time, each cut off after
    // headerTimeoutSecs, so the queue drains. The clock starts before the first connect, and
    // each socket is watched from then on, so its time is when the server closed it: every
    // socket holds one of the 40 places for at least a second once accepted, so the last
    // cannot go before four seconds, however slowly the sockets connect.
    let began = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..160 {
        idle.push(TcpStream::connect(addr(&app)).await.unwrap());
    }
    let watched = join_all(idle.into_iter().map(|mut s| async move {
        let mut buf = [0u8; 256];
        match tokio::time::timeout(Duration::from_secs(15), s.read(&mut buf)).await {
            Ok(_) => Some(began.elapsed()),
            Err(_) => None,
        }
    }));
    let served = async {
        let r = tokio::time::timeout(
            Duration::from_secs(15),
            app.call("getSupportedLoginType").send(),
        )
        .await
        .expect("a normal request is answered once the idle ones are cut off");
        assert_eq!(r["errCode"], 0);
    };
    let (closed, ()) = tokio::join!(watched, served);
    assert!(
        closed.iter().all(Option::is_some),
        "every idle socket is closed in the end"
    );
    // Served 40 at a time, they are cut off in waves: without the cap all would go about one
    // second after they connected.
    let last = closed.iter().flatten().max().unwrap();
    assert!(
        *last >= Duration::from_millis(2500),
        "waves: last closed after {last:?}"
    );
}
