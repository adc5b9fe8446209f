//! `losslab report`: pictures and a short markdown summary from results folders, never a rerun.
//!
//! One folder gives `report.md` and its SVG figures (RTT histogram and CDF, loss over time, loss
//! periods against the model's geometric prediction, RTT per client, attempts per request when
//! there were retries); several folders give a comparison (overlaid CDFs, loss per run, a table
//! with one column per run). The CSV files are streamed once (see [`scan`]), so a folder of a
//! million rows reads in bounded memory.
//!
//! Invariants: the output depends only on the files read and the options (no clock, no paths
//! other than those given), so the same input gives byte-identical files; every figure and the
//! markdown are complete in memory before the output folder is touched, and they are written
//! in a staging folder beside the output and moved into place together ([`Staging`]), so a failure leaves no partial
//! report and no new empty folder.

pub mod folder;
pub mod markdown;
pub mod plot;
pub mod scan;

use crate::results::folder::Staging;
use anyhow::{Result, bail};
use folder::Folder;
use std::path::{Path, PathBuf};

pub use crate::metrics::stats::percentile;

/// What `losslab report` was asked for.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Results folders: one for a report, several for a comparison.
    pub dirs: Vec<PathBuf>,
    /// Where to write; default `DIR/report` for one folder, required for several.
    pub out: Option<PathBuf>,
    /// Packets per window in the loss-over-time plot; default from the run's size.
    pub window: Option<u64>,
}

/// What was written.
#[derive(Clone, Debug)]
pub struct Written {
    pub out_dir: PathBuf,
    /// File names inside `out_dir`, `report.md` last.
    pub files: Vec<String>,
}

/// A figure of the report: its file, its title in the markdown, one sentence on what it shows.
pub struct Figure {
    pub file: &'static str,
    pub title: String,
    pub sentence: String,
    pub svg: String,
}

/// Reads the folders, draws, and writes the report.
pub fn write_report(opts: &ReportOptions) -> Result<Written> {
    let out = match (&opts.out, opts.dirs.as_slice()) {
        (_, []) => bail!("give at least one results folder"),
        (Some(o), _) => o.clone(),
        (None, [one]) => one.join("report"),
        (None, many) => bail!(
            "comparing {} results folders needs --out DIR (where to write the comparison)",
            many.len()
        ),
    };
    if opts.window == Some(0) {
        bail!("--window must be at least 1 packet");
    }
    let folders = opts
        .dirs
        .iter()
        .map(|d| Folder::read(d))
        .collect::<Result<Vec<_>>>()?;
    let (figures, md) = if let [f] = folders.as_slice() {
        single(f, opts.window)?
    } else {
        compare(&folders, &opts.dirs, &out)?
    };
    let mut files: Vec<(String, Vec<u8>)> = figures
        .into_iter()
        .map(|f| (f.file.to_string(), f.svg.into_bytes()))
        .collect();
    files.push(("report.md".to_string(), md.into_bytes()));
    write_all(&out, &files)?;
    Ok(Written {
        out_dir: out,
        files: files.into_iter().map(|(n, _)| n).collect(),
    })
}

/// Writes every file or none, staged beside `out` and moved into place together (see
/// [`crate::results::folder`]): a figure an earlier report drew and this one does not is
/// removed only if the folder's manifest lists it; a user's files in `out` stay.
fn write_all(out: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let mut dir = Staging::begin(out, crate::results::legacy_report_folder)?;
    for (name, bytes) in files {
        dir.bytes(name, bytes)?;
    }
    dir.commit()?;
    Ok(())
}

/// The loss-over-time window: about a twentieth of the run, at least 20 packets, at most 5000,
/// rounded to 1, 2 or 5 times a power of ten.
pub fn default_window(decided: u64) -> u64 {
    if decided < 20 {
        return decided.max(1);
    }
    let target = (decided / 20).clamp(20, 5000);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if m * step * 10 > target * 7 {
                return m * step;
            }
        }
        step *= 10;
    }
}

fn single(f: &Folder, window: Option<u64>) -> Result<(Vec<Figure>, String)> {
    let s = &f.scan;
    if let Some(w) = window
        && f.has_rows
        && w > s.first_decided()
    {
        // A window longer than the run has no point to draw: say so instead of an empty plot.
        bail!(
            "--window {w} is longer than the {} first attempts in {}; use at most {}",
            s.first_decided(),
            f.dir.display(),
            s.first_decided()
        );
    }
    let window = window.unwrap_or_else(|| default_window(s.first_decided()));
    let mut figs = Vec::new();
    let mut skipped = Vec::new();
    let fmt_us = plot::fmt_us;
    if !f.has_rows {
        skipped.push(
            "This run kept no per-packet rows (`summary.json` lists no `requests.csv`: \
             `[output] requests_csv = false` or `run --no-requests-csv`), so the figures drawn \
             from them (RTT distribution, CDF and per client, loss over time) are left out; the \
             table above comes from `summary.csv`."
                .to_string(),
        );
    } else if s.rtt.is_empty() {
        skipped.push(
            "No packet was answered in time, so there are no RTTs to draw (histogram, CDF, per client).".to_string(),
        );
    } else {
        let p50 = percentile(&s.rtt, 0.5).unwrap_or(0) as f64;
        let p99 = percentile(&s.rtt, 0.99).unwrap_or(0) as f64;
        let mut sentence = format!(
            "How the round-trip times of the {} replies spread (RFC 2681): half took at most {}, \
             99% at most {}.",
            s.replies(),
            fmt_us(p50),
            fmt_us(p99)
        );
        if !s.late.is_empty() {
            sentence.push_str(&format!(
                " {} replies came after the {} timeout: they are drawn on top and count as lost \
                 (RFC 7680).",
                s.late.len(),
                f.meta.timeout_us.map_or("".into(), |t| fmt_us(t as f64))
            ));
        }
        figs.push(Figure {
            file: "rtt-histogram.svg",
            title: "RTT distribution".into(),
            sentence,
            svg: plot::rtt_histogram(f)?,
        });
        figs.push(Figure {
            file: "rtt-cdf.svg",
            title: "RTT cumulative distribution".into(),
            sentence: format!(
                "For each round-trip time x, the share of replies that came back within x; the \
                 dots mark the median ({}) and the 99th percentile ({}). Lost packets are left \
                 out here.",
                fmt_us(p50),
                fmt_us(p99)
            ),
            svg: plot::rtt_cdf(f)?,
        });
    }
    if f.has_rows && s.first_decided() > 0 {
        let expected = f
            .meta
            .has_loss_model
            .then_some(f.meta.expected_loss)
            .flatten();
        let mut sentence =
            format!("The share of first attempts lost among the last {window} sent, along the run");
        if s.max_attempt() > 0 {
            // Retries follow losses, so under bursty loss they are lost more often than the
            // model's rate: counting them would lift the curve above the model's line.
            sentence.push_str(
                " (retries are left out: each follows a loss, so they are not a random sample \
                 of packets)",
            );
        }
        let (lost, n) = (
            s.timeline.buckets.iter().map(|b| b.0).sum::<u64>(),
            s.first_decided(),
        );
        sentence.push_str(&format!(
            ". Over the whole run {lost} of {n} first attempts were lost ({}%)",
            plot::fmt_num(lost as f64 / n as f64 * 100.0)
        ));
        match (expected, f.meta.variance_factor()) {
            (Some(p), Some(vf)) => {
                sentence.push_str(&format!(
                    "; the model expects {}%, and under the model a window stays inside the grey \
                     band 95% of the time (normal approximation",
                    plot::fmt_num(p * 100.0)
                ));
                if vf == 1.0 {
                    sentence.push_str("; the model's losses are independent).");
                } else {
                    sentence.push_str(&format!(
                        ", widened {}x for the model's bursts: its variance factor is {}).",
                        plot::fmt_num(vf.sqrt()),
                        plot::fmt_num(vf)
                    ));
                }
            }
            (Some(p), None) if f.meta.is_pattern() => sentence.push_str(&format!(
                "; the pattern loses {}% of packets, always the same ones in the same order, so \
                 there is no randomness and no band to draw.",
                plot::fmt_num(p * 100.0)
            )),
            (Some(p), None) => sentence.push_str(&format!(
                "; the model expects {}%.",
                plot::fmt_num(p * 100.0)
            )),
            (None, _) => sentence.push_str("; the scenario has no loss model."),
        }
        if s.first_lost == 0 {
            sentence.push_str(" No first attempt was lost: the line stays at 0.");
        }
        figs.push(Figure {
            file: "loss-over-time.svg",
            title: "Loss over time".into(),
            sentence,
            svg: plot::loss_over_time(f, window)?,
        });
    }
    if !f.has_rows && !f.periods_from_file {
        skipped.push(
            "Nor is there a `loss_periods.csv`, so there are no loss periods to draw.".to_string(),
        );
    } else if s.periods.is_empty() {
        skipped
            .push("No first attempt was lost, so there are no loss periods to draw.".to_string());
    } else {
        let mean = f.meta.predicted_mean_period();
        let total: u64 = s.periods.values().sum();
        let measured = s.periods.iter().map(|(k, c)| k * c).sum::<u64>() as f64 / total as f64;
        let source = if f.periods_from_file {
            "`loss_periods.csv`"
        } else {
            "first attempts in `requests.csv`, per client in seq order"
        };
        let mut sentence = format!(
            "How many consecutive first attempts were lost at a time (RFC 3357 loss periods, \
             from {source}): {total} periods, mean length {}",
            plot::fmt_num(measured)
        );
        let exact = f.meta.geometric_periods();
        match mean {
            Some(m) if exact => sentence.push_str(&format!(
                ", against the geometric distribution with the model's mean {}, which is what \
                 this model predicts (independent losses give short periods; a bursty model \
                 gives a longer tail).",
                plot::fmt_num(m)
            )),
            Some(m) => sentence.push_str(&format!(
                ", against a geometric distribution with the model's mean {} as a reference \
                 only: under {} loss periods are not geometric, so only the mean is a \
                 prediction, not the shape.",
                plot::fmt_num(m),
                f.meta.model_kind()
            )),
            None => sentence.push_str("; the scenario's model predicts no mean to compare with."),
        }
        figs.push(Figure {
            file: "loss-periods.svg",
            title: "Loss periods (burst lengths)".into(),
            sentence,
            svg: plot::loss_periods(&s.periods, mean, exact)?,
        });
    }
    if !s.rtt.is_empty() {
        figs.push(Figure {
            file: "rtt-per-client.svg",
            title: "RTT per client".into(),
            sentence: format!(
                "Each client's round-trip times side by side ({} clients): the box spans the \
                 middle half, the white bar is the median, whiskers reach the 1st and 99th \
                 percentiles and the dot is the slowest reply.",
                s.per_client.len()
            ),
            svg: plot::rtt_per_client(f)?,
        });
    }
    // Only when some request was sent more than once: without retries every request used
    // one attempt, and the loss figures already say how many were answered.
    if let Some(l) = f
        .logical
        .as_ref()
        .filter(|l| l.by_attempts.keys().any(|&a| a > 1))
    {
        let first = l.by_attempts.get(&1).map_or(0, |v| v.0);
        let failed: u64 = l.by_attempts.values().map(|v| v.1).sum();
        let source = if f.logical_from_file {
            "`logical.csv`"
        } else {
            "the attempt numbers in `requests.csv`"
        };
        figs.push(Figure {
            file: "attempts.svg",
            title: "Attempts per request".into(),
            sentence: format!(
                "How many transmissions each logical request needed (from {source}): {first} of \
                 {} were answered at the first attempt and {failed} not at all.",
                l.total()
            ),
            svg: plot::attempts(l)?,
        });
    }
    let md = markdown::single(f, &figs, &skipped, window);
    Ok((figs, md))
}

fn compare(folders: &[Folder], dirs: &[PathBuf], out: &Path) -> Result<(Vec<Figure>, String)> {
    let labels = markdown::run_labels(folders);
    let runs: Vec<(String, &Folder)> = labels.iter().cloned().zip(folders.iter()).collect();
    let mut figs = Vec::new();
    // A run without per-packet rows has no RTTs to draw: it is left out of the CDFs.
    let with_rows: Vec<(String, &Folder)> = runs.iter().filter(|r| r.1.has_rows).cloned().collect();
    if with_rows.iter().any(|r| !r.1.scan.rtt.is_empty()) {
        let mut sentence = String::from(
            "For each round-trip time x, the share of all packets of each run that were \
             answered within x; a lost packet never is (RFC 2681: its RTT is infinite), so a \
             lossy run's curve levels off below 100% — and a run that hides loss as delay \
             reaches 100% further right.",
        );
        let without: Vec<&str> = runs
            .iter()
            .filter(|r| !r.1.has_rows)
            .map(|r| r.0.as_str())
            .collect();
        if !without.is_empty() {
            sentence.push_str(&format!(
                " Not drawn: {} (no per-packet rows).",
                without.join(", ")
            ));
        }
        figs.push(Figure {
            file: "compare-rtt-cdf.svg",
            title: "RTT cumulative distributions".into(),
            sentence,
            svg: plot::compare_cdf(&with_rows)?,
        });
    }
    figs.push(Figure {
        file: "compare-loss.svg",
        title: "Loss per run".into(),
        sentence: "Each run's measured loss ratio with its 95% interval (batch means: bursts \
                   widen it by as much as they varied), and the loss its model expects: two \
                   runs whose intervals do not overlap differ by more than chance."
            .into(),
        svg: plot::compare_loss(&runs)?,
    });
    let md = markdown::compare(&runs, dirs, out, &figs);
    Ok((figs, md))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_window_is_round_and_bounded() {
        assert_eq!(default_window(5), 5);
        assert_eq!(default_window(200), 20);
        assert_eq!(default_window(2000), 100);
        assert_eq!(default_window(1_000_000), 5000);
        for n in [20, 123, 4567, 89_012, 10_000_000] {
            let w = default_window(n);
            assert!((1..=5000).contains(&w), "{n}: {w}");
            let lead = w / 10u64.pow(w.ilog10());
            assert!(
                [1, 2, 5].contains(&lead) && w.is_multiple_of(10u64.pow(w.ilog10())),
                "{w}"
            );
        }
    }
}
