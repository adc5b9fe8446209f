//! The text of `report.md`: the scenario, the summary table, the figures with one sentence each,
//! and the commands that reproduce the run.
//!
//! Invariant: only the folders' contents and the paths the user gave appear, in a fixed order,
//! so the markdown is byte-identical for the same input.

use super::Figure;
use super::folder::{Folder, Meta, Pacing, SummaryTable};
use super::plot::{fmt_num, fmt_us};
use crate::tr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn pct(v: f64) -> String {
    format!("{}%", fmt_num(v * 100.0))
}

/// A markdown table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The impairments, unless only a direction is given (then nothing is impaired).
fn impaired(m: &Meta) -> Option<&str> {
    m.impair.as_deref().filter(|_| m.impaired)
}

fn clients_line(m: &Meta) -> Option<String> {
    let mut s = tr!(
        "report-clients-count",
        clients = m.clients?.to_string(),
        requests = m.requests?
    );
    if let Some(p) = &m.pacing {
        let p = match p {
            Pacing::Interval(i) => tr!("report-pacing-interval", interval = i.as_str()),
            Pacing::Rate(r) => tr!("report-pacing-rate", rate = r.to_string()),
            Pacing::Concurrency(n) => tr!("report-pacing-concurrency", outstanding = *n),
        };
        let _ = write!(s, ", {p}");
    }
    if let Some(t) = m.timeout_us {
        let _ = write!(
            s,
            ", {}",
            tr!("report-clients-timeout", timeout = fmt_us(t as f64))
        );
    }
    if let Some(r) = m.retries {
        let _ = write!(s, ", {}", tr!("report-clients-retries", retries = r));
    }
    if let Some(b) = &m.backoff {
        let _ = write!(
            s,
            " ({})",
            tr!("report-clients-backoff", backoff = b.as_str())
        );
    }
    Some(s)
}

/// The scenario file as `losslab run` takes it (the built-in default needs none).
fn scenario_arg(m: &Meta) -> Option<&str> {
    let f = m.scenario_file.as_deref()?;
    (!f.ends_with("(built-in default)")).then_some(f)
}

/// `s` as one shell word: as is when it holds only safe characters, else in single quotes.
fn shell_word(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./+=:,@%".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn is_sim(m: &Meta) -> bool {
    m.mode.as_deref() == Some("sim")
}

/// The folder a rerun must name with `--out`: `None` when the folder is named after the
/// scenario, which is where `losslab run` writes by default (`results/<name>`). Only the
/// folder's own name counts, not where it lies, so a report drawn in a scratch copy (`run-all
/// --verify`) is the same bytes as the committed one.
///
/// Any other folder is written absolute: the block's commands run from the folder that holds
/// `scenarios/` (where the run was started), while the path the report was given is relative
/// to wherever `report` ran; mixing the two sent a rerun to the wrong place (issue 15).
fn out_arg(m: &Meta, dir: &Path) -> Option<String> {
    match dir.file_name() {
        Some(n) if n.to_str() == Some(m.name.as_str()) => None,
        _ => Some(
            std::path::absolute(dir)
                .unwrap_or_else(|_| dir.to_path_buf())
                .display()
                .to_string(),
        ),
    }
}

/// The folder the rerun writes: `results/<name>` or the `--out` folder.
fn rerun_dir(m: &Meta, dir: &Path) -> String {
    out_arg(m, dir).unwrap_or_else(|| format!("results/{}", m.name))
}

/// `losslab run` with what makes the rerun match the folder: the scenario file, the seed,
/// `--sim` for a simulated run (a live scenario file may have been run with `--sim`),
/// `--no-requests-csv` when the run kept no rows, and `--out` when the folder is not the
/// default one.
fn run_command(m: &Meta, dir: &Path, has_rows: bool, report: bool) -> String {
    let mut c = String::from("losslab run");
    if let Some(file) = scenario_arg(m) {
        let _ = write!(c, " {}", shell_word(file));
    }
    let _ = write!(c, " --seed {}", m.seed);
    if is_sim(m) {
        c.push_str(" --sim");
    }
    if !has_rows {
        c.push_str(" --no-requests-csv");
    }
    if let Some(out) = out_arg(m, dir) {
        let _ = write!(c, " --out {}", shell_word(&out));
    }
    if report {
        c.push_str(" --report");
    }
    c
}

fn model_text(m: &Meta) -> String {
    let server = match (impaired(m), &m.tc_equivalent) {
        (None, _) => None,
        (Some(_), Some(tc)) => Some(format!("`{tc}`")),
        (Some(i), None) => Some(format!("`{i}`")),
    };
    match (server, &m.link) {
        (None, None) => tr!("report-model-none"),
        (Some(s), None) => s,
        (None, Some(l)) => tr!("report-model-link", link = l.as_str()),
        (Some(s), Some(l)) => tr!("report-model-server-link", server = s, link = l.as_str()),
    }
}

/// One column per display field of `summary.csv`, chosen by header name.
struct Column {
    title: String,
    cells: Vec<String>,
}

fn summary_columns(t: &SummaryTable) -> Vec<Column> {
    let all = t.all();
    let rtt_max = t
        .num(all, "rtt_max_us")
        .filter(|v| v.is_finite())
        .unwrap_or(0.0);
    let (div, unit) = if rtt_max >= 10_000.0 {
        (1000.0, "ms")
    } else {
        (1.0, "µs")
    };
    let time = |v: Option<f64>| match v {
        None => "–".to_string(),
        Some(v) if v.is_infinite() => "∞".to_string(),
        Some(v) => fmt_num(v / div),
    };
    let mut cols = Vec::new();
    let mut push = |title: String, f: &dyn Fn(&[String]) -> String| {
        cols.push(Column {
            title,
            cells: t.rows.iter().map(|r| f(r)).collect(),
        });
    };
    push(tr!("report-col-client"), &|r| {
        t.text(r, "scope").unwrap_or("").to_string()
    });
    for (name, title) in [
        ("sent", tr!("report-col-sent")),
        ("replies", tr!("report-col-replies")),
        ("timeouts", tr!("report-col-lost")),
    ] {
        push(title, &|r| t.num(r, name).map_or("–".into(), fmt_num_int));
    }
    push(tr!("report-col-loss"), &|r| {
        t.num(r, "loss_ratio").map_or("–".into(), pct)
    });
    if t.col("loss_ci_low").is_some() {
        push(tr!("report-col-loss-ci"), &|r| match (
            t.num(r, "loss_ci_low"),
            t.num(r, "loss_ci_high"),
        ) {
            (Some(a), Some(b)) => format!("{}–{}", fmt_num(a * 100.0), pct(b)),
            _ => "–".into(),
        });
    }
    for q in ["p50", "p90", "p99", "max"] {
        let name = format!("rtt_{q}_us");
        if t.col(&name).is_some() {
            push(tr!("report-col-rtt", q = q, unit = unit), &|r| {
                time(t.num(r, &name))
            });
        }
    }
    // Counters that are usually zero appear only when some row has one.
    for (name, title) in [
        ("late", tr!("report-col-late")),
        ("duplicates", tr!("report-col-duplicates")),
        ("stray", tr!("report-col-stray")),
        ("corrupted", tr!("report-col-corrupted")),
        ("interrupted", tr!("report-col-interrupted")),
        ("errors", tr!("report-col-errors")),
        ("loss_periods", tr!("report-col-loss-periods")),
    ] {
        if t.rows
            .iter()
            .any(|r| t.num(r, name).is_some_and(|v| v != 0.0))
        {
            push(title, &|r| t.num(r, name).map_or("–".into(), fmt_num_int));
        }
    }
    if t.rows
        .iter()
        .any(|r| t.num(r, "loss_period_mean").is_some())
    {
        push(tr!("report-col-mean-loss-period"), &|r| {
            t.num(r, "loss_period_mean").map_or("–".into(), fmt_num)
        });
    }
    if t.col("jitter_us").is_some() {
        push(tr!("report-col-jitter", unit = unit), &|r| {
            time(t.num(r, "jitter_us"))
        });
    }
    let retried = t
        .rows
        .iter()
        .any(|r| t.num(r, "attempts_per_success").is_some_and(|v| v > 1.0));
    if retried {
        push(tr!("report-col-success"), &|r| {
            t.num(r, "success_ratio").map_or("–".into(), pct)
        });
        push(tr!("report-col-attempts-per-success"), &|r| {
            t.num(r, "attempts_per_success").map_or("–".into(), fmt_num)
        });
        if t.col("tts_p99_us").is_some() {
            push(tr!("report-col-tts-p99", unit = unit), &|r| {
                time(t.num(r, "tts_p99_us"))
            });
        }
    }
    cols
}

fn fmt_num_int(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        fmt_num(v)
    }
}

fn table(cols: &[Column]) -> String {
    let mut s = String::new();
    s.push('|');
    for c in cols {
        let _ = write!(s, " {} |", cell(&c.title));
    }
    s.push_str("\n|");
    for (i, _) in cols.iter().enumerate() {
        s.push_str(if i == 0 { "---|" } else { "---:|" });
    }
    s.push('\n');
    let rows = cols.first().map_or(0, |c| c.cells.len());
    for r in 0..rows {
        s.push('|');
        for c in cols {
            let _ = write!(s, " {} |", cell(&c.cells[r]));
        }
        s.push('\n');
    }
    s
}

fn figures(md: &mut String, figs: &[Figure]) {
    for f in figs {
        let _ = writeln!(md, "### {}\n", f.title);
        let _ = writeln!(md, "![{}]({})\n", f.title, f.file);
        let _ = writeln!(md, "{}\n", f.sentence);
    }
}

/// `report.md` for one run.
pub fn single(f: &Folder, figs: &[Figure], skipped: &[String], window: u64) -> String {
    let m = &f.meta;
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", m.name);
    if let Some(d) = &m.description {
        let _ = writeln!(md, "> {d}\n");
    }
    md.push_str("| | |\n|---|---|\n");
    let mut fact = |k: String, v: String| {
        let _ = writeln!(md, "| {k} | {} |", cell(&v));
    };
    if let Some(file) = &m.scenario_file {
        let v = match file.strip_suffix(" (built-in default)") {
            Some(f) => tr!("report-scenario-builtin", file = f),
            None => format!("`{file}`"),
        };
        fact(tr!("report-fact-scenario-file"), v);
    }
    fact(tr!("report-fact-seed"), m.seed.to_string());
    if let Some(k) = &m.server_kind {
        fact(tr!("report-fact-server"), k.clone());
    }
    if let Some(c) = clients_line(m) {
        fact(tr!("report-fact-clients"), c);
    }
    fact(tr!("report-fact-model"), model_text(m));
    if let (Some(i), Some(_)) = (impaired(m), &m.tc_equivalent) {
        fact(tr!("report-fact-impairments"), format!("`{i}`"));
    }
    if let Some(p) = m.expected_loss.filter(|_| m.has_loss_model) {
        let mut v = tr!("report-expects-packets", percent = pct(p));
        if let Some(l) = m.predicted_mean_period() {
            let _ = write!(v, ", {}", tr!("report-expects-period", mean = fmt_num(l)));
        }
        fact(tr!("report-fact-expects"), v);
    }
    let mut run = Vec::new();
    if let Some(s) = &m.status {
        run.push(tr!("report-run-status", status = s.as_str()));
    }
    if let Some(mode) = &m.mode {
        run.push(tr!("report-run-mode", mode = mode.as_str()));
    }
    if let Some(d) = m.duration_us {
        if is_sim(m) {
            run.push(tr!(
                "report-run-took-simulated",
                duration = fmt_us(d as f64)
            ));
        } else {
            run.push(tr!("report-run-took", duration = fmt_us(d as f64)));
        }
    }
    if let Some(v) = &m.version {
        run.push(format!("losslab {v}"));
    }
    if !run.is_empty() {
        fact(tr!("report-fact-run"), run.join(", "));
    }
    md.push('\n');
    if m.status.as_deref() == Some("interrupted") {
        let _ = writeln!(md, "{}\n", tr!("report-interrupted"));
    }

    let _ = writeln!(md, "## {}\n", tr!("report-h-summary"));
    md.push_str(&table(&summary_columns(&f.summary)));
    md.push('\n');
    md.push_str(&tr!("report-summary-notes"));
    if let Some(p) = &m.rtt_percentiles {
        md.push_str(&tr!("report-summary-percentiles", over = p.as_str()));
    }
    md.push_str(&tr!("report-summary-zero-counters"));
    md.push_str("\n\n");

    let _ = writeln!(md, "## {}\n", tr!("report-h-figures"));
    figures(&mut md, figs);
    for s in skipped {
        let _ = writeln!(md, "{s}\n");
    }
    if f.scan.order_gaps > 0 {
        let _ = writeln!(
            md,
            "{}\n",
            tr!("report-order-gaps", gaps = f.scan.order_gaps)
        );
    }
    if figs.iter().any(|f| f.file == "loss-over-time.svg") {
        let _ = writeln!(md, "{}\n", tr!("report-window-note", window = window));
    }

    let _ = writeln!(md, "## {}\n\n```sh", tr!("report-h-reproduce"));
    let _ = writeln!(md, "{}", run_command(m, &f.dir, f.has_rows, true));
    let rerun = rerun_dir(m, &f.dir);
    let _ = writeln!(md, "losslab report {}", shell_word(&rerun));
    md.push_str("```\n\n");
    let how = if is_sim(m) {
        tr!("report-reproduce-sim")
    } else {
        tr!("report-reproduce-live")
    };
    let _ = writeln!(
        md,
        "{} {how}",
        tr!("report-reproduce-single", dir = rerun.as_str())
    );
    md
}

/// Labels for runs in a comparison: `A: name`, with the seed when two runs share a name.
pub fn run_labels(folders: &[Folder]) -> Vec<String> {
    folders
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let letter = (b'A' + (i % 26) as u8) as char;
            let shared = folders
                .iter()
                .filter(|g| g.meta.name == f.meta.name)
                .count()
                > 1;
            if shared {
                tr!(
                    "report-run-label-seed",
                    letter = letter.to_string(),
                    name = f.meta.name.as_str(),
                    seed = f.meta.seed.to_string()
                )
            } else {
                format!("{letter}: {}", f.meta.name)
            }
        })
        .collect()
}

/// `report.md` comparing several runs, one column per run.
pub fn compare(
    runs: &[(String, &Folder)],
    dirs: &[PathBuf],
    out: &Path,
    figs: &[Figure],
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", tr!("report-compare-title", runs = runs.len()));
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |k: String, f: &dyn Fn(&Folder, usize) -> String| {
        rows.push((k, runs.iter().enumerate().map(|(i, r)| f(r.1, i)).collect()));
    };
    row(tr!("report-row-folder"), &|_, i| {
        format!("`{}`", dirs[i].display())
    });
    row(tr!("report-row-scenario"), &|f, _| f.meta.name.clone());
    row(tr!("report-fact-seed"), &|f, _| f.meta.seed.to_string());
    row(tr!("report-fact-server"), &|f, _| {
        f.meta.server_kind.clone().unwrap_or("–".into())
    });
    row(tr!("report-fact-model"), &|f, _| model_text(&f.meta));
    row(tr!("report-fact-clients"), &|f, _| {
        clients_line(&f.meta).unwrap_or("–".into())
    });
    let all_num = |f: &Folder, name: &str| f.summary.num(f.summary.all(), name);
    row(tr!("report-col-sent"), &|f, _| {
        all_num(f, "sent").map_or("–".into(), fmt_num_int)
    });
    row(tr!("report-col-replies"), &|f, _| {
        all_num(f, "replies").map_or("–".into(), fmt_num_int)
    });
    row(tr!("report-row-lost"), &|f, _| {
        all_num(f, "timeouts").map_or("–".into(), fmt_num_int)
    });
    row(tr!("report-col-loss"), &|f, _| {
        let v = all_num(f, "loss_ratio").map_or("–".into(), pct);
        match (all_num(f, "loss_ci_low"), all_num(f, "loss_ci_high")) {
            (Some(a), Some(b)) => format!("{v} ({}–{})", fmt_num(a * 100.0), pct(b)),
            _ => v,
        }
    });
    row(tr!("report-row-expected-loss"), &|f, _| match f
        .meta
        .expected_loss
        .filter(|_| f.meta.has_loss_model)
    {
        Some(p) => pct(p),
        None => "–".into(),
    });
    for q in ["p50", "p90", "p99", "max"] {
        let name = format!("rtt_{q}_us");
        row(
            tr!("report-row-rtt", q = q),
            &|f, _| match all_num(f, &name) {
                Some(v) if v.is_infinite() => "∞".into(),
                Some(v) => fmt_us(v),
                None => "–".into(),
            },
        );
    }
    row(tr!("report-col-mean-loss-period"), &|f, _| {
        let total: u64 = f.scan.periods.values().sum();
        if total == 0 || !(f.has_rows || f.periods_from_file) {
            return "–".into();
        }
        let sum: u64 = f.scan.periods.iter().map(|(k, c)| k * c).sum();
        fmt_num(sum as f64 / total as f64)
    });
    if runs.iter().any(|r| r.1.logical.is_some()) {
        row(tr!("report-row-answered"), &|f, _| match &f.logical {
            Some(l) => {
                let ok: u64 = l.by_attempts.values().map(|v| v.0).sum();
                pct(ok as f64 / l.total().max(1) as f64)
            }
            None => "–".into(),
        });
    }

    md.push('|');
    md.push_str(" |");
    for (label, _) in runs {
        let _ = write!(md, " {} |", cell(label));
    }
    md.push_str("\n|---|");
    for _ in runs {
        md.push_str("---:|");
    }
    md.push('\n');
    for (k, cells) in &rows {
        let _ = write!(md, "| {k} |");
        for c in cells {
            let _ = write!(md, " {} |", cell(c));
        }
        md.push('\n');
    }
    md.push('\n');

    let _ = writeln!(md, "## {}\n", tr!("report-h-what-differs"));
    md.push_str(&observations(runs));
    md.push('\n');

    let _ = writeln!(md, "## {}\n", tr!("report-h-figures"));
    figures(&mut md, figs);

    let _ = writeln!(md, "## {}\n\n```sh", tr!("report-h-reproduce"));
    for ((_, f), d) in runs.iter().zip(dirs) {
        let _ = writeln!(md, "{}", run_command(&f.meta, d, f.has_rows, false));
    }
    md.push_str("losslab report");
    // The folders the runs above write, from the same working directory as they.
    for ((_, f), d) in runs.iter().zip(dirs) {
        let _ = write!(md, " {}", shell_word(&rerun_dir(&f.meta, d)));
    }
    let _ = writeln!(
        md,
        " --out {}\n```\n",
        shell_word(&out.display().to_string())
    );
    let sims = runs.iter().filter(|r| is_sim(&r.1.meta)).count();
    let how = if sims == runs.len() {
        tr!("report-reproduce-compare-sim")
    } else if sims == 0 {
        tr!("report-reproduce-compare-live")
    } else {
        tr!("report-reproduce-compare-mixed")
    };
    let _ = writeln!(md, "{} {how}", tr!("report-reproduce-compare"));
    md
}

/// A few sentences on what the runs show side by side.
fn observations(runs: &[(String, &Folder)]) -> String {
    struct R<'a> {
        label: &'a str,
        loss: f64,
        p50: Option<f64>,
        p90: Option<f64>,
        p99: Option<f64>,
        tcp: bool,
        /// Packets the `[link]` carried and dropped, both directions (runs with a link).
        link: Option<(f64, f64)>,
        sim: bool,
        expected: Option<f64>,
    }
    let rs: Vec<R> = runs
        .iter()
        .map(|(label, f)| {
            let all = f.summary.all();
            let num = |c: &str| f.summary.num(all, c).filter(|v| v.is_finite());
            let link = match (
                num("link_request_packets"),
                num("link_reply_packets"),
                num("link_request_dropped"),
                num("link_reply_dropped"),
            ) {
                (Some(a), Some(b), Some(c), Some(d)) => Some((a + b, c + d)),
                _ => None,
            };
            R {
                label,
                loss: num("loss_ratio").unwrap_or(0.0),
                p50: num("rtt_p50_us"),
                p90: num("rtt_p90_us"),
                p99: num("rtt_p99_us"),
                tcp: f.meta.is_tcp(),
                link,
                sim: is_sim(&f.meta),
                expected: f.meta.expected_loss.filter(|_| f.meta.has_loss_model),
            }
        })
        .collect();
    let mut s = rs
        .iter()
        .map(|r| {
            tr!(
                "report-obs-run",
                run = r.label,
                loss = pct(r.loss),
                p50 = r.p50.map_or_else(|| tr!("report-obs-no-replies"), fmt_us)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    s.push_str("\n\n");
    let lossy_udp = rs.iter().find(|r| !r.tcp && r.loss > 0.0);
    let tcp = rs.iter().find(|r| r.tcp);
    if let (Some(u), Some(t)) = (lossy_udp, tcp) {
        let expects = u.expected.map_or(String::new(), |e| {
            tr!("report-obs-tcp-expects", expected = pct(e))
        });
        s.push_str(&tr!(
            "report-obs-tcp",
            udp = u.label,
            loss = pct(u.loss),
            expects = expects
        ));
        if let Some((packets, dropped)) = t.link.filter(|(_, d)| *d > 0.0) {
            let rto = match t.sim {
                true => tr!("report-obs-rto-sim"),
                false => tr!("report-obs-rto-linux"),
            };
            s.push_str(&tr!(
                "report-obs-tcp-link",
                tcp = t.label,
                dropped = format!("{dropped:.0}"),
                packets = format!("{packets:.0}"),
                loss = pct(t.loss),
                p50 = t.p50.map_or("–".into(), fmt_us),
                p90 = t.p90.map_or("–".into(), fmt_us),
                p99 = t.p99.map_or("–".into(), fmt_us),
                rto = rto
            ));
        } else if t.loss == 0.0 {
            s.push_str(&tr!(
                "report-obs-tcp-loopback",
                tcp = t.label,
                tcp_p50 = t.p50.map_or("–".into(), fmt_us),
                udp_p50 = u.p50.map_or("–".into(), fmt_us)
            ));
        } else {
            s.push('.');
        }
        s.push('\n');
    }
    // Runs that retried: what the retries bought, from the summary's logical-request columns.
    let retried: Vec<String> = runs
        .iter()
        .filter_map(|(label, f)| {
            let all = f.summary.all();
            let ratio = f.summary.num(all, "success_ratio")?;
            let per = f.summary.num(all, "attempts_per_success")?;
            let p99 = f.summary.num(all, "tts_p99_us").filter(|v| v.is_finite());
            (per > 1.0).then(|| {
                tr!(
                    "report-obs-retried-run",
                    run = label.as_str(),
                    success = pct(ratio),
                    attempts = format!("{per:.2}"),
                    p99 = p99.map_or("–".into(), fmt_us)
                )
            })
        })
        .collect();
    if !retried.is_empty() {
        let _ = writeln!(
            s,
            "\n{}",
            tr!("report-obs-retries", runs = retried.join("; "))
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(mode: &str) -> Meta {
        Meta {
            name: "lab".into(),
            seed: 7,
            scenario_file: Some("scenarios/lab file.toml".into()),
            mode: Some(mode.into()),
            ..Meta::default()
        }
    }

    #[test]
    fn the_run_command_names_what_makes_the_rerun_match() {
        let live = meta("live");
        assert_eq!(
            run_command(&live, Path::new("results/lab"), true, true),
            "losslab run 'scenarios/lab file.toml' --seed 7 --report"
        );
        assert_eq!(
            run_command(&live, Path::new("/scratch/lab"), true, false),
            "losslab run 'scenarios/lab file.toml' --seed 7",
            "only the folder's name counts"
        );
        let sim = meta("sim");
        assert_eq!(
            run_command(&sim, Path::new("/out/o"), false, true),
            "losslab run 'scenarios/lab file.toml' --seed 7 --sim --no-requests-csv --out /out/o \
             --report"
        );
        // A folder given relative to where `report` ran is named absolutely: the block's
        // commands run from where the run was started, which may be elsewhere.
        let abs = std::env::current_dir().unwrap().join("out/o");
        assert_eq!(
            rerun_dir(&sim, Path::new("out/o")),
            abs.display().to_string()
        );
        assert_eq!(rerun_dir(&sim, Path::new("lab")), "results/lab");
        let builtin = Meta {
            scenario_file: Some("scenarios/lab9-udp-time.toml (built-in default)".into()),
            ..meta("live")
        };
        assert_eq!(
            run_command(&builtin, Path::new("/tmp/it's"), true, false),
            r"losslab run --seed 7 --out '/tmp/it'\''s'"
        );
    }
}
