//! Turns finished packets into `requests.csv` rows and per-client statistics.
//!
//! In a `run`, the server and the clients share one process, so the recorder also holds the
//! server's ground truth: the server reports its decision for each (client, seq, attempt) when
//! it receives the packet, long before the client's row is final; the recorder keeps it until
//! the row is written. Entries live only while their packet is outstanding, so the map stays as
//! small as the number of packets in flight. Invariant: one row per [`Record`], written in the
//! order records finish.

use crate::client::loadgen::{Outcome, Record, Unmatched};
use crate::metrics::stats::{ClientStats, SummaryRow};
use crate::server::time::Action;
use crate::time::Duration;
use crate::wire::push_u64;
use crate::wire::time::RequestId;
use rustc_hash::FxHashMap;
use std::io::{self, Write};

pub const REQUEST_COLUMNS: &str = "client,seq,attempt,sent_us,outcome,rtt_us,server_action,late_rtt_us,send_lag_us,connect_us,server_delay_us,loss_state";

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
    stats: Vec<ClientStats>,
    /// Whether a server in this process reports ground truth (a `run`, not `time`).
    ground_truth: bool,
    server_actions: FxHashMap<RequestId, ServerTruth>,
    /// Rows whose outcome disagrees with the server's action (reply ⇔ answered).
    mismatches: u64,
    timeout: Duration,
    line: Vec<u8>,
    /// False when rows go nowhere (`requests_csv = false`): statistics only, no formatting.
    rows_on: bool,
}

impl<W: Write> Recorder<W> {
    /// A recorder for `clients` clients writing rows to `rows` (the header is written now).
    /// `timeout` is the clients' Tmax, to tell a late reply from a lost one in the ground truth.
    pub fn new(
        mut rows: W,
        clients: u32,
        ground_truth: bool,
        timeout: Duration,
    ) -> io::Result<Self> {
        writeln!(rows, "{REQUEST_COLUMNS}")?;
        Ok(Recorder {
            rows,
            stats: (0..clients).map(|_| ClientStats::default()).collect(),
            ground_truth,
            server_actions: FxHashMap::default(),
            mismatches: 0,
            timeout,
            line: Vec::with_capacity(128),
            rows_on: true,
        })
    }

    /// Keeps the statistics but formats no rows (the writer then only gets the header).
    pub fn without_rows(mut self) -> Self {
        self.rows_on = false;
        self
    }

    /// The server decided what happens to packet `id`.
    pub fn note_server_action(&mut self, id: RequestId, truth: ServerTruth) {
        self.server_actions.insert(id, truth);
    }

    pub fn record(&mut self, r: &Record) -> io::Result<()> {
        self.stats[r.index as usize].add(r);
        let mut truth = None;
        let action = if self.ground_truth {
            truth = self.server_actions.remove(&r.id);
            let answered = truth.is_some_and(|t| t.action.answered());
            // A reply needs an answer from the server; an answer with no reply in time must be
            // explained by the network: a reply that came late, a delay past the timeout, a
            // corrupted reply.
            let explained = r.late_rtt.is_some()
                || truth.is_some_and(|t| t.action == Action::Corrupted || t.delay >= self.timeout);
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
        let line = &mut self.line;
        line.clear();
        push_u64(line, u64::from(r.id.client));
        line.push(b',');
        push_u64(line, u64::from(r.id.seq));
        line.push(b',');
        push_u64(line, u64::from(r.id.attempt));
        line.push(b',');
        push_u64(line, r.sent.as_micros());
        line.push(b',');
        line.extend_from_slice(r.outcome.as_str().as_bytes());
        line.push(b',');
        if let Some(rtt) = r.rtt {
            push_u64(line, rtt.as_micros());
        }
        line.push(b',');
        line.extend_from_slice(action.as_bytes());
        line.push(b',');
        if let Some(late) = r.late_rtt {
            push_u64(line, late.as_micros());
        }
        line.push(b',');
        push_u64(line, (r.sent - r.intended).as_micros());
        line.push(b',');
        if let Some(connect) = r.connect {
            push_u64(line, connect.as_micros());
        }
        line.push(b',');
        if let Some(t) = truth {
            push_u64(line, t.delay.as_micros());
            line.push(b',');
            line.extend_from_slice(t.state.unwrap_or("").as_bytes());
        } else {
            line.push(b',');
        }
        line.push(b'\n');
        self.rows.write_all(line)
    }

    pub fn mismatches(&self) -> u64 {
        self.mismatches
    }

    /// Replies the client rows did not settle before the run ended.
    pub fn pending_server_actions(&self) -> usize {
        self.server_actions.len()
    }

    /// One summary row per client (scope = the client id) and a final `all` row.
    pub fn summary(
        &self,
        first_client: u32,
        unmatched: impl Fn(u32) -> Unmatched,
    ) -> Vec<SummaryRow> {
        let mut all = ClientStats::default();
        let mut all_unmatched = Unmatched::default();
        let mut rows = Vec::with_capacity(self.stats.len() + 1);
        for (index, s) in self.stats.iter().enumerate() {
            let u = unmatched(index as u32);
            all.merge(s);
            all_unmatched.duplicates += u.duplicates;
            all_unmatched.stray += u.stray;
            all_unmatched.corrupted += u.corrupted;
            rows.push(s.summary((first_client + index as u32).to_string(), u));
        }
        rows.push(all.summary("all".to_string(), all_unmatched));
        rows
    }

    /// Flushes and hands back the row writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.rows.flush()?;
        Ok(self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Duration, Instant};

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
        let mut r = Recorder::new(Vec::new(), 1, true, Duration::from_millis(100)).unwrap();
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
        let text = String::from_utf8(r.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], REQUEST_COLUMNS);
        assert_eq!(lines[1], "0,0,0,1000,reply,80,answered,,0,,0,");
        assert_eq!(lines[2], "0,1,0,1001,timeout,,dropped,,1,,0,");
        assert_eq!(lines[4], "0,3,0,1003,timeout,,unseen,,3,,,");
    }

    #[test]
    fn summary_has_client_rows_then_all() {
        let mut r = Recorder::new(Vec::new(), 2, false, Duration::from_millis(100)).unwrap();
        r.record(&rec(0, Outcome::Reply, Some(50))).unwrap();
        let mut other = rec(0, Outcome::Timeout, None);
        other.index = 1;
        other.id.client = 1;
        r.record(&other).unwrap();
        let rows = r.summary(0, |_| Unmatched::default());
        let scopes: Vec<&str> = rows.iter().map(|x| x.scope.as_str()).collect();
        assert_eq!(scopes, ["0", "1", "all"]);
        assert_eq!(rows[2].sent, 2);
        assert_eq!(rows[2].loss_ratio, Some(0.5));
    }
}
