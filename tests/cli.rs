//! `losslab run` as a process: scenario errors, ports in use, the default run's files, Ctrl-C.

mod common;

use common::*;
use serde_json::Value;
use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

const SUMMARY_REQUIRED: &str = "scope,sent,replies,timeouts,loss_ratio,loss_ci_low,loss_ci_high,\
rtt_min_us,rtt_p50_us,rtt_p90_us,rtt_p99_us,rtt_max_us,rtt_mean_us";

/// File names in `dir` (empty if it does not exist).
fn files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// The 1-based number of the first line of `text` that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in\n{text}"))
        + 1
}

/// Test 6: malformed scenarios are refused with exit 2, a located message, and no results.
#[test]
fn malformed_scenarios_exit_2_naming_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let good = ScenarioText {
        name: "bad",
        p: Some(0.25),
        timeout: "100ms",
        ..Default::default()
    }
    .render();
    let cases = [
        (
            "unknown-field.toml",
            good.replace("count = 1\n", "count = 1\ncolor = \"red\"\n"),
            "color = ",
            "color",
        ),
        (
            "p-too-big.toml",
            good.replace("p = 0.25", "p = 1.5"),
            "p = 1.5",
            "loss.p",
        ),
        (
            "no-unit.toml",
            good.replace("timeout = \"100ms\"", "timeout = \"100\""),
            "timeout = \"100\"",
            "clients.timeout",
        ),
    ];
    // The unchanged file is valid, so each failure below is due to its one change.
    scenario_is_valid(&good);
    for (file, text, bad_line, field) in cases {
        assert_ne!(text, good, "{file}: the replacement must change the file");
        let path = tmp.path().join(file);
        std::fs::write(&path, &text).unwrap();
        let out = tmp.path().join(format!("results-{file}"));
        let done = run(
            losslab(tmp.path())
                .arg("run")
                .arg(&path)
                .arg("--out")
                .arg(&out),
            b"",
        );
        assert_eq!(done.code(), Some(2), "{file}: {done:?}");
        let line = line_of(&text, bad_line);
        let located = format!("{}:{line}:", path.display());
        assert!(
            done.stderr.contains(&located),
            "{file}: stderr does not name {located}:\n{}",
            done.stderr
        );
        assert!(
            done.stderr.contains(&format!("`{field}`")),
            "{file}: stderr does not name the field {field}:\n{}",
            done.stderr
        );
        assert!(!out.exists(), "{file}: a results folder was created");
        assert!(!tmp.path().join("results").exists(), "{file}");
        assert!(done.stdout.is_empty(), "{file}: {}", done.stdout);
    }
}

fn scenario_is_valid(text: &str) {
    losslab::scenario::parse(text, "good.toml").unwrap_or_else(|e| panic!("{e}\n{text}"));
}

/// Test 7 (run): a scenario whose server address is taken exits 2 and writes nothing.
#[test]
fn run_with_server_port_in_use_fails_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = blocker.local_addr().unwrap().to_string();
    let text = ScenarioText {
        name: "busy",
        bind: &addr,
        ..Default::default()
    }
    .render();
    scenario_is_valid(&text);
    let path = tmp.path().join("busy.toml");
    std::fs::write(&path, text).unwrap();
    let out = tmp.path().join("out");
    let done = run(
        losslab(tmp.path())
            .arg("run")
            .arg(&path)
            .arg("--out")
            .arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains(&addr), "{}", done.stderr);
    assert!(
        done.stderr.to_lowercase().contains("in use"),
        "{}",
        done.stderr
    );
    assert!(!out.exists(), "results written: {:?}", files_in(&out));
    assert!(!tmp.path().join("results").exists());
    drop(blocker);
}

/// Test 9: the built-in default scenario writes the three result files, complete.
#[test]
fn default_run_writes_complete_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("nested").join("out");
    let done = run(
        losslab(tmp.path()).args(["run", "-q", "--out"]).arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout.contains("losslab run lab9-udp-time: seed 42"),
        "{}",
        done.stdout
    );

    let mut names = files_in(&out);
    names.sort();
    assert_eq!(
        names,
        [
            ".losslab-manifest",
            "logical.csv",
            "loss_periods.csv",
            "requests.csv",
            "summary.csv",
            "summary.json"
        ],
        "no *.tmp or other files may remain"
    );

    let rows = read_requests(&out.join("requests.csv"));
    assert_eq!(rows.len(), 200);
    let clients: std::collections::BTreeSet<u32> = rows.iter().map(|r| r.client).collect();
    assert_eq!(clients.into_iter().collect::<Vec<_>>(), [0, 1, 2, 3]);
    for r in &rows {
        assert_eq!(r.attempt, 0, "retries = 0: {r:?}");
        assert!(r.seq < 50, "{r:?}");
        assert!(
            matches!(r.outcome.as_str(), "reply" | "timeout"),
            "a complete run has no other outcome: {r:?}"
        );
    }

    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let mut lines = summary.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with(SUMMARY_REQUIRED),
        "summary.csv header {header:?}"
    );
    let columns: Vec<&str> = header.split(',').collect();
    let data: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(data.len(), 5, "{summary}");
    let scopes: Vec<&str> = data.iter().map(|r| r[0]).collect();
    assert_eq!(scopes, ["0", "1", "2", "3", "all"]);
    let col = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    for r in &data {
        assert_eq!(r.len(), columns.len(), "{r:?}");
    }
    let all = &data[4];
    assert_eq!(all[col("sent")], "200");
    let replies: u64 = all[col("replies")].parse().unwrap();
    let timeouts: u64 = all[col("timeouts")].parse().unwrap();
    assert_eq!(replies + timeouts, 200);
    assert_eq!(
        replies,
        rows.iter().filter(|r| r.outcome == "reply").count() as u64,
        "the summary counts the same records as the rows"
    );
    let per_client_sent: u64 = data[..4]
        .iter()
        .map(|r| r[col("sent")].parse::<u64>().unwrap())
        .sum();
    assert_eq!(per_client_sent, 200);

    let json = read_json(&out.join("summary.json"));
    assert_eq!(json["seed"], 42);
    assert_eq!(json["timeout_us"], 250_000);
    assert_eq!(json["losslab_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["scenario"]["name"], "lab9-udp-time");
    assert_eq!(json["scenario"]["clients"]["count"], 4);
    assert_eq!(json["status"], "complete");
    let json_all = json["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scope"] == "all")
        .expect("an `all` row in summary.json");
    assert_eq!(json_all["sent"], 200);
    assert_eq!(json_all["replies"], replies);
}

/// Test 10: Ctrl-C during a long run: exit 130, results written and marked interrupted.
#[test]
fn sigint_stops_a_long_run_and_keeps_its_results() {
    let tmp = tempfile::tempdir().unwrap();
    let text = ScenarioText {
        name: "long",
        clients: 1,
        requests: 100_000,
        pacing: "interval = \"1ms\"",
        p: Some(0.5),
        timeout: "1s",
        ..Default::default()
    }
    .render();
    let path = tmp.path().join("long.toml");
    std::fs::write(&path, text).unwrap();
    let out = tmp.path().join("out");
    let mut cmd = losslab(tmp.path());
    cmd.arg("run").arg(&path).arg("--out").arg(&out);
    let mut child = Proc::spawn(&mut cmd);

    let banner = child
        .next_line(Duration::from_secs(30))
        .expect("the run prints its banner");
    assert!(banner.starts_with("losslab run long:"), "{banner}");
    // A discard line proves a request went out and reached the server, so the interrupted run
    // has at least one packet to record.
    child.line_matching(Duration::from_secs(30), |l| {
        l.contains("server discarded request")
    });
    sigint(child.pid());
    let done = child.finish(DEADLINE);
    assert_eq!(done.code(), Some(130), "{done:?}");
    assert!(done.stdout.contains("interrupted"), "{}", done.stdout);

    let mut names = files_in(&out);
    names.sort();
    assert_eq!(
        names,
        [
            ".losslab-manifest",
            "logical.csv",
            "loss_periods.csv",
            "requests.csv",
            "summary.csv",
            "summary.json"
        ]
    );
    let json = read_json(&out.join("summary.json"));
    assert_eq!(json["status"], "interrupted", "{json:#}");
    assert_eq!(json["interrupted"], true);
    let rows = read_requests(&out.join("requests.csv"));
    assert!(!rows.is_empty(), "requests.csv has no rows");
    assert!(
        rows.len() < 100_000,
        "the run was stopped early, yet has {} rows",
        rows.len()
    );
    let json_all = json["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scope"] == "all")
        .expect("an `all` row");
    assert_eq!(json_all["sent"], rows.len() as u64);
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    for line in summary.lines().skip(1) {
        assert!(line.ends_with(",interrupted"), "{line}");
    }
}

/// `-qq`: nothing on the console, the same files written, exit 0 (for scripts that only want
/// the files and the exit code; the progress bar never shows when stderr is not a terminal).
#[test]
fn double_quiet_prints_nothing_and_still_writes_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let done = run(
        losslab(tmp.path()).args(["run", "-qq", "--out"]).arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(done.stdout, "");
    assert_eq!(done.stderr, "");
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 6, "{summary}");
}
