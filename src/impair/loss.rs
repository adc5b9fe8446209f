//! Loss models: does this packet die?
//!
//! Only the memoryless Bernoulli model exists so far (the lab's "answer half the requests at
//! random"); stateful models keep one generator per flow and slot in beside it. Invariant: a
//! decision is a pure function of (seed, purpose, packet key), see [`super::KeyedDraw`].

use super::{KeyedDraw, PacketKey, Purpose};
use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "lowercase")]
pub enum LossModel {
    /// Each packet is lost independently with probability `p`.
    Bernoulli { p: f64 },
}

impl LossModel {
    pub const NONE: LossModel = LossModel::Bernoulli { p: 0.0 };

    /// Checks the parameters, naming the one out of range.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            LossModel::Bernoulli { p } if !(0.0..=1.0).contains(&p) => Err(format!(
                "p = {p} is not a probability; it must lie between 0 and 1 (0.5 drops half)"
            )),
            LossModel::Bernoulli { .. } => Ok(()),
        }
    }

    /// The long-run share of packets this model drops.
    pub fn expected_loss(&self) -> f64 {
        match *self {
            LossModel::Bernoulli { p } => p,
        }
    }

    /// True when the packet identified by `key` is dropped.
    pub fn drops(&self, draw: &mut KeyedDraw, purpose: Purpose, key: PacketKey) -> bool {
        match *self {
            // A draw lies in [0, 1): p = 0 never drops and p = 1 always does, without drawing.
            LossModel::Bernoulli { p } if p <= 0.0 => false,
            LossModel::Bernoulli { p } if p >= 1.0 => true,
            LossModel::Bernoulli { p } => draw.uniform(purpose, key) < p,
        }
    }
}

impl fmt::Display for LossModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LossModel::Bernoulli { p } => write!(f, "bernoulli p={p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_are_exact() {
        let mut d = KeyedDraw::new(3);
        for seq in 0..1000 {
            let k = PacketKey {
                flow: 0,
                seq,
                attempt: 0,
            };
            assert!(!LossModel::Bernoulli { p: 0.0 }.drops(&mut d, Purpose::RequestLoss, k));
            assert!(LossModel::Bernoulli { p: 1.0 }.drops(&mut d, Purpose::RequestLoss, k));
        }
    }

    /// 200,000 Bernoulli(0.3) decisions: the count lies within 3.29 standard deviations
    /// (two-sided 99.9%) of n·p, with sd = sqrt(n·p·(1-p)).
    #[test]
    fn bernoulli_rate_matches_p() {
        let (n, p) = (200_000u64, 0.3);
        let model = LossModel::Bernoulli { p };
        let mut d = KeyedDraw::new(11);
        let dropped = (0..n)
            .filter(|&i| {
                let k = PacketKey {
                    flow: (i % 7) as u32,
                    seq: i / 7,
                    attempt: 0,
                };
                model.drops(&mut d, Purpose::RequestLoss, k)
            })
            .count() as f64;
        let nf = n as f64;
        let sd = (nf * p * (1.0 - p)).sqrt();
        assert!(
            (dropped - nf * p).abs() < 3.29 * sd,
            "dropped {dropped}, expected {} ± {}",
            nf * p,
            3.29 * sd
        );
    }

    #[test]
    fn rejects_out_of_range_p() {
        assert!(
            LossModel::Bernoulli { p: 1.5 }
                .validate()
                .unwrap_err()
                .contains("p = 1.5")
        );
        assert!(LossModel::Bernoulli { p: -0.1 }.validate().is_err());
        assert!(LossModel::Bernoulli { p: f64::NAN }.validate().is_err());
        assert!(LossModel::Bernoulli { p: 0.5 }.validate().is_ok());
    }
}
