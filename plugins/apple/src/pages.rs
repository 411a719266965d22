//! Sign in with Apple on the site, and bind / unbind on `/userinfo`.
//!
//! The browser goes to Apple's authorization page with a state bound to it (the host's
//! sign-in flow) and a nonce derived from that state. Apple answers by posting a form back
//! (`response_mode=form_post`): a cross-site POST, which carries no SameSite=Lax cookie, so the
//! answer is kept server-side for five minutes under a random key and the browser is sent on
//! to `/login/apple/finish`, a top-level GET that does carry the flow's cookie. There the state
//! must match the browser's, and the identity token is verified — signature, issuer, the
//! Services ID as audience, expiry, and the nonce.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use unid_core::plugin::Host;
use unid_core::plugin::accounts::ThirdPartyId;
use unid_core::plugin::actix_web::http::StatusCode;
use unid_core::plugin::actix_web::{HttpRequest, HttpResponse, web};
use unid_core::plugin::config::Effective;
use unid_core::plugin::pages::{
    Back, LoginMethod, Page, PageCtx, ProfileItem, ProviderPages, query, urlencode,
};

use crate::ApplePlugin;
use crate::rules::{self, Audience, PROVIDER};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.route("/login/apple", web::get().to(start))
        .route("/login/apple/callback", web::post().to(callback))
        .route("/login/apple/finish", web::get().to(finish))
        .route("/userinfo/apple/bind", web::get().to(start_bind))
        .route("/userinfo/apple/unbind", web::post().to(unbind));
}

const LOGIN: &str = "login";
const BIND: &str = "bind";
/// How long Apple's answer waits for the browser to come back for it.
const ANSWER_MS: i64 = 5 * 60 * 1000;

/// Apple in the login-method switcher, and its button on `/login` when it is the default;
/// offered when the site has a Services ID.
pub struct AppleMethod {
    pub on_the_site: bool,
    /// The origin of Apple's sign-in page, where the button's form is redirected.
    pub form_target: String,
}

impl LoginMethod for AppleMethod {
    fn login_type(&self) -> &'static str {
        "apple"
    }
    fn label(&self) -> &'static str {
        "apple-method"
    }
    fn icon(&self) -> &'static str {
        "icons/apple.svg"
    }
    fn path(&self) -> &'static str {
        "/login/apple"
    }
    fn login_block(&self, ctx: &PageCtx) -> Option<String> {
        PAGES.start_block(ctx, None).ok()
    }
    fn form_target(&self) -> Option<String> {
        Some(self.form_target.clone())
    }
    fn available(&self, _effective: &Effective) -> bool {
        self.on_the_site
    }
}

/// Whether the site can sign in with Apple (a Services ID is configured).
fn on_the_site(host: &Host) -> bool {
    host.plugin::<ApplePlugin>()
        .is_some_and(|p| p.web_client_id.is_some())
}

/// Apple as the site's pages show it.
pub const PAGES: ProviderPages = ProviderPages {
    provider: PROVIDER,
    start_path: "/login/apple",
    bind_path: "/userinfo/apple/bind",
    unbind_path: "/userinfo/apple/unbind",
    title: "apple-title",
    tip: "apple-tip",
    sign_in: "apple-sign-in",
    name: "apple-name",
    bound: "apple-bound",
    bound_flash: "pages-flash-apple-bound",
    unbound_flash: "pages-flash-apple-unbound",
    brand: "brand-apple",
    icon: "icons/apple.svg",
};

fn back(binding: bool) -> Back {
    if binding { Back::Profile } else { Back::Login }
}

/// The nonce sent with a flow's state: bound to it, so nothing more is stored.
fn nonce_of(state: &str) -> String {
    hex::encode(Sha256::digest(format!("unid-apple-nonce:{state}")))
}

/// Apple's authorization page for the site's Services ID, answering by form post.
fn authorize_url(base: &str, client_id: &str, redirect_uri: &str, state: &str) -> String {
    format!(
        "{base}?client_id={}&redirect_uri={}&response_type=code%20id_token&response_mode=form_post&scope=name&state={}&nonce={}",
        urlencode(client_id),
        urlencode(redirect_uri),
        urlencode(state),
        nonce_of(state),
    )
}

fn go_to_apple(mut page: Page, purpose: &str, redirect: Option<&str>) -> HttpResponse {
    let Some(plugin) = page.host().plugin::<ApplePlugin>() else {
        return page.error_page(StatusCode::NOT_FOUND, "pages-error-not-found");
    };
    let (base, client_id) = (plugin.authorize_url.clone(), plugin.web_client_id.clone());
    let Some(client_id) = client_id else {
        let text = page.ctx.t("apple-not-on-the-site").to_string();
        return PAGES.notice(
            page,
            StatusCode::NOT_FOUND,
            text,
            true,
            back(purpose == BIND),
        );
    };
    let callback = format!("{}/login/apple/callback", page.host().config.public_url());
    let state = page.begin_flow(PROVIDER, purpose, redirect);
    let url = authorize_url(&base, &client_id, &callback, &state);
    page.leave_for(&url)
}

/// `GET /login/apple?uniIdRedirectUrl=&agree=`.
async fn start(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match PAGES.consent(Page::load(&host, &req).await, &req) {
        Ok((page, redirect)) => go_to_apple(page, LOGIN, redirect.as_deref()),
        Err(answer) => answer,
    }
}

/// `GET /userinfo/apple/bind`.
async fn start_bind(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    match Page::load(&host, &req).await.signed_in_or_login(&req) {
        Ok(page) => go_to_apple(page, BIND, Some("/userinfo")),
        Err(to_login) => to_login,
    }
}

fn answer_key(k: &str) -> String {
    format!("unid:apple-web:{k}:answer")
}

/// `POST /login/apple/callback`: Apple's form post. Kept for the browser to fetch with its
/// cookie; nothing is decided here.
async fn callback(host: web::ThinData<Host>, req: HttpRequest, body: web::Payload) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let fields = match page.provider_form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let answer = json!({
        "state": field("state").unwrap_or_default(),
        "id_token": field("id_token"),
        "user": field("user"),
        "error": field("error"),
    })
    .to_string();
    let mut random = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let k = URL_SAFE_NO_PAD.encode(random);
    let (h, key, expired) = (
        host.clone(),
        answer_key(&k),
        host.clock.now_ms() + ANSWER_MS,
    );
    let kept = host
        .db
        .run(move |conn| h.credentials.put(conn, &key, &answer, expired))
        .await;
    match kept {
        Ok(()) => page.redirect(&format!("/login/apple/finish?k={k}")),
        Err(e) => page.unavailable(&e),
    }
}

/// What Apple posted, taken once.
struct Answer {
    state: String,
    id_token: Option<String>,
    /// On the first authorization only: `{"name": {"firstName", "lastName"}, "email"}`.
    name: Option<String>,
    declined: bool,
}

async fn take_answer(host: &Host, k: &str) -> Option<Answer> {
    let (h, key, now) = (host.clone(), answer_key(k), host.clock.now_ms());
    let text = host
        .db
        .run(move |conn| {
            let v = h.credentials.get(conn, &key, now)?;
            if v.is_some() {
                h.credentials.remove(conn, &key)?;
            }
            Ok(v)
        })
        .await
        .ok()??;
    let v: Value = serde_json::from_str(&text).ok()?;
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let name = text("user")
        .and_then(|u| serde_json::from_str::<Value>(&u).ok())
        .and_then(|u| {
            let part = |p: &str| {
                u["name"][p]
                    .as_str()
                    .map(str::trim)
                    .unwrap_or("")
                    .to_string()
            };
            let full = format!("{} {}", part("firstName"), part("lastName"));
            Some(full.trim().to_string()).filter(|n| !n.is_empty())
        });
    Some(Answer {
        state: text("state").unwrap_or_default(),
        id_token: text("id_token"),
        name,
        declined: text("error").is_some(),
    })
}

/// `GET /login/apple/finish?k=`: the browser comes back for Apple's answer.
async fn finish(host: web::ThinData<Host>, req: HttpRequest) -> HttpResponse {
    let mut page = Page::load(&host, &req).await;
    let k = query(&req).get("k").cloned().unwrap_or_default();
    let Some(answer) = take_answer(&host, &k).await else {
        let text = page.ctx.t("apple-error-state").to_string();
        return PAGES.notice(page, StatusCode::BAD_REQUEST, text, true, Back::Login);
    };
    let Some(flow) = page.finish_flow(&req, PROVIDER, &answer.state) else {
        let text = page.ctx.t("apple-error-state").to_string();
        return PAGES.notice(page, StatusCode::BAD_REQUEST, text, true, Back::Login);
    };
    let binding = flow.purpose == BIND;
    let token = match (answer.declined, answer.id_token) {
        (false, Some(t)) => t,
        _ => {
            let text = page.ctx.t("apple-error-declined").to_string();
            return PAGES.notice(page, StatusCode::UNAUTHORIZED, text, false, back(binding));
        }
    };
    let nonce = nonce_of(&answer.state);
    if binding {
        if page.ctx.user.is_none() {
            return page.redirect("/login");
        }
        return match rules::bind_apple(page.caller(), &token, Audience::Site, Some(&nonce)).await {
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
    let signed = rules::login(
        page.caller(),
        &token,
        Audience::Site,
        Some(&nonce),
        answer.name,
        None,
    )
    .await;
    match signed {
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

/// `POST /userinfo/apple/unbind`.
async fn unbind(host: web::ThinData<Host>, req: HttpRequest, body: web::Payload) -> HttpResponse {
    PAGES.unbind(host, req, body, rules::unbind_apple).await
}

/// The Apple row of `/userinfo`: linked or not, with unlink or (when the site signs in with
/// Apple) link.
pub fn profile_items(ctx: &PageCtx, linked: &[ThirdPartyId]) -> Vec<ProfileItem> {
    PAGES.profile_row(ctx, linked, on_the_site(ctx.host()))
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
    fn apple_answers_by_form_post_with_the_flow_s_nonce() {
        let url = authorize_url(
            "https://appleid.apple.com/auth/authorize",
            "com.example.signin",
            "https://id.example.com/login/apple/callback",
            "s-1",
        );
        assert!(url.starts_with("https://appleid.apple.com/auth/authorize?client_id=com.example.signin&redirect_uri=https%3A%2F%2Fid.example.com%2Flogin%2Fapple%2Fcallback&"));
        assert!(url.contains(
            "&response_type=code%20id_token&response_mode=form_post&scope=name&state=s-1&"
        ));
        assert!(url.ends_with(&format!("&nonce={}", nonce_of("s-1"))));
        assert_ne!(nonce_of("s-1"), nonce_of("s-2"));
    }
}
