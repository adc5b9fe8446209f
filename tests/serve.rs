//! `losslab serve time` as a separate process, talked to with plain std UDP sockets.

mod common;

use common::*;
use std::io::ErrorKind;
use std::net::UdpSocket;
use std::time::Duration;

fn client_socket() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

#[test]
fn ctime_parser_knows_real_dates() {
    // The test's own date reader, checked against dates worked out by hand.
    assert_eq!(parse_ctime_utc("Thu Jan  1 00:00:00 1970 UTC"), Ok(0));
    assert_eq!(
        parse_ctime_utc("Tue Nov 24 01:22:28 2026 UTC"),
        Ok(1_795_483_348)
    );
    assert_eq!(
        parse_ctime_utc("Thu Feb 29 12:00:00 2024 UTC"),
        Ok(1_709_208_000)
    );
    assert!(parse_ctime_utc("Wed Feb 29 12:00:00 2024 UTC").is_err()); // wrong weekday
    assert!(parse_ctime_utc("Thu Jan 1 00:00:00 1970 UTC").is_err()); // unpadded day
    assert!(parse_ctime_utc("Thu Jan  1 00:00:00 1970").is_err()); // no UTC
    assert!(parse_ctime_utc("Thu Feb 30 00:00:00 2024 UTC").is_err()); // no such day
    assert_eq!(year_of(1_795_483_348), 2026);
}

/// Test 1: a plain datagram gets the date and time as one ctime line in UTC.
#[test]
fn plain_datagram_gets_a_ctime_utc_reply() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_server(tmp.path(), &["--loss", "0", "--max-requests", "1"]);
    let sock = client_socket();
    let before = unix_now();
    sock.send_to(b"hola", server.addr).unwrap();
    let mut buf = [0u8; 512];
    let (n, from) = sock
        .recv_from(&mut buf)
        .expect("a reply from the server within 10 s");
    let after = unix_now();
    assert_eq!(
        from, server.addr,
        "the reply comes from the server's address"
    );
    let reply = std::str::from_utf8(&buf[..n]).expect("the reply is text");
    assert!(reply.ends_with(" UTC\n"), "{reply:?}");
    assert_eq!(reply.matches('\n').count(), 1, "one line: {reply:?}");
    assert_date_line(reply.trim_end_matches('\n'), before, after);

    let done = server.proc.finish(DEADLINE);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let me = sock.local_addr().unwrap();
    assert!(
        done.stdout
            .lines()
            .any(|l| l.contains("answered plain request #0") && l.contains(&format!("from {me}"))),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains("received 1, answered 1, discarded 0"),
        "{}",
        done.stdout
    );
}

/// Test 2: every discard is announced, naming the sender, and nothing is sent back.
#[test]
fn each_discard_is_printed_and_nothing_is_answered() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_server(tmp.path(), &["--loss", "1", "--max-requests", "3", "-q"]);
    let sock = client_socket();
    let me = sock.local_addr().unwrap();
    for i in 0..3 {
        sock.send_to(format!("hola {i}").as_bytes(), server.addr)
            .unwrap();
    }
    let done = server.proc.finish(DEADLINE);
    assert_eq!(done.code(), Some(0), "{done:?}");

    let discards: Vec<&str> = done
        .stdout
        .lines()
        .filter(|l| l.contains("discarded") && l.contains(&format!("from {me} ")))
        .collect();
    assert_eq!(discards.len(), 3, "stdout:\n{}", done.stdout);
    for (i, line) in discards.iter().enumerate() {
        assert!(line.contains(&format!("plain request #{i}")), "{line}");
    }
    // Besides the three discards only the banner and the closing count; -q hides nothing
    // that was discarded, and nothing was answered.
    assert!(!done.stdout.contains("answered plain"), "{}", done.stdout);
    assert!(
        done.stdout.contains("received 3, answered 0, discarded 3"),
        "{}",
        done.stdout
    );

    // The server has exited, so any reply it sent is already queued on our socket.
    sock.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 512];
    match sock.recv_from(&mut buf) {
        Ok((n, from)) => panic!(
            "a discarded request was answered by {from}: {:?}",
            String::from_utf8_lossy(&buf[..n])
        ),
        Err(e) => assert!(
            matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            "{e}"
        ),
    }
}

/// With p = 0.5 and a fixed seed, plain datagrams are discarded by arrival index: two servers
/// with the same seed discard the same ones, and a discard line appears exactly for each
/// datagram that got no reply.
#[test]
fn same_seed_discards_the_same_plain_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let n = 40;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let mut server = start_server(
            tmp.path(),
            &[
                "--loss",
                "0.5",
                "--seed",
                "7",
                "--max-requests",
                &n.to_string(),
            ],
        );
        let sock = client_socket();
        let mut answered = Vec::new();
        for i in 0..n {
            sock.send_to(format!("{i}").as_bytes(), server.addr)
                .unwrap();
        }
        let done = server.proc.finish(DEADLINE);
        assert_eq!(done.code(), Some(0), "{done:?}");
        sock.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 512];
        while let Ok((len, _)) = sock.recv_from(&mut buf) {
            parse_ctime_utc(std::str::from_utf8(&buf[..len]).unwrap().trim_end())
                .unwrap_or_else(|e| panic!("{e}"));
            answered.push(len);
        }
        let discarded: Vec<u64> = done
            .stdout
            .lines()
            .filter(|l| l.contains("] discarded plain request #"))
            .map(|l| {
                let rest = l.split('#').nth(1).unwrap();
                rest.split(' ').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(
            discarded.len() + answered.len(),
            n,
            "every datagram is either answered or announced as discarded:\n{}",
            done.stdout
        );
        assert!(
            !discarded.is_empty() && discarded.len() < n,
            "{discarded:?}"
        );
        runs.push(discarded);
    }
    assert_eq!(runs[0], runs[1]);
}

/// Test 7 (serve): a port in use is an error naming the address, exit code 2.
#[test]
fn serve_on_a_port_in_use_fails_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = blocker.local_addr().unwrap();
    let done = run(
        losslab(tmp.path()).args([
            "serve",
            "time",
            "--bind",
            &addr.to_string(),
            "--max-requests",
            "1",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains(&addr.to_string()), "{}", done.stderr);
    assert!(
        done.stderr.to_lowercase().contains("in use"),
        "{}",
        done.stderr
    );
    drop(blocker);
}

/// An invalid --loss is refused before any socket is opened.
#[test]
fn serve_rejects_a_loss_outside_0_1() {
    let tmp = tempfile::tempdir().unwrap();
    let done = run(
        losslab(tmp.path()).args(["serve", "time", "--bind", "127.0.0.1:0", "--loss", "1.5"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("--loss"), "{}", done.stderr);
    assert!(done.stderr.contains("1.5"), "{}", done.stderr);
}
