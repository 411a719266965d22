//! What an operator scrapes: request counts and latencies, the hash and database pools, calls
//! to providers — rendered in Prometheus' text format at `/metrics`.
//!
//! Everything recorded on the request path is a relaxed atomic add on a slot fixed when the host
//! is built (one per method and error code, one per face and status class), so counting costs a
//! few nanoseconds and no lock; label sets are bounded by the code, never by what a client sends.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::ErrorCode;

/// Latency buckets, in seconds: from a cached token check to an Argon2 login under load.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A latency histogram: per-bucket counts (not cumulative; summed when rendered), the sum in
/// nanoseconds, and the count.
#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn observe(&self, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|&b| secs <= b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += n.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

/// One uni-id-co method: answers by errCode (slot 0 is success, then one per [`ErrorCode`]),
/// and latency.
struct MethodStats {
    name: &'static str,
    answers: Vec<AtomicU64>,
    latency: Histogram,
}

impl MethodStats {
    fn new(name: &'static str) -> Self {
        MethodStats {
            name,
            answers: (0..=ErrorCode::ALL.len())
                .map(|_| AtomicU64::new(0))
                .collect(),
            latency: Histogram::default(),
        }
    }
}

/// Which part of the server answered: the label of the HTTP-level series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Api,
    Pages,
    Static,
    Health,
    Metrics,
}

impl Face {
    const ALL: [Face; 5] = [
        Face::Api,
        Face::Pages,
        Face::Static,
        Face::Health,
        Face::Metrics,
    ];

    /// The face a path belongs to. Plugin pages and unknown paths count as pages.
    pub fn of(path: &str) -> Face {
        if path.starts_with("/uni-id-co/") {
            Face::Api
        } else if path.starts_with("/static/") || path.starts_with("/avatars/") {
            Face::Static
        } else if path.starts_with("/health/") {
            Face::Health
        } else if path == "/metrics" {
            Face::Metrics
        } else {
            Face::Pages
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Face::Api => "api",
            Face::Pages => "pages",
            Face::Static => "static",
            Face::Health => "health",
            Face::Metrics => "metrics",
        }
    }
}

/// HTTP status classes 1xx–5xx.
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

#[derive(Default)]
struct FaceStats {
    by_class: [AtomicU64; CLASSES.len()],
    latency: Histogram,
}

/// Calls to one provider (an SMS gateway, a mail server, a carrier, WeChat…).
#[derive(Default)]
struct OutboundStats {
    by_outcome: BTreeMap<&'static str, u64>,
    latency_sum: Duration,
    calls: u64,
}

/// How a call to a provider ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The provider did what was asked.
    Ok,
    /// The provider answered with a refusal or an error of its own.
    Rejected,
    /// No usable answer: connection refused, timed out, malformed reply.
    Unreachable,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Rejected => "rejected",
            Outcome::Unreachable => "unreachable",
        }
    }
}

/// Values read when the metrics are scraped rather than counted on the way.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Hashes waiting for a hashing thread.
    pub hash_waiting: usize,
    /// Hashes being computed.
    pub hash_busy: usize,
    pub hash_threads: usize,
    pub db_in_use: u32,
    pub db_idle: u32,
    pub db_max: u32,
    /// Database tasks waiting for a connection (or a thread to run on).
    pub db_waiting: usize,
}

pub struct Metrics {
    methods: Vec<MethodStats>,
    /// Calls naming no known method.
    unknown_method: MethodStats,
    faces: [FaceStats; Face::ALL.len()],
    outbound: Mutex<BTreeMap<&'static str, OutboundStats>>,
    started_unix: u64,
}

impl Metrics {
    /// Slots for `methods` (the host's method table, sorted by name for a stable output).
    pub fn new(methods: impl IntoIterator<Item = &'static str>, started_unix: u64) -> Self {
        let mut names: Vec<&'static str> = methods.into_iter().collect();
        names.sort_unstable();
        names.dedup();
        Metrics {
            methods: names.into_iter().map(MethodStats::new).collect(),
            unknown_method: MethodStats::new("unknown"),
            faces: Default::default(),
            outbound: Mutex::new(BTreeMap::new()),
            started_unix,
        }
    }

    /// One uni-id-co call: its method, its answer (`None` for success) and how long it took.
    pub fn api_call(&self, method: &str, error: Option<ErrorCode>, elapsed: Duration) {
        let stats = self
            .methods
            .binary_search_by(|m| m.name.cmp(method))
            .map_or(&self.unknown_method, |i| &self.methods[i]);
        let slot = error.map_or(0, |code| code as usize + 1);
        stats.answers[slot].fetch_add(1, Ordering::Relaxed);
        stats.latency.observe(elapsed);
    }

    /// One HTTP request of any face.
    pub fn http_request(&self, face: Face, status: u16, elapsed: Duration) {
        let stats = &self.faces[face as usize];
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        stats.by_class[class].fetch_add(1, Ordering::Relaxed);
        stats.latency.observe(elapsed);
    }

    /// One call to a provider, `provider` naming it (`sms-aliyun`, `smtp`, `weixin`…).
    pub fn outbound(&self, provider: &'static str, outcome: Outcome, elapsed: Duration) {
        let Ok(mut all) = self.outbound.lock() else {
            return;
        };
        let stats = all.entry(provider).or_default();
        *stats.by_outcome.entry(outcome.as_str()).or_default() += 1;
        stats.latency_sum += elapsed;
        stats.calls += 1;
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self, gauges: Gauges) -> String {
        let mut out = String::with_capacity(8 * 1024);
        let w = &mut out;
        header(w, "unid_build_info", "gauge", "The running version.");
        let _ = writeln!(
            w,
            "unid_build_info{{version=\"{}\"}} 1",
            env!("CARGO_PKG_VERSION")
        );
        header(
            w,
            "unid_start_time_seconds",
            "gauge",
            "When the process started, Unix time.",
        );
        let _ = writeln!(w, "unid_start_time_seconds {}", self.started_unix);

        header(
            w,
            "unid_http_requests_total",
            "counter",
            "HTTP requests by face (api, pages, static, health, metrics) and status class.",
        );
        for face in Face::ALL {
            for (class, n) in CLASSES.iter().zip(&self.faces[face as usize].by_class) {
                let n = n.load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        w,
                        "unid_http_requests_total{{face=\"{}\",status=\"{class}\"}} {n}",
                        face.as_str()
                    );
                }
            }
        }
        header(
            w,
            "unid_http_request_duration_seconds",
            "histogram",
            "Time from the request's arrival to its answer, by face.",
        );
        for face in Face::ALL {
            let stats = &self.faces[face as usize];
            if stats.latency.count.load(Ordering::Relaxed) > 0 {
                let labels = format!("face=\"{}\"", face.as_str());
                stats
                    .latency
                    .render(w, "unid_http_request_duration_seconds", &labels);
            }
        }

        let methods = || self.methods.iter().chain([&self.unknown_method]);
        header(
            w,
            "unid_api_requests_total",
            "counter",
            "uni-id-co calls by method and errCode (0 for success).",
        );
        for m in methods() {
            for (slot, n) in m.answers.iter().enumerate() {
                let n = n.load(Ordering::Relaxed);
                if n == 0 {
                    continue;
                }
                let code = slot
                    .checked_sub(1)
                    .map_or("0", |i| ErrorCode::ALL[i].as_str());
                let _ = writeln!(
                    w,
                    "unid_api_requests_total{{method=\"{}\",errcode=\"{code}\"}} {n}",
                    m.name
                );
            }
        }
        header(
            w,
            "unid_api_request_duration_seconds",
            "histogram",
            "uni-id-co call latency by method.",
        );
        for m in methods() {
            if m.latency.count.load(Ordering::Relaxed) > 0 {
                let labels = format!("method=\"{}\"", m.name);
                m.latency
                    .render(w, "unid_api_request_duration_seconds", &labels);
            }
        }

        header(
            w,
            "unid_hash_pool_waiting",
            "gauge",
            "Password hashes waiting for a hashing thread.",
        );
        let _ = writeln!(w, "unid_hash_pool_waiting {}", gauges.hash_waiting);
        header(
            w,
            "unid_hash_pool_busy",
            "gauge",
            "Password hashes being computed.",
        );
        let _ = writeln!(w, "unid_hash_pool_busy {}", gauges.hash_busy);
        header(w, "unid_hash_pool_threads", "gauge", "Hashing threads.");
        let _ = writeln!(w, "unid_hash_pool_threads {}", gauges.hash_threads);
        header(
            w,
            "unid_db_pool_connections",
            "gauge",
            "Database connections open, by state.",
        );
        let _ = writeln!(
            w,
            "unid_db_pool_connections{{state=\"in_use\"}} {}",
            gauges.db_in_use
        );
        let _ = writeln!(
            w,
            "unid_db_pool_connections{{state=\"idle\"}} {}",
            gauges.db_idle
        );
        header(
            w,
            "unid_db_pool_max_connections",
            "gauge",
            "[database] poolSize.",
        );
        let _ = writeln!(w, "unid_db_pool_max_connections {}", gauges.db_max);
        header(
            w,
            "unid_db_pool_waiting",
            "gauge",
            "Database tasks waiting for a connection.",
        );
        let _ = writeln!(w, "unid_db_pool_waiting {}", gauges.db_waiting);

        let outbound = self.outbound.lock().map(|o| {
            o.iter()
                .map(|(p, s)| (*p, s.by_outcome.clone(), s.latency_sum, s.calls))
                .collect::<Vec<_>>()
        });
        let outbound = outbound.unwrap_or_default();
        header(
            w,
            "unid_outbound_requests_total",
            "counter",
            "Calls to providers by provider and outcome (ok, rejected, unreachable).",
        );
        for (provider, by_outcome, _, _) in &outbound {
            for (outcome, n) in by_outcome {
                let _ = writeln!(
                    w,
                    "unid_outbound_requests_total{{provider=\"{provider}\",outcome=\"{outcome}\"}} {n}"
                );
            }
        }
        header(
            w,
            "unid_outbound_request_duration_seconds",
            "summary",
            "Time spent in calls to providers.",
        );
        for (provider, _, sum, calls) in &outbound {
            let _ = writeln!(
                w,
                "unid_outbound_request_duration_seconds_sum{{provider=\"{provider}\"}} {}",
                sum.as_secs_f64()
            );
            let _ = writeln!(
                w,
                "unid_outbound_request_duration_seconds_count{{provider=\"{provider}\"}} {calls}"
            );
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_method_and_code_and_renders_cumulative_buckets() {
        let m = Metrics::new(["login", "getAccountInfo"], 1);
        m.api_call("login", None, Duration::from_millis(3));
        m.api_call(
            "login",
            Some(ErrorCode::PasswordError),
            Duration::from_millis(30),
        );
        m.api_call("no-such-method", None, Duration::from_micros(100));
        let text = m.render(Gauges::default());
        assert!(text.contains("unid_api_requests_total{method=\"login\",errcode=\"0\"} 1"));
        assert!(text.contains(&format!(
            "unid_api_requests_total{{method=\"login\",errcode=\"{}\"}} 1",
            ErrorCode::PasswordError.as_str()
        )));
        assert!(text.contains("unid_api_requests_total{method=\"unknown\",errcode=\"0\"} 1"));
        assert!(
            text.contains(
                "unid_api_request_duration_seconds_bucket{method=\"login\",le=\"0.005\"} 1"
            )
        );
        assert!(
            text.contains(
                "unid_api_request_duration_seconds_bucket{method=\"login\",le=\"0.05\"} 2"
            )
        );
        assert!(text.contains("unid_api_request_duration_seconds_count{method=\"login\"} 2"));
        assert!(
            !text.contains("method=\"getAccountInfo\""),
            "idle methods stay out"
        );
    }

    #[test]
    fn status_classes_and_outbound_calls() {
        let m = Metrics::new([], 1);
        m.http_request(Face::of("/login"), 200, Duration::from_millis(1));
        m.http_request(Face::of("/uni-id-co/login"), 503, Duration::from_millis(1));
        m.outbound("smtp", Outcome::Unreachable, Duration::from_millis(5));
        m.outbound("smtp", Outcome::Ok, Duration::from_millis(5));
        let text = m.render(Gauges::default());
        assert!(text.contains("unid_http_requests_total{face=\"pages\",status=\"2xx\"} 1"));
        assert!(text.contains("unid_http_requests_total{face=\"api\",status=\"5xx\"} 1"));
        assert!(
            text.contains(
                "unid_outbound_requests_total{provider=\"smtp\",outcome=\"unreachable\"} 1"
            )
        );
        assert!(text.contains("unid_outbound_request_duration_seconds_count{provider=\"smtp\"} 2"));
    }
}
