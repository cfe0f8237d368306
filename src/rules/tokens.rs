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

use super::patterns::key_shape;
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
    /// The word lists' shape of the form's key ([`Word::key_shape`]), or
    /// [`NO_SHAPE`] for a word without a key: worked out once here, in
    /// the padding after the flags, rather than by each rule that looks
    /// every word up (two or three per sentence).
    shape: u16,
}

/// [`Word::key_shape`] of a word whose form has no [`short_key`] (the
/// shapes of keys lie below 4096).
const NO_SHAPE: u16 = u16::MAX;

impl<'t> Word<'t> {
    fn new(
        range: Range<usize>,
        lower: Lower<'t>,
        capitalized: bool,
        break_before: bool,
    ) -> Word<'t> {
        let shape = lower.key().map_or(NO_SHAPE, |key| key_shape(key) as u16);
        Word {
            range,
            lower,
            capitalized,
            break_before,
            shape,
        }
    }

    /// The form's key and its [`key_shape`] (as the word lists take it),
    /// when the form has a key: the same as
    /// `self.lower.key().map(|k| (k, key_shape(k)))`.
    #[inline]
    pub fn keyed(&self) -> Option<(u128, usize)> {
        (self.shape != NO_SHAPE)
            .then(|| (u128::from_le_bytes(self.lower.key), usize::from(self.shape)))
    }
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
/// the text when it is already in that form, held in its [`short_key`]
/// when it is short ASCII (a capitalised word), so that only long or
/// non-ASCII words allocate. Short ASCII forms carry their key either way:
/// the word lists asked about every word look it up by that number.
#[derive(Clone)]
pub struct Lower<'t> {
    repr: Repr<'t>,
    /// The form's [`short_key`] as bytes (the form's own bytes, then its
    /// length in the last) when it is ASCII of at most [`KEY_BYTES`]
    /// bytes; all zero otherwise (no word is empty).
    key: [u8; 16],
}

#[derive(Clone)]
enum Repr<'t> {
    /// The text writes the word in this form (ASCII lower case).
    Text(&'t str),
    /// Short ASCII with capitals: the form is the key's bytes.
    Key,
    /// Outside ASCII, or long.
    Owned(String),
}

impl<'t> Lower<'t> {
    /// `seen`: the [`BYTE_CLASS`] bits of the word's bytes, or-ed, which
    /// the splitter gathers as it goes.
    #[inline]
    /// `lower_key`: the form's key when the splitter made it (else 0).
    fn of(word: &'t str, seen: u8, lower_key: u128) -> Lower<'t> {
        if seen & NON_ASCII != 0 {
            return Lower {
                repr: Repr::Owned(word.to_lowercase().replace('’', "'")),
                key: [0; 16],
            };
        }
        if lower_key != 0 {
            let repr = if seen & UPPER == 0 {
                Repr::Text(word)
            } else {
                Repr::Key
            };
            return Lower {
                repr,
                key: lower_key.to_le_bytes(),
            };
        }
        let key = short_key(word).unwrap_or(0);
        if seen & UPPER == 0 {
            return Lower {
                repr: Repr::Text(word),
                key: key.to_le_bytes(),
            };
        }
        if key != 0 {
            return Lower {
                repr: Repr::Key,
                key: ascii_lowercase_key(key).to_le_bytes(),
            };
        }
        Lower {
            repr: Repr::Owned(word.to_ascii_lowercase()),
            key: [0; 16],
        }
    }

    /// The form as the text writes it, when the text has it in lower case
    /// (then only ASCII: folding leaves it as it is).
    pub fn in_text(&self) -> Option<&'t str> {
        match self.repr {
            Repr::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The form's [`short_key`] when it is short ASCII (then it is also
    /// the folded form's); `None` for other words, whose callers key the
    /// form themselves.
    #[inline]
    pub fn key(&self) -> Option<u128> {
        Some(u128::from_le_bytes(self.key)).filter(|&k| k != 0)
    }

    /// The form's first byte, without making a string of a key.
    pub fn first_byte(&self) -> Option<u8> {
        // A key holds the form's bytes first (and a length, never zero).
        if self.key[15] != 0 {
            return Some(self.key[0]);
        }
        self.as_str().bytes().next()
    }

    pub fn as_str(&self) -> &str {
        match &self.repr {
            Repr::Text(s) => s,
            // The key's bytes are lower-cased ASCII: never the empty fallback.
            Repr::Key => {
                std::str::from_utf8(&self.key[..usize::from(self.key[15])]).unwrap_or_default()
            }
            Repr::Owned(s) => s,
        }
    }

    /// The word folded as [`crate::text::fold::fold`] folds it: ASCII
    /// lower case is folded already, so only a word outside ASCII is
    /// looked at again.
    pub fn folded(&self) -> Cow<'_, str> {
        match &self.repr {
            Repr::Text(s) => Cow::Borrowed(s),
            Repr::Key => Cow::Borrowed(self.as_str()),
            Repr::Owned(s) => fold_cow(s),
        }
    }
}

/// A [`short_key`] of ASCII bytes with the capitals made lower case, all
/// sixteen bytes at once: a byte is a capital when adding 0x3f carries it
/// past 0x7f and adding 0x25 does not (no byte is above 0x7f, so no sum
/// carries into the next; the length byte and the padding are no
/// capitals).
fn ascii_lowercase_key(key: u128) -> u128 {
    // In two halves: as no byte carries, neither does a half, and 64-bit
    // sums need no carry passed from one register to the other.
    let half = |x: u64| {
        const EACH: u64 = 0x0101_0101_0101_0101;
        let from_a = x + 0x3f * EACH;
        let past_z = x + 0x25 * EACH;
        x | ((from_a & !past_z & (0x80 * EACH)) >> 2)
    };
    u128::from(half(key as u64)) | u128::from(half((key >> 64) as u64)) << 64
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
/// `None` for a longer word; never zero.
#[inline]
pub fn short_key(word: &str) -> Option<u128> {
    let bytes = word.as_bytes();
    let len = bytes.len();
    if len > KEY_BYTES {
        return None;
    }
    // Eight, four, two and one bytes at a time (the bits of the length):
    // asked for every word, and a copy of a length known only here would
    // be a call.
    let mut key = (len as u128) << 120;
    let mut at = 0;
    if len & 8 != 0 {
        key |= u128::from(u64::from_le_bytes(
            bytes[..8].try_into().unwrap_or_default(),
        ));
        at = 8;
    }
    if len & 4 != 0 {
        let piece = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default());
        key |= u128::from(piece) << (8 * at);
        at += 4;
    }
    if len & 2 != 0 {
        let piece = u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap_or_default());
        key |= u128::from(piece) << (8 * at);
        at += 2;
    }
    if len & 1 != 0 {
        key |= u128::from(bytes[at]) << (8 * at);
    }
    Some(key)
}

/// Whether the lower-case ASCII form a [`short_key`] holds has a letter
/// (for such a form, what `chars().any(char::is_alphabetic)` tells),
/// sixteen bytes at once: a byte is a small letter when adding 0x1f
/// carries it past 0x7f and adding 0x05 does not (the padding and the
/// length byte, below 0x10, are no letters).
#[inline]
pub fn key_has_letter(key: u128) -> bool {
    const EACH: u128 = u128::from_le_bytes([1; 16]);
    let from_a = key + (0x80 - 0x61) * EACH;
    let past_z = key + (0x7f - 0x7a) * EACH;
    from_a & !past_z & (0x80 * EACH) != 0
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
    loop {
        // Most words are ASCII with ASCII around them: the short ones read
        // whole from the sixteen bytes at their start ([`short_words`]),
        // the others a byte at a time from [`BYTE_CLASS`], up to the first
        // byte outside ASCII.
        ascii_words(text, &mut places, &mut out);
        let Some(p) = places.next() else {
            break;
        };
        let word = &text[p.range.clone()];
        out.push(Word::new(
            p.range,
            Lower::of(word, places.seen, places.lower_key),
            p.capitalized,
            p.break_before,
        ));
    }
    out
}

/// The words from `places.at` on, as [`Places`] would give them, while
/// they and what stands between them are ASCII: a byte is then a
/// character, and a short word's key is read from the sixteen bytes at its
/// start. Stops, with `places` left where the plain splitter takes over,
/// before the first word that has or touches a byte outside ASCII, or at
/// the first such byte between words.
///
/// `text`: the whole text whose span `places` splits (a word's sixteen
/// bytes may reach past the span).
fn ascii_words<'t>(text: &'t str, places: &mut Places<'t>, out: &mut Vec<Word<'t>>) {
    let span = places.span;
    let bytes = span.as_bytes();
    let mut at = places.at;
    // Only white space since the last word. Called at the start (no last
    // word: a break) or right after a word.
    let mut only_white = places.last_end.is_some();
    loop {
        // Most words: short, ending at white space or a mark that joins
        // nothing.
        let offset = places.offset;
        let run = short_words(text, offset + bytes.len(), offset + at, only_white, out);
        (at, only_white) = (run.at - offset, run.only_white);
        if let Some(end) = run.last_end {
            places.last_end = Some(end - offset);
        }
        // Where the run stopped: the span's end, a byte outside ASCII
        // between words, or a word it leaves to the reading below.
        let Some(&b) = bytes.get(at) else {
            break;
        };
        let class = BYTE_CLASS[usize::from(b)];
        if class & ALNUM == 0 {
            break;
        }
        let start = at;
        let end = ascii_word_end(bytes, at + 1);
        if touches_non_ascii(bytes, end) {
            // A character outside ASCII may belong to the word.
            break;
        }
        let word = &span[start..end];
        out.push(Word::new(
            places.offset + start..places.offset + end,
            ascii_lower(word, bytes.get(start..start + 16)),
            class & UPPER != 0,
            !only_white,
        ));
        places.last_end = Some(end);
        only_white = true;
        at = end;
    }
    places.at = at;
}

/// Where [`short_words`] stopped, in the text's places.
struct Run {
    at: usize,
    only_white: bool,
    /// The end of the last word it took, if any.
    last_end: Option<usize>,
}

/// The words from `at` on (`only_white`: as in [`ascii_words`]) while each
/// is read whole from the sixteen bytes at its start: ASCII letters and
/// digits, at most [`KEY_BYTES`] of them, inside the span, followed by
/// white space, the span's end, or a mark that no letter, digit or byte
/// outside ASCII follows (so that it joins nothing to the word). Eight
/// bytes are classified at once and the key made from the same reading,
/// where the plain path reads a byte at a time and then reads the word
/// again for its key. Stops at a byte outside ASCII between words, or at a
/// word it does not take (left to the caller).
///
/// `text`: the whole text, `span_end` where the span ends in it, `at` a
/// place in it (a word's sixteen bytes may reach past the span): the words
/// are placed in the text as they are found, with fewer values to keep.
///
/// Not inlined: a loop of its own keeps its few values in registers.
#[inline(never)]
fn short_words<'t>(
    text: &'t str,
    span_end: usize,
    mut at: usize,
    mut only_white: bool,
    out: &mut Vec<Word<'t>>,
) -> Run {
    let bytes = &text.as_bytes()[..span_end];
    let mut last_end = None;
    while let Some(&b) = bytes.get(at) {
        let class = BYTE_CLASS[usize::from(b)];
        if class & ALNUM == 0 {
            if class & NON_ASCII != 0 {
                break;
            }
            only_white &= class & WHITE != 0;
            at += 1;
            continue;
        }
        // A full list is grown by the caller's push: here the push then
        // needs no path that grows it, and the word is written in place.
        if out.len() == out.capacity() {
            break;
        }
        let Some(window) = text.as_bytes().get(at..at + 16) else {
            break;
        };
        let Some(short) = short_word(window) else {
            break;
        };
        let end = at + short.len;
        if end > bytes.len() || !ends_cleanly(bytes, end) {
            break;
        }
        let word = &text[at..end];
        let repr = if short.capitals {
            Repr::Key
        } else {
            Repr::Text(word)
        };
        out.push(Word {
            range: at..end,
            lower: Lower {
                repr,
                key: short.key.to_le_bytes(),
            },
            capitalized: class & UPPER != 0,
            break_before: !only_white,
            shape: key_shape(short.key) as u16,
        });
        last_end = Some(end);
        only_white = true;
        at = end;
    }
    Run {
        at,
        only_white,
        last_end,
    }
}

/// A word read whole from the sixteen bytes at its start.
struct Short {
    len: usize,
    /// Its lower-case [`short_key`].
    key: u128,
    /// It has a capital (the text does not have it in lower case).
    capitals: bool,
}

/// The run of ASCII letters and digits that `window` (sixteen bytes)
/// starts with, when it is at most [`KEY_BYTES`] long: eight bytes
/// classified at once ([`alnum_run`]), and the next eight only for a run
/// longer than those.
#[inline(always)]
fn short_word(window: &[u8]) -> Option<Short> {
    let half = |at: usize| u64::from_le_bytes(window[at..at + 8].try_into().unwrap_or_default());
    let low = half(0);
    let (run, low_small) = alnum_run(low);
    if run < 8 {
        let taken = LOW_BYTES[run];
        return Some(Short {
            len: run,
            key: u128::from(low_small & taken) | (run as u128) << 120,
            capitals: (low ^ low_small) & taken != 0,
        });
    }
    let high = half(8);
    let (run, high_small) = alnum_run(high);
    if run == 8 {
        return None;
    }
    let taken = LOW_BYTES[run];
    let len = 8 + run;
    Some(Short {
        len,
        key: u128::from(low_small) | u128::from(high_small & taken) << 64 | (len as u128) << 120,
        capitals: low != low_small || (high ^ high_small) & taken != 0,
    })
}

/// Per count of bytes below eight, the bits of a `u64` that hold that many
/// first bytes.
const LOW_BYTES: [u64; 8] = {
    let mut masks = [0u64; 8];
    let mut n = 0;
    while n < 8 {
        masks[n] = (1u64 << (8 * n)) - 1;
        n += 1;
    }
    masks
};

/// Of eight bytes (the first in the lowest bits): how many letters and
/// digits they start with, and the bytes with 0x20 set, which makes those
/// letters small and leaves those digits as they are.
///
/// Fewer steps than [`ascii_alnum_and_upper`], and right only up to the
/// first byte that is no letter or digit, which is all it tells: a byte is
/// a letter when, with 0x20 set, it lies in 0x61..=0x7a, and a digit when,
/// so set, it lies in 0x30..=0x39 and had 0x20 set already (not one of
/// 0x10..=0x19). A byte's low seven bits lie in a range when adding
/// `0x80 - low` reaches the top bit and adding `0x7f - high` does not;
/// those sums carry into the next byte only from a byte outside ASCII,
/// which is no letter or digit, so only the bytes after the first stop
/// may be misread.
#[inline(always)]
fn alnum_run(chunk: u64) -> (usize, u64) {
    const EACH: u64 = 0x0101_0101_0101_0101;
    let small = chunk | (0x20 * EACH);
    let within = |from: u64, to: u64| {
        small.wrapping_add((0x80 - from) * EACH) & !small.wrapping_add((0x7f - to) * EACH)
    };
    let letter = within(0x61, 0x7a);
    // 0x20 moved to the top bit.
    let digit = within(0x30, 0x39) & chunk << 2;
    let alnum = (letter | digit) & !chunk & TOP_BITS;
    // Letters and digits before the first byte that is none (8: all).
    let run = ((alnum ^ TOP_BITS).trailing_zeros() / 8) as usize;
    (run, small)
}

/// Whether a word whose letters and digits end at `end` ends there for
/// sure: at the span's end, before a byte that is neither a mark that may
/// join nor outside ASCII, or before such a mark with neither a letter, a
/// digit nor a byte outside ASCII after it. (A word this leaves open may
/// still end there: the plain path decides.)
#[inline(always)]
fn ends_cleanly(bytes: &[u8], end: usize) -> bool {
    let class = |at: usize| bytes.get(at).map_or(0, |&b| BYTE_CLASS[usize::from(b)]);
    let after = class(end);
    after & (JOIN | NON_ASCII) == 0
        || (after & NON_ASCII == 0 && class(end + 1) & (ALNUM | NON_ASCII) == 0)
}

/// Whether the ASCII word ending at `end` might go on past it outside
/// ASCII: a byte outside ASCII follows it, or follows the mark after it.
#[inline]
fn touches_non_ascii(bytes: &[u8], end: usize) -> bool {
    let class = |at: usize| bytes.get(at).map_or(0, |&b| BYTE_CLASS[usize::from(b)]);
    let after = class(end);
    after & NON_ASCII != 0 || (after & JOIN != 0 && class(end + 1) & NON_ASCII != 0)
}

/// Where the ASCII word whose bytes run up to `at` (a letter or digit
/// before it) ends: letters and digits, an apostrophe or hyphen between
/// letters or digits, a point or comma between digits.
#[inline]
fn ascii_word_end(bytes: &[u8], mut at: usize) -> usize {
    loop {
        // A byte at a time from the table, not `text::words::ascii_alnum_run`
        // (eight at a time): here the word's first byte is already read and
        // most words end within a few more, so the eight-byte test cost more
        // (check per draft 113.4 M against 114.2 M instructions, callgrind).
        while let Some(&b) = bytes.get(at) {
            if BYTE_CLASS[usize::from(b)] & ALNUM == 0 {
                break;
            }
            at += 1;
        }
        let (Some(&d), Some(&n)) = (bytes.get(at), bytes.get(at + 1)) else {
            return at;
        };
        let next = BYTE_CLASS[usize::from(n)];
        let joins = match d {
            b'\'' | b'-' => next & ALNUM != 0,
            b'.' | b',' => next & DIGIT != 0 && BYTE_CLASS[usize::from(bytes[at - 1])] & DIGIT != 0,
            _ => false,
        };
        if !joins {
            return at;
        }
        at += 2;
    }
}

/// The [`Lower`] of an ASCII word; `window`: the sixteen bytes of the text
/// from the word's start, when there are that many (the short key is then
/// those bytes masked to the word, with no copy of a length known only
/// here).
#[inline]
fn ascii_lower<'t>(word: &'t str, window: Option<&[u8]>) -> Lower<'t> {
    let len = word.len();
    if len > KEY_BYTES {
        let repr = if word.bytes().any(|b| b.is_ascii_uppercase()) {
            Repr::Owned(word.to_ascii_lowercase())
        } else {
            Repr::Text(word)
        };
        return Lower { repr, key: [0; 16] };
    }
    let key = match window.and_then(|w| <[u8; 16]>::try_from(w).ok()) {
        Some(w) => u128::from_le_bytes(w) & WORD_BYTES[len] | (len as u128) << 120,
        None => short_key(word).unwrap_or(0),
    };
    let lower = ascii_lowercase_key(key);
    // No capitals: the text has the form already.
    let repr = if lower == key {
        Repr::Text(word)
    } else {
        Repr::Key
    };
    Lower {
        repr,
        key: lower.to_le_bytes(),
    }
}

/// Per length up to [`KEY_BYTES`], the bits of a key that hold the word's
/// bytes: read from a table, not shifted into being (a 128-bit shift by a
/// length known only at run time is a dozen instructions, for every word).
const WORD_BYTES: [u128; KEY_BYTES + 1] = {
    let mut masks = [0u128; KEY_BYTES + 1];
    let mut len = 1;
    while len <= KEY_BYTES {
        masks[len] = (1u128 << (8 * len)) - 1;
        len += 1;
    }
    masks
};

/// The words of `text[range]` as [`words`] splits them, without their
/// lower-case forms.
pub fn places(text: &str, range: Range<usize>) -> Places<'_> {
    Places {
        span: &text[range.clone()],
        offset: range.start,
        at: 0,
        last_end: None,
        seen: 0,
        lower_key: 0,
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
    /// The last word's lower-case [`short_key`] when it lay whole in the
    /// eight bytes read at its start (most words), made from those; else 0.
    lower_key: u128,
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
/// White space (as `char::is_whitespace` has it in ASCII).
const WHITE: u8 = 32;

/// The top bit of each of eight bytes.
const TOP_BITS: u64 = 0x8080_8080_8080_8080;

/// Of eight bytes (the first in the lowest bits), the top bit of each that
/// is an ASCII letter or digit, and of each that is an ASCII capital: a
/// byte's low seven bits lie in a range when adding `0x80 - low` reaches
/// the top bit and adding `0x7f - high` does not (sums of seven-bit values
/// and these stay below 0x100, so no byte carries into the next).
fn ascii_alnum_and_upper(chunk: u64) -> (u64, u64) {
    const EACH: u64 = 0x0101_0101_0101_0101;
    let ascii = !chunk & TOP_BITS;
    let low = chunk & !TOP_BITS;
    let within = |x: u64, from: u64, to: u64| {
        (x + (0x80 - from) * EACH) & !(x + (0x7f - to) * EACH) & TOP_BITS
    };
    let digit = within(low, 0x30, 0x39);
    let upper = within(low, 0x41, 0x5a);
    // Setting 0x20 makes a capital small and leaves a small letter as it is.
    let letter = within(low | (0x20 * EACH), 0x61, 0x7a);
    ((digit | letter) & ascii, upper & ascii)
}

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
        } else if matches!(byte, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            WHITE
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
                // Read again below, with the bytes after it.
                break (at, at, class & UPPER != 0, 0);
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
        let mut key = 0;
        loop {
            // Most of a word is ASCII letters and digits: eight bytes at a
            // time while eight remain, then one at a time.
            let mut class = 0;
            let mut stopped = false;
            while let Some(chunk) = bytes.get(end..end + 8) {
                let chunk = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
                let (alnum, upper) = ascii_alnum_and_upper(chunk);
                // The letters and digits before the first byte that is none.
                let n = (!alnum & TOP_BITS).trailing_zeros() / 8;
                let taken = if n == 8 { u64::MAX } else { (1 << (8 * n)) - 1 };
                if upper & taken != 0 {
                    seen |= UPPER;
                }
                if end == start && n < 8 {
                    // The whole word, if nothing joins more to it: its key,
                    // capitals made small (0x80 >> 2 = 0x20).
                    let lower = (chunk | (upper >> 2)) & taken;
                    key = u128::from(lower) | u128::from(n) << 120;
                }
                end += n as usize;
                if n < 8 {
                    class = BYTE_CLASS[usize::from(bytes[end])];
                    stopped = true;
                    break;
                }
            }
            if !stopped {
                for &b in &bytes[end..] {
                    class = BYTE_CLASS[usize::from(b)];
                    if class & ALNUM == 0 {
                        break;
                    }
                    seen |= class;
                    end += 1;
                }
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
        self.lower_key = if end - start == usize::from(key.to_le_bytes()[15]) {
            key
        } else {
            0
        };
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
        assert!(matches!(ws[0].lower.repr, Repr::Text(_)));
        assert!(matches!(ws[1].lower.repr, Repr::Key));
        assert!(matches!(ws[2].lower.repr, Repr::Owned(_)));
        assert_eq!(ws[1].lower, "kremlin");
        assert_eq!(ws[1].lower.key(), short_key("kremlin"));
        assert_eq!(ws[2].lower, long.to_lowercase().as_str());
        assert_eq!(ws[2].lower.key(), None);
        assert!(!ws[0].capitalized && ws[1].capitalized);
    }

    #[test]
    fn eight_bytes_at_a_time_classify_every_byte_as_one_at_a_time() {
        for b in 0..=255u8 {
            for at in 0..8 {
                for filler in [b'a', b'Z', b' ', 0x80] {
                    let mut bytes = [filler; 8];
                    bytes[at] = b;
                    let (alnum, upper) = ascii_alnum_and_upper(u64::from_le_bytes(bytes));
                    for (i, &x) in bytes.iter().enumerate() {
                        let class = BYTE_CLASS[usize::from(x)];
                        let bit = 0x80u64 << (8 * i);
                        assert_eq!(alnum & bit != 0, class & ALNUM != 0, "{x:#x} at {i}");
                        assert_eq!(upper & bit != 0, class & UPPER != 0, "{x:#x} at {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn white_space_bytes_are_those_char_is_whitespace_takes() {
        for b in 0..0x80u8 {
            let white = BYTE_CLASS[usize::from(b)] & WHITE != 0;
            assert_eq!(white, char::from(b).is_whitespace(), "{b:#x}");
        }
    }

    #[test]
    fn short_keys_hold_the_bytes_then_the_length() {
        for word in [
            "",
            "a",
            "ab",
            "abc",
            "said",
            "kremlin",
            "analysts",
            "s-400",
            "2,500.75",
            "counterattacked",
        ] {
            let mut bytes = [0u8; 16];
            bytes[..word.len()].copy_from_slice(word.as_bytes());
            bytes[15] = word.len() as u8;
            assert_eq!(short_key(word), Some(u128::from_le_bytes(bytes)), "{word}");
        }
        assert_eq!(short_key("counterattacking"), None);
        for (word, letter) in [
            ("s-400", true),
            ("2,500.75", false),
            ("19th", true),
            ("'`{@", false),
            ("z", true),
            ("a", true),
        ] {
            assert_eq!(key_has_letter(short_key(word).unwrap()), letter, "{word}");
        }
        assert_eq!(
            ascii_lowercase_key(short_key("AZaz@[`{09'-Q").unwrap()),
            short_key("azaz@[`{09'-q").unwrap()
        );
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
        fn all_ascii_agrees_with_the_first_splitting(
            text in "([a-zA-Z0-9]{1,20}|[ .,'\\-\t\n\r\u{b}\u{c}\u{1f}!\"()_:;]){0,60}",
            from in 0usize..40,
            cut in 0usize..40,
        ) {
            // A span that ends before the text does: the words' sixteen
            // bytes may reach past it, the words may not.
            let from = from.min(text.len());
            let to = text.len() - cut.min(text.len() - from);
            let split = words(&text, from..to);
            for w in &split {
                let lower = w.lower.as_str();
                proptest::prop_assert_eq!(w.lower.key(), short_key(lower), "{}", lower);
                proptest::prop_assert_eq!(w.lower.in_text().is_some(), lower == &text[w.range.clone()]);
                proptest::prop_assert_eq!(w.lower.first_byte(), lower.bytes().next());
            }
            let ours: Vec<(Range<usize>, String, bool, bool)> = split
                .into_iter()
                .map(|w| (w.range, w.lower.to_string(), w.capitalized, w.break_before))
                .collect();
            proptest::prop_assert_eq!(ours, reference_words(&text, from..to));
        }

        #[test]
        fn short_words_read_as_the_byte_at_a_time_reading(
            window in proptest::array::uniform16(proptest::prelude::any::<u8>()),
            letters in 1usize..17,
        ) {
            // Mostly letters and digits first, then anything.
            let mut window = window;
            for b in &mut window[..letters] {
                if !b.is_ascii_alphanumeric() {
                    *b = b"aZ09"[usize::from(*b % 4)];
                }
            }
            let len = window.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
            match short_word(&window) {
                Some(short) => {
                    let word = std::str::from_utf8(&window[..len]).unwrap();
                    proptest::prop_assert_eq!(short.len, len);
                    proptest::prop_assert_eq!(Some(short.key), short_key(&word.to_ascii_lowercase()));
                    proptest::prop_assert_eq!(short.capitals, word.bytes().any(|b| b.is_ascii_uppercase()));
                }
                None => proptest::prop_assert!(len > KEY_BYTES),
            }
        }

        #[test]
        fn agrees_with_the_first_splitting(
            text in "([a-zA-Z0-9]{1,9}|[ .,'’\\-‐‑“”]|Ğ|ğ|İ|ı|Ş|ş|Σ|é|١|😀|\u{212A}|\n){0,60}",
            from in 0usize..40,
            cut in 0usize..40,
        ) {
            let boundary = |i: usize| (0..=i).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let from = boundary(from.min(text.len()));
            let to = boundary(text.len() - cut.min(text.len() - from)).max(from);
            let split = words(&text, from..to);
            // The key, the first byte and the folded form, read from the
            // key for a capitalised ASCII word, are those of the form.
            for w in &split {
                let lower = w.lower.as_str();
                // No key: the callers key the form themselves.
                if let Some(key) = w.lower.key() {
                    proptest::prop_assert_eq!(Some(key), short_key(lower), "{}", lower);
                    proptest::prop_assert_eq!(
                        key_has_letter(key),
                        lower.chars().any(char::is_alphabetic),
                        "{}",
                        lower
                    );
                }
                if text[w.range.clone()].is_ascii() && lower.len() <= KEY_BYTES {
                    proptest::prop_assert!(w.lower.key().is_some(), "{}", lower);
                }
                proptest::prop_assert_eq!(w.lower.first_byte(), lower.bytes().next());
                proptest::prop_assert_eq!(w.lower.folded(), crate::text::fold::fold(lower));
            }
            let ours: Vec<(Range<usize>, String, bool, bool)> = split
                .into_iter()
                .map(|w| (w.range, w.lower.to_string(), w.capitalized, w.break_before))
                .collect();
            proptest::prop_assert_eq!(ours, reference_words(&text, from..to));
        }
    }
}
