//! `losslab check --calibrate SCENARIO`: measures a gate before CI depends on it.
//!
//! Runs the scenario `--runs` times in the simulator with fresh seeds (`--first-seed + i`),
//! judges every run exactly as `losslab check` would (against the model, an expectations file,
//! a baseline run of another seed, or — `--paired` — a baseline of the run's own seed), and
//! prints per check how often it failed, with a 95% Wilson interval on that rate. Without
//! `--shift` every run is correct, so a failure is a false failure and the rate should be
//! about 1 − confidence for the gate as a whole (less for each check); with `--shift "loss
//! +10%"` the candidate runs have 10% more loss (the model's bursts kept as long), and the
//! rate is the gate's power to catch that regression.
//!
//! Invariant: the figures are a pure function of the scenario, the options and the seeds (the
//! simulator is deterministic); every run folder is written into a temporary folder this
//! command creates and is removed after it is judged, and the temporary folder with it.

use super::eval::{Level, Verdict, percent};
use super::expect::ExpectFile;
use super::output::Report;
use super::results::ResultsFolder;
use super::{Against, CheckArgs, judge};
use crate::cmd::run::{RunOptions, run_experiment};
use crate::impair::loss::LossModel;
use crate::metrics::batch::{wilson_f, z_quantile};
use crate::scenario::{self, Mode, Scenario};
use crate::tr;
use anyhow::{Context, Result, anyhow, bail};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// How far an unpaired baseline's seed lies from its candidate's.
pub const UNPAIRED_OFFSET: u64 = 1_000_000_000;

/// A loss model with its mean loss multiplied by `factor` and its burst structure kept:
/// Bernoulli's p; Gilbert-Elliott's Good→Bad probability p (r, 1-h, 1-k kept); the 4-state
/// chain's p13 and p14 scaled together. Found by bisection on the one parameter, since the
/// stationary loss grows with it.
pub fn shift_model(model: &LossModel, factor: f64) -> Result<LossModel, String> {
    let target = model.expected_loss() * factor;
    if !(0.0..1.0).contains(&target) {
        return Err(tr!("check-shift-not-probability", loss = percent(target)));
    }
    let with = |x: f64| -> Option<LossModel> {
        match *model {
            LossModel::Bernoulli { .. } => Some(LossModel::Bernoulli { p: x }),
            LossModel::GilbertElliott {
                r,
                one_minus_h,
                one_minus_k,
                ..
            } => Some(LossModel::GilbertElliott {
                p: x,
                r,
                one_minus_h,
                one_minus_k,
            }),
            LossModel::FourState {
                p13,
                p31,
                p32,
                p23,
                p14,
            } => {
                let sum = p13 + p14;
                (sum > 0.0).then(|| LossModel::FourState {
                    p13: p13 / sum * x,
                    p31,
                    p32,
                    p23,
                    p14: p14 / sum * x,
                })
            }
            LossModel::Pattern { .. } => None,
        }
    };
    if with(0.0).is_none() {
        return Err(tr!("check-shift-no-parameter", model = model.spec()));
    }
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    let loss = |x: f64| with(x).map_or(f64::NAN, |m| m.expected_loss());
    if loss(hi) < target {
        return Err(tr!(
            "check-shift-unreachable",
            model = model.spec(),
            loss = percent(target)
        ));
    }
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if loss(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    with((lo + hi) / 2.0).ok_or_else(|| "no model".into())
}

/// Parses `--shift`: `loss +10%` or `loss -5%` (relative change of the mean loss).
pub fn parse_shift(s: &str) -> Result<f64> {
    let bad = || anyhow!(tr!("check-err-shift-syntax", shift = s));
    let rest = s.trim().strip_prefix("loss").ok_or_else(bad)?.trim();
    let pct = rest.strip_suffix('%').ok_or_else(bad)?.trim();
    let v: f64 = pct.parse().map_err(|_| bad())?;
    let factor = 1.0 + v / 100.0;
    if !(factor > 0.0 && factor.is_finite()) {
        return Err(bad());
    }
    Ok(factor)
}

/// One sim run of `sc` with `seed` into `dir/name`, loaded back.
fn sim_run(sc: &Scenario, seed: u64, dir: &Path, name: &str) -> Result<ResultsFolder> {
    let mut sc = sc.clone();
    sc.seed = seed;
    sc.mode = Mode::Sim;
    let out_dir = dir.join(name);
    let opts = RunOptions {
        scenario: sc,
        source: "calibrate".into(),
        out_dir: out_dir.clone(),
        show_discards: false,
    };
    let never = AtomicBool::new(false);
    run_experiment(&opts, &never, &mut std::io::sink())
        .with_context(|| tr!("check-calibration-run", seed = seed.to_string()))?;
    ResultsFolder::load(&out_dir)
}

/// Removes a run folder this command wrote.
fn remove(dir: &Path, name: &str) -> Result<()> {
    let path = dir.join(name);
    std::fs::remove_dir_all(&path)
        .with_context(|| tr!("check-removing", path = path.display().to_string()))
}

/// Writes the model the gate judges against back into a shifted run's `summary.json` (in
/// memory): a regression is judged against the old expectation, not against itself.
fn unshift(folder: &mut ResultsFolder, original: &Scenario) {
    folder.json["scenario"]["impair"]["loss"] =
        serde_json::to_value(original.impair.loss).unwrap_or_default();
    folder.json["expected_loss"] = original.impair.expected_round_trip_loss().into();
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        // Only the folder this command created, and only if it is empty by now.
        let _ = std::fs::remove_dir(&self.0);
    }
}

pub fn run(
    args: &CheckArgs,
    path: &Path,
    expect: Option<&ExpectFile>,
    level: Level,
    out: &mut dyn Write,
) -> Result<Report> {
    let original = scenario::load(path)?;
    if args.runs == 0 {
        bail!(tr!("check-err-runs-zero"));
    }
    let shift = args.shift.as_deref().map(parse_shift).transpose()?;
    let mut shifted = original.clone();
    if let Some(factor) = shift {
        let file = path.display().to_string();
        let model = original
            .impair
            .loss
            .ok_or_else(|| anyhow!(tr!("check-err-shift-no-model", file = file.as_str())))?;
        shifted.impair.loss = Some(
            shift_model(&model, factor)
                .map_err(|e| anyhow!(tr!("check-err-shift", file = file.as_str(), error = e)))?,
        );
    }
    let tmp = std::env::temp_dir().join(format!(
        "losslab-calibrate-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir(&tmp)
        .with_context(|| tr!("check-creating", path = tmp.display().to_string()))?;
    let tmp = TempDir(tmp);
    let dir = tmp.0.as_path();
    let opts = super::eval::BaselineOptions {
        rtt_tolerance: None,
        two_sided: args.two_sided,
    };
    let fixed_base = match args.baseline_seed {
        Some(seed) => {
            let b = sim_run(&original, seed, dir, "baseline")?;
            Some(b)
        }
        None => None,
    };
    let mode = if args.paired {
        tr!("check-cal-paired")
    } else if args.unpaired {
        tr!("check-cal-unpaired", offset = UNPAIRED_OFFSET.to_string())
    } else if let Some(s) = args.baseline_seed {
        tr!("check-cal-baseline-seed", seed = s.to_string())
    } else if let Some(e) = expect {
        tr!("check-cal-expect", file = e.file.as_str())
    } else {
        tr!("check-against-model")
    };
    let mut fails: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut gate = 0u64;
    let mut family = 0usize;
    // The summary's own 95% loss interval: how often it covers the model's loss (runs without
    // retries only, where the summary's loss is the first attempts' loss the model predicts).
    let truth = (original.clients.retries == 0)
        .then(|| original.impair.expected_round_trip_loss())
        .filter(|_| original.impair.loss.is_some() && shift.is_none());
    let (mut covered, mut with_ci) = (0u64, 0u64);
    let (mut loss_sum, mut success_sum, mut means) = (0.0, 0.0, 0u64);
    for i in 0..args.runs {
        let seed = args.first_seed + i;
        let mut cand = sim_run(&shifted, seed, dir, "candidate")?;
        if shift.is_some() {
            unshift(&mut cand, &original);
        }
        let paired_base = if args.paired {
            Some(sim_run(&original, seed, dir, "pair")?)
        } else if args.unpaired {
            Some(sim_run(&original, seed + UNPAIRED_OFFSET, dir, "pair")?)
        } else {
            None
        };
        let against = match (&paired_base, &fixed_base, expect) {
            (Some(b), _, _) | (None, Some(b), _) => Against::Baseline(b, opts),
            (None, None, Some(e)) => Against::Expect(e),
            (None, None, None) => Against::Model,
        };
        let report = judge(&cand, &against, level, String::new(), None)?;
        let all = cand.summary.row("all")?;
        if let (super::results::Cell::Num(l), super::results::Cell::Num(sr)) =
            (all.cell("loss_ratio")?, all.cell("success_ratio")?)
        {
            loss_sum += l;
            success_sum += sr;
            means += 1;
        }
        if let (Some(p), super::results::Cell::Num(lo), super::results::Cell::Num(hi)) =
            (truth, all.cell("loss_ci_low")?, all.cell("loss_ci_high")?)
        {
            with_ci += 1;
            covered += u64::from(lo <= p && p <= hi);
        }
        remove(dir, "candidate")?;
        if paired_base.is_some() {
            remove(dir, "pair")?;
        }
        family = report.family;
        let mut any = false;
        for c in &report.checks {
            if !fails.contains_key(&c.name) {
                order.push(c.name.clone());
            }
            let e = fails.entry(c.name.clone()).or_default();
            if c.verdict != Verdict::Skip {
                e.1 += 1;
            }
            if c.verdict == Verdict::Fail {
                e.0 += 1;
                any = true;
            }
        }
        gate += u64::from(any);
    }
    let fixed_note = match &fixed_base {
        Some(b) => {
            let row = b.summary.row("all")?;
            let (k, n) = (
                row.count("first_attempt_losses")?,
                row.count("first_attempts")?,
            );
            Some(
                tr!(
                    "check-cal-fixed-note",
                    seed = args.baseline_seed.unwrap_or(0).to_string(),
                    loss = show4(k as f64 / n.max(1) as f64),
                    k = k.to_string(),
                    n = n.to_string(),
                    model = show4(original.impair.expected_round_trip_loss())
                ) + "\n",
            )
        }
        None => None,
    };
    if fixed_base.is_some() {
        remove(dir, "baseline")?;
    }
    let what = if shift.is_some() {
        tr!("check-cal-col-caught")
    } else {
        tr!("check-cal-col-false")
    };
    let shifted_by = match (&args.shift, shift) {
        (Some(s), Some(_)) => tr!(
            "check-cal-shifted",
            shift = s.as_str(),
            from = show4(original.impair.expected_round_trip_loss()),
            to = show4(shifted.impair.expected_round_trip_loss())
        ),
        _ => String::new(),
    };
    let mut text = tr!(
        "check-cal-title",
        scenario = path.display().to_string(),
        runs = args.runs,
        first = args.first_seed.to_string(),
        last = (args.first_seed + args.runs - 1).to_string(),
        against = mode,
        level = level.percent(),
        shifted = shifted_by
    ) + "\n";
    let z = z_quantile(0.975);
    // Columns: the check's name (at least 32 wide), "k of n" (at least 16, the header's width
    // when a translation is longer), the rate (7); every language's table lines up.
    let gate_name = tr!("check-cal-gate");
    let header = tr!("check-cal-col-check");
    let name_width = order
        .iter()
        .chain([&gate_name, &header])
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(32);
    let count_width = what.chars().count().max(16);
    let row = |name: &str, k: u64, n: u64| {
        if n == 0 {
            return format!(
                "{name:<name_width$} {:>w$}  {}\n",
                "-",
                tr!("check-cal-skipped"),
                w = count_width - 2
            );
        }
        let (lo, hi) = wilson_f(k as f64 / n as f64, n as f64, z);
        let count = tr!(
            "check-cal-count",
            k = format!("{k:>6}"),
            n = format!("{n:<6}")
        );
        format!(
            "{name:<name_width$} {count:>count_width$} {:>7}  {}\n",
            pct(k as f64 / n as f64),
            tr!("check-cal-ci", low = pct(lo), high = pct(hi))
        )
    };
    text += &format!(
        "{header:<name_width$} {what:>count_width$} {:>7}\n",
        tr!("check-cal-col-rate")
    );
    for name in &order {
        let (k, n) = fails[name];
        text += &row(name, k, n);
    }
    text += &row(&gate_name, gate, args.runs);
    if let (Some(p), true) = (truth, with_ci > 0) {
        let (lo, hi) = wilson_f(covered as f64 / with_ci as f64, with_ci as f64, z);
        text += &tr!(
            "check-cal-coverage",
            model = show4(p),
            covered = covered,
            runs = with_ci,
            rate = pct(covered as f64 / with_ci as f64),
            low = pct(lo),
            high = pct(hi)
        );
        text.push('\n');
    }
    if let Some(note) = fixed_note {
        text += &note;
    }
    if means > 0 {
        text += &tr!(
            "check-cal-means",
            loss = show4(loss_sum / means as f64),
            success = show4(success_sum / means as f64)
        );
        text.push('\n');
    }
    text += &tr!(
        "check-cal-family",
        n = family,
        alpha = percent(1.0 - level.confidence)
    );
    text.push('\n');
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Report {
        results: path.display().to_string(),
        against: "calibrate",
        reference: None,
        level,
        checks: Vec::new(),
        family,
    })
}

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn show4(x: f64) -> String {
    format!("{x:.4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_keeps_bursts_and_scales_loss() {
        let m = LossModel::bursty(0.1, 4.0).unwrap();
        let s = shift_model(&m, 1.1).unwrap();
        assert!((s.expected_loss() - 0.11).abs() < 1e-12);
        assert!((s.mean_burst_length().unwrap() - 4.0).abs() < 1e-9);
        let b = shift_model(&LossModel::Bernoulli { p: 0.1 }, 1.1).unwrap();
        assert!((b.expected_loss() - 0.11).abs() < 1e-12);
        let four = LossModel::FourState {
            p13: 0.02,
            p31: 0.1,
            p32: 0.05,
            p23: 0.5,
            p14: 0.01,
        };
        let f = shift_model(&four, 1.1).unwrap();
        assert!((f.expected_loss() / four.expected_loss() - 1.1).abs() < 1e-9);
        assert!(shift_model(&LossModel::Bernoulli { p: 0.95 }, 1.1).is_err());
    }

    #[test]
    fn shift_syntax() {
        assert!((parse_shift("loss +10%").unwrap() - 1.1).abs() < 1e-12);
        assert!((parse_shift(" loss -5 % ").unwrap() - 0.95).abs() < 1e-12);
        assert!(parse_shift("rtt +10%").is_err());
        assert!(parse_shift("loss 10").is_err());
    }
}
