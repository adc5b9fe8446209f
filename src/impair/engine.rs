//! The per-run impairment engine: from an [`ImpairConfig`] and a seed to one [`Fate`] per
//! packet and direction.
//!
//! Owns the order in which impairments apply, netem's: loss first (a lost packet has no other
//! fate), then the delay, reordering (the packet skips the delay), duplication and corruption,
//! each decided by its own keyed draw. Invariant: [`Impairments::decide`] is a pure function of
//! (seed, config, direction, packet key), never of the order calls are made in. Stateless
//! decisions read one draw keyed by (purpose, flow, seq, attempt), a purpose per impairment and
//! direction; stateful loss reads its flow's chain, which [`super::loss`] computes in seq order
//! on demand and caches. Caching changes speed, never a fate.

use super::config::{Chance, ImpairConfig};
use super::loss::{Chains, MAX_GAP};
use super::spec::percent;
use super::{Direction, KeyedDraw, Kind, Lane, PacketKey};
use crate::client::backoff::Backoff;
use crate::time::Duration;
use crate::wire::time::RequestId;
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// What happens to one packet in one direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fate {
    pub dropped: bool,
    /// Which rule decided, for the server's console line: the loss rule for a drop (`random
    /// 50%`, `gemodel (bad state)`, `state 4-state (state 3)`, `pattern`); otherwise the most
    /// visible of `corrupt`, `duplicate`, `reorder`, `delay`; "" when nothing happened.
    pub rule: &'static str,
    /// Extra hold before this packet leaves (0 = none).
    pub delay: Duration,
    /// A second copy leaves with the first (and the same delay).
    pub duplicated: bool,
    /// netem reorder: this packet skips the delay, overtaking those held before it.
    pub reordered: bool,
    pub corrupted: bool,
    /// The loss model's state when it matters: `good`/`bad` (Gilbert-Elliott), `1`..`4`
    /// (4-state); `None` for stateless models.
    pub state: Option<&'static str>,
}

/// Per-run impairment engine: all randomness keyed by (seed, purpose, flow, seq, attempt) via
/// [`KeyedDraw`].
pub struct Impairments {
    config: ImpairConfig,
    draw: KeyedDraw,
    chains: Chains,
    /// The drop rule of Bernoulli loss (`random 50%`), made once.
    random_rule: &'static str,
    /// How far along its chain a retry lies, when `config.step` is set and the clients' retry
    /// schedule is known.
    retry_schedule: Option<RetrySchedule>,
    gaps: Vec<u32>,
}

/// The clients' retry schedule as the loss chain sees it: attempt a of (client, seq) is sent
/// `timeout + wait(a)` after attempt a-1, which is `max(1, round(that / step))` chain steps.
/// The wait is the client's own keyed backoff, so both sides compute the same number.
struct RetrySchedule {
    step: Duration,
    timeout: Duration,
    backoff: Backoff,
    draw: KeyedDraw,
}

impl RetrySchedule {
    fn gap(&mut self, flow: u32, seq: u64, attempt: u8) -> u32 {
        let id = RequestId {
            client: flow,
            seq: seq as u32,
            attempt,
        };
        let waited = self.timeout + self.backoff.wait(&mut self.draw, id);
        let steps = (waited.as_micros() as f64 / self.step.as_micros() as f64).round();
        (steps as u32).clamp(1, MAX_GAP)
    }
}

impl Impairments {
    pub fn new(config: ImpairConfig, seed: u64) -> Self {
        let random_rule = match config.loss {
            Some(super::loss::LossModel::Bernoulli { p }) => {
                intern(format!("random {}", percent(p)))
            }
            _ => "",
        };
        Impairments {
            config,
            draw: KeyedDraw::new(seed),
            chains: Chains::default(),
            random_rule,
            retry_schedule: None,
            gaps: Vec::new(),
        }
    }

    /// Lets a retry's place on a stateful loss chain follow the time it waited: with
    /// `config.step` set, a retry sent W after its previous attempt is `round(W / step)` chain
    /// steps further on (at least one), so a client that backs off for longer than a burst
    /// lasts gets out of it. Without `step` (or without this call) every retry is one step on.
    /// `seed` must be the clients' seed: it keys their backoff jitter.
    pub fn with_retry_schedule(mut self, timeout: Duration, backoff: Backoff, seed: u64) -> Self {
        if let Some(step) = self.config.step
            && step > Duration::ZERO
        {
            self.retry_schedule = Some(RetrySchedule {
                step,
                timeout,
                backoff,
                draw: KeyedDraw::new(seed),
            });
        }
        self
    }

    pub fn config(&self) -> &ImpairConfig {
        &self.config
    }

    /// The fate of packet `key` travelling in `dir`. Directions not covered by
    /// `config.direction` get `Fate::default()`.
    pub fn decide(&mut self, dir: Direction, key: PacketKey) -> Fate {
        if !self.config.direction.covers(dir) {
            return Fate::default();
        }
        self.fate(Lane::client(dir), key)
    }

    /// The fate of the `index`-th plain datagram (one without a losslab id, numbered in arrival
    /// order) travelling in `dir`. Plain datagrams have streams of their own, so they never
    /// share draws with client 0; with Bernoulli loss on requests they get exactly the draws
    /// the lab's server always gave them.
    pub fn decide_plain(&mut self, dir: Direction, index: u64) -> Fate {
        if !self.config.direction.covers(dir) {
            return Fate::default();
        }
        let key = PacketKey {
            flow: 0,
            seq: index,
            attempt: 0,
        };
        self.fate(Lane::plain(dir), key)
    }

    /// The fate of packet `key` in `lane` (the link's layers use this; see [`super::path`]).
    /// Directions not covered by `config.direction` get `Fate::default()`.
    pub(crate) fn decide_in(&mut self, lane: Lane, key: PacketKey) -> Fate {
        if !self.config.direction.covers(lane.dir) {
            return Fate::default();
        }
        self.fate(lane, key)
    }

    fn fate(&mut self, lane: Lane, key: PacketKey) -> Fate {
        let mut fate = Fate::default();
        if let Some(loss) = self.config.loss {
            self.gaps.clear();
            if let Some(schedule) = &mut self.retry_schedule
                && !lane.plain
                && loss.is_stateful()
            {
                for a in 1..=key.attempt {
                    self.gaps.push(schedule.gap(key.flow, key.seq, a));
                }
            }
            let (lost, state) =
                loss.outcome(&mut self.draw, &mut self.chains, lane, key, &self.gaps);
            fate.state = state.map(|s| loss.state_name(s));
            if lost {
                fate.dropped = true;
                fate.rule = match (loss, state) {
                    (_, Some(s)) => loss.rule_in(s),
                    (super::loss::LossModel::Pattern { .. }, None) => "pattern",
                    _ => self.random_rule,
                };
                return fate;
            }
        }
        let draw = &mut self.draw;
        if let Some(delay) = self.config.delay {
            let u = if delay.jitter == Duration::ZERO {
                0.0
            } else {
                draw.uniform_at(lane.stream(Kind::Delay, key.flow), key.seq, key.attempt)
            };
            fate.delay = delay.sample(u);
        }
        fate.reordered = happens(draw, self.config.reorder, lane, Kind::Reorder, key);
        if fate.reordered {
            fate.delay = Duration::ZERO;
        }
        fate.duplicated = happens(draw, self.config.duplicate, lane, Kind::Duplicate, key);
        fate.corrupted = happens(draw, self.config.corrupt, lane, Kind::Corrupt, key);
        fate.rule = if fate.corrupted {
            "corrupt"
        } else if fate.duplicated {
            "duplicate"
        } else if fate.reordered {
            "reorder"
        } else if fate.delay > Duration::ZERO {
            "delay"
        } else {
            ""
        };
        fate
    }
}

/// True with probability `chance.p`, from the packet's own draw for `kind`. p = 0 and p = 1 are
/// exact without drawing.
fn happens(
    draw: &mut KeyedDraw,
    chance: Option<Chance>,
    lane: Lane,
    kind: Kind,
    key: PacketKey,
) -> bool {
    match chance {
        None => false,
        Some(c) if c.p <= 0.0 => false,
        Some(c) if c.p >= 1.0 => true,
        Some(c) => draw.uniform_at(lane.stream(kind, key.flow), key.seq, key.attempt) < c.p,
    }
}

/// A `&'static str` for a rule made at run time; each distinct text is stored once per process.
fn intern(text: String) -> &'static str {
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut table = TABLE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&s) = table.get(text.as_str()) {
        return s;
    }
    let s: &'static str = Box::leak(text.into_boxed_str());
    table.insert(s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impair::assert_binomial;
    use crate::impair::loss::LossModel;
    use crate::impair::{Purpose, Where};
    use rand_chacha::ChaCha8Rng;
    use rand_core::{Rng, SeedableRng};

    fn key(flow: u32, seq: u64, attempt: u8) -> PacketKey {
        PacketKey { flow, seq, attempt }
    }

    fn config(
        loss: Option<&str>,
        delay: Option<&str>,
        dup: Option<&str>,
        reorder: Option<&str>,
        corrupt: Option<&str>,
        dir: Option<&str>,
    ) -> ImpairConfig {
        ImpairConfig::parse(loss, delay, dup, reorder, corrupt, dir).unwrap()
    }

    /// The same drops as `server::time`'s pinned test: Bernoulli request loss is the lab's
    /// historical draw `uniform(RequestLoss, key) < p`.
    #[test]
    fn seed_42_request_drops_are_the_pinned_ones() {
        let mut imp =
            Impairments::new(ImpairConfig::loss_only(LossModel::Bernoulli { p: 0.5 }), 42);
        let dropped: Vec<u64> = (0..20)
            .filter(|&seq| imp.decide(Direction::Request, key(0, seq, 0)).dropped)
            .collect();
        assert_eq!(dropped, [1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 16, 17, 19]);
        let fate = imp.decide(Direction::Request, key(0, 1, 0));
        assert_eq!(fate.rule, "random 50%");
        assert_eq!(fate.state, None);
        assert_eq!(imp.decide(Direction::Reply, key(0, 1, 0)), Fate::default());
    }

    #[test]
    fn plain_datagrams_keep_their_historical_draws() {
        let mut imp = Impairments::new(ImpairConfig::loss_only(LossModel::Bernoulli { p: 0.5 }), 7);
        let mut draw = KeyedDraw::new(7);
        for i in 0..200 {
            let expected = draw.uniform(Purpose::PlainRequestLoss, key(0, i, 0)) < 0.5;
            assert_eq!(imp.decide_plain(Direction::Request, i).dropped, expected);
        }
        // ... and they are not client 0's.
        let same = (0..200)
            .filter(|&i| {
                imp.decide_plain(Direction::Request, i).dropped
                    == imp.decide(Direction::Request, key(0, i, 0)).dropped
            })
            .count();
        assert!(same < 150, "{same} of 200 agree");
    }

    /// With `both`, each direction has its own streams: over 200,000 packets the request and
    /// reply decisions are independent, so both are lost with p² = 0.09:
    /// |k − n·p²| < 3.29·sqrt(n·p²·(1−p²)).
    #[test]
    fn both_directions_draw_independently() {
        let c = config(Some("30%"), None, None, None, None, Some("both"));
        let mut imp = Impairments::new(c, 3);
        let n = 200_000u64;
        let (mut req, mut rep, mut both) = (0u64, 0u64, 0u64);
        for i in 0..n {
            let k = key((i % 20) as u32, i / 20, 0);
            let a = imp.decide(Direction::Request, k).dropped;
            let b = imp.decide(Direction::Reply, k).dropped;
            req += u64::from(a);
            rep += u64::from(b);
            both += u64::from(a && b);
        }
        for (what, count, q) in [
            ("request", req, 0.3),
            ("reply", rep, 0.3),
            ("both", both, 0.09),
        ] {
            assert_binomial(what, count, n, q);
        }
    }

    /// Duplicate 10%, reorder 25% and corrupt 5% on replies over 200,000 packets: each count
    /// within 3.29·sqrt(n·p·(1−p)) of n·p; a reordered packet leaves at once, the others after
    /// the 10 ms delay.
    #[test]
    fn duplicate_reorder_and_corrupt_rates_match_p() {
        let c = config(
            None,
            Some("10ms"),
            Some("10%"),
            Some("25%"),
            Some("5%"),
            None,
        );
        assert_eq!(c.direction, Where::Reply);
        let mut imp = Impairments::new(c, 12);
        let n = 200_000u64;
        let (mut dup, mut reo, mut cor) = (0u64, 0u64, 0u64);
        for i in 0..n {
            let f = imp.decide(Direction::Reply, key((i % 16) as u32, i / 16, 0));
            assert!(!f.dropped);
            let expected_delay = if f.reordered {
                Duration::ZERO
            } else {
                Duration::from_millis(10)
            };
            assert_eq!(f.delay, expected_delay);
            dup += u64::from(f.duplicated);
            reo += u64::from(f.reordered);
            cor += u64::from(f.corrupted);
            if f.corrupted {
                assert_eq!(f.rule, "corrupt");
            }
        }
        for (name, count, p) in [
            ("duplicate", dup, 0.10),
            ("reorder", reo, 0.25),
            ("corrupt", cor, 0.05),
        ] {
            assert_binomial(name, count, n, p);
        }
        assert_eq!(
            imp.decide(Direction::Request, key(0, 0, 0)),
            Fate::default()
        );
    }

    #[test]
    fn stateful_fates_carry_state_and_rule() {
        let c = config(
            Some("gemodel 10% 30% 100% 0%"),
            None,
            None,
            None,
            None,
            None,
        );
        let mut imp = Impairments::new(c, 2);
        let mut seen = (false, false);
        for seq in 0..2000 {
            let f = imp.decide(Direction::Request, key(1, seq, 0));
            match f.state {
                Some("bad") => {
                    assert!(f.dropped && f.rule == "gemodel (bad state)");
                    seen.0 = true;
                }
                Some("good") => {
                    assert!(!f.dropped && f.rule.is_empty());
                    seen.1 = true;
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(seen.0 && seen.1);
        let c = config(
            Some("state 5% 40% 30% 20% 2%"),
            None,
            None,
            None,
            None,
            None,
        );
        let mut imp = Impairments::new(c, 2);
        let rules: HashSet<&str> = (0..5000)
            .map(|s| imp.decide(Direction::Request, key(0, s, 0)))
            .filter(|f| f.dropped)
            .map(|f| f.rule)
            .collect();
        let expected: HashSet<&str> = ["state 4-state (state 3)", "state 4-state (state 4)"].into();
        assert_eq!(rules, expected);
        let mut imp = Impairments::new(config(Some("pattern 1"), None, None, None, None, None), 0);
        assert_eq!(imp.decide(Direction::Request, key(0, 0, 0)).rule, "pattern");
    }

    /// Every model, both directions, retries and plain datagrams: three orders of the same calls
    /// (flow by flow; seq descending with flows interleaved; shuffled) give identical fates.
    #[test]
    fn interleavings_give_identical_fates() {
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        enum Call {
            Client(Direction, PacketKey),
            Plain(Direction, u64),
        }
        let mut calls = Vec::new();
        for dir in [Direction::Request, Direction::Reply] {
            for flow in 0..6 {
                for seq in 0..200 {
                    for attempt in 0..if seq % 5 == 0 { 3 } else { 1 } {
                        calls.push(Call::Client(dir, key(flow, seq, attempt)));
                    }
                }
            }
            for i in 0..200 {
                calls.push(Call::Plain(dir, i));
            }
        }
        let configs = [
            config(
                Some("random 30%"),
                Some("50ms 20ms distribution normal"),
                Some("5%"),
                Some("10%"),
                Some("5%"),
                Some("both"),
            ),
            config(
                Some("gemodel 5% 30% 80% 1%"),
                None,
                None,
                None,
                None,
                Some("both"),
            ),
            config(
                Some("bursty 10% burst 4"),
                Some("20ms 5ms distribution paretonormal"),
                None,
                None,
                None,
                Some("both"),
            ),
            config(
                Some("state 2% 40% 30% 20% 1%"),
                Some("10ms 10ms distribution pareto"),
                Some("20%"),
                None,
                None,
                Some("both"),
            ),
            config(
                Some("pattern 1101000"),
                Some("5ms 1ms"),
                None,
                Some("50%"),
                None,
                Some("both"),
            ),
        ];
        for c in configs {
            // Each call carries its index in `calls`, so fates can be put back in one order.
            let run = |order: &[(usize, Call)]| {
                let mut imp = Impairments::new(c.clone(), 77);
                let mut fates = vec![Fate::default(); order.len()];
                for &(i, call) in order {
                    fates[i] = match call {
                        Call::Client(dir, k) => imp.decide(dir, k),
                        Call::Plain(dir, i) => imp.decide_plain(dir, i),
                    };
                }
                fates
            };
            let indexed: Vec<(usize, Call)> = calls.iter().copied().enumerate().collect();
            let forward = run(&indexed);
            let mut reversed = indexed.clone();
            reversed.sort_by_key(|(_, call)| match *call {
                Call::Client(d, k) => (std::cmp::Reverse(k.seq), k.flow, k.attempt, d as u8),
                Call::Plain(d, i) => (std::cmp::Reverse(i), u32::MAX, 0, d as u8),
            });
            let mut shuffled = indexed.clone();
            let mut rng = ChaCha8Rng::seed_from_u64(5);
            for i in (1..shuffled.len()).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                shuffled.swap(i, j);
            }
            assert!(
                forward == run(&reversed),
                "{c:?}: reversed interleaving differs"
            );
            assert!(forward == run(&shuffled), "{c:?}: random order differs");
            let dropped = forward.iter().filter(|f| f.dropped).count();
            assert!(dropped > 0 && dropped < forward.len(), "{c:?}");
        }
    }

    /// A flow crossing a chain block (the restart at seq 65,536), asked forward, backward and
    /// shuffled: identical fates.
    #[test]
    fn block_boundaries_do_not_depend_on_order() {
        let c = config(Some("gemodel 10% 20% 90% 2%"), None, None, None, None, None);
        let keys: Vec<PacketKey> = (65_436..65_636)
            .flat_map(|s| (0..1 + (s % 3) as u8).map(move |a| key(4, s, a)))
            .collect();
        let run = |order: &[usize]| {
            let mut imp = Impairments::new(c.clone(), 31);
            let mut fates = vec![Fate::default(); keys.len()];
            for &i in order {
                fates[i] = imp.decide(Direction::Request, keys[i]);
            }
            fates
        };
        let forward: Vec<usize> = (0..keys.len()).collect();
        let backward: Vec<usize> = forward.iter().rev().copied().collect();
        let mut shuffled = forward.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(6);
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let a = run(&forward);
        assert!(a == run(&backward) && a == run(&shuffled));
        assert!(a.iter().any(|f| f.dropped) && a.iter().any(|f| !f.dropped));
    }

    /// More flows than the chain cache holds, asked seq-major (each query may hit an evicted
    /// chain): the same fates as asking flow by flow.
    #[test]
    fn eviction_never_changes_a_fate() {
        let c = config(Some("gemodel 10% 20% 90% 2%"), None, None, None, None, None);
        let (flows, seqs) = (crate::impair::loss::MAX_CHAINS as u32 + 76, 4u64);
        let mut a = Impairments::new(c.clone(), 8);
        let by_flow: Vec<Fate> = (0..flows)
            .flat_map(|f| (0..seqs).map(move |s| (f, s)))
            .map(|(f, s)| a.decide(Direction::Request, key(f, s, 0)))
            .collect();
        let mut b = Impairments::new(c, 8);
        let mut by_seq = vec![Fate::default(); by_flow.len()];
        for s in 0..seqs {
            for f in 0..flows {
                by_seq[(u64::from(f) * seqs + s) as usize] =
                    b.decide(Direction::Request, key(f, s, 0));
            }
        }
        assert!(by_flow == by_seq);
    }

    #[test]
    fn fates_depend_on_the_seed() {
        let c = config(Some("bursty 20% burst 3"), None, None, None, None, None);
        let drops = |seed| {
            let mut imp = Impairments::new(c.clone(), seed);
            (0..500)
                .map(|s| imp.decide(Direction::Request, key(0, s, 0)).dropped)
                .collect::<Vec<_>>()
        };
        assert_eq!(drops(1), drops(1));
        assert_ne!(drops(1), drops(2));
    }
}
