//! `misattributed-quote`: the quotation is one the lexicon knows, and the
//! draft gives it to someone other than the person the sources name. Only a
//! named person, or a pronoun whose antecedent is plain, can be wrong: a
//! description ("the Turkish leader") or a group may well be the right
//! person, so it stays silent.

use super::claims::{name_for_fix, resolve, ClaimSource, DraftSpeaker};
use super::first_reference::is_honorific;
use super::{Context, Finding, Fix, Rule, Scope, Severity};
use crate::lexicon::EntityKind;
use crate::text::fold::fold;

pub(crate) fn check(cx: &Context<'_>, severity: Severity, scope: &Scope) -> Vec<Finding> {
    let a = cx.analysis;
    let mut findings = Vec::new();
    for qi in scope.quotations.clone() {
        let q = &a.quotations[qi];
        let (Some(Some(matched)), Some(Some(attributed))) =
            (a.quote_claims.get(qi), a.attributions.get(qi))
        else {
            continue;
        };
        let Some(expected) = cx.index.claim(matched.claim).speaker else {
            continue;
        };
        let draft_name = match resolve(cx, &attributed.attribution, Some(expected)) {
            DraftSpeaker::Entity(e) if e == expected => continue,
            DraftSpeaker::Entity(e) if cx.index.kind(e) != EntityKind::Person => continue,
            DraftSpeaker::Entity(e) => cx.index.entity(e).entity.name.clone(),
            DraftSpeaker::UnknownName(name) if same_person(cx, &name, expected) => continue,
            DraftSpeaker::UnknownName(name) => name,
            DraftSpeaker::Unresolved => continue,
        };
        let source_name = &cx.index.entity(expected).entity.name;
        let source = ClaimSource::of(cx, matched.claim);
        let title = source.title();
        let speaker = &attributed.attribution.speaker;
        let written = &cx.text[speaker.range.clone()];
        let replacement = name_for_fix(cx, expected, speaker.range.start);
        findings.push(Finding {
            rule: Rule::MisattributedQuote,
            severity,
            range: q.range.clone(),
            message: format!(
                "Misattributed quotation: the sources give these words to {source_name}, not {draft_name} (“{title}”)."
            ),
            fixes: vec![Fix {
                title: format!("Give the quotation to {replacement} (replaces “{written}”)"),
                edits: vec![(speaker.range.clone(), replacement.clone())],
                preferred: true,
            }],
            related: source
                .related(format!("{source_name} in “{title}”"))
                .into_iter()
                .collect(),
        });
    }
    findings
}

/// A name the lexicon does not list may still be the source's speaker
/// written another way ("Tayyip Erdogan"): any shared word with the
/// entity's name or aliases.
fn same_person(cx: &Context<'_>, name: &str, entity: crate::analysis::EntityId) -> bool {
    let e = &cx.index.entity(entity).entity;
    let known: Vec<String> = std::iter::once(&e.name)
        .chain(&e.aliases)
        .flat_map(|n| n.split_whitespace().map(fold).collect::<Vec<_>>())
        .filter(|w| w.len() > 2 && !is_honorific(w))
        .collect();
    name.split_whitespace()
        .map(fold)
        .any(|w| known.contains(&w))
}

#[cfg(test)]
mod tests {
    use crate::rules::apply_edits;
    use crate::rules::testing::{findings_in, phrases, Lexicon};

    fn misattributed(text: &str) -> Vec<String> {
        phrases(&Lexicon::sochi(), text, "misattributed-quote")
    }

    /// Each finding's message and the text after its fix.
    fn fixed(text: &str) -> Vec<(String, String)> {
        findings_in(&Lexicon::sochi(), text, "misattributed-quote")
            .into_iter()
            .map(|(_, f)| {
                (
                    f.message.clone(),
                    apply_edits(text, &f.fixes[0].edits).unwrap(),
                )
            })
            .collect()
    }

    const TITLE: &str = "Erdogan and Putin meet in Sochi as Turkey’s ties with the U.S. fray";

    #[test]
    fn a_named_speaker_who_did_not_say_it() {
        let found = fixed("“We buy our own weapons,” Putin said.");
        assert_eq!(
            found,
            [(
                format!("Misattributed quotation: the sources give these words to Recep Tayyip Erdogan, not Vladimir V. Putin (“{TITLE}”)."),
                "“We buy our own weapons,” Recep Tayyip Erdogan said.".to_string()
            )]
        );
        assert_eq!(
            fixed("Erdogan arrived late. “We buy our own weapons,” said President Putin.")[0].1,
            "Erdogan arrived late. “We buy our own weapons,” said Erdogan."
        );
    }

    #[test]
    fn a_name_the_lexicon_does_not_know() {
        let found = findings_in(
            &Lexicon::sochi(),
            "“We buy our own weapons,” Cavusoglu said.",
            "misattributed-quote",
        );
        assert_eq!(
            found[0].1.message,
            format!("Misattributed quotation: the sources give these words to Recep Tayyip Erdogan, not Cavusoglu (“{TITLE}”).")
        );
        assert_eq!(found[0].1.severity, crate::rules::Severity::Error);
    }

    #[test]
    fn a_pronoun_whose_antecedent_is_plain() {
        assert_eq!(
            fixed("Putin praised the energy deals. “Turkey has long US ties,” he said.")[0].1,
            "Putin praised the energy deals. “Turkey has long US ties,” Recep Tayyip Erdogan said."
        );
    }

    #[test]
    fn lead_ins_partial_quotations_and_continued_quotations() {
        assert_eq!(
            misattributed("Putin was blunt: “We buy our own weapons.”"),
            ["“We buy our own weapons.”"]
        );
        assert_eq!(
            misattributed("Putin said Turkey “would not have had to buy S-400s.”"),
            ["“would not have had to buy S-400s.”"]
        );
        assert_eq!(
            misattributed("“In my opinion, Erdogan did not get what he expected,” Aykan Erdemir wrote on Twitter."),
            ["“In my opinion, Erdogan did not get what he expected,”"]
        );
        assert_eq!(
            misattributed("“I think it was worth it,” Putin said. “We can strengthen our defense as we please.”"),
            ["“I think it was worth it,”", "“We can strengthen our defense as we please.”"]
        );
    }

    #[test]
    fn the_right_speaker_however_written_stays_silent() {
        for text in [
            "“We buy our own weapons,” Erdogan said.",
            "“We buy our own weapons,” said President Recep Tayyip Erdogan.",
            "“We buy our own weapons,” Mr Erdogan said.",
            "Erdogan appeared unapologetic. “I think it was worth it,” he said.",
            "“Erdogan may have to buy the second part of S-400s for the sake of his ‘personal survival,’ ” Has said.",
        ] {
            assert_eq!(misattributed(text), [] as [&str; 0], "{text}");
        }
    }

    #[test]
    fn speakers_copydesk_cannot_pin_down_stay_silent() {
        for text in [
            "“We buy our own weapons,” the Turkish president said.",
            "Putin met Erdogan. “We buy our own weapons,” he said.",
            "On Wednesday, the Turkish leader used the meeting with Putin as a platform. The cooperation has gone far enough, he said, adding that “there is no path back in this sphere.”",
            "“We buy our own weapons,” Turkish officials said.",
            "“We buy our own weapons,” Turkey said.",
            "“We buy Russian gas,” Putin said.",
        ] {
            assert_eq!(misattributed(text), [] as [&str; 0], "{text}");
        }
    }
}
