//! The results folder: the one module that owns its file names, the shape of every file in it
//! ([`schema`]: one `serde` struct per file), how its files are read ([`read`]: the `csv` crate,
//! by header name, bounded memory, values checked) and how they get onto disk ([`folder`]:
//! staged beside the target, moved into place together under a lock, only losslab's own files
//! ever replaced or removed, as its manifest lists them); [`summary`] is `summary.csv` as
//! `check` and `report` read it.
//!
//! Invariant: every command and test that reads a results folder reads it through [`read`] and
//! [`schema`]; nothing else names a results file or splits a CSV line.

pub mod folder;
pub mod read;
pub mod schema;
pub mod summary;

use std::path::Path;

/// One row per packet (attempt).
pub const REQUESTS: &str = "requests.csv";
/// One row per client and `all`.
pub const SUMMARY_CSV: &str = "summary.csv";
/// The run: scenario, seed, model, status and the summary rows again.
pub const SUMMARY_JSON: &str = "summary.json";
/// One row per logical request (a request with its retries).
pub const LOGICAL: &str = "logical.csv";
/// One row per RFC 3357 loss period.
pub const LOSS_PERIODS: &str = "loss_periods.csv";
/// One row per packet crossing a `[link]` (only when the scenario has one).
pub const LINK: &str = "link.csv";
/// The report's markdown, beside its figures.
pub const REPORT_MD: &str = "report.md";
/// The folder a run's report goes to, inside the run's folder.
pub const REPORT_DIR: &str = "report";

/// A run folder written before manifests existed: its `summary.json` says losslab wrote it.
/// Then the files of the names a run writes are losslab's and may be replaced.
pub fn legacy_run_folder(dir: &Path) -> bool {
    read::summary_json_value(&dir.join(SUMMARY_JSON))
        .is_ok_and(|v| v.get("losslab_version").is_some_and(|x| x.is_string()))
}

/// A report folder written before manifests existed: a `report.md` losslab drew (it ends with
/// losslab's signature line) — only then are its figure names losslab's.
pub fn legacy_report_folder(dir: &Path) -> bool {
    let path = dir.join(REPORT_MD);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return false;
    };
    if !meta.is_file() || meta.len() > 8 << 20 {
        return false;
    }
    std::fs::read_to_string(&path).is_ok_and(|t| t.contains("losslab report"))
}
