//! What a crafted request costs the lossy server: the per-packet cost of a stateful loss
//! decision for a fresh client at a far seq (65,535, the end of a chain block, and scattered
//! ones) and at the largest attempt an id can claim (255), as a hostile peer would send, against
//! the same model's cost for a client going forward, measured in the same run. Every model is
//! covered, including those whose chain forgets its state slowly (p = r, bursts of a million
//! packets): each chain block is built as a bridge (see `Chains::state`), so any seq costs at
//! most 16 draws, and a seq's 255 retry steps read 8 keystream lines.
//!
//! `cargo bench --bench crafted`. Sockets are not involved: this times the decisions alone
//! (`Impairments::decide`, the server's call per request). Bounded: 5 repetitions of 200,000
//! in-order packets and 3 × 4,000 crafted ones per model; medians of the per-repetition means are
//! printed.

use losslab::impair::spec::parse_loss;
use losslab::impair::{Direction, ImpairConfig, Impairments, PacketKey};
use std::time::Instant;

const REPS: usize = 5;

/// Mean ns per packet over `keys`.
fn per_packet_ns(impair: &mut Impairments, keys: impl Iterator<Item = PacketKey>) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    let mut dropped = 0u64;
    for key in keys {
        dropped += u64::from(impair.decide(Direction::Request, key).dropped);
        n += 1;
    }
    std::hint::black_box(dropped);
    start.elapsed().as_nanos() as f64 / n as f64
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    println!(
        "{:<28} {:>12} {:>12} {:>12} {:>14} {:>7}",
        "model", "in order ns", "seq 65535 ns", "random ns", "attempt 255 ns", "ratio"
    );
    for spec in [
        "gemodel 1% 30%",
        "bursty 5% burst 3",
        "state 1% 30% 10% 50% 1%",
        "gemodel 30% 30%",
        "bursty 50% burst 1000000",
    ] {
        let (mut base, mut far, mut random, mut retry) = (vec![], vec![], vec![], vec![]);
        for rep in 0..REPS as u32 {
            let mut config = ImpairConfig::none();
            config.loss = Some(parse_loss(spec).expect("a valid spec"));
            let mut impair = Impairments::new(config, 42 + u64::from(rep));
            let forward = (0..200_000u64).map(|seq| PacketKey {
                flow: 7,
                seq,
                attempt: 0,
            });
            base.push(per_packet_ns(&mut impair, forward));
            let crafted = (0..4_000u32).map(|i| PacketKey {
                flow: 10_000 + i,
                seq: 65_535,
                attempt: 0,
            });
            far.push(per_packet_ns(&mut impair, crafted));
            // Seqs spread over a block by a fixed odd multiplier, fresh flows.
            let scattered = (0..4_000u32).map(|i| PacketKey {
                flow: 20_000 + i,
                seq: u64::from(i.wrapping_mul(40_503) & 0xffff),
                attempt: 0,
            });
            random.push(per_packet_ns(&mut impair, scattered));
            // The largest attempt an id can claim: 255 chain steps after its seq's state.
            let retried = (0..4_000u32).map(|i| PacketKey {
                flow: 30_000 + i,
                seq: 65_535,
                attempt: 255,
            });
            retry.push(per_packet_ns(&mut impair, retried));
        }
        let (base, far, random, retry) = (median(base), median(far), median(random), median(retry));
        println!(
            "{spec:<28} {base:>12.1} {far:>12.1} {random:>12.1} {retry:>14.1} {:>6.0}x",
            far / base
        );
    }
}
