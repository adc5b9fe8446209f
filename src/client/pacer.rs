//! Pacing shared by the UDP and TCP loads: which client sends its next logical request, when.
//!
//! Open loop: each client sends one new request every `interval`, reply or not, the clients
//! staggered evenly across one interval so together they send at a steady rate. Closed loop:
//! each client keeps `concurrency` logical requests open and sends the next as soon as one
//! finishes. Invariants: each client's seqs go out in order 0, 1, 2, ... up to `requests`; a
//! paced send is never early; `open()` counts the logical requests sent and not yet finished.

use super::loadgen::Pacing;
use crate::time::{Duration, Instant};
use crate::timer::TimerWheel;

/// A logical request due now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    pub index: u32,
    pub seq: u32,
    /// When the schedule meant it to leave (open loop), or `now` (closed loop).
    pub intended: Instant,
}

pub struct Pacer {
    pacing: Pacing,
    requests: u32,
    next_seq: Vec<u32>,
    /// Intended time of each client's next paced send.
    next_send: Vec<Instant>,
    /// Paced sends: one timer per open-loop client.
    timers: TimerWheel<u32>,
    fired: Vec<u32>,
    open: usize,
    started: bool,
}

impl Pacer {
    pub fn new(pacing: Pacing, clients: u32, requests: u32) -> Self {
        Pacer {
            pacing,
            requests,
            next_seq: vec![0; clients as usize],
            next_send: vec![Instant::ZERO; clients as usize],
            timers: TimerWheel::new(),
            fired: Vec::new(),
            open: 0,
            started: false,
        }
    }

    pub fn is_started(&self) -> bool {
        self.started
    }

    fn take(&mut self, index: u32, intended: Instant) -> Option<Due> {
        let next = &mut self.next_seq[index as usize];
        if *next >= self.requests {
            return None;
        }
        let seq = *next;
        *next += 1;
        self.open += 1;
        Some(Due {
            index,
            seq,
            intended,
        })
    }

    /// Starts the schedule at the first call, then appends every send due by `now`.
    pub fn advance(&mut self, now: Instant, due: &mut Vec<Due>) {
        if !self.started {
            self.started = true;
            let clients = self.next_seq.len() as u32;
            match self.pacing {
                Pacing::Interval(interval) => {
                    for index in 0..clients {
                        let offset = interval.as_micros() * u64::from(index) / u64::from(clients);
                        let at = now + Duration::from_micros(offset);
                        self.next_send[index as usize] = at;
                        if self.requests > 0 {
                            self.timers.insert(at, index);
                        }
                    }
                }
                Pacing::Closed { concurrency } => {
                    for index in 0..clients {
                        for _ in 0..concurrency {
                            match self.take(index, now) {
                                Some(d) => due.push(d),
                                None => break,
                            }
                        }
                    }
                }
            }
        }
        let Pacing::Interval(interval) = self.pacing else {
            return;
        };
        // A late loop can find the next paced send already due: go round until none is.
        loop {
            self.timers.expire(now, &mut self.fired);
            if self.fired.is_empty() {
                return;
            }
            let fired = std::mem::take(&mut self.fired);
            for &index in &fired {
                let intended = self.next_send[index as usize];
                if let Some(d) = self.take(index, intended) {
                    due.push(d);
                    if self.next_seq[index as usize] < self.requests {
                        let next = intended + interval;
                        self.next_send[index as usize] = next;
                        self.timers.insert(next, index);
                    }
                }
            }
            self.fired = fired;
            self.fired.clear();
        }
    }

    /// A logical request of client `index` is over; closed loop appends the next one.
    pub fn finished(&mut self, index: u32, now: Instant, due: &mut Vec<Due>) {
        self.open -= 1;
        if let Pacing::Closed { .. } = self.pacing
            && let Some(d) = self.take(index, now)
        {
            due.push(d);
        }
    }

    pub fn next_deadline(&self) -> Option<Instant> {
        if !self.started {
            return Some(Instant::ZERO);
        }
        self.timers.next_deadline()
    }

    /// Every client has sent every logical request.
    pub fn all_sent(&self) -> bool {
        self.next_seq.iter().all(|&s| s >= self.requests)
    }

    /// Logical requests sent and not finished.
    pub fn open(&self) -> usize {
        self.open
    }

    /// No more sends (the run was interrupted); open requests no longer count.
    pub fn stop(&mut self) {
        self.started = true;
        for s in &mut self.next_seq {
            *s = self.requests;
        }
        self.open = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(v: u64) -> Instant {
        Instant::from_micros(v)
    }

    #[test]
    fn open_loop_staggers_and_catches_up() {
        let mut p = Pacer::new(Pacing::Interval(Duration::from_millis(10)), 2, 3);
        let mut due = Vec::new();
        p.advance(us(0), &mut due);
        assert_eq!(
            due,
            vec![Due {
                index: 0,
                seq: 0,
                intended: us(0)
            }]
        );
        assert_eq!(p.next_deadline(), Some(us(5_000)));
        due.clear();
        // A loop 21 ms late sends everything due, each with its own intended time.
        p.advance(us(21_000), &mut due);
        let got: Vec<(u32, u32, u64)> = due
            .iter()
            .map(|d| (d.index, d.seq, d.intended.as_micros()))
            .collect();
        assert_eq!(got.len(), 4);
        assert!(got.contains(&(1, 0, 5_000)) && got.contains(&(1, 1, 15_000)));
        assert!(got.contains(&(0, 1, 10_000)) && got.contains(&(0, 2, 20_000)));
        assert_eq!(p.open(), 5);
    }

    #[test]
    fn closed_loop_refills_on_finish() {
        let mut p = Pacer::new(Pacing::Closed { concurrency: 2 }, 1, 3);
        let mut due = Vec::new();
        p.advance(us(0), &mut due);
        assert_eq!(due.len(), 2);
        due.clear();
        p.finished(0, us(7), &mut due);
        assert_eq!(
            due,
            vec![Due {
                index: 0,
                seq: 2,
                intended: us(7)
            }]
        );
        due.clear();
        p.finished(0, us(8), &mut due);
        assert!(due.is_empty() && p.all_sent());
        assert_eq!(p.open(), 1);
    }
}
