//! `report.md` and the figures' labels in the user's language (issue 15): `--lang es` (or a
//! Spanish locale) gives a Spanish report with no English sentence left, `--lang en` gives the
//! committed English bytes whatever the locale, and `run --report` follows the same rule.

mod common;

use common::*;
use losslab::i18n::{self, CATALOGS, Lang};
use std::fs;
use std::path::Path;

/// Single-run folders whose reports draw every kind of figure between them (histogram, CDF,
/// loss over time, loss periods with a geometric or reference curve, per client, attempts).
const SINGLE: [&str; 3] = ["lab9-udp-time-sim", "retry-backoff", "bursty-gilbert"];
/// Comparisons, named as `run-all` names them, with their two folders.
const COMPARE: [(&str, [&str; 2]); 2] = [
    (
        "udp-vs-tcp-sim",
        ["udp-vs-tcp-sim-udp", "udp-vs-tcp-sim-tcp"],
    ),
    (
        "retry-immediate-vs-backoff",
        ["retry-immediate", "retry-backoff"],
    ),
];

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    v.sort();
    v
}

/// `results/NAME` (the result files, no report) for every folder the tests draw, in `root`.
fn results_copy(root: &Path) {
    let results = root.join("results");
    for name in SINGLE
        .iter()
        .chain(COMPARE.iter().flat_map(|(_, runs)| runs.iter()))
    {
        if !results.join(name).exists() {
            copy_results(name, &results);
        }
    }
}

/// Draws every report of `SINGLE` and `COMPARE` in `root` (cwd), as `run-all` lays them out,
/// with `lang_args` before `report` and `LANG` set to `locale`. Returns the report folders,
/// relative to `root`, with the committed folder each one is the twin of.
fn draw_all(root: &Path, locale: &str, lang_args: &[&str]) -> Vec<(String, String)> {
    let mut drawn = Vec::new();
    for name in SINGLE {
        let done = run(
            losslab(root)
                .env("LANG", locale)
                .args(lang_args)
                .args(["report", &format!("results/{name}")]),
            b"",
        );
        assert_eq!(done.code(), Some(0), "{done:?}");
        drawn.push((
            format!("results/{name}/report"),
            format!("results/{name}/report"),
        ));
    }
    for (name, [a, b]) in COMPARE {
        let out = format!("results/comparisons/{name}");
        let done = run(
            losslab(root)
                .env("LANG", locale)
                .args(lang_args)
                .args(["report", &format!("results/{a}"), &format!("results/{b}")])
                .args(["--out", &out]),
            b"",
        );
        assert_eq!(done.code(), Some(0), "{done:?}");
        drawn.push((out.clone(), out));
    }
    drawn
}

/// The words of an SVG: the content of its `<text>` elements, unescaped.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..t.find("</text>")?];
            Some(
                body.trim()
                    .replace("&apos;", "'")
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

/// Every sentence and label of the report catalog in English, as far as it is fixed text (no
/// arguments) of a few words: none of them may be left in a Spanish report (a message the
/// Spanish catalog left in English included).
fn english_texts() -> Vec<String> {
    let part = CATALOGS.iter().find(|c| c.name == "report").unwrap();
    let keys = i18n::catalog_keys(part.file(Lang::En).1).unwrap();
    let texts: Vec<String> = keys
        .iter()
        .map(|k| i18n::message_in(Lang::En, k, None))
        .filter(|en| !en.contains('{') && en.contains(' ') && en.len() >= 10)
        .collect();
    assert!(texts.len() > 60, "only {} fixed texts", texts.len());
    texts
}

/// Fragments of the English sentences that take arguments, to be found nowhere in Spanish.
const ENGLISH_FRAGMENTS: [&str; 24] = [
    "## Summary",
    "## Figures",
    "## Reproduce",
    "## What differs",
    "# Comparison of",
    "| seed |",
    "| clients |",
    "| scenario file |",
    "How the round-trip times of the",
    "replies spread",
    "first attempts were lost",
    "periods, mean length",
    "Each client's round-trip times",
    "How many transmissions each logical request",
    "The first command reruns",
    "RTT percentiles over",
    "requests, every",
    " retries (none)",
    "of simulated time",
    "lost (timeouts)",
    "TCP turns loss into delay",
    "answered requests",
    "of its packets; half of its replies",
    "With retries:",
];

const ENGLISH_LABELS: [&str; 12] = [
    "round-trip time",
    "log scale",
    "RTT distribution (",
    "RTT cumulative distribution",
    "Loss over time (windows of",
    "loss ratio, last",
    "model's expected loss",
    "measured:",
    "RTT per client (",
    "Attempts per request (",
    "logical requests",
    "(lost ",
];

#[test]
fn lang_es_gives_a_spanish_report_and_spanish_figures() {
    let tmp = tempfile::tempdir().unwrap();
    results_copy(tmp.path());
    // The flag wins over an English locale.
    let drawn = draw_all(tmp.path(), "en_US.UTF-8", &["--lang", "es"]);
    let english = english_texts();
    let mut svgs = 0;
    for (dir, _) in &drawn {
        let dir = tmp.path().join(dir);
        let md = fs::read_to_string(dir.join("report.md")).unwrap();
        // Without the scenario's own description, which is the user's text.
        let body: String = md
            .lines()
            .filter(|l| !l.starts_with("> "))
            .collect::<Vec<_>>()
            .join("\n");
        for e in english.iter().map(String::as_str).chain(ENGLISH_FRAGMENTS) {
            assert!(
                !body.contains(e),
                "{}: English `{e}` left:\n{md}",
                dir.display()
            );
        }
        assert!(body.contains("\n## Figuras\n"), "{md}");
        assert!(
            body.contains("\n## Cómo reproducirlo\n\n```sh\nlosslab run "),
            "{md}"
        );
        if md.starts_with("# Comparación de 2 ejecuciones\n") {
            assert!(body.contains("\n## En qué se diferencian\n"), "{md}");
            assert!(body.contains("| semilla |"), "{md}");
        } else {
            assert!(body.contains("\n## Resumen\n"), "{md}");
            assert!(body.contains("| semilla | "), "{md}");
            assert!(
                body.contains("| cliente | enviados | respuestas | perdidos | pérdida |"),
                "{md}"
            );
            assert!(body.contains(" reintentos ("), "{md}");
        }
        for svg in names_in(&dir).iter().filter(|n| n.ends_with(".svg")) {
            svgs += 1;
            let texts = svg_texts(&fs::read_to_string(dir.join(svg)).unwrap());
            assert!(texts.len() > 5, "{svg}: {texts:?}");
            let all = texts.join("\n");
            for e in english.iter().map(String::as_str).chain(ENGLISH_LABELS) {
                assert!(!all.contains(e), "{svg}: English `{e}` left: {texts:?}");
            }
        }
    }
    assert!(svgs >= 14, "{svgs} figures");
    // Accented labels still make well-formed SVG, where a renderer is installed (CI has one).
    if std::process::Command::new("rsvg-convert")
        .arg("--version")
        .output()
        .is_ok()
    {
        for (dir, _) in &drawn {
            let dir = tmp.path().join(dir);
            for svg in names_in(&dir).iter().filter(|n| n.ends_with(".svg")) {
                let png = tmp.path().join("figure.png");
                let status = std::process::Command::new("rsvg-convert")
                    .arg(dir.join(svg))
                    .arg("-o")
                    .arg(&png)
                    .status()
                    .unwrap();
                assert!(status.success(), "{}/{svg} does not render", dir.display());
                assert!(fs::metadata(&png).unwrap().len() > 1000, "{svg}");
            }
        }
    }

    // Known Spanish labels, figure by figure.
    let read = |p: &str| svg_texts(&fs::read_to_string(tmp.path().join(p)).unwrap()).join("\n");
    let hist = read("results/lab9-udp-time-sim/report/rtt-histogram.svg");
    assert!(
        hist.contains("Distribución del RTT (91 respuestas)"),
        "{hist}"
    );
    assert!(hist.contains("tiempo de ida y vuelta (ms)"), "{hist}");
    assert!(
        hist.contains("respuestas dentro del tiempo de espera"),
        "{hist}"
    );
    let time = read("results/lab9-udp-time-sim/report/loss-over-time.svg");
    assert!(
        time.contains("Pérdida a lo largo del tiempo (ventanas de 20 primeros intentos)"),
        "{time}"
    );
    assert!(time.contains("pérdida que espera el modelo: 50%"), "{time}");
    let attempts = read("results/retry-backoff/report/attempts.svg");
    assert!(attempts.contains("solicitudes lógicas"), "{attempts}");
    assert!(attempts.contains("nunca"), "{attempts}");
    let cdf = read("results/comparisons/udp-vs-tcp-sim/compare-rtt-cdf.svg");
    assert!(cdf.contains("A: udp-vs-tcp-sim-udp (pérdida 19%)"), "{cdf}");

    let md = fs::read_to_string(
        tmp.path()
            .join("results/lab9-udp-time-sim/report/report.md"),
    )
    .unwrap();
    for spanish in [
        "| clientes | 4 × 50 solicitudes, una cada 20ms por cliente (bucle abierto), tiempo de \
         espera 250 ms, 0 reintentos (sin espera) |",
        "| ejecución | completa, ejecución simulada, duró 1.5 s de tiempo simulado, losslab ",
        "Cómo se reparten los tiempos de ida y vuelta de las 91 respuestas (RFC 2681)",
        "En toda la ejecución, primeros intentos perdidos: 109 de 200 (54.5%)",
        "; percentiles de RTT sobre las respuestas.",
        "| all | 200 | 91 | 109 | 54.5% |",
    ] {
        assert!(md.contains(spanish), "`{spanish}` missing:\n{md}");
    }
}

/// `--lang en` draws the committed bytes even under a Spanish locale, and a Spanish locale
/// alone draws Spanish.
#[test]
fn lang_en_gives_the_committed_english_bytes_under_a_spanish_locale() {
    let tmp = tempfile::tempdir().unwrap();
    results_copy(tmp.path());
    let drawn = draw_all(tmp.path(), "es_ES.UTF-8", &["--lang", "en"]);
    for (dir, committed) in &drawn {
        let (ours, theirs) = (
            tmp.path().join(dir),
            Path::new(env!("CARGO_MANIFEST_DIR")).join(committed),
        );
        assert_eq!(names_in(&ours), names_in(&theirs), "{dir}");
        for f in names_in(&ours) {
            assert!(
                fs::read(ours.join(&f)).unwrap() == fs::read(theirs.join(&f)).unwrap(),
                "{dir}/{f} differs from the committed English one"
            );
        }
    }
    // The locale alone (no flag) chooses Spanish.
    let done = run(
        losslab(tmp.path())
            .env("LANG", "es_ES.UTF-8")
            .args(["report", "results/lab9-udp-time-sim"]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert!(
        done.stdout
            .contains("informe: results/lab9-udp-time-sim/report/report.md (5 figuras)"),
        "{}",
        done.stdout
    );
    let md = fs::read_to_string(
        tmp.path()
            .join("results/lab9-udp-time-sim/report/report.md"),
    )
    .unwrap();
    assert!(md.contains("\n## Resumen\n"), "{md}");
}

/// `run --report` writes the report in the user's language, and a later run into the same
/// folder redraws it in that run's language.
#[test]
fn run_report_follows_the_language() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mine");
    let out_s = out.to_str().unwrap();
    let done = run(
        losslab(tmp.path())
            .env("LANG", "es_ES.UTF-8")
            .args(["run", "--sim", "-q", "--out", out_s, "--report"]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let md = fs::read_to_string(out.join("report/report.md")).unwrap();
    assert!(
        md.contains("\n## Resumen\n") && !md.contains("## Summary"),
        "{md}"
    );
    assert!(
        md.contains("| ejecución | completa, ejecución simulada,"),
        "{md}"
    );
    let svg = fs::read_to_string(out.join("report/rtt-cdf.svg")).unwrap();
    assert!(svg.contains("todos los clientes"), "{svg}");

    // The same folder rerun in English: its report is redrawn, in English.
    let done = run(
        losslab(tmp.path())
            .env("LANG", "es_ES.UTF-8")
            .args(["--lang", "en", "run", "--sim", "-q", "--out", out_s]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let md = fs::read_to_string(out.join("report/report.md")).unwrap();
    assert!(
        md.contains("\n## Summary\n") && !md.contains("## Resumen"),
        "{md}"
    );
}

/// Counts choose the plural form in both languages.
#[test]
fn counts_in_the_report_take_plural_forms() {
    let msg = |lang, key: &str, name: &str, n: u64| {
        let mut args = fluent_bundle::FluentArgs::new();
        args.set(name, n);
        i18n::message_in(lang, key, Some(&args))
    };
    let cases = [
        (
            "report-title-rtt-per-client",
            "clients",
            ["RTT per client (1 client)", "RTT per client (3 clients)"],
            [
                "RTT por cliente (1 cliente)",
                "RTT por cliente (3 clientes)",
            ],
        ),
        (
            "report-clients-retries",
            "retries",
            ["1 retry", "3 retries"],
            ["1 reintento", "3 reintentos"],
        ),
        (
            "report-title-attempts",
            "requests",
            [
                "Attempts per request (1 logical request)",
                "Attempts per request (3 logical requests)",
            ],
            [
                "Intentos por solicitud (1 solicitud lógica)",
                "Intentos por solicitud (3 solicitudes lógicas)",
            ],
        ),
    ];
    for (key, name, en, es) in cases {
        assert_eq!(msg(Lang::En, key, name, 1), en[0]);
        assert_eq!(msg(Lang::En, key, name, 3), en[1]);
        assert_eq!(msg(Lang::Es, key, name, 1), es[0]);
        assert_eq!(msg(Lang::Es, key, name, 3), es[1]);
    }
}

/// The report's own errors follow the language too.
#[test]
fn report_errors_follow_the_language() {
    let tmp = tempfile::tempdir().unwrap();
    results_copy(tmp.path());
    let done = run(
        losslab(tmp.path()).args([
            "--lang",
            "es",
            "report",
            "results/retry-immediate",
            "results/retry-backoff",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr
            .contains("para comparar 2 carpetas de resultados hace falta --out DIR"),
        "{}",
        done.stderr
    );
    let done = run(
        losslab(tmp.path()).args([
            "--lang",
            "es",
            "report",
            "results/lab9-udp-time-sim",
            "--window",
            "100000",
        ]),
        b"",
    );
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr.contains(
            "--window 100000 es más largo que los 200 primeros intentos de \
             results/lab9-udp-time-sim; use como máximo 200"
        ),
        "{}",
        done.stderr
    );
}

/// `losslab report` on a sweep folder: Spanish under a Spanish locale, and `--lang en` gives
/// the same bytes as an English locale.
#[test]
fn a_sweep_report_follows_the_language() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    fs::write(
        t.join("base.toml"),
        "name = \"sweep-base\"\nseed = 1\nmode = \"sim\"\n\n[server]\nkind = \"udp-time\"\n\n\
         [impair]\nloss = \"random 10%\"\n\n[clients]\ncount = 2\nrequests = 20\n\
         interval = \"10ms\"\ntimeout = \"50ms\"\nretries = 1\n",
    )
    .unwrap();
    fs::write(
        t.join("sweep.toml"),
        "scenario = \"base.toml\"\nseeds = \"1..2\"\n[grid]\n\
         \"impair.loss\" = [\"random 10%\", \"random 30%\"]\n",
    )
    .unwrap();
    let done = run(
        losslab(t).args(["sweep", "sweep.toml", "--out", "out"]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let report = |locale: &str, args: &[&str], out: &str| {
        let done = run(
            losslab(t)
                .env("LANG", locale)
                .args(args)
                .args(["report", "out", "--out", out]),
            b"",
        );
        assert_eq!(done.code(), Some(0), "{done:?}");
        done.stdout
    };
    let said = report("es_ES.UTF-8", &[], "es");
    assert!(said.contains("informe: es/report.md ("), "{said}");
    let md = fs::read_to_string(t.join("es/report.md")).unwrap();
    assert!(
        md.starts_with("# Informe del barrido: out\n\n4 ejecuciones (filas `all`"),
        "{md}"
    );
    assert!(md.contains("| parámetro | valores |"), "{md}");
    assert!(md.contains("## pérdida de paquetes\n"), "{md}");
    assert!(
        md.contains("![pérdida de paquetes frente a impair.loss]("),
        "{md}"
    );
    for english in english_texts().iter().map(String::as_str).chain([
        "Sweep report",
        "runs (`all` rows",
        "| parameter | values |",
        "## packet loss",
        " against ",
        "Written by losslab",
    ]) {
        assert!(!md.contains(english), "English `{english}` left:\n{md}");
    }
    let svg = svg_texts(&fs::read_to_string(t.join("es/loss-ratio-vs-impair-loss.svg")).unwrap())
        .join("\n");
    assert!(
        svg.contains("pérdida de paquetes frente a impair.loss"),
        "{svg}"
    );
    assert!(
        svg.contains("pérdida de paquetes (media sobre las semillas, intervalo del 95%)"),
        "{svg}"
    );
    assert!(svg.contains("todos los puntos"), "{svg}");

    report("C", &[], "en");
    report("es_ES.UTF-8", &["--lang", "en"], "en-flag");
    assert_eq!(names_in(&t.join("en")), names_in(&t.join("en-flag")));
    for f in names_in(&t.join("en")) {
        assert!(
            fs::read(t.join("en").join(&f)).unwrap()
                == fs::read(t.join("en-flag").join(&f)).unwrap(),
            "{f}"
        );
    }
    let md = fs::read_to_string(t.join("en/report.md")).unwrap();
    assert!(
        md.starts_with("# Sweep report: out\n\n4 runs (`all` rows"),
        "{md}"
    );
}
