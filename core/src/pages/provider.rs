//! What a third-party provider's site pages share (WeChat, Apple…): the sign-in button with the
//! site's consent box, the page that asks for consent before leaving for the provider, the
//! notice when a sign-in through the provider does not finish, the `/userinfo` row with link
//! and unlink, and the unlink form's handler. A plugin describes itself once in a
//! [`ProviderPages`] and keeps only what is its own: the provider's URLs and its answers.

use std::future::Future;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::accounts::Caller;
use crate::db::models::third_party::ThirdPartyId;
use crate::error::ApiResult;
use crate::pages::partials::{AgreementsField, consented};
use crate::pages::{Page, PageCtx, ProfileAction, ProfileItem, query};

/// A provider as its pages show it. Text ids are the plugin's.
#[derive(Debug, Clone, Copy)]
pub struct ProviderPages {
    /// Its id (the sign-in flow's, the identities').
    pub provider: &'static str,
    /// Where its sign-in starts (`/login/weixin`), and where linking and unlinking do.
    pub start_path: &'static str,
    pub bind_path: &'static str,
    pub unbind_path: &'static str,
    /// Text ids: the page title, the line above the button, the button, the provider's name
    /// (the `/userinfo` row), the row's "linked", the notices after linking and unlinking.
    pub title: &'static str,
    pub tip: &'static str,
    pub sign_in: &'static str,
    pub name: &'static str,
    pub bound: &'static str,
    pub bound_flash: &'static str,
    pub unbound_flash: &'static str,
    /// The button's CSS class (its colours) and icon asset.
    pub brand: &'static str,
    pub icon: &'static str,
}

#[derive(Template)]
#[template(path = "partials/provider_start.html")]
struct StartBlock<'a> {
    ctx: &'a PageCtx,
    p: &'a ProviderPages,
    agreements: Option<AgreementsField>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "partials/provider_notice.html")]
struct Notice<'a> {
    ctx: &'a PageCtx,
    message: String,
    /// A cancel is news, not an error.
    error: bool,
    back_href: &'static str,
    back_label: &'static str,
}

/// Where a notice leads back to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Back {
    Login,
    Profile,
}

#[derive(Deserialize)]
struct Confirm {}

impl ProviderPages {
    /// The sign-in button (with the agreements box when the site asks for consent), for
    /// `LoginMethod::login_block` and the consent page.
    pub fn start_block(&self, ctx: &PageCtx, error: Option<String>) -> askama::Result<String> {
        StartBlock {
            ctx,
            p: self,
            agreements: AgreementsField::of(ctx, "register", false),
            error,
        }
        .render()
    }

    /// For `GET <start_path>`: the page and the visitor's `uniIdRedirectUrl` when they may go
    /// on to the provider (they agreed to the site's terms, when it asks, as a first sign-in
    /// makes an account); else the answer to give (the page with the box, and an error when
    /// the box was sent unticked).
    #[expect(
        clippy::result_large_err,
        reason = "the answer is built once per request and sent at once"
    )]
    pub fn consent(
        &self,
        page: Page,
        req: &HttpRequest,
    ) -> Result<(Page, Option<String>), HttpResponse> {
        let params = query(req);
        let redirect = params.get("uniIdRedirectUrl").cloned();
        if consented(
            &page.ctx,
            "register",
            params.get("agree").map(String::as_str),
        ) {
            return Ok((page, redirect));
        }
        let error = params
            .contains_key("go")
            .then(|| page.ctx.t("pages-agree-required").to_string());
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        Err(page.show(status, self.title, |ctx| self.start_block(ctx, error)))
    }

    /// A sign-in or link through the provider that did not finish: `message` (an error, or
    /// with `error: false` the visitor's own cancel) and the way back.
    pub fn notice(
        &self,
        page: Page,
        status: StatusCode,
        message: String,
        error: bool,
        back: Back,
    ) -> HttpResponse {
        let (back_href, back_label) = match back {
            Back::Login => ("/login", "pages-back-to-login"),
            Back::Profile => ("/userinfo", "pages-back-to-profile"),
        };
        page.show(status, self.title, |ctx| {
            Notice {
                ctx,
                message,
                error,
                back_href,
                back_label,
            }
            .render()
        })
    }

    /// The provider's `/userinfo` row: linked (with unlink) or not (with link, when the site
    /// can sign in with it); none when neither.
    pub fn profile_row(
        &self,
        ctx: &PageCtx,
        linked: &[ThirdPartyId],
        can_link: bool,
    ) -> Vec<ProfileItem> {
        let bound = linked.iter().any(|id| id.provider == self.provider);
        let action = if bound {
            ProfileAction {
                href: self.unbind_path.into(),
                label: ctx.t("pages-unlink").to_string(),
                post: true,
            }
        } else if can_link {
            ProfileAction {
                href: self.bind_path.into(),
                label: ctx.t("pages-link").to_string(),
                post: false,
            }
        } else {
            return Vec::new();
        };
        vec![ProfileItem {
            id: self.provider,
            label: ctx.t(self.name).to_string(),
            value: Some(
                ctx.t(if bound { self.bound } else { "pages-unbound" })
                    .to_string(),
            ),
            action: Some(action),
        }]
    }

    /// `POST <unbind_path>`: the form token checked, then `unbind` (the plugin's rule), then
    /// back to `/userinfo` with the notice, or the rule's refusal on a page of its own.
    pub async fn unbind<F, Fut>(
        &self,
        host: web::ThinData<crate::host::Host>,
        req: HttpRequest,
        body: web::Payload,
        unbind: F,
    ) -> HttpResponse
    where
        F: FnOnce(Caller) -> Fut,
        Fut: Future<Output = ApiResult<()>>,
    {
        let mut page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
            Ok(p) => p,
            Err(to_login) => return to_login,
        };
        if let Err(refused) = page.form::<Confirm>(&req, body).await {
            return refused;
        }
        match unbind(page.caller()).await {
            Ok(()) => {
                page.flash(self.unbound_flash);
                page.redirect("/userinfo")
            }
            Err(e) => {
                let text = page.error_text(&e);
                self.notice(
                    page,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    text,
                    true,
                    Back::Profile,
                )
            }
        }
    }
}
