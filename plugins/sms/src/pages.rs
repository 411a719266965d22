//! The sms plugin's pages (uni-id-pages' login-withoutpwd phone form, login-smscode, retrieve,
//! bind-mobile, set-pwd): each a two-step page — send a code (captcha, `action=send`), then use
//! it — over the same rules as the JSON methods ([`crate::rules`]).

use std::sync::Arc;

use askama::Template;
use serde::Deserialize;
use serde_json::json;
use unid_core::plugin::Host;
use unid_core::plugin::accounts::SignedIn;
use unid_core::plugin::actix_web::http::StatusCode;
use unid_core::plugin::actix_web::{HttpRequest, HttpResponse, web};
use unid_core::plugin::error::{ApiError, ErrorCode};
use unid_core::plugin::pages::code_flow::{CodeStep, after_send};
use unid_core::plugin::pages::partials::{
    AgreementsField, CaptchaField, SendCodeForm, Switcher, consented,
};
use unid_core::plugin::pages::{
    LoginMethod, Page, PageCtx, PageLink, ProfileAction, ProfileItem, SiteLinks, UserView,
};

use crate::rules::{
    self, BIND_MOBILE_BY_SMS_SCHEMA, LOGIN_BY_SMS_SCHEMA, MobileCode, RESET_PWD_BY_SMS_SCHEMA,
    ResetPassword, SEND_SMS_CODE_SCHEMA, SET_PWD_SCHEMA, SendCode, SetPassword,
};

/// Seconds before the send button is enabled again (uni-id-pages' `count`, and the host's
/// default send interval).
const RESEND_SECS: u64 = 60;

/// The query keys a code page reads its number from (`phoneNumber` is uni-id-pages').
const ALIASES: &[&str] = &["phoneNumber"];

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/login/sms")
            .route(web::get().to(login_page))
            .route(web::post().to(login_submit)),
    )
    .service(
        web::resource("/retrieve")
            .route(web::get().to(retrieve_page))
            .route(web::post().to(retrieve_submit)),
    )
    .service(
        web::resource("/userinfo/bind-mobile")
            .route(web::get().to(bind_page))
            .route(web::post().to(bind_submit)),
    )
    .service(
        web::resource("/userinfo/set-pwd")
            .route(web::get().to(set_pwd_page))
            .route(web::post().to(set_pwd_submit)),
    );
}

pub fn site_links() -> SiteLinks {
    SiteLinks {
        retrieve: Some(PageLink {
            path: "/retrieve",
            label: "pages-sms-retrieve-tip",
        }),
        set_password: Some("/userinfo/set-pwd"),
        register: None,
    }
}

/// The mobile row of `/userinfo` links to bind-mobile.
pub fn profile_items(ctx: &PageCtx, user: &UserView) -> Vec<ProfileItem> {
    let label = if user.mobile.is_some() {
        "pages-sms-change-mobile"
    } else {
        "pages-sms-bind-mobile"
    };
    vec![ProfileItem {
        id: "mobile",
        label: ctx.t("pages-userinfo-mobile").to_string(),
        value: None,
        action: Some(ProfileAction {
            href: "/userinfo/bind-mobile".into(),
            label: ctx.t(label).to_string(),
            post: false,
        }),
    }]
}

// ---- the sign-in method ---------------------------------------------------------------

pub struct SmsMethod;

#[derive(Template)]
#[template(path = "phone_block.html")]
struct PhoneBlock<'a> {
    ctx: &'a PageCtx,
    mobile: String,
    error: Option<String>,
    agreements: Option<AgreementsField>,
}

impl LoginMethod for SmsMethod {
    fn login_type(&self) -> &'static str {
        "smsCode"
    }
    fn label(&self) -> &'static str {
        "pages-method-sms"
    }
    fn icon(&self) -> &'static str {
        "icons/sms.svg"
    }
    fn path(&self) -> &'static str {
        "/login?type=smsCode"
    }
    fn login_block(&self, ctx: &PageCtx) -> Option<String> {
        phone_block(ctx, String::new(), None).ok()
    }
}

fn phone_block(ctx: &PageCtx, mobile: String, error: Option<String>) -> askama::Result<String> {
    PhoneBlock {
        ctx,
        mobile,
        error,
        agreements: AgreementsField::of(ctx, "register", false),
    }
    .render()
}

#[derive(Template)]
#[template(path = "login_choose.html")]
struct Choose {
    block: String,
    switcher: Switcher,
}

/// `/login`'s phone form again, with what was wrong.
fn phone_again(page: Page, mobile: String, error: Option<String>) -> HttpResponse {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    page.show(status, "pages-login-title", |ctx| {
        Choose {
            block: phone_block(ctx, mobile, error)?,
            switcher: Switcher::of(ctx, "smsCode"),
        }
        .render()
    })
}

// ---- shared steps -----------------------------------------------------------------------

/// A mainland number as the validator's `mobile` rule takes it (`13800138000`).
fn national(mobile: &str) -> String {
    let m = mobile.trim().replace([' ', '-'], "");
    m.strip_prefix("+86").map(str::to_string).unwrap_or(m)
}

fn valid_mobile(m: &str) -> bool {
    m.len() == 11 && m.starts_with('1') && m.bytes().all(|b| b.is_ascii_digit())
}

/// What every form on these pages posts; each step reads the fields it needs.
#[derive(Debug, Default, Deserialize)]
struct Submit {
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    code: String,
    captcha: Option<String>,
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
}

/// The send step of a page, with the captcha every send needs.
async fn send_form(
    page: &Page,
    action: &str,
    mobile: &str,
    editable: bool,
    sent: bool,
) -> Result<SendCodeForm, ApiError> {
    let captcha = CaptchaField::issue(page, "send-sms-code").await?;
    let ctx = &page.ctx;
    Ok(SendCodeForm {
        action: action.to_string(),
        csrf: ctx.csrf.clone(),
        redirect: ctx.redirect.clone(),
        target_name: "mobile",
        target_label: ctx.t("pages-userinfo-mobile").to_string(),
        target_value: mobile.to_string(),
        target_type: "tel",
        target_editable: editable,
        prefix: Some("+86".into()),
        placeholder: ctx.t("pages-sms-mobile-placeholder").to_string(),
        captcha,
        button: ctx
            .t(if sent {
                "pages-sms-resend"
            } else {
                "pages-sms-send"
            })
            .to_string(),
        countdown: sent.then_some(RESEND_SECS),
        countdown_label: ctx.t("pages-sms-countdown").to_string(),
    })
}

/// Sends a code for `scene`; `Ok` also in test mode, where nothing is sent (uni-id's
/// `uni-id-invalid-sms-template-id` answer, which uni-id-pages treats as "use 123456").
async fn send(
    page: &Page,
    mobile: &str,
    scene: &str,
    captcha: Option<String>,
) -> Result<(), ApiError> {
    let captcha = captcha.unwrap_or_default();
    let params = json!({ "mobile": mobile, "captcha": captcha, "scene": scene });
    page.caller().validate(&params, SEND_SMS_CODE_SCHEMA)?;
    let input = SendCode {
        mobile: mobile.to_string(),
        scene: scene.to_string(),
        captcha,
    };
    match rules::send_code(page.caller(), input).await {
        Err(e) if e.code == ErrorCode::InvalidSmsTemplateId && page.host().config.test_mode => {
            Ok(())
        }
        other => other,
    }
}

/// Step one of `path`: sends the code, or shows why not.
async fn send_step(
    page: Page,
    path: &'static str,
    scene: &str,
    mobile: String,
    form: &Submit,
    show: impl AsyncFnOnce(Page, CodeStep) -> HttpResponse,
) -> HttpResponse {
    match send(&page, &mobile, scene, form.captcha()).await {
        Ok(()) => after_send(
            page,
            path,
            "mobile",
            &mobile,
            form.agree.is_some(),
            form.redirect.as_deref(),
            "pages-flash-sms-sent",
        ),
        Err(e) => {
            let step = CodeStep::send_failed(&page, mobile, &e, form.agree.is_some());
            show(page, step).await
        }
    }
}

fn step_from(req: &HttpRequest) -> CodeStep {
    let mut step = CodeStep::from_query(req, "mobile", ALIASES);
    step.target = national(&step.target);
    step
}

/// Whether step two arrived with its captcha (then the next attempt shows one again).
fn had_captcha(form: &Submit) -> bool {
    form.captcha.is_some()
}

// ---- /login/sms ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "login_sms.html")]
struct LoginSms<'a> {
    ctx: &'a PageCtx,
    mobile: String,
    error: Option<String>,
    send: SendCodeForm,
    code: String,
    captcha: Option<CaptchaField>,
    agreements: Option<AgreementsField>,
    change_href: String,
}

async fn login_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    show_login(page, step_from(&req)).await
}

async fn show_login(page: Page, step: CodeStep) -> HttpResponse {
    if !valid_mobile(&step.target) {
        let error = (!step.target.is_empty())
            .then(|| page.ctx.t("pages-sms-mobile-invalid").to_string())
            .or(step.error);
        return phone_again(page, step.target, error);
    }
    let send = match send_form(&page, "/login/sms", &step.target, false, step.sent).await {
        Ok(s) => s,
        Err(e) => return page.unavailable(&e),
    };
    let captcha = match step.captcha_field(&page, "login-by-sms").await {
        Ok(c) => c,
        Err(e) => return page.unavailable(&e),
    };
    let code = step.prefilled_code(&page);
    page.show(step.status(), "pages-sms-login-title", |ctx| {
        LoginSms {
            ctx,
            change_href: ctx.link("/login?type=smsCode"),
            agreements: AgreementsField::of(ctx, "register", step.agreed),
            mobile: step.target,
            error: step.error,
            send,
            code,
            captcha,
        }
        .render()
    })
}

async fn login_submit(
    host: web::ThinData<Host>,
    req: HttpRequest,
    body: web::Payload,
) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let form: Submit = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let mobile = national(&form.mobile);
    let agreed = form.agree.is_some();
    if form.sends() {
        return send_step(
            page,
            "/login/sms",
            "login-by-sms",
            mobile,
            &form,
            show_login,
        )
        .await;
    }
    if !consented(&page.ctx, "register", form.agree.as_deref()) {
        let step = CodeStep::refused(
            &page,
            mobile,
            "pages-agree-required",
            had_captcha(&form),
            agreed,
        );
        return show_login(page, step).await;
    }
    let params = json!({ "mobile": mobile, "code": form.code(), "captcha": form.captcha() });
    let input = MobileCode {
        mobile: mobile.clone(),
        code: form.code(),
        captcha: form.captcha(),
    };
    let invite = form.invite_code.clone().filter(|c| !c.trim().is_empty());
    let result = match page.caller().validate(&params, LOGIN_BY_SMS_SCHEMA) {
        Ok(()) => rules::login(page.caller(), input, invite).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(done) => {
            let signed_in = SignedIn {
                uid: done.uid,
                token: done.token,
                password_confirmed: done.password_confirmed,
                device_token: None,
            };
            page.after_sign_in(&signed_in, form.redirect.as_deref())
        }
        Err(e) => {
            let step = CodeStep::failed(&page, mobile, &e, had_captcha(&form), agreed);
            show_login(page, step).await
        }
    }
}

// ---- /retrieve -------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "retrieve.html")]
struct Retrieve<'a> {
    ctx: &'a PageCtx,
    mobile: String,
    sent: bool,
    error: Option<String>,
    send: SendCodeForm,
    code: String,
    captcha: Option<CaptchaField>,
    password_hint: String,
    /// Other ways to reset (other plugins').
    alternatives: Vec<(String, String)>,
}

async fn retrieve_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    show_retrieve(page, step_from(&req)).await
}

async fn show_retrieve(page: Page, mut step: CodeStep) -> HttpResponse {
    step.sent &= valid_mobile(&step.target);
    let send = match send_form(&page, "/retrieve", &step.target, !step.sent, step.sent).await {
        Ok(s) => s,
        Err(e) => return page.unavailable(&e),
    };
    let captcha = match step.captcha_field(&page, "reset-pwd-by-sms").await {
        Ok(c) => c,
        Err(e) => return page.unavailable(&e),
    };
    let code = step.prefilled_code(&page);
    page.show(step.status(), "pages-sms-retrieve-title", |ctx| {
        Retrieve {
            ctx,
            alternatives: ctx
                .host()
                .site
                .links
                .retrieve
                .iter()
                .filter(|l| l.path != "/retrieve")
                .map(|l| (ctx.link(l.path), ctx.t(l.label).to_string()))
                .collect(),
            password_hint: unid_core::plugin::pages::password_hint(ctx),
            mobile: step.target,
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
    let mobile = national(&form.mobile);
    if form.sends() {
        return send_step(
            page,
            "/retrieve",
            "reset-pwd-by-sms",
            mobile,
            &form,
            show_retrieve,
        )
        .await;
    }
    if form.password != form.password2 {
        let step = CodeStep::refused(
            &page,
            mobile,
            "pages-password-mismatch",
            had_captcha(&form),
            false,
        );
        return show_retrieve(page, step).await;
    }
    let params = json!({
        "mobile": mobile, "code": form.code(), "password": form.password, "captcha": form.captcha(),
    });
    let input = ResetPassword {
        mobile: mobile.clone(),
        code: form.code(),
        password: form.password.clone(),
        captcha: form.captcha(),
    };
    let result = match page.caller().validate(&params, RESET_PWD_BY_SMS_SCHEMA) {
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
            let step = CodeStep::failed(&page, mobile, &e, had_captcha(&form), false);
            show_retrieve(page, step).await
        }
    }
}

// ---- /userinfo/bind-mobile -------------------------------------------------------------

#[derive(Template)]
#[template(path = "bind_mobile.html")]
struct BindMobile<'a> {
    ctx: &'a PageCtx,
    mobile: String,
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

async fn show_bind(page: Page, mut step: CodeStep) -> HttpResponse {
    step.sent &= valid_mobile(&step.target);
    let path = "/userinfo/bind-mobile";
    let send = match send_form(&page, path, &step.target, !step.sent, step.sent).await {
        Ok(s) => s,
        Err(e) => return page.unavailable(&e),
    };
    let captcha = match step.captcha_field(&page, "bind-mobile-by-sms").await {
        Ok(c) => c,
        Err(e) => return page.unavailable(&e),
    };
    let code = step.prefilled_code(&page);
    page.show(step.status(), "pages-sms-bind-title", |ctx| {
        BindMobile {
            ctx,
            mobile: step.target,
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
    let mobile = national(&form.mobile);
    if form.sends() {
        let path = "/userinfo/bind-mobile";
        return send_step(page, path, "bind-mobile-by-sms", mobile, &form, show_bind).await;
    }
    let params = json!({ "mobile": mobile, "code": form.code(), "captcha": form.captcha() });
    let input = MobileCode {
        mobile: mobile.clone(),
        code: form.code(),
        captcha: form.captcha(),
    };
    let result = match page.caller().validate(&params, BIND_MOBILE_BY_SMS_SCHEMA) {
        Ok(()) => rules::bind_mobile(page.caller(), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            page.flash("pages-flash-mobile-bound");
            page.redirect("/userinfo")
        }
        Err(e) => {
            let step = CodeStep::failed(&page, mobile, &e, had_captcha(&form), false);
            show_bind(page, step).await
        }
    }
}

// ---- /userinfo/set-pwd ---------------------------------------------------------------

#[derive(Template)]
#[template(path = "set_pwd.html")]
struct SetPwd<'a> {
    ctx: &'a PageCtx,
    /// The bound mobile, masked; `None`: bind one first.
    masked: Option<String>,
    error: Option<String>,
    send: Option<SendCodeForm>,
    code: String,
    captcha: Option<CaptchaField>,
    password_hint: String,
    skip_href: Option<String>,
    destination: String,
}

async fn set_pwd_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(page) => show_set_pwd(page, step_from(&req)).await,
        Err(to_login) => to_login,
    }
}

async fn show_set_pwd(page: Page, step: CodeStep) -> HttpResponse {
    let mobile = page.ctx.user.as_ref().and_then(|u| u.mobile.clone());
    let send = match &mobile {
        Some(m) => match send_form(&page, "/userinfo/set-pwd", m, false, step.sent).await {
            Ok(s) => Some(s),
            Err(e) => return page.unavailable(&e),
        },
        None => None,
    };
    let captcha = match step.captcha_field(&page, "set-pwd-by-sms").await {
        Ok(c) => c,
        Err(e) => return page.unavailable(&e),
    };
    let code = step.prefilled_code(&page);
    let skippable = page.host().site.set_password_after_login
        == unid_core::plugin::config::SetPasswordAfterLogin::Skippable;
    let destination = page
        .ctx
        .redirect
        .clone()
        .unwrap_or_else(|| "/userinfo".to_string());
    page.show(step.status(), "pages-set-pwd-title", |ctx| {
        SetPwd {
            ctx,
            masked: mobile
                .as_deref()
                .map(unid_core::plugin::accounts::phone::masked),
            error: step.error,
            send,
            code,
            captcha,
            password_hint: unid_core::plugin::pages::password_hint(ctx),
            skip_href: skippable.then(|| destination.clone()),
            destination,
        }
        .render()
    })
}

async fn set_pwd_submit(
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
    let user = page.ctx.user.clone();
    let Some(mobile) = user.as_ref().and_then(|u| u.mobile.clone()) else {
        return show_set_pwd(page, CodeStep::default()).await;
    };
    if form.sends() {
        let path = "/userinfo/set-pwd";
        return send_step(page, path, "set-pwd-by-sms", mobile, &form, show_set_pwd).await;
    }
    if form.password != form.password2 {
        let step = CodeStep::refused(
            &page,
            mobile,
            "pages-password-mismatch",
            had_captcha(&form),
            false,
        );
        return show_set_pwd(page, step).await;
    }
    let destination = form
        .redirect
        .as_deref()
        .and_then(unid_core::plugin::pages::safe_redirect)
        .unwrap_or_else(|| "/userinfo".to_string());
    let params =
        json!({ "password": form.password, "code": form.code(), "captcha": form.captcha() });
    let had_password = user.as_ref().is_some_and(|u| u.has_password);
    let input = SetPassword {
        password: form.password.clone(),
        code: form.code(),
        captcha: form.captcha(),
    };
    let result = match page.caller().validate(&params, SET_PWD_SCHEMA) {
        Ok(()) => rules::set_password(page.caller(), input).await,
        Err(e) => Err(e),
    };
    match result {
        // Replacing a password ends every session (as a password change does).
        Ok(()) if had_password => {
            page.sign_out();
            page.flash("pages-flash-password-changed");
            page.redirect("/login/password")
        }
        Ok(()) => {
            page.flash("pages-flash-password-set");
            page.redirect(&destination)
        }
        Err(e) => {
            let step = CodeStep::failed(&page, mobile, &e, had_captcha(&form), false);
            show_set_pwd(page, step).await
        }
    }
}

/// The sms plugin's sign-in methods, as the host registers them.
pub fn methods() -> Vec<Arc<dyn LoginMethod>> {
    vec![Arc::new(SmsMethod)]
}
