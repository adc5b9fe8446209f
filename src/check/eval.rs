//! Turning a results folder (and an expectations file or a baseline folder) into checks, each
//! with what was expected, what was measured, and a verdict.
//!
//! Proportions (`loss_ratio`, `success_ratio`) are judged statistically: the measured k of n
//! gives a Wilson score interval at the chosen confidence, and an expectation passes when the
//! interval meets it (contains the model's p; intersects a `±` range; reaches past a bound). So
//! a correct run passes with probability about `confidence`, and a regression fails once the
//! sample is large enough to see it. Loss counts are divided by the results' variance factor
//! (`loss_variance_factor`) when there is one: bursty losses are correlated, and n correlated
//! packets carry the information of fewer independent ones. Every other column is compared as
//! a point value. A baseline comparison uses a pooled two-proportion z-test on loss, a
//! Mann-Whitney test on loss-period lengths, and ratios of RTT percentiles.
//!
//! Invariant: a check whose inputs are empty (no packets, no replies, no loss periods) is
//! `skip`, never `pass` or `fail`; a check whose inputs are missing or malformed is an error
//! (exit 2), never a verdict.

use super::expect::{ExpectFile, Op, Place, Rule};
use super::results::{Cell, ResultsFolder, Row};
use super::stats::{effective_counts, mann_whitney, two_proportion};
use crate::impair::delay::{Distribution, TABLE_MAX};
use crate::metrics::stats::wilson;
use anyhow::{Result, anyhow};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub expected: String,
    pub measured: String,
    pub verdict: Verdict,
    /// Why a verdict may surprise, when there is something to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Check {
    fn new(name: String, expected: String, measured: String, pass: bool) -> Check {
        Check {
            name,
            expected,
            measured,
            verdict: if pass { Verdict::Pass } else { Verdict::Fail },
            note: None,
        }
    }

    fn skip(name: String, expected: String, why: String) -> Check {
        Check {
            name,
            expected,
            measured: why,
            verdict: Verdict::Skip,
            note: None,
        }
    }
}

/// The statistical settings shared by every check of one invocation.
#[derive(Clone, Copy, Debug)]
pub struct Level {
    pub confidence: f64,
    /// Two-sided normal quantile of `confidence`.
    pub z: f64,
}

impl Level {
    pub fn percent(&self) -> String {
        percent(self.confidence)
    }
}

/// `0.999` → `99.9%`.
pub fn percent(p: f64) -> String {
    let s = format!("{:.6}", p * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

fn name_for(column: &str, scope: &str) -> String {
    if scope == "all" {
        column.to_string()
    } else {
        format!("{column}[{scope}]")
    }
}

/// A value as a person reads it: whole numbers without decimals, others to at most 6
/// decimals (as summary.csv writes them), so 0.08999999999999998 reads 0.09.
fn show(v: f64) -> String {
    if v.is_infinite() {
        return "inf".into();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "0" || s == "-0" {
        format!("{v:e}")
    } else {
        s.to_string()
    }
}

fn show_p(p: f64) -> String {
    if p < 1e-3 {
        format!("{p:.2e}")
    } else {
        let s = format!("{p:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// An error at an expectation's place when there is one (a rule from a file), else as is.
fn at(place: Option<&Place>, e: anyhow::Error) -> anyhow::Error {
    match place {
        Some(p) => p.error(format!("{e:#}")),
        None => e,
    }
}

/// Counts behind a loss proportion: k lost of n.
#[derive(Clone, Copy, Debug)]
struct Counts {
    k: u64,
    n: u64,
    /// What was counted, for the measured text.
    what: &'static str,
}

/// Loss counts of a row. `first` asks for the first attempts (`first_attempt_losses` of
/// `first_attempts`, RFC 3357's stream, free of retries' correlation); otherwise every packet,
/// `timeouts` of `replies + timeouts`. (Both sets of columns are always there: the folder was
/// validated when it was read.)
fn loss_counts(row: &Row, first: bool) -> Result<Counts> {
    if first {
        return Ok(Counts {
            k: row.count("first_attempt_losses")?,
            n: row.count("first_attempts")?,
            what: "first attempts",
        });
    }
    let timeouts = row.count("timeouts")?;
    Ok(Counts {
        k: timeouts,
        n: row.count("replies")? + timeouts,
        what: "packets",
    })
}

/// The loss the results' model predicts, or an error saying why there is none to check against.
fn model_loss(folder: &ResultsFolder) -> Result<(f64, String)> {
    let json = folder.json_path.display();
    let kind = match folder.text("scenario/server/kind")? {
        Some(k) => Some(k),
        None => folder.text("server/kind")?,
    };
    if let Some(kind) = kind.filter(|k| *k != "udp-time") {
        return Err(anyhow!(
            "{json}: a `{kind}` scenario has no loss model to check against: TCP retransmits \
             what the network loses, so the application sees delay, never loss; check its \
             columns with --expect FILE (e.g. loss_ratio = 0, rtt_p99_us = \"<= 5000\") or \
             compare with --baseline DIR"
        ));
    }
    let Some(p) = folder.number("expected_loss")? else {
        return Err(anyhow!(
            "{json}: no `expected_loss`: these results have no loss model to check against; \
             give the expectations with --expect FILE or compare with --baseline DIR"
        ));
    };
    if !(0.0..=1.0).contains(&p) {
        return Err(anyhow!(
            "{json}: field `expected_loss` is {p}, not a probability between 0 and 1"
        ));
    }
    if let Some(why) = late_replies_possible(folder)? {
        return Err(anyhow!(
            "{json}: `expected_loss` ({p}) counts only the packets the server drops, but {why}: a \
             reply later than the timeout is lost too (RFC 7680), and no model predicts that \
             loss; give the expected loss with --expect FILE (e.g. loss_ratio = \"0.067 ± 0.01\")"
        ));
    }
    if folder.number("scenario/impair/corrupt/p")?.unwrap_or(0.0) > 0.0 {
        return Err(anyhow!(
            "{json}: `expected_loss` ({p}) counts only the packets the server drops, but this \
             scenario also corrupts some (scenario.impair.corrupt) and a corrupted reply is \
             discarded, so its request is lost too; give the expected loss with --expect FILE"
        ));
    }
    let model = folder
        .text("scenario/impair/loss/model")
        .ok()
        .flatten()
        .unwrap_or("the scenario's")
        .to_string();
    Ok((p, model))
}

/// The longest hold of a delay that `summary.json` records under `path` (`delay_us`,
/// `jitter_us`, `distribution`, as [`DelayModel`] writes them): `Ok(Ok(µs))` when bounded,
/// `Ok(Err(distribution))` when the jitter's distribution has no upper bound. A hold is
/// `T + J·t` rounded to the microsecond (see [`crate::impair::delay`]): t ≤ 1 for uniform,
/// t ≤ [`TABLE_MAX`] for pareto (netem's table is capped there); normal and paretonormal use
/// the normal quantile, which has no cap. The bound is rounded up to the microsecond, plus one
/// for the link's rounding of arrivals.
///
/// [`DelayModel`]: crate::impair::delay::DelayModel
fn longest_hold(folder: &ResultsFolder, path: &str) -> Result<Result<f64, String>> {
    let field = |name: &str| format!("{path}/{name}");
    let bad = |name: &str, what: &str| {
        anyhow!(
            "{}: field `{}` {what}",
            folder.json_path.display(),
            field(name).replace('/', ".")
        )
    };
    let delay = folder
        .number(&field("delay_us"))?
        .ok_or_else(|| bad("delay_us", "is missing"))?;
    let jitter = folder.number(&field("jitter_us"))?.unwrap_or(0.0);
    if !(delay >= 0.0 && jitter >= 0.0) {
        return Err(bad("delay_us", "and `jitter_us` must be ≥ 0"));
    }
    if jitter == 0.0 {
        return Ok(Ok(delay + 1.0));
    }
    let name = folder
        .text(&field("distribution"))?
        .ok_or_else(|| bad("distribution", "is missing"))?;
    let reach = match Distribution::from_name(name) {
        Some(Distribution::Uniform) => 1.0,
        Some(Distribution::Pareto) => TABLE_MAX,
        // The draw is a 53-bit uniform in [0, 1), so a normal deviate never exceeds
        // Φ⁻¹(1 − 2⁻⁵³) ≈ 8.2: the jitter losslab draws is bounded, far out.
        Some(Distribution::Normal) => normal_reach(),
        Some(Distribution::ParetoNormal) => 0.25 * normal_reach() + 0.75 * TABLE_MAX,
        None => {
            return Err(bad(
                "distribution",
                &format!("is `{name}`, not uniform, normal, pareto or paretonormal"),
            ));
        }
    };
    Ok(Ok((delay + jitter * reach).ceil() + 1.0))
}

/// The largest standard normal deviate a 53-bit uniform draw can give.
fn normal_reach() -> f64 {
    let top = 1.0 - f64::EPSILON / 2.0;
    crate::impair::delay::inverse_normal_cdf(top)
        .max(-crate::impair::delay::inverse_normal_cdf(1.0 - top))
}

/// Why a reply may come back later than the timeout although the server answered it: the
/// server's delay impairment (once per direction it acts on) and, in a sim run, the simulated
/// link (each way; a bandwidth limit queues datagrams behind each other without a bound).
/// `None` when the longest round trip these allow stays below the timeout. A live run's path
/// is the machine's loopback, which the check leaves to the machine.
fn late_replies_possible(folder: &ResultsFolder) -> Result<Option<String>> {
    let server_delay = folder.present("scenario/impair/delay");
    let sim = match folder.text("mode")? {
        None | Some("live") => false,
        Some("sim") => true,
        Some(other) => {
            return Err(anyhow!(
                "{}: field `mode` is `{other}`, not `live` or `sim`",
                folder.json_path.display()
            ));
        }
    };
    if !server_delay && !sim {
        return Ok(None);
    }
    let mut worst = 0.0;
    let mut parts = Vec::new();
    if server_delay {
        let legs = match folder.text("scenario/impair/direction")? {
            Some("both") => 2.0,
            _ => 1.0,
        };
        match longest_hold(folder, "scenario/impair/delay")? {
            Ok(us) => {
                worst += legs * us;
                parts.push(if legs == 2.0 {
                    format!("the server's delay 2 × {} µs", show(us))
                } else {
                    format!("the server's delay {} µs", show(us))
                });
            }
            Err(dist) => {
                return Ok(Some(format!(
                    "this scenario also delays them (scenario.impair.delay) with {dist} jitter, \
                     which has no upper bound"
                )));
            }
        }
    }
    if sim {
        if !folder.present("link") {
            return Err(anyhow!(
                "{}: `mode` is sim but there is no `link`: the simulated path is not recorded",
                folder.json_path.display()
            ));
        }
        if let Some(bps) = folder.number("link/bandwidth_bps")? {
            return Ok(Some(format!(
                "the simulated link has a bandwidth limit (link.bandwidth_bps = {}) whose \
                 queue has no upper bound",
                show(bps)
            )));
        }
        match longest_hold(folder, "link")? {
            Ok(us) => {
                worst += 2.0 * us;
                parts.push(format!("the simulated link's 2 × {} µs", show(us)));
            }
            Err(dist) => {
                return Ok(Some(format!(
                    "the simulated link delays every datagram with {dist} jitter \
                     (link.distribution), which has no upper bound"
                )));
            }
        }
    }
    let Some(timeout) = folder.number("timeout_us")? else {
        return Ok(Some(format!(
            "its replies are delayed ({}) and summary.json records no `timeout_us` to compare \
             that with",
            parts.join(" + ")
        )));
    };
    Ok((worst >= timeout).then(|| {
        format!(
            "its replies can be delayed by up to {} µs ({}), which reaches the timeout of {} µs",
            show(worst),
            parts.join(" + "),
            show(timeout)
        )
    }))
}

/// A proportion judged by its Wilson interval. `k`/`n` are the raw counts; `factor` the
/// variance inflation to divide them by.
fn proportion(
    name: String,
    rule: Rule,
    model_p: Option<(f64, &str)>,
    c: Counts,
    factor: Option<f64>,
    level: Level,
) -> Check {
    let expected = match (rule, model_p) {
        (Rule::Model, Some((p, model))) => format!("model {} ({model}) within the CI", show(p)),
        (rule, _) => format!("{rule} (CI meets it)"),
    };
    let (ke, ne) = effective_counts(c.k, c.n, factor.unwrap_or(1.0));
    let Some((lo, hi)) = wilson(ke, ne, level.z) else {
        return Check::skip(name, expected, format!("no {} (n = 0)", c.what));
    };
    // Rounding slack: at k = 0 the exact lower bound is 0, computed as a centre minus an equal
    // half-width it can land a hair above.
    let (lo, hi) = (lo - 1e-12, hi + 1e-12);
    let pass = match rule {
        Rule::Model => model_p.is_some_and(|(p, _)| lo <= p && p <= hi),
        Rule::Approx { centre, tolerance } => lo <= centre + tolerance && hi >= centre - tolerance,
        Rule::Compare(Op::Le, x) => lo <= x,
        Rule::Compare(Op::Lt, x) => lo < x,
        Rule::Compare(Op::Ge, x) => hi >= x,
        Rule::Compare(Op::Gt, x) => hi > x,
        Rule::Compare(Op::Eq, x) => lo <= x && x <= hi,
    };
    let (lo, hi) = (lo.max(0.0), hi.min(1.0));
    let mut measured = format!(
        "{:.4} = {} of {} {}, {} CI {:.4}-{:.4}",
        c.k as f64 / c.n as f64,
        c.k,
        c.n,
        c.what,
        level.percent(),
        lo,
        hi
    );
    if ne != c.n {
        measured += &format!(
            " (effective n {ne}: variance factor {})",
            show(factor.unwrap_or(1.0))
        );
    }
    Check::new(name, expected, measured, pass)
}

/// A point value against a rule; an empty cell (undefined) is a skip.
fn point(name: String, rule: Rule, cell: Cell) -> Check {
    let expected = rule.to_string();
    let v = match cell {
        Cell::Empty => {
            return Check::skip(name, expected, "empty (undefined in these results)".into());
        }
        Cell::Num(v) => v,
    };
    let pass = match rule {
        Rule::Approx { centre, tolerance } => {
            (v - centre).abs() <= tolerance + 1e-9 * centre.abs().max(1.0)
        }
        Rule::Compare(op, x) => op.holds(v, x),
        Rule::Model => false, // refused by the parser for any column but loss_ratio
    };
    Check::new(name, expected, show(v), pass)
}

/// `status`: a run stopped before the end is not a pass, whatever its numbers say.
pub fn status_check(folder: &ResultsFolder) -> Result<Check> {
    let name = "status".to_string();
    let expected = "complete".to_string();
    Ok(match folder.text("status")? {
        None => Check::skip(name, expected, "not recorded in summary.json".into()),
        Some(s) => {
            let mut c = Check::new(name, expected, s.to_string(), s == "complete");
            if s != "complete" {
                c.note =
                    Some("the run was stopped before it finished; its samples are short".into());
            }
            c
        }
    })
}

/// The default: the `all` row's loss against the model, as `loss_ratio = { model = true }`.
pub fn model_checks(folder: &ResultsFolder, level: Level) -> Result<Vec<Check>> {
    let mut checks = vec![status_check(folder)?];
    checks.push(rule_check(
        folder,
        "all",
        "loss_ratio",
        Rule::Model,
        None,
        level,
    )?);
    Ok(checks)
}

/// Every expectation of a file, in file order, after the status.
pub fn expect_checks(
    folder: &ResultsFolder,
    file: &ExpectFile,
    level: Level,
) -> Result<Vec<Check>> {
    let mut checks = vec![status_check(folder)?];
    for e in &file.items {
        checks.push(rule_check(
            folder,
            &e.scope,
            &e.column,
            e.rule,
            Some(&e.place),
            level,
        )?);
    }
    Ok(checks)
}

fn rule_check(
    folder: &ResultsFolder,
    scope: &str,
    column: &str,
    rule: Rule,
    place: Option<&Place>,
    level: Level,
) -> Result<Check> {
    let name = name_for(column, scope);
    let row = folder.summary.row(scope).map_err(|e| at(place, e))?;
    // The column itself must exist and be well-formed, whatever the check reads.
    let cell = row.cell(column).map_err(|e| at(place, e))?;
    let factor = folder.variance_factor().map_err(|e| at(place, e))?;
    match (column, rule) {
        ("loss_ratio", Rule::Model) => {
            let (p, model) = model_loss(folder).map_err(|e| at(place, e))?;
            let counts = loss_counts(&row, true).map_err(|e| at(place, e))?;
            Ok(proportion(
                name,
                rule,
                Some((p, &model)),
                counts,
                factor,
                level,
            ))
        }
        ("loss_ratio", _) => {
            let counts = loss_counts(&row, false).map_err(|e| at(place, e))?;
            Ok(proportion(name, rule, None, counts, factor, level))
        }
        // Successes of logical requests (a request and its retries), k = `successes` of
        // n = `logical_requests`; not divided by the loss variance factor, which describes
        // single packets.
        ("success_ratio", _) => {
            let counts = Counts {
                k: row.count("successes").map_err(|e| at(place, e))?,
                n: row.count("logical_requests").map_err(|e| at(place, e))?,
                what: "logical requests",
            };
            Ok(proportion(name, rule, None, counts, None, level))
        }
        ("scope" | "status", _) => Err(at(
            place,
            anyhow!("`{column}` is not a statistic; losslab check always checks `status`"),
        )),
        _ => Ok(point(name, rule, cell)),
    }
}

/// Candidate against baseline: loss (two-proportion z-test), loss-period lengths
/// (Mann-Whitney), RTT percentiles (ratio within a factor of `1 + rtt_tolerance`), all on the
/// `all` rows.
pub fn baseline_checks(
    cand: &ResultsFolder,
    base: &ResultsFolder,
    level: Level,
    rtt_tolerance: f64,
) -> Result<Vec<Check>> {
    let alpha = 1.0 - level.confidence;
    let mut checks = vec![status_check(cand)?];
    let (c_row, b_row) = (cand.summary.row("all")?, base.summary.row("all")?);

    // Loss, on first attempts as the model check counts it.
    let (c, b) = (loss_counts(&c_row, true)?, loss_counts(&b_row, true)?);
    let (cf, bf) = (
        cand.variance_factor()?.unwrap_or(1.0).max(1.0),
        base.variance_factor()?.unwrap_or(1.0).max(1.0),
    );
    let name = "loss_ratio vs baseline".to_string();
    let expected = format!("same loss (two-proportion z-test p ≥ {})", show_p(alpha));
    checks.push(
        match two_proportion(
            c.k as f64 / cf,
            c.n as f64 / cf,
            b.k as f64 / bf,
            b.n as f64 / bf,
        ) {
            None => Check::skip(
                name,
                expected,
                format!("no {} in one of the folders (n = 0)", c.what),
            ),
            Some(t) => Check::new(
                name,
                expected,
                format!(
                    "{:.4} ({} of {} {}) vs {:.4} ({} of {}): z = {:.2}, p = {}",
                    c.k as f64 / c.n as f64,
                    c.k,
                    c.n,
                    c.what,
                    b.k as f64 / b.n as f64,
                    b.k,
                    b.n,
                    t.z,
                    show_p(t.p_value)
                ),
                t.p_value >= alpha,
            ),
        },
    );

    // Loss-period lengths.
    let name = "loss_period_length vs baseline".to_string();
    let expected = format!("same lengths (Mann-Whitney p ≥ {})", show_p(alpha));
    let absent = |f: &ResultsFolder| {
        format!(
            "{} has no loss_periods.csv (written before losslab recorded loss periods)",
            f.dir.display()
        )
    };
    checks.push(match (cand.loss_periods()?, base.loss_periods()?) {
        (None, _) => Check::skip(name, expected, absent(cand)),
        (_, None) => Check::skip(name, expected, absent(base)),
        (Some(cl), Some(bl)) => match mann_whitney(&cl, &bl) {
            None => Check::skip(
                name,
                expected,
                format!(
                    "no loss periods in {}",
                    if cl.is_empty() {
                        cand.dir.display()
                    } else {
                        base.dir.display()
                    }
                ),
            ),
            Some((_, t)) => {
                let mean = |l: &super::results::Lengths| {
                    let n: u64 = l.values().sum();
                    let s: u64 = l.iter().map(|(len, c)| len * c).sum();
                    (s as f64 / n as f64, n)
                };
                let ((cm, cn), (bm, bn)) = (mean(&cl), mean(&bl));
                Check::new(
                    name,
                    expected,
                    format!(
                        "mean {cm:.3} ({cn} periods) vs {bm:.3} ({bn}): z = {:.2}, p = {}",
                        t.z,
                        show_p(t.p_value)
                    ),
                    t.p_value >= alpha,
                )
            }
        },
    });

    // RTT percentiles: the machine's, so only a generous ratio. Percentiles over replies and
    // percentiles counting lost packets as infinite (RFC 2681) are different quantities.
    let (cp, bp) = (cand.text("rtt_percentiles")?, base.text("rtt_percentiles")?);
    let mismatch = match (cp, bp) {
        (Some(c), Some(b)) if c != b => Some(format!(
            "the candidate's RTT percentiles are over {c}, the baseline's over {b}: rerun one \
             of them with the other's setting to compare like with like"
        )),
        _ => None,
    };
    let factor = 1.0 + rtt_tolerance;
    for column in ["rtt_p50_us", "rtt_p90_us", "rtt_p99_us"] {
        let name = format!("{column} vs baseline");
        let expected = format!("ratio {}-{}", show_ratio(1.0 / factor), show_ratio(factor));
        let check = match (c_row.cell(column)?, b_row.cell(column)?) {
            (Cell::Empty, _) => Check::skip(name, expected, "no replies in the candidate".into()),
            (_, Cell::Empty) => Check::skip(name, expected, "no replies in the baseline".into()),
            (Cell::Num(cv), Cell::Num(bv)) => {
                let ratio = if cv == bv { 1.0 } else { cv / bv };
                let pass = ratio.is_finite() && ratio >= 1.0 / factor && ratio <= factor;
                Check::new(
                    name,
                    expected,
                    format!("{} / {} = {}", show(cv), show(bv), show_ratio(ratio)),
                    pass,
                )
            }
        };
        checks.push(Check {
            note: mismatch.clone(),
            ..check
        });
    }
    Ok(checks)
}

fn show_ratio(r: f64) -> String {
    if r.is_finite() {
        format!("{r:.3}")
    } else {
        "inf".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::stats::z_for_confidence;

    fn level() -> Level {
        Level {
            confidence: 0.999,
            z: z_for_confidence(0.999),
        }
    }

    fn counts(k: u64, n: u64) -> Counts {
        Counts {
            k,
            n,
            what: "packets",
        }
    }

    #[test]
    fn show_rounds_like_the_csv() {
        assert_eq!(show(0.089_999_999_999_999_98), "0.09");
        assert_eq!(show(2000.0), "2000");
        assert_eq!(show(1.5), "1.5");
        assert_eq!(show(f64::INFINITY), "inf");
        assert_eq!(show(2e-9), "2e-9");
    }

    /// Regression: 0 of 1000 against a model of 0 failed, the computed lower bound lying a
    /// rounding error above 0.
    #[test]
    fn zero_loss_meets_a_zero_model() {
        let c = proportion(
            "x".into(),
            Rule::Model,
            Some((0.0, "none")),
            counts(0, 1000),
            None,
            level(),
        );
        assert_eq!(c.verdict, Verdict::Pass, "{c:?}");
    }

    #[test]
    fn percent_trims_zeros() {
        assert_eq!(percent(0.999), "99.9%");
        assert_eq!(percent(0.95), "95%");
        assert_eq!(percent(0.9999), "99.99%");
    }

    /// 50 of 100 at 99.9%: Wilson 0.3437-0.6563 (worked in `stats`).
    #[test]
    fn proportion_rules_against_the_interval() {
        let judge =
            |rule| proportion("x".into(), rule, None, counts(50, 100), None, level()).verdict;
        use Verdict::*;
        let approx = |centre, tolerance| Rule::Approx { centre, tolerance };
        assert_eq!(judge(approx(0.7, 0.05)), Pass); // [0.65, 0.75] meets ..0.6563
        assert_eq!(judge(approx(0.7, 0.04)), Fail); // [0.66, 0.74] misses it
        assert_eq!(judge(Rule::Compare(Op::Le, 0.35)), Pass);
        assert_eq!(judge(Rule::Compare(Op::Le, 0.34)), Fail);
        assert_eq!(judge(Rule::Compare(Op::Ge, 0.65)), Pass);
        assert_eq!(judge(Rule::Compare(Op::Gt, 0.66)), Fail);
        assert_eq!(judge(Rule::Compare(Op::Eq, 0.6)), Pass);
        assert_eq!(judge(Rule::Compare(Op::Eq, 0.3)), Fail);
        let model = |p| {
            proportion(
                "x".into(),
                Rule::Model,
                Some((p, "bernoulli")),
                counts(50, 100),
                None,
                level(),
            )
            .verdict
        };
        assert_eq!(model(0.344), Pass);
        assert_eq!(model(0.343), Fail);
        let empty = proportion(
            "x".into(),
            Rule::Model,
            Some((0.5, "b")),
            counts(0, 0),
            None,
            level(),
        );
        assert_eq!(empty.verdict, Skip);
    }

    /// A variance factor widens the interval: 40 of 100 as independent trials gives Wilson
    /// 0.2563-0.5632 at 99.9%, which misses p = 0.6; with factor 4 the effective counts are
    /// 10 of 25, whose interval 0.1592-0.7012 contains it.
    #[test]
    fn variance_factor_widens_the_model_check() {
        let check = |factor| {
            proportion(
                "x".into(),
                Rule::Model,
                Some((0.6, "gemodel")),
                counts(40, 100),
                factor,
                level(),
            )
        };
        assert_eq!(check(None).verdict, Verdict::Fail);
        let wide = check(Some(4.0));
        assert_eq!(wide.verdict, Verdict::Pass, "{wide:?}");
        assert!(
            wide.measured.contains("effective n 25"),
            "{}",
            wide.measured
        );
    }

    /// A folder with only a `summary.json`, for the checks that read nothing else.
    fn folder(json: serde_json::Value) -> ResultsFolder {
        let header = format!("{},status\n", crate::metrics::stats::SUMMARY_COLUMNS);
        ResultsFolder {
            dir: "r".into(),
            summary: super::super::results::SummaryCsv::parse(&header, "r/summary.csv".as_ref())
                .unwrap(),
            json_path: "r/summary.json".into(),
            json,
        }
    }

    fn late(json: serde_json::Value) -> Option<String> {
        late_replies_possible(&folder(json)).unwrap()
    }

    /// The longest round trip: the server's hold (twice with `direction = both`) plus the
    /// link's each way, each rounded up and given 1 µs for rounding. Pareto is capped at
    /// TABLE_MAX = 32767/8192 ≈ 4.0: 1000 + 1000 · 3.99988 = 4999.88 → 5000 + 1.
    #[test]
    fn late_replies_add_the_server_delay_and_the_link() {
        use serde_json::json;
        let link = |delay: u64, jitter: u64, dist: &str| {
            json!({"delay_us": delay, "jitter_us": jitter, "distribution": dist,
                   "bandwidth_bps": null})
        };
        let pareto = json!({"delay_us": 1000, "jitter_us": 1000, "distribution": "pareto"});
        // Live, no delay: nothing to add.
        assert_eq!(late(json!({"mode": "live", "timeout_us": 1000})), None);
        // The default link (50 µs constant) is far below any timeout: 2 · 51 = 102 µs.
        let sim = json!({"mode": "sim", "timeout_us": 103, "link": link(50, 0, "uniform")});
        assert_eq!(late(sim), None);
        let sim = json!({"mode": "sim", "timeout_us": 102, "link": link(50, 0, "uniform")});
        assert!(late(sim).unwrap().contains("up to 102 µs"));
        // Server pareto on both directions + a uniform link: 2 · 5001 + 2 · 7001 = 24004.
        let both = |timeout: u64| {
            json!({"mode": "sim", "timeout_us": timeout, "link": link(5000, 2000, "uniform"),
                   "scenario": {"impair": {"direction": "both", "delay": pareto.clone()}}})
        };
        let why = late(both(24004)).unwrap();
        assert!(
            why.contains(
                "up to 24004 µs (the server's delay 2 × 5001 µs + the simulated link's 2 × 7001 µs)"
            ),
            "{why}"
        );
        assert_eq!(late(both(24005)), None);
        // One direction only: the server's hold counts once (live: no link).
        let live = json!({"mode": "live", "timeout_us": 5002,
                          "scenario": {"impair": {"direction": "reply", "delay": pareto}}});
        assert_eq!(late(live), None);
        // Normal jitter reaches at most Φ⁻¹(1 − 2⁻⁵³) ≈ 8.2 σ (a 53-bit draw): 5 + 1 · 8.2 →
        // 15 µs each way, 2 · 15 = 30 µs; paretonormal 0.25 · 8.2 + 0.75 · 4 ≈ 5.05 → 12.
        let normal = |timeout: f64| json!({"mode": "sim", "timeout_us": timeout, "link": link(5, 1, "normal")});
        assert!(late(normal(30.0)).is_some());
        assert_eq!(late(normal(31.0)), None);
        let pn = |timeout: f64| json!({"mode": "sim", "timeout_us": timeout, "link": link(5, 1, "paretonormal")});
        assert!(late(pn(24.0)).is_some());
        assert_eq!(late(pn(25.0)), None);
        // A bandwidth limit: refused whatever the timeout.
        // ...but without jitter the distribution does not matter.
        assert_eq!(
            late(json!({"mode": "sim", "timeout_us": 1e6, "link": link(5, 0, "normal")})),
            None
        );
        let mut queue = json!({"mode": "sim", "timeout_us": 1e12, "link": link(5, 0, "uniform")});
        queue["link"]["bandwidth_bps"] = 1_000_000.into();
        assert!(late(queue).unwrap().contains("bandwidth"));
        // Malformed or missing: errors naming the field.
        let e = late_replies_possible(&folder(json!({"mode": "sim", "timeout_us": 1})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `link`"), "{e}");
        let odd = json!({"mode": "sim", "timeout_us": 1, "link": link(5, 1, "cauchy")});
        let e = late_replies_possible(&folder(odd)).unwrap_err().to_string();
        assert!(e.contains("field `link.distribution` is `cauchy`"), "{e}");
    }

    #[test]
    fn point_values() {
        assert_eq!(
            point("x".into(), Rule::Compare(Op::Le, 2000.0), Cell::Num(1999.0)).verdict,
            Verdict::Pass
        );
        assert_eq!(
            point(
                "x".into(),
                Rule::Compare(Op::Le, 2000.0),
                Cell::Num(f64::INFINITY)
            )
            .verdict,
            Verdict::Fail
        );
        let c = point(
            "x".into(),
            Rule::Approx {
                centre: 3.0,
                tolerance: 0.5,
            },
            Cell::Num(3.5),
        );
        assert_eq!((c.verdict, c.measured.as_str()), (Verdict::Pass, "3.5"));
        assert_eq!(
            point("x".into(), Rule::Compare(Op::Eq, 0.0), Cell::Empty).verdict,
            Verdict::Skip
        );
    }
}
