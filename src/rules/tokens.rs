//! Words with their byte ranges, as the phrase-level rules need them. Sentence
//! and quotation boundaries come from `crate::text`; this only splits a span
//! of prose into words.
//!
//! The rules tokenize every sentence of every check, so splitting allocates
//! nothing but the list: a word's lower-case form borrows from the text when
//! the text already is lower case (most words of prose), and [`places`] skips
//! it altogether for rules that only need where words are.

use std::borrow::Cow;
use std::ops::{Deref, Range};

use smol_str::SmolStr;

use crate::text::fold::fold_cow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'t> {
    pub range: Range<usize>,
    /// Lower-cased, curly apostrophes made straight.
    pub lower: Lower<'t>,
    /// Starts with an upper-case letter.
    pub capitalized: bool,
    /// Something other than white space (punctuation, a quotation mark)
    /// stands between this word and the previous one, or it is the first.
    pub break_before: bool,
}

/// Where a word is, without its lower-case form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub range: Range<usize>,
    /// Starts with an upper-case letter.
    pub capitalized: bool,
    /// As [`Word::break_before`].
    pub break_before: bool,
}

/// A word lower-cased with curly apostrophes made straight: borrowed from
/// the text when it is already in that form, kept inline when it is short
/// ASCII (a capitalised word), so that only long or non-ASCII words
/// allocate.
#[derive(Clone)]
pub struct Lower<'t>(Repr<'t>);

/// Longest ASCII word kept inline (`SmolStr`'s inline capacity).
const SHORT: usize = 23;

#[derive(Clone)]
enum Repr<'t> {
    Text(&'t str),
    /// Checked as UTF-8 once, when made: the rules read a word many times.
    Short(SmolStr),
    Owned(String),
}

impl<'t> Lower<'t> {
    /// `seen`: the [`BYTE_CLASS`] bits of the word's bytes, or-ed, which
    /// the splitter gathers as it goes.
    fn of(word: &'t str, seen: u8) -> Lower<'t> {
        if seen & NON_ASCII != 0 {
            return Lower(Repr::Owned(word.to_lowercase().replace('’', "'")));
        }
        if seen & UPPER == 0 {
            return Lower(Repr::Text(word));
        }
        if word.len() <= SHORT {
            let mut bytes = [0; SHORT];
            let bytes = &mut bytes[..word.len()];
            bytes.copy_from_slice(word.as_bytes());
            bytes.make_ascii_lowercase();
            // Lower-cased ASCII is ASCII: never the empty fallback.
            return Lower(Repr::Short(SmolStr::new(
                std::str::from_utf8(bytes).unwrap_or_default(),
            )));
        }
        Lower(Repr::Owned(word.to_ascii_lowercase()))
    }

    /// The form as the text writes it, when the text has it in lower case
    /// (then only ASCII: folding leaves it as it is).
    pub fn in_text(&self) -> Option<&'t str> {
        match self.0 {
            Repr::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Text(s) => s,
            Repr::Short(s) => s,
            Repr::Owned(s) => s,
        }
    }

    /// The word folded as [`crate::text::fold::fold`] folds it: ASCII
    /// lower case is folded already, so only a word outside ASCII is
    /// looked at again.
    pub fn folded(&self) -> Cow<'_, str> {
        match &self.0 {
            Repr::Text(s) => Cow::Borrowed(s),
            Repr::Short(s) => Cow::Borrowed(s),
            Repr::Owned(s) => fold_cow(s),
        }
    }
}

/// Where the last white space of `s` ends (0 if it has none): words never
/// hold white space, so splitting from there finds the words that the
/// whole of `s` ends with.
pub fn after_last_space(s: &str) -> usize {
    s.char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// A word of at most [`KEY_BYTES`] bytes as one number (its bytes and its
/// length), for the word lists asked about every word: hashing and
/// comparing a number costs less than hashing and comparing the string.
/// `None` for a longer word.
pub fn short_key(word: &str) -> Option<u128> {
    let bytes = word.as_bytes();
    if bytes.len() > KEY_BYTES {
        return None;
    }
    let mut key = [0u8; 16];
    key[..bytes.len()].copy_from_slice(bytes);
    key[15] = bytes.len() as u8;
    Some(u128::from_le_bytes(key))
}

/// The longest word [`short_key`] takes: the 16th byte holds the length.
pub const KEY_BYTES: usize = 15;

impl Deref for Lower<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for Lower<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Lower<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for Lower<'_> {
    fn eq(&self, other: &Lower<'_>) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Lower<'_> {}

impl PartialEq<str> for Lower<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Lower<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '‐' | '‑')
}

/// The character starting at byte `at` of `s` (a character boundary).
fn char_at(s: &str, at: usize) -> Option<char> {
    match s.as_bytes().get(at) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => s[at..].chars().next(),
        None => None,
    }
}

/// Splits `text[range]` into words: runs of letters and digits, with
/// apostrophes and hyphens inside a word ("Erdogan’s", "Nagorno-Karabakh")
/// and the separators of a number ("1,200", "3.7") kept.
pub fn words(text: &str, range: Range<usize>) -> Vec<Word<'_>> {
    // About one word in six bytes of prose: room enough, most of the time,
    // to fill the list without moving it.
    let mut out = Vec::with_capacity(range.len() / 6 + 1);
    let mut places = places(text, range);
    while let Some(p) = places.next() {
        let word = &text[p.range.clone()];
        out.push(Word {
            lower: Lower::of(word, places.seen),
            range: p.range,
            capitalized: p.capitalized,
            break_before: p.break_before,
        });
    }
    out
}

/// The words of `text[range]` as [`words`] splits them, without their
/// lower-case forms.
pub fn places(text: &str, range: Range<usize>) -> Places<'_> {
    Places {
        span: &text[range.clone()],
        offset: range.start,
        at: 0,
        last_end: None,
        seen: 0,
    }
}

/// See [`places`].
pub struct Places<'t> {
    span: &'t str,
    /// Where `span` starts in the text.
    offset: usize,
    /// Where to look for the next word, in `span`.
    at: usize,
    last_end: Option<usize>,
    /// The [`BYTE_CLASS`] bits of the last word's bytes, or-ed.
    seen: u8,
}

/// What a byte is to the splitter, one bit each: splitting reads prose a
/// byte at a time, and only a byte outside ASCII needs its character
/// decoded.
const ALNUM: u8 = 1;
const UPPER: u8 = 2;
const NON_ASCII: u8 = 4;
/// May join what is on either side into one word.
const JOIN: u8 = 8;
const DIGIT: u8 = 16;

static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = if !byte.is_ascii() {
            NON_ASCII
        } else if byte.is_ascii_uppercase() {
            ALNUM | UPPER
        } else if byte.is_ascii_digit() {
            ALNUM | DIGIT
        } else if byte.is_ascii_alphanumeric() {
            ALNUM
        } else if matches!(byte, b'\'' | b'-' | b'.' | b',') {
            JOIN
        } else {
            0
        };
        b += 1;
    }
    table
};

impl Iterator for Places<'_> {
    type Item = Place;

    // Inlined into each caller's loop: the rules split every sentence of
    // every check, and a call per word costs as much as reading its bytes.
    #[inline(always)]
    fn next(&mut self) -> Option<Place> {
        let span = self.span;
        let bytes = span.as_bytes();
        let mut at = self.at;
        // The word's first character: its byte class, or for a character
        // outside ASCII, whether it is upper case.
        let (start, mut end, capitalized, mut seen) = loop {
            let class = BYTE_CLASS[usize::from(*bytes.get(at)?)];
            if class & ALNUM != 0 {
                break (at, at + 1, class & UPPER != 0, class);
            }
            if class & NON_ASCII == 0 {
                at += 1;
                continue;
            }
            let c = char_at(span, at)?;
            if c.is_alphanumeric() {
                break (at, at + c.len_utf8(), c.is_uppercase(), NON_ASCII);
            }
            at += c.len_utf8();
        };
        loop {
            // Most of a word is ASCII letters and digits.
            let mut class = 0;
            for &b in &bytes[end..] {
                class = BYTE_CLASS[usize::from(b)];
                if class & ALNUM == 0 {
                    break;
                }
                seen |= class;
                end += 1;
            }
            // Most words end at a space or a mark that joins nothing.
            if end == bytes.len() || class & (NON_ASCII | JOIN) == 0 {
                break;
            }
            let d = if class & NON_ASCII == 0 {
                char::from(bytes[end])
            } else {
                match char_at(span, end) {
                    Some(d) => d,
                    None => break,
                }
            };
            if d.is_alphanumeric() {
                // Outside ASCII: ASCII letters and digits were taken above.
                seen |= NON_ASCII;
                end += d.len_utf8();
                continue;
            }
            // An apostrophe or hyphen joins letters or digits; a point or
            // comma, digits. The character before is a letter or digit
            // (inside ASCII only if its last byte is).
            let prev_digit = BYTE_CLASS[usize::from(bytes[end - 1])] & DIGIT != 0;
            let n = match char_at(span, end + d.len_utf8()) {
                Some(n) if is_joiner(d) && n.is_alphanumeric() => n,
                Some(n) if (d == '.' || d == ',') && prev_digit && n.is_ascii_digit() => n,
                _ => break,
            };
            seen |= BYTE_CLASS[usize::from(bytes[end])]
                | BYTE_CLASS[usize::from(bytes[end + d.len_utf8()])];
            end += d.len_utf8() + n.len_utf8();
        }
        self.at = end;
        self.seen = seen;
        let break_before = match self.last_end {
            // One space, between most words.
            Some(last_end) if start == last_end + 1 && bytes[last_end] == b' ' => false,
            Some(last_end) => !span[last_end..start].chars().all(char::is_whitespace),
            None => true,
        };
        self.last_end = Some(end);
        Some(Place {
            range: self.offset + start..self.offset + end,
            capitalized,
            break_before,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowers(text: &str) -> Vec<String> {
        words(text, 0..text.len())
            .into_iter()
            .map(|w| w.lower.to_string())
            .collect()
    }

    #[test]
    fn keeps_apostrophes_hyphens_and_number_separators_inside_words() {
        assert_eq!(
            lowers("Erdogan’s S-400 deal cost $2,500.75, not 3.7 billion."),
            [
                "erdogan's",
                "s-400",
                "deal",
                "cost",
                "2,500.75",
                "not",
                "3.7",
                "billion"
            ]
        );
        assert_eq!(
            lowers("‘personal survival,’ ” he"),
            ["personal", "survival", "he"]
        );
    }

    #[test]
    fn marks_punctuation_between_words() {
        let text = "missiles, arms experts say, are";
        let ws = words(text, 0..text.len());
        let breaks: Vec<bool> = ws.iter().map(|w| w.break_before).collect();
        assert_eq!(breaks, [true, true, false, false, true]);
        assert_eq!(&text[ws[1].range.clone()], "arms");
    }

    #[test]
    fn ranges_are_absolute_within_a_sub_range() {
        let text = "Ankara. Erdoğan said.";
        let ws = words(text, 8..text.len());
        assert_eq!(&text[ws[0].range.clone()], "Erdoğan");
        assert!(ws[0].capitalized && ws[0].break_before);
    }

    #[test]
    fn lower_cases_any_script_and_straightens_apostrophes() {
        assert_eq!(
            lowers("ERDOĞAN’S Ὀδυσσεύς ΟΔΥΣΣΕΥΣ Putin's S-400"),
            ["erdoğan's", "ὀδυσσεύς", "οδυσσευς", "putin's", "s-400"]
        );
        let long = "Counterintelligence-Officers";
        let text = format!("the Kremlin {long}");
        let ws = words(&text, 0..text.len());
        assert!(matches!(ws[0].lower.0, Repr::Text(_)));
        assert!(matches!(ws[1].lower.0, Repr::Short(_)));
        assert!(matches!(ws[2].lower.0, Repr::Owned(_)));
        assert_eq!(ws[1].lower, "kremlin");
        assert_eq!(ws[2].lower, long.to_lowercase().as_str());
        assert!(!ws[0].capitalized && ws[1].capitalized);
    }

    /// The splitting as first written (a vector of characters, every word
    /// lower-cased into a new string): the rules' behaviour was tested
    /// against it, so the allocation-free version must agree with it.
    fn reference_words(text: &str, range: Range<usize>) -> Vec<(Range<usize>, String, bool, bool)> {
        let mut out: Vec<(Range<usize>, String, bool, bool)> = Vec::new();
        let span = &text[range.clone()];
        let chars: Vec<(usize, char)> = span.char_indices().collect();
        let mut i = 0;
        let mut last_end = range.start;
        while i < chars.len() {
            let (at, c) = chars[i];
            if !c.is_alphanumeric() {
                i += 1;
                continue;
            }
            let start = i;
            let mut j = i + 1;
            while j < chars.len() {
                let (_, d) = chars[j];
                if d.is_alphanumeric() {
                    j += 1;
                    continue;
                }
                let next = chars.get(j + 1).map(|&(_, n)| n);
                let prev = chars[j - 1].1;
                let joins = match d {
                    d if is_joiner(d) => next.is_some_and(char::is_alphanumeric),
                    '.' | ',' => prev.is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit()),
                    _ => false,
                };
                if !joins {
                    break;
                }
                j += 2;
            }
            let end = chars.get(j).map_or(span.len(), |&(b, _)| b);
            let abs = range.start + at..range.start + end;
            let gap = &text[last_end..abs.start];
            out.push((
                abs.clone(),
                text[abs.clone()].to_lowercase().replace('’', "'"),
                c.is_uppercase(),
                out.is_empty() || !gap.chars().all(char::is_whitespace),
            ));
            last_end = abs.end;
            i = j.max(start + 1);
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_first_splitting(
            text in "([a-zA-Z0-9]|[ .,'’\\-‐‑“”]|Ğ|ğ|İ|Σ|é|١|\n){0,40}",
            from in 0usize..40,
        ) {
            let from = (0..=from.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let ours: Vec<(Range<usize>, String, bool, bool)> = words(&text, from..text.len())
                .into_iter()
                .map(|w| (w.range, w.lower.to_string(), w.capitalized, w.break_before))
                .collect();
            proptest::prop_assert_eq!(ours, reference_words(&text, from..text.len()));
        }
    }
}
