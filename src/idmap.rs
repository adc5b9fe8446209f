//! A map from [`RequestId`] to per-packet state, stored by position instead of by hash.
//!
//! The load generator keeps each packet's send time until its reply or timeout, and the
//! recorder keeps the server's decision until the packet's row is written: one insert, a lookup
//! or two and one remove per packet, millions of times a second in a simulation. A hash map
//! pays for hashing and probing each time. Here each client has a window of slots indexed by
//! `seq - base`, because a client sends its seqs in order and they finish roughly in order: the
//! window is a ring (`VecDeque`) that grows at the back as seqs go out and drops empty slots at
//! the front as they finish, so a lookup is an index computation.
//!
//! A slot holds one attempt of its seq, normally the newest. What does not fit a window goes to
//! a small hash map, the spill: an older attempt still waiting when a retry of the same seq
//! takes the slot (a timed-out attempt in its late window), a seq the window has already moved
//! past (a retry sent after its seq's slot was freed), a client id outside the configured
//! range, a seq further than [`MAX_SPAN`] ahead. These are rare (retries, strangers); lookups
//! skip the spill while it is empty.
//!
//! Invariants: an id is stored at most once, in its window slot or in the spill; a window's
//! `base` never decreases, so an id the window has passed is only ever looked up in the spill;
//! memory is the span of seqs between a client's oldest stored entry and its newest (a run's
//! packets in flight and in their late windows), never the length of the run.

use crate::wire::time::RequestId;
use rustc_hash::FxHashMap;

/// Most slots a client's window spans; an id further ahead of the oldest stored one spills.
/// Bounds the memory a run with a stuck oldest entry (or a peer inventing seqs) can take.
pub const MAX_SPAN: usize = 1 << 20;

pub struct IdMap<T> {
    first_client: u32,
    windows: Vec<Window<T>>,
    spill: FxHashMap<RequestId, T>,
    len: usize,
}

/// One client's ring of slots. Hand-rolled rather than a `VecDeque` so that a lookup is one
/// subtraction, one comparison and one masked index (this runs several times per packet).
struct Window<T> {
    /// The seq of the front slot.
    base: u32,
    /// Where the front slot is in `slots`.
    head: usize,
    /// Slots in use: seqs `base .. base + len`. The front one is never empty (empty fronts are
    /// dropped and `base` moves on); every slot outside the range is empty.
    len: usize,
    /// A power of two long (or empty), so positions wrap with a mask.
    slots: Vec<Slot<T>>,
}

/// One seq's stored attempt. A struct written field by field rather than an
/// `Option<(u8, T)>` built whole: the latter made the compiler assemble the tuple on the stack
/// and reread it at another width (a store-forwarding stall that cost more than the lookup).
struct Slot<T> {
    attempt: u8,
    value: Option<T>,
}

impl<T> Slot<T> {
    const EMPTY: Slot<T> = Slot {
        attempt: 0,
        value: None,
    };

    fn holds(&self, attempt: u8) -> bool {
        self.value.is_some() && self.attempt == attempt
    }
}

impl<T> Window<T> {
    fn new() -> Self {
        Window {
            base: 0,
            head: 0,
            len: 0,
            slots: Vec::new(),
        }
    }

    /// Offset of `seq` from the front, or a number ≥ [`MAX_SPAN`] for a seq before it.
    #[inline]
    fn offset(&self, seq: u32) -> usize {
        seq.wrapping_sub(self.base) as usize
    }

    #[inline]
    fn at(&self, offset: usize) -> usize {
        (self.head + offset) & (self.slots.len() - 1)
    }

    /// The slot at `offset`, if it is in use and holds `attempt`.
    #[inline]
    fn find(&self, offset: usize, attempt: u8) -> Option<usize> {
        if offset >= self.len {
            return None;
        }
        let at = self.at(offset);
        self.slots[at].holds(attempt).then_some(at)
    }

    /// Makes room for offsets up to `offset` (`< MAX_SPAN`) and returns the slot's position.
    #[inline]
    fn extend_to(&mut self, offset: usize) -> usize {
        if offset >= self.slots.len() {
            self.grow(offset);
        }
        self.len = self.len.max(offset + 1);
        self.at(offset)
    }

    /// Reallocates so that `offset` fits, keeping the slots in use in order.
    #[cold]
    fn grow(&mut self, offset: usize) {
        let size = (offset + 1).next_power_of_two().max(16);
        let mut slots: Vec<Slot<T>> = (0..size).map(|_| Slot::EMPTY).collect();
        for (i, slot) in slots.iter_mut().enumerate().take(self.len) {
            let at = self.at(i);
            std::mem::swap(slot, &mut self.slots[at]);
        }
        self.slots = slots;
        self.head = 0;
    }

    /// Drops empty slots at the front.
    fn trim(&mut self) {
        while self.len > 0 && self.slots[self.head].value.is_none() {
            self.head = (self.head + 1) & (self.slots.len() - 1);
            self.base = self.base.wrapping_add(1);
            self.len -= 1;
        }
    }
}

impl<T> IdMap<T> {
    /// A map with a window for each of the client ids `first_client .. first_client + clients`.
    pub fn new(first_client: u32, clients: u32) -> Self {
        IdMap {
            first_client,
            windows: (0..clients).map(|_| Window::new()).collect(),
            spill: FxHashMap::default(),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn window(&self, client: u32) -> Option<usize> {
        let w = client.wrapping_sub(self.first_client) as usize;
        (w < self.windows.len()).then_some(w)
    }

    /// Stores `value` for `id`, returning the value it replaces.
    #[inline]
    pub fn insert(&mut self, id: RequestId, value: T) -> Option<T> {
        let Some(w) = self.window(id.client) else {
            return self.spill_insert(id, value);
        };
        let window = &mut self.windows[w];
        // An empty window may jump forward to the new seq (never back): no run of empty slots.
        if window.len == 0 && id.seq > window.base {
            window.base = id.seq;
        }
        let offset = window.offset(id.seq);
        if offset >= MAX_SPAN {
            return self.spill_insert(id, value);
        }
        let at = window.extend_to(offset);
        let slot = &mut window.slots[at];
        let mut old = None;
        if let Some(v) = slot.value.take() {
            if slot.attempt == id.attempt {
                old = Some(v);
            } else {
                // Another attempt of the same seq: it keeps its place in the spill.
                let other = RequestId {
                    attempt: slot.attempt,
                    ..id
                };
                self.spill.insert(other, v);
            }
        }
        slot.attempt = id.attempt;
        slot.value = Some(value);
        // The id may have spilled earlier (it was displaced, or too far ahead): keep one copy.
        if old.is_none() && !self.spill.is_empty() {
            old = self.spill.remove(&id);
        }
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    fn spill_insert(&mut self, id: RequestId, value: T) -> Option<T> {
        let old = self.spill.insert(id, value);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    #[inline]
    pub fn get(&self, id: &RequestId) -> Option<&T> {
        if let Some(w) = self.window(id.client) {
            let window = &self.windows[w];
            if let Some(at) = window.find(window.offset(id.seq), id.attempt) {
                return window.slots[at].value.as_ref();
            }
        }
        match self.spill.is_empty() {
            true => None,
            false => self.spill.get(id),
        }
    }

    #[inline]
    pub fn get_mut(&mut self, id: &RequestId) -> Option<&mut T> {
        if let Some(w) = self.window(id.client) {
            let window = &mut self.windows[w];
            if let Some(at) = window.find(window.offset(id.seq), id.attempt) {
                return window.slots[at].value.as_mut();
            }
        }
        match self.spill.is_empty() {
            true => None,
            false => self.spill.get_mut(id),
        }
    }

    #[inline]
    pub fn remove(&mut self, id: &RequestId) -> Option<T> {
        if let Some(w) = self.window(id.client) {
            let window = &mut self.windows[w];
            if let Some(at) = window.find(window.offset(id.seq), id.attempt) {
                let value = window.slots[at].value.take();
                window.trim();
                self.len -= 1;
                return value;
            }
        }
        if self.spill.is_empty() {
            return None;
        }
        let value = self.spill.remove(id);
        if value.is_some() {
            self.len -= 1;
        }
        value
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (RequestId, &T)> {
        let windows = self
            .windows
            .iter()
            .enumerate()
            .flat_map(move |(w, window)| {
                let client = self.first_client + w as u32;
                (0..window.len).filter_map(move |i| {
                    let slot = &window.slots[window.at(i)];
                    slot.value.as_ref().map(|v| {
                        let id = RequestId {
                            client,
                            seq: window.base.wrapping_add(i as u32),
                            attempt: slot.attempt,
                        };
                        (id, v)
                    })
                })
            });
        windows.chain(self.spill.iter().map(|(id, v)| (*id, v)))
    }

    /// Takes every entry out, sorted by id.
    pub fn drain_sorted(&mut self) -> Vec<(RequestId, T)> {
        let mut out: Vec<(RequestId, T)> = Vec::with_capacity(self.len);
        for (w, window) in self.windows.iter_mut().enumerate() {
            let client = self.first_client + w as u32;
            for i in 0..window.len {
                let at = window.at(i);
                let slot = &mut window.slots[at];
                if let Some(v) = slot.value.take() {
                    let id = RequestId {
                        client,
                        seq: window.base.wrapping_add(i as u32),
                        attempt: slot.attempt,
                    };
                    out.push((id, v));
                }
            }
            window.base = window.base.wrapping_add(window.len as u32);
            window.len = 0;
        }
        out.extend(self.spill.drain());
        out.sort_by_key(|(id, _)| *id);
        self.len = 0;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha8Rng;
    use rand_core::{Rng, SeedableRng};
    use std::collections::HashMap;

    fn id(client: u32, seq: u32, attempt: u8) -> RequestId {
        RequestId {
            client,
            seq,
            attempt,
        }
    }

    #[test]
    fn behaves_like_a_map_through_retries_and_strangers() {
        let mut m = IdMap::new(10, 2);
        assert_eq!(m.insert(id(10, 0, 0), 'a'), None);
        assert_eq!(m.insert(id(10, 1, 0), 'b'), None);
        // A retry of seq 0 while attempt 0 still waits: both are found.
        assert_eq!(m.insert(id(10, 0, 1), 'c'), None);
        assert_eq!(m.get(&id(10, 0, 0)), Some(&'a'));
        assert_eq!(m.get(&id(10, 0, 1)), Some(&'c'));
        // Strangers: another client id; a seq that makes an empty window jump ahead.
        assert_eq!(m.insert(id(3, 0, 0), 'x'), None);
        assert_eq!(m.insert(id(11, u32::MAX, 0), 'y'), None);
        assert_eq!(m.len(), 5);
        assert_eq!(m.insert(id(10, 1, 0), 'B'), Some('b'));
        assert_eq!(m.remove(&id(10, 0, 1)), Some('c'));
        assert_eq!(m.remove(&id(10, 0, 1)), None);
        if let Some(v) = m.get_mut(&id(10, 0, 0)) {
            *v = 'A';
        }
        let all = m.drain_sorted();
        assert_eq!(
            all,
            vec![
                (id(3, 0, 0), 'x'),
                (id(10, 0, 0), 'A'),
                (id(10, 1, 0), 'B'),
                (id(11, u32::MAX, 0), 'y'),
            ]
        );
        assert!(m.is_empty());
        assert_eq!(m.get(&id(10, 1, 0)), None);
    }

    /// A seq whose slot was freed and passed, then used again (a retry after its attempt
    /// closed), lives in the spill and is still found.
    #[test]
    fn seqs_behind_the_window_spill() {
        let mut m = IdMap::new(0, 1);
        for seq in 0..10 {
            m.insert(id(0, seq, 0), seq);
        }
        for seq in 0..10 {
            assert_eq!(m.remove(&id(0, seq, 0)), Some(seq));
        }
        m.insert(id(0, 20, 0), 20);
        m.insert(id(0, 3, 1), 3);
        assert_eq!(m.get(&id(0, 3, 1)), Some(&3));
        assert_eq!(m.get(&id(0, 3, 0)), None);
        assert_eq!(m.len(), 2);
        assert_eq!(m.remove(&id(0, 3, 1)), Some(3));
        assert_eq!(m.remove(&id(0, 20, 0)), Some(20));
        assert!(m.is_empty());
    }

    /// Random inserts, lookups and removes, mostly in seq order with retries and strays, give
    /// the same answers as a hash map.
    #[test]
    fn matches_a_hash_map_under_random_use() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut m = IdMap::new(5, 3);
        let mut model: HashMap<RequestId, u64> = HashMap::new();
        let mut next_seq = [0u32; 3];
        for step in 0..20_000u64 {
            let r = rng.next_u32();
            let c = (r % 3) as usize;
            let key = match (r >> 8) % 10 {
                // Mostly: the client's next seq, or one a little behind, attempts 0 to 3.
                0..=3 => {
                    next_seq[c] += 1;
                    id(5 + c as u32, next_seq[c], 0)
                }
                4..=8 => {
                    let back = (r >> 12) % 300;
                    id(
                        5 + c as u32,
                        next_seq[c].saturating_sub(back),
                        ((r >> 24) % 4) as u8,
                    )
                }
                // A stranger: unknown client, or a seq far ahead.
                _ => match r >> 31 {
                    0 => id(1, r % 50, 0),
                    _ => id(5 + c as u32, next_seq[c] + MAX_SPAN as u32 + 7, 0),
                },
            };
            match (r >> 4) % 3 {
                0 => assert_eq!(m.insert(key, step), model.insert(key, step), "{key:?}"),
                1 => assert_eq!(m.remove(&key), model.remove(&key), "{key:?}"),
                _ => assert_eq!(m.get(&key), model.get(&key), "{key:?}"),
            }
            assert_eq!(m.len(), model.len());
        }
        let mut from_iter: Vec<(RequestId, u64)> = m.iter().map(|(k, v)| (k, *v)).collect();
        from_iter.sort();
        let mut expected: Vec<(RequestId, u64)> = model.into_iter().collect();
        expected.sort();
        assert_eq!(from_iter, expected);
        assert_eq!(m.drain_sorted(), expected);
    }
}
