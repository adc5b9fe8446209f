//! The live `[link]`: the kernel's own TCP and UDP across losslab's TUN pair between two private
//! network namespaces, every packet through the same `Path` as the simulator.
//!
//! These need network namespaces and /dev/net/tun. As root (CI) they always run and a failure to
//! build the network is a test failure; as another user they run where user namespaces and
//! /dev/net/tun allow it and are skipped, with the reason printed, where they do not.
//!
//! Every run here is bounded (a few dozen requests, a deadline on each child process), and all
//! traffic stays inside the namespaces the runs create.

mod common;

use common::{DEADLINE, Proc, losslab};
use losslab::client::backoff::Backoff;
use losslab::client::loadgen::{LoadGen, LoadGenConfig, Outcome, Pacing, Record};
use losslab::client::tcp::{Protocol, TcpLoad, TcpLoadConfig};
use losslab::driver::live::{Clock, EventLoop, Observer, Stop};
use losslab::driver::netns::{self, PrivateNet};
use losslab::driver::tcp::TcpService;
use losslab::impair::Direction;
use losslab::impair::path::{
    Ident, LinkEvent, LinkFate, Packet, Path, PathConfig, PathFields, Proto,
};
use losslab::metrics::stats::{Z999, wilson};
use losslab::server::time::TimeServer;
use losslab::time::{Duration, Instant};
use losslab::wire::http::parse_url;
use losslab::wire::time::RequestId;
use std::collections::BTreeSet;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicBool;

/// True when this machine can build the link; otherwise prints why and the test returns.
/// Root must always be able to: there a failure fails the test.
fn can_build(test: &str) -> bool {
    if !netns::needs_user_namespace() {
        return true;
    }
    // Built on a thread of its own so this thread never changes namespace here.
    match std::thread::spawn(|| PrivateNet::build().map(drop)).join() {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            eprintln!("skipping {test}: {e:#}");
            false
        }
        Err(_) => panic!("building the private network panicked"),
    }
}

fn this_thread_ns() -> String {
    std::fs::read_link("/proc/thread-self/ns/net")
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[derive(Default)]
struct Collect {
    records: Vec<Record>,
    link: Vec<LinkEvent>,
}

impl Observer for Collect {
    fn record(&mut self, r: &Record) -> io::Result<()> {
        self.records.push(*r);
        Ok(())
    }
    fn link_event(&mut self, e: &LinkEvent) -> io::Result<()> {
        self.link.push(*e);
        Ok(())
    }
}

fn path(loss: &str, delay: &str) -> PathConfig {
    PathConfig::parse(&PathFields {
        loss: Some(loss),
        delay: Some(delay),
        ..Default::default()
    })
    .unwrap()
}

fn any_port() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// Runs `ev` to its end, checks the thread came home and the namespaces are let go of.
fn run_link(mut ev: EventLoop) -> Collect {
    let home = std::fs::read_link("/proc/self/ns/net").unwrap();
    let inodes = ev.link().unwrap().namespace_inodes().unwrap();
    let mut seen = Collect::default();
    let stop = ev.run(&mut seen, &AtomicBool::new(false)).unwrap();
    assert_eq!(stop, Stop::Done);
    let counts = ev.link().unwrap().counts();
    let packets = seen.link.len() as u64;
    assert_eq!(counts.request.packets + counts.reply.packets, packets);
    // IPv6 is off on the devices, so nothing crossed that the link had to leave aside.
    assert_eq!(ev.link().unwrap().ignored(), 0);
    drop(ev);
    assert_eq!(
        std::fs::read_link("/proc/thread-self/ns/net").unwrap(),
        home,
        "the thread is back in its namespace"
    );
    assert_namespaces_gone(&inodes, None);
    seen
}

/// The namespace links (`net:[inode]`) of every task and open file of process `pid`.
fn net_links(pid: &str) -> Vec<String> {
    let mut links = Vec::new();
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    for t in tasks.flatten() {
        if let Ok(l) = std::fs::read_link(t.path().join("ns/net")) {
            links.push(l.to_string_lossy().into_owned());
        }
    }
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .into_iter()
        .flatten();
    for f in fds.flatten() {
        if let Ok(l) = std::fs::read_link(f.path()) {
            let l = l.to_string_lossy().into_owned();
            if l.starts_with("net:[") {
                links.push(l);
            }
        }
    }
    links
}

/// No process on the machine is in, or holds a descriptor of, the namespaces `inodes`; the
/// namespace this test started in has no losslab device and no route of the link's subnet.
fn assert_namespaces_gone(inodes: &[u64], exited: Option<u32>) {
    let wanted: Vec<String> = inodes.iter().map(|i| format!("net:[{i}]")).collect();
    for p in std::fs::read_dir("/proc").unwrap().flatten() {
        let pid = p.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        for l in net_links(&pid) {
            assert!(!wanted.contains(&l), "process {pid} still holds {l}");
        }
    }
    if let Some(pid) = exited {
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }
    // `ip` runs in this thread's namespace, the one everything started in.
    let ip = |args: &[&str]| {
        let out = std::process::Command::new("ip").args(args).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    if let Ok(links) = ip(&["-o", "link"]) {
        assert!(!links.contains("losslab-"), "{links}");
    }
    if let Ok(routes) = ip(&["-4", "route"]) {
        assert!(!routes.contains("10.77."), "{routes}");
    }
    if let Ok(named) = ip(&["netns", "list"]) {
        assert!(!named.contains("losslab"), "{named}");
    }
}

/// The nearest-rank 99th percentile of the replies' RTTs.
fn p99(records: &[Record]) -> Duration {
    let mut rtts: Vec<Duration> = records.iter().filter_map(|r| r.rtt).collect();
    rtts.sort();
    let rank = (rtts.len() as f64 * 0.99).ceil() as usize;
    rtts[rank.max(1) - 1]
}

/// Linux TCP under 10% link loss each way: every request is answered (TCP retransmits), the
/// link drops its share of packets, and the tail of the RTTs shows the kernel's retransmission
/// timeouts (at least 200 ms, Linux's minimum RTO; a lost SYN waits 1 s).
#[test]
fn kernel_tcp_echo_across_a_lossy_link() {
    if !can_build("kernel_tcp_echo_across_a_lossy_link") {
        return;
    }
    let seed = 11;
    let mut ev = EventLoop::with_link(Clock::new(), path("random 10%", "1ms"), seed).unwrap();
    let addr = ev
        .add_tcp_server(any_port(), TcpService::Echo { keep_open: false })
        .unwrap();
    assert_eq!(addr.ip(), std::net::IpAddr::V4(netns::SERVER_IP));
    ev.add_tcp_clients(
        addr,
        TcpLoad::new(TcpLoadConfig {
            clients: 4,
            first_client: 0,
            requests: 15,
            pacing: Pacing::Interval(Duration::from_millis(20)),
            // Far above any chain of backed-off retransmissions a 10% loss makes likely.
            timeout: Duration::from_millis(30_000),
            retries: 0,
            backoff: Backoff::NONE,
            seed,
            reuse: false,
            protocol: Protocol::Echo {
                message: b"hola".to_vec(),
            },
            progress: false,
        }),
    );
    let seen = run_link(ev);
    assert_eq!(seen.records.len(), 60);
    let answered = seen
        .records
        .iter()
        .filter(|r| r.outcome == Outcome::Reply)
        .count();
    assert_eq!(answered, 60, "{:?}", seen.records);
    let tcp: Vec<&LinkEvent> = seen
        .link
        .iter()
        .filter(|e| e.packet.proto == Proto::Tcp)
        .collect();
    let dropped = tcp
        .iter()
        .filter(|e| e.crossing.fate == LinkFate::Dropped)
        .count() as u64;
    let n = tcp.len() as u64;
    // Each connection: handshake, request, reply, FINs and their ACKs.
    assert!(n >= 60 * 7, "{n} TCP packets");
    let (lo, hi) = wilson(dropped, n, Z999).unwrap();
    assert!(
        lo <= 0.10 && 0.10 <= hi,
        "{dropped} of {n} dropped: 99.9% interval {lo:.3}-{hi:.3}"
    );
    let rtt = p99(&seen.records);
    eprintln!(
        "tcp echo across the link: {answered}/60 answered, {dropped} of {n} TCP packets dropped \
         (99.9% interval {lo:.3}-{hi:.3}), p99 RTT {rtt}"
    );
    assert!(rtt >= Duration::from_millis(200), "p99 RTT {rtt}");
    // The segments were keyed as segments, and the driver told which request most belong to.
    assert!(
        tcp.iter()
            .all(|e| matches!(e.packet.ident, Ident::Segment { .. } | Ident::Ack { .. }))
    );
    assert!(tcp.iter().all(|e| e.packet.flow < 4));
    let attributed = tcp.iter().filter(|e| e.request.is_some()).count();
    assert!(attributed * 2 > tcp.len(), "{attributed} of {}", tcp.len());
}

/// The lab's HEAD client against the built-in HTTP responder, across a lossy link.
#[test]
fn head_client_across_the_link() {
    if !can_build("head_client_across_the_link") {
        return;
    }
    let seed = 5;
    let mut ev = EventLoop::with_link(Clock::new(), path("random 5%", "2ms"), seed).unwrap();
    let addr = ev.add_tcp_server(any_port(), TcpService::Http).unwrap();
    let url = parse_url(&format!("http://{addr}/")).unwrap();
    ev.add_tcp_clients(
        addr,
        TcpLoad::new(TcpLoadConfig {
            clients: 2,
            first_client: 0,
            requests: 5,
            pacing: Pacing::Closed { concurrency: 1 },
            timeout: Duration::from_millis(30_000),
            retries: 0,
            backoff: Backoff::NONE,
            seed,
            reuse: true,
            protocol: Protocol::Head { url, http10: false },
            progress: false,
        }),
    );
    let seen = run_link(ev);
    assert_eq!(seen.records.len(), 10);
    assert!(
        seen.records.iter().all(|r| r.outcome == Outcome::Reply),
        "{:?}",
        seen.records
    );
    // Every round trip crossed the link: at least a request and a response per HEAD.
    let data = |dir| {
        seen.link
            .iter()
            .filter(|e| {
                e.packet.dir == dir
                    && matches!(e.packet.ident, Ident::Segment { len, .. } if len > 0)
            })
            .count()
    };
    assert!(data(Direction::Request) >= 10 && data(Direction::Reply) >= 10);
}

/// udp-time across the link drops exactly the (client, seq, attempt) set that the simulator's
/// `Path` drops for the same seed, in each direction; and those are the requests that timed out.
#[test]
fn udp_time_across_the_link_drops_what_the_path_drops() {
    if !can_build("udp_time_across_the_link_drops_what_the_path_drops") {
        return;
    }
    let seed = 2026;
    let config = path("random 20%", "1ms");
    let mut ev = EventLoop::with_link(Clock::new(), config.clone(), seed).unwrap();
    let server = TimeServer::with_impairments(
        losslab::impair::Impairments::new(losslab::impair::ImpairConfig::none(), seed),
        ev.clock().epoch_unix_us,
    );
    let addr = ev.add_server(any_port(), server).unwrap();
    let (clients, requests, retries) = (4, 30, 1);
    ev.add_clients(
        addr,
        LoadGen::new(LoadGenConfig {
            clients,
            first_client: 0,
            requests,
            pacing: Pacing::Interval(Duration::from_millis(2)),
            // Far above the 2 ms round trip: only the link's drops become timeouts.
            timeout: Duration::from_millis(300),
            retries,
            backoff: Backoff::NONE,
            seed,
            late_window: Duration::from_millis(300),
            progress: false,
        }),
    )
    .unwrap();
    let seen = run_link(ev);

    let mut live: [BTreeSet<RequestId>; 2] = Default::default();
    for e in &seen.link {
        let Ident::Time(id) = e.packet.ident else {
            continue; // the kernel's own packets (none expected on an IPv4-only link)
        };
        assert_eq!(e.request, Some(id));
        assert_eq!(e.packet.flow, id.client);
        if e.crossing.fate == LinkFate::Dropped {
            live[usize::from(e.packet.dir == Direction::Reply)].insert(id);
        }
    }
    // What the simulator's path decides for every attempt that was sent, independently.
    let mut sim = Path::new(config, seed);
    let mut expected: [BTreeSet<RequestId>; 2] = Default::default();
    for r in &seen.records {
        let cross = |sim: &mut Path, dir| {
            let p = Packet {
                dir,
                flow: r.id.client,
                proto: Proto::UdpTime,
                bytes: 0,
                ident: Ident::Time(r.id),
            };
            sim.cross(Instant::ZERO, &p).fate == LinkFate::Dropped
        };
        if cross(&mut sim, Direction::Request) {
            expected[0].insert(r.id);
        } else if cross(&mut sim, Direction::Reply) {
            expected[1].insert(r.id);
        }
    }
    assert_eq!(live, expected);
    eprintln!(
        "udp-time across the link: {} requests and {} replies dropped, as the path decides",
        expected[0].len(),
        expected[1].len()
    );
    let total = expected[0].len() + expected[1].len();
    assert!(total > 10, "{total} drops: the comparison is not vacuous");
    let timed_out: BTreeSet<RequestId> = seen
        .records
        .iter()
        .filter(|r| r.outcome != Outcome::Reply)
        .map(|r| r.id)
        .collect();
    let dropped: BTreeSet<RequestId> = expected[0].union(&expected[1]).copied().collect();
    assert_eq!(timed_out, dropped);
    assert!(seen.records.len() >= (clients * requests) as usize);
}

/// A link whose setup fails half way (the server's port is taken) leaves nothing behind, and
/// the thread is back in its namespace.
#[test]
fn an_error_after_the_link_is_built_leaves_nothing() {
    if !can_build("an_error_after_the_link_is_built_leaves_nothing") {
        return;
    }
    let home = this_thread_ns();
    let mut ev = EventLoop::with_link(Clock::new(), path("random 10%", "1ms"), 1).unwrap();
    assert_ne!(
        this_thread_ns(),
        home,
        "the loop's thread is on the client side"
    );
    let inodes = ev.link().unwrap().namespace_inodes().unwrap();
    let addr = ev.add_tcp_server(any_port(), TcpService::Http).unwrap();
    let taken = ev.add_tcp_server(addr, TcpService::Http).unwrap_err();
    assert!(taken.to_string().contains("cannot bind"), "{taken:#}");
    drop(ev);
    assert_eq!(this_thread_ns(), home);
    assert_namespaces_gone(&inodes, None);
}

const LONG_RUN: &str = r#"
name = "link-cleanup"
seed = 3

[server]
kind = "udp-time"
bind = "127.0.0.1:0"

[link]
delay = "2ms"

[clients]
count = 2
requests = 4000
interval = "5ms"
timeout = "200ms"
"#;

/// Starts `losslab run` on a long link scenario and returns it once the link is up, with the
/// namespace inodes it holds.
fn start_long_run(dir: &std::path::Path, out: &str) -> (Proc, Vec<u64>) {
    let file = dir.join("long.toml");
    std::fs::write(&file, LONG_RUN).unwrap();
    let mut p = Proc::spawn(losslab(dir).arg("run").arg(&file).args(["--out", out]));
    p.line_matching(std::time::Duration::from_secs(30), |l| {
        l.contains("across a private link")
    });
    let own = net_links("self");
    let inodes: Vec<u64> = net_links(&p.pid().to_string())
        .into_iter()
        .filter(|l| !own.contains(l))
        .filter_map(|l| {
            l.trim_start_matches("net:[")
                .trim_end_matches(']')
                .parse()
                .ok()
        })
        .collect::<BTreeSet<u64>>()
        .into_iter()
        .collect();
    assert_eq!(inodes.len(), 2, "the run holds its two namespaces");
    (p, inodes)
}

fn signal(pid: u32, sig: &str) {
    let status = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// However a live link run ends — Ctrl-C, SIGTERM, SIGKILL, a normal end, an error — its
/// namespaces, devices and routes are gone afterwards.
#[test]
fn a_live_link_run_leaves_nothing_however_it_ends() {
    if !can_build("a_live_link_run_leaves_nothing_however_it_ends") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for (sig, code) in [("-INT", Some(130)), ("-TERM", Some(130)), ("-KILL", None)] {
        let out = format!("out{sig}");
        let (mut p, inodes) = start_long_run(tmp.path(), &out);
        std::thread::sleep(std::time::Duration::from_millis(200));
        let pid = p.pid();
        signal(pid, sig);
        let done = p.finish(DEADLINE);
        assert_eq!(done.code(), code, "{sig}: {done:?}");
        if code.is_some() {
            let json = std::fs::read_to_string(tmp.path().join(&out).join("summary.json")).unwrap();
            assert!(json.contains("\"status\": \"interrupted\""), "{sig}");
            assert!(json.contains("\"link_counts\""), "{sig}");
        }
        assert_namespaces_gone(&inodes, Some(pid));
    }

    // A normal end.
    let short = LONG_RUN.replace("requests = 4000", "requests = 20");
    let file = tmp.path().join("short.toml");
    std::fs::write(&file, &short).unwrap();
    let mut p = Proc::spawn(
        losslab(tmp.path())
            .arg("run")
            .arg(&file)
            .args(["--out", "short"]),
    );
    let pid = p.pid();
    let done = p.finish(DEADLINE);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout
            .contains("dropped 0 of 40 requests on the way to the server"),
        "{}",
        done.stdout
    );
    // link.csv: a header and one row per packet, 40 each way.
    let rows = std::fs::read_to_string(tmp.path().join("short/link.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 80, "{rows}");
    assert_namespaces_gone(&[], Some(pid));

    // An error after the link is built: the results folder cannot be made (a file is in the way).
    std::fs::write(tmp.path().join("blocked"), b"a file").unwrap();
    let mut p = Proc::spawn(
        losslab(tmp.path())
            .arg("run")
            .arg(&file)
            .args(["--out", "blocked/out"]),
    );
    let pid = p.pid();
    let done = p.finish(DEADLINE);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert_namespaces_gone(&[], Some(pid));
}

/// The dropped (direction, client, seq, attempt) of a results folder's link.csv.
fn link_drops(dir: &std::path::Path) -> BTreeSet<(String, String, String)> {
    let text = std::fs::read_to_string(dir.join("link.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (dir_c, client_c, key_c, fate_c) =
        (col("direction"), col("client"), col("key"), col("fate"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|cells| cells[fate_c] == "dropped")
        .map(|cells| {
            (
                cells[dir_c].to_string(),
                cells[client_c].to_string(),
                cells[key_c].to_string(),
            )
        })
        .collect()
}

/// The same udp-time file and seed, live across the TUN link and `--sim`: link.csv drops the
/// same (direction, client, seq, attempt) set. The timeout is far above the live round trip, so
/// the same attempts (retries included) exist in both.
#[test]
fn live_link_drops_what_the_simulator_drops() {
    if !can_build("live_link_drops_what_the_simulator_drops") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("both.toml");
    std::fs::write(
        &file,
        r#"
name = "live-vs-sim-link"
seed = 77

[server]
kind = "udp-time"
bind = "127.0.0.1:0"

[link]
loss = "random 15%"
delay = "1ms"

[clients]
count = 3
requests = 40
interval = "2ms"
timeout = "300ms"
retries = 1
"#,
    )
    .unwrap();
    for mode in ["--live", "--sim"] {
        let mut p = Proc::spawn(losslab(tmp.path()).arg("run").arg(&file).args([
            mode,
            "-q",
            "--out",
            mode.trim_start_matches('-'),
        ]));
        let done = p.finish(DEADLINE);
        assert_eq!(done.code(), Some(0), "{mode}: {done:?}");
    }
    let live = link_drops(&tmp.path().join("live"));
    let sim = link_drops(&tmp.path().join("sim"));
    assert!(
        live.len() > 10,
        "{} drops: not a vacuous comparison",
        live.len()
    );
    assert_eq!(live, sim);
}

/// A user without privileges either gets the link (user namespaces and /dev/net/tun allow it)
/// or exit 2 and one line that names the cause and points to --sim; never a half-built network.
#[test]
fn an_unprivileged_user_gets_the_link_or_one_line() {
    if netns::needs_user_namespace() {
        eprintln!(
            "skipping an_unprivileged_user_gets_the_link_or_one_line: needs root to switch user"
        );
        return;
    }
    if std::process::Command::new("setpriv")
        .arg("--help")
        .output()
        .is_err()
    {
        eprintln!("skipping an_unprivileged_user_gets_the_link_or_one_line: no setpriv");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let file = tmp.path().join("short.toml");
    std::fs::write(&file, LONG_RUN.replace("requests = 4000", "requests = 5")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut p = Proc::spawn(
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(common::BIN)
            .arg("run")
            .arg(&file)
            .args(["-q", "--out"])
            .arg(tmp.path().join("out"))
            .current_dir(tmp.path()),
    );
    let done = p.finish(DEADLINE);
    match done.code() {
        Some(0) => assert!(tmp.path().join("out/link.csv").exists()),
        Some(2) => {
            let lines: Vec<&str> = done.stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{}", done.stderr);
            assert!(lines[0].contains("--sim"), "{}", lines[0]);
            assert!(!tmp.path().join("out").exists());
            eprintln!("unprivileged here: {}", lines[0]);
        }
        other => panic!("exit {other:?}: {done:?}"),
    }
}

/// `losslab run` of a tcp-echo scenario over a lossy live link: every request answered,
/// link.csv holds the TCP segments, and requests.csv's `link_drops` tells the requests whose
/// connection lost a segment — those waited for retransmissions, so their RTTs are longer.
#[test]
fn tcp_echo_scenario_over_a_live_link_records_link_drops() {
    if !can_build("tcp_echo_scenario_over_a_live_link_records_link_drops") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("tcp.toml");
    std::fs::write(
        &file,
        r#"
name = "tcp-echo-live-link"
seed = 42

[server]
kind = "tcp-echo"
bind = "127.0.0.1:0"

[link]
loss = "random 10%"
delay = "2ms"

[clients]
count = 4
requests = 12
interval = "20ms"
timeout = "30s"
message = "hola"
"#,
    )
    .unwrap();
    let mut p = Proc::spawn(
        losslab(tmp.path())
            .arg("run")
            .arg(&file)
            .args(["-q", "--out", "out"]),
    );
    let done = p.finish(DEADLINE);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let text = std::fs::read_to_string(tmp.path().join("out/requests.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (outcome, rtt, drops) = (col("outcome"), col("rtt_us"), col("link_drops"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 48);
    assert!(rows.iter().all(|r| r[outcome] == "reply"), "{text}");
    let mean = |hit: bool| {
        let v: Vec<f64> = rows
            .iter()
            .filter(|r| (r[drops].parse::<u64>().unwrap() > 0) == hit)
            .map(|r| r[rtt].parse::<f64>().unwrap())
            .collect();
        assert!(!v.is_empty(), "no request with hit = {hit}: {text}");
        v.iter().sum::<f64>() / v.len() as f64
    };
    let (with, without) = (mean(true), mean(false));
    assert!(
        with > without,
        "mean RTT {with} with link drops, {without} without"
    );
    let link = std::fs::read_to_string(tmp.path().join("out/link.csv")).unwrap();
    assert!(link.lines().skip(1).all(|l| l.contains(",tcp,")), "{link}");
    assert!(link.contains(",dropped,"));
    eprintln!(
        "tcp-echo over the live link: mean RTT {with:.0} us with link drops, {without:.0} us without"
    );
}
