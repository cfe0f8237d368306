//! One document's analysis: its prose, the mentions and quotations in it,
//! and which lexicon claims the quotations reproduce.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use super::index::{EntityId, LexiconIndex};
use super::mentions::{resolve_mentions, scan_names, Mention, NameMatch};
use super::quotes::{match_quotation, QuoteMatch};
use super::speakers::{word_before, BlockAttributions, QuoteCover, Resolver};
use crate::text::attribution::{
    attribute_from, read_sentence, Attribution, InSentence, Lends, QuoteAttribution, Speaker,
};
use crate::text::prose::{self, DocKind, Prose};
use crate::text::quotes::{find_quotations, Quotation};
use crate::text::sentences::split_sentences_quoted;
use crate::text::versions::{common_prefix, common_suffix};

#[derive(Debug, Clone)]
pub struct DocAnalysis {
    pub kind: DocKind,
    /// Shared with the [`Incremental`] that made it, which splices the next
    /// version's prose from it.
    pub prose: Arc<Prose>,
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
    /// Which analysis this is, and what changed since the one before.
    pub revision: Revision,
}

/// An analysis's place among those one [`Incremental`] made: whoever kept
/// something of the analysis before (the rule cache) learns from it where
/// the versions differ without comparing their texts again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Revision {
    /// Unique in the process (0: an analysis no `Incremental` made).
    pub id: u64,
    /// The analysis made before this one from the same `Incremental`, if any.
    pub since: Option<Since>,
}

/// Where a version differs from the one analysed before it: the bytes the
/// two share at the front, and after those at the back, in the text and in
/// the masked text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Since {
    /// The [`Revision::id`] of the analysis before.
    pub previous: u64,
    pub text: (usize, usize),
    pub masked: (usize, usize),
}

/// The next [`Revision::id`].
fn next_revision() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Analyses a whole document.
pub fn analyze(text: &str, kind: DocKind, index: &LexiconIndex) -> DocAnalysis {
    Incremental::once().analyze(text, kind, index, 0)
}

/// What one prose block yields on its own, with offsets from the block's
/// start: the same text anywhere in any document yields the same part.
#[derive(Debug)]
struct BlockPart {
    /// The block's masked text, to tell a hash collision from a hit (empty
    /// in an analysis made once, which no version follows).
    text: Box<str>,
    sentences: Vec<Range<usize>>,
    /// The sentences' attributions outside quotations, in order, each with
    /// its sentence's index in the block: one list, empty (unallocated) in
    /// most blocks, rather than one per sentence.
    sentence_attributions: Vec<(usize, Attribution)>,
    /// What the sentences lend to the attribution of quotations, for those
    /// that lend anything: the index of the sentence in the block, and its
    /// [`Lends`] with this block's quotation indexes.
    lends: Vec<(usize, Lends)>,
    /// `continues` indexes this block's own quotations.
    quotations: Vec<Quotation>,
    names: Vec<NameMatch>,
    /// For each quotation, the claim it reproduces (outermost ones only).
    quote_claims: Vec<Option<QuoteMatch>>,
}

impl BlockPart {
    /// `keep_text`: whether the part keeps its block's text, which only a
    /// next version compares (an analysis made once keeps none).
    fn compute(
        masked: &str,
        block: Range<usize>,
        index: &LexiconIndex,
        keep_text: bool,
    ) -> BlockPart {
        let at = block.start;
        let quotations = find_quotations(masked, std::slice::from_ref(&block));
        let sentences = split_sentences_quoted(masked, block.clone(), Some(&quotations));
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
        let names = scan_names(masked, block.clone(), index);
        // Only this block's quotations can lie in its sentences.
        let mut lends = Vec::new();
        let mut sentence_attributions = Vec::new();
        for (i, s) in sentences.iter().enumerate() {
            let (found, lent) = read_sentence(masked, s.clone(), &quotations);
            if !lent.is_empty() {
                lends.push((i, shift_lends(lent, |p| p - at, |q| q)));
            }
            sentence_attributions
                .extend((found.into_iter()).map(|a| (i, shift_attribution(a, |p| p - at))));
        }
        let back = |r: &Range<usize>| r.start - at..r.end - at;
        BlockPart {
            text: if keep_text {
                masked[block.clone()].into()
            } else {
                Box::default()
            },
            sentences: sentences.into_iter().map(|s| back(&s)).collect(),
            sentence_attributions,
            lends,
            quotations: quotations
                .into_iter()
                .map(|q| Quotation {
                    range: back(&q.range),
                    inner: back(&q.inner),
                    ..q
                })
                .collect(),
            names: names
                .into_iter()
                .map(|m| NameMatch {
                    range: back(&m.range),
                    ..m
                })
                .collect(),
            quote_claims,
        }
    }
}

/// What the analysis of one document keeps between its versions, so that
/// an edit re-analyses only the paragraphs it touches: each prose block's
/// sentences, quotations, names and matched claims, found again by the
/// block's place or text. What spans blocks — quotations running over
/// paragraphs, which entity a name means once the full name has been used,
/// who a quotation is attributed to — is recomputed from these parts for
/// every version.
#[derive(Debug, Default)]
pub struct Incremental {
    /// The lexicon generation the parts were computed with.
    generation: u64,
    /// The last version's blocks, in order, with their parts.
    blocks: Vec<KeptBlock>,
    /// Attributions of each block's quotations, keyed by the window of
    /// blocks they depend on.
    windows: Stamped<WindowPart>,
    /// The person salient after each sentence of each block, keyed by the
    /// block's part.
    salience: Stamped<BlockSalience>,
    /// The last version's text and parse (a keystroke parses the Markdown
    /// again only around the edit), and the masked text of the one before.
    prose: prose::ProseCache,
    /// The [`Revision::id`] of the last analysis.
    last: Option<u64>,
    /// Made for one analysis from nothing ([`analyze`], `copydesk check`):
    /// no version follows, so the attribution windows and the salience of
    /// blocks are worked out without being stored in the maps above (and
    /// freed entry by entry with them).
    once: bool,
}

/// Values kept from one version to the next, each with the [`Revision::id`]
/// of the last analysis that used it: after each analysis those it did not
/// use are dropped in one sweep (a keystroke uses nearly all of them again,
/// which rebuilding the map would insert one by one).
type Stamped<T> = HashMap<u64, (u64, Arc<T>), PassThrough>;

/// The person salient after each sentence of one block (the antecedent of
/// "he said", see [`Resolver::salience`]), with everything it was worked
/// out from besides the block's text: the person salient before the block,
/// the entities the document's resolution gave the block's names, the
/// attributions of its quotations found in its own sentences, and the text
/// either side of it that tells whether a name at its edge is a subject.
/// Offsets are from the block's start.
#[derive(Debug)]
struct BlockSalience {
    part: Arc<BlockPart>,
    salient_before: Option<EntityId>,
    mentions: Vec<(Range<usize>, EntityId)>,
    /// For each of the block's quotations, its attribution where that lies
    /// in one of the block's sentences: the sentence's index in the block
    /// and the speaker.
    attributions: Vec<Option<(usize, Speaker)>>,
    /// See [`edges`].
    edges: (Box<str>, Box<str>),
    salient_after: Vec<Option<EntityId>>,
}

/// One block of a version with its part.
#[derive(Debug, Clone)]
struct KeptBlock {
    range: Range<usize>,
    /// The hash of the block's text: how its part is found when an edit
    /// elsewhere moved it (a paragraph cut and pasted, or one above it
    /// split in two).
    key: u64,
    part: Arc<BlockPart>,
}

/// Where one block's part landed in the document's lists.
struct Placed<'a> {
    part: &'a Arc<BlockPart>,
    at: usize,
    sentences: Range<usize>,
    quotations: Range<usize>,
    /// Its first quotation continues one left open by the block before.
    reopens: bool,
}

/// The attributions of one block's quotations. They depend on the block,
/// on the quotation running over paragraphs that it belongs to (earlier and
/// later parts lend their attribution), and on one sentence on either side
/// (a lead-in ending with a colon, "That was how X put it."): the window.
/// Offsets are from the window's start, indexes from its first sentence
/// and quotation.
#[derive(Debug)]
struct WindowPart {
    /// The window's blocks, held so that their identity cannot be reused,
    /// with their offsets from the window's start.
    blocks: Vec<(Arc<BlockPart>, usize)>,
    /// Which of them the attributions are for.
    target: usize,
    attributions: Vec<Option<QuoteAttribution>>,
}

impl Incremental {
    /// One for a single analysis from nothing, which no version follows
    /// (what [`analyze`] uses). Kept by a caller that would rather not free
    /// it, with the analysis, entry by entry just before the process ends.
    pub fn once() -> Incremental {
        Incremental {
            once: true,
            ..Incremental::default()
        }
    }

    /// Analyses `text`, reusing the parts of blocks whose text is unchanged
    /// since the last call with the same `generation` of the lexicon. The
    /// result is exactly what [`analyze`] returns.
    pub fn analyze(
        &mut self,
        text: &str,
        kind: DocKind,
        index: &LexiconIndex,
        generation: u64,
    ) -> DocAnalysis {
        self.analyze_shared(&Arc::new(text.to_owned()), kind, index, generation)
    }

    /// [`Self::analyze`] of a text shared with the caller: kept until the
    /// next version (to find what that one changed) without a copy.
    pub fn analyze_shared(
        &mut self,
        text: &Arc<String>,
        kind: DocKind,
        index: &LexiconIndex,
        generation: u64,
    ) -> DocAnalysis {
        if generation != self.generation {
            self.blocks.clear();
            self.windows.clear();
            self.salience.clear();
            self.generation = generation;
        }
        let prose = self.prose.extract_shared(text, kind);
        let masked = prose.masked.as_str();
        let (kept, masked_edit) = self.block_parts(masked, &prose.blocks, index);
        let id = next_revision();
        let revision = Revision {
            id,
            since: self
                .last
                .zip(self.prose.edit())
                .map(|(previous, text)| Since {
                    previous,
                    text,
                    masked: masked_edit,
                }),
        };
        self.last = Some(id);
        // Every list sized once: they are rebuilt for every version.
        let total = |n: fn(&BlockPart) -> usize| kept.iter().map(|k| n(&k.part)).sum::<usize>();
        let mut placed: Vec<Placed> = Vec::with_capacity(kept.len());
        let mut sentences = Vec::with_capacity(total(|p| p.sentences.len()));
        let mut quotations: Vec<Quotation> = Vec::with_capacity(total(|p| p.quotations.len()));
        let mut quote_claims = Vec::with_capacity(quotations.capacity());
        let mut names = Vec::with_capacity(total(|p| p.names.len()));
        let mut block_attributions = Vec::with_capacity(kept.len());
        // The unclosed outermost quotation ending the previous block.
        let mut running_over: Option<usize> = None;
        for KeptBlock { range, part, .. } in &kept {
            let block_text = &masked[range.clone()];
            let at = range.start;
            let shift = |r: &Range<usize>| r.start + at..r.end + at;
            let first_sentence = sentences.len();
            sentences.extend(part.sentences.iter().map(shift));
            if !part.sentences.is_empty() {
                block_attributions.push(BlockAttributions {
                    first_sentence,
                    sentences: part.sentences.len(),
                    at,
                    found: &part.sentence_attributions,
                });
            }
            let base = quotations.len();
            let reopen = running_over.take();
            let mut reopens = false;
            for (i, q) in part.quotations.iter().enumerate() {
                let mut continues = q.continues.map(|c| base + c);
                // A paragraph that opens with a quotation mark continues the
                // quotation left open at the end of the one before.
                if i == 0 && q.depth == 0 && opens_block(block_text, q) && continues.is_none() {
                    continues = reopen;
                    reopens = reopen.is_some();
                }
                if q.depth == 0 && !q.closed {
                    running_over = Some(base + i);
                }
                quotations.push(Quotation {
                    range: shift(&q.range),
                    inner: shift(&q.inner),
                    continues,
                    ..q.clone()
                });
            }
            quote_claims.extend(part.quote_claims.iter().copied());
            names.extend(part.names.iter().map(|m| NameMatch {
                range: shift(&m.range),
                ..m.clone()
            }));
            placed.push(Placed {
                part,
                at,
                sentences: first_sentence..sentences.len(),
                quotations: base..quotations.len(),
                reopens,
            });
        }
        let attributions = self.attribute(&quotations, &placed, id);
        let mentions = resolve_mentions(masked, &names, index);
        let resolver = Resolver {
            text: masked,
            sentences: &sentences,
            quotations: &quotations,
            mentions: &mentions,
            index,
            sentence_attributions: Some(&block_attributions),
        };
        let quote_speakers = self.quote_speakers(&resolver, &placed, &attributions, id);
        drop((placed, block_attributions));
        self.blocks = kept;
        if self.once {
            // No version follows to compare with this one's text: keep no
            // share of it, so a caller that gave it can take it back whole.
            self.prose = prose::ProseCache::default();
        }
        DocAnalysis {
            quote_speakers,
            kind,
            prose,
            sentences,
            mentions,
            quotations,
            attributions,
            quote_claims,
            revision,
        }
    }
}

/// How many blocks must lack a part before they are computed in parallel:
/// opening or checking a draft computes every block, a keystroke one or two,
/// which is faster done on the calling thread than handed to the pool. As
/// many blocks moved by an edit are looked up by their hash in a map rather
/// than one by one in the last version's list.
const PARALLEL_BLOCKS: usize = 8;

impl Incremental {
    /// Each block's part: the last version's where the block's text is
    /// unchanged, else computed afresh. A block's part depends on its text
    /// alone, so when many are missing they are computed on every core.
    /// Blocks whose range does not fall on character boundaries are left out.
    /// Also the bytes the masked text shares with the last version's at the
    /// front, and after those at the back.
    fn block_parts(
        &self,
        masked: &str,
        blocks: &[prose::Block],
        index: &LexiconIndex,
    ) -> (Vec<KeptBlock>, (usize, usize)) {
        let old = &self.blocks;
        // What the edit left alone: the versions' common start and end.
        // Where the last version's masked text agrees with this one's, a
        // block at the same place holds the same text: a keystroke finds all
        // but the edited block's part without hashing or comparing the text
        // of every block.
        let (was, now) = (self.prose.previous_masked().as_bytes(), masked.as_bytes());
        let prefix = common_prefix(was, now);
        let suffix = common_suffix(&was[prefix..], &now[prefix..]);
        let (old_tail, new_tail) = (was.len() - suffix, now.len() - suffix);
        // The last version's block at `range` exactly, if any.
        let kept_at = |range: Range<usize>| {
            old.binary_search_by_key(&range.start, |k| k.range.start)
                .ok()
                .map(|i| &old[i])
                .filter(|k| k.range == range)
        };
        let mut missing = Vec::new();
        let mut out: Vec<Option<KeptBlock>> = Vec::with_capacity(blocks.len());
        for (i, b) in blocks.iter().enumerate() {
            let range = b.range.clone();
            let Some(text) = masked.get(range.clone()) else {
                out.push(None);
                continue;
            };
            // A block wholly inside the common start, or the common end,
            // has the text of the last version's block at the same place.
            let same_place = if range.end <= prefix {
                kept_at(range.clone())
            } else if range.start >= new_tail {
                kept_at(range.start - new_tail + old_tail..range.end - new_tail + old_tail)
            } else {
                None
            };
            match same_place {
                Some(k) => {
                    debug_assert_eq!(*k.part.text, *text);
                    out.push(Some(KeptBlock {
                        range,
                        key: k.key,
                        part: k.part.clone(),
                    }));
                }
                None => {
                    missing.push(i);
                    out.push(None);
                }
            }
        }
        // The rest by their text, wherever they were.
        let by_key: Option<HashMap<u64, usize, PassThrough>> = (missing.len() >= PARALLEL_BLOCKS)
            .then(|| old.iter().enumerate().map(|(i, k)| (k.key, i)).collect());
        let mut compute = Vec::new();
        for i in missing {
            let range = blocks[i].range.clone();
            let text = &masked[range.clone()];
            // A part made once is never looked up again by its key.
            let key = if self.once { 0 } else { hash_text(text) };
            let found = match &by_key {
                Some(map) => map.get(&key).map(|&j| &old[j]),
                None => old.iter().find(|k| k.key == key),
            };
            match found.filter(|k| *k.part.text == *text) {
                Some(k) => {
                    out[i] = Some(KeptBlock {
                        range,
                        key,
                        part: k.part.clone(),
                    })
                }
                None => compute.push((i, key)),
            }
        }
        let part_of = |&(i, key): &(usize, u64)| {
            let range = blocks[i].range.clone();
            let part = Arc::new(BlockPart::compute(masked, range.clone(), index, !self.once));
            (i, KeptBlock { range, key, part })
        };
        let computed: Vec<_> = if compute.len() >= PARALLEL_BLOCKS {
            compute.par_iter().map(part_of).collect()
        } else {
            compute.iter().map(part_of).collect()
        };
        for (i, k) in computed {
            out[i] = Some(k);
        }
        (out.into_iter().flatten().collect(), (prefix, suffix))
    }
    /// Every quotation's attribution, block by block, each block's computed
    /// over its window only (see [`WindowPart`]) from what the window's
    /// sentences lend (read with the blocks' parts), and kept while the
    /// window is unchanged. Equal to `attribute_quotations` over the whole
    /// document.
    fn attribute(
        &mut self,
        quotations: &[Quotation],
        placed: &[Placed],
        revision: u64,
    ) -> Vec<Option<QuoteAttribution>> {
        if self.once {
            return attribute_whole(quotations, placed);
        }
        let mut out = Vec::with_capacity(quotations.len());
        for (b, block) in placed.iter().enumerate() {
            if block.quotations.is_empty() {
                continue;
            }
            // The quotation running over paragraphs through this block...
            let mut lo = b;
            while lo > 0 && placed[lo].reopens {
                lo -= 1;
            }
            let mut hi = b;
            while hi + 1 < placed.len() && placed[hi + 1].reopens {
                hi += 1;
            }
            // Only its quotations are attributed: those of the blocks
            // around lend nothing to them.
            let chain = placed[lo].quotations.start..placed[hi].quotations.end;
            // ...and a sentence on either side.
            if let Some(j) = (0..lo).rev().find(|&j| !placed[j].sentences.is_empty()) {
                lo = j;
            }
            if let Some(j) = (hi + 1..placed.len()).find(|&j| !placed[j].sentences.is_empty()) {
                hi = j;
            }
            let window = Window {
                placed: &placed[lo..=hi],
                target: b - lo,
                chain,
            };
            let (origin, s0, q0) = window.origin();
            let to_document = |a: QuoteAttribution| {
                let a = shift_quote_attribution(a, |p| p + origin);
                QuoteAttribution {
                    sentence: a.sentence + s0,
                    inherited_from: a.inherited_from.map(|i| i + q0),
                    ..a
                }
            };
            let mut key: u64 = 0x9e37_79b9_7f4a_7c15 ^ window.target as u64;
            for p in window.placed {
                let id = Arc::as_ptr(p.part) as usize as u64;
                key = (key ^ id)
                    .wrapping_mul(0x0000_0100_0000_01b3)
                    .rotate_left(29);
                key = (key ^ (p.at - origin) as u64).wrapping_mul(0x0000_0100_0000_01b3);
            }
            let same = |w: &WindowPart| {
                w.target == window.target
                    && w.blocks.len() == window.placed.len()
                    && w.blocks
                        .iter()
                        .zip(window.placed)
                        .all(|((part, off), p)| Arc::ptr_eq(part, p.part) && *off == p.at - origin)
            };
            let kept = match self.windows.get_mut(&key) {
                Some((used, w)) if same(w) => {
                    *used = revision;
                    Some(w.clone())
                }
                _ => None,
            };
            let kept = match kept {
                Some(w) => w,
                None => {
                    let w = Arc::new(WindowPart {
                        blocks: (window.placed.iter())
                            .map(|p| (Arc::clone(p.part), p.at - origin))
                            .collect(),
                        target: window.target,
                        attributions: window.attributions(quotations),
                    });
                    self.windows.insert(key, (revision, w.clone()));
                    w
                }
            };
            out.extend(kept.attributions.iter().map(|a| a.clone().map(to_document)));
        }
        self.windows.retain(|_, (used, _)| *used == revision);
        out
    }
}

/// Every quotation's attribution in an analysis made once, which keeps no
/// windows for a next version: one reading of what all the sentences lend,
/// as the windows would lend it block by block (a window holds all that its
/// quotations' attributions depend on, so the whole document gives each the
/// same), without a copy of every window's quotations and lends.
fn attribute_whole(quotations: &[Quotation], placed: &[Placed]) -> Vec<Option<QuoteAttribution>> {
    let sentences = placed.last().map_or(0, |p| p.sentences.end);
    let mut lends = vec![Lends::default(); sentences];
    for p in placed {
        for (i, lent) in &p.part.lends {
            lends[p.sentences.start + i] =
                shift_lends(lent.clone(), |x| x + p.at, |q| q + p.quotations.start);
        }
    }
    attribute_from(quotations, &lends, 0..quotations.len())
}

/// The blocks one block's quotations are attributed over (see
/// [`WindowPart`]).
struct Window<'p, 'a> {
    placed: &'p [Placed<'a>],
    /// The block whose quotations are attributed.
    target: usize,
    /// The quotation chain running through it: the quotations attributed.
    chain: Range<usize>,
}

impl Window<'_, '_> {
    /// Where the window starts in the document: its offset, first sentence
    /// and first quotation.
    fn origin(&self) -> (usize, usize, usize) {
        let first = &self.placed[0];
        (first.at, first.sentences.start, first.quotations.start)
    }

    /// The attributions of the target block's quotations, with offsets from
    /// the window's start and indexes from its first sentence and quotation.
    fn attributions(&self, quotations: &[Quotation]) -> Vec<Option<QuoteAttribution>> {
        let (origin, s0, q0) = self.origin();
        let last = &self.placed[self.placed.len() - 1];
        let local: Vec<Quotation> = quotations[q0..last.quotations.end]
            .iter()
            .map(|q| Quotation {
                continues: q.continues.and_then(|c| c.checked_sub(q0)),
                ..q.clone()
            })
            .collect();
        // What each of the window's sentences lends, with offsets from the
        // window's start.
        let mut lends = vec![Lends::default(); last.sentences.end - s0];
        for p in self.placed {
            let (off, first) = (p.at - origin, p.quotations.start - q0);
            for (i, lent) in &p.part.lends {
                lends[p.sentences.start - s0 + i] =
                    shift_lends(lent.clone(), |x| x + off, |q| q + first);
            }
        }
        let chain = self.chain.start - q0..self.chain.end - q0;
        let found = attribute_from(&local, &lends, chain);
        let target = &self.placed[self.target].quotations;
        found[target.start - q0..target.end - q0].to_vec()
    }
}

impl Incremental {
    /// Every quotation's speaker. The person salient after each sentence is
    /// carried from block to block; a block whose inputs are the last
    /// version's (see [`BlockSalience`]) lends the persons salient after its
    /// sentences without working them out again, so a keystroke resolves
    /// again the edited block and any whose inputs it changed.
    fn quote_speakers(
        &mut self,
        resolver: &Resolver,
        placed: &[Placed],
        attributions: &[Option<QuoteAttribution>],
        revision: u64,
    ) -> Vec<Option<EntityId>> {
        if self.once {
            // Block by block or in one run, the same persons are salient.
            return resolver.quote_speakers(attributions);
        }
        let cover = QuoteCover::new(resolver.quotations);
        let mentions = resolver.mentions;
        let mut salient_after = Vec::with_capacity(resolver.sentences.len());
        for p in placed {
            if p.sentences.is_empty() {
                continue;
            }
            let salient = salient_after.last().copied().flatten();
            let at = p.at;
            let block = at..at + p.part.text.len();
            let mine = &mentions[mentions.partition_point(|m| m.range.start < block.start)
                ..mentions.partition_point(|m| m.range.start < block.end)];
            // Offsets from the block's start (wrapping: a bijection, so
            // equal offsets are equal places whatever they are).
            let from = |r: &Range<usize>| r.start.wrapping_sub(at)..r.end.wrapping_sub(at);
            let attribution = |qi: usize| {
                let qa = attributions.get(qi)?.as_ref()?;
                let speaker = &qa.attribution.speaker;
                p.sentences.contains(&qa.sentence).then(|| {
                    let speaker = Speaker {
                        range: from(&speaker.range),
                        name: from(&speaker.name),
                        kind: speaker.kind,
                    };
                    (qa.sentence - p.sentences.start, speaker)
                })
            };
            let (before, after) = edges(resolver.text, block);
            let key = Arc::as_ptr(p.part) as usize as u64;
            let same = |b: &BlockSalience| {
                Arc::ptr_eq(&b.part, p.part)
                    && b.salient_before == salient
                    && *b.edges.0 == *before
                    && *b.edges.1 == *after
                    && b.mentions.len() == mine.len()
                    && (b.mentions.iter().zip(mine))
                        .all(|((r, e), m)| *e == m.entity && *r == from(&m.range))
                    && b.attributions.len() == p.quotations.len()
                    && (b.attributions.iter().zip(p.quotations.clone()))
                        .all(|(a, qi)| *a == attribution(qi))
            };
            let kept = match self.salience.get_mut(&key) {
                Some((used, b)) if same(b) => {
                    *used = revision;
                    salient_after.extend_from_slice(&b.salient_after);
                    true
                }
                _ => false,
            };
            if !kept {
                let first = salient_after.len();
                resolver.salience(
                    p.sentences.clone(),
                    salient,
                    attributions,
                    &cover,
                    &mut salient_after,
                );
                let computed = Arc::new(BlockSalience {
                    part: Arc::clone(p.part),
                    salient_before: salient,
                    mentions: mine.iter().map(|m| (from(&m.range), m.entity)).collect(),
                    attributions: p.quotations.clone().map(attribution).collect(),
                    edges: (before.into(), after.into()),
                    salient_after: salient_after[first..].to_vec(),
                });
                self.salience.insert(key, (revision, computed));
            }
        }
        self.salience.retain(|_, (used, _)| *used == revision);
        resolver.speakers(&salient_after, attributions, &cover)
    }
}

/// What whether a name is a subject may read outside its block (see
/// `Resolver::subject_like`): the word before the block, past any space,
/// and, after it, the space and word that follow or at least four
/// characters (a possessive ending).
fn edges(text: &str, block: Range<usize>) -> (&str, &str) {
    let after = &text[block.end..];
    let spaced = after.len() - after.trim_start_matches(' ').len();
    let word_end = after[spaced..]
        .find(|c: char| !c.is_alphabetic())
        .map_or(after.len(), |n| spaced + n);
    let four = after.char_indices().nth(4).map_or(after.len(), |(i, _)| i);
    (word_before(text, block.start), &after[..word_end.max(four)])
}

/// Lends with every offset moved by `f` and every quotation index by `q`.
fn shift_lends(l: Lends, f: impl Fn(usize) -> usize, q: impl Fn(usize) -> usize) -> Lends {
    let f = &f;
    Lends {
        quotes: l
            .quotes
            .into_iter()
            .map(|s| InSentence {
                quotation: q(s.quotation),
                found: s.found.map(|(a, p)| (shift_attribution(a, f), p)),
                ..s
            })
            .collect(),
        lead_in: l.lead_in.map(|a| shift_attribution(a, f)),
        put_it: l.put_it.map(|a| shift_attribution(a, f)),
    }
}

fn shift_quote_attribution(a: QuoteAttribution, f: impl Fn(usize) -> usize) -> QuoteAttribution {
    QuoteAttribution {
        attribution: shift_attribution(a.attribution, f),
        ..a
    }
}

/// An attribution with every offset moved by `f`.
fn shift_attribution(a: Attribution, f: impl Fn(usize) -> usize) -> Attribution {
    let r = |r: Range<usize>| f(r.start)..f(r.end);
    Attribution {
        speaker: Speaker {
            range: r(a.speaker.range),
            name: r(a.speaker.name),
            kind: a.speaker.kind,
        },
        cue: r(a.cue),
        order: a.order,
    }
}

/// Whether quotation `q` (offsets in the block) opens its block with a
/// double quotation mark: the quotations that continue one left open.
fn opens_block(block_text: &str, q: &Quotation) -> bool {
    let lead = block_text.len() - block_text.trim_start().len();
    q.range.start == lead && block_text[lead..].starts_with(['“', '„', '«', '”', '»', '"'])
}

/// The maps above are keyed by hashes already: hashing them again (SipHash,
/// for every block on every keystroke) would only cost time.
type PassThrough = BuildHasherDefault<PassThroughHasher>;

#[derive(Default)]
struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed here; fold anything else in anyway.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A multiplicative hash of 8-byte words: every block is hashed on every
/// version, so speed matters more than resistance to crafted collisions
/// (a hit is checked against the block's text).
fn hash_text(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for chunk in text.as_bytes().chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h ^= u64::from_le_bytes(word);
        h = h.wrapping_mul(0x0000_0100_0000_01b3).rotate_left(23);
    }
    h ^ text.len() as u64
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

/// What the incremental property tests (here and in the rule cache) share.
#[cfg(test)]
pub(crate) mod testing {
    /// Replaces `delete` characters at the fraction `where_` (0.0–1.0) of
    /// `text` with `insert`: a random edit that never splits a character.
    pub fn edit_at(text: &mut String, where_: f64, delete: usize, insert: &str) {
        let mut at = (where_ * text.len() as f64) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = at;
        for _ in 0..delete {
            if let Some(c) = text[end..].chars().next() {
                end += c.len_utf8();
            }
        }
        text.replace_range(at..end, insert);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::mentions::find_mentions;
    use crate::text::attribution::attribute_quotations;
    use crate::text::sentences::split_sentences;
    use proptest::prelude::*;

    const ARTICLE: &str = include_str!("../../tests/fixtures/sochi-putin-erdogan.txt");

    fn sochi() -> LexiconIndex {
        let text = include_str!("../../tests/fixtures/sochi.lexicon.json");
        LexiconIndex::of_json("sochi.lexicon.json", text)
    }

    /// The whole-document pipeline, stage by stage over the whole text: what
    /// the block-by-block analysis must reproduce.
    fn whole(text: &str, kind: DocKind, index: &LexiconIndex) -> DocAnalysis {
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
            .map(|q| (q.depth == 0).then(|| match_quotation(&masked[q.inner.clone()], index))?)
            .collect();
        let mentions = find_mentions(masked, index);
        let quote_speakers = Resolver {
            text: masked,
            sentences: &sentences,
            quotations: &quotations,
            mentions: &mentions,
            index,
            sentence_attributions: None,
        }
        .quote_speakers(&attributions);
        DocAnalysis {
            quote_speakers,
            kind,
            prose: Arc::new(prose),
            sentences,
            mentions,
            quotations,
            attributions,
            quote_claims,
            revision: Revision::default(),
        }
    }

    fn assert_same(got: &DocAnalysis, want: &DocAnalysis) {
        assert_eq!(got.prose.masked, want.prose.masked);
        assert_eq!(got.sentences, want.sentences);
        assert_eq!(got.quotations, want.quotations);
        assert_eq!(got.quote_claims, want.quote_claims);
        assert_eq!(got.mentions, want.mentions);
        assert_eq!(got.attributions, want.attributions);
        assert_eq!(got.quote_speakers, want.quote_speakers);
    }

    /// The reference article as a Markdown draft, with a quotation running
    /// over two paragraphs, a list and a block quote.
    fn draft() -> String {
        format!(
            "# Sochi\n\n{ARTICLE}\n\n“We buy our own weapons,\n\n“and we can strengthen our defense as we please,” Erdogan said.\n\n- Putin met Erdogan.\n- Has wrote that.\n\n> “I think it was worth it,” he said.\n"
        )
    }

    #[test]
    fn the_article_analyses_as_a_whole_document_would() {
        let index = sochi();
        let text = draft();
        assert!(prose::extract(&text, DocKind::Markdown).blocks.len() > 2 * PARALLEL_BLOCKS);
        let got = analyze(&text, DocKind::Markdown, &index);
        assert_same(&got, &whole(&text, DocKind::Markdown, &index));
        assert!(got.mentions.len() > 50 && got.quotations.len() > 10);
        assert!(
            got.quotations.iter().any(|q| q.continues.is_some()),
            "the running-over quotation is linked"
        );
    }

    /// The parts the last version of `inc` kept, in order.
    fn kept(inc: &Incremental) -> Vec<Arc<BlockPart>> {
        inc.blocks.iter().map(|k| k.part.clone()).collect()
    }

    /// How many of `now` are the very parts of `before`.
    fn reused(before: &[Arc<BlockPart>], now: &[Arc<BlockPart>]) -> usize {
        now.iter()
            .filter(|p| before.iter().any(|b| Arc::ptr_eq(b, p)))
            .count()
    }

    #[test]
    fn an_edit_reuses_the_untouched_paragraphs() {
        let index = sochi();
        let mut inc = Incremental::default();
        let text = draft();
        inc.analyze(&text, DocKind::Markdown, &index, 1);
        let before = kept(&inc);
        let windows_before: Vec<Arc<WindowPart>> =
            inc.windows.values().map(|(_, w)| w.clone()).collect();
        let salience_before: Vec<Arc<BlockSalience>> =
            inc.salience.values().map(|(_, s)| s.clone()).collect();
        let at = text.find("Nagorno-Karabakh").unwrap();
        let mut edited = text.clone();
        edited.insert(at, 'x');
        let got = inc.analyze(&edited, DocKind::Markdown, &index, 1);
        assert_same(&got, &whole(&edited, DocKind::Markdown, &index));
        // Only the edited paragraph's Markdown is parsed again.
        let paragraph = edited[..at].rfind("\n\n").unwrap() + 2;
        let paragraph = paragraph..paragraph + edited[paragraph..].find("\n\n").unwrap() + 2;
        assert_eq!(*inc.prose.parsed(), prose::Parsed::Window(paragraph));
        let now = kept(&inc);
        assert_eq!(
            reused(&before, &now),
            now.len() - 1,
            "only the edited paragraph is new"
        );
        // Attributions are worked out again only where the edited paragraph
        // is in the window: its own and its neighbours'.
        let windows_reused = inc
            .windows
            .values()
            .filter(|(_, w)| windows_before.iter().any(|b| Arc::ptr_eq(b, w)))
            .count();
        assert!(inc.windows.len() > 10);
        assert!(
            windows_reused + 3 >= inc.windows.len(),
            "{windows_reused} of {}",
            inc.windows.len()
        );
        // So is who is salient: the edited paragraph's and any whose
        // inputs it changed (the one after, if the salient person changed).
        let salience_reused = inc
            .salience
            .values()
            .filter(|(_, s)| salience_before.iter().any(|b| Arc::ptr_eq(b, s)))
            .count();
        assert!(inc.salience.len() > 20);
        assert!(
            salience_reused + 2 >= inc.salience.len(),
            "{salience_reused} of {}",
            inc.salience.len()
        );
        // A new lexicon generation recomputes every part.
        inc.analyze(&edited, DocKind::Markdown, &index, 2);
        assert_eq!(reused(&before, &kept(&inc)), 0);
    }

    /// A name two entities share stands for the one named in full before
    /// it, maybe paragraphs before: naming another in an earlier paragraph
    /// changes what the unchanged paragraph's name means.
    #[test]
    fn naming_someone_earlier_changes_a_shared_name_later() {
        let lexicon = r#"{"copydesk_lexicon": 1, "entities": [
 {"id": "kerim", "name": "Kerim Zade", "kind": "person", "aliases": ["Zade"]},
 {"id": "ali", "name": "Ali Zade", "kind": "person", "aliases": ["Zade"]}
]}"#;
        let index = LexiconIndex::of_json("x.lexicon.json", lexicon);
        let filler = "Nothing happened.\n\n".repeat(3);
        let mut inc = Incremental::default();
        let mut meant = Vec::new();
        for first in [
            "Ali Zade spoke.",
            "Kerim Zade spoke.",
            "Nobody spoke.",
            "Ali Zade spoke.",
        ] {
            let text = format!("{first}\n\n{filler}Then Zade wrote.\n");
            let got = inc.analyze(&text, DocKind::Markdown, &index, 0);
            assert_same(&got, &whole(&text, DocKind::Markdown, &index));
            let last = got.mentions.last().unwrap();
            meant.push(index.entity(last.entity).entity.id.clone());
        }
        assert_eq!(meant, ["ali", "kerim", "kerim", "ali"]);
    }

    /// A name opening a paragraph is no subject after "with" ending the one
    /// before: editing that word changes who "he" is in the unchanged
    /// paragraph, whose salient persons must be worked out again.
    #[test]
    fn the_word_before_a_paragraph_decides_its_subject() {
        let index = sochi();
        let with = "Putin arrived in Sochi.\n\nHe talked with\n\nErdogan for hours. “We buy our own weapons,” he said.\n";
        let without = with.replace("talked with", "talked.");
        let mut inc = Incremental::default();
        let mut speakers = Vec::new();
        for text in [with, &without, with] {
            let got = inc.analyze(text, DocKind::PlainText, &index, 0);
            assert_same(&got, &whole(text, DocKind::PlainText, &index));
            speakers.push(got.quote_speakers);
        }
        let name = |s: &[Option<EntityId>]| {
            s.iter()
                .map(|e| Some(index.entity((*e)?).entity.id.clone()))
                .collect::<Option<Vec<_>>>()
        };
        assert_eq!(name(&speakers[0]), Some(vec!["vladimir-putin".to_string()]));
        assert_eq!(
            name(&speakers[1]),
            Some(vec!["recep-tayyip-erdogan".to_string()])
        );
        assert_eq!(speakers[2], speakers[0]);
    }

    /// Paragraphs that an edit moves are found again by their text, not by
    /// their place: a cut-and-paste, or a line break splitting a paragraph
    /// above many others, computes no part of the paragraphs moved.
    #[test]
    fn moved_paragraphs_keep_their_parts() {
        let index = sochi();
        let text = draft();
        let paragraphs: Vec<&str> = text.split("\n\n").collect();
        assert!(paragraphs.len() > 2 * PARALLEL_BLOCKS);
        // The second and third paragraphs swapped, and the last moved first.
        let mut moved = paragraphs.clone();
        moved.swap(1, 2);
        let last = moved.pop().unwrap();
        moved.insert(0, last);
        let moved = moved.join("\n\n");
        for changed in [moved, text.replacen(". ", ".\n\n", 1)] {
            let mut inc = Incremental::default();
            inc.analyze(&text, DocKind::Markdown, &index, 0);
            let before = kept(&inc);
            let got = inc.analyze(&changed, DocKind::Markdown, &index, 0);
            assert_same(&got, &whole(&changed, DocKind::Markdown, &index));
            let now = kept(&inc);
            assert!(
                reused(&before, &now) + 2 >= now.len(),
                "{} of {} reused",
                reused(&before, &now),
                now.len()
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Random edits (letters, quotation marks, line breaks, Markdown
        /// syntax, names and pronouns) anywhere: the incremental analysis of every version
        /// equals the whole-document analysis of that version.
        #[test]
        fn incremental_analysis_equals_whole_document_analysis(
            edits in proptest::collection::vec(
                (0.0f64..1.0, 0usize..3, prop::sample::select(vec![
                    "x", " ", "\n", "\n\n", "“", "”", "\"", "’", ".", "Erdogan", "Has ",
                    "# ", "- ", "> ", "```", "`", ",” he said. “", "Mr. ",
                    // Who "he" is: a subject, or none after a preposition.
                    "He said it. ", "with ", "Putin ",
                    // Markdown that reaches past its paragraph.
                    "~~~\n", "```\n", "[x]: /u\n", "[x]", "1. ", "    ", "<div>\n",
                    "<!--", "-->", "\n---\n", "\n===\n", "| a |\n|---|\n", "*", "_",
                    "\r\n",
                ])),
                1..12,
            ),
            plain in any::<bool>(),
        ) {
            let index = sochi();
            let kind = if plain { DocKind::PlainText } else { DocKind::Markdown };
            let mut text = draft();
            let mut inc = Incremental::default();
            inc.analyze(&text, kind, &index, 0);
            for (where_, delete, insert) in edits {
                testing::edit_at(&mut text, where_, delete, insert);
                let want = whole(&text, kind, &index);
                let got = inc.analyze(&text, kind, &index, 0);
                assert_same(&got, &want);
                // From nothing, every block's part is computed in parallel.
                assert_same(&analyze(&text, kind, &index), &want);
            }
        }
    }
}
