//! How a draft's words find the lexicon's claims, for the rules that
//! compare sentences and quotations with claims (`unattributed-claim`,
//! `altered-quote`): each word's stem number, remembered per document; the
//! claims that share a distinctive stem; how many stems two lists share.

use super::claims::is_function_word;
use super::tokens::{key_has_letter, short_key};
use crate::analysis::claim_content::{ClaimContent, Stem};
use crate::analysis::memo::TextMemo;
use crate::analysis::{ClaimId, LexiconIndex};
use std::sync::Arc;

/// How many words a [`StemMemo`] remembers before it starts again.
const MEMO_WORDS: usize = 1 << 18;

/// Each folded word's stem number, or that it is a function word,
/// remembered for one check (or, kept by the rule cache, for one document
/// with one lexicon): a draft repeats its words, and stemming is the
/// costly part. Stems no claim has get numbers of their own, counted down
/// from the top.
#[derive(Debug, Default)]
pub(crate) struct StemMemo {
    // Most words are short enough to be looked up by a number
    // ([`short_key`]): a table of their own, asked for every word of
    // every sentence.
    short: ShortTable,
    // foldhash, not SipHash.
    long: foldhash::HashMap<String, Remembered>,
    unknown: foldhash::HashMap<String, u32>,
    /// The index's memo of stems, found once (a memo serves one index).
    index_stems: Option<Arc<IndexStems>>,
}

/// What a [`StemMemo`] keeps for a word: [`StemMemo::content_id`]'s
/// answer, and what `unattributed-claim` asks of every word besides, worked
/// out once when the word is first seen rather than each time it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Remembered {
    /// The stem number (unused for a function word).
    id: u32,
    /// [`Remembered::FUNCTION`], [`Remembered::NO_LETTER`],
    /// [`Remembered::DISTINCTIVE`].
    flags: u8,
}

impl Remembered {
    /// A function word: no stem number.
    const FUNCTION: u8 = 1;
    /// A keyed word whose key has no ASCII letter ([`key_has_letter`]).
    const NO_LETTER: u8 = 2;
    /// The stem is distinctive ([`ClaimContent::is_distinctive`]).
    const DISTINCTIVE: u8 = 4;

    fn new(index: &LexiconIndex, id: Option<u32>, key: Option<u128>) -> Remembered {
        let mut flags = match id {
            Some(id) if index.claim_content.is_distinctive(id) => Remembered::DISTINCTIVE,
            Some(_) => 0,
            None => Remembered::FUNCTION,
        };
        if key.is_some_and(|key| !key_has_letter(key)) {
            flags |= Remembered::NO_LETTER;
        }
        Remembered {
            id: id.unwrap_or_default(),
            flags,
        }
    }

    /// [`StemMemo::content_id`]'s answer: `None` for a function word.
    pub(super) fn id(self) -> Option<u32> {
        (self.flags & Remembered::FUNCTION == 0).then_some(self.id)
    }

    /// The stem number of a keyed word that carries content: it has a
    /// letter and is no function word (one test of both).
    #[inline]
    pub(super) fn content(self) -> Option<u32> {
        (self.flags & (Remembered::FUNCTION | Remembered::NO_LETTER) == 0).then_some(self.id)
    }

    /// Whether the stem is distinctive (false for a function word).
    #[inline]
    pub(super) fn is_distinctive(self) -> bool {
        self.flags & Remembered::DISTINCTIVE != 0
    }
}

impl StemMemo {
    pub(super) fn is_known(&self, id: u32) -> bool {
        id < u32::MAX - self.unknown.len() as u32
    }

    /// What the memo keeps for the word with this [`short_key`], if it
    /// was asked: the rules' word loops inline this hit and call
    /// [`StemMemo::remember`] only for a word new to the memo.
    #[inline]
    pub(super) fn remembered(&self, key: u128) -> Option<Remembered> {
        self.short.get(key)
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
        self.remember(index, folded, key).id()
    }

    /// What the memo keeps for a folded word (see
    /// [`StemMemo::content_id`]), worked out if it is new.
    pub(super) fn remember(
        &mut self,
        index: &LexiconIndex,
        folded: &str,
        key: Option<u128>,
    ) -> Remembered {
        // The empty word's key is 0, which the table keeps for its empty
        // slots: it is looked up by its text.
        let key = key.or_else(|| short_key(folded)).filter(|&k| k != 0);
        let known = match key {
            Some(key) => self.short.get(key),
            None => self.long.get(folded).copied(),
        };
        if let Some(known) = known {
            return known;
        }
        // Every word typed stays remembered: start again past a bound.
        if self.short.len() + self.long.len() >= MEMO_WORDS {
            self.short.clear();
            self.long.clear();
            self.unknown.clear();
        }
        // Memos of other checks, and of the chunks of this one checked in
        // parallel, share what they stem through the index.
        let known = self
            .index_stems
            .get_or_insert_with(|| index.memo::<IndexStems>());
        let stem = stem_with(known, index, folded);
        let id = stem.map(|stem| match stem {
            Stem::Known(id) => id,
            Stem::Unknown(stem) => {
                let next = u32::MAX - self.unknown.len() as u32;
                *self.unknown.entry(stem).or_insert(next)
            }
        });
        let answer = Remembered::new(index, id, key);
        match key {
            Some(key) => self.short.insert(key, answer),
            None => {
                self.long.insert(folded.to_string(), answer);
            }
        };
        answer
    }
}

/// Short words' keys → what the memo keeps for them: open addressing with
/// linear probing over one array of keys and answers. Asked for every word
/// of every sentence, where a general hash map's probe (a group of tags,
/// then the key) costs about twice as much as reading the slot the hash
/// names and comparing its key. Key 0 marks an empty slot (no non-empty
/// word has it).
#[derive(Debug, Default)]
struct ShortTable {
    slots: Vec<Slot>,
    len: usize,
    // foldhash's per-process seed: a draft written to collide cannot pick
    // its keys' slots.
    hasher: foldhash::fast::RandomState,
}

/// A key (in two halves: 24 bytes a slot rather than a `u128`'s 32) and
/// what is kept for it.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    lo: u64,
    hi: u64,
    value: Remembered,
}

/// The table's first size; it doubles when half full.
const FIRST_SLOTS: usize = 1 << 10;

impl ShortTable {
    fn len(&self) -> usize {
        self.len
    }

    /// The slot a key's probe starts at (`slots` is not empty, its length
    /// a power of two).
    #[inline]
    fn start(&self, key: u128) -> usize {
        use std::hash::BuildHasher;
        (self.hasher.hash_one(key) as usize) & (self.slots.len() - 1)
    }

    #[inline]
    fn get(&self, key: u128) -> Option<Remembered> {
        if self.slots.is_empty() {
            return None;
        }
        let (lo, hi) = (key as u64, (key >> 64) as u64);
        let mask = self.slots.len() - 1;
        let mut i = self.start(key);
        loop {
            // In range: `i` is masked. Half the slots at most are full,
            // so an empty one ends every probe.
            let slot = self.slots.get(i)?;
            if slot.lo == lo && slot.hi == hi {
                return Some(slot.value);
            }
            if slot.lo == 0 && slot.hi == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Keeps `value` for `key` (not 0, and not in the table).
    fn insert(&mut self, key: u128, value: Remembered) {
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        self.put(key, value);
        self.len += 1;
    }

    /// Writes `key` into the first empty slot of its probe.
    fn put(&mut self, key: u128, value: Remembered) {
        let mask = self.slots.len() - 1;
        let mut i = self.start(key);
        while self.slots[i].lo != 0 || self.slots[i].hi != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = Slot {
            lo: key as u64,
            hi: (key >> 64) as u64,
            value,
        };
    }

    fn grow(&mut self) {
        let size = (2 * self.slots.len()).max(FIRST_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        for slot in old.into_iter().filter(|s| s.lo != 0 || s.hi != 0) {
            self.put(u128::from(slot.lo) | u128::from(slot.hi) << 64, slot.value);
        }
    }

    /// Forgets every key, keeping the slots.
    fn clear(&mut self) {
        self.slots.fill(Slot::default());
        self.len = 0;
    }
}

/// Each folded word's stem (`None` for a function word), for every check
/// made with one index: drafts share most of their words, and stemming a
/// word costs thousands of instructions where looking it up costs a hash.
/// A word's stem depends on nothing but the word and the index.
#[derive(Default)]
struct IndexStems(TextMemo<Option<Stem>>);

impl std::fmt::Debug for IndexStems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IndexStems")
    }
}

/// A word's stem: what [`IndexStems`] holds, else worked out and kept there.
#[cfg(test)]
fn index_stem(index: &LexiconIndex, folded: &str) -> Option<Stem> {
    stem_with(&index.memo::<IndexStems>(), index, folded)
}

/// [`index_stem`] with the index's memo at hand.
fn stem_with(known: &IndexStems, index: &LexiconIndex, folded: &str) -> Option<Stem> {
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
    use super::{index_stem, plain_stem, Remembered, ShortTable, StemMemo};
    use crate::rules::testing::Lexicon;
    use crate::rules::tokens::{key_has_letter, short_key};
    use proptest::prelude::*;

    /// The hit the rules read inline is what `content_id` answered, and
    /// its flags are the plain tests: function words, stems some claim has
    /// and stems none has alike.
    #[test]
    fn a_remembered_word_reads_what_content_id_answered() {
        let lexicon = Lexicon::sochi();
        let index = &lexicon.index;
        let mut memo = StemMemo::default();
        for &word in WORDS.iter().chain(&["2019", "s-400", "1,200", "x"]) {
            let key = short_key(word).unwrap();
            assert_eq!(memo.remembered(key), None, "{word}");
            let id = memo.content_id(index, word, None);
            let remembered = memo.remembered(key).unwrap();
            assert_eq!(remembered.id(), id, "{word}");
            assert_eq!(memo.content_id(index, word, Some(key)), id, "{word}");
            let content = id.filter(|_| key_has_letter(key));
            assert_eq!(remembered.content(), content, "{word}");
            let distinctive = id.is_some_and(|id| index.claim_content.is_distinctive(id));
            assert_eq!(remembered.is_distinctive(), distinctive, "{word}");
        }
        let the = memo.remembered(short_key("the").unwrap()).unwrap();
        assert_eq!((the.id(), the.content()), (None, None));
        let missiles = memo.remembered(short_key("missiles").unwrap()).unwrap();
        assert!(missiles.content().is_some_and(|id| memo.is_known(id)));
        assert!(missiles.is_distinctive());
        assert_eq!(
            Some(missiles),
            memo.remembered(short_key("missile").unwrap())
        );
        let year = memo.remembered(short_key("2019").unwrap()).unwrap();
        assert!(year.id().is_some() && year.content().is_none());
        // The empty word is kept by its text, not by its key (0).
        assert_eq!(
            memo.content_id(index, "", None),
            memo.content_id(index, "", Some(0))
        );
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

        /// The short words' table keeps what a map keeps, through growth
        /// and clearing: keys of every length, and keys that differ in one
        /// byte only.
        #[test]
        fn the_short_table_answers_as_a_map(
            ops in prop::collection::vec((0u8..4, 1usize..16, any::<u128>(), any::<u32>()), 0..3000),
        ) {
            let mut table = ShortTable::default();
            let mut plain = std::collections::HashMap::new();
            for (op, len, bits, id) in ops {
                // A key as `short_key` makes them: bytes, then the length
                // (never 0); few distinct bytes, so keys repeat.
                let bytes = bits.to_le_bytes().map(|b| b & 0x61);
                let key = bytes.iter().take(len).enumerate().fold(
                    (len as u128) << 120,
                    |key, (i, &b)| key | u128::from(b) << (8 * i),
                );
                let value = Remembered { id, flags: (id % 8) as u8 };
                match op {
                    0 if !plain.contains_key(&key) => {
                        table.insert(key, value);
                        plain.insert(key, value);
                    }
                    1 if id % 64 == 0 => {
                        table.clear();
                        plain.clear();
                    }
                    _ => {}
                }
                prop_assert_eq!(table.get(key), plain.get(&key).copied());
                prop_assert_eq!(table.len(), plain.len());
            }
            for (&key, &value) in &plain {
                prop_assert_eq!(table.get(key), Some(value));
            }
        }
    }
}
