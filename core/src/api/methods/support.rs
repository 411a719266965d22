//! `getSupportedLoginType` (spec §1.3 misc): the password types, plus what each plugin reports.

use serde_json::Value;

use crate::api::call::Call;
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::error::ApiResult;
use crate::validator::Schema;
use crate::{method, reply};

static NONE: &Schema = &[];

pub fn methods() -> Vec<MethodSpec> {
    vec![method!(
        "getSupportedLoginType",
        Access::Anonymous,
        NONE,
        get_supported_login_type
    )]
}

async fn get_supported_login_type(call: Call, _params: Value) -> ApiResult<Reply> {
    let mut types: Vec<&'static str> =
        vec!["username-password", "mobile-password", "email-password"];
    for plugin in &call.host.plugins {
        for t in plugin.login_types(&call.effective) {
            if !types.contains(&t) {
                types.push(t);
            }
        }
    }
    Ok(reply! { "supportedLoginType" => types })
}
