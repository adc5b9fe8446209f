//! The impairment scenarios end to end: the server's ground truth per packet (action, delay,
//! model state) agrees with what the clients measured, and the by-hand commands take netem
//! specs.

mod common;

use common::*;
use losslab::cmd::run::RunReport;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

fn run_file(file: &str, out: &Path) -> (RunReport, Vec<Vec<String>>) {
    let report = run_scenario_file(file, out);
    let text = std::fs::read_to_string(out.join("requests.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(REQUEST_HEADER));
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (report, rows)
}

// Column positions in requests.csv.
const OUTCOME: usize = 4;
const ACTION: usize = 6;
const LATE: usize = 7;
const DELAY: usize = 10;
const STATE: usize = 11;

#[test]
fn bursty_gilbert_rows_carry_the_chain_state() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, rows) = run_file("bursty-gilbert.toml", tmp.path());
    assert_eq!(report.mismatches, 0);
    let mut by_state: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for r in &rows {
        let e = by_state.entry(r[STATE].as_str()).or_default();
        e.0 += 1;
        if r[ACTION] == "dropped" {
            e.1 += 1;
            assert_eq!(r[OUTCOME], "timeout", "{r:?}");
        }
    }
    // Simple Gilbert (1-h = 1, 1-k = 0): every packet in the bad state is lost, none in good.
    let (good, good_lost) = by_state["good"];
    let (bad, bad_lost) = by_state["bad"];
    assert_eq!(good_lost, 0, "{by_state:?}");
    assert_eq!(bad_lost, bad, "{by_state:?}");
    assert!(good > 0 && bad > 0);
}

#[test]
fn delay_past_the_timeout_is_a_late_reply_not_a_mystery() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, rows) = run_file("delay-jitter.toml", tmp.path());
    assert_eq!(report.mismatches, 0);
    let timeout_us = 35_000;
    let mut late = 0;
    for r in &rows {
        assert_ne!(r[ACTION], "dropped", "delay-jitter drops nothing: {r:?}");
        let delay: u64 = r[DELAY].parse().unwrap();
        if r[OUTCOME] == "reply" {
            // A reply in time was held for less than the timeout.
            assert!(delay < timeout_us, "{r:?}");
        } else if delay >= timeout_us + 1_000 {
            // Held clearly past Tmax: a timeout, and (within the late window) a late reply.
            assert_eq!(r[OUTCOME], "timeout", "{r:?}");
            assert!(!r[LATE].is_empty(), "{r:?}");
            late += 1;
        }
    }
    assert!(late > 0, "some delays exceed the timeout");
    assert!(report.all().late > 0);
}

#[test]
fn duplicates_and_reordering_lose_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, rows) = run_file("reorder-duplicate.toml", tmp.path());
    let all = report.all();
    assert_eq!(all.timeouts, 0, "{all:?}");
    let duplicated = rows.iter().filter(|r| r[ACTION] == "duplicated").count() as u64;
    assert!(duplicated > 0);
    assert_eq!(all.duplicates, duplicated, "each duplicate counted once");
    let reordered = rows.iter().filter(|r| r[ACTION] == "reordered");
    for r in reordered {
        assert_eq!(r[DELAY], "0", "a reordered reply skips the delay: {r:?}");
    }
}

#[test]
fn serve_time_holds_replies_for_the_delay() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_server(
        tmp.path(),
        &["--loss", "0", "--delay", "300ms", "--max-requests", "1"],
    );
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let sent = Instant::now();
    socket.send_to(b"hola", server.addr).unwrap();
    let mut buf = [0u8; 512];
    let n = socket.recv(&mut buf).expect("the delayed reply arrives");
    // A lower bound only: a busy machine can make it later, never earlier.
    assert!(sent.elapsed() >= Duration::from_millis(300));
    assert!(String::from_utf8_lossy(&buf[..n]).ends_with(" UTC\n"));
    let done = server.proc.finish(Duration::from_secs(10));
    assert!(done.stdout.contains("delayed"), "{}", done.stdout);
}

#[test]
fn bad_specs_name_the_flag_and_the_number() {
    let tmp = tempfile::tempdir().unwrap();
    let done = run(
        losslab(tmp.path()).args([
            "serve",
            "time",
            "--bind",
            "127.0.0.1:0",
            "--loss",
            "gemodel 1% 130%",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("--loss"), "{}", done.stderr);
    assert!(done.stderr.contains("130%"), "{}", done.stderr);
    let done = run(
        losslab(tmp.path()).args(["serve", "time", "--bind", "127.0.0.1:0", "--reorder", "10%"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("delay"), "{}", done.stderr);
}

#[test]
fn model_explain_gives_the_closed_forms_and_the_tc_line() {
    let tmp = tempfile::tempdir().unwrap();
    let done = run(
        losslab(tmp.path()).args(["model", "explain", "gemodel 1% 30%"]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    // π = p/(p+r) = 0.01/0.31 = 3.2258%; mean burst 1/r = 3.333 packets.
    assert!(done.stdout.contains("3.2258%"), "{}", done.stdout);
    assert!(done.stdout.contains("3.333 packets"), "{}", done.stdout);
    assert!(
        done.stdout.contains("netem loss gemodel 1% 30%"),
        "{}",
        done.stdout
    );
}
