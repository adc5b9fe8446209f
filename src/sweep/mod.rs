//! Sweeps: a grid of scenario parameters × seeds, run on all cores or handed to the schedulers
//! researchers already use (GNU parallel, Slurm job arrays), and merged into one tidy
//! `sweep.csv`.
//!
//! [`set`] owns `--set FIELD=VALUE` (an override applied to the scenario's TOML before it is
//! validated); [`file`] the sweep file, its points and their ids; [`exec`] running the runs
//! (in-process, one thread per run, the simulator itself single-threaded); [`merge`] building
//! `sweep.csv` from run folders made anywhere.
//!
//! Layout: `OUT/<point id>/seed-<n>/` is one run's results folder (written by `losslab run`
//! through [`crate::results::folder`]); `OUT/sweep.csv` the merged table.
//!
//! Invariant: `sweep.csv` is built only by [`merge`], from the run folders on disk, in an order
//! fixed by (point id, seed) — so its bytes never depend on which thread, host or array task
//! made a folder, or when.

pub mod exec;
pub mod file;
pub mod merge;
pub mod report;
pub mod set;

/// The folder of one run inside a sweep's output folder.
pub fn run_dir(out: &std::path::Path, point: &str, seed: u64) -> std::path::PathBuf {
    out.join(point).join(format!("seed-{seed}"))
}

/// The merged table's file name inside the sweep's output folder.
pub const SWEEP_CSV: &str = "sweep.csv";
