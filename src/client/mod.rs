//! Sans-IO client state machines: the load generator that drives time requests. Invariant: no
//! client here reads a clock or touches a socket; the driver passes `now` in.

pub mod loadgen;
