//! The console's user list: a search term, filters, an order and keyset pages over `users`.

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use crate::db::DbConn;
use crate::db::models::search_plan::{Plan, SearchStats};
use crate::db::models::users::UserRow;
use crate::db::schema::{user_apps, user_roles, users};
use crate::db_run;

/// The orders the console's user list offers; each is a keyset over an index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum UserOrder {
    /// Newest registration first (ids begin with their creation time).
    #[default]
    Newest,
    Oldest,
    /// Most recent sign-in first; never signed in last.
    LastLogin,
}

/// Where the previous page ended, in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCursor {
    /// `coalesce(last_login_date, 0)` of the last row (only [`UserOrder::LastLogin`] reads it).
    pub last_login: i64,
    pub id: String,
}

/// What the console's user list shows: a search term matched anywhere in the username,
/// nickname, mobile, e-mail or uid (case-insensitive), filters, an order, and where the
/// previous page ended (keyset pagination: no OFFSET, no count).
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub status: Option<i32>,
    pub role: Option<String>,
    /// An app the user may log into (users authorized for every app, `*`, match too).
    pub app: Option<String>,
    pub tag: Option<String>,
    /// Registered at or after this instant (ms).
    pub registered_from: Option<i64>,
    /// Registered before this instant (ms).
    pub registered_until: Option<i64>,
    pub order: UserOrder,
    pub after: Option<UserCursor>,
}

/// `s` with LIKE's wildcards and its escape character escaped (by `\`).
fn like_escaped(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// The fields joined by newlines, lower-cased: the expression PostgreSQL's `users_search`
/// trigram index is built on (migration 000008).
const JOINED: &str = r"lower(coalesce(users.username, '') || E'\n' || coalesce(users.nickname, '') || E'\n' || coalesce(users.mobile, '') || E'\n' || coalesce(users.email, '') || E'\n' || users.id)";
/// The last sign-in as the `users_last_login` index orders it.
const LAST_LOGIN: &str = "coalesce(users.last_login_date, 0)";

/// Up to `limit` users matching `filter`, in its order. `stats` steers how the search term
/// is looked up (see [`crate::db::models::search_plan`]), never what is found.
pub fn search(
    conn: &mut DbConn,
    stats: &SearchStats,
    filter: &UserFilter,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let term = filter.q.as_deref().map(str::to_lowercase);
    // Fields are single lines: a term spanning lines cannot be in one of them (and would
    // span two fields of PostgreSQL's joined expression).
    if term
        .as_deref()
        .is_some_and(|t| t.chars().any(char::is_control))
    {
        return Ok(Vec::new());
    }
    let plan = match &term {
        Some(t) => Some(stats.sample(conn)?.plan(t)),
        None => None,
    };
    let tag = filter.tag.as_deref().map(|t| {
        format!(
            "%{}%",
            like_escaped(&serde_json::Value::from(t).to_string())
        )
    });
    let is_sqlite = matches!(conn, DbConn::Sqlite(_));
    db_run!(conn: {
        let mut query = users::table
            .select(UserRow::as_select())
            .limit(limit)
            .into_boxed();
        if let (Some(term), Some(plan)) = (&term, &plan) {
            match (plan, is_sqlite) {
                (Plan::Index(window), true) => {
                    query = query.filter(
                        sql::<Bool>(
                            "users.id IN (SELECT k.user_id FROM user_search s \
                             JOIN user_search_keys k ON k.key = s.rowid WHERE user_search MATCH ",
                        )
                        .bind::<Text, _>(format!("\"{}\"", window.replace('"', "\"\"")))
                        .sql(")"),
                    );
                }
                (Plan::Index(window), false) => {
                    query = query.filter(
                        sql::<Bool>(&format!("{JOINED} LIKE "))
                            .bind::<Text, _>(format!("%{}%", like_escaped(window)))
                            .sql(" ESCAPE '\\'"),
                    );
                }
                (Plan::Scan, _) => {}
            }
            // The whole term, on the rows the window found or on each row walked. Not
            // indexable on purpose: PostgreSQL must use its index for the window alone.
            if is_sqlite {
                // SQLite's LIKE folds ASCII case itself, without lower()'s copy of each field.
                let p = format!("%{}%", like_escaped(term));
                query = query.filter(
                    users::username
                        .like(p.clone())
                        .escape('\\')
                        .or(users::nickname.like(p.clone()).escape('\\'))
                        .or(users::mobile.like(p.clone()).escape('\\'))
                        .or(users::email.like(p.clone()).escape('\\'))
                        .or(users::id.like(p).escape('\\')),
                );
            } else {
                query = query.filter(
                    sql::<Bool>(&format!("strpos({JOINED}, "))
                        .bind::<Text, _>(term.clone())
                        .sql(") > 0"),
                );
            }
        }
        if let Some(s) = filter.status {
            query = query.filter(users::status.eq(s));
        }
        if let Some(role) = &filter.role {
            query = query.filter(
                users::id.eq_any(
                    user_roles::table
                        .filter(user_roles::role_id.eq(role.clone()))
                        .select(user_roles::user_id),
                ),
            );
        }
        if let Some(app) = &filter.app {
            query = query.filter(
                users::id.eq_any(
                    user_apps::table
                        .filter(user_apps::app_id.eq_any([app.clone(), "*".to_string()]))
                        .select(user_apps::user_id),
                ),
            );
        }
        if let Some(tag) = &tag {
            // users.tags is uni-id's JSON array of tagids: the quoted id is in the text.
            query = query.filter(users::tags.like(tag.clone()).escape('\\'));
        }
        if let Some(from) = filter.registered_from {
            query = query.filter(users::register_date.ge(from));
        }
        if let Some(until) = filter.registered_until {
            query = query.filter(users::register_date.lt(until));
        }
        let after = filter.after.clone();
        query = match filter.order {
            UserOrder::Newest => {
                if let Some(a) = after {
                    query = query.filter(users::id.lt(a.id));
                }
                query.order(users::id.desc())
            }
            UserOrder::Oldest => {
                if let Some(a) = after {
                    query = query.filter(users::id.gt(a.id));
                }
                query.order(users::id.asc())
            }
            UserOrder::LastLogin => {
                if let Some(a) = after {
                    query = query.filter(
                        sql::<Bool>(&format!("({LAST_LOGIN}, users.id) < ("))
                            .bind::<BigInt, _>(a.last_login)
                            .sql(", ")
                            .bind::<Text, _>(a.id)
                            .sql(")"),
                    );
                }
                query.order((sql::<BigInt>(LAST_LOGIN).desc(), users::id.desc()))
            }
        };
        query.load(conn)
    })
}
