//! `getRealNameInfo`, `getFrvCertifyId`, `getFrvAuthResult` (spec §1.3 frv): the JSON faces of
//! [`accounts::realname`](crate::accounts::realname).

use serde_json::{Value, json};

use crate::accounts::realname::{self, CertifyInput, RealnameInfo};
use crate::api::call::{Call, opt_bool, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::error::ApiResult;
use crate::validator::{Field, Schema};
use crate::{method, reply};

static INFO: &Schema = &[("decryptData", Field::optional("boolean"))];
static CERTIFY: &Schema = &[
    ("realName", Field::required("realName")),
    ("idCard", Field::required("idCard")),
    ("metaInfo", Field::required("string")),
];
static RESULT: &Schema = &[("certifyId", Field::required("string"))];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!("getRealNameInfo", Access::Auth, INFO, get_real_name_info),
        method!("getFrvCertifyId", Access::Auth, CERTIFY, get_frv_certify_id),
        method!(
            "getFrvAuthResult",
            Access::Auth,
            RESULT,
            get_frv_auth_result
        ),
    ]
}

/// The fields uni-id answers; what the account lacks is left out, as JSON.stringify drops
/// `undefined`.
fn info_reply(info: &RealnameInfo, with_type: bool) -> Reply {
    let mut out = reply! {};
    let mut put = |key: &str, v: Value| {
        if !v.is_null() {
            out.insert(key.to_string(), v);
        }
    };
    if with_type {
        put("type", json!(info.kind));
    }
    put("authStatus", json!(info.auth_status));
    put("realName", json!(info.real_name));
    put("identity", json!(info.identity));
    out
}

async fn get_real_name_info(call: Call, params: Value) -> ApiResult<Reply> {
    let decrypt = opt_bool(&params, "decryptData").unwrap_or(true);
    let info = realname::info(call, decrypt).await?;
    Ok(info_reply(&info, true))
}

async fn get_frv_certify_id(call: Call, params: Value) -> ApiResult<Reply> {
    let input = CertifyInput {
        real_name: req_str(&params, "realName")?,
        id_card: req_str(&params, "idCard")?,
        meta_info: req_str(&params, "metaInfo")?,
    };
    let certify_id = realname::certify_id(call, input).await?;
    Ok(reply! { "certifyId" => certify_id })
}

async fn get_frv_auth_result(call: Call, params: Value) -> ApiResult<Reply> {
    let info = realname::auth_result(call, req_str(&params, "certifyId")?).await?;
    Ok(info_reply(&info, false))
}
