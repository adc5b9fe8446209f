//! Regressions of issue 12: a results folder never loses or deletes what a user has, and every
//! reader reads it through the typed schema. Each test is one defect the issue lists, seen on
//! the main branch before the fix.
//!
//! Runs are small (sim runs of 200 requests; live runs on 127.0.0.1 of a few seconds at most,
//! stopped by a signal), every child is bounded by the shared deadline, and everything is
//! written inside a temporary folder.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A live udp-time scenario that would run for about 10 s (one request every 2 ms per client):
/// the tests stop it with a signal long before.
fn long_live(dir: &Path, name: &str, seed: u64) -> PathBuf {
    let text = ScenarioText {
        name,
        seed,
        clients: 2,
        requests: 5000,
        pacing: "interval = \"2ms\"",
        timeout: "100ms",
        ..ScenarioText::default()
    }
    .render();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Every entry of `dir` (names only), sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The folder reads whole through the schema (the report's reader compares requests.csv's
/// rows with summary.csv's `sent`, so a cut-off or mixed folder fails) and says `status`.
fn complete_with_status(dir: &Path, status: &str) {
    let folder = losslab::report::folder::Folder::read(dir).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(
        folder.meta.status.as_deref(),
        Some(status),
        "{}",
        dir.display()
    );
    let csv = losslab::check::results::SummaryCsv::load(&dir.join("summary.csv")).unwrap();
    assert_eq!(csv.row("all").unwrap().text("status").unwrap(), status);
    for name in entries(dir) {
        assert!(!name.ends_with(".tmp"), "{name} left in {}", dir.display());
    }
    let parent = dir.parent().unwrap();
    assert!(
        !entries(parent)
            .iter()
            .any(|n| n.contains("losslab-staging")),
        "a staging folder is left in {}",
        parent.display()
    );
}

/// `timeout 1.5 losslab run big.toml --out o`: GNU timeout sends SIGTERM to losslab and then
/// to its whole process group, so losslab gets two. Before, the second one ended it at once:
/// 9 runs of 10 left only `*.tmp` files. Now both signals mean "stop and keep what was
/// measured": the files are complete and marked interrupted, and losslab exits 130.
#[test]
fn gnu_timeout_sigterm_twice_keeps_complete_interrupted_results() {
    require_program("timeout", "coreutils");
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sc = long_live(t, "big", 1);
    for round in 0..2 {
        let out = t.join(format!("o{round}"));
        let done = run(
            Command::new("timeout")
                .args(["--preserve-status", "-s", "TERM", "1"])
                .arg(BIN)
                .arg("run")
                .arg(&sc)
                .args(["-qq", "--out"])
                .arg(&out)
                .current_dir(t),
            b"",
        );
        assert_eq!(done.code(), Some(130), "round {round}: {done:?}");
        complete_with_status(&out, "interrupted");
    }
}

/// Two Ctrl-C in a row (the second pressed because the first seemed slow) still let the run
/// write its files.
#[test]
fn two_ctrl_c_still_write_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let sc = long_live(t, "twice", 2);
    let out = t.join("o");
    let mut child = Proc::spawn(losslab(t).arg("run").arg(&sc).arg("--out").arg(&out));
    child.line_matching(Duration::from_secs(30), |l| {
        l.contains("server discarded request")
    });
    sigint(child.pid());
    sigint(child.pid());
    let done = child.finish(DEADLINE);
    assert_eq!(done.code(), Some(130), "{done:?}");
    complete_with_status(&out, "interrupted");
}

/// A third signal abandons the run at once: then no file of the folder is replaced by a
/// partial one (the earlier run's files are still whole, or the new run had finished writing).
#[test]
fn a_third_signal_never_leaves_a_partial_file() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    sim_scenario(t);
    let out = t.join("o");
    run_ok(
        t,
        &[
            "lab9-udp-time-sim.toml",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let sc = long_live(t, "thrice", 3);
    let mut child = Proc::spawn(losslab(t).arg("run").arg(&sc).arg("--out").arg(&out));
    child.line_matching(Duration::from_secs(30), |l| {
        l.contains("server discarded request")
    });
    for _ in 0..3 {
        sigint(child.pid());
    }
    let done = child.finish(DEADLINE);
    assert_eq!(done.code(), Some(130), "{done:?}");
    // Either the sim run's folder as it was, or the live run's complete one.
    let folder = losslab::report::folder::Folder::read(&out).unwrap_or_else(|e| panic!("{e:#}"));
    match folder.meta.status.as_deref() {
        Some("complete") => assert_eq!(folder.meta.mode.as_deref(), Some("sim")),
        Some("interrupted") => assert_eq!(folder.meta.mode.as_deref(), Some("live")),
        other => panic!("status {other:?}"),
    }
    for name in entries(&out) {
        assert!(!name.ends_with(".tmp"), "{name}");
    }
    // A staging folder a killed run left is cleared by the next run.
    run_ok(
        t,
        &[
            "lab9-udp-time-sim.toml",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    complete_with_status(&out, "complete");
}

/// Two `losslab run` into one folder at once: before, the second failed half-way and the folder
/// held requests.csv of one seed beside summary.csv of the other. Now the second is refused
/// (exit 2, naming the folder) while the first writes, and the folder holds one run whole.
#[test]
fn two_concurrent_runs_into_one_folder_never_mix() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let out = t.join("conc");
    let a = long_live(t, "a", 11);
    let b = long_live(t, "b", 22);
    let mut first = Proc::spawn(losslab(t).arg("run").arg(&a).arg("--out").arg(&out));
    first.line_matching(Duration::from_secs(30), |l| {
        l.contains("server discarded request")
    });
    let second = run(
        losslab(t)
            .arg("run")
            .arg(&b)
            .args(["-q", "--out"])
            .arg(&out),
        b"",
    );
    assert_eq!(second.code(), Some(2), "{second:?}");
    assert!(
        second.stderr.contains("another losslab is writing into")
            && second.stderr.contains(out.to_str().unwrap()),
        "{}",
        second.stderr
    );
    sigint(first.pid());
    let done = first.finish(DEADLINE);
    assert_eq!(done.code(), Some(130), "{done:?}");
    complete_with_status(&out, "interrupted");
    let json = losslab::results::read::summary_json_value(&out.join("summary.json")).unwrap();
    assert_eq!(json["seed"], 11);
}

/// A rerun redraws the report that was there, keeps a user's figure in `report/`, and never
/// follows a `report` symlink to delete in its target.
#[test]
fn a_rerun_keeps_user_files_in_report_and_never_follows_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    sim_scenario(t);
    run_ok(
        t,
        &["lab9-udp-time-sim.toml", "-q", "--out", "r", "--report"],
    );
    let mine = t.join("r/report/my-figure.svg");
    std::fs::write(&mine, "<svg>mine</svg>").unwrap();
    let before = std::fs::read_to_string(t.join("r/report/report.md")).unwrap();
    let done = run_ok(t, &["lab9-udp-time-sim.toml", "--seed", "9", "--out", "r"]);
    assert!(
        done.stdout.contains("redrawn for this run"),
        "{}",
        done.stdout
    );
    assert_eq!(std::fs::read(&mine).unwrap(), b"<svg>mine</svg>");
    let after = std::fs::read_to_string(t.join("r/report/report.md")).unwrap();
    assert_ne!(before, after, "the report describes the new seed");
    assert!(after.contains("--seed 9"), "{after}");

    // `report` as a link to a folder of the user's: left alone, with a line saying so.
    let kept = t.join("kept");
    std::fs::create_dir(&kept).unwrap();
    for f in ["report.md", "rtt-cdf.svg", "notes.txt"] {
        std::fs::write(kept.join(f), f).unwrap();
    }
    std::fs::remove_dir_all(t.join("r/report")).unwrap();
    std::os::unix::fs::symlink(&kept, t.join("r/report")).unwrap();
    let done = run_ok(t, &["lab9-udp-time-sim.toml", "--seed", "10", "--out", "r"]);
    assert!(done.stdout.contains("is a link"), "{}", done.stdout);
    assert!(
        std::fs::symlink_metadata(t.join("r/report"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    for f in ["report.md", "rtt-cdf.svg", "notes.txt"] {
        assert_eq!(std::fs::read_to_string(kept.join(f)).unwrap(), f);
    }
}

/// The README's first command, in a fresh checkout, deleted the committed
/// `results/lab9-udp-time/report/`. Now a rerun into a copy of the committed folder (no
/// manifest: written before them) keeps every committed file, with the data and the report
/// regenerated.
#[test]
fn the_readme_command_deletes_no_committed_file() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let copy = t.join("results/lab9-udp-time");
    let src = committed_results("lab9-udp-time");
    let mut committed = Vec::new();
    for rel in ["", "report"] {
        std::fs::create_dir_all(copy.join(rel)).unwrap();
        for e in std::fs::read_dir(src.join(rel)).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_file() {
                std::fs::copy(e.path(), copy.join(rel).join(e.file_name())).unwrap();
                committed.push(Path::new(rel).join(e.file_name()));
            }
        }
    }
    assert!(committed.iter().any(|p| p.starts_with("report")));
    let done = run(losslab(t).args(["run", "-q"]), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    for rel in &committed {
        assert!(copy.join(rel).is_file(), "{} was deleted", rel.display());
    }
    complete_with_status(&copy, "complete");
}

/// `losslab report DIR --out pics` deleted the SVG files already in `pics/`. Now a user's file
/// there stays, and one under a name the report writes is not replaced: exit 2 naming it.
#[test]
fn report_out_keeps_the_users_svgs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = copy_results("lab9-udp-time-sim", t);
    let pics = t.join("pics");
    std::fs::create_dir(&pics).unwrap();
    std::fs::write(pics.join("holiday.svg"), "<svg/>").unwrap();
    let done = run(
        losslab(t).arg("report").arg(&dir).arg("--out").arg(&pics),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(std::fs::read(pics.join("holiday.svg")).unwrap(), b"<svg/>");
    assert!(pics.join("report.md").is_file());
    // Again: its own files are replaced, the user's still kept.
    let done = run(
        losslab(t).arg("report").arg(&dir).arg("--out").arg(&pics),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(std::fs::read(pics.join("holiday.svg")).unwrap(), b"<svg/>");

    let other = t.join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("rtt-cdf.svg"), "<svg>my cdf</svg>").unwrap();
    let done = run(
        losslab(t).arg("report").arg(&dir).arg("--out").arg(&other),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("rtt-cdf.svg is not losslab's"),
        "{}",
        done.stderr
    );
    assert_eq!(entries(&other), ["rtt-cdf.svg"]);
    assert_eq!(
        std::fs::read(other.join("rtt-cdf.svg")).unwrap(),
        b"<svg>my cdf</svg>"
    );
}

/// A scenario with `requests_csv = false` deleted an unrelated `requests.csv` and
/// `logical.csv` in its folder. Now only files losslab wrote there go.
#[test]
fn a_summary_only_run_deletes_no_unrelated_file() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    sim_scenario(t);
    let r = t.join("r");
    std::fs::create_dir(&r).unwrap();
    std::fs::write(r.join("requests.csv"), "my,own\n1,2\n").unwrap();
    std::fs::write(r.join("logical.csv"), "mine\n").unwrap();
    run_ok(
        t,
        &[
            "lab9-udp-time-sim.toml",
            "-q",
            "--no-requests-csv",
            "--out",
            "r",
        ],
    );
    assert_eq!(
        std::fs::read(r.join("requests.csv")).unwrap(),
        b"my,own\n1,2\n"
    );
    assert_eq!(std::fs::read(r.join("logical.csv")).unwrap(), b"mine\n");
    assert!(r.join("summary.csv").is_file());
}

/// A run that fails leaves the previous folder as it was (here: a user's file is in the way
/// of a file the run writes) and no staging folder; a run that fails into a new folder leaves
/// no folder at all.
#[test]
fn a_failed_run_leaves_the_folder_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    sim_scenario(t);
    let r = t.join("r");
    std::fs::create_dir(&r).unwrap();
    std::fs::write(r.join("summary.csv"), "my,own,table\n").unwrap();
    let done = run(
        losslab(t).args(["run", "lab9-udp-time-sim.toml", "-q", "--out", "r"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("summary.csv is not losslab's"),
        "{}",
        done.stderr
    );
    assert_eq!(entries(&r), ["summary.csv"]);
    assert_eq!(
        std::fs::read(r.join("summary.csv")).unwrap(),
        b"my,own,table\n"
    );
    assert!(
        !entries(t).iter().any(|n| n.contains("staging")),
        "{:?}",
        entries(t)
    );

    // A port in use: fails before anything is written, and no folder appears.
    let busy = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let text = ScenarioText {
        bind: &busy.local_addr().unwrap().to_string(),
        ..ScenarioText::default()
    }
    .render();
    std::fs::write(t.join("busy.toml"), text).unwrap();
    let done = run(
        losslab(t).args(["run", "busy.toml", "-q", "--out", "new"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(!t.join("new").exists());
}

/// `run-all` with two scenario files sharing one `name` wrote both into one folder, exit 0.
#[test]
fn run_all_refuses_two_scenarios_with_one_name() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scen = t.join("sc");
    std::fs::create_dir(&scen).unwrap();
    let text = ScenarioText {
        name: "same",
        ..ScenarioText::default()
    }
    .render();
    std::fs::write(scen.join("a.toml"), &text).unwrap();
    std::fs::write(scen.join("b.toml"), &text).unwrap();
    let done = run(
        losslab(t).args(["run-all", "--scenarios", "sc", "--out", "out"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("a.toml")
            && done.stderr.contains("b.toml")
            && done.stderr.contains("name = \"same\""),
        "{}",
        done.stderr
    );
    assert!(!t.join("out").exists());
}

/// A summary.csv re-saved by a spreadsheet (UTF-8 BOM, CRLF, every field quoted, columns in
/// another order) reads in `check` and `report` as the original.
#[test]
fn a_resaved_summary_csv_reads_in_check_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = copy_results("lab9-udp-time-sim", t);
    let path = dir.join("summary.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = String::from("\u{feff}");
    for line in text.lines() {
        let mut cells: Vec<String> = line.split(',').map(|c| format!("\"{c}\"")).collect();
        cells.rotate_left(3);
        out += &(cells.join(",") + "\r\n");
    }
    std::fs::write(&path, out).unwrap();
    let done = run(losslab(t).arg("check").arg(&dir), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    let done = run(
        losslab(t)
            .arg("report")
            .arg(&dir)
            .arg("--out")
            .arg(t.join("rep")),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
}

/// Values no run can write are refused with exit 2 naming the file, line, column and rule:
/// before, `check` passed a loss_ratio of 2^64, and swapping two header names made `report`
/// show 229% loss; a `client` of logical.csv was not checked.
#[test]
fn impossible_values_are_refused_by_check_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let refused = |name: &str, edit: &dyn Fn(&Path), want: &str| {
        let dir = copy_results("lab9-udp-time-sim", &t.join(name));
        edit(&dir);
        for cmd in ["check", "report"] {
            let mut c = losslab(t);
            c.arg(cmd).arg(&dir);
            if cmd == "report" {
                c.arg("--out").arg(t.join(name).join("rep"));
            }
            let done = run(&mut c, b"");
            assert_eq!(done.code(), Some(2), "{name} {cmd}: {done:?}");
            assert!(done.stderr.contains(want), "{name} {cmd}: {}", done.stderr);
        }
    };
    let edit_summary = |dir: &Path, f: &dyn Fn(String) -> String| {
        let p = dir.join("summary.csv");
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, f(text)).unwrap();
    };
    refused(
        "huge",
        &|d| {
            edit_summary(d, &|s| {
                let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
                let mut cells: Vec<String> = lines[5].split(',').map(str::to_string).collect();
                cells[4] = "18446744073709551616".into();
                lines[5] = cells.join(",");
                lines.join("\n") + "\n"
            })
        },
        "summary.csv:6: column `loss_ratio`",
    );
    refused(
        "swapped",
        &|d| {
            edit_summary(d, &|s| {
                s.replacen("scope,sent,replies", "scope,replies,sent", 1)
            })
        },
        "summary.csv:2: column `sent`",
    );
    refused(
        "client",
        &|d| {
            let p = d.join("logical.csv");
            let text = std::fs::read_to_string(&p).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            let bad = lines[1].replacen("0,", "77,", 1);
            lines[1] = &bad;
            std::fs::write(&p, lines.join("\n") + "\n").unwrap();
            // check reads loss_periods.csv, report logical.csv too: spoil both.
            let p = d.join("loss_periods.csv");
            let text = std::fs::read_to_string(&p).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            let bad = format!("77,{}", lines[1].split_once(',').unwrap().1);
            lines[1] = &bad;
            std::fs::write(&p, lines.join("\n") + "\n").unwrap();
        },
        "client 77 has no row in summary.csv",
    );
}

/// A FIFO in place of a results file hung `check` and `report`; a summary.json linked to
/// `/dev/zero` aborted `report` after reading without bound. Both are refused at once.
#[test]
fn fifos_and_devices_are_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let dir = copy_results("lab9-udp-time-sim", t);
    std::fs::remove_file(dir.join("summary.csv")).unwrap();
    let made = Command::new("mkfifo")
        .arg(dir.join("summary.csv"))
        .status()
        .unwrap();
    assert!(made.success());
    let done = run(losslab(t).arg("check").arg(&dir), b"");
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("is a FIFO"), "{}", done.stderr);

    let dir = copy_results("lab9-udp-time-sim", &t.join("z"));
    std::fs::remove_file(dir.join("summary.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("summary.json")).unwrap();
    let done = run(
        losslab(t)
            .arg("report")
            .arg(&dir)
            .arg("--out")
            .arg(t.join("rep")),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("is a device"), "{}", done.stderr);
}
