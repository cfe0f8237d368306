//! Every mention of every lexicon entity in a document.
//!
//! One leftmost-longest automaton pass over the folded prose; word
//! boundaries, plurals and names that are also ordinary words are judged
//! here, against the original text.

use std::collections::HashSet;
use std::ops::Range;

use aho_corasick::Input;

use super::index::{is_common_word, EntityId, Form, LexiconIndex};
use crate::text::fold::{fold_with_map, Folded};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// Byte range in the document of the name as written (without a
    /// possessive or plural ending).
    pub range: Range<usize>,
    pub entity: EntityId,
    pub form: Form,
    /// True when the text differs from the lexicon's spelling of this form
    /// by more than letter case: it matched only after folding (Erdoğan for
    /// Erdogan).
    pub folded_only: bool,
}

/// Words after which a capitalised ordinary word starts a question or a
/// clause ("Has the meeting ended?", "Will they agree?") rather than naming someone.
const CLAUSE_OPENERS: &[&str] = &[
    "the", "a", "an", "he", "she", "it", "they", "we", "you", "i", "there", "this", "that",
    "these", "those", "any", "anyone", "anybody", "his", "her", "their", "our", "your", "my",
    "its", "not", "been", "no",
];

/// `prose` is the masked document (see `text::prose`): offsets are the
/// document's.
pub fn find_mentions(prose: &str, index: &LexiconIndex) -> Vec<Mention> {
    let Some(automaton) = index.automaton() else {
        return Vec::new();
    };
    let folded = fold_with_map(prose);
    let hay = folded.text.as_str();
    let mut mentions = Vec::new();
    let mut named: HashSet<EntityId> = HashSet::new();
    let mut pos = 0;
    while pos < hay.len() {
        let Some(m) = automaton.find(Input::new(hay).span(pos..hay.len())) else {
            break;
        };
        let start = m.start();
        let next_pos = next_char(hay, start);
        if !boundary_before(hay, start) {
            pos = next_pos;
            continue;
        }
        let Some((end, pattern)) = accept_end(hay, start, m.end(), m.pattern().as_usize(), index)
        else {
            pos = next_pos;
            continue;
        };
        pos = end;
        let range = folded.original_range(start, end);
        let (folded_pattern, targets) = index.pattern(pattern);
        // Prefer an entity the document has already named in full.
        let target = targets
            .iter()
            .find(|t| named.contains(&t.entity))
            .unwrap_or(&targets[0]);
        let written = &prose[range.clone()];
        if !folded_pattern.contains(' ')
            && is_common_word(folded_pattern)
            && !supports_ordinary_word(
                prose,
                &folded,
                range.clone(),
                end,
                named.contains(&target.entity),
            )
        {
            continue;
        }
        if target.form == Form::Name {
            named.insert(target.entity);
        }
        mentions.push(Mention {
            folded_only: !same_but_case(written, &target.written),
            range,
            entity: target.entity,
            form: target.form,
        });
    }
    mentions
}

fn next_char(s: &str, at: usize) -> usize {
    s[at..]
        .chars()
        .next()
        .map_or(s.len(), |c| at + c.len_utf8())
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn boundary_before(hay: &str, start: usize) -> bool {
    hay[..start]
        .chars()
        .next_back()
        .is_none_or(|c| !is_word_char(c))
}

/// A match ends at a word boundary, or before a plural `s` of a designator
/// or acronym ("S-400s", "NGOs"). Where the longest match runs into a word
/// ("Kerim Hasan"), a shorter pattern at the same start may still fit.
fn accept_end(
    hay: &str,
    start: usize,
    end: usize,
    pattern: usize,
    index: &LexiconIndex,
) -> Option<(usize, usize)> {
    if ends_cleanly(hay, start, end) {
        return Some((end, pattern));
    }
    let candidate = &hay[start..end];
    for (i, c) in candidate.char_indices().rev() {
        if i == 0 || is_word_char(c) {
            continue;
        }
        let shorter = start + i;
        if let Some(p) = index.pattern_for(hay[start..shorter].trim_end()) {
            let shorter = start + hay[start..shorter].trim_end().len();
            if ends_cleanly(hay, start, shorter) {
                return Some((shorter, p));
            }
        }
    }
    None
}

fn ends_cleanly(hay: &str, start: usize, end: usize) -> bool {
    let mut after = hay[end..].chars();
    match after.next() {
        None => true,
        Some(c) if !is_word_char(c) => true,
        Some('s') => {
            // Plural of a designator: the name ends in a digit ("S-400s").
            let plural_ok = hay[start..end].ends_with(|c: char| c.is_ascii_digit());
            plural_ok && after.next().is_none_or(|c| !is_word_char(c))
        }
        Some(_) => false,
    }
}

/// A one-word name that is also an ordinary word ("Has", "Patriot") is a
/// mention only where the text supports it: capitalised, and either inside a
/// sentence or after the document has used the full name; never when it opens
/// a question or clause ("Has the meeting ended?").
fn supports_ordinary_word(
    prose: &str,
    folded: &Folded,
    range: Range<usize>,
    folded_end: usize,
    named_before: bool,
) -> bool {
    let written = &prose[range.clone()];
    if !written.starts_with(char::is_uppercase) {
        return false;
    }
    let next_word: String = folded.text[folded_end..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric())
        .collect();
    if CLAUSE_OPENERS.contains(&next_word.as_str()) {
        return false;
    }
    named_before || !starts_sentence(prose, range.start)
}

/// Whether `at` opens a sentence: only opening punctuation and spaces stand
/// between it and a sentence end, a blank line or the start of the text.
fn starts_sentence(prose: &str, at: usize) -> bool {
    let mut newlines = 0;
    let mut chars = prose[..at].chars().rev().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                newlines += 1;
                if newlines >= 2 {
                    return true;
                }
            }
            c if c.is_whitespace() => {}
            '“' | '"' | '‘' | '(' | '[' | '*' | '_' | '—' | '–' | '-' => {}
            '.' | '!' | '?' | ':' => return true,
            // A closing quotation mark ends a sentence if what it closes did.
            '”' | '’' => {
                return matches!(chars.peek(), Some('.' | '!' | '?'));
            }
            _ => return false,
        }
    }
    true
}

fn same_but_case(written: &str, form: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .map(|c| match c {
                '’' | '‘' | 'ʼ' => '\'',
                '‐' | '‑' | '‒' | '–' => '-',
                c => c,
            })
            .flat_map(char::to_lowercase)
            .collect()
    };
    norm(written) == norm(form)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::index::LexiconInput;
    use crate::lexicon::parse;

    fn index() -> LexiconIndex {
        let text = r#"{"copydesk_lexicon": 1, "entities": [
 {"id": "erdogan", "name": "Recep Tayyip Erdogan", "kind": "person", "aliases": ["Erdogan", "Mr. Erdogan"], "variants": ["Erdoan"]},
 {"id": "has", "name": "Kerim Has", "kind": "person", "aliases": ["Has", "Mr. Has"]},
 {"id": "ankara", "name": "Ankara", "kind": "place"},
 {"id": "fdd", "name": "Foundation for Defense of Democracies", "kind": "organization", "aliases": ["FDD"]},
 {"id": "defense", "name": "Defense", "kind": "other"},
 {"id": "s400", "name": "S-400", "kind": "weapon"},
 {"id": "nato", "name": "NATO", "kind": "organization"},
 {"id": "patriot", "name": "Patriot", "kind": "weapon"}
]}"#;
        LexiconIndex::build(vec![LexiconInput {
            path: "x.lexicon.json".into(),
            text: text.into(),
            lexicon: parse(text).unwrap(),
        }])
    }

    fn found(text: &str) -> Vec<(String, String)> {
        let index = index();
        find_mentions(text, &index)
            .into_iter()
            .map(|m| {
                (
                    text[m.range].to_string(),
                    index.entity(m.entity).entity.id.clone(),
                )
            })
            .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn whole_words_possessives_and_longest_names() {
        assert_eq!(
            found("Erdogan’s aides met the Foundation for Defense of Democracies in Ankara, not Ankaragücü. NATO's view."),
            pairs(&[("Erdogan", "erdogan"), ("Foundation for Defense of Democracies", "fdd"), ("Ankara", "ankara"), ("NATO", "nato")])
        );
    }

    #[test]
    fn folded_spellings_match_and_are_marked() {
        let index = index();
        let text = "😀 Erdoğan’s visit to ANKARA";
        let m = find_mentions(text, &index);
        assert_eq!(m.len(), 2);
        assert_eq!(&text[m[0].range.clone()], "Erdoğan");
        assert!(m[0].folded_only);
        assert_eq!(&text[m[1].range.clone()], "ANKARA");
        assert!(!m[1].folded_only, "case alone is not a variant");
    }

    #[test]
    fn designator_plurals() {
        assert_eq!(found("to buy S-400s."), pairs(&[("S-400", "s400")]));
        assert_eq!(found("S-4000 is not it"), pairs(&[]));
    }

    #[test]
    fn ordinary_word_names_need_support() {
        assert_eq!(found("Has the meeting ended? It has."), pairs(&[]));
        assert_eq!(
            found("Kerim Has wrote a blog. Has wrote that Erdogan lost."),
            pairs(&[("Kerim Has", "has"), ("Has", "has"), ("Erdogan", "erdogan")])
        );
        assert_eq!(
            found("Has wrote that."),
            pairs(&[]),
            "sentence-initial without the full name"
        );
        assert_eq!(
            found("Kerim Has spoke. Has the meeting ended?"),
            pairs(&[("Kerim Has", "has")])
        );
        assert_eq!(
            found("journalists, Has concluded"),
            pairs(&[("Has", "has")])
        );
        assert_eq!(
            found("a Patriot missile, a true patriot"),
            pairs(&[("Patriot", "patriot")])
        );
    }

    #[test]
    fn a_shorter_name_fits_where_the_longest_runs_into_a_word() {
        assert_eq!(found("Kerim Hasanov"), pairs(&[]));
        assert_eq!(found("FDDs"), pairs(&[]));
    }
}
