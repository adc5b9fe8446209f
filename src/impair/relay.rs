//! The sans-IO core of `losslab relay`: UDP datagrams between clients and one server, each
//! crossing the same [`Path`] a scenario's `[link]` uses, per datagram and direction.
//!
//! Owns the relay's sessions (one per client address: the driver gives each an upstream socket
//! of its own so replies find their way back), the flow each session's draws are keyed by, the
//! index of every datagram within its (flow, direction), and the datagrams on their way (a heap
//! ordered by arrival time). A datagram's identity is `Ident::Plain { index }` in its flow, so
//! its fate depends on the seed, the flow's key and its index, never on how datagrams of other
//! flows interleave with it.
//!
//! Flows: by default each client address is a flow keyed by a fixed hash of the address (a
//! client that comes back from the same address gets the same fates); [`Flows::One`] makes all
//! clients one flow whose indices count across them, so a rerun whose client got a new
//! ephemeral port meets the same fates.
//!
//! Invariant: memory is bounded — at most `max_sessions` sessions (idle ones expire after
//! `idle`, and a new client is refused while the table is full of active ones) and at most
//! [`MAX_QUEUED_BYTES`] of datagrams in flight (past that a datagram is discarded as an
//! overflow, counted apart from the link's own drops).

use super::Direction;
use super::path::{Ident, LinkEvent, LinkFate, Packet, Path, PathConfig, Proto};
use crate::time::{Duration, Instant};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;

/// Bytes of datagrams the relay holds on their way at most.
pub const MAX_QUEUED_BYTES: usize = 32 << 20;
/// IPv4 + UDP header bytes, counted into a datagram's size on the wire as the link does.
const HEADER_BYTES: u32 = 28;

/// How clients map to flows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flows {
    /// Each client address is a flow of its own.
    Address,
    /// All clients are one flow.
    One,
}

#[derive(Clone, Debug)]
pub struct RelayConfig {
    pub path: PathConfig,
    pub seed: u64,
    pub flows: Flows,
    pub max_sessions: usize,
    /// A session with no datagram either way for this long expires.
    pub idle: Duration,
}

/// Where a datagram goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    /// To the server, through session `id`'s upstream socket.
    Server(u64),
    /// To a client, from the listening socket.
    Client(SocketAddr),
}

/// A datagram due now.
#[derive(Debug, PartialEq, Eq)]
pub struct Transmit {
    pub dest: Dest,
    pub bytes: Vec<u8>,
}

/// What happened to one datagram that reached the relay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It met the path; `new_session` is set when its client was new (the driver opens an
    /// upstream socket for that id before sending anything to the server).
    Crossed {
        event: LinkEvent,
        client: SocketAddr,
        new_session: Option<u64>,
    },
    /// The path let it through but the relay holds too much already: discarded, not a link
    /// fate. `new_session` as for `Crossed`.
    Overflow {
        client: SocketAddr,
        dir: Direction,
        new_session: Option<u64>,
    },
    /// A new client while every session is active: refused.
    Refused { client: SocketAddr },
    /// A reply on a session that has expired (the driver had not closed its socket yet).
    Stale,
}

/// One client's session.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: u64,
    pub client: SocketAddr,
    /// The flow its draws are keyed by.
    pub flow: u32,
    pub opened: Instant,
    pub last: Instant,
    /// Datagrams from the client, and from the server back to it.
    pub requests: u64,
    pub replies: u64,
    pub dropped: u64,
}

pub struct Relay {
    cfg: RelayConfig,
    path: Path,
    by_client: FxHashMap<SocketAddr, Session>,
    by_id: FxHashMap<u64, SocketAddr>,
    /// Next index per (flow, direction).
    index: FxHashMap<(u32, u8), u64>,
    next_id: u64,
    queue: BinaryHeap<Reverse<(Instant, u64)>>,
    held: FxHashMap<u64, Transmit>,
    queued_bytes: usize,
    order: u64,
    pub overflows: u64,
    pub refused: u64,
}

/// SplitMix64's finalizer: a fixed function, the same in every run and on every machine.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The flow key of a client address: 31 bits of a fixed hash of its IP and port (so it never
/// meets `classify::UNKNOWN_FLOW`).
pub fn address_flow(addr: SocketAddr) -> u32 {
    let ip = match addr.ip() {
        std::net::IpAddr::V4(v4) => u128::from(u32::from(v4)),
        std::net::IpAddr::V6(v6) => u128::from(v6),
    };
    let h = mix(mix(ip as u64 ^ mix((ip >> 64) as u64)) ^ u64::from(addr.port()));
    (h & 0x7fff_ffff) as u32
}

fn dir_index(dir: Direction) -> u8 {
    match dir {
        Direction::Request => 0,
        Direction::Reply => 1,
    }
}

impl Relay {
    pub fn new(cfg: RelayConfig) -> Relay {
        Relay {
            path: Path::new(cfg.path.clone(), cfg.seed),
            cfg,
            by_client: FxHashMap::default(),
            by_id: FxHashMap::default(),
            index: FxHashMap::default(),
            next_id: 0,
            queue: BinaryHeap::new(),
            held: FxHashMap::default(),
            queued_bytes: 0,
            order: 0,
            overflows: 0,
            refused: 0,
        }
    }

    pub fn config(&self) -> &RelayConfig {
        &self.cfg
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.by_client.values()
    }

    pub fn session(&self, id: u64) -> Option<&Session> {
        self.by_id.get(&id).and_then(|c| self.by_client.get(c))
    }

    /// A datagram from `client` to the server.
    pub fn handle_from_client(
        &mut self,
        now: Instant,
        client: SocketAddr,
        bytes: &[u8],
    ) -> Outcome {
        let mut new_session = None;
        if !self.by_client.contains_key(&client) {
            if self.by_client.len() >= self.cfg.max_sessions {
                self.refused += 1;
                return Outcome::Refused { client };
            }
            let id = self.next_id;
            self.next_id += 1;
            let flow = match self.cfg.flows {
                Flows::One => 0,
                Flows::Address => {
                    // Two live clients never share a flow: a hash collision probes on.
                    let mut f = address_flow(client);
                    while self.by_client.values().any(|s| s.flow == f) {
                        f = (f + 1) & 0x7fff_ffff;
                    }
                    f
                }
            };
            self.by_client.insert(
                client,
                Session {
                    id,
                    client,
                    flow,
                    opened: now,
                    last: now,
                    requests: 0,
                    replies: 0,
                    dropped: 0,
                },
            );
            self.by_id.insert(id, client);
            new_session = Some(id);
        }
        let s = self.by_client.get_mut(&client).expect("present");
        s.last = now;
        s.requests += 1;
        let (id, flow) = (s.id, s.flow);
        let out = self.cross(now, flow, Direction::Request, bytes, Dest::Server(id));
        self.note_drop(client, &out);
        match out {
            Some(event) => Outcome::Crossed {
                event,
                client,
                new_session,
            },
            None => Outcome::Overflow {
                client,
                dir: Direction::Request,
                new_session,
            },
        }
    }

    fn note_drop(&mut self, client: SocketAddr, out: &Option<LinkEvent>) {
        if let Some(e) = out
            && e.crossing.fate == LinkFate::Dropped
            && let Some(s) = self.by_client.get_mut(&client)
        {
            s.dropped += 1;
        }
    }

    /// A datagram from the server on session `id`'s socket, back to its client.
    pub fn handle_from_server(&mut self, now: Instant, id: u64, bytes: &[u8]) -> Outcome {
        let Some(client) = self.by_id.get(&id).copied() else {
            return Outcome::Stale;
        };
        let s = self.by_client.get_mut(&client).expect("indexed");
        s.last = now;
        s.replies += 1;
        let flow = s.flow;
        let out = self.cross(now, flow, Direction::Reply, bytes, Dest::Client(client));
        self.note_drop(client, &out);
        match out {
            Some(event) => Outcome::Crossed {
                event,
                client,
                new_session: None,
            },
            None => Outcome::Overflow {
                client,
                dir: Direction::Reply,
                new_session: None,
            },
        }
    }

    /// Takes the datagram's index, asks the path, and queues what survives. `None` when the
    /// path let it through but the relay's buffer is full.
    fn cross(
        &mut self,
        now: Instant,
        flow: u32,
        dir: Direction,
        bytes: &[u8],
        dest: Dest,
    ) -> Option<LinkEvent> {
        let counter = self.index.entry((flow, dir_index(dir))).or_insert(0);
        let index = *counter;
        *counter += 1;
        let packet = Packet {
            dir,
            flow,
            proto: Proto::Udp,
            bytes: (bytes.len() as u32).saturating_add(HEADER_BYTES),
            ident: Ident::Plain { index },
        };
        let crossing = self.path.cross(now, &packet);
        let copies = crossing.arrivals.iter().flatten().count();
        if self.queued_bytes + copies * bytes.len() > MAX_QUEUED_BYTES {
            self.overflows += 1;
            return None;
        }
        for at in crossing.arrivals.iter().flatten() {
            let mut data = bytes.to_vec();
            // A corrupted datagram arrives with one bit of its last byte flipped: above UDP
            // there is no checksum left to catch it, so the application sees it (see README).
            if let (Some(mask), Some(last)) = (crossing.corrupt_mask, data.last_mut()) {
                *last ^= mask;
            }
            self.queued_bytes += data.len();
            self.held.insert(self.order, Transmit { dest, bytes: data });
            self.queue.push(Reverse((*at, self.order)));
            self.order += 1;
        }
        Some(LinkEvent {
            at: now,
            packet,
            crossing,
            request: None,
        })
    }

    /// The next datagram due at `now`, in arrival order (ties in the order they were queued).
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit> {
        let &Reverse((at, order)) = self.queue.peek()?;
        if at > now {
            return None;
        }
        self.queue.pop();
        let t = self.held.remove(&order).expect("queued");
        self.queued_bytes -= t.bytes.len();
        Some(t)
    }

    /// When the next datagram is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.queue.peek().map(|Reverse((at, _))| *at)
    }

    /// How many datagrams are on their way.
    pub fn in_flight(&self) -> usize {
        self.queue.len()
    }

    /// Ends the sessions idle for `idle` or longer at `now` and returns them (the driver closes
    /// their sockets). A datagram still queued for an expired session's server side is sent
    /// nowhere: the driver finds no socket for it.
    pub fn expire(&mut self, now: Instant) -> Vec<Session> {
        let idle = self.cfg.idle;
        let gone: Vec<SocketAddr> = self
            .by_client
            .values()
            .filter(|s| now.saturating_since(s.last) >= idle)
            .map(|s| s.client)
            .collect();
        let mut out = Vec::with_capacity(gone.len());
        for c in gone {
            let s = self.by_client.remove(&c).expect("listed");
            self.by_id.remove(&s.id);
            if self.cfg.flows == Flows::Address {
                // The flow starts over if its client comes back: its indices and chain go.
                self.index.remove(&(s.flow, 0));
                self.index.remove(&(s.flow, 1));
                self.path.forget_flow(s.flow);
            }
            out.push(s);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impair::path::PathFields;

    fn relay(loss: &str, flows: Flows) -> Relay {
        let path = PathConfig::parse(&PathFields {
            loss: Some(loss),
            delay: Some("1ms"),
            ..Default::default()
        })
        .unwrap();
        Relay::new(RelayConfig {
            path,
            seed: 7,
            flows,
            max_sessions: 1000,
            idle: Duration::from_secs(30),
        })
    }

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn dropped(o: &Outcome) -> bool {
        matches!(o, Outcome::Crossed { event, .. } if event.crossing.fate == LinkFate::Dropped)
    }

    /// Each flow's fates are its own: 200 flows interleaved give every flow the fates it gets
    /// alone, and the flows do not all share one pattern.
    #[test]
    fn interleaved_flows_keep_their_own_fates() {
        let n = 200u16;
        let per = 30usize;
        let mut mixed = relay("random 30%", Flows::Address);
        let mut together: Vec<Vec<bool>> = vec![Vec::new(); usize::from(n)];
        for i in 0..per {
            for c in 0..n {
                // Reverse the client order every other round.
                let c = if i % 2 == 0 { c } else { n - 1 - c };
                let o = mixed.handle_from_client(Instant::ZERO, addr(10_000 + c), b"x");
                together[usize::from(c)].push(dropped(&o));
            }
        }
        let mut patterns = std::collections::HashSet::new();
        for c in 0..n {
            let mut alone = relay("random 30%", Flows::Address);
            let fates: Vec<bool> = (0..per)
                .map(|_| dropped(&alone.handle_from_client(Instant::ZERO, addr(10_000 + c), b"x")))
                .collect();
            assert_eq!(fates, together[usize::from(c)], "client {c}");
            patterns.insert(fates);
        }
        assert!(patterns.len() > 190, "{} distinct patterns", patterns.len());
    }

    /// With one flow, the fates follow the index across clients, whoever sends.
    #[test]
    fn one_flow_ignores_the_client_address() {
        let mut a = relay("gemodel 5% 30%", Flows::One);
        let mut b = relay("gemodel 5% 30%", Flows::One);
        for i in 0..500u16 {
            let x = dropped(&a.handle_from_client(Instant::ZERO, addr(20_000), b"abc"));
            let y = dropped(&b.handle_from_client(Instant::ZERO, addr(30_000 + i % 7), b"abc"));
            assert_eq!(x, y, "index {i}");
        }
    }

    #[test]
    fn replies_go_back_to_their_client_in_arrival_order() {
        let mut r = relay("random 0%", Flows::Address);
        let t0 = Instant::from_micros(100);
        let Outcome::Crossed { new_session, .. } = r.handle_from_client(t0, addr(1), b"hello")
        else {
            panic!()
        };
        let id = new_session.unwrap();
        assert_eq!(r.poll_transmit(t0), None, "held for the delay");
        assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_millis(1)));
        let t1 = t0 + Duration::from_millis(1);
        assert_eq!(
            r.poll_transmit(t1),
            Some(Transmit {
                dest: Dest::Server(id),
                bytes: b"hello".to_vec()
            })
        );
        r.handle_from_server(t1, id, b"back");
        let t = r.poll_transmit(t1 + Duration::from_millis(1)).unwrap();
        assert_eq!(t.dest, Dest::Client(addr(1)));
        assert_eq!(r.handle_from_server(t1, 99, b"?"), Outcome::Stale);
    }

    #[test]
    fn sessions_are_bounded_and_expire() {
        let mut r = relay("random 0%", Flows::Address);
        r.cfg.max_sessions = 3;
        for p in 0..3 {
            r.handle_from_client(Instant::ZERO, addr(p), b"");
        }
        assert_eq!(
            r.handle_from_client(Instant::ZERO, addr(9), b""),
            Outcome::Refused { client: addr(9) }
        );
        let later = Instant::ZERO + Duration::from_secs(31);
        r.handle_from_client(Instant::ZERO + Duration::from_secs(29), addr(0), b"");
        let gone = r.expire(later);
        assert_eq!(gone.len(), 2);
        assert!(matches!(
            r.handle_from_client(later, addr(9), b""),
            Outcome::Crossed {
                new_session: Some(_),
                ..
            }
        ));
        assert_eq!(r.refused, 1);
    }

    #[test]
    fn the_buffer_is_bounded() {
        let path = PathConfig::parse(&PathFields {
            delay: Some("10s"),
            ..Default::default()
        })
        .unwrap();
        let mut r = Relay::new(RelayConfig {
            path,
            seed: 1,
            flows: Flows::One,
            max_sessions: 10,
            idle: Duration::from_secs(30),
        });
        let big = vec![0u8; 60_000];
        let mut overflow = 0;
        for _ in 0..(MAX_QUEUED_BYTES / big.len() + 10) {
            if matches!(
                r.handle_from_client(Instant::ZERO, addr(5), &big),
                Outcome::Overflow { .. }
            ) {
                overflow += 1;
            }
        }
        assert!(overflow >= 10, "{overflow}");
        assert!(r.queued_bytes <= MAX_QUEUED_BYTES);
    }
}
