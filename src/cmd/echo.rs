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
use crate::tr;
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
        Some((cut, _)) => format!("\"{}\"... ({})", &text[..cut], tr!("echo-bytes", n = len)),
        None if len > data.len() => format!("\"{text}\"... ({})", tr!("echo-bytes", n = len)),
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
            tr!("echo-srv-replied-udp")
        } else {
            tr!("echo-srv-not-sent")
        };
        let _ = writeln!(
            self.console,
            "{}",
            tr!(
                "echo-srv-udp",
                from = e.from.to_string(),
                data = preview(&e.data, e.len),
                outcome = outcome
            )
        );
    }

    fn tcp_server_event(&mut self, e: &TcpServerEvent) {
        let line = match e {
            TcpServerEvent::Accepted { peer } => {
                tr!("echo-srv-accepted", peer = peer.to_string())
            }
            TcpServerEvent::Data { peer, data } => {
                self.seen += 1;
                tr!(
                    "echo-srv-tcp-data",
                    peer = peer.to_string(),
                    data = preview(data, data.len())
                )
            }
            TcpServerEvent::Closed { peer } => tr!("echo-srv-closed", peer = peer.to_string()),
            TcpServerEvent::Dropped { peer, reason } => tr!(
                "echo-srv-dropped",
                peer = peer.to_string(),
                reason = reason.text()
            ),
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
        "{}",
        tr!("echo-srv-header", proto = proto, local = local.to_string())
    );
    if let Some(warning) = crate::cmd::serve::exposure_warning(
        local,
        &if opts.tcp {
            tr!("exposure-amplifies-echo-tcp")
        } else {
            tr!("exposure-amplifies-echo-udp")
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
            "{}",
            tr!(
                "echo-srv-udp-footer",
                replied = e.answered,
                unsent = e.unsent
            )
        );
    } else {
        let c = ev.tcp_server_counts();
        let _ = writeln!(
            obs.console,
            "{}",
            tr!(
                "echo-srv-tcp-footer",
                idle = c.idle,
                evicted = c.evicted,
                refused = c.refused
            )
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
/// single message got no reply, so scripts see exit 2; interactively, returns how many lines
/// went unanswered (the command then exits 1 if any did).
pub fn run_echo_client(
    opts: &EchoOptions,
    input: &mut dyn BufRead,
    interrupt: &AtomicBool,
    waiting: &AtomicBool,
    console: &mut dyn Write,
) -> Result<u64> {
    let target = resolve(&opts.target)?;
    if let Some(message) = &opts.message {
        let reply = exchange(opts, target, message.as_bytes(), interrupt)?;
        writeln!(console, "{}", printable_bytes(&reply))?;
        return Ok(0);
    }
    let mut unanswered = 0;
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
            if unanswered > 0 {
                writeln!(console, "{}", tr!("echo-unanswered", n = unanswered))?;
            }
            return Ok(unanswered);
        }
        let line = line.trim_end_matches(['\n', '\r']);
        match exchange(opts, target, line.as_bytes(), interrupt) {
            Ok(reply) => writeln!(console, "{}", printable_bytes(&reply))?,
            // One lost reply does not end an interactive session.
            Err(e) => {
                unanswered += 1;
                writeln!(console, "{e:#}")?
            }
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
            bail!(tr!(
                "echo-no-reply",
                proto = "udp",
                target = target.to_string(),
                timeout = timeout.to_string()
            ))
        }
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
            bail!(tr!(
                "err-port-unreachable",
                target = format!("udp {target}"),
                error = e.to_string()
            ))
        }
        Err(e) => bail!(tr!(
            "echo-failed",
            proto = "udp",
            target = target.to_string(),
            error = e.to_string()
        )),
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
        bail!(tr!("err-interrupted"));
    }
    match (obs.reply, obs.failure) {
        (Some(reply), _) => Ok(reply),
        (None, Some(f)) if f == "timeout" => {
            bail!(tr!(
                "echo-no-reply",
                proto = "tcp",
                target = target.to_string(),
                timeout = timeout.to_string()
            ))
        }
        (None, Some(f)) => bail!(tr!(
            "echo-failed",
            proto = "tcp",
            target = target.to_string(),
            error = f
        )),
        (None, None) => bail!(tr!(
            "echo-failed",
            proto = "tcp",
            target = target.to_string(),
            error = tr!("echo-no-reply-short")
        )),
    }
}
