//! `losslab run-all`: references are produced by one command, and `--verify` holds a fresh run
//! to them — byte for byte in sim mode.

mod common;

use common::*;
use std::fs;
use std::path::Path;

fn copy_scenarios(to: &Path, names: &[&str]) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    fs::create_dir_all(to).unwrap();
    for n in names {
        fs::copy(from.join(n), to.join(n)).unwrap();
    }
}

#[test]
fn verify_passes_on_fresh_references_and_names_a_changed_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    copy_scenarios(
        &t.join("scenarios"),
        &["lab9-udp-time-sim.toml", "sim-link-queue.toml"],
    );
    // Under a Spanish locale: the references are English all the same (their reports must not
    // depend on who regenerated them), so the English `--verify` below finds the same bytes.
    let done = run(losslab(t).env("LANG", "es_ES.UTF-8").args(["run-all"]), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    for name in ["lab9-udp-time-sim", "sim-link-queue"] {
        for f in [
            "requests.csv",
            "summary.csv",
            "summary.json",
            "report/report.md",
        ] {
            assert!(t.join("results").join(name).join(f).is_file(), "{name}/{f}");
        }
        let md = fs::read_to_string(t.join("results").join(name).join("report/report.md")).unwrap();
        assert!(
            md.contains("\n## Summary\n") && !md.contains("## Resumen"),
            "{name}: {md}"
        );
    }

    let done = run(losslab(t).args(["run-all", "--verify"]), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout.contains("every scenario matches its reference"),
        "{}",
        done.stdout
    );

    // One changed RTT in a committed reference: verify fails and shows the line.
    let csv = t.join("results/lab9-udp-time-sim/requests.csv");
    let text = fs::read_to_string(&csv).unwrap();
    let line2 = text.lines().nth(1).unwrap().to_string();
    let mut cells: Vec<String> = line2.split(',').map(str::to_string).collect();
    cells[5] = "1".into();
    fs::write(&csv, text.replacen(&line2, &cells.join(","), 1)).unwrap();
    let out = t.join("fresh");
    let done = run(
        losslab(t).args(["run-all", "--verify", "--out"]).arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(1), "{done:?}");
    assert!(
        done.stdout
            .contains("results/lab9-udp-time-sim/requests.csv differs"),
        "{}",
        done.stdout
    );
    assert!(done.stdout.contains("line 2:"), "{}", done.stdout);
    assert!(
        done.stdout.contains("1 failed: lab9-udp-time-sim"),
        "{}",
        done.stdout
    );
}

#[test]
fn a_broken_scenario_stops_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    copy_scenarios(&t.join("scenarios"), &["lab9-udp-time-sim.toml"]);
    fs::write(t.join("scenarios/zz-bad.toml"), "name = \"x\"\nseed = -1\n").unwrap();
    let done = run(losslab(t).args(["run-all"]), b"");
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("zz-bad.toml"), "{}", done.stderr);
    assert!(
        !t.join("results").exists(),
        "nothing may run before every file loads"
    );
}

/// The committed references of the default scenario, live and simulated, drop the same packets:
/// the seed decides, not the clock.
#[test]
fn live_and_sim_references_drop_the_same_packets() {
    let dropped = |name: &str| -> Vec<String> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("results")
            .join(name)
            .join("requests.csv");
        let text = fs::read_to_string(&path).unwrap();
        let mut ids: Vec<String> = text
            .lines()
            .skip(1)
            .filter(|l| l.split(',').nth(6) == Some("dropped"))
            .map(|l| l.split(',').take(3).collect::<Vec<_>>().join("."))
            .collect();
        ids.sort();
        ids
    };
    let live = dropped("lab9-udp-time");
    assert_eq!(live.len(), 109);
    assert_eq!(live, dropped("lab9-udp-time-sim"));
}
