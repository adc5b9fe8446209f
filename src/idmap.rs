//! A map from [`RequestId`] to per-packet state, stored by position instead of by hash.
//!
//! The load generator keeps each packet's send time until its reply or timeout, and the
//! recorder keeps the server's decision until the packet's row is written: one insert, a lookup
//! or two and one remove per packet, millions of times a second in a simulation. A hash map
//! pays for hashing and probing each time. Here each client has a window of slots indexed by
//! `seq - base`, because a client sends its seqs in order and they finish roughly in order: the
//! window is a ring that grows at the back as seqs go out and drops empty slots at the front as
//! they finish, so a lookup is an index computation. A window spans at most [`WINDOW`] seqs:
//! entries older than that (a lost packet waiting out its timeout and late window while
//! thousands go by) move to the spill below, so the rings stay small enough to live in cache
//! (a window that spanned the whole timeout was megabytes, and every insert missed the cache).
//! A bitmap beside each ring says which slots are in use, so a lookup of an entry already gone
//! reads a bit rather than a slot.
//!
//! A slot holds one attempt of its seq, normally the newest. What does not fit a window goes to
//! a hash map, the spill: an older attempt still waiting when a retry of the same seq takes the
//! slot (a timed-out attempt in its late window; the slot is flagged so lookups of that seq
//! know to look there), entries the window moved past (old ones pushed out, a retry sent after
//! its seq's slot was freed), a client id outside the configured range. These are a minority
//! (lost packets, retries, strangers).
//!
//! Invariants: an id is stored at most once, in its window slot or in the spill; a window's
//! `base` never decreases and its end (`base + len`) never either, so an id behind the window
//! is only ever in the spill, an id ahead of it nowhere, and an id inside it in its slot or (if
//! the slot is flagged) in the spill; memory is at most [`WINDOW`] slots per client plus the
//! spilled entries.

use crate::wire::time::RequestId;
use rustc_hash::FxHashMap;

/// Most seqs a client's window spans. Entries older than the newest seq minus this move to the
/// spill. Far more than a client has in flight in the common case (its packets waiting for a
/// reply), far less than a timeout's worth of sends in a fast simulation.
pub const WINDOW: usize = 1024;

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
    /// Slots in range: seqs `base .. base + len`. The front one is never empty (empty fronts
    /// are dropped and `base` moves on); every slot outside the range is empty and unflagged.
    len: usize,
    /// A power of two long (or empty), so positions wrap with a mask.
    slots: Vec<Slot<T>>,
    /// One bit per position of `slots`: set when the slot holds a value.
    used: Vec<u64>,
}

/// One seq's stored attempt. A struct written field by field rather than an
/// `Option<(u8, T)>` built whole: the latter made the compiler assemble the tuple on the stack
/// and reread it at another width (a store-forwarding stall that cost more than the lookup).
struct Slot<T> {
    attempt: u8,
    /// Another attempt of this seq went to the spill (it may still be there).
    spilled: bool,
    value: Option<T>,
}

impl<T> Slot<T> {
    const EMPTY: Slot<T> = Slot {
        attempt: 0,
        spilled: false,
        value: None,
    };
}

/// Where an id is, or would be.
enum Place {
    /// Window `w`, slot position `at`, holding this very id.
    Slot(usize, usize),
    Spill,
    Nowhere,
}

impl<T> Window<T> {
    fn new() -> Self {
        Window {
            base: 0,
            head: 0,
            len: 0,
            slots: Vec::new(),
            used: Vec::new(),
        }
    }

    #[inline]
    fn in_use(&self, at: usize) -> bool {
        self.used[at / 64] & (1 << (at % 64)) != 0
    }

    #[inline]
    fn mark(&mut self, at: usize, in_use: bool) {
        let bit = 1 << (at % 64);
        match in_use {
            true => self.used[at / 64] |= bit,
            false => self.used[at / 64] &= !bit,
        }
    }

    #[inline]
    fn at(&self, offset: usize) -> usize {
        (self.head + offset) & (self.slots.len() - 1)
    }

    /// Makes room for `offset` (`< WINDOW`, at or past the front) and returns its position.
    #[inline]
    fn extend_to(&mut self, offset: usize) -> usize {
        if offset >= self.slots.len() {
            self.grow(offset);
        }
        self.len = self.len.max(offset + 1);
        self.at(offset)
    }

    /// Reallocates so that `offset` fits, keeping the slots in range in order.
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
        self.used = vec![0; size.div_ceil(64)];
        for i in 0..self.len {
            if self.slots[i].value.is_some() {
                self.mark(i, true);
            }
        }
    }

    /// Moves the front slot out of the range (its entry, if any, into `spill`).
    fn pop_front(&mut self, client: u32, spill: &mut FxHashMap<RequestId, T>) {
        let at = self.head;
        let slot = &mut self.slots[at];
        slot.spilled = false;
        if let Some(v) = slot.value.take() {
            let id = RequestId {
                client,
                seq: self.base,
                attempt: slot.attempt,
            };
            spill.insert(id, v);
            self.mark(at, false);
        }
        self.head = (self.head + 1) & (self.slots.len() - 1);
        self.base = self.base.wrapping_add(1);
        self.len -= 1;
    }

    /// Moves the first `count` seqs out of the window (their entries into `spill`), then drops
    /// empty slots at the front.
    #[cold]
    fn evict(&mut self, count: usize, client: u32, spill: &mut FxHashMap<RequestId, T>) {
        let stored = count.min(self.len);
        for _ in 0..stored {
            self.pop_front(client, spill);
        }
        // Past the end of what was in range: the window is empty and moves on.
        self.base = self.base.wrapping_add((count - stored) as u32);
        self.trim();
    }

    /// Drops empty slots at the front.
    #[inline]
    fn trim(&mut self) {
        while self.len > 0 && !self.in_use(self.head) {
            self.slots[self.head].spilled = false;
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

    #[inline]
    fn place(&self, id: &RequestId) -> Place {
        let Some(w) = self.window(id.client) else {
            return Place::Spill;
        };
        let window = &self.windows[w];
        if id.seq < window.base {
            return Place::Spill;
        }
        let offset = (id.seq - window.base) as usize;
        if offset >= window.len {
            return Place::Nowhere;
        }
        let at = window.at(offset);
        if window.in_use(at) && window.slots[at].attempt == id.attempt {
            Place::Slot(w, at)
        } else if window.slots[at].spilled {
            Place::Spill
        } else {
            Place::Nowhere
        }
    }

    /// Stores `value` for `id`, returning the value it replaces.
    #[inline]
    pub fn insert(&mut self, id: RequestId, value: T) -> Option<T> {
        let Some(w) = self.window(id.client) else {
            return self.spill_insert(id, value);
        };
        let client = self.first_client + w as u32;
        let window = &mut self.windows[w];
        // An empty window may jump forward to the new seq (never back): no run of empty slots.
        if window.len == 0 && id.seq > window.base {
            window.base = id.seq;
        }
        if id.seq < window.base {
            return self.spill_insert(id, value);
        }
        let mut offset = (id.seq - window.base) as usize;
        if offset >= WINDOW {
            // Make room: the oldest seqs leave the window for the spill.
            window.evict(offset - (WINDOW - 1), client, &mut self.spill);
            // The window may have dropped empty slots past the evicted ones too.
            offset = (id.seq - window.base) as usize;
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
                slot.spilled = true;
            }
        }
        // The id itself may be in the spill (displaced earlier): keep one copy.
        if old.is_none() && slot.spilled {
            old = self.spill.remove(&id);
        }
        slot.attempt = id.attempt;
        slot.value = Some(value);
        window.mark(at, true);
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
        match self.place(id) {
            Place::Slot(w, at) => self.windows[w].slots[at].value.as_ref(),
            Place::Spill if !self.spill.is_empty() => self.spill.get(id),
            _ => None,
        }
    }

    #[inline]
    pub fn get_mut(&mut self, id: &RequestId) -> Option<&mut T> {
        match self.place(id) {
            Place::Slot(w, at) => self.windows[w].slots[at].value.as_mut(),
            Place::Spill if !self.spill.is_empty() => self.spill.get_mut(id),
            _ => None,
        }
    }

    #[inline]
    pub fn remove(&mut self, id: &RequestId) -> Option<T> {
        let value = match self.place(id) {
            Place::Slot(w, at) => {
                let window = &mut self.windows[w];
                let value = window.slots[at].value.take();
                window.mark(at, false);
                window.trim();
                value
            }
            Place::Spill if !self.spill.is_empty() => self.spill.remove(id),
            _ => None,
        };
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
        let first_client = self.first_client;
        for (w, window) in self.windows.iter_mut().enumerate() {
            while window.len > 0 {
                window.pop_front(first_client + w as u32, &mut self.spill);
            }
        }
        let mut out: Vec<(RequestId, T)> = self.spill.drain().collect();
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
                    _ => id(5 + c as u32, next_seq[c] + WINDOW as u32 + r % 3000, 0),
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
