//! `losslab serve echo` and `losslab echo`: the lab's echo pairs.
//!
//! The servers answer like the lab's (`Res: ` over UDP, `Resp: ` over TCP, closing after one
//! answer) but serve many clients from the one event loop and survive any client. The client
//! sends one message (or one per line of standard input, after a `> ` prompt like the lab's
//! `input('> ')`) and prints the reply. Invariant: every wait is bounded by the timeout.

use crate::client::tcp::{Protocol, TcpLoad, TcpLoadConfig, TcpProgress, TcpResponse};
use crate::cmd::time_client::resolve;
use crate::driver::live::{Clock, EventLoop, Observer, Stop};
use crate::driver::tcp::{TcpServerEvent, TcpService};
use crate::server::echo::EchoEvent;
use crate::time::Duration;
use crate::wire::escape::printable_bytes;
use anyhow::{Result, bail};
use std::io::{BufRead, ErrorKind, Write};
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};

pub struct ServeEchoOptions {
    pub bind: SocketAddr,
    pub tcp: bool,
    pub keep_open: bool,
    pub max_requests: Option<u64>,
    pub idle_timeout: Duration,
}

/// At most the first 60 characters of what a client sent, for a console line.
fn preview(data: &[u8], len: usize) -> String {
    let text = printable_bytes(data);
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("\"{}\"... ({len} bytes)", &text[..cut]),
        None if len > data.len() => format!("\"{text}\"... ({len} bytes)"),
        None => format!("\"{text}\""),
    }
}

struct ServeEchoObserver<'a> {
    console: &'a mut dyn Write,
    seen: u64,
    max: Option<u64>,
}

impl Observer for ServeEchoObserver<'_> {
    fn echo_event(&mut self, e: &EchoEvent) {
        self.seen += 1;
        let outcome = if e.replied {
            "replied \"Res: ...\""
        } else {
            "reply not sent (too big for a datagram, or the send queue is full)"
        };
        let _ = writeln!(
            self.console,
            "udp {}: received {}, {outcome}",
            e.from,
            preview(&e.data, e.len)
        );
    }

    fn tcp_server_event(&mut self, e: &TcpServerEvent) {
        let line = match e {
            TcpServerEvent::Accepted { peer } => format!("tcp {peer}: connection received"),
            TcpServerEvent::Data { peer, data } => {
                self.seen += 1;
                format!(
                    "tcp {peer}: received {}, replied \"Resp: ...\"",
                    preview(data, data.len())
                )
            }
            TcpServerEvent::Closed { peer } => format!("tcp {peer}: closed"),
            TcpServerEvent::Dropped { peer, reason } => {
                format!("tcp {peer}: closed by the server ({})", reason.as_str())
            }
        };
        let _ = writeln!(self.console, "{line}");
    }

    fn should_stop(&self) -> bool {
        self.max.is_some_and(|m| self.seen >= m)
    }
}

pub fn serve_echo(
    opts: &ServeEchoOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<Stop> {
    let mut ev = EventLoop::new(Clock::new())?;
    ev.set_tcp_idle_timeout(opts.idle_timeout);
    let (proto, local) = if opts.tcp {
        let service = TcpService::Echo {
            keep_open: opts.keep_open,
        };
        ("tcp", ev.add_tcp_server(opts.bind, service)?)
    } else {
        ("udp", ev.add_udp_echo(opts.bind)?)
    };
    let _ = writeln!(
        console,
        "losslab echo server on {proto} {local} (Ctrl-C to stop)"
    );
    if let Some(warning) = crate::cmd::serve::exposure_warning(
        local,
        if opts.tcp {
            "the TCP echo needs a handshake first, so it reflects nothing to a forged address"
        } else {
            "each reply is the request plus 5 bytes (at most 1.2 times the request on the \
             wire), sent to whatever address the request claims to come from"
        },
    ) {
        eprintln!("{warning}");
    }
    let mut obs = ServeEchoObserver {
        console,
        seen: 0,
        max: opts.max_requests,
    };
    let stop = ev.run(&mut obs, interrupt)?;
    if let Some(e) = ev.udp_echo() {
        let _ = writeln!(
            obs.console,
            "replied {}, replies not sent {}",
            e.answered, e.unsent
        );
    } else {
        let c = ev.tcp_server_counts();
        let _ = writeln!(
            obs.console,
            "connections closed by the server: {} idle, {} evicted at the cap, {} refused",
            c.idle, c.evicted, c.refused
        );
    }
    Ok(stop)
}

pub struct EchoOptions {
    pub target: String,
    pub tcp: bool,
    pub message: Option<String>,
    pub timeout: Duration,
}

/// Sends the message (or each line of `input`) and prints each reply. Returns an error when a
/// single message got no reply, so scripts see exit 2.
pub fn run_echo_client(
    opts: &EchoOptions,
    input: &mut dyn BufRead,
    interrupt: &AtomicBool,
    waiting: &AtomicBool,
    console: &mut dyn Write,
) -> Result<()> {
    let target = resolve(&opts.target)?;
    if let Some(message) = &opts.message {
        let reply = exchange(opts, target, message.as_bytes(), interrupt)?;
        writeln!(console, "{}", printable_bytes(&reply))?;
        return Ok(());
    }
    loop {
        write!(console, "> ")?;
        console.flush()?;
        let mut line = String::new();
        // Ctrl-C while waiting for a line ends the program (the handler sees `waiting`).
        waiting.store(true, Ordering::SeqCst);
        let read = input.read_line(&mut line);
        waiting.store(false, Ordering::SeqCst);
        if read? == 0 {
            writeln!(console)?;
            return Ok(());
        }
        let line = line.trim_end_matches(['\n', '\r']);
        match exchange(opts, target, line.as_bytes(), interrupt) {
            Ok(reply) => writeln!(console, "{}", printable_bytes(&reply))?,
            // One lost reply does not end an interactive session.
            Err(e) => writeln!(console, "{e:#}")?,
        }
    }
}

fn exchange(
    opts: &EchoOptions,
    target: SocketAddr,
    message: &[u8],
    interrupt: &AtomicBool,
) -> Result<Vec<u8>> {
    if opts.tcp {
        tcp_exchange(target, message, opts.timeout, interrupt)
    } else {
        udp_exchange(target, message, opts.timeout)
    }
}

fn udp_exchange(target: SocketAddr, message: &[u8], timeout: Duration) -> Result<Vec<u8>> {
    let local: SocketAddr = if target.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = UdpSocket::bind(local)?;
    socket.connect(target)?;
    socket.set_read_timeout(Some(timeout.to_std()))?;
    socket.send(message)?;
    let mut buf = vec![0u8; 65_536];
    match socket.recv(&mut buf) {
        Ok(n) => Ok(buf[..n].to_vec()),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
            bail!("no reply from udp {target} within {timeout}")
        }
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
            bail!("udp {target}: {e} (ICMP port unreachable: is a server listening there?)")
        }
        Err(e) => bail!("udp {target}: {e}"),
    }
}

#[derive(Default)]
struct OneShot {
    reply: Option<Vec<u8>>,
    failure: Option<String>,
}

impl Observer for OneShot {
    fn tcp_progress(&mut self, p: TcpProgress) {
        match p {
            TcpProgress::Reply {
                response: TcpResponse::Echo(bytes),
                ..
            } => self.reply = Some(bytes),
            TcpProgress::Reply { .. } => {}
            TcpProgress::Timeout { .. } => self.failure = Some("timeout".into()),
            TcpProgress::Failed { reason, .. } => self.failure = Some(reason),
        }
    }
}

fn tcp_exchange(
    target: SocketAddr,
    message: &[u8],
    timeout: Duration,
    interrupt: &AtomicBool,
) -> Result<Vec<u8>> {
    let mut ev = EventLoop::new(Clock::new())?;
    ev.add_tcp_clients(
        target,
        TcpLoad::new(TcpLoadConfig::one_client(
            1,
            timeout,
            false,
            Protocol::Echo {
                message: message.to_vec(),
            },
        )),
    );
    let mut obs = OneShot::default();
    let stop = ev.run(&mut obs, interrupt)?;
    if stop == Stop::Interrupted {
        bail!("interrupted");
    }
    match (obs.reply, obs.failure) {
        (Some(reply), _) => Ok(reply),
        (None, Some(f)) if f == "timeout" => bail!("no reply from tcp {target} within {timeout}"),
        (None, Some(f)) => bail!("tcp {target}: {f}"),
        (None, None) => bail!("tcp {target}: no reply"),
    }
}
