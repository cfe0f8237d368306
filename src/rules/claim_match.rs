//! How a draft's words find the lexicon's claims, for the rules that
//! compare sentences and quotations with claims (`unattributed-claim`,
//! `altered-quote`): each word's stem number, remembered per document; the
//! claims that share a distinctive stem; how many stems two lists share.

use super::claims::is_function_word;
use super::tokens::short_key;
use crate::analysis::claim_content::{ClaimContent, Stem};
use crate::analysis::memo::TextMemo;
use crate::analysis::{ClaimId, LexiconIndex};

/// How many words a [`StemMemo`] remembers before it starts again.
const MEMO_WORDS: usize = 1 << 18;

/// Each folded word's stem number, or that it is a function word,
/// remembered for one check (or, kept by the rule cache, for one document
/// with one lexicon): a draft repeats its words, and stemming is the
/// costly part. Stems no claim has get numbers of their own, counted down
/// from the top.
#[derive(Debug, Default)]
pub(crate) struct StemMemo {
    // foldhash, not SipHash: asked for every word of every sentence. Most
    // words are short enough to be looked up by a number
    // ([`short_key`]); `None` marks a function word.
    short: foldhash::HashMap<u128, Option<u32>>,
    long: foldhash::HashMap<String, Option<u32>>,
    unknown: foldhash::HashMap<String, u32>,
}

impl StemMemo {
    pub(super) fn is_known(&self, id: u32) -> bool {
        id < u32::MAX - self.unknown.len() as u32
    }

    /// What [`StemMemo::content_id`] answered for the word with this
    /// [`short_key`], if it was asked: the rules' word loops inline this
    /// hit and call `content_id` only for a word new to the memo.
    #[inline]
    pub(super) fn remembered(&self, key: u128) -> Option<Option<u32>> {
        self.short.get(&key).copied()
    }

    /// The stem number of a folded word; `None` for a function word
    /// ([`is_function_word`]), which carries no content. `key`: the word's
    /// [`short_key`] when the caller has it already.
    pub(super) fn content_id(
        &mut self,
        index: &LexiconIndex,
        folded: &str,
        key: Option<u128>,
    ) -> Option<u32> {
        let key = key.or_else(|| short_key(folded));
        let known = match key {
            Some(key) => self.short.get(&key),
            None => self.long.get(folded),
        };
        if let Some(&id) = known {
            return id;
        }
        // Every word typed stays remembered: start again past a bound.
        if self.short.len() + self.long.len() >= MEMO_WORDS {
            self.short.clear();
            self.long.clear();
            self.unknown.clear();
        }
        // Memos of other checks, and of the chunks of this one checked in
        // parallel, share what they stem through the index.
        let stem = index_stem(index, folded);
        let id = stem.map(|stem| match stem {
            Stem::Known(id) => id,
            Stem::Unknown(stem) => {
                let next = u32::MAX - self.unknown.len() as u32;
                *self.unknown.entry(stem).or_insert(next)
            }
        });
        match key {
            Some(key) => self.short.insert(key, id),
            None => self.long.insert(folded.to_string(), id),
        };
        id
    }
}

/// Each folded word's stem (`None` for a function word), for every check
/// made with one index: drafts share most of their words, and stemming a
/// word costs thousands of instructions where looking it up costs a hash.
/// A word's stem depends on nothing but the word and the index.
#[derive(Default)]
struct IndexStems(TextMemo<Option<Stem>>);

/// A word's stem: what [`IndexStems`] holds, else worked out and kept there.
fn index_stem(index: &LexiconIndex, folded: &str) -> Option<Stem> {
    let known = index.memo::<IndexStems>();
    if let Some(stem) = known.0.get(folded) {
        return stem;
    }
    let stem = plain_stem(&index.claim_content, folded);
    known.0.insert(folded, stem.clone());
    stem
}

/// A word's stem worked out afresh.
fn plain_stem(content: &ClaimContent, folded: &str) -> Option<Stem> {
    (!is_function_word(folded)).then(|| content.stem_of(folded))
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

/// How many items two ascending lists share (with repeats: each item of
/// one list pairs with at most one equal item of the other).
pub(super) fn shared_count<T: Ord>(a: &[T], b: &[T]) -> usize {
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

#[cfg(test)]
mod tests {
    use super::{index_stem, plain_stem, StemMemo};
    use crate::rules::testing::Lexicon;
    use crate::rules::tokens::short_key;
    use proptest::prelude::*;

    /// The hit the rules read inline is what `content_id` answered:
    /// function words, stems some claim has and stems none has alike.
    #[test]
    fn a_remembered_word_reads_what_content_id_answered() {
        let lexicon = Lexicon::sochi();
        let content = &lexicon.index;
        let mut memo = StemMemo::default();
        for &word in &WORDS[..7] {
            let key = short_key(word).unwrap();
            assert_eq!(memo.remembered(key), None, "{word}");
            let id = memo.content_id(content, word, None);
            assert_eq!(memo.remembered(key), Some(id), "{word}");
            assert_eq!(memo.content_id(content, word, Some(key)), id, "{word}");
        }
        assert_eq!(memo.remembered(short_key("the").unwrap()), Some(None));
        let missiles = memo.remembered(short_key("missiles").unwrap());
        assert!(missiles.flatten().is_some_and(|id| memo.is_known(id)));
        assert_eq!(missiles, memo.remembered(short_key("missile").unwrap()));
    }

    const WORDS: &[&str] = &[
        "the",
        "missiles",
        "missile",
        "designed",
        "zeppelins",
        "aircraft",
        "said",
        "weapons",
        "erdogan",
        "s-400s",
        "turkey's",
        "buying",
        "bought",
        "and",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The stems kept with the index, asked again and again by memos
        /// of their own (checks one after another, or run in parallel),
        /// are the stems worked out afresh: and so are the numbers each
        /// memo gives.
        #[test]
        fn the_index_stems_are_the_plain_ones(
            asks in prop::collection::vec(prop::collection::vec(0..WORDS.len(), 1..10), 1..5),
        ) {
            let lexicon = Lexicon::sochi();
            let index = &lexicon.index;
            for check in asks {
                let mut memo = StemMemo::default();
                // A fresh index for each check: nothing remembered but
                // the check's own words.
                let fresh_lexicon = Lexicon::sochi();
                let mut fresh = StemMemo::default();
                for w in check {
                    let word = WORDS[w];
                    prop_assert_eq!(index_stem(index, word), plain_stem(&index.claim_content, word));
                    let plain = fresh.content_id(&fresh_lexicon.index, word, None);
                    prop_assert_eq!(memo.content_id(index, word, None), plain, "{}", word);
                }
            }
        }
    }
}
