//! `verify_codes`: image captchas and SMS / e-mail codes, stored as keyed hashes.

use diesel::prelude::*;

use crate::db::schema::verify_codes;
use crate::db::{DbConn, numbered_sql};
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

pub fn insert(conn: &mut DbConn, code: &NewCode) -> QueryResult<()> {
    db_run!(conn: {
        diesel::insert_into(verify_codes::table).values(code).execute(conn).map(|_| ())
    })
}

/// What [`consume_newest`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consumed {
    /// No code, or the newest one is used or void already (older codes never count).
    Missing,
    /// The newest code had expired; it is void now.
    Expired,
    /// The answer was wrong: the attempt is counted, and the code is void at `max_attempts`.
    Wrong,
    /// The answer was right and the code is used: nobody else can consume it.
    Accepted,
}

#[derive(QueryableByName)]
struct ConsumedRow {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    state: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    expired_date: i64,
}

/// Checks `code_hash` against the newest code for (kind, target, scene) and records the outcome,
/// in one statement: the answer is compared, the state and attempt count change, and two
/// requests racing for one code are serialised by the row they both update (the loser finds it
/// no longer pending). States are spelled out as numbers: 0 [`PENDING`], 1 [`USED`], 2 [`VOID`].
/// Comparing keyed hashes in SQL leaks nothing useful through timing: a guesser cannot choose
/// the hash a guess produces.
pub fn consume_newest(
    conn: &mut DbConn,
    kind: &str,
    target: &str,
    scene: &str,
    code_hash: &str,
    now: i64,
    max_attempts: i32,
) -> QueryResult<Consumed> {
    use diesel::sql_types::{BigInt, Integer, Text};
    let sql = numbered_sql(
        conn,
        "UPDATE verify_codes SET \
           state = CASE WHEN expired_date < $5 THEN 2 WHEN code_hash = $4 THEN 1 \
                        WHEN attempts + 1 >= $6 THEN 2 ELSE 0 END, \
           attempts = CASE WHEN expired_date < $5 OR code_hash = $4 THEN attempts ELSE attempts + 1 END \
         WHERE id = (SELECT id FROM verify_codes WHERE kind = $1 AND target = $2 AND scene = $3 \
                     ORDER BY id DESC LIMIT 1) \
           AND state = 0 \
         RETURNING state, expired_date",
    );
    let row: Option<ConsumedRow> = db_run!(conn: {
        diesel::sql_query(sql)
            .bind::<Text, _>(kind)
            .bind::<Text, _>(target)
            .bind::<Text, _>(scene)
            .bind::<Text, _>(code_hash)
            .bind::<BigInt, _>(now)
            .bind::<Integer, _>(max_attempts)
            .get_result(conn)
            .optional()
    })?;
    Ok(match row {
        None => Consumed::Missing,
        Some(r) if r.expired_date < now => Consumed::Expired,
        Some(r) if r.state == USED => Consumed::Accepted,
        Some(_) => Consumed::Wrong,
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
