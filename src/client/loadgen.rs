//! The load generator: N clients sending time requests, as one sans-IO state machine.
//!
//! Each client sends `requests` logical requests, open-loop (one every `interval`, staggered so
//! the clients together send evenly) or closed-loop (`concurrency` outstanding per client, the
//! next sent as soon as one finishes). A request with no reply within `timeout` is a timeout
//! (RFC 7680's Tmax) and may be retried as a new attempt with the same seq. A reply that comes
//! after its attempt timed out, but within `late_window`, is recorded as late on that attempt —
//! never credited to another attempt, because replies carry (client, seq, attempt).
//!
//! Inputs: `handle_timeout(now)`, `handle_datagram(now, client, bytes)` (or
//! `handle_reply_id` when the driver knows the reply is intact and which id it echoes).
//! Outputs: `poll_transmit` (a request to send; `poll_request` for its id alone),
//! `poll_record` (one finished row per packet),
//! `poll_progress` (live lines for a terminal), `poll_timeout` (the next deadline).
//! Invariants: every packet sent yields exactly one [`Record`]; `sent` is the `now` at which the
//! driver was handed the packet; timers never fire early.

use super::backoff::{Backoff, RetryQueue};
use super::pacer::{Due, Pacer};
use crate::idmap::IdMap;
use crate::time::{Duration, Instant};
use crate::wire::time::{self as wire, RequestId};
use std::collections::VecDeque;

/// How a client decides when to send its next request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pacing {
    /// Open loop: each client sends one new request every `interval`, replies or not.
    Interval(Duration),
    /// Closed loop: each client keeps `concurrency` logical requests outstanding.
    Closed { concurrency: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LoadGenConfig {
    /// Number of clients.
    pub clients: u32,
    /// Client id written into the first client's requests; the others follow.
    pub first_client: u32,
    /// Logical requests per client.
    pub requests: u32,
    pub pacing: Pacing,
    /// Tmax: how long an attempt waits for its reply.
    pub timeout: Duration,
    /// Further attempts after a timeout (0: never retry).
    pub retries: u8,
    /// The pause between a timeout and the retry it causes.
    pub backoff: Backoff,
    /// Keys the backoff jitter (the scenario's seed).
    pub seed: u64,
    /// How long after its timeout a late reply is still attributed to its attempt.
    pub late_window: Duration,
    /// Emit [`Progress`] events (for a terminal); off for bulk runs.
    pub progress: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The reply came within the timeout.
    Reply,
    /// No reply within the timeout (a late reply may still be noted in `late_rtt`).
    Timeout,
    /// The run was interrupted while the packet was still waiting.
    Interrupted,
    /// TCP: the connection could not be opened (refused, unreachable). Not a loss: the
    /// request never left.
    ConnectError,
    /// TCP: the connection broke or the response was malformed.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Reply => "reply",
            Outcome::Timeout => "timeout",
            Outcome::Interrupted => "interrupted",
            Outcome::ConnectError => "connect_error",
            Outcome::Error => "error",
        }
    }
}

/// One finished packet: a row of `requests.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub id: RequestId,
    /// Index of the client (0-based, for sockets and per-client statistics).
    pub index: u32,
    pub sent: Instant,
    /// When the schedule meant to send it; `sent - intended` is the driver's lag.
    pub intended: Instant,
    pub outcome: Outcome,
    pub rtt: Option<Duration>,
    pub late_rtt: Option<Duration>,
    /// TCP: time to establish the connection (zero when an open one was reused).
    pub connect: Option<Duration>,
}

/// Live events for a person watching, in the order they happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    Reply {
        id: RequestId,
        rtt: Duration,
        text: String,
    },
    Timeout {
        id: RequestId,
        retrying: bool,
    },
    Late {
        id: RequestId,
        rtt: Duration,
    },
    /// A reply whose checksum failed; it is discarded and its request may still time out.
    Corrupted {
        index: u32,
        text: String,
    },
    /// The first reply showed how replies are matched (see [`LoadGen::stop_and_wait_until_ids`]):
    /// `by_id` when the server echoes losslab ids (pipelined from now on), false when it does not
    /// (stop-and-wait for the rest of the run).
    Matching {
        by_id: bool,
    },
    /// A reply that matches nothing outstanding: a duplicate, or a stranger's datagram.
    Unmatched {
        index: u32,
        duplicate: bool,
        text: String,
    },
}

/// Replies that did not belong to any outstanding packet, per client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Unmatched {
    /// A further reply for a seq that already had one (counted once, RFC 7680).
    pub duplicates: u64,
    /// Anything else: unknown ids, replies after the late window.
    pub stray: u64,
    /// Replies whose checksum failed: altered on the way, discarded (like a bad UDP checksum).
    pub corrupted: u64,
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    sent: Instant,
    intended: Instant,
    /// Its timer's number in `timeouts` (see [`LoadGen::timers_popped`]).
    timer: u32,
    timed_out: bool,
}

/// An attempt's timeout.
#[derive(Clone, Copy, Debug)]
struct Timer {
    deadline: Instant,
    id: RequestId,
    /// False once the attempt was answered: the timer is skipped when it comes due, without
    /// looking the packet up.
    live: bool,
}

#[derive(Default)]
struct ClientState {
    /// One bit per seq that got a reply, to tell duplicates from strays.
    replied: Vec<u64>,
    unmatched: Unmatched,
}

impl ClientState {
    fn mark_replied(&mut self, seq: u32) {
        let word = seq as usize / 64;
        if self.replied.len() <= word {
            self.replied.resize(word + 1, 0);
        }
        self.replied[word] |= 1 << (seq % 64);
    }

    fn has_replied(&self, seq: u32) -> bool {
        self.replied
            .get(seq as usize / 64)
            .is_some_and(|w| w & (1 << (seq % 64)) != 0)
    }
}

/// How replies are matched to packets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Matching {
    /// By the id a reply echoes; a reply without one goes to the oldest waiting packet (the
    /// default, for runs against losslab's own server).
    ById,
    /// Stop-and-wait until the first reply shows whether the server echoes ids.
    Probing,
    /// Stop-and-wait for good: the server's replies carry no id.
    StopAndWait,
    /// Pipelined, by id only, after a reply showed the server echoes ids: a reply without one
    /// is a stray, never guessed.
    ByIdOnly,
}

pub struct LoadGen {
    cfg: LoadGenConfig,
    matching: Matching,
    /// Stop-and-wait: attempts due but not sent, because another one is still outstanding.
    held: VecDeque<(RequestId, Instant)>,
    clients: Vec<ClientState>,
    /// Packets waiting for their reply or in their late window. Stored by (client, seq)
    /// position, not hashed: each client sends its seqs in order, so this is an index
    /// computation per lookup (see [`IdMap`]).
    pending: IdMap<Pending>,
    pacer: Pacer,
    due: Vec<Due>,
    /// Attempt timeouts in deadline order. Every attempt waits the same `timeout` and `now`
    /// never goes backwards, so deadlines arrive sorted: a FIFO is an exact O(1) timer queue,
    /// cheaper than the wheel with 100k requests outstanding. A reply marks its attempt's timer
    /// dead (the pending entry knows where it is), so the many timers of answered packets are
    /// skipped when they come due without a lookup of a packet long gone.
    timeouts: VecDeque<Timer>,
    /// Timers that have left the front of `timeouts` (wrapping): timer number n sits at
    /// `n - timers_popped`.
    timers_popped: u32,
    /// Ends of late windows (sent + timeout + late_window), sorted for the same reason.
    late_closes: VecDeque<(Instant, RequestId)>,
    /// Retries waiting out their backoff.
    retry_queue: RetryQueue,
    retries_due: Vec<(u32, RequestId, Instant)>,
    transmits: VecDeque<RequestId>,
    records: VecDeque<Record>,
    progress: VecDeque<Progress>,
}

impl LoadGen {
    pub fn new(cfg: LoadGenConfig) -> Self {
        LoadGen {
            clients: (0..cfg.clients).map(|_| ClientState::default()).collect(),
            cfg,
            matching: Matching::ById,
            held: VecDeque::new(),
            pacer: Pacer::new(cfg.pacing, cfg.clients, cfg.requests),
            due: Vec::new(),
            pending: IdMap::new(cfg.first_client, cfg.clients),
            timeouts: VecDeque::new(),
            timers_popped: 0,
            late_closes: VecDeque::new(),
            retry_queue: RetryQueue::new(cfg.backoff, cfg.seed),
            retries_due: Vec::new(),
            transmits: VecDeque::new(),
            records: VecDeque::new(),
            progress: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &LoadGenConfig {
        &self.cfg
    }

    /// For a server that may not be losslab's (the `time` command, one client): send one
    /// attempt at a time — the next only once the previous has its reply or has timed out
    /// *and* closed its late window — until a reply shows the server echoes losslab ids; then
    /// pipeline and match by id only. Against a server whose replies carry no id this stays
    /// stop-and-wait, so an id-less reply can only belong to the one attempt outstanding (a
    /// reply arriving after that attempt's timeout is its `late` reply, never the next one's).
    /// Only a reply later than timeout + late window could still be taken for the next
    /// request's. Call before the first `handle_timeout`.
    pub fn stop_and_wait_until_ids(&mut self) {
        debug_assert_eq!(self.cfg.clients, 1, "stop-and-wait is for one client");
        self.matching = Matching::Probing;
    }

    fn stop_and_wait(&self) -> bool {
        matches!(self.matching, Matching::Probing | Matching::StopAndWait)
    }

    /// Stop-and-wait: sends the next held attempt when nothing is outstanding.
    fn release_held(&mut self, now: Instant) {
        if !self.stop_and_wait() || !self.pending.is_empty() {
            return;
        }
        if let Some((id, intended)) = self.held.pop_front() {
            self.send_attempt(id, intended, now);
        }
    }

    fn client_id(&self, index: u32) -> u32 {
        self.cfg.first_client + index
    }

    /// Sends what the pacer says is due.
    fn send_due(&mut self, due: &[Due], now: Instant) {
        for d in due {
            let id = RequestId {
                client: self.client_id(d.index),
                seq: d.seq,
                attempt: 0,
            };
            if self.stop_and_wait() {
                self.held.push_back((id, d.intended));
            } else {
                self.send_attempt(id, d.intended, now);
            }
        }
    }

    fn send_attempt(&mut self, id: RequestId, intended: Instant, now: Instant) {
        let timer = self.timers_popped.wrapping_add(self.timeouts.len() as u32);
        self.pending.insert(
            id,
            Pending {
                sent: now,
                intended,
                timer,
                timed_out: false,
            },
        );
        self.timeouts.push_back(Timer {
            deadline: now + self.cfg.timeout,
            id,
            live: true,
        });
        self.transmits.push_back(id);
    }

    /// The attempt with timer number `timer` was answered: its timer no longer matters.
    fn cancel_timer(&mut self, timer: u32) {
        let at = timer.wrapping_sub(self.timers_popped) as usize;
        if let Some(t) = self.timeouts.get_mut(at) {
            t.live = false;
        }
    }

    /// A logical request is over (replied, or out of attempts): closed loop sends the next.
    fn finish_request(&mut self, index: u32, now: Instant) {
        let mut due = std::mem::take(&mut self.due);
        self.pacer.finished(index, now, &mut due);
        self.send_due(&due, now);
        due.clear();
        self.due = due;
    }

    /// Advances time to `now`: paced sends, timeouts, late windows that close.
    pub fn handle_timeout(&mut self, now: Instant) {
        // Handling a timeout can send a retry or a closed-loop request, so go round until
        // nothing more is due.
        loop {
            let mut due = std::mem::take(&mut self.due);
            self.pacer.advance(now, &mut due);
            let mut fired_any = !due.is_empty();
            self.send_due(&due, now);
            due.clear();
            self.due = due;
            let mut retries = std::mem::take(&mut self.retries_due);
            self.retry_queue.due(now, &mut retries);
            fired_any |= !retries.is_empty();
            for &(_, id, intended) in &retries {
                if self.stop_and_wait() {
                    // A retry goes before the seqs that came due while it waited.
                    self.held.push_front((id, intended));
                } else {
                    self.send_attempt(id, intended, now);
                }
            }
            retries.clear();
            self.retries_due = retries;
            while let Some(&t) = self.timeouts.front()
                && t.deadline <= now
            {
                self.timeouts.pop_front();
                self.timers_popped = self.timers_popped.wrapping_add(1);
                if t.live {
                    self.on_timeout(t.id, now);
                }
                fired_any = true;
            }
            while let Some(&(deadline, id)) = self.late_closes.front()
                && deadline <= now
            {
                self.late_closes.pop_front();
                if let Some(p) = self.pending.get(&id).copied()
                    && p.timed_out
                {
                    self.close_timed_out(id, p, None);
                }
                fired_any = true;
            }
            if !fired_any {
                break;
            }
        }
        self.release_held(now);
    }

    fn on_timeout(&mut self, id: RequestId, now: Instant) {
        let Some(p) = self.pending.get_mut(&id) else {
            return; // replied in time: this timer no longer matters
        };
        if p.timed_out {
            return;
        }
        p.timed_out = true;
        let p = *p;
        let index = id.client - self.cfg.first_client;
        let retrying = id.attempt < self.cfg.retries;
        if self.cfg.progress {
            self.progress.push_back(Progress::Timeout { id, retrying });
        }
        if self.cfg.late_window == Duration::ZERO {
            self.close_timed_out(id, p, None);
        } else {
            let close = p.sent + self.cfg.timeout + self.cfg.late_window;
            self.late_closes.push_back((close, id));
        }
        if retrying {
            let retry = RequestId {
                attempt: id.attempt + 1,
                ..id
            };
            if let Some(at) = self.retry_queue.schedule(index, retry, now) {
                if self.stop_and_wait() {
                    self.held.push_front((retry, at));
                } else {
                    self.send_attempt(retry, at, now);
                }
            }
        } else {
            self.finish_request(index, now);
        }
    }

    fn close_timed_out(&mut self, id: RequestId, p: Pending, late_rtt: Option<Duration>) {
        self.pending.remove(&id);
        self.records.push_back(Record {
            id,
            index: id.client - self.cfg.first_client,
            sent: p.sent,
            intended: p.intended,
            outcome: Outcome::Timeout,
            rtt: None,
            late_rtt,
            connect: None,
        });
    }

    /// A datagram arrived on client `index`'s socket.
    pub fn handle_datagram(&mut self, now: Instant, index: u32, datagram: &[u8]) {
        if !wire::reply_intact(datagram) {
            self.clients[index as usize].unmatched.corrupted += 1;
            if self.cfg.progress {
                self.progress.push_back(Progress::Corrupted {
                    index,
                    text: wire::reply_text(datagram),
                });
            }
            return;
        }
        self.handle_reply(now, index, wire::parse_reply_id(datagram), Some(datagram));
    }

    /// What [`LoadGen::handle_datagram`] does with an intact reply that echoes `id`, for a
    /// driver that knows both without reading bytes: the simulator, whose unaltered replies
    /// are exactly [`wire::encode_reply`]'s (intact, and `parse_reply_id` gives back `id`).
    /// Progress lines quote the reply's text, which this path does not have: with `progress`
    /// on, pass the bytes to `handle_datagram` instead.
    pub fn handle_reply_id(&mut self, now: Instant, index: u32, id: RequestId) {
        debug_assert!(!self.cfg.progress, "progress lines need the reply's bytes");
        self.handle_reply(now, index, Some(id), None);
    }

    /// An intact reply on client `index`'s socket, echoing `echoed` (if it carried an id);
    /// `datagram` is its bytes when the driver has them, for progress lines.
    fn handle_reply(
        &mut self,
        now: Instant,
        index: u32,
        echoed: Option<RequestId>,
        datagram: Option<&[u8]>,
    ) {
        let text = |d: Option<&[u8]>| d.map(wire::reply_text).unwrap_or_default();
        let own = echoed.filter(|id| id.client == self.client_id(index));
        if self.matching == Matching::Probing && (own.is_some() || echoed.is_none()) {
            let by_id = own.is_some();
            self.matching = if by_id {
                Matching::ByIdOnly
            } else {
                Matching::StopAndWait
            };
            if self.cfg.progress {
                self.progress.push_back(Progress::Matching { by_id });
            }
            if by_id {
                // Pipelined from now on: whatever was held goes out at once.
                for (id, intended) in std::mem::take(&mut self.held) {
                    self.send_attempt(id, intended, now);
                }
            }
        }
        let id = match (echoed, self.matching) {
            (Some(_), _) => own,
            // An id for another client: a stray, never credited to this client's packets.
            // Stop-and-wait: the one attempt outstanding, waiting or in its late window.
            (None, Matching::StopAndWait | Matching::Probing) => self.only_outstanding(index),
            // The server echoed ids before: a reply without one is nobody's.
            (None, Matching::ByIdOnly) => None,
            // A server that does not echo ids: credit the oldest packet still waiting.
            (None, Matching::ById) => self.oldest_waiting(index),
        };
        let matched = id.and_then(|id| self.pending.get(&id).copied().map(|p| (id, p)));
        let Some((id, p)) = matched else {
            let duplicate = echoed.is_some_and(|id| {
                id.client == self.client_id(index)
                    && self.clients[index as usize].has_replied(id.seq)
            });
            let counters = &mut self.clients[index as usize].unmatched;
            if duplicate {
                counters.duplicates += 1;
            } else {
                counters.stray += 1;
            }
            if self.cfg.progress {
                self.progress.push_back(Progress::Unmatched {
                    index,
                    duplicate,
                    text: text(datagram),
                });
            }
            return;
        };
        let rtt = now - p.sent;
        if p.timed_out {
            if self.cfg.progress {
                self.progress.push_back(Progress::Late { id, rtt });
            }
            self.close_timed_out(id, p, Some(rtt));
            self.release_held(now);
            return;
        }
        self.pending.remove(&id);
        self.cancel_timer(p.timer);
        self.clients[index as usize].mark_replied(id.seq);
        if self.cfg.progress {
            self.progress.push_back(Progress::Reply {
                id,
                rtt,
                text: text(datagram),
            });
        }
        self.records.push_back(Record {
            id,
            index,
            sent: p.sent,
            intended: p.intended,
            outcome: Outcome::Reply,
            rtt: Some(rtt),
            late_rtt: None,
            connect: None,
        });
        self.finish_request(index, now);
        self.release_held(now);
    }

    /// Stop-and-wait's one outstanding attempt (at most one exists).
    fn only_outstanding(&self, index: u32) -> Option<RequestId> {
        let client = self.client_id(index);
        self.pending
            .iter()
            .map(|(id, _)| id)
            .filter(|id| id.client == client)
            .min_by_key(|id| (id.seq, id.attempt))
    }

    fn oldest_waiting(&self, index: u32) -> Option<RequestId> {
        let client = self.client_id(index);
        self.pending
            .iter()
            .filter(|(id, p)| id.client == client && !p.timed_out)
            .map(|(id, _)| id)
            .min_by_key(|id| (id.seq, id.attempt))
    }

    /// Ends the run early: every packet still waiting becomes an `interrupted` row, every packet
    /// in its late window a `timeout` row, in (client, seq, attempt) order.
    pub fn interrupt(&mut self) {
        self.timers_popped = self.timers_popped.wrapping_add(self.timeouts.len() as u32);
        self.timeouts.clear();
        self.late_closes.clear();
        self.retry_queue.clear();
        // Held attempts never left: no packet, no row.
        self.held.clear();
        for (id, p) in self.pending.drain_sorted() {
            self.records.push_back(Record {
                id,
                index: id.client - self.cfg.first_client,
                sent: p.sent,
                intended: p.intended,
                outcome: if p.timed_out {
                    Outcome::Timeout
                } else {
                    Outcome::Interrupted
                },
                rtt: None,
                late_rtt: None,
                connect: None,
            });
        }
        self.pacer.stop();
    }

    /// The next request to send: the client index, with the datagram written into `buf`.
    pub fn poll_transmit(&mut self, buf: &mut Vec<u8>) -> Option<u32> {
        let id = self.poll_request()?;
        wire::encode_request(id, buf);
        Some(id.client - self.cfg.first_client)
    }

    /// The next request to send, as its id alone (its datagram is
    /// `wire::encode_request(id)`, from client index `id.client - first_client`).
    pub fn poll_request(&mut self) -> Option<RequestId> {
        self.transmits.pop_front()
    }

    pub fn poll_record(&mut self) -> Option<Record> {
        self.records.pop_front()
    }

    /// Hands every finished record to `f`, in order, by reference: the batch form of
    /// [`LoadGen::poll_record`]. Stops at `f`'s first error; the records from there on are
    /// dropped with it (an error ends the run).
    pub fn drain_records<E>(
        &mut self,
        mut f: impl FnMut(&Record) -> Result<(), E>,
    ) -> Result<(), E> {
        let result = self.records.iter().try_for_each(&mut f);
        self.records.clear();
        result
    }

    pub fn poll_progress(&mut self) -> Option<Progress> {
        self.progress.pop_front()
    }

    /// The earliest instant at which `handle_timeout` has work to do.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.pacer.next_deadline(),
            self.timeouts.front().map(|t| t.deadline),
            self.late_closes.front().map(|t| t.0),
            self.retry_queue.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn unmatched(&self, index: u32) -> Unmatched {
        self.clients[index as usize].unmatched
    }

    /// Every request sent, every packet resolved, every late window closed.
    pub fn is_done(&self) -> bool {
        self.pacer.is_started()
            && self.pending.is_empty()
            && self.pacer.open() == 0
            && self.transmits.is_empty()
            && self.held.is_empty()
            && self.pacer.all_sent()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pacing: Pacing) -> LoadGenConfig {
        LoadGenConfig {
            clients: 2,
            first_client: 0,
            requests: 3,
            pacing,
            timeout: Duration::from_millis(100),
            retries: 0,
            backoff: Backoff::NONE,
            seed: 1,
            late_window: Duration::from_millis(100),
            progress: true,
        }
    }

    fn us(v: u64) -> Instant {
        Instant::from_micros(v)
    }

    fn sent(lg: &mut LoadGen) -> Vec<(u32, RequestId)> {
        let mut buf = Vec::new();
        let mut out = Vec::new();
        while let Some(index) = lg.poll_transmit(&mut buf) {
            out.push((index, wire::parse_request(&buf).unwrap()));
        }
        out
    }

    fn reply_to(id: RequestId) -> Vec<u8> {
        let mut b = Vec::new();
        wire::encode_reply(0, Some(id), &mut b);
        b
    }

    fn id(client: u32, seq: u32, attempt: u8) -> RequestId {
        RequestId {
            client,
            seq,
            attempt,
        }
    }

    #[test]
    fn open_loop_staggers_clients_and_paces_sends() {
        let mut lg = LoadGen::new(cfg(Pacing::Interval(Duration::from_millis(10))));
        lg.handle_timeout(us(0));
        assert_eq!(sent(&mut lg), vec![(0, id(0, 0, 0))]);
        assert_eq!(lg.poll_timeout(), Some(us(5_000)));
        lg.handle_timeout(us(5_000));
        assert_eq!(sent(&mut lg), vec![(1, id(1, 0, 0))]);
        lg.handle_timeout(us(10_000));
        assert_eq!(sent(&mut lg), vec![(0, id(0, 1, 0))]);
    }

    #[test]
    fn reply_records_rtt_from_send_time() {
        let mut lg = LoadGen::new(cfg(Pacing::Closed { concurrency: 1 }));
        lg.handle_timeout(us(1_000));
        assert_eq!(sent(&mut lg).len(), 2);
        lg.handle_datagram(us(1_250), 0, &reply_to(id(0, 0, 0)));
        let r = lg.poll_record().unwrap();
        assert_eq!(r.outcome, Outcome::Reply);
        assert_eq!(r.rtt, Some(Duration::from_micros(250)));
        assert_eq!(r.sent, us(1_000));
        // Closed loop: the reply let client 0 send its next request at once.
        assert_eq!(sent(&mut lg), vec![(0, id(0, 1, 0))]);
    }

    #[test]
    fn late_reply_stays_with_its_own_attempt() {
        let mut c = cfg(Pacing::Closed { concurrency: 1 });
        c.clients = 1;
        c.retries = 1;
        let mut lg = LoadGen::new(c);
        lg.handle_timeout(us(0));
        sent(&mut lg);
        lg.handle_timeout(us(100_000)); // attempt 0 times out, attempt 1 goes out
        assert_eq!(sent(&mut lg), vec![(0, id(0, 0, 1))]);
        assert_eq!(
            lg.poll_progress(),
            Some(Progress::Timeout {
                id: id(0, 0, 0),
                retrying: true
            })
        );
        // The reply to attempt 0 arrives late, while attempt 1 waits.
        lg.handle_datagram(us(120_000), 0, &reply_to(id(0, 0, 0)));
        let late = lg.poll_record().unwrap();
        assert_eq!(late.id, id(0, 0, 0));
        assert_eq!(late.outcome, Outcome::Timeout);
        assert_eq!(late.late_rtt, Some(Duration::from_millis(120)));
        assert!(lg.poll_record().is_none(), "attempt 1 is still waiting");
        lg.handle_datagram(us(130_000), 0, &reply_to(id(0, 0, 1)));
        let r = lg.poll_record().unwrap();
        assert_eq!((r.id, r.outcome), (id(0, 0, 1), Outcome::Reply));
        assert_eq!(r.rtt, Some(Duration::from_millis(30)));
        // A second copy of the same reply is a duplicate, counted once.
        lg.handle_datagram(us(131_000), 0, &reply_to(id(0, 0, 1)));
        assert_eq!(lg.unmatched(0).duplicates, 1);
        assert!(lg.poll_record().is_none());
    }

    /// With `fixed 30ms` backoff, attempt 1 leaves 30 ms after attempt 0 timed out (100 ms),
    /// and its intended time says so.
    #[test]
    fn backoff_holds_the_retry() {
        let mut c = cfg(Pacing::Closed { concurrency: 1 });
        c.clients = 1;
        c.requests = 1;
        c.retries = 1;
        c.late_window = Duration::ZERO;
        c.backoff = Backoff::parse("fixed 30ms").unwrap();
        let mut lg = LoadGen::new(c);
        lg.handle_timeout(us(0));
        sent(&mut lg);
        lg.handle_timeout(us(100_000));
        assert!(sent(&mut lg).is_empty(), "the retry waits out its backoff");
        assert_eq!(lg.poll_timeout(), Some(us(130_000)));
        assert!(!lg.is_done());
        lg.handle_timeout(us(130_100));
        assert_eq!(sent(&mut lg), vec![(0, id(0, 0, 1))]);
        lg.handle_datagram(us(130_600), 0, &reply_to(id(0, 0, 1)));
        let rows: Vec<Record> = std::iter::from_fn(|| lg.poll_record()).collect();
        assert_eq!(rows.len(), 2);
        let retry = rows[1];
        assert_eq!(retry.id, id(0, 0, 1));
        assert_eq!((retry.intended, retry.sent), (us(130_000), us(130_100)));
        assert_eq!(retry.rtt, Some(Duration::from_micros(500)));
        assert!(lg.is_done());
    }

    #[test]
    fn timeout_without_late_reply_closes_after_the_window() {
        let mut c = cfg(Pacing::Closed { concurrency: 1 });
        c.clients = 1;
        c.requests = 1;
        let mut lg = LoadGen::new(c);
        lg.handle_timeout(us(0));
        sent(&mut lg);
        lg.handle_timeout(us(100_000));
        assert!(lg.poll_record().is_none());
        assert!(!lg.is_done());
        assert_eq!(lg.poll_timeout(), Some(us(200_000)));
        lg.handle_timeout(us(200_000));
        let r = lg.poll_record().unwrap();
        assert_eq!(
            (r.outcome, r.rtt, r.late_rtt),
            (Outcome::Timeout, None, None)
        );
        assert!(lg.is_done());
    }

    /// `handle_reply_id` is `handle_datagram` for an intact reply, step for step: the same
    /// records, counters and next sends through replies, late replies, duplicates and
    /// replies for another client.
    #[test]
    fn reply_id_entry_matches_the_bytes() {
        let mut c = cfg(Pacing::Closed { concurrency: 2 });
        c.retries = 1;
        c.progress = false;
        let (mut a, mut b) = (LoadGen::new(c), LoadGen::new(c));
        let step = |lg: &mut LoadGen, bytes: bool| {
            let mut out = Vec::new();
            lg.handle_timeout(us(0));
            out.push(format!("{:?}", sent(lg)));
            let replies = [
                (10, 0, id(0, 0, 0)),
                (20, 0, id(0, 0, 0)), // duplicate
                (30, 1, id(0, 1, 0)), // another client's id
                (40, 1, id(1, 1, 0)),
                (150_000, 0, id(0, 1, 0)), // late
                (160_000, 0, id(0, 1, 1)),
                (170_000, 1, id(1, 0, 1)), // stray
            ];
            for (at, index, rid) in replies {
                lg.handle_timeout(us(at));
                match bytes {
                    true => lg.handle_datagram(us(at), index, &reply_to(rid)),
                    false => lg.handle_reply_id(us(at), index, rid),
                }
                out.push(format!("{:?}", sent(lg)));
                out.extend(std::iter::from_fn(|| lg.poll_record()).map(|r| format!("{r:?}")));
            }
            out.push(format!("{:?} {:?}", lg.unmatched(0), lg.unmatched(1)));
            out
        };
        let with_bytes = step(&mut a, true);
        assert_eq!(with_bytes, step(&mut b, false));
        assert!(with_bytes.iter().any(|l| l.contains("late_rtt: Some")));
    }

    #[test]
    fn corrupted_reply_is_discarded_not_credited() {
        let mut c = cfg(Pacing::Closed { concurrency: 1 });
        c.clients = 1;
        let mut lg = LoadGen::new(c);
        lg.handle_timeout(us(0));
        sent(&mut lg);
        let mut bad = reply_to(id(0, 0, 0));
        bad[3] ^= 0x04; // one bit of the date text
        lg.handle_datagram(us(10), 0, &bad);
        assert!(
            lg.poll_record().is_none(),
            "a corrupted reply must not count"
        );
        assert_eq!(lg.unmatched(0).corrupted, 1);
        lg.handle_datagram(us(20), 0, &reply_to(id(0, 0, 0)));
        assert_eq!(lg.poll_record().unwrap().outcome, Outcome::Reply);
    }

    #[test]
    fn reply_without_id_credits_the_oldest_waiting_packet() {
        let mut c = cfg(Pacing::Closed { concurrency: 2 });
        c.clients = 1;
        let mut lg = LoadGen::new(c);
        lg.handle_timeout(us(0));
        assert_eq!(sent(&mut lg).len(), 2);
        lg.handle_datagram(us(10), 0, b"Tue Nov 24 01:22:28 2026\n");
        assert_eq!(lg.poll_record().unwrap().id, id(0, 0, 0));
    }

    /// Stop-and-wait against a server without ids: one attempt at a time, the next held until
    /// the previous one's reply or the end of its late window; a reply after the timeout is
    /// that attempt's late reply, never the next request's.
    #[test]
    fn stop_and_wait_never_credits_a_late_reply_to_the_next_request() {
        let mut c = cfg(Pacing::Interval(Duration::from_millis(10)));
        c.clients = 1;
        let mut lg = LoadGen::new(c);
        lg.stop_and_wait_until_ids();
        lg.handle_timeout(us(0));
        assert_eq!(sent(&mut lg), vec![(0, id(0, 0, 0))]);
        lg.handle_timeout(us(50_000));
        assert!(sent(&mut lg).is_empty(), "seq 1 waits for seq 0");
        // Seq 0 times out at 100 ms and stays in its late window (100 ms more).
        lg.handle_timeout(us(100_000));
        assert!(
            sent(&mut lg).is_empty(),
            "seq 1 waits out seq 0's late window"
        );
        // An id-less reply now is seq 0's late reply.
        lg.handle_datagram(us(150_000), 0, b"Mon Nov 30 07:11:21 2026\n");
        let late = lg.poll_record().unwrap();
        assert_eq!((late.id, late.outcome), (id(0, 0, 0), Outcome::Timeout));
        assert_eq!(late.late_rtt, Some(Duration::from_millis(150)));
        // ... which ends the wait: seq 1 goes out, and the next id-less reply is its own.
        assert_eq!(sent(&mut lg), vec![(0, id(0, 1, 0))]);
        lg.handle_datagram(us(150_300), 0, b"Mon Nov 30 07:11:21 2026\n");
        let r = lg.poll_record().unwrap();
        assert_eq!(
            (r.id, r.rtt),
            (id(0, 1, 0), Some(Duration::from_micros(300)))
        );
        assert_eq!(sent(&mut lg), vec![(0, id(0, 2, 0))]);
        let progress: Vec<Progress> = std::iter::from_fn(|| lg.poll_progress()).collect();
        assert!(progress.contains(&Progress::Matching { by_id: false }));
    }

    /// A reply that echoes the client's id switches to pipelined sends, matched by id only;
    /// held requests go out at once, and a later id-less datagram is a stray.
    #[test]
    fn an_echoed_id_switches_to_pipelined_matching() {
        let mut c = cfg(Pacing::Interval(Duration::from_millis(10)));
        c.clients = 1;
        c.requests = 4;
        let mut lg = LoadGen::new(c);
        lg.stop_and_wait_until_ids();
        lg.handle_timeout(us(0));
        sent(&mut lg);
        lg.handle_timeout(us(25_000));
        assert!(sent(&mut lg).is_empty());
        lg.handle_datagram(us(25_000), 0, &reply_to(id(0, 0, 0)));
        assert_eq!(sent(&mut lg), vec![(0, id(0, 1, 0)), (0, id(0, 2, 0))]);
        lg.handle_timeout(us(30_000));
        assert_eq!(sent(&mut lg), vec![(0, id(0, 3, 0))]);
        lg.handle_datagram(us(30_100), 0, b"no id here\n");
        assert_eq!(lg.unmatched(0).stray, 1);
        assert_eq!(lg.poll_record().unwrap().id, id(0, 0, 0));
        assert!(
            lg.poll_record().is_none(),
            "the id-less datagram is nobody's reply"
        );
    }

    #[test]
    fn interrupt_marks_waiting_packets() {
        let mut lg = LoadGen::new(cfg(Pacing::Closed { concurrency: 1 }));
        lg.handle_timeout(us(0));
        sent(&mut lg);
        lg.interrupt();
        let rows: Vec<Outcome> = std::iter::from_fn(|| lg.poll_record())
            .map(|r| r.outcome)
            .collect();
        assert_eq!(rows, vec![Outcome::Interrupted, Outcome::Interrupted]);
        assert!(lg.is_done());
    }

    /// Every packet gets exactly one record, whatever mix of replies, losses and late replies.
    #[test]
    fn one_record_per_packet() {
        let mut c = cfg(Pacing::Interval(Duration::from_millis(1)));
        c.clients = 3;
        c.requests = 200;
        c.retries = 2;
        let mut lg = LoadGen::new(c);
        let mut buf = Vec::new();
        let mut sent_count = 0;
        let mut in_air: Vec<(u64, u32, RequestId)> = Vec::new();
        let mut now = 0;
        let mut records = 0;
        while !lg.is_done() && now < 10_000_000 {
            lg.handle_timeout(us(now));
            while let Some(index) = lg.poll_transmit(&mut buf) {
                let id = wire::parse_request(&buf).unwrap();
                sent_count += 1;
                // Drop every third packet, answer some late, the rest after 3 ms.
                match (id.seq + u32::from(id.attempt)) % 3 {
                    0 => {}
                    1 => in_air.push((now + 150_000, index, id)),
                    _ => in_air.push((now + 3_000, index, id)),
                }
            }
            in_air.sort();
            while in_air.first().is_some_and(|a| a.0 <= now) {
                let (_, index, id) = in_air.remove(0);
                lg.handle_datagram(us(now), index, &reply_to(id));
            }
            while lg.poll_record().is_some() {
                records += 1;
            }
            now += 500;
        }
        assert!(lg.is_done());
        assert_eq!(records, sent_count);
        assert!(sent_count > 600);
    }
}
