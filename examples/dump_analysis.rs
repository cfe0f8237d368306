//! Prints what the analysis finds in a document: mentions, quotations,
//! their attributions and matched claims. A development aid.
//!
//! cargo run --example dump_analysis -- LEXICON.json DOCUMENT

use copydesk::analysis::{analyze, LexiconIndex};
use copydesk::text::prose::DocKind;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, lexicon, document] = &args[..] else {
        eprintln!("usage: dump_analysis LEXICON.json DOCUMENT");
        std::process::exit(2);
    };
    let input = match copydesk::workspace::load_lexicon(std::path::Path::new(lexicon)) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let index = LexiconIndex::build(vec![input]);
    let text = std::fs::read_to_string(document).unwrap_or_else(|e| {
        eprintln!("{document}: {e}");
        std::process::exit(2);
    });
    let a = analyze(&text, DocKind::from_path(document.as_ref()), &index);
    for m in &a.mentions {
        let e = &index.entity(m.entity).entity;
        println!(
            "mention {:>5}..{:<5} {:<28} -> {} ({:?}{})",
            m.range.start,
            m.range.end,
            &text[m.range.clone()],
            e.id,
            m.form,
            if m.folded_only { ", folded" } else { "" }
        );
    }
    for (i, q) in a.quotations.iter().enumerate() {
        let who = a.attributions[i].as_ref().map(|at| {
            let s = &at.attribution.speaker;
            let resolved = a.quote_speakers[i].map(|e| index.entity(e).entity.id.clone());
            format!(
                "{:?} '{}' -> {:?} cue '{}'",
                at.placement,
                &text[s.range.clone()],
                resolved,
                &text[at.attribution.cue.clone()]
            )
        });
        let claim = a.quote_claims[i].map(|m| index.claim(m.claim).claim.id.clone());
        println!(
            "quote d{} {:?}\n    by {:?}\n    claim {:?}",
            q.depth,
            &text[q.inner.clone()],
            who,
            claim
        );
    }
}
