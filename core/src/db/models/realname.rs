//! `user_realname` (uni-id's `realname_auth` on the user) and `frv_logs` (`opendb-frv-logs`).

use diesel::prelude::*;

use crate::db::schema::{frv_logs, user_realname};
use crate::db::{DbConn, at_most_one};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_realname)]
pub struct RealnameRow {
    pub user_id: String,
    pub auth_status: i32,
    /// The encrypted ID number.
    pub identity: Option<String>,
    /// `realname_auth` as JSON.
    pub auth: String,
}

pub fn of_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<RealnameRow>> {
    at_most_one(db_run!(conn: {
        user_realname::table
            .find(user_id)
            .select(RealnameRow::as_select())
            .load(conn)
    }))
}

/// Other accounts verified (status 2) with this encrypted ID number.
pub fn verified_with(conn: &mut DbConn, identity: &str, except: &str) -> QueryResult<i64> {
    db_run!(conn: {
        user_realname::table
            .filter(user_realname::identity.eq(identity))
            .filter(user_realname::auth_status.eq(2))
            .filter(user_realname::user_id.ne(except))
            .count()
            .get_result(conn)
    })
}

pub fn set(conn: &mut DbConn, row: &RealnameRow) -> QueryResult<()> {
    db_run!(conn: {
        diesel::insert_into(user_realname::table)
            .values(row)
            .on_conflict(user_realname::user_id)
            .do_update()
            .set((
                user_realname::auth_status.eq(row.auth_status),
                user_realname::identity.eq(&row.identity),
                user_realname::auth.eq(&row.auth),
            ))
            .execute(conn)
    })?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = frv_logs)]
pub struct FrvLog {
    pub id: i64,
    pub user_id: String,
    pub certify_id: String,
    pub real_name: String,
    pub identity: String,
    pub status: i32,
    pub created_date: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = frv_logs)]
pub struct NewFrvLog<'a> {
    pub user_id: &'a str,
    pub certify_id: &'a str,
    pub real_name: &'a str,
    pub identity: &'a str,
    pub status: i32,
    pub created_date: i64,
}

pub fn insert(conn: &mut DbConn, log: &NewFrvLog) -> QueryResult<()> {
    db_run!(conn: {
        diesel::insert_into(frv_logs::table).values(log).execute(conn)
    })?;
    Ok(())
}

/// How many verifications `user_id` started since `since` (ms).
pub fn started_since(conn: &mut DbConn, user_id: &str, since: i64) -> QueryResult<i64> {
    db_run!(conn: {
        frv_logs::table
            .filter(frv_logs::user_id.eq(user_id))
            .filter(frv_logs::created_date.ge(since))
            .count()
            .get_result(conn)
    })
}

pub fn by_certify_id(conn: &mut DbConn, certify_id: &str) -> QueryResult<Option<FrvLog>> {
    at_most_one(db_run!(conn: {
        frv_logs::table
            .filter(frv_logs::certify_id.eq(certify_id))
            .select(FrvLog::as_select())
            .load(conn)
    }))
}

pub fn set_certify_id(
    conn: &mut DbConn,
    placeholder: &str,
    certify_id: &str,
) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::update(frv_logs::table.filter(frv_logs::certify_id.eq(placeholder)))
            .set(frv_logs::certify_id.eq(certify_id))
            .execute(conn)
    })
}

pub fn delete(conn: &mut DbConn, certify_id: &str) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::delete(frv_logs::table.filter(frv_logs::certify_id.eq(certify_id))).execute(conn)
    })
}

pub fn set_status(conn: &mut DbConn, id: i64, status: i32) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::update(frv_logs::table.find(id))
            .set(frv_logs::status.eq(status))
            .execute(conn)
    })
}
