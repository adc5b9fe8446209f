//! netem's syntax, parsed and printed: `random 5%`, `gemodel 1% 30%`, `100ms 10ms distribution
//! normal`, `25%`...
//!
//! Owns the text side of the models: numbers, percentages and times as users write them, the
//! netem defaults, and the error a user sees. Invariants: every error quotes the user's spec and
//! names the number that is wrong; printing is exact, so parsing what [`percent`] or a model's
//! `spec()` printed gives back the same `f64` bit for bit (numbers move through text as decimal
//! digits, never through a multiplication by 100).
//!
//! One deliberate difference from `tc`: a number without `%` is a fraction here (`0.5` = 50%,
//! as losslab's scenario files always wrote it), while `tc` reads a bare `0.5` as 0.5%. A bare
//! number above 1 is rejected with a hint to add the `%`, so `random 5` can never silently mean
//! 500% or 5%. Everything losslab prints carries a `%`, so it means the same in both.

use super::Where;
use super::config::Chance;
use super::delay::{DelayModel, Distribution};
use super::loss::{LossModel, Pattern};
use crate::time::Duration;
use crate::tr;
use std::fmt;

/// An impairment spec that does not parse: the spec as the user wrote it, and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct SpecError {
    pub spec: String,
    pub message: String,
}

impl SpecError {
    pub(crate) fn new(spec: &str, message: impl Into<String>) -> Self {
        SpecError {
            spec: spec.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\": {}", self.spec, self.message)
    }
}

impl std::error::Error for SpecError {}

// Why losslab takes no correlation (the error `scenario-spec-no-correlation` says it): netem's
// `CORR` mixes each uniform draw with the previous one (`next = corr·last + (1-corr)·new`),
// which narrows the draw's distribution and so changes the rate itself (`loss random 10% 50%`
// does not lose 10%), and it needs the previous packet's draw, which a reproducible per-packet
// decision does not have.

// ---------------------------------------------------------------------------------------------
// Numbers

/// `text` (digits with at most one `.`) times 10^`shift`, rounded once to the nearest `f64`.
/// The shift moves the decimal point in the text, so `decimal("30", -2)` is exactly `0.3`.
fn decimal(text: &str, shift: i32) -> Option<f64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + i64::from(shift);
    let moved = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    moved.parse().ok()
}

/// The shortest decimal text of `x` (which Rust prints without an exponent) with its point
/// moved `shift` places right, without leading or trailing zeros: `shifted(0.05, 2) == "5"`.
fn shifted(x: f64, shift: usize) -> String {
    let text = format!("{x}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = format!("{frac}{}", "0".repeat(shift.saturating_sub(frac.len())));
    let (moved, rest) = frac.split_at(shift);
    let int = format!("{int}{moved}");
    let int = int.trim_start_matches('0');
    let rest = rest.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if rest.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{rest}")
    }
}

/// A probability as a percentage, exactly: `percent(0.05) == "5%"`, and parsing it gives back
/// the same `f64`.
pub fn percent(p: f64) -> String {
    format!("{}%", shifted(p, 2))
}

/// Parses a probability written `30%` or `0.3`; `name` is the parameter it is, for the error.
pub(crate) fn probability(name: &str, token: &str) -> Result<f64, String> {
    let (number, is_percent) = match token.strip_suffix('%') {
        Some(n) => (n, true),
        None => (token, false),
    };
    let out_of_range = || not_probability(name, token);
    let value = match decimal(number, if is_percent { -2 } else { 0 }) {
        Some(v) => v,
        None if number.starts_with('-') && decimal(&number[1..], 0).is_some() => {
            return Err(out_of_range());
        }
        None => {
            return Err(tr!("scenario-spec-not-number", name = name, value = token));
        }
    };
    if value > 1.0 {
        return Err(if is_percent {
            out_of_range()
        } else {
            tr!(
                "scenario-spec-fraction",
                error = out_of_range(),
                value = token
            )
        });
    }
    Ok(value)
}

/// `NAME = VALUE is not a probability (0% to 100%)`.
pub(crate) fn not_probability(name: &str, value: &str) -> String {
    tr!("scenario-spec-not-probability", name = name, value = value)
}

/// Parses a correlation, which must be zero (see the comment above [`decimal`]'s section).
fn no_correlation(token: &str) -> Result<(), String> {
    match probability("correlation", token)? {
        0.0 => Ok(()),
        _ => Err(tr!("scenario-spec-no-correlation", value = token)),
    }
}

/// Parses a time as tc writes it: a number and a unit, `us`/`usec`, `ms`/`msec` or `s`/`sec`.
pub(crate) fn time(name: &str, token: &str) -> Result<Duration, String> {
    let split = token
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(token.len());
    let (number, unit) = token.split_at(split);
    let shift = match unit {
        "us" | "usec" | "usecs" | "µs" => 0,
        "ms" | "msec" | "msecs" => 3,
        "s" | "sec" | "secs" => 6,
        "" if decimal(number, 0).is_some() => {
            return Err(tr!(
                "scenario-spec-time-no-unit",
                name = name,
                value = token
            ));
        }
        _ if number.is_empty() => {
            return Err(tr!("scenario-spec-not-time", name = name, value = token));
        }
        other => {
            return Err(tr!(
                "scenario-spec-time-unit",
                name = name,
                value = token,
                unit = other
            ));
        }
    };
    let us = decimal(number, shift)
        .ok_or_else(|| tr!("scenario-spec-not-time", name = name, value = token))?;
    if us > 1e15 {
        return Err(tr!("scenario-spec-time-long", name = name, value = token));
    }
    Ok(Duration::from_micros(us.round() as u64))
}

/// Splits a spec into words, dropping a leading netem keyword (`loss`, `delay`...) so a piece of
/// a `tc` line can be pasted as it is.
fn words<'a>(spec: &'a str, keyword: &str) -> Vec<&'a str> {
    let mut words: Vec<&str> = spec.split_whitespace().collect();
    if words.first() == Some(&keyword) {
        words.remove(0);
    }
    words
}

// ---------------------------------------------------------------------------------------------
// Loss

/// The loss spec's forms, for the errors.
fn loss_forms() -> String {
    tr!("scenario-spec-loss-forms")
}

/// Parses a loss spec in netem's syntax (see the module docs of [`super::loss`]).
pub fn parse_loss(spec: &str) -> Result<LossModel, SpecError> {
    let err = |m: String| SpecError::new(spec, m);
    let words = words(spec, "loss");
    let Some(&first) = words.first() else {
        return Err(err(tr!("scenario-spec-no-loss", forms = loss_forms())));
    };
    let model = match first {
        // `bernoulli P`: the scenario file's name for the same model (`model = "bernoulli"`),
        // so a spec can be moved between the file, the console and `model explain`.
        "random" | "bernoulli" => random(&words[1..]),
        "state" => four_state(&words[1..]),
        "gemodel" => gemodel(&words[1..]),
        "pattern" => pattern(&words[1..]),
        "bursty" => bursty(&words[1..]),
        // netem's old form `loss 5%`, and losslab's `p = 0.5`.
        _ if first.starts_with(|c: char| c.is_ascii_digit() || c == '.') => random(&words),
        other => Err(tr!(
            "scenario-spec-unknown-loss",
            model = other,
            forms = loss_forms()
        )),
    }
    .map_err(err)?;
    model.validate().map_err(err)?;
    Ok(model)
}

/// Reads up to `names.len()` probabilities; `None` for the ones not given.
fn probabilities<const N: usize>(
    model: &str,
    names: [&str; N],
    usage: &str,
    words: &[&str],
) -> Result<[Option<f64>; N], String> {
    if words.is_empty() {
        return Err(tr!(
            "scenario-spec-needs",
            model = model,
            name = names[0],
            usage = usage
        ));
    }
    if words.len() > N {
        return Err(tr!(
            "scenario-spec-too-many",
            word = words[N],
            model = model,
            usage = usage
        ));
    }
    let mut out = [None; N];
    for (slot, (name, word)) in out.iter_mut().zip(names.iter().zip(words)) {
        *slot = Some(probability(name, word)?);
    }
    Ok(out)
}

fn random(words: &[&str]) -> Result<LossModel, String> {
    let [p, corr] = probabilities("random", ["p", "correlation"], "P [CORR]", words)?;
    if corr.is_some_and(|c| c != 0.0) {
        no_correlation(words[1])?;
    }
    Ok(LossModel::Bernoulli {
        p: p.unwrap_or(0.0),
    })
}

/// netem's defaults (tc's q_netem.c): p31 = 1 - p13, p32 = 0, p23 = 1, p14 = 0, which with p13
/// alone is Bernoulli(p13).
fn four_state(words: &[&str]) -> Result<LossModel, String> {
    let usage = "p13 [p31 [p32 [p23 [p14]]]]";
    let [p13, p31, p32, p23, p14] =
        probabilities("state", ["p13", "p31", "p32", "p23", "p14"], usage, words)?;
    let p13 = p13.unwrap_or(0.0);
    Ok(LossModel::FourState {
        p13,
        p31: p31.unwrap_or(1.0 - p13),
        p32: p32.unwrap_or(0.0),
        p23: p23.unwrap_or(1.0),
        p14: p14.unwrap_or(0.0),
    })
}

/// netem's defaults (tc-netem(8)): r = 1 - p, 1-h = 1, 1-k = 0, which with p alone is
/// Bernoulli(p).
fn gemodel(words: &[&str]) -> Result<LossModel, String> {
    let usage = "p [r [1-h [1-k]]]";
    let [p, r, h1, k1] = probabilities("gemodel", ["p", "r", "1-h", "1-k"], usage, words)?;
    let p = p.unwrap_or(0.0);
    Ok(LossModel::GilbertElliott {
        p,
        r: r.unwrap_or(1.0 - p),
        one_minus_h: h1.unwrap_or(1.0),
        one_minus_k: k1.unwrap_or(0.0),
    })
}

fn pattern(words: &[&str]) -> Result<LossModel, String> {
    if words.is_empty() {
        return Err(tr!("scenario-spec-pattern-empty"));
    }
    Ok(LossModel::Pattern {
        pattern: Pattern::parse(&words.concat())?,
    })
}

/// `bursty P burst L`: simple Gilbert (loss only and always in Bad) with stationary loss P and
/// mean burst length L: r = 1/L, p = P·r/(1-P).
fn bursty(words: &[&str]) -> Result<LossModel, String> {
    let usage = tr!("scenario-spec-bursty-usage");
    let [mean, keyword, length] = words else {
        return Err(tr!("scenario-spec-write", usage = usage));
    };
    if *keyword != "burst" {
        return Err(tr!(
            "scenario-spec-bursty-keyword",
            word = *keyword,
            usage = usage
        ));
    }
    let mean_loss = probability("P", mean)?;
    let mean_burst = decimal(length, 0).ok_or_else(|| {
        tr!(
            "scenario-spec-bursty-length",
            value = *length,
            usage = usage.as_str()
        )
    })?;
    LossModel::bursty(mean_loss, mean_burst)
}

// ---------------------------------------------------------------------------------------------
// Delay

/// Parses `T [J [CORR]] [distribution uniform|normal|pareto|paretonormal]`.
pub fn parse_delay(spec: &str) -> Result<DelayModel, SpecError> {
    parse_delay_words(&words(spec, "delay")).map_err(|m| SpecError::new(spec, m))
}

fn parse_delay_words(words: &[&str]) -> Result<DelayModel, String> {
    let usage = tr!("scenario-spec-delay-usage");
    let (times, named) = match words.iter().position(|w| *w == "distribution") {
        Some(i) => (&words[..i], Some(&words[i + 1..])),
        None => (words, None),
    };
    let Some(&t) = times.first() else {
        return Err(tr!("scenario-spec-no-delay", usage = usage));
    };
    let delay = time("delay", t)?;
    let jitter = match times.get(1) {
        Some(j) => time("jitter", j)?,
        None => Duration::ZERO,
    };
    if let Some(c) = times.get(2) {
        no_correlation(c)?;
    }
    if let Some(extra) = times.get(3) {
        return Err(tr!(
            "scenario-spec-extra-word",
            word = *extra,
            usage = usage
        ));
    }
    let distribution = match named {
        None => Distribution::Uniform,
        Some([name]) => {
            let d = Distribution::from_name(name)
                .ok_or_else(|| tr!("scenario-spec-distribution", name = *name))?;
            if jitter == Duration::ZERO || delay == Duration::ZERO {
                return Err(tr!("scenario-spec-distribution-jitter", name = *name));
            }
            d
        }
        Some(_) => return Err(tr!("scenario-spec-distribution-one", usage = usage)),
    };
    Ok(DelayModel {
        delay,
        jitter,
        distribution,
    })
}

// ---------------------------------------------------------------------------------------------
// Duplicate, reorder, corrupt, direction

/// Parses `P [CORR]` for `kind` (`duplicate`, `reorder` or `corrupt`).
pub fn parse_chance(kind: &str, spec: &str) -> Result<Chance, SpecError> {
    let err = |m: String| SpecError::new(spec, m);
    let words = words(spec, kind);
    if words.contains(&"gap") {
        return Err(err(tr!("scenario-spec-gap", kind = kind)));
    }
    let [p, corr] = probabilities(kind, [kind, "correlation"], "P [CORR]", &words).map_err(err)?;
    if corr.is_some_and(|c| c != 0.0) {
        no_correlation(words[1]).map_err(err)?;
    }
    Ok(Chance {
        p: p.unwrap_or(0.0),
        corr: 0.0,
    })
}

/// Parses `request`, `reply` or `both`.
pub fn parse_direction(spec: &str) -> Result<Where, SpecError> {
    match spec.trim() {
        "request" | "requests" => Ok(Where::Request),
        "reply" | "replies" => Ok(Where::Reply),
        "both" => Ok(Where::Both),
        _ => Err(SpecError::new(spec, tr!("scenario-spec-direction"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One name for Bernoulli loss: the scenario file's `bernoulli` works in a spec too, and
    /// means exactly netem's `random` (so `model explain "bernoulli 0.5"` is no error).
    #[test]
    fn bernoulli_is_random() {
        assert_eq!(
            parse_loss("bernoulli 0.5").unwrap(),
            parse_loss("random 50%").unwrap()
        );
        assert!(crate::cmd::model::explain("bernoulli 0.5").is_ok());
    }

    #[test]
    fn decimals_move_the_point_in_the_text() {
        assert_eq!(decimal("30", -2), Some(0.3));
        assert_eq!(decimal("0.5", 0), Some(0.5));
        assert_eq!(decimal("1.5", 6), Some(1_500_000.0));
        assert_eq!(decimal(".5", 0), Some(0.5));
        assert_eq!(decimal("7", -2), Some(0.07));
        assert_eq!(decimal("", 0), None);
        assert_eq!(decimal("1e3", 0), None);
        assert_eq!(decimal("-1", 0), None);
        assert_eq!(decimal("1.2.3", 0), None);
    }

    /// Printing then parsing gives the same bits, including values that have no short decimal
    /// percentage (0.1 + 0.2) and ones where `x * 100.0 / 100.0 != x`.
    #[test]
    fn percentages_round_trip_exactly() {
        for p in [
            0.0,
            1.0,
            0.5,
            0.07,
            0.1 + 0.2,
            1e-7,
            0.123_456_789_012_345_67,
            1.0 / 3.0,
            0.05 * 3.0 / 0.95,
        ] {
            let text = percent(p);
            assert_eq!(probability("p", &text), Ok(p), "{p} -> {text}");
        }
        assert_eq!(percent(0.05), "5%");
        assert_eq!(percent(0.305), "30.5%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn probabilities_take_percent_or_fraction() {
        assert_eq!(probability("p", "50%"), Ok(0.5));
        assert_eq!(probability("p", "0.5"), Ok(0.5));
        assert_eq!(probability("p", "100%"), Ok(1.0));
        assert_eq!(probability("p", "1"), Ok(1.0));
        assert_eq!(
            probability("r", "130%").unwrap_err(),
            "r = 130% is not a probability (0% to 100%)"
        );
        assert!(
            probability("p", "5")
                .unwrap_err()
                .contains("write 5% for 5 percent")
        );
        assert!(
            probability("p", "-5%")
                .unwrap_err()
                .contains("p = -5% is not a probability")
        );
        assert!(
            probability("p", "half")
                .unwrap_err()
                .contains("p = half is not a number")
        );
    }

    #[test]
    fn times_take_tc_units() {
        assert_eq!(time("delay", "100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(time("delay", "1.5s"), Ok(Duration::from_micros(1_500_000)));
        assert_eq!(time("delay", "80us"), Ok(Duration::from_micros(80)));
        assert_eq!(time("delay", "2msec"), Ok(Duration::from_millis(2)));
        assert_eq!(time("delay", "1sec"), Ok(Duration::from_secs(1)));
        assert!(
            time("delay", "100")
                .unwrap_err()
                .contains("delay = 100 has no unit")
        );
        assert!(
            time("jitter", "3h")
                .unwrap_err()
                .contains("unknown unit \"h\"")
        );
        assert!(time("delay", "ms").unwrap_err().contains("is not a time"));
    }
}
