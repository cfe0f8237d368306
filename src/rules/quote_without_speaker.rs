//! `quote-without-speaker`: a quotation whose speaker the draft gives
//! nowhere. Where the builder's attribution finder looks (the sentence, a
//! colon lead-in, the next sentence, the part a quotation continues) is in
//! `crate::text::attribution`; this rule decides which unattributed
//! quotations matter: four words or more, or any quotation the lexicon
//! knows. Titles of works and terms introduced by "called", "so-called",
//! "dubbed" are not quotations of anyone.

use super::claims::{name_for_fix, related, source_speaker, source_title};
use super::tokens::words;
use super::{Context, Finding, Fix, Rule, Severity};

/// Shorter quotations are scare quotes and coined terms ("a “wake-up call”").
const MIN_WORDS: usize = 4;

/// Words before a quotation that name a phrase rather than quote a person.
const NAMING_WORDS: &[&str] = &[
    "called", "dubbed", "so-called", "titled", "entitled", "headlined", "named", "nicknamed",
    "labeled", "labelled", "termed", "branded", "as", "phrase", "slogan", "term", "motto",
    "banner", "hashtag", "chanting", "chanted", "read", "reading",
];

/// Cue verbs a fix may copy from the source ("wrote on Twitter"); others
/// ("adding", "asserting") read wrongly after a quotation.
const FIX_CUES: &[&str] = &[
    "said", "says", "wrote", "writes", "told", "tells", "added", "adds", "tweeted", "posted",
    "asked", "declared", "explained", "insisted", "stressed", "warned", "noted", "argued",
];

pub(crate) fn check(cx: &Context<'_>, severity: Severity) -> Vec<Finding> {
    let a = cx.analysis;
    let mut findings = Vec::new();
    for (qi, q) in a.quotations.iter().enumerate() {
        if q.depth > 0 || a.attributions.get(qi).is_some_and(Option::is_some) || cx.in_heading(q.range.start) {
            continue;
        }
        let claim = a.quote_claims.get(qi).copied().flatten().map(|m| m.claim);
        if claim.is_none() {
            let n = words(cx.masked, q.inner.clone()).len();
            if n < MIN_WORDS || is_title(cx, q.inner.clone()) || names_a_phrase(cx, q.range.start) {
                continue;
            }
        }
        let mut finding = Finding {
            rule: Rule::QuoteWithoutSpeaker,
            severity,
            range: q.range.clone(),
            message: "Quotation without a speaker: who said this? Attribute it in its sentence (“…,” she said), in a lead-in ending with a colon, or in the next sentence.".to_string(),
            fixes: Vec::new(),
            related: Vec::new(),
        };
        if let Some(claim) = claim {
            let title = source_title(cx, claim);
            if let Some(speaker) = source_speaker(cx, claim) {
                finding.message = format!(
                    "Quotation without a speaker: the sources give these words to {speaker} (“{title}”). Say so in the copy."
                );
                finding.related.extend(related(cx, claim, format!("{speaker} in “{title}”")));
            } else {
                finding.related.extend(related(cx, claim, format!("The source: “{title}”")));
            }
            finding.fixes.extend(attribution_fix(cx, qi, claim));
        }
        findings.push(finding);
    }
    findings
}

/// Title case throughout ("The Day After Tomorrow"): the name of a work.
fn is_title(cx: &Context<'_>, inner: std::ops::Range<usize>) -> bool {
    let text = &cx.masked[inner.clone()];
    if text.contains(['.', '?', '!', ',']) {
        return false;
    }
    words(cx.masked, inner).iter().all(|w| {
        w.capitalized
            || matches!(w.lower.as_str(), "a" | "an" | "the" | "of" | "in" | "on" | "and" | "or" | "for" | "to" | "at" | "by" | "with" | "from")
    })
}

fn names_a_phrase(cx: &Context<'_>, open: usize) -> bool {
    let line_start = cx.masked[..open].rfind('\n').map_or(0, |i| i + 1);
    let before = words(cx.masked, line_start..open);
    before
        .last()
        .filter(|w| cx.masked[w.range.end..open].trim().is_empty())
        .is_some_and(|w| NAMING_WORDS.contains(&w.lower.as_str()))
}

/// “…,” Erdogan said. — when the quotation ends its sentence and the
/// sources name the speaker.
fn attribution_fix(cx: &Context<'_>, qi: usize, claim: crate::analysis::ClaimId) -> Option<Fix> {
    let a = cx.analysis;
    let q = &a.quotations[qi];
    if !q.closed {
        return None;
    }
    let indexed = cx.index.claim(claim);
    let speaker = match indexed.speaker {
        Some(e) => name_for_fix(cx, e, q.range.start),
        None => source_speaker(cx, claim)?,
    };
    let cue = indexed.claim.cue.trim();
    let cue = if cue.split_whitespace().next().is_some_and(|w| FIX_CUES.contains(&w)) {
        cue
    } else {
        "said"
    };
    // The quotation must end its sentence: only a period may follow it.
    let sentence = a.sentences.iter().find(|s| s.start <= q.range.start && q.range.end <= s.end)?;
    let tail = &cx.text[q.range.end..sentence.end];
    if !tail.trim_matches(|c: char| c.is_whitespace() || c == '.').is_empty() {
        return None;
    }
    let closing = cx.text[..q.range.end].char_indices().next_back()?.0;
    let inside = &cx.text[q.inner.clone()];
    let mut edits = Vec::new();
    match inside.chars().next_back() {
        Some('.') => {
            let at = q.inner.end - 1;
            edits.push((at..q.inner.end, ",".to_string()));
        }
        Some(',' | '?' | '!' | '…') => {}
        _ => edits.push((closing..closing, ",".to_string())),
    }
    edits.push((q.range.end..sentence.end, format!(" {speaker} {cue}.")));
    Some(Fix {
        title: format!("Attribute to {speaker}"),
        edits,
        preferred: indexed.speaker.is_some(),
    })
}
