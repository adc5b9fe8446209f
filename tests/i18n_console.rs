//! Console lines in Spanish (issue 15) beyond `run`'s: the SNTP client, the console's "lines
//! not shown" note, a run against a server elsewhere with its `join`, and the relay. Every
//! server here listens on 127.0.0.1 and ends within the test.

mod common;

use common::*;
use losslab::i18n::{self, Lang};
use std::net::SocketAddr;
use std::path::Path;

/// Starts `losslab serve time --protocol P --bind 127.0.0.1:0 ARGS...` in Spanish and reads
/// its address from its (Spanish) banner.
fn start_es(dir: &Path, protocol: &str, args: &[&str]) -> (Proc, SocketAddr) {
    let prefix = format!("servidor {protocol} de losslab en udp ");
    start_protocol_server(dir, protocol, args, Some("es_ES.UTF-8"), &prefix)
}

fn sntp_es(dir: &Path, addr: &str, args: &[&str]) -> Finished {
    run(
        losslab(dir)
            .args(["--lang", "es", "time", "--protocol", "sntp", addr])
            .args(args),
        b"",
    )
}

/// `time --protocol sntp` in Spanish: a line per request (offset and delay, or a timeout),
/// the summary with its plural forms, a kiss-o'-death, and the line when nothing answered;
/// the server's discard lines are Spanish too.
#[test]
fn the_sntp_client_speaks_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut server, addr) = start_es(
        tmp.path(),
        "sntp",
        &["--seed", "3", "--min-interval", "50ms"],
    );
    let done = sntp_es(
        tmp.path(),
        &addr.to_string(),
        &["-c", "6", "-i", "100ms", "-W", "300ms"],
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let out = &done.stdout;
    assert!(
        out.starts_with(&format!(
            "SNTP {addr}: 6 solicitudes, una cada 100ms, tiempo de espera 300ms\n"
        )),
        "{out}"
    );
    // Seed 3 discards #0, #2, #3, #5 of the lab's 50% (as tests/protocols.rs finds in English).
    let lines: Vec<&str> = out.lines().skip(1).take(6).collect();
    for (i, line) in lines.iter().enumerate() {
        match i {
            0 | 2 | 3 | 5 => assert_eq!(*line, format!("{i}: tiempo agotado")),
            _ => {
                let rest = line
                    .strip_prefix(&format!("{i}: desfase "))
                    .unwrap_or_else(|| panic!("{line}"));
                let offset: f64 = rest.split(' ').next().unwrap().parse().unwrap();
                assert!(offset.abs() < 50.0, "{line}");
                assert!(line.contains(" ms, retardo "), "{line}");
            }
        }
    }
    assert!(
        out.contains("6 enviadas, 2 respondidas, 0 kiss-o'-death, 4 con tiempo agotado; desfase "),
        "{out}"
    );
    assert!(out.contains("(de la muestra con menor retardo, "), "{out}");
    for english in ["timeout", "offset", "sent", "answered"] {
        assert!(!out.contains(english), "{english:?} in {out}");
    }
    // Asked again within --min-interval: the second of two gets a RATE kiss.
    let kissed = sntp_es(tmp.path(), &addr.to_string(), &["-c", "2", "-i", "10ms"]);
    assert_eq!(kissed.code(), Some(0), "{kissed:?}");
    assert!(
        kissed.stdout.contains(
            "1: kiss-o'-death RATE: el servidor pide que se le pregunte con menos frecuencia"
        ),
        "{}",
        kissed.stdout
    );
    assert!(
        kissed
            .stdout
            .contains("2 enviadas, 1 respondida, 1 kiss-o'-death"),
        "{}",
        kissed.stdout
    );
    sigint(server.pid());
    let served = server.finish(DEADLINE).stdout;
    assert!(
        served.contains("] descartada (sntp) la solicitud simple n.º 0 de 127.0.0.1:"),
        "{served}"
    );
    assert!(
        served.contains("] respondida (sntp) la solicitud simple n.º 1 de 127.0.0.1:"),
        "{served}"
    );
    assert!(served.contains(", 1 kiss-o'-death RATE"), "{served}");

    // Nobody there: one request, singular forms, exit 1 as ping.
    let port = unused_udp_port();
    let none = sntp_es(
        tmp.path(),
        &format!("127.0.0.1:{port}"),
        &["-c", "1", "-W", "100ms"],
    );
    assert_eq!(none.code(), Some(1), "{none:?}");
    assert!(
        none.stdout.contains(&format!(
            "ninguna respuesta SNTP de 127.0.0.1:{port} a 1 solicitud"
        )),
        "{}",
        none.stdout
    );
    assert!(
        none.stdout.contains("1 enviada, 0 respondidas"),
        "{}",
        none.stdout
    );
}

/// The note's plural forms in both languages (one line, several lines).
#[test]
fn the_not_shown_note_has_plural_forms() {
    let note = |lang, n: u64| {
        let mut args = fluent_bundle::FluentArgs::new();
        args.set("n", n);
        i18n::message_in(lang, "console-not-shown", Some(&args))
    };
    assert_eq!(note(Lang::En, 1), "… 1 console line not shown");
    assert_eq!(note(Lang::En, 7), "… 7 console lines not shown");
    assert_eq!(note(Lang::Es, 1), "… 1 línea de la consola sin mostrar");
    assert_eq!(note(Lang::Es, 7), "… 7 líneas de la consola sin mostrar");
}

/// A live run whose stdout nobody reads (as tests/hostile.rs provokes it): the console drops
/// lines rather than stall the loop, and says how many on standard error, in Spanish.
#[test]
fn lines_not_shown_are_counted_in_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let (status, stderr) = run_with_unread_stdout(t, Some("es_ES.UTF-8"));
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(
        stderr.contains("líneas de la consola sin mostrar"),
        "{stderr}"
    );
    assert!(!stderr.contains("console lines"), "{stderr}");
}

/// `run --server HOST:PORT` against `serve time --record` on loopback, then `join`: the header,
/// the remote summary, the record line and the join's table in Spanish; and the English join
/// keeps its column layout.
#[test]
fn a_run_against_a_server_elsewhere_speaks_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let port = unused_udp_port();
    let bind = format!("127.0.0.1:{port}");
    let server_dir = t.join("server");
    let client_dir = t.join("clients");
    let mut server = Proc::spawn(losslab(t).env("LANG", "es_ES.UTF-8").args([
        "serve",
        "time",
        "--bind",
        &bind,
        "--loss",
        "random 30%",
        "--seed",
        "5",
        "--record",
        server_dir.to_str().unwrap(),
        "-q",
    ]));
    server.line_matching(DEADLINE, |l| l.contains("servidor de hora losslab"));
    std::fs::write(
        t.join("clients.toml"),
        "name = \"remoto\"\nseed = 5\n[server]\nkind = \"udp-time\"\n[impair]\n\
         loss = \"random 30%\"\n[clients]\ncount = 2\nrequests = 50\ninterval = \"2ms\"\n\
         timeout = \"300ms\"\n",
    )
    .unwrap();
    let done = run(
        losslab(t).args([
            "--lang",
            "es",
            "run",
            "clients.toml",
            "--server",
            &bind,
            "--out",
            client_dir.to_str().unwrap(),
            "-q",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let out = &done.stdout;
    assert!(
        out.contains(&format!(
            "aquí solo se ejecutan los clientes: el servidor en {bind} y su modelo de pérdida ("
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "\nservidor {bind} (en otra máquina): pérdida medida "
        )),
        "{out}"
    );
    assert!(
        out.contains("y solo `losslab join` con su registro puede separar ambas."),
        "{out}"
    );
    assert!(!out.contains("elsewhere"), "{out}");
    sigint(server.pid());
    let served = server.finish(DEADLINE).stdout;
    assert!(
        served.contains(&format!(
            "registrado: {} (server.csv, server.json)",
            server_dir.display()
        )),
        "{served}"
    );

    let joined = run(
        losslab(t)
            .args(["--lang", "es", "join"])
            .arg(&client_dir)
            .arg(&server_dir),
        b"",
    );
    assert_eq!(joined.code(), Some(0), "{joined:?}");
    let j = &joined.stdout;
    assert!(j.starts_with("unidos 100 intentos de "), "{j}");
    // The labels in a column as wide as the widest, the counts after it.
    let labels = [
        "perdidos de camino al servidor",
        "descartados por el modelo del servidor",
        "perdidos a la vuelta",
        "perdidos en total",
    ];
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap();
    for label in labels {
        let padded = format!("\n{label:<width$} ");
        assert!(j.contains(&padded), "{padded:?} in {j}");
    }
    assert!(j.contains(" de 100    "), "{j}");
    assert!(j.contains("% (IC 95% "), "{j}");
    assert!(j.contains("\nresultados: "), "{j}");

    // English: the labels padded to the widest of them, as before the catalogs.
    let english = run(
        losslab(t).arg("join").arg(&client_dir).arg(&server_dir),
        b"",
    );
    assert_eq!(english.code(), Some(0), "{english:?}");
    let e = &english.stdout;
    assert!(e.starts_with("joined 100 attempts of "), "{e}");
    for label in [
        "\nlost on the way to the server   ",
        "\ndiscarded by the server's model ",
        "\nlost on the way back            ",
        "\nlost in all                     ",
    ] {
        assert!(e.contains(label), "{label:?} in {e}");
    }
    assert!(e.contains(" of 100    "), "{e}");
}

/// The relay's banner and closing line in Spanish.
#[test]
fn the_relay_speaks_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let port = unused_udp_port();
    let mut relay = Proc::spawn(losslab(tmp.path()).args([
        "--lang",
        "es",
        "relay",
        "--listen",
        "127.0.0.1:0",
        "--to",
        &format!("127.0.0.1:{port}"),
        "--duration",
        "200ms",
    ]));
    let banner = relay.line_matching(DEADLINE, |l| l.starts_with("relé losslab en udp "));
    assert!(
        banner.contains(
            "semilla 42, un flujo por dirección de cliente (--flows address) (Ctrl-C para detener)"
        ),
        "{banner}"
    );
    let done = relay.finish(DEADLINE);
    assert!(
        done.stdout
            .contains("terminado: hacia el servidor 0 datagramas, 0 descartados"),
        "{done:?}"
    );
}
