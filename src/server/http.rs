//! A minimal static HTTP/1.1 responder for one TCP connection, so an http-head scenario needs
//! no web server: bytes in, response bytes out, no sockets.
//!
//! Every `GET` and `HEAD`, whatever the path, gets `200 OK` with a small text body ([`BODY`]; a
//! response to `HEAD` carries its headers only, RFC 9110 §9.3.2). Other methods get `405`, a
//! request that cannot be read gets `400` and the connection closes. Pipelined requests are
//! answered in order. Invariant: every response is framed by `Content-Length`, responses
//! appear in request order, and nothing more is written once [`ConnStatus::Close`] is returned.

use crate::wire::http::{PRODUCT, push_imf_fixdate};
use crate::wire::push_u64;

/// The body a `GET` receives.
pub const BODY: &[u8] = b"losslab\n";

/// Most header lines a request may have.
const MAX_REQUEST_HEADERS: usize = 64;

/// Whether the connection stays open after the bytes just written (`Close`: send them, then
/// close). The TCP echo server's type, so the driver treats every TCP server alike.
pub use super::echo::ConnStatus;

/// The responder's state for one connection.
pub struct HttpConn {
    max_head_bytes: usize,
    /// Received bytes not yet answered: the start of the next request.
    buf: Vec<u8>,
    closed: bool,
    answered: u64,
}

/// What a request asked for, once its head is read.
struct Request {
    /// Length of the head, empty lines before it included.
    len: usize,
    method: Method,
    /// Minor version: 0 or 1.
    version: u8,
    hosts: usize,
    close: bool,
    keep_alive: bool,
    /// The content length (0 without one); `None` when unreadable.
    content_length: Option<u64>,
    transfer_encoding: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Head,
    Other,
}

impl HttpConn {
    /// A connection whose request heads may be at most `max_head_bytes` long.
    pub fn new(max_head_bytes: usize) -> Self {
        HttpConn {
            max_head_bytes,
            buf: Vec::new(),
            closed: false,
            answered: 0,
        }
    }

    /// Takes bytes received and appends the responses they complete to `out`, dated
    /// `date_unix_us` (µs since 1970, UTC).
    pub fn handle_data(&mut self, data: &[u8], date_unix_us: i64, out: &mut Vec<u8>) -> ConnStatus {
        if self.closed {
            return ConnStatus::Close;
        }
        self.buf.extend_from_slice(data);
        // A head ends with "\n": without a new one nothing new can complete (the previous bytes
        // were parsed when they came), so a request dribbled in byte by byte costs one parse a
        // line, not one a byte.
        let mut parse = data.contains(&b'\n');
        let mut at = 0;
        let status = loop {
            if !parse {
                if self.buf.len() - at > self.max_head_bytes {
                    let why = format!("request headers exceed {} bytes", self.max_head_bytes);
                    self.bad_request(&why, date_unix_us, out);
                    break ConnStatus::Close;
                }
                break ConnStatus::Open;
            }
            let req = match parse_request(&self.buf[at..]) {
                Ok(Some(req)) => req,
                Ok(None) => {
                    parse = false;
                    continue;
                }
                Err(why) => {
                    self.bad_request(&why, date_unix_us, out);
                    break ConnStatus::Close;
                }
            };
            if req.len > self.max_head_bytes {
                let why = format!("request headers exceed {} bytes", self.max_head_bytes);
                self.bad_request(&why, date_unix_us, out);
                break ConnStatus::Close;
            }
            at += req.len;
            if self.answer(&req, date_unix_us, out) == ConnStatus::Close {
                break ConnStatus::Close;
            }
        };
        self.buf.drain(..at);
        if status == ConnStatus::Close {
            self.closed = true;
            self.buf = Vec::new();
        }
        status
    }

    /// Responses written so far, errors included.
    pub fn requests_answered(&self) -> u64 {
        self.answered
    }

    fn answer(&mut self, req: &Request, date_unix_us: i64, out: &mut Vec<u8>) -> ConnStatus {
        // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive".
        let mut close = req.close || (req.version == 0 && !req.keep_alive);
        // RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without a Host, or to
        // any request with more than one.
        let bad = if req.version >= 1 && req.hosts == 0 {
            Some("HTTP/1.1 request without a Host header")
        } else if req.hosts > 1 {
            Some("more than one Host header")
        } else if req.content_length.is_none() {
            Some("unreadable Content-Length")
        } else {
            None
        };
        if let Some(why) = bad {
            let body = format!("400 Bad Request: {why}\n");
            self.write(
                out,
                date_unix_us,
                Reply {
                    status: "400 Bad Request",
                    allow: false,
                    body: body.as_bytes(),
                    send_body: req.method != Method::Head,
                    close: true,
                    keep_alive_10: false,
                },
            );
            return ConnStatus::Close;
        }
        // The request's own content is never read: rather than skip it, close after answering
        // (RFC 9112 §9.6 lets a server close at any time; this keeps framing simple).
        if req.transfer_encoding || req.content_length != Some(0) {
            close = true;
        }
        let (status, body, allow) = match req.method {
            Method::Get | Method::Head => ("200 OK", BODY, false),
            // RFC 9110 §15.5.6: a 405 must list the allowed methods in Allow.
            Method::Other => (
                "405 Method Not Allowed",
                &b"405 Method Not Allowed: only GET and HEAD\n"[..],
                true,
            ),
        };
        self.write(
            out,
            date_unix_us,
            Reply {
                status,
                allow,
                body,
                // RFC 9110 §9.3.2: a response to HEAD has no content.
                send_body: req.method != Method::Head,
                close,
                keep_alive_10: req.version == 0 && !close,
            },
        );
        if close {
            ConnStatus::Close
        } else {
            ConnStatus::Open
        }
    }

    fn bad_request(&mut self, why: &str, date_unix_us: i64, out: &mut Vec<u8>) {
        let body = format!("400 Bad Request: {why}\n");
        let reply = Reply {
            status: "400 Bad Request",
            allow: false,
            body: body.as_bytes(),
            send_body: true,
            close: true,
            keep_alive_10: false,
        };
        self.write(out, date_unix_us, reply);
    }

    /// Writes one response. `Content-Length` is the body's length even when the body is left
    /// out for HEAD: it is what a GET would have received (RFC 9110 §8.6).
    fn write(&mut self, out: &mut Vec<u8>, date_unix_us: i64, reply: Reply<'_>) {
        self.answered += 1;
        out.extend_from_slice(b"HTTP/1.1 ");
        out.extend_from_slice(reply.status.as_bytes());
        out.extend_from_slice(b"\r\nServer: ");
        out.extend_from_slice(PRODUCT.as_bytes());
        out.extend_from_slice(b"\r\nDate: ");
        push_imf_fixdate(date_unix_us, out);
        out.extend_from_slice(b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ");
        push_u64(out, reply.body.len() as u64);
        out.extend_from_slice(b"\r\n");
        if reply.allow {
            out.extend_from_slice(b"Allow: GET, HEAD\r\n");
        }
        if reply.close {
            out.extend_from_slice(b"Connection: close\r\n");
        } else if reply.keep_alive_10 {
            // An HTTP/1.0 client keeps the connection only if told so (RFC 9112 §9.3).
            out.extend_from_slice(b"Connection: keep-alive\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if reply.send_body {
            out.extend_from_slice(reply.body);
        }
    }
}

/// One response to write.
struct Reply<'a> {
    /// Status code and reason phrase, as in `200 OK`.
    status: &'a str,
    /// Whether to send `Allow: GET, HEAD`.
    allow: bool,
    body: &'a [u8],
    send_body: bool,
    close: bool,
    /// Confirm `Connection: keep-alive` to an HTTP/1.0 client.
    keep_alive_10: bool,
}

/// Parses one request head at the start of `buf`: `Ok(None)` while incomplete, `Err` with what
/// is wrong when it cannot be a request.
fn parse_request(buf: &[u8]) -> Result<Option<Request>, String> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_REQUEST_HEADERS];
    let mut req = httparse::Request::new(&mut fields);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(format!("more than {MAX_REQUEST_HEADERS} header lines"));
        }
        Err(e) => return Err(format!("malformed request: {e}")),
    };
    let method = match req.method {
        // Methods are case-sensitive (RFC 9110 §9.1).
        Some("GET") => Method::Get,
        Some("HEAD") => Method::Head,
        _ => Method::Other,
    };
    let mut parsed = Request {
        len,
        method,
        version: req.version.unwrap_or(1),
        hosts: 0,
        close: false,
        keep_alive: false,
        content_length: Some(0),
        transfer_encoding: false,
    };
    let mut lengths = Vec::new();
    for field in req.headers.iter() {
        let name = field.name;
        if name.eq_ignore_ascii_case("host") {
            parsed.hosts += 1;
        } else if name.eq_ignore_ascii_case("connection") {
            for option in field.value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                parsed.close |= option.eq_ignore_ascii_case(b"close");
                parsed.keep_alive |= option.eq_ignore_ascii_case(b"keep-alive");
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            // RFC 9110 §8.6: a list of identical values may be read as one; anything else is
            // unrecoverable.
            lengths.extend(field.value.split(|&b| b == b',').map(<[u8]>::trim_ascii));
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            parsed.transfer_encoding = true;
        }
    }
    if let Some(first) = lengths.first() {
        let digits = !first.is_empty() && first.len() <= 19 && first.iter().all(u8::is_ascii_digit);
        parsed.content_length = if digits && lengths.iter().all(|l| l == first) {
            Some(first.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
        } else {
            None
        };
    }
    Ok(Some(parsed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::http::HeadParser;

    /// 2026-11-24 01:22:28.5 UTC.
    const NOW: i64 = 1_795_483_348_500_000;

    fn run(conn: &mut HttpConn, data: &[u8]) -> (String, ConnStatus) {
        let mut out = Vec::new();
        let status = conn.handle_data(data, NOW, &mut out);
        (String::from_utf8(out).unwrap(), status)
    }

    fn head(status: &str, len: usize, extra: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nServer: {PRODUCT}\r\nDate: Tue, 24 Nov 2026 01:22:28 GMT\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len}\r\n{extra}\r\n"
        )
    }

    #[test]
    fn head_gets_headers_without_a_body() {
        let mut c = HttpConn::new(8192);
        let (out, status) = run(&mut c, b"HEAD /any/path?x HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(out, head("200 OK", BODY.len(), ""));
        assert_eq!(status, ConnStatus::Open);
        assert_eq!(c.requests_answered(), 1);
        // losslab's own client reads it back.
        let r = HeadParser::new(8192).feed(out.as_bytes()).unwrap().unwrap();
        assert_eq!(r.header("content-length"), Some(&b"8"[..]));
        assert!(r.keep_alive);
    }

    #[test]
    fn get_gets_the_body() {
        let mut c = HttpConn::new(8192);
        let (out, status) = run(&mut c, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(out, head("200 OK", 8, "") + "losslab\n");
        assert_eq!(status, ConnStatus::Open);
    }

    #[test]
    fn pipelined_requests_are_answered_in_order() {
        let mut c = HttpConn::new(8192);
        let (out, status) = run(
            &mut c,
            b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\nHEAD",
        );
        assert_eq!(
            out,
            head("200 OK", 8, "") + &head("200 OK", 8, "") + "losslab\n"
        );
        assert_eq!(status, ConnStatus::Open);
        assert_eq!(c.requests_answered(), 2);
        // The third request, split across reads, is answered once complete.
        let (out, _) = run(&mut c, b" / HTTP/1.1\r\nHost: h\r\n");
        assert_eq!(out, "");
        let (out, status) = run(&mut c, b"Connection: close\r\n\r\n");
        assert_eq!(out, head("200 OK", 8, "Connection: close\r\n"));
        assert_eq!(status, ConnStatus::Close);
        assert_eq!(c.requests_answered(), 3);
    }

    #[test]
    fn byte_by_byte_gives_the_same_answer() {
        let req = b"GET / HTTP/1.1\r\nHost: h\r\n\r\n";
        let mut c = HttpConn::new(8192);
        let mut out = Vec::new();
        for b in req {
            assert_eq!(c.handle_data(&[*b], NOW, &mut out), ConnStatus::Open);
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            head("200 OK", 8, "") + "losslab\n"
        );
    }

    #[test]
    fn http11_without_host_is_400_and_close() {
        let mut c = HttpConn::new(8192);
        let (out, status) = run(
            &mut c,
            b"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        );
        let body = "400 Bad Request: HTTP/1.1 request without a Host header\n";
        assert_eq!(
            out,
            head("400 Bad Request", body.len(), "Connection: close\r\n") + body
        );
        assert_eq!(status, ConnStatus::Close);
        // Nothing more once closed.
        assert_eq!(
            run(&mut c, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
            (String::new(), ConnStatus::Close)
        );
        assert_eq!(c.requests_answered(), 1);
        // Two Host lines are as bad (RFC 9112 §3.2); HTTP/1.0 needs none.
        let (out, _) = run(
            &mut HttpConn::new(8192),
            b"HEAD / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        );
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
        assert!(out.ends_with("\r\n\r\n"), "no body for HEAD: {out}");
        let (out, _) = run(&mut HttpConn::new(8192), b"HEAD / HTTP/1.0\r\n\r\n");
        assert!(out.starts_with("HTTP/1.1 200 OK\r\n"), "{out}");
    }

    #[test]
    fn other_methods_get_405_with_allow() {
        let mut c = HttpConn::new(8192);
        let (out, status) = run(
            &mut c,
            b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
        );
        let body = "405 Method Not Allowed: only GET and HEAD\n";
        assert_eq!(
            out,
            head("405 Method Not Allowed", body.len(), "Allow: GET, HEAD\r\n") + body
        );
        assert_eq!(status, ConnStatus::Open);
        // With content the server does not read, it answers and closes.
        let (out, status) = run(
            &mut c,
            b"PUT / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc",
        );
        assert!(
            out.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"),
            "{out}"
        );
        assert!(out.contains("Connection: close\r\n"), "{out}");
        assert_eq!(status, ConnStatus::Close);
    }

    #[test]
    fn connection_close_and_http10_close() {
        let cases: [(&[u8], ConnStatus, &str); 5] = [
            (
                b"HEAD / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
                ConnStatus::Close,
                "Connection: close\r\n",
            ),
            (
                b"HEAD / HTTP/1.1\r\nHost: h\r\nConnection: x, Close\r\n\r\n",
                ConnStatus::Close,
                "Connection: close\r\n",
            ),
            (
                b"HEAD / HTTP/1.0\r\n\r\n",
                ConnStatus::Close,
                "Connection: close\r\n",
            ),
            (
                b"HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                ConnStatus::Open,
                "Connection: keep-alive\r\n",
            ),
            (
                b"HEAD / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n",
                ConnStatus::Open,
                "",
            ),
        ];
        for (req, want, extra) in cases {
            let (out, status) = run(&mut HttpConn::new(8192), req);
            assert_eq!(status, want, "{req:?}");
            assert_eq!(out, head("200 OK", 8, extra), "{req:?}");
        }
    }

    #[test]
    fn malformed_or_oversized_requests_get_400_and_close() {
        let (out, status) = run(
            &mut HttpConn::new(8192),
            b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        );
        assert!(out.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{out}");
        assert!(
            out.ends_with("400 Bad Request: malformed request: invalid header name\n"),
            "{out}"
        );
        assert_eq!(status, ConnStatus::Close);

        let mut c = HttpConn::new(64);
        let (out, status) = run(&mut c, b"GET / HTTP/1.1\r\nHost: h\r\nX: ");
        assert_eq!((out.as_str(), status), ("", ConnStatus::Open));
        let (out, status) = run(&mut c, &[b'a'; 64]);
        assert!(
            out.ends_with("400 Bad Request: request headers exceed 64 bytes\n"),
            "{out}"
        );
        assert_eq!(status, ConnStatus::Close);

        // Complete in one read but still over the cap.
        let big = format!(
            "GET / HTTP/1.1\r\nHost: h\r\nX: {}\r\n\r\n",
            "a".repeat(100)
        );
        let (out, status) = run(&mut HttpConn::new(64), big.as_bytes());
        assert!(out.contains("request headers exceed 64 bytes"), "{out}");
        assert_eq!(status, ConnStatus::Close);
    }

    #[test]
    fn date_is_an_imf_fixdate_of_the_given_instant() {
        let mut out = Vec::new();
        HttpConn::new(1024).handle_data(
            b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\n",
            784_111_777_000_000,
            &mut out,
        );
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"),
            "{text}"
        );
    }
}
