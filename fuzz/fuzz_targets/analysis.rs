//! Prose and Markdown analysis against the fixture lexicon: never panics,
//! and every range it returns is a byte range of the document on character
//! boundaries, so the protocol layer can slice and convert it.

#![no_main]

use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;

use copydesk::analysis::{analyze, cards, LexiconIndex, LexiconInput};
use copydesk::lsp::position::{to_byte, to_position, Encoding};
use copydesk::text::prose::DocKind;
use libfuzzer_sys::fuzz_target;
use ropey::Rope;

fn index() -> &'static LexiconIndex {
    static INDEX: OnceLock<LexiconIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let text = include_str!("../../tests/fixtures/sochi.lexicon.json");
        let lexicon = copydesk::lexicon::parse(text).expect("the fixture lexicon parses");
        LexiconIndex::build(vec![LexiconInput {
            path: PathBuf::from("/fuzz/sochi.lexicon.json"),
            text: text.to_string(),
            lexicon,
        }])
    })
}

fn check(text: &str, r: &Range<usize>, what: &str) {
    assert!(r.start <= r.end && r.end <= text.len(), "{what} {r:?} out of bounds");
    assert!(
        text.is_char_boundary(r.start) && text.is_char_boundary(r.end),
        "{what} {r:?} splits a character"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&flag, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let kind = if flag & 1 == 0 { DocKind::Markdown } else { DocKind::PlainText };
    let index = index();
    let a = analyze(text, kind, index);

    let (masked, original) = (a.prose.masked.as_bytes(), text.as_bytes());
    assert_eq!(masked.len(), original.len(), "masked prose keeps the length");
    for (i, (&m, &o)) in masked.iter().zip(original).enumerate() {
        if o == b'\n' || o == b'\r' {
            assert_eq!(m, o, "line break at {i} kept");
        } else {
            assert!(m == o || m == b' ', "byte {i} is the document's or a space");
        }
    }
    for b in &a.prose.blocks {
        check(text, &b.range, "block");
    }
    for s in &a.sentences {
        check(text, s, "sentence");
    }
    for w in a.mentions.windows(2) {
        assert!(w[0].range.start <= w[1].range.start, "mentions sorted");
    }
    for m in &a.mentions {
        check(text, &m.range, "mention");
        let _ = cards::entity_card(index, m.entity);
    }
    for (i, q) in a.quotations.iter().enumerate() {
        check(text, &q.range, "quotation");
        check(text, &q.inner, "quotation inner");
        if let Some(c) = q.continues {
            assert!(c < i, "a quotation continues an earlier one");
        }
    }
    assert_eq!(a.attributions.len(), a.quotations.len());
    assert_eq!(a.quote_claims.len(), a.quotations.len());
    for at in a.attributions.iter().flatten() {
        check(text, &at.attribution.speaker.range, "speaker");
        check(text, &at.attribution.speaker.name, "speaker name");
        check(text, &at.attribution.cue, "cue");
        assert!(at.sentence < a.sentences.len(), "attribution sentence exists");
    }
    assert_eq!(a.quote_speakers.len(), a.quotations.len(), "a speaker slot per quotation");
    for e in a.quote_speakers.iter().flatten() {
        let _ = cards::entity_card(index, *e);
    }
    for m in a.quote_claims.iter().flatten() {
        let _ = cards::claim_card(index, m.claim);
    }
    // What the protocol layer does with the ranges.
    let rope = Rope::from_str(text);
    for m in &a.mentions {
        for enc in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            let p = to_position(&rope, m.range.start, enc);
            assert_eq!(to_byte(&rope, p, enc), m.range.start);
        }
        let _ = a.mention_at(m.range.start);
    }
});
