//! The end of every successful login (spec §1.2 `postLogin`): a new token, the request's old
//! token revoked, last-login fields and any password upgrade written, a success log row.

use crate::accounts::Origin;
use crate::accounts::log::{self, Subject};
use crate::db::DbConn;
use crate::db::models::users::{self, UserChanges, UserRow};
use crate::error::ApiResult;
use crate::tokens::{self, IssuedToken};

pub fn finish_login(
    conn: &mut DbConn,
    origin: Origin,
    user: &UserRow,
    mut changes: UserChanges,
    subject: &Subject,
) -> ApiResult<IssuedToken> {
    let Origin {
        now,
        effective,
        client,
        token: request_token,
    } = origin;
    // Both callers already hold a write transaction and propagate this function's errors.
    let token = conn.join_write_tx(|conn| {
        if !request_token.is_empty() {
            tokens::revoke(conn, request_token)?;
        }
        changes.last_login_date = Some(Some(now));
        changes.last_login_ip = Some(Some(client.client_ip.clone()));
        users::update(conn, &user.id, &changes)?;
        tokens::issue(conn, now, &user.id, effective, client)
    })?;
    let subject = Subject {
        user_id: Some(user.id.clone()),
        ..subject.clone()
    };
    log::write(conn, client, now, log::LOGIN, true, &subject);
    Ok(token)
}
