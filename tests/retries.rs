//! Retries with and without backoff under bursty loss, end to end: the two scenarios share
//! their loss and seed, so their first attempts die alike, and the retries' fates follow the
//! Gilbert chain's algebra for the time each retry waited.

mod common;

use losslab::cmd::run::RunReport;
use losslab::metrics::stats::{SummaryRow, Z999};
use std::path::Path;

fn run_file(file: &str, out: &Path) -> RunReport {
    common::run_scenario_file(file, out)
}

fn csv_rows(path: &Path, header: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(header), "{}", path.display());
    lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

/// The files agree with the summary: one loss_periods.csv row per loss period, whose lengths
/// add up to the lost first attempts; one logical.csv row per request.
fn check_files(dir: &Path, all: &SummaryRow) {
    let periods = csv_rows(&dir.join("loss_periods.csv"), "client,start_seq,length");
    assert_eq!(periods.len() as u64, all.loss_periods);
    let lost: u64 = periods.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    assert_eq!(lost, all.first_attempt_losses);
    let logical = csv_rows(
        &dir.join("logical.csv"),
        "client,seq,attempts,outcome,first_sent_us,time_to_success_us",
    );
    assert_eq!(logical.len() as u64, all.logical_requests);
    let successes: Vec<&Vec<String>> = logical.iter().filter(|r| r[3] == "success").collect();
    assert_eq!(successes.len() as u64, all.successes);
    let attempts: u64 = successes.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    let per_success = attempts as f64 / successes.len() as f64;
    assert!((per_success - all.attempts_per_success.unwrap()).abs() < 1e-9);
}

/// P(a simple Gilbert chain is Bad g steps after Bad) = π_B + (1 − π_B)·λ^g, λ = 1 − p − r.
/// bursty 20% burst 10: r = 0.1, p = 0.025, π_B = 0.2, λ = 0.875. A request fails when its
/// first attempt is lost (Bad) and every retry finds the chain Bad again; the retries are
/// `round((timeout + wait) / step)` steps apart: immediate 20 ms → 2, 2, 2; backoff
/// 120, 220, 420 ms → 12, 22, 42.
fn fail_given_first_lost(gaps: [i32; 3]) -> f64 {
    gaps.iter().map(|&g| 0.2 + 0.8 * 0.875f64.powi(g)).product()
}

#[test]
fn backoff_gets_out_of_the_burst_and_immediate_retries_do_not() {
    let tmp = tempfile::tempdir().unwrap();
    let immediate = run_file("retry-immediate.toml", &tmp.path().join("i"));
    let backoff = run_file("retry-backoff.toml", &tmp.path().join("b"));
    let (i, b) = (immediate.all(), backoff.all());
    check_files(&tmp.path().join("i"), i);
    check_files(&tmp.path().join("b"), b);

    // Same seed, same chain of first attempts: the same losses and loss periods.
    assert_eq!((i.first_attempts, b.first_attempts), (2000, 2000));
    assert_eq!(i.first_attempt_losses, b.first_attempt_losses);
    assert_eq!(i.loss_periods, b.loss_periods);

    // Failed requests ~ Binomial(lost first attempts, q), within 3.29 standard deviations.
    let n = i.first_attempt_losses as f64;
    for (what, row, gaps) in [("immediate", i, [2, 2, 2]), ("backoff", b, [12, 22, 42])] {
        let q = fail_given_first_lost(gaps);
        let failed = (row.logical_requests - row.successes) as f64;
        let bound = Z999 * (n * q * (1.0 - q)).sqrt() + 1.0;
        eprintln!(
            "{what}: {failed} failed of {n} lost first attempts, expected {:.1} ± {bound:.1}",
            n * q
        );
        assert!(
            (failed - n * q).abs() < bound,
            "{what}: {failed} vs {:.1} ± {bound:.1}",
            n * q
        );
    }
    assert!(b.success_ratio.unwrap() > i.success_ratio.unwrap());
    // Backing off costs waiting: the slowest successes wait out at least one 100 ms backoff.
    assert!(b.tts_p99_us.unwrap() > 100_000, "{:?}", b.tts_p99_us);
}

/// RFC 3357 on a Gilbert chain: loss periods are geometric with mean 1/r = 10, so the mean of
/// k periods lies within 3.29·sqrt((1 − r)/r²/k) of 10.
#[test]
fn loss_periods_have_the_models_mean_length() {
    let tmp = tempfile::tempdir().unwrap();
    let report = run_file("retry-immediate.toml", tmp.path());
    let all = report.all();
    let k = all.loss_periods as f64;
    let bound = Z999 * (0.9 / 0.01 / k).sqrt();
    let mean = all.loss_period_mean.unwrap();
    assert!(
        (mean - 10.0).abs() < bound,
        "mean {mean} over {k} periods, 10 ± {bound}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("summary.json")).unwrap())
            .unwrap();
    assert!((json["expected_mean_loss_period"].as_f64().unwrap() - 10.0).abs() < 1e-9);
    assert!(json["loss_variance_factor"].as_f64().unwrap() > 1.0);
    assert_eq!(json["backoff"], "none");
}
