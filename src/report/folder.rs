//! One results folder as the report reads it: `summary.json` (the scenario and its model),
//! `summary.csv` (the table) and the streamed per-packet files (see [`super::scan`]).
//!
//! Only files are read; nothing is rerun. Columns are looked up by name, so folders written
//! before or after new columns were added read the same; a file or column the report needs
//! that is missing, or a value that does not parse, is an error naming the file, the line and
//! the column. Invariant: a [`Folder`] is complete or not built at all.

use super::scan::{self, Logical, Scan};
use crate::impair::loss::LossModel;
use crate::results::read::CsvFile;
use crate::results::schema::{SummaryJson, summary_columns};
use anyhow::{Result, anyhow, bail};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What `summary.json` says about the run.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub name: String,
    pub description: Option<String>,
    pub seed: u64,
    pub scenario_file: Option<String>,
    pub mode: Option<String>,
    pub status: Option<String>,
    pub server_kind: Option<String>,
    pub expected_loss: Option<f64>,
    /// The scenario has a loss model (`impair.loss`, or a `[link]` with `loss`).
    pub has_loss_model: bool,
    /// The scenario's `[link]` in words, when it has one.
    pub link: Option<String>,
    pub loss_model: Option<LossModel>,
    /// Where impairments act: `request`, `reply` or `both`.
    pub direction: Option<String>,
    pub tc_equivalent: Option<String>,
    /// The scenario's `impair` table, compact, without unused kinds.
    pub impair: Option<String>,
    /// Some impairment (loss, delay, duplication, ...) is configured, not only a direction.
    pub impaired: bool,
    pub timeout_us: Option<u64>,
    pub duration_us: Option<u64>,
    pub clients: Option<u64>,
    pub requests: Option<u64>,
    pub retries: Option<u64>,
    /// How the clients paced their requests.
    pub pacing: Option<Pacing>,
    pub loss_variance_factor: Option<f64>,
    pub expected_mean_loss_period: Option<f64>,
    pub rtt_percentiles: Option<String>,
    pub backoff: Option<String>,
    pub version: Option<String>,
}

impl Meta {
    /// The mean loss period the model predicts: `expected_mean_loss_period` when the run wrote
    /// it, else from the model itself — 1/(1-p) for Bernoulli loss of round-trip probability p
    /// (each packet independent), the model's closed form for the others when impairments act
    /// in one direction only.
    pub fn predicted_mean_period(&self) -> Option<f64> {
        if let Some(m) = self.expected_mean_loss_period {
            return Some(m);
        }
        match (self.loss_model?, self.expected_loss) {
            (LossModel::Bernoulli { .. }, Some(p)) if p > 0.0 && p < 1.0 => Some(1.0 / (1.0 - p)),
            (LossModel::Bernoulli { .. }, _) => None,
            (m, _) if self.direction.as_deref() != Some("both") => {
                m.mean_burst_length().filter(|l| l.is_finite())
            }
            _ => None,
        }
    }

    /// Loss periods under the model are geometric (so the geometric curve with the model's
    /// mean is its prediction, not only a reference): Bernoulli loss (each period ends with
    /// probability 1-p at every packet), and simple Gilbert in one direction (1-h = 1, 1-k =
    /// 0: a period is the stay in the bad state, which ends with probability r at every
    /// packet). Not for gemodel with 1-h < 1 (a delivered packet inside a bad stay splits it)
    /// or 1-k > 0, the 4-state model, a fixed pattern, or two directions' chains interleaving.
    pub fn geometric_periods(&self) -> bool {
        match self.loss_model {
            Some(LossModel::Bernoulli { .. }) => true,
            Some(LossModel::GilbertElliott {
                one_minus_h,
                one_minus_k,
                ..
            }) => {
                one_minus_h == 1.0
                    && one_minus_k == 0.0
                    && self.direction.as_deref() != Some("both")
            }
            _ => false,
        }
    }

    /// Which kind of loss model, for a caption: each catalog says it in words (the caption's
    /// message selects on this value).
    pub fn model_kind(&self) -> &'static str {
        match self.loss_model {
            Some(LossModel::Bernoulli { .. }) => "bernoulli",
            Some(LossModel::GilbertElliott { .. }) if self.direction.as_deref() == Some("both") => {
                "gilbert-both"
            }
            Some(LossModel::GilbertElliott { .. }) => "gilbert-general",
            Some(LossModel::FourState { .. }) => "four-state",
            Some(LossModel::Pattern { .. }) => "pattern",
            None => "other",
        }
    }

    /// Variance inflation of a loss count under the model (1 for independent losses).
    /// The variance inflation of the loss count, for the report's 95% band; `None` for a
    /// `pattern`, which is fixed, not random: there is no band to draw (issue 15).
    pub fn variance_factor(&self) -> Option<f64> {
        if matches!(self.loss_model, Some(LossModel::Pattern { .. })) {
            return None;
        }
        self.loss_variance_factor.or(match self.loss_model {
            Some(LossModel::Bernoulli { .. }) => Some(1.0),
            _ => None,
        })
    }

    /// The loss model is a fixed `pattern`.
    pub fn is_pattern(&self) -> bool {
        matches!(self.loss_model, Some(LossModel::Pattern { .. }))
    }

    pub fn is_tcp(&self) -> bool {
        matches!(self.server_kind.as_deref(), Some("tcp-echo" | "http"))
    }
}

/// The clients' pacing as `summary.json` gives it (the report says it in words).
#[derive(Clone, Debug, PartialEq)]
pub enum Pacing {
    /// Open loop: one request per client every this long (as written, e.g. `20ms`).
    Interval(String),
    /// Open loop: this many requests per second from all clients together.
    Rate(f64),
    /// Closed loop: this many requests outstanding per client.
    Concurrency(u64),
}

/// `summary.csv`: one row per client and `all`, every column kept by name.
#[derive(Clone, Debug, Default)]
pub struct SummaryTable {
    pub header: Vec<String>,
    /// Cells as text, aligned with `header`.
    pub rows: Vec<Vec<String>>,
}

impl SummaryTable {
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The `all` row (the last one when there is none by that name).
    pub fn all(&self) -> &[String] {
        let scope = self.col("scope").unwrap_or(0);
        self.rows
            .iter()
            .find(|r| r[scope] == "all")
            .or(self.rows.last())
            .map_or(&[][..], |r| &r[..])
    }

    /// A numeric cell of `row` (already checked when read); `None` when empty or absent.
    pub fn num(&self, row: &[String], name: &str) -> Option<f64> {
        let t = row.get(self.col(name)?)?;
        match t.as_str() {
            "" => None,
            "inf" => Some(f64::INFINITY),
            t => t.parse().ok(),
        }
    }

    pub fn text<'a>(&self, row: &'a [String], name: &str) -> Option<&'a str> {
        row.get(self.col(name)?).map(String::as_str)
    }

    /// The client ids with a row of their own (every `scope` but `all`); `None` when the
    /// table has only the `all` row, so it cannot say which ids belong to the run.
    pub fn client_ids(&self) -> Option<BTreeSet<u32>> {
        let scope = self.col("scope")?;
        let ids: BTreeSet<u32> = self
            .rows
            .iter()
            .filter_map(|r| r[scope].parse().ok())
            .collect();
        (!ids.is_empty()).then_some(ids)
    }
}

/// A results folder, read.
pub struct Folder {
    pub dir: PathBuf,
    pub meta: Meta,
    pub summary: SummaryTable,
    /// The pass over `requests.csv`; empty (no rows) when the run kept none, with the loss
    /// periods of `loss_periods.csv` when there is one.
    pub scan: Scan,
    /// `requests.csv` was written and read. A summary-only run (`[output] requests_csv =
    /// false`) has no per-packet rows: no RTTs, no timeline, only the summaries.
    pub has_rows: bool,
    /// Where the loss periods came from: `loss_periods.csv` or `requests.csv`.
    pub periods_from_file: bool,
    /// Logical requests, when there were retries (from `logical.csv` or reconstructed).
    pub logical: Option<Logical>,
    pub logical_from_file: bool,
}

impl Folder {
    pub fn read(dir: &Path) -> Result<Folder> {
        if !dir.is_dir() {
            bail!(crate::tr!(
                "report-err-not-a-folder",
                dir = dir.display().to_string()
            ));
        }
        // Under the folder's shared lock: a run moving its files in meanwhile is never seen
        // half-way.
        let _lock = crate::results::folder::ReadLock::take(dir);
        let json_path = dir.join("summary.json");
        let (meta, files) = read_meta(&json_path)?;
        let summary = read_summary(&dir.join("summary.csv"))?;

        // A file summary.json names must be there; one it lists as null was not written and
        // is never read, even if a file of that name lies in the folder (it belongs to another
        // run); one it does not list at all (older folders) is used if present.
        let listed = |key: &str, name: &str| -> Option<PathBuf> {
            match files.get(key) {
                Some(Some(file)) => Some(dir.join(file)),
                Some(None) => None,
                None => Some(dir.join(name)).filter(|p| p.exists()),
            }
        };
        let periods_path = listed("loss_periods", "loss_periods.csv");
        let logical_path = listed("logical", "logical.csv");
        // Every folder written before `files` could hold null has requests.csv.
        let requests_path = match files.get("requests") {
            Some(Some(file)) => Some(dir.join(file)),
            Some(None) => None,
            None => Some(dir.join("requests.csv")),
        };

        let clients = summary.client_ids();
        let mut scan = match &requests_path {
            Some(p) => scan::scan_requests(p, periods_path.is_none(), clients.as_ref())?,
            None => Scan::empty(),
        };
        if let Some(p) = &periods_path {
            scan.periods = scan::read_loss_periods(p, clients.as_ref())?;
        }
        let logical = match &logical_path {
            Some(p) => Some(scan::read_logical(p, clients.as_ref())?),
            None if scan.max_attempt() > 0 => Some(scan::logical_from_attempts(&scan)),
            None => None,
        };

        // The table and the rows must describe the same packets: a cut-off requests.csv would
        // otherwise draw plausible but wrong plots.
        let all = summary.all();
        if let Some(requests_path) = &requests_path
            && let Some(sent) = summary.num(all, "sent")
            && sent != scan.rows as f64
        {
            bail!(crate::tr!(
                "report-err-rows-mismatch",
                file = requests_path.display().to_string(),
                rows = scan.rows.to_string(),
                summary = dir.join("summary.csv").display().to_string(),
                sent = sent.to_string()
            ));
        }
        Ok(Folder {
            dir: dir.to_path_buf(),
            meta,
            summary,
            scan,
            has_rows: requests_path.is_some(),
            periods_from_file: periods_path.is_some(),
            logical_from_file: logical_path.is_some(),
            logical,
        })
    }
}

/// `summary.csv`, read and checked. A table with every column this version writes is read as
/// `losslab check` reads it (every row typed and its rules held, the `all` row the sum of the
/// clients'); an older or hand-made table with fewer columns is read by name, every number
/// checked, and the rules its columns allow held (ratios in [0, 1], counts that add up).
fn read_summary(path: &Path) -> Result<SummaryTable> {
    let mut r = CsvFile::open(path)?;
    let header = r.header().to_vec();
    let full = summary_columns().iter().all(|c| header.contains(c));
    if full {
        drop(r);
        let csv = crate::results::summary::SummaryCsv::load(path)?;
        let rows = csv.cells();
        if rows.is_empty() {
            bail!("{}: no rows after the header", path.display());
        }
        return Ok(SummaryTable { header, rows });
    }
    for c in ["scope", "sent", "replies", "timeouts", "loss_ratio"] {
        r.column(c)?;
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let mut rows = Vec::new();
    while r.next_row()? {
        let mut row = Vec::with_capacity(header.len());
        for (i, name) in header.iter().enumerate() {
            if !TEXT_COLUMNS.contains(&name.as_str()) {
                r.opt_f64(i)?; // checked here so that rendering never meets a bad number
            }
            row.push(r.text(i).to_string());
        }
        for name in RATIOS {
            if let Some(i) = col(name)
                && let Some(v) = r.opt_f64(i)?
                && !(0.0..=1.0 + 1e-6).contains(&v)
            {
                return Err(r.error(i, &format!("{v} is not a ratio in [0, 1]")));
            }
        }
        let count = |name: &str| -> Result<u64> {
            match col(name) {
                Some(i) => Ok(r.opt_u64(i)?.unwrap_or(0)),
                None => Ok(0),
            }
        };
        let settled = count("replies")? as u128
            + count("timeouts")? as u128
            + count("interrupted")? as u128
            + count("errors")? as u128;
        if let Some(i) = col("sent")
            && u128::from(count("sent")?) != settled
        {
            return Err(r.error(
                i,
                &format!(
                    "{} sent, but replies + timeouts + interrupted + errors = {settled}",
                    count("sent")?
                ),
            ));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        bail!("{}: no rows after the header", path.display());
    }
    Ok(SummaryTable { header, rows })
}

/// Columns of `summary.csv` that hold words, not numbers.
const TEXT_COLUMNS: [&str; 3] = ["scope", "status", "rtt_lost"];
/// Columns of `summary.csv` that hold ratios.
const RATIOS: [&str; 5] = [
    "loss_ratio",
    "loss_ci_low",
    "loss_ci_high",
    "success_ratio",
    "goodput_ratio",
];

/// `summary.json`'s `files`: key → file name, or `None` for a file the run chose not to write.
type Files = BTreeMap<String, Option<String>>;

fn read_meta(path: &Path) -> Result<(Meta, Files)> {
    let v: Value = crate::results::read::summary_json_value(path)?;
    let typed: SummaryJson =
        serde_json::from_value(v.clone()).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    if let Err((field, rule)) = typed.check() {
        bail!("{}: field `{field}`: {rule}", path.display());
    }
    let field = |ptr: &str| -> Option<&Value> { v.pointer(ptr).filter(|x| !x.is_null()) };
    let need = |ptr: &str| -> Result<&Value> {
        field(ptr).ok_or_else(|| {
            anyhow!(
                "{}: no field `{}`",
                path.display(),
                ptr.trim_start_matches('/').replace('/', ".")
            )
        })
    };
    let wrong = |ptr: &str, what: &str| {
        anyhow!(
            "{}: field `{}` is not {what}",
            path.display(),
            ptr.trim_start_matches('/').replace('/', ".")
        )
    };
    let opt_str = |ptr: &str| -> Result<Option<String>> {
        field(ptr)
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| wrong(ptr, "text"))
            })
            .transpose()
    };
    let opt_u64 = |ptr: &str| -> Result<Option<u64>> {
        field(ptr)
            .map(|x| x.as_u64().ok_or_else(|| wrong(ptr, "a whole number")))
            .transpose()
    };
    let opt_f64 = |ptr: &str| -> Result<Option<f64>> {
        field(ptr)
            .map(|x| x.as_f64().ok_or_else(|| wrong(ptr, "a number")))
            .transpose()
    };

    let name = need("/scenario/name")?
        .as_str()
        .ok_or_else(|| wrong("/scenario/name", "text"))?
        .to_string();
    let seed = need("/seed")?
        .as_u64()
        .ok_or_else(|| wrong("/seed", "a whole number"))?;
    let impair = field("/scenario/impair");
    let loss = impair.and_then(|i| i.get("loss")).filter(|l| !l.is_null());
    let loss_model = typed.scenario.impair.as_ref().and_then(|i| i.loss);
    // A `[link]` with a loss model (its config is written under `link`).
    let link_loss = typed.link_description.is_some()
        && typed
            .link
            .as_ref()
            .and_then(|l| l.pointer("/impair/loss"))
            .is_some_and(|l| !l.is_null());
    let impair_text = impair.and_then(|i| i.as_object()).map(|o| {
        let kept: serde_json::Map<String, Value> = o
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::Object(kept).to_string()
    });
    let impaired = impair
        .and_then(Value::as_object)
        .is_some_and(|o| o.iter().any(|(k, v)| k != "direction" && !v.is_null()));
    let clients = field("/scenario/clients");
    let pacing = clients.and_then(|c| {
        if let Some(i) = c.get("interval").and_then(Value::as_str) {
            Some(Pacing::Interval(i.to_string()))
        } else if let Some(r) = c.get("rate").and_then(Value::as_f64) {
            Some(Pacing::Rate(r))
        } else {
            c.get("concurrency")
                .and_then(Value::as_u64)
                .map(Pacing::Concurrency)
        }
    });
    let meta = Meta {
        name,
        seed,
        description: opt_str("/scenario/description")?,
        scenario_file: opt_str("/scenario_file")?,
        mode: opt_str("/mode")?,
        status: opt_str("/status")?,
        server_kind: opt_str("/scenario/server/kind")?.or(opt_str("/server/kind")?),
        expected_loss: opt_f64("/expected_loss")?,
        has_loss_model: loss.is_some() || link_loss,
        link: typed.link_description.clone(),
        loss_model,
        direction: opt_str("/scenario/impair/direction")?,
        tc_equivalent: opt_str("/tc_equivalent")?,
        impair: impair_text,
        impaired,
        timeout_us: opt_u64("/timeout_us")?,
        duration_us: opt_u64("/duration_us")?,
        clients: opt_u64("/scenario/clients/count")?,
        requests: opt_u64("/scenario/clients/requests")?,
        retries: opt_u64("/scenario/clients/retries")?,
        pacing,
        loss_variance_factor: opt_f64("/loss_variance_factor")?,
        expected_mean_loss_period: opt_f64("/expected_mean_loss_period")?,
        rtt_percentiles: opt_str("/rtt_percentiles")?,
        backoff: opt_str("/backoff")?,
        version: opt_str("/losslab_version")?,
    };
    let mut files = Files::new();
    if let Some(obj) = field("/files").and_then(Value::as_object) {
        for (k, f) in obj {
            if f.is_null() {
                files.insert(k.clone(), None); // not written by this run
                continue;
            }
            let f = f
                .as_str()
                .ok_or_else(|| wrong(&format!("/files/{k}"), "a file name or null"))?;
            if f.is_empty() || f.contains('/') || f.contains('\\') || f == "." || f == ".." {
                return Err(wrong(&format!("/files/{k}"), "a file name in the folder"));
            }
            files.insert(k.clone(), Some(f.to_string()));
        }
    }
    Ok((meta, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicted_mean_period_from_each_source() {
        let mut m = Meta {
            loss_model: Some(LossModel::Bernoulli { p: 0.5 }),
            expected_loss: Some(0.5),
            ..Meta::default()
        };
        assert_eq!(m.predicted_mean_period(), Some(2.0));
        m.loss_model = LossModel::bursty(0.09, 3.0).ok();
        m.direction = Some("request".into());
        let l = m.predicted_mean_period().unwrap();
        assert!((l - 3.0).abs() < 1e-9, "{l}");
        m.direction = Some("both".into());
        assert_eq!(m.predicted_mean_period(), None);
        m.expected_mean_loss_period = Some(4.5);
        assert_eq!(m.predicted_mean_period(), Some(4.5));
    }

    #[test]
    fn geometric_periods_only_where_the_model_gives_them() {
        let model = |spec: &str, dir: &str| Meta {
            loss_model: Some(crate::impair::spec::parse_loss(spec).unwrap()),
            direction: Some(dir.into()),
            ..Meta::default()
        };
        assert!(model("random 20%", "both").geometric_periods());
        assert!(model("gemodel 1% 30% 100% 0%", "request").geometric_periods());
        assert!(!model("gemodel 1% 30% 100% 0%", "both").geometric_periods());
        assert!(!model("gemodel 1% 30% 90% 0%", "request").geometric_periods());
        assert!(!model("gemodel 1% 30% 100% 5%", "request").geometric_periods());
        assert!(!model("state 1% 30% 50% 10% 2%", "request").geometric_periods());
        assert!(!model("pattern 1101", "request").geometric_periods());
        assert!(!Meta::default().geometric_periods());
    }

    #[test]
    fn loss_models_read_back_from_their_json() {
        for spec in [
            "random 20%",
            "gemodel 1% 30% 90% 5%",
            "state 1% 30% 50% 10% 2%",
            "pattern 1101",
        ] {
            let model = crate::impair::spec::parse_loss(spec).unwrap();
            let json = serde_json::to_value(model).unwrap();
            let back: LossModel = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back, model, "{spec}: {json}");
        }
    }
}
