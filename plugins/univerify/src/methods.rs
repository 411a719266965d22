//! The uni-id-co methods of the univerify plugin (spec §1.3, §10): `loginByUniverify` and
//! `bindMobileByUniverify`.
//!
//! Both first exchange the client's `access_token` + `openid` for the phone number through the
//! configured backend — with no database connection held, as the call may take seconds — and
//! only then take a connection for the login or the binding. The number never comes from the
//! client. A failed exchange is `uni-id-get-third-party-account-failed` for the client; the
//! provider's code and reason go to the server log only.

use serde_json::Value;
use unid_core::plugin::accounts::bind::{self, BIND_MOBILE, Bindable};
use unid_core::plugin::accounts::log::{self, Subject};
use unid_core::plugin::accounts::phone;
use unid_core::plugin::accounts::unified::{Identity, login_or_register};
use unid_core::plugin::api::{Access, MethodSpec, Reply, unified_reply};
use unid_core::plugin::api::{Call, opt_str, req_str};
use unid_core::plugin::api::{method, reply};
use unid_core::plugin::error::{ApiError, ApiResult, ErrorCode};
use unid_core::plugin::metrics::Outcome;
use unid_core::plugin::validator::{Field, Schema};

use crate::UniverifyPlugin;
use crate::backend::{Exchange, ExchangeError};

static LOGIN_BY_UNIVERIFY: &Schema = &[
    ("access_token", Field::required("string")),
    ("openid", Field::required("string")),
    ("inviteCode", Field::optional("string")),
];
static BIND_MOBILE_BY_UNIVERIFY: &Schema = &[
    ("openid", Field::required("string")),
    ("access_token", Field::required("string")),
];

pub fn all() -> Vec<MethodSpec> {
    vec![
        method!(
            "loginByUniverify",
            Access::Anonymous,
            LOGIN_BY_UNIVERIFY,
            login_by_univerify
        ),
        method!(
            "bindMobileByUniverify",
            Access::Auth,
            BIND_MOBILE_BY_UNIVERIFY,
            bind_mobile_by_univerify
        ),
    ]
}

/// The phone number (E.164) behind the client's one-click token, from the backend.
async fn phone_number(call: &Call, params: &Value) -> ApiResult<String> {
    let access_token = req_str(params, "access_token")?;
    let openid = req_str(params, "openid")?;
    let backend = call
        .host
        .plugin::<UniverifyPlugin>()
        .map(|p| p.backend.clone())
        .ok_or_else(|| ApiError::system("univerify method called without its plugin"))?;
    let exchange = Exchange {
        access_token: &access_token,
        openid: &openid,
    };
    let started = std::time::Instant::now();
    let exchanged = backend.phone_number(&exchange, call.now() / 1000).await;
    let outcome = match &exchanged {
        Ok(_) => Outcome::Ok,
        Err(ExchangeError::Rejected { .. }) => Outcome::Rejected,
        Err(ExchangeError::Unreachable(_) | ExchangeError::InvalidAnswer(_)) => {
            Outcome::Unreachable
        }
    };
    call.host
        .metrics
        .outbound("univerify", outcome, started.elapsed());
    match exchanged {
        Ok(mobile) => {
            tracing::debug!(
                backend = backend.name(),
                phone = %phone::masked(&mobile),
                "univerify: number exchanged"
            );
            Ok(mobile)
        }
        Err(e) => {
            tracing::warn!(backend = backend.name(), error = %e, "univerify: number exchange failed");
            Err(ApiError::new(ErrorCode::GetThirdPartyAccountFailed).detail(e))
        }
    }
}

async fn login_by_univerify(call: Call, params: Value) -> ApiResult<Reply> {
    let invite_code = opt_str(&params, "inviteCode");
    let exchanged = phone_number(&call, &params).await;
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let mobile = match exchanged {
            Ok(mobile) => mobile,
            Err(e) => {
                // uni-id: a failed exchange is a failed login (no identifier is known yet).
                log::write(
                    conn,
                    &call.client,
                    now,
                    log::LOGIN,
                    false,
                    &Subject::default(),
                );
                return Err(e);
            }
        };
        let origin = call.origin(now);
        let subject = Subject {
            mobile: Some(mobile.clone()),
            ..Default::default()
        };
        let identity = Identity::confirmed_mobile(&mobile, invite_code, subject);
        let done = login_or_register(conn, origin, identity)?;
        Ok(unified_reply(&done))
    })
    .await
}

async fn bind_mobile_by_univerify(call: Call, params: Value) -> ApiResult<Reply> {
    let uid = call.auth()?.uid.clone();
    let exchanged = phone_number(&call, &params).await;
    let now = call.now();
    let db = call.host.db.clone();
    db.run(move |conn| {
        let mobile = match exchanged {
            Ok(mobile) => mobile,
            Err(e) => {
                let subject = Subject {
                    user_id: Some(uid),
                    ..Default::default()
                };
                log::write(conn, &call.client, now, BIND_MOBILE, false, &subject);
                return Err(e);
            }
        };
        let origin = call.origin(now);
        // Conflicts (any account in the app with this number, the user included) are
        // `uni-id-bind-conflict`; `bind` writes the log row either way.
        bind::bind(conn, origin, &uid, &Bindable::Mobile(mobile), BIND_MOBILE)?;
        Ok(reply! {})
    })
    .await
}
