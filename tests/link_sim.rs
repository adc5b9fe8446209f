//! The `[link]` as a layer, in the simulator: udp-time requests on a lossy link are lost at the
//! link's rate, `link.csv` (the link's ground truth) and `requests.csv` agree on which, and the
//! same scenario and seed give the same bytes.
//!
//! Files are read with the `csv` crate by header name. Every run is simulated: milliseconds of
//! wall time, no sockets.

use losslab::cmd::run::{RunOptions, RunReport, run_experiment};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::AtomicBool;

const UDP_ON_LINK: &str = r#"
name = "udp-on-link"
seed = 3
mode = "sim"

[server]
kind = "udp-time"

[link]
loss = "random 10%"
delay = "5ms"

[clients]
count = 4
requests = 1000
interval = "10ms"
timeout = "250ms"
"#;

fn run(text: &str, out: &Path) -> RunReport {
    let sc = losslab::scenario::parse(text, "t.toml").unwrap_or_else(|e| panic!("{e}"));
    let opts = RunOptions {
        scenario: sc,
        source: "t.toml".into(),
        out_dir: out.to_path_buf(),
        show_discards: false,
    };
    run_experiment(&opts, &AtomicBool::new(false), &mut Vec::new()).unwrap()
}

/// The rows of a CSV file as maps from header name to value.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    r.deserialize()
        .map(|row| row.unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .collect()
}

/// z = 3.29: a 99.9% two-sided Wilson interval for `k` successes in `n`.
fn wilson999(k: u64, n: u64) -> (f64, f64) {
    let z = 3.2905f64;
    let (n, p) = (n as f64, k as f64 / n as f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}

#[test]
fn udp_time_loses_at_the_links_rate_and_link_csv_agrees_with_requests_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    let report = run(UDP_ON_LINK, &out);
    let counts = report.link.expect("a run with a [link] reports its counts");

    // Each direction drops about 10% of what it carried.
    for (what, d) in [("requests", counts.request), ("replies", counts.reply)] {
        let (lo, hi) = wilson999(d.dropped, d.packets);
        assert!(
            (lo..=hi).contains(&0.10),
            "{what}: {} of {} dropped, 99.9% CI {lo:.4}-{hi:.4}",
            d.dropped,
            d.packets
        );
    }
    // A round trip survives both: 1 - 0.9² = 19% of requests are lost.
    let all = report.all();
    let (lo, hi) = wilson999(all.timeouts, all.sent);
    assert!(
        (lo..=hi).contains(&0.19),
        "loss {} of {}",
        all.timeouts,
        all.sent
    );

    // link.csv names the dropped packets; requests.csv's timeouts are exactly the requests
    // whose request or reply the link dropped (no other impairment here), and link_drops
    // counts them.
    let link = rows(&out.join("link.csv"));
    assert_eq!(
        link.len() as u64,
        counts.request.packets + counts.reply.packets
    );
    let mut dropped: BTreeMap<(String, String), u32> = BTreeMap::new();
    for r in &link {
        assert_eq!(r["protocol"], "udp-time");
        if r["fate"] == "dropped" {
            assert_eq!(r["rule"], "random 10%");
            assert!(r["delay_us"].is_empty());
            let seq = r["key"]
                .strip_prefix("seq=")
                .and_then(|k| k.strip_suffix(" attempt=0"))
                .unwrap_or_else(|| panic!("key {}", r["key"]))
                .to_string();
            *dropped.entry((r["client"].clone(), seq)).or_default() += 1;
        } else {
            assert_eq!(
                (r["fate"].as_str(), r["delay_us"].as_str()),
                ("delivered", "5000")
            );
        }
    }
    let requests = rows(&out.join("requests.csv"));
    assert_eq!(requests.len(), 4000);
    let mut lost = BTreeSet::new();
    for r in &requests {
        let key = (r["client"].clone(), r["seq"].clone());
        let drops: u32 = r["link_drops"].parse().unwrap();
        assert_eq!(drops, dropped.get(&key).copied().unwrap_or(0), "{key:?}");
        assert_eq!(r["outcome"] == "timeout", drops > 0, "{key:?}");
        if drops > 0 {
            lost.insert(key);
        }
    }
    assert_eq!(lost.len() as u64, all.timeouts);
    assert_eq!(
        report.mismatches, 0,
        "link drops explain every unanswered request"
    );

    let summary = rows(&out.join("summary.csv"));
    let all_row = summary.iter().find(|r| r["scope"] == "all").unwrap();
    assert_eq!(
        all_row["link_request_dropped"],
        counts.request.dropped.to_string()
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        json["link_counts"]["reply"]["dropped"],
        counts.reply.dropped
    );
    assert!((json["expected_loss"].as_f64().unwrap() - 0.19).abs() < 1e-9);

    // Same scenario, same seed: the same bytes in every file.
    let again = dir.path().join("b");
    run(UDP_ON_LINK, &again);
    for f in ["link.csv", "requests.csv", "summary.csv", "summary.json"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
}

/// The link's loss and the server's own discards are two layers with their own draws: a
/// request is lost when either loses it, and the server's `server_action` still says what the
/// server itself did.
#[test]
fn link_and_server_losses_are_separate_layers() {
    let text = UDP_ON_LINK.replace(
        "[link]",
        "[impair]\nloss = \"random 20%\"\n\n[link]\ndirection = \"request\"",
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    let report = run(&text, &out);
    let counts = report.link.unwrap();
    assert_eq!(
        counts.reply.dropped, 0,
        "direction = request spares replies"
    );
    let requests = rows(&out.join("requests.csv"));
    let (mut unseen, mut discarded) = (0u64, 0u64);
    for r in &requests {
        match (r["server_action"].as_str(), r["link_drops"].as_str()) {
            ("unseen", "1") => unseen += 1,
            ("dropped", "0") => discarded += 1,
            ("answered", "0") => assert_eq!(r["outcome"], "reply"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(unseen, counts.request.dropped);
    assert_eq!(discarded, report.server.dropped);
    // 1 - 0.9 · 0.8 = 28% of round trips lost.
    let all = report.all();
    let (lo, hi) = wilson999(all.timeouts, all.sent);
    assert!(
        (lo..=hi).contains(&0.28),
        "{} of {}",
        all.timeouts,
        all.sent
    );
}

/// A `[link]` that only delays and queues keeps the arrivals the simulator always gave
/// (the committed reference of sim-link-queue checks every byte; here: no packet is lost and
/// link.csv has a row for every datagram).
#[test]
fn a_lossless_link_records_every_packet_and_loses_none() {
    let text = UDP_ON_LINK.replace("loss = \"random 10%\"\n", "bandwidth = \"1mbit\"\n");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a");
    let report = run(&text, &out);
    let c = report.link.unwrap();
    assert_eq!((c.request.dropped, c.reply.dropped), (0, 0));
    assert_eq!(c.request.packets, 4000);
    assert_eq!(c.reply.packets, 4000);
    assert_eq!(rows(&out.join("link.csv")).len(), 8000);
    assert_eq!(report.all().timeouts, 0);
}
