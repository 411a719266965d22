//! The pages: uni-id-pages (spec §13) served as HTML by the host, the second face over the
//! account rules (the JSON API is the first). A page handler reads its form into a typed
//! struct whose fields carry the API's parameter names, calls the same rule the JSON method
//! calls, and renders a template or redirects. Rules, throttles and logging live below, once.
//!
//! Everything a page needs from the browser — language, device, session, CSRF — is read by
//! [`Page::load`]; everything a page sends back — security headers, cookies — by [`Page`]'s
//! answers. Pages work without JavaScript; `static/unid.js` only enhances them. Plugins add
//! their pages through [`crate::plugin::Plugin::pages`] with these same types.

mod admin;
pub mod assets;
pub mod code_flow;
pub mod flow;
mod legacy;
mod login;
pub mod method;
mod page;
pub mod partials;
pub mod provider;
mod register;
pub mod session;
pub mod site;
mod userinfo;
pub mod view;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

pub use login::needs_captcha;
pub use method::LoginMethod;
pub use page::{Page, PageCtx, Refused, page_headers, query, urlencode};
pub use register::password_hint;
pub use site::Links;
pub use view::UserView;

use crate::host::Host;

/// Pages a plugin offers that the host's pages (and other plugins' pages) link to.
#[derive(Debug, Clone, Copy, Default)]
pub struct SiteLinks {
    /// A way to reset a forgotten password (uni-id-pages' retrieve pages).
    pub retrieve: Option<PageLink>,
    /// Where a user without a password sets one (`setPasswordAfterLogin`).
    pub set_password: Option<&'static str>,
    /// Another way to register.
    pub register: Option<PageLink>,
}

/// A link to a page: its path and the Fluent id of the link text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLink {
    pub path: &'static str,
    pub label: &'static str,
}

/// A row a plugin adds to `/userinfo`, or an action it attaches to one of the host's rows
/// (`mobile`, `email`, `password`) when `id` names it.
#[derive(Debug, Clone)]
pub struct ProfileItem {
    pub id: &'static str,
    pub label: String,
    pub value: Option<String>,
    pub action: Option<ProfileAction>,
}

/// An action on a `/userinfo` row ("bind", "change", "unbind"…): a link, or with `post` a
/// button posting the row's form (with the form token) to `href`.
#[derive(Debug, Clone)]
pub struct ProfileAction {
    pub href: String,
    pub label: String,
    pub post: bool,
}

/// The host's page routes; plugins add theirs beside them.
pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/static/{path:.*}", web::get().to(assets::serve))
        .route("/login", web::get().to(login::choose))
        .service(
            web::resource("/login/password")
                .route(web::get().to(login::password_page))
                .route(web::post().to(login::password_submit)),
        )
        .service(
            web::resource("/register")
                .route(web::get().to(register::page))
                .route(web::post().to(register::submit)),
        )
        .service(
            web::resource("/register/admin")
                .route(web::get().to(register::admin_page))
                .route(web::post().to(register::admin_submit)),
        )
        .route("/userinfo", web::get().to(userinfo::page))
        .route("/userinfo/nickname", web::post().to(userinfo::nickname))
        .route("/userinfo/avatar", web::post().to(userinfo::avatar))
        .route("/avatars/{name}", web::get().to(crate::avatars::serve))
        .service(
            web::resource("/userinfo/change-pwd")
                .route(web::get().to(userinfo::change_pwd_page))
                .route(web::post().to(userinfo::change_pwd_submit)),
        )
        .service(
            web::resource("/userinfo/deactivate")
                .route(web::get().to(userinfo::deactivate_page))
                .route(web::post().to(userinfo::deactivate_submit)),
        )
        .service(
            web::resource("/logout")
                .route(web::post().to(userinfo::logout))
                .route(web::to(method_not_allowed)),
        )
        .route("/pages/captcha", web::post().to(captcha_refresh));
    legacy::config(cfg);
    admin::config(cfg);
}

/// `/`: the profile when signed in, else the sign-in page.
async fn home(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    let to = if page.auth().is_some() {
        "/userinfo"
    } else {
        "/login"
    };
    page.redirect(to)
}

async fn method_not_allowed(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    Page::load(&host, &req)
        .await
        .error_page(StatusCode::METHOD_NOT_ALLOWED, "pages-error-method")
}

/// The answer for a path no face serves, for a browser.
pub async fn not_found(host: &Host, req: &HttpRequest) -> HttpResponse {
    Page::load(host, req)
        .await
        .error_page(StatusCode::NOT_FOUND, "pages-error-not-found")
}

#[derive(serde::Deserialize)]
struct CaptchaRefresh {
    scene: String,
}

/// `POST /pages/captcha` (`scene`, `csrf`): a new image for the visitor's device, as the
/// `data:` URI text; the enhancement script swaps it in without reloading the form.
async fn captcha_refresh(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let form: CaptchaRefresh = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let caller = page.caller();
    let device = caller.client.device_id.clone().unwrap_or_default();
    match crate::captcha::issue_image(&host, device, form.scene, caller.client.client_ip, true)
        .await
    {
        Ok(image) => {
            let mut r = HttpResponse::Ok();
            r.content_type("text/plain; charset=utf-8");
            page_headers(&mut r, &host);
            r.body(image)
        }
        Err(e) => {
            let text = page.error_text(&e);
            let mut r = HttpResponse::UnprocessableEntity();
            r.content_type("text/plain; charset=utf-8");
            page_headers(&mut r, &host);
            r.body(text)
        }
    }
}
