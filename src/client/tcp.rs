//! TCP request load: the lab's echo client and the HEAD client, as one sans-IO state machine.
//!
//! Each logical request is one exchange on a TCP connection: connect (or reuse an idle
//! keep-alive connection), write the request, read until the response is complete. Pacing,
//! timeouts and retries follow the UDP load generator's rules so the two compare row for row;
//! the RTT of a TCP request is connect + request + response, and `connect` says how much of it
//! was the handshake. A connection that cannot be opened is its own outcome (`connect_error`),
//! never a silent loss; a response cut short or malformed is `error`.
//!
//! Inputs: `handle_timeout`, `handle_connected`, `handle_data`, `handle_eof`, `handle_error`.
//! Outputs: `poll_action` (connect, write, close a connection), `poll_record`, `poll_progress`,
//! `poll_timeout`. Invariants: every request attempt yields exactly one record; a connection
//! carries at most one request at a time; a timed-out attempt's connection is closed, so its
//! late response can never be taken for a later attempt's.

use super::backoff::{Backoff, RetryQueue};
use super::pacer::{Due, Pacer};
use crate::client::loadgen::{Outcome, Pacing, Record};
use crate::time::{Duration, Instant};
use crate::wire::http::{HeadParser, Response, Url, encode_head_request};
use crate::wire::time::RequestId;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// Largest response head the HEAD client accepts before giving up on a server.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;

/// What each request says and when its response is complete.
#[derive(Clone, Debug, PartialEq)]
pub enum Protocol {
    /// The lab's TCP echo: send `message`, expect `Resp: ` + message (or whatever the server
    /// sends before closing).
    Echo { message: Vec<u8> },
    /// HTTP HEAD for `url`; `http10` sends HTTP/1.0.
    Head { url: Url, http10: bool },
}

#[derive(Clone, Debug, PartialEq)]
pub struct TcpLoadConfig {
    pub clients: u32,
    pub first_client: u32,
    pub requests: u32,
    pub pacing: Pacing,
    pub timeout: Duration,
    pub retries: u8,
    /// The pause between a timeout and the retry it causes (keyed by `seed`).
    pub backoff: Backoff,
    pub seed: u64,
    /// Reuse a connection for the next request when the server keeps it open.
    pub reuse: bool,
    pub protocol: Protocol,
    pub progress: bool,
}

impl TcpLoadConfig {
    /// One client sending `requests` requests one after another (the by-hand commands).
    pub fn one_client(requests: u32, timeout: Duration, reuse: bool, protocol: Protocol) -> Self {
        TcpLoadConfig {
            clients: 1,
            first_client: 0,
            requests,
            pacing: Pacing::Closed { concurrency: 1 },
            timeout,
            retries: 0,
            backoff: Backoff::NONE,
            seed: 0,
            reuse,
            protocol,
            progress: true,
        }
    }
}

/// A connection, named by the core; the driver maps it to a socket.
pub type ConnId = u64;

#[derive(Debug, PartialEq, Eq)]
pub enum TcpAction {
    Connect(ConnId),
    Write(ConnId, Vec<u8>),
    Close(ConnId),
}

/// Live events for a person watching.
#[derive(Clone, Debug, PartialEq)]
pub enum TcpProgress {
    Reply {
        id: RequestId,
        rtt: Duration,
        connect: Option<Duration>,
        reused: bool,
        /// The echo's text, or the HEAD response.
        response: TcpResponse,
    },
    Timeout {
        id: RequestId,
        retrying: bool,
    },
    Failed {
        id: RequestId,
        outcome: Outcome,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum TcpResponse {
    Echo(Vec<u8>),
    Head(Box<Response>),
}

enum Reader {
    Echo { got: Vec<u8>, expect: usize },
    Head(HeadParser),
}

struct Conn {
    index: u32,
    opened: Instant,
    connected: Option<Instant>,
    /// The attempt this connection carries, if any.
    request: Option<RequestId>,
    reader: Option<Reader>,
    /// Whether the connection was already used by an earlier request.
    used: bool,
}

#[derive(Clone, Copy)]
struct Pending {
    index: u32,
    conn: ConnId,
    sent: Instant,
    intended: Instant,
    reused: bool,
}

pub struct TcpLoad {
    cfg: TcpLoadConfig,
    /// Each client's idle kept-alive connection, if any.
    idle: Vec<Option<ConnId>>,
    conns: FxHashMap<ConnId, Conn>,
    next_conn: ConnId,
    pending: FxHashMap<RequestId, Pending>,
    pacer: Pacer,
    due: Vec<Due>,
    /// Attempt timeouts in deadline order (every attempt waits the same timeout).
    timeouts: VecDeque<(Instant, RequestId)>,
    /// Retries waiting out their backoff.
    retry_queue: RetryQueue,
    retries_due: Vec<(u32, RequestId, Instant)>,
    actions: VecDeque<TcpAction>,
    records: VecDeque<Record>,
    progress: VecDeque<TcpProgress>,
}

impl TcpLoad {
    pub fn new(cfg: TcpLoadConfig) -> Self {
        TcpLoad {
            retry_queue: RetryQueue::new(cfg.backoff, cfg.seed),
            idle: vec![None; cfg.clients as usize],
            pacer: Pacer::new(cfg.pacing, cfg.clients, cfg.requests),
            due: Vec::new(),
            cfg,
            conns: FxHashMap::default(),
            next_conn: 0,
            pending: FxHashMap::default(),
            timeouts: VecDeque::new(),
            retries_due: Vec::new(),
            actions: VecDeque::new(),
            records: VecDeque::new(),
            progress: VecDeque::new(),
        }
    }

    pub fn config(&self) -> &TcpLoadConfig {
        &self.cfg
    }

    /// The client id (`first_client` + index) that opened connection `conn`, while the core
    /// still knows the connection.
    pub fn conn_client(&self, conn: ConnId) -> Option<u32> {
        self.conns
            .get(&conn)
            .map(|c| self.cfg.first_client + c.index)
    }

    /// The attempt connection `conn` carries now, if any.
    pub fn conn_request(&self, conn: ConnId) -> Option<RequestId> {
        self.conns.get(&conn).and_then(|c| c.request)
    }

    /// Sends what the pacer says is due.
    fn send_due(&mut self, due: &[Due], now: Instant) {
        for d in due {
            let id = RequestId {
                client: self.cfg.first_client + d.index,
                seq: d.seq,
                attempt: 0,
            };
            self.send_attempt(d.index, id, d.intended, now);
        }
    }

    fn send_attempt(&mut self, index: u32, id: RequestId, intended: Instant, now: Instant) {
        let reusable = if self.cfg.reuse {
            self.idle[index as usize].take()
        } else {
            None
        };
        let (conn, reused) = match reusable {
            Some(conn) => (conn, true),
            None => {
                let conn = self.next_conn;
                self.next_conn += 1;
                self.conns.insert(
                    conn,
                    Conn {
                        index,
                        opened: now,
                        connected: None,
                        request: None,
                        reader: None,
                        used: false,
                    },
                );
                self.actions.push_back(TcpAction::Connect(conn));
                (conn, false)
            }
        };
        self.pending.insert(
            id,
            Pending {
                index,
                conn,
                sent: now,
                intended,
                reused,
            },
        );
        self.timeouts.push_back((now + self.cfg.timeout, id));
        let c = self
            .conns
            .get_mut(&conn)
            .expect("the connection was just found or made");
        c.request = Some(id);
        if c.connected.is_some() {
            self.write_request(conn);
        }
    }

    fn write_request(&mut self, conn: ConnId) {
        let mut bytes = Vec::new();
        let reader = match &self.cfg.protocol {
            Protocol::Echo { message } => {
                bytes.extend_from_slice(message);
                Reader::Echo {
                    got: Vec::new(),
                    expect: b"Resp: ".len() + message.len(),
                }
            }
            Protocol::Head { url, http10 } => {
                encode_head_request(url, *http10, self.cfg.reuse, &mut bytes);
                Reader::Head(HeadParser::new(MAX_HEAD_BYTES))
            }
        };
        if let Some(c) = self.conns.get_mut(&conn) {
            c.reader = Some(reader);
        }
        self.actions.push_back(TcpAction::Write(conn, bytes));
    }

    /// A logical request is over: closed loop sends the next one.
    fn finish_request(&mut self, index: u32, now: Instant) {
        let mut due = std::mem::take(&mut self.due);
        self.pacer.finished(index, now, &mut due);
        self.send_due(&due, now);
        due.clear();
        self.due = due;
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        loop {
            let mut due = std::mem::take(&mut self.due);
            self.pacer.advance(now, &mut due);
            let mut fired_any = !due.is_empty();
            self.send_due(&due, now);
            due.clear();
            self.due = due;
            let mut retries = std::mem::take(&mut self.retries_due);
            self.retry_queue.due(now, &mut retries);
            fired_any |= !retries.is_empty();
            for &(index, id, intended) in &retries {
                self.send_attempt(index, id, intended, now);
            }
            retries.clear();
            self.retries_due = retries;
            while let Some(&(deadline, id)) = self.timeouts.front()
                && deadline <= now
            {
                self.timeouts.pop_front();
                fired_any = true;
                self.on_timeout(id, now);
            }
            if !fired_any {
                break;
            }
        }
    }

    fn on_timeout(&mut self, id: RequestId, now: Instant) {
        let Some(p) = self.pending.remove(&id) else {
            return; // answered or failed in time
        };
        // Abandon the connection: whatever it delivers later belongs to no attempt.
        self.drop_conn(p.conn);
        let retrying = id.attempt < self.cfg.retries;
        if self.cfg.progress {
            self.progress
                .push_back(TcpProgress::Timeout { id, retrying });
        }
        self.push_record(id, p, Outcome::Timeout, None, None);
        self.next_attempt_or_finish(id, p.index, retrying, now);
    }

    fn next_attempt_or_finish(&mut self, id: RequestId, index: u32, retrying: bool, now: Instant) {
        if retrying {
            let retry = RequestId {
                attempt: id.attempt + 1,
                ..id
            };
            if let Some(at) = self.retry_queue.schedule(index, retry, now) {
                self.send_attempt(index, retry, at, now);
            }
        } else {
            self.finish_request(index, now);
        }
    }

    fn drop_conn(&mut self, conn: ConnId) {
        if let Some(c) = self.conns.remove(&conn) {
            let idle = &mut self.idle[c.index as usize];
            if *idle == Some(conn) {
                *idle = None;
            }
            self.actions.push_back(TcpAction::Close(conn));
        }
    }

    fn push_record(
        &mut self,
        id: RequestId,
        p: Pending,
        outcome: Outcome,
        rtt: Option<Duration>,
        connect: Option<Duration>,
    ) {
        self.records.push_back(Record {
            id,
            index: p.index,
            sent: p.sent,
            intended: p.intended,
            outcome,
            rtt,
            late_rtt: None,
            connect,
        });
    }

    /// The connection finished its handshake.
    pub fn handle_connected(&mut self, now: Instant, conn: ConnId) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        c.connected = Some(now);
        if c.request.is_some() {
            self.write_request(conn);
        }
    }

    /// The connection failed (refused, reset, unreachable...): `reason` says how.
    pub fn handle_error(&mut self, now: Instant, conn: ConnId, reason: String) {
        let Some(c) = self.conns.remove(&conn) else {
            return;
        };
        let idle = &mut self.idle[c.index as usize];
        if *idle == Some(conn) {
            *idle = None;
        }
        let Some(id) = c.request else {
            return; // an idle keep-alive connection went away: nothing was waiting on it
        };
        let outcome = if c.connected.is_none() {
            Outcome::ConnectError
        } else {
            Outcome::Error
        };
        self.fail(id, outcome, reason, now);
    }

    fn fail(&mut self, id: RequestId, outcome: Outcome, reason: String, now: Instant) {
        let Some(p) = self.pending.remove(&id) else {
            return;
        };
        if self.cfg.progress {
            self.progress.push_back(TcpProgress::Failed {
                id,
                outcome,
                reason,
            });
        }
        let connect = self.connect_time(&p);
        self.push_record(id, p, outcome, None, connect);
        // A failure is not a timeout: it is reported, not retried.
        self.finish_request(p.index, now);
    }

    fn connect_time(&self, p: &Pending) -> Option<Duration> {
        if p.reused {
            return Some(Duration::ZERO);
        }
        let c = self.conns.get(&p.conn)?;
        c.connected.map(|at| at - c.opened)
    }

    /// Bytes arrived on the connection.
    pub fn handle_data(&mut self, now: Instant, conn: ConnId, data: &[u8]) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let (Some(id), Some(reader)) = (c.request, c.reader.as_mut()) else {
            // Bytes nobody asked for on an idle connection: the server is misbehaving; drop it.
            self.drop_conn(conn);
            return;
        };
        let done = match reader {
            Reader::Echo { got, expect } => {
                got.extend_from_slice(data);
                if got.len() >= *expect {
                    Ok(Some(TcpResponse::Echo(std::mem::take(got))))
                } else {
                    Ok(None)
                }
            }
            Reader::Head(parser) => match parser.feed(data) {
                Ok(Some(resp)) => Ok(Some(TcpResponse::Head(Box::new(resp)))),
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            },
        };
        match done {
            Ok(None) => {}
            Ok(Some(response)) => self.complete(now, conn, id, response),
            Err(e) => {
                self.drop_conn(conn);
                self.fail(id, Outcome::Error, e.to_string(), now);
            }
        }
    }

    /// The peer closed its side.
    pub fn handle_eof(&mut self, now: Instant, conn: ConnId) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let Some(id) = c.request else {
            self.drop_conn(conn); // an idle keep-alive connection was closed by the server
            return;
        };
        let outcome = match c.reader.take() {
            // The lab's server answers and closes: whatever came is the reply.
            Some(Reader::Echo { got, .. }) if !got.is_empty() => Ok(TcpResponse::Echo(got)),
            Some(Reader::Echo { .. }) => Err(crate::tr!("tcp-closed-without-reply")),
            Some(Reader::Head(parser)) => Err(parser.closed_early().to_string()),
            None => Err(crate::tr!("tcp-closed-before-request")),
        };
        match outcome {
            Ok(response) => self.complete(now, conn, id, response),
            Err(reason) => {
                self.drop_conn(conn);
                self.fail(id, Outcome::Error, reason, now);
            }
        }
    }

    fn complete(&mut self, now: Instant, conn: ConnId, id: RequestId, response: TcpResponse) {
        let Some(p) = self.pending.remove(&id) else {
            return;
        };
        let rtt = now - p.sent;
        let connect = self.connect_time(&p);
        let keep = self.cfg.reuse
            && match &response {
                TcpResponse::Head(r) => r.keep_alive,
                TcpResponse::Echo(_) => false,
            };
        if self.cfg.progress {
            self.progress.push_back(TcpProgress::Reply {
                id,
                rtt,
                connect,
                reused: p.reused,
                response,
            });
        }
        self.push_record(id, p, Outcome::Reply, Some(rtt), connect);
        if keep && let Some(c) = self.conns.get_mut(&conn) {
            c.request = None;
            c.reader = None;
            c.used = true;
            self.idle[p.index as usize] = Some(conn);
        } else {
            self.drop_conn(conn);
        }
        self.finish_request(p.index, now);
    }

    /// Ends the run early: waiting attempts become `interrupted` rows.
    pub fn interrupt(&mut self) {
        self.timeouts.clear();
        self.retry_queue.clear();
        let mut rest: Vec<(RequestId, Pending)> = self.pending.drain().collect();
        rest.sort_by_key(|(id, _)| *id);
        for (id, p) in rest {
            self.push_record(id, p, Outcome::Interrupted, None, None);
        }
        let conns: Vec<ConnId> = self.conns.keys().copied().collect();
        for conn in conns {
            self.drop_conn(conn);
        }
        self.pacer.stop();
    }

    /// Closes idle keep-alive connections once everything is done.
    fn close_idle(&mut self) {
        for index in 0..self.idle.len() {
            if let Some(conn) = self.idle[index].take() {
                self.conns.remove(&conn);
                self.actions.push_back(TcpAction::Close(conn));
            }
        }
    }

    pub fn poll_action(&mut self) -> Option<TcpAction> {
        if self.actions.is_empty() && self.pacer.open() == 0 && self.pacer.all_sent() {
            self.close_idle();
        }
        self.actions.pop_front()
    }

    /// The attempt connection `conn` carries now, if any (for a driver that attributes packets
    /// to requests, like the simulator's link events).
    pub fn request_of(&self, conn: ConnId) -> Option<RequestId> {
        self.conns.get(&conn).and_then(|c| c.request)
    }

    pub fn poll_record(&mut self) -> Option<Record> {
        self.records.pop_front()
    }

    pub fn poll_progress(&mut self) -> Option<TcpProgress> {
        self.progress.pop_front()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.pacer.next_deadline(),
            self.timeouts.front().map(|t| t.0),
            self.retry_queue.next_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn is_done(&self) -> bool {
        self.pacer.is_started()
            && self.pending.is_empty()
            && self.pacer.open() == 0
            && self.actions.is_empty()
            && self.pacer.all_sent()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::http::parse_url;

    fn us(v: u64) -> Instant {
        Instant::from_micros(v)
    }

    fn echo_cfg(requests: u32) -> TcpLoadConfig {
        TcpLoadConfig {
            clients: 1,
            first_client: 0,
            requests,
            pacing: Pacing::Closed { concurrency: 1 },
            timeout: Duration::from_millis(100),
            retries: 0,
            backoff: Backoff::NONE,
            seed: 0,
            reuse: false,
            protocol: Protocol::Echo {
                message: b"hola".to_vec(),
            },
            progress: true,
        }
    }

    fn actions(t: &mut TcpLoad) -> Vec<TcpAction> {
        std::iter::from_fn(|| t.poll_action()).collect()
    }

    #[test]
    fn echo_exchange_measures_connect_and_total() {
        let mut t = TcpLoad::new(echo_cfg(1));
        t.handle_timeout(us(0));
        assert_eq!(actions(&mut t), vec![TcpAction::Connect(0)]);
        t.handle_connected(us(40), 0);
        assert_eq!(actions(&mut t), vec![TcpAction::Write(0, b"hola".to_vec())]);
        t.handle_data(us(90), 0, b"Resp: ");
        assert!(t.poll_record().is_none());
        t.handle_data(us(100), 0, b"hola");
        let r = t.poll_record().unwrap();
        assert_eq!(r.outcome, Outcome::Reply);
        assert_eq!(r.rtt, Some(Duration::from_micros(100)));
        assert_eq!(r.connect, Some(Duration::from_micros(40)));
        assert_eq!(actions(&mut t), vec![TcpAction::Close(0)]);
        assert!(t.is_done());
    }

    #[test]
    fn lab_server_reply_then_close_counts_as_reply() {
        let mut t = TcpLoad::new(echo_cfg(1));
        t.handle_timeout(us(0));
        t.handle_connected(us(1), 0);
        t.handle_data(us(5), 0, b"Resp: ho");
        t.handle_eof(us(6), 0);
        assert_eq!(t.poll_record().unwrap().outcome, Outcome::Reply);
    }

    #[test]
    fn refused_connection_is_its_own_outcome() {
        let mut t = TcpLoad::new(echo_cfg(2));
        t.handle_timeout(us(0));
        actions(&mut t);
        t.handle_error(us(10), 0, "connection refused".into());
        let r = t.poll_record().unwrap();
        assert_eq!(r.outcome, Outcome::ConnectError);
        // Closed loop goes on with the next request on a new connection.
        assert_eq!(actions(&mut t), vec![TcpAction::Connect(1)]);
    }

    #[test]
    fn timeout_closes_the_connection_and_retries_on_a_new_one() {
        let mut c = echo_cfg(1);
        c.retries = 1;
        let mut t = TcpLoad::new(c);
        t.handle_timeout(us(0));
        t.handle_connected(us(10), 0);
        actions(&mut t);
        t.handle_timeout(us(100_000));
        assert_eq!(
            actions(&mut t),
            vec![TcpAction::Close(0), TcpAction::Connect(1)]
        );
        let r = t.poll_record().unwrap();
        assert_eq!((r.id.attempt, r.outcome), (0, Outcome::Timeout));
        // The old connection's late bytes belong to nobody.
        t.handle_data(us(100_001), 0, b"Resp: hola");
        assert!(t.poll_record().is_none());
    }

    #[test]
    fn head_reuses_a_keep_alive_connection() {
        let url = parse_url("http://127.0.0.1:8080/").unwrap();
        let mut c = echo_cfg(2);
        c.reuse = true;
        c.protocol = Protocol::Head { url, http10: false };
        let mut t = TcpLoad::new(c);
        t.handle_timeout(us(0));
        assert_eq!(actions(&mut t), vec![TcpAction::Connect(0)]);
        t.handle_connected(us(10), 0);
        let a = actions(&mut t);
        assert!(
            matches!(&a[..], [TcpAction::Write(0, req)] if req.starts_with(b"HEAD / HTTP/1.1\r\n"))
        );
        t.handle_data(us(50), 0, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(
            t.poll_record().unwrap().connect,
            Some(Duration::from_micros(10))
        );
        // The second request goes out on the same connection, with no handshake.
        let a = actions(&mut t);
        assert!(matches!(&a[..], [TcpAction::Write(0, _)]), "{a:?}");
        t.handle_data(us(80), 0, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        let r = t.poll_record().unwrap();
        assert_eq!(r.connect, Some(Duration::ZERO));
        assert_eq!(r.rtt, Some(Duration::from_micros(30)));
        assert_eq!(actions(&mut t), vec![TcpAction::Close(0)]);
        assert!(t.is_done());
    }

    #[test]
    fn head_closed_mid_headers_is_an_error() {
        let url = parse_url("http://127.0.0.1:8080/").unwrap();
        let mut c = echo_cfg(1);
        c.protocol = Protocol::Head { url, http10: false };
        let mut t = TcpLoad::new(c);
        t.handle_timeout(us(0));
        t.handle_connected(us(10), 0);
        t.handle_data(us(20), 0, b"HTTP/1.1 200 OK\r\nServer: x");
        t.handle_eof(us(30), 0);
        assert_eq!(t.poll_record().unwrap().outcome, Outcome::Error);
        match t.poll_progress().unwrap() {
            TcpProgress::Failed { reason, .. } => assert!(reason.contains("closed"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}
