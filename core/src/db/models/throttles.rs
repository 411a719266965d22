//! `throttles`: counters shared by every instance, updated in one atomic statement.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::schema::throttles;
use crate::db::{DbConn, numbered_sql};
use crate::db_run;

/// How a counter's window moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// uni-id's rule (spec §7): the count restarts once `window` has passed since the last hit.
    Sliding,
    /// The count restarts once `window` has passed since the first hit of the window.
    Fixed,
}

/// One counter and the window it is judged in.
#[derive(Debug, Clone, Copy)]
pub struct Counter<'a> {
    pub key: &'a str,
    pub window_ms: i64,
    pub mode: Window,
}

impl Counter<'_> {
    fn reference_column(&self) -> &'static str {
        match self.mode {
            Window::Sliding => "last_hit",
            Window::Fixed => "window_start",
        }
    }
}

#[derive(QueryableByName)]
struct Hits {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    hits: i64,
}

/// Adds one hit to each counter and returns each count inside its current window (in the order
/// given), atomically and in one round trip: a single multi-row
/// `INSERT … ON CONFLICT DO UPDATE … RETURNING` reads and writes every counter. Keys must be
/// distinct.
pub fn hit_all(conn: &mut DbConn, counters: &[Counter], now: i64) -> QueryResult<Vec<i64>> {
    if counters.is_empty() {
        return Ok(Vec::new());
    }
    debug_assert!(
        counters
            .iter()
            .enumerate()
            .all(|(i, c)| counters[..i].iter().all(|d| d.key != c.key)),
        "PostgreSQL refuses to upsert one key twice in a statement"
    );
    // $1 is now; counter i has its key at $(2i+2) and its window's cutoff at $(2i+3).
    let mut values = Vec::with_capacity(counters.len());
    let mut expired = String::from("CASE excluded.key");
    for (i, c) in counters.iter().enumerate() {
        let (k, cut) = (2 * i + 2, 2 * i + 3);
        values.push(format!("(${k}, 1, $1, $1)"));
        expired.push_str(&format!(
            " WHEN ${k} THEN throttles.{} <= ${cut}",
            c.reference_column()
        ));
    }
    expired.push_str(" END");
    let sql = numbered_sql(
        conn,
        &format!(
            "INSERT INTO throttles (key, hits, window_start, last_hit) VALUES {values} \
             ON CONFLICT (key) DO UPDATE SET \
               hits = CASE WHEN {expired} THEN 1 ELSE throttles.hits + 1 END, \
               window_start = CASE WHEN {expired} THEN $1 ELSE throttles.window_start END, \
               last_hit = $1 \
             RETURNING key, hits",
            values = values.join(", "),
        ),
    );
    let rows: Vec<Hits> = db_run!(conn: {
        let mut query = diesel::sql_query(sql).into_boxed().bind::<BigInt, _>(now);
        for c in counters {
            query = query.bind::<Text, _>(c.key).bind::<BigInt, _>(now - c.window_ms);
        }
        query.load(conn)
    })?;
    counters
        .iter()
        .map(|c| {
            rows.iter()
                .find(|r| r.key == c.key)
                .map(|r| r.hits)
                .ok_or(diesel::result::Error::NotFound)
        })
        .collect()
}

/// Takes back one hit from each of `keys`, for attempts refused by an earlier limit that
/// should not count against the later ones.
pub fn unhit(conn: &mut DbConn, keys: &[&str]) -> QueryResult<usize> {
    if keys.is_empty() {
        return Ok(0);
    }
    db_run!(conn: {
        diesel::update(throttles::table.filter(throttles::key.eq_any(keys)).filter(throttles::hits.gt(0)))
            .set(throttles::hits.eq(throttles::hits - 1))
            .execute(conn)
    })
}

/// Each counter's count inside its current window without adding a hit, in one query.
pub fn peek_all(conn: &mut DbConn, counters: &[Counter], now: i64) -> QueryResult<Vec<i64>> {
    let keys: Vec<&str> = counters.iter().map(|c| c.key).collect();
    let rows: Vec<(String, i64, i64, i64)> = db_run!(conn: {
        throttles::table
            .filter(throttles::key.eq_any(&keys))
            .select((throttles::key, throttles::hits, throttles::window_start, throttles::last_hit))
            .load(conn)
    })?;
    Ok(counters
        .iter()
        .map(|c| {
            let Some((_, hits, start, last)) = rows.iter().find(|r| r.0 == c.key) else {
                return 0;
            };
            let reference = match c.mode {
                Window::Sliding => *last,
                Window::Fixed => *start,
            };
            if reference <= now - c.window_ms {
                0
            } else {
                *hits
            }
        })
        .collect())
}

pub fn reset_all(conn: &mut DbConn, keys: &[&str]) -> QueryResult<()> {
    db_run!(conn: {
        diesel::delete(throttles::table.filter(throttles::key.eq_any(keys))).execute(conn).map(|_| ())
    })
}

/// Deletes counters idle since before `before`.
pub fn purge_idle(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::delete(throttles::table.filter(throttles::last_hit.lt(before))).execute(conn)
    })
}
