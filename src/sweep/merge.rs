//! `losslab merge DIR…`: one tidy `sweep.csv` from the run folders of a sweep, wherever they
//! were made (this machine's threads, GNU parallel over ssh, Slurm array tasks).
//!
//! A row per (point, seed, scope): `point`, one column per swept field, `seed`, then every
//! column of the run's `summary.csv` (read through [`crate::results::read`], each row checked
//! as [`SummaryRecord`]), cells as the run wrote them. Rows are ordered by point id, then seed,
//! then the run's own row order.
//!
//! Invariant: the output depends only on the run folders' contents — never on the order the
//! folders are listed, found or were made — and all of them must carry the same sweep id; a
//! run found twice must be the same run (same `summary.csv` bytes), or merging stops.

use super::SWEEP_CSV;
use crate::results::folder::{ReadLock, Staging};
use crate::results::read::{self, CsvFile};
use crate::results::schema::{SummaryJson, SummaryRecord, SweepJson};
use crate::results::{SUMMARY_CSV, SUMMARY_JSON};
use crate::tr;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One run folder's part of the table.
struct RunRows {
    folder: PathBuf,
    tag: SweepJson,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
    bytes: Vec<u8>,
}

/// What [`collect`] found.
pub struct Merged {
    pub sweep_id: String,
    pub runs: usize,
    pub rows: usize,
    /// Runs whose rows say `interrupted`.
    pub interrupted: usize,
    pub csv: Vec<u8>,
}

fn hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

fn subdirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in
        std::fs::read_dir(dir).with_context(|| tr!("err-read", path = dir.display().to_string()))?
    {
        let entry = entry.with_context(|| tr!("err-read", path = dir.display().to_string()))?;
        if entry.file_type().is_ok_and(|t| t.is_dir()) && !hidden(&entry.file_name()) {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// The sweep tag and seed of the run folder `dir`.
pub fn run_tag(dir: &Path) -> Result<(SweepJson, u64, Option<crate::results::schema::Status>)> {
    let path = dir.join(SUMMARY_JSON);
    let value = read::summary_json_value(&path)?;
    let doc: SummaryJson = serde_json::from_value(value)
        .with_context(|| tr!("merge-not-summary", path = path.display().to_string()))?;
    let Some(tag) = doc.sweep else {
        bail!(tr!("merge-not-sweep", dir = dir.display().to_string()));
    };
    Ok((tag, doc.seed, doc.status))
}

/// Whether every file the run's `summary.json` names is in its folder (`run` moves
/// `summary.json` into place last, so this holds unless files were lost afterwards).
pub fn files_present(dir: &Path) -> Result<bool> {
    let value = read::summary_json_value(&dir.join(SUMMARY_JSON))?;
    let doc: SummaryJson = serde_json::from_value(value)
        .with_context(|| tr!("merge-not-summary", path = dir.display().to_string()))?;
    let Some(files) = doc.files else {
        return Ok(dir.join(SUMMARY_CSV).is_file());
    };
    let named = [
        files.requests,
        files.summary,
        files.loss_periods,
        files.logical,
    ];
    let others = files.other.into_values();
    Ok(named
        .into_iter()
        .chain(others)
        .flatten()
        .all(|name| !name.contains('/') && dir.join(name).is_file()))
}

fn read_run(dir: &Path) -> Result<RunRows> {
    let _lock = ReadLock::take(dir);
    let (tag, seed, _) = run_tag(dir)?;
    let want = super::file::point_id(&tag.parameters);
    if tag.point != want {
        bail!(tr!(
            "merge-point",
            dir = dir.display().to_string(),
            point = tag.point.as_str(),
            want = want.as_str()
        ));
    }
    let path = dir.join(SUMMARY_CSV);
    let bytes =
        std::fs::read(&path).with_context(|| tr!("err-read", path = path.display().to_string()))?;
    let mut csv = CsvFile::open(&path)?;
    let columns = csv.header().to_vec();
    let mut rows = Vec::new();
    while csv.next_row()? {
        let record: SummaryRecord = csv.deserialize()?;
        record.check().map_err(|(col, rule)| {
            anyhow::anyhow!(
                "{}:{}: {}: {rule}",
                path.display(),
                csv.line(),
                tr!("read-column", column = col)
            )
        })?;
        let mut cells = vec![tag.point.clone()];
        cells.extend(tag.parameters.values().cloned());
        cells.push(seed.to_string());
        cells.extend((0..columns.len()).map(|i| csv.text(i).to_string()));
        rows.push(cells);
    }
    Ok(RunRows {
        folder: dir.to_path_buf(),
        tag,
        columns,
        rows,
        bytes,
    })
}

/// The first run folder under the sweep folder `dir` that belongs to a sweep other than `id`
/// (with that sweep's id), if any; folders that are not runs of a sweep are errors.
pub fn foreign_run(dir: &Path, id: &str) -> Result<Option<(PathBuf, String)>> {
    if !dir.exists() {
        return Ok(None);
    }
    for point in subdirs(dir)? {
        for run in subdirs(&point)? {
            let name = run
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            if !name.starts_with("seed-") || !run.join(SUMMARY_JSON).exists() {
                continue;
            }
            let (tag, _, _) = run_tag(&run)?;
            if tag.id != id {
                return Ok(Some((run, tag.id)));
            }
        }
    }
    Ok(None)
}

/// Reads every run folder under the sweep folders `dirs` (`DIR/<point>/seed-<n>/`) and builds
/// the table.
pub fn collect(dirs: &[PathBuf]) -> Result<Merged> {
    let mut runs: BTreeMap<(String, u64), RunRows> = BTreeMap::new();
    for dir in dirs {
        for point in subdirs(dir)? {
            for run in subdirs(&point)? {
                let name = run
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                let Some(seed) = name
                    .strip_prefix("seed-")
                    .and_then(|s| s.parse::<u64>().ok())
                else {
                    continue; // a report or a user's folder: not a run of the sweep
                };
                let found = read_run(&run)?;
                let key = (found.tag.point.clone(), seed);
                if let Some(first) = runs.values().next()
                    && first.tag.id != found.tag.id
                {
                    bail!(tr!(
                        "merge-two-sweeps",
                        run = run.display().to_string(),
                        id = found.tag.id.as_str(),
                        first = first.folder.display().to_string(),
                        first_id = first.tag.id.as_str()
                    ));
                }
                match runs.get(&key) {
                    Some(before) if before.bytes != found.bytes => bail!(tr!(
                        "merge-same-run",
                        a = before.folder.display().to_string(),
                        b = run.display().to_string(),
                        point = key.0.as_str(),
                        seed = seed.to_string()
                    )),
                    Some(_) => {}
                    None => {
                        runs.insert(key, found);
                    }
                }
            }
        }
    }
    let Some(first) = runs.values().next() else {
        bail!(tr!(
            "merge-no-runs",
            dirs = dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let fields: Vec<String> = first.tag.parameters.keys().cloned().collect();
    // The union of the runs' columns: the first run's order, then any column others add.
    let mut columns: Vec<String> = Vec::new();
    for r in runs.values() {
        if r.tag.parameters.keys().ne(fields.iter()) {
            bail!(tr!(
                "merge-fields-differ",
                dir = r.folder.display().to_string(),
                first = first.folder.display().to_string()
            ));
        }
        for c in &r.columns {
            if !columns.contains(c) {
                columns.push(c.clone());
            }
        }
    }
    let mut header = vec!["point".to_string()];
    for f in &fields {
        if columns.contains(f) || f == "point" || f == "seed" {
            bail!(tr!("merge-field-name", field = f.as_str()));
        }
        header.push(f.clone());
    }
    header.push("seed".into());
    header.extend(columns.iter().cloned());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(&header)?;
    let lead = 2 + fields.len();
    let mut rows = 0;
    let mut interrupted = 0;
    for r in runs.values() {
        let status = r.columns.iter().position(|c| c == "status");
        if r.rows
            .iter()
            .any(|row| status.is_some_and(|s| row[lead + s] == "interrupted"))
        {
            interrupted += 1;
        }
        for row in &r.rows {
            let mut out: Vec<&str> = row[..lead].iter().map(String::as_str).collect();
            for c in &columns {
                out.push(
                    r.columns
                        .iter()
                        .position(|x| x == c)
                        .map_or("", |i| row[lead + i].as_str()),
                );
            }
            w.write_record(&out)?;
            rows += 1;
        }
    }
    Ok(Merged {
        sweep_id: first.tag.id.clone(),
        runs: runs.len(),
        rows,
        interrupted,
        csv: w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    })
}

/// Merges `dirs` and writes `out/sweep.csv` (staged, then moved into place; a `sweep.csv`
/// losslab did not write is never replaced).
pub fn merge_into(dirs: &[PathBuf], out: &Path) -> Result<Merged> {
    let merged = collect(dirs)?;
    let mut stage = Staging::begin(out, |_| false)?;
    stage.bytes(SWEEP_CSV, &merged.csv)?;
    stage.commit()?;
    Ok(merged)
}
