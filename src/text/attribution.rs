//! Who said it: attribution of quotations and reported speech in news copy.
//!
//! Pure and lexicon-free: every answer is byte ranges into the text plus a
//! kind. Resolving "he" or "Has" to an entity is the caller's job.
//!
//! # The pieces
//! - An [`Attribution`] is a speaker phrase plus a cue: "Erdogan said",
//!   "said Erdogan", "he said in emailed comments", "Kerim Has, a lecturer …,
//!   wrote in a personal blog", "according to arms experts", "…, adding that"
//!   (the participle inherits the speaker of the clause before it),
//!   "Erdogan was blunt:" (a colon lead-in without a verb).
//!   [`find_attributions`] lists those of one sentence, outside quotations.
//! - [`attribute_quotations`] gives each quotation of a document its
//!   attribution and says where it was found ([`Placement`]): right after it
//!   (“…,” he said), right before it (he said, “…” / X said: “…”), around a
//!   partial quotation inside reported speech (… his “weakest hand” yet, Has
//!   wrote), in a colon lead-in (also in the previous sentence, for block
//!   quotations), in the next sentence ("That was how X put it"), or inherited
//!   from the part it continues (“…,” he said. “…”).
//! - [`find_reported_speech`] finds reported speech without quotation marks
//!   and its content: "X said (that) …", "X stressed that …", "X rejected
//!   suggestions that …", "…, X said.", "according to X, …", and parenthetical
//!   attribution ("Those missiles, arms experts say, are designed …", whose
//!   content is the two parts around the attribution).
//!
//! Cue words live in `data/cues/attribution-cues.txt`, the words that bound a
//! speaker phrase in `data/text/function-words.txt`, common source nouns
//! ("officials", "a spokesman") in `data/cues/source-nouns.txt`.

// foldhash, not SipHash: every word of every sentence is looked up.
use foldhash::{HashMap, HashSet};
use std::cell::Cell;
use std::ops::Range;
use std::sync::OnceLock;

use crate::text::quotes::Quotation;
use crate::text::sentences::data_lines;
use crate::text::words::{ascii_alnum_bytes, is_capitalized, TokenKind, Tokens};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpeakerKind {
    /// A proper name, possibly with a title: "Erdogan", "President Joe Biden".
    Name,
    /// he, she, they, I, we, it, you.
    Pronoun,
    /// Several unnamed people: "arms experts", "Turkish officials", "Putin and Erdogan".
    Group,
    /// One unnamed person or body: "the Turkish leader", "a spokesman for the ministry".
    Description,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    /// The whole speaker phrase as written: "President Joe Biden", "arms experts".
    pub range: Range<usize>,
    /// The name itself, without a leading title or article ("Joe Biden");
    /// equal to `range` for pronouns and descriptions.
    pub name: Range<usize>,
    pub kind: SpeakerKind,
}

/// How the speaker and the cue are ordered in the clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// "Erdogan said", "Kerim Has, a lecturer …, wrote".
    SpeakerFirst,
    /// "said Erdogan", "So said Erdogan".
    CueFirst,
    /// "according to arms experts", "the words of X".
    AccordingTo,
    /// ", adding that …": the speaker is the one of the clause before.
    Participle,
    /// "Erdogan was blunt: …": no cue verb; `cue` holds the words before the colon.
    LeadIn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    pub speaker: Speaker,
    /// The cue's verb phrase: "said", "said in emailed comments", "wrote on
    /// Twitter", "told the Turkish news media in a briefing", "according to".
    pub cue: Range<usize>,
    pub order: Order,
}

/// Where a quotation's attribution was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placement {
    /// Right after the quotation: “…,” he said.
    After,
    /// Right before it: he said, “…” / adding that “…” / X said: “…”
    Before,
    /// A partial quotation inside attributed content: … his “weakest hand” yet, Has wrote.
    Within,
    /// A colon lead-in without a cue verb, or one ending the previous sentence.
    LeadIn,
    /// The sentence after it: “…” That was how X put it.
    NextSentence,
    /// Taken from another part of the same quotation (see
    /// [`QuoteAttribution::inherited_from`]): the part it continues (“…,” he
    /// said. “…”), or, for the opening paragraphs of a quotation running over
    /// paragraphs, the later part that carries the attribution.
    Continued,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteAttribution {
    pub attribution: Attribution,
    pub placement: Placement,
    /// Index (into `sentences`) of the sentence holding the attribution.
    pub sentence: usize,
    /// For [`Placement::Continued`]: the index of the quotation whose attribution this is.
    pub inherited_from: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedSpeech {
    pub attribution: Attribution,
    /// What was reported, in one or two parts (two for a parenthetical
    /// attribution), trimmed of surrounding punctuation and space.
    pub content: Vec<Range<usize>>,
}

// ---------------------------------------------------------------------------
// Word lists

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CueClass {
    Bare,
    That,
    Quote,
    Participle,
    According,
    Put,
}

struct Lists {
    cues: CueTable,
    /// A word of each cue, looked for in a sentence's bytes (see
    /// [`may_hold_cue`]); `None` if a cue word is not all ASCII letters,
    /// which that search cannot stand for.
    /// Each is marked true if it is a word of a cue that names its speaker
    /// after it ("according to"), which [`idle_cue_word`] cannot judge.
    cue_words: Option<ByShape<bool>>,
    /// Every word of every cue: see [`idle_cue_word`].
    any_cue_word: WordSet,
    according_words: WordSet,
    next_sentence: Vec<Vec<&'static str>>,
    pronouns: WordSet,
    determiners: WordSet,
    stops: WordSet,
    connectors: WordSet,
    adverbs: WordSet,
    group_nouns: WordSet,
    single_nouns: WordSet,
    /// People and organisations by their role: "lecturer", "ministry".
    speaking_nouns: WordSet,
    titles: WordSet,
}

/// A set of lower-case words, asked about the words of every sentence
/// read, most of which it does not hold: a bit per [`ByShape`] shape
/// answers those without hashing the word.
struct WordSet {
    shapes: [u64; 64],
    words: HashSet<&'static str>,
}

impl Default for WordSet {
    fn default() -> WordSet {
        WordSet {
            shapes: [0; 64],
            words: HashSet::default(),
        }
    }
}

impl WordSet {
    fn insert(&mut self, word: &'static str) {
        debug_assert!(!word.bytes().any(|b| b.is_ascii_uppercase()), "{word}");
        let shape = ByShape::<()>::shape(word.as_bytes());
        self.shapes[shape / 64] |= 1 << (shape % 64);
        self.words.insert(word);
    }

    /// Whether the set holds `word` as written; its shape is taken as it is
    /// written too ([`ByShape::written_shape`]).
    #[inline]
    fn contains(&self, word: &str) -> bool {
        let shape = ByShape::<()>::written_shape(word.as_bytes());
        self.shapes[shape / 64] & (1 << (shape % 64)) != 0 && self.words.contains(word)
    }

    /// [`WordSet::contains`] without the shape's bit: what it must answer.
    #[cfg(test)]
    fn holds(&self, word: &str) -> bool {
        self.words.contains(word)
    }
}

fn sections(data: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let mut section = "";
    for line in data_lines(data) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name;
        } else {
            out.push((section, line));
        }
    }
    out
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let mut l = Lists {
            cues: CueTable::default(),
            cue_words: None,
            any_cue_word: WordSet::default(),
            according_words: WordSet::default(),
            next_sentence: Vec::new(),
            pronouns: WordSet::default(),
            determiners: WordSet::default(),
            stops: WordSet::default(),
            connectors: WordSet::default(),
            adverbs: WordSet::default(),
            group_nouns: WordSet::default(),
            single_nouns: WordSet::default(),
            speaking_nouns: WordSet::default(),
            titles: WordSet::default(),
        };
        let mut cues: HashMap<&'static str, Vec<(Vec<&'static str>, CueClass)>> =
            HashMap::default();
        for (section, line) in sections(include_str!("../../data/cues/attribution-cues.txt")) {
            let words: Vec<&'static str> = line.split_whitespace().collect();
            let class = match section {
                "bare" => CueClass::Bare,
                "that" => CueClass::That,
                "quote" => CueClass::Quote,
                "participle" => CueClass::Participle,
                "according" => CueClass::According,
                "put" => CueClass::Put,
                "next-sentence" => {
                    l.next_sentence.push(words);
                    continue;
                }
                other => panic!("unknown section [{other}] in attribution-cues.txt"),
            };
            for &word in &words {
                l.any_cue_word.insert(word);
                if class == CueClass::According {
                    l.according_words.insert(word);
                }
            }
            cues.entry(words[0]).or_default().push((words, class));
        }
        // A word of each cue, its longest: every word of a cue stands in
        // a sentence the cue is found in.
        let mut starts: Vec<&str> = cues
            .values()
            .flatten()
            .filter_map(|(words, _)| words.iter().copied().max_by_key(|w| w.len()))
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let all_letters = cues
            .values()
            .flatten()
            .flat_map(|(words, _)| words)
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()));
        if all_letters {
            let mut words = ByShape::default();
            for word in starts {
                words.insert(word, l.according_words.contains(word));
            }
            l.cue_words = Some(words);
        }
        for (first, mut list) in cues {
            list.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
            l.cues.insert(first, list);
        }
        for (section, line) in sections(include_str!("../../data/text/function-words.txt")) {
            let set = match section {
                "pronoun" => &mut l.pronouns,
                "determiner" => &mut l.determiners,
                "stop" => &mut l.stops,
                "connector" => &mut l.connectors,
                "adverb" => &mut l.adverbs,
                other => panic!("unknown section [{other}] in function-words.txt"),
            };
            set.insert(line);
        }
        for (section, line) in sections(include_str!("../../data/cues/source-nouns.txt")) {
            match section {
                "group" => l.group_nouns.insert(line),
                _ => l.single_nouns.insert(line),
            }
        }
        for (section, line) in sections(include_str!("../../data/builder/kind-evidence.txt")) {
            if matches!(section, "person-noun" | "organization-noun") {
                if let Some(last) = line.split_whitespace().last() {
                    l.speaking_nouns.insert(last);
                }
            }
        }
        for (section, line) in sections(include_str!("../../data/titles.txt")) {
            if section == "person" {
                for word in line.split_whitespace() {
                    l.titles.insert(word);
                }
            }
        }
        l
    })
}

/// The cues, longest first, of each first word.
type CuesOf = Vec<(Vec<&'static str>, CueClass)>;

/// The cues by their first word.
type CueTable = ByShape<CuesOf>;

/// Words by their shape (length, first and last byte in ASCII lower case,
/// in 4,096 bits), then compared: most words' shape is none of the set's,
/// which a few instructions tell, and a shape that is one holds one or two
/// words, told apart by comparing them where hashing the word would take a
/// hundred instructions. Every word of every sentence is looked up.
struct ByShape<T> {
    /// The shapes that hold a word, a bit each.
    shapes: [u64; 64],
    /// The words of each shape, with their values.
    by_shape: Vec<Vec<(&'static str, T)>>,
}

impl<T> Default for ByShape<T> {
    fn default() -> ByShape<T> {
        ByShape {
            shapes: [0; 64],
            by_shape: (0..4096).map(|_| Vec::new()).collect(),
        }
    }
}

impl<T> ByShape<T> {
    fn shape(word: &[u8]) -> usize {
        let first = word.first().map_or(0, u8::to_ascii_lowercase);
        let last = word.last().map_or(0, u8::to_ascii_lowercase);
        Self::mix(word.len(), first, last)
    }

    /// A shape from a word's length and its first and last bytes (as the
    /// caller reads them): one of 4096 bits. Every shape of this file is
    /// mixed here, so the sets and the words asked of them agree.
    #[inline(always)]
    fn mix(len: usize, first: u8, last: u8) -> usize {
        (len * 0x9E5 + usize::from(first) * 0x2B + usize::from(last)) % 4096
    }

    /// Adds `word`, which is in lower case.
    fn insert(&mut self, word: &'static str, value: T) {
        debug_assert!(!word.bytes().any(|b| b.is_ascii_uppercase()), "{word}");
        let shape = Self::shape(word.as_bytes());
        self.shapes[shape / 64] |= 1 << (shape % 64);
        self.by_shape[shape].push((word, value));
    }

    /// The words of `word`'s shape; none for most words.
    #[inline]
    fn of_shape(&self, word: &[u8]) -> &[(&'static str, T)] {
        let shape = Self::shape(word);
        if self.shapes[shape / 64] & (1 << (shape % 64)) == 0 {
            return &[];
        }
        &self.by_shape[shape]
    }

    /// [`ByShape::shape`] of a word without lower-casing its ends: the same
    /// for a word with no ASCII capital, and so for every word the set
    /// holds (none has one), and a word with one equals none of them, so
    /// that looking it up by this shape finds what looking it up by its
    /// shape does, in fewer steps. Lower-cased words are asked of the sets
    /// for every item of every sentence read.
    #[inline(always)]
    fn written_shape(word: &[u8]) -> usize {
        let first = word.first().copied().unwrap_or(0);
        let last = word.last().copied().unwrap_or(0);
        Self::mix(word.len(), first, last)
    }

    /// The value of `word` as written (a lower-cased word).
    #[inline]
    fn get(&self, word: &str) -> Option<&T> {
        let shape = Self::written_shape(word.as_bytes());
        if self.shapes[shape / 64] & (1 << (shape % 64)) == 0 {
            return None;
        }
        self.by_shape[shape]
            .iter()
            .find(|(w, _)| *w == word)
            .map(|(_, value)| value)
    }

    /// Whether a word of the set has the shape of `bytes[start..end]`, a run
    /// of ASCII letters and digits (not empty): false for most words, told
    /// in a few instructions where [`holds_cue_run`] asks it of every word.
    /// For such bytes, setting the bit that makes a capital small gives the
    /// lower case, and the run's ends are read without taking it as a
    /// slice (exhaustive test against [`ByShape::shape`]).
    #[inline(always)]
    fn has_run_shape(&self, bytes: &[u8], start: usize, end: usize) -> bool {
        let shape = Self::run_shape(bytes, start, end);
        self.shapes[shape / 64] & (1 << (shape % 64)) != 0
    }

    /// [`ByShape::shape`] of the run `bytes[start..end]` (see
    /// [`ByShape::has_run_shape`]).
    #[inline(always)]
    fn run_shape(bytes: &[u8], start: usize, end: usize) -> usize {
        Self::mix(end - start, bytes[start] | 0x20, bytes[end - 1] | 0x20)
    }

    /// The value of `run`, a run of ASCII letters and digits, in any ASCII
    /// case: for such bytes, setting the bit that makes a capital small
    /// gives the lower case ([`ByShape::holds_ignoring_ascii_case`]
    /// compared in fewer steps).
    #[inline]
    fn get_run(&self, run: &[u8]) -> Option<&T> {
        self.of_shape(run)
            .iter()
            .find(|(w, _)| w.len() == run.len() && w.bytes().zip(run).all(|(w, &r)| w == r | 0x20))
            .map(|(_, value)| value)
    }

    /// Whether the set holds `word` in any ASCII case.
    #[cfg(test)]
    fn holds_ignoring_ascii_case(&self, word: &[u8]) -> bool {
        self.of_shape(word)
            .iter()
            .any(|(w, _)| w.as_bytes().eq_ignore_ascii_case(word))
    }
}

/// Whether `word` (any case, surrounding punctuation ignored) is a verb that
/// attributes speech on its own: "said", "told", "wrote", "asked".
pub fn is_cue_word(word: &str) -> bool {
    let w = word
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    lists().cues.get(&w).is_some_and(|cues| {
        cues.iter().any(|(words, class)| {
            words.len() == 1 && matches!(class, CueClass::Bare | CueClass::That | CueClass::Quote)
        })
    })
}

/// Whether `text[sentence]` may hold a cue [`match_cue`] finds: false only
/// when no word of the cues (each cue's longest, which the cue cannot be
/// found without) is, in any ASCII case, a whole run of ASCII letters and
/// digits in it, and it holds no Kelvin sign. A word that lower-cases to a
/// cue word (ASCII letters) is written in ASCII letters, the Kelvin sign
/// being the one other letter whose lower case is ASCII ("k"), and, being a
/// whole token, has no ASCII letter or digit either side. One pass over
/// the bytes tells most sentences without a cue, where reading them word
/// by word takes several times as long.
fn may_hold_cue(text: &str, sentence: &Range<usize>) -> bool {
    let (Some(s), Some(words)) = (text.get(sentence.clone()), &lists().cue_words) else {
        return true;
    };
    let bytes = s.as_bytes();
    holds_cue_run(bytes, words, |_| true) || holds_kelvin(bytes)
}

/// [`may_hold_cue`], sharper, for a sentence that no quotation overlaps
/// (which [`items`] would make an item of): false also when each cue word
/// found is one no clause can be made of, told from the word before it
/// ([`idle_cue_word`]). A property test checks that reading only the
/// sentences this lets through changes no result.
fn may_attribute(text: &str, sentence: &Range<usize>) -> bool {
    let (Some(s), Some(words)) = (text.get(sentence.clone()), &lists().cue_words) else {
        return true;
    };
    let bytes = s.as_bytes();
    holds_cue_run(bytes, words, |hit| !idle_cue_word(bytes, hit)) || holds_kelvin(bytes)
}

/// Whether the cue word `bytes[run]` (a whole run of ASCII letters and
/// digits, `before` the run before it) starts or ends no clause
/// ([`clauses`]) in a sentence without quotations: it is no word of an
/// "according to" cue, which looks only after itself, and the word before
/// it is plainly a word of its own (ASCII small letters between spaces or
/// the sentence's start), so the item before the cue, that no cue word
/// precedes (else the cue may start there), no adverb ("also said"), no
/// "and", "so" or "thus" (which [`verb_clause`] reads as such) and no
/// pronoun or noun that can speak, so that the verb is not first in its
/// clause and [`speaker_of`] finds no speaker ending with that word; and no
/// "and" comes earlier in the sentence, the only way a speaker phrase
/// ending with a plain word can still be one ("Putin and Erdogan aides").
#[inline(never)]
fn idle_cue_word(bytes: &[u8], hit: CueRun) -> bool {
    let l = lists();
    let (Some(before), false, false) = (hit.before, hit.according, hit.and_before) else {
        return false;
    };
    let run = hit.run;
    let is_space = |b: &u8| matches!(b, b' ' | b'\t'..=b'\r');
    let gap = &bytes[before.end..run.start];
    let word = &bytes[before.clone()];
    let spaced = !gap.is_empty()
        && gap.iter().all(is_space)
        && before
            .start
            .checked_sub(1)
            .is_none_or(|b| is_space(&bytes[b]));
    if !spaced || !word.iter().all(u8::is_ascii_lowercase) {
        return false;
    }
    let Ok(word) = std::str::from_utf8(word) else {
        return false;
    };
    let singular = word.strip_suffix('s').unwrap_or(word);
    let speaks = [word, singular].iter().any(|w| {
        l.group_nouns.contains(w) || l.single_nouns.contains(w) || l.speaking_nouns.contains(w)
    });
    !l.any_cue_word.contains(word)
        && !l.adverbs.contains(word)
        && !l.pronouns.contains(word)
        && !matches!(word, "and" | "so" | "thus")
        && !speaks
}

/// A cue word found by [`holds_cue_run`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct CueRun {
    /// Where it is: a whole run of ASCII letters and digits.
    run: Range<usize>,
    /// The run before it, if any.
    before: Option<Range<usize>>,
    /// It is a word of an "according to" cue.
    according: bool,
    /// "and", in any ASCII case, is a run before it.
    and_before: bool,
}

/// Whether a whole run of ASCII letters and digits in `bytes` is one of
/// `words`, in any ASCII case. Eight bytes at a time: a run starts or ends
/// where a byte's being a letter or digit differs from the byte's before
/// it, which one shift and one exclusive or tell for all eight at once, so
/// a word costs two bits to visit and a shape to look up, not a loop over
/// its letters.
fn holds_cue_run(
    bytes: &[u8],
    words: &ByShape<bool>,
    mut counts: impl FnMut(CueRun) -> bool,
) -> bool {
    // Where the run being read started (meaningful while in one).
    let mut start = 0;
    // The run before it, if any, and whether one before that is "and".
    let mut last: Option<Range<usize>> = None;
    let mut and_before = false;
    // The high bit (0x80) set if the byte before the chunk is in a run.
    let mut before = 0u64;
    let mut at = 0;
    while at < bytes.len() {
        // Past the end, zero bytes: no letter, so a run ending with the
        // bytes ends inside the last chunk unless that chunk is full.
        let chunk = match bytes.get(at..at + 8) {
            Some(eight) => u64::from_le_bytes(eight.try_into().unwrap_or_default()),
            None => {
                let mut eight = [0u8; 8];
                eight[..bytes.len() - at].copy_from_slice(&bytes[at..]);
                u64::from_le_bytes(eight)
            }
        };
        let alnum = ascii_alnum_bytes(chunk);
        let mut changes = alnum ^ ((alnum << 8) | before);
        while changes != 0 {
            let bit = changes.trailing_zeros();
            changes &= changes - 1;
            let here = at + bit as usize / 8;
            if alnum & (1 << bit) != 0 {
                start = here;
            } else {
                let run = &bytes[start..here];
                if words.has_run_shape(bytes, start, here) {
                    if let Some(&according) = words.get_run(run) {
                        let hit = CueRun {
                            run: start..here,
                            before: last.clone(),
                            according,
                            and_before,
                        };
                        if counts(hit) {
                            return true;
                        }
                    }
                }
                and_before |= run.eq_ignore_ascii_case(b"and");
                last = Some(start..here);
            }
        }
        before = alnum >> 56;
        at += 8;
    }
    // A run ending with the bytes, the last chunk full.
    before != 0
        && words.get_run(&bytes[start..]).is_some_and(|&according| {
            counts(CueRun {
                run: start..bytes.len(),
                before: last,
                according,
                and_before,
            })
        })
}

/// Whether `bytes` hold U+212A KELVIN SIGN (E2 84 AA), which
/// lower-cases to an ASCII "k".
fn holds_kelvin(bytes: &[u8]) -> bool {
    let mut from = 0;
    while let Some(i) = memchr::memchr(0xE2, &bytes[from..]) {
        let at = from + i;
        if bytes[at + 1..].starts_with(&[0x84, 0xAA]) {
            return true;
        }
        from = at + 1;
    }
    false
}

/// [`may_hold_cue`] as it was first written, a character test at a time:
/// what the byte table must agree with.
#[cfg(test)]
fn may_hold_cue_plain(text: &str, sentence: &Range<usize>) -> bool {
    let (Some(s), Some(words)) = (text.get(sentence.clone()), &lists().cue_words) else {
        return true;
    };
    let bytes = s.as_bytes();
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        if b.is_ascii_alphanumeric() {
            let start = at;
            at += bytes[at..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            if words.holds_ignoring_ascii_case(&bytes[start..at]) {
                return true;
            }
            continue;
        }
        if bytes[at..].starts_with("\u{212A}".as_bytes()) {
            return true;
        }
        at += 1;
    }
    false
}

/// Whether `text` holds a speech cue of any kind.
pub fn mentions_cue(text: &str) -> bool {
    let mut lowered = String::new();
    let items = items(text, 0..text.len(), &[], &mut lowered);
    (0..items.len()).any(|i| match_cue(&items, i).is_some())
}

// ---------------------------------------------------------------------------
// Items: words, punctuation, and whole quotations

#[derive(Debug, Clone)]
struct Item<'a> {
    range: Range<usize>,
    kind: ItemKind,
    /// The word lower-cased (empty for other items): borrowed from the text
    /// where it is lower case already (most words of prose), else from the
    /// sentence's buffer of lower-cased words, so that no word allocates.
    lower: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ItemKind {
    Word,
    Punct(char),
    /// A whole depth-0 quotation, by index into the caller's quotations.
    Quote(usize),
}

impl Item<'_> {
    fn is_word(&self) -> bool {
        self.kind == ItemKind::Word
    }
    fn is_punct(&self) -> bool {
        matches!(self.kind, ItemKind::Punct(_))
    }
    fn is(&self, c: char) -> bool {
        self.kind == ItemKind::Punct(c)
    }
    fn is_quote(&self) -> bool {
        matches!(self.kind, ItemKind::Quote(_))
    }
}

/// The items of `text[sentence]`. The lower-case forms of words not
/// written in lower case go to `lowered`, which the items borrow.
fn items<'a>(
    text: &'a str,
    sentence: Range<usize>,
    quotations: &[Quotation],
    lowered: &'a mut String,
) -> Vec<Item<'a>> {
    let inside: Vec<(usize, &Quotation)> = quotations
        .iter()
        .enumerate()
        .filter(|(_, q)| {
            q.depth == 0 && q.range.start < sentence.end && q.range.end > sentence.start
        })
        .collect();
    let mut tokens = Tokens::new(text, sentence.clone());
    let mut out: Vec<Item<'a>> = recycled(ITEMS.take());
    // About a token in five bytes of prose.
    out.reserve(sentence.len() / 5 + 1);
    // The words lower-cased into `lowered`: (item index, where in
    // `lowered`), in a list kept per thread rather than grown per sentence.
    let mut relowered = RELOWERED.take();
    relowered.clear();
    let mut covered_until = sentence.start;
    // Not a `for` loop: the loop moves `tokens` on past each quotation.
    while let Some(token) = tokens.next_token() {
        if token.range.start < covered_until {
            continue;
        }
        if let Some(&(index, q)) = inside
            .iter()
            .find(|(_, q)| q.range.start <= token.range.start && token.range.start < q.range.end)
        {
            let range = q.range.start.max(sentence.start)..q.range.end.min(sentence.end);
            covered_until = range.end;
            out.push(Item {
                range,
                kind: ItemKind::Quote(index),
                lower: "",
            });
            tokens.skip_to(covered_until);
            continue;
        }
        let (kind, lower) = match token.kind {
            TokenKind::Punct(c) => (ItemKind::Punct(c), ""),
            TokenKind::Word => {
                if tokens.last_is_lower_ascii() {
                    (ItemKind::Word, &text[token.range.clone()])
                } else {
                    let from = lowered.len();
                    push_lowercase(&text[token.range.clone()], lowered);
                    relowered.push((out.len(), from..lowered.len()));
                    (ItemKind::Word, "")
                }
            }
        };
        out.push(Item {
            range: token.range,
            kind,
            lower,
        });
    }
    let lowered: &'a String = lowered;
    for (at, range) in relowered.drain(..) {
        out[at].lower = &lowered[range];
    }
    RELOWERED.set(relowered);
    out
}

/// `items`, emptied, as a list of items of any lifetime, in the same
/// allocation (collecting a vector's own iterator into a vector of the same
/// layout reuses it): how a list of items borrowing one sentence is kept
/// for the next.
fn recycled<'b>(mut items: Vec<Item<'_>>) -> Vec<Item<'b>> {
    items.clear();
    items
        .into_iter()
        .map(|item| Item {
            range: item.range,
            kind: item.kind,
            lower: "",
        })
        .collect()
}

/// Keeps `items`' room for the next sentence this thread reads.
fn give_back(items: Vec<Item<'_>>) {
    ITEMS.set(recycled(items));
}

thread_local! {
    /// [`items`]' list, kept empty between sentences (see [`recycled`]).
    static ITEMS: Cell<Vec<Item<'static>>> = const { Cell::new(Vec::new()) };
    /// [`items`]' list of the words it lower-cased, kept between sentences.
    static RELOWERED: Cell<Vec<(usize, Range<usize>)>> = const { Cell::new(Vec::new()) };
    /// Room for the lower case of a sentence's words, kept between
    /// sentences (see [`with_lowered`]).
    static LOWERED: Cell<String> = const { Cell::new(String::new()) };
}

/// Runs `f` with an empty buffer for [`items`]' lower-cased words, the
/// same one for every sentence a thread reads, so that reading a sentence
/// does not grow a new one word by word.
fn with_lowered<R>(f: impl FnOnce(&mut String) -> R) -> R {
    let mut lowered = LOWERED.take();
    lowered.clear();
    let out = f(&mut lowered);
    LOWERED.set(lowered);
    out
}

/// Appends `str::to_lowercase` of `word` to `out`.
fn push_lowercase(word: &str, out: &mut String) {
    if word.is_ascii() {
        let from = out.len();
        out.push_str(word);
        out[from..].make_ascii_lowercase();
    } else if word.contains('Σ') {
        // Only `str::to_lowercase` knows a final sigma from the others.
        out.push_str(&word.to_lowercase());
    } else {
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
}

/// The word without a possessive ending or a final period, lower-cased.
fn bare<'a>(item: &Item<'a>) -> &'a str {
    let w = item.lower;
    let w = w
        .strip_suffix("’s")
        .or_else(|| w.strip_suffix("'s"))
        .unwrap_or(w);
    w.strip_suffix('.').unwrap_or(w)
}

fn match_cue(items: &[Item], i: usize) -> Option<(usize, CueClass)> {
    match_cue_in(&lists().cues, items, i)
}

/// [`match_cue`] with the table at hand: asked of every item of a
/// sentence, most of which no cue starts with, which the shape's bit tells.
#[inline(always)]
fn match_cue_in(cues: &CueTable, items: &[Item], i: usize) -> Option<(usize, CueClass)> {
    let first = items.get(i)?;
    if !first.is_word() {
        return None;
    }
    let candidates = cues.get(first.lower)?;
    'cue: for (words, class) in candidates {
        for (k, word) in words.iter().enumerate() {
            match items.get(i + k) {
                Some(item) if item.is_word() && item.lower == *word => {}
                _ => continue 'cue,
            }
        }
        return Some((words.len(), *class));
    }
    None
}

// ---------------------------------------------------------------------------
// Speaker phrases

fn is_boundary(item: Option<&Item>) -> bool {
    match item {
        None => true,
        Some(it) => it.is_punct() || it.is_quote(),
    }
}

/// A capitalised word that is not the sentence's first: a name even when it
/// is spelt like a function word ("Has wrote" for Kerim Has).
fn is_midsentence_capital(text: &str, item: &Item, sentence_start: usize) -> bool {
    item.range.start != sentence_start && is_name_word(text, item) && item.lower != "i"
}

fn is_name_word(text: &str, item: &Item) -> bool {
    item.is_word() && is_capitalized(&text[item.range.clone()])
}

/// A speaker phrase made of `items[from..to]` (word items only), classified.
fn speaker_of(
    text: &str,
    items: &[Item],
    from: usize,
    to: usize,
    sentence_start: usize,
) -> Option<Speaker> {
    if from >= to {
        return None;
    }
    let l = lists();
    let words = &items[from..to];
    if words.iter().any(|w| !w.is_word()) {
        return None;
    }
    let head = words.last()?;
    let range = words[0].range.start..head.range.end;
    if words.len() == 1 && l.pronouns.contains(head.lower) {
        return Some(Speaker {
            range: range.clone(),
            name: range,
            kind: SpeakerKind::Pronoun,
        });
    }
    let head_bare = bare(head);
    let head_is_name = is_midsentence_capital(text, head, sentence_start);
    if !head_is_name
        && (l.determiners.contains(head_bare)
            || l.stops.contains(head_bare)
            || l.connectors.contains(head_bare))
    {
        return None;
    }
    let has_and = words.iter().any(|w| w.lower == "and");
    let sentence_initial_only = words.len() == 1 && head.range.start == sentence_start;
    let head_is_source_noun =
        l.group_nouns.contains(head_bare) || l.single_nouns.contains(head_bare);
    if is_name_word(text, head) && !(sentence_initial_only && head_is_source_noun) {
        if sentence_initial_only
            && (l.stops.contains(head_bare) || l.determiners.contains(head_bare))
        {
            return None;
        }
        let kind = if has_and {
            SpeakerKind::Group
        } else {
            SpeakerKind::Name
        };
        // Strip a leading article and titles from the name.
        let mut name_from = 0;
        while name_from + 1 < words.len()
            && (l.determiners.contains(words[name_from].lower)
                || l.titles.contains(bare(&words[name_from]))
                || !is_name_word(text, &words[name_from]))
        {
            name_from += 1;
        }
        let name = words[name_from].range.start..head.range.end;
        return Some(Speaker { range, name, kind });
    }
    // An unnamed source is one of the nouns that can speak: "arms experts",
    // "a spokeswoman for the ministry", "the report" — not "the pier".
    let singular = head_bare.strip_suffix('s').unwrap_or(head_bare);
    let can_speak = has_and
        || [head_bare, singular].iter().any(|w| {
            l.group_nouns.contains(w) || l.single_nouns.contains(w) || l.speaking_nouns.contains(w)
        });
    if !can_speak {
        return None;
    }
    let plural = has_and
        || l.group_nouns.contains(head_bare)
        || (head_bare.ends_with('s')
            && !head_bare.ends_with("ss")
            && !l.single_nouns.contains(head_bare));
    let kind = if plural {
        SpeakerKind::Group
    } else {
        SpeakerKind::Description
    };
    Some(Speaker {
        range: range.clone(),
        name: range,
        kind,
    })
}

/// The speaker phrase ending just before `end` (exclusive item index), read
/// backwards: "Erdogan", "arms experts", "the Foundation for Defense of
/// Democracies", "he". Returns the first item index of the phrase.
fn phrase_before(text: &str, items: &[Item], end: usize, sentence_start: usize) -> Option<usize> {
    let l = lists();
    let mut start = end;
    let mut count = 0;
    while start > 0 && count < 8 {
        let item = &items[start - 1];
        if !item.is_word() {
            break;
        }
        let w = bare(item);
        if is_midsentence_capital(text, item, sentence_start) {
            start -= 1;
            count += 1;
            continue;
        }
        if l.pronouns.contains(w) {
            if start == end {
                start -= 1;
            }
            break;
        }
        if l.determiners.contains(w) {
            if start < end {
                start -= 1;
            }
            break;
        }
        if l.connectors.contains(w) {
            // Only inside a phrase: "Foundation for Defense", "a spokesman for the ministry".
            let before_ok = start >= 2
                && items[start - 2].is_word()
                && !l.stops.contains(bare(&items[start - 2]));
            if start < end && before_ok {
                start -= 1;
                count += 1;
                continue;
            }
            break;
        }
        if w == "and" && start < end && start >= 2 {
            // "Putin and Erdogan said": names on both sides.
            if is_name_word(text, &items[start - 2]) && is_name_word(text, &items[start]) {
                start -= 1;
                count += 1;
                continue;
            }
            break;
        }
        if l.stops.contains(w) {
            break;
        }
        start -= 1;
        count += 1;
    }
    (start < end).then_some(start)
}

/// The speaker phrase starting at `from`, read forwards, ending at a
/// boundary: "Erdogan", "Mr. Erdemir", "a spokesman for the ministry", "he".
fn phrase_after(text: &str, items: &[Item], from: usize, need_boundary: bool) -> Option<usize> {
    let l = lists();
    let first = items.get(from)?;
    if !first.is_word() {
        return None;
    }
    if l.pronouns.contains(first.lower) {
        return Some(from + 1);
    }
    let mut end = from;
    let name_mode = is_name_word(text, first) || l.titles.contains(bare(first));
    while end < items.len() && end - from < 10 {
        let item = &items[end];
        if !item.is_word() {
            break;
        }
        let w = bare(item);
        if name_mode {
            let joins = l.connectors.contains(w)
                && items.get(end + 1).is_some_and(|n| is_name_word(text, n));
            if !(is_name_word(text, item) || joins || (end == from && l.titles.contains(w))) {
                break;
            }
            // A possessive ends the name: "said Erdogan’s plans".
            if item.lower.ends_with("’s") || item.lower.ends_with("'s") {
                return None;
            }
        } else if l.stops.contains(w) && !(l.connectors.contains(w)) {
            break;
        }
        end += 1;
    }
    if end == from {
        return None;
    }
    // "said Erdogan." / "said Erdogan on Wednesday" / "said Erdogan, who …"
    let phrase_follows = name_mode
        && items.get(end).is_some_and(|i| {
            matches!(
                i.lower,
                "on" | "in"
                    | "at"
                    | "during"
                    | "after"
                    | "before"
                    | "via"
                    | "from"
                    | "of"
                    | "who"
                    | "last"
                    | "this"
            )
        });
    if need_boundary && !is_boundary(items.get(end)) && !phrase_follows {
        return None;
    }
    Some(end)
}

/// Whether `items[from..to]` reads like an appositive or a relative clause
/// ("a lecturer in …", "director of …", "who …", "speaking on condition of anonymity").
fn is_appositive(text: &str, items: &[Item], from: usize, to: usize) -> bool {
    let l = lists();
    if from >= to || to - from > 40 {
        return false;
    }
    if items[from..to]
        .iter()
        .any(|i| i.is_quote() || i.is(';') || i.is('.'))
    {
        return false;
    }
    let first = &items[from];
    if !first.is_word() {
        return false;
    }
    let w = first.lower;
    if matches!(
        w,
        "a" | "an"
            | "the"
            | "who"
            | "whose"
            | "which"
            | "himself"
            | "herself"
            | "now"
            | "formerly"
            | "then"
            | "also"
    ) {
        return true;
    }
    if l.stops.contains(w)
        || l.pronouns.contains(w)
        || l.determiners.contains(w)
        || l.adverbs.contains(w)
    {
        return false;
    }
    !is_name_word(text, first) || l.titles.contains(bare(first))
}

// ---------------------------------------------------------------------------
// Clauses

#[derive(Debug, Clone)]
struct Clause {
    attribution: Attribution,
    class: CueClass,
    /// Items spanned by the whole clause (speaker, appositives, cue).
    first_item: usize,
    /// One past the last item of the cue phrase (with its extension).
    end_item: usize,
    /// One past the cue's own words, before any extension.
    verb_end: usize,
    /// Items between the speaker and the cue (appositives), which belong to neither.
    aside: Option<Range<usize>>,
    /// Where reported content may start: after the cue and an optional "that".
    content_start: usize,
    has_that: bool,
}

fn clauses(text: &str, items: &[Item], sentence_start: usize) -> Vec<Clause> {
    let mut out: Vec<Clause> = Vec::new();
    let cues = &lists().cues;
    let mut i = 0;
    while i < items.len() {
        let Some((len, class)) = match_cue_in(cues, items, i) else {
            i += 1;
            continue;
        };
        // "did not say", "never said": a denial, not an attribution.
        if i > 0 && matches!(bare(&items[i - 1]), "not" | "never" | "n't") {
            i += len;
            continue;
        }
        let verb_end = i + len;
        let clause = match class {
            CueClass::According => according(text, items, i, verb_end, sentence_start),
            CueClass::Participle => participle(text, items, i, verb_end, &out, sentence_start),
            _ => verb_clause(text, items, i, verb_end, class, sentence_start),
        };
        // "stressed", "mentioned" and the like attribute only what they
        // introduce: a "that" clause, a quotation, or the end of the clause
        // ("…,” she warned."). "Russia had agreed to attend" is no attribution.
        let clause = clause.filter(|c| {
            !matches!(class, CueClass::That | CueClass::Quote)
                || c.has_that
                || items
                    .get(c.verb_end)
                    .is_none_or(|n| n.is_punct() || n.is_quote())
                || items.get(c.end_item).is_none_or(|n| n.is_quote())
                || (c.first_item > 0 && items[c.first_item - 1].is_quote())
        });
        if let Some(clause) = clause {
            i = clause.end_item.max(i + 1);
            out.push(clause);
        } else {
            i += len;
        }
    }
    out
}

fn cue_range(items: &[Item], from: usize, to: usize) -> Range<usize> {
    items[from].range.start..items[to - 1].range.end
}

/// Extends a cue verb over a short phrase that ends the clause: "said in
/// emailed comments", "wrote on Twitter", "told the Turkish news media in a
/// briefing", "said with Putin by his side". Returns the end item.
fn extend_cue(text: &str, items: &[Item], verb: usize, verb_end: usize) -> usize {
    let l = lists();
    const PREPOSITIONS: &[&str] = &[
        "in", "on", "at", "to", "during", "via", "with", "from", "by", "over", "after", "before",
        "through", "while", "before",
    ];
    let takes_object = matches!(
        items[verb].lower,
        "told" | "tells" | "tell" | "telling" | "asked" | "asks" | "assured" | "reminded"
    );
    let Some(next) = items.get(verb_end) else {
        return verb_end;
    };
    if !next.is_word() || next.lower == "that" {
        return verb_end;
    }
    let starts_phrase = PREPOSITIONS.contains(&next.lower) || takes_object;
    if !starts_phrase {
        return verb_end;
    }
    let mut end = verb_end;
    while end < items.len() && end - verb_end < 9 {
        let item = &items[end];
        if !item.is_word() || item.lower == "that" {
            break;
        }
        end += 1;
    }
    if end > verb_end && is_boundary(items.get(end))
        || items.get(end).is_some_and(|i| i.lower == "that")
    {
        return end;
    }
    if takes_object {
        // "told Reuters the deal was dead": keep just the object.
        if let Some(obj_end) = phrase_after(text, items, verb_end, false) {
            if l.pronouns.contains(items[verb_end].lower) || is_name_word(text, &items[verb_end]) {
                return obj_end;
            }
        }
    }
    verb_end
}

fn content_start_after(items: &[Item], end: usize) -> (usize, bool) {
    match items.get(end) {
        Some(item) if item.is_word() && item.lower == "that" => (end + 1, true),
        _ => (end, false),
    }
}

fn verb_clause(
    text: &str,
    items: &[Item],
    verb: usize,
    verb_end: usize,
    class: CueClass,
    sentence_start: usize,
) -> Option<Clause> {
    let l = lists();
    // Skip adverbs and auxiliaries between speaker and cue: "Erdogan also said".
    let mut before = verb;
    while before > 0
        && items[before - 1].is_word()
        && l.adverbs.contains(items[before - 1].lower)
        && !is_midsentence_capital(text, &items[before - 1], sentence_start)
    {
        before -= 1;
    }
    let prev = before.checked_sub(1).map(|p| &items[p]);
    let after_punct = prev.is_none_or(|p| p.is_punct() || p.is_quote())
        || (before == 1 && matches!(items[0].lower, "so" | "thus"));

    // Verb first: “…,” said Erdogan. / …, said a spokesman.
    if after_punct && class != CueClass::Put {
        if let Some(end) = phrase_after(text, items, verb_end, true) {
            if let Some(speaker) = speaker_of(text, items, verb_end, end, sentence_start) {
                let (content_start, has_that) = content_start_after(items, end);
                return Some(Clause {
                    attribution: Attribution {
                        speaker,
                        cue: cue_range(items, verb, verb_end),
                        order: Order::CueFirst,
                    },
                    class,
                    first_item: verb,
                    end_item: end,
                    verb_end,
                    aside: None,
                    content_start,
                    has_that,
                });
            }
        }
    }

    let cue_end = extend_cue(text, items, verb, verb_end);
    let (content_start, has_that) = content_start_after(items, cue_end);
    let make = |speaker: Speaker, first_item: usize, aside: Option<Range<usize>>| Clause {
        attribution: Attribution {
            speaker,
            cue: cue_range(items, verb, cue_end),
            order: Order::SpeakerFirst,
        },
        class,
        first_item,
        end_item: cue_end,
        verb_end,
        aside,
        content_start,
        has_that,
    };

    match prev {
        Some(p) if p.is_word() => {
            if let Some(start) = phrase_before(text, items, before, sentence_start) {
                if let Some(speaker) = speaker_of(text, items, start, before, sentence_start) {
                    return Some(make(speaker, start, None));
                }
            }
            // "Putin praised both energy deals and said …": the clause's subject.
            if p.lower == "and" {
                let clause_start = (0..before - 1)
                    .rev()
                    .find(|&k| !items[k].is_word())
                    .map_or(0, |k| k + 1);
                if let Some(end) = leading_subject(text, items, clause_start, before - 1) {
                    let speaker = speaker_of(text, items, clause_start, end, sentence_start)?;
                    if matches!(speaker.kind, SpeakerKind::Name | SpeakerKind::Pronoun) {
                        return Some(make(speaker, clause_start, None));
                    }
                }
            }
            None
        }
        Some(p) if p.is(',') => {
            // "Kerim Has, a lecturer …, wrote": skip appositives back to the
            // name; "A spokeswoman …, Irina Volkova, said": the name itself.
            let mut comma = before - 1;
            let aside_end = comma;
            for _ in 0..4 {
                let seg_start = (0..comma)
                    .rev()
                    .find(|&k| {
                        items[k].is(',')
                            || items[k].is_quote()
                            || items[k].is(';')
                            || items[k].is('—')
                    })
                    .map_or(0, |k| k + 1);
                // "The International Energy Agency (IEA), …"
                let mut name_end = comma;
                if name_end >= 3 && items[name_end - 1].is(')') && items[name_end - 3].is('(') {
                    name_end -= 3;
                }
                if let Some(start) = phrase_before(text, items, name_end, sentence_start) {
                    if let Some(speaker) = speaker_of(text, items, start, name_end, sentence_start)
                    {
                        let whole = start == seg_start;
                        let aside = (comma < aside_end).then(|| comma + 1..aside_end);
                        let usable = speaker.kind != SpeakerKind::Pronoun
                            && (aside.is_some() || speaker.kind == SpeakerKind::Name && whole);
                        // A name at the end of an appositive ("… who now directs
                        // the Caspian Energy Institute,") is not the speaker.
                        if usable && (whole || !is_appositive(text, items, seg_start, comma)) {
                            return Some(make(speaker, start, aside));
                        }
                    }
                }
                if seg_start == 0
                    || !items[seg_start - 1].is(',')
                    || !is_appositive(text, items, seg_start, comma)
                {
                    return None;
                }
                comma = seg_start - 1;
            }
            None
        }
        _ => None,
    }
}

/// The subject at the start of a clause: a name run or a pronoun.
fn leading_subject(text: &str, items: &[Item], from: usize, limit: usize) -> Option<usize> {
    let l = lists();
    let first = items.get(from)?;
    if l.pronouns.contains(first.lower) {
        return Some(from + 1);
    }
    let mut end = from;
    while end < limit
        && (is_name_word(text, &items[end])
            || (end > from && l.connectors.contains(items[end].lower)))
    {
        end += 1;
    }
    (end > from).then_some(end)
}

fn according(
    text: &str,
    items: &[Item],
    cue: usize,
    cue_end: usize,
    sentence_start: usize,
) -> Option<Clause> {
    let end = phrase_after(text, items, cue_end, false)?;
    let speaker = speaker_of(text, items, cue_end, end, sentence_start)?;
    Some(Clause {
        attribution: Attribution {
            speaker,
            cue: cue_range(items, cue, cue_end),
            order: Order::AccordingTo,
        },
        class: CueClass::According,
        first_item: cue,
        end_item: end,
        verb_end: cue_end,
        aside: None,
        content_start: end,
        has_that: false,
    })
}

fn participle(
    text: &str,
    items: &[Item],
    cue: usize,
    cue_end: usize,
    earlier: &[Clause],
    sentence_start: usize,
) -> Option<Clause> {
    // Only after a comma: ", adding that …" (not "the saying goes").
    if cue == 0 || !items[cue - 1].is(',') {
        return None;
    }
    let speaker = match earlier.last() {
        Some(c) => c.attribution.speaker.clone(),
        None => {
            let end = leading_subject(text, items, 0, cue)?;
            let s = speaker_of(text, items, 0, end, sentence_start)?;
            if !matches!(s.kind, SpeakerKind::Name | SpeakerKind::Pronoun) {
                return None;
            }
            s
        }
    };
    let cue_ext = extend_cue(text, items, cue, cue_end);
    let (content_start, has_that) = content_start_after(items, cue_ext);
    Some(Clause {
        attribution: Attribution {
            speaker,
            cue: cue_range(items, cue, cue_ext),
            order: Order::Participle,
        },
        class: CueClass::Participle,
        first_item: cue,
        end_item: cue_ext,
        verb_end: cue_end,
        aside: None,
        content_start,
        has_that,
    })
}

struct Analysis<'a> {
    items: Vec<Item<'a>>,
    clauses: Vec<Clause>,
}

/// Reads one sentence; `lowered` is scratch room the analysis borrows
/// (see [`items`]).
fn analyse<'a>(
    text: &'a str,
    sentence: Range<usize>,
    quotations: &[Quotation],
    lowered: &'a mut String,
) -> Analysis<'a> {
    let items = items(text, sentence.clone(), quotations, lowered);
    let clauses = clauses(text, &items, sentence.start);
    Analysis { items, clauses }
}

/// The attributions in one sentence, outside its quotations, in order.
pub fn find_attributions(
    text: &str,
    sentence: Range<usize>,
    quotations: &[Quotation],
) -> Vec<Attribution> {
    let may = if is_quoted(&sentence, quotations) {
        may_hold_cue(text, &sentence)
    } else {
        may_attribute(text, &sentence)
    };
    if !may {
        return Vec::new();
    }
    with_lowered(|lowered| {
        let a = analyse(text, sentence, quotations, lowered);
        give_back(a.items);
        a.clauses.into_iter().map(|c| c.attribution).collect()
    })
}

// ---------------------------------------------------------------------------
// Quotations

fn only_joining_punct(items: &[Item]) -> bool {
    items.iter().all(|i| {
        matches!(
            i.kind,
            ItemKind::Punct(',' | '—' | '–' | '-' | ':' | '.' | '(' | ')')
        )
    })
}

fn sentence_of(sentences: &[Range<usize>], at: usize) -> Option<usize> {
    let idx = sentences.partition_point(|s| s.end <= at);
    sentences.get(idx).filter(|s| s.start <= at).map(|_| idx)
}

/// What one sentence lends to the attribution of quotations, read with its
/// own attributions ([`read_sentence`]): how it attributes the quotations
/// that start in it, and what it gives a quotation in the sentence before
/// or after it. A quotation's attribution is put together from these
/// ([`attribute_from`]) without reading any sentence again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lends {
    /// The outermost quotations starting in the sentence, in order.
    pub quotes: Vec<InSentence>,
    /// The sentence ends with a colon: the attribution it gives a quotation
    /// opening the next sentence ("Erdogan was blunt:" / “…”).
    pub lead_in: Option<Attribution>,
    /// A short sentence such as "That was how X put it.": the attribution
    /// it gives a quotation ending the sentence before.
    pub put_it: Option<Attribution>,
}

impl Lends {
    pub fn is_empty(&self) -> bool {
        self.quotes.is_empty() && self.lead_in.is_none() && self.put_it.is_none()
    }
}

/// An outermost quotation in its sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InSentence {
    /// Its index in the caller's quotations.
    pub quotation: usize,
    /// The attribution its own sentence gives it, and where.
    pub found: Option<(Attribution, Placement)>,
    /// It opens the sentence: a colon ending the sentence before may
    /// introduce it.
    pub opens: bool,
    /// It ends the sentence: the sentence after may attribute it.
    pub ends: bool,
}

/// Whether an outermost quotation overlaps `sentence`: [`items`] makes it
/// an item of the sentence.
fn is_quoted(sentence: &Range<usize>, quotations: &[Quotation]) -> bool {
    quotations
        .iter()
        .any(|q| q.depth == 0 && q.range.start < sentence.end && q.range.end > sentence.start)
}

/// The attributions in one sentence, outside its quotations, in order (what
/// [`find_attributions`] returns), and what the sentence lends to the
/// quotations in and around it, from one reading of the sentence.
pub fn read_sentence(
    text: &str,
    sentence: Range<usize>,
    quotations: &[Quotation],
) -> (Vec<Attribution>, Lends) {
    // Attributions come from cues; a sentence lends only to quotations in
    // it and through a colon ending it.
    let quoted = is_quoted(&sentence, quotations);
    let colon = text
        .get(sentence.clone())
        .is_some_and(|s| s.trim_end().ends_with(':'));
    if !quoted && !colon && !may_attribute(text, &sentence) {
        return (Vec::new(), Lends::default());
    }
    read_sentence_in_full(text, sentence, quotations)
}

/// [`read_sentence`], reading every sentence word by word.
fn read_sentence_in_full(
    text: &str,
    sentence: Range<usize>,
    quotations: &[Quotation],
) -> (Vec<Attribution>, Lends) {
    with_lowered(|lowered| {
        let a = analyse(text, sentence.clone(), quotations, lowered);
        let lends = lends(text, &sentence, quotations, &a);
        give_back(a.items);
        let attributions = a.clauses.into_iter().map(|c| c.attribution).collect();
        (attributions, lends)
    })
}

fn lends(text: &str, sentence: &Range<usize>, quotations: &[Quotation], a: &Analysis) -> Lends {
    let quotes = quotations
        .iter()
        .enumerate()
        .filter(|(_, q)| q.depth == 0 && sentence.contains(&q.range.start))
        .map(|(qi, q)| {
            let qpos = a.items.iter().position(|i| i.kind == ItemKind::Quote(qi));
            // The quotation must end its sentence (and not run past it).
            let ends = text.get(q.range.end..sentence.end).is_some_and(|rest| {
                rest.trim_matches(|c: char| c.is_whitespace() || c == '.')
                    .is_empty()
            });
            InSentence {
                quotation: qi,
                found: qpos.and_then(|qpos| in_sentence(text, sentence.start, a, qpos)),
                opens: qpos == Some(0),
                ends,
            }
        })
        .collect();
    Lends {
        quotes,
        lead_in: lead_in_of(text, sentence, a),
        put_it: put_it(a),
    }
}

/// Attributes every quotation in the document. `sentences` are all the
/// document's sentences in order (from [`crate::text::sentences::split_sentences`]
/// over each prose block), `quotations` all its quotations (from
/// [`crate::text::quotes::find_quotations`]). Nested quotations (depth > 0)
/// quote someone inside a quotation and get `None`.
pub fn attribute_quotations(
    text: &str,
    sentences: &[Range<usize>],
    quotations: &[Quotation],
) -> Vec<Option<QuoteAttribution>> {
    // Only the sentences holding a quotation, and those either side of
    // them, are read.
    let mut read = vec![false; sentences.len()];
    for q in quotations.iter().filter(|q| q.depth == 0) {
        if let Some(si) = sentence_of(sentences, q.range.start) {
            read[si.saturating_sub(1)..(si + 2).min(sentences.len())].fill(true);
        }
    }
    let lends: Vec<Lends> = sentences
        .iter()
        .zip(read)
        .map(|(s, read)| {
            if read {
                read_sentence(text, s.clone(), quotations).1
            } else {
                Lends::default()
            }
        })
        .collect();
    attribute_from(quotations, &lends, 0..quotations.len())
}

/// [`attribute_quotations`] of the quotations `wanted`, from what each
/// sentence lends (`lends[i]` for the `i`th sentence, from
/// [`read_sentence`]); the others get `None` unread. A quotation's
/// attribution depends on the sentences around it and on the other parts
/// of the same quotation (see [`Quotation::continues`]): `wanted` must hold
/// every part of the quotations it holds.
pub fn attribute_from(
    quotations: &[Quotation],
    lends: &[Lends],
    wanted: Range<usize>,
) -> Vec<Option<QuoteAttribution>> {
    let mut place: Vec<Option<(usize, &InSentence)>> = vec![None; quotations.len()];
    for (si, l) in lends.iter().enumerate() {
        for q in &l.quotes {
            if let Some(p) = place.get_mut(q.quotation) {
                *p = Some((si, q));
            }
        }
    }
    let found = |attribution: &Attribution, placement, sentence| QuoteAttribution {
        attribution: attribution.clone(),
        placement,
        sentence,
        inherited_from: None,
    };
    let mut out: Vec<Option<QuoteAttribution>> = Vec::with_capacity(quotations.len());
    for (qi, q) in quotations.iter().enumerate() {
        let Some((si, at)) = place[qi].filter(|_| q.depth == 0 && wanted.contains(&qi)) else {
            out.push(None);
            continue;
        };
        let attribution = at
            .found
            .as_ref()
            .map(|(a, placement)| found(a, *placement, si))
            .or_else(|| {
                // The quotation opens its sentence and the previous one ends with a colon.
                let prev = si.checked_sub(1).filter(|_| at.opens)?;
                let a = lends[prev].lead_in.as_ref()?;
                Some(found(a, Placement::LeadIn, prev))
            })
            .or_else(|| {
                let continued = q.continues?;
                let earlier = out.get(continued)?.clone()?;
                Some(QuoteAttribution {
                    placement: Placement::Continued,
                    inherited_from: Some(earlier.inherited_from.unwrap_or(continued)),
                    ..earlier
                })
            })
            .or_else(|| {
                let a = lends.get(si + 1).filter(|_| at.ends)?.put_it.as_ref()?;
                Some(found(a, Placement::NextSentence, si + 1))
            });
        out.push(attribution);
    }
    // The first paragraphs of a quotation running over several get the
    // attribution of a later part: “… (no closing mark) / “…,” he said.
    for qi in wanted.clone().rev() {
        if out[qi].is_some() {
            continue;
        }
        let later = (qi + 1..wanted.end).find(|&l| quotations[l].continues == Some(qi));
        if let Some(l) = later {
            if let Some(a) = out[l].clone() {
                out[qi] = Some(QuoteAttribution {
                    placement: Placement::Continued,
                    inherited_from: Some(a.inherited_from.filter(|&f| f != qi).unwrap_or(l)),
                    ..a
                });
            }
        }
    }
    out
}

/// How the quotation at item `qpos` is attributed in its own sentence.
fn in_sentence(
    text: &str,
    sentence_start: usize,
    a: &Analysis,
    qpos: usize,
) -> Option<(Attribution, Placement)> {
    let items = &a.items;
    // Right after: “…,” he said / “…,” said Erdogan.
    if let Some(c) = a
        .clauses
        .iter()
        .find(|c| c.first_item > qpos && only_joining_punct(&items[qpos + 1..c.first_item]))
    {
        if !items[qpos + 1..c.first_item].iter().any(|i| i.is(':')) {
            return Some((c.attribution.clone(), Placement::After));
        }
    }
    // Right before: he said, “…” / adding that “…” / X said: “…”
    if let Some(c) = a.clauses.iter().rev().find(|c| {
        c.end_item <= qpos
            && (only_joining_punct(&items[c.end_item..qpos])
                || (c.has_that && c.content_start == qpos))
    }) {
        return Some((c.attribution.clone(), Placement::Before));
    }
    // Inside attributed content: a partial quotation.
    let inside = a.clauses.iter().find(|c| {
        let in_aside = c.aside.as_ref().is_some_and(|r| r.contains(&qpos));
        let between = qpos > c.first_item && qpos < c.end_item;
        let before_clause = qpos < c.first_item && preceded_by_comma(items, c.first_item);
        let after_content = qpos >= c.content_start
            && (c.has_that || c.class == CueClass::Bare || c.class == CueClass::According);
        !in_aside && !between && (before_clause || after_content)
    });
    if let Some(c) = inside {
        return Some((c.attribution.clone(), Placement::Within));
    }
    // A colon lead-in without a cue verb: "Erdogan was blunt: “…”"
    let colon = items[..qpos].iter().rposition(|i| i.is(':'))?;
    if !only_joining_punct(&items[colon + 1..qpos]) {
        return None;
    }
    let at = lead_in(text, items, colon, sentence_start)?;
    Some((at, Placement::LeadIn))
}

/// What a sentence ending with a colon gives a quotation opening the next.
fn lead_in_of(text: &str, sentence: &Range<usize>, a: &Analysis) -> Option<Attribution> {
    if !text[sentence.clone()].trim_end().ends_with(':') {
        return None;
    }
    let last = a.items.len().checked_sub(1)?;
    if let Some(c) = a
        .clauses
        .iter()
        .rev()
        .find(|c| only_joining_punct(&a.items[c.end_item..]))
    {
        return Some(c.attribution.clone());
    }
    lead_in(text, &a.items, last, sentence.start)
}

fn preceded_by_comma(items: &[Item], at: usize) -> bool {
    at > 0 && items[at - 1].is(',')
}

/// "Erdogan was blunt:" — the subject of the clause that ends at the colon.
fn lead_in(text: &str, items: &[Item], colon: usize, sentence_start: usize) -> Option<Attribution> {
    let clause_start = (0..colon)
        .rev()
        .find(|&k| !items[k].is_word())
        .map_or(0, |k| k + 1);
    let end = leading_subject(text, items, clause_start, colon)?;
    let speaker = speaker_of(text, items, clause_start, end, sentence_start)?;
    if !matches!(speaker.kind, SpeakerKind::Name | SpeakerKind::Pronoun) || end >= colon {
        return None;
    }
    Some(Attribution {
        speaker,
        cue: items[end].range.start..items[colon - 1].range.end,
        order: Order::LeadIn,
    })
}

/// What a sentence such as "That was how X put it." gives the quotation
/// ending the sentence before: its first attribution, if the sentence is
/// short, holds no quotation and opens as such sentences do.
fn put_it(a: &Analysis) -> Option<Attribution> {
    if a.items.iter().any(|i| i.is_quote()) || a.items.len() > 16 {
        return None;
    }
    let l = lists();
    let opens = l.next_sentence.iter().any(|opener| {
        opener
            .iter()
            .enumerate()
            .all(|(k, w)| a.items.get(k).is_some_and(|i| i.lower == *w))
    });
    if !opens {
        return None;
    }
    Some(a.clauses.first()?.attribution.clone())
}

// ---------------------------------------------------------------------------
// Reported speech

fn trim_content(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let s = text.get(range.clone())?;
    let lead = s.len()
        - s.trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ',' | ';' | ':' | '—' | '–')
        })
        .len();
    let rest = &s[lead..];
    let kept = rest.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, ',' | ';' | ':' | '.' | '—' | '–')
    });
    (!kept.is_empty()).then(|| range.start + lead..range.start + lead + kept.len())
}

/// Reported speech in one sentence: each attribution with the content it
/// reports. Content that is wholly a quotation is left to the quotation.
pub fn find_reported_speech(
    text: &str,
    sentence: Range<usize>,
    quotations: &[Quotation],
) -> Vec<ReportedSpeech> {
    let mut lowered = String::new();
    let a = analyse(text, sentence.clone(), quotations, &mut lowered);
    let items = &a.items;
    let mut out = Vec::new();
    for (ci, c) in a.clauses.iter().enumerate() {
        if c.class == CueClass::Quote || c.class == CueClass::Put {
            continue;
        }
        // Content runs to the next clause (and the comma before it) or the sentence end.
        let next_start = a.clauses.get(ci + 1).map_or(items.len(), |n| {
            let mut s = n.first_item;
            if s > 0 && items[s - 1].is(',') {
                s -= 1;
            }
            s
        });
        let content_ok = match c.class {
            CueClass::That => c.has_that,
            CueClass::Participle => c.has_that,
            _ => true,
        };
        let after = if content_ok {
            span_opt(items, c.content_start, next_start).and_then(|r| trim_content(text, r))
        } else {
            None
        };
        let after_words = after.as_ref().map_or(0, |r| count_words(items, r));
        let order = c.attribution.order;
        // "X said the deal …" / "X said: …", but not "X said, …" (parenthetical).
        let direct = items
            .get(c.content_start)
            .is_some_and(|i| i.is_word() || i.is_quote() || i.is(':'));
        // "said Erdogan, …" reports what came before it, not after.
        let leads = (order != Order::AccordingTo || c.first_item == 0) && order != Order::CueFirst;
        let mut content = Vec::new();
        if (direct || order == Order::AccordingTo) && leads && after_words >= 2 {
            content.extend(after);
        } else if c.first_item > 0
            && items[c.first_item - 1].is(',')
            && items[c.end_item..]
                .first()
                .is_none_or(|i| i.is(',') || i.is(';') || i.is('.') || i.is('!') || i.is('?'))
        {
            // "…, X said." / "…, arms experts say, …" / "…, according to X."
            let prev_end = a.clauses[..ci]
                .last()
                .map_or(0, |p| p.end_item.max(p.content_start));
            if let Some(before) =
                span_opt(items, prev_end, c.first_item - 1).and_then(|r| trim_content(text, r))
            {
                content.push(before);
                let rest_is_participle = a.clauses.get(ci + 1).is_some_and(|n| {
                    n.attribution.order == Order::Participle && n.first_item == c.end_item + 1
                });
                // "…, said Has, a lecturer at …": the rest describes the speaker.
                let rest_describes = c.end_item + 1 < next_start
                    && items[c.end_item].is(',')
                    && is_appositive(text, items, c.end_item + 1, next_start)
                    && !items[c.end_item + 1].is_quote();
                if !rest_is_participle && !rest_describes && order != Order::AccordingTo {
                    if let Some(after) =
                        span_opt(items, c.end_item, next_start).and_then(|r| trim_content(text, r))
                    {
                        if count_words(items, &after) >= 2 {
                            content.push(after);
                        }
                    }
                }
            }
        }
        if content.is_empty() {
            continue;
        }
        // Wholly a quotation: the quotation is the claim.
        let all_quoted = content.iter().all(|r| {
            items
                .iter()
                .filter(|i| i.range.start >= r.start && i.range.end <= r.end)
                .all(|i| i.is_quote() || i.is_punct())
        });
        if all_quoted {
            continue;
        }
        out.push(ReportedSpeech {
            attribution: c.attribution.clone(),
            content,
        });
    }
    out
}

fn span_opt(items: &[Item], from: usize, to: usize) -> Option<Range<usize>> {
    if from >= to || to > items.len() {
        return None;
    }
    Some(items[from].range.start..items[to - 1].range.end)
}

fn count_words(items: &[Item], r: &Range<usize>) -> usize {
    items
        .iter()
        .filter(|i| {
            i.range.start >= r.start && i.range.end <= r.end && (i.is_word() || i.is_quote())
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::quotes::find_quotations;
    use crate::text::sentences::split_sentences;

    type Row = (String, Option<(String, String, SpeakerKind, Placement)>);

    fn paragraphs(text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for part in text.split("\n\n") {
            out.push(start..start + part.len());
            start += part.len() + 2;
        }
        out
    }

    fn quotes(text: &str) -> Vec<Row> {
        let blocks = paragraphs(text);
        let sentences: Vec<Range<usize>> = blocks
            .iter()
            .flat_map(|b| split_sentences(text, b.clone()))
            .collect();
        let qs = find_quotations(text, &blocks);
        let atts = attribute_quotations(text, &sentences, &qs);
        qs.iter()
            .zip(atts)
            .filter(|(q, _)| q.depth == 0)
            .map(|(q, a)| {
                (
                    text[q.inner.clone()].to_string(),
                    a.map(|a| {
                        (
                            text[a.attribution.speaker.range.clone()].to_string(),
                            text[a.attribution.cue.clone()].to_string(),
                            a.attribution.speaker.kind,
                            a.placement,
                        )
                    }),
                )
            })
            .collect()
    }

    fn row(inner: &str, speaker: &str, cue: &str, kind: SpeakerKind, placement: Placement) -> Row {
        (
            inner.into(),
            Some((speaker.into(), cue.into(), kind, placement)),
        )
    }

    fn reported(text: &str) -> Vec<(String, String, Vec<String>)> {
        let qs = find_quotations(text, std::slice::from_ref(&(0..text.len())));
        split_sentences(text, 0..text.len())
            .into_iter()
            .flat_map(|s| find_reported_speech(text, s, &qs))
            .map(|r| {
                (
                    text[r.attribution.speaker.range.clone()].to_string(),
                    text[r.attribution.cue.clone()].to_string(),
                    r.content
                        .iter()
                        .map(|c| text[c.clone()].to_string())
                        .collect(),
                )
            })
            .collect()
    }

    use Placement::*;
    use SpeakerKind::*;

    #[test]
    fn speaker_after_quotation() {
        assert_eq!(
            quotes("“We buy our own weapons,” Erdogan said, asserting his right."),
            vec![row(
                "We buy our own weapons,",
                "Erdogan",
                "said",
                Name,
                After
            )]
        );
    }

    #[test]
    fn exact_ranges_of_speaker_and_cue() {
        let text = "“We buy,” Erdogan said in emailed comments.";
        let qs = find_quotations(text, &paragraphs(text));
        let a = attribute_quotations(text, &split_sentences(text, 0..text.len()), &qs)[0]
            .clone()
            .unwrap();
        assert_eq!(a.attribution.speaker.range, 14..21);
        assert_eq!(a.attribution.cue, 22..46);
        assert_eq!(a.attribution.order, Order::SpeakerFirst);
    }

    #[test]
    fn verb_first_attribution() {
        assert_eq!(
            quotes("“We buy our own weapons,” said Erdogan."),
            vec![row(
                "We buy our own weapons,",
                "Erdogan",
                "said",
                Name,
                After
            )]
        );
        assert_eq!(
            quotes("“It is over,” said a spokesman for the ministry."),
            vec![row(
                "It is over,",
                "a spokesman for the ministry",
                "said",
                Description,
                After
            )]
        );
    }

    #[test]
    fn titles_stay_in_the_speaker_phrase_but_not_the_name() {
        let text = "“It is not good,” President Recep Tayyip Erdogan told reporters.";
        let qs = find_quotations(text, std::slice::from_ref(&(0..text.len())));
        let a = attribute_quotations(text, &split_sentences(text, 0..text.len()), &qs)[0]
            .clone()
            .unwrap();
        assert_eq!(
            &text[a.attribution.speaker.range.clone()],
            "President Recep Tayyip Erdogan"
        );
        assert_eq!(
            &text[a.attribution.speaker.name.clone()],
            "Recep Tayyip Erdogan"
        );
        assert_eq!(&text[a.attribution.cue.clone()], "told reporters");
    }

    #[test]
    fn pronoun_speakers_and_cue_phrases() {
        assert_eq!(
            quotes("“In my opinion, Erdogan did not get what he expected,” he wrote on Twitter."),
            vec![row(
                "In my opinion, Erdogan did not get what he expected,",
                "he",
                "wrote on Twitter",
                Pronoun,
                After
            )]
        );
        assert_eq!(
            quotes("“The point is not good,” he told the Turkish news media in a briefing."),
            vec![row(
                "The point is not good,",
                "he",
                "told the Turkish news media in a briefing",
                Pronoun,
                After
            )]
        );
    }

    #[test]
    fn split_quotation_inherits_its_attribution() {
        assert_eq!(
            quotes(
                "“I think it was worth it,” he said. “We can strengthen our defense as we please.”"
            ),
            vec![
                row("I think it was worth it,", "he", "said", Pronoun, After),
                row(
                    "We can strengthen our defense as we please.",
                    "he",
                    "said",
                    Pronoun,
                    Continued
                ),
            ]
        );
        assert_eq!(
            quotes("“We buy,” said Erdogan, “our own weapons.”"),
            vec![
                row("We buy,", "Erdogan", "said", Name, After),
                row("our own weapons.", "Erdogan", "said", Name, Before),
            ]
        );
    }

    #[test]
    fn multi_paragraph_quotation_inherits_from_its_first_paragraph() {
        assert_eq!(
            quotes(
                "Erdemir said: “The president will play a spoiler role.\n\n“He will do it again.”"
            ),
            vec![
                row(
                    "The president will play a spoiler role.",
                    "Erdemir",
                    "said",
                    Name,
                    Before
                ),
                row("He will do it again.", "Erdemir", "said", Name, Continued),
            ]
        );
    }

    #[test]
    fn colon_lead_in_without_a_verb() {
        assert_eq!(
            quotes("Erdogan was blunt: “We buy our own weapons.”"),
            vec![row(
                "We buy our own weapons.",
                "Erdogan",
                "was blunt",
                Name,
                LeadIn
            )]
        );
    }

    #[test]
    fn colon_lead_in_in_the_previous_block() {
        assert_eq!(
            quotes(
                "Putin put the case this way:\n\n“Turkey feels absolutely confident and stable.”"
            ),
            vec![row(
                "Turkey feels absolutely confident and stable.",
                "Putin",
                "put the case this way",
                Name,
                LeadIn
            )]
        );
    }

    #[test]
    fn next_sentence_attribution() {
        assert_eq!(
            quotes("“There is no path back in this sphere.” That was how Erdogan put it."),
            vec![row(
                "There is no path back in this sphere.",
                "Erdogan",
                "put it",
                Name,
                NextSentence
            )]
        );
        assert_eq!(
            quotes("“There is no path back.” So said Erdogan on Wednesday."),
            vec![row(
                "There is no path back.",
                "Erdogan",
                "said",
                Name,
                NextSentence
            )]
        );
    }

    #[test]
    fn participle_inherits_the_clause_speaker() {
        assert_eq!(
            quotes("The cooperation has gone far enough, he said with Putin by his side, adding that “there is no path back in this sphere.”"),
            vec![row("there is no path back in this sphere.", "he", "adding", Pronoun, Before)]
        );
    }

    #[test]
    fn partial_quotations_inside_reported_speech() {
        assert_eq!(
            quotes("But Erdogan was travelling to Sochi with his “weakest hand” yet, Kerim Has, a lecturer in Turkish-Russian relations at Moscow University, wrote in a personal blog."),
            vec![row("weakest hand", "Kerim Has", "wrote in a personal blog", Name, Within)]
        );
        assert_eq!(
            quotes("Had the Americans sold Turkey a Patriot missile defense system, Erdogan said, he “would not have had to buy S-400s.”"),
            vec![row("would not have had to buy S-400s.", "Erdogan", "said", Name, Within)]
        );
        assert_eq!(
            quotes("Putin only briefly mentioned “cooperation” in the three conflicts."),
            vec![row("cooperation", "Putin", "mentioned", Name, Before)]
        );
    }

    #[test]
    fn described_and_group_speakers() {
        assert_eq!(
            quotes(
                "“The talks failed,” Turkish officials, speaking on condition of anonymity, said."
            ),
            vec![row(
                "The talks failed,",
                "Turkish officials",
                "said",
                Group,
                After
            )]
        );
        assert_eq!(
            quotes("“The talks failed,” the Turkish leader said."),
            vec![row(
                "The talks failed,",
                "the Turkish leader",
                "said",
                Description,
                After
            )]
        );
        assert_eq!(
            quotes("“The talks failed,” Putin and Erdogan said."),
            vec![row(
                "The talks failed,",
                "Putin and Erdogan",
                "said",
                Group,
                After
            )]
        );
    }

    #[test]
    fn unattributed_quotations() {
        assert_eq!(
            quotes(
                "The so-called “reset” was over. “Nobody believes that any more.” The talks ended."
            ),
            vec![
                ("reset".into(), None),
                ("Nobody believes that any more.".into(), None)
            ]
        );
    }

    #[test]
    fn scare_quote_in_an_appositive_is_not_the_speakers() {
        assert_eq!(
            quotes("Erdogan, a “sultan” to his critics, said the deal was done."),
            vec![("sultan".into(), None)]
        );
    }

    #[test]
    fn words_inside_a_quotation_are_not_cues() {
        assert_eq!(
            quotes("“He said we must go, Erdogan said,” nobody noticed."),
            vec![("He said we must go, Erdogan said,".into(), None)]
        );
    }

    #[test]
    fn denial_is_not_attribution() {
        assert_eq!(
            quotes("Erdogan did not say “we buy our own weapons” on Monday."),
            vec![("we buy our own weapons".into(), None)]
        );
    }

    #[test]
    fn sentence_initial_auxiliary_is_not_a_speaker() {
        let text = "Has the minister said anything?";
        let found = find_attributions(text, 0..text.len(), &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].speaker.range.clone()], "the minister");
        assert_eq!(found[0].speaker.kind, Description);
    }

    #[test]
    fn has_as_a_surname() {
        let text = "Erdogan needs a deal, Has wrote.";
        let found = find_attributions(text, 0..text.len(), &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].speaker.range.clone()], "Has");
        assert_eq!(found[0].speaker.kind, Name);
    }

    #[test]
    fn reported_speech_forms() {
        assert_eq!(
            reported(
                "Erdogan also said the US-Turkish relationship remained fundamentally important."
            ),
            vec![(
                "Erdogan".into(),
                "said".into(),
                vec!["the US-Turkish relationship remained fundamentally important".into()]
            )]
        );
        assert_eq!(
            reported("Ahead of the meeting, Erdogan stressed that peace in Syria was of the greatest importance, emphasizing that he wanted a deal."),
            vec![
                ("Erdogan".into(), "stressed".into(), vec!["peace in Syria was of the greatest importance".into()]),
                ("Erdogan".into(), "emphasizing".into(), vec!["he wanted a deal".into()]),
            ]
        );
        assert_eq!(
            reported("In an interview, Erdogan rejected suggestions that he had undermined NATO."),
            vec![(
                "Erdogan".into(),
                "rejected suggestions".into(),
                vec!["he had undermined NATO".into()]
            )]
        );
        assert_eq!(
            reported("Not only is he desperate, but he also needs a deal, Has wrote."),
            vec![(
                "Has".into(),
                "wrote".into(),
                vec!["Not only is he desperate, but he also needs a deal".into()]
            )]
        );
        assert_eq!(
            reported("At the meeting, Putin praised both energy deals and said the alignment was insulating Turkey."),
            vec![("Putin".into(), "said".into(), vec!["the alignment was insulating Turkey".into()])]
        );
    }

    #[test]
    fn parenthetical_attribution_has_two_parts() {
        assert_eq!(
            reported(
                "Those S-400 missiles, arms experts say, are designed to shoot down NATO aircraft."
            ),
            vec![(
                "arms experts".into(),
                "say".into(),
                vec![
                    "Those S-400 missiles".into(),
                    "are designed to shoot down NATO aircraft".into()
                ]
            )]
        );
    }

    #[test]
    fn according_to() {
        assert_eq!(
            reported("According to arms experts, the missiles can shoot down NATO aircraft."),
            vec![(
                "arms experts".into(),
                "According to".into(),
                vec!["the missiles can shoot down NATO aircraft".into()]
            )]
        );
        assert_eq!(
            reported("The missiles can shoot down NATO aircraft, according to Aykan Erdemir."),
            vec![(
                "Aykan Erdemir".into(),
                "according to".into(),
                vec!["The missiles can shoot down NATO aircraft".into()]
            )]
        );
    }

    #[test]
    fn that_verbs_need_that() {
        assert!(reported("While Erdogan has been seeking a deal, he acknowledged recently a coolness from Biden.").is_empty());
        assert!(reported("He noted the date in his diary.").is_empty());
    }

    #[test]
    fn direct_quotation_is_not_reported_speech() {
        assert!(reported("“We buy our own weapons,” Erdogan said.").is_empty());
        assert!(reported("Erdogan said: “We buy our own weapons.”").is_empty());
    }

    #[test]
    fn no_cue_no_claim() {
        assert!(reported(
            "Turkey is already host to 4 million refugees, the majority of them Syrians."
        )
        .is_empty());
        assert!(
            reported("Much of Erdogan’s diplomacy is interpreted as a bargaining position.")
                .is_empty()
        );
    }

    #[test]
    fn name_after_a_described_role() {
        assert_eq!(
            quotes("A spokeswoman for the regional transport ministry, Irina Volkova, said traffic had “fully recovered” by May."),
            vec![row("fully recovered", "Irina Volkova", "said", Name, Within)]
        );
    }

    #[test]
    fn several_appositives_before_the_cue() {
        let text = "Leyla Mammadova, a former minister who now directs the Caspian Energy Institute, a research group in Baku, said the deal was done.";
        let found = find_attributions(text, 0..text.len(), &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].speaker.range.clone()], "Leyla Mammadova");
    }

    #[test]
    fn verb_first_with_affiliation() {
        assert_eq!(
            quotes("“The Russians want something they cannot get,” said Dr. Elif Kaya of the Istanbul Policy Center."),
            vec![row("The Russians want something they cannot get,", "Dr. Elif Kaya", "said", Name, After)]
        );
        assert!(reported(
            "“The Russians want more,” said Dr. Elif Kaya of the Istanbul Policy Center."
        )
        .is_empty());
    }

    #[test]
    fn that_verbs_attribute_only_what_they_introduce() {
        assert!(
            find_attributions("Russia and Ukraine had agreed to attend.", 0..40, &[]).is_empty()
        );
        let text = "“Never again,” she warned in a statement.";
        assert_eq!(
            quotes(text),
            vec![row(
                "Never again,",
                "she",
                "warned in a statement",
                Pronoun,
                After
            )]
        );
    }

    #[test]
    fn things_that_cannot_speak_are_not_sources() {
        assert!(reported(
            "The schedule at the pier tells a different story: three sailings a day."
        )
        .is_empty());
        assert_eq!(
            reported("The ministry said the ferry would run."),
            vec![(
                "The ministry".into(),
                "said".into(),
                vec!["the ferry would run".into()]
            )]
        );
    }

    #[test]
    fn according_to_with_an_appositive() {
        assert_eq!(
            reported("Moscow wants sanctions lifted first, according to Pavel Grekov, a Kremlin spokesman."),
            vec![("Pavel Grekov".into(), "according to".into(), vec!["Moscow wants sanctions lifted first".into()])]
        );
    }

    #[test]
    fn opening_paragraphs_of_a_running_quotation_take_the_later_attribution() {
        assert_eq!(
            quotes("“When they built the bridge, everyone said the ferry was finished.\n\n“The ferry is ours,” he said, laughing."),
            vec![
                row("When they built the bridge, everyone said the ferry was finished.", "he", "said", Pronoun, Continued),
                row("The ferry is ours,", "he", "said", Pronoun, After),
            ]
        );
    }

    #[test]
    fn cue_detection_helpers() {
        assert!(is_cue_word("said,"));
        assert!(is_cue_word("Told"));
        assert!(!is_cue_word("adding"));
        assert!(!is_cue_word("weapons"));
        assert!(mentions_cue(" he said in emailed comments. "));
        assert!(!mentions_cue(" and then the talks ended. "));
    }

    #[test]
    fn capitalised_and_non_ascii_words_are_cues_and_speakers() {
        let text = "“Biz hazırız,” SAID İlham Əliyev. ΣΑΣ Said: no.";
        let found = find_attributions(text, 0..text.find(" ΣΑΣ").unwrap(), &[]);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].cue.clone()], "SAID");
        assert_eq!(&text[found[0].speaker.range.clone()], "İlham Əliyev");
        assert_eq!(found[0].order, Order::CueFirst);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Each word's lower case, borrowed from the text or from the
        /// sentence's buffer, is `str::to_lowercase` of the word as written.
        #[test]
        fn item_lower_case_is_str_to_lowercase(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "said", "Said", "SAID", "İstanbul", "ışık", "Işık", "ĞŞ", "ΣΑΣ", "ὈΔΥΣΣΕΎΣ",
                    "ǅemal", "Straße", "K\u{212A}", "😀", "Erdoğan’s", "U.S.", "Mr.", " ",
                    ", ", "“", "” ", "—", "x", "A",
                ]),
                0..30,
            )
        ) {
            let text = parts.concat();
            let mut lowered = String::new();
            for item in items(&text, 0..text.len(), &[], &mut lowered) {
                let want = if item.is_word() {
                    text[item.range.clone()].to_lowercase()
                } else {
                    String::new()
                };
                proptest::prop_assert_eq!(item.lower, want.as_str());
            }
        }
    }

    /// Every cue's first word finds its cues, longest first; a word of
    /// another shape, or of a cue word's shape but not one, finds none.
    #[test]
    fn cue_table_finds_each_first_word_and_no_other() {
        let table = &lists().cues;
        let data = include_str!("../../data/cues/attribution-cues.txt");
        let mut firsts = 0;
        for (section, line) in sections(data) {
            if section == "next-sentence" {
                continue;
            }
            let first = line.split_whitespace().next().unwrap();
            let cues = table.get(first).unwrap_or_else(|| panic!("{first}"));
            assert!(cues.iter().any(|(words, _)| words.join(" ") == line));
            assert!(cues.windows(2).all(|w| w[0].0.len() >= w[1].0.len()));
            firsts += 1;
        }
        assert!(firsts > 100);
        for word in ["sad", "sajd", "said.", "Said", "told’", "", "weapons", "😀"] {
            assert!(table.get(word).is_none(), "{word}");
        }
    }

    /// A word set's shape bits never turn away a word it holds, and answer
    /// as the set does for words it does not hold.
    #[test]
    fn word_sets_answer_as_their_hash_sets() {
        let l = lists();
        let sets = [
            &l.pronouns,
            &l.determiners,
            &l.stops,
            &l.connectors,
            &l.adverbs,
            &l.group_nouns,
            &l.single_nouns,
            &l.speaking_nouns,
            &l.titles,
        ];
        let data = [
            include_str!("../../data/text/function-words.txt"),
            include_str!("../../data/cues/source-nouns.txt"),
            include_str!("../../data/builder/kind-evidence.txt"),
            include_str!("../../data/titles.txt"),
            include_str!("../../data/cues/attribution-cues.txt"),
            include_str!("../../examples/sochi-putin-erdogan.txt"),
        ];
        let mut asked = 0;
        for words in data
            .iter()
            .flat_map(|d| d.split(|c: char| !c.is_alphanumeric() && c != '.' && c != '’'))
        {
            for word in [
                words.to_string(),
                words.to_lowercase(),
                format!("{}s", words.to_lowercase()),
            ] {
                for set in sets {
                    assert_eq!(set.contains(&word), set.holds(&word), "{word}");
                }
                asked += 1;
            }
        }
        assert!(asked > 1000);
        for set in sets {
            assert!(set.words.iter().all(|w| set.contains(w)));
        }
    }

    /// Only the Kelvin sign, outside ASCII, lower-cases to ASCII: the
    /// reason [`may_hold_cue`] looks for it.
    #[test]
    fn kelvin_is_the_only_non_ascii_letter_lowering_to_ascii() {
        let lowering_to_ascii: Vec<char> = (0x80..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|c| c.to_lowercase().all(|l| l.is_ascii()))
            .collect();
        assert_eq!(lowering_to_ascii, vec!['\u{212A}']);
        assert!(lists().cue_words.is_some());
    }

    /// A run's shape, read from its ends with the bit that makes a capital
    /// small, is the shape of the run as a word, for every first and last
    /// ASCII letter or digit and every length up to 40.
    #[test]
    fn run_shapes_are_the_shapes_of_the_runs() {
        let alnum: Vec<u8> = (0u8..128).filter(u8::is_ascii_alphanumeric).collect();
        for len in 1..=40 {
            for &first in &alnum {
                for &last in &alnum {
                    let mut run = vec![b'q'; len];
                    run[0] = first;
                    run[len - 1] = last;
                    let bytes = [b" ".as_slice(), &run, b"."].concat();
                    assert_eq!(
                        ByShape::<bool>::run_shape(&bytes, 1, len + 1),
                        ByShape::<bool>::shape(&run),
                        "{run:?}"
                    );
                }
            }
        }
    }

    /// The list of items a sentence was read into is the next one's: one
    /// allocation per thread, not one per sentence.
    #[test]
    fn item_lists_keep_their_room() {
        let text = "Erdogan said the talks went well, a spokesman added.";
        let mut lowered = String::new();
        let first = items(text, 0..text.len(), &[], &mut lowered);
        let (at, room) = (first.as_ptr() as usize, first.capacity());
        give_back(first);
        let mut lowered = String::new();
        let again = items(text, 0..10, &[], &mut lowered);
        assert_eq!((again.as_ptr() as usize, again.capacity()), (at, room));
    }

    #[test]
    fn sentences_without_a_cue_word_are_told_without_reading_them() {
        let text = "The unsaid ferry, addressed to x. ";
        assert!(!may_hold_cue(text, &(0..text.len())));
        for cue in [
            "said",
            "SAID",
            "Said",
            "according to",
            "as\u{212A}ed",
            "in the words of",
        ] {
            let text = format!("The ferry {cue} x.");
            assert!(may_hold_cue(&text, &(0..text.len())), "{text}");
        }
        let text = "“The ferry,” he Said.";
        assert!(may_hold_cue(text, &(0..text.len())));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1024))]

        /// The byte table's scan answers as the character tests do, on
        /// cue words in any case, glued to letters, digits, marks or
        /// multi-byte characters (those starting with E2 among them).
        #[test]
        fn cue_scan_agrees_with_the_plain_scan(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "said", "SAID", "sAid", "told", "according", "to", "put", "as", "asked",
                    "as\u{212A}ed", "\u{212A}", "k", "x", "7", "_", "-", "’", "“", "”", "—",
                    "…", "\u{2028}", "é", "İ", "ß", "😀", " ", "\n", ".", ",", "\u{E2}",
                    "unsaid", "said2", "wrote", "w", "rote", "quoted", "saying",
                    "acknowledged", "ACKNOWLEDGED", "acknowledge", "according", "0123456",
                ]),
                0..32,
            ),
            from in 0usize..8,
        ) {
            let text = parts.concat();
            let from = (0..=from.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let sentence = from..text.len();
            proptest::prop_assert_eq!(
                may_hold_cue(&text, &sentence),
                may_hold_cue_plain(&text, &sentence),
                "{:?}", &text[sentence.clone()]
            );
        }
    }

    /// Every cue run of `bytes`, read a byte at a time: what
    /// [`holds_cue_run`] must find, in order.
    fn cue_runs_plain(bytes: &[u8], words: &ByShape<bool>) -> Vec<CueRun> {
        let mut out = Vec::new();
        let mut last = None;
        let mut and_before = false;
        let mut at = 0;
        while at < bytes.len() {
            if !bytes[at].is_ascii_alphanumeric() {
                at += 1;
                continue;
            }
            let start = at;
            while bytes.get(at).is_some_and(u8::is_ascii_alphanumeric) {
                at += 1;
            }
            let run = &bytes[start..at];
            if let Some(word) = std::str::from_utf8(run)
                .ok()
                .and_then(|w| words.get(&w.to_ascii_lowercase()))
            {
                out.push(CueRun {
                    run: start..at,
                    before: last.clone(),
                    according: *word,
                    and_before,
                });
            }
            and_before |= run.eq_ignore_ascii_case(b"and");
            last = Some(start..at);
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// The scan eight bytes at a time finds the cue runs a reading byte
        /// by byte finds, each with the run before it and whether "and"
        /// came earlier, whatever the runs' lengths and places in the
        /// chunks; and it stops at the first one `counts` takes.
        #[test]
        fn cue_runs_are_the_runs_a_plain_reading_finds(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "said", "SAID", "sAid", "told", "according", "to", "and", "AnD", "an",
                    "andd", "x", "7", "_", "-", "’", "“", "é", " ", "  ", "\n", ".", ",",
                    "unsaid", "said2", "wrote", "asked", "acknowledged", "according",
                    "0123456", "abcdefghijklmnop", "Erdogan", "added",
                ]),
                0..40,
            ),
            from in 0usize..8,
            take in 0usize..4,
        ) {
            let text = parts.concat();
            let from = (0..=from.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let bytes = &text.as_bytes()[from..];
            let Some(words) = &lists().cue_words else {
                return Err(proptest::test_runner::TestCaseError::fail("no cue words"));
            };
            let plain = cue_runs_plain(bytes, words);
            let mut found = Vec::new();
            let held = holds_cue_run(bytes, words, |hit| {
                found.push(hit);
                found.len() > take
            });
            proptest::prop_assert_eq!(held, plain.len() > take, "{:?}", &text[from..]);
            proptest::prop_assert_eq!(&found[..], &plain[..found.len()], "{:?}", &text[from..]);
            proptest::prop_assert_eq!(found.len(), plain.len().min(take + 1));
        }
    }

    /// Every sentence of up to five words and marks from a few that matter
    /// to [`idle_cue_word`] ("Putin and Erdogan aides said" has a speaker
    /// though "aides" is a plain word) reads the same with the sharper
    /// check as without it.
    #[test]
    fn the_words_before_a_cue_are_read_as_the_clauses_read_them() {
        let vocabulary = [
            "Putin",
            "and",
            "plane",
            "said",
            "he",
            "also",
            ",",
            "according to",
            "experts",
            "so",
        ];
        let mut sentences = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|s| vocabulary.iter().map(move |w| format!("{s} {w}")))
                .collect();
            sentences.extend(last.iter().cloned());
        }
        for sentence in sentences {
            let text = format!("{}.", sentence.trim_start());
            let whole = 0..text.len();
            assert_eq!(
                read_sentence(&text, whole.clone(), &[]),
                read_sentence_in_full(&text, whole, &[]),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// Reading only the sentences that may hold a cue, a quotation or a
        /// closing colon gives what reading every sentence in full gives.
        #[test]
        fn skipping_sentences_without_cues_changes_nothing(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "said", "Said", "SAID", "according to", "told", "as\u{212A}ed", "added",
                    "adding", "put it", "That was how", "Erdogan", "Kerim Has", "he", "the",
                    "officials", "unsaid", "address", "Mr.", "U.S.", "x-said", "said-x",
                    "Erdoğan’s", "İstanbul", "ışık", ",", ".", ":", ";", "—", "“", "”",
                    "\"", "‘", "’", "(", ")", "\n\n", "😀", "that", "wrote on Twitter", "the words of", "words", "in", "quoted as saying",
                    "plane", "troops", "will", "also", "experts", "spokeswoman", "has", "have",
                    "was", "is", "and", "And", "AND", "so", "thus", "we", "them", "ministry",
                    "rejected claims", "asked", "adding that", "not", "never", "x-y", "plane\u{A0}",
                    "\t", "\n", "land", "sand and", "7", "said7", "Asked", "stressed",
                ]),
                0..30,
            )
        ) {
            let text = parts.join(" ");
            let quotations = find_quotations(&text, &paragraphs(&text));
            for sentence in split_sentences(&text, 0..text.len()) {
                proptest::prop_assert_eq!(
                    read_sentence(&text, sentence.clone(), &quotations),
                    read_sentence_in_full(&text, sentence.clone(), &quotations),
                    "{}", &text[sentence.clone()]
                );
                let mut lowered = String::new();
                let full: Vec<Attribution> = analyse(&text, sentence.clone(), &quotations, &mut lowered)
                    .clauses
                    .into_iter()
                    .map(|c| c.attribution)
                    .collect();
                proptest::prop_assert_eq!(
                    find_attributions(&text, sentence.clone(), &quotations),
                    full
                );
            }
        }
    }
}
