//! Sim mode end to end: the same scenario and seed give byte-identical result folders; the
//! simulator drops exactly the packets a live run on 127.0.0.1 drops; simulated RTTs are the
//! link's and the server's delays, to the microsecond; an http scenario with an outside URL is
//! refused with exit 2 (TCP in sim mode is tested in `tests/sim_tcp.rs`).
//!
//! Columns are looked up by their header name, never by position. Every run here is bounded:
//! simulated runs take milliseconds of wall time, the one live run about a second, and every
//! child process has the shared deadline.

mod common;

use common::*;
use losslab::cmd::run::{RunOptions, RunReport, run_experiment};
use losslab::driver::live::Stop;
use losslab::scenario::{self, Mode};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Everything the simulator can do at once: bursty loss on both directions, a server delay with
/// jitter, reordering, duplicates, corruption, retries with late replies, and a link with
/// pareto jitter and a bandwidth limit that makes datagrams queue.
const BUSY: &str = r#"
name = "sim-busy"
seed = 11
mode = "sim"

[server]
kind = "udp-time"

[impair]
loss = "gemodel 3% 30%"
delay = "1ms 500us distribution normal"
reorder = "10%"
duplicate = "5%"
corrupt = "2%"
direction = "both"

[link]
delay = "400us 300us distribution pareto"
bandwidth = "10mbit"

[clients]
count = 5
requests = 300
interval = "700us"
timeout = "4ms"
retries = 2
late_window = "3ms"
"#;

fn run_in_process(text: &str, out: &Path) -> RunReport {
    let sc = scenario::parse(text, "sim-test.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
    let opts = RunOptions {
        scenario: sc,
        source: "sim-test.toml".into(),
        out_dir: out.to_path_buf(),
        show_discards: false,
    };
    let mut console = Vec::new();
    run_experiment(&opts, &AtomicBool::new(false), &mut console).expect("the run succeeds")
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
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), header.len(), "row {l:?} of {}", path.display());
            header
                .iter()
                .zip(cells)
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect()
        })
        .collect()
}

fn cell<'a>(row: &'a BTreeMap<String, String>, column: &str) -> &'a str {
    row.get(column)
        .unwrap_or_else(|| panic!("no column {column} in {row:?}"))
}

type Id = (u32, u32, u8);

fn id_of(row: &BTreeMap<String, String>) -> Id {
    (
        cell(row, "client").parse().unwrap(),
        cell(row, "seq").parse().unwrap(),
        cell(row, "attempt").parse().unwrap(),
    )
}

/// The packets the server dropped, and every packet sent, from a requests.csv.
fn drops_and_sent(path: &Path) -> (BTreeSet<Id>, BTreeSet<Id>) {
    let rows = csv_rows(path);
    let sent: BTreeSet<Id> = rows.iter().map(id_of).collect();
    assert_eq!(sent.len(), rows.len(), "a packet appears twice");
    let dropped = rows
        .iter()
        .filter(|r| cell(r, "server_action") == "dropped")
        .map(id_of)
        .collect();
    (dropped, sent)
}

#[test]
fn same_seed_gives_byte_identical_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    let first = run_in_process(BUSY, &a);
    run_in_process(BUSY, &b);
    assert_eq!(first.stop, Stop::Done);
    let (fa, fb) = (folder(&a), folder(&b));
    let names: Vec<&String> = fa.keys().collect();
    assert!(
        ["requests.csv", "summary.csv", "summary.json"]
            .iter()
            .all(|n| fa.contains_key(*n)),
        "{names:?}"
    );
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(
            bytes == &fb[name],
            "{name} differs between two runs of one seed"
        );
    }
    // The run is busy enough to mean something: drops, late replies, duplicates, corrupted
    // replies, retries and queueing all happened.
    let all = first.all();
    assert!(all.timeouts > 20 && all.replies > 1000, "{all:?}");
    assert!(
        all.late > 0 && all.duplicates > 0 && all.corrupted > 0,
        "{all:?}"
    );
    assert!(all.sent > 1500, "retries: {all:?}");
    assert_eq!(first.mismatches, 0, "rows disagree with the server");
    let json: serde_json::Value = serde_json::from_slice(&fa["summary.json"]).unwrap();
    assert_eq!(json["mode"], "sim");
    assert_eq!(json["server"]["address"], "sim");
    assert_eq!(json["link"]["bandwidth_bps"], 10_000_000);
    let sim_s = json["sim_duration_s"].as_f64().unwrap();
    assert_eq!(
        (sim_s * 1e6).round() as u64,
        json["duration_us"].as_u64().unwrap()
    );
    // 300 requests every 0.7 ms: the simulated run lasts about 210 ms plus the last waits.
    assert!((0.2..0.3).contains(&sim_s), "{sim_s}");
    // Another seed changes the files (so equality above is not vacuous).
    run_in_process(&BUSY.replace("seed = 11", "seed = 12"), &c);
    assert_ne!(folder(&c)["requests.csv"], fa["requests.csv"]);
}

/// The same scenario and seed, once live on 127.0.0.1 (the binary, `--live` overriding the
/// file's `mode = "sim"`) and once simulated (`--sim`): the same packets are sent and the same
/// ones dropped. The timeout is far above a loopback RTT, so on the live side only the server's
/// discards become losses and retries.
#[test]
fn sim_drops_what_a_live_run_drops() {
    let tmp = tempfile::tempdir().unwrap();
    let text = r#"
name = "sim-vs-live"
seed = 2026
mode = "sim"

[server]
kind = "udp-time"
bind = "127.0.0.1:0"

[impair]
loss = "gemodel 10% 40%"
direction = "both"

[clients]
count = 4
requests = 100
interval = "1ms"
timeout = "400ms"
retries = 1
"#;
    let file = tmp.path().join("sim-vs-live.toml");
    std::fs::write(&file, text).unwrap();
    let (live, sim) = (tmp.path().join("live"), tmp.path().join("sim"));
    for (flag, out) in [("--live", &live), ("--sim", &sim)] {
        let done = run(
            losslab(tmp.path())
                .arg("run")
                .arg(&file)
                .arg(flag)
                .arg("-q")
                .arg("--out")
                .arg(out),
            b"",
        );
        assert_eq!(done.code(), Some(0), "{flag}: {done:?}");
    }
    let mode = |dir: &Path| {
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
        json["mode"].as_str().unwrap().to_string()
    };
    assert_eq!((mode(&live).as_str(), mode(&sim).as_str()), ("live", "sim"));
    let (live_drops, live_sent) = drops_and_sent(&live.join("requests.csv"));
    let (sim_drops, sim_sent) = drops_and_sent(&sim.join("requests.csv"));
    assert_eq!(live_sent.iter().filter(|i| i.2 == 0).count(), 400);
    assert!(
        live_drops.len() > 40 && live_sent.len() > 440,
        "{} drops",
        live_drops.len()
    );
    assert_eq!(sim_drops, live_drops, "the simulator drops other packets");
    assert_eq!(sim_sent, live_sent, "the simulator sends other retries");
}

/// No jitter: each RTT is exactly twice the link's one-way delay plus the server's hold, and
/// the summary's percentiles say so.
#[test]
fn simulated_rtt_is_twice_the_link_delay_plus_the_servers_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let base = r#"
name = "sim-rtt"
seed = 3
mode = "sim"

[server]
kind = "udp-time"

[impair]
loss = "random 20%"
delay = "3ms"
direction = "request"

[link]
delay = "250us"

[clients]
count = 3
requests = 200
concurrency = 4
timeout = "50ms"
"#;
    for (text, rtt) in [
        (base.to_string(), 2 * 250 + 3_000),
        // The default link, 50 us each way, when [link] is absent.
        (
            base.replace("[link]\ndelay = \"250us\"\n", ""),
            2 * 50 + 3_000,
        ),
    ] {
        let out = tmp.path().join(rtt.to_string());
        let report = run_in_process(&text, &out);
        let all = report.all();
        assert!(all.replies > 300 && all.timeouts > 50, "{all:?}");
        let rows = csv_rows(&out.join("requests.csv"));
        for r in &rows {
            match cell(r, "outcome") {
                "reply" => {
                    assert_eq!(cell(r, "rtt_us"), rtt.to_string(), "{r:?}");
                    assert_eq!(cell(r, "server_delay_us"), "3000", "{r:?}");
                }
                "timeout" => assert_eq!(cell(r, "server_action"), "dropped", "{r:?}"),
                other => panic!("unexpected outcome {other} in {r:?}"),
            }
            assert_eq!(
                cell(r, "send_lag_us"),
                "0",
                "a simulated send is never late"
            );
        }
        let summary = csv_rows(&out.join("summary.csv"));
        let total = summary.iter().find(|r| cell(r, "scope") == "all").unwrap();
        for column in ["rtt_min_us", "rtt_p50_us", "rtt_p99_us", "rtt_max_us"] {
            assert_eq!(cell(total, column), rtt.to_string(), "{column}");
        }
    }
}

/// Skipping requests.csv writes the same summaries, and summary.json says the file is absent.
#[test]
fn no_requests_csv_keeps_the_same_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("busy.toml");
    std::fs::write(&file, BUSY).unwrap();
    let (with, without) = (tmp.path().join("with"), tmp.path().join("without"));
    let done = run(
        losslab(tmp.path())
            .args(["run", "-q", "--out"])
            .arg(&with)
            .arg(&file),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(done.stdout.contains("simulated"), "{}", done.stdout);
    let done = run(
        losslab(tmp.path())
            .args(["run", "-q", "--no-requests-csv", "--out"])
            .arg(&without)
            .arg(&file),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let files = folder(&without);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        [
            ".losslab-manifest",
            "loss_periods.csv",
            "summary.csv",
            "summary.json"
        ]
    );
    assert_eq!(files["summary.csv"], folder(&with)["summary.csv"]);
    let json: serde_json::Value = serde_json::from_slice(&files["summary.json"]).unwrap();
    assert!(json["files"]["requests"].is_null(), "{}", json["files"]);
    assert_eq!(json["scenario"]["output"]["requests_csv"], false);
    // `[output] requests_csv = false` in the file does the same.
    let quiet = tmp.path().join("quiet.toml");
    std::fs::write(&quiet, format!("{BUSY}\n[output]\nrequests_csv = false\n")).unwrap();
    let sc = scenario::load(&quiet).unwrap();
    assert!(!sc.output.requests_csv && sc.mode == Mode::Sim);
}

/// The simulation has no outside network: `--sim` on an http scenario with a `url` says so and
/// exits 2, writing nothing.
#[test]
fn http_url_with_sim_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("outside.toml");
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/http-head.toml"),
    )
    .unwrap()
    .replace("# url = ", "url = ");
    assert!(text.contains("\nurl = "), "{text}");
    std::fs::write(&scenario, text).unwrap();
    let out = tmp.path().join("out");
    let done = run(
        losslab(tmp.path())
            .arg("run")
            .arg(&scenario)
            .arg("--sim")
            .arg("--out")
            .arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("field `clients.url`")
            && done.stderr.contains("sim mode has no outside network"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("outside.toml"), "{}", done.stderr);
    assert!(!out.exists(), "nothing is written");
    // `--sim` and `--live` together are a usage error.
    let done = run(
        losslab(tmp.path())
            .args(["run", "--sim", "--live", "--out"])
            .arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
}
