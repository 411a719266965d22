//! Ending a session (`logout`, spec §1.3 Login): the presented token is forgotten at once, the
//! device's push registration marked expired, and a logout row logged.

use diesel::prelude::*;

use crate::accounts::Caller;
use crate::accounts::log::{self, Subject};
use crate::db::schema::devices;
use crate::db_run;
use crate::error::ApiResult;
use crate::tokens;

pub async fn logout(call: Caller) -> ApiResult<()> {
    let uid = call.auth()?.uid.clone();
    let now = call.now();
    call.host
        .db
        .clone()
        .run(move |conn| {
            tokens::revoke(conn, &call.token)?;
            if let Some(device) = &call.client.device_id {
                db_run!(conn: {
                    diesel::update(devices::table.filter(devices::device_id.eq(device)).filter(devices::user_id.eq(&uid)))
                        .set(devices::token_expired.eq(0))
                        .execute(conn)
                })?;
            }
            let subject = Subject {
                user_id: Some(uid),
                ..Default::default()
            };
            log::write(conn, &call.client, now, log::LOGOUT, true, &subject);
            Ok(())
        })
        .await
}
