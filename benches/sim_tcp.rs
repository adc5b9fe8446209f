//! `cargo bench --bench sim_tcp`: how fast the TCP simulator (smoltcp on both ends, see
//! `driver::sim_tcp`) runs tcp-echo requests, beside the udp-time simulator on the same load in
//! the same run (the baseline of the printed ratios).
//!
//! The load: 4 closed-loop clients with 16 requests in flight each, one new TCP connection per
//! echo request (the lab's echo server answers and closes), the default link (50 µs each way).
//! Measured three ways, each through the whole `run_experiment` call (setup, the loop, writing
//! and syncing requests.csv and the summaries): udp-time requests (the baseline), tcp-echo on a
//! lossless link, and tcp-echo with `loss = "random 10%"` on the link (every lost segment waits
//! for smoltcp's retransmission timeout, ≥ 1 s of simulated time). Rates are requests per second
//! of wall time. Repetitions are interleaved and medians reported.
//!
//! Sizes, optional: `LOSSLAB_BENCH_TCP_REQUESTS` (default 100000), `LOSSLAB_BENCH_REPS`
//! (default 3). Every run is interrupted after 60 s. Target (issue 11): a TCP sim of 100,000
//! echo requests finishes in seconds; a missed target is reported, never a panic.

use losslab::cmd::run::{RunOptions, RunReport, run_experiment};
use losslab::driver::live::Stop;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(60);
const CLIENTS: u64 = 4;
/// Wall seconds a 100,000-request TCP simulation may take ("seconds, not minutes").
const TARGET_SECONDS: f64 = 10.0;

#[derive(Clone, Copy)]
enum Load {
    Udp,
    Tcp,
    TcpLossy,
}

impl Load {
    fn name(self) -> &'static str {
        match self {
            Load::Udp => "udp-time sim (baseline)",
            Load::Tcp => "tcp-echo sim, lossless link",
            Load::TcpLossy => "tcp-echo sim, link loss random 10%",
        }
    }

    fn scenario(self, requests: u64) -> String {
        let per_client = requests.div_ceil(CLIENTS);
        let (server, link) = match self {
            Load::Udp => ("udp-time", ""),
            Load::Tcp => ("tcp-echo", ""),
            Load::TcpLossy => ("tcp-echo", "[link]\nloss = \"random 10%\"\n"),
        };
        format!(
            r#"
name = "bench-sim-tcp"
seed = 1

[server]
kind = "{server}"
bind = "127.0.0.1:0"

{link}
[clients]
count = {CLIENTS}
requests = {per_client}
concurrency = 16
timeout = "60s"
"#
        )
    }
}

struct Sample {
    sent: u64,
    /// Requests unanswered within the 60 s timeout: on the lossy link a handful whose SYN or
    /// SYN-ACK was lost six times in a row (1 + 2 + 4 + 8 + 16 + 32 s of backoff).
    timeouts: u64,
    wall: Duration,
    simulated: Duration,
}

/// One run through the library, interrupted after [`TIME_LIMIT`]; an incomplete run is an
/// error, so a rate is never quoted for half a run.
fn run(load: Load, requests: u64, out: &Path) -> anyhow::Result<Sample> {
    let mut scenario = losslab::scenario::parse(&load.scenario(requests), "benches/sim_tcp.rs")?;
    scenario.mode = losslab::scenario::Mode::Sim;
    if let Load::Tcp | Load::TcpLossy = load {
        scenario.clients.message = Some("hola".into());
    }
    let opts = RunOptions {
        scenario,
        source: "benches/sim_tcp.rs".into(),
        out_dir: out.to_path_buf(),
        show_discards: false,
    };
    let interrupt = AtomicBool::new(false);
    let (done, watchdog) = mpsc::channel::<()>();
    let (result, wall): (anyhow::Result<RunReport>, Duration) = std::thread::scope(|s| {
        let flag = &interrupt;
        s.spawn(move || {
            if watchdog.recv_timeout(TIME_LIMIT) == Err(RecvTimeoutError::Timeout) {
                flag.store(true, Ordering::Relaxed);
            }
        });
        let t0 = Instant::now();
        let result = run_experiment(&opts, &interrupt, &mut std::io::sink());
        let wall = t0.elapsed();
        drop(done);
        (result, wall)
    });
    let report = result?;
    let _ = std::fs::remove_dir_all(out);
    if report.stop != Stop::Done {
        anyhow::bail!("stopped early ({:?}, limit {TIME_LIMIT:?})", report.stop);
    }
    let all = report.all();
    if all.sent < requests {
        anyhow::bail!("only {} of {requests} requests sent", all.sent);
    }
    Ok(Sample {
        sent: all.sent,
        timeouts: all.timeouts,
        wall,
        simulated: report.duration.to_std(),
    })
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(match v.len() % 2 {
        1 => v[mid],
        _ => (v[mid - 1] + v[mid]) / 2.0,
    })
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Err(_) => default,
        Ok(v) => v.trim().parse().unwrap_or_else(|_| {
            eprintln!("ignoring {name}={v:?}: not a whole number");
            default
        }),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once with neither:
    // then a small size only checks that the bench still works.
    let quick = !std::env::args().any(|a| a == "--bench");
    let requests = match quick {
        true => 2_000,
        false => env_u64("LOSSLAB_BENCH_TCP_REQUESTS", 100_000).max(CLIENTS),
    };
    let reps = match quick {
        true => 1,
        false => env_u64("LOSSLAB_BENCH_REPS", 3).max(1),
    };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let loads = [Load::Udp, Load::Tcp, Load::TcpLossy];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); loads.len()];
    let mut walls: Vec<Vec<f64>> = vec![Vec::new(); loads.len()];
    println!("sim_tcp bench: {requests} requests per run, {reps} repetitions, medians");
    for rep in 0..reps {
        for (i, &load) in loads.iter().enumerate() {
            match run(load, requests, &dir.path().join(format!("{rep}-{i}"))) {
                Ok(s) => {
                    rates[i].push(s.sent as f64 / s.wall.as_secs_f64());
                    walls[i].push(s.wall.as_secs_f64());
                    println!(
                        "  run {rep}: {:<36} {:>9} sent ({} timed out) in {:>7.3} s wall, {:>9.3} s \
                         simulated",
                        load.name(),
                        s.sent,
                        s.timeouts,
                        s.wall.as_secs_f64(),
                        s.simulated.as_secs_f64()
                    );
                }
                Err(e) => println!("  run {rep}: {:<36} failed: {e:#}", load.name()),
            }
        }
    }
    let base = median(rates[0].clone());
    for (i, load) in loads.iter().enumerate() {
        let rate = median(rates[i].clone());
        let ratio = match (rate, base) {
            (Some(r), Some(b)) => format!("{:.3}x the udp-time sim", r / b),
            _ => "-".into(),
        };
        println!(
            "{:<36} {:>12} requests/s  ({ratio})",
            load.name(),
            rate.map_or("-".into(), |r| format!("{r:.0}"))
        );
    }
    for i in [1, 2] {
        if let Some(w) = median(walls[i].clone()) {
            let scaled = w * 100_000.0 / requests as f64;
            let verdict = match scaled <= TARGET_SECONDS {
                true => "met",
                false => "MISSED",
            };
            println!(
                "target: 100,000 {} in ≤ {TARGET_SECONDS} s: {scaled:.2} s ({verdict})",
                loads[i].name()
            );
        }
    }
}
