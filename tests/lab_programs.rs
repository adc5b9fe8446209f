//! The lab guide's own Python programs (lab9-network-apps-with-python, "Comunicación usando
//! TCP" and "Comunicación usando UDP") talking to losslab, and losslab's echo client talking
//! to them. The code is the guide's, changed only where a test must: 127.0.0.1 instead of
//! localhost/all interfaces, port 0 (the servers print the port they got) or the port under
//! test, socket timeouts so nothing can hang, and the message read from standard input instead
//! of `input('> ')`. The Python servers loop forever like the guide's: the test kills them.
//! (The guide's UDP client against `losslab serve time` is tests/interop.rs.)

mod common;

use common::*;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The guide's TCP server ("Programa Servidor").
const LAB_TCP_SERVER: &str = r#"from socket import *
addr = ("127.0.0.1", 0)                  # the guide: ("localhost", 21567)
srvSock = socket(AF_INET, SOCK_STREAM)
srvSock.settimeout(30)                   # added: an idle server ends by itself
srvSock.bind(addr)
srvSock.listen()
print('port', srvSock.getsockname()[1])  # added: the port it got
while True:
    cliSock, addr = srvSock.accept()
    cliSock.settimeout(10)               # added
    print ('...conexion recibida')
    data = cliSock.recv(200)
    cliSock.send(b"Resp: " + data)
    cliSock.close()
srvSock.close()
"#;

/// The guide's TCP client ("Programa Cliente"), for `port`.
fn lab_tcp_client(port: u16) -> String {
    format!(
        r#"import sys
from socket import *
dest = ('127.0.0.1', {port})
cliSock = socket(AF_INET, SOCK_STREAM)
cliSock.settimeout(10)                   # added
cliSock.connect(dest)
data = sys.stdin.readline().rstrip('\n') # the guide: input('> ')
cliSock.send(data.encode("utf-8"))
data = cliSock.recv(200)
print(data.decode("utf-8"))
cliSock.close()
"#
    )
}

/// The guide's UDP server.
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

/// The guide's UDP client, for `port`.
fn lab_udp_client(port: u16) -> String {
    format!(
        r#"import sys
from socket import *
ADDR = ('127.0.0.1', {port})
cliSock = socket(AF_INET, SOCK_DGRAM)
cliSock.settimeout(10)                   # added
data = sys.stdin.readline().rstrip('\n') # the guide: input('> ')
cliSock.sendto(data.encode("utf-8"), ADDR)
data, ADDR = cliSock.recvfrom(512)
print(data.decode("utf-8"))
cliSock.close()
"#
    )
}

/// `python3 -u FILE` (unbuffered, so the server's lines arrive as printed; UTF-8 output).
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

/// Starts one of the guide's servers and reads the port it printed.
fn start_lab_server(dir: &Path, name: &str, code: &str) -> (Proc, SocketAddr) {
    let mut proc = Proc::spawn(&mut python(dir, name, code));
    let line = proc.line_matching(Duration::from_secs(30), |l| l.starts_with("port "));
    let port: u16 = line["port ".len()..]
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("bad port line {line:?}"));
    (proc, SocketAddr::from(([127, 0, 0, 1], port)))
}

#[test]
fn lab_tcp_client_against_serve_echo_tcp() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_echo_server(tmp.path(), true, &["--max-requests", "1"]);
    let client = lab_tcp_client(server.addr.port());
    let py = run(&mut python(tmp.path(), "tcp_client.py", &client), b"hola\n");
    assert_eq!(py.code(), Some(0), "{py:?}");
    assert_eq!(py.stdout, "Resp: hola\n");
    let done = server.proc.finish(DEADLINE);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(done.stdout.contains("received \"hola\""), "{}", done.stdout);
}

#[test]
fn lab_udp_client_against_serve_echo_udp() {
    let tmp = tempfile::tempdir().unwrap();
    let mut server = start_echo_server(tmp.path(), false, &["--max-requests", "1"]);
    let client = lab_udp_client(server.addr.port());
    let py = run(&mut python(tmp.path(), "udp_client.py", &client), b"hola\n");
    assert_eq!(py.code(), Some(0), "{py:?}");
    assert_eq!(py.stdout, "Res: hola\n");
    let done = server.proc.finish(DEADLINE);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(done.stdout.contains("received \"hola\""), "{}", done.stdout);
}

#[test]
fn losslab_tcp_echo_client_against_the_lab_tcp_server() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut server, addr) = start_lab_server(tmp.path(), "tcp_server.py", LAB_TCP_SERVER);
    for message in ["hola", "¿qué hora es?"] {
        let done = run(
            losslab(tmp.path()).args(["echo", &addr.to_string(), "--tcp", message]),
            b"",
        );
        assert_eq!(done.code(), Some(0), "{message}: {done:?}");
        assert_eq!(done.stdout, format!("Resp: {message}\n"));
        server.line_matching(Duration::from_secs(30), |l| {
            l.starts_with("...conexion recibida")
        });
    }
    assert!(
        server.try_exit().is_none(),
        "the lab's server loops forever"
    );
    drop(server); // killed
}

#[test]
fn losslab_udp_echo_client_against_the_lab_udp_server() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut server, addr) = start_lab_server(tmp.path(), "udp_server.py", LAB_UDP_SERVER);
    for message in ["hola", "¿qué hora es?"] {
        let done = run(
            losslab(tmp.path()).args(["echo", &addr.to_string(), "--udp", message]),
            b"",
        );
        assert_eq!(done.code(), Some(0), "{message}: {done:?}");
        assert_eq!(done.stdout, format!("Res: {message}\n"));
        let seen = format!("se recibió: {message}");
        server.line_matching(Duration::from_secs(30), |l| l.trim_end() == seen);
    }
    assert!(
        server.try_exit().is_none(),
        "the lab's server loops forever"
    );
    drop(server); // killed
}
