//! The standard time protocols as lossy servers: RFC 867 Daytime, RFC 868 Time and RFC 4330
//! SNTP over UDP, with the lab server's impairments.
//!
//! Every datagram is numbered in arrival order and meets the fate the lab's server gives a
//! plain datagram of that number ([`Impairments::decide_plain`], request then reply), so one
//! seed discards the same requests whichever protocol is served. A reply is made into bytes
//! when it leaves ([`ProtocolServer::poll_transmit`]), so an SNTP reply held by a delay carries
//! the time it really left as its transmit timestamp (T3), and the time its request arrived as
//! its receive timestamp (T2), as RFC 4330 §5 asks.
//!
//! SNTP rate limit: a request from an address that asked less than `min_interval` before gets
//! a kiss-o'-death `RATE` (RFC 4330 §8) instead of the time, and a request that is not an SNTP
//! client request (shorter than 48 bytes, mode not 3) is discarded and said so.
//!
//! Invariant: memory is bounded — at most [`MAX_TRACKED`] addresses in the rate table, and
//! held replies bounded by what arrives within the delay; parsing never panics.

use crate::impair::{Direction, Impairments};
use crate::server::time::{Action, Request, ServerEvent, ServerStats};
use crate::time::{Duration, Instant};
use crate::wire::sntp::{self, MODE_CLIENT, NtpPacket, NtpTime};
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::net::{IpAddr, SocketAddr};

/// Addresses the SNTP rate limit remembers at most.
pub const MAX_TRACKED: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// The lab's text reply (losslab's own protocol for its clients).
    Lab,
    /// RFC 867: a line of text; UDP and TCP.
    Daytime,
    /// RFC 868: 32-bit seconds since 1900; UDP and TCP.
    Time,
    /// RFC 4330 SNTP: NTP mode-4 replies; UDP.
    Sntp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Lab => "lab",
            Protocol::Daytime => "daytime",
            Protocol::Time => "time",
            Protocol::Sntp => "sntp",
        }
    }

    /// Whether the RFC also defines the protocol over TCP.
    pub fn has_tcp(self) -> bool {
        matches!(self, Protocol::Daytime | Protocol::Time)
    }

    /// The reply a TCP connection gets at `unix_us` (Daytime, Time), sent at once.
    pub fn tcp_reply(self, unix_us: i64) -> Option<Vec<u8>> {
        match self {
            Protocol::Daytime => {
                let mut out = Vec::new();
                sntp::encode_daytime(unix_us, &mut out);
                Some(out)
            }
            Protocol::Time => Some(sntp::encode_time(unix_us).to_vec()),
            _ => None,
        }
    }
}

/// A reply waiting to leave.
#[derive(Clone, Copy, Debug)]
struct Pending {
    to: SocketAddr,
    /// When the request arrived, µs since 1970 (T2).
    received_unix_us: i64,
    /// The SNTP request it answers.
    ntp: Option<NtpPacket>,
    kiss: bool,
    /// Byte `at` (mod the reply's length) XOR `mask`: the `corrupt` impairment.
    flip: Option<(u8, u8)>,
}

pub struct ProtocolServer {
    protocol: Protocol,
    impair: Impairments,
    epoch_unix_us: i64,
    min_interval: Duration,
    last_seen: FxHashMap<IpAddr, Instant>,
    held: BinaryHeap<Reverse<(Instant, u64)>>,
    pending: FxHashMap<u64, Pending>,
    ready: VecDeque<Pending>,
    order: u64,
    events: VecDeque<ServerEvent>,
    stats: ServerStats,
    pub kisses: u64,
}

impl ProtocolServer {
    pub fn new(
        protocol: Protocol,
        impair: Impairments,
        epoch_unix_us: i64,
        min_interval: Duration,
    ) -> Self {
        ProtocolServer {
            protocol,
            impair,
            epoch_unix_us,
            min_interval,
            last_seen: FxHashMap::default(),
            held: BinaryHeap::new(),
            pending: FxHashMap::default(),
            ready: VecDeque::new(),
            order: 0,
            events: VecDeque::new(),
            stats: ServerStats::default(),
            kisses: 0,
        }
    }

    pub fn stats(&self) -> ServerStats {
        self.stats
    }

    /// Whether `ip` asked within the last `min_interval` (and notes that it asks now).
    fn too_often(&mut self, now: Instant, ip: IpAddr) -> bool {
        if self.last_seen.len() >= MAX_TRACKED && !self.last_seen.contains_key(&ip) {
            let min = self.min_interval;
            self.last_seen.retain(|_, t| now.saturating_since(*t) < min);
            if self.last_seen.len() >= MAX_TRACKED {
                self.last_seen.clear();
            }
        }
        let before = self.last_seen.insert(ip, now);
        before.is_some_and(|t| now.saturating_since(t) < self.min_interval)
    }

    /// One datagram from `from` at `now`.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        let index = self.stats.plain;
        self.stats.plain += 1;
        self.stats.received += 1;
        let mut event = ServerEvent {
            at: now,
            from,
            request: Request::Plain { index },
            action: Action::Dropped,
            rule: "",
            delay: Duration::ZERO,
            state: None,
        };
        let ntp = match self.protocol {
            Protocol::Sntp => match NtpPacket::parse(datagram) {
                Some(p) if p.mode == MODE_CLIENT => Some(p),
                _ => {
                    event.rule = "not an SNTP client request";
                    self.stats.dropped += 1;
                    self.events.push_back(event);
                    return;
                }
            },
            _ => None,
        };
        let there = self.impair.decide_plain(Direction::Request, index);
        event.rule = there.rule;
        event.state = there.state;
        if there.dropped || there.corrupted {
            self.stats.dropped += 1;
            self.events.push_back(event);
            return;
        }
        let back = self.impair.decide_plain(Direction::Reply, index);
        event.state = event.state.or(back.state);
        if back.dropped {
            event.rule = back.rule;
            self.stats.dropped += 1;
            self.events.push_back(event);
            return;
        }
        // Only requests that reach the server count toward its rate limit.
        let kiss = ntp.is_some() && self.too_often(now, from.ip());
        self.kisses += u64::from(kiss);
        self.stats.answered += 1;
        let flip = back.corrupted.then(|| {
            self.stats.corrupted += 1;
            ((index * 7 % 251) as u8, 1 << (index % 7))
        });
        let p = Pending {
            to: from,
            received_unix_us: self.epoch_unix_us + now.as_micros() as i64,
            ntp,
            kiss,
            flip,
        };
        let delay = there.delay + back.delay;
        let copies = if there.duplicated || back.duplicated {
            self.stats.duplicated += 1;
            2
        } else {
            1
        };
        for _ in 0..copies {
            if delay == Duration::ZERO {
                self.ready.push_back(p);
            } else {
                self.pending.insert(self.order, p);
                self.held.push(Reverse((now + delay, self.order)));
                self.order += 1;
            }
        }
        if delay > Duration::ZERO {
            self.stats.delayed += 1;
        }
        event.delay = delay;
        event.action = if back.corrupted {
            Action::Corrupted
        } else if copies == 2 {
            Action::Duplicated
        } else if there.reordered || back.reordered {
            Action::Reordered
        } else if delay > Duration::ZERO {
            Action::Delayed
        } else {
            Action::Answered
        };
        event.rule = match kiss {
            true => "kiss-o'-death RATE",
            false => [back.rule, there.rule]
                .into_iter()
                .find(|r| !r.is_empty())
                .unwrap_or(""),
        };
        self.events.push_back(event);
    }

    /// The next reply due at `now`, as (destination, bytes); its SNTP transmit timestamp is
    /// `now`.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<(SocketAddr, Vec<u8>)> {
        while let Some(&Reverse((at, order))) = self.held.peek() {
            if at > now {
                break;
            }
            self.held.pop();
            let p = self.pending.remove(&order).expect("held");
            self.ready.push_back(p);
        }
        let p = self.ready.pop_front()?;
        let sent_unix_us = self.epoch_unix_us + now.as_micros() as i64;
        let mut bytes = match (self.protocol, p.ntp) {
            (Protocol::Sntp, Some(req)) => {
                let received = NtpTime::from_unix_us(p.received_unix_us);
                let sent = NtpTime::from_unix_us(sent_unix_us);
                let kiss = p.kiss.then_some(*b"RATE");
                NtpPacket::reply(&req, received, sent, kiss)
                    .encode()
                    .to_vec()
            }
            (Protocol::Time, _) => sntp::encode_time(p.received_unix_us).to_vec(),
            _ => {
                let mut out = Vec::new();
                sntp::encode_daytime(p.received_unix_us, &mut out);
                out
            }
        };
        if let Some((at, mask)) = p.flip {
            let i = usize::from(at) % bytes.len();
            bytes[i] ^= mask;
        }
        Some((p.to, bytes))
    }

    /// When the next held reply is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.held.peek().map(|Reverse((at, _))| *at)
    }

    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impair::ImpairConfig;

    fn server(protocol: Protocol, loss: Option<&str>) -> ProtocolServer {
        let cfg = ImpairConfig::parse(loss, None, None, None, None, None).unwrap();
        ProtocolServer::new(
            protocol,
            Impairments::new(cfg, 42),
            1_764_000_000_000_000,
            Duration::from_secs(1),
        )
    }

    fn from(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn sntp_replies_carry_t1_t2_t3_and_rate_kisses() {
        let mut s = server(Protocol::Sntp, None);
        let t1 = NtpTime::from_unix_us(1_764_000_000_000_000 - 3_000_000);
        let req = NtpPacket::request(t1).encode();
        s.handle_datagram(Instant::from_micros(10), from(1), &req);
        let (to, bytes) = s.poll_transmit(Instant::from_micros(25)).unwrap();
        assert_eq!(to, from(1));
        let r = NtpPacket::parse(&bytes).unwrap();
        assert_eq!((r.mode, r.stratum, r.originate), (4, 1, t1));
        assert_eq!(r.receive.to_unix_us(), 1_764_000_000_000_010);
        assert_eq!(r.transmit.to_unix_us(), 1_764_000_000_000_025);
        // Again 0.5 s later: too often.
        s.handle_datagram(Instant::from_micros(500_010), from(2), &req);
        let r = NtpPacket::parse(&s.poll_transmit(Instant::from_micros(500_020)).unwrap().1);
        assert_eq!(r.unwrap().kiss_code().as_deref(), Some("RATE"));
        // Not SNTP: discarded with a reason.
        s.handle_datagram(Instant::from_micros(600_000), from(3), b"hello");
        assert!(s.poll_transmit(Instant::from_micros(600_000)).is_none());
        let events: Vec<ServerEvent> = std::iter::from_fn(|| s.poll_event()).collect();
        assert_eq!(events[2].rule, "not an SNTP client request");
        assert_eq!(events[1].rule, "kiss-o'-death RATE");
    }

    /// The same seed discards the same datagram numbers as the lab's server does for plain
    /// datagrams.
    #[test]
    fn discards_are_the_lab_servers() {
        let cfg = ImpairConfig::parse(Some("random 50%"), None, None, None, None, None).unwrap();
        let mut lab =
            crate::server::time::TimeServer::with_impairments(Impairments::new(cfg, 42), 0);
        let mut s = server(Protocol::Time, Some("random 50%"));
        for i in 0..200 {
            lab.handle_datagram(Instant::ZERO, from(9), b"x");
            s.handle_datagram(Instant::ZERO, from(9), b"x");
            let a = lab.poll_event().unwrap().action;
            let b = s.poll_event().unwrap().action;
            assert_eq!(a, b, "datagram {i}");
        }
        let t = s.poll_transmit(Instant::ZERO).unwrap().1;
        assert_eq!(t, sntp::encode_time(1_764_000_000_000_000).to_vec());
    }
}
