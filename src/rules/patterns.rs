//! Word patterns kept as data (`data/rules-*.txt`): the phrase lists of the
//! rules live in files an editor can read and extend, not in code.
//!
//! Format: `@name = word word ...` defines a class; `KIND: slot slot ...` is a
//! pattern. A slot is a word, alternatives `a|b|c`, a class `@name`, or `~`
//! (any word not in the class `@function`); a trailing `?` makes it optional.
//! Matching ignores case (words are compared lower-cased, curly apostrophes
//! straightened) and never crosses punctuation.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use super::tokens::Word;

#[derive(Debug)]
pub struct PatternSet {
    classes: HashMap<String, HashSet<String>>,
    patterns: Vec<Pattern>,
}

#[derive(Debug)]
struct Pattern {
    kind: String,
    slots: Vec<Slot>,
}

#[derive(Debug)]
struct Slot {
    /// `None`: any word outside `@function`.
    words: Option<HashSet<String>>,
    /// The class the slot names, so a rule can ask which word played which
    /// part ("which experts?").
    class: Option<String>,
    optional: bool,
}

/// One match: word indices into the slice given to [`PatternSet::find`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub kind: String,
    pub words: Range<usize>,
    /// For each matched word, the class of the slot it filled.
    pub classes: Vec<Option<String>>,
}

impl Match {
    /// The first matched word that filled a slot of one of `classes`.
    pub fn word_of<'w>(&self, words: &'w [Word], classes: &[&str]) -> Option<&'w Word> {
        self.words
            .clone()
            .zip(&self.classes)
            .find(|(_, c)| c.as_deref().is_some_and(|c| classes.contains(&c)))
            .map(|(i, _)| &words[i])
    }
}

impl PatternSet {
    pub fn parse(source: &str) -> Result<PatternSet, String> {
        let mut classes: HashMap<String, HashSet<String>> = HashMap::new();
        let mut pattern_lines = Vec::new();
        for (n, line) in source.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(def) = line.strip_prefix('@') {
                let (name, words) = def
                    .split_once('=')
                    .ok_or_else(|| format!("line {}: a class needs \"@name = words\"", n + 1))?;
                let set = words.split_whitespace().map(normalise).collect();
                classes.insert(name.trim().to_string(), set);
            } else {
                pattern_lines.push((n + 1, line));
            }
        }
        let mut patterns = Vec::new();
        for (n, line) in pattern_lines {
            let (kind, body) = line
                .split_once(':')
                .ok_or_else(|| format!("line {n}: a pattern needs \"KIND: slots\""))?;
            let mut slots = Vec::new();
            for raw in body.split_whitespace() {
                let (spec, optional) = match raw.strip_suffix('?') {
                    Some(s) => (s, true),
                    None => (raw, false),
                };
                let slot = if spec == "~" {
                    Slot {
                        words: None,
                        class: None,
                        optional,
                    }
                } else if let Some(name) = spec.strip_prefix('@') {
                    let set = classes
                        .get(name)
                        .ok_or_else(|| format!("line {n}: unknown class @{name}"))?;
                    Slot {
                        words: Some(set.clone()),
                        class: Some(name.to_string()),
                        optional,
                    }
                } else {
                    Slot {
                        words: Some(spec.split('|').map(normalise).collect()),
                        class: None,
                        optional,
                    }
                };
                slots.push(slot);
            }
            if slots.iter().all(|s| s.optional) {
                return Err(format!(
                    "line {n}: a pattern needs at least one required slot"
                ));
            }
            patterns.push(Pattern {
                kind: kind.trim().to_string(),
                slots,
            });
        }
        if !classes.contains_key("function") {
            return Err("the class @function (words \"~\" never matches) is missing".into());
        }
        Ok(PatternSet { classes, patterns })
    }

    /// Whether `word` belongs to the class `name` (false for unknown classes).
    pub fn in_class(&self, name: &str, word: &str) -> bool {
        self.classes.get(name).is_some_and(|c| c.contains(word))
    }

    /// Every match of every pattern starting at every word, longest first for
    /// each pattern and start.
    pub fn find(&self, words: &[Word]) -> Vec<Match> {
        let function = &self.classes["function"];
        let mut out = Vec::new();
        for pattern in &self.patterns {
            for start in 0..words.len() {
                let mut filled = Vec::new();
                if match_slots(&pattern.slots, words, start, start, function, &mut filled) {
                    if filled.is_empty() {
                        continue;
                    }
                    out.push(Match {
                        kind: pattern.kind.clone(),
                        words: start..start + filled.len(),
                        classes: filled,
                    });
                }
            }
        }
        out
    }
}

fn normalise(word: &str) -> String {
    word.to_lowercase().replace('’', "'")
}

fn match_slots(
    slots: &[Slot],
    words: &[Word],
    start: usize,
    at: usize,
    function: &HashSet<String>,
    filled: &mut Vec<Option<String>>,
) -> bool {
    let Some((slot, rest)) = slots.split_first() else {
        return true;
    };
    if let Some(word) = words.get(at) {
        let joined = at == start || !word.break_before;
        let accepts = match &slot.words {
            Some(set) => set.contains(&word.lower),
            None => !function.contains(&word.lower),
        };
        if joined && accepts {
            filled.push(slot.class.clone());
            if match_slots(rest, words, start, at + 1, function, filled) {
                return true;
            }
            filled.pop();
        }
    }
    slot.optional && match_slots(rest, words, start, at, function, filled)
}

#[cfg(test)]
mod tests {
    use super::super::tokens::words;
    use super::*;

    fn set(src: &str) -> PatternSet {
        PatternSet::parse(&format!("@function = the a of\n{src}")).unwrap()
    }

    fn found(set: &PatternSet, text: &str) -> Vec<(String, String)> {
        let ws = words(text, 0..text.len());
        set.find(&ws)
            .into_iter()
            .map(|m| {
                let r = ws[m.words.start].range.start..ws[m.words.end - 1].range.end;
                (m.kind, text[r].to_string())
            })
            .collect()
    }

    #[test]
    fn optional_slots_and_classes_match_longest_first() {
        let s = set("@adv = widely often\n@v = seen viewed\np: is @adv? @v as");
        assert_eq!(
            found(&s, "It is widely seen as a bargain"),
            [("p".into(), "is widely seen as".into())]
        );
        assert_eq!(
            found(&s, "it is seen as"),
            [("p".into(), "is seen as".into())]
        );
        assert!(found(&s, "it is often as").is_empty());
    }

    #[test]
    fn any_word_skips_function_words_and_matching_stops_at_punctuation() {
        let s = set("@n = experts\n@v = say\ng: ~? @n @v");
        assert_eq!(
            found(&s, "Those missiles, arms experts say, are")[0].1,
            "arms experts say"
        );
        assert_eq!(found(&s, "the experts say")[0].1, "experts say");
        assert!(found(&s, "experts, say").is_empty());
    }

    #[test]
    fn bad_data_is_refused_with_its_line() {
        let err = PatternSet::parse("@function = a\ng: @nope words").unwrap_err();
        assert_eq!(err, "line 2: unknown class @nope");
        assert!(PatternSet::parse("@function = a\ng: x? y?").is_err());
        assert!(PatternSet::parse("g: x").is_err());
    }
}
