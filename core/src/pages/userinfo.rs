//! `/userinfo` (uni-id-pages' userinfo: avatar, nickname, mobile, e-mail, password, deactivate,
//! sign out) and the host's sub-pages: `change-pwd`, `deactivate`, plus `/logout`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::account::{self, NICKNAME_SCHEMA, UPDATE_PWD_SCHEMA};
use crate::accounts::session;
use crate::host::Host;
use crate::pages::register::password_hint;
use crate::pages::{Page, PageCtx, ProfileItem, UserView, urlencode};
use crate::tokens;

impl Page {
    /// The page, when someone is signed in; else a redirect to the sign-in page that comes
    /// back here afterwards.
    #[expect(
        clippy::result_large_err,
        reason = "the answer is built once per request and sent at once"
    )]
    pub fn signed_in_or_login(self, req: &HttpRequest) -> Result<Page, HttpResponse> {
        if self.auth().is_some() {
            return Ok(self);
        }
        let here = match req.query_string() {
            "" => req.path().to_string(),
            q => format!("{}?{q}", req.path()),
        };
        let to = format!("/login?uniIdRedirectUrl={}", urlencode(&here));
        Err(self.redirect(&to))
    }
}

#[derive(Template)]
#[template(path = "pages/userinfo.html")]
struct Profile<'a> {
    ctx: &'a PageCtx,
    user: &'a UserView,
    rows: Vec<ProfileItem>,
    error: Option<String>,
    change_pwd_href: Option<String>,
    set_pwd_href: Option<String>,
}

/// `GET /userinfo`.
pub async fn page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(p) => p,
        Err(to_login) => return to_login,
    };
    show_profile(page, None).await
}

async fn show_profile(page: Page, error: Option<String>) -> HttpResponse {
    let Some(user) = page.ctx.user.clone() else {
        return page.redirect("/login");
    };
    let uid = user.uid.clone();
    let linked = match page
        .host()
        .db
        .run(move |conn| crate::accounts::third_party::ids_of(conn, &uid))
        .await
    {
        Ok(ids) => ids,
        Err(e) => return page.unavailable(&e),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let host = page.host().clone();
    page.show(status, "pages-userinfo-title", |ctx| {
        let unset = |id: &str| ctx.t(id).to_string();
        let mut rows = vec![
            ProfileItem {
                id: "username",
                label: ctx.t("pages-userinfo-username").to_string(),
                value: Some(
                    user.username
                        .clone()
                        .unwrap_or_else(|| unset("pages-unset")),
                ),
                action: None,
            },
            ProfileItem {
                id: "mobile",
                label: ctx.t("pages-userinfo-mobile").to_string(),
                value: Some(
                    user.mobile
                        .clone()
                        .unwrap_or_else(|| unset("pages-unbound")),
                ),
                action: None,
            },
        ];
        // Plugins that can bind an address add the row when there is none.
        if user.email.is_some() {
            rows.push(ProfileItem {
                id: "email",
                label: ctx.t("pages-userinfo-email").to_string(),
                value: Some(user.email.clone().unwrap_or_else(|| unset("pages-unbound"))),
                action: None,
            });
        }
        for plugin in &host.plugins {
            for item in plugin.profile_items(ctx, &user, &linked) {
                match rows.iter_mut().find(|r| r.id == item.id) {
                    Some(row) => {
                        if item.action.is_some() {
                            row.action = item.action;
                        }
                    }
                    None => rows.push(item),
                }
            }
        }
        Profile {
            ctx,
            user: &user,
            rows,
            error,
            change_pwd_href: user
                .has_password
                .then(|| "/userinfo/change-pwd".to_string()),
            set_pwd_href: (!user.has_password)
                .then_some(host.site.links.set_password)
                .flatten()
                .map(str::to_string),
        }
        .render()
    })
}

#[derive(Deserialize)]
pub struct NicknameSubmit {
    #[serde(default)]
    nickname: String,
}

/// `POST /userinfo/nickname`.
pub async fn nickname(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(p) => p,
        Err(to_login) => return to_login,
    };
    let form: NicknameSubmit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let nickname = form.nickname.trim().to_string();
    if let Err(e) = page
        .caller()
        .validate(&json!({ "nickname": nickname }), NICKNAME_SCHEMA)
    {
        let text = page.error_text(&e);
        return show_profile(page, Some(text)).await;
    }
    match account::set_nickname(page.caller(), nickname).await {
        Ok(()) => {
            page.flash("pages-flash-saved");
            page.redirect("/userinfo")
        }
        Err(e) => {
            let text = page.error_text(&e);
            show_profile(page, Some(text)).await
        }
    }
}

/// `POST /userinfo/avatar` (multipart: `csrf`, `avatar`): the picture is checked to be an image
/// by its bytes and stored; the previous one is removed.
pub async fn avatar(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(p) => p,
        Err(to_login) => return to_login,
    };
    let limit = host.avatars.max_bytes;
    let bytes = match page.upload(&req, body, "avatar", limit).await {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            let text = page.ctx.t("pages-avatar-missing").to_string();
            return show_profile(page, Some(text)).await;
        }
        Err(refused) => return refused,
    };
    let uid = page.auth().map(|a| a.uid.clone()).unwrap_or_default();
    let store = host.clone();
    let saved = web::block(move || store.avatars.save(&uid, &bytes)).await;
    let file = match saved {
        Ok(Ok(file)) => file,
        Ok(Err(crate::avatars::AvatarError::NotAnImage)) => {
            let text = page.ctx.t("pages-avatar-not-image").to_string();
            return show_profile(page, Some(text)).await;
        }
        Ok(Err(crate::avatars::AvatarError::TooLarge(max))) => {
            let text = page
                .ctx
                .t1("pages-avatar-too-large", "max", &(max / 1024).to_string());
            return show_profile(page, Some(text)).await;
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "avatar not stored");
            return page.error_page(StatusCode::SERVICE_UNAVAILABLE, "pages-error-internal");
        }
        Err(e) => {
            tracing::error!(error = %e, "avatar task failed");
            return page.error_page(StatusCode::SERVICE_UNAVAILABLE, "pages-error-internal");
        }
    };
    let url = file.url.clone();
    match account::set_avatar(page.caller(), file).await {
        Ok(previous) => {
            if let Some(old) = previous.filter(|old| *old != url) {
                let store = host.clone();
                let _ = web::block(move || store.avatars.remove(&old)).await;
            }
            page.flash("pages-flash-saved");
            page.redirect("/userinfo")
        }
        Err(e) => {
            let store = host.clone();
            let _ = web::block(move || store.avatars.remove(&url)).await;
            let text = page.error_text(&e);
            show_profile(page, Some(text)).await
        }
    }
}

#[derive(Template)]
#[template(path = "pages/change_pwd.html")]
struct ChangePwd<'a> {
    ctx: &'a PageCtx,
    error: Option<String>,
    password_hint: String,
}

/// `GET /userinfo/change-pwd`.
pub async fn change_pwd_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(page) => show_change_pwd(page, None),
        Err(to_login) => to_login,
    }
}

fn show_change_pwd(page: Page, error: Option<String>) -> HttpResponse {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show(status, "pages-change-pwd-title", |ctx| {
        ChangePwd {
            ctx,
            error,
            password_hint: password_hint(ctx),
        }
        .render()
    })
}

#[derive(Deserialize)]
pub struct ChangePwdSubmit {
    #[serde(rename = "oldPassword", default)]
    old_password: String,
    #[serde(rename = "newPassword", default)]
    new_password: String,
    #[serde(rename = "newPassword2", default)]
    new_password2: String,
}

/// `POST /userinfo/change-pwd`: `updatePwd`; every session ends, this one too, and the
/// visitor signs in again with the new password.
pub async fn change_pwd_submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(p) => p,
        Err(to_login) => return to_login,
    };
    let form: ChangePwdSubmit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if form.old_password.is_empty() {
        let text = page.ctx.t("pages-password-required").to_string();
        return show_change_pwd(page, Some(text));
    }
    if form.new_password != form.new_password2 {
        let text = page.ctx.t("pages-password-mismatch").to_string();
        return show_change_pwd(page, Some(text));
    }
    let params = json!({ "oldPassword": form.old_password, "newPassword": form.new_password });
    if let Err(e) = page.caller().validate(&params, UPDATE_PWD_SCHEMA) {
        let text = page.error_text(&e);
        return show_change_pwd(page, Some(text));
    }
    match account::update_pwd(page.caller(), form.old_password, form.new_password).await {
        Ok(()) => {
            page.sign_out();
            page.flash("pages-flash-password-changed");
            page.redirect("/login/password")
        }
        Err(e) => {
            let text = page.error_text(&e);
            show_change_pwd(page, Some(text))
        }
    }
}

#[derive(Template)]
#[template(path = "pages/deactivate.html")]
struct Deactivate<'a> {
    ctx: &'a PageCtx,
    error: Option<String>,
}

/// `GET /userinfo/deactivate`: what closing the account means, and the button.
pub async fn deactivate_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(page) => page.show(StatusCode::OK, "pages-deactivate-title", |ctx| {
            Deactivate { ctx, error: None }.render()
        }),
        Err(to_login) => to_login,
    }
}

#[derive(Deserialize)]
pub struct DeactivateSubmit {
    /// uni-id-pages' confirmation: "I have read the notice and want to close my account".
    confirm: Option<String>,
}

/// `POST /userinfo/deactivate`: `closeAccount`; every session ends.
pub async fn deactivate_submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(p) => p,
        Err(to_login) => return to_login,
    };
    let form: DeactivateSubmit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if form.confirm.is_none() {
        let error = Some(page.ctx.t("pages-deactivate-confirm-required").to_string());
        return page.show(
            StatusCode::UNPROCESSABLE_ENTITY,
            "pages-deactivate-title",
            |ctx| Deactivate { ctx, error }.render(),
        );
    }
    match account::close_account(page.caller()).await {
        Ok(()) => {
            page.sign_out();
            page.flash("pages-flash-deactivated");
            page.redirect("/login")
        }
        Err(e) => {
            let error = Some(page.error_text(&e));
            page.show(
                StatusCode::UNPROCESSABLE_ENTITY,
                "pages-deactivate-title",
                |ctx| Deactivate { ctx, error }.render(),
            )
        }
    }
}

#[derive(Deserialize)]
pub struct LogoutSubmit {}

/// `POST /logout`: the session's token is revoked at once (and a token refreshed on this very
/// request with it), then the cookie goes.
pub async fn logout(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let _: LogoutSubmit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if let Some(auth) = page.auth() {
        let fresh = auth.new_token.as_ref().map(|t| t.token.clone());
        if let Err(e) = session::logout(page.caller()).await {
            let text = page.error_text(&e);
            return page.error_text_page(StatusCode::SERVICE_UNAVAILABLE, Some(text));
        }
        if let Some(fresh) = fresh {
            let revoked = host
                .db
                .run(move |conn| Ok(tokens::revoke(conn, &fresh)?))
                .await;
            if let Err(e) = revoked {
                tracing::warn!(error = %e, "could not revoke the refreshed token at logout");
            }
        }
    }
    page.sign_out();
    page.flash("pages-flash-signed-out");
    page.redirect("/login")
}
