//! `cargo bench --bench link`: IP packets per second that losslab's live `[link]` forwards
//! through its TUN pair (client namespace → losslab → server namespace and back), against the
//! same traffic on plain loopback, measured in the same run.
//!
//! Traffic: the time server (no impairments) and one closed-loop client keeping 64 requests in
//! flight, in losslab's own event loop, without recording (the observer drops every row), so
//! the two runs differ only by the link. The link is lossless with no delay: what is measured is
//! the cost of forwarding (read, classify, `Path::cross`, queue, write) and of the extra trip
//! through the kernels, not a delay.
//!
//! For each of five repetitions, after one unrecorded warm-up, both runs are made back to back
//! (alternating which goes first); medians are quoted. A loopback round trip is 2 packets, a
//! link round trip 2 forwarded packets. `LOSSLAB_BENCH_ROUNDS=N` sets the round trips per
//! measurement (default 50000). Every measurement stops after 30 s whatever happens. Nothing
//! here asserts a speed. Needs root (or user namespaces and /dev/net/tun); otherwise it says
//! why and measures nothing.

use losslab::client::backoff::Backoff;
use losslab::client::loadgen::{LoadGen, LoadGenConfig, Pacing};
use losslab::driver::live::{Clock, EventLoop, Observer, Stop};
use losslab::impair::path::{PathConfig, PathFields};
use losslab::impair::{ImpairConfig, Impairments};
use losslab::server::time::TimeServer;
use losslab::time::Duration;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};

const REPS: usize = 5;
const IN_FLIGHT: u32 = 64;
const TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);

struct Quiet;
impl Observer for Quiet {}

/// One measurement: round trips and forwarded packets per second of loop time.
struct Sample {
    round_trips: u64,
    packets: u64,
    seconds: f64,
}

fn run(link: bool, rounds: u32) -> anyhow::Result<Sample> {
    let seed = 1;
    let mut ev = match link {
        true => {
            let path = PathConfig::parse(&PathFields {
                delay: Some("0ms"),
                ..Default::default()
            })
            .map_err(|(f, e)| anyhow::anyhow!("{f}: {e}"))?;
            EventLoop::with_link(Clock::new(), path, seed)?
        }
        false => EventLoop::new(Clock::new())?,
    };
    let server = TimeServer::with_impairments(
        Impairments::new(ImpairConfig::none(), seed),
        ev.clock().epoch_unix_us,
    );
    let addr = ev.add_server("127.0.0.1:0".parse()?, server)?;
    ev.add_clients(
        addr,
        LoadGen::new(LoadGenConfig {
            clients: 1,
            first_client: 0,
            requests: rounds,
            pacing: Pacing::Closed {
                concurrency: IN_FLIGHT,
            },
            timeout: Duration::from_millis(1_000),
            retries: 0,
            backoff: Backoff::NONE,
            seed,
            late_window: Duration::ZERO,
            progress: false,
        }),
    )?;
    let interrupt = AtomicBool::new(false);
    let (done, watchdog) = mpsc::channel::<()>();
    let stop = std::thread::scope(|s| {
        let flag = &interrupt;
        s.spawn(move || {
            if watchdog.recv_timeout(TIME_LIMIT) == Err(RecvTimeoutError::Timeout) {
                flag.store(true, Ordering::Relaxed);
            }
        });
        let stop = ev.run(&mut Quiet, &interrupt);
        drop(done);
        stop
    })?;
    let seconds = ev.elapsed().as_micros() as f64 / 1e6;
    let round_trips = ev.server().map_or(0, |s| s.stats().answered);
    if stop != Stop::Done {
        anyhow::bail!("stopped after the {TIME_LIMIT:?} limit, {round_trips} round trips");
    }
    let packets = match ev.link() {
        Some(l) => {
            let c = l.counts();
            c.request.packets + c.reply.packets
        }
        None => 2 * round_trips,
    };
    Ok(Sample {
        round_trips,
        packets,
        seconds,
    })
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    (!v.is_empty()).then(|| v[v.len() / 2])
}

fn main() {
    let rounds = std::env::var("LOSSLAB_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(50_000);
    // The loop's thread enters the link's namespaces; keep that off the main thread anyway.
    let probe = std::thread::spawn(|| run(true, 10).map(drop)).join();
    if let Ok(Err(e)) = probe {
        println!("link bench: cannot build the link here, nothing measured: {e:#}");
        return;
    }
    println!(
        "link bench: time server + 1 closed-loop client, {IN_FLIGHT} requests in flight, \
         {rounds} round trips per measurement, no recording; {REPS} repetitions after a warm-up"
    );
    let (mut loopback, mut link) = (Vec::new(), Vec::new());
    for rep in 0..=REPS {
        let label = if rep == 0 {
            "warm-up".to_string()
        } else {
            format!("rep {rep}")
        };
        let order = if rep % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for on_link in order {
            let n = if rep == 0 { rounds / 10 + 1 } else { rounds };
            let name = if on_link { "link" } else { "loopback" };
            match std::thread::spawn(move || run(on_link, n)).join() {
                Ok(Ok(s)) => {
                    let pps = s.packets as f64 / s.seconds;
                    println!(
                        "  {label:<8} {name:<9} {:>9.0} packets/s  {:>8.0} round trips/s  \
                         ({} packets in {:.3} s)",
                        pps,
                        s.round_trips as f64 / s.seconds,
                        s.packets,
                        s.seconds
                    );
                    if rep > 0 {
                        match on_link {
                            true => link.push(pps),
                            false => loopback.push(pps),
                        }
                    }
                }
                Ok(Err(e)) => println!("  {label:<8} {name:<9} failed: {e:#}"),
                Err(_) => println!("  {label:<8} {name:<9} panicked"),
            }
        }
    }
    let (lo, li) = (median(loopback), median(link));
    let show = |x: Option<f64>| x.map_or("-".to_string(), |x| format!("{x:.0}"));
    println!();
    println!("median loopback: {} packets/s", show(lo));
    println!("median link:     {} packets/s forwarded", show(li));
    match (lo, li) {
        (Some(lo), Some(li)) => println!("link/loopback:   {:.2}x", li / lo),
        _ => println!("link/loopback:   - (a measurement failed)"),
    }
}
