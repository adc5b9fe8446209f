//! Turns finished packets into `requests.csv` rows and per-client statistics.
//!
//! In a `run`, the server and the clients share one process, so the recorder also holds the
//! server's ground truth: the server reports its decision for each (client, seq, attempt) when
//! it receives the packet, long before the client's row is final; the recorder keeps it until
//! the row is written. Entries live only while their packet is outstanding, so the map stays as
//! small as the number of packets in flight; it is an [`IdMap`] (by seq position, not hashed),
//! since that insert and remove happen for every packet. It also feeds each client's first attempts, in seq
//! order, to the loss-pattern and IPDV statistics (writing one `loss_periods.csv` row per loss
//! period), and joins attempts into logical requests (one `logical.csv` row each). Invariant:
//! one `requests.csv` row per [`Record`], written in the order records finish; [`Recorder::finish`]
//! is called once, after the last record and before the summary.

use crate::client::loadgen::{Outcome, Record, Unmatched};
use crate::idmap::IdMap;
use crate::impair::path::{LinkCounts, LinkEvent, LinkFate};
use crate::impair::{Direction, classify::UNKNOWN_FLOW};
use crate::metrics::logical::{LogicalRecord, LogicalTracker};
use crate::metrics::patterns::{FirstAttempts, Slot};
use crate::metrics::row::Row;
use crate::metrics::stats::{ClientStats, SummaryOptions, SummaryRow};
use crate::server::time::Action;
use crate::time::Duration;
use crate::wire::time::RequestId;
use std::io::{self, Write};

pub const LOSS_PERIOD_COLUMNS: &str = "client,start_seq,length";
pub const LOGICAL_COLUMNS: &str = "client,seq,attempts,outcome,first_sent_us,time_to_success_us";

/// What the recorder needs to know about the run.
#[derive(Clone, Copy, Debug)]
pub struct RecorderConfig {
    pub clients: u32,
    /// Client id of client index 0.
    pub first_client: u32,
    /// Whether a server in this process reports ground truth (a `run`, not `time`).
    pub ground_truth: bool,
    /// Tmax, to tell a late reply from a lost one.
    pub timeout: Duration,
    /// Further attempts after a timeout, to know when a request has failed for good.
    pub retries: u8,
    pub lost_as_infinite: bool,
}

pub const REQUEST_COLUMNS: &str = "client,seq,attempt,sent_us,outcome,rtt_us,server_action,late_rtt_us,send_lag_us,connect_us,server_delay_us,loss_state";
/// The column `requests.csv` gains when the run has a `[link]`: how many packets of the
/// request's exchange the link dropped or corrupted (so the receiver dropped them).
pub const LINK_DROPS_COLUMN: &str = "link_drops";
/// `link.csv`: one row per packet that met the `[link]`, in the order they met it.
pub const LINK_COLUMNS: &str = "t_us,direction,client,protocol,bytes,key,fate,rule,delay_us";

/// What the server did to one packet, as the recorder keeps it until the packet's row is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerTruth {
    pub action: Action,
    /// How long the reply was held (delay impairments).
    pub delay: Duration,
    /// The loss model's state ("good"/"bad", "1".."4"), when it has one.
    pub state: Option<&'static str>,
}

pub struct Recorder<W: Write> {
    rows: W,
    periods: W,
    logical_rows: W,
    cfg: RecorderConfig,
    stats: Vec<ClientStats>,
    streams: Vec<FirstAttempts>,
    logical: LogicalTracker,
    server_actions: IdMap<ServerTruth>,
    /// Rows whose outcome disagrees with the server's action (reply ⇔ answered).
    mismatches: u64,
    row: Row,
    /// False when per-packet and per-request rows go nowhere (`requests_csv = false`):
    /// statistics only, no formatting.
    rows_on: bool,
    /// Loss periods that ended during the last call, waiting to be written.
    ended: Vec<(u32, u32, u64)>,
    /// The run's `[link]`, when it has one: `link.csv`'s writer, the drops charged to each
    /// request still outstanding, and what crossed per client and in all.
    link: Option<LinkRecord<W>>,
}

struct LinkRecord<W> {
    /// `None` once handed back ([`Recorder::take_link_rows`]).
    rows: Option<W>,
    drops: IdMap<u32>,
    per_client: Vec<LinkCounts>,
    all: LinkCounts,
    key: String,
}

fn count(c: &mut LinkCounts, e: &LinkEvent) {
    let d = match e.packet.dir {
        Direction::Request => &mut c.request,
        Direction::Reply => &mut c.reply,
    };
    d.packets += 1;
    match e.crossing.fate {
        LinkFate::Dropped => d.dropped += 1,
        LinkFate::Duplicated => d.duplicated += 1,
        LinkFate::Corrupted => d.corrupted += 1,
        LinkFate::Delivered => {}
    }
}

/// One first attempt of `client`'s stream, in seq order, into its loss patterns and IPDV; a
/// loss period that ends goes to `ended` as (client, start seq, length).
fn absorb(
    stats: &mut ClientStats,
    ended: &mut Vec<(u32, u32, u64)>,
    client: u32,
    seq: u32,
    slot: Slot,
) {
    stats
        .patterns
        .push(seq, slot == Slot::Lost, &mut |start, len| {
            ended.push((client, start, len))
        });
    stats.ipdv.push(match slot {
        Slot::Received(rtt) => Some(rtt),
        _ => None,
    });
}

impl Recorder<io::Sink> {
    /// A recorder that keeps statistics and writes no rows (the by-hand commands).
    pub fn summary_only(cfg: RecorderConfig) -> Self {
        Recorder::new(io::sink(), io::sink(), io::sink(), cfg).expect("a sink never fails")
    }
}

impl<W: Write> Recorder<W> {
    /// A recorder writing `requests.csv` rows to `rows`, `loss_periods.csv` rows to `periods`
    /// and `logical.csv` rows to `logical` (the headers are written now).
    pub fn new(rows: W, periods: W, logical: W, cfg: RecorderConfig) -> io::Result<Self> {
        Self::build(rows, periods, logical, None, cfg)
    }

    /// [`Recorder::new`] for a run with a `[link]`: `link.csv` rows go to `links`, and
    /// `requests.csv` gains the `link_drops` column.
    pub fn with_link(
        rows: W,
        periods: W,
        logical: W,
        links: W,
        cfg: RecorderConfig,
    ) -> io::Result<Self> {
        Self::build(rows, periods, logical, Some(links), cfg)
    }

    fn build(
        mut rows: W,
        mut periods: W,
        mut logical: W,
        links: Option<W>,
        cfg: RecorderConfig,
    ) -> io::Result<Self> {
        match links.is_some() {
            true => writeln!(rows, "{REQUEST_COLUMNS},{LINK_DROPS_COLUMN}")?,
            false => writeln!(rows, "{REQUEST_COLUMNS}")?,
        }
        let link = match links {
            Some(mut w) => {
                writeln!(w, "{LINK_COLUMNS}")?;
                Some(LinkRecord {
                    rows: Some(w),
                    drops: IdMap::new(cfg.first_client, cfg.clients),
                    per_client: vec![LinkCounts::default(); cfg.clients as usize],
                    all: LinkCounts::default(),
                    key: String::new(),
                })
            }
            None => None,
        };
        writeln!(periods, "{LOSS_PERIOD_COLUMNS}")?;
        writeln!(logical, "{LOGICAL_COLUMNS}")?;
        Ok(Recorder {
            rows,
            periods,
            logical_rows: logical,
            cfg,
            stats: (0..cfg.clients).map(|_| ClientStats::default()).collect(),
            streams: (0..cfg.clients).map(|_| FirstAttempts::default()).collect(),
            logical: LogicalTracker::new(cfg.retries),
            server_actions: IdMap::new(cfg.first_client, cfg.clients),
            mismatches: 0,
            row: Row::default(),
            rows_on: true,
            ended: Vec::new(),
            link,
        })
    }

    /// A packet met the link: counted, charged to its request when it was dropped, and written
    /// to `link.csv`.
    pub fn link_event(&mut self, e: &LinkEvent) -> io::Result<()> {
        let Some(link) = &mut self.link else {
            return Ok(());
        };
        count(&mut link.all, e);
        if e.packet.flow != UNKNOWN_FLOW
            && let Some(c) = link.per_client.get_mut(e.packet.flow as usize)
        {
            count(c, e);
        }
        let lost = matches!(e.crossing.fate, LinkFate::Dropped | LinkFate::Corrupted);
        if lost
            && let Some(id) = e.request
            && id.client.wrapping_sub(self.cfg.first_client) < self.cfg.clients
            && id.attempt <= self.cfg.retries
        {
            match link.drops.get_mut(&id) {
                Some(n) => *n += 1,
                None => {
                    link.drops.insert(id, 1);
                }
            }
        }
        if !self.rows_on {
            return Ok(());
        }
        use std::fmt::Write as _;
        link.key.clear();
        let _ = write!(link.key, "{}", e.packet.ident);
        let mut line = self.row.start();
        line.push_u64(e.at.as_micros());
        line.push(b',');
        line.push_str(match e.packet.dir {
            Direction::Request => "request",
            Direction::Reply => "reply",
        });
        line.push(b',');
        if e.packet.flow != UNKNOWN_FLOW {
            line.push_u64(u64::from(self.cfg.first_client) + u64::from(e.packet.flow));
        }
        line.push(b',');
        line.push_str(e.packet.proto.as_str());
        line.push(b',');
        line.push_u64(u64::from(e.packet.bytes));
        line.push(b',');
        line.push_str(&link.key);
        line.push(b',');
        line.push_str(e.crossing.fate.as_str());
        line.push(b',');
        line.push_str(e.crossing.rule);
        line.push(b',');
        if let Some(d) = e.crossing.delay(e.at) {
            line.push_u64(d.as_micros());
        }
        line.push(b'\n');
        match &mut link.rows {
            Some(w) => w.write_all(line.bytes()),
            None => Ok(()),
        }
    }

    /// What crossed the link per client (in client order) and in all; `None` without a link.
    pub fn link_counts(&self) -> Option<(&[LinkCounts], LinkCounts)> {
        self.link.as_ref().map(|l| (&l.per_client[..], l.all))
    }

    /// Flushes and hands back `link.csv`'s writer (`None` without a link); the counts stay.
    pub fn take_link_rows(&mut self) -> io::Result<Option<W>> {
        let Some(mut w) = self.link.as_mut().and_then(|l| l.rows.take()) else {
            return Ok(None);
        };
        w.flush()?;
        Ok(Some(w))
    }

    /// Keeps the statistics but formats no per-packet or per-request rows (`requests.csv` and
    /// `logical.csv` then only get their headers); loss periods are still written.
    pub fn without_rows(mut self) -> Self {
        self.rows_on = false;
        self
    }

    /// Hands client `index`'s first attempts that are now in seq order to its loss patterns and
    /// IPDV, collecting the loss periods that end.
    fn feed_stream(&mut self, index: usize, seq: u32, slot: Slot) {
        let stats = &mut self.stats[index];
        let ended = &mut self.ended;
        let client = self.cfg.first_client + index as u32;
        self.streams[index].put(seq, slot, &mut |seq, slot| {
            absorb(stats, ended, client, seq, slot)
        });
    }

    fn write_periods(&mut self) -> io::Result<()> {
        for &(client, start, len) in &self.ended {
            let mut line = self.row.start();
            line.push_u64(u64::from(client));
            line.push(b',');
            line.push_u64(u64::from(start));
            line.push(b',');
            line.push_u64(len);
            line.push(b'\n');
            self.periods.write_all(line.bytes())?;
        }
        self.ended.clear();
        Ok(())
    }

    fn write_logical(&mut self, l: &LogicalRecord) -> io::Result<()> {
        self.stats[l.index as usize].add_logical(l);
        if !self.rows_on {
            return Ok(());
        }
        let mut line = self.row.start();
        line.push_u64(u64::from(l.client));
        line.push(b',');
        line.push_u64(u64::from(l.seq));
        line.push(b',');
        line.push_u64(u64::from(l.attempts));
        line.push(b',');
        line.push_str(l.outcome.as_str());
        line.push(b',');
        if let Some(t) = l.first_sent {
            line.push_u64(t.as_micros());
        }
        line.push(b',');
        if let Some(t) = l.time_to_success {
            line.push_u64(t.as_micros());
        }
        line.push(b'\n');
        self.logical_rows.write_all(line.bytes())
    }

    /// The run is over: closes the loss streams (open loss periods end here) and the logical
    /// requests still open (as interrupted). Call once, after the last record.
    pub fn finish(&mut self) -> io::Result<()> {
        for index in 0..self.streams.len() {
            let stats = &mut self.stats[index];
            let ended = &mut self.ended;
            let client = self.cfg.first_client + index as u32;
            self.streams[index].flush(&mut |seq, slot| absorb(stats, ended, client, seq, slot));
            stats
                .patterns
                .finish(&mut |start, len| ended.push((client, start, len)));
        }
        self.write_periods()?;
        for l in self.logical.drain() {
            self.write_logical(&l)?;
        }
        Ok(())
    }

    /// The server decided what happens to packet `id`.
    pub fn note_server_action(&mut self, id: RequestId, truth: ServerTruth) {
        self.server_actions.insert(id, truth);
    }

    pub fn record(&mut self, r: &Record) -> io::Result<()> {
        self.stats[r.index as usize].add(r, self.cfg.timeout);
        let link_drops = self
            .link
            .as_mut()
            .map(|l| l.drops.remove(&r.id).unwrap_or(0));
        if r.id.attempt == 0 {
            let slot = match r.outcome {
                Outcome::Reply => Slot::Received(r.rtt.map_or(0, |d| d.as_micros())),
                Outcome::Timeout => Slot::Lost,
                _ => Slot::Excluded,
            };
            self.feed_stream(r.index as usize, r.id.seq, slot);
            if !self.ended.is_empty() {
                self.write_periods()?;
            }
        }
        if let Some(l) = self.logical.add(r) {
            self.write_logical(&l)?;
        }
        let mut truth = None;
        let action = if self.cfg.ground_truth {
            truth = self.server_actions.remove(&r.id);
            let answered = truth.is_some_and(|t| t.action.answered());
            // A reply needs an answer from the server; an answer with no reply in time must be
            // explained by the network: a reply that came late, a delay past the timeout, a
            // corrupted reply, a packet the link dropped.
            let explained = r.late_rtt.is_some()
                || link_drops.is_some_and(|n| n > 0)
                || truth
                    .is_some_and(|t| t.action == Action::Corrupted || t.delay >= self.cfg.timeout);
            if r.outcome != Outcome::Interrupted
                && (r.outcome == Outcome::Reply) != answered
                && !explained
            {
                self.mismatches += 1;
            }
            // The server never saw the packet (lost before it, or still queued at interruption).
            truth.map_or("unseen", |t| t.action.as_str())
        } else {
            ""
        };
        if !self.rows_on {
            return Ok(());
        }
        // Built by hand: this runs once per packet, and `write!` costs several times more.
        let mut line = self.row.start();
        line.push_u64(u64::from(r.id.client));
        line.push(b',');
        line.push_u64(u64::from(r.id.seq));
        line.push(b',');
        line.push_u64(u64::from(r.id.attempt));
        line.push(b',');
        line.push_u64(r.sent.as_micros());
        line.push(b',');
        line.push_str(r.outcome.as_str());
        line.push(b',');
        if let Some(rtt) = r.rtt {
            line.push_u64(rtt.as_micros());
        }
        line.push(b',');
        line.push_str(action);
        line.push(b',');
        if let Some(late) = r.late_rtt {
            line.push_u64(late.as_micros());
        }
        line.push(b',');
        line.push_u64((r.sent - r.intended).as_micros());
        line.push(b',');
        if let Some(connect) = r.connect {
            line.push_u64(connect.as_micros());
        }
        line.push(b',');
        if let Some(t) = truth {
            line.push_u64(t.delay.as_micros());
            line.push(b',');
            line.push_str(t.state.unwrap_or(""));
        } else {
            line.push(b',');
        }
        if let Some(n) = link_drops {
            line.push(b',');
            line.push_u64(u64::from(n));
        }
        line.push(b'\n');
        self.rows.write_all(line.bytes())
    }

    pub fn mismatches(&self) -> u64 {
        self.mismatches
    }

    /// Replies the client rows did not settle before the run ended.
    pub fn pending_server_actions(&self) -> usize {
        self.server_actions.len()
    }

    /// One summary row per client (scope = the client id) and a final `all` row.
    pub fn summary(&self, unmatched: impl Fn(u32) -> Unmatched) -> Vec<SummaryRow> {
        let opts = SummaryOptions {
            timeout: self.cfg.timeout,
            lost_as_infinite: self.cfg.lost_as_infinite,
        };
        let first_client = self.cfg.first_client;
        let mut all = ClientStats::default();
        let mut all_unmatched = Unmatched::default();
        let mut rows = Vec::with_capacity(self.stats.len() + 1);
        for (index, s) in self.stats.iter().enumerate() {
            let u = unmatched(index as u32);
            all.merge(s);
            all_unmatched.duplicates += u.duplicates;
            all_unmatched.stray += u.stray;
            all_unmatched.corrupted += u.corrupted;
            rows.push(s.summary((first_client + index as u32).to_string(), u, opts));
        }
        rows.push(all.summary("all".to_string(), all_unmatched, opts));
        rows
    }

    /// Flushes and hands back the writers: requests, loss periods, logical requests.
    pub fn into_inner(mut self) -> io::Result<(W, W, W)> {
        self.rows.flush()?;
        self.periods.flush()?;
        self.logical_rows.flush()?;
        Ok((self.rows, self.periods, self.logical_rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Duration, Instant};

    fn recorder(clients: u32, ground_truth: bool) -> Recorder<Vec<u8>> {
        let cfg = RecorderConfig {
            clients,
            first_client: 0,
            ground_truth,
            timeout: Duration::from_millis(100),
            retries: 0,
            lost_as_infinite: false,
        };
        Recorder::new(Vec::new(), Vec::new(), Vec::new(), cfg).unwrap()
    }

    fn rec(seq: u32, outcome: Outcome, rtt: Option<u64>) -> Record {
        Record {
            id: RequestId {
                client: 0,
                seq,
                attempt: 0,
            },
            index: 0,
            sent: Instant::from_micros(1_000 + u64::from(seq)),
            intended: Instant::from_micros(1_000),
            outcome,
            rtt: rtt.map(Duration::from_micros),
            late_rtt: None,
            connect: None,
        }
    }

    #[test]
    fn rows_join_ground_truth_and_count_mismatches() {
        let mut r = recorder(1, true);
        let truth = |action| ServerTruth {
            action,
            delay: Duration::ZERO,
            state: None,
        };
        let id = |seq| RequestId {
            client: 0,
            seq,
            attempt: 0,
        };
        r.note_server_action(id(0), truth(Action::Answered));
        r.note_server_action(id(1), truth(Action::Dropped));
        r.note_server_action(id(2), truth(Action::Answered));
        r.record(&rec(0, Outcome::Reply, Some(80))).unwrap();
        r.record(&rec(1, Outcome::Timeout, None)).unwrap();
        r.record(&rec(2, Outcome::Timeout, None)).unwrap(); // answered but lost: a mismatch
        r.record(&rec(3, Outcome::Timeout, None)).unwrap(); // never reached the server
        assert_eq!(r.mismatches(), 1);
        assert_eq!(r.pending_server_actions(), 0);
        r.finish().unwrap();
        let text = String::from_utf8(r.into_inner().unwrap().0).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], REQUEST_COLUMNS);
        assert_eq!(lines[1], "0,0,0,1000,reply,80,answered,,0,,0,");
        assert_eq!(lines[2], "0,1,0,1001,timeout,,dropped,,1,,0,");
        assert_eq!(lines[4], "0,3,0,1003,timeout,,unseen,,3,,,");
    }

    /// The widest rows losslab can write (every number at its maximum, the longest names)
    /// fit a [`Row`], which panics rather than truncate.
    #[test]
    fn widest_rows_fit() {
        use crate::metrics::row::ROW_CAP;
        let longest = |names: &[&str]| names.iter().map(|n| n.len()).max().unwrap_or(0);
        let outcome = longest(&[
            Outcome::Reply.as_str(),
            Outcome::Timeout.as_str(),
            Outcome::Interrupted.as_str(),
            Outcome::ConnectError.as_str(),
            Outcome::Error.as_str(),
            "unseen",
        ]);
        let action = [
            Action::Answered,
            Action::Dropped,
            Action::Delayed,
            Action::Duplicated,
            Action::Corrupted,
            Action::Reordered,
        ]
        .iter()
        .map(|a| a.as_str().len())
        .max()
        .unwrap_or(0);
        // Loss states: `good`/`bad` or `1`..`4`.
        let widest = 7 * 20 + outcome + action + "good".len() + 11 + 1;
        assert!(widest + 8 <= ROW_CAP, "{widest}");
        let big = Duration::from_micros(u64::MAX / 2);
        let r = Record {
            id: RequestId {
                client: u32::MAX,
                seq: u32::MAX,
                attempt: u8::MAX,
            },
            index: 0,
            sent: Instant::from_micros(u64::MAX),
            intended: Instant::ZERO,
            outcome: Outcome::ConnectError,
            rtt: Some(big),
            late_rtt: Some(big),
            connect: Some(big),
        };
        let mut rec = recorder(1, true);
        rec.note_server_action(
            r.id,
            ServerTruth {
                action: Action::Duplicated,
                delay: big,
                state: Some("good"),
            },
        );
        rec.record(&r).unwrap();
        let rows = String::from_utf8(rec.into_inner().unwrap().0).unwrap();
        assert!(rows.lines().nth(1).unwrap().len() + 8 <= ROW_CAP, "{rows}");
    }

    #[test]
    fn summary_has_client_rows_then_all() {
        let mut r = recorder(2, false);
        r.record(&rec(0, Outcome::Reply, Some(50))).unwrap();
        let mut other = rec(0, Outcome::Timeout, None);
        other.index = 1;
        other.id.client = 1;
        r.record(&other).unwrap();
        r.finish().unwrap();
        let rows = r.summary(|_| Unmatched::default());
        let scopes: Vec<&str> = rows.iter().map(|x| x.scope.as_str()).collect();
        assert_eq!(scopes, ["0", "1", "all"]);
        assert_eq!(rows[2].sent, 2);
        assert_eq!(rows[2].loss_ratio, Some(0.5));
    }

    /// First attempts finishing out of order: seq 1 (lost) is recorded after seqs 2 and 3
    /// (lost, answered); the stream is still 0 ok, 1 lost, 2 lost, 3 ok, 4 lost (open at the
    /// end): loss periods (1, 2) and (4, 1), and one logical row per seq.
    #[test]
    fn loss_periods_follow_seq_order_not_finish_order() {
        let mut r = recorder(1, false);
        r.record(&rec(0, Outcome::Reply, Some(40))).unwrap();
        r.record(&rec(2, Outcome::Timeout, None)).unwrap();
        r.record(&rec(3, Outcome::Reply, Some(60))).unwrap();
        r.record(&rec(1, Outcome::Timeout, None)).unwrap();
        r.record(&rec(4, Outcome::Timeout, None)).unwrap();
        r.finish().unwrap();
        let rows = r.summary(|_| Unmatched::default());
        let all = &rows[1];
        assert_eq!((all.first_attempts, all.first_attempt_losses), (5, 3));
        assert_eq!((all.loss_periods, all.loss_period_max), (2, Some(2)));
        assert_eq!(all.loss_period_mean, Some(1.5));
        assert_eq!(all.inter_loss_period_mean, Some(1.0));
        assert_eq!(all.logical_requests, 5);
        assert_eq!(all.successes, 2);
        let (_, periods, logical) = r.into_inner().unwrap();
        assert_eq!(
            String::from_utf8(periods).unwrap(),
            format!("{LOSS_PERIOD_COLUMNS}\n0,1,2\n0,4,1\n")
        );
        let logical = String::from_utf8(logical).unwrap();
        assert_eq!(logical.lines().count(), 6);
        assert!(logical.contains("\n0,0,1,success,1000,40\n"), "{logical}");
        assert!(logical.contains("\n0,1,1,failed,1001,\n"), "{logical}");
    }
}
