//! A progress bar for live runs on a terminal: logical requests finished out of the total,
//! packets, replies, loss so far, time elapsed and left.
//!
//! It draws on standard error through `indicatif`, and only when the caller decided standard
//! error is a terminal (and the user did not ask for `--quiet`), so logs and pipes never see
//! it. It reads the wall clock, which the core never does: this is the command's layer.
//! Invariant: it redraws at most once per [`REDRAW`] of wall time, whatever the packet rate, and
//! it is cleared before the run's summary is printed. Its running loss counts only packets sent
//! long enough ago to be decided ([`RunningLoss`]), so it neither reads low nor "rises".

use crate::client::loadgen::{Outcome, Record};
use crate::time::{Duration as CoreDuration, Instant as CoreInstant};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
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

    /// The bar's text, with the loss `running` has decided.
    pub fn line(&self, running: &RunningLoss) -> String {
        let (lost, decided) = running.decided();
        let loss = if decided == 0 {
            "-".to_string()
        } else {
            format!("{:.1}%", lost as f64 * 100.0 / decided as f64)
        };
        crate::tr!(
            "progress-line",
            packets = self.packets,
            replies = self.replies,
            loss = loss
        )
    }
}

/// The loss so far among packets whose fate is settled. A reply is recorded as it arrives but
/// a timeout only when its attempt's wait (timeout + late window) is over, so counting every
/// record as it comes reads low while the last `horizon` of losses are still pending. Here a
/// packet counts once the newest send seen is `horizon` past its own send: by then its reply
/// or its timeout has been recorded, whichever it was.
pub struct RunningLoss {
    horizon: CoreDuration,
    newest: CoreInstant,
    /// Packets not yet settled: (sent, lost).
    waiting: BinaryHeap<Reverse<(CoreInstant, bool)>>,
    lost: u64,
    decided: u64,
}

impl RunningLoss {
    pub fn new(horizon: CoreDuration) -> Self {
        RunningLoss {
            horizon,
            newest: CoreInstant::ZERO,
            waiting: BinaryHeap::new(),
            lost: 0,
            decided: 0,
        }
    }

    pub fn add(&mut self, r: &Record) {
        let lost = match r.outcome {
            Outcome::Reply => false,
            Outcome::Timeout => true,
            _ => return,
        };
        self.newest = self.newest.max(r.sent);
        self.waiting.push(Reverse((r.sent, lost)));
        while let Some(&Reverse((sent, lost))) = self.waiting.peek()
            && sent + self.horizon <= self.newest
        {
            self.waiting.pop();
            self.decided += 1;
            self.lost += u64::from(lost);
        }
    }

    /// (lost, settled) packets so far.
    pub fn decided(&self) -> (u64, u64) {
        (self.lost, self.decided)
    }
}

pub struct LiveProgress {
    bar: ProgressBar,
    counts: Counts,
    running: RunningLoss,
    retries: u8,
    last: Option<Instant>,
}

impl LiveProgress {
    /// A bar on standard error for `total` logical requests; `horizon` is how long after its
    /// send a packet's fate is settled (timeout + late window).
    pub fn new(total: u64, retries: u8, horizon: CoreDuration) -> Self {
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
            running: RunningLoss::new(horizon),
            retries,
            last: None,
        }
    }

    pub fn record(&mut self, r: &Record) {
        self.counts.add(r, self.retries);
        self.running.add(r);
        let now = Instant::now();
        if self.last.is_none_or(|t| now.duration_since(t) >= REDRAW) {
            self.last = Some(now);
            self.bar.set_message(self.counts.line(&self.running));
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
        let mut running = RunningLoss::new(CoreDuration::ZERO);
        for r in [rec(0, Outcome::Timeout), rec(0, Outcome::Reply)] {
            running.add(&r);
        }
        assert_eq!(c.line(&running), "5 packets, 1 replies, loss 50.0%");
    }

    /// Replies arrive at once, timeouts a horizon later: a running loss over every record would
    /// read 0% here and then "rise". Counting only settled packets, it reads the true 50%
    /// whenever it reads anything.
    #[test]
    fn running_loss_waits_for_pending_timeouts() {
        let ms = |v: u64| At::from_micros(v * 1000);
        let mut running = RunningLoss::new(CoreDuration::from_millis(200));
        let at = |sent: u64, outcome: Outcome| Record {
            sent: ms(sent),
            ..rec(0, outcome)
        };
        // Packets every 10 ms, every other one lost; a loss is recorded 200 ms after its send.
        for t in (0..1000u64).step_by(10) {
            if (t / 10) % 2 == 0 {
                running.add(&at(t, Outcome::Reply));
            }
            if t >= 200 && ((t - 200) / 10) % 2 == 1 {
                running.add(&at(t - 200, Outcome::Timeout));
            }
            let (lost, decided) = running.decided();
            if decided >= 10 {
                let loss = lost as f64 / decided as f64;
                assert!((0.4..=0.6).contains(&loss), "at {t} ms: {lost}/{decided}");
            }
        }
        assert!(running.decided().1 >= 60);
    }
}
