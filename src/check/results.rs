//! Reading a results folder for `losslab check`: `summary.csv` (by header name, never by
//! position), `summary.json`, and `loss_periods.csv` when the folder has one — all through
//! [`crate::results`] (the `csv` crate, the typed rows of [`crate::results::schema`]).
//!
//! Invariant: every value handed to a check was read from a named cell, and every problem with
//! the input is an error naming the file, the line and the column (or the JSON field) at fault,
//! so the caller can exit 2 without guessing. `summary.csv` is validated whole when it is read
//! ([`crate::results::summary`]), so a damaged, edited or mixed file is refused even when no
//! check reads the damaged cell. `summary.json` must deserialize into a [`SummaryJson`] and
//! obey its rules. The optional inputs (`loss_variance_factor`, `loss_periods.csv`) read as
//! `None` when absent; present but malformed, they are errors like any other.

use crate::results::folder::ReadLock;
use crate::results::read::{CsvFile, summary_json_value};
use crate::results::schema::{LossPeriodRow, SummaryJson};
use crate::tr;
use anyhow::{Result, anyhow, bail};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

pub use crate::results::summary::{Cell, Row, SummaryCsv, required_columns};

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
    /// Reads `summary.csv` and `summary.json`; both must exist. The folder is read under its
    /// shared lock, so a run moving its files in meanwhile is never seen half-way.
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            bail!(tr!(
                "check-err-no-folder-at",
                folder = dir.display().to_string()
            ));
        }
        let _lock = ReadLock::take(dir);
        let summary = SummaryCsv::load(&dir.join(crate::results::SUMMARY_CSV))?;
        let json_path = dir.join(crate::results::SUMMARY_JSON);
        let json = summary_json_value(&json_path)?;
        let typed: SummaryJson = serde_json::from_value(json.clone())
            .map_err(|e| anyhow!("{}: {e}", json_path.display()))?;
        if let Err((field, rule)) = typed.check() {
            bail!(tr!(
                "check-err-field",
                file = json_path.display().to_string(),
                field = field.to_string(),
                error = rule.to_string()
            ));
        }
        let folder = ResultsFolder {
            dir: dir.to_path_buf(),
            summary,
            json_path,
            json,
        };
        // Read now, so that a damaged loss_periods.csv (a client summary.csv does not list)
        // is refused even when no check compares loss periods.
        folder.loss_periods()?;
        Ok(folder)
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
                anyhow!(tr!(
                    "check-err-not-number",
                    file = self.json_path.display().to_string(),
                    field = path.replace('/', "."),
                    value = v.to_string()
                ))
            }),
        }
    }

    /// A text field: `None` when absent or null.
    pub fn text(&self, path: &str) -> Result<Option<&str>> {
        match self.field(path) {
            None => Ok(None),
            Some(v) => v.as_str().map(Some).ok_or_else(|| {
                anyhow!(tr!(
                    "check-err-not-string",
                    file = self.json_path.display().to_string(),
                    field = path.replace('/', "."),
                    value = v.to_string()
                ))
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
            Some(f) if !(f.is_finite() && f > 0.0) => bail!(tr!(
                "check-err-variance-factor",
                file = self.json_path.display().to_string(),
                value = f.to_string()
            )),
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
                bail!(tr!(
                    "check-err-listed-missing",
                    path = path.display().to_string(),
                    file = self.json_path.display().to_string()
                ));
            }
            return Ok(None);
        }
        let clients = self.summary.client_ids();
        read_loss_periods(CsvFile::open(&path)?, &clients).map(Some)
    }
}

/// Reads `loss_periods.csv` into a table of lengths, by header name; every `client` must be
/// one that `summary.csv` lists (when it lists any).
pub fn read_loss_periods(mut r: CsvFile, clients: &BTreeSet<u32>) -> Result<Lengths> {
    for c in ["client", "start_seq", "length"] {
        r.column(c)?;
    }
    let client_col = r.column("client")?;
    let length_col = r.column("length")?;
    let mut lengths = Lengths::new();
    while r.next_row()? {
        let row: LossPeriodRow = r.deserialize()?;
        if row.length == 0 {
            return Err(r.error(length_col, &tr!("check-err-period-zero")));
        }
        if !clients.is_empty() && !clients.contains(&row.client) {
            return Err(r.error(
                client_col,
                &tr!("check-err-period-client", client = row.client.to_string()),
            ));
        }
        *lengths.entry(row.length).or_insert(0) += 1;
    }
    Ok(lengths)
}

/// [`read_loss_periods`] of CSV text (tests).
pub fn parse_loss_periods(text: &str, path: &Path) -> Result<Lengths> {
    let bytes = text.as_bytes().to_vec();
    read_loss_periods(
        CsvFile::from_reader(path, Box::new(std::io::Cursor::new(bytes)))?,
        &BTreeSet::new(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole summary.csv: every column this version writes, in its order, each row's cells
    /// `0` (`excluded`, `complete` for the text columns) unless given.
    fn csv(rows: &[&[(&str, &str)]]) -> String {
        let header: Vec<String> = required_columns().collect();
        let mut out = header.join(",") + "\n";
        for row in rows {
            let cells: Vec<&str> = header
                .iter()
                .map(|c| match row.iter().find(|(name, _)| name == c) {
                    Some((_, v)) => *v,
                    None => match c.as_str() {
                        "rtt_lost" => "excluded",
                        "status" => "complete",
                        "scope" => "all",
                        "tmax_us" => "0",
                        c if c.ends_with("_us") => "",
                        _ => "0",
                    },
                })
                .collect();
            out += &(cells.join(",") + "\n");
        }
        out
    }

    const COUNTS: [(&str, &str); 7] = [
        ("loss_ci_low", "0.1"),
        ("loss_ci_high", "0.7"),
        ("sent", "10"),
        ("replies", "6"),
        ("timeouts", "4"),
        ("first_attempts", "10"),
        ("first_attempt_losses", "4"),
    ];

    fn two_rows() -> String {
        let client = [
            &COUNTS[..],
            &[
                ("scope", "0"),
                ("loss_ratio", "0.400000"),
                ("rtt_p99_us", ""),
            ],
        ]
        .concat();
        let all = [
            &COUNTS[..],
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
        format!(
            "{:#}",
            SummaryCsv::parse(text, Path::new("r/summary.csv"))
                .err()
                .expect("an error")
        )
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

    /// A summary.csv re-saved by a spreadsheet: BOM, CRLF, every cell quoted.
    #[test]
    fn a_resaved_file_reads_the_same() {
        let text = two_rows();
        let quoted: String = text
            .lines()
            .map(|l| {
                let cells: Vec<String> = l.split(',').map(|c| format!("\"{c}\"")).collect();
                cells.join(",") + "\r\n"
            })
            .collect();
        let csv = SummaryCsv::parse(&format!("\u{feff}{quoted}"), Path::new("s.csv")).unwrap();
        assert_eq!(csv.row("all").unwrap().count("timeouts").unwrap(), 4);
        assert_eq!(csv.columns()[0], "scope");
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
        let bad = two_rows().replace("all,10,6,4,0.400000", "all,10,six,4,0.400000");
        let e = parse_err(&bad);
        assert!(
            e.starts_with("r/summary.csv:3: column `replies`:") && e.contains("`six`"),
            "{e}"
        );
        let bad = two_rows().replace("all,10,6,4,0.400000", "all,10,6,4,0.4x");
        let e = parse_err(&bad);
        assert!(
            e.starts_with("r/summary.csv:3: column `loss_ratio`:") && e.contains("0.4x"),
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

    /// Values no run can produce are refused, naming the line, the column and the rule.
    #[test]
    fn impossible_values_are_refused() {
        let e = parse_err(
            &two_rows().replace("all,10,6,4,0.400000", "all,10,6,4,18446744073709551616"),
        );
        assert!(
            e.starts_with("r/summary.csv:3: column `loss_ratio`:"),
            "{e}"
        );
        assert!(e.contains("not a ratio in [0, 1]"), "{e}");
        // Two header names swapped: the counts no longer add up.
        let text = two_rows().replacen("sent,replies", "replies,sent", 1);
        let e = parse_err(&text);
        assert!(
            e.contains("column `sent`") || e.contains("column `loss_ratio`"),
            "{e}"
        );
        // The `all` row is not the sum of the clients'.
        let e = parse_err(&two_rows().replace("all,10,6,4,0.400000", "all,11,7,4,0.363636"));
        assert!(
            e.starts_with("r/summary.csv:3: column `sent`:") && e.contains("add up"),
            "{e}"
        );
        let e = parse_err(&two_rows().replace(",inf,", ",-1,"));
        assert!(e.contains("column `rtt_p99_us`"), "{e}");
    }

    #[test]
    fn cells_are_checked_against_their_column_type() {
        let ok = |col: &str, v: &str| {
            let row = [&COUNTS[..], &[(col, v), ("loss_ratio", "0.4")]].concat();
            SummaryCsv::parse(&csv(&[&row]), Path::new("s.csv")).is_ok()
        };
        for (col, good, bad) in [
            (
                "duplicates",
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
            ("status", &["complete", "interrupted"], &["", "done"]),
            ("scope", &["all"], &["", "everyone"]),
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
        assert!(older.lines().next().unwrap().contains(",errors,status"));
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
    fn loss_periods_count_lengths_of_known_clients() {
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
        assert!(e.contains("no column `start_seq`"), "{e}");
        let r = CsvFile::from_reader(Path::new("lp.csv"), Box::new(text.as_bytes())).unwrap();
        let e = read_loss_periods(r, &BTreeSet::from([0]))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("lp.csv:4: column `client`: client 1 has no row"),
            "{e}"
        );
    }
}
