//! Sweeps end to end, through the binary: a 3 × 2 grid × 5 seeds in sim gives the right rows of
//! `sweep.csv`; a rerun skips every run; a sweep killed midway (SIGKILL) or interrupted
//! (SIGINT) and started again completes with the same bytes; `--list | parallel -j 2` and
//! `--shard I/3` (also through Slurm's array variables) followed by `merge` give the same
//! `sweep.csv` bytes as the local sweep; `merge` refuses runs of another sweep file.

mod common;

use common::{Proc, losslab, run};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LOSSES: [&str; 3] = [
    "bursty 10% burst 2",
    "bursty 10% burst 5",
    "bursty 10% burst 10",
];
const BACKOFFS: [&str; 2] = ["none", "exponential 50ms x2 max 1s"];

/// A base scenario (2 clients of `requests` each, with retries) and a 3 × 2 × 5 sweep of it.
fn sweep_files(dir: &Path, requests: u32) -> PathBuf {
    std::fs::write(
        dir.join("base.toml"),
        format!(
            "name = \"sweep-base\"\nseed = 1\nmode = \"sim\"\n\n[server]\nkind = \"udp-time\"\n\n\
             [impair]\nloss = \"random 10%\"\n\n[clients]\ncount = 2\nrequests = {requests}\n\
             interval = \"10ms\"\ntimeout = \"50ms\"\nretries = 2\n"
        ),
    )
    .unwrap();
    let quote = |v: &[&str]| {
        v.iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let path = dir.join("sweep.toml");
    std::fs::write(
        &path,
        format!(
            "scenario = \"base.toml\"\nseeds = \"1..5\"\n[grid]\n\"impair.loss\" = [{}]\n\
             \"clients.backoff\" = [{}]\n",
            quote(&LOSSES),
            quote(&BACKOFFS)
        ),
    )
    .unwrap();
    path
}

fn ok(cmd: &mut Command) -> String {
    let done = run(cmd, b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    done.stdout
}

fn sweep(dir: &Path, out: &str, extra: &[&str]) -> String {
    ok(losslab(dir)
        .args(["sweep", "sweep.toml", "--out", out])
        .args(extra))
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// The run folders under a sweep folder and the mtimes of their summary.json.
fn runs(out: &Path) -> BTreeMap<PathBuf, std::time::SystemTime> {
    let mut found = BTreeMap::new();
    for point in std::fs::read_dir(out).unwrap().flatten() {
        if !point.file_type().unwrap().is_dir()
            || point.file_name().to_string_lossy().starts_with('.')
        {
            continue;
        }
        for run in std::fs::read_dir(point.path()).unwrap().flatten() {
            // `.seed-N.losslab-staging`: a run being written, not a run.
            if run.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let json = run.path().join("summary.json");
            if let Ok(m) = std::fs::metadata(&json) {
                found.insert(run.path(), m.modified().unwrap());
            }
        }
    }
    found
}

#[test]
fn a_grid_sweep_has_the_right_rows_and_a_rerun_skips_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sweep_files(dir, 20);
    let said = sweep(dir, "out", &[]);
    assert!(said.contains("30 runs, 0 already complete"), "{said}");
    let (header, rows) = read_csv(&dir.join("out/sweep.csv"));
    assert_eq!(
        &header[..5],
        ["point", "clients.backoff", "impair.loss", "seed", "scope"]
    );
    // 6 points × 5 seeds × (2 clients + all).
    assert_eq!(rows.len(), 90);
    let combos: BTreeSet<(String, String, String)> = rows
        .iter()
        .map(|r| (r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    let mut want = BTreeSet::new();
    for b in BACKOFFS {
        for l in LOSSES {
            for s in 1..=5 {
                want.insert((b.to_string(), l.to_string(), s.to_string()));
            }
        }
    }
    assert_eq!(combos, want);
    // Each row is its run folder's summary.csv row, as the run wrote it.
    let points: BTreeSet<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(points.len(), 6);
    for r in &rows {
        let folder = dir.join("out").join(&r[0]).join(format!("seed-{}", r[3]));
        let (h, own) = read_csv(&folder.join("summary.csv"));
        assert_eq!(&header[4..], &h[..]);
        assert!(
            own.iter().any(|o| o[..] == r[4..]),
            "row {r:?} not in {folder:?}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(folder.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(json["seed"], r[3].parse::<u64>().unwrap());
        assert_eq!(json["sweep"]["point"], r[0].as_str());
        assert_eq!(json["sweep"]["parameters"]["impair.loss"], r[2].as_str());
        assert!(json["scenario"]["clients"]["backoff"].is_string());
    }
    // The parameters reach the runs: backoff changes when retries go out, so the RTT columns of
    // the two backoffs differ somewhere.
    let tts = header.iter().position(|h| h == "tts_p99_us").unwrap();
    let by_backoff = |b: &str| -> Vec<&str> {
        rows.iter()
            .filter(|r| r[1] == b)
            .map(|r| r[tts].as_str())
            .collect()
    };
    assert_ne!(by_backoff(BACKOFFS[0]), by_backoff(BACKOFFS[1]));
    // A rerun runs nothing and leaves every folder as it was.
    let before = runs(&dir.join("out"));
    assert_eq!(before.len(), 30);
    let csv_before = std::fs::read(dir.join("out/sweep.csv")).unwrap();
    let said = sweep(dir, "out", &[]);
    assert!(
        said.contains("30 runs, 30 already complete; 0 sim runs"),
        "{said}"
    );
    assert_eq!(runs(&dir.join("out")), before);
    assert_eq!(
        std::fs::read(dir.join("out/sweep.csv")).unwrap(),
        csv_before
    );
    // --list has nothing left to list.
    assert_eq!(sweep(dir, "out", &["--list"]), "");

    // The sweep's report: each metric against each swept parameter, same bytes every time.
    let said = ok(losslab(dir).args(["report", "out"]));
    assert!(said.contains("out/report/report.md"), "{said}");
    let md = std::fs::read_to_string(dir.join("out/report/report.md")).unwrap();
    for fig in [
        "loss-ratio-vs-impair-loss.svg",
        "loss-ratio-vs-clients-backoff.svg",
        "success-ratio-vs-impair-loss.svg",
    ] {
        assert!(md.contains(&format!("]({fig})")), "{fig} not in report.md");
        let svg = std::fs::read_to_string(dir.join("out/report").join(fig)).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("polygon"),
            "{fig} has no band"
        );
    }
    // The loss table against impair.loss: one row per backoff, one cell per loss, 5 seeds each,
    // the losses in natural order (burst 2, 5, 10).
    let table = md
        .split("![packet loss against impair.loss]")
        .nth(1)
        .unwrap();
    let header = table
        .lines()
        .find(|l| l.starts_with("| clients.backoff"))
        .unwrap();
    let order: Vec<usize> = LOSSES.iter().map(|l| header.find(l).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{header}");
    for b in BACKOFFS {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("| {b} |")))
            .unwrap();
        assert_eq!(line.matches("(n=5)").count(), 3, "{line}");
    }
    let first: BTreeMap<String, Vec<u8>> = std::fs::read_dir(dir.join("out/report"))
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    ok(losslab(dir).args(["report", "out"]));
    let again: BTreeMap<String, Vec<u8>> = std::fs::read_dir(dir.join("out/report"))
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    assert_eq!(first, again);
}

/// Starts a one-thread sweep into `out`, waits until at least one run (and not all 30) is on
/// disk, then sends `signal`; returns how many runs were complete before the signal.
fn stop_midway(dir: &Path, out: &str, signal: &str) -> (usize, common::Finished) {
    let mut p = Proc::spawn(losslab(dir).args(["sweep", "sweep.toml", "--out", out, "-j", "1"]));
    let end = Instant::now() + Duration::from_secs(60);
    let seen = loop {
        let n = if dir.join(out).exists() {
            runs(&dir.join(out)).len()
        } else {
            0
        };
        if n >= 1 {
            break n;
        }
        assert!(Instant::now() < end, "no run finished within 60 s");
        std::thread::sleep(Duration::from_millis(2));
    };
    let status = Command::new("kill")
        .args([signal, &p.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    (seen, p.finish(Duration::from_secs(60)))
}

#[test]
fn a_sweep_killed_or_interrupted_midway_completes_on_rerun_with_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Runs long enough (about 2000 requests each) that 30 of them take a while on one thread.
    sweep_files(dir, 1000);
    sweep(dir, "whole", &[]);
    let whole = std::fs::read(dir.join("whole/sweep.csv")).unwrap();

    let (seen, done) = stop_midway(dir, "killed", "-KILL");
    assert_eq!(done.code(), None, "killed by a signal: {done:?}");
    let kept = runs(&dir.join("killed")).len();
    assert!(
        kept >= seen && kept < 30,
        "{kept} runs on disk after the kill"
    );
    assert!(!dir.join("killed/sweep.csv").exists());
    let said = sweep(dir, "killed", &[]);
    assert!(said.contains(&format!("{kept} already complete")), "{said}");
    assert_eq!(std::fs::read(dir.join("killed/sweep.csv")).unwrap(), whole);
    // Nothing of the killed run's staging is left.
    for point in std::fs::read_dir(dir.join("killed")).unwrap().flatten() {
        if point.file_type().unwrap().is_dir() {
            for e in std::fs::read_dir(point.path()).unwrap().flatten() {
                assert!(
                    !e.file_name().to_string_lossy().contains("staging"),
                    "{e:?}"
                );
            }
        }
    }

    let (_, done) = stop_midway(dir, "interrupted", "-INT");
    assert_eq!(done.code(), Some(130), "{done:?}");
    assert!(done.stdout.contains("sweep interrupted"), "{done:?}");
    let said = sweep(dir, "interrupted", &[]);
    assert!(!said.contains(" 0 already complete"), "{said}");
    assert_eq!(
        std::fs::read(dir.join("interrupted/sweep.csv")).unwrap(),
        whole
    );
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// PATH with the binary under test first, so that the listed `losslab run …` commands run it.
fn path_with_bin() -> String {
    let bin = Path::new(common::BIN).parent().unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn parallel_lists_and_shards_merge_to_the_local_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    sweep_files(dir, 20);
    sweep(dir, "local", &[]);
    let local = std::fs::read(dir.join("local/sweep.csv")).unwrap();

    // Shards, the first two by flag, the last through Slurm's array variables.
    for i in 1..=2 {
        let said = sweep(dir, "sharded", &["--shard", &format!("{i}/3")]);
        assert!(said.contains(&format!("shard {i}/3: 10 runs")), "{said}");
    }
    assert!(!dir.join("sharded/sweep.csv").exists());
    ok(losslab(dir)
        .args(["sweep", "sweep.toml", "--out", "sharded"])
        .env("SLURM_ARRAY_TASK_ID", "3")
        .env("SLURM_ARRAY_TASK_COUNT", "3"));
    assert_eq!(runs(&dir.join("sharded")).len(), 30);
    ok(losslab(dir).args(["merge", "sharded"]));
    assert_eq!(std::fs::read(dir.join("sharded/sweep.csv")).unwrap(), local);

    // Shards copied back from "hosts" into separate folders merge the same.
    ok(losslab(dir).args(["sweep", "sweep.toml", "--out", "h1", "--shard", "1/2"]));
    ok(losslab(dir).args(["sweep", "sweep.toml", "--out", "h2", "--shard", "2/2"]));
    ok(losslab(dir).args(["merge", "h1", "h2", "--out", "merged"]));
    assert_eq!(std::fs::read(dir.join("merged/sweep.csv")).unwrap(), local);

    // --list: one self-contained command per run, run by GNU parallel.
    let list = sweep(dir, "par", &["--list"]);
    assert_eq!(list.lines().count(), 30);
    assert!(
        list.lines()
            .all(|l| l.starts_with("losslab run base.toml --set "))
    );
    if have("parallel") {
        let done = run(
            Command::new("parallel")
                .args(["--will-cite", "--halt", "now,fail=1", "-j", "2"])
                .current_dir(dir)
                .env("PATH", path_with_bin()),
            list.as_bytes(),
        );
        assert_eq!(done.code(), Some(0), "{done:?}");
        ok(losslab(dir).args(["merge", "par"]));
        assert_eq!(std::fs::read(dir.join("par/sweep.csv")).unwrap(), local);
    } else {
        eprintln!(
            "SKIPPED the GNU parallel part: `parallel` is not installed (.ci/run installs it)"
        );
    }

    // Runs of another sweep file (another grid) are refused.
    std::fs::write(
        dir.join("other.toml"),
        "scenario = \"base.toml\"\nseeds = [1]\n[grid]\n\"clients.retries\" = [0, 1]\n",
    )
    .unwrap();
    ok(losslab(dir).args(["sweep", "other.toml", "--out", "other"]));
    let done = run(
        losslab(dir).args(["merge", "local", "other", "--out", "mixed"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("different sweep files"), "{done:?}");
    assert!(!dir.join("mixed/sweep.csv").exists());
    // And a sweep does not write into another sweep's folder.
    let before = runs(&dir.join("local"));
    let done = run(
        losslab(dir).args(["sweep", "other.toml", "--out", "local"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("holds runs of sweep"), "{done:?}");
    assert_eq!(runs(&dir.join("local")), before);
}
