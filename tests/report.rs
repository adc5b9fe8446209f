//! `losslab report` as a user runs it: from a real run's folder, from the committed reference
//! folders, twice on one input, on broken folders, comparing folders, and through
//! `rsvg-convert` to check every SVG actually renders. Also: a live run whose standard error is
//! not a terminal prints no progress bar.

mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn report(cwd: &Path, args: &[&Path], extra: &[&str]) -> Finished {
    let mut cmd = losslab(cwd);
    cmd.arg("report").args(args).args(extra);
    run(&mut cmd, b"")
}

/// Every `*.svg` in `dir` is a complete SVG document of modest size.
fn assert_svgs(dir: &Path) -> Vec<PathBuf> {
    let svgs: Vec<PathBuf> = names_in(dir)
        .into_iter()
        .filter(|n| n.ends_with(".svg"))
        .map(|n| dir.join(n))
        .collect();
    assert!(!svgs.is_empty(), "no SVG in {}", dir.display());
    for p in &svgs {
        let text = fs::read_to_string(p).unwrap();
        assert!(text.starts_with("<svg"), "{}", p.display());
        assert!(text.trim_end().ends_with("</svg>"), "{}", p.display());
        assert!(
            text.len() < 1_000_000,
            "{}: {} bytes",
            p.display(),
            text.len()
        );
    }
    svgs
}

#[test]
fn a_real_run_with_report_writes_every_figure_and_the_markdown() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("small.toml");
    let text = ScenarioText {
        name: "small",
        seed: 9,
        p: Some(0.3),
        clients: 2,
        requests: 40,
        pacing: "interval = \"1ms\"",
        timeout: "100ms",
        retries: 1,
        ..ScenarioText::default()
    }
    .render();
    fs::write(&scenario, text).unwrap();
    let out = tmp.path().join("small");
    let done = run(
        losslab(tmp.path())
            .arg("run")
            .arg(&scenario)
            .arg("--out")
            .arg(&out)
            .args(["-q", "--report"]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let dir = out.join("report");
    assert!(
        done.stdout
            .contains(&format!("report: {}/report.md", dir.display())),
        "{}",
        done.stdout
    );
    assert_eq!(
        names_in(&dir),
        [
            ".losslab-manifest",
            "attempts.svg",
            "loss-over-time.svg",
            "loss-periods.svg",
            "report.md",
            "rtt-cdf.svg",
            "rtt-histogram.svg",
            "rtt-per-client.svg",
        ],
        "no *.tmp or missing figure"
    );
    assert_svgs(&dir);
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    for svg in names_in(&dir).iter().filter(|n| n.ends_with(".svg")) {
        assert!(
            md.contains(&format!("]({svg})")),
            "{svg} not embedded:\n{md}"
        );
    }
    assert!(md.starts_with("# small\n"), "{md}");
    assert!(md.contains("| seed | 9 |"), "{md}");
    assert!(
        // The run was started in the scenario's folder, so results name it relative to there.
        md.contains("losslab run small.toml --seed 9 --report"),
        "the reproduce command names the scenario file and the seed:\n{md}"
    );
    assert!(
        md.contains("`tc qdisc add dev DEV root netem loss random 30%`"),
        "{md}"
    );
    // The summary table is the run's: the `all` row counts every packet.
    let sent = fs::read_to_string(out.join("requests.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert!(
        md.contains(&format!("| all | {sent} |")),
        "{sent} packets:\n{md}"
    );
}

#[test]
fn the_same_input_gives_byte_identical_reports() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["retries-closed-loop", "delay-jitter"] {
        let src = committed_results(name);
        let (a, b) = (
            tmp.path().join("a").join(name),
            tmp.path().join("b").join(name),
        );
        for out in [&a, &b] {
            let done = report(tmp.path(), &[&src], &["--out", out.to_str().unwrap()]);
            assert_eq!(done.code(), Some(0), "{done:?}");
        }
        let files = names_in(&a);
        assert_eq!(files, names_in(&b));
        assert!(files.contains(&"report.md".to_string()), "{files:?}");
        for f in &files {
            assert!(
                fs::read(a.join(f)).unwrap() == fs::read(b.join(f)).unwrap(),
                "{name}/{f} differs between two reports of the same folder"
            );
        }
    }
}

#[test]
fn a_missing_column_exits_2_naming_file_and_column_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_results("lab9-udp-time", tmp.path());
    let requests = dir.join("requests.csv");
    let good = fs::read_to_string(&requests).unwrap();
    fs::write(&requests, good.replacen("rtt_us", "rtt", 1)).unwrap();

    let done = report(tmp.path(), &[&dir], &[]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("requests.csv"), "{}", done.stderr);
    assert!(done.stderr.contains("`rtt_us`"), "{}", done.stderr);
    assert!(
        !dir.join("report").exists(),
        "a failed report left a folder"
    );
    assert_eq!(
        names_in(&dir),
        [
            "logical.csv",
            "loss_periods.csv",
            "requests.csv",
            "summary.csv",
            "summary.json"
        ]
    );
}

#[test]
fn a_malformed_value_names_line_and_column_and_keeps_the_old_report() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy_results("lab9-udp-time", tmp.path());
    let done = report(tmp.path(), &[&dir], &[]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let before: Vec<(String, Vec<u8>)> = names_in(&dir.join("report"))
        .into_iter()
        .map(|n| {
            let bytes = fs::read(dir.join("report").join(&n)).unwrap();
            (n, bytes)
        })
        .collect();

    // Line 4 of summary.csv (client 2): a loss ratio that is not a number.
    let summary = dir.join("summary.csv");
    let text = fs::read_to_string(&summary).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let col = header.iter().position(|c| *c == "loss_ratio").unwrap();
    let mut cells: Vec<String> = lines[3].split(',').map(str::to_string).collect();
    cells[col] = "0.4x".into();
    lines[3] = cells.join(",");
    fs::write(&summary, lines.join("\n") + "\n").unwrap();

    let done = report(tmp.path(), &[&dir], &[]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr
            .contains("summary.csv:4: column `loss_ratio`: `0.4x`"),
        "{}",
        done.stderr
    );
    let after: Vec<(String, Vec<u8>)> = names_in(&dir.join("report"))
        .into_iter()
        .map(|n| {
            let bytes = fs::read(dir.join("report").join(&n)).unwrap();
            (n, bytes)
        })
        .collect();
    assert!(
        before == after,
        "the earlier report changed or gained files"
    );

    // A missing file is named too.
    fs::remove_file(dir.join("summary.json")).unwrap();
    let done = report(tmp.path(), &[&dir], &[]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("summary.json is missing"),
        "{}",
        done.stderr
    );
}

#[test]
fn two_folders_compare_side_by_side() {
    let tmp = tempfile::tempdir().unwrap();
    let (udp, tcp) = (
        committed_results("lab9-udp-time"),
        committed_results("tcp-echo"),
    );
    let done = report(tmp.path(), &[&udp, &tcp], &[]);
    assert_eq!(done.code(), Some(2), "several folders need --out: {done:?}");
    assert!(done.stderr.contains("--out"), "{}", done.stderr);

    let out = tmp.path().join("cmp");
    let done = report(tmp.path(), &[&udp, &tcp], &["--out", out.to_str().unwrap()]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(
        names_in(&out),
        [
            ".losslab-manifest",
            "compare-loss.svg",
            "compare-rtt-cdf.svg",
            "report.md"
        ]
    );
    assert_svgs(&out);
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("| | A: lab9-udp-time | B: tcp-echo |"),
        "one column per run:\n{md}"
    );
    // The table's numbers are each run's own `all` row.
    assert!(md.contains("| replies | 91 | 200 |"), "{md}");
    assert!(md.contains("TCP turns loss into delay"), "{md}");
    let cdf = fs::read_to_string(out.join("compare-rtt-cdf.svg")).unwrap();
    assert!(cdf.contains("A: lab9-udp-time (lost 54.5%)"), "legend");
    assert!(cdf.contains("B: tcp-echo (lost 0%)"), "legend");
}

#[test]
fn every_svg_renders_with_rsvg_convert() {
    if Command::new("rsvg-convert")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "note: rsvg-convert is not installed (Debian: librsvg2-bin; .ci/run installs it); \
             the SVGs were not rendered"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for name in [
        "lab9-udp-time",
        "retries-closed-loop",
        "bursty-gilbert",
        "delay-jitter",
        "tcp-echo",
    ] {
        let out = tmp.path().join(name);
        let done = report(
            tmp.path(),
            &[&committed_results(name)],
            &["--out", out.to_str().unwrap()],
        );
        assert_eq!(done.code(), Some(0), "{done:?}");
        dirs.push(out);
    }
    let out = tmp.path().join("cmp");
    let a = committed_results("lab9-udp-time");
    let b = committed_results("bursty-gilbert");
    let done = report(tmp.path(), &[&a, &b], &["--out", out.to_str().unwrap()]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    dirs.push(out);
    let mut rendered = 0;
    for dir in &dirs {
        for svg in assert_svgs(dir) {
            let png = svg.with_extension("png");
            let status = Command::new("rsvg-convert")
                .arg(&svg)
                .arg("-o")
                .arg(&png)
                .status()
                .unwrap();
            assert!(status.success(), "rsvg-convert {}: {status}", svg.display());
            let bytes = fs::read(&png).unwrap();
            assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{}", png.display());
            // Width and height from the IHDR chunk: the figure's declared size.
            let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
            let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
            assert_eq!((w, h), (900, 520), "{}", png.display());
            rendered += 1;
        }
    }
    assert!(rendered >= 20, "{rendered} figures rendered");
}

/// A folder of `rows` packets from 4 clients, written here (no run needed): every third
/// packet lost, RTTs spread over two decades.
fn synthetic_folder(dir: &Path, rows: u64) {
    use std::io::Write;
    fs::create_dir_all(dir).unwrap();
    let mut w = std::io::BufWriter::new(fs::File::create(dir.join("requests.csv")).unwrap());
    writeln!(w, "{REQUEST_HEADER}").unwrap();
    let (mut replies, mut lost) = (0u64, 0u64);
    for i in 0..rows {
        let (client, seq) = (i % 4, i / 4);
        if i % 3 == 0 {
            lost += 1;
            writeln!(w, "{client},{seq},0,{},timeout,,dropped,,0,,0,", i * 10).unwrap();
        } else {
            replies += 1;
            let rtt = 20 + (i * 7919) % 2000;
            writeln!(w, "{client},{seq},0,{},reply,{rtt},answered,,0,,0,", i * 10).unwrap();
        }
    }
    w.flush().unwrap();
    fs::write(
        dir.join("summary.csv"),
        format!(
            "scope,sent,replies,timeouts,loss_ratio,status\nall,{rows},{replies},{lost},{},complete\n",
            lost as f64 / rows as f64
        ),
    )
    .unwrap();
    fs::write(
        dir.join("summary.json"),
        r#"{"seed": 5, "expected_loss": 0.3333, "scenario": {"name": "synthetic",
            "impair": {"loss": {"model": "bernoulli", "p": 0.3333}, "direction": "request"}}}"#,
    )
    .unwrap();
}

#[test]
fn a_large_folder_draws_small_figures() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("big");
    synthetic_folder(&dir, 200_000);
    let done = report(tmp.path(), &[&dir], &[]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let out = dir.join("report");
    for svg in assert_svgs(&out) {
        let size = fs::metadata(&svg).unwrap().len();
        assert!(size < 200_000, "{}: {size} bytes", svg.display());
    }
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("| all | 200000 | 133333 | 66667 |"), "{md}");
    // Every third packet lost, in seq order per client: client c's lost seqs are spaced 3
    // apart, so every loss period has length 1.
    assert!(md.contains("66667 periods, mean length 1,"), "{md}");
}

#[test]
fn a_run_whose_stderr_is_not_a_terminal_prints_no_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("p.toml");
    let text = ScenarioText {
        name: "p",
        clients: 2,
        requests: 30,
        pacing: "interval = \"1ms\"",
        timeout: "100ms",
        ..ScenarioText::default()
    }
    .render();
    fs::write(&scenario, text).unwrap();
    let out = tmp.path().join("p");
    // Not --quiet: the discards and the summary still print, to stdout; stderr is a pipe.
    let done = run(
        losslab(tmp.path())
            .arg("run")
            .arg(&scenario)
            .arg("--out")
            .arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(done.stderr, "", "progress noise on a non-terminal stderr");
    assert!(
        !done.stdout.contains('\r') && !done.stdout.contains('\x1b'),
        "terminal control characters in the output: {:?}",
        done.stdout
    );
    assert!(done.stdout.contains("server discarded"), "{}", done.stdout);
    assert!(done.stdout.contains("\nall "), "{}", done.stdout);
}

/// A folder in the format the metrics work adds (issue 5): more summary columns (an `inf`
/// RTT when lost packets count as infinite), `loss_periods.csv`, `logical.csv`, and new
/// `summary.json` fields. Two clients, seq 0..6, one retry allowed.
fn new_format_folder(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    // client 0: seq 1,2 lost then answered on retry; client 1: seq 3 lost twice.
    let mut rows = vec![REQUEST_HEADER.to_string()];
    let mut lost_first = Vec::new();
    for client in 0..2u32 {
        for seq in 0..6u32 {
            let first_lost = (client == 0 && (seq == 1 || seq == 2)) || (client == 1 && seq == 3);
            let t = (seq * 1000 + client * 10) as u64;
            if first_lost {
                lost_first.push((client, seq));
                rows.push(format!("{client},{seq},0,{t},timeout,,dropped,,0,,0,"));
                if client == 0 {
                    rows.push(format!(
                        "{client},{seq},1,{},reply,40,answered,,0,,0,",
                        t + 500
                    ));
                } else {
                    rows.push(format!(
                        "{client},{seq},1,{},timeout,,dropped,,0,,0,",
                        t + 500
                    ));
                }
            } else {
                rows.push(format!(
                    "{client},{seq},0,{t},reply,{},answered,,0,,0,",
                    30 + seq
                ));
            }
        }
    }
    let sent = rows.len() - 1; // 12 first attempts + 3 retries
    fs::write(dir.join("requests.csv"), rows.join("\n") + "\n").unwrap();
    let header = "scope,sent,replies,timeouts,loss_ratio,loss_ci_low,loss_ci_high,rtt_min_us,\
                  rtt_p50_us,rtt_p90_us,rtt_p99_us,rtt_max_us,rtt_mean_us,late,duplicates,stray,\
                  corrupted,interrupted,errors,tmax_us,rtt_lost,loss_periods,loss_period_mean,\
                  jitter_us,logical_requests,successes,success_ratio,attempts_per_success,\
                  tts_p99_us,status";
    fs::write(
        dir.join("summary.csv"),
        format!(
            "{header}\nall,{sent},11,4,0.266667,0.1,0.5,30,40,inf,inf,inf,,0,0,0,0,0,0,\
             10000,infinite,2,1.5,3.2,12,11,0.916667,1.363636,1500,complete\n"
        ),
    )
    .unwrap();
    fs::write(
        dir.join("loss_periods.csv"),
        "client,start_seq,length\n0,1,2\n1,3,1\n",
    )
    .unwrap();
    let mut logical =
        String::from("client,seq,attempts,outcome,first_sent_us,time_to_success_us\n");
    for client in 0..2u32 {
        for seq in 0..6u32 {
            let (a, o) = match (client, seq) {
                (0, 1 | 2) => (2, "success"),
                (1, 3) => (2, "failed"),
                _ => (1, "success"),
            };
            logical.push_str(&format!("{client},{seq},{a},{o},{},\n", seq * 1000));
        }
    }
    fs::write(dir.join("logical.csv"), logical).unwrap();
    fs::write(
        dir.join("summary.json"),
        r#"{"seed": 11, "expected_loss": 0.25, "mode": "live", "status": "complete",
            "scenario_file": "scenarios/x.toml",
            "rtt_percentiles": "lost-infinite", "loss_variance_factor": 1.0,
            "expected_mean_loss_period": 1.6, "backoff": "exponential x2",
            "files": {"requests": "requests.csv", "summary": "summary.csv",
                      "loss_periods": "loss_periods.csv", "logical": "logical.csv"},
            "scenario": {"name": "newfmt", "clients": {"count": 2, "requests": 6,
                         "retries": 1, "concurrency": 1, "timeout": "10ms"},
                         "impair": {"loss": {"model": "bernoulli", "p": 0.25},
                                    "direction": "request"}}}"#,
    )
    .unwrap();
}

#[test]
fn the_new_metrics_files_are_used_when_present() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("newfmt");
    new_format_folder(&dir);
    let done = report(tmp.path(), &[&dir], &[]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let out = dir.join("report");
    assert!(out.join("attempts.svg").exists());
    assert_svgs(&out);
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    // loss_periods.csv has 2 periods (lengths 2 and 1), not recomputed from requests.csv.
    assert!(
        md.contains("from `loss_periods.csv`): 2 periods, mean length 1.5, against the geometric distribution with the model's mean 1.6"),
        "{md}"
    );
    assert!(
        md.contains(
            "(from `logical.csv`): 9 of 12 were answered at the first attempt and 1 not at all"
        ),
        "{md}"
    );
    // RFC 2681's infinite RTT shows as ∞, the new columns appear, the settings are named.
    assert!(md.contains("| ∞ |"), "{md}");
    assert!(md.contains("RTT percentiles over lost-infinite"), "{md}");
    assert!(md.contains("| mean loss period |"), "{md}");
    assert!(md.contains("| attempts / success |"), "{md}");
    // One retry, in the singular (the count chooses the plural form).
    assert!(md.contains(", 1 retry (exponential x2)"), "{md}");

    // A file summary.json lists must be there.
    fs::remove_file(dir.join("logical.csv")).unwrap();
    let done = report(
        tmp.path(),
        &[&dir],
        &["--out", tmp.path().join("r2").to_str().unwrap()],
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("logical.csv is missing"),
        "{}",
        done.stderr
    );
    assert!(!tmp.path().join("r2").exists());
}

/// A figure an earlier report drew and this one does not is removed with the new report, so
/// `report/` never holds a figure of losslab's that report.md does not show; a user's files
/// there stay.
#[test]
fn a_figure_the_new_report_does_not_draw_is_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let retried = copy_results("retry-backoff", tmp.path());
    let dir = copy_results("lab9-udp-time", tmp.path());
    let out = tmp.path().join("figs");
    let out_arg = out.to_str().unwrap();
    // An earlier report, of a run with retries, drew attempts.svg.
    let done = report(tmp.path(), &[&retried], &["--out", out_arg]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(out.join("attempts.svg").exists());
    fs::write(out.join("notes.txt"), "mine").unwrap();
    fs::write(out.join("my-figure.svg"), "<svg/>").unwrap();
    let done = report(tmp.path(), &[&dir], &["--out", out_arg]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        !out.join("attempts.svg").exists(),
        "no retries, no attempts figure"
    );
    // Only the files losslab's manifest lists are the report's.
    assert!(out.join("notes.txt").exists());
    assert!(out.join("my-figure.svg").exists());
    assert!(out.join("rtt-cdf.svg").exists());
}
