//! One streaming pass over a results folder's per-packet files, into fixed-size state.
//!
//! `requests.csv` can hold millions of rows, written in the order packets finished rather than
//! the order they were sent. The scan never keeps rows: RTTs go into HDR histograms (overall,
//! late, per client), losses into time buckets whose width doubles when the run outlasts them,
//! attempts into counters per attempt number, and first attempts into a bounded reorder buffer
//! per client that releases them in seq order to find loss periods (RFC 3357 §4.2: a loss period
//! is a maximal run of consecutive lost packets). Invariant: memory depends on the number of
//! clients (at most [`MAX_CLIENTS`]), attempts and distinct burst lengths, never on the number
//! of rows.

use crate::results::read::CsvFile;
use anyhow::Result;
use hdrhistogram::Histogram;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// Time buckets kept for the loss-over-time plot; when a packet is sent past the last one, pairs
/// are merged and the width doubles.
pub const TIME_BUCKETS: usize = 2048;
/// How far ahead of the oldest missing seq a client's reorder buffer reaches. A first attempt
/// more than this many seqs ahead forces the buffer forward; the seqs skipped that way end any
/// loss period in progress (counted in `Scan::order_gaps`, never guessed as lost or received).
pub const REORDER_SPAN: u64 = 1 << 16;

/// Most distinct client ids `requests.csv` may hold when `summary.csv` does not list them: a
/// scenario's maximum ([`crate::scenario::MAX_CLIENTS`]).
pub const MAX_CLIENTS: usize = crate::scenario::MAX_CLIENTS as usize;

pub const OUTCOMES: [&str; 5] = ["reply", "timeout", "interrupted", "connect_error", "error"];
const REPLY: usize = 0;
const TIMEOUT: usize = 1;

pub fn new_histogram() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant digits is a valid precision")
}

/// First attempts lost and first attempts with a known fate (answered or lost), per slice of
/// send time. Retries are left out: a retry is sent because its request was just lost, so under
/// bursty loss it is lost more often than a packet at random, and counting it would lift the
/// curve above the loss the model gives each packet.
#[derive(Clone, Debug)]
pub struct Timeline {
    /// µs of send time per bucket.
    pub width_us: u64,
    /// (lost, lost + answered) per bucket.
    pub buckets: Vec<(u64, u64)>,
}

impl Default for Timeline {
    fn default() -> Self {
        Timeline {
            width_us: 1,
            buckets: Vec::new(),
        }
    }
}

impl Timeline {
    pub fn add(&mut self, sent_us: u64, lost: bool) {
        while sent_us / self.width_us >= TIME_BUCKETS as u64 {
            self.width_us *= 2;
            let merged: Vec<(u64, u64)> = self
                .buckets
                .chunks(2)
                .map(|c| c.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1)))
                .collect();
            self.buckets = merged;
        }
        let i = (sent_us / self.width_us) as usize;
        if self.buckets.len() <= i {
            self.buckets.resize(i + 1, (0, 0));
        }
        self.buckets[i].0 += u64::from(lost);
        self.buckets[i].1 += 1;
    }

    /// Trailing windows of at least `n` packets: for each bucket end, (time in µs, loss ratio
    /// of the fewest whole buckets back from there that hold `n` packets). Buckets before the
    /// first full window give no point.
    pub fn windows(&self, n: u64) -> Vec<(u64, f64)> {
        let mut out = Vec::new();
        let (mut lo, mut lost, mut total) = (0usize, 0u64, 0u64);
        for (hi, &(l, t)) in self.buckets.iter().enumerate() {
            lost += l;
            total += t;
            // Drop buckets from the back of the window while it still holds n without them.
            while lo < hi && total - self.buckets[lo].1 >= n {
                lost -= self.buckets[lo].0;
                total -= self.buckets[lo].1;
                lo += 1;
            }
            if total >= n && t > 0 {
                out.push(((hi as u64 + 1) * self.width_us, lost as f64 / total as f64));
            }
        }
        out
    }
}

/// First attempts of one client, released in seq order.
#[derive(Default)]
struct SeqOrder {
    /// The lowest seq not released yet.
    next: u64,
    /// Fate of seqs `next..`: 0 unknown, 1 lost, 2 answered, 3 neither (interrupted, error).
    pending: VecDeque<u8>,
    /// Length of the loss period in progress.
    run: u64,
}

/// Accumulates loss period lengths.
#[derive(Default)]
struct Periods {
    lengths: BTreeMap<u64, u64>,
}

impl Periods {
    fn end(&mut self, run: &mut u64) {
        if *run > 0 {
            *self.lengths.entry(*run).or_default() += 1;
            *run = 0;
        }
    }
}

impl SeqOrder {
    /// Records the fate of `seq`; returns how many seqs were skipped unseen to make room.
    fn insert(&mut self, seq: u64, fate: u8, periods: &mut Periods) -> u64 {
        if seq < self.next {
            return 0; // a second row for a released seq: the first one counted
        }
        let mut skipped = 0;
        // Release what the buffer holds (at most REORDER_SPAN seqs) until `seq` fits ...
        while seq - self.next >= REORDER_SPAN && !self.pending.is_empty() {
            if self.pop(periods) == 0 {
                skipped += 1;
            }
        }
        // ... and jump over the rest in one step: every seq between holds no row yet (the
        // buffer is empty), so each is skipped unseen and the loss period in progress ends. A
        // far seq (10^12 in a damaged file) then costs no more than a near one.
        if seq - self.next >= REORDER_SPAN {
            let jump = seq - self.next - (REORDER_SPAN - 1);
            self.next += jump;
            skipped += jump;
            periods.end(&mut self.run);
        }
        let i = (seq - self.next) as usize;
        if self.pending.len() <= i {
            self.pending.resize(i + 1, 0);
        }
        if self.pending[i] == 0 {
            self.pending[i] = fate;
        }
        while self.pending.front().is_some_and(|&f| f != 0) {
            self.pop(periods);
        }
        skipped
    }

    /// Releases the front seq; returns its fate.
    fn pop(&mut self, periods: &mut Periods) -> u8 {
        let fate = self.pending.pop_front().unwrap_or(0);
        self.next += 1;
        if fate == 1 {
            self.run += 1;
        } else {
            periods.end(&mut self.run);
        }
        fate
    }

    /// Releases everything at the end of the file; returns how many seqs never had a row.
    fn drain(&mut self, periods: &mut Periods) -> u64 {
        let mut missing = 0;
        while !self.pending.is_empty() {
            if self.pop(periods) == 0 {
                missing += 1;
            }
        }
        periods.end(&mut self.run);
        missing
    }
}

/// Everything the report draws, from one pass over `requests.csv`.
pub struct Scan {
    pub rows: u64,
    /// Rows per outcome, in [`OUTCOMES`] order.
    pub outcomes: [u64; 5],
    /// RTTs of replies (µs).
    pub rtt: Histogram<u64>,
    /// For timeouts whose reply still came: how long after sending (µs).
    pub late: Histogram<u64>,
    /// RTTs of replies per client id.
    pub per_client: BTreeMap<u32, Histogram<u64>>,
    /// Loss of first attempts over send time.
    pub timeline: Timeline,
    /// Loss period length → how many periods had it (from `requests.csv` when computed there).
    pub periods: BTreeMap<u64, u64>,
    /// First attempts (attempt 0) and how many of them were lost.
    pub first_attempts: u64,
    pub first_lost: u64,
    /// Seqs the reorder buffer had to pass without a row (see [`REORDER_SPAN`]).
    pub order_gaps: u64,
    /// Rows per attempt number, and replies among them.
    pub attempt_rows: Vec<u64>,
    pub attempt_replies: Vec<u64>,
}

impl Scan {
    /// No rows read: what a folder without `requests.csv` gives.
    pub fn empty() -> Scan {
        Scan {
            rows: 0,
            outcomes: [0; 5],
            rtt: new_histogram(),
            late: new_histogram(),
            per_client: BTreeMap::new(),
            timeline: Timeline::default(),
            periods: BTreeMap::new(),
            first_attempts: 0,
            first_lost: 0,
            order_gaps: 0,
            attempt_rows: Vec::new(),
            attempt_replies: Vec::new(),
        }
    }

    /// Packets with a known fate: answered in time or lost.
    pub fn decided(&self) -> u64 {
        self.outcomes[REPLY] + self.outcomes[TIMEOUT]
    }

    pub fn replies(&self) -> u64 {
        self.outcomes[REPLY]
    }

    pub fn timeouts(&self) -> u64 {
        self.outcomes[TIMEOUT]
    }

    /// First attempts with a known fate: the packets of the loss-over-time figure.
    pub fn first_decided(&self) -> u64 {
        self.timeline.buckets.iter().map(|b| b.1).sum()
    }

    /// Highest attempt number seen (0 when nothing was retried).
    pub fn max_attempt(&self) -> usize {
        self.attempt_rows.len().saturating_sub(1)
    }
}

/// Reads `requests.csv`; loss periods are computed from it when `periods` is true.
///
/// `clients` are the ids `summary.csv` lists: a row of any other client is an error (the file
/// belongs to another run, or is damaged). Without that list, at most [`MAX_CLIENTS`] distinct
/// ids are accepted. Either way the per-client state (a histogram and a reorder buffer each)
/// stays bounded whatever the file holds.
pub fn scan_requests(path: &Path, periods: bool, clients: Option<&BTreeSet<u32>>) -> Result<Scan> {
    let mut r = CsvFile::open(path)?;
    let client = r.column("client")?;
    let seq = r.column("seq")?;
    let attempt = r.column("attempt")?;
    let sent = r.column("sent_us")?;
    let outcome = r.column("outcome")?;
    let rtt = r.column("rtt_us")?;
    let late = r.optional_column("late_rtt_us");

    let mut s = Scan::empty();
    let mut orders: BTreeMap<u32, SeqOrder> = BTreeMap::new();
    let mut seen: BTreeSet<u32> = BTreeSet::new();
    let mut acc = Periods::default();
    while r.next_row()? {
        let c = r.u64(client)?;
        let c = u32::try_from(c)
            .map_err(|_| r.error(client, &format!("{c} is larger than a client id can be")))?;
        if !seen.contains(&c) {
            match clients {
                Some(ids) if !ids.contains(&c) => {
                    return Err(r.error(
                        client,
                        &format!(
                            "client {c} has no row in summary.csv (it lists {}): the file \
                             belongs to another run or is damaged",
                            id_list(ids)
                        ),
                    ));
                }
                None if seen.len() >= MAX_CLIENTS => {
                    return Err(r.error(
                        client,
                        &format!(
                            "client {c} is the {}th distinct client id, but a scenario has at \
                             most {MAX_CLIENTS} clients: the file is damaged",
                            MAX_CLIENTS + 1
                        ),
                    ));
                }
                _ => {}
            }
            seen.insert(c);
        }
        let q = r.u64(seq)?;
        let a = r.u64(attempt)?;
        if a > 255 {
            return Err(r.error(
                attempt,
                &format!("{a} is more attempts than losslab sends (at most 100 retries)"),
            ));
        }
        let a = a as usize;
        let t = r.u64(sent)?;
        let o = r.word(outcome, &OUTCOMES)?;
        s.rows += 1;
        s.outcomes[o] += 1;
        if s.attempt_rows.len() <= a {
            s.attempt_rows.resize(a + 1, 0);
            s.attempt_replies.resize(a + 1, 0);
        }
        s.attempt_rows[a] += 1;
        match o {
            REPLY => {
                let v = r
                    .opt_u64(rtt)?
                    .ok_or_else(|| r.error(rtt, "empty, but a reply always has an RTT"))?;
                record(&mut s.rtt, v);
                record(s.per_client.entry(c).or_insert_with(new_histogram), v);
                s.attempt_replies[a] += 1;
                if a == 0 {
                    s.timeline.add(t, false);
                }
            }
            TIMEOUT => {
                if let Some(col) = late
                    && let Some(v) = r.opt_u64(col)?
                {
                    record(&mut s.late, v);
                }
                if a == 0 {
                    s.timeline.add(t, true);
                }
            }
            _ => {}
        }
        if a == 0 {
            s.first_attempts += 1;
            s.first_lost += u64::from(o == TIMEOUT);
            if periods {
                let fate = match o {
                    TIMEOUT => 1,
                    REPLY => 2,
                    _ => 3,
                };
                s.order_gaps += orders.entry(c).or_default().insert(q, fate, &mut acc);
            }
        }
    }
    for order in orders.values_mut() {
        s.order_gaps += order.drain(&mut acc);
    }
    s.periods = acc.lengths;
    Ok(s)
}

/// The row's `client` is one `summary.csv` lists (when it lists any): a row of another client
/// belongs to another run, or the file is damaged.
fn known_client(r: &CsvFile, col: usize, clients: Option<&BTreeSet<u32>>) -> Result<()> {
    let c = r.u64(col)?;
    match clients {
        Some(ids) if !u32::try_from(c).is_ok_and(|c| ids.contains(&c)) => Err(r.error(
            col,
            &format!(
                "client {c} has no row in summary.csv (it lists {}): the file belongs to \
                 another run or is damaged",
                id_list(ids)
            ),
        )),
        _ => Ok(()),
    }
}

/// `0, 1, 2` or `0, 1, ..., 511` for an error message.
fn id_list(ids: &BTreeSet<u32>) -> String {
    let shown: Vec<String> = ids.iter().take(3).map(u32::to_string).collect();
    match (ids.len(), ids.last()) {
        (n, Some(last)) if n > 4 => format!("{}, ..., {last}", shown.join(", ")),
        _ => ids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn record(h: &mut Histogram<u64>, v: u64) {
    // `record` grows the histogram's range; an RTT in µs always fits.
    h.record(v)
        .expect("an auto-resizing histogram records any µs value");
}

/// Loss period lengths from `loss_periods.csv` (`client,start_seq,length`).
pub fn read_loss_periods(
    path: &Path,
    clients: Option<&BTreeSet<u32>>,
) -> Result<BTreeMap<u64, u64>> {
    let mut r = CsvFile::open(path)?;
    let client = r.column("client")?;
    r.column("start_seq")?;
    let length = r.column("length")?;
    let mut out = BTreeMap::new();
    while r.next_row()? {
        known_client(&r, client, clients)?;
        let l = r.u64(length)?;
        if l == 0 {
            return Err(r.error(length, "0, but a loss period has at least one loss"));
        }
        *out.entry(l).or_default() += 1;
    }
    Ok(out)
}

/// Logical requests by number of attempts and outcome, from `logical.csv`.
#[derive(Clone, Debug, Default)]
pub struct Logical {
    /// attempts → (success, failed, other)
    pub by_attempts: BTreeMap<u64, (u64, u64, u64)>,
}

impl Logical {
    pub fn total(&self) -> u64 {
        self.by_attempts.values().map(|v| v.0 + v.1 + v.2).sum()
    }
}

pub fn read_logical(path: &Path, clients: Option<&BTreeSet<u32>>) -> Result<Logical> {
    let mut r = CsvFile::open(path)?;
    let client = r.column("client")?;
    let attempts = r.column("attempts")?;
    let outcome = r.column("outcome")?;
    let mut out = Logical::default();
    while r.next_row()? {
        known_client(&r, client, clients)?;
        let a = r.u64(attempts)?;
        let o = r.word(outcome, &["success", "failed", "interrupted", "error"])?;
        let e = out.by_attempts.entry(a).or_default();
        match o {
            0 => e.0 += 1,
            1 => e.1 += 1,
            _ => e.2 += 1,
        }
    }
    Ok(out)
}

/// Logical requests by attempts, reconstructed from per-attempt counts when there is no
/// `logical.csv`: a request reaching attempt k has exactly one row with attempt k, and only a
/// timeout is retried, so those answered at attempt k are the replies there and those that
/// gave up there are the rows at k that were not replies and went no further.
pub fn logical_from_attempts(s: &Scan) -> Logical {
    let mut out = Logical::default();
    for k in 0..s.attempt_rows.len() {
        let next = s.attempt_rows.get(k + 1).copied().unwrap_or(0);
        let ended_unanswered = (s.attempt_rows[k] - s.attempt_replies[k]).saturating_sub(next);
        if s.attempt_replies[k] + ended_unanswered > 0 {
            out.by_attempts
                .insert(k as u64 + 1, (s.attempt_replies[k], ended_unanswered, 0));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeline_doubles_its_width_and_keeps_counts() {
        let mut t = Timeline::default();
        for i in 0..10_000u64 {
            t.add(i * 1000, i % 4 == 0);
        }
        assert!(t.buckets.len() <= TIME_BUCKETS);
        let total: u64 = t.buckets.iter().map(|b| b.1).sum();
        let lost: u64 = t.buckets.iter().map(|b| b.0).sum();
        assert_eq!((lost, total), (2500, 10_000));
        assert_eq!(
            t.width_us, 8192,
            "10 s in at most 2048 buckets of a power of two µs"
        );
        let w = t.windows(400);
        assert!(!w.is_empty());
        for (_, ratio) in &w {
            assert!((ratio - 0.25).abs() < 0.01, "{ratio}");
        }
    }

    #[test]
    fn windows_hold_at_least_n_packets() {
        let mut t = Timeline {
            width_us: 10,
            buckets: vec![(1, 1), (0, 1), (1, 1), (1, 1), (0, 1)],
        };
        assert_eq!(
            t.windows(2),
            vec![(20, 0.5), (30, 0.5), (40, 1.0), (50, 0.5)]
        );
        t.buckets.push((0, 0));
        assert_eq!(t.windows(5).len(), 1, "an empty bucket adds no point");
    }

    #[test]
    fn loss_periods_in_seq_order_whatever_the_row_order() {
        // seq:  0 1 2 3 4 5 6 7   fate: L L R L L L R L   → periods 2, 3, 1
        let fates = [1u8, 1, 2, 1, 1, 1, 2, 1];
        let order = [3usize, 0, 7, 1, 6, 2, 5, 4];
        let mut p = Periods::default();
        let mut o = SeqOrder::default();
        for &i in &order {
            o.insert(i as u64, fates[i], &mut p);
        }
        assert_eq!(o.drain(&mut p), 0);
        assert_eq!(p.lengths, BTreeMap::from([(1, 1), (2, 1), (3, 1)]));
    }

    #[test]
    fn the_reorder_buffer_stays_bounded() {
        let mut p = Periods::default();
        let mut o = SeqOrder::default();
        o.insert(1, 1, &mut p); // seq 0 never comes
        let skipped = o.insert(REORDER_SPAN + 5, 1, &mut p);
        assert_eq!(
            skipped, 5,
            "seqs 0 and 2..=5 passed unseen; seq 1 was known"
        );
        assert!(o.pending.len() as u64 <= REORDER_SPAN);
        o.drain(&mut p);
        assert_eq!(p.lengths, BTreeMap::from([(1, 2)]));
    }

    #[test]
    fn the_timeline_counts_first_attempts_only() {
        // Two requests: one answered at once, one lost twice and then answered.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requests.csv");
        std::fs::write(
            &path,
            "client,seq,attempt,sent_us,outcome,rtt_us\n\
             0,0,0,0,reply,10\n\
             0,1,0,100,timeout,\n\
             0,1,1,200,timeout,\n\
             0,1,2,300,reply,10\n",
        )
        .unwrap();
        let s = scan_requests(&path, true, None).unwrap();
        assert_eq!(
            (s.decided(), s.timeouts()),
            (4, 2),
            "every row still counts here"
        );
        let lost: u64 = s.timeline.buckets.iter().map(|b| b.0).sum();
        assert_eq!(
            (lost, s.first_decided()),
            (1, 2),
            "1 of 2 first attempts lost"
        );
    }

    #[test]
    fn a_far_seq_is_jumped_to_and_its_gap_counted() {
        // Seqs 0, 1 lost, then one near u64::MAX: the buffer must not walk there one by one.
        let mut p = Periods::default();
        let mut o = SeqOrder::default();
        o.insert(0, 1, &mut p);
        o.insert(1, 1, &mut p);
        let far = u64::MAX - 3;
        let skipped = o.insert(far, 1, &mut p);
        assert_eq!(
            skipped,
            far - 2 - (REORDER_SPAN - 1),
            "every seq from 2 up to where the buffer now starts passed unseen"
        );
        assert_eq!(
            p.lengths,
            BTreeMap::from([(2, 1)]),
            "the gap ends the period"
        );
        assert!(o.pending.len() as u64 <= REORDER_SPAN);
        // A row just below the far seq still finds its slot, and the lengths come out right.
        o.insert(far - 1, 1, &mut p);
        let missing = o.drain(&mut p);
        assert_eq!(missing, REORDER_SPAN - 2);
        assert_eq!(p.lengths, BTreeMap::from([(2, 2)]));
        assert_eq!(
            skipped + missing + 4,
            far + 1,
            "every seq 0..=far accounted once"
        );
    }
}
