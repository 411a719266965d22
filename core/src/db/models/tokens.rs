//! `tokens`: the live tokens of each user. Revoking is deleting the row.

use diesel::prelude::*;

use crate::db::models::users::UserRow;
use crate::db::schema::{tokens, users};
use crate::db::{DbConn, at_most_one, numbered_sql};
use crate::db_run;

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tokens)]
pub struct NewToken {
    pub token_hash: String,
    pub user_id: String,
    pub iat: i64,
    pub exp: i64,
    pub created_date: i64,
    pub app_id: Option<String>,
    pub platform: Option<String>,
    pub device_id: Option<String>,
}

/// The live token's creation time (ms) and its user, in one round trip: what every
/// authenticated request needs.
pub fn user_of_live_token(
    conn: &mut DbConn,
    token_hash: &str,
) -> QueryResult<Option<(i64, UserRow)>> {
    at_most_one(db_run!(conn: {
        tokens::table
            .inner_join(users::table)
            .filter(tokens::token_hash.eq(token_hash))
            .select((tokens::created_date, UserRow::as_select()))
            .load(conn)
    }))
}

/// Stores a new token and keeps at most `max` live tokens for the user (oldest dropped), also
/// pruning expired ones (spec §6.5 `maxTokenLength`): an insert and one pruning DELETE.
pub fn insert(conn: &mut DbConn, token: &NewToken, max: usize, now_secs: i64) -> QueryResult<()> {
    use diesel::sql_types::{BigInt, Text};
    db_run!(conn: {
        // Two logins of one user in the same second sign byte-identical tokens (uni-id's
        // payload has second resolution); like uni-id's token list, they share one entry.
        diesel::insert_into(tokens::table)
            .values(token)
            .on_conflict_do_nothing()
            .execute(conn)
    })?;
    // The cap is written into the SQL, not bound: SQLite re-prepares a statement whose LIMIT is a
    // parameter on every run. It is a number from the configuration.
    let sql = numbered_sql(
        conn,
        &format!(
            "DELETE FROM tokens WHERE user_id = $1 AND token_hash NOT IN ( \
               SELECT token_hash FROM tokens WHERE user_id = $1 AND exp >= $2 \
               ORDER BY iat DESC, created_date DESC, token_hash DESC LIMIT {max})"
        ),
    );
    db_run!(conn: {
        diesel::sql_query(sql)
            .bind::<Text, _>(&token.user_id)
            .bind::<BigInt, _>(now_secs)
            .execute(conn)
    })?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::delete(tokens::table.filter(tokens::token_hash.eq(token_hash))).execute(conn)
    })
}

pub fn delete_all_of(conn: &mut DbConn, user_id: &str) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::delete(tokens::table.filter(tokens::user_id.eq(user_id))).execute(conn)
    })
}

pub fn count_of(conn: &mut DbConn, user_id: &str) -> QueryResult<i64> {
    db_run!(conn: {
        tokens::table.filter(tokens::user_id.eq(user_id)).count().get_result(conn)
    })
}

/// Deletes tokens that expired before `now_secs` (they can only be refused anyway).
pub fn purge_expired(conn: &mut DbConn, now_secs: i64) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::delete(tokens::table.filter(tokens::exp.lt(now_secs))).execute(conn)
    })
}

/// A live session as the console lists it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tokens)]
pub struct SessionRow {
    pub token_hash: String,
    pub exp: i64,
    pub created_date: i64,
    pub app_id: Option<String>,
    pub platform: Option<String>,
    pub device_id: Option<String>,
}

/// `user_id`'s sessions not yet expired at `now_secs`, newest first.
pub fn live_of(conn: &mut DbConn, user_id: &str, now_secs: i64) -> QueryResult<Vec<SessionRow>> {
    db_run!(conn: {
        tokens::table
            .filter(tokens::user_id.eq(user_id))
            .filter(tokens::exp.ge(now_secs))
            .order(tokens::created_date.desc())
            .select(SessionRow::as_select())
            .load(conn)
    })
}

/// Ends one of `user_id`'s sessions; `None` when it was not theirs (or already over).
pub fn delete_of(
    conn: &mut DbConn,
    user_id: &str,
    token_hash: &str,
) -> QueryResult<Option<SessionRow>> {
    let row = at_most_one(db_run!(conn: {
        tokens::table
            .filter(tokens::user_id.eq(user_id))
            .filter(tokens::token_hash.eq(token_hash))
            .select(SessionRow::as_select())
            .load(conn)
    }))?;
    if row.is_some() {
        delete(conn, token_hash)?;
    }
    Ok(row)
}
