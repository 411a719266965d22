//! Writing one batch of users: what is already there is compared, what would clash is
//! reported, the rest goes in a few statements per table (`COPY` on PostgreSQL, prepared
//! statements of 256 rows on SQLite). The caller holds the batch's transaction.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hasher};
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, Text};

use super::users::{Realname, UserFields, UserRows};
use super::{Problem, ProblemKind, Tally};
use crate::accounts::phone;
use crate::db::models::third_party::ThirdPartyId;
use crate::db::schema::{
    user_apps, user_identities, user_realname, user_roles, user_third_party, users,
};
use crate::db::{DbConn, is_unique_violation};
use crate::db_run;

/// The outcome of the batches of one file.
pub struct Out {
    pub file: String,
    pub tally: Tally,
    pub problems: Vec<Problem>,
    /// The earliest date written (registration, log row): the console recounts from there.
    pub earliest: Option<i64>,
    /// Write record by record, each in a savepoint, reporting those the database refuses (a
    /// batch is retried so when its one multi-row write hit a unique violation).
    pub careful: bool,
}

impl Out {
    pub fn new(file: &str) -> Out {
        Out {
            file: file.to_string(),
            tally: Tally::default(),
            problems: Vec::new(),
            earliest: None,
            careful: false,
        }
    }

    /// An empty outcome for one attempt at a batch, to [`Out::absorb`] once it committed.
    pub fn attempt(&self, careful: bool) -> Out {
        Out {
            careful,
            ..Out::new(&self.file)
        }
    }

    pub fn absorb(&mut self, attempt: Out) {
        self.tally.add(&attempt.tally);
        self.problems.extend(attempt.problems);
        if let Some(e) = attempt.earliest {
            self.earliest = Some(self.earliest.map_or(e, |x| x.min(e)));
        }
    }

    pub fn report(&mut self, line: u64, kind: ProblemKind, message: String) {
        match kind {
            ProblemKind::Bad => self.tally.bad += 1,
            ProblemKind::Conflict => self.tally.conflicts += 1,
            ProblemKind::Kept => self.tally.kept += 1,
            ProblemKind::Note => {}
        }
        self.problems.push(Problem {
            file: self.file.clone(),
            line,
            kind,
            message,
        });
    }

    pub fn wrote(&mut self, date: Option<i64>) {
        self.tally.imported += 1;
        if let Some(d) = date {
            self.earliest = Some(self.earliest.map_or(d, |e| e.min(d)));
        }
    }
}

/// Both backends take this many bound parameters in one statement with room to spare
/// (SQLite 32,766, PostgreSQL 65,535).
pub const MAX_PARAMS: usize = 30_000;

/// A record and the line it came from.
pub type Lined<T> = (u64, T);

/// A screened batch of users, shared by its writer and the screening of later batches.
pub type Batch = Arc<Vec<Lined<UserRows>>>;

/// What batches screened but not yet committed hold — their uids, identifiers and invite
/// codes — for screening the next batch while they are written (in parallel, on other
/// connections): the database cannot show them yet. Each batch's entries are forgotten
/// once it has committed, before the next batch's screening queries the database.
#[derive(Default)]
pub struct InFlight {
    /// Each uid's line and batch, and (see [`InFlight::remember`]) where its rows are in that
    /// batch.
    ids: HashMap<String, (u64, u64, Option<usize>)>,
    /// The batches on their way to the database, shared with their writers rather than copied
    /// user by user (see [`InFlight::remember`]).
    batches: HashMap<u64, Batch>,
    holders: HashMap<(String, String), Vec<Holder>>,
    codes: HashMap<String, (String, u64, u64)>,
    /// Set when the database held no user as the import began: see [`Sent`].
    sent: Option<Sent>,
}

/// Fingerprints (64-bit hashes) of every uid, identifier and invite code this import has
/// screened in, kept when the database held no user as it began. Every user in the database
/// is then one this import wrote, so only what is in here needs looking up there: a batch's
/// screening asks the database about its repeats (and the rare fingerprint collision) instead
/// of about every uid and identifier — most of its queries, and an eighth of an import's time.
/// A registration made meanwhile by a running server is not in here; one that takes an
/// identifier in the same app still stops its batch at the ledger's primary key, which is then
/// written user by user (see `import::write_batch`), as when it comes between a screening and
/// its write. About 60 bytes per user.
#[derive(Default)]
struct Sent {
    ids: HashSet<u64>,
    identifiers: HashSet<u64>,
    codes: HashSet<u64>,
}

fn fingerprint(parts: &[&str]) -> u64 {
    let mut h = DefaultHasher::new();
    for part in parts {
        h.write(part.as_bytes());
        h.write_u8(0xff);
    }
    h.finish()
}

/// `list` without what `seen` (a fingerprint set of [`Sent`]) rules out; all of it without one.
fn maybe_sent<T>(
    list: impl Iterator<Item = T>,
    seen: Option<&HashSet<u64>>,
    print: impl Fn(&T) -> u64,
) -> impl Iterator<Item = T> {
    list.filter(move |item| seen.is_none_or(|set| set.contains(&print(item))))
}

impl InFlight {
    /// `database_empty`: the database held no user as the import began (see [`Sent`]).
    pub fn new(database_empty: bool) -> InFlight {
        InFlight {
            sent: database_empty.then(Sent::default),
            ..InFlight::default()
        }
    }

    /// `fresh`, batch `batch_no` as [`users_screen`] passed it, is on its way to the database
    /// while later batches are screened: a later batch's repeat of one of its users is then
    /// answered "unchanged" or "kept" against these rows, as it would be once this batch
    /// committed, rather than a conflict — the same outcome whatever the timing. (A batch
    /// written before the next is screened needs no remembering.)
    pub fn remember(&mut self, batch_no: u64, fresh: &Batch) {
        for (i, (_, rows)) in fresh.iter().enumerate() {
            if let Some(entry) = self.ids.get_mut(&rows.user.id) {
                entry.2 = Some(i);
            }
        }
        self.batches.insert(batch_no, fresh.clone());
    }

    /// The rows of the user on its way to the database in batch `batch` at `index`.
    fn rows(&self, batch: u64, index: usize) -> Option<&UserRows> {
        Some(&self.batches.get(&batch)?.get(index)?.1)
    }

    /// Batch `batch` has committed: the database answers for it now.
    pub fn forget(&mut self, batch: u64) {
        self.batches.remove(&batch);
        self.ids.retain(|_, (_, b, _)| *b != batch);
        self.codes.retain(|_, (_, _, b)| *b != batch);
        self.holders.retain(|_, list| {
            list.retain(|h| h.batch != Some(batch));
            !list.is_empty()
        });
    }
}

/// The records of `batch` that can be written: those not in the database already (reported
/// unchanged, or kept when they differ), not repeated in the file, and not clashing with
/// another account (see [`screen`]). Their entries go into `in_flight` under `batch_no`.
pub fn users_screen(
    conn: &mut DbConn,
    batch: Vec<Lined<UserRows>>,
    out: &mut Out,
    in_flight: &mut InFlight,
    batch_no: u64,
) -> QueryResult<Vec<Lined<UserRows>>> {
    let sent = in_flight.sent.as_ref();
    let ids: Vec<String> = maybe_sent(batch.iter(), sent.map(|s| &s.ids), |(_, r)| {
        fingerprint(&[&r.user.id])
    })
    .map(|(_, r)| r.user.id.clone())
    .collect();
    let existing = load_users(conn, &ids)?;
    let mut fresh = Vec::with_capacity(batch.len());
    // A repeat of a user earlier in this batch, answered once that copy's fate is known.
    let mut repeats: Vec<Lined<UserRows>> = Vec::new();
    for (line, rows) in batch {
        let id = rows.user.id.clone();
        // The database's copy, or that of an earlier batch on its way there.
        let earlier = existing.get(&id).or_else(|| match in_flight.ids.get(&id) {
            Some((_, b, Some(i))) if *b != batch_no => in_flight.rows(*b, *i),
            _ => None,
        });
        if let Some(have) = earlier {
            if *have == rows {
                out.tally.unchanged += 1;
            } else {
                let fields = differing(have, &rows);
                out.report(
                    line,
                    ProblemKind::Kept,
                    format!("user {id} is already there with other {fields}: the database's copy is kept"),
                );
            }
        } else if let Entry::Vacant(slot) = in_flight.ids.entry(id) {
            slot.insert((line, batch_no, None));
            fresh.push((line, rows));
        } else {
            repeats.push((line, rows));
        }
    }
    let fresh = screen(conn, fresh, out, in_flight, batch_no)?;
    // Those screen turned away are not on their way to the database.
    let kept: HashMap<&str, &UserRows> =
        fresh.iter().map(|(_, r)| (r.user.id.as_str(), r)).collect();
    // A repeat within the batch is answered as it would be in a later batch, once the first
    // copy is written: unchanged, or kept — so the outcome does not depend on `--batch`.
    for (line, rows) in repeats {
        let id = &rows.user.id;
        let first = in_flight.ids.get(id).map_or(0, |(l, _, _)| *l);
        match kept.get(id.as_str()) {
            Some(have) if **have == rows => out.tally.unchanged += 1,
            Some(have) => {
                let fields = differing(have, &rows);
                out.report(
                    line,
                    ProblemKind::Kept,
                    format!("user {id} is also on line {first} with other {fields}: line {first}'s copy is kept"),
                );
            }
            None => out.report(
                line,
                ProblemKind::Conflict,
                format!("user {id} is also on line {first}, which was not imported: not imported"),
            ),
        }
    }
    in_flight
        .ids
        .retain(|id, (_, b, _)| *b != batch_no || kept.contains_key(id.as_str()));
    Ok(fresh)
}

/// The users of `ids` already in the database, with their satellite rows.
pub fn load_users(conn: &mut DbConn, ids: &[String]) -> QueryResult<HashMap<String, UserRows>> {
    // Usually none are: a probe by the list first, the whole rows only for those found.
    let present: Vec<Text1> = by_list(conn, "SELECT id AS a FROM users", "id", ids)?;
    if present.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = present.into_iter().map(|r| r.a).collect();
    let found: Vec<UserFields> = db_run!(conn: {
        users::table.filter(users::id.eq_any(&ids)).select(UserFields::as_select()).load(conn)
    })?;
    let apps: Vec<(String, String)> = db_run!(conn: {
        user_apps::table
            .filter(user_apps::user_id.eq_any(&ids))
            .select((user_apps::user_id, user_apps::app_id))
            .load(conn)
    })?;
    let roles: Vec<(String, String)> = db_run!(conn: {
        user_roles::table
            .filter(user_roles::user_id.eq_any(&ids))
            .select((user_roles::user_id, user_roles::role_id))
            .load(conn)
    })?;
    let third: Vec<(String, ThirdPartyId)> = db_run!(conn: {
        user_third_party::table
            .filter(user_third_party::user_id.eq_any(&ids))
            .select((user_third_party::user_id, ThirdPartyId::as_select()))
            .load(conn)
    })?;
    let realnames: Vec<Realname> = db_run!(conn: {
        user_realname::table
            .filter(user_realname::user_id.eq_any(&ids))
            .select(Realname::as_select())
            .load(conn)
    })?;
    let mut map: HashMap<String, UserRows> = found
        .into_iter()
        .map(|user| {
            let rows = UserRows {
                user,
                apps: Vec::new(),
                roles: Vec::new(),
                third_party: Vec::new(),
                realname: None,
            };
            (rows.user.id.clone(), rows)
        })
        .collect();
    for (uid, app) in apps {
        if let Some(r) = map.get_mut(&uid) {
            r.apps.push(app);
        }
    }
    for (uid, role) in roles {
        if let Some(r) = map.get_mut(&uid) {
            r.roles.push(role);
        }
    }
    for (uid, id) in third {
        if let Some(r) = map.get_mut(&uid) {
            r.third_party.push(id);
        }
    }
    for realname in realnames {
        if let Some(r) = map.get_mut(&realname.user_id) {
            r.realname = Some(realname);
        }
    }
    // Sorted here, byte-wise, as `UserRows::from_doc` sorts: a database's collation may not be.
    for r in map.values_mut() {
        r.apps.sort();
        r.roles.sort();
        r.third_party.sort_by(|a, b| {
            (&a.provider, &a.kind, &a.platform).cmp(&(&b.provider, &b.kind, &b.platform))
        });
    }
    Ok(map)
}

/// The top-level fields in which two versions of a user differ, for the report.
fn differing(have: &UserRows, new: &UserRows) -> String {
    let (a, b) = (have.to_doc(), new.to_doc());
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let names: Vec<&str> = keys
        .into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(String::as_str)
        .collect();
    if names.is_empty() {
        "values".to_string()
    } else {
        names.join(", ")
    }
}

/// Who already answers to an identifier: their app, their uid and, within this run's batch,
/// their line.
struct Holder {
    app: String,
    uid: String,
    line: Option<u64>,
    /// The batch of this run that holds it, not committed yet; `None`: the database's.
    batch: Option<u64>,
}

/// Drops (and reports) each user that would share an identifier with another account in one
/// of its apps — the rule registration follows: a user allowed into every app (`*`) clashes
/// with a holder in any app. What the ledger's primary key would refuse is among these.
fn screen(
    conn: &mut DbConn,
    fresh: Vec<Lined<UserRows>>,
    out: &mut Out,
    in_flight: &mut InFlight,
    batch_no: u64,
) -> QueryResult<Vec<Lined<UserRows>>> {
    // Each entry as (app, (kind, value)): the pair is the holders' key, looked up as it is.
    let ledgers: Vec<Vec<(String, (String, String))>> = fresh
        .iter()
        .map(|(_, r)| {
            r.ledger()
                .into_iter()
                .map(|(a, k, v)| (a, (k, v)))
                .collect()
        })
        .collect();
    let sent = in_flight.sent.as_ref();
    let mut values: Vec<String> = maybe_sent(
        ledgers.iter().flatten(),
        sent.map(|s| &s.identifiers),
        |(_, (kind, value))| fingerprint(&[kind, value]),
    )
    .map(|(_, (_, v))| v.clone())
    .collect();
    values.sort();
    values.dedup();
    let rows: Vec<Text4> = by_list(
        conn,
        "SELECT app_id AS a, kind AS b, value AS c, user_id AS d FROM user_identities",
        "value",
        &values,
    )?;
    // The database's holders join those of the batches still being written.
    let holders = &mut in_flight.holders;
    let mut from_db: HashSet<(String, String)> = HashSet::new();
    for Text4 {
        a: app,
        b: kind,
        c: value,
        d: uid,
    } in rows
    {
        let key = (kind, value);
        from_db.insert(key.clone());
        holders.entry(key).or_default().push(Holder {
            app,
            uid,
            line: None,
            batch: None,
        });
    }
    let codes: Vec<String> = maybe_sent(
        fresh
            .iter()
            .filter_map(|(_, r)| r.user.my_invite_code.as_ref()),
        sent.map(|s| &s.codes),
        |code| fingerprint(&[code]),
    )
    .cloned()
    .collect();
    let mut taken: HashMap<String, String> = HashMap::new();
    if !codes.is_empty() {
        let rows: Vec<Text2> = by_list(
            conn,
            "SELECT id AS a, my_invite_code AS b FROM users",
            "my_invite_code",
            &codes,
        )?;
        taken = rows.into_iter().map(|r| (r.b, r.a)).collect();
    }
    let mut keep = Vec::with_capacity(fresh.len());
    for ((line, rows), ledger) in fresh.into_iter().zip(ledgers) {
        let uid = &rows.user.id;
        let clash = ledger.iter().find_map(|(app, key)| {
            holders
                .get(key)?
                .iter()
                .find(|h| h.uid != *uid && (h.app == *app || h.app == "*" || app == "*"))
                .map(|h| (&key.0, &key.1, h))
        });
        if let Some((kind, value, h)) = clash {
            let shown = if kind == "mobile" {
                phone::masked(value)
            } else {
                value.clone()
            };
            let at = h.line.map_or(String::new(), |l| format!(" (line {l})"));
            let message = format!(
                "user {uid}: {kind} {shown} already belongs to user {}{at} in app {}: not imported",
                h.uid, h.app
            );
            out.report(line, ProblemKind::Conflict, message);
            continue;
        }
        if let Some(code) = &rows.user.my_invite_code {
            let other = taken.get(code).map(|uid| (uid.clone(), None)).or_else(|| {
                in_flight
                    .codes
                    .get(code)
                    .map(|(uid, line, _)| (uid.clone(), Some(*line)))
            });
            if let Some((other, other_line)) = other {
                let at = other_line.map_or(String::new(), |l| format!(" (line {l})"));
                let message = format!(
                    "user {uid}: my_invite_code {code} already belongs to user {other}{at}: not imported"
                );
                out.report(line, ProblemKind::Conflict, message);
                continue;
            }
            in_flight
                .codes
                .insert(code.clone(), (uid.clone(), line, batch_no));
        }
        if let Some(sent) = &mut in_flight.sent {
            sent.ids.insert(fingerprint(&[uid]));
            sent.identifiers
                .extend(ledger.iter().map(|(_, (k, v))| fingerprint(&[k, v])));
            sent.codes
                .extend(rows.user.my_invite_code.iter().map(|c| fingerprint(&[c])));
        }
        for (app, key) in ledger {
            holders.entry(key).or_default().push(Holder {
                app,
                uid: uid.clone(),
                line: Some(line),
                batch: Some(batch_no),
            });
        }
        keep.push((line, rows));
    }
    // The database's holders were looked up for this batch only.
    for key in from_db {
        if let Some(list) = holders.get_mut(&key) {
            list.retain(|h| h.batch.is_some());
            if list.is_empty() {
                holders.remove(&key);
            }
        }
    }
    Ok(keep)
}

/// Who makes sure that each of a batch's satellite rows (apps, roles, third-party ids, real
/// names, ledger entries) points at a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum References {
    /// The database's foreign keys, row by row.
    Checked,
    /// [`insert`] itself, on PostgreSQL: it writes a user's satellite rows only in the
    /// transaction that wrote the user, after the statement that did, and never writes them for
    /// a user already there — so they point at a row that no other transaction can yet see,
    /// change or delete, and each foreign-key check (a trigger that looks the user up and locks
    /// the row, 7.6 per user here) can only pass. Those checks are set aside for these
    /// statements alone with `SET LOCAL session_replication_role = replica`, as `pg_restore
    /// --disable-triggers` does for a whole restore: the import went from 14,985–18,847 to
    /// 20,896–22,945 users per second (four runs of each, interleaved). See
    /// [`references_check`] for when.
    ByConstruction,
}

/// How this connection's batches will have their references checked: [`References::ByConstruction`]
/// only on PostgreSQL, when its role may set `session_replication_role` (a superuser, or from
/// PostgreSQL 15 a role granted `SET` on it), and when none of the satellite tables has a
/// trigger of its own (an operator's audit trigger, say), which `replica` would silence too.
/// Asked with queries that cannot fail on a role without the right, so a dry run's
/// transaction survives them.
pub fn references_check(conn: &mut DbConn) -> QueryResult<References> {
    let DbConn::Postgres(c) = conn else {
        return Ok(References::Checked);
    };
    let c: &mut diesel::PgConnection = c;
    let version: Vec<Text1> =
        diesel::sql_query("SELECT current_setting('server_version_num') AS a").load(c)?;
    let granted = version
        .first()
        .and_then(|v| v.a.parse::<u32>().ok())
        .is_some_and(|v| v >= 150_000);
    let may_set = if granted {
        "SELECT has_parameter_privilege('session_replication_role', 'SET')::text AS a"
    } else {
        "SELECT (current_setting('is_superuser') = 'on')::text AS a"
    };
    let may_set: Vec<Text1> = diesel::sql_query(may_set).load(c)?;
    let own_triggers: Vec<Text1> = diesel::sql_query(
        "SELECT tgname::text AS a FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY \
         (ARRAY['user_apps', 'user_roles', 'user_third_party', 'user_realname', \
         'user_identities']::regclass[])",
    )
    .load(c)?;
    let may_set = may_set.first().is_some_and(|r| r.a == "true");
    Ok(if may_set && own_triggers.is_empty() {
        References::ByConstruction
    } else {
        References::Checked
    })
}

/// [`write`] with its references checked as `references` says, in the shape
/// `import::write_batch` takes.
pub fn writes(
    references: References,
) -> impl Fn(&mut DbConn, &[Lined<UserRows>], &mut Out) -> QueryResult<()> + Copy {
    move |conn, batch, out| write(conn, batch, out, references)
}

/// Inserts the batch at once (a unique violation fails the batch, which the caller then
/// retries carefully), or, careful, one user at a time, reporting those the database refuses
/// (a registration that took an identifier since [`screen`] looked).
fn write(
    conn: &mut DbConn,
    batch: &[Lined<UserRows>],
    out: &mut Out,
    references: References,
) -> QueryResult<()> {
    if !out.careful {
        let all: Vec<&UserRows> = batch.iter().map(|(_, r)| r).collect();
        insert(conn, &all, references)?;
        for r in all {
            out.wrote(r.user.register_date);
        }
        return Ok(());
    }
    for (line, rows) in batch {
        match conn.write_tx(|conn| insert(conn, &[rows], references)) {
            Ok(()) => out.wrote(rows.user.register_date),
            Err(e) if is_unique_violation(&e) => out.report(
                *line,
                ProblemKind::Conflict,
                format!(
                    "user {}: the database refused it ({e}): not imported",
                    rows.user.id
                ),
            ),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Sends `rows` (a `Vec` of the table's `Insertable` rows) into `table` with PostgreSQL's
/// `COPY … FROM STDIN` in its binary format: each value goes over as its bytes, with no
/// statement to parse or plan and no text to parse per value. (Was one `INSERT … SELECT FROM
/// json_populate_recordset($1)` per table, whose JSON parsing was an eighth of the server's
/// time.) A unique violation fails the statement, and so the batch, as an INSERT's does.
macro_rules! copy_in {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            diesel::copy_from($table)
                .from_insertable(rows)
                .execute($conn)?;
        }
    }};
}

/// Inserts `rows` into `table` on SQLite, [`SQLITE_ROWS`] rows to a statement and the rest one
/// by one. Each statement is prepared once: diesel caches the statement of a fixed-size array
/// of rows (its SQL is known from the type), where it would build and hash the SQL of a `Vec`
/// of rows at every call. Fewer statements also spare diesel's and SQLite's work per statement:
/// from a statement per row to 256 rows a statement, the import went from about 13,800 to
/// 16,400 users per second (8 rows: no gain; 32, 128: in between; 512: as 256), with the
/// statement journals in memory (see `import::bulk_settings`). The rows own their values: the
/// cached statement is keyed by the rows' type, which must be `'static`.
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let mut rest = &$rows[..];
        while let Some((head, tail)) = rest.split_first_chunk::<SQLITE_ROWS>() {
            diesel::insert_into($table).values(head).execute($conn)?;
            rest = tail;
        }
        for row in rest {
            diesel::insert_into($table).values(row).execute($conn)?;
        }
    }};
}

/// Rows per statement of [`insert_rows!`].
const SQLITE_ROWS: usize = 256;

/// The rows of `batch`: users first (on SQLite see [`insert_users`]), then the other tables'
/// rows, on PostgreSQL one `COPY … FROM STDIN (FORMAT binary)` per table (see `copy_in!`), on
/// SQLite [`insert_rows!`]. Called inside the batch's transaction.
fn insert(conn: &mut DbConn, batch: &[&UserRows], references: References) -> QueryResult<()> {
    match conn {
        DbConn::Sqlite(c) => insert_users(c, batch)?,
        DbConn::Postgres(c) => {
            let users_rows: Vec<&UserFields> = batch.iter().map(|r| &r.user).collect();
            copy_in!(&mut ***c, users::table, users_rows);
        }
    }
    let mut apps = Vec::new();
    let mut roles = Vec::new();
    let mut third = Vec::new();
    let mut realnames = Vec::new();
    let mut ledger = Vec::new();
    for r in batch {
        let user_id = &r.user.id;
        apps.extend(r.apps.iter().map(|app_id| AppRow {
            user_id: user_id.clone(),
            app_id: app_id.clone(),
        }));
        roles.extend(r.roles.iter().map(|role_id| RoleRow {
            user_id: user_id.clone(),
            role_id: role_id.clone(),
        }));
        third.extend(r.third_party.iter().map(|id| ThirdPartyRow {
            user_id: user_id.clone(),
            provider: id.provider.clone(),
            kind: id.kind.clone(),
            platform: id.platform.clone(),
            value: id.value.clone(),
        }));
        realnames.extend(r.realname.as_ref());
        ledger.extend(
            r.ledger()
                .into_iter()
                .map(|(app_id, kind, value)| LedgerRow {
                    app_id,
                    kind,
                    value,
                    user_id: user_id.clone(),
                }),
        );
    }
    match conn {
        DbConn::Sqlite(c) => {
            let c: &mut diesel::SqliteConnection = c;
            insert_rows!(c, user_apps::table, apps);
            insert_rows!(c, user_roles::table, roles);
            insert_rows!(c, user_third_party::table, third);
            for realname in realnames {
                diesel::insert_into(user_realname::table)
                    .values(realname)
                    .execute(c)?;
            }
            insert_rows!(c, user_identities::table, ledger);
        }
        DbConn::Postgres(c) => {
            let c: &mut diesel::PgConnection = c;
            let by_construction = references == References::ByConstruction;
            if by_construction {
                c.batch_execute("SET LOCAL session_replication_role = replica")?;
            }
            copy_in!(c, user_apps::table, apps);
            copy_in!(c, user_roles::table, roles);
            copy_in!(c, user_third_party::table, third);
            copy_in!(c, user_realname::table, realnames);
            copy_in!(c, user_identities::table, ledger);
            if by_construction {
                // The rest of the transaction (a dry run's next batches and files) is checked:
                // back to the session's own value.
                c.batch_execute("SET LOCAL session_replication_role = DEFAULT")?;
            }
        }
    }
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = user_apps)]
#[diesel(treat_none_as_default_value = false)]
struct AppRow {
    user_id: String,
    app_id: String,
}

#[derive(Insertable)]
#[diesel(table_name = user_roles)]
#[diesel(treat_none_as_default_value = false)]
struct RoleRow {
    user_id: String,
    role_id: String,
}

#[derive(Insertable)]
#[diesel(table_name = user_third_party)]
#[diesel(treat_none_as_default_value = false)]
struct ThirdPartyRow {
    user_id: String,
    provider: String,
    kind: String,
    platform: String,
    value: String,
}

#[derive(Insertable)]
#[diesel(table_name = user_identities)]
#[diesel(treat_none_as_default_value = false)]
struct LedgerRow {
    app_id: String,
    kind: String,
    value: String,
    user_id: String,
}

/// SQLite: the users of `batch` (see [`insert_rows!`]) and their search index.
fn insert_users(conn: &mut diesel::SqliteConnection, batch: &[&UserRows]) -> QueryResult<()> {
    // The users' search index (an FTS5 table, migration 000008) is filled by a trigger row by
    // row, and FTS5 flushes its pending terms at every statement: a fifth of an import's time.
    // The two statements below mirror that trigger; a migration that changes it changes them.
    // Within this batch's transaction the trigger is set aside, the batch indexed with two
    // set-wise statements that do what it does, and the trigger put back as it was, so no other
    // connection ever sees the table without it.
    let trigger: Option<Text1> = crate::db::at_most_one(
        diesel::sql_query(
            "SELECT sql AS a FROM sqlite_master WHERE type = 'trigger' AND name = 'user_search_insert'",
        )
        .load(conn),
    )?;
    if trigger.is_some() {
        conn.batch_execute("DROP TRIGGER user_search_insert")?;
    }
    let rows: Vec<UserFields> = batch.iter().map(|r| r.user.clone()).collect();
    insert_rows!(conn, users::table, rows);
    if let Some(Text1 { a: trigger }) = trigger {
        let ids: Vec<&str> = batch.iter().map(|r| r.user.id.as_str()).collect();
        let ids = serde_json::to_string(&ids)
            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
        diesel::sql_query("INSERT INTO user_search_keys (user_id) SELECT value FROM json_each(?1)")
            .bind::<Text, _>(&ids)
            .execute(conn)?;
        diesel::sql_query(
            "INSERT INTO user_search (rowid, username, nickname, mobile, email, uid) \
             SELECT k.key, u.username, u.nickname, u.mobile, u.email, u.id \
             FROM json_each(?1) j JOIN users u ON u.id = j.value \
             JOIN user_search_keys k ON k.user_id = u.id",
        )
        .bind::<Text, _>(&ids)
        .execute(conn)?;
        conn.batch_execute(&trigger)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
pub struct Text1 {
    #[diesel(sql_type = Text)]
    pub a: String,
}

#[derive(QueryableByName)]
pub struct Text2 {
    #[diesel(sql_type = Text)]
    pub a: String,
    #[diesel(sql_type = Text)]
    pub b: String,
}

#[derive(QueryableByName)]
pub struct Text4 {
    #[diesel(sql_type = Text)]
    pub a: String,
    #[diesel(sql_type = Text)]
    pub b: String,
    #[diesel(sql_type = Text)]
    pub c: String,
    #[diesel(sql_type = Text)]
    pub d: String,
}

/// `select` filtered to rows whose `column` is in `list`, the list bound as one parameter:
/// PostgreSQL takes it as an array (`= ANY($1)`), SQLite as a JSON array (`IN (SELECT value
/// FROM json_each(?1))`). A batch's list has thousands of entries; as `IN (?, ?, …)` each
/// batch would be a new statement of thousands of parameters to parse.
pub fn by_list<R>(
    conn: &mut DbConn,
    select: &str,
    column: &str,
    list: &[String],
) -> QueryResult<Vec<R>>
where
    R: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    if list.is_empty() {
        return Ok(Vec::new());
    }
    match conn {
        DbConn::Sqlite(c) => {
            let json = serde_json::to_string(list)
                .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
            diesel::sql_query(format!(
                "{select} WHERE {column} IN (SELECT value FROM json_each(?1))"
            ))
            .bind::<Text, _>(json)
            .load(&mut **c)
        }
        DbConn::Postgres(c) => diesel::sql_query(format!("{select} WHERE {column} = ANY($1)"))
            .bind::<Array<Text>, _>(list)
            .load(&mut ***c),
    }
}

/// Whether the database holds no user at all.
pub fn no_users(conn: &mut DbConn) -> QueryResult<bool> {
    let one: Vec<Text1> = db_run!(conn: {
        diesel::sql_query("SELECT id AS a FROM users LIMIT 1").load(conn)
    })?;
    Ok(one.is_empty())
}

/// The ids among `ids` that are users, for records that point at one (devices).
pub fn existing_users(conn: &mut DbConn, ids: &[String]) -> QueryResult<HashSet<String>> {
    let rows: Vec<Text1> = by_list(conn, "SELECT id AS a FROM users", "id", ids)?;
    Ok(rows.into_iter().map(|r| r.a).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbPool;
    use crate::transfer::import::write_batch;
    use crate::transfer::records::Doc;

    fn user(n: u8) -> UserRows {
        let line = format!(r#"{{"_id":"6553f10000000000000000{n:02}","username":"u{n}"}}"#);
        UserRows::from_doc(Doc::parse(&line).expect("JSON")).expect("a user")
    }

    /// A batch whose one multi-row write the database refuses with a unique violation (here a
    /// user already written; in an import, one a registration wrote after the screening) is
    /// written again user by user, and only the refused user is left out: on PostgreSQL this is
    /// a `COPY` that fails, on SQLite an insert.
    fn a_refused_batch_is_retried_user_by_user(pool: &DbPool) {
        pool.migrate().expect("test setup");
        let mut conn = pool.get().expect("test setup");
        let write = writes(references_check(&mut conn).expect("test setup"));
        let mut out = Out::new("uni-id-users.jsonl");
        write_batch(&mut conn, &[(1, user(1))], &mut out, &write).expect("test setup");
        assert_eq!(out.tally.imported, 1);
        let again = vec![(2, user(2)), (3, user(1)), (4, user(3))];
        write_batch(&mut conn, &again, &mut out, &write).expect("test setup");
        assert_eq!((out.tally.imported, out.tally.conflicts), (3, 1));
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].line, 3);
        assert!(
            out.problems[0].message.contains("the database refused it"),
            "{}",
            out.problems[0].message
        );
        let ids: Vec<Text1> = by_list(
            &mut conn,
            "SELECT user_id AS a FROM user_identities",
            "value",
            &["u1".into(), "u2".into(), "u3".into()],
        )
        .expect("test setup");
        assert_eq!(ids.len(), 3, "one ledger row each, none doubled");
    }

    #[test]
    fn a_refused_batch_is_retried_user_by_user_on_sqlite() {
        let dir = std::env::temp_dir().join(format!("unid-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("test setup");
        let path = dir.join("retry.db");
        let _ = std::fs::remove_file(&path);
        let pool = DbPool::connect(&format!("sqlite://{}", path.display()), 1).expect("test setup");
        a_refused_batch_is_retried_user_by_user(&pool);
        assert_eq!(
            references_check(&mut pool.get().expect("test setup")).expect("test setup"),
            References::Checked,
            "SQLite keeps its foreign-key checks"
        );
        drop(pool);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Runs `test` with a pool whose connections work in a schema of their own (named to it),
    /// as the test URL's role (a superuser in CI); skipped, saying so, when no PostgreSQL is
    /// configured.
    fn in_postgres_schema(tag: &str, test: impl FnOnce(&DbPool, &str)) {
        let Ok(base) = std::env::var("UNID_TEST_DATABASE_URL") else {
            eprintln!("skipped: UNID_TEST_DATABASE_URL is not set (CI sets it)");
            return;
        };
        let schema = format!("unid_load_{tag}_{}", std::process::id());
        let mut owned = DbPool::connect(&base, 1)
            .expect("test setup")
            .get()
            .expect("test setup");
        let admin = &mut owned;
        let sql = format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}");
        crate::db_run!(admin: { admin.batch_execute(&sql) }).expect("test setup");
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        let pool = DbPool::connect(&url, 1).expect("test setup");
        test(&pool, &schema);
        drop(pool);
        let sql = format!("DROP SCHEMA {schema} CASCADE");
        crate::db_run!(admin: { admin.batch_execute(&sql) }).expect("test setup");
    }

    #[test]
    fn a_refused_batch_is_retried_user_by_user_on_postgres() {
        in_postgres_schema("retry", |pool, _| {
            a_refused_batch_is_retried_user_by_user(pool);
        });
    }

    fn setting(conn: &mut DbConn, sql: &str) -> String {
        let rows: Vec<Text1> =
            crate::db_run!(conn: { diesel::sql_query(sql).load(conn) }).expect("test setup");
        rows.into_iter().next().map(|r| r.a).unwrap_or_default()
    }

    fn execute(conn: &mut DbConn, sql: &str) {
        crate::db_run!(conn: { conn.batch_execute(sql) }).expect("test setup");
    }

    /// PostgreSQL's foreign-key checks of a batch's satellite rows are set aside only for a
    /// role that may, only while those rows are written, and never over a trigger of the
    /// operator's own.
    #[test]
    fn foreign_key_checks_are_set_aside_only_when_allowed_and_harmless_on_postgres() {
        in_postgres_schema("references", |pool, schema| {
            pool.migrate().expect("test setup");
            let mut conn = pool.get().expect("test setup");
            let conn = &mut conn;
            let references = references_check(conn).expect("test setup");
            assert_eq!(
                references,
                References::ByConstruction,
                "the test URL's superuser"
            );

            let role = setting(
                conn,
                "SELECT current_setting('session_replication_role') AS a",
            );
            conn.write_tx(|c| {
                insert(c, &[&user(1)], references)?;
                let now = setting(c, "SELECT current_setting('session_replication_role') AS a");
                assert_eq!(now, role, "the rest of the transaction is checked again");
                Ok::<(), diesel::result::Error>(())
            })
            .expect("test setup");
            let ledger = setting(
                conn,
                "SELECT count(*)::text AS a FROM user_identities WHERE user_id = '6553f1000000000000000001'",
            );
            assert_eq!(ledger, "1", "the user's ledger row is written");

            execute(
                conn,
                "CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; \
                 CREATE TRIGGER audit AFTER INSERT ON user_identities FOR EACH ROW EXECUTE FUNCTION audit()",
            );
            assert_eq!(
                references_check(conn).expect("test setup"),
                References::Checked,
                "an operator's trigger would be silenced too"
            );
            execute(conn, "DROP TRIGGER audit ON user_identities");
            assert_eq!(
                references_check(conn).expect("test setup"),
                References::ByConstruction
            );

            let plain = format!("{schema}_plain");
            execute(
                conn,
                &format!(
                    "DROP ROLE IF EXISTS {plain}; CREATE ROLE {plain}; \
                     GRANT USAGE ON SCHEMA {schema} TO {plain}; SET ROLE {plain}"
                ),
            );
            let checked = references_check(conn);
            execute(
                conn,
                &format!("RESET ROLE; DROP OWNED BY {plain}; DROP ROLE {plain}"),
            );
            assert_eq!(
                checked.expect("a role without the right can ask"),
                References::Checked,
                "a role that may not set session_replication_role"
            );
        });
    }
}
