//! `users` with its satellite tables `user_apps`, `user_roles` and `user_identities`.
//!
//! Every write that changes a user's identifiers or apps goes through [`sync_identities`] in
//! the same transaction, so the uniqueness ledger always matches the user rows.

use diesel::prelude::*;

use crate::db::models::third_party::{self, ThirdPartyId};
use crate::db::schema::{user_apps, user_identities, user_roles, user_third_party, users};
use crate::db::{DbConn, at_most_one};
use crate::db_run;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_secret_version: Option<i64>,
    pub nickname: Option<String>,
    pub gender: Option<i32>,
    pub avatar: Option<String>,
    pub avatar_file: Option<String>,
    pub mobile: Option<String>,
    pub mobile_confirmed: i32,
    pub email: Option<String>,
    pub email_confirmed: i32,
    pub status: i32,
    pub my_invite_code: Option<String>,
    pub inviter_uid: Option<String>,
    pub invite_time: Option<i64>,
    pub register_date: Option<i64>,
    pub register_env: Option<String>,
    pub last_login_date: Option<i64>,
    pub last_login_ip: Option<String>,
    pub valid_token_date: Option<i64>,
    pub tags: Option<String>,
    pub extra: Option<String>,
}

#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: String,
    pub username: Option<String>,
    pub password: Option<String>,
    pub password_secret_version: Option<i64>,
    pub nickname: Option<String>,
    pub gender: Option<i32>,
    pub avatar: Option<String>,
    pub avatar_file: Option<String>,
    pub mobile: Option<String>,
    pub mobile_confirmed: i32,
    pub email: Option<String>,
    pub email_confirmed: i32,
    pub status: i32,
    pub my_invite_code: Option<String>,
    pub inviter_uid: Option<String>,
    pub invite_time: Option<i64>,
    pub register_date: Option<i64>,
    pub register_env: Option<String>,
    pub last_login_date: Option<i64>,
    pub last_login_ip: Option<String>,
    pub tags: Option<String>,
}

/// A partial update: `None` leaves a column alone; `Some(None)` sets it to NULL.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub username: Option<Option<String>>,
    pub password: Option<Option<String>>,
    pub password_secret_version: Option<Option<i64>>,
    pub nickname: Option<Option<String>>,
    pub gender: Option<Option<i32>>,
    pub avatar: Option<Option<String>>,
    pub avatar_file: Option<Option<String>>,
    pub mobile: Option<Option<String>>,
    pub mobile_confirmed: Option<i32>,
    pub email: Option<Option<String>>,
    pub email_confirmed: Option<i32>,
    pub status: Option<i32>,
    pub last_login_date: Option<Option<i64>>,
    pub last_login_ip: Option<Option<String>>,
    pub valid_token_date: Option<Option<i64>>,
    pub tags: Option<Option<String>>,
}

impl UserChanges {
    fn is_empty(&self) -> bool {
        self.username.is_none()
            && self.password.is_none()
            && self.password_secret_version.is_none()
            && self.nickname.is_none()
            && self.gender.is_none()
            && self.avatar.is_none()
            && self.avatar_file.is_none()
            && self.mobile.is_none()
            && self.mobile_confirmed.is_none()
            && self.email.is_none()
            && self.email_confirmed.is_none()
            && self.status.is_none()
            && self.last_login_date.is_none()
            && self.last_login_ip.is_none()
            && self.valid_token_date.is_none()
            && self.tags.is_none()
    }

    /// Whether this update touches what [`sync_identities`] derives rows from.
    pub fn touches_identifiers(&self) -> bool {
        self.username.is_some()
            || self.mobile.is_some()
            || self.mobile_confirmed.is_some()
            || self.email.is_some()
            || self.email_confirmed.is_some()
    }
}

/// The identifiers a user can be found by (spec §1.2 `findUser`), already normalised.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub id: Option<String>,
    pub username: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    /// Ids at third-party providers (`wx_openid.mp`, `wx_unionid`…), each matched exactly.
    pub third_party: Vec<ThirdPartyId>,
}

impl UserQuery {
    pub fn is_empty(&self) -> bool {
        self.id.is_none()
            && self.username.is_none()
            && self.mobile.is_none()
            && self.email.is_none()
            && self.third_party.is_empty()
    }

    /// Advisory-lock keys for the identifiers (see `DbConn::lock_keys`).
    pub fn lock_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(v) = &self.username {
            keys.push(format!("identity:username:{}", v.to_lowercase()));
        }
        if let Some(v) = &self.mobile {
            keys.push(format!("identity:mobile:{v}"));
        }
        if let Some(v) = &self.email {
            keys.push(format!("identity:email:{}", v.to_lowercase()));
        }
        for id in &self.third_party {
            keys.push(format!("identity:{}:{}", id.ledger_kind(), id.value));
        }
        keys
    }
}

pub fn find_by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<UserRow>> {
    at_most_one(db_run!(conn: {
        users::table.find(id).select(UserRow::as_select()).load(conn)
    }))
}

/// Every user matching any identifier of `query` (OR), regardless of app. Usernames and e-mails
/// also match their lower-cased form; mobiles and e-mails only when confirmed (spec §1.2).
pub fn find_matching(conn: &mut DbConn, query: &UserQuery) -> QueryResult<Vec<UserRow>> {
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = query
        .username
        .iter()
        .flat_map(|u| [u.clone(), u.to_lowercase()])
        .collect();
    let emails: Vec<String> = query
        .email
        .iter()
        .flat_map(|e| [e.clone(), e.to_lowercase()])
        .collect();
    db_run!(conn: {
        // OR of the identifiers given; `first` makes the first condition a filter.
        let mut q = users::table.select(UserRow::as_select()).into_boxed();
        let mut first = true;
        macro_rules! any_of {
            ($cond:expr) => {{
                q = if first { q.filter($cond) } else { q.or_filter($cond) };
                first = false;
            }};
        }
        if let Some(id) = &query.id {
            any_of!(users::id.eq(id.clone()));
        }
        if !names.is_empty() {
            any_of!(users::username.eq_any(names.clone()));
        }
        if let Some(mobile) = &query.mobile {
            any_of!(users::mobile.eq(mobile.clone()).and(users::mobile_confirmed.eq(1)));
        }
        if !emails.is_empty() {
            any_of!(users::email.eq_any(emails.clone()).and(users::email_confirmed.eq(1)));
        }
        for id in &query.third_party {
            any_of!(users::id.eq_any(
                user_third_party::table
                    .filter(user_third_party::provider.eq(id.provider.clone()))
                    .filter(user_third_party::kind.eq(id.kind.clone()))
                    .filter(user_third_party::platform.eq(id.platform.clone()))
                    .filter(user_third_party::value.eq(id.value.clone()))
                    .select(user_third_party::user_id)
            ));
        }
        let _ = first;
        q.limit(50).load(conn)
    })
}

pub fn apps_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<String>> {
    db_run!(conn: {
        user_apps::table
            .filter(user_apps::user_id.eq(user_id))
            .select(user_apps::app_id)
            .order(user_apps::app_id)
            .load(conn)
    })
}

pub fn roles_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<String>> {
    db_run!(conn: {
        user_roles::table
            .filter(user_roles::user_id.eq(user_id))
            .select(user_roles::role_id)
            .order(user_roles::role_id)
            .load(conn)
    })
}

/// Whether any user has role `role_id`, and the apps of the first one found.
pub fn first_with_role(
    conn: &mut DbConn,
    role_id: &str,
) -> QueryResult<Option<(String, Vec<String>)>> {
    let uid: Option<String> = db_run!(conn: {
        user_roles::table
            .filter(user_roles::role_id.eq(role_id))
            .select(user_roles::user_id)
            .first(conn)
            .optional()
    })?;
    match uid {
        None => Ok(None),
        Some(uid) => {
            let apps = apps_of(conn, &uid)?;
            Ok(Some((uid, apps)))
        }
    }
}

pub fn insert(
    conn: &mut DbConn,
    user: &NewUser,
    apps: &[String],
    roles: &[String],
) -> QueryResult<()> {
    db_run!(conn: {
        diesel::insert_into(users::table).values(user).execute(conn)?;
        for app in apps {
            diesel::insert_into(user_apps::table)
                .values((user_apps::user_id.eq(&user.id), user_apps::app_id.eq(app)))
                .execute(conn)?;
        }
        for role in roles {
            diesel::insert_into(user_roles::table)
                .values((user_roles::user_id.eq(&user.id), user_roles::role_id.eq(role)))
                .execute(conn)?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    // A new user has no ledger rows yet and we hold its fields: no need to read them back.
    let idents = identities(
        &user.username,
        &user.mobile,
        user.mobile_confirmed,
        &user.email,
        user.email_confirmed,
    );
    insert_identities(conn, &user.id, apps, &idents)
}

/// Applies `changes`; re-derives the identity ledger when identifiers change.
pub fn update(conn: &mut DbConn, user_id: &str, changes: &UserChanges) -> QueryResult<usize> {
    if changes.is_empty() {
        return Ok(0);
    }
    let n = db_run!(conn: {
        diesel::update(users::table.find(user_id)).set(changes).execute(conn)
    })?;
    if changes.touches_identifiers() {
        sync_identities(conn, user_id)?;
    }
    Ok(n)
}

pub fn set_roles(conn: &mut DbConn, user_id: &str, roles: &[String]) -> QueryResult<()> {
    db_run!(conn: {
        diesel::delete(user_roles::table.filter(user_roles::user_id.eq(user_id))).execute(conn)?;
        for role in roles {
            diesel::insert_into(user_roles::table)
                .values((user_roles::user_id.eq(user_id), user_roles::role_id.eq(role)))
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn set_apps(conn: &mut DbConn, user_id: &str, apps: &[String]) -> QueryResult<()> {
    db_run!(conn: {
        diesel::delete(user_apps::table.filter(user_apps::user_id.eq(user_id))).execute(conn)?;
        for app in apps {
            diesel::insert_into(user_apps::table)
                .values((user_apps::user_id.eq(user_id), user_apps::app_id.eq(app)))
                .execute(conn)
                .map(|_| ())?;
        }
        Ok::<_, diesel::result::Error>(())
    })?;
    sync_identities(conn, user_id)
}

/// The identifiers a user is unique by, normalised: `(kind, value)`.
fn identities(
    username: &Option<String>,
    mobile: &Option<String>,
    mobile_confirmed: i32,
    email: &Option<String>,
    email_confirmed: i32,
) -> Vec<(String, String)> {
    let mut idents = Vec::new();
    if let Some(u) = username {
        idents.push(("username".to_string(), u.to_lowercase()));
    }
    if let (Some(m), 1) = (mobile, mobile_confirmed) {
        idents.push(("mobile".to_string(), m.clone()));
    }
    if let (Some(e), 1) = (email, email_confirmed) {
        idents.push(("email".to_string(), e.to_lowercase()));
    }
    idents
}

fn insert_identities(
    conn: &mut DbConn,
    user_id: &str,
    apps: &[String],
    idents: &[(String, String)],
) -> QueryResult<()> {
    db_run!(conn: {
        for app in apps {
            for (kind, value) in idents {
                diesel::insert_into(user_identities::table)
                    .values((
                        user_identities::app_id.eq(app),
                        user_identities::kind.eq(kind),
                        user_identities::value.eq(value),
                        user_identities::user_id.eq(user_id),
                    ))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}

/// Rebuilds the user's rows in `user_identities`: one per (app, identifier). A unique
/// violation here means another account already holds the identifier in one of the apps.
pub fn sync_identities(conn: &mut DbConn, user_id: &str) -> QueryResult<()> {
    let Some(user) = find_by_id(conn, user_id)? else {
        return Ok(());
    };
    let apps = apps_of(conn, user_id)?;
    let mut idents = identities(
        &user.username,
        &user.mobile,
        user.mobile_confirmed,
        &user.email,
        user.email_confirmed,
    );
    idents.extend(
        third_party::of_user(conn, user_id)?
            .into_iter()
            .map(|id| (id.ledger_kind(), id.value)),
    );
    db_run!(conn: {
        diesel::delete(user_identities::table.filter(user_identities::user_id.eq(user_id)))
            .execute(conn)
    })?;
    insert_identities(conn, user_id, &apps, &idents)
}

pub fn invite_code_taken(conn: &mut DbConn, code: &str) -> QueryResult<bool> {
    db_run!(conn: {
        diesel::select(diesel::dsl::exists(users::table.filter(users::my_invite_code.eq(code)))).get_result(conn)
    })
}

/// `my_invite_code` has a unique index, so at most one user matches.
pub fn find_by_invite_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<UserRow>> {
    at_most_one(db_run!(conn: {
        users::table
            .filter(users::my_invite_code.eq(code))
            .select(UserRow::as_select())
            .load(conn)
    }))
}

/// Users whose password is in uni-id's legacy form (a bare hmac-sha1 hex digest, checked with
/// the configured `passwordSecret`), counted by the secret version they were hashed with.
pub fn legacy_hash_versions(conn: &mut DbConn) -> QueryResult<Vec<(Option<i64>, i64)>> {
    db_run!(conn: {
        users::table
            .filter(users::password.is_not_null())
            .filter(users::password.ne(""))
            .filter(diesel::dsl::not(users::password.like("$%")))
            .group_by(users::password_secret_version)
            .select((users::password_secret_version, diesel::dsl::count_star()))
            .order_by(users::password_secret_version)
            .load(conn)
    })
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    db_run!(conn: { users::table.count().get_result(conn) })
}

/// Above this many rows (by PostgreSQL's estimate) [`count_cheaply`] gives the estimate.
const ESTIMATE_ABOVE: i64 = 50_000;

/// How many users there are, and whether that is exact. PostgreSQL counts by reading the
/// whole table (20 ms at 100,000 users), so for a big one its planner's estimate, which
/// autovacuum's ANALYZE keeps within a few percent, is used instead. SQLite counts from its
/// smallest index in a fraction of a millisecond.
pub fn count_cheaply(conn: &mut DbConn) -> QueryResult<(i64, bool)> {
    if let DbConn::Postgres(c) = conn {
        #[derive(QueryableByName)]
        struct Estimate {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
            n: Option<i64>,
        }
        // -1 (never analyzed) or a missing table reads as "small": count exactly.
        let estimate: Vec<Estimate> = diesel::sql_query(
            "SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass('users')",
        )
        .load(&mut ***c)?;
        if let Some(n) = estimate
            .first()
            .and_then(|e| e.n)
            .filter(|n| *n > ESTIMATE_ABOVE)
        {
            return Ok((n, false));
        }
    }
    Ok((count(conn)?, true))
}
