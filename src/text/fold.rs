//! Folding for name matching: Unicode lower case, diacritics removed
//! (Erdoğan → erdogan, İstanbul → istanbul), apostrophes and hyphens unified.
//!
//! Folding changes byte lengths ("İ" is 2 bytes, its lower case 3), so every
//! folded text carries a map from its bytes back to the original's.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// A folded copy of a text with a map back to the original bytes.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    pub text: String,
    /// The characters beyond ASCII, in order (ASCII folds a byte to a
    /// byte, so the bytes between them map back one to one): the map is
    /// built per character beyond ASCII, not per byte, and a paragraph of
    /// ASCII needs none.
    pieces: Vec<Piece>,
}

/// One character beyond ASCII and what it folded to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Piece {
    /// Where its folded bytes start in the folded text.
    folded: u32,
    /// How many folded bytes it gave (possibly none: a soft hyphen).
    folded_len: u32,
    /// Where it starts in the original text, and its UTF-8 length.
    original: u32,
    original_len: u32,
}

impl Folded {
    /// The original byte offset of the character that produced folded
    /// byte `i`; the folded text's end maps to the original's end.
    fn origin(&self, i: usize) -> usize {
        // The characters beyond ASCII whose folded bytes start at or
        // before `i` (of those starting at `i`, the last counts: the ones
        // before it folded to nothing).
        self.origin_after(i, self.pieces.partition_point(|p| p.folded as usize <= i))
    }

    /// [`Folded::origin`] of `i`, given how many pieces start at or before it.
    fn origin_after(&self, i: usize, pieces_before: usize) -> usize {
        let Some(p) = pieces_before
            .checked_sub(1)
            .and_then(|n| self.pieces.get(n))
        else {
            return i;
        };
        let inside = i - p.folded as usize;
        if inside < p.folded_len as usize {
            p.original as usize
        } else {
            // ASCII after it, a byte for a byte.
            (p.original + p.original_len) as usize + (inside - p.folded_len as usize)
        }
    }

    /// The original byte range that the folded range `start..end` came from.
    /// `end` maps to the end of the last original character it covers.
    pub fn original_range(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        if self.pieces.is_empty() {
            // ASCII alone: folded byte for original byte.
            return start..end;
        }
        if end <= start {
            return self.original_range_plainly(start, end);
        }
        // One search for `start`; the offsets read after it only grow, so
        // the count of pieces before each is carried forward.
        let mut before = self.pieces.partition_point(|p| p.folded as usize <= start);
        let mut origin = |i: usize| {
            while self
                .pieces
                .get(before)
                .is_some_and(|p| p.folded as usize <= i)
            {
                before += 1;
            }
            self.origin_after(i, before)
        };
        let s = origin(start);
        let last = origin(end - 1);
        let mut i = end;
        let mut e = origin(i);
        while i < self.text.len() && e == last {
            i += 1;
            e = origin(i);
        }
        s..e
    }

    /// [`Folded::original_range`] read as defined: the original offset of
    /// `start`, and the next original offset after the character that
    /// produced folded byte `end - 1`.
    fn original_range_plainly(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let s = self.origin(start);
        let e = if end == 0 {
            s
        } else {
            let last = self.origin(end - 1);
            let mut i = end;
            while i < self.text.len() && self.origin(i) == last {
                i += 1;
            }
            self.origin(i)
        };
        s..e
    }
}

/// Folds a whole text, keeping the offset map.
pub fn fold_with_map(text: &str) -> Folded {
    let mut folded = Folded::default();
    fold_with_map_into(text, &mut folded);
    folded
}

/// [`fold_with_map`] into `folded`, reusing its buffers: the name scan
/// folds every paragraph of a draft, and keeps one `Folded` per thread.
pub fn fold_with_map_into(text: &str, folded: &mut Folded) {
    let Folded { text: out, pieces } = folded;
    out.clear();
    out.reserve(text.len());
    pieces.clear();
    let mut at = 0;
    while at < text.len() {
        // Most of a draft is runs of ASCII: one byte in, one byte out,
        // copied a run at a time.
        let run = ascii_run(&text.as_bytes()[at..]);
        if run > 0 {
            let from = out.len();
            out.push_str(&text[at..at + run]);
            out[from..].make_ascii_lowercase();
            at += run;
            continue;
        }
        let Some(c) = text[at..].chars().next() else {
            break;
        };
        let before = out.len();
        push_folded(c, out);
        pieces.push(Piece {
            folded: before as u32,
            folded_len: (out.len() - before) as u32,
            original: at as u32,
            original_len: c.len_utf8() as u32,
        });
        at += c.len_utf8();
    }
}

/// How many bytes of ASCII `bytes` starts with.
fn ascii_run(bytes: &[u8]) -> usize {
    // Eight bytes at a time while none has its high bit set.
    let mut run = 0;
    for chunk in bytes.chunks_exact(8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        if u64::from_ne_bytes(chunk) & 0x8080_8080_8080_8080 != 0 {
            break;
        }
        run += 8;
    }
    run + bytes[run..].iter().take_while(|b| b.is_ascii()).count()
}

/// [`fold`], borrowing `text` where folding leaves it as it is (ASCII
/// without capitals: most words of prose), so that a word of every sentence
/// costs no allocation.
pub fn fold_cow(text: &str) -> Cow<'_, str> {
    if text.is_ascii() && !text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(fold(text))
    }
}

/// Folds a short string (a name from the lexicon) without a map.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_folded(c, &mut out);
    }
    out
}

/// Appends the folded form of one character (possibly nothing, possibly
/// several characters) to `out`.
pub fn push_folded(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    match c {
        // Apostrophes and primes read as the same mark in names.
        '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{2032}' | '\u{00B4}' | '\u{0060}' => {
            out.push('\'')
        }
        // Hyphens (not dashes: an em dash separates clauses, not name parts).
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' => out.push('-'),
        '\u{00AD}' => {} // soft hyphen: invisible
        '\u{00A0}' | '\u{202F}' | '\u{2007}' => out.push(' '),
        // Typographic quotation marks, dashes and the ellipsis, common in
        // prose: no case and no decomposition, so they fold to themselves
        // (a test checks it) without the lookups below.
        '\u{201C}' | '\u{201D}' | '\u{2014}' | '\u{2026}' | '\u{00AB}' | '\u{00BB}' => out.push(c),
        // Letters that do not decompose to a base letter plus a mark.
        'ı' => out.push('i'),
        'ø' | 'Ø' => out.push('o'),
        'ł' | 'Ł' => out.push('l'),
        'đ' | 'Đ' => out.push('d'),
        'ß' => out.push_str("ss"),
        'æ' | 'Æ' => out.push_str("ae"),
        'œ' | 'Œ' => out.push_str("oe"),
        _ => {
            for lower in c.to_lowercase() {
                decompose_canonical(lower, |d| {
                    if !is_combining_mark(d) {
                        out.push(d);
                    }
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_runs_end_at_the_first_non_ascii_byte() {
        let text = "Erdoğan’s seventeen-letter words… İ 😀 and a long ASCII tail of prose";
        for from in 0..text.len() {
            let want = text.as_bytes()[from..]
                .iter()
                .take_while(|b| b.is_ascii())
                .count();
            assert_eq!(ascii_run(&text.as_bytes()[from..]), want, "from {from}");
        }
    }

    /// `Folded::original_range` over a map of every folded byte (how it
    /// was kept before the map held only characters beyond ASCII).
    fn plain_original_range(origin: &[u32], start: usize, end: usize) -> std::ops::Range<usize> {
        let s = origin[start] as usize;
        let e = if end == 0 {
            s
        } else {
            let last = origin[end - 1];
            let mut i = end;
            while i < origin.len() - 1 && origin[i] == last {
                i += 1;
            }
            origin[i] as usize
        };
        s..e
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// The folded text, and the map back, are those of folding one
        /// character at a time.
        #[test]
        fn fold_with_map_is_folding_char_by_char(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "Erdogan said ", "ERDOGAN ", "Erdoğan", "İstanbul", "ı", "ş", "’",
                    "‑", "\u{AD}", "ß", "Æ", "😀", "e\u{301}", "Σ", " ", "abcdefghijklmnop",
                    "“", "”", "—", "…",
                ]),
                0..20,
            )
        ) {
            let text = parts.concat();
            let folded = fold_with_map(&text);
            let mut want = String::new();
            let mut origin = Vec::new();
            for (at, c) in text.char_indices() {
                let before = want.len();
                push_folded(c, &mut want);
                origin.resize(origin.len() + (want.len() - before), at as u32);
            }
            origin.push(text.len() as u32);
            proptest::prop_assert_eq!(&folded.text, &want);
            // Folding into a used `Folded` leaves nothing of the last text.
            let mut reused = fold_with_map("İstanbul’s Straße, ERDOĞAN");
            fold_with_map_into(&text, &mut reused);
            proptest::prop_assert_eq!(&reused.text, &folded.text);
            proptest::prop_assert_eq!(&reused.pieces, &folded.pieces);
            let mapped: Vec<u32> = (0..=want.len()).map(|i| folded.origin(i) as u32).collect();
            proptest::prop_assert_eq!(&mapped, &origin);
            // Every folded range maps back as the per-byte map does.
            for start in 0..=want.len() {
                for end in start..=want.len() {
                    proptest::prop_assert_eq!(
                        folded.original_range(start, end),
                        plain_original_range(&origin, start, end)
                    );
                }
            }
        }
    }

    /// The punctuation `push_folded` keeps as it is folds to itself by
    /// the general rule too (lower case, then canonical decomposition).
    #[test]
    fn kept_punctuation_folds_to_itself() {
        for c in [
            '\u{201C}', '\u{201D}', '\u{2014}', '\u{2026}', '\u{00AB}', '\u{00BB}',
        ] {
            let mut general = String::new();
            for lower in c.to_lowercase() {
                decompose_canonical(lower, |d| {
                    if !is_combining_mark(d) {
                        general.push(d);
                    }
                });
            }
            assert_eq!(general, c.to_string());
            let mut kept = String::new();
            push_folded(c, &mut kept);
            assert_eq!(kept, general);
        }
    }

    #[test]
    fn folds_turkish_and_diacritics() {
        assert_eq!(fold("Erdoğan"), "erdogan");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("Işıklar"), "isiklar");
        assert_eq!(fold("Ürümqi Zürich São Paulo"), "urumqi zurich sao paulo");
        assert_eq!(fold("Erdogan’s"), "erdogan's");
        assert_eq!(fold("Nagorno‑Karabakh"), "nagorno-karabakh");
    }

    #[test]
    fn fold_cow_borrows_only_what_folding_keeps() {
        for text in ["erdogan said", "Erdogan", "Erdoğan’s", "s-400s", ""] {
            let folded = fold_cow(text);
            assert_eq!(folded, fold(text));
            assert_eq!(matches!(folded, Cow::Borrowed(_)), folded == text);
        }
    }

    #[test]
    fn map_points_back_to_original_bytes() {
        let text = "😀 İstanbul’s Erdoğan";
        let f = fold_with_map(text);
        let at = f.text.find("erdogan").unwrap();
        let r = f.original_range(at, at + "erdogan".len());
        assert_eq!(&text[r], "Erdoğan");
        let at = f.text.find("istanbul").unwrap();
        let r = f.original_range(at, at + "istanbul".len());
        assert_eq!(&text[r], "İstanbul");
    }

    #[test]
    fn map_handles_expanding_letters_at_the_end() {
        let text = "Straße";
        let f = fold_with_map(text);
        assert_eq!(f.text, "strasse");
        assert_eq!(&text[f.original_range(0, f.text.len())], "Straße");
        assert_eq!(&text[f.original_range(4, 6)], "ß");
    }
}
