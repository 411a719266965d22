//! A fake of WeChat's `sns/jscode2session` for `benches/load.sh` (`ONLY=weixin`): every code
//! is a user — openid `mp-<code>`, unionid `union-<code>`, a fixed session key — answered as
//! WeChat answers, so the load measures unid, not a provider.
//!
//! `cargo run --release --example weixin_fake -- <port>` (prints `READY` when listening)

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::json;

async fn jscode2session(q: web::Query<std::collections::HashMap<String, String>>) -> HttpResponse {
    match (q.get("js_code"), q.get("appid"), q.get("secret")) {
        (Some(code), Some(_), Some(_)) => HttpResponse::Ok().json(json!({
            "openid": format!("mp-{code}"),
            "unionid": format!("union-{code}"),
            "session_key": "MDEyMzQ1Njc4OWFiY2RlZg==",
        })),
        _ => HttpResponse::Ok().json(json!({"errcode": 40029, "errmsg": "invalid code"})),
    }
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(18_081);
    let server =
        HttpServer::new(|| App::new().route("/sns/jscode2session", web::get().to(jscode2session)))
            .workers(1)
            .bind(("127.0.0.1", port))?;
    println!("READY");
    server.run().await
}
