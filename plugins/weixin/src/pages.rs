//! WeChat on the site: sign-in from `/login` (WeChat's QR page in an ordinary browser, its own
//! authorization inside the WeChat browser), and bind / unbind on `/userinfo`. The same rules
//! as `loginByWeixin`, `bindWeixin` and `unbindWeixin`, with the platform `web` or `h5`.
//!
//! The state sent to WeChat is bound to the browser that started (the host's sign-in flow);
//! the callback refuses any other.

use askama::Template;
use serde::Deserialize;
use unid_core::plugin::Host;
use unid_core::plugin::accounts::ThirdPartyId;
use unid_core::plugin::actix_web::http::StatusCode;
use unid_core::plugin::actix_web::{HttpRequest, HttpResponse, web};
use unid_core::plugin::config::Effective;
use unid_core::plugin::pages::partials::{AgreementsField, consented};
use unid_core::plugin::pages::{
    LoginMethod, Page, PageCtx, ProfileAction, ProfileItem, query, urlencode,
};

use crate::WeixinPlugin;
use crate::platform::{Platform, configured, credentials, in_wechat};
use crate::rules::{self, PROVIDER};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/login/weixin", web::get().to(start))
        .route("/login/weixin/callback", web::get().to(callback))
        .route("/userinfo/weixin/bind", web::get().to(start_bind))
        .route("/userinfo/weixin/unbind", web::post().to(unbind));
}

const LOGIN: &str = "login";
const BIND: &str = "bind";

/// WeChat in the login-method switcher, and its button on `/login` when it is the default.
pub struct WeixinMethod {
    /// The origin of WeChat's sign-in pages, where the button's form is redirected.
    pub form_target: String,
}

impl LoginMethod for WeixinMethod {
    fn login_type(&self) -> &'static str {
        "weixin"
    }
    fn label(&self) -> &'static str {
        "weixin-method"
    }
    fn icon(&self) -> &'static str {
        "icons/weixin.svg"
    }
    fn path(&self) -> &'static str {
        "/login/weixin"
    }
    fn login_block(&self, ctx: &PageCtx) -> Option<String> {
        StartBlock::of(ctx, None).render().ok()
    }
    fn form_target(&self) -> Option<String> {
        Some(self.form_target.clone())
    }
    fn available(&self, effective: &Effective) -> bool {
        configured(effective, Platform::Web) || configured(effective, Platform::H5)
    }
}

/// The sign-in button (with the agreements box when the site asks for consent).
#[derive(Template)]
#[template(path = "start_block.html")]
struct StartBlock<'a> {
    ctx: &'a PageCtx,
    agreements: Option<AgreementsField>,
    error: Option<String>,
}

impl<'a> StartBlock<'a> {
    fn of(ctx: &'a PageCtx, error: Option<String>) -> StartBlock<'a> {
        StartBlock {
            ctx,
            agreements: AgreementsField::of(ctx, "register", false),
            error,
        }
    }
}

/// A result worth a page of its own: what went wrong, and the way back.
#[derive(Template)]
#[template(path = "notice.html")]
struct Notice<'a> {
    ctx: &'a PageCtx,
    message: String,
    back_href: &'static str,
    back_label: &'static str,
}

fn notice(page: Page, status: StatusCode, message: String, back_to_profile: bool) -> HttpResponse {
    let (back_href, back_label) = if back_to_profile {
        ("/userinfo", "weixin-back-to-profile")
    } else {
        ("/login", "weixin-back-to-login")
    };
    page.show(status, "weixin-title", |ctx| {
        Notice {
            ctx,
            message,
            back_href,
            back_label,
        }
        .render()
    })
}

/// WeChat's sign-in page for this browser: the official account's authorization inside the
/// WeChat browser, the website QR page elsewhere (spec §11.1, uni-id-pages' fab-login).
fn authorize_url(
    open_endpoint: &str,
    platform: Platform,
    appid: &str,
    redirect_uri: &str,
    state: &str,
) -> String {
    let (path, scope, extra) = match platform {
        Platform::H5 => (
            "/connect/oauth2/authorize",
            "snsapi_userinfo",
            "&connect_redirect=1",
        ),
        _ => ("/connect/qrconnect", "snsapi_login", ""),
    };
    format!(
        "{open_endpoint}{path}?appid={}&redirect_uri={}&response_type=code&scope={scope}&state={}{extra}#wechat_redirect",
        urlencode(appid),
        urlencode(redirect_uri),
        urlencode(state),
    )
}

/// Sends the browser to WeChat with a state bound to it; the flow is for `purpose`.
fn go_to_weixin(mut page: Page, purpose: &str, redirect: Option<&str>) -> HttpResponse {
    let caller = page.caller();
    let platform = if in_wechat(caller.client.user_agent.as_deref()) {
        Platform::H5
    } else {
        Platform::Web
    };
    let creds = match credentials(&caller.effective, platform) {
        Ok(c) => c,
        Err(e) => {
            let text = page.error_text(&e);
            return notice(page, StatusCode::NOT_FOUND, text, purpose == BIND);
        }
    };
    let Some(plugin) = page.host().plugin::<WeixinPlugin>() else {
        return page.error_page(StatusCode::NOT_FOUND, "pages-error-not-found");
    };
    let open_endpoint = plugin.open_endpoint.clone();
    let callback = format!("{}/login/weixin/callback", page.host().config.public_url());
    let state = page.begin_flow(PROVIDER, purpose, redirect);
    let url = authorize_url(&open_endpoint, platform, &creds.appid, &callback, &state);
    page.leave_for(&url)
}

/// `GET /login/weixin?uniIdRedirectUrl=&agree=`: to WeChat, once the visitor has agreed to the
/// site's terms when it asks them to (a first sign-in makes an account).
async fn start(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let page = Page::load(&host, &req).await;
    let params = query(&req);
    let redirect = params.get("uniIdRedirectUrl").cloned();
    if !consented(
        &page.ctx,
        "register",
        params.get("agree").map(String::as_str),
    ) {
        // Asked for (the box was sent unticked), or not yet seen: the page with the box.
        let error = params
            .contains_key("go")
            .then(|| page.ctx.t("pages-agree-required").to_string());
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        return page.show(status, "weixin-title", |ctx| {
            StartBlock::of(ctx, error).render()
        });
    }
    go_to_weixin(page, LOGIN, redirect.as_deref())
}

/// `GET /userinfo/weixin/bind`: to WeChat, to link the account it names to this one.
async fn start_bind(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(page) => go_to_weixin(page, BIND, Some("/userinfo")),
        Err(to_login) => to_login,
    }
}

/// `GET /login/weixin/callback?code=&state=`: WeChat's answer.
async fn callback(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let params = query(&req);
    let state = params.get("state").map(String::as_str).unwrap_or_default();
    let Some(flow) = page.finish_flow(&req, PROVIDER, state) else {
        let text = page.ctx.t("weixin-error-state").to_string();
        return notice(page, StatusCode::BAD_REQUEST, text, false);
    };
    let binding = flow.purpose == BIND;
    // WeChat sends no code when the user declines.
    let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
        let text = page.ctx.t("weixin-error-declined").to_string();
        return notice(page, StatusCode::UNAUTHORIZED, text, binding);
    };
    if binding {
        if page.ctx.user.is_none() {
            return page.redirect("/login");
        }
        return match rules::bind_weixin(page.caller(), code).await {
            Ok(()) => {
                page.flash("pages-flash-weixin-bound");
                page.redirect("/userinfo")
            }
            Err(e) => {
                let text = page.error_text(&e);
                notice(page, StatusCode::UNPROCESSABLE_ENTITY, text, true)
            }
        };
    }
    match rules::login(page.caller(), code, None).await {
        Ok(done) => page.after_sign_in(&done.signed_in(), flow.redirect.as_deref()),
        Err(e) => {
            let text = page.error_text(&e);
            notice(page, StatusCode::UNPROCESSABLE_ENTITY, text, false)
        }
    }
}

#[derive(Deserialize)]
struct Confirm {}

/// `POST /userinfo/weixin/unbind`.
async fn unbind(host: web::ThinData<Host>, req: HttpRequest, body: web::Payload) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(p) => p,
        Err(to_login) => return to_login,
    };
    if let Err(refused) = page.form::<Confirm>(&req, body).await {
        return refused;
    }
    match rules::unbind_weixin(page.caller()).await {
        Ok(()) => {
            page.flash("pages-flash-weixin-unbound");
            page.redirect("/userinfo")
        }
        Err(e) => {
            let text = page.error_text(&e);
            notice(page, StatusCode::UNPROCESSABLE_ENTITY, text, true)
        }
    }
}

/// The WeChat row of `/userinfo`: bound or not, with unbind or bind.
pub fn profile_items(ctx: &PageCtx, linked: &[ThirdPartyId]) -> Vec<ProfileItem> {
    let bound = linked.iter().any(|id| id.provider == PROVIDER);
    let effective = &ctx.host().site.effective;
    let web_configured =
        configured(effective, Platform::Web) || configured(effective, Platform::H5);
    if !bound && !web_configured {
        return Vec::new();
    }
    let action = if bound {
        Some(ProfileAction {
            href: "/userinfo/weixin/unbind".into(),
            label: ctx.t("weixin-unbind").to_string(),
            post: true,
        })
    } else {
        Some(ProfileAction {
            href: "/userinfo/weixin/bind".into(),
            label: ctx.t("weixin-bind").to_string(),
            post: false,
        })
    };
    vec![ProfileItem {
        id: "weixin",
        label: ctx.t("weixin-method").to_string(),
        value: Some(
            ctx.t(if bound {
                "weixin-bound"
            } else {
                "pages-unbound"
            })
            .to_string(),
        ),
        action,
    }]
}

/// `scheme://host[:port]` of a URL.
pub fn origin(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| after_scheme + i);
    url[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_page_and_the_wechat_browser_s_authorization() {
        let web = authorize_url(
            "https://open.weixin.qq.com",
            Platform::Web,
            "wx123",
            "https://id.example.com/login/weixin/callback",
            "s-1",
        );
        assert_eq!(
            web,
            "https://open.weixin.qq.com/connect/qrconnect?appid=wx123&redirect_uri=https%3A%2F%2Fid.example.com%2Flogin%2Fweixin%2Fcallback&response_type=code&scope=snsapi_login&state=s-1#wechat_redirect"
        );
        let h5 = authorize_url(
            "https://open.weixin.qq.com",
            Platform::H5,
            "wx9",
            "https://x/cb",
            "s",
        );
        assert!(h5.starts_with("https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx9&"));
        assert!(
            h5.contains("scope=snsapi_userinfo")
                && h5.ends_with("&connect_redirect=1#wechat_redirect")
        );
    }
}
