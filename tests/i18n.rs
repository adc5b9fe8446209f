//! The message catalogs (issue 15): both define the same keys, every key the source asks for
//! exists, and a Spanish locale gives a Spanish `run` (which `--lang en` overrides).

mod common;

use common::*;
use losslab::i18n::{self, CATALOGS, Lang};
use std::collections::BTreeSet;
use std::path::Path;

fn keys(text: &str, name: &str) -> BTreeSet<String> {
    let keys = i18n::catalog_keys(text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
    let set: BTreeSet<String> = keys.iter().cloned().collect();
    assert_eq!(set.len(), keys.len(), "{name} defines a key twice");
    set
}

/// Each part defines the same keys in both languages, and no key is defined in two parts.
#[test]
fn both_catalogs_define_the_same_keys() {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for part in CATALOGS {
        let (en_path, en_text) = part.file(Lang::En);
        let (es_path, es_text) = part.file(Lang::Es);
        let en = keys(en_text, en_path);
        let es = keys(es_text, es_path);
        let only_en: Vec<_> = en.difference(&es).collect();
        let only_es: Vec<_> = es.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_es.is_empty(),
            "only in {en_path}: {only_en:?}; only in {es_path}: {only_es:?}"
        );
        let twice: Vec<_> = en.intersection(&seen).collect();
        assert!(
            twice.is_empty(),
            "part {} defines keys another part has: {twice:?}",
            part.name
        );
        seen.extend(en);
    }
}

/// Every `tr!("key"` in src/ names a message both catalogs have, and so does every key the
/// code builds at run time (the lab's steps).
#[test]
fn every_key_the_code_asks_for_exists() {
    let mut asked = BTreeSet::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("tr!(") {
                // `tr!(`, not the end of `include_str!(`.
                let before = text[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = text[at + 4..].trim_start();
                // The macro's own definition and docs write `tr!("key"...` with a placeholder.
                let Some(rest) = rest.strip_prefix('"') else {
                    continue;
                };
                let key = &rest[..rest.find('"').unwrap()];
                if key != "key" {
                    asked.insert((key.to_string(), path.display().to_string()));
                }
            }
        }
    }
    assert!(asked.len() > 50, "the scan found only {} keys", asked.len());
    for step in losslab::cmd::lab::STEPS {
        for part in ["title", "look"] {
            asked.insert((format!("lab-{}-{part}", step.key), "src/cmd/lab.rs".into()));
        }
    }
    let missing: Vec<_> = asked
        .iter()
        .filter(|(k, _)| !i18n::has_message(Lang::En, k) || !i18n::has_message(Lang::Es, k))
        .collect();
    assert!(missing.is_empty(), "keys no catalog has: {missing:?}");
}

fn run_default(lang_env: &str, extra: &[&str]) -> Finished {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let mut cmd = losslab(tmp.path());
    cmd.env("LANG", lang_env)
        .args(extra)
        .args(["run", "--sim", "--out", out.to_str().unwrap()]);
    run(&mut cmd, b"")
}

/// `LANG=es_ES.UTF-8 losslab run` prints its discard lines and summary in Spanish; the files
/// stay English (an interface).
#[test]
fn a_spanish_locale_gives_a_spanish_run() {
    let done = run_default("es_ES.UTF-8", &[]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    let out = &done.stdout;
    assert!(
        out.contains("] el servidor descartó la solicitud seq="),
        "{out}"
    );
    assert!(out.contains("\nservidor: recibió 200, respondió "), "{out}");
    assert!(out.contains("\nresultados: "), "{out}");
    assert!(out.contains("semilla 42"), "{out}");
    // The banner's impairments and link: netem's words stay, the prose around them is Spanish.
    assert!(
        out.contains("alteraciones loss random 50% (sobre las solicitudes)"),
        "{out}"
    );
    assert!(out.contains("enlace 50us en cada sentido"), "{out}");
    assert!(
        !out.contains("(on request)") && !out.contains("each way"),
        "{out}"
    );
    assert!(!out.contains("server discarded"), "{out}");
}

#[test]
fn lang_en_overrides_the_locale() {
    let done = run_default("es_ES.UTF-8", &["--lang", "en"]);
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout.contains("] server discarded request seq="),
        "{}",
        done.stdout
    );
    assert!(done.stdout.contains("\nresults: "), "{}", done.stdout);
    assert!(!done.stdout.contains("descartó"), "{}", done.stdout);
}

/// Errors a student meets are Spanish too, and `--help` describes the commands in Spanish.
#[test]
fn errors_and_help_follow_the_language() {
    let tmp = tempfile::tempdir().unwrap();
    let done = run(
        losslab(tmp.path())
            .env("LANG", "es_ES.UTF-8")
            .args(["time", "127.0.0.1", "-c", "1"]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(done.stderr.contains("no tiene puerto"), "{}", done.stderr);
    let help = run(losslab(tmp.path()).args(["--lang", "es", "--help"]), b"");
    assert!(
        help.stdout
            .contains("Pide la hora a un servidor de hora UDP"),
        "{}",
        help.stdout
    );
    let lab = run(losslab(tmp.path()).args(["--lang", "es", "lab"]), b"");
    assert!(lab.stdout.contains("Ejercicio 1"), "{}", lab.stdout);
}

/// The lab's servers speak Spanish too: `serve echo` and `serve time` under a Spanish locale.
#[test]
fn the_servers_speak_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let port = unused_udp_port().to_string();
    let bind = format!("127.0.0.1:{port}");
    let mut server = Proc::spawn(losslab(tmp.path()).env("LANG", "es_ES.UTF-8").args([
        "serve",
        "echo",
        "--udp",
        "--bind",
        &bind,
        "--max-requests",
        "1",
    ]));
    server.line_matching(DEADLINE, |l| l.contains("servidor de eco losslab en udp"));
    let echo = run(
        losslab(tmp.path()).args(["echo", &bind, "--udp", "hola"]),
        b"",
    );
    assert_eq!(echo.code(), Some(0), "{echo:?}");
    let done = server.finish(DEADLINE).stdout;
    assert!(done.contains("se recibió \"hola\", respondido"), "{done}");

    let mut time = Proc::spawn(losslab(tmp.path()).env("LANG", "es_ES.UTF-8").args([
        "serve",
        "time",
        "--bind",
        &bind,
        "--loss",
        "pattern 10",
        "--max-requests",
        "2",
    ]));
    time.line_matching(DEADLINE, |l| l.contains("servidor de hora losslab"));
    let client = run(
        losslab(tmp.path()).args(["time", &bind, "-c", "2", "-i", "20ms", "-W", "300ms"]),
        b"",
    );
    assert_eq!(client.code(), Some(0), "{client:?}");
    let done = time.finish(DEADLINE).stdout;
    assert!(done.contains("descartada la solicitud seq=0"), "{done}");
    assert!(done.contains("respondida la solicitud seq=1"), "{done}");
    assert!(
        done.contains("recibidas 2, respondidas 1, descartadas 1"),
        "{done}"
    );
}
