//! `summary.csv` as readers see it: its header and every row's cells by column name, read
//! through [`CsvFile`] and checked whole when it is read — every column this version writes
//! present (extra columns of a newer version are ignored; a file from before issue 5 is named
//! as such), every row a valid [`SummaryRecord`] obeying its rules (ratios in [0, 1], counts
//! that add up, percentiles in order), every scope once, the `all` row the sum of the
//! clients'. Invariant: a [`SummaryCsv`] holds only a table losslab could have written, and
//! every error names the file, the line and the column.

use crate::results::read::CsvFile;
use crate::results::schema::{SummaryRecord, check_table, summary_columns};
use anyhow::{Result, anyhow, bail};
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

/// The columns every `summary.csv` of this version has, in the order it writes them.
pub fn required_columns() -> impl Iterator<Item = String> {
    summary_columns().into_iter()
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
        Self::read(CsvFile::open(path)?)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let bytes = text.as_bytes().to_vec();
        Self::read(CsvFile::from_reader(
            path,
            Box::new(std::io::Cursor::new(bytes)),
        )?)
    }

    fn read(mut r: CsvFile) -> Result<Self> {
        let path = r.path().to_path_buf();
        let header: Vec<String> = r.header().to_vec();
        if !header.iter().any(|h| h == "scope") {
            bail!(crate::tr!(
                "summary-no-scope",
                path = path.display().to_string()
            ));
        }
        let required: Vec<String> = required_columns().collect();
        let has = |c: &String| header.contains(c);
        if let Some(at) = required.iter().position(|c| !has(c)) {
            // The columns losslab wrote before issue 5 end at `errors` (then `status`): a file
            // with all of those and none of the later ones comes from an older version, not
            // from damage.
            let older = required.iter().position(|c| c == "errors").unwrap_or(0);
            let added = &required[older + 1..required.len() - 1];
            let hint = if required[..=older].iter().all(has) && !added.iter().any(has) {
                crate::tr!("summary-older", column = required[older + 1].as_str())
            } else {
                String::new()
            };
            bail!(crate::tr!(
                "summary-no-column",
                path = path.display().to_string(),
                column = required[at].as_str(),
                hint = hint
            ));
        }
        let mut rows = Vec::new();
        let mut records = Vec::new();
        while r.next_row()? {
            let line = r.line();
            let record: SummaryRecord = r.deserialize()?;
            if let Err((column, rule)) = record.check() {
                bail!(
                    "{}:{line}: {}: {rule}",
                    path.display(),
                    crate::tr!("read-column", column = column)
                );
            }
            let cells: Vec<String> = (0..header.len()).map(|i| r.text(i).to_string()).collect();
            rows.push((line as usize, cells));
            records.push((line, record));
        }
        if !records.is_empty()
            && let Err((line, column, rule)) = check_table(&records)
        {
            match column {
                "scope" => bail!("{}:{line}: {rule}", path.display()),
                _ => bail!(
                    "{}:{line}: {}: {rule}",
                    path.display(),
                    crate::tr!("read-column", column = column)
                ),
            }
        }
        Ok(SummaryCsv { path, header, rows })
    }

    /// The client ids with a row of their own (every scope but `all`).
    pub fn client_ids(&self) -> std::collections::BTreeSet<u32> {
        let at = self.header.iter().position(|h| h == "scope").unwrap_or(0);
        self.rows
            .iter()
            .filter_map(|(_, c)| c[at].parse().ok())
            .collect()
    }

    /// Every data row's cells, aligned with [`Self::columns`].
    pub fn cells(&self) -> Vec<Vec<String>> {
        self.rows.iter().map(|(_, c)| c.clone()).collect()
    }

    pub fn columns(&self) -> &[String] {
        &self.header
    }

    /// The index of column `name`, or an error naming the file, its header line and the column.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            anyhow!(crate::tr!(
                "check-err-no-such-column",
                file = self.path.display().to_string(),
                column = name,
                columns = self.header.join(",")
            ))
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
                anyhow!(crate::tr!(
                    "check-err-no-such-scope",
                    file = self.path.display().to_string(),
                    scope = scope,
                    scopes = scopes.join(", ")
                ))
            })
    }
}

impl Row<'_> {
    pub fn line(&self) -> usize {
        self.line
    }

    fn bad(&self, column: &str, text: &str, what: &str) -> anyhow::Error {
        anyhow!(
            "{}:{}: {}: {}",
            self.csv.path.display(),
            self.line,
            crate::tr!("read-column", column = column),
            crate::tr!("read-is-not", text = format!("`{text}`"), what = what)
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
            _ => Err(self.bad(column, text, &crate::tr!("summary-what-cell"))),
        }
    }

    /// A count: a whole number ≥ 0, never empty.
    pub fn count(&self, column: &str) -> Result<u64> {
        let text = self.cells[self.csv.column(column)?].as_str();
        text.parse::<u64>()
            .map_err(|_| self.bad(column, text, &crate::tr!("summary-what-count")))
    }

    /// The raw text of a cell (for `status`).
    pub fn text(&self, column: &str) -> Result<&str> {
        Ok(self.cells[self.csv.column(column)?].as_str())
    }
}
