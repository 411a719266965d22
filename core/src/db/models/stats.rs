//! The console dashboard's figures: counts per UTC day and breakdowns.
//!
//! A period that is over never changes, so it is counted once, into `period_counts`, the first
//! time a dashboard needs it: whole days for the month, hours for the current day. A render
//! then reads those small rows and counts only the last hour or so from the log and users'
//! indexes (`uni_id_log_type_date`, `users_register_date`). Counting the month from the log on
//! every render cost about 90 ms at 100,000 users, and counting the current day alone grows
//! with the day's traffic (BENCHMARKS.md).

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use crate::db::{DbConn, numbered_sql};
use crate::db_run;

pub const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;

/// A period counts as over this long after its end, so that a request which stamped its log
/// row just before the end has committed it before the period is counted.
const SETTLE_MS: i64 = 10 * 60 * 1000;

/// The figures of one day, of one result, through one method and platform.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct DayCount {
    /// The UTC day's midnight, ms.
    #[diesel(sql_type = BigInt)]
    pub day: i64,
    /// Sign-ins: 1 signed in, 0 failed. Registrations: 1.
    #[diesel(sql_type = Integer)]
    pub state: i32,
    /// The method or page path; empty when not recorded (and for registrations).
    #[diesel(sql_type = Text)]
    pub method: String,
    #[diesel(sql_type = Text)]
    pub platform: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// What the dashboard charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    /// `uni_id_log` rows of type `login` that succeeded or failed.
    SignIns,
    /// Accounts by `register_date`.
    Registrations,
}

impl Series {
    fn key(self) -> &'static str {
        match self {
            Series::SignIns => "sign-in",
            Series::Registrations => "register",
        }
    }

    /// The series over `[$1, $2)` counted by periods of `$3` ms: rows of (start, state,
    /// method, platform, n).
    fn count_sql(self) -> &'static str {
        match self {
            Series::SignIns => {
                "SELECT create_date / $3 * $3 AS day, state, coalesce(method, '') AS method, \
                 coalesce(platform, '') AS platform, COUNT(*) AS n \
                 FROM uni_id_log \
                 WHERE type = 'login' AND state IN (0, 1) AND create_date >= $1 AND create_date < $2 \
                 GROUP BY 1, 2, 3, 4"
            }
            Series::Registrations => {
                "SELECT register_date / $3 * $3 AS day, 1 AS state, '' AS method, '' AS platform, \
                 COUNT(*) AS n \
                 FROM users WHERE register_date >= $1 AND register_date < $2 \
                 GROUP BY 1"
            }
        }
    }
}

/// The start of the last period of `len` that is over at `now`.
fn settled(now: i64, len: i64) -> i64 {
    (now - SETTLE_MS).div_euclid(len) * len
}

/// The series' counts for every day from `first` (a midnight, ms) to `now`.
pub fn per_day(
    conn: &mut DbConn,
    series: Series,
    first: i64,
    now: i64,
) -> QueryResult<Vec<DayCount>> {
    let days_end = settled(now, DAY_MS).max(first);
    let hours_end = settled(now, HOUR_MS).max(days_end);
    let mut rows = counted(conn, series, DAY_MS, first, days_end)?;
    rows.extend(counted(conn, series, HOUR_MS, days_end, hours_end)?);
    rows.extend(count(conn, series, DAY_MS, hours_end, i64::MAX)?);
    // Hours and live rows are counted by their day: one row per day and key.
    for r in &mut rows {
        r.day = r.day.div_euclid(DAY_MS) * DAY_MS;
    }
    Ok(rows)
}

/// Counts from the tables, by periods of `len`.
fn count(
    conn: &mut DbConn,
    series: Series,
    len: i64,
    from: i64,
    until: i64,
) -> QueryResult<Vec<DayCount>> {
    let sql = numbered_sql(conn, series.count_sql());
    db_run!(conn: {
        diesel::sql_query(&sql)
            .bind::<BigInt, _>(from)
            .bind::<BigInt, _>(until)
            .bind::<BigInt, _>(len)
            .load(conn)
    })
}

/// The counts of the periods of `len` in `[from, until)` (all over), from `period_counts`,
/// counting first the ones not counted yet.
fn counted(
    conn: &mut DbConn,
    series: Series,
    len: i64,
    from: i64,
    until: i64,
) -> QueryResult<Vec<DayCount>> {
    if from >= until {
        return Ok(Vec::new());
    }
    count_missing(conn, series, len, from, until)?;
    let sql = numbered_sql(
        conn,
        "SELECT start AS day, state, method, platform, n FROM period_counts \
         WHERE series = $1 AND period = $2 AND start >= $3 AND start < $4",
    );
    db_run!(conn: {
        diesel::sql_query(&sql)
            .bind::<Text, _>(series.key())
            .bind::<BigInt, _>(len)
            .bind::<BigInt, _>(from)
            .bind::<BigInt, _>(until)
            .load(conn)
    })
}

/// Counts into `period_counts` the periods of `len` in `[from, until)` not counted yet. Two
/// instances doing it at once write the same numbers; the second's rows are ignored. Counting
/// days drops the hours of those days, which nothing reads any more.
fn count_missing(
    conn: &mut DbConn,
    series: Series,
    len: i64,
    from: i64,
    until: i64,
) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Counted {
        #[diesel(sql_type = BigInt)]
        start: i64,
    }
    let sql = numbered_sql(
        conn,
        "SELECT start FROM period_counted \
         WHERE series = $1 AND period = $2 AND start >= $3 AND start < $4",
    );
    let counted: Vec<Counted> = db_run!(conn: {
        diesel::sql_query(&sql)
            .bind::<Text, _>(series.key())
            .bind::<BigInt, _>(len)
            .bind::<BigInt, _>(from)
            .bind::<BigInt, _>(until)
            .load(conn)
    })?;
    let missing = missing_runs(from, until, len, counted.iter().map(|c| c.start));
    if missing.is_empty() {
        return Ok(());
    }
    let insert_counts = numbered_sql(
        conn,
        &format!(
            "INSERT INTO period_counts (series, period, start, state, method, platform, n) \
             SELECT $4, $3, day, state, method, platform, n FROM ({}) AS c WHERE true \
             ON CONFLICT DO NOTHING",
            series.count_sql()
        ),
    );
    let insert_counted = numbered_sql(
        conn,
        "INSERT INTO period_counted (series, period, start) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    );
    conn.write_tx(|conn| {
        for (run_from, run_until) in missing {
            db_run!(conn: {
                diesel::sql_query(&insert_counts)
                    .bind::<BigInt, _>(run_from)
                    .bind::<BigInt, _>(run_until)
                    .bind::<BigInt, _>(len)
                    .bind::<Text, _>(series.key())
                    .execute(conn)
            })?;
            let mut start = run_from;
            while start < run_until {
                db_run!(conn: {
                    diesel::sql_query(&insert_counted)
                        .bind::<Text, _>(series.key())
                        .bind::<BigInt, _>(len)
                        .bind::<BigInt, _>(start)
                        .execute(conn)
                })?;
                start += len;
            }
        }
        if len == DAY_MS {
            forget(conn, Some(series), HOUR_MS, until)?;
        }
        Ok(())
    })
}

/// The periods of `len` in `[from, until)` not in `counted`, as runs `[from, until)`.
fn missing_runs(
    from: i64,
    until: i64,
    len: i64,
    counted: impl Iterator<Item = i64>,
) -> Vec<(i64, i64)> {
    let counted: std::collections::BTreeSet<i64> = counted.collect();
    let mut runs: Vec<(i64, i64)> = Vec::new();
    let mut start = from;
    while start < until {
        if !counted.contains(&start) {
            match runs.last_mut() {
                Some((_, end)) if *end == start => *end += len,
                _ => runs.push((start, start + len)),
            }
        }
        start += len;
    }
    runs
}

/// Deletes the counts of periods of `len` of `series` (every series when `None`) that start
/// before `until`.
fn forget(conn: &mut DbConn, series: Option<Series>, len: i64, until: i64) -> QueryResult<()> {
    for table in ["period_counts", "period_counted"] {
        let sql = numbered_sql(
            conn,
            &format!(
                "DELETE FROM {table} WHERE period = $1 AND start < $2 \
                 AND ($3 = '' OR series = $3)"
            ),
        );
        db_run!(conn: {
            diesel::sql_query(&sql)
                .bind::<BigInt, _>(len)
                .bind::<BigInt, _>(until)
                .bind::<Text, _>(series.map_or("", Series::key))
                .execute(conn)
        })?;
    }
    Ok(())
}

/// Forgets every counted period that ends after `since` (ms), to be counted again from the
/// tables: for a bulk write into the past (`unid admin seed`, an import).
pub fn forget_since(conn: &mut DbConn, since: i64) -> QueryResult<()> {
    conn.write_tx(|conn| {
        for table in ["period_counts", "period_counted"] {
            let sql = numbered_sql(
                conn,
                &format!("DELETE FROM {table} WHERE start + period > $1"),
            );
            db_run!(conn: { diesel::sql_query(&sql).bind::<BigInt, _>(since).execute(conn) })?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_periods_come_in_runs() {
        let d = DAY_MS;
        assert_eq!(missing_runs(0, 5 * d, d, [].into_iter()), [(0, 5 * d)]);
        assert_eq!(
            missing_runs(0, 5 * d, d, [d, 3 * d].into_iter()),
            [(0, d), (2 * d, 3 * d), (4 * d, 5 * d)]
        );
        assert_eq!(missing_runs(0, 2 * d, d, [0, d].into_iter()), []);
        assert_eq!(missing_runs(d, d, d, [].into_iter()), []);
        let h = HOUR_MS;
        assert_eq!(
            missing_runs(0, 3 * h, h, [h].into_iter()),
            [(0, h), (2 * h, 3 * h)]
        );
    }

    #[test]
    fn a_period_is_over_ten_minutes_after_its_end() {
        let midnight = 20 * DAY_MS;
        assert_eq!(settled(midnight + 9 * 60_000, DAY_MS), midnight - DAY_MS);
        assert_eq!(settled(midnight + 10 * 60_000, DAY_MS), midnight);
        assert_eq!(settled(midnight + 75 * 60_000, HOUR_MS), midnight + HOUR_MS);
    }
}
