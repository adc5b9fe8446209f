//! Per-client statistics and the formulas behind the summary.
//!
//! Definitions: a packet is lost when no reply came within the timeout Tmax (RFC 7680 §2.4); a
//! reply after Tmax is counted as `late`, still a loss. RTT is measured from the moment the packet
//! was handed to the socket to the moment its reply was read (RFC 2681); lost packets have no
//! RTT and do not enter the percentiles. RTT percentiles come from an HDR histogram with three
//! significant digits, so memory stays flat however many packets a run sends. Invariant:
//! `sent == replies + timeouts + interrupted + errors`.

use crate::client::loadgen::{Outcome, Record, Unmatched};
use hdrhistogram::Histogram;
use serde::Serialize;

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;
/// z for a two-sided 99.9% interval.
pub const Z999: f64 = 3.290_526_731_491_926;

/// Wilson score interval for a proportion of `k` successes in `n` trials at normal quantile `z`:
/// centre `(p̂ + z²/2n) / (1 + z²/n)`, half-width `z/(1 + z²/n) · sqrt(p̂(1-p̂)/n + z²/4n²)`.
/// Unlike the normal approximation it stays inside [0, 1] and behaves at p̂ = 0 or 1.
/// Returns `None` when `n == 0`.
pub fn wilson(k: u64, n: u64, z: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The nearest-rank percentile: the smallest recorded value with at least `ceil(q·n)` values at
/// or below it (so the median of 3 values is the 2nd). `hdrhistogram`'s own `value_at_quantile`
/// rounds the rank down, which picks the 1st of 3; samples in a lab are often that small.
/// Values are reported as the highest value equivalent to the bucket (3 significant digits).
/// `None` for an empty histogram.
pub fn percentile(h: &Histogram<u64>, q: f64) -> Option<u64> {
    let n = h.len();
    if n == 0 {
        return None;
    }
    let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
    let mut seen = 0;
    for v in h.iter_recorded() {
        seen += v.count_since_last_iteration();
        if seen >= rank {
            return Some(h.highest_equivalent(v.value_iterated_to()));
        }
    }
    Some(h.max())
}

pub struct ClientStats {
    pub replies: u64,
    pub timeouts: u64,
    pub late: u64,
    pub interrupted: u64,
    /// TCP requests that failed without a timeout (refused connection, broken response).
    pub errors: u64,
    rtt: Histogram<u64>,
    rtt_sum: u128,
    rtt_min: u64,
    rtt_max: u64,
}

impl Default for ClientStats {
    fn default() -> Self {
        ClientStats {
            replies: 0,
            timeouts: 0,
            late: 0,
            interrupted: 0,
            errors: 0,
            rtt: Histogram::new(3).expect("3 significant digits is a valid precision"),
            rtt_sum: 0,
            rtt_min: u64::MAX,
            rtt_max: 0,
        }
    }
}

impl ClientStats {
    pub fn add(&mut self, r: &Record) {
        match r.outcome {
            Outcome::Reply => {
                self.replies += 1;
                let rtt = r.rtt.map_or(0, |d| d.as_micros());
                self.record_rtt(rtt);
            }
            Outcome::Timeout => {
                self.timeouts += 1;
                if r.late_rtt.is_some() {
                    self.late += 1;
                }
            }
            Outcome::Interrupted => self.interrupted += 1,
            Outcome::ConnectError | Outcome::Error => self.errors += 1,
        }
    }

    fn record_rtt(&mut self, rtt: u64) {
        // `record`, not `saturating_record`: the latter clamps to the histogram's current
        // range (2048 µs for a new one) instead of growing it.
        self.rtt
            .record(rtt)
            .expect("an auto-resizing histogram records any RTT in µs");
        self.rtt_sum += u128::from(rtt);
        self.rtt_min = self.rtt_min.min(rtt);
        self.rtt_max = self.rtt_max.max(rtt);
    }

    /// Folds another client's figures into this one (for the `all` row).
    pub fn merge(&mut self, other: &ClientStats) {
        self.replies += other.replies;
        self.timeouts += other.timeouts;
        self.late += other.late;
        self.interrupted += other.interrupted;
        self.errors += other.errors;
        self.rtt
            .add(&other.rtt)
            .expect("auto-resizing histograms always merge");
        self.rtt_sum += other.rtt_sum;
        self.rtt_min = self.rtt_min.min(other.rtt_min);
        self.rtt_max = self.rtt_max.max(other.rtt_max);
    }

    pub fn sent(&self) -> u64 {
        self.replies + self.timeouts + self.interrupted + self.errors
    }

    pub fn summary(&self, scope: String, unmatched: Unmatched) -> SummaryRow {
        let resolved = self.replies + self.timeouts;
        let ci = wilson(self.timeouts, resolved, Z95);
        let has_rtt = self.replies > 0;
        // Bucket tops can lie past the largest value actually seen: clamp to the exact range.
        let q = |quantile: f64| {
            percentile(&self.rtt, quantile).map(|v| v.clamp(self.rtt_min, self.rtt_max))
        };
        SummaryRow {
            scope,
            sent: self.sent(),
            replies: self.replies,
            timeouts: self.timeouts,
            loss_ratio: (resolved > 0).then(|| self.timeouts as f64 / resolved as f64),
            loss_ci_low: ci.map(|c| c.0),
            loss_ci_high: ci.map(|c| c.1),
            rtt_min_us: has_rtt.then_some(self.rtt_min),
            rtt_p50_us: q(0.50),
            rtt_p90_us: q(0.90),
            rtt_p99_us: q(0.99),
            rtt_max_us: has_rtt.then_some(self.rtt_max),
            rtt_mean_us: has_rtt.then(|| self.rtt_sum as f64 / self.replies as f64),
            late: self.late,
            duplicates: unmatched.duplicates,
            stray: unmatched.stray,
            corrupted: unmatched.corrupted,
            interrupted: self.interrupted,
            errors: self.errors,
        }
    }
}

/// One row of `summary.csv` (and of `summary.json`'s `summary` list).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRow {
    pub scope: String,
    pub sent: u64,
    pub replies: u64,
    pub timeouts: u64,
    pub loss_ratio: Option<f64>,
    pub loss_ci_low: Option<f64>,
    pub loss_ci_high: Option<f64>,
    pub rtt_min_us: Option<u64>,
    pub rtt_p50_us: Option<u64>,
    pub rtt_p90_us: Option<u64>,
    pub rtt_p99_us: Option<u64>,
    pub rtt_max_us: Option<u64>,
    pub rtt_mean_us: Option<f64>,
    pub late: u64,
    pub duplicates: u64,
    pub stray: u64,
    pub corrupted: u64,
    pub interrupted: u64,
    pub errors: u64,
}

pub const SUMMARY_COLUMNS: &str = "scope,sent,replies,timeouts,loss_ratio,loss_ci_low,loss_ci_high,\
rtt_min_us,rtt_p50_us,rtt_p90_us,rtt_p99_us,rtt_max_us,rtt_mean_us,late,duplicates,stray,corrupted,interrupted,errors";

impl SummaryRow {
    /// The row as CSV, in [`SUMMARY_COLUMNS`] order; absent values are empty cells.
    pub fn to_csv(&self) -> String {
        fn f6(v: Option<f64>) -> String {
            v.map_or(String::new(), |v| format!("{v:.6}"))
        }
        fn u(v: Option<u64>) -> String {
            v.map_or(String::new(), |v| v.to_string())
        }
        format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            self.scope,
            self.sent,
            self.replies,
            self.timeouts,
            f6(self.loss_ratio),
            f6(self.loss_ci_low),
            f6(self.loss_ci_high),
            u(self.rtt_min_us),
            u(self.rtt_p50_us),
            u(self.rtt_p90_us),
            u(self.rtt_p99_us),
            u(self.rtt_max_us),
            self.rtt_mean_us
                .map_or(String::new(), |v| format!("{v:.1}")),
            self.late,
            self.duplicates,
            self.stray,
            self.corrupted,
            self.interrupted,
            self.errors,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Duration, Instant};
    use crate::wire::time::RequestId;

    /// Reference values worked by hand from the formula: k = 10, n = 20, z = 1.96 gives
    /// centre 0.5 and half-width 1.96/1.192 · sqrt(0.0125 + 0.0024) = 0.2007.
    #[test]
    fn wilson_matches_hand_computation() {
        let (lo, hi) = wilson(10, 20, Z95).unwrap();
        assert!((lo - 0.2993).abs() < 1e-3, "{lo}");
        assert!((hi - 0.7007).abs() < 1e-3, "{hi}");
    }

    #[test]
    fn wilson_stays_in_unit_interval() {
        let (lo, hi) = wilson(0, 10, Z95).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.0 && hi < 0.35);
        let (lo, hi) = wilson(10, 10, Z95).unwrap();
        assert!(lo > 0.65 && (hi - 1.0).abs() < 1e-12, "{lo} {hi}");
        assert_eq!(wilson(0, 0, Z95), None);
    }

    fn record(outcome: Outcome, rtt: Option<u64>) -> Record {
        Record {
            id: RequestId {
                client: 0,
                seq: 0,
                attempt: 0,
            },
            index: 0,
            sent: Instant::ZERO,
            intended: Instant::ZERO,
            outcome,
            rtt: rtt.map(Duration::from_micros),
            late_rtt: None,
            connect: None,
        }
    }

    #[test]
    fn summary_counts_and_rtt() {
        let mut s = ClientStats::default();
        for rtt in [100, 200, 300, 400] {
            s.add(&record(Outcome::Reply, Some(rtt)));
        }
        s.add(&record(Outcome::Timeout, None));
        s.add(&record(Outcome::Interrupted, None));
        let row = s.summary("0".into(), Unmatched::default());
        assert_eq!(
            (row.sent, row.replies, row.timeouts, row.interrupted),
            (6, 4, 1, 1)
        );
        assert_eq!(row.loss_ratio, Some(0.2));
        assert_eq!(row.rtt_min_us, Some(100));
        assert_eq!(row.rtt_max_us, Some(400));
        assert_eq!(row.rtt_mean_us, Some(250.0));
        assert_eq!(row.rtt_p50_us, Some(200));
        let csv = row.to_csv();
        assert_eq!(csv.split(',').count(), SUMMARY_COLUMNS.split(',').count());
        assert!(csv.starts_with("0,6,4,1,0.200000,"), "{csv}");
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut h = Histogram::<u64>::new(3).unwrap();
        assert_eq!(percentile(&h, 0.5), None);
        for v in [1957, 1757, 2654] {
            h.record(v).unwrap();
        }
        // Ranks: p50 -> ceil(1.5) = 2nd, p99 -> 3rd, p0 -> 1st.
        assert_eq!(percentile(&h, 0.5), Some(1957));
        assert_eq!(percentile(&h, 0.99), Some(2655)); // 2654's bucket at 3 digits ends at 2655
        assert_eq!(percentile(&h, 0.0), Some(1757));
        let mut big = Histogram::<u64>::new(3).unwrap();
        for v in 1..=1000 {
            big.record(v).unwrap();
        }
        assert_eq!(percentile(&big, 0.9), Some(900));
    }

    /// Regression: RTTs above 2.048 ms were clamped to the new histogram's range, so a 20 ms
    /// median read as 2 µs.
    #[test]
    fn long_rtts_keep_their_value() {
        let mut s = ClientStats::default();
        for rtt in [9, 19_000, 20_000, 21_000, 35_000] {
            s.add(&record(Outcome::Reply, Some(rtt)));
        }
        let row = s.summary("0".into(), Unmatched::default());
        // Values are reported as the top of their 3-significant-digit bucket: 20000 lies in
        // [20000, 20015] (width 16) and 35000 in [34976, 35007] (width 32).
        assert_eq!(row.rtt_p50_us, Some(20_015));
        // 35000's bucket tops out at 35007, past the largest RTT seen: clamped to the max.
        assert_eq!(row.rtt_p99_us, Some(35_000));
    }

    #[test]
    fn no_replies_means_empty_rtt_cells() {
        let mut s = ClientStats::default();
        s.add(&record(Outcome::Timeout, None));
        let row = s.summary("all".into(), Unmatched::default());
        assert_eq!(row.rtt_p50_us, None);
        assert_eq!(row.loss_ratio, Some(1.0));
        assert!(row.to_csv().contains(",1.000000,"));
    }
}
