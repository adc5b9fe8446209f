//! `losslab run-all`: every scenario of a folder into its results folder, and `--verify`, which
//! reruns them all and holds the new results against the committed references.
//!
//! References come in two kinds. A sim-mode scenario's folder is a regression fixture: the same
//! scenario and seed give the same bytes on every machine, so `--verify` compares every file and
//! fails on any difference, naming the file and showing the first lines that differ. A live
//! scenario's folder is example data (its RTTs are the machine's): `--verify` judges the fresh
//! run with `losslab check` instead — against `results/<name>/expect.toml` when the reference
//! has one, else against the scenario's loss model. Invariant: a scenario that does not load
//! stops everything before anything runs; each folder is written whole or not at all (as by
//! `losslab run`), and two scenarios with one `name` are refused before anything runs.

use crate::check::{CheckArgs, Format};
use crate::cmd::run::{FolderPolicy, RunOptions, run_experiment_with};
use crate::report::{ReportOptions, write_report};
use crate::scenario::{self, Mode, Scenario};
use crate::tr;
use anyhow::{Context, Result, bail};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// The language of the reports in reference folders (see [`ReportOptions::lang`]).
pub const REFERENCE_LANG: crate::i18n::Lang = crate::i18n::Lang::En;

/// Side-by-side reports drawn after the runs, into `<out>/comparisons/<name>/`, when all their
/// folders were produced: the lab's lesson (TCP turns loss into delay), what backoff buys, and
/// a live run next to its simulation. They come from live runs, so `--verify` does not compare
/// them byte for byte.
const COMPARISONS: [(&str, [&str; 2]); 5] = [
    ("udp-loss-vs-tcp", ["lab9-udp-time", "tcp-echo"]),
    // The lab's lesson on one lossy path: in simulation, and live over the TUN link.
    (
        "udp-vs-tcp-sim",
        ["udp-vs-tcp-sim-udp", "udp-vs-tcp-sim-tcp"],
    ),
    ("udp-vs-tcp", ["udp-vs-tcp-udp", "udp-vs-tcp-tcp"]),
    (
        "retry-immediate-vs-backoff",
        ["retry-immediate", "retry-backoff"],
    ),
    ("lab9-live-vs-sim", ["lab9-udp-time", "lab9-udp-time-sim"]),
];

pub struct RunAllOptions {
    /// Folder of scenario files (`*.toml`).
    pub scenarios: PathBuf,
    /// Where the runs go [default: `results`, or a fresh temporary folder with `verify`].
    pub out: Option<PathBuf>,
    /// Compare the fresh runs with the references in `results`.
    pub verify: bool,
    /// The committed references.
    pub results: PathBuf,
}

/// How the whole batch went.
#[derive(Debug, PartialEq, Eq)]
pub enum RunAllOutcome {
    Ok,
    /// `--verify` found a difference or a failed check.
    Failed,
    Interrupted,
}

/// The scenarios of `dir`, sorted by file name, each loaded and validated.
pub fn load_all(dir: &Path) -> Result<Vec<(PathBuf, Scenario)>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| tr!("run-all-read-folder", dir = dir.display().to_string()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!(tr!("run-all-empty", dir = dir.display().to_string()));
    }
    let all: Vec<(PathBuf, Scenario)> = files
        .into_iter()
        .map(|p| scenario::load(&p).map(|s| (p, s)))
        .collect::<Result<_>>()?;
    // Two scenarios of one name would write one folder, the second over the first.
    for (i, (path, sc)) in all.iter().enumerate() {
        if let Some((first, _)) = all[..i].iter().find(|(_, other)| other.name == sc.name) {
            bail!(tr!(
                "run-all-same-name",
                first = first.display().to_string(),
                second = path.display().to_string(),
                name = sc.name.as_str()
            ));
        }
    }
    Ok(all)
}

pub fn run_all(
    opts: &RunAllOptions,
    interrupt: &AtomicBool,
    console: &mut dyn Write,
) -> Result<RunAllOutcome> {
    let all = load_all(&opts.scenarios)?;
    let out_root = match (&opts.out, opts.verify) {
        (Some(out), _) => out.clone(),
        (None, false) => PathBuf::from("results"),
        (None, true) => std::env::temp_dir().join(format!("losslab-verify-{}", std::process::id())),
    };
    let mut failed = Vec::new();
    for (path, sc) in all {
        let out_dir = out_root.join(&sc.name);
        let mode = sc.mode;
        let name = sc.name.clone();
        let run = RunOptions {
            scenario: sc,
            source: scenario::source_name(&path),
            out_dir: out_dir.clone(),
            show_discards: false,
        };
        // The run's files replace the folder's together at the end, and an interrupted run
        // replaces nothing: a Ctrl-C never leaves half a run where a reference was.
        let policy = FolderPolicy {
            keep_interrupted: false,
            redraw_report: false,
        };
        let report = run_experiment_with(&run, interrupt, &mut std::io::sink(), false, policy)
            .with_context(|| tr!("run-all-scenario", path = path.display().to_string()))?;
        if !report.written {
            let _ = writeln!(
                console,
                "{}",
                tr!(
                    "run-all-interrupted",
                    name = name.as_str(),
                    dir = out_dir.display().to_string()
                )
            );
            return Ok(RunAllOutcome::Interrupted);
        }
        if interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            let _ = writeln!(
                console,
                "{}",
                tr!("run-all-interrupted-report", name = name.as_str())
            );
            return Ok(RunAllOutcome::Interrupted);
        }
        // Drawn in place, so report.md names the folder it describes. A summary-only run
        // gets the figures its files allow (the table and the loss periods). In English
        // whatever the locale: a reference must not depend on who regenerated it, and
        // `--verify` compares it byte for byte.
        {
            write_report(&ReportOptions {
                dirs: vec![out_dir.clone()],
                out: None,
                window: None,
                lang: REFERENCE_LANG,
            })
            .with_context(|| tr!("run-all-report-of", dir = out_dir.display().to_string()))?;
        }
        let all_row = report.all();
        let _ = writeln!(
            console,
            "{}",
            tr!(
                "run-all-line",
                name = format!("{name:<20}"),
                mode = format!(
                    "{:<4}",
                    match mode {
                        Mode::Live => "live",
                        Mode::Sim => "sim",
                    }
                ),
                packets = format!("{:>8}", all_row.sent),
                loss = format!(
                    "{:>6}",
                    all_row
                        .loss_ratio
                        .map_or("-".into(), |l| format!("{:.1}%", l * 100.0))
                ),
                seconds = format!("{:.2}", report.duration.as_micros() as f64 / 1e6),
                simulated = if mode == Mode::Sim {
                    tr!("run-all-simulated")
                } else {
                    String::new()
                },
                dir = out_dir.display().to_string()
            )
        );
        if !opts.verify {
            continue;
        }
        let reference = opts.results.join(&name);
        let ok = match mode {
            Mode::Sim => same_bytes(&reference, &out_dir, console)?,
            Mode::Live => {
                let expect = reference.join("expect.toml");
                let args = CheckArgs {
                    results: Some(out_dir.clone()),
                    expect: expect.exists().then_some(expect),
                    baseline: None,
                    confidence: None,
                    rtt_tolerance: None,
                    two_sided: false,
                    format: Format::Text,
                    calibrate: None,
                    runs: 0,
                    baseline_seed: None,
                    paired: false,
                    unpaired: false,
                    shift: None,
                    first_seed: 0,
                };
                let mut text = Vec::new();
                let verdict = crate::check::run(&args, &mut text).with_context(|| {
                    tr!("run-all-checking", dir = out_dir.display().to_string())
                })?;
                if !verdict.passed() {
                    let _ = console.write_all(&text);
                }
                verdict.passed()
            }
        };
        let _ = writeln!(
            console,
            "{:<20} {}",
            "",
            match (mode, ok) {
                (Mode::Sim, true) => tr!("run-all-same-bytes"),
                (Mode::Live, true) => tr!("run-all-passes"),
                (_, false) => tr!(
                    "run-all-failed-against",
                    reference = reference.display().to_string()
                ),
            }
        );
        if !ok {
            failed.push(name);
        }
    }
    for (name, runs) in COMPARISONS {
        if interrupt.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(RunAllOutcome::Interrupted);
        }
        let dirs: Vec<PathBuf> = runs.iter().map(|r| out_root.join(r)).collect();
        if dirs.iter().all(|d| d.join("requests.csv").is_file()) {
            let out = out_root.join("comparisons").join(name);
            write_report(&ReportOptions {
                dirs,
                out: Some(out.clone()),
                window: None,
                lang: REFERENCE_LANG,
            })
            .with_context(|| tr!("run-all-comparison-of", dir = out.display().to_string()))?;
            let _ = writeln!(
                console,
                "{}",
                tr!(
                    "run-all-comparison",
                    name = format!("{name:<20}"),
                    dir = out.display().to_string()
                )
            );
        }
    }
    if !opts.verify {
        return Ok(RunAllOutcome::Ok);
    }
    if failed.is_empty() {
        let _ = writeln!(console, "{}", tr!("run-all-verify-ok"));
        if opts.out.is_none() {
            // Our own scratch folder: nothing in it is needed once everything matched.
            let _ = fs::remove_dir_all(&out_root);
        }
        Ok(RunAllOutcome::Ok)
    } else {
        let _ = writeln!(
            console,
            "{}",
            tr!(
                "run-all-verify-failed",
                n = failed.len(),
                names = failed.join(", "),
                dir = out_root.display().to_string()
            )
        );
        Ok(RunAllOutcome::Failed)
    }
}

/// Every result file under `dir`, as paths relative to it, sorted; manifests are bookkeeping,
/// not results, and are left out.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let here = dir.join(&rel);
        for entry in fs::read_dir(&here)
            .with_context(|| tr!("err-read", path = here.display().to_string()))?
        {
            let entry = entry?;
            if entry.file_name() == crate::results::folder::MANIFEST {
                continue;
            }
            let rel = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                stack.push(rel);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Whether `fresh` holds exactly the files of `reference`, byte for byte; prints what differs.
fn same_bytes(reference: &Path, fresh: &Path, console: &mut dyn Write) -> Result<bool> {
    if !reference.is_dir() {
        let _ = writeln!(
            console,
            "  {}",
            tr!(
                "run-all-no-reference",
                dir = reference.display().to_string()
            )
        );
        return Ok(false);
    }
    let want = files_under(reference)?;
    let got = files_under(fresh)?;
    let mut ok = true;
    for rel in want.iter().filter(|r| !got.contains(r)) {
        let _ = writeln!(
            console,
            "  {}",
            tr!("run-all-missing", file = rel.display().to_string())
        );
        ok = false;
    }
    for rel in got.iter().filter(|r| !want.contains(r)) {
        let _ = writeln!(
            console,
            "  {}",
            tr!("run-all-new", file = rel.display().to_string())
        );
        ok = false;
    }
    for rel in want.iter().filter(|r| got.contains(r)) {
        let a = fs::read(reference.join(rel))?;
        let b = fs::read(fresh.join(rel))?;
        if a != b {
            ok = false;
            let _ = writeln!(
                console,
                "  {}",
                tr!(
                    "run-all-differs",
                    file = reference.join(rel).display().to_string()
                )
            );
            let _ = console.write_all(first_differences(&a, &b, 5).as_bytes());
        }
    }
    Ok(ok)
}

/// The first `max` lines that differ between two texts, as `-` (reference) / `+` (fresh) pairs
/// with their line numbers.
fn first_differences(a: &[u8], b: &[u8], max: usize) -> String {
    let a = String::from_utf8_lossy(a);
    let b = String::from_utf8_lossy(b);
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let mut out = String::new();
    let mut shown = 0;
    for i in 0..la.len().max(lb.len()) {
        let (x, y) = (la.get(i), lb.get(i));
        if x != y {
            let none = tr!("run-all-none");
            out.push_str(&format!(
                "    {}:\n    - {}\n    + {}\n",
                tr!("run-all-diff-line", n = i + 1),
                x.copied().unwrap_or(&none),
                y.copied().unwrap_or(&none)
            ));
            shown += 1;
            if shown == max {
                out.push_str("    ...\n");
                break;
            }
        }
    }
    if la.len() != lb.len() {
        out.push_str(&format!(
            "    ({})\n",
            tr!(
                "run-all-line-counts",
                reference = la.len(),
                fresh = lb.len()
            )
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_the_lines() {
        let d = first_differences(b"a\nb\nc\n", b"a\nB\nc\nd\n", 5);
        assert!(d.contains("line 2:\n    - b\n    + B"), "{d}");
        assert!(d.contains("line 4:\n    - (none)\n    + d"), "{d}");
        assert!(
            d.contains("3 lines in the reference, 4 in the fresh run"),
            "{d}"
        );
    }

    #[test]
    fn same_bytes_finds_missing_new_and_changed_files() {
        let tmp = tempfile::tempdir().unwrap();
        let (r, f) = (tmp.path().join("r"), tmp.path().join("f"));
        for d in [&r, &f] {
            fs::create_dir_all(d.join("report")).unwrap();
            fs::write(d.join("summary.csv"), "x\n1\n").unwrap();
            fs::write(d.join("report/report.md"), "# t\n").unwrap();
        }
        let mut text = Vec::new();
        assert!(same_bytes(&r, &f, &mut text).unwrap());
        fs::write(f.join("summary.csv"), "x\n2\n").unwrap();
        fs::write(f.join("extra.csv"), "").unwrap();
        fs::remove_file(f.join("report/report.md")).unwrap();
        let mut text = Vec::new();
        assert!(!same_bytes(&r, &f, &mut text).unwrap());
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("summary.csv differs"), "{text}");
        assert!(text.contains("- 1\n    + 2"), "{text}");
        assert!(text.contains("extra.csv is new"), "{text}");
        assert!(text.contains("report/report.md is missing"), "{text}");
    }
}
