//! TCP in sim mode end to end: `losslab run FILE --sim` runs the tcp-echo and http scenarios
//! over smoltcp's TCP/IP stack under virtual time, writes the same files as a live run, and the
//! same scenario and seed give byte-identical folders.
//!
//! Columns are looked up by their header name, never by position. Simulated runs take
//! milliseconds of wall time; every child process has the shared deadline.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::Path;

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
