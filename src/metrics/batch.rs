//! Batch means: the spread of a ratio `Σk / Σn` estimated from the data itself, so that
//! correlated losses (bursts, retries inside a burst) widen the interval by as much as they
//! actually vary, whatever model produced them.
//!
//! Method (non-overlapping batch means; Schmeiser 1982, "Batch size effects in the analysis of
//! simulation output"): the units (a packet's logical request, or a loss period) of each flow
//! are cut, in sequence order, into a few contiguous batches; flows are independent and never
//! share a batch. With `B` batches of totals `(k_b, n_b)` and `R = Σk/Σn`, the variance of `R`
//! is estimated as `B/(B−1) · Σ(k_b − R·n_b)² / (Σn)²` (the ratio estimator's cluster-robust
//! variance) and intervals and tests use Student's t with `B − 1` degrees of freedom, which
//! accounts for the variance itself being estimated from `B` numbers. Batches long compared
//! with a burst make neighbouring batches nearly independent; [`TARGET_BATCHES`] batches of at
//! least [`MIN_BATCH`] units (up to [`MAX_BATCHES`] in long samples) trade that against degrees
//! of freedom, the remaining batch-size bias is extrapolated away (see [`estimate`]), and a
//! sample with few loss periods gets fewer batches ([`EVENTS_PER_BATCH`]), since a batch
//! without a burst says nothing about how bursts vary.
//!
//! What it assumes: the correlation between units dies out within a batch (true for every
//! losslab model: a chain forgets its state geometrically), and the process is stationary
//! along the sequence. Retries are inside their logical request's unit, so retries that fall
//! into the same burst are counted together.
//!
//! Invariant: the estimate is a pure function of the units' values and their (flow, order)
//! places, never of the order they were handed in.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// How many batches a sample is cut into when it is long enough.
pub const TARGET_BATCHES: usize = 20;
/// Long samples get more batches (more degrees of freedom, so more power at 0.999), as many as
/// keep each batch at least [`LONG_BATCH`] units long, up to this many.
pub const MAX_BATCHES: usize = 60;
/// The batch length from which a long sample is cut into more than [`TARGET_BATCHES`].
pub const LONG_BATCH: usize = 250;
/// The fewest units a batch should hold (fewer batches rather than shorter ones).
pub const MIN_BATCH: usize = 32;
/// The fewest rare events (loss periods) a batch should hold on average: with two bursts in a
/// whole run, two batches (and Student's t on one degree of freedom) say honestly how little
/// the run shows.
pub const EVENTS_PER_BATCH: usize = 2;

/// One unit: its flow, its place in the flow, and its counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Unit {
    pub flow: u32,
    pub order: u64,
    pub k: f64,
    pub n: f64,
}

/// A ratio with its batch-means spread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub k: f64,
    pub n: f64,
    pub ratio: f64,
    /// Estimated variance of `ratio`.
    pub var: f64,
    /// Number of batches (degrees of freedom + 1).
    pub batches: usize,
}

impl Estimate {
    /// Degrees of freedom of the t reference, `B − 1`.
    pub fn df(&self) -> f64 {
        (self.batches as f64 - 1.0).max(1.0)
    }

    /// How much more the ratio varies than independent trials would: the estimated variance
    /// over `R(1−R)/n`. `None` when `R` is 0 or 1 (no variance to compare with).
    pub fn factor(&self) -> Option<f64> {
        let binom = self.ratio * (1.0 - self.ratio) / self.n;
        (binom > 0.0).then(|| self.var / binom)
    }

    /// Two-sided interval at `confidence`: Wilson's score interval on the effective sample
    /// size `n / f̂` (which keeps it inside [0, 1] and skewed like a proportion's), with the t
    /// quantile of `B − 1` degrees of freedom in place of z. When `R` is 0 or 1 the data show
    /// no spread and the plain Wilson interval on `n` is used.
    pub fn interval(&self, confidence: f64) -> Option<(f64, f64)> {
        if self.n <= 0.0 {
            return None;
        }
        let upper = 1.0 - (1.0 - confidence) / 2.0;
        Some(match self.factor() {
            Some(f) if f > 0.0 && self.batches >= 2 => {
                wilson_f(self.ratio, self.n / f, t_quantile(upper, self.df()))
            }
            _ => wilson_f(self.ratio, self.n, z_quantile(upper)),
        })
    }
}

/// Wilson's score interval for proportion `p` on (possibly fractional) sample size `n` at
/// quantile `q`.
pub fn wilson_f(p: f64, n: f64, q: f64) -> (f64, f64) {
    let q2 = q * q;
    let denom = 1.0 + q2 / n;
    let centre = (p + q2 / (2.0 * n)) / denom;
    let half = q / denom * (p * (1.0 - p) / n + q2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Student's t quantile.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df.max(1.0))
        .map(|t| t.inverse_cdf(p))
        .unwrap_or(f64::NAN)
}

/// The standard normal quantile.
pub fn z_quantile(p: f64) -> f64 {
    Normal::standard().inverse_cdf(p)
}

/// `P(T ≥ t)` for Student's t with `df` degrees of freedom.
pub fn t_sf(t: f64, df: f64) -> f64 {
    if t.is_nan() {
        return 1.0;
    }
    StudentsT::new(0.0, 1.0, df.max(1.0))
        .map(|d| d.sf(t))
        .unwrap_or(1.0)
}

/// The number of batches each flow gets: about [`TARGET_BATCHES`] in all — up to
/// [`MAX_BATCHES`] of [`LONG_BATCH`] units in a long sample, fewer when there are fewer than
/// `TARGET_BATCHES · MIN_BATCH` units, or fewer than
/// `TARGET_BATCHES · EVENTS_PER_BATCH` rare events (runs of losses, or of failures) to spread
/// over them — shared in proportion to the flows' sizes, at least one per flow with units.
fn plan(sizes: &[usize], events: usize) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    let by_size = (total / MIN_BATCH)
        .min(TARGET_BATCHES)
        .max((total / LONG_BATCH).min(MAX_BATCHES));
    let target = by_size.min(events / EVENTS_PER_BATCH).max(2);
    sizes
        .iter()
        .map(|&n| {
            if n == 0 {
                0
            } else {
                ((target * n + total / 2) / total.max(1)).clamp(1, n)
            }
        })
        .collect()
}

/// The units grouped by flow, each flow in order.
fn flows(units: &[Unit]) -> Vec<Vec<Unit>> {
    let mut sorted = units.to_vec();
    sorted.sort_by_key(|u| (u.flow, u.order));
    let mut out: Vec<Vec<Unit>> = Vec::new();
    for u in sorted {
        match out.last_mut() {
            Some(f) if f[0].flow == u.flow => f.push(u),
            _ => out.push(vec![u]),
        }
    }
    out
}

/// Rare events: maximal runs of consecutive units of one flow on the rarer side (units with
/// `k > 0` when the ratio is at most ½ — a loss period — else units with `k < n`).
fn events(flows: &[Vec<Unit>]) -> usize {
    let (k, n) = flows
        .iter()
        .flatten()
        .fold((0.0, 0.0), |(k, n), u| (k + u.k, n + u.n));
    let low = n <= 0.0 || k / n <= 0.5;
    let rare = |u: &Unit| if low { u.k > 0.0 } else { u.k < u.n };
    flows
        .iter()
        .map(|f| {
            f.iter()
                .zip(std::iter::once(None).chain(f.iter().map(Some)))
                .filter(|(u, prev)| rare(u) && !prev.is_some_and(&rare))
                .count()
        })
        .sum()
}

/// Each flow cut into `plan[i]` contiguous batches of nearly equal unit counts.
fn cut(flows: &[Vec<Unit>], plan: &[usize]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for (flow, &b) in flows.iter().zip(plan) {
        for j in 0..b {
            let (from, to) = (j * flow.len() / b, (j + 1) * flow.len() / b);
            let (k, n) = flow[from..to]
                .iter()
                .fold((0.0, 0.0), |(k, n), u| (k + u.k, n + u.n));
            out.push((k, n));
        }
    }
    out
}

/// Batch totals `(k_b, n_b)` of units grouped by flow and cut in order.
pub fn batches(units: &[Unit]) -> Vec<(f64, f64)> {
    let flows = flows(units);
    let sizes: Vec<usize> = flows.iter().map(Vec::len).collect();
    cut(&flows, &plan(&sizes, events(&flows)))
}

/// The ratio `Σk/Σn` of `units` with its batch-means variance; `None` when `Σn = 0`.
///
/// Batches shorter than the dependence make the plain estimate too small by about `c/m` for
/// batch size `m` (neighbouring batches share the correlation across their boundary). The
/// estimate is therefore also computed with batches half as long, and the linear
/// extrapolation `2·V(m) − V(m/2)`, which cancels that `1/m` term, is used when it is larger
/// (Richardson extrapolation of the batch-size bias; never below the plain estimate, so
/// independent data, whose two estimates agree up to noise, stay about as they were).
pub fn estimate(units: &[Unit]) -> Option<Estimate> {
    let flows = flows(units);
    let sizes: Vec<usize> = flows.iter().map(Vec::len).collect();
    let plan = plan(&sizes, events(&flows));
    let mut e = from_batches(&cut(&flows, &plan))?;
    let halves: Vec<usize> = plan.iter().map(|b| 2 * b).collect();
    if e.batches >= 2
        && halves.iter().zip(&sizes).all(|(h, n)| h <= n)
        && let Some(h) = from_batches(&cut(&flows, &halves))
    {
        e.var = e.var.max(2.0 * e.var - h.var);
    }
    Some(e)
}

/// [`estimate`] from batch totals.
pub fn from_batches(b: &[(f64, f64)]) -> Option<Estimate> {
    let (k, n) = b
        .iter()
        .fold((0.0, 0.0), |(k, n), (bk, bn)| (k + bk, n + bn));
    if n <= 0.0 {
        return None;
    }
    let ratio = k / n;
    let count = b.len();
    let var = if count >= 2 {
        let ss: f64 = b.iter().map(|(bk, bn)| (bk - ratio * bn).powi(2)).sum();
        count as f64 / (count as f64 - 1.0) * ss / (n * n)
    } else {
        ratio * (1.0 - ratio) / n
    };
    Some(Estimate {
        k,
        n,
        ratio,
        var,
        batches: count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(flow: u32, order: u64, k: f64) -> Unit {
        Unit {
            flow,
            order,
            k,
            n: 1.0,
        }
    }

    #[test]
    fn plan_shares_batches_by_size() {
        let many = 1000;
        assert_eq!(plan(&[500, 500, 500, 500], many), vec![5, 5, 5, 5]);
        // 8 × 250 = 2000 units: 20 batches, 2.5 per flow rounds to 3 (2.5 + 0.5 floored).
        assert_eq!(plan(&[250; 8], many), vec![3; 8]);
        // A short sample: 100 units make 3 batches (100 / 32), never fewer than 2 in all.
        assert_eq!(plan(&[100], many), vec![3]);
        assert_eq!(plan(&[10], many), vec![2]);
        assert_eq!(plan(&[1], many), vec![1]);
        assert_eq!(plan(&[0, 40], many), vec![0, 2]);
        // A long sample: 20,000 units make 60 batches of 333 (at least 250 each).
        assert_eq!(plan(&[5000; 4], many * 100), vec![15; 4]);
        assert_eq!(plan(&[10_000], many * 100), vec![40]);
        // Few bursts: 10 loss periods make 5 batches, 3 make the minimum of 2.
        assert_eq!(plan(&[2000], 10), vec![5]);
        assert_eq!(plan(&[1000, 1000], 3), vec![1, 1]);
    }

    /// Runs of losses (or of failures, when failures are the rarer side) within each flow.
    #[test]
    fn events_are_runs_on_the_rare_side() {
        let lost = [0, 1, 1, 0, 1, 0, 0, 1];
        let units: Vec<Unit> = lost
            .iter()
            .enumerate()
            .map(|(i, &k)| unit(0, i as u64, f64::from(k)))
            .chain([
                unit(1, 0, 1.0),
                unit(1, 1, 1.0),
                unit(1, 2, 0.0),
                unit(1, 3, 0.0),
            ])
            .collect();
        // Flow 0: runs at 1-2, 4, 7; flow 1: one run (and flows never join).
        assert_eq!(events(&flows(&units)), 4);
        // Mostly lost: the rare side is the delivered units.
        let inverted: Vec<Unit> = (0..10)
            .map(|i| unit(0, i, f64::from(u8::from(i != 4))))
            .collect();
        assert_eq!(events(&flows(&inverted)), 1);
    }

    /// Four batches by hand: totals (1,4), (3,4), (0,4), (2,4); R = 6/16 = 0.375; residuals
    /// k − R·n = −0.5, 1.5, −1.5, 0.5; Σ² = 5; var = 4/3 · 5 / 256 = 0.0260417.
    #[test]
    fn variance_by_hand() {
        let e = from_batches(&[(1.0, 4.0), (3.0, 4.0), (0.0, 4.0), (2.0, 4.0)]).unwrap();
        assert_eq!(e.ratio, 0.375);
        assert!((e.var - 4.0 / 3.0 * 5.0 / 256.0).abs() < 1e-15);
        assert_eq!(e.df(), 3.0);
        assert_eq!(from_batches(&[]), None);
    }

    /// Correlation across batch boundaries: losses in runs of 20 with batches of 100 leave the
    /// plain estimate short by about a fifth; the extrapolated one is larger.
    #[test]
    fn short_batches_are_corrected_upward() {
        let units: Vec<Unit> = (0..2000)
            .map(|i| {
                unit(
                    0,
                    i,
                    f64::from(u8::from((i + 7) % 37 < 20 && (i / 37) % 3 == 0)),
                )
            })
            .collect();
        let plain = from_batches(&batches(&units)).unwrap();
        let e = estimate(&units).unwrap();
        assert!(e.var >= plain.var, "{} {}", e.var, plain.var);
        assert_eq!((e.k, e.n, e.batches), (plain.k, plain.n, plain.batches));
    }

    /// Units handed in any order give the same batches: grouped by flow, cut in seq order.
    #[test]
    fn order_of_units_does_not_matter() {
        let mut units: Vec<Unit> = (0..200)
            .map(|i| unit(i % 2, u64::from(i / 2), f64::from(u8::from(i % 7 == 0))))
            .collect();
        let a = estimate(&units).unwrap();
        units.reverse();
        assert_eq!(estimate(&units).unwrap(), a);
    }

    /// Losses in long runs (blocks of 50 lost, 50 kept) vary far more than coin flips: the
    /// estimated factor is large, where alternating losses (anti-correlated) give almost none.
    #[test]
    fn bursts_raise_the_factor() {
        // Bursts of 5 to 40 losses at irregular places (a fixed sequence of a 64-bit LCG).
        let mut x: u64 = 42;
        let mut lost = Vec::new();
        while lost.len() < 4000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let gap = 20 + (x >> 33) % 100;
            let burst = 5 + (x >> 13) % 36;
            lost.extend((0..gap).map(|_| 0.0));
            lost.extend((0..burst).map(|_| 1.0));
        }
        let runs: Vec<Unit> = lost
            .iter()
            .enumerate()
            .map(|(i, &k)| unit(0, i as u64, k))
            .collect();
        let f = estimate(&runs).unwrap().factor().unwrap();
        assert!(f > 5.0, "{f}");
        let alternating: Vec<Unit> = (0..2000)
            .map(|i| unit(0, i, f64::from(u8::from(i % 2 == 0))))
            .collect();
        assert!(estimate(&alternating).unwrap().factor().unwrap() < 0.1);
    }

    #[test]
    fn t_matches_known_quantiles() {
        // t(0.975; 10) = 2.228139, t(0.95; 19) = 1.729133.
        assert!((t_quantile(0.975, 10.0) - 2.228_139).abs() < 1e-5);
        assert!((t_quantile(0.95, 19.0) - 1.729_133).abs() < 1e-5);
        assert!((t_sf(1.729_133, 19.0) - 0.05).abs() < 1e-6);
    }

    #[test]
    fn interval_without_spread_is_wilson() {
        let e = from_batches(&[(0.0, 50.0), (0.0, 50.0)]).unwrap();
        let (lo, hi) = e.interval(0.95).unwrap();
        assert_eq!(lo, 0.0);
        assert!(hi > 0.0 && hi < 0.2, "{hi}");
    }
}
