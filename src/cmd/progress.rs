//! A progress bar for live runs on a terminal: logical requests finished out of the total,
//! packets, replies, loss so far, time elapsed and left.
//!
//! It draws on standard error through `indicatif`, and only when the caller decided standard
//! error is a terminal (and the user did not ask for `--quiet`), so logs and pipes never see
//! it. It reads the wall clock, which the core never does: this is the command's layer.
//! Invariant: it redraws at most once per [`REDRAW`] of wall time, whatever the packet rate, and
//! it is cleared before the run's summary is printed.

use crate::client::loadgen::{Outcome, Record};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::{Duration, Instant};

/// Least wall time between two redraws.
pub const REDRAW: Duration = Duration::from_millis(100);

/// Counts what a run has finished so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Logical requests that are over (answered, or out of attempts, or failed).
    pub done: u64,
    /// Packets (attempts) finished.
    pub packets: u64,
    pub replies: u64,
    pub lost: u64,
}

impl Counts {
    /// Adds one finished packet; `retries` is how many retries a timed-out request gets.
    pub fn add(&mut self, r: &Record, retries: u8) {
        self.packets += 1;
        match r.outcome {
            Outcome::Reply => self.replies += 1,
            Outcome::Timeout => self.lost += 1,
            _ => {}
        }
        // Only a timeout is retried, and only while attempts remain.
        if r.outcome != Outcome::Timeout || r.id.attempt >= retries {
            self.done += 1;
        }
    }

    pub fn line(&self) -> String {
        let decided = self.replies + self.lost;
        let loss = if decided == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", self.lost as f64 * 100.0 / decided as f64)
        };
        format!(
            "{} packets, {} replies, loss {loss}",
            self.packets, self.replies
        )
    }
}

pub struct LiveProgress {
    bar: ProgressBar,
    counts: Counts,
    retries: u8,
    last: Option<Instant>,
}

impl LiveProgress {
    /// A bar on standard error for `total` logical requests.
    pub fn new(total: u64, retries: u8) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{bar:30} {pos}/{len} requests | {msg} | {elapsed} elapsed, ~{eta} left",
        )
        .expect("the template is valid")
        .progress_chars("=> ");
        bar.set_style(style);
        LiveProgress {
            bar,
            counts: Counts::default(),
            retries,
            last: None,
        }
    }

    pub fn record(&mut self, r: &Record) {
        self.counts.add(r, self.retries);
        let now = Instant::now();
        if self.last.is_none_or(|t| now.duration_since(t) >= REDRAW) {
            self.last = Some(now);
            self.bar.set_message(self.counts.line());
            self.bar.set_position(self.counts.done);
        }
    }

    /// Runs `f` (which prints) with the bar hidden, so lines and bar do not mix.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Instant as At;
    use crate::wire::time::RequestId;

    fn rec(attempt: u8, outcome: Outcome) -> Record {
        Record {
            id: RequestId {
                client: 0,
                seq: 1,
                attempt,
            },
            index: 0,
            sent: At::ZERO,
            intended: At::ZERO,
            outcome,
            rtt: None,
            late_rtt: None,
            connect: None,
        }
    }

    #[test]
    fn a_request_is_done_when_answered_or_out_of_attempts() {
        let mut c = Counts::default();
        c.add(&rec(0, Outcome::Timeout), 2);
        c.add(&rec(1, Outcome::Timeout), 2);
        assert_eq!(
            c.done, 0,
            "two retries are left after attempt 0, one after attempt 1"
        );
        c.add(&rec(2, Outcome::Timeout), 2);
        assert_eq!(c.done, 1);
        c.add(&rec(0, Outcome::Reply), 2);
        c.add(&rec(0, Outcome::Interrupted), 2);
        assert_eq!(
            c,
            Counts {
                done: 3,
                packets: 5,
                replies: 1,
                lost: 3
            }
        );
        assert_eq!(c.line(), "5 packets, 1 replies, loss 75.0%");
    }
}
