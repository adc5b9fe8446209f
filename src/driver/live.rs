//! The live driver: one thread, one mio `Poll`, real UDP sockets on loopback (or anywhere the
//! user points a client).
//!
//! It owns the sockets and the clock and nothing else. Each turn it reads `now` once, lets the
//! core act on its timers, sends every datagram the core hands out, delivers every event to the
//! [`Observer`], then sleeps in `poll` until a socket is readable or the core's next deadline.
//! A readable socket is drained until `WouldBlock` (mio's readiness is edge-triggered: an
//! undrained socket would never wake us again). Invariants: `now` never goes backwards; the core
//! is the only place that decides anything; a send that would block is kept and retried when
//! the socket becomes writable, never dropped silently.

use super::tcp::{CONN_BASE, LISTENER, TcpPart, TcpServerEvent, TcpService};
use crate::client::loadgen::{LoadGen, Progress, Record};
use crate::client::tcp::{TcpLoad, TcpProgress};
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

const SERVER: Token = Token(usize::MAX - 1);
/// Client `i` is registered as `Token(i)`.
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

/// One experiment's sockets and state machines in one event loop.
/// The UDP server in the loop.
pub enum UdpService {
    Time(Box<TimeServer>),
    Echo(UdpEcho),
}

pub struct EventLoop {
    poll: Poll,
    events: Events,
    clock: Clock,
    server: Option<(Socket, UdpService)>,
    tcp: TcpPart,
    clients: Vec<Socket>,
    loadgen: Option<LoadGen>,
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
            poll: Poll::new().context("cannot create the event loop (epoll)")?,
            events: Events::with_capacity(1024),
            tcp: TcpPart::new(clock.epoch_unix_us),
            clock,
            server: None,
            clients: Vec::new(),
            loadgen: None,
            recv_buf: vec![0; RECV_BUF],
            send_buf: Vec::with_capacity(64),
        })
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Adds the time server on `bind`; returns the address it actually listens on.
    pub fn add_server(&mut self, bind: SocketAddr, server: TimeServer) -> Result<SocketAddr> {
        self.add_udp_service(bind, UdpService::Time(Box::new(server)), "UDP time server")
    }

    /// Adds the lab's UDP echo server on `bind`.
    pub fn add_udp_echo(&mut self, bind: SocketAddr) -> Result<SocketAddr> {
        self.add_udp_service(
            bind,
            UdpService::Echo(UdpEcho::default()),
            "UDP echo server",
        )
    }

    fn add_udp_service(
        &mut self,
        bind: SocketAddr,
        service: UdpService,
        what: &str,
    ) -> Result<SocketAddr> {
        let socket = bind_udp(bind, what)?;
        let local = socket.local_addr()?;
        self.server = Some((Socket::new(&self.poll, socket, SERVER)?, service));
        Ok(local)
    }

    /// Adds a TCP server (echo or HTTP) on `bind`.
    pub fn add_tcp_server(&mut self, bind: SocketAddr, service: TcpService) -> Result<SocketAddr> {
        self.tcp.add_server(&self.poll, bind, service)
    }

    /// Adds TCP clients that connect to `target`.
    pub fn add_tcp_clients(&mut self, target: SocketAddr, load: TcpLoad) {
        self.tcp.add_load(target, load);
    }

    pub fn tcp_load(&self) -> Option<&TcpLoad> {
        self.tcp.load()
    }

    /// Adds the load generator with one socket per client, each connected to `target`.
    pub fn add_clients(&mut self, target: SocketAddr, loadgen: LoadGen) -> Result<()> {
        let local: SocketAddr = if target.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        for index in 0..loadgen.config().clients {
            let socket = bind_udp(local, "client socket")?;
            socket
                .connect(target)
                .with_context(|| format!("cannot reach {target}"))?;
            self.clients
                .push(Socket::new(&self.poll, socket, Token(index as usize))?);
        }
        self.loadgen = Some(loadgen);
        Ok(())
    }

    pub fn server(&self) -> Option<&TimeServer> {
        match &self.server {
            Some((_, UdpService::Time(s))) => Some(s),
            _ => None,
        }
    }

    pub fn udp_echo(&self) -> Option<&UdpEcho> {
        match &self.server {
            Some((_, UdpService::Echo(e))) => Some(e),
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
            if let Some(lg) = &mut self.loadgen {
                lg.handle_timeout(now);
            }
            if let Some((_, UdpService::Time(server))) = &mut self.server {
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
            let holding = matches!(&self.server, Some((_, UdpService::Time(t))) if t.poll_timeout().is_some());
            if observer.should_stop() && !holding {
                return Ok(Stop::Observer);
            }
            let deadline = [
                self.loadgen.as_ref().and_then(LoadGen::poll_timeout),
                self.server.as_ref().and_then(|(_, s)| match s {
                    UdpService::Time(t) => t.poll_timeout(),
                    UdpService::Echo(_) => None,
                }),
                self.tcp.poll_timeout(),
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
                Err(e) => return Err(e).context("waiting for sockets failed"),
            }
            now = self.clock.now();
            // Take the event list out so handlers can borrow `self`; put it back after.
            let events = std::mem::replace(&mut self.events, Events::with_capacity(0));
            let mut tcp_events = false;
            for event in events.iter() {
                let (token, readable, writable) =
                    (event.token(), event.is_readable(), event.is_writable());
                if token == LISTENER || (token.0 >= CONN_BASE && token != SERVER) {
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
                    self.flush_backlog(token, observer)?;
                }
                if readable {
                    if token == SERVER {
                        self.drain_server(now)?;
                    } else {
                        self.drain_client(token.0, now, observer)?;
                    }
                }
            }
            self.events = events;
            if tcp_events {
                now = self.clock.now();
            }
        }
    }

    fn flush_backlog(&mut self, token: Token, observer: &mut dyn Observer) -> Result<()> {
        let poll = &self.poll;
        if token == SERVER {
            if let Some((socket, _)) = &mut self.server {
                // A reply the kernel refused is lost like any other datagram; the client times out.
                socket.flush_backlog(poll, |_| {})?;
            }
        } else if let Some(socket) = self.clients.get_mut(token.0) {
            let client = Some(token.0 as u32);
            socket.flush_backlog(poll, |e| observer.socket_error(client, &e))?;
        }
        Ok(())
    }

    fn drain_server(&mut self, now: Instant) -> Result<()> {
        let Some((socket, server)) = &mut self.server else {
            return Ok(());
        };
        loop {
            match socket.socket.recv_from(&mut self.recv_buf) {
                Ok((n, from)) => match server {
                    UdpService::Time(t) => t.handle_datagram(now, from, &self.recv_buf[..n]),
                    UdpService::Echo(e) => e.handle_datagram(from, &self.recv_buf[..n]),
                },
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // An ICMP error for an earlier reply (the client went away): not our problem.
                Err(e) if e.kind() == ErrorKind::ConnectionRefused => continue,
                Err(e) => return Err(e).context("the server socket failed to receive"),
            }
        }
    }

    fn drain_client(
        &mut self,
        index: usize,
        now: Instant,
        observer: &mut dyn Observer,
    ) -> Result<()> {
        let (Some(socket), Some(lg)) = (self.clients.get(index), &mut self.loadgen) else {
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
                Err(e) => return Err(e).context(format!("client {index} failed to receive")),
            }
        }
    }

    /// Sends everything the state machines hand out and delivers their events.
    fn flush(&mut self, observer: &mut dyn Observer) -> Result<()> {
        match &mut self.server {
            Some((socket, UdpService::Time(server))) => {
                while let Some(t) = server.poll_transmit() {
                    server.encode(&t, &mut self.send_buf);
                    server_send(socket, &self.poll, t.to, &self.send_buf);
                }
                server.drain_events(|e| observer.server_event(e));
            }
            Some((socket, UdpService::Echo(server))) => {
                while let Some((to, reply)) = server.poll_transmit() {
                    server_send(socket, &self.poll, to, &reply);
                }
                while let Some(e) = server.poll_event() {
                    observer.echo_event(&e);
                }
            }
            None => {}
        }
        if let Some(lg) = &mut self.loadgen {
            while let Some(index) = lg.poll_transmit(&mut self.send_buf) {
                let socket = &mut self.clients[index as usize];
                if let Err(e) = socket.send(&self.poll, None, &self.send_buf) {
                    // The request is counted as sent and will time out; the observer says why.
                    observer.socket_error(Some(index), &e);
                }
            }
            while let Some(p) = lg.poll_progress() {
                observer.progress(p);
            }
            lg.drain_records(|r| observer.record(r))
                .context("cannot write a row of requests.csv")?;
        }
        Ok(())
    }

    /// Time since the loop's clock started.
    pub fn elapsed(&self) -> Duration {
        self.clock.now() - Instant::ZERO
    }
}
