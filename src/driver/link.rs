//! The live `[link]`: losslab forwards every IP packet between the run's two namespaces (see
//! [`super::netns`]) through the same sans-IO [`Path`] as the simulator, inside the run's one
//! mio loop.
//!
//! A packet read from the client side's TUN device is a request-direction packet, one read from
//! the server side's a reply-direction packet. Each is identified ([`Classifier`]), meets its
//! fate ([`Path::cross`]), is reported to the observer as a [`LinkEvent`], and — unless dropped —
//! waits in a timer queue (never a sleep) until its arrival instant, when it is written to the
//! other side's TUN device: twice when duplicated, with one bit of its last byte flipped when
//! corrupted (the receiving kernel's checksum then drops it, as on a wire). The kernels' own
//! TCP and UDP on both ends see a real, lossy link.
//!
//! Invariants: a packet is written at or after its arrival instant, never before; packets due
//! at the same instant leave in the order they were read; every packet read is either reported
//! to the observer or counted in [`LiveLink::ignored`] (packets that are not IPv4: the link is
//! an IPv4 link); memory in flight is bounded by what the kernels send within the link's delay.

use super::live::Observer;
use super::netns::{CLIENT_IP, PrivateNet};
use crate::impair::Direction;
use crate::impair::classify::Classifier;
use crate::impair::path::{Ident, LinkCounts, LinkEvent, Path, PathConfig};
use crate::time::Instant;
use crate::wire::time::RequestId;
use anyhow::{Context, Result};
use mio::unix::SourceFd;
use mio::{Interest, Poll, Token};
use rustc_hash::FxHashMap;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;

/// One end of the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

impl Side {
    fn index(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 1,
        }
    }

    fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }

    /// Packets read on this side travel in this direction.
    fn direction(self) -> Direction {
        match self {
            Side::Client => Direction::Request,
            Side::Server => Direction::Reply,
        }
    }
}

/// A packet on its way, due at `at`.
struct Queued {
    at: Instant,
    /// Read order: ties leave first in, first out.
    order: u64,
    to: Side,
    bytes: Vec<u8>,
}

impl PartialEq for Queued {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.order) == (other.at, other.order)
    }
}
impl Eq for Queued {}
impl PartialOrd for Queued {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Queued {
    /// Reversed: `BinaryHeap` is a max-heap and the earliest packet must come out first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.order).cmp(&(self.at, self.order))
    }
}

/// Who owns a client-side TCP port: the client's id and the attempt its connection carries.
pub type PortOwner<'a> = &'a dyn Fn(u16) -> Option<(u32, Option<RequestId>)>;

pub struct LiveLink {
    /// Declared first so that it drops last: the thread goes home after the devices close.
    tuns: [File; 2],
    net: PrivateNet,
    path: Path,
    classifier: Classifier,
    queue: BinaryHeap<Queued>,
    order: u64,
    /// Buffers of delivered packets, kept for the next ones.
    spare: Vec<Vec<u8>>,
    /// Client-side UDP ports of the run's clients: port → client id.
    ports: FxHashMap<u16, u32>,
    ignored: u64,
}

impl LiveLink {
    /// Builds the private network (the calling thread is left in its client namespace, see
    /// [`PrivateNet::build`]) and the path that the packets cross.
    pub fn new(config: PathConfig, seed: u64) -> Result<LiveLink> {
        let mut net = PrivateNet::build()?;
        let (client, server) = net.take_tuns().context(crate::tr!("link-tuns-gone"))?;
        Ok(LiveLink {
            tuns: [client, server],
            net,
            path: Path::new(config, seed),
            classifier: Classifier::default(),
            queue: BinaryHeap::new(),
            order: 0,
            spare: Vec::new(),
            ports: FxHashMap::default(),
            ignored: 0,
        })
    }

    /// Registers both TUN devices for reading.
    pub fn register(&self, poll: &Poll, client: Token, server: Token) -> io::Result<()> {
        for (tun, token) in self.tuns.iter().zip([client, server]) {
            poll.registry()
                .register(&mut SourceFd(&tun.as_raw_fd()), token, Interest::READABLE)?;
        }
        Ok(())
    }

    /// Runs `f` in the server's namespace (see [`PrivateNet::in_server`]).
    pub fn in_server<T>(&self, f: impl FnOnce() -> T) -> Result<T> {
        self.net.in_server(f)
    }

    /// The inode numbers of the (client, server) namespaces (see
    /// [`PrivateNet::namespace_inodes`]).
    pub fn namespace_inodes(&self) -> io::Result<[u64; 2]> {
        self.net.namespace_inodes()
    }

    /// Says that client-side UDP port `port` belongs to client `client`.
    pub fn add_client_port(&mut self, port: u16, client: u32) {
        self.ports.insert(port, client);
    }

    pub fn config(&self) -> &PathConfig {
        self.path.config()
    }

    /// What crossed so far, per direction.
    pub fn counts(&self) -> LinkCounts {
        self.path.counts()
    }

    /// Packets read that were not IPv4 and were not forwarded.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }

    /// When the next packet on its way arrives.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.queue.peek().map(|q| q.at)
    }

    /// Writes every packet whose arrival instant has come to its side's device.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<()> {
        while self.queue.peek().is_some_and(|q| q.at <= now) {
            let q = self.queue.pop().expect("peeked");
            let tun = &self.tuns[q.to.index()];
            match write_packet(tun, &q.bytes) {
                Ok(()) => self.spare.push(q.bytes),
                // The device's queue is full: the packet waits (it is due, so the loop comes
                // back to it at once) rather than being lost without a decision of the path.
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    self.queue.push(q);
                    return Ok(());
                }
                Err(e) => {
                    return Err(e).with_context(|| {
                        crate::tr!("link-tun-write", side = format!("{:?}", q.to))
                    });
                }
            }
        }
        Ok(())
    }

    /// Reads every packet waiting on `side`'s device and sends each across the path.
    pub fn drain(
        &mut self,
        side: Side,
        now: Instant,
        buf: &mut [u8],
        tcp_owner: PortOwner,
        observer: &mut dyn Observer,
    ) -> Result<()> {
        loop {
            let n = match (&self.tuns[side.index()]).read(buf) {
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(e)
                        .with_context(|| crate::tr!("link-tun-read", side = format!("{side:?}")));
                }
            };
            self.cross(side, now, &buf[..n], tcp_owner, observer)?;
        }
    }

    fn cross(
        &mut self,
        side: Side,
        now: Instant,
        ip: &[u8],
        tcp_owner: PortOwner,
        observer: &mut dyn Observer,
    ) -> Result<()> {
        let ports = &self.ports;
        let flow_of = |addr: SocketAddr| match addr.ip() {
            IpAddr::V4(ip) if ip == CLIENT_IP => ports
                .get(&addr.port())
                .copied()
                .or_else(|| tcp_owner(addr.port()).map(|(client, _)| client)),
            _ => None,
        };
        let Some(c) = self.classifier.classify(side.direction(), ip, flow_of) else {
            self.ignored += 1;
            return Ok(());
        };
        let crossing = self.path.cross(now, &c.packet);
        let request = match c.packet.ident {
            Ident::Time(id) => Some(id),
            _ => c
                .conn
                .and_then(|(client, _)| tcp_owner(client.port()))
                .and_then(|(_, request)| request),
        };
        observer
            .link_event(&LinkEvent {
                at: now,
                packet: c.packet,
                crossing,
                request,
            })
            .context(crate::tr!("err-write-row", file = "link.csv"))?;
        for at in crossing.arrivals.into_iter().flatten() {
            let mut bytes = self.spare.pop().unwrap_or_default();
            bytes.clear();
            bytes.extend_from_slice(ip);
            if let (Some(mask), Some(last)) = (crossing.corrupt_mask, bytes.last_mut()) {
                *last ^= mask;
            }
            self.queue.push(Queued {
                at,
                order: self.order,
                to: side.other(),
                bytes,
            });
            self.order += 1;
        }
        Ok(())
    }
}

/// Writes one whole packet (a TUN device takes one packet per write).
fn write_packet(mut tun: &File, bytes: &[u8]) -> io::Result<()> {
    loop {
        match tun.write(bytes) {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}
