//! Logical requests: a request and its retries, as the application sees them.
//!
//! The load generators emit one record per attempt, in the order attempts finish, and an
//! earlier attempt's row can come after a later one's (a timed-out attempt stays open for its
//! late window while its retry is answered). The tracker gathers a seq's attempts until it can
//! say how the request ended: `success` (some attempt was answered in time; time to success is
//! from the first attempt's send to that reply), `failed` (every attempt timed out), `error`
//! (a TCP failure, which is reported, not retried) or `interrupted`. A request is complete once
//! its deciding attempt and every attempt before it have their rows. Invariant: exactly one
//! [`LogicalRecord`] per logical request that sent anything; open entries are only requests
//! with rows still to come, so memory follows what is in flight.

use crate::client::loadgen::{Outcome, Record};
use crate::time::{Duration, Instant};
use rustc_hash::FxHashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogicalOutcome {
    Success,
    Failed,
    Error,
    Interrupted,
}

impl LogicalOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            LogicalOutcome::Success => "success",
            LogicalOutcome::Failed => "failed",
            LogicalOutcome::Error => "error",
            LogicalOutcome::Interrupted => "interrupted",
        }
    }
}

/// One row of `logical.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogicalRecord {
    /// Client index (0-based) and the client id written in the requests.
    pub index: u32,
    pub client: u32,
    pub seq: u32,
    /// Attempts the request used (1 = no retry).
    pub attempts: u32,
    pub outcome: LogicalOutcome,
    pub first_sent: Option<Instant>,
    pub time_to_success: Option<Duration>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Open {
    client: u32,
    first_sent: Option<Instant>,
    rows: u32,
    /// The attempt that decided the request, how, and when a success's reply came.
    decided: Option<(u8, LogicalOutcome, Option<Instant>)>,
}

pub struct LogicalTracker {
    retries: u8,
    open: FxHashMap<(u32, u32), Open>,
}

impl LogicalTracker {
    /// `retries`: further attempts after a timeout, as the clients were configured.
    pub fn new(retries: u8) -> Self {
        LogicalTracker {
            retries,
            open: FxHashMap::default(),
        }
    }

    /// Takes one attempt's row; returns the logical request when this row completes it.
    pub fn add(&mut self, r: &Record) -> Option<LogicalRecord> {
        let key = (r.index, r.id.seq);
        let decided = match r.outcome {
            Outcome::Reply => Some((LogicalOutcome::Success, r.rtt.map(|rtt| r.sent + rtt))),
            Outcome::Timeout if r.id.attempt >= self.retries => {
                Some((LogicalOutcome::Failed, None))
            }
            Outcome::Timeout => None,
            Outcome::Interrupted => Some((LogicalOutcome::Interrupted, None)),
            Outcome::ConnectError | Outcome::Error => Some((LogicalOutcome::Error, None)),
        };
        // A first attempt that decides its request is the whole request: a retry is only sent
        // after a first attempt timed out (which decides nothing while retries remain), so no
        // other row of this seq exists. Most requests end here without touching the map.
        if r.id.attempt == 0
            && let Some((outcome, at)) = decided
        {
            let e = Open {
                client: r.id.client,
                first_sent: Some(r.sent),
                rows: 1,
                decided: Some((0, outcome, at)),
            };
            return Some(finish(key, e));
        }
        let e = self.open.entry(key).or_default();
        e.client = r.id.client;
        e.rows += 1;
        if r.id.attempt == 0 {
            e.first_sent = Some(r.sent);
        }
        if let Some((outcome, at)) = decided {
            e.decided = Some((r.id.attempt, outcome, at));
        }
        let (attempt, ..) = e.decided?;
        if e.rows < u32::from(attempt) + 1 {
            return None;
        }
        let e = self.open.remove(&key)?;
        Some(finish(key, e))
    }

    /// Requests still open when the run ended (interrupted, or a retry that never left),
    /// as `interrupted`, in (client, seq) order.
    pub fn drain(&mut self) -> Vec<LogicalRecord> {
        let mut rest: Vec<((u32, u32), Open)> = self.open.drain().collect();
        rest.sort_by_key(|(k, _)| *k);
        rest.into_iter()
            .map(|(key, mut e)| {
                let attempts = e.decided.map_or(e.rows, |d| u32::from(d.0) + 1).max(e.rows);
                e.decided = Some((
                    (attempts.saturating_sub(1)).min(255) as u8,
                    LogicalOutcome::Interrupted,
                    None,
                ));
                finish(key, e)
            })
            .collect()
    }
}

fn finish((index, seq): (u32, u32), e: Open) -> LogicalRecord {
    let (attempt, outcome, at) = e.decided.expect("finished requests are decided");
    let time_to_success = match (outcome, at, e.first_sent) {
        (LogicalOutcome::Success, Some(at), Some(first)) => Some(at - first),
        _ => None,
    };
    LogicalRecord {
        index,
        client: e.client,
        seq,
        attempts: u32::from(attempt) + 1,
        outcome,
        first_sent: e.first_sent,
        time_to_success,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::time::RequestId;

    fn row(seq: u32, attempt: u8, sent: u64, outcome: Outcome, rtt: Option<u64>) -> Record {
        Record {
            id: RequestId {
                client: 4,
                seq,
                attempt,
            },
            index: 0,
            sent: Instant::from_micros(sent),
            intended: Instant::from_micros(sent),
            outcome,
            rtt: rtt.map(Duration::from_micros),
            late_rtt: None,
            connect: None,
        }
    }

    /// Attempt 0 sent at 1000 times out at 101000 but its row comes last (late window); attempt
    /// 1, sent at 101000, is answered after 500 µs: success in 2 attempts, time to success
    /// 101500 - 1000 = 100500 µs.
    #[test]
    fn success_waits_for_the_earlier_attempts_row() {
        let mut t = LogicalTracker::new(2);
        assert_eq!(t.add(&row(7, 1, 101_000, Outcome::Reply, Some(500))), None);
        let done = t.add(&row(7, 0, 1_000, Outcome::Timeout, None)).unwrap();
        assert_eq!(done.outcome, LogicalOutcome::Success);
        assert_eq!(done.attempts, 2);
        assert_eq!(done.client, 4);
        assert_eq!(done.time_to_success, Some(Duration::from_micros(100_500)));
        assert!(t.drain().is_empty());
    }

    #[test]
    fn all_attempts_timing_out_is_a_failure() {
        let mut t = LogicalTracker::new(1);
        assert_eq!(t.add(&row(0, 0, 0, Outcome::Timeout, None)), None);
        let done = t.add(&row(0, 1, 10, Outcome::Timeout, None)).unwrap();
        assert_eq!((done.outcome, done.attempts), (LogicalOutcome::Failed, 2));
        assert_eq!(done.time_to_success, None);
    }

    #[test]
    fn a_retry_that_never_left_is_interrupted() {
        let mut t = LogicalTracker::new(3);
        assert_eq!(t.add(&row(2, 0, 0, Outcome::Timeout, None)), None);
        let first = t.add(&row(1, 0, 0, Outcome::Reply, Some(9))).unwrap();
        assert_eq!((first.seq, first.attempts), (1, 1));
        let rest = t.drain();
        assert_eq!(rest.len(), 1);
        assert_eq!(
            (rest[0].seq, rest[0].attempts, rest[0].outcome),
            (2, 1, LogicalOutcome::Interrupted)
        );
    }
}
