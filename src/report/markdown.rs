//! The text of `report.md`: the scenario, the summary table, the figures with one sentence each,
//! and the commands that reproduce the run.
//!
//! Invariant: only the folders' contents and the paths the user gave appear, in a fixed order,
//! so the markdown is byte-identical for the same input.

use super::Figure;
use super::folder::{Folder, Meta, SummaryTable};
use super::plot::{fmt_num, fmt_us};
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
    let mut s = format!("{} × {} requests", m.clients?, m.requests?);
    if let Some(p) = &m.pacing {
        let _ = write!(s, ", {p}");
    }
    if let Some(t) = m.timeout_us {
        let _ = write!(s, ", timeout {}", fmt_us(t as f64));
    }
    if let Some(r) = m.retries {
        let _ = write!(s, ", {r} retries");
    }
    if let Some(b) = &m.backoff {
        let _ = write!(s, " ({b})");
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
fn out_arg(m: &Meta, dir: &Path) -> Option<String> {
    match dir.file_name() {
        Some(n) if n.to_str() == Some(m.name.as_str()) => None,
        _ => Some(dir.display().to_string()),
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
        (None, None) => "none: nothing is impaired".into(),
        (Some(s), None) => s,
        (None, Some(l)) => format!("link: {l}"),
        (Some(s), Some(l)) => format!("server: {s}; link: {l}"),
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
    push("client".into(), &|r| {
        t.text(r, "scope").unwrap_or("").to_string()
    });
    for (name, title) in [
        ("sent", "sent"),
        ("replies", "replies"),
        ("timeouts", "lost"),
    ] {
        push(title.into(), &|r| {
            t.num(r, name).map_or("–".into(), fmt_num_int)
        });
    }
    push("loss".into(), &|r| {
        t.num(r, "loss_ratio").map_or("–".into(), pct)
    });
    if t.col("loss_ci_low").is_some() {
        push(
            "loss 95% CI".into(),
            &|r| match (t.num(r, "loss_ci_low"), t.num(r, "loss_ci_high")) {
                (Some(a), Some(b)) => format!("{}–{}", fmt_num(a * 100.0), pct(b)),
                _ => "–".into(),
            },
        );
    }
    for q in ["p50", "p90", "p99", "max"] {
        let name = format!("rtt_{q}_us");
        if t.col(&name).is_some() {
            push(format!("RTT {q} ({unit})"), &|r| time(t.num(r, &name)));
        }
    }
    // Counters that are usually zero appear only when some row has one.
    for (name, title) in [
        ("late", "late"),
        ("duplicates", "duplicates"),
        ("stray", "stray"),
        ("corrupted", "corrupted"),
        ("interrupted", "interrupted"),
        ("errors", "errors"),
        ("loss_periods", "loss periods"),
    ] {
        if t.rows
            .iter()
            .any(|r| t.num(r, name).is_some_and(|v| v != 0.0))
        {
            push(title.into(), &|r| {
                t.num(r, name).map_or("–".into(), fmt_num_int)
            });
        }
    }
    if t.rows
        .iter()
        .any(|r| t.num(r, "loss_period_mean").is_some())
    {
        push("mean loss period".into(), &|r| {
            t.num(r, "loss_period_mean").map_or("–".into(), fmt_num)
        });
    }
    if t.col("jitter_us").is_some() {
        push(format!("jitter ({unit})"), &|r| time(t.num(r, "jitter_us")));
    }
    let retried = t
        .rows
        .iter()
        .any(|r| t.num(r, "attempts_per_success").is_some_and(|v| v > 1.0));
    if retried {
        push("success".into(), &|r| {
            t.num(r, "success_ratio").map_or("–".into(), pct)
        });
        push("attempts / success".into(), &|r| {
            t.num(r, "attempts_per_success").map_or("–".into(), fmt_num)
        });
        if t.col("tts_p99_us").is_some() {
            push(format!("time to success p99 ({unit})"), &|r| {
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
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(md, "| {k} | {} |", cell(&v));
    };
    if let Some(file) = &m.scenario_file {
        fact("scenario file", format!("`{file}`"));
    }
    fact("seed", m.seed.to_string());
    if let Some(k) = &m.server_kind {
        fact("server", k.clone());
    }
    if let Some(c) = clients_line(m) {
        fact("clients", c);
    }
    fact("model", model_text(m));
    if let (Some(i), Some(_)) = (impaired(m), &m.tc_equivalent) {
        fact("impairments", format!("`{i}`"));
    }
    if let Some(p) = m.expected_loss.filter(|_| m.has_loss_model) {
        let mut v = format!("{} of packets", pct(p));
        if let Some(l) = m.predicted_mean_period() {
            let _ = write!(v, ", mean loss period {} packets", fmt_num(l));
        }
        fact("the model expects", v);
    }
    let mut run = Vec::new();
    if let Some(s) = &m.status {
        run.push(s.clone());
    }
    if let Some(mode) = &m.mode {
        run.push(format!("{mode} run"));
    }
    if let Some(d) = m.duration_us {
        if is_sim(m) {
            run.push(format!("took {} of simulated time", fmt_us(d as f64)));
        } else {
            run.push(format!("took {}", fmt_us(d as f64)));
        }
    }
    if let Some(v) = &m.version {
        run.push(format!("losslab {v}"));
    }
    if !run.is_empty() {
        fact("run", run.join(", "));
    }
    md.push('\n');
    if m.status.as_deref() == Some("interrupted") {
        md.push_str(
            "**This run was interrupted**: the figures cover what was measured before the stop.\n\n",
        );
    }

    md.push_str("## Summary\n\n");
    md.push_str(&table(&summary_columns(&f.summary)));
    let mut notes = String::from(
        "\nFrom `summary.csv`: one row per client and `all`. A packet is lost when no reply came \
         within the timeout (RFC 7680); the interval is a 95% batch-means interval (each client's \
         packets cut into batches by sequence number, so bursts and retries widen it by as much \
         as they varied; Wilson's score form with Student's t)",
    );
    if let Some(p) = &m.rtt_percentiles {
        let _ = write!(notes, "; RTT percentiles over {p}");
    }
    notes.push_str(". Counters that are zero in every row are left out.\n\n");
    md.push_str(&notes);

    md.push_str("## Figures\n\n");
    figures(&mut md, figs);
    for s in skipped {
        let _ = writeln!(md, "{s}\n");
    }
    if f.scan.order_gaps > 0 {
        let _ = writeln!(
            md,
            "{} first attempts had no row in `requests.csv`; each gap ends a loss period.\n",
            f.scan.order_gaps
        );
    }
    if figs.iter().any(|f| f.file == "loss-over-time.svg") {
        let _ = writeln!(
            md,
            "The loss-over-time windows hold at least {window} first attempts each (`--window` \
             changes it).\n"
        );
    }

    md.push_str("## Reproduce\n\n```sh\n");
    let _ = writeln!(md, "{}", run_command(m, &f.dir, f.has_rows, true));
    let rerun = rerun_dir(m, &f.dir);
    let _ = writeln!(md, "losslab report {}", shell_word(&rerun));
    md.push_str("```\n\n");
    let _ = write!(
        md,
        "The first command reruns the experiment into `{rerun}/` and writes this report beside \
         it; the second redraws the report from the CSV files alone. "
    );
    if is_sim(m) {
        md.push_str(
            "This is a simulated run: the seed fixes which packets are lost and every simulated \
             delay, so the rerun gives the same files, RTTs included, byte for byte.\n",
        );
    } else {
        md.push_str(
            "The seed fixes which packets the server drops; RTTs are the machine's and change \
             from run to run.\n",
        );
    }
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
                format!("{letter}: {} seed {}", f.meta.name, f.meta.seed)
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
    let _ = writeln!(md, "# Comparison of {} runs\n", runs.len());
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut row = |k: &str, f: &dyn Fn(&Folder, usize) -> String| {
        rows.push((
            k.to_string(),
            runs.iter().enumerate().map(|(i, r)| f(r.1, i)).collect(),
        ));
    };
    row("folder", &|_, i| format!("`{}`", dirs[i].display()));
    row("scenario", &|f, _| f.meta.name.clone());
    row("seed", &|f, _| f.meta.seed.to_string());
    row("server", &|f, _| {
        f.meta.server_kind.clone().unwrap_or("–".into())
    });
    row("model", &|f, _| model_text(&f.meta));
    row("clients", &|f, _| {
        clients_line(&f.meta).unwrap_or("–".into())
    });
    let all_num = |f: &Folder, name: &str| f.summary.num(f.summary.all(), name);
    row("sent", &|f, _| {
        all_num(f, "sent").map_or("–".into(), fmt_num_int)
    });
    row("replies", &|f, _| {
        all_num(f, "replies").map_or("–".into(), fmt_num_int)
    });
    row("lost (timeouts)", &|f, _| {
        all_num(f, "timeouts").map_or("–".into(), fmt_num_int)
    });
    row("loss", &|f, _| {
        let v = all_num(f, "loss_ratio").map_or("–".into(), pct);
        match (all_num(f, "loss_ci_low"), all_num(f, "loss_ci_high")) {
            (Some(a), Some(b)) => format!("{v} ({}–{})", fmt_num(a * 100.0), pct(b)),
            _ => v,
        }
    });
    row(
        "expected loss",
        &|f, _| match f.meta.expected_loss.filter(|_| f.meta.has_loss_model) {
            Some(p) => pct(p),
            None => "–".into(),
        },
    );
    for q in ["p50", "p90", "p99", "max"] {
        let name = format!("rtt_{q}_us");
        row(&format!("RTT {q}"), &|f, _| match all_num(f, &name) {
            Some(v) if v.is_infinite() => "∞".into(),
            Some(v) => fmt_us(v),
            None => "–".into(),
        });
    }
    row("mean loss period", &|f, _| {
        let total: u64 = f.scan.periods.values().sum();
        if total == 0 || !(f.has_rows || f.periods_from_file) {
            return "–".into();
        }
        let sum: u64 = f.scan.periods.iter().map(|(k, c)| k * c).sum();
        fmt_num(sum as f64 / total as f64)
    });
    if runs.iter().any(|r| r.1.logical.is_some()) {
        row("answered requests", &|f, _| match &f.logical {
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

    md.push_str("## What differs\n\n");
    md.push_str(&observations(runs));
    md.push('\n');

    md.push_str("## Figures\n\n");
    figures(&mut md, figs);

    md.push_str("## Reproduce\n\n```sh\n");
    for ((_, f), d) in runs.iter().zip(dirs) {
        let _ = writeln!(md, "{}", run_command(&f.meta, d, f.has_rows, false));
    }
    md.push_str("losslab report");
    for d in dirs {
        let _ = write!(md, " {}", shell_word(&d.display().to_string()));
    }
    let _ = writeln!(
        md,
        " --out {}\n```\n",
        shell_word(&out.display().to_string())
    );
    md.push_str(
        "Each `losslab run` writes `results/<scenario name>/` unless `--out` names another \
         folder; the seed fixes which packets are dropped. ",
    );
    let sims = runs.iter().filter(|r| is_sim(&r.1.meta)).count();
    md.push_str(if sims == runs.len() {
        "Every run here is simulated, so the reruns give the same RTTs too.\n"
    } else if sims == 0 {
        "RTTs are the machine's and change from run to run.\n"
    } else {
        "RTTs of the live runs are the machine's and change from run to run; those of the \
         simulated (`--sim`) runs come out the same.\n"
    });
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
            format!(
                "{} lost {} of its packets; half of its replies took at most {}.",
                r.label,
                pct(r.loss),
                r.p50.map_or("– (no replies)".into(), fmt_us)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    s.push_str("\n\n");
    let lossy_udp = rs.iter().find(|r| !r.tcp && r.loss > 0.0);
    let tcp = rs.iter().find(|r| r.tcp);
    if let (Some(u), Some(t)) = (lossy_udp, tcp) {
        let _ = write!(
            s,
            "TCP turns loss into delay: over UDP the application sees each loss ({} lost {}{}, \
             and only a timeout said so), while TCP never reports a lost segment — its stack \
             retransmits it and the application just waits longer",
            u.label,
            pct(u.loss),
            u.expected.map_or(String::new(), |e| format!(
                " where the model expects {}",
                pct(e)
            ))
        );
        if let Some((packets, dropped)) = t.link.filter(|(_, d)| *d > 0.0) {
            let rto = match t.sim {
                true => "smoltcp's in the simulator starts at 1 s",
                false => "Linux's starts near 200 ms, 1 s for a SYN",
            };
            let _ = write!(
                s,
                ". Both crossed a lossy link. It dropped {dropped:.0} of {}'s {packets:.0} TCP \
                 packets, yet {} lost {} of its requests; the price is time: half of its \
                 replies took at most {}, but 10% took more than {} and 1% more than {}. Each \
                 step in its RTT curve is a retransmission timeout (RFC 6298; {rto}), doubled \
                 for every further loss of the same segment.",
                t.label,
                t.label,
                pct(t.loss),
                t.p50.map_or("–".into(), fmt_us),
                t.p90.map_or("–".into(), fmt_us),
                t.p99.map_or("–".into(), fmt_us),
            );
        } else if t.loss == 0.0 {
            let _ = write!(
                s,
                ". Loopback loses nothing, so here {}'s extra time is the connection set-up in \
                 each round trip ({} against {} at the median).",
                t.label,
                t.p50.map_or("–".into(), fmt_us),
                u.p50.map_or("–".into(), fmt_us)
            );
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
                format!(
                    "{label} answered {} of its requests in the end, with {per:.2} attempts per \
                     success and 99% of them within {}",
                    pct(ratio),
                    p99.map_or("–".into(), fmt_us)
                )
            })
        })
        .collect();
    if !retried.is_empty() {
        let _ = writeln!(
            s,
            "\nWith retries: {}. The packets' loss counts every attempt; a request succeeds \
             when any of its attempts is answered.",
            retried.join("; ")
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
            run_command(&sim, Path::new("out/o"), false, true),
            "losslab run 'scenarios/lab file.toml' --seed 7 --sim --no-requests-csv --out out/o \
             --report"
        );
        assert_eq!(rerun_dir(&sim, Path::new("out/o")), "out/o");
        assert_eq!(rerun_dir(&sim, Path::new("lab")), "results/lab");
        let builtin = Meta {
            scenario_file: Some("scenarios/lab9-udp-time.toml (built-in default)".into()),
            ..meta("live")
        };
        assert_eq!(
            run_command(&builtin, Path::new("it's"), true, false),
            r"losslab run --seed 7 --out 'it'\''s'"
        );
    }
}
