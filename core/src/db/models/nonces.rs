//! `request_nonces`: the nonces of signed external calls (spec §14.2) still inside their
//! timestamp window. uni-id remembers none, so a captured call could be replayed for 20 s.

use diesel::prelude::*;

use crate::db::schema::request_nonces;
use crate::db::{DbConn, is_unique_violation};
use crate::db_run;

/// Records `nonce` until `expires` (ms); false when it was already used. Nonces whose window
/// has passed are forgotten first (an index range, cheap), so the table stays small.
pub fn claim(conn: &mut DbConn, nonce: &str, expires: i64, now: i64) -> QueryResult<bool> {
    db_run!(conn: {
        diesel::delete(request_nonces::table.filter(request_nonces::expires.lt(now)))
            .execute(conn)
    })?;
    let inserted = db_run!(conn: {
        diesel::insert_into(request_nonces::table)
            .values((request_nonces::nonce.eq(nonce), request_nonces::expires.eq(expires)))
            .execute(conn)
    });
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}
