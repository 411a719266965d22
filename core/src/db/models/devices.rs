//! `devices` (uni-id-device, spec §12.5: which user a device's push id belongs to) and
//! `opendb_devices` (opendb-device, §12.6: what the device is).

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{devices, opendb_devices};
use crate::db_run;

/// An `opendb-device` row as `setPushCid` writes it.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = opendb_devices)]
pub struct DeviceDoc {
    pub device_id: String,
    pub appid: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub uni_platform: Option<String>,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
    pub push_clientid: Option<String>,
    /// The other fields uni-id keeps, as a JSON object.
    pub extra: Option<String>,
    pub last_update_date: i64,
}

/// Inserts or updates the device's `opendb-device` row; `create_date` is set on insert only.
pub fn upsert_doc(conn: &mut DbConn, doc: &DeviceDoc, now: i64) -> QueryResult<()> {
    db_run!(conn: {
        diesel::insert_into(opendb_devices::table)
            .values((doc, opendb_devices::create_date.eq(now)))
            .on_conflict(opendb_devices::device_id)
            .do_update()
            .set(doc)
            .execute(conn)
    })?;
    Ok(())
}

/// What `setPushCid` binds a device to.
#[derive(Debug, Clone)]
pub struct Binding {
    pub device_id: String,
    pub user_id: String,
    pub appid: String,
    pub push_clientid: String,
    pub token_expired: i64,
}

/// The device's `uni-id-device` row: the device now pushes to `user_id` while `token_expired`
/// (ms) lies ahead. One row per device, by the unique index: a device signed into by another
/// user moves to them.
pub fn upsert_binding(conn: &mut DbConn, b: &Binding, now: i64, ip: &str) -> QueryResult<()> {
    let Binding {
        device_id,
        user_id,
        appid,
        push_clientid,
        token_expired,
    } = b;
    db_run!(conn: {
        diesel::insert_into(devices::table)
            .values((
                devices::device_id.eq(device_id),
                devices::user_id.eq(user_id),
                devices::appid.eq(appid),
                devices::push_clientid.eq(push_clientid),
                devices::token_expired.eq(token_expired),
                devices::create_date.eq(now),
                devices::last_active_date.eq(now),
                devices::last_active_ip.eq(ip),
            ))
            .on_conflict(devices::device_id)
            .do_update()
            .set((
                devices::user_id.eq(user_id),
                devices::appid.eq(appid),
                devices::push_clientid.eq(push_clientid),
                devices::token_expired.eq(token_expired),
                devices::last_active_date.eq(now),
                devices::last_active_ip.eq(ip),
            ))
            .execute(conn)
    })?;
    Ok(())
}

/// A user's device as the console lists it: the binding and what the device said it is.
#[derive(Debug, Clone, Queryable)]
pub struct UserDevice {
    pub device_id: String,
    pub appid: Option<String>,
    pub push_clientid: Option<String>,
    pub token_expired: i64,
    pub last_active_date: Option<i64>,
    pub last_active_ip: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub uni_platform: Option<String>,
    pub os_name: Option<String>,
    pub os_version: Option<String>,
}

/// The devices bound to `user_id`, most recently active first (at most `limit`).
pub fn of_user(conn: &mut DbConn, user_id: &str, limit: i64) -> QueryResult<Vec<UserDevice>> {
    db_run!(conn: {
        devices::table
            .left_join(opendb_devices::table.on(opendb_devices::device_id.eq(devices::device_id)))
            .filter(devices::user_id.eq(user_id))
            .order(devices::last_active_date.desc())
            .limit(limit)
            .select((
                devices::device_id,
                devices::appid,
                devices::push_clientid,
                devices::token_expired,
                devices::last_active_date,
                devices::last_active_ip,
                opendb_devices::vendor.nullable(),
                opendb_devices::model.nullable(),
                opendb_devices::uni_platform.nullable(),
                opendb_devices::os_name.nullable(),
                opendb_devices::os_version.nullable(),
            ))
            .load(conn)
    })
}
