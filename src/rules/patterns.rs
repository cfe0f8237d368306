//! Word patterns kept as data (`data/rules-*.txt`): the phrase lists of the
//! rules live in files an editor can read and extend, not in code.
//!
//! Format: `@name = word word ...` defines a class; `KIND: slot slot ...` is a
//! pattern. A slot is a word, alternatives `a|b|c`, a class `@name`, or `~`
//! (any word not in the class `@function`); a trailing `?` makes it optional.
//! Matching ignores case (words are compared lower-cased, curly apostrophes
//! straightened) and never crosses punctuation.
//!
//! The rules run over every sentence of every check, so a set is compiled
//! into one bit: each word of a sentence is looked up once, and matching
//! tests bits, starting only at words that can open the pattern. Before
//! that, one pass over the words' sets ([`PatternSet::present_in`]) tells
//! whether every required slot of some pattern has a word in the sentence:
//! most sentences are ruled out there.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

#[cfg(test)]
use super::tokens::Lower;
use super::tokens::{short_key, Word};

/// The most word sets (classes, and the alternatives of slots) a file may
/// define: one bit each in [`Classes`].
const MAX_SETS: usize = 128;

#[derive(Debug)]
pub struct PatternSet {
    /// Class name → its bit.
    classes: HashMap<String, Class>,
    /// Every word of every set → the sets holding it.
    vocabulary: foldhash::HashMap<String, Classes>,
    /// The vocabulary's words of at most [`KEY_BYTES`] bytes, by
    /// [`short_key`]: most words, looked up without hashing a string.
    short: foldhash::HashMap<u128, Classes>,
    /// The [`shape`]s of the vocabulary's words: most words of a sentence
    /// are in no set, and this tells so without hashing them.
    shapes: Shapes,
    /// The short words again, by shape: for a word with a key, one slot
    /// tells which word of the list it can be.
    by_shape: ByShape,
    function: Class,
    patterns: Vec<Pattern>,
}

/// Bits in the shape filter (64 per word): enough that the few hundred
/// words of a list leave most of them clear.
const SHAPE_WORDS: usize = 64;

/// A filter of word shapes: a word whose shape is not in it is none of the
/// words it was made from. A word is looked for by its [`key_shape`] when
/// it has a [`short_key`], else by its [`shape`]: each listed word sets
/// both bits.
#[derive(Debug, Clone)]
pub struct Shapes([u64; SHAPE_WORDS]);

impl Shapes {
    fn of<'w>(words: impl IntoIterator<Item = &'w String>) -> Shapes {
        let mut bits = [0u64; SHAPE_WORDS];
        for word in words {
            let keyed = short_key(word).map(key_shape);
            for at in std::iter::once(shape(word)).chain(keyed) {
                bits[at / 64] |= 1 << (at % 64);
            }
        }
        Shapes(bits)
    }

    /// False when `word` is none of the filter's words.
    pub fn may_hold(&self, word: &str) -> bool {
        self.has(shape(word))
    }

    /// [`Shapes::may_hold`] for a word's [`Lower`] form, read from its key
    /// when it has one: the plain reading that [`Shapes::may_hold_word`]
    /// is tested against.
    #[cfg(test)]
    pub fn may_hold_lower(&self, word: &Lower<'_>) -> bool {
        match word.key() {
            Some(key) => self.has(key_shape(key)),
            None => self.may_hold(word),
        }
    }

    /// [`Shapes::may_hold`] for a split word, by the shape of its key that
    /// the splitter worked out when it has one.
    #[inline]
    pub fn may_hold_word(&self, word: &Word<'_>) -> bool {
        match word.keyed() {
            Some((_, shape)) => self.has(shape),
            None => self.may_hold(&word.lower),
        }
    }

    #[inline]
    fn has(&self, at: usize) -> bool {
        self.0[at / 64] & (1 << (at % 64)) != 0
    }
}

/// A word's length and its first, second and last bytes, mixed into one
/// bit of the filter.
fn shape(word: &str) -> usize {
    let bytes = word.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return 0;
    };
    let second = bytes.get(1).copied().unwrap_or(0);
    mix_shape(first, second, last, bytes.len())
}

/// The shape of a word with a [`short_key`]: the whole key (every byte
/// and the length) mixed into one bit of the filter, which costs less than
/// picking bytes out of it, and is asked for every word of most sentences.
#[inline]
pub(super) fn key_shape(key: u128) -> usize {
    let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(32);
    // The top 12 bits of a multiplicative hash: 4096 = SHAPE_WORDS * 64.
    (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52) as usize
}

fn mix_shape(first: u8, second: u8, last: u8, len: usize) -> usize {
    let mixed =
        u64::from(first) | u64::from(second) << 8 | u64::from(last) << 16 | (len as u64) << 24;
    // The top 12 bits of a multiplicative hash: 4096 = SHAPE_WORDS * 64.
    (mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52) as usize
}

/// The vocabulary's short words by [`key_shape`]: a word's shape picks the
/// one listed word it can be, so a word of a sentence is looked up with
/// one load and one comparison (a few hundred words leave most of the
/// 4096 shapes empty and few shared).
#[derive(Debug)]
struct ByShape {
    /// Per shape: 0 for no word, [`SHARED_SHAPE`] for several, else one
    /// more than the word's index in `words`.
    slots: Vec<u16>,
    words: Vec<(u128, Classes)>,
}

const SHARED_SHAPE: u16 = u16::MAX;

impl ByShape {
    fn of(short: &foldhash::HashMap<u128, Classes>) -> ByShape {
        let mut slots = vec![0u16; SHAPE_WORDS * 64];
        let mut words = Vec::new();
        for (&key, &classes) in short {
            let slot = &mut slots[key_shape(key)];
            if *slot == 0 && words.len() + 1 < usize::from(SHARED_SHAPE) {
                words.push((key, classes));
                *slot = words.len() as u16;
            } else {
                *slot = SHARED_SHAPE;
            }
        }
        ByShape { slots, words }
    }
}

/// The sets one word belongs to, one bit per set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Classes(u128);

/// One set, or none (a class the file does not define).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class(u128);

impl Classes {
    pub fn contain(self, class: Class) -> bool {
        self.0 & class.0 != 0
    }
}

#[derive(Debug)]
struct Pattern {
    kind: String,
    slots: Vec<Slot>,
    /// The sets of the slots up to the first required one: a match's first
    /// word fills one of them.
    opening: Class,
    /// One of those slots is `~`.
    opens_with_any: bool,
    /// The sets of the required slots: a sentence lacking a word of one of
    /// them holds no match (`needs` is what the matching reads).
    #[cfg(test)]
    required: Vec<Class>,
    /// Their bits together (each set is one bit): whether a sentence has
    /// a word of each is one test, asked of every pattern for every
    /// sentence.
    needs: u128,
}

impl Pattern {
    /// Whether `present` has each of the required slots' sets.
    #[inline]
    fn has_required(&self, present: Classes) -> bool {
        present.0 & self.needs == self.needs
    }

    /// [`Pattern::has_required`] set by set: the plain reading it is
    /// tested against.
    #[cfg(test)]
    fn has_required_plain(&self, present: Classes) -> bool {
        self.required.iter().all(|&set| present.contain(set))
    }
}

#[derive(Debug)]
struct Slot {
    /// `None`: any word outside `@function`.
    set: Option<Class>,
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
    pub fn word_of<'m, 'w>(&self, words: &'m [Word<'w>], classes: &[&str]) -> Option<&'m Word<'w>> {
        self.words
            .clone()
            .zip(&self.classes)
            .find(|(_, c)| c.as_deref().is_some_and(|c| classes.contains(&c)))
            .map(|(i, _)| &words[i])
    }
}

/// Hands out one bit per distinct set.
struct Sets {
    vocabulary: foldhash::HashMap<String, Classes>,
    count: usize,
}

impl Sets {
    fn add<'w>(&mut self, words: impl IntoIterator<Item = &'w String>) -> Result<Class, String> {
        if self.count == MAX_SETS {
            return Err(format!(
                "more than {MAX_SETS} classes and alternatives: merge some"
            ));
        }
        let class = Class(1 << self.count);
        self.count += 1;
        for word in words {
            self.vocabulary.entry(word.clone()).or_default().0 |= class.0;
        }
        Ok(class)
    }
}

impl PatternSet {
    pub fn parse(source: &str) -> Result<PatternSet, String> {
        let mut class_words: HashMap<String, HashSet<String>> = HashMap::new();
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
                class_words.insert(name.trim().to_string(), set);
            } else {
                pattern_lines.push((n + 1, line));
            }
        }
        let mut sets = Sets {
            vocabulary: foldhash::HashMap::default(),
            count: 0,
        };
        let mut classes = HashMap::new();
        for (name, words) in &class_words {
            classes.insert(name.clone(), sets.add(words)?);
        }
        // Alternatives written alike share a set.
        let mut alternatives: HashMap<&str, Class> = HashMap::new();
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
                        set: None,
                        class: None,
                        optional,
                    }
                } else if let Some(name) = spec.strip_prefix('@') {
                    let set = classes
                        .get(name)
                        .ok_or_else(|| format!("line {n}: unknown class @{name}"))?;
                    Slot {
                        set: Some(*set),
                        class: Some(name.to_string()),
                        optional,
                    }
                } else {
                    let set = match alternatives.get(spec) {
                        Some(set) => *set,
                        None => {
                            let words: Vec<String> = spec.split('|').map(normalise).collect();
                            let set = sets.add(&words)?;
                            alternatives.insert(spec, set);
                            set
                        }
                    };
                    Slot {
                        set: Some(set),
                        class: None,
                        optional,
                    }
                };
                slots.push(slot);
            }
            let Some(first_required) = slots.iter().position(|s| !s.optional) else {
                return Err(format!(
                    "line {n}: a pattern needs at least one required slot"
                ));
            };
            let opening = &slots[..=first_required];
            patterns.push(Pattern {
                kind: kind.trim().to_string(),
                opening: Class(opening.iter().filter_map(|s| s.set).fold(0, |a, c| a | c.0)),
                opens_with_any: opening.iter().any(|s| s.set.is_none()),
                #[cfg(test)]
                required: slots
                    .iter()
                    .filter(|s| !s.optional)
                    .filter_map(|s| s.set)
                    .collect(),
                needs: slots
                    .iter()
                    .filter(|s| !s.optional)
                    .filter_map(|s| s.set)
                    .fold(0, |all, c| all | c.0),
                slots,
            });
        }
        let Some(&function) = classes.get("function") else {
            return Err("the class @function (words \"~\" never matches) is missing".into());
        };

        let short = sets
            .vocabulary
            .iter()
            .filter_map(|(word, &of)| Some((short_key(word)?, of)))
            .collect();
        Ok(PatternSet {
            classes,
            by_shape: ByShape::of(&short),
            short,
            shapes: Shapes::of(sets.vocabulary.keys()),
            vocabulary: sets.vocabulary,
            function,
            patterns,
        })
    }

    /// The class `name`, if the file defines it.
    pub fn class(&self, name: &str) -> Option<Class> {
        self.classes.get(name).copied()
    }

    /// The sets a word belongs to, by its key when it has one: the plain
    /// reading that [`PatternSet::classes_of_word`] is tested against.
    #[cfg(test)]
    pub fn classes_of_lower(&self, word: &Lower<'_>) -> Classes {
        match word.key() {
            Some(key) => self.classes_of_key(key, key_shape(key)),
            None => self.classes_of(word),
        }
    }

    /// The sets a split word belongs to, by its key and the key's shape
    /// (worked out by the splitter) when it has one: asked for every word
    /// of most sentences.
    ///
    /// Most words of a sentence have a key whose shape one listed word
    /// has, or none: that answer is a load and a comparison, inlined into
    /// the rules' loops over words. The rest (a shape several listed words
    /// share, a word without a key) is one call: the whole lookup inlined
    /// was left a call of its own, which cost more than the lookup.
    #[inline(always)]
    pub fn classes_of_word(&self, word: &Word<'_>) -> Classes {
        if let Some((key, shape)) = word.keyed() {
            match self.by_shape.slots[shape] {
                0 => return Classes::default(),
                SHARED_SHAPE => {}
                slot => {
                    let (listed, classes) = self.by_shape.words[usize::from(slot) - 1];
                    return if listed == key {
                        classes
                    } else {
                        Classes::default()
                    };
                }
            }
        }
        self.classes_of_unslotted(word)
    }

    /// [`PatternSet::classes_of_word`] of a word whose shape several
    /// listed words share, or without a key.
    #[inline(never)]
    fn classes_of_unslotted(&self, word: &Word<'_>) -> Classes {
        match word.keyed() {
            Some((key, shape)) => self.classes_of_key(key, shape),
            None => self.classes_of(&word.lower),
        }
    }

    /// The sets of the form whose key is `key`, of shape `shape`.
    #[inline]
    fn classes_of_key(&self, key: u128, shape: usize) -> Classes {
        match self.by_shape.slots[shape] {
            0 => Classes::default(),
            SHARED_SHAPE => self.short.get(&key).copied().unwrap_or_default(),
            slot => match self.by_shape.words[usize::from(slot) - 1] {
                (listed, classes) if listed == key => classes,
                _ => Classes::default(),
            },
        }
    }

    /// The sets `word` (lower-cased) belongs to.
    pub fn classes_of(&self, word: &str) -> Classes {
        if !self.shapes.may_hold(word) {
            return Classes::default();
        }
        match short_key(word) {
            Some(key) => self.short.get(&key),
            None => self.vocabulary.get(word),
        }
        .copied()
        .unwrap_or_default()
    }

    /// A filter of the shapes of `class`'s words, to rule most words out
    /// of that one class before [`PatternSet::classes_of_lower`].
    pub fn shapes_of(&self, class: Class) -> Shapes {
        Shapes::of(
            self.vocabulary
                .iter()
                .filter(|(_, of)| of.contain(class))
                .map(|(word, _)| word),
        )
    }

    /// [`PatternSet::classes_of`] each word.
    #[cfg(test)]
    pub fn classify(&self, words: &[Word<'_>]) -> Vec<Classes> {
        let mut out = Vec::new();
        self.classify_into(words, &mut out);
        out
    }

    /// [`PatternSet::classify`] into `out` (emptied first), so that a rule
    /// reading sentence after sentence reuses one list.
    pub fn classify_into(&self, words: &[Word<'_>], out: &mut Vec<Classes>) {
        out.clear();
        out.extend(words.iter().map(|w| self.classes_of_word(w)));
    }

    /// The sets some word of `words` belongs to: without storing each
    /// word's, a cheaper pass than [`PatternSet::classify_into`], so that
    /// a rule can rule a sentence out with [`PatternSet::may_match`] before
    /// classifying it (most sentences hold no pattern's words).
    pub fn present_in(&self, words: &[Word<'_>]) -> Classes {
        Classes(
            words
                .iter()
                .fold(0, |all, w| all | self.classes_of_word(w).0),
        )
    }

    /// Whether some pattern may match in a sentence whose words belong to
    /// no sets but `present` (at most): false when each pattern misses a
    /// word for one of its required slots.
    pub fn may_match(&self, present: Classes) -> bool {
        self.patterns.iter().any(|p| p.has_required(present))
    }

    /// Whether `word` belongs to the class `name` (false for unknown classes).
    pub fn in_class(&self, name: &str, word: &str) -> bool {
        self.class(name)
            .is_some_and(|class| self.classes_of(word).contain(class))
    }

    /// Every match of every pattern starting at every word, longest first for
    /// each pattern and start.
    #[cfg(test)]
    pub fn find(&self, words: &[Word<'_>]) -> Vec<Match> {
        self.find_classified(words, &self.classify(words))
    }

    /// [`PatternSet::find`], given the words' [`PatternSet::classify`].
    pub fn find_classified(&self, words: &[Word<'_>], classes: &[Classes]) -> Vec<Match> {
        let words = Words {
            words,
            classes,
            function: self.function,
        };
        let present = Classes(classes.iter().fold(0, |all, c| all | c.0));
        let mut out = Vec::new();
        let mut filled = Vec::new();
        for pattern in &self.patterns {
            if !pattern.has_required(present) {
                continue;
            }
            for (start, &opening) in classes.iter().enumerate() {
                let may_open = opening.contain(pattern.opening)
                    || (pattern.opens_with_any && !opening.contain(self.function));
                if !may_open {
                    continue;
                }
                filled.clear();
                if words.match_slots(&pattern.slots, start, start, &mut filled) {
                    out.push(Match {
                        kind: pattern.kind.clone(),
                        words: start..start + filled.len(),
                        classes: filled.iter().map(|c| c.map(str::to_string)).collect(),
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

/// A sentence's words and their sets, as matching reads them.
struct Words<'a, 'w> {
    words: &'a [Word<'w>],
    classes: &'a [Classes],
    function: Class,
}

impl Words<'_, '_> {
    /// Fills `slots` from word `at` on; `filled` gets the class of each
    /// slot that took a word.
    fn match_slots<'p>(
        &self,
        slots: &'p [Slot],
        start: usize,
        at: usize,
        filled: &mut Vec<Option<&'p str>>,
    ) -> bool {
        let Some((slot, rest)) = slots.split_first() else {
            return true;
        };
        if let (Some(word), Some(&classes)) = (self.words.get(at), self.classes.get(at)) {
            let joined = at == start || !word.break_before;
            let accepts = match slot.set {
                Some(set) => classes.contain(set),
                None => !classes.contain(self.function),
            };
            if joined && accepts {
                filled.push(slot.class.as_deref());
                if self.match_slots(rest, start, at + 1, filled) {
                    return true;
                }
                filled.pop();
            }
        }
        slot.optional && self.match_slots(rest, start, at, filled)
    }
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

    #[test]
    fn a_sentence_lacking_a_required_word_is_ruled_out() {
        let s = set("@say = said it's\n@n = experts\np: @n @say");
        let present = |text: &str| s.present_in(&words(text, 0..text.len()));
        assert!(s.may_match(present("Experts SAID so.")));
        assert!(s.may_match(present("“It’s late,” experts")));
        assert!(!s.may_match(present("analysts said")));
        assert!(!s.may_match(present("experts expertly unsaid, saids")));
    }

    #[test]
    fn every_listed_word_passes_the_shape_filter() {
        for source in [
            include_str!("../../data/rules-vague-attribution.txt"),
            include_str!("../../data/rules-figures.txt"),
        ] {
            let set = PatternSet::parse(source).unwrap();
            assert!(!set.vocabulary.is_empty());
            for (word, &classes) in &set.vocabulary {
                assert_ne!(classes, Classes::default(), "{word}");
                assert_eq!(set.classes_of(word), classes, "{word}");
                assert!(set.shapes.may_hold(word), "{word}");
                if let Some(key) = short_key(word) {
                    assert!(set.shapes.has(key_shape(key)), "{word}");
                }
                // As the rules meet it in a sentence, in either case.
                for written in [word.clone(), word.to_uppercase()] {
                    for w in words(&written, 0..written.len()) {
                        assert_eq!(
                            set.classes_of_lower(&w.lower),
                            set.classes_of(&w.lower),
                            "{written}"
                        );
                    }
                }
            }
            assert_eq!(set.classes_of(""), Classes::default());
            assert_eq!(set.classes_of("zeppelin"), Classes::default());
        }
    }

    proptest::proptest! {
        /// A pattern's required sets, tested as one mask, are tested as
        /// set by set, for any sets present (and for only some of a
        /// pattern's own).
        #[test]
        fn the_required_mask_agrees_with_the_sets_one_by_one(
            present in proptest::num::u128::ANY,
            keep in proptest::num::u128::ANY,
        ) {
            for source in [
                include_str!("../../data/rules-vague-attribution.txt"),
                include_str!("../../data/rules-figures.txt"),
            ] {
                let set = PatternSet::parse(source).unwrap();
                for p in &set.patterns {
                    for present in [Classes(present), Classes(p.needs & keep), Classes(p.needs | present)] {
                        proptest::prop_assert_eq!(p.has_required(present), p.has_required_plain(present));
                    }
                }
            }
        }

        /// Ruling a sentence out by its words' sets never rules out one a
        /// pattern matches in, and a keyed word's sets are its form's.
        #[test]
        fn the_words_sets_never_rule_out_a_match(
            text in crate::rules::testing::prose_of(
                &[
                    "experts", "Experts", "ANALYSTS", "say", "Said", "it", "IS", "is",
                    "believed", "widely", "seen", "as", "some", "Many", "people",
                    "according", "to", "it's", "It’s", "reportedly", "this", "unsaid",
                    "by", "the", "Turkey", "3", "million", "\u{212A}",
                ],
                &[" ", ", ", "-", "’", ". ", "“", "é", "1"],
            ),
        ) {
            let vague = PatternSet::parse(include_str!("../../data/rules-vague-attribution.txt")).unwrap();
            let ws = words(&text, 0..text.len());
            let present = vague.present_in(&ws);
            for p in &vague.patterns {
                proptest::prop_assert_eq!(p.has_required(present), p.has_required_plain(present));
            }
            if !vague.find(&ws).is_empty() {
                proptest::prop_assert!(vague.may_match(present), "{text}");
            }
            for w in &ws {
                let c = vague.classes_of(&w.lower);
                proptest::prop_assert_eq!(vague.classes_of_lower(&w.lower), c, "{}", w.lower);
                proptest::prop_assert_eq!(vague.classes_of_word(w), c, "{}", w.lower);
                proptest::prop_assert_eq!(w.keyed(), w.lower.key().map(|k| (k, key_shape(k))));
                proptest::prop_assert_eq!(vague.shapes.may_hold_word(w), vague.shapes.may_hold_lower(&w.lower));
                proptest::prop_assert_eq!(present.0 & c.0, c.0, "{} in {}", w.lower, text);
            }
        }
    }
}
