//! No user text makes the rules panic, and every quick fix they offer (and
//! every "Disable CODE for this line") applies cleanly: edits inside the
//! text, on character boundaries, not overlapping.

use std::path::Path;

use copydesk::analysis::{analyze, LexiconIndex};
use copydesk::rules::{apply_edits, check, suppress, DocKind, RuleConfig};
use proptest::prelude::*;

fn index() -> &'static LexiconIndex {
    static INDEX: std::sync::OnceLock<LexiconIndex> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sochi.lexicon.json");
        LexiconIndex::build(vec![copydesk::workspace::load_lexicon(&path).unwrap()])
    })
}

/// Pieces of news copy, and of the things that break naive code: quotation
/// marks of every kind, ellipses, brackets, multi-byte letters, CRLF, the
/// Markdown that masks text.
fn piece() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "Erdogan",
        "Erdoğan",
        "Putin",
        "he said",
        "said Erdogan",
        ", ",
        ". ",
        ": ",
        " ",
        "\n",
        "\r\n",
        "\n\n",
        "“",
        "”",
        "‘",
        "’",
        "\"",
        "'",
        "…",
        "...",
        "[",
        "]",
        "We buy our own weapons",
        "our",
        "way back",
        "there is no path back in this sphere",
        "arms experts say",
        "is seen as",
        "4 million",
        "$2.5 billion",
        "19.6 percent",
        "in 2019",
        "S-400",
        "Haftar",
        "Vladimir Poutine",
        "Mr. Erdemir",
        "The S-400 missiles are designed to shoot down NATO aircraft",
        "# ",
        "> ",
        "`",
        "```",
        "<!-- copydesk-disable-next-line -->",
        "copydesk-disable",
        "😀",
        "İ",
        "—",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn rules_never_panic_and_their_edits_apply(pieces in prop::collection::vec(piece(), 0..60), markdown in any::<bool>()) {
        let text: String = pieces.concat();
        let kind = if markdown { DocKind::Markdown } else { DocKind::PlainText };
        let analysis = analyze(&text, kind, index());
        let findings = check(&text, &analysis, index(), &RuleConfig::default());
        for f in &findings {
            prop_assert!(f.range.start <= f.range.end && f.range.end <= text.len());
            prop_assert!(text.is_char_boundary(f.range.start) && text.is_char_boundary(f.range.end));
            for fix in &f.fixes {
                prop_assert!(apply_edits(&text, &fix.edits).is_some(), "fix {:?} of {:?} on {:?}", fix, f.code(), text);
            }
            let disable = suppress::disable_for_line(&text, kind, f);
            prop_assert!(apply_edits(&text, &disable.edits).is_some());
        }
    }
}
