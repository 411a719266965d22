//! `unid import DIR` and `unid export DIR`: moving a uni-id project's data in and out as a
//! uniCloud database export — JSON lines, one file per collection (`uni-id-users.jsonl`…).
//!
//! Import keeps `_id`s and password hashes as they are (unid verifies uni-id's hmac-sha1 and
//! `$UNI_ID_HMAC_SHA256$` hashes and upgrades them at the next login; nothing is rehashed), and
//! writes the same rows registration would, identity ledger included, a batch per
//! transaction. It never merges: a record whose `_id` is already there is compared and left
//! alone, and one that would give a second account an identifier in an app is reported as a
//! conflict and skipped. Export writes the documents back in uni-id's plain shape, so import →
//! export → import changes nothing.
//!
//! This module owns the mapping between documents and rows; it must not rehash passwords,
//! change rows it did not write, or stop at a bad line.

pub mod export;
pub mod extjson;
pub mod import;
mod load;
mod load_other;
pub mod other;
mod parallel;
pub mod progress;
pub mod records;
mod tables;
pub mod users;

use std::fmt;

/// The uni-id collections unid imports and exports, in the order an import needs them
/// (permissions before the roles that grant them, users before their devices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    Permissions,
    Roles,
    Tags,
    Users,
    Devices,
    OpendbDevices,
    Log,
}

impl Collection {
    pub const ALL: [Collection; 7] = [
        Collection::Permissions,
        Collection::Roles,
        Collection::Tags,
        Collection::Users,
        Collection::Devices,
        Collection::OpendbDevices,
        Collection::Log,
    ];

    /// Its uniCloud name, which is also its file's name before `.json` / `.jsonl`.
    pub fn name(self) -> &'static str {
        match self {
            Collection::Permissions => "uni-id-permissions",
            Collection::Roles => "uni-id-roles",
            Collection::Tags => "uni-id-tag",
            Collection::Users => "uni-id-users",
            Collection::Devices => "uni-id-device",
            Collection::OpendbDevices => "opendb-device",
            Collection::Log => "uni-id-log",
        }
    }
}

impl fmt::Display for Collection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What happened to the records of one collection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Records read (non-blank lines).
    pub read: u64,
    /// Written by this run (or, in a dry run, that would have been).
    pub imported: u64,
    /// Already there, the same.
    pub unchanged: u64,
    /// Already there by `_id` but different: the database's copy was kept, not overwritten.
    pub kept: u64,
    /// Lines that are not a record unid can take.
    pub bad: u64,
    /// Records that would give a second account (or device) an identifier already taken.
    pub conflicts: u64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.read += other.read;
        self.imported += other.imported;
        self.unchanged += other.unchanged;
        self.kept += other.kept;
        self.bad += other.bad;
        self.conflicts += other.conflicts;
    }
}

/// How a reported record was treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Not imported: the line is not a valid record.
    Bad,
    /// Not imported: an identifier it carries belongs to another record.
    Conflict,
    /// Not imported: a record with its `_id` is already there with other values.
    Kept,
    /// Imported, with something the operator should know.
    Note,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProblemKind::Bad => "bad record",
            ProblemKind::Conflict => "conflict",
            ProblemKind::Kept => "kept",
            ProblemKind::Note => "note",
        })
    }
}

/// One reported record: `file:line: kind: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub kind: ProblemKind,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.kind, self.message
        )
    }
}

/// Where an import or export tells what it is doing (the CLI: a bar or lines, see
/// [`progress`]).
pub trait Reporter {
    /// A collection's file begins; `size` in bytes (0 for an export).
    fn begin(&mut self, collection: Collection, file: &str, size: u64);
    /// After each batch: bytes read so far and the running tally.
    fn advance(&mut self, done: u64, tally: &Tally);
    fn problem(&mut self, problem: &Problem);
    /// The collection is done.
    fn end(&mut self, collection: Collection, tally: &Tally);
}

#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Input(String),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
}
