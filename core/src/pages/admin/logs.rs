//! `/admin/logs` (the login log, spec §12.4, with filters) and `/admin/logs/audit` (what
//! administrators changed). Both read only: neither log can be edited from the console.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::db::models::audit;
use crate::db::models::logs::{self, LogFilter};
use crate::host::Host;
use crate::pages::admin::user::AuditLine;
use crate::pages::admin::users::when;
use crate::pages::admin::{LOG_READ, day_ms, one_page};
use crate::pages::{Page, PageCtx, query, urlencode};

const PAGE_SIZE: i64 = 50;
/// The types uni-id writes (spec §12.4).
const TYPES: [&str; 4] = ["login", "logout", "register", "reset-pwd"];

pub struct LogLine {
    pub when: String,
    pub type_: String,
    pub ok: bool,
    pub user: String,
    pub ip: String,
    pub app: String,
    pub device: String,
}

#[derive(Template)]
#[template(path = "admin/logs.html")]
struct LogsBody<'a> {
    ctx: &'a PageCtx,
    user: String,
    ip: String,
    /// (value, selected)
    types: Vec<(&'static str, bool)>,
    state: String,
    from: String,
    until: String,
    rows: Vec<LogLine>,
    next: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditBody<'a> {
    ctx: &'a PageCtx,
    who: String,
    rows: Vec<AuditLine>,
    targets: Vec<String>,
    next: Option<String>,
}

/// `GET /admin/logs?user=&ip=&type=&state=&from=&until=&before=`.
pub async fn login_log(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = match Page::load(&host, &req).await.console(&req, LOG_READ) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let q = query(&req);
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let (user, ip, type_, state, from, until) = (
        get("user"),
        get("ip"),
        get("type"),
        get("state"),
        get("from"),
        get("until"),
    );
    let mut error = None;
    let mut day = |s: &str| -> Option<i64> {
        if s.is_empty() {
            return None;
        }
        let ms = day_ms(s);
        if ms.is_none() {
            error = Some(page.ctx.t("admin-logs-bad-date").to_string());
        }
        ms
    };
    let filter = LogFilter {
        user: Some(user.clone()).filter(|u| !u.is_empty()).map(|u| {
            // A mainland number as typed is stored in E.164.
            crate::accounts::phone::to_e164(&u).unwrap_or(u)
        }),
        ip: Some(ip.clone()).filter(|v| !v.is_empty()),
        type_: TYPES.iter().find(|t| **t == type_).map(|t| t.to_string()),
        state: state.parse().ok().filter(|s| *s == 0 || *s == 1),
        from: day(&from),
        until: day(&until).map(|d| d + 86_400_000),
        before: q.get("before").and_then(|b| b.parse().ok()),
    };
    let search = filter.clone();
    let found = host
        .db
        .run(move |conn| Ok(logs::search(conn, &search, PAGE_SIZE + 1)?))
        .await;
    let (rows, more) = match found {
        Ok(rows) => one_page(rows, PAGE_SIZE),
        Err(e) => return page.unavailable(&e),
    };
    let next = more.then(|| {
        let last = rows.last().map_or(0, |r| r.id);
        let mut href = format!("/admin/logs?before={last}");
        for (k, v) in [
            ("user", &user),
            ("ip", &ip),
            ("type", &type_),
            ("state", &state),
            ("from", &from),
            ("until", &until),
        ] {
            if !v.is_empty() {
                href.push_str(&format!("&{k}={}", urlencode(v)));
            }
        }
        href
    });
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show_wide(status, "admin-logs-title", |ctx| {
        LogsBody {
            ctx,
            types: TYPES.iter().map(|t| (*t, *t == type_)).collect(),
            rows: rows
                .iter()
                .map(|r| LogLine {
                    when: when(r.create_date),
                    type_: r.type_.clone(),
                    ok: r.state == 1,
                    user: r
                        .username
                        .clone()
                        .or_else(|| r.mobile.clone())
                        .or_else(|| r.email.clone())
                        .or_else(|| r.user_id.clone())
                        .unwrap_or_default(),
                    ip: r.ip.clone().unwrap_or_default(),
                    app: r.appid.clone().unwrap_or_default(),
                    device: r.device_id.clone().unwrap_or_default(),
                })
                .collect(),
            user,
            ip,
            state,
            from,
            until,
            next,
            error,
        }
        .render()
    })
}

/// `GET /admin/logs/audit?who=&before=`: every administrator change, newest first.
pub async fn audit_log(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = match Page::load(&host, &req).await.console(&req, LOG_READ) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let q = query(&req);
    let who = q
        .get("who")
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let before: Option<i64> = q.get("before").and_then(|b| b.parse().ok());
    let w = Some(who.clone()).filter(|w| !w.is_empty());
    let found = host
        .db
        .run(move |conn| Ok(audit::page(conn, w.as_deref(), before, PAGE_SIZE + 1)?))
        .await;
    let (rows, more) = match found {
        Ok(rows) => one_page(rows, PAGE_SIZE),
        Err(e) => return page.unavailable(&e),
    };
    let next = more.then(|| {
        let last = rows.last().map_or(0, |r| r.id);
        let mut href = format!("/admin/logs/audit?before={last}");
        if !who.is_empty() {
            href.push_str(&format!("&who={}", urlencode(&who)));
        }
        href
    });
    page.show_wide(StatusCode::OK, "admin-audit-title", |ctx| {
        AuditBody {
            ctx,
            targets: rows
                .iter()
                .map(|r| r.target_id.clone().unwrap_or_default())
                .collect(),
            rows: rows.iter().map(AuditLine::of).collect(),
            who,
            next,
        }
        .render()
    })
}

#[cfg(test)]
mod tests {
    use super::day_ms;

    #[test]
    fn days_are_utc_midnights() {
        assert_eq!(day_ms("1970-01-01"), Some(0));
        assert_eq!(day_ms("2026-12-03"), Some(1_796_256_000_000));
        assert_eq!(day_ms("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(day_ms("2026-13-01"), None);
        assert_eq!(day_ms("yesterday"), None);
    }
}
