//! `unid admin seed --users N`: made-up accounts for benchmarks and for trying the console on a
//! realistic amount of data — usernames `seed0000001`…, mainland mobiles, e-mails, nicknames,
//! registration dates over the last 90 days (ids sort with them, as real ids do), a status
//! mix, two apps, a few roles and tags, and a login-log history of the last 30 days for the
//! dashboard. Every account's password is [`SEED_PASSWORD`], hashed once.
//!
//! Rows go in through the same inserts as registration (identity ledger and search index
//! included), a batch per transaction. Numbering continues after the users already there, so
//! a second run adds more.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::models::logs::{self, NewLog};
use crate::db::models::stats;
use crate::db::models::users::{self, NewUser, UserChanges};
use crate::error::ApiResult;
use crate::host::Host;
use crate::passwords::formats::NewHash;
use crate::secret::Secret;

pub const SEED_PASSWORD: &str = "Seed-Pass-2024";
/// The two apps seeded users are spread over (besides the site's own).
pub const SEED_APPS: [&str; 2] = ["__UNI__SEED01", "__UNI__SEED02"];
const BATCH: usize = 1000;
const DAY_MS: i64 = 86_400_000;

const NAMES: [&str; 12] = [
    "小明", "晓红", "Alex", "王芳", "Li Wei", "张伟", "Mia", "陈静", "Kai", "刘洋", "Yuki", "赵磊",
];
const METHODS: [&str; 5] = [
    "login",
    "loginBySms",
    "/login/password",
    "loginByUniverify",
    "loginByEmail",
];
const PLATFORMS: [&str; 4] = ["app", "web", "mp-weixin", "h5"];

/// One made-up account with its memberships and sign-in history.
struct MadeUp {
    user: NewUser,
    apps: Vec<String>,
    roles: Vec<String>,
    log: Vec<NewLog>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Seeded {
    pub users: usize,
    pub log_rows: usize,
}

/// Adds `count` users; `progress` hears the running total after each batch.
pub async fn seed(host: &Host, count: usize, progress: impl Fn(usize)) -> ApiResult<Seeded> {
    let effective = host.settings.default_effective();
    let hash = host
        .hasher
        .hash(
            Secret::new(SEED_PASSWORD.to_string()),
            effective.password_secrets.clone(),
        )
        .await?;
    let site_app = host.site.app_id.clone();
    let now = host.clock.now_ms();
    let start = host.db.run(|conn| Ok(users::count(conn)?)).await?.max(0) as usize;
    let mut done = Seeded::default();
    let mut rng = StdRng::seed_from_u64(start as u64);
    while done.users < count {
        let n = BATCH.min(count - done.users);
        let first = start + done.users;
        // Built here, written in one transaction on a database thread.
        let batch: Vec<MadeUp> = (first..first + n)
            .map(|i| made_up(&mut rng, i, now, &hash, &site_app))
            .collect();
        let rows: usize = batch.iter().map(|b| b.log.len()).sum();
        host.db
            .run(move |conn| {
                conn.write_tx(|conn| {
                    for MadeUp {
                        user,
                        apps,
                        roles,
                        log,
                    } in &batch
                    {
                        users::insert(conn, user, apps, roles)?;
                        for row in log {
                            logs::insert(conn, row)?;
                        }
                        // The last sign-in as the login log has it.
                        if let Some(last) = log.last() {
                            let changes = UserChanges {
                                last_login_date: Some(Some(last.create_date)),
                                last_login_ip: Some(last.ip.clone()),
                                ..Default::default()
                            };
                            users::update(conn, &user.id, &changes)?;
                        }
                    }
                    Ok(())
                })
            })
            .await?;
        done.users += n;
        done.log_rows += rows;
        progress(done.users);
    }
    // The seeded users and log rows reach 90 days back: the dashboard counts those days again.
    host.db
        .run(move |conn| {
            stats::forget_since(conn, now - 90 * DAY_MS)?;
            conn.analyze()?;
            Ok(())
        })
        .await?;
    Ok(done)
}

fn made_up(rng: &mut StdRng, i: usize, now: i64, hash: &NewHash, site_app: &str) -> MadeUp {
    let registered = now - rng.gen_range(0..90 * DAY_MS);
    let status = match rng.gen_range(0..100) {
        0..=94 => 0,
        95..=97 => 1,
        _ => 2,
    };
    let mobile = format!("+86170{:08}", i % 100_000_000);
    let email = format!("seed{i}@example.com");
    let username = format!("seed{i:07}");
    let tags = match rng.gen_range(0..10) {
        0 => Some(r#"["vip"]"#.to_string()),
        1 => Some(r#"["beta"]"#.to_string()),
        _ => None,
    };
    let user = NewUser {
        id: crate::ids::new_id(registered),
        username: Some(username.clone()),
        password: Some(hash.hash.clone()),
        password_secret_version: hash.version,
        nickname: Some(format!("{}{}", NAMES[i % NAMES.len()], i % 1000)),
        mobile: Some(mobile.clone()),
        mobile_confirmed: 1,
        email: Some(email.clone()),
        email_confirmed: 1,
        status,
        register_date: Some(registered),
        tags,
        ..Default::default()
    };
    let apps = vec![site_app.to_string(), SEED_APPS[i % 2].to_string()];
    let roles = match i % 200 {
        0 => vec!["support".to_string()],
        _ => Vec::new(),
    };
    // Seven in ten signed in within the last 30 days (after registering); one in ten of those
    // failed once first.
    let mut log = Vec::new();
    let month_ago = (now - 30 * DAY_MS).max(registered);
    if rng.gen_range(0..10) < 7 && month_ago < now {
        let at = rng.gen_range(month_ago..now);
        let row = |state: i32, at: i64, rng: &mut StdRng| NewLog {
            appid: Some(apps[1].clone()),
            ip: Some(format!(
                "10.{}.{}.{}",
                i % 256,
                (i / 256) % 256,
                rng.gen_range(1..255)
            )),
            type_: "login".to_string(),
            create_date: at,
            state,
            user_id: (state == 1).then(|| user.id.clone()),
            username: Some(username.clone()),
            mobile: Some(mobile.clone()),
            method: Some(METHODS[rng.gen_range(0..METHODS.len())].to_string()),
            platform: Some(PLATFORMS[rng.gen_range(0..PLATFORMS.len())].to_string()),
            ..Default::default()
        };
        if rng.gen_range(0..10) == 0 {
            log.push(row(0, at - 60_000, rng));
        }
        log.push(row(1, at, rng));
    }
    MadeUp {
        user,
        apps,
        roles,
        log,
    }
}
