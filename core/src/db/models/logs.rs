//! `uni_id_log` (spec §12.4): one row per login, logout, register, reset and bind attempt.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::uni_id_log;
use crate::db_run;

#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = uni_id_log)]
pub struct NewLog {
    pub appid: Option<String>,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub type_: String,
    pub ua: Option<String>,
    pub create_date: i64,
    pub state: i32,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    /// unid's: the uni-id-co method or the page path the row came through.
    pub method: Option<String>,
    /// unid's: the client's `uniPlatform`.
    pub platform: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = uni_id_log)]
pub struct LogRow {
    pub id: i64,
    pub appid: Option<String>,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub type_: String,
    pub ua: Option<String>,
    pub create_date: i64,
    pub state: i32,
    pub user_id: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub mobile: Option<String>,
    /// unid's: the uni-id-co method or the page path the row came through.
    pub method: Option<String>,
    /// unid's: the client's `uniPlatform`.
    pub platform: Option<String>,
}

pub fn insert(conn: &mut DbConn, log: &NewLog) -> QueryResult<()> {
    db_run!(conn: {
        diesel::insert_into(uni_id_log::table).values(log).execute(conn).map(|_| ())
    })
}

/// Which identifier `recent_states` filters on (spec §8.2 `getNeedCaptcha`).
#[derive(Debug, Clone)]
pub enum LogSubject {
    UserId(String),
    Username(String),
    Mobile(String),
    Email(String),
}

/// The `state` of the newest `limit` rows of `type_` from `ip` about `subject` since `since`.
pub fn recent_states(
    conn: &mut DbConn,
    ip: &str,
    subject: &LogSubject,
    type_: &str,
    since: i64,
    limit: i64,
) -> QueryResult<Vec<i32>> {
    db_run!(conn: {
        let q = uni_id_log::table
            .filter(uni_id_log::ip.eq(ip))
            .filter(uni_id_log::type_.eq(type_))
            .filter(uni_id_log::create_date.gt(since))
            .order((uni_id_log::create_date.desc(), uni_id_log::id.desc()))
            .select(uni_id_log::state)
            .limit(limit);
        match subject {
            LogSubject::UserId(v) => q.filter(uni_id_log::user_id.eq(v)).load(conn),
            LogSubject::Username(v) => q.filter(uni_id_log::username.eq(v)).load(conn),
            LogSubject::Mobile(v) => q.filter(uni_id_log::mobile.eq(v)).load(conn),
            LogSubject::Email(v) => q.filter(uni_id_log::email.eq(v)).load(conn),
        }
    })
}

/// Newest rows first, for the admin and for tests.
pub fn latest(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<LogRow>> {
    db_run!(conn: {
        uni_id_log::table
            .order(uni_id_log::id.desc())
            .select(LogRow::as_select())
            .limit(limit)
            .load(conn)
    })
}

/// The console's view of the login log: each field narrows it; `before` is the last id of the
/// previous page (ids grow with time, so pages run newest first, by key).
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// A uid, username, mobile (E.164) or e-mail, matched exactly.
    pub user: Option<String>,
    pub ip: Option<String>,
    pub type_: Option<String>,
    pub state: Option<i32>,
    /// Epoch ms, inclusive.
    pub from: Option<i64>,
    /// Epoch ms, exclusive.
    pub until: Option<i64>,
    pub before: Option<i64>,
}

pub fn search(conn: &mut DbConn, f: &LogFilter, limit: i64) -> QueryResult<Vec<LogRow>> {
    db_run!(conn: {
        let mut q = uni_id_log::table
            .select(LogRow::as_select())
            .order(uni_id_log::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(u) = &f.user {
            q = q.filter(
                uni_id_log::user_id
                    .eq(u.clone())
                    .or(uni_id_log::username.eq(u.to_lowercase()))
                    .or(uni_id_log::mobile.eq(u.clone()))
                    .or(uni_id_log::email.eq(u.to_lowercase())),
            );
        }
        if let Some(ip) = &f.ip {
            q = q.filter(uni_id_log::ip.eq(ip.clone()));
        }
        if let Some(t) = &f.type_ {
            q = q.filter(uni_id_log::type_.eq(t.clone()));
        }
        if let Some(s) = f.state {
            q = q.filter(uni_id_log::state.eq(s));
        }
        if let Some(from) = f.from {
            q = q.filter(uni_id_log::create_date.ge(from));
        }
        if let Some(until) = f.until {
            q = q.filter(uni_id_log::create_date.lt(until));
        }
        if let Some(before) = f.before {
            q = q.filter(uni_id_log::id.lt(before));
        }
        q.load(conn)
    })
}
