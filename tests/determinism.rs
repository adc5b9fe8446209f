//! In-process runs through the library: the measured loss agrees with the model, rows agree
//! with the server's ground truth, and the same seed drops the same packets whatever the pacing.

mod common;

use common::*;
use losslab::cmd::run::{RunOptions, RunReport, run_experiment};
use losslab::driver::live::Stop;
use losslab::metrics::stats::{Z999, wilson};
use losslab::scenario;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Runs `text` as a scenario with results in `out`; returns the report and the console text.
fn run_in_process(text: &str, out: &Path, show_discards: bool) -> (RunReport, String) {
    let sc = scenario::parse(text, "test.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let opts = RunOptions {
        scenario: sc,
        source: "test.toml".into(),
        out_dir: out.to_path_buf(),
        show_discards,
    };
    let interrupt = AtomicBool::new(false);
    let mut console = Vec::new();
    let report = run_experiment(&opts, &interrupt, &mut console).expect("the run succeeds");
    (
        report,
        String::from_utf8(console).expect("console is UTF-8"),
    )
}

/// Test 4: over 2,000 requests at p = 0.5 the model's p lies in the 99.9% Wilson interval of
/// the measured loss, and every row agrees with what the server did.
#[test]
fn measured_loss_matches_p_and_rows_match_ground_truth() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    // A timeout far above loopback RTTs, so that only the server's discards are losses even on
    // a slow machine; the run lasts about 500 x 2 ms plus two timeouts.
    let text = ScenarioText {
        name: "wilson",
        seed: 2024,
        p: Some(0.5),
        clients: 4,
        requests: 500,
        pacing: "interval = \"2ms\"",
        timeout: "1s",
        ..Default::default()
    }
    .render();
    let (report, console) = run_in_process(&text, &out, true);
    assert_eq!(report.stop, Stop::Done);
    let all = report.all();
    assert_eq!(all.sent, 2000);
    assert_eq!(all.interrupted, 0);
    assert_eq!(all.replies + all.timeouts, 2000);
    assert_eq!(report.mismatches, 0, "rows disagree with the server");

    let (lo, hi) = wilson(all.timeouts, all.replies + all.timeouts, Z999).unwrap();
    assert!(
        lo <= 0.5 && 0.5 <= hi,
        "p = 0.5 outside the 99.9% Wilson interval [{lo}, {hi}] of {} losses in {}",
        all.timeouts,
        all.sent
    );
    assert_eq!(all.loss_ratio, Some(all.timeouts as f64 / 2000.0));

    // The server's own counts: every packet reached it, and its discards are the timeouts.
    assert_eq!(report.server.received, 2000);
    assert_eq!(report.server.dropped, all.timeouts);
    assert_eq!(report.server.answered, all.replies);
    assert_eq!(report.server.plain, 0);

    // requests.csv: server_action agrees with outcome on every row (reply <=> answered).
    let rows = read_requests(&out.join("requests.csv"));
    assert_eq!(rows.len(), 2000);
    for r in &rows {
        match (r.outcome.as_str(), r.server_action.as_str()) {
            ("reply", "answered") | ("timeout", "dropped") => {}
            other => panic!("row {r:?} disagrees with the server: {other:?}"),
        }
    }
    let dropped = rows.iter().filter(|r| r.server_action == "dropped").count() as u64;
    assert_eq!(dropped, report.server.dropped);

    // The lab's console: one discard line per discard.
    let discard_lines = console
        .lines()
        .filter(|l| l.contains("server discarded request"))
        .count() as u64;
    assert_eq!(discard_lines, report.server.dropped, "{console}");

    // Per-client rows add up to the `all` row.
    let clients = &report.summary[..report.summary.len() - 1];
    assert_eq!(clients.len(), 4);
    assert_eq!(clients.iter().map(|c| c.sent).sum::<u64>(), all.sent);
    assert_eq!(
        clients.iter().map(|c| c.timeouts).sum::<u64>(),
        all.timeouts
    );
}

type DropSet = BTreeSet<(u32, u32, u8)>;

/// Runs the scenario and returns the dropped (client, seq, attempt) set from requests.csv,
/// after checking that the rows account for every packet sent.
fn dropped_set(text: &str, out: &Path, clients: u32, requests: u32) -> DropSet {
    let (report, _) = run_in_process(text, out, false);
    assert_eq!(report.stop, Stop::Done);
    assert_eq!(report.mismatches, 0);
    let rows = read_requests(&out.join("requests.csv"));
    let all = report.all();
    assert_eq!(rows.len() as u64, all.sent, "one row per packet sent");
    assert_eq!(rows.len() as u64, report.server.received);
    let firsts = rows.iter().filter(|r| r.attempt == 0).count() as u64;
    assert_eq!(firsts, u64::from(clients) * u64::from(requests));
    // No packet appears twice.
    let ids: BTreeSet<_> = rows.iter().map(|r| (r.client, r.seq, r.attempt)).collect();
    assert_eq!(ids.len(), rows.len());
    let set: DropSet = rows
        .iter()
        .filter(|r| r.server_action == "dropped")
        .map(|r| (r.client, r.seq, r.attempt))
        .collect();
    assert_eq!(set.len() as u64, report.server.dropped);
    set
}

/// Test 5: the same seed drops the same (client, seq, attempt) even with another pacing; another
/// seed drops a different set.
#[test]
fn same_seed_drops_the_same_packets_whatever_the_pacing() {
    let tmp = tempfile::tempdir().unwrap();
    let (clients, requests) = (3, 60);
    let base = ScenarioText {
        name: "det",
        seed: 9001,
        p: Some(0.5),
        clients,
        requests,
        pacing: "interval = \"2ms\"",
        timeout: "1s",
        retries: 2,
        ..Default::default()
    };
    let open = dropped_set(&base.render(), &tmp.path().join("a"), clients, requests);
    let closed = dropped_set(
        &ScenarioText {
            pacing: "concurrency = 20",
            ..base
        }
        .render(),
        &tmp.path().join("b"),
        clients,
        requests,
    );
    let other_seed = dropped_set(
        &ScenarioText { seed: 9002, ..base }.render(),
        &tmp.path().join("c"),
        clients,
        requests,
    );

    assert!(!open.is_empty(), "p = 0.5 drops something");
    // With retries, some retry attempts exist and are dropped too.
    assert!(open.iter().any(|&(_, _, a)| a > 0), "{open:?}");
    assert_eq!(open, closed, "same seed, different pacing: same drops");
    assert_ne!(open, other_seed, "another seed drops other packets");
}
