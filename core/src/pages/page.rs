//! One page request: who is asking (the account layer's [`Caller`], built from the browser's
//! cookies), what the templates see ([`PageCtx`]), and the answer (HTML with the site's
//! security headers, or a redirect), with the cookies it sets.

use std::collections::HashMap;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::de::DeserializeOwned;

use crate::accounts::{Caller, ClientInfo, SignedIn};
use crate::error::ApiError;
use crate::host::Host;
use crate::i18n::Locale;
use crate::pages::session::{self, DEVICE, FLASH, LOCALE, SESSION};
use crate::pages::view::UserView;
use crate::tokens::{self, AuthInfo, IssuedToken};

/// What every template sees: the language, the form token, the signed-in user, the notice.
pub struct PageCtx {
    host: Host,
    pub locale: Locale,
    /// The CSRF token every form carries as `csrf`.
    pub csrf: String,
    pub user: Option<UserView>,
    /// `uniIdRedirectUrl` from the query, when it is a path on this site.
    pub redirect: Option<String>,
    /// A one-time notice from the previous form (already in the visitor's language).
    pub flash: Option<String>,
    /// This page in the other language.
    pub other_locale_href: String,
    /// The request path.
    pub path: String,
    /// Path and query, for links back to this very page.
    pub uri: String,
}

impl PageCtx {
    /// A text in the visitor's language.
    pub fn t<'a>(&'a self, id: &'a str) -> &'a str {
        self.host.i18n.text(self.locale, id)
    }

    /// A text with one argument.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        self.host
            .i18n
            .text_with(self.locale, id, &[(name, value.to_string())])
    }

    /// The hashed URL of an asset.
    pub fn asset<'a>(&'a self, name: &'a str) -> &'a str {
        self.host.assets.url(name)
    }

    pub fn lang(&self) -> &'static str {
        self.locale.tag()
    }

    pub fn other_locale_label(&self) -> &'static str {
        match self.locale {
            Locale::ZhHans => "English",
            Locale::En => "简体中文",
        }
    }

    pub fn site_name(&self) -> &str {
        &self.host.site.name
    }

    pub fn logo(&self) -> &str {
        &self.host.site.logo
    }

    pub fn host(&self) -> &Host {
        &self.host
    }

    /// Test mode: captchas are `1234` and codes `123456`; every page says so.
    pub fn test_mode(&self) -> bool {
        self.host.config.test_mode
    }

    /// `?uniIdRedirectUrl=…` to carry the destination through a link, or "".
    pub fn redirect_query(&self) -> String {
        self.redirect
            .as_deref()
            .map(|r| format!("uniIdRedirectUrl={}", urlencode(r)))
            .unwrap_or_default()
    }

    /// `path` with the visitor's destination carried along.
    pub fn link(&self, path: &str) -> String {
        let q = self.redirect_query();
        if q.is_empty() {
            path.to_string()
        } else if path.contains('?') {
            format!("{path}&{q}")
        } else {
            format!("{path}?{q}")
        }
    }
}

/// The first language of an `Accept-Language` list the pages have (`fr, en;q=0.8` is English),
/// by weight and then order; zh-Hans when none is.
pub fn preferred_locale(accept_language: &str) -> Locale {
    let mut tags: Vec<(f32, usize, &str)> = accept_language
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let tag = pieces.next()?.trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (!tag.is_empty() && q > 0.0).then_some((q, i, tag))
        })
        .collect();
    tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, _, tag) in tags {
        let lower = tag.to_ascii_lowercase();
        if lower.starts_with("en") {
            return Locale::En;
        }
        if lower.starts_with("zh") {
            return Locale::ZhHans;
        }
    }
    Locale::ZhHans
}

/// The query string, decoded (repeated keys: the last wins).
pub fn query(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(|q| q.into_inner().into_iter().collect())
        .unwrap_or_default()
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A page request in progress.
pub struct Page {
    pub ctx: PageCtx,
    caller: Caller,
    pub(super) cookies: Vec<Cookie<'static>>,
}

/// A form's body when the host refuses it, as the answer to send instead.
pub type Refused = HttpResponse;

/// Largest form body accepted (avatars have their own limit).
const MAX_FORM_BYTES: usize = 64 * 1024;

impl Page {
    /// Reads the browser's cookies: language, device, session (checked against the token rows,
    /// so a revoked session is signed out here too), and the pending notice.
    pub async fn load(host: &Host, req: &HttpRequest) -> Page {
        let site = &host.site;
        let jar = site.cookies;
        let mut cookies = Vec::new();
        let q = query(req);

        let locale = match q.get("locale") {
            Some(tag) => {
                let l = Locale::from_tag(Some(tag));
                cookies.push(jar.locale(l.tag()));
                l
            }
            None => match session::read(req, LOCALE) {
                Some(tag) => Locale::from_tag(Some(&tag)),
                None => preferred_locale(
                    req.headers()
                        .get(header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default(),
                ),
            },
        };
        let device = match session::device_id(req) {
            Some(d) => d,
            None => {
                let d = session::new_device_id();
                cookies.push(jar.device(&d));
                d
            }
        };
        let client = ClientInfo {
            uni_platform: "web".into(),
            platform: "web".into(),
            app_id: site.app_id.clone(),
            device_id: Some(device.clone()),
            locale: Some(locale.tag().into()),
            client_ip: crate::server::client_ip(host, req).to_string(),
            user_agent: req
                .headers()
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(512).collect()),
            // A route's path (only matched routes get here); bounded all the same.
            via: Some(req.path().chars().take(64).collect()),
            ..Default::default()
        };
        let effective = site.effective.clone();
        let token = session::read(req, SESSION).unwrap_or_default();
        let auth = if token.is_empty() {
            None
        } else {
            match tokens::check(host, &token, &effective, &client, true).await {
                Ok(auth) => {
                    if let Some(fresh) = &auth.new_token {
                        cookies.push(session_cookie(host, fresh));
                    }
                    Some(auth)
                }
                Err(_) => {
                    cookies.push(jar.removal(SESSION));
                    None
                }
            }
        };
        let flash = session::read(req, FLASH).and_then(|id| {
            cookies.push(jar.removal(FLASH));
            (id.starts_with("pages-flash-") && host.i18n.has(locale, &id))
                .then(|| host.i18n.text(locale, &id).to_string())
        });
        let path = req.path().to_string();
        let other = match locale {
            Locale::ZhHans => Locale::En,
            Locale::En => Locale::ZhHans,
        };
        // The same page in the other language; a destination is carried only when it is safe.
        let mut rest: Vec<(String, String)> = q
            .iter()
            .filter(|(k, v)| match k.as_str() {
                "locale" => false,
                "uniIdRedirectUrl" | "redirect" => session::safe_redirect(v).is_some(),
                _ => true,
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        rest.sort();
        rest.push(("locale".into(), other.tag().into()));
        let other_locale_href = format!(
            "{path}?{}",
            rest.iter()
                .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                .collect::<Vec<_>>()
                .join("&")
        );
        let redirect = q
            .get("uniIdRedirectUrl")
            .or_else(|| q.get("redirect"))
            .and_then(|r| session::safe_redirect(r));
        let ctx = PageCtx {
            host: host.clone(),
            locale,
            csrf: session::csrf_token(&site.csrf_key, &device),
            user: auth.as_ref().map(|a| UserView::of(&a.user, a.is_admin())),
            redirect,
            flash,
            other_locale_href,
            uri: match req.query_string() {
                "" => path.clone(),
                q => format!("{path}?{q}"),
            },
            path,
        };
        let caller = Caller {
            host: host.clone(),
            client,
            effective,
            token,
            auth,
            locale,
        };
        Page {
            ctx,
            caller,
            cookies,
        }
    }

    /// The account layer's view of this visitor, for a rule.
    pub fn caller(&self) -> Caller {
        self.caller.clone()
    }

    pub fn host(&self) -> &Host {
        &self.caller.host
    }

    /// The signed-in user, if any.
    pub fn auth(&self) -> Option<&AuthInfo> {
        self.caller.auth.as_ref()
    }

    /// A rule's error in the visitor's language.
    pub fn error_text(&self, e: &ApiError) -> String {
        if e.code == crate::error::ErrorCode::SystemError {
            tracing::error!(error = %e, path = %self.ctx.path, "page request failed");
        }
        let args: Vec<(&str, String)> = e.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        self.host().i18n.message(self.ctx.locale, &e.message, &args)
    }

    /// Checks a form post (same-site, CSRF token of this device) and parses its body into `T`,
    /// whose fields carry the API's parameter names. A refusal changes nothing.
    pub async fn form<T: DeserializeOwned>(
        &mut self,
        req: &HttpRequest,
        body: web::Payload,
    ) -> Result<T, Refused> {
        let cross_site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
        let (bytes, pairs) = self.form_body(req, body).await?;
        let presented = pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or_default();
        let device = self.caller.client.device_id.as_deref().unwrap_or_default();
        // A device cookie made for this very answer proves nothing: the form came from
        // elsewhere.
        let fresh_device = self.cookies.iter().any(|c| c.name() == DEVICE);
        if cross_site
            || fresh_device
            || !session::csrf_ok(&self.host().site.csrf_key, device, presented)
        {
            return Err(self.refuse(StatusCode::FORBIDDEN, "pages-error-csrf"));
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map_err(|_| self.refuse(StatusCode::BAD_REQUEST, "pages-error-bad-form"))
    }

    /// A form another site posts here (a provider's `form_post` answer), read and checked like
    /// any form but for the form token, which the other site cannot have: the caller must tie
    /// it to this browser another way (the state of a sign-in flow, see `pages::flow`).
    pub async fn provider_form(
        &mut self,
        req: &HttpRequest,
        body: web::Payload,
    ) -> Result<Vec<(String, String)>, Refused> {
        Ok(self.form_body(req, body).await?.1)
    }

    /// A urlencoded body within the size and time limits, without control characters: the
    /// bytes and the pairs.
    async fn form_body(
        &self,
        req: &HttpRequest,
        body: web::Payload,
    ) -> Result<(Vec<u8>, Vec<(String, String)>), Refused> {
        let urlencoded = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.to_ascii_lowercase()
                    .starts_with("application/x-www-form-urlencoded")
            });
        let timeout = std::time::Duration::from_secs(self.host().config.server.body_timeout_secs);
        let bytes = match crate::server::read_body(body, MAX_FORM_BYTES, false, timeout).await {
            Ok(bytes) => bytes,
            Err(crate::server::BodyError::TooLarge) => {
                return Err(self.refuse(StatusCode::PAYLOAD_TOO_LARGE, "pages-error-too-large"));
            }
            Err(_) => return Err(self.refuse(StatusCode::REQUEST_TIMEOUT, "pages-error-timeout")),
        };
        if !urlencoded {
            return Err(self.refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "pages-error-bad-form"));
        }
        let pairs: Vec<(String, String)> = match serde_urlencoded::from_bytes(&bytes) {
            Ok(p) => p,
            Err(_) => return Err(self.refuse(StatusCode::BAD_REQUEST, "pages-error-bad-form")),
        };
        if let Some((k, _)) = pairs.iter().find(|(_, v)| v.chars().any(is_forbidden_char)) {
            tracing::debug!(field = %k, "form field with control characters refused");
            return Err(self.refuse(StatusCode::BAD_REQUEST, "pages-error-bad-form"));
        }
        Ok((bytes, pairs))
    }

    /// Checks a `multipart/form-data` post (same-site, CSRF token) and returns the bytes of its
    /// file field `field` (`None` when no file was chosen). Bodies over `limit` are refused.
    pub async fn upload(
        &mut self,
        req: &HttpRequest,
        body: web::Payload,
        field: &str,
        limit: usize,
    ) -> Result<Option<Vec<u8>>, Refused> {
        let cross_site = req
            .headers()
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
        let timeout = std::time::Duration::from_secs(self.host().config.server.body_timeout_secs);
        let parsed = tokio::time::timeout(timeout, read_multipart(req, body, field, limit)).await;
        let (csrf, file) = match parsed {
            Ok(Ok(parts)) => parts,
            Ok(Err((status, id))) => return Err(self.refuse(status, id)),
            Err(_) => return Err(self.refuse(StatusCode::REQUEST_TIMEOUT, "pages-error-timeout")),
        };
        let device = self.caller.client.device_id.as_deref().unwrap_or_default();
        let fresh_device = self.cookies.iter().any(|c| c.name() == DEVICE);
        if cross_site
            || fresh_device
            || !session::csrf_ok(&self.host().site.csrf_key, device, &csrf)
        {
            return Err(self.refuse(StatusCode::FORBIDDEN, "pages-error-csrf"));
        }
        Ok(file)
    }

    /// Starts the page session of a sign-in (the token row is the API's).
    pub fn sign_in(&mut self, signed_in: &SignedIn) {
        let cookie = session_cookie(self.host(), &signed_in.token);
        self.cookies.push(cookie);
        if let Some(t) = &signed_in.device_token {
            let days = self.host().config.throttle.device_token_days;
            let cookie = self.host().site.cookies.known_device(t, days);
            self.cookies.push(cookie);
        }
    }

    /// Forgets the page session in the browser (the caller revokes the token).
    pub fn sign_out(&mut self) {
        let jar = self.host().site.cookies;
        self.cookies.push(jar.removal(SESSION));
    }

    /// Shows the notice `id` (a `pages-flash-*` text) on the next page.
    pub fn flash(&mut self, id: &str) {
        let jar = self.host().site.cookies;
        self.cookies.push(jar.flash(id));
    }

    /// The page: the body `build` makes (it may borrow the [`PageCtx`]) inside the site's
    /// layout, titled with the text `title_id`.
    /// `build` renders the body: `|ctx| MyBody { ctx, … }.render()`.
    pub fn show(
        self,
        status: StatusCode,
        title_id: &str,
        build: impl FnOnce(&PageCtx) -> askama::Result<String>,
    ) -> HttpResponse {
        self.show_in(false, status, title_id, build)
    }

    /// [`Page::show`] in the wide layout the console's tables need.
    pub fn show_wide(
        self,
        status: StatusCode,
        title_id: &str,
        build: impl FnOnce(&PageCtx) -> askama::Result<String>,
    ) -> HttpResponse {
        self.show_in(true, status, title_id, build)
    }

    fn show_in(
        self,
        wide: bool,
        status: StatusCode,
        title_id: &str,
        build: impl FnOnce(&PageCtx) -> askama::Result<String>,
    ) -> HttpResponse {
        let html = {
            build(&self.ctx).and_then(|body| {
                Layout {
                    ctx: &self.ctx,
                    title: self.ctx.t(title_id),
                    body: &body,
                    wide,
                }
                .render()
            })
        };
        match html {
            Ok(html) => self.respond(status, html),
            Err(e) => {
                tracing::error!(error = %e, path = %self.ctx.path, "page template failed");
                self.error_text_page(StatusCode::INTERNAL_SERVER_ERROR, None)
            }
        }
    }

    /// A failed read or change the visitor cannot fix: a 503 page in their language.
    pub fn unavailable(self, e: &ApiError) -> HttpResponse {
        let text = self.error_text(e);
        self.error_text_page(StatusCode::SERVICE_UNAVAILABLE, Some(text))
    }

    /// An error page with the text `id`.
    pub fn error_page(self, status: StatusCode, id: &str) -> HttpResponse {
        let text = self.ctx.t(id).to_string();
        self.error_text_page(status, Some(text))
    }

    /// An error page with a text already in the visitor's language (`None`: a generic one).
    pub fn error_text_page(self, status: StatusCode, text: Option<String>) -> HttpResponse {
        let message = text.unwrap_or_else(|| self.ctx.t("pages-error-internal").to_string());
        let html = {
            let body = ErrorBody {
                ctx: &self.ctx,
                message,
            };
            body.render().and_then(|body| {
                Layout {
                    ctx: &self.ctx,
                    title: self.ctx.t("pages-error-title"),
                    body: &body,
                    wide: false,
                }
                .render()
            })
        };
        match html {
            Ok(html) => self.respond(status, html),
            Err(_) => self.respond(status, "error".to_string()),
        }
    }

    fn refuse(&self, status: StatusCode, id: &str) -> HttpResponse {
        Page {
            ctx: PageCtx {
                host: self.ctx.host.clone(),
                locale: self.ctx.locale,
                csrf: self.ctx.csrf.clone(),
                user: self.ctx.user.clone(),
                redirect: self.ctx.redirect.clone(),
                flash: None,
                other_locale_href: self.ctx.other_locale_href.clone(),
                path: self.ctx.path.clone(),
                uri: self.ctx.uri.clone(),
            },
            caller: self.caller.clone(),
            cookies: self.cookies.clone(),
        }
        .error_page(status, id)
    }

    /// `303 See Other` to `to` (a path on this site).
    pub fn redirect(self, to: &str) -> HttpResponse {
        let mut r = HttpResponse::SeeOther();
        r.insert_header((header::LOCATION, to.to_string()));
        r.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
        for c in &self.cookies {
            r.cookie(c.clone());
        }
        r.finish()
    }

    /// After a sign-in: the visitor's destination (`uniIdRedirectUrl` when safe), else
    /// `/userinfo` — by way of `/userinfo/set-pwd` when the account has no password and
    /// `setPasswordAfterLogin` asks for one.
    pub fn after_sign_in(mut self, signed_in: &SignedIn, redirect: Option<&str>) -> HttpResponse {
        self.sign_in(signed_in);
        let target = redirect
            .and_then(session::safe_redirect)
            .unwrap_or_else(|| "/userinfo".to_string());
        let set_pwd = self.host().site.set_password_after_login
            != crate::config::pages::SetPasswordAfterLogin::Off
            && !signed_in.password_confirmed
            && self.host().site.links.set_password.is_some();
        if let (true, Some(path)) = (set_pwd, self.host().site.links.set_password) {
            let to = format!("{path}?uniIdRedirectUrl={}", urlencode(&target));
            return self.redirect(&to);
        }
        self.redirect(&target)
    }

    fn respond(self, status: StatusCode, html: String) -> HttpResponse {
        let mut r = HttpResponse::build(status);
        r.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ));
        page_headers(&mut r, self.host());
        for c in &self.cookies {
            r.cookie(c.clone());
        }
        r.body(html)
    }
}

/// The `csrf` field and the bytes of file field `field` of a multipart body; other fields are
/// read and dropped (at most 4 KiB each).
async fn read_multipart(
    req: &HttpRequest,
    body: web::Payload,
    field: &str,
    limit: usize,
) -> Result<(String, Option<Vec<u8>>), (StatusCode, &'static str)> {
    use futures_util::StreamExt;
    let mut parts = actix_multipart::Multipart::new(req.headers(), body);
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    while let Some(part) = parts.next().await {
        let Ok(mut part) = part else {
            return Err((StatusCode::BAD_REQUEST, "pages-error-bad-form"));
        };
        let name = part.name().unwrap_or_default().to_string();
        let max = if name == field { limit } else { 4096 };
        let bytes = match part.bytes(max).await {
            Ok(Ok(b)) => b,
            Ok(Err(_)) => return Err((StatusCode::BAD_REQUEST, "pages-error-bad-form")),
            Err(_) => return Err((StatusCode::PAYLOAD_TOO_LARGE, "pages-error-too-large")),
        };
        if name == "csrf" {
            csrf = String::from_utf8_lossy(&bytes).into_owned();
        } else if name == field && !bytes.is_empty() {
            file = Some(bytes.to_vec());
        }
    }
    Ok((csrf, file))
}

/// The headers every page carries: the site's CSP (no inline script, no framing), no caching of
/// personal pages.
pub fn page_headers(r: &mut actix_web::HttpResponseBuilder, host: &Host) {
    r.insert_header((
        header::CONTENT_SECURITY_POLICY,
        host.site.content_security_policy.clone(),
    ));
    r.insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
    r.insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
}

fn session_cookie(host: &Host, token: &IssuedToken) -> Cookie<'static> {
    let secs = (token.token_expired - host.clock.now_ms()) / 1000;
    host.site.cookies.session(&token.token, secs)
}

/// Control characters are refused in every form field, as in every API parameter.
fn is_forbidden_char(c: char) -> bool {
    crate::validator::is_forbidden(c)
}

#[derive(Template)]
#[template(path = "base.html")]
struct Layout<'a> {
    ctx: &'a PageCtx,
    title: &'a str,
    body: &'a str,
    /// The console's layout: room for tables.
    wide: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorBody<'a> {
    ctx: &'a PageCtx,
    message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_first_language_the_pages_have() {
        assert_eq!(preferred_locale("en-US,en;q=0.9"), Locale::En);
        assert_eq!(preferred_locale("fr-FR, en;q=0.8, zh;q=0.5"), Locale::En);
        assert_eq!(preferred_locale("zh-CN,zh;q=0.9,en;q=0.8"), Locale::ZhHans);
        assert_eq!(
            preferred_locale("de;q=0.9, zh-TW;q=0.95, en;q=0.1"),
            Locale::ZhHans
        );
        assert_eq!(preferred_locale("en;q=0, ja"), Locale::ZhHans);
        assert_eq!(preferred_locale(""), Locale::ZhHans);
        assert_eq!(preferred_locale("*"), Locale::ZhHans);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(urlencode("/a b?c=d&e"), "%2Fa%20b%3Fc%3Dd%26e");
        assert_eq!(urlencode("plain-_.~"), "plain-_.~");
    }
}
