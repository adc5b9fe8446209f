//! TCP in sim mode end to end: `losslab run FILE --sim` runs the tcp-echo and http scenarios
//! over smoltcp's TCP/IP stack under virtual time, writes the same files as a live run, and the
//! same scenario and seed give byte-identical folders. Over a lossy `[link]`, TCP loses no
//! request: the link's drops (link.csv) become retransmission delay (requests.csv's
//! `link_drops` and `rtt_us`).
//!
//! Columns are looked up by their header name, never by position. Simulated runs take
//! milliseconds of wall time; every child process has the shared deadline.

mod common;

use common::*;
use losslab::cmd::run::{RunOptions, RunReport, run_experiment};
use losslab::driver::live::Stop;
use losslab::metrics::stats::wilson;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The issue's scenario: tcp-echo on a link that loses 10% of the packets each way. The
/// timeout is far above what a few retransmission timeouts (1 s, 2 s, 4 s) add.
const LOSSY_ECHO: &str = r#"
name = "tcp-echo-lossy"
seed = 5
mode = "sim"

[server]
kind = "tcp-echo"

[link]
loss = "random 10%"

[clients]
count = 4
requests = 150
concurrency = 2
timeout = "60s"
message = "hola"
"#;

fn run_in_process(text: &str, out: &Path) -> RunReport {
    let sc = losslab::scenario::parse(text, "sim-tcp-test.toml")
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let opts = RunOptions {
        scenario: sc,
        source: "sim-tcp-test.toml".into(),
        out_dir: out.to_path_buf(),
        show_discards: false,
    };
    let mut console = Vec::new();
    let report =
        run_experiment(&opts, &AtomicBool::new(false), &mut console).expect("the run succeeds");
    assert_eq!(report.stop, Stop::Done);
    report
}

/// Every file of a folder, by name.
fn folder(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().into_string().unwrap();
            (name, std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// A CSV file as rows of (column name -> cell).
fn csv_rows(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let text = std::str::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .zip(l.split(','))
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

fn sim_run(dir: &Path, scenario: &str, out: &Path) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(scenario);
    let done = run(
        losslab(dir)
            .args(["run", "-qq", "--sim"])
            .arg(&file)
            .arg("--out")
            .arg(out),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
}

/// The committed tcp-echo and http-head scenarios simulate: every request answered, the RTTs
/// of a lossless 50 µs link (echo: handshake + exchange = 200 µs; a kept-alive HEAD: 100 µs
/// after the first), and two runs give the same bytes.
#[test]
fn tcp_scenarios_simulate_and_repeat_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    for (scenario, rtts) in [
        ("scenarios/tcp-echo.toml", &["200"][..]),
        ("scenarios/http-head.toml", &["100", "200"][..]),
    ] {
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        sim_run(tmp.path(), scenario, &a);
        sim_run(tmp.path(), scenario, &b);
        let (fa, fb) = (folder(&a), folder(&b));
        assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
        for (name, bytes) in &fa {
            assert!(
                bytes == &fb[name],
                "{scenario}: {name} differs between two runs"
            );
        }
        let rows = csv_rows(&fa["requests.csv"]);
        assert!(rows.len() >= 200, "{scenario}: {} rows", rows.len());
        for r in &rows {
            assert_eq!(r["outcome"], "reply", "{scenario}: {r:?}");
            assert!(rtts.contains(&r["rtt_us"].as_str()), "{scenario}: {r:?}");
        }
        let json: serde_json::Value = serde_json::from_slice(&fa["summary.json"]).unwrap();
        assert_eq!(json["mode"], "sim");
        assert_eq!(json["server"]["address"], "sim");
        assert_eq!(json["status"], "complete");
        assert!(json["sim_duration_s"].as_f64().unwrap() > 0.0);
    }
}

/// tcp-echo over `random 10%`: every request answered; link.csv's drop ratio inside its 99.9%
/// Wilson interval around 0.10; requests whose connection lost a segment (`link_drops > 0`)
/// took longer than those that lost none, which took the lossless 200 µs; two runs give the
/// same bytes, link.csv included.
#[test]
fn echo_over_a_lossy_link_loses_no_request() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let report = run_in_process(LOSSY_ECHO, &a);
    run_in_process(LOSSY_ECHO, &b);
    let (fa, fb) = (folder(&a), folder(&b));
    assert!(fa.contains_key("link.csv"), "{:?}", fa.keys());
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(bytes == &fb[name], "{name} differs between two runs");
    }

    let all = report.all();
    assert_eq!(
        (all.sent, all.replies, all.timeouts),
        (600, 600, 0),
        "{all:?}"
    );

    let links = csv_rows(&fa["link.csv"]);
    let dropped = links.iter().filter(|r| r["fate"] == "dropped").count() as u64;
    let packets = links.len() as u64;
    let (lo, hi) = wilson(dropped, packets, 3.2905).unwrap();
    assert!(
        lo <= 0.10 && 0.10 <= hi,
        "{dropped}/{packets}: [{lo}, {hi}]"
    );
    assert!(links.iter().all(|r| r["protocol"] == "tcp"));
    let counts = report.link.expect("a run with a [link] counts it");
    assert_eq!(counts.request.dropped + counts.reply.dropped, dropped);

    let rows = csv_rows(&fa["requests.csv"]);
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for r in &rows {
        assert_eq!(r["outcome"], "reply", "{r:?}");
        let rtt: u64 = r["rtt_us"].parse().unwrap();
        match r["link_drops"].as_str() {
            "0" => without.push(rtt),
            _ => with.push(rtt),
        }
    }
    let drops_in_rows: u64 = rows
        .iter()
        .map(|r| r["link_drops"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        drops_in_rows, dropped,
        "every dropped segment belongs to a request"
    );
    assert!(without.iter().all(|&rtt| rtt == 200), "{without:?}");
    assert!(
        with.len() > 60 && without.len() > 60,
        "{} {}",
        with.len(),
        without.len()
    );
    let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len() as f64;
    // A lost segment that the exchange waits for costs a retransmission timeout (≥ 1 s).
    assert!(mean(&with) > 100_000.0, "{}", mean(&with));
    assert!(with.iter().filter(|&&rtt| rtt >= 1_000_000).count() * 2 > with.len());
}

/// HEAD requests to the built-in responder over the lossy link, on kept-alive connections:
/// every one answered.
#[test]
fn head_over_a_lossy_link_is_answered() {
    let tmp = tempfile::tempdir().unwrap();
    let text = r#"
name = "http-head-lossy"
seed = 9
mode = "sim"

[server]
kind = "http"

[link]
loss = "random 10%"
delay = "2ms"

[clients]
count = 2
requests = 80
concurrency = 1
timeout = "60s"
"#;
    let report = run_in_process(text, &tmp.path().join("h"));
    let all = report.all();
    assert_eq!((all.sent, all.replies), (160, 160), "{all:?}");
    let c = report.link.unwrap();
    assert!(c.request.dropped > 0 && c.reply.dropped > 0, "{c:?}");
}
