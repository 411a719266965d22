//! A sign-in method as the site shows it: an entry in the login-method switcher (uni-id-pages'
//! fab-login) and, when it is the default, what `/login` shows. The host provides `username`
//! (password sign-in); plugins provide theirs (`smsCode`, `weixin`, …).

use crate::config::Effective;
use crate::pages::PageCtx;

pub trait LoginMethod: Send + Sync + 'static {
    /// uni-id-pages' `loginTypes` value (`username`, `smsCode`, `weixin`…).
    fn login_type(&self) -> &'static str;

    /// Fluent id of its name in the switcher (`账号登录`, `短信验证码`…).
    fn label(&self) -> &'static str;

    /// Asset name of its icon (a square SVG), registered by the host or the plugin.
    fn icon(&self) -> &'static str;

    /// Where choosing it leads; the host appends the visitor's `uniIdRedirectUrl`.
    fn path(&self) -> &'static str;

    /// The block `/login` shows when this is the chosen method (the phone-number form of
    /// `smsCode`, a big button for third-party sign-ins). `None`: `/login` sends the visitor to
    /// [`LoginMethod::path`].
    fn login_block(&self, _page: &PageCtx) -> Option<String> {
        None
    }

    /// The origin its sign-in form leads to by a redirect (a provider's sign-in page, e.g.
    /// `https://open.weixin.qq.com`): the pages' Content-Security-Policy allows it in
    /// `form-action`, which browsers also apply to a form's redirects.
    fn form_target(&self) -> Option<String> {
        None
    }

    /// Whether the method is offered with this config (e.g. only when credentials are set).
    fn available(&self, _effective: &Effective) -> bool {
        true
    }
}

/// The host's own method: username, mobile or e-mail and a password.
pub struct PasswordMethod;

impl LoginMethod for PasswordMethod {
    fn login_type(&self) -> &'static str {
        "username"
    }
    fn label(&self) -> &'static str {
        "pages-method-username"
    }
    fn icon(&self) -> &'static str {
        "icons/username.svg"
    }
    fn path(&self) -> &'static str {
        "/login/password"
    }
}
