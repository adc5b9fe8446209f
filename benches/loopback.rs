//! `cargo bench --bench loopback`: round trips per second on 127.0.0.1 — losslab's own event
//! loop (the time server and one closed-loop client, recording `requests.csv`) against a bare,
//! hand-written one-thread mio UDP echo ping-pong with the same number of datagrams in flight.
//!
//! One process, one run: for K = 1 and K = 64 datagrams in flight, five repetitions of each
//! measurement, bare and losslab interleaved (alternating which goes first), after one
//! unrecorded warm-up of each. It prints the medians, the ratio losslab/bare against the 0.9x
//! target, and the peak RSS of the process at the end.
//!
//! `LOSSLAB_BENCH_ROUNDS=N` sets the round trips per measurement for both K (default 100000 for
//! K = 1, 200000 for K = 64). Every measurement stops after 30 s whatever happens. Nothing here
//! asserts a speed: a missed target is reported, never a panic.

use losslab::cmd::run::{RunOptions, run_experiment};
use mio::net::UdpSocket;
use mio::{Events, Interest, Poll, Token};
use std::collections::VecDeque;
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

const REPS: usize = 5;
/// Longest a single measurement may run.
const TIME_LIMIT: Duration = Duration::from_secs(30);
/// The bare loop gives up when no reply came for this long (a datagram lost on loopback).
const STALL_LIMIT: Duration = Duration::from_secs(2);
const TARGET: f64 = 0.9;
const SERVER: Token = Token(0);
const CLIENT: Token = Token(1);
/// About the size of a losslab request (`losslab-time id=0.123456.0`).
const PAYLOAD: usize = 26;

/// One measurement: `round_trips` replies in `elapsed`.
struct Sample {
    round_trips: u64,
    elapsed: Duration,
    /// losslab only: the whole `run_experiment` call, including setup, the final flush, fsync
    /// and the summary files.
    end_to_end: Option<Duration>,
    /// Why the measurement ended before all round trips were done.
    aborted: Option<String>,
}

impl Sample {
    fn rate(&self) -> f64 {
        self.round_trips as f64 / self.elapsed.as_secs_f64()
    }

    fn end_to_end_rate(&self) -> Option<f64> {
        self.end_to_end
            .map(|d| self.round_trips as f64 / d.as_secs_f64())
    }
}

// ---------------------------------------------------------------------------------------------
// The bare loop.

/// A socket's `WRITABLE` interest, switched on only while sends are waiting for room.
fn want_writable(
    poll: &Poll,
    socket: &mut UdpSocket,
    token: Token,
    current: &mut bool,
    on: bool,
) -> io::Result<()> {
    if *current != on {
        let interest = if on {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        poll.registry().reregister(socket, token, interest)?;
        *current = on;
    }
    Ok(())
}

/// Sends one datagram; `Ok(false)` when the socket has no room (`WouldBlock`).
fn try_send(socket: &UdpSocket, to: Option<SocketAddr>, data: &[u8]) -> io::Result<bool> {
    loop {
        let result = match to {
            Some(addr) => socket.send_to(data, addr),
            None => socket.send(data),
        };
        match result {
            Ok(_) => return Ok(true),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}

/// The client's next request: its sequence number, padded to `PAYLOAD` bytes.
fn request(seq: u64) -> [u8; PAYLOAD] {
    let mut b = [b'.'; PAYLOAD];
    b[..8].copy_from_slice(&seq.to_le_bytes());
    b
}

/// Echo ping-pong on 127.0.0.1 with `k` datagrams in flight, until `rounds` replies came back.
fn bare_ping_pong(k: u64, rounds: u64) -> io::Result<Sample> {
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let localhost = SocketAddr::from(([127, 0, 0, 1], 0));
    let mut server = UdpSocket::bind(localhost)?;
    let mut client = UdpSocket::bind(localhost)?;
    client.connect(server.local_addr()?)?;
    poll.registry()
        .register(&mut server, SERVER, Interest::READABLE)?;
    poll.registry()
        .register(&mut client, CLIENT, Interest::READABLE)?;
    let (mut server_writable, mut client_writable) = (false, false);
    // Echoes that met `WouldBlock`, and requests not yet handed to the kernel for the same reason.
    let mut backlog: VecDeque<(SocketAddr, Vec<u8>)> = VecDeque::new();
    let mut owed = 0u64;
    let mut buf = [0u8; 2048];
    let (mut sent, mut received) = (0u64, 0u64);

    let start = Instant::now();
    let mut last_reply = start;
    owed += k.min(rounds);
    let mut aborted = None;
    loop {
        // The client sends what it owes, oldest first, until the socket is full.
        while owed > 0 {
            if !try_send(&client, None, &request(sent))? {
                break;
            }
            sent += 1;
            owed -= 1;
        }
        want_writable(&poll, &mut client, CLIENT, &mut client_writable, owed > 0)?;
        if received >= rounds {
            break;
        }
        let now = Instant::now();
        if now - start > TIME_LIMIT {
            aborted = Some(format!("time limit of {TIME_LIMIT:?} reached"));
            break;
        }
        if now - last_reply > STALL_LIMIT {
            aborted = Some(format!("no reply for {STALL_LIMIT:?}: a datagram was lost"));
            break;
        }
        match poll.poll(&mut events, Some(Duration::from_millis(100))) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        for event in events.iter() {
            match event.token() {
                SERVER => {
                    if event.is_writable() {
                        while let Some((to, data)) = backlog.front() {
                            if !try_send(&server, Some(*to), data)? {
                                break;
                            }
                            backlog.pop_front();
                        }
                    }
                    if event.is_readable() {
                        loop {
                            match server.recv_from(&mut buf) {
                                Ok((n, from)) => {
                                    if !backlog.is_empty()
                                        || !try_send(&server, Some(from), &buf[..n])?
                                    {
                                        backlog.push_back((from, buf[..n].to_vec()));
                                    }
                                }
                                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                                Err(e) => return Err(e),
                            }
                        }
                    }
                    let waiting = !backlog.is_empty();
                    want_writable(&poll, &mut server, SERVER, &mut server_writable, waiting)?;
                }
                // Writable needs nothing here: the top of the loop sends what is owed.
                CLIENT if event.is_readable() => {
                    loop {
                        match client.recv(&mut buf) {
                            Ok(_) => {
                                received += 1;
                                // Keep k in flight: one back, the next goes out.
                                if sent + owed < rounds {
                                    if owed == 0 && try_send(&client, None, &request(sent))? {
                                        sent += 1;
                                    } else {
                                        owed += 1;
                                    }
                                }
                            }
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                            Err(e) => return Err(e),
                        }
                    }
                    last_reply = Instant::now();
                }
                _ => {}
            }
        }
    }
    Ok(Sample {
        round_trips: received,
        elapsed: start.elapsed(),
        end_to_end: None,
        aborted,
    })
}

// ---------------------------------------------------------------------------------------------
// losslab's loop, through the library.

/// One closed-loop client with `k` requests in flight, `rounds` requests, no loss, recording on.
fn losslab_run(k: u64, rounds: u64, out_dir: &Path) -> anyhow::Result<Sample> {
    let text = format!(
        r#"
name = "bench-loopback-k{k}"
seed = 1

[server]
kind = "udp-time"
bind = "127.0.0.1:0"

[loss]
model = "bernoulli"
p = 0.0

[clients]
count = 1
requests = {rounds}
concurrency = {k}
timeout = "1s"
"#
    );
    let scenario = losslab::scenario::parse(&text, "benches/loopback.rs")?;
    let opts = RunOptions {
        scenario,
        source: "benches/loopback.rs".into(),
        out_dir: out_dir.to_path_buf(),
        show_discards: false,
    };
    let interrupt = AtomicBool::new(false);
    let mut console = io::sink();
    let (done, watchdog) = mpsc::channel::<()>();
    let (result, end_to_end) = std::thread::scope(|s| {
        // The time limit: a sleeping thread raises the interrupt flag if the run takes too long;
        // the loop itself stays on this thread.
        let flag = &interrupt;
        s.spawn(move || {
            if watchdog.recv_timeout(TIME_LIMIT) == Err(RecvTimeoutError::Timeout) {
                flag.store(true, Ordering::Relaxed);
            }
        });
        let t0 = Instant::now();
        let result = run_experiment(&opts, &interrupt, &mut console);
        let end_to_end = t0.elapsed();
        drop(done);
        (result, end_to_end)
    });
    let report = result?;
    let all = report.all();
    let mut problems = Vec::new();
    if report.stop != losslab::driver::live::Stop::Done {
        problems.push(format!(
            "stopped: {:?} (time limit of {TIME_LIMIT:?})",
            report.stop
        ));
    }
    if all.replies != rounds {
        problems.push(format!(
            "{} replies of {rounds} ({} timeouts)",
            all.replies, all.timeouts
        ));
    }
    if report.mismatches != 0 {
        problems.push(format!("{} ground-truth mismatches", report.mismatches));
    }
    Ok(Sample {
        round_trips: all.replies,
        elapsed: report.duration.to_std(),
        end_to_end: Some(end_to_end),
        aborted: (!problems.is_empty()).then(|| problems.join("; ")),
    })
}

// ---------------------------------------------------------------------------------------------
// Driver and report.

fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// `1234567.8` as `1,234,568`.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn fmt_rate(x: Option<f64>) -> String {
    x.map_or("-".into(), thousands)
}

fn fmt_ratio(num: Option<f64>, den: Option<f64>) -> String {
    match (num, den) {
        (Some(n), Some(d)) if d > 0.0 => format!("{:.3}x", n / d),
        _ => "-".into(),
    }
}

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rounds_for(k: u64) -> u64 {
    if let Ok(v) = std::env::var("LOSSLAB_BENCH_ROUNDS") {
        match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => return n,
            _ => eprintln!("ignoring LOSSLAB_BENCH_ROUNDS={v:?}: not a positive whole number"),
        }
    }
    if k == 1 { 100_000 } else { 200_000 }
}

#[derive(Default)]
struct Series {
    bare: Vec<f64>,
    losslab: Vec<f64>,
    end_to_end: Vec<f64>,
}

fn measure_bare(k: u64, rounds: u64, label: &str) -> Option<f64> {
    match bare_ping_pong(k, rounds) {
        Ok(s) => {
            let note = s.aborted.as_deref().map_or(String::new(), |a| {
                format!("  [incomplete, {} round trips: {a}]", s.round_trips)
            });
            println!(
                "  {label:<8} bare     {:>10} rt/s  ({:.3} s){note}",
                thousands(s.rate()),
                s.elapsed.as_secs_f64()
            );
            s.aborted.is_none().then(|| s.rate())
        }
        Err(e) => {
            println!("  {label:<8} bare     failed: {e}");
            None
        }
    }
}

fn measure_losslab(k: u64, rounds: u64, label: &str, root: &Path) -> Option<(f64, f64)> {
    let dir = root.join(format!("k{k}-{}", label.replace(' ', "-")));
    let result = losslab_run(k, rounds, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(s) => {
            let e2e = s.end_to_end_rate().unwrap_or(f64::NAN);
            let note = s
                .aborted
                .as_deref()
                .map_or(String::new(), |a| format!("  [incomplete: {a}]"));
            println!(
                "  {label:<8} losslab  {:>10} rt/s  ({:.3} s loop; {} rt/s, {:.3} s end to end){note}",
                thousands(s.rate()),
                s.elapsed.as_secs_f64(),
                thousands(e2e),
                s.end_to_end.unwrap_or_default().as_secs_f64()
            );
            s.aborted.is_none().then(|| (s.rate(), e2e))
        }
        Err(e) => {
            println!("  {label:<8} losslab  failed: {e:#}");
            None
        }
    }
}

fn main() {
    let ks = [1u64, 64];
    let root = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot create a temporary folder: {e}");
            return;
        }
    };
    println!(
        "loopback bench: 127.0.0.1, bare mio UDP echo vs losslab run (loss 0, 1 client, \
         recording requests.csv)"
    );
    println!(
        "{REPS} repetitions per measurement, bare and losslab interleaved; medians quoted; \
         losslab rate = replies / event-loop time"
    );
    for k in ks {
        println!("K = {k}: {} round trips per measurement", rounds_for(k));
    }
    println!();

    let bench_start = Instant::now();
    let mut series: Vec<Series> = ks.iter().map(|_| Series::default()).collect();
    for rep in 0..=REPS {
        let label = if rep == 0 {
            "warm-up".to_string()
        } else {
            format!("rep {rep}")
        };
        for (i, &k) in ks.iter().enumerate() {
            let rounds = rounds_for(k);
            let rounds = if rep == 0 {
                (rounds / 10).clamp(1, 20_000)
            } else {
                rounds
            };
            println!("K = {k}, {label}");
            // Alternate which goes first, so drift (CPU clocks, page cache) hits both alike.
            let bare_first = rep % 2 == 1;
            let mut bare = None;
            if bare_first {
                bare = measure_bare(k, rounds, &label);
            }
            let lab = measure_losslab(k, rounds, &label, root.path());
            if !bare_first {
                bare = measure_bare(k, rounds, &label);
            }
            if rep > 0 {
                let s = &mut series[i];
                s.bare.extend(bare);
                if let Some((loop_rate, e2e)) = lab {
                    s.losslab.push(loop_rate);
                    s.end_to_end.push(e2e);
                }
            }
        }
    }

    println!();
    println!(
        "{:<6} {:>16} {:>16} {:>14} {:>18} {:>16}",
        "K", "bare rt/s", "losslab rt/s", "losslab/bare", "losslab e2e rt/s", "e2e/bare"
    );
    let mut verdicts = Vec::new();
    for (i, &k) in ks.iter().enumerate() {
        let s = &series[i];
        let (bare, lab, e2e) = (median(&s.bare), median(&s.losslab), median(&s.end_to_end));
        println!(
            "{:<6} {:>16} {:>16} {:>14} {:>18} {:>16}",
            k,
            fmt_rate(bare),
            fmt_rate(lab),
            fmt_ratio(lab, bare),
            fmt_rate(e2e),
            fmt_ratio(e2e, bare)
        );
        let verdict = match (lab, bare) {
            (Some(l), Some(b)) if b > 0.0 => {
                let ratio = l / b;
                let met = if ratio >= TARGET { "MET" } else { "NOT met" };
                format!(
                    "K = {k}: target losslab >= {TARGET}x bare {met} (median {ratio:.3}x over {} \
                     losslab / {} bare samples)",
                    s.losslab.len(),
                    s.bare.len()
                )
            }
            _ => format!("K = {k}: target {TARGET}x not assessed (no complete samples)"),
        };
        verdicts.push(verdict);
    }
    println!("(medians of {REPS}; e2e = the whole run_experiment call incl. fsync and summary)");
    for v in verdicts {
        println!("{v}");
    }
    println!();
    match peak_rss_kb() {
        Some(kb) => println!("peak RSS (VmHWM): {kb} kB ({:.1} MiB)", kb as f64 / 1024.0),
        None => println!("peak RSS (VmHWM): unavailable (/proc/self/status unreadable)"),
    }
    println!("bench time: {:.1} s", bench_start.elapsed().as_secs_f64());
}
