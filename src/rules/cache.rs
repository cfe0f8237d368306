//! Rule findings kept between versions of a document, so that a keystroke
//! re-checks only the paragraphs it touches.
//!
//! The document is cut into *units*: runs of prose blocks that no rule
//! looks across. A unit is one block, or several when a quotation runs on
//! from one paragraph into the next, when a quotation's attribution sits in
//! another paragraph (a lead-in ending with a colon, "That was how X put
//! it."), or when a known quotation is given to "he" or "she", whose
//! antecedent may be in the paragraph before. Every rule but
//! `first-reference` gives, for the sentences, quotations and mentions of a
//! unit, findings that depend only on
//! - the unit's text, masked and as written, and the text just before it
//!   (back to the start of its line and past the blanks to the last
//!   character: a lead-in colon, a currency sign, a title before a name);
//! - the analysis's facts inside the unit: blocks, sentences, quotations
//!   with their attributions and matched claims, mentions;
//! - the lexicon (its generation) and the rule configuration;
//! - whether a person was already named before a position, which a quick
//!   fix's wording depends on: each such question asked while checking the
//!   unit is recorded with its answer and asked again before reuse.
//!
//! A unit's entry is found by a hash of its masked text and its facts
//! (offsets relative to the unit's start) and reused, shifted, only when
//! texts, facts and recorded answers are all equal. What spans units is
//! recomputed for every version from cheap per-unit summaries: which person
//! is first named in the story (`first-reference`), a transliterated name
//! whose given name ends one block and whose surname opens the next
//! (`name-variant`), and suppression comments. The result is exactly
//! [`super::check`]'s (property-tested).

use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use super::claim_match::StemMemo;
use super::suppress::{self, Suppressions};
use super::{
    first_reference, name_variant, sort_findings, Context, Finding, IdHasher, IdMap, RuleConfig,
    Scope, LOCAL_RULES,
};
use crate::analysis::document::Since;
use crate::analysis::{DocAnalysis, EntityId, LexiconIndex};
use crate::rules::Rule;
use crate::text::attribution::SpeakerKind;
use crate::text::versions::{common_prefix, common_suffix};

/// How many units must lack findings before they are checked on every core:
/// opening a draft checks them all, a keystroke one or two, which is faster
/// done on the calling thread than handed to the pool.
const PARALLEL_UNITS: usize = 8;

/// One open document's rule findings, per unit, between its versions.
#[derive(Debug, Default)]
pub struct Checker {
    /// The lexicon generation and rule settings the entries were made with.
    made_with: Option<(u64, RuleConfig)>,
    /// The last version's units, in document order, where they were.
    placed: Vec<Placed>,
    /// The last version's text and its analysis. Comparing a new version
    /// with them once, front and back, tells which units the edit left
    /// alone, so those are not hashed; how far the two analyses' lists
    /// agree ([`Agreed`]) tells that their facts are unchanged.
    text: Arc<String>,
    analysis: Option<Arc<DocAnalysis>>,
    /// The revision id of the last version's analysis: when the next
    /// analysis says what changed since that one, the texts are not compared.
    revision: Option<u64>,
    /// Whether the last version held a suppression comment's prefix.
    directives: bool,
    /// `name-variant`'s findings across each pair of the last version's
    /// adjacent units (at the index of the first).
    across: Vec<Vec<Finding>>,
    /// Scratch for a unit's facts, reused between units and versions.
    facts: Vec<u64>,
    /// Scratch for `first-reference`: the people already met.
    seen: HashSet<EntityId, BuildHasherDefault<IdHasher>>,
    /// The stems of the document's words (they depend on the lexicon).
    stems: StemMemo,
}

/// What one unit yielded, with the offsets of the version it was checked in.
/// Shared, never changed: a unit that moves is placed elsewhere, not edited.
#[derive(Debug)]
struct Unit {
    /// A hash of the unit's masked text (from its context's start) and its
    /// facts: how a unit the edit moved is found again.
    key: u64,
    facts: Box<[u64]>,
    /// Where the unit started.
    start: usize,
    /// In document order.
    findings: Vec<Finding>,
    /// `first-reference`'s candidates in the unit.
    first_references: Vec<(EntityId, Option<Finding>)>,
    /// "Was this person named before this offset?" and the answer.
    named_before: Vec<(EntityId, usize, bool)>,
    /// The entities the unit mentions, sorted, once each: an edit elsewhere
    /// changes the answers above only for the people it names or unnames.
    entities: Box<[EntityId]>,
}

/// A unit where a version has it.
#[derive(Debug, Clone)]
struct Placed {
    unit: Arc<Unit>,
    context: usize,
    start: usize,
    end: usize,
    /// Its blocks, sentences, quotations and mentions in that version's
    /// analysis.
    blocks: Range<usize>,
    sentences: Range<usize>,
    quotations: Range<usize>,
    mentions: Range<usize>,
}

/// A unit of the current version: block, sentence, quotation and mention
/// index ranges, and bytes.
struct Span {
    blocks: Range<usize>,
    scope: Scope,
    /// Where the text the unit depends on starts (at or before
    /// `scope.bytes.start`).
    context: usize,
}

impl Span {
    fn at(&self, unit: Arc<Unit>) -> Placed {
        Placed {
            unit,
            context: self.context,
            start: self.scope.bytes.start,
            end: self.scope.bytes.end,
            blocks: self.blocks.clone(),
            sentences: self.scope.sentences.clone(),
            quotations: self.scope.quotations.clone(),
            mentions: self.scope.mentions.clone(),
        }
    }

    /// Whether `old` covered the same bytes, `delta` bytes earlier.
    fn same_place(&self, old: &Placed, delta: isize) -> bool {
        let moved = |at: usize| at.wrapping_add_signed(delta);
        (moved(old.context), moved(old.start), moved(old.end))
            == (self.context, self.scope.bytes.start, self.scope.bytes.end)
    }
}

impl Checker {
    /// The findings for `text` and its analysis: equal to [`super::check`],
    /// reusing what the unchanged units yielded in earlier calls with the
    /// same lexicon `generation` and configuration.
    ///
    /// The units an edit left alone are found by position: those wholly in
    /// the bytes before the first change (or after the last, moved by the
    /// change in length) are the last version's units there when their
    /// facts are equal. Only the units between are hashed and compared, or
    /// checked afresh.
    pub fn check(
        &mut self,
        text: &Arc<String>,
        analysis: &Arc<DocAnalysis>,
        index: &LexiconIndex,
        generation: u64,
        config: &RuleConfig,
    ) -> Vec<Finding> {
        if self
            .made_with
            .as_ref()
            .is_none_or(|(g, c)| *g != generation || c != config)
        {
            self.placed.clear();
            self.text = Arc::default();
            self.analysis = None;
            self.across.clear();
            self.revision = None;
            self.directives = false;
            self.stems = StemMemo::default();
            self.made_with = Some((generation, config.clone()));
        }
        let stems = RefCell::new(std::mem::take(&mut self.stems));
        let mut cx = Context::new(text, analysis, index);
        cx.stems = Some(&stems);
        let spans = spans(&cx);
        let was = self.analysis.take();
        let was_masked = was.as_ref().map_or(&[][..], |w| w.prose.masked.as_bytes());
        let same = match analysis.revision.since {
            Some(since) if Some(since.previous) == self.revision => {
                Unchanged::from_since(&since, self.text.len(), text.len())
            }
            _ => Unchanged::between(self.text.as_bytes(), was_masked, text, cx.masked),
        };
        let old = std::mem::take(&mut self.placed);
        let (n_new, n_old) = (spans.len(), old.len());
        let agreed = was
            .as_ref()
            .filter(|_| n_old > 0)
            .map(|w| Agreed::new(analysis, w, same.delta));

        // The units at the front and at the back that the edit left alone.
        let mut front = 0;
        while front < n_new.min(n_old) {
            let (span, o) = (&spans[front], &old[front]);
            if span.scope.bytes.end > same.prefix
                || !span.same_place(o, 0)
                || !agreed.as_ref().is_some_and(|a| a.at_front(span, o))
            {
                break;
            }
            front += 1;
        }
        let mut back = 0;
        while back < (n_new - front).min(n_old - front) {
            let (span, o) = (&spans[n_new - 1 - back], &old[n_old - 1 - back]);
            if span.context < same.suffix_from
                || !span.same_place(o, same.delta)
                || !agreed.as_ref().is_some_and(|a| a.at_back(span, o))
            {
                break;
            }
            back += 1;
        }

        // Whether a person was named before a position changes only with
        // the mentions between the edit's bounds: before them none moved,
        // after them all moved alike. And as every mention between ends
        // before the units after, for those it matters only whether a
        // person is named between at all: the people named between in one
        // version and not in the other.
        let between_new = front..n_new - back;
        let between_old = front..n_old - back;
        let named_old = entities(
            old[between_old.clone()]
                .iter()
                .flat_map(|o| o.unit.entities.iter().copied()),
        );
        let named_new = entities(
            spans[between_new.clone()]
                .iter()
                .flat_map(|s| &analysis.mentions[s.scope.mentions.clone()])
                .map(|m| m.entity),
        );
        let named_between: Vec<EntityId> = named_old
            .iter()
            .filter(|e| named_new.binary_search(e).is_err())
            .chain(
                named_new
                    .iter()
                    .filter(|e| named_old.binary_search(e).is_err()),
            )
            .copied()
            .collect();
        let front_ends = spans
            .get(front)
            .map(|s| s.scope.bytes.start)
            .into_iter()
            .chain(old.get(front).map(|o| o.start))
            .min()
            .unwrap_or(usize::MAX);
        let back_starts = spans
            .get(n_new - back)
            .map_or(usize::MAX, |s| s.scope.bytes.start);

        let mut units: Vec<Option<Arc<Unit>>> = Vec::with_capacity(n_new);
        for (span, o) in spans[..front].iter().zip(&old) {
            let holds = answers_hold(&cx, &o.unit, span, |_, at| at <= front_ends);
            units.push(holds.then(|| o.unit.clone()));
        }
        // Units the edit moved or made: looked up by hash among the last
        // version's units between.
        let by_key: IdMap<u64, &Placed> =
            old[between_old].iter().map(|o| (o.unit.key, o)).collect();
        for span in &spans[between_new] {
            units.push(self.moved(&cx, span, &by_key, was_masked));
        }
        for (span, o) in spans[n_new - back..].iter().zip(&old[n_old - back..]) {
            let holds = answers_hold(&cx, &o.unit, span, |entity, at| {
                at >= back_starts && !named_between.contains(&entity)
            });
            units.push(holds.then(|| o.unit.clone()));
        }
        drop(by_key);
        drop(old);

        // The rest are checked afresh, on every core when there are many.
        let missing: Vec<usize> = (0..n_new).filter(|&i| units[i].is_none()).collect();
        if missing.len() >= PARALLEL_UNITS {
            // Each thread needs a context of its own (it memoises in
            // cells); results come back in order, so they do not depend on
            // which thread checked what.
            let per_chunk = missing
                .len()
                .div_ceil(2 * rayon::current_num_threads())
                .max(1);
            // The chunks share what they stem through the index's memo
            // (`claim_match::index_stem`): a draft repeats its words in
            // every chunk.
            let checked: Vec<Vec<Arc<Unit>>> = missing
                .par_chunks(per_chunk)
                .map(|chunk| {
                    let stems = RefCell::new(StemMemo::default());
                    let mut cx = Context::new(text, analysis, index);
                    cx.stems = Some(&stems);
                    chunk
                        .iter()
                        .map(|&i| fresh(&cx, &spans[i], config))
                        .collect()
                })
                .collect();
            for (i, unit) in missing.iter().zip(checked.into_iter().flatten()) {
                units[*i] = Some(unit);
            }
        } else {
            for &i in &missing {
                units[i] = Some(fresh(&cx, &spans[i], config));
            }
        }
        let units: Vec<Arc<Unit>> = units.into_iter().map(|u| u.expect("every unit")).collect();

        let mut findings = Vec::with_capacity(units.iter().map(|u| u.findings.len()).sum());
        for (unit, span) in units.iter().zip(&spans) {
            let delta = span.scope.bytes.start as isize - unit.start as isize;
            findings.extend(unit.findings.iter().map(|f| shifted(f, delta)));
        }
        if config.enabled(Rule::FirstReference) {
            self.seen.clear();
            for (unit, span) in units.iter().zip(&spans) {
                let delta = span.scope.bytes.start as isize - unit.start as isize;
                for (entity, finding) in &unit.first_references {
                    if self.seen.insert(*entity) {
                        findings.extend(finding.as_ref().map(|f| shifted(f, delta)));
                    }
                }
            }
        }
        let old_across = std::mem::take(&mut self.across);
        if config.enabled(Rule::NameVariant) {
            let severity = config.severity(Rule::NameVariant);
            // A pair's findings depend on its units' texts, mentions and
            // the blank between: a pair the edit left alone (both units
            // at the front, or both at the back, with a byte to spare
            // either side) yields the last version's, moved.
            let reuse = old_across.len() + 1 == n_old;
            let mut across = Vec::with_capacity(n_new.saturating_sub(1));
            for (k, pair) in spans.windows(2).enumerate() {
                let kept = if !reuse {
                    None
                } else if k + 1 < front && pair[1].scope.bytes.end < same.prefix {
                    Some((k, 0))
                } else if k >= n_new - back && pair[0].scope.bytes.start > same.suffix_from {
                    Some((k + n_old - n_new, same.delta))
                } else {
                    None
                };
                let found: Vec<Finding> = match kept {
                    Some((j, delta)) => old_across[j].iter().map(|f| shifted(f, delta)).collect(),
                    None => {
                        let between = pair[0].scope.bytes.end..pair[1].scope.bytes.start;
                        name_variant::across(&cx, severity, between)
                    }
                };
                findings.extend_from_slice(&found);
                across.push(found);
            }
            self.across = across;
        }
        drop(cx);
        self.stems = stems.into_inner();
        // Each unit's findings are in order already: this merges runs.
        sort_findings(&mut findings);

        // A document without suppression comments stays without them
        // unless the edit typed one: no need to look through all of it.
        let changed = same.changed_in(text.len());
        self.directives = if self.directives || changed.len() == text.len() {
            text.contains(suppress::PREFIX)
        } else {
            let margin = suppress::PREFIX.len() - 1;
            let around =
                changed.start.saturating_sub(margin)..(changed.end + margin).min(text.len());
            suppress::may_hold(&text.as_bytes()[around])
        };
        if self.directives {
            Suppressions::parse(text, analysis.kind).retain(&mut findings);
        }

        self.placed = spans
            .iter()
            .zip(units)
            .map(|(span, unit)| span.at(unit))
            .collect();
        self.text = text.clone();
        self.analysis = Some(analysis.clone());
        self.revision = Some(analysis.revision.id);
        findings
    }

    /// A unit of the last version, between the edit's bounds, that holds for
    /// `span` (same text, facts and answers, anywhere), if any.
    fn moved(
        &mut self,
        cx: &Context<'_>,
        span: &Span,
        by_key: &IdMap<u64, &Placed>,
        was_masked: &[u8],
    ) -> Option<Arc<Unit>> {
        let bytes = &span.scope.bytes;
        let masked = &cx.masked[span.context..bytes.end];
        let written = &cx.text[span.context..bytes.end];
        self.facts.clear();
        facts(cx, span, &mut self.facts);
        let key = hash_words(&self.facts, hash_bytes(masked.as_bytes()));
        let o = by_key.get(&key)?;
        let holds = *o.unit.facts == *self.facts
            && was_masked.get(o.context..o.end) == Some(masked.as_bytes())
            && self.text.as_bytes().get(o.context..o.end) == Some(written.as_bytes())
            && answers_hold(cx, &o.unit, span, |_, _| false);
        holds.then(|| o.unit.clone())
    }
}

/// Whether the "named before?" answers `unit` recorded still hold placed at
/// `span`; `known(entity, at)` says which need not be asked again.
fn answers_hold(
    cx: &Context<'_>,
    unit: &Unit,
    span: &Span,
    known: impl Fn(EntityId, usize) -> bool,
) -> bool {
    let delta = span.scope.bytes.start as isize - unit.start as isize;
    unit.named_before.iter().all(|&(entity, at, answer)| {
        let at = at.wrapping_add_signed(delta);
        known(entity, at) || cx.named_before(entity, at) == answer
    })
}

/// How far the last version's analysis and this one's agree, list by
/// list: the items at the front that are equal, and those at the back that
/// are equal once moved by the edit (offsets by the change in the text's
/// length, indexes into the lists by the change in their lengths).
/// Measured once per version, in one pass from either end, so that the
/// units the edit left alone (most of the document) are known to have the
/// last version's facts without building and comparing those unit by unit.
struct Agreed {
    blocks: Ends,
    sentences: Ends,
    quotations: Ends,
    mentions: Ends,
}

/// See [`Agreed`]: of one list.
#[derive(Debug, Clone, Copy)]
struct Ends {
    front: usize,
    back: usize,
    /// The new length.
    len: usize,
    /// New length minus old (wrapping).
    shift: usize,
}

impl Ends {
    fn new<T>(
        now: &[T],
        was: &[T],
        same_front: impl Fn(&T, &T) -> bool,
        same_back: impl Fn(&T, &T) -> bool,
    ) -> Ends {
        Ends::by_index(
            now.len(),
            was.len(),
            |i, j| same_front(&now[i], &was[j]),
            |i, j| same_back(&now[i], &was[j]),
        )
    }

    /// [`Ends::new`] of lists `now` and `was` items long, items compared
    /// by their indexes.
    fn by_index(
        now: usize,
        was: usize,
        same_front: impl Fn(usize, usize) -> bool,
        same_back: impl Fn(usize, usize) -> bool,
    ) -> Ends {
        let shortest = now.min(was);
        let front = (0..shortest).take_while(|&i| same_front(i, i)).count();
        let back = (1..=shortest - front)
            .take_while(|&k| same_back(now - k, was - k))
            .count();
        Ends {
            front,
            back,
            len: now,
            shift: now.wrapping_sub(was),
        }
    }

    /// Whether the items `now` are the items `was` of the last version,
    /// both at the front.
    fn at_front(&self, now: &Range<usize>, was: &Range<usize>) -> bool {
        now == was && now.end <= self.front
    }

    /// Whether the items `now` are the items `was` of the last version,
    /// moved, both at the back.
    fn at_back(&self, now: &Range<usize>, was: &Range<usize>) -> bool {
        now.start >= self.len - self.back
            && now.start == was.start.wrapping_add(self.shift)
            && now.end == was.end.wrapping_add(self.shift)
    }
}

impl Agreed {
    /// `delta`: the new text's length minus the old one's.
    fn new<'a>(now: &'a DocAnalysis, was: &'a DocAnalysis, delta: isize) -> Agreed {
        let at = |p: usize| p.wrapping_add_signed(delta);
        let moved = |r: &Range<usize>| at(r.start)..at(r.end);
        let blocks = Ends::new(
            &now.prose.blocks,
            &was.prose.blocks,
            |n, w| n == w,
            |n, w| n.kind == w.kind && n.range == moved(&w.range),
        );
        let sentences = Ends::new(
            &now.sentences,
            &was.sentences,
            |n, w| n == w,
            |n, w| *n == moved(w),
        );
        let mentions = Ends::new(
            &now.mentions,
            &was.mentions,
            |n, w| n == w,
            |n, w| {
                n.range == moved(&w.range)
                    && n.entity == w.entity
                    && n.form == w.form
                    && n.folded_only == w.folded_only
            },
        );
        // A quotation with its matched claim and attribution.
        let claim = |a: &DocAnalysis, i: usize| a.quote_claims.get(i).copied().flatten();
        let attribution =
            |a: &'a DocAnalysis, i: usize| a.attributions.get(i).and_then(Option::as_ref);
        let (ds, dq) = (
            sentences.shift,
            now.quotations.len().wrapping_sub(was.quotations.len()),
        );
        let quotations = Ends::by_index(
            now.quotations.len(),
            was.quotations.len(),
            |i, j| {
                now.quotations[i] == was.quotations[j]
                    && claim(now, i) == claim(was, j)
                    && attribution(now, i) == attribution(was, j)
            },
            |i, j| {
                let (q, o) = (&now.quotations[i], &was.quotations[j]);
                let (na, wa) = (attribution(now, i), attribution(was, j));
                let attribution = match (na, wa) {
                    (None, None) => true,
                    (Some(a), Some(b)) => {
                        let (x, y) = (&a.attribution, &b.attribution);
                        x.speaker.range == moved(&y.speaker.range)
                            && x.speaker.name == moved(&y.speaker.name)
                            && x.speaker.kind == y.speaker.kind
                            && x.cue == moved(&y.cue)
                            && x.order == y.order
                            && a.placement == b.placement
                            && a.sentence == b.sentence.wrapping_add(ds)
                            && a.inherited_from == b.inherited_from.map(|i| i.wrapping_add(dq))
                    }
                    _ => false,
                };
                claim(now, i) == claim(was, j)
                    && attribution
                    && q.range == moved(&o.range)
                    && q.inner == moved(&o.inner)
                    && q.depth == o.depth
                    && q.closed == o.closed
                    && q.continues == o.continues.map(|c| c.wrapping_add(dq))
            },
        );
        Agreed {
            blocks,
            sentences,
            quotations,
            mentions,
        }
    }

    /// Whether `span`'s facts are those of `old`, the last version's unit
    /// at the same place: its blocks, sentences, quotations (their claims
    /// and attributions) and mentions are the same items, at the front.
    fn at_front(&self, span: &Span, old: &Placed) -> bool {
        let s = &span.scope;
        self.blocks.at_front(&span.blocks, &old.blocks)
            && self.sentences.at_front(&s.sentences, &old.sentences)
            && self.quotations.at_front(&s.quotations, &old.quotations)
            && self.mentions.at_front(&s.mentions, &old.mentions)
    }

    /// The same for a unit the edit moved, at the back: its facts are
    /// relative to its start, first sentence and first quotation, which
    /// moved with its items.
    fn at_back(&self, span: &Span, old: &Placed) -> bool {
        let s = &span.scope;
        self.blocks.at_back(&span.blocks, &old.blocks)
            && self.sentences.at_back(&s.sentences, &old.sentences)
            && self.quotations.at_back(&s.quotations, &old.quotations)
            && self.mentions.at_back(&s.mentions, &old.mentions)
    }
}

/// Checks one unit: every rule, its findings in order.
fn fresh(cx: &Context<'_>, span: &Span, config: &RuleConfig) -> Arc<Unit> {
    let bytes = &span.scope.bytes;
    let mut unit_facts = Vec::new();
    facts(cx, span, &mut unit_facts);
    let key = hash_words(
        &unit_facts,
        hash_bytes(&cx.masked.as_bytes()[span.context..bytes.end]),
    );
    cx.record_named_before(true);
    let mut findings = Vec::new();
    for (rule, check) in LOCAL_RULES {
        if config.enabled(rule) {
            findings.extend(check(cx, config.severity(rule), &span.scope));
        }
    }
    // Stable, as the whole-document sort: the document's findings are then
    // the units' runs merged.
    sort_findings(&mut findings);
    let first_references = if config.enabled(Rule::FirstReference) {
        first_reference::candidates(cx, config.severity(Rule::FirstReference), &span.scope)
    } else {
        Vec::new()
    };
    let named_before = cx.record_named_before(false);
    let entities = entities(
        cx.mentions[span.scope.mentions.clone()]
            .iter()
            .map(|m| m.entity),
    );
    Arc::new(Unit {
        key,
        facts: unit_facts.into(),
        start: bytes.start,
        findings,
        first_references,
        named_before,
        entities: entities.into(),
    })
}

/// The entities, sorted, once each.
fn entities(all: impl Iterator<Item = EntityId>) -> Vec<EntityId> {
    let mut out: Vec<EntityId> = all.collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What an edit left alone: the bytes before the first change and after the
/// last, in both the written and the masked text.
struct Unchanged {
    /// Bytes `..prefix` are unchanged.
    prefix: usize,
    /// Bytes `suffix_from..` of the new version are the last version's
    /// last bytes.
    suffix_from: usize,
    /// New length minus old.
    delta: isize,
}

impl Unchanged {
    fn between(old_text: &[u8], old_masked: &[u8], text: &str, masked: &str) -> Unchanged {
        let (text, masked) = (text.as_bytes(), masked.as_bytes());
        let prefix = common_prefix(old_text, text).min(common_prefix(old_masked, masked));
        // Not past the prefix, so that the two never overlap.
        let suffix = common_suffix(&old_text[prefix.min(old_text.len())..], &text[prefix..]).min(
            common_suffix(
                &old_masked[prefix.min(old_masked.len())..],
                &masked[prefix..],
            ),
        );
        Unchanged {
            prefix,
            suffix_from: text.len() - suffix,
            delta: text.len() as isize - old_text.len() as isize,
        }
    }

    /// The bounds the analysis found between the last version (`old_len`
    /// bytes) and this one, in the text and the masked text (which have the
    /// text's length): the bytes unchanged in both.
    fn from_since(since: &Since, old_len: usize, len: usize) -> Unchanged {
        let prefix = since.text.0.min(since.masked.0);
        // Each suffix was measured after its own prefix, the larger one
        // after the larger: the smaller suffix never reaches into `prefix`.
        let suffix = since.text.1.min(since.masked.1);
        debug_assert!(prefix + suffix <= old_len.min(len));
        Unchanged {
            prefix,
            suffix_from: len - suffix,
            delta: len as isize - old_len as isize,
        }
    }

    /// The new version's changed bytes.
    fn changed_in(&self, len: usize) -> Range<usize> {
        self.prefix.min(len)..self.suffix_from
    }
}

/// A finding moved by `delta` bytes (its edits too; related places are in
/// other files and stay).
fn shifted(f: &Finding, delta: isize) -> Finding {
    let shift =
        |r: &Range<usize>| r.start.wrapping_add_signed(delta)..r.end.wrapping_add_signed(delta);
    let mut f = f.clone();
    if delta != 0 {
        f.range = shift(&f.range);
        for fix in &mut f.fixes {
            for (r, _) in &mut fix.edits {
                *r = shift(r);
            }
        }
    }
    f
}

/// Cuts the document into units (see the module's comment).
fn spans(cx: &Context<'_>) -> Vec<Span> {
    let a = cx.analysis;
    let blocks = &a.prose.blocks;
    let block_of = |at: usize| {
        blocks
            .partition_point(|b| b.range.end <= at)
            .min(blocks.len().saturating_sub(1))
    };
    // joins[k] > 0: blocks k and k + 1 are in one unit.
    let mut joins = vec![0i32; blocks.len() + 1];
    let mut join = |x: usize, y: usize| {
        let (lo, hi) = (x.min(y), x.max(y));
        if lo < hi {
            joins[lo] += 1;
            joins[hi] -= 1;
        }
    };
    for (qi, q) in a.quotations.iter().enumerate() {
        let home = block_of(q.range.start);
        if let Some(c) = q.continues.and_then(|c| a.quotations.get(c)) {
            join(home, block_of(c.range.start));
        }
        let Some(Some(att)) = a.attributions.get(qi) else {
            continue;
        };
        let at = &att.attribution;
        for pos in [at.speaker.range.start, at.speaker.name.start, at.cue.start] {
            join(home, block_of(pos));
        }
        for end in [at.speaker.range.end, at.speaker.name.end, at.cue.end] {
            join(home, block_of(end.saturating_sub(1)));
        }
        if let Some(s) = a.sentences.get(att.sentence) {
            join(home, block_of(s.start));
        }
        if let Some(from) = att.inherited_from.and_then(|i| a.quotations.get(i)) {
            join(home, block_of(from.range.start));
        }
        // "he said" of a known quotation: the antecedent may be named in
        // the sentence before.
        if at.speaker.kind == SpeakerKind::Pronoun
            && a.quote_claims.get(qi).is_some_and(Option::is_some)
        {
            let si = a
                .sentences
                .partition_point(|s| s.end <= at.speaker.range.start);
            if let Some(prev) = si.checked_sub(1).and_then(|p| a.sentences.get(p)) {
                join(home, block_of(prev.start));
            }
        }
    }
    let mut spans = Vec::with_capacity(blocks.len());
    let mut open = 0i32;
    let mut first = 0;
    // Sentences, quotations and mentions are in document order: each unit's
    // share follows the last unit's.
    let (mut s, mut q, mut m) = (0, 0, 0);
    for (k, block) in blocks.iter().enumerate() {
        open += joins[k];
        if open > 0 && k + 1 < blocks.len() {
            continue;
        }
        let bytes = blocks[first].range.start..block.range.end;
        // Whatever opens before this unit (outside every block) would
        // belong to none: there is none, but skip it rather than misplace it.
        let scope = Scope {
            sentences: share(&a.sentences, &mut s, &bytes, |x| x.start),
            quotations: share(&a.quotations, &mut q, &bytes, |x| x.range.start),
            mentions: share(&a.mentions, &mut m, &bytes, |x| x.range.start),
            bytes: bytes.clone(),
        };
        spans.push(Span {
            blocks: first..k + 1,
            scope,
            context: context_start(cx.masked, bytes.start),
        });
        first = k + 1;
    }
    spans
}

/// The items from `*at` on that open inside `bytes` (those opening before
/// it are passed over); moves `*at` past them. A walk, not a binary
/// search: a unit has a few of each, and the walk crosses each item once.
fn share<T>(
    items: &[T],
    at: &mut usize,
    bytes: &Range<usize>,
    start: impl Fn(&T) -> usize,
) -> Range<usize> {
    let after =
        |at: usize, bound: usize| at + items[at..].iter().take_while(|x| start(x) < bound).count();
    let from = after(*at, bytes.start);
    *at = after(from, bytes.end);
    from..*at
}

/// Where the text a unit starting at `start` depends on begins: its line's
/// start, or the last character before it that is not blank or a
/// block-quote mark, whichever is earlier.
fn context_start(masked: &str, start: usize) -> usize {
    // Most units start after a blank line: walk back over ASCII blanks to
    // the character before them (every unit, every version).
    let bytes = &masked.as_bytes()[..start];
    let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b'>');
    let last = bytes.iter().rposition(|&b| !blank(b));
    match last {
        // Past a line break, that character comes before the line's start.
        Some(i) if bytes[i].is_ascii() && bytes[i + 1..].contains(&b'\n') => return i,
        None if bytes.contains(&b'\n') => return 0,
        _ => {}
    }
    context_start_slow(masked, start)
}

/// [`context_start`] by its definition.
fn context_start_slow(masked: &str, start: usize) -> usize {
    let before = &masked[..start];
    let line = before.rfind('\n').map_or(0, |i| i + 1);
    let last = before
        .trim_end_matches(|c: char| c.is_whitespace() || c == '>')
        .char_indices()
        .next_back()
        .map_or(0, |(i, _)| i);
    line.min(last)
}

/// Everything of the analysis the rules read inside a unit, as numbers
/// relative to its start (and to its first sentence and quotation).
fn facts(cx: &Context<'_>, span: &Span, out: &mut Vec<u64>) {
    let a = cx.analysis;
    let base = span.scope.bytes.start;
    let rel = |p: usize| p.wrapping_sub(base) as u64;
    let s0 = span.scope.sentences.start;
    let q0 = span.scope.quotations.start;
    out.push((base - span.context) as u64);
    out.push(span.blocks.len() as u64);
    for b in &a.prose.blocks[span.blocks.clone()] {
        out.extend([b.kind as u64, rel(b.range.start), rel(b.range.end)]);
    }
    out.push(span.scope.sentences.len() as u64);
    for s in &a.sentences[span.scope.sentences.clone()] {
        out.extend([rel(s.start), rel(s.end)]);
    }
    out.push(span.scope.quotations.len() as u64);
    for qi in span.scope.quotations.clone() {
        let q = &a.quotations[qi];
        out.extend([
            rel(q.range.start),
            rel(q.range.end),
            rel(q.inner.start),
            rel(q.inner.end),
            u64::from(q.depth),
            u64::from(q.closed),
            q.continues.map_or(u64::MAX, |c| c.wrapping_sub(q0) as u64),
        ]);
        match a.quote_claims.get(qi).copied().flatten() {
            Some(m) => out.extend([m.claim as u64, u64::from(m.whole)]),
            None => out.push(u64::MAX),
        }
        match a.attributions.get(qi).and_then(Option::as_ref) {
            Some(att) => {
                let at = &att.attribution;
                out.extend([
                    rel(at.speaker.range.start),
                    rel(at.speaker.range.end),
                    rel(at.speaker.name.start),
                    rel(at.speaker.name.end),
                    at.speaker.kind as u64,
                    rel(at.cue.start),
                    rel(at.cue.end),
                    at.order as u64,
                    att.placement as u64,
                    att.sentence.wrapping_sub(s0) as u64,
                    att.inherited_from
                        .map_or(u64::MAX, |i| i.wrapping_sub(q0) as u64),
                ]);
            }
            None => out.push(u64::MAX),
        }
    }
    out.push(span.scope.mentions.len() as u64);
    for m in &a.mentions[span.scope.mentions.clone()] {
        out.extend([
            rel(m.range.start),
            rel(m.range.end),
            m.entity as u64,
            m.form as u64,
            u64::from(m.folded_only),
        ]);
    }
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// A fast hash of bytes, eight at a time: every unit is hashed on every
/// version (a hit is checked against the stored text).
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0x243f_6a88_85a3_08d3;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        h = (h ^ word).wrapping_mul(K).rotate_left(31);
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(last))
        .wrapping_mul(K)
        .rotate_left(31);
    h ^ bytes.len() as u64
}

fn hash_words(words: &[u64], seed: u64) -> u64 {
    let mut h = seed;
    for &w in words {
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    h ^ (words.len() as u64).wrapping_mul(K)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{analyze, Incremental};
    use crate::rules::testing::Lexicon;
    use crate::rules::{check, DocKind, Severity};
    use proptest::prelude::*;

    const ARTICLE: &str = include_str!("../../tests/fixtures/sochi-putin-erdogan.txt");

    /// The reference article as a Markdown draft, with what makes rules look
    /// across paragraphs: a quotation running over two, a lead-in colon, a
    /// known quotation given to "he" after a paragraph naming the speaker, a
    /// given name ending a heading whose surname opens the next paragraph, a
    /// currency sign ending a paragraph, an unattributed quotation and claim,
    /// first references, a list and a block quote.
    fn draft() -> String {
        format!(
            "# Sochi\n\n{ARTICLE}\n\n“We buy our own weapons,\n\n“and we can strengthen our defense as we please,” Erdogan said.\n\nErdogan was blunt:\n\n“Turkey has long US ties.”\n\nErdogan arrived.\n\n“We buy our own weapons,” he said.\n\nThe talks went well. “This will be reinforced and has to be protected.” The S-400 missiles are designed to shoot down NATO aircraft.\n\n# Vladimir\n\nPoutine wrote to Kerim Hass. Experts say it cost $\n\n5 million dollars.\n\n- Erdemir met Hifter.\n- Has wrote that.\n\n> “I think it was worth it,” he said.\n"
        )
    }

    #[test]
    fn the_draft_yields_findings_of_every_rule_the_same_way() {
        let lexicon = Lexicon::sochi();
        let text = draft();
        let analysis = Arc::new(analyze(&text, DocKind::Markdown, &lexicon.index));
        let config = RuleConfig::default();
        let whole = check(&text, &analysis, &lexicon.index, &config);
        let mut checker = Checker::default();
        assert_eq!(
            checker.check(
                &Arc::new(text.to_string()),
                &analysis,
                &lexicon.index,
                0,
                &config
            ),
            whole
        );
        // The second time every unit is reused.
        assert_eq!(
            checker.check(
                &Arc::new(text.to_string()),
                &analysis,
                &lexicon.index,
                0,
                &config
            ),
            whole
        );
        let rules: HashSet<Rule> = whole.iter().map(|f| f.rule).collect();
        assert_eq!(rules.len(), Rule::ALL.len(), "{rules:?}");
        assert!(
            whole
                .iter()
                .any(|f| f.rule == Rule::NameVariant
                    && &text[f.range.clone()] == "Vladimir\n\nPoutine"),
            "a transliteration across blocks"
        );
    }

    #[test]
    fn an_edit_rechecks_only_the_units_it_touches() {
        let lexicon = Lexicon::sochi();
        let config = RuleConfig::default();
        let mut text = draft();
        let mut inc = Incremental::default();
        let mut checker = Checker::default();
        let analysis = Arc::new(inc.analyze(&text, DocKind::Markdown, &lexicon.index, 0));
        checker.check(
            &Arc::new(text.to_string()),
            &analysis,
            &lexicon.index,
            0,
            &config,
        );
        let before: Vec<Arc<Unit>> = checker.units().collect();
        let at = text.find("Nagorno-Karabakh").unwrap();
        text.insert(at, 'x');
        let analysis = Arc::new(inc.analyze(&text, DocKind::Markdown, &lexicon.index, 0));
        let got = checker.check(
            &Arc::new(text.to_string()),
            &analysis,
            &lexicon.index,
            0,
            &config,
        );
        assert_eq!(got, check(&text, &analysis, &lexicon.index, &config));
        let fresh = checker
            .units()
            .filter(|u| !before.iter().any(|b| Arc::ptr_eq(b, u)))
            .count();
        assert!(checker.placed.len() > 20);
        assert!(
            fresh <= 2,
            "{fresh} of {} units checked again",
            checker.placed.len()
        );
        // Other settings, then another lexicon: everything is checked again.
        let (quiet, _) = RuleConfig::with_overrides([("vague-attribution", Severity::Off)]);
        let got = checker.check(
            &Arc::new(text.to_string()),
            &analysis,
            &lexicon.index,
            0,
            &quiet,
        );
        assert_eq!(got, check(&text, &analysis, &lexicon.index, &quiet));
        assert!(checker
            .units()
            .all(|u| !before.iter().any(|b| Arc::ptr_eq(b, &u))));
        let quiet_units: Vec<Arc<Unit>> = checker.units().collect();
        let got = checker.check(
            &Arc::new(text.to_string()),
            &analysis,
            &lexicon.index,
            1,
            &quiet,
        );
        assert_eq!(got, check(&text, &analysis, &lexicon.index, &quiet));
        assert!(
            checker
                .units()
                .all(|u| !quiet_units.iter().any(|b| Arc::ptr_eq(b, &u))),
            "a reloaded lexicon (generation 1) reuses no finding"
        );
    }

    /// Edits where one paragraph's findings depend on its neighbour's text:
    /// after each, the cached check equals the whole-document check.
    #[test]
    fn edits_next_to_a_paragraph_are_seen_by_it() {
        let lexicon = Lexicon::sochi();
        let config = RuleConfig::default();
        let mut text = draft();
        let mut inc = Incremental::default();
        let mut checker = Checker::default();
        let analysis = Arc::new(inc.analyze(&text, DocKind::Markdown, &lexicon.index, 0));
        checker.check(
            &Arc::new(text.to_string()),
            &analysis,
            &lexicon.index,
            0,
            &config,
        );
        for (from, to) in [
            // The currency sign ending the paragraph before a figure.
            ("it cost $\n", "it cost\n"),
            ("it cost\n", "it cost £\n"),
            // The given name ending a heading.
            ("# Vladimir\n", "# Muammar\n"),
            ("# Muammar\n", "# Vladimir\n"),
            // The lead-in colon.
            ("Erdogan was blunt:", "Erdogan was blunt."),
            ("Erdogan was blunt.", "Erdogan was blunt:"),
            // The antecedent of "he".
            ("Erdogan arrived.", "Putin arrived."),
            // The quotation running over two paragraphs.
            ("“We buy our own weapons,\n", "“We buy our own weapons,”\n"),
            ("“We buy our own weapons,”\n", "“We buy our own weapons,\n"),
            // The first reference to a person, far before a later mention.
            ("Erdemir met Hifter", "Aykan Erdemir met Hifter"),
            // A suppression comment.
            (
                "- Has wrote that.",
                "<!-- copydesk-disable -->\n- Has wrote that.",
            ),
        ] {
            assert!(text.contains(from), "{from}");
            text = text.replacen(from, to, 1);
            let analysis = Arc::new(inc.analyze(&text, DocKind::Markdown, &lexicon.index, 0));
            let got = checker.check(
                &Arc::new(text.to_string()),
                &analysis,
                &lexicon.index,
                0,
                &config,
            );
            assert_eq!(
                got,
                check(&text, &analysis, &lexicon.index, &config),
                "{to}"
            );
        }
    }

    /// A quick fix names a person in full until the story has named them:
    /// naming or unnaming them in an earlier paragraph changes the fix of an
    /// unchanged later one, whether the edit is before it, between, or after
    /// (an edit after leaves the answer alone).
    #[test]
    fn naming_a_person_earlier_changes_a_later_fix() {
        let lexicon = Lexicon::sochi();
        let config = RuleConfig::default();
        let quote = "The talks went well. “This will be reinforced and has to be protected.”";
        let fix_for = |text: &str, checker: &mut Checker, inc: &mut Incremental| {
            let analysis = Arc::new(inc.analyze(text, DocKind::Markdown, &lexicon.index, 0));
            let got = checker.check(
                &Arc::new(text.to_string()),
                &analysis,
                &lexicon.index,
                0,
                &config,
            );
            assert_eq!(
                got,
                check(text, &analysis, &lexicon.index, &config),
                "{text}"
            );
            let at = text.find(quote).unwrap();
            got.iter()
                .filter(|f| f.rule == Rule::QuoteWithoutSpeaker && f.range.start >= at)
                .flat_map(|f| f.fixes.iter().map(|x| x.title.clone()))
                .collect::<Vec<_>>()
        };
        let mut inc = Incremental::default();
        let mut checker = Checker::default();
        let filler = "Nothing happened here.\n\n".repeat(12);
        let versions = [
            format!("Talks began.\n\n{filler}{quote}\n\n{filler}"),
            format!("Recep Tayyip Erdogan arrived.\n\n{filler}{quote}\n\n{filler}"),
            format!("Recep Tayyip Erdogan arrived.\n\n{filler}{quote}\n\n{filler}Erdogan left."),
            format!("Talks began.\n\n{filler}{quote}\n\n{filler}Erdogan left."),
            format!("Talks began.\n\n{filler}Erdogan came.\n\n{quote}\n\n{filler}Erdogan left."),
            format!("Talks began.\n\n{filler}{quote}\n\n{filler}Erdogan left."),
        ];
        let fixes: Vec<Vec<String>> = versions
            .iter()
            .map(|v| fix_for(v, &mut checker, &mut inc))
            .collect();
        assert_ne!(fixes[0], fixes[1], "{fixes:?}");
        assert_eq!(fixes[1], fixes[2]);
        assert_eq!(fixes[0], fixes[3]);
        assert_eq!(fixes[1], fixes[4]);
        assert_eq!(fixes[0], fixes[5]);
    }

    /// A unit the edit left alone in place is reused only if its part of
    /// the analysis is unchanged too ([`Agreed`]): naming someone in
    /// the first paragraph changes whom a shared name in the last one
    /// means, and so that paragraph's first reference, though its text and
    /// place are the same.
    #[test]
    fn a_unit_whose_mentions_changed_is_checked_again() {
        let lexicon = r#"{"copydesk_lexicon": 1, "entities": [
 {"id": "kerim", "name": "Kerim Zade", "kind": "person", "aliases": ["Zade"]},
 {"id": "ali", "name": "Ali Zade", "kind": "person", "aliases": ["Zade"]}
]}"#;
        let index = LexiconIndex::of_json("x.lexicon.json", lexicon);
        let config = RuleConfig::default();
        let filler = "Nothing happened here.\n\n".repeat(12);
        let mut inc = Incremental::default();
        let mut checker = Checker::default();
        let mut last_units = Vec::new();
        let mut first_references = Vec::new();
        for first in ["Ali Zade spoke.", "Kerim Zade spoke.", "Ali Zade spoke."] {
            // The same length: the last paragraph stays in place.
            let text = format!("{first}\n\n{filler}Then Zade wrote.\n");
            let analysis = Arc::new(inc.analyze(&text, DocKind::Markdown, &index, 0));
            let got = checker.check(&Arc::new(text.clone()), &analysis, &index, 0, &config);
            assert_eq!(got, check(&text, &analysis, &index, &config), "{first}");
            let last = checker.placed.last().unwrap().unit.clone();
            first_references.push(
                last.first_references
                    .iter()
                    .map(|(e, _)| *e)
                    .collect::<Vec<_>>(),
            );
            last_units.push(last);
        }
        assert_ne!(first_references[0], first_references[1]);
        assert_eq!(first_references[0], first_references[2]);
        assert!(
            !Arc::ptr_eq(&last_units[0], &last_units[1])
                && !Arc::ptr_eq(&last_units[1], &last_units[2]),
            "the last paragraph is checked again each time"
        );
        // Unchanged, everything is reused.
        let text = format!("Ali Zade spoke.\n\n{filler}Then Zade wrote.\n");
        let analysis = Arc::new(inc.analyze(&text, DocKind::Markdown, &index, 0));
        checker.check(&Arc::new(text), &analysis, &index, 0, &config);
        assert!(Arc::ptr_eq(
            &checker.placed.last().unwrap().unit,
            &last_units[2]
        ));
    }

    impl Checker {
        fn units(&self) -> impl Iterator<Item = Arc<Unit>> + '_ {
            self.placed.iter().map(|p| p.unit.clone())
        }
    }

    proptest! {
        /// Where a unit's context starts, found by walking back over ASCII
        /// blanks, is where the definition puts it, whatever precedes it
        /// (other blanks, block-quote marks, line breaks, letters).
        #[test]
        fn context_start_is_its_definition(
            parts in proptest::collection::vec(prop::sample::select(vec![
                " ", "\n", "\r\n", "\t", ">", "a", "é", "\u{a0}", "\u{2003}", "x.", "\n\n",
            ]), 0..12),
        ) {
            let text = parts.concat();
            for start in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                prop_assert_eq!(
                    context_start(&text, start),
                    context_start_slow(&text, start),
                    "{:?} at {}", text, start
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Random edits anywhere (letters, quotation marks, line breaks,
        /// Markdown syntax, names, attributions, figures, suppression
        /// comments), checked after each or after several at once (an edit
        /// in two places, far apart): the cached check equals the
        /// whole-document check of that version.
        #[test]
        fn cached_check_equals_whole_document_check(
            edits in proptest::collection::vec(
                (0.0f64..1.0, 0usize..3, any::<bool>(), prop::sample::select(vec![
                    "x", " ", "\n", "\n\n", "“", "”", "\"", "’", ".", ":", "?", "$", "Erdogan",
                    "Has ", "# ", "- ", "> ", "```", "`", ",” he said. “", "Mr. ", "Vladimir ",
                    "Poutine ", "Erdemir ", "Experts say ", "5 million ", "Stoltenberg said ",
                    "<!-- copydesk-disable-next-line -->\n",
                ])),
                1..12,
            ),
            plain in any::<bool>(),
        ) {
            let lexicon = Lexicon::sochi();
            let config = RuleConfig::default();
            let kind = if plain { DocKind::PlainText } else { DocKind::Markdown };
            let mut text = draft();
            let mut inc = Incremental::default();
            let mut checker = Checker::default();
            let analysis = Arc::new(inc.analyze(&text, kind, &lexicon.index, 0));
            checker.check(&Arc::new(text.clone()), &analysis, &lexicon.index, 0, &config);
            let last = edits.len() - 1;
            for (i, (where_, delete, check_now, insert)) in edits.into_iter().enumerate() {
                crate::analysis::document::testing::edit_at(&mut text, where_, delete, insert);
                if !check_now && i < last {
                    continue;
                }
                let analysis = Arc::new(inc.analyze(&text, kind, &lexicon.index, 0));
                let got = checker.check(&Arc::new(text.clone()), &analysis, &lexicon.index, 0, &config);
                let want = check(&text, &analysis, &lexicon.index, &config);
                prop_assert_eq!(got, want);
            }
        }
    }
}
