//! WeChat on the site: sign-in from `/login` (WeChat's QR page in an ordinary browser, its own
//! authorization inside the WeChat browser), and bind / unbind on `/userinfo`. The same rules
//! as `loginByWeixin`, `bindWeixin` and `unbindWeixin`, with the platform `web` or `h5`.
//!
//! The state sent to WeChat is bound to the browser that started (the host's sign-in flow);
//! the callback refuses any other.

use unid_core::plugin::Host;
use unid_core::plugin::accounts::ThirdPartyId;
use unid_core::plugin::actix_web::http::StatusCode;
use unid_core::plugin::actix_web::{HttpRequest, HttpResponse, web};
use unid_core::plugin::config::Effective;
use unid_core::plugin::pages::{
    Back, LoginMethod, Page, PageCtx, ProfileItem, ProviderPages, query, urlencode,
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
        PAGES.start_block(ctx, None).ok()
    }
    fn form_target(&self) -> Option<String> {
        Some(self.form_target.clone())
    }
    fn available(&self, effective: &Effective) -> bool {
        configured(effective, Platform::Web) || configured(effective, Platform::H5)
    }
}

/// WeChat as the site's pages show it.
pub const PAGES: ProviderPages = ProviderPages {
    provider: PROVIDER,
    start_path: "/login/weixin",
    bind_path: "/userinfo/weixin/bind",
    unbind_path: "/userinfo/weixin/unbind",
    title: "weixin-title",
    tip: "weixin-tip",
    sign_in: "weixin-sign-in",
    name: "weixin-name",
    bound: "weixin-bound",
    bound_flash: "pages-flash-weixin-bound",
    unbound_flash: "pages-flash-weixin-unbound",
    brand: "brand-weixin",
    icon: "icons/weixin.svg",
};

fn back(binding: bool) -> Back {
    if binding { Back::Profile } else { Back::Login }
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
            return PAGES.notice(
                page,
                StatusCode::NOT_FOUND,
                text,
                true,
                back(purpose == BIND),
            );
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
    match PAGES.consent(Page::load(&host, &req).await, &req) {
        Ok((page, redirect)) => go_to_weixin(page, LOGIN, redirect.as_deref()),
        Err(answer) => answer,
    }
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
        return PAGES.notice(page, StatusCode::BAD_REQUEST, text, true, Back::Login);
    };
    let binding = flow.purpose == BIND;
    // WeChat sends no code when the user declines.
    let Some(code) = params.get("code").filter(|c| !c.is_empty()) else {
        let text = page.ctx.t("weixin-error-declined").to_string();
        return PAGES.notice(page, StatusCode::UNAUTHORIZED, text, false, back(binding));
    };
    if binding {
        if page.ctx.user.is_none() {
            return page.redirect("/login");
        }
        return match rules::bind_weixin(page.caller(), code).await {
            Ok(()) => {
                page.flash(PAGES.bound_flash);
                page.redirect("/userinfo")
            }
            Err(e) => {
                let text = page.error_text(&e);
                PAGES.notice(
                    page,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    text,
                    true,
                    Back::Profile,
                )
            }
        };
    }
    match rules::login(page.caller(), code, None).await {
        Ok(done) => page.after_sign_in(&done.signed_in(), flow.redirect.as_deref()),
        Err(e) => {
            let text = page.error_text(&e);
            PAGES.notice(
                page,
                StatusCode::UNPROCESSABLE_ENTITY,
                text,
                true,
                Back::Login,
            )
        }
    }
}

/// `POST /userinfo/weixin/unbind`.
async fn unbind(host: web::ThinData<Host>, req: HttpRequest, body: web::Payload) -> HttpResponse {
    PAGES.unbind(host, req, body, rules::unbind_weixin).await
}

/// The WeChat row of `/userinfo`: linked or not, with unlink or (when the site signs in with
/// WeChat) link.
pub fn profile_items(ctx: &PageCtx, linked: &[ThirdPartyId]) -> Vec<ProfileItem> {
    let effective = &ctx.host().site.effective;
    let site = configured(effective, Platform::Web) || configured(effective, Platform::H5);
    PAGES.profile_row(ctx, linked, site)
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
