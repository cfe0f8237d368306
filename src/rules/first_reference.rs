//! `first-reference`: the first time a story names a person it gives the
//! full name; a bare surname or a title and surname ("Erdemir", "Mr.
//! Erdemir", "President Erdogan") comes after. Headlines and quotations do
//! not count: headlines use surnames, and reporters do not rewrite what
//! people said.

use std::ops::Range;
use std::sync::LazyLock;

use super::tokens::{after_last_space, words};
use super::{Context, Finding, Fix, Rule, Scope, Severity};
use crate::analysis::{EntityId, Mention};
use crate::lexicon::{Entity, EntityKind};
use crate::text::fold::{fold, fold_cow};

// foldhash, not SipHash: asked for the words before every mention. Kept
// as bytes, so that a word lower-cased on the stack is looked up without
// checking again that it is UTF-8.
static HONORIFICS: LazyLock<foldhash::HashSet<&'static [u8]>> = LazyLock::new(|| {
    include_str!("../../data/rules-honorifics.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::as_bytes)
        .collect()
});

pub(crate) fn is_honorific(word: &str) -> bool {
    if word.ends_with('.') {
        return true;
    }
    // Asked of every word of the names the rule reads, most of them
    // capitalised: short ASCII words are lower-cased (their folding) on
    // the stack, not in a new string.
    let mut buf = [0u8; 24];
    if word.is_ascii() && word.len() <= buf.len() {
        let lower = &mut buf[..word.len()];
        lower.copy_from_slice(word.as_bytes());
        lower.make_ascii_lowercase();
        return HONORIFICS.contains(&*lower);
    }
    HONORIFICS.contains(fold_cow(word).as_bytes())
}

/// The words of a name after any leading titles.
fn without_titles(name: &str) -> impl Iterator<Item = &str> {
    name.split_whitespace().skip_while(|w| is_honorific(w))
}

/// Whether a name has two words or more after any leading titles.
fn is_full(name: &str) -> bool {
    without_titles(name).nth(1).is_some()
}

pub(crate) fn check(cx: &Context<'_>, severity: Severity, scope: &Scope) -> Vec<Finding> {
    let mut seen = foldhash::HashSet::default();
    candidates(cx, severity, scope)
        .into_iter()
        .filter(|(entity, _)| seen.insert(*entity))
        .filter_map(|(_, finding)| finding)
        .collect()
}

/// The first mention of each person within `scope` that could be the
/// story's first reference (outside headings and quotations), in text
/// order, with what this rule says if it is. Which of them are the story's
/// first is for the caller to decide, across scopes.
pub(crate) fn candidates(
    cx: &Context<'_>,
    severity: Severity,
    scope: &Scope,
) -> Vec<(EntityId, Option<Finding>)> {
    let mut seen = foldhash::HashSet::default();
    let mut out = Vec::new();
    for m in &cx.mentions[scope.mentions.clone()] {
        // The index keeps kinds apart from the entities: only a person's
        // first mention needs its entity decoded.
        if cx.index.kind(m.entity) != EntityKind::Person
            || seen.contains(&m.entity)
            || cx.in_heading(m.range.start)
            || cx.in_quotation(&m.range)
        {
            continue;
        }
        seen.insert(m.entity);
        out.push((m.entity, finding(cx, severity, m)));
    }
    out
}

fn finding(cx: &Context<'_>, severity: Severity, m: &Mention) -> Option<Finding> {
    let written = &cx.text[m.range.clone()];
    // As written first: most first mentions give the full name, and then
    // the entity (decoded from the index on first use) is not needed.
    if is_full(written) {
        return None;
    }
    let entity = &cx.index.entity(m.entity).entity;
    if !is_full(&entity.name) || attributive(cx, m.range.start) {
        return None;
    }
    let full = entity.first_reference.as_deref().unwrap_or(&entity.name);
    let range = with_preceding_title(cx, m.range.clone(), full);
    // "former President ..." opening a sentence is "Former President ...".
    let opens_sentence = cx
        .sentence_at(range.start)
        .is_some_and(|i| cx.analysis.sentences[i].start == range.start);
    let full = if opens_sentence {
        capitalised(full)
    } else {
        full.to_string()
    };
    Some(Finding {
        rule: Rule::FirstReference,
        severity,
        message: format!(
            "First reference: the story’s first mention of “{written}” should give the full name, “{}”.",
            short_name(entity)
        ),
        fixes: vec![Fix {
            title: format!("Write “{full}”"),
            edits: vec![(range.clone(), full.clone())],
            preferred: true,
        }],
        related: Vec::new(),
        range,
    })
}

/// "the Biden administration", "a Putin ally": the surname names an era or
/// a camp, not the person, and needs no full name.
fn attributive(cx: &Context<'_>, at: usize) -> bool {
    // Only the last word before the mention counts, and only if nothing
    // but white space follows it. Words never hold white space, so
    // splitting from the white space before that word finds the words the
    // whole line has there.
    let line_start = cx.masked[..at].rfind('\n').map_or(0, |i| i + 1);
    let trimmed = cx.masked[line_start..at].trim_end();
    let from = line_start + after_last_space(trimmed);
    let before = words(cx.masked, from..at);
    before.last().is_some_and(|w| {
        matches!(w.lower.as_str(), "the" | "a" | "an")
            && cx.masked[w.range.end..at].trim().is_empty()
    })
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// How the message names the person: the name without titles.
fn short_name(entity: &Entity) -> String {
    without_titles(&entity.name).collect::<Vec<_>>().join(" ")
}

/// When the full form starts with titles the text already has before the
/// mention ("former President Trump" → "former President Donald J. Trump"),
/// the replacement covers them, so the fix does not write them twice.
fn with_preceding_title(cx: &Context<'_>, range: Range<usize>, full: &str) -> Range<usize> {
    let full_words: Vec<String> = full.split_whitespace().map(fold).collect();
    let mention_first = cx.text[range.clone()].split_whitespace().next().map(fold);
    let Some(k) = full_words
        .iter()
        .position(|w| Some(w) == mention_first.as_ref())
    else {
        return range;
    };
    let line_start = cx.masked[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let before = words(cx.masked, line_start..range.start);
    for j in (1..=k.min(before.len())).rev() {
        let tail = &before[before.len() - j..];
        let joined = tail.iter().skip(1).all(|w| !w.break_before)
            && cx.masked[tail[j - 1].range.end..range.start]
                .trim()
                .is_empty();
        let same = tail
            .iter()
            .zip(&full_words[k - j..k])
            .all(|(w, f)| fold(&w.lower) == *f);
        if joined && same {
            return tail[0].range.start..range.end;
        }
    }
    range
}

#[cfg(test)]
mod tests {
    use crate::rules::apply_edits;
    use crate::rules::testing::{findings_in, Lexicon};

    fn fixed(text: &str) -> Vec<(String, String)> {
        findings_in(&Lexicon::sochi(), text, "first-reference")
            .into_iter()
            .map(|(phrase, f)| (phrase, apply_edits(text, &f.fixes[0].edits).unwrap()))
            .collect()
    }

    #[test]
    fn bare_surname_at_first_mention() {
        let text = "Erdemir said the plan was a mistake. Erdemir added more.";
        let found = findings_in(&Lexicon::sochi(), text, "first-reference");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "Erdemir");
        assert_eq!(
            found[0].1.message,
            "First reference: the story’s first mention of “Erdemir” should give the full name, “Aykan Erdemir”."
        );
        assert_eq!(
            apply_edits(text, &found[0].1.fixes[0].edits).unwrap(),
            "Aykan Erdemir said the plan was a mistake. Erdemir added more."
        );
    }

    #[test]
    fn honorific_and_surname_uses_the_first_reference_form() {
        assert_eq!(
            fixed("Mr. Erdemir and Kerim Has spoke."),
            [(
                "Mr. Erdemir".to_string(),
                "Aykan Erdemir and Kerim Has spoke.".to_string()
            )]
        );
        assert_eq!(
            fixed("Turkish President Erdogan arrived."),
            [(
                "President Erdogan".to_string(),
                "Turkish President Recep Tayyip Erdogan arrived.".to_string()
            )]
        );
        assert_eq!(
            fixed("It was former President Trump who agreed."),
            [(
                "former President Trump".to_string(),
                "It was former President Donald J. Trump who agreed.".to_string()
            )]
        );
    }

    #[test]
    fn each_person_once_in_text_order() {
        let text =
            "Putin met Erdogan. Vladimir Putin said little. Erdogan spoke; Stoltenberg listened.";
        let found: Vec<String> = fixed(text).into_iter().map(|(p, _)| p).collect();
        assert_eq!(found, ["Putin", "Erdogan", "Stoltenberg"]);
        let first = &fixed(text)[0].1;
        assert_eq!(
            first,
            "President Vladimir V. Putin met Erdogan. Vladimir Putin said little. Erdogan spoke; Stoltenberg listened."
        );
    }

    #[test]
    fn a_first_reference_form_opening_a_sentence_is_capitalised() {
        assert_eq!(
            fixed("Obama agreed to the sale."),
            [(
                "Obama".to_string(),
                "Former President Barack Obama agreed to the sale.".to_string()
            )]
        );
    }

    #[test]
    fn possessive_first_mention_keeps_its_ending() {
        assert_eq!(
            fixed("Erdemir’s warning came first."),
            [(
                "Erdemir".to_string(),
                "Aykan Erdemir’s warning came first.".to_string()
            )]
        );
    }

    #[test]
    fn plain_text_articles_count_too() {
        let lex = Lexicon::sochi();
        let found = crate::rules::testing::findings_in_kind(
            &lex,
            "SOCHI, Russia — Hifter did not attend.\n\nKhalifa Hifter later spoke.\n",
            crate::rules::DocKind::PlainText,
            "first-reference",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "Hifter");
    }

    #[test]
    fn full_names_headlines_and_quotes_stay_silent() {
        for text in [
            "Aykan Erdemir said so. Erdemir added more.",
            "President Joe Biden met Jens Stoltenberg. Biden left.",
            "# Erdemir warns Washington\n\nAykan Erdemir said so.",
            "“I have worked well with Mr Obama,” Recep Tayyip Erdogan said.",
            "Khalifa Haftar’s forces advanced. Hifter said nothing.",
            "NATO and Wagner met in Sochi.",
            "It was a wake-up call for the Biden administration, and a Putin ally agreed.",
            "Aykan Erdemir and Kerim Has wrote. Then Mr. Erdemir and Has argued.",
            "A lecturer, Kerim Has, wrote that Has’s students agreed.",
            "Jens Stoltenberg met Khalifa Hifter. Stoltenberg left; Hifter stayed.",
        ] {
            assert_eq!(fixed(text), [] as [(String, String); 0], "{text}");
        }
    }
}
