//! The time protocol of the lab's exercise 1: a datagram in, the date and time out.
//!
//! Any datagram is a request (the lab's Python client sends whatever the student typed; `nc -u`
//! sends a line). The reply is one line of text a person can read:
//!
//! ```text
//! Tue Nov 24 01:22:28 2026 UTC
//! ```
//!
//! losslab's own clients send `losslab-time id=CLIENT.SEQ.ATTEMPT` and the reply carries the same
//! id at its end (`Tue Nov 24 01:22:28 2026 UTC id=3.17.0`), so a reply is matched to exactly the
//! packet that caused it, never to another attempt. Invariant: `parse_request(encode_request(id))`
//! and `parse_reply_id(encode_reply(.., Some(id)))` give back `id`; parsing never panics.

use super::push_u64;
use std::fmt;

/// Identity of one packet sent by a losslab client: which client, which logical request, which
/// attempt at it (0 for the first transmission, 1 for the first retry, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId {
    pub client: u32,
    pub seq: u32,
    pub attempt: u8,
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.client, self.seq, self.attempt)
    }
}

const REQUEST_PREFIX: &[u8] = b"losslab-time id=";
const ID_MARK: &[u8] = b" id=";

/// Longest reply this module emits (a ctime string, " UTC", an id with three maximal numbers).
pub const MAX_REPLY_LEN: usize = 24 + 4 + 9 + 4 + 10 + 1 + 10 + 1 + 3 + 1;

/// Writes a losslab request for `id` into `out` (cleared first).
pub fn encode_request(id: RequestId, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(REQUEST_PREFIX);
    push_id(id, out);
}

/// The id of a losslab request, or `None` for any other datagram (a plain request).
pub fn parse_request(datagram: &[u8]) -> Option<RequestId> {
    let rest = datagram.strip_prefix(REQUEST_PREFIX)?;
    let rest = trim_line_end(rest);
    parse_id(rest)
}

/// Writes the reply for a request received at `unix_us` (microseconds since 1970, UTC), echoing
/// `id` when the request carried one.
pub fn encode_reply(unix_us: i64, id: Option<RequestId>, out: &mut Vec<u8>) {
    ReplyEncoder::default().encode(unix_us, id, out);
}

/// Encodes replies, remembering the date text of the current second: a busy server answers
/// thousands of requests per second and the text changes once a second.
#[derive(Default)]
pub struct ReplyEncoder {
    second: Option<i64>,
    text: Vec<u8>,
    /// The unreduced Fletcher sums of `text`, so a reply only sums its own id.
    text_sums: (u64, u64),
}

impl ReplyEncoder {
    /// Same bytes as [`encode_reply`].
    pub fn encode(&mut self, unix_us: i64, id: Option<RequestId>, out: &mut Vec<u8>) {
        let second = unix_us.div_euclid(1_000_000);
        if self.second != Some(second) {
            self.text.clear();
            push_ctime(unix_us, &mut self.text);
            self.text.extend_from_slice(b" UTC");
            self.text_sums = fletcher_sums((0, 0), &self.text);
            self.second = Some(second);
        }
        out.clear();
        out.extend_from_slice(&self.text);
        if let Some(id) = id {
            // `TEXT sum=HHHH id=ID`: the checksum covers TEXT and ` id=ID`, so a client can tell
            // a reply altered on the way (netem's `corrupt`) from a good one. The id is written
            // first, after room for the checksum, and the checksum filled in over it.
            let sum_at = out.len() + SUM_MARK.len();
            out.extend_from_slice(SUM_MARK);
            out.extend_from_slice(b"0000");
            let tail_at = out.len();
            out.extend_from_slice(ID_MARK);
            push_id(id, out);
            let sum = fletcher_reduce(fletcher_sums(self.text_sums, &out[tail_at..]));
            out[sum_at..sum_at + 4].copy_from_slice(&hex16(sum));
        }
        out.push(b'\n');
    }
}

const SUM_MARK: &[u8] = b" sum=";

/// Fletcher-16 over `a` then `b`: catches every single-bit error and most bursts. The sums are
/// kept unreduced and taken mod 255 once at the end, which gives the same value as reducing
/// at every byte (for any line shorter than ~2^27 bytes) at a fraction of the cost.
fn fletcher16(a: &[u8], b: &[u8]) -> u16 {
    fletcher_reduce(fletcher_sums(fletcher_sums((0, 0), a), b))
}

fn fletcher_reduce((s1, s2): (u64, u64)) -> u16 {
    (((s2 % 255) as u16) << 8) | (s1 % 255) as u16
}

/// Continues the unreduced sums (s1, s2) over `bytes`. Per byte the definition is
/// `s1 += c; s2 += s1`; over a block c_0..c_15 that adds Σc_j to s1 and 16·s1 + Σ(16−j)·c_j
/// to s2, a form without a dependency from byte to byte, which the compiler vectorizes.
fn fletcher_sums((mut s1, mut s2): (u64, u64), bytes: &[u8]) -> (u64, u64) {
    const WEIGHTS: [u32; 16] = [16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    let mut blocks = bytes.chunks_exact(16);
    for block in &mut blocks {
        let (mut sum, mut weighted) = (0u32, 0u32);
        for (&c, &w) in block.iter().zip(&WEIGHTS) {
            sum += u32::from(c);
            weighted += u32::from(c) * w;
        }
        s2 += 16 * s1 + u64::from(weighted);
        s1 += u64::from(sum);
    }
    for &c in blocks.remainder() {
        s1 += u64::from(c);
        s2 += s1;
    }
    (s1, s2)
}

fn hex16(v: u16) -> [u8; 4] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [12, 8, 4, 0].map(|shift| HEX[usize::from((v >> shift) & 0xf)])
}

/// Splits a losslab reply line into (TEXT, checksum) when it carries ` sum=HHHH` before its id.
fn split_sum(line: &[u8], id_at: usize) -> Option<(&[u8], u16)> {
    let start = id_at.checked_sub(SUM_MARK.len() + 4)?;
    let mark = &line[start..start + SUM_MARK.len()];
    if mark != SUM_MARK {
        return None;
    }
    // Lowercase only, as written: `E` for `e` is a flipped bit, not the same checksum.
    let sum = line[start + SUM_MARK.len()..id_at]
        .iter()
        .try_fold(0u16, |acc, &d| {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                _ => return None,
            };
            Some((acc << 4) | u16::from(v))
        })?;
    Some((&line[..start], sum))
}

/// False when a reply carries a checksum that does not match its content: it was corrupted on
/// the way. Replies without a checksum (other servers, plain requests) count as intact.
pub fn reply_intact(datagram: &[u8]) -> bool {
    let line = trim_line_end(datagram);
    let Some(at) = id_mark_at(line) else {
        return true;
    };
    match split_sum(line, at) {
        Some((text, sum)) => fletcher16(text, &line[at..]) == sum,
        // A mangled checksum field is a corrupted reply too, if the rest looks like ours.
        None => !line[..at].windows(SUM_MARK.len()).any(|w| w == SUM_MARK),
    }
}

/// The id a reply echoes, if it ends with one. A reply from a server that is not losslab has
/// none; the client then matches it to its oldest outstanding request.
pub fn parse_reply_id(datagram: &[u8]) -> Option<RequestId> {
    let line = trim_line_end(datagram);
    let at = id_mark_at(line)?;
    parse_id(&line[at + ID_MARK.len()..])
}

/// Where the trailing ` id=` starts. An id holds no `=`, so only the last `=` can end the mark.
fn id_mark_at(line: &[u8]) -> Option<usize> {
    let eq = line.iter().rposition(|&b| b == b'=')?;
    let start = (eq + 1).checked_sub(ID_MARK.len())?;
    (&line[start..=eq] == ID_MARK).then_some(start)
}

/// The human part of a reply: the text before the id, without the line end, lossily decoded.
pub fn reply_text(datagram: &[u8]) -> String {
    let line = trim_line_end(datagram);
    let text = match id_mark_at(line) {
        Some(at) if parse_id(&line[at + ID_MARK.len()..]).is_some() => {
            split_sum(line, at).map_or(&line[..at], |(text, _)| text)
        }
        _ => line,
    };
    String::from_utf8_lossy(text).into_owned()
}

fn trim_line_end(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., b'\n' | b'\r'] = b {
        b = rest;
    }
    b
}

fn push_id(id: RequestId, out: &mut Vec<u8>) {
    push_u64(out, u64::from(id.client));
    out.push(b'.');
    push_u64(out, u64::from(id.seq));
    out.push(b'.');
    push_u64(out, u64::from(id.attempt));
}

/// `CLIENT.SEQ.ATTEMPT`, each 1 to 10 digits, in one pass (this runs twice per packet).
fn parse_id(text: &[u8]) -> Option<RequestId> {
    let mut fields = [0u64; 3];
    let (mut field, mut digits) = (0usize, 0u32);
    for &b in text {
        if b == b'.' {
            if digits == 0 || field == 2 {
                return None;
            }
            field += 1;
            digits = 0;
        } else if b.is_ascii_digit() && digits < 10 {
            fields[field] = fields[field] * 10 + u64::from(b - b'0');
            digits += 1;
        } else {
            return None;
        }
    }
    if field != 2 || digits == 0 {
        return None;
    }
    Some(RequestId {
        client: u32::try_from(fields[0]).ok()?,
        seq: u32::try_from(fields[1]).ok()?,
        attempt: u8::try_from(fields[2]).ok()?,
    })
}

/// Civil date from days since 1970-01-01 (proleptic Gregorian), as (year, month 1-12, day 1-31).
/// The era arithmetic follows the standard days-from-civil derivation: 400-year eras of 146097
/// days, years starting in March so the leap day falls last.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // year of era, 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year from March 1st
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Writes `unix_us` in C's `ctime` layout (`Tue Nov 24 01:22:28 2026`), the format Python's
/// `time.ctime()` gives the lab's students, always in UTC.
fn push_ctime(unix_us: i64, out: &mut Vec<u8>) {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = unix_us.div_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = WEEKDAYS[days.rem_euclid(7) as usize];
    // Fixed-width fields written digit by digit: this runs once per reply, on the hot path.
    let two = |out: &mut Vec<u8>, v: i64, pad: u8| {
        out.push(if v >= 10 { b'0' + (v / 10) as u8 } else { pad });
        out.push(b'0' + (v % 10) as u8);
    };
    out.extend_from_slice(weekday.as_bytes());
    out.push(b' ');
    out.extend_from_slice(MONTHS[month as usize - 1].as_bytes());
    out.push(b' ');
    two(out, i64::from(day), b' ');
    out.push(b' ');
    two(out, sod / 3600, b'0');
    out.push(b':');
    two(out, sod % 3600 / 60, b'0');
    out.push(b':');
    two(out, sod % 60, b'0');
    out.push(b' ');
    if year >= 0 {
        push_u64(out, year as u64);
    } else {
        out.push(b'-');
        push_u64(out, year.unsigned_abs());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: RequestId = RequestId {
        client: 3,
        seq: 17,
        attempt: 2,
    };

    #[test]
    fn request_round_trip() {
        let mut buf = Vec::new();
        encode_request(ID, &mut buf);
        assert_eq!(buf, b"losslab-time id=3.17.2");
        assert_eq!(parse_request(&buf), Some(ID));
        assert_eq!(parse_request(b"losslab-time id=3.17.2\r\n"), Some(ID));
    }

    #[test]
    fn plain_datagrams_are_plain_requests() {
        for d in [
            &b""[..],
            b"hola",
            b"losslab-time id=",
            b"losslab-time id=1.2",
            b"losslab-time id=1.2.3.4",
            b"losslab-time id=1.2.256",
            b"losslab-time id=99999999999.1.1",
            b"losslab-time id=a.b.c",
            b"losslab-time id=1..2",
            b"losslab-time id=.1.2",
            b"losslab-time id=1.2.",
            b"losslab-time id=1.2.3 ",
            b"losslab-time id=4294967296.0.0",
            b"losslab-time id=1.-2.0",
            &[0xff, 0xfe, 0x00],
        ] {
            assert_eq!(parse_request(d), None, "{d:?}");
        }
    }

    #[test]
    fn reply_is_ctime_in_utc_and_echoes_the_id() {
        // 2026-11-24 01:22:28.5 UTC was a Tuesday.
        let unix_us = 1_795_483_348_500_000;
        let mut buf = Vec::new();
        encode_reply(unix_us, Some(ID), &mut buf);
        let sum = fletcher16(b"Tue Nov 24 01:22:28 2026 UTC", b" id=3.17.2");
        let expected = format!("Tue Nov 24 01:22:28 2026 UTC sum={sum:04x} id=3.17.2\n");
        assert_eq!(String::from_utf8_lossy(&buf), expected);
        assert_eq!(parse_reply_id(&buf), Some(ID));
        assert_eq!(reply_text(&buf), "Tue Nov 24 01:22:28 2026 UTC");
        assert!(reply_intact(&buf));
        encode_reply(unix_us, None, &mut buf);
        assert_eq!(buf, b"Tue Nov 24 01:22:28 2026 UTC\n");
        // The caching encoder gives the same bytes, and follows the clock across seconds.
        let mut enc = ReplyEncoder::default();
        enc.encode(unix_us, Some(ID), &mut buf);
        assert_eq!(String::from_utf8_lossy(&buf), expected);
        enc.encode(unix_us + 600_000, None, &mut buf);
        assert_eq!(buf, b"Tue Nov 24 01:22:29 2026 UTC\n");
        assert_eq!(parse_reply_id(&buf), None);
        assert!(buf.len() <= MAX_REPLY_LEN);
    }

    /// Any single flipped bit in the text, the checksum digits or the id of a checksummed reply
    /// is detected (the ` sum=` and ` id=` delimiters themselves are not protected; losslab's
    /// `corrupt` alters the text). Replies without a checksum are taken as they are.
    #[test]
    fn corrupted_replies_are_detected() {
        let mut good = Vec::new();
        encode_reply(1_795_483_348_500_000, Some(ID), &mut good);
        let text_end = b"Tue Nov 24 01:22:28 2026 UTC".len();
        let sum_digits = text_end + SUM_MARK.len()..text_end + SUM_MARK.len() + 4;
        let id_digits = sum_digits.end + ID_MARK.len()..good.len() - 1;
        let positions = (0..text_end).chain(sum_digits).chain(id_digits);
        for i in positions {
            for bit in 0..8 {
                let mut bad = good.clone();
                bad[i] ^= 1 << bit;
                if bad[i] == b'\n' || bad[i] == b'\r' {
                    continue; // would cut the line short: still not intact or not parseable
                }
                let caught = !reply_intact(&bad) || parse_reply_id(&bad) != Some(ID);
                assert!(caught, "flip of bit {bit} at {i} went unnoticed: {bad:?}");
            }
        }
        assert!(reply_intact(b"Res: hola"));
        assert!(reply_intact(b"Tue Nov 24 01:22:28 2026\n"));
    }

    /// Reducing once at the end gives Fletcher-16 as defined (reduced at every byte).
    #[test]
    fn fletcher_matches_the_per_byte_definition() {
        let data: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        let (mut s1, mut s2) = (0u16, 0u16);
        for &b in &data {
            s1 = (s1 + u16::from(b)) % 255;
            s2 = (s2 + s1) % 255;
        }
        assert_eq!(fletcher16(&data[..1000], &data[1000..]), (s2 << 8) | s1);
        // Blocks of 16 and the byte-wise rest agree at every split and length.
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 70] {
            for split in 0..=len {
                let (a, b) = data[..len].split_at(split);
                let (mut t1, mut t2) = (0u16, 0u16);
                for &c in &data[..len] {
                    t1 = (t1 + u16::from(c)) % 255;
                    t2 = (t2 + t1) % 255;
                }
                assert_eq!(fletcher16(a, b), (t2 << 8) | t1, "{len} {split}");
            }
        }
        assert_eq!(hex16(0x1a2f), *b"1a2f");
    }

    /// The identity the simulator relies on to skip the text: every request parses back to
    /// its id, and every reply the encoder writes is intact and parses back to the id it
    /// echoes, whatever the numbers and the date (one caching encoder across all of them).
    #[test]
    fn every_encoded_message_parses_back_to_its_id() {
        let numbers = [
            0,
            1,
            9,
            10,
            99,
            12_345,
            999_999,
            1_000_000,
            u32::MAX - 1,
            u32::MAX,
        ];
        let attempts = [0, 1, 9, 10, 99, 100, 254, 255];
        let dates = [
            0,
            1_767_225_600_000_000,
            1_795_483_348_500_000,
            -86_400_000_000,
        ];
        let mut enc = ReplyEncoder::default();
        let (mut req, mut rep) = (Vec::new(), Vec::new());
        for &client in &numbers {
            for &seq in &numbers {
                for &attempt in &attempts {
                    let id = RequestId {
                        client,
                        seq,
                        attempt,
                    };
                    encode_request(id, &mut req);
                    assert_eq!(parse_request(&req), Some(id));
                    for &date in &dates {
                        enc.encode(date + i64::from(seq % 1000), Some(id), &mut rep);
                        assert!(reply_intact(&rep), "{rep:?}");
                        assert_eq!(parse_reply_id(&rep), Some(id), "{rep:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn only_a_trailing_id_counts() {
        let id = RequestId {
            client: 1,
            seq: 2,
            attempt: 3,
        };
        assert_eq!(parse_reply_id(b"a=b id=1.2.3\r\n"), Some(id));
        assert_eq!(reply_text(b"a=b id=1.2.3\n"), "a=b");
        assert_eq!(parse_reply_id(b"Res: x id=1.2.3=4"), None);
        assert_eq!(parse_reply_id(b"id=1.2.3"), None);
        assert_eq!(reply_text(b"no id here"), "no id here");
    }

    #[test]
    fn ctime_pads_single_digit_days_like_c() {
        let mut buf = Vec::new();
        encode_reply(0, None, &mut buf);
        assert_eq!(buf, b"Thu Jan  1 00:00:00 1970 UTC\n");
        // 2024-02-29 12:00:00 UTC, a leap day (Thursday).
        encode_reply(1_709_208_000_000_000, None, &mut buf);
        assert_eq!(buf, b"Thu Feb 29 12:00:00 2024 UTC\n");
    }

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_781), (2026, 11, 24));
    }

    #[test]
    fn longest_reply_fits_the_bound() {
        let id = RequestId {
            client: u32::MAX,
            seq: u32::MAX,
            attempt: u8::MAX,
        };
        let mut buf = Vec::new();
        encode_reply(253_402_300_799_000_000, Some(id), &mut buf);
        assert!(buf.len() <= MAX_REPLY_LEN, "{}", buf.len());
    }
}
