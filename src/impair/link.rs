//! The simulated network path between the clients and the server: how long a datagram takes
//! from the moment one side sends it to the moment the other side reads it.
//!
//! Owns the `[link]` table of a scenario, used in sim mode only (a live run's path is the
//! machine's loopback). Each direction is one link with:
//! - a one-way propagation `delay`, in netem's syntax `T [J] [distribution D]` (the same
//!   [`DelayModel`] the server's delay impairment uses): each datagram travels `T + J·t`, t drawn
//!   from the distribution;
//! - an optional `bandwidth`: a datagram occupies its direction's transmitter for
//!   `(payload + 28 bytes of IPv4 and UDP headers) · 8 / bandwidth` seconds, first come first
//!   served, so a burst queues behind itself (serialization delay, a FIFO per direction).
//!
//! A datagram reaches the far end when its last bit has left the transmitter plus its
//! propagation delay. Jitter can make a later datagram overtake an earlier one, as netem's does.
//! The link never loses, duplicates or alters a datagram: loss stays the server's impairment,
//! so a simulated run and a live run drop the same packets.
//!
//! Default, when the scenario has no `[link]`: 50 µs each way, no jitter, no bandwidth limit
//! (about a loopback round trip on an idle machine).
//!
//! Invariant (the reproducibility rule): a datagram's propagation delay is a pure function of
//! (seed, direction, client, seq, attempt), drawn with [`KeyedDraw`] under its own
//! [`Purpose`] per direction, never from a stream consumed in arrival order. Serialization
//! depends on what went before in the same direction, which in a simulation is itself a
//! function of the seed, so the whole arrival time is too. Time in the transmitter is kept in
//! nanoseconds so that rounding never accumulates across datagrams; arrivals are rounded up
//! to the microsecond.

use super::delay::DelayModel;
use super::spec::{SpecError, parse_delay};
use super::{Direction, KeyedDraw, PacketKey, Purpose};
use crate::time::{Duration, Instant};
use serde::Serialize;

/// IPv4 (20 bytes) and UDP (8 bytes) headers, counted on the wire for `bandwidth`.
pub const HEADER_BYTES: u64 = 28;

/// The link used when a scenario has no `[link]` table.
pub const DEFAULT_DELAY: Duration = Duration::from_micros(50);

/// A scenario's `[link]`, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LinkConfig {
    /// One-way propagation delay and its jitter, the same in both directions.
    #[serde(flatten)]
    pub delay: DelayModel,
    /// Bits per second each direction carries; `None` = unlimited (no serialization delay).
    #[serde(rename = "bandwidth_bps")]
    pub bandwidth: Option<u64>,
}

impl Default for LinkConfig {
    fn default() -> Self {
        LinkConfig {
            delay: DelayModel::constant(DEFAULT_DELAY),
            bandwidth: None,
        }
    }
}

impl LinkConfig {
    /// Parses the `[link]` fields; an absent field takes its default (50us, unlimited).
    pub fn parse(delay: Option<&str>, bandwidth: Option<&str>) -> Result<LinkConfig, SpecError> {
        let delay = match delay {
            Some(spec) => parse_delay(spec)?,
            None => DelayModel::constant(DEFAULT_DELAY),
        };
        let bandwidth = bandwidth.map(parse_bandwidth).transpose()?;
        Ok(LinkConfig { delay, bandwidth })
    }

    /// A person's reading: `50us each way`, `1ms 200us distribution normal each way, 100mbit`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} each way", self.delay.spec());
        if let Some(b) = self.bandwidth {
            s += &format!(", {}", format_bandwidth(b));
        }
        s
    }

    /// [`Self::describe`] in the user's language, for console lines (`describe` itself is
    /// recorded in summary.json).
    pub fn describe_console(&self) -> String {
        let mut s = crate::tr!("link-each-way", delay = self.delay.spec());
        if let Some(b) = self.bandwidth {
            s += &format!(", {}", format_bandwidth(b));
        }
        s
    }

    /// Serialization time of a datagram with `payload` bytes, in nanoseconds (0 if unlimited).
    pub fn serialization_ns(&self, payload: usize) -> u64 {
        match self.bandwidth {
            None => 0,
            Some(bps) => {
                let bits = (payload as u128 + u128::from(HEADER_BYTES)) * 8;
                (bits * 1_000_000_000).div_ceil(u128::from(bps)) as u64
            }
        }
    }
}

/// Parses a rate in tc's units: `bit`, `kbit`, `mbit`, `gbit`, `tbit` (bits per second) or
/// `bps`, `kbps`, `mbps`, `gbps`, `tbps` (bytes per second), with SI prefixes (k = 1000), case
/// ignored: `"100mbit"`, `"1.5gbit"`, `"125kbps"`.
pub fn parse_bandwidth(spec: &str) -> Result<u64, SpecError> {
    let err = |m: String| SpecError::new(spec, m);
    let t = spec.trim().to_ascii_lowercase();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| err(crate::tr!("scenario-bandwidth-not-rate")))?;
    let (prefix, per) = if let Some(p) = unit.strip_suffix("bit") {
        (p, 1.0)
    } else if let Some(p) = unit.strip_suffix("bps") {
        (p, 8.0)
    } else if unit.is_empty() {
        return Err(err(crate::tr!("scenario-bandwidth-no-unit")));
    } else {
        return Err(err(crate::tr!("scenario-bandwidth-unit", unit = unit)));
    };
    let scale = match prefix {
        "" => 1.0,
        "k" => 1e3,
        "m" => 1e6,
        "g" => 1e9,
        "t" => 1e12,
        other => {
            return Err(err(crate::tr!("scenario-bandwidth-prefix", prefix = other)));
        }
    };
    let bps = (value * scale * per).round();
    if !(1.0..=1e15).contains(&bps) {
        return Err(err(crate::tr!("scenario-bandwidth-range")));
    }
    Ok(bps as u64)
}

/// Bits per second in tc's largest exact unit: `100mbit`, `1500kbit`, `12bit`.
pub fn format_bandwidth(bps: u64) -> String {
    for (scale, unit) in [
        (1_000_000_000, "gbit"),
        (1_000_000, "mbit"),
        (1_000, "kbit"),
    ] {
        if bps.is_multiple_of(scale) {
            return format!("{}{unit}", bps / scale);
        }
    }
    format!("{bps}bit")
}

/// Both directions of the simulated path, with their keyed delay draws and transmitters.
pub struct Link {
    config: LinkConfig,
    draw: KeyedDraw,
    /// When each direction's transmitter is free again, in ns since the run started
    /// (index: [`dir_index`]).
    free_at_ns: [u64; 2],
    /// The one-way time when every datagram takes the same (no jitter, no bandwidth limit):
    /// answered at once, the common case.
    fixed: Option<Duration>,
}

fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::Request => 0,
        Direction::Reply => 1,
    }
}

impl Link {
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        let fixed = (config.delay.jitter == Duration::ZERO && config.bandwidth.is_none())
            .then_some(config.delay.delay);
        Link {
            config,
            draw: KeyedDraw::new(seed),
            free_at_ns: [0; 2],
            fixed,
        }
    }

    pub fn config(&self) -> &LinkConfig {
        &self.config
    }

    /// Whether arrival times depend on the packet's key (only jitter draws from it); without
    /// jitter a caller may pass any key.
    pub fn needs_key(&self) -> bool {
        self.config.delay.jitter != Duration::ZERO
    }

    /// The propagation delay of packet `key` in `dir`: its own keyed draw, nothing else.
    pub fn propagation(&mut self, dir: Direction, key: PacketKey) -> Duration {
        let model = &self.config.delay;
        if model.jitter == Duration::ZERO {
            return model.delay;
        }
        let purpose = match dir {
            Direction::Request => Purpose::LinkRequestDelay,
            Direction::Reply => Purpose::LinkReplyDelay,
        };
        model.sample(self.draw.uniform(purpose, key))
    }

    /// A datagram of `len` bytes handed to the link at `now` in `dir`: when it reaches the far
    /// end. Never earlier than `now`.
    pub fn arrival(&mut self, dir: Direction, key: PacketKey, len: usize, now: Instant) -> Instant {
        self.arrival_with(dir, key, len, now, false)
    }

    /// [`Link::arrival`]; with `skip_delay` the datagram skips the propagation delay (netem's
    /// reorder: it overtakes those held before it) but still queues for the transmitter.
    pub fn arrival_with(
        &mut self,
        dir: Direction,
        key: PacketKey,
        len: usize,
        now: Instant,
        skip_delay: bool,
    ) -> Instant {
        if let Some(delay) = self.fixed {
            return now + if skip_delay { Duration::ZERO } else { delay };
        }
        let propagation = match skip_delay {
            true => Duration::ZERO,
            false => self.propagation(dir, key),
        };
        let left = match self.config.bandwidth {
            None => now,
            Some(_) => {
                let free = &mut self.free_at_ns[dir_index(dir)];
                let start = (*free).max(now.as_micros() * 1_000);
                *free = start + self.config.serialization_ns(len);
                Instant::from_micros(free.div_ceil(1_000))
            }
        };
        left + propagation
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impair::delay::Distribution;
    use crate::metrics::stats::Z999;

    fn key(flow: u32, seq: u64, attempt: u8) -> PacketKey {
        PacketKey { flow, seq, attempt }
    }

    fn us(v: u64) -> Instant {
        Instant::from_micros(v)
    }

    #[test]
    fn default_is_50us_each_way_unlimited() {
        let c = LinkConfig::parse(None, None).unwrap();
        assert_eq!(c, LinkConfig::default());
        assert_eq!(c.describe(), "50us each way");
        let mut link = Link::new(c, 1);
        for seq in 0..100 {
            let at = link.arrival(Direction::Request, key(0, seq, 0), 40, us(1_000));
            assert_eq!(at, us(1_050));
            let at = link.arrival(Direction::Reply, key(3, seq, 1), 70, us(7));
            assert_eq!(at, us(57));
        }
    }

    #[test]
    fn bandwidth_units_follow_tc() {
        assert_eq!(parse_bandwidth("100mbit"), Ok(100_000_000));
        assert_eq!(parse_bandwidth("1.5Gbit"), Ok(1_500_000_000));
        assert_eq!(parse_bandwidth("125kbps"), Ok(1_000_000));
        assert_eq!(parse_bandwidth("8bit"), Ok(8));
        assert_eq!(parse_bandwidth(" 2bps "), Ok(16));
        assert!(
            parse_bandwidth("100")
                .unwrap_err()
                .message
                .contains("no unit")
        );
        assert!(
            parse_bandwidth("100mb")
                .unwrap_err()
                .message
                .contains("unknown unit")
        );
        assert!(
            parse_bandwidth("3xbit")
                .unwrap_err()
                .message
                .contains("unknown prefix")
        );
        assert!(
            parse_bandwidth("fast")
                .unwrap_err()
                .message
                .contains("not a rate")
        );
        assert!(
            parse_bandwidth("0bit")
                .unwrap_err()
                .message
                .contains("out of range")
        );
        assert_eq!(format_bandwidth(100_000_000), "100mbit");
        assert_eq!(format_bandwidth(1_500_000), "1500kbit");
        assert_eq!(format_bandwidth(12), "12bit");
        for bps in [100_000_000, 1_500_000, 12, 1_000_000_000] {
            assert_eq!(parse_bandwidth(&format_bandwidth(bps)), Ok(bps));
        }
    }

    #[test]
    fn delay_spec_errors_are_netems() {
        let e = LinkConfig::parse(Some("50"), None).unwrap_err();
        assert!(e.message.contains("no unit"), "{e}");
        let e = LinkConfig::parse(Some("1ms distribution normal"), None).unwrap_err();
        assert!(e.message.contains("needs a delay and a jitter"), "{e}");
    }

    /// 1 mbit/s: a 100-byte payload is 128 bytes on the wire, 1024 bits, 1.024 ms. Three sent
    /// at once leave one after another; one sent after the queue drained waits for nobody; the
    /// other direction has its own transmitter.
    #[test]
    fn bandwidth_serializes_fifo_per_direction() {
        let c = LinkConfig::parse(Some("100us"), Some("1mbit")).unwrap();
        assert_eq!(c.serialization_ns(100), 1_024_000);
        let mut link = Link::new(c, 1);
        let req = Direction::Request;
        let arrivals: Vec<u64> = (0..3)
            .map(|s| link.arrival(req, key(0, s, 0), 100, us(0)).as_micros())
            .collect();
        assert_eq!(arrivals, [1_124, 2_148, 3_172]);
        // The reply direction is idle.
        let back = link.arrival(Direction::Reply, key(0, 0, 0), 100, us(0));
        assert_eq!(back, us(1_124));
        // After the queue drained (at 3.072 ms), a new datagram starts at once.
        let later = link.arrival(req, key(0, 9, 0), 100, us(10_000));
        assert_eq!(later, us(11_124));
        // Sub-microsecond serialization does not round away: 1000 datagrams of 97 bytes at
        // 1 gbit/s take 1000 x 1000 ns = exactly 1 ms of transmitter time.
        let c = LinkConfig::parse(Some("0us"), Some("1gbit")).unwrap();
        let mut link = Link::new(c, 1);
        let last = (0..1000)
            .map(|s| link.arrival(req, key(0, s, 0), 97, us(0)))
            .max()
            .unwrap();
        assert_eq!(last, us(1_000));
    }

    /// The jitter draw is the packet's own: the same key gives the same delay whatever was
    /// asked before, directions and attempts differ, and the delays have the model's moments.
    #[test]
    fn jitter_is_keyed_per_packet_and_has_the_models_moments() {
        let c = LinkConfig::parse(Some("1ms 100us distribution normal"), None).unwrap();
        assert_eq!(c.delay.distribution, Distribution::Normal);
        let mut a = Link::new(c, 5);
        let mut b = Link::new(c, 5);
        let keys: Vec<PacketKey> = (0..500).map(|s| key(s % 7, u64::from(s), 0)).collect();
        let forward: Vec<Duration> = keys
            .iter()
            .map(|k| a.propagation(Direction::Request, *k))
            .collect();
        let mut backward: Vec<Duration> = keys
            .iter()
            .rev()
            .map(|k| b.propagation(Direction::Request, *k))
            .collect();
        backward.reverse();
        assert_eq!(forward, backward);
        let k = key(1, 2, 0);
        let req = a.propagation(Direction::Request, k);
        assert_ne!(req, a.propagation(Direction::Reply, k));
        assert_ne!(req, a.propagation(Direction::Request, key(1, 2, 1)));
        assert_ne!(
            req,
            Link::new(c, 6).propagation(Direction::Request, k),
            "another seed"
        );
        // 20,000 draws of N(1000, 100) µs (rounded to whole µs: variance + 1/12): the mean within
        // 3.29 σ/√n of 1000.
        let n = 20_000u64;
        let sum: u64 = (0..n)
            .map(|i| {
                a.propagation(Direction::Reply, key((i % 4) as u32, i / 4, 0))
                    .as_micros()
            })
            .sum();
        let mean = sum as f64 / n as f64;
        let bound = Z999 * (100.0f64 * 100.0 + 1.0 / 12.0).sqrt() / (n as f64).sqrt();
        assert!((mean - 1000.0).abs() < bound, "mean {mean} ± {bound}");
    }
}
