//! `losslab link`: programs nobody here changed for losslab — the lab guide's Python TCP server
//! and client, `python3 -m http.server` and `curl` — on the two sides of the live lossy link.
//! They complete, TCP retransmits what the link dropped (link.csv shows segments crossing again,
//! `n >= 1`), losslab exits with the client's status, and no process, namespace, device or
//! route is left behind.
//!
//! All traffic stays inside the two namespaces each run creates (10.77.0.1 and 10.77.0.2);
//! every child has a deadline.

mod common;

use common::*;
use losslab::driver::netns::{self, PrivateNet};
use std::path::Path;

/// True when this machine can build the link; otherwise prints why and the test returns.
/// Root must always be able to: there a failure fails the test.
fn can_build(test: &str) -> bool {
    if !netns::needs_user_namespace() {
        return true;
    }
    match std::thread::spawn(|| PrivateNet::build().map(drop)).join() {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            eprintln!("skipping {test}: {e:#}");
            false
        }
        Err(_) => panic!("building the private network panicked"),
    }
}

/// The guide's TCP server ("Programa Servidor"), unchanged but for a timeout so an idle server
/// ends by itself and SO_REUSEADDR; it listens on all addresses of its namespace, port 21567,
/// as the guide's does.
const LAB_TCP_SERVER: &str = r#"from socket import *
addr = ("", 21567)
srvSock = socket(AF_INET, SOCK_STREAM)
srvSock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)  # added
srvSock.settimeout(60)                   # added: an idle server ends by itself
srvSock.bind(addr)
srvSock.listen()
while True:
    cliSock, addr = srvSock.accept()
    cliSock.settimeout(20)               # added
    print ('...conexion recibida')
    data = cliSock.recv(200)
    cliSock.send(b"Resp: " + data)
    cliSock.close()
srvSock.close()
"#;

/// The guide's TCP client, with the server's address from the environment losslab sets.
const LAB_TCP_CLIENT: &str = r#"import os, sys
from socket import *
dest = (os.environ['LOSSLAB_SERVER_ADDR'], 21567)   # the guide: ('localhost', 21567)
cliSock = socket(AF_INET, SOCK_STREAM)
cliSock.settimeout(20)                   # added
cliSock.connect(dest)
data = sys.stdin.readline().rstrip('\n') # the guide: input('> ')
cliSock.send(data.encode("utf-8"))
data = cliSock.recv(200)
print(data.decode("utf-8"))
cliSock.close()
"#;

/// (key, fate) of every TCP row of a record's link.csv.
fn tcp_rows(dir: &Path) -> Vec<(String, String)> {
    let mut r = csv::Reader::from_path(dir.join("link.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|c| c == name).unwrap();
    let (proto, key, fate) = (col("protocol"), col("key"), col("fate"));
    r.records()
        .map(|row| row.unwrap())
        .filter(|row| &row[proto] == "tcp")
        .map(|row| (row[key].to_string(), row[fate].to_string()))
        .collect()
}

/// A segment crossing again: a key `conn=.. seq=.. len=.. n=K` with K >= 1.
fn retransmitted(key: &str) -> bool {
    key.contains(" seq=")
        && key
            .rsplit(" n=")
            .next()
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n >= 1)
}

fn assert_nothing_left() {
    let out = std::process::Command::new("ip")
        .args(["-o", "link"])
        .output();
    if let Ok(o) = out {
        let links = String::from_utf8_lossy(&o.stdout);
        assert!(!links.contains("losslab-"), "{links}");
    }
}

#[test]
fn the_lab_tcp_programs_across_a_lossy_link_complete_with_retransmissions() {
    if !can_build("the_lab_tcp_programs_across_a_lossy_link_complete_with_retransmissions") {
        return;
    }
    require_program("python3", "python3");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("server.py"), LAB_TCP_SERVER).unwrap();
    std::fs::write(tmp.path().join("client.py"), LAB_TCP_CLIENT).unwrap();
    // 20 connections, one message each: about 200 packets, so 10% loss each way hits some
    // segments that TCP must send again (and the client waits out the retransmission).
    let client = "for i in $(seq 1 20); do echo hola$i | python3 -u client.py || exit 1; done";
    let done = run(
        losslab(tmp.path()).args([
            "link",
            "--loss",
            "random 10%",
            "--seed",
            "3",
            "--server",
            "python3 -u server.py",
            "--client",
            client,
            "--record",
            "rec",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout
            .starts_with("losslab link: server side 10.77.0.1, client side 10.77.0.2"),
        "{}",
        done.stdout
    );
    for i in 1..=20 {
        assert!(
            done.stdout.contains(&format!("Resp: hola{i}\n")),
            "{i}: {}",
            done.stdout
        );
    }
    let rows = tcp_rows(&tmp.path().join("rec"));
    let dropped = rows.iter().filter(|(_, f)| f == "dropped").count();
    let again = rows.iter().filter(|(k, _)| retransmitted(k)).count();
    assert!(dropped >= 1, "no drops in {} rows", rows.len());
    assert!(
        again >= 1,
        "no retransmitted segment among {} rows",
        rows.len()
    );
    let json = std::fs::read_to_string(tmp.path().join("rec/link.json")).unwrap();
    assert!(json.contains("\"status\": \"done\""), "{json}");
    assert!(json.contains("\"client_exit\": 0"), "{json}");
    assert_nothing_left();
}

#[test]
fn curl_against_python_http_server_across_the_link() {
    if !can_build("curl_against_python_http_server_across_the_link") {
        return;
    }
    require_program("python3", "python3");
    require_program("curl", "curl");
    let tmp = tempfile::tempdir().unwrap();
    // 200 kB: about 140 segments each way per fetch.
    let body: String = (0..20_000).map(|i| format!("{:09}\n", i)).collect();
    std::fs::write(tmp.path().join("data.txt"), &body).unwrap();
    let client = "for i in 1 2 3; do curl -sf --max-time 60 -o got$i.txt \
                  http://$LOSSLAB_SERVER_ADDR:8000/data.txt || exit 1; done";
    let done = run(
        losslab(tmp.path()).args([
            "link",
            "--loss",
            "random 10%",
            "--delay",
            "1ms",
            "--server",
            "python3 -m http.server 8000 --bind 10.77.0.1",
            "--client",
            client,
            "--record",
            "rec",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    for i in 1..=3 {
        let got = std::fs::read_to_string(tmp.path().join(format!("got{i}.txt"))).unwrap();
        assert!(got == body, "fetch {i} differs");
    }
    let rows = tcp_rows(&tmp.path().join("rec"));
    assert!(rows.iter().any(|(k, _)| retransmitted(k)));
    assert_nothing_left();
}

/// losslab exits with the client's status; a server that cannot start is an error (exit 2);
/// a server that ignores SIGTERM is killed with its process group.
#[test]
fn the_client_status_is_the_exit_code_and_every_process_is_ended() {
    if !can_build("the_client_status_is_the_exit_code_and_every_process_is_ended") {
        return;
    }
    require_program("python3", "python3");
    let tmp = tempfile::tempdir().unwrap();
    // A server that ignores SIGTERM and leaves a child of its own: both must go.
    let server = "trap '' TERM; python3 -c 'import socket,time; s=socket.socket(); \
                  s.bind((\"\",7)); s.listen(); time.sleep(300)' & sleep 300";
    let started = std::time::Instant::now();
    let done = run(
        losslab(tmp.path()).args(["link", "--server", server, "--client", "exit 3"]),
        b"",
    );
    assert_eq!(done.code(), Some(3), "{done:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    for p in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
        let text = String::from_utf8_lossy(&cmdline);
        assert!(!text.contains("s.bind((\"\",7))"), "left behind: {text}");
    }

    let done = run(
        losslab(tmp.path()).args(["link", "--server", "exit 0", "--client", "true"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains("before it bound a socket"),
        "{}",
        done.stderr
    );
    assert_nothing_left();
}

/// In Spanish the banner describes the path in Spanish (netem's own words stay), and a server
/// command that ends before binding says so in Spanish (issue 15).
#[test]
fn banner_and_errors_in_spanish() {
    if !can_build("banner_and_errors_in_spanish") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let done = run(
        losslab(tmp.path()).args([
            "--lang",
            "es",
            "link",
            "--server",
            "true",
            "--client",
            "true",
            "--loss",
            "random 10%",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stdout.contains(
            "lado del servidor 10.77.0.1, lado del cliente 10.77.0.2 (LOSSLAB_SERVER_ADDR=10.77.0.1): \
             loss random 10% (sobre solicitudes y respuestas), 50us en cada sentido, semilla 42"
        ),
        "{}",
        done.stdout
    );
    assert!(!done.stdout.contains("each way"), "{}", done.stdout);
    assert!(
        done.stderr.contains("la orden del servidor terminó"),
        "{}",
        done.stderr
    );
}
