//! `quote-without-speaker`: a quotation whose speaker the draft gives
//! nowhere. Where the builder's attribution finder looks (the sentence, a
//! colon lead-in, the next sentence, the part a quotation continues) is in
//! `crate::text::attribution`; this rule decides which unattributed
//! quotations matter: four words or more, or any quotation the lexicon
//! knows. Titles of works and terms introduced by "called", "so-called",
//! "dubbed" are not quotations of anyone.

use super::claims::{name_for_fix, source_speaker, ClaimSource};
use super::tokens::words;
use super::{Context, Finding, Fix, Rule, Scope, Severity};
use crate::text::attribution::mentions_cue;

/// Shorter quotations are scare quotes and coined terms ("a “wake-up call”").
const MIN_WORDS: usize = 4;

/// Words before a quotation that name a phrase rather than quote a person.
const NAMING_WORDS: &[&str] = &[
    "called",
    "dubbed",
    "so-called",
    "titled",
    "entitled",
    "headlined",
    "named",
    "nicknamed",
    "labeled",
    "labelled",
    "termed",
    "branded",
    "as",
    "phrase",
    "slogan",
    "term",
    "motto",
    "banner",
    "hashtag",
    "chanting",
    "chanted",
    "read",
    "reading",
];

/// Cue verbs a fix may copy from the source ("wrote on Twitter"); others
/// ("adding", "asserting") read wrongly after a quotation.
const FIX_CUES: &[&str] = &[
    "said",
    "says",
    "wrote",
    "writes",
    "told",
    "tells",
    "added",
    "adds",
    "tweeted",
    "posted",
    "asked",
    "declared",
    "explained",
    "insisted",
    "stressed",
    "warned",
    "noted",
    "argued",
];

pub(crate) fn check(cx: &Context<'_>, severity: Severity, scope: &Scope) -> Vec<Finding> {
    let a = cx.analysis;
    let mut findings = Vec::new();
    for qi in scope.quotations.clone() {
        let q = &a.quotations[qi];
        if q.depth > 0 || cx.in_heading(q.range.start) || cx.dangling(qi) || introduced(cx, qi, 0) {
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
            let source = ClaimSource::of(cx, claim);
            let title = source.title();
            if let Some(speaker) = source_speaker(cx, claim) {
                finding.message = format!(
                    "Quotation without a speaker: the sources give these words to {speaker} (“{title}”). Say so in the copy."
                );
                finding
                    .related
                    .extend(source.related(format!("{speaker} in “{title}”")));
            } else {
                finding
                    .related
                    .extend(source.related(format!("The source: “{title}”")));
            }
            finding.fixes.extend(attribution_fix(cx, qi, claim));
        }
        findings.push(finding);
    }
    findings
}

/// Whether the reporter introduced the quotation: the attribution finder
/// found its speaker; or a verb of saying follows it in its sentence; or a
/// colon introduces it (a lead-in whose speaker the finder could not parse:
/// "Stoltenberg chose his words with care when asked about it:"); or it
/// continues a quotation that was introduced.
fn introduced(cx: &Context<'_>, qi: usize, depth: usize) -> bool {
    let a = cx.analysis;
    if a.attributions.get(qi).is_some_and(Option::is_some)
        || cue_beside(cx, qi)
        || after_colon(cx, qi)
    {
        return true;
    }
    // Continuations form a chain back to the first part; bounded anyway.
    depth < 16
        && a.quotations[qi]
            .continues
            .is_some_and(|p| p < qi && introduced(cx, p, depth + 1))
}

/// The last thing before the quotation, in its sentence or at the end of
/// the sentence (or paragraph) before, is a colon.
fn after_colon(cx: &Context<'_>, qi: usize) -> bool {
    let q = &cx.analysis.quotations[qi];
    let before =
        cx.masked[..q.range.start].trim_end_matches(|c: char| c.is_whitespace() || c == '>');
    before.ends_with(':')
}

/// A verb of saying right after the quotation in its sentence (“…,” one
/// exporter in Gaziantep said): the reporter attributed it, to a speaker the
/// attribution finder could not parse, and that is not this rule's concern.
fn cue_beside(cx: &Context<'_>, qi: usize) -> bool {
    let a = cx.analysis;
    let q = &a.quotations[qi];
    let Some(sentence) = cx.sentence_at(q.range.start).map(|i| &a.sentences[i]) else {
        return false;
    };
    let next_quote = a.quotations[qi + 1..]
        .iter()
        .find(|n| n.depth == 0)
        .map_or(sentence.end, |n| n.range.start);
    let end = sentence.end.min(next_quote).max(q.range.end);
    let after = &cx.masked[q.range.end..end];
    // A short clause: "…,” one exporter in Gaziantep said, declining to…
    let clause = after.split([';', '.', '!', '?']).next().unwrap_or_default();
    // The quotation runs on into the clause: “…,” / “…?” / “…” —
    let runs_on = cx.masked[q.inner.clone()]
        .trim_end()
        .ends_with([',', '?', '!', '—'])
        || after.trim_start().starts_with([',', '—']);
    runs_on && mentions_cue(clause)
}

/// Title case throughout ("The Day After Tomorrow"): the name of a work.
fn is_title(cx: &Context<'_>, inner: std::ops::Range<usize>) -> bool {
    let text = &cx.masked[inner.clone()];
    if text.contains(['.', '?', '!', ',']) {
        return false;
    }
    words(cx.masked, inner).iter().all(|w| {
        w.capitalized
            || matches!(
                w.lower.as_str(),
                "a" | "an"
                    | "the"
                    | "of"
                    | "in"
                    | "on"
                    | "and"
                    | "or"
                    | "for"
                    | "to"
                    | "at"
                    | "by"
                    | "with"
                    | "from"
            )
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
    let cue = if cue
        .split_whitespace()
        .next()
        .is_some_and(|w| FIX_CUES.contains(&w))
    {
        cue
    } else {
        "said"
    };
    // The quotation must end its sentence: only a period may follow it.
    let sentence = cx
        .sentence_at(q.range.start)
        .map(|i| &a.sentences[i])
        .filter(|s| q.range.end <= s.end)?;
    let tail = &cx.text[q.range.end..sentence.end];
    if !tail
        .trim_matches(|c: char| c.is_whitespace() || c == '.')
        .is_empty()
    {
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

#[cfg(test)]
mod tests {
    use crate::rules::apply_edits;
    use crate::rules::testing::{findings_in, phrases, Lexicon};

    fn unattributed(text: &str) -> Vec<String> {
        phrases(&Lexicon::sochi(), text, "quote-without-speaker")
    }

    /// The text after the finding's quick fix.
    fn fixed(text: &str) -> Option<String> {
        let found = findings_in(&Lexicon::sochi(), text, "quote-without-speaker");
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found[0]
            .1
            .fixes
            .first()
            .map(|f| apply_edits(text, &f.edits).unwrap())
    }

    #[test]
    fn a_known_quotation_gets_the_sources_speaker() {
        let text = "Erdogan met Putin in Sochi.\n\n“Turkey has long US ties.”\n";
        let found = findings_in(&Lexicon::sochi(), text, "quote-without-speaker");
        assert_eq!(found[0].0, "“Turkey has long US ties.”");
        assert_eq!(
            found[0].1.message,
            "Quotation without a speaker: the sources give these words to Recep Tayyip Erdogan (“Erdogan and Putin meet in Sochi as Turkey’s ties with the U.S. fray”). Say so in the copy."
        );
        assert!(found[0].1.fixes[0].preferred);
        assert_eq!(
            fixed(text).unwrap(),
            "Erdogan met Putin in Sochi.\n\n“Turkey has long US ties,” Erdogan said.\n"
        );
        let related = &found[0].1.related[0];
        assert!(related.path.ends_with("sochi-putin-erdogan.txt"));
        assert_eq!(related.message, "Recep Tayyip Erdogan in “Erdogan and Putin meet in Sochi as Turkey’s ties with the U.S. fray”");
    }

    #[test]
    fn the_fix_names_someone_in_full_before_the_story_has() {
        assert_eq!(
            fixed("The talks went well. “This will be reinforced and has to be protected.”").unwrap(),
            "The talks went well. “This will be reinforced and has to be protected,” Recep Tayyip Erdogan said."
        );
        assert_eq!(
            fixed("The meeting ended.\n\n“In my opinion, Erdogan did not get what he expected.”\n").unwrap(),
            "The meeting ended.\n\n“In my opinion, Erdogan did not get what he expected,” Kerim Has wrote on Twitter.\n"
        );
        assert_eq!(
            fixed("Putin spoke first. “We buy our own weapons.” The deal went ahead.").unwrap(),
            "Putin spoke first. “We buy our own weapons,” Recep Tayyip Erdogan said. The deal went ahead."
        );
    }

    #[test]
    fn a_known_short_quotation_counts_but_gets_no_fix_mid_sentence() {
        let text = "The purchase is a “wake-up call” for the Biden administration.";
        assert_eq!(unattributed(text), ["“wake-up call”"]);
        assert_eq!(fixed(text), None);
    }

    #[test]
    fn a_cue_elsewhere_in_the_paragraph_does_not_attribute_the_quotation() {
        assert_eq!(
            unattributed("“We are not worried.” The mood at the bazaar was calm, traders said."),
            ["“We are not worried.”"]
        );
        assert_eq!(
            unattributed("“We are not worried about the lira.” Traders, however, sold."),
            ["“We are not worried about the lira.”"]
        );
    }

    #[test]
    fn unknown_quotations_of_four_words_or_more() {
        assert_eq!(
            unattributed(
                "The mood in Ankara was grim.\n\n“We will not be pushed around by anyone.”\n"
            ),
            ["“We will not be pushed around by anyone.”"]
        );
        assert_eq!(
            unattributed("“Is this the end of the alliance?”"),
            ["“Is this the end of the alliance?”"]
        );
        assert_eq!(fixed("“Is this the end of the alliance?”"), None);
    }

    #[test]
    fn attributed_quotations_stay_silent() {
        for text in [
            "“We buy our own weapons,” Erdogan said.",
            "“We buy our own weapons,” said Erdogan.",
            "Erdogan appeared unapologetic. “I think it was worth it,” he said.",
            "Erdogan was blunt: “We buy our own weapons.”",
            "“There is no path back in this sphere.” That was how Erdogan put it.",
            "“I think it was worth it,” he said. “We can strengthen our defense as we please.”",
            "Erdogan told reporters:\n\n> “We buy our own weapons. We can strengthen our defense as we please.”\n",
            "Kerim Has wrote that Erdogan was travelling with his “weakest hand” yet.",
            "“We will not be pushed around,” a Turkish official said on condition of anonymity.",
            "Erdogan said: “We buy our own weapons.\n\n“We can strengthen our defense as we please.”\n",
            "“Let them say what they want,” one exporter in Gaziantep said, declining to be named.",
            "“We will not be pushed around by anyone,” a ministry statement quoted the president as saying.",
        ] {
            assert_eq!(unattributed(text), [] as [&str; 0], "{text}");
        }
    }

    #[test]
    fn a_quotation_still_being_typed_waits() {
        assert_eq!(
            unattributed("The talks ended.\n\n“We will not be pushed around by"),
            [] as [&str; 0]
        );
        // Unclosed, but the next paragraph reopens it: the newsroom convention.
        assert_eq!(
            unattributed("The talks ended.\n\n“We will not be pushed around.\n\n“Not by anyone in Washington.”\n"),
            ["“We will not be pushed around.", "“Not by anyone in Washington.”"]
        );
    }

    #[test]
    fn scare_quotes_titles_and_named_phrases_stay_silent() {
        for text in [
            "The so-called “frozen conflict” dragged on.",
            "He watched the documentary “The Day After Tomorrow Never Comes” twice.",
            "It was what critics dubbed “the sultan’s new air defense system” last year.",
            "# “We buy our own weapons”\n\nErdogan spoke to reporters.\n",
            "```\n“We will not be pushed around by anyone.”\n```\n",
        ] {
            assert_eq!(unattributed(text), [] as [&str; 0], "{text}");
        }
    }
}
