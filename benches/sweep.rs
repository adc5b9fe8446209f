//! `cargo bench --bench sweep`: a sweep of 200 sim points (one seed each) run on every core,
//! against the same 200 points run one after another (`--jobs 1`), in the same bench run;
//! prints both wall times and their ratio, and checks that both wrote the same `sweep.csv`.
//!
//! Each point is the same small udp-time scenario with a different `clients.requests`
//! (`LOSSLAB_BENCH_SWEEP_REQUESTS`, default 2000 per client, 4 clients, Bernoulli 10% loss,
//! requests.csv on), so the runs are alike. The order alternates (parallel first, then
//! sequential, then parallel again) and the parallel time is the faster of its two. A run is
//! in-process (`losslab sweep`'s own code); wall time includes writing and syncing every
//! folder. No target is asserted: the ratio is printed, a reader judges it against the cores.

use losslab::sweep::exec::{SweepArgs, SweepOutcome, sweep};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

const POINTS: u64 = 200;

fn files(dir: &Path, requests: u64) {
    std::fs::write(
        dir.join("base.toml"),
        "name = \"bench-sweep\"\nseed = 1\nmode = \"sim\"\n\n[server]\nkind = \"udp-time\"\n\n\
         [impair]\nloss = \"random 10%\"\n\n[clients]\ncount = 4\nrequests = 10\n\
         interval = \"10ms\"\ntimeout = \"50ms\"\n",
    )
    .unwrap();
    let values: Vec<String> = (0..POINTS).map(|i| (requests + i).to_string()).collect();
    std::fs::write(
        dir.join("sweep.toml"),
        format!(
            "scenario = \"base.toml\"\nseeds = [1]\n[grid]\n\"clients.requests\" = [{}]\n",
            values.join(", ")
        ),
    )
    .unwrap();
}

fn timed(dir: &Path, out: &str, jobs: Option<usize>) -> Duration {
    let args = SweepArgs {
        file: dir.join("sweep.toml"),
        out: Some(dir.join(out)),
        list: false,
        shard: None,
        slurm: false,
        tasks: None,
        jobs,
        quiet: true,
    };
    let start = Instant::now();
    let outcome = sweep(&args, &AtomicBool::new(false), &mut std::io::sink()).unwrap();
    let took = start.elapsed();
    assert_eq!(outcome, SweepOutcome::Done);
    took
}

fn main() {
    let requests: u64 = std::env::var("LOSSLAB_BENCH_SWEEP_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    files(dir, requests);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let par1 = timed(dir, "par1", None);
    let seq = timed(dir, "seq", Some(1));
    let par2 = timed(dir, "par2", None);
    let par = par1.min(par2);
    let same = ["par1", "par2"].iter().all(|p| {
        std::fs::read(dir.join(p).join("sweep.csv")).unwrap()
            == std::fs::read(dir.join("seq/sweep.csv")).unwrap()
    });
    println!(
        "sweep of {POINTS} sim points ({requests}+ requests × 4 clients each) on {cores} cores:\n  \
         one after another: {:.2} s\n  on all cores:      {:.2} s (runs: {:.2} s, {:.2} s)\n  \
         speed-up: {:.2}× (ideal {cores}×)\n  sweep.csv identical: {same}",
        seq.as_secs_f64(),
        par.as_secs_f64(),
        par1.as_secs_f64(),
        par2.as_secs_f64(),
        seq.as_secs_f64() / par.as_secs_f64(),
    );
    assert!(
        same,
        "the parallel and sequential sweeps wrote different sweep.csv"
    );
}
