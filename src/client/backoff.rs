//! Retries and backoff: how long a client waits, after an attempt timed out, before it sends the
//! next attempt of the same logical request.
//!
//! Every attempt waits the same Tmax for its reply (RFC 7680's waiting time stays one number per
//! run); backoff is the pause between that timeout and the retry:
//! - `none`: retry at once, the naive client;
//! - `fixed D`: wait D before every retry;
//! - `exponential B xF max M`: wait `min(B·F^(a-1), M)` before attempt a (a = 1, 2, ...), the
//!   shape of TCP's retransmission backoff (RFC 6298 §5.5) with a cap;
//! - any of them `jitter J%`: the wait is scaled by a factor drawn uniformly from [1-J, 1+J], so
//!   clients that lost packets together do not retry together.
//!
//! Invariant: a wait is a pure function of (seed, client, seq, attempt) — the jitter draw is keyed
//! like every impairment draw ([`KeyedDraw`]) — so the server's loss chain can compute the same
//! schedule the client follows, and a rerun retries at the same offsets.

use crate::impair::{KeyedDraw, PacketKey, Purpose};
use crate::time::{Duration, Instant};
use crate::timer::TimerWheel;
use crate::tr;
use crate::wire::time::RequestId;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BackoffKind {
    None,
    Fixed(Duration),
    Exponential {
        base: Duration,
        factor: f64,
        max: Duration,
    },
}

/// A retry policy: the wait before attempt a ≥ 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    pub kind: BackoffKind,
    /// Relative jitter J in [0, 1): the wait is scaled by a uniform factor in [1-J, 1+J].
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::NONE
    }
}

impl Backoff {
    pub const NONE: Backoff = Backoff {
        kind: BackoffKind::None,
        jitter: 0.0,
    };

    /// Parses `none`, `fixed 50ms`, `exponential 100ms x2 max 2s`, each optionally followed by
    /// `jitter 20%`. The error says what was expected.
    pub fn parse(text: &str) -> Result<Backoff, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let dur = |w: Option<&&str>, what: String| -> Result<Duration, String> {
            let w = w.ok_or_else(|| {
                tr!(
                    "scenario-backoff-missing",
                    text = text,
                    what = what.as_str()
                )
            })?;
            Duration::parse(w).map_err(|e| {
                tr!(
                    "scenario-backoff-part",
                    text = text,
                    what = what.as_str(),
                    error = e
                )
            })
        };
        let (kind, rest) = match words.first().copied() {
            Some("none") | Some("immediate") => (BackoffKind::None, &words[1..]),
            Some("fixed") => (
                BackoffKind::Fixed(dur(words.get(1), tr!("scenario-backoff-the-wait"))?),
                &words[2..],
            ),
            Some("exponential") => {
                let base = dur(words.get(1), tr!("scenario-backoff-the-first-wait"))?;
                let factor = words
                    .get(2)
                    .and_then(|w| w.strip_prefix('x'))
                    .and_then(|f| f.parse::<f64>().ok())
                    .filter(|f| f.is_finite() && *f >= 1.0)
                    .ok_or_else(|| tr!("scenario-backoff-factor", text = text))?;
                if words.get(3) != Some(&"max") {
                    return Err(tr!("scenario-backoff-no-cap", text = text));
                }
                let max = dur(words.get(4), tr!("scenario-backoff-the-cap"))?;
                if max < base {
                    return Err(tr!("scenario-backoff-cap-short", text = text));
                }
                (BackoffKind::Exponential { base, factor, max }, &words[5..])
            }
            _ => {
                return Err(tr!("scenario-backoff-forms", text = text));
            }
        };
        let jitter = match rest {
            [] => 0.0,
            ["jitter", j] => {
                // Through the impairment specs' exact decimal parser, so "7%" is the double
                // nearest 0.07 and prints back as "7%".
                let v = j
                    .strip_suffix('%')
                    .and_then(|_| crate::impair::spec::probability("jitter", j).ok())
                    .filter(|v| (0.0..1.0).contains(v))
                    .ok_or_else(|| tr!("scenario-backoff-jitter", text = text))?;
                if kind == BackoffKind::None && v > 0.0 {
                    return Err(tr!("scenario-backoff-jitter-none", text = text));
                }
                v
            }
            _ => {
                return Err(tr!(
                    "scenario-backoff-unexpected",
                    text = text,
                    rest = rest.join(" ")
                ));
            }
        };
        Ok(Backoff { kind, jitter })
    }

    pub fn is_none(&self) -> bool {
        self.kind == BackoffKind::None
    }

    /// The wait before attempt `attempt` (≥ 1) without jitter.
    pub fn nominal(&self, attempt: u8) -> Duration {
        match self.kind {
            BackoffKind::None => Duration::ZERO,
            BackoffKind::Fixed(d) => d,
            BackoffKind::Exponential { base, factor, max } => {
                let k = i32::from(attempt.max(1)) - 1;
                let us = base.as_micros() as f64 * factor.powi(k);
                Duration::from_micros(us.min(max.as_micros() as f64).round() as u64)
            }
        }
    }

    /// The wait before attempt `id.attempt` (≥ 1) of `id`, jitter included.
    pub fn wait(&self, draw: &mut KeyedDraw, id: RequestId) -> Duration {
        let nominal = self.nominal(id.attempt);
        if self.jitter == 0.0 || nominal == Duration::ZERO {
            return nominal;
        }
        let key = PacketKey {
            flow: id.client,
            seq: u64::from(id.seq),
            attempt: id.attempt,
        };
        let u = draw.uniform(Purpose::BackoffJitter, key);
        let scale = 1.0 + self.jitter * (2.0 * u - 1.0);
        Duration::from_micros((nominal.as_micros() as f64 * scale).round() as u64)
    }
}

impl fmt::Display for Backoff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            BackoffKind::None => write!(f, "none")?,
            BackoffKind::Fixed(d) => write!(f, "fixed {d}")?,
            BackoffKind::Exponential { base, factor, max } => {
                write!(f, "exponential {base} x{factor} max {max}")?
            }
        }
        if self.jitter > 0.0 {
            write!(f, " jitter {}", crate::impair::spec::percent(self.jitter))?;
        }
        Ok(())
    }
}

/// Retries waiting for their backoff to pass, shared by the UDP and TCP loads.
pub struct RetryQueue {
    backoff: Backoff,
    draw: KeyedDraw,
    /// (client index, the attempt to send, when it is meant to leave).
    waiting: TimerWheel<(u32, RequestId, Instant)>,
    fired: Vec<(u32, RequestId, Instant)>,
}

impl RetryQueue {
    pub fn new(backoff: Backoff, seed: u64) -> Self {
        RetryQueue {
            backoff,
            draw: KeyedDraw::new(seed),
            waiting: TimerWheel::new(),
            fired: Vec::new(),
        }
    }

    /// Attempt `retry` of client `index` is due after a timeout at `now`: returns `Some(now)`
    /// when it leaves at once (no backoff), otherwise holds it until its wait has passed.
    pub fn schedule(&mut self, index: u32, retry: RequestId, now: Instant) -> Option<Instant> {
        let wait = self.backoff.wait(&mut self.draw, retry);
        if wait == Duration::ZERO {
            return Some(now);
        }
        let at = now + wait;
        self.waiting.insert(at, (index, retry, at));
        None
    }

    /// Appends the retries whose wait is over by `now` (index, id, intended send time), in
    /// (intended, id) order so the sends do not depend on the wheel's slot order.
    pub fn due(&mut self, now: Instant, out: &mut Vec<(u32, RequestId, Instant)>) {
        self.waiting.expire(now, &mut self.fired);
        self.fired.sort_by_key(|&(_, id, at)| (at, id));
        out.append(&mut self.fired);
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        self.waiting.next_deadline()
    }

    pub fn clear(&mut self) {
        self.waiting = TimerWheel::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(attempt: u8) -> RequestId {
        RequestId {
            client: 3,
            seq: 17,
            attempt,
        }
    }

    #[test]
    fn parses_the_three_shapes() {
        assert_eq!(Backoff::parse("none").unwrap(), Backoff::NONE);
        let f = Backoff::parse("fixed 50ms").unwrap();
        assert_eq!(f.kind, BackoffKind::Fixed(Duration::from_millis(50)));
        let e = Backoff::parse("exponential 100ms x2 max 2s jitter 20%").unwrap();
        assert_eq!(
            e.kind,
            BackoffKind::Exponential {
                base: Duration::from_millis(100),
                factor: 2.0,
                max: Duration::from_secs(2)
            }
        );
        assert!((e.jitter - 0.2).abs() < 1e-12);
        // What it prints parses back to the same policy.
        assert_eq!(Backoff::parse(&e.to_string()).unwrap(), e);
    }

    #[test]
    fn bad_specs_say_what_is_expected() {
        for (spec, needle) in [
            ("linear 5ms", "expected `none`"),
            ("exponential 100ms 2 max 1s", "factor"),
            ("exponential 100ms x2 1s", "cap"),
            ("exponential 1s x2 max 100ms", "shorter"),
            ("fixed", "missing"),
            ("fixed 10", "no unit"),
            ("fixed 10ms jitter 150%", "below 100%"),
            ("none jitter 10%", "no wait"),
            ("fixed 10ms extra", "unexpected"),
        ] {
            let err = Backoff::parse(spec).unwrap_err();
            assert!(err.contains(needle), "{spec}: {err}");
        }
    }

    /// min(100ms · 2^(a-1), 1s): 100, 200, 400, 800, then capped at 1000.
    #[test]
    fn exponential_doubles_up_to_the_cap() {
        let e = Backoff::parse("exponential 100ms x2 max 1s").unwrap();
        let waits: Vec<u64> = (1..=6).map(|a| e.nominal(a).as_micros() / 1000).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn jitter_stays_in_band_and_is_keyed() {
        let e = Backoff::parse("fixed 100ms jitter 50%").unwrap();
        let mut a = KeyedDraw::new(1);
        let mut b = KeyedDraw::new(1);
        let mut seen = Vec::new();
        for seq in 0..2000 {
            let id = RequestId {
                client: 0,
                seq,
                attempt: 1,
            };
            let w = e.wait(&mut a, id).as_micros();
            assert!((50_000..=150_000).contains(&w), "{w}");
            assert_eq!(w, e.wait(&mut b, id).as_micros(), "same key, same wait");
            seen.push(w);
        }
        // Uniform on [50, 150] ms: the mean of 2000 draws is 100 ms ± 3.29·(100/√12)/√2000 ms.
        let mean = seen.iter().sum::<u64>() as f64 / seen.len() as f64;
        let bound = crate::metrics::stats::Z999 * (100_000.0 / 12f64.sqrt()) / 2000f64.sqrt();
        assert!((mean - 100_000.0).abs() < bound, "{mean} ± {bound}");
    }

    #[test]
    fn queue_holds_retries_until_their_wait_is_over() {
        let mut q = RetryQueue::new(Backoff::parse("fixed 10ms").unwrap(), 5);
        let now = Instant::from_micros(1_000);
        assert_eq!(q.schedule(0, id(1), now), None);
        assert_eq!(q.next_deadline(), Some(Instant::from_micros(11_000)));
        let mut out = Vec::new();
        q.due(Instant::from_micros(10_999), &mut out);
        assert!(out.is_empty());
        q.due(Instant::from_micros(11_000), &mut out);
        assert_eq!(out, vec![(0, id(1), Instant::from_micros(11_000))]);
        let mut immediate = RetryQueue::new(Backoff::NONE, 5);
        assert_eq!(immediate.schedule(0, id(1), now), Some(now));
    }
}
