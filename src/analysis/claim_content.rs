//! Every claim's content words, stemmed and numbered, computed once when the
//! index is built. The `unattributed-claim` rule compares them with the
//! content words of each sentence of a draft on every check; stemming and
//! hashing the candidate claims' words there cost seconds per check on a
//! long draft with a large lexicon.
//!
//! What counts as a claim's content word is the rule's decision
//! ([`crate::rules::claim_content_words`]); this file only numbers the stems
//! and keeps each claim's sorted list of stem numbers. The stems live in a
//! finite state transducer (a stem's number is its rank in byte order): it
//! is compact, is stored in the index cache as it is, and needs no hash
//! table rebuilt when the cache is read.

use std::collections::HashMap;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

use super::index::ClaimId;
use crate::lexicon::Claim;

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

#[derive(serde::Serialize, serde::Deserialize)]
pub struct ClaimContent {
    /// Stem → its number.
    #[serde(with = "map_bytes")]
    stems: fst::Map<Vec<u8>>,
    /// Claim id → where its stem numbers start in `ids` (one extra entry).
    starts: Vec<u32>,
    /// Each claim's distinct stem numbers, ascending.
    ids: Vec<u32>,
}

impl std::fmt::Debug for ClaimContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimContent")
            .field("stems", &self.stems.len())
            .field("claims", &self.starts.len().saturating_sub(1))
            .finish()
    }
}

impl ClaimContent {
    /// Reads the claims of `items` (in claim id order).
    pub fn build<T: Sync>(items: &[T], claim: impl Fn(&T) -> &Claim + Sync) -> ClaimContent {
        use rayon::prelude::*;
        // Stems numbered as first seen, then renumbered in byte order.
        let mut stem_texts: Vec<String> = Vec::new();
        let mut by_stem: HashMap<String, u32> = HashMap::new();
        // Folded word → its stem's first-seen number: stem each word once.
        let mut by_word: HashMap<String, u32> = HashMap::new();
        let mut starts = Vec::with_capacity(items.len() + 1);
        starts.push(0u32);
        let mut ids: Vec<u32> = Vec::new();
        for chunk in items.chunks(CHUNK) {
            let words: Vec<Vec<String>> = chunk
                .par_iter()
                .map(|item| crate::rules::claim_content_words(claim(item)))
                .collect();
            for claim_words in words {
                for w in claim_words {
                    let id = match by_word.get(&w) {
                        Some(&id) => id,
                        None => {
                            let s = stem(&w);
                            let id = match by_stem.get(&s) {
                                Some(&id) => id,
                                None => {
                                    let id = stem_texts.len() as u32;
                                    stem_texts.push(s.clone());
                                    by_stem.insert(s, id);
                                    id
                                }
                            };
                            by_word.insert(w, id);
                            id
                        }
                    };
                    ids.push(id);
                }
                starts.push(ids.len() as u32);
            }
        }
        drop((by_word, by_stem));
        let mut order: Vec<u32> = (0..stem_texts.len() as u32).collect();
        order.par_sort_unstable_by(|&a, &b| {
            stem_texts[a as usize]
                .as_bytes()
                .cmp(stem_texts[b as usize].as_bytes())
        });
        let mut rank = vec![0u32; order.len()];
        for (r, &first_seen) in order.iter().enumerate() {
            rank[first_seen as usize] = r as u32;
        }
        let stems = fst::Map::from_iter(
            order
                .iter()
                .enumerate()
                .map(|(r, &i)| (stem_texts[i as usize].as_bytes(), r as u64)),
        )
        .expect("stems are unique and sorted");
        for id in &mut ids {
            *id = rank[*id as usize];
        }
        for w in starts.windows(2) {
            let own = &mut ids[w[0] as usize..w[1] as usize];
            own.sort_unstable();
        }
        // Repeated words within a claim: keep each stem once.
        let mut deduped = Vec::with_capacity(ids.len());
        let mut new_starts = Vec::with_capacity(starts.len());
        new_starts.push(0u32);
        for w in starts.windows(2) {
            let own = &ids[w[0] as usize..w[1] as usize];
            for (i, &id) in own.iter().enumerate() {
                if i == 0 || own[i - 1] != id {
                    deduped.push(id);
                }
            }
            new_starts.push(deduped.len() as u32);
        }
        ClaimContent {
            stems,
            starts: new_starts,
            ids: deduped,
        }
    }

    /// The claim's distinct stem numbers, ascending.
    pub fn of(&self, claim: ClaimId) -> &[u32] {
        match (self.starts.get(claim), self.starts.get(claim + 1)) {
            (Some(&s), Some(&e)) => self.ids.get(s as usize..e as usize).unwrap_or_default(),
            _ => &[],
        }
    }

    /// The stem of a folded word, numbered when some claim has it.
    pub fn stem_of(&self, folded: &str) -> Stem {
        let s = stem(folded);
        match self.stems.get(s.as_bytes()) {
            Some(rank) => Stem::Known(rank as u32),
            None => Stem::Unknown(s),
        }
    }

    /// Whether this holds one entry per claim of an index with `claims`
    /// claims, every one inside `ids` (checked on a cached index).
    pub fn is_consistent(&self, claims: usize) -> bool {
        let stems = self.stems.len() as u64;
        self.starts.len() == claims + 1
            && self.starts.first() == Some(&0)
            && self.starts.windows(2).all(|w| w[0] <= w[1])
            && self
                .starts
                .last()
                .is_some_and(|&e| e as usize == self.ids.len())
            && self.ids.iter().all(|&id| u64::from(id) < stems)
    }
}

/// An `fst` map is its bytes: stored as they are and checked when read back.
mod map_bytes {
    use serde::de::Error;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(m: &fst::Map<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(m.as_fst().as_bytes())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<fst::Map<Vec<u8>>, D::Error> {
        let bytes: serde_bytes::ByteBuf = serde::Deserialize::deserialize(d)?;
        fst::Map::new(bytes.into_vec()).map_err(D::Error::custom)
    }
}
