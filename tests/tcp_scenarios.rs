//! The TCP scenarios shipped in scenarios/ run as processes and write the same files, with the
//! same columns, as the UDP ones; an http scenario aimed at a closed port records refusals.

mod common;

use common::*;
use std::path::{Path, PathBuf};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// `losslab run SCENARIO --out OUT -q`, which must exit 0.
fn run_scenario(cwd: &Path, path: &Path, out: &Path) -> Finished {
    let done = run(
        losslab(cwd)
            .arg("run")
            .arg(path)
            .arg("--out")
            .arg(out)
            .arg("-q"),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{}: {done:?}", path.display());
    done
}

/// The first line of a file.
fn header(path: &Path) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines().next().unwrap_or_default().to_string()
}

/// `requests.csv` as maps from column name to cell.
fn raw_rows(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let columns: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), columns.len(), "{l:?}");
            columns
                .iter()
                .zip(cells)
                .map(|(c, v)| (c.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// The summary.csv header of a small lossless UDP run: what every scenario kind must write.
fn udp_summary_header(cwd: &Path) -> String {
    let text = ScenarioText {
        name: "udp-reference",
        p: Some(0.0),
        requests: 2,
        ..Default::default()
    }
    .render();
    let path = cwd.join("udp.toml");
    std::fs::write(&path, text).unwrap();
    let out = cwd.join("udp-out");
    run_scenario(cwd, &path, &out);
    assert_eq!(header(&out.join("requests.csv")), REQUEST_HEADER);
    header(&out.join("summary.csv"))
}

/// Checks the files of a TCP run whose every request must have been answered; returns the rows.
fn check_all_replied(
    out: &Path,
    summary_header: &str,
    clients: u32,
    requests: u32,
) -> Vec<std::collections::BTreeMap<String, String>> {
    let rows = read_requests(&out.join("requests.csv")); // checks the header and the shape
    assert_eq!(rows.len() as u32, clients * requests);
    assert_eq!(header(&out.join("summary.csv")), summary_header);
    let raw = raw_rows(&out.join("requests.csv"));
    for r in &raw {
        assert_eq!(r["outcome"], "reply", "{r:?}");
        let rtt: u64 = r["rtt_us"].parse().unwrap_or_else(|_| panic!("{r:?}"));
        let connect: u64 = r["connect_us"].parse().unwrap_or_else(|_| panic!("{r:?}"));
        // The handshake is part of the round trip it opened.
        assert!(connect <= rtt, "{r:?}");
    }
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let all = summary
        .lines()
        .find(|l| l.starts_with("all,"))
        .unwrap_or_else(|| panic!("no `all` row:\n{summary}"));
    assert!(
        all.starts_with(&format!("all,{0},{0},0,", clients * requests)),
        "{all}"
    );
    raw
}

#[test]
fn tcp_echo_scenario_writes_udp_shaped_results() {
    let tmp = tempfile::tempdir().unwrap();
    let summary_header = udp_summary_header(tmp.path());
    let out = tmp.path().join("tcp-echo");
    run_scenario(tmp.path(), &scenario("tcp-echo.toml"), &out);
    check_all_replied(&out, &summary_header, 4, 50);
}

#[test]
fn http_head_scenario_reuses_connections() {
    let tmp = tempfile::tempdir().unwrap();
    let summary_header = udp_summary_header(tmp.path());
    let out = tmp.path().join("http-head");
    run_scenario(tmp.path(), &scenario("http-head.toml"), &out);
    let raw = check_all_replied(&out, &summary_header, 2, 100);
    let later: Vec<_> = raw.iter().filter(|r| r["seq"] != "0").collect();
    let reused = later.iter().filter(|r| r["connect_us"] == "0").count();
    assert!(
        reused * 10 >= later.len() * 9,
        "only {reused} of {} later requests reused a connection",
        later.len()
    );
}

#[test]
fn http_scenario_against_a_closed_port_records_connect_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let port = unused_tcp_port();
    let text = format!(
        "name = \"http-refused\"\nseed = 1\n\n[server]\nkind = \"http\"\n\n\
         [clients]\ncount = 2\nrequests = 3\nconcurrency = 1\ntimeout = \"5s\"\n\
         url = \"http://127.0.0.1:{port}/\"\n"
    );
    let path = tmp.path().join("refused.toml");
    std::fs::write(&path, text).unwrap();
    let out = tmp.path().join("refused");
    run_scenario(tmp.path(), &path, &out);
    let rows = read_requests(&out.join("requests.csv"));
    assert_eq!(rows.len(), 6, "{rows:?}");
    for r in &rows {
        assert_eq!(
            r.outcome, "connect_error",
            "a refusal is not a timeout: {r:?}"
        );
    }
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    let columns: Vec<&str> = summary.lines().next().unwrap().split(',').collect();
    let all: Vec<&str> = summary
        .lines()
        .find(|l| l.starts_with("all,"))
        .unwrap()
        .split(',')
        .collect();
    let col = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    assert_eq!(all[col("sent")], "6", "{summary}");
    assert_eq!(all[col("replies")], "0", "{summary}");
    assert_eq!(all[col("timeouts")], "0", "{summary}");
    assert_eq!(all[col("errors")], "6", "{summary}");
}
