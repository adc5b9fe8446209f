//! Sans-IO impairment models: what the network (or the lossy server) does to a packet.
//!
//! Owns the reproducibility rule and the engine built on it. A decision never comes from one
//! random stream consumed in arrival order, because then timing would change which packets die.
//! Each decision is drawn from a ChaCha8 generator keyed by the run's seed, positioned by the
//! packet's identity: the stream selects (purpose, flow) and the word position selects
//! (seq, attempt). Invariant: the same (seed, purpose, flow, seq, attempt) gives the same draw in
//! every run, on every machine, whatever order packets arrive in; every [`Fate`] is a pure
//! function of (seed, [`ImpairConfig`], direction, packet key).
//!
//! Layout: [`loss`] (loss models and the per-flow Markov chains), [`delay`] (delay and jitter
//! distributions), [`spec`] (netem's syntax, parsed and printed), `config` ([`ImpairConfig`]),
//! `engine` ([`Impairments`], which turns a config into a [`Fate`] per packet), [`link`] (the
//! path's propagation delay and bandwidth), [`path`] (the network between the endpoints: one
//! component that gives every packet its fate, used by the simulator and the live TUN link).

pub mod classify;
mod config;
pub mod delay;
mod engine;
pub mod link;
pub mod loss;
pub mod path;
pub mod relay;
pub mod spec;

pub use config::{Chance, ImpairConfig};
pub use engine::{Fate, Impairments};
pub use spec::SpecError;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use serde::Serialize;

/// What a draw is for. Each purpose has its own streams so adding an impairment never shifts the
/// draws of another one. The numbers are part of every seed's results: never renumber one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Loss decision for a request that carries a losslab id (flow = the client id).
    RequestLoss = 1,
    /// Loss decision for a plain datagram without an id (flow 0, seq = arrival index).
    PlainRequestLoss = 2,
    /// Bernoulli loss decision for a reply.
    ReplyLoss = 3,
    /// A stateful loss model's transition out of packet (seq, attempt)'s state, per direction.
    RequestLossStep = 4,
    ReplyLossStep = 5,
    /// Gilbert-Elliott's loss-in-state draw (lost with 1-k in Good, 1-h in Bad), per direction.
    RequestLossEmit = 6,
    ReplyLossEmit = 7,
    /// A stateful chain's first state, drawn from the stationary distribution (seq = block).
    RequestLossStart = 8,
    ReplyLossStart = 9,
    /// The delay (jitter) draw.
    RequestDelay = 10,
    ReplyDelay = 11,
    RequestDuplicate = 12,
    ReplyDuplicate = 13,
    RequestReorder = 14,
    ReplyReorder = 15,
    RequestCorrupt = 16,
    ReplyCorrupt = 17,
    /// Extra chain steps a retry takes for the time since its previous attempt, per direction.
    RequestLossGap = 18,
    ReplyLossGap = 19,
    /// The jitter of a client's backoff wait before a retry.
    BackoffJitter = 20,
    /// The simulated link's propagation delay (jitter) per direction (sim mode, [`link`]).
    LinkRequestDelay = 21,
    LinkReplyDelay = 22,
}

/// A packet's identity as far as randomness is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PacketKey {
    pub flow: u32,
    pub seq: u64,
    pub attempt: u8,
}

/// Which way a packet travels: client to server (a request) or back (a reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Request,
    Reply,
}

/// Which directions an impairment set acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Where {
    Request,
    Reply,
    Both,
}

impl Where {
    /// True when impairments act on packets travelling in `dir`.
    pub fn covers(self, dir: Direction) -> bool {
        matches!(
            (self, dir),
            (Where::Both, _)
                | (Where::Request, Direction::Request)
                | (Where::Reply, Direction::Reply)
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Where::Request => "request",
            Where::Reply => "reply",
            Where::Both => "both",
        }
    }
}

/// What kind of draw, independent of direction; [`Lane::stream`] turns it into a [`Purpose`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Loss,
    LossStep,
    LossEmit,
    LossStart,
    LossGap,
    Delay,
    Duplicate,
    Reorder,
    Corrupt,
}

/// One independent set of streams: a direction, for losslab flows (client ids) or for plain
/// datagrams (numbered by arrival, flow 0). Plain datagrams live in their own lane so they never
/// share draws with client 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Lane {
    pub plain: bool,
    pub dir: Direction,
    /// Where on the path the draw is made: the server's own `[impair]` or the `[link]`.
    pub layer: Layer,
}

/// Which component draws: the lossy server (`[impair]`, the lab's discards) or the network path
/// between the endpoints (`[link]`, see [`path`]). Each layer has streams of its own, so a
/// scenario with both never shares a draw between them; the server's layer keeps the stream
/// numbers it always had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Layer {
    Server = 0,
    /// The link, for packets keyed by a losslab id or a plain datagram's index.
    Link = 1,
    /// The link, for TCP segments (keyed by connection, relative sequence, length, occurrence).
    Segment = 2,
}

impl Lane {
    pub(crate) const fn client(dir: Direction) -> Lane {
        Lane {
            plain: false,
            dir,
            layer: Layer::Server,
        }
    }

    pub(crate) const fn plain(dir: Direction) -> Lane {
        Lane {
            plain: true,
            dir,
            layer: Layer::Server,
        }
    }

    /// The keystream for draws of `kind` in this lane for `flow`: the purpose in the top byte,
    /// bit 32 set for plain datagrams, the flow below. Plain request loss keeps the layout it
    /// had before lanes existed (purpose 2, flow 0), so the lab's clients see the same discards.
    pub(crate) fn stream(self, kind: Kind, flow: u32) -> u64 {
        if self.plain
            && kind == Kind::Loss
            && self.dir == Direction::Request
            && self.layer == Layer::Server
        {
            return stream(Purpose::PlainRequestLoss, 0);
        }
        // A table lookup: this runs for every draw.
        let purpose = LANE_PURPOSES[kind as usize][self.dir as usize];
        stream(purpose, flow) | (u64::from(self.plain) << 32) | ((self.layer as u64) << 33)
    }
}

/// The purpose of each (kind, direction): `[kind][request, reply]`, in [`Kind`]'s order.
const LANE_PURPOSES: [[Purpose; 2]; 9] = {
    use Purpose::*;
    [
        [RequestLoss, ReplyLoss],
        [RequestLossStep, ReplyLossStep],
        [RequestLossEmit, ReplyLossEmit],
        [RequestLossStart, ReplyLossStart],
        [RequestLossGap, ReplyLossGap],
        [RequestDelay, ReplyDelay],
        [RequestDuplicate, ReplyDuplicate],
        [RequestReorder, ReplyReorder],
        [RequestCorrupt, ReplyCorrupt],
    ]
};

/// Stream id of (purpose, flow): purpose in the top byte, flow in the low 32 bits.
fn stream(purpose: Purpose, flow: u32) -> u64 {
    (u64::from(purpose as u8) << 56) | u64::from(flow)
}

/// Words kept per cache line: one ChaCha refill computes four 16-word blocks anyway.
const LINE_WORDS: usize = 64;
/// Cache sets and lines per set: 512 lines (~140 KB), a fixed size, so memory stays the same
/// whatever flows a peer invents. Four ways keep a few hundred live (stream, range) pairs (64
/// flows × 2 directions × 3 impairments) resident; a direct-mapped cache of the same size lost
/// a quarter of its lookups to collisions.
const SETS: usize = 128;
const WAYS: usize = 4;
/// Bits of the sequence number that select the position (2^59 packets per flow and attempt).
const SEQ_BITS: u32 = 59;

/// Which keystream range a cache line holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tag {
    stream: u64,
    /// Which 64-word range of the stream: `(attempt << 54) | (seq >> 5)` ([`NO_BLOCK`] while
    /// the line was never filled). Kept in 64 bits, not as the 128-bit word position.
    block: u64,
}

/// A block number no key gives (an attempt is 8 bits: blocks stay below 2^62).
const NO_BLOCK: u64 = u64::MAX;

/// Uniform draws in [0, 1) that depend only on the seed and the packet's key.
///
/// The word position of a draw is `((attempt << 59) | seq) * 2`: consecutive packets of one flow
/// sit next to each other in the keystream, so one refill of 64 words serves 32 of them. A
/// set-associative cache of refills (one line per recent (stream, 64-word range), the least
/// recently used line of a set replaced) keeps flows and impairments that interleave from
/// evicting each other on every packet; the line of the previous draw is tried first, since
/// packets of one flow tend to come in runs. The tags of a set sit together (one cache line of
/// memory for four ways), apart from the words they describe, so a lookup reads one line of
/// tags and one of words. The cache changes only speed, never a value: a draw is always the
/// same two keystream words.
#[derive(Clone, Debug)]
pub struct KeyedDraw {
    rng: ChaCha8Rng,
    tags: Vec<Tag>,
    /// When each line was last looked up.
    used: Vec<u64>,
    words: Vec<[u32; LINE_WORDS]>,
    clock: u64,
    /// The line the previous draw read (checked against its tag before use).
    last: usize,
    /// Lines filled from the keystream (the expensive part of a draw), for the cost tests.
    #[cfg(test)]
    pub(crate) fills: u64,
}

impl KeyedDraw {
    pub fn new(seed: u64) -> Self {
        let lines = SETS * WAYS;
        KeyedDraw {
            rng: ChaCha8Rng::seed_from_u64(seed),
            tags: vec![
                Tag {
                    stream: 0,
                    block: NO_BLOCK,
                };
                lines
            ],
            used: vec![0; lines],
            words: vec![[0; LINE_WORDS]; lines],
            clock: 0,
            last: 0,
            #[cfg(test)]
            fills: 0,
        }
    }

    /// The draw for `key` under `purpose`: stream = purpose in the top byte, flow below.
    pub fn uniform(&mut self, purpose: Purpose, key: PacketKey) -> f64 {
        self.uniform_at(stream(purpose, key.flow), key.seq, key.attempt)
    }

    /// The draw at (seq, attempt) of keystream `stream` (see [`Lane::stream`]).
    pub(crate) fn uniform_at(&mut self, stream: u64, seq: u64, attempt: u8) -> f64 {
        let seq = seq & ((1 << SEQ_BITS) - 1);
        // Word `((attempt << 59) | seq) << 1` lies in 64-word block `word >> 6`, at `word & 63`.
        let tag = Tag {
            stream,
            block: (u64::from(attempt) << (SEQ_BITS - 5)) | (seq >> 5),
        };
        let at = ((seq & 31) << 1) as usize;
        let index = match self.tags[self.last] == tag {
            true => self.last,
            false => self.lookup(tag),
        };
        let words = &self.words[index];
        let bits = u64::from(words[at]) | (u64::from(words[at + 1]) << 32);
        // 53 random bits make every double in [0, 1) with spacing 2^-53.
        (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// The line holding `tag`'s range, filled from the keystream if no line does.
    fn lookup(&mut self, tag: Tag) -> usize {
        let hash = (tag.stream ^ tag.block).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let set = (hash >> (64 - SETS.trailing_zeros())) as usize % SETS;
        let first = set * WAYS;
        self.clock += 1;
        let index = match self.tags[first..first + WAYS]
            .iter()
            .position(|t| *t == tag)
        {
            Some(way) => first + way,
            None => {
                let oldest = (first..first + WAYS)
                    .min_by_key(|&i| self.used[i])
                    .unwrap_or(first);
                self.rng.set_stream(tag.stream);
                self.rng.set_word_pos(u128::from(tag.block) << 6);
                // The next 64 words, as `next_u32` would give them one by one (the block
                // generator hands out its words in little-endian byte order), in one call.
                let mut bytes = [0u8; LINE_WORDS * 4];
                self.rng.fill_bytes(&mut bytes);
                for (w, b) in self.words[oldest].iter_mut().zip(bytes.chunks_exact(4)) {
                    *w = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                }
                self.tags[oldest] = tag;
                #[cfg(test)]
                {
                    self.fills += 1;
                }
                oldest
            }
        };
        self.used[index] = self.clock;
        self.last = index;
        index
    }
}

/// Shared by the statistical tests: a count of `n` independent trials with probability `p`
/// lies within z·sqrt(n·p·(1−p)) of n·p, z = 3.29 for a two-sided 99.9% bound.
#[cfg(test)]
pub(crate) fn assert_binomial(what: &str, count: u64, n: u64, p: f64) {
    let nf = n as f64;
    let bound = crate::metrics::stats::Z999 * (nf * p * (1.0 - p)).sqrt();
    eprintln!(
        "{what}: {count} of {n}, expected {:.0} ± {bound:.0}",
        nf * p
    );
    assert!(
        (count as f64 - nf * p).abs() < bound,
        "{what}: {count} of {n}, expected {} ± {bound:.0}",
        nf * p
    );
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

    /// The set-associative cache under pressure (many more live ranges than lines, revisited
    /// in a scrambled order) still returns exactly the keystream words.
    #[test]
    fn cache_is_invisible_under_pressure() {
        let mut d = KeyedDraw::new(9);
        let mut pick = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..3000 {
            let stream = stream(Purpose::ReplyDelay, pick.next_u32() % 40);
            let seq = u64::from(pick.next_u32() % 2000);
            let attempt = (pick.next_u32() % 2) as u8;
            let got = d.uniform_at(stream, seq, attempt);
            let mut rng = ChaCha8Rng::seed_from_u64(9);
            rng.set_stream(stream);
            rng.set_word_pos(((u128::from(attempt) << 59) | u128::from(seq)) << 1);
            assert_eq!(got, (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64);
        }
    }

    /// Bernoulli request loss keeps the lab's layout (purpose 1, flow = client; plain datagrams
    /// purpose 2, flow 0), and every other (kind, direction, lane) has a stream of its own.
    #[test]
    fn lanes_keep_the_historical_layout_and_stay_apart() {
        use Direction::{Reply, Request};
        let client = Lane::client(Request);
        let plain = Lane::plain(Request);
        assert_eq!(
            client.stream(Kind::Loss, 7),
            stream(Purpose::RequestLoss, 7)
        );
        assert_eq!(
            plain.stream(Kind::Loss, 0),
            stream(Purpose::PlainRequestLoss, 0)
        );
        let kinds = [
            Kind::Loss,
            Kind::LossStep,
            Kind::LossEmit,
            Kind::LossStart,
            Kind::Delay,
            Kind::Duplicate,
            Kind::Reorder,
            Kind::Corrupt,
        ];
        let mut seen = std::collections::HashSet::new();
        for kind in kinds {
            for dir in [Request, Reply] {
                for is_plain in [false, true] {
                    let lane = Lane {
                        plain: is_plain,
                        dir,
                        layer: Layer::Server,
                    };
                    let flow = if is_plain { 0 } else { 3 };
                    assert!(seen.insert(lane.stream(kind, flow)), "{kind:?} {lane:?}");
                }
            }
        }
        assert!(!seen.contains(&stream(Purpose::RequestLoss, 0)));
        // Every (kind, direction) keeps the purpose it always had (the numbers are part of
        // every seed's results).
        let expected = [
            (Kind::Loss, 1, 3),
            (Kind::LossStep, 4, 5),
            (Kind::LossEmit, 6, 7),
            (Kind::LossStart, 8, 9),
            (Kind::LossGap, 18, 19),
            (Kind::Delay, 10, 11),
            (Kind::Duplicate, 12, 13),
            (Kind::Reorder, 14, 15),
            (Kind::Corrupt, 16, 17),
        ];
        for (kind, request, reply) in expected {
            assert_eq!(
                Lane::client(Request).stream(kind, 5) >> 56,
                request,
                "{kind:?}"
            );
            assert_eq!(Lane::client(Reply).stream(kind, 5) >> 56, reply, "{kind:?}");
        }
    }

    #[test]
    fn where_covers_its_directions() {
        use Direction::{Reply, Request};
        assert!(Where::Request.covers(Request) && !Where::Request.covers(Reply));
        assert!(Where::Reply.covers(Reply) && !Where::Reply.covers(Request));
        assert!(Where::Both.covers(Request) && Where::Both.covers(Reply));
    }
}
