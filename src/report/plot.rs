//! The report's figures, drawn with `plotters` into SVG text.
//!
//! Every figure is a pure function of the data handed in: no clock, no randomness, no system
//! font (plotters' built-in text estimate lays out labels; the viewer's sans-serif draws them),
//! so the same input gives byte-identical SVG. Axes are drawn in a transformed space — log10 of
//! the value when the range is wide — with ticks chosen here on the 1-2-5 sequence, so labels are
//! round numbers in the axis's unit. Invariant: the number of points drawn is bounded by
//! constants here, never by the number of packets (a 1,000,000-row run draws as small a file
//! as a 200-row one).

use super::folder::Folder;
use super::scan::Logical;
use crate::tr;
use anyhow::{Result, anyhow};
use hdrhistogram::Histogram;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;

pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 520;
/// Ratio of largest to smallest value above which an axis goes logarithmic.
pub const LOG_RATIO: f64 = 50.0;
/// Points on a CDF curve.
const CDF_POINTS: usize = 600;
/// Bars in an RTT histogram.
const RTT_BINS: usize = 40;
/// Longest loss period drawn as its own bar; longer ones share the last bar.
const MAX_PERIOD_BAR: u64 = 30;

const FONT: &str = "sans-serif";
const TITLE: u32 = 22;
const LABEL: u32 = 15;
const DESC: u32 = 16;

/// Okabe–Ito colours: told apart by people with any common colour-vision deficiency.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];
const MAIN: RGBColor = PALETTE[0];
const ACCENT: RGBColor = PALETTE[3];
const GREY: RGBColor = RGBColor(110, 110, 110);

pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(crate) type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Axis, Axis>>;

/// A linear f64 axis with the ticks chosen here (plotters' own would pick 0.25-style steps,
/// and its custom-tick wrapper does not format f64 labels).
pub struct Axis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

pub(crate) fn axis(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
    Axis {
        inner: (lo..hi).into(),
        ticks,
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Bold grid lines at the ticks, no light ones in between.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

pub(crate) fn draw_err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!(tr!("report-err-draw", error = format!("{e:?}")))
}

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug)]
pub enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    Bar(RGBColor),
    Dot(RGBColor),
    /// A box with a white bar across (the median in a box plot).
    Median(RGBColor),
}

/// Legend entries, drawn in a strip above the chart so they never cover the data.
pub type Legend = Vec<(String, Swatch)>;

/// Estimated width of legend text: the viewer's sans-serif at `LABEL` averages under 7 px a
/// character (plotters' own estimate is a little narrower, so this leaves room).
fn text_width(s: &str) -> i32 {
    (s.chars().count() as f64 * 7.0).ceil() as i32
}

const SWATCH: i32 = 24;
const ENTRY_GAP: i32 = 26;
const LEGEND_ROW: i32 = 22;

/// Lays legend entries out in centred rows no wider than `width`: (row, x) per entry, and the
/// number of rows.
fn legend_layout(legend: &Legend, width: i32) -> (Vec<(i32, i32)>, i32) {
    let widths: Vec<i32> = legend
        .iter()
        .map(|(t, _)| SWATCH + 6 + text_width(t))
        .collect();
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = 0;
    for (i, w) in widths.iter().enumerate() {
        match rows.last_mut() {
            Some(row) if used + ENTRY_GAP + w <= width => {
                used += ENTRY_GAP + w;
                row.push(i);
            }
            _ => {
                rows.push(vec![i]);
                used = *w;
            }
        }
    }
    let mut pos = vec![(0, 0); legend.len()];
    for (r, row) in rows.iter().enumerate() {
        let total: i32 =
            row.iter().map(|&i| widths[i]).sum::<i32>() + ENTRY_GAP * (row.len() as i32 - 1);
        let mut x = (width - total) / 2;
        for &i in row {
            pos[i] = (r as i32, x);
            x += widths[i] + ENTRY_GAP;
        }
    }
    (pos, rows.len() as i32)
}

fn draw_legend(area: &Area, legend: &Legend) -> Result<()> {
    let (w, _) = area.dim_in_pixel();
    let (pos, _) = legend_layout(legend, w as i32 - 40);
    for ((text, swatch), (row, x)) in legend.iter().zip(pos) {
        let (a, b) = (x + 20, x + 20 + SWATCH);
        let y = 10 + row * LEGEND_ROW;
        let line = |from: i32, to: i32, c: RGBColor, w: u32| {
            area.draw(&PathElement::new(
                vec![(from, y), (to, y)],
                c.stroke_width(w),
            ))
        };
        let block = |c: RGBColor| {
            area.draw(&Rectangle::new(
                [(a + 4, y - 7), (b - 4, y + 7)],
                c.filled(),
            ))
        };
        match *swatch {
            Swatch::Line(c) => line(a, b, c, 3),
            Swatch::Dashed(c) => line(a, a + 9, c, 2).and_then(|_| line(a + 14, b, c, 2)),
            Swatch::Bar(c) => block(c),
            Swatch::Dot(c) => area.draw(&Circle::new((a + SWATCH / 2, y), 5, c.filled())),
            Swatch::Median(c) => block(c).and_then(|_| line(a + 4, b - 4, WHITE, 3)),
        }
        .map_err(draw_err)?;
        let style =
            TextStyle::from((FONT, LABEL).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        area.draw(&Text::new(text.clone(), (b + 6, y), style))
            .map_err(draw_err)?;
    }
    Ok(())
}

/// Draws a figure of the standard size into SVG text: the title, the legend strip, then the
/// chart that `draw` builds on the area left.
pub(crate) fn figure(
    title: &str,
    legend: &Legend,
    draw: impl FnOnce(&Area) -> Result<()>,
) -> Result<String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let body = root
            .margin(6, 0, 0, 0)
            .titled(title, (FONT, TITLE))
            .map_err(draw_err)?;
        let (_, rows) = legend_layout(legend, WIDTH as i32 - 40);
        let (strip, chart) = body.split_vertically(rows * LEGEND_ROW + 6);
        draw_legend(&strip, legend)?;
        draw(&chart)?;
        root.present().map_err(draw_err)?;
    }
    Ok(text)
}

/// A chart with the report's margins on `area`.
pub(crate) fn chart<'a, 'b>(area: &'a Area<'b>, x: Axis, y: Axis) -> Result<Chart<'a, 'b>> {
    ChartBuilder::on(area)
        .margin_left(14)
        .margin_right(24)
        .margin_top(8)
        .margin_bottom(10)
        .x_label_area_size(50)
        .y_label_area_size(72)
        .build_cartesian_2d(x, y)
        .map_err(draw_err)
}

/// An RTT CDF's chart: RTT on `scale` across, a share from 0 to 100% up, with its mesh.
fn cdf_chart<'a, 'b>(area: &'a Area<'b>, scale: &Scale, y_desc: &str) -> Result<Chart<'a, 'b>> {
    let mut c = chart(
        area,
        axis(scale.lo, scale.hi, scale.ticks()),
        axis(0.0, 1.02, fraction_ticks()),
    )?;
    mesh(
        &mut c,
        &scale.desc(&tr!("report-axis-rtt")),
        y_desc,
        &|x| scale.label(*x),
        &|y| format!("{}%", fmt_num(y * 100.0)),
    )?;
    Ok(c)
}

/// Axis titles, tick labels and a light grid at the ticks.
pub(crate) fn mesh(
    chart: &mut Chart,
    x_desc: &str,
    y_desc: &str,
    x_label: &dyn Fn(&f64) -> String,
    y_label: &dyn Fn(&f64) -> String,
) -> Result<()> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_label)
        .y_label_formatter(y_label)
        .label_style((FONT, LABEL))
        .axis_desc_style((FONT, DESC))
        .light_line_style(WHITE)
        .bold_line_style(BLACK.mix(0.08))
        .draw()
        .map_err(draw_err)
}

/// Whole-number ticks for counts.
fn count_ticks(max: f64) -> Vec<f64> {
    linear_ticks(0.0, max, 6.0)
        .into_iter()
        .filter(|y| y.fract() == 0.0)
        .collect()
}

/// A number with at most three significant digits and no trailing zeros: 0.05, 2.5, 120, 3500.
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".into()
        } else {
            "inf".into()
        };
    }
    let mag = v.abs().log10().floor() as i32;
    let decimals = (2 - mag).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Round steps of the 1-2-5 sequence near `span / target`.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = (span / target).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// Linear ticks with a round step, inside `lo..=hi`.
pub(crate) fn linear_ticks(lo: f64, hi: f64, target: f64) -> Vec<f64> {
    let step = nice_step(hi - lo, target);
    let mut out = Vec::new();
    let mut k = (lo / step).ceil();
    while k * step <= hi + step * 1e-9 {
        // Multiplying, not adding, keeps 0.1 + 0.2-style drift out of the labels.
        out.push(k * step);
        k += 1.0;
    }
    out
}

/// A value axis: linear or log10, in µs or ms.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    pub log: bool,
    /// µs per display unit (1 for µs, 1000 for ms).
    div: f64,
    pub unit: &'static str,
    /// The axis range in transformed units.
    pub lo: f64,
    pub hi: f64,
}

impl Scale {
    /// An axis for times from `min_us` to `max_us`.
    pub fn time(min_us: f64, max_us: f64) -> Scale {
        let min_us = min_us.max(1.0);
        let max_us = max_us.max(min_us + 1.0);
        let (div, unit) = if max_us >= 10_000.0 {
            (1000.0, "ms")
        } else {
            (1.0, "µs")
        };
        let log = max_us / min_us > LOG_RATIO;
        let mut s = Scale {
            log,
            div,
            unit,
            lo: 0.0,
            hi: 0.0,
        };
        if log {
            // A little room on each side so the extreme values do not sit on the frame.
            s.lo = s.fwd(min_us) - 0.05;
            s.hi = s.fwd(max_us) + 0.05;
        } else {
            let pad = (max_us - min_us) * 0.05;
            s.lo = s.fwd((min_us - pad).max(0.0));
            s.hi = s.fwd(max_us + pad);
        }
        s
    }

    /// µs → axis units.
    pub fn fwd(&self, us: f64) -> f64 {
        let v = us / self.div;
        if self.log { v.max(1e-9).log10() } else { v }
    }

    /// Axis units → display units (µs or ms).
    pub fn back(&self, x: f64) -> f64 {
        if self.log { 10f64.powf(x) } else { x }
    }

    pub fn ticks(&self) -> Vec<f64> {
        if !self.log {
            return linear_ticks(self.lo, self.hi, 8.0);
        }
        let decades = self.hi - self.lo;
        let mults: &[f64] = if decades <= 1.5 {
            &[1.0, 2.0, 3.0, 5.0]
        } else if decades <= 3.5 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let mut out = Vec::new();
        let mut e = self.lo.floor() as i32;
        while f64::from(e) <= self.hi {
            for m in mults {
                let t = (m * 10f64.powi(e)).log10();
                if t >= self.lo && t <= self.hi {
                    out.push(t);
                }
            }
            e += 1;
        }
        out
    }

    pub fn label(&self, x: f64) -> String {
        fmt_num(self.back(x))
    }

    pub fn desc(&self, what: &str) -> String {
        if self.log {
            tr!("report-axis-log", what = what, unit = self.unit)
        } else {
            format!("{what} ({})", self.unit)
        }
    }
}

/// `(value, count)` of every recorded bucket, ascending.
fn recorded(h: &Histogram<u64>) -> Vec<(f64, u64)> {
    h.iter_recorded()
        .map(|v| (v.value_iterated_to() as f64, v.count_at_value()))
        .collect()
}

/// The CDF of `h` on `CDF_POINTS` points across `scale`, as (axis x, fraction of `denominator`).
fn cdf_points(h: &Histogram<u64>, scale: &Scale, denominator: u64) -> Vec<(f64, f64)> {
    let values = recorded(h);
    let mut out = Vec::with_capacity(CDF_POINTS + 1);
    let (mut i, mut seen) = (0, 0u64);
    let d = denominator.max(1) as f64;
    for k in 0..=CDF_POINTS {
        let x = scale.lo + (scale.hi - scale.lo) * k as f64 / CDF_POINTS as f64;
        while i < values.len() && scale.fwd(values[i].0) <= x {
            seen += values[i].1;
            i += 1;
        }
        out.push((x, seen as f64 / d));
    }
    out
}

fn fraction_ticks() -> Vec<f64> {
    (0..=10).map(|i| f64::from(i) / 10.0).collect()
}

/// RTT histogram: replies (and late replies, which are losses) by RTT bin.
pub fn rtt_histogram(f: &Folder) -> Result<String> {
    let s = &f.scan;
    let timeout = f.meta.timeout_us.map(|t| t as f64);
    let mut hi = s.rtt.max() as f64;
    let mut lo = s.rtt.min() as f64;
    if !s.late.is_empty() {
        hi = hi.max(s.late.max() as f64);
        lo = lo.min(s.late.min() as f64);
        if let Some(t) = timeout {
            hi = hi.max(t);
        }
    }
    let scale = Scale::time(lo, hi);
    // Bin edges in µs. Linear axis: a round whole number of µs per bin (RTTs are whole µs: a
    // 1.2 µs bin would hold one value here and two there). Log axis: 1/D of a decade per bin,
    // edges rounded up to whole µs and merged where a bin would hold none; heights are then
    // packets per 1/D decade, so a merged, wider bin does not stand taller for its width.
    let (edges, per_decade): (Vec<f64>, Option<u32>) = if scale.log {
        let decades = (hi / lo.max(1.0)).log10();
        let d: u32 = if decades > 2.5 {
            10
        } else if decades > 1.2 {
            20
        } else {
            40
        };
        let df = f64::from(d);
        let mut k = (lo.max(1.0).log10() * df).floor() as i32;
        let mut edges = vec![10f64.powf(f64::from(k) / df).floor().max(1.0)];
        while edges[edges.len() - 1] <= hi {
            k += 1;
            let e = 10f64.powf(f64::from(k) / df).ceil();
            if e > edges[edges.len() - 1] {
                edges.push(e);
            }
        }
        (edges, Some(d))
    } else {
        let w = nice_step(hi - lo, RTT_BINS as f64).ceil().max(1.0);
        let start = (lo / w).floor() * w;
        let n = ((hi - start) / w).floor() as usize + 1;
        ((0..=n).map(|i| start + w * i as f64).collect(), None)
    };
    let n_bins = edges.len() - 1;
    let bin_of = |v: f64| {
        edges
            .partition_point(|e| *e <= v)
            .saturating_sub(1)
            .min(n_bins - 1)
    };
    let weight = |i: usize| match per_decade {
        Some(d) => 1.0 / (f64::from(d) * (edges[i + 1] / edges[i]).log10()),
        None => 1.0,
    };
    let mut replies = vec![0.0f64; n_bins];
    let mut late = vec![0.0f64; n_bins];
    for (v, c) in recorded(&s.rtt) {
        let i = bin_of(v);
        replies[i] += c as f64 * weight(i);
    }
    for (v, c) in recorded(&s.late) {
        let i = bin_of(v);
        late[i] += c as f64 * weight(i);
    }
    let top = replies
        .iter()
        .zip(&late)
        .map(|(a, b)| a + b)
        .fold(1.0, f64::max);
    let ymax = top * 1.08;
    let (x0, x1) = (
        scale.lo.min(scale.fwd(edges[0])),
        scale.hi.max(scale.fwd(edges[n_bins])),
    );
    let y_desc = match per_decade {
        Some(d) => tr!("report-axis-packets-per-decade", bins = d),
        None => tr!("report-axis-packets"),
    };
    let mut legend: Legend = vec![(tr!("report-legend-in-time"), Swatch::Bar(MAIN))];
    if !s.late.is_empty() {
        legend.push((tr!("report-legend-late"), Swatch::Bar(ACCENT)));
    }
    let t_x = timeout
        .map(|t| scale.fwd(t))
        .filter(|x| *x >= x0 && *x <= x1);
    if let (Some(t), Some(_)) = (timeout, t_x) {
        legend.push((
            tr!("report-legend-timeout", timeout = fmt_us(t)),
            Swatch::Dashed(BLACK),
        ));
    }
    let title = tr!("report-title-rtt-histogram", replies = s.replies());
    figure(&title, &legend, |area| {
        let mut c = chart(
            area,
            axis(x0, x1, scale.ticks()),
            axis(0.0, ymax, count_ticks(ymax)),
        )?;
        mesh(
            &mut c,
            &scale.desc(&tr!("report-axis-rtt")),
            &y_desc,
            &|x| scale.label(*x),
            &|y| fmt_num(*y),
        )?;
        let bar = |i: usize, y0: f64, y1: f64, color: RGBColor| {
            let (a, b) = (scale.fwd(edges[i]), scale.fwd(edges[i + 1]));
            let gap = (b - a) * 0.06;
            Rectangle::new([(a + gap, y0), (b - gap, y1)], color.filled())
        };
        c.draw_series(
            replies
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0.0)
                .map(|(i, &n)| bar(i, 0.0, n, MAIN)),
        )
        .map_err(draw_err)?;
        c.draw_series(
            late.iter()
                .enumerate()
                .filter(|(_, n)| **n > 0.0)
                .map(|(i, &n)| bar(i, replies[i], replies[i] + n, ACCENT)),
        )
        .map_err(draw_err)?;
        if let Some(x) = t_x {
            c.draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, ymax)],
                9,
                5,
                BLACK.stroke_width(2),
            ))
            .map_err(draw_err)?;
        }
        Ok(())
    })
}

/// A duration in µs as people read it: `250 ms`, `1.5 s`, `67 µs`.
pub fn fmt_us(us: f64) -> String {
    if us >= 1e6 {
        format!("{} s", fmt_num(us / 1e6))
    } else if us >= 1e3 {
        format!("{} ms", fmt_num(us / 1e3))
    } else {
        format!("{} µs", fmt_num(us))
    }
}

/// RTT CDF of the replies, with the median and 99th percentile marked.
pub fn rtt_cdf(f: &Folder) -> Result<String> {
    let h = &f.scan.rtt;
    let scale = Scale::time(h.min() as f64, h.max() as f64);
    let points = cdf_points(h, &scale, h.len());
    let p50 = super::percentile(h, 0.5).unwrap_or(0) as f64;
    let p99 = super::percentile(h, 0.99).unwrap_or(0) as f64;
    let legend: Legend = vec![
        (tr!("report-legend-all-clients"), Swatch::Line(MAIN)),
        (
            tr!("report-legend-median", value = fmt_us(p50)),
            Swatch::Dot(PALETTE[2]),
        ),
        (format!("p99 = {}", fmt_us(p99)), Swatch::Dot(ACCENT)),
    ];
    let title = tr!("report-title-rtt-cdf", replies = h.len());
    figure(&title, &legend, |area| {
        let mut c = cdf_chart(area, &scale, &tr!("report-axis-share-replies"))?;
        c.draw_series(LineSeries::new(points, MAIN.stroke_width(3)))
            .map_err(draw_err)?;
        for (q, v, color) in [(0.5, p50, PALETTE[2]), (0.99, p99, ACCENT)] {
            c.draw_series(std::iter::once(Circle::new(
                (scale.fwd(v), q),
                6,
                color.filled(),
            )))
            .map_err(draw_err)?;
        }
        Ok(())
    })
}

/// Loss ratio of first attempts in trailing windows of at least `window` of them across the
/// run, with the model's expected loss and the range a window stays in 95% of the time under
/// the model.
pub fn loss_over_time(f: &Folder, window: u64) -> Result<String> {
    let tl = &f.scan.timeline;
    let points: Vec<(f64, f64)> = tl
        .windows(window)
        .into_iter()
        .map(|(t, r)| (t as f64 / 1e6, r))
        .collect();
    let end_s = (tl.buckets.len() as f64 * tl.width_us as f64 / 1e6).max(1e-3);
    let expected = f
        .meta
        .has_loss_model
        .then_some(f.meta.expected_loss)
        .flatten();
    // Normal approximation for a window's loss ratio: p ± z·sqrt(f·p(1-p)/n), f the model's
    // variance inflation (1 for independent losses).
    let band = expected.zip(f.meta.variance_factor()).map(|(p, vf)| {
        let half = crate::metrics::stats::Z95 * (vf * p * (1.0 - p) / window as f64).sqrt();
        ((p - half).max(0.0), (p + half).min(1.0))
    });
    let top = points
        .iter()
        .map(|p| p.1)
        .chain(expected)
        .chain(band.map(|b| b.1))
        .fold(0.0f64, f64::max);
    let low = points
        .iter()
        .map(|p| p.1)
        .chain(expected)
        .chain(band.map(|b| b.0))
        .fold(f64::INFINITY, f64::min);
    // A line needs no zero baseline: when every value sits in the upper half, the axis starts
    // near the lowest one so the variation is visible (the tick labels say where it starts).
    let (ymin, ymax) = if top <= 0.0 {
        (0.0, 0.1)
    } else if low > 0.5 * top {
        let pad = ((top - low) * 0.15).max(0.005);
        let step = nice_step(top - low + 2.0 * pad, 6.0);
        (
            ((low - pad) / step).floor().max(0.0) * step,
            (top + pad).min(1.02),
        )
    } else {
        (0.0, (top * 1.1).max(top + 0.02).min(1.02))
    };
    let mut legend: Legend = vec![(tr!("report-legend-measured-first"), Swatch::Line(MAIN))];
    if let Some(p) = expected {
        legend.push((
            tr!(
                "report-legend-expected-loss-value",
                expected = fmt_num(p * 100.0)
            ),
            Swatch::Dashed(ACCENT),
        ));
    }
    if band.is_some() {
        legend.push((tr!("report-legend-band"), Swatch::Dashed(GREY)));
    }
    let title = tr!("report-title-loss-over-time", window = window);
    figure(&title, &legend, |area| {
        let mut c = chart(
            area,
            axis(0.0, end_s, linear_ticks(0.0, end_s, 8.0)),
            axis(ymin, ymax, linear_ticks(ymin, ymax, 6.0)),
        )?;
        mesh(
            &mut c,
            &tr!("report-axis-time-since-start"),
            &tr!("report-axis-loss-window", window = window),
            &|x| fmt_num(*x),
            &|y| format!("{}%", fmt_num(y * 100.0)),
        )?;
        if let Some((lo, hi)) = band {
            for y in [lo, hi] {
                c.draw_series(DashedLineSeries::new(
                    vec![(0.0, y), (end_s, y)],
                    4,
                    4,
                    GREY.stroke_width(1),
                ))
                .map_err(draw_err)?;
            }
        }
        c.draw_series(LineSeries::new(
            points.iter().copied(),
            MAIN.stroke_width(2),
        ))
        .map_err(draw_err)?;
        if let Some(p) = expected {
            c.draw_series(DashedLineSeries::new(
                vec![(0.0, p), (end_s, p)],
                10,
                6,
                ACCENT.stroke_width(2),
            ))
            .map_err(draw_err)?;
        }
        Ok(())
    })
}

/// Loss period lengths against a geometric distribution with the model's mean: the model's
/// prediction when `exact` (its periods are geometric), else only a reference.
pub fn loss_periods(
    periods: &BTreeMap<u64, u64>,
    mean: Option<f64>,
    exact: bool,
) -> Result<String> {
    let total: u64 = periods.values().sum();
    let longest = periods.keys().copied().max().unwrap_or(1);
    let mut kmax = longest.min(MAX_PERIOD_BAR);
    // Geometric with mean m: P(L = k) = (1-q)·q^(k-1), q = 1 - 1/m.
    let q = mean.filter(|m| *m >= 1.0).map(|m| 1.0 - 1.0 / m);
    if let Some(q) = q {
        // Show the prediction out to where it expects less than half a period.
        while kmax < MAX_PERIOD_BAR && total as f64 * q.powi(kmax as i32) >= 0.5 {
            kmax += 1;
        }
    }
    let capped = longest > kmax;
    let mut bars = vec![0u64; kmax as usize + 1];
    for (&k, &c) in periods {
        bars[k.min(kmax) as usize] += c;
    }
    let predicted: Vec<(f64, f64)> = q.map_or(Vec::new(), |q| {
        (1..=kmax)
            .map(|k| {
                let p = if k == kmax && capped {
                    q.powi(k as i32 - 1) // the last bar holds every longer period too
                } else {
                    (1.0 - q) * q.powi(k as i32 - 1)
                };
                (k as f64, p * total as f64)
            })
            .collect()
    });
    let ymax = bars
        .iter()
        .map(|&b| b as f64)
        .chain(predicted.iter().map(|p| p.1))
        .fold(1.0, f64::max)
        * 1.08;
    let xticks: Vec<f64> = (1..=kmax)
        .filter(|k| kmax <= 15 || *k == 1 || k % 5 == 0 || *k == kmax)
        .map(|k| k as f64)
        .collect();
    let measured_mean =
        periods.iter().map(|(k, c)| k * c).sum::<u64>() as f64 / total.max(1) as f64;
    let mut legend: Legend = vec![(
        tr!(
            "report-legend-periods-measured",
            periods = total,
            mean = fmt_num(measured_mean)
        ),
        Swatch::Bar(MAIN),
    )];
    if let (Some(m), false) = (mean, predicted.is_empty()) {
        let text = if exact {
            tr!("report-legend-periods-model", mean = fmt_num(m))
        } else {
            tr!("report-legend-periods-reference", mean = fmt_num(m))
        };
        legend.push((text, Swatch::Line(ACCENT)));
    }
    figure(&tr!("report-title-loss-periods"), &legend, |area| {
        let mut c = chart(
            area,
            axis(0.4, kmax as f64 + 0.6, xticks),
            axis(0.0, ymax, count_ticks(ymax)),
        )?;
        mesh(
            &mut c,
            &tr!("report-axis-period-length"),
            &tr!("report-axis-periods"),
            &|x| {
                let k = x.round() as u64;
                if capped && k == kmax {
                    format!("{k}+")
                } else {
                    k.to_string()
                }
            },
            &|y| fmt_num(*y),
        )?;
        c.draw_series(
            bars.iter()
                .enumerate()
                .skip(1)
                .filter(|(_, n)| **n > 0)
                .map(|(k, &n)| {
                    let k = k as f64;
                    Rectangle::new([(k - 0.35, 0.0), (k + 0.35, n as f64)], MAIN.filled())
                }),
        )
        .map_err(draw_err)?;
        if !predicted.is_empty() {
            c.draw_series(LineSeries::new(
                predicted.iter().copied(),
                ACCENT.stroke_width(2),
            ))
            .map_err(draw_err)?;
            c.draw_series(
                predicted
                    .iter()
                    .map(|&p| Circle::new(p, 4, ACCENT.filled())),
            )
            .map_err(draw_err)?;
        }
        Ok(())
    })
}

/// Per-client RTT: a box from p25 to p75 with the median, whiskers from p1 to p99, the maximum
/// as a dot.
pub fn rtt_per_client(f: &Folder) -> Result<String> {
    let stats: Vec<(u32, [f64; 6])> = f
        .scan
        .per_client
        .iter()
        .filter(|(_, h)| !h.is_empty())
        .map(|(&c, h)| {
            let p = |q| super::percentile(h, q).unwrap_or(0) as f64;
            (
                c,
                [p(0.01), p(0.25), p(0.5), p(0.75), p(0.99), h.max() as f64],
            )
        })
        .collect();
    let lo = stats.iter().map(|s| s.1[0]).fold(f64::INFINITY, f64::min);
    let hi = stats.iter().map(|s| s.1[5]).fold(0.0, f64::max);
    let scale = Scale::time(lo, hi);
    let n = stats.len();
    let every = n.div_ceil(16).max(1);
    let xticks: Vec<f64> = (0..n).step_by(every).map(|i| i as f64).collect();
    let half = 0.32;
    let legend: Legend = vec![
        (tr!("report-legend-box"), Swatch::Bar(MAIN)),
        (tr!("report-legend-box-median"), Swatch::Median(MAIN)),
        (tr!("report-legend-whiskers"), Swatch::Line(BLACK)),
        (tr!("report-legend-slowest"), Swatch::Dot(ACCENT)),
    ];
    let title = tr!("report-title-rtt-per-client", clients = n);
    figure(&title, &legend, |area| {
        let mut c = chart(
            area,
            axis(-0.7, n as f64 - 0.3, xticks),
            axis(scale.lo, scale.hi, scale.ticks()),
        )?;
        mesh(
            &mut c,
            &tr!("report-axis-client"),
            &scale.desc(&tr!("report-axis-rtt")),
            &|x| {
                let i = x.round().max(0.0) as usize;
                stats.get(i).map_or(String::new(), |s| s.0.to_string())
            },
            &|y| scale.label(*y),
        )?;
        let y = |v: f64| scale.fwd(v);
        c.draw_series(stats.iter().enumerate().map(|(i, (_, s))| {
            let x = i as f64;
            PathElement::new(vec![(x, y(s[0])), (x, y(s[4]))], BLACK.stroke_width(1))
        }))
        .map_err(draw_err)?;
        c.draw_series(stats.iter().enumerate().map(|(i, (_, s))| {
            let x = i as f64;
            Rectangle::new([(x - half, y(s[1])), (x + half, y(s[3]))], MAIN.filled())
        }))
        .map_err(draw_err)?;
        c.draw_series(stats.iter().enumerate().map(|(i, (_, s))| {
            let x = i as f64;
            PathElement::new(
                vec![(x - half, y(s[2])), (x + half, y(s[2]))],
                WHITE.stroke_width(3),
            )
        }))
        .map_err(draw_err)?;
        c.draw_series(
            stats
                .iter()
                .enumerate()
                .map(|(i, (_, s))| Circle::new((i as f64, y(s[5])), 4, ACCENT.filled())),
        )
        .map_err(draw_err)?;
        Ok(())
    })
}

/// Logical requests by the attempt that got the answer, and those never answered.
pub fn attempts(l: &Logical) -> Result<String> {
    let max_a = l.by_attempts.keys().copied().max().unwrap_or(1).max(1);
    let mut answered = vec![0u64; max_a as usize + 1];
    let mut failed = 0u64;
    for (&a, &(ok, fail, _)) in &l.by_attempts {
        answered[a as usize] += ok;
        failed += fail;
    }
    let never = max_a as f64 + 1.0;
    let ymax = answered
        .iter()
        .copied()
        .chain(std::iter::once(failed))
        .max()
        .unwrap_or(1)
        .max(1) as f64
        * 1.08;
    let xticks: Vec<f64> = (1..=max_a + 1).map(|k| k as f64).collect();
    let legend: Legend = vec![
        (tr!("report-legend-answered-at"), Swatch::Bar(MAIN)),
        (tr!("report-legend-never-answered"), Swatch::Bar(ACCENT)),
    ];
    let title = tr!("report-title-attempts", requests = l.total());
    let never_label = tr!("report-axis-never");
    figure(&title, &legend, |area| {
        let mut c = chart(
            area,
            axis(0.4, never + 0.6, xticks),
            axis(0.0, ymax, count_ticks(ymax)),
        )?;
        mesh(
            &mut c,
            &tr!("report-axis-attempt"),
            &tr!("report-axis-logical-requests"),
            &|x| {
                if (*x - never).abs() < 0.5 {
                    never_label.clone()
                } else {
                    fmt_num(*x)
                }
            },
            &|y| fmt_num(*y),
        )?;
        c.draw_series(answered.iter().enumerate().skip(1).map(|(k, &n)| {
            let k = k as f64;
            Rectangle::new([(k - 0.35, 0.0), (k + 0.35, n as f64)], MAIN.filled())
        }))
        .map_err(draw_err)?;
        c.draw_series(std::iter::once(Rectangle::new(
            [(never - 0.35, 0.0), (never + 0.35, failed as f64)],
            ACCENT.filled(),
        )))
        .map_err(draw_err)?;
        // The count above each bar: a small bar next to a tall one is otherwise unreadable.
        let above =
            TextStyle::from((FONT, LABEL).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
        c.draw_series(
            answered
                .iter()
                .enumerate()
                .skip(1)
                .map(|(k, &n)| (k as f64, n))
                .chain(std::iter::once((never, failed)))
                .map(|(x, n)| Text::new(n.to_string(), (x, n as f64), above.clone())),
        )
        .map_err(draw_err)?;
        Ok(())
    })
}

/// Overlaid RTT CDFs of several runs, over all packets with a known fate: a lost packet never
/// arrives (RFC 2681: its RTT is undefined, i.e. infinite), so a lossy run's curve levels off at
/// its delivery ratio.
pub fn compare_cdf(runs: &[(String, &Folder)]) -> Result<String> {
    let with_replies: Vec<_> = runs.iter().filter(|r| !r.1.scan.rtt.is_empty()).collect();
    let lo = with_replies
        .iter()
        .map(|r| r.1.scan.rtt.min() as f64)
        .fold(f64::INFINITY, f64::min);
    let hi = with_replies
        .iter()
        .map(|r| r.1.scan.rtt.max() as f64)
        .fold(0.0, f64::max);
    let scale = Scale::time(if lo.is_finite() { lo } else { 1.0 }, hi.max(2.0));
    let legend: Legend = runs
        .iter()
        .enumerate()
        .map(|(i, (label, f))| {
            let loss = f.scan.timeouts() as f64 / f.scan.decided().max(1) as f64;
            (
                tr!(
                    "report-legend-run-lost",
                    run = label.as_str(),
                    loss = fmt_num(loss * 100.0)
                ),
                Swatch::Line(PALETTE[i % PALETTE.len()]),
            )
        })
        .collect();
    figure(&tr!("report-title-compare-cdf"), &legend, |area| {
        let mut c = cdf_chart(area, &scale, &tr!("report-axis-share-packets"))?;
        for (i, (_, f)) in runs.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let pts = cdf_points(&f.scan.rtt, &scale, f.scan.decided());
            c.draw_series(LineSeries::new(pts, color.stroke_width(3)))
                .map_err(draw_err)?;
        }
        Ok(())
    })
}

/// Measured loss of each run with its 95% interval (summary.csv's batch-means interval), and the model's expected loss.
pub fn compare_loss(runs: &[(String, &Folder)]) -> Result<String> {
    struct Bar {
        loss: f64,
        ci: Option<(f64, f64)>,
        expected: Option<f64>,
    }
    let bars: Vec<Bar> = runs
        .iter()
        .map(|(_, f)| {
            let t = &f.summary;
            let all = t.all();
            Bar {
                loss: t.num(all, "loss_ratio").unwrap_or(0.0),
                ci: t.num(all, "loss_ci_low").zip(t.num(all, "loss_ci_high")),
                expected: f.meta.expected_loss.filter(|_| f.meta.has_loss_model),
            }
        })
        .collect();
    let top = bars
        .iter()
        .map(|b| b.ci.map_or(b.loss, |c| c.1).max(b.expected.unwrap_or(0.0)))
        .fold(0.0, f64::max);
    let ymax = if top <= 0.0 {
        0.1
    } else {
        (top * 1.1).min(1.02)
    };
    let n = runs.len();
    // Run names under the bars when they fit, else the letters the legend and table use.
    let room = (WIDTH as f64 - 120.0) / n as f64;
    let full = runs
        .iter()
        .all(|(l, _)| f64::from(text_width(l)) < room - 10.0);
    let names: Vec<String> = runs
        .iter()
        .map(|(l, _)| {
            if full {
                l.clone()
            } else {
                l.split(':').next().unwrap_or(l).to_string()
            }
        })
        .collect();
    let mut legend: Legend = vec![
        (tr!("report-legend-measured"), Swatch::Bar(MAIN)),
        (tr!("report-legend-interval"), Swatch::Line(BLACK)),
    ];
    if bars.iter().any(|b| b.expected.is_some()) {
        legend.push((tr!("report-legend-expected-loss"), Swatch::Line(ACCENT)));
    }
    figure(&tr!("report-title-compare-loss"), &legend, |area| {
        let mut c = chart(
            area,
            axis(-0.6, n as f64 - 0.4, (0..n).map(|i| i as f64).collect()),
            axis(0.0, ymax, linear_ticks(0.0, ymax, 6.0)),
        )?;
        mesh(
            &mut c,
            &tr!("report-axis-run"),
            &tr!("report-axis-loss-ratio"),
            &|x| {
                let i = x.round().max(0.0) as usize;
                names.get(i).cloned().unwrap_or_default()
            },
            &|y| format!("{}%", fmt_num(y * 100.0)),
        )?;
        c.draw_series(bars.iter().enumerate().map(|(i, b)| {
            let x = i as f64;
            Rectangle::new([(x - 0.3, 0.0), (x + 0.3, b.loss)], MAIN.filled())
        }))
        .map_err(draw_err)?;
        c.draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
            let x = i as f64;
            let e = b.expected?;
            Some(PathElement::new(
                vec![(x - 0.38, e), (x + 0.38, e)],
                ACCENT.stroke_width(4),
            ))
        }))
        .map_err(draw_err)?;
        c.draw_series(bars.iter().enumerate().filter_map(|(i, b)| {
            let (lo, hi) = b.ci?;
            let x = i as f64;
            Some(PathElement::new(
                vec![
                    (x - 0.08, lo),
                    (x + 0.08, lo),
                    (x, lo),
                    (x, hi),
                    (x - 0.08, hi),
                    (x + 0.08, hi),
                ],
                BLACK.stroke_width(2),
            ))
        }))
        .map_err(draw_err)?;
        Ok(())
    })
}
