//! `losslab relay` between real programs on 127.0.0.1: the lab guide's Python UDP server behind
//! it with a Python client in front (measured loss inside its Wilson interval and equal to what
//! link.csv says it dropped), fates that follow (flow, direction, index) and not timing or the
//! interleaving of flows, and a flood of garbage that it survives.
//!
//! Every socket here is on 127.0.0.1; every loop is bounded in count, and every child has a
//! deadline and is killed when its guard drops.

mod common;

use common::*;
use losslab::metrics::stats::{Z999, wilson};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The lab guide's UDP server (as in tests/lab_programs.rs: 127.0.0.1, port 0, a timeout).
const LAB_UDP_SERVER: &str = r#"from socket import *
from time import ctime
ADDR = ('127.0.0.1', 0)                  # the guide: ('', 21567)
srvsock = socket(AF_INET, SOCK_DGRAM)
srvsock.settimeout(30)                   # added: an idle server ends by itself
srvsock.bind(ADDR)
print('port', srvsock.getsockname()[1])  # added: the port it got
while True:
    print('esperando mensaje...')
    data, addr = srvsock.recvfrom(512)
    srvsock.sendto(b'Res: ' + data, addr)
    print('se recibió:', data.decode())
srvsock.close()
"#;

/// A client in the guide's style that sends `n` numbered datagrams in bursts of 20 (so no
/// socket buffer overflows on the way), then collects replies until 1.5 s pass without one,
/// and prints the numbers that came back.
fn python_client(port: u16, n: u32) -> String {
    format!(
        r#"from socket import *
import time
ADDR = ('127.0.0.1', {port})
cliSock = socket(AF_INET, SOCK_DGRAM)
got = set()
def collect(wait):
    cliSock.settimeout(wait)
    while True:
        try:
            data, _ = cliSock.recvfrom(512)
        except timeout:
            return
        got.add(int(data.decode('utf-8')[len('Res: '):]))
for i in range({n}):
    cliSock.sendto(str(i).encode('utf-8'), ADDR)
    if i % 20 == 19:
        collect(0.005)
collect(1.5)
print('got', ' '.join(str(i) for i in sorted(got)))
"#
    )
}

fn python(dir: &Path, name: &str, code: &str) -> Command {
    require_program("python3", "python3");
    let path = dir.join(name);
    std::fs::write(&path, code).unwrap();
    let mut cmd = Command::new("python3");
    cmd.current_dir(dir)
        .env("PYTHONIOENCODING", "utf-8")
        .arg("-u")
        .arg(path);
    cmd
}

fn start_lab_udp_server(dir: &Path) -> (Proc, SocketAddr) {
    let mut proc = Proc::spawn(&mut python(dir, "udp_server.py", LAB_UDP_SERVER));
    let line = proc.line_matching(Duration::from_secs(30), |l| l.starts_with("port "));
    let port: u16 = line["port ".len()..].trim().parse().unwrap();
    (proc, SocketAddr::from(([127, 0, 0, 1], port)))
}

/// Starts `losslab relay --listen 127.0.0.1:0 --to TO ARGS...` and reads where it listens.
fn start_relay(dir: &Path, to: SocketAddr, args: &[&str]) -> (Proc, SocketAddr) {
    let mut p = Proc::spawn(
        losslab(dir)
            .args(["relay", "--listen", "127.0.0.1:0", "--to", &to.to_string()])
            .args(args),
    );
    let line = p.line_matching(Duration::from_secs(30), |l| {
        l.starts_with("losslab relay on udp ")
    });
    let addr = line["losslab relay on udp ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    (p, addr)
}

/// One link.csv row, read with the csv crate by its header.
#[derive(Debug, serde::Deserialize)]
struct LinkRow {
    direction: String,
    client: u32,
    protocol: String,
    key: String,
    fate: String,
}

fn link_rows(dir: &Path) -> Vec<LinkRow> {
    let mut r = csv::Reader::from_path(dir.join("link.csv")).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>().join(","),
        losslab::metrics::recorder::LINK_COLUMNS
    );
    r.deserialize().map(|row| row.unwrap()).collect()
}

fn index(key: &str) -> u64 {
    key.strip_prefix("index=").unwrap().parse().unwrap()
}

/// The dropped (direction, index) of a record, in order.
fn drops(dir: &Path) -> BTreeSet<(String, u64)> {
    link_rows(dir)
        .into_iter()
        .filter(|r| r.fate == "dropped")
        .map(|r| (r.direction, index(&r.key)))
        .collect()
}

/// The lab's server behind the relay at 30% loss each way, 2,000 datagrams from a Python
/// client: the loss it measures is inside the 99.9% Wilson interval around the model's
/// 1 - 0.7² = 51%, and the datagrams that did not come back are exactly the ones link.csv says
/// the relay dropped (request index i is datagram i; reply index j answers the j-th request
/// that got through).
#[test]
fn the_lab_server_behind_the_relay_loses_what_link_csv_says() {
    let tmp = tempfile::tempdir().unwrap();
    let (_server, server_addr) = start_lab_udp_server(tmp.path());
    let n = 2000u32;
    let (mut relay, addr) = start_relay(
        tmp.path(),
        server_addr,
        &[
            "--loss",
            "random 30%",
            "--seed",
            "11",
            "--record",
            "rec",
            "--max-datagrams",
            &n.to_string(),
        ],
    );
    let client = run(
        &mut python(tmp.path(), "client.py", &python_client(addr.port(), n)),
        b"",
    );
    assert_eq!(client.code(), Some(0), "{client:?}");
    let got: BTreeSet<u64> = client.stdout.trim()["got".len()..]
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    let done = relay.finish(DEADLINE);
    assert_eq!(done.code(), Some(0), "{done:?}");

    let lost = u64::from(n) - got.len() as u64;
    let (lo, hi) = wilson(lost, u64::from(n), Z999).unwrap();
    assert!(
        (lo..=hi).contains(&0.51),
        "lost {lost} of {n}: Wilson [{lo:.4}, {hi:.4}] misses 0.51"
    );

    let rows = link_rows(&tmp.path().join("rec"));
    assert!(rows.iter().all(|r| r.protocol == "udp"));
    let dropped = |dir: &str| -> BTreeSet<u64> {
        rows.iter()
            .filter(|r| r.direction == dir && r.fate == "dropped")
            .map(|r| index(&r.key))
            .collect()
    };
    let (req, rep) = (dropped("request"), dropped("reply"));
    assert_eq!(
        req.len() as u64 + rep.len() as u64,
        lost,
        "link.csv's drops"
    );
    let through: Vec<u64> = (0..u64::from(n)).filter(|i| !req.contains(i)).collect();
    let expected_back: BTreeSet<u64> = through
        .iter()
        .enumerate()
        .filter(|(j, _)| !rep.contains(&(*j as u64)))
        .map(|(_, &i)| i)
        .collect();
    assert_eq!(got, expected_back);
    // One discard line per dropped datagram, and the summary agrees.
    let lines = done
        .stdout
        .lines()
        .filter(|l| l.contains("] discarded "))
        .count();
    assert_eq!(lines as u64, lost);
    let json = std::fs::read_to_string(tmp.path().join("rec/relay.json")).unwrap();
    assert!(json.contains("\"status\": \"done\""), "{json}");
    assert!(json.contains("\"seed\": 11"), "{json}");
}

/// Sends `n` datagrams from a fresh socket (a new ephemeral port each call) and waits for
/// the echo of each, up to 100 ms.
fn exchange(relay: SocketAddr, n: u32) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 64];
    for i in 0..n {
        s.send_to(format!("{i}").as_bytes(), relay).unwrap();
        let _ = s.recv_from(&mut buf);
    }
}

/// A UDP echo server on a thread, for tests that need no lab program: it answers until the
/// returned guard drops (bounded by its read timeout and a count).
struct Echo {
    addr: SocketAddr,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Echo {
    fn start() -> Echo {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let addr = s.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65_536];
            for _ in 0..10_000_000u64 {
                if flag.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                if let Ok((n, from)) = s.recv_from(&mut buf) {
                    let _ = s.send_to(&buf[..n], from);
                }
            }
        });
        Echo {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `--flows one`: two runs whose clients come from different ports drop the same indices each
/// way (a stateful model included); another seed drops others; flows by address would not
/// repeat them either.
#[test]
fn flows_one_repeats_the_fates_whatever_port_the_client_gets() {
    let tmp = tempfile::tempdir().unwrap();
    let echo = Echo::start();
    let mut runs = Vec::new();
    for (name, seed, flows) in [
        ("a", "5", "one"),
        ("b", "5", "one"),
        ("c", "6", "one"),
        ("d", "5", "address"),
    ] {
        let (mut relay, addr) = start_relay(
            tmp.path(),
            echo.addr,
            &[
                "--loss",
                "gemodel 5% 30%",
                "--seed",
                seed,
                "--flows",
                flows,
                "--record",
                name,
                "--max-datagrams",
                "300",
                "-q",
            ],
        );
        exchange(addr, 300);
        let done = relay.finish(DEADLINE);
        assert_eq!(done.code(), Some(0), "{done:?}");
        runs.push(drops(&tmp.path().join(name)));
    }
    assert!(runs[0].len() > 10, "{:?}", runs[0]);
    assert_eq!(runs[0], runs[1], "same seed, one flow, new port");
    assert_ne!(runs[0], runs[2], "another seed");
    assert_ne!(runs[0], runs[3], "flows by address key on the port");
}

/// Sends `rounds` datagrams from each socket in `order(round)`, without waiting for replies.
fn send_rounds(
    socks: &[UdpSocket],
    relay: SocketAddr,
    rounds: u32,
    order: &dyn Fn(u32) -> Vec<usize>,
) {
    for round in 0..rounds {
        for (k, i) in order(round).into_iter().enumerate() {
            socks[i].send_to(&round.to_le_bytes(), relay).unwrap();
            // Let the relay keep up (its socket buffer holds a few hundred datagrams).
            if k % 40 == 39 {
                std::thread::sleep(Duration::from_millis(3));
            }
        }
    }
}

/// client address -> its dropped request indices, from flows.csv and link.csv.
fn drops_by_client(dir: &Path) -> BTreeMap<String, BTreeSet<u64>> {
    let mut flows = csv::Reader::from_path(dir.join("flows.csv")).unwrap();
    let mut name = BTreeMap::new();
    for row in flows.records() {
        let row = row.unwrap();
        name.insert(row[0].parse::<u32>().unwrap(), row[1].to_string());
    }
    let mut out: BTreeMap<String, BTreeSet<u64>> = name
        .values()
        .map(|c| (c.clone(), BTreeSet::new()))
        .collect();
    for r in link_rows(dir) {
        if r.fate == "dropped" && r.direction == "request" {
            out.get_mut(&name[&r.client]).unwrap().insert(index(&r.key));
        }
    }
    out
}

/// 200 clients at once, each its own flow: the drops of each client are the same whether the
/// clients take turns round-robin (shuffled each round) or one after another, and the clients
/// do not share one pattern.
#[test]
fn two_hundred_concurrent_flows_keep_their_own_fates() {
    let tmp = tempfile::tempdir().unwrap();
    let server = UdpSocket::bind("127.0.0.1:0").unwrap(); // a sink: nothing answers
    let to = server.local_addr().unwrap();
    let (clients, rounds) = (200usize, 20u32);
    let socks: Vec<UdpSocket> = (0..clients)
        .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
        .collect();
    let ports: Vec<u16> = socks
        .iter()
        .map(|s| s.local_addr().unwrap().port())
        .collect();
    let total = (clients as u32 * rounds).to_string();
    let args = |rec: &'static str| {
        vec![
            "--loss".to_string(),
            "random 30%".into(),
            "--direction".into(),
            "request".into(),
            "--record".into(),
            rec.into(),
            "--max-datagrams".into(),
            total.clone(),
            // A bound in case datagrams were lost before reaching it (then the test fails
            // on the row count below, not on a hang).
            "--duration".into(),
            "30s".into(),
            "-q".into(),
        ]
    };
    let a: Vec<String> = args("interleaved");
    let (mut relay, addr) = start_relay(
        tmp.path(),
        to,
        &a.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    // Round-robin, in an order that changes every round (a fixed permutation walk).
    send_rounds(&socks, addr, rounds, &|round| {
        (0..clients)
            .map(|i| (i * 7 + round as usize * 13) % clients)
            .collect()
    });
    assert_eq!(relay.finish(DEADLINE).code(), Some(0));
    drop(socks);

    // The same client ports again, one client after the other.
    let socks: Vec<UdpSocket> = ports
        .iter()
        .map(|p| UdpSocket::bind(("127.0.0.1", *p)).unwrap())
        .collect();
    let b: Vec<String> = args("sequential");
    let (mut relay, addr) = start_relay(
        tmp.path(),
        to,
        &b.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    for (i, s) in socks.iter().enumerate() {
        send_rounds(std::slice::from_ref(s), addr, 1, &|_| vec![0]);
        for round in 1..rounds {
            s.send_to(&round.to_le_bytes(), addr).unwrap();
        }
        if i % 2 == 1 {
            std::thread::sleep(Duration::from_millis(3));
        }
    }
    assert_eq!(relay.finish(DEADLINE).code(), Some(0));

    for rec in ["interleaved", "sequential"] {
        let rows = link_rows(&tmp.path().join(rec));
        assert_eq!(
            rows.len(),
            clients * rounds as usize,
            "{rec}: every datagram crossed"
        );
    }
    let x = drops_by_client(&tmp.path().join("interleaved"));
    let y = drops_by_client(&tmp.path().join("sequential"));
    assert_eq!(x.len(), clients);
    assert_eq!(x, y);
    let dropped: usize = x.values().map(BTreeSet::len).sum();
    let (lo, hi) = wilson(dropped as u64, u64::from(rounds) * clients as u64, Z999).unwrap();
    assert!((lo..=hi).contains(&0.3), "{dropped}");
    let patterns: BTreeSet<&BTreeSet<u64>> = x.values().collect();
    assert!(patterns.len() > 190, "{} distinct patterns", patterns.len());
}

/// Random bytes of every size from many ports, more clients than it serves: the relay refuses
/// the surplus, prints nothing raw, keeps relaying for a client that comes after, and ends on
/// SIGTERM with its record marked interrupted.
#[test]
fn a_garbage_flood_does_not_stop_it() {
    let tmp = tempfile::tempdir().unwrap();
    let echo = Echo::start();
    let (mut relay, addr) = start_relay(
        tmp.path(),
        echo.addr,
        &[
            "--loss",
            "random 10%",
            "--max-flows",
            "40",
            "--idle",
            "1s",
            "--record",
            "rec",
        ],
    );
    // A fixed xorshift stream: random-looking bytes, the same in every run.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let socks: Vec<UdpSocket> = (0..80)
        .map(|_| UdpSocket::bind("127.0.0.1:0").unwrap())
        .collect();
    for round in 0..40 {
        for s in &socks {
            let len = match next() % 50 {
                0 => 65_507,
                1 => 0,
                _ => (next() % 1500) as usize,
            };
            let bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            let _ = s.send_to(&bytes, addr);
        }
        if round % 4 == 3 {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    drop(socks);
    // The flood's sessions go idle and expire; then a new client is served.
    std::thread::sleep(Duration::from_millis(2500));
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut back = 0;
    let mut buf = [0u8; 64];
    for i in 0..20u32 {
        s.send_to(&i.to_le_bytes(), addr).unwrap();
        if let Ok((4, _)) = s.recv_from(&mut buf) {
            back += 1;
        }
    }
    assert!(back >= 8, "only {back} of 20 came back after the flood");
    let status = Command::new("kill")
        .args(["-TERM", &relay.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let done = relay.finish(DEADLINE);
    assert_eq!(done.code(), Some(130), "{done:?}");
    assert!(done.stdout.contains("refused a datagram from 127.0.0.1:"));
    assert!(done.stdout.contains("] discarded request index="));
    assert!(
        done.stdout
            .bytes()
            .all(|b| b == b'\n' || (0x20..0x7f).contains(&b)),
        "raw bytes on the console"
    );
    let json = std::fs::read_to_string(tmp.path().join("rec/relay.json")).unwrap();
    assert!(json.contains("\"status\": \"interrupted\""), "{json}");
    assert!(json.contains("\"refused\": "), "{json}");
    assert!(!json.contains("\"refused\": 0,"), "{json}");
    // Every crossing is in link.csv, and the count agrees with the summary's.
    let rows = link_rows(&tmp.path().join("rec"));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let packets = v["link_counts"]["request"]["packets"].as_u64().unwrap()
        + v["link_counts"]["reply"]["packets"].as_u64().unwrap();
    assert_eq!(rows.len() as u64, packets);
}

#[test]
fn bad_flags_and_exposed_addresses_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let done = run(
        losslab(tmp.path()).args([
            "relay",
            "--listen",
            "127.0.0.1:0",
            "--to",
            "127.0.0.1:9",
            "--loss",
            "sometimes",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("--loss \"sometimes\""),
        "{}",
        done.stderr
    );
    // Not loopback: a warning, then it runs (briefly; nothing is sent to it).
    let done = run(
        losslab(tmp.path()).args([
            "relay",
            "--listen",
            "0.0.0.0:0",
            "--to",
            "127.0.0.1:9",
            "--duration",
            "100ms",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stderr.contains("warning: listening on 0.0.0.0:"),
        "{}",
        done.stderr
    );
}
