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
use crate::text::attribution::{find_attributions, QuoteAttribution, Speaker, SpeakerKind};
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
    pub mentions: &'a [Mention],
    pub index: &'a LexiconIndex,
}

impl Resolver<'_> {
    /// The speaker entity of every quotation (None for nested quotations,
    /// unattributed ones and group or unnamed sources).
    pub fn quote_speakers(
        &self,
        attributions: &[Option<QuoteAttribution>],
    ) -> Vec<Option<EntityId>> {
        // Salient person after each sentence, computed once in order.
        let mut salient_after: Vec<Option<EntityId>> = Vec::with_capacity(self.sentences.len());
        let mut salient: Option<EntityId> = None;
        for (si, s) in self.sentences.iter().enumerate() {
            let mut last_speaker = None;
            for a in find_attributions(self.text, s.clone(), self.quotations) {
                if let Some(e) = self.resolve_in(&a.speaker, si, salient, &[]) {
                    last_speaker = Some(e);
                }
            }
            // Attributions of quotations in this sentence count as well
            // (“…,” he said): they are outside any quotation.
            for (qi, q) in self.quotations.iter().enumerate() {
                if q.depth > 0 || !(s.start <= q.range.start && q.range.start < s.end) {
                    continue;
                }
                if let Some(qa) = attributions.get(qi).and_then(Option::as_ref) {
                    if qa.sentence == si {
                        if let Some(e) = self.resolve_in(
                            &qa.attribution.speaker,
                            si,
                            salient,
                            std::slice::from_ref(&q.inner),
                        ) {
                            last_speaker = Some(e);
                        }
                    }
                }
            }
            salient = last_speaker
                .or_else(|| self.subject_of(si, s.end))
                .or(salient);
            salient_after.push(salient);
        }
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
                let own_quote = match qa.inherited_from {
                    Some(first) => vec![q.inner.clone(), self.quotations[first].inner.clone()],
                    None => vec![q.inner.clone()],
                };
                self.resolve_in(&qa.attribution.speaker, si, before, &own_quote)
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
    ) -> Option<EntityId> {
        match speaker.kind {
            SpeakerKind::Name | SpeakerKind::Description => self
                .mentions
                .iter()
                .find(|m| m.range.start >= speaker.range.start && m.range.end <= speaker.range.end)
                .map(|m| m.entity),
            SpeakerKind::Pronoun => {
                let word = self.text[speaker.range.clone()].to_lowercase();
                if !matches!(word.as_str(), "he" | "she") {
                    return None;
                }
                let named_in_quote = |e: EntityId| {
                    self.mentions.iter().any(|m| {
                        m.entity == e
                            && quoted
                                .iter()
                                .any(|q| q.start <= m.range.start && m.range.end <= q.end)
                    })
                };
                let within = self.subject_of(si, speaker.range.start);
                within.or(salient).filter(|&e| !named_in_quote(e))
            }
            SpeakerKind::Group => None,
        }
    }

    /// The first person named as a subject in sentence `si` before `until`.
    fn subject_of(&self, si: usize, until: usize) -> Option<EntityId> {
        let s = self.sentences.get(si)?;
        self.mentions
            .iter()
            .filter(|m| m.range.start >= s.start && m.range.end <= until.min(s.end))
            .filter(|m| self.index.kind(m.entity) == EntityKind::Person)
            .filter(|m| {
                !self
                    .quotations
                    .iter()
                    .any(|q| q.range.start <= m.range.start && m.range.end <= q.range.end)
            })
            .find(|m| self.subject_like(m))
            .map(|m| m.entity)
    }

    fn subject_like(&self, m: &Mention) -> bool {
        let before = self.text[..m.range.start].trim_end();
        let prev_word: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphabetic())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if NOT_BEFORE_A_SUBJECT.contains(&prev_word.to_lowercase().as_str())
            && before.ends_with(|c: char| c.is_alphabetic())
        {
            return false;
        }
        let after = &self.text[m.range.end..];
        if after.starts_with("’s") || after.starts_with("'s") {
            return false; // a possessor
        }
        // "the Biden administration": a name followed by a lower-case noun
        // with no comma is a modifier.
        let next: String = after
            .trim_start_matches(' ')
            .chars()
            .take_while(|c| c.is_alphabetic())
            .collect();
        let modifier_nouns = [
            "administration",
            "government",
            "campaign",
            "era",
            "team",
            "camp",
            "doctrine",
        ];
        !modifier_nouns.contains(&next.as_str())
    }
}
