//! Parse and emit every message losslab puts on the wire.
//!
//! Each protocol lives in its own file and is pure: bytes in, values out, no sockets.
//! Invariant: whatever a peer sends, parsing never panics; an unrecognised datagram is a
//! "plain" request, not an error, because the lab's own clients send arbitrary text.

pub mod time;
