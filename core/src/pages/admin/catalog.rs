//! `/admin/apps` and `/admin/tags`: naming the DCloud appids users are authorized for, and
//! uni-id-tag's tags. One page shape for both: the list, "add or rename" and delete.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::accounts::audit::{Actor, Face};
use crate::accounts::catalog::{self, Catalog};
use crate::db::models::catalog::Entry;
use crate::host::Host;
use crate::pages::admin::users::when;
use crate::pages::admin::{APP_WRITE, USER_READ, may};
use crate::pages::{Page, PageCtx, urlencode};

/// An entry as the page lists it.
pub struct Line {
    pub id: String,
    pub name: String,
    pub description: String,
    pub created: String,
    /// The users list filtered by this app or tag.
    pub users_href: String,
}

#[derive(Template)]
#[template(path = "admin/catalog.html")]
struct Body<'a> {
    ctx: &'a PageCtx,
    /// `apps` or `tags`: the path and the text ids' middle part.
    kind: &'static str,
    id_field: &'static str,
    /// The lead, "none yet" and title text ids.
    texts: (&'static str, &'static str, &'static str),
    rows: Vec<Line>,
    /// Appids in use without a name (apps only).
    unnamed: Vec<String>,
    can_write: bool,
    error: Option<String>,
}

/// The path part, the id field and the lead, "none yet" and title text ids.
type Kind = (
    &'static str,
    &'static str,
    (&'static str, &'static str, &'static str),
);

fn kind_of(catalog: Catalog) -> Kind {
    match catalog {
        Catalog::Apps => (
            "apps",
            "appid",
            ("admin-apps-lead", "admin-apps-none", "admin-apps-title"),
        ),
        Catalog::Tags => (
            "tags",
            "tagid",
            ("admin-tags-lead", "admin-tags-none", "admin-tags-title"),
        ),
    }
}

async fn show(page: Page, catalog: Catalog, error: Option<String>) -> HttpResponse {
    let caller = page.caller();
    let entries = catalog::all(&caller, catalog).await;
    let unnamed = match catalog {
        Catalog::Apps => catalog::unnamed_apps(&caller).await,
        Catalog::Tags => Ok(Vec::new()),
    };
    let (entries, unnamed): (Vec<Entry>, Vec<String>) = match (entries, unnamed) {
        (Ok(e), Ok(u)) => (e, u),
        (Err(e), _) | (_, Err(e)) => return page.unavailable(&e),
    };
    let can_write = may(&page, APP_WRITE);
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (kind, id_field, texts) = kind_of(catalog);
    page.show_wide(status, texts.2, |ctx| {
        Body {
            ctx,
            kind,
            id_field,
            texts,
            rows: entries
                .into_iter()
                .map(|e| Line {
                    users_href: format!("/admin/users?{}={}", &kind[..3], urlencode(&e.id)),
                    id: e.id,
                    name: e.name,
                    description: e.description.unwrap_or_default(),
                    created: when(e.create_date),
                })
                .collect(),
            unnamed,
            can_write,
            error,
        }
        .render()
    })
}

async fn list(host: &Host, req: &HttpRequest, catalog: Catalog) -> HttpResponse {
    match Page::load(host, req).await.console(req, USER_READ) {
        Ok(page) => show(page, catalog, None).await,
        Err(refused) => refused,
    }
}

/// `POST`: add or rename (`<id field>`, `name`, `description`), or with `do=delete`, delete.
async fn change(
    host: &Host,
    req: &HttpRequest,
    body: web::Payload,
    catalog: Catalog,
) -> HttpResponse {
    let mut page = match Page::load(host, req).await.console(req, APP_WRITE) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let form: HashMap<String, String> = match page.form(req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let field = |k: &str| form.get(k).map(|v| v.trim()).unwrap_or_default();
    let (kind, id_field, _) = kind_of(catalog);
    let caller = page.caller();
    let actor = Actor::of(&caller, Face::Console);
    let done = if field("do") == "delete" {
        catalog::delete(&caller, &actor, catalog, field(id_field)).await
    } else {
        let (id, name, description) = (field(id_field), field("name"), field("description"));
        catalog::save(&caller, &actor, catalog, id, name, description).await
    };
    match done {
        Ok(()) => {
            page.flash("pages-flash-saved");
            page.redirect(&format!("/admin/{kind}"))
        }
        Err(e) => {
            let text = page.error_text(&e);
            show(page, catalog, Some(text)).await
        }
    }
}

/// `GET /admin/apps`.
pub async fn apps(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    list(&host, &req, Catalog::Apps).await
}

/// `POST /admin/apps`.
pub async fn change_app(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    change(&host, &req, body, Catalog::Apps).await
}

/// `GET /admin/tags`.
pub async fn tags(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    list(&host, &req, Catalog::Tags).await
}

/// `POST /admin/tags`.
pub async fn change_tag(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    change(&host, &req, body, Catalog::Tags).await
}
