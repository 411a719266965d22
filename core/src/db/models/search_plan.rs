//! How the console's substring search asks its trigram index (FTS5 trigram on SQLite, pg_trgm
//! GIN on PostgreSQL) without paying for the trigrams every row has.
//!
//! An index lookup of a term reads the posting list of each of its trigrams. Some trigrams are
//! in nearly every row — `+86` and `170` of the mobiles, the `see` of a thousand usernames that
//! begin with `seed` — and reading those lists cost milliseconds even for a term that matches
//! one row (a full mobile number, say). So the index is asked only for the term's most
//! selective run of trigrams (its *window*), and the few rows found are checked against the
//! whole term. When every trigram of the term is common, its matches are dense and walking the
//! list in its order fills a page sooner than the index could list them all.
//!
//! How common a trigram is comes from a sample of rows kept in memory for each database and
//! drawn again every ten minutes. It only steers the plan: the answer is the same whatever the
//! sample says, because the whole term is always checked.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use rand::Rng;

use crate::db::DbConn;
use crate::db::schema::users;
use crate::db_run;

/// A trigram in more rows than this share makes a term's matches dense: walk the list.
const DENSE: f64 = 0.02;
/// A trigram in more rows than this share costs more to read than it narrows: leave it out
/// of the window.
const COMMON: f64 = 0.05;
/// Places in the users' id order the sample is read from, and rows read at each.
const PROBES: usize = 20;
const PROBE_ROWS: i64 = 50;
/// How long a sample is used before it is drawn again.
const SAMPLE_TTL: Duration = Duration::from_secs(600);

type Trigram = [char; 3];

/// How to find the rows whose fields contain a (lower-cased) term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Ask the index for rows containing this part of the term, then check the whole term.
    Index(String),
    /// Every part of the term is common (or it is too short for trigrams): check each row in
    /// the list's order.
    Scan,
}

/// How many of the sampled rows contain each trigram.
#[derive(Debug, Default)]
pub struct TrigramSample {
    rows: usize,
    rows_with: HashMap<Trigram, u32>,
}

fn trigrams(s: &str) -> Vec<Trigram> {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

impl TrigramSample {
    /// Counts the trigrams of each row's fields (each trigram once per row), as the index
    /// folds them: lower case, never across two fields.
    pub fn of_rows<'a>(rows: impl IntoIterator<Item = Vec<&'a str>>) -> TrigramSample {
        let mut sample = TrigramSample::default();
        let mut seen = HashSet::new();
        for fields in rows {
            seen.clear();
            for field in fields {
                seen.extend(trigrams(&field.to_lowercase()));
            }
            for t in &seen {
                *sample.rows_with.entry(*t).or_default() += 1;
            }
            sample.rows += 1;
        }
        sample
    }

    fn share(&self, t: &Trigram) -> f64 {
        f64::from(self.rows_with.get(t).copied().unwrap_or(0)) / self.rows as f64
    }

    /// The plan for `term` (already lower-cased).
    pub fn plan(&self, term: &str) -> Plan {
        let chars: Vec<char> = term.chars().collect();
        let grams = trigrams(term);
        if grams.is_empty() {
            return Plan::Scan;
        }
        if self.rows == 0 {
            return Plan::Index(term.to_string());
        }
        let shares: Vec<f64> = grams.iter().map(|t| self.share(t)).collect();
        let rarest = (0..shares.len())
            .min_by(|a, b| shares[*a].total_cmp(&shares[*b]))
            .unwrap_or(0);
        if shares[rarest] > DENSE {
            return Plan::Scan;
        }
        let (mut first, mut last) = (rarest, rarest);
        while first > 0 && shares[first - 1] <= COMMON {
            first -= 1;
        }
        while last + 1 < shares.len() && shares[last + 1] <= COMMON {
            last += 1;
        }
        Plan::Index(chars[first..last + 3].iter().collect())
    }

    /// Reads the sample: [`PROBES`] runs of rows in id order, each starting at a random point
    /// between the smallest and largest id (ids begin with their creation time in hex).
    fn read(conn: &mut DbConn) -> QueryResult<TrigramSample> {
        type Fields = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        );
        let (low, high): (Option<String>, Option<String>) = db_run!(conn: {
            users::table
                .select((diesel::dsl::min(users::id), diesel::dsl::max(users::id)))
                .first(conn)
        })?;
        let (Some(low), Some(high)) = (low, high) else {
            return Ok(TrigramSample::default());
        };
        let prefix = |id: &str| id.get(..8).and_then(|p| u32::from_str_radix(p, 16).ok());
        let starts: Vec<String> = match (prefix(&low), prefix(&high)) {
            (Some(lo), Some(hi)) if lo < hi => {
                let mut rng = rand::thread_rng();
                (0..PROBES)
                    .map(|_| format!("{:08x}", rng.gen_range(lo..=hi)))
                    .collect()
            }
            _ => vec![low],
        };
        let mut rows: HashMap<String, Fields> = HashMap::new();
        for start in starts {
            let found: Vec<Fields> = db_run!(conn: {
                users::table
                    .filter(users::id.ge(start))
                    .order(users::id)
                    .limit(PROBE_ROWS)
                    .select((users::username, users::nickname, users::mobile, users::email, users::id))
                    .load(conn)
            })?;
            rows.extend(found.into_iter().map(|f| (f.4.clone(), f)));
        }
        Ok(TrigramSample::of_rows(rows.values().map(
            |(u, n, m, e, id)| {
                [u, n, m, e]
                    .into_iter()
                    .filter_map(|f| f.as_deref())
                    .chain([id.as_str()])
                    .collect()
            },
        )))
    }
}

/// A database's current sample.
#[derive(Default)]
pub struct SearchStats {
    cached: Mutex<Option<Cached>>,
}

struct Cached {
    drawn: Instant,
    sample: Arc<TrigramSample>,
    /// A request is drawing the next one; the others keep using this one meanwhile.
    redrawing: bool,
}

impl SearchStats {
    /// The sample to plan with, drawn first when there is none or it is old.
    pub fn sample(&self, conn: &mut DbConn) -> QueryResult<Arc<TrigramSample>> {
        {
            let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = cached.as_mut() {
                if c.drawn.elapsed() < SAMPLE_TTL || c.redrawing {
                    return Ok(c.sample.clone());
                }
                c.redrawing = true;
            }
        }
        let drawn = TrigramSample::read(conn);
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        match drawn {
            Ok(sample) => {
                let sample = Arc::new(sample);
                *cached = Some(Cached {
                    drawn: Instant::now(),
                    sample: sample.clone(),
                    redrawing: false,
                });
                Ok(sample)
            }
            Err(e) => {
                if let Some(c) = cached.as_mut() {
                    c.redrawing = false;
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1,000 rows like the seeded ones: every username starts `seed00`, every mobile `+86170`.
    fn seeded() -> TrigramSample {
        let rows: Vec<[String; 3]> = (0..1000)
            .map(|i| {
                [
                    format!("seed00{:05}", i * 97 % 100_000),
                    format!("+861700{:07}", i * 97 % 100_000),
                    format!("Alex{}", i % 1000),
                ]
            })
            .collect();
        TrigramSample::of_rows(rows.iter().map(|r| r.iter().map(String::as_str).collect()))
    }

    #[test]
    fn the_index_is_asked_for_the_rare_part_of_a_term() {
        let sample = seeded();
        // `see`, `eed`, `ed0`, `d00` are in every row; the digits after them are rare.
        match sample.plan("seed0012345") {
            Plan::Index(window) => {
                assert!(window.ends_with("2345"), "{window}");
                assert!(!window.contains("ee"), "{window}");
            }
            Plan::Scan => panic!("a rare term is looked up"),
        }
    }

    #[test]
    fn a_term_made_of_common_trigrams_walks_the_list() {
        let sample = seeded();
        assert_eq!(sample.plan("17000"), Plan::Scan);
        assert_eq!(sample.plan("seed0"), Plan::Scan);
    }

    #[test]
    fn short_terms_walk_and_an_empty_table_uses_the_whole_term() {
        assert_eq!(seeded().plan("晓红"), Plan::Scan);
        assert_eq!(
            TrigramSample::default().plan("abc"),
            Plan::Index("abc".to_string())
        );
    }

    #[test]
    fn a_term_in_no_sampled_row_is_looked_up_whole() {
        assert_eq!(seeded().plan("zebra"), Plan::Index("zebra".to_string()));
    }

    #[test]
    fn trigrams_never_span_two_fields_and_count_once_per_row() {
        let sample = TrigramSample::of_rows([vec!["abc", "abcd"], vec!["xyz"]]);
        assert_eq!(sample.rows, 2);
        assert_eq!(sample.rows_with[&['a', 'b', 'c']], 1);
        assert!(!sample.rows_with.contains_key(&['c', 'a', 'b']));
        assert_eq!(sample.share(&['x', 'y', 'z']), 0.5);
    }
}
