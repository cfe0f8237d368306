//! `unattributed-claim`: a sentence states as fact what the sources present
//! as someone's claim ("The S-400 missiles are designed to shoot down NATO
//! aircraft." where the source has "arms experts say"). A match is on
//! content words (stemmed, names left out, so sharing "Erdogan" and "NATO"
//! is not enough), at least one of them distinctive (in a large lexicon, a
//! word that one claim in 200 has does not tell which claim a sentence
//! repeats: [`crate::analysis::claim_content::distinctive_limit`]); a
//! sentence that attributes anything, quotes anyone, or names the claim's
//! speaker is left alone.

use std::collections::HashSet;
use std::ops::Range;

use super::claim_match::{candidates, shared_count, StemMemo};
use super::claims::{is_function_word, name_for_fix, related, source_speaker, source_title};
use super::tokens::{key_has_letter, words};
use super::{Context, Finding, Fix, Rule, Scope, Severity};
use crate::analysis::ClaimId;
use crate::lexicon::Claim;
use crate::text::attribution::find_attributions;
use crate::text::fold::fold;

/// At least this many content words in common...
const MIN_SHARED: usize = 3;
/// ...covering this share of the claim's content words...
const MIN_CLAIM_COVERED: f64 = 0.6;
/// ...and this share of the sentence's, so a long sentence that happens to
/// contain the words is not taken for the claim.
const MIN_SENTENCE_COVERED: f64 = 0.5;

/// Verbs a fix may copy from the source's cue.
const FIX_VERBS: &[&str] = &[
    "say", "says", "said", "wrote", "writes", "told", "argue", "argues", "argued", "believe",
    "believes", "warn", "warns", "warned",
];

pub(crate) fn check(cx: &Context<'_>, severity: Severity, scope: &Scope) -> Vec<Finding> {
    let mut memo = cx.stem_memo();
    let stems = &mut *memo;
    // One list for every sentence's stems.
    let mut content = Vec::new();
    scope
        .sentences
        .clone()
        .filter_map(|sentence_index| {
            check_sentence(cx, sentence_index, severity, stems, &mut content)
        })
        .collect()
}

fn check_sentence(
    cx: &Context<'_>,
    sentence_index: usize,
    severity: Severity,
    stems: &mut StemMemo,
    content: &mut Vec<u32>,
) -> Option<Finding> {
    let sentence = &cx.analysis.sentences[sentence_index];
    if cx.in_heading(sentence.start)
        || cx.text[sentence.clone()].trim_end().ends_with('?')
        || !cx.quotations_opening_in(sentence.clone()).is_empty()
    {
        return None;
    }
    // The sentence's content words, stemmed: no function words and no
    // names (the lexicon's mentions and other capitalised words inside the
    // sentence). Words and mentions are both in text order: one pass,
    // keeping the furthest end of the mentions that start at or before the
    // word (a mention holds the word if and only if one of those reaches
    // past its end).
    let mentions = cx.mentions_near(sentence.clone());
    let (mut next_mention, mut reach) = (0, 0);
    content.clear();
    for (i, w) in cx.sentence_words(sentence_index).iter().enumerate() {
        // The test that needs no lookup first.
        if i > 0 && w.capitalized {
            continue;
        }
        while let Some(m) = mentions
            .get(next_mention)
            .filter(|m| m.range.start <= w.range.start)
        {
            reach = reach.max(m.range.end);
            next_mention += 1;
        }
        if reach >= w.range.end {
            continue;
        }
        // A short ASCII word's key is its folded form's: read from the key,
        // a word of the draft costs one lookup in the memo.
        let id = match w.lower.key() {
            Some(key) => {
                if !key_has_letter(key) {
                    continue;
                }
                match stems.remembered(key) {
                    Some(id) => id,
                    None => stems.content_id(cx.index, &w.lower, Some(key)),
                }
            }
            None => {
                let folded = w.lower.folded();
                if !folded.chars().any(char::is_alphabetic) {
                    continue;
                }
                stems.content_id(cx.index, &folded, None)
            }
        };
        if let Some(id) = id {
            content.push(id);
        }
    }
    // A claim is found by a distinctive stem it shares: without one, no
    // claim is a candidate. Many sentences have none, and repeats do not
    // change that: asked before the list is sorted.
    let claims = &cx.index.claim_content;
    if content.len() < MIN_SHARED || !content.iter().any(|&id| claims.is_distinctive(id)) {
        return None;
    }
    content.sort_unstable();
    content.dedup();
    // Only stems some claim has can be shared: too few, and no claim can
    // cover the sentence.
    let known = content.iter().filter(|&&id| stems.is_known(id)).count();
    if content.len() < MIN_SHARED
        || known < MIN_SHARED
        || (known as f64) < MIN_SENTENCE_COVERED * content.len() as f64
    {
        return None;
    }
    // A sentence that attributes anything is left alone. Finding
    // attributions costs less than matching claims: first.
    if !find_attributions(cx.masked, sentence.clone(), cx.quotations_around(sentence)).is_empty() {
        return None;
    }
    let (_, claim) = candidates(claims, content)
        .into_iter()
        .filter_map(|c| {
            let claim_content = claims.of(c);
            let shared = shared_count(content, claim_content);
            let covers = shared >= MIN_SHARED
                && shared as f64 >= MIN_CLAIM_COVERED * claim_content.len() as f64
                && shared as f64 >= MIN_SENTENCE_COVERED * content.len() as f64;
            covers.then_some((shared, c))
        })
        .max()?;
    let speaker = source_speaker(cx, claim)?;
    let speaker_entity = cx.index.claim(claim).speaker;
    let names_speaker = mentions.iter().any(|m| {
        Some(m.entity) == speaker_entity
            && sentence.start <= m.range.start
            && m.range.end <= sentence.end
    }) || fold(&cx.text[sentence.clone()]).contains(&fold(&speaker));
    if names_speaker {
        return None;
    }
    let title = source_title(cx, claim);
    let mut fixes = Vec::new();
    fixes.extend(attribution_fix(cx, sentence.clone(), claim));
    Some(Finding {
        rule: Rule::UnattributedClaim,
        severity,
        range: sentence.clone(),
        message: format!(
            "Unattributed claim: this is what {speaker} say{} in “{title}”, not established fact. Attribute it.",
            if speaker_entity.is_some() { "s" } else { "" }
        ),
        fixes,
        related: related(cx, claim, format!("{speaker} in “{title}”")).into_iter().collect(),
    })
}

/// A claim's content words, folded: no function words, no names (capitalised
/// words but the first), no numbers, and not the words of its own
/// attribution ("arms experts say"). Stemmed and numbered once per index
/// ([`crate::analysis::claim_content`]).
pub(crate) fn claim_content_words(c: &Claim) -> Vec<String> {
    let attribution: HashSet<String> = words(&c.speaker_text, 0..c.speaker_text.len())
        .into_iter()
        .chain(words(&c.cue, 0..c.cue.len()))
        .map(|w| fold(&w.lower))
        .collect();
    words(&c.text, 0..c.text.len())
        .iter()
        .enumerate()
        .filter(|(i, w)| *i == 0 || !w.capitalized)
        .map(|(_, w)| fold(&w.lower))
        .filter(|w| {
            !is_function_word(w) && !attribution.contains(w) && w.chars().any(char::is_alphabetic)
        })
        .collect()
}

/// "…, arms experts say." at the end of the sentence.
fn attribution_fix(cx: &Context<'_>, sentence: Range<usize>, claim: ClaimId) -> Option<Fix> {
    let text = &cx.text[sentence.clone()];
    if !text.ends_with('.') {
        return None;
    }
    let indexed = cx.index.claim(claim);
    let speaker = match indexed.speaker {
        Some(e) => name_for_fix(cx, e, sentence.start),
        None => source_speaker(cx, claim)?,
    };
    let cue = indexed.claim.cue.trim().to_lowercase();
    let verb = match cue.as_str() {
        v if FIX_VERBS.contains(&v) => v.to_string(),
        _ => "said".to_string(),
    };
    let period = sentence.end - 1;
    Some(Fix {
        title: format!("Attribute to {speaker}"),
        edits: vec![(period..sentence.end, format!(", {speaker} {verb}."))],
        preferred: indexed.speaker.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::apply_edits;
    use crate::rules::testing::{findings_in, findings_in_kind, phrases, Lexicon};
    use crate::rules::DocKind;

    fn fixed(text: &str) -> Vec<String> {
        findings_in(&Lexicon::sochi(), text, "unattributed-claim")
            .into_iter()
            .map(|(_, f)| apply_edits(text, &f.fixes[0].edits).unwrap())
            .collect()
    }

    fn silent(text: &str) {
        assert_eq!(
            phrases(&Lexicon::sochi(), text, "unattributed-claim"),
            [] as [&str; 0],
            "{text}"
        );
    }

    /// The fixture lexicon with `filler` more claims by energy analysts,
    /// all "Gas prices shape alliances across the region", and one claim
    /// that adds a rarer word.
    fn sochi_with(filler: usize) -> Lexicon {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sochi.lexicon.json");
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let claim = |id: String, text: &str| {
            serde_json::json!({
                "id": id, "text": text, "speaker_text": "energy analysts", "cue": "say",
                "source": "sochi-putin-erdogan", "start": 0, "end": 1,
            })
        };
        let claims = json["claims"].as_array_mut().unwrap();
        for i in 0..filler {
            claims.push(claim(
                format!("filler-{i}"),
                "Gas prices shape alliances across the region",
            ));
        }
        claims.push(claim(
            "volatile".into(),
            "Gas prices shape alliances across the volatile region",
        ));
        let text = json.to_string();
        let input = crate::analysis::LexiconInput {
            path: "big.lexicon.json".into(),
            lexicon: crate::lexicon::parse(&text).unwrap(),
            text,
        };
        Lexicon {
            index: crate::analysis::LexiconIndex::build(vec![input]),
        }
    }

    #[test]
    fn in_a_large_lexicon_only_a_claim_sharing_a_distinctive_word_is_found() {
        let limit = crate::analysis::claim_content::distinctive_limit(300);
        let common = "Gas prices shape alliances across the region.";
        let rare = "Gas prices shape alliances across the volatile region.";
        // A few claims: every word tells them apart.
        let small = sochi_with(10);
        assert_eq!(phrases(&small, common, "unattributed-claim"), [common]);
        // More claims share these words than `limit`: they no longer tell
        // which claim the sentence repeats, so it is not taken for one...
        let large = sochi_with(limit + 1);
        assert_eq!(
            phrases(&large, common, "unattributed-claim"),
            [] as [&str; 0]
        );
        // ...but "volatile" still finds its claim, and the words in common
        // with the others count towards the match.
        let found = findings_in(&large, rare, "unattributed-claim");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].1.message.contains("energy analysts say"),
            "{}",
            found[0].1.message
        );
        // The fixture's own claims are still found beside the filler.
        assert_eq!(
            phrases(
                &large,
                "The S-400 missiles are designed to shoot down NATO aircraft.",
                "unattributed-claim"
            ),
            ["The S-400 missiles are designed to shoot down NATO aircraft."]
        );
    }

    #[test]
    fn a_group_claim_stated_as_fact() {
        let text = "Turkey bought the system anyway. The S-400 missiles are designed to shoot down NATO aircraft.";
        let found = findings_in(&Lexicon::sochi(), text, "unattributed-claim");
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].0,
            "The S-400 missiles are designed to shoot down NATO aircraft."
        );
        assert_eq!(
            found[0].1.message,
            "Unattributed claim: this is what arms experts say in “Erdogan and Putin meet in Sochi as Turkey’s ties with the U.S. fray”, not established fact. Attribute it."
        );
        assert!(
            !found[0].1.fixes[0].preferred,
            "which words to use for a group is the reporter's call"
        );
        assert_eq!(
            fixed(text),
            ["Turkey bought the system anyway. The S-400 missiles are designed to shoot down NATO aircraft, arms experts say."]
        );
    }

    #[test]
    fn a_persons_claim_stated_as_fact() {
        assert_eq!(
            fixed("The alignment with Russia is insulating Turkey from high gas prices in Europe."),
            ["The alignment with Russia is insulating Turkey from high gas prices in Europe, Vladimir V. Putin said."]
        );
        assert_eq!(
            fixed("Putin arrived first. Peace in Syria was of the greatest importance among the issues between Turkey and Russia."),
            ["Putin arrived first. Peace in Syria was of the greatest importance among the issues between Turkey and Russia, Recep Tayyip Erdogan said."]
        );
        assert_eq!(
            fixed("Erdogan badly needs a favorable deal to purchase natural gas from Russia as world prices are spiking."),
            ["Erdogan badly needs a favorable deal to purchase natural gas from Russia as world prices are spiking, Kerim Has wrote."]
        );
    }

    #[test]
    fn a_paraphrased_quotation_and_plain_text() {
        assert_eq!(
            phrases(
                &Lexicon::sochi(),
                "Turkey can strengthen its defense as it pleases.",
                "unattributed-claim"
            ),
            ["Turkey can strengthen its defense as it pleases."]
        );
        let found = findings_in_kind(
            &Lexicon::sochi(),
            "ANKARA, Turkey —\n\nTurkey’s offer to play a role in Afghanistan after the US withdrawal was aimed at creating a dependence that would reduce pushback from Washington.\n",
            DocKind::PlainText,
            "unattributed-claim",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].1.message.contains("Aykan Erdemir says"),
            "{}",
            found[0].1.message
        );
    }

    #[test]
    fn attributed_or_named_claims_stay_silent() {
        silent("The S-400 missiles, arms experts say, are designed to shoot down NATO aircraft.");
        silent("According to arms experts, the S-400 missiles are designed to shoot down NATO aircraft.");
        silent("Stoltenberg said the S-400 missiles are designed to shoot down NATO aircraft.");
        silent("For Putin, the alignment with Russia is insulating Turkey from high gas prices in Europe.");
        silent("“Those missiles are designed to shoot down NATO aircraft,” one analyst said.");
    }

    #[test]
    fn shared_names_other_facts_questions_and_headlines_stay_silent() {
        silent("Erdogan met Putin in Sochi to discuss NATO and the S-400.");
        silent("The S-400 missiles were delivered to Turkey in 2019.");
        silent("Are the S-400 missiles designed to shoot down NATO aircraft?");
        silent(
            "# S-400 missiles are designed to shoot down NATO aircraft\n\nTurkey bought them.\n",
        );
        silent("The S-400 missiles, which Russia designed in the 1990s to shoot down aircraft of every kind, from NATO fighters to drones and cruise missiles, arrived in July, months after the deal was signed.");
    }
}
