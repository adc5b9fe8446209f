//! The shape of every file of a results folder: one `serde` struct per row (or per document),
//! from which the headers come, and the rules a row's values obey.
//!
//! `summary.csv` and `summary.json` are written through these structs (`csv::Writer`,
//! `serde_json`); the per-packet rows of `requests.csv`, `logical.csv` and `loss_periods.csv`
//! are written by the recorder's own row builder on the simulator's hot path, and a test
//! (`tests/schema_bytes.rs`) proves its bytes are `csv::Writer`'s for these structs. Columns
//! added by the `[link]` layer are `Option` fields at the end, written only when the scenario
//! has a link, so both shapes read. Invariant: a row that deserializes and passes
//! [`SummaryRecord::check`] is one losslab could have written.

use crate::impair::loss::LossModel;
use crate::impair::path::LinkCounts;
use crate::metrics::stats::{INFINITE_RTT, SummaryRow};
use crate::tr;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// A number written with `D` decimals (`summary.csv` fixes each column's precision).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dec<const D: usize>(pub f64);

impl<const D: usize> Serialize for Dec<D> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{:.*}", D, self.0))
    }
}

impl<'de, const D: usize> Deserialize<'de> for Dec<D> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        let text = String::deserialize(d)?;
        match text.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Dec(v)),
            _ => Err(De::Error::custom(format!(
                "`{text}` is not a finite number"
            ))),
        }
    }
}

/// An RTT percentile in µs, or `inf` when it falls on a lost packet counted as infinite
/// (RFC 2681).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rtt {
    Us(u64),
    Inf,
}

impl Rtt {
    pub fn from_u64(v: u64) -> Rtt {
        match v {
            INFINITE_RTT => Rtt::Inf,
            v => Rtt::Us(v),
        }
    }
}

impl Serialize for Rtt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Rtt::Us(v) => s.serialize_u64(*v),
            Rtt::Inf => s.serialize_str("inf"),
        }
    }
}

impl<'de> Deserialize<'de> for Rtt {
    /// From a CSV cell (`123`, `inf`) or a JSON value (`123`, `"inf"`).
    fn deserialize<De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Rtt;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number of µs or `inf`")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Rtt, E> {
                Ok(Rtt::Us(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Rtt, E> {
                u64::try_from(v)
                    .map(Rtt::Us)
                    .map_err(|_| E::custom(tr!("schema-rtt", text = v.to_string())))
            }
            /// The `csv` crate hands `inf` over as a float (it infers the cell's type).
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Rtt, E> {
                match v {
                    f64::INFINITY => Ok(Rtt::Inf),
                    _ => Err(E::custom(tr!("schema-rtt", text = v.to_string()))),
                }
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Rtt, E> {
                match text.trim() {
                    "inf" => Ok(Rtt::Inf),
                    t => t
                        .parse()
                        .map(Rtt::Us)
                        .map_err(|_| E::custom(tr!("schema-rtt", text = text))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// `summary.csv`'s `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Complete,
    Interrupted,
}

/// `summary.csv`'s `rtt_lost`: whether percentiles count lost packets as infinite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RttLost {
    Excluded,
    Infinite,
}

/// One row of `summary.csv`: a client (`scope` = its id) or `all`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryRecord {
    pub scope: String,
    pub sent: u64,
    pub replies: u64,
    pub timeouts: u64,
    pub loss_ratio: Option<Dec<6>>,
    pub loss_ci_low: Option<Dec<6>>,
    pub loss_ci_high: Option<Dec<6>>,
    pub rtt_min_us: Option<u64>,
    pub rtt_p50_us: Option<Rtt>,
    pub rtt_p90_us: Option<Rtt>,
    pub rtt_p99_us: Option<Rtt>,
    pub rtt_max_us: Option<u64>,
    pub rtt_mean_us: Option<Dec<1>>,
    pub late: u64,
    pub duplicates: u64,
    pub stray: u64,
    pub corrupted: u64,
    pub interrupted: u64,
    pub errors: u64,
    pub tmax_us: u64,
    pub rtt_lost: RttLost,
    pub late_by_mean_us: Option<Dec<1>>,
    pub late_by_max_us: Option<u64>,
    pub reordered: u64,
    pub first_attempts: u64,
    pub first_attempt_losses: u64,
    pub loss_periods: u64,
    pub loss_period_mean: Option<Dec<4>>,
    pub loss_period_max: Option<u64>,
    pub inter_loss_period_mean: Option<Dec<4>>,
    pub loss_distance_mean: Option<Dec<4>>,
    pub ipdv_mean_us: Option<Dec<1>>,
    pub ipdv_abs_p99_us: Option<u64>,
    pub jitter_us: Option<Dec<1>>,
    pub logical_requests: u64,
    pub successes: u64,
    pub success_ratio: Option<Dec<6>>,
    pub attempts_per_success: Option<Dec<4>>,
    pub goodput_ratio: Option<Dec<6>>,
    pub tts_p50_us: Option<Rtt>,
    pub tts_p99_us: Option<Rtt>,
    /// The `[link]` layer's counts, only in runs with a link (before `status`, as written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_request_packets: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_request_dropped: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_request_duplicated: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_reply_packets: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_reply_dropped: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_reply_duplicated: Option<u64>,
    pub status: Status,
}

fn dec<const D: usize>(v: Option<f64>) -> Option<Dec<D>> {
    v.map(Dec)
}

fn rtt(v: Option<u64>) -> Option<Rtt> {
    v.map(Rtt::from_u64)
}

impl SummaryRecord {
    /// The row `losslab run` writes for `row`.
    pub fn from_row(row: &SummaryRow, status: Status) -> SummaryRecord {
        SummaryRecord {
            scope: row.scope.clone(),
            sent: row.sent,
            replies: row.replies,
            timeouts: row.timeouts,
            loss_ratio: dec(row.loss_ratio),
            loss_ci_low: dec(row.loss_ci_low),
            loss_ci_high: dec(row.loss_ci_high),
            rtt_min_us: row.rtt_min_us,
            rtt_p50_us: rtt(row.rtt_p50_us),
            rtt_p90_us: rtt(row.rtt_p90_us),
            rtt_p99_us: rtt(row.rtt_p99_us),
            rtt_max_us: row.rtt_max_us,
            rtt_mean_us: dec(row.rtt_mean_us),
            late: row.late,
            duplicates: row.duplicates,
            stray: row.stray,
            corrupted: row.corrupted,
            interrupted: row.interrupted,
            errors: row.errors,
            tmax_us: row.tmax_us,
            rtt_lost: rtt_lost(row.rtt_lost),
            late_by_mean_us: dec(row.late_by_mean_us),
            late_by_max_us: row.late_by_max_us,
            reordered: row.reordered,
            first_attempts: row.first_attempts,
            first_attempt_losses: row.first_attempt_losses,
            loss_periods: row.loss_periods,
            loss_period_mean: dec(row.loss_period_mean),
            loss_period_max: row.loss_period_max,
            inter_loss_period_mean: dec(row.inter_loss_period_mean),
            loss_distance_mean: dec(row.loss_distance_mean),
            ipdv_mean_us: dec(row.ipdv_mean_us),
            ipdv_abs_p99_us: row.ipdv_abs_p99_us,
            jitter_us: dec(row.jitter_us),
            logical_requests: row.logical_requests,
            successes: row.successes,
            success_ratio: dec(row.success_ratio),
            attempts_per_success: dec(row.attempts_per_success),
            goodput_ratio: dec(row.goodput_ratio),
            tts_p50_us: rtt(row.tts_p50_us),
            tts_p99_us: rtt(row.tts_p99_us),
            link_request_packets: None,
            link_request_dropped: None,
            link_request_duplicated: None,
            link_reply_packets: None,
            link_reply_dropped: None,
            link_reply_duplicated: None,
            status,
        }
    }

    /// The rules every row losslab writes obeys; the first broken one as (column, rule).
    /// Ratios are written with 6 decimals, so comparisons allow the rounding of the last one.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        const ROUND: f64 = 1e-6;
        let ratio = |name: &'static str, v: Option<Dec<6>>| match v {
            Some(Dec(x)) if !(-ROUND..=1.0 + ROUND).contains(&x) => {
                Err((name, tr!("schema-ratio", x = x.to_string())))
            }
            _ => Ok(()),
        };
        ratio("loss_ratio", self.loss_ratio)?;
        ratio("loss_ci_low", self.loss_ci_low)?;
        ratio("loss_ci_high", self.loss_ci_high)?;
        ratio("success_ratio", self.success_ratio)?;
        ratio("goodput_ratio", self.goodput_ratio)?;
        if self.scope != "all" && self.scope.parse::<u32>().is_err() {
            return Err(("scope", tr!("schema-scope", scope = self.scope.as_str())));
        }
        let settled = [self.replies, self.timeouts, self.interrupted, self.errors]
            .iter()
            .try_fold(0u64, |a, b| a.checked_add(*b));
        if settled != Some(self.sent) {
            return Err((
                "sent",
                tr!(
                    "schema-sent",
                    sent = self.sent,
                    replies = self.replies,
                    timeouts = self.timeouts,
                    interrupted = self.interrupted,
                    errors = self.errors
                ),
            ));
        }
        let resolved = self.replies + self.timeouts;
        match (self.loss_ratio, resolved) {
            (None, 0) => {}
            (Some(Dec(l)), n) if n > 0 => {
                let want = self.timeouts as f64 / n as f64;
                if (l - want).abs() > ROUND {
                    return Err((
                        "loss_ratio",
                        tr!(
                            "schema-loss-ratio",
                            l = l.to_string(),
                            timeouts = self.timeouts,
                            n = n,
                            want = format!("{want:.6}")
                        ),
                    ));
                }
            }
            (l, n) => {
                return Err((
                    "loss_ratio",
                    tr!(
                        "schema-loss-ratio-resolved",
                        l = l.map_or(tr!("schema-empty"), |l| l.0.to_string()),
                        n = n
                    ),
                ));
            }
        }
        if let (Some(Dec(lo)), Some(Dec(l)), Some(Dec(hi))) =
            (self.loss_ci_low, self.loss_ratio, self.loss_ci_high)
            && !(lo <= l + ROUND && l <= hi + ROUND)
        {
            return Err((
                "loss_ci_low",
                tr!(
                    "schema-interval",
                    lo = lo.to_string(),
                    hi = hi.to_string(),
                    l = l.to_string()
                ),
            ));
        }
        if self.late > self.timeouts {
            return Err((
                "late",
                tr!("schema-late", late = self.late, timeouts = self.timeouts),
            ));
        }
        if self.first_attempt_losses > self.first_attempts || self.first_attempts > self.sent {
            return Err((
                "first_attempts",
                tr!(
                    "schema-first-attempts",
                    losses = self.first_attempt_losses,
                    attempts = self.first_attempts,
                    sent = self.sent
                ),
            ));
        }
        if self.successes > self.logical_requests {
            return Err((
                "successes",
                tr!(
                    "schema-successes",
                    successes = self.successes,
                    requests = self.logical_requests
                ),
            ));
        }
        let order = [
            ("rtt_min_us", self.rtt_min_us.map(Rtt::Us)),
            ("rtt_p50_us", self.rtt_p50_us),
            ("rtt_p90_us", self.rtt_p90_us),
            ("rtt_p99_us", self.rtt_p99_us),
        ];
        ordered(&order)?;
        ordered(&[
            ("tts_p50_us", self.tts_p50_us),
            ("tts_p99_us", self.tts_p99_us),
        ])?;
        if let (Some(min), Some(max)) = (self.rtt_min_us, self.rtt_max_us)
            && min > max
        {
            return Err(("rtt_max_us", tr!("schema-rtt-max", max = max, min = min)));
        }
        Ok(())
    }

    /// The counts an `all` row adds up from the client rows.
    fn counts(&self) -> [(&'static str, u64); 12] {
        [
            ("sent", self.sent),
            ("replies", self.replies),
            ("timeouts", self.timeouts),
            ("late", self.late),
            ("duplicates", self.duplicates),
            ("stray", self.stray),
            ("corrupted", self.corrupted),
            ("interrupted", self.interrupted),
            ("errors", self.errors),
            ("first_attempts", self.first_attempts),
            ("logical_requests", self.logical_requests),
            ("successes", self.successes),
        ]
    }
}

/// Percentiles in rising order: each defined one at least the one before it.
fn ordered(values: &[(&'static str, Option<Rtt>)]) -> Result<(), (&'static str, String)> {
    let mut last: Option<(&str, Rtt)> = None;
    for &(name, v) in values {
        if let Some(v) = v {
            if let Some((before, b)) = last
                && v < b
            {
                return Err((
                    name,
                    tr!(
                        "schema-percentiles",
                        v = format!("{v:?}"),
                        before = before,
                        b = format!("{b:?}")
                    ),
                ));
            }
            last = Some((name, v));
        }
    }
    Ok(())
}

/// The rules between the rows of one `summary.csv`: one `all` row, every scope once, and the
/// `all` row's counts the sum of the clients' (when there are client rows). Returns the line
/// and the broken rule's (column, text). `rows` holds (line, row).
pub fn check_table(rows: &[(u64, SummaryRecord)]) -> Result<(), (u64, &'static str, String)> {
    let mut seen: BTreeMap<&str, u64> = BTreeMap::new();
    for (line, r) in rows {
        if let Some(first) = seen.insert(&r.scope, *line) {
            return Err((
                *line,
                "scope",
                tr!(
                    "schema-scope-twice",
                    scope = r.scope.as_str(),
                    first = first
                ),
            ));
        }
    }
    let Some((all_line, all)) = rows.iter().find(|(_, r)| r.scope == "all") else {
        return Err((
            rows.last().map_or(1, |r| r.0),
            "scope",
            tr!("schema-no-all"),
        ));
    };
    let clients: Vec<&SummaryRecord> = rows
        .iter()
        .filter(|(_, r)| r.scope != "all")
        .map(|(_, r)| r)
        .collect();
    if clients.is_empty() {
        return Ok(());
    }
    for (i, (name, total)) in all.counts().iter().enumerate() {
        let sum: u128 = clients.iter().map(|c| u128::from(c.counts()[i].1)).sum();
        if sum != u128::from(*total) {
            return Err((
                *all_line,
                name,
                tr!("schema-sum", total = *total, sum = sum.to_string()),
            ));
        }
    }
    Ok(())
}

/// The columns every `summary.csv` of this version has, in the order it writes them: the
/// header `csv::Writer` derives from [`SummaryRecord`] (without the optional link columns).
pub fn summary_columns() -> Vec<String> {
    let row = crate::metrics::stats::ClientStats::default().summary(
        "all".into(),
        Default::default(),
        Default::default(),
    );
    let text = summary_csv(&[row], None, Status::Complete);
    let text = String::from_utf8(text).expect("the header is ASCII");
    text.lines()
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::to_string)
        .collect()
}

/// Writes `summary.csv` through `csv::Writer`: the header from [`SummaryRecord`].
/// With `link`, one [`LinkCounts`] per row adds the `[link]` columns.
pub fn summary_csv(rows: &[SummaryRow], link: Option<&[LinkCounts]>, status: Status) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for (i, row) in rows.iter().enumerate() {
        let mut record = SummaryRecord::from_row(row, status);
        if let Some(c) = link.and_then(|l| l.get(i)) {
            record.link_request_packets = Some(c.request.packets);
            record.link_request_dropped = Some(c.request.dropped);
            record.link_request_duplicated = Some(c.request.duplicated);
            record.link_reply_packets = Some(c.reply.packets);
            record.link_reply_dropped = Some(c.reply.dropped);
            record.link_reply_duplicated = Some(c.reply.duplicated);
        }
        w.serialize(record)
            .expect("a summary row always serializes");
    }
    w.into_inner().expect("writing to memory cannot fail")
}

/// One row of `requests.csv`: one attempt of one request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRow {
    pub client: u32,
    pub seq: u32,
    pub attempt: u8,
    pub sent_us: u64,
    /// `reply`, `timeout`, `interrupted`, `connect_error`, `error`.
    pub outcome: String,
    pub rtt_us: Option<u64>,
    /// What the server did (`answered`, `dropped`, ...), `unseen`, or empty without a server
    /// in the process.
    pub server_action: String,
    pub late_rtt_us: Option<u64>,
    pub send_lag_us: u64,
    pub connect_us: Option<u64>,
    pub server_delay_us: Option<u64>,
    pub loss_state: String,
    /// Copies the `[link]` dropped, only in runs with a link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_drops: Option<u64>,
}

/// One row of `loss_periods.csv`: an RFC 3357 loss period of a client's first attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LossPeriodRow {
    pub client: u32,
    pub start_seq: u32,
    pub length: u64,
}

/// One row of `logical.csv`: a request with its retries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogicalRow {
    pub client: u32,
    pub seq: u32,
    pub attempts: u64,
    /// `success`, `failed`, `interrupted`, `error`.
    pub outcome: String,
    pub first_sent_us: Option<u64>,
    pub time_to_success_us: Option<u64>,
}

/// One row of `link.csv` (runs with a `[link]`): one packet's fate on the link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRow {
    pub t_us: u64,
    pub direction: String,
    pub client: u32,
    pub protocol: String,
    pub bytes: u64,
    pub key: String,
    pub fate: String,
    pub rule: String,
    pub delay_us: Option<u64>,
}

/// One row of `summary.json`'s `summary` list: the numbers of `summary.csv` at full
/// precision. Fields later versions added default when an older folder lacks them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryJsonRow {
    pub scope: String,
    pub sent: u64,
    pub replies: u64,
    pub timeouts: u64,
    #[serde(default)]
    pub loss_ratio: Option<f64>,
    #[serde(default)]
    pub loss_ci_low: Option<f64>,
    #[serde(default)]
    pub loss_ci_high: Option<f64>,
    #[serde(default)]
    pub rtt_min_us: Option<u64>,
    #[serde(default)]
    pub rtt_p50_us: Option<Rtt>,
    #[serde(default)]
    pub rtt_p90_us: Option<Rtt>,
    #[serde(default)]
    pub rtt_p99_us: Option<Rtt>,
    #[serde(default)]
    pub rtt_max_us: Option<u64>,
    #[serde(default)]
    pub rtt_mean_us: Option<f64>,
    #[serde(default)]
    pub late: u64,
    #[serde(default)]
    pub duplicates: u64,
    #[serde(default)]
    pub stray: u64,
    #[serde(default)]
    pub corrupted: u64,
    #[serde(default)]
    pub interrupted: u64,
    #[serde(default)]
    pub errors: u64,
    #[serde(default)]
    pub tmax_us: u64,
    #[serde(default)]
    pub rtt_lost: Option<RttLost>,
    #[serde(default)]
    pub late_by_mean_us: Option<f64>,
    #[serde(default)]
    pub late_by_max_us: Option<u64>,
    #[serde(default)]
    pub reordered: u64,
    #[serde(default)]
    pub first_attempts: u64,
    #[serde(default)]
    pub first_attempt_losses: u64,
    #[serde(default)]
    pub loss_periods: u64,
    #[serde(default)]
    pub loss_period_mean: Option<f64>,
    #[serde(default)]
    pub loss_period_max: Option<u64>,
    #[serde(default)]
    pub inter_loss_period_mean: Option<f64>,
    #[serde(default)]
    pub loss_distance_mean: Option<f64>,
    #[serde(default)]
    pub ipdv_mean_us: Option<f64>,
    #[serde(default)]
    pub ipdv_abs_p99_us: Option<u64>,
    #[serde(default)]
    pub jitter_us: Option<f64>,
    #[serde(default)]
    pub logical_requests: u64,
    #[serde(default)]
    pub successes: u64,
    #[serde(default)]
    pub success_ratio: Option<f64>,
    #[serde(default)]
    pub attempts_per_success: Option<f64>,
    #[serde(default)]
    pub goodput_ratio: Option<f64>,
    #[serde(default)]
    pub tts_p50_us: Option<Rtt>,
    #[serde(default)]
    pub tts_p99_us: Option<Rtt>,
}

fn rtt_lost(text: &str) -> RttLost {
    match text {
        "infinite" => RttLost::Infinite,
        _ => RttLost::Excluded,
    }
}

impl From<&SummaryRow> for SummaryJsonRow {
    fn from(r: &SummaryRow) -> Self {
        SummaryJsonRow {
            scope: r.scope.clone(),
            sent: r.sent,
            replies: r.replies,
            timeouts: r.timeouts,
            loss_ratio: r.loss_ratio,
            loss_ci_low: r.loss_ci_low,
            loss_ci_high: r.loss_ci_high,
            rtt_min_us: r.rtt_min_us,
            rtt_p50_us: rtt(r.rtt_p50_us),
            rtt_p90_us: rtt(r.rtt_p90_us),
            rtt_p99_us: rtt(r.rtt_p99_us),
            rtt_max_us: r.rtt_max_us,
            rtt_mean_us: r.rtt_mean_us,
            late: r.late,
            duplicates: r.duplicates,
            stray: r.stray,
            corrupted: r.corrupted,
            interrupted: r.interrupted,
            errors: r.errors,
            tmax_us: r.tmax_us,
            rtt_lost: Some(rtt_lost(r.rtt_lost)),
            late_by_mean_us: r.late_by_mean_us,
            late_by_max_us: r.late_by_max_us,
            reordered: r.reordered,
            first_attempts: r.first_attempts,
            first_attempt_losses: r.first_attempt_losses,
            loss_periods: r.loss_periods,
            loss_period_mean: r.loss_period_mean,
            loss_period_max: r.loss_period_max,
            inter_loss_period_mean: r.inter_loss_period_mean,
            loss_distance_mean: r.loss_distance_mean,
            ipdv_mean_us: r.ipdv_mean_us,
            ipdv_abs_p99_us: r.ipdv_abs_p99_us,
            jitter_us: r.jitter_us,
            logical_requests: r.logical_requests,
            successes: r.successes,
            success_ratio: r.success_ratio,
            attempts_per_success: r.attempts_per_success,
            goodput_ratio: r.goodput_ratio,
            tts_p50_us: rtt(r.tts_p50_us),
            tts_p99_us: rtt(r.tts_p99_us),
        }
    }
}

/// `summary.json`'s `files`: the file names of each kind, `null` for one the run did not write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FilesJson {
    pub requests: Option<String>,
    pub summary: Option<String>,
    pub loss_periods: Option<String>,
    pub logical: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, Option<String>>,
}

/// `summary.json`'s `server`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerJson {
    pub kind: Option<String>,
    pub address: Option<String>,
    pub received: Option<u64>,
    pub answered: Option<u64>,
    pub dropped: Option<u64>,
    pub plain: Option<u64>,
}

/// `summary.json`'s `scenario.impair`: the loss model typed, the rest kept as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImpairJson {
    #[serde(default)]
    pub loss: Option<LossModel>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `summary.json`'s `scenario.clients`, the parts readers use; the rest kept as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientsJson {
    pub count: Option<u64>,
    pub requests: Option<u64>,
    pub retries: Option<u64>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `summary.json`'s `scenario`: the resolved scenario the run used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioJson {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub impair: Option<ImpairJson>,
    #[serde(default)]
    pub clients: Option<ClientsJson>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// `summary.json`, typed both ways. Fields that older versions did not write are `Option`
/// with `#[serde(default)]`; `sim_duration_s` and `link` appear only in the runs that have
/// them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SummaryJson {
    #[serde(default)]
    pub losslab_version: Option<String>,
    #[serde(default)]
    pub scenario_file: Option<String>,
    pub scenario: ScenarioJson,
    pub seed: u64,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub interrupted: Option<bool>,
    #[serde(default)]
    pub timeout_us: Option<u64>,
    #[serde(default)]
    pub late_window_us: Option<u64>,
    /// Null for TCP, which has no loss model.
    #[serde(default)]
    pub expected_loss: Option<f64>,
    #[serde(default)]
    pub expected_mean_loss_period: Option<f64>,
    #[serde(default)]
    pub loss_variance_factor: Option<f64>,
    /// How `loss_ci_low`/`loss_ci_high` were computed (absent before batch means).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss_ci_method: Option<String>,
    #[serde(default)]
    pub rtt_percentiles: Option<String>,
    #[serde(default)]
    pub retries: Option<u64>,
    #[serde(default)]
    pub backoff: Option<String>,
    #[serde(default)]
    pub tc_equivalent: Option<String>,
    #[serde(default)]
    pub duration_us: Option<u64>,
    #[serde(default)]
    pub server: Option<ServerJson>,
    #[serde(default)]
    pub ground_truth_mismatches: Option<u64>,
    #[serde(default)]
    pub files: Option<FilesJson>,
    /// The rows of `summary.csv` again, with full-precision numbers.
    #[serde(default)]
    pub summary: Vec<SummaryJsonRow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sim_duration_s: Option<f64>,
    /// The scenario's `[link]`, or the default simulated link's configuration (sim mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<serde_json::Value>,
    /// What crossed the `[link]` in all, per direction (runs with a link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_counts: Option<serde_json::Value>,
    /// The scenario's `[link]` in words (`loss random 10% (on both), 5ms each way`), for
    /// reports (runs with a link).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_description: Option<String>,
    /// The sweep this run is one point and seed of (runs made by `losslab sweep` or by the
    /// commands its `--list` prints); absent for a plain run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepJson>,
}

/// `summary.json`'s `sweep`: which sweep, which point of its grid, with what parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepJson {
    /// The sweep's id: a hash of its base scenario's text and its grid.
    pub id: String,
    /// The point's id (its folder's name): a slug of the parameters and their hash.
    pub point: String,
    /// Each swept field and the value this point gives it (a string as its text, any other
    /// TOML value as TOML writes it).
    pub parameters: BTreeMap<String, String>,
}

impl SummaryJson {
    /// The text `losslab run` writes: keys sorted at every level (through `serde_json::Value`,
    /// whose maps are sorted), pretty-printed, one final line end.
    pub fn to_text(&self) -> serde_json::Result<String> {
        let mut text = serde_json::to_string_pretty(&serde_json::to_value(self)?)?;
        text.push('\n');
        Ok(text)
    }

    /// The values readers rely on, checked: a ratio in [0, 1], a positive variance factor, file
    /// names inside the folder. The first broken rule as (field, rule).
    pub fn check(&self) -> Result<(), (String, String)> {
        let in_unit = |name: &str, v: Option<f64>| match v {
            Some(x) if !(0.0..=1.0).contains(&x) => Err((
                name.to_string(),
                tr!("schema-probability", x = x.to_string()),
            )),
            _ => Ok(()),
        };
        in_unit("expected_loss", self.expected_loss)?;
        if let Some(f) = self.loss_variance_factor
            && !(f.is_finite() && f > 0.0)
        {
            return Err((
                "loss_variance_factor".into(),
                tr!("schema-positive", x = f.to_string()),
            ));
        }
        if let Some(m) = self.expected_mean_loss_period
            && !(m.is_finite() && m >= 1.0)
        {
            return Err((
                "expected_mean_loss_period".into(),
                tr!("schema-period", x = m.to_string()),
            ));
        }
        if let Some(files) = &self.files {
            let named = [
                ("requests", &files.requests),
                ("summary", &files.summary),
                ("loss_periods", &files.loss_periods),
                ("logical", &files.logical),
            ];
            let others = files.other.iter().map(|(k, v)| (k.as_str(), v));
            for (key, name) in named.into_iter().chain(others) {
                if let Some(n) = name
                    && (n.is_empty()
                        || n.contains('/')
                        || n.contains('\\')
                        || n == "."
                        || n == "..")
                {
                    return Err((
                        format!("files.{key}"),
                        tr!("schema-file-name", name = n.as_str()),
                    ));
                }
            }
        }
        if let Some(model) = self.scenario.impair.as_ref().and_then(|i| i.loss)
            && let Err(e) = model.validate()
        {
            return Err(("scenario.impair.loss".into(), e));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> SummaryRecord {
        let row: SummaryRow = crate::metrics::stats::ClientStats::default().summary(
            "all".into(),
            Default::default(),
            Default::default(),
        );
        SummaryRecord::from_row(&row, Status::Complete)
    }

    #[test]
    fn impossible_rows_are_refused_by_rule() {
        let mut r = record();
        r.sent = 10;
        r.replies = 6;
        r.timeouts = 4;
        r.first_attempts = 10;
        r.loss_ratio = Some(Dec(0.4));
        r.loss_ci_low = Some(Dec(0.1));
        r.loss_ci_high = Some(Dec(0.7));
        assert_eq!(r.check(), Ok(()));
        let broken = |f: &dyn Fn(&mut SummaryRecord)| {
            let mut x = r.clone();
            f(&mut x);
            x.check().unwrap_err().0
        };
        assert_eq!(broken(&|x| x.loss_ratio = Some(Dec(2.29))), "loss_ratio");
        assert_eq!(broken(&|x| x.loss_ratio = Some(Dec(0.5))), "loss_ratio");
        assert_eq!(
            broken(&|x| x.loss_ci_high = Some(Dec(1.8e19))),
            "loss_ci_high"
        );
        assert_eq!(broken(&|x| x.sent = 11), "sent");
        assert_eq!(broken(&|x| x.late = 5), "late");
        assert_eq!(broken(&|x| x.scope = "seven".into()), "scope");
        assert_eq!(
            broken(&|x| {
                x.rtt_p50_us = Some(Rtt::Us(90));
                x.rtt_p90_us = Some(Rtt::Us(80));
            }),
            "rtt_p90_us"
        );
        // `inf` is above every number (RFC 2681: lost packets as infinite RTTs).
        let mut x = r.clone();
        x.rtt_p90_us = Some(Rtt::Us(80));
        x.rtt_p99_us = Some(Rtt::Inf);
        assert_eq!(x.check(), Ok(()));
    }

    #[test]
    fn the_all_row_must_add_up() {
        let mut a = record();
        a.scope = "0".into();
        a.sent = 3;
        a.replies = 3;
        let mut all = a.clone();
        all.scope = "all".into();
        assert_eq!(check_table(&[(2, a.clone()), (3, all.clone())]), Ok(()));
        all.sent = 4;
        all.replies = 4;
        let e = check_table(&[(2, a.clone()), (3, all)]).unwrap_err();
        assert_eq!((e.0, e.1), (3, "sent"));
        let e = check_table(&[(2, a.clone()), (3, a)]).unwrap_err();
        assert!(e.2.contains("a second row with scope `0`"), "{e:?}");
    }
}
