//! `losslab link`: any two programs on the two sides of the live lossy link (Linux).
//!
//! Builds the private network of a live `[link]` ([`crate::driver::link::LiveLink`]: two
//! anonymous namespaces joined by losslab's own forwarding through the seeded path), starts
//! `--server` in the server namespace (10.77.0.1) and, once a socket is bound there, `--client`
//! in the client namespace (10.77.0.2), both through `sh -c` with `LOSSLAB_SERVER_ADDR` and
//! `LOSSLAB_CLIENT_ADDR` in their environment. It forwards packets in one mio loop until the
//! client exits, then ends the server, and exits with the client's status.
//!
//! A child inherits the network namespace of the thread that starts it, so each command is
//! spawned while the loop's thread is in its side's namespace; no `setns` runs in a child.
//! Every command runs in a process group of its own, and the whole group is ended (SIGTERM,
//! then SIGKILL after a grace period) so that nothing it started outlives the run and keeps a
//! namespace alive.
//!
//! Invariant: however the command ends (client done, Ctrl-C, an error), both process groups
//! are gone before it returns, and `--record` writes `link.csv` and `link.json` completely or
//! not at all (`status` says whether the client finished or the run was interrupted).

use crate::driver::link::{LiveLink, Side};
use crate::driver::live::{Clock, Observer};
use crate::driver::netns::{CLIENT_IP, SERVER_IP};
use crate::impair::path::{LinkCounts, LinkEvent};
use crate::metrics::output::RowSink;
use crate::metrics::recorder::{Recorder, RecorderConfig};
use crate::results::folder::Staging;
use crate::time::Duration;
use crate::tr;
use anyhow::{Context, Result, bail};
use clap::Args;
use mio::{Events, Poll, Token};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use serde::Serialize;
use std::io::{self, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, ExitStatus};
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Args, Debug)]
pub struct LinkArgs {
    /// The server's command line (run by `sh -c` in the server namespace, at 10.77.0.1).
    #[arg(long)]
    pub server: String,
    /// The client's command line (run by `sh -c` in the client namespace, at 10.77.0.2);
    /// losslab exits with its status.
    #[arg(long)]
    pub client: String,
    #[command(flatten)]
    pub path: crate::cmd::path_args::PathArgs,
    /// Seed of the link's fates.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write link.csv (one row per packet) and link.json into this folder.
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// How long to wait for the server to bind a socket before starting the client anyway.
    #[arg(long, default_value = "10s", value_parser = crate::cmd::relay::parse_nonzero)]
    pub server_wait: Duration,
}

const TUN_CLIENT: Token = Token(0);
const TUN_SERVER: Token = Token(1);
/// Longest sleep of the loop: how soon a finished client or a signal is noticed.
const MAX_SLEEP: Duration = Duration::from_millis(20);
/// Time a process group gets between SIGTERM and SIGKILL.
const GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// What `--record` writes besides link.csv.
#[derive(Serialize)]
struct LinkSummary {
    status: &'static str,
    version: &'static str,
    path: String,
    seed: u64,
    server_addr: String,
    client_addr: String,
    server: String,
    client: String,
    /// The client's exit code (None when killed by a signal or not finished).
    client_exit: Option<i32>,
    link_counts: LinkCounts,
    /// Packets that were not IPv4 and were not forwarded.
    ignored: u64,
    elapsed_us: u64,
}

/// Writes link.csv rows (the recorder's own row code) when recording.
struct Rows {
    recorder: Option<Recorder<RowSink>>,
}

impl Observer for Rows {
    fn link_event(&mut self, event: &LinkEvent) -> io::Result<()> {
        match &mut self.recorder {
            Some(r) => r.link_event(event),
            None => Ok(()),
        }
    }
}

/// A command in a process group of its own, ended with its whole group.
struct Group {
    child: Child,
}

impl Group {
    fn spawn(what: &'static str, line: &str) -> Result<Group> {
        let child = Command::new("sh")
            .arg("-c")
            .arg(line)
            .env("LOSSLAB_SERVER_ADDR", SERVER_IP.to_string())
            .env("LOSSLAB_CLIENT_ADDR", CLIENT_IP.to_string())
            .process_group(0)
            .spawn()
            .with_context(|| tr!("link-spawn", what = what, line = format!("{line:?}")))?;
        Ok(Group { child })
    }

    /// SIGTERM to the group, SIGKILL after [`GRACE`]; reaps the leader.
    fn end(&mut self) -> Option<ExitStatus> {
        let pgid = Pid::from_raw(self.child.id() as i32);
        if let Ok(Some(status)) = self.child.try_wait() {
            // The leader is gone; others of its group may not be.
            let _ = killpg(pgid, Signal::SIGKILL);
            return Some(status);
        }
        let _ = killpg(pgid, Signal::SIGTERM);
        let end = std::time::Instant::now() + GRACE;
        while std::time::Instant::now() < end {
            if let Ok(Some(status)) = self.child.try_wait() {
                let _ = killpg(pgid, Signal::SIGKILL);
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let _ = killpg(pgid, Signal::SIGKILL);
        self.child.wait().ok()
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        self.end();
    }
}

/// True once a TCP socket listens or a UDP socket is bound in the calling thread's namespace
/// (read from `/proc/thread-self/net`, which shows that namespace's sockets).
fn server_bound() -> bool {
    let listening = |file: &str, state: Option<&str>| {
        std::fs::read_to_string(format!("/proc/thread-self/net/{file}")).is_ok_and(|t| {
            t.lines()
                .skip(1)
                .any(|l| state.is_none_or(|s| l.split_whitespace().nth(3) == Some(s)))
        })
    };
    // TCP state 0A is LISTEN.
    listening("tcp", Some("0A")) || listening("udp", None)
}

pub fn execute(
    args: LinkArgs,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<ExitCode> {
    let path = args.path.config()?;
    let mut out = args
        .record
        .as_deref()
        .map(|d| Staging::begin(d, |_| false))
        .transpose()?;
    let recorder = match &mut out {
        Some(out) => {
            let rows = out.stream("link.csv")?;
            let cfg = RecorderConfig {
                clients: 0,
                first_client: 0,
                ground_truth: false,
                timeout: Duration::ZERO,
                retries: 0,
                lost_as_infinite: false,
            };
            Some(
                Recorder::with_link(
                    RowSink::Off,
                    RowSink::Off,
                    RowSink::Off,
                    RowSink::File(rows),
                    cfg,
                )
                .context(tr!("err-write", path = "link.csv"))?,
            )
        }
        None => None,
    };
    // The path as recorded in link.json stays English; the console line is the user's.
    let describe = path.describe();
    let describe_console = path.describe_console();
    let clock = Clock::new();
    let mut link = LiveLink::new(path, args.seed)?;
    let mut poll = Poll::new().context(tr!("err-event-loop-create"))?;
    link.register(&poll, TUN_CLIENT, TUN_SERVER)
        .context(tr!("link-tun-watch"))?;
    let _ = writeln!(
        console,
        "{}",
        tr!(
            "link-header",
            server = SERVER_IP.to_string(),
            client = CLIENT_IP.to_string(),
            path = describe_console.as_str(),
            seed = args.seed.to_string()
        )
    );
    let _ = console.flush();
    let mut rows = Rows { recorder };
    let outcome = drive(&args, &mut link, &mut poll, &clock, &mut rows, interrupt);
    let elapsed = clock.now().as_micros();
    let (status, client_status) = outcome?;
    let counts = link.counts();
    let code = match (status, client_status) {
        ("interrupted", _) => 130,
        (_, Some(s)) => s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0)),
        _ => 2,
    };
    let _ = writeln!(
        console,
        "{}",
        tr!(
            "link-footer",
            status = status,
            code = code,
            up = counts.request.packets,
            up_dropped = counts.request.dropped,
            down = counts.reply.packets,
            down_dropped = counts.reply.dropped
        )
    );
    if let Some(mut out) = out {
        let w = rows
            .recorder
            .as_mut()
            .and_then(|r| r.take_link_rows().transpose())
            .transpose()
            .context(tr!("err-write", path = "link.csv"))?
            .expect("recording");
        w.finish(&out.target().join("link.csv"))?;
        let summary = LinkSummary {
            status,
            version: env!("CARGO_PKG_VERSION"),
            path: describe,
            seed: args.seed,
            server_addr: SERVER_IP.to_string(),
            client_addr: CLIENT_IP.to_string(),
            server: args.server.clone(),
            client: args.client.clone(),
            client_exit: client_status.and_then(|s| s.code()),
            link_counts: counts,
            ignored: link.ignored(),
            elapsed_us: elapsed,
        };
        let mut text = serde_json::to_string_pretty(&summary)?;
        text.push('\n');
        out.bytes("link.json", text.as_bytes())?;
        let dir = out.target().to_path_buf();
        out.commit()?;
        let _ = writeln!(
            console,
            "{}",
            tr!("link-recorded", dir = dir.display().to_string())
        );
    }
    Ok(ExitCode::from(code.clamp(0, 255) as u8))
}

/// Starts both commands and forwards packets until the client ends (or a signal). Returns the
/// status word and the client's exit status; both groups are ended before it returns.
fn drive(
    args: &LinkArgs,
    link: &mut LiveLink,
    poll: &mut Poll,
    clock: &Clock,
    rows: &mut Rows,
    interrupt: &AtomicBool,
) -> Result<(&'static str, Option<ExitStatus>)> {
    let mut server = link.in_server(|| Group::spawn("server", &args.server))??;
    let mut events = Events::with_capacity(64);
    let mut buf = vec![0u8; 65_536];
    let owner = |_port: u16| None;
    let mut pump = |link: &mut LiveLink, events: &mut Events, sleep: Duration| -> Result<()> {
        let now = clock.now();
        let wake = link
            .poll_timeout()
            .map_or(sleep, |t| t.saturating_since(now));
        match poll.poll(events, Some(wake.min(sleep).to_std())) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e).context(tr!("err-event-loop")),
        }
        let now = clock.now();
        for ev in events.iter() {
            let side = match ev.token() {
                TUN_CLIENT => Side::Client,
                _ => Side::Server,
            };
            link.drain(side, now, &mut buf, &owner, rows)?;
        }
        link.handle_timeout(clock.now())
    };
    // Wait for the server to bind (it may print, resolve, start an interpreter first).
    let start = clock.now();
    loop {
        if interrupt.load(Ordering::Relaxed) {
            server.end();
            return Ok(("interrupted", None));
        }
        if link.in_server(server_bound)? {
            break;
        }
        if let Some(status) = server.child.try_wait()? {
            bail!(tr!(
                "link-server-ended",
                status = status.to_string(),
                line = format!("{:?}", args.server)
            ));
        }
        if clock.now().saturating_since(start) >= args.server_wait {
            eprintln!(
                "{}",
                tr!("link-server-wait", wait = args.server_wait.to_string())
            );
            break;
        }
        pump(link, &mut events, MAX_SLEEP)?;
    }
    let mut client = Group::spawn("client", &args.client)?;
    let result = loop {
        if interrupt.load(Ordering::Relaxed) {
            break ("interrupted", None);
        }
        if let Some(status) = client.child.try_wait()? {
            break ("done", Some(status));
        }
        if let Err(e) = pump(link, &mut events, MAX_SLEEP) {
            client.end();
            server.end();
            return Err(e);
        }
    };
    // The client's process group may still hold children; end it, then the server's.
    client.end();
    server.end();
    Ok(result)
}
