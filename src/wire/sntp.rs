//! The standard time protocols' messages: RFC 4330 SNTP (NTP's 48-byte header), RFC 868 Time
//! (32-bit seconds since 1900) and RFC 867 Daytime (a line of text).
//!
//! NTP timestamps are 64-bit fixed point: seconds since 1900-01-01 in the high 32 bits, the
//! fraction of a second in the low 32 (RFC 4330 §3). This module converts them from and to
//! µs since 1970 (the offset between the epochs is 2,208,988,800 s, RFC 868), lays out and
//! reads the header (RFC 4330 §4), and computes the client's offset and round-trip delay from
//! the four timestamps (RFC 4330 §5). Era 0 only (until 2036), as RFC 4330 §3 allows for
//! SNTP.
//!
//! Invariant: parsing never panics on any input; it returns `None` for what is not a message.

use crate::wire::time::encode_reply;

/// Seconds from 1900-01-01 to 1970-01-01 (RFC 868).
pub const EPOCH_DELTA: i64 = 2_208_988_800;
/// An NTP header is 48 bytes (RFC 4330 §4; extension fields and the authenticator are ignored).
pub const HEADER_LEN: usize = 48;

/// Association modes (RFC 4330 §4).
pub const MODE_CLIENT: u8 = 3;
pub const MODE_SERVER: u8 = 4;

/// A 64-bit NTP timestamp.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct NtpTime(pub u64);

impl NtpTime {
    /// From µs since 1970 (rounded to the nearest 2^-32 s).
    pub fn from_unix_us(unix_us: i64) -> NtpTime {
        let secs = unix_us.div_euclid(1_000_000) + EPOCH_DELTA;
        let us = unix_us.rem_euclid(1_000_000) as u64;
        let frac = ((us << 32) + 500_000) / 1_000_000;
        NtpTime(((secs as u64) << 32).wrapping_add(frac))
    }

    /// To µs since 1970.
    pub fn to_unix_us(self) -> i64 {
        let secs = (self.0 >> 32) as i64 - EPOCH_DELTA;
        let us = ((self.0 & 0xffff_ffff) * 1_000_000 + (1 << 31)) >> 32;
        secs * 1_000_000 + us as i64
    }
}

/// The fields of an NTP header that SNTP uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NtpPacket {
    /// Leap indicator (0 no warning, 3 not synchronized).
    pub leap: u8,
    pub version: u8,
    pub mode: u8,
    /// 0 for a kiss-o'-death, 1 for a primary server.
    pub stratum: u8,
    pub poll: i8,
    pub precision: i8,
    pub root_delay: u32,
    pub root_dispersion: u32,
    /// For stratum 0 the kiss code ("RATE"), for stratum 1 the clock's source ("LOCL").
    pub reference_id: [u8; 4],
    pub reference: NtpTime,
    pub originate: NtpTime,
    pub receive: NtpTime,
    pub transmit: NtpTime,
}

impl NtpPacket {
    /// Reads a header; `None` when shorter than 48 bytes.
    pub fn parse(bytes: &[u8]) -> Option<NtpPacket> {
        let b = bytes.get(..HEADER_LEN)?;
        let u32_at = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let ts = |i: usize| NtpTime((u64::from(u32_at(i)) << 32) | u64::from(u32_at(i + 4)));
        Some(NtpPacket {
            leap: b[0] >> 6,
            version: (b[0] >> 3) & 7,
            mode: b[0] & 7,
            stratum: b[1],
            poll: b[2] as i8,
            precision: b[3] as i8,
            root_delay: u32_at(4),
            root_dispersion: u32_at(8),
            reference_id: [b[12], b[13], b[14], b[15]],
            reference: ts(16),
            originate: ts(24),
            receive: ts(32),
            transmit: ts(40),
        })
    }

    /// The 48 bytes of the header.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0] = (self.leap << 6) | ((self.version & 7) << 3) | (self.mode & 7);
        b[1] = self.stratum;
        b[2] = self.poll as u8;
        b[3] = self.precision as u8;
        b[4..8].copy_from_slice(&self.root_delay.to_be_bytes());
        b[8..12].copy_from_slice(&self.root_dispersion.to_be_bytes());
        b[12..16].copy_from_slice(&self.reference_id);
        for (at, t) in [
            (16, self.reference),
            (24, self.originate),
            (32, self.receive),
            (40, self.transmit),
        ] {
            b[at..at + 8].copy_from_slice(&t.0.to_be_bytes());
        }
        b
    }

    /// A client's request (mode 3), version 4, sent at `transmit`.
    pub fn request(transmit: NtpTime) -> NtpPacket {
        NtpPacket {
            leap: 0,
            version: 4,
            mode: MODE_CLIENT,
            stratum: 0,
            poll: 0,
            precision: 0,
            root_delay: 0,
            root_dispersion: 0,
            reference_id: [0; 4],
            reference: NtpTime(0),
            originate: NtpTime(0),
            receive: NtpTime(0),
            transmit,
        }
    }

    /// A server's reply (RFC 4330 §5): mode 4, the client's version (3 or 4), the request's
    /// transmit timestamp as originate, `received` and `sent` as receive and transmit. A
    /// stratum-1 server whose reference is its own clock (`LOCL`), or with `kiss` a
    /// kiss-o'-death (stratum 0, the code as reference id, leap 3).
    pub fn reply(
        request: &NtpPacket,
        received: NtpTime,
        sent: NtpTime,
        kiss: Option<[u8; 4]>,
    ) -> NtpPacket {
        let version = match request.version {
            v @ 1..=4 => v,
            _ => 4,
        };
        NtpPacket {
            leap: if kiss.is_some() { 3 } else { 0 },
            version,
            mode: MODE_SERVER,
            stratum: if kiss.is_some() { 0 } else { 1 },
            poll: request.poll.clamp(4, 17),
            // About a microsecond: 2^-20 s.
            precision: -20,
            root_delay: 0,
            // The server does not discipline its clock; say a millisecond (16.16 seconds).
            root_dispersion: 66,
            reference_id: kiss.unwrap_or(*b"LOCL"),
            reference: if kiss.is_some() { NtpTime(0) } else { received },
            originate: request.transmit,
            receive: received,
            transmit: sent,
        }
    }

    /// The kiss code, when this is a kiss-o'-death (stratum 0).
    pub fn kiss_code(&self) -> Option<String> {
        (self.stratum == 0).then(|| {
            self.reference_id
                .iter()
                .map(|&b| match b {
                    0x20..=0x7e => char::from(b),
                    _ => '?',
                })
                .collect()
        })
    }
}

/// The client's clock offset and the round-trip delay, in µs, from T1 (request sent, client
/// clock), T2 (received, server clock), T3 (reply sent, server clock), T4 (reply received,
/// client clock), per RFC 4330 §5: d = (T4 - T1) - (T3 - T2), t = ((T2 - T1) + (T3 - T4)) / 2.
pub fn offset_and_delay(t1: i64, t2: i64, t3: i64, t4: i64) -> (i64, i64) {
    let delay = (t4 - t1) - (t3 - t2);
    let offset = ((t2 - t1) + (t3 - t4)) / 2;
    (offset, delay)
}

/// RFC 868: the time as 32-bit seconds since 1900, big-endian (era 0: until 2036).
pub fn encode_time(unix_us: i64) -> [u8; 4] {
    let secs = unix_us.div_euclid(1_000_000) + EPOCH_DELTA;
    (secs as u32).to_be_bytes()
}

/// RFC 867 leaves the Daytime text free; this is the lab's (`Tue Nov 24 01:22:28 2026 UTC`)
/// with the CR LF line end of the Internet's text protocols.
pub fn encode_daytime(unix_us: i64, out: &mut Vec<u8>) {
    encode_reply(unix_us, None, out);
    if out.last() == Some(&b'\n') {
        out.pop();
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_and_match_rfc_868() {
        // RFC 868's examples: 2,208,988,800 is 1970-01-01 00:00 GMT, 2,629,584,000 is
        // 1983-05-01 00:00 GMT (unix 420,595,200).
        assert_eq!(encode_time(0), 2_208_988_800u32.to_be_bytes());
        assert_eq!(
            encode_time(420_595_200_000_000),
            2_629_584_000u32.to_be_bytes()
        );
        for us in [
            0i64,
            1,
            999_999,
            1_764_000_000_123_456,
            1_764_000_000_500_000,
        ] {
            let t = NtpTime::from_unix_us(us);
            assert_eq!(t.to_unix_us(), us, "{us}");
        }
        // Half a second is 2^31 in the fraction.
        assert_eq!(NtpTime::from_unix_us(500_000).0 & 0xffff_ffff, 1 << 31);
    }

    #[test]
    fn a_reply_echoes_the_request_and_parses_back() {
        let req = NtpPacket::request(NtpTime(0x1234_5678_9abc_def0));
        let bytes = req.encode();
        assert_eq!(bytes[0], 0x23, "LI 0, VN 4, mode 3");
        let parsed = NtpPacket::parse(&bytes).unwrap();
        assert_eq!(parsed, req);
        let r = NtpPacket::reply(&parsed, NtpTime(5 << 32), NtpTime(6 << 32), None);
        let back = NtpPacket::parse(&r.encode()).unwrap();
        assert_eq!(back.mode, MODE_SERVER);
        assert_eq!(back.originate, req.transmit);
        assert_eq!(
            (back.receive, back.transmit),
            (NtpTime(5 << 32), NtpTime(6 << 32))
        );
        assert_eq!((back.stratum, back.kiss_code()), (1, None));
        let k = NtpPacket::reply(&parsed, NtpTime(5 << 32), NtpTime(5 << 32), Some(*b"RATE"));
        let k = NtpPacket::parse(&k.encode()).unwrap();
        assert_eq!(k.kiss_code().as_deref(), Some("RATE"));
        assert_eq!(k.leap, 3);
        assert_eq!(NtpPacket::parse(&bytes[..47]), None);
    }

    #[test]
    fn offset_and_delay_follow_rfc_4330() {
        // Client 1 s behind, 10 ms each way, 2 ms at the server.
        let (t1, t2, t3) = (0, 1_010_000, 1_012_000);
        let t4 = 22_000;
        assert_eq!(offset_and_delay(t1, t2, t3, t4), (1_000_000, 20_000));
    }

    #[test]
    fn daytime_is_one_line() {
        let mut out = Vec::new();
        encode_daytime(0, &mut out);
        assert_eq!(out, b"Thu Jan  1 00:00:00 1970 UTC\r\n");
    }
}
