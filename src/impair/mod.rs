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

/// Words kept per cache line: one ChaCha refill computes four 16-word blocks anyway.
const LINE_WORDS: usize = 64;
/// Cache lines; direct-mapped, so memory stays fixed whatever flows a peer invents.
const LINES: usize = 64;
/// Bits of the sequence number that select the position (2^59 packets per flow and attempt).
const SEQ_BITS: u32 = 59;

#[derive(Clone, Debug)]
struct Line {
    stream: u64,
    base: u128,
    valid: bool,
    words: [u32; LINE_WORDS],
}

/// Uniform draws in [0, 1) that depend only on the seed and the packet's key.
///
/// The word position of a draw is `((attempt << 59) | seq) * 2`: consecutive packets of one flow
/// sit next to each other in the keystream, so one refill of 64 words serves 32 of them. A small
/// direct-mapped cache of refills (one line per recent (stream, 64-word range)) keeps clients
/// that interleave from evicting each other on every packet. The cache changes only speed, never
/// a value: a draw is always the same two keystream words.
#[derive(Clone, Debug)]
pub struct KeyedDraw {
    rng: ChaCha8Rng,
    lines: Vec<Line>,
}

impl KeyedDraw {
    pub fn new(seed: u64) -> Self {
        KeyedDraw {
            rng: ChaCha8Rng::seed_from_u64(seed),
            lines: vec![
                Line {
                    stream: 0,
                    base: 0,
                    valid: false,
                    words: [0; LINE_WORDS],
                };
                LINES
            ],
        }
    }

    /// The draw for `key` under `purpose`: stream = purpose in the top byte, flow below.
    pub fn uniform(&mut self, purpose: Purpose, key: PacketKey) -> f64 {
        let stream = (u64::from(purpose as u8) << 56) | u64::from(key.flow);
        let seq = u128::from(key.seq & ((1 << SEQ_BITS) - 1));
        let word = ((u128::from(key.attempt) << SEQ_BITS) | seq) << 1;
        let base = word & !(LINE_WORDS as u128 - 1);
        let slot = ((stream ^ (base >> 6) as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58)
            as usize
            % LINES;
        let line = &mut self.lines[slot];
        if !(line.valid && line.stream == stream && line.base == base) {
            self.rng.set_stream(stream);
            self.rng.set_word_pos(base);
            for w in line.words.iter_mut() {
                *w = self.rng.next_u32();
            }
            line.stream = stream;
            line.base = base;
            line.valid = true;
        }
        let at = (word - base) as usize;
        let bits = u64::from(line.words[at]) | (u64::from(line.words[at + 1]) << 32);
        // 53 random bits make every double in [0, 1) with spacing 2^-53.
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
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

    /// The cache is invisible: a draw equals the keystream words at the packet's position.
    #[test]
    fn cached_draws_equal_direct_keystream_reads() {
        let mut d = KeyedDraw::new(5);
        for (flow, seq, attempt) in [(0, 0, 0), (3, 31, 0), (3, 32, 0), (3, 5, 2), (0, 0, 0)] {
            let k = key(flow, seq, attempt);
            let got = d.uniform(Purpose::RequestLoss, k);
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            rng.set_stream((1u64 << 56) | u64::from(flow));
            rng.set_word_pos(((u128::from(attempt) << 59) | u128::from(seq)) << 1);
            let expected = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            assert_eq!(got, expected, "{k:?}");
        }
    }
}
