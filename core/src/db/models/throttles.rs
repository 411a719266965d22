//! `throttles`: counters shared by every instance, updated in one atomic statement.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::schema::throttles;
use crate::db::{DbConn, at_most_one};
use crate::db_run;

/// How a counter's window moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// uni-id's rule (spec §7): the count restarts once `window` has passed since the last hit.
    Sliding,
    /// The count restarts once `window` has passed since the first hit of the window.
    Fixed,
}

#[derive(QueryableByName)]
struct Hits {
    #[diesel(sql_type = BigInt)]
    hits: i64,
}

/// Adds one hit to `key` and returns the count inside the current window, atomically: the
/// read and the write are one `INSERT … ON CONFLICT DO UPDATE … RETURNING` statement.
pub fn hit(
    conn: &mut DbConn,
    key: &str,
    now: i64,
    window_ms: i64,
    mode: Window,
) -> QueryResult<i64> {
    let reference = match mode {
        Window::Sliding => "last_hit",
        Window::Fixed => "window_start",
    };
    let cutoff = now - window_ms;
    let sql = |p: [&str; 3]| {
        format!(
            "INSERT INTO throttles (key, hits, window_start, last_hit) VALUES ({k}, 1, {now}, {now}) \
             ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN throttles.{reference} <= {cut} THEN 1 ELSE throttles.hits + 1 END, \
               window_start = CASE WHEN throttles.{reference} <= {cut} THEN {now} ELSE throttles.window_start END, \
               last_hit = {now} \
             RETURNING hits",
            k = p[0],
            now = p[1],
            cut = p[2],
        )
    };
    let row: Hits = match conn {
        // SQLite numbers `?NNN` parameters explicitly, so one bind serves every use.
        DbConn::Sqlite(c) => diesel::sql_query(sql(["?1", "?2", "?3"]))
            .bind::<Text, _>(key)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(cutoff)
            .get_result(&mut **c)?,
        DbConn::Postgres(c) => diesel::sql_query(sql(["$1", "$2", "$3"]))
            .bind::<Text, _>(key)
            .bind::<BigInt, _>(now)
            .bind::<BigInt, _>(cutoff)
            .get_result(&mut ***c)?,
    };
    Ok(row.hits)
}

/// The count inside the current window without adding a hit.
pub fn peek(
    conn: &mut DbConn,
    key: &str,
    now: i64,
    window_ms: i64,
    mode: Window,
) -> QueryResult<i64> {
    let row: Option<(i64, i64, i64)> = at_most_one(db_run!(conn: {
        throttles::table
            .find(key)
            .select((throttles::hits, throttles::window_start, throttles::last_hit))
            .load(conn)
    }))?;
    Ok(match row {
        None => 0,
        Some((hits, start, last)) => {
            let reference = match mode {
                Window::Sliding => last,
                Window::Fixed => start,
            };
            if reference <= now - window_ms {
                0
            } else {
                hits
            }
        }
    })
}

pub fn reset(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    db_run!(conn: {
        diesel::delete(throttles::table.find(key)).execute(conn).map(|_| ())
    })
}

/// Deletes counters idle since before `before`.
pub fn purge_idle(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::delete(throttles::table.filter(throttles::last_hit.lt(before))).execute(conn)
    })
}
