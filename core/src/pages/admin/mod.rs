//! The administrators' console (issue 9): server-rendered pages on the same framework, session
//! and CSRF protection as the end-user pages, over the same account rules as the admin API
//! (`accounts::users_admin`, `accounts::apps`), every change recorded in the audit log.
//!
//! Access: a signed-out visitor is sent to sign in and comes back; a signed-in user needs role
//! `admin`, or a role whose permissions include the page's (`user.read` / `role.read` to look,
//! `user.write` / `role.write` / `app.write` to change; seeded by the migrations), else a 403 page. Every
//! change is a POST.

mod catalog;
mod dashboard;
mod linked;
mod logs;
mod roles;
mod user;
mod users;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::pages::Page;

/// Looking at accounts.
pub const USER_READ: &str = "user.read";
/// Changing accounts.
pub const USER_WRITE: &str = "user.write";
/// Looking at roles and permissions.
pub const ROLE_READ: &str = "role.read";
/// Changing roles and permissions.
pub const ROLE_WRITE: &str = "role.write";
/// Naming apps and defining tags.
pub const APP_WRITE: &str = "app.write";
/// Reading the login log and the audit log.
pub const LOG_READ: &str = "log.read";

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin", web::get().to(dashboard::show))
        .route("/admin/users", web::get().to(users::list))
        .route("/admin/users.csv", web::get().to(users::export))
        .service(
            web::resource("/admin/users/new")
                .route(web::get().to(user::new_form))
                .route(web::post().to(user::create)),
        )
        .service(
            web::resource("/admin/users/{uid}")
                .route(web::get().to(user::show))
                .route(web::post().to(user::save)),
        )
        .route(
            "/admin/users/{uid}/sessions",
            web::post().to(user::end_sessions),
        )
        .route("/admin/users/{uid}/unbind", web::post().to(linked::unbind))
        .service(
            web::resource("/admin/roles")
                .route(web::get().to(roles::list))
                .route(web::post().to(roles::create)),
        )
        .route("/admin/roles/{id}", web::post().to(roles::change))
        .service(
            web::resource("/admin/apps")
                .route(web::get().to(catalog::apps))
                .route(web::post().to(catalog::change_app)),
        )
        .service(
            web::resource("/admin/tags")
                .route(web::get().to(catalog::tags))
                .route(web::post().to(catalog::change_tag)),
        )
        .route("/admin/logs", web::get().to(logs::login_log))
        .route("/admin/logs/audit", web::get().to(logs::audit_log))
        .service(
            web::resource("/admin/permissions")
                .route(web::get().to(roles::permissions))
                .route(web::post().to(roles::change_permission)),
        );
}

impl Page {
    /// The page, when the visitor may use `permission` in the console; else the sign-in page
    /// (coming back here) or a 403 page.
    #[expect(
        clippy::result_large_err,
        reason = "the answer is built once per request and sent at once"
    )]
    pub fn console(self, req: &HttpRequest, permission: &str) -> Result<Page, HttpResponse> {
        let page = self.signed_in_or_login(req)?;
        if may(&page, permission) {
            Ok(page)
        } else {
            Err(page.error_page(StatusCode::FORBIDDEN, "admin-forbidden"))
        }
    }
}

/// A keyset page out of `rows`, fetched one longer than `size`: the page, and whether more
/// rows follow.
fn one_page<T>(mut rows: Vec<T>, size: i64) -> (Vec<T>, bool) {
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let more = rows.len() > size;
    rows.truncate(size);
    (rows, more)
}

/// `2026-12-03` as epoch ms at 00:00 UTC.
pub(super) fn day_ms(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400_000)
}

/// Whether the signed-in visitor holds `permission` (administrators hold every one).
fn may(page: &Page, permission: &str) -> bool {
    page.auth()
        .is_some_and(|a| a.is_admin() || a.permission.iter().any(|p| p == permission))
}
