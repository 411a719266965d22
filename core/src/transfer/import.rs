//! `unid import DIR`: reads each collection's file line by line, a batch of records per
//! transaction, reporting bad lines as it goes; then has the console's figures recounted.
//! A dry run does the same work inside one transaction that it rolls back, so it finds every
//! problem the import would, and leaves nothing behind.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::load::{self, Lined, Out, References};
use super::load_other;
use super::other::{Device, LogEntry, OpendbDevice, Permission, Role, Tag};
use super::parallel::ParallelUsers;
use super::records::{Doc, RecordError};
use super::users::UserRows;
use super::{Collection, ProblemKind, Reporter, Tally, TransferError};
use crate::db::models::{stats, users};
use crate::db::{DbConn, DbPool, is_unique_violation};

#[derive(Debug, Clone)]
pub struct Options {
    /// Validate only: nothing stays written.
    pub dry_run: bool,
    /// Records per transaction.
    pub batch: usize,
    /// Connections writing users at once (PostgreSQL; SQLite has one writer).
    pub writers: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            dry_run: false,
            batch: 5000,
            writers: 2,
        }
    }
}

/// What an import did, collection by collection (those with a file only).
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub collections: Vec<(Collection, Tally)>,
    pub dry_run: bool,
    /// Users (in the database, this import's included) whose password is a legacy hmac-sha1
    /// digest, by the version of `passwordSecret` it needs: see
    /// [`crate::passwords::legacy_hash_checkable`].
    pub legacy_hashes: Vec<(Option<i64>, i64)>,
    /// PostgreSQL checked each of the users' satellite rows against its foreign keys, as the
    /// import may not set them aside (see `load::references_check`): slower, worth saying.
    pub references_checked_row_by_row: bool,
}

impl Summary {
    pub fn total(&self) -> Tally {
        let mut t = Tally::default();
        for (_, c) in &self.collections {
            t.add(c);
        }
        t
    }
}

/// The export's file for each collection present in `dir`: `<collection>.jsonl` or `.json`.
pub fn files(dir: &Path) -> Result<Vec<(Collection, PathBuf)>, TransferError> {
    if !dir.is_dir() {
        return Err(TransferError::Input(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let mut found = Vec::new();
    for c in Collection::ALL {
        let candidates: Vec<PathBuf> = ["jsonl", "json"]
            .iter()
            .map(|ext| dir.join(format!("{}.{ext}", c.name())))
            .filter(|p| p.is_file())
            .collect();
        match candidates.as_slice() {
            [] => {}
            [one] => found.push((c, one.clone())),
            _ => {
                return Err(TransferError::Input(format!(
                    "both {0}.jsonl and {0}.json are in {1}: keep one",
                    c.name(),
                    dir.display()
                )));
            }
        }
    }
    if found.is_empty() {
        return Err(TransferError::Input(format!(
            "no uni-id export in {}: expected files such as uni-id-users.jsonl (or .json)",
            dir.display()
        )));
    }
    Ok(found)
}

/// Imports every collection file in `dir`.
pub fn import(
    pool: &DbPool,
    dir: &Path,
    options: &Options,
    reporter: &mut dyn Reporter,
) -> Result<Summary, TransferError> {
    let files = files(dir)?;
    let mut conn = connection(pool)?;
    let conn = &mut conn;
    bulk_settings(conn, true)?;
    search_index_hash(conn, true)?;
    let imported = import_files(conn, pool, &files, options, reporter);
    let restored = bulk_settings(conn, false).and(search_index_hash(conn, false));
    let summary = imported?;
    restored?;
    Ok(summary)
}

/// SQLite: how many bytes of new terms the users' search index (FTS5, migration 000008) holds
/// in memory before it writes them out as a segment — 16 MB during an import instead of FTS5's
/// 1 MB, so that a batch of users becomes one segment rather than a dozen for its merges to
/// rewrite (4 % of an import, interleaved runs). It is a setting of the index, stored in the
/// database; left at 16 MB by an interrupted import, it costs nothing: it is a threshold, not
/// an allocation, and a server's transactions are far below either.
fn search_index_hash(conn: &mut DbConn, on: bool) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection;
    if let DbConn::Sqlite(c) = conn {
        let bytes = if on { 16 << 20 } else { 1 << 20 };
        c.batch_execute(&format!(
            "INSERT INTO user_search (user_search, rank) VALUES ('hashsize', {bytes})"
        ))?;
    }
    Ok(())
}

/// A connection of the import's pool (its own, or a writer's).
pub(super) fn connection(pool: &DbPool) -> Result<DbConn, TransferError> {
    pool.get()
        .map_err(|e| TransferError::Input(format!("a database connection: {e}")))
}

/// This connection's settings for a bulk load (`on`), and back to the usual ones.
///
/// - SQLite: a 256 MB page cache (a maximum, not an allocation) instead of 2 MB, which a batch's
///   thousands of index pages would overflow, spilling dirty pages to the WAL mid-transaction;
///   no automatic checkpoints, which copy the WAL back every 4 MB and so write the same
///   index pages again and again — one checkpoint at the end writes each page once; and
///   statement journals in memory: a statement of many rows (see `load::insert_rows!`) journals
///   every page it changes, and past 64 KB SQLite spills that to a temporary file (7-10 % of
///   the import in `pwrite`s).
/// - PostgreSQL: commits do not wait for the WAL flush. A crash may lose the last batches but
///   never corrupts anything, and running the import again brings them in (it is idempotent).
pub(super) fn bulk_settings(conn: &mut DbConn, on: bool) -> diesel::QueryResult<()> {
    use diesel::connection::SimpleConnection;
    let sql = match (&*conn, on) {
        (DbConn::Sqlite(_), true) => {
            "PRAGMA cache_size = -262144; PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;"
        }
        (DbConn::Sqlite(_), false) => {
            "PRAGMA wal_checkpoint(PASSIVE); PRAGMA wal_autocheckpoint = 1000; PRAGMA cache_size = -2000; PRAGMA temp_store = DEFAULT;"
        }
        (DbConn::Postgres(_), true) => "SET synchronous_commit = off",
        (DbConn::Postgres(_), false) => "RESET synchronous_commit",
    };
    crate::db_run!(conn: { conn.batch_execute(sql) })
}

fn import_files(
    conn: &mut DbConn,
    pool: &DbPool,
    files: &[(Collection, PathBuf)],
    options: &Options,
    reporter: &mut dyn Reporter,
) -> Result<Summary, TransferError> {
    if options.dry_run {
        // Rolled back by returning an error from the transaction.
        enum End {
            DryRun(Summary),
            Failed(TransferError),
        }
        impl From<diesel::result::Error> for End {
            fn from(e: diesel::result::Error) -> End {
                End::Failed(e.into())
            }
        }
        let ended = conn.write_tx(
            |conn| match import_all(conn, None, files, options, reporter) {
                Ok((mut summary, _)) => {
                    summary.legacy_hashes = users::legacy_hash_versions(conn)?;
                    Err::<(), End>(End::DryRun(summary))
                }
                Err(e) => Err(End::Failed(e)),
            },
        );
        return match ended {
            Err(End::DryRun(summary)) => Ok(summary),
            Err(End::Failed(e)) => Err(e),
            Ok(()) => Err(TransferError::Input("the dry run did not roll back".into())),
        };
    }
    let (mut summary, earliest) = import_all(conn, Some(pool), files, options, reporter)?;
    summary.legacy_hashes = users::legacy_hash_versions(conn)?;
    if let Some(earliest) = earliest {
        // Registrations and sign-ins landed in days the console had already counted.
        stats::forget_since(conn, earliest)?;
    }
    conn.analyze()?;
    Ok(summary)
}

/// `pool`: where parallel writers get their connections; `None` (a dry run, all in one
/// transaction) writes everything on `conn`.
fn import_all(
    conn: &mut DbConn,
    pool: Option<&DbPool>,
    files: &[(Collection, PathBuf)],
    options: &Options,
    reporter: &mut dyn Reporter,
) -> Result<(Summary, Option<i64>), TransferError> {
    let mut summary = Summary {
        dry_run: options.dry_run,
        ..Summary::default()
    };
    let mut earliest: Option<i64> = None;
    for (collection, path) in files {
        let out = match collection {
            Collection::Users => {
                let parse = |doc| UserRows::from_doc(doc).map(|r| (r, None));
                let empty = load::no_users(conn)?;
                // PostgreSQL: `writers` connections write at once. SQLite has one writer: a
                // thread of its own when the database is empty, which the screening then
                // hardly asks anything; otherwise the import's connection screens and writes
                // in turn — screening beside a writer was measured slower, as a reader of a
                // busy WAL pays for every page it looks up. A dry run has no writers.
                let writers = match pool {
                    None => 0,
                    Some(_) if matches!(conn, DbConn::Postgres(_)) => options.writers,
                    Some(_) => usize::from(empty),
                };
                let name = file_name(path);
                let postgres = matches!(conn, DbConn::Postgres(_));
                let mut sink = ParallelUsers::start(conn, pool, writers, &name, empty)?;
                summary.references_checked_row_by_row |=
                    postgres && sink.references() == References::Checked;
                read(*collection, path, options, reporter, parse, &mut sink)?
            }
            Collection::Permissions => read_in_turn(
                conn,
                *collection,
                path,
                options,
                reporter,
                Permission::from_doc,
                load_other::batch::<Permission>,
            )?,
            Collection::Roles => read_in_turn(
                conn,
                *collection,
                path,
                options,
                reporter,
                Role::from_doc,
                load_other::batch::<Role>,
            )?,
            Collection::Tags => read_in_turn(
                conn,
                *collection,
                path,
                options,
                reporter,
                Tag::from_doc,
                load_other::batch::<Tag>,
            )?,
            Collection::Log => read_in_turn(
                conn,
                *collection,
                path,
                options,
                reporter,
                LogEntry::from_doc,
                load_other::batch::<LogEntry>,
            )?,
            Collection::Devices => read_in_turn(
                conn,
                *collection,
                path,
                options,
                reporter,
                |doc| Device::from_doc(doc).map(|d| (d, None)),
                load_other::batch::<Device>,
            )?,
            Collection::OpendbDevices => read_in_turn(
                conn,
                *collection,
                path,
                options,
                reporter,
                |doc| OpendbDevice::from_doc(doc).map(|d| (d, None)),
                load_other::batch::<OpendbDevice>,
            )?,
        };
        if let Some(e) = out.earliest {
            earliest = Some(earliest.map_or(e, |x| x.min(e)));
        }
        summary.collections.push((*collection, out.tally));
    }
    Ok((summary, earliest))
}

/// Where a file's parsed batches go.
pub(super) trait Sink<T> {
    fn batch(&mut self, records: Vec<Lined<T>>, out: &mut Out) -> Result<(), TransferError>;
    /// After the last batch: what is still being written is waited for.
    fn finish(&mut self, _out: &mut Out) -> Result<(), TransferError> {
        Ok(())
    }
}

/// Each batch written with `write` in its own transaction on the import's connection.
struct InTurn<'c, W> {
    conn: &'c mut DbConn,
    write: W,
}

impl<T, W> Sink<T> for InTurn<'_, W>
where
    W: Fn(&mut DbConn, &[Lined<T>], &mut Out) -> diesel::QueryResult<()>,
{
    fn batch(&mut self, records: Vec<Lined<T>>, out: &mut Out) -> Result<(), TransferError> {
        write_batch(self.conn, &records, out, &self.write)
    }
}

fn read_in_turn<T: Clone + Send>(
    conn: &mut DbConn,
    collection: Collection,
    path: &Path,
    options: &Options,
    reporter: &mut dyn Reporter,
    parse: impl Fn(Doc) -> Result<(T, Option<String>), RecordError> + Sync,
    write: impl Fn(&mut DbConn, &[Lined<T>], &mut Out) -> diesel::QueryResult<()>,
) -> Result<Out, TransferError> {
    let mut sink = InTurn { conn, write };
    read(collection, path, options, reporter, parse, &mut sink)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// One file: parse each line with `parse` (which also names fields it had to leave out),
/// hand each full batch to `sink`. Reading and parsing run on a thread of their own, a batch
/// or two ahead of the writer: parsing JSON is about a third of an import's work, and
/// overlapped with the database's it is almost free.
fn read<T: Send>(
    collection: Collection,
    path: &Path,
    options: &Options,
    reporter: &mut dyn Reporter,
    parse: impl Fn(Doc) -> Result<(T, Option<String>), RecordError> + Sync,
    sink: &mut dyn Sink<T>,
) -> Result<Out, TransferError> {
    let io = |source| TransferError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    let name = file_name(path);
    reporter.begin(collection, &name, size);
    let mut out = Out::new(&name);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Parsed<T>>(2);
        let reader = BufReader::with_capacity(1 << 20, file);
        let parser = scope.spawn(|| parse_batches(reader, options.batch, &parse, tx).map_err(io));
        let written = (|| {
            for parsed in rx.iter() {
                out.tally.read += parsed.read;
                for (line, kind, message) in parsed.problems {
                    out.report(line, kind, message);
                }
                if !parsed.records.is_empty() {
                    sink.batch(parsed.records, &mut out)?;
                }
                flush(reporter, &mut out);
                reporter.advance(parsed.done, &out.tally);
            }
            sink.finish(&mut out)
        })();
        // A failed write drops the receiver, which ends the parser at its next batch.
        drop(rx);
        let parsed = parser
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        written.and(parsed)
    })?;
    flush(reporter, &mut out);
    reporter.end(collection, &out.tally);
    Ok(out)
}

/// A batch as the parsing thread hands it over: its records, the problems found in its lines,
/// how many non-empty lines it read, and how far into the file it got (bytes).
struct Parsed<T> {
    records: Vec<Lined<T>>,
    problems: Vec<(u64, ProblemKind, String)>,
    read: u64,
    done: u64,
}

/// Reads `reader` line by line, sending a [`Parsed`] every `batch` records and one at the end.
/// Stops early, without error, when the writer has gone away.
fn parse_batches<T>(
    mut reader: impl BufRead,
    batch: usize,
    parse: &impl Fn(Doc) -> Result<(T, Option<String>), RecordError>,
    tx: std::sync::mpsc::SyncSender<Parsed<T>>,
) -> std::io::Result<()> {
    let fresh = || Parsed {
        records: Vec::with_capacity(batch),
        problems: Vec::new(),
        read: 0,
        done: 0,
    };
    let mut current = fresh();
    let mut buf: Vec<u8> = Vec::new();
    let (mut line_no, mut done) = (0u64, 0u64);
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        done += n as u64;
        let Ok(text) = std::str::from_utf8(&buf) else {
            current.read += 1;
            current
                .problems
                .push((line_no, ProblemKind::Bad, "not UTF-8 text".into()));
            continue;
        };
        // A UTF-8 byte order mark may start the first line of a file saved by an editor.
        let text = text.trim().trim_start_matches('\u{feff}');
        if text.is_empty() {
            continue;
        }
        current.read += 1;
        match Doc::parse(text).and_then(parse) {
            Ok((record, leftover)) => {
                if let Some(fields) = leftover {
                    let note = format!("fields not kept: {fields}");
                    current.problems.push((line_no, ProblemKind::Note, note));
                }
                current.records.push((line_no, record));
            }
            Err(e) => current
                .problems
                .push((line_no, ProblemKind::Bad, e.to_string())),
        }
        if current.records.len() >= batch {
            current.done = done;
            if tx.send(std::mem::replace(&mut current, fresh())).is_err() {
                return Ok(());
            }
        }
    }
    current.done = done;
    // The writer may have stopped on an error of its own, which it reports.
    let _ = tx.send(current);
    Ok(())
}

/// One batch in one transaction: all at once, and if the database refuses that with a unique
/// violation (which the checks before the write should have foreseen: a concurrent writer),
/// again record by record so that only the refused records are left out.
pub(super) fn write_batch<T>(
    conn: &mut DbConn,
    batch: &[Lined<T>],
    out: &mut Out,
    write: &impl Fn(&mut DbConn, &[Lined<T>], &mut Out) -> diesel::QueryResult<()>,
) -> Result<(), TransferError> {
    let mut attempt = out.attempt(false);
    match conn.write_tx(|conn| write(conn, batch, &mut attempt)) {
        Ok(()) => out.absorb(attempt),
        Err(e) if is_unique_violation(&e) => {
            let mut careful = out.attempt(true);
            conn.write_tx(|conn| write(conn, batch, &mut careful))?;
            out.absorb(careful);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// Hands the problems found so far to the reporter.
fn flush(reporter: &mut dyn Reporter, out: &mut Out) {
    for p in out.problems.drain(..) {
        reporter.problem(&p);
    }
}
