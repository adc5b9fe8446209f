//! `losslab report`: pictures and a short markdown summary from results folders, never a rerun.
//!
//! One folder gives `report.md` and its SVG figures (RTT histogram and CDF, loss over time, loss
//! periods against the model's geometric prediction, RTT per client, attempts per request when
//! there were retries); several folders give a comparison (overlaid CDFs, loss per run, a table
//! with one column per run). The CSV files are streamed once (see [`scan`]), so a folder of a
//! million rows reads in bounded memory.
//!
//! Every word of `report.md` and of the figures comes from the `report` part of the message
//! catalogs (`i18n/report/`), in the language [`ReportOptions::lang`] names; the numbers, file
//! names and commands are the same in every language.
//!
//! Invariants: the output depends only on the files read and the options (no clock, no paths
//! other than those given, no locale but `lang`), so the same input gives byte-identical files; every figure and the
//! markdown are complete in memory before the output folder is touched, and they are written
//! in a staging folder beside the output and moved into place together ([`Staging`]), so a failure leaves no partial
//! report and no new empty folder.

pub mod folder;
pub mod markdown;
pub mod plot;
pub mod scan;

use crate::i18n::Lang;
use crate::results::folder::Staging;
use crate::tr;
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
    /// The language of `report.md` and the figures' labels: the user's for `report` and `run
    /// --report`, English for the reference folders `run-all` writes (they must not depend on
    /// the locale of whoever regenerates them). Errors stay in the process's language.
    pub lang: Lang,
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
        (_, []) => bail!(tr!("report-err-no-folder")),
        (Some(o), _) => o.clone(),
        (None, [one]) => one.join("report"),
        (None, many) => bail!(tr!("report-err-compare-needs-out", n = many.len())),
    };
    if opts.window == Some(0) {
        bail!(tr!("report-err-window-zero"));
    }
    let folders = opts
        .dirs
        .iter()
        .map(|d| Folder::read(d))
        .collect::<Result<Vec<_>>>()?;
    if let ([f], Some(w)) = (folders.as_slice(), opts.window)
        && f.has_rows
        && w > f.scan.first_decided()
    {
        // A window longer than the run has no point to draw: say so instead of an empty plot.
        bail!(tr!(
            "report-err-window-too-long",
            window = w,
            first = f.scan.first_decided(),
            dir = f.dir.display().to_string()
        ));
    }
    // Only the text written into the files is in the report's language.
    let (figures, md) = crate::i18n::with_lang(opts.lang, || {
        if let [f] = folders.as_slice() {
            single(f, opts.window)
        } else {
            compare(&folders, &opts.dirs, &out)
        }
    })?;
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
    let window = window.unwrap_or_else(|| default_window(s.first_decided()));
    let mut figs = Vec::new();
    let mut skipped = Vec::new();
    let fmt_us = plot::fmt_us;
    let pct = |v: f64| plot::fmt_num(v * 100.0);
    if !f.has_rows {
        skipped.push(tr!("report-skip-no-rows"));
    } else if s.rtt.is_empty() {
        skipped.push(tr!("report-skip-no-rtt"));
    } else {
        let p50 = percentile(&s.rtt, 0.5).unwrap_or(0) as f64;
        let p99 = percentile(&s.rtt, 0.99).unwrap_or(0) as f64;
        let mut sentence = tr!(
            "report-rtt-histogram-text",
            replies = s.replies(),
            p50 = fmt_us(p50),
            p99 = fmt_us(p99)
        );
        if !s.late.is_empty() {
            sentence.push_str(&tr!(
                "report-rtt-histogram-late",
                late = s.late.len(),
                timeout = f.meta.timeout_us.map_or("".into(), |t| fmt_us(t as f64))
            ));
        }
        figs.push(Figure {
            file: "rtt-histogram.svg",
            title: tr!("report-fig-rtt-histogram"),
            sentence,
            svg: plot::rtt_histogram(f)?,
        });
        figs.push(Figure {
            file: "rtt-cdf.svg",
            title: tr!("report-fig-rtt-cdf"),
            sentence: tr!("report-rtt-cdf-text", p50 = fmt_us(p50), p99 = fmt_us(p99)),
            svg: plot::rtt_cdf(f)?,
        });
    }
    if f.has_rows && s.first_decided() > 0 {
        let expected = f
            .meta
            .has_loss_model
            .then_some(f.meta.expected_loss)
            .flatten();
        let mut sentence = tr!("report-loss-time-text", window = window);
        if s.max_attempt() > 0 {
            // Retries follow losses, so under bursty loss they are lost more often than the
            // model's rate: counting them would lift the curve above the model's line.
            sentence.push_str(&tr!("report-loss-time-retries"));
        }
        let (lost, n) = (
            s.timeline.buckets.iter().map(|b| b.0).sum::<u64>(),
            s.first_decided(),
        );
        sentence.push_str(&tr!(
            "report-loss-time-whole",
            lost = lost,
            first = n,
            percent = pct(lost as f64 / n as f64)
        ));
        match (expected, f.meta.variance_factor()) {
            (Some(p), Some(vf)) => {
                sentence.push_str(&tr!("report-loss-time-band", expected = pct(p)));
                if vf == 1.0 {
                    sentence.push_str(&tr!("report-loss-time-independent"));
                } else {
                    sentence.push_str(&tr!(
                        "report-loss-time-widened",
                        widen = plot::fmt_num(vf.sqrt()),
                        factor = plot::fmt_num(vf)
                    ));
                }
            }
            (Some(p), None) if f.meta.is_pattern() => {
                sentence.push_str(&tr!("report-loss-time-pattern", expected = pct(p)));
            }
            (Some(p), None) => {
                sentence.push_str(&tr!("report-loss-time-expected", expected = pct(p)));
            }
            (None, _) => sentence.push_str(&tr!("report-loss-time-no-model")),
        }
        if s.first_lost == 0 {
            sentence.push_str(&tr!("report-loss-time-none-lost"));
        }
        figs.push(Figure {
            file: "loss-over-time.svg",
            title: tr!("report-fig-loss-over-time"),
            sentence,
            svg: plot::loss_over_time(f, window)?,
        });
    }
    if !f.has_rows && !f.periods_from_file {
        skipped.push(tr!("report-skip-no-periods-file"));
    } else if s.periods.is_empty() {
        skipped.push(tr!("report-skip-no-periods"));
    } else {
        let mean = f.meta.predicted_mean_period();
        let total: u64 = s.periods.values().sum();
        let measured = s.periods.iter().map(|(k, c)| k * c).sum::<u64>() as f64 / total as f64;
        let source = if f.periods_from_file {
            "`loss_periods.csv`".to_string()
        } else {
            tr!("report-periods-source-requests")
        };
        let mut sentence = tr!(
            "report-periods-text",
            source = source,
            periods = total,
            mean = plot::fmt_num(measured)
        );
        let exact = f.meta.geometric_periods();
        match mean {
            Some(m) if exact => {
                sentence.push_str(&tr!("report-periods-geometric", mean = plot::fmt_num(m)))
            }
            Some(m) => sentence.push_str(&tr!(
                "report-periods-reference",
                mean = plot::fmt_num(m),
                kind = f.meta.model_kind()
            )),
            None => sentence.push_str(&tr!("report-periods-no-mean")),
        }
        figs.push(Figure {
            file: "loss-periods.svg",
            title: tr!("report-fig-loss-periods"),
            sentence,
            svg: plot::loss_periods(&s.periods, mean, exact)?,
        });
    }
    if !s.rtt.is_empty() {
        figs.push(Figure {
            file: "rtt-per-client.svg",
            title: tr!("report-fig-rtt-per-client"),
            sentence: tr!("report-rtt-per-client-text", clients = s.per_client.len()),
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
            "`logical.csv`".to_string()
        } else {
            tr!("report-attempts-source-requests")
        };
        figs.push(Figure {
            file: "attempts.svg",
            title: tr!("report-fig-attempts"),
            sentence: tr!(
                "report-attempts-text",
                source = source,
                first = first,
                requests = l.total(),
                failed = failed
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
        let mut sentence = tr!("report-compare-cdf-text");
        let without: Vec<&str> = runs
            .iter()
            .filter(|r| !r.1.has_rows)
            .map(|r| r.0.as_str())
            .collect();
        if !without.is_empty() {
            sentence.push_str(&tr!(
                "report-compare-cdf-not-drawn",
                runs = without.join(", ")
            ));
        }
        figs.push(Figure {
            file: "compare-rtt-cdf.svg",
            title: tr!("report-fig-compare-cdf"),
            sentence,
            svg: plot::compare_cdf(&with_rows)?,
        });
    }
    figs.push(Figure {
        file: "compare-loss.svg",
        title: tr!("report-fig-compare-loss"),
        sentence: tr!("report-compare-loss-text"),
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
