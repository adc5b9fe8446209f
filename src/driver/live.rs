//! The live driver: one thread, one mio `Poll`, real UDP sockets on loopback (or anywhere the
//! user points a client), and with a `[link]` the two TUN devices of the run's private network
//! ([`super::link`]).
//!
//! It owns the sockets and the clock and nothing else. Its UDP endpoints (the server, each
//! client's socket, each side of the link) live in one slab: endpoint `i` is `Token(i)`; TCP
//! connections live in [`TcpPart`]'s slab above [`CONN_BASE`]. Each turn it reads `now` once, lets the
//! core act on its timers, sends every datagram the core hands out, delivers every event to the
//! [`Observer`], then sleeps in `poll` until a socket is readable or the core's next deadline.
//! A readable socket is drained until `WouldBlock` (mio's readiness is edge-triggered: an
//! undrained socket would never wake us again). Invariants: `now` never goes backwards; the core
//! is the only place that decides anything; a send that would block is kept and retried when
//! the socket becomes writable, never dropped silently.

use super::link::{LiveLink, Side};
use super::tcp::{CONN_BASE, LISTENER, TcpPart, TcpServerEvent, TcpService};
use crate::client::loadgen::{LoadGen, Progress, Record};
use crate::client::tcp::{TcpLoad, TcpProgress};
use crate::impair::path::PathConfig;
use crate::server::echo::{EchoEvent, UdpEcho};
use crate::server::time::{ServerEvent, TimeServer};
use crate::time::{Duration, Instant};
use anyhow::{Context, Result};
use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token};
use std::collections::VecDeque;
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};

const RECV_BUF: usize = 65_536;
/// Longest sleep between checks of the interrupt flag, in case a signal lands between the flag
/// check and `poll` (the signal then does not interrupt `poll`).
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_millis(100);

/// What the loop reports to the command that runs it.
pub trait Observer {
    fn server_event(&mut self, _event: &ServerEvent) {}
    fn record(&mut self, _record: &Record) -> io::Result<()> {
        Ok(())
    }
    fn progress(&mut self, _progress: Progress) {}
    fn echo_event(&mut self, _event: &EchoEvent) {}
    fn tcp_server_event(&mut self, _event: &TcpServerEvent) {}
    fn tcp_progress(&mut self, _progress: TcpProgress) {}
    /// A packet met the run's `[link]` (see `impair::path`): one row of `link.csv`.
    fn link_event(&mut self, _event: &crate::impair::path::LinkEvent) -> io::Result<()> {
        Ok(())
    }
    /// A socket error that does not stop the run (e.g. ICMP port unreachable on a client).
    fn socket_error(&mut self, _client: Option<u32>, _error: &io::Error) {}
    /// True to end the loop (e.g. `serve --max-requests` reached).
    fn should_stop(&self) -> bool {
        false
    }
}

/// Why the loop ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The clients finished every request.
    Done,
    /// Interrupted (Ctrl-C): what was measured is kept, marked as interrupted.
    Interrupted,
    /// The observer asked to stop.
    Observer,
}

/// The monotonic clock of one run, read once per loop turn.
pub struct Clock {
    start: std::time::Instant,
    /// Wall-clock time at `start`, in µs since 1970, for the time server's replies.
    pub epoch_unix_us: i64,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    pub fn new() -> Self {
        let epoch_unix_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64);
        Clock {
            start: std::time::Instant::now(),
            epoch_unix_us,
        }
    }

    pub fn now(&self) -> Instant {
        Instant::from_micros(self.start.elapsed().as_micros() as u64)
    }
}

/// Datagrams a socket keeps waiting for room in the kernel (at most 64 KiB each).
const MAX_BACKLOG: usize = 256;

struct Socket {
    socket: UdpSocket,
    token: Token,
    /// Datagrams that met `WouldBlock`, with their destination for unconnected sockets.
    backlog: VecDeque<(Option<SocketAddr>, Vec<u8>)>,
    writable_interest: bool,
}

impl Socket {
    fn new(poll: &Poll, mut socket: UdpSocket, token: Token) -> io::Result<Self> {
        poll.registry()
            .register(&mut socket, token, Interest::READABLE)?;
        Ok(Socket {
            socket,
            token,
            backlog: VecDeque::new(),
            writable_interest: false,
        })
    }

    /// Sends now, or queues behind earlier datagrams that are still waiting for room.
    fn send(&mut self, poll: &Poll, to: Option<SocketAddr>, data: &[u8]) -> io::Result<()> {
        if self.backlog.is_empty() {
            match self.try_send(to, data) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                other => return other,
            }
        }
        // A peer that floods faster than the kernel sends must not grow this without bound.
        if self.backlog.len() >= MAX_BACKLOG {
            return Err(io::Error::new(
                ErrorKind::WouldBlock,
                "the send queue is full; datagram dropped",
            ));
        }
        self.backlog.push_back((to, data.to_vec()));
        self.want_writable(poll, true)
    }

    fn try_send(&self, to: Option<SocketAddr>, data: &[u8]) -> io::Result<()> {
        loop {
            let result = match to {
                Some(addr) => self.socket.send_to(data, addr),
                None => self.socket.send(data),
            };
            match result {
                Ok(_) => return Ok(()),
                // A signal arrived during the call: the datagram was not sent, try again.
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends what waited for room; errors other than `WouldBlock` are reported per datagram.
    fn flush_backlog(
        &mut self,
        poll: &Poll,
        mut on_error: impl FnMut(io::Error),
    ) -> io::Result<()> {
        while let Some((to, data)) = self.backlog.front() {
            match self.try_send(*to, data) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) => on_error(e),
                Ok(()) => {}
            }
            self.backlog.pop_front();
        }
        self.want_writable(poll, false)
    }

    fn want_writable(&mut self, poll: &Poll, on: bool) -> io::Result<()> {
        if self.writable_interest != on {
            let interest = if on {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            poll.registry()
                .reregister(&mut self.socket, self.token, interest)?;
            self.writable_interest = on;
        }
        Ok(())
    }
}

/// Sends a server's reply; a client that went away loses it, as on a network.
/// Any error belongs to this one datagram (the client's port is closed, the reply is larger
/// than a datagram can be, the route went away): the reply is lost, as on a network, and the
/// server goes on serving the others.
fn server_send(socket: &mut Socket, poll: &Poll, to: SocketAddr, data: &[u8]) {
    let _ = socket.send(poll, Some(to), data);
}

/// The UDP server in the loop.
pub enum UdpService {
    Time(Box<TimeServer>),
    Echo(UdpEcho),
}

/// What a token of the slab stands for.
enum Endpoint {
    Server(Socket, UdpService),
    /// A client's socket; its index is its slot minus [`EventLoop::first_client`].
    Client(Socket),
    /// One side's TUN device of the live link.
    Tun(Side),
}

/// One experiment's sockets and state machines in one event loop.
pub struct EventLoop {
    poll: Poll,
    events: Events,
    clock: Clock,
    /// Endpoint `i` is registered as `Token(i)` (always below [`CONN_BASE`]).
    endpoints: Vec<Endpoint>,
    /// The slot of the UDP server, if any.
    server: Option<usize>,
    /// The slot of client 0; the clients' slots follow it.
    first_client: usize,
    /// The clients' local addresses: when the loop has clients (and no live link, whose
    /// clients the link names by port), its UDP server answers only them (a run's server is
    /// not a public service) and counts the rest in `foreign`.
    own: rustc_hash::FxHashSet<SocketAddr>,
    foreign: u64,
    tcp: TcpPart,
    loadgen: Option<LoadGen>,
    /// The live `[link]`, when the run has one.
    link: Option<Box<LiveLink>>,
    recv_buf: Vec<u8>,
    send_buf: Vec<u8>,
}

/// Binds a UDP socket, naming the address and the likely cause when it fails.
pub fn bind_udp(addr: SocketAddr, what: &str) -> Result<UdpSocket> {
    UdpSocket::bind(addr).map_err(|e| super::bind_error(addr, what, e))
}

impl EventLoop {
    pub fn new(clock: Clock) -> Result<Self> {
        Ok(EventLoop {
            poll: Poll::new().context(crate::tr!("err-event-loop-epoll"))?,
            events: Events::with_capacity(1024),
            tcp: TcpPart::new(clock.epoch_unix_us),
            clock,
            endpoints: Vec::new(),
            server: None,
            first_client: 0,
            own: Default::default(),
            foreign: 0,
            loadgen: None,
            link: None,
            recv_buf: vec![0; RECV_BUF],
            send_buf: Vec::with_capacity(64),
        })
    }

    /// An event loop whose endpoints talk across a live `[link]`: builds the run's private
    /// network (see [`super::netns`]) and leaves the calling thread in its client namespace
    /// until the loop is dropped. The server binds [`super::netns::SERVER_IP`], the clients
    /// reach it across the link from [`super::netns::CLIENT_IP`].
    pub fn with_link(clock: Clock, config: PathConfig, seed: u64) -> Result<Self> {
        let link = LiveLink::new(config, seed)?;
        let mut ev = EventLoop::new(clock)?;
        for side in [Side::Client, Side::Server] {
            ev.endpoints.push(Endpoint::Tun(side));
        }
        link.register(&ev.poll, Token(0), Token(1))
            .context(crate::tr!("link-tun-watch"))?;
        ev.link = Some(Box::new(link));
        ev.tcp.track_ports();
        Ok(ev)
    }

    /// The live link, when there is one.
    pub fn link(&self) -> Option<&LiveLink> {
        self.link.as_deref()
    }

    /// Where a server asked to bind `bind` binds: across a link, the server side's address.
    fn server_bind(&self, bind: SocketAddr) -> SocketAddr {
        match self.link {
            Some(_) => SocketAddr::new(super::netns::SERVER_IP.into(), bind.port()),
            None => bind,
        }
    }

    /// Runs `f` where servers live: the link's server namespace, or here without a link.
    fn on_server_side<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        match &self.link {
            Some(link) => link.in_server(f)?,
            None => f(),
        }
    }

    /// The token of the next endpoint pushed.
    fn next_token(&self) -> Token {
        debug_assert!(self.endpoints.len() < CONN_BASE);
        Token(self.endpoints.len())
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Adds the time server on `bind`; returns the address it actually listens on.
    pub fn add_server(&mut self, bind: SocketAddr, server: TimeServer) -> Result<SocketAddr> {
        self.add_udp_service(
            bind,
            UdpService::Time(Box::new(server)),
            &crate::tr!("bind-what-time-server"),
        )
    }

    /// Adds the lab's UDP echo server on `bind`.
    pub fn add_udp_echo(&mut self, bind: SocketAddr) -> Result<SocketAddr> {
        self.add_udp_service(
            bind,
            UdpService::Echo(UdpEcho::default()),
            &crate::tr!("bind-what-udp-echo"),
        )
    }

    fn add_udp_service(
        &mut self,
        bind: SocketAddr,
        service: UdpService,
        what: &str,
    ) -> Result<SocketAddr> {
        let bind = self.server_bind(bind);
        let socket = self.on_server_side(|| bind_udp(bind, what))?;
        let local = socket.local_addr()?;
        let token = self.next_token();
        let socket = Socket::new(&self.poll, socket, token)?;
        self.endpoints.push(Endpoint::Server(socket, service));
        self.server = Some(token.0);
        Ok(local)
    }

    /// Adds a TCP server (echo or HTTP) on `bind`.
    pub fn add_tcp_server(&mut self, bind: SocketAddr, service: TcpService) -> Result<SocketAddr> {
        let bind = self.server_bind(bind);
        let (tcp, poll) = (&mut self.tcp, &self.poll);
        match &self.link {
            Some(link) => link.in_server(|| tcp.add_server(poll, bind, service))?,
            None => tcp.add_server(poll, bind, service),
        }
    }

    /// Adds TCP clients that connect to `target`.
    pub fn add_tcp_clients(&mut self, target: SocketAddr, load: TcpLoad) {
        self.tcp.add_load(target, load);
    }

    pub fn tcp_load(&self) -> Option<&TcpLoad> {
        self.tcp.load()
    }

    /// Datagrams and TCP connections from outside this loop's own clients, ignored.
    pub fn foreign(&self) -> u64 {
        self.foreign + self.tcp.counts.foreign
    }

    /// Closes idle TCP server connections after `d` (see [`super::tcp::DEFAULT_IDLE_TIMEOUT`]).
    pub fn set_tcp_idle_timeout(&mut self, d: Duration) {
        self.tcp.set_idle_timeout(d);
    }

    /// Server connections the TCP server closed on its own, by reason.
    pub fn tcp_server_counts(&self) -> super::tcp::TcpServerCounts {
        self.tcp.counts
    }

    /// Adds the load generator with one socket per client, each connected to `target`.
    pub fn add_clients(&mut self, target: SocketAddr, loadgen: LoadGen) -> Result<()> {
        let local: SocketAddr = if target.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        self.first_client = self.endpoints.len();
        let first_id = loadgen.config().first_client;
        for index in 0..loadgen.config().clients {
            let socket = bind_udp(local, &crate::tr!("bind-what-client"))?;
            socket
                .connect(target)
                .with_context(|| crate::tr!("err-reach", target = target.to_string()))?;
            match &mut self.link {
                Some(link) => link.add_client_port(socket.local_addr()?.port(), first_id + index),
                None => {
                    if let Ok(local) = socket.local_addr() {
                        self.own.insert(local);
                    }
                }
            }
            let socket = Socket::new(&self.poll, socket, self.next_token())?;
            self.endpoints.push(Endpoint::Client(socket));
        }
        self.loadgen = Some(loadgen);
        Ok(())
    }

    fn udp_service(&self) -> Option<&UdpService> {
        match self.endpoints.get(self.server?) {
            Some(Endpoint::Server(_, service)) => Some(service),
            _ => None,
        }
    }

    pub fn server(&self) -> Option<&TimeServer> {
        match self.udp_service() {
            Some(UdpService::Time(s)) => Some(s),
            _ => None,
        }
    }

    pub fn udp_echo(&self) -> Option<&UdpEcho> {
        match self.udp_service() {
            Some(UdpService::Echo(e)) => Some(e),
            _ => None,
        }
    }

    pub fn loadgen(&self) -> Option<&LoadGen> {
        self.loadgen.as_ref()
    }

    /// Runs until the clients are done, the observer says stop, or `interrupt` is set.
    pub fn run(&mut self, observer: &mut dyn Observer, interrupt: &AtomicBool) -> Result<Stop> {
        // `now` is read once per turn, right after waking: the datagrams read in this turn and
        // the timers due in it all see the same instant.
        let mut now = self.clock.now();
        loop {
            if let Some(link) = &mut self.link {
                // Packets whose time on the link is over reach the far side first: what they
                // make readable is read in this same turn's poll.
                link.handle_timeout(now)?;
            }
            if let Some(lg) = &mut self.loadgen {
                lg.handle_timeout(now);
            }
            if let Some(UdpService::Time(server)) = self.udp_service_mut() {
                server.handle_timeout(now);
            }
            self.tcp.handle_timeout(now);
            self.flush(observer)?;
            self.tcp.flush(&self.poll, now, observer)?;
            if interrupt.load(Ordering::Relaxed) {
                if let Some(lg) = &mut self.loadgen {
                    lg.interrupt();
                }
                self.tcp.interrupt();
                self.flush(observer)?;
                self.tcp.flush(&self.poll, now, observer)?;
                return Ok(Stop::Interrupted);
            }
            let has_clients = self.loadgen.is_some() || self.tcp.has_load();
            if has_clients
                && self.loadgen.as_ref().is_none_or(LoadGen::is_done)
                && self.tcp.is_done()
            {
                return Ok(Stop::Done);
            }
            // Replies the server still holds (a delay) leave before the loop ends.
            let holding = matches!(self.server(), Some(t) if t.poll_timeout().is_some());
            if observer.should_stop() && !holding {
                return Ok(Stop::Observer);
            }
            let deadline = [
                self.loadgen.as_ref().and_then(LoadGen::poll_timeout),
                self.server().and_then(TimeServer::poll_timeout),
                self.tcp.poll_timeout(),
                self.link.as_ref().and_then(|l| l.poll_timeout()),
            ]
            .into_iter()
            .flatten()
            .min();
            // epoll counts in whole milliseconds and mio rounds a finer timeout up, which
            // would make every paced send up to 1 ms late. Sleep the whole milliseconds, then
            // poll without sleeping until the deadline: sends and timeouts land within µs.
            let sleep = match deadline {
                Some(d) => {
                    let wait = (d - now).as_micros();
                    std::time::Duration::from_millis(wait / 1_000).min(MAX_SLEEP)
                }
                None => MAX_SLEEP,
            };
            match self.poll.poll(&mut self.events, Some(sleep)) {
                Ok(()) => {}
                // A signal (Ctrl-C) interrupted the wait: the flag check above handles it.
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).context(crate::tr!("err-poll")),
            }
            now = self.clock.now();
            // Take the event list out so handlers can borrow `self`; put it back after.
            let events = std::mem::replace(&mut self.events, Events::with_capacity(0));
            let mut tcp_events = false;
            for event in events.iter() {
                let (token, readable, writable) =
                    (event.token(), event.is_readable(), event.is_writable());
                if token == LISTENER || token.0 >= CONN_BASE {
                    // TCP reads its own clock per read (see `TcpPart::read`); the turn's `now`
                    // is refreshed after the events so time never goes backwards for the cores.
                    self.tcp.handle_event(
                        &self.poll,
                        event,
                        &self.clock,
                        &mut self.recv_buf,
                        observer,
                    )?;
                    tcp_events = true;
                    continue;
                }
                if writable {
                    self.flush_backlog(token.0, observer)?;
                }
                if readable {
                    match self.endpoints.get(token.0) {
                        Some(Endpoint::Server(..)) => self.drain_server(token.0, now)?,
                        Some(Endpoint::Client(_)) => self.drain_client(token.0, now, observer)?,
                        Some(&Endpoint::Tun(side)) => self.drain_link(side, now, observer)?,
                        None => {}
                    }
                }
            }
            self.events = events;
            if tcp_events {
                now = self.clock.now();
            }
        }
    }

    fn udp_service_mut(&mut self) -> Option<&mut UdpService> {
        match self.endpoints.get_mut(self.server?) {
            Some(Endpoint::Server(_, service)) => Some(service),
            _ => None,
        }
    }

    fn flush_backlog(&mut self, slot: usize, observer: &mut dyn Observer) -> Result<()> {
        let poll = &self.poll;
        match self.endpoints.get_mut(slot) {
            // A reply the kernel refused is lost like any other datagram; the client times out.
            Some(Endpoint::Server(socket, _)) => socket.flush_backlog(poll, |_| {})?,
            Some(Endpoint::Client(socket)) => {
                let client = Some((slot - self.first_client) as u32);
                socket.flush_backlog(poll, |e| observer.socket_error(client, &e))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn drain_server(&mut self, slot: usize, now: Instant) -> Result<()> {
        let Some(Endpoint::Server(socket, server)) = self.endpoints.get_mut(slot) else {
            return Ok(());
        };
        loop {
            match socket.socket.recv_from(&mut self.recv_buf) {
                Ok((_, from)) if !self.own.is_empty() && !self.own.contains(&from) => {
                    self.foreign += 1;
                }
                Ok((n, from)) => match server {
                    UdpService::Time(t) => t.handle_datagram(now, from, &self.recv_buf[..n]),
                    UdpService::Echo(e) => e.handle_datagram(from, &self.recv_buf[..n]),
                },
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // An ICMP error for an earlier reply (the client went away): not our problem.
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => continue,
                Err(e) => return Err(e).context(crate::tr!("err-server-recv")),
            }
        }
    }

    fn drain_client(
        &mut self,
        slot: usize,
        now: Instant,
        observer: &mut dyn Observer,
    ) -> Result<()> {
        let index = slot - self.first_client;
        let (Some(Endpoint::Client(socket)), Some(lg)) =
            (self.endpoints.get(slot), &mut self.loadgen)
        else {
            return Ok(());
        };
        loop {
            match socket.socket.recv(&mut self.recv_buf) {
                Ok(n) => lg.handle_datagram(now, index as u32, &self.recv_buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // ICMP port unreachable for an earlier request: nobody listens at the target.
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                    observer.socket_error(Some(index as u32), &e);
                }
                Err(e) => {
                    return Err(e).context(crate::tr!("err-client-recv", client = index));
                }
            }
        }
    }

    /// Sends what one side of the link read across the path.
    fn drain_link(&mut self, side: Side, now: Instant, observer: &mut dyn Observer) -> Result<()> {
        let Some(link) = &mut self.link else {
            return Ok(());
        };
        let tcp = &self.tcp;
        let owner = |port: u16| tcp.port_owner(port);
        link.drain(side, now, &mut self.recv_buf, &owner, observer)
    }

    /// Sends everything the state machines hand out and delivers their events.
    fn flush(&mut self, observer: &mut dyn Observer) -> Result<()> {
        let poll = &self.poll;
        match self.server.and_then(|slot| self.endpoints.get_mut(slot)) {
            Some(Endpoint::Server(socket, UdpService::Time(server))) => {
                while let Some(t) = server.poll_transmit() {
                    server.encode(&t, &mut self.send_buf);
                    server_send(socket, poll, t.to, &self.send_buf);
                }
                server.drain_events(|e| observer.server_event(e));
            }
            Some(Endpoint::Server(socket, UdpService::Echo(server))) => {
                while let Some((to, reply)) = server.poll_transmit() {
                    let sent = socket.send(poll, Some(to), &reply).is_ok();
                    server.handle_sent(sent);
                }
                while let Some(e) = server.poll_event() {
                    observer.echo_event(&e);
                }
            }
            _ => {}
        }
        if let Some(lg) = &mut self.loadgen {
            while let Some(index) = lg.poll_transmit(&mut self.send_buf) {
                let Some(Endpoint::Client(socket)) =
                    self.endpoints.get_mut(self.first_client + index as usize)
                else {
                    continue;
                };
                if let Err(e) = socket.send(poll, None, &self.send_buf) {
                    // The request is counted as sent and will time out; the observer says why.
                    observer.socket_error(Some(index), &e);
                }
            }
            while let Some(p) = lg.poll_progress() {
                observer.progress(p);
            }
            lg.drain_records(|r| observer.record(r))
                .context(crate::tr!("err-write-row", file = "requests.csv"))?;
        }
        Ok(())
    }
    /// Time since the loop's clock started.
    pub fn elapsed(&self) -> Duration {
        self.clock.now() - Instant::ZERO
    }
}
