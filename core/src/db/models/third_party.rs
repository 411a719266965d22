//! `user_third_party`: a user's ids at WeChat, QQ, Alipay, Apple or another plugin's provider,
//! and `credential_cache`, what those providers hand out for later calls.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{credential_cache, user_third_party};
use crate::db_run;

/// One id at a provider, as uni-id keeps it on the user (spec §12.1): `wx_openid.mp` is
/// `("weixin", "openid", "mp")`, `wx_openid.mp___UNI_A` is `("weixin", "openid",
/// "mp___UNI_A")`, `wx_unionid` is `("weixin", "unionid", "")`, `apple_openid` is `("apple",
/// "openid", "")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Queryable, Selectable, Insertable)]
#[diesel(table_name = user_third_party)]
#[diesel(check_for_backend(diesel::sqlite::Sqlite, diesel::pg::Pg))]
pub struct ThirdPartyId {
    pub provider: String,
    pub kind: String,
    pub platform: String,
    pub value: String,
}

impl ThirdPartyId {
    pub fn new(provider: &str, kind: &str, platform: &str, value: &str) -> ThirdPartyId {
        ThirdPartyId {
            provider: provider.to_string(),
            kind: kind.to_string(),
            platform: platform.to_string(),
            value: value.to_string(),
        }
    }

    /// Its kind in the `user_identities` ledger, where each is unique within an app.
    pub fn ledger_kind(&self) -> String {
        format!("{}:{}:{}", self.provider, self.kind, self.platform)
    }

    /// Whether `other` is the same slot (provider, kind and platform), whatever its value.
    pub fn same_slot(&self, other: &ThirdPartyId) -> bool {
        self.provider == other.provider
            && self.kind == other.kind
            && self.platform == other.platform
    }
}

/// Every id of a user, in a stable order.
pub fn of_user(conn: &mut DbConn, user_id: &str) -> QueryResult<Vec<ThirdPartyId>> {
    db_run!(conn: {
        user_third_party::table
            .filter(user_third_party::user_id.eq(user_id))
            .order((user_third_party::provider, user_third_party::kind, user_third_party::platform))
            .select(ThirdPartyId::as_select())
            .load(conn)
    })
}

/// The users holding any of `ids` (each exactly: provider, kind, platform and value).
pub fn users_with(conn: &mut DbConn, ids: &[ThirdPartyId]) -> QueryResult<Vec<String>> {
    let mut found: Vec<String> = Vec::new();
    for id in ids {
        let users: Vec<String> = db_run!(conn: {
            user_third_party::table
                .filter(user_third_party::provider.eq(&id.provider))
                .filter(user_third_party::kind.eq(&id.kind))
                .filter(user_third_party::platform.eq(&id.platform))
                .filter(user_third_party::value.eq(&id.value))
                .select(user_third_party::user_id)
                .load(conn)
        })?;
        for u in users {
            if !found.contains(&u) {
                found.push(u);
            }
        }
    }
    Ok(found)
}

/// Sets each of `ids` on the user, replacing the value in the same slot. The caller re-derives
/// the ledger (`users::sync_identities`) in the same transaction.
pub fn set(conn: &mut DbConn, user_id: &str, ids: &[ThirdPartyId]) -> QueryResult<()> {
    db_run!(conn: {
        for id in ids {
            diesel::delete(
                user_third_party::table
                    .filter(user_third_party::user_id.eq(user_id))
                    .filter(user_third_party::provider.eq(&id.provider))
                    .filter(user_third_party::kind.eq(&id.kind))
                    .filter(user_third_party::platform.eq(&id.platform)),
            )
            .execute(conn)?;
            diesel::insert_into(user_third_party::table)
                .values((user_third_party::user_id.eq(user_id), id))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Removes every id the user has at `provider`; how many there were.
pub fn remove_provider(conn: &mut DbConn, user_id: &str, provider: &str) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::delete(
            user_third_party::table
                .filter(user_third_party::user_id.eq(user_id))
                .filter(user_third_party::provider.eq(provider)),
        )
        .execute(conn)
    })
}

// ---- credential_cache ---------------------------------------------------------------------

/// The cached value of `key`, unless it has expired by `now` (ms).
pub fn cached(conn: &mut DbConn, key: &str, now: i64) -> QueryResult<Option<String>> {
    let rows: Vec<(String, i64)> = db_run!(conn: {
        credential_cache::table
            .filter(credential_cache::key.eq(key))
            .select((credential_cache::value, credential_cache::expired))
            .load(conn)
    })?;
    Ok(rows
        .into_iter()
        .find(|(_, expired)| *expired < 0 || *expired > now)
        .map(|(value, _)| value))
}

/// Stores `value` under `key` until `expired` (ms; -1 for never), replacing what was there.
pub fn cache(conn: &mut DbConn, key: &str, value: &str, expired: i64) -> QueryResult<()> {
    db_run!(conn: {
        diesel::insert_into(credential_cache::table)
            .values((
                credential_cache::key.eq(key),
                credential_cache::value.eq(value),
                credential_cache::expired.eq(expired),
            ))
            .on_conflict(credential_cache::key)
            .do_update()
            .set((
                credential_cache::value.eq(value),
                credential_cache::expired.eq(expired),
            ))
            .execute(conn)
            .map(|_| ())
    })
}

/// Forgets `key`.
pub fn uncache(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    db_run!(conn: {
        diesel::delete(credential_cache::table.filter(credential_cache::key.eq(key)))
            .execute(conn)
            .map(|_| ())
    })
}

/// Deletes entries expired by `now` (the periodic clean-up).
pub fn delete_expired(conn: &mut DbConn, now: i64) -> QueryResult<usize> {
    db_run!(conn: {
        diesel::delete(
            credential_cache::table
                .filter(credential_cache::expired.ge(0))
                .filter(credential_cache::expired.le(now)),
        )
        .execute(conn)
    })
}
