//! Users screened on the import's connection and written by connections of their own, on
//! threads of their own (or, with none, on the import's connection in turn).
//!
//! - PostgreSQL: one connection is the server's bottleneck: its backend spends the import in
//!   index maintenance and foreign-key checks, one batch at a time, while the client waits.
//!   With two writers the database works on two batches at once (measured: 1.6-1.9 times the
//!   users per second on two cores).
//! - SQLite has one writer, but screening a batch against an empty database (see
//!   `load::InFlight::new`) hardly asks it anything, so it runs beside the writer
//!   instead of in its transaction.
//!
//! Screening stays on one thread, in file order, so what counts as a conflict and which line
//! wins is what a sequential import decides: each batch is screened against the database and
//! against the batches still being written ([`InFlight`]), then handed to a free writer.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::TransferError;
use super::import::{Sink, bulk_settings, connection, write_batch};
use super::load::{self, Batch, InFlight, Lined, Out, References};
use super::users::UserRows;
use crate::db::{DbConn, DbPool};

type Job = (u64, Batch);
type Done = (u64, Result<Out, TransferError>);

pub struct ParallelUsers<'c> {
    /// Screens each batch (outside any transaction: it must see every committed batch), and
    /// writes it when there are no writers.
    conn: &'c mut DbConn,
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Done>,
    writers: Vec<JoinHandle<()>>,
    in_flight: InFlight,
    next: u64,
    pending: usize,
    references: References,
}

impl<'c> ParallelUsers<'c> {
    /// `writers` connections from `pool`, each on a thread of its own. `empty`: the database
    /// held no user as the import began.
    pub fn start(
        conn: &'c mut DbConn,
        pool: Option<&DbPool>,
        writers: usize,
        file: &str,
        empty: bool,
    ) -> Result<ParallelUsers<'c>, TransferError> {
        // One batch waiting per writer: enough to keep them busy, little to hold in memory.
        let (jobs, queue) = sync_channel::<Job>(writers);
        let queue = Arc::new(Mutex::new(queue));
        let (report, done) = sync_channel::<Done>(writers * 2 + 2);
        let mut threads = Vec::with_capacity(writers);
        // The writers' connections come from the same pool, with the same role.
        let references = load::references_check(conn)?;
        for _ in 0..writers {
            let pool = pool.ok_or_else(|| {
                TransferError::Input("import writers need a connection pool".into())
            })?;
            let mut writer = connection(pool)?;
            bulk_settings(&mut writer, true)?;
            let (queue, report, file) = (queue.clone(), report.clone(), file.to_string());
            threads.push(std::thread::spawn(move || {
                loop {
                    // The lock is held only to take a job, not while writing it.
                    let job = queue.lock().map(|q| q.recv());
                    let Ok(Ok((n, batch))) = job else { break };
                    let mut out = Out::new(&file);
                    let result =
                        write_batch(&mut writer, &batch, &mut out, &load::writes(references));
                    if report.send((n, result.map(|()| out))).is_err() {
                        break;
                    }
                }
                // The connection goes back to the pool as it came.
                let _ = bulk_settings(&mut writer, false);
            }));
        }
        Ok(ParallelUsers {
            conn,
            jobs: Some(jobs),
            done,
            writers: threads,
            in_flight: InFlight::new(empty),
            references,
            next: 0,
            pending: 0,
        })
    }

    /// How the batches' satellite rows have their references checked.
    pub fn references(&self) -> References {
        self.references
    }

    /// Takes in what the writers finished (waiting for one when `wait`), forgetting those
    /// batches' entries: the database shows them from now on.
    fn collect(&mut self, wait: bool, out: &mut Out) -> Result<(), TransferError> {
        while self.pending > 0 {
            let (n, result) = if wait {
                self.done
                    .recv()
                    .map_err(|_| TransferError::Input("an import writer stopped".into()))?
            } else {
                match self.done.try_recv() {
                    Ok(done) => done,
                    Err(TryRecvError::Empty) => return Ok(()),
                    Err(TryRecvError::Disconnected) => {
                        return Err(TransferError::Input("an import writer stopped".into()));
                    }
                }
            };
            self.pending -= 1;
            self.in_flight.forget(n);
            out.absorb(result?);
            if wait {
                return Ok(());
            }
        }
        Ok(())
    }
}

impl Sink<UserRows> for ParallelUsers<'_> {
    fn batch(&mut self, records: Vec<Lined<UserRows>>, out: &mut Out) -> Result<(), TransferError> {
        self.collect(false, out)?;
        let n = self.next;
        self.next += 1;
        let mut screened = out.attempt(false);
        let fresh = load::users_screen(self.conn, records, &mut screened, &mut self.in_flight, n)?;
        out.absorb(screened);
        if fresh.is_empty() {
            return Ok(());
        }
        if self.writers.is_empty() {
            write_batch(self.conn, &fresh, out, &load::writes(self.references))?;
            self.in_flight.forget(n);
            return Ok(());
        }
        let fresh = Arc::new(fresh);
        self.in_flight.remember(n, &fresh);
        // Every writer busy and the queue full: wait for one to finish first.
        while self.pending >= self.writers.len() * 2 {
            self.collect(true, out)?;
        }
        let jobs = self.jobs.as_ref().ok_or_else(|| {
            TransferError::Input("the import's writers were already stopped".into())
        })?;
        jobs.send((n, fresh))
            .map_err(|_| TransferError::Input("an import writer stopped".into()))?;
        self.pending += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut Out) -> Result<(), TransferError> {
        self.jobs = None;
        while self.pending > 0 {
            self.collect(true, out)?;
        }
        Ok(())
    }
}

impl Drop for ParallelUsers<'_> {
    fn drop(&mut self) {
        // Closing the queue ends each writer after its current batch.
        self.jobs = None;
        for writer in self.writers.drain(..) {
            let _ = writer.join();
        }
    }
}
