//! Which apps (DCloud appids) a user may sign in to: `authorizeAppLogin`,
//! `removeAuthorizedApp`, `setAuthorizedApp` (spec §1.3 Admin), for the API and the console.
//!
//! uni-id's conflict check: a user may not be allowed into an app where another user already
//! answers to one of their identifiers (username, confirmed mobile, confirmed e-mail) —
//! `uni-id-account-conflict`. The database's per-app uniqueness of identifiers backs the check,
//! so two concurrent grants cannot both pass. Beyond uni-id, taking an app away ends the user's
//! sessions at once, as every other change of what a token may do.

use crate::accounts::audit::{self, Actor, Changes};
use crate::accounts::{find_user, is_match_user_app};
use crate::db::models::users::{self, UserQuery, UserRow};
use crate::db::{DbConn, is_unique_violation};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::host::Host;
use crate::tokens;

/// What a change did: the apps before and after, for the caller (and the audit log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppsChange {
    pub before: Vec<String>,
    pub after: Vec<String>,
}

/// Allows `uid` into `app_id` as well (nothing changes when it already is).
pub async fn authorize(
    host: &Host,
    actor: &Actor,
    uid: &str,
    app_id: &str,
) -> ApiResult<AppsChange> {
    let app_id = app_id.to_string();
    change(host, actor, uid, move |current| {
        let mut next = current.to_vec();
        if !next.contains(&app_id) {
            next.push(app_id.clone());
        }
        next
    })
    .await
}

/// Takes `app_id` from `uid`'s apps (nothing changes when it was not there).
pub async fn remove(host: &Host, actor: &Actor, uid: &str, app_id: &str) -> ApiResult<AppsChange> {
    let app_id = app_id.to_string();
    change(host, actor, uid, move |current| {
        current.iter().filter(|a| **a != app_id).cloned().collect()
    })
    .await
}

/// Replaces `uid`'s apps by `apps`.
pub async fn set(
    host: &Host,
    actor: &Actor,
    uid: &str,
    apps: Vec<String>,
) -> ApiResult<AppsChange> {
    change(host, actor, uid, move |_| apps.clone()).await
}

async fn change(
    host: &Host,
    actor: &Actor,
    uid: &str,
    next: impl Fn(&[String]) -> Vec<String> + Send + 'static,
) -> ApiResult<AppsChange> {
    let uid = uid.to_string();
    let actor = actor.clone();
    let now = host.clock.now_ms();
    host.db
        .run(move |conn| {
            conn.write_tx(|conn| {
                let user = users::find_by_id(conn, &uid)?
                    .ok_or_else(|| ApiError::new(ErrorCode::AccountNotExists))?;
                let query = identifiers(&user);
                conn.lock_keys(&query.lock_keys())?;
                let mut before = users::apps_of(conn, &uid)?;
                before.sort();
                let mut after = next(&before);
                after.sort();
                after.dedup();
                if after == before {
                    return Ok(AppsChange { before, after });
                }
                for app in after.iter().filter(|a| !before.contains(a)) {
                    check_no_conflict(conn, &query, app, &uid)?;
                }
                users::set_apps(conn, &uid, &after).map_err(|e| {
                    if is_unique_violation(&e) {
                        ApiError::new(ErrorCode::AccountConflict)
                    } else {
                        e.into()
                    }
                })?;
                // A token of an app the user is no longer allowed into must not keep working.
                if before.iter().any(|a| !is_match_user_app(&after, a)) {
                    tokens::revoke_all(conn, &uid, now)?;
                }
                let changes = Changes::new().field("authorizedApp", before.clone(), after.clone());
                audit::record(conn, &actor, now, "user.apps", Some(&uid), &changes)?;
                Ok(AppsChange { before, after })
            })
        })
        .await
}

/// The identifiers by which another user could be confused with `user` in an app.
fn identifiers(user: &UserRow) -> UserQuery {
    UserQuery {
        username: user.username.clone(),
        mobile: user.mobile.clone().filter(|_| user.mobile_confirmed == 1),
        email: user.email.clone().filter(|_| user.email_confirmed == 1),
        ..Default::default()
    }
}

/// `uni-id-account-conflict` when another user answers to one of `query`'s identifiers in
/// `app` (in any app, for `*`).
fn check_no_conflict(conn: &mut DbConn, query: &UserQuery, app: &str, uid: &str) -> ApiResult<()> {
    if query.is_empty() {
        return Ok(());
    }
    let found = find_user(conn, query, app)?;
    let other_in_app = found.matched.iter().any(|u| u.id != uid);
    let other_anywhere =
        app == "*" && found.total > found.matched.iter().filter(|u| u.id == uid).count();
    if other_in_app || other_anywhere {
        return Err(ApiError::new(ErrorCode::AccountConflict));
    }
    Ok(())
}
