//! Per-client statistics and the formulas behind the summary.
//!
//! Definitions: a packet is lost when no reply came within the timeout Tmax (RFC 7680 §2.4); a
//! reply after Tmax is counted as `late`, still a loss. RTT is measured from the moment the packet
//! was handed to the socket to the moment its reply was read (RFC 2681); lost packets have no
//! RTT and do not enter the percentiles. RTT percentiles come from an HDR histogram with three
//! significant digits (fed through a [`Tally`]), so memory stays flat however many packets a
//! run sends. Invariant:
//! `sent == replies + timeouts + interrupted + errors`.

use super::batch::{Estimate, Unit, estimate};
use super::logical::{LogicalOutcome, LogicalRecord};
use super::patterns::{Ipdv, Jitter, LossPatterns};
use super::tally::Tally;
use crate::client::loadgen::{Outcome, Record, Unmatched};
use crate::time::Duration;
use hdrhistogram::Histogram;
use serde::{Serialize, Serializer};

/// An RTT percentile that falls on a lost packet when lost packets count as infinite RTTs
/// (RFC 2681): `inf` in the CSV, the string "inf" in JSON.
pub const INFINITE_RTT: u64 = u64::MAX;

/// How a summary is computed, the same for every row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SummaryOptions {
    /// Tmax, the clients' timeout (RFC 7680), written into every row.
    pub timeout: Duration,
    /// RFC 2681: lost packets enter the RTT percentiles as infinite values.
    pub lost_as_infinite: bool,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            timeout: Duration::ZERO,
            lost_as_infinite: false,
        }
    }
}

/// The confidence of the summary's loss interval (`loss_ci_low`, `loss_ci_high`).
pub const LOSS_CI_CONFIDENCE: f64 = 0.95;

/// How the summary's loss interval is computed, for `summary.json` and the README.
pub const LOSS_CI_METHOD: &str = "95% batch-means interval: each client's packets cut by \
    sequence number into batches (retries with their request; 20 in all, up to 60 of at least \
    250 in long runs, fewer when there are fewer than 2 loss periods per batch), the spread of \
    the batches' loss estimated from the data (so bursts widen it; the batch-size bias removed \
    by comparing with batches half as long), Wilson's score interval on the effective sample \
    size with Student's t (batches - 1 degrees of freedom); plain Wilson when no packet or \
    every packet was lost";

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
    percentile_at_rank(h, ((q * n as f64).ceil() as u64).clamp(1, n))
}

/// The `rank`-th smallest recorded value (1-based), as the top of its bucket.
pub fn percentile_at_rank(h: &Histogram<u64>, rank: u64) -> Option<u64> {
    if h.is_empty() {
        return None;
    }
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
    rtt: Tally,
    rtt_sum: u128,
    rtt_min: u64,
    rtt_max: u64,
    /// How far past Tmax the late replies came: sum and max, µs.
    late_by_sum: u64,
    late_by_max: u64,
    /// First attempts answered after a first attempt with a higher seq (RFC 4737 §3.3).
    pub reordered: u64,
    next_expected: u32,
    jitter: Jitter,
    /// For the `all` row: the sum of the clients' final jitter and how many clients had one.
    jitter_sum: f64,
    jitter_clients: u64,
    pub patterns: LossPatterns,
    pub ipdv: Ipdv,
    pub logical: u64,
    pub successes: u64,
    pub failed: u64,
    success_attempts: u64,
    tts: Tally,
    /// Loss counts per stretch of sequence numbers, per client: the batches of the loss
    /// interval (see [`super::batch`]).
    seq_bins: Vec<SeqBins>,
}

/// Loss counts `(timeouts, resolved)` of one client over stretches of `width` consecutive
/// sequence numbers. At most [`MAX_BINS`] stretches: when a seq lies past them, neighbours are
/// merged and the width doubles, so memory stays bounded however long the run.
#[derive(Clone, Debug, PartialEq)]
struct SeqBins {
    client: u32,
    width: u64,
    bins: Vec<(u64, u64)>,
}

/// The most stretches a client's loss counts are kept in.
const MAX_BINS: usize = 4096;

impl SeqBins {
    fn add(&mut self, seq: u64, lost: bool) {
        while seq / self.width >= MAX_BINS as u64 {
            let merged = self
                .bins
                .chunks(2)
                .map(|c| c.iter().fold((0, 0), |(k, n), b| (k + b.0, n + b.1)))
                .collect();
            self.bins = merged;
            self.width *= 2;
        }
        let i = (seq / self.width) as usize;
        if self.bins.len() <= i {
            self.bins.resize(i + 1, (0, 0));
        }
        self.bins[i].0 += u64::from(lost);
        self.bins[i].1 += 1;
    }
}

impl Default for ClientStats {
    fn default() -> Self {
        ClientStats {
            replies: 0,
            timeouts: 0,
            late: 0,
            interrupted: 0,
            errors: 0,
            rtt: Tally::default(),
            rtt_sum: 0,
            rtt_min: u64::MAX,
            rtt_max: 0,
            late_by_sum: 0,
            late_by_max: 0,
            reordered: 0,
            next_expected: 0,
            jitter: Jitter::default(),
            jitter_sum: 0.0,
            jitter_clients: 0,
            patterns: LossPatterns::default(),
            ipdv: Ipdv::default(),
            logical: 0,
            successes: 0,
            failed: 0,
            success_attempts: 0,
            tts: Tally::default(),
            seq_bins: Vec::new(),
        }
    }
}

impl ClientStats {
    /// One attempt's row. `timeout` is Tmax, to say how late a late reply was.
    pub fn add(&mut self, r: &Record, timeout: Duration) {
        match r.outcome {
            Outcome::Reply => {
                self.replies += 1;
                self.bin(r.id.client, u64::from(r.id.seq), false);
                let rtt = r.rtt.map_or(0, |d| d.as_micros());
                self.record_rtt(rtt);
                self.jitter.push(rtt);
                if r.id.attempt == 0 {
                    if r.id.seq < self.next_expected {
                        self.reordered += 1;
                    } else {
                        self.next_expected = r.id.seq + 1;
                    }
                }
            }
            Outcome::Timeout => {
                self.timeouts += 1;
                self.bin(r.id.client, u64::from(r.id.seq), true);
                if let Some(late) = r.late_rtt {
                    self.late += 1;
                    let by = late.as_micros().saturating_sub(timeout.as_micros());
                    self.late_by_sum += by;
                    self.late_by_max = self.late_by_max.max(by);
                }
            }
            Outcome::Interrupted => self.interrupted += 1,
            Outcome::ConnectError | Outcome::Error => self.errors += 1,
        }
    }

    /// Counts a resolved packet in its client's stretch of sequence numbers (retries count
    /// with their request's seq, so a burst's retries stay in one batch).
    fn bin(&mut self, client: u32, seq: u64, lost: bool) {
        let at = match self.seq_bins.iter().position(|b| b.client == client) {
            Some(i) => i,
            None => {
                self.seq_bins.push(SeqBins {
                    client,
                    width: 1,
                    bins: Vec::new(),
                });
                self.seq_bins.len() - 1
            }
        };
        self.seq_bins[at].add(seq, lost);
    }

    /// The loss ratio over resolved packets with its batch-means spread (see
    /// [`super::batch`]): each client's stretches of sequence numbers are the units.
    pub fn loss_estimate(&self) -> Option<Estimate> {
        let units: Vec<Unit> = self
            .seq_bins
            .iter()
            .flat_map(|b| {
                b.bins.iter().enumerate().map(|(i, &(k, n))| Unit {
                    flow: b.client,
                    order: i as u64,
                    k: k as f64,
                    n: n as f64,
                })
            })
            .filter(|u| u.n > 0.0)
            .collect();
        estimate(&units)
    }

    fn record_rtt(&mut self, rtt: u64) {
        self.rtt.record(rtt);
        self.rtt_sum += u128::from(rtt);
        self.rtt_min = self.rtt_min.min(rtt);
        self.rtt_max = self.rtt_max.max(rtt);
    }

    /// One finished logical request (a request and its retries).
    pub fn add_logical(&mut self, l: &LogicalRecord) {
        self.logical += 1;
        match l.outcome {
            LogicalOutcome::Success => {
                self.successes += 1;
                self.success_attempts += u64::from(l.attempts);
                if let Some(t) = l.time_to_success {
                    self.tts.record(t.as_micros());
                }
            }
            LogicalOutcome::Failed => self.failed += 1,
            LogicalOutcome::Error | LogicalOutcome::Interrupted => {}
        }
    }

    /// Folds another client's figures into this one (for the `all` row).
    pub fn merge(&mut self, other: &ClientStats) {
        self.late_by_sum += other.late_by_sum;
        self.late_by_max = self.late_by_max.max(other.late_by_max);
        self.reordered += other.reordered;
        if other.jitter.updates > 0 {
            self.jitter_sum += other.jitter.j;
            self.jitter_clients += 1;
        }
        self.jitter_sum += other.jitter_sum;
        self.jitter_clients += other.jitter_clients;
        self.patterns.merge(&other.patterns);
        self.ipdv.merge(&other.ipdv);
        self.logical += other.logical;
        self.successes += other.successes;
        self.failed += other.failed;
        self.success_attempts += other.success_attempts;
        self.tts.merge(&other.tts);
        self.seq_bins.extend(other.seq_bins.iter().cloned());
        self.replies += other.replies;
        self.timeouts += other.timeouts;
        self.late += other.late;
        self.interrupted += other.interrupted;
        self.errors += other.errors;
        self.rtt.merge(&other.rtt);
        self.rtt_sum += other.rtt_sum;
        self.rtt_min = self.rtt_min.min(other.rtt_min);
        self.rtt_max = self.rtt_max.max(other.rtt_max);
    }

    pub fn sent(&self) -> u64 {
        self.replies + self.timeouts + self.interrupted + self.errors
    }

    pub fn summary(&self, scope: String, unmatched: Unmatched, opts: SummaryOptions) -> SummaryRow {
        let resolved = self.replies + self.timeouts;
        let ci = self
            .loss_estimate()
            .and_then(|e| e.interval(LOSS_CI_CONFIDENCE));
        let has_rtt = self.replies > 0;
        let rtt = self.rtt.histogram();
        // Bucket tops can lie past the largest value actually seen: clamp to the exact range.
        let q = |quantile: f64| {
            if opts.lost_as_infinite {
                // RFC 2681: the lost packets sit above every reply, at infinity.
                let rank = ((quantile * resolved as f64).ceil() as u64).clamp(1, resolved.max(1));
                if resolved == 0 {
                    return None;
                }
                if rank > self.replies {
                    return Some(INFINITE_RTT);
                }
                return percentile_at_rank(&rtt, rank).map(|v| v.clamp(self.rtt_min, self.rtt_max));
            }
            percentile(&rtt, quantile).map(|v| v.clamp(self.rtt_min, self.rtt_max))
        };
        let jitter = if self.jitter.updates > 0 {
            Some(self.jitter.j)
        } else {
            (self.jitter_clients > 0).then(|| self.jitter_sum / self.jitter_clients as f64)
        };
        let p = &self.patterns;
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
            tmax_us: opts.timeout.as_micros(),
            rtt_lost: if opts.lost_as_infinite {
                "infinite"
            } else {
                "excluded"
            },
            late_by_mean_us: (self.late > 0).then(|| self.late_by_sum as f64 / self.late as f64),
            late_by_max_us: (self.late > 0).then_some(self.late_by_max),
            reordered: self.reordered,
            first_attempts: p.packets,
            first_attempt_losses: p.losses,
            loss_periods: p.periods,
            loss_period_mean: p.period_mean(),
            loss_period_max: (p.periods > 0).then_some(p.period_max),
            inter_loss_period_mean: p.inter_period_mean(),
            loss_distance_mean: p.distance_mean(),
            ipdv_mean_us: self.ipdv.mean(),
            ipdv_abs_p99_us: percentile(&self.ipdv.abs.histogram(), 0.99),
            jitter_us: jitter,
            logical_requests: self.logical,
            successes: self.successes,
            success_ratio: (self.logical > 0).then(|| self.successes as f64 / self.logical as f64),
            attempts_per_success: (self.successes > 0)
                .then(|| self.success_attempts as f64 / self.successes as f64),
            goodput_ratio: (self.sent() > 0).then(|| self.successes as f64 / self.sent() as f64),
            tts_p50_us: percentile(&self.tts.histogram(), 0.5),
            tts_p99_us: percentile(&self.tts.histogram(), 0.99),
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
    #[serde(serialize_with = "ser_rtt")]
    pub rtt_p50_us: Option<u64>,
    #[serde(serialize_with = "ser_rtt")]
    pub rtt_p90_us: Option<u64>,
    #[serde(serialize_with = "ser_rtt")]
    pub rtt_p99_us: Option<u64>,
    pub rtt_max_us: Option<u64>,
    pub rtt_mean_us: Option<f64>,
    pub late: u64,
    pub duplicates: u64,
    pub stray: u64,
    pub corrupted: u64,
    pub interrupted: u64,
    pub errors: u64,
    /// Tmax: the timeout that decides lost (RFC 7680).
    pub tmax_us: u64,
    /// `excluded` (percentiles over replies) or `infinite` (RFC 2681).
    pub rtt_lost: &'static str,
    /// How long after Tmax the late replies came.
    pub late_by_mean_us: Option<f64>,
    pub late_by_max_us: Option<u64>,
    pub reordered: u64,
    /// The RFC 3357 stream: first attempts in seq order, and how many of them were lost.
    pub first_attempts: u64,
    pub first_attempt_losses: u64,
    pub loss_periods: u64,
    pub loss_period_mean: Option<f64>,
    pub loss_period_max: Option<u64>,
    pub inter_loss_period_mean: Option<f64>,
    pub loss_distance_mean: Option<f64>,
    /// RFC 3393 IPDV of consecutive first attempts, from RTTs.
    pub ipdv_mean_us: Option<f64>,
    pub ipdv_abs_p99_us: Option<u64>,
    /// RFC 3550 §6.4.1 interarrival jitter (`all`: the mean of the clients').
    pub jitter_us: Option<f64>,
    /// Requests with their retries, as the application sees them.
    pub logical_requests: u64,
    pub successes: u64,
    /// Successes over logical requests (a failure, an error or an interruption is not one).
    pub success_ratio: Option<f64>,
    pub attempts_per_success: Option<f64>,
    /// Successes per packet sent: what retries cost.
    pub goodput_ratio: Option<f64>,
    /// Time to success: from the first attempt's send to the answered attempt's reply.
    pub tts_p50_us: Option<u64>,
    pub tts_p99_us: Option<u64>,
}

pub const SUMMARY_COLUMNS: &str = "scope,sent,replies,timeouts,loss_ratio,loss_ci_low,loss_ci_high,\
rtt_min_us,rtt_p50_us,rtt_p90_us,rtt_p99_us,rtt_max_us,rtt_mean_us,late,duplicates,stray,corrupted,interrupted,errors,\
tmax_us,rtt_lost,late_by_mean_us,late_by_max_us,reordered,first_attempts,first_attempt_losses,\
loss_periods,loss_period_mean,loss_period_max,inter_loss_period_mean,loss_distance_mean,\
ipdv_mean_us,ipdv_abs_p99_us,jitter_us,logical_requests,successes,success_ratio,\
attempts_per_success,goodput_ratio,tts_p50_us,tts_p99_us";

impl SummaryRow {
    /// The row as CSV, in [`SUMMARY_COLUMNS`] order; absent values are empty cells.
    pub fn to_csv(&self) -> String {
        fn f(v: Option<f64>, digits: usize) -> String {
            v.map_or(String::new(), |v| format!("{v:.digits$}"))
        }
        fn u(v: Option<u64>) -> String {
            match v {
                None => String::new(),
                Some(INFINITE_RTT) => "inf".to_string(),
                Some(v) => v.to_string(),
            }
        }
        let cells = [
            self.scope.clone(),
            self.sent.to_string(),
            self.replies.to_string(),
            self.timeouts.to_string(),
            f(self.loss_ratio, 6),
            f(self.loss_ci_low, 6),
            f(self.loss_ci_high, 6),
            u(self.rtt_min_us),
            u(self.rtt_p50_us),
            u(self.rtt_p90_us),
            u(self.rtt_p99_us),
            u(self.rtt_max_us),
            f(self.rtt_mean_us, 1),
            self.late.to_string(),
            self.duplicates.to_string(),
            self.stray.to_string(),
            self.corrupted.to_string(),
            self.interrupted.to_string(),
            self.errors.to_string(),
            self.tmax_us.to_string(),
            self.rtt_lost.to_string(),
            f(self.late_by_mean_us, 1),
            u(self.late_by_max_us),
            self.reordered.to_string(),
            self.first_attempts.to_string(),
            self.first_attempt_losses.to_string(),
            self.loss_periods.to_string(),
            f(self.loss_period_mean, 4),
            u(self.loss_period_max),
            f(self.inter_loss_period_mean, 4),
            f(self.loss_distance_mean, 4),
            f(self.ipdv_mean_us, 1),
            u(self.ipdv_abs_p99_us),
            f(self.jitter_us, 1),
            self.logical_requests.to_string(),
            self.successes.to_string(),
            f(self.success_ratio, 6),
            f(self.attempts_per_success, 4),
            f(self.goodput_ratio, 6),
            u(self.tts_p50_us),
            u(self.tts_p99_us),
        ];
        cells.join(",")
    }
}

/// JSON for an RTT percentile: a number, `"inf"` for [`INFINITE_RTT`], or null.
fn ser_rtt<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        None => s.serialize_none(),
        Some(INFINITE_RTT) => s.serialize_str("inf"),
        Some(v) => s.serialize_u64(*v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Instant;
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

    /// Seq `seq` of client `client`, lost or answered.
    fn at(client: u32, seq: u32, lost: bool) -> Record {
        let mut r = record(
            if lost {
                Outcome::Timeout
            } else {
                Outcome::Reply
            },
            (!lost).then_some(100),
        );
        r.id.client = client;
        r.id.seq = seq;
        r
    }

    /// Losses in bursts of 10 to 40 at irregular places (a fixed 64-bit LCG sequence): seq →
    /// lost, for 2000 seqs.
    fn bursty_pattern(seed: u64) -> Vec<bool> {
        let mut x = seed;
        let mut lost = Vec::new();
        while lost.len() < 2000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let gap = 50 + (x >> 33) % 200;
            let burst = 10 + (x >> 13) % 31;
            lost.extend((0..gap).map(|_| false));
            lost.extend((0..burst).map(|_| true));
        }
        lost.truncate(2000);
        lost
    }

    /// The same loss, scattered (every 10th packet) or in bursts: Wilson would give both one
    /// interval; batch means widens the bursty one by as much as its batches varied.
    #[test]
    fn loss_interval_widens_for_bursts() {
        let t = Duration::from_millis(100);
        let (mut scattered, mut bursty) = (ClientStats::default(), ClientStats::default());
        let pattern = bursty_pattern(42);
        for seq in 0..2000u32 {
            scattered.add(&at(0, seq, seq % 10 == 0), t);
            bursty.add(&at(0, seq, pattern[seq as usize]), t);
        }
        let opts = SummaryOptions::default();
        let width = |s: &ClientStats| {
            let row = s.summary("0".into(), Unmatched::default(), opts);
            (
                row.loss_ci_high.unwrap() - row.loss_ci_low.unwrap(),
                row.timeouts,
            )
        };
        let ((ws, _), (wb, kb)) = (width(&scattered), width(&bursty));
        let (lo, hi) = wilson(200, 2000, Z95).unwrap();
        // Evenly scattered losses: every batch holds exactly 10%, no spread to measure, and
        // the interval falls back to Wilson's.
        assert!((ws - (hi - lo)).abs() < 1e-12, "{ws} {}", hi - lo);
        let (lo, hi) = wilson(kb, 2000, Z95).unwrap();
        assert!(wb > 2.0 * (hi - lo), "{wb} {}", hi - lo);
        // Order of arrival does not matter; clients merged into `all` keep their batches.
        let mut all = ClientStats::default();
        let mut other = ClientStats::default();
        let mut reversed = ClientStats::default();
        for seq in (0..2000u32).rev() {
            other.add(&at(1, seq, pattern[seq as usize]), t);
            reversed.add(&at(0, seq, pattern[seq as usize]), t);
        }
        assert_eq!(bursty.loss_estimate(), reversed.loss_estimate());
        all.merge(&bursty);
        all.merge(&other);
        let e = all.loss_estimate().unwrap();
        assert_eq!((e.k, e.n), (2.0 * kb as f64, 4000.0));
        assert!(e.batches >= 4, "{e:?}");
    }

    /// A long run keeps at most MAX_BINS stretches per client, merging neighbours.
    #[test]
    fn seq_bins_stay_bounded() {
        let mut s = ClientStats::default();
        for seq in 0..10_000u32 {
            s.add(&at(0, seq * 3, seq % 7 == 0), Duration::from_millis(100));
        }
        let bins = &s.seq_bins[0];
        assert!(bins.bins.len() <= MAX_BINS);
        assert_eq!(bins.width, 8);
        let total: u64 = bins.bins.iter().map(|b| b.1).sum();
        assert_eq!(total, 10_000);
    }

    #[test]
    fn summary_counts_and_rtt() {
        let mut s = ClientStats::default();
        for rtt in [100, 200, 300, 400] {
            s.add(
                &record(Outcome::Reply, Some(rtt)),
                Duration::from_millis(100),
            );
        }
        s.add(&record(Outcome::Timeout, None), Duration::from_millis(100));
        s.add(
            &record(Outcome::Interrupted, None),
            Duration::from_millis(100),
        );
        let row = s.summary("0".into(), Unmatched::default(), SummaryOptions::default());
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
            s.add(
                &record(Outcome::Reply, Some(rtt)),
                Duration::from_millis(100),
            );
        }
        let row = s.summary("0".into(), Unmatched::default(), SummaryOptions::default());
        // Values are reported as the top of their 3-significant-digit bucket: 20000 lies in
        // [20000, 20015] (width 16) and 35000 in [34976, 35007] (width 32).
        assert_eq!(row.rtt_p50_us, Some(20_015));
        // 35000's bucket tops out at 35007, past the largest RTT seen: clamped to the max.
        assert_eq!(row.rtt_p99_us, Some(35_000));
    }

    #[test]
    fn no_replies_means_empty_rtt_cells() {
        let mut s = ClientStats::default();
        s.add(&record(Outcome::Timeout, None), Duration::from_millis(100));
        let row = s.summary(
            "all".into(),
            Unmatched::default(),
            SummaryOptions::default(),
        );
        assert_eq!(row.rtt_p50_us, None);
        assert_eq!(row.loss_ratio, Some(1.0));
        assert!(row.to_csv().contains(",1.000000,"));
    }

    /// RFC 2681: 3 replies (10, 20, 30 µs) and 2 losses, n = 5. p50 is rank 3 → 30; p90 is
    /// rank 5, a lost packet → infinite; replies-only p90 is rank 3 of 3 → 30.
    #[test]
    fn lost_as_infinite_moves_the_upper_percentiles() {
        let mut s = ClientStats::default();
        for rtt in [10, 20, 30] {
            s.add(
                &record(Outcome::Reply, Some(rtt)),
                Duration::from_millis(100),
            );
        }
        for _ in 0..2 {
            s.add(&record(Outcome::Timeout, None), Duration::from_millis(100));
        }
        let inf = SummaryOptions {
            timeout: Duration::from_millis(100),
            lost_as_infinite: true,
        };
        let row = s.summary("0".into(), Unmatched::default(), inf);
        assert_eq!(row.rtt_p50_us, Some(30));
        assert_eq!(row.rtt_p90_us, Some(INFINITE_RTT));
        assert_eq!(row.rtt_lost, "infinite");
        assert_eq!(row.tmax_us, 100_000);
        let csv = row.to_csv();
        assert!(csv.contains(",30,inf,inf,"), "{csv}");
        let json = serde_json::to_value(&row).unwrap();
        assert_eq!(json["rtt_p90_us"], "inf");
        let plain = s.summary("0".into(), Unmatched::default(), SummaryOptions::default());
        assert_eq!(plain.rtt_p90_us, Some(30));
        assert_eq!(plain.rtt_lost, "excluded");
    }

    /// Late replies at 130 ms and 190 ms with Tmax 100 ms: 30 and 90 ms late, mean 60 ms.
    #[test]
    fn late_replies_say_how_late() {
        let mut s = ClientStats::default();
        for late in [130_000, 190_000] {
            let mut r = record(Outcome::Timeout, None);
            r.late_rtt = Some(Duration::from_micros(late));
            s.add(&r, Duration::from_millis(100));
        }
        let row = s.summary("0".into(), Unmatched::default(), SummaryOptions::default());
        assert_eq!(row.late, 2);
        assert_eq!(row.late_by_mean_us, Some(60_000.0));
        assert_eq!(row.late_by_max_us, Some(90_000));
    }

    /// First attempts answered in the order seq 0, 2, 1, 3: seq 1 comes after 2, one reordered.
    #[test]
    fn reordered_first_attempts_are_counted() {
        let mut s = ClientStats::default();
        for seq in [0, 2, 1, 3] {
            let mut r = record(Outcome::Reply, Some(50));
            r.id.seq = seq;
            s.add(&r, Duration::from_millis(100));
        }
        assert_eq!(s.reordered, 1);
    }

    /// Two successes (1 and 3 attempts) and one failure (3 attempts) out of 7 packets sent
    /// (1 + 3 + 3, of which 2 replies and 5 timeouts): success ratio 2/3, 2 attempts per
    /// success, goodput 2/7.
    #[test]
    fn retries_cost_is_summarised() {
        use crate::metrics::logical::{LogicalOutcome, LogicalRecord};
        let mut s = ClientStats::default();
        for _ in 0..2 {
            s.add(
                &record(Outcome::Reply, Some(10)),
                Duration::from_millis(100),
            );
        }
        for _ in 0..5 {
            s.add(&record(Outcome::Timeout, None), Duration::from_millis(100));
        }
        let l = |attempts, outcome, tts: Option<u64>| LogicalRecord {
            index: 0,
            client: 0,
            seq: 0,
            attempts,
            outcome,
            first_sent: Some(Instant::ZERO),
            time_to_success: tts.map(Duration::from_micros),
        };
        s.add_logical(&l(1, LogicalOutcome::Success, Some(10)));
        s.add_logical(&l(3, LogicalOutcome::Success, Some(200_010)));
        s.add_logical(&l(3, LogicalOutcome::Failed, None));
        let row = s.summary("0".into(), Unmatched::default(), SummaryOptions::default());
        assert_eq!((row.logical_requests, row.successes), (3, 2));
        assert!((row.success_ratio.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(row.attempts_per_success, Some(2.0));
        assert!((row.goodput_ratio.unwrap() - 2.0 / 7.0).abs() < 1e-12);
        assert_eq!(row.tts_p50_us, Some(10));
    }
}
