//! `losslab check`: a CI regression gate for loss statistics.
//!
//! `losslab check RESULTS_DIR [--expect FILE | --baseline DIR] [--confidence C]
//! [--format text|json|junit]` reads a results folder and judges it: against the scenario's loss
//! model (the default), against an expectations file ([`expect`]), or against a baseline folder.
//! `results` reads the folders, `eval` turns them into checks, `stats` holds the tests' formulas
//! and `output` prints the report.
//!
//! Invariant: the verdict is a pure function of the files read; a check either passes, fails or
//! is skipped (empty inputs), and any unreadable input — a missing file, a missing column, a
//! malformed number — is an error naming the file, line and column, which `cli` turns into exit
//! code 2 before anything is printed on standard output. Exit 1 means every input was read and
//! at least one check failed.

pub mod eval;
pub mod expect;
pub mod output;
pub mod results;
pub mod stats;

use anyhow::Result;
use clap::{Args, ValueEnum};
use eval::Level;
use output::Report;
use results::ResultsFolder;
use std::io::Write;
use std::path::PathBuf;

/// The confidence used when neither `--confidence` nor the expectations file gives one: a
/// correct run fails a given statistical check once in a thousand.
pub const DEFAULT_CONFIDENCE: f64 = 0.999;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// A results folder written by `losslab run`.
    pub results: PathBuf,
    /// Expectations file (TOML): summary.csv columns with "0.5 ± 0.02", "<= 2000", a number, or
    /// { model = true } for loss_ratio.
    #[arg(long, conflicts_with = "baseline")]
    pub expect: Option<PathBuf>,
    /// Compare with this results folder: loss (two-proportion z-test), loss-period lengths
    /// (Mann-Whitney), RTT p50/p90/p99 (ratio).
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Confidence of the statistical checks, between 0 and 1 [default: the expectations file's
    /// `confidence`, else 0.999].
    #[arg(long, value_parser = parse_confidence)]
    pub confidence: Option<f64>,
    /// With --baseline: RTT percentiles may differ by a factor of 1 + T either way
    /// [default: 1.0, within a factor of 2].
    #[arg(long, requires = "baseline", value_parser = parse_tolerance)]
    pub rtt_tolerance: Option<f64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
}

fn parse_confidence(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(c) if c > 0.0 && c < 1.0 => Ok(c),
        _ => Err("must be a number between 0 and 1, e.g. 0.999".into()),
    }
}

fn parse_tolerance(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err("must be a number ≥ 0 (1.0 allows a factor of 2 either way)".into()),
    }
}

/// Runs the checks and prints the report to `out`. Returns the report; the caller maps
/// [`Report::passed`] to exit code 0 or 1.
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<Report> {
    let folder = ResultsFolder::load(&args.results)?;
    let expect = args.expect.as_deref().map(expect::load).transpose()?;
    let confidence = args
        .confidence
        .or(expect.as_ref().and_then(|e| e.confidence))
        .unwrap_or(DEFAULT_CONFIDENCE);
    let level = Level {
        confidence,
        z: stats::z_for_confidence(confidence),
    };
    let results = args.results.display().to_string();
    let report = if let Some(file) = &expect {
        Report {
            results,
            against: "expect",
            reference: Some(file.file.clone()),
            level,
            checks: eval::expect_checks(&folder, file, level)?,
        }
    } else if let Some(dir) = &args.baseline {
        let base = ResultsFolder::load(dir)?;
        Report {
            results,
            against: "baseline",
            reference: Some(dir.display().to_string()),
            level,
            checks: eval::baseline_checks(
                &folder,
                &base,
                level,
                args.rtt_tolerance.unwrap_or(1.0),
            )?,
        }
    } else {
        Report {
            results,
            against: "model",
            reference: None,
            level,
            checks: eval::model_checks(&folder, level)?,
        }
    };
    let text = match args.format {
        Format::Text => output::text(&report),
        Format::Json => output::json(&report),
        Format::Junit => output::junit(&report),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(report)
}
