//! Invite chains on `users` (spec §1.3 Fission): `inviter_uid` is a JSON array of uids, nearest
//! inviter first, so "invited by `uid` at level n" is "element n-1 is `uid`".

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::db::DbConn;
use crate::db::models::users::UserRow;
use crate::db::schema::users;
use crate::db_run;

/// SQL true when `inviter_uid[index]` equals the bound text that follows.
fn element_equals(conn: &DbConn, index: u32) -> String {
    // `index` is a number we format ourselves, never caller text.
    match conn {
        DbConn::Sqlite(_) => format!("json_extract(users.inviter_uid, '$[{index}]') = "),
        DbConn::Postgres(_) => format!("(users.inviter_uid::jsonb ->> {index}) = "),
    }
}

/// The users `uid` invited at `level` (1 = directly), newest invitation first.
pub fn invited(
    conn: &mut DbConn,
    uid: &str,
    level: u32,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<UserRow>> {
    let cond = element_equals(conn, level - 1);
    db_run!(conn: {
        users::table
            .filter(users::inviter_uid.is_not_null())
            .filter(sql::<Bool>(&cond).bind::<Text, _>(uid))
            .order((users::invite_time.desc(), users::id.desc()))
            .limit(limit)
            .offset(offset)
            .select(UserRow::as_select())
            .load(conn)
    })
}

/// How many users `uid` invited at `level`.
pub fn invited_count(conn: &mut DbConn, uid: &str, level: u32) -> QueryResult<i64> {
    let cond = element_equals(conn, level - 1);
    db_run!(conn: {
        users::table
            .filter(users::inviter_uid.is_not_null())
            .filter(sql::<Bool>(&cond).bind::<Text, _>(uid))
            .count()
            .get_result(conn)
    })
}

/// Every user whose chain holds `uid` (invited by it at any level), with their chains.
pub fn downline(conn: &mut DbConn, uid: &str) -> QueryResult<Vec<(String, Option<String>)>> {
    // The quoted JSON string, so a uid that is a substring of another cannot match.
    let needle = serde_json::Value::from(uid).to_string();
    let cond = match conn {
        DbConn::Sqlite(_) => "instr(users.inviter_uid, ",
        DbConn::Postgres(_) => "strpos(users.inviter_uid, ",
    };
    db_run!(conn: {
        users::table
            .filter(users::inviter_uid.is_not_null())
            .filter(sql::<Bool>(cond).bind::<Text, _>(needle).sql(") > 0"))
            .select((users::id, users::inviter_uid))
            .load(conn)
    })
}

/// Sets a user's chain (and, when given, when they were invited).
pub fn set_chain(
    conn: &mut DbConn,
    user_id: &str,
    chain: &str,
    invite_time: Option<i64>,
) -> QueryResult<usize> {
    db_run!(conn: {
        match invite_time {
            Some(t) => diesel::update(users::table.find(user_id))
                .set((users::inviter_uid.eq(chain), users::invite_time.eq(t)))
                .execute(conn),
            None => diesel::update(users::table.find(user_id))
                .set(users::inviter_uid.eq(chain))
                .execute(conn),
        }
    })
}
