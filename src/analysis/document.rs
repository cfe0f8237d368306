//! One document's analysis: its prose, the mentions and quotations in it,
//! and which lexicon claims the quotations reproduce.

use std::ops::Range;

use super::index::{EntityId, LexiconIndex};
use super::mentions::{find_mentions, Mention};
use crate::text::prose::{self, DocKind, Prose};

#[derive(Debug, Clone)]
pub struct DocAnalysis {
    pub kind: DocKind,
    pub prose: Prose,
    /// Sorted by start.
    pub mentions: Vec<Mention>,
}

pub fn analyze(text: &str, kind: DocKind, index: &LexiconIndex) -> DocAnalysis {
    let prose = prose::extract(text, kind);
    let mentions = find_mentions(&prose.masked, index);
    DocAnalysis {
        kind,
        prose,
        mentions,
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

    pub fn mention_ranges(&self, entity: EntityId) -> Vec<Range<usize>> {
        self.mentions_of(entity).map(|m| m.range.clone()).collect()
    }
}
