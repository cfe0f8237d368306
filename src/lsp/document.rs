//! An open document, held exactly as the editor holds it.

use ropey::Rope;
use tower_lsp_server::ls_types::TextDocumentContentChangeEvent;

use super::position::{to_byte, Encoding};
use crate::text::prose::DocKind;

#[derive(Debug, Clone)]
pub struct Document {
    pub rope: Rope,
    pub version: i32,
    pub kind: DocKind,
}

impl Document {
    pub fn new(text: &str, version: i32, kind: DocKind) -> Self {
        Document {
            rope: Rope::from_str(text),
            version,
            kind,
        }
    }

    /// Applies one content change. A range whose end precedes its start is
    /// refused (the document is left as it was); out-of-range positions are
    /// clamped as editors expect.
    pub fn apply(
        &mut self,
        change: &TextDocumentContentChangeEvent,
        enc: Encoding,
    ) -> Result<(), String> {
        let Some(range) = change.range else {
            self.rope = Rope::from_str(&change.text);
            return Ok(());
        };
        let start = to_byte(&self.rope, range.start, enc);
        let end = to_byte(&self.rope, range.end, enc);
        if end < start {
            return Err(format!(
                "edit range ends ({}:{}) before it starts ({}:{})",
                range.end.line, range.end.character, range.start.line, range.start.character
            ));
        }
        let start_char = self.rope.byte_to_char(start);
        let end_char = self.rope.byte_to_char(end);
        self.rope.remove(start_char..end_char);
        self.rope.insert(start_char, &change.text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn edit(sl: u32, sc: u32, el: u32, ec: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(sl, sc), Position::new(el, ec))),
            range_length: None,
            text: text.into(),
        }
    }

    #[test]
    fn edits_across_multibyte_text_and_crlf() {
        let mut d = Document::new("“Erdoğan”\r\nsaid 😀.", 1, DocKind::PlainText);
        d.apply(&edit(0, 5, 0, 6, "g"), Encoding::Utf16).unwrap();
        assert_eq!(d.rope.to_string(), "“Erdogan”\r\nsaid 😀.");
        d.apply(&edit(1, 5, 1, 7, "🙂"), Encoding::Utf16).unwrap();
        assert_eq!(d.rope.to_string(), "“Erdogan”\r\nsaid 🙂.");
        d.apply(&edit(0, 9, 1, 0, " "), Encoding::Utf32).unwrap();
        assert_eq!(d.rope.to_string(), "“Erdogan” said 🙂.");
    }

    #[test]
    fn a_backwards_range_is_refused_and_loses_nothing() {
        let mut d = Document::new("abc", 1, DocKind::PlainText);
        assert!(d.apply(&edit(0, 2, 0, 1, "x"), Encoding::Utf16).is_err());
        assert_eq!(d.rope.to_string(), "abc");
    }
}
