//! Loss patterns and delay variation over one client's stream of first attempts.
//!
//! Owns the metrics that depend on the order of packets:
//! - RFC 3357 loss distance and loss periods. The stream is attempt 0 of each seq, in seq order
//!   (retries are a different process: a retry inside a burst is more likely lost, so mixing them
//!   in would describe the client, not the path). A loss period is a maximal run of consecutive
//!   lost packets; its length is the number of packets in it. The loss distance of a loss is the
//!   difference between its seq and the previous loss's seq (RFC 3357 §4.1: losses at 20 and 50
//!   are 30 apart); the first loss has no distance. The inter-loss period is the number of
//!   packets received between two consecutive loss periods.
//! - RFC 3393 IPDV between consecutive packets of the same stream that both got a reply:
//!   `rtt(n+1) - rtt(n)`, signed; a pair with a lost packet has no IPDV (RFC 3393 §3.1). It is
//!   the variation of round-trip delay, since losslab measures RTT, not one-way delay.
//!
//! Records finish out of seq order (a lost packet's row appears after its timeout, later than
//! the replies that followed it), so [`FirstAttempts`] holds a window of seqs until every seq
//! below is known and hands them out in order. Invariant: each seq is handed out at most once,
//! in increasing order; memory is the spread of seqs in flight, not the length of the run.
//! Packets that neither got a reply nor timed out (interrupted, TCP errors) are left out of the
//! stream.

use super::tally::Tally;

/// What happened to the first attempt of one seq.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Unknown,
    Lost,
    /// Replied within the timeout, with this RTT in µs.
    Received(u64),
    /// Not part of the stream (interrupted, failed).
    Excluded,
}

/// A reorder window: first attempts in, seq order out.
///
/// A ring of slots indexed by `seq - base` (a power of two long, positions wrap with a mask),
/// hand-rolled because this runs for every first attempt; a seq that arrives in order while
/// nothing waits (the common case) is handed out without touching the ring.
#[derive(Debug, Default)]
pub struct FirstAttempts {
    /// The lowest seq not yet handed out.
    base: u32,
    /// Where seq `base` is in `slots`.
    head: usize,
    /// Seqs `base .. base + len` are in the ring; the first of them is always `Unknown` (known
    /// ones at the front are handed out at once), every slot outside the range is `Unknown`.
    len: usize,
    slots: Vec<Slot>,
}

impl FirstAttempts {
    /// Notes the fate of `seq`'s first attempt and hands every seq now complete, in order, to
    /// `out`.
    pub fn put(&mut self, seq: u32, slot: Slot, out: &mut impl FnMut(u32, Slot)) {
        let Some(offset) = seq.checked_sub(self.base) else {
            return; // already handed out: a seq has one first attempt
        };
        let offset = offset as usize;
        if offset == 0 && self.len == 0 {
            if slot != Slot::Excluded {
                out(self.base, slot);
            }
            self.base += 1;
            return;
        }
        if offset >= self.slots.len() {
            self.grow(offset);
        }
        self.len = self.len.max(offset + 1);
        let mask = self.slots.len() - 1;
        self.slots[(self.head + offset) & mask] = slot;
        while self.len > 0 && self.slots[self.head] != Slot::Unknown {
            let front = std::mem::replace(&mut self.slots[self.head], Slot::Unknown);
            if front != Slot::Excluded {
                out(self.base, front);
            }
            self.base += 1;
            self.head = (self.head + 1) & mask;
            self.len -= 1;
        }
    }

    /// Reallocates so that `offset` fits, keeping the seqs in the ring in order.
    #[cold]
    fn grow(&mut self, offset: usize) {
        let size = (offset + 1).next_power_of_two().max(16);
        let mut slots = vec![Slot::Unknown; size];
        for (i, s) in slots.iter_mut().enumerate().take(self.len) {
            *s = self.slots[(self.head + i) & (self.slots.len() - 1)];
        }
        self.slots = slots;
        self.head = 0;
    }

    /// The run is over: hands out what is known; seqs never resolved are left out.
    pub fn flush(&mut self, out: &mut impl FnMut(u32, Slot)) {
        for i in 0..self.len {
            let at = (self.head + i) & (self.slots.len() - 1);
            let front = std::mem::replace(&mut self.slots[at], Slot::Unknown);
            if matches!(front, Slot::Lost | Slot::Received(_)) {
                out(self.base, front);
            }
            self.base += 1;
        }
        self.len = 0;
    }
}

/// RFC 3357 loss-pattern statistics, fed one packet at a time in stream order.
#[derive(Clone, Debug, Default)]
pub struct LossPatterns {
    pub packets: u64,
    pub losses: u64,
    pub periods: u64,
    pub period_sum: u64,
    pub period_max: u64,
    pub inter_sum: u64,
    pub inter_count: u64,
    pub distance_sum: u64,
    pub distance_count: u64,
    last_loss: Option<u32>,
    /// The loss period under way: (first seq, length).
    run: Option<(u32, u64)>,
    /// Packets received since the last loss period ended.
    received_since: u64,
    had_period: bool,
}

impl LossPatterns {
    /// The next packet of the stream; `on_period(start_seq, length)` hears each loss period as
    /// it ends.
    pub fn push(&mut self, seq: u32, lost: bool, on_period: &mut impl FnMut(u32, u64)) {
        self.packets += 1;
        if lost {
            self.losses += 1;
            if let Some(last) = self.last_loss {
                self.distance_sum += u64::from(seq - last);
                self.distance_count += 1;
            }
            self.last_loss = Some(seq);
            self.run = match self.run {
                Some((start, len)) => Some((start, len + 1)),
                None => {
                    if self.had_period {
                        self.inter_sum += self.received_since;
                        self.inter_count += 1;
                    }
                    Some((seq, 1))
                }
            };
        } else {
            if let Some((start, len)) = self.run.take() {
                self.close(start, len, on_period);
                self.received_since = 0;
            }
            self.received_since += 1;
        }
    }

    fn close(&mut self, start: u32, len: u64, on_period: &mut impl FnMut(u32, u64)) {
        self.periods += 1;
        self.period_sum += len;
        self.period_max = self.period_max.max(len);
        self.had_period = true;
        on_period(start, len);
    }

    /// The stream ended: a loss period still open ends here.
    pub fn finish(&mut self, on_period: &mut impl FnMut(u32, u64)) {
        if let Some((start, len)) = self.run.take() {
            self.close(start, len, on_period);
        }
    }

    /// Adds another client's figures (for the `all` row; periods never span clients).
    pub fn merge(&mut self, o: &LossPatterns) {
        self.packets += o.packets;
        self.losses += o.losses;
        self.periods += o.periods;
        self.period_sum += o.period_sum;
        self.period_max = self.period_max.max(o.period_max);
        self.inter_sum += o.inter_sum;
        self.inter_count += o.inter_count;
        self.distance_sum += o.distance_sum;
        self.distance_count += o.distance_count;
    }

    pub fn period_mean(&self) -> Option<f64> {
        ratio(self.period_sum, self.periods)
    }

    pub fn inter_period_mean(&self) -> Option<f64> {
        ratio(self.inter_sum, self.inter_count)
    }

    pub fn distance_mean(&self) -> Option<f64> {
        ratio(self.distance_sum, self.distance_count)
    }
}

fn ratio(sum: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum as f64 / n as f64)
}

/// RFC 3393 IPDV of consecutive packets of the stream, both answered.
#[derive(Clone, Debug, Default)]
pub struct Ipdv {
    prev: Option<u64>,
    pub sum: i128,
    pub count: u64,
    /// |IPDV| in µs.
    pub abs: Tally,
}

impl Ipdv {
    /// The next packet of the stream: its RTT in µs, or `None` when it was lost.
    pub fn push(&mut self, rtt: Option<u64>) {
        if let (Some(prev), Some(rtt)) = (self.prev, rtt) {
            let d = i128::from(rtt) - i128::from(prev);
            self.sum += d;
            self.count += 1;
            self.abs.record(d.unsigned_abs() as u64);
        }
        self.prev = rtt;
    }

    pub fn merge(&mut self, o: &Ipdv) {
        self.sum += o.sum;
        self.count += o.count;
        self.abs.merge(&o.abs);
    }

    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }
}

/// RFC 3550 §6.4.1 interarrival jitter over replies in arrival order. With RTTs as the transit
/// times, D(i-1, i) = rtt(i) - rtt(i-1), and `J += (|D| - J) / 16`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Jitter {
    prev: Option<u64>,
    pub j: f64,
    pub updates: u64,
}

impl Jitter {
    pub fn push(&mut self, rtt: u64) {
        if let Some(prev) = self.prev {
            let d = (rtt as f64 - prev as f64).abs();
            self.j += (d - self.j) / 16.0;
            self.updates += 1;
        }
        self.prev = Some(rtt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `lost` (one flag per seq 0, 1, ...) and returns the patterns and the periods.
    fn patterns(lost: &[bool]) -> (LossPatterns, Vec<(u32, u64)>) {
        let mut p = LossPatterns::default();
        let mut periods = Vec::new();
        for (seq, &l) in lost.iter().enumerate() {
            p.push(seq as u32, l, &mut |s, n| periods.push((s, n)));
        }
        p.finish(&mut |s, n| periods.push((s, n)));
        (p, periods)
    }

    /// The example: losses at 20 and 50 are 30 apart, two loss periods of length 1 with
    /// 29 packets received between them.
    #[test]
    fn two_isolated_losses() {
        let mut lost = vec![false; 60];
        lost[20] = true;
        lost[50] = true;
        let (p, periods) = patterns(&lost);
        assert_eq!(periods, vec![(20, 1), (50, 1)]);
        assert_eq!(p.distance_mean(), Some(30.0));
        assert_eq!(p.inter_period_mean(), Some(29.0));
        assert_eq!(
            (p.periods, p.period_max, p.losses, p.packets),
            (2, 1, 2, 60)
        );
    }

    /// 0 1 1 1 0 0 1 1 0 1: periods (1,3), (6,2), (9,1) — mean 2, max 3; received between
    /// them: 2 then 1, mean 1.5; losses at 1,2,3,6,7,9 are 1,1,3,1,2 apart, mean 8/5 = 1.6.
    #[test]
    fn bursts_worked_by_hand() {
        let bits = [0, 1, 1, 1, 0, 0, 1, 1, 0, 1];
        let lost: Vec<bool> = bits.iter().map(|&b| b == 1).collect();
        let (p, periods) = patterns(&lost);
        assert_eq!(periods, vec![(1, 3), (6, 2), (9, 1)]);
        assert_eq!(p.period_mean(), Some(2.0));
        assert_eq!(p.period_max, 3);
        assert_eq!(p.inter_period_mean(), Some(1.5));
        assert_eq!(p.distance_mean(), Some(1.6));
    }

    #[test]
    fn no_loss_means_undefined_means() {
        let (p, periods) = patterns(&[false; 10]);
        assert!(periods.is_empty());
        assert_eq!(
            (p.period_mean(), p.distance_mean(), p.inter_period_mean()),
            (None, None, None)
        );
    }

    #[test]
    fn window_hands_out_in_seq_order() {
        let mut w = FirstAttempts::default();
        let mut out = Vec::new();
        w.put(1, Slot::Received(10), &mut |s, x| out.push((s, x)));
        w.put(2, Slot::Excluded, &mut |s, x| out.push((s, x)));
        assert!(out.is_empty(), "seq 0 is still open");
        w.put(0, Slot::Lost, &mut |s, x| out.push((s, x)));
        assert_eq!(out, vec![(0, Slot::Lost), (1, Slot::Received(10))]);
        w.put(0, Slot::Received(5), &mut |s, x| out.push((s, x)));
        w.put(4, Slot::Lost, &mut |s, x| out.push((s, x)));
        w.flush(&mut |s, x| out.push((s, x)));
        assert_eq!(
            out.len(),
            3,
            "seq 3 never resolved, the stale seq 0 ignored"
        );
        assert_eq!(out[2], (4, Slot::Lost));
    }

    /// Seqs put in a scrambled order (each once, some twice, some never) come out exactly as
    /// a sorted reference says: in seq order, each known seq once, stopping at the first
    /// unknown one until the flush.
    #[test]
    fn window_matches_a_sorted_reference() {
        use rand_chacha::ChaCha8Rng;
        use rand_core::{Rng, SeedableRng};
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut w = FirstAttempts::default();
        let mut known = std::collections::BTreeMap::new();
        let (mut got, mut expected) = (Vec::new(), Vec::new());
        let mut next = 0u32;
        for i in 0..5000u32 {
            // Mostly near the front, sometimes far ahead (the ring grows), some never come.
            let r = rng.next_u32();
            let seq = match r % 10 {
                0 => i + 200 + r % 3000,
                _ => i.saturating_sub(r % 40),
            };
            let slot = match (r >> 8) % 4 {
                0 => Slot::Lost,
                1 => Slot::Excluded,
                _ => Slot::Received(u64::from(r >> 16)),
            };
            w.put(seq, slot, &mut |s, x| got.push((s, x)));
            if seq >= next {
                known.insert(seq, slot);
            }
            while let Some(x) = known.remove(&next) {
                if x != Slot::Excluded {
                    expected.push((next, x));
                }
                next += 1;
            }
            assert_eq!(got, expected, "after putting seq {seq}");
        }
        w.flush(&mut |s, x| got.push((s, x)));
        expected.extend(known.into_iter().filter(|(_, x)| *x != Slot::Excluded));
        assert_eq!(got, expected);
    }

    /// RTTs 100, 130, lost, 90, 95: pairs (100,130) → +30 and (90,95) → +5; the pairs with the
    /// lost packet have no IPDV. Mean 17.5, |IPDV| values 30 and 5.
    #[test]
    fn ipdv_skips_pairs_with_a_loss() {
        let mut d = Ipdv::default();
        for rtt in [Some(100), Some(130), None, Some(90), Some(95)] {
            d.push(rtt);
        }
        assert_eq!(d.count, 2);
        assert_eq!(d.mean(), Some(17.5));
        assert_eq!(d.abs.histogram().max(), 30);
        assert_eq!(d.abs.histogram().min(), 5);
    }

    /// RTTs 100, 116, 100: D = 16 then 16, J = 16/16 = 1, then 1 + (16 - 1)/16 = 1.9375.
    #[test]
    fn jitter_follows_rfc3550() {
        let mut j = Jitter::default();
        for rtt in [100, 116, 100] {
            j.push(rtt);
        }
        assert_eq!(j.j, 1.9375);
        assert_eq!(j.updates, 2);
    }
}
