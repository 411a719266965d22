//! `/register` (uni-id-pages' register: username, nickname, password twice, captcha) and
//! `/register/admin` (register-admin, only while no administrator exists).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::register::{
    self, PasswordAccount, REGISTER_ADMIN_SCHEMA, REGISTER_USER_SCHEMA,
};
use crate::host::Host;
use crate::pages::partials::{AgreementsField, CaptchaField, consented};
use crate::pages::{Page, PageCtx};

#[derive(Template)]
#[template(path = "pages/register.html")]
struct RegisterForm<'a> {
    ctx: &'a PageCtx,
    admin: bool,
    action: &'static str,
    username: String,
    nickname: String,
    error: Option<String>,
    captcha: Option<CaptchaField>,
    agreements: Option<AgreementsField>,
    password_hint: String,
    /// Other ways to register (plugins'), with their link texts.
    alternatives: Vec<(String, String)>,
    login_href: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RegisterSubmit {
    #[serde(default)]
    username: String,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    password: String,
    /// The repeated password (uni-id-pages' `password2`).
    #[serde(default)]
    password2: String,
    captcha: Option<String>,
    agree: Option<String>,
    #[serde(rename = "inviteCode")]
    invite_code: Option<String>,
    #[serde(rename = "uniIdRedirectUrl")]
    redirect: Option<String>,
}

/// What the form shows again after a refusal (never the passwords).
struct Typed {
    username: String,
    nickname: String,
    agreed: bool,
}

/// The password rule of the pages' app, as a hint under the field.
pub fn password_hint(ctx: &PageCtx) -> String {
    use crate::validator::PasswordStrength as S;
    let id = match ctx.host().site.password_strength {
        None => "pages-password-hint-default",
        Some(S::Super) => "pages-password-hint-super",
        Some(S::Strong) => "pages-password-hint-strong",
        Some(S::Medium) => "pages-password-hint-medium",
        Some(S::Weak) => "pages-password-hint-weak",
    };
    ctx.t(id).to_string()
}

async fn show(page: Page, admin: bool, typed: Typed, error: Option<String>) -> HttpResponse {
    let captcha = if admin {
        None
    } else {
        match CaptchaField::issue(&page, "register").await {
            Ok(c) => Some(c),
            Err(e) => {
                let text = page.error_text(&e);
                return page.error_text_page(StatusCode::SERVICE_UNAVAILABLE, Some(text));
            }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = if admin {
        "pages-register-admin-title"
    } else {
        "pages-register-title"
    };
    let alternatives = page.host().site.links.register.clone();
    page.show(status, title, |ctx| {
        RegisterForm {
            ctx,
            admin,
            action: if admin {
                "/register/admin"
            } else {
                "/register"
            },
            username: typed.username,
            nickname: typed.nickname,
            error,
            captcha,
            agreements: if admin {
                None
            } else {
                AgreementsField::of(ctx, "register", typed.agreed)
            },
            password_hint: password_hint(ctx),
            alternatives: if admin {
                Vec::new()
            } else {
                alternatives
                    .iter()
                    .map(|l| (ctx.link(l.path), ctx.t(l.label).to_string()))
                    .collect()
            },
            login_href: ctx.link("/login/password"),
        }
        .render()
    })
}

fn blank() -> Typed {
    Typed {
        username: String::new(),
        nickname: String::new(),
        agreed: false,
    }
}

/// `GET /register`.
pub async fn page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    show(page, false, blank(), None).await
}

/// `GET /register/admin`: only while no administrator exists.
pub async fn admin_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    match crate::accounts::admin::admin_exists(&host).await {
        Ok(false) => show(page, true, blank(), None).await,
        Ok(true) => page.error_page(StatusCode::FORBIDDEN, "uni-id-admin-exists"),
        Err(e) => {
            let text = page.error_text(&e);
            page.error_text_page(StatusCode::SERVICE_UNAVAILABLE, Some(text))
        }
    }
}

pub async fn submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    handle(host, req, body, false).await
}

pub async fn admin_submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    handle(host, req, body, true).await
}

/// `POST /register` and `/register/admin`: the rules of `registerUser` / `registerAdmin`.
async fn handle(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
    admin: bool,
) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let form: RegisterSubmit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let typed = Typed {
        username: form.username.clone(),
        nickname: form.nickname.clone(),
        agreed: form.agree.is_some(),
    };
    if !admin && !consented(&page.ctx, "register", form.agree.as_deref()) {
        let text = page.ctx.t("pages-agree-required").to_string();
        return show(page, admin, typed, Some(text)).await;
    }
    if form.password != form.password2 {
        let text = page.ctx.t("pages-password-mismatch").to_string();
        return show(page, admin, typed, Some(text)).await;
    }
    let nickname = Some(form.nickname.trim().to_string()).filter(|n| !n.is_empty());
    let invite_code = form.invite_code.filter(|c| !c.trim().is_empty());
    let captcha = form.captcha.unwrap_or_default();
    let mut params = json!({
        "username": form.username,
        "password": form.password,
    });
    if let Some(n) = &nickname {
        params["nickname"] = json!(n);
    }
    if let Some(c) = &invite_code {
        params["inviteCode"] = json!(c);
    }
    let schema = if admin {
        REGISTER_ADMIN_SCHEMA
    } else {
        params["captcha"] = json!(captcha);
        REGISTER_USER_SCHEMA
    };
    if let Err(e) = page.caller().validate(&params, schema) {
        let text = page.error_text(&e);
        return show(page, admin, typed, Some(text)).await;
    }
    let account = PasswordAccount {
        username: form.username,
        password: form.password,
        nickname,
        invite_code,
    };
    let result = if admin {
        register::register_admin(page.caller(), account).await
    } else {
        register::register_user(page.caller(), account, &captcha).await
    };
    match result {
        Ok(signed_in) => {
            page.flash("pages-flash-registered");
            page.after_sign_in(&signed_in, form.redirect.as_deref())
        }
        Err(e) => {
            let text = page.error_text(&e);
            show(page, admin, typed, Some(text)).await
        }
    }
}
