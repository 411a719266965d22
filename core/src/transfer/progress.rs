//! How the CLI shows an import or export: on a terminal a bar on standard error, redrawn in
//! place; otherwise (a log, CI) a plain line per collection and about every tenth of a file.
//! Reported records go to standard output, one `file:line: kind: message` line each, so they
//! can be kept apart from the progress.

use std::io::Write;
use std::time::Instant;

use super::{Collection, Problem, Reporter, Tally};

pub struct Console {
    bar: bool,
    file: String,
    size: u64,
    started: Instant,
    /// The tenth of the file last reported, in line mode.
    last_tenth: u64,
    /// The bar is drawn and must be cleared before other output.
    drawn: bool,
}

impl Console {
    pub fn new(bar: bool) -> Console {
        Console {
            bar,
            file: String::new(),
            size: 0,
            started: Instant::now(),
            last_tenth: 0,
            drawn: false,
        }
    }

    fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[2K");
            self.drawn = false;
        }
    }
}

impl Reporter for Console {
    fn begin(&mut self, _collection: Collection, file: &str, size: u64) {
        self.file = file.to_string();
        self.size = size;
        self.started = Instant::now();
        self.last_tenth = 0;
        if !self.bar {
            eprintln!("{file}: reading");
        }
    }

    fn advance(&mut self, done: u64, tally: &Tally) {
        let per_s = tally.read as f64 / self.started.elapsed().as_secs_f64().max(1e-3);
        if self.bar {
            let (filled, pct) = if self.size > 0 {
                let frac = (done as f64 / self.size as f64).min(1.0);
                ((frac * 30.0) as usize, format!("{:3.0}%", frac * 100.0))
            } else {
                (0, "    ".to_string())
            };
            eprint!(
                "\r\x1b[2K{:<22} [{}{}] {pct} {} records, {:.0}/s",
                self.file,
                "#".repeat(filled),
                " ".repeat(30 - filled),
                tally.read,
                per_s
            );
            std::io::stderr().flush().ok();
            self.drawn = true;
        } else if let Some(tenth) = (done * 10).checked_div(self.size)
            && tenth > self.last_tenth
            && tenth < 10
        {
            self.last_tenth = tenth;
            eprintln!("{}: {}0% ({} records)", self.file, tenth, tally.read);
        }
    }

    fn problem(&mut self, problem: &Problem) {
        self.clear();
        println!("{problem}");
    }

    fn end(&mut self, _collection: Collection, tally: &Tally) {
        self.clear();
        let seconds = self.started.elapsed().as_secs_f64();
        eprintln!(
            "{}: {} records in {seconds:.2} s ({:.0} per second)",
            self.file,
            tally.read,
            tally.read as f64 / seconds.max(1e-3)
        );
    }
}

/// The end-of-import table: one row per collection, then the totals.
pub fn summary_table(rows: &[(Collection, Tally)], dry_run: bool) -> String {
    let mut s = String::new();
    let head = if dry_run { "would import" } else { "imported" };
    s.push_str(&format!(
        "{:<20} {:>9} {:>12} {:>9} {:>9} {:>9} {:>9}\n",
        "collection", "read", head, "unchanged", "kept", "bad", "conflicts"
    ));
    let mut total = Tally::default();
    for (c, t) in rows {
        total.add(t);
        s.push_str(&line(c.name(), t));
    }
    s.push_str(&line("total", &total));
    s
}

fn line(name: &str, t: &Tally) -> String {
    format!(
        "{:<20} {:>9} {:>12} {:>9} {:>9} {:>9} {:>9}\n",
        name, t.read, t.imported, t.unchanged, t.kept, t.bad, t.conflicts
    )
}
