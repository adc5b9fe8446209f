//! The standard normal distribution behind `losslab check` (CDF and quantile, to machine
//! precision), and the z of a confidence level.
//!
//! The tests themselves live where their data are: the exact loss-count distribution of a
//! known model in [`super::chain`], batch means (intervals whose spread is estimated from the
//! data) in [`crate::metrics::batch`], and the paired McNemar test, Welch's t and Holm's
//! family-wise correction in [`super::eval`].
//!
//! History: this module used to hold a pooled two-proportion z-test and a Mann-Whitney test
//! on loss-period lengths. Both assume independent observations; bursty losses and
//! neighbouring loss periods are not, and an audit measured both failing correct runs more
//! often than promised (8.6% for 5%; 7.7% for 5% on the 4-state model). They were replaced by
//! tests that estimate the dependence from the data (issue 14).
//!
//! Invariant: every function here is pure and total on its documented domain.

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
}
