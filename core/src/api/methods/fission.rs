//! `acceptInvite`, `getInvitedUser` (spec §1.3 Fission): the JSON faces of
//! [`accounts::invite`](crate::accounts::invite).

use serde_json::{Value, json};

use crate::accounts::invite::{self, Invited};
use crate::api::call::{Call, opt_bool, opt_i64, req_str};
use crate::api::methods::{Access, MethodSpec, Reply};
use crate::error::ApiResult;
use crate::validator::{Field, Schema};
use crate::{method, reply};

static ACCEPT: &Schema = &[("inviteCode", Field::required("string"))];
static LIST: &Schema = &[
    ("level", Field::required("number")),
    ("limit", Field::optional("number")),
    ("offset", Field::optional("number")),
    ("needTotal", Field::optional("boolean")),
];

pub fn methods() -> Vec<MethodSpec> {
    vec![
        method!("acceptInvite", Access::Auth, ACCEPT, accept_invite),
        method!("getInvitedUser", Access::Auth, LIST, get_invited_user),
    ]
}

async fn accept_invite(call: Call, params: Value) -> ApiResult<Reply> {
    invite::accept_invite(call, req_str(&params, "inviteCode")?).await?;
    Ok(reply! {})
}

/// A whole number, or `invalid-param` for 1.5 and the like (the validator only checks "number").
fn whole(params: &Value, key: &str, default: i64) -> ApiResult<i64> {
    match params.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(_) => opt_i64(params, key).ok_or_else(|| {
            crate::error::ApiError::new(crate::error::ErrorCode::InvalidParam)
                .detail(key.to_string())
        }),
    }
}

async fn get_invited_user(call: Call, params: Value) -> ApiResult<Reply> {
    let page = invite::invited_users(
        call,
        whole(&params, "level", 1)?,
        whole(&params, "limit", 20)?,
        whole(&params, "offset", 0)?,
        opt_bool(&params, "needTotal").unwrap_or(false),
    )
    .await?;
    let mut out = reply! {
        "invitedUser" => page.users.iter().map(invited_json).collect::<Vec<_>>(),
    };
    if let Some(total) = page.total {
        out.insert("total".into(), json!(total));
    }
    Ok(out)
}

/// uni-id's item: fields the account lacks are left out, as JSON.stringify drops `undefined`.
fn invited_json(u: &Invited) -> Value {
    let mut item = serde_json::Map::new();
    item.insert("uid".into(), json!(u.uid));
    let mut put = |key: &str, v: Value| {
        if !v.is_null() {
            item.insert(key.into(), v);
        }
    };
    put("username", json!(u.username));
    put("nickname", json!(u.nickname));
    put("mobile", json!(u.mobile));
    put("inviteTime", json!(u.invite_time));
    put("avatar", json!(u.avatar));
    put(
        "avatarFile",
        u.avatar_file
            .as_deref()
            .and_then(|f| serde_json::from_str(f).ok())
            .unwrap_or(Value::Null),
    );
    Value::Object(item)
}
