//! Sans-IO impairment models: what the network (or the lossy server) does to a packet.
//!
//! The reproducibility rule lives here. A decision never comes from one random stream consumed
//! in arrival order, because then timing would change which packets die. Each decision is drawn
//! from a ChaCha8 generator keyed by the run's seed, positioned by the packet's identity:
//! the stream selects (purpose, flow) and the word position selects (seq, attempt). Invariant:
//! the same (seed, purpose, flow, seq, attempt) gives the same draw in every run, on every
//! machine, whatever order packets arrive in.

pub mod loss;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// What a draw is for. Each purpose has its own streams so adding an impairment never shifts the
/// draws of another one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Loss decision for a request that carries a losslab id (flow = the client id).
    RequestLoss = 1,
    /// Loss decision for a plain datagram without an id (flow 0, seq = arrival index).
    PlainRequestLoss = 2,
}

/// A packet's identity as far as randomness is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketKey {
    pub flow: u32,
    pub seq: u64,
    pub attempt: u8,
}

/// Uniform draws in [0, 1) that depend only on the seed and the packet's key.
#[derive(Clone, Debug)]
pub struct KeyedDraw {
    rng: ChaCha8Rng,
}

impl KeyedDraw {
    pub fn new(seed: u64) -> Self {
        KeyedDraw {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The draw for `key` under `purpose`. Stream = purpose in the top byte, flow below; word
    /// position = (seq, attempt) with two words per draw, so keys never share words.
    pub fn uniform(&mut self, purpose: Purpose, key: PacketKey) -> f64 {
        let stream = (u64::from(purpose as u8) << 56) | u64::from(key.flow);
        let position = ((u128::from(key.seq) << 8) | u128::from(key.attempt)) << 1;
        self.rng.set_stream(stream);
        self.rng.set_word_pos(position);
        // 53 random bits make every double in [0, 1) with spacing 2^-53.
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(flow: u32, seq: u64, attempt: u8) -> PacketKey {
        PacketKey { flow, seq, attempt }
    }

    #[test]
    fn draws_do_not_depend_on_order() {
        let keys: Vec<PacketKey> = (0..50)
            .flat_map(|s| (0..3).map(move |f| key(f, s, (s % 2) as u8)))
            .collect();
        let mut a = KeyedDraw::new(7);
        let forward: Vec<f64> = keys
            .iter()
            .map(|k| a.uniform(Purpose::RequestLoss, *k))
            .collect();
        let mut b = KeyedDraw::new(7);
        let mut backward: Vec<f64> = keys
            .iter()
            .rev()
            .map(|k| b.uniform(Purpose::RequestLoss, *k))
            .collect();
        backward.reverse();
        assert_eq!(forward, backward);
    }

    #[test]
    fn draws_differ_by_seed_key_and_purpose() {
        let mut a = KeyedDraw::new(1);
        let mut b = KeyedDraw::new(2);
        let k = key(0, 0, 0);
        let x = a.uniform(Purpose::RequestLoss, k);
        assert_ne!(x, b.uniform(Purpose::RequestLoss, k));
        assert_ne!(x, a.uniform(Purpose::PlainRequestLoss, k));
        assert_ne!(x, a.uniform(Purpose::RequestLoss, key(0, 0, 1)));
        assert_ne!(x, a.uniform(Purpose::RequestLoss, key(0, 1, 0)));
        assert_ne!(x, a.uniform(Purpose::RequestLoss, key(1, 0, 0)));
        assert!((0.0..1.0).contains(&x));
    }
}
