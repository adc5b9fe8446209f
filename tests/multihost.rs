//! Across hosts, with ground truth: a server host and a client host in two network namespaces
//! joined by a veth pair, with an nftables rule on the wire that drops a share of the packets
//! (kernel randomness, `numgen random`), and the time server's own seeded model dropping more.
//! `losslab join` must put each loss where it happened: the wire's drops on the way to the
//! server and on the way back, the model's at the server, each within its Wilson interval, and
//! together exactly the clients' timeouts.
//!
//! Needs root, iproute2 and nftables (`.ci/run` installs them; CI runs as root). Where the
//! machine cannot make namespaces it prints why and skips. Everything it creates (two
//! namespaces, the veth pair inside them, the nftables table inside the server's namespace)
//! is deleted when the test ends, however it ends; the traffic stays inside those namespaces.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WIRE_TO_SERVER: f64 = 0.20;
const WIRE_BACK: f64 = 0.10;
const MODEL: f64 = 0.30;

/// The two namespaces; deleted on drop (their veth ends and nftables table with them).
struct Hosts {
    client: String,
    server: String,
}

impl Drop for Hosts {
    fn drop(&mut self) {
        for ns in [&self.client, &self.server] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

/// A child process killed on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sh(args: &[&str]) -> Result<(), String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    match out.status.success() {
        true => Ok(()),
        false => Err(format!(
            "{}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
    }
}

/// The two hosts, or why this machine cannot have them.
fn make_hosts() -> Result<Hosts, String> {
    if !nix::unistd::geteuid().is_root() {
        return Err("not root: network namespaces and veth pairs need it".into());
    }
    for tool in ["ip", "nft"] {
        let found = Command::new(tool)
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            return Err(format!(
                "`{tool}` is missing (Debian: iproute2, nftables; .ci/run installs them)"
            ));
        }
    }
    let id = std::process::id();
    let hosts = Hosts {
        client: format!("llmh-c-{id}"),
        server: format!("llmh-s-{id}"),
    };
    let (c, s) = (hosts.client.as_str(), hosts.server.as_str());
    let (vc, vs) = (
        format!("llc{}", id % 100_000),
        format!("lls{}", id % 100_000),
    );
    sh(&["ip", "netns", "add", c])?;
    sh(&["ip", "netns", "add", s])?;
    sh(&[
        "ip", "link", "add", &vc, "type", "veth", "peer", "name", &vs,
    ])?;
    sh(&["ip", "link", "set", &vc, "netns", c])?;
    sh(&["ip", "link", "set", &vs, "netns", s])?;
    for (ns, dev, addr) in [(c, &vc, "10.88.0.2/24"), (s, &vs, "10.88.0.1/24")] {
        sh(&["ip", "-n", ns, "addr", "add", addr, "dev", dev])?;
        sh(&["ip", "-n", ns, "link", "set", dev, "up"])?;
        sh(&["ip", "-n", ns, "link", "set", "lo", "up"])?;
    }
    Ok(hosts)
}

fn in_ns(ns: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns]).args(args);
    cmd
}

/// Waits for `child` at most `limit`; kills it past that.
fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("a child ran past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wilson999(k: u64, n: u64) -> (f64, f64) {
    let z = 3.2905f64;
    let (n, p) = (n as f64, k as f64 / n as f64);
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}

fn share(j: &serde_json::Value, name: &str) -> (u64, u64) {
    (
        j[name]["count"].as_u64().unwrap(),
        j[name]["of"].as_u64().unwrap(),
    )
}

#[test]
fn join_attributes_wire_and_model_losses_across_two_hosts() {
    let hosts = match make_hosts() {
        Ok(h) => h,
        Err(why) => {
            eprintln!("skipping the two-host test: {why}");
            return;
        }
    };
    // The wire: nftables in the server's namespace drops requests coming in and replies going
    // out, with the kernel's own randomness.
    let rules = format!(
        "table inet llmh {{\n\
         chain in {{ type filter hook input priority 0; policy accept; \
         udp dport 23456 numgen random mod 100 < {} drop; }}\n\
         chain out {{ type filter hook output priority 0; policy accept; \
         udp sport 23456 numgen random mod 100 < {} drop; }}\n}}\n",
        (WIRE_TO_SERVER * 100.0) as u32,
        (WIRE_BACK * 100.0) as u32
    );
    let tmp = tempfile::tempdir().unwrap();
    let rules_file = tmp.path().join("wire.nft");
    std::fs::write(&rules_file, rules).unwrap();
    sh(&[
        "ip",
        "netns",
        "exec",
        &hosts.server,
        "nft",
        "-f",
        rules_file.to_str().unwrap(),
    ])
    .unwrap();

    let losslab = env!("CARGO_BIN_EXE_losslab");
    let server_dir = tmp.path().join("server");
    let client_dir = tmp.path().join("clients");
    let scenario = tmp.path().join("clients.toml");
    std::fs::write(
        &scenario,
        "name = \"two-hosts\"\nseed = 5\n[server]\nkind = \"udp-time\"\n[impair]\n\
         loss = \"random 30%\"\n[clients]\ncount = 4\nrequests = 500\ninterval = \"2ms\"\n\
         timeout = \"300ms\"\n",
    )
    .unwrap();
    let mut server = Killed(
        in_ns(
            &hosts.server,
            &[
                losslab,
                "serve",
                "time",
                "--bind",
                "10.88.0.1:23456",
                "--loss",
                "random 30%",
                "--seed",
                "5",
                "--record",
                server_dir.to_str().unwrap(),
                "-q",
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap(),
    );
    std::thread::sleep(Duration::from_millis(500));
    let mut clients = in_ns(
        &hosts.client,
        &[
            losslab,
            "run",
            scenario.to_str().unwrap(),
            "--server",
            "10.88.0.1:23456",
            "--out",
            client_dir.to_str().unwrap(),
            "-qq",
        ],
    )
    .spawn()
    .unwrap();
    assert!(wait(&mut clients, Duration::from_secs(30)).success());
    // Ctrl-C: the server writes its record and stops.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(server.0.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    wait(&mut server.0, Duration::from_secs(10));
    assert!(server_dir.join("server.csv").is_file(), "no server record");

    let out = Command::new(losslab)
        .args(["join"])
        .arg(&client_dir)
        .arg(&server_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
    let joined: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(client_dir.join("join/join.json")).unwrap())
            .unwrap();
    for (name, p) in [
        ("lost_to_server", WIRE_TO_SERVER),
        ("discarded_by_server", MODEL),
        ("lost_from_server", WIRE_BACK),
    ] {
        let (k, n) = share(&joined, name);
        let (lo, hi) = wilson999(k, n);
        assert!(
            (lo..=hi).contains(&p),
            "{name}: {k} of {n}, 99.9% CI {lo:.3}-{hi:.3}, expected {p}"
        );
    }
    // The three classes add up to exactly the clients' own losses.
    let summary = std::fs::read_to_string(client_dir.join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let all = summary["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scope"] == "all")
        .unwrap();
    assert_eq!(joined["lost"]["count"], all["timeouts"]);
    assert_eq!(joined["sent"], all["sent"]);
    drop(hosts);
    assert!(
        !Path::new("/run/netns")
            .join(format!("llmh-c-{}", std::process::id()))
            .exists()
    );
}
