//! Who a draft says spoke: each quotation's attribution resolved to an
//! entity, pronouns included.
//!
//! "He said" refers to the most salient person: a person named as the
//! subject earlier in the same sentence, else the speaker of the latest
//! attribution (or the subject) of the sentences before. A person named
//! after a preposition ("the meeting with Putin"), as a modifier ("the Biden
//! administration") or as a possessor ("Erdogan’s plans") is not a subject,
//! and a speaker does not name himself in the third person inside his own
//! quotation.

use std::ops::Range;

use super::index::{EntityId, LexiconIndex};
use super::mentions::Mention;
use crate::lexicon::EntityKind;
use crate::text::attribution::{
    find_attributions, Attribution, QuoteAttribution, Speaker, SpeakerKind,
};
use crate::text::quotes::Quotation;

const NOT_BEFORE_A_SUBJECT: &[&str] = &[
    "with", "from", "to", "for", "by", "of", "about", "against", "between", "on", "at", "in",
    "into", "toward", "towards", "than", "like", "the", "a", "an", "and", "or", "as", "under",
    "over", "after", "before", "without", "among", "amid", "through",
];

pub struct Resolver<'a> {
    pub text: &'a str,
    pub sentences: &'a [Range<usize>],
    pub quotations: &'a [Quotation],
    /// Sorted by start, as the analysis gives them.
    pub mentions: &'a [Mention],
    pub index: &'a LexiconIndex,
    /// Each sentence's attributions outside quotations, when the caller has
    /// them already (`find_attributions` of every sentence), block by block;
    /// else computed.
    pub sentence_attributions: Option<&'a [BlockAttributions<'a>]>,
}

/// The attributions outside quotations of one block's sentences, as the
/// incremental analysis keeps them: with offsets from the block's start, so
/// that a block that did not change needs no copy shifted to its place on
/// every version.
pub struct BlockAttributions<'a> {
    /// The index of the block's first sentence in the document.
    pub first_sentence: usize,
    /// How many sentences the block has.
    pub sentences: usize,
    /// The block's start: what the offsets are from.
    pub at: usize,
    /// The attributions of the block's sentences, in order, each with its
    /// sentence's index in the block.
    pub found: &'a [(usize, Attribution)],
}

/// Whether a range lies inside some quotation, in O(log n): quotations are
/// sorted by start, so the latest end among those starting at or before a
/// range's start tells whether any of them covers it.
pub(crate) struct QuoteCover {
    starts: Vec<usize>,
    max_end: Vec<usize>,
}

impl QuoteCover {
    pub(crate) fn new(quotations: &[Quotation]) -> QuoteCover {
        let mut max = 0;
        QuoteCover {
            starts: quotations.iter().map(|q| q.range.start).collect(),
            max_end: quotations
                .iter()
                .map(|q| {
                    max = max.max(q.range.end);
                    max
                })
                .collect(),
        }
    }

    fn covers(&self, r: &Range<usize>) -> bool {
        let n = self.starts.partition_point(|&s| s <= r.start);
        n > 0 && self.max_end[n - 1] >= r.end
    }
}

impl Resolver<'_> {
    /// The speaker entity of every quotation (None for nested quotations,
    /// unattributed ones and group or unnamed sources).
    pub fn quote_speakers(
        &self,
        attributions: &[Option<QuoteAttribution>],
    ) -> Vec<Option<EntityId>> {
        let cover = QuoteCover::new(self.quotations);
        let mut salient_after = Vec::with_capacity(self.sentences.len());
        let all = 0..self.sentences.len();
        self.salience(all, None, attributions, &cover, &mut salient_after);
        self.speakers(&salient_after, attributions, &cover)
    }

    /// Pushes onto `out` the person salient after each sentence of `range`,
    /// `salient` being the one before the first. Each sentence depends on
    /// the one before only through that person, so the incremental analysis
    /// can work out a run of sentences (a block's) on its own.
    pub(crate) fn salience(
        &self,
        range: Range<usize>,
        mut salient: Option<EntityId>,
        attributions: &[Option<QuoteAttribution>],
        cover: &QuoteCover,
        out: &mut Vec<Option<EntityId>>,
    ) {
        let kept = self.sentence_attributions.unwrap_or(&[]);
        // The block holding the current sentence (sentences come in order).
        let mut block = kept
            .partition_point(|b| b.first_sentence <= range.start)
            .saturating_sub(1);
        // The first quotation and the first mention starting in the current
        // sentence: sentences come in order, so these only move forward
        // (no binary search per sentence).
        let start = self.sentences.get(range.start).map_or(0, |s| s.start);
        let mut first_quote = self.quotations.partition_point(|q| q.range.start < start);
        let mut first_mention = self.mentions.partition_point(|m| m.range.start < start);
        for si in range {
            let s = &self.sentences[si];
            while (self.quotations.get(first_quote)).is_some_and(|q| q.range.start < s.start) {
                first_quote += 1;
            }
            while (self.mentions.get(first_mention)).is_some_and(|m| m.range.start < s.start) {
                first_mention += 1;
            }
            let mut last_speaker = None;
            while block + 1 < kept.len() && kept[block + 1].first_sentence <= si {
                block += 1;
            }
            let mut take = |a: &Attribution, at: usize| {
                let speaker = Speaker {
                    range: a.speaker.range.start + at..a.speaker.range.end + at,
                    name: a.speaker.name.start + at..a.speaker.name.end + at,
                    kind: a.speaker.kind,
                };
                if let Some(e) = self.resolve_in(&speaker, si, salient, &[], cover) {
                    last_speaker = Some(e);
                }
            };
            let in_block = kept.get(block).and_then(|b| {
                let i = si
                    .checked_sub(b.first_sentence)
                    .filter(|&i| i < b.sentences)?;
                let from = b.found.partition_point(|(s, _)| *s < i);
                let to = b.found.partition_point(|(s, _)| *s <= i);
                Some((b.at, &b.found[from..to]))
            });
            match in_block {
                Some((at, found)) => found.iter().for_each(|(_, a)| take(a, at)),
                None => find_attributions(self.text, s.clone(), self.quotations)
                    .iter()
                    .for_each(|a| take(a, 0)),
            }
            // Attributions of quotations in this sentence count as well
            // (“…,” he said): they are outside any quotation.
            for (qi, q) in self.quotations.iter().enumerate().skip(first_quote) {
                if q.range.start >= s.end {
                    break;
                }
                if q.depth > 0 {
                    continue;
                }
                if let Some(qa) = attributions.get(qi).and_then(Option::as_ref) {
                    if qa.sentence == si {
                        if let Some(e) = self.resolve_in(
                            &qa.attribution.speaker,
                            si,
                            salient,
                            std::slice::from_ref(&q.inner),
                            cover,
                        ) {
                            last_speaker = Some(e);
                        }
                    }
                }
            }
            salient = last_speaker
                .or_else(|| self.subject_from(first_mention, s.end, cover))
                .or(salient);
            out.push(salient);
        }
    }

    /// Every quotation's speaker, given the person salient after each
    /// sentence.
    pub(crate) fn speakers(
        &self,
        salient_after: &[Option<EntityId>],
        attributions: &[Option<QuoteAttribution>],
        cover: &QuoteCover,
    ) -> Vec<Option<EntityId>> {
        self.quotations
            .iter()
            .zip(attributions)
            .map(|(q, qa)| {
                let qa = qa.as_ref()?;
                if q.depth > 0 {
                    return None;
                }
                let si = qa.sentence;
                let before = if si == 0 {
                    None
                } else {
                    salient_after.get(si - 1).copied().flatten()
                };
                // The words quoted exclude people named in them from being the speaker.
                let inherited = qa.inherited_from.map(|first| &self.quotations[first].inner);
                let own_quote = [q.inner.clone(), inherited.cloned().unwrap_or_default()];
                let own_quote = &own_quote[..1 + usize::from(inherited.is_some())];
                self.resolve_in(&qa.attribution.speaker, si, before, own_quote, cover)
            })
            .collect()
    }

    /// Resolves one speaker phrase in sentence `si`, given the person
    /// salient before that sentence.
    fn resolve_in(
        &self,
        speaker: &Speaker,
        si: usize,
        salient: Option<EntityId>,
        quoted: &[Range<usize>],
        cover: &QuoteCover,
    ) -> Option<EntityId> {
        match speaker.kind {
            SpeakerKind::Name | SpeakerKind::Description => self
                .mentions_within(&speaker.range)
                .next()
                .map(|m| m.entity),
            SpeakerKind::Pronoun => {
                let word = self.text[speaker.range.clone()].to_lowercase();
                if !matches!(word.as_str(), "he" | "she") {
                    return None;
                }
                let named_in_quote = |e: EntityId| {
                    quoted
                        .iter()
                        .any(|q| self.mentions_within(q).any(|m| m.entity == e))
                };
                let within = self.subject_of(si, speaker.range.start, cover);
                within.or(salient).filter(|&e| !named_in_quote(e))
            }
            SpeakerKind::Group => None,
        }
    }

    /// The mentions lying wholly inside `r`, in order (a binary search,
    /// not a scan of the document's mentions).
    fn mentions_within(&self, r: &Range<usize>) -> impl Iterator<Item = &Mention> {
        let first = self.mentions.partition_point(|m| m.range.start < r.start);
        self.mentions_from(first, r.end)
    }

    /// The mentions from the `first` on that lie wholly before `end`.
    fn mentions_from(&self, first: usize, end: usize) -> impl Iterator<Item = &Mention> {
        self.mentions[first..]
            .iter()
            .take_while(move |m| m.range.start < end)
            .filter(move |m| m.range.end <= end)
    }

    /// The first person named as a subject in sentence `si` before `until`.
    fn subject_of(&self, si: usize, until: usize, cover: &QuoteCover) -> Option<EntityId> {
        let s = self.sentences.get(si)?;
        let first = self.mentions.partition_point(|m| m.range.start < s.start);
        self.subject_from(first, until.min(s.end), cover)
    }

    /// [`Self::subject_of`] given the sentence's first mention, `first`
    /// (the first starting at or after the sentence's start), and `until`
    /// within the sentence.
    fn subject_from(&self, first: usize, until: usize, cover: &QuoteCover) -> Option<EntityId> {
        self.mentions_from(first, until)
            .filter(|m| self.index.kind(m.entity) == EntityKind::Person)
            .filter(|m| !cover.covers(&m.range))
            .find(|m| self.subject_like(m))
            .map(|m| m.entity)
    }

    /// Runs for most persons named in the document on every version, so the
    /// words around the name are compared in place, nothing allocated.
    fn subject_like(&self, m: &Mention) -> bool {
        let prev_word = word_before(self.text, m.range.start);
        let listed = not_before_a_subject(prev_word);
        if listed {
            return false;
        }
        let after = &self.text[m.range.end..];
        if after.starts_with("’s") || after.starts_with("'s") {
            return false; // a possessor
        }
        // "the Biden administration": a name followed by a lower-case noun
        // with no comma is a modifier.
        let rest = after.trim_start_matches(' ');
        let next = &rest[..rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len())];
        let modifier_nouns = [
            "administration",
            "government",
            "campaign",
            "era",
            "team",
            "camp",
            "doctrine",
        ];
        !modifier_nouns.contains(&next)
    }
}

/// Whether `word`, letter case aside, is one of [`NOT_BEFORE_A_SUBJECT`].
/// Asked of the word before most persons named: an ASCII word is
/// lower-cased in a buffer on the stack and matched, not compared with each
/// listed word in turn; any other is lower-cased as Unicode does (the
/// Kelvin sign lower-cases to an ASCII k).
fn not_before_a_subject(word: &str) -> bool {
    if !word.is_ascii() {
        return NOT_BEFORE_A_SUBJECT.contains(&word.to_lowercase().as_str());
    }
    let mut buf = [0u8; 8];
    // Longer than any listed word: none of them.
    let Some(lower) = buf.get_mut(..word.len()) else {
        return false;
    };
    lower.copy_from_slice(word.as_bytes());
    lower.make_ascii_lowercase();
    // The list's words, as the compiler can match them by length first.
    matches!(
        &*lower,
        b"with"
            | b"from"
            | b"to"
            | b"for"
            | b"by"
            | b"of"
            | b"about"
            | b"against"
            | b"between"
            | b"on"
            | b"at"
            | b"in"
            | b"into"
            | b"toward"
            | b"towards"
            | b"than"
            | b"like"
            | b"the"
            | b"a"
            | b"an"
            | b"and"
            | b"or"
            | b"as"
            | b"under"
            | b"over"
            | b"after"
            | b"before"
            | b"without"
            | b"among"
            | b"amid"
            | b"through"
    )
}

/// The run of letters that ends at the last non-blank character before
/// `at` (empty if that character is not a letter): the word whose presence
/// before a name decides whether it is a subject. The incremental analysis
/// keys a paragraph's salience on the same word before the paragraph.
pub(super) fn word_before(text: &str, at: usize) -> &str {
    let before = text[..at].trim_end();
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map_or(before.len(), |(i, _)| i);
    &before[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word list as it was asked before [`not_before_a_subject`]: each
    /// listed word compared in turn.
    fn listed(word: &str) -> bool {
        if word.is_ascii() {
            NOT_BEFORE_A_SUBJECT
                .iter()
                .any(|w| w.eq_ignore_ascii_case(word))
        } else {
            NOT_BEFORE_A_SUBJECT.contains(&word.to_lowercase().as_str())
        }
    }

    /// Every word of up to three letters, and every listed word in three
    /// cases, cut short, made longer and with each letter changed.
    #[test]
    fn the_word_list_is_matched_as_compared_word_by_word() {
        let letters: Vec<char> = ('a'..='z').chain(['A', 'K', '\u{212A}', 'é']).collect();
        let mut words = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = (words.iter())
                .flat_map(|w| letters.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(longer);
        }
        for w in NOT_BEFORE_A_SUBJECT {
            words.extend([
                w.to_string(),
                w.to_uppercase(),
                format!("{w}s"),
                w[1..].into(),
            ]);
            for (i, _) in w.char_indices() {
                for c in ['x', 'E', '\u{212A}'] {
                    let mut changed = w.to_string();
                    changed.replace_range(i..i + 1, &c.to_string());
                    words.push(changed);
                }
            }
        }
        assert!(words.iter().filter(|w| listed(w)).count() > 3 * NOT_BEFORE_A_SUBJECT.len());
        for w in &words {
            assert_eq!(not_before_a_subject(w), listed(w), "{w:?}");
        }
    }
}
