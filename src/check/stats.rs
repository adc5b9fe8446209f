//! The statistics behind `losslab check`: the standard normal distribution (CDF and quantile),
//! Wilson intervals on effective counts, the pooled two-proportion z-test on loss, and the
//! Mann-Whitney U test on loss-period (burst) lengths.
//!
//! Invariant: every function here is pure and total on its documented domain; a test that has no
//! data (n = 0, an empty sample) returns `None` rather than a made-up statistic, and the caller
//! turns that into a `skip` verdict.
//!
//! Why Mann-Whitney for burst lengths: loss-period lengths (RFC 3357 §5.4.1) are small positive
//! integers with heavy ties (most periods have length 1). The two-sample Kolmogorov-Smirnov test
//! assumes continuous distributions and becomes conservative by an unknown amount under ties;
//! a chi-square homogeneity test needs bins with enough expected counts, which short runs lack.
//! Mann-Whitney ranks with midranks, corrects its variance for ties exactly, needs no binning,
//! and is most sensitive to the regression that matters here: bursts becoming systematically
//! longer or shorter.
//!
//! What the test assumes: within each folder the loss-period lengths are independent draws from
//! one distribution (its variance `Var[U]` below is only right then). That holds for Bernoulli
//! loss (every period is an independent geometric run) and for the simple Gilbert model
//! (`gemodel` with 1-h = 1 and 1-k = 0: a period is exactly one stay in the bad state, and the
//! chain starts afresh each time it enters it). It does not hold for `gemodel` with 1-h < 1 (the
//! bad state sometimes delivers, cutting one stay into several periods) or 1-k > 0 (the good
//! state loses too), nor for the 4-state model: there a period's length depends on the hidden
//! state it came from, and neighbouring periods share that state, so their lengths are
//! positively correlated. Correlated lengths make `U` vary more than `Var[U]` says, so for those
//! models the test is anti-conservative: a correct run fails it more often than
//! 1 − confidence, and its verdict is a screen to investigate rather than a calibrated one.

use std::collections::BTreeMap;
use std::f64::consts::{PI, SQRT_2};

/// Complementary error function `erfc(x) = 1 - erf(x)`, to about 1e-15 relative accuracy.
///
/// For `0 <= x < 2.5` it sums the everywhere-positive series
/// `erf(x) = 2/√π · e^{-x²} · Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·…·(2n+1))` (Abramowitz & Stegun
/// 7.1.6), which has no cancellation; above, it evaluates the continued fraction
/// `erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))` (A&S 7.1.14) from the back,
/// which converges fast for large `x` where `1 - erf` would lose every digit.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.5 {
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        // Terms rise until n ≈ x² and then fall faster than geometrically: 200 is ample.
        for _ in 0..200 {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
            if term < sum * 1e-17 {
                break;
            }
        }
        1.0 - 2.0 / PI.sqrt() * (-x2).exp() * sum
    } else {
        // Backward evaluation of the continued fraction with partial numerators k/2.
        let mut f = x;
        for k in (1..=120).rev() {
            f = x + (k as f64 / 2.0) / f;
        }
        (-x * x).exp() / (PI.sqrt() * f)
    }
}

/// The standard normal CDF, `Φ(x) = erfc(-x/√2) / 2`.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / SQRT_2)
}

/// The standard normal quantile `Φ⁻¹(p)` for `0 < p < 1` (±∞ at 0 and 1, NaN outside).
///
/// Peter J. Acklam's rational approximation (relative error below 1.15e-9), refined by one
/// Halley step on `Φ(x) - p` using [`normal_cdf`], which brings it to machine precision.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.024_25;
    let tail = |q: f64| {
        // q = sqrt(-2 ln p) for the lower tail.
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let mut x = if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    };
    // Halley's step: e = Φ(x) - p, u = e / φ(x); x -= u / (1 + x·u/2).
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * PI).sqrt() * (x * x / 2.0).exp();
    x -= u / (1.0 + x * u / 2.0);
    x
}

/// The two-sided z for a confidence level: `Φ⁻¹(1 - (1 - c)/2)`; 0.95 gives 1.96.
pub fn z_for_confidence(confidence: f64) -> f64 {
    normal_quantile(1.0 - (1.0 - confidence) / 2.0)
}

/// Counts reduced to an effective sample size: `k/f` of `n/f`, rounded to whole numbers so that
/// [`crate::metrics::stats::wilson`] applies. `f` is the variance inflation of the loss count
/// (1 for independent losses); dividing by it gives the number of independent trials that would
/// carry the same information. Rounding moves the interval's centre by at most `0.5/(n/f)`, far
/// inside its half-width. `f <= 1` or non-finite leaves the counts unchanged, and so does
/// `n = 0`: no trials stay no trials (so the caller's test is a skip), where rounding up to one
/// would invent a sample.
pub fn effective_counts(k: u64, n: u64, factor: f64) -> (u64, u64) {
    if n == 0 || !(factor.is_finite() && factor > 1.0) {
        return (k, n);
    }
    let n_eff = (n as f64 / factor).round().max(1.0);
    let k_eff = (k as f64 / n as f64 * n_eff).round();
    (k_eff as u64, n_eff as u64)
}

/// A test statistic with its two-sided p-value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZTest {
    pub z: f64,
    pub p_value: f64,
}

fn two_sided(z: f64) -> f64 {
    (2.0 * normal_cdf(-z.abs())).min(1.0)
}

/// Pooled two-proportion z-test of H0: p₁ = p₂, from `k₁` of `n₁` and `k₂` of `n₂` (counts may
/// be effective, hence `f64`): `p̂ = (k₁+k₂)/(n₁+n₂)`,
/// `z = (k₁/n₁ - k₂/n₂) / sqrt(p̂(1-p̂)(1/n₁ + 1/n₂))`, p-value `2Φ(-|z|)`.
/// `None` when either sample is empty. When both samples are all losses or all replies the
/// proportions are equal and the test returns z = 0, p = 1.
pub fn two_proportion(k1: f64, n1: f64, k2: f64, n2: f64) -> Option<ZTest> {
    if n1 <= 0.0 || n2 <= 0.0 {
        return None;
    }
    let pooled = (k1 + k2) / (n1 + n2);
    let se = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    let diff = k1 / n1 - k2 / n2;
    if se == 0.0 {
        // Both samples at 0% or both at 100%: no evidence of a difference.
        return Some(ZTest {
            z: 0.0,
            p_value: 1.0,
        });
    }
    let z = diff / se;
    Some(ZTest {
        z,
        p_value: two_sided(z),
    })
}

/// Mann-Whitney U test (Wilcoxon rank-sum) of two samples of integers given as frequency tables
/// (value → count), normal approximation with tie-corrected variance and a 0.5 continuity
/// correction: `U₁ = R₁ - n₁(n₁+1)/2` with midranks, `E[U] = n₁n₂/2`,
/// `Var[U] = n₁n₂/12 · ((N+1) - Σ(t³-t)/(N(N-1)))`. `None` when either sample is empty.
/// Returns `U₁` with the test.
pub fn mann_whitney(a: &BTreeMap<u64, u64>, b: &BTreeMap<u64, u64>) -> Option<(f64, ZTest)> {
    let n1: u64 = a.values().sum();
    let n2: u64 = b.values().sum();
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let mut values: Vec<u64> = a.keys().chain(b.keys()).copied().collect();
    values.sort_unstable();
    values.dedup();
    let (mut below, mut rank_sum_a, mut ties) = (0.0_f64, 0.0_f64, 0.0_f64);
    for v in values {
        let ca = *a.get(&v).unwrap_or(&0) as f64;
        let cb = *b.get(&v).unwrap_or(&0) as f64;
        let t = ca + cb;
        // Ranks below+1 ..= below+t share their mean.
        let midrank = below + (t + 1.0) / 2.0;
        rank_sum_a += ca * midrank;
        ties += t * t * t - t;
        below += t;
    }
    let (n1, n2) = (n1 as f64, n2 as f64);
    let n = n1 + n2;
    let u = rank_sum_a - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let var = n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)).max(1.0));
    if var <= 0.0 {
        // Every length in both samples is the same: the samples cannot be told apart.
        return Some((
            u,
            ZTest {
                z: 0.0,
                p_value: 1.0,
            },
        ));
    }
    let d = u - mean;
    let corrected = (d.abs() - 0.5).max(0.0) * d.signum();
    let z = corrected / var.sqrt();
    Some((
        u,
        ZTest {
            z,
            p_value: two_sided(z),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::stats::{Z95, Z999, wilson};

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    /// Reference values of erfc (to 16 digits, from published tables of the function).
    #[test]
    fn erfc_matches_known_values() {
        let known = [
            (0.0, 1.0),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_13),
            (2.0, 0.004_677_734_981_047_266),
            (2.5, 0.000_406_952_017_444_959),
            (3.0, 2.209_049_699_858_544e-5),
            (5.0, 1.537_459_794_428_035e-12),
        ];
        for (x, want) in known {
            let got = erfc(x);
            assert!(close(got, want, 1e-12), "erfc({x}) = {got}, want {want}");
            assert!(close(erfc(-x), 2.0 - want, 1e-14), "erfc(-{x})");
        }
        // The two branches meet without a step.
        assert!(close(erfc(2.5 - 1e-12), erfc(2.5), 1e-9));
    }

    #[test]
    fn normal_cdf_known_points() {
        assert!(close(normal_cdf(1.96), 0.975_002_104_851_779_6, 1e-14));
        assert!(close(normal_cdf(-Z999), 0.0005, 1e-10));
        assert_eq!(normal_cdf(0.0), 0.5);
    }

    /// Known quantiles of the standard normal: 1.959964 for 97.5%, 3.290527 for 99.95% (the
    /// two-sided 95% and 99.9% z, already constants in `metrics::stats`), 3.090232 for 99.9%.
    #[test]
    fn normal_quantile_matches_known_quantiles() {
        let known = [
            (0.975, Z95),
            (0.9995, Z999),
            (0.999, 3.090_232_306_167_813),
            (0.3, -0.524_400_512_708_040_7),
            (0.024_25, -1.972_961_051_311_884_5), // the edge between Acklam's regions
            (1e-9, -5.997_807_015_007_686_5),
        ];
        for (p, want) in known {
            let got = normal_quantile(p);
            assert!(close(got, want, 1e-13), "Φ⁻¹({p}) = {got}, want {want}");
            assert!(close(normal_quantile(1.0 - p), -want, 1e-9), "Φ⁻¹(1-{p})");
        }
        assert_eq!(normal_quantile(0.5), 0.0);
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
        assert!(normal_quantile(1.5).is_nan());
        assert!(close(z_for_confidence(0.95), Z95, 1e-13));
        assert!(close(z_for_confidence(0.999), Z999, 1e-13));
    }

    /// Wilson at 99.9% worked by hand: k = 50, n = 100, z = 3.290527, z² = 10.8276.
    /// Centre (0.5 + 10.8276/200)/(1 + 0.108276) = 0.5; half-width
    /// 3.290527/1.108276 · sqrt(0.0025 + 10.8276/40000) = 2.969063 · 0.0526373 = 0.156283.
    /// k = 10 of 40: centre (0.25 + 0.135345)/1.270690 = 0.303256, half-width
    /// 3.290527/1.270690 · sqrt(0.0046875 + 0.0016917) = 2.589558 · 0.0798717 = 0.206833.
    #[test]
    fn wilson_at_99_9_by_hand() {
        let z = z_for_confidence(0.999);
        let (lo, hi) = wilson(50, 100, z).unwrap();
        assert!(
            (lo - 0.343_717).abs() < 1e-6 && (hi - 0.656_283).abs() < 1e-6,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson(10, 40, z).unwrap();
        assert!(
            (lo - 0.096_427).abs() < 1e-6 && (hi - 0.510_086).abs() < 1e-6,
            "{lo} {hi}"
        );
    }

    #[test]
    fn effective_counts_divide_by_the_factor() {
        assert_eq!(effective_counts(169, 2000, 1.0), (169, 2000));
        assert_eq!(effective_counts(169, 2000, f64::NAN), (169, 2000));
        // n/f = 2000/4 = 500; k scaled to the same proportion: 0.0845 · 500 = 42.25 → 42.
        assert_eq!(effective_counts(169, 2000, 4.0), (42, 500));
        assert_eq!(effective_counts(0, 3, 10.0), (0, 1));
        // Regression: 0 of 0 became 0 of 1, and the model check a NaN "pass".
        assert_eq!(effective_counts(0, 0, 10.0), (0, 0));
        assert_eq!(effective_counts(0, 0, 1.0), (0, 0));
    }

    /// 550 of 1000 against 500 of 1000: p̂ = 0.525, se = sqrt(0.525 · 0.475 · 0.002) = 0.0223327,
    /// z = 0.05/0.0223327 = 2.23887, p = 2Φ(-2.23887) = 0.025164.
    #[test]
    fn two_proportion_by_hand() {
        let t = two_proportion(550.0, 1000.0, 500.0, 1000.0).unwrap();
        assert!((t.z - 2.238_868).abs() < 1e-6, "{t:?}");
        assert!((t.p_value - 0.025_164).abs() < 1e-6, "{t:?}");
        let back = two_proportion(500.0, 1000.0, 550.0, 1000.0).unwrap();
        assert!((back.z + t.z).abs() < 1e-12 && (back.p_value - t.p_value).abs() < 1e-15);
        let same = two_proportion(0.0, 10.0, 0.0, 20.0).unwrap();
        assert_eq!((same.z, same.p_value), (0.0, 1.0));
        assert_eq!(two_proportion(1.0, 0.0, 1.0, 2.0), None);
    }

    fn table(pairs: &[(u64, u64)]) -> BTreeMap<u64, u64> {
        pairs.iter().copied().collect()
    }

    /// a = {1, 1, 2}, b = {1, 2, 3, 3}. Combined and sorted: the three 1s share ranks 1-3
    /// (midrank 2), the two 2s ranks 4-5 (4.5), the two 3s ranks 6-7 (6.5). R_a = 2+2+4.5 = 8.5,
    /// U_a = 8.5 - 3·4/2 = 2.5, E[U] = 3·4/2 = 6, ties Σ(t³-t) = 24+6+6 = 36,
    /// Var = 12/12 · (8 - 36/42) = 7.142857, z = (2.5 - 6 + 0.5)/2.672612 = -1.122497,
    /// p = 2Φ(-1.122497) = 0.261651.
    #[test]
    fn mann_whitney_by_hand() {
        let a = table(&[(1, 2), (2, 1)]);
        let b = table(&[(1, 1), (2, 1), (3, 2)]);
        let (u, t) = mann_whitney(&a, &b).unwrap();
        assert_eq!(u, 2.5);
        assert!((t.z + 1.122_497).abs() < 1e-6, "{t:?}");
        assert!((t.p_value - 0.261_651).abs() < 1e-6, "{t:?}");
        // Swapping the samples mirrors U around its mean and keeps the p-value.
        let (u2, t2) = mann_whitney(&b, &a).unwrap();
        assert_eq!(u + u2, 12.0);
        assert!((t2.p_value - t.p_value).abs() < 1e-15);
    }

    #[test]
    fn mann_whitney_edge_cases() {
        assert_eq!(mann_whitney(&table(&[]), &table(&[(1, 3)])), None);
        // All lengths equal: no evidence either way.
        let (_, t) = mann_whitney(&table(&[(1, 5)]), &table(&[(1, 7)])).unwrap();
        assert_eq!(t.p_value, 1.0);
        // Clearly longer bursts: 200 periods of length 1 against 200 of length 3.
        let (_, t) = mann_whitney(&table(&[(1, 200)]), &table(&[(3, 200)])).unwrap();
        assert!(t.p_value < 1e-10, "{t:?}");
    }
}
