//! The standard time protocols of `serve time --protocol`, checked with clients nobody here
//! wrote (installed by .ci/run): chrony (`chronyd -Q`, which retries until it has its samples),
//! `rdate` (RFC 868 over TCP and UDP, and SNTP with `-n`), python3-ntplib, and OpenBSD `nc` for
//! Daytime — against the lossy server directly and through `losslab relay` — and losslab's own
//! SNTP client. Everything on 127.0.0.1; every child has a deadline.

mod common;

use common::*;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Starts `losslab serve time --protocol P --bind 127.0.0.1:0 ARGS...` and reads its address.
fn start(dir: &Path, protocol: &str, args: &[&str]) -> (Proc, SocketAddr) {
    let prefix = format!("losslab {protocol} server on ");
    start_protocol_server(dir, protocol, args, None, &prefix)
}

/// Ends a server with SIGINT and returns what it printed.
fn stop(mut p: Proc) -> Finished {
    sigint(p.pid());
    p.finish(DEADLINE)
}

/// `rdate -p` prints `Mon Nov 30 07:00:01 UTC 2026` under TZ=UTC: as unix seconds.
fn rdate_time(out: &str) -> i64 {
    let line = out
        .lines()
        .find(|l| l.contains(" UTC "))
        .unwrap_or_else(|| panic!("no date in {out:?}"));
    let f: Vec<&str> = line.split_whitespace().collect();
    let [wd, mon, day, hms, "UTC", year] = f[..] else {
        panic!("unexpected rdate output {line:?}");
    };
    let day: u32 = day.parse().unwrap();
    parse_ctime_utc(&format!("{wd} {mon} {day:2} {hms} {year} UTC")).unwrap()
}

fn rdate(args: &[&str], addr: SocketAddr) -> Finished {
    require_program("rdate", "rdate");
    run(
        Command::new("rdate").env("TZ", "UTC").args(args).args([
            "-p",
            "-o",
            &addr.port().to_string(),
            "127.0.0.1",
        ]),
        b"",
    )
}

#[test]
fn rdate_reads_time_over_tcp_and_udp_and_sntp() {
    let tmp = tempfile::tempdir().unwrap();
    let (time, addr) = start(tmp.path(), "time", &["--loss", "0"]);
    for args in [&[][..], &["-u"][..]] {
        let before = unix_now();
        let done = rdate(args, addr);
        assert_eq!(done.code(), Some(0), "{args:?}: {done:?}");
        let t = rdate_time(&done.stdout);
        assert!((before - 2..=unix_now() + 2).contains(&t), "{t}");
    }
    let out = stop(time);
    assert!(
        out.stdout
            .contains("answered tcp connection from 127.0.0.1:")
    );
    assert!(out.stdout.contains("answered time plain request #0"));

    let (sntp, addr) = start(tmp.path(), "sntp", &["--loss", "0"]);
    let before = unix_now();
    let done = rdate(&["-n"], addr);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let t = rdate_time(&done.stdout);
    assert!((before - 2..=unix_now() + 2).contains(&t), "{t}");
    stop(sntp);
}

#[test]
fn nc_reads_daytime_over_udp_and_tcp() {
    require_program("nc", "netcat-openbsd");
    let tmp = tempfile::tempdir().unwrap();
    let (server, addr) = start(tmp.path(), "daytime", &["--loss", "0"]);
    let port = addr.port().to_string();
    for args in [&["-u", "-w1"][..], &["-w1", "-N"][..]] {
        let before = unix_now();
        let done = run(
            Command::new("nc").args(args).args(["127.0.0.1", &port]),
            b"\n",
        );
        assert_eq!(done.code(), Some(0), "{args:?}: {done:?}");
        let line = done.stdout.strip_suffix("\r\n").unwrap_or_else(|| {
            panic!(
                "{args:?}: a Daytime line ends with CR LF: {:?}",
                done.stdout
            )
        });
        assert_date_line(line, before, unix_now());
    }
    stop(server);
}

/// python3-ntplib (Debian's python3, where the package installs it): offset and delay of a
/// local server are small, it is stratum 1, and asking again at once gets a kiss-o'-death RATE.
#[test]
fn ntplib_gets_time_and_then_a_rate_kiss() {
    let python = match Path::new("/usr/bin/python3").exists() {
        true => "/usr/bin/python3",
        false => "python3",
    };
    let tmp = tempfile::tempdir().unwrap();
    let (server, addr) = start(tmp.path(), "sntp", &["--loss", "0"]);
    let code = format!(
        r#"import ntplib
c = ntplib.NTPClient()
r = c.request('127.0.0.1', port={port}, version=4, timeout=5)
print('first', r.offset, r.delay, r.stratum, r.mode, ntplib.ref_id_to_text(r.ref_id, r.stratum))
r = c.request('127.0.0.1', port={port}, version=3, timeout=5)
print('second', r.stratum, r.version, int(r.ref_id).to_bytes(4, 'big').decode('ascii'))
"#,
        port = addr.port()
    );
    let done = run(Command::new(python).args(["-c", &code]), b"");
    assert_eq!(
        done.code(),
        Some(0),
        "{done:?} (python3-ntplib is installed by .ci/run)"
    );
    let first: Vec<&str> = done.stdout.lines().next().unwrap().split(' ').collect();
    let offset: f64 = first[1].parse().unwrap();
    let delay: f64 = first[2].parse().unwrap();
    assert!(offset.abs() < 0.05, "offset {offset} s");
    assert!((0.0..0.5).contains(&delay), "delay {delay} s");
    // ntplib spells LOCL out.
    assert_eq!(first[3..].join(" "), "1 4 uncalibrated local clock");
    assert_eq!(done.stdout.lines().nth(1), Some("second 0 3 RATE"));
    let out = stop(server);
    assert!(
        out.stdout.contains("1 kiss-o'-death RATE"),
        "{}",
        out.stdout
    );
}

/// chrony through the lossy server: seed 8 discards datagrams #0 and #2 at the lab's 50%, so
/// chrony must retry; it still gets its samples and finds the clock right. (Seed 3, which
/// discards #0, #2, #3 and #5, is too much for `-Q`: chrony stops after 7 requests with 3
/// samples and "No suitable source for synchronisation".)
fn chrony_against(addr: SocketAddr) -> Finished {
    require_program("chronyd", "chrony");
    run(
        Command::new("chronyd").args([
            "-Q",
            "-t",
            "80",
            "-f",
            "/dev/null",
            &format!("server 127.0.0.1 port {} iburst", addr.port()),
        ]),
        b"",
    )
}

fn chrony_offset(done: &Finished) -> f64 {
    let text = format!("{}{}", done.stdout, done.stderr);
    let at = text
        .find("System clock wrong by ")
        .unwrap_or_else(|| panic!("chrony found no offset: {text}"));
    text[at + "System clock wrong by ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn chrony_syncs_through_the_lab_servers_fifty_percent_loss() {
    if !nix_root() {
        eprintln!("skipping: chronyd -Q needs root");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (server, addr) = start(tmp.path(), "sntp", &["--seed", "8"]);
    let done = chrony_against(addr);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(chrony_offset(&done).abs() < 0.05);
    let out = stop(server);
    let received = out.stdout.matches(" plain request #").count();
    let discarded = out.stdout.matches("] discarded sntp ").count();
    assert!(discarded >= 1, "{}", out.stdout);
    eprintln!("chrony at 50% loss: {received} requests, {discarded} discarded");
}

#[test]
fn chrony_syncs_through_the_relay() {
    if !nix_root() {
        eprintln!("skipping: chronyd -Q needs root");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // chrony opens a new port for every request: --flows one keeps the fates those of the
    // datagram numbers, so seed 4 drops one request and one reply among the first five.
    let (server, server_addr) = start(
        tmp.path(),
        "sntp",
        &["--loss", "0", "--min-interval", "10ms"],
    );
    let mut relay = Proc::spawn(losslab(tmp.path()).args([
        "relay",
        "--listen",
        "127.0.0.1:0",
        "--to",
        &server_addr.to_string(),
        "--loss",
        "random 30%",
        "--seed",
        "4",
        "--flows",
        "one",
        "--delay",
        "5ms",
    ]));
    let line = relay.line_matching(Duration::from_secs(30), |l| {
        l.starts_with("losslab relay on udp ")
    });
    let addr: SocketAddr = line["losslab relay on udp ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let done = chrony_against(addr);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(chrony_offset(&done).abs() < 0.05);
    let relayed = stop(relay);
    stop(server);
    let discarded = relayed.stdout.matches("] discarded ").count();
    assert!(discarded >= 1, "{}", relayed.stdout);
    eprintln!("chrony through the relay at 30% each way: {discarded} datagrams discarded");
}

fn nix_root() -> bool {
    losslab::driver::netns::needs_user_namespace().eq(&false)
}

/// losslab's own SNTP client: offsets near zero against a local server, timeouts where the
/// server discards, and a kiss-o'-death when it asks too often.
#[test]
fn losslab_time_speaks_sntp() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, addr) = start(
        tmp.path(),
        "sntp",
        &["--seed", "3", "--min-interval", "50ms"],
    );
    let done = run(
        losslab(tmp.path()).args([
            "time",
            "--protocol",
            "sntp",
            &addr.to_string(),
            "-c",
            "6",
            "-i",
            "100ms",
            "-W",
            "300ms",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    // Seed 3 discards #0, #2, #3, #5 of the lab's 50%.
    let lines: Vec<&str> = done.stdout.lines().skip(1).take(6).collect();
    for (i, line) in lines.iter().enumerate() {
        match i {
            0 | 2 | 3 | 5 => assert_eq!(*line, format!("{i}: timeout")),
            _ => {
                let offset: f64 = line
                    .split("offset ")
                    .nth(1)
                    .and_then(|r| r.split(' ').next())
                    .unwrap()
                    .parse()
                    .unwrap();
                assert!(offset.abs() < 50.0, "{line}");
            }
        }
    }
    assert!(
        done.stdout
            .contains("6 sent, 2 answered, 0 kiss-o'-death, 4 timed out"),
        "{}",
        done.stdout
    );
    stop(server);

    let (server, addr) = start(tmp.path(), "sntp", &["--loss", "0"]);
    let done = run(
        losslab(tmp.path()).args([
            "time",
            "--protocol",
            "sntp",
            &addr.to_string(),
            "-c",
            "2",
            "-i",
            "100ms",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout
            .contains("1: kiss-o'-death RATE: the server asks to be asked less often"),
        "{}",
        done.stdout
    );
    stop(server);
}

/// `serve time --record`: one server.csv row per datagram, keyed by the id it carried, whose
/// discards are exactly the requests the client lost (the lab's loss acts on requests only);
/// and the SNTP server records its plain datagrams the same way.
#[test]
fn serve_time_records_its_ground_truth_by_id() {
    let tmp = tempfile::tempdir().unwrap();
    let (server, addr) = start_lab(tmp.path(), &["--record", "srec", "--max-requests", "30"]);
    let done = run(
        losslab(tmp.path()).args([
            "time",
            &addr.to_string(),
            "-c",
            "30",
            "-i",
            "5ms",
            "-W",
            "300ms",
            "--client-id",
            "3",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let replies: u64 = done
        .stdout
        .split(" requests sent, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    let mut server = server;
    let out = server.finish(DEADLINE);
    assert_eq!(out.code(), Some(0), "{out:?}");
    let mut r = csv::Reader::from_path(tmp.path().join("srec/server.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 30);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!((&row[2], &row[3], &row[4]), ("3", &*i.to_string(), "0"));
    }
    let answered = rows.iter().filter(|r| &r[6] == "answered").count() as u64;
    assert_eq!(answered, replies);
    let json = std::fs::read_to_string(tmp.path().join("srec/server.json")).unwrap();
    assert!(json.contains("\"status\": \"done\""), "{json}");

    let (sntp, addr) = start(tmp.path(), "sntp", &["--record", "nrec", "--loss", "0"]);
    let done = rdate(&["-n"], addr);
    assert_eq!(done.code(), Some(0), "{done:?}");
    stop(sntp);
    let text = std::fs::read_to_string(tmp.path().join("nrec/server.csv")).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(row.ends_with(",,,,0,answered,,0,"), "{row}");
    let json = std::fs::read_to_string(tmp.path().join("nrec/server.json")).unwrap();
    assert!(json.contains("\"status\": \"interrupted\""), "{json}");
}

/// The lab protocol's server (`losslab time server on udp ADDR: ...`).
fn start_lab(dir: &Path, args: &[&str]) -> (Proc, SocketAddr) {
    let s = start_server(dir, args);
    (s.proc, s.addr)
}

/// Like `time` and ping: the SNTP client exits 1 when no reply came at all (a port with no
/// server on 127.0.0.1), 0 otherwise (the tests above).
#[test]
fn sntp_client_exits_1_when_nothing_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let port = unused_udp_port();
    let target = format!("127.0.0.1:{port}");
    let done = run(
        losslab(tmp.path()).args([
            "time",
            "--protocol",
            "sntp",
            &target,
            "-c",
            "2",
            "-i",
            "50ms",
            "-W",
            "100ms",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(1), "{done:?}");
    assert!(done.stdout.contains("no SNTP reply"), "{done:?}");
}
