//! The sms plugin's pages (uni-id-pages' login-withoutpwd phone form, login-smscode, retrieve,
//! bind-mobile, set-pwd): each a two-step page — send a code (captcha, `action=send`), then use
//! it — over the same rules as the JSON methods ([`crate::rules`]).

use std::sync::Arc;

use askama::Template;
use serde::Deserialize;
use serde_json::json;
use unid_core::accounts::SignedIn;
use unid_core::actix_web::http::StatusCode;
use unid_core::actix_web::{HttpRequest, HttpResponse, web};
use unid_core::error::{ApiError, ErrorCode};
use unid_core::host::Host;
use unid_core::pages::partials::{
    AgreementsField, CaptchaField, SendCodeForm, Switcher, consented,
};
use unid_core::pages::{
    LoginMethod, Page, PageCtx, ProfileAction, ProfileItem, SiteLinks, UserView, query, urlencode,
};

use crate::rules::{
    self, BIND_MOBILE_BY_SMS_SCHEMA, LOGIN_BY_SMS_SCHEMA, MobileCode, RESET_PWD_BY_SMS_SCHEMA,
    ResetPassword, SEND_SMS_CODE_SCHEMA, SET_PWD_SCHEMA, SendCode, SetPassword,
};

/// Seconds before the send button is enabled again (uni-id-pages' `count`, and the host's
/// default send interval).
const RESEND_SECS: u64 = 60;

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
        retrieve: Some("/retrieve"),
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
}

/// The send step of `page` (scene `scene`), with the captcha every send needs.
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
    let params =
        json!({ "mobile": mobile, "captcha": captcha.clone().unwrap_or_default(), "scene": scene });
    page.caller().validate(&params, SEND_SMS_CODE_SCHEMA)?;
    let input = SendCode {
        mobile: mobile.to_string(),
        scene: scene.to_string(),
        captcha: captcha.unwrap_or_default(),
    };
    match rules::send_code(page.caller(), input).await {
        Err(e) if e.code == ErrorCode::InvalidSmsTemplateId && page.host().config.test_mode => {
            Ok(())
        }
        other => other,
    }
}

/// After a send: back to the page's GET with the number, marked sent (post/redirect/get).
fn after_send(mut page: Page, path: &str, mobile: &str, form: &Submit) -> HttpResponse {
    page.flash(if page.host().config.test_mode {
        "pages-flash-sms-test-mode"
    } else {
        "pages-flash-sms-sent"
    });
    let mut to = format!("{path}?mobile={}&sent=1", urlencode(mobile));
    if form.agree.is_some() {
        to.push_str("&agree=on");
    }
    if let Some(r) = form
        .redirect
        .as_deref()
        .and_then(unid_core::pages::session::safe_redirect)
    {
        to.push_str(&format!("&uniIdRedirectUrl={}", urlencode(&r)));
    }
    page.redirect(&to)
}

/// uni-id-pages fills in the test-mode code by itself.
fn test_code(page: &Page, sent: bool) -> String {
    if sent && page.host().config.test_mode {
        unid_core::codes::TEST_MODE_CODE.to_string()
    } else {
        String::new()
    }
}

fn failed(page: &Page, e: &ApiError) -> (String, bool) {
    let text = page.error_text(e);
    (text, unid_core::pages::needs_captcha(e))
}

/// State of a page after a GET or a refused POST.
struct Shown {
    mobile: String,
    sent: bool,
    error: Option<String>,
    /// The use step needs its own captcha (after the server asked for one).
    use_captcha: bool,
    agreed: bool,
}

impl Shown {
    fn from_query(req: &HttpRequest) -> Shown {
        let q = query(req);
        Shown {
            mobile: q
                .get("mobile")
                .or_else(|| q.get("phoneNumber"))
                .map(|m| national(m))
                .unwrap_or_default(),
            sent: q.get("sent").is_some_and(|v| v == "1"),
            error: None,
            use_captcha: false,
            agreed: q.get("agree").is_some_and(|v| v == "on"),
        }
    }
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
    let shown = Shown::from_query(&req);
    show_login(page, shown).await
}

async fn show_login(page: Page, shown: Shown) -> HttpResponse {
    if !valid_mobile(&shown.mobile) {
        let error = (!shown.mobile.is_empty())
            .then(|| page.ctx.t("pages-sms-mobile-invalid").to_string())
            .or(shown.error);
        return phone_again(page, shown.mobile, error);
    }
    let send = match send_form(&page, "/login/sms", &shown.mobile, false, shown.sent).await {
        Ok(s) => s,
        Err(e) => return unavailable(page, &e),
    };
    let captcha = match use_captcha(&page, shown.use_captcha, "login-by-sms").await {
        Ok(c) => c,
        Err(e) => return unavailable(page, &e),
    };
    let status = status_of(&shown.error);
    let code = test_code(&page, shown.sent);
    page.show(status, "pages-sms-login-title", |ctx| {
        LoginSms {
            ctx,
            change_href: ctx.link("/login?type=smsCode"),
            agreements: AgreementsField::of(ctx, "register", shown.agreed),
            mobile: shown.mobile,
            error: shown.error,
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
    let mut shown = Shown {
        mobile: mobile.clone(),
        sent: true,
        error: None,
        use_captcha: form.captcha.is_some() && form.action.is_none(),
        agreed: form.agree.is_some(),
    };
    if form.action.as_deref() == Some("send") {
        return match send(&page, &mobile, "login-by-sms", form.captcha()).await {
            Ok(()) => after_send(page, "/login/sms", &mobile, &form),
            Err(e) => {
                shown.sent = false;
                shown.use_captcha = false;
                shown.error = Some(page.error_text(&e));
                show_login(page, shown).await
            }
        };
    }
    if !consented(&page.ctx, "register", form.agree.as_deref()) {
        shown.error = Some(page.ctx.t("pages-agree-required").to_string());
        return show_login(page, shown).await;
    }
    let params = json!({ "mobile": mobile, "code": form.code.trim(), "captcha": form.captcha() });
    if let Err(e) = page.caller().validate(&params, LOGIN_BY_SMS_SCHEMA) {
        shown.error = Some(page.error_text(&e));
        return show_login(page, shown).await;
    }
    let input = MobileCode {
        mobile: mobile.clone(),
        code: form.code.trim().to_string(),
        captcha: form.captcha(),
    };
    let invite = form.invite_code.clone().filter(|c| !c.trim().is_empty());
    match rules::login(page.caller(), input, invite).await {
        Ok(done) => {
            let signed_in = SignedIn {
                uid: done.uid,
                token: done.token,
                password_confirmed: done.password_confirmed,
            };
            page.after_sign_in(&signed_in, form.redirect.as_deref())
        }
        Err(e) => {
            let (text, captcha) = failed(&page, &e);
            shown.error = Some(text);
            shown.use_captcha |= captcha;
            show_login(page, shown).await
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
}

async fn retrieve_page(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    let shown = Shown::from_query(&req);
    show_retrieve(page, shown).await
}

async fn show_retrieve(page: Page, mut shown: Shown) -> HttpResponse {
    if shown.sent && !valid_mobile(&shown.mobile) {
        shown.sent = false;
    }
    let send = match send_form(&page, "/retrieve", &shown.mobile, !shown.sent, shown.sent).await {
        Ok(s) => s,
        Err(e) => return unavailable(page, &e),
    };
    let captcha = match use_captcha(&page, shown.use_captcha, "reset-pwd-by-sms").await {
        Ok(c) => c,
        Err(e) => return unavailable(page, &e),
    };
    let status = status_of(&shown.error);
    let code = test_code(&page, shown.sent);
    page.show(status, "pages-sms-retrieve-title", |ctx| {
        Retrieve {
            ctx,
            password_hint: unid_core::pages::password_hint(ctx),
            mobile: shown.mobile,
            sent: shown.sent,
            error: shown.error,
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
    let mut shown = Shown {
        mobile: mobile.clone(),
        sent: true,
        error: None,
        use_captcha: form.captcha.is_some() && form.action.is_none(),
        agreed: false,
    };
    if form.action.as_deref() == Some("send") {
        return match send(&page, &mobile, "reset-pwd-by-sms", form.captcha()).await {
            Ok(()) => after_send(page, "/retrieve", &mobile, &form),
            Err(e) => {
                shown.sent = false;
                shown.use_captcha = false;
                shown.error = Some(page.error_text(&e));
                show_retrieve(page, shown).await
            }
        };
    }
    if form.password != form.password2 {
        shown.error = Some(page.ctx.t("pages-password-mismatch").to_string());
        return show_retrieve(page, shown).await;
    }
    let params = json!({
        "mobile": mobile, "code": form.code.trim(), "password": form.password, "captcha": form.captcha(),
    });
    if let Err(e) = page.caller().validate(&params, RESET_PWD_BY_SMS_SCHEMA) {
        shown.error = Some(page.error_text(&e));
        return show_retrieve(page, shown).await;
    }
    let input = ResetPassword {
        mobile,
        code: form.code.trim().to_string(),
        password: form.password.clone(),
        captcha: form.captcha(),
    };
    match rules::reset_password(page.caller(), input).await {
        Ok(()) => {
            if page.auth().is_some() {
                page.sign_out();
            }
            page.flash("pages-flash-password-reset");
            page.redirect("/login/password")
        }
        Err(e) => {
            let (text, captcha) = failed(&page, &e);
            shown.error = Some(text);
            shown.use_captcha |= captcha;
            show_retrieve(page, shown).await
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
    let page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(p) => p,
        Err(to_login) => return to_login,
    };
    let shown = Shown::from_query(&req);
    show_bind(page, shown).await
}

async fn show_bind(page: Page, mut shown: Shown) -> HttpResponse {
    if shown.sent && !valid_mobile(&shown.mobile) {
        shown.sent = false;
    }
    let send = match send_form(
        &page,
        "/userinfo/bind-mobile",
        &shown.mobile,
        !shown.sent,
        shown.sent,
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return unavailable(page, &e),
    };
    let captcha = match use_captcha(&page, shown.use_captcha, "bind-mobile-by-sms").await {
        Ok(c) => c,
        Err(e) => return unavailable(page, &e),
    };
    let status = status_of(&shown.error);
    let code = test_code(&page, shown.sent);
    page.show(status, "pages-sms-bind-title", |ctx| {
        BindMobile {
            ctx,
            mobile: shown.mobile,
            sent: shown.sent,
            error: shown.error,
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
    let mut shown = Shown {
        mobile: mobile.clone(),
        sent: true,
        error: None,
        use_captcha: form.captcha.is_some() && form.action.is_none(),
        agreed: false,
    };
    if form.action.as_deref() == Some("send") {
        return match send(&page, &mobile, "bind-mobile-by-sms", form.captcha()).await {
            Ok(()) => after_send(page, "/userinfo/bind-mobile", &mobile, &form),
            Err(e) => {
                shown.sent = false;
                shown.use_captcha = false;
                shown.error = Some(page.error_text(&e));
                show_bind(page, shown).await
            }
        };
    }
    let params = json!({ "mobile": mobile, "code": form.code.trim(), "captcha": form.captcha() });
    if let Err(e) = page.caller().validate(&params, BIND_MOBILE_BY_SMS_SCHEMA) {
        shown.error = Some(page.error_text(&e));
        return show_bind(page, shown).await;
    }
    let input = MobileCode {
        mobile,
        code: form.code.trim().to_string(),
        captcha: form.captcha(),
    };
    match rules::bind_mobile(page.caller(), input).await {
        Ok(()) => {
            page.flash("pages-flash-mobile-bound");
            page.redirect("/userinfo")
        }
        Err(e) => {
            let (text, captcha) = failed(&page, &e);
            shown.error = Some(text);
            shown.use_captcha |= captcha;
            show_bind(page, shown).await
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
    let page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(p) => p,
        Err(to_login) => return to_login,
    };
    let shown = Shown::from_query(&req);
    show_set_pwd(page, shown).await
}

async fn show_set_pwd(page: Page, shown: Shown) -> HttpResponse {
    let mobile = page.ctx.user.as_ref().and_then(|u| u.mobile.clone());
    let send = match &mobile {
        Some(m) => match send_form(&page, "/userinfo/set-pwd", m, false, shown.sent).await {
            Ok(s) => Some(s),
            Err(e) => return unavailable(page, &e),
        },
        None => None,
    };
    let captcha = match use_captcha(&page, shown.use_captcha, "set-pwd-by-sms").await {
        Ok(c) => c,
        Err(e) => return unavailable(page, &e),
    };
    let status = status_of(&shown.error);
    let code = test_code(&page, shown.sent);
    let skippable = page.host().site.set_password_after_login
        == unid_core::config::pages::SetPasswordAfterLogin::Skippable;
    let destination = page
        .ctx
        .redirect
        .clone()
        .unwrap_or_else(|| "/userinfo".to_string());
    page.show(status, "pages-set-pwd-title", |ctx| {
        SetPwd {
            ctx,
            masked: mobile.as_deref().map(mask),
            error: shown.error,
            send,
            code,
            captcha,
            password_hint: unid_core::pages::password_hint(ctx),
            skip_href: skippable.then(|| destination.clone()),
            destination,
        }
        .render()
    })
}

fn mask(national: &str) -> String {
    unid_core::accounts::phone::masked(national)
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
    let mut shown = Shown {
        mobile: String::new(),
        sent: true,
        error: None,
        use_captcha: form.captcha.is_some() && form.action.is_none(),
        agreed: false,
    };
    let Some(mobile) = user.as_ref().and_then(|u| u.mobile.clone()) else {
        shown.sent = false;
        return show_set_pwd(page, shown).await;
    };
    let destination = form
        .redirect
        .as_deref()
        .and_then(unid_core::pages::session::safe_redirect)
        .unwrap_or_else(|| "/userinfo".to_string());
    if form.action.as_deref() == Some("send") {
        return match send(&page, &mobile, "set-pwd-by-sms", form.captcha()).await {
            Ok(()) => after_send(page, "/userinfo/set-pwd", "", &form),
            Err(e) => {
                shown.sent = false;
                shown.use_captcha = false;
                shown.error = Some(page.error_text(&e));
                show_set_pwd(page, shown).await
            }
        };
    }
    if form.password != form.password2 {
        shown.error = Some(page.ctx.t("pages-password-mismatch").to_string());
        return show_set_pwd(page, shown).await;
    }
    let params =
        json!({ "password": form.password, "code": form.code.trim(), "captcha": form.captcha() });
    if let Err(e) = page.caller().validate(&params, SET_PWD_SCHEMA) {
        shown.error = Some(page.error_text(&e));
        return show_set_pwd(page, shown).await;
    }
    let had_password = user.as_ref().is_some_and(|u| u.has_password);
    let input = SetPassword {
        password: form.password.clone(),
        code: form.code.trim().to_string(),
        captcha: form.captcha(),
    };
    match rules::set_password(page.caller(), input).await {
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
            let (text, captcha) = failed(&page, &e);
            shown.error = Some(text);
            shown.use_captcha |= captcha;
            show_set_pwd(page, shown).await
        }
    }
}

// ---- helpers ---------------------------------------------------------------------------

async fn use_captcha(
    page: &Page,
    wanted: bool,
    scene: &'static str,
) -> Result<Option<CaptchaField>, ApiError> {
    if wanted {
        CaptchaField::issue(page, scene).await.map(Some)
    } else {
        Ok(None)
    }
}

fn status_of(error: &Option<String>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

fn unavailable(page: Page, e: &ApiError) -> HttpResponse {
    let text = page.error_text(e);
    page.error_text_page(StatusCode::SERVICE_UNAVAILABLE, Some(text))
}

/// The sms plugin's pages, as the host registers them.
pub fn methods() -> Vec<Arc<dyn LoginMethod>> {
    vec![Arc::new(SmsMethod)]
}
