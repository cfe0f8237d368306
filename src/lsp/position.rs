//! The one place where LSP positions meet byte offsets.
//!
//! Internally every range is a byte range. Positions are (line, column)
//! with columns in the negotiated encoding: UTF-16 code units by default,
//! UTF-8 bytes or UTF-32 scalars when the client offers them. Conversions
//! clamp instead of panicking: a column past the end of a line is the end of
//! the line (before its break), a line past the end is the end of the text,
//! a column inside a character is that character's start.

use std::ops::Range;

use ropey::{Rope, RopeSlice};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    Utf8,
    #[default]
    Utf16,
    Utf32,
}

impl Encoding {
    /// Picks what the client offers, preferring UTF-8 (our native unit),
    /// then UTF-32, and UTF-16 when nothing is offered (the LSP default).
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        let offered = offered.unwrap_or_default();
        if offered.contains(&PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else if offered.contains(&PositionEncodingKind::UTF32) {
            Encoding::Utf32
        } else {
            Encoding::Utf16
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }
}

/// Characters of the line break at the end of `line` (0, 1 or 2).
fn break_chars(line: RopeSlice) -> usize {
    let n = line.len_chars();
    if n == 0 {
        return 0;
    }
    match line.char(n - 1) {
        '\n' if n >= 2 && line.char(n - 2) == '\r' => 2,
        '\n' | '\r' => 1,
        _ => 0,
    }
}

/// Byte offset of a position, clamped into the text.
pub fn to_byte(rope: &Rope, pos: Position, enc: Encoding) -> usize {
    let line_idx = pos.line as usize;
    if line_idx >= rope.len_lines() {
        return rope.len_bytes();
    }
    let line = rope.line(line_idx);
    let line_start_char = rope.line_to_char(line_idx);
    let content_chars = line.len_chars() - break_chars(line);
    let col = pos.character as usize;
    let char_in_line = match enc {
        Enc::Utf32 => col.min(content_chars),
        Enc::Utf8 => {
            let content_bytes = line.char_to_byte(content_chars);
            // A byte inside a character counts as that character's start.
            line.byte_to_char(col.min(content_bytes))
        }
        Enc::Utf16 => {
            let content_units = line.char_to_utf16_cu(content_chars);
            line.utf16_cu_to_char(col.min(content_units))
        }
    };
    rope.char_to_byte(line_start_char + char_in_line)
}

use Encoding as Enc;

/// Position of a byte offset; an offset past the end is the end, one inside
/// a character is that character's start.
pub fn to_position(rope: &Rope, byte: usize, enc: Encoding) -> Position {
    let byte = byte.min(rope.len_bytes());
    let char_idx = rope.byte_to_char(byte);
    let line_idx = rope.char_to_line(char_idx);
    let line_start = rope.line_to_char(line_idx);
    let col = match enc {
        Enc::Utf32 => char_idx - line_start,
        Enc::Utf8 => rope.char_to_byte(char_idx) - rope.char_to_byte(line_start),
        Enc::Utf16 => rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_start),
    };
    Position::new(line_idx as u32, col as u32)
}

pub fn to_range(
    rope: &Rope,
    range: Range<usize>,
    enc: Encoding,
) -> tower_lsp_server::ls_types::Range {
    tower_lsp_server::ls_types::Range::new(
        to_position(rope, range.start, enc),
        to_position(rope, range.end, enc),
    )
}

pub fn to_bytes(
    rope: &Rope,
    range: tower_lsp_server::ls_types::Range,
    enc: Encoding,
) -> Range<usize> {
    to_byte(rope, range.start, enc)..to_byte(rope, range.end, enc)
}

/// Positions of many byte offsets of `text`, in the order given, found in
/// one forward sweep: equal to [`to_position`] for each, without its several
/// tree descents per offset (a long draft's diagnostics need hundreds on
/// every keystroke).
pub fn positions(text: &str, offsets: &[usize], enc: Encoding) -> Vec<Position> {
    positions_from(text, (0, 0), offsets, enc)
}

/// [`positions`] of offsets at or after `line_start`, the byte where line
/// `line` starts: the sweep begins there instead of at the top (the
/// offsets an edit moved lie in a paragraph or two of a long draft).
pub fn positions_from(
    text: &str,
    (line_start, line): (usize, u32),
    offsets: &[usize],
    enc: Encoding,
) -> Vec<Position> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_unstable_by_key(|&i| offsets[i]);
    let bytes = text.as_bytes();
    let mut out = vec![Position::new(0, 0); offsets.len()];
    let mut line = line;
    // How far into the current line the column has been counted.
    let (mut counted, mut column) = (line_start.min(text.len()), 0u32);
    for i in order {
        let mut at = offsets[i].min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        debug_assert!(at >= counted, "offset {at} before the sweep's start");
        let at = at.max(counted);
        // Cross every line break that ends at or before `at`; an offset
        // between the two characters of a CRLF is still on its line. The
        // breaks before `counted` are crossed already (the LF of a CRLF
        // split there ends the same line either way).
        while let Some(end) = next_line_start(bytes, counted..at) {
            if end > at {
                break;
            }
            line += 1;
            (counted, column) = (end, 0);
        }
        column += units(&text[counted..at], enc);
        counted = at;
        out[i] = Position::new(line, column);
    }
    out
}

/// Where the line after the first line break in `bytes[within]` starts
/// (a CRLF is one break, even when its LF lies past `within`).
pub fn next_line_start(bytes: &[u8], within: std::ops::Range<usize>) -> Option<usize> {
    let b = within.start + memchr::memchr2(b'\n', b'\r', &bytes[within])?;
    Some(if bytes[b] == b'\r' && bytes.get(b + 1) == Some(&b'\n') {
        b + 2
    } else {
        b + 1
    })
}

/// `text`'s length in the encoding's units.
fn units(text: &str, enc: Encoding) -> u32 {
    if text.is_ascii() {
        return text.len() as u32;
    }
    len_in(text, enc)
}

/// Length of `text[range]` in the encoding's units (for semantic tokens).
pub fn len_in(text: &str, enc: Encoding) -> u32 {
    (match enc {
        Enc::Utf8 => text.len(),
        Enc::Utf16 => text.encode_utf16().count(),
        Enc::Utf32 => text.chars().count(),
    }) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "😀 Erdoğan’s visit to Ankara";

    #[test]
    fn the_three_encodings_disagree_as_they_should() {
        let rope = Rope::from_str(&format!("first\r\n{LINE}\n"));
        let ankara = format!("first\r\n{LINE}").find("Ankara").unwrap();
        for (enc, col) in [(Enc::Utf8, 27), (Enc::Utf16, 22), (Enc::Utf32, 21)] {
            assert_eq!(
                to_position(&rope, ankara, enc),
                Position::new(1, col),
                "{enc:?}"
            );
            assert_eq!(
                to_byte(&rope, Position::new(1, col), enc),
                ankara,
                "{enc:?}"
            );
        }
    }

    #[test]
    fn clamps_instead_of_panicking() {
        let rope = Rope::from_str("ab\r\ncd");
        assert_eq!(
            to_byte(&rope, Position::new(0, 99), Enc::Utf16),
            2,
            "end of line, before CRLF"
        );
        assert_eq!(
            to_byte(&rope, Position::new(9, 0), Enc::Utf8),
            6,
            "past the last line"
        );
        assert_eq!(to_position(&rope, 99, Enc::Utf8), Position::new(1, 2));
        let rope = Rope::from_str("😀x");
        assert_eq!(
            to_byte(&rope, Position::new(0, 1), Enc::Utf16),
            0,
            "inside a surrogate pair"
        );
        assert_eq!(
            to_byte(&rope, Position::new(0, 2), Enc::Utf8),
            0,
            "inside a UTF-8 sequence"
        );
        assert_eq!(to_position(&rope, 2, Enc::Utf16), Position::new(0, 0));
    }

    #[test]
    fn only_lsp_line_breaks_count() {
        // U+2028 and form feed are not line breaks in LSP.
        let rope = Rope::from_str("a\u{2028}b\u{c}c\rd");
        assert_eq!(rope.len_lines(), 2);
        assert_eq!(
            to_position(&rope, rope.len_bytes() - 1, Enc::Utf16),
            Position::new(1, 0)
        );
    }

    proptest::proptest! {
        /// The sweep agrees with the rope on every offset, in any order,
        /// over texts of every kind of line break, curly quotes, Turkish
        /// letters and emoji.
        #[test]
        fn positions_in_one_sweep_equal_the_ropes(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "Erdoğan", "’", "😀", "\n", "\r", "\r\n", " ", "ı"]),
                0..40,
            ),
            offsets in proptest::collection::vec(0usize..200, 0..20),
        ) {
            let text: String = pieces.concat();
            let rope = Rope::from_str(&text);
            for enc in [Enc::Utf8, Enc::Utf16, Enc::Utf32] {
                let want: Vec<Position> = offsets.iter().map(|&o| to_position(&rope, o, enc)).collect();
                proptest::prop_assert_eq!(positions(&text, &offsets, enc), want, "{:?} {:?}", enc, text);
            }
        }
    }

    proptest::proptest! {
        /// A sweep started at any line's start agrees with the rope on
        /// every offset from there on.
        #[test]
        fn positions_from_a_line_start_equal_the_ropes(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["a", "Erdoğan", "’", "😀", "\n", "\r", "\r\n", " ", "ı"]),
                0..40,
            ),
            line in 0usize..20,
            offsets in proptest::collection::vec(0usize..200, 0..20),
        ) {
            let text: String = pieces.concat();
            let rope = Rope::from_str(&text);
            let line = line.min(rope.len_lines() - 1);
            let start = rope.line_to_byte(line);
            let offsets: Vec<usize> = offsets.into_iter().map(|o| start + o).collect();
            for enc in [Enc::Utf8, Enc::Utf16, Enc::Utf32] {
                let want: Vec<Position> = offsets.iter().map(|&o| to_position(&rope, o, enc)).collect();
                let got = positions_from(&text, (start, line as u32), &offsets, enc);
                proptest::prop_assert_eq!(got, want, "{:?} {:?}", enc, text);
            }
        }
    }

    #[test]
    fn negotiation_prefers_utf8() {
        use PositionEncodingKind as K;
        assert_eq!(Encoding::negotiate(None), Enc::Utf16);
        assert_eq!(Encoding::negotiate(Some(&[K::UTF16])), Enc::Utf16);
        assert_eq!(
            Encoding::negotiate(Some(&[K::UTF32, K::UTF8, K::UTF16])),
            Enc::Utf8
        );
        assert_eq!(Encoding::negotiate(Some(&[K::UTF32, K::UTF16])), Enc::Utf32);
    }
}
