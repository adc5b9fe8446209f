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
//! least [`MIN_BATCH`] units trade that against degrees of freedom.
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
/// The fewest units a batch should hold (fewer batches rather than shorter ones).
pub const MIN_BATCH: usize = 32;

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

/// The number of batches each flow gets: about [`TARGET_BATCHES`] in all (fewer when there are
/// fewer than `TARGET_BATCHES · MIN_BATCH` units), shared in proportion to the flows' sizes,
/// at least one per flow with units.
fn plan(sizes: &[usize]) -> Vec<usize> {
    let total: usize = sizes.iter().sum();
    let target = (total / MIN_BATCH).clamp(2, TARGET_BATCHES);
    sizes
        .iter()
        .map(|&n| {
            if n == 0 {
                0
            } else {
                ((target * n + total / 2) / total).clamp(1, n)
            }
        })
        .collect()
}

/// Batch totals `(k_b, n_b)` of units grouped by flow and cut in order.
pub fn batches(units: &[Unit]) -> Vec<(f64, f64)> {
    let mut sorted = units.to_vec();
    sorted.sort_by_key(|u| (u.flow, u.order));
    let mut flows: Vec<&[Unit]> = Vec::new();
    let mut start = 0;
    for i in 1..=sorted.len() {
        if i == sorted.len() || sorted[i].flow != sorted[start].flow {
            flows.push(&sorted[start..i]);
            start = i;
        }
    }
    let sizes: Vec<usize> = flows.iter().map(|f| f.len()).collect();
    let mut out = Vec::new();
    for (flow, b) in flows.iter().zip(plan(&sizes)) {
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

/// The ratio `Σk/Σn` of `units` with its batch-means variance; `None` when `Σn = 0`. With a
/// single batch the variance cannot be estimated and is taken as the binomial `R(1−R)/n`
/// (independent trials), which `batches = 1` records.
pub fn estimate(units: &[Unit]) -> Option<Estimate> {
    from_batches(&batches(units))
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
        assert_eq!(plan(&[500, 500, 500, 500]), vec![5, 5, 5, 5]);
        // 8 × 250 = 2000 units: 20 batches, 2.5 per flow rounds to 3 (2.5 + 0.5 floored).
        assert_eq!(plan(&[250; 8]), vec![3; 8]);
        // A short sample: 100 units make 3 batches (100 / 32), never fewer than 2 in all.
        assert_eq!(plan(&[100]), vec![3]);
        assert_eq!(plan(&[10]), vec![2]);
        assert_eq!(plan(&[1]), vec![1]);
        assert_eq!(plan(&[0, 40]), vec![0, 2]);
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
        let runs: Vec<Unit> = (0..2000)
            .map(|i| unit(0, i, f64::from(u8::from((i / 50) % 3 == 0))))
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
