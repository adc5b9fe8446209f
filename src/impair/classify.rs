//! From an IPv4 packet's bytes to the identity the [`super::path`] keys its fate by.
//!
//! Used wherever packets cross the path as bytes: TCP segments in the simulator (smoltcp on both
//! ends) and every packet of the live TUN link. Headers are read with smoltcp's `wire` parsers.
//!
//! Owns the per-connection bookkeeping the identity needs: which connection of its flow a TCP
//! 4-tuple is (numbered in the order their SYNs cross), each direction's initial sequence number
//! (so sequence numbers are relative and a rerun whose kernel picked other ISNs gets the same
//! identities), and how many times each segment crossed (so a retransmission is the next
//! occurrence). Plain datagrams are numbered per (flow, direction).
//!
//! Invariants: the same sequence of packets gives the same identities; memory is bounded
//! (connections seen to close are forgotten once more than [`KEEP_CLOSED`] have closed since;
//! connections never seen to close are forgotten oldest first beyond [`MAX_CONNS`]).

use super::Direction;
use super::path::{FIN, Ident, Packet, Proto, RST, SYN};
use crate::wire::time as wire;
use rustc_hash::FxHashMap;
use smoltcp::wire::{IpProtocol, Ipv4Packet, TcpPacket, UdpPacket};
use std::collections::VecDeque;
use std::net::{SocketAddr, SocketAddrV4};

/// Closed connections kept for their late retransmissions (a FIN resent in TIME_WAIT).
pub const KEEP_CLOSED: usize = 1024;
/// Most connections tracked at once.
pub const MAX_CONNS: usize = 65_536;
/// The flow of traffic whose client the run does not know.
pub const UNKNOWN_FLOW: u32 = u32::MAX;

/// A TCP connection's endpoints: the client's, then the server's.
pub type ConnKey = (SocketAddrV4, SocketAddrV4);

struct Conn {
    /// Which connection of its flow (0 for the first SYN the flow sent).
    number: u32,
    /// Initial sequence number per direction (request = client's).
    isn: [Option<u32>; 2],
    /// Crossings so far of each (kind, a, b, flags) in each direction.
    seen: FxHashMap<(Direction, u8, u32, u32, u8), u8>,
    /// FIN seen per direction; an RST closes at once.
    fin: [bool; 2],
    /// Already in `closed` (a flag, so that the packets after closing cost no search there).
    closed: bool,
    /// When the connection was first seen (for eviction order).
    born: u64,
}

/// A classified packet and where it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Classified {
    pub packet: Packet,
    /// The client side's address (the source of a request, the destination of a reply).
    pub client: SocketAddrV4,
    /// The TCP connection the packet belongs to.
    pub conn: Option<ConnKey>,
}

#[derive(Default)]
pub struct Classifier {
    conns: FxHashMap<ConnKey, Conn>,
    next_conn: FxHashMap<u32, u32>,
    plain: FxHashMap<(u32, Direction), u64>,
    closed: VecDeque<ConnKey>,
    born: u64,
}

fn side(dir: Direction) -> usize {
    match dir {
        Direction::Request => 0,
        Direction::Reply => 1,
    }
}

impl Classifier {
    /// Identifies the IPv4 packet `ip` crossing in `dir` (requests go from a client to the
    /// server). `flow_of` names the client (its index in the run) behind a client-side address.
    /// `None` when `ip` is not an IPv4 packet.
    pub fn classify(
        &mut self,
        dir: Direction,
        ip: &[u8],
        flow_of: impl Fn(SocketAddr) -> Option<u32>,
    ) -> Option<Classified> {
        let packet = Ipv4Packet::new_checked(ip).ok()?;
        let (src, dst) = (packet.src_addr(), packet.dst_addr());
        let bytes = u32::try_from(ip.len()).unwrap_or(u32::MAX);
        let payload = packet.payload();
        let ports = |s: u16, d: u16| {
            let (s, d) = (SocketAddrV4::new(src, s), SocketAddrV4::new(dst, d));
            match dir {
                Direction::Request => (s, d),
                Direction::Reply => (d, s),
            }
        };
        let (client, proto, ident, conn) = match packet.next_header() {
            IpProtocol::Tcp => match TcpPacket::new_checked(payload) {
                Ok(tcp) => {
                    let (client, server) = ports(tcp.src_port(), tcp.dst_port());
                    let flow = flow_of(SocketAddr::V4(client)).unwrap_or(UNKNOWN_FLOW);
                    match self.segment(dir, (client, server), flow, &tcp) {
                        Some(ident) => (client, Proto::Tcp, Some(ident), Some((client, server))),
                        None => (client, Proto::Tcp, None, Some((client, server))),
                    }
                }
                Err(_) => (ports(0, 0).0, Proto::Tcp, None, None),
            },
            IpProtocol::Udp => match UdpPacket::new_checked(payload) {
                Ok(udp) => {
                    let (client, _) = ports(udp.src_port(), udp.dst_port());
                    let id = match dir {
                        Direction::Request => wire::parse_request(udp.payload()),
                        Direction::Reply => wire::parse_reply_id(udp.payload()),
                    };
                    match id {
                        Some(id) => (client, Proto::UdpTime, Some(Ident::Time(id)), None),
                        None => (client, Proto::Udp, None, None),
                    }
                }
                Err(_) => (ports(0, 0).0, Proto::Udp, None, None),
            },
            _ => (ports(0, 0).0, Proto::Other, None, None),
        };
        let flow = flow_of(SocketAddr::V4(client)).unwrap_or(match ident {
            Some(Ident::Time(id)) => id.client,
            _ => UNKNOWN_FLOW,
        });
        let ident = match ident {
            Some(i) => i,
            None => {
                let n = self.plain.entry((flow, dir)).or_insert(0);
                *n += 1;
                Ident::Plain { index: *n - 1 }
            }
        };
        Some(Classified {
            packet: Packet {
                dir,
                flow,
                proto,
                bytes,
                ident,
            },
            client,
            conn,
        })
    }

    /// The identity of a TCP segment, `None` for a segment of a connection whose SYN never
    /// crossed (it is then keyed as a plain packet).
    fn segment(
        &mut self,
        dir: Direction,
        key: ConnKey,
        flow: u32,
        tcp: &TcpPacket<&[u8]>,
    ) -> Option<Ident> {
        let seq = tcp.seq_number().0 as u32;
        if tcp.syn() && !tcp.ack() && dir == Direction::Request {
            let fresh = self.conns.get(&key).is_none_or(|c| c.isn[0] != Some(seq));
            if fresh {
                self.open(key, flow, seq);
            }
        }
        let conn = self.conns.get_mut(&key)?;
        if tcp.syn() && tcp.ack() && dir == Direction::Reply && conn.isn[1].is_none() {
            conn.isn[1] = Some(seq);
        }
        let own = conn.isn[side(dir)]?;
        let rel_seq = seq.wrapping_sub(own);
        let len = tcp.payload().len() as u32;
        let flags = [(tcp.syn(), SYN), (tcp.fin(), FIN), (tcp.rst(), RST)]
            .iter()
            .filter(|(on, _)| *on)
            .fold(0, |f, (_, bit)| f | bit);
        let (kind, a, b) = match (len, flags) {
            (0, 0) => {
                let other = conn.isn[1 - side(dir)].unwrap_or(0);
                (2, (tcp.ack_number().0 as u32).wrapping_sub(other), 0)
            }
            _ => (1, rel_seq, len),
        };
        let n = conn.seen.entry((dir, kind, a, b, flags)).or_insert(0);
        let occurrence = *n;
        *n = n.saturating_add(1);
        let number = conn.number;
        if tcp.fin() {
            conn.fin[side(dir)] = true;
        }
        if tcp.rst() || conn.fin == [true, true] {
            self.close(key);
        }
        Some(match kind {
            2 => Ident::Ack {
                conn: number,
                ack: a,
                n: occurrence,
            },
            _ => Ident::Segment {
                conn: number,
                seq: a,
                len: b,
                flags,
                n: occurrence,
            },
        })
    }

    fn open(&mut self, key: ConnKey, flow: u32, isn: u32) {
        if self.conns.len() >= MAX_CONNS {
            // Forget the oldest connection: its late packets become plain ones.
            if let Some(oldest) = self
                .conns
                .iter()
                .min_by_key(|(_, c)| c.born)
                .map(|(k, _)| *k)
            {
                self.conns.remove(&oldest);
            }
        }
        let next = self.next_conn.entry(flow).or_insert(0);
        let number = *next;
        *next += 1;
        self.born += 1;
        self.conns.insert(
            key,
            Conn {
                number,
                isn: [Some(isn), None],
                seen: FxHashMap::default(),
                fin: [false; 2],
                closed: false,
                born: self.born,
            },
        );
    }

    fn close(&mut self, key: ConnKey) {
        match self.conns.get_mut(&key) {
            Some(c) if !c.closed => c.closed = true,
            _ => return,
        }
        self.closed.push_back(key);
        if self.closed.len() > KEEP_CLOSED
            && let Some(old) = self.closed.pop_front()
        {
            self.conns.remove(&old);
        }
    }

    /// Connections tracked now.
    pub fn tracked(&self) -> usize {
        self.conns.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use smoltcp::phy::ChecksumCapabilities;
    use smoltcp::wire::{IpAddress, Ipv4Repr, TcpControl, TcpRepr, TcpSeqNumber};
    use std::net::Ipv4Addr;

    const C: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 2);
    const S: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

    /// An IPv4+TCP packet from `src` to `dst`.
    fn tcp(
        src: (Ipv4Addr, u16),
        dst: (Ipv4Addr, u16),
        control: TcpControl,
        seq: u32,
        ack: Option<u32>,
        payload: &[u8],
    ) -> Vec<u8> {
        let repr = TcpRepr {
            src_port: src.1,
            dst_port: dst.1,
            control,
            seq_number: TcpSeqNumber(seq as i32),
            ack_number: ack.map(|a| TcpSeqNumber(a as i32)),
            window_len: 1000,
            window_scale: None,
            max_seg_size: None,
            sack_permitted: false,
            sack_ranges: [None; 3],
            timestamp: None,
            payload,
        };
        let ip = Ipv4Repr {
            src_addr: src.0,
            dst_addr: dst.0,
            next_header: IpProtocol::Tcp,
            payload_len: repr.buffer_len(),
            hop_limit: 64,
        };
        let mut buf = vec![0u8; ip.buffer_len() + repr.buffer_len()];
        let caps = ChecksumCapabilities::default();
        let mut p = Ipv4Packet::new_unchecked(&mut buf[..]);
        ip.emit(&mut p, &caps);
        let mut t = TcpPacket::new_unchecked(p.payload_mut());
        repr.emit(
            &mut t,
            &IpAddress::Ipv4(src.0),
            &IpAddress::Ipv4(dst.0),
            &caps,
        );
        buf
    }

    fn flow_of(a: SocketAddr) -> Option<u32> {
        (a.ip() == std::net::IpAddr::V4(C)).then(|| u32::from(a.port() - 40_000))
    }

    #[test]
    fn tcp_identities_are_relative_and_count_retransmissions() {
        let mut c = Classifier::default();
        let cl = (C, 40_001);
        let sv = (S, 7);
        let mut id = |dir, bytes: Vec<u8>| c.classify(dir, &bytes, flow_of).unwrap();
        let syn = id(
            Direction::Request,
            tcp(cl, sv, TcpControl::Syn, 5000, None, b""),
        );
        assert_eq!(syn.packet.flow, 1);
        assert_eq!(syn.packet.ident.to_string(), "conn=0 seq=0 len=0 syn n=0");
        let again = id(
            Direction::Request,
            tcp(cl, sv, TcpControl::Syn, 5000, None, b""),
        );
        assert_eq!(again.packet.ident.to_string(), "conn=0 seq=0 len=0 syn n=1");
        let synack = id(
            Direction::Reply,
            tcp(sv, cl, TcpControl::Syn, 90_000, Some(5001), b""),
        );
        assert_eq!(
            synack.packet.ident.to_string(),
            "conn=0 seq=0 len=0 syn n=0"
        );
        let data = id(
            Direction::Request,
            tcp(cl, sv, TcpControl::Psh, 5001, Some(90_001), b"hello"),
        );
        assert_eq!(data.packet.ident.to_string(), "conn=0 seq=1 len=5 n=0");
        assert_eq!(
            data.conn,
            Some((SocketAddrV4::new(C, 40_001), SocketAddrV4::new(S, 7)))
        );
        let ack = id(
            Direction::Reply,
            tcp(sv, cl, TcpControl::None, 90_001, Some(5006), b""),
        );
        assert_eq!(ack.packet.ident.to_string(), "conn=0 ack=6 n=0");
        let dup = id(
            Direction::Reply,
            tcp(sv, cl, TcpControl::None, 90_001, Some(5006), b""),
        );
        assert_eq!(dup.packet.ident.to_string(), "conn=0 ack=6 n=1");
        // A second connection of the same client, with another ISN, is conn 1 and counts from 0.
        let syn2 = id(
            Direction::Request,
            tcp((C, 40_001), (S, 8), TcpControl::Syn, 77, None, b""),
        );
        assert_eq!(syn2.packet.ident.to_string(), "conn=1 seq=0 len=0 syn n=0");
        // A segment of a connection whose SYN never crossed is a plain packet.
        let stray = id(
            Direction::Request,
            tcp((C, 40_002), sv, TcpControl::None, 1, Some(1), b"x"),
        );
        assert_eq!(stray.packet.ident, Ident::Plain { index: 0 });
        assert_eq!(stray.packet.proto, Proto::Tcp);
    }

    #[test]
    fn closed_connections_are_forgotten_beyond_the_bound() {
        let mut c = Classifier::default();
        for i in 0..(KEEP_CLOSED as u32 + 10) {
            let cl = (C, 40_000 + (i % 20_000) as u16);
            let sv = (S, 1000 + (i / 20_000) as u16);
            let syn = tcp(cl, sv, TcpControl::Syn, i, None, b"");
            c.classify(Direction::Request, &syn, flow_of).unwrap();
            let rst = tcp(cl, sv, TcpControl::Rst, i + 1, None, b"");
            c.classify(Direction::Request, &rst, flow_of).unwrap();
        }
        assert_eq!(c.tracked(), KEEP_CLOSED);
    }

    #[test]
    fn time_datagrams_keep_their_ids_and_garbage_is_none() {
        let mut c = Classifier::default();
        let mut payload = Vec::new();
        wire::encode_request(
            wire::RequestId {
                client: 3,
                seq: 9,
                attempt: 1,
            },
            &mut payload,
        );
        let udp = smoltcp::wire::UdpRepr {
            src_port: 40_003,
            dst_port: 21567,
        };
        let ip = Ipv4Repr {
            src_addr: C,
            dst_addr: S,
            next_header: IpProtocol::Udp,
            payload_len: 8 + payload.len(),
            hop_limit: 64,
        };
        let mut buf = vec![0u8; ip.buffer_len() + 8 + payload.len()];
        let caps = ChecksumCapabilities::default();
        let mut p = Ipv4Packet::new_unchecked(&mut buf[..]);
        ip.emit(&mut p, &caps);
        let mut u = UdpPacket::new_unchecked(p.payload_mut());
        udp.emit(
            &mut u,
            &IpAddress::Ipv4(C),
            &IpAddress::Ipv4(S),
            payload.len(),
            |b| b.copy_from_slice(&payload),
            &caps,
        );
        let got = c.classify(Direction::Request, &buf, flow_of).unwrap();
        assert_eq!(got.packet.proto, Proto::UdpTime);
        assert_eq!(got.packet.ident.to_string(), "seq=9 attempt=1");
        assert_eq!(got.packet.flow, 3);
        assert!(
            c.classify(Direction::Request, b"\x45garbage", flow_of)
                .is_none()
        );
    }
}
