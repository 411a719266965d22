//! `unid`: the account server's command line.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use unid_core::config::settings::{GeneratedSecrets, Settings};
use unid_core::config::{Config, LogFormat};
use unid_core::i18n::Locale;
use unid_core::secret::Secret;
use unid_core::{HostBuilder, serve};

use unid::plugins;

#[derive(Parser)]
#[command(
    name = "unid",
    version,
    about = "A self-hosted account server compatible with DCloud uni-id"
)]
struct Cli {
    /// Config file (TOML, or a uni-id config.json). Default: $UNID_CONFIG, else ./unid.toml if present.
    #[arg(long, global = true, env = "UNID_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage administrators.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Import a uni-id project's users, roles, permissions, tags, devices and login log from a
    /// uniCloud database export (JSON lines, one <collection>.jsonl or .json file each).
    /// Password hashes are kept: users sign in with their old passwords.
    Import {
        /// The directory holding uni-id-users.jsonl, uni-id-roles.jsonl…
        dir: PathBuf,
        /// Check every record (and conflicts with the database) without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Records written per transaction.
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        batch: u32,
        /// Database connections writing users at once (PostgreSQL; SQLite has one writer).
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
        writers: u32,
    },
    /// Export users, roles, permissions, tags, devices and the login log as uni-id documents,
    /// one <collection>.jsonl file each (the shape `unid import` reads).
    Export {
        /// The directory to write into (created if needed; existing files are not overwritten).
        dir: PathBuf,
    },
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator (role `admin`).
    Create {
        #[arg(long)]
        username: String,
        /// The password; without it, it is read from standard input.
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        nickname: Option<String>,
        /// App ids (DCloud appid) the administrator may log into; default: every app.
        #[arg(long = "app")]
        apps: Vec<String>,
    },
    /// Add made-up users (and a month of login log) for benchmarks and trying the console.
    /// Their password is `Seed-Pass-2024`. Refused when `[server] production = true`.
    Seed {
        /// How many users to add.
        #[arg(long)]
        users: usize,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate the configuration and print the effective values, secrets masked.
    Check,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let config = load_config(cli.config.as_deref())?;
    init_logs(config.server.log_format);
    // Blocking threads only run database work, which waits for one of `poolSize` connections
    // anyway: more threads would just add context switches and memory.
    let blocking_threads = usize::try_from(config.database.pool_size).unwrap_or(16) + 8;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(blocking_threads)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    match cli.command {
        Command::Serve => runtime.block_on(run_server(config)),
        Command::Migrate => migrate(config),
        Command::Admin {
            command:
                AdminCommand::Create {
                    username,
                    password,
                    nickname,
                    apps,
                },
        } => runtime.block_on(admin_create(config, username, password, nickname, apps)),
        Command::Admin {
            command: AdminCommand::Seed { users },
        } => runtime.block_on(admin_seed(config, users)),
        Command::Import {
            dir,
            dry_run,
            batch,
            writers,
        } => import(config, &dir, dry_run, batch, writers),
        Command::Export { dir } => export(config, &dir),
        Command::Config {
            command: ConfigCommand::Check,
        } => config_check(config),
    }
}

/// Logs go to standard error, as text for people or as one JSON object per line (with the
/// request's span, so its `id` is on every line a request causes).
fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}

fn load_config(path: Option<&Path>) -> Result<Config> {
    let default = Path::new("unid.toml");
    let path = match path {
        Some(p) => Some(p.to_path_buf()),
        None if default.exists() => Some(default.to_path_buf()),
        None => None,
    };
    let mut config = match &path {
        Some(p) => Config::load(p).with_context(|| format!("config {}", p.display()))?,
        None => Config::default(),
    };
    config.apply_env(|k| std::env::var(k).ok());
    config.check()?;
    Ok(config)
}

fn builder(config: Config) -> Result<HostBuilder> {
    plugins::check_sections(&config).map_err(anyhow::Error::msg)?;
    let base = HostBuilder::new(config.clone());
    plugins::register(base, &config).map_err(anyhow::Error::msg)
}

async fn run_server(config: Config) -> Result<()> {
    if config.test_mode {
        tracing::warn!(
            "TEST MODE IS ON: every captcha answer is 1234 and every SMS/e-mail code 123456. Never use this in production."
        );
    }
    let listen = config.server.listen.clone();
    let public_url = config.public_url();
    let database = redact_url(&config.database_url());
    let host = builder(config)?.build()?;
    let listener = std::net::TcpListener::bind(&listen)
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(database = %database, "database ready");
    println!("unid is listening on http://{addr}  (public URL {public_url})");
    println!("Pages: open {public_url}/ in a browser to register, sign in and edit the profile");
    println!("API: POST {public_url}/uni-id-co/<method>   health: {public_url}/health/ready");
    println!(
        "Create the first administrator at {public_url}/register/admin or with: unid admin create --username <name>"
    );
    std::io::stdout().flush().ok();
    serve(host, listener, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

fn migrate(config: Config) -> Result<()> {
    let pool = unid_core::db::DbPool::connect(&config.database_url(), 1)?;
    let applied = pool.migrate()?;
    if applied.is_empty() {
        println!(
            "database {} is up to date",
            redact_url(&config.database_url())
        );
    } else {
        for name in applied {
            println!("applied {name}");
        }
    }
    Ok(())
}

/// `unid import`: the database's migrations first, then the export's files; the summary on
/// standard output. Exits with status 2 when records were left out (bad or conflicting), so a
/// script notices.
fn import(config: Config, dir: &Path, dry_run: bool, batch: u32, writers: u32) -> Result<()> {
    use unid_core::transfer::{import, progress};
    // The writers' connections and the one that reads and screens.
    let pool = unid_core::db::DbPool::connect(&config.database_url(), writers + 1)?;
    pool.migrate()?;
    let options = import::Options {
        dry_run,
        batch: batch as usize,
        writers: writers as usize,
    };
    let mut console = progress::Console::new(std::io::stderr().is_terminal());
    let started = std::time::Instant::now();
    let summary = import::import(&pool, dir, &options, &mut console)?;
    let seconds = started.elapsed().as_secs_f64();
    print!("{}", progress::summary_table(&summary.collections, dry_run));
    let total = summary.total();
    // Read, not imported: a second run reads everything and imports nothing.
    let outcome = if dry_run {
        "; dry run: nothing was written".to_string()
    } else {
        format!(": {} imported", total.imported)
    };
    println!(
        "{} {} records in {seconds:.1} s ({:.0} per second){outcome}",
        if dry_run { "checked" } else { "read" },
        total.read,
        total.read as f64 / seconds.max(1e-3),
    );
    warn_unusable_hashes(&config, &summary.legacy_hashes)?;
    if summary.references_checked_row_by_row {
        eprintln!(
            "note: PostgreSQL checked each imported user's rows against their foreign keys one \
             by one, because the import's role may not set session_replication_role or a user \
             table has a trigger of its own: about a quarter slower (see README, Moving from uni-id)"
        );
    }
    if total.bad + total.conflicts > 0 {
        println!(
            "{} records were not imported: see the lines above",
            total.bad + total.conflicts
        );
        std::io::stdout().flush().ok();
        std::process::exit(2);
    }
    Ok(())
}

/// uni-id's legacy password hashes are hmac-sha1 digests under the project's `passwordSecret`:
/// imported without that secret in unid's configuration, their users cannot sign in by
/// password, and nothing else would say why.
fn warn_unusable_hashes(config: &Config, legacy: &[(Option<i64>, i64)]) -> Result<()> {
    if legacy.is_empty() {
        return Ok(());
    }
    let settings = Settings::resolve(config, &GeneratedSecrets::random())?;
    for (version, users) in legacy {
        if settings.checks_legacy_hash(*version) {
            continue;
        }
        let which = version.map_or("a string passwordSecret (no version)".to_string(), |v| {
            format!("passwordSecret version {v}")
        });
        eprintln!(
            "warning: {users} users have uni-id hmac-sha1 password hashes made with {which}, \
             which the configuration does not hold: they cannot sign in with their passwords \
             until `passwordSecret` is set to the uni-id project's value (see README, Moving from uni-id)"
        );
    }
    Ok(())
}

/// `unid export`: every collection into `dir`, one JSON-lines file each.
fn export(config: Config, dir: &Path) -> Result<()> {
    use unid_core::transfer::{export, progress};
    let pool = unid_core::db::DbPool::connect(&config.database_url(), 1)?;
    pool.migrate()?;
    let mut conn = pool.get()?;
    let mut console = progress::Console::new(std::io::stderr().is_terminal());
    let counts = export::export(&mut conn, dir, &mut console)?;
    for (collection, n) in counts {
        println!("{collection}: {n} documents");
    }
    Ok(())
}

async fn admin_seed(config: Config, count: usize) -> Result<()> {
    // Thousands of accounts with a published password have no place next to real users.
    if config.server.production {
        anyhow::bail!("admin seed refuses a server with [server] production = true");
    }
    let host = builder(config)?.build()?;
    let started = std::time::Instant::now();
    let step = (count / 10).max(1000);
    let seeded = unid_core::accounts::seed::seed(&host, count, |done| {
        if done % step == 0 || done == count {
            println!("{done} / {count} users");
        }
    })
    .await
    .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.detail.unwrap_or_default()))?;
    println!(
        "seeded {} users and {} login-log rows in {:.1} s (password {})",
        seeded.users,
        seeded.log_rows,
        started.elapsed().as_secs_f64(),
        unid_core::accounts::seed::SEED_PASSWORD
    );
    Ok(())
}

async fn admin_create(
    config: Config,
    username: String,
    password: Option<String>,
    nickname: Option<String>,
    apps: Vec<String>,
) -> Result<()> {
    let password = match password {
        Some(p) => p,
        None => read_password()?,
    };
    let host = builder(config)?.build()?;
    let apps = if apps.is_empty() {
        vec!["*".to_string()]
    } else {
        apps
    };
    match unid_core::accounts::admin::create_admin(
        &host,
        &username,
        Secret::new(password),
        nickname.as_deref(),
        apps,
    )
    .await
    {
        Ok(uid) => {
            println!("created administrator {username} (uid {uid})");
            Ok(())
        }
        Err(e) => {
            let args: Vec<(&str, String)> = e.args.iter().map(|(k, v)| (*k, v.clone())).collect();
            bail!(
                "{}: {}",
                e.code,
                host.i18n.message(Locale::En, &e.message, &args)
            )
        }
    }
}

fn read_password() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (input is shown): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the password")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("no password given: pass --password or write it to standard input");
    }
    Ok(password)
}

fn config_check(config: Config) -> Result<()> {
    let data_dir = config.server.data_dir.clone();
    let secrets_path = data_dir.join("secrets.toml");
    let generated = if secrets_path.exists() {
        GeneratedSecrets::load_or_create(&data_dir)?
    } else {
        GeneratedSecrets::random()
    };
    let settings = Settings::resolve(&config, &generated)?;
    println!(
        "config: {}",
        config
            .source
            .as_ref()
            .map_or("(none: built-in defaults)".to_string(), |p| p
                .display()
                .to_string())
    );
    println!("testMode = {}", config.test_mode);
    println!("passwordHash = {:?}", config.password_hash);
    println!(
        "[server] listen = {}, publicUrl = {}, production = {}, dataDir = {}",
        config.server.listen,
        config.public_url(),
        config.server.production,
        data_dir.display()
    );
    println!(
        "[database] url = {}, poolSize = {}",
        redact_url(&config.database_url()),
        config.database.pool_size
    );
    println!("[throttle] {:?}", config.throttle);
    println!(
        "secrets: {}",
        if secrets_path.exists() {
            format!("{} (generated)", secrets_path.display())
        } else {
            format!(
                "{} will be generated on first start",
                secrets_path.display()
            )
        }
    );
    let mut plugin_errors = plugins::check(&config);
    if let Err(e) = plugins::check_sections(&config) {
        plugin_errors.push(("config", e));
    }
    println!();
    print!("{}", settings.describe());
    if config.pages.enabled {
        let built = plugins::build(&config).unwrap_or_default();
        match unid_core::pages::site::login_types(&config, &settings, &built) {
            Ok((offered, unavailable)) => {
                println!("[pages] loginTypes offered: {}", offered.join(", "));
                for t in unavailable {
                    eprintln!(
                        "[pages] loginTypes: \"{t}\" is not offered (its plugin is not compiled in, is off, or is not configured); the pages hide it"
                    );
                }
            }
            Err(e) => plugin_errors.push(("pages", e.to_string())),
        }
    }
    if !plugin_errors.is_empty() {
        for (id, e) in &plugin_errors {
            eprintln!("plugin {id}: {e}");
        }
        bail!("{} plugin(s) are misconfigured", plugin_errors.len());
    }
    println!("config OK");
    Ok(())
}

/// Hides a password in a database URL.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:****{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
