//! `/login` (uni-id-pages' login-withoutpwd: the default sign-in method and the switcher) and
//! `/login/password` (login-withpwd).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::json;

use crate::accounts::login::{self, LOGIN_SCHEMA, PasswordLogin};
use crate::error::{ApiError, ErrorCode};
use crate::host::Host;
use crate::pages::partials::{AgreementsField, CaptchaField, Switcher, consented};
use crate::pages::{Page, PageCtx, query};

#[derive(Template)]
#[template(path = "pages/login.html")]
struct Choose {
    block: String,
    switcher: Switcher,
}

/// `GET /login[?type=…]`: the chosen (or first) method's block, or a redirect to its page.
pub async fn choose(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    if page.auth().is_some() && page.ctx.redirect.is_none() {
        return page.redirect("/userinfo");
    }
    let q = query(&req);
    let Some(method) = host.site.method(q.get("type").map(String::as_str)).cloned() else {
        return page.error_page(StatusCode::SERVICE_UNAVAILABLE, "pages-error-no-method");
    };
    match method.login_block(&page.ctx) {
        Some(block) => page.show(StatusCode::OK, "pages-login-title", |ctx| {
            Choose {
                block,
                switcher: Switcher::of(ctx, method.login_type()),
            }
            .render()
        }),
        None => {
            let to = page.ctx.link(method.path());
            page.redirect(&to)
        }
    }
}

/// The password form, as shown and as re-shown after a refusal.
#[derive(Template)]
#[template(path = "pages/login_password.html")]
struct PasswordForm<'a> {
    ctx: &'a PageCtx,
    /// What was typed in the account field (passwords are never echoed).
    account: String,
    error: Option<String>,
    captcha: Option<CaptchaField>,
    agreements: Option<AgreementsField>,
    switcher: Switcher,
    register_href: String,
    retrieve_href: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordSubmit {
    /// Username, mobile or e-mail: uni-id-pages' one account field.
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    captcha: Option<String>,
    agree: Option<String>,
    #[serde(rename = "uniIdRedirectUrl")]
    redirect: Option<String>,
}

/// `GET /login/password`.
pub async fn password_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    let account = query(&req).get("username").cloned().unwrap_or_default();
    show_password_form(page, account, None, false, false).await
}

async fn show_password_form(
    page: Page,
    account: String,
    error: Option<String>,
    with_captcha: bool,
    agreed: bool,
) -> HttpResponse {
    let captcha = if with_captcha {
        match CaptchaField::issue(&page, "login-by-pwd").await {
            Ok(c) => Some(c),
            Err(e) => {
                let text = page.error_text(&e);
                return page.error_text_page(StatusCode::SERVICE_UNAVAILABLE, Some(text));
            }
        }
    } else {
        None
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let retrieve = page.host().site.links.retrieve.first().map(|l| l.path);
    page.show(status, "pages-login-password-title", |ctx| {
        PasswordForm {
            ctx,
            account,
            error,
            captcha,
            agreements: AgreementsField::of(ctx, "login", agreed),
            switcher: Switcher::of(ctx, "username"),
            register_href: ctx.link("/register"),
            retrieve_href: retrieve.map(|p| ctx.link(p)),
        }
        .render()
    })
}

/// `POST /login/password`: the same rule as the API's `login`.
pub async fn password_submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let form: PasswordSubmit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let agreed = form.agree.is_some();
    let had_captcha = form.captcha.is_some();
    if !consented(&page.ctx, "login", form.agree.as_deref()) {
        let text = page.ctx.t("pages-agree-required").to_string();
        return show_password_form(page, form.username, Some(text), had_captcha, agreed).await;
    }
    let account = form.username.trim().to_string();
    if account.is_empty() {
        let text = page.ctx.t("pages-login-account-required").to_string();
        return show_password_form(page, form.username, Some(text), had_captcha, agreed).await;
    }
    if form.password.is_empty() {
        let text = page.ctx.t("pages-password-required").to_string();
        return show_password_form(page, form.username, Some(text), had_captcha, agreed).await;
    }
    // One field, as in uni-id-pages: an e-mail has an `@`, a mobile is digits, else a username.
    let mut input = PasswordLogin {
        password: form.password,
        captcha: form.captcha.filter(|c| !c.trim().is_empty()),
        device_token: crate::pages::session::read(&req, crate::pages::session::KNOWN_DEVICE),
        ..Default::default()
    };
    let key = if account.contains('@') {
        input.email = Some(account.clone());
        "email"
    } else if account.len() == 11
        && account.starts_with('1')
        && account.bytes().all(|b| b.is_ascii_digit())
    {
        input.mobile = Some(account.clone());
        "mobile"
    } else {
        input.username = Some(account.clone());
        "username"
    };
    let params = json!({
        key: account,
        "password": input.password,
        "captcha": input.captcha,
    });
    if let Err(e) = page.caller().validate(&params, LOGIN_SCHEMA) {
        let text = page.error_text(&e);
        return show_password_form(page, form.username, Some(text), had_captcha, agreed).await;
    }
    match login::login(page.caller(), input).await {
        Ok(signed_in) => page.after_sign_in(&signed_in, form.redirect.as_deref()),
        Err(e) => {
            let captcha = had_captcha || needs_captcha(&e);
            let text = page.error_text(&e);
            show_password_form(page, form.username, Some(text), captcha, agreed).await
        }
    }
}

/// Errors after which the form asks for a captcha (uni-id-pages shows it once the server
/// has asked, and keeps it).
pub fn needs_captcha(e: &ApiError) -> bool {
    matches!(
        e.code,
        ErrorCode::CaptchaRequired
            | ErrorCode::CaptchaTextRequired
            | ErrorCode::CaptchaVerifyFail
            | ErrorCode::CaptchaVerifyOverdue
    )
}
