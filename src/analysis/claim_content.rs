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
use std::sync::{Arc, LazyLock};

use rust_stemmers::{Algorithm, Stemmer};

use super::index::ClaimId;
use super::index::Repair;
use super::shared_array::{map_bytes, shared_map, Array, Checked, SharedMap};
use crate::lexicon::Claim;

/// Hashes words eight bytes at a time: building the table hashes every word
/// of every claim, and SipHash's resistance to crafted keys buys nothing
/// for the desk's own lexicon.
#[derive(Default, Clone, Copy)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<WordHasher>>;

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

/// A stem more than this many claims have is too common to find a claim
/// by...
const DISTINCTIVE_FLOOR: usize = 256;
/// ...unless fewer than one claim in this many has it (large lexicons).
const DISTINCTIVE_SHARE: usize = 200;

/// How many claims a stem may be in and still be distinctive, in a lexicon
/// of `claims` claims: every stem of a small lexicon is; in a large one, a
/// stem that one claim in 200 shares says little about which claim a
/// sentence repeats. Bounding it also bounds what one sentence costs to
/// match, however large the lexicon grows.
pub fn distinctive_limit(claims: usize) -> usize {
    DISTINCTIVE_FLOOR.max(claims / DISTINCTIVE_SHARE)
}

#[derive(serde::Serialize, serde::Deserialize)]
pub struct ClaimContent {
    /// Stem → its number.
    #[serde(with = "map_bytes")]
    stems: SharedMap,
    /// Claim id → where its stem numbers start in `ids` (one extra entry).
    starts: Checked<u32>,
    /// Each claim's distinct stem numbers, ascending: the largest array of
    /// a large lexicon's index, checked block by block as it is read.
    ids: Checked<u32>,
    /// Stem number → where its claims start in `postings` (one extra
    /// entry); a common stem's list is empty (see `common`).
    posting_starts: Checked<u32>,
    /// Each distinctive stem's claims, ascending.
    postings: Checked<u32>,
    /// Stem number → whether more than [`distinctive_limit`] claims have
    /// it (its claims are not listed).
    /// (1 for common, read in place.)
    common: Array<u8>,
    /// For an index read from a cache file: where `ids` that do not match
    /// their hash are taken from instead.
    #[serde(skip)]
    repair: Option<Arc<Repair>>,
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
        let mut by_stem: FastMap<String, u32> = FastMap::default();
        // Folded word → its stem's first-seen number: stem each word once.
        let mut by_word: FastMap<String, u32> = FastMap::default();
        let mut starts = Vec::with_capacity(items.len() + 1);
        starts.push(0u32);
        let mut ids: Vec<u32> = Vec::new();
        for chunk in items.chunks(CHUNK) {
            let words: Vec<Vec<String>> = chunk
                .par_iter()
                .map(|item| crate::rules::claim_content_words(claim(item)))
                .collect();
            // The words not seen before, stemmed on every core.
            let mut new_words: Vec<&String> = words
                .iter()
                .flatten()
                .filter(|w| !by_word.contains_key(*w))
                .collect();
            new_words.sort_unstable();
            new_words.dedup();
            let stemmed: Vec<String> = new_words.par_iter().map(|w| stem(w)).collect();
            for (w, s) in new_words.into_iter().zip(stemmed) {
                let id = match by_stem.get(&s) {
                    Some(&id) => id,
                    None => {
                        let id = stem_texts.len() as u32;
                        stem_texts.push(s.clone());
                        by_stem.insert(s, id);
                        id
                    }
                };
                by_word.insert(w.clone(), id);
            }
            for claim_words in &words {
                ids.extend(claim_words.iter().map(|w| by_word[w]));
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
        let (posting_starts, postings, common) = postings(
            &new_starts,
            &deduped,
            stems.len(),
            distinctive_limit(items.len()),
        );
        ClaimContent {
            stems: shared_map(stems),
            starts: new_starts.into(),
            ids: deduped.into(),
            posting_starts: posting_starts.into(),
            postings: postings.into(),
            common: common.into_iter().map(u8::from).collect(),
            repair: None,
        }
    }

    /// The claims that have stem `id`, ascending; `None` for a stem too
    /// common to find claims by (or a number no stem has).
    pub fn claims_with(&self, id: u32) -> Option<&[u32]> {
        let i = id as usize;
        if *self.common.get(i)? != 0 {
            return None;
        }
        match slice_at(&self.posting_starts, &self.postings, i) {
            Ok(claims) => claims,
            Err(block) => self
                .rebuilt(&format!("stem postings block {block}"))?
                .claims_with(id),
        }
    }

    /// Whether stem `id` is distinctive: some claim has it, and few enough
    /// that its claims are listed.
    pub fn is_distinctive(&self, id: u32) -> bool {
        self.common.get(id as usize) == Some(&0)
    }

    /// The claim's distinct stem numbers, ascending.
    pub fn of(&self, claim: ClaimId) -> &[u32] {
        match slice_at(&self.starts, &self.ids, claim) {
            Ok(ids) => ids.unwrap_or_default(),
            Err(block) => self
                .rebuilt(&format!("claim stems block {block}"))
                .map_or(&[], |content| content.of(claim)),
        }
    }

    /// The rebuilt index's claim content, for lookups whose block (`what`)
    /// did not match its hash (none if the index cannot be rebuilt).
    #[cold]
    fn rebuilt(&self, what: &str) -> Option<&ClaimContent> {
        let why = format!("{what} does not match its hash");
        let rebuilt = self.repair.as_ref()?.rebuilt(&why)?;
        Some(&rebuilt.claim_content)
    }

    /// Where `ids` that turn out damaged are taken from (an index read
    /// from a cache file).
    pub(crate) fn set_repair(&mut self, repair: Arc<Repair>) {
        self.repair = Some(repair);
    }

    /// The stem of a folded word, numbered when some claim has it.
    pub fn stem_of(&self, folded: &str) -> Stem {
        let s = stem(folded);
        match self.stems.get(s.as_bytes()) {
            Some(rank) => Stem::Known(rank as u32),
            None => Stem::Unknown(s),
        }
    }

    /// Whether the arrays are borrowed from the buffer the index was read
    /// from.
    #[cfg(test)]
    pub(crate) fn reads_in_place(&self) -> bool {
        self.starts.is_shared()
            && self.ids.is_shared()
            && self.postings.is_shared()
            && self.stems.as_fst().as_inner().is_shared()
    }

    /// The number arrays, for tests that forge them.
    #[cfg(test)]
    pub(crate) fn arrays_mut(&mut self) -> [&mut Checked<u32>; 4] {
        [
            &mut self.starts,
            &mut self.posting_starts,
            &mut self.postings,
            &mut self.ids,
        ]
    }

    /// Whether this holds one entry per claim of an index with `claims`
    /// claims and one per stem (checked on a cached index, in constant
    /// time). The numbers in the arrays are the file hash's to vouch for
    /// (`LexiconIndex::is_consistent` says why): every lookup here reads
    /// through `get`, so a forged cache's stem numbers, claim ids or starts
    /// give empty or wrong lists, never a panic, and a claim id past the
    /// last reads as a blank claim.
    pub fn is_consistent(&self, claims: usize) -> bool {
        let stems = self.stems.len();
        self.starts.len() == claims + 1
            && self.posting_starts.len() == stems + 1
            && self.common.len() == stems
    }
}

/// Each distinctive stem's claims (a counting sort of the claims' stem
/// lists, so every list comes out ascending), and which stems are common.
fn postings(
    starts: &[u32],
    ids: &[u32],
    stems: usize,
    limit: usize,
) -> (Vec<u32>, Vec<u32>, Vec<bool>) {
    let mut counts = vec![0usize; stems];
    for &id in ids {
        counts[id as usize] += 1;
    }
    let common: Vec<bool> = counts.iter().map(|&n| n > limit).collect();
    let mut posting_starts = Vec::with_capacity(stems + 1);
    let mut total = 0u32;
    posting_starts.push(0);
    for (n, &c) in counts.iter().zip(&common) {
        if !c {
            total += *n as u32;
        }
        posting_starts.push(total);
    }
    let mut next: Vec<u32> = posting_starts[..stems].to_vec();
    let mut postings = vec![0u32; total as usize];
    for (claim, w) in starts.windows(2).enumerate() {
        for &id in &ids[w[0] as usize..w[1] as usize] {
            if !common[id as usize] {
                postings[next[id as usize] as usize] = claim as u32;
                next[id as usize] += 1;
            }
        }
    }
    (posting_starts, postings, common)
}

/// Item list `i` of a flat list of lists: the items from `starts[i]` to
/// `starts[i + 1]`. `Ok(None)` where `i` or its bounds are out of range;
/// `Err(block)` where a block read does not match its hash.
fn slice_at<'a>(
    starts: &'a Checked<u32>,
    items: &'a Checked<u32>,
    i: usize,
) -> Result<Option<&'a [u32]>, usize> {
    starts.get(i..i + 2).and_then(|bounds| match bounds {
        Some(&[s, e]) => items.get(s as usize..e as usize),
        _ => Ok(None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(text: &str) -> Claim {
        Claim {
            text: text.into(),
            ..Claim::default()
        }
    }

    fn known(content: &ClaimContent, word: &str) -> u32 {
        match content.stem_of(word) {
            Stem::Known(id) => id,
            Stem::Unknown(s) => panic!("{word} ({s}) is in no claim"),
        }
    }

    #[test]
    fn distinctive_stems_list_their_claims_and_common_ones_do_not() {
        let limit = distinctive_limit(0);
        let mut claims: Vec<Claim> = (0..=limit).map(|_| claim("Pipelines carry gas")).collect();
        claims.insert(3, claim("Reactors and pipelines need engineers"));
        claims.push(claim("Reactor engineers left"));
        let content = ClaimContent::build(&claims, |c| c);
        assert!(content.is_consistent(claims.len()));
        // "pipelines" is in limit + 2 claims: common, not listed.
        let pipeline = known(&content, "pipelines");
        assert!(!content.is_distinctive(pipeline));
        assert_eq!(content.claims_with(pipeline), None);
        // Stems of other words of the same claims are the same numbers.
        assert_eq!(known(&content, "reactor"), known(&content, "reactors"));
        let reactor = known(&content, "reactor");
        assert!(content.is_distinctive(reactor));
        assert_eq!(
            content.claims_with(reactor),
            Some(&[3, claims.len() as u32 - 1][..])
        );
        assert_eq!(
            content.claims_with(known(&content, "engineers")),
            Some(&[3, claims.len() as u32 - 1][..])
        );
        // A number no stem has lists nothing.
        assert_eq!(content.claims_with(u32::MAX), None);
        assert!(!content.is_distinctive(u32::MAX));
    }

    #[test]
    fn the_limit_grows_with_the_lexicon_past_its_floor() {
        assert_eq!(distinctive_limit(10), DISTINCTIVE_FLOOR);
        assert_eq!(distinctive_limit(200_000), 1000);
    }
}
