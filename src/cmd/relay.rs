//! `losslab relay`: a lossy UDP relay between any clients and any one server, no privileges
//! needed. The mio driver of [`crate::impair::relay::Relay`]: one listening socket for the
//! clients, one connected upstream socket per client session (so the server's replies find
//! their client), one `Poll`, one thread.
//!
//! Prints one line per datagram the path drops (addresses and an escaped preview of the
//! payload, never raw network bytes) and, with `--record DIR`, writes `link.csv` (the columns
//! of a run's, from the recorder's own row code), `flows.csv` (which client each flow key is)
//! and `relay.json` (settings, counts, and `status`: `done`, or `interrupted` after Ctrl-C or
//! SIGTERM). The three files appear together at the end or not at all.
//!
//! Invariant: nothing a client or the server sends can stop the loop: every datagram is opaque
//! bytes, socket errors on one session are counted and skipped, sessions and queued bytes are
//! bounded ([`crate::impair::relay`]), and every socket is drained under a budget per turn so
//! one busy socket cannot starve the others or the timers.

use crate::driver::live::{Clock, Stop};
use crate::impair::Direction;
use crate::impair::path::{LinkCounts, LinkEvent, LinkFate, PathConfig};
use crate::impair::relay::{Dest, Flows, Outcome, Relay, RelayConfig, Session};
use crate::metrics::output::{RowSink, StreamFile};
use crate::metrics::recorder::{Recorder, RecorderConfig};
use crate::results::folder::Staging;
use crate::time::{Duration, Instant, fmt_ms};
use crate::tr;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// `losslab relay`'s flags.
#[derive(Args, Debug)]
pub struct RelayArgs {
    /// Address the clients send to (loopback unless you mean to expose it).
    #[arg(long)]
    pub listen: SocketAddr,
    /// The server's address: every client's datagrams go there, its replies come back.
    #[arg(long)]
    pub to: SocketAddr,
    #[command(flatten)]
    pub path: crate::cmd::path_args::PathArgs,
    /// Seed of the fates: the same seed gives each (flow, direction, index) the same fate.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write link.csv, flows.csv and relay.json into this folder.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// address: each client address is a flow with its own fates and chain; one: all clients
    /// are one flow, so a rerun from a new port meets the same fates.
    #[arg(long, value_enum, default_value_t = FlowsArg::Address)]
    pub flows: FlowsArg,
    /// Most clients served at once (each holds an upstream socket); a new client beyond them is
    /// refused until one goes idle.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_flows: u32,
    /// A client with no datagram either way for this long is forgotten.
    #[arg(long, default_value = "30s", value_parser = parse_nonzero)]
    pub idle: Duration,
    /// Stop after this many datagrams from clients (and the replies that follow within 500 ms).
    #[arg(long)]
    pub max_datagrams: Option<u64>,
    /// Stop after this long.
    #[arg(long, value_parser = parse_nonzero)]
    pub duration: Option<Duration>,
    /// Do not print a line per discarded datagram.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FlowsArg {
    Address,
    One,
}

pub fn parse_nonzero(s: &str) -> Result<Duration, String> {
    match Duration::parse(s)? {
        Duration::ZERO => Err(tr!("arg-err-zero-duration")),
        d => Ok(d),
    }
}

/// Replies still relayed after `--max-datagrams` is reached, once the relay has gone quiet.
const LINGER: Duration = Duration::from_millis(500);
/// Datagrams read from one socket per loop turn before the others get their turn.
const READ_BUDGET: usize = 256;
/// How often idle sessions are looked for.
const SWEEP_EVERY: Duration = Duration::from_secs(1);
/// Longest sleep, so a signal is noticed promptly even if `poll` is not interrupted by it.
const MAX_SLEEP: Duration = Duration::from_millis(100);
const LISTEN: Token = Token(0);
/// Bytes of a datagram shown in a discard line.
const PREVIEW: usize = 24;

pub const FLOW_COLUMNS: &str = "flow,client,opened_us,closed_us,requests,replies,dropped";

/// The command: parses the flags, runs, and maps the stop to an exit code (130 interrupted).
pub fn execute(
    args: RelayArgs,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<std::process::ExitCode> {
    let path = parse_path(&args)?;
    let cfg = RelayConfig {
        path,
        seed: args.seed,
        flows: match args.flows {
            FlowsArg::Address => Flows::Address,
            FlowsArg::One => Flows::One,
        },
        max_sessions: args.max_flows as usize,
        idle: args.idle,
    };
    let report = run_relay(&args, cfg, interrupt, console)?;
    Ok(match report.stop {
        Stop::Interrupted => std::process::ExitCode::from(130),
        _ => std::process::ExitCode::SUCCESS,
    })
}

/// The flags as a `[link]`; an error names the flag.
pub fn parse_path(args: &RelayArgs) -> Result<PathConfig> {
    args.path.config()
}

/// What a relay run did.
#[derive(Debug, Serialize)]
pub struct RelayReport {
    #[serde(skip)]
    pub stop: Stop,
    pub status: &'static str,
    pub version: &'static str,
    pub listen: String,
    pub to: String,
    pub path: String,
    pub seed: u64,
    pub flows: &'static str,
    pub link_counts: LinkCounts,
    pub sessions: u64,
    /// Datagrams the path let through that the relay could not hold (buffer full).
    pub overflows: u64,
    /// Datagrams from new clients while every session was busy.
    pub refused: u64,
    /// Datagrams the sockets would not take (kernel buffer full, server port closed).
    pub send_errors: u64,
    pub elapsed_us: u64,
}

/// The files of `--record`.
struct Record {
    dir: Staging,
    recorder: Recorder<RowSink>,
    flows: StreamFile,
}

impl Record {
    fn open(dir: &std::path::Path) -> Result<Record> {
        let mut out = Staging::begin(dir, |_| false)?;
        let link = out.stream("link.csv")?;
        let mut flows = out.stream("flows.csv")?;
        writeln!(flows, "{FLOW_COLUMNS}").context(tr!("err-write", path = "flows.csv"))?;
        let cfg = RecorderConfig {
            clients: 0,
            first_client: 0,
            ground_truth: false,
            timeout: Duration::ZERO,
            retries: 0,
            lost_as_infinite: false,
        };
        let recorder = Recorder::with_link(
            RowSink::Off,
            RowSink::Off,
            RowSink::Off,
            RowSink::File(link),
            cfg,
        )
        .context(tr!("err-write", path = "link.csv"))?;
        Ok(Record {
            dir: out,
            recorder,
            flows,
        })
    }

    fn session_closed(&mut self, s: &Session, at: Instant) -> io::Result<()> {
        writeln!(
            self.flows,
            "{},{},{},{},{},{},{}",
            s.flow,
            s.client,
            s.opened.as_micros(),
            at.as_micros(),
            s.requests,
            s.replies,
            s.dropped
        )
    }

    fn commit(mut self, report: &RelayReport) -> Result<()> {
        let path = self.dir.target().to_path_buf();
        let link = self
            .recorder
            .take_link_rows()
            .context(tr!("err-write", path = "link.csv"))?
            .expect("recorded with a link");
        link.finish(&path.join("link.csv"))?;
        self.flows.finish().with_context(|| {
            tr!(
                "err-write",
                path = path.join("flows.csv").display().to_string()
            )
        })?;
        let mut text = serde_json::to_string_pretty(report)?;
        text.push('\n');
        self.dir.bytes("relay.json", text.as_bytes())?;
        self.dir.commit().map(drop)
    }
}

/// Bytes shown as text, every byte that is not printable ASCII escaped (`\xNN`, `\n`, `\"`).
pub fn preview(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes.iter().take(PREVIEW) {
        s.extend(std::ascii::escape_default(b).map(char::from));
    }
    if bytes.len() > PREVIEW {
        s.push_str("...");
    }
    s
}

struct Driver<'a> {
    relay: Relay,
    listen: UdpSocket,
    upstream: FxHashMap<u64, UdpSocket>,
    poll: Poll,
    to: SocketAddr,
    record: Option<Record>,
    console: &'a mut dyn Write,
    quiet: bool,
    from_clients: u64,
    send_errors: u64,
    sessions: u64,
    last_activity: Instant,
}

pub fn run_relay(
    args: &RelayArgs,
    cfg: RelayConfig,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<RelayReport> {
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "{}",
            tr!(
                "relay-exposed",
                listen = args.listen.to_string(),
                to = args.to.to_string()
            )
        );
    }
    let record = args.record.as_deref().map(Record::open).transpose()?;
    let clock = Clock::new();
    let poll = Poll::new().context(tr!("err-event-loop-create"))?;
    let mut listen = UdpSocket::bind(args.listen)
        .with_context(|| tr!("err-listen", proto = "udp", addr = args.listen.to_string()))?;
    poll.registry()
        .register(&mut listen, LISTEN, Interest::READABLE)?;
    let local = listen.local_addr()?;
    let describe = cfg.path.describe_console();
    let flows = match cfg.flows {
        Flows::Address => "address",
        Flows::One => "one",
    };
    let _ = writeln!(
        console,
        "{}",
        tr!(
            "relay-header",
            local = local.to_string(),
            to = args.to.to_string(),
            path = describe.as_str(),
            seed = cfg.seed.to_string(),
            flows = flows
        )
    );
    let _ = console.flush();
    let seed = cfg.seed;
    let mut d = Driver {
        relay: Relay::new(cfg),
        listen,
        upstream: FxHashMap::default(),
        poll,
        to: args.to,
        record,
        console,
        quiet: args.quiet,
        from_clients: 0,
        send_errors: 0,
        sessions: 0,
        last_activity: Instant::ZERO,
    };
    let stop = d.run(&clock, args, interrupt)?;
    let end = clock.now();
    for s in d.relay.expire(Instant::from_micros(u64::MAX)) {
        if let Some(r) = &mut d.record {
            r.session_closed(&s, end)
                .context(tr!("err-write", path = "flows.csv"))?;
        }
    }
    let counts = d.relay.path().counts();
    let report = RelayReport {
        stop,
        status: match stop {
            Stop::Interrupted => "interrupted",
            _ => "done",
        },
        version: env!("CARGO_PKG_VERSION"),
        listen: local.to_string(),
        to: args.to.to_string(),
        path: describe,
        seed,
        flows,
        link_counts: counts,
        sessions: d.sessions,
        overflows: d.relay.overflows,
        refused: d.relay.refused,
        send_errors: d.send_errors,
        elapsed_us: end.as_micros(),
    };
    let _ = writeln!(
        d.console,
        "{}",
        tr!(
            "relay-footer",
            status = report.status,
            up = counts.request.packets,
            up_dropped = counts.request.dropped,
            down = counts.reply.packets,
            down_dropped = counts.reply.dropped,
            clients = report.sessions,
            refused = report.refused,
            overflows = report.overflows,
            errors = report.send_errors
        )
    );
    if let Some(r) = d.record.take() {
        let dir = r.dir.target().to_path_buf();
        r.commit(&report)?;
        let _ = writeln!(
            d.console,
            "{}",
            tr!("relay-recorded", dir = dir.display().to_string())
        );
    }
    Ok(report)
}

impl Driver<'_> {
    fn run(&mut self, clock: &Clock, args: &RelayArgs, interrupt: &AtomicBool) -> Result<Stop> {
        let mut events = Events::with_capacity(256);
        let mut buf = vec![0u8; 65_536];
        // Sockets that may still hold datagrams (edge-triggered readiness: a socket left
        // before WouldBlock gets no new event, so it stays listed until drained).
        let mut ready: Vec<Token> = Vec::new();
        let mut next_sweep = Instant::ZERO + SWEEP_EVERY;
        let end = args.duration.map(|d| Instant::ZERO + d);
        loop {
            if interrupt.load(Ordering::Relaxed) {
                return Ok(Stop::Interrupted);
            }
            let now = clock.now();
            if end.is_some_and(|e| now >= e) {
                return Ok(Stop::Done);
            }
            if let Some(max) = args.max_datagrams
                && self.from_clients >= max
                && self.relay.in_flight() == 0
                && now.saturating_since(self.last_activity) >= LINGER
            {
                return Ok(Stop::Done);
            }
            let mut wake = now + MAX_SLEEP;
            for t in [self.relay.poll_timeout(), Some(next_sweep), end]
                .into_iter()
                .flatten()
            {
                wake = wake.min(t);
            }
            let sleep = match ready.is_empty() {
                true => wake.saturating_since(now),
                false => Duration::ZERO,
            };
            match self.poll.poll(&mut events, Some(sleep.to_std())) {
                Ok(()) => {}
                // A signal: the flag is looked at on the next turn.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).context(tr!("err-event-loop")),
            }
            for ev in events.iter() {
                if !ready.contains(&ev.token()) {
                    ready.push(ev.token());
                }
            }
            let now = clock.now();
            let mut still = Vec::new();
            for token in std::mem::take(&mut ready) {
                if self.drain(token, now, &mut buf)? {
                    still.push(token);
                }
            }
            ready = still;
            self.send_due(clock.now());
            let now = clock.now();
            if now >= next_sweep {
                next_sweep = now + SWEEP_EVERY;
                for s in self.relay.expire(now) {
                    if let Some(mut sock) = self.upstream.remove(&s.id) {
                        let _ = self.poll.registry().deregister(&mut sock);
                    }
                    ready.retain(|t| *t != Token(s.id as usize + 1));
                    if let Some(r) = &mut self.record {
                        r.session_closed(&s, now)
                            .context(tr!("err-write", path = "flows.csv"))?;
                    }
                }
            }
        }
    }

    /// Reads up to [`READ_BUDGET`] datagrams from one socket; true if it may hold more.
    fn drain(&mut self, token: Token, now: Instant, buf: &mut [u8]) -> Result<bool> {
        for _ in 0..READ_BUDGET {
            let got = match token {
                LISTEN => self.listen.recv_from(buf).map(|(n, from)| (n, Some(from))),
                Token(t) => match self.upstream.get(&(t as u64 - 1)) {
                    Some(s) => s.recv(buf).map(|n| (n, None)),
                    None => return Ok(false),
                },
            };
            let (n, from) = match got {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                // A connected socket reports the server's ICMP "port unreachable" here; the
                // listening socket, a client's. Neither stops the relay.
                Err(_) => continue,
            };
            self.last_activity = now;
            let outcome = match from {
                Some(client) => {
                    self.from_clients += 1;
                    self.relay.handle_from_client(now, client, &buf[..n])
                }
                None => self
                    .relay
                    .handle_from_server(now, token.0 as u64 - 1, &buf[..n]),
            };
            self.outcome(outcome, &buf[..n])?;
        }
        Ok(true)
    }

    fn outcome(&mut self, outcome: Outcome, bytes: &[u8]) -> Result<()> {
        match outcome {
            Outcome::Crossed {
                event,
                client,
                new_session,
            } => {
                if let Some(id) = new_session {
                    self.open_session(id, client);
                }
                if let Some(r) = &mut self.record {
                    r.recorder
                        .link_event(&event)
                        .context(tr!("err-write", path = "link.csv"))?;
                }
                if event.crossing.fate == LinkFate::Dropped && !self.quiet {
                    self.discard_line(&event, client, event.crossing.rule, bytes);
                }
            }
            Outcome::Overflow {
                client,
                dir,
                new_session,
            } => {
                if let Some(id) = new_session {
                    self.open_session(id, client);
                }
                if !self.quiet {
                    let _ = writeln!(
                        self.console,
                        "{}",
                        tr!(
                            "relay-overflow",
                            dir = way(dir),
                            client = client.to_string(),
                            bytes = bytes.len(),
                            preview = preview(bytes)
                        )
                    );
                }
            }
            Outcome::Refused { client } => {
                if !self.quiet {
                    let _ = writeln!(
                        self.console,
                        "{}",
                        tr!(
                            "relay-refused",
                            client = client.to_string(),
                            max = self.relay.config().max_sessions
                        )
                    );
                }
            }
            Outcome::Stale => {}
        }
        Ok(())
    }

    fn discard_line(&mut self, e: &LinkEvent, client: SocketAddr, rule: &str, bytes: &[u8]) {
        let _ = writeln!(
            self.console,
            "{}",
            tr!(
                "relay-discarded",
                ms = format!("{:>9}", fmt_ms(e.at.as_micros())),
                dir = way(e.packet.dir),
                ident = e.packet.ident.to_string(),
                client = client.to_string(),
                rule = rule,
                bytes = bytes.len(),
                preview = preview(bytes)
            )
        );
    }

    /// Opens the upstream socket of a new session. When that fails (out of file descriptors),
    /// the session's datagrams to the server are counted as send errors until it expires.
    fn open_session(&mut self, id: u64, client: SocketAddr) {
        self.sessions += 1;
        let any = match self.to {
            SocketAddr::V4(_) => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
            SocketAddr::V6(_) => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
        };
        let opened = UdpSocket::bind(any).and_then(|mut s| {
            s.connect(self.to)?;
            self.poll
                .registry()
                .register(&mut s, Token(id as usize + 1), Interest::READABLE)?;
            Ok(s)
        });
        match opened {
            Ok(s) => {
                self.upstream.insert(id, s);
            }
            Err(e) => eprintln!(
                "{}",
                tr!(
                    "relay-socket-warning",
                    client = client.to_string(),
                    error = e.to_string()
                )
            ),
        }
    }

    fn send_due(&mut self, now: Instant) {
        while let Some(t) = self.relay.poll_transmit(now) {
            let sent = match t.dest {
                Dest::Server(id) => match self.upstream.get(&id) {
                    Some(s) => s.send(&t.bytes).map(|_| ()),
                    None => Err(io::Error::other("no socket")),
                },
                Dest::Client(addr) => self.listen.send_to(&t.bytes, addr).map(|_| ()),
            };
            if sent.is_err() {
                self.send_errors += 1;
            }
        }
    }
}

/// The direction as the catalog's messages select on it.
fn way(dir: Direction) -> &'static str {
    match dir {
        Direction::Request => "request",
        Direction::Reply => "reply",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_escape_everything_unprintable() {
        assert_eq!(preview(b"hola"), "hola");
        assert_eq!(preview(b"a\"\n\x1b[2J\xff"), "a\\\"\\n\\x1b[2J\\xff");
        assert_eq!(preview(&[b'x'; 30]), format!("{}...", "x".repeat(24)));
    }
}
