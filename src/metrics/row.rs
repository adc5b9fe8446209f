//! One CSV row, built in a fixed buffer and handed to its writer whole.
//!
//! Owns the formatting of the per-packet and per-request rows, which a simulation writes
//! millions of times a second. A row is built through a [`Line`], a cursor whose length lives
//! in a register while the row is written (kept in the buffer's struct, it was stored and
//! reloaded around every byte). A number below 10^8 is turned into its eight digits at once in
//! one 64-bit word and stored with one 8-byte write; the row goes to its writer with one
//! `write_all`. Building rows in a `Vec` through `itoa` made one `memcpy` call per field, and
//! those calls were most of the cost of a row.
//!
//! Invariant: a row holds at most [`ROW_CAP`] - 8 bytes (numbers are stored eight bytes at a
//! time). Every field losslab writes is a `u64` (at most 20 digits) or one of its own short
//! names (outcomes, server actions, loss states), so the widest row, 12 fields, stays far below
//! it (the recorder's `widest_rows_fit` checks the real ones).

/// Bytes a row can hold.
pub const ROW_CAP: usize = 512;

/// The buffer rows are built in (reused from row to row).
pub struct Row {
    buf: [u8; ROW_CAP],
}

impl Default for Row {
    fn default() -> Self {
        Row { buf: [0; ROW_CAP] }
    }
}

impl Row {
    /// Starts a new row in the buffer.
    pub fn start(&mut self) -> Line<'_> {
        Line {
            buf: &mut self.buf,
            len: 0,
        }
    }
}

/// A row being written.
pub struct Line<'a> {
    buf: &'a mut [u8; ROW_CAP],
    len: usize,
}

impl Line<'_> {
    pub fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    #[inline]
    pub fn push(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    #[inline]
    pub fn push_str(&mut self, s: &str) {
        let end = self.len + s.len();
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
    }

    /// The decimal digits of `v`.
    #[inline]
    pub fn push_u64(&mut self, v: u64) {
        if v < 10 {
            self.push(b'0' + v as u8);
        } else if v < 100_000_000 {
            let digits = eight_digits(v as u32);
            // v ≥ 10: the digit bytes are not all zero; the zero bytes at the bottom are the
            // leading zeros.
            let zeros = (digits.trailing_zeros() / 8) as usize;
            self.push_8((digits | ASCII_ZEROS) >> (8 * zeros), 8 - zeros);
        } else {
            self.push_long(v);
        }
    }

    /// A number of nine digits or more: the last eight, zero-padded, after what comes before.
    #[cold]
    fn push_long(&mut self, v: u64) {
        self.push_u64(v / 100_000_000);
        self.push_8(eight_digits((v % 100_000_000) as u32) | ASCII_ZEROS, 8);
    }

    /// Appends the first `n` of the eight bytes of `bytes` (little-endian). All eight are
    /// stored (one store instead of a byte loop or a copy call); the ones past `n` are
    /// overwritten by whatever comes next.
    #[inline]
    fn push_8(&mut self, bytes: u64, n: usize) {
        self.buf[self.len..self.len + 8].copy_from_slice(&bytes.to_le_bytes());
        self.len += n;
    }
}

const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// The eight decimal digits of `v` (< 10^8, zero-padded) as byte values 0..=9, the most
/// significant in the lowest byte, computed in parallel lanes of one 64-bit word: split into
/// two 4-digit halves (32-bit lanes), each into two 2-digit pairs (16-bit lanes), each into two
/// digits (8-bit lanes). Each division by a small constant is a multiply and a shift that is
/// exact in its range: `n / 100 = (n · 10486) >> 20` for n < 10^4, `m / 10 = (m · 103) >> 10`
/// for m < 100; the lanes are wide enough that no product spills into the lane kept below it.
#[inline]
fn eight_digits(v: u32) -> u64 {
    let (high, low) = (u64::from(v / 10_000), u64::from(v % 10_000));
    let fours = high | (low << 32);
    let hundreds = ((fours * 10_486) >> 20) & 0x0000_007f_0000_007f;
    let pairs = ((fours - 100 * hundreds) << 16) | hundreds;
    let tens = ((pairs * 103) >> 10) & 0x000f_000f_000f_000f;
    ((pairs - 10 * tens) << 8) | tens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_the_standard_formatting() {
        let mut row = Row::default();
        let mut values = vec![0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65_535, u64::MAX];
        values.extend((0..20).map(|p| 10u64.pow(p)));
        values.extend((1..20).map(|p| 10u64.pow(p) - 1));
        values.extend([100_000_001, 123_456_789_012, 10_000_000_000_000_001]);
        // And a spread of every width, from a fixed generator.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(x >> (x % 64));
        }
        for v in values {
            let mut r = row.start();
            r.push(b'x');
            r.push_u64(v);
            r.push(b',');
            assert_eq!(std::str::from_utf8(r.bytes()).unwrap(), format!("x{v},"));
        }
        let mut r = row.start();
        r.push_str("reply");
        assert_eq!(r.bytes(), b"reply");
    }
}
