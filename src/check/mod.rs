//! `losslab check`: a CI regression gate for loss statistics, and a way to measure how often
//! that gate is wrong.
//!
//! `losslab check RESULTS_DIR [--expect FILE | --baseline DIR] [--confidence C]
//! [--format text|json|junit]` reads a results folder and judges it: against the scenario's loss
//! model (the default), against an expectations file ([`expect`]), or against a baseline folder.
//! `results` reads the summaries, `packets` the per-packet files, `chain` computes the model's
//! exact loss-count distribution, `eval` turns them into checks (with `metrics::batch` for the
//! intervals that estimate dependence from the data), `output` prints the report, and
//! `calibrate` (`--calibrate SCENARIO`) runs the scenario many times in sim to measure the
//! gate's false-failure rate and power.
//!
//! Invariant: the verdict is a pure function of the files read; a check either passes, fails or
//! is skipped (empty inputs); the statistical checks of one invocation form one family whose
//! chance of failing a correct run is at most 1 − confidence (Holm's correction). Any
//! unreadable input — a missing file, a missing column, a malformed number — is an error naming
//! the file, line and column, which `cli` turns into exit code 2 before anything is printed on
//! standard output. Exit 1 means every input was read and at least one check failed.

pub mod calibrate;
pub mod chain;
pub mod eval;
pub mod expect;
pub mod output;
pub mod packets;
pub mod results;
pub mod stats;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use eval::{BaselineOptions, Level};
use expect::ExpectFile;
use output::Report;
use results::ResultsFolder;
use std::io::Write;
use std::path::PathBuf;

/// The confidence used when neither `--confidence` nor the expectations file gives one: a
/// correct run fails the gate (all its statistical checks together) once in a thousand.
pub const DEFAULT_CONFIDENCE: f64 = 0.999;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// A results folder written by `losslab run` (not with --calibrate).
    #[arg(required_unless_present = "calibrate", conflicts_with = "calibrate")]
    pub results: Option<PathBuf>,
    /// Expectations file (TOML): summary.csv columns with "0.5 ± 0.02", "<= 2000", a number, or
    /// { model = true } for loss_ratio.
    #[arg(long, conflicts_with = "baseline")]
    pub expect: Option<PathBuf>,
    /// Compare with this results folder: loss (paired exact McNemar when both runs used the
    /// same seed, else Welch t on batch means; one-sided), mean loss-period length (Welch t on
    /// batch means).
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Confidence of the statistical checks, between 0 and 1: a correct run fails any of
    /// them with probability at most 1 − C (Holm) [default: the expectations file's
    /// `confidence`, else 0.999].
    #[arg(long, value_parser = parse_confidence)]
    pub confidence: Option<f64>,
    /// With --baseline: also compare RTT percentiles, which may differ by a factor of 1 + T
    /// either way. Opt-in: live RTTs follow the machine's load, not the code.
    #[arg(long, value_parser = parse_tolerance)]
    pub rtt_tolerance: Option<f64>,
    /// With --baseline: fail on a loss change either way, not only on an increase.
    #[arg(long)]
    pub two_sided: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Measure the gate instead of running it: run SCENARIO --runs times in sim with fresh
    /// seeds and print how often each check fails a correct run (with --shift: how often it
    /// catches the change).
    #[arg(long, value_name = "SCENARIO")]
    pub calibrate: Option<PathBuf>,
    /// With --calibrate: how many sim runs.
    #[arg(long, default_value_t = 200, requires = "calibrate")]
    pub runs: u64,
    /// With --calibrate: compare each run with one baseline run of this seed (a baseline of
    /// another seed, as a CI that keeps a reference folder does).
    #[arg(long, requires = "calibrate", conflicts_with_all = ["expect", "paired"])]
    pub baseline_seed: Option<u64>,
    /// With --calibrate: compare each candidate with a baseline of its own seed (the paired
    /// same-seed recipe); without --shift the two runs are identical.
    #[arg(long, requires = "calibrate", conflicts_with = "expect")]
    pub paired: bool,
    /// With --calibrate: compare each candidate with a baseline of a fresh seed of its own
    /// (seed + 10⁹): the false-failure rate over baselines too, where --baseline-seed gives
    /// it for one fixed baseline.
    #[arg(long, requires = "calibrate", conflicts_with_all = ["expect", "paired", "baseline_seed"])]
    pub unpaired: bool,
    /// With --calibrate: change the candidate runs, e.g. "loss +10%" (the model's mean loss
    /// times 1.1, bursts as long as before), to measure the gate's power.
    #[arg(long, requires = "calibrate")]
    pub shift: Option<String>,
    /// With --calibrate: the first of the fresh seeds (run i uses this + i).
    #[arg(long, default_value_t = 1_000_000, requires = "calibrate")]
    pub first_seed: u64,
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
        _ => Err(crate::tr!("check-err-confidence-flag")),
    }
}

fn parse_tolerance(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(crate::tr!("check-err-tolerance-flag")),
    }
}

/// What a folder is judged against.
pub enum Against<'a> {
    Model,
    Expect(&'a ExpectFile),
    Baseline(&'a ResultsFolder, BaselineOptions),
}

/// Judges one folder: the checks, Holm's correction over the statistical ones, the report.
pub fn judge(
    folder: &ResultsFolder,
    against: &Against,
    level: Level,
    results: String,
    reference: Option<String>,
) -> Result<Report> {
    let (name, mut checks) = match against {
        Against::Model => ("model", eval::model_checks(folder, level)?),
        Against::Expect(file) => ("expect", eval::expect_checks(folder, file, level)?),
        Against::Baseline(base, opts) => (
            "baseline",
            eval::baseline_checks(folder, base, *opts, level.lang)?,
        ),
    };
    let family = eval::holm(&mut checks, 1.0 - level.confidence);
    Ok(Report {
        results,
        against: name,
        reference,
        level,
        checks,
        family,
    })
}

/// Runs the checks and prints the report to `out`. Returns the report; the caller maps
/// [`Report::passed`] to exit code 0 or 1. With `--calibrate` it measures instead and returns
/// a passing empty report (a measurement is not a verdict).
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<Report> {
    let expect = args.expect.as_deref().map(expect::load).transpose()?;
    let confidence = args
        .confidence
        .or(expect.as_ref().and_then(|e| e.confidence))
        .unwrap_or(DEFAULT_CONFIDENCE);
    // The text report is for a person, in their language; JSON and JUnit are read by other
    // programs and keep one language, English, whatever the locale.
    let lang = match args.format {
        Format::Text => crate::i18n::lang(),
        Format::Json | Format::Junit => crate::i18n::Lang::En,
    };
    let level = Level { confidence, lang };
    if let Some(scenario) = &args.calibrate {
        // A calibration prints only text, for a person, whatever --format says.
        let level = Level {
            lang: crate::i18n::lang(),
            ..level
        };
        return calibrate::run(args, scenario, expect.as_ref(), level, out);
    }
    if (args.rtt_tolerance.is_some() || args.two_sided) && args.baseline.is_none() {
        bail!(crate::tr!("check-err-needs-baseline"));
    }
    let Some(dir) = &args.results else {
        bail!(crate::tr!("check-err-no-folder"));
    };
    let folder = ResultsFolder::load(dir)?;
    let base = args
        .baseline
        .as_deref()
        .map(ResultsFolder::load)
        .transpose()?;
    let opts = BaselineOptions {
        rtt_tolerance: args.rtt_tolerance,
        two_sided: args.two_sided,
    };
    let (against, reference) = match (&expect, &base) {
        (Some(file), _) => (Against::Expect(file), Some(file.file.clone())),
        (None, Some(b)) => (
            Against::Baseline(b, opts),
            Some(b.dir.display().to_string()),
        ),
        (None, None) => (Against::Model, None),
    };
    let report = judge(
        &folder,
        &against,
        level,
        dir.display().to_string(),
        reference,
    )?;
    let text = match args.format {
        Format::Text => output::text(&report),
        Format::Json => output::json(&report),
        Format::Junit => output::junit(&report),
    };
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(report)
}
