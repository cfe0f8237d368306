//! Lexicon parsing: never panics; whatever parses serialises to text that
//! parses back to the same lexicon, and compiles into an index that can
//! analyse a draft.

#![no_main]

use std::path::PathBuf;

use copydesk::analysis::{analyze, cards, LexiconIndex, LexiconInput};
use copydesk::text::prose::DocKind;
use libfuzzer_sys::fuzz_target;

const DRAFT: &str = "President Recep Tayyip Erdogan met Mr. Putin in Sochi. “We will \
continue,” Erdoğan said. Has the meeting ended? S-400s, NATO’s “red line”.";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lexicon = match copydesk::lexicon::parse(text) {
        Ok(l) => l,
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1, "positions are 1-based");
            return;
        }
    };
    let written = copydesk::lexicon::to_json_string(&lexicon);
    let again = copydesk::lexicon::parse(&written).expect("what copydesk writes, it reads");
    assert_eq!(again, lexicon, "a round trip keeps every field");
    assert_eq!(copydesk::lexicon::to_json_string(&again), written, "one serialisation");

    let index = LexiconIndex::build(vec![LexiconInput {
        path: PathBuf::from("/fuzz/desk.lexicon.json"),
        text: text.to_string(),
        lexicon,
    }]);
    for kind in [DocKind::Markdown, DocKind::PlainText] {
        let a = analyze(DRAFT, kind, &index);
        for m in &a.mentions {
            assert!(DRAFT.is_char_boundary(m.range.start) && DRAFT.is_char_boundary(m.range.end));
            let _ = cards::entity_card(&index, m.entity);
        }
        for m in a.quote_claims.iter().flatten() {
            let _ = cards::claim_card(&index, m.claim);
        }
    }
    let _ = index.complete("Erd", 50);
    let _ = index.search("put", 200);
});
