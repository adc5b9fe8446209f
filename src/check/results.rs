//! Reading a results folder for `losslab check`: `summary.csv` (by header name, never by
//! position), `summary.json`, and `loss_periods.csv` when the folder has one.
//!
//! Invariant: every value handed to a check was read from a named cell, and every problem with
//! the input is an error naming the file, the line and the column (or the JSON field) at fault,
//! so the caller can exit 2 without guessing. `summary.csv` is validated whole when it is read:
//! its header has every column this version writes ([`SUMMARY_COLUMNS`] and `status`; extra
//! columns of a newer version are ignored), every cell of those columns holds its column's
//! [`Kind`], and no scope appears twice — so a damaged or older file is refused even when no
//! check reads the damaged cell. The optional inputs of `summary.json` (`loss_variance_factor`)
//! and `loss_periods.csv` read as `None` when absent; present but malformed, they are errors
//! like any other.

use crate::metrics::stats::SUMMARY_COLUMNS;
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

/// What a `summary.csv` column holds, as [`crate::metrics::stats::SummaryRow::to_csv`] writes
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text, never empty: `scope` (a client id or `all`), `status`.
    Text,
    /// `rtt_lost`: `excluded` or `infinite`.
    RttLost,
    /// A count: a whole number ≥ 0, never empty.
    Count,
    /// A whole number ≥ 0, or empty when undefined (no replies, no loss periods...).
    Whole,
    /// A percentile in µs: a whole number, `inf` (lost packets counted as infinite, RFC 2681),
    /// or empty.
    Percentile,
    /// A finite real number, or empty when undefined.
    Real,
}

impl Kind {
    /// The kind of a column this version writes; `None` for any other name.
    pub fn of(column: &str) -> Option<Kind> {
        Some(match column {
            "scope" | "status" => Kind::Text,
            "rtt_lost" => Kind::RttLost,
            "sent"
            | "replies"
            | "timeouts"
            | "late"
            | "duplicates"
            | "stray"
            | "corrupted"
            | "interrupted"
            | "errors"
            | "tmax_us"
            | "reordered"
            | "first_attempts"
            | "first_attempt_losses"
            | "loss_periods"
            | "logical_requests"
            | "successes" => Kind::Count,
            "rtt_min_us" | "rtt_max_us" | "late_by_max_us" | "loss_period_max"
            | "ipdv_abs_p99_us" => Kind::Whole,
            "rtt_p50_us" | "rtt_p90_us" | "rtt_p99_us" | "tts_p50_us" | "tts_p99_us" => {
                Kind::Percentile
            }
            "loss_ratio"
            | "loss_ci_low"
            | "loss_ci_high"
            | "rtt_mean_us"
            | "late_by_mean_us"
            | "loss_period_mean"
            | "inter_loss_period_mean"
            | "loss_distance_mean"
            | "ipdv_mean_us"
            | "jitter_us"
            | "success_ratio"
            | "attempts_per_success"
            | "goodput_ratio" => Kind::Real,
            _ => return None,
        })
    }

    /// `None` when `text` is a value of this kind, else what was expected.
    fn reject(self, text: &str) -> Option<&'static str> {
        let whole = || text.parse::<u64>().is_ok();
        let real = || text.parse::<f64>().is_ok_and(f64::is_finite);
        let ok = match self {
            Kind::Text => !text.is_empty(),
            Kind::RttLost => matches!(text, "excluded" | "infinite"),
            Kind::Count => whole(),
            Kind::Whole => text.is_empty() || whole(),
            Kind::Percentile => text.is_empty() || text == "inf" || whole(),
            Kind::Real => text.is_empty() || real(),
        };
        (!ok).then_some(match self {
            Kind::Text => "text (it must not be empty)",
            Kind::RttLost => "`excluded` or `infinite`",
            Kind::Count => "a count (a whole number ≥ 0)",
            Kind::Whole => "a whole number ≥ 0 (or empty)",
            Kind::Percentile => "a whole number of µs, `inf` (or empty)",
            Kind::Real => "a number (or empty)",
        })
    }
}

/// The columns every `summary.csv` of this version has, in the order it writes them.
pub fn required_columns() -> impl Iterator<Item = &'static str> {
    SUMMARY_COLUMNS.split(',').chain(["status"])
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
        for (i, h) in header.iter().enumerate() {
            if header[..i].contains(h) {
                bail!(
                    "{}:1: column `{h}` appears twice in the header",
                    path.display()
                );
            }
        }
        let required: Vec<&str> = required_columns().collect();
        if let Some(at) = required.iter().position(|c| !header.iter().any(|h| h == c)) {
            // The columns losslab wrote before issue 5 end at `errors` (then `status`): a file
            // with all of those and none of the later ones comes from an older version, not
            // from damage.
            let has = |c: &&str| header.iter().any(|h| h == c);
            let older = required.iter().position(|c| *c == "errors").unwrap_or(0);
            let added = &required[older + 1..required.len() - 1];
            let hint = if required[..=older].iter().all(has) && !added.iter().any(has) {
                format!(
                    "; this file was written by an older losslab, before `{}` and the columns \
                     after it: rerun the scenario with this version",
                    required[older + 1]
                )
            } else {
                String::new()
            };
            bail!(
                "{}:1: no column `{}` in the header, which every summary.csv of this losslab \
                 has{hint}",
                path.display(),
                required[at]
            );
        }
        let kinds: Vec<Option<Kind>> = header.iter().map(|h| Kind::of(h)).collect();
        let scope_at = header.iter().position(|h| h == "scope").unwrap_or(0);
        let mut scopes: BTreeMap<String, usize> = BTreeMap::new();
        let mut rows = Vec::new();
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let cells: Vec<String> = split_row(line, header.len(), path, i)?
                .into_iter()
                .map(str::to_string)
                .collect();
            for ((cell, kind), column) in cells.iter().zip(&kinds).zip(&header) {
                if let Some(what) = kind.and_then(|k| k.reject(cell)) {
                    bail!(
                        "{}:{}: column `{column}`: `{cell}` is not {what}",
                        path.display(),
                        i + 1
                    );
                }
            }
            if let Some(first) = scopes.insert(cells[scope_at].clone(), i + 1) {
                bail!(
                    "{}:{}: a second row with scope `{}` (the first is line {first})",
                    path.display(),
                    i + 1,
                    cells[scope_at]
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

    pub fn columns(&self) -> &[String] {
        &self.header
    }

    /// The scopes of the rows, in file order (client numbers, then `all`).
    pub fn scopes(&self) -> Vec<&str> {
        let at = self.header.iter().position(|h| h == "scope").unwrap_or(0);
        self.rows.iter().map(|(_, c)| c[at].as_str()).collect()
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
        let cells = split_row(line, header.len(), path, i)?;
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

/// The cells of line `index` (0-based) of `path`, trimmed; an error naming the file and line
/// when their number is not the header's.
fn split_row<'a>(line: &'a str, columns: usize, path: &Path, index: usize) -> Result<Vec<&'a str>> {
    let cells: Vec<&str> = line.split(',').map(str::trim).collect();
    if cells.len() != columns {
        bail!(
            "{}:{}: {} cells, but the header (line 1) has {} columns",
            path.display(),
            index + 1,
            cells.len(),
            columns
        );
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole summary.csv: every column this version writes, in its order, each row's cells
    /// `0` (`excluded`, `complete` for the text columns) unless given.
    fn csv(rows: &[&[(&str, &str)]]) -> String {
        let header: Vec<&str> = required_columns().collect();
        let mut out = header.join(",") + "\n";
        for row in rows {
            let cells: Vec<&str> = header
                .iter()
                .map(|c| match row.iter().find(|(name, _)| name == c) {
                    Some((_, v)) => *v,
                    None => match Kind::of(c) {
                        Some(Kind::RttLost) => "excluded",
                        Some(Kind::Text) => "complete",
                        _ => "0",
                    },
                })
                .collect();
            out += &(cells.join(",") + "\n");
        }
        out
    }

    fn two_rows() -> String {
        let counts = [("sent", "10"), ("replies", "6"), ("timeouts", "4")];
        let client = [
            &counts[..],
            &[
                ("scope", "0"),
                ("loss_ratio", "0.400000"),
                ("rtt_p99_us", ""),
            ],
        ]
        .concat();
        let all = [
            &counts[..],
            &[
                ("scope", "all"),
                ("loss_ratio", "0.400000"),
                ("rtt_p99_us", "inf"),
            ],
        ]
        .concat();
        csv(&[&client, &all])
    }

    fn parse_err(text: &str) -> String {
        SummaryCsv::parse(text, Path::new("r/summary.csv"))
            .err()
            .expect("an error")
            .to_string()
    }

    /// Guards against drift: every column `SummaryRow::to_csv` writes has a kind to check.
    #[test]
    fn every_column_written_has_a_kind() {
        for c in required_columns() {
            assert!(Kind::of(c).is_some(), "column `{c}` has no kind");
        }
        assert_eq!(Kind::of("lateness"), None);
    }

    #[test]
    fn cells_are_found_by_header_name() {
        let csv = SummaryCsv::parse(&two_rows(), Path::new("r/summary.csv")).unwrap();
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
        // Order does not matter, and a newer version's extra column is ignored.
        let text = two_rows();
        let mut lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
        for l in &mut lines {
            l.reverse();
            l.push("x");
        }
        lines[0].pop();
        lines[0].push("brand_new");
        let text: String = lines.iter().map(|l| l.join(",") + "\n").collect();
        let csv = SummaryCsv::parse(&text, Path::new("r/summary.csv")).unwrap();
        assert_eq!(csv.row("all").unwrap().count("replies").unwrap(), 6);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let csv = SummaryCsv::parse(&two_rows(), Path::new("r/summary.csv")).unwrap();
        let e = csv
            .row("all")
            .unwrap()
            .cell("lateness")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("r/summary.csv:1: no column `lateness`"),
            "{e}"
        );
        let e = csv.row("7").err().unwrap().to_string();
        assert!(
            e.contains("no row with scope `7`") && e.contains("0, all"),
            "{e}"
        );

        let bad = two_rows().replace("all,10,6,4,0.400000", "all,10,six,4,0.4x");
        let e = parse_err(&bad);
        assert!(
            e.starts_with("r/summary.csv:3: column `replies`: `six` is not a count"),
            "{e}"
        );
        let bad = two_rows().replace("all,10,6,4,0.400000", "all,10,6,4,0.4x");
        let e = parse_err(&bad);
        assert!(
            e.starts_with("r/summary.csv:3: column `loss_ratio`: `0.4x` is not a number"),
            "{e}"
        );

        let text = two_rows();
        let short = text.replacen(text.lines().nth(1).unwrap(), "0,10,6", 1);
        let e = parse_err(&short);
        assert!(
            e.starts_with("r/summary.csv:2: 3 cells, but the header"),
            "{e}"
        );
    }

    /// Each kind accepts what `to_csv` writes and nothing else. (The first value given for a
    /// column wins, so `scope` can be tested too.)
    #[test]
    fn cells_are_checked_against_their_column_kind() {
        let ok = |col: &str, v: &str| {
            SummaryCsv::parse(&csv(&[&[(col, v), ("scope", "all")]]), Path::new("s.csv")).is_ok()
        };
        for (col, good, bad) in [
            (
                "sent",
                &["0", "12"][..],
                &["", "-1", "1.5", "inf", "1e3"][..],
            ),
            ("rtt_min_us", &["", "7"], &["inf", "7.5", "-3"]),
            ("rtt_p99_us", &["", "7", "inf"], &["infinite", "7.5", "NaN"]),
            ("tts_p50_us", &["", "7", "inf"], &["-inf", "x"]),
            (
                "ipdv_mean_us",
                &["", "-0.4", "12.5"],
                &["inf", "NaN", "fast"],
            ),
            ("rtt_lost", &["excluded", "infinite"], &["", "none"]),
            ("status", &["complete", "interrupted"], &[""]),
            ("scope", &["all"], &[""]),
        ] {
            for v in good {
                assert!(ok(col, v), "{col} = `{v}` refused");
            }
            for v in bad {
                assert!(!ok(col, v), "{col} = `{v}` accepted");
            }
        }
    }

    #[test]
    fn missing_columns_and_duplicates_are_refused() {
        let text = two_rows();
        let drop = |name: &str| {
            let at = text
                .lines()
                .next()
                .unwrap()
                .split(',')
                .position(|c| c == name)
                .unwrap();
            text.lines()
                .map(|l| {
                    let mut c: Vec<&str> = l.split(',').collect();
                    c.remove(at);
                    c.join(",") + "\n"
                })
                .collect::<String>()
        };
        let e = parse_err(&drop("goodput_ratio"));
        assert!(
            e.starts_with("r/summary.csv:1: no column `goodput_ratio`"),
            "{e}"
        );
        // Damage, not an older version: no hint.
        assert!(!e.contains("older"), "{e}");
        let e = parse_err(&drop("timeouts"));
        assert!(
            e.contains("no column `timeouts`") && !e.contains("older"),
            "{e}"
        );
        // Every column up to `errors` and `status`: an older losslab.
        let older: String = text
            .lines()
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                format!("{},{}\n", c[..19].join(","), c.last().unwrap())
            })
            .collect();
        assert!(
            older.starts_with("scope,") && older.lines().next().unwrap().contains(",errors,status")
        );
        let e = parse_err(&older);
        assert!(
            e.contains("no column `tmax_us`")
                && e.contains("written by an older losslab, before `tmax_us`"),
            "{e}"
        );
        let e = parse_err(&text.replacen("scope,sent,", "scope,scope,", 1));
        assert!(e.contains("column `scope` appears twice"), "{e}");
        let e = parse_err(&(text.clone() + text.lines().nth(1).unwrap() + "\n"));
        assert_eq!(
            e,
            "r/summary.csv:4: a second row with scope `0` (the first is line 2)"
        );
        let e = parse_err("client,sent\n");
        assert!(e.contains("no column `scope`"), "{e}");
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
