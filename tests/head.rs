//! `losslab head` against misbehaving servers (a std `TcpListener` thread in the test that
//! follows a script), and bad command lines. Every server here serves one connection, reads the
//! request head, answers as scripted, and gives up on its own after a bounded time.

mod common;

use common::*;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a fixture server waits for anything (the client's connection, its request, its
/// close) before giving up. A generous bound, never a measurement.
const FIXTURE_LIMIT: Duration = Duration::from_secs(30);

/// What the fixture does once it has read the request head.
#[derive(Clone)]
enum Script {
    /// Answer nothing; hold the connection until the client closes it.
    Silent,
    /// Send these bytes, then close.
    SendAndClose(Vec<u8>),
    /// Send these bytes, then hold the connection open until the client closes it.
    SendAndHold(Vec<u8>),
    /// Send `head` then `line` repeatedly, up to `total` bytes (or until the client is gone),
    /// then hold the connection.
    Flood {
        head: Vec<u8>,
        line: Vec<u8>,
        total: usize,
    },
}

/// A one-connection server thread on 127.0.0.1, port 0.
struct Fixture {
    addr: SocketAddr,
    thread: Option<JoinHandle<Vec<u8>>>,
}

impl Fixture {
    fn start(script: Script) -> Fixture {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let thread = std::thread::spawn(move || serve_one(&listener, &script));
        Fixture {
            addr,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// The request the client sent (its head, as received). Waits for the thread, which ends
    /// within its own bounds.
    fn request(mut self) -> String {
        let bytes = self
            .thread
            .take()
            .unwrap()
            .join()
            .expect("the fixture thread panicked");
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

fn serve_one(listener: &TcpListener, script: &Script) -> Vec<u8> {
    listener.set_nonblocking(true).unwrap();
    let end = Instant::now() + FIXTURE_LIMIT;
    let mut stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < end => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => panic!("the client never connected: {e}"),
        }
    };
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(FIXTURE_LIMIT)).unwrap();
    stream.set_write_timeout(Some(FIXTURE_LIMIT)).unwrap();
    let request = read_head(&mut stream);
    match script {
        Script::Silent => hold(&mut stream),
        Script::SendAndClose(bytes) => {
            let _ = stream.write_all(bytes);
        }
        Script::SendAndHold(bytes) => {
            if stream.write_all(bytes).is_ok() {
                hold(&mut stream);
            }
        }
        Script::Flood { head, line, total } => {
            let mut sent = 0;
            let mut ok = stream.write_all(head).is_ok();
            // Bounded by `total`; a client that stopped reading makes a write fail (reset) or
            // time out.
            while ok && sent < *total {
                ok = stream.write_all(line).is_ok();
                sent += line.len();
            }
            if ok {
                hold(&mut stream);
            }
        }
    }
    request
}

/// Reads up to the end of the request head (bounded in size and by the read timeout).
fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

/// Keeps the connection open until the client closes it (or the read timeout ends the wait).
fn hold(stream: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let end = Instant::now() + FIXTURE_LIMIT;
    while Instant::now() < end {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// `losslab head ARGS...` run to completion (bounded).
fn head(cwd: &Path, args: &[&str]) -> Finished {
    run(losslab(cwd).arg("head").args(args), b"")
}

/// Exit 2 with exactly one line on stderr, `Error: ...`, that names `url`.
fn assert_one_line_error(done: &Finished, url: &str) -> String {
    assert_eq!(done.code(), Some(2), "{done:?}");
    let err = done.stderr.trim_end();
    assert_eq!(
        err.lines().count(),
        1,
        "one line on stderr: {:?}",
        done.stderr
    );
    assert!(err.starts_with("Error: "), "{err}");
    assert!(err.contains(url), "the error does not name {url}: {err}");
    err.to_string()
}

#[test]
fn server_that_never_answers_times_out_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Fixture::start(Script::Silent);
    let url = server.url();
    let done = head(tmp.path(), &[&url, "--timeout", "500ms"]);
    let err = assert_one_line_error(&done, &url);
    assert!(err.contains("no response"), "{err}");
    assert!(done.stdout.is_empty(), "{}", done.stdout);
    let request = server.request();
    assert!(request.starts_with("HEAD / HTTP/1.1\r\n"), "{request:?}");
}

#[test]
fn server_closing_mid_headers_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Fixture::start(Script::SendAndClose(
        b"HTTP/1.1 200 OK\r\nServer: x".to_vec(),
    ));
    let url = server.url();
    let done = head(tmp.path(), &[&url]);
    let err = assert_one_line_error(&done, &url);
    assert!(err.contains("closed"), "{err}");
    assert!(
        err.contains("before the end of the response headers"),
        "{err}"
    );
    server.request();
}

/// Long header lines: the head passes the byte cap before the header-line cap.
#[test]
fn endless_headers_stop_at_the_size_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let line = format!("X-Junk: {}\r\n", "a".repeat(4000)).into_bytes();
    let server = Fixture::start(Script::Flood {
        head: b"HTTP/1.1 200 OK\r\n".to_vec(),
        line,
        total: 1 << 20,
    });
    let url = server.url();
    let done = head(tmp.path(), &[&url, "--timeout", "20s"]);
    let err = assert_one_line_error(&done, &url);
    let cap = losslab::client::tcp::MAX_HEAD_BYTES.to_string();
    assert!(
        err.contains(&cap),
        "the error does not give the cap {cap}: {err}"
    );
    assert!(err.contains("exceed"), "{err}");
    server.request();
}

/// Short header lines: the header-line cap comes first, and is named.
#[test]
fn endless_short_headers_stop_at_the_header_line_cap() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Fixture::start(Script::Flood {
        head: b"HTTP/1.1 200 OK\r\n".to_vec(),
        line: b"X-Junk: a\r\n".to_vec(),
        total: 1 << 20,
    });
    let url = server.url();
    let done = head(tmp.path(), &[&url, "--timeout", "20s"]);
    let err = assert_one_line_error(&done, &url);
    let cap = losslab::wire::http::MAX_HEADERS.to_string();
    assert!(
        err.contains(&cap),
        "the error does not give the cap {cap}: {err}"
    );
    assert!(err.contains("header lines"), "{err}");
    server.request();
}

#[test]
fn interim_responses_are_shown_before_the_final_one() {
    let tmp = tempfile::tempdir().unwrap();
    let response = "HTTP/1.1 100 Continue\r\n\r\n\
                    HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n\
                    HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n";
    let server = Fixture::start(Script::SendAndHold(response.as_bytes().to_vec()));
    let url = server.url();
    let done = head(tmp.path(), &[&url]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(
        done.stdout, response,
        "the three heads, in order, as received"
    );
    server.request();
}

#[test]
fn obsolete_line_folding_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let response = "HTTP/1.1 200 OK\r\nX-Folded: first\r\n  second\r\nContent-Length: 0\r\n\r\n";
    let server = Fixture::start(Script::SendAndHold(response.as_bytes().to_vec()));
    let url = server.url();
    let done = head(tmp.path(), &[&url]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(done.stdout, response, "folded lines are shown as received");
    let (status, names) = final_head(&done.stdout);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["content-length", "x-folded"]
    );
    server.request();
}

#[test]
fn bare_lf_line_ends_are_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let response = "HTTP/1.1 200 OK\nServer: bare\nContent-Length: 0\n\n";
    let server = Fixture::start(Script::SendAndHold(response.as_bytes().to_vec()));
    let url = server.url();
    let done = head(tmp.path(), &[&url]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let lines: Vec<&str> = done
        .stdout
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    assert_eq!(
        lines,
        [
            "HTTP/1.1 200 OK",
            "Server: bare",
            "Content-Length: 0",
            "",
            ""
        ],
        "{:?}",
        done.stdout
    );
    server.request();
}

/// A HEAD response ends at its empty line whatever its framing headers say (RFC 9110 §9.3.2):
/// with the server holding the connection open, waiting for a body or for EOF would end in the
/// timeout (exit 2), so exit 0 shows that the client stopped at the end of the headers.
#[test]
fn chunked_head_response_ends_at_the_empty_line() {
    let tmp = tempfile::tempdir().unwrap();
    let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    let server = Fixture::start(Script::SendAndHold(response.as_bytes().to_vec()));
    let url = server.url();
    let done = head(tmp.path(), &[&url, "--timeout", "20s"]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(done.stdout, response);
    server.request();
}

#[test]
fn content_length_head_response_ends_at_the_empty_line() {
    let tmp = tempfile::tempdir().unwrap();
    let response = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
    let server = Fixture::start(Script::SendAndHold(response.as_bytes().to_vec()));
    let url = server.url();
    let done = head(tmp.path(), &[&url, "--timeout", "20s"]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(done.stdout, response);
    server.request();
}

#[test]
fn request_carries_the_host_header() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Fixture::start(Script::SendAndClose(
        b"HTTP/1.0 204 No Content\r\n\r\n".to_vec(),
    ));
    let url = format!("{}index.html?q=1", server.url());
    let port = server.addr.port();
    let done = head(tmp.path(), &[&url]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(done.stdout.starts_with("HTTP/1.0 204 "), "{}", done.stdout);
    let request = server.request();
    assert!(
        request.starts_with("HEAD /index.html?q=1 HTTP/1.1\r\n"),
        "{request:?}"
    );
    assert!(
        request.contains(&format!("\r\nHost: 127.0.0.1:{port}\r\n")),
        "{request:?}"
    );
    assert!(request.ends_with("\r\n\r\n"), "{request:?}");
}

// ---- Bad input: one line on stderr naming the URL, exit 2. ----

#[test]
fn malformed_urls_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    for url in [
        "127.0.0.1:8080/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1:80:80/",
    ] {
        let done = head(tmp.path(), &[url]);
        let err = assert_one_line_error(&done, url);
        assert!(err.contains("bad URL"), "{err}");
    }
}

#[test]
fn https_urls_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("https://127.0.0.1:{}/", unused_tcp_port());
    let done = head(tmp.path(), &[&url]);
    let err = assert_one_line_error(&done, &url);
    assert!(err.contains("https"), "{err}");
}

#[test]
fn unresolvable_host_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let url = "http://nonexistent.invalid/";
    let done = head(tmp.path(), &[url, "--timeout", "2s"]);
    let err = assert_one_line_error(&done, url);
    assert!(err.contains("resolve"), "{err}");
}

#[test]
fn refused_connection_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{}/", unused_tcp_port());
    let done = head(tmp.path(), &[&url]);
    let err = assert_one_line_error(&done, &url);
    assert!(err.to_lowercase().contains("refused"), "{err}");
}

// ---- In Spanish (issue 15): the same one-line errors, in the student's words. ----

fn head_es(cwd: &Path, args: &[&str]) -> Finished {
    run(losslab(cwd).args(["--lang", "es", "head"]).args(args), b"")
}

#[test]
fn bad_urls_are_refused_in_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    for (url, want) in [
        (
            "htp://x",
            "esquema no soportado \"htp\": losslab solo habla HTTP sin cifrar",
        ),
        (
            "127.0.0.1:8080/",
            "falta el esquema: escriba http://HOST[:PUERTO]/RUTA",
        ),
        (
            "http://127.0.0.1:99999/",
            "puerto no válido \"99999\": debe estar entre 1 y 65535",
        ),
        ("http://[::1/", "dirección IPv6 sin su ']' de cierre"),
        ("https://127.0.0.1/", "https no está soportado"),
    ] {
        let done = head_es(tmp.path(), &[url]);
        let err = assert_one_line_error(&done, url);
        assert!(err.contains(&format!("URL no válida {url:?}: ")), "{err}");
        assert!(err.contains(want), "{err}");
        assert!(!err.contains("bad URL"), "{err}");
    }
    // LANG alone is enough, and English stays as it was.
    let done = run(
        losslab(tmp.path())
            .env("LANG", "es_ES.UTF-8")
            .args(["head", "htp://x"]),
        b"",
    );
    assert!(done.stderr.contains("URL no válida"), "{}", done.stderr);
    let done = head(tmp.path(), &["htp://x"]);
    assert_eq!(
        done.stderr,
        "Error: bad URL \"htp://x\": unsupported scheme \"htp\": losslab speaks plain HTTP (http://)\n"
    );
}

#[test]
fn broken_responses_are_explained_in_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Fixture::start(Script::SendAndClose(
        b"HTTP/1.1 200 OK\r\nServer: x".to_vec(),
    ));
    let url = server.url();
    let done = head_es(tmp.path(), &[&url]);
    let err = assert_one_line_error(&done, &url);
    assert!(
        err.contains(
            "la conexión se cerró tras 26 bytes, antes del final de las cabeceras de la respuesta"
        ),
        "{err}"
    );
    server.request();

    let server = Fixture::start(Script::SendAndClose(b"HTTP/1.1 042 X\r\n\r\n".to_vec()));
    let url = server.url();
    let done = head_es(tmp.path(), &[&url]);
    let err = assert_one_line_error(&done, &url);
    assert!(
        err.contains("cabecera de respuesta mal formada: el código de estado 042 es menor que 100 (empieza por \"HTTP/1.1 042 X\")"),
        "{err}"
    );
    server.request();

    let server = Fixture::start(Script::SendAndClose(
        b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n".to_vec(),
    ));
    let url = server.url();
    let done = head_es(tmp.path(), &[&url]);
    let err = assert_one_line_error(&done, &url);
    assert!(err.contains("nombre de cabecera no válido"), "{err}");
    assert!(!err.contains("invalid"), "{err}");
    server.request();
}
