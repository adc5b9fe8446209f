//! The TCP half of the live driver: a listener with its server connections, and the client
//! connections of a [`TcpLoad`], all in the same mio `Poll` as the UDP sockets.
//!
//! Connections live in a slab; connection `i` is registered as `Token(CONN_BASE + i)`. The
//! driver never decides anything about a request: it opens, writes, reads and closes when the
//! cores say so, and reports what the kernel said (connected, bytes, end of stream, error).
//! Invariants: a connection is registered for reading and writing once and dropped (closed)
//! exactly once; bytes a core hands out are written in order, across `WouldBlock`; a server
//! connection that misbehaves is closed, never allowed to stop the loop.

use super::live::{Clock, Observer};
use crate::client::tcp::{ConnId, TcpAction, TcpLoad};
use crate::server::echo::{ConnStatus, TcpEchoConn};
use crate::server::http::HttpConn;
use crate::time::Instant;
use crate::wire::time::RequestId;
use anyhow::Result;
use mio::event::Event;
use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Poll, Token};
use rustc_hash::FxHashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;

pub const LISTENER: Token = Token(usize::MAX - 2);
/// Connection tokens start here, far above the UDP client tokens.
pub const CONN_BASE: usize = 1 << 30;
/// Server connections beyond this are accepted and closed at once, so a flood of idle clients
/// cannot exhaust file descriptors.
const MAX_SERVER_CONNS: usize = 1024;
/// Largest request head the in-loop HTTP responder reads.
const MAX_REQUEST_HEAD: usize = 16 * 1024;
/// A server connection whose peer sends but does not read gets closed once this much of its
/// answers waits unsent, so one client cannot grow the server's memory without limit.
const MAX_SERVER_BACKLOG: usize = 1 << 20;

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
    Accepted { peer: SocketAddr },
    Data { peer: SocketAddr, data: Vec<u8> },
    Closed { peer: SocketAddr },
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
}

#[derive(Default)]
pub struct TcpPart {
    listener: Option<(TcpListener, TcpService, SocketAddr)>,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    client_slots: FxHashMap<ConnId, usize>,
    load: Option<(SocketAddr, TcpLoad)>,
    server_conns: usize,
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
            TcpService::Echo { .. } => "TCP echo server",
            TcpService::Http => "HTTP server",
        };
        let mut listener = bind_tcp(bind, what)?;
        let local = listener.local_addr()?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        self.listener = Some((listener, service, local));
        Ok(local)
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
        self.load.as_ref().and_then(|(_, l)| l.poll_timeout())
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
        if let Some(mut conn) = self.conns.get_mut(slot).and_then(Option::take) {
            let _ = poll.registry().deregister(&mut conn.stream);
            self.free.push(slot);
            match conn.role {
                Role::Client(id) => {
                    self.client_slots.remove(&id);
                }
                Role::Server(_) => {
                    self.server_conns -= 1;
                    if let Some(peer) = conn.peer {
                        observer.tcp_server_event(&TcpServerEvent::Closed { peer });
                    }
                }
            }
            // Dropping the stream closes the socket.
        }
    }

    /// Carries out what the client core asked for and delivers its records and progress.
    pub fn flush(&mut self, poll: &Poll, now: Instant, observer: &mut dyn Observer) -> Result<()> {
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
                        };
                        let slot = self.insert(poll, conn)?;
                        self.client_slots.insert(id, slot);
                    }
                    Err(e) => {
                        load.handle_error(now, id, format!("cannot connect to {target}: {e}"))
                    }
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
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
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
                    let to = peer.map_or(String::new(), |p| format!(" to {p}"));
                    load.handle_error(now, id, format!("cannot send{to}: {e}"));
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
            return self.accept(poll, observer);
        }
        let slot = event.token().0 - CONN_BASE;
        let connecting = matches!(self.conns.get(slot), Some(Some(c)) if c.connecting);
        if connecting && (event.is_writable() || event.is_error() || event.is_write_closed()) {
            self.finish_connect(poll, slot, now, observer)?;
        }
        if event.is_writable() {
            self.write_out(poll, slot, now, observer);
        }
        if event.is_readable() || event.is_read_closed() {
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
                    let to = peer.map_or(String::new(), |p| format!(" to {p}"));
                    load.handle_error(now, id, format!("cannot connect{to}: {e}"));
                }
            }
        }
        Ok(())
    }

    fn accept(&mut self, poll: &Poll, observer: &mut dyn Observer) -> Result<()> {
        loop {
            let Some((listener, service, _)) = &self.listener else {
                return Ok(());
            };
            let service = *service;
            match listener.accept() {
                Ok((stream, peer)) => {
                    if self.server_conns >= MAX_SERVER_CONNS {
                        drop(stream); // too many open: refuse this one by closing it
                        continue;
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
                    };
                    self.server_conns += 1;
                    self.insert(poll, conn)?;
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
            let result = c.stream.read(buf);
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
                        let from = peer.map_or(String::new(), |p| format!(" from {p}"));
                        load.handle_error(now, id, format!("cannot receive{from}: {e}"));
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
