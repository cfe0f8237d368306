//! Incremental edits and position conversion, in all three encodings,
//! checked against a plain-`str` model of the LSP rules: lines break only
//! at \n, \r\n and \r; a column past the end of a line is the end of the
//! line (before its break); a line past the end is the end of the text; a
//! column inside a character is that character's start; a range that ends
//! before it starts is refused and changes nothing.

#![no_main]

use copydesk::lsp::document::Document;
use copydesk::lsp::position::{to_byte, to_position, Encoding};
use copydesk::text::prose::DocKind;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

/// Pieces that make positions interesting: every UTF-8 length, surrogate
/// pairs, each kind of line break, and characters that ropey could be built
/// to treat as breaks but LSP does not.
const PIECES: &[&str] = &[
    "a", " ", "é", "ğ", "’", "😀", "🇹🇷", "\n", "\r", "\r\n", "\u{2028}", "\u{85}", "\u{c}", "İ",
    "Erdoğan", "“", "”",
];

#[derive(Arbitrary, Debug)]
struct Pos {
    line: u8,
    col: u16,
    far: bool,
}

impl Pos {
    fn lsp(&self) -> Position {
        if self.far {
            Position::new(u32::MAX - u32::from(self.line), u32::MAX - u32::from(self.col))
        } else {
            Position::new(u32::from(self.line % 16), u32::from(self.col % 64))
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Edit {
    range: Option<(Pos, Pos)>,
    text: Vec<u8>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    text: Vec<u8>,
    enc: u8,
    edits: Vec<Edit>,
    probes: Vec<u16>,
}

fn build(pieces: &[u8]) -> String {
    pieces
        .iter()
        .map(|&i| PIECES[usize::from(i) % PIECES.len()])
        .collect()
}

fn units(c: char, enc: Encoding) -> usize {
    match enc {
        Encoding::Utf8 => c.len_utf8(),
        Encoding::Utf16 => c.len_utf16(),
        Encoding::Utf32 => 1,
    }
}

/// (start, end of content) of every line; a text ending in a break has an
/// empty last line.
fn lines(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        let brk = match b[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => 2,
            b'\r' | b'\n' => 1,
            _ => 0,
        };
        if brk > 0 {
            out.push((start, i));
            i += brk;
            start = i;
        } else {
            i += 1;
        }
    }
    out.push((start, b.len()));
    out
}

fn model_to_byte(text: &str, pos: Position, enc: Encoding) -> usize {
    let lines = lines(text);
    let Some(&(start, end)) = lines.get(pos.line as usize) else {
        return text.len();
    };
    let col = pos.character as usize;
    let mut acc = 0;
    for (off, c) in text[start..end].char_indices() {
        let u = units(c, enc);
        if col < acc + u {
            return start + off;
        }
        acc += u;
    }
    end
}

fn model_to_position(text: &str, byte: usize, enc: Encoding) -> Position {
    let mut byte = byte.min(text.len());
    while !text.is_char_boundary(byte) {
        byte -= 1;
    }
    let lines = lines(text);
    let line = lines.iter().rposition(|&(s, _)| s <= byte).unwrap_or(0);
    let col: usize = text[lines[line].0..byte].chars().map(|c| units(c, enc)).sum();
    Position::new(line as u32, col as u32)
}

fuzz_target!(|input: Input| {
    let enc = [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32][usize::from(input.enc % 3)];
    let mut model = build(&input.text);
    let mut doc = Document::new(&model, 1, DocKind::Markdown);
    for edit in input.edits.iter().take(32) {
        let text = build(&edit.text);
        let change = TextDocumentContentChangeEvent {
            range: edit.range.as_ref().map(|(s, e)| Range::new(s.lsp(), e.lsp())),
            range_length: None,
            text: text.clone(),
        };
        match change.range {
            None => {
                assert!(doc.apply(&change, enc).is_ok());
                model = text;
            }
            Some(r) => {
                let s = model_to_byte(&model, r.start, enc);
                let e = model_to_byte(&model, r.end, enc);
                assert_eq!(to_byte(&doc.rope, r.start, enc), s, "{r:?} in {model:?}");
                assert_eq!(to_byte(&doc.rope, r.end, enc), e, "{r:?} in {model:?}");
                let result = doc.apply(&change, enc);
                if e < s {
                    assert!(result.is_err(), "a backwards range must be refused");
                } else {
                    assert!(result.is_ok());
                    model.replace_range(s..e, &text);
                }
            }
        }
        doc.rope.assert_integrity();
        doc.rope.assert_invariants();
        assert_eq!(doc.rope.to_string(), model);
    }
    for &probe in input.probes.iter().take(64) {
        let byte = usize::from(probe) % (model.len() + 8);
        let p = to_position(&doc.rope, byte, enc);
        assert_eq!(p, model_to_position(&model, byte, enc), "byte {byte} of {model:?}");
        let back = to_byte(&doc.rope, p, enc);
        assert_eq!(back, model_to_byte(&model, p, enc));
        // Round trip: a character boundary comes back to itself, except the
        // \n of a \r\n, which is inside a line break and clamps before it.
        let inside_crlf = byte < model.len()
            && model.as_bytes()[byte] == b'\n'
            && byte > 0
            && model.as_bytes()[byte - 1] == b'\r';
        if byte <= model.len() && model.is_char_boundary(byte) && !inside_crlf {
            assert_eq!(back, byte, "round trip of byte {byte} in {model:?}");
        }
    }
});
