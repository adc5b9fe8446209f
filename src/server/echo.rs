//! The lab's echo servers, as state machines.
//!
//! UDP: every datagram comes back prefixed with `Res: ` (the lab's `srvsock.sendto(b'Res: ' +
//! data, addr)`). TCP: each connection's first chunk of data comes back prefixed with `Resp: `
//! and the connection is closed (the lab's `cliSock.send(b"Resp: " + data); cliSock.close()`),
//! or, with `keep_open`, every chunk is answered and the client decides when to close.
//! Invariant: no input makes these fail; a server that serves students never dies on a client.
//! Memory is bounded whatever arrives: at most [`MAX_QUEUED`] UDP replies wait for the driver,
//! and an event keeps at most [`EVENT_BYTES`] of the request. A reply that cannot be sent (too
//! big for a datagram, queue full, refused by the kernel) is counted in `unsent` and reported
//! as not sent, never as sent.

use std::collections::VecDeque;
use std::net::SocketAddr;

pub const UDP_PREFIX: &[u8] = b"Res: ";
pub const TCP_PREFIX: &[u8] = b"Resp: ";

/// Largest UDP payload over IPv4 (65,535 − 8 − 20 bytes): a longer reply cannot be sent.
pub const MAX_DATAGRAM: usize = 65_507;
/// Replies waiting for the driver; more in one burst are counted as unsent.
pub const MAX_QUEUED: usize = 64;
/// Bytes of a request an event keeps for the console (which shows 60 characters).
pub const EVENT_BYTES: usize = 256;

/// What the UDP echo server did, for the console.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EchoEvent {
    pub from: SocketAddr,
    /// The request's first [`EVENT_BYTES`] bytes.
    pub data: Vec<u8>,
    /// The request's length.
    pub len: usize,
    /// Whether the reply was handed to the kernel.
    pub replied: bool,
}

#[derive(Default)]
pub struct UdpEcho {
    /// Replies to send, each with the number of its request's event.
    transmits: VecDeque<(u64, SocketAddr, Vec<u8>)>,
    /// Events with their numbers (in arrival order).
    events: VecDeque<(u64, EchoEvent)>,
    /// Number of the next event.
    next: u64,
    /// The event of the reply [`UdpEcho::poll_transmit`] handed out last.
    polled: Option<u64>,
    /// Replies handed to the kernel.
    pub answered: u64,
    /// Replies that could not be sent.
    pub unsent: u64,
}

impl UdpEcho {
    pub fn handle_datagram(&mut self, from: SocketAddr, data: &[u8]) {
        let event = EchoEvent {
            from,
            data: data[..data.len().min(EVENT_BYTES)].to_vec(),
            len: data.len(),
            replied: false,
        };
        let n = self.next;
        self.next += 1;
        if UDP_PREFIX.len() + data.len() > MAX_DATAGRAM || self.transmits.len() >= MAX_QUEUED {
            self.unsent += 1;
            self.events.push_back((n, event));
            return;
        }
        let mut reply = Vec::with_capacity(UDP_PREFIX.len() + data.len());
        reply.extend_from_slice(UDP_PREFIX);
        reply.extend_from_slice(data);
        self.transmits.push_back((n, from, reply));
        self.events.push_back((
            n,
            EchoEvent {
                replied: true,
                ..event
            },
        ));
    }

    /// The next reply to send; the driver says how it went with [`UdpEcho::handle_sent`].
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        let (n, to, reply) = self.transmits.pop_front()?;
        self.polled = Some(n);
        Some((to, reply))
    }

    /// Whether the reply last polled was handed to the kernel; its event says so.
    pub fn handle_sent(&mut self, sent: bool) {
        if sent {
            self.answered += 1;
            return;
        }
        self.unsent += 1;
        if let Some(n) = self.polled.take()
            && let Some((_, e)) = self.events.iter_mut().find(|(m, _)| *m == n)
        {
            e.replied = false;
        }
    }

    pub fn poll_event(&mut self) -> Option<EchoEvent> {
        self.events.pop_front().map(|(_, e)| e)
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
        e.handle_sent(true);
        assert_eq!(e.poll_event().unwrap().data, b"hola");
        e.handle_datagram(from, b"");
        assert_eq!(e.poll_transmit().unwrap().1, b"Res: ");
    }

    /// Issue 13 item 5: a 65,507-byte request's reply (65,512 bytes) cannot be a datagram; it
    /// was logged as sent. A burst beyond the queue is counted, and memory stays bounded.
    #[test]
    fn replies_that_cannot_be_sent_are_counted_not_reported_sent() {
        let mut e = UdpEcho::default();
        let from: SocketAddr = "127.0.0.1:9".parse().unwrap();
        e.handle_datagram(from, &vec![b'x'; MAX_DATAGRAM]);
        assert_eq!(e.poll_transmit(), None);
        let ev = e.poll_event().unwrap();
        assert!(!ev.replied && ev.len == MAX_DATAGRAM && ev.data.len() == EVENT_BYTES);
        assert_eq!(e.unsent, 1);
        for _ in 0..1_000 {
            e.handle_datagram(from, &[b'y'; 60_000]);
        }
        assert_eq!(e.unsent, 1 + 1_000 - MAX_QUEUED as u64);
        let mut sent = 0;
        while e.poll_transmit().is_some() {
            // The kernel refuses every other one.
            e.handle_sent(sent % 2 == 0);
            sent += 1;
        }
        assert_eq!(sent, MAX_QUEUED);
        let events: Vec<EchoEvent> = std::iter::from_fn(|| e.poll_event()).collect();
        assert_eq!(events.len(), 1_000);
        // Exactly the even ones of the first 64 went out.
        for (i, ev) in events.iter().enumerate() {
            assert_eq!(ev.replied, i < MAX_QUEUED && i % 2 == 0, "event {i}");
        }
        let replied = events.iter().filter(|e| e.replied).count();
        assert_eq!(replied as u64, e.answered);
        assert_eq!(e.answered + e.unsent, 1_001);
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
