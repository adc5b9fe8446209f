//! The impairment set of a run, in netem's terms: which loss model, delay, duplication,
//! reordering and corruption, and which direction they act on.
//!
//! Owns the rules that combine the specs: netem's requirement that reordering comes with a
//! delay, and losslab's default direction. Invariant: a parsed [`ImpairConfig`] is valid (every
//! probability in [0, 1], reorder only with a delay) and prints to a `tc` line that parses back
//! to an equal config.
//!
//! Default direction, when none is given:
//! - only loss: `request`. The lab's server discards requests, and the pinned seed-42 results
//!   depend on it;
//! - delay, duplicate, reorder or corrupt without loss: `reply`. They are things done to the
//!   server's answer (a held, doubled, overtaken or damaged reply);
//! - both kinds: an error asking for `direction`, since the two defaults disagree;
//! - `both` only when asked: every impairment then acts on each direction independently, each
//!   with its own streams (so a round trip with Bernoulli p loses 1 − (1−p)²).

use super::Where;
use super::delay::DelayModel;
use super::loss::LossModel;
use super::spec::{self, SpecError, percent};
use crate::time::Duration;
use serde::Serialize;

/// A probability with netem's correlation (always 0: see [`spec`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Chance {
    pub p: f64,
    pub corr: f64,
}

/// Everything configured, in netem's terms. Each field `None` = not used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImpairConfig {
    pub loss: Option<LossModel>,
    pub delay: Option<DelayModel>,
    pub duplicate: Option<Chance>,
    pub reorder: Option<Chance>,
    pub corrupt: Option<Chance>,
    pub direction: Where,
    /// The time one step of a stateful loss chain stands for, when a retry's place on the chain
    /// should follow the time it waited (see [`super::Impairments::with_retry_schedule`]).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "opt_duration"
    )]
    pub step: Option<Duration>,
}

fn opt_duration<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

impl ImpairConfig {
    /// Nothing impaired.
    pub fn none() -> Self {
        ImpairConfig {
            loss: None,
            delay: None,
            duplicate: None,
            reorder: None,
            corrupt: None,
            direction: Where::Request,
            step: None,
        }
    }

    /// Loss only, on requests: the lab's server as it has always been.
    pub fn loss_only(loss: LossModel) -> Self {
        ImpairConfig {
            loss: Some(loss),
            ..ImpairConfig::none()
        }
    }

    /// Parses one spec per kind, in netem's syntax (see [`spec`]); errors quote the spec.
    pub fn parse(
        loss: Option<&str>,
        delay: Option<&str>,
        duplicate: Option<&str>,
        reorder: Option<&str>,
        corrupt: Option<&str>,
        direction: Option<&str>,
    ) -> Result<Self, SpecError> {
        let config = ImpairConfig {
            loss: loss.map(spec::parse_loss).transpose()?,
            delay: delay.map(spec::parse_delay).transpose()?,
            duplicate: duplicate
                .map(|s| spec::parse_chance("duplicate", s))
                .transpose()?,
            reorder: reorder
                .map(|s| spec::parse_chance("reorder", s))
                .transpose()?,
            corrupt: corrupt
                .map(|s| spec::parse_chance("corrupt", s))
                .transpose()?,
            direction: Where::Request,
            step: None,
        };
        let no_delay = config.delay.is_none_or(|d| d.delay.as_micros() == 0);
        if let (Some(r), true) = (reorder, no_delay) {
            return Err(SpecError::new(
                r,
                crate::tr!("scenario-spec-reorder-server"),
            ));
        }
        let others = [
            ("delay", delay),
            ("duplicate", duplicate),
            ("reorder", reorder),
            ("corrupt", corrupt),
        ];
        let other = others.iter().find_map(|(kind, s)| s.map(|s| (*kind, s)));
        let direction = match (direction, loss, other) {
            (Some(d), _, _) => spec::parse_direction(d)?,
            (None, Some(_), Some((kind, s))) => {
                return Err(SpecError::new(
                    s,
                    crate::tr!("scenario-spec-direction-needed", kind = kind),
                ));
            }
            (None, None, Some(_)) => Where::Reply,
            (None, _, None) => Where::Request,
        };
        Ok(ImpairConfig {
            direction,
            ..config
        })
    }

    /// True when nothing is configured.
    pub fn is_none(&self) -> bool {
        self.loss.is_none()
            && self.delay.is_none()
            && self.duplicate.is_none()
            && self.reorder.is_none()
            && self.corrupt.is_none()
    }

    /// The netem arguments alone (`loss gemodel 1% 30% delay 10ms`), or `none`, for a console.
    pub fn describe(&self) -> String {
        if self.is_none() {
            return "none".into();
        }
        let line = self.tc_line("DEV");
        let args = line.split(" netem ").nth(1).unwrap_or(&line);
        let args = args.split(" #").next().unwrap_or(args).trim();
        // tc_line writes a pattern as random loss at its rate (netem has no pattern); the
        // console names the model that actually runs.
        let args = match &self.loss {
            Some(l @ LossModel::Pattern { .. }) => args.replacen(
                &format!("loss random {}", percent(l.expected_loss())),
                &format!("loss {}", l.spec()),
                1,
            ),
            _ => args.to_string(),
        };
        format!("{args} (on {})", self.direction.as_str())
    }

    /// [`Self::describe`] in the user's language, for console lines (the netem arguments stay
    /// netem's; the direction is translated). `describe` itself is recorded in files.
    pub fn describe_console(&self) -> String {
        if self.is_none() {
            return crate::tr!("impair-none");
        }
        let english = self.describe();
        let args = english
            .rsplit_once(" (on ")
            .map_or(english.as_str(), |(a, _)| a);
        let direction = match self.direction {
            Where::Request => crate::tr!("impair-dir-request"),
            Where::Reply => crate::tr!("impair-dir-reply"),
            Where::Both => crate::tr!("impair-dir-both"),
        };
        crate::tr!("impair-on", args = args, direction = direction)
    }

    /// Loss a request/reply round trip suffers from the loss model: one direction's loss, or
    /// `1 - (1 - l)^2` when it acts on both.
    pub fn expected_round_trip_loss(&self) -> f64 {
        let l = self.expected_loss();
        match self.direction {
            Where::Both => 1.0 - (1.0 - l) * (1.0 - l),
            _ => l,
        }
    }

    /// The mean length of a run of lost first attempts the model predicts (RFC 3357's loss
    /// period), when losses come from one direction's model; `None` without loss or when both
    /// directions lose (two chains' runs interleave).
    pub fn expected_mean_loss_period(&self) -> Option<f64> {
        if self.direction == Where::Both {
            return None;
        }
        self.loss
            .and_then(|l| l.mean_burst_length())
            .filter(|m| m.is_finite())
    }

    /// The variance inflation of the loss count under the model ([`LossModel::loss_variance_factor`]);
    /// 1 without loss. With loss in both directions it is the one-direction figure, a slight
    /// underestimate.
    pub fn loss_variance_factor(&self) -> f64 {
        self.loss.map_or(1.0, |l| l.loss_variance_factor())
    }

    /// The equivalent `tc qdisc add dev DEV root netem ...` line. netem acts on the egress of
    /// `dev` only, so the direction is for the user to pick by choosing the device; a `pattern`
    /// has no netem form and is written as random loss at its rate, with a comment saying so.
    pub fn tc_line(&self, dev: &str) -> String {
        let mut line = self.tc_command(dev);
        if let Some(LossModel::Pattern { pattern }) = &self.loss {
            line += &format!(
                "  # netem has no deterministic loss; pattern {pattern} loses the same share"
            );
        }
        line
    }

    /// [`Self::tc_line`] without its comment: the command alone, for a console that says in
    /// the user's language why a pattern became random loss.
    pub fn tc_command(&self, dev: &str) -> String {
        let mut line = format!("tc qdisc add dev {dev} root netem");
        if let Some(d) = &self.delay {
            line += &format!(" delay {}", d.spec());
        }
        match &self.loss {
            Some(LossModel::Pattern { pattern }) => {
                let rate = LossModel::Pattern { pattern: *pattern }.expected_loss();
                line += &format!(" loss random {}", percent(rate));
            }
            Some(l) => line += &format!(" loss {}", l.spec()),
            None => {}
        }
        for (kind, chance) in [
            ("duplicate", self.duplicate),
            ("reorder", self.reorder),
            ("corrupt", self.corrupt),
        ] {
            if let Some(c) = chance {
                line += &format!(" {kind} {}", percent(c.p));
            }
        }
        line
    }

    /// Long-run loss the model predicts for one direction (closed form; see
    /// [`LossModel::expected_loss`]).
    pub fn expected_loss(&self) -> f64 {
        self.loss.map_or(0.0, |l| l.expected_loss())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impair::delay::Distribution;
    use crate::time::Duration;

    fn parse_all(
        loss: Option<&str>,
        delay: Option<&str>,
        dup: Option<&str>,
        reorder: Option<&str>,
        corrupt: Option<&str>,
        dir: Option<&str>,
    ) -> Result<ImpairConfig, String> {
        ImpairConfig::parse(loss, delay, dup, reorder, corrupt, dir).map_err(|e| e.to_string())
    }

    fn loss(spec: &str) -> Result<LossModel, String> {
        parse_all(Some(spec), None, None, None, None, None).map(|c| c.loss.unwrap())
    }

    #[test]
    fn each_loss_form_parses_with_netems_defaults() {
        assert_eq!(loss("random 5%"), Ok(LossModel::Bernoulli { p: 0.05 }));
        assert_eq!(loss("0.5"), Ok(LossModel::Bernoulli { p: 0.5 }));
        assert_eq!(loss("50%"), Ok(LossModel::Bernoulli { p: 0.5 }));
        assert_eq!(
            loss("loss random 1% 0%"),
            Ok(LossModel::Bernoulli { p: 0.01 })
        );
        assert_eq!(
            loss("gemodel 1%"),
            Ok(LossModel::GilbertElliott {
                p: 0.01,
                r: 0.99,
                one_minus_h: 1.0,
                one_minus_k: 0.0
            })
        );
        assert_eq!(
            loss("gemodel 1% 30% 80% 0.5%"),
            Ok(LossModel::GilbertElliott {
                p: 0.01,
                r: 0.3,
                one_minus_h: 0.8,
                one_minus_k: 0.005
            })
        );
        assert_eq!(
            loss("state 2%"),
            Ok(LossModel::FourState {
                p13: 0.02,
                p31: 0.98,
                p32: 0.0,
                p23: 1.0,
                p14: 0.0
            })
        );
        assert_eq!(
            loss("state 2% 40% 30% 20% 1%"),
            Ok(LossModel::FourState {
                p13: 0.02,
                p31: 0.4,
                p32: 0.3,
                p23: 0.2,
                p14: 0.01
            })
        );
        let pattern = loss("pattern 1001").unwrap();
        assert_eq!(pattern.spec(), "pattern 1001");
        assert_eq!(loss("pattern 10 01").unwrap(), pattern);
        let bursty = loss("bursty 5% burst 3").unwrap();
        assert_eq!(bursty, LossModel::bursty(0.05, 3.0).unwrap());
        assert!(matches!(
            bursty,
            LossModel::GilbertElliott {
                one_minus_h: 1.0,
                one_minus_k: 0.0,
                ..
            }
        ));
    }

    #[test]
    fn delay_and_chances_parse() {
        let c = parse_all(
            None,
            Some("100ms 10ms distribution normal"),
            Some("1%"),
            Some("25%"),
            Some("0.1%"),
            None,
        )
        .unwrap();
        assert_eq!(
            c.delay,
            Some(DelayModel {
                delay: Duration::from_millis(100),
                jitter: Duration::from_millis(10),
                distribution: Distribution::Normal
            })
        );
        assert_eq!(c.duplicate, Some(Chance { p: 0.01, corr: 0.0 }));
        assert_eq!(c.reorder, Some(Chance { p: 0.25, corr: 0.0 }));
        assert_eq!(
            c.corrupt,
            Some(Chance {
                p: 0.001,
                corr: 0.0
            })
        );
        let d = |s| {
            parse_all(None, Some(s), None, None, None, None)
                .unwrap()
                .delay
                .unwrap()
        };
        assert_eq!(
            d("1.5s"),
            DelayModel::constant(Duration::from_micros(1_500_000))
        );
        assert_eq!(d("delay 80us 20us 0%").jitter, Duration::from_micros(20));
        assert_eq!(d("100ms 10ms distribution uniform"), d("100ms 10ms"));
        assert_eq!(
            d("100ms 10ms distribution paretonormal").distribution,
            Distribution::ParetoNormal
        );
    }

    #[test]
    fn direction_defaults_follow_what_is_configured() {
        let dir = |l, d, x| parse_all(l, d, None, None, None, x).map(|c| c.direction);
        assert_eq!(dir(Some("1%"), None, None), Ok(Where::Request));
        assert_eq!(dir(None, Some("10ms"), None), Ok(Where::Reply));
        assert_eq!(dir(None, None, None), Ok(Where::Request));
        assert_eq!(dir(Some("1%"), Some("10ms"), Some("both")), Ok(Where::Both));
        assert_eq!(dir(None, Some("10ms"), Some("request")), Ok(Where::Request));
        assert_eq!(
            dir(Some("1%"), Some("10ms"), None).unwrap_err(),
            "\"10ms\": with both loss and delay, say which packets they act on: set direction \
             to request, reply or both (loss alone defaults to request, delay alone to reply)"
        );
        assert_eq!(
            dir(None, None, Some("sideways")).unwrap_err(),
            "\"sideways\": direction must be request (client to server), reply (server to \
             client) or both"
        );
    }

    /// Each error quotes the spec and names the number.
    #[test]
    fn errors_quote_the_spec_and_name_the_number() {
        let cases = [
            (
                "gemodel 1% 130%",
                "\"gemodel 1% 130%\": r = 130% is not a probability (0% to 100%)",
            ),
            (
                "gemodel 1% 30% 120%",
                "\"gemodel 1% 30% 120%\": 1-h = 120% is not a probability (0% to 100%)",
            ),
            (
                "state 2% 40% 30% 20% 101%",
                "\"state 2% 40% 30% 20% 101%\": p14 = 101% is not a probability (0% to 100%)",
            ),
            (
                "state 60% 10% 0% 100% 50%",
                "\"state 60% 10% 0% 100% 50%\": p13 + p14 = 60% + 50% is more than 100%: both leave state 1",
            ),
            (
                "state 10% 70% 40%",
                "\"state 10% 70% 40%\": p31 + p32 = 70% + 40% is more than 100%: both leave state 3",
            ),
            (
                "random 150%",
                "\"random 150%\": p = 150% is not a probability (0% to 100%)",
            ),
            (
                "gemodel 1% x",
                "\"gemodel 1% x\": r = x is not a number; write a percentage like 30% or a fraction like 0.3",
            ),
            (
                "gemodel 1% 2% 3% 4% 5%",
                "\"gemodel 1% 2% 3% 4% 5%\": 5% is one number too many: gemodel takes p [r [1-h [1-k]]]",
            ),
            (
                "gemodel",
                "\"gemodel\": gemodel needs p: gemodel p [r [1-h [1-k]]]",
            ),
            (
                "random 5% 25%",
                "\"random 5% 25%\": correlation 25% is not supported (only 0%): netem's correlation averages each random number with the previous one, which also changes the rate; losslab draws every packet independently",
            ),
            (
                "bursty 60% burst 1",
                "\"bursty 60% burst 1\": P = 60% with L = 1 needs p = P·r/(1-P) = 150%, over 100%: with that loss the mean burst is at least P/(1-P) = 1.5 packets",
            ),
            (
                "bursty 5% burst 0.5",
                "\"bursty 5% burst 0.5\": L = 0.5 is not a mean burst length (at least 1 packet)",
            ),
            (
                "bursty 5% 3",
                "\"bursty 5% 3\": write bursty P burst L (mean loss and mean burst length, like bursty 5% burst 3)",
            ),
            (
                "pattern 10a1",
                "\"pattern 10a1\": the pattern has \"a\"; write only 1 (lost) and 0 (delivered), like 1001",
            ),
            (
                "",
                "\"\": no loss model; write random P, state p13 [p31 [p32 [p23 [p14]]]], gemodel p [r [1-h [1-k]]], pattern 1001..., or bursty P burst L",
            ),
        ];
        for (spec, expected) in cases {
            assert_eq!(loss(spec).unwrap_err(), expected, "{spec}");
        }
        assert!(
            loss("burst 5%")
                .unwrap_err()
                .starts_with("\"burst 5%\": unknown loss model \"burst\"")
        );
        assert!(
            loss("random 5").unwrap_err().contains(
                "p = 5 is not a probability (0% to 100%): a number without % is a fraction"
            )
        );
        let delay = |s| parse_all(None, Some(s), None, None, None, None).unwrap_err();
        assert_eq!(
            delay("100 10ms"),
            "\"100 10ms\": delay = 100 has no unit; write it like 100ms, 1.5s or 80us"
        );
        assert_eq!(
            delay("100ms 1x"),
            "\"100ms 1x\": jitter = 1x has unknown unit \"x\"; use us, ms or s"
        );
        assert!(
            delay("100ms 10ms 25%")
                .starts_with("\"100ms 10ms 25%\": correlation 25% is not supported")
        );
        assert_eq!(
            delay("100ms 10ms distribution gamma"),
            "\"100ms 10ms distribution gamma\": unknown distribution \"gamma\"; use uniform, normal, pareto or paretonormal"
        );
        assert!(
            delay("100ms distribution normal")
                .contains("distribution normal needs a delay and a jitter")
        );
        let chance = |d, r| parse_all(None, d, Some(r), None, None, None).unwrap_err();
        assert_eq!(
            chance(None, "130%"),
            "\"130%\": duplicate = 130% is not a probability (0% to 100%)"
        );
        let reorder = parse_all(None, None, None, Some("25%"), None, None).unwrap_err();
        assert!(
            reorder.starts_with("\"25%\": reorder needs a delay"),
            "{reorder}"
        );
        let zero = parse_all(None, Some("0ms"), None, Some("25%"), None, None).unwrap_err();
        assert!(zero.starts_with("\"25%\": reorder needs a delay"), "{zero}");
        let gap = parse_all(None, Some("10ms"), None, Some("25% gap 5"), None, None).unwrap_err();
        assert!(gap.contains("gap is not supported"), "{gap}");
    }

    /// Splits the arguments of a `tc ... netem` line back into one spec per kind.
    fn tc_args(line: &str) -> [Option<String>; 5] {
        let args = line
            .split(" netem")
            .nth(1)
            .unwrap()
            .split("  #")
            .next()
            .unwrap();
        let kinds = ["loss", "delay", "duplicate", "reorder", "corrupt"];
        let mut out: [Option<String>; 5] = Default::default();
        let mut current = None;
        for word in args.split_whitespace() {
            if let Some(i) = kinds.iter().position(|k| *k == word) {
                current = Some(i);
                out[i] = Some(String::new());
            } else {
                let s = out[current.unwrap()].as_mut().unwrap();
                if !s.is_empty() {
                    s.push(' ');
                }
                s.push_str(word);
            }
        }
        out
    }

    #[test]
    fn tc_line_round_trips() {
        let configs = [
            (Some("random 5%"), None, None, None, None, None),
            (
                Some("gemodel 1% 30% 80% 0.5%"),
                None,
                None,
                None,
                None,
                None,
            ),
            (Some("bursty 7% burst 3"), None, None, None, None, None),
            (
                Some("state 2% 40% 30% 20% 1%"),
                Some("100ms 10ms distribution pareto"),
                None,
                None,
                None,
                Some("both"),
            ),
            (
                None,
                Some("1.5s 300us"),
                Some("1%"),
                Some("25%"),
                Some("0.1%"),
                None,
            ),
            (
                Some("0.123456789"),
                Some("20ms 5ms distribution paretonormal"),
                Some("33.3%"),
                None,
                None,
                Some("reply"),
            ),
            (None, None, None, None, None, None),
        ];
        for (l, d, dup, r, c, dir) in configs {
            let config = parse_all(l, d, dup, r, c, dir).unwrap();
            let line = config.tc_line("eth0");
            assert!(
                line.starts_with("tc qdisc add dev eth0 root netem"),
                "{line}"
            );
            let [l2, d2, dup2, r2, c2] = tc_args(&line);
            let back = parse_all(
                l2.as_deref(),
                d2.as_deref(),
                dup2.as_deref(),
                r2.as_deref(),
                c2.as_deref(),
                dir,
            )
            .unwrap();
            assert_eq!(back, config, "{line}");
        }
        let bursty = parse_all(Some("bursty 5% burst 3"), None, None, None, None, None).unwrap();
        assert!(
            bursty.tc_line("lo").contains(" loss gemodel "),
            "{}",
            bursty.tc_line("lo")
        );
        let c = parse_all(
            Some("gemodel 1% 30%"),
            Some("100ms 10ms distribution normal"),
            Some("1%"),
            None,
            None,
            Some("both"),
        )
        .unwrap();
        assert_eq!(
            c.tc_line("lo"),
            "tc qdisc add dev lo root netem delay 100ms 10ms distribution normal loss gemodel 1% 30% 100% 0% duplicate 1%"
        );
        let p = parse_all(Some("pattern 10"), None, None, None, None, None).unwrap();
        // The console names the pattern that runs, not netem's stand-in for it (issue 15).
        assert_eq!(p.describe(), "loss pattern 10 (on request)");
        assert_eq!(
            p.tc_line("lo"),
            "tc qdisc add dev lo root netem loss random 50%  # netem has no deterministic loss; pattern 10 loses the same share"
        );
    }

    #[test]
    fn expected_loss_is_the_models() {
        let c = parse_all(Some("gemodel 5% 30% 80% 1%"), None, None, None, None, None).unwrap();
        let (p, r, h1, k1) = (0.05, 0.3, 0.8, 0.01);
        assert!((c.expected_loss() - (k1 * r / (p + r) + h1 * p / (p + r))).abs() < 1e-15);
        assert_eq!(ImpairConfig::none().expected_loss(), 0.0);
        assert!(ImpairConfig::none().is_none());
        let b = parse_all(Some("bursty 5% burst 3"), None, None, None, None, None).unwrap();
        assert!((b.expected_loss() - 0.05).abs() < 1e-15);
    }

    #[test]
    fn serializes_in_netems_terms() {
        let c = parse_all(
            Some("gemodel 1% 30%"),
            Some("100ms 10ms"),
            None,
            None,
            None,
            Some("both"),
        )
        .unwrap();
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            "{\"loss\":{\"model\":\"gemodel\",\"p\":0.01,\"r\":0.3,\"1-h\":1.0,\"1-k\":0.0},\
             \"delay\":{\"delay_us\":100000,\"jitter_us\":10000,\"distribution\":\"uniform\"},\
             \"duplicate\":null,\"reorder\":null,\"corrupt\":null,\"direction\":\"both\"}"
        );
        let b = serde_json::to_string(&LossModel::Bernoulli { p: 0.5 }).unwrap();
        assert_eq!(b, "{\"model\":\"bernoulli\",\"p\":0.5}");
        let p = serde_json::to_string(&LossModel::Pattern {
            pattern: crate::impair::loss::Pattern::parse("10").unwrap(),
        })
        .unwrap();
        assert_eq!(p, "{\"model\":\"pattern\",\"pattern\":\"10\"}");
    }
}
