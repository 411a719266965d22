//! The shape every code page shares (uni-id-pages' sms-form / email-form pages): step one sends
//! a code (`action=send`, captcha), answered with a redirect back to the page marked `sent=1`
//! (post/redirect/get); step two uses the code. Plugins that send codes build their pages with
//! these helpers.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use crate::error::ApiError;
use crate::pages::partials::CaptchaField;
use crate::pages::session::safe_redirect;
use crate::pages::{Page, query, urlencode};

/// A code page's state, from the query (a GET) or from a refused form.
#[derive(Debug, Clone, Default)]
pub struct CodeStep {
    /// Where the code goes (a mobile number, an address), as typed.
    pub target: String,
    /// A code has been sent: show step two.
    pub sent: bool,
    pub error: Option<String>,
    /// Step two needs its own captcha (the server asked for one).
    pub captcha: bool,
    /// The consent box was ticked.
    pub agreed: bool,
}

impl CodeStep {
    /// From the query: `<target_key>` (or one of `aliases`), `sent=1`, `agree=on`.
    pub fn from_query(
        req: &actix_web::HttpRequest,
        target_key: &str,
        aliases: &[&str],
    ) -> CodeStep {
        let q = query(req);
        let target = std::iter::once(target_key)
            .chain(aliases.iter().copied())
            .find_map(|k| q.get(k))
            .cloned()
            .unwrap_or_default();
        CodeStep {
            target,
            sent: q.get("sent").is_some_and(|v| v == "1"),
            error: None,
            captcha: false,
            agreed: q.get("agree").is_some_and(|v| v == "on"),
        }
    }

    /// After a refused step two.
    pub fn failed(
        page: &Page,
        target: String,
        e: &ApiError,
        had_captcha: bool,
        agreed: bool,
    ) -> CodeStep {
        CodeStep {
            target,
            sent: true,
            error: Some(page.error_text(e)),
            captcha: had_captcha || crate::pages::needs_captcha(e),
            agreed,
        }
    }

    /// After a refused send: back to step one.
    pub fn send_failed(page: &Page, target: String, e: &ApiError, agreed: bool) -> CodeStep {
        CodeStep {
            target,
            sent: false,
            error: Some(page.error_text(e)),
            captcha: false,
            agreed,
        }
    }

    /// Step two refused before any rule ran (a mismatch, missing consent): `text_id` says why.
    pub fn refused(
        page: &Page,
        target: String,
        text_id: &str,
        had_captcha: bool,
        agreed: bool,
    ) -> CodeStep {
        CodeStep {
            target,
            sent: true,
            error: Some(page.ctx.t(text_id).to_string()),
            captcha: had_captcha,
            agreed,
        }
    }

    pub fn status(&self) -> StatusCode {
        if self.error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    }

    /// The code test mode uses, filled in once sent (uni-id-pages does the same), else "".
    pub fn prefilled_code(&self, page: &Page) -> String {
        if self.sent && page.host().config.test_mode {
            crate::codes::TEST_MODE_CODE.to_string()
        } else {
            String::new()
        }
    }

    /// Step two's captcha for `scene`, when the server has asked for one.
    pub async fn captcha_field(
        &self,
        page: &Page,
        scene: &'static str,
    ) -> Result<Option<CaptchaField>, ApiError> {
        if self.captcha {
            CaptchaField::issue(page, scene).await.map(Some)
        } else {
            Ok(None)
        }
    }
}

/// After a send: a notice, and back to `path` with the target and `sent=1`.
pub fn after_send(
    mut page: Page,
    path: &str,
    target_key: &str,
    target: &str,
    agreed: bool,
    redirect: Option<&str>,
    notice: &str,
) -> HttpResponse {
    page.flash(if page.host().config.test_mode {
        "pages-flash-code-test-mode"
    } else {
        notice
    });
    let mut to = format!("{path}?{target_key}={}&sent=1", urlencode(target));
    if agreed {
        to.push_str("&agree=on");
    }
    if let Some(r) = redirect.and_then(safe_redirect) {
        to.push_str(&format!("&uniIdRedirectUrl={}", urlencode(&r)));
    }
    page.redirect(&to)
}
