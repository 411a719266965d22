//! How test modules list their cases: each case is an `async fn(Backend)` run once per backend
//! (or once only, for tests that do not touch a database backend).

use std::future::Future;
use std::pin::Pin;

use super::Backend;

pub type CaseFn = fn(Backend) -> Pin<Box<dyn Future<Output = ()> + Send>>;

#[derive(Clone, Copy)]
pub struct Case {
    pub name: &'static str,
    pub run: CaseFn,
    /// The backends it runs on: both, or one for process tests (SQLite) and tests of
    /// PostgreSQL-only behaviour.
    pub backends: &'static [Backend],
    /// Needs a browser (chromium + chromedriver); ignored, with a note, where there is none.
    pub browser: bool,
    /// Runs with no other case beside it: timing measurements, which the load of parallel
    /// cases on a small machine would bias.
    pub alone: bool,
}

pub const BOTH: &[Backend] = &[Backend::Sqlite, Backend::Postgres];
pub const SQLITE: &[Backend] = &[Backend::Sqlite];
pub const POSTGRES: &[Backend] = &[Backend::Postgres];

/// `cases![a, b]` lists `async fn a(backend: Backend)`… for both backends.
#[macro_export]
macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::support::cases::Case {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |backend| Box::pin($name(backend)),
            backends: $crate::support::cases::BOTH,
            browser: false,
            alone: false,
        }),*]
    };
}

/// `browser_cases![a, b]`: journeys in a real browser, on both backends.
#[macro_export]
macro_rules! browser_cases {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::support::cases::Case {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |backend| Box::pin($name(backend)),
            backends: $crate::support::cases::BOTH,
            browser: true,
            alone: false,
        }),*]
    };
}

/// `postgres_only![a]`: cases about behaviour only PostgreSQL has (a server that drops
/// connections, say).
#[macro_export]
macro_rules! postgres_only {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::support::cases::Case {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |backend| Box::pin($name(backend)),
            backends: $crate::support::cases::POSTGRES,
            browser: false,
            alone: false,
        }),*]
    };
}

/// `once![a]`: cases that run a single time.
#[macro_export]
macro_rules! once {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::support::cases::Case {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |backend| Box::pin($name(backend)),
            backends: $crate::support::cases::SQLITE,
            browser: false,
            alone: false,
        }),*]
    };
}

/// `alone_cases![a]`: on both backends, each with no other case running (see [`Case::alone`]).
#[macro_export]
macro_rules! alone_cases {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::support::cases::Case {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |backend| Box::pin($name(backend)),
            backends: $crate::support::cases::BOTH,
            browser: false,
            alone: true,
        }),*]
    };
}
