//! `/admin`: how many users there are, and what happened over the last 30 days — new users,
//! sign-ins and failed sign-ins per day as bar charts drawn here as SVG (no script, nothing
//! fetched), each with its numbers in a table for screen readers, and sign-ins by method and
//! platform.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::db::models::stats::{self, DAY_MS, DayCount, Series as Counted};
use crate::db::models::users;
use crate::host::Host;
use crate::pages::admin::USER_READ;
use crate::pages::{Page, PageCtx};

/// Days the charts cover, today (UTC) included.
const DAYS: i64 = 30;

/// One series: a count per day, oldest first, every day present.
pub struct Series {
    /// Text id of the chart's title.
    pub title: &'static str,
    /// CSS class of its bars.
    pub class: &'static str,
    /// (`2026-12-03`, count).
    pub days: Vec<(String, i64)>,
    pub total: i64,
    /// The chart, an inline SVG (numbers and dates only: nothing to escape).
    pub svg: String,
}

/// A breakdown row: what, how many, and its share in percent.
pub struct Share {
    pub key: String,
    pub n: i64,
    pub percent: i64,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct Body<'a> {
    ctx: &'a PageCtx,
    users: i64,
    /// `users` is PostgreSQL's estimate, not a count.
    users_estimated: bool,
    charts: Vec<Series>,
    by_method: Vec<Share>,
    by_platform: Vec<Share>,
}

fn day_text(ms: i64) -> String {
    let (y, m, d, ..) = crate::outbound::time::utc(ms / 1000);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Every day from `first` (a midnight, ms) on, with the counts found (missing days are 0).
fn fill(first: i64, found: &[(i64, i64)]) -> Vec<(String, i64)> {
    (0..DAYS)
        .map(|i| {
            let day = first + i * DAY_MS;
            let n = found
                .iter()
                .filter(|(d, _)| *d == day)
                .map(|(_, n)| n)
                .sum();
            (day_text(day), n)
        })
        .collect()
}

/// The smallest "round" number (1, 2 or 5 times a power of ten) at or above `n`, for the
/// y axis's top.
fn ceiling(n: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step >= n {
                return m * step;
            }
        }
        step *= 10;
    }
}

/// A bar chart of `days`: the y axis from 0 to a round top, dates under the first, middle and
/// last bars, each bar titled with its day and count (shown on hover).
fn bar_chart(days: &[(String, i64)], class: &str) -> String {
    const W: usize = 640;
    const H: usize = 190;
    const LEFT: usize = 44;
    const BOTTOM: usize = 24;
    const TOP: usize = 10;
    let top = ceiling(days.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1));
    let plot_h = (H - BOTTOM - TOP) as f64;
    let slot = (W - LEFT) as f64 / days.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg class="chart {class}" viewBox="0 0 {W} {H}" aria-hidden="true" focusable="false">"#
    );
    let base = H - BOTTOM;
    // The middle line at a whole number (2 of 5), where it truly is; none when the top is 1.
    let mid = top / 2;
    let lines = [(0, base as f64), (top, TOP as f64)]
        .into_iter()
        .chain((mid > 0).then(|| (mid, base as f64 - plot_h * mid as f64 / top as f64)));
    for (value, y) in lines {
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{W}" y1="{y:.1}" y2="{y:.1}"/><text class="axis" x="{x}" y="{ty:.1}" text-anchor="end">{value}</text>"#,
            x = LEFT - 6,
            ty = y + 4.0,
        );
    }
    for (i, (day, n)) in days.iter().enumerate() {
        let h = plot_h * (*n as f64) / (top as f64);
        let x = LEFT as f64 + slot * i as f64 + slot * 0.15;
        let _ = write!(
            svg,
            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}"><title>{day}: {n}</title></rect>"#,
            y = base as f64 - h,
            w = slot * 0.7,
        );
        // The first and last labels hang inward, so that neither is cut at the chart's edge.
        let anchor = if i == 0 {
            Some(("start", x))
        } else if i + 1 == days.len() {
            Some(("end", x + slot * 0.7))
        } else if i == days.len() / 2 {
            Some(("middle", x + slot * 0.35))
        } else {
            None
        };
        if let Some((anchor, at)) = anchor {
            let _ = write!(
                svg,
                r#"<text class="axis" x="{at:.1}" y="{ty}" text-anchor="{anchor}">{label}</text>"#,
                ty = H - 6,
                label = day.get(5..).unwrap_or(day),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

fn series(title: &'static str, class: &'static str, first: i64, found: &[(i64, i64)]) -> Series {
    let days = fill(first, found);
    Series {
        title,
        class,
        total: days.iter().map(|(_, n)| n).sum(),
        svg: bar_chart(&days, class),
        days,
    }
}

fn shares(rows: Vec<(String, i64)>) -> Vec<Share> {
    let all: i64 = rows.iter().map(|(_, n)| n).sum::<i64>().max(1);
    rows.into_iter()
        .map(|(key, n)| Share {
            percent: (n * 100 + all / 2) / all,
            key,
            n,
        })
        .collect()
}

/// Per-day totals of one result (1 signed in, 0 failed).
fn per_day(rows: &[DayCount], state: i32) -> Vec<(i64, i64)> {
    let mut days: BTreeMap<i64, i64> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.state == state) {
        *days.entry(r.day).or_default() += r.n;
    }
    days.into_iter().collect()
}

/// Successful sign-ins by a key (method or platform), most first, at most 12.
fn top(rows: &[DayCount], key: impl Fn(&DayCount) -> &str) -> Vec<(String, i64)> {
    let mut by: HashMap<&str, i64> = HashMap::new();
    for r in rows.iter().filter(|r| r.state == 1) {
        *by.entry(key(r)).or_default() += r.n;
    }
    let mut by: Vec<(String, i64)> = by.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
    by.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    by.truncate(12);
    by
}

/// What the dashboard reads, in one trip to the database.
struct Figures {
    /// How many, and whether that is exact.
    users: (i64, bool),
    registrations: Vec<(i64, i64)>,
    sign_ins: Vec<(i64, i64)>,
    failures: Vec<(i64, i64)>,
    by_method: Vec<(String, i64)>,
    by_platform: Vec<(String, i64)>,
}

/// `GET /admin`.
pub async fn show(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = match Page::load(&host, &req).await.console(&req, USER_READ) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let now = page.caller().now();
    let first = now.div_euclid(DAY_MS) * DAY_MS - (DAYS - 1) * DAY_MS;
    let read = host
        .db
        .run(move |conn| {
            let log = stats::per_day(conn, Counted::SignIns, first, now)?;
            let registrations = stats::per_day(conn, Counted::Registrations, first, now)?;
            Ok(Figures {
                users: users::count_cheaply(conn)?,
                registrations: per_day(&registrations, 1),
                sign_ins: per_day(&log, 1),
                failures: per_day(&log, 0),
                by_method: top(&log, |r| &r.method),
                by_platform: top(&log, |r| &r.platform),
            })
        })
        .await;
    let f = match read {
        Ok(f) => f,
        Err(e) => return page.unavailable(&e),
    };
    page.show_wide(StatusCode::OK, "admin-dashboard-title", |ctx| {
        Body {
            ctx,
            users: f.users.0,
            users_estimated: !f.users.1,
            charts: vec![
                series("admin-chart-new-users", "new", first, &f.registrations),
                series("admin-chart-sign-ins", "ok", first, &f.sign_ins),
                series("admin-chart-failures", "failed", first, &f.failures),
            ],
            by_method: shares(f.by_method),
            by_platform: shares(f.by_platform),
        }
        .render()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_folds_into_days_and_breakdowns() {
        let row = |day, state, method: &str, platform: &str, n| DayCount {
            day,
            state,
            method: method.into(),
            platform: platform.into(),
            n,
        };
        let rows = [
            row(0, 1, "login", "web", 3),
            row(0, 1, "loginBySms", "app", 5),
            row(0, 0, "login", "web", 2),
            row(DAY_MS, 1, "login", "app", 4),
        ];
        assert_eq!(per_day(&rows, 1), [(0, 8), (DAY_MS, 4)]);
        assert_eq!(per_day(&rows, 0), [(0, 2)]);
        assert_eq!(
            top(&rows, |r| &r.method),
            [("login".to_string(), 7), ("loginBySms".to_string(), 5)]
        );
        assert_eq!(
            top(&rows, |r| &r.platform),
            [("app".to_string(), 9), ("web".to_string(), 3)]
        );
    }

    #[test]
    fn axis_tops_are_round() {
        assert_eq!(ceiling(1), 1);
        assert_eq!(ceiling(3), 5);
        assert_eq!(ceiling(7), 10);
        assert_eq!(ceiling(11), 20);
        assert_eq!(ceiling(5_001), 10_000);
    }

    #[test]
    fn missing_days_are_zero_and_every_day_is_there() {
        let first = 1_796_256_000_000; // 2026-12-03
        let days = fill(first, &[(first + 2 * DAY_MS, 4)]);
        assert_eq!(days.len(), 30);
        assert_eq!(days[0], ("2026-12-03".to_string(), 0));
        assert_eq!(days[2], ("2026-12-05".to_string(), 4));
        assert_eq!(days[29].0, "2027-01-01");
    }

    #[test]
    fn the_middle_line_is_labelled_where_it_is() {
        let labels = |svg: &str| svg.matches("text-anchor=\"end\">").count();
        // Top 5: lines at 0, 5 and 2; the last date label hangs from the end too.
        let svg = bar_chart(&fill(0, &[(DAY_MS, 3)]), "ok");
        assert!(svg.contains(">2</text>") && svg.contains(">5</text>"));
        assert_eq!(labels(&svg), 4);
        // Top 1: no middle line (it would read 0 twice).
        let svg = bar_chart(&fill(0, &[(DAY_MS, 1)]), "ok");
        assert_eq!(labels(&svg), 3);
    }

    #[test]
    fn a_chart_has_a_bar_per_day_titled_with_its_count() {
        let days = fill(0, &[(DAY_MS, 3)]);
        let svg = bar_chart(&days, "new");
        assert_eq!(svg.matches("<rect").count(), 30);
        assert!(svg.contains("<title>1970-01-02: 3</title>"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}
