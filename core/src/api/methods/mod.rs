//! The uni-id-co method table: one [`MethodSpec`] per method, with its access rule (spec §1.1
//! permission table) and parameter schema. Core methods and plugin methods live in the same
//! table and are dispatched the same way.

mod account;
mod admin;
mod captcha;
mod external;
mod fission;
pub mod login;
mod realname;
pub mod register;
mod session;
mod support;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value};

use crate::accounts::SignedIn;
use crate::accounts::unified::Unified;
use crate::api::call::Call;
use crate::error::ApiResult;
use crate::validator::Schema;

/// Who may call a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Anonymous,
    /// A valid token.
    Auth,
    /// A valid token, without the automatic refresh (`logout` must not mint a new token).
    AuthNoRefresh,
    /// A valid token whose user has one of these roles (`admin` always passes).
    Role(&'static [&'static str]),
    /// No token: signed by another server with `requestAuthSecret` (spec §14.2).
    Signed,
}

/// What a method answers besides `errCode: 0` (merged into the response object).
pub type Reply = Map<String, Value>;

pub type MethodFuture = Pin<Box<dyn Future<Output = ApiResult<Reply>> + Send>>;
pub type Handler = fn(Call, Value) -> MethodFuture;

#[derive(Clone, Copy)]
pub struct MethodSpec {
    pub name: &'static str,
    pub access: Access,
    pub schema: &'static Schema,
    pub handler: Handler,
}

/// Builds a [`MethodSpec`] from an `async fn(Call, Value) -> ApiResult<Reply>`.
#[macro_export]
macro_rules! method {
    ($name:literal, $access:expr, $schema:expr, $func:path) => {
        $crate::api::methods::MethodSpec {
            name: $name,
            access: $access,
            schema: $schema,
            handler: |call, params| Box::pin($func(call, params)),
        }
    };
}

#[derive(Clone, Default)]
pub struct MethodTable {
    by_name: HashMap<&'static str, MethodSpec>,
}

impl MethodTable {
    /// The host's own methods.
    pub fn core() -> Self {
        let mut table = MethodTable::default();
        for spec in register::methods()
            .into_iter()
            .chain(login::methods())
            .chain(session::methods())
            .chain(account::methods())
            .chain(captcha::methods())
            .chain(support::methods())
            .chain(admin::methods())
            .chain(fission::methods())
            .chain(external::methods())
            .chain(realname::methods())
        {
            // Core names are distinct by construction; a clash is a programming error.
            if let Err(e) = table.add(spec) {
                panic!("{e}");
            }
        }
        table
    }

    pub fn add(&mut self, spec: MethodSpec) -> Result<(), String> {
        if self.by_name.contains_key(spec.name) {
            return Err(format!("method {} is already registered", spec.name));
        }
        self.by_name.insert(spec.name, spec);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&MethodSpec> {
        self.by_name.get(name)
    }

    pub fn specs(&self) -> impl Iterator<Item = &MethodSpec> {
        self.by_name.values()
    }

    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.by_name.keys().copied().collect();
        names.sort_unstable();
        names
    }
}

/// The answer of every login and registration (spec §1.2 postLogin / postRegister).
pub fn signed_in_reply(s: &SignedIn) -> Reply {
    let mut reply = crate::reply! {
        "uid" => s.uid,
        "newToken" => s.token.to_json(),
        "passwordConfirmed" => s.password_confirmed,
    };
    // unid's addition: send it back as `deviceToken` with later logins from this device.
    if let Some(t) = &s.device_token {
        reply.insert("deviceToken".into(), serde_json::json!(t));
    }
    reply
}

/// uni-id's answer to a unified login (SMS, e-mail code, one-click…): `{uid, newToken,
/// passwordConfirmed, type}`.
pub fn unified_reply(u: &Unified) -> Reply {
    crate::reply! {
        "uid" => u.uid,
        "newToken" => u.token.to_json(),
        "passwordConfirmed" => u.password_confirmed,
        "type" => u.kind.as_str(),
    }
}

/// Builds a reply from `key => value` pairs.
#[macro_export]
macro_rules! reply {
    ($($key:literal => $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut map = $crate::api::methods::Reply::new();
        $( map.insert($key.to_string(), ::serde_json::json!($value)); )*
        map
    }};
}
