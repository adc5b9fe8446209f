//! The TCP half of the live driver: a listener with its server connections, and the client
//! connections of a [`TcpLoad`], all in the same mio `Poll` as the UDP sockets.
//!
//! Connections live in a slab; connection `i` is registered as `Token(CONN_BASE + i)`. The
//! driver never decides anything about a request: it opens, writes, reads and closes when the
//! cores say so, and reports what the kernel said (connected, bytes, end of stream, error).
//! Invariants: a connection is registered for reading and writing once and dropped (closed)
//! exactly once; bytes a core hands out are written in order, across `WouldBlock`; a server
//! connection that misbehaves is closed, never allowed to stop the loop.
//!
//! Server connections are bounded so that no client can lock others out or hold memory
//! (issue 13: 1,024 idle connections locked everyone out; 1,000 clients that never read took
//! 543 MB): at most [`MAX_SERVER_CONNS`] in all and [`MAX_CONNS_PER_PEER`] per peer address;
//! at either cap the connection idle the longest (of that peer, or of all) is closed to make
//! room; a connection idle for the idle timeout is closed; a connection whose answers wait
//! unsent ([`PAUSE_READING_AT`] bytes) is not read until its peer reads them, so a server
//! connection holds at most about 80 KB of buffers. When the loop also runs this run's own
//! clients (a `run`), a connection from any other address is closed at once and counted as
//! foreign, and the run's own connections are never closed for idleness or evicted.

use super::live::{Clock, Observer};
use crate::client::tcp::{ConnId, TcpAction, TcpLoad};
use crate::server::echo::{ConnStatus, TcpEchoConn};
use crate::server::http::HttpConn;
use crate::time::Duration;
use crate::time::Instant;
use crate::wire::time::RequestId;
use anyhow::Result;
use mio::event::Event;
use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Poll, Token};
use rustc_hash::{FxHashMap, FxHashSet};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr};

pub const LISTENER: Token = Token(usize::MAX - 2);
/// Connection tokens start here, far above the UDP client tokens.
pub const CONN_BASE: usize = 1 << 30;
/// Most server connections open at once (file descriptors are finite); at the cap the
/// connection idle the longest is closed to make room for a new one.
pub const MAX_SERVER_CONNS: usize = 1024;
/// Most server connections from one peer address; at the cap its connection idle the longest
/// is closed. The run's own clients (up to 512, all on loopback) are not subject to it.
pub const MAX_CONNS_PER_PEER: usize = 256;
/// A server connection with no bytes in or out for this long is closed (default; `serve echo
/// --idle-timeout` changes it).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// A server connection with this many answer bytes unsent is not read until its peer reads.
const PAUSE_READING_AT: usize = 64 * 1024;
/// Bytes a server connection reads at a time, so a paused connection's buffer stays small.
const SERVER_READ: usize = 16 * 1024;
/// Largest request head the in-loop HTTP responder reads.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// A server connection whose answers pile up past this (one answer larger than the pause
/// threshold) is closed.
const MAX_SERVER_BACKLOG: usize = 256 * 1024;

/// Which TCP server runs in the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TcpService {
    /// The lab's echo: `Resp: ` + data, then close (unless `keep_open`).
    Echo { keep_open: bool },
    /// A minimal static HTTP/1.1 responder.
    Http,
}

/// What the TCP server did, for the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TcpServerEvent {
    Accepted {
        peer: SocketAddr,
    },
    Data {
        peer: SocketAddr,
        data: Vec<u8>,
    },
    Closed {
        peer: SocketAddr,
    },
    /// The server closed the connection itself: idle too long, evicted at a cap, or foreign.
    Dropped {
        peer: SocketAddr,
        reason: DropReason,
    },
}

/// Why the server closed a connection on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// No bytes either way for the idle timeout.
    Idle,
    /// Closed to make room at the per-peer or total cap (the one idle the longest).
    Evicted,
    /// Not one of this run's own clients.
    Foreign,
    /// At the cap with nothing to evict (every connection is the run's own).
    Refused,
}

impl DropReason {
    /// The reason in the user's language, for console lines.
    pub fn text(self) -> String {
        match self {
            DropReason::Idle => crate::tr!("drop-idle"),
            DropReason::Evicted => crate::tr!("drop-evicted"),
            DropReason::Foreign => crate::tr!("drop-foreign"),
            DropReason::Refused => crate::tr!("drop-refused"),
        }
    }
}

/// How many server connections were closed for each [`DropReason`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpServerCounts {
    pub idle: u64,
    pub evicted: u64,
    pub foreign: u64,
    pub refused: u64,
}

enum ServerConn {
    Echo(TcpEchoConn),
    Http(Box<HttpConn>),
}

enum Role {
    Client(ConnId),
    Server(ServerConn),
}

struct Conn {
    stream: TcpStream,
    role: Role,
    peer: Option<SocketAddr>,
    /// Bytes handed out by a core and not yet accepted by the kernel.
    out: Vec<u8>,
    connecting: bool,
    close_after_write: bool,
    /// Last time bytes moved either way (server connections).
    last_active: Instant,
    /// Not read while its answers wait unsent.
    paused: bool,
    /// One of this run's own clients (never closed for idleness or evicted).
    own: bool,
}

#[derive(Default)]
pub struct TcpPart {
    listener: Option<(TcpListener, TcpService, SocketAddr)>,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    client_slots: FxHashMap<ConnId, usize>,
    load: Option<(SocketAddr, TcpLoad)>,
    server_conns: usize,
    /// Open server connections per peer address.
    per_peer: FxHashMap<IpAddr, usize>,
    /// Local addresses of this loop's client connections: the run's own peers.
    own_clients: FxHashSet<SocketAddr>,
    /// `None`: the default idle timeout.
    idle_timeout: Option<Duration>,
    /// When the next idle check is due (only while server connections are open).
    next_sweep: Option<Instant>,
    pub counts: TcpServerCounts,
    /// Wall-clock time (µs since 1970) at the loop's `Instant::ZERO`, for HTTP `Date`.
    epoch_unix_us: i64,
    /// With a live link: each client connection's local port → (client id, connection), kept
    /// after the connection closes (its last segments still cross) until the port is reused.
    ports: Option<FxHashMap<u16, (u32, ConnId)>>,
}

/// Binds a TCP listener, naming the address and the likely cause when it fails.
pub fn bind_tcp(addr: SocketAddr, what: &str) -> Result<TcpListener> {
    TcpListener::bind(addr).map_err(|e| super::bind_error(addr, what, e))
}

impl TcpPart {
    pub fn new(epoch_unix_us: i64) -> Self {
        TcpPart {
            epoch_unix_us,
            ..Default::default()
        }
    }

    pub fn add_server(
        &mut self,
        poll: &Poll,
        bind: SocketAddr,
        service: TcpService,
    ) -> Result<SocketAddr> {
        let what = match service {
            TcpService::Echo { .. } => crate::tr!("bind-what-tcp-echo"),
            TcpService::Http => crate::tr!("bind-what-http"),
        };
        let mut listener = bind_tcp(bind, &what)?;
        let local = listener.local_addr()?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        self.listener = Some((listener, service, local));
        Ok(local)
    }

    /// Closes server connections idle for `d` instead of [`DEFAULT_IDLE_TIMEOUT`].
    pub fn set_idle_timeout(&mut self, d: Duration) {
        self.idle_timeout = Some(d);
    }

    fn idle_timeout(&self) -> Duration {
        self.idle_timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT)
    }

    /// Remembers which client owns each client connection's local port (see [`Self::port_owner`]).
    pub fn track_ports(&mut self) {
        self.ports.get_or_insert_with(FxHashMap::default);
    }

    /// The client id owning local port `port`, and the attempt its connection carries now.
    pub fn port_owner(&self, port: u16) -> Option<(u32, Option<RequestId>)> {
        let &(client, conn) = self.ports.as_ref()?.get(&port)?;
        let request = self.load.as_ref().and_then(|(_, l)| l.conn_request(conn));
        Some((client, request))
    }

    pub fn add_load(&mut self, target: SocketAddr, load: TcpLoad) {
        self.load = Some((target, load));
    }

    pub fn load(&self) -> Option<&TcpLoad> {
        self.load.as_ref().map(|(_, l)| l)
    }

    pub fn has_load(&self) -> bool {
        self.load.is_some()
    }

    pub fn is_done(&self) -> bool {
        self.load.as_ref().is_none_or(|(_, l)| l.is_done())
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some((_, l)) = &mut self.load {
            l.handle_timeout(now);
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        let load = self.load.as_ref().and_then(|(_, l)| l.poll_timeout());
        match (load, self.next_sweep) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Closes server connections idle for the idle timeout (not the run's own); due at most
    /// once per [`TcpPart::poll_timeout`] deadline, so a loop turn costs O(1) otherwise.
    fn sweep_idle(&mut self, poll: &Poll, now: Instant, observer: &mut dyn Observer) {
        if self.next_sweep.is_none_or(|t| now < t) {
            return;
        }
        let timeout = self.idle_timeout();
        let idle: Vec<usize> = (0..self.conns.len())
            .filter(|&i| {
                matches!(&self.conns[i], Some(c) if matches!(c.role, Role::Server(_))
                    && !c.own && now - c.last_active >= timeout)
            })
            .collect();
        for slot in idle {
            self.drop_server_conn(poll, slot, DropReason::Idle, observer);
        }
        self.plan_sweep();
    }

    /// The next idle check: when the longest idle foreign connection reaches the timeout.
    fn plan_sweep(&mut self) {
        let timeout = self.idle_timeout();
        self.next_sweep = self
            .conns
            .iter()
            .flatten()
            .filter(|c| matches!(c.role, Role::Server(_)) && !c.own)
            .map(|c| c.last_active + timeout)
            .min();
    }

    /// Closes a server connection on the server's own initiative and counts why.
    fn drop_server_conn(
        &mut self,
        poll: &Poll,
        slot: usize,
        reason: DropReason,
        observer: &mut dyn Observer,
    ) {
        let peer = self
            .conns
            .get(slot)
            .and_then(|c| c.as_ref())
            .and_then(|c| c.peer);
        match reason {
            DropReason::Idle => self.counts.idle += 1,
            DropReason::Evicted => self.counts.evicted += 1,
            DropReason::Foreign => self.counts.foreign += 1,
            DropReason::Refused => self.counts.refused += 1,
        }
        if let Some(peer) = peer {
            observer.tcp_server_event(&TcpServerEvent::Dropped { peer, reason });
        }
        self.remove_quietly(poll, slot);
    }

    /// The server connection idle the longest, not the run's own, of peer `ip` (or of all).
    fn longest_idle(&self, ip: Option<IpAddr>) -> Option<usize> {
        (0..self.conns.len())
            .filter_map(|i| self.conns[i].as_ref().map(|c| (i, c)))
            .filter(|(_, c)| matches!(c.role, Role::Server(_)) && !c.own)
            .filter(|(_, c)| ip.is_none_or(|ip| c.peer.map(|p| p.ip()) == Some(ip)))
            .min_by_key(|(_, c)| c.last_active)
            .map(|(i, _)| i)
    }

    pub fn interrupt(&mut self) {
        if let Some((_, l)) = &mut self.load {
            l.interrupt();
        }
    }

    fn insert(&mut self, poll: &Poll, mut conn: Conn) -> io::Result<usize> {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        });
        poll.registry().register(
            &mut conn.stream,
            Token(CONN_BASE + slot),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        self.conns[slot] = Some(conn);
        Ok(slot)
    }

    fn remove(&mut self, poll: &Poll, slot: usize, observer: &mut dyn Observer) {
        if let Some(peer) = self.remove_quietly(poll, slot) {
            observer.tcp_server_event(&TcpServerEvent::Closed { peer });
        }
    }

    /// Closes `slot`; returns the peer of a server connection (for its event).
    fn remove_quietly(&mut self, poll: &Poll, slot: usize) -> Option<SocketAddr> {
        let mut conn = self.conns.get_mut(slot).and_then(Option::take)?;
        let _ = poll.registry().deregister(&mut conn.stream);
        self.free.push(slot);
        // Dropping the stream closes the socket, and its buffers go back to the allocator.
        match conn.role {
            Role::Client(id) => {
                self.client_slots.remove(&id);
                if let Ok(local) = conn.stream.local_addr() {
                    self.own_clients.remove(&local);
                }
                None
            }
            Role::Server(_) => {
                self.server_conns -= 1;
                if let Some(ip) = conn.peer.map(|p| p.ip())
                    && let Some(n) = self.per_peer.get_mut(&ip)
                {
                    *n -= 1;
                    if *n == 0 {
                        self.per_peer.remove(&ip);
                    }
                }
                conn.peer
            }
        }
    }

    /// Carries out what the client core asked for and delivers its records and progress.
    pub fn flush(&mut self, poll: &Poll, now: Instant, observer: &mut dyn Observer) -> Result<()> {
        self.sweep_idle(poll, now, observer);
        loop {
            let Some((target, load)) = &mut self.load else {
                return Ok(());
            };
            let target = *target;
            let Some(action) = load.poll_action() else {
                break;
            };
            match action {
                TcpAction::Connect(id) => match TcpStream::connect(target) {
                    Ok(stream) => {
                        // The server half of this loop knows its own clients by this address.
                        if let Ok(local) = stream.local_addr() {
                            self.own_clients.insert(local);
                        }
                        if let (Some(ports), Some(client), Ok(local)) =
                            (&mut self.ports, load.conn_client(id), stream.local_addr())
                        {
                            ports.insert(local.port(), (client, id));
                        }
                        let conn = Conn {
                            stream,
                            role: Role::Client(id),
                            peer: Some(target),
                            out: Vec::new(),
                            connecting: true,
                            close_after_write: false,
                            last_active: now,
                            paused: false,
                            own: false,
                        };
                        let slot = self.insert(poll, conn)?;
                        self.client_slots.insert(id, slot);
                    }
                    Err(e) => load.handle_error(
                        now,
                        id,
                        crate::tr!(
                            "tcp-cannot-connect",
                            peer = crate::tr!("tcp-to", peer = target.to_string()),
                            error = e.to_string()
                        ),
                    ),
                },
                TcpAction::Write(id, bytes) => {
                    if let Some(&slot) = self.client_slots.get(&id) {
                        if let Some(c) = self.conns[slot].as_mut() {
                            c.out.extend_from_slice(&bytes);
                        }
                        self.write_out(poll, slot, now, observer);
                    }
                }
                TcpAction::Close(id) => {
                    if let Some(&slot) = self.client_slots.get(&id) {
                        self.remove(poll, slot, observer);
                    }
                }
            }
        }
        if let Some((_, load)) = &mut self.load {
            while let Some(p) = load.poll_progress() {
                observer.tcp_progress(p);
            }
            while let Some(r) = load.poll_record() {
                observer.record(&r)?;
            }
        }
        Ok(())
    }

    /// Writes what is buffered for `slot` until done or `WouldBlock`.
    fn write_out(&mut self, poll: &Poll, slot: usize, now: Instant, observer: &mut dyn Observer) {
        let Some(c) = self.conns[slot].as_mut() else {
            return;
        };
        if c.connecting {
            return; // written once the handshake completes
        }
        let mut failed = None;
        while !c.out.is_empty() {
            match c.stream.write(&c.out) {
                Ok(n) => {
                    c.out.drain(..n);
                    c.last_active = now;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if c.out.is_empty() && c.out.capacity() > PAUSE_READING_AT {
            // A connection that had a burst to send keeps no large buffer while idle.
            c.out = Vec::new();
        }
        let done_closing = c.out.is_empty() && c.close_after_write;
        let client = match c.role {
            Role::Client(id) => Some(id),
            Role::Server(_) => None,
        };
        let peer = c.peer;
        match (client, failed) {
            (Some(id), Some(e)) => {
                // The core forgets the connection on an error; the socket goes with it.
                self.remove(poll, slot, observer);
                if let Some((_, load)) = &mut self.load {
                    let to = peer.map_or(String::new(), |p| {
                        crate::tr!("tcp-to", peer = p.to_string())
                    });
                    load.handle_error(
                        now,
                        id,
                        crate::tr!("tcp-cannot-send", peer = to, error = e.to_string()),
                    );
                }
            }
            (None, Some(_)) => self.remove(poll, slot, observer),
            (_, None) if done_closing => self.remove(poll, slot, observer),
            _ => {}
        }
    }

    /// Handles readiness of the listener or of one connection.
    pub fn handle_event(
        &mut self,
        poll: &Poll,
        event: &Event,
        clock: &Clock,
        buf: &mut [u8],
        observer: &mut dyn Observer,
    ) -> Result<()> {
        let now = clock.now();
        if event.token() == LISTENER {
            return self.accept(poll, now, observer);
        }
        let slot = event.token().0 - CONN_BASE;
        let connecting = matches!(self.conns.get(slot), Some(Some(c)) if c.connecting);
        if connecting && (event.is_writable() || event.is_error() || event.is_write_closed()) {
            self.finish_connect(poll, slot, now, observer)?;
        }
        let mut resume = false;
        if event.is_writable() {
            self.write_out(poll, slot, now, observer);
            // A paused connection whose answers went out is read again: the bytes it sent
            // meanwhile wait in the kernel, and no new readable event would announce them.
            if let Some(Some(c)) = self.conns.get_mut(slot)
                && c.paused
                && c.out.len() < PAUSE_READING_AT
            {
                c.paused = false;
                resume = true;
            }
        }
        if event.is_readable() || event.is_read_closed() || resume {
            self.read(poll, slot, clock, buf, observer)?;
        }
        Ok(())
    }

    fn finish_connect(
        &mut self,
        poll: &Poll,
        slot: usize,
        now: Instant,
        observer: &mut dyn Observer,
    ) -> Result<()> {
        let Some(c) = self.conns[slot].as_mut() else {
            return Ok(());
        };
        let Role::Client(id) = c.role else {
            return Ok(());
        };
        let error = match c.stream.take_error() {
            Ok(Some(e)) | Err(e) => Some(e),
            Ok(None) => match c.stream.peer_addr() {
                Ok(_) => None,
                // Not connected yet: a spurious wake-up; wait for the next event.
                Err(e) if e.kind() == ErrorKind::NotConnected => return Ok(()),
                Err(e) => Some(e),
            },
        };
        let peer = c.peer;
        match error {
            None => {
                c.connecting = false;
                if let Some((_, load)) = &mut self.load {
                    load.handle_connected(now, id);
                }
                // The request the core wrote while connecting goes out now.
                self.flush(poll, now, observer)?;
            }
            Some(e) => {
                self.remove(poll, slot, observer);
                if let Some((_, load)) = &mut self.load {
                    let to = peer.map_or(String::new(), |p| {
                        crate::tr!("tcp-to", peer = p.to_string())
                    });
                    load.handle_error(
                        now,
                        id,
                        crate::tr!("tcp-cannot-connect", peer = to, error = e.to_string()),
                    );
                }
            }
        }
        Ok(())
    }

    fn accept(&mut self, poll: &Poll, now: Instant, observer: &mut dyn Observer) -> Result<()> {
        loop {
            let Some((listener, service, _)) = &self.listener else {
                return Ok(());
            };
            let service = *service;
            match listener.accept() {
                Ok((stream, peer)) => {
                    // In a run, the server answers only the run's own client sockets (over a
                    // live link the link knows its clients by port instead).
                    let own = self.own_clients.contains(&peer);
                    if self.load.is_some() && self.ports.is_none() && !own {
                        self.counts.foreign += 1;
                        observer.tcp_server_event(&TcpServerEvent::Dropped {
                            peer,
                            reason: DropReason::Foreign,
                        });
                        drop(stream);
                        continue;
                    }
                    let from_peer = self.per_peer.get(&peer.ip()).copied().unwrap_or(0);
                    if !own
                        && from_peer >= MAX_CONNS_PER_PEER
                        && let Some(slot) = self.longest_idle(Some(peer.ip()))
                    {
                        self.drop_server_conn(poll, slot, DropReason::Evicted, observer);
                    }
                    if self.server_conns >= MAX_SERVER_CONNS {
                        match self.longest_idle(None) {
                            Some(slot) => {
                                self.drop_server_conn(poll, slot, DropReason::Evicted, observer)
                            }
                            None => {
                                self.counts.refused += 1;
                                observer.tcp_server_event(&TcpServerEvent::Dropped {
                                    peer,
                                    reason: DropReason::Refused,
                                });
                                drop(stream);
                                continue;
                            }
                        }
                    }
                    let role = Role::Server(match service {
                        TcpService::Echo { keep_open } => {
                            ServerConn::Echo(TcpEchoConn::new(keep_open))
                        }
                        TcpService::Http => {
                            ServerConn::Http(Box::new(HttpConn::new(MAX_REQUEST_HEAD)))
                        }
                    });
                    let conn = Conn {
                        stream,
                        role,
                        peer: Some(peer),
                        out: Vec::new(),
                        connecting: false,
                        close_after_write: false,
                        last_active: now,
                        paused: false,
                        own,
                    };
                    self.server_conns += 1;
                    *self.per_peer.entry(peer.ip()).or_insert(0) += 1;
                    self.insert(poll, conn)?;
                    if !own && self.next_sweep.is_none() {
                        self.next_sweep = Some(now + self.idle_timeout());
                    }
                    observer.tcp_server_event(&TcpServerEvent::Accepted { peer });
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // The client gave up before we accepted it: nothing to serve.
                Err(e) if e.kind() == ErrorKind::ConnectionAborted => continue,
                // Out of file descriptors and the like: keep serving the others.
                Err(_) => return Ok(()),
            }
        }
    }

    fn read(
        &mut self,
        poll: &Poll,
        slot: usize,
        clock: &Clock,
        buf: &mut [u8],
        observer: &mut dyn Observer,
    ) -> Result<()> {
        let mut now = clock.now();
        loop {
            let Some(c) = self.conns.get_mut(slot).and_then(Option::as_mut) else {
                return Ok(()); // closed while handling earlier bytes
            };
            if c.connecting {
                return Ok(());
            }
            let server = matches!(c.role, Role::Server(_));
            if server && c.out.len() >= PAUSE_READING_AT {
                // Its peer does not read our answers: stop reading until it does.
                c.paused = true;
                return Ok(());
            }
            let chunk = if server {
                SERVER_READ.min(buf.len())
            } else {
                buf.len()
            };
            let result = c.stream.read(&mut buf[..chunk]);
            match result {
                Ok(0) => {
                    let client = match c.role {
                        Role::Client(id) => Some(id),
                        Role::Server(_) => None,
                    };
                    match client {
                        Some(id) => {
                            if let Some((_, load)) = &mut self.load {
                                load.handle_eof(now, id);
                            }
                            self.flush(poll, now, observer)?;
                            // The core has closed it by now; if not, nothing more can come.
                            if self.client_slots.get(&id) == Some(&slot) {
                                self.remove(poll, slot, observer);
                            }
                        }
                        None if c.out.is_empty() => self.remove(poll, slot, observer),
                        None => c.close_after_write = true,
                    }
                    return Ok(());
                }
                Ok(n) => {
                    // A request sent while handling earlier bytes may be answered within this
                    // loop: stamp each read with its own time.
                    now = clock.now();
                    self.on_bytes(poll, slot, now, &buf[..n], observer)?
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    let peer = c.peer;
                    let client = match c.role {
                        Role::Client(id) => Some(id),
                        Role::Server(_) => None,
                    };
                    self.remove(poll, slot, observer);
                    if let (Some(id), Some((_, load))) = (client, &mut self.load) {
                        let from = peer.map_or(String::new(), |p| {
                            crate::tr!("tcp-from", peer = p.to_string())
                        });
                        load.handle_error(
                            now,
                            id,
                            crate::tr!("tcp-cannot-receive", peer = from, error = e.to_string()),
                        );
                        self.flush(poll, now, observer)?;
                    }
                    return Ok(());
                }
            }
        }
    }

    fn on_bytes(
        &mut self,
        poll: &Poll,
        slot: usize,
        now: Instant,
        data: &[u8],
        observer: &mut dyn Observer,
    ) -> Result<()> {
        let Some(c) = self.conns[slot].as_mut() else {
            return Ok(());
        };
        match &mut c.role {
            Role::Client(id) => {
                let id = *id;
                if let Some((_, load)) = &mut self.load {
                    load.handle_data(now, id, data);
                }
                self.flush(poll, now, observer)?;
            }
            Role::Server(server) => {
                c.last_active = now;
                let status = match server {
                    ServerConn::Echo(e) => e.handle_data(data, &mut c.out),
                    ServerConn::Http(h) => {
                        let date = self.epoch_unix_us + now.as_micros() as i64;
                        h.handle_data(data, date, &mut c.out)
                    }
                };
                if let Some(peer) = c.peer {
                    observer.tcp_server_event(&TcpServerEvent::Data {
                        peer,
                        data: data.to_vec(),
                    });
                }
                if status == ConnStatus::Close {
                    c.close_after_write = true;
                }
                if c.out.len() > MAX_SERVER_BACKLOG {
                    self.remove(poll, slot, observer);
                    return Ok(());
                }
                self.write_out(poll, slot, now, observer);
            }
        }
        Ok(())
    }

    pub fn listener_addr(&self) -> Option<SocketAddr> {
        self.listener.as_ref().map(|l| l.2)
    }
}
