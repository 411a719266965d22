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
    /// Run on SQLite only (CLI and process tests).
    pub once: bool,
}

/// `cases![a, b]` lists `async fn a(backend: Backend)`… for both backends.
#[macro_export]
macro_rules! cases {
    ($($name:ident),* $(,)?) => {
        vec![$($crate::support::cases::Case {
            name: concat!(module_path!(), "::", stringify!($name)),
            run: |backend| Box::pin($name(backend)),
            once: false,
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
            once: true,
        }),*]
    };
}
