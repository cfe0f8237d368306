//! One document's analysis: its prose, the mentions and quotations in it,
//! and which lexicon claims the quotations reproduce.

use std::ops::Range;

use super::index::{EntityId, LexiconIndex};
use super::mentions::{find_mentions, Mention};
use super::quotes::{match_quotation, QuoteMatch};
use super::speakers::Resolver;
use crate::text::attribution::{attribute_quotations, QuoteAttribution};
use crate::text::prose::{self, DocKind, Prose};
use crate::text::quotes::{find_quotations, Quotation};
use crate::text::sentences::split_sentences;

#[derive(Debug, Clone)]
pub struct DocAnalysis {
    pub kind: DocKind,
    pub prose: Prose,
    /// Every sentence of every prose block, in order.
    pub sentences: Vec<Range<usize>>,
    /// Sorted by start.
    pub mentions: Vec<Mention>,
    /// Sorted by start.
    pub quotations: Vec<Quotation>,
    /// For each quotation, where the draft attributes it (None: nowhere).
    pub attributions: Vec<Option<QuoteAttribution>>,
    /// For each quotation, the entity the draft gives it to (pronouns
    /// resolved); None where it names nobody the lexicon knows.
    pub quote_speakers: Vec<Option<EntityId>>,
    /// For each quotation, the lexicon claim it reproduces.
    pub quote_claims: Vec<Option<QuoteMatch>>,
}

pub fn analyze(text: &str, kind: DocKind, index: &LexiconIndex) -> DocAnalysis {
    let prose = prose::extract(text, kind);
    let masked = prose.masked.as_str();
    let blocks: Vec<Range<usize>> = prose.blocks.iter().map(|b| b.range.clone()).collect();
    let sentences: Vec<Range<usize>> = blocks
        .iter()
        .flat_map(|b| split_sentences(masked, b.clone()))
        .collect();
    let quotations = find_quotations(masked, &blocks);
    let attributions = attribute_quotations(masked, &sentences, &quotations);
    let quote_claims = quotations
        .iter()
        .map(|q| {
            if q.depth == 0 {
                match_quotation(&masked[q.inner.clone()], index)
            } else {
                None
            }
        })
        .collect();
    let mentions = find_mentions(masked, index);
    let quote_speakers = Resolver {
        text: masked,
        sentences: &sentences,
        quotations: &quotations,
        mentions: &mentions,
        index,
    }
    .quote_speakers(&attributions);
    DocAnalysis {
        quote_speakers,
        kind,
        prose,
        sentences,
        mentions,
        quotations,
        attributions,
        quote_claims,
    }
}

impl DocAnalysis {
    /// The mention under a byte offset (touching either end counts, as a
    /// cursor just after a word is still "on" it).
    pub fn mention_at(&self, offset: usize) -> Option<&Mention> {
        let i = self.mentions.partition_point(|m| m.range.end < offset);
        self.mentions.get(i).filter(|m| m.range.start <= offset)
    }

    pub fn mentions_of(&self, entity: EntityId) -> impl Iterator<Item = &Mention> {
        self.mentions.iter().filter(move |m| m.entity == entity)
    }

    pub fn first_mention(&self, entity: EntityId) -> Option<&Mention> {
        self.mentions_of(entity).next()
    }

    /// Entities in order of first mention.
    pub fn entities(&self) -> Vec<EntityId> {
        let mut seen = Vec::new();
        for m in &self.mentions {
            if !seen.contains(&m.entity) {
                seen.push(m.entity);
            }
        }
        seen
    }

    /// The innermost quotation containing a byte offset (its marks included).
    pub fn quotation_at(&self, offset: usize) -> Option<usize> {
        self.quotations
            .iter()
            .enumerate()
            .filter(|(_, q)| q.range.start <= offset && offset <= q.range.end)
            .max_by_key(|(_, q)| q.depth)
            .map(|(i, _)| i)
    }

    pub fn mention_ranges(&self, entity: EntityId) -> Vec<Range<usize>> {
        self.mentions_of(entity).map(|m| m.range.clone()).collect()
    }
}
