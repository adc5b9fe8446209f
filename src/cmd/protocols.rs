//! `serve time --protocol daytime|time|sntp` and `time --protocol sntp`: the standard time
//! protocols, served with the lab server's impairments and asked for by a client that computes
//! offset and delay per RFC 4330.
//!
//! The server is one mio loop: the UDP socket (impaired, [`ProtocolServer`]) and, for Daytime and
//! Time, a TCP listener on the same port (RFC 867/868 over TCP: the reply on connection, then a
//! half-close, and the close once the client has closed or 2 s have passed, so no reset can
//! destroy the reply; TCP connections are not impaired — a lossy TCP is what `losslab link` is for). It prints
//! a line per discard in the lab server's words and, unless `--quiet`, per answer. The client
//! sends one SNTP request per interval from one socket and waits for its reply, bounded by the
//! timeout; it matches a reply to its request by the originate timestamp (RFC 4330 §5), so a
//! late reply to an earlier request is never taken for the current one.
//!
//! Invariant: nothing a peer sends stops the server; every wait of the client is bounded.

use crate::driver::live::{Clock, Stop};
use crate::impair::{ImpairConfig, Impairments};
use crate::server::protocols::{Protocol, ProtocolServer};
use crate::server::time::{Action, ServerEvent, ServerStats};
use crate::time::{Duration, Instant, fmt_ms};
use crate::tr;
use crate::wire::sntp::{self, MODE_SERVER, NtpPacket, NtpTime};
use anyhow::{Context, Result};
use mio::net::{TcpListener, UdpSocket};
use mio::{Events, Interest, Poll, Token};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct ProtocolServeOptions {
    pub bind: SocketAddr,
    pub protocol: Protocol,
    pub impair: ImpairConfig,
    pub seed: u64,
    pub max_requests: Option<u64>,
    pub show_answers: bool,
    /// SNTP: an address asking again sooner gets a kiss-o'-death RATE.
    pub min_interval: Duration,
    /// Write the server's ground truth here (see `server_record`).
    pub record: Option<std::path::PathBuf>,
}

const UDP: Token = Token(0);
const TCP: Token = Token(1);
const MAX_SLEEP: Duration = Duration::from_millis(100);
/// Tokens of answered TCP connections start here.
const FIRST_CONN: usize = 2;
/// Answered TCP connections kept open at most, and for at most this long, for their client to
/// close first.
const MAX_LINGERING: usize = 256;
const LINGER: Duration = Duration::from_secs(2);

/// A server event as the lab server prints it.
fn event_line(e: &ServerEvent, protocol: Protocol, show_answers: bool) -> Option<String> {
    // Quiet servers print only discards: nothing is formatted for the lines they skip.
    if !show_answers && e.action != Action::Dropped {
        return None;
    }
    let ms = format!("{:>9}", fmt_ms(e.at.as_micros()));
    let protocol = protocol.as_str();
    let request = crate::cmd::serve::request_text(e.request);
    let from = e.from.to_string();
    Some(match e.action {
        Action::Dropped => tr!(
            "proto-discarded",
            ms = ms,
            protocol = protocol,
            request = request,
            from = from,
            rule = e.rule
        ),
        Action::Answered if e.rule.is_empty() => tr!(
            "proto-answered",
            ms = ms,
            protocol = protocol,
            request = request,
            from = from
        ),
        other => tr!(
            "proto-held",
            ms = ms,
            action = other.as_str(),
            protocol = protocol,
            request = request,
            from = from,
            rule = e.rule,
            delay = e.delay.to_string()
        ),
    })
}

pub fn serve_protocol(
    opts: &ProtocolServeOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<(Stop, ServerStats)> {
    let mut record = opts
        .record
        .as_deref()
        .map(crate::cmd::server_record::ServerRecord::open)
        .transpose()?;
    let clock = Clock::new();
    let mut server = ProtocolServer::new(
        opts.protocol,
        Impairments::new(opts.impair.clone(), opts.seed),
        clock.epoch_unix_us,
        opts.min_interval,
    );
    let mut poll = Poll::new().context(tr!("err-event-loop-create"))?;
    // UDP and TCP share one port. With port 0 the system picks a free UDP port, which TCP may
    // be using (another program's listener or connection): then pick again, a bounded number
    // of times, rather than fail on a port the user never asked for.
    let tries = if opts.bind.port() == 0 && opts.protocol.has_tcp() {
        32
    } else {
        1
    };
    let mut attempt = 0;
    let (mut udp, local, mut tcp) = loop {
        attempt += 1;
        let udp = UdpSocket::bind(opts.bind)
            .with_context(|| tr!("err-listen", proto = "udp", addr = opts.bind.to_string()))?;
        let local = udp.local_addr()?;
        if !opts.protocol.has_tcp() {
            break (udp, local, None);
        }
        match TcpListener::bind(local) {
            Ok(l) => break (udp, local, Some(l)),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && attempt < tries => continue,
            Err(e) => {
                return Err(anyhow::Error::new(e).context(tr!(
                    "err-listen",
                    proto = "tcp",
                    addr = local.to_string()
                )));
            }
        }
    };
    poll.registry()
        .register(&mut udp, UDP, Interest::READABLE)?;
    if let Some(l) = tcp.as_mut() {
        poll.registry().register(l, TCP, Interest::READABLE)?;
    }
    let transports = if tcp.is_some() {
        tr!("proto-udp-and-tcp")
    } else {
        "udp".to_string()
    };
    let _ = writeln!(
        console,
        "{}",
        tr!(
            "proto-header",
            protocol = opts.protocol.as_str(),
            transports = transports,
            local = local.to_string(),
            impairments = opts.impair.describe_console(),
            seed = opts.seed.to_string()
        )
    );
    if let Some(w) =
        crate::cmd::serve::exposure_warning(local, &tr!("exposure-amplifies-protocols"))
    {
        eprintln!("{w}");
    }
    let _ = console.flush();
    let mut events = Events::with_capacity(64);
    let mut buf = vec![0u8; 65_536];
    let mut seen = 0u64;
    // Answered TCP connections waiting for their client to close, by token.
    let mut lingering: std::collections::BTreeMap<usize, (mio::net::TcpStream, Instant)> =
        std::collections::BTreeMap::new();
    let mut next_conn = FIRST_CONN;
    let stop = loop {
        if interrupt.load(Ordering::Relaxed) {
            break Stop::Interrupted;
        }
        if opts.max_requests.is_some_and(|m| seen >= m) && server.poll_timeout().is_none() {
            break Stop::Observer;
        }
        let now = clock.now();
        let sleep = server
            .poll_timeout()
            .map_or(MAX_SLEEP, |t| t.saturating_since(now).min(MAX_SLEEP));
        match poll.poll(&mut events, Some(sleep.to_std())) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context(tr!("err-event-loop")),
        }
        let now = clock.now();
        for ev in events.iter() {
            match ev.token() {
                UDP => loop {
                    match udp.recv_from(&mut buf) {
                        Ok((n, from)) => {
                            seen += 1;
                            server.handle_datagram(now, from, &buf[..n]);
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        // An ICMP error for an earlier reply: not this loop's concern.
                        Err(_) => {}
                    }
                },
                Token(t) if t >= FIRST_CONN => {
                    // A connection that was answered: read what the client sent until it
                    // closes, then close too.
                    let done = match lingering.get_mut(&t) {
                        Some((conn, _)) => loop {
                            match conn.read(&mut buf) {
                                Ok(0) => break true,
                                Ok(_) => {}
                                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break false,
                                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                                Err(_) => break true,
                            }
                        },
                        None => false,
                    };
                    if done {
                        lingering.remove(&t);
                    }
                }
                _ => {
                    let Some(l) = &mut tcp else { continue };
                    loop {
                        match l.accept() {
                            Ok((mut conn, from)) => {
                                seen += 1;
                                let unix_us = clock.epoch_unix_us + now.as_micros() as i64;
                                let reply =
                                    opts.protocol.tcp_reply(unix_us).expect("a TCP protocol");
                                // A few bytes into a fresh socket's empty buffer: one write.
                                let ok = conn.write(&reply).is_ok_and(|n| n == reply.len());
                                // Closing with the client's bytes unread would reset the
                                // connection, and a reset can destroy the reply before the
                                // client reads it: half-close, and close once the client has.
                                let _ = conn.shutdown(std::net::Shutdown::Write);
                                if lingering.len() >= MAX_LINGERING {
                                    let oldest = *lingering.keys().min().expect("not empty");
                                    lingering.remove(&oldest);
                                }
                                let token = next_conn;
                                next_conn += 1;
                                if poll
                                    .registry()
                                    .register(&mut conn, Token(token), Interest::READABLE)
                                    .is_ok()
                                {
                                    lingering.insert(token, (conn, now));
                                }
                                if opts.show_answers || !ok {
                                    let ms = format!("{:>9}", fmt_ms(now.as_micros()));
                                    let from = from.to_string();
                                    let line = match ok {
                                        true => tr!("proto-tcp-answered", ms = ms, from = from),
                                        false => tr!("proto-tcp-unanswered", ms = ms, from = from),
                                    };
                                    let _ = writeln!(console, "{line}");
                                }
                            }
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(_) => break,
                        }
                    }
                }
            }
        }
        while let Some(e) = server.poll_event() {
            if let Some(r) = &mut record {
                r.row(&e);
            }
            if let Some(line) = event_line(&e, opts.protocol, opts.show_answers) {
                let _ = writeln!(console, "{line}");
            }
        }
        let now = clock.now();
        lingering.retain(|_, (_, since)| now.saturating_since(*since) < LINGER);
        while let Some((to, bytes)) = server.poll_transmit(now) {
            let _ = udp.send_to(&bytes, to);
        }
    };
    let stats = server.stats();
    let _ = writeln!(
        console,
        "{}{}",
        tr!(
            "serve-time-footer",
            received = stats.received,
            answered = stats.answered,
            discarded = stats.dropped
        ),
        match opts.protocol {
            Protocol::Sntp => tr!("proto-footer-kisses", n = server.kisses),
            _ => String::new(),
        }
    );
    if let Some(r) = record {
        let dir = r.commit(
            stop,
            opts.protocol.as_str(),
            local,
            opts.seed,
            &opts.impair,
            clock.epoch_unix_us,
            stats,
        )?;
        let _ = writeln!(
            console,
            "{}",
            tr!("serve-recorded", dir = dir.display().to_string())
        );
    }
    Ok((stop, stats))
}

pub struct SntpOptions {
    pub target: String,
    pub count: u32,
    pub interval: Duration,
    pub timeout: Duration,
}

/// One SNTP exchange's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SntpResult {
    /// Offset and delay in µs.
    Time {
        offset_us: i64,
        delay_us: i64,
    },
    Kiss([u8; 4]),
    Timeout,
}

/// `losslab time --protocol sntp`: `count` requests, a line each, then a summary. Returns the
/// stop reason and each request's result.
pub fn sntp_client(
    opts: &SntpOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<(Stop, Vec<SntpResult>)> {
    let addr = crate::cmd::time_client::resolve(&opts.target)?;
    let any: SocketAddr = match addr {
        SocketAddr::V4(_) => "0.0.0.0:0".parse().expect("literal"),
        SocketAddr::V6(_) => "[::]:0".parse().expect("literal"),
    };
    let sock = std::net::UdpSocket::bind(any).context(tr!("err-udp-socket"))?;
    let clock = Clock::new();
    let unix_now = |clock: &Clock| clock.epoch_unix_us + clock.now().as_micros() as i64;
    let _ = writeln!(
        console,
        "{}",
        tr!(
            "sntp-header",
            target = addr.to_string(),
            count = opts.count,
            interval = opts.interval.to_string(),
            timeout = opts.timeout.to_string()
        )
    );
    let mut results = Vec::new();
    let mut buf = [0u8; 512];
    let mut stop = Stop::Done;
    for i in 0..opts.count {
        if interrupt.load(Ordering::Relaxed) {
            stop = Stop::Interrupted;
            break;
        }
        let started = clock.now();
        let t1_us = unix_now(&clock);
        let t1 = NtpTime::from_unix_us(t1_us);
        sock.send_to(&NtpPacket::request(t1).encode(), addr)
            .with_context(|| tr!("err-send", target = addr.to_string()))?;
        let deadline = started + opts.timeout;
        let result = loop {
            let now = clock.now();
            if now >= deadline || interrupt.load(Ordering::Relaxed) {
                break SntpResult::Timeout;
            }
            let left = deadline
                .saturating_since(now)
                .min(Duration::from_millis(100));
            sock.set_read_timeout(Some(left.to_std().max(std::time::Duration::from_micros(1))))?;
            let (n, from) = match sock.recv_from(&mut buf) {
                Ok(x) => x,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    continue;
                }
                // ICMP port unreachable: the server is not there (yet); keep waiting.
                Err(_) => continue,
            };
            let t4_us = unix_now(&clock);
            let Some(r) = NtpPacket::parse(&buf[..n]) else {
                continue;
            };
            // RFC 4330 §5: a reply whose originate is not our T1 is not ours (or is old).
            if from != addr || r.mode != MODE_SERVER || r.originate != t1 {
                continue;
            }
            if r.stratum == 0 {
                break SntpResult::Kiss(r.reference_id);
            }
            let (offset_us, delay_us) = sntp::offset_and_delay(
                t1_us,
                r.receive.to_unix_us(),
                r.transmit.to_unix_us(),
                t4_us,
            );
            break SntpResult::Time {
                offset_us,
                delay_us,
            };
        };
        let line = match result {
            SntpResult::Time {
                offset_us,
                delay_us,
            } => tr!(
                "sntp-reply",
                i = i,
                offset = format!("{:+.3}", offset_us as f64 / 1000.0),
                delay = format!("{:.3}", delay_us as f64 / 1000.0)
            ),
            SntpResult::Kiss(code) => tr!(
                "sntp-kiss",
                i = i,
                code = code
                    .iter()
                    .map(|&b| if (0x20..0x7f).contains(&b) {
                        char::from(b)
                    } else {
                        '?'
                    })
                    .collect::<String>()
            ),
            SntpResult::Timeout => tr!("sntp-timeout", i = i),
        };
        let _ = writeln!(console, "{line}");
        results.push(result);
        if i + 1 < opts.count {
            let next = started + opts.interval;
            while clock.now() < next && !interrupt.load(Ordering::Relaxed) {
                std::thread::sleep(
                    next.saturating_since(clock.now())
                        .min(Duration::from_millis(50))
                        .to_std(),
                );
            }
        }
    }
    let times: Vec<(i64, i64)> = results
        .iter()
        .filter_map(|r| match r {
            SntpResult::Time {
                offset_us,
                delay_us,
            } => Some((*offset_us, *delay_us)),
            _ => None,
        })
        .collect();
    let kisses = results
        .iter()
        .filter(|r| matches!(r, SntpResult::Kiss(_)))
        .count();
    let mut summary = tr!(
        "sntp-summary",
        sent = results.len(),
        answered = times.len(),
        kisses = kisses,
        timeouts = results.len() - times.len() - kisses
    );
    // RFC 4330 §5 and NTP practice: the sample with the least delay has the best offset.
    if let Some(&(offset, delay)) = times.iter().min_by_key(|(_, d)| *d) {
        summary.push_str(&tr!(
            "sntp-summary-offset",
            offset = format!("{:+.3}", offset as f64 / 1000.0),
            delay = format!("{:.3}", delay as f64 / 1000.0)
        ));
    }
    let _ = writeln!(console, "{summary}");
    if times.is_empty() && stop == Stop::Done && kisses == 0 {
        // Not an error of losslab's: the command exits 1, as `time` and ping do.
        let _ = writeln!(
            console,
            "{}",
            tr!(
                "sntp-no-reply",
                target = addr.to_string(),
                n = results.len()
            )
        );
    }
    Ok((stop, results))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discard_lines_name_the_protocol() {
        let e = ServerEvent {
            at: Instant::from_micros(1500),
            from: "127.0.0.1:5".parse().unwrap(),
            request: crate::server::time::Request::Plain { index: 3 },
            action: Action::Dropped,
            rule: "random 50%",
            delay: Duration::ZERO,
            state: None,
        };
        assert_eq!(
            event_line(&e, Protocol::Sntp, false).unwrap(),
            "[    1.500 ms] discarded sntp plain request #3 from 127.0.0.1:5 (random 50%)"
        );
    }
}
