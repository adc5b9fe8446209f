//! Writing a check report: an aligned text table with one final line, a JSON document, or
//! JUnit XML (one `<testcase>` per check, `<failure>` on fail, `<skipped/>` on skip).
//!
//! Invariant: the three formats carry the same checks with the same verdicts, and the JUnit
//! output is well-formed XML whatever the checks' text holds (every `&`, `<`, `>`, quote and
//! control character is escaped or replaced).

use super::eval::{Check, Level, Verdict};
use crate::tr;
use serde_json::json;
use std::fmt::Write as _;
use std::path::Path;

/// What one invocation checked, and how.
pub struct Report {
    pub results: String,
    /// `model`, `expect` or `baseline`.
    pub against: &'static str,
    /// The expectations file or the baseline folder.
    pub reference: Option<String>,
    pub level: Level,
    pub checks: Vec<Check>,
    /// How many statistical tests share the family-wise error rate (Holm).
    pub family: usize,
}

impl Report {
    pub fn count(&self, v: Verdict) -> usize {
        self.checks.iter().filter(|c| c.verdict == v).count()
    }

    pub fn passed(&self) -> bool {
        self.count(Verdict::Fail) == 0
    }

    fn title(&self) -> String {
        let lang = self.level.lang;
        let what = match (self.against, &self.reference) {
            ("expect", Some(r)) => tr!("check-against-file" in lang, file = r.as_str()),
            ("baseline", Some(r)) => tr!("check-against-baseline" in lang, folder = r.as_str()),
            _ => tr!("check-against-model" in lang),
        };
        tr!(
            "check-title" in lang,
            results = self.results.as_str(),
            against = what,
            level = self.level.percent()
        )
    }

    /// The family-wise error statement: how many tests, and what a correct run risks.
    pub fn family_line(&self) -> String {
        let alpha = super::eval::percent(1.0 - self.level.confidence);
        tr!("check-family" in self.level.lang, n = self.family, alpha = alpha)
    }

    /// The one-line verdict.
    pub fn final_line(&self) -> String {
        let lang = self.level.lang;
        let (p, f, s) = (
            self.count(Verdict::Pass),
            self.count(Verdict::Fail),
            self.count(Verdict::Skip),
        );
        let total = self.checks.len();
        if f > 0 {
            let names: Vec<&str> = self
                .checks
                .iter()
                .filter(|c| c.verdict == Verdict::Fail)
                .map(|c| c.name.as_str())
                .collect();
            tr!(
                "check-final-fail" in lang,
                failed = f,
                total = total,
                names = names.join(", "),
                passed = p,
                skipped = s
            )
        } else if p == 0 {
            tr!("check-final-nothing" in lang, skipped = s)
        } else {
            tr!(
                "check-final-pass" in lang,
                passed = p,
                total = total,
                skipped = s
            )
        }
    }
}

/// The report as a table: name, expected, measured, verdict; notes below; then the final line.
pub fn text(r: &Report) -> String {
    let lang = r.level.lang;
    let header = [
        tr!("check-col-check" in lang),
        tr!("check-col-expected" in lang),
        tr!("check-col-measured" in lang),
        tr!("check-col-verdict" in lang),
    ];
    let labels: Vec<String> = r.checks.iter().map(|c| c.verdict.label(lang)).collect();
    let header = header.each_ref().map(String::as_str);
    let rows: Vec<[&str; 4]> = r
        .checks
        .iter()
        .zip(&labels)
        .map(|(c, label)| [c.name.as_str(), &c.expected, &c.measured, label])
        .collect();
    let mut width = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = format!("{}\n", r.title());
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < row.len() {
                let pad = width[i] - cell.chars().count();
                let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for c in &r.checks {
        if let Some(note) = &c.note {
            let _ = writeln!(
                out,
                "{}",
                tr!("check-note" in lang, check = c.name.as_str(), note = note.as_str())
            );
        }
    }
    let _ = writeln!(out, "{}", r.family_line());
    out.push_str(&r.final_line());
    out.push('\n');
    out
}

/// The report as one JSON document.
pub fn json(r: &Report) -> String {
    let doc = json!({
        "results": r.results,
        "against": r.against,
        "expect": (r.against == "expect").then_some(&r.reference),
        "baseline": (r.against == "baseline").then_some(&r.reference),
        "confidence": r.level.confidence,
        "family_size": r.family,
        "family_wise_alpha": 1.0 - r.level.confidence,
        "family": r.family_line(),
        "checks": r.checks,
        "passed": r.count(Verdict::Pass),
        "failed": r.count(Verdict::Fail),
        "skipped": r.count(Verdict::Skip),
        "verdict": if r.passed() { "pass" } else { "fail" },
        "summary": r.final_line(),
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("a JSON value always serializes");
    s.push('\n');
    s
}

/// Escapes text for XML 1.0 content and attribute values. Characters XML 1.0 cannot carry at
/// all (most C0 controls) become U+FFFD; newlines and tabs become character references so
/// attribute values keep them.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The report as JUnit XML: one suite, one test case per check.
pub fn junit(r: &Report) -> String {
    let suite = Path::new(&r.results)
        .file_name()
        .map_or(r.results.clone(), |n| n.to_string_lossy().into_owned());
    let (tests, failures, skipped) = (
        r.checks.len(),
        r.count(Verdict::Fail),
        r.count(Verdict::Skip),
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"losslab check\" tests=\"{tests}\" failures=\"{failures}\" \
         errors=\"0\" skipped=\"{skipped}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" \
         skipped=\"{skipped}\">",
        xml_escape(&format!("losslab check {suite}"))
    );
    let _ = writeln!(out, "    <properties>");
    let mut props = vec![
        ("results", r.results.clone()),
        ("against", r.against.to_string()),
        ("confidence", r.level.confidence.to_string()),
    ];
    if let Some(reference) = &r.reference {
        props.push((r.against, reference.clone()));
    }
    for (name, value) in props {
        let _ = writeln!(
            out,
            "      <property name=\"{}\" value=\"{}\"/>",
            xml_escape(name),
            xml_escape(&value)
        );
    }
    let _ = writeln!(out, "    </properties>");
    for c in &r.checks {
        let _ = write!(
            out,
            "    <testcase classname=\"losslab.check\" name=\"{}\"",
            xml_escape(&c.name)
        );
        let detail = format!(
            "expected: {}\nmeasured: {}{}",
            c.expected,
            c.measured,
            c.note
                .as_ref()
                .map_or(String::new(), |n| format!("\nnote: {n}"))
        );
        match c.verdict {
            Verdict::Pass => out.push_str("/>\n"),
            Verdict::Fail => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"check\">{}</failure>\n    </testcase>",
                    xml_escape(&format!("expected {}, measured {}", c.expected, c.measured)),
                    xml_escape(&detail)
                );
            }
            Verdict::Skip => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml_escape(&c.measured)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, verdict: Verdict) -> Check {
        Check {
            name: name.into(),
            expected: "<= 2000".into(),
            measured: "2500 & \"more\"".into(),
            verdict,
            note: None,
            p_value: None,
            adjusted_p: None,
            weight: 1.0,
        }
    }

    fn report(checks: Vec<Check>) -> Report {
        Report {
            results: "out/a<b>".into(),
            against: "expect",
            reference: Some("e.toml".into()),
            level: Level {
                confidence: 0.999,
                lang: crate::i18n::Lang::En,
            },
            checks,
            family: 0,
        }
    }

    #[test]
    fn escapes_everything_xml_cannot_hold() {
        assert_eq!(
            xml_escape("a<b>&\"c\"'d'\n\u{1}±"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;&#10;\u{FFFD}±"
        );
    }

    #[test]
    fn junit_has_one_case_per_check_with_failure_and_skip() {
        let r = report(vec![
            check("status", Verdict::Pass),
            check("rtt<p99>", Verdict::Fail),
            check("loss_period_length vs baseline", Verdict::Skip),
        ]);
        let x = junit(&r);
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        assert!(
            x.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""),
            "{x}"
        );
        assert_eq!(x.matches("<testcase ").count(), 3);
        assert_eq!(x.matches("<failure ").count(), 1);
        assert_eq!(x.matches("<skipped ").count(), 1);
        assert!(x.contains("name=\"rtt&lt;p99&gt;\""), "{x}");
        assert!(x.contains("measured 2500 &amp; &quot;more&quot;"), "{x}");
        assert!(x.contains("name=\"losslab check a&lt;b&gt;\""), "{x}");
        // No raw markup characters leak out of the checks' text.
        assert!(!x.contains("a<b>") && !x.contains("& \""));
        assert!(x.ends_with("</testsuite>\n</testsuites>\n"));
    }

    #[test]
    fn text_aligns_columns_and_ends_with_the_verdict() {
        let r = report(vec![
            check("status", Verdict::Pass),
            check("rtt_p99_us", Verdict::Fail),
        ]);
        let t = text(&r);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 6, "{t}");
        assert!(lines[1].starts_with("check       expected"), "{t}");
        assert_eq!(lines[1].find("measured"), lines[2].find("2500"));
        assert!(lines[3].ends_with("FAIL"));
        assert_eq!(lines[4], "no statistical test ran");
        assert_eq!(
            lines[5],
            "FAIL: 1 of 2 checks failed (rtt_p99_us); 1 passed, 0 skipped"
        );
        assert!(!r.passed());
    }

    #[test]
    fn json_carries_the_same_verdicts() {
        let r = report(vec![
            check("status", Verdict::Pass),
            check("x", Verdict::Skip),
        ]);
        let v: serde_json::Value = serde_json::from_str(&json(&r)).unwrap();
        assert_eq!(v["verdict"], "pass");
        assert_eq!(v["checks"][1]["verdict"], "skip");
        assert_eq!(v["expect"], "e.toml");
        assert!(v["baseline"].is_null());
        assert_eq!(
            (v["passed"].as_u64(), v["skipped"].as_u64()),
            (Some(1), Some(1))
        );
    }
}
