//! `/admin/users`: search, filters, orders, keyset pages, and the CSV export of a filter.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::accounts::audit::{Actor, Face};
use crate::db::models::catalog::{self, Catalog};
use crate::db::models::roles;
use crate::db::models::user_list::{self, UserCursor, UserFilter, UserOrder};
use crate::db::models::users::UserRow;
use crate::error::ApiResult;
use crate::host::Host;
use crate::pages::admin::{USER_READ, USER_WRITE, day_ms, may, one_page};
use crate::pages::{Page, PageCtx, query, urlencode};

/// Rows per page of the list.
const PAGE_SIZE: i64 = 50;
/// uni-id's status codes (spec §12.1) and the text ids that name them.
pub(super) const STATUSES: [(i32, &str); 5] = [
    (0, "admin-status-0"),
    (1, "admin-status-1"),
    (2, "admin-status-2"),
    (3, "admin-status-3"),
    (4, "admin-status-4"),
];

/// A user as a row of the list or the head of their page.
pub struct UserLine {
    pub uid: String,
    pub username: String,
    pub nickname: String,
    pub mobile: String,
    pub email: String,
    pub status: i32,
    pub status_text: String,
    pub registered: String,
    pub last_login: String,
    pub last_login_ip: String,
}

impl UserLine {
    pub(super) fn of(ctx: &PageCtx, u: &UserRow) -> UserLine {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        UserLine {
            uid: u.id.clone(),
            username: text(&u.username),
            nickname: text(&u.nickname),
            mobile: text(&u.mobile),
            email: text(&u.email),
            status: u.status,
            status_text: status_text(ctx, u.status),
            registered: u.register_date.map(when).unwrap_or_default(),
            last_login: u.last_login_date.map(when).unwrap_or_default(),
            last_login_ip: text(&u.last_login_ip),
        }
    }
}

pub(super) fn status_text(ctx: &PageCtx, status: i32) -> String {
    STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or_else(|| status.to_string(), |(_, id)| ctx.t(id).to_string())
}

/// Milliseconds since the epoch as `2026-12-03 10:42` (UTC).
pub(super) fn when(ms: i64) -> String {
    let (y, mo, d, h, mi, _) = crate::outbound::time::utc(ms / 1000);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
}

/// The list's query string: search, filters, order and where the page starts. The same
/// string, without the start, filters the CSV export.
#[derive(Debug, Clone, Default)]
struct ListQuery {
    q: String,
    status: Option<i32>,
    role: String,
    app: String,
    tag: String,
    /// `2026-12-03`, as typed (checked by [`ListQuery::filter`]).
    from: String,
    until: String,
    order: UserOrder,
    after: Option<UserCursor>,
}

impl ListQuery {
    fn of(req: &HttpRequest) -> ListQuery {
        let params = query(req);
        let get = |k: &str| {
            params
                .get(k)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let order = match get("sort").as_str() {
            "old" => UserOrder::Oldest,
            "login" => UserOrder::LastLogin,
            _ => UserOrder::Newest,
        };
        let after = Some(get("after"))
            .filter(|a| !a.is_empty())
            .map(|id| UserCursor {
                last_login: get("after_login").parse().unwrap_or(0),
                id,
            });
        ListQuery {
            q: get("q"),
            status: get("status").parse().ok(),
            role: get("role"),
            app: get("app"),
            tag: get("tag"),
            from: get("from"),
            until: get("until"),
            order,
            after,
        }
    }

    /// The database filter, or the text id of what is wrong with the dates.
    fn filter(&self) -> Result<UserFilter, &'static str> {
        let day = |s: &str| -> Result<Option<i64>, &'static str> {
            if s.is_empty() {
                Ok(None)
            } else {
                day_ms(s).map(Some).ok_or("admin-logs-bad-date")
            }
        };
        let text = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        Ok(UserFilter {
            q: text(&self.q),
            status: self.status,
            role: text(&self.role),
            app: text(&self.app),
            tag: text(&self.tag),
            registered_from: day(&self.from)?,
            // The whole last day.
            registered_until: day(&self.until)?.map(|d| d + 86_400_000),
            order: self.order,
            after: self.after.clone(),
        })
    }

    fn sort(&self) -> &'static str {
        match self.order {
            UserOrder::Newest => "new",
            UserOrder::Oldest => "old",
            UserOrder::LastLogin => "login",
        }
    }

    /// `path?…` with this search, filters and order (not the start).
    fn href(&self, path: &str) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("role", &self.role),
            ("app", &self.app),
            ("tag", &self.tag),
            ("from", &self.from),
            ("until", &self.until),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        if let Some(s) = self.status {
            parts.push(format!("status={s}"));
        }
        if self.order != UserOrder::Newest {
            parts.push(format!("sort={}", self.sort()));
        }
        if parts.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", parts.join("&"))
        }
    }

    /// The next page after `last`.
    fn next_href(&self, last: &UserRow) -> String {
        let base = self.href("/admin/users");
        let sep = if base.contains('?') { '&' } else { '?' };
        let mut href = format!("{base}{sep}after={}", urlencode(&last.id));
        if self.order == UserOrder::LastLogin {
            href.push_str(&format!(
                "&after_login={}",
                last.last_login_date.unwrap_or(0)
            ));
        }
        href
    }
}

/// A filter's `<select>`: its field name, label text id and options.
pub struct Menu {
    pub name: &'static str,
    pub label: &'static str,
    pub choices: Vec<Choice>,
}

/// One `<option>`: value, text, selected.
pub struct Choice {
    pub value: String,
    pub text: String,
    pub selected: bool,
}

impl Choice {
    fn list(options: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Choice> {
        options
            .into_iter()
            .map(|(value, text)| Choice {
                selected: value == current,
                value,
                text,
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct ListBody<'a> {
    ctx: &'a PageCtx,
    q: String,
    from: String,
    until: String,
    /// Status, role, app and tag.
    menus: Vec<Menu>,
    sorts: Vec<Choice>,
    rows: Vec<UserLine>,
    next: Option<String>,
    first_page: Option<String>,
    /// How many users match, when the whole result is this page.
    total: Option<usize>,
    /// The CSV of this filter.
    export_href: String,
    can_write: bool,
    error: Option<String>,
}

/// What the list's filter menus offer.
struct Menus {
    roles: Vec<(String, String)>,
    apps: Vec<(String, String)>,
    tags: Vec<(String, String)>,
}

fn menus(conn: &mut crate::db::DbConn) -> ApiResult<Menus> {
    let named = |entries: Vec<catalog::Entry>| {
        entries
            .into_iter()
            .map(|e| (e.id.clone(), format!("{} ({})", e.name, e.id)))
            .collect()
    };
    Ok(Menus {
        roles: roles::all_roles(conn)?
            .into_iter()
            .map(|r| (r.role_id, r.role_name))
            .collect(),
        apps: named(catalog::all(conn, Catalog::Apps)?),
        tags: named(catalog::all(conn, Catalog::Tags)?),
    })
}

/// `GET /admin/users?q=&status=&role=&app=&tag=&from=&until=&sort=&after=`.
pub async fn list(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = match Page::load(&host, &req).await.console(&req, USER_READ) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let list = ListQuery::of(&req);
    let (filter, error) = match list.filter() {
        Ok(f) => (Some(f), None),
        Err(id) => (None, Some(page.ctx.t(id).to_string())),
    };
    let stats = host.db.search_stats();
    let found = host
        .db
        .run(move |conn| {
            let rows = match &filter {
                Some(f) => user_list::search(conn, &stats, f, PAGE_SIZE + 1)?,
                None => Vec::new(),
            };
            Ok((rows, menus(conn)?))
        })
        .await;
    let ((found, more), menus) = match found {
        Ok((rows, menus)) => (one_page(rows, PAGE_SIZE), menus),
        Err(e) => return page.unavailable(&e),
    };
    let first_page = list.after.is_some().then(|| list.href("/admin/users"));
    let next = more
        .then(|| found.last().map(|last| list.next_href(last)))
        .flatten();
    let total = (!more && list.after.is_none()).then_some(found.len());
    let can_write = may(&page, USER_WRITE);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show_wide(status, "admin-users-title", |ctx| {
        let any = || (String::new(), ctx.t("admin-status-any").to_string());
        ListBody {
            export_href: list.href("/admin/users.csv"),
            ctx,
            rows: found.iter().map(|u| UserLine::of(ctx, u)).collect(),
            menus: vec![
                Menu {
                    name: "status",
                    label: "admin-status",
                    choices: Choice::list(
                        std::iter::once(any()).chain(
                            STATUSES
                                .iter()
                                .map(|(s, id)| (s.to_string(), ctx.t(id).to_string())),
                        ),
                        &list.status.map(|s| s.to_string()).unwrap_or_default(),
                    ),
                },
                Menu {
                    name: "role",
                    label: "admin-roles",
                    choices: Choice::list(
                        std::iter::once(any())
                            .chain(std::iter::once((
                                "admin".to_string(),
                                ctx.t("admin-role-admin").to_string(),
                            )))
                            .chain(menus.roles.into_iter().filter(|(id, _)| id != "admin")),
                        &list.role,
                    ),
                },
                Menu {
                    name: "app",
                    label: "admin-app",
                    choices: Choice::list(std::iter::once(any()).chain(menus.apps), &list.app),
                },
                Menu {
                    name: "tag",
                    label: "admin-tag",
                    choices: Choice::list(std::iter::once(any()).chain(menus.tags), &list.tag),
                },
            ],
            sorts: Choice::list(
                [
                    ("new", "admin-sort-new"),
                    ("old", "admin-sort-old"),
                    ("login", "admin-sort-login"),
                ]
                .map(|(v, id)| (v.to_string(), ctx.t(id).to_string())),
                list.sort(),
            ),
            q: list.q.clone(),
            from: list.from.clone(),
            until: list.until.clone(),
            next,
            first_page,
            total,
            can_write,
            error,
        }
        .render()
    })
}

/// One CSV field: quoted when it must be, and a leading `=`, `+`, `-`, `@`, tab or CR made
/// inert (a spreadsheet would run it as a formula).
fn csv_field(value: &str) -> String {
    let inert = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if inert.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", inert.replace('"', "\"\""))
    } else {
        inert
    }
}

/// Rows read per database trip while exporting.
const EXPORT_BATCH: i64 = 1000;

/// `GET /admin/users.csv?…`: every user the list's search and filters match, in its order, as CSV (UTF-8 with
/// a BOM, which spreadsheet programs need to read Chinese). The export itself is audited.
pub async fn export(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = match Page::load(&host, &req).await.console(&req, USER_READ) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let list = ListQuery {
        after: None,
        ..ListQuery::of(&req)
    };
    let mut filter = match list.filter() {
        Ok(f) => f,
        Err(id) => return page.error_page(StatusCode::BAD_REQUEST, id),
    };
    let mut out = String::from(
        "\u{feff}uid,username,nickname,mobile,email,status,register_date,last_login_date\n",
    );
    let mut rows = 0usize;
    loop {
        let batch_filter = filter.clone();
        let stats = host.db.search_stats();
        let batch = host
            .db
            .run(move |conn| {
                Ok(user_list::search(
                    conn,
                    &stats,
                    &batch_filter,
                    EXPORT_BATCH,
                )?)
            })
            .await;
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                return page.unavailable(&e);
            }
        };
        for u in &batch {
            let text = |v: &Option<String>| csv_field(v.as_deref().unwrap_or_default());
            let date = |v: Option<i64>| v.map(when).unwrap_or_default();
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                csv_field(&u.id),
                text(&u.username),
                text(&u.nickname),
                text(&u.mobile),
                text(&u.email),
                u.status,
                date(u.register_date),
                date(u.last_login_date),
            ));
        }
        rows += batch.len();
        match batch.last() {
            Some(last) if batch.len() as i64 == EXPORT_BATCH => {
                filter.after = Some(UserCursor {
                    last_login: last.last_login_date.unwrap_or(0),
                    id: last.id.clone(),
                });
            }
            _ => break,
        }
    }
    let caller = page.caller();
    let actor = Actor::of(&caller, Face::Console);
    let now = caller.now();
    let changes = crate::accounts::audit::Changes::new()
        .field(
            "filter",
            serde_json::Value::Null,
            list.href("/admin/users.csv"),
        )
        .field("rows", serde_json::Value::Null, rows);
    let recorded = host
        .db
        .run(move |conn| {
            crate::accounts::audit::record(conn, &actor, now, "users.export", None, &changes)?;
            Ok(())
        })
        .await;
    if let Err(e) = recorded {
        return page.unavailable(&e);
    }
    HttpResponse::Ok()
        .insert_header(("content-type", "text/csv; charset=utf-8"))
        .insert_header(("content-disposition", "attachment; filename=\"users.csv\""))
        .insert_header(("cache-control", "no-store"))
        .body(out)
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_made_inert() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_field("+8613800138000"), "'+8613800138000");
        assert_eq!(csv_field("-1,2"), "\"'-1,2\"");
    }
}
