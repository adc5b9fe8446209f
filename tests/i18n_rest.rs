//! The rest of the console in Spanish (issue 15): the relay's banner and totals, a sweep
//! file's unknown field, a zero duration; English as it was.

mod common;

use common::*;
use std::time::Duration;

/// The relay names its flow rule in Spanish (with the option value to type) and counts in the
/// singular when there is one.
#[test]
fn relay_banner_and_totals_in_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = silent.local_addr().unwrap().to_string();
    let mut relay = Proc::spawn(losslab(tmp.path()).args([
        "--lang",
        "es",
        "relay",
        "--listen",
        "127.0.0.1:0",
        "--to",
        &to,
        "--flows",
        "one",
        "--max-datagrams",
        "1",
    ]));
    let banner = relay.line_matching(Duration::from_secs(20), |l| l.contains("relé losslab"));
    assert!(
        banner.contains("un solo flujo para todos los clientes (--flows one)"),
        "{banner}"
    );
    assert!(
        banner.contains("50us en cada sentido, semilla 42"),
        "{banner}"
    );
    let listen: std::net::SocketAddr = banner
        .strip_prefix("relé losslab en udp ")
        .and_then(|r| r.split_once(" -> "))
        .map(|(a, _)| a.parse().unwrap())
        .unwrap_or_else(|| panic!("{banner}"));
    let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    client.send_to(b"hola", listen).unwrap();
    let done = relay.finish(DEADLINE);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let all = done.stdout;
    assert!(
        all.contains("terminado: hacia el servidor 1 datagrama, 0 descartados;"),
        "{all}"
    );
    assert!(all.contains("; 1 cliente, 0 rechazados,"), "{all}");
    assert!(!all.contains("datagrams"), "{all}");
}

#[test]
fn relay_banner_in_english_is_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let mut relay = Proc::spawn(losslab(tmp.path()).args([
        "relay",
        "--listen",
        "127.0.0.1:0",
        "--to",
        "127.0.0.1:9",
        "--duration",
        "100ms",
    ]));
    let banner = relay.line_matching(Duration::from_secs(20), |l| l.contains("relay on"));
    assert!(
        banner.contains("seed 42, one flow per client address (--flows address) (Ctrl-C to stop)"),
        "{banner}"
    );
    relay.finish(DEADLINE);
}

#[test]
fn a_sweep_file_with_an_unknown_field_in_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = std::path::absolute("scenarios/lab9-udp-time-sim.toml").unwrap();
    let file = tmp.path().join("s.toml");
    std::fs::write(
        &file,
        format!(
            "scenario = {:?}\nseeds = [1]\ncolour = 3\n",
            scenario.display().to_string()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let done = run(
        losslab(tmp.path())
            .args(["--lang", "es", "sweep"])
            .arg(&file)
            .arg("--out")
            .arg(&out),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr
            .contains("s.toml:3:1: campo desconocido `colour`, se esperaba uno de `scenario`,"),
        "{}",
        done.stderr
    );
    let done = run(
        losslab(tmp.path())
            .arg("sweep")
            .arg(&file)
            .arg("--out")
            .arg(&out),
        b"",
    );
    assert!(
        done.stderr
            .contains("s.toml:3:1: unknown field `colour`, expected one of `scenario`,"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_zero_duration_is_refused_in_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let done = run(
        losslab(tmp.path()).args(["--lang", "es", "time", "127.0.0.1:9", "-W", "0ms"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.starts_with(
            "error: valor no válido '0ms' para '--timeout <TIMEOUT>': debe ser mayor que 0\n"
        ),
        "{}",
        done.stderr
    );
    let done = run(
        losslab(tmp.path()).args(["time", "127.0.0.1:9", "-W", "0ms"]),
        b"",
    );
    assert!(
        done.stderr.starts_with(
            "error: invalid value '0ms' for '--timeout <TIMEOUT>': must be longer than 0\n"
        ),
        "{}",
        done.stderr
    );
}

/// The relay's English lines count in the singular too ("1 datagram", "1 client"), and the flow
/// rule is said in words, as the Spanish lines do.
#[test]
fn relay_lines_count_in_the_singular_in_english() {
    use fluent_bundle::{FluentArgs, FluentValue};
    use losslab::i18n::{Lang, message_in};
    let mut args = FluentArgs::new();
    args.set("status", FluentValue::from("done"));
    for name in [
        "up",
        "up_dropped",
        "down",
        "down_dropped",
        "clients",
        "refused",
    ] {
        args.set(name, FluentValue::from(1));
    }
    args.set("overflows", FluentValue::from(0));
    args.set("errors", FluentValue::from(1));
    let line = message_in(Lang::En, "relay-footer", Some(&args));
    assert_eq!(
        line,
        "done: to the server 1 datagram, 1 dropped; to the clients 1, 1 dropped; 1 client, \
         1 refused, 0 overflowed, 1 send error"
    );
    args.set("up", FluentValue::from(2));
    args.set("clients", FluentValue::from(3));
    args.set("errors", FluentValue::from(0));
    let line = message_in(Lang::En, "relay-footer", Some(&args));
    assert!(
        line.contains("2 datagrams,") && line.contains("3 clients,"),
        "{line}"
    );
    assert!(line.ends_with("0 send errors"), "{line}");
}
