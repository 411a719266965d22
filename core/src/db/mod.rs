//! Storage: one diesel codebase over SQLite (the embedded default) and PostgreSQL.
//!
//! Queries are written once and compiled for both backends with [`db_run!`]; SQL that differs
//! between them lives only inside an explicit `match` on [`DbConn`]. All database work runs on
//! tokio's blocking pool through [`Db::run`], never on the async executor.

pub mod models;
pub mod schema;

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{
    ConnectionManager, CustomizeConnection, ManageConnection, Pool, PooledConnection,
};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{ApiError, ApiResult};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

pub type PoolError = diesel::r2d2::PoolError;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("unsupported database URL {0:?}: use sqlite://path/to/file.db or postgres://…")]
    Url(String),
    #[error("cannot open the database: {0}")]
    Pool(#[from] PoolError),
    #[error("cannot open the database: {0}")]
    Open(String),
    #[error("cannot create the database directory {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
}

#[derive(Clone)]
pub enum DbPool {
    Sqlite(Pool<ConnectionManager<SqliteConnection>>),
    Postgres(Pool<PgManager>),
}

pub enum DbConn {
    Sqlite(PooledConnection<ConnectionManager<SqliteConnection>>),
    Postgres(PooledConnection<PgManager>),
}

/// How long a PostgreSQL connection that just finished good work is trusted without a ping.
/// Testing every checkout with `SELECT 1` cost a round trip per request (three per SMS login);
/// like HikariCP's bypass window, only a connection idle longer than this is pinged before it is
/// handed out, and after any database error every connection is pinged once, so a restarted
/// or failed-over server costs at most the requests already in flight.
const TRUSTED_FOR: Duration = Duration::from_millis(500);

/// A pooled PostgreSQL connection and when it last finished work without a database error.
pub struct PgConn {
    conn: PgConnection,
    healthy_at: Instant,
    /// Shared by the pool: when a database error was last seen on any connection.
    error_seen: Arc<Mutex<Option<Instant>>>,
}

impl PgConn {
    /// Records how the work on this connection ended, for the next checkout's test.
    fn record(&mut self, database_error: bool) {
        let now = Instant::now();
        if database_error {
            *self.error_seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
        } else {
            self.healthy_at = now;
        }
    }

    fn trusted(&self) -> bool {
        let error_seen = *self.error_seen.lock().unwrap_or_else(|e| e.into_inner());
        self.healthy_at.elapsed() < TRUSTED_FOR && error_seen.is_none_or(|t| t < self.healthy_at)
    }
}

impl Deref for PgConn {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.conn
    }
}

impl DerefMut for PgConn {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

/// diesel's PostgreSQL manager, with the checkout ping skipped for trusted connections.
#[derive(Debug)]
pub struct PgManager {
    inner: ConnectionManager<PgConnection>,
    error_seen: Arc<Mutex<Option<Instant>>>,
}

impl ManageConnection for PgManager {
    type Connection = PgConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<PgConn, Self::Error> {
        Ok(PgConn {
            conn: self.inner.connect()?,
            healthy_at: Instant::now(),
            error_seen: self.error_seen.clone(),
        })
    }

    fn is_valid(&self, c: &mut PgConn) -> Result<(), Self::Error> {
        if c.trusted() {
            return Ok(());
        }
        self.inner.is_valid(&mut c.conn)?;
        c.healthy_at = Instant::now();
        Ok(())
    }

    fn has_broken(&self, c: &mut PgConn) -> bool {
        self.inner.has_broken(&mut c.conn)
    }
}

/// Runs `$body` with `$conn` bound to the concrete connection of either backend.
#[macro_export]
macro_rules! db_run {
    ($conn:ident: $body:block) => {
        match $conn {
            $crate::db::DbConn::Sqlite($conn) => {
                let $conn: &mut ::diesel::SqliteConnection = &mut *$conn;
                $body
            }
            $crate::db::DbConn::Postgres($conn) => {
                let $conn: &mut ::diesel::PgConnection = &mut *$conn;
                $body
            }
        }
    };
}

/// Per-connection SQLite settings: foreign keys on, and a busy timeout so writers queue
/// instead of failing. (WAL is a property of the database file, set once before the pool opens.)
#[derive(Debug)]
struct SqliteSetup;

impl CustomizeConnection<SqliteConnection, diesel::r2d2::Error> for SqliteSetup {
    fn on_acquire(&self, conn: &mut SqliteConnection) -> Result<(), diesel::r2d2::Error> {
        conn.batch_execute(
            "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(diesel::r2d2::Error::QueryError)
    }
}

impl DbPool {
    /// Opens a pool for `url` (`sqlite://…`, `sqlite:…`, a `*.db` path, or `postgres://…`).
    pub fn connect(url: &str, size: u32) -> Result<DbPool, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let manager = PgManager {
                inner: ConnectionManager::<PgConnection>::new(url),
                error_seen: Arc::default(),
            };
            let pool = Pool::builder()
                .max_size(size)
                .connection_timeout(Duration::from_secs(10))
                .build(manager)?;
            return Ok(DbPool::Postgres(pool));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .or_else(|| (url.ends_with(".db") || url == ":memory:").then_some(url))
            .ok_or_else(|| DbError::Url(url.to_string()))?;
        if path != ":memory:" {
            crate::files::private_sqlite(std::path::Path::new(path)).map_err(|source| {
                DbError::Dir {
                    path: path.to_string(),
                    source,
                }
            })?;
        }
        // WAL lets readers run beside the writer. Switching needs an exclusive lock, so it is
        // done once here rather than by every pooled connection racing for it.
        {
            use diesel::Connection;
            let mut conn =
                SqliteConnection::establish(path).map_err(|e| DbError::Open(e.to_string()))?;
            conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
        }
        let manager = ConnectionManager::<SqliteConnection>::new(path);
        let pool = Pool::builder()
            .max_size(size)
            .connection_timeout(Duration::from_secs(10))
            // A connection to a local file cannot go away; a `SELECT 1` per checkout is waste.
            .test_on_check_out(false)
            .connection_customizer(Box::new(SqliteSetup))
            .build(manager)?;
        Ok(DbPool::Sqlite(pool))
    }

    pub fn get(&self) -> Result<DbConn, PoolError> {
        Ok(match self {
            DbPool::Sqlite(p) => DbConn::Sqlite(p.get()?),
            DbPool::Postgres(p) => DbConn::Postgres(p.get()?),
        })
    }

    pub fn backend(&self) -> &'static str {
        match self {
            DbPool::Sqlite(_) => "sqlite",
            DbPool::Postgres(_) => "postgres",
        }
    }

    /// Applies pending migrations; returns the names of those applied.
    pub fn migrate(&self) -> Result<Vec<String>, DbError> {
        let mut conn = self.get()?;
        let applied = match &mut conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(applied.iter().map(|v| v.to_string()).collect())
    }
}

impl DbConn {
    /// Applies a plugin's migrations that have not run yet, each with its record in one
    /// transaction, under a lock so two instances starting together apply each once.
    pub fn apply_plugin_migrations(
        &mut self,
        plugin: &str,
        migrations: &[crate::plugin::PluginMigration],
        now: i64,
    ) -> Result<Vec<String>, DbError> {
        use diesel::RunQueryDsl;
        use diesel::sql_types::{BigInt, Text};
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut applied = Vec::new();
        for m in migrations {
            let done = self.write_tx(|conn| {
                conn.lock_keys(&["plugin-migrations".to_string()])?;
                let (check, insert) = match conn {
                    DbConn::Sqlite(_) => (
                        "SELECT COUNT(*) AS n FROM plugin_migrations WHERE plugin = ?1 AND name = ?2",
                        "INSERT INTO plugin_migrations (plugin, name, applied_date) VALUES (?1, ?2, ?3)",
                    ),
                    DbConn::Postgres(_) => (
                        "SELECT COUNT(*) AS n FROM plugin_migrations WHERE plugin = $1 AND name = $2",
                        "INSERT INTO plugin_migrations (plugin, name, applied_date) VALUES ($1, $2, $3)",
                    ),
                };
                let count: Count = db_run!(conn: {
                    diesel::sql_query(check).bind::<Text, _>(plugin).bind::<Text, _>(m.name).get_result(conn)
                })?;
                if count.n > 0 {
                    return Ok::<_, diesel::result::Error>(false);
                }
                match conn {
                    DbConn::Sqlite(c) => c.batch_execute(m.sqlite)?,
                    DbConn::Postgres(c) => c.batch_execute(m.postgres)?,
                }
                db_run!(conn: {
                    diesel::sql_query(insert)
                        .bind::<Text, _>(plugin)
                        .bind::<Text, _>(m.name)
                        .bind::<BigInt, _>(now)
                        .execute(conn)
                })?;
                Ok(true)
            })?;
            if done {
                applied.push(format!("{plugin}/{}", m.name));
            }
        }
        Ok(applied)
    }

    /// A write transaction. On SQLite it is `BEGIN IMMEDIATE`, so a read-then-write inside it
    /// cannot interleave with another writer; on PostgreSQL use [`DbConn::lock_keys`] inside it
    /// for the same guarantee on specific keys. Inside another transaction it is a savepoint.
    pub fn write_tx<T, E>(&mut self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let nested = self.in_transaction();
        match self {
            // Nested calls become savepoints inside the outer transaction.
            DbConn::Sqlite(c) if nested => AnsiTransactionManager::begin_transaction(&mut **c)?,
            DbConn::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(&mut **c, "BEGIN IMMEDIATE")?
            }
            DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction(&mut ***c)?,
        }
        match f(self) {
            Ok(value) => {
                let committed = match self {
                    DbConn::Sqlite(c) => AnsiTransactionManager::commit_transaction(&mut **c),
                    DbConn::Postgres(c) => AnsiTransactionManager::commit_transaction(&mut ***c),
                };
                if let Err(e) = committed {
                    self.rollback_quietly();
                    return Err(e.into());
                }
                Ok(value)
            }
            Err(e) => {
                self.rollback_quietly();
                Err(e)
            }
        }
    }

    /// Runs `f` in the current transaction when there is one, else in a new write transaction.
    /// Unlike a nested [`DbConn::write_tx`] it takes no savepoint (two round trips), so an
    /// error from `f` must fail the caller's transaction too: propagate it, never swallow it.
    pub fn join_write_tx<T, E>(
        &mut self,
        f: impl FnOnce(&mut DbConn) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        if self.in_transaction() {
            f(self)
        } else {
            self.write_tx(f)
        }
    }

    fn in_transaction(&mut self) -> bool {
        let status = match self {
            DbConn::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(&mut **c),
            DbConn::Postgres(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(&mut ***c)
            }
        };
        matches!(status.transaction_depth(), Ok(Some(_)))
    }

    fn rollback_quietly(&mut self) {
        let result = match self {
            DbConn::Sqlite(c) => AnsiTransactionManager::rollback_transaction(&mut **c),
            DbConn::Postgres(c) => AnsiTransactionManager::rollback_transaction(&mut ***c),
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "rollback after a failed transaction also failed");
        }
    }

    /// Inside a [`DbConn::write_tx`]: serialises transactions that touch the same keys across
    /// every instance (PostgreSQL advisory locks, released at commit). SQLite needs nothing: its
    /// write transactions are already serial.
    pub fn lock_keys(&mut self, keys: &[String]) -> Result<(), diesel::result::Error> {
        if let DbConn::Postgres(c) = self {
            use diesel::RunQueryDsl;
            let mut sorted: Vec<&String> = keys.iter().collect();
            // A fixed order keeps two transactions locking overlapping sets from deadlocking.
            sorted.sort();
            sorted.dedup();
            for key in sorted {
                diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind::<diesel::sql_types::Text, _>(key)
                    .execute(&mut ***c)?;
            }
        }
        Ok(())
    }

    /// After a bulk load: PostgreSQL's planner statistics and row estimates (see
    /// `users::count_cheaply`) see the new rows at once instead of at autovacuum's next pass.
    /// SQLite keeps no statistics unless asked to, and its queries were tuned without them.
    pub fn analyze(&mut self) -> Result<(), diesel::result::Error> {
        match self {
            DbConn::Sqlite(_) => Ok(()),
            DbConn::Postgres(c) => c.batch_execute("ANALYZE"),
        }
    }

    pub fn ping(&mut self) -> Result<(), diesel::result::Error> {
        match self {
            DbConn::Sqlite(c) => c.batch_execute("SELECT 1"),
            DbConn::Postgres(c) => c.batch_execute("SELECT 1"),
        }
    }
}

/// `.first()` for lookups that can match at most one row (primary keys). Diesel's `first()`
/// binds `LIMIT ?`, and SQLite re-prepares a statement whose LIMIT is a bound parameter on every
/// execution, which halved the throughput of token checks. Use `.load()` and this instead.
pub fn at_most_one<T>(rows: diesel::QueryResult<Vec<T>>) -> diesel::QueryResult<Option<T>> {
    rows.map(|rows| rows.into_iter().next())
}

/// Hand-written SQL for this connection's backend: written once with PostgreSQL's numbered
/// `$n` parameters, which become SQLite's `?n` (both let one parameter appear several times).
pub fn numbered_sql(conn: &DbConn, postgres_sql: &str) -> String {
    match conn {
        DbConn::Postgres(_) => postgres_sql.to_string(),
        DbConn::Sqlite(_) => {
            let mut out = String::with_capacity(postgres_sql.len());
            let mut chars = postgres_sql.chars().peekable();
            while let Some(c) = chars.next() {
                let numbered = c == '$' && chars.peek().is_some_and(char::is_ascii_digit);
                out.push(if numbered { '?' } else { c });
            }
            out
        }
    }
}

/// Whether a diesel error is a unique-constraint violation (a concurrent duplicate).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The pool plus the async entry point the rest of the server uses.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    /// The runtime whose blocking pool runs database work. The HTTP workers each run their own
    /// event loop; sending their database work to one bounded pool (the binary caps its
    /// blocking threads near the connection pool's size) keeps threads from multiplying per
    /// worker.
    runtime: Option<tokio::runtime::Handle>,
    /// Tasks sent to run that have no connection yet, for the metrics.
    waiting: Arc<std::sync::atomic::AtomicUsize>,
    /// What the console's search plans with (a sample of this database's rows).
    search_stats: Arc<models::search_plan::SearchStats>,
}

impl Db {
    /// Database work will run on the blocking pool of the runtime this is called from, if any
    /// (else of whichever runtime calls [`Db::run`]).
    pub fn new(pool: DbPool) -> Self {
        Db {
            pool,
            runtime: tokio::runtime::Handle::try_current().ok(),
            waiting: Arc::default(),
            search_stats: Arc::default(),
        }
    }

    /// (connections in use, idle, the pool's size, tasks waiting for one), for the metrics.
    pub fn load(&self) -> (u32, u32, u32, usize) {
        let (state, max) = match &self.pool {
            DbPool::Sqlite(p) => (p.state(), p.max_size()),
            DbPool::Postgres(p) => (p.state(), p.max_size()),
        };
        let waiting = self.waiting.load(std::sync::atomic::Ordering::Relaxed);
        (
            state.connections - state.idle_connections,
            state.idle_connections,
            max,
            waiting,
        )
    }

    /// The console search's statistics of this database, for [`models::user_list::search`].
    pub fn search_stats(&self) -> Arc<models::search_plan::SearchStats> {
        Arc::clone(&self.search_stats)
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// Runs `f` with a pooled connection on the blocking pool.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConn) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        use std::sync::atomic::Ordering;
        let pool = self.pool.clone();
        let waiting = Arc::clone(&self.waiting);
        waiting.fetch_add(1, Ordering::Relaxed);
        let work = move || {
            let conn = pool.get();
            waiting.fetch_sub(1, Ordering::Relaxed);
            let mut conn = conn?;
            let result = f(&mut conn);
            if let DbConn::Postgres(c) = &mut conn {
                // An error other than one of uni-id's answers may mean the server went away.
                c.record(
                    matches!(&result, Err(e) if e.code == crate::error::ErrorCode::SystemError),
                );
            }
            result
        };
        let task = match &self.runtime {
            Some(runtime) => runtime.spawn_blocking(work),
            None => tokio::task::spawn_blocking(work),
        };
        task.await
            .map_err(|e| ApiError::system(format_args!("database task failed: {e}")))?
    }
}
