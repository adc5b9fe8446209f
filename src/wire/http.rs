//! HTTP/1.x as losslab's HEAD client sees it: the URL it is given, the `HEAD` request it sends,
//! and the response head it reads back, plus the HTTP date format both ends write.
//!
//! Only plain `http://` is spoken (no TLS). The response parser is incremental: bytes go in as
//! they arrive and a [`Response`] comes out once its head is complete. Interim 1xx responses
//! (100 Continue, 103 Early Hints) are recorded and skipped; 101 Switching Protocols is final.
//! Invariant: parsing never panics, never holds more than the head cap of a pending response
//! before failing, and never waits for a body: a response to HEAD ends at the empty line after
//! its header section (RFC 9112 §6.3, rule 1), whatever Content-Length or Transfer-Encoding
//! says (RFC 9110 §9.3.2).

use super::time::civil_from_days;
use crate::tr;
use std::fmt;
use std::net::Ipv6Addr;

/// What losslab calls itself in `User-Agent` and `Server`.
pub const PRODUCT: &str = concat!("losslab/", env!("CARGO_PKG_VERSION"));

/// Most header lines (folded continuations not counted) a response head may have.
pub const MAX_HEADERS: usize = 128;

/// An `http://` URL split into what a HEAD client needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// Host name or address to connect to; an IPv6 literal without its brackets.
    pub host: String,
    pub port: u16,
    /// Request target in origin form: the path and query, always starting with `/`.
    pub path: String,
    /// `host[:port]` as written in the URL (brackets kept), for the `Host` header.
    pub authority: String,
}

/// Parses `http://host[:port][/path][?query][#fragment]`. The fragment is dropped: it refers
/// inside the representation and is never sent (RFC 9110 §4.2.5, RFC 3986 §3.5). Non-ASCII bytes
/// in the path are percent-encoded (RFC 3986 §2.1). The error names the URL and what is wrong.
pub fn parse_url(text: &str) -> Result<Url, String> {
    let bad = |why: String| tr!("url-bad", url = format!("{text:?}"), why = why);
    if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(match c {
            ' ' => tr!("url-space"),
            _ => tr!("url-control", char = format!("{c:?}")),
        }));
    }
    let missing = || bad(tr!("url-missing-scheme"));
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(missing());
    };
    // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), case-insensitive.
    let is_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    if !is_scheme {
        return Err(missing());
    }
    if scheme.eq_ignore_ascii_case("https") {
        return Err(bad(tr!("url-https")));
    }
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(bad(tr!("url-scheme", scheme = format!("{scheme:?}"))));
    }
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, target) = rest.split_at(end);
    if authority.contains('@') {
        // RFC 9110 §4.2.4: a sender must not generate userinfo in an http URI.
        return Err(bad(tr!("url-userinfo")));
    }
    let (host, port_text, host_part) = if let Some(inner) = authority.strip_prefix('[') {
        let Some((addr, after)) = inner.split_once(']') else {
            return Err(bad(tr!("url-ipv6-unclosed")));
        };
        if addr.parse::<Ipv6Addr>().is_err() {
            return Err(bad(tr!("url-not-ipv6", addr = format!("{addr:?}"))));
        }
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(p) => Some(p),
                None => {
                    return Err(bad(tr!("url-after-ipv6", after = format!("{after:?}"))));
                }
            },
        };
        (addr, port, &authority[..addr.len() + 2])
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        if port.is_some_and(|p| p.contains(':')) {
            return Err(bad(tr!("url-colons", authority = format!("{authority:?}"))));
        }
        check_reg_name(host).map_err(&bad)?;
        (host, port, host)
    };
    if host.is_empty() {
        return Err(bad(tr!("url-empty-host")));
    }
    let port = match port_text {
        // RFC 3986 §3.2.3: an empty port means the scheme's default, and normalisers omit it
        // with its ':' (done below for the authority).
        None | Some("") => 80,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(bad(tr!("url-bad-port", port = format!("{p:?}")))),
        },
    };
    let authority = match port_text {
        None | Some("") => host_part.to_string(),
        Some(p) => format!("{host_part}:{p}"),
    };
    let mut path = String::with_capacity(target.len() + 1);
    if !target.starts_with('/') {
        path.push('/');
    }
    for b in target.bytes() {
        if b.is_ascii() {
            path.push(b as char);
        } else {
            path.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(Url {
        host: host.to_string(),
        port,
        path,
        authority,
    })
}

/// A registered name (RFC 3986 §3.2.2): unreserved, percent-encoded or sub-delims characters.
fn check_reg_name(host: &str) -> Result<(), String> {
    for c in host.chars() {
        if !c.is_ascii() {
            return Err(tr!("url-non-ascii-host", host = format!("{host:?}")));
        }
        if !(c.is_ascii_alphanumeric() || "-._~%!$&'()*+,;=".contains(c)) {
            return Err(tr!("url-host-char", char = format!("{c:?}")));
        }
    }
    Ok(())
}

/// What httparse found wrong, in the user's language.
fn httparse_text(e: httparse::Error) -> String {
    match e {
        httparse::Error::HeaderName => tr!("http-bad-header-name"),
        httparse::Error::HeaderValue => tr!("http-bad-header-value"),
        httparse::Error::NewLine => tr!("http-bad-new-line"),
        httparse::Error::Status => tr!("http-bad-status"),
        httparse::Error::Token => tr!("http-bad-token"),
        httparse::Error::TooManyHeaders => tr!("http-too-many-headers-short"),
        httparse::Error::Version => tr!("http-bad-version"),
    }
}

/// Writes a `HEAD` request for `url` into `out` (cleared first). HTTP/1.1 connections persist
/// unless closed (RFC 9112 §9.3), so `Connection: close` is sent when `!keep_alive`; HTTP/1.0
/// ones close unless the request asks `Connection: keep-alive`. `Host` goes in both versions
/// (mandatory in 1.1, RFC 9112 §3.2; harmless in 1.0 and it selects the virtual host).
pub fn encode_head_request(url: &Url, http10: bool, keep_alive: bool, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(b"HEAD ");
    out.extend_from_slice(url.path.as_bytes());
    out.extend_from_slice(if http10 {
        b" HTTP/1.0\r\n"
    } else {
        b" HTTP/1.1\r\n"
    });
    out.extend_from_slice(b"Host: ");
    out.extend_from_slice(url.authority.as_bytes());
    out.extend_from_slice(b"\r\nUser-Agent: ");
    out.extend_from_slice(PRODUCT.as_bytes());
    out.extend_from_slice(b"\r\nAccept: */*\r\n");
    match (http10, keep_alive) {
        (false, false) => out.extend_from_slice(b"Connection: close\r\n"),
        (true, true) => out.extend_from_slice(b"Connection: keep-alive\r\n"),
        _ => {}
    }
    out.extend_from_slice(b"\r\n");
}

/// One interim (1xx) response received before the final one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub status: u16,
    /// Its head exactly as received, from the status line through the empty line.
    pub raw: Vec<u8>,
}

/// The head of a final response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub version: u8,
    pub status: u16,
    /// The reason phrase, lossily decoded (it may hold obs-text).
    pub reason: String,
    /// Header fields in order received; obsolete line folds are replaced by one space
    /// (RFC 9112 §5.2), trailing whitespace removed.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Interim 1xx responses that came first, in order.
    pub interim: Vec<Block>,
    /// The final head exactly as received, from the status line through the empty line.
    pub raw: Vec<u8>,
    /// Bytes this response took from the stream: any empty lines before it, the interim heads
    /// and the final head. What followed is not part of it (a HEAD response has no body).
    pub head_len: usize,
    /// Whether the connection persists after this response (RFC 9112 §9.3): HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`; never after 101.
    pub keep_alive: bool,
}

impl Response {
    /// The value of the first header field named `name` (case-insensitive, RFC 9110 §5.1).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

/// Why a response head could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpError {
    /// httparse (or the status range check) rejected the head; `start` is its first line.
    Malformed { reason: String, start: String },
    /// The head did not end within `cap` bytes.
    TooLarge { cap: usize },
    /// The head has more than `max` header lines.
    TooManyHeaders { max: usize },
    /// The peer closed the connection after `received` bytes of an unfinished head.
    ClosedEarly { received: usize },
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Malformed { reason, start } => f.write_str(&tr!(
                "http-malformed",
                reason = reason.as_str(),
                start = format!("{start:?}")
            )),
            HttpError::TooLarge { cap } => {
                f.write_str(&tr!("http-too-large", cap = cap.to_string()))
            }
            HttpError::TooManyHeaders { max } => {
                f.write_str(&tr!("http-too-many-headers", max = max.to_string()))
            }
            HttpError::ClosedEarly { received } => {
                f.write_str(&tr!("http-closed-early", received = received.to_string()))
            }
        }
    }
}

impl std::error::Error for HttpError {}

/// Reads response heads from a byte stream, one response at a time.
///
/// After a response is returned the parser is ready for the next one on the same connection,
/// starting with whatever bytes followed the head; call `feed(&[])` to get a response that was
/// already buffered. After an error every `feed` returns that error again.
pub struct HeadParser {
    max_head_bytes: usize,
    /// Bytes of the pending response, from its first byte.
    buf: Vec<u8>,
    /// Where in `buf` the head after the interim ones starts.
    start: usize,
    interim: Vec<Block>,
    received: usize,
    /// Whether `buf` may hold a complete head: a head ends with `\n`, so parsing is retried
    /// only when one arrives (or leftover bytes wait), not on every byte of a long line.
    dirty: bool,
    failed: Option<HttpError>,
}

impl HeadParser {
    /// A parser failing once a response's heads (interim ones included) exceed
    /// `max_head_bytes`, which also bounds an endless stream of 1xx responses.
    pub fn new(max_head_bytes: usize) -> Self {
        HeadParser {
            max_head_bytes,
            buf: Vec::new(),
            start: 0,
            interim: Vec::new(),
            received: 0,
            dirty: false,
            failed: None,
        }
    }

    /// Takes the next bytes received; `Ok(Some(..))` once the final response head is complete.
    pub fn feed(&mut self, data: &[u8]) -> Result<Option<Response>, HttpError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.received += data.len();
        self.buf.extend_from_slice(data);
        self.dirty |= data.contains(&b'\n');
        let result = self.advance();
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    fn advance(&mut self) -> Result<Option<Response>, HttpError> {
        while self.dirty {
            let Some(head) = parse_head(&self.buf[self.start..])? else {
                self.dirty = false;
                break;
            };
            let end = self.start + head.len;
            if end > self.max_head_bytes {
                return Err(HttpError::TooLarge {
                    cap: self.max_head_bytes,
                });
            }
            let raw = self.buf[self.start + head.skip..end].to_vec();
            // RFC 9110 §15.2: a client must accept 1xx responses before the final one; 101 ends
            // HTTP on this connection, so it is the final response here (§15.2.2).
            if (100..200).contains(&head.status) && head.status != 101 {
                self.interim.push(Block {
                    status: head.status,
                    raw,
                });
                self.start = end;
                continue;
            }
            let keep_alive = head.status != 101
                && !has_connection_option(&head.headers, "close")
                && (head.version >= 1 || has_connection_option(&head.headers, "keep-alive"));
            let response = Response {
                version: head.version,
                status: head.status,
                reason: reason_phrase(&raw),
                headers: head.headers,
                interim: std::mem::take(&mut self.interim),
                raw,
                head_len: end,
                keep_alive,
            };
            self.buf.drain(..end);
            self.start = 0;
            self.dirty = !self.buf.is_empty();
            return Ok(Some(response));
        }
        if self.buf.len() > self.max_head_bytes {
            return Err(HttpError::TooLarge {
                cap: self.max_head_bytes,
            });
        }
        Ok(None)
    }

    /// Total bytes fed so far.
    pub fn received(&self) -> usize {
        self.received
    }

    /// Bytes held for the response not yet returned.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// The error for a connection that ended before the pending head did.
    pub fn closed_early(&self) -> HttpError {
        HttpError::ClosedEarly {
            received: self.buf.len(),
        }
    }
}

/// One complete head, owned.
struct Head {
    /// Bytes from the buffer start through the empty line.
    len: usize,
    /// Empty lines before the status line (httparse skips them).
    skip: usize,
    version: u8,
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
}

fn parse_head(buf: &[u8]) -> Result<Option<Head>, HttpError> {
    let mut config = httparse::ParserConfig::default();
    // RFC 9112 §5.2: a user agent must accept obs-fold in responses (replacing it with SP);
    // §5.1 only tells servers to reject whitespace before the colon and proxies to strip it
    // from responses, so a client may read past it. httparse accepts bare LF by itself
    // (RFC 9112 §2.2 lets a recipient treat a single LF as a line terminator).
    config
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_spaces_after_header_name_in_responses(true);
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut fields);
    let malformed = |reason: String| HttpError::Malformed {
        reason,
        start: first_line(buf),
    };
    let len = match config.parse_response(&mut resp, buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(HttpError::TooManyHeaders { max: MAX_HEADERS });
        }
        Err(e) => return Err(malformed(httparse_text(e))),
    };
    let status = resp.code.unwrap_or(0);
    // httparse takes any three digits; RFC 9110 §15 puts status codes in 100-599, and
    // clients treat unknown codes by class, so only codes below 100 are impossible to read.
    if status < 100 {
        return Err(malformed(tr!(
            "http-status-below-100",
            status = format!("{status:03}")
        )));
    }
    Ok(Some(Head {
        len,
        skip: blank_lines(buf),
        version: resp.version.unwrap_or(1),
        status,
        headers: resp
            .headers
            .iter()
            .map(|h| (h.name.to_string(), unfold(h.value)))
            .collect(),
    }))
}

/// Length of the empty lines (`\r\n` or `\n`) at the start of `buf`.
fn blank_lines(buf: &[u8]) -> usize {
    let mut at = 0;
    loop {
        match &buf[at..] {
            [b'\r', b'\n', ..] => at += 2,
            [b'\n', ..] => at += 1,
            _ => return at,
        }
    }
}

/// The first line of `buf` after empty lines, lossily decoded and cut to 60 characters, for
/// error messages.
fn first_line(buf: &[u8]) -> String {
    let rest = &buf[blank_lines(buf)..];
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    String::from_utf8_lossy(line).chars().take(60).collect()
}

/// The reason phrase from a validated status line: what follows `HTTP/1.x NNN `. Read from the
/// raw bytes because httparse gives an empty reason when it holds obs-text (bytes >= 0x80).
fn reason_phrase(raw: &[u8]) -> String {
    let line = raw.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // "HTTP/1.x" SP 3DIGIT [SP reason]
    let reason = line.get(13..).unwrap_or_default();
    String::from_utf8_lossy(reason).into_owned()
}

/// A field value with each obs-fold (OWS line-break RWS) replaced by one space (RFC 9112 §5.2).
fn unfold(value: &[u8]) -> Vec<u8> {
    if !value.contains(&b'\n') {
        return value.to_vec();
    }
    let mut out = Vec::with_capacity(value.len());
    for piece in value.split(|&b| b == b'\n') {
        let piece = piece.trim_ascii();
        if piece.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(piece);
    }
    out
}

/// Whether a `Connection` field lists `option` (a comma-separated, case-insensitive token list
/// that may be split over several field lines, RFC 9110 §7.6.1).
fn has_connection_option(headers: &[(String, Vec<u8>)], option: &str) -> bool {
    headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("connection"))
        .flat_map(|(_, value)| value.split(|&b| b == b','))
        .any(|token| token.trim_ascii().eq_ignore_ascii_case(option.as_bytes()))
}

/// What `curl -sI URL` prints for `resp`: each interim head, then the final one, header lines
/// as received (folded lines kept) with `\r\n` line ends, each head ending with an empty line.
pub fn render_like_curl(resp: &Response) -> String {
    let mut out = Vec::new();
    for raw in resp.interim.iter().map(|b| &b.raw).chain([&resp.raw]) {
        // A raw head ends with "\n", so the last piece of the split is empty: skip it.
        let mut lines = raw.split(|&b| b == b'\n').collect::<Vec<_>>();
        lines.pop();
        for line in lines {
            // The server's bytes, with control characters made visible (a terminal shows
            // this).
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            out.extend_from_slice(super::escape::printable_bytes(line).as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `unix_us` (µs since 1970, UTC) as an IMF-fixdate, the HTTP date format
/// (RFC 9110 §5.6.7): `Tue, 24 Nov 2026 01:22:28 GMT`. Instants outside years 0-9999 are
/// clamped into them (the format has a four-digit year).
pub fn push_imf_fixdate(unix_us: i64, out: &mut Vec<u8>) {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since 1970.
    let secs = unix_us
        .div_euclid(1_000_000)
        .clamp(-62_167_219_200, 253_402_300_799);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let two = |out: &mut Vec<u8>, v: i64| {
        out.push(b'0' + (v / 10) as u8);
        out.push(b'0' + (v % 10) as u8);
    };
    out.extend_from_slice(WEEKDAYS[days.rem_euclid(7) as usize].as_bytes());
    out.extend_from_slice(b", ");
    two(out, i64::from(day));
    out.push(b' ');
    out.extend_from_slice(MONTHS[month as usize - 1].as_bytes());
    out.push(b' ');
    for digit in [1000, 100, 10, 1] {
        out.push(b'0' + (year / digit % 10) as u8);
    }
    out.push(b' ');
    two(out, sod / 3600);
    out.push(b':');
    two(out, sod % 3600 / 60);
    out.push(b':');
    two(out, sod % 60);
    out.extend_from_slice(b" GMT");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(host: &str, port: u16, path: &str, authority: &str) -> Url {
        Url {
            host: host.to_string(),
            port,
            path: path.to_string(),
            authority: authority.to_string(),
        }
    }

    #[test]
    fn good_urls() {
        let cases = [
            (
                "http://example.com",
                url("example.com", 80, "/", "example.com"),
            ),
            (
                "HTTP://example.com/",
                url("example.com", 80, "/", "example.com"),
            ),
            (
                "http://127.0.0.1:8080/a/b?x=1&y=2#frag",
                url("127.0.0.1", 8080, "/a/b?x=1&y=2", "127.0.0.1:8080"),
            ),
            ("http://h?q", url("h", 80, "/?q", "h")),
            ("http://h#top", url("h", 80, "/", "h")),
            ("http://[::1]:8080/", url("::1", 8080, "/", "[::1]:8080")),
            ("http://[::1]", url("::1", 80, "/", "[::1]")),
            ("http://h:/x", url("h", 80, "/x", "h")),
            ("http://h/caf\u{e9}", url("h", 80, "/caf%C3%A9", "h")),
        ];
        for (text, want) in cases {
            assert_eq!(parse_url(text), Ok(want), "{text}");
        }
    }

    /// Every refusal reads Spanish in Spanish: no English sentence left (the URL and the
    /// quoted parts are the user's own text).
    #[test]
    fn bad_urls_in_spanish() {
        use crate::i18n::{Lang, with_lang};
        let cases = [
            ("ftp://h/", "esquema no soportado \"ftp\""),
            ("http:///path", "falta el nombre del host"),
            ("http://h:0/", "puerto no válido \"0\""),
            ("http://h/a b", "contiene un espacio"),
            ("http://h/a\tb", "carácter de control '\\t'"),
            ("http://u:p@h/", "credenciales de usuario"),
            ("http://::1/", "va entre corchetes"),
            ("http://[nope]/", "\"nope\" no es una dirección IPv6"),
            ("http://[::1]x/", "\"x\" inesperado tras la dirección IPv6"),
            ("http://h<x>/", "el carácter '<' no está permitido"),
            ("http://b\u{fc}cher.de/", "host con caracteres no ASCII"),
            ("x", "falta el esquema"),
        ];
        for (text, want) in cases {
            let err = with_lang(Lang::Es, || parse_url(text)).expect_err(text);
            assert!(
                err.starts_with(&format!("URL no válida {text:?}: ")),
                "{err}"
            );
            assert!(err.contains(want), "{text}: {err}");
            for english in ["bad URL", "is not", "unexpected", "missing", "contains"] {
                assert!(!err.contains(english), "{text}: {err}");
            }
        }
        let said = |e: HttpError| with_lang(Lang::Es, || e.to_string());
        assert_eq!(
            said(HttpError::TooLarge { cap: 64 }),
            "las cabeceras de la respuesta superan los 64 bytes"
        );
        assert_eq!(
            said(HttpError::TooManyHeaders { max: 128 }),
            "la respuesta tiene más de 128 líneas de cabecera"
        );
        let mut p = HeadParser::new(1024);
        let err = with_lang(Lang::Es, || p.feed(b"HTTP/9.9 200 OK\r\n\r\n")).unwrap_err();
        assert!(said(err).contains("versión de HTTP no válida"));
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        let cases = [
            ("example.com/", "missing scheme"),
            ("localhost:8080", "missing scheme"),
            ("://h/", "missing scheme"),
            (
                "https://example.com/",
                "https is not supported: losslab speaks plain HTTP",
            ),
            ("ftp://h/", "unsupported scheme \"ftp\""),
            ("http:///path", "empty host"),
            ("http://:80/", "empty host"),
            ("http://h:0/", "bad port \"0\""),
            ("http://h:65536/", "bad port \"65536\""),
            ("http://h:+80/", "bad port \"+80\""),
            ("http://h:http/", "bad port \"http\""),
            ("http://h/a b", "contains a space"),
            ("http://h/a\tb", "control character '\\t'"),
            ("http://h/\r\n", "control character '\\r'"),
            ("http://u:p@h/", "user credentials"),
            ("http://::1/", "IPv6 address needs brackets"),
            ("http://[::1/", "closing ']'"),
            ("http://[nope]/", "\"nope\" is not an IPv6 address"),
            ("http://[::1]x/", "unexpected \"x\""),
            ("http://h<x>/", "character '<' is not allowed"),
            ("http://b\u{fc}cher.de/", "non-ASCII host"),
        ];
        for (text, want) in cases {
            let err = parse_url(text).expect_err(text);
            assert!(err.starts_with(&format!("bad URL {text:?}: ")), "{err}");
            assert!(err.contains(want), "{text}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn head_request_bytes_are_exact() {
        let u = parse_url("http://[::1]:8080/p?q=1").unwrap();
        let mut out = b"stale".to_vec();
        let common = format!("Host: [::1]:8080\r\nUser-Agent: {PRODUCT}\r\nAccept: */*\r\n");
        encode_head_request(&u, false, true, &mut out);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            format!("HEAD /p?q=1 HTTP/1.1\r\n{common}\r\n")
        );
        encode_head_request(&u, false, false, &mut out);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            format!("HEAD /p?q=1 HTTP/1.1\r\n{common}Connection: close\r\n\r\n")
        );
        encode_head_request(&u, true, false, &mut out);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            format!("HEAD /p?q=1 HTTP/1.0\r\n{common}\r\n")
        );
        encode_head_request(&u, true, true, &mut out);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            format!("HEAD /p?q=1 HTTP/1.0\r\n{common}Connection: keep-alive\r\n\r\n")
        );
        assert!(PRODUCT.starts_with("losslab/0."), "{PRODUCT}");
    }

    fn parse_whole(data: &[u8]) -> Response {
        HeadParser::new(64 * 1024)
            .feed(data)
            .unwrap()
            .expect("complete")
    }

    const SIMPLE: &[u8] =
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1234\r\n\r\n";

    #[test]
    fn content_length_without_body_completes_at_the_end_of_the_head() {
        let r = parse_whole(SIMPLE);
        assert_eq!((r.version, r.status, r.reason.as_str()), (1, 200, "OK"));
        assert_eq!(r.header("content-length"), Some(&b"1234"[..]));
        assert_eq!(r.header("CONTENT-TYPE"), Some(&b"text/html"[..]));
        assert_eq!(r.raw, SIMPLE);
        assert_eq!(r.head_len, SIMPLE.len());
        assert!(r.keep_alive);
        assert!(r.interim.is_empty());
    }

    #[test]
    fn chunked_completes_at_the_end_of_the_head() {
        let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        let mut p = HeadParser::new(1024);
        let r = p.feed(head).unwrap().expect("no wait for chunks");
        assert_eq!(r.header("transfer-encoding"), Some(&b"chunked"[..]));
        assert_eq!(r.head_len, head.len());
        assert_eq!(p.buffered(), 0);
    }

    #[test]
    fn byte_by_byte_gives_the_same_response_as_whole() {
        let data = [
            &b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"[..],
            SIMPLE,
            b"trailing",
        ]
        .concat();
        let whole = parse_whole(&data);
        let mut p = HeadParser::new(64 * 1024);
        let mut got = None;
        for (i, b) in data.iter().enumerate() {
            if let Some(r) = p.feed(std::slice::from_ref(b)).unwrap() {
                got = Some((i, r));
                break;
            }
        }
        let (at, r) = got.expect("complete");
        assert_eq!(r, whole);
        assert_eq!(at + 1, whole.head_len, "completes on the head's last byte");
        assert_eq!(p.received(), whole.head_len);
    }

    #[test]
    fn interim_responses_are_skipped_and_recorded() {
        let c = b"HTTP/1.1 100 Continue\r\n\r\n";
        let e = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n";
        let data = [&c[..], e, SIMPLE].concat();
        let r = parse_whole(&data);
        assert_eq!(r.status, 200);
        assert_eq!(
            r.interim,
            vec![
                Block {
                    status: 100,
                    raw: c.to_vec()
                },
                Block {
                    status: 103,
                    raw: e.to_vec()
                }
            ]
        );
        assert_eq!(r.raw, SIMPLE);
        assert_eq!(r.head_len, data.len());
    }

    #[test]
    fn switching_protocols_is_final() {
        let r = parse_whole(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n");
        assert_eq!(r.status, 101);
        assert!(r.interim.is_empty());
        assert!(!r.keep_alive, "the connection no longer speaks HTTP");
    }

    #[test]
    fn bare_lf_line_ends_are_accepted() {
        let data = b"HTTP/1.0 404 Not Found\nServer: old\n\nbody";
        let r = parse_whole(data);
        assert_eq!(
            (r.version, r.status, r.reason.as_str()),
            (0, 404, "Not Found")
        );
        assert_eq!(r.header("server"), Some(&b"old"[..]));
        assert_eq!(r.raw, b"HTTP/1.0 404 Not Found\nServer: old\n\n");
        assert_eq!(r.head_len, data.len() - 4);
        assert_eq!(
            render_like_curl(&r),
            "HTTP/1.0 404 Not Found\r\nServer: old\r\n\r\n"
        );
    }

    #[test]
    fn obsolete_folded_lines_are_accepted_and_unfolded() {
        let data =
            b"HTTP/1.1 200 OK\r\nX-Long: first\r\n   second \r\n\tthird\r\nX-Next: n\r\n\r\n";
        let r = parse_whole(data);
        assert_eq!(r.header("x-long"), Some(&b"first second third"[..]));
        assert_eq!(r.header("x-next"), Some(&b"n"[..]));
        assert_eq!(r.raw, data);
        // curl shows the folded lines as they came.
        assert_eq!(render_like_curl(&r), String::from_utf8_lossy(data));
    }

    #[test]
    fn leading_empty_lines_are_not_part_of_the_head() {
        let r = parse_whole(b"\r\n\nHTTP/1.1 204 No Content\r\n\r\n");
        assert_eq!(r.status, 204);
        assert_eq!(r.raw, b"HTTP/1.1 204 No Content\r\n\r\n");
        assert_eq!(r.head_len, 3 + 27);
    }

    #[test]
    fn reason_with_obs_text_is_kept() {
        let r = parse_whole(b"HTTP/1.1 200 D\xc3\xa9j\xe0 vu\r\n\r\n");
        assert_eq!(r.reason, "D\u{e9}j\u{fffd} vu");
        assert_eq!(parse_whole(b"HTTP/1.1 200\r\n\r\n").reason, "");
    }

    #[test]
    fn a_head_above_the_cap_errors_with_the_cap() {
        let mut p = HeadParser::new(64);
        assert_eq!(p.feed(b"HTTP/1.1 200 OK\r\n"), Ok(None));
        let err = p.feed(&[b'x'; 100]).unwrap_err();
        assert_eq!(err, HttpError::TooLarge { cap: 64 });
        assert_eq!(err.to_string(), "response headers exceed 64 bytes");
        // The error sticks.
        assert_eq!(p.feed(b"\r\n\r\n"), Err(err));
        // A complete head longer than the cap fails too, even in one piece.
        let mut p = HeadParser::new(SIMPLE.len() - 1);
        assert_eq!(
            p.feed(SIMPLE),
            Err(HttpError::TooLarge {
                cap: SIMPLE.len() - 1
            })
        );
        // Exactly at the cap is fine, whatever follows.
        let mut p = HeadParser::new(SIMPLE.len());
        assert!(
            p.feed(&[SIMPLE, &[b'x'; 500][..]].concat())
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn too_many_header_lines_is_an_error() {
        let mut data = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..=MAX_HEADERS {
            data.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        data.extend_from_slice(b"\r\n");
        let err = HeadParser::new(1 << 20).feed(&data).unwrap_err();
        assert_eq!(err.to_string(), "response has more than 128 header lines");
        // One fewer is fine.
        let cut = data.iter().rposition(|&b| b == b'X').unwrap();
        let fewer = [&data[..cut], b"\r\n"].concat();
        assert_eq!(parse_whole(&fewer).headers.len(), MAX_HEADERS);
    }

    #[test]
    fn malformed_heads_name_the_problem() {
        let err = HeadParser::new(1024)
            .feed(b"SSH-2.0-OpenSSH_9.6\r\n")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "malformed response head: invalid HTTP version (it begins \"SSH-2.0-OpenSSH_9.6\")"
        );
        let err = HeadParser::new(1024)
            .feed(b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n")
            .unwrap_err();
        assert!(err.to_string().contains("invalid header name"), "{err}");
        let err = HeadParser::new(1024)
            .feed(b"HTTP/1.1 042 Odd\r\n\r\n")
            .unwrap_err();
        assert!(
            err.to_string().contains("status code 042 is below 100"),
            "{err}"
        );
        let err = HeadParser::new(1024)
            .feed(b"HTTP/2 200\r\n\r\n")
            .unwrap_err();
        assert!(err.to_string().contains("invalid HTTP version"), "{err}");
    }

    #[test]
    fn closed_early_counts_the_bytes() {
        let mut p = HeadParser::new(1024);
        assert_eq!(p.feed(b"HTTP/1.1 200 OK\r\nServer: x"), Ok(None));
        assert_eq!(
            p.closed_early().to_string(),
            "connection closed after 26 bytes, before the end of the response headers"
        );
        assert_eq!(p.received(), 26);
    }

    #[test]
    fn keep_alive_matrix() {
        let cases = [
            ("1.1", "", true),
            ("1.1", "Connection: close\r\n", false),
            ("1.1", "Connection: Keep-Alive\r\n", true),
            ("1.1", "Connection: foo, CLOSE\r\n", false),
            ("1.1", "Connection: foo\r\nConnection: close\r\n", false),
            ("1.0", "", false),
            ("1.0", "Connection: keep-alive\r\n", true),
            ("1.0", "Connection: Keep-Alive, x\r\n", true),
            ("1.0", "Connection: close\r\n", false),
            ("1.0", "Connection: keep-alive, close\r\n", false),
        ];
        for (version, field, want) in cases {
            let head = format!("HTTP/{version} 200 OK\r\n{field}\r\n");
            assert_eq!(parse_whole(head.as_bytes()).keep_alive, want, "{head:?}");
        }
    }

    #[test]
    fn back_to_back_responses_come_one_at_a_time() {
        let mut p = HeadParser::new(1024);
        let two = [SIMPLE, b"HTTP/1.1 304 Not Modified\r\n\r\n"].concat();
        assert_eq!(p.feed(&two).unwrap().unwrap().status, 200);
        assert_eq!(p.buffered(), two.len() - SIMPLE.len());
        assert_eq!(p.feed(&[]).unwrap().unwrap().status, 304);
        assert_eq!(p.feed(&[]), Ok(None));
        assert_eq!(p.received(), two.len());
    }

    #[test]
    fn render_like_curl_is_exact() {
        let data =
            b"HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\r\nServer: s\nContent-Length: 5\r\n\r\n";
        assert_eq!(
            render_like_curl(&parse_whole(data)),
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 5\r\n\r\n"
        );
    }

    #[test]
    fn imf_fixdate_is_exact() {
        let date = |unix_us| {
            let mut out = Vec::new();
            push_imf_fixdate(unix_us, &mut out);
            String::from_utf8(out).unwrap()
        };
        // RFC 9110 §5.6.7's own example.
        assert_eq!(date(784_111_777_000_000), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(date(1_795_483_348_500_000), "Tue, 24 Nov 2026 01:22:28 GMT");
        assert_eq!(date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(date(1_709_208_000_000_000), "Thu, 29 Feb 2024 12:00:00 GMT");
        assert_eq!(date(i64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(date(i64::MIN), "Sat, 01 Jan 0000 00:00:00 GMT");
    }
}
