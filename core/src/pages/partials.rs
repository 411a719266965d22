//! Pieces every sign-in form shares, as typed values a template writes with `{{ field }}`: the
//! image captcha, the agreements consent, the login-method switcher. Each renders its own
//! `templates/partials/*.html`, so a plugin's templates use them without sharing the host's
//! template directory.

use askama::Template;

use crate::error::ApiResult;
use crate::pages::{Page, PageCtx};

/// An image captcha for one scene, bound to the visitor's device (field `captcha`, or another
/// name when a form carries two).
#[derive(Template, Debug, Clone)]
#[template(path = "partials/captcha.html")]
pub struct CaptchaField {
    pub field: &'static str,
    pub scene: &'static str,
    /// `data:image/svg+xml;base64,…`
    pub image: String,
    pub csrf: String,
    /// Without script, "another one" reloads the page (which draws a new one).
    pub refresh_href: String,
    pub label: String,
    pub placeholder: String,
    pub refresh: String,
    pub test_hint: Option<String>,
}

impl askama::filters::HtmlSafe for CaptchaField {}

impl CaptchaField {
    /// Draws a new captcha for `scene` (any earlier one for the device and scene is void).
    pub async fn issue(page: &Page, scene: &'static str) -> ApiResult<CaptchaField> {
        Self::issue_as(page, scene, "captcha").await
    }

    pub async fn issue_as(
        page: &Page,
        scene: &'static str,
        field: &'static str,
    ) -> ApiResult<CaptchaField> {
        let caller = page.caller();
        let device = caller.client.device_id.clone().unwrap_or_default();
        let image = crate::captcha::issue_image(
            page.host(),
            device,
            scene.to_string(),
            caller.client.client_ip.clone(),
            false,
        )
        .await?;
        let ctx = &page.ctx;
        Ok(CaptchaField {
            field,
            scene,
            image,
            csrf: ctx.csrf.clone(),
            refresh_href: ctx.uri.clone(),
            label: ctx.t("pages-captcha-label").to_string(),
            placeholder: ctx.t("pages-captcha-placeholder").to_string(),
            refresh: ctx.t("pages-captcha-refresh").to_string(),
            test_hint: page.host().config.test_mode.then(|| {
                ctx.t1(
                    "pages-test-mode-captcha",
                    "answer",
                    crate::captcha::TEST_MODE_ANSWER,
                )
            }),
        })
    }
}

/// uni-id-pages' agreements: a consent checkbox (field `agree`) and the two links, when the
/// site's `agreements.scope` includes the form's scope.
#[derive(Template, Debug, Clone)]
#[template(path = "partials/agreements.html")]
pub struct AgreementsField {
    pub checked: bool,
    pub prefix: String,
    pub service_url: String,
    pub service_title: String,
    pub and: String,
    pub privacy_url: String,
    pub privacy_title: String,
}

impl askama::filters::HtmlSafe for AgreementsField {}

impl AgreementsField {
    /// `None` when this form asks no consent.
    pub fn of(ctx: &PageCtx, scope: &str, checked: bool) -> Option<AgreementsField> {
        let site = &ctx.host().site;
        let a = site.agreements.as_ref().filter(|a| a.applies_to(scope))?;
        Some(AgreementsField {
            checked,
            prefix: ctx.t("pages-agree-prefix").to_string(),
            service_url: a.service_url.clone(),
            service_title: ctx.t("pages-agree-service").to_string(),
            and: ctx.t("pages-agree-and").to_string(),
            privacy_url: a.privacy_url.clone(),
            privacy_title: ctx.t("pages-agree-privacy").to_string(),
        })
    }
}

/// Whether a submitted form consented where the site asks for it (the server's check; the
/// checkbox alone proves nothing).
pub fn consented(ctx: &PageCtx, scope: &str, agree: Option<&str>) -> bool {
    !ctx.host().site.needs_consent(scope) || matches!(agree, Some("on" | "true" | "1"))
}

/// uni-id-pages' fab-login: the other sign-in methods, as icon links.
#[derive(Template, Debug, Clone)]
#[template(path = "partials/switcher.html")]
pub struct Switcher {
    pub heading: String,
    pub entries: Vec<SwitcherEntry>,
}

#[derive(Debug, Clone)]
pub struct SwitcherEntry {
    pub href: String,
    pub icon: String,
    pub label: String,
}

impl askama::filters::HtmlSafe for Switcher {}

impl Switcher {
    /// Every offered method except `current` (the one the page is).
    pub fn of(ctx: &PageCtx, current: &str) -> Switcher {
        let entries = ctx
            .host()
            .site
            .methods
            .iter()
            .filter(|m| m.login_type() != current)
            .map(|m| SwitcherEntry {
                href: ctx.link(m.path()),
                icon: ctx.asset(m.icon()).to_string(),
                label: ctx.t(m.label()).to_string(),
            })
            .collect();
        Switcher {
            heading: ctx.t("pages-switcher-heading").to_string(),
            entries,
        }
    }
}

/// The first step of every code form (uni-id-pages' sms-form / email-form): where the code
/// goes, the captcha every send needs (scene `send-sms-code` / `send-email-code`), and the send
/// button, which counts down after a send. It posts `action=send` with the API's parameter
/// names (`mobile` or `email`, `captcha`).
#[derive(Template, Debug, Clone)]
#[template(path = "partials/send_code.html")]
pub struct SendCodeForm {
    pub action: String,
    pub csrf: String,
    pub redirect: Option<String>,
    /// `mobile` or `email`.
    pub target_name: &'static str,
    pub target_label: String,
    pub target_value: String,
    /// The input's `type` (`tel`, `email`).
    pub target_type: &'static str,
    /// Whether the visitor types it (else it is shown and sent along hidden).
    pub target_editable: bool,
    /// Shown before the input (`+86`).
    pub prefix: Option<String>,
    pub placeholder: String,
    pub captcha: CaptchaField,
    pub button: String,
    /// Seconds until another send is allowed, right after a send.
    pub countdown: Option<u64>,
    /// The button's text while counting down, `{s}` standing for the seconds.
    pub countdown_label: String,
}

impl askama::filters::HtmlSafe for SendCodeForm {}
