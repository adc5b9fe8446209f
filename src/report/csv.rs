//! A streaming reader for the CSV files losslab writes, for the report.
//!
//! losslab's CSV cells never contain commas, quotes or line breaks (numbers and single words), so
//! a row is one line split on commas. The reader keeps one line in memory at a time, looks
//! columns up by header name (never by position, so files with added columns still read), and
//! every error names the file, the line, the column and the text that did not parse.
//! Invariant: a row is handed out only when it has exactly as many cells as the header.

use anyhow::{Result, anyhow, bail};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

pub struct CsvReader {
    path: PathBuf,
    input: Box<dyn BufRead>,
    header: Vec<String>,
    /// 1-based number of the line in `line`.
    line_no: u64,
    line: String,
    /// Byte ranges of the cells of `line`.
    cells: Vec<(usize, usize)>,
}

impl CsvReader {
    /// Opens `path` and reads its header line.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow!(
                    "{} is missing: a results folder written by `losslab run` has it",
                    path.display()
                )
            } else {
                anyhow!("cannot read {}: {e}", path.display())
            }
        })?;
        Self::from_reader(path, Box::new(BufReader::with_capacity(1 << 16, file)))
    }

    /// Reads CSV text from `input`; `path` is the name errors use.
    pub fn from_reader(path: &Path, input: Box<dyn BufRead>) -> Result<Self> {
        let mut r = CsvReader {
            path: path.to_path_buf(),
            input,
            header: Vec::new(),
            line_no: 0,
            line: String::new(),
            cells: Vec::new(),
        };
        if !r.read_line()? {
            bail!(
                "{}: the file is empty; expected a header line",
                path.display()
            );
        }
        r.header = r.line.split(',').map(|c| c.trim().to_string()).collect();
        Ok(r)
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The index of a column the report cannot do without.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.optional_column(name).ok_or_else(|| {
            anyhow!(
                "{}:1: no column `{name}` in the header (it has: {})",
                self.path.display(),
                self.header.join(", ")
            )
        })
    }

    /// The index of a column that older or other kinds of results may lack.
    pub fn optional_column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Reads the next line into `self.line` without its line ending; false at the end.
    fn read_line(&mut self) -> Result<bool> {
        self.line.clear();
        let n = self.input.read_line(&mut self.line).map_err(|e| {
            anyhow!(
                "{}:{}: cannot read: {e}",
                self.path.display(),
                self.line_no + 1
            )
        })?;
        if n == 0 {
            return Ok(false);
        }
        self.line_no += 1;
        while self.line.ends_with('\n') || self.line.ends_with('\r') {
            self.line.pop();
        }
        Ok(true)
    }

    /// Advances to the next data row; false at the end of the file. Blank lines are skipped.
    pub fn next_row(&mut self) -> Result<bool> {
        loop {
            if !self.read_line()? {
                return Ok(false);
            }
            if !self.line.is_empty() {
                break;
            }
        }
        self.cells.clear();
        let mut start = 0;
        for (i, b) in self.line.bytes().enumerate() {
            if b == b',' {
                self.cells.push((start, i));
                start = i + 1;
            }
        }
        self.cells.push((start, self.line.len()));
        if self.cells.len() != self.header.len() {
            bail!(
                "{}:{}: {} cells, but the header has {} columns (a cut-off or edited file?)",
                self.path.display(),
                self.line_no,
                self.cells.len(),
                self.header.len()
            );
        }
        Ok(true)
    }

    /// The text of cell `col` in the current row.
    pub fn text(&self, col: usize) -> &str {
        let (a, b) = self.cells[col];
        &self.line[a..b]
    }

    fn malformed(&self, col: usize, what: &str) -> anyhow::Error {
        anyhow!(
            "{}:{}: column `{}`: `{}` is not {what}",
            self.path.display(),
            self.line_no,
            self.header[col],
            self.text(col)
        )
    }

    /// Cell `col` as a whole number.
    pub fn u64(&self, col: usize) -> Result<u64> {
        self.text(col)
            .parse()
            .map_err(|_| self.malformed(col, "a whole number"))
    }

    /// An error about cell `col` of the current row: file, line, column, then `what`.
    pub fn error(&self, col: usize, what: &str) -> anyhow::Error {
        anyhow!(
            "{}:{}: column `{}`: {what}",
            self.path.display(),
            self.line_no,
            self.header[col]
        )
    }

    /// Cell `col` as a whole number, `None` when empty.
    pub fn opt_u64(&self, col: usize) -> Result<Option<u64>> {
        if self.text(col).is_empty() {
            Ok(None)
        } else {
            self.u64(col).map(Some)
        }
    }

    /// Cell `col` as a number; empty is `None`, `inf` is infinity (RFC 2681's lost RTT).
    pub fn opt_f64(&self, col: usize) -> Result<Option<f64>> {
        let t = self.text(col);
        if t.is_empty() {
            return Ok(None);
        }
        if t == "inf" {
            return Ok(Some(f64::INFINITY));
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.malformed(col, "a number")),
        }
    }

    /// Cell `col` as one of `allowed` words; returns its index in `allowed`.
    pub fn word(&self, col: usize, allowed: &[&str]) -> Result<usize> {
        let t = self.text(col);
        allowed
            .iter()
            .position(|a| *a == t)
            .ok_or_else(|| self.malformed(col, &format!("one of {}", allowed.join(", "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &'static str) -> Result<CsvReader> {
        CsvReader::from_reader(Path::new("x.csv"), Box::new(text.as_bytes()))
    }

    #[test]
    fn columns_by_name_and_typed_cells() {
        let mut r = reader("a,b,c\r\n1,,inf\n\n7,2.5,x\n").unwrap();
        let (a, b, c) = (
            r.column("a").unwrap(),
            r.column("b").unwrap(),
            r.column("c").unwrap(),
        );
        assert!(r.optional_column("d").is_none());
        assert!(r.next_row().unwrap());
        assert_eq!(r.u64(a).unwrap(), 1);
        assert_eq!(r.opt_u64(b).unwrap(), None);
        assert_eq!(r.opt_f64(c).unwrap(), Some(f64::INFINITY));
        assert!(r.next_row().unwrap(), "a blank line is skipped");
        assert_eq!(r.opt_f64(b).unwrap(), Some(2.5));
        let e = r.word(c, &["reply", "timeout"]).unwrap_err().to_string();
        assert_eq!(
            e, "x.csv:4: column `c`: `x` is not one of reply, timeout",
            "{e}"
        );
        assert!(!r.next_row().unwrap());
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let r = reader("a,b\n").unwrap();
        let e = r.column("rtt_us").unwrap_err().to_string();
        assert!(e.starts_with("x.csv:1: no column `rtt_us`"), "{e}");

        let mut r = reader("a,b\n1,2\n3\n").unwrap();
        assert!(r.next_row().unwrap());
        let e = r.next_row().unwrap_err().to_string();
        assert!(
            e.starts_with("x.csv:3: 1 cells, but the header has 2"),
            "{e}"
        );

        let mut r = reader("a,b\n1,-4\n").unwrap();
        assert!(r.next_row().unwrap());
        let e = r.u64(1).unwrap_err().to_string();
        assert_eq!(e, "x.csv:2: column `b`: `-4` is not a whole number");

        let e = reader("").err().unwrap().to_string();
        assert!(e.contains("empty"), "{e}");
    }
}
