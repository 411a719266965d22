//! `/admin/roles` and `/admin/permissions`: what roles grant, over `accounts::roles`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::accounts::audit::{Actor, Face};
use crate::accounts::roles::{self, Permission, Role};
use crate::host::Host;
use crate::pages::admin::{ROLE_READ, ROLE_WRITE, may};
use crate::pages::{Page, PageCtx};

/// A permission as a checkbox of a role's form.
pub struct Choice {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

pub struct RoleLine {
    pub id: String,
    pub name: String,
    pub comment: String,
    pub permissions: String,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "admin/roles.html")]
struct RolesBody<'a> {
    ctx: &'a PageCtx,
    roles: Vec<RoleLine>,
    /// The new role's checkboxes.
    choices: Vec<Choice>,
    can_write: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/permissions.html")]
struct PermissionsBody<'a> {
    ctx: &'a PageCtx,
    permissions: Vec<Permission>,
    can_write: bool,
    error: Option<String>,
}

fn choices(all: &[Permission], granted: &[String]) -> Vec<Choice> {
    all.iter()
        .map(|p| Choice {
            id: p.id.clone(),
            name: p.name.clone(),
            checked: granted.contains(&p.id),
        })
        .collect()
}

async fn show_roles(page: Page, error: Option<String>) -> HttpResponse {
    let (roles, permissions) = match roles::all(&page.caller()).await {
        Ok(all) => all,
        Err(e) => {
            return page.unavailable(&e);
        }
    };
    let can_write = may(&page, ROLE_WRITE);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show_wide(status, "admin-roles-title", |ctx| {
        RolesBody {
            ctx,
            roles: roles
                .iter()
                .map(|r| RoleLine {
                    id: r.id.clone(),
                    name: r.name.clone(),
                    comment: r.comment.clone().unwrap_or_default(),
                    permissions: r.permissions.join(", "),
                    choices: choices(&permissions, &r.permissions),
                })
                .collect(),
            choices: choices(&permissions, &[]),
            can_write,
            error,
        }
        .render()
    })
}

/// `GET /admin/roles`.
pub async fn list(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match Page::load(&host, &req).await.console(&req, ROLE_READ) {
        Ok(page) => show_roles(page, None).await,
        Err(refused) => refused,
    }
}

/// A role form: `role_id`, `role_name`, `comment`, one `permission.<id>` box per permission,
/// and `do` (`create`, `save` or `delete`).
fn role_of(form: &HashMap<String, String>, id: String) -> Role {
    let field = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    Role {
        id,
        name: field("role_name"),
        comment: Some(field("comment")),
        permissions: form
            .keys()
            .filter_map(|k| k.strip_prefix("permission."))
            .map(str::to_string)
            .collect(),
    }
}

/// `POST /admin/roles`: a new role.
pub async fn create(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.console(&req, ROLE_WRITE) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let form: HashMap<String, String> = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let id = form
        .get("role_id")
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let caller = page.caller();
    let actor = Actor::of(&caller, Face::Console);
    match roles::save(&caller, &actor, role_of(&form, id), true).await {
        Ok(()) => {
            page.flash("pages-flash-saved");
            page.redirect("/admin/roles")
        }
        Err(e) => {
            let text = page.error_text(&e);
            show_roles(page, Some(text)).await
        }
    }
}

/// `POST /admin/roles/{id}`: save (`do=save`) or delete (`do=delete`) a role.
pub async fn change(
    host: web::ThinData<Host>,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.console(&req, ROLE_WRITE) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let form: HashMap<String, String> = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let caller = page.caller();
    let actor = Actor::of(&caller, Face::Console);
    let id = id.into_inner();
    let done = if form.get("do").map(String::as_str) == Some("delete") {
        roles::delete(&caller, &actor, &id).await
    } else {
        roles::save(&caller, &actor, role_of(&form, id), false).await
    };
    match done {
        Ok(()) => {
            page.flash("pages-flash-saved");
            page.redirect("/admin/roles")
        }
        Err(e) => {
            let text = page.error_text(&e);
            show_roles(page, Some(text)).await
        }
    }
}

async fn show_permissions(page: Page, error: Option<String>) -> HttpResponse {
    let permissions = match roles::all(&page.caller()).await {
        Ok((_, p)) => p,
        Err(e) => {
            return page.unavailable(&e);
        }
    };
    let can_write = may(&page, ROLE_WRITE);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show_wide(status, "admin-permissions-title", |ctx| {
        PermissionsBody {
            ctx,
            permissions,
            can_write,
            error,
        }
        .render()
    })
}

/// `GET /admin/permissions`.
pub async fn permissions(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match Page::load(&host, &req).await.console(&req, ROLE_READ) {
        Ok(page) => show_permissions(page, None).await,
        Err(refused) => refused,
    }
}

/// `POST /admin/permissions`: a new permission (`permission_id`, `permission_name`, `comment`),
/// or, with `do=delete`, deleting `permission_id`.
pub async fn change_permission(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.console(&req, ROLE_WRITE) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let form: HashMap<String, String> = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let field = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let caller = page.caller();
    let actor = Actor::of(&caller, Face::Console);
    let done = if field("do") == "delete" {
        roles::delete_permission(&caller, &actor, &field("permission_id")).await
    } else {
        let p = Permission {
            id: field("permission_id"),
            name: field("permission_name"),
            comment: Some(field("comment")),
        };
        roles::add_permission(&caller, &actor, p).await
    };
    match done {
        Ok(()) => {
            page.flash("pages-flash-saved");
            page.redirect("/admin/permissions")
        }
        Err(e) => {
            let text = page.error_text(&e);
            show_permissions(page, Some(text)).await
        }
    }
}
