//! Writing one batch of the smaller collections (permissions, roles, tags, the login log,
//! devices). Each record has a key unid keeps unique (`permission_id`, `role_id`, `tagid`,
//! `device_id`; the `_id` for the log) and its `_id` in `doc_id`; [`classify`] decides per
//! record between "new", "already there" and "clashes", the same way for all of them.

use std::collections::HashMap;

use diesel::prelude::*;

use super::Collection;
use super::ProblemKind;
use super::load::{Lined, MAX_PARAMS, Out, existing_users};
use super::other::{Device, LogEntry, OpendbDevice, Permission, Role, RoleFields, Tag, derived_id};
use super::tables::{devices, opendb_devices, permissions, roles, uni_id_log, user_tags};
use crate::db::schema::role_permissions;
use crate::db::{DbConn, is_unique_violation};
use crate::db_run;

/// What a collection's rows need for [`classify`].
pub trait Keyed: Clone + PartialEq {
    /// How the key is named in reports (`role_id`).
    const KEY: &'static str;
    fn key(&self) -> &str;
    fn doc_id(&self) -> Option<&str>;
    /// The same row without its `doc_id`, to compare with one unid made.
    fn without_doc_id(&self) -> Self;
    /// The `_id` an export gives this row when it has none ([`super::other::derived_id`]),
    /// where that follows from the row alone.
    fn derived_doc_id(&self) -> Option<String> {
        None
    }
}

impl Keyed for Permission {
    const KEY: &'static str = "permission_id";
    fn key(&self) -> &str {
        &self.permission_id
    }
    fn doc_id(&self) -> Option<&str> {
        self.doc_id.as_deref()
    }
    fn without_doc_id(&self) -> Self {
        Permission {
            doc_id: None,
            ..self.clone()
        }
    }
    fn derived_doc_id(&self) -> Option<String> {
        Some(derived_id(
            Collection::Permissions,
            self.create_date,
            &self.permission_id,
        ))
    }
}

impl Keyed for Role {
    const KEY: &'static str = "role_id";
    fn key(&self) -> &str {
        &self.fields.role_id
    }
    fn doc_id(&self) -> Option<&str> {
        self.fields.doc_id.as_deref()
    }
    fn without_doc_id(&self) -> Self {
        let mut copy = self.clone();
        copy.fields.doc_id = None;
        copy
    }
    fn derived_doc_id(&self) -> Option<String> {
        Some(derived_id(
            Collection::Roles,
            self.fields.create_date,
            &self.fields.role_id,
        ))
    }
}

impl Keyed for Tag {
    const KEY: &'static str = "tagid";
    fn key(&self) -> &str {
        &self.tagid
    }
    fn doc_id(&self) -> Option<&str> {
        self.doc_id.as_deref()
    }
    fn without_doc_id(&self) -> Self {
        Tag {
            doc_id: None,
            ..self.clone()
        }
    }
    fn derived_doc_id(&self) -> Option<String> {
        Some(derived_id(Collection::Tags, self.create_date, &self.tagid))
    }
}

impl Keyed for OpendbDevice {
    const KEY: &'static str = "device_id";
    fn key(&self) -> &str {
        &self.device_id
    }
    fn doc_id(&self) -> Option<&str> {
        self.doc_id.as_deref()
    }
    fn without_doc_id(&self) -> Self {
        OpendbDevice {
            doc_id: None,
            ..self.clone()
        }
    }
    fn derived_doc_id(&self) -> Option<String> {
        Some(derived_id(
            Collection::OpendbDevices,
            self.create_date,
            &self.device_id,
        ))
    }
}

// A device's and a log row's derived `_id` come from their serial number, which a document
// does not carry.
impl Keyed for Device {
    const KEY: &'static str = "device_id";
    fn key(&self) -> &str {
        &self.device_id
    }
    fn doc_id(&self) -> Option<&str> {
        self.doc_id.as_deref()
    }
    fn without_doc_id(&self) -> Self {
        Device {
            doc_id: None,
            ..self.clone()
        }
    }
}

impl Keyed for LogEntry {
    const KEY: &'static str = "_id";
    fn key(&self) -> &str {
        self.doc_id.as_deref().unwrap_or("")
    }
    fn doc_id(&self) -> Option<&str> {
        self.doc_id.as_deref()
    }
    fn without_doc_id(&self) -> Self {
        LogEntry {
            doc_id: None,
            ..self.clone()
        }
    }
}

/// What to do with one record.
enum Verdict {
    New,
    /// The row unid made itself is this record: it takes the record's `_id`.
    AdoptId,
}

/// Sorts `batch` by what is already in `existing` (rows whose key or `doc_id` is among the
/// batch's) and earlier in the batch; reports the records that are not written.
fn classify<T: Keyed>(
    batch: Vec<Lined<T>>,
    existing: Vec<T>,
    out: &mut Out,
) -> Vec<(Lined<T>, Verdict)> {
    let mut by_doc: HashMap<String, T> = HashMap::new();
    let mut by_key: HashMap<String, T> = HashMap::new();
    for row in existing {
        if let Some(d) = row.doc_id() {
            by_doc.insert(d.to_string(), row.clone());
        }
        by_key.insert(row.key().to_string(), row);
    }
    let mut in_batch: HashMap<String, u64> = HashMap::new();
    let mut docs_in_batch: HashMap<String, u64> = HashMap::new();
    let mut result = Vec::with_capacity(batch.len());
    for (line, rec) in batch {
        let key = rec.key().to_string();
        let doc = rec.doc_id().unwrap_or("").to_string();
        if let Some(row) = by_doc.get(&doc) {
            if *row == rec {
                out.tally.unchanged += 1;
            } else {
                out.report(
                    line,
                    ProblemKind::Kept,
                    format!(
                        "_id {doc} is already there with other values: the database's copy is kept"
                    ),
                );
            }
        } else if let Some(row) = by_key.get(&key) {
            match row.doc_id() {
                // An export of unid's own row gave it this `_id`: nothing to write.
                None if *row == rec.without_doc_id()
                    && row.derived_doc_id().as_deref() == Some(doc.as_str()) =>
                {
                    out.tally.unchanged += 1;
                }
                None if *row == rec.without_doc_id() => {
                    result.push(((line, rec), Verdict::AdoptId));
                }
                None => out.report(
                    line,
                    ProblemKind::Kept,
                    format!("{} {key} already exists in unid with other values: the database's copy is kept", T::KEY),
                ),
                Some(other) => out.report(
                    line,
                    ProblemKind::Conflict,
                    format!("{} {key} already belongs to _id {other}: not imported", T::KEY),
                ),
            }
        } else if let Some(first) = in_batch.get(&key).or_else(|| docs_in_batch.get(&doc)) {
            out.report(
                line,
                ProblemKind::Conflict,
                format!(
                    "{} {key} (or _id {doc}) is also on line {first}: not imported",
                    T::KEY
                ),
            );
        } else {
            in_batch.insert(key, line);
            docs_in_batch.insert(doc, line);
            result.push(((line, rec), Verdict::New));
        }
    }
    result
}

/// The records to insert, the `(key, doc_id)` of those adopting an `_id`; counts the adopted
/// as unchanged (the row already said the same).
fn split<T: Keyed>(
    verdicts: Vec<(Lined<T>, Verdict)>,
    out: &mut Out,
) -> (Vec<Lined<T>>, Vec<(String, String)>) {
    let mut new = Vec::new();
    let mut adopt = Vec::new();
    for ((line, rec), verdict) in verdicts {
        match verdict {
            Verdict::New => new.push((line, rec)),
            Verdict::AdoptId => {
                out.tally.unchanged += 1;
                adopt.push((
                    rec.key().to_string(),
                    rec.doc_id().unwrap_or("").to_string(),
                ));
            }
        }
    }
    (new, adopt)
}

/// Inserts `rows` at once, or, careful, one by one reporting the refused (see
/// [`Out::careful`]).
fn write<T>(
    conn: &mut DbConn,
    rows: Vec<Lined<T>>,
    out: &mut Out,
    date: impl Fn(&T) -> Option<i64>,
    insert: impl Fn(&mut DbConn, &[&T]) -> QueryResult<()>,
) -> QueryResult<()> {
    if !out.careful {
        let all: Vec<&T> = rows.iter().map(|(_, r)| r).collect();
        insert(conn, &all)?;
        for r in all {
            out.wrote(date(r));
        }
        return Ok(());
    }
    for (line, rec) in &rows {
        match conn.write_tx(|conn| insert(conn, &[rec])) {
            Ok(()) => out.wrote(date(rec)),
            Err(e) if is_unique_violation(&e) => out.report(
                *line,
                ProblemKind::Conflict,
                format!("the database refused it ({e}): not imported"),
            ),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn keys_and_docs<T: Keyed>(batch: &[Lined<T>]) -> (Vec<String>, Vec<String>) {
    batch
        .iter()
        .map(|(_, r)| (r.key().to_string(), r.doc_id().unwrap_or("").to_string()))
        .unzip()
}

/// A collection's table: what [`batch`] asks of it.
pub trait Stored: Keyed {
    /// The rows whose key is among `keys` or whose `doc_id` is among `docs`.
    fn existing(conn: &mut DbConn, keys: &[String], docs: &[String]) -> QueryResult<Vec<Self>>;
    /// Gives the row keyed `key` the `_id` `doc` (see [`Verdict::AdoptId`]).
    fn adopt(conn: &mut DbConn, key: &str, doc: &str) -> QueryResult<()>;
    fn insert(conn: &mut DbConn, rows: &[&Self]) -> QueryResult<()>;
    /// The date the console counts the row under, if any.
    fn date(&self) -> Option<i64> {
        None
    }
    /// The new records that may be written, reporting the others; what they need first is
    /// made here.
    fn admit(
        _conn: &mut DbConn,
        new: Vec<Lined<Self>>,
        _out: &mut Out,
    ) -> QueryResult<Vec<Lined<Self>>> {
        Ok(new)
    }
}

/// One batch of a collection: each record classified against the database and the batch,
/// `_id`s adopted, the new records admitted and written.
pub fn batch<T: Stored>(conn: &mut DbConn, batch: &[Lined<T>], out: &mut Out) -> QueryResult<()> {
    let (keys, docs) = keys_and_docs(batch);
    let existing = T::existing(conn, &keys, &docs)?;
    let (new, adopt) = split(classify(batch.to_vec(), existing, out), out);
    for (key, doc) in adopt {
        T::adopt(conn, &key, &doc)?;
    }
    let new = T::admit(conn, new, out)?;
    write(conn, new, out, T::date, T::insert)
}

/// Inserts `rows` into `table`, `per_row` bound parameters each, in statements that stay
/// under [`MAX_PARAMS`].
macro_rules! insert_chunked {
    ($conn:ident, $table:expr, $rows:expr, $per_row:expr) => {{
        let rows: Vec<_> = $rows.iter().map(|r| (*r).clone()).collect();
        for chunk in rows.chunks(MAX_PARAMS / $per_row) {
            db_run!($conn: { diesel::insert_into($table).values(chunk).execute($conn) })?;
        }
        Ok(())
    }};
}

impl Stored for Permission {
    fn existing(conn: &mut DbConn, keys: &[String], docs: &[String]) -> QueryResult<Vec<Self>> {
        db_run!(conn: {
            permissions::table
                .filter(permissions::permission_id.eq_any(keys).or(permissions::doc_id.eq_any(docs)))
                .select(Permission::as_select())
                .load(conn)
        })
    }
    fn adopt(conn: &mut DbConn, key: &str, doc: &str) -> QueryResult<()> {
        db_run!(conn: {
            diesel::update(permissions::table.find(key)).set(permissions::doc_id.eq(doc)).execute(conn)
        })?;
        Ok(())
    }
    fn insert(conn: &mut DbConn, rows: &[&Self]) -> QueryResult<()> {
        insert_chunked!(conn, permissions::table, rows, 5)
    }
}

impl Stored for Tag {
    fn existing(conn: &mut DbConn, keys: &[String], docs: &[String]) -> QueryResult<Vec<Self>> {
        db_run!(conn: {
            user_tags::table
                .filter(user_tags::tagid.eq_any(keys).or(user_tags::doc_id.eq_any(docs)))
                .select(Tag::as_select())
                .load(conn)
        })
    }
    fn adopt(conn: &mut DbConn, key: &str, doc: &str) -> QueryResult<()> {
        db_run!(conn: {
            diesel::update(user_tags::table.find(key)).set(user_tags::doc_id.eq(doc)).execute(conn)
        })?;
        Ok(())
    }
    fn insert(conn: &mut DbConn, rows: &[&Self]) -> QueryResult<()> {
        insert_chunked!(conn, user_tags::table, rows, 5)
    }
}

/// Roles with their permissions, as the batch's records and as the database has them.
pub fn load_roles(conn: &mut DbConn, keys: &[String], docs: &[String]) -> QueryResult<Vec<Role>> {
    let fields: Vec<RoleFields> = db_run!(conn: {
        roles::table
            .filter(roles::role_id.eq_any(keys).or(roles::doc_id.eq_any(docs)))
            .select(RoleFields::as_select())
            .load(conn)
    })?;
    let ids: Vec<String> = fields.iter().map(|f| f.role_id.clone()).collect();
    let grants: Vec<(String, String)> = db_run!(conn: {
        role_permissions::table
            .filter(role_permissions::role_id.eq_any(&ids))
            .select((role_permissions::role_id, role_permissions::permission_id))
            .load(conn)
    })?;
    Ok(fields
        .into_iter()
        .map(|fields| {
            let mut permissions: Vec<String> = grants
                .iter()
                .filter(|(r, _)| *r == fields.role_id)
                .map(|(_, p)| p.clone())
                .collect();
            permissions.sort();
            Role {
                fields,
                permissions,
            }
        })
        .collect())
}

impl Stored for Role {
    fn existing(conn: &mut DbConn, keys: &[String], docs: &[String]) -> QueryResult<Vec<Self>> {
        load_roles(conn, keys, docs)
    }
    fn adopt(conn: &mut DbConn, key: &str, doc: &str) -> QueryResult<()> {
        db_run!(conn: {
            diesel::update(roles::table.find(key)).set(roles::doc_id.eq(doc)).execute(conn)
        })?;
        Ok(())
    }
    fn insert(conn: &mut DbConn, rows: &[&Self]) -> QueryResult<()> {
        let fields: Vec<RoleFields> = rows.iter().map(|r| r.fields.clone()).collect();
        db_run!(conn: { diesel::insert_into(roles::table).values(&fields).execute(conn) })?;
        let grants: Vec<_> = rows
            .iter()
            .flat_map(|r| {
                r.permissions.iter().map(|p| {
                    (
                        role_permissions::role_id.eq(&r.fields.role_id),
                        role_permissions::permission_id.eq(p),
                    )
                })
            })
            .collect();
        for chunk in grants.chunks(MAX_PARAMS / 2) {
            db_run!(conn: { diesel::insert_into(role_permissions::table).values(chunk).execute(conn) })?;
        }
        Ok(())
    }
    /// A permission a role grants that uni-id-permissions did not list is created (named by
    /// its id) so the role's tokens carry it as they did in uni-id, with a note.
    fn admit(
        conn: &mut DbConn,
        new: Vec<Lined<Self>>,
        out: &mut Out,
    ) -> QueryResult<Vec<Lined<Self>>> {
        let mut wanted: Vec<String> = new
            .iter()
            .flat_map(|(_, r)| r.permissions.clone())
            .collect();
        wanted.sort();
        wanted.dedup();
        let known: Vec<String> = db_run!(conn: {
            permissions::table
                .filter(permissions::permission_id.eq_any(&wanted))
                .select(permissions::permission_id)
                .load(conn)
        })?;
        let mut created: Vec<Permission> = Vec::new();
        for (line, role) in &new {
            for p in &role.permissions {
                if !known.contains(p) && !created.iter().any(|c| c.permission_id == *p) {
                    out.report(
                        *line,
                        ProblemKind::Note,
                        format!(
                            "role {} grants permission {p}, which uni-id-permissions does not list: created it",
                            role.fields.role_id
                        ),
                    );
                    created.push(Permission {
                        permission_id: p.clone(),
                        permission_name: p.clone(),
                        comment: Some(format!(
                            "Created by unid import for role {}",
                            role.fields.role_id
                        )),
                        create_date: role.fields.create_date,
                        doc_id: None,
                    });
                }
            }
        }
        if !created.is_empty() {
            db_run!(conn: { diesel::insert_into(permissions::table).values(&created).execute(conn) })?;
        }
        Ok(new)
    }
}

impl Stored for LogEntry {
    /// A log row's key is its `_id`.
    fn existing(conn: &mut DbConn, _keys: &[String], docs: &[String]) -> QueryResult<Vec<Self>> {
        db_run!(conn: {
            uni_id_log::table
                .filter(uni_id_log::doc_id.eq_any(docs))
                .select(LogEntry::as_select())
                .load(conn)
        })
    }
    /// Never asked: a row found by its key has that `_id` already.
    fn adopt(_conn: &mut DbConn, _key: &str, _doc: &str) -> QueryResult<()> {
        Ok(())
    }
    fn insert(conn: &mut DbConn, rows: &[&Self]) -> QueryResult<()> {
        insert_chunked!(conn, uni_id_log::table, rows, 12)
    }
    fn date(&self) -> Option<i64> {
        Some(self.create_date)
    }
}

/// uni-id-device: one row per device (a second document for a device is a conflict), and
/// only for a user unid has.
impl Stored for Device {
    fn existing(conn: &mut DbConn, keys: &[String], docs: &[String]) -> QueryResult<Vec<Self>> {
        db_run!(conn: {
            devices::table
                .filter(devices::device_id.eq_any(keys).or(devices::doc_id.eq_any(docs)))
                .select(Device::as_select())
                .load(conn)
        })
    }
    fn adopt(conn: &mut DbConn, key: &str, doc: &str) -> QueryResult<()> {
        db_run!(conn: {
            diesel::update(devices::table.filter(devices::device_id.eq(key))).set(devices::doc_id.eq(doc)).execute(conn)
        })?;
        Ok(())
    }
    fn insert(conn: &mut DbConn, rows: &[&Self]) -> QueryResult<()> {
        insert_chunked!(conn, devices::table, rows, 10)
    }
    fn admit(
        conn: &mut DbConn,
        new: Vec<Lined<Self>>,
        out: &mut Out,
    ) -> QueryResult<Vec<Lined<Self>>> {
        let user_ids: Vec<String> = new.iter().map(|(_, d)| d.user_id.clone()).collect();
        let users = existing_users(conn, &user_ids)?;
        let mut known = Vec::with_capacity(new.len());
        for (line, device) in new {
            if users.contains(&device.user_id) {
                known.push((line, device));
            } else {
                out.report(
                    line,
                    ProblemKind::Bad,
                    format!(
                        "device {}: user_id {} is not a user in unid",
                        device.device_id, device.user_id
                    ),
                );
            }
        }
        Ok(known)
    }
}

impl Stored for OpendbDevice {
    fn existing(conn: &mut DbConn, keys: &[String], docs: &[String]) -> QueryResult<Vec<Self>> {
        db_run!(conn: {
            opendb_devices::table
                .filter(opendb_devices::device_id.eq_any(keys).or(opendb_devices::doc_id.eq_any(docs)))
                .select(OpendbDevice::as_select())
                .load(conn)
        })
    }
    fn adopt(conn: &mut DbConn, key: &str, doc: &str) -> QueryResult<()> {
        db_run!(conn: {
            diesel::update(opendb_devices::table.find(key)).set(opendb_devices::doc_id.eq(doc)).execute(conn)
        })?;
        Ok(())
    }
    fn insert(conn: &mut DbConn, rows: &[&Self]) -> QueryResult<()> {
        insert_chunked!(conn, opendb_devices::table, rows, 12)
    }
}
