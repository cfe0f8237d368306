//! Words with their byte ranges, as the phrase-level rules need them. Sentence
//! and quotation boundaries come from `crate::text`; this only splits a span
//! of prose into words.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub range: Range<usize>,
    /// Lower-cased, curly apostrophes made straight.
    pub lower: String,
    /// Starts with an upper-case letter.
    pub capitalized: bool,
    /// Something other than white space (punctuation, a quotation mark)
    /// stands between this word and the previous one, or it is the first.
    pub break_before: bool,
}

fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '’' | '-' | '‐' | '‑')
}

/// Splits `text[range]` into words: runs of letters and digits, with
/// apostrophes and hyphens inside a word ("Erdogan’s", "Nagorno-Karabakh")
/// and the separators of a number ("1,200", "3.7") kept.
pub fn words(text: &str, range: Range<usize>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::new();
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
        let word_text = &text[abs.clone()];
        out.push(Word {
            lower: word_text.to_lowercase().replace('’', "'"),
            capitalized: c.is_uppercase(),
            break_before: out.is_empty() || !gap.chars().all(char::is_whitespace),
            range: abs.clone(),
        });
        last_end = abs.end;
        i = j.max(start + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lowers(text: &str) -> Vec<String> {
        words(text, 0..text.len())
            .into_iter()
            .map(|w| w.lower)
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
}
