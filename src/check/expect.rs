//! The expectations file of `losslab check --expect FILE`: a small TOML whose keys are
//! `summary.csv` column names and whose values say what the column may hold.
//!
//! ```toml
//! confidence = 0.999                 # optional; --confidence overrides it
//! loss_ratio = { model = true }      # the loss the scenario's model predicts
//! rtt_p99_us = "<= 2000"             # also ">= x", "< x", "> x"
//! loss_period_mean = "1.5 ± 0.5"     # also "+-" and "+/-"
//! errors = 0                         # a bare number: equality
//!
//! [scope."0"]                        # client 0's row instead of the `all` row
//! loss_ratio = "0.5 ± 0.05"
//! ```
//!
//! Invariant: a parsed [`ExpectFile`] holds only well-formed rules, each with the place (file,
//! line, column, key) it came from, so that a later problem — a column the results lack, a scope
//! they do not have — is reported at that place too. Parsing uses `toml::de::DeTable`, which
//! keeps the byte span of every key and value (the same `toml::Spanned` the scenario files use).

use crate::tr;
use anyhow::{Result, anyhow};
use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Where an expectation was written: `FILE:LINE:COL` and its key.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The key as a dotted path, e.g. `loss_ratio` or `scope."0".loss_ratio`.
    pub key: String,
}

impl Place {
    /// An error at this place: `FILE:LINE:COL: key `k`: message`.
    pub fn error(&self, message: impl fmt::Display) -> anyhow::Error {
        anyhow!(tr!(
            "check-err-at-key",
            file = self.file.as_str(),
            line = self.line.to_string(),
            column = self.column.to_string(),
            key = self.key.as_str(),
            message = message.to_string()
        ))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Le,
    Ge,
    Lt,
    Gt,
    Eq,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Le => "<=",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Eq => "=",
        }
    }

    /// Whether `value OP bound` holds.
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Op::Le => value <= bound,
            Op::Ge => value >= bound,
            Op::Lt => value < bound,
            Op::Gt => value > bound,
            // Values in summary.csv carry at most 6 decimals: equal to within rounding.
            Op::Eq => (value - bound).abs() <= 1e-9 * bound.abs().max(1.0),
        }
    }
}

/// What a column may hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// `{ model = true }`: the model's `expected_loss` (loss_ratio only).
    Model,
    /// `"c ± d"`: within `[c - d, c + d]`.
    Approx { centre: f64, tolerance: f64 },
    /// `"<= x"`, `">= x"`, `"< x"`, `"> x"`, or a bare number (`Op::Eq`).
    Compare(Op, f64),
}

impl Rule {
    /// The rule as the check report writes it; only [`Rule::Model`] has words to translate.
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        match self {
            Rule::Model => crate::tr!("check-rule-model" in lang),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Model => write!(f, "the model's loss"),
            Rule::Approx { centre, tolerance } => write!(f, "{centre} ± {tolerance}"),
            Rule::Compare(op, x) => write!(f, "{} {x}", op.symbol()),
        }
    }
}

/// One `key = value` of the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// `all`, or a client id from a `[scope."N"]` table.
    pub scope: String,
    /// The `summary.csv` column.
    pub column: String,
    pub rule: Rule,
    pub place: Place,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExpectFile {
    pub file: String,
    /// `confidence = C`, when the file gives one.
    pub confidence: Option<f64>,
    /// In the order they appear in the file.
    pub items: Vec<Expectation>,
}

/// Reads and parses an expectations file.
pub fn load(path: &Path) -> Result<ExpectFile> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow!(tr!(
            "check-err-read-expect",
            file = path.display().to_string(),
            error = e.to_string()
        ))
    })?;
    parse(&text, &path.display().to_string())
}

struct Locator<'a> {
    text: &'a str,
    file: &'a str,
}

impl Locator<'_> {
    fn place(&self, span: Range<usize>, key: &str) -> Place {
        let start = span.start.min(self.text.len());
        let before = &self.text[..start];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Place {
            file: self.file.to_string(),
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
            key: key.to_string(),
        }
    }
}

/// How to write an expectation, for the errors.
fn help() -> String {
    tr!("check-expect-help")
}

/// Parses expectations text; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<ExpectFile> {
    let at = Locator { text, file };
    let doc = DeTable::parse(text).map_err(|e| {
        let p = at.place(e.span().unwrap_or(0..0), "");
        anyhow!(tr!(
            "check-err-expect-toml",
            file = p.file,
            line = p.line.to_string(),
            column = p.column.to_string(),
            error = e.message().trim_end()
        ))
    })?;
    let mut out = ExpectFile {
        file: file.to_string(),
        confidence: None,
        items: Vec::new(),
    };
    for (key, value) in doc.get_ref().iter() {
        let name = key.get_ref().as_ref();
        match name {
            "confidence" => {
                let place = at.place(value.span(), name);
                let c = number(value.get_ref())
                    .filter(|c| *c > 0.0 && *c < 1.0)
                    .ok_or_else(|| place.error(tr!("check-err-expect-confidence")))?;
                out.confidence = Some(c);
            }
            "scope" => {
                let DeValue::Table(scopes) = value.get_ref() else {
                    return Err(at
                        .place(value.span(), name)
                        .error(tr!("check-err-expect-scope")));
                };
                for (scope, table) in scopes.iter() {
                    let scope_name = scope.get_ref().as_ref();
                    let DeValue::Table(entries) = table.get_ref() else {
                        return Err(at
                            .place(table.span(), &format!("scope.\"{scope_name}\""))
                            .error(tr!("check-err-expect-scope-table")));
                    };
                    for (k, v) in entries.iter() {
                        let dotted = format!("scope.\"{scope_name}\".{}", k.get_ref());
                        out.items.push(expectation(&at, scope_name, k, v, &dotted)?);
                    }
                }
            }
            _ => out.items.push(expectation(&at, "all", key, value, name)?),
        }
    }
    if out.items.is_empty() {
        anyhow::bail!(tr!("check-err-expect-empty", file = file));
    }
    out.items
        .sort_by_key(|e| (e.place.line, e.place.column, e.place.key.clone()));
    Ok(out)
}

fn expectation(
    at: &Locator,
    scope: &str,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Spanned<DeValue<'_>>,
    dotted: &str,
) -> Result<Expectation> {
    let column = key.get_ref().to_string();
    let place = at.place(key.span(), dotted);
    let value_place = at.place(value.span(), dotted);
    let rule = match value.get_ref() {
        DeValue::String(s) => parse_rule(s).map_err(|m| value_place.error(m))?,
        DeValue::Integer(_) | DeValue::Float(_) => {
            let x = number(value.get_ref()).ok_or_else(|| {
                value_place.error(tr!("check-err-expect-not-finite", help = help()))
            })?;
            Rule::Compare(Op::Eq, x)
        }
        DeValue::Table(t) => {
            let model = t.get("model").map(|v| v.get_ref());
            if t.len() != 1 || !matches!(model, Some(DeValue::Boolean(true))) {
                return Err(value_place.error(tr!("check-err-expect-inline-table", help = help())));
            }
            if column != "loss_ratio" {
                return Err(place.error(tr!("check-err-expect-model-column")));
            }
            Rule::Model
        }
        DeValue::Boolean(_) | DeValue::Datetime(_) | DeValue::Array(_) => {
            return Err(value_place.error(tr!("check-err-expect-unexpected", help = help())));
        }
    };
    Ok(Expectation {
        scope: scope.to_string(),
        column,
        rule,
        place,
    })
}

fn number(v: &DeValue<'_>) -> Option<f64> {
    let x = match v {
        DeValue::Integer(i) => i64::from_str_radix(i.as_str(), i.radix()).ok()? as f64,
        DeValue::Float(f) => f.as_str().parse::<f64>().ok()?,
        _ => return None,
    };
    x.is_finite().then_some(x)
}

fn parse_number(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(tr!("check-err-expect-not-number", text = s.trim())),
    }
}

/// Parses the text form of a rule: `"c ± d"`, `"<= x"` and friends, or a number.
pub fn parse_rule(text: &str) -> Result<Rule, String> {
    let t = text.trim();
    let bad = |why: String| {
        tr!(
            "check-err-expect-rule",
            text = text,
            why = why,
            help = help()
        )
    };
    for (prefix, op) in [
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("==", Op::Eq),
        ("<", Op::Lt),
        (">", Op::Gt),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return parse_number(rest)
                .map(|x| Rule::Compare(op, x))
                .map_err(bad);
        }
    }
    for sep in ["±", "+/-", "+-"] {
        if let Some((c, d)) = t.split_once(sep) {
            let centre = parse_number(c).map_err(bad)?;
            let tolerance = parse_number(d).map_err(bad)?;
            if tolerance < 0.0 {
                return Err(bad(tr!(
                    "check-err-expect-negative-tolerance",
                    tolerance = tolerance.to_string()
                )));
            }
            return Ok(Rule::Approx { centre, tolerance });
        }
    }
    parse_number(t)
        .map(|x| Rule::Compare(Op::Eq, x))
        .map_err(|_| bad(tr!("check-err-expect-not-expectation")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_in_every_spelling() {
        let approx = Rule::Approx {
            centre: 0.5,
            tolerance: 0.02,
        };
        assert_eq!(parse_rule("0.5 ± 0.02"), Ok(approx));
        assert_eq!(parse_rule(" 0.5 +- 0.02 "), Ok(approx));
        assert_eq!(parse_rule("0.5+/-0.02"), Ok(approx));
        assert_eq!(parse_rule("<= 3"), Ok(Rule::Compare(Op::Le, 3.0)));
        assert_eq!(parse_rule(">=1e3"), Ok(Rule::Compare(Op::Ge, 1000.0)));
        assert_eq!(parse_rule("< 2"), Ok(Rule::Compare(Op::Lt, 2.0)));
        assert_eq!(parse_rule("> -1"), Ok(Rule::Compare(Op::Gt, -1.0)));
        assert_eq!(parse_rule("7"), Ok(Rule::Compare(Op::Eq, 7.0)));
        for bad in [
            "about half",
            "<= x",
            "0.5 ± -0.1",
            "0.5 ±",
            "",
            "=> 3",
            "inf",
        ] {
            assert!(parse_rule(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn ops_hold_as_written() {
        assert!(Op::Le.holds(3.0, 3.0) && !Op::Lt.holds(3.0, 3.0));
        assert!(Op::Ge.holds(3.0, 3.0) && !Op::Gt.holds(3.0, 3.0));
        assert!(Op::Eq.holds(0.084_500, 0.0845) && !Op::Eq.holds(0.0846, 0.0845));
        assert!(!Op::Le.holds(f64::INFINITY, 2000.0));
    }

    #[test]
    fn parses_a_file_with_scopes_in_file_order() {
        let text = "confidence = 0.99\nrtt_p99_us = \"<= 2000\"\nloss_ratio = { model = true }\n\
                    errors = 0\n\n[scope.\"0\"]\nloss_ratio = \"0.5 ± 0.05\"\n";
        let f = parse(text, "e.toml").unwrap();
        assert_eq!(f.confidence, Some(0.99));
        let got: Vec<(&str, &str, usize)> = f
            .items
            .iter()
            .map(|e| (e.scope.as_str(), e.column.as_str(), e.place.line))
            .collect();
        assert_eq!(
            got,
            [
                ("all", "rtt_p99_us", 2),
                ("all", "loss_ratio", 3),
                ("all", "errors", 4),
                ("0", "loss_ratio", 7)
            ]
        );
        assert_eq!(f.items[1].rule, Rule::Model);
        assert_eq!(f.items[2].rule, Rule::Compare(Op::Eq, 0.0));
        assert_eq!(f.items[3].place.key, "scope.\"0\".loss_ratio");
    }

    fn err(text: &str) -> String {
        parse(text, "e.toml").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_file_line_column_and_key() {
        let e = err("loss_ratio = { model = true }\nrtt_p99_us = \"about 2000\"\n");
        assert!(
            e.starts_with("e.toml:2:14: key `rtt_p99_us`: \"about 2000\""),
            "{e}"
        );
        let e = err("rtt_p50_us = { model = true }\n");
        assert!(
            e.starts_with("e.toml:1:1: key `rtt_p50_us`: { model = true }"),
            "{e}"
        );
        let e = err("loss_ratio = { model = false }\n");
        assert!(e.starts_with("e.toml:1:14: key `loss_ratio`"), "{e}");
        let e = err("confidence = 1.5\nloss_ratio = \"<= 0.6\"\n");
        assert!(e.starts_with("e.toml:1:14: key `confidence`"), "{e}");
        let e = err("loss_ratio = [1, 2]\n");
        assert!(e.starts_with("e.toml:1:14: key `loss_ratio`"), "{e}");
        let e = err("[scope.\"3\"]\nloss_ratio = true\n");
        assert!(
            e.starts_with("e.toml:2:14: key `scope.\"3\".loss_ratio`"),
            "{e}"
        );
        let e = err("loss_ratio = \"0.5\"\nloss_ratio = \"0.6\"\n");
        assert!(e.starts_with("e.toml:2:"), "{e}");
        let e = err("loss_ratio = \n");
        assert!(e.starts_with("e.toml:1:"), "{e}");
        let e = err("confidence = 0.99\n");
        assert!(e.contains("no expectations"), "{e}");
    }
}
