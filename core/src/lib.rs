//! unid-core: the host of the unid account server — configuration, storage, accounts,
//! passwords, tokens, captcha, throttling, the validator, i18n, the uni-id-co API and the plugin
//! seam. The `unid` binary wires it to a CLI; plugins add login methods through [`plugin`].

pub mod accounts;
pub mod api;
pub mod captcha;
pub mod clock;
pub mod codes;
pub mod config;
pub mod db;
pub mod error;
pub mod host;
pub mod i18n;
pub mod ids;
pub mod outbound;
pub mod passwords;
pub mod plugin;
pub mod secret;
pub mod throttle;
pub mod tokens;
pub mod validator;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

pub use host::{Host, HostBuilder, StartError};

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn serve(
    host: Host,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let janitor = tokio::spawn(janitor(host.clone()));
    let app = api::router(host).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    janitor.abort();
    result
}

/// Deletes expired codes and idle counters now and then, so the tables stay small.
async fn janitor(host: Host) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let now = host.clock.now_ms();
        let result = host
            .db
            .run(move |conn| {
                let codes = db::models::codes::purge_expired(conn, now - 24 * 3600 * 1000)?;
                let counters = db::models::throttles::purge_idle(conn, now - 24 * 3600 * 1000)?;
                Ok((codes, counters))
            })
            .await;
        match result {
            Ok((codes, counters)) if codes + counters > 0 => {
                tracing::debug!(codes, counters, "purged expired codes and idle counters");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "periodic clean-up failed"),
        }
    }
}
