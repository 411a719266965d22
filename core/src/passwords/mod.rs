//! Password hashes: Argon2id for new hashes by default, uni-id's formats (spec §5) verified so
//! imported users keep their passwords, and an upgrade on login.
//!
//! Hashing is CPU-heavy on purpose, so it never runs on the async executor: [`Hasher`] runs it on
//! a fixed pool of threads sized to the cores, behind a semaphore, which bounds how much CPU and
//! memory a login flood can take; waiting callers queue without holding a thread.

pub mod formats;
mod pool;

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::config::PasswordHashKind;
use crate::config::effective::PasswordSecret;
use crate::error::{ApiError, ApiResult};
use crate::secret::Secret;
pub use formats::{NewHash, hash_password, legacy_hash_checkable, needs_rehash, verify_password};

/// Runs hashing off the executor, at most `permits` at a time.
#[derive(Clone)]
pub struct Hasher {
    kind: PasswordHashKind,
    permits: Arc<Semaphore>,
    workers: usize,
    /// Hashes waiting for a permit, for the metrics.
    waiting: Arc<std::sync::atomic::AtomicUsize>,
    pool: pool::HashPool,
    /// A hash of a random password in the current format: verifying against it gives unknown
    /// accounts the same cost as known ones.
    dummy: Arc<String>,
}

impl Hasher {
    pub fn new(kind: PasswordHashKind, workers: usize) -> std::io::Result<Self> {
        let random = Secret::new(crate::ids::new_id(0));
        let dummy = formats::hash_password(random.expose(), kind, &[])
            .map(|h| h.hash)
            .unwrap_or_default();
        Ok(Hasher {
            kind,
            permits: Arc::new(Semaphore::new(workers.max(1))),
            workers: workers.max(1),
            waiting: Arc::default(),
            pool: pool::HashPool::new(workers)?,
            dummy: Arc::new(dummy),
        })
    }

    pub fn kind(&self) -> PasswordHashKind {
        self.kind
    }

    /// (hashes waiting, hashes running, threads), for the metrics.
    pub fn load(&self) -> (usize, usize, usize) {
        use std::sync::atomic::Ordering;
        let busy = self
            .workers
            .saturating_sub(self.permits.available_permits());
        (self.waiting.load(Ordering::Relaxed), busy, self.workers)
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
        use std::sync::atomic::Ordering;
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let _permit =
            permit.map_err(|e| ApiError::system(format_args!("hash pool closed: {e}")))?;
        self.pool
            .run(f)
            .await
            .ok_or_else(|| ApiError::system("hash task failed"))
    }

    /// A new hash of `password` in the configured format.
    pub async fn hash(
        &self,
        password: Secret,
        secrets: Arc<Vec<PasswordSecret>>,
    ) -> ApiResult<NewHash> {
        let kind = self.kind;
        self.run(move || formats::hash_password(password.expose(), kind, &secrets))
            .await?
            .map_err(ApiError::system)
    }

    /// Verifies `password` against a stored hash; when it matches and the stored hash is not in
    /// the configured format, also returns the replacement hash.
    pub async fn verify(
        &self,
        password: Secret,
        stored: Option<String>,
        stored_version: Option<i64>,
        secrets: Arc<Vec<PasswordSecret>>,
        upgrade: bool,
    ) -> ApiResult<Verification> {
        let kind = self.kind;
        let dummy = self.dummy.clone();
        self.run(move || {
            let Some(stored) = stored else {
                // No password set (e.g. an SMS-only account): do the same work, then fail.
                let _ = formats::verify_password(password.expose(), &dummy, None, &secrets);
                return Ok(Verification::default());
            };
            let ok = formats::verify_password(password.expose(), &stored, stored_version, &secrets);
            let rehash = if ok
                && upgrade
                && formats::needs_rehash(&stored, stored_version, kind, &secrets)
            {
                Some(
                    formats::hash_password(password.expose(), kind, &secrets)
                        .map_err(ApiError::system)?,
                )
            } else {
                None
            };
            Ok(Verification { ok, rehash })
        })
        .await?
    }

    /// The work of a verification against nothing: for accounts that do not exist.
    pub async fn verify_dummy(&self, password: Secret) -> ApiResult<()> {
        let dummy = self.dummy.clone();
        self.run(move || {
            let _ = formats::verify_password(password.expose(), &dummy, None, &[]);
        })
        .await
    }
}

#[derive(Debug, Default)]
pub struct Verification {
    pub ok: bool,
    pub rehash: Option<NewHash>,
}
