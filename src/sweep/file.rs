//! The sweep file: a base scenario, a grid over any of its fields, and seeds; and the runs it
//! stands for. A run is a pure function of (scenario text, parameters, seed), so the list of
//! runs is all a scheduler needs.
//!
//! ```toml
//! scenario = "retry-backoff.toml"     # relative to this file
//! seeds = "1..30"                     # inclusive, or a list: [1, 2, 3]
//! [grid]
//! "impair.loss" = ["bursty 10% burst 2", "bursty 10% burst 5"]
//! "clients.backoff" = ["none", "exponential 50ms x2 max 1s"]
//! ```
//!
//! Ids: a point's id is a readable slug of its parameters and 8 hex digits of a hash of them
//! (FNV-1a, 64 bits, written out below so it never changes with a library's version); the
//! sweep's id is the hash of the base scenario's text and the whole grid. Invariant: the same
//! parameters give the same point id on every machine and every version, so a rerun lands in
//! the same folders; points are enumerated in one fixed order (fields sorted by name, the last
//! one varying fastest; values in the file's order).

use super::set::{self, Set};
use crate::scenario::Scenario;
use crate::tr;
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The most runs one sweep file may stand for.
pub const MAX_RUNS: usize = 1_000_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    scenario: Spanned<String>,
    seeds: Spanned<toml::Value>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    grid: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// One point of the grid: the parameters and the scenario they make.
#[derive(Clone, Debug)]
pub struct Point {
    pub id: String,
    /// The `--set`s that make this point from the base scenario (fields in sorted order).
    pub sets: Vec<Set>,
    /// Each field and its value's text, as `summary.json` records them.
    pub parameters: BTreeMap<String, String>,
    /// The base scenario with this point's parameters (its seed is replaced per run).
    pub scenario: Scenario,
}

/// A parsed, validated sweep file.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub file: PathBuf,
    /// The base scenario's path as the runs name it (the sweep file's folder joined to it).
    pub scenario_path: PathBuf,
    pub id: String,
    pub seeds: Vec<u64>,
    pub fields: Vec<String>,
    pub points: Vec<Point>,
}

/// One run: a point and a seed. `index` is its place in the sweep's fixed order.
#[derive(Clone, Copy, Debug)]
pub struct Run<'a> {
    pub index: usize,
    pub point: &'a Point,
    pub seed: u64,
}

impl Sweep {
    /// Every run, points in order and seeds within them.
    pub fn runs(&self) -> Vec<Run<'_>> {
        let mut out = Vec::with_capacity(self.points.len() * self.seeds.len());
        for point in &self.points {
            for &seed in &self.seeds {
                out.push(Run {
                    index: out.len(),
                    point,
                    seed,
                });
            }
        }
        out
    }
}

/// FNV-1a, 64 bits (Fowler, Noll, Vo): offset basis 0xcbf29ce484222325, prime 0x100000001b3.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `text` in lower-case letters, digits and single dashes.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if c == '.' && out.chars().last().is_some_and(|l| l.is_ascii_digit()) {
            out.push('.');
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches(['-', '.']).to_string()
}

/// The point id of `parameters`: `<slug>-<8 hex>`, e.g. `loss-bursty-10-burst-2_backoff-none-…`.
pub fn point_id(parameters: &BTreeMap<String, String>) -> String {
    let mut canonical = String::new();
    let mut parts = Vec::new();
    for (field, value) in parameters {
        canonical.push_str(field);
        canonical.push('=');
        canonical.push_str(value);
        canonical.push('\n');
        let short = field.rsplit('.').next().unwrap_or(field);
        parts.push(format!("{}-{}", slug(short), slug(value)));
    }
    let mut name = parts.join("_");
    if name.is_empty() {
        name = "base".into();
    }
    if name.len() > 60 {
        let mut cut = 60;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
        name = name.trim_end_matches(['-', '_', '.']).to_string();
    }
    format!("{name}-{:08x}", fnv1a(canonical.as_bytes()) >> 32)
}

/// A value's text as `summary.json` and `sweep.csv` record it.
pub fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct Locator<'a> {
    text: &'a str,
    file: String,
}

impl Locator<'_> {
    fn error(
        &self,
        span: Range<usize>,
        field: &str,
        message: impl std::fmt::Display,
    ) -> anyhow::Error {
        let start = span.start.min(self.text.len());
        let before = &self.text[..start];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        let source = self.text.lines().nth(line - 1).unwrap_or("");
        let field = if field.is_empty() {
            String::new()
        } else {
            format!("{}: ", tr!("sweep-field", field = field))
        };
        anyhow!(
            "{}:{line}:{col}: {field}{message}\n  {line} | {source}",
            self.file
        )
    }
}

fn seeds(v: &Spanned<toml::Value>, at: &Locator) -> Result<Vec<u64>> {
    let bad = |m: &str| at.error(v.span(), "seeds", m);
    let seeds: Vec<u64> = match v.get_ref() {
        toml::Value::String(s) => {
            let (a, b) = s
                .split_once("..")
                .ok_or_else(|| bad(&tr!("sweep-seeds-range")))?;
            let b = b.strip_prefix('=').unwrap_or(b);
            let (a, b) = match (a.trim().parse::<u64>(), b.trim().parse::<u64>()) {
                (Ok(a), Ok(b)) if a <= b => (a, b),
                _ => {
                    return Err(bad(&tr!("sweep-seeds-bad-range", text = s.as_str())));
                }
            };
            if b - a >= MAX_RUNS as u64 {
                return Err(bad(&tr!(
                    "sweep-seeds-too-many",
                    n = b - a + 1,
                    max = MAX_RUNS
                )));
            }
            (a..=b).collect()
        }
        toml::Value::Array(list) => list
            .iter()
            .map(|x| match x {
                toml::Value::Integer(i) if *i >= 0 => Ok(*i as u64),
                other => Err(bad(&tr!("sweep-seed-bad", value = other.to_string()))),
            })
            .collect::<Result<_>>()?,
        other => {
            return Err(bad(&tr!("sweep-seeds-neither", value = other.to_string())));
        }
    };
    if seeds.is_empty() {
        return Err(bad(&tr!("sweep-seeds-none")));
    }
    let mut sorted = seeds.clone();
    sorted.sort_unstable();
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(bad(&tr!("sweep-seed-twice", seed = w[0])));
    }
    Ok(seeds)
}

/// Flattens `[grid]`: `"impair.loss" = [...]` and `impair.loss = [...]` (a nested table) alike.
fn flatten(
    prefix: &str,
    v: &toml::Value,
    span: &Range<usize>,
    out: &mut Vec<(String, Range<usize>, Vec<toml::Value>)>,
    at: &Locator,
) -> Result<()> {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                flatten(&format!("{prefix}.{k}"), v, span, out, at)?;
            }
            Ok(())
        }
        toml::Value::Array(values) => {
            if values.is_empty() {
                return Err(at.error(
                    span.clone(),
                    &format!("grid.{prefix}"),
                    tr!("sweep-grid-empty"),
                ));
            }
            for x in values {
                if matches!(
                    x,
                    toml::Value::Array(_) | toml::Value::Table(_) | toml::Value::Datetime(_)
                ) {
                    return Err(at.error(
                        span.clone(),
                        &format!("grid.{prefix}"),
                        tr!("sweep-grid-value", value = x.to_string()),
                    ));
                }
            }
            for (i, x) in values.iter().enumerate() {
                if values[..i].contains(x) {
                    return Err(at.error(
                        span.clone(),
                        &format!("grid.{prefix}"),
                        tr!("sweep-grid-twice", value = x.to_string()),
                    ));
                }
            }
            if !set::valid_field(prefix) {
                return Err(at.error(
                    span.clone(),
                    &format!("grid.{prefix}"),
                    tr!("sweep-grid-field"),
                ));
            }
            out.push((prefix.to_string(), span.clone(), values.clone()));
            Ok(())
        }
        other => Err(at.error(
            span.clone(),
            &format!("grid.{prefix}"),
            tr!("sweep-grid-list", value = other.to_string(), field = prefix),
        )),
    }
}

/// Reads and validates a sweep file: every point's scenario is parsed and validated here,
/// before anything runs.
pub fn load(path: &Path) -> Result<Sweep> {
    let text = std::fs::read_to_string(path)
        .with_context(|| tr!("sweep-read", path = path.display().to_string()))?;
    parse(&text, path)
}

/// [`load`] for text already read; `path` names the file and anchors the scenario path.
pub fn parse(text: &str, path: &Path) -> Result<Sweep> {
    let at = Locator {
        text,
        file: path.display().to_string(),
    };
    let raw: RawSweep = toml::from_str(text).map_err(|e| {
        let message = crate::scenario::toml_message(e.message().trim_end());
        at.error(e.span().unwrap_or(0..0), "", message)
    })?;
    let scenario_path = path
        .parent()
        .unwrap_or(Path::new(""))
        .join(raw.scenario.get_ref());
    let scenario_text = std::fs::read_to_string(&scenario_path).map_err(|e| {
        at.error(
            raw.scenario.span(),
            "scenario",
            tr!(
                "sweep-read-scenario",
                path = scenario_path.display().to_string(),
                error = e.to_string()
            ),
        )
    })?;
    let seeds = seeds(&raw.seeds, &at)?;
    let mut grid = Vec::new();
    for (key, value) in &raw.grid {
        flatten(key.get_ref(), value.get_ref(), &key.span(), &mut grid, &at)?;
    }
    grid.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = grid.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(at.error(
            w[1].1.clone(),
            &format!("grid.{}", w[1].0),
            tr!("sweep-grid-field-twice"),
        ));
    }
    let count = grid
        .iter()
        .try_fold(1usize, |n, g| n.checked_mul(g.2.len()));
    match count.and_then(|n| n.checked_mul(seeds.len())) {
        Some(n) if n <= MAX_RUNS => {}
        _ => bail!(tr!(
            "sweep-too-many",
            path = path.display().to_string(),
            max = MAX_RUNS
        )),
    }
    let scenario_name = scenario_path.display().to_string();
    let mut canonical = format!("{}\0", scenario_text);
    for (field, _, values) in &grid {
        canonical.push_str(field);
        for v in values {
            canonical.push('\0');
            canonical.push_str(&v.to_string());
        }
        canonical.push('\n');
    }
    let id = format!("{:016x}", fnv1a(canonical.as_bytes()));
    // Enumerate the product, the last field fastest.
    let mut points = Vec::new();
    let mut digits = vec![0usize; grid.len()];
    loop {
        let chosen: Vec<(&str, &Range<usize>, &toml::Value)> = grid
            .iter()
            .zip(&digits)
            .map(|((f, span, vals), &i)| (f.as_str(), span, &vals[i]))
            .collect();
        let sets: Vec<Set> = chosen
            .iter()
            .map(|(f, _, v)| Set {
                field: f.to_string(),
                value: set::render_value(v),
            })
            .collect();
        let scenario =
            set::parse_with_sets(&scenario_text, &scenario_name, &sets).map_err(|e| {
                let text = e.to_string();
                let (field, span) = chosen
                    .iter()
                    .find(|(f, _, _)| text.contains(&format!("--set {f}=")))
                    .or(chosen.first())
                    .map_or(("grid".to_string(), 0..0), |c| {
                        (format!("grid.{}", c.0), c.1.clone())
                    });
                at.error(
                    span,
                    &field,
                    tr!("sweep-point-invalid", error = format!("{e:#}")),
                )
            })?;
        let parameters = set::applied_values(&scenario_text, &scenario_name, &sets)?;
        points.push(Point {
            id: point_id(&parameters),
            sets,
            parameters,
            scenario,
        });
        // Next digit combination.
        let mut k = grid.len();
        loop {
            if k == 0 {
                return Ok(Sweep {
                    file: path.to_path_buf(),
                    scenario_path,
                    id,
                    seeds,
                    fields: grid.iter().map(|g| g.0.clone()).collect(),
                    points,
                });
            }
            k -= 1;
            digits[k] += 1;
            if digits[k] < grid[k].2.len() {
                break;
            }
            digits[k] = 0;
        }
    }
}
