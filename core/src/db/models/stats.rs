//! The console dashboard's figures: counts per UTC day and breakdowns, one grouped query each
//! over an index range (`users_register_date`, `uni_id_log_type_date`), never a whole-table scan.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::db::{DbConn, numbered_sql};
use crate::db_run;

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, QueryableByName)]
struct DayCount {
    #[diesel(sql_type = BigInt)]
    day: i64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn days(rows: Vec<DayCount>) -> Vec<(i64, i64)> {
    rows.into_iter().map(|r| (r.day * DAY_MS, r.n)).collect()
}

/// Registrations per UTC day since `since` (ms): (the day's midnight in ms, count).
pub fn registrations_per_day(conn: &mut DbConn, since: i64) -> QueryResult<Vec<(i64, i64)>> {
    let sql = numbered_sql(
        conn,
        "SELECT register_date / 86400000 AS day, COUNT(*) AS n FROM users \
         WHERE register_date >= $1 GROUP BY register_date / 86400000",
    );
    let rows = db_run!(conn: { diesel::sql_query(&sql).bind::<BigInt, _>(since).load(conn) })?;
    Ok(days(rows))
}

/// The login log since `since`, counted by UTC day, result and what the sign-in came through:
/// one pass over the covering index `uni_id_log_type_date`, which the dashboard then folds into
/// its charts and breakdowns (three separate queries read the same rows three times).
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct SignInCount {
    /// The UTC day's midnight, ms.
    #[diesel(sql_type = BigInt)]
    pub day: i64,
    /// 1 signed in, 0 failed.
    #[diesel(sql_type = Integer)]
    pub state: i32,
    /// The method or page path; empty when not recorded.
    #[diesel(sql_type = Text)]
    pub method: String,
    #[diesel(sql_type = Text)]
    pub platform: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

pub fn sign_ins(conn: &mut DbConn, since: i64) -> QueryResult<Vec<SignInCount>> {
    let sql = numbered_sql(
        conn,
        "SELECT create_date / 86400000 * 86400000 AS day, state, \
         coalesce(method, '') AS method, coalesce(platform, '') AS platform, COUNT(*) AS n \
         FROM uni_id_log WHERE type = 'login' AND state IN (0, 1) AND create_date >= $1 \
         GROUP BY create_date / 86400000, state, coalesce(method, ''), coalesce(platform, '')",
    );
    db_run!(conn: { diesel::sql_query(&sql).bind::<BigInt, _>(since).load(conn) })
}
