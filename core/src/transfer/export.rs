//! `unid export DIR`: every collection as uni-id stores it, one `<collection>.jsonl` each, read
//! a page at a time (keyset by primary key) so memory stays flat at any size. Writes nothing to
//! the database and never overwrites a file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use diesel::prelude::*;
use serde_json::{Map, Value};

use super::load::load_users;
use super::load_other::load_roles;
use super::other::{Device, LogEntry, OpendbDevice, Permission, Tag};
use super::tables::{devices, opendb_devices, permissions, roles, uni_id_log, user_tags};
use super::{Collection, Reporter, Tally, TransferError};
use crate::db::DbConn;
use crate::db::schema::users;
use crate::db_run;

const PAGE: i64 = 1000;

/// Writes every collection into `dir` (created if needed); how many documents each got.
pub fn export(
    conn: &mut DbConn,
    dir: &Path,
    reporter: &mut dyn Reporter,
) -> Result<Vec<(Collection, u64)>, TransferError> {
    std::fs::create_dir_all(dir).map_err(|source| TransferError::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let paths: Vec<(Collection, PathBuf)> = Collection::ALL
        .iter()
        .map(|c| (*c, dir.join(format!("{}.jsonl", c.name()))))
        .collect();
    for (_, path) in &paths {
        if path.exists() {
            return Err(TransferError::Input(format!(
                "{} already exists: export into an empty directory",
                path.display()
            )));
        }
    }
    let mut counts = Vec::new();
    for (collection, path) in paths {
        let name = format!("{}.jsonl", collection.name());
        reporter.begin(collection, &name, 0);
        let mut sink = Sink::create(&path)?;
        match collection {
            Collection::Users => users_pages(conn, &mut sink, reporter)?,
            Collection::Permissions => permissions_pages(conn, &mut sink)?,
            Collection::Roles => roles_pages(conn, &mut sink)?,
            Collection::Tags => tags_pages(conn, &mut sink)?,
            Collection::Log => log_pages(conn, &mut sink, reporter)?,
            Collection::Devices => devices_pages(conn, &mut sink)?,
            Collection::OpendbDevices => opendb_pages(conn, &mut sink)?,
        }
        let written = sink.finish()?;
        let tally = Tally {
            read: written,
            imported: written,
            ..Tally::default()
        };
        reporter.end(collection, &tally);
        counts.push((collection, written));
    }
    Ok(counts)
}

/// One collection's file.
struct Sink {
    path: PathBuf,
    out: BufWriter<File>,
    written: u64,
}

impl Sink {
    fn create(path: &Path) -> Result<Sink, TransferError> {
        let file = File::create_new(path).map_err(|source| TransferError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Sink {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            written: 0,
        })
    }

    fn write(&mut self, doc: Map<String, Value>) -> Result<(), TransferError> {
        let io = |source| TransferError::Io {
            path: self.path.display().to_string(),
            source,
        };
        serde_json::to_writer(&mut self.out, &Value::Object(doc))
            .map_err(|e| io(std::io::Error::other(e)))?;
        self.out.write_all(b"\n").map_err(io)?;
        self.written += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<u64, TransferError> {
        self.out.flush().map_err(|source| TransferError::Io {
            path: self.path.display().to_string(),
            source,
        })?;
        Ok(self.written)
    }
}

fn progress(reporter: &mut dyn Reporter, written: u64) {
    let tally = Tally {
        read: written,
        imported: written,
        ..Tally::default()
    };
    reporter.advance(written, &tally);
}

fn users_pages(
    conn: &mut DbConn,
    sink: &mut Sink,
    reporter: &mut dyn Reporter,
) -> Result<(), TransferError> {
    let mut after = String::new();
    loop {
        let ids: Vec<String> = db_run!(conn: {
            users::table
                .filter(users::id.gt(&after))
                .order(users::id)
                .limit(PAGE)
                .select(users::id)
                .load(conn)
        })?;
        let Some(last) = ids.last().cloned() else {
            return Ok(());
        };
        let mut page = load_users(conn, &ids)?;
        for id in &ids {
            if let Some(rows) = page.remove(id) {
                sink.write(rows.to_doc())?;
            }
        }
        progress(reporter, sink.written);
        after = last;
    }
}

fn permissions_pages(conn: &mut DbConn, sink: &mut Sink) -> Result<(), TransferError> {
    let mut after = String::new();
    loop {
        let page: Vec<Permission> = db_run!(conn: {
            permissions::table
                .filter(permissions::permission_id.gt(&after))
                .order(permissions::permission_id)
                .limit(PAGE)
                .select(Permission::as_select())
                .load(conn)
        })?;
        let Some(last) = page.last().map(|p| p.permission_id.clone()) else {
            return Ok(());
        };
        for p in &page {
            sink.write(p.to_doc())?;
        }
        after = last;
    }
}

fn roles_pages(conn: &mut DbConn, sink: &mut Sink) -> Result<(), TransferError> {
    let mut after = String::new();
    loop {
        let ids: Vec<String> = db_run!(conn: {
            roles::table
                .filter(roles::role_id.gt(&after))
                .order(roles::role_id)
                .limit(PAGE)
                .select(roles::role_id)
                .load(conn)
        })?;
        let Some(last) = ids.last().cloned() else {
            return Ok(());
        };
        let mut page = load_roles(conn, &ids, &[])?;
        page.sort_by(|a, b| a.fields.role_id.cmp(&b.fields.role_id));
        for r in &page {
            sink.write(r.to_doc())?;
        }
        after = last;
    }
}

fn tags_pages(conn: &mut DbConn, sink: &mut Sink) -> Result<(), TransferError> {
    let mut after = String::new();
    loop {
        let page: Vec<Tag> = db_run!(conn: {
            user_tags::table
                .filter(user_tags::tagid.gt(&after))
                .order(user_tags::tagid)
                .limit(PAGE)
                .select(Tag::as_select())
                .load(conn)
        })?;
        let Some(last) = page.last().map(|t| t.tagid.clone()) else {
            return Ok(());
        };
        for t in &page {
            sink.write(t.to_doc())?;
        }
        after = last;
    }
}

fn log_pages(
    conn: &mut DbConn,
    sink: &mut Sink,
    reporter: &mut dyn Reporter,
) -> Result<(), TransferError> {
    let mut after = i64::MIN;
    loop {
        let page: Vec<(i64, LogEntry)> = db_run!(conn: {
            uni_id_log::table
                .filter(uni_id_log::id.gt(after))
                .order(uni_id_log::id)
                .limit(PAGE)
                .select((uni_id_log::id, LogEntry::as_select()))
                .load(conn)
        })?;
        let Some(last) = page.last().map(|(id, _)| *id) else {
            return Ok(());
        };
        for (serial, entry) in &page {
            sink.write(entry.to_doc(*serial))?;
        }
        progress(reporter, sink.written);
        after = last;
    }
}

fn devices_pages(conn: &mut DbConn, sink: &mut Sink) -> Result<(), TransferError> {
    let mut after = i64::MIN;
    loop {
        let page: Vec<(i64, Device)> = db_run!(conn: {
            devices::table
                .filter(devices::id.gt(after))
                .order(devices::id)
                .limit(PAGE)
                .select((devices::id, Device::as_select()))
                .load(conn)
        })?;
        let Some(last) = page.last().map(|(id, _)| *id) else {
            return Ok(());
        };
        for (serial, device) in &page {
            sink.write(device.to_doc(*serial))?;
        }
        after = last;
    }
}

fn opendb_pages(conn: &mut DbConn, sink: &mut Sink) -> Result<(), TransferError> {
    let mut after = String::new();
    loop {
        let page: Vec<OpendbDevice> = db_run!(conn: {
            opendb_devices::table
                .filter(opendb_devices::device_id.gt(&after))
                .order(opendb_devices::device_id)
                .limit(PAGE)
                .select(OpendbDevice::as_select())
                .load(conn)
        })?;
        let Some(last) = page.last().map(|d| d.device_id.clone()) else {
            return Ok(());
        };
        for d in &page {
            sink.write(d.to_doc())?;
        }
        after = last;
    }
}
