//! `losslab report DIR` on a sweep folder: each metric against each swept parameter, one line
//! per combination of the other parameters, the mean over seeds with its 95% interval as a
//! band, as SVG figures and a `report.md` with the same numbers in tables.
//!
//! Statistics: a point's value is the mean of the metric over its seeds (the `all` row of each
//! run); the band is the Student t interval of that mean, `mean ± t(0.975, n-1)·s/√n`, which
//! assumes the seeds' values are independent draws (they are: one seed, one run) and that their
//! mean is roughly normal (fair for a few seeds of a ratio away from 0 and 1, rough near them).
//! With one seed there is no band. An RTT cell that is `inf` (RFC 2681: lost counted as
//! infinite) or empty is left out of the mean, and the table says how many seeds it used.
//!
//! Invariant: the report is a pure function of `sweep.csv` (read through
//! [`crate::results::read`]); the same file gives the same bytes, and files are written only
//! through [`crate::results::folder`]'s staging.

use super::SWEEP_CSV;
use crate::report::plot::{self, Legend, PALETTE, Swatch, fmt_num, fmt_us};
use crate::results::folder::Staging;
use crate::results::read::CsvFile;
use crate::tr;
use anyhow::{Result, bail};
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// True for a sweep folder: it has a `sweep.csv` and is not itself a run.
pub fn is_sweep_folder(dir: &Path) -> bool {
    dir.join(SWEEP_CSV).is_file() && !dir.join(crate::results::SUMMARY_JSON).exists()
}

/// The metrics drawn: column, whether it is a ratio (else microseconds); [`title`] names them.
const METRICS: [(&str, bool); 5] = [
    ("loss_ratio", true),
    ("success_ratio", true),
    ("attempts_per_success", false),
    ("rtt_p50_us", false),
    ("tts_p99_us", false),
];

/// A metric's name in the report's headings, figures and tables.
fn title(metric: (&str, bool)) -> String {
    match metric.0 {
        "loss_ratio" => tr!("report-sweep-metric-loss"),
        "success_ratio" => tr!("report-sweep-metric-success"),
        "attempts_per_success" => tr!("report-sweep-metric-attempts"),
        "rtt_p50_us" => tr!("report-sweep-metric-rtt-p50"),
        "tts_p99_us" => tr!("report-sweep-metric-tts-p99"),
        other => other.to_string(),
    }
}

/// t(0.975, df) for df = 1..30 (standard tables); above 30 the value of the next tabulated df
/// below (60: 2.000, 120: 1.980, ∞: 1.960), which errs on the wide side.
fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=60 => 2.042,
        61..=120 => 2.000,
        121.. => 1.980,
    }
}

/// Mean, and the interval when there are two values or more.
fn mean_ci(v: &[f64]) -> Option<(f64, Option<(f64, f64)>)> {
    if v.is_empty() {
        return None;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return Some((mean, None));
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let half = t975(v.len() - 1) * (var / n).sqrt();
    Some((mean, Some((mean - half, mean + half))))
}

/// Sorting key that orders numbers inside text by value (`burst 2` before `burst 10`).
fn natural(s: &str) -> Vec<(String, u128)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num: Option<u128> = None;
    for c in s.chars() {
        match (c.to_digit(10), num) {
            (Some(d), Some(n)) => num = Some(n.saturating_mul(10).saturating_add(u128::from(d))),
            (Some(d), None) => num = Some(u128::from(d)),
            (None, Some(n)) => {
                out.push((std::mem::take(&mut text), n));
                num = None;
                text.push(c);
            }
            (None, None) => text.push(c),
        }
    }
    out.push((text, num.unwrap_or(0)));
    out
}

/// A run's parameter values and its metrics by column (None for an empty or `inf` cell).
type Row = (Vec<String>, BTreeMap<&'static str, Option<f64>>);
/// A point drawn: x index, mean, interval.
type Drawn = (usize, f64, Option<(f64, f64)>);

struct Table {
    params: Vec<String>,
    /// (parameter values, metric values by column; None for empty or `inf`).
    rows: Vec<Row>,
}

fn read_table(path: &Path) -> Result<Table> {
    let mut csv = CsvFile::open(path)?;
    let header = csv.header().to_vec();
    let seed = csv.column("seed")?;
    if header.first().map(String::as_str) != Some("point") || seed < 1 {
        bail!(tr!(
            "report-sweep-err-not-sweep",
            file = path.display().to_string()
        ));
    }
    let params = header[1..seed].to_vec();
    let scope = csv.column("scope")?;
    let cols: Vec<(&'static str, Option<usize>)> = METRICS
        .iter()
        .map(|m| (m.0, csv.optional_column(m.0)))
        .collect();
    let mut rows = Vec::new();
    while csv.next_row()? {
        if csv.text(scope) != "all" {
            continue;
        }
        let values = (1..seed).map(|i| csv.text(i).to_string()).collect();
        let mut metrics = BTreeMap::new();
        for (name, col) in &cols {
            let v = match col {
                Some(c) => csv.opt_f64(*c).ok().flatten().filter(|x| x.is_finite()),
                None => None,
            };
            metrics.insert(*name, v);
        }
        rows.push((values, metrics));
    }
    if rows.is_empty() {
        bail!(tr!(
            "report-sweep-err-no-all",
            file = path.display().to_string()
        ));
    }
    Ok(Table { params, rows })
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// One figure's data: per line (its label), per x value, the seeds' values.
type Lines = Vec<(String, BTreeMap<usize, Vec<f64>>)>;

fn figure(metric: (&str, bool), x_param: &str, xs: &[String], lines: &Lines) -> Result<String> {
    let stats: Vec<(String, Vec<Drawn>)> = lines
        .iter()
        .map(|(k, by_x)| {
            let pts = by_x
                .iter()
                .filter_map(|(x, v)| mean_ci(v).map(|(m, ci)| (*x, m, ci)))
                .collect();
            (k.clone(), pts)
        })
        .collect();
    let top = stats
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, m, ci)| ci.map_or(*m, |c| c.1)))
        .fold(0.0f64, f64::max);
    let ymax = if metric.1 {
        (top * 1.1).clamp(0.05, 1.02)
    } else if top > 0.0 {
        top * 1.1
    } else {
        1.0
    };
    let legend: Legend = stats
        .iter()
        .enumerate()
        .map(|(i, (l, _))| (l.clone(), Swatch::Line(PALETTE[i % PALETTE.len()])))
        .collect();
    let n = xs.len();
    plot::figure(
        &tr!(
            "report-sweep-against",
            metric = title(metric),
            param = x_param
        ),
        &legend,
        |area| {
            let mut c = plot::chart(
                area,
                plot::axis(-0.3, n as f64 - 0.7, (0..n).map(|i| i as f64).collect()),
                plot::axis(0.0, ymax, plot::linear_ticks(0.0, ymax, 6.0)),
            )?;
            let ratio = metric.1;
            plot::mesh(
                &mut c,
                x_param,
                &tr!("report-sweep-axis-mean", metric = title(metric)),
                &|x| {
                    xs.get(x.round().max(0.0) as usize)
                        .cloned()
                        .unwrap_or_default()
                },
                &|y| {
                    if ratio {
                        format!("{}%", fmt_num(y * 100.0))
                    } else if metric.0.ends_with("_us") {
                        fmt_us(*y)
                    } else {
                        fmt_num(*y)
                    }
                },
            )?;
            for (i, (_, pts)) in stats.iter().enumerate() {
                let colour = PALETTE[i % PALETTE.len()];
                let band: Vec<(f64, f64)> = pts
                    .iter()
                    .filter_map(|(x, _, ci)| ci.map(|c| (*x as f64, c.0.max(0.0))))
                    .chain(
                        pts.iter()
                            .rev()
                            .filter_map(|(x, _, ci)| ci.map(|c| (*x as f64, c.1))),
                    )
                    .collect();
                if band.len() >= 4 {
                    c.draw_series(std::iter::once(Polygon::new(
                        band,
                        colour.mix(0.18).filled(),
                    )))
                    .map_err(plot::draw_err)?;
                } else {
                    c.draw_series(pts.iter().filter_map(|(x, _, ci)| {
                        let (lo, hi) = (*ci)?;
                        Some(PathElement::new(
                            vec![(*x as f64, lo.max(0.0)), (*x as f64, hi)],
                            colour.stroke_width(2),
                        ))
                    }))
                    .map_err(plot::draw_err)?;
                }
                c.draw_series(LineSeries::new(
                    pts.iter().map(|(x, m, _)| (*x as f64, *m)),
                    colour.stroke_width(3),
                ))
                .map_err(plot::draw_err)?;
                c.draw_series(
                    pts.iter()
                        .map(|(x, m, _)| Circle::new((*x as f64, *m), 4, colour.filled())),
                )
                .map_err(plot::draw_err)?;
            }
            Ok(())
        },
    )
}

fn show(v: f64, metric: (&str, bool)) -> String {
    if metric.1 {
        format!("{}%", fmt_num(v * 100.0))
    } else if metric.0.ends_with("_us") {
        fmt_us(v)
    } else {
        fmt_num(v)
    }
}

/// Writes `out` (default `DIR/report`): one SVG per (metric, swept parameter) and report.md.
pub fn write(dir: &Path, out: Option<PathBuf>) -> Result<(PathBuf, usize)> {
    let table = read_table(&dir.join(SWEEP_CSV))?;
    let out = out.unwrap_or_else(|| dir.join(crate::results::REPORT_DIR));
    let mut md = format!(
        "# {}\n\n{}\n\n",
        tr!("report-sweep-title", dir = dir.display().to_string()),
        tr!("report-sweep-intro", runs = table.rows.len())
    );
    let mut values: Vec<Vec<String>> = vec![Vec::new(); table.params.len()];
    for (vals, _) in &table.rows {
        for (i, v) in vals.iter().enumerate() {
            if !values[i].contains(v) {
                values[i].push(v.clone());
            }
        }
    }
    for v in &mut values {
        v.sort_by_key(|s| natural(s));
    }
    md += &format!(
        "| {} | {} |\n|---|---|\n",
        tr!("report-sweep-col-parameter"),
        tr!("report-sweep-col-values")
    );
    for (p, v) in table.params.iter().zip(&values) {
        md += &format!(
            "| `{p}` | {} |\n",
            v.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    md += "\n";
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let x_params: Vec<usize> = if table.params.is_empty() {
        Vec::new()
    } else {
        (0..table.params.len()).collect()
    };
    for metric in METRICS {
        if table.rows.iter().all(|(_, m)| m[metric.0].is_none()) {
            continue;
        }
        md += &format!("## {}\n\n", title(metric));
        for &xp in &x_params {
            let other: Vec<String> = table
                .params
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != xp)
                .map(|(_, p)| p.clone())
                .collect();
            // Lines keyed by the other parameters' value indices: natural order.
            let mut by_key: BTreeMap<Vec<usize>, BTreeMap<usize, Vec<f64>>> = BTreeMap::new();
            for (vals, m) in &table.rows {
                let x = values[xp]
                    .iter()
                    .position(|v| *v == vals[xp])
                    .expect("collected above");
                let key: Vec<usize> = vals
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != xp)
                    .map(|(i, v)| values[i].iter().position(|w| w == v).expect("collected"))
                    .collect();
                let entry = by_key.entry(key).or_default().entry(x).or_default();
                if let Some(v) = m[metric.0] {
                    entry.push(v);
                }
            }
            let others: Vec<usize> = (0..table.params.len()).filter(|i| *i != xp).collect();
            let mut lines: Lines = Vec::new();
            let mut legend_lines: Lines = Vec::new();
            for (key, by_x) in by_key {
                let parts: Vec<String> = key
                    .iter()
                    .zip(&others)
                    .map(|(k, p)| values[*p][*k].clone())
                    .collect();
                let legend: Vec<String> = other
                    .iter()
                    .zip(&parts)
                    .map(|(p, v)| format!("{p} = {v}"))
                    .collect();
                let legend = if legend.is_empty() {
                    tr!("report-sweep-all-points")
                } else {
                    legend.join(", ")
                };
                legend_lines.push((legend, by_x.clone()));
                lines.push((parts.join(", "), by_x));
            }
            let name = format!("{}-vs-{}.svg", slug(metric.0), slug(&table.params[xp]));
            let svg = figure(metric, &table.params[xp], &values[xp], &legend_lines)?;
            files.push((name.clone(), svg.into_bytes()));
            md += &format!(
                "![{}]({name})\n\n",
                tr!(
                    "report-sweep-against",
                    metric = title(metric),
                    param = table.params[xp].as_str()
                )
            );
            md += &format!(
                "| {} |",
                if other.is_empty() {
                    tr!("report-sweep-col-line")
                } else {
                    other.join(", ")
                }
            );
            for x in &values[xp] {
                md += &format!(" `{}` = {x} |", table.params[xp]);
            }
            md += "\n|---|";
            md += &"---|".repeat(values[xp].len());
            md += "\n";
            for (key, by_x) in &lines {
                let key = if key.is_empty() {
                    tr!("report-sweep-all")
                } else {
                    key.clone()
                };
                md += &format!("| {key} |");
                for x in 0..values[xp].len() {
                    let cell = match by_x.get(&x).and_then(|v| mean_ci(v).map(|s| (s, v.len()))) {
                        None => "–".to_string(),
                        Some(((m, None), n)) => format!("{} (n={n})", show(m, metric)),
                        Some(((m, Some((lo, hi))), n)) => format!(
                            "{} [{}, {}] (n={n})",
                            show(m, metric),
                            show(lo, metric),
                            show(hi, metric)
                        ),
                    };
                    md += &format!(" {cell} |");
                }
                md += "\n";
            }
            md += "\n";
        }
    }
    if x_params.is_empty() {
        md += &format!("{}\n", tr!("report-sweep-no-params"));
    }
    md += &format!("\n---\n{}\n", tr!("report-sweep-written-by"));
    let mut stage = Staging::begin(&out, crate::results::legacy_report_folder)?;
    for (name, bytes) in &files {
        stage.bytes(name, bytes)?;
    }
    stage.bytes(crate::results::REPORT_MD, md.as_bytes())?;
    stage.commit()?;
    Ok((out, files.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_and_order() {
        let (m, ci) = mean_ci(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(m, 2.0);
        let (lo, hi) = ci.unwrap();
        // s = 1, n = 3: half width t(0.975, 2)/√3 = 4.303/1.732.
        assert!((hi - 2.0 - 4.303 / 3f64.sqrt()).abs() < 1e-9, "{lo} {hi}");
        assert_eq!(mean_ci(&[5.0]).unwrap(), (5.0, None));
        let mut v = vec!["burst 10", "burst 2", "burst 5"];
        v.sort_by_key(|s| natural(s));
        assert_eq!(v, ["burst 2", "burst 5", "burst 10"]);
    }
}
