//! Issue 15 for `losslab check`, `losslab model explain` and scenario files: their console
//! text and their errors come in Spanish under `--lang es` or a Spanish locale, with every
//! file, line, field and value still named; the machine-readable reports (`--format json`,
//! `--format junit`) stay English whatever the locale.

mod common;

use common::*;
use std::path::{Path, PathBuf};

/// A sim run of the default experiment (200 requests, half lost) into `dir/r`.
fn results(dir: &Path) -> PathBuf {
    let out = dir.join("r");
    run_ok(dir, &["--sim", "--out", out.to_str().unwrap()]);
    out
}

fn losslab_es(dir: &Path) -> std::process::Command {
    let mut cmd = losslab(dir);
    cmd.arg("--lang").arg("es");
    cmd
}

#[test]
fn check_speaks_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let r = results(tmp.path());
    let done = run(losslab_es(tmp.path()).arg("check").arg(&r), b"");
    assert_eq!(done.code(), Some(0), "{done:?}");
    let out = &done.stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].ends_with(" frente al modelo de pérdida del escenario, confianza 99.9%"),
        "{out}"
    );
    assert!(lines[1].starts_with("comprobación  esperado"), "{out}");
    assert!(lines[1].ends_with("veredicto"), "{out}");
    let model = lines.iter().find(|l| l.starts_with("loss_ratio ")).unwrap();
    assert!(
        model.contains("modelo 0.5 (bernoulli), prueba exacta bilateral"),
        "{out}"
    );
    assert!(model.contains(" de 200 primeros intentos; según el modelo se esperan 100 de 200, rango central del 99.9% "), "{out}");
    assert!(model.ends_with("  pasa"), "{out}");
    assert!(
        out.contains(
            "\nfamilia de 1 prueba estadística: una ejecución correcta la falla con probabilidad ≤ 0.1%\n"
        ),
        "{out}"
    );
    assert!(
        out.ends_with("\nPASA: 2 de 2 comprobaciones pasaron, 0 omitidas\n"),
        "{out}"
    );
    for english in [
        "against the scenario's loss model",
        "expected",
        "first attempts",
        "statistical test",
        "checks passed",
        "PASS",
    ] {
        assert!(!out.contains(english), "`{english}` in {out}");
    }
}

/// The JSON and JUnit reports are read by programs: English under a Spanish locale too.
#[test]
fn machine_readable_reports_stay_english() {
    let tmp = tempfile::tempdir().unwrap();
    let r = results(tmp.path());
    let json = run(
        losslab(tmp.path())
            .env("LANG", "es_ES.UTF-8")
            .args(["check", "--format", "json"])
            .arg(&r),
        b"",
    );
    assert_eq!(json.code(), Some(0), "{json:?}");
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        v["checks"][1]["expected"],
        "model 0.5 (bernoulli), exact two-sided test"
    );
    assert!(
        v["checks"][1]["measured"]
            .as_str()
            .unwrap()
            .contains(" of 200 first attempts; under the model 100 of 200 expected"),
        "{v}"
    );
    assert_eq!(v["summary"], "PASS: 2 of 2 checks passed, 0 skipped");
    assert!(
        v["family"]
            .as_str()
            .unwrap()
            .starts_with("family of 1 statistical test")
    );
    let junit = run(
        losslab_es(tmp.path())
            .args(["check", "--format", "junit", "--baseline"])
            .arg(&r)
            .arg(&r),
        b"",
    );
    assert_eq!(junit.code(), Some(0), "{junit:?}");
    assert!(
        junit.stdout.contains("name=\"loss_ratio vs baseline\""),
        "{}",
        junit.stdout
    );
    for text in [&json.stdout, &junit.stdout] {
        for spanish in ["comprobación", "primeros intentos", "referencia", "PASA"] {
            assert!(!text.contains(spanish), "`{spanish}` in {text}");
        }
    }
}

/// A failing expectation and a baseline, in Spanish; an expectations file's error names its
/// file, line, column and key in Spanish.
#[test]
fn check_expectations_and_baseline_in_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let r = results(tmp.path());
    let expect = tmp.path().join("e.toml");
    std::fs::write(
        &expect,
        "rtt_p99_us = \"<= 1\"\nloss_ratio = \"0.5 ± 0.1\"\n",
    )
    .unwrap();
    let done = run(
        losslab_es(tmp.path())
            .arg("check")
            .arg(&r)
            .arg("--expect")
            .arg(&expect),
        b"",
    );
    assert_eq!(done.code(), Some(1), "{done:?}");
    let out = &done.stdout;
    assert!(out.contains(" frente a "), "{out}");
    assert!(
        out.contains("0.5 ± 0.1 (unilateral en cada extremo)"),
        "{out}"
    );
    assert!(out.contains(" de 200 paquetes, IC 99.9% "), "{out}");
    let rtt = out.lines().find(|l| l.starts_with("rtt_p99_us")).unwrap();
    assert!(rtt.ends_with("FALLA"), "{out}");
    assert!(
        out.ends_with("\nFALLA: 1 de 3 comprobaciones falló (rtt_p99_us); 2 pasaron, 0 omitidas\n"),
        "{out}"
    );
    assert!(
        !out.contains("checks failed") && !out.contains("one-sided"),
        "{out}"
    );

    let baseline = run(
        losslab_es(tmp.path())
            .arg("check")
            .arg(&r)
            .arg("--baseline")
            .arg(&r),
        b"",
    );
    assert_eq!(baseline.code(), Some(0), "{baseline:?}");
    let out = &baseline.stdout;
    assert!(out.contains("loss_ratio frente a la referencia  "), "{out}");
    assert!(
        out.contains(
            "misma pérdida (McNemar exacto emparejado, misma semilla, unilateral: ¿peor?)"
        ),
        "{out}"
    );
    assert!(
        out.contains("primeros intentos compartidos, 0 perdidos solo ahora"),
        "{out}"
    );
    assert!(
        !out.contains("vs baseline") && !out.contains("shared first"),
        "{out}"
    );

    std::fs::write(&expect, "# loss\nloss_ratio = \"about half\"\n").unwrap();
    let bad = run(
        losslab(tmp.path())
            .env("LANG", "es_ES.UTF-8")
            .arg("check")
            .arg(&r)
            .arg("--expect")
            .arg(&expect),
        b"",
    );
    assert_eq!(bad.code(), Some(2), "{bad:?}");
    let want = format!(
        "{}:2:14: clave `loss_ratio`: \"about half\": no es una expectativa; escriba un intervalo",
        expect.display()
    );
    assert!(bad.stderr.contains(&want), "{}", bad.stderr);
    assert!(!bad.stderr.contains("not an expectation"), "{}", bad.stderr);
    assert!(bad.stdout.is_empty(), "{bad:?}");

    // A column the results do not have: the reader's error is Spanish too.
    std::fs::write(&expect, "rtt_p99 = 3\n").unwrap();
    let bad = run(
        losslab_es(tmp.path())
            .arg("check")
            .arg(&r)
            .arg("--expect")
            .arg(&expect),
        b"",
    );
    assert_eq!(bad.code(), Some(2), "{bad:?}");
    assert!(
        bad.stderr
            .contains("summary.csv:1: no hay ninguna columna `rtt_p99` en la cabecera"),
        "{}",
        bad.stderr
    );
}

/// `check --calibrate` in Spanish, its columns lined up although the words are longer.
#[test]
fn calibration_in_spanish_lines_up() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = sim_scenario(tmp.path());
    let done = run(
        losslab_es(tmp.path())
            .args(["check", "--calibrate"])
            .arg(&sc)
            .args(["--runs", "2", "--baseline-seed", "7"]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    let out = &done.stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].contains(": 2 ejecuciones simuladas (semillas 1000000..=1000001), frente a la referencia de semilla 7, confianza 99.9%"),
        "{out}"
    );
    let header = lines[1];
    assert!(
        header.starts_with("comprobación ") && header.ends_with(" tasa"),
        "{out}"
    );
    assert!(header.contains(" falsos fallos "), "{out}");
    // Every row's rate ends where the header's `tasa` does.
    let rate_end = header.chars().count();
    let rows: Vec<&&str> = lines.iter().filter(|l| l.contains("  IC 95% ")).collect();
    assert!(rows.len() >= 4, "{out}");
    for row in &rows {
        let before_ci = row.split("  IC 95% ").next().unwrap();
        assert_eq!(before_ci.chars().count(), rate_end, "{out}");
        assert!(before_ci.contains(" de 2 "), "{out}");
    }
    assert!(
        rows.iter()
            .any(|r| r.starts_with("loss_ratio frente a la referencia ")),
        "{out}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("el control (cualquier comprobación) ")),
        "{out}"
    );
    assert!(
        out.contains("\nnota: cada ejecución se comparó con la única referencia, de semilla 7,"),
        "{out}"
    );
    assert!(
        out.contains("\nfamilia de 2 pruebas estadísticas por ejecución (Holm): la tasa de falsos fallos del control debería ser como mucho 0.1%\n"),
        "{out}"
    );
    for english in ["sim runs", "false failures", "the gate", "note:", "per run"] {
        assert!(!out.contains(english), "`{english}` in {out}");
    }
}

#[test]
fn model_explain_speaks_spanish() {
    let tmp = tempfile::tempdir().unwrap();
    let done = run(
        losslab_es(tmp.path()).args(["model", "explain", "gemodel 1% 30%"]),
        b"",
    );
    assert_eq!(done.code(), Some(0), "{done:?}");
    assert_eq!(
        done.stdout,
        "especificación:           gemodel 1% 30%\n\
         modelo:                   gemodel 1% 30% 100% 0%\n\
         pérdida estacionaria:     3.2258%\n\
         longitud media de ráfaga: 3.333 paquetes\n\
         netem:                    tc qdisc add dev DEV root netem loss gemodel 1% 30% 100% 0%\n"
    );
    let pattern = run(
        losslab(tmp.path())
            .env("LANG", "es_ES.UTF-8")
            .args(["model", "explain", "pattern 10"]),
        b"",
    );
    assert!(
        pattern.stdout.contains(
            "loss random 50%  # netem no tiene pérdida determinista; el patrón 10 pierde la misma proporción\n"
        ),
        "{}",
        pattern.stdout
    );
    let none = run(
        losslab_es(tmp.path()).args(["model", "explain", "random 0%"]),
        b"",
    );
    assert!(
        none.stdout
            .contains("longitud media de ráfaga: ninguna (este modelo no pierde nada)\n"),
        "{}",
        none.stdout
    );
    for text in [&done.stdout, &pattern.stdout, &none.stdout] {
        for english in [
            "stationary loss",
            "mean burst",
            "packets",
            "deterministic",
            "spec:",
        ] {
            assert!(!text.contains(english), "`{english}` in {text}");
        }
    }
    // A spec that does not parse: the spec quoted, the number named, the words Spanish.
    let bad = run(
        losslab_es(tmp.path()).args(["model", "explain", "random 5"]),
        b"",
    );
    assert_eq!(bad.code(), Some(2), "{bad:?}");
    assert!(
        bad.stderr.contains(
            "\"random 5\": p = 5 no es una probabilidad (del 0% al 100%): un número sin % es una fracción"
        ),
        "{}",
        bad.stderr
    );
    assert!(
        !bad.stderr.contains("is not a probability"),
        "{}",
        bad.stderr
    );
}

const SCENARIO: &str = r#"name = "práctica-9"
seed = 7

[server]
kind = "udp-time"

[impair]
loss = "bursty 5% bust 3"

[clients]
count = 2
requests = 10
interval = "20ms"
timeout = "250ms"
"#;

fn run_scenario(dir: &Path, text: &str, lang_env: &str, extra: &[&str]) -> Finished {
    let file = dir.join("mala.toml");
    std::fs::write(&file, text).unwrap();
    run(
        losslab(dir)
            .env("LANG", lang_env)
            .args(extra)
            .arg("run")
            .arg("mala.toml")
            .args(["--sim", "--out", "o"]),
        b"",
    )
}

/// A bad scenario file under a Spanish locale: file, line, column, field, the value and the
/// offending line as before; the explanation Spanish.
#[test]
fn scenario_errors_speak_spanish_and_keep_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let done = run_scenario(dir, SCENARIO, "es_ES.UTF-8", &[]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert_eq!(
        done.stderr,
        "Error: mala.toml:8:8: campo `impair.loss`: \"bursty 5% bust 3\": \"bust\" debería ser \
         \"burst\": escriba bursty P burst L (pérdida media y longitud media de ráfaga, como \
         bursty 5% burst 3)\n  8 | loss = \"bursty 5% bust 3\"\n"
    );
    assert!(!dir.join("o").exists(), "nothing is written for a bad file");

    // `--lang en` wins over the locale, with the English wording as it always was.
    let en = run_scenario(dir, SCENARIO, "es_ES.UTF-8", &["--lang", "en"]);
    assert!(
        en.stderr.contains(
            "mala.toml:8:8: field `impair.loss`: \"bursty 5% bust 3\": \"bust\" should be \"burst\": write bursty P burst L"
        ),
        "{}",
        en.stderr
    );

    // A duration, a backoff and a bound, each at its own line and field.
    let cases = [
        (
            SCENARIO
                .replace("bursty 5% bust 3", "random 10%")
                .replace("\"250ms\"", "\"250\""),
            "mala.toml:14:11: campo `clients.timeout`: `250` no tiene unidad; escríbalo como \"250ms\", \"1.5s\", \"80us\" o \"2m\"",
            "14 | timeout = \"250\"",
        ),
        (
            SCENARIO.replace("bursty 5% bust 3", "random 10%").replace(
                "timeout = \"250ms\"",
                "timeout = \"250ms\"\nretries = 2\nbackoff = \"exponential 10ms x2 max 1ms\"",
            ),
            "mala.toml:16:11: campo `clients.backoff`: `exponential 10ms x2 max 1ms`: el tope es más corto que la primera espera",
            "16 | backoff = \"exponential 10ms x2 max 1ms\"",
        ),
        (
            SCENARIO
                .replace("bursty 5% bust 3", "random 10%")
                .replace("count = 2", "count = 0"),
            "mala.toml:11:9: campo `clients.count`: 0 está fuera de rango; se esperaba de 1 a 512",
            "11 | count = 0",
        ),
        (
            SCENARIO
                .replace("bursty 5% bust 3", "random 10%")
                .replace("[impair]", "[link]\nbandwidth = \"10mb\"\n[impair]"),
            "mala.toml:8:13: campo `link.bandwidth`: \"10mb\": tiene una unidad desconocida, \"mb\"; use bit, kbit",
            "8 | bandwidth = \"10mb\"",
        ),
    ];
    for (text, want, line) in &cases {
        let done = run_scenario(dir, text, "es_ES.UTF-8", &[]);
        assert_eq!(done.code(), Some(2), "{done:?}");
        assert!(done.stderr.contains(want), "{}", done.stderr);
        assert!(done.stderr.contains(line), "{}", done.stderr);
        for english in [
            "has no unit",
            "is shorter",
            "out of range",
            "unknown unit",
            "field `",
        ] {
            assert!(
                !done.stderr.contains(english),
                "`{english}` in {}",
                done.stderr
            );
        }
    }
}

/// toml's own messages for a missing or unknown field come in Spanish and name the field that
/// is at fault (the missing one, not whatever key the reported line holds).
#[test]
fn missing_and_unknown_fields_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let good = SCENARIO.replace("bursty 5% bust 3", "random 10%");
    let done = run_scenario(dir, &good.replace("seed = 7\n", ""), "es_ES.UTF-8", &[]);
    assert_eq!(done.code(), Some(2), "{done:?}");
    assert!(
        done.stderr
            .contains("mala.toml:1:1: campo `seed`: falta el campo `seed`"),
        "{}",
        done.stderr
    );
    let en = run_scenario(dir, &good.replace("seed = 7\n", ""), "C", &[]);
    assert!(
        en.stderr
            .contains("mala.toml:1:1: field `seed`: missing field `seed`"),
        "{}",
        en.stderr
    );
    let done = run_scenario(
        dir,
        &good.replace("timeout = \"250ms\"\n", ""),
        "es_ES.UTF-8",
        &[],
    );
    assert!(
        done.stderr
            .contains("mala.toml:10:1: campo `clients.timeout`: falta el campo `timeout`"),
        "{}",
        done.stderr
    );
    let done = run_scenario(
        dir,
        &good.replace("count = 2", "count = 2\ncuont = 3"),
        "es_ES.UTF-8",
        &[],
    );
    assert!(
        done.stderr.contains(
            "mala.toml:12:1: campo `clients.cuont`: campo desconocido `cuont`, se esperaba uno de `count`,"
        ),
        "{}",
        done.stderr
    );
    assert!(!done.stderr.contains("unknown field"), "{}", done.stderr);
}
