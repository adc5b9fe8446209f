//! `losslab check` as a process: real runs judged against their model, an expectations file and
//! a baseline; the exit codes 0/1/2; folders written by hand (first-attempt counts, a loss
//! model's parameters, `loss_periods.csv`) where a run cannot produce the numbers a test needs;
//! and `check --calibrate` at small N.
//!
//! Every run here is seeded, so which packets the server drops is fixed. What a seed cannot fix
//! is the machine: a reply slower than the timeout, or a request the kernel drops because the
//! server's receive buffer is full (seen here as `unseen` rows with 512 requests in flight on a
//! busy machine), adds loss. So the run that must pass keeps 128 requests in flight with a
//! 50 ms timeout, and the runs that must fail only fail harder with extra loss. Every child is
//! bounded by `common::DEADLINE`.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Runs a closed-loop Bernoulli scenario (32 requests in flight per client) into `dir/name`.
fn run_bernoulli(
    dir: &Path,
    name: &str,
    p: f64,
    clients: u32,
    requests: u32,
    timeout: &str,
) -> PathBuf {
    let scenario = ScenarioText {
        name,
        seed: 2024,
        p: Some(p),
        clients,
        requests,
        pacing: "concurrency = 32",
        timeout,
        ..Default::default()
    }
    .render();
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, scenario).unwrap();
    let out = dir.join(name);
    let done = run(
        losslab(dir)
            .arg("run")
            .arg(&file)
            .args(["-q", "--out"])
            .arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    out
}

fn check(cwd: &Path, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Finished {
    let mut cmd = losslab(cwd);
    cmd.arg("check");
    for a in args {
        cmd.arg(a);
    }
    run(&mut cmd, b"")
}

/// The verdict of the check named `name` in a `--format json` report.
fn verdict(report: &Finished, name: &str) -> String {
    let v: Value = serde_json::from_str(&report.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {report:?}"));
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {}", report.stdout))["verdict"]
        .as_str()
        .unwrap()
        .to_string()
}

fn repo_results(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("results")
        .join(name)
}

/// Copies a committed reference folder's summary files into `dir/name`.
fn copy_reference(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for f in ["summary.csv", "summary.json", "loss_periods.csv"] {
        std::fs::copy(repo_results(name).join(f), to.join(f)).unwrap();
    }
    to
}

#[test]
fn a_correct_run_passes_and_a_run_at_0_55_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let p50 = run_bernoulli(t, "p50", 0.5, 4, 1000, "50ms");
    let p55 = run_bernoulli(t, "p55", 0.55, 8, 2500, "20ms");

    // A correct run passes against its own model.
    let done = check(t, &[&p50]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("PASS: 2 of 2"),
        "{}",
        done.stdout
    );
    // Expectations written for 0.5: the 4,000-request 0.5 run meets them, the 0.55 run fails.
    let expect = t.join("expect.toml");
    std::fs::write(&expect, "confidence = 0.999\nloss_ratio = \"0.5 ± 0.01\"\n").unwrap();
    let done = check(t, &[&p50, &"--expect", &expect]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let done = check(t, &[&p55, &"--expect", &expect, &"--format", &"json"]);
    assert_eq!(done.code(), Some(1), "{done:?}");
    assert_eq!(verdict(&done, "loss_ratio"), "fail");
    assert_eq!(verdict(&done, "status"), "pass");

    // Against the 0.5 run as a baseline: the loss test fails. (The RTT ratios are the
    // machine's, so only the loss verdict is asserted.)
    let done = check(t, &[&p55, &"--baseline", &p50, &"--format", &"json"]);
    assert_eq!(done.code(), Some(1), "{done:?}");
    assert_eq!(verdict(&done, "loss_ratio vs baseline"), "fail");
    // Both runs record their loss periods, so the burst-length test runs (whether a shift of
    // the mean burst from 2.0 to 2.2 shows at 99.9% depends on the sample).
    let bursts = verdict(&done, "loss_period_mean vs baseline");
    assert!(bursts == "pass" || bursts == "fail", "{bursts}");

    // A folder against itself passes every comparison.
    let done = check(t, &[&p50, &"--baseline", &p50, &"--format", &"junit"]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(done.stdout.contains("failures=\"0\""), "{}", done.stdout);
    assert!(done.stdout.contains("<testcase "), "{}", done.stdout);
}

#[test]
fn the_reference_results_pass_or_say_they_have_no_model() {
    let tmp = tempfile::tempdir().unwrap();
    for name in [
        "lab9-udp-time",
        "bursty-gilbert",
        "retries-closed-loop",
        "reorder-duplicate",
    ] {
        let done = check(tmp.path(), &[&repo_results(name)]);
        assert_eq!(done.code(), Some(0), "{name}: {done:?}");
    }
    for (name, why) in [
        ("tcp-echo", "no loss model"),
        ("http-head", "no loss model"),
        ("delay-jitter", "no model predicts that loss"),
    ] {
        let done = check(tmp.path(), &[&repo_results(name)]);
        assert_eq!(done.code(), Some(2), "{name}: {done:?}");
        assert!(done.stderr.contains(why), "{name}: {}", done.stderr);
        assert!(
            done.stdout.is_empty(),
            "{name}: nothing on stdout: {}",
            done.stdout
        );
    }
    // expected_loss null: no model either.
    let r = copy_reference(tmp.path(), "lab9-udp-time");
    let json = std::fs::read_to_string(r.join("summary.json")).unwrap();
    let json = json.replace("\"expected_loss\": 0.5", "\"expected_loss\": null");
    std::fs::write(r.join("summary.json"), json).unwrap();
    let done = check(tmp.path(), &[&r]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("no `expected_loss`"),
        "{}",
        done.stderr
    );
}

/// Rewrites `summary.csv` in `dir` without the column `name` (found by header name).
fn drop_column(dir: &Path, name: &str) {
    let path = dir.join("summary.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == name)
        .unwrap();
    let out: String = text
        .lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells.remove(at);
            cells.join(",") + "\n"
        })
        .collect();
    std::fs::write(path, out).unwrap();
}

#[test]
fn unreadable_input_exits_2_naming_file_column_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();

    // A missing column: named at load, whichever check would have read it.
    let r = copy_reference(t, "lab9-udp-time");
    drop_column(&r, "timeouts");
    let done = check(t, &[&r]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("summary.csv:1: no column `timeouts`"),
        "{}",
        done.stderr
    );
    assert!(done.stdout.is_empty());

    // A column a baseline check reads, missing in the baseline.
    let base = copy_reference(t, "retries-closed-loop");
    drop_column(&base, "rtt_p90_us");
    let good = repo_results("lab9-udp-time");
    let done = check(t, &[&good, &"--baseline", &base]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr
            .contains("retries-closed-loop/summary.csv:1: no column `rtt_p90_us`"),
        "{}",
        done.stderr
    );

    // A column an expectation names that no summary.csv has: both places named.
    let expect = t.join("e.toml");
    std::fs::write(
        &expect,
        "loss_ratio = \"<= 0.6\"\nloss_period_median = \"<= 5\"\n",
    )
    .unwrap();
    let done = check(t, &[&repo_results("retry-immediate"), &"--expect", &expect]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("e.toml:2:1: key `loss_period_median`"),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr.contains("no column `loss_period_median`"),
        "{}",
        done.stderr
    );

    // A malformed number: file, line and column. Every row is read when the folder is, so
    // client 2's bad cell stops even the model check, which reads only the `all` row.
    let r = copy_reference(t, "bursty-gilbert");
    let csv = std::fs::read_to_string(r.join("summary.csv")).unwrap();
    assert!(csv.contains("\n2,500,475,"), "{csv}");
    std::fs::write(
        r.join("summary.csv"),
        csv.replace("\n2,500,475,", "\n2,500,4x5,"),
    )
    .unwrap();
    let done = check(t, &[&r]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr
            .contains("summary.csv:4: column `replies`: `4x5`"),
        "{}",
        done.stderr
    );

    // A missing file.
    let r = copy_reference(t, "reorder-duplicate");
    std::fs::remove_file(r.join("summary.json")).unwrap();
    let done = check(t, &[&r]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("reorder-duplicate/summary.json"),
        "{}",
        done.stderr
    );

    // An expectations file with a bad value names FILE:LINE:COL and the key.
    std::fs::write(
        &expect,
        "confidence = 0.99\n\nloss_ratio = \"roughly half\"\n",
    )
    .unwrap();
    let done = check(t, &[&good, &"--expect", &expect]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("e.toml:3:14: key `loss_ratio`"),
        "{}",
        done.stderr
    );
}

/// A results folder by hand: an `all` row with first-attempt counts, a loss model in
/// summary.json (bursty 9% burst 4 when `bursty`, else random 9%), and loss periods of the
/// given lengths, each length spread evenly through the file.
fn new_format(dir: &Path, name: &str, bursty: bool, lengths: &[(u64, u64)]) -> PathBuf {
    let d = dir.join(name);
    std::fs::create_dir_all(&d).unwrap();
    // Every column this version writes (found by name, so written here in reverse order to
    // show that order does not matter); 0 where not given.
    let given = [
        ("scope", "all"),
        ("sent", "2400"),
        ("replies", "2000"),
        ("timeouts", "400"),
        ("loss_ratio", "0.166667"),
        ("loss_ci_low", "0.15"),
        ("loss_ci_high", "0.18"),
        ("rtt_min_us", "40"),
        ("rtt_p50_us", "60"),
        ("rtt_p90_us", "80"),
        ("rtt_p99_us", "inf"),
        ("rtt_max_us", "120"),
        ("rtt_mean_us", "61.0"),
        ("tmax_us", "100000"),
        ("rtt_lost", "infinite"),
        ("late_by_mean_us", ""),
        ("late_by_max_us", ""),
        ("first_attempts", "2000"),
        ("first_attempt_losses", "260"),
        ("loss_periods", "100"),
        ("loss_period_mean", "2.6"),
        ("logical_requests", "2000"),
        ("successes", "1950"),
        ("success_ratio", "0.975"),
        ("status", "complete"),
    ];
    let mut columns: Vec<&str> = losslab::metrics::stats::SUMMARY_COLUMNS
        .split(',')
        .chain(["status"])
        .collect();
    columns.reverse();
    let cells: Vec<&str> = columns
        .iter()
        .map(|c| given.iter().find(|(k, _)| k == c).map_or("0", |(_, v)| *v))
        .collect();
    let csv = format!("{}\n{}\n", columns.join(","), cells.join(","));
    std::fs::write(d.join("summary.csv"), csv).unwrap();
    let mut json = serde_json::json!({
        "status": "complete",
        "expected_loss": 0.09,
        "seed": 1,
        "scenario": {
            "name": "bursty",
            "server": { "kind": "udp-time" },
            "impair": { "loss": { "model": "bernoulli", "p": 0.09 } }
        },
        "files": { "summary": "summary.csv", "loss_periods": "loss_periods.csv" },
    });
    if bursty {
        // bursty 9% burst 4: r = 1/4, p = 0.09 · r / 0.91.
        json["scenario"]["impair"]["loss"] = serde_json::json!({
            "model": "gemodel", "p": 0.09 * 0.25 / 0.91, "r": 0.25, "1-h": 1.0, "1-k": 0.0
        });
    }
    std::fs::write(d.join("summary.json"), json.to_string()).unwrap();
    // The j-th period of length L sits at (j + ½)/count(L) of the way through the file.
    let mut spread: Vec<(f64, u64)> = lengths
        .iter()
        .flat_map(|&(len, count)| (0..count).map(move |j| ((j as f64 + 0.5) / count as f64, len)))
        .collect();
    spread.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut periods = String::from("client,start_seq,length\n");
    let mut seq = 0;
    for (_, len) in spread {
        periods += &format!("0,{seq},{len}\n");
        seq += len + 3;
    }
    std::fs::write(d.join("loss_periods.csv"), periods).unwrap();
    d
}

#[test]
fn newer_results_use_first_attempts_the_models_chain_and_loss_periods() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let usual = [(1, 100), (2, 50), (3, 20)];

    // 260 of 2000 first attempts against a mean of 180: for independent losses (random 9%,
    // sd sqrt(2000 · 0.09 · 0.91) = 12.8) that is 6 sd out and fails, but bursts of 4 make
    // the count vary sqrt(6.3) times more (sd ≈ 32), and the exact distribution of the
    // chain's count puts it inside the central 99.9%.
    let bursty = new_format(t, "bursty", true, &usual);
    let done = check(t, &[&bursty]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout.contains("260 of 2000 first attempts"),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains("exact chain distribution"),
        "{}",
        done.stdout
    );
    let naive = new_format(t, "naive", false, &usual);
    let done = check(t, &[&naive]);
    assert_eq!(done.code(), Some(1), "{done:?}");

    // The new columns as expectations: a proportion, a point value, an `inf` percentile.
    let expect = t.join("e.toml");
    std::fs::write(
        &expect,
        "success_ratio = \">= 0.97\"\nloss_period_mean = \"2.5 ± 0.2\"\nrtt_p99_us = \"<= 2000\"\n",
    )
    .unwrap();
    let done = check(t, &[&bursty, &"--expect", &expect, &"--format", &"json"]);
    assert_eq!(done.code(), Some(1), "{done:?}");
    assert_eq!(verdict(&done, "success_ratio"), "pass");
    assert_eq!(verdict(&done, "loss_period_mean"), "pass");
    assert_eq!(verdict(&done, "rtt_p99_us"), "fail"); // inf: lost packets count as infinite

    // Burst lengths: the same distribution passes, clearly longer bursts fail.
    let same = new_format(t, "same", true, &usual);
    let done = check(
        t,
        &[
            &same,
            &"--baseline",
            &bursty,
            &"--format",
            &"json",
            &"--rtt-tolerance",
            &"1",
        ],
    );
    assert_eq!(
        verdict(&done, "loss_period_mean vs baseline"),
        "pass",
        "{}",
        done.stdout
    );
    assert_eq!(verdict(&done, "loss_ratio vs baseline"), "pass");
    assert_eq!(verdict(&done, "rtt_p99_us vs baseline"), "pass"); // inf on both sides
    assert_eq!(done.code(), Some(0), "{done:?}");
    // Percentiles of different quantities (RFC 2681 infinite vs replies only) get a note.
    for (dir, how) in [(&same, "lost-infinite"), (&bursty, "replies")] {
        let path = dir.join("summary.json");
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        v["rtt_percentiles"] = how.into();
        std::fs::write(&path, v.to_string()).unwrap();
    }
    let done = check(
        t,
        &[
            &same,
            &"--baseline",
            &bursty,
            &"--format",
            &"json",
            &"--rtt-tolerance",
            &"1",
        ],
    );
    let v: Value = serde_json::from_str(&done.stdout).unwrap();
    let note = v["checks"][5]["note"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", done.stdout));
    assert!(
        note.contains("over lost-infinite, the baseline's over replies"),
        "{note}"
    );
    let longer = new_format(t, "longer", true, &[(1, 40), (2, 50), (3, 80)]);
    let done = check(t, &[&longer, &"--baseline", &bursty, &"--format", &"json"]);
    assert_eq!(done.code(), Some(1), "{done:?}");
    assert_eq!(verdict(&done, "loss_period_mean vs baseline"), "fail");
    // Without --rtt-tolerance the RTTs are not compared (opt-in).
    assert!(
        !done.stdout.contains("rtt_p99_us vs baseline"),
        "{}",
        done.stdout
    );

    // summary.json lists loss_periods.csv but it is gone: a missing file, exit 2.
    std::fs::remove_file(longer.join("loss_periods.csv")).unwrap();
    let done = check(t, &[&longer, &"--baseline", &bursty]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("longer/loss_periods.csv"),
        "{}",
        done.stderr
    );
}

/// With no first attempts (n = 0) and a variance factor > 1, `effective_counts` turned 0 of 0
/// into 0 of 1, so the model check reported "NaN = 0 of 0 first attempts ... pass" instead of a
/// skip (the module's invariant: empty inputs are `skip`). From the review's regressions.
#[test]
fn no_first_attempts_is_a_skip_even_with_a_variance_factor() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let src = repo_results("retry-backoff");
    let dir = t.join("zero");
    std::fs::create_dir(&dir).unwrap();
    for f in ["summary.json", "loss_periods.csv"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    // Every count 0, every ratio empty: a run that resolved nothing.
    let csv = std::fs::read_to_string(src.join("summary.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let mut out = csv.lines().next().unwrap().to_string() + "\n";
    for line in csv.lines().skip(1) {
        let cells: Vec<String> = line
            .split(',')
            .zip(&header)
            .map(|(c, h)| match *h {
                "sent"
                | "replies"
                | "timeouts"
                | "first_attempts"
                | "first_attempt_losses"
                | "loss_periods"
                | "logical_requests"
                | "successes" => "0".to_string(),
                "loss_ratio" | "loss_ci_low" | "loss_ci_high" => String::new(),
                _ => c.to_string(),
            })
            .collect();
        out += &(cells.join(",") + "\n");
    }
    std::fs::write(dir.join("summary.csv"), out).unwrap();
    let done = check(t, &[&dir, &"--format", &"json"]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(verdict(&done, "loss_ratio"), "skip", "{}", done.stdout);
    assert!(!done.stdout.contains("NaN"), "{}", done.stdout);
}

/// Runs a sim-mode Bernoulli scenario (seed 42, p = 0.5, 2 clients of 100 requests) with the
/// given timeout and `[link]` delay/bandwidth lines (none: the default link, 50us each way)
/// into `dir/name`. Virtual time: the same files on every machine.
fn run_sim(dir: &Path, name: &str, timeout: &str, link: &str) -> PathBuf {
    let mut text = ScenarioText {
        name,
        clients: 2,
        requests: 100,
        timeout,
        ..Default::default()
    }
    .render()
    .replacen("\n\n[server]", "\nmode = \"sim\"\n\n[server]", 1);
    if !link.is_empty() {
        text += &format!("\n[link]\n{link}\n");
    }
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    let out = dir.join(name);
    let done = run(
        losslab(dir)
            .arg("run")
            .arg(&file)
            .args(["-q", "--out"])
            .arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    out
}

/// The model predicts only the server's drops. A simulated link whose round trip can reach the
/// timeout (a long delay, unbounded jitter, a bandwidth limit and its queue) loses replies no
/// model predicts, so the model check must refuse (exit 2, pointing to --expect) as it does for
/// the server's delay; a short constant link must still be checked against the model.
#[test]
fn the_model_check_refuses_a_link_that_can_reach_the_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let refused = |dir: &Path, why: &str| {
        let done = check(t, &[&dir]);
        assert_eq!(done.code(), Some(2), "{}: {done:?}", dir.display());
        for text in ["no model predicts that loss", "--expect", why] {
            assert!(done.stderr.contains(text), "{text}: {}", done.stderr);
        }
        assert!(done.stdout.is_empty(), "{}", done.stdout);
    };
    // 5 ms each way against an 8 ms timeout: every reply is late.
    refused(&run_sim(t, "far", "8ms", "delay = \"5ms\""), "link");
    // A bandwidth limit queues without a bound.
    refused(&repo_results("sim-link-queue"), "bandwidth");
    refused(
        &run_sim(t, "queue", "1s", "bandwidth = \"100mbit\""),
        "bandwidth",
    );
    // Uniform jitter is bounded: 2 × (5 + 2) ms = 14 ms reaches a 14 ms timeout...
    refused(&run_sim(t, "edge", "14ms", "delay = \"5ms 2ms\""), "link");
    // ...and stays below a 20 ms one, as the default link (50us) stays below any timeout.
    for dir in [
        run_sim(t, "near", "20ms", "delay = \"5ms 2ms\""),
        run_sim(t, "default", "1s", ""),
    ] {
        let done = check(t, &[&dir, &"--format", &"json"]);
        assert_eq!(done.code(), Some(0), "{done:?}");
        assert_eq!(verdict(&done, "loss_ratio"), "pass");
    }
}

/// Rewrites the cell of `column` in the row of `scope` in `dir/summary.csv` (found by name).
fn set_cell(dir: &Path, scope: &str, column: &str, value: &str) {
    let path = dir.join("summary.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let (at, s) = (
        header.iter().position(|c| *c == column).unwrap(),
        header.iter().position(|c| *c == "scope").unwrap(),
    );
    let out: String = text
        .lines()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            if cells[s] == scope {
                cells[at] = value;
            }
            cells.join(",") + "\n"
        })
        .collect();
    std::fs::write(path, out).unwrap();
}

/// summary.csv is validated whole when the folder is read: a column this version writes is
/// missing, or any cell does not hold its column's type, and the check exits 2 naming file,
/// line and column — even when no check reads that column (before, the model check passed
/// such folders without a word). Duplicate scopes are refused, and a folder from before the
/// issue-5 columns is named as written by an older losslab.
#[test]
fn every_column_and_cell_is_validated_when_the_folder_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let refused = |name: &str, edit: &dyn Fn(&Path), want: &str| {
        let r = copy_reference(t, "lab9-udp-time");
        let r = {
            let to = t.join(name);
            std::fs::rename(&r, &to).unwrap();
            to
        };
        edit(&r);
        let done = check(t, &[&r]);
        assert_eq!(done.code(), Some(2), "{name}: {done:?}");
        assert!(done.stderr.contains(want), "{name}: {}", done.stderr);
        assert!(done.stdout.is_empty(), "{name}: {}", done.stdout);
    };
    // Columns no model check reads.
    refused(
        "no-jitter",
        &|d| drop_column(d, "jitter_us"),
        "no-jitter/summary.csv:1: no column `jitter_us`",
    );
    refused(
        "no-tts",
        &|d| drop_column(d, "tts_p99_us"),
        "summary.csv:1: no column `tts_p99_us`",
    );
    // Cells of the wrong type, in rows and columns no check reads (line 3 is client 1).
    refused(
        "ipdv",
        &|d| set_cell(d, "1", "ipdv_mean_us", "fast"),
        "summary.csv:3: column `ipdv_mean_us`: `fast`",
    );
    refused(
        "nan",
        &|d| set_cell(d, "all", "jitter_us", "NaN"),
        "column `jitter_us`: `NaN`",
    );
    refused(
        "late",
        &|d| set_cell(d, "2", "late", "1.5"),
        "summary.csv:4: column `late`: `1.5`",
    );
    refused(
        "sent",
        &|d| set_cell(d, "3", "sent", ""),
        "summary.csv:5: column `sent`",
    );
    refused(
        "tts",
        &|d| set_cell(d, "0", "tts_p50_us", "infinite"),
        "summary.csv:2: column `tts_p50_us`: `infinite`",
    );
    refused(
        "lost",
        &|d| set_cell(d, "all", "rtt_lost", "sometimes"),
        "column `rtt_lost`: `sometimes`",
    );
    refused(
        "max",
        &|d| set_cell(d, "all", "loss_period_max", "2.5"),
        "column `loss_period_max`: `2.5`",
    );
    // The same scope twice.
    refused(
        "twice",
        &|d| {
            let path = d.join("summary.csv");
            let csv = std::fs::read_to_string(&path).unwrap();
            let first = csv.lines().nth(1).unwrap().to_string();
            std::fs::write(&path, csv + &first + "\n").unwrap();
        },
        "summary.csv:7: a second row with scope `0` (the first is line 2)",
    );
    // A summary.csv from before issue 5: scope..errors, then status.
    refused(
        "older",
        &|d| {
            let path = d.join("summary.csv");
            let csv = std::fs::read_to_string(&path).unwrap();
            let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
            let end = header.iter().position(|c| *c == "errors").unwrap();
            let out: String = csv
                .lines()
                .map(|l| {
                    let cells: Vec<&str> = l.split(',').collect();
                    format!("{},{}\n", cells[..=end].join(","), cells.last().unwrap())
                })
                .collect();
            std::fs::write(&path, out).unwrap();
        },
        "written by an older losslab",
    );
    // Empty cells where a value can be undefined, and `inf` percentiles, are fine.
    let r = copy_reference(t, "lab9-udp-time");
    set_cell(&r, "0", "late_by_mean_us", "");
    set_cell(&r, "0", "rtt_p99_us", "inf");
    set_cell(&r, "0", "tts_p99_us", "inf");
    set_cell(&r, "0", "jitter_us", "");
    let done = check(t, &[&r]);
    assert_eq!(done.code(), Some(0), "{done:?}");
}

/// The count in a `--calibrate` line: `NAME   K of N ...` → (K, N).
fn calibrated(report: &Finished, name: &str) -> (u64, u64) {
    let line = report
        .stdout
        .lines()
        .find(|l| l.starts_with(name))
        .unwrap_or_else(|| panic!("no line {name} in {}", report.stdout));
    let words: Vec<&str> = line[name.len()..].split_whitespace().collect();
    (words[0].parse().unwrap(), words[2].parse().unwrap())
}

/// `check --calibrate` at small N: it runs the scenario in sim with fresh seeds, reports each
/// check's failures, and cleans up after itself. The figures are deterministic (fixed seeds);
/// the bounds below are what a calibrated gate gives with overwhelming probability, so a
/// broken test statistic (e.g. independence assumed for bursts) would cross them.
#[test]
fn calibrate_measures_false_failures_and_power() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let scratch = t.join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let scenario = t.join("bursty.toml");
    std::fs::write(
        &scenario,
        "name = \"cal\"\nseed = 1\nmode = \"sim\"\n[server]\nkind = \"udp-time\"\n\
         [impair]\nloss = \"bursty 10% burst 4\"\n[clients]\ncount = 4\nrequests = 500\n\
         interval = \"2ms\"\ntimeout = \"100ms\"\n",
    )
    .unwrap();
    let cal = |extra: &[&str]| {
        let mut cmd = losslab(t);
        cmd.env("TMPDIR", &scratch)
            .args(["check", "--calibrate"])
            .arg(&scenario)
            .args(extra);
        run(&mut cmd, b"")
    };
    // Against the model at 95%: 40 correct runs. A calibrated test fails about 2 of them;
    // P(Bin(40, 0.05) ≥ 9) < 1e-4. Treating the bursts as independent losses (a binomial
    // count, variance 6 times too small) would fail nearly half of them.
    let done = cal(&["--runs", "40", "--confidence", "0.95"]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let (k, n) = calibrated(&done, "loss_ratio");
    assert_eq!(n, 40);
    assert!(k <= 8, "{}", done.stdout);
    assert_eq!(calibrated(&done, "status"), (0, 40));
    assert!(done.stdout.contains("false failures"), "{}", done.stdout);
    assert!(
        done.stdout
            .contains("summary.csv's 95% loss interval covered the model's loss 0.1000 in"),
        "{}",
        done.stdout
    );
    // Same-seed pairs without a change are identical runs: never a failure.
    let done = cal(&["--runs", "5", "--paired"]);
    assert_eq!(
        calibrated(&done, "loss_ratio vs baseline"),
        (0, 5),
        "{}",
        done.stdout
    );
    // A 50% rise in loss (10% → 15%), paired: McNemar sees every newly lost packet.
    let done = cal(&["--runs", "5", "--paired", "--shift", "loss +50%"]);
    assert!(done.stdout.contains("caught (power)"), "{}", done.stdout);
    let (k, n) = calibrated(&done, "loss_ratio vs baseline");
    assert!(n == 5 && k >= 4, "{}", done.stdout);
    // Every run folder, and the folder they were in, is gone.
    assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
    // Bad input: a shift that is not one, and --runs without --calibrate.
    let done = cal(&["--runs", "2", "--shift", "rtt +10%"]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("loss +10%"), "{}", done.stderr);
}
