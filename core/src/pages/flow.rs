//! Signing in through another site (WeChat, Apple…): the `state` a provider sends back, bound
//! to the browser that started, so that nobody can finish a sign-in in someone else's browser
//! (login CSRF, RFC 6749 §10.12).
//!
//! Starting a flow sets an HttpOnly cookie holding a random state, what the flow is for (sign
//! in, bind) and where to go after, with a MAC under the host's code secret and a ten-minute
//! lifetime. The provider's redirect back is a top-level GET, which carries SameSite=Lax
//! cookies; the callback's state must equal the cookie's, and the cookie is used up.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::pages::Page;
use crate::pages::session::{self, FLOW, safe_redirect};
use crate::secret::{Secret, ct_eq};

/// How long a started flow may take.
const FLOW_SECS: i64 = 600;

/// What a flow was started for, given back when it finishes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    /// The provider that started it (`weixin`, `apple`…).
    pub provider: String,
    /// The plugin's own word (`login`, `bind`…).
    pub purpose: String,
    /// Where to go after (a same-origin path), if the visitor came with one.
    pub redirect: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    s: String,
    p: String,
    u: String,
    r: Option<String>,
    /// Expiry, Unix seconds.
    e: i64,
}

fn mac(key: &Secret, data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    m.update(b"unid-flow\0");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

impl Page {
    /// Starts a flow with `provider` for `purpose`; the state to send to the provider. The
    /// cookie goes out with this page's answer (a redirect to the provider).
    pub fn begin_flow(&mut self, provider: &str, purpose: &str, redirect: Option<&str>) -> String {
        let mut bytes = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let state = URL_SAFE_NO_PAD.encode(bytes);
        let stored = Stored {
            s: state.clone(),
            p: provider.to_string(),
            u: purpose.to_string(),
            r: redirect.and_then(safe_redirect),
            e: self.host().clock.now_secs() + FLOW_SECS,
        };
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&stored).unwrap_or_default());
        let tag =
            URL_SAFE_NO_PAD.encode(mac(&self.host().settings.code_secret, payload.as_bytes()));
        let jar = self.host().site.cookies;
        self.cookies
            .push(jar.flow(&format!("{payload}.{tag}"), FLOW_SECS));
        state
    }

    /// `303 See Other` to a provider's sign-in page on another site, with the flow's cookie.
    pub fn leave_for(self, url: &str) -> actix_web::HttpResponse {
        self.redirect(url)
    }

    /// Finishes the flow `provider` started, if `state` is the one this browser holds and the
    /// flow has not expired. The cookie is removed either way.
    pub fn finish_flow(
        &mut self,
        req: &actix_web::HttpRequest,
        provider: &str,
        state: &str,
    ) -> Option<Flow> {
        let jar = self.host().site.cookies;
        self.cookies.push(jar.removal(FLOW));
        let cookie = session::read(req, FLOW)?;
        let (payload, tag) = cookie.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if !ct_eq(
            &mac(&self.host().settings.code_secret, payload.as_bytes()),
            &tag,
        ) {
            return None;
        }
        let stored: Stored = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let fresh = stored.e >= self.host().clock.now_secs();
        let matches = fresh && stored.p == provider && ct_eq(stored.s.as_bytes(), state.as_bytes());
        matches.then_some(Flow {
            provider: stored.p,
            purpose: stored.u,
            redirect: stored.r,
        })
    }
}
