//! `verify_codes`: image captchas and SMS / e-mail codes, stored as keyed hashes.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::verify_codes;
use crate::db_run;

pub const PENDING: i32 = 0;
pub const USED: i32 = 1;
pub const VOID: i32 = 2;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = verify_codes)]
pub struct NewCode {
    pub kind: String,
    pub target: String,
    pub scene: String,
    pub code_hash: String,
    pub state: i32,
    pub attempts: i32,
    pub ip: Option<String>,
    pub created_date: i64,
    pub expired_date: i64,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = verify_codes)]
pub struct CodeRow {
    pub id: i64,
    pub kind: String,
    pub target: String,
    pub scene: String,
    pub code_hash: String,
    pub state: i32,
    pub attempts: i32,
    pub ip: Option<String>,
    pub created_date: i64,
    pub expired_date: i64,
}

pub fn insert(conn: &mut DbConn, code: &NewCode) -> QueryResult<()> {
    db_run!(conn: {
        diesel::insert_into(verify_codes::table).values(code).execute(conn).map(|_| ())
    })
}

/// The newest code still pending for (kind, target, scene), expired or not.
pub fn newest_pending(
    conn: &mut DbConn,
    kind: &str,
    target: &str,
    scene: &str,
) -> QueryResult<Option<CodeRow>> {
    db_run!(conn: {
        verify_codes::table
            .filter(verify_codes::kind.eq(kind))
            .filter(verify_codes::target.eq(target))
            .filter(verify_codes::scene.eq(scene))
            .filter(verify_codes::state.eq(PENDING))
            .order(verify_codes::id.desc())
            .select(CodeRow::as_select())
            .first(conn)
            .optional()
    })
}

/// Moves a pending code to `state`. Returns false when another request got there first,
/// which is what makes a code single-use under concurrent attempts.
pub fn finish(conn: &mut DbConn, id: i64, state: i32) -> QueryResult<bool> {
    db_run!(conn: {
        diesel::update(verify_codes::table.filter(verify_codes::id.eq(id)).filter(verify_codes::state.eq(PENDING)))
            .set(verify_codes::state.eq(state))
            .execute(conn)
            .map(|n| n == 1)
    })
}

/// Counts a wrong attempt; returns the new count.
pub fn add_attempt(conn: &mut DbConn, id: i64) -> QueryResult<i32> {
    db_run!(conn: {
        diesel::update(verify_codes::table.filter(verify_codes::id.eq(id)))
            .set(verify_codes::attempts.eq(verify_codes::attempts + 1))
            .execute(conn)?;
        verify_codes::table.find(id).select(verify_codes::attempts).get_result(conn)
    })
}

/// Voids every pending code for (kind, target, scene).
pub fn void_pending(
    conn: &mut DbConn,
    kind: &str,
    target: &str,
    scene: &str,
) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::update(
            verify_codes::table
                .filter(verify_codes::kind.eq(kind))
                .filter(verify_codes::target.eq(target))
                .filter(verify_codes::scene.eq(scene))
                .filter(verify_codes::state.eq(PENDING)),
        )
        .set(verify_codes::state.eq(VOID))
        .execute(conn)
    })
}

/// Deletes codes that expired before `before`: unlike uni-id, nothing piles up forever.
pub fn purge_expired(conn: &mut DbConn, before: i64) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::delete(verify_codes::table.filter(verify_codes::expired_date.lt(before))).execute(conn)
    })
}
