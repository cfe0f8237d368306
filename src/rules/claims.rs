//! What the quotation and claim rules share: who the draft says is
//! speaking, who the sources say spoke, how to name that person in a fix, and
//! where the claim's sentence is in the source article.

use std::ops::Range;
use std::sync::LazyLock;

use super::tokens::{words, Word};
use super::{Context, Related};
use crate::analysis::index::IndexedSource;
use crate::analysis::{ClaimId, EntityId};
use crate::lexicon::{Claim, EntityKind};
use crate::text::attribution::{Attribution, SpeakerKind};
use crate::text::fold::fold;

// foldhash, not SipHash: asked for every word of every sentence.
static FUNCTION_WORDS: LazyLock<foldhash::HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/rules-function-words.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Whether a folded word carries no content ("the", "would", "his").
pub fn is_function_word(folded: &str) -> bool {
    FUNCTION_WORDS.contains(folded)
}

/// Who the draft gives a quotation to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftSpeaker {
    /// A person or body in the lexicon.
    Entity(EntityId),
    /// A name the lexicon does not know, as written.
    UnknownName(String),
    /// A pronoun, description or group copydesk cannot tie to one entity.
    Unresolved,
}

/// Resolves the speaker of `attribution`. For a pronoun, `expected` is the
/// speaker the sources give: when the pronoun could refer to them (they are
/// named in the sentence before or in this one), the answer is theirs, so
/// the rules never accuse a reporter over an ambiguous "he".
pub fn resolve(
    cx: &Context<'_>,
    attribution: &Attribution,
    expected: Option<EntityId>,
) -> DraftSpeaker {
    let speaker = &attribution.speaker;
    match speaker.kind {
        SpeakerKind::Name => {
            let named: Vec<EntityId> = cx
                .mentions_near(speaker.name.clone())
                .iter()
                .filter(|m| m.range.start < speaker.name.end && speaker.name.start < m.range.end)
                .map(|m| m.entity)
                .collect();
            if let Some(e) = expected.filter(|e| named.contains(e)) {
                return DraftSpeaker::Entity(e);
            }
            match named.first() {
                Some(&e) => DraftSpeaker::Entity(e),
                None => DraftSpeaker::UnknownName(cx.text[speaker.name.clone()].to_string()),
            }
        }
        SpeakerKind::Pronoun => {
            let pronoun = cx.text[speaker.range.clone()].to_lowercase();
            if !matches!(pronoun.as_str(), "he" | "she") {
                return DraftSpeaker::Unresolved;
            }
            resolve_pronoun(cx, speaker.range.start, expected)
        }
        SpeakerKind::Group | SpeakerKind::Description => DraftSpeaker::Unresolved,
    }
}

/// "he"/"she" at `at`: the expected speaker when they are named (outside
/// quotations) in this sentence or the one before; otherwise the subject of
/// this sentence's words before the pronoun, or of the sentence before, when
/// that subject is a person the lexicon knows. Anything less clear (a
/// description such as "the Turkish leader", an object such as "with
/// Putin") leaves the pronoun unresolved.
fn resolve_pronoun(cx: &Context<'_>, at: usize, expected: Option<EntityId>) -> DraftSpeaker {
    let sentences = &cx.analysis.sentences;
    let si = sentences.partition_point(|s| s.end <= at);
    let this_start = sentences.get(si).map_or(at, |s| s.start.min(at));
    let previous = si
        .checked_sub(1)
        .and_then(|p| Some((p, sentences.get(p)?.clone())));
    let window_start = previous.as_ref().map_or(this_start, |(_, p)| p.start);
    let named_in_window = cx
        .mentions_near(window_start..at)
        .iter()
        .filter(|m| m.range.start >= window_start && m.range.end <= at)
        .filter(|m| !cx.in_quotation(&m.range))
        .any(|m| Some(m.entity) == expected);
    if let (true, Some(e)) = (named_in_window, expected) {
        return DraftSpeaker::Entity(e);
    }
    // The sentence before is a whole sentence: its words are the ones the
    // rules share (split once per check), not split again here.
    let subject = subject_of(cx, &words(cx.masked, this_start..at))
        .or_else(|| previous.and_then(|(p, _)| subject_of(cx, cx.sentence_words(p))));
    match subject {
        Some(e) if cx.index.kind(e) == EntityKind::Person => DraftSpeaker::Entity(e),
        _ => DraftSpeaker::Unresolved,
    }
}

/// The person a clause is about, when it says so plainly: the name that
/// opens it (after a conjunction), or the name right after an introductory
/// phrase set off by a comma ("On Wednesday, Putin praised ...").
fn subject_of(cx: &Context<'_>, ws: &[Word<'_>]) -> Option<EntityId> {
    let mention_at = |w: &Word| {
        cx.mentions_near(w.range.start..w.range.start + 1)
            .iter()
            .find(|m| m.range.start <= w.range.start && w.range.start < m.range.end)
            .filter(|m| !cx.in_quotation(&m.range))
            .map(|m| m.entity)
    };
    let first = ws.iter().position(|w| {
        !matches!(
            w.lower.as_str(),
            "but" | "and" | "yet" | "so" | "still" | "now" | "then" | "however"
        )
    })?;
    if let Some(e) = mention_at(&ws[first]) {
        return Some(e);
    }
    let after_comma = ws[first + 1..]
        .iter()
        .find(|w| w.break_before && cx.masked[..w.range.start].trim_end().ends_with(','))?;
    mention_at(after_comma)
}

/// The name a story uses for a person after the first reference: the
/// one-word alias that ends the full name (Erdogan), else the name.
pub fn later_reference(cx: &Context<'_>, entity: EntityId) -> String {
    let e = &cx.index.entity(entity).entity;
    let last = e
        .name
        .split_whitespace()
        .rfind(|w| !matches!(*w, "Jr." | "Jr" | "Sr." | "II" | "III"))
        .unwrap_or(&e.name);
    e.aliases
        .iter()
        .find(|a| !a.contains(' ') && fold(a) == fold(last))
        .cloned()
        .unwrap_or_else(|| e.name.clone())
}

/// How a fix names the source's speaker at `at`: the later reference once
/// the story has named them, the full name before.
pub fn name_for_fix(cx: &Context<'_>, entity: EntityId, at: usize) -> String {
    if cx.named_before(entity, at) {
        later_reference(cx, entity)
    } else {
        cx.index.entity(entity).entity.name.clone()
    }
}

/// The source's speaker of a claim as a message names them: the entity's
/// name, else the words the article used ("arms experts"); `None` when the
/// article only had a pronoun.
pub fn source_speaker(cx: &Context<'_>, claim: ClaimId) -> Option<String> {
    let indexed = cx.index.claim(claim);
    if let Some(e) = indexed.speaker {
        return Some(cx.index.entity(e).entity.name.clone());
    }
    let text = indexed.claim.speaker_text.trim();
    let pronoun = matches!(
        text.to_lowercase().as_str(),
        "" | "he" | "she" | "they" | "it" | "we" | "i" | "you"
    );
    (!pronoun).then(|| text.to_string())
}

/// The claim's sentence in its source article, for `relatedInformation`.
pub fn related(cx: &Context<'_>, claim: ClaimId, message: String) -> Option<Related> {
    ClaimSource::of(cx, claim).related(message)
}

/// The title of the claim's source article.
pub fn source_title(cx: &Context<'_>, claim: ClaimId) -> String {
    ClaimSource::of(cx, claim).title()
}

/// A claim and its source article, as the index resolves it: finding the
/// article compares the claim's source id with each of its lexicon's (a
/// long list in a large lexicon), so a finding that gives both the title
/// and the related information finds it once.
pub struct ClaimSource<'i> {
    claim: &'i Claim,
    source: Option<&'i IndexedSource>,
}

impl<'i> ClaimSource<'i> {
    pub fn of(cx: &Context<'i>, claim: ClaimId) -> ClaimSource<'i> {
        let index = cx.index;
        let indexed = index.claim(claim);
        ClaimSource {
            claim: &indexed.claim,
            source: index.source(indexed.lexicon, &indexed.claim.source),
        }
    }

    /// The title of the claim's source article ([`source_title`]).
    pub fn title(&self) -> String {
        self.source
            .map(|s| s.source.title.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| self.claim.source.clone())
    }

    /// The claim's sentence in its source article ([`related`]).
    pub fn related(&self, message: String) -> Option<Related> {
        let c = self.claim;
        let source = self.source?;
        Some(Related {
            source: c.source.clone(),
            path: source.path.clone(),
            range: sentence_range(c),
            message,
        })
    }
}

/// The claim's sentence as a byte range of the source: the lexicon keeps the
/// claim's own range and the sentence's text, so the sentence starts where
/// the claim sits in it.
fn sentence_range(c: &Claim) -> Range<usize> {
    match c.sentence.find(c.text.as_str()) {
        Some(offset) if offset <= c.start && !c.sentence.is_empty() => {
            let start = c.start - offset;
            start..start + c.sentence.len()
        }
        _ => c.start..c.end,
    }
}
