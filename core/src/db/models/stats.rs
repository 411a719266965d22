//! The console dashboard's figures: counts per UTC day and breakdowns, each one grouped query
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

#[derive(Debug, Clone, QueryableByName)]
struct KeyCount {
    #[diesel(sql_type = Text)]
    key: String,
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

/// Login-log rows of `type_` with `state` per UTC day since `since`.
pub fn log_per_day(
    conn: &mut DbConn,
    type_: &str,
    state: i32,
    since: i64,
) -> QueryResult<Vec<(i64, i64)>> {
    let sql = numbered_sql(
        conn,
        "SELECT create_date / 86400000 AS day, COUNT(*) AS n FROM uni_id_log \
         WHERE type = $1 AND state = $2 AND create_date >= $3 GROUP BY create_date / 86400000",
    );
    let rows = db_run!(conn: {
        diesel::sql_query(&sql)
            .bind::<Text, _>(type_)
            .bind::<Integer, _>(state)
            .bind::<BigInt, _>(since)
            .load(conn)
    })?;
    Ok(days(rows))
}

/// What successful sign-ins since `since` came through, by [`By`], most first (at most 12).
#[derive(Debug, Clone, Copy)]
pub enum By {
    Method,
    Platform,
}

pub fn sign_ins_by(conn: &mut DbConn, by: By, since: i64) -> QueryResult<Vec<(String, i64)>> {
    let column = match by {
        By::Method => "method",
        By::Platform => "platform",
    };
    let sql = numbered_sql(
        conn,
        &format!(
            "SELECT coalesce({column}, '') AS key, COUNT(*) AS n FROM uni_id_log \
             WHERE type = 'login' AND state = 1 AND create_date >= $1 \
             GROUP BY coalesce({column}, '') ORDER BY n DESC, key LIMIT 12"
        ),
    );
    let rows: Vec<KeyCount> =
        db_run!(conn: { diesel::sql_query(&sql).bind::<BigInt, _>(since).load(conn) })?;
    Ok(rows.into_iter().map(|r| (r.key, r.n)).collect())
}
