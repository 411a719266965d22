//! A user's linked third-party accounts on the console's user page, and the administrator's
//! unbind (the user's own rule: never their last way in).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts::audit::{Actor, Face};
use crate::accounts::users_admin;
use crate::db::models::third_party::ThirdPartyId;
use crate::error::ErrorCode;
use crate::host::Host;
use crate::pages::admin::USER_WRITE;
use crate::pages::admin::user::{Fields, load, show_user};
use crate::pages::{Page, PageCtx, urlencode};

/// A third-party account linked to the user: the provider, its name as the plugin calls it,
/// and the ids held, as (slot, value): `("openid · mp", …)`, `("openid · mp · __UNI__A", …)`
/// for uni-id's per-app copy `wx_openid.mp___UNI__A`, `("unionid", …)`.
pub struct LinkedLine {
    pub provider: String,
    pub label: String,
    pub ids: Vec<(String, String)>,
}

/// How a slot reads: the kind, the platform, and the app of a per-app copy (`<p>_<appId>`).
fn slot(id: &ThirdPartyId) -> String {
    match id.platform.split_once('_') {
        _ if id.platform.is_empty() => id.kind.clone(),
        Some((platform, app)) => format!("{} · {platform} · {app}", id.kind),
        None => format!("{} · {}", id.kind, id.platform),
    }
}

impl LinkedLine {
    /// One line per provider, named by the plugin's `<provider>-name` text when it has one.
    pub(super) fn of(ctx: &PageCtx, ids: &[ThirdPartyId]) -> Vec<LinkedLine> {
        let mut lines: Vec<LinkedLine> = Vec::new();
        for id in ids {
            let shown = (slot(id), id.value.clone());
            match lines.iter_mut().find(|l| l.provider == id.provider) {
                Some(line) => line.ids.push(shown),
                None => {
                    let text_id = format!("{}-name", id.provider);
                    let label = if ctx.host().i18n.has(ctx.locale, &text_id) {
                        ctx.t(&text_id).to_string()
                    } else {
                        id.provider.clone()
                    };
                    lines.push(LinkedLine {
                        provider: id.provider.clone(),
                        label,
                        ids: vec![shown],
                    });
                }
            }
        }
        lines
    }
}

#[derive(Deserialize)]
pub struct Unbind {
    provider: String,
}

/// `POST /admin/users/{uid}/unbind`: removes the user's ids at one provider.
pub async fn unbind(
    host: web::ThinData<Host>,
    req: HttpRequest,
    uid: web::Path<String>,
    body: web::Payload,
) -> HttpResponse {
    let mut page = match Page::load(&host, &req).await.console(&req, USER_WRITE) {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let form: Unbind = match page.form(&req, body).await {
        Ok(f) => f,
        Err(refused) => return refused,
    };
    let uid = uid.into_inner();
    let caller = page.caller();
    let actor = Actor::of(&caller, Face::Console);
    match users_admin::unbind_third_party(&caller, &actor, &uid, &form.provider).await {
        Ok(()) => {
            page.flash("pages-flash-saved");
            page.redirect(&format!("/admin/users/{}", urlencode(&uid)))
        }
        Err(e) if e.code == ErrorCode::AccountNotExists => {
            page.error_page(StatusCode::NOT_FOUND, "admin-user-not-found")
        }
        Err(e) if e.code == ErrorCode::SystemError => page.unavailable(&e),
        Err(e) => match load(&page, uid).await {
            Ok(account) => {
                let text = page.error_text(&e);
                let fields = Fields::of(&account);
                show_user(page, account, Some((fields, text)))
            }
            Err(e) => page.unavailable(&e),
        },
    }
}
