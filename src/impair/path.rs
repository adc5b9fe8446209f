//! The network between the endpoints, as one sans-IO component: a packet, its identity and
//! `now` go in; its fate comes out (dropped by a rule, delivered at an instant, twice, or
//! altered).
//!
//! Owns a scenario's `[link]`: netem's whole vocabulary (loss with every model, duplicate,
//! reorder, corrupt, and the directions they act on) on top of the link's propagation delay with
//! jitter and its bandwidth ([`super::link`]). The simulator routes every packet between its
//! endpoints through a [`Path`]; the live TUN link routes every IP packet it forwards through
//! the same code, so a seed drops the same packets in both wherever the packets are the same.
//! The time server's own `[impair]` (the lab's discards) is a different layer with streams of its
//! own: a scenario may have both, and they never share a draw.
//!
//! Identity ([`Ident`]) is what keys every draw, never the order packets arrive in:
//! - a losslab time request or reply: (client, seq, attempt), read from its payload;
//! - a TCP segment: (flow, direction, which connection of the flow, sequence number relative to
//!   the connection's initial one, payload length, SYN/FIN/RST, how many times this same segment
//!   crossed before) — so a retransmission is the next attempt of the same segment; a pure ACK:
//!   (flow, direction, connection, relative acknowledgement number, occurrence);
//! - any other datagram: its index among the datagrams of its flow and direction.
//!
//! Stateless models (Bernoulli, `pattern`) draw at a position hashed from the identity.
//! Stateful models (Gilbert-Elliott, 4-state) need an order: time ids walk their flow's chain in
//! seq order, as the server's do; TCP segments and plain datagrams walk it in the order they
//! cross the link in their flow and direction (the order on the wire is the chain's order).
//!
//! Corruption: a real network's flipped bit fails the UDP or TCP checksum at the receiver, which
//! drops the packet. A packet carried as bytes gets one bit of its last byte flipped
//! ([`Crossing::corrupt_mask`]) and the receiving stack drops it for real; the simulator's fast
//! path for time ids, which carries no bytes, does not deliver it.
//!
//! Invariant: [`Path::cross`] is a pure function of (seed, config, packet identity, and for
//! bandwidth and stateful TCP chains the packets that crossed before in the same direction).

use super::config::ImpairConfig;
use super::engine::Impairments;
use super::link::{Link, LinkConfig};
use super::spec::{self, SpecError};
use super::{Direction, Lane, Layer, PacketKey, Where};
use crate::time::{Duration, Instant};
use crate::wire::time::RequestId;
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::fmt;

/// A scenario's `[link]`, resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathConfig {
    /// Loss, duplicate, reorder, corrupt and the directions they act on. Its `delay` is always
    /// `None`: the link's delay is propagation and lives in `link`.
    pub impair: ImpairConfig,
    /// Propagation delay and jitter (each way), bandwidth.
    #[serde(flatten)]
    pub link: LinkConfig,
}

/// The `[link]` fields as written, each `None` when absent.
#[derive(Clone, Copy, Debug, Default)]
pub struct PathFields<'a> {
    pub loss: Option<&'a str>,
    pub delay: Option<&'a str>,
    pub duplicate: Option<&'a str>,
    pub reorder: Option<&'a str>,
    pub corrupt: Option<&'a str>,
    pub bandwidth: Option<&'a str>,
    pub direction: Option<&'a str>,
}

impl Default for PathConfig {
    /// The lossless default link (50 µs each way, unlimited).
    fn default() -> Self {
        PathConfig {
            impair: ImpairConfig {
                direction: Where::Both,
                ..ImpairConfig::none()
            },
            link: LinkConfig::default(),
        }
    }
}

impl PathConfig {
    /// Parses the `[link]` fields. An error names the field it is about. `direction` defaults
    /// to `both` on a link (a network loses in both directions), unlike the server's `[impair]`.
    pub fn parse(f: &PathFields) -> Result<PathConfig, (&'static str, SpecError)> {
        let at = |field: &'static str| move |e: SpecError| (field, e);
        let link = LinkConfig::parse(f.delay, None).map_err(at("delay"))?;
        let bandwidth = f
            .bandwidth
            .map(super::link::parse_bandwidth)
            .transpose()
            .map_err(at("bandwidth"))?;
        let link = LinkConfig { bandwidth, ..link };
        let loss = f
            .loss
            .map(spec::parse_loss)
            .transpose()
            .map_err(at("loss"))?;
        let chance = |kind: &'static str, s: Option<&str>| {
            s.map(|s| spec::parse_chance(kind, s))
                .transpose()
                .map_err(at(kind))
        };
        let duplicate = chance("duplicate", f.duplicate)?;
        let reorder = chance("reorder", f.reorder)?;
        let corrupt = chance("corrupt", f.corrupt)?;
        if let (Some(r), true) = (f.reorder, link.delay.delay == Duration::ZERO) {
            return Err((
                "reorder",
                SpecError::new(r, crate::tr!("scenario-spec-reorder-link")),
            ));
        }
        let direction = match f.direction {
            Some(d) => spec::parse_direction(d).map_err(at("direction"))?,
            None => Where::Both,
        };
        Ok(PathConfig {
            impair: ImpairConfig {
                loss,
                delay: None,
                duplicate,
                reorder,
                corrupt,
                direction,
                step: None,
            },
            link,
        })
    }

    /// True when the link only delays (no loss, duplicate, reorder or corrupt).
    pub fn is_lossless(&self) -> bool {
        self.impair.is_none()
    }

    /// A person's reading: `loss random 10% (on both), 5ms each way, 10mbit`.
    pub fn describe(&self) -> String {
        match self.is_lossless() {
            true => self.link.describe(),
            false => format!("{}, {}", self.impair.describe(), self.link.describe()),
        }
    }

    /// [`Self::describe`] in the user's language, for console lines.
    pub fn describe_console(&self) -> String {
        match self.is_lossless() {
            true => self.link.describe_console(),
            false => format!(
                "{}, {}",
                self.impair.describe_console(),
                self.link.describe_console()
            ),
        }
    }

    /// The share of packets the link's loss model drops in `dir` in the long run.
    pub fn expected_loss(&self, dir: Direction) -> f64 {
        match self.impair.direction.covers(dir) {
            true => self.impair.expected_loss(),
            false => 0.0,
        }
    }

    /// Loss a request/reply round trip of single datagrams suffers on this link.
    pub fn expected_round_trip_loss(&self) -> f64 {
        let a = self.expected_loss(Direction::Request);
        let b = self.expected_loss(Direction::Reply);
        1.0 - (1.0 - a) * (1.0 - b)
    }
}

/// What kind of traffic a packet is, for `link.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    /// A datagram of losslab's time protocol (it carries an id).
    UdpTime,
    /// Any other UDP datagram.
    Udp,
    Tcp,
    /// An IP packet that is neither (ICMP, say): crosses, keyed as a plain datagram.
    Other,
}

impl Proto {
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::UdpTime => "udp-time",
            Proto::Udp => "udp",
            Proto::Tcp => "tcp",
            Proto::Other => "ip",
        }
    }
}

/// TCP flags that make a segment a different one at the same sequence number.
pub const SYN: u8 = 1;
pub const FIN: u8 = 2;
pub const RST: u8 = 4;

/// What keys a packet's draws (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ident {
    /// A losslab time request or reply.
    Time(RequestId),
    /// A TCP segment that carries data, SYN, FIN or RST. `seq` is relative to the initial
    /// sequence number of its direction (the SYN is 0); `n` counts earlier crossings of this
    /// same segment (0 the first time, 1 for the first retransmission, ...).
    Segment {
        conn: u32,
        seq: u32,
        len: u32,
        flags: u8,
        n: u8,
    },
    /// A pure acknowledgement: relative acknowledgement number, and its occurrence (duplicate
    /// ACKs count up).
    Ack { conn: u32, ack: u32, n: u8 },
    /// Any other datagram: its index among its flow's and direction's datagrams.
    Plain { index: u64 },
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ident::Time(id) => write!(f, "seq={} attempt={}", id.seq, id.attempt),
            Ident::Segment {
                conn,
                seq,
                len,
                flags,
                n,
            } => {
                write!(f, "conn={conn} seq={seq} len={len}")?;
                for (bit, name) in [(SYN, "syn"), (FIN, "fin"), (RST, "rst")] {
                    if flags & bit != 0 {
                        write!(f, " {name}")?;
                    }
                }
                write!(f, " n={n}")
            }
            Ident::Ack { conn, ack, n } => write!(f, "conn={conn} ack={ack} n={n}"),
            Ident::Plain { index } => write!(f, "index={index}"),
        }
    }
}

/// A packet as the path sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Packet {
    pub dir: Direction,
    /// The client (index in the run) whose traffic this is: requests come from it, replies go
    /// to it.
    pub flow: u32,
    pub proto: Proto,
    /// Its size on the wire: the whole IP packet (a datagram's payload + 28 bytes).
    pub bytes: u32,
    pub ident: Ident,
}

/// What the link did to a packet, for `link.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkFate {
    Delivered,
    Dropped,
    Duplicated,
    Corrupted,
}

impl LinkFate {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkFate::Delivered => "delivered",
            LinkFate::Dropped => "dropped",
            LinkFate::Duplicated => "duplicated",
            LinkFate::Corrupted => "corrupted",
        }
    }
}

/// One packet's crossing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crossing {
    pub fate: LinkFate,
    /// The rule that decided (`random 10%`, `gemodel (bad state)`, `duplicate`, `corrupt`,
    /// `reorder`, `delay`); "" when the packet only crossed.
    pub rule: &'static str,
    /// When each copy reaches the far end: none when dropped, a second when duplicated.
    pub arrivals: [Option<Instant>; 2],
    /// XOR this into the last byte of a packet carried as bytes: the receiver's checksum then
    /// fails and it drops the packet, as on a real wire.
    pub corrupt_mask: Option<u8>,
    /// The loss model's state when the model has one.
    pub state: Option<&'static str>,
}

impl Crossing {
    /// The time the first copy spends on the link (`None` when it was dropped).
    pub fn delay(&self, now: Instant) -> Option<Duration> {
        self.arrivals[0].map(|at| at - now)
    }

    /// True when the packet reaches the far end intact (at least once).
    pub fn delivered(&self) -> bool {
        self.arrivals[0].is_some() && self.corrupt_mask.is_none()
    }
}

/// One packet that met the link, as `link.csv` records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkEvent {
    pub at: Instant,
    pub packet: Packet,
    pub crossing: Crossing,
    /// The request whose exchange the packet belongs to (for `requests.csv`'s `link_drops`),
    /// when the driver knows it: a time id's own; a TCP segment's, the attempt its connection
    /// carries.
    pub request: Option<RequestId>,
}

/// Counts of one direction of the link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DirCounts {
    pub packets: u64,
    pub dropped: u64,
    pub duplicated: u64,
    pub corrupted: u64,
}

/// What crossed the link, per direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LinkCounts {
    pub request: DirCounts,
    pub reply: DirCounts,
}

impl LinkCounts {
    pub fn dir(&self, dir: Direction) -> &DirCounts {
        match dir {
            Direction::Request => &self.request,
            Direction::Reply => &self.reply,
        }
    }

    fn dir_mut(&mut self, dir: Direction) -> &mut DirCounts {
        match dir {
            Direction::Request => &mut self.request,
            Direction::Reply => &mut self.reply,
        }
    }
}

/// Bits of a hashed identity used as the draw position (the keyed draw takes 59).
const POSITION_BITS: u32 = 59;

/// The network path of a run.
pub struct Path {
    config: PathConfig,
    impair: Impairments,
    link: Link,
    stateful: bool,
    /// Crossings so far per (flow, direction, layer), the chain position of TCP segments and
    /// plain datagrams under a stateful model.
    order: FxHashMap<(u32, Direction, Layer), u64>,
    counts: LinkCounts,
}

impl Path {
    pub fn new(config: PathConfig, seed: u64) -> Path {
        let stateful = config.impair.loss.is_some_and(|l| l.is_stateful());
        Path {
            impair: Impairments::new(config.impair.clone(), seed),
            link: Link::new(config.link, seed),
            config,
            stateful,
            order: FxHashMap::default(),
            counts: LinkCounts::default(),
        }
    }

    pub fn config(&self) -> &PathConfig {
        &self.config
    }

    /// Whether a packet's length changes its fate (a bandwidth limit queues by size).
    pub fn needs_length(&self) -> bool {
        self.config.link.bandwidth.is_some()
    }

    pub fn counts(&self) -> LinkCounts {
        self.counts
    }

    /// The fate of `packet`, sent onto the link at `now`.
    pub fn cross(&mut self, now: Instant, packet: &Packet) -> Crossing {
        let (lane, key) = self.key(packet);
        let fate = self.impair.decide_in(lane, key);
        let counts = self.counts.dir_mut(packet.dir);
        counts.packets += 1;
        if fate.dropped {
            counts.dropped += 1;
            return Crossing {
                fate: LinkFate::Dropped,
                rule: fate.rule,
                arrivals: [None, None],
                corrupt_mask: None,
                state: fate.state,
            };
        }
        // The link's own delay draw keeps the key the simulator always used for time ids, so
        // a `[link]` with only delay and bandwidth gives the arrivals it always gave.
        // The link counts a datagram's 28 bytes of IPv4 and UDP headers itself.
        let len = (packet.bytes as usize).saturating_sub(super::link::HEADER_BYTES as usize);
        let first = self
            .link
            .arrival_with(packet.dir, key, len, now, fate.reordered);
        let second = fate.duplicated.then(|| {
            self.link
                .arrival_with(packet.dir, key, len, now, fate.reordered)
        });
        let corrupt_mask = fate.corrupted.then(|| 1u8 << (mix(key.seq) % 8));
        let counts = self.counts.dir_mut(packet.dir);
        let fate_kind = if fate.corrupted {
            counts.corrupted += 1;
            LinkFate::Corrupted
        } else if fate.duplicated {
            counts.duplicated += 1;
            LinkFate::Duplicated
        } else {
            LinkFate::Delivered
        };
        let rule = match fate.rule {
            "" if self.link.config().delay.delay > Duration::ZERO => "delay",
            r => r,
        };
        Crossing {
            fate: fate_kind,
            rule,
            arrivals: [Some(first), second],
            corrupt_mask,
            state: fate.state,
        }
    }

    /// The lane and draw position of a packet (see the module doc).
    fn key(&mut self, p: &Packet) -> (Lane, PacketKey) {
        let lane = |plain, layer| Lane {
            plain,
            dir: p.dir,
            layer,
        };
        match p.ident {
            Ident::Time(id) => (
                lane(false, Layer::Link),
                PacketKey {
                    flow: id.client,
                    seq: u64::from(id.seq),
                    attempt: id.attempt,
                },
            ),
            Ident::Plain { index } => {
                let seq = match self.stateful {
                    true => self.next_in_order(p.flow, p.dir, Layer::Link),
                    false => index,
                };
                let key = PacketKey {
                    flow: p.flow,
                    seq,
                    attempt: 0,
                };
                (lane(true, Layer::Link), key)
            }
            Ident::Segment { n, .. } | Ident::Ack { n, .. } => {
                let key = match self.stateful {
                    true => PacketKey {
                        flow: p.flow,
                        seq: self.next_in_order(p.flow, p.dir, Layer::Segment),
                        attempt: 0,
                    },
                    false => PacketKey {
                        flow: p.flow,
                        seq: segment_position(&p.ident),
                        attempt: n,
                    },
                };
                (lane(false, Layer::Segment), key)
            }
        }
    }

    /// Forgets `flow`'s crossing order (a relay's flow that expired): if it comes back, its
    /// stateful chain starts over. Keeps memory bounded by the flows alive.
    pub fn forget_flow(&mut self, flow: u32) {
        self.order.retain(|(f, _, _), _| *f != flow);
    }

    fn next_in_order(&mut self, flow: u32, dir: Direction, layer: Layer) -> u64 {
        let n = self.order.entry((flow, dir, layer)).or_insert(0);
        *n += 1;
        *n - 1
    }
}

/// A segment's draw position: its identity without the occurrence, hashed to 59 bits (the
/// occurrence is the draw's attempt, so a retransmission reads the next attempt's draw).
fn segment_position(ident: &Ident) -> u64 {
    let (kind, conn, a, b, flags) = match *ident {
        Ident::Segment {
            conn,
            seq,
            len,
            flags,
            ..
        } => (1u64, conn, seq, len, flags),
        Ident::Ack { conn, ack, .. } => (2, conn, ack, 0, 0),
        _ => (3, 0, 0, 0, 0),
    };
    let mut h = mix(kind ^ (u64::from(conn) << 8));
    h = mix(h ^ u64::from(a));
    h = mix(h ^ ((u64::from(b) << 8) | u64::from(flags)));
    h & ((1 << POSITION_BITS) - 1)
}

/// SplitMix64's finalizer: a fixed, well-mixing function of 64 bits (never a per-process
/// random hash: positions must be the same in every run).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impair::assert_binomial;

    fn cfg(f: PathFields) -> PathConfig {
        PathConfig::parse(&f).unwrap()
    }

    fn time(dir: Direction, client: u32, seq: u32, attempt: u8) -> Packet {
        Packet {
            dir,
            flow: client,
            proto: Proto::UdpTime,
            bytes: 40,
            ident: Ident::Time(RequestId {
                client,
                seq,
                attempt,
            }),
        }
    }

    fn segment(dir: Direction, seq: u32, len: u32, n: u8) -> Packet {
        Packet {
            dir,
            flow: 0,
            proto: Proto::Tcp,
            bytes: 40 + len,
            ident: Ident::Segment {
                conn: 0,
                seq,
                len,
                flags: 0,
                n,
            },
        }
    }

    #[test]
    fn parse_defaults_to_both_directions_and_names_the_bad_field() {
        let c = cfg(PathFields {
            loss: Some("random 10%"),
            delay: Some("5ms"),
            ..Default::default()
        });
        assert_eq!(c.impair.direction, Where::Both);
        assert!((c.expected_round_trip_loss() - 0.19).abs() < 1e-12);
        assert_eq!(
            c.describe(),
            "loss random 10% (on both), 5ms each way",
            "{c:?}"
        );
        for (field, f) in [
            (
                "loss",
                PathFields {
                    loss: Some("sometimes"),
                    ..Default::default()
                },
            ),
            (
                "bandwidth",
                PathFields {
                    bandwidth: Some("fast"),
                    ..Default::default()
                },
            ),
            (
                "reorder",
                PathFields {
                    reorder: Some("10%"),
                    delay: Some("0ms"),
                    ..Default::default()
                },
            ),
            (
                "direction",
                PathFields {
                    direction: Some("sideways"),
                    ..Default::default()
                },
            ),
        ] {
            assert_eq!(PathConfig::parse(&f).unwrap_err().0, field);
        }
    }

    /// A link with only delay and bandwidth gives the arrivals the simulator's link always
    /// gave: the path adds nothing to the draws of a lossless link.
    #[test]
    fn a_lossless_path_is_the_link() {
        let c = cfg(PathFields {
            delay: Some("1ms 300us distribution normal"),
            bandwidth: Some("10mbit"),
            ..Default::default()
        });
        let mut path = Path::new(c.clone(), 3);
        let mut link = Link::new(c.link, 3);
        for seq in 0..500u32 {
            let now = Instant::from_micros(u64::from(seq) * 37);
            let p = time(Direction::Request, seq % 3, seq, 0);
            let got = path.cross(now, &p);
            let key = PacketKey {
                flow: seq % 3,
                seq: u64::from(seq),
                attempt: 0,
            };
            assert_eq!(
                got.arrivals,
                [Some(link.arrival(Direction::Request, key, 12, now)), None]
            );
            assert_eq!((got.fate, got.rule), (LinkFate::Delivered, "delay"));
        }
    }

    #[test]
    fn loss_rate_and_order_independence() {
        let c = cfg(PathFields {
            loss: Some("random 10%"),
            ..Default::default()
        });
        let packets: Vec<Packet> = (0..20_000u32)
            .map(|i| match i % 2 {
                0 => time(Direction::Request, i % 4, i / 8, 0),
                _ => segment(Direction::Reply, i * 1448, 1448, (i % 3) as u8),
            })
            .collect();
        let mut a = Path::new(c.clone(), 11);
        let forward: Vec<LinkFate> = packets
            .iter()
            .map(|p| a.cross(Instant::ZERO, p).fate)
            .collect();
        let mut b = Path::new(c, 11);
        let mut backward: Vec<LinkFate> = packets
            .iter()
            .rev()
            .map(|p| b.cross(Instant::ZERO, p).fate)
            .collect();
        backward.reverse();
        assert_eq!(forward, backward);
        let dropped = forward.iter().filter(|f| **f == LinkFate::Dropped).count();
        assert_binomial("link drops", dropped as u64, 20_000, 0.10);
        assert_eq!(
            a.counts().request.dropped + a.counts().reply.dropped,
            dropped as u64
        );
    }

    /// A retransmission is the next attempt of the same segment: its draw differs from the
    /// first crossing's, and the same (segment, occurrence) meets the same fate in another path.
    #[test]
    fn a_retransmission_gets_a_fresh_draw_of_its_own() {
        let c = cfg(PathFields {
            loss: Some("random 50%"),
            ..Default::default()
        });
        let mut a = Path::new(c.clone(), 5);
        let mut differ = 0;
        for seq in 0..400 {
            let first = a.cross(Instant::ZERO, &segment(Direction::Request, seq, 5, 0));
            let again = a.cross(Instant::ZERO, &segment(Direction::Request, seq, 5, 1));
            differ += usize::from(first.fate != again.fate);
        }
        // Independent draws at 50% disagree half the time; the same draw never would.
        assert!((120..280).contains(&differ), "{differ}");
        // The link's layer never shares streams with the server's [impair] of the same model.
        let mut server = Impairments::new(ImpairConfig::loss_only(c.impair.loss.unwrap()), 5);
        let mut link = Path::new(c, 5);
        let same = (0..400u32)
            .filter(|&seq| {
                let s = server
                    .decide(
                        Direction::Request,
                        PacketKey {
                            flow: 0,
                            seq: u64::from(seq),
                            attempt: 0,
                        },
                    )
                    .dropped;
                let l = link.cross(Instant::ZERO, &time(Direction::Request, 0, seq, 0));
                s == (l.fate == LinkFate::Dropped)
            })
            .count();
        assert!((120..280).contains(&same), "{same}");
    }

    #[test]
    fn duplicate_corrupt_and_reorder() {
        let c = cfg(PathFields {
            delay: Some("10ms"),
            duplicate: Some("100%"),
            ..Default::default()
        });
        let mut p = Path::new(c, 1);
        let now = Instant::from_micros(1_000);
        let x = p.cross(now, &time(Direction::Reply, 0, 0, 0));
        assert_eq!(x.fate, LinkFate::Duplicated);
        assert_eq!(x.arrivals, [Some(now + Duration::from_millis(10)); 2]);
        assert_eq!(p.counts().reply.duplicated, 1);

        let c = cfg(PathFields {
            corrupt: Some("100%"),
            ..Default::default()
        });
        let x = Path::new(c, 1).cross(now, &segment(Direction::Request, 0, 10, 0));
        assert_eq!(x.fate, LinkFate::Corrupted);
        assert!(x.corrupt_mask.is_some_and(|m| m.count_ones() == 1));
        assert!(!x.delivered());

        let c = cfg(PathFields {
            delay: Some("10ms"),
            reorder: Some("100%"),
            ..Default::default()
        });
        let x = Path::new(c, 1).cross(now, &time(Direction::Request, 0, 0, 0));
        assert_eq!((x.arrivals[0], x.rule), (Some(now), "reorder"));
    }

    /// A stateful model on TCP walks its chain in crossing order, and its long-run loss is the
    /// model's.
    #[test]
    fn stateful_models_follow_the_crossing_order() {
        let c = cfg(PathFields {
            loss: Some("gemodel 2% 20%"),
            direction: Some("request"),
            ..Default::default()
        });
        let expected = c.expected_loss(Direction::Request);
        let mut p = Path::new(c, 9);
        let n = 40_000u32;
        let dropped = (0..n)
            .filter(|&i| {
                let x = p.cross(Instant::ZERO, &segment(Direction::Request, i * 100, 100, 0));
                x.fate == LinkFate::Dropped
            })
            .count();
        // Bursty losses: a loose bound (the mean burst is 5 packets, so about 5x the variance).
        let sd = (f64::from(n) * expected * (1.0 - expected) * 10.0).sqrt();
        assert!(
            (dropped as f64 - f64::from(n) * expected).abs() < 4.0 * sd,
            "{dropped} vs {expected}"
        );
        assert_eq!(p.counts().reply.packets, 0);
    }

    #[test]
    fn idents_print_as_link_csv_keys() {
        assert_eq!(
            segment(Direction::Request, 1448, 5, 1).ident.to_string(),
            "conn=0 seq=1448 len=5 n=1"
        );
        let syn = Ident::Segment {
            conn: 2,
            seq: 0,
            len: 0,
            flags: SYN,
            n: 0,
        };
        assert_eq!(syn.to_string(), "conn=2 seq=0 len=0 syn n=0");
        assert_eq!(
            Ident::Ack {
                conn: 1,
                ack: 6,
                n: 2
            }
            .to_string(),
            "conn=1 ack=6 n=2"
        );
        assert_eq!(
            time(Direction::Request, 3, 7, 1).ident.to_string(),
            "seq=7 attempt=1"
        );
    }
}
