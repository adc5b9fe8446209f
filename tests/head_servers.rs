//! `losslab head` against real web servers started by the test on 127.0.0.1: nginx (from a
//! temporary prefix, in the foreground) and Python's `http.server` in both protocol versions.
//! What losslab prints is compared with what `curl -sI` prints for the same URL.

mod common;

use common::*;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

const INDEX: &str = "<!doctype html>\n<title>losslab</title>\n<h1>hola</h1>\n";

/// An nginx started by a test; killed (it is one process) when dropped.
struct Nginx {
    /// Held only to be killed on drop.
    _proc: Proc,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

/// nginx.conf for a server on 127.0.0.1:`port` serving `dir`/www, with every file it writes
/// (pid, logs, temporary bodies) inside `dir`. `daemon off` comes from `-g`, and
/// `master_process off` keeps nginx a single process: killing it leaves no worker behind,
/// and as root there is no privilege drop to a user who could not read the 0700 temp folder.
fn nginx_conf(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "worker_processes 1;\n\
         pid {d}/nginx.pid;\n\
         error_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n\
         \x20   access_log off;\n\
         \x20   client_body_temp_path {d}/client_body;\n\
         \x20   proxy_temp_path {d}/proxy;\n\
         \x20   fastcgi_temp_path {d}/fastcgi;\n\
         \x20   uwsgi_temp_path {d}/uwsgi;\n\
         \x20   scgi_temp_path {d}/scgi;\n\
         \x20   types {{ text/html html; }}\n\
         \x20   default_type application/octet-stream;\n\
         \x20   server {{\n\
         \x20       listen 127.0.0.1:{port};\n\
         \x20       root {d}/www;\n\
         \x20       index index.html;\n\
         \x20   }}\n\
         }}\n"
    )
}

/// The nginx binary: on PATH, or where Debian puts it (/usr/sbin may be missing from PATH).
fn nginx_program() -> &'static str {
    if Path::new("/usr/sbin/nginx").exists() {
        "/usr/sbin/nginx"
    } else {
        "nginx"
    }
}

/// Starts nginx on a free loopback port and waits until it accepts connections. The port is
/// found by binding port 0 and releasing it; should another program take it in between, nginx
/// exits and the next attempt uses another port (three attempts at most).
fn start_nginx() -> Nginx {
    require_program(nginx_program(), "nginx");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("www")).unwrap();
    std::fs::write(dir.path().join("www/index.html"), INDEX).unwrap();
    let conf = dir.path().join("nginx.conf");
    let mut failures = Vec::new();
    for _ in 0..3 {
        let port = unused_tcp_port();
        std::fs::write(&conf, nginx_conf(dir.path(), port)).unwrap();
        let mut cmd = std::process::Command::new(nginx_program());
        cmd.current_dir(dir.path())
            .arg("-p")
            .arg(dir.path())
            .arg("-e")
            .arg(dir.path().join("error.log"))
            .arg("-c")
            .arg(&conf)
            .args(["-g", "daemon off; master_process off;"]);
        let mut proc = Proc::spawn(&mut cmd);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        if wait_for_tcp(addr, Duration::from_secs(20), || proc.try_exit().is_none()) {
            return Nginx {
                _proc: proc,
                addr,
                _dir: dir,
            };
        }
        let done = proc.finish(Duration::from_secs(10));
        let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
        failures.push(format!("port {port}: {done:?}\nerror.log:\n{log}"));
    }
    panic!("nginx did not start:\n{}", failures.join("\n"));
}

/// `losslab head ARGS...`, which must exit 0; returns its stdout.
fn head_ok(cwd: &Path, args: &[&str]) -> String {
    let done = run(losslab(cwd).arg("head").args(args), b"");
    assert_eq!(done.code(), Some(0), "losslab head {args:?}: {done:?}");
    assert!(done.stderr.is_empty(), "{}", done.stderr);
    done.stdout
}

/// losslab and curl agree on the status line and the set of header names of `url`.
fn assert_same_head_as_curl(cwd: &Path, url: &str, losslab_args: &[&str], curl_args: &[&str]) {
    let ours = head_ok(cwd, &[&[url], losslab_args].concat());
    let theirs = curl_head(cwd, url, curl_args);
    let (our_status, our_names) = final_head(&ours);
    let (their_status, their_names) = final_head(&theirs);
    assert_eq!(
        our_status, their_status,
        "losslab:\n{ours}\ncurl -sI:\n{theirs}"
    );
    assert_eq!(
        our_names, their_names,
        "losslab:\n{ours}\ncurl -sI:\n{theirs}"
    );
    // Every head line comes out with CRLF, like curl's, and the head ends with an empty line.
    assert!(ours.ends_with("\r\n\r\n"), "{ours:?}");
}

#[test]
fn head_against_nginx_matches_curl() {
    let nginx = start_nginx();
    let tmp = tempfile::tempdir().unwrap();
    let url = nginx.url();
    assert_same_head_as_curl(tmp.path(), &url, &[], &[]);
    let ours = head_ok(tmp.path(), &[&url]);
    assert!(ours.starts_with("HTTP/1.1 200 OK\r\n"), "{ours}");
    let length = format!("content-length: {}\r\n", INDEX.len());
    assert!(ours.to_ascii_lowercase().contains(&length), "{ours}");
    drop(nginx);
}

#[test]
fn head_http10_against_nginx_matches_curl() {
    let nginx = start_nginx();
    let tmp = tempfile::tempdir().unwrap();
    let url = nginx.url();
    assert_same_head_as_curl(tmp.path(), &url, &["--http1.0"], &["--http1.0"]);
    let ours = head_ok(tmp.path(), &[&url, "--http1.0"]);
    assert!(
        ours.starts_with("HTTP/1.1 200 ") || ours.starts_with("HTTP/1.0 200 "),
        "{ours}"
    );
}

/// The `seq=` lines of `losslab head --count` output.
fn seq_lines(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("seq=")).collect()
}

#[test]
fn head_count_against_nginx_reuses_the_kept_alive_connection() {
    let nginx = start_nginx();
    let tmp = tempfile::tempdir().unwrap();
    let url = nginx.url();
    let out = head_ok(tmp.path(), &[&url, "--count", "5"]);
    let seqs = seq_lines(&out);
    assert_eq!(seqs.len(), 5, "{out}");
    for (i, line) in seqs.iter().enumerate() {
        assert!(
            line.starts_with(&format!("seq={i} status=200 ")),
            "{line}\n{out}"
        );
    }
    assert!(seqs[0].ends_with("(new connection)"), "{out}");
    for line in &seqs[1..] {
        assert!(line.ends_with("(reused connection)"), "{out}");
    }
    assert!(
        out.contains("5 requests, 5 responses, 0 timeouts, 0 errors"),
        "{out}"
    );
    assert!(out.contains("over 1 new connections"), "{out}");

    let out = head_ok(tmp.path(), &[&url, "--count", "5", "--new-connection"]);
    let seqs = seq_lines(&out);
    assert_eq!(seqs.len(), 5, "{out}");
    for line in &seqs {
        assert!(line.contains(" status=200 "), "{out}");
        assert!(line.ends_with("(new connection)"), "{out}");
    }
    assert!(
        out.contains("5 requests, 5 responses, 0 timeouts, 0 errors"),
        "{out}"
    );
    assert!(out.contains("over 5 new connections"), "{out}");
}

/// A round trip to another process through the kernel takes at least a microsecond, so no
/// response may be reported as having taken 0.000 ms, on a reused connection or a new one.
#[test]
fn head_count_against_nginx_never_reports_a_zero_round_trip() {
    let nginx = start_nginx();
    let tmp = tempfile::tempdir().unwrap();
    let url = nginx.url();
    for extra in [&[][..], &["--new-connection"][..]] {
        let out = head_ok(
            tmp.path(),
            &[&[url.as_str(), "--count", "20"], extra].concat(),
        );
        let seqs = seq_lines(&out);
        assert_eq!(seqs.len(), 20, "{out}");
        let zero: Vec<&&str> = seqs
            .iter()
            .filter(|l| l.contains(" headers=0.000 ms "))
            .collect();
        assert!(
            zero.is_empty(),
            "{extra:?}: {} responses measured at 0 µs:\n{out}",
            zero.len()
        );
    }
}

/// `python3 -u -m http.server 0 --bind 127.0.0.1 [--protocol P]` serving a folder with an
/// index.html; the port it bound is read from its banner.
fn start_python_http(dir: &Path, protocol: Option<&str>) -> (Proc, SocketAddr) {
    require_program("python3", "python3");
    std::fs::write(dir.join("index.html"), INDEX).unwrap();
    let mut cmd = std::process::Command::new("python3");
    cmd.current_dir(dir)
        .args(["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"])
        .arg("--directory")
        .arg(dir);
    if let Some(p) = protocol {
        cmd.args(["--protocol", p]);
    }
    let mut proc = Proc::spawn(&mut cmd);
    // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
    let banner = proc.line_matching(Duration::from_secs(30), |l| {
        l.starts_with("Serving HTTP on ")
    });
    let port: u16 = banner
        .split_whitespace()
        .skip_while(|w| *w != "port")
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {banner:?}"));
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    assert!(
        wait_for_tcp(addr, Duration::from_secs(20), || proc.try_exit().is_none()),
        "python3 -m http.server does not accept on {addr}"
    );
    (proc, addr)
}

#[test]
fn head_against_python_http_server_1_0_matches_curl() {
    let tmp = tempfile::tempdir().unwrap();
    let (_server, addr) = start_python_http(tmp.path(), None);
    let url = format!("http://{addr}/");
    assert_same_head_as_curl(tmp.path(), &url, &[], &[]);
    let ours = head_ok(tmp.path(), &[&url]);
    assert!(ours.starts_with("HTTP/1.0 200 "), "{ours}");
}

#[test]
fn head_against_python_http_server_1_1_matches_curl() {
    let tmp = tempfile::tempdir().unwrap();
    let (_server, addr) = start_python_http(tmp.path(), Some("HTTP/1.1"));
    let url = format!("http://{addr}/");
    assert_same_head_as_curl(tmp.path(), &url, &[], &[]);
    let ours = head_ok(tmp.path(), &[&url]);
    assert!(ours.starts_with("HTTP/1.1 200 "), "{ours}");
    // HTTP/1.1 keeps the connection: three requests, one handshake.
    let out = head_ok(tmp.path(), &[&url, "--count", "3"]);
    assert!(
        out.contains("3 requests, 3 responses, 0 timeouts, 0 errors"),
        "{out}"
    );
    assert!(out.contains("over 1 new connections"), "{out}");
}
