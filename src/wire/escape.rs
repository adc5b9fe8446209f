//! Text that came from the network, made safe to print on a terminal.
//!
//! A server (or a client of `serve`) chooses the bytes it sends; printed raw, an ESC or a C1
//! control (U+009B is a one-character CSI) moves the cursor, recolours the screen, retitles the
//! window or forges a line that looks like losslab's own. Invariant: what [`printable`] and
//! [`printable_bytes`] return holds no control character (Unicode category Cc: C0, DEL and
//! C1) but the tab, which only moves to the next tab stop (HTTP's folded header lines start
//! with one, and curl shows them so); each other one is written as a visible escape (`\n`,
//! `\r`, `\x1b`, `\x7f`, `\u{9b}`), and everything else is left as it was, so ordinary text
//! prints unchanged.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character escaped (borrowed when there is none).
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 && unsafe_char(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A control character a terminal may act on: every Cc but the tab.
fn unsafe_char(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// Bytes read from the network as printable text: invalid UTF-8 becomes U+FFFD, then
/// [`printable`].
pub fn printable_bytes(bytes: &[u8]) -> String {
    printable(&String::from_utf8_lossy(bytes)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_c0_c1_esc_and_del() {
        assert_eq!(
            printable("a\x1b]0;pwned\x07b\u{9b}31m\x7f\r\n\t"),
            "a\\x1b]0;pwned\\x07b\\u{9b}31m\\x7f\\r\\n\t"
        );
        assert_eq!(printable("12:00:00 UTC ñ €"), "12:00:00 UTC ñ €");
        assert!(matches!(printable("plain"), Cow::Borrowed(_)));
        assert_eq!(printable_bytes(b"\xff\x1b[2J"), "\u{fffd}\\x1b[2J");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the bytes, the output holds no control character, and text without any
        /// comes back unchanged.
        #[test]
        fn output_never_holds_a_control(bytes in proptest::collection::vec(any::<u8>(), 0..64),
                                        text in "\\PC{0,40}") {
            let out = printable_bytes(&bytes);
            prop_assert!(!out.chars().any(unsafe_char), "{:?}", out);
            prop_assert_eq!(printable(&text), text.as_str());
        }
    }
}
