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
/// the text when it is already in that form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lower<'t>(Cow<'t, str>);

impl<'t> Lower<'t> {
    fn of(word: &'t str) -> Lower<'t> {
        if word.is_ascii() {
            if word.bytes().any(|b| b.is_ascii_uppercase()) {
                Lower(Cow::Owned(word.to_ascii_lowercase()))
            } else {
                Lower(Cow::Borrowed(word))
            }
        } else {
            Lower(Cow::Owned(word.to_lowercase().replace('’', "'")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Lower<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Lower<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for Lower<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for Lower<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
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
    places(text, range)
        .map(|p| Word {
            lower: Lower::of(&text[p.range.clone()]),
            range: p.range,
            capitalized: p.capitalized,
            break_before: p.break_before,
        })
        .collect()
}

/// The words of `text[range]` as [`words`] splits them, without their
/// lower-case forms.
pub fn places(text: &str, range: Range<usize>) -> impl Iterator<Item = Place> + '_ {
    let span = &text[range.clone()];
    let mut at = 0;
    let mut last_end: Option<usize> = None;
    std::iter::from_fn(move || {
        while let Some(c) = char_at(span, at) {
            if !c.is_alphanumeric() {
                at += c.len_utf8();
                continue;
            }
            let start = at;
            let mut prev = c;
            let mut end = at + c.len_utf8();
            while let Some(d) = char_at(span, end) {
                if d.is_alphanumeric() {
                    prev = d;
                    end += d.len_utf8();
                    continue;
                }
                let next = char_at(span, end + d.len_utf8());
                let joins = match d {
                    d if is_joiner(d) => next.is_some_and(char::is_alphanumeric),
                    '.' | ',' => prev.is_ascii_digit() && next.is_some_and(|n| n.is_ascii_digit()),
                    _ => false,
                };
                match next {
                    Some(n) if joins => {
                        prev = n;
                        end += d.len_utf8() + n.len_utf8();
                    }
                    _ => break,
                }
            }
            at = end;
            let gap = &span[last_end.unwrap_or(0)..start];
            let break_before = last_end.is_none() || !gap.chars().all(char::is_whitespace);
            last_end = Some(end);
            return Some(Place {
                range: range.start + start..range.start + end,
                capitalized: c.is_uppercase(),
                break_before,
            });
        }
        None
    })
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
        let text = "the Kremlin";
        let ws = words(text, 0..text.len());
        assert!(matches!(ws[0].lower.0, Cow::Borrowed(_)));
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
