//! `altered-quote`: a quotation close to one in the lexicon whose words
//! differ. The draft's quotation is aligned word by word with the source's
//! (a diff, as `similar` computes it); the source's words before and after
//! the quoted part are simply not quoted (a partial quotation), and inside
//! it an ellipsis may stand for dropped words and [square brackets] for the
//! reporter's own words. Everything else that differs is an alteration.

use std::ops::Range;

use similar::{capture_diff_slices, Algorithm, DiffOp};

use super::claims::{is_function_word, related, source_speaker, source_title};
use super::tokens::words;
use super::{Context, Finding, Fix, Rule, Severity};
use crate::analysis::ClaimId;
use crate::text::fold::fold;

/// Claims sharing the quotation's words that are aligned with it.
const CANDIDATES: usize = 12;
/// A quotation this short that differs is too little to be sure of.
const MIN_SHARED: usize = 3;
/// Share of the quotation's own words that must be the source's.
const MIN_SHARED_RATIO: f64 = 0.6;
/// How many differences a message spells out.
const SHOWN_CHANGES: usize = 3;

/// One word of the draft's quotation.
struct QuoteWord {
    range: Range<usize>,
    folded: String,
    /// Inside [square brackets]: the reporter's words.
    bracketed: bool,
    /// An ellipsis stands between this word and the one before.
    ellipsis_before: bool,
}

/// One word of the source's quotation.
struct SourceWord {
    range: Range<usize>,
    folded: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Change {
    /// Source words (in the claim) replaced by quotation words.
    Replaced { quote: Range<usize>, source: Range<usize> },
    /// Quotation words the source does not have.
    Added { quote: Range<usize> },
    /// Source words dropped without an ellipsis, before quotation word `at`.
    Dropped { at: usize, source: Range<usize> },
}

struct Alignment {
    claim: ClaimId,
    shared: usize,
    changes: Vec<Change>,
    /// The source words the quotation covers.
    window: Range<usize>,
}

pub(crate) fn check(cx: &Context<'_>, severity: Severity) -> Vec<Finding> {
    let a = cx.analysis;
    let mut findings = Vec::new();
    for (qi, q) in a.quotations.iter().enumerate() {
        if q.depth > 0 || a.quote_claims.get(qi).is_some_and(Option::is_some) {
            continue;
        }
        let quote = quote_words(cx, q.inner.clone());
        let own = quote.iter().filter(|w| !w.bracketed).count();
        if own < MIN_SHARED {
            continue;
        }
        let content: Vec<String> = quote
            .iter()
            .filter(|w| !w.bracketed && !is_function_word(&w.folded))
            .map(|w| w.folded.clone())
            .collect();
        let best = cx
            .index
            .candidate_claims(&content, CANDIDATES)
            .into_iter()
            .filter(|&c| cx.index.claim(c).claim.quoted)
            .filter_map(|c| align(cx, &quote, c))
            .max_by_key(|al| (al.shared, std::cmp::Reverse(al.changes.len())));
        let Some(al) = best else {
            continue;
        };
        if al.changes.is_empty() {
            continue;
        }
        findings.push(finding(cx, severity, q.range.clone(), &quote, &al));
    }
    findings
}

fn quote_words(cx: &Context<'_>, inner: Range<usize>) -> Vec<QuoteWord> {
    let text = cx.masked;
    let brackets: Vec<Range<usize>> = {
        let mut out = Vec::new();
        let mut open = None;
        for (i, c) in text[inner.clone()].char_indices() {
            match c {
                '[' => open = Some(inner.start + i),
                ']' => {
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
            QuoteWord {
                folded: fold(&w.lower),
                bracketed: brackets.iter().any(|b| b.start < w.range.start && w.range.end < b.end),
                ellipsis_before: gap.contains('…') || gap.contains("..") || gap.contains(". ."),
                range: w.range,
            }
        })
        .collect()
}

fn source_words(claim_text: &str) -> Vec<SourceWord> {
    words(claim_text, 0..claim_text.len())
        .into_iter()
        .map(|w| SourceWord { folded: fold(&w.lower), range: w.range })
        .collect()
}

/// Aligns the quotation with one claim; `None` when they are not close.
fn align(cx: &Context<'_>, quote: &[QuoteWord], claim: ClaimId) -> Option<Alignment> {
    let claim_text = &cx.index.claim(claim).claim.text;
    let source = source_words(claim_text);
    let q: Vec<&str> = quote.iter().map(|w| w.folded.as_str()).collect();
    let s: Vec<&str> = source.iter().map(|w| w.folded.as_str()).collect();
    let ops = capture_diff_slices(Algorithm::Myers, &q, &s);
    let equal: Vec<(usize, usize, usize)> = ops
        .iter()
        .filter_map(|op| match *op {
            DiffOp::Equal { old_index, new_index, len } => Some((old_index, new_index, len)),
            _ => None,
        })
        .collect();
    let shared: usize = equal.iter().map(|e| e.2).sum();
    let own = quote.iter().filter(|w| !w.bracketed).count();
    let content_shared = equal
        .iter()
        .flat_map(|&(o, _, len)| o..o + len)
        .filter(|&i| !is_function_word(&quote[i].folded))
        .count();
    if shared < MIN_SHARED || (shared as f64) < MIN_SHARED_RATIO * own as f64 || content_shared < 2 {
        return None;
    }
    let window = equal.first()?.1..equal.last().map(|e| e.1 + e.2)?;
    let all_bracketed = |r: &Range<usize>| quote[r.clone()].iter().all(|w| w.bracketed);
    let next_to_brackets = |at: usize| {
        (at > 0 && quote[at - 1].bracketed) || quote.get(at).is_some_and(|w| w.bracketed)
    };
    let mut changes = Vec::new();
    for op in &ops {
        match *op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete { old_index, old_len, .. } => {
                let r = old_index..old_index + old_len;
                if !all_bracketed(&r) {
                    changes.push(Change::Added { quote: r });
                }
            }
            DiffOp::Insert { old_index, new_index, new_len } => {
                let r = new_index..new_index + new_len;
                // Outside the quoted part: a partial quotation.
                if r.end <= window.start || r.start >= window.end {
                    continue;
                }
                let acknowledged = quote.get(old_index).is_some_and(|w| w.ellipsis_before)
                    || next_to_brackets(old_index);
                if !acknowledged {
                    changes.push(Change::Dropped { at: old_index, source: r });
                }
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                let qr = old_index..old_index + old_len;
                let sr = new_index..new_index + new_len;
                if all_bracketed(&qr) {
                    continue;
                }
                if sr.end <= window.start || sr.start >= window.end {
                    // Words added before or after the quoted part.
                    changes.push(Change::Added { quote: qr });
                } else {
                    changes.push(Change::Replaced { quote: qr, source: sr });
                }
            }
        }
    }
    Some(Alignment { claim, shared, changes, window })
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
    let source_span = |s: &Range<usize>| &claim_text[source[s.start].range.start..source[s.end - 1].range.end];
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
    let mut shown = described.iter().take(SHOWN_CHANGES).cloned().collect::<Vec<_>>().join("; ");
    if described.len() > SHOWN_CHANGES {
        shown.push_str(&format!("; and {} more", described.len() - SHOWN_CHANGES));
    }
    let who = source_speaker(cx, al.claim).unwrap_or_else(|| "the source".to_string());
    let original = source_span(&al.window);
    let title = source_title(cx, al.claim);
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
        related: related(cx, al.claim, format!("{who} in “{title}”")).into_iter().collect(),
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
    let source_span = |s: &Range<usize>| claim_text[source[s.start].range.start..source[s.end - 1].range.end].to_string();
    let mut edits = Vec::new();
    for change in changes {
        match change {
            Change::Replaced { quote: q, source: s } => {
                edits.push((quote[q.start].range.start..quote[q.end - 1].range.end, source_span(s)));
            }
            Change::Added { quote: q } => {
                let start = quote[q.start].range.start;
                let end = quote[q.end - 1].range.end;
                // Take the space before the words with them (or after, at the start).
                let range = if q.start > 0 && cx.text[quote[q.start - 1].range.end..start].trim().is_empty() {
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
