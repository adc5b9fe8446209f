//! What a crafted request costs the lossy server: the per-packet cost of a stateful loss
//! decision for a fresh client at seq 65,535 (the far end of a chain block, as a hostile peer
//! would send), against the same model's cost for a client going forward, measured in the same
//! run. Models whose steps couple are answered by coupling from the past (a few draws); a model
//! whose states never meet (p = r) still walks the block, and the bench says so.
//!
//! `cargo bench --bench crafted`. Sockets are not involved: this times the decisions alone
//! (`Impairments::decide`, the server's call per request). Bounded: 200,000 in-order packets
//! and 2,000 crafted ones per model.

use losslab::impair::spec::parse_loss;
use losslab::impair::{Direction, ImpairConfig, Impairments, PacketKey};
use std::time::Instant;

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

fn main() {
    println!(
        "{:<34} {:>14} {:>16} {:>8}",
        "model", "in order ns", "crafted ns", "ratio"
    );
    for spec in [
        "gemodel 1% 30%",
        "bursty 5% burst 3",
        "state 1% 30% 10% 50% 1%",
        "gemodel 30% 30%",
        "bursty 50% burst 1000000",
    ] {
        let mut config = ImpairConfig::none();
        config.loss = Some(parse_loss(spec).expect("a valid spec"));
        let mut impair = Impairments::new(config, 42);
        let forward = (0..200_000u64).map(|seq| PacketKey {
            flow: 7,
            seq,
            attempt: 0,
        });
        let base = per_packet_ns(&mut impair, forward);
        let crafted = (0..2_000u32).map(|i| PacketKey {
            flow: 1_000 + i,
            seq: 65_535,
            attempt: 0,
        });
        let far = per_packet_ns(&mut impair, crafted);
        println!("{spec:<34} {base:>14.1} {far:>16.1} {:>7.0}x", far / base);
    }
}
