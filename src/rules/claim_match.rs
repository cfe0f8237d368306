//! How a draft's words find the lexicon's claims, for the rules that
//! compare sentences and quotations with claims (`unattributed-claim`,
//! `altered-quote`): each word's stem number, remembered per document; the
//! claims that share a distinctive stem; how many stems two lists share.

use crate::analysis::claim_content::{ClaimContent, Stem};
use crate::analysis::ClaimId;

/// How many words a [`StemMemo`] remembers before it starts again.
const MEMO_WORDS: usize = 1 << 18;

/// Each folded word's stem number, remembered for one check (or, kept by
/// the rule cache, for one document with one lexicon): a draft repeats its
/// words, and stemming is the costly part. Stems no claim has get numbers
/// of their own, counted down from the top.
#[derive(Debug, Default)]
pub(crate) struct StemMemo {
    // foldhash, not SipHash: asked for every word of every sentence.
    words: foldhash::HashMap<String, u32>,
    unknown: foldhash::HashMap<String, u32>,
}

impl StemMemo {
    pub(super) fn is_known(&self, id: u32) -> bool {
        id < u32::MAX - self.unknown.len() as u32
    }

    pub(super) fn id(&mut self, content: &ClaimContent, folded: &str) -> u32 {
        if let Some(&id) = self.words.get(folded) {
            return id;
        }
        // Every word typed stays remembered: start again past a bound.
        if self.words.len() >= MEMO_WORDS {
            self.words.clear();
            self.unknown.clear();
        }
        let id = match content.stem_of(folded) {
            Stem::Known(id) => id,
            Stem::Unknown(stem) => {
                let next = u32::MAX - self.unknown.len() as u32;
                *self.unknown.entry(stem).or_insert(next)
            }
        };
        self.words.insert(folded.to_string(), id);
        id
    }
}

/// Every claim that shares a distinctive stem with `content` (ascending
/// stem numbers), ascending and once each.
pub(super) fn candidates(claims: &ClaimContent, content: &[u32]) -> Vec<ClaimId> {
    let lists: Vec<&[u32]> = content
        .iter()
        .filter_map(|&id| claims.claims_with(id))
        .collect();
    let mut out: Vec<ClaimId> = lists
        .iter()
        .flat_map(|l| l.iter().map(|&c| c as ClaimId))
        .collect();
    // One list is ascending and unique already.
    if lists.len() > 1 {
        out.sort_unstable();
        out.dedup();
    }
    out
}

/// How many numbers two ascending lists share.
pub(super) fn shared_count(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// The `limit` claims sharing the most stems with `content` among those
/// that share a distinctive one, most first (ties in lexicon order).
pub(super) fn best_candidates(
    claims: &ClaimContent,
    content: &[u32],
    limit: usize,
) -> Vec<ClaimId> {
    let mut ranked: Vec<(usize, ClaimId)> = candidates(claims, content)
        .into_iter()
        .map(|c| (shared_count(content, claims.of(c)), c))
        .collect();
    let order = |a: &(usize, ClaimId), b: &(usize, ClaimId)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    // Only the best `limit` need ordering (ids are unique: no ties).
    if limit < ranked.len() {
        ranked.select_nth_unstable_by(limit, order);
        ranked.truncate(limit);
    }
    ranked.sort_by(order);
    ranked.into_iter().map(|(_, c)| c).collect()
}
