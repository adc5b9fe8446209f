//! Regressions from the review of `losslab report` (items 3, 6, 7 and 9): a far seq number, a
//! summary-only folder, the "Reproduce" command of a sim run, the loss-over-time figure counting
//! first attempts only, the loss-periods caption under non-geometric models, and client ids the
//! summary does not list. Each test failed before its fix.
//!
//! Every run is small (sim runs of at most 200 requests or hand-made folders), every child
//! process is bounded by the shared deadline, and nothing is written outside a temporary folder.

mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};

/// The default experiment in sim mode (the committed `lab9-udp-time-sim.toml`), as a file in
/// `dir`.
fn sim_scenario(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lab9-udp-time-sim.toml");
    let to = dir.join("lab9-udp-time-sim.toml");
    fs::copy(src, &to).unwrap();
    to
}

fn run_ok(dir: &Path, args: &[&str]) -> Finished {
    let done = run(losslab(dir).arg("run").args(args), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    done
}

/// A first attempt whose seq lies far ahead of the others (a hand-made or damaged
/// `requests.csv`) made the reorder buffer walk forward one seq at a time: with seq 10^12 the
/// report never finished.
#[test]
fn report_survives_a_far_seq() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    sim_scenario(t);
    run_ok(t, &["lab9-udp-time-sim.toml", "-q", "--out", "r"]);
    let dir = t.join("r");
    // Loss periods come from requests.csv when the folder has no loss_periods.csv.
    fs::remove_file(dir.join("loss_periods.csv")).unwrap();
    let json = fs::read_to_string(dir.join("summary.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["files"].as_object_mut().unwrap().remove("loss_periods");
    fs::write(dir.join("summary.json"), v.to_string()).unwrap();
    let csv = fs::read_to_string(dir.join("requests.csv")).unwrap();
    let mut lines: Vec<String> = csv.lines().map(str::to_string).collect();
    let seq = lines[0].split(',').position(|c| c == "seq").unwrap();
    let mut cells: Vec<String> = lines[1].split(',').map(str::to_string).collect();
    cells[seq] = "1000000000000".into();
    lines[1] = cells.join(",");
    fs::write(dir.join("requests.csv"), lines.join("\n") + "\n").unwrap();
    let done = run(losslab(t).args(["report", "r", "--out", "rep"]), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    let md = fs::read_to_string(t.join("rep/report.md")).unwrap();
    assert!(
        md.contains("first attempts had no row in `requests.csv`"),
        "the skipped seqs are reported: {md}"
    );
}
