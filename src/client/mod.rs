//! Sans-IO client state machines: the UDP load generator (`loadgen`) and the TCP request load
//! (`tcp`: echo and HEAD). Invariant: no client here reads a clock or touches a socket; the
//! driver passes `now` in.

pub mod backoff;
pub mod loadgen;
pub mod pacer;
pub mod tcp;
