//! `vague-attribution`: weasel words and faceless sources ("experts say",
//! "some analysts", "it is believed", "is widely seen as"). The phrases are
//! data (`data/rules-vague-attribution.txt`); what keeps a phrase silent is
//! here: a source the story already described ("the experts"), a description
//! that makes it specific ("analysts at Goldman Sachs"), an agent ("is seen
//! as a threat by Athens"), and words inside a quotation, which are the
//! speaker's, not the reporter's.

use std::ops::Range;
use std::sync::LazyLock;

use super::patterns::{Match, PatternSet};
use super::tokens::Word;
use super::{Context, Finding, Rule, Scope, Severity};
use crate::text::attribution::find_attributions;

static PATTERNS: LazyLock<PatternSet> = LazyLock::new(|| {
    PatternSet::parse(include_str!("../../data/rules-vague-attribution.txt"))
        .expect("data/rules-vague-attribution.txt is valid (tested)")
});

pub(crate) fn check(cx: &Context<'_>, severity: Severity, scope: &Scope) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut classes = Vec::new();
    for i in scope.sentences.clone() {
        let sentence = &cx.analysis.sentences[i];
        // Every sentence's words, split once per check for the rules that
        // read them: looking the words up costs less than searching the
        // text for the patterns' words first (an Aho-Corasick automaton
        // until session 11, whose building alone cost each process more
        // than the splits it saved).
        let ws = cx.sentence_words(i);
        // Most sentences hold no pattern's required words: told by one
        // pass that keeps no word's sets, before the words are classified.
        if !PATTERNS.may_match(PATTERNS.present_in(ws)) {
            continue;
        }
        let mut kept: Vec<(Range<usize>, Match)> = Vec::new();
        PATTERNS.classify_into(ws, &mut classes);
        for m in PATTERNS.find_classified(ws, &classes) {
            if !stays_vague(&m, ws) {
                continue;
            }
            let range = ws[m.words.start].range.start..ws[m.words.end - 1].range.end;
            if cx.in_quotation(&range) {
                continue;
            }
            // "The move is seen as a snub, diplomats said": the view is
            // attributed after all.
            if matches!(m.kind.as_str(), "passive" | "impersonal")
                && find_attributions(cx.masked, sentence.clone(), cx.quotations_around(sentence))
                    .iter()
                    .any(|a| {
                        a.speaker.range.end <= range.start || a.speaker.range.start >= range.end
                    })
            {
                continue;
            }
            kept.push((range, m));
        }
        for (range, m) in merge_overlapping(kept) {
            findings.push(Finding {
                rule: Rule::VagueAttribution,
                severity,
                message: message(&m, ws, &cx.text[range.clone()]),
                range,
                fixes: Vec::new(),
                related: Vec::new(),
            });
        }
    }
    findings
}

fn stays_vague(m: &Match, ws: &[Word]) -> bool {
    let before = m.words.start.checked_sub(1).map(|i| &ws[i]);
    let joined_before = before.filter(|_| !ws[m.words.start].break_before);
    match m.kind.as_str() {
        "group" | "crowd" => {
            // "Of the 40 lawmakers, some said ...": the group is described.
            let names_noun = m.classes.iter().any(|c| {
                matches!(
                    c.as_deref(),
                    Some("faceless" | "speakers" | "people" | "studies")
                )
            });
            if !names_noun
                && ws
                    .first()
                    .is_some_and(|w| matches!(w.lower.as_str(), "of" | "among"))
            {
                return false;
            }
            // "Of the 40 lawmakers, some said ...": the group is described.
            let bare_quantifier =
                matches!(ws[m.words.start].lower.as_str(), "many" | "some" | "most")
                    && m.classes.get(1).is_some_and(|c| {
                        c.as_deref() != Some("faceless")
                            && c.as_deref() != Some("speakers")
                            && c.as_deref() != Some("people")
                    });
            if bare_quantifier
                && ws
                    .first()
                    .is_some_and(|w| matches!(w.lower.as_str(), "of" | "among"))
            {
                return false;
            }
            if joined_before.is_some_and(|w| PATTERNS.in_class("determiner", &w.lower)) {
                return false;
            }
            if m.kind == "crowd"
                && joined_before.is_some_and(|w| {
                    PATTERNS.in_class("count", &w.lower)
                        || w.lower.starts_with(|c: char| c.is_ascii_digit())
                })
            {
                return false;
            }
            // A group that ends the match may be described right after it,
            // with or without a comma ("Some analysts, including Kerim Has").
            let ends_on_group = m
                .classes
                .last()
                .and_then(|c| c.as_deref())
                .is_some_and(|c| matches!(c, "faceless" | "speakers"));
            if ends_on_group
                && ws
                    .get(m.words.end)
                    .is_some_and(|n| PATTERNS.in_class("described", &n.lower))
            {
                return false;
            }
            true
        }
        "impersonal" | "passive" => !has_agent(&ws[m.words.end..]),
        _ => true,
    }
}

/// "... by Greek officials" names who holds the view; "by buying missiles"
/// (a gerund) does not.
fn has_agent(rest: &[Word]) -> bool {
    rest.windows(2).any(|pair| {
        matches!(pair[0].lower.as_str(), "by" | "among") && !pair[1].lower.ends_with("ing")
    })
}

fn merge_overlapping(mut kept: Vec<(Range<usize>, Match)>) -> Vec<(Range<usize>, Match)> {
    kept.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    let mut out: Vec<(Range<usize>, Match)> = Vec::new();
    for (range, m) in kept {
        if let Some((last, last_m)) = out.last_mut() {
            if range.start < last.end {
                last.end = last.end.max(range.end);
                // Of "some analysts" and "analysts say", the message names the
                // group whichever phrase carries it.
                if names_group(&m) && !names_group(last_m) {
                    *last_m = m;
                }
                continue;
            }
        }
        out.push((range, m));
    }
    out
}

fn names_group(m: &Match) -> bool {
    m.classes.iter().any(|c| {
        c.as_deref()
            .is_some_and(|c| matches!(c, "faceless" | "speakers" | "studies"))
    })
}

fn message(m: &Match, ws: &[Word], phrase: &str) -> String {
    let head = format!("Vague attribution: “{phrase}”");
    match m.kind.as_str() {
        "group" | "crowd" => {
            if let Some(w) = m.word_of(ws, &["studies"]) {
                format!("{head} — which {}? Name them and who did them.", w.lower)
            } else if let Some(w) = m.word_of(ws, &["faceless", "speakers"]) {
                format!(
                    "{head} — which {}? Name them, or say who they are and how they know.",
                    w.lower
                )
            } else {
                format!("{head} — who says so? Name them, or say who they are and how they know.")
            }
        }
        "impersonal" | "passive" => {
            // The participle is the last word of these patterns but for a
            // trailing "as"/"to"/"that".
            let participle = ws[m.words.clone()]
                .iter()
                .rev()
                .find(|w| {
                    !matches!(
                        w.lower.as_str(),
                        "as" | "to" | "that" | "be" | "have" | "a" | "an" | "one" | "the"
                    )
                })
                .map_or("held", |w| w.lower.as_str());
            format!("{head} — {participle} by whom? Say whose view this is.")
        }
        _ => format!("{head} — by whom? Name the source."),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{findings_in, phrases as phrases_in, Lexicon};

    /// Findings on one sentence, as (phrase, message).
    fn vague(sentence: &str) -> Vec<(String, String)> {
        findings_in(&Lexicon::empty(), sentence, "vague-attribution")
            .into_iter()
            .map(|(p, f)| (p, f.message))
            .collect()
    }

    fn phrases(sentence: &str) -> Vec<String> {
        phrases_in(&Lexicon::empty(), sentence, "vague-attribution")
    }

    #[test]
    fn the_phrase_list_parses() {
        let _ = &*super::PATTERNS;
    }

    #[test]
    fn faceless_experts_in_a_parenthetical() {
        let found = vague(
            "Those S-400 missiles, arms experts say, are designed to shoot down NATO aircraft.",
        );
        assert_eq!(
            found,
            [(
                "arms experts say".to_string(),
                "Vague attribution: “arms experts say” — which experts? Name them, or say who they are and how they know."
                    .to_string()
            )]
        );
    }

    #[test]
    fn agentless_passive_of_judging() {
        let found = vague(
            "Much of Erdogan’s diplomacy with Russia is interpreted as a bargaining position.",
        );
        assert_eq!(
            found,
            [(
                "is interpreted as".to_string(),
                "Vague attribution: “is interpreted as” — interpreted by whom? Say whose view this is."
                    .to_string()
            )]
        );
        assert_eq!(
            phrases("Turkey is widely regarded as NATO’s most difficult member."),
            ["is widely regarded as"]
        );
        assert_eq!(
            phrases("The purchase has been seen as a snub to Washington."),
            ["been seen as"]
        );
    }

    #[test]
    fn quantified_groups_and_crowds() {
        assert_eq!(
            phrases("Some analysts expect a new offensive in Idlib before winter."),
            ["Some analysts"]
        );
        assert_eq!(
            phrases("Many believe the truce will not survive the winter."),
            ["Many believe"]
        );
        assert_eq!(
            phrases("Critics argue that the deal rewards Moscow."),
            ["Critics argue"]
        );
        assert_eq!(
            phrases("CRITICS ARGUE THAT THE DEAL REWARDS MOSCOW."),
            ["CRITICS ARGUE"]
        );
        assert_eq!(
            phrases("Many people in Ankara believe the sanctions were unfair."),
            [] as [&str; 0],
            "“in Ankara” breaks the pattern: the crowd is placed, not faceless"
        );
        assert_eq!(
            phrases("Many Turks say the sanctions were unfair, but some analysts disagree."),
            ["some analysts"]
        );
    }

    #[test]
    fn impersonal_hearsay() {
        assert_eq!(
            phrases("It is believed that the missiles were delivered in July."),
            ["It is believed"]
        );
        assert_eq!(
            phrases("The batteries, it is said, were never switched on."),
            ["it is said"]
        );
        assert_eq!(
            phrases("Hifter is said to have asked Moscow for more fighters."),
            ["is said to"]
        );
        assert_eq!(
            phrases("Erdogan reportedly left empty-handed."),
            ["reportedly"]
        );
        assert_eq!(
            phrases("According to experts, the system cannot be integrated."),
            ["According to experts"]
        );
    }

    #[test]
    fn described_anonymous_sources_stay_silent() {
        for sentence in [
            "Turkish officials, speaking on condition of anonymity, said the talks went well.",
            "Analysts at the Stockholm International Peace Research Institute say the deal was worth $2.5 billion.",
            "Two people familiar with the talks said no agreement was signed.",
            "Some analysts, including Kerim Has, say Erdogan overplayed his hand.",
            "Experts interviewed by The Times said the system cannot be integrated.",
            "According to experts at the International Institute for Strategic Studies, the system is mobile.",
            "Ten people told The Associated Press they had fled the shelling.",
        ] {
            assert_eq!(phrases(sentence), [] as [&str; 0], "{sentence}");
        }
    }

    #[test]
    fn sources_the_story_already_named_stay_silent() {
        for sentence in [
            "The experts say the batteries are not yet operational.",
            "Those critics argue the deal rewards Moscow.",
            "His critics say he has undermined the alliance.",
        ] {
            assert_eq!(phrases(sentence), [] as [&str; 0], "{sentence}");
        }
    }

    #[test]
    fn passives_with_an_agent_stay_silent() {
        for sentence in [
            "The purchase is seen as a betrayal by Greek officials.",
            "The move was widely interpreted by diplomats as a warning to Washington.",
            "It is believed by investigators that the plane was shot down.",
            "Erdogan is seen as a dependable partner among Kremlin officials.",
        ] {
            assert_eq!(phrases(sentence), [] as [&str; 0], "{sentence}");
        }
        assert_eq!(
            phrases("The deal is seen as undermining NATO by purchasing Russian missiles."),
            ["is seen as"],
            "“by purchasing” is a means, not an agent"
        );
    }

    #[test]
    fn views_attributed_elsewhere_in_the_sentence_and_described_crowds_stay_silent() {
        for sentence in [
            "The move is seen as a snub to Washington, diplomats in Ankara said.",
            "According to the ministry, the suspect is described as a man in his 30s.",
            "Of the 40 lawmakers who spoke to reporters, some said they would abstain.",
            "Among the protesters, many believe the vote was rigged.",
        ] {
            assert_eq!(phrases(sentence), [] as [&str; 0], "{sentence}");
        }
        assert_eq!(phrases("Some said they would abstain."), ["Some said"]);
    }

    #[test]
    fn ordinary_uses_of_the_words_stay_silent() {
        for sentence in [
            "The meeting is expected to last three hours.",
            "The theft was reported to the police on Monday.",
            "Erdogan said the proposal is considered in committee next week.",
            "Many people were killed in the shelling.",
            "Russia has several sources of leverage over Ankara.",
            "Renewable energy sources supply a fifth of Turkey’s power.",
            "The attack happened Monday, but it was reported only on Friday.",
            "Putin said the cooperation had gone far enough.",
        ] {
            assert_eq!(phrases(sentence), [] as [&str; 0], "{sentence}");
        }
    }

    #[test]
    fn a_quoted_speaker_may_be_vague_the_reporter_may_not() {
        assert_eq!(
            phrases("“Experts say we cannot use them, but we will,” Erdogan said."),
            [] as [&str; 0]
        );
    }
}
