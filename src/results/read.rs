//! Reading the files of a results folder: the `csv` crate underneath, columns found by header
//! name, memory bounded, and every error naming the file, the line and the column.
//!
//! What a file re-saved by a spreadsheet or pandas looks like still reads: quoted fields, CRLF
//! line ends, a UTF-8 byte-order mark, spaces around cells, columns in another order, extra
//! columns. What cannot be a results file is refused before it costs anything: a FIFO, a device
//! or a folder in place of a file (opening does not wait for a FIFO's writer), a line longer
//! than [`MAX_LINE`] bytes, a `summary.json` larger than [`MAX_JSON`] bytes. Invariant: a
//! reader holds one record in memory at a time, and a row is handed out only when it has as
//! many cells as the header.

use crate::tr;
use anyhow::{Result, anyhow, bail};
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// The longest line a results CSV may have. losslab's widest row is under 512 bytes.
pub const MAX_LINE: usize = 64 << 10;
/// The largest `summary.json` read: a run of 100,000 clients writes about 200 MB; losslab's
/// scenarios stay under a few thousand clients.
pub const MAX_JSON: u64 = 64 << 20;

/// Opens `path` for reading only if it is a regular file (after following links): a FIFO is
/// opened without waiting for a writer and then refused, like a device or a folder.
pub fn open_regular(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                anyhow!(tr!("read-missing", path = path.display().to_string()))
            } else {
                read_error(path, &e)
            }
        })?;
    let meta = file.metadata().map_err(|e| read_error(path, &e))?;
    if !meta.file_type().is_file() {
        let what = {
            use std::os::unix::fs::FileTypeExt;
            let t = meta.file_type();
            if t.is_fifo() {
                "fifo"
            } else if t.is_char_device() || t.is_block_device() {
                "device"
            } else if t.is_dir() {
                "folder"
            } else {
                "other"
            }
        };
        bail!(tr!(
            "read-not-regular",
            path = path.display().to_string(),
            kind = what
        ));
    }
    Ok(file)
}

/// `summary.json` as a JSON value: a regular file of at most [`MAX_JSON`] bytes holding one
/// JSON object; errors name the file, line and column.
pub fn summary_json_value(path: &Path) -> Result<serde_json::Value> {
    let file = open_regular(path)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > MAX_JSON {
        bail!(tr!(
            "read-json-too-long",
            path = path.display().to_string(),
            len = len,
            max = MAX_JSON
        ));
    }
    let mut text = String::new();
    BufReader::new(file)
        .take(MAX_JSON + 1)
        .read_to_string(&mut text)
        .map_err(|e| read_error(path, &e))?;
    let v: serde_json::Value =
        serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
            anyhow!(tr!(
                "read-json-invalid",
                path = path.display().to_string(),
                line = e.line(),
                column = e.column(),
                error = e.to_string()
            ))
        })?;
    if !v.is_object() {
        bail!(tr!("read-json-object", path = path.display().to_string()));
    }
    Ok(v)
}

/// A reader that skips a leading UTF-8 byte-order mark and fails on a line longer than
/// [`MAX_LINE`] bytes, so that no record can grow without bound.
struct Capped<R> {
    inner: R,
    /// Bytes since the last line end.
    line: usize,
    start: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = self.inner.read(buf)?;
        if self.start {
            self.start = false;
            if n >= 3 && buf[..3] == [0xEF, 0xBB, 0xBF] {
                buf.copy_within(3..n, 0);
                n -= 3;
            }
        }
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line = 0;
            } else {
                self.line += 1;
                if self.line > MAX_LINE {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        tr!("read-line-too-long", max = MAX_LINE),
                    ));
                }
            }
        }
        Ok(n)
    }
}

/// A CSV file of a results folder, read row by row.
pub struct CsvFile {
    path: PathBuf,
    reader: csv::Reader<Capped<Box<dyn Read>>>,
    header: Vec<String>,
    record: csv::StringRecord,
    headers_record: csv::StringRecord,
}

impl CsvFile {
    /// Opens `path` (a regular file) and reads its header.
    pub fn open(path: &Path) -> Result<Self> {
        let file = open_regular(path)?;
        Self::from_reader(path, Box::new(BufReader::with_capacity(1 << 16, file)))
    }

    /// Reads CSV text from `input`; `path` is the name errors use.
    pub fn from_reader(path: &Path, input: Box<dyn Read>) -> Result<Self> {
        let capped = Capped {
            inner: input,
            line: 0,
            start: true,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .has_headers(true)
            .from_reader(capped);
        let headers_record = reader
            .headers()
            .map_err(|e| csv_error(path, &[], e))?
            .clone();
        let header: Vec<String> = headers_record.iter().map(str::to_string).collect();
        if header.iter().all(String::is_empty) {
            bail!(tr!("read-empty", path = path.display().to_string()));
        }
        for (i, h) in header.iter().enumerate() {
            if header[..i].contains(h) {
                bail!(tr!(
                    "read-column-twice",
                    path = path.display().to_string(),
                    column = h.as_str()
                ));
            }
        }
        Ok(CsvFile {
            path: path.to_path_buf(),
            reader,
            header,
            record: csv::StringRecord::new(),
            headers_record,
        })
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The 1-based line the current row starts on.
    pub fn line(&self) -> u64 {
        self.record.position().map_or(1, |p| p.line())
    }

    /// The index of a column the reader cannot do without.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.optional_column(name).ok_or_else(|| {
            anyhow!(tr!(
                "read-no-column",
                path = self.path.display().to_string(),
                column = name,
                header = self.header.join(", ")
            ))
        })
    }

    /// The index of a column that older or other kinds of results may lack.
    pub fn optional_column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Advances to the next data row; false at the end of the file. Blank lines are skipped.
    pub fn next_row(&mut self) -> Result<bool> {
        match self.reader.read_record(&mut self.record) {
            Ok(more) => Ok(more),
            Err(e) => Err(csv_error(&self.path, &self.header, e)),
        }
    }

    /// The current row as `T`, its fields found by header name.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T> {
        self.record
            .deserialize(Some(&self.headers_record))
            .map_err(|e| self.deserialize_error(e))
    }

    /// A deserialization error as `file:line: column `name`: `text` is not ...`. A value
    /// type's own error (a ratio, an RTT, a word) does not carry the field's index: it quotes
    /// the cell, and the one column holding that text is named.
    fn deserialize_error(&self, e: csv::Error) -> anyhow::Error {
        let at = format!("{}:{}:", self.path.display(), self.line());
        let csv::ErrorKind::Deserialize { err, .. } = e.kind() else {
            return csv_error(&self.path, &self.header, e);
        };
        let what = match err.kind() {
            csv::DeserializeErrorKind::ParseInt(_) => tr!("read-what-whole-in-range"),
            csv::DeserializeErrorKind::ParseFloat(_) => tr!("read-what-number"),
            csv::DeserializeErrorKind::ParseBool(_) => tr!("read-what-bool"),
            csv::DeserializeErrorKind::Message(m) => m.clone(),
            other => other.to_string(),
        };
        let field = err.field().map(|f| f as usize).or_else(|| {
            let text = what.split('`').nth(1)?;
            let hits: Vec<usize> = (0..self.record.len())
                .filter(|&i| self.text(i) == text)
                .collect();
            (hits.len() == 1).then(|| hits[0])
        });
        match field {
            Some(f) if f < self.header.len() => {
                let text = self.text(f);
                let quoted = format!("`{text}`");
                let column = tr!("read-column", column = self.header[f].as_str());
                if what.starts_with(&quoted) {
                    anyhow!("{at} {column}: {what}")
                } else if err.field().is_some() {
                    anyhow!(
                        "{at} {column}: {}",
                        tr!("read-is-not", text = quoted.as_str(), what = what.as_str())
                    )
                } else {
                    anyhow!("{at} {column}: {quoted}: {what}")
                }
            }
            _ => anyhow!("{at} {what}"),
        }
    }

    /// The text of cell `col` in the current row.
    pub fn text(&self, col: usize) -> &str {
        self.record.get(col).unwrap_or("")
    }

    fn malformed(&self, col: usize, what: &str) -> anyhow::Error {
        self.error(
            col,
            &tr!(
                "read-is-not",
                text = format!("`{}`", self.text(col)),
                what = what
            ),
        )
    }

    /// An error about cell `col` of the current row: file, line, column, then `what`.
    pub fn error(&self, col: usize, what: &str) -> anyhow::Error {
        anyhow!(
            "{}:{}: {}: {what}",
            self.path.display(),
            self.line(),
            tr!("read-column", column = self.header[col].as_str())
        )
    }

    /// Cell `col` as a whole number.
    pub fn u64(&self, col: usize) -> Result<u64> {
        self.text(col)
            .parse()
            .map_err(|_| self.malformed(col, &tr!("read-what-whole")))
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
            _ => Err(self.malformed(col, &tr!("read-what-number"))),
        }
    }

    /// Cell `col` as one of `allowed` words; returns its index in `allowed`.
    pub fn word(&self, col: usize, allowed: &[&str]) -> Result<usize> {
        let t = self.text(col);
        allowed.iter().position(|a| *a == t).ok_or_else(|| {
            self.malformed(col, &tr!("read-what-one-of", words = allowed.join(", ")))
        })
    }
}

/// "cannot read PATH: ERROR".
fn read_error(path: &Path, e: &io::Error) -> anyhow::Error {
    anyhow!(
        "{}: {e}",
        tr!("err-read", path = path.display().to_string())
    )
}

/// A `csv` error as `file:line: what`, with the column's name when there is one.
fn csv_error(path: &Path, header: &[String], e: csv::Error) -> anyhow::Error {
    let line = |p: Option<&csv::Position>| p.map_or(1, |p| p.line());
    let at = path.display();
    match e.into_kind() {
        csv::ErrorKind::Io(e) => anyhow!("{at}: {}: {e}", tr!("read-cannot")),
        csv::ErrorKind::Utf8 { pos, err } => anyhow!(
            "{at}:{}: {}: {}",
            line(pos.as_ref()),
            tr!(
                "read-column",
                column = header.get(err.field()).map_or("?", String::as_str)
            ),
            tr!("read-not-utf8")
        ),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => anyhow!(
            "{at}:{}: {}",
            line(pos.as_ref()),
            tr!("read-unequal", cells = len, columns = expected_len)
        ),
        csv::ErrorKind::Deserialize { pos, err } => {
            let column = err
                .field()
                .and_then(|f| header.get(f as usize))
                .map_or(String::new(), |c| {
                    format!(" {}:", tr!("read-column", column = c.as_str()))
                });
            let what = match err.kind() {
                csv::DeserializeErrorKind::Message(m) => m.clone(),
                other => other.to_string(),
            };
            anyhow!("{at}:{}:{column} {what}", line(pos.as_ref()))
        }
        other => anyhow!("{at}: {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(text: &'static [u8]) -> Result<CsvFile> {
        CsvFile::from_reader(Path::new("x.csv"), Box::new(text))
    }

    #[test]
    fn columns_by_name_and_typed_cells() {
        let mut r = reader(b"a,b,c\r\n1,,inf\n7,2.5,x\n\n").unwrap();
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
        assert!(r.next_row().unwrap());
        assert_eq!(r.opt_f64(b).unwrap(), Some(2.5));
        let e = r.word(c, &["reply", "timeout"]).unwrap_err().to_string();
        assert_eq!(
            e, "x.csv:3: column `c`: `x` is not one of reply, timeout",
            "{e}"
        );
        assert!(!r.next_row().unwrap(), "a blank line at the end is no row");
    }

    /// What a spreadsheet writes back: a BOM, CRLF, quotes, spaces, reordered columns.
    #[test]
    fn a_resaved_file_still_reads() {
        let mut r = reader(b"\xEF\xBB\xBF\"c\", b ,a\r\n\"x, y\", 2 ,\"1\"\r\n").unwrap();
        assert_eq!(r.header(), ["c", "b", "a"]);
        assert!(r.next_row().unwrap());
        assert_eq!(r.text(0), "x, y");
        assert_eq!(r.u64(r.column("a").unwrap()).unwrap(), 1);
        assert_eq!(r.u64(r.column("b").unwrap()).unwrap(), 2);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let r = reader(b"a,b\n").unwrap();
        let e = r.column("rtt_us").unwrap_err().to_string();
        assert!(e.starts_with("x.csv:1: no column `rtt_us`"), "{e}");

        let mut r = reader(b"a,b\n1,2\n3\n").unwrap();
        assert!(r.next_row().unwrap());
        let e = r.next_row().unwrap_err().to_string();
        assert!(
            e.starts_with("x.csv:3: 1 cell, but the header has 2"),
            "{e}"
        );
        let mut r = reader(b"a,b\n1,-4\n").unwrap();
        assert!(r.next_row().unwrap());
        let e = r.u64(1).unwrap_err().to_string();
        assert_eq!(e, "x.csv:2: column `b`: `-4` is not a whole number");
        let e = reader(b"").err().unwrap().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = reader(b"a,a\n").err().unwrap().to_string();
        assert!(e.contains("column `a` appears twice"), "{e}");
    }

    #[test]
    fn a_huge_line_is_refused_without_reading_it_whole() {
        let mut text = b"a,b\n1,".to_vec();
        text.extend(std::iter::repeat_n(b'9', MAX_LINE + 10));
        text.push(b'\n');
        let leaked: &'static [u8] = Box::leak(text.into_boxed_slice());
        let mut r = reader(leaked).unwrap();
        let e = r.next_row().unwrap_err().to_string();
        assert!(e.contains("a line longer than"), "{e}");
    }

    #[test]
    fn fifos_and_devices_are_refused_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("summary.csv");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let e = CsvFile::open(&fifo).err().unwrap().to_string();
        assert!(e.contains("is a FIFO"), "{e}");
        let link = tmp.path().join("summary.json");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let e = summary_json_value(&link).unwrap_err().to_string();
        assert!(e.contains("is a device"), "{e}");
    }
}
