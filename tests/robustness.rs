//! Regression tests for what a client must not be able to do to a server: kill it with one
//! datagram, or make it hide a discard.

mod common;

use common::*;
use std::net::UdpSocket;
use std::time::Duration;

/// A datagram of the largest UDP size makes `Res: ` + data too large to send back: that one
/// reply is lost, and the server goes on answering the next client.
#[test]
fn oversized_echo_reply_does_not_stop_the_udp_echo_server() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_echo_server(tmp.path(), false, &["--max-requests", "2"]);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    socket.send_to(&vec![b'x'; 65_507], server.addr).unwrap();
    socket.send_to(b"hola", server.addr).unwrap();
    let mut buf = vec![0u8; 70_000];
    let n = socket
        .recv(&mut buf)
        .expect("the second request is answered");
    assert_eq!(&buf[..n], b"Res: hola");
    let done = server.proc.finish(Duration::from_secs(10));
    assert_eq!(done.code(), Some(0), "{done:?}");
    // The console shows a short preview, not 64 KiB of x.
    assert!(
        done.stdout.contains("(65507 bytes)"),
        "{}",
        &done.stdout[..200.min(done.stdout.len())]
    );
}

/// A request corrupted on its way in is unreadable, so the server discards it, and says so
/// even with --quiet (which hides only answers).
#[test]
fn a_corrupted_request_is_a_printed_discard() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_server(
        tmp.path(),
        &[
            "--corrupt",
            "100%",
            "--direction",
            "request",
            "--quiet",
            "--max-requests",
            "2",
        ],
    );
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.send_to(b"a", server.addr).unwrap();
    socket.send_to(b"b", server.addr).unwrap();
    let done = server.proc.finish(Duration::from_secs(10));
    let discards = done
        .stdout
        .lines()
        .filter(|l| l.contains("discarded") && l.contains("(corrupt"))
        .count();
    assert_eq!(discards, 2, "{}", done.stdout);
}
