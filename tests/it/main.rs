//! unid's integration tests: the real server over HTTP, on SQLite and on PostgreSQL.
//!
//! Every case runs against SQLite; the same cases run against PostgreSQL when
//! `UNID_TEST_DATABASE_URL` is set (each test in its own schema), and are reported as ignored,
//! with a note, when it is not.
#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

mod support;

/// The example plugin of docs/plugins.md, compiled as part of the suite.
#[path = "../../docs/example_plugin.rs"]
mod example_plugin;

mod abuse;
mod account;
mod admin;
mod alipay;
mod apple;
mod bad_input;
mod browser;
mod captcha;
mod cli;
mod connections;
mod console;
mod cors;
mod devices;
mod email;
mod external;
mod health;
mod instances;
mod invite;
mod login;
mod openapi;
mod operations;
mod pages;
mod plugins;
mod qq;
mod realname;
mod register;
mod sms;
mod throttle;
mod timing;
mod tokens;
mod transfer;
mod univerify;
mod weixin;

use libtest_mimic::{Arguments, Trial};
use support::Backend;
use support::cases::Case;

fn all_cases() -> Vec<Case> {
    [
        abuse::cases(),
        account::cases(),
        admin::cases(),
        apple::cases(),
        alipay::cases(),
        bad_input::cases(),
        browser::cases(),
        captcha::cases(),
        cli::cases(),
        connections::cases(),
        console::cases(),
        cors::cases(),
        devices::cases(),
        email::cases(),
        external::cases(),
        health::cases(),
        instances::cases(),
        invite::cases(),
        login::cases(),
        openapi::cases(),
        operations::cases(),
        pages::cases(),
        plugins::cases(),
        qq::cases(),
        realname::cases(),
        register::cases(),
        sms::cases(),
        throttle::cases(),
        timing::cases(),
        tokens::cases(),
        transfer::cases(),
        univerify::cases(),
        weixin::cases(),
    ]
    .concat()
}

static EXCLUSIVE: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Held while a case runs.
enum Turn {
    Shared(#[allow(dead_code)] std::sync::RwLockReadGuard<'static, ()>),
    Alone(#[allow(dead_code)] std::sync::RwLockWriteGuard<'static, ()>),
}

fn main() {
    let args = Arguments::from_args();
    let postgres = support::postgres_url().is_some();
    if !postgres && !args.list {
        println!(
            "note: PostgreSQL tests are SKIPPED (shown as ignored): set UNID_TEST_DATABASE_URL=postgres://… to run them"
        );
    }
    let browser = support::browser::available();
    if !browser && !args.list {
        println!(
            "note: browser tests are SKIPPED (shown as ignored): install chromium and chromium-driver (or set UNID_TEST_CHROMIUM / UNID_TEST_CHROMEDRIVER) to run them"
        );
    }
    let mut trials = Vec::new();
    for case in all_cases() {
        let name = case.name.trim_start_matches("it::");
        for &backend in case.backends {
            let (run, alone) = (case.run, case.alone);
            let trial = Trial::test(format!("{}::{name}", backend.name()), move || {
                // Cases share the lock; one that must run alone takes it exclusively (and, the
                // lock preferring writers, new cases wait until it is done).
                let _turn = if alone {
                    Turn::Alone(EXCLUSIVE.write().unwrap_or_else(|e| e.into_inner()))
                } else {
                    Turn::Shared(EXCLUSIVE.read().unwrap_or_else(|e| e.into_inner()))
                };
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                runtime.block_on(run(backend));
                Ok(())
            });
            let ignored = (backend == Backend::Postgres && !postgres) || (case.browser && !browser);
            trials.push(trial.with_ignored_flag(ignored));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    support::browser::shutdown();
    conclusion.exit();
}
