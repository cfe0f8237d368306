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
use super::tokens::{key_has_letter, words, Word};
use super::{Context, Finding, Fix, Rule, Scope, Severity};
use crate::analysis::mentions::Mention;
use crate::analysis::ClaimId;
use crate::lexicon::Claim;
use crate::text::attribution::find_attributions;
use crate::text::fold::fold;
use crate::text::prose::{Block, BlockKind};
use crate::text::quotes::Quotation;

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
    let mut near = Near::new(cx, scope.sentences.start);
    scope
        .sentences
        .clone()
        .filter_map(|sentence_index| {
            check_sentence(cx, sentence_index, severity, stems, &mut near, &mut content)
        })
        .collect()
}

fn check_sentence(
    cx: &Context<'_>,
    sentence_index: usize,
    severity: Severity,
    stems: &mut StemMemo,
    near: &mut Near<'_>,
    content: &mut Vec<u32>,
) -> Option<Finding> {
    let sentence = &cx.analysis.sentences[sentence_index];
    if !content_of(cx, sentence_index, stems, near, content) {
        return None;
    }
    let claims = &cx.index.claim_content;
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
    let names_speaker = cx.mentions_near(sentence.clone()).iter().any(|m| {
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

/// Whether sentence `i` may state a claim, and if so its content stems in
/// `content` (ascending, once each): it is no heading or question, no
/// quotation opens in it, and it has at least [`MIN_SHARED`] content words
/// (repeats counted), one of them distinctive.
///
/// Most sentences have no distinctive stem: their words are first only
/// counted, and listed only for the few that pass (a second pass, reading
/// the memo's answers).
fn content_of(
    cx: &Context<'_>,
    i: usize,
    stems: &mut StemMemo,
    near: &mut Near<'_>,
    content: &mut Vec<u32>,
) -> bool {
    let sentence = &cx.analysis.sentences[i];
    if near.in_heading(sentence.start)
        || cx.text[sentence.clone()].trim_end().ends_with('?')
        || near.quotation_opens_in(cx, sentence)
    {
        return false;
    }
    let mentions = near.mentions_from(sentence.start);
    let words = cx.sentence_words(i);
    let (count, distinctive) = fold_content_stems(
        cx,
        words,
        mentions,
        stems,
        (0, false),
        |(count, any), _, distinctive| (count + 1, any | distinctive),
    );
    // A claim is found by a distinctive stem it shares: without one, no
    // claim is a candidate.
    if count < MIN_SHARED || !distinctive {
        return false;
    }
    content.clear();
    fold_content_stems(cx, words, mentions, stems, (), |(), id, _| content.push(id));
    content.sort_unstable();
    content.dedup();
    true
}

/// Folds `found` over each content word's stem number and whether it is
/// distinctive, in text order (the tally passed by value, so it stays in
/// registers): no function words and no names (the
/// lexicon's mentions and other capitalised words but the first). Words
/// and mentions (those from `mentions` on, starting where a mention that
/// reaches the sentence may start) are both in text order: one pass,
/// keeping the furthest end of the mentions that start at or before the
/// word (a mention holds the word if and only if one of those reaches
/// past its end).
#[inline]
fn fold_content_stems<A>(
    cx: &Context<'_>,
    words: &[Word<'_>],
    mentions: &[Mention],
    stems: &mut StemMemo,
    mut tally: A,
    mut found: impl FnMut(A, u32, bool) -> A,
) -> A {
    let (mut next_mention, mut reach) = (0, 0);
    // Where the first mention not folded in yet starts: most words lie
    // before it, and cost one comparison.
    let start_of = |m: Option<&Mention>| m.map_or(usize::MAX, |m| m.range.start);
    let mut next_start = start_of(mentions.first());
    for (i, w) in words.iter().enumerate() {
        // The test that needs no lookup first.
        if i > 0 && w.capitalized {
            continue;
        }
        if next_start <= w.range.start {
            while let Some(m) = mentions
                .get(next_mention)
                .filter(|m| m.range.start <= w.range.start)
            {
                reach = reach.max(m.range.end);
                next_mention += 1;
            }
            next_start = start_of(mentions.get(next_mention));
        }
        if reach >= w.range.end {
            continue;
        }
        match w.lower.key() {
            // A short ASCII word's key is its folded form's: read from the
            // key, a word of the draft costs one lookup in the memo, whose
            // answer says at once whether the key has a letter.
            Some(key) => {
                let remembered = match stems.remembered(key) {
                    Some(remembered) => remembered,
                    None if !key_has_letter(key) => continue,
                    None => stems.remember(cx.index, &w.lower, Some(key)),
                };
                if let Some(id) = remembered.content() {
                    tally = found(tally, id, remembered.is_distinctive());
                }
            }
            None => {
                let folded = w.lower.folded();
                if !folded.chars().any(char::is_alphabetic) {
                    continue;
                }
                let remembered = stems.remember(cx.index, &folded, None);
                if let Some(id) = remembered.id() {
                    tally = found(tally, id, remembered.is_distinctive());
                }
            }
        }
    }
    tally
}

/// Where the searches of the last sentence checked ended. A check reads
/// its sentences in text order, so the block, quotations and mentions of
/// the next one lie at or after these: a step or two forward per sentence
/// instead of five binary searches.
struct Near<'a> {
    blocks: &'a [Block],
    quotations: &'a [Quotation],
    mentions: &'a [Mention],
    mention_span: usize,
    /// The first block ending after the last sentence's start.
    block: usize,
    /// The first quotation opening at or after the last sentence's start.
    quotation: usize,
    /// The first mention starting at or after the last sentence's start
    /// less `mention_span`.
    mention: usize,
}

impl<'a> Near<'a> {
    /// Searched once, for the first sentence to check.
    fn new(cx: &Context<'a>, first_sentence: usize) -> Near<'a> {
        let start = cx
            .analysis
            .sentences
            .get(first_sentence)
            .map_or(0, |s| s.start);
        let quotations = &cx.analysis.quotations[..];
        let mentions = cx.mentions;
        let from = start.saturating_sub(cx.mention_span);
        let blocks = &cx.analysis.prose.blocks[..];
        Near {
            blocks,
            block: blocks.partition_point(|b| b.range.end <= start),
            quotations,
            mentions,
            mention_span: cx.mention_span,
            quotation: quotations.partition_point(|q| q.range.start < start),
            mention: mentions.partition_point(|m| m.range.start < from),
        }
    }

    /// Whether byte `at` lies in a heading ([`Context::in_heading`]: the
    /// first block ending after it is a heading that starts at or before
    /// it).
    fn in_heading(&mut self, at: usize) -> bool {
        let before = |b: &Block| b.range.end <= at;
        if self.block > 0 && self.blocks.get(self.block - 1).is_some_and(|b| !before(b)) {
            self.block = self.blocks.partition_point(before);
        }
        while self.blocks.get(self.block).is_some_and(before) {
            self.block += 1;
        }
        self.blocks
            .get(self.block)
            .is_some_and(|b| b.kind == BlockKind::Heading && b.range.start <= at)
    }

    /// Whether a quotation opens inside `sentence`
    /// ([`Context::quotations_opening_in`] is not empty). Sentences come
    /// in text order; one that does not (never in a check) is searched.
    fn quotation_opens_in(&mut self, cx: &Context<'_>, sentence: &Range<usize>) -> bool {
        let before = |q: &Quotation| q.range.start < sentence.start;
        if self.quotation > 0
            && self
                .quotations
                .get(self.quotation - 1)
                .is_some_and(|q| !before(q))
        {
            self.quotation = cx.quotations_opening_in(sentence.clone()).start;
        }
        while self.quotations.get(self.quotation).is_some_and(before) {
            self.quotation += 1;
        }
        self.quotations
            .get(self.quotation)
            .is_some_and(|q| q.range.start < sentence.end)
    }

    /// The mentions from the first that may hold a word starting at or
    /// after `start` (one that starts no further back than the longest
    /// mention is long), to the draft's end: the caller stops at its
    /// words' starts.
    fn mentions_from(&mut self, start: usize) -> &'a [Mention] {
        let from = start.saturating_sub(self.mention_span);
        let before = |m: &Mention| m.range.start < from;
        if self.mention > 0
            && self
                .mentions
                .get(self.mention - 1)
                .is_some_and(|m| !before(m))
        {
            self.mention = self.mentions.partition_point(before);
        }
        while self.mentions.get(self.mention).is_some_and(before) {
            self.mention += 1;
        }
        self.mentions.get(self.mention..).unwrap_or_default()
    }
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
    use super::*;
    use crate::analysis::claim_content::distinctive_limit;
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

    /// The sentence's content stems as the rule first read them: the
    /// context's searches for each sentence, the letter test, then the
    /// memo's answer and the index's distinctive flag for each word.
    fn plain_content_of(
        cx: &Context<'_>,
        i: usize,
        stems: &mut StemMemo,
        content: &mut Vec<u32>,
    ) -> bool {
        let sentence = &cx.analysis.sentences[i];
        if cx.in_heading(sentence.start)
            || cx.text[sentence.clone()].trim_end().ends_with('?')
            || !cx.quotations_opening_in(sentence.clone()).is_empty()
        {
            return false;
        }
        let mentions = cx.mentions_near(sentence.clone());
        content.clear();
        for (i, w) in cx.sentence_words(i).iter().enumerate() {
            let held = mentions
                .iter()
                .any(|m| m.range.start <= w.range.start && w.range.end <= m.range.end);
            if (i > 0 && w.capitalized) || held {
                continue;
            }
            let folded = w.lower.folded();
            let letter = match w.lower.key() {
                Some(key) => key_has_letter(key),
                None => folded.chars().any(char::is_alphabetic),
            };
            if letter {
                content.extend(stems.content_id(cx.index, &folded, None));
            }
        }
        let claims = &cx.index.claim_content;
        if content.len() < MIN_SHARED || !content.iter().any(|&id| claims.is_distinctive(id)) {
            return false;
        }
        content.sort_unstable();
        content.dedup();
        true
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// What the rule reads of each sentence (the walk forward over
        /// quotations and mentions, the memo's flags, counting before
        /// listing) is what the plain reading finds, for any run of
        /// sentences, in order or not, in a lexicon where every stem is
        /// distinctive and in one where some are not.
        #[test]
        fn the_sentence_content_is_the_plain_one(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "The S-400 missiles are designed to shoot down NATO aircraft. ",
                    "Gas prices shape alliances across the volatile region. ",
                    "Gas prices shape alliances across the region, energy analysts say. ",
                    "Gas prices shape alliances across the region. ",
                    "Turkey can strengthen its defense as it pleases. ",
                    "Peace in Syria was of the greatest importance among the issues between Turkey and Russia. ",
                    "Erdogan met Vladimir V. Putin in Sochi. ", "“Missiles shoot aircraft,” he said. ",
                    "Are the missiles designed to shoot? ", "\n\n# Designed missiles shoot aircraft\n\n",
                    "\n\n", "2019 1,200 s-400 ", "counterrevolutionaries internationalization ",
                    "Türkiye’s défense prices ", "the and of it ", "Missiles ", "aircraft. ",
                ]),
                0..14,
            ),
            large in proptest::bool::ANY,
            bounds in (0usize..20, 0usize..20),
            order in proptest::collection::vec(0usize..20, 0..10),
        ) {
            let lexicon = if large { sochi_with(distinctive_limit(300) + 1) } else { Lexicon::sochi() };
            let text: String = pieces.concat();
            let analysis = crate::analysis::analyze(&text, DocKind::Markdown, &lexicon.index);
            let cx = Context::new(&text, &analysis, &lexicon.index);
            let n = analysis.sentences.len();
            let (lo, hi) = (bounds.0.min(n), bounds.1.min(n));
            let (lo, hi) = (lo.min(hi), lo.max(hi));
            let (mut fast, mut plain) = (StemMemo::default(), StemMemo::default());
            let (mut got, mut want) = (Vec::new(), Vec::new());
            let mut near = Near::new(&cx, lo);
            // The scope's sentences in order, then some in any order.
            let sentences = (lo..hi).chain(order.into_iter().filter(|&i| i < n));
            for i in sentences {
                let found = content_of(&cx, i, &mut fast, &mut near, &mut got);
                let expected = plain_content_of(&cx, i, &mut plain, &mut want);
                proptest::prop_assert_eq!(found, expected, "sentence {} of {:?}", i, text);
                if found {
                    proptest::prop_assert_eq!(&got, &want, "sentence {} of {:?}", i, text);
                }
            }
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
