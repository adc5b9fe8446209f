//! The TCP half of the virtual-time simulator: the TCP echo or HTTP HEAD load ([`TcpLoad`]) and
//! the echo or HTTP server cores, each behind a real userspace TCP/IP stack (smoltcp), joined by
//! the scenario's [`Path`], under a clock that jumps from one event to the next.
//!
//! Owns the simulated clock, the two smoltcp interfaces (server `10.0.0.1`, clients
//! `10.0.0.2`, `Medium::Ip`), their sockets and the IP packets in flight. Every packet an
//! interface transmits is classified ([`Classifier`]: flow, TCP segment identity) and crosses
//! the path ([`Path::cross`]), which decides its fate: dropped, delivered at an instant (twice
//! when duplicated), or corrupted — a corrupted packet has a bit of its last byte flipped, which
//! is always inside the TCP segment, so the receiver's checksum check drops it for real. Each
//! crossing goes to the [`Observer`] as a [`LinkEvent`] naming the attempt its connection
//! carries. Lost segments are recovered by smoltcp's own retransmission (RFC 6298 RTO, at least
//! 1 s, doubled on each retry), so TCP turns the link's loss into delay, as it does live.
//!
//! One turn at instant `now`: the load's timers fire; what the load asked for is carried out
//! (open a socket, write, close); every packet due by `now` is handed to its interface, one at a
//! time; the server cores read and answer; the client sockets' news (connected, bytes, end of
//! stream, reset) go to the load; the interfaces transmit. Then `now` jumps to the earliest of
//! the next arrival, the interfaces' `poll_at` and the load's `poll_timeout`. The driver decides
//! nothing about requests: it mirrors the live TCP driver (`driver::tcp`) with sockets of
//! smoltcp instead of the kernel's.
//!
//! Connections: each connection of the load gets its own client socket and local port, taken in
//! turn from [`FIRST_PORT`]..=65535 (skipping ports still in use), so the port tells the client
//! (the flow a packet is keyed by) and the attempt. The server side has no standing listener:
//! a listening socket is made when a SYN for a new connection is about to arrive, so every
//! concurrent connect is accepted and a retransmitted SYN reaches its own half-open connection,
//! never a fresh listener. A socket leaves the interface when it is closed or in TIME-WAIT,
//! after the egress that sent its last ACK: TIME-WAIT lasts 0 s here instead of smoltcp's 10 s
//! (a FIN retransmitted after the last ACK was lost is then answered with a reset, which ends
//! the peer's closing as its ACK would), so the sockets an interface scans stay as many as the
//! connections open. For that last ACK to leave at once, sockets do not delay ACKs (smoltcp's
//! default is 10 ms; Linux too ACKs at once at the start of a connection, in quick-ACK mode).
//!
//! Records: a request's record reaches the [`Observer`] once its connection is over (or
//! carries the next request), so that every link event of the connection precedes it and
//! requests.csv's `link_drops` counts them all; records still leave in the order the load made
//! them (a record whose connection is closing holds back those after it).
//!
//! Invariants: `now` never goes backwards; nothing reads the wall clock (HTTP dates count from
//! [`SIM_EPOCH_UNIX_US`]); packets in flight are delivered in (arrival, order of entering the
//! link) order; sockets are scanned in slot order and ports taken in a fixed order, and both
//! interfaces' random seeds derive from the scenario's seed — so a run is a pure function of
//! the scenario and its seed.

use super::live::{Observer, Stop};
use super::sim::SIM_EPOCH_UNIX_US;
use super::tcp::{TcpServerEvent, TcpService};
use crate::client::loadgen::Record;
use crate::client::tcp::{ConnId, TcpAction, TcpLoad};
use crate::impair::Direction;
use crate::impair::classify::Classifier;
use crate::impair::path::{Ident, LinkEvent, Path, SYN};
use crate::server::echo::{ConnStatus, TcpEchoConn};
use crate::server::http::HttpConn;
use crate::time::{Duration, Instant};
use crate::wire::time::RequestId;
use anyhow::{Result, bail};
use rustc_hash::FxHashMap;
use smoltcp::iface::{Config, Interface, PollIngressSingleResult, PollResult, SocketHandle};
use smoltcp::iface::{SocketSet, SocketStorage};
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::socket::tcp::{self, State};
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr};
use std::cmp::Ordering as CmpOrdering;
use std::collections::{BinaryHeap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicBool, Ordering};

const SERVER_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
/// The simulated TCP server's address (the lab's port, as in the udp-time simulator).
pub const SERVER_ADDR: SocketAddr = SocketAddr::V4(SocketAddrV4::new(SERVER_IP, 21567));
/// The first local port client connections take.
pub const FIRST_PORT: u16 = 1024;
/// Each socket's receive and send buffer (bytes).
const SOCKET_BUFFER: usize = 8 * 1024;
/// Largest request head the HTTP responder reads (as live).
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// A server connection whose peer does not read its answers is closed beyond this backlog.
const MAX_SERVER_BACKLOG: usize = 1 << 20;
/// Most records held back behind one whose connection is still closing.
const MAX_HELD: usize = 1 << 16;
/// Turns in a row at the same instant before the loop calls itself stuck.
const MAX_TURNS_AT_ONE_INSTANT: u32 = 100_000;

const SERVER: usize = 0;
const CLIENT: usize = 1;
const NO_SLOT: u32 = u32::MAX;

fn smol(t: Instant) -> smoltcp::time::Instant {
    smoltcp::time::Instant::from_micros(t.as_micros() as i64)
}

fn from_smol(t: smoltcp::time::Instant) -> Instant {
    Instant::from_micros(t.total_micros().max(0) as u64)
}

/// An IP packet on the link.
struct Flight {
    at: Instant,
    /// Position in the order packets entered the link: the tie-break for equal `at`.
    order: u64,
    data: Vec<u8>,
    /// The client's port: which connection the packet is for.
    port: u16,
    /// For a client's SYN: its local port (the server needs a listener for it).
    syn_port: Option<u16>,
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

/// What a client port stands for: its client and the attempt its connection carries.
#[derive(Clone, Copy)]
struct PortInfo {
    client: Option<u32>,
    request: Option<RequestId>,
}

/// The link between the two interfaces: the path, and the packets in flight to each side.
struct Wire {
    now: Instant,
    path: Path,
    classifier: Classifier,
    /// Packets in flight to the server (`[SERVER]`) and to the clients (`[CLIENT]`).
    queues: [BinaryHeap<Flight>; 2],
    order: u64,
    /// Indexed by client port.
    ports: Vec<PortInfo>,
    /// Crossings not yet handed to the observer, in crossing order.
    events: Vec<LinkEvent>,
    /// Per side: the client ports of the packets delivered this turn.
    arrived: [Vec<u16>; 2],
}

impl Wire {
    /// A packet the interface `from` transmitted at `now`: classified, put through the path.
    fn send(&mut self, from: usize, mut data: Vec<u8>) {
        let dir = match from {
            CLIENT => Direction::Request,
            _ => Direction::Reply,
        };
        let ports = &self.ports;
        let port_of = |addr: SocketAddr| match addr {
            SocketAddr::V4(a) if *a.ip() == CLIENT_IP => Some(a.port() as usize),
            _ => None,
        };
        let classified = self.classifier.classify(dir, &data, |addr| {
            port_of(addr).and_then(|p| ports[p].client)
        });
        // smoltcp emits IPv4 only: a packet that does not parse as one has nowhere to go.
        let Some(c) = classified else { return };
        let crossing = self.path.cross(self.now, &c.packet);
        let request = port_of(SocketAddr::V4(c.client)).and_then(|p| self.ports[p].request);
        self.events.push(LinkEvent {
            at: self.now,
            packet: c.packet,
            crossing,
            request,
        });
        let syn_port = match c.packet.ident {
            Ident::Segment { flags, .. } if dir == Direction::Request && flags & SYN != 0 => {
                Some(c.client.port())
            }
            _ => None,
        };
        if let (Some(mask), Some(last)) = (crossing.corrupt_mask, data.last_mut()) {
            *last ^= mask;
        }
        let to = 1 - from;
        let port = c.client.port();
        let mut push = |at: Instant, data: Vec<u8>| {
            self.queues[to].push(Flight {
                at,
                order: self.order,
                data,
                port,
                syn_port,
            });
            self.order += 1;
        };
        match crossing.arrivals {
            [Some(a), Some(b)] => {
                push(a, data.clone());
                push(b, data);
            }
            [Some(a), None] | [None, Some(a)] => push(a, data),
            [None, None] => {}
        }
    }

    fn next_due(&self, side: usize) -> Option<&Flight> {
        self.queues[side].peek().filter(|f| f.at <= self.now)
    }
}

/// One interface's view of the wire, for one poll.
struct Port<'a> {
    wire: &'a mut Wire,
    side: usize,
}

struct Rx(Vec<u8>);

struct Tx<'a> {
    wire: &'a mut Wire,
    side: usize,
}

impl phy::RxToken for Rx {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for Tx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut data = vec![0; len];
        let r = f(&mut data);
        self.wire.send(self.side, data);
        r
    }
}

impl phy::Device for Port<'_> {
    type RxToken<'b>
        = Rx
    where
        Self: 'b;
    type TxToken<'b>
        = Tx<'b>
    where
        Self: 'b;

    fn receive(&mut self, _: smoltcp::time::Instant) -> Option<(Rx, Tx<'_>)> {
        self.wire.next_due(self.side)?;
        let flight = self.wire.queues[self.side].pop()?;
        self.wire.arrived[self.side].push(flight.port);
        Some((
            Rx(flight.data),
            Tx {
                wire: self.wire,
                side: self.side,
            },
        ))
    }

    fn transmit(&mut self, _: smoltcp::time::Instant) -> Option<Tx<'_>> {
        Some(Tx {
            wire: self.wire,
            side: self.side,
        })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ip;
        caps.max_transmission_unit = 1500;
        caps
    }
}

/// One end: an interface and its sockets.
struct Host {
    iface: Interface,
    sockets: SocketSet<'static>,
}

impl Host {
    fn new(ip: Ipv4Addr, seed: u64, wire: &mut Wire, side: usize) -> Host {
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = seed;
        let mut port = Port { wire, side };
        let mut iface = Interface::new(config, &mut port, smol(Instant::ZERO));
        iface.update_ip_addrs(|a| {
            a.push(IpCidr::new(IpAddress::Ipv4(ip), 24))
                .expect("one address fits");
        });
        Host {
            iface,
            sockets: SocketSet::new(Vec::<SocketStorage>::new()),
        }
    }

    fn socket(&mut self, h: SocketHandle) -> &mut tcp::Socket<'static> {
        self.sockets.get_mut::<tcp::Socket>(h)
    }

    fn new_socket(&mut self) -> SocketHandle {
        let mut s = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; SOCKET_BUFFER]),
            tcp::SocketBuffer::new(vec![0; SOCKET_BUFFER]),
        );
        // ACKs leave at once (see the module doc): the last ACK of a connection is then sent by
        // the egress that follows the FIN it acknowledges.
        s.set_ack_delay(None);
        self.sockets.add(s)
    }
}

/// The handshake is over (whatever came after it).
fn connected(s: State) -> bool {
    matches!(
        s,
        State::Established
            | State::FinWait1
            | State::FinWait2
            | State::CloseWait
            | State::Closing
            | State::LastAck
            | State::TimeWait
    )
}

/// The peer sent its FIN (or the connection is gone).
fn peer_closed(s: State) -> bool {
    matches!(
        s,
        State::CloseWait | State::Closing | State::LastAck | State::TimeWait | State::Closed
    )
}

/// A socket whose connection is over for this end: it leaves the interface.
fn finished(s: State) -> bool {
    matches!(s, State::Closed | State::TimeWait)
}

struct ClientSock {
    handle: SocketHandle,
    port: u16,
    /// The load's name for it; `None` once the load closed it (the socket may still be
    /// closing).
    conn: Option<ConnId>,
    connected: bool,
    eof: bool,
    /// Bytes the load wrote that the socket's buffer has not taken yet.
    out: Vec<u8>,
}

enum ServerCore {
    Echo(TcpEchoConn),
    Http(Box<HttpConn>),
}

struct ServerSock {
    handle: SocketHandle,
    /// The client's port (the key of `server_by_port`).
    port: u16,
    peer: SocketAddr,
    core: ServerCore,
    out: Vec<u8>,
    close_after_write: bool,
    closing: bool,
    accepted: bool,
}

/// Counts of what the simulation did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpSimStats {
    /// Loop turns: how many distinct instants the clock stopped at (and repeats at one).
    pub turns: u64,
    pub connections: u64,
}

/// One tcp-echo or http experiment under virtual time.
pub struct TcpSim {
    now: Instant,
    wire: Wire,
    hosts: [Host; 2],
    load: TcpLoad,
    service: TcpService,
    clients: Vec<Option<ClientSock>>,
    client_free: Vec<usize>,
    by_conn: FxHashMap<ConnId, usize>,
    servers: Vec<Option<ServerSock>>,
    server_free: Vec<usize>,
    server_by_port: FxHashMap<u16, usize>,
    /// The listening socket made for the next SYN, if any.
    listener: Option<SocketHandle>,
    port_used: Vec<bool>,
    next_port: u16,
    /// The client socket (slot) each attempt's packets are attributed to, while it lives.
    carrier: FxHashMap<RequestId, usize>,
    /// Per side: something may have changed there this turn (see [`TcpSim::turn`]).
    dirty: [bool; 2],
    /// Per side: the slots of the sockets a packet reached or the load acted on this turn,
    /// the only ones whose state can have changed (timers only retransmit).
    touched: [Vec<usize>; 2],
    /// Client port → slot of its socket (`NO_SLOT` when none).
    client_slot: Vec<u32>,
    /// Per side: the interface's `poll_at` after its last poll.
    next_poll: [Option<Instant>; 2],
    /// Records not yet handed to the observer, in the order the load made them, each with
    /// whether its connection is over (see [`TcpSim::deliver`]).
    held: VecDeque<(Record, bool)>,
    /// Position in `held` of each waiting record, counted from the first ever held.
    held_at: FxHashMap<RequestId, u64>,
    /// How many records left `held` so far (the position of its front).
    held_out: u64,
    buf: Vec<u8>,
    stats: TcpSimStats,
}

impl TcpSim {
    /// The clients of `load` connect to [`SERVER_ADDR`], where `service` answers; every packet
    /// crosses `path`. An HTTP load's URL should name [`SERVER_ADDR`] (its host goes into the
    /// `Host` header only).
    pub fn new(load: TcpLoad, service: TcpService, path: Path, seed: u64) -> TcpSim {
        let mut wire = Wire {
            now: Instant::ZERO,
            path,
            classifier: Classifier::default(),
            queues: [BinaryHeap::new(), BinaryHeap::new()],
            order: 0,
            ports: vec![
                PortInfo {
                    client: None,
                    request: None,
                };
                1 << 16
            ],
            events: Vec::new(),
            arrived: [Vec::new(), Vec::new()],
        };
        // Each interface's own seed (ISNs and the like), derived from the scenario's.
        let server = Host::new(SERVER_IP, seed_for(seed, 1), &mut wire, SERVER);
        let client = Host::new(CLIENT_IP, seed_for(seed, 2), &mut wire, CLIENT);
        TcpSim {
            now: Instant::ZERO,
            wire,
            hosts: [server, client],
            load,
            service,
            clients: Vec::new(),
            client_free: Vec::new(),
            by_conn: FxHashMap::default(),
            servers: Vec::new(),
            server_free: Vec::new(),
            server_by_port: FxHashMap::default(),
            listener: None,
            port_used: vec![false; 1 << 16],
            next_port: FIRST_PORT,
            carrier: FxHashMap::default(),
            dirty: [false; 2],
            touched: [Vec::new(), Vec::new()],
            client_slot: vec![NO_SLOT; 1 << 16],
            next_poll: [None; 2],
            held: VecDeque::new(),
            held_at: FxHashMap::default(),
            held_out: 0,
            buf: vec![0; SOCKET_BUFFER],
            stats: TcpSimStats::default(),
        }
    }

    /// Simulated time since the run started.
    pub fn elapsed(&self) -> Duration {
        self.now - Instant::ZERO
    }

    pub fn load(&self) -> &TcpLoad {
        &self.load
    }

    pub fn path(&self) -> &Path {
        &self.wire.path
    }

    pub fn stats(&self) -> TcpSimStats {
        self.stats
    }

    /// Runs until the clients are done (or `interrupt` is set, or the observer says stop).
    pub fn run(&mut self, observer: &mut dyn Observer, interrupt: &AtomicBool) -> Result<Stop> {
        let mut same_instant = 0u32;
        loop {
            self.stats.turns += 1;
            self.turn(observer)?;
            if interrupt.load(Ordering::Relaxed) {
                self.load.interrupt();
                self.flush(observer)?;
                self.release_all(observer)?;
                return Ok(Stop::Interrupted);
            }
            if self.load.is_done() {
                self.release_all(observer)?;
                return Ok(Stop::Done);
            }
            if observer.should_stop() {
                self.release_all(observer)?;
                return Ok(Stop::Observer);
            }
            let next = [
                self.wire.queues[SERVER].peek().map(|f| f.at),
                self.wire.queues[CLIENT].peek().map(|f| f.at),
                self.load.poll_timeout(),
                self.next_poll[SERVER],
                self.next_poll[CLIENT],
            ]
            .into_iter()
            .flatten()
            .min();
            match next {
                Some(at) if at > self.now => {
                    self.now = at;
                    same_instant = 0;
                }
                Some(_) => {
                    same_instant += 1;
                    if same_instant > MAX_TURNS_AT_ONE_INSTANT {
                        bail!(
                            "the TCP simulation made no progress at {} µs after {} turns (a bug \
                             in losslab)",
                            self.now.as_micros(),
                            MAX_TURNS_AT_ONE_INSTANT
                        );
                    }
                }
                None => bail!(
                    "the TCP simulation stalled at {} µs: nothing in flight and no timer set, \
                     but the clients are not done (a bug in losslab)",
                    self.now.as_micros()
                ),
            }
        }
    }

    /// One instant. A side is polled, scanned and reaped only when something may have changed
    /// there (a packet arrived, its sockets' timer is due, the load acted on a client socket):
    /// an untouched interface's sockets and `poll_at` stay as they were, so the work of a turn
    /// follows the events, not the number of sockets.
    fn turn(&mut self, observer: &mut dyn Observer) -> Result<()> {
        self.wire.now = self.now;
        for side in [SERVER, CLIENT] {
            let timer = self.next_poll[side].is_some_and(|t| t <= self.now);
            self.dirty[side] |= timer || self.wire.next_due(side).is_some();
        }
        self.load.handle_timeout(self.now);
        self.flush(observer)?;
        if self.dirty[SERVER] {
            self.ingress_server();
            self.touch_arrived(SERVER);
            self.serve(observer);
        }
        if self.dirty[CLIENT] {
            self.ingress_client();
            self.touch_arrived(CLIENT);
            self.client_news();
        }
        self.flush(observer)?;
        let touched = &mut self.touched[CLIENT];
        touched.sort_unstable();
        touched.dedup();
        let now = smol(self.now);
        for side in [SERVER, CLIENT] {
            if !self.dirty[side] {
                continue;
            }
            let host = &mut self.hosts[side];
            let mut port = Port {
                wire: &mut self.wire,
                side,
            };
            while host.iface.poll_egress(now, &mut port, &mut host.sockets) != PollResult::None {}
            match side {
                SERVER => self.reap_servers(observer),
                _ => self.reap_clients(observer)?,
            }
            let host = &mut self.hosts[side];
            self.next_poll[side] = host.iface.poll_at(now, &host.sockets).map(from_smol);
            self.dirty[side] = false;
            self.touched[side].clear();
        }
        self.emit_events(observer)
    }

    /// Hands the observer the link's crossings so far, in crossing order.
    fn emit_events(&mut self, observer: &mut dyn Observer) -> Result<()> {
        for e in self.wire.events.drain(..) {
            observer.link_event(&e)?;
        }
        Ok(())
    }

    /// Hands the server interface every packet due, one at a time, with a listener ready for
    /// each new connection's SYN.
    fn ingress_server(&mut self) {
        let now = smol(self.now);
        let host = &mut self.hosts[SERVER];
        host.iface.poll_maintenance(now);
        while let Some(f) = self.wire.next_due(SERVER) {
            if let Some(port) = f.syn_port {
                let known = self
                    .server_by_port
                    .get(&port)
                    .and_then(|&slot| self.servers[slot].as_ref())
                    .is_some_and(|s| !finished(host.socket(s.handle).state()));
                match (known, self.listener) {
                    // A retransmitted SYN: its half-open connection answers it, and no idle
                    // listener may take it first.
                    (true, Some(l)) => {
                        host.sockets.remove(l);
                        self.listener = None;
                    }
                    (false, None) => {
                        let h = host.new_socket();
                        host.socket(h)
                            .listen(SERVER_ADDR.port())
                            .expect("a fresh socket listens");
                        self.listener = Some(h);
                    }
                    _ => {}
                }
            }
            let mut port = Port {
                wire: &mut self.wire,
                side: SERVER,
            };
            let r = host
                .iface
                .poll_ingress_single(now, &mut port, &mut host.sockets);
            if r == PollIngressSingleResult::None {
                break;
            }
            if let Some(l) = self.listener
                && host.socket(l).state() != State::Listen
            {
                self.listener = None;
                let peer = host
                    .socket(l)
                    .remote_endpoint()
                    .map(|e| SocketAddr::new(e.addr.into(), e.port))
                    .unwrap_or(SocketAddr::new(CLIENT_IP.into(), 0));
                let core = match self.service {
                    TcpService::Echo { keep_open } => ServerCore::Echo(TcpEchoConn::new(keep_open)),
                    TcpService::Http => ServerCore::Http(Box::new(HttpConn::new(MAX_REQUEST_HEAD))),
                };
                let sock = ServerSock {
                    handle: l,
                    port: peer.port(),
                    peer,
                    core,
                    out: Vec::new(),
                    close_after_write: false,
                    closing: false,
                    accepted: false,
                };
                let slot = match self.server_free.pop() {
                    Some(s) => {
                        self.servers[s] = Some(sock);
                        s
                    }
                    None => {
                        self.servers.push(Some(sock));
                        self.servers.len() - 1
                    }
                };
                self.server_by_port.insert(peer.port(), slot);
            }
        }
    }

    /// The sockets the packets delivered to `side` this turn are for join its touched slots.
    fn touch_arrived(&mut self, side: usize) {
        let touched = &mut self.touched[side];
        for port in self.wire.arrived[side].drain(..) {
            let slot = match side {
                SERVER => self.server_by_port.get(&port).copied(),
                _ => match self.client_slot[usize::from(port)] {
                    NO_SLOT => None,
                    s => Some(s as usize),
                },
            };
            touched.extend(slot);
        }
        touched.sort_unstable();
        touched.dedup();
    }

    fn ingress_client(&mut self) {
        let now = smol(self.now);
        let host = &mut self.hosts[CLIENT];
        host.iface.poll_maintenance(now);
        let mut port = Port {
            wire: &mut self.wire,
            side: CLIENT,
        };
        while host
            .iface
            .poll_ingress_single(now, &mut port, &mut host.sockets)
            != PollIngressSingleResult::None
        {}
    }

    /// The server cores read what arrived and answer; finished connections leave.
    fn serve(&mut self, observer: &mut dyn Observer) {
        let host = &mut self.hosts[SERVER];
        let date = SIM_EPOCH_UNIX_US + self.now.as_micros() as i64;
        for &slot in &self.touched[SERVER] {
            let Some(c) = self.servers[slot].as_mut() else {
                continue;
            };
            let s = host.sockets.get_mut::<tcp::Socket>(c.handle);
            let state = s.state();
            if !c.accepted && connected(state) {
                c.accepted = true;
                observer.tcp_server_event(&TcpServerEvent::Accepted { peer: c.peer });
            }
            while s.can_recv() {
                let n = s.recv_slice(&mut self.buf).unwrap_or(0);
                if n == 0 {
                    break;
                }
                let data = &self.buf[..n];
                if c.close_after_write || c.closing {
                    continue; // answered and closing: later bytes are read and dropped
                }
                let status = match &mut c.core {
                    ServerCore::Echo(e) => e.handle_data(data, &mut c.out),
                    ServerCore::Http(h) => h.handle_data(data, date, &mut c.out),
                };
                observer.tcp_server_event(&TcpServerEvent::Data {
                    peer: c.peer,
                    data: data.to_vec(),
                });
                if status == ConnStatus::Close {
                    c.close_after_write = true;
                }
            }
            if c.out.len() > MAX_SERVER_BACKLOG {
                c.out.clear();
                s.abort();
            }
            if !c.out.is_empty() && s.can_send() {
                let n = s.send_slice(&c.out).unwrap_or(0);
                c.out.drain(..n);
            }
            if peer_closed(s.state()) && !s.can_recv() {
                c.close_after_write = true;
            }
            if c.close_after_write && c.out.is_empty() && !c.closing {
                s.close();
                c.closing = true;
            }
        }
    }

    /// What happened to the client sockets goes to the load: connected, bytes, end of stream,
    /// reset. Sockets the load closed leave once their closing is over.
    fn client_news(&mut self) {
        let now = self.now;
        let host = &mut self.hosts[CLIENT];
        for &slot in &self.touched[CLIENT] {
            let Some(c) = self.clients[slot].as_mut() else {
                continue;
            };
            let s = host.sockets.get_mut::<tcp::Socket>(c.handle);
            if let Some(id) = c.conn {
                let state = s.state();
                if !c.connected && connected(state) {
                    c.connected = true;
                    self.load.handle_connected(now, id);
                }
                if !c.out.is_empty() && s.can_send() {
                    let n = s.send_slice(&c.out).unwrap_or(0);
                    c.out.drain(..n);
                }
                while s.can_recv() {
                    let n = s.recv_slice(&mut self.buf).unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    self.load.handle_data(now, id, &self.buf[..n]);
                }
                if state == State::Closed && !c.eof {
                    // Reset (or refused): the load forgets the connection.
                    c.conn = None;
                    self.by_conn.remove(&id);
                    let reason = match c.connected {
                        false => crate::tr!(
                            "tcp-cannot-connect",
                            peer = crate::tr!("tcp-to", peer = SERVER_ADDR.to_string()),
                            error = crate::tr!("tcp-refused")
                        ),
                        true => crate::tr!(
                            "tcp-cannot-receive",
                            peer = crate::tr!("tcp-from", peer = SERVER_ADDR.to_string()),
                            error = crate::tr!("tcp-reset")
                        ),
                    };
                    self.load.handle_error(now, id, reason);
                } else if !c.eof && c.connected && peer_closed(state) && !s.can_recv() {
                    c.eof = true;
                    self.load.handle_eof(now, id);
                }
            }
        }
    }

    /// Server sockets whose connection is over leave their interface, once the egress that
    /// follows the packet that ended it has sent their last ACK (or RST).
    fn reap_servers(&mut self, observer: &mut dyn Observer) {
        let host = &mut self.hosts[SERVER];
        for &slot in &self.touched[SERVER] {
            let Some(c) = &self.servers[slot] else {
                continue;
            };
            if finished(host.socket(c.handle).state()) {
                let c = self.servers[slot].take().expect("checked above");
                host.sockets.remove(c.handle);
                self.server_free.push(slot);
                if self.server_by_port.get(&c.port) == Some(&slot) {
                    self.server_by_port.remove(&c.port);
                }
                if c.accepted {
                    observer.tcp_server_event(&TcpServerEvent::Closed { peer: c.peer });
                }
            }
        }
    }

    /// Client sockets the load is done with leave once their connection is over; a record
    /// held for their attempt goes out then.
    fn reap_clients(&mut self, observer: &mut dyn Observer) -> Result<()> {
        for i in 0..self.touched[CLIENT].len() {
            let slot = self.touched[CLIENT][i];
            let Some(c) = &self.clients[slot] else {
                continue;
            };
            let host = &mut self.hosts[CLIENT];
            if c.conn.is_none() && finished(host.socket(c.handle).state()) {
                let c = self.clients[slot].take().expect("checked above");
                host.sockets.remove(c.handle);
                self.port_used[usize::from(c.port)] = false;
                self.client_slot[usize::from(c.port)] = NO_SLOT;
                self.client_free.push(slot);
                if let Some(id) = self.wire.ports[usize::from(c.port)].request {
                    self.uncarry(id, slot, observer)?;
                }
            }
        }
        Ok(())
    }

    /// A record goes to the observer once no packet can be attributed to its attempt any more
    /// (its connection is gone, or carries the next attempt), so requests.csv's `link_drops`
    /// counts every segment of the attempt's connection, its closing included. Records still
    /// leave in the order the load made them, as in a live run (the order-dependent figures,
    /// like `reordered` and jitter, stay the replies' order): one whose connection is still
    /// closing holds back the ones after it, at most [`MAX_HELD`] of them.
    fn deliver(&mut self, r: Record, observer: &mut dyn Observer) -> Result<()> {
        let waits = self.carrier.contains_key(&r.id);
        if waits {
            let at = self.held_out + self.held.len() as u64;
            self.held_at.insert(r.id, at);
        }
        self.held.push_back((r, !waits));
        self.release(observer)
    }

    /// Packets of `slot` are no longer `id`'s: its record may go.
    fn uncarry(&mut self, id: RequestId, slot: usize, observer: &mut dyn Observer) -> Result<()> {
        if self.carrier.get(&id) == Some(&slot) {
            self.carrier.remove(&id);
            if let Some(at) = self.held_at.remove(&id) {
                self.held[(at - self.held_out) as usize].1 = true;
                self.release(observer)?;
            }
        }
        Ok(())
    }

    /// Hands out the records at the front whose connections are over (and the oldest beyond
    /// [`MAX_HELD`], whatever their connection does).
    fn release(&mut self, observer: &mut dyn Observer) -> Result<()> {
        // The crossings so far go first: a record must follow every packet of its connection.
        self.emit_events(observer)?;
        while let Some(&(r, done)) = self.held.front() {
            if !done && self.held.len() <= MAX_HELD {
                break;
            }
            self.held.pop_front();
            self.held_out += 1;
            if !done {
                self.held_at.remove(&r.id);
            }
            observer.record(&r)?;
        }
        Ok(())
    }

    /// The run ends: every held record goes out, in order.
    fn release_all(&mut self, observer: &mut dyn Observer) -> Result<()> {
        self.emit_events(observer)?;
        for (r, _) in self.held.drain(..) {
            observer.record(&r)?;
        }
        self.held_out = 0;
        self.held_at.clear();
        self.carrier.clear();
        Ok(())
    }

    /// Carries out what the load asked for and delivers its records and progress.
    fn flush(&mut self, observer: &mut dyn Observer) -> Result<()> {
        while let Some(action) = self.load.poll_action() {
            // Every action touches a client socket: that side is polled this turn.
            self.dirty[CLIENT] = true;
            match action {
                TcpAction::Connect(id) => self.connect(id),
                TcpAction::Write(id, bytes) => {
                    let Some(&slot) = self.by_conn.get(&id) else {
                        continue;
                    };
                    let request = self.load.request_of(id);
                    let c = self.clients[slot].as_mut().expect("mapped slots are used");
                    let port = usize::from(c.port);
                    let before = std::mem::replace(&mut self.wire.ports[port].request, request);
                    c.out.extend_from_slice(&bytes);
                    let s = self.hosts[CLIENT].socket(c.handle);
                    if s.can_send() {
                        let n = s.send_slice(&c.out).unwrap_or(0);
                        c.out.drain(..n);
                    }
                    if before != request {
                        if let Some(b) = before {
                            self.uncarry(b, slot, observer)?;
                        }
                        if let Some(r) = request {
                            self.carrier.insert(r, slot);
                        }
                    }
                }
                TcpAction::Close(id) => {
                    let Some(slot) = self.by_conn.remove(&id) else {
                        continue;
                    };
                    self.touched[CLIENT].push(slot);
                    let c = self.clients[slot].as_mut().expect("mapped slots are used");
                    c.conn = None;
                    // Bytes the socket has not taken are lost with it, as with a closed
                    // kernel socket; what it holds is still sent, then its FIN.
                    c.out = Vec::new();
                    self.hosts[CLIENT].socket(c.handle).close();
                }
            }
        }
        while let Some(p) = self.load.poll_progress() {
            observer.tcp_progress(p);
        }
        while let Some(r) = self.load.poll_record() {
            self.deliver(r, observer)?;
        }
        Ok(())
    }

    /// Opens a client socket for the load's connection `id` on the next free local port.
    fn connect(&mut self, id: ConnId) {
        let Some(port) = self.take_port() else {
            let reason = format!(
                "cannot connect to {SERVER_ADDR}: every local port from {FIRST_PORT} up is in use"
            );
            self.load.handle_error(self.now, id, reason);
            return;
        };
        let request = self.load.request_of(id);
        self.wire.ports[usize::from(port)] = PortInfo {
            client: request.map(|r| r.client),
            request,
        };
        let host = &mut self.hosts[CLIENT];
        let h = host.new_socket();
        let remote = (IpAddress::Ipv4(SERVER_IP), SERVER_ADDR.port());
        let cx = host.iface.context();
        if let Err(e) = host
            .sockets
            .get_mut::<tcp::Socket>(h)
            .connect(cx, remote, port)
        {
            host.sockets.remove(h);
            self.port_used[usize::from(port)] = false;
            let reason = crate::tr!(
                "tcp-cannot-connect",
                peer = crate::tr!("tcp-to", peer = SERVER_ADDR.to_string()),
                error = e.to_string()
            );
            self.load.handle_error(self.now, id, reason);
            return;
        }
        self.stats.connections += 1;
        let sock = ClientSock {
            handle: h,
            port,
            conn: Some(id),
            connected: false,
            eof: false,
            out: Vec::new(),
        };
        let slot = match self.client_free.pop() {
            Some(s) => {
                self.clients[s] = Some(sock);
                s
            }
            None => {
                self.clients.push(Some(sock));
                self.clients.len() - 1
            }
        };
        self.by_conn.insert(id, slot);
        self.client_slot[usize::from(port)] = slot as u32;
        if let Some(r) = request {
            self.carrier.insert(r, slot);
        }
    }

    /// The next local port not in use, in turn from [`FIRST_PORT`].
    fn take_port(&mut self) -> Option<u16> {
        let span = u32::from(u16::MAX - FIRST_PORT) + 1;
        for _ in 0..span {
            let port = self.next_port;
            self.next_port = match port {
                u16::MAX => FIRST_PORT,
                p => p + 1,
            };
            if !self.port_used[usize::from(port)] {
                self.port_used[usize::from(port)] = true;
                return Some(port);
            }
        }
        None
    }
}

/// The seed of one interface: the scenario's, mixed with which interface it is (SplitMix64's
/// finalizer, a fixed function).
fn seed_for(seed: u64, which: u64) -> u64 {
    let mut z = seed ^ which.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::backoff::Backoff;
    use crate::client::loadgen::{Outcome, Pacing, Record};
    use crate::client::tcp::{Protocol, TcpLoadConfig};
    use crate::impair::path::{LinkFate, PathConfig, PathFields};
    use crate::metrics::stats::wilson;
    use crate::wire::http::parse_url;
    use std::io;

    #[derive(Default)]
    struct Log {
        records: Vec<Record>,
        links: Vec<LinkEvent>,
        accepted: u64,
        closed: u64,
        recorded: rustc_hash::FxHashSet<RequestId>,
        /// Link events of a request whose record had already come.
        after_record: u64,
    }

    impl Observer for Log {
        fn record(&mut self, r: &Record) -> io::Result<()> {
            self.records.push(*r);
            self.recorded.insert(r.id);
            Ok(())
        }
        fn link_event(&mut self, e: &LinkEvent) -> io::Result<()> {
            self.links.push(*e);
            if e.request.is_some_and(|id| self.recorded.contains(&id)) {
                self.after_record += 1;
            }
            Ok(())
        }
        fn tcp_server_event(&mut self, e: &TcpServerEvent) {
            match e {
                TcpServerEvent::Accepted { .. } => self.accepted += 1,
                TcpServerEvent::Closed { .. } => self.closed += 1,
                TcpServerEvent::Data { .. } | TcpServerEvent::Dropped { .. } => {}
            }
        }
    }

    fn load(
        clients: u32,
        requests: u32,
        concurrency: u32,
        reuse: bool,
        protocol: Protocol,
    ) -> TcpLoad {
        TcpLoad::new(TcpLoadConfig {
            clients,
            first_client: 0,
            requests,
            pacing: Pacing::Closed { concurrency },
            // Long enough for several RTOs (1 s, 2 s, 4 s...): no request may time out.
            timeout: Duration::from_secs(120),
            retries: 0,
            backoff: Backoff::NONE,
            seed: 7,
            reuse,
            protocol,
            progress: false,
        })
    }

    fn echo() -> Protocol {
        Protocol::Echo {
            message: b"hola".to_vec(),
        }
    }

    fn path(loss: Option<&str>, seed: u64) -> Path {
        let cfg = PathConfig::parse(&PathFields {
            loss,
            ..Default::default()
        })
        .unwrap();
        Path::new(cfg, seed)
    }

    fn run(load: TcpLoad, service: TcpService, path: Path, seed: u64) -> (TcpSim, Log) {
        let mut sim = TcpSim::new(load, service, path, seed);
        let mut log = Log::default();
        let stop = sim.run(&mut log, &AtomicBool::new(false)).unwrap();
        assert_eq!(stop, Stop::Done);
        (sim, log)
    }

    /// Link drops per request (any segment of its connection).
    fn drops_of(log: &Log) -> FxHashMap<RequestId, u32> {
        let mut drops = FxHashMap::default();
        for e in &log.links {
            if let Some(id) = e.request {
                let n = drops.entry(id).or_insert(0);
                *n += u32::from(e.crossing.fate == LinkFate::Dropped);
            }
        }
        drops
    }

    /// A lossless link: the handshake takes one round trip (2 x 50 µs), the echo another, and
    /// every packet is attributed to the request its connection carries.
    #[test]
    fn lossless_echo_takes_two_round_trips() {
        let (sim, log) = run(
            load(3, 20, 2, false, echo()),
            TcpService::Echo { keep_open: false },
            path(None, 1),
            1,
        );
        assert_eq!(log.records.len(), 60);
        for r in &log.records {
            assert_eq!(r.outcome, Outcome::Reply, "{r:?}");
            assert_eq!(r.rtt, Some(Duration::from_micros(200)), "{r:?}");
            assert_eq!(r.connect, Some(Duration::from_micros(100)), "{r:?}");
        }
        assert_eq!(sim.stats().connections, 60);
        assert_eq!(log.accepted, 60);
        // Every server connection closes, but for the last ones still closing at the end.
        assert!(log.closed <= 60 && log.closed + 6 >= 60, "{}", log.closed);
        assert!(log.links.iter().all(|e| e.request.is_some()));
        assert!(
            log.links
                .iter()
                .all(|e| e.crossing.fate == LinkFate::Delivered)
        );
        let c = sim.path().counts();
        assert_eq!(c.request.packets + c.reply.packets, log.links.len() as u64);
        // Every connection's packets carry its own client as the flow.
        for e in &log.links {
            assert_eq!(Some(e.packet.flow), e.request.map(|r| r.client));
        }
    }

    /// The test: tcp-echo over `random 10%` — every request answered, the link's drop
    /// ratio within its 99.9% Wilson interval, drops cost time, and the run repeats exactly.
    #[test]
    fn echo_over_ten_percent_loss() {
        let go = || {
            run(
                load(4, 250, 2, false, echo()),
                TcpService::Echo { keep_open: false },
                path(Some("random 10%"), 42),
                42,
            )
        };
        let (sim, log) = go();
        assert_eq!(log.records.len(), 1000);
        assert!(
            log.records.iter().all(|r| r.outcome == Outcome::Reply),
            "{:?}",
            log.records.iter().find(|r| r.outcome != Outcome::Reply)
        );
        let c = sim.path().counts();
        let (packets, dropped) = (
            c.request.packets + c.reply.packets,
            c.request.dropped + c.reply.dropped,
        );
        let events_dropped = log
            .links
            .iter()
            .filter(|e| e.crossing.fate == LinkFate::Dropped)
            .count() as u64;
        assert_eq!((packets, dropped), (log.links.len() as u64, events_dropped));
        let (lo, hi) = wilson(dropped, packets, 3.2905).unwrap();
        assert!(
            lo <= 0.10 && 0.10 <= hi,
            "{dropped}/{packets}: [{lo}, {hi}]"
        );

        let drops = drops_of(&log);
        let (mut with, mut without): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
        for r in &log.records {
            let rtt = r.rtt.unwrap().as_micros();
            match drops.get(&r.id).copied().unwrap_or(0) {
                0 => without.push(rtt),
                _ => with.push(rtt),
            }
        }
        // Without a drop the exchange takes its two round trips; with one, mostly a
        // retransmission timeout (≥ 1 s) more.
        assert!(without.iter().all(|&rtt| rtt == 200), "{without:?}");
        let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len() as f64;
        assert!(with.len() > 100, "{}", with.len());
        assert!(mean(&with) > 1_000.0 * mean(&without), "{}", mean(&with));

        // Every packet of a request's connection came before its record; records came in the
        // order the load made them (an attempt's end: its reply, or its timeout).
        assert_eq!(log.after_record, 0);
        let ends: Vec<u64> = log
            .records
            .iter()
            .map(|r| (r.sent + r.rtt.unwrap()).as_micros())
            .collect();
        assert!(
            ends.windows(2).all(|w| w[0] <= w[1]),
            "records out of order"
        );

        let (sim2, log2) = go();
        assert_eq!(format!("{:?}", log.records), format!("{:?}", log2.records));
        assert_eq!(format!("{:?}", log.links), format!("{:?}", log2.links));
        assert_eq!(sim.elapsed(), sim2.elapsed());
    }

    fn path_with(f: PathFields, seed: u64) -> Path {
        Path::new(PathConfig::parse(&f).unwrap(), seed)
    }

    /// Duplicated, reordered and corrupted packets: TCP sorts them out and every request is
    /// answered; the path saw each kind.
    #[test]
    fn duplicates_reordering_and_corruption_are_survived() {
        let p = path_with(
            PathFields {
                delay: Some("1ms"),
                duplicate: Some("20%"),
                reorder: Some("20%"),
                corrupt: Some("5%"),
                ..Default::default()
            },
            8,
        );
        let (sim, log) = run(
            load(2, 100, 2, false, echo()),
            TcpService::Echo { keep_open: false },
            p,
            8,
        );
        assert_eq!(log.records.len(), 200);
        assert!(log.records.iter().all(|r| r.outcome == Outcome::Reply));
        let c = sim.path().counts();
        assert!(c.request.duplicated > 0 && c.reply.duplicated > 0, "{c:?}");
        assert!(c.request.corrupted + c.reply.corrupted > 0, "{c:?}");
        let reordered = log
            .links
            .iter()
            .filter(|e| e.crossing.rule == "reorder")
            .count();
        assert!(reordered > 0);
    }

    /// A corrupted packet fails the receiver's checksum: with every request-way packet
    /// corrupted, no SYN is ever accepted and every attempt times out.
    #[test]
    fn a_corrupted_packet_is_dropped_by_the_receiver() {
        let p = path_with(
            PathFields {
                corrupt: Some("100%"),
                direction: Some("request"),
                ..Default::default()
            },
            2,
        );
        let mut l = load(2, 3, 1, false, echo());
        l = TcpLoad::new(TcpLoadConfig {
            timeout: Duration::from_secs(4),
            ..l.config().clone()
        });
        let (sim, log) = run(l, TcpService::Echo { keep_open: false }, p, 2);
        assert_eq!(log.records.len(), 6);
        assert!(log.records.iter().all(|r| r.outcome == Outcome::Timeout));
        assert_eq!(log.accepted, 0);
        let c = sim.path().counts();
        assert_eq!(
            (c.request.corrupted, c.reply.packets),
            (c.request.packets, 0)
        );
        assert!(c.request.packets >= 6 * 3, "SYNs were retransmitted: {c:?}");
    }

    /// HEAD requests to the built-in responder over a lossy link, on kept-alive connections and
    /// on a new connection each: all answered.
    #[test]
    fn head_over_a_lossy_link() {
        for reuse in [true, false] {
            let url = parse_url(&format!("http://{SERVER_ADDR}/")).unwrap();
            let (sim, log) = run(
                load(2, 60, 1, reuse, Protocol::Head { url, http10: false }),
                TcpService::Http,
                path(Some("random 10%"), 3),
                3,
            );
            assert_eq!(log.records.len(), 120);
            assert!(log.records.iter().all(|r| r.outcome == Outcome::Reply));
            let connections = sim.stats().connections;
            match reuse {
                true => assert!(connections < 40, "{connections}"),
                false => assert_eq!(connections, 120),
            }
            assert!(sim.path().counts().reply.dropped > 0);
            // A kept-alive connection's packets belong to the request it carries at the time.
            assert_eq!(log.after_record, 0);
        }
    }
}
