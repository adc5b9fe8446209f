//! Parse and emit every message losslab puts on the wire.
//!
//! Each protocol lives in its own file and is pure: bytes in, values out, no sockets.
//! Invariant: whatever a peer sends, parsing never panics; an unrecognised datagram is a
//! "plain" request, not an error, because the lab's own clients send arbitrary text.

pub mod escape;
pub mod http;
pub mod sntp;
pub mod time;

/// Appends the decimal digits of `v` to `out`: the hot paths (replies, CSV rows) write numbers
/// this way instead of through `core::fmt`, which costs several times more per number.
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

#[cfg(test)]
mod tests {
    #[test]
    fn push_u64_writes_decimal() {
        for v in [0, 7, 10, 99, 1234567890, u64::MAX] {
            let mut out = b"x".to_vec();
            super::push_u64(&mut out, v);
            assert_eq!(out, format!("x{v}").as_bytes());
        }
    }
}
