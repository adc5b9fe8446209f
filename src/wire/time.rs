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
pub const MAX_REPLY_LEN: usize = 24 + 4 + 4 + 10 + 1 + 10 + 1 + 3 + 1;

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
    out.clear();
    push_ctime(unix_us, out);
    out.extend_from_slice(b" UTC");
    if let Some(id) = id {
        out.extend_from_slice(ID_MARK);
        push_id(id, out);
    }
    out.push(b'\n');
}

/// The id a reply echoes, if it ends with one. A reply from a server that is not losslab has
/// none; the client then matches it to its oldest outstanding request.
pub fn parse_reply_id(datagram: &[u8]) -> Option<RequestId> {
    let line = trim_line_end(datagram);
    let at = line.windows(ID_MARK.len()).rposition(|w| w == ID_MARK)?;
    parse_id(&line[at + ID_MARK.len()..])
}

/// The human part of a reply: the text before the id, without the line end, lossily decoded.
pub fn reply_text(datagram: &[u8]) -> String {
    let line = trim_line_end(datagram);
    let text = match line.windows(ID_MARK.len()).rposition(|w| w == ID_MARK) {
        Some(at) if parse_id(&line[at + ID_MARK.len()..]).is_some() => &line[..at],
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
    push_u64(u64::from(id.client), out);
    out.push(b'.');
    push_u64(u64::from(id.seq), out);
    out.push(b'.');
    push_u64(u64::from(id.attempt), out);
}

fn push_u64(mut v: u64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

fn parse_id(text: &[u8]) -> Option<RequestId> {
    let mut parts = text.split(|&b| b == b'.');
    let client = parse_decimal(parts.next()?)?;
    let seq = parse_decimal(parts.next()?)?;
    let attempt = parse_decimal(parts.next()?)?;
    if parts.next().is_some() {
        return None;
    }
    Some(RequestId {
        client: u32::try_from(client).ok()?,
        seq: u32::try_from(seq).ok()?,
        attempt: u8::try_from(attempt).ok()?,
    })
}

fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    digits.iter().try_fold(0u64, |acc, &d| {
        d.is_ascii_digit().then(|| acc * 10 + u64::from(d - b'0'))
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
    let text = format!(
        "{weekday} {} {day:2} {:02}:{:02}:{:02} {year}",
        MONTHS[month as usize - 1],
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    );
    out.extend_from_slice(text.as_bytes());
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
        assert_eq!(buf, b"Tue Nov 24 01:22:28 2026 UTC id=3.17.2\n");
        assert_eq!(parse_reply_id(&buf), Some(ID));
        assert_eq!(reply_text(&buf), "Tue Nov 24 01:22:28 2026 UTC");
        encode_reply(unix_us, None, &mut buf);
        assert_eq!(buf, b"Tue Nov 24 01:22:28 2026 UTC\n");
        assert_eq!(parse_reply_id(&buf), None);
        assert!(buf.len() <= MAX_REPLY_LEN);
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
