//! The per-packet and per-request files a calibrated check needs beyond the summary:
//! `requests.csv` (which attempts were lost), `logical.csv` (which requests succeeded) and
//! `loss_periods.csv` (where each loss period started and how long it was), read with the
//! `csv` crate by header name.
//!
//! They feed the batch-means intervals (units in sequence order per client) and the paired
//! McNemar test (the same first attempt in two runs of one seed). Invariant: a file the folder
//! does not have reads as `None` (the caller falls back to the summary and says so); a file
//! that is there but malformed is an error naming the file, line and column.

use super::results::ResultsFolder;
use crate::metrics::batch::Unit;
use crate::tr;
use anyhow::{Result, anyhow};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The path of one of the folder's files, `None` when the run did not write it.
fn file(folder: &ResultsFolder, key: &str, default: &str) -> Result<Option<PathBuf>> {
    if folder.present(&format!("files/{key}")) {
        let name = folder.text(&format!("files/{key}"))?.unwrap_or(default);
        return Ok(Some(folder.dir.join(name)));
    }
    // Listed as null: not written. Not listed at all: an older folder that may have it.
    if folder.json.get("files").and_then(|f| f.get(key)).is_some() {
        return Ok(None);
    }
    let path = folder.dir.join(default);
    Ok(path.exists().then_some(path))
}

/// Reads a CSV file's rows, handing each row's named cells to `each`.
fn rows(
    path: &PathBuf,
    columns: &[&str],
    mut each: impl FnMut(&[&str]) -> Result<(), String>,
) -> Result<()> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| {
        anyhow!(tr!(
            "check-err-cannot-read",
            path = path.display().to_string(),
            error = e.to_string()
        ))
    })?;
    let header = reader
        .headers()
        .map_err(|e| anyhow!("{}:1: {e}", path.display()))?
        .clone();
    let at: Vec<usize> = columns
        .iter()
        .map(|c| {
            header.iter().position(|h| h == *c).ok_or_else(|| {
                anyhow!(tr!(
                    "check-err-no-column",
                    path = path.display().to_string(),
                    column = *c
                ))
            })
        })
        .collect::<Result<_>>()?;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => return Err(anyhow!("{}: {e}", path.display())),
        }
        let line = record.position().map_or(0, |p| p.line());
        let cells: Vec<&str> = at.iter().map(|&i| record.get(i).unwrap_or("")).collect();
        each(&cells).map_err(|e| anyhow!("{}:{line}: {e}", path.display()))?;
    }
}

fn number<T: std::str::FromStr>(cell: &str, column: &str) -> Result<T, String> {
    cell.parse()
        .map_err(|_| tr!("check-err-not-count", column = column, cell = cell))
}

/// Whether a scope (`all` or a client number) takes client `c`.
fn in_scope(scope: &str, c: u32) -> bool {
    scope == "all" || scope.parse::<u32>() == Ok(c)
}

/// Every resolved packet (reply or timeout) of `requests.csv`, as units per logical request:
/// `k` timeouts of `n` resolved attempts of (client, seq). `first` keeps attempt 0 only.
pub fn loss_units(folder: &ResultsFolder, scope: &str, first: bool) -> Result<Option<Vec<Unit>>> {
    let Some(path) = file(folder, "requests", "requests.csv")? else {
        return Ok(None);
    };
    let mut units: BTreeMap<(u32, u32), (f64, f64)> = BTreeMap::new();
    rows(&path, &["client", "seq", "attempt", "outcome"], |c| {
        let client: u32 = number(c[0], "client")?;
        let seq: u32 = number(c[1], "seq")?;
        let attempt: u32 = number(c[2], "attempt")?;
        if !in_scope(scope, client) || (first && attempt != 0) {
            return Ok(());
        }
        let lost = match c[3] {
            "reply" => 0.0,
            "timeout" => 1.0,
            _ => return Ok(()),
        };
        let u = units.entry((client, seq)).or_default();
        u.0 += lost;
        u.1 += 1.0;
        Ok(())
    })?;
    Ok(Some(
        units
            .into_iter()
            .map(|((flow, seq), (k, n))| Unit {
                flow,
                order: u64::from(seq),
                k,
                n,
            })
            .collect(),
    ))
}

/// First attempts of `requests.csv`: (client, seq) → lost, for the paired test.
pub fn first_attempts(folder: &ResultsFolder) -> Result<Option<BTreeMap<(u32, u32), bool>>> {
    let Some(path) = file(folder, "requests", "requests.csv")? else {
        return Ok(None);
    };
    let mut out = BTreeMap::new();
    rows(&path, &["client", "seq", "attempt", "outcome"], |c| {
        if c[2] != "0" {
            return Ok(());
        }
        let key = (number(c[0], "client")?, number(c[1], "seq")?);
        match c[3] {
            "reply" => out.insert(key, false),
            "timeout" => out.insert(key, true),
            _ => None,
        };
        Ok(())
    })?;
    Ok(Some(out))
}

/// Logical requests of `logical.csv` as units: `k` = 1 when it succeeded, of `n` = 1.
pub fn success_units(folder: &ResultsFolder, scope: &str) -> Result<Option<Vec<Unit>>> {
    let Some(path) = file(folder, "logical", "logical.csv")? else {
        return Ok(None);
    };
    let mut units = Vec::new();
    rows(&path, &["client", "seq", "outcome"], |c| {
        let client: u32 = number(c[0], "client")?;
        if in_scope(scope, client) {
            units.push(Unit {
                flow: client,
                order: number(c[1], "seq")?,
                k: f64::from(u8::from(c[2] == "success")),
                n: 1.0,
            });
        }
        Ok(())
    })?;
    Ok(Some(units))
}

/// Logical requests of `logical.csv` as units of a ratio `Σk/Σn`, `unit(success, attempts)`
/// giving each request's `(k, n)`: `attempts_per_success` is attempts of the successful
/// requests over their number, `goodput_ratio` successes over every attempt sent.
pub fn logical_units(
    folder: &ResultsFolder,
    scope: &str,
    unit: fn(bool, f64) -> (f64, f64),
) -> Result<Option<Vec<Unit>>> {
    let Some(path) = file(folder, "logical", "logical.csv")? else {
        return Ok(None);
    };
    let mut units = Vec::new();
    rows(&path, &["client", "seq", "attempts", "outcome"], |c| {
        let client: u32 = number(c[0], "client")?;
        if in_scope(scope, client) {
            let attempts = number::<u64>(c[2], "attempts")? as f64;
            let (k, n) = unit(c[3] == "success", attempts);
            units.push(Unit {
                flow: client,
                order: number(c[1], "seq")?,
                k,
                n,
            });
        }
        Ok(())
    })?;
    Ok(Some(units))
}

/// Loss periods of `loss_periods.csv` as units: `k` = its length, `n` = 1, in start order.
pub fn period_units(folder: &ResultsFolder) -> Result<Option<Vec<Unit>>> {
    let Some(path) = file(folder, "loss_periods", "loss_periods.csv")? else {
        return Ok(None);
    };
    if !path.exists() {
        return Err(anyhow!(tr!(
            "check-err-listed-missing",
            path = path.display().to_string(),
            file = folder.json_path.display().to_string()
        )));
    }
    let mut units = Vec::new();
    rows(&path, &["client", "start_seq", "length"], |c| {
        units.push(Unit {
            flow: number(c[0], "client")?,
            order: number(c[1], "start_seq")?,
            k: number::<u64>(c[2], "length")? as f64,
            n: 1.0,
        });
        Ok(())
    })?;
    Ok(Some(units))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn folder(dir: &std::path::Path) -> ResultsFolder {
        ResultsFolder {
            dir: dir.to_path_buf(),
            summary: super::super::results::SummaryCsv::parse(
                &format!("{},status\n", crate::metrics::stats::SUMMARY_COLUMNS),
                "s.csv".as_ref(),
            )
            .unwrap(),
            json_path: dir.join("summary.json"),
            json: json!({"files": {"requests": "requests.csv", "logical": null}}),
        }
    }

    #[test]
    fn requests_become_units_per_logical_request() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("requests.csv"),
            "client,seq,attempt,outcome\n0,0,0,timeout\n0,0,1,reply\n1,0,0,reply\n0,1,0,interrupted\n",
        )
        .unwrap();
        let f = folder(dir.path());
        let all = loss_units(&f, "all", false).unwrap().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].k, all[0].n), (1.0, 2.0));
        let first = loss_units(&f, "0", true).unwrap().unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!((first[0].k, first[0].n), (1.0, 1.0));
        let fa = first_attempts(&f).unwrap().unwrap();
        assert_eq!(fa.get(&(0, 0)), Some(&true));
        assert_eq!(fa.get(&(1, 0)), Some(&false));
        // logical.csv listed as not written.
        assert_eq!(success_units(&f, "all").unwrap(), None);
        // A malformed cell names the file, line and column.
        std::fs::write(
            dir.path().join("requests.csv"),
            "client,seq,attempt,outcome\n0,x,0,reply\n",
        )
        .unwrap();
        let e = loss_units(&f, "all", false).unwrap_err().to_string();
        assert!(e.contains("requests.csv:2: column `seq` is \"x\""), "{e}");
    }
}
