//! The lab's echo servers, as state machines.
//!
//! UDP: every datagram comes back prefixed with `Res: ` (the lab's `srvsock.sendto(b'Res: ' +
//! data, addr)`). TCP: each connection's first chunk of data comes back prefixed with `Resp: `
//! and the connection is closed (the lab's `cliSock.send(b"Resp: " + data); cliSock.close()`),
//! or, with `keep_open`, every chunk is answered and the client decides when to close.
//! Invariant: no input makes these fail; a server that serves students never dies on a client.

use std::collections::VecDeque;
use std::net::SocketAddr;

pub const UDP_PREFIX: &[u8] = b"Res: ";
pub const TCP_PREFIX: &[u8] = b"Resp: ";

/// What the UDP echo server did, for the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EchoEvent {
    pub from: SocketAddr,
    pub data: Vec<u8>,
}

#[derive(Default)]
pub struct UdpEcho {
    transmits: VecDeque<(SocketAddr, Vec<u8>)>,
    events: VecDeque<EchoEvent>,
    pub answered: u64,
}

impl UdpEcho {
    pub fn handle_datagram(&mut self, from: SocketAddr, data: &[u8]) {
        let mut reply = Vec::with_capacity(UDP_PREFIX.len() + data.len());
        reply.extend_from_slice(UDP_PREFIX);
        reply.extend_from_slice(data);
        self.transmits.push_back((from, reply));
        self.events.push_back(EchoEvent {
            from,
            data: data.to_vec(),
        });
        self.answered += 1;
    }

    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        self.transmits.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<EchoEvent> {
        self.events.pop_front()
    }
}

/// Whether a server connection stays open after the bytes just written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnStatus {
    Open,
    Close,
}

/// One TCP echo connection.
pub struct TcpEchoConn {
    keep_open: bool,
}

impl TcpEchoConn {
    pub fn new(keep_open: bool) -> Self {
        TcpEchoConn { keep_open }
    }

    /// Data arrived: the reply goes into `out`.
    pub fn handle_data(&mut self, data: &[u8], out: &mut Vec<u8>) -> ConnStatus {
        out.extend_from_slice(TCP_PREFIX);
        out.extend_from_slice(data);
        if self.keep_open {
            ConnStatus::Open
        } else {
            ConnStatus::Close
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udp_echo_prefixes_res() {
        let mut e = UdpEcho::default();
        let from: SocketAddr = "127.0.0.1:9".parse().unwrap();
        e.handle_datagram(from, b"hola");
        assert_eq!(e.poll_transmit(), Some((from, b"Res: hola".to_vec())));
        assert_eq!(e.poll_event().unwrap().data, b"hola");
        e.handle_datagram(from, b"");
        assert_eq!(e.poll_transmit().unwrap().1, b"Res: ");
    }

    #[test]
    fn tcp_echo_answers_once_and_closes_like_the_lab() {
        let mut out = Vec::new();
        assert_eq!(
            TcpEchoConn::new(false).handle_data(b"hi", &mut out),
            ConnStatus::Close
        );
        assert_eq!(out, b"Resp: hi");
        out.clear();
        let mut c = TcpEchoConn::new(true);
        assert_eq!(c.handle_data(b"a", &mut out), ConnStatus::Open);
        assert_eq!(c.handle_data(b"b", &mut out), ConnStatus::Open);
        assert_eq!(out, b"Resp: aResp: b");
    }
}
