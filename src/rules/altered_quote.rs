//! `altered-quote`: a quotation close to one in the lexicon whose words
//! differ. The draft's quotation is aligned word by word with the source's;
//! the source's words before and after
//! the quoted part are simply not quoted (a partial quotation), and inside
//! it an ellipsis may stand for dropped words and [square brackets] for the
//! reporter's own words. Everything else that differs is an alteration.

use std::borrow::Cow;
use std::ops::Range;

use super::claim_match::{best_candidates, shared_count};
use super::claims::{is_function_word, source_speaker, ClaimSource};
#[cfg(test)]
use super::tokens::Word;
use super::tokens::{short_key, words, Lower};
use super::{Context, Finding, Fix, Rule, Scope, Severity};
use crate::analysis::memo::TextMemo;
use crate::analysis::ClaimId;
#[cfg(test)]
use crate::text::fold::fold;
use crate::text::fold::fold_cow;

/// Claims sharing the quotation's words (at least one of them distinctive:
/// [`crate::analysis::claim_content::distinctive_limit`]) that are aligned
/// with it.
const CANDIDATES: usize = 12;
/// A quotation this short that differs is too little to be sure of.
const MIN_SHARED: usize = 3;
/// Share of the shorter of the quotation and the quoted part of the source
/// that must be the same words...
const MIN_SHARED_RATIO: f64 = 0.6;
/// ...and of the quotation's own words (a long quotation that contains a
/// short known one is still mostly something else).
const MIN_OWN_RATIO: f64 = 0.4;
/// How many differences a message spells out.
const SHOWN_CHANGES: usize = 3;

/// One word of the draft's quotation.
struct QuoteWord<'t> {
    range: Range<usize>,
    folded: Folded<'t>,
    /// `folded` as a number ([`short_key`]): the alignment compares every
    /// word of the quotation with every word of each candidate claim.
    key: Option<u128>,
    /// Inside [square brackets]: the reporter's words.
    bracketed: bool,
    /// An ellipsis stands between this word and the one before.
    ellipsis_before: bool,
}

/// One word of the source's quotation.
struct SourceWord<'t> {
    range: Range<usize>,
    folded: Folded<'t>,
    key: Option<u128>,
}

/// Whether two folded words are the same word.
fn same_word(a: (Option<u128>, &str), b: (Option<u128>, &str)) -> bool {
    match (a.0, b.0) {
        (Some(a), Some(b)) => a == b,
        // Only words too long for a key have none: equal words are both.
        (None, None) => a.1 == b.1,
        _ => false,
    }
}

/// A word's folded form: its lower-case form, which is folded already
/// when it is ASCII (most words; a short capitalised one is held in the
/// word's key, and no string is made of it: the alignment folds every word
/// of each candidate claim), else the form folded.
struct Folded<'t> {
    lower: Lower<'t>,
    /// The folding of a form outside ASCII, when it differs from the form.
    refolded: Option<String>,
}

impl<'t> Folded<'t> {
    /// The folded form and its [`short_key`].
    fn of(lower: Lower<'t>) -> (Folded<'t>, Option<u128>) {
        // ASCII lower case folds to itself, and a short one has its key
        // already: only a word outside ASCII (or long with capitals) can
        // fold to something else.
        if lower.in_text().is_some() || lower.key().is_some() {
            let key = lower.key();
            let folded = Folded {
                lower,
                refolded: None,
            };
            return (folded, key);
        }
        let refolded = match fold_cow(&lower) {
            Cow::Borrowed(_) => None,
            Cow::Owned(s) => Some(s),
        };
        let folded = Folded { lower, refolded };
        let key = short_key(folded.as_str());
        (folded, key)
    }

    fn as_str(&self) -> &str {
        self.refolded.as_deref().unwrap_or(self.lower.as_str())
    }
}

/// A word's folded form as [`fold`] makes it from the word's lower-case
/// form: the plain reading [`Folded`] is tested against.
#[cfg(test)]
fn folded_plain(w: &Word<'_>) -> String {
    match w.lower.in_text() {
        Some(s) => s.to_string(),
        None => fold(&w.lower),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    /// Source words (in the claim) replaced by quotation words.
    Replaced {
        quote: Range<usize>,
        source: Range<usize>,
    },
    /// Quotation words the source does not have.
    Added { quote: Range<usize> },
    /// Source words dropped without an ellipsis, before quotation word `at`.
    Dropped { at: usize, source: Range<usize> },
}

#[derive(Clone)]
struct Alignment {
    claim: ClaimId,
    shared: usize,
    changes: Vec<Change>,
    /// The source words the quotation covers.
    window: Range<usize>,
}

pub(crate) fn check(cx: &Context<'_>, severity: Severity, scope: &Scope) -> Vec<Finding> {
    check_with(cx, severity, scope, &cx.index.memo::<AlignmentMemo>())
}

/// [`check`] with the memo of alignments to read and fill (one of its
/// own: the plain check, for tests).
fn check_with(
    cx: &Context<'_>,
    severity: Severity,
    scope: &Scope,
    memo: &AlignmentMemo,
) -> Vec<Finding> {
    let a = cx.analysis;
    let mut findings = Vec::new();
    for qi in scope.quotations.clone() {
        let q = &a.quotations[qi];
        if q.depth > 0 || cx.dangling(qi) || a.quote_claims.get(qi).is_some_and(Option::is_some) {
            continue;
        }
        let inner = &cx.masked[q.inner.clone()];
        let (quote, al) = match memo.0.get(inner) {
            // Only an alteration is remembered: the quotation's words are
            // split again for its message.
            Some(Some(al)) => (quote_words(cx, q.inner.clone()), al),
            Some(None) => continue,
            None => {
                let quote = quote_words(cx, q.inner.clone());
                let al = best_alignment(cx, &quote).filter(|al| !al.changes.is_empty());
                memo.0.insert(inner, al.clone());
                match al {
                    Some(al) => (quote, al),
                    None => continue,
                }
            }
        };
        findings.push(finding(cx, severity, q.range.clone(), &quote, &al));
    }
    findings
}

/// Each quotation's alteration of a claim, by its inner text (`None`: it
/// alters none): the alignment depends on nothing but the quotation's
/// words and the index, and stemming the words and aligning them with
/// each candidate claim costs thousands of instructions a quotation.
#[derive(Default)]
struct AlignmentMemo(TextMemo<Option<Alignment>>);

/// The claim the quotation is closest to, aligned with it: the alignment
/// sharing the most words, then with the fewest changes; of equals, the
/// last. `None` when the quotation is close to no claim.
fn best_alignment(cx: &Context<'_>, quote: &[QuoteWord]) -> Option<Alignment> {
    let own = quote.iter().filter(|w| !w.bracketed).count();
    if own < MIN_SHARED {
        return None;
    }
    let mut content: Vec<u32> = {
        let mut memo = cx.stem_memo();
        let stems = &mut *memo;
        quote
            .iter()
            .filter(|w| !w.bracketed)
            .filter_map(|w| stems.content_id(cx.index, w.folded.as_str(), w.key))
            .collect()
    };
    content.sort_unstable();
    content.dedup();
    // A claim that cannot share as many words as the best so far is not
    // aligned.
    let words = QuoteKeys::of(quote);
    let rank = |al: &Alignment| (al.shared, std::cmp::Reverse(al.changes.len()));
    let mut best: Option<Alignment> = None;
    for c in best_candidates(&cx.index.claim_content, &content, CANDIDATES) {
        if !cx.index.claim(c).claim.quoted {
            continue;
        }
        let at_least = best.as_ref().map_or(0, |b| b.shared);
        let Some(al) = align(cx, quote, &words, c, at_least) else {
            continue;
        };
        if best.as_ref().is_none_or(|b| rank(&al) >= rank(b)) {
            best = Some(al);
        }
    }
    best
}

fn quote_words<'t>(cx: &Context<'t>, inner: Range<usize>) -> Vec<QuoteWord<'t>> {
    let text = cx.masked;
    let brackets: Vec<Range<usize>> = {
        let mut out = Vec::new();
        let mut open = None;
        // Brackets are ASCII: no byte of another character is one, so the
        // bytes are read without decoding characters.
        for (i, b) in text[inner.clone()].bytes().enumerate() {
            match b {
                b'[' => open = Some(inner.start + i),
                b']' => {
                    if let Some(s) = open.take() {
                        out.push(s..inner.start + i + 1);
                    }
                }
                _ => {}
            }
        }
        out
    };
    let mut last_end = inner.start;
    words(text, inner)
        .into_iter()
        .map(|w| {
            let gap = &text[last_end..w.range.start];
            last_end = w.range.end;
            let (folded, key) = Folded::of(w.lower);
            QuoteWord {
                key,
                folded,
                bracketed: brackets
                    .iter()
                    .any(|b| b.start < w.range.start && w.range.end < b.end),
                ellipsis_before: has_ellipsis(gap),
                range: w.range,
            }
        })
        .collect()
}

/// Whether the text between two words of a quotation marks words left out.
/// Most such gaps are one space, shorter than any mark: told so by their
/// length, not by three substring searches.
fn has_ellipsis(gap: &str) -> bool {
    gap.len() >= 2 && has_ellipsis_plain(gap)
}

/// [`has_ellipsis`] by search alone: the plain reading it is tested against.
fn has_ellipsis_plain(gap: &str) -> bool {
    gap.contains('…') || gap.contains("..") || gap.contains(". .")
}

fn source_words(claim_text: &str) -> Vec<SourceWord<'_>> {
    words(claim_text, 0..claim_text.len())
        .into_iter()
        .map(|w| {
            let (folded, key) = Folded::of(w.lower);
            SourceWord {
                key,
                folded,
                range: w.range,
            }
        })
        .collect()
}

/// One step of an alignment, in quotation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Same {
        quote: usize,
        source: usize,
    },
    /// A quotation word standing where a source word was.
    Swap {
        quote: usize,
        source: usize,
    },
    /// A quotation word the source does not have.
    Extra {
        quote: usize,
    },
    /// A source word the quotation leaves out.
    Missing {
        before_quote: usize,
        source: usize,
    },
}

/// The quotation's word keys, sorted, and how many of its words have none:
/// what bounds how many words it can share with a claim.
struct QuoteKeys {
    sorted: Vec<u128>,
    long: usize,
}

impl QuoteKeys {
    fn of(quote: &[QuoteWord]) -> QuoteKeys {
        let mut sorted: Vec<u128> = quote.iter().filter_map(|w| w.key).collect();
        let long = quote.len() - sorted.len();
        sorted.sort_unstable();
        QuoteKeys { sorted, long }
    }

    /// At least as many words as any alignment with `source` shares: the
    /// words the two have in common, counted with repeats (a word too long
    /// for a key counts as shared with one of the source's).
    fn shared_bound(&self, source: &[SourceWord]) -> usize {
        let mut theirs: Vec<u128> = source.iter().filter_map(|w| w.key).collect();
        let long = source.len() - theirs.len();
        theirs.sort_unstable();
        shared_count(&self.sorted, &theirs) + self.long.min(long)
    }
}

/// Aligns the quotation with one claim; `None` when they are not close, or
/// when they cannot share `at_least` words.
///
/// A semi-global alignment: the source's words before and after the quoted
/// part cost nothing (a partial quotation), every other difference costs
/// one, except the reporter's acknowledged edits: words left out where the
/// quotation has an ellipsis, and [bracketed] words, cost nothing.
fn align(
    cx: &Context<'_>,
    quote: &[QuoteWord],
    keys: &QuoteKeys,
    claim: ClaimId,
    at_least: usize,
) -> Option<Alignment> {
    let claim_text = &cx.index.claim(claim).claim.text;
    let source = source_words(claim_text);
    let (n, m) = (quote.len(), source.len());
    if n == 0 || m == 0 {
        return None;
    }
    // What `close` below asks of the words shared, from the bound alone.
    let own = quote.iter().filter(|w| !w.bracketed).count();
    let bound = keys.shared_bound(&source);
    if bound < at_least.max(MIN_SHARED) || (bound as f64) < MIN_OWN_RATIO * own as f64 {
        return None;
    }
    // Scores to minimise: a difference costs 2, a shared word earns 1, so
    // that of two alignments with as many differences the one sharing more
    // words wins ("We buy our weapons": "own" dropped, not "weapons" added).
    let free_gap = |i: usize| i < n && quote[i].ellipsis_before;
    let extra_cost = |i: usize| if quote[i].bracketed { 0 } else { 2 };
    let missing_cost = |i: usize| if free_gap(i) { 0 } else { 2 };
    let same = |i: usize, j: usize| {
        same_word(
            (quote[i].key, quote[i].folded.as_str()),
            (source[j].key, source[j].folded.as_str()),
        )
    };
    let diagonal_cost = |i: usize, j: usize| -> i64 {
        if same(i, j) {
            -1
        } else if quote[i].bracketed {
            0
        } else {
            2
        }
    };
    // cost[i][j] (at i * (m + 1) + j, one allocation): quotation words ..i
    // aligned with source words ..j, the source's words before the quoted
    // part being free.
    let width = m + 1;
    let mut cost = vec![0i64; (n + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 1..=n {
        cost[at(i, 0)] = cost[at(i - 1, 0)] + extra_cost(i - 1);
    }
    for i in 1..=n {
        for j in 1..=m {
            let diagonal = cost[at(i - 1, j - 1)] + diagonal_cost(i - 1, j - 1);
            let extra = cost[at(i - 1, j)] + extra_cost(i - 1);
            let missing = cost[at(i, j - 1)] + missing_cost(i);
            cost[at(i, j)] = diagonal.min(extra).min(missing);
        }
    }
    // The source's words after the quoted part are free too. Of equally
    // good ends, the latest that stops on a content word: a quotation that
    // ends "within the alliance" where the source has "within NATO and ..."
    // replaced "NATO", neither added words after "within" nor replaced "and".
    let best = (0..=m).map(|j| cost[at(n, j)]).min()?;
    let ties: Vec<usize> = (0..=m).filter(|&j| cost[at(n, j)] == best).collect();
    let end = ties
        .iter()
        .rev()
        .find(|&&j| j > 0 && !is_function_word(source[j - 1].folded.as_str()))
        .or(ties.first())
        .copied()?;
    let mut steps = Vec::new();
    let (mut i, mut j) = (n, end);
    while i > 0 {
        if j > 0 && cost[at(i, j)] == cost[at(i - 1, j - 1)] + diagonal_cost(i - 1, j - 1) {
            steps.push(if same(i - 1, j - 1) {
                Step::Same {
                    quote: i - 1,
                    source: j - 1,
                }
            } else {
                Step::Swap {
                    quote: i - 1,
                    source: j - 1,
                }
            });
            i -= 1;
            j -= 1;
        } else if cost[at(i, j)] == cost[at(i - 1, j)] + extra_cost(i - 1) {
            steps.push(Step::Extra { quote: i - 1 });
            i -= 1;
        } else {
            steps.push(Step::Missing {
                before_quote: i,
                source: j - 1,
            });
            j -= 1;
        }
    }
    steps.reverse();

    let shared = steps
        .iter()
        .filter(|s| matches!(s, Step::Same { .. }))
        .count();
    let content_shared = steps
        .iter()
        .filter(
            |s| matches!(s, Step::Same { quote: q, .. } if !is_function_word(quote[*q].folded.as_str())),
        )
        .count();
    let covered = steps
        .iter()
        .filter_map(|s| match *s {
            Step::Same { source, .. }
            | Step::Swap { source, .. }
            | Step::Missing { source, .. } => Some(source),
            Step::Extra { .. } => None,
        })
        .collect::<Vec<_>>();
    let window = *covered.first()?..*covered.last()? + 1;
    let close = shared >= MIN_SHARED
        && content_shared >= 2
        && shared as f64 >= MIN_SHARED_RATIO * own.min(window.len()) as f64
        && shared as f64 >= MIN_OWN_RATIO * own as f64;
    if !close {
        return None;
    }
    Some(Alignment {
        claim,
        shared,
        changes: changes_of(quote, &steps),
        window,
    })
}

/// Runs of differing steps, as the message and the fix describe them.
/// Acknowledged edits (bracketed words, words left out at an ellipsis) are
/// not changes.
fn changes_of(quote: &[QuoteWord], steps: &[Step]) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut run: Vec<Step> = Vec::new();
    let flush = |run: &mut Vec<Step>, changes: &mut Vec<Change>| {
        let quote_idx: Vec<usize> = run
            .iter()
            .filter_map(|s| match *s {
                Step::Swap { quote, .. } | Step::Extra { quote } => Some(quote),
                _ => None,
            })
            .collect();
        let source_idx: Vec<usize> = run
            .iter()
            .filter_map(|s| match *s {
                Step::Swap { source, .. } | Step::Missing { source, .. } => Some(source),
                _ => None,
            })
            .collect();
        match (
            quote_idx.first(),
            quote_idx.last(),
            source_idx.first(),
            source_idx.last(),
        ) {
            (Some(&qa), Some(&qb), Some(&sa), Some(&sb)) => changes.push(Change::Replaced {
                quote: qa..qb + 1,
                source: sa..sb + 1,
            }),
            (Some(&qa), Some(&qb), None, None) => changes.push(Change::Added { quote: qa..qb + 1 }),
            (None, None, Some(&sa), Some(&sb)) => {
                let at = run.iter().find_map(|s| match *s {
                    Step::Missing { before_quote, .. } => Some(before_quote),
                    _ => None,
                });
                changes.push(Change::Dropped {
                    at: at.unwrap_or(0),
                    source: sa..sb + 1,
                })
            }
            _ => {}
        }
        run.clear();
    };
    for step in steps {
        let acknowledged = match *step {
            Step::Same { .. } => true,
            Step::Swap { quote: q, .. } | Step::Extra { quote: q } => quote[q].bracketed,
            Step::Missing { before_quote, .. } => {
                before_quote < quote.len() && quote[before_quote].ellipsis_before
            }
        };
        if acknowledged {
            flush(&mut run, &mut changes);
        } else {
            run.push(*step);
        }
    }
    flush(&mut run, &mut changes);
    changes
}

fn finding(
    cx: &Context<'_>,
    severity: Severity,
    range: Range<usize>,
    quote: &[QuoteWord],
    al: &Alignment,
) -> Finding {
    let claim_text = &cx.index.claim(al.claim).claim.text;
    let source = source_words(claim_text);
    let span = |q: &Range<usize>| &cx.text[quote[q.start].range.start..quote[q.end - 1].range.end];
    let source_span =
        |s: &Range<usize>| &claim_text[source[s.start].range.start..source[s.end - 1].range.end];
    let described: Vec<String> = al
        .changes
        .iter()
        .map(|c| match c {
            Change::Replaced { quote, source } => {
                format!("“{}” became “{}”", source_span(source), span(quote))
            }
            Change::Added { quote } => format!("“{}” added", span(quote)),
            Change::Dropped { source, .. } => format!("“{}” dropped", source_span(source)),
        })
        .collect();
    let mut shown = described
        .iter()
        .take(SHOWN_CHANGES)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if described.len() > SHOWN_CHANGES {
        shown.push_str(&format!("; and {} more", described.len() - SHOWN_CHANGES));
    }
    let who = source_speaker(cx, al.claim).unwrap_or_else(|| "the source".to_string());
    let original = source_span(&al.window);
    let source_article = ClaimSource::of(cx, al.claim);
    let title = source_article.title();
    Finding {
        rule: Rule::AlteredQuote,
        severity,
        range,
        message: format!(
            "Altered quotation: {shown}. {who} said “{original}” (“{title}”). Restore the words, or mark your edits with an ellipsis or [brackets]."
        ),
        fixes: vec![Fix {
            title: "Restore the source’s wording".to_string(),
            edits: restoring_edits(cx, quote, &source, claim_text, &al.changes),
            preferred: true,
        }],
        related: source_article
            .related(format!("{who} in “{title}”"))
            .into_iter()
            .collect(),
    }
}

/// Edits that put the source's words back, leaving acknowledged edits and
/// the punctuation around the words alone.
fn restoring_edits(
    cx: &Context<'_>,
    quote: &[QuoteWord],
    source: &[SourceWord],
    claim_text: &str,
    changes: &[Change],
) -> Vec<(Range<usize>, String)> {
    let source_span = |s: &Range<usize>| {
        claim_text[source[s.start].range.start..source[s.end - 1].range.end].to_string()
    };
    let mut edits = Vec::new();
    for change in changes {
        match change {
            Change::Replaced {
                quote: q,
                source: s,
            } => {
                edits.push((
                    quote[q.start].range.start..quote[q.end - 1].range.end,
                    source_span(s),
                ));
            }
            Change::Added { quote: q } => {
                let start = quote[q.start].range.start;
                let end = quote[q.end - 1].range.end;
                // Take the space before the words with them (or after, at the start).
                let range = if q.start > 0
                    && cx.text[quote[q.start - 1].range.end..start]
                        .trim()
                        .is_empty()
                {
                    quote[q.start - 1].range.end..end
                } else if let Some(next) = quote.get(q.end) {
                    start..next.range.start
                } else {
                    start..end
                };
                edits.push((range, String::new()));
            }
            Change::Dropped { at, source: s } => match at.checked_sub(1) {
                Some(prev) => {
                    let at = quote[prev].range.end;
                    edits.push((at..at, format!(" {}", source_span(s))));
                }
                None => {
                    let at = quote[0].range.start;
                    edits.push((at..at, format!("{} ", source_span(s))));
                }
            },
        }
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::{check_with, AlignmentMemo};
    use crate::analysis::analyze;
    use crate::rules::apply_edits;
    use crate::rules::testing::{findings_in, Lexicon};
    use crate::rules::{Context, DocKind, Scope, Severity};
    use proptest::prelude::*;

    /// Quotations of the fixture's claims, altered or not, and others.
    const QUOTATIONS: &[&str] = &[
        "There is no way back in this sphere,",
        "There is no path back in this sphere,",
        "We buy all our own weapons,",
        "We buy our weapons,",
        "We buy our own weapons and we always will,",
        "would not have needed to buy S-400s.",
        "We [Turkey] buy our weapons,",
        "We buy … weapons,",
        "The weather in Sochi was fine,",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        /// The findings with the index's memo of alignments (filled by the
        /// draft's earlier quotations and by earlier checks) are those of
        /// the plain check, which aligns every quotation afresh.
        #[test]
        fn remembered_alignments_change_no_finding(
            picks in prop::collection::vec((0..QUOTATIONS.len(), 0..3usize), 1..12),
        ) {
            let lexicon = Lexicon::sochi();
            let speakers = ["Erdogan said.", "he said.", "Putin added."];
            let text: String = picks
                .iter()
                .map(|&(q, s)| format!("“{}” {}\n\n", QUOTATIONS[q], speakers[s]))
                .collect();
            let analysis = analyze(&text, DocKind::Markdown, &lexicon.index);
            let cx = Context::new(&text, &analysis, &lexicon.index);
            let scope = Scope::whole(&analysis);
            let plain = check_with(&cx, Severity::Warning, &scope, &AlignmentMemo::default());
            for _ in 0..2 {
                prop_assert_eq!(&super::check(&cx, Severity::Warning, &scope), &plain);
            }
        }
    }

    proptest! {
        /// The length test before the searches for an ellipsis changes no
        /// answer.
        #[test]
        fn the_ellipsis_test_agrees_with_the_searches(
            pieces in prop::collection::vec(
                prop::sample::select(vec!["", " ", ".", "…", ", ", "\u{a0}", "é", "[", "]"]),
                0..5,
            ),
        ) {
            let gap: String = pieces.concat();
            prop_assert_eq!(super::has_ellipsis(&gap), super::has_ellipsis_plain(&gap), "{:?}", gap);
        }

        /// A word's folded form, kept as its lower-case form where that is
        /// folded already, is the form [`fold`] makes (and so is its key).
        #[test]
        fn folded_words_are_the_folding_of_their_lower_case_form(
            pieces in prop::collection::vec(
                prop::sample::select(vec![
                    "Sphère", "sphère", "SPHERE", "sphere", "We", "OWN", "it’s", "It's", "S-400s",
                    "Counterintelligence", "counterintelligence", "ÉTÉ", "İstanbul", "ß", "Ǆ",
                    " ", ", ", "-", "’", "“", "é", "9",
                ]),
                0..12,
            ),
        ) {
            let text: String = pieces.concat();
            for w in super::words(&text, 0..text.len()) {
                let plain = super::folded_plain(&w);
                let (folded, key) = super::Folded::of(w.lower.clone());
                prop_assert_eq!(folded.as_str(), plain.as_str(), "{:?}", text);
                prop_assert_eq!(key, super::short_key(&plain), "{:?}", text);
            }
        }
    }

    /// Each finding's quotation, the differences its message lists, and the
    /// text after its fix.
    fn altered(text: &str) -> Vec<(String, String, String)> {
        findings_in(&Lexicon::sochi(), text, "altered-quote")
            .into_iter()
            .map(|(phrase, f)| {
                let diff = f
                    .message
                    .trim_start_matches("Altered quotation: ")
                    .split(". ")
                    .next()
                    .unwrap()
                    .to_string();
                (phrase, diff, apply_edits(text, &f.fixes[0].edits).unwrap())
            })
            .collect()
    }

    fn silent(text: &str) {
        assert_eq!(altered(text), [] as [(String, String, String); 0], "{text}");
    }

    #[test]
    fn a_changed_word() {
        let text = "“There is no way back in this sphere,” Erdogan said.";
        let found = findings_in(&Lexicon::sochi(), text, "altered-quote");
        assert_eq!(
            found[0].1.message,
            "Altered quotation: “path” became “way”. Recep Tayyip Erdogan said “there is no path back in this sphere” (“Erdogan and Putin meet in Sochi as Turkey’s ties with the U.S. fray”). Restore the words, or mark your edits with an ellipsis or [brackets]."
        );
        assert_eq!(
            apply_edits(text, &found[0].1.fixes[0].edits).unwrap(),
            "“There is no path back in this sphere,” Erdogan said."
        );
        assert!(found[0].1.fixes[0].preferred);
        assert_eq!(found[0].1.related.len(), 1);
    }

    #[test]
    fn added_and_dropped_words() {
        assert_eq!(
            altered("“We buy all our own weapons,” Erdogan said."),
            [(
                "“We buy all our own weapons,”".into(),
                "“all” added".into(),
                "“We buy our own weapons,” Erdogan said.".into()
            )]
        );
        assert_eq!(
            altered("“We buy our weapons,” Erdogan said."),
            [(
                "“We buy our weapons,”".into(),
                "“own” dropped".into(),
                "“We buy our own weapons,” Erdogan said.".into()
            )]
        );
        assert_eq!(
            altered("“We buy our own weapons and we always will,” Erdogan said."),
            [(
                "“We buy our own weapons and we always will,”".into(),
                "“and we always will” added".into(),
                "“We buy our own weapons,” Erdogan said.".into()
            )]
        );
    }

    #[test]
    fn partial_quotations_and_contractions() {
        assert_eq!(
            altered("Erdogan said he “would not have needed to buy S-400s.”"),
            [(
                "“would not have needed to buy S-400s.”".into(),
                "“had” became “needed”".into(),
                "Erdogan said he “would not have had to buy S-400s.”".into()
            )]
        );
        assert_eq!(
            altered("“I think it’s worth it,” he said.")[0].1,
            "“it was” became “it’s”"
        );
        assert_eq!(
            altered("Erdemir said “the Turkish president will continue to play a spoiler role within the alliance.”")[0].1,
            "“NATO” became “the alliance”"
        );
    }

    #[test]
    fn several_changes_are_listed_and_restored_together() {
        let text = "“Now, when we see difficult, turbulent processes on the European gas market, Turkey feels confident and stable,” Putin said.";
        let found = altered(text);
        assert_eq!(found[0].1, "“somewhat” dropped; “absolutely” dropped");
        assert_eq!(
            found[0].2,
            "“Now, when we see somewhat difficult, turbulent processes on the European gas market, Turkey feels absolutely confident and stable,” Putin said."
        );
    }

    #[test]
    fn exact_quotations_and_acknowledged_edits_stay_silent() {
        silent("“We buy our own weapons,” Erdogan said.");
        silent("Erdogan said Turkey “can strengthen our defense as we please.”");
        silent("“On the international arena we cooperate fairly successfully … in Syria and our coordinated position on Libya,” Putin said.");
        silent("“On the international arena we cooperate fairly successfully ... in Syria,” Putin said.");
        silent("“[Turkey] can strengthen [its] defense as we please,” Erdogan said.");
        silent("“we buy our OWN weapons” — Erdogan said so.");
    }

    #[test]
    fn words_are_compared_folded_whatever_their_length() {
        // "sphère" folds to the source's "sphere": only "way" differs.
        assert_eq!(
            altered("“There is no way back in this sphère,” Erdogan said.")[0].1,
            "“path” became “way”"
        );
        // Words longer than a key compare by their text.
        let word = |w: &str| (super::short_key(w), w.to_string());
        let long = "counterintelligence";
        let same = |a: &(Option<u128>, String), b: &(Option<u128>, String)| {
            super::same_word((a.0, &a.1), (b.0, &b.1))
        };
        assert!(same(&word(long), &word(long)));
        assert!(!same(&word(long), &word("counterintelligencf")));
        assert!(!same(&word(long), &word("sphere")));
        assert!(same(&word("sphere"), &word("sphere")));
        assert!(!same(&word("sphere"), &word("spheres")));
    }

    #[test]
    fn a_quotation_still_being_typed_waits() {
        silent("Erdogan said: “We buy our own weap");
    }

    #[test]
    fn different_quotations_that_share_words_stay_silent() {
        silent("“We buy our gas from Russia,” Erdogan said.");
        silent("“Our weapons are our own business,” Erdogan said.");
        silent("Has wrote that Erdogan held a “weak hand” in Sochi.");
        silent("“The sanctions are a mistake and the Americans know it,” Erdogan said.");
    }
}
