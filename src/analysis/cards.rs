//! Hover cards: what a reporter sees about a name or a quotation, as
//! Markdown text. Pure presentation of lexicon data.

use super::index::{ClaimId, EntityId, LexiconIndex};

/// How many of an entity's claims a card quotes.
const CLAIMS_ON_CARD: usize = 3;

pub fn entity_card(index: &LexiconIndex, id: EntityId) -> String {
    let ie = index.entity(id);
    let e = &ie.entity;
    let mut out = format!("**{}** · {}", escape(&e.name), e.kind.as_str());
    if !e.title.is_empty() {
        out.push_str(&format!("\n\n*{}*", escape(&e.title)));
    }
    if !e.description.is_empty() && e.description != e.title {
        out.push_str(&format!("\n\n{}", escape(&e.description)));
    }
    if let Some(first) = e.first_reference.as_deref().filter(|f| !f.is_empty()) {
        out.push_str(&format!("\n\nFirst reference: {}", escape(first)));
    }
    if !e.aliases.is_empty() {
        out.push_str(&format!(
            "\n\nAlso: {}",
            e.aliases
                .iter()
                .map(|a| escape(a))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !e.variants.is_empty() {
        out.push_str(&format!(
            "\n\nNot: {}",
            e.variants
                .iter()
                .map(|a| format!("~~{}~~", escape(a)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !ie.claims.is_empty() {
        out.push_str("\n\n---\n\n**In the sources**");
        for &c in ie.claims.iter().take(CLAIMS_ON_CARD) {
            let claim = &index.claim(c).claim;
            let what = if claim.quoted {
                format!("“{}”", escape(&claim.text))
            } else {
                escape(&claim.text)
            };
            out.push_str(&format!(
                "\n\n> {what}\n\n— {}{}",
                cue_of(&claim.cue),
                source_suffix(index, c)
            ));
        }
        if ie.claims.len() > CLAIMS_ON_CARD {
            out.push_str(&format!(
                "\n\n…and {} more",
                ie.claims.len() - CLAIMS_ON_CARD
            ));
        }
    }
    let titles = source_titles(index, id);
    if !titles.is_empty() {
        out.push_str(&format!("\n\n---\n\nAppears in: {}", titles.join("; ")));
    }
    out
}

pub fn claim_card(index: &LexiconIndex, id: ClaimId) -> String {
    let ic = index.claim(id);
    let c = &ic.claim;
    let who = match ic.speaker {
        Some(s) => escape(&index.entity(s).entity.name),
        None if !c.speaker_text.is_empty() => escape(&c.speaker_text),
        None => "an unnamed source".to_string(),
    };
    let mut out = format!("**Quotation from {who}**");
    if ic.speaker.is_some()
        && !c.speaker_text.is_empty()
        && !c
            .speaker_text
            .eq_ignore_ascii_case(&index.entity(ic.speaker.unwrap_or_default()).entity.name)
    {
        out.push_str(&format!(" (“{}” in the source)", escape(&c.speaker_text)));
    }
    out.push_str(&format!(
        "\n\n{}{}",
        capitalise(&cue_of(&c.cue)),
        source_suffix(index, id)
    ));
    if !c.sentence.is_empty() {
        out.push_str(&format!("\n\n> {}", escape(&c.sentence)));
    }
    out
}

fn cue_of(cue: &str) -> String {
    if cue.is_empty() {
        "said".to_string()
    } else {
        escape(cue)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn source_suffix(index: &LexiconIndex, claim: ClaimId) -> String {
    let ic = index.claim(claim);
    match index.source(ic.lexicon, &ic.claim.source) {
        Some(s) if !s.source.title.is_empty() => format!(", *{}*", escape(&s.source.title)),
        _ => String::new(),
    }
}

/// Titles of the sources an entity appears in, by evidence and by claims, once each.
fn source_titles(index: &LexiconIndex, id: EntityId) -> Vec<String> {
    let ie = index.entity(id);
    let mut titles: Vec<String> = Vec::new();
    let ids = ie.entity.evidence.iter().map(|e| e.source.as_str()).chain(
        ie.claims
            .iter()
            .map(|&c| index.claim(c).claim.source.as_str()),
    );
    for sid in ids {
        if let Some(s) = index.source(ie.lexicon, sid) {
            let t = if s.source.title.is_empty() {
                s.source.path.clone()
            } else {
                s.source.title.clone()
            };
            let t = format!("*{}*", escape(&t));
            if !titles.contains(&t) {
                titles.push(t);
            }
        }
    }
    titles
}

/// Escapes the characters Markdown would take as formatting in lexicon text.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A card for clients that show only plain text: the same words without
/// Markdown emphasis, strike-through, escapes and rules.
pub fn to_plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for (i, line) in markdown.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if line == "---" {
            continue;
        }
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                '*' | '~' => {}
                _ => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_the_words() {
        assert_eq!(
            to_plain(
                "**Kerim Has** · person\n\n*lecturer*\n\nNot: ~~Hass~~\n\n---\n\n> “a \\*b\\*”"
            ),
            "Kerim Has · person\n\nlecturer\n\nNot: Hass\n\n\n\n> “a *b*”"
        );
    }
}
