//! Words and punctuation of news prose, as byte ranges.
//!
//! A word keeps its inner hyphens, apostrophes and periods (S-400,
//! Erdogan’s, U.S.) and, for abbreviations and initials, its final period
//! (Mr., V., a.m.), so that later stages see "Mr." and "U.S." whole.

use std::ops::Range;

use crate::text::sentences::is_title_abbreviation;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Word,
    /// Any other non-space character: , ; : — “ ” ( ) . …
    Punct(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub range: Range<usize>,
    pub kind: TokenKind,
}

impl Token {
    pub fn is_word(&self) -> bool {
        self.kind == TokenKind::Word
    }

    pub fn is_punct(&self, c: char) -> bool {
        self.kind == TokenKind::Punct(c)
    }
}

fn joins_word(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '’' | '\'' | '.' | '&')
}

/// [`joins_word`] of an ASCII byte.
fn joins_word_byte(b: u8) -> bool {
    matches!(b, b'-' | b'\'' | b'.' | b'&')
}

/// The tokens of `text[range]`, in order.
pub fn tokenize(text: &str, range: Range<usize>) -> Vec<Token> {
    // About a token in five bytes of prose: room enough, most of the time,
    // to fill the list without moving it.
    let mut out = Vec::with_capacity(range.len() / 5 + 1);
    out.extend(Tokens::new(text, range));
    out
}

/// The tokens of `text[range]`, one at a time (see [`tokenize`]).
pub struct Tokens<'a> {
    slice: &'a str,
    /// The offset of `slice` in the text.
    base: usize,
    /// Where the next token is looked for, from `base`.
    p: usize,
    /// See [`Tokens::last_is_lower_ascii`].
    lower_ascii: bool,
}

impl<'a> Tokens<'a> {
    pub fn new(text: &'a str, range: Range<usize>) -> Tokens<'a> {
        Tokens {
            slice: text.get(range.clone()).unwrap_or(""),
            base: range.start,
            p: 0,
            lower_ascii: false,
        }
    }

    /// Whether the token last returned is a word in ASCII without capitals,
    /// its own lower case: told while reading it, so that a caller
    /// lower-casing words need not look at the word again.
    pub fn last_is_lower_ascii(&self) -> bool {
        self.lower_ascii
    }

    /// Goes on from `at` (an offset in the text), skipping the tokens
    /// before it, where that yields the tokens [`tokenize`] has from there
    /// on: no word can run on past `at` because the character before it
    /// neither is part of a word nor joins one. Else it goes on as it was
    /// and the caller skips the tokens starting before `at` itself.
    pub fn skip_to(&mut self, at: usize) {
        let Some(rel) = at.checked_sub(self.base) else {
            return;
        };
        if rel <= self.p || rel > self.slice.len() || !self.slice.is_char_boundary(rel) {
            return;
        }
        let before = self.slice[..rel].chars().next_back();
        if before.is_some_and(|c| !is_alphanumeric(c) && !joins_word(c)) {
            self.p = rel;
        }
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    #[inline]
    fn next(&mut self) -> Option<Token> {
        self.next_token()
    }
}

impl Tokens<'_> {
    /// [`Iterator::next`], always inlined: attribution reads every word of
    /// every sentence it reads through this, and a call per token (saving
    /// and restoring six registers, the token returned through memory)
    /// cost a third of the token's reading.
    #[inline(always)]
    pub fn next_token(&mut self) -> Option<Token> {
        self.lower_ascii = false;
        let slice = self.slice;
        let bytes = slice.as_bytes();
        let base = self.base;
        let mut p = self.p;
        loop {
            let Some(&b) = bytes.get(p) else {
                self.p = p;
                return None;
            };
            // Most of prose is ASCII: spaces, letters and punctuation are
            // told by their byte, without decoding a `char`.
            if b.is_ascii() {
                if b.is_ascii_alphanumeric() {
                    break;
                }
                p += 1;
                if is_ascii_space(b) {
                    continue;
                }
                self.p = p;
                return Some(Token {
                    range: base + p - 1..base + p,
                    kind: TokenKind::Punct(char::from(b)),
                });
            }
            let Some(c) = slice[p..].chars().next() else {
                self.p = p;
                return None;
            };
            if c.is_whitespace() {
                p += c.len_utf8();
                continue;
            }
            if !is_alphanumeric(c) {
                self.p = p + c.len_utf8();
                return Some(Token {
                    range: base + p..base + self.p,
                    kind: TokenKind::Punct(c),
                });
            }
            break;
        }
        let start = p;
        let mut q = p;
        let mut lower_ascii = true;
        let mut has_inner_period = false;
        loop {
            // Most words are ASCII letters: those eight bytes at a time.
            let (end, capital) = ascii_alnum_run(bytes, q);
            q = end;
            lower_ascii &= !capital;
            // The run ended on a byte that is no letter or digit: most often
            // a space or an ASCII mark that joins no word (, ; : ! ?), which
            // ends the word without decoding or classing a `char`.
            if bytes
                .get(q)
                .is_some_and(|&b| b.is_ascii() && !joins_word_byte(b))
            {
                break;
            }
            let Some(c) = char_at(slice, q) else {
                break;
            };
            if is_alphanumeric(c) {
                lower_ascii = false;
                q += c.len_utf8();
                continue;
            }
            if !joins_word(c) {
                break;
            }
            let next = char_at(slice, q + c.len_utf8());
            if next.is_some_and(is_alphanumeric) {
                has_inner_period |= c == '.';
                // The letter after the mark is read with the rest of the word.
                lower_ascii &= c.is_ascii();
                q += c.len_utf8();
            } else {
                break;
            }
        }
        let mut end = q;
        if bytes.get(q) == Some(&b'.') {
            let word = &slice[start..end];
            let single_capital = word.chars().count() == 1 && word.starts_with(char::is_uppercase);
            if has_inner_period || single_capital || is_title_abbreviation(word) {
                end += 1;
            }
        }
        // A word is most often followed by one space, which the next call
        // would only skip: skipped here (no token starts in it, and
        // `skip_to` treats a place after it as it did).
        self.p = if bytes.get(end) == Some(&b' ') {
            end + 1
        } else {
            end
        };
        self.lower_ascii = lower_ascii;
        Some(Token {
            range: base + start..base + end,
            kind: TokenKind::Word,
        })
    }
}

/// Where the run of ASCII letters and digits starting at `from` ends in
/// `bytes`, and whether it holds a capital. Eight bytes are told at a time
/// (a word of prose seldom runs past one such look), each by a few
/// arithmetic steps on the whole `u64` rather than a loop over its bytes;
/// the last few bytes of `bytes` one at a time (property test
/// `alnum_runs_agree_with_the_bytewise_reading`).
pub(crate) fn ascii_alnum_run(bytes: &[u8], from: usize) -> (usize, bool) {
    let mut at = from;
    let mut capital = false;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let (alnum, capitals) = alnum_and_capital_bytes(word);
        let others = !alnum & HIGH_BITS;
        if others == 0 {
            capital |= capitals != 0;
            at += 8;
            continue;
        }
        // The bytes before the first other one, as high bits.
        let first_other = others.trailing_zeros();
        let before = (1u64 << first_other) - 1;
        capital |= capitals & before != 0;
        return (at + first_other as usize / 8, capital);
    }
    while let Some(&b) = bytes.get(at) {
        if !b.is_ascii_alphanumeric() {
            break;
        }
        capital |= b.is_ascii_uppercase();
        at += 1;
    }
    (at, capital)
}

/// For the eight bytes of `word`, the high bit of each that is an ASCII
/// letter or digit: [`alnum_and_capital_bytes`]' first half in fewer steps
/// (a letter is told in either case at once, by setting the bit that makes
/// it small: `A`–`Z` become `a`–`z`, and only they do).
pub(crate) fn ascii_alnum_bytes(word: u64) -> u64 {
    let at_least = |raised: u64, c: u8| raised.wrapping_sub(ONES * u64::from(c)) & HIGH_BITS;
    let between = |w: u64, low: u8, past: u8| {
        let raised = w | HIGH_BITS;
        at_least(raised, low) & !at_least(raised, past)
    };
    let letters = between(word | (ONES * 0x20), b'a', b'z' + 1);
    let digits = between(word, b'0', b'9' + 1);
    (letters | digits) & !(word & HIGH_BITS)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// For the eight bytes of `word`, the high bit of each byte that is an
/// ASCII letter or digit, and of each that is an ASCII capital.
fn alnum_and_capital_bytes(word: u64) -> (u64, u64) {
    let non_ascii = word & HIGH_BITS;
    // Each byte with its high bit set: subtracting at most 0x80 from it
    // borrows from no other byte, and leaves the high bit set exactly
    // when the byte's low seven bits are at least the constant.
    let raised = word | HIGH_BITS;
    let at_least = |c: u8| raised.wrapping_sub(ONES * u64::from(c)) & HIGH_BITS;
    let between = |low: u8, past: u8| at_least(low) & !at_least(past);
    let capitals = between(b'A', b'Z' + 1) & !non_ascii;
    let alnum = (between(b'0', b'9' + 1) | between(b'a', b'z' + 1)) & !non_ascii | capitals;
    (alnum, capitals)
}

/// `char::is_whitespace` of an ASCII byte (which, unlike
/// `u8::is_ascii_whitespace`, counts the vertical tab).
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r')
}

/// `char::is_alphanumeric`, answered without Unicode's tables for ASCII
/// and for General Punctuation (U+2000–U+206F: curly quotation marks,
/// dashes, the ellipsis), which holds no letter or digit: the marks that
/// end most words of news copy.
pub(crate) fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    if ('\u{2000}'..='\u{206F}').contains(&c) {
        return false;
    }
    c.is_alphanumeric()
}

/// The character starting at byte `at` of `s` (a character boundary).
fn char_at(s: &str, at: usize) -> Option<char> {
    match s.as_bytes().get(at) {
        Some(&b) if b.is_ascii() => Some(char::from(b)),
        Some(_) => s[at..].chars().next(),
        None => None,
    }
}

/// Whether a word starts with a capital letter (after any opening marks).
pub fn is_capitalized(word: &str) -> bool {
    word.chars()
        .find(|c| c.is_alphanumeric())
        .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text, 0..text.len())
            .into_iter()
            .map(|t| &text[t.range])
            .collect()
    }

    #[test]
    fn keeps_inner_marks_and_abbreviation_periods() {
        assert_eq!(
            words("Mr. Erdogan’s S-400s, the U.S. and V. Putin at 5 p.m. today."),
            vec![
                "Mr.",
                "Erdogan’s",
                "S-400s",
                ",",
                "the",
                "U.S.",
                "and",
                "V.",
                "Putin",
                "at",
                "5",
                "p.m.",
                "today",
                "."
            ]
        );
    }

    #[test]
    fn quote_marks_are_punctuation() {
        assert_eq!(
            words("his ‘personal survival,’ ” he"),
            vec!["his", "‘", "personal", "survival", ",", "’", "”", "he"]
        );
    }

    /// Going on from any place yields the tokens that start there or
    /// later, as the whole sentence's tokens have them: a place inside a
    /// word, or after a mark that joins words, is not jumped to.
    #[test]
    fn skipping_to_a_place_keeps_the_tokens_after_it() {
        let text = "“Erdogan’s ‘S-400s,’ Mr. Putin” he said. U.S.-backed a.m. x";
        let all = tokenize(text, 0..text.len());
        for at in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
            let mut tokens = Tokens::new(text, 0..text.len());
            tokens.skip_to(at);
            let after: Vec<Token> = tokens.filter(|t| t.range.start >= at).collect();
            let want: Vec<Token> = all
                .iter()
                .filter(|t| t.range.start >= at)
                .cloned()
                .collect();
            assert_eq!(after, want, "from {at}");
        }
    }

    /// The tokenizer as it was before its byte-level fast paths: one
    /// `char` at a time, Unicode's tables asked for every mark.
    fn tokens_char_by_char(text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        let mut p = 0;
        while let Some(c) = text[p..].chars().next() {
            if c.is_whitespace() {
                p += c.len_utf8();
                continue;
            }
            if !c.is_alphanumeric() {
                out.push(Token {
                    range: p..p + c.len_utf8(),
                    kind: TokenKind::Punct(c),
                });
                p += c.len_utf8();
                continue;
            }
            let start = p;
            let mut q = p + c.len_utf8();
            let mut has_inner_period = false;
            while let Some(c) = text[q..].chars().next() {
                if c.is_alphanumeric() {
                    q += c.len_utf8();
                    continue;
                }
                let next = text[q + c.len_utf8()..].chars().next();
                if joins_word(c) && next.is_some_and(char::is_alphanumeric) {
                    has_inner_period |= c == '.';
                    q += c.len_utf8() + next.map_or(0, char::len_utf8);
                } else {
                    break;
                }
            }
            let mut end = q;
            if text[q..].starts_with('.') {
                let word = &text[start..end];
                let single_capital =
                    word.chars().count() == 1 && word.starts_with(char::is_uppercase);
                if has_inner_period || single_capital || is_title_abbreviation(word) {
                    end += 1;
                }
            }
            out.push(Token {
                range: start..end,
                kind: TokenKind::Word,
            });
            p = end;
        }
        out
    }

    #[test]
    fn joins_word_byte_agrees_with_joins_word_for_every_ascii_byte() {
        for b in 0..=0x7fu8 {
            assert_eq!(joins_word_byte(b), joins_word(char::from(b)), "{b:#x}");
        }
    }

    #[test]
    fn the_fast_alphanumeric_test_agrees_with_unicode_for_every_char() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn non_ascii_words_and_marks() {
        assert_eq!(
            words("İstanbul’da Erdoğan, “ışık” — 😀 ΣΑΣ\u{2009}x\u{0B}y …"),
            vec![
                "İstanbul’da",
                "Erdoğan",
                ",",
                "“",
                "ışık",
                "”",
                "—",
                "😀",
                "ΣΑΣ",
                "x",
                "y",
                "…"
            ]
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// The byte-level fast paths give the tokens the plain `char` by
        /// `char` reading gives, on ASCII and on anything else.
        #[test]
        fn fast_paths_tokenize_as_char_by_char(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "a", "Z", "7", "said", "Mr", "Gen", "V", "U", "S", " ", "  ", "\n",
                    "\r\n", "\t", "\u{0B}", "\u{0C}", "\u{1F}", "\0", ".", ",", "-", "'",
                    "&", "(", "’", "‘", "“", "”", "—", "–", "‐", "‑", "…", "\u{A0}",
                    "\u{2009}", "\u{2028}", "\u{202F}", "\u{3000}", "İ", "ı", "ğ", "ş",
                    "Ş", "é", "e\u{301}", "Σ", "ß", "😀", "٣", "Ⅻ", "²", "ǅ", "\u{2070}",
                    "\u{2071}", "\u{2060}", "\u{FEFF}",
                ]),
                0..40,
            ),
            read in 0usize..8,
            at in 0usize..120,
        ) {
            let text = parts.concat();
            // Going on from `at` after reading some tokens keeps the tokens
            // that start there or later.
            let all = tokenize(&text, 0..text.len());
            let mut tokens = Tokens::new(&text, 0..text.len());
            let first: Vec<Token> = tokens.by_ref().take(read).collect();
            tokens.skip_to(at);
            let after = first.len();
            let got: Vec<Token> = tokens.filter(|t| t.range.start >= at).collect();
            let want: Vec<Token> = all[after..].iter().filter(|t| t.range.start >= at).cloned().collect();
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(
                tokenize(&text, 0..text.len()),
                tokens_char_by_char(&text)
            );
            let mut tokens = Tokens::new(&text, 0..text.len());
            // Not a `for` loop: the tokenizer is asked about each token.
            #[allow(clippy::while_let_on_iterator)]
            while let Some(token) = tokens.next() {
                let word = &text[token.range.clone()];
                proptest::prop_assert_eq!(
                    tokens.last_is_lower_ascii(),
                    token.is_word() && word.is_ascii() && !word.bytes().any(|b| b.is_ascii_uppercase()),
                    "{}", word
                );
            }
        }
    }

    /// [`ascii_alnum_run`] as a byte at a time reads it.
    fn alnum_run_bytewise(bytes: &[u8], from: usize) -> (usize, bool) {
        let len = bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        let run = &bytes[from..from + len];
        (from + len, run.iter().any(u8::is_ascii_uppercase))
    }

    #[test]
    fn ascii_alnum_bytes_agree_with_u8_for_every_byte() {
        for b in 0..=255u8 {
            for place in 0..8 {
                for filler in [b' ', b'a', b'Z', b'7', 0x80, 0xFF, 0x10, b'@'] {
                    let mut bytes = [filler; 8];
                    bytes[place] = b;
                    let alnum = ascii_alnum_bytes(u64::from_le_bytes(bytes));
                    for (i, &x) in bytes.iter().enumerate() {
                        let bit = 0x80u64 << (8 * i);
                        assert_eq!(alnum & bit != 0, x.is_ascii_alphanumeric(), "{x:#x}");
                    }
                    assert_eq!(alnum & !HIGH_BITS, 0);
                }
            }
        }
    }

    #[test]
    fn alnum_and_capital_bytes_agree_with_u8_for_every_byte() {
        for b in 0..=255u8 {
            for place in 0..8 {
                // The byte among others of every kind.
                for filler in [b' ', b'a', b'Z', b'7', 0x80, 0xFF] {
                    let mut bytes = [filler; 8];
                    bytes[place] = b;
                    let (alnum, capitals) = alnum_and_capital_bytes(u64::from_le_bytes(bytes));
                    for (i, &x) in bytes.iter().enumerate() {
                        let bit = 0x80u64 << (8 * i);
                        assert_eq!(alnum & bit != 0, x.is_ascii_alphanumeric(), "{x:#x}");
                        assert_eq!(capitals & bit != 0, x.is_ascii_uppercase(), "{x:#x}");
                    }
                    assert_eq!(alnum & !HIGH_BITS, 0);
                    assert_eq!(capitals & !HIGH_BITS, 0);
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        /// The eight-bytes-at-a-time run agrees with the bytewise one.
        #[test]
        fn alnum_runs_agree_with_the_bytewise_reading(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(b"aZm09 .-'\x7f".to_vec()),
                    proptest::prelude::any::<u8>(),
                ],
                0..40,
            ),
            from in 0usize..40,
        ) {
            let from = from.min(bytes.len());
            proptest::prop_assert_eq!(ascii_alnum_run(&bytes, from), alnum_run_bytewise(&bytes, from));
        }
    }

    #[test]
    fn offsets_respect_the_range() {
        let text = "xx Has wrote";
        let toks = tokenize(text, 3..text.len());
        assert_eq!(toks[0].range, 3..6);
        assert_eq!(toks[1].range, 7..12);
    }
}
