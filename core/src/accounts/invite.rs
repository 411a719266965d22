//! Invitations after registration (spec §1.3 Fission): `acceptInvite` gives an account that has
//! no inviter one, and extends the chains of everyone it invited; `getInvitedUser` lists whom
//! an account invited, level by level. Codes themselves are given at registration
//! (`autoSetInviteCode`, see [`register`](crate::accounts::register)).

use serde_json::json;

use crate::accounts::Caller;
use crate::accounts::phone;
use crate::accounts::register::parse_list;
use crate::db::models::invites;
use crate::db::models::users::{self, UserRow};
use crate::error::{ApiError, ApiResult, ErrorCode};

/// `acceptInvite`: `code` is another account's `my_invite_code`.
pub async fn accept_invite(call: Caller, code: String) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let now = call.now();
    call.host
        .db
        .run(move |conn| {
            conn.write_tx(|conn| {
                // One acceptance at a time: two accounts accepting each other's codes at once
                // would otherwise each see the other without an inviter and make a cycle.
                conn.lock_keys(&["invite-chains".to_string()])?;
                let user = users::find_by_id(conn, &uid)?
                    .ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
                if !parse_list(user.inviter_uid.as_deref()).is_empty() {
                    return Err(ApiError::new(ErrorCode::ChangeInviterForbidden));
                }
                let inviter = users::find_by_invite_code(conn, &code)?
                    .filter(|inviter| inviter.id != uid)
                    .ok_or_else(|| ApiError::new(ErrorCode::InvalidInviteCode))?;
                let mut chain = vec![inviter.id.clone()];
                chain.extend(parse_list(inviter.inviter_uid.as_deref()));
                if chain.contains(&uid) {
                    // The inviter was invited by this account, directly or not.
                    return Err(ApiError::new(ErrorCode::InvalidInviteCode));
                }
                invites::set_chain(conn, &uid, &json!(chain).to_string(), Some(now))?;
                // Everyone below gets the new ancestors after `uid`, which ends their chains
                // (it had no inviter until now).
                for (id, theirs) in invites::downline(conn, &uid)? {
                    let mut extended = parse_list(theirs.as_deref());
                    extended.extend(chain.iter().cloned());
                    invites::set_chain(conn, &id, &json!(extended).to_string(), None)?;
                }
                Ok(())
            })
        })
        .await
}

/// One account an account invited, as `getInvitedUser` shows it.
#[derive(Debug, Clone)]
pub struct Invited {
    pub uid: String,
    pub username: Option<String>,
    pub nickname: Option<String>,
    /// Masked: `138****8000`.
    pub mobile: Option<String>,
    pub invite_time: Option<i64>,
    pub avatar: Option<String>,
    /// `avatar_file` as stored (a JSON object).
    pub avatar_file: Option<String>,
}

impl From<UserRow> for Invited {
    fn from(u: UserRow) -> Invited {
        Invited {
            mobile: u.mobile.as_deref().map(phone::masked),
            uid: u.id,
            username: u.username,
            nickname: u.nickname,
            invite_time: u.invite_time,
            avatar: u.avatar,
            avatar_file: u.avatar_file,
        }
    }
}

/// A page of `getInvitedUser`.
#[derive(Debug, Clone, Default)]
pub struct InvitedPage {
    pub users: Vec<Invited>,
    /// When asked for (`needTotal`).
    pub total: Option<i64>,
}

/// The largest page uniCloud's database returns; uni-id has no other bound.
pub const MAX_LIMIT: i64 = 1000;

/// `getInvitedUser`: whom the caller invited at `level` (1 = directly).
pub async fn invited_users(
    call: Caller,
    level: i64,
    limit: i64,
    offset: i64,
    need_total: bool,
) -> ApiResult<InvitedPage> {
    let uid = call.auth()?.uid.clone();
    let level = u32::try_from(level)
        .ok()
        .filter(|l| (1..=1000).contains(l))
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidParam).detail("level"))?;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::new(ErrorCode::InvalidParam).detail("limit"));
    }
    if offset < 0 {
        return Err(ApiError::new(ErrorCode::InvalidParam).detail("offset"));
    }
    call.host
        .db
        .run(move |conn| {
            let users = invites::invited(conn, &uid, level, limit, offset)?;
            let total = if need_total {
                Some(invites::invited_count(conn, &uid, level)?)
            } else {
                None
            };
            Ok(InvitedPage {
                users: users.into_iter().map(Invited::from).collect(),
                total,
            })
        })
        .await
}
