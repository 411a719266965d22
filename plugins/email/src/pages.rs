//! The email plugin's pages (uni-id-pages' register-by-email and retrieve-by-email, plus
//! binding an address on `/userinfo`): send a code (captcha, `action=send`), then use it, over
//! the same rules as the JSON methods ([`crate::rules`]).
//!
//! Registration by e-mail signs the visitor in with the token the rule issued; uni-id-pages
//! sends them to the password form instead and leaves that token unused.

use askama::Template;
use serde::Deserialize;
use serde_json::json;
use unid_core::plugin::Host;
use unid_core::plugin::actix_web::{HttpRequest, HttpResponse, web};
use unid_core::plugin::error::{ApiError, ErrorCode};
use unid_core::plugin::pages::code_flow::{CodeStep, after_send};
use unid_core::plugin::pages::partials::{AgreementsField, CaptchaField, SendCodeForm, consented};
use unid_core::plugin::pages::{
    Page, PageCtx, PageLink, ProfileAction, ProfileItem, SiteLinks, UserView, password_hint,
};

use crate::rules::{
    self, BIND_EMAIL_SCHEMA, EmailCode, REGISTER_USER_BY_EMAIL_SCHEMA, RESET_PWD_BY_EMAIL_SCHEMA,
    Registration, ResetPassword, SEND_EMAIL_CODE_SCHEMA, SendCode,
};

const RESEND_SECS: u64 = 60;

/// The query keys a code page reads its address from (`emailNumber` is uni-id-pages').
const ALIASES: &[&str] = &["emailNumber"];

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/register/email")
            .route(web::get().to(register_page))
            .route(web::post().to(register_submit)),
    )
    .service(
        web::resource("/retrieve/email")
            .route(web::get().to(retrieve_page))
            .route(web::post().to(retrieve_submit)),
    )
    .service(
        web::resource("/userinfo/bind-email")
            .route(web::get().to(bind_page))
            .route(web::post().to(bind_submit)),
    );
}

pub fn site_links() -> SiteLinks {
    SiteLinks {
        retrieve: Some(PageLink {
            path: "/retrieve/email",
            label: "pages-email-retrieve-link",
        }),
        set_password: None,
        register: Some(PageLink {
            path: "/register/email",
            label: "pages-email-register-link",
        }),
    }
}

/// The e-mail row of `/userinfo` links to bind-email.
pub fn profile_items(ctx: &PageCtx, user: &UserView) -> Vec<ProfileItem> {
    let label = if user.email.is_some() {
        "pages-email-change"
    } else {
        "pages-email-bind"
    };
    vec![ProfileItem {
        id: "email",
        label: ctx.t("pages-userinfo-email").to_string(),
        value: Some(
            user.email
                .clone()
                .unwrap_or_else(|| ctx.t("pages-unbound").to_string()),
        ),
        action: Some(ProfileAction {
            href: "/userinfo/bind-email".into(),
            label: ctx.t(label).to_string(),
            post: false,
        }),
    }]
}

#[derive(Debug, Default, Deserialize)]
struct Submit {
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: String,
    captcha: Option<String>,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
    agree: Option<String>,
    #[serde(rename = "inviteCode")]
    invite_code: Option<String>,
    #[serde(rename = "uniIdRedirectUrl")]
    redirect: Option<String>,
    action: Option<String>,
}

impl Submit {
    fn captcha(&self) -> Option<String> {
        self.captcha.clone().filter(|c| !c.trim().is_empty())
    }
    fn sends(&self) -> bool {
        self.action.as_deref() == Some("send")
    }
    fn code(&self) -> String {
        self.code.trim().to_string()
    }
    fn email(&self) -> String {
        rules::normalize(&self.email)
    }
}

async fn send_form(
    page: &Page,
    action: &str,
    email: &str,
    sent: bool,
) -> Result<SendCodeForm, ApiError> {
    let captcha = CaptchaField::issue(page, "send-email-code").await?;
    let ctx = &page.ctx;
    Ok(SendCodeForm {
        action: action.to_string(),
        csrf: ctx.csrf.clone(),
        redirect: ctx.redirect.clone(),
        target_name: "email",
        target_label: ctx.t("pages-userinfo-email").to_string(),
        target_value: email.to_string(),
        target_type: "email",
        target_editable: !sent,
        prefix: None,
        placeholder: ctx.t("pages-email-placeholder").to_string(),
        captcha,
        button: ctx
            .t(if sent {
                "pages-email-resend"
            } else {
                "pages-email-send"
            })
            .to_string(),
        countdown: sent.then_some(RESEND_SECS),
        countdown_label: ctx.t("pages-email-countdown").to_string(),
    })
}

/// Sends a code; `Ok` in test mode too, where uni-id answers `uni-id-invalid-mail-template`.
async fn send_step(
    page: Page,
    path: &'static str,
    scene: &str,
    form: &Submit,
    show: impl AsyncFnOnce(Page, CodeStep) -> HttpResponse,
) -> HttpResponse {
    let email = form.email();
    let captcha = form.captcha().unwrap_or_default();
    let params = json!({ "email": email, "captcha": captcha, "scene": scene });
    let result = match page.caller().validate(&params, SEND_EMAIL_CODE_SCHEMA) {
        Ok(()) => {
            let input = SendCode {
                email: email.clone(),
                scene: scene.to_string(),
                captcha,
            };
            match rules::send_code(page.caller(), input).await {
                Err(e)
                    if e.code == ErrorCode::InvalidMailTemplate && page.host().config.test_mode =>
                {
                    Ok(())
                }
                other => other,
            }
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => after_send(
            page,
            path,
            "email",
            &email,
            form.agree.is_some(),
            form.redirect.as_deref(),
            "pages-flash-email-sent",
        ),
        Err(e) => {
            let step = CodeStep::send_failed(&page, form.email.clone(), &e, form.agree.is_some());
            show(page, step).await
        }
    }
}

fn step_from(req: &HttpRequest) -> CodeStep {
    let mut step = CodeStep::from_query(req, "email", ALIASES);
    step.sent &= step.target.contains('@');
    step
}

// ---- /register/email -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "register_email.html")]
struct Register<'a> {
    ctx: &'a PageCtx,
    email: String,
    sent: bool,
    nickname: String,
    error: Option<String>,
    send: SendCodeForm,
    code: String,
    agreements: Option<AgreementsField>,
    password_hint: String,
}

async fn register_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    show_register(page, step_from(&req), String::new()).await
}

async fn show_register(page: Page, step: CodeStep, nickname: String) -> HttpResponse {
    let send = match send_form(&page, "/register/email", &step.target, step.sent).await {
        Ok(s) => s,
        Err(e) => return page.unavailable(&e),
    };
    let code = step.prefilled_code(&page);
    page.show(step.status(), "pages-email-register-title", |ctx| {
        Register {
            ctx,
            agreements: AgreementsField::of(ctx, "register", step.agreed),
            password_hint: password_hint(ctx),
            email: step.target,
            sent: step.sent,
            nickname,
            error: step.error,
            send,
            code,
        }
        .render()
    })
}

async fn register_submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let form: Submit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let show = async |page, step| show_register(page, step, String::new()).await;
    if form.sends() {
        return send_step(page, "/register/email", "register", &form, show).await;
    }
    let agreed = form.agree.is_some();
    let email = form.email();
    let refused = |page: &Page, id: &str| CodeStep::refused(page, email.clone(), id, false, agreed);
    if !consented(&page.ctx, "register", form.agree.as_deref()) {
        let step = refused(&page, "pages-agree-required");
        return show_register(page, step, form.nickname).await;
    }
    if form.password != form.password2 {
        let step = refused(&page, "pages-password-mismatch");
        return show_register(page, step, form.nickname).await;
    }
    let nickname = Some(form.nickname.trim().to_string()).filter(|n| !n.is_empty());
    let invite_code = form.invite_code.clone().filter(|c| !c.trim().is_empty());
    let mut params = json!({ "email": email, "password": form.password, "code": form.code() });
    if let Some(n) = &nickname {
        params["nickname"] = json!(n);
    }
    if let Some(c) = &invite_code {
        params["inviteCode"] = json!(c);
    }
    let input = Registration {
        email: email.clone(),
        password: form.password.clone(),
        code: form.code(),
        nickname,
        invite_code,
    };
    let result = match page
        .caller()
        .validate(&params, REGISTER_USER_BY_EMAIL_SCHEMA)
    {
        Ok(()) => rules::register(page.caller(), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(signed_in) => {
            page.flash("pages-flash-registered");
            page.after_sign_in(&signed_in, form.redirect.as_deref())
        }
        Err(e) => {
            let step = CodeStep::failed(&page, email, &e, false, agreed);
            show_register(page, step, form.nickname).await
        }
    }
}

// ---- /retrieve/email -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "retrieve_email.html")]
struct Retrieve<'a> {
    ctx: &'a PageCtx,
    email: String,
    sent: bool,
    error: Option<String>,
    send: SendCodeForm,
    code: String,
    captcha: Option<CaptchaField>,
    password_hint: String,
    alternatives: Vec<(String, String)>,
}

async fn retrieve_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    show_retrieve(page, step_from(&req)).await
}

async fn show_retrieve(page: Page, step: CodeStep) -> HttpResponse {
    let send = match send_form(&page, "/retrieve/email", &step.target, step.sent).await {
        Ok(s) => s,
        Err(e) => return page.unavailable(&e),
    };
    let captcha = match step.captcha_field(&page, "reset-pwd-by-email").await {
        Ok(c) => c,
        Err(e) => return page.unavailable(&e),
    };
    let code = step.prefilled_code(&page);
    page.show(step.status(), "pages-email-retrieve-title", |ctx| {
        Retrieve {
            ctx,
            alternatives: ctx
                .host()
                .site
                .links
                .retrieve
                .iter()
                .filter(|l| l.path != "/retrieve/email")
                .map(|l| (ctx.link(l.path), ctx.t(l.label).to_string()))
                .collect(),
            password_hint: password_hint(ctx),
            email: step.target,
            sent: step.sent,
            error: step.error,
            send,
            code,
            captcha,
        }
        .render()
    })
}

async fn retrieve_submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let form: Submit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if form.sends() {
        return send_step(
            page,
            "/retrieve/email",
            "reset-pwd-by-email",
            &form,
            show_retrieve,
        )
        .await;
    }
    let email = form.email();
    let had_captcha = form.captcha.is_some();
    if form.password != form.password2 {
        let step = CodeStep::refused(&page, email, "pages-password-mismatch", had_captcha, false);
        return show_retrieve(page, step).await;
    }
    let params = json!({
        "email": email, "code": form.code(), "password": form.password, "captcha": form.captcha(),
    });
    let input = ResetPassword {
        email: email.clone(),
        code: form.code(),
        password: form.password.clone(),
        captcha: form.captcha(),
    };
    let result = match page.caller().validate(&params, RESET_PWD_BY_EMAIL_SCHEMA) {
        Ok(()) => rules::reset_password(page.caller(), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            if page.auth().is_some() {
                page.sign_out();
            }
            page.flash("pages-flash-password-reset");
            page.redirect("/login/password")
        }
        Err(e) => {
            let step = CodeStep::failed(&page, email, &e, had_captcha, false);
            show_retrieve(page, step).await
        }
    }
}

// ---- /userinfo/bind-email --------------------------------------------------------------

#[derive(Template)]
#[template(path = "bind_email.html")]
struct Bind<'a> {
    ctx: &'a PageCtx,
    email: String,
    sent: bool,
    error: Option<String>,
    send: SendCodeForm,
    code: String,
    captcha: Option<CaptchaField>,
}

async fn bind_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(page) => show_bind(page, step_from(&req)).await,
        Err(to_login) => to_login,
    }
}

async fn show_bind(page: Page, step: CodeStep) -> HttpResponse {
    let send = match send_form(&page, "/userinfo/bind-email", &step.target, step.sent).await {
        Ok(s) => s,
        Err(e) => return page.unavailable(&e),
    };
    let captcha = match step.captcha_field(&page, "bind-email").await {
        Ok(c) => c,
        Err(e) => return page.unavailable(&e),
    };
    let code = step.prefilled_code(&page);
    page.show(step.status(), "pages-email-bind-title", |ctx| {
        Bind {
            ctx,
            email: step.target,
            sent: step.sent,
            error: step.error,
            send,
            code,
            captcha,
        }
        .render()
    })
}

async fn bind_submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(p) => p,
        Err(to_login) => return to_login,
    };
    let form: Submit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    if form.sends() {
        return send_step(page, "/userinfo/bind-email", "bind-email", &form, show_bind).await;
    }
    let email = form.email();
    let had_captcha = form.captcha.is_some();
    let params = json!({ "email": email, "code": form.code(), "captcha": form.captcha() });
    let input = EmailCode {
        email: email.clone(),
        code: form.code(),
        captcha: form.captcha(),
    };
    let result = match page.caller().validate(&params, BIND_EMAIL_SCHEMA) {
        Ok(()) => rules::bind(page.caller(), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            page.flash("pages-flash-email-bound");
            page.redirect("/userinfo")
        }
        Err(e) => {
            let step = CodeStep::failed(&page, email, &e, had_captcha, false);
            show_bind(page, step).await
        }
    }
}
