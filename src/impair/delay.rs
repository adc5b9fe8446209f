//! Delay and jitter: how long a packet is held before it leaves.
//!
//! Owns netem's `delay T [J] [distribution D]` (tc-netem(8)): each packet is held
//! `T + J·t`, where t is drawn from the distribution's table, clamped at 0 and rounded to the
//! microsecond. Invariant: a delay is a pure function of one uniform draw (the caller keys it
//! by the packet), and t is the table's quantile function at that draw, so the delay has
//! exactly the distribution below whatever order packets come in. The tables, as netem builds
//! them (iproute2 `netem/*.c`, NIST Net's generators; values scaled by NETEM_DIST_SCALE = 8192
//! and stored as i16, so a table value is at most 32767/8192 ≈ 4):
//! - no distribution (`uniform`): t uniform on [-1, 1], so the delay is uniform on
//!   [T-J, T+J], as netem's default `(rnd % 2J) + T - J`. Mean T, σ = J/√3.
//! - `normal`: t = Φ⁻¹(u), the standard normal quantile. Mean T, σ = J. (netem's table stops
//!   near ±4; losslab uses the exact quantile, computed with Wichura's AS 241.)
//! - `pareto`: `pareto.c` writes t = (4/3)·(U^(-1/3) − 1.5), capped at 32767/8192: a
//!   Pareto(x_m = 1, α = 3) variate X = U^(-1/3) (mean α/(α-1) = 1.5), centred and scaled by 4/3.
//!   Uncapped its σ would be (4/3)·sqrt(3/4) = 1.155; the cap at X ≤ c = 1.5 + 0.75·32767/8192
//!   ≈ 4.5 makes every moment finite: E[min(X,c)] = 1.5 − 0.5/c², E[min(X,c)²] = 3 − 2/c,
//!   so the mean of t is −(2/3)/c² ≈ −0.0329 and σ = (4/3)·sqrt(3 − 2/c − (1.5 − 0.5/c²)²)
//!   ≈ 0.8209. The delay's minimum is T − (2/3)·J.
//! - `paretonormal`: `paretonormal.c` writes (N + 3·P)/4 where N and P are the normal and
//!   pareto tables at the same quantile (a quantile mixture, not a coin flip between the two):
//!   t = 0.25·Φ⁻¹(u) + 0.75·P(u). Mean 0.75·E[P]; σ² = 0.0625 + 0.5625·Var(P) + 0.375·E[N·P],
//!   where E[N·P] = ∫₀¹ Φ⁻¹(q)·P(q) dq ≈ 0.681666 has no closed form and is integrated
//!   numerically (σ ≈ 0.83495).
//!
//! netem's delay correlation is not supported (see [`super::spec`]).

use crate::time::Duration;
use serde::{Serialize, Serializer};
use std::sync::OnceLock;

/// The largest value netem's i16 tables hold: 32767 / NETEM_DIST_SCALE.
pub const TABLE_MAX: f64 = 32767.0 / 8192.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Distribution {
    Uniform,
    Normal,
    Pareto,
    ParetoNormal,
}

impl Distribution {
    pub fn from_name(name: &str) -> Option<Distribution> {
        Some(match name {
            "uniform" => Distribution::Uniform,
            "normal" => Distribution::Normal,
            "pareto" => Distribution::Pareto,
            "paretonormal" => Distribution::ParetoNormal,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Distribution::Uniform => "uniform",
            Distribution::Normal => "normal",
            Distribution::Pareto => "pareto",
            Distribution::ParetoNormal => "paretonormal",
        }
    }

    /// The table value t at quantile `u` in (0, 1): a packet waits T + J·t.
    pub fn quantile(self, u: f64) -> f64 {
        match self {
            Distribution::Uniform => 2.0 * u - 1.0,
            Distribution::Normal => inverse_normal_cdf(u),
            Distribution::Pareto => pareto(u),
            Distribution::ParetoNormal => 0.25 * inverse_normal_cdf(u) + 0.75 * pareto(u),
        }
    }

    /// The mean of t (see the module docs).
    pub fn mean(self) -> f64 {
        match self {
            Distribution::Uniform | Distribution::Normal => 0.0,
            Distribution::Pareto => pareto_moments().0,
            Distribution::ParetoNormal => 0.75 * pareto_moments().0,
        }
    }

    /// The standard deviation of t (see the module docs).
    pub fn std_dev(self) -> f64 {
        match self {
            Distribution::Uniform => 1.0 / 3f64.sqrt(),
            Distribution::Normal => 1.0,
            Distribution::Pareto => pareto_moments().1.sqrt(),
            Distribution::ParetoNormal => {
                let var = pareto_moments().1;
                (0.0625 + 0.5625 * var + 0.375 * normal_pareto_comoment()).sqrt()
            }
        }
    }
}

/// netem's pareto table value at quantile `u`: (4/3)·((1-u)^(-1/3) − 1.5), capped at
/// [`TABLE_MAX`]. (`pareto.c` walks U = 1 − u from 1 down, so its table rises with u.)
fn pareto(u: f64) -> f64 {
    ((4.0 / 3.0) * ((1.0 - u).powf(-1.0 / 3.0) - 1.5)).min(TABLE_MAX)
}

/// Mean and variance of the capped pareto table value, in closed form (module docs).
fn pareto_moments() -> (f64, f64) {
    let c = 1.5 + 0.75 * TABLE_MAX;
    let m1 = 1.5 - 0.5 / (c * c);
    let m2 = 3.0 - 2.0 / c;
    ((4.0 / 3.0) * (m1 - 1.5), (16.0 / 9.0) * (m2 - m1 * m1))
}

/// E[N·P] = ∫₀¹ Φ⁻¹(q)·P(q) dq, computed once. By Stein's lemma (E[N·g(N)] = E[g'(N)] for
/// a standard normal N and an absolutely continuous g), with g(z) = P(Φ(z)):
///   E[N·P] = ∫₀^q_c P'(q)·φ(Φ⁻¹(q)) dq,  P'(q) = (4/9)·(1−q)^(−4/3),
/// where q_c = 1 − c⁻³ is where the cap starts (P' = 0 above it). The integrand is bounded and
/// smooth, so the midpoint rule on 2^14 cells is exact to about 1e-8 (≈ 0.68166647).
fn normal_pareto_comoment() -> f64 {
    static VALUE: OnceLock<f64> = OnceLock::new();
    *VALUE.get_or_init(|| {
        let c = 1.5 + 0.75 * TABLE_MAX;
        let q_cap = 1.0 - c.powi(-3);
        let cells = 1u32 << 14;
        let h = q_cap / f64::from(cells);
        let phi = |z: f64| (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
        (0..cells)
            .map(|i| {
                let q = (f64::from(i) + 0.5) * h;
                (4.0 / 9.0) * (1.0 - q).powf(-4.0 / 3.0) * phi(inverse_normal_cdf(q))
            })
            .sum::<f64>()
            * h
    })
}

/// The standard normal quantile Φ⁻¹(p): Wichura, "Algorithm AS 241: The percentage points of
/// the normal distribution", Applied Statistics 37(3), 1988, routine PPND16 (about 16 correct
/// digits). Its three rational approximations cover |p − 0.5| ≤ 0.425, then the tails in
/// r = sqrt(−ln min(p, 1−p)) ≤ 5 and beyond. Infinite at 0 and 1.
#[allow(clippy::excessive_precision)] // the coefficients as published
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        133.141_667_891_784_377_45,
        1_971.590_950_306_551_442_7,
        13_731.693_765_509_461_125,
        45_921.953_931_549_871_457,
        67_265.770_927_008_700_853,
        33_430.575_583_588_128_105,
        2_509.080_928_730_122_672_7,
    ];
    const B: [f64; 8] = [
        1.0,
        42.313_330_701_600_911_252,
        687.187_007_492_057_908_3,
        5_394.196_021_424_751_107_7,
        21_213.794_301_586_595_867,
        39_307.895_800_092_710_61,
        28_729.085_735_721_942_674,
        5_226.495_278_852_854_561,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        0.241_780_725_177_450_611_77,
        0.022_723_844_989_269_184_583_3,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        0.689_767_334_985_100_004_55,
        0.148_103_976_427_480_074_59,
        0.015_198_666_563_616_457_196_6,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        0.296_560_571_828_504_891_23,
        0.026_532_189_526_576_123_093,
        0.001_242_660_947_388_078_438_6,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        0.599_832_206_555_887_937_69,
        0.136_929_880_922_735_805_31,
        0.014_875_361_290_850_614_852_5,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    fn poly(c: &[f64; 8], x: f64) -> f64 {
        c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail <= 0.0 {
        return if q < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let r = (-tail.ln()).sqrt();
    let x = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -x } else { x }
}

fn micros<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_micros())
}

/// `delay T [J] [distribution D]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DelayModel {
    /// T: the mean hold (for uniform and normal; see the module docs for pareto).
    #[serde(rename = "delay_us", serialize_with = "micros")]
    pub delay: Duration,
    /// J: the spread; zero holds every packet exactly T.
    #[serde(rename = "jitter_us", serialize_with = "micros")]
    pub jitter: Duration,
    pub distribution: Distribution,
}

impl DelayModel {
    /// Every packet held exactly `delay`.
    pub fn constant(delay: Duration) -> Self {
        DelayModel {
            delay,
            jitter: Duration::ZERO,
            distribution: Distribution::Uniform,
        }
    }

    /// The hold for the uniform draw `u` in [0, 1): T + J·t(u), at least 0, to the nearest µs.
    /// `u` is moved to the middle of its 2^-53 cell so no quantile is ever infinite.
    pub fn sample(&self, u: f64) -> Duration {
        if self.jitter == Duration::ZERO {
            return self.delay;
        }
        let u = (u + 2f64.powi(-54)).min(1.0 - f64::EPSILON / 2.0);
        let t = self.distribution.quantile(u);
        let us = self.delay.as_micros() as f64 + self.jitter.as_micros() as f64 * t;
        Duration::from_micros(us.max(0.0).round() as u64)
    }

    /// The mean hold in µs, before clamping at 0 (exact when T ≥ J·max|t|).
    pub fn mean_us(&self) -> f64 {
        self.delay.as_micros() as f64 + self.jitter.as_micros() as f64 * self.distribution.mean()
    }

    /// The standard deviation of the hold in µs, before clamping at 0 and rounding.
    pub fn std_dev_us(&self) -> f64 {
        self.jitter.as_micros() as f64 * self.distribution.std_dev()
    }

    /// The spec in netem's syntax, without the `delay` keyword: `100ms 10ms distribution
    /// normal`. Uniform is netem's default and is not written (tc has no `uniform` table).
    pub fn spec(&self) -> String {
        let mut s = self.delay.to_string();
        if self.jitter != Duration::ZERO {
            s += &format!(" {}", self.jitter);
        }
        if self.distribution != Distribution::Uniform {
            s += &format!(" distribution {}", self.distribution.name());
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impair::{KeyedDraw, PacketKey, Purpose};
    use crate::metrics::stats::{Z95, Z999};

    #[test]
    fn inverse_normal_matches_known_quantiles() {
        assert_eq!(inverse_normal_cdf(0.5), 0.0);
        assert!((inverse_normal_cdf(0.975) - Z95).abs() < 1e-14);
        assert!((inverse_normal_cdf(0.9995) - Z999).abs() < 1e-14);
        // Φ⁻¹(0.0005) = −3.2905267314918953 (bisection on 0.5·erfc(−x/√2)); Z999 is the
        // quantile at the f64 nearest 0.9995, whose tail is 0.000499999999999945.
        assert!((inverse_normal_cdf(0.0005) + 3.290_526_731_491_895_3).abs() < 1e-14);
        // Φ(-1) = 0.158655253931457, Φ(-8) = 6.22096057427178e-16 (Abramowitz & Stegun 26.2).
        assert!((inverse_normal_cdf(0.158_655_253_931_457) + 1.0).abs() < 1e-12);
        assert!((inverse_normal_cdf(6.220_960_574_271_78e-16) + 8.0).abs() < 1e-9);
        assert_eq!(inverse_normal_cdf(0.0), f64::NEG_INFINITY);
        assert_eq!(inverse_normal_cdf(1.0), f64::INFINITY);
        for p in [0.01, 0.3, 0.45] {
            assert!((inverse_normal_cdf(p) + inverse_normal_cdf(1.0 - p)).abs() < 1e-12);
        }
        let deep = inverse_normal_cdf(1e-300);
        assert!(deep.is_finite() && deep < -37.0 && deep > -37.1, "{deep}");
    }

    fn samples(model: &DelayModel, n: u64) -> Vec<f64> {
        let mut d = KeyedDraw::new(21);
        (0..n)
            .map(|i| {
                let k = PacketKey {
                    flow: (i % 10) as u32,
                    seq: i / 10,
                    attempt: 0,
                };
                model.sample(d.uniform(Purpose::ReplyDelay, k)).as_micros() as f64
            })
            .collect()
    }

    /// 200,000 delays of `T = 100ms, J = 10ms` (far from the clamp at 0) against the
    /// distribution's mean μ = T + J·E[t] and variance σ² = J²·Var(t) + 1/12 (rounding to whole
    /// µs adds an independent uniform error). Bounds at 99.9% two-sided:
    /// - mean: |x̄ − μ| < 3.29·σ/√n;
    /// - variance: |s² − σ²| < 3.29·sqrt((μ₄ − σ⁴)/n), the sample variance's large-n standard
    ///   error, with μ₄ = J⁴·μ₄(t) the fourth central moment.
    fn check_moments(dist: Distribution, mean_t: f64, sd_t: f64, mu4_t: f64) {
        let (t, j) = (100_000.0, 10_000.0);
        let model = DelayModel {
            delay: Duration::from_millis(100),
            jitter: Duration::from_millis(10),
            distribution: dist,
        };
        assert!((dist.mean() - mean_t).abs() < 1e-9, "{dist:?} mean");
        assert!(
            (dist.std_dev() - sd_t).abs() < 1e-5,
            "{dist:?} sd {}",
            dist.std_dev()
        );
        assert!((model.mean_us() - (t + j * mean_t)).abs() < 1e-6);
        let xs = samples(&model, 200_000);
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let s2 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let mu = t + j * mean_t;
        let var = j * j * sd_t * sd_t + 1.0 / 12.0;
        let mean_bound = Z999 * var.sqrt() / n.sqrt();
        let var_bound = Z999 * ((j.powi(4) * mu4_t - var * var) / n).sqrt();
        eprintln!(
            "{dist:?}: mean {mean:.1} µs vs {mu:.1} ± {mean_bound:.1}; sd {:.1} µs vs {:.1} \
             (variance ± {var_bound:.0})",
            s2.sqrt(),
            var.sqrt()
        );
        assert!(
            (mean - mu).abs() < mean_bound,
            "{dist:?}: mean {mean:.1} µs, expected {mu:.1} ± {mean_bound:.1}"
        );
        assert!(
            (s2 - var).abs() < var_bound,
            "{dist:?}: sd {:.1} µs, expected {:.1} (variance {s2:.0} vs {var:.0} ± {var_bound:.0})",
            s2.sqrt(),
            var.sqrt()
        );
    }

    /// t uniform on [-1, 1]: mean 0, variance 1/3, μ₄ = ∫t⁴/2 dt = 1/5.
    #[test]
    fn uniform_jitter_matches_its_moments_and_range() {
        check_moments(Distribution::Uniform, 0.0, 1.0 / 3f64.sqrt(), 0.2);
        let model = DelayModel {
            delay: Duration::from_millis(100),
            jitter: Duration::from_millis(10),
            distribution: Distribution::Uniform,
        };
        let xs = samples(&model, 200_000);
        let (lo, hi) = xs
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        assert!(lo >= 90_000.0 && hi <= 110_000.0, "range {lo}..{hi}");
        // And it fills the range: the extreme of 200,000 uniforms is within 0.01% of the end.
        assert!(lo < 90_002.0 && hi > 109_998.0, "range {lo}..{hi}");
    }

    /// Standard normal t: mean 0, σ 1, μ₄ = 3.
    #[test]
    fn normal_jitter_matches_its_moments() {
        check_moments(Distribution::Normal, 0.0, 1.0, 3.0);
    }

    /// Raw moments of the capped Pareto X_c = min(X, c), X = U^(-1/3), c = 1.5 + 0.75·32767/8192:
    /// E[X_c^k] = ∫₁^c x^k·3x⁻⁴ dx + c^k·c⁻³ = 1.5 − 0.5/c², 3 − 2/c, 3·ln c + 1, 4c − 3 for
    /// k = 1..4, and t = (4/3)·(X_c − 1.5).
    fn pareto_reference() -> (f64, f64, f64) {
        let c: f64 = 1.5 + 0.75 * 32767.0 / 8192.0;
        let m = [
            1.0,
            1.5 - 0.5 / (c * c),
            3.0 - 2.0 / c,
            3.0 * c.ln() + 1.0,
            4.0 * c - 3.0,
        ];
        let var = m[2] - m[1] * m[1];
        let mu4 = m[4] - 4.0 * m[1] * m[3] + 6.0 * m[1] * m[1] * m[2] - 3.0 * m[1].powi(4);
        let k = 4.0 / 3.0;
        (k * (m[1] - 1.5), k * var.sqrt(), k.powi(4) * mu4)
    }

    #[test]
    fn pareto_jitter_matches_netems_table() {
        let (mean, sd, mu4) = pareto_reference();
        assert!(
            (mean + 0.032_92).abs() < 1e-4 && (sd - 0.8209).abs() < 1e-3,
            "{mean} {sd}"
        );
        check_moments(Distribution::Pareto, mean, sd, mu4);
        // The table's minimum, t = −2/3, at u = 0; its cap at u → 1.
        assert!((pareto(0.0) + 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(pareto(1.0 - 1e-9), TABLE_MAX);
    }

    /// t = 0.25·Φ⁻¹(q) + 0.75·P(q) at one quantile q. Its moments are integrals over q, taken
    /// here directly by the midpoint rule on 2^18 cells (accurate to ~1e-6 despite Φ⁻¹'s
    /// logarithmic ends), independently of the code's Stein's-lemma form of E[N·P]; the two
    /// must agree, and the samples must match them.
    #[test]
    fn paretonormal_jitter_matches_netems_mixture() {
        let cells = 1u32 << 18;
        let h = 1.0 / f64::from(cells);
        let mut raw = [0.0f64; 5];
        for i in 0..cells {
            let q = (f64::from(i) + 0.5) * h;
            let p = ((4.0 / 3.0) * ((1.0 - q).powf(-1.0 / 3.0) - 1.5)).min(32767.0 / 8192.0);
            let t = 0.25 * inverse_normal_cdf(q) + 0.75 * p;
            let mut tk = 1.0;
            for m in raw.iter_mut() {
                *m += tk * h;
                tk *= t;
            }
        }
        let mean = raw[1];
        let var = raw[2] - mean * mean;
        let mu4 = raw[4] - 4.0 * mean * raw[3] + 6.0 * mean * mean * raw[2] - 3.0 * mean.powi(4);
        let (pareto_mean, pareto_sd, _) = pareto_reference();
        assert!((mean - 0.75 * pareto_mean).abs() < 1e-6, "{mean}");
        assert!((var.sqrt() - 0.834_95).abs() < 1e-4, "{}", var.sqrt());
        // Below the comonotone bound σ ≤ 0.25·1 + 0.75·σ_P.
        assert!(var.sqrt() < 0.25 + 0.75 * pareto_sd);
        check_moments(
            Distribution::ParetoNormal,
            0.75 * pareto_mean,
            var.sqrt(),
            mu4,
        );
    }

    #[test]
    fn sample_clamps_at_zero_and_holds_constant_delays() {
        let wide = DelayModel {
            delay: Duration::from_millis(1),
            jitter: Duration::from_millis(10),
            distribution: Distribution::Normal,
        };
        assert_eq!(wide.sample(0.0), Duration::ZERO);
        assert!(wide.sample(0.999_999) > Duration::from_millis(40));
        let fixed = DelayModel::constant(Duration::from_millis(30));
        assert_eq!(fixed.sample(0.0), Duration::from_millis(30));
        assert_eq!(fixed.sample(0.999), Duration::from_millis(30));
        assert_eq!(fixed.spec(), "30ms");
        assert_eq!(wide.spec(), "1ms 10ms distribution normal");
    }
}
