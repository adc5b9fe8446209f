//! A hashed timer wheel: the core's deadlines (request timeouts, paced sends, late-reply windows).
//!
//! A load generator can hold 100k requests in flight, each with a timeout. A binary heap costs
//! O(log n) per insert; the wheel costs O(1): a timer goes into slot `(deadline / tick) % slots`
//! and is looked at again only when the wheel's hand passes that slot. Timers are never
//! cancelled: the owner checks, when one fires, whether it still matters (a reply may have
//! arrived). Invariants: every timer fires at the first `expire(now)` with `now >= deadline`,
//! never before; `next_deadline` is the exact earliest pending deadline; a bitmap of non-empty
//! slots keeps the hand from scanning empty ones.

use crate::time::Instant;

/// Width of one slot in microseconds.
const TICK_US: u64 = 256;
/// Number of slots; one turn of the wheel covers `TICK_US * SLOTS` ≈ 1.05 s. Timers further
/// out stay in their slot across turns and are skipped until their turn comes.
const SLOTS: usize = 4096;

pub struct TimerWheel<T> {
    slots: Vec<Vec<(u64, T)>>,
    /// Earliest deadline in each slot (`u64::MAX` when empty), so finding the next deadline
    /// reads one number per slot instead of every timer in it.
    slot_min: Vec<u64>,
    /// One bit per slot: set when the slot holds at least one timer.
    occupied: Vec<u64>,
    /// The tick the hand points at; every timer before it has fired.
    hand: u64,
    len: usize,
}

impl<T> Default for TimerWheel<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> TimerWheel<T> {
    pub fn new() -> Self {
        TimerWheel {
            slots: (0..SLOTS).map(|_| Vec::new()).collect(),
            slot_min: vec![u64::MAX; SLOTS],
            occupied: vec![0; SLOTS / 64],
            hand: 0,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a timer. A deadline already in the past fires at the next `expire`.
    pub fn insert(&mut self, deadline: Instant, value: T) {
        let deadline = deadline.as_micros();
        let tick = (deadline / TICK_US).max(self.hand);
        let slot = (tick % SLOTS as u64) as usize;
        self.slots[slot].push((deadline, value));
        self.slot_min[slot] = self.slot_min[slot].min(deadline);
        self.occupied[slot / 64] |= 1 << (slot % 64);
        self.len += 1;
    }

    /// Moves every timer with `deadline <= now` into `fired`, in no particular order, and
    /// advances the hand to `now`.
    pub fn expire(&mut self, now: Instant, fired: &mut Vec<T>) {
        let now_us = now.as_micros();
        let target = now_us / TICK_US;
        if target < self.hand {
            return;
        }
        // Visit each slot between the hand and `now` once; after a long sleep that is every slot.
        let steps = (target - self.hand + 1).min(SLOTS as u64);
        let mut tick = self.hand;
        let end = self.hand + steps;
        while tick < end {
            let slot = (tick % SLOTS as u64) as usize;
            match self.next_occupied(slot, (end - tick) as usize) {
                None => break,
                Some(found) => {
                    let offset = (found + SLOTS - slot) % SLOTS;
                    tick += offset as u64;
                    self.fire_slot(found, now_us, fired);
                    tick += 1;
                }
            }
        }
        self.hand = target;
    }

    fn fire_slot(&mut self, slot: usize, now_us: u64, fired: &mut Vec<T>) {
        let entries = &mut self.slots[slot];
        let mut i = 0;
        let mut min = u64::MAX;
        while i < entries.len() {
            if entries[i].0 <= now_us {
                fired.push(entries.swap_remove(i).1);
                self.len -= 1;
            } else {
                min = min.min(entries[i].0);
                i += 1;
            }
        }
        self.slot_min[slot] = min;
        if entries.is_empty() {
            self.occupied[slot / 64] &= !(1 << (slot % 64));
        }
    }

    /// First occupied slot at `start` or within the next `limit - 1` slots (wrapping).
    fn next_occupied(&self, start: usize, limit: usize) -> Option<usize> {
        let mut scanned = 0;
        let mut slot = start;
        while scanned < limit {
            let word = self.occupied[slot / 64] >> (slot % 64);
            if word != 0 {
                let skip = word.trailing_zeros() as usize;
                if scanned + skip >= limit {
                    return None;
                }
                return Some((slot + skip) % SLOTS);
            }
            let step = 64 - slot % 64;
            scanned += step;
            slot = (slot + step) % SLOTS;
        }
        None
    }

    /// The earliest pending deadline, exactly.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.len == 0 {
            return None;
        }
        // Walk the occupied slots in hand order. A slot's earliest timer, if due in this turn of
        // the wheel, is earlier than anything in later slots; if it belongs to a later turn, so
        // does the whole slot, and it only counts as a fallback in `best`.
        let mut best = u64::MAX;
        let start = (self.hand % SLOTS as u64) as usize;
        let mut scanned = 0;
        while scanned < SLOTS {
            let Some(slot) = self.next_occupied((start + scanned) % SLOTS, SLOTS - scanned) else {
                break;
            };
            let offset = (slot + SLOTS - start) % SLOTS;
            let turn_end = (self.hand + offset as u64 + 1) * TICK_US;
            let min = self.slot_min[slot];
            if min < turn_end {
                return Some(Instant::from_micros(min.min(best)));
            }
            best = best.min(min);
            scanned = offset + 1;
        }
        (best != u64::MAX).then(|| Instant::from_micros(best))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(v: u64) -> Instant {
        Instant::from_micros(v)
    }

    #[test]
    fn fires_at_deadline_not_before() {
        let mut w = TimerWheel::new();
        w.insert(us(1_000), 'a');
        w.insert(us(300), 'b');
        let mut out = Vec::new();
        w.expire(us(299), &mut out);
        assert!(out.is_empty());
        assert_eq!(w.next_deadline(), Some(us(300)));
        w.expire(us(300), &mut out);
        assert_eq!(out, vec!['b']);
        assert_eq!(w.next_deadline(), Some(us(1_000)));
        out.clear();
        w.expire(us(5_000), &mut out);
        assert_eq!(out, vec!['a']);
        assert!(w.is_empty());
        assert_eq!(w.next_deadline(), None);
    }

    #[test]
    fn far_future_timers_survive_turns() {
        let mut w = TimerWheel::new();
        let far = TICK_US * SLOTS as u64 * 3 + 17;
        w.insert(us(far), 1);
        w.insert(us(far - TICK_US * SLOTS as u64), 2);
        let mut out = Vec::new();
        w.expire(us(far - 1 - TICK_US * SLOTS as u64), &mut out);
        assert!(out.is_empty());
        assert_eq!(w.next_deadline(), Some(us(far - TICK_US * SLOTS as u64)));
        w.expire(us(far - 1), &mut out);
        assert_eq!(out, vec![2]);
        assert_eq!(w.next_deadline(), Some(us(far)));
        w.expire(us(far), &mut out);
        assert_eq!(out, vec![2, 1]);
    }

    #[test]
    fn next_deadline_prefers_this_turn_over_earlier_slot_of_a_later_turn() {
        let mut w = TimerWheel::new();
        // Slot 1 holds a timer one turn ahead; slot 5 holds one due in this turn.
        let turn = TICK_US * SLOTS as u64;
        w.insert(us(turn + TICK_US), "late");
        w.insert(us(5 * TICK_US + 3), "soon");
        assert_eq!(w.next_deadline(), Some(us(5 * TICK_US + 3)));
    }

    #[test]
    fn past_deadlines_fire_on_next_expire() {
        let mut w = TimerWheel::new();
        let mut out = Vec::new();
        w.expire(us(10_000), &mut out);
        w.insert(us(5), 'x');
        assert_eq!(w.next_deadline(), Some(us(5)));
        w.expire(us(10_001), &mut out);
        assert_eq!(out, vec!['x']);
    }

    /// Against a sorted list as the reference: random inserts and expiries agree exactly.
    #[test]
    fn agrees_with_a_sorted_reference() {
        let mut w = TimerWheel::new();
        let mut reference: Vec<(u64, u32)> = Vec::new();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut now = 0u64;
        let mut id = 0u32;
        for _ in 0..2_000 {
            for _ in 0..(rand() % 5) {
                let deadline = now + rand() % 3_000_000;
                w.insert(us(deadline), id);
                reference.push((deadline, id));
                id += 1;
            }
            assert_eq!(
                w.next_deadline().map(|i| i.as_micros()),
                reference.iter().map(|r| r.0).min()
            );
            now += rand() % 20_000;
            let mut fired = Vec::new();
            w.expire(us(now), &mut fired);
            fired.sort();
            let mut expected: Vec<u32> = reference
                .iter()
                .filter(|r| r.0 <= now)
                .map(|r| r.1)
                .collect();
            expected.sort();
            reference.retain(|r| r.0 > now);
            assert_eq!(fired, expected);
            assert_eq!(w.len(), reference.len());
        }
    }
}
