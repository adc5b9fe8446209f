//! clap's own error messages in Spanish (issue 15): a bad value, an unknown option, an unknown
//! command (with and without a suggestion), a missing argument, a conflict. The structure, the
//! exit code 2 and a value parser's own message are kept; English stays clap's own text.

mod common;

use clap::CommandFactory;
use clap::error::ErrorKind;
use common::*;
use losslab::i18n::{Lang, with_lang};
use losslab::i18n_clap::Localized;

/// Command lines that clap refuses, one per kind of error it can give losslab.
const BAD_LINES: &[&[&str]] = &[
    &["time", "127.0.0.1:9", "-i", "10xs"],
    &["time", "127.0.0.1:9", "-c", "0"],
    &["time", "127.0.0.1:9", "-c", "3x"],
    &["time", "127.0.0.1:9", "-c", ""],
    &["time", "127.0.0.1:9", "-c", "99999999999"],
    &["time", "127.0.0.1:9", "-c"],
    &["time", "127.0.0.1:9", "--protocol", "xx"],
    &["time", "127.0.0.1:9", "--protocl", "sntp"],
    &["time", "127.0.0.1:9", "--bogus"],
    &["time", "a", "b"],
    &["time"],
    &["sweep"],
    &["bogus"],
    &["rn"],
    &["serve", "tme"],
    &["run", "--sim", "--live"],
    &["run", "--sim", "--sim"],
    &["run", "--quiet=3"],
    &["--lang", "de", "run"],
];

fn error_for(args: &[&str]) -> clap::Error {
    let argv = std::iter::once("losslab").chain(args.iter().copied());
    losslab::cli::Cli::command()
        .try_get_matches_from(argv)
        .expect_err("clap refuses this line")
}

/// Rendered through the catalog in English, every error is byte for byte (styles included)
/// what clap prints: the Spanish rendering has clap's structure, not an imitation of it.
#[test]
fn english_through_the_catalog_is_clap_own_text() {
    for args in BAD_LINES {
        let clap_text = error_for(args).render().ansi().to_string();
        let ours = with_lang(Lang::En, || {
            error_for(args)
                .apply::<Localized>()
                .render()
                .ansi()
                .to_string()
        });
        assert_eq!(ours, clap_text, "{args:?}");
        assert!(clap_text.contains("For more information"), "{clap_text}");
    }
}

/// Spanish says every one of them in Spanish, with no clap English left.
#[test]
fn spanish_rendering_has_no_english_left() {
    let english = [
        "invalid value",
        "unexpected",
        "unrecognized",
        "required",
        "cannot be used",
        "tip:",
        "Usage:",
        "For more information",
        "possible values",
        "is not in",
        "invalid digit",
        "parse integer",
        "exists",
    ];
    for args in BAD_LINES {
        let e = error_for(args);
        assert_ne!(e.kind(), ErrorKind::DisplayHelp, "{args:?}");
        let text = with_lang(Lang::Es, || e.apply::<Localized>().render().to_string());
        assert!(text.starts_with("error: "), "{text}");
        assert!(
            text.ends_with("Para más información, pruebe '--help'.\n"),
            "{text}"
        );
        for word in english {
            assert!(!text.contains(word), "{args:?}: {word:?} in\n{text}");
        }
    }
}

fn es(args: &[&str]) -> Finished {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = losslab(tmp.path());
    cmd.arg("--lang").arg("es").args(args);
    run(&mut cmd, b"")
}

fn en(args: &[&str]) -> Finished {
    let tmp = tempfile::tempdir().unwrap();
    run(losslab(tmp.path()).args(args), b"")
}

#[test]
fn an_invalid_value_in_spanish_keeps_the_parser_message() {
    let out = es(&["time", "127.0.0.1:9", "-i", "10xs"]);
    assert_eq!(out.code(), Some(2), "{out:?}");
    assert!(
        out.stderr
            .starts_with("error: valor no válido '10xs' para '--interval <INTERVAL>': "),
        "{}",
        out.stderr
    );
    // The duration parser's own message, in Spanish already.
    assert!(out.stderr.contains("unidad desconocida"), "{}", out.stderr);
    assert!(
        out.stderr
            .ends_with("\n\nPara más información, pruebe '--help'.\n"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("invalid value"), "{}", out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);

    let listed = es(&["time", "127.0.0.1:9", "--protocol", "xx"]);
    assert_eq!(listed.code(), Some(2), "{listed:?}");
    assert!(
        listed.stderr.contains("  [valores posibles: lab, sntp]"),
        "{}",
        listed.stderr
    );
    let range = es(&["time", "127.0.0.1:9", "-c", "0"]);
    assert!(
        range.stderr.contains("0 no está en 1..="),
        "{}",
        range.stderr
    );
}

#[test]
fn an_unknown_argument_in_spanish() {
    let out = es(&["time", "127.0.0.1:9", "--bogus"]);
    assert_eq!(out.code(), Some(2), "{out:?}");
    assert!(
        out.stderr.contains("error: argumento inesperado '--bogus'"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("sugerencia: para pasar '--bogus' como valor, use '-- --bogus'"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("\n\nUso: losslab time <ADDR>\n"),
        "{}",
        out.stderr
    );
    let similar = es(&["time", "127.0.0.1:9", "--protocl", "sntp"]);
    assert!(
        similar
            .stderr
            .contains("sugerencia: existe un argumento parecido: '--protocol'"),
        "{}",
        similar.stderr
    );
}

#[test]
fn an_unknown_subcommand_in_spanish_with_and_without_a_suggestion() {
    let typo = es(&["rn"]);
    assert_eq!(typo.code(), Some(2), "{typo:?}");
    assert_eq!(
        typo.stderr,
        "error: orden no reconocida 'rn'\n\n  sugerencia: existe una orden parecida: 'run'\n\n\
         Uso: losslab [OPTIONS] <COMMAND>\n\nPara más información, pruebe '--help'.\n"
    );
    let unknown = es(&["bogus"]);
    assert_eq!(unknown.code(), Some(2), "{unknown:?}");
    assert_eq!(
        unknown.stderr,
        "error: orden no reconocida 'bogus'\n\nUso: losslab [OPTIONS] <COMMAND>\n\n\
         Para más información, pruebe '--help'.\n"
    );
    // A typo below `serve` is suggested among serve's commands, with serve's usage.
    let nested = es(&["serve", "ehco"]);
    assert_eq!(nested.code(), Some(2), "{nested:?}");
    assert!(nested.stderr.contains("'echo'"), "{}", nested.stderr);
    assert!(
        nested.stderr.contains("Uso: losslab serve"),
        "{}",
        nested.stderr
    );
}

#[test]
fn a_missing_argument_in_spanish_also_from_lang() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(
        losslab(tmp.path())
            .env("LANG", "es_ES.UTF-8")
            .args(["sweep"]),
        b"",
    );
    assert_eq!(out.code(), Some(2), "{out:?}");
    assert!(
        out.stderr.starts_with(
            "error: faltan los siguientes argumentos obligatorios:\n  --out <OUT>\n  <FILE>\n"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("Uso: losslab sweep"), "{}", out.stderr);
    let conflict = es(&["run", "--sim", "--live"]);
    assert_eq!(conflict.code(), Some(2), "{conflict:?}");
    assert!(
        conflict
            .stderr
            .contains("el argumento '--sim' no se puede usar junto con '--live'"),
        "{}",
        conflict.stderr
    );
}

/// English is clap's own, and `--help`/`--version` are not errors (stdout, exit 0).
#[test]
fn english_is_unchanged_and_help_is_not_an_error() {
    let out = en(&["time", "127.0.0.1:9", "-i", "10xs"]);
    assert_eq!(out.code(), Some(2), "{out:?}");
    assert!(
        out.stderr
            .starts_with("error: invalid value '10xs' for '--interval <INTERVAL>': "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .ends_with("\n\nFor more information, try '--help'.\n"),
        "{}",
        out.stderr
    );
    let typo = en(&["rn"]);
    assert_eq!(
        typo.stderr,
        "error: unrecognized subcommand 'rn'\n\n  tip: a similar subcommand exists: 'run'\n\n\
         Usage: losslab [OPTIONS] <COMMAND>\n\nFor more information, try '--help'.\n"
    );
    for lang in ["es", "en"] {
        let help = run(
            losslab(tempfile::tempdir().unwrap().path()).args(["--lang", lang, "time", "--help"]),
            b"",
        );
        assert_eq!(help.code(), Some(0), "{help:?}");
        assert!(help.stderr.is_empty(), "{}", help.stderr);
        let version = run(
            losslab(tempfile::tempdir().unwrap().path()).args(["--lang", lang, "--version"]),
            b"",
        );
        assert_eq!(version.code(), Some(0), "{version:?}");
        assert!(version.stdout.starts_with("losslab "), "{}", version.stdout);
    }
}
