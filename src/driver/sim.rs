//! The virtual-time driver: the same sans-IO [`TimeServer`] and [`LoadGen`] the live driver
//! runs, connected by a simulated [`Link`] instead of sockets, under a clock that jumps from one
//! event to the next instead of waiting for it.
//!
//! Owns the simulated clock, the datagrams in flight and the fake addresses. Each turn: every
//! datagram due by `now` is delivered (`handle_datagram`), the cores act on their timers
//! (`handle_timeout`), everything they hand out is sent onto the link or reported to the
//! [`Observer`] in the live driver's order, then `now` jumps to the earliest of the next
//! delivery, `LoadGen::poll_timeout` and `TimeServer::poll_timeout`. Nothing here reads a clock
//! or opens a socket.
//!
//! Invariants:
//! - `now` never goes backwards;
//! - datagrams in flight are delivered in (arrival time, the order they entered the link)
//!   order, so ties break the same way in every run. They wait in a FIFO while arrivals come in
//!   order (a link without jitter: every datagram takes the same time, and sends happen at a
//!   non-decreasing `now`), and in a heap when one would overtake the FIFO's last; delivery
//!   takes the smaller head of the two. Same order as one heap, at a FIFO's cost;
//! - client `i` is always `10.0.0.2:(40000 + i)` to the server, which is `10.0.0.1:21567`, so
//!   the server's events (and the console lines made from them) are the same in every run;
//! - the time server's replies are dated from a fixed epoch ([`SIM_EPOCH_UNIX_US`]), so even
//!   the reply bytes (and their serialization time on a bandwidth-limited link) repeat.
//!
//! Datagrams travel as what they say, not as bytes: a request as its id, a reply as the
//! server's [`Transmit`] (date, echoed id, corruption). The wire text is the same as a live
//! run's, but only made where something reads it: for a datagram's length on a link with a
//! `bandwidth`, for a corrupted reply (the client's checksum must see the flipped bit) and
//! for progress lines. Elsewhere the cores' id entry points stand in for the bytes
//! ([`TimeServer::handle_losslab_request`], [`LoadGen::handle_reply_id`]); they are exact
//! because `wire::time` guarantees that its requests and intact replies parse back to the
//! id they were made from. Formatting and parsing text twice per packet was a third of the
//! simulator's time.
//!
//! Together with the keyed draws of the server and the link, a run is a pure function of the
//! scenario and its seed.

use super::live::{Observer, Stop};
use crate::client::loadgen::LoadGen;
use crate::impair::link::{HEADER_BYTES, Link};
use crate::impair::path::{Ident, LinkEvent, Packet, Path, Proto};
use crate::impair::{Direction, PacketKey};
use crate::server::time::{TimeServer, Transmit};
use crate::time::{Duration, Instant};
use crate::wire::time::{self as wire, ReplyEncoder, RequestId};
use anyhow::{Context, Result, bail};
use std::cmp::Ordering as CmpOrdering;
use std::collections::{BinaryHeap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

/// The instant a simulated run starts at, for the date in the time server's replies:
/// 2026-01-01 00:00:00 UTC, in µs since 1970.
pub const SIM_EPOCH_UNIX_US: i64 = 1_767_225_600_000_000;

/// The simulated server's address (the lab's port).
pub const SERVER_ADDR: SocketAddr = SocketAddr::new(std::net::IpAddr::V4(SERVER_IP), 21567);
const SERVER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
const FIRST_CLIENT_PORT: u16 = 40_000;
/// Most clients the fake addresses can tell apart (one port each).
pub const MAX_SIM_CLIENTS: u32 = (u16::MAX - FIRST_CLIENT_PORT) as u32 + 1;

/// The address client `index` sends from, as the server sees it.
pub fn client_addr(index: u32) -> SocketAddr {
    debug_assert!(index < MAX_SIM_CLIENTS);
    SocketAddr::from((CLIENT_IP, FIRST_CLIENT_PORT + index as u16))
}

/// The client index behind a fake client address, if it is one.
fn client_index(addr: SocketAddr) -> Option<u32> {
    match addr {
        SocketAddr::V4(a) if *a.ip() == CLIENT_IP && a.port() >= FIRST_CLIENT_PORT => {
            Some(u32::from(a.port() - FIRST_CLIENT_PORT))
        }
        _ => None,
    }
}

/// Datagrams in flight, earliest (at, order) first.
#[derive(Default)]
struct InFlight {
    /// In (at, order) order: each entry's `at` is at least the previous one's.
    fifo: VecDeque<Flight>,
    /// Datagrams that would have broken the FIFO's order (they overtake its last entry).
    heap: BinaryHeap<Flight>,
}

impl InFlight {
    /// Adds a datagram.
    fn push(&mut self, f: Flight) {
        if self.fifo.back().is_none_or(|last| last.at <= f.at) {
            self.fifo.push_back(f);
        } else {
            self.heap.push(f);
        }
    }

    /// The earliest arrival time in flight.
    fn next_at(&self) -> Option<Instant> {
        match (self.fifo.front(), self.heap.peek()) {
            (Some(a), Some(b)) => Some(a.at.min(b.at)),
            (a, b) => a.or(b).map(|f| f.at),
        }
    }

    /// Removes the earliest datagram if it has arrived by `now`.
    fn pop_due(&mut self, now: Instant) -> Option<Flight> {
        let from_heap = match (self.fifo.front(), self.heap.peek()) {
            // `>` in the heap's order means earlier.
            (Some(a), Some(b)) => b > a,
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => return None,
        };
        if from_heap {
            if self.heap.peek()?.at <= now {
                return self.heap.pop();
            }
        } else if self.fifo.front()?.at <= now {
            return self.fifo.pop_front();
        }
        None
    }
}

/// A datagram on the link, stored inline (it never allocates).
struct Flight {
    at: Instant,
    /// Position in the order datagrams entered the link: the tie-break for equal `at`.
    order: u64,
    /// Requests come from client `client`, replies go to it.
    client: u32,
    msg: Msg,
}

/// What a datagram says (its bytes are made only where needed; see the module doc).
#[derive(Clone, Copy)]
enum Msg {
    /// A losslab request (the load generator sends nothing else).
    Request(RequestId),
    /// A reply: the server's [`Transmit`] without its address, which is client `client`'s.
    Reply {
        unix_us: i64,
        id: Option<RequestId>,
        flip: Option<(u8, u8)>,
    },
}

// `BinaryHeap` is a max-heap: the earliest (at, order) must compare greatest.
impl Ord for Flight {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        (other.at, other.order).cmp(&(self.at, self.order))
    }
}

impl PartialOrd for Flight {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Flight {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}

impl Eq for Flight {}

/// Counts of what crossed the simulated link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimStats {
    pub requests: u64,
    pub replies: u64,
    /// Loop turns: how many distinct instants the clock stopped at.
    pub turns: u64,
}

/// The path a simulation's datagrams take.
// Built once per run: the size of the default variant costs nothing, and boxing it would add an
// indirection on the simulator's fastest path.
#[allow(clippy::large_enum_variant)]
pub enum SimPath {
    /// No `[link]` in the scenario: the default lossless link, and no per-packet record of it
    /// (the fast path).
    Default(Link),
    /// The scenario's `[link]`: every datagram crosses the [`Path`] and becomes a
    /// [`LinkEvent`] (a row of `link.csv`).
    Link(Box<Path>),
}

impl SimPath {
    /// A person's reading of the path in the user's language, for the console.
    pub fn describe_console(&self) -> String {
        match self {
            SimPath::Default(l) => l.config().describe_console(),
            SimPath::Link(p) => p.config().describe_console(),
        }
    }

    /// Whether a datagram's length must be known (a bandwidth, or a record of the link).
    fn sized(&self) -> bool {
        match self {
            SimPath::Default(l) => l.config().bandwidth.is_some(),
            SimPath::Link(_) => true,
        }
    }

    /// Whether the draws need the datagram's key.
    fn needs_key(&self) -> bool {
        match self {
            SimPath::Default(l) => l.needs_key(),
            SimPath::Link(_) => true,
        }
    }
}

/// One udp-time experiment under virtual time.
pub struct SimLoop {
    now: Instant,
    server: TimeServer,
    loadgen: LoadGen,
    link: SimPath,
    /// Crossings of the `[link]` not yet handed to the observer.
    link_events: Vec<LinkEvent>,
    flight: InFlight,
    next_order: u64,
    /// Replies without an id get keys from this counter (never happens with losslab's own
    /// clients; kept so an odd datagram still has a deterministic key).
    unkeyed: u64,
    /// Where a datagram's bytes are made when something reads them.
    bytes: Vec<u8>,
    encoder: ReplyEncoder,
    stats: SimStats,
}

impl SimLoop {
    /// The server's replies must be dated from [`SIM_EPOCH_UNIX_US`] for a run to repeat
    /// byte for byte; the caller builds the server with it.
    pub fn new(server: TimeServer, loadgen: LoadGen, link: SimPath) -> Result<Self> {
        let clients = loadgen.config().clients;
        if clients > MAX_SIM_CLIENTS {
            bail!(crate::tr!(
                "sim-err-too-many-clients",
                max = MAX_SIM_CLIENTS.to_string(),
                clients = clients.to_string()
            ));
        }
        Ok(SimLoop {
            now: Instant::ZERO,
            server,
            loadgen,
            link,
            link_events: Vec::new(),
            flight: InFlight::default(),
            next_order: 0,
            unkeyed: 0,
            bytes: Vec::with_capacity(64),
            encoder: ReplyEncoder::default(),
            stats: SimStats::default(),
        })
    }

    /// The simulated clock: the last instant the loop stopped at.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Simulated time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.now - Instant::ZERO
    }

    pub fn loadgen(&self) -> &LoadGen {
        &self.loadgen
    }

    pub fn server(&self) -> &TimeServer {
        &self.server
    }

    pub fn link(&self) -> &SimPath {
        &self.link
    }

    pub fn stats(&self) -> SimStats {
        self.stats
    }

    /// Runs until the clients are done (or `interrupt` is set, or the observer says stop).
    pub fn run(&mut self, observer: &mut dyn Observer, interrupt: &AtomicBool) -> Result<Stop> {
        loop {
            self.stats.turns += 1;
            self.deliver_due();
            self.loadgen.handle_timeout(self.now);
            self.server.handle_timeout(self.now);
            self.flush(observer)?;
            if interrupt.load(Ordering::Relaxed) {
                self.loadgen.interrupt();
                self.flush(observer)?;
                return Ok(Stop::Interrupted);
            }
            if self.loadgen.is_done() {
                return Ok(Stop::Done);
            }
            if observer.should_stop() {
                return Ok(Stop::Observer);
            }
            let next = [
                self.flight.next_at(),
                self.loadgen.poll_timeout(),
                self.server.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(at) => self.now = self.now.max(at),
                // Nothing in flight, no timer, yet the clients are not done: a core lost track
                // of a packet. Stopping beats spinning forever.
                None => bail!(
                    "the simulation stalled at {} µs: nothing in flight and no timer set, but \
                     the clients are not done (a bug in losslab)",
                    self.now.as_micros()
                ),
            }
        }
    }

    /// Hands every datagram due by `now` to its receiver, earliest first.
    fn deliver_due(&mut self) {
        let progress = self.loadgen.config().progress;
        while let Some(f) = self.flight.pop_due(self.now) {
            match f.msg {
                Msg::Request(id) => {
                    self.server
                        .handle_losslab_request(self.now, client_addr(f.client), id);
                }
                Msg::Reply {
                    id: Some(id),
                    flip: None,
                    ..
                } if !progress => self.loadgen.handle_reply_id(self.now, f.client, id),
                Msg::Reply { unix_us, id, flip } => {
                    let t = Transmit {
                        to: client_addr(f.client),
                        unix_us,
                        id,
                        flip,
                    };
                    t.encode(&mut self.encoder, &mut self.bytes);
                    self.loadgen
                        .handle_datagram(self.now, f.client, &self.bytes);
                }
            }
        }
    }

    /// Puts a datagram of `len` bytes on the link in `dir`. Inlined: on the default link this
    /// is the simulator's per-packet path, and a call per datagram cost 5% of a run.
    #[inline(always)]
    fn send(&mut self, dir: Direction, client: u32, msg: Msg, len: usize, key: PacketKey) {
        if let SimPath::Default(link) = &mut self.link {
            let at = link.arrival(dir, key, len, self.now);
            self.flight.push(Flight {
                at,
                order: self.next_order,
                client,
                msg,
            });
            self.next_order += 1;
            return;
        }
        self.send_on_path(dir, client, msg, len, key);
    }

    /// [`SimLoop::send`] across the scenario's `[link]`: its fate, its record, its copies.
    #[inline(never)]
    fn send_on_path(&mut self, dir: Direction, client: u32, msg: Msg, len: usize, key: PacketKey) {
        let SimPath::Link(path) = &mut self.link else {
            return;
        };
        let ident = match msg {
            Msg::Request(id) | Msg::Reply { id: Some(id), .. } => Ident::Time(id),
            Msg::Reply { id: None, .. } => Ident::Plain { index: key.seq },
        };
        let packet = Packet {
            dir,
            flow: client,
            proto: Proto::UdpTime,
            bytes: (len as u64 + HEADER_BYTES) as u32,
            ident,
        };
        let crossing = path.cross(self.now, &packet);
        self.link_events.push(LinkEvent {
            at: self.now,
            packet,
            crossing,
            request: match ident {
                Ident::Time(id) => Some(id),
                _ => None,
            },
        });
        // A corrupted datagram fails its UDP checksum at the receiver, which drops it.
        if crossing.corrupt_mask.is_some() {
            return;
        }
        for at in crossing.arrivals.into_iter().flatten() {
            self.flight.push(Flight {
                at,
                order: self.next_order,
                client,
                msg,
            });
            self.next_order += 1;
        }
    }

    /// Sends what the cores hand out and reports their events, in the live driver's order.
    fn flush(&mut self, observer: &mut dyn Observer) -> Result<()> {
        // Lengths matter only to a link with a bandwidth: only then are the bytes made.
        let sized = self.link.sized();
        while let Some(t) = self.server.poll_transmit() {
            // Every reply goes to a fake client address; anything else has nowhere to go.
            let Some(client) = client_index(t.to) else {
                continue;
            };
            // The key is the echoed id (a corrupted reply's id is intact: the flip is in
            // the date text).
            let key = match self.link.needs_key().then_some(t.id) {
                None => NO_KEY,
                Some(Some(id)) => key_of(id),
                Some(None) => {
                    self.unkeyed += 1;
                    PacketKey {
                        flow: client,
                        seq: self.unkeyed,
                        attempt: u8::MAX,
                    }
                }
            };
            let len = match sized {
                true => {
                    self.server.encode(&t, &mut self.bytes);
                    self.bytes.len()
                }
                false => 0,
            };
            let msg = Msg::Reply {
                unix_us: t.unix_us,
                id: t.id,
                flip: t.flip,
            };
            self.send(Direction::Reply, client, msg, len, key);
            self.stats.replies += 1;
        }
        self.server.drain_events(|e| observer.server_event(e));
        let first_client = self.loadgen.config().first_client;
        while let Some(id) = self.loadgen.poll_request() {
            let key = match self.link.needs_key() {
                true => key_of(id),
                false => NO_KEY,
            };
            let len = match sized {
                true => {
                    wire::encode_request(id, &mut self.bytes);
                    self.bytes.len()
                }
                false => 0,
            };
            let index = id.client - first_client;
            self.send(Direction::Request, index, Msg::Request(id), len, key);
            self.stats.requests += 1;
        }
        while let Some(p) = self.loadgen.poll_progress() {
            observer.progress(p);
        }
        self.loadgen
            .drain_records(|r| observer.record(r))
            .context(crate::tr!("err-write-row", file = "requests.csv"))?;
        for e in self.link_events.drain(..) {
            observer
                .link_event(&e)
                .context(crate::tr!("err-write-row", file = "link.csv"))?;
        }
        Ok(())
    }
}

/// The key passed when the link draws nothing from it (no jitter).
const NO_KEY: PacketKey = PacketKey {
    flow: 0,
    seq: 0,
    attempt: 0,
};

fn key_of(id: RequestId) -> PacketKey {
    PacketKey {
        flow: id.client,
        seq: u64::from(id.seq),
        attempt: id.attempt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::loadgen::{LoadGenConfig, Outcome, Pacing, Record};
    use crate::impair::link::LinkConfig;
    use crate::impair::{ImpairConfig, Impairments};
    use crate::server::time::{Action, ServerEvent};
    use std::io;

    #[derive(Default)]
    struct Log {
        records: Vec<Record>,
        events: Vec<ServerEvent>,
    }

    impl Observer for Log {
        fn server_event(&mut self, e: &ServerEvent) {
            self.events.push(*e);
        }
        fn record(&mut self, r: &Record) -> io::Result<()> {
            self.records.push(*r);
            Ok(())
        }
    }

    fn sim(impair: &str, link: LinkConfig, pacing: Pacing, retries: u8) -> SimLoop {
        let impair = ImpairConfig::parse(Some(impair), None, None, None, None, None).unwrap();
        let server = TimeServer::with_impairments(Impairments::new(impair, 42), SIM_EPOCH_UNIX_US);
        let loadgen = LoadGen::new(LoadGenConfig {
            clients: 3,
            first_client: 0,
            requests: 50,
            pacing,
            timeout: Duration::from_millis(20),
            retries,
            backoff: crate::client::backoff::Backoff::NONE,
            seed: 42,
            late_window: Duration::from_millis(20),
            progress: false,
        });
        SimLoop::new(server, loadgen, SimPath::Default(Link::new(link, 42))).unwrap()
    }

    fn run(s: &mut SimLoop) -> Log {
        let mut log = Log::default();
        let stop = s.run(&mut log, &AtomicBool::new(false)).unwrap();
        assert_eq!(stop, Stop::Done);
        log
    }

    #[test]
    fn fake_addresses_round_trip() {
        assert_eq!(client_addr(0).to_string(), "10.0.0.2:40000");
        for i in [0, 1, 511, MAX_SIM_CLIENTS - 1] {
            assert_eq!(client_index(client_addr(i)), Some(i));
        }
        assert_eq!(client_index(SERVER_ADDR), None);
    }

    /// No jitter, no bandwidth limit: every RTT is exactly twice the one-way delay, and every
    /// packet's row agrees with the server's decision.
    #[test]
    fn rtt_is_twice_the_link_delay() {
        let link = LinkConfig::parse(Some("137us"), None).unwrap();
        let mut s = sim("0.3", link, Pacing::Closed { concurrency: 2 }, 1);
        let log = run(&mut s);
        let replies: Vec<&Record> = log
            .records
            .iter()
            .filter(|r| r.outcome == Outcome::Reply)
            .collect();
        assert!(replies.len() > 50, "{}", replies.len());
        for r in &replies {
            assert_eq!(r.rtt, Some(Duration::from_micros(274)), "{r:?}");
            assert_eq!(r.sent, r.intended, "a simulated send is never late");
        }
        let dropped = log
            .events
            .iter()
            .filter(|e| e.action == Action::Dropped)
            .count();
        let timeouts = log
            .records
            .iter()
            .filter(|r| r.outcome == Outcome::Timeout)
            .count();
        assert!(dropped > 0);
        assert_eq!(dropped, timeouts);
        assert_eq!(log.records.len() as u64, s.stats().requests);
        assert_eq!(s.server().stats().received, s.stats().requests);
        // Each server event names the sending client's fake address.
        for e in &log.events {
            let crate::server::time::Request::Losslab(id) = e.request else {
                panic!("a plain request in sim: {e:?}")
            };
            assert_eq!(e.from, client_addr(id.client));
        }
    }

    /// The order of events is a function of the inputs alone: two runs give the same records,
    /// events and end time, and the clock never went backwards in between.
    #[test]
    fn two_runs_are_identical_and_time_is_monotonic() {
        let link =
            LinkConfig::parse(Some("300us 250us distribution pareto"), Some("20mbit")).unwrap();
        let make = || {
            sim(
                "gemodel 5% 30%",
                link,
                Pacing::Interval(Duration::from_micros(150)),
                2,
            )
        };
        let (mut a, mut b) = (make(), make());
        let (la, lb) = (run(&mut a), run(&mut b));
        assert_eq!(la.records, lb.records);
        assert_eq!(la.events, lb.events);
        assert_eq!(a.now(), b.now());
        let mut last = Instant::ZERO;
        for e in &la.events {
            assert!(e.at >= last, "server saw time go back: {e:?}");
            last = e.at;
        }
        // Jitter reorders: some reply overtook an earlier one, so RTTs vary.
        let rtts: std::collections::BTreeSet<_> = la.records.iter().filter_map(|r| r.rtt).collect();
        assert!(rtts.len() > 10, "{rtts:?}");
    }

    /// A zero-delay link still ends: deliveries at the same instant are taken in order.
    #[test]
    fn zero_delay_link_terminates() {
        let link = LinkConfig::parse(Some("0us"), None).unwrap();
        let mut s = sim("0.5", link, Pacing::Closed { concurrency: 4 }, 0);
        let log = run(&mut s);
        assert_eq!(log.records.len(), 150);
        assert!(
            log.records
                .iter()
                .filter(|r| r.outcome == Outcome::Reply)
                .all(|r| r.rtt == Some(Duration::ZERO))
        );
        // Only the timeouts moved the clock: 20 ms of waiting per chain of losses.
        assert!(s.now() > Instant::ZERO);
    }

    #[test]
    fn interrupt_keeps_what_was_measured() {
        let link = LinkConfig::default();
        let mut s = sim("0.1", link, Pacing::Interval(Duration::from_millis(1)), 0);
        let mut log = Log::default();
        let stop = s.run(&mut log, &AtomicBool::new(true)).unwrap();
        assert_eq!(stop, Stop::Interrupted);
        assert!(
            log.records
                .iter()
                .all(|r| r.outcome == Outcome::Interrupted)
        );
        assert!(!log.records.is_empty());
    }
}
