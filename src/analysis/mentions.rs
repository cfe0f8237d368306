//! Every mention of every lexicon entity in a document.
//!
//! One leftmost-longest pass over the folded prose, from word starts, with
//! one probe of the lexicon's name table per word; word boundaries,
//! plurals and names that are also ordinary words are judged here, against
//! the original text.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use super::index::{EntityId, Form, LexiconIndex, PatternTarget};
use super::name_table::word_at;
use crate::text::fold::{fold_with_map_into, push_folded, Folded};

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

/// A name found in the text, before the document decides which entity it
/// stands for and whether an ordinary word is a name there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameMatch {
    /// Byte range in the document of the name as written.
    pub range: Range<usize>,
    pub pattern: usize,
    /// Whether the text differs from the pattern's first target's spelling
    /// by more than letter case (worked out once, with the scan).
    pub folded_only_first: bool,
    /// The pattern's facts the resolution needs for every mention, copied
    /// here so that it does not visit the lexicon's pattern table.
    pub first_entity: EntityId,
    pub first_form: Form,
    /// Where the pattern stands for several entities: each of them, in
    /// the lexicon's order, copied here with the scan so that resolving the
    /// name on every version does not visit the lexicon's tables (cache
    /// misses that grow with the lexicon).
    pub shared: Option<Arc<[SharedTarget]>>,
    pub ordinary_word: bool,
}

/// One of the entities a name shared by several stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedTarget {
    pub entity: EntityId,
    pub form: Form,
    /// Whether the text differs from this target's spelling by more than
    /// letter case.
    pub folded_only: bool,
}

/// `prose` is the masked document (see `text::prose`): offsets are the
/// document's.
pub fn find_mentions(prose: &str, index: &LexiconIndex) -> Vec<Mention> {
    let matches = scan_names(prose, 0..prose.len(), index);
    resolve_mentions(prose, &matches, index)
}

/// The names in `prose[range]`, in order. What a name means depends on the
/// rest of the document (see [`resolve_mentions`]); where it is does not, so
/// each paragraph is scanned on its own and the scan kept while the
/// paragraph is unchanged.
pub fn scan_names(prose: &str, range: Range<usize>, index: &LexiconIndex) -> Vec<NameMatch> {
    if !index.has_names() {
        return Vec::new();
    }
    let Some(slice) = prose.get(range.clone()) else {
        return Vec::new();
    };
    // Room for a name every 48 bytes, about what news prose holds, so that
    // most paragraphs' lists are allocated once.
    let mut found = Vec::with_capacity(slice.len() / 48 + 1);
    FOLDED.with_borrow_mut(|folded| {
        fold_with_map_into(slice, folded);
        scan_folded(slice, folded, range.start, index, &mut found);
        if folded.text.capacity() > 1 << 16 {
            // A huge paragraph's buffer is not kept for the thread's life.
            *folded = Folded::default();
        }
    });
    found
}

thread_local! {
    /// The paragraph being scanned, folded: one buffer per thread rather
    /// than an allocation per paragraph.
    static FOLDED: RefCell<Folded> = RefCell::default();
}

/// [`scan_names`] over `slice` (at `offset` in the document), folded.
fn scan_folded(
    slice: &str,
    folded: &Folded,
    offset: usize,
    index: &LexiconIndex,
    found: &mut Vec<NameMatch>,
) {
    let hay = folded.text.as_str();
    let other_starts = index.names_start_otherwise();
    let mut pos = 0;
    while pos < hay.len() {
        // The longest name starting at the next word start.
        let Some((start, m_end, m_pattern)) = next_name(hay, pos, index, other_starts) else {
            break;
        };
        let Some((end, pattern)) = accept_end(hay, start, m_end, m_pattern, index) else {
            pos = next_char(hay, start);
            continue;
        };
        pos = end;
        let r = folded.original_range(start, end);
        let ordinary_word = index.is_ordinary_word(pattern);
        if ordinary_word && !capitalised(&slice[r.clone()]) {
            // Never a mention, whatever the rest of the document says
            // (see `supports_ordinary_word`): its match only consumes the
            // text. Lower-case "of" and "if" are names in large lexicons,
            // and shared by dozens of entities each.
            continue;
        }
        // From the pattern's record: its targets are read only when it has
        // several.
        let (first, shared) = index.first_target(pattern);
        let written = Written::new(&slice[r.clone()]);
        found.push(NameMatch {
            folded_only_first: !written.same_as(first, index),
            first_entity: first.entity(),
            first_form: first.form(),
            shared: shared.then(|| shared_targets(index.pattern_targets(pattern), &written, index)),
            ordinary_word,
            range: offset + r.start..offset + r.end,
            pattern,
        });
    }
}

/// The entities a name shared by several stands for, each with whether the
/// text differs from its spelling by more than letter case.
fn shared_targets(
    targets: &[PatternTarget],
    written: &Written,
    index: &LexiconIndex,
) -> Arc<[SharedTarget]> {
    // Entities sharing a name mostly share its spelling too (a surname):
    // each spelling is compared once in a row.
    let mut last: Option<(&str, bool)> = None;
    let mut folded_only = |t: &PatternTarget| {
        if written.folds_by_case_to(t) {
            return false;
        }
        let form = index.written(t);
        let differs = match last {
            Some((before, differs)) if before == form => differs,
            _ => !written.same_but_case(form),
        };
        last = Some((form, differs));
        differs
    };
    targets
        .iter()
        .map(|t| SharedTarget {
            entity: t.entity(),
            form: t.form(),
            folded_only: folded_only(t),
        })
        .collect()
}

/// Turns the names found, in document order, into mentions: each stands for
/// the entity the document has already named in full if it can, and a name
/// that is also an ordinary word counts only where the text supports it.
pub fn resolve_mentions(prose: &str, matches: &[NameMatch], index: &LexiconIndex) -> Vec<Mention> {
    let mut mentions = Vec::with_capacity(matches.len());
    let mut named = EntitySet::new(index.entities.len());
    for m in matches {
        let range = m.range.clone();
        // Prefer an entity the document has already named in full.
        let shared = m.shared.as_deref().and_then(|targets| {
            (targets.iter().find(|t| named.contains(t.entity))).or(targets.first())
        });
        let (entity, form, folded_only) = match shared {
            Some(t) => (t.entity, t.form, t.folded_only),
            None => (m.first_entity, m.first_form, m.folded_only_first),
        };
        if m.ordinary_word && !supports_ordinary_word(prose, range.clone(), named.contains(entity))
        {
            continue;
        }
        if form == Form::Name {
            named.insert(entity);
        }
        mentions.push(Mention {
            folded_only,
            range,
            entity,
            form,
        });
    }
    mentions
}

/// Entities as bits: the resolution asks "named yet?" for every mention.
struct EntitySet(Vec<u64>);

impl EntitySet {
    fn new(entities: usize) -> EntitySet {
        EntitySet(vec![0; entities.div_ceil(64)])
    }

    fn contains(&self, id: EntityId) -> bool {
        self.0
            .get(id / 64)
            .is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    fn insert(&mut self, id: EntityId) {
        if let Some(w) = self.0.get_mut(id / 64) {
            *w |= 1 << (id % 64);
        }
    }
}

/// The first position at or after `from` where a word may start (the
/// character before it is not a letter or digit) and a name begins: the
/// position, the name's end and its pattern. This is the leftmost-longest
/// match among those at word starts.
///
/// A name accepted at a word start always begins with the whole word there
/// (a match ending inside a word is refused, and a shorter pattern tried in
/// its place ends at a non-word character after the word), except a
/// designator's plural ("S-400s", "A400s"), whose word is the name's plus
/// `s`: so only the patterns whose first word is the word there are tried
/// (`LexiconIndex::name_at`, one hash probe per word).
///
/// `other_starts` tells whether any name starts with a character that is
/// not a letter or digit ("’t Hooft"): where none does, only words are
/// looked up, and the characters between them cost a test each.
fn next_name(
    hay: &str,
    from: usize,
    index: &LexiconIndex,
    other_starts: bool,
) -> Option<(usize, usize, usize)> {
    if !other_starts {
        return next_name_at_words(hay, from, index);
    }
    let bytes = hay.as_bytes();
    let mut at = from;
    let mut boundary = boundary_before(hay, from);
    while let Some(&b) = bytes.get(at) {
        if b.is_ascii() && !b.is_ascii_alphanumeric() {
            if boundary && other_starts {
                if let Some((name_end, pattern)) = index.name_at(hay, at, word_at(hay, at)) {
                    return Some((at, name_end, pattern));
                }
            }
            boundary = true;
            at += 1;
            continue;
        }
        let word = word_at(hay, at);
        let end = word.0;
        if boundary && (end > at || other_starts) {
            if let Some((name_end, pattern)) = index.name_at(hay, at, word) {
                return Some((at, name_end, pattern));
            }
        }
        if end > at {
            // A whole word: no word starts inside it.
            at = end;
            boundary = false;
        } else {
            let c = hay[at..].chars().next()?;
            boundary = true;
            at += c.len_utf8();
        }
    }
    None
}

/// [`next_name`] where every name starts with a letter or digit (most
/// lexicons): only word starts are looked up, so the loop needs no
/// "boundary" state — past the word `from` may lie in, every word it
/// reaches follows a character that is not a letter or digit.
///
/// Not inlined into the scan: on its own, its loop over the bytes of every
/// word keeps what it needs in registers.
#[inline(never)]
fn next_name_at_words(
    hay: &str,
    from: usize,
    index: &LexiconIndex,
) -> Option<(usize, usize, usize)> {
    let bytes = hay.as_bytes();
    let mut at = if boundary_before(hay, from) {
        from
    } else {
        word_at(hay, from).0
    };
    loop {
        // The ASCII between words, a byte at a time (mostly one space).
        while bytes
            .get(at)
            .is_some_and(|&b| BETWEEN_WORDS[usize::from(b)])
        {
            at += 1;
        }
        if at >= bytes.len() {
            return None;
        }
        let word = word_at(hay, at);
        if word.0 == at {
            // A character beyond ASCII that is not a letter or digit.
            at = next_char(hay, at);
            continue;
        }
        if let Some((name_end, pattern)) = index.name_at(hay, at, word) {
            return Some((at, name_end, pattern));
        }
        at = word.0;
    }
}

/// The ASCII bytes that are not letters or digits: a table, one load a
/// byte, where the test by ranges takes several comparisons.
const BETWEEN_WORDS: [bool; 256] = {
    let mut between = [false; 256];
    let mut b = 0;
    while b < 128 {
        between[b] = !(b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    between
};

fn next_char(s: &str, at: usize) -> usize {
    s[at..]
        .chars()
        .next()
        .map_or(s.len(), |c| at + c.len_utf8())
}

fn is_word_char(c: char) -> bool {
    super::name_table::is_alphanumeric(c)
}

fn boundary_before(hay: &str, start: usize) -> bool {
    // Mostly an ASCII byte: a table look-up, no decoding backwards.
    match start.checked_sub(1).and_then(|i| hay.as_bytes().get(i)) {
        None => return true,
        Some(&b) if b.is_ascii() => return BETWEEN_WORDS[usize::from(b)],
        Some(_) => {}
    }
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
    // Mostly a space or punctuation follows: one table look-up.
    if hay
        .as_bytes()
        .get(end)
        .is_some_and(|&b| BETWEEN_WORDS[usize::from(b)])
    {
        return true;
    }
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
fn supports_ordinary_word(prose: &str, range: Range<usize>, named_before: bool) -> bool {
    if !capitalised(&prose[range.clone()]) {
        return false;
    }
    if CLAUSE_OPENERS.contains(&next_word_folded(&prose[range.end..]).as_str()) {
        return false;
    }
    named_before || !starts_sentence(prose, range.start)
}

/// Whether a name as written starts with a capital: an ordinary word
/// that does not is never a mention.
fn capitalised(written: &str) -> bool {
    written.starts_with(char::is_uppercase)
}

/// The folded word that `rest` starts with after any spaces, folding one
/// character at a time so that only the next word is read (however long
/// the paragraphs that follow).
fn next_word_folded(rest: &str) -> String {
    let mut word = String::new();
    let mut piece = String::new();
    let mut in_word = false;
    for c in rest.chars() {
        piece.clear();
        push_folded(c, &mut piece);
        for f in piece.chars() {
            if !in_word && f.is_whitespace() {
                continue;
            }
            if !f.is_alphanumeric() {
                return word;
            }
            in_word = true;
            word.push(f);
        }
    }
    word
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

/// A name as the text writes it, compared with the lexicon's spellings of
/// what it may stand for: whether it is ASCII (most names are) is worked
/// out once for all of them.
struct Written<'a> {
    text: &'a str,
    ascii: bool,
}

impl<'a> Written<'a> {
    fn new(text: &'a str) -> Written<'a> {
        Written {
            text,
            ascii: text.is_ascii(),
        }
    }

    /// Whether the text, which matched `target`'s pattern, is its
    /// spelling but for letter case, apostrophes and hyphens.
    fn same_as(&self, target: &PatternTarget, index: &LexiconIndex) -> bool {
        self.folds_by_case_to(target) || self.same_but_case(index.written(target))
    }

    /// Whether the text, which matched `target`'s pattern, is surely its
    /// spelling but for case, told without reading the spelling (in a long
    /// draft, most names' spellings are not in the cache): ASCII text
    /// folds by case alone to the pattern it matched, which is the lower
    /// case of an ASCII form that [`PatternTarget::folds_by_case`].
    fn folds_by_case_to(&self, target: &PatternTarget) -> bool {
        self.ascii && target.folds_by_case()
    }

    /// Whether the text is the lexicon's spelling `form` but for letter
    /// case, apostrophes and hyphens. Nothing is allocated.
    fn same_but_case(&self, form: &str) -> bool {
        // Most names are written as the lexicon spells them.
        if self.text == form {
            return true;
        }
        // The marks below leave ASCII alone.
        if self.ascii && form.is_ascii() {
            return self.text.eq_ignore_ascii_case(form);
        }
        // Else the ASCII both start with ("Tiy" of "Tiyarpen" and
        // "Tiyárpen") a byte at a time, the rest character by character.
        let (w, f) = (self.text.as_bytes(), form.as_bytes());
        let ascii_alike = w
            .iter()
            .zip(f)
            .take_while(|(a, b)| a.is_ascii() && a.eq_ignore_ascii_case(b))
            .count();
        // Every byte before is ASCII in both: a character boundary.
        same_but_marks_and_case(&self.text[ascii_alike..], &form[ascii_alike..])
    }
}

fn same_but_marks_and_case(written: &str, form: &str) -> bool {
    norm(written).eq(norm(form))
}

fn norm(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .map(|c| match c {
            '’' | '‘' | 'ʼ' => '\'',
            '‐' | '‑' | '‒' | '–' => '-',
            c => c,
        })
        .flat_map(char::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> LexiconIndex {
        let text = r#"{"copydesk_lexicon": 1, "entities": [
 {"id": "erdogan", "name": "Recep Tayyip Erdogan", "kind": "person", "aliases": ["Erdogan", "Mr. Erdogan"], "variants": ["Erdoan"]},
 {"id": "has", "name": "Kerim Has", "kind": "person", "aliases": ["Has", "Mr. Has"]},
 {"id": "ankara", "name": "Ankara", "kind": "place"},
 {"id": "fdd", "name": "Foundation for Defense of Democracies", "kind": "organization", "aliases": ["FDD"]},
 {"id": "defense", "name": "Defense", "kind": "other"},
 {"id": "s400", "name": "S-400", "kind": "weapon"},
 {"id": "a400", "name": "A400", "kind": "weapon"},
 {"id": "nato", "name": "NATO", "kind": "organization"},
 {"id": "patriot", "name": "Patriot", "kind": "weapon"}
]}"#;
        LexiconIndex::of_json("x.lexicon.json", text)
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

    /// ASCII text is taken for a form but for case only where the form is
    /// ASCII and folds to its pattern by case alone: against a form with
    /// marks ("Işık") it is a variant, and each entity that shares a name
    /// is judged by its own spelling.
    #[test]
    fn ascii_text_is_a_variant_of_a_form_with_marks() {
        let index = LexiconIndex::of_json(
            "x.lexicon.json",
            r#"{"copydesk_lexicon": 1, "entities": [
 {"id": "isik", "name": "Ayşe Işık", "kind": "person", "aliases": ["Işık"]},
 {"id": "isik2", "name": "Can Isik", "kind": "person", "aliases": ["Isik"]},
 {"id": "kaya", "name": "Ali Kaya", "kind": "person"}
]}"#,
        );
        let marked = |text: &str| -> Vec<(String, String, bool)> {
            find_mentions(text, &index)
                .into_iter()
                .map(|m| {
                    let id = index.entity(m.entity).entity.id.clone();
                    (text[m.range].to_string(), id, m.folded_only)
                })
                .collect()
        };
        let row =
            |text: &str, id: &str, folded_only| (text.to_string(), id.to_string(), folded_only);
        assert_eq!(
            marked("Ayse Isik met ALI KAYA. Isik spoke."),
            [
                row("Ayse Isik", "isik", true),
                row("ALI KAYA", "kaya", false),
                row("Isik", "isik", true)
            ]
        );
        assert_eq!(
            marked("Can Isik came. ISIK left."),
            [row("Can Isik", "isik2", false), row("ISIK", "isik2", false)]
        );
    }

    /// The byte look-ups before decoding in `boundary_before` and
    /// `ends_cleanly` answer as decoding the neighbouring character does.
    #[test]
    fn word_boundaries_agree_with_decoding() {
        let texts = [
            "Erdoğan’s S-400s, A400s. NATO (x) 4s y",
            "ıİ😀 a—b “c” d\u{A0}e",
            "s",
            "4s",
            "",
            "ab4",
        ];
        for text in texts {
            for (at, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let plain = text[..at]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !is_word_char(c));
                assert_eq!(boundary_before(text, at), plain, "{text:?} at {at}");
                for start in (0..=at).filter(|&s| text.is_char_boundary(s)) {
                    let mut after = text[at..].chars();
                    let plain = match after.next() {
                        None => true,
                        Some(c) if !is_word_char(c) => true,
                        Some('s') => {
                            text[start..at].ends_with(|c: char| c.is_ascii_digit())
                                && after.next().is_none_or(|c| !is_word_char(c))
                        }
                        Some(_) => false,
                    };
                    assert_eq!(
                        ends_cleanly(text, start, at),
                        plain,
                        "{text:?} {start}..{at}"
                    );
                }
            }
        }
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

    /// "Has" is both Kerim Has's alias and Ali Has's: it stands for the one
    /// named in full before it, else the lexicon's first, and it is marked
    /// as folded against the spelling of the one it stands for.
    #[test]
    fn a_shared_name_stands_for_the_one_named_in_full() {
        let text = r#"{"copydesk_lexicon": 1, "entities": [
 {"id": "kerim", "name": "Kerim Has", "kind": "person", "aliases": ["Has"]},
 {"id": "ali", "name": "Ali Has", "kind": "person", "aliases": ["Hås"]}
]}"#;
        let index = LexiconIndex::of_json("x.lexicon.json", text);
        let found = |text: &str| {
            find_mentions(text, &index)
                .into_iter()
                .map(|m| {
                    let id = index.entity(m.entity).entity.id.clone();
                    (text[m.range].to_string(), id, m.folded_only)
                })
                .collect::<Vec<_>>()
        };
        let m = |w: &str, id: &str, folded: bool| (w.to_string(), id.to_string(), folded);
        assert_eq!(
            found("Ali Has spoke, and then Hås wrote."),
            vec![m("Ali Has", "ali", false), m("Hås", "ali", false)]
        );
        assert_eq!(
            found("Kerim Has spoke, and then Hås wrote."),
            vec![m("Kerim Has", "kerim", false), m("Hås", "kerim", true)]
        );
    }

    #[test]
    fn a_shorter_name_fits_where_the_longest_runs_into_a_word() {
        assert_eq!(found("Kerim Hasanov"), pairs(&[]));
        assert_eq!(found("FDDs"), pairs(&[]));
    }

    /// The scan as it was before the name table: at every word start, the
    /// longest pattern the folded text begins with (a plain search of
    /// every pattern), then `accept_end`.
    fn plain_scan(text: &str, index: &LexiconIndex) -> Vec<(Range<usize>, usize)> {
        use crate::text::fold::fold_with_map;
        let patterns = index.pattern_texts();
        let folded = fold_with_map(text);
        let hay = folded.text.as_str();
        let mut found = Vec::new();
        let mut pos = 0;
        'scan: while pos < hay.len() {
            for at in (pos..hay.len()).filter(|&at| hay.is_char_boundary(at)) {
                if !boundary_before(hay, at) {
                    continue;
                }
                let longest = (patterns.iter().enumerate())
                    .filter(|(_, p)| hay[at..].starts_with(**p))
                    .max_by_key(|(_, p)| p.len());
                let Some((id, p)) = longest else {
                    continue;
                };
                match accept_end(hay, at, at + p.len(), id, index) {
                    Some((end, pattern)) => {
                        found.push((folded.original_range(at, end), pattern));
                        pos = end;
                    }
                    None => pos = next_char(hay, at),
                }
                continue 'scan;
            }
            break;
        }
        found
    }

    /// The test lexicon and names that start with a character that is not
    /// a letter or digit, which the scan looks up between words too.
    fn index_with_other_starts() -> LexiconIndex {
        let text = r#"{"copydesk_lexicon": 1, "entities": [
 {"id": "erdogan", "name": "Recep Tayyip Erdogan", "kind": "person", "aliases": ["Erdogan", "Mr. Erdogan"]},
 {"id": "hooft", "name": "’t Hooft", "kind": "person", "aliases": ["Hooft"]},
 {"id": "ndrangheta", "name": "’Ndrangheta", "kind": "organization"},
 {"id": "bob", "name": "(Bob)", "kind": "person"},
 {"id": "istanbul", "name": "İstanbul", "kind": "place"},
 {"id": "isik", "name": "Işık", "kind": "person", "aliases": ["Mr. Işık"]},
 {"id": "s400", "name": "S-400", "kind": "weapon"},
 {"id": "strasse", "name": "Straße", "kind": "place"}
]}"#;
        LexiconIndex::of_json("x.lexicon.json", text)
    }

    #[test]
    fn names_that_start_with_a_mark() {
        let index = index_with_other_starts();
        assert!(index.names_start_otherwise());
        assert!(!self::index().names_start_otherwise());
        let text = "’t Hooft met the ’Ndrangheta (Bob) in İSTANBUL; Mr. Işık’s 😀 Strasse";
        let found: Vec<&str> = find_mentions(text, &index)
            .into_iter()
            .map(|m| &text[m.range])
            .collect();
        assert_eq!(
            found,
            [
                "’t Hooft",
                "’Ndrangheta",
                "(Bob)",
                "İSTANBUL",
                "Mr. Işık",
                "Strasse"
            ]
        );
    }

    proptest::proptest! {
        /// Names found through the table of first words are the names a
        /// search of every pattern at every word start finds, with names
        /// that start with a mark or not (the scan skips the characters
        /// between words only when none does).
        #[test]
        fn the_name_table_finds_what_a_plain_search_finds(
            other_starts in proptest::bool::ANY,
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "Recep", "Tayyip", "Erdogan", "Erdoğan", "Mr.", "Mr", "Has", "Kerim", "Hasan",
                "S-400", "S-400s", "A400", "A400s", "S", "400", "400s", "s", "A", "NATO", "Ankara", "Foundation", "for", "Defense",
                "of", "Democracies", "Patriot", "’s", "'", "-", " ", " ", ". ", ", ", "(", "\n",
                "ü", "x", "4", "Ş", "’t", "t", "Hooft", "’", "Ndrangheta", "(Bob)", "Bob", ")",
                "İstanbul", "ISTANBUL", "Işık", "ık", "İ", "ı", "ğ", "😀", "“", "”", "—", "Straße",
                "Strasse", "\u{AD}", "e\u{301}", "\u{A0}",
            ]), 0..24)
        ) {
            let index = if other_starts { index_with_other_starts() } else { index() };
            let text: String = pieces.concat();
            let table: Vec<(Range<usize>, usize)> = scan_names(&text, 0..text.len(), &index)
                .into_iter()
                .map(|m| (m.range, m.pattern))
                .collect();
            // The scan leaves out ordinary words in lower case, which
            // consume the text but are never mentions.
            let plain: Vec<(Range<usize>, usize)> = plain_scan(&text, &index)
                .into_iter()
                .filter(|(r, p)| !index.is_ordinary_word(*p) || capitalised(&text[r.clone()]))
                .collect();
            proptest::prop_assert_eq!(table, plain, "{:?}", text);
        }

        /// The comparison of names a byte at a time while both are ASCII
        /// (most of them) agrees with the general one, which maps
        /// apostrophes and hyphens and lower-cases as Unicode does.
        #[test]
        fn ascii_names_compare_as_the_general_comparison_does(
            written in proptest::collection::vec(proptest::sample::select(vec![
                "Erdogan", "ERDOGAN", "erdogan", "Erdoğan", "’s", "'s", "-", "‑", "K", "\u{212A}",
                "İ", "i", "I", "ı", " ", "Mr.",
            ]), 0..5),
            form in proptest::collection::vec(proptest::sample::select(vec![
                "Erdogan", "erdogan", "Erdoğan", "'s", "’s", "-", "–", "k", "K", "i", "I", "İ",
                " ", "Mr.",
            ]), 0..5),
        ) {
            let (written, form) = (written.concat(), form.concat());
            proptest::prop_assert_eq!(
                Written::new(&written).same_but_case(&form),
                same_but_marks_and_case(&written, &form),
                "{:?} {:?}", written, form
            );
        }
    }
}
