//! Every claim's content words, stemmed and numbered, computed once when the
//! index is built. The `unattributed-claim` rule compares them with the
//! content words of each sentence of a draft on every check; stemming and
//! hashing the candidate claims' words there cost seconds per check on a
//! long draft with a large lexicon.
//!
//! What counts as a claim's content word is the rule's decision
//! ([`crate::rules::claim_content_words`]); this file only numbers the stems
//! and keeps each claim's sorted list of stem numbers.

use std::collections::HashMap;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::index::{ClaimId, IndexedClaim};

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Claims are read this many at a time (in parallel), so that the words of
/// a large lexicon's claims are never all held at once.
const CHUNK: usize = 8192;

/// The stem of a folded word: a possessive ending dropped, then the English
/// Snowball stemmer.
pub fn stem(folded: &str) -> String {
    let bare = folded.strip_suffix("'s").unwrap_or(folded);
    STEMMER.stem(bare).into_owned()
}

/// A sentence word's stem, as far as claims are concerned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stem {
    /// A stem some claim has: its number.
    Known(u32),
    /// A stem no claim has (it can only count towards the sentence's words).
    Unknown(String),
}

#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct ClaimContent {
    /// Stem → its number.
    stems: HashMap<String, u32>,
    /// Folded word → the number of its stem, for every content word of
    /// every claim: most words of a draft are found here without stemming.
    words: HashMap<String, u32>,
    /// Claim id → where its stem numbers start in `ids` (one extra entry).
    starts: Vec<u32>,
    /// Each claim's distinct stem numbers, ascending.
    ids: Vec<u32>,
}

impl ClaimContent {
    pub fn build(claims: &[IndexedClaim]) -> ClaimContent {
        use rayon::prelude::*;
        let mut out = ClaimContent {
            starts: Vec::with_capacity(claims.len() + 1),
            ..ClaimContent::default()
        };
        out.starts.push(0);
        let mut own: Vec<u32> = Vec::new();
        for chunk in claims.chunks(CHUNK) {
            let words: Vec<Vec<String>> = chunk
                .par_iter()
                .map(|c| crate::rules::claim_content_words(&c.claim))
                .collect();
            for claim_words in words {
                own.clear();
                for w in claim_words {
                    let id = match out.words.get(&w) {
                        Some(&id) => id,
                        None => {
                            let next = out.stems.len() as u32;
                            let id = *out.stems.entry(stem(&w)).or_insert(next);
                            out.words.insert(w, id);
                            id
                        }
                    };
                    own.push(id);
                }
                own.sort_unstable();
                own.dedup();
                out.ids.extend_from_slice(&own);
                out.starts.push(out.ids.len() as u32);
            }
        }
        out
    }

    /// The claim's distinct stem numbers, ascending.
    pub fn of(&self, claim: ClaimId) -> &[u32] {
        match (self.starts.get(claim), self.starts.get(claim + 1)) {
            (Some(&s), Some(&e)) => &self.ids[s as usize..e as usize],
            _ => &[],
        }
    }

    /// The stem of a folded word, numbered when some claim has it.
    pub fn stem_of(&self, folded: &str) -> Stem {
        if let Some(&id) = self.words.get(folded) {
            return Stem::Known(id);
        }
        let s = stem(folded);
        match self.stems.get(&s) {
            Some(&id) => Stem::Known(id),
            None => Stem::Unknown(s),
        }
    }
}
