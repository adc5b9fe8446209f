//! Regressions from the review of issues 5-7: each shows a bug the review found (see the
//! commit that added it) and guards its fix.
//!
//! Every run here is small (sim runs of 200 requests, one live run stopped by Ctrl-C), every
//! child process is bounded by the shared deadline, and nothing is written outside a temporary
//! folder.

mod common;

use common::*;
use losslab::client::backoff::Backoff;

use std::time::{Duration, Instant};

/// Issue 6 promises byte-identical sim files "on every run and every machine", but
/// `summary.json` (and the report) record the scenario path as typed: `x.toml` and `./x.toml`
/// give different bytes, so `run-all --verify --scenarios DIR` fails for any DIR spelled
/// differently from `scenarios`.
#[test]
fn sim_files_do_not_depend_on_how_the_scenario_path_is_spelled() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    sim_scenario(t);
    run_ok(t, &["lab9-udp-time-sim.toml", "-q", "--out", "a"]);
    run_ok(t, &["./lab9-udp-time-sim.toml", "-q", "--out", "b"]);
    for f in [
        "summary.json",
        "summary.csv",
        "requests.csv",
        "logical.csv",
        "loss_periods.csv",
    ] {
        let a = std::fs::read_to_string(t.join("a").join(f)).unwrap();
        let b = std::fs::read_to_string(t.join("b").join(f)).unwrap();
        assert!(a == b, "{f} differs between `x.toml` and `./x.toml`");
    }
}

/// A summary-only rerun into a folder that held a full run leaves the old `requests.csv` and
/// `logical.csv` (and `report/`) beside the new summary: files of another seed that a reader or
/// `losslab report` takes for this run's.
#[test]
fn a_summary_only_rerun_leaves_no_rows_of_the_previous_run() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    sim_scenario(t);
    run_ok(t, &["lab9-udp-time-sim.toml", "-q", "--out", "r"]);
    assert!(t.join("r/requests.csv").exists());
    run_ok(
        t,
        &[
            "lab9-udp-time-sim.toml",
            "-q",
            "--seed",
            "7",
            "--no-requests-csv",
            "--out",
            "r",
        ],
    );
    for stale in ["requests.csv", "logical.csv"] {
        assert!(
            !t.join("r").join(stale).exists(),
            "{stale} of the seed-42 run is still there next to the seed-7 summary"
        );
    }
}

/// `jitter 7%` is written back as `jitter 7.000000000000001%` (in summary.json's `backoff`,
/// the console and the report).
#[test]
fn backoff_text_has_no_float_noise() {
    let b = Backoff::parse("exponential 100ms x2 max 1s jitter 7%").unwrap();
    assert_eq!(b.to_string(), "exponential 100ms x2 max 1s jitter 7%");
}

/// `run-all` wrote straight into `results/<name>/`: a Ctrl-C during a scenario replaced the
/// committed reference with an interrupted run. Now each run is staged beside its folder and
/// an interrupted one replaces nothing.
#[test]
fn an_interrupted_run_all_keeps_the_previous_results() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scenarios = t.join("sc");
    std::fs::create_dir(&scenarios).unwrap();
    let text = ScenarioText {
        name: "long",
        requests: 100_000,
        pacing: "interval = \"1ms\"",
        ..Default::default()
    }
    .render();
    std::fs::write(scenarios.join("long.toml"), text).unwrap();
    // The "committed reference" of that scenario.
    let reference = t.join("out/long");
    std::fs::create_dir_all(&reference).unwrap();
    std::fs::write(reference.join("summary.json"), "{\"reference\": true}\n").unwrap();

    let mut child = Proc::spawn(losslab(t).args(["run-all", "--scenarios", "sc", "--out", "out"]));
    // The run has started once its rows are being staged.
    let end = Instant::now() + Duration::from_secs(30);
    while !t.join("out/.long.losslab-staging/requests.csv").exists() {
        assert!(Instant::now() < end, "run-all never started the scenario");
        std::thread::sleep(Duration::from_millis(10));
    }
    sigint(child.pid());
    let done = child.finish(DEADLINE);
    assert_eq!(done.code(), Some(130), "{done:?}");
    let json = std::fs::read_to_string(reference.join("summary.json")).unwrap();
    assert!(
        json.contains("\"reference\""),
        "the reference was replaced by the interrupted run:\n{json}"
    );
}
