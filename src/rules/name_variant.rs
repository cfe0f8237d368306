//! `name-variant`: a name spelled against the desk's style.
//!
//! Three ways a spelling is a variant:
//! - it matches an entity only once accents are removed (Erdoğan for Erdogan,
//!   or the reverse): the mention finder marks these `folded_only`, already
//!   ignoring letter case, apostrophe and hyphen styles;
//! - the lexicon lists it as a variant (Haftar for Hifter);
//! - it is a transliteration of a person's full name with the same given
//!   name (Muammar Qaddafi for Muammar Gadhafi): same given name, a surname
//!   with the same consonant skeleton and close in spelling.

use super::tokens::{after_last_space, places, Place, Word};
use std::ops::Range;

use super::{Context, Finding, Fix, Rule, Scope, Severity};
use crate::analysis::Form;
use crate::lexicon::Entity;
use crate::text::fold::fold;

pub(crate) fn check(cx: &Context<'_>, severity: Severity, scope: &Scope) -> Vec<Finding> {
    let mut findings = Vec::new();
    for m in &cx.mentions[scope.mentions.clone()] {
        let written = &cx.text[m.range.clone()];
        // Most mentions are neither: leave their entities undecoded.
        let entity = || &cx.index.entity(m.entity).entity;
        let desk = match (m.form, m.folded_only) {
            (Form::Variant, _) => nearest_accepted(entity(), written),
            (_, true) => accepted_forms(entity()).find(|f| fold(f) == fold(written)),
            _ => None,
        };
        let Some(desk) = desk.filter(|d| *d != written) else {
            continue;
        };
        findings.push(finding(severity, m.range.clone(), written, desk));
    }
    findings.extend(transliterations(cx, severity, scope));
    findings
}

fn finding(severity: Severity, range: Range<usize>, written: &str, desk: &str) -> Finding {
    Finding {
        rule: Rule::NameVariant,
        severity,
        message: format!("Name variant: the desk writes “{desk}”, not “{written}”."),
        fixes: vec![Fix {
            title: format!("Write “{desk}”"),
            edits: vec![(range.clone(), desk.to_string())],
            preferred: true,
        }],
        related: Vec::new(),
        range,
    }
}

/// The name and the aliases: every spelling the desk accepts.
fn accepted_forms(entity: &Entity) -> impl Iterator<Item = &str> {
    std::iter::once(entity.name.as_str()).chain(entity.aliases.iter().map(String::as_str))
}

/// The accepted form a variant stands for: the closest in spelling, so that
/// "Haftar" becomes "Hifter" and "Khalifa Haftar" becomes "Khalifa Hifter".
fn nearest_accepted<'e>(entity: &'e Entity, written: &str) -> Option<&'e str> {
    let folded = fold(written);
    let words = written.split_whitespace().count();
    accepted_forms(entity).min_by_key(|form| {
        let distance = strsim::levenshtein(&fold(form), &folded);
        (distance, form.split_whitespace().count() != words)
    })
}

/// A consonant skeleton that transliterations of one name share:
/// Qaddafi, Gadhafi, Kadafi → "kdf"; Putin, Poutine → "ptn".
fn skeleton(folded: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = folded.chars().filter(|c| c.is_alphabetic()).collect();
    for (i, &c) in chars.iter().enumerate() {
        let mapped = match c {
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' => continue,
            // "dh", "kh", "th", "ah": inside a name, h only colours a sound.
            'h' if i > 0 => continue,
            'q' | 'g' | 'c' => 'k',
            'w' => 'v',
            'z' => 's',
            c => c,
        };
        if !out.ends_with(mapped) {
            out.push(mapped);
        }
    }
    out
}

/// "Given Surname" sequences that are not mentions but spell a person's full
/// name another way.
fn transliterations(cx: &Context<'_>, severity: Severity, scope: &Scope) -> Vec<Finding> {
    let mut given_names = GivenNames::default();
    let mut mentions = MentionCursor::default();
    let mut findings = Vec::new();
    // The pairs come in text order, each as its second word comes, with no
    // list of the scope's words made first.
    for_each_name_pair(cx, scope, |given, surname| {
        if !mentions.overlaps(cx, &surname.range) {
            findings.extend(transliteration(
                cx,
                severity,
                given,
                surname,
                &mut given_names,
            ));
        }
    });
    findings
}

/// Whether a mention overlaps a word, asked of words in text order: the
/// mentions that may are found by moving forward from those of the word
/// before, not by searching all of them for each word.
#[derive(Default)]
struct MentionCursor {
    /// The first mention that may overlap the next word asked about.
    from: usize,
}

impl MentionCursor {
    /// `word` starts at or after the words asked about before.
    fn overlaps(&mut self, cx: &Context<'_>, word: &Range<usize>) -> bool {
        // No mention is longer than `mention_span`: one starting further
        // back ends before the word (as [`Context::mentions_near`] has it).
        let reach_back = word.start.saturating_sub(cx.mention_span);
        let mentions = cx.mentions;
        while mentions
            .get(self.from)
            .is_some_and(|m| m.range.start < reach_back)
        {
            self.from += 1;
        }
        mentions[self.from..]
            .iter()
            .take_while(|m| m.range.start < word.end)
            .any(|m| word.start < m.range.end)
    }
}

/// Calls `each(given, surname)` with every two words of `scope` in a row
/// that [`may_be_full_name`], in text order: the pairs of the scope's
/// words as [`places`] splits them (tested against [`for_each_place`]).
///
/// Asked of every word of the draft, and most words are not capitalised:
/// in a sentence another rule has split, each word is looked at for its
/// capital and no [`Place`] is made of it unless it ends a pair.
fn for_each_name_pair(cx: &Context<'_>, scope: &Scope, each: impl FnMut(&Place, &Place)) {
    let mut walk = PairWalk {
        masked: cx.masked,
        last: None,
        each,
    };
    let Some(pieces) = pieces(cx, scope) else {
        let mut first = true;
        for p in places(cx.masked, scope.bytes.clone()) {
            walk.take(p, std::mem::take(&mut first));
        }
        return;
    };
    for piece in pieces {
        match piece {
            Piece::Split(ws) => walk.take_split(ws),
            Piece::Bytes(range) => {
                let mut first = true;
                for p in places(cx.masked, range) {
                    walk.take(p, std::mem::take(&mut first));
                }
            }
        }
    }
}

fn place_of(w: &Word<'_>) -> Place {
    Place {
        range: w.range.clone(),
        capitalized: w.capitalized,
        break_before: w.break_before,
    }
}

/// The words of the pieces, in order, looked at in pairs.
struct PairWalk<'t, F> {
    masked: &'t str,
    /// The word before the next one (of any piece).
    last: Option<Place>,
    each: F,
}

impl<F: FnMut(&Place, &Place)> PairWalk<'_, F> {
    /// The next word; `first`: its piece's first.
    #[inline(always)]
    fn take(&mut self, mut place: Place, first: bool) {
        if first {
            // A piece's first word was split without the words before
            // it: whether something stands between them is asked here, as
            // the scope's splitting would.
            let last_end = self.last.as_ref().map(|l| l.range.end);
            place.break_before = break_between(self.masked, last_end, place.range.start);
        }
        if let Some(last) = &self.last {
            if may_be_full_name(last, &place) {
                (self.each)(last, &place);
            }
        }
        self.last = Some(place);
    }

    /// The words of a split sentence: its first as [`PairWalk::take`]
    /// takes it, the rest compared in place.
    fn take_split(&mut self, ws: &[Word<'_>]) {
        let Some((head, _)) = ws.split_first() else {
            return;
        };
        self.take(place_of(head), true);
        for pair in ws.windows(2) {
            let (given, surname) = (&pair[0], &pair[1]);
            // `may_be_full_name`, on the words themselves.
            if surname.capitalized && !surname.break_before && given.capitalized {
                (self.each)(&place_of(given), &place_of(surname));
            }
        }
        if ws.len() > 1 {
            self.last = ws.last().map(place_of);
        }
    }
}

/// Calls `each` with the words of `scope` in order, as [`places`] splits
/// its bytes: the plain reading [`for_each_name_pair`] is tested against.
#[cfg(test)]
fn for_each_place(cx: &Context<'_>, scope: &Scope, each: impl FnMut(Place)) {
    let mut walk = Walk {
        masked: cx.masked,
        last_end: None,
        first: true,
        each,
    };
    let Some(pieces) = pieces(cx, scope) else {
        places(cx.masked, scope.bytes.clone()).for_each(|p| (walk.each)(p));
        return;
    };
    for piece in pieces {
        walk.first = true;
        match piece {
            Piece::Split(ws) => {
                for w in ws {
                    walk.take(place_of(w));
                }
            }
            Piece::Bytes(range) => {
                for p in places(cx.masked, range) {
                    walk.take(p);
                }
            }
        }
    }
}

/// The words of the pieces, handed on in order.
#[cfg(test)]
struct Walk<'t, F> {
    masked: &'t str,
    last_end: Option<usize>,
    /// The next word is its piece's first.
    first: bool,
    each: F,
}

#[cfg(test)]
impl<F: FnMut(Place)> Walk<'_, F> {
    fn take(&mut self, mut place: Place) {
        if self.first {
            place.break_before = break_between(self.masked, self.last_end, place.range.start);
            self.first = false;
        }
        self.last_end = Some(place.range.end);
        (self.each)(place);
    }
}

/// A stretch of the scope whose words are split apart from the rest.
enum Piece<'c, 'a> {
    /// A sentence some rule has split already.
    Split(&'c [Word<'a>]),
    Bytes(Range<usize>),
}

/// The scope cut at its sentences' bounds, the words of each sentence
/// another rule has split taken from that split: most of the draft's words
/// are split once per check, not again here. `None` where a word could run
/// over a cut (the pieces would split it apart) or the sentences do not
/// lie in order inside the scope: then the scope is split whole.
fn pieces<'c, 'a>(cx: &'c Context<'a>, scope: &Scope) -> Option<Vec<Piece<'c, 'a>>> {
    let masked = cx.masked;
    // Letters, digits and what joins them inside a word.
    let in_word = |c: Option<char>| {
        c.is_some_and(|c| {
            c.is_alphanumeric() || matches!(c, '\'' | '’' | '-' | '‐' | '‑' | '.' | ',')
        })
    };
    let clean_cut = |at: usize| {
        !in_word(masked[..at].chars().next_back()) || !in_word(masked[at..].chars().next())
    };
    let mut out = Vec::new();
    let mut at = scope.bytes.start;
    for i in scope.sentences.clone() {
        let sentence = cx.analysis.sentences[i].clone();
        if sentence.start < at
            || sentence.end > scope.bytes.end
            || !clean_cut(sentence.start)
            || !clean_cut(sentence.end)
        {
            return None;
        }
        out.push(Piece::Bytes(at..sentence.start));
        out.push(match cx.sentence_words_if_split(i) {
            Some(ws) => Piece::Split(ws),
            None => Piece::Bytes(sentence.clone()),
        });
        at = sentence.end;
    }
    out.push(Piece::Bytes(at..scope.bytes.end));
    Some(out)
}

/// Whether something other than white space stands between the word
/// ending at `last_end` and the one starting at `start`, as
/// [`super::tokens::Place::break_before`] has it (true for the first).
fn break_between(masked: &str, last_end: Option<usize>, start: usize) -> bool {
    match last_end {
        Some(end) => !masked[end..start].chars().all(char::is_whitespace),
        None => true,
    }
}

/// Whether a capitalised word, as written, is some person's given name.
/// Copy repeats a few capitalised words ("The", "In", "But") far more often
/// than it has distinct ones, so the lexicon's large map of given names is
/// asked once per spelling in a check.
type GivenNames<'t> = foldhash::HashMap<&'t str, bool>;

/// The transliterations whose two words are not both on one side of
/// `between` (the blank between two parts of a document checked apart).
pub(crate) fn across(cx: &Context<'_>, severity: Severity, between: Range<usize>) -> Vec<Finding> {
    // A given name and a surname with only white space between: anything
    // else before or after the blank and there is no such pair.
    let left = cx.masked[..between.start].trim_end().chars().next_back();
    let right = cx.masked[between.end..].trim_start().chars().next();
    if !left.is_some_and(char::is_alphanumeric) || !right.is_some_and(char::is_uppercase) {
        return Vec::new();
    }
    // Words never hold white space: tokenizing from the white space before
    // the last word on the left to the one after the first word on the
    // right yields the words the whole document has there.
    let from = after_last_space(&cx.masked[..between.start]);
    let to = cx.masked[between.end..]
        .find(char::is_whitespace)
        .map_or(cx.masked.len(), |i| between.end + i);
    places(cx.masked, from..to)
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|pair| {
            let left = pair[1].range.start < between.start;
            let right = pair[0].range.start >= between.end;
            !left && !right
        })
        .filter(|pair| may_be_full_name(&pair[0], &pair[1]))
        // Most such pairs in copy are names the mention finder found:
        // settled before folding anything.
        .filter(|pair| {
            let surname = &pair[1].range;
            !cx.mentions_near(surname.clone())
                .iter()
                .any(|m| m.range.start < surname.end && surname.start < m.range.end)
        })
        .filter_map(|pair| {
            transliteration(cx, severity, &pair[0], &pair[1], &mut GivenNames::default())
        })
        .collect()
}

/// Two capitalised words with only white space between.
fn may_be_full_name(given: &Place, surname: &Place) -> bool {
    given.capitalized && surname.capitalized && !surname.break_before
}

/// Of two words that [`may_be_full_name`], the second overlapping no
/// mention (most such pairs in copy are names the mention finder found),
/// the finding if they spell a person's full name another way.
fn transliteration<'t>(
    cx: &Context<'t>,
    severity: Severity,
    given: &Place,
    surname: &Place,
    given_names: &mut GivenNames<'t>,
) -> Option<Finding> {
    let written_given = &cx.text[given.range.clone()];
    let people = || cx.index.persons_named(&fold(written_given));
    if !*given_names
        .entry(written_given)
        .or_insert_with(|| !people().is_empty())
    {
        return None;
    }
    let people = people();
    let written_surname = &cx.text[surname.range.clone()];
    // A possessive is not part of the name.
    let bare = written_surname
        .strip_suffix("’s")
        .or_else(|| written_surname.strip_suffix("'s"))
        .unwrap_or(written_surname);
    let folded = fold(bare);
    people.iter().find_map(|(id, desk_surname)| {
        let close = strsim::levenshtein(&folded, desk_surname) <= (desk_surname.len() / 3).max(2);
        (folded != *desk_surname && close && skeleton(&folded) == skeleton(desk_surname)).then(
            || {
                let range = given.range.start..surname.range.start + bare.len();
                let desk = &cx.index.entity(*id).entity.name;
                finding(severity, range.clone(), &cx.text[range], desk)
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{for_each_name_pair, for_each_place, may_be_full_name, places, skeleton, Place};
    use crate::rules::testing::{findings_in, Lexicon};
    use crate::rules::{Context, Scope};

    /// The words [`for_each_place`] gives, in a list.
    fn scope_places(cx: &Context<'_>, scope: &Scope) -> Vec<Place> {
        let mut out = Vec::new();
        for_each_place(cx, scope, |p| out.push(p));
        out
    }

    proptest::proptest! {
        /// Words taken from the sentences other rules have split (any of
        /// them) are the words of the whole scope split at once: the same
        /// places, capitals and breaks, around headings, quotations,
        /// numbers and joiners at sentence ends.
        #[test]
        fn words_from_split_sentences_are_the_scopes_words(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "Vladimir", "Poutine", "Kerim", "Hass", "said", "3", ".5", "-", "’s", " ",
                    ". ", ", ", "\n\n", "\n", "# ", "“", "”", "? ", "x", "Dr.", "U.S.", "é",
                ]),
                0..40,
            ),
            split in proptest::collection::vec(proptest::bool::ANY, 0..40),
        ) {
            let text: String = pieces.concat();
            with_sentences_split(&text, &split, |cx, scope| {
                let whole: Vec<_> = places(cx.masked, scope.bytes.clone()).collect();
                proptest::prop_assert_eq!(scope_places(cx, scope), whole, "{:?}", text);
                Ok(())
            })?;
        }

        /// The pairs [`for_each_name_pair`] gives, in sentences another
        /// rule split or not, are the pairs of the scope's words in a row
        /// (as [`for_each_place`] gives them) that may be a full name.
        #[test]
        fn name_pairs_are_the_pairs_of_the_scopes_words(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "Vladimir", "Poutine", "Kerim", "Hass", "said", "3", "-", "’s", " ",
                    ". ", ", ", "\n\n", "\n", "# ", "“", "”", "? ", "x", "Dr.", "É", "é",
                    "  ", "Al", "\u{2003}",
                ]),
                0..40,
            ),
            split in proptest::collection::vec(proptest::bool::ANY, 0..40),
        ) {
            let text: String = pieces.concat();
            with_sentences_split(&text, &split, |cx, scope| {
                let plain: Vec<_> = scope_places(cx, scope)
                    .windows(2)
                    .filter(|pair| may_be_full_name(&pair[0], &pair[1]))
                    .map(|pair| (pair[0].range.clone(), pair[1].clone()))
                    .collect();
                let mut fast = Vec::new();
                for_each_name_pair(cx, scope, |given, surname| {
                    fast.push((given.range.clone(), surname.clone()));
                });
                proptest::prop_assert_eq!(fast, plain, "{:?}", text);
                Ok(())
            })?;
        }
    }

    /// Runs `check` on the whole of `text` after splitting the sentences
    /// that `split` marks, as other rules would have split them first.
    fn with_sentences_split(
        text: &str,
        split: &[bool],
        check: impl FnOnce(&Context<'_>, &Scope) -> Result<(), proptest::test_runner::TestCaseError>,
    ) -> Result<(), proptest::test_runner::TestCaseError> {
        let lex = Lexicon::empty();
        let analysis = crate::analysis::analyze(text, crate::rules::DocKind::Markdown, &lex.index);
        let cx = Context::new(text, &analysis, &lex.index);
        for i in 0..analysis.sentences.len() {
            if split.get(i) == Some(&true) {
                cx.sentence_words(i);
            }
        }
        check(&cx, &Scope::whole(&analysis))
    }

    #[test]
    fn a_name_across_two_blocks_after_a_wide_space_is_found() {
        // The white space before the given name is three bytes long: the
        // words are split from its end, not from inside it.
        let text = "They met\u{2003}Vladimir\n\nPoutine arrived.";
        let lex = Lexicon::sochi();
        let analysis = crate::analysis::analyze(text, crate::rules::DocKind::Markdown, &lex.index);
        let cx = Context::new(text, &analysis, &lex.index);
        let between = text.find('\n').unwrap()..text.find("Poutine").unwrap();
        let found = super::across(&cx, crate::rules::Severity::Warning, between);
        let phrases: Vec<&str> = found.iter().map(|f| &text[f.range.clone()]).collect();
        assert_eq!(phrases, ["Vladimir\n\nPoutine"]);
    }

    #[test]
    fn sentences_cut_inside_a_word_are_not_taken_apart() {
        // The sentence splitter cuts at white space; were it to cut inside
        // a word, the pieces would split it in two.
        let text = "Nagorno-Karabakh lies 3.5 km away.";
        let lex = Lexicon::empty();
        for cut in [8, 24] {
            let mut analysis =
                crate::analysis::analyze(text, crate::rules::DocKind::Markdown, &lex.index);
            analysis.sentences = vec![0..cut, cut..text.len()];
            let cx = Context::new(text, &analysis, &lex.index);
            cx.sentence_words(0);
            cx.sentence_words(1);
            let scope = Scope::whole(&analysis);
            let whole: Vec<_> = places(cx.masked, scope.bytes.clone()).collect();
            assert_eq!(scope_places(&cx, &scope), whole, "{cut}");
        }
    }

    #[test]
    fn a_full_name_split_by_a_paragraph_break_is_read_as_one_whether_or_not_sentences_were_split() {
        // The whole scope's splitting reads "Vladimir" and "Poutine" as
        // neighbours (only white space between): so must the words taken
        // from split sentences.
        let text = "He met Vladimir\n\nPoutine arrived.";
        let lex = Lexicon::sochi();
        let analysis = crate::analysis::analyze(text, crate::rules::DocKind::Markdown, &lex.index);
        let cx = Context::new(text, &analysis, &lex.index);
        for i in 0..analysis.sentences.len() {
            cx.sentence_words(i);
        }
        let scope = Scope::whole(&analysis);
        let words = scope_places(&cx, &scope);
        let poutine = words
            .iter()
            .find(|p| &text[p.range.clone()] == "Poutine")
            .unwrap();
        assert!(!poutine.break_before);
    }

    fn variants(lexicon: &Lexicon, text: &str) -> Vec<(String, String)> {
        findings_in(lexicon, text, "name-variant")
            .into_iter()
            .map(|(phrase, f)| {
                (
                    phrase,
                    crate::rules::apply_edits(text, &f.fixes[0].edits).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn skeletons_of_transliterations_agree() {
        assert_eq!(skeleton("qaddafi"), "kdf");
        assert_eq!(skeleton("gadhafi"), "kdf");
        assert_eq!(skeleton("kadafi"), "kdf");
        assert_eq!(skeleton("poutine"), skeleton("putin"));
        assert_ne!(skeleton("hasan"), skeleton("has"));
    }

    #[test]
    fn accents_and_listed_variants_get_the_desks_spelling() {
        let lex = Lexicon::sochi();
        let text =
            "Erdoğan met Putin. Recep Tayyip Erdoğan’s aides met Khalifa Haftar, and Haftar’s men.";
        let found = variants(&lex, text);
        let fixed: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            fixed,
            [
                "Erdoğan",
                "Recep Tayyip Erdoğan",
                "Khalifa Haftar",
                "Haftar"
            ]
        );
        assert_eq!(found[0].1, text.replacen("Erdoğan met", "Erdogan met", 1));
        assert_eq!(
            found[1].1,
            text.replacen("Recep Tayyip Erdoğan’s", "Recep Tayyip Erdogan’s", 1)
        );
        assert_eq!(
            found[2].1,
            text.replacen("Khalifa Haftar,", "Khalifa Hifter,", 1)
        );
        assert_eq!(found[3].1, text.replacen("Haftar’s", "Hifter’s", 1));
    }

    #[test]
    fn place_and_weapon_variants() {
        let lex = Lexicon::sochi();
        let text = "Türkiye bought the S400 and fought in Nagorno Karabakh.";
        let found: Vec<String> = variants(&lex, text).into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            found,
            [
                "Turkey bought the S400 and fought in Nagorno Karabakh.",
                "Türkiye bought the S-400 and fought in Nagorno Karabakh.",
                "Türkiye bought the S400 and fought in Nagorno-Karabakh.",
            ]
        );
    }

    #[test]
    fn transliterated_full_names_with_the_same_given_name() {
        let lex = Lexicon::sochi();
        let found = variants(
            &lex,
            "Vladimir Poutine and Kerim Hass met. Aykan Erdimir wrote.",
        );
        let phrases: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(phrases, ["Vladimir Poutine", "Kerim Hass", "Aykan Erdimir"]);
        assert_eq!(
            found[0].1,
            "Vladimir V. Putin and Kerim Hass met. Aykan Erdimir wrote."
        );
    }

    #[test]
    fn case_apostrophes_other_people_and_the_desks_spelling_stay_silent() {
        let lex = Lexicon::sochi();
        for text in [
            "ERDOGAN MEETS PUTIN IN SOCHI",
            "Recep Tayyip Erdogan met Vladimir Putin.",
            "Erdogan’s and Erdogan's aides met in Nagorno‑Karabakh.",
            "Vladimir Lenin and Kerim Hasan were not there.",
            "Joe Bidens and Donald Tusk spoke.",
            "Jens Stoltenberg, the NATO secretary-general, met Aykan Erdemir.",
        ] {
            assert_eq!(variants(&lex, text), [] as [(String, String); 0], "{text}");
        }
    }
}
