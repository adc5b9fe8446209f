//! Turning a results folder (and an expectations file or a baseline folder) into checks, each
//! with what was expected, what was measured, a p-value when it is a statistical test, and a
//! verdict.
//!
//! Every statistical test here says what it assumes and accounts for correlated loss:
//! - the model check: the exact distribution of the first-attempt loss count under the
//!   recorded model's Markov chain ([`super::chain`]), two-sided;
//! - `loss_ratio`, `success_ratio`, `attempts_per_success`, `goodput_ratio` expectations:
//!   batch means over each client's logical requests in sequence order
//!   ([`crate::metrics::batch`]), so retries inside one burst count together; `<=`/`>=`
//!   one-sided, `±` one-sided at each end (exact at the boundary), `=` two-sided;
//! - a baseline: the paired exact McNemar test when both runs used one seed, else Welch's t
//!   on batch means (one-sided "worse?" by default); the mean loss-period length by Welch's t
//!   on batch means over the periods;
//! - Holm's step-down correction ([`holm`]) over all of them, so the chance that a correct run
//!   fails any is at most 1 − confidence.
//!
//! Every other column is compared as a point value; RTT ratios against a baseline only when
//! asked (live RTTs are the machine's).
//!
//! Invariant: a check whose inputs are empty (no packets, no replies, no loss periods) is
//! `skip`, never `pass` or `fail`; a check whose inputs are missing or malformed is an error
//! (exit 2), never a verdict.

use super::chain::{Chain, CountDist, total_count, two_sided_p};
use super::expect::{ExpectFile, Op, Place, Rule};
use super::packets::{first_attempts, logical_units, loss_units, period_units, success_units};
use super::results::{Cell, ResultsFolder, Row};
use crate::i18n::Lang;
use crate::impair::delay::{Distribution, TABLE_MAX};
use crate::impair::loss::LossModel;
use crate::metrics::batch::{Estimate, estimate, from_batches, t_quantile, t_sf};
use crate::tr;
use anyhow::{Result, anyhow};
use serde::Serialize;
use statrs::distribution::{Binomial, DiscreteCDF};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

impl Verdict {
    /// The verdict column of the text report.
    pub fn label(self, lang: Lang) -> String {
        match self {
            Verdict::Pass => tr!("check-verdict-pass" in lang),
            Verdict::Fail => tr!("check-verdict-fail" in lang),
            Verdict::Skip => tr!("check-verdict-skip" in lang),
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
    /// A statistical check's p-value (its own test, before the family's correction).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    /// The p-value after Holm's correction for the family of tests: it fails when this is
    /// at most 1 − confidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted_p: Option<f64>,
    /// The check's share of the family's error rate in the weighted Holm procedure (1 for
    /// all but a baseline's burst-length test).
    #[serde(skip)]
    pub weight: f64,
}

impl Check {
    fn new(name: String, expected: String, measured: String, pass: bool) -> Check {
        Check {
            name,
            expected,
            measured,
            verdict: if pass { Verdict::Pass } else { Verdict::Fail },
            note: None,
            p_value: None,
            adjusted_p: None,
            weight: 1.0,
        }
    }

    /// A statistical check: its verdict waits for the family's correction ([`holm`]).
    fn tested(name: String, expected: String, measured: String, p: f64) -> Check {
        Check {
            p_value: Some(p),
            ..Check::new(name, expected, measured, true)
        }
    }

    fn skip(name: String, expected: String, why: String) -> Check {
        Check {
            name,
            expected,
            measured: why,
            verdict: Verdict::Skip,
            note: None,
            p_value: None,
            adjusted_p: None,
            weight: 1.0,
        }
    }
}

/// The statistical settings shared by every check of one invocation, and the language its
/// checks' text is written in (the user's for the text report, English for JSON and JUnit,
/// which other programs read).
#[derive(Clone, Copy, Debug)]
pub struct Level {
    pub confidence: f64,
    pub lang: Lang,
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
    what: What,
}

/// What a proportion counts, for the measured text.
#[derive(Clone, Copy, Debug)]
enum What {
    FirstAttempts,
    Packets,
    LogicalRequests,
}

impl What {
    fn text(self, lang: Lang) -> String {
        match self {
            What::FirstAttempts => tr!("check-what-first-attempts" in lang),
            What::Packets => tr!("check-what-packets" in lang),
            What::LogicalRequests => tr!("check-what-logical-requests" in lang),
        }
    }
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
            what: What::FirstAttempts,
        });
    }
    let timeouts = row.count("timeouts")?;
    Ok(Counts {
        k: timeouts,
        n: row.count("replies")? + timeouts,
        what: What::Packets,
    })
}

/// The loss the results' model predicts and the model's name (`None` when summary.json does
/// not record it), or an error saying why there is none to check against.
fn model_loss(folder: &ResultsFolder) -> Result<(f64, Option<String>)> {
    let json = folder.json_path.display().to_string();
    let kind = match folder.text("scenario/server/kind")? {
        Some(k) => Some(k),
        None => folder.text("server/kind")?,
    };
    if let Some(kind) = kind.filter(|k| *k != "udp-time") {
        return Err(anyhow!(tr!(
            "check-err-no-model-tcp",
            file = json,
            kind = kind
        )));
    }
    let Some(p) = folder.number("expected_loss")? else {
        return Err(anyhow!(tr!("check-err-no-expected-loss", file = json)));
    };
    if !(0.0..=1.0).contains(&p) {
        return Err(anyhow!(tr!(
            "check-err-expected-loss-range",
            file = json,
            value = p.to_string()
        )));
    }
    if let Some(why) = late_replies_possible(folder)? {
        return Err(anyhow!(tr!(
            "check-err-late-replies",
            file = json,
            p = p.to_string(),
            why = why
        )));
    }
    if folder.number("scenario/impair/corrupt/p")?.unwrap_or(0.0) > 0.0 {
        return Err(anyhow!(tr!(
            "check-err-corrupt",
            file = json,
            p = p.to_string()
        )));
    }
    let model = folder
        .text("scenario/impair/loss/model")
        .ok()
        .flatten()
        .map(str::to_string);
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
    let file = folder.json_path.display().to_string();
    let dotted = |name: &str| field(name).replace('/', ".");
    let delay = folder
        .number(&field("delay_us"))?
        .ok_or_else(|| missing_field(folder, &dotted("delay_us")))?;
    let jitter = folder.number(&field("jitter_us"))?.unwrap_or(0.0);
    if !(delay >= 0.0 && jitter >= 0.0) {
        return Err(anyhow!(tr!(
            "check-err-delay-negative",
            file = file,
            field = dotted("delay_us")
        )));
    }
    if jitter == 0.0 {
        return Ok(Ok(delay + 1.0));
    }
    let name = folder
        .text(&field("distribution"))?
        .ok_or_else(|| missing_field(folder, &dotted("distribution")))?;
    let reach = match Distribution::from_name(name) {
        Some(Distribution::Uniform) => 1.0,
        Some(Distribution::Pareto) => TABLE_MAX,
        // The draw is a 53-bit uniform in [0, 1), so a normal deviate never exceeds
        // Φ⁻¹(1 − 2⁻⁵³) ≈ 8.2: the jitter losslab draws is bounded, far out.
        Some(Distribution::Normal) => normal_reach(),
        Some(Distribution::ParetoNormal) => 0.25 * normal_reach() + 0.75 * TABLE_MAX,
        None => {
            return Err(anyhow!(tr!(
                "check-err-distribution",
                file = file,
                field = dotted("distribution"),
                value = name
            )));
        }
    };
    Ok(Ok((delay + jitter * reach).ceil() + 1.0))
}

/// `FILE: field `x.y` is missing`.
fn missing_field(folder: &ResultsFolder, dotted: &str) -> anyhow::Error {
    anyhow!(tr!(
        "check-err-field-missing",
        file = folder.json_path.display().to_string(),
        field = dotted
    ))
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
            return Err(anyhow!(tr!(
                "check-err-mode",
                file = folder.json_path.display().to_string(),
                value = other
            )));
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
                    tr!("check-late-server-delay-both", us = show(us))
                } else {
                    tr!("check-late-server-delay", us = show(us))
                });
            }
            Err(dist) => {
                return Ok(Some(tr!(
                    "check-late-server-unbounded",
                    distribution = dist
                )));
            }
        }
    }
    if sim {
        if !folder.present("link") {
            return Err(anyhow!(tr!(
                "check-err-sim-no-link",
                file = folder.json_path.display().to_string()
            )));
        }
        if let Some(bps) = folder.number("link/bandwidth_bps")? {
            return Ok(Some(tr!("check-late-link-bandwidth", bps = show(bps))));
        }
        match longest_hold(folder, "link")? {
            Ok(us) => {
                worst += 2.0 * us;
                parts.push(tr!("check-late-link-delay", us = show(us)));
            }
            Err(dist) => {
                return Ok(Some(tr!("check-late-link-unbounded", distribution = dist)));
            }
        }
    }
    let Some(timeout) = folder.number("timeout_us")? else {
        return Ok(Some(tr!(
            "check-late-no-timeout",
            parts = parts.join(" + ")
        )));
    };
    Ok((worst >= timeout).then(|| {
        tr!(
            "check-late-reaches-timeout",
            worst = show(worst),
            parts = parts.join(" + "),
            timeout = show(timeout)
        )
    }))
}

/// The one-sided p-values of a batch-means estimate against a bound `x`: `(above, below)`,
/// the evidence that the true ratio lies above `x` (against H0: ratio ≤ x) and below it
/// (against H0: ratio ≥ x). The statistic is `(R − x) / se(x)` with
/// `se(x) = sqrt(f̂ · x(1−x)/n)`, the score form (the null's own spread, as Wilson's interval
/// uses it) inflated by the dependence factor `f̂` the batches measured; its reference is
/// Student's t with `B − 1` degrees of freedom (the normal with a single batch).
fn one_sided(e: &Estimate, x: f64) -> (f64, f64) {
    let f = e.factor().unwrap_or(1.0);
    let df = if e.batches >= 2 {
        e.df()
    } else {
        f64::INFINITY
    };
    let mut se = (f * x * (1.0 - x) / e.n).sqrt();
    if se == 0.0 {
        se = e.var.sqrt();
    }
    if se == 0.0 || !se.is_finite() {
        // No spread at all: the data sit exactly where they are.
        let above = if e.ratio > x { 0.0 } else { 1.0 };
        let below = if e.ratio < x { 0.0 } else { 1.0 };
        return (above, below);
    }
    let t = (e.ratio - x) / se;
    (t_sf(t, df), t_sf(-t, df))
}

/// The p-value of a rule for a batch-means estimate: one-sided for `<=`, `<`, `>=`, `>`;
/// for `a ± t` the smaller of the two one-sided p-values at the range's ends (a run is wrong
/// when it lies above the top or below the bottom, never both); two-sided for `=` and the
/// model.
fn rule_p(rule: Rule, model_p: Option<f64>, e: &Estimate) -> f64 {
    match rule {
        Rule::Compare(Op::Le | Op::Lt, x) => one_sided(e, x).0,
        Rule::Compare(Op::Ge | Op::Gt, x) => one_sided(e, x).1,
        Rule::Approx { centre, tolerance } => approx_p(e, centre, tolerance),
        Rule::Compare(Op::Eq, x) => {
            let (a, b) = one_sided(e, x);
            (2.0 * a.min(b)).min(1.0)
        }
        Rule::Model => {
            let (a, b) = one_sided(e, model_p.unwrap_or(f64::NAN));
            (2.0 * a.min(b)).min(1.0)
        }
    }
}

/// The p-value of `centre ± tolerance` (H0: the ratio lies in `[a, b]`). The test rejects
/// when the estimate lies far above `b` or far below `a`; at the boundary `b` the chance of
/// either is the one-sided p-value `p₁` plus the chance of landing as far below `a`,
/// `P(T ≤ −t₁ − (b − a)/se)` with `t₁` the quantile of `p₁`. That second term vanishes for a
/// range wide compared with the spread (the test is then one-sided at each end) and equals
/// `p₁` for a zero-width range (the test is then the two-sided test of `= centre`), so a
/// correct run at either end fails with probability at most 1 − confidence.
fn approx_p(e: &Estimate, centre: f64, tolerance: f64) -> f64 {
    let (a, b) = (centre - tolerance, centre + tolerance);
    let (above, below) = (one_sided(e, b).0, one_sided(e, a).1);
    let p1 = above.min(below);
    if p1 >= 1.0 {
        return 1.0;
    }
    let df = if e.batches >= 2 {
        e.df()
    } else {
        f64::INFINITY
    };
    let f = e.factor().unwrap_or(1.0);
    let mid = centre.clamp(0.0, 1.0);
    let mut se = (f * mid * (1.0 - mid) / e.n).sqrt();
    if se == 0.0 {
        se = e.var.sqrt();
    }
    if se.is_nan() || se <= 0.0 {
        return p1;
    }
    let t1 = t_quantile(1.0 - p1, df);
    (p1 + t_sf(t1 + (b - a) / se, df)).min(1.0)
}

/// Which test a rule gets, in words.
fn sidedness(rule: Rule, lang: Lang) -> String {
    match rule {
        Rule::Compare(Op::Le | Op::Lt | Op::Ge | Op::Gt, _) => tr!("check-side-one" in lang),
        Rule::Approx { .. } => tr!("check-side-each-end" in lang),
        _ => tr!("check-side-two" in lang),
    }
}

/// A rule with the test it gets: `<= 0.1 (one-sided)`.
fn rule_expected(rule: Rule, lang: Lang) -> String {
    tr!(
        "check-expected-rule" in lang,
        rule = rule.text(lang),
        side = sidedness(rule, lang)
    )
}

/// Where a proportion's units came from, for the measured text.
#[derive(Clone, Copy, Debug)]
enum Source {
    /// Units per logical request from the per-packet files, batched in sequence order.
    Packets,
    /// No per-packet file: each client's summary row is one batch.
    ClientRows,
}

/// A proportion judged with its batch-means estimate (see [`crate::metrics::batch`]): the
/// check carries the rule's p-value and its verdict is settled with the family's (Holm).
fn proportion(
    name: String,
    rule: Rule,
    model_p: Option<(f64, &str)>,
    est: Option<Estimate>,
    what: What,
    source: Source,
    level: Level,
) -> Check {
    let lang = level.lang;
    let what = what.text(lang);
    let expected = match (rule, model_p) {
        (Rule::Model, Some((p, model))) => {
            tr!("check-expected-model" in lang, p = show(p), model = model)
        }
        (rule, _) => rule_expected(rule, lang),
    };
    let Some(e) = est else {
        return Check::skip(name, expected, tr!("check-no-units" in lang, what = what));
    };
    let p = rule_p(rule, model_p.map(|m| m.0), &e);
    let (lo, hi) = e.interval(level.confidence).unwrap_or((0.0, 1.0));
    let spread = match (source, e.batches, e.factor()) {
        (_, b, _) if b < 2 => tr!("check-spread-one-batch" in lang),
        (Source::Packets, b, Some(f)) => tr!(
            "check-spread-batches" in lang,
            batches = b.to_string(),
            factor = format!("{f:.2}")
        ),
        (Source::ClientRows, b, Some(f)) => tr!(
            "check-spread-client-rows" in lang,
            clients = b.to_string(),
            factor = format!("{f:.2}")
        ),
        (_, b, None) => tr!("check-spread-no-spread" in lang, batches = b.to_string()),
    };
    let measured = tr!(
        "check-measured-proportion" in lang,
        ratio = format!("{:.4}", e.ratio),
        k = show(e.k),
        n = show(e.n),
        what = what,
        level = level.percent(),
        low = format!("{lo:.4}"),
        high = format!("{hi:.4}"),
        spread = spread,
        p = show_p(p)
    );
    Check::tested(name, expected, measured, p)
}

/// A ratio that is not a proportion (`attempts_per_success`, `goodput_ratio`) against a rule,
/// by its batch-means estimate: `t = (R − x)/sqrt(var)` on `B − 1` degrees of freedom, with
/// the same sidedness as a proportion.
fn ratio_check(name: String, rule: Rule, est: Option<Estimate>, level: Level) -> Check {
    let lang = level.lang;
    let expected = rule_expected(rule, lang);
    let Some(e) = est else {
        return Check::skip(name, expected, tr!("check-no-requests" in lang));
    };
    let df = if e.batches >= 2 {
        e.df()
    } else {
        f64::INFINITY
    };
    let se = e.var.sqrt();
    let tails = |x: f64| -> (f64, f64) {
        if se > 0.0 {
            let t = (e.ratio - x) / se;
            (t_sf(t, df), t_sf(-t, df))
        } else {
            (
                if e.ratio > x { 0.0 } else { 1.0 },
                if e.ratio < x { 0.0 } else { 1.0 },
            )
        }
    };
    let p = match rule {
        Rule::Compare(Op::Le | Op::Lt, x) => tails(x).0,
        Rule::Compare(Op::Ge | Op::Gt, x) => tails(x).1,
        Rule::Compare(Op::Eq, x) => (2.0 * tails(x).0.min(tails(x).1)).min(1.0),
        Rule::Approx { centre, tolerance } => {
            let p1 = tails(centre + tolerance).0.min(tails(centre - tolerance).1);
            if se > 0.0 && p1 < 1.0 {
                let t1 = t_quantile(1.0 - p1, df);
                (p1 + t_sf(t1 + 2.0 * tolerance / se, df)).min(1.0)
            } else {
                p1
            }
        }
        Rule::Model => 1.0,
    };
    let q = t_quantile(1.0 - (1.0 - level.confidence) / 2.0, df);
    let measured = tr!(
        "check-measured-ratio" in lang,
        ratio = format!("{:.4}", e.ratio),
        k = show(e.k),
        n = show(e.n),
        level = level.percent(),
        low = format!("{:.4}", e.ratio - q * se),
        high = format!("{:.4}", e.ratio + q * se),
        batches = e.batches.to_string(),
        p = show_p(p)
    );
    Check::tested(name, expected, measured, p)
}

/// The first-attempt loss against the model, by the exact distribution of the loss count
/// under the model's chain (see [`super::chain`]): two-sided p-value
/// `2·min(P(X ≤ k), P(X ≥ k))`.
fn model_exact(
    name: String,
    p_model: f64,
    model: &str,
    dist: &CountDist,
    k: u64,
    n: u64,
    level: Level,
) -> Check {
    let lang = level.lang;
    let expected = tr!("check-expected-model-exact" in lang, p = show(p_model), model = model);
    if n == 0 {
        let what = What::FirstAttempts.text(lang);
        return Check::skip(name, expected, tr!("check-no-units" in lang, what = what));
    }
    let p = two_sided_p(dist, k);
    // The central range of counts a correct run lands in with probability `confidence`.
    let tail = (1.0 - level.confidence) / 2.0;
    let lo = (0..).map(|c| dist.offset + c).find(|&c| dist.cdf(c) > tail);
    let hi = (0..)
        .map(|c| dist.offset + c)
        .find(|&c| dist.sf(c + 1) <= tail);
    let measured = tr!(
        "check-measured-model-exact" in lang,
        ratio = format!("{:.4}", k as f64 / n as f64),
        k = k.to_string(),
        n = n.to_string(),
        mean = show((dist.mean() * 10.0).round() / 10.0),
        level = level.percent(),
        low = lo.map_or("?".into(), |c| c.to_string()),
        high = hi.map_or("?".into(), |c| c.to_string()),
        p = show_p(p)
    );
    Check::tested(name, expected, measured, p)
}

/// A point value against a rule; an empty cell (undefined) is a skip.
fn point(name: String, rule: Rule, cell: Cell, lang: Lang) -> Check {
    let expected = rule.text(lang);
    let v = match cell {
        Cell::Empty => {
            return Check::skip(name, expected, tr!("check-empty-cell" in lang));
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
/// `complete` and the status measured are the field's values, not prose: they stay as
/// summary.json writes them in every language.
pub fn status_check(folder: &ResultsFolder, lang: Lang) -> Result<Check> {
    let name = "status".to_string();
    let expected = "complete".to_string();
    Ok(match folder.text("status")? {
        None => Check::skip(name, expected, tr!("check-status-not-recorded" in lang)),
        Some(s) => {
            let mut c = Check::new(name, expected, s.to_string(), s == "complete");
            if s != "complete" {
                c.note = Some(tr!("check-status-stopped" in lang));
            }
            c
        }
    })
}

/// The default: the `all` row's loss against the model, as `loss_ratio = { model = true }`.
pub fn model_checks(folder: &ResultsFolder, level: Level) -> Result<Vec<Check>> {
    let mut checks = vec![status_check(folder, level.lang)?];
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
    let mut checks = vec![status_check(folder, level.lang)?];
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
    match (column, rule) {
        ("loss_ratio", Rule::Model) => {
            let (p, model) = model_loss(folder).map_err(|e| at(place, e))?;
            let model = model.unwrap_or_else(|| tr!("check-model-unnamed" in level.lang));
            let counts = loss_counts(&row, true).map_err(|e| at(place, e))?;
            match model_chain(folder).map_err(|e| at(place, e))? {
                Some(chain) => {
                    let sizes = flow_sizes(folder, scope).map_err(|e| at(place, e))?;
                    let dist = total_count(&chain, &sizes);
                    Ok(model_exact(
                        name, p, &model, &dist, counts.k, counts.n, level,
                    ))
                }
                // A pattern (no randomness to model) or a product chain too large: judged like
                // any proportion, two-sided against the model's loss.
                None => {
                    let (est, source) =
                        loss_estimate(folder, scope, true).map_err(|e| at(place, e))?;
                    Ok(proportion(
                        name,
                        rule,
                        Some((p, &model)),
                        est,
                        counts.what,
                        source,
                        level,
                    ))
                }
            }
        }
        ("loss_ratio", _) => {
            let (est, source) = loss_estimate(folder, scope, false).map_err(|e| at(place, e))?;
            Ok(proportion(
                name,
                rule,
                None,
                est,
                What::Packets,
                source,
                level,
            ))
        }
        // Successes of logical requests (a request and its retries), clustered by request
        // and batched in sequence order, so retries inside one burst count together.
        ("success_ratio", _) => {
            let (est, source) = match success_units(folder, scope).map_err(|e| at(place, e))? {
                Some(units) => (estimate(&units), Source::Packets),
                None => (
                    row_batches(folder, scope, "successes", "logical_requests")
                        .map_err(|e| at(place, e))?,
                    Source::ClientRows,
                ),
            };
            Ok(proportion(
                name,
                rule,
                None,
                est,
                What::LogicalRequests,
                source,
                level,
            ))
        }
        // Ratios of logical requests that are not proportions: Σk/Σn with its batch-means
        // spread, judged by Welch-style t on that spread (no binomial score form applies).
        ("attempts_per_success" | "goodput_ratio", Rule::Compare(..) | Rule::Approx { .. }) => {
            let unit: fn(bool, f64) -> (f64, f64) = if column == "goodput_ratio" {
                |ok, attempts| (f64::from(u8::from(ok)), attempts)
            } else {
                |ok, attempts| if ok { (attempts, 1.0) } else { (0.0, 0.0) }
            };
            match logical_units(folder, scope, unit).map_err(|e| at(place, e))? {
                Some(units) => Ok(ratio_check(name, rule, estimate(&units), level)),
                None => Ok(point(name, rule, cell, level.lang)),
            }
        }
        ("scope" | "status", _) => Err(at(
            place,
            anyhow!(tr!("check-err-not-a-statistic", column = column)),
        )),
        _ => Ok(point(name, rule, cell, level.lang)),
    }
}

/// The loss of a scope with its batch-means spread: from `requests.csv` when the folder has
/// it (units per logical request), else each client's summary row as one batch. `first`
/// counts first attempts only.
fn loss_estimate(
    folder: &ResultsFolder,
    scope: &str,
    first: bool,
) -> Result<(Option<Estimate>, Source)> {
    Ok(match loss_units(folder, scope, first)? {
        Some(units) => (estimate(&units), Source::Packets),
        None => {
            let (k, n) = if first {
                ("first_attempt_losses", "first_attempts")
            } else {
                ("timeouts", "")
            };
            (row_batches(folder, scope, k, n)?, Source::ClientRows)
        }
    })
}

/// Each client's summary row as one batch `(k, n)` of columns `k` and `n` (`n` empty: all
/// resolved packets, `replies + timeouts`); the `all` row when the scope is one client or
/// when there are no client rows.
fn row_batches(folder: &ResultsFolder, scope: &str, k: &str, n: &str) -> Result<Option<Estimate>> {
    let scopes: Vec<String> = if scope == "all" {
        let clients: Vec<String> = folder
            .summary
            .client_ids()
            .iter()
            .map(u32::to_string)
            .collect();
        if clients.is_empty() {
            vec!["all".to_string()]
        } else {
            clients
        }
    } else {
        vec![scope.to_string()]
    };
    let mut b = Vec::new();
    for s in &scopes {
        let row = folder.summary.row(s)?;
        let kk = row.count(k)? as f64;
        let nn = if n.is_empty() {
            (row.count("replies")? + row.count("timeouts")?) as f64
        } else {
            row.count(n)? as f64
        };
        b.push((kk, nn));
    }
    Ok(from_batches(&b))
}

/// The first attempts of each client in a scope (from the client rows of summary.csv; the
/// `all` row as one flow when there are none).
fn flow_sizes(folder: &ResultsFolder, scope: &str) -> Result<Vec<u64>> {
    let scopes: Vec<String> = folder
        .summary
        .client_ids()
        .iter()
        .map(u32::to_string)
        .filter(|s| scope == "all" || s == scope)
        .collect();
    if scopes.is_empty() {
        return Ok(vec![folder.summary.row(scope)?.count("first_attempts")?]);
    }
    scopes
        .iter()
        .map(|s| folder.summary.row(s)?.count("first_attempts"))
        .collect()
}

/// The most states the model check's product chain may have; beyond, the count's exact
/// distribution costs too much and the check falls back to batch means.
const MAX_CHAIN_STATES: usize = 64;

/// The loss models recorded in `summary.json` as one chain whose count distribution the model
/// check uses: the server's (`scenario.impair`) and, in a sim run with a lossy link, the
/// link's (`scenario.link.impair`). Each layer loses requests, replies or both, each
/// direction with its own independent streams, so a first attempt is lost when any of those
/// chains loses it: their product chain. `None` when no exact distribution applies (a
/// pattern, whose count is not random, or a product of more than [`MAX_CHAIN_STATES`]).
fn model_chain(folder: &ResultsFolder) -> Result<Option<Chain>> {
    let mut total: Option<Chain> = None;
    for at in ["scenario/impair", "scenario/link/impair"] {
        let Some(model) = loss_model(folder, at)? else {
            continue;
        };
        let Some(chain) = Chain::of(&model) else {
            return Ok(None);
        };
        let legs = match folder.text(&format!("{at}/direction"))? {
            Some("both") => 2,
            _ => 1,
        };
        for _ in 0..legs {
            total = Some(match total {
                None => chain.clone(),
                Some(t) => t.either(&chain),
            });
        }
    }
    let total = total.unwrap_or_else(|| {
        Chain::of(&LossModel::Bernoulli { p: 0.0 }).expect("Bernoulli has a chain")
    });
    Ok((total.e.len() <= MAX_CHAIN_STATES).then_some(total))
}

/// The loss model under `at` (`.../loss`), `None` when there is none.
fn loss_model(folder: &ResultsFolder, at: &str) -> Result<Option<LossModel>> {
    let json = folder.json_path.display().to_string();
    let dotted = at.replace('/', ".");
    let num = |field: &str| -> Result<f64> {
        folder
            .number(&format!("{at}/loss/{field}"))?
            .ok_or_else(|| missing_field(folder, &format!("{dotted}.loss.{field}")))
    };
    let field_error = |field: String, error: String| {
        anyhow!(tr!(
            "check-err-field",
            file = json.as_str(),
            field = field,
            error = error
        ))
    };
    let model = match folder.text(&format!("{at}/loss/model"))? {
        None => return Ok(None),
        Some("bernoulli") => LossModel::Bernoulli { p: num("p")? },
        Some("gemodel") => LossModel::GilbertElliott {
            p: num("p")?,
            r: num("r")?,
            one_minus_h: num("1-h")?,
            one_minus_k: num("1-k")?,
        },
        Some("state") => LossModel::FourState {
            p13: num("p13")?,
            p31: num("p31")?,
            p32: num("p32")?,
            p23: num("p23")?,
            p14: num("p14")?,
        },
        Some("pattern") => {
            let digits = folder.text(&format!("{at}/loss/pattern"))?.unwrap_or("");
            let pattern = crate::impair::loss::Pattern::parse(digits)
                .map_err(|e| field_error(format!("{dotted}.loss.pattern"), e))?;
            LossModel::Pattern { pattern }
        }
        Some(other) => {
            return Err(anyhow!(tr!(
                "check-err-loss-model",
                file = json.as_str(),
                field = format!("{dotted}.loss.model"),
                value = other
            )));
        }
    };
    model
        .validate()
        .map_err(|e| field_error(format!("{dotted}.loss"), e))?;
    Ok(Some(model))
}

/// How a baseline comparison is judged.
#[derive(Clone, Copy, Debug)]
pub struct BaselineOptions {
    /// RTT percentiles compared as ratios within `1 + T` either way; `None`: not compared
    /// (live RTTs depend on how busy the machine is, so they are opt-in).
    pub rtt_tolerance: Option<f64>,
    /// Test loss for any difference rather than only for an increase.
    pub two_sided: bool,
}

/// Candidate against baseline, on first attempts and the `all` rows:
/// - loss: with the same seed, an exact McNemar test on the first attempts the two runs share
///   (paired: the runs drew the same random numbers, so only the packets whose fate differs
///   carry information); with different seeds, a Welch t-test of the two batch-means
///   estimates. One-sided (did it get worse?) unless `two_sided`.
/// - loss-period lengths: a Welch t-test of the mean length, batch means over each run's
///   periods in sequence order (valid when neighbouring periods are correlated), two-sided.
/// - RTT percentiles, only when asked: the ratio within a factor of `1 + T`, not a
///   statistical test and outside the family.
pub fn baseline_checks(
    cand: &ResultsFolder,
    base: &ResultsFolder,
    opts: BaselineOptions,
    lang: Lang,
) -> Result<Vec<Check>> {
    let mut checks = vec![status_check(cand, lang)?];
    let (c_row, b_row) = (cand.summary.row("all")?, base.summary.row("all")?);
    let (c, b) = (loss_counts(&c_row, true)?, loss_counts(&b_row, true)?);
    let side = if opts.two_sided {
        tr!("check-side-two" in lang)
    } else {
        tr!("check-side-worse" in lang)
    };
    let vs_baseline = |column: &str| tr!("check-name-vs-baseline" in lang, column = column);
    let name = vs_baseline("loss_ratio");
    let same_seed = match (cand.number("seed")?, base.number("seed")?) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    };
    let paired = if same_seed {
        match (first_attempts(cand)?, first_attempts(base)?) {
            (Some(cf), Some(bf)) => Some((cf, bf)),
            _ => None,
        }
    } else {
        None
    };
    checks.push(if let Some((cf, bf)) = paired {
        let expected = tr!("check-expected-mcnemar" in lang, side = side);
        let (mut worse, mut better, mut shared) = (0u64, 0u64, 0u64);
        for (key, lost) in &cf {
            if let Some(was) = bf.get(key) {
                shared += 1;
                match (lost, was) {
                    (true, false) => worse += 1,
                    (false, true) => better += 1,
                    _ => {}
                }
            }
        }
        if shared == 0 {
            Check::skip(name, expected, tr!("check-no-shared" in lang))
        } else {
            let p = mcnemar(worse, better, opts.two_sided);
            Check::tested(
                name,
                expected,
                tr!(
                    "check-measured-mcnemar" in lang,
                    candidate = format!("{:.4}", c.k as f64 / c.n as f64),
                    baseline = format!("{:.4}", b.k as f64 / b.n as f64),
                    shared = shared.to_string(),
                    worse = worse.to_string(),
                    better = better.to_string(),
                    p = show_p(p)
                ),
                p,
            )
        }
    } else {
        let expected = tr!("check-expected-welch" in lang, side = side);
        let ((ce, _), (be, _)) = (
            loss_estimate(cand, "all", true)?,
            loss_estimate(base, "all", true)?,
        );
        match (ce, be) {
            (Some(ce), Some(be)) => {
                let (t, df) = welch(&ce, &be);
                let p = if t.is_nan() {
                    1.0
                } else if opts.two_sided {
                    (2.0 * t_sf(t.abs(), df)).min(1.0)
                } else {
                    t_sf(t, df)
                };
                Check::tested(
                    name,
                    expected,
                    tr!(
                        "check-measured-welch" in lang,
                        candidate = format!("{:.4}", ce.ratio),
                        candidate_k = show(ce.k),
                        candidate_n = show(ce.n),
                        baseline = format!("{:.4}", be.ratio),
                        baseline_k = show(be.k),
                        baseline_n = show(be.n),
                        t = format!("{:.2}", if t.is_nan() { 0.0 } else { t }),
                        df = format!("{df:.0}"),
                        p = show_p(p)
                    ),
                    p,
                )
            }
            _ => Check::skip(
                name,
                expected,
                tr!("check-no-units-in-one" in lang, what = c.what.text(lang)),
            ),
        }
    });

    // Loss-period lengths: their mean, with the periods batched in sequence order.
    let name = vs_baseline("loss_period_mean");
    let expected = tr!("check-expected-period-mean" in lang);
    let absent = |f: &ResultsFolder| {
        tr!(
            "check-no-loss-periods-file" in lang,
            folder = f.dir.display().to_string()
        )
    };
    let period_check = match (period_units(cand)?, period_units(base)?) {
        (None, _) => Check::skip(name, expected, absent(cand)),
        (_, None) => Check::skip(name, expected, absent(base)),
        (Some(cu), Some(bu)) => match (estimate(&cu), estimate(&bu)) {
            (Some(ce), Some(be)) if ce.n >= 2.0 && be.n >= 2.0 => {
                let (t, df) = welch(&ce, &be);
                let p = if t.is_nan() {
                    1.0
                } else {
                    (2.0 * t_sf(t.abs(), df)).min(1.0)
                };
                Check::tested(
                    name,
                    expected,
                    tr!(
                        "check-measured-period-mean" in lang,
                        candidate = format!("{:.3}", ce.ratio),
                        candidate_n = show(ce.n),
                        baseline = format!("{:.3}", be.ratio),
                        baseline_n = show(be.n),
                        t = format!("{:.2}", if t.is_nan() { 0.0 } else { t }),
                        df = format!("{df:.0}"),
                        p = show_p(p)
                    ),
                    p,
                )
            }
            _ => Check::skip(name, expected, tr!("check-few-periods" in lang)),
        },
    };
    // The gate's question is the loss; the burst lengths are a screen beside it, with a tenth
    // of the family's error rate, so that the loss test keeps nine tenths of it (and its power).
    checks[1].weight = 1.0 - PERIOD_WEIGHT;
    checks.push(Check {
        weight: PERIOD_WEIGHT,
        ..period_check
    });

    // RTT percentiles: the machine's, so only a generous ratio, and only when asked.
    // Percentiles over replies and percentiles counting lost packets as infinite (RFC 2681)
    // are different quantities.
    let Some(rtt_tolerance) = opts.rtt_tolerance else {
        return Ok(checks);
    };
    let (cp, bp) = (cand.text("rtt_percentiles")?, base.text("rtt_percentiles")?);
    let mismatch = match (cp, bp) {
        (Some(c), Some(b)) if c != b => Some(tr!(
            "check-rtt-percentiles-differ" in lang,
            candidate = c,
            baseline = b
        )),
        _ => None,
    };
    let factor = 1.0 + rtt_tolerance;
    for column in ["rtt_p50_us", "rtt_p90_us", "rtt_p99_us"] {
        let name = vs_baseline(column);
        let expected = tr!(
            "check-expected-rtt-ratio" in lang,
            low = show_ratio(1.0 / factor),
            high = show_ratio(factor)
        );
        let check = match (c_row.cell(column)?, b_row.cell(column)?) {
            (Cell::Empty, _) => {
                Check::skip(name, expected, tr!("check-no-replies-candidate" in lang))
            }
            (_, Cell::Empty) => {
                Check::skip(name, expected, tr!("check-no-replies-baseline" in lang))
            }
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

/// The burst-length test's share of a baseline family's error rate (the loss test has the
/// rest).
pub const PERIOD_WEIGHT: f64 = 0.1;

/// Welch's t of two estimates, `(R₁ − R₂)/sqrt(v₁ + v₂)`, with the Welch-Satterthwaite degrees
/// of freedom `(v₁+v₂)² / (v₁²/d₁ + v₂²/d₂)`. When neither varies: NaN if the ratios are
/// equal, ±∞ if not.
fn welch(a: &Estimate, b: &Estimate) -> (f64, f64) {
    let v = a.var + b.var;
    if v <= 0.0 {
        // Neither varies: equal is no evidence, different is all the evidence there is.
        let d = a.ratio - b.ratio;
        return (
            if d == 0.0 {
                f64::NAN
            } else {
                d.signum() * f64::INFINITY
            },
            1.0,
        );
    }
    let dof = |e: &Estimate| {
        if e.batches >= 2 {
            e.df()
        } else {
            f64::INFINITY
        }
    };
    let df = v * v / (a.var * a.var / dof(a) + b.var * b.var / dof(b));
    ((a.ratio - b.ratio) / v.sqrt(), df.max(1.0))
}

/// Exact McNemar test on discordant pairs: under H0 each of the `worse + better` packets
/// whose fate differs is equally likely to be either kind, `worse ~ Binomial(d, 1/2)`.
/// One-sided `P(X ≥ worse)`, or two-sided `min(1, 2·min(P(X ≥ worse), P(X ≤ worse)))`.
pub fn mcnemar(worse: u64, better: u64, two_sided: bool) -> f64 {
    let d = worse + better;
    if d == 0 {
        return 1.0;
    }
    let Ok(bin) = Binomial::new(0.5, d) else {
        return 1.0;
    };
    let upper = if worse == 0 { 1.0 } else { bin.sf(worse - 1) };
    if two_sided {
        (2.0 * upper.min(bin.cdf(worse))).min(1.0)
    } else {
        upper
    }
}

/// Holm's step-down procedure over the checks that carry a p-value, weighted (Holm 1979,
/// section 5): sorted by `p/w`, the i-th (from 0) fails while `p ≤ α · w / W_i`, with `W_i`
/// the weight of the checks not yet failed; the first that does not stops it. With equal
/// weights that is the plain Holm rule `p ≤ α/(m − i)`. Either way the chance that a correct
/// run fails any of them is at most α, whatever their dependence. Sets each tested check's
/// adjusted p-value `max_{j ≤ i} min(1, p_(j) · W_j / w_(j))` and its verdict (fail when it
/// is ≤ α). Returns the number of tests m.
pub fn holm(checks: &mut [Check], alpha: f64) -> usize {
    let mut tested: Vec<usize> = (0..checks.len())
        .filter(|&i| checks[i].verdict != Verdict::Skip && checks[i].p_value.is_some())
        .collect();
    let key = |c: &Check| c.p_value.unwrap_or(1.0) / c.weight;
    tested.sort_by(|&a, &b| key(&checks[a]).total_cmp(&key(&checks[b])));
    let mut remaining: f64 = tested.iter().map(|&i| checks[i].weight).sum();
    let mut running = 0.0_f64;
    for &at in &tested {
        let (p, w) = (checks[at].p_value.unwrap_or(1.0), checks[at].weight);
        running = running.max((p * remaining / w).min(1.0));
        remaining -= w;
        checks[at].adjusted_p = Some(running);
        checks[at].verdict = if running <= alpha {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
    }
    tested.len()
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

    fn level() -> Level {
        Level {
            confidence: 0.999,
            lang: Lang::En,
        }
    }

    fn est(k: f64, n: f64, var: f64, batches: usize) -> Estimate {
        Estimate {
            k,
            n,
            ratio: k / n,
            var,
            batches,
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
    /// rounding error above 0. The exact distribution of a zero model is 0 with certainty.
    #[test]
    fn zero_loss_meets_a_zero_model() {
        let chain = Chain::of(&LossModel::Bernoulli { p: 0.0 }).unwrap();
        let dist = total_count(&chain, &[500, 500]);
        let mut checks = vec![model_exact(
            "x".into(),
            0.0,
            "none",
            &dist,
            0,
            1000,
            level(),
        )];
        holm(&mut checks, 0.001);
        assert_eq!(checks[0].verdict, Verdict::Pass, "{:?}", checks[0]);
        let mut checks = vec![model_exact(
            "x".into(),
            0.0,
            "none",
            &dist,
            1,
            1000,
            level(),
        )];
        holm(&mut checks, 0.001);
        assert_eq!(checks[0].verdict, Verdict::Fail);
    }

    #[test]
    fn percent_trims_zeros() {
        assert_eq!(percent(0.999), "99.9%");
        assert_eq!(percent(0.95), "95%");
        assert_eq!(percent(0.9999), "99.99%");
    }

    /// 30 of 200 with a measured dependence factor of 2 (var = 2 · 0.15 · 0.85 / 200) over 11
    /// batches. Against `<= 0.1`: se(0.1) = sqrt(2 · 0.09 / 200) = 0.03, t = 0.05/0.03 =
    /// 1.6667 on 10 degrees of freedom, one-sided p = 0.0633 (t₀.₉₅(10) = 1.812 lies beyond).
    #[test]
    fn one_sided_rules_by_hand() {
        let e = est(30.0, 200.0, 2.0 * 0.15 * 0.85 / 200.0, 11);
        assert!((e.factor().unwrap() - 2.0).abs() < 1e-12);
        let le = rule_p(Rule::Compare(Op::Le, 0.1), None, &e);
        assert!((le - 0.0633).abs() < 5e-4, "{le}");
        let ge = rule_p(Rule::Compare(Op::Ge, 0.1), None, &e);
        assert!((le + ge - 1.0).abs() < 1e-12);
        // `=` is two-sided: twice the smaller tail.
        let eq = rule_p(Rule::Compare(Op::Eq, 0.1), None, &e);
        assert!((eq - 2.0 * le).abs() < 1e-12);
        // At the bound itself, half the runs lie on either side.
        let at = rule_p(Rule::Compare(Op::Le, 0.15), None, &e);
        assert!((at - 0.5).abs() < 1e-12);
    }

    /// A ratio that is not a proportion: 1.2 attempts per success with se 0.05 over 11
    /// batches; `<= 1.1` gives t = 2 on 10 degrees of freedom, one-sided p = 0.0367.
    #[test]
    fn ratio_check_by_hand() {
        let e = est(120.0, 100.0, 0.0025, 11);
        let c = ratio_check("a".into(), Rule::Compare(Op::Le, 1.1), Some(e), level());
        let p = c.p_value.unwrap();
        assert!((p - 0.0367).abs() < 2e-4, "{p}");
        let c = ratio_check("a".into(), Rule::Compare(Op::Ge, 1.1), Some(e), level());
        assert!((c.p_value.unwrap() - (1.0 - p)).abs() < 1e-12);
        assert_eq!(
            ratio_check("a".into(), Rule::Compare(Op::Le, 1.1), None, level()).verdict,
            Verdict::Skip
        );
    }

    /// `c ± 0` is the two-sided test of `= c`; a range wide compared with the spread is the
    /// one-sided test at its nearer end.
    #[test]
    fn approx_between_two_and_one_sided() {
        let e = est(30.0, 200.0, 2.0 * 0.15 * 0.85 / 200.0, 11);
        let zero = rule_p(
            Rule::Approx {
                centre: 0.1,
                tolerance: 0.0,
            },
            None,
            &e,
        );
        let eq = rule_p(Rule::Compare(Op::Eq, 0.1), None, &e);
        assert!((zero - eq).abs() < 1e-9, "{zero} {eq}");
        let wide = rule_p(
            Rule::Approx {
                centre: 0.0,
                tolerance: 0.1,
            },
            None,
            &e,
        );
        let le = rule_p(Rule::Compare(Op::Le, 0.1), None, &e);
        // The far end lies (0.2 − 0)/0.03 = 6.7 spreads further: a t₁₀ tail of about 1e-5.
        assert!(wide >= le && wide - le < 1e-4, "{wide} {le}");
    }

    /// Holm by hand, α = 0.05: p = 0.01, 0.04, 0.03 sort to 0.01 · 3 = 0.03 (fail),
    /// 0.03 · 2 = 0.06 (pass, and it stops there), 0.04 · 1 = 0.04 → max 0.06 (pass).
    #[test]
    fn holm_by_hand() {
        let t = |p| Check::tested("x".into(), String::new(), String::new(), p);
        let mut checks = vec![
            t(0.01),
            t(0.04),
            Check::skip("s".into(), String::new(), String::new()),
            t(0.03),
        ];
        assert_eq!(holm(&mut checks, 0.05), 3);
        let adj: Vec<_> = checks.iter().map(|c| c.adjusted_p).collect();
        assert!((adj[0].unwrap() - 0.03).abs() < 1e-12);
        assert!((adj[1].unwrap() - 0.06).abs() < 1e-12);
        assert!((adj[3].unwrap() - 0.06).abs() < 1e-12);
        assert_eq!(adj[2], None);
        let v: Vec<_> = checks.iter().map(|c| c.verdict).collect();
        use Verdict::*;
        assert_eq!(v, vec![Fail, Pass, Skip, Pass]);
    }

    /// Weighted Holm by hand, α = 0.05, weights 0.9 and 0.1. p = 0.03 and 0.2: sorted by
    /// p/w, 0.03 comes first and is judged at 0.03 · 1.0/0.9 = 0.0333 ≤ 0.05: it fails, where
    /// plain Holm (0.03 · 2 = 0.06) would pass it; 0.2 · 0.1/0.1 → max 0.2 passes. p = 0.055
    /// and 0.004: 0.004 · 1/0.1 = 0.04 fails, then 0.055 · 0.9/0.9 = 0.055 passes.
    #[test]
    fn weighted_holm_by_hand() {
        let t = |p, weight| Check {
            weight,
            ..Check::tested("x".into(), String::new(), String::new(), p)
        };
        let mut checks = vec![t(0.03, 0.9), t(0.2, 0.1)];
        holm(&mut checks, 0.05);
        assert!((checks[0].adjusted_p.unwrap() - 0.03 / 0.9).abs() < 1e-12);
        assert!((checks[1].adjusted_p.unwrap() - 0.2).abs() < 1e-12);
        assert_eq!(
            (checks[0].verdict, checks[1].verdict),
            (Verdict::Fail, Verdict::Pass)
        );
        let mut checks = vec![t(0.055, 0.9), t(0.004, 0.1)];
        holm(&mut checks, 0.05);
        assert!((checks[1].adjusted_p.unwrap() - 0.04).abs() < 1e-12);
        assert!((checks[0].adjusted_p.unwrap() - 0.055).abs() < 1e-12);
        assert_eq!(
            (checks[0].verdict, checks[1].verdict),
            (Verdict::Pass, Verdict::Fail)
        );
    }

    /// McNemar by hand: 5 packets lost only now and none only before: P(X ≥ 5 | Bin(5, ½)) =
    /// 1/32. 3 against 7: P(X ≥ 3 | Bin(10, ½)) = 1 − (1 + 10 + 45)/1024 = 968/1024.
    #[test]
    fn mcnemar_by_hand() {
        assert!((mcnemar(5, 0, false) - 1.0 / 32.0).abs() < 1e-12);
        assert!((mcnemar(5, 0, true) - 2.0 / 32.0).abs() < 1e-12);
        assert!((mcnemar(3, 7, false) - 968.0 / 1024.0).abs() < 1e-12);
        assert_eq!(mcnemar(0, 0, false), 1.0);
        assert_eq!(mcnemar(0, 4, false), 1.0);
    }

    /// Welch by hand: 0.2 (var 0.0004, 10 batches) against 0.1 (var 0.0005, 20 batches):
    /// t = 0.1/sqrt(0.0009) = 3.3333; df = 0.0009² / (0.0004²/9 + 0.0005²/19) = 26.18.
    #[test]
    fn welch_by_hand() {
        let (t, df) = welch(&est(20.0, 100.0, 0.0004, 10), &est(10.0, 100.0, 0.0005, 20));
        assert!((t - 3.333_333).abs() < 1e-5, "{t}");
        let want = 0.0009f64.powi(2) / (0.0004f64.powi(2) / 9.0 + 0.0005f64.powi(2) / 19.0);
        assert!(
            (df - want).abs() < 1e-9 && (df - 26.18).abs() < 0.01,
            "{df}"
        );
    }

    /// The exact model check: 50 of 100 at p = 0.5 passes; 80 of 100 is far outside.
    #[test]
    fn model_exact_judges_by_the_distribution() {
        let chain = Chain::of(&LossModel::Bernoulli { p: 0.5 }).unwrap();
        let dist = total_count(&chain, &[100]);
        let mut checks = vec![
            model_exact("a".into(), 0.5, "random", &dist, 50, 100, level()),
            model_exact("b".into(), 0.5, "random", &dist, 80, 100, level()),
        ];
        assert_eq!(holm(&mut checks, 0.001), 2);
        assert_eq!(checks[0].verdict, Verdict::Pass);
        assert_eq!(checks[1].verdict, Verdict::Fail);
        assert!(
            checks[0].measured.contains("central 99.9% range"),
            "{}",
            checks[0].measured
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
            point(
                "x".into(),
                Rule::Compare(Op::Le, 2000.0),
                Cell::Num(1999.0),
                Lang::En
            )
            .verdict,
            Verdict::Pass
        );
        assert_eq!(
            point(
                "x".into(),
                Rule::Compare(Op::Le, 2000.0),
                Cell::Num(f64::INFINITY),
                Lang::En
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
            Lang::En,
        );
        assert_eq!((c.verdict, c.measured.as_str()), (Verdict::Pass, "3.5"));
        assert_eq!(
            point(
                "x".into(),
                Rule::Compare(Op::Eq, 0.0),
                Cell::Empty,
                Lang::En
            )
            .verdict,
            Verdict::Skip
        );
    }
}
