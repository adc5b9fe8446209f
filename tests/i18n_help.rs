//! `--help` in Spanish (issue 15): every command and every option has its text in the `cli`
//! catalog part, English `--help` stays clap's own output, and the Spanish one reads Spanish,
//! headings and `[default: …]` notes included.

mod common;

use clap::CommandFactory;
use common::*;
use losslab::i18n::{self, Lang};
use losslab::i18n_help::{
    arg_key, command_key, has_long_help, is_clap_builtin, localize, possible_value_attribute,
};

/// Calls `f(path, command)` for losslab and every subcommand below it, as the source defines
/// them (before clap adds its own `help` subcommand and flags).
fn walk(cmd: &clap::Command, path: &mut Vec<String>, f: &mut dyn FnMut(&[&str], &clap::Command)) {
    let names: Vec<&str> = path.iter().map(String::as_str).collect();
    f(&names, cmd);
    for sub in cmd.get_subcommands() {
        path.push(sub.get_name().to_string());
        walk(sub, path, f);
        path.pop();
    }
}

/// What a language's catalog lacks for the command line: every (sub)command's about, every
/// argument's help (clap's own `--help`/`--version` aside), every long help and every possible
/// value's help, each named by the key it should have.
fn missing_in(lang: Lang) -> Vec<String> {
    let mut missing = Vec::new();
    let mut need = |key: &str, attr: Option<&str>| {
        let present = match attr {
            None => i18n::has_message(lang, key),
            Some(a) => i18n::attribute_in(lang, key, a).is_some(),
        };
        if !present {
            missing.push(match attr {
                None => key.to_string(),
                Some(a) => format!("{key}.{a}"),
            });
        }
    };
    walk(
        &losslab::cli::Cli::command(),
        &mut vec![],
        &mut |path, cmd| {
            let key = command_key(path);
            need(&key, None);
            if cmd.get_long_about().is_some() {
                need(&key, Some("long"));
            }
            for arg in cmd.get_arguments() {
                if arg.is_hide_set() || is_clap_builtin(arg) {
                    continue;
                }
                let key = arg_key(&key, arg.get_id().as_str());
                need(&key, None);
                if arg.get_long_help().is_some() {
                    need(&key, Some("long"));
                }
                for value in arg.get_possible_values() {
                    if value.get_help().is_some() {
                        need(&key, Some(&possible_value_attribute(value.get_name())));
                    }
                }
            }
        },
    );
    for key in [
        "clap-usage",
        "clap-commands",
        "clap-arguments",
        "clap-options",
        "clap-default",
        "clap-possible",
        "clap-possible-values",
        "clap-aliases",
        "clap-help",
        "clap-help-short",
        "clap-help-long",
        "clap-version",
        "clap-help-subcommand",
    ] {
        need(key, None);
    }
    missing
}

/// A new subcommand or option without its Spanish text fails here (and its English twin must
/// exist too, for the catalogs to match).
#[test]
fn every_command_and_option_has_its_help_in_both_catalogs() {
    for lang in [Lang::Es, Lang::En] {
        let missing = missing_in(lang);
        assert!(
            missing.is_empty(),
            "{lang:?} catalog (i18n/cli/) lacks --help texts for: {missing:#?}"
        );
    }
}

/// The English catalog says what the doc comments say, so that the two cannot drift apart (the
/// Spanish is translated from the catalog's English).
#[test]
fn the_english_catalog_matches_the_doc_comments() {
    let mut differ = Vec::new();
    let mut same = |key: String, attr: Option<&str>, doc: Option<String>| {
        let Some(doc) = doc else { return };
        let cat = match attr {
            None => Some(i18n::message_in(Lang::En, &key, None)),
            Some(a) => i18n::attribute_in(Lang::En, &key, a),
        };
        if cat.as_deref() != Some(doc.as_str()) {
            differ.push(format!("{key}: catalog {cat:?}, doc comment {doc:?}"));
        }
    };
    walk(
        &losslab::cli::Cli::command(),
        &mut vec![],
        &mut |path, cmd| {
            let key = command_key(path);
            same(key.clone(), None, cmd.get_about().map(|s| s.to_string()));
            same(
                key.clone(),
                Some("long"),
                cmd.get_long_about().map(|s| s.to_string()),
            );
            for arg in cmd.get_arguments() {
                if arg.is_hide_set() || is_clap_builtin(arg) {
                    continue;
                }
                let key = arg_key(&key, arg.get_id().as_str());
                same(key.clone(), None, arg.get_help().map(|s| s.to_string()));
                same(
                    key.clone(),
                    Some("long"),
                    arg.get_long_help().map(|s| s.to_string()),
                );
                for value in arg.get_possible_values() {
                    let attr = possible_value_attribute(value.get_name());
                    same(
                        key.clone(),
                        Some(&attr),
                        value.get_help().map(|s| s.to_string()),
                    );
                }
            }
        },
    );
    assert!(differ.is_empty(), "{differ:#?}");
}

fn trimmed(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rendering through the translation machinery with the English catalog gives clap's own help
/// for every command, short and long (up to spaces at line ends): the headings, notes and
/// possible-value lists written for other languages stand where clap puts its own.
#[test]
fn the_machinery_with_english_words_gives_clap_s_help() {
    let mut plain = losslab::cli::Cli::command();
    plain.build();
    let mut localized = localize(losslab::cli::Cli::command(), Lang::En);
    let mut paths = Vec::new();
    walk(&plain, &mut vec![], &mut |path, _| {
        paths.push(path.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    });
    assert!(paths.len() > 15, "{paths:?}");
    let mut longs = 0;
    for path in paths {
        // `--help` prints the long form only where a long help exists (else the short one).
        let find = |root: &mut clap::Command| -> (String, Option<String>) {
            let mut cmd = root;
            for name in &path {
                cmd = cmd.find_subcommand_mut(name).unwrap();
            }
            let long = has_long_help(cmd).then(|| cmd.render_long_help().to_string());
            (cmd.render_help().to_string(), long)
        };
        let (want_short, want_long) = find(&mut plain);
        let (got_short, got_long) = find(&mut localized);
        assert_eq!(trimmed(&got_short), trimmed(&want_short), "-h of {path:?}");
        assert_eq!(
            got_long.as_deref().map(trimmed),
            want_long.as_deref().map(trimmed),
            "--help of {path:?}"
        );
        longs += usize::from(want_long.is_some());
    }
    assert!(longs > 0, "no command with a long help was compared");
}

fn help(args: &[&str], env_lang: Option<&str>) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = losslab(tmp.path());
    if let Some(l) = env_lang {
        cmd.env("LANG", l);
    }
    let done = run(cmd.args(args), b"");
    assert_eq!(done.code(), Some(0), "{args:?}: {done:?}");
    done.stdout
}

#[test]
fn spanish_help_describes_every_option_in_spanish() {
    let out = help(&["--lang", "es", "run", "--help"], None);
    for want in [
        "Uso: losslab run [OPTIONS] [SCENARIO]",
        "\nArgumentos:\n  [SCENARIO]  Fichero de escenario (TOML).",
        "\nOpciones:\n",
        "--out <OUT>           Carpeta de resultados [por defecto: results/<nombre del escenario>]",
        "--seed <SEED>         Usa esta semilla en lugar de la del escenario",
        "Idioma de los mensajes: es o en [por defecto: según LC_ALL, LC_MESSAGES o LANG; si no, en] \
         [valores posibles: en, es]",
        "-h, --help                Muestra la ayuda",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    for english in [
        "Usage:",
        "Options:",
        "Arguments:",
        "Results folder",
        "[default:",
        "Print help",
    ] {
        assert!(!out.contains(english), "{english:?} in:\n{out}");
    }

    // A locale does the same as --lang; `time` shows clap's defaults as Spanish notes.
    let out = help(&["time", "-h"], Some("es_ES.UTF-8"));
    assert!(
        out.contains("-W, --timeout <TIMEOUT>      Cuánto esperar cada respuesta antes de darla por perdida [por defecto: 1s]"),
        "{out}"
    );
    assert!(out.contains("Dirección del servidor, HOST:PUERTO"), "{out}");
    assert!(out.contains("[valores posibles: lab, sntp]"), "{out}");

    // The top level: commands under a Spanish heading, -V in Spanish, the help subcommand too.
    let out = help(&["--lang", "es", "--help"], None);
    assert!(out.contains("\nÓrdenes:\n  run "), "{out}");
    assert!(
        out.contains("-V, --version      Muestra la versión"),
        "{out}"
    );
    assert!(
        out.contains("help     Muestra este mensaje o la ayuda de las órdenes indicadas"),
        "{out}"
    );
    assert!(out.contains("relay    Un relé UDP con pérdidas"), "{out}");
    assert!(!out.contains("Commands:"), "{out}");
}

/// A command with a long help (`serve time`: its protocols carry their own help): `-h` lists
/// the values on the line, `--help` lists each with its Spanish help.
#[test]
fn spanish_long_help_lists_possible_values_in_spanish() {
    let short = help(&["--lang", "es", "serve", "time", "-h"], None);
    assert!(
        short.contains("[por defecto: lab] [valores posibles: lab, daytime, time, sntp]"),
        "{short}"
    );
    assert!(
        short.contains("Muestra la ayuda (más detalle con '--help')"),
        "{short}"
    );
    let long = help(&["--lang", "es", "serve", "time", "--help"], None);
    assert!(long.contains("Valores posibles:"), "{long}");
    assert!(
        long.contains("- sntp:    RFC 4330 SNTP: respuestas NTP en modo 4; UDP"),
        "{long}"
    );
    assert!(long.contains("[por defecto: 42]"), "{long}");
    assert!(
        long.contains("Muestra la ayuda (un resumen con '-h')"),
        "{long}"
    );
    assert!(!long.contains("Possible values"), "{long}");
    assert!(!long.contains("The lab's text reply"), "{long}");
}

/// The Spanish command line still parses as the English one does: the tree is built to
/// translate clap's own flags, and `help SUBCOMMAND`, values and errors keep working.
#[test]
fn the_spanish_command_line_still_parses() {
    let out = help(&["--lang", "es", "help", "model", "explain"], None);
    assert!(out.contains("Uso: losslab model explain"), "{out}");
    assert!(out.contains("Una especificación de pérdida"), "{out}");
    let tmp = tempfile::tempdir().unwrap();
    let explained = run(
        losslab(tmp.path()).args(["--lang", "es", "model", "explain", "random 10%"]),
        b"",
    );
    assert_eq!(explained.code(), Some(0), "{explained:?}");
    let bad = run(
        losslab(tmp.path()).args(["--lang", "es", "time", "127.0.0.1:9", "--protocol", "x"]),
        b"",
    );
    assert_eq!(bad.code(), Some(2), "{bad:?}");
    assert!(bad.stderr.contains("lab, sntp"), "{}", bad.stderr);
    let typo = run(losslab(tmp.path()).args(["--lang", "es", "rn"]), b"");
    assert_eq!(typo.code(), Some(2), "{typo:?}");
    assert!(typo.stderr.contains("'run'"), "{}", typo.stderr);
}
