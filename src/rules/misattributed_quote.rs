//! `misattributed-quote`: the quotation is one the lexicon knows, and the
//! draft gives it to someone other than the person the sources name. Only a
//! named person, or a pronoun whose antecedent is plain, can be wrong: a
//! description ("the Turkish leader") or a group may well be the right
//! person, so it stays silent.

use super::claims::{name_for_fix, related, resolve, source_title, DraftSpeaker};
use super::first_reference::is_honorific;
use super::{Context, Finding, Fix, Rule, Severity};
use crate::lexicon::EntityKind;
use crate::text::fold::fold;

pub(crate) fn check(cx: &Context<'_>, severity: Severity) -> Vec<Finding> {
    let a = cx.analysis;
    let mut findings = Vec::new();
    for (qi, q) in a.quotations.iter().enumerate() {
        let (Some(Some(matched)), Some(Some(attributed))) = (a.quote_claims.get(qi), a.attributions.get(qi))
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
        let title = source_title(cx, matched.claim);
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
            related: related(cx, matched.claim, format!("{source_name} in “{title}”"))
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
    name.split_whitespace().map(fold).any(|w| known.contains(&w))
}
