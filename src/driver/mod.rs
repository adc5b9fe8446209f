//! Drivers run the sans-IO core against the world. `live` owns real sockets, a monotonic clock
//! and one mio `Poll`. Invariant: drivers decide nothing; they move bytes and time in and out of
//! the core.

pub mod live;
pub mod tcp;
