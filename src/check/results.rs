//! Reading a results folder for `losslab check`: `summary.csv` (by header name, never by
//! position), `summary.json`, and `loss_periods.csv` when the folder has one.
//!
//! Invariant: every value handed to a check was read from a named cell, and every problem with
//! the input is an error naming the file, the line and the column (or the JSON field) at fault,
//! so the caller can exit 2 without guessing. Optional inputs written only by newer versions
//! (`first_attempts`, `loss_variance_factor`, `loss_periods.csv`) read as `None` when absent;
//! present but malformed, they are errors like any other.

use anyhow::{Result, anyhow, bail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One cell of `summary.csv`, interpreted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell {
    /// An empty cell: the value is undefined (no replies, no loss periods...).
    Empty,
    /// A number; `inf` (an RTT percentile counting lost packets as infinite, RFC 2681) reads as
    /// `f64::INFINITY`.
    Num(f64),
}

/// `summary.csv`: its header and its rows, with their line numbers.
pub struct SummaryCsv {
    pub path: PathBuf,
    header: Vec<String>,
    /// (1-based line number, cells) for each data row.
    rows: Vec<(usize, Vec<String>)>,
}

/// A row of `summary.csv`, found by its scope.
#[derive(Clone, Copy)]
pub struct Row<'a> {
    csv: &'a SummaryCsv,
    line: usize,
    cells: &'a [String],
}

impl SummaryCsv {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let mut lines = text.lines().enumerate();
        let header: Vec<String> = match lines.next() {
            Some((_, h)) if !h.trim().is_empty() => {
                h.split(',').map(|c| c.trim().to_string()).collect()
            }
            _ => bail!(
                "{}:1: the file is empty; expected a header line",
                path.display()
            ),
        };
        if !header.iter().any(|h| h == "scope") {
            bail!(
                "{}:1: no column `scope` in the header; this is not a losslab summary.csv",
                path.display()
            );
        }
        let mut rows = Vec::new();
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let cells: Vec<String> = line.split(',').map(|c| c.trim().to_string()).collect();
            if cells.len() != header.len() {
                bail!(
                    "{}:{}: {} cells, but the header (line 1) has {} columns",
                    path.display(),
                    i + 1,
                    cells.len(),
                    header.len()
                );
            }
            rows.push((i + 1, cells));
        }
        Ok(SummaryCsv {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.header.iter().any(|h| h == name)
    }

    pub fn columns(&self) -> &[String] {
        &self.header
    }

    /// The index of column `name`, or an error naming the file, its header line and the column.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            anyhow!(
                "{}:1: no column `{name}` in the header (columns: {})",
                self.path.display(),
                self.header.join(",")
            )
        })
    }

    /// The row whose `scope` is `scope` (a client id or `all`).
    pub fn row(&self, scope: &str) -> Result<Row<'_>> {
        let at = self.column("scope")?;
        self.rows
            .iter()
            .find(|(_, cells)| cells[at] == scope)
            .map(|(line, cells)| Row {
                csv: self,
                line: *line,
                cells,
            })
            .ok_or_else(|| {
                let scopes: Vec<&str> = self.rows.iter().map(|(_, c)| c[at].as_str()).collect();
                anyhow!(
                    "{}: no row with scope `{scope}` (scopes: {})",
                    self.path.display(),
                    scopes.join(", ")
                )
            })
    }
}

impl Row<'_> {
    pub fn line(&self) -> usize {
        self.line
    }

    fn bad(&self, column: &str, text: &str, what: &str) -> anyhow::Error {
        anyhow!(
            "{}:{}: column `{column}`: `{text}` is not {what}",
            self.csv.path.display(),
            self.line
        )
    }

    /// The cell in `column`: empty, a number, or `inf`; anything else is an error naming the
    /// file, the line and the column.
    pub fn cell(&self, column: &str) -> Result<Cell> {
        let text = self.cells[self.csv.column(column)?].as_str();
        if text.is_empty() {
            return Ok(Cell::Empty);
        }
        if text == "inf" {
            return Ok(Cell::Num(f64::INFINITY));
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Cell::Num(v)),
            _ => Err(self.bad(column, text, "a number (or empty, or `inf`)")),
        }
    }

    /// A count: a whole number ≥ 0, never empty.
    pub fn count(&self, column: &str) -> Result<u64> {
        let text = self.cells[self.csv.column(column)?].as_str();
        text.parse::<u64>()
            .map_err(|_| self.bad(column, text, "a count (a whole number ≥ 0)"))
    }

    /// The raw text of a cell (for `status`).
    pub fn text(&self, column: &str) -> Result<&str> {
        Ok(self.cells[self.csv.column(column)?].as_str())
    }
}

/// Which loss-period lengths a folder recorded: per length, how many periods had it.
pub type Lengths = BTreeMap<u64, u64>;

/// A results folder, loaded.
pub struct ResultsFolder {
    pub dir: PathBuf,
    pub summary: SummaryCsv,
    pub json_path: PathBuf,
    pub json: Value,
}

impl ResultsFolder {
    /// Reads `summary.csv` and `summary.json`; both must exist.
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            bail!(
                "{}: no such results folder (run `losslab run SCENARIO --out {}` first)",
                dir.display(),
                dir.display()
            );
        }
        let summary = SummaryCsv::load(&dir.join("summary.csv"))?;
        let json_path = dir.join("summary.json");
        let text = std::fs::read_to_string(&json_path)
            .map_err(|e| anyhow!("cannot read {}: {e}", json_path.display()))?;
        let json: Value = serde_json::from_str(&text).map_err(|e| {
            anyhow!(
                "{}:{}:{}: not valid JSON: {e}",
                json_path.display(),
                e.line(),
                e.column()
            )
        })?;
        if !json.is_object() {
            bail!("{}: expected a JSON object", json_path.display());
        }
        Ok(ResultsFolder {
            dir: dir.to_path_buf(),
            summary,
            json_path,
            json,
        })
    }

    /// The value at a `/`-separated path of object keys, `None` when absent or null.
    fn field(&self, path: &str) -> Option<&Value> {
        let mut v = &self.json;
        for key in path.split('/') {
            v = v.get(key)?;
        }
        (!v.is_null()).then_some(v)
    }

    /// A number field: `None` when absent or null, an error naming the field when it is
    /// something else.
    pub fn number(&self, path: &str) -> Result<Option<f64>> {
        match self.field(path) {
            None => Ok(None),
            Some(v) => v.as_f64().map(Some).ok_or_else(|| {
                anyhow!(
                    "{}: field `{}` is {v}, not a number or null",
                    self.json_path.display(),
                    path.replace('/', ".")
                )
            }),
        }
    }

    /// A text field: `None` when absent or null.
    pub fn text(&self, path: &str) -> Result<Option<&str>> {
        match self.field(path) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or_else(|| {
                anyhow!(
                    "{}: field `{}` is {v}, not a string",
                    self.json_path.display(),
                    path.replace('/', ".")
                )
            }),
        }
    }

    /// Whether a field is present and not null (e.g. `scenario.impair.delay`).
    pub fn present(&self, path: &str) -> bool {
        self.field(path).is_some()
    }

    /// `loss_variance_factor`: ≥ 1 expected; absent in folders from before it was written.
    pub fn variance_factor(&self) -> Result<Option<f64>> {
        match self.number("loss_variance_factor")? {
            Some(f) if !(f.is_finite() && f > 0.0) => bail!(
                "{}: field `loss_variance_factor` is {f}; it must be a positive number",
                self.json_path.display()
            ),
            other => Ok(other),
        }
    }

    /// The loss-period lengths of `loss_periods.csv` (`client,start_seq,length`), or `None` when
    /// the folder predates the file (it is not listed under `files` and does not exist). A file
    /// that `summary.json` lists but that is missing is an error.
    pub fn loss_periods(&self) -> Result<Option<Lengths>> {
        let name = self
            .text("files/loss_periods")?
            .unwrap_or("loss_periods.csv");
        let path = self.dir.join(name);
        if !path.exists() {
            if self.present("files/loss_periods") {
                bail!(
                    "cannot read {}: {} lists it under `files.loss_periods` but it does not exist",
                    path.display(),
                    self.json_path.display()
                );
            }
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
        parse_loss_periods(&text, &path).map(Some)
    }
}

/// Parses `loss_periods.csv` into a table of lengths, by header name.
pub fn parse_loss_periods(text: &str, path: &Path) -> Result<Lengths> {
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = match lines.next() {
        Some((_, h)) if !h.trim().is_empty() => h.split(',').map(str::trim).collect(),
        _ => bail!(
            "{}:1: the file is empty; expected a header line",
            path.display()
        ),
    };
    let at = header.iter().position(|h| *h == "length").ok_or_else(|| {
        anyhow!(
            "{}:1: no column `length` in the header (columns: {})",
            path.display(),
            header.join(",")
        )
    })?;
    let mut lengths = Lengths::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != header.len() {
            bail!(
                "{}:{}: {} cells, but the header (line 1) has {} columns",
                path.display(),
                i + 1,
                cells.len(),
                header.len()
            );
        }
        match cells[at].parse::<u64>() {
            Ok(len) if len >= 1 => *lengths.entry(len).or_insert(0) += 1,
            _ => bail!(
                "{}:{}: column `length`: `{}` is not a loss-period length (a whole number ≥ 1)",
                path.display(),
                i + 1,
                cells[at]
            ),
        }
    }
    Ok(lengths)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "scope,sent,replies,timeouts,loss_ratio,rtt_p99_us,status\n\
0,10,6,4,0.400000,,complete\n\
all,10,6,4,0.400000,inf,complete\n";

    #[test]
    fn cells_are_found_by_header_name() {
        let csv = SummaryCsv::parse(CSV, Path::new("r/summary.csv")).unwrap();
        let all = csv.row("all").unwrap();
        assert_eq!(all.line(), 3);
        assert_eq!(all.count("timeouts").unwrap(), 4);
        assert_eq!(all.cell("loss_ratio").unwrap(), Cell::Num(0.4));
        assert_eq!(all.cell("rtt_p99_us").unwrap(), Cell::Num(f64::INFINITY));
        assert_eq!(
            csv.row("0").unwrap().cell("rtt_p99_us").unwrap(),
            Cell::Empty
        );
        assert_eq!(all.text("status").unwrap(), "complete");
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let csv = SummaryCsv::parse(CSV, Path::new("r/summary.csv")).unwrap();
        let e = csv
            .row("all")
            .unwrap()
            .cell("late")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("r/summary.csv:1: no column `late`"), "{e}");
        let e = csv.row("7").err().unwrap().to_string();
        assert!(
            e.contains("no row with scope `7`") && e.contains("0, all"),
            "{e}"
        );

        let bad = CSV.replace("all,10,6,4,0.400000", "all,10,six,4,0.4x");
        let csv = SummaryCsv::parse(&bad, Path::new("r/summary.csv")).unwrap();
        let all = csv.row("all").unwrap();
        let e = all.count("replies").unwrap_err().to_string();
        assert!(
            e.starts_with("r/summary.csv:3: column `replies`: `six`"),
            "{e}"
        );
        let e = all.cell("loss_ratio").unwrap_err().to_string();
        assert!(
            e.starts_with("r/summary.csv:3: column `loss_ratio`: `0.4x`"),
            "{e}"
        );

        let short = CSV.replace("0,10,6,4,0.400000,,complete", "0,10,6");
        let e = SummaryCsv::parse(&short, Path::new("s.csv"))
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("s.csv:2: 3 cells, but the header"), "{e}");
    }

    #[test]
    fn loss_periods_count_lengths() {
        let text = "client,start_seq,length\n0,3,1\n0,9,2\n1,4,1\n";
        let l = parse_loss_periods(text, Path::new("lp.csv")).unwrap();
        assert_eq!(l, BTreeMap::from([(1, 2), (2, 1)]));
        let e = parse_loss_periods("client,start_seq,length\n0,3,0\n", Path::new("lp.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("lp.csv:2: column `length`: `0`"), "{e}");
        let e = parse_loss_periods("client,start\n", Path::new("lp.csv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column `length`"), "{e}");
    }
}
